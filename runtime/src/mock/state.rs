//! The server's state: operations, stubs, stored replies, the journal and the problems; and the
//! decision, under the lock, of what to do with a request.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use super::Spec;
use super::fault::{Fault, When};
use super::record::{Outcome, Raw};
use super::validate;
use super::wire::{Incoming, Wire};

/// Whether a stub takes a request.
pub(super) type Matcher = Arc<dyn Fn(&Incoming) -> bool + Send + Sync>;
/// A typed responder, erased: the request in, the reply (or why there is none) out.
pub(super) type Responder = Arc<dyn Fn(&Incoming) -> Result<Wire, String> + Send + Sync>;

pub(super) enum Action {
    Respond(Responder),
    Fault(Fault),
}

pub(super) struct Stub {
    pub(super) operation: &'static str,
    pub(super) matchers: Vec<Matcher>,
    pub(super) action: Action,
    pub(super) times: Option<usize>,
    pub(super) hits: usize,
}

impl Stub {
    fn takes(&self, operation: &str, request: &Incoming) -> bool {
        self.operation == operation
            && self.times.is_none_or(|t| self.hits < t)
            && self.matchers.iter().all(|m| m(request))
    }
}

#[derive(Default)]
pub(super) struct State {
    pub(super) specs: Vec<&'static Spec>,
    pub(super) stubs: Vec<Stub>,
    pub(super) journal: Vec<Raw>,
    pub(super) problems: Vec<String>,
    /// Replies by operation and idempotency key.
    pub(super) replies: HashMap<(&'static str, String), Wire>,
    pub(super) no_dedup: bool,
    pub(super) arrivals: usize,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("operations", &self.specs.len())
            .field("stubs", &self.stubs.len())
            .field("requests", &self.journal.len())
            .field("problems", &self.problems)
            .finish_non_exhaustive()
    }
}

/// What the server does with one request, decided under the lock and carried out outside it.
pub(super) enum Plan {
    /// Send this now; nothing ran.
    Answer(Wire, Outcome),
    /// Close the connection; nothing ran.
    Hangup(Fault),
    /// Produce the reply (replay it, or run the responder), then apply `fault`.
    Effect { operation: &'static str, replay: Option<Wire>, responder: Option<Responder>, fault: Option<Fault> },
}

pub(super) struct Arrival {
    pub(super) seq: usize,
    pub(super) operation: Option<&'static Spec>,
    pub(super) plan: Plan,
    pub(super) delay: Option<Duration>,
}

impl State {
    pub(super) fn arrive(&mut self, request: &mut Incoming, query: Option<&str>) -> Arrival {
        let seq = self.arrivals;
        self.arrivals += 1;
        request.query = validate::parse_query(query);
        let found = self.specs.iter().find_map(|spec| {
            (spec.method == request.method)
                .then(|| validate::match_path(spec.path, &request.path))
                .flatten()
                .map(|params| (*spec, params))
        });
        let Some((spec, params)) = found else {
            let why = format!("no operation of the document is {} {}", request.method, request.path);
            self.problems.push(why.clone());
            let plan = Plan::Answer(Wire::problem(404, "unknown operation", &why), Outcome::UnknownOperation);
            return Arrival { seq, operation: None, plan, delay: None };
        };
        request.path_params = params;
        let at = |plan| Arrival { seq, operation: Some(spec), plan, delay: None };
        if let Err(why) = validate::check(spec, &request.query, &request.headers, &request.body) {
            self.problems.push(format!("invalid request: {why}"));
            return at(Plan::Answer(Wire::problem(400, "invalid request", &why), Outcome::Invalid(why)));
        }
        let Some(first) = self.stubs.iter().position(|s| s.takes(spec.id, request)) else {
            let why = format!("no stub of `{}` takes {} {}", spec.id, request.method, request.path);
            self.problems.push(why.clone());
            return at(Plan::Answer(Wire::problem(501, "no stub", &why), Outcome::NoStub));
        };
        self.stubs[first].hits += 1;
        let (fault, delay, responder_at) = match &self.stubs[first].action {
            Action::Respond(_) => (None, None, Some(first)),
            Action::Fault(fault) => match fault.when() {
                When::Instead => return at(instead(fault.clone())),
                When::After => (Some(fault.clone()), None, self.responder_after(spec.id, request)),
                When::Delay(wait) => (None, Some(wait), self.responder_after(spec.id, request)),
            },
        };
        let key = request.headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let replay = key.filter(|_| !self.no_dedup).and_then(|k| self.replies.get(&(spec.id, k)).cloned());
        let responder = match (responder_at, &replay) {
            (Some(i), None) => {
                if i != first {
                    self.stubs[i].hits += 1;
                }
                match &self.stubs[i].action {
                    Action::Respond(r) => Some(Arc::clone(r)),
                    Action::Fault(_) => None,
                }
            }
            _ => None,
        };
        if responder.is_none() && replay.is_none() {
            self.problems.push(format!(
                "a `{}` fault stub of `{}` has no responding stub behind it",
                label(&fault),
                spec.id
            ));
        }
        Arrival {
            seq,
            operation: Some(spec),
            plan: Plan::Effect { operation: spec.id, replay, responder, fault },
            delay,
        }
    }

    /// The first responding stub that takes the request (what a fault after the effect lets run).
    fn responder_after(&self, operation: &str, request: &Incoming) -> Option<usize> {
        self.stubs.iter().position(|s| matches!(s.action, Action::Respond(_)) && s.takes(operation, request))
    }
}

fn label(fault: &Option<Fault>) -> String {
    fault.as_ref().map_or_else(|| "Slow".to_owned(), |f| format!("{f:?}"))
}

/// The reply of a fault that acts instead of the responder.
fn instead(fault: Fault) -> Plan {
    match fault {
        Fault::Status(status) => {
            let reply = Wire::problem(status, "mock fault", &format!("a `Status({status})` fault"));
            Plan::Answer(reply, Outcome::Faulted(fault))
        }
        Fault::RateLimited(after) => {
            let mut reply = Wire::problem(429, "mock fault", "a `RateLimited` fault");
            let (name, value) = after.header();
            if let Ok(value) = http::HeaderValue::try_from(value) {
                reply.headers.push((http::HeaderName::from_static(name), value));
            }
            Plan::Answer(reply, Outcome::Faulted(fault))
        }
        other => Plan::Hangup(other),
    }
}
