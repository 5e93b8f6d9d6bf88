//! Typed handles on one operation: matchers, responders, faults, and what was received.

use std::marker::PhantomData;
use std::sync::Arc;

use bytes::Bytes;

use super::Spec;
use super::fault::Fault;
use super::record::{Received, lookup};
use super::server::Server;
use super::state::{Action, Matcher, Stub};
use super::wire::{Incoming, Wire};

/// One operation of a mock [`Server`], typed with its request body `B` (`()` without one), its
/// success body `T` and its error body `E`.
///
/// Matchers (`path_param`, `query`, `header`, `body_matches`) narrow what the next stub takes
/// and what `received` and `calls` count; a responder (`ok`, `error`, `respond_with`) or a
/// [`fault`](Endpoint::fault) mounts the stub.
pub struct Endpoint<'s, B, T, E> {
    server: &'s Server,
    spec: &'static Spec,
    decode: fn(&[u8]) -> Result<B, String>,
    ok: fn(&T) -> Result<Bytes, String>,
    err: fn(&E) -> Result<Bytes, String>,
    matchers: Vec<Matcher>,
    _types: PhantomData<fn() -> (T, E)>,
}

impl<B, T, E> std::fmt::Debug for Endpoint<'_, B, T, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint").field("operation", &self.spec.id).field("matchers", &self.matchers.len()).finish()
    }
}

/// The reply a responder gives: a success body, or an error body with a status the operation
/// declares.
#[derive(Debug, Clone)]
pub struct Reply<T, E> {
    status: Option<u16>,
    body: Result<T, E>,
    headers: Vec<(String, String)>,
}

impl<T, E> Reply<T, E> {
    /// The success body, under the first 2xx status the document declares.
    pub fn ok(body: T) -> Self {
        Reply { status: None, body: Ok(body), headers: Vec::new() }
    }

    /// A success body under another (declared) status.
    pub fn ok_with(status: u16, body: T) -> Self {
        Reply { status: Some(status), body: Ok(body), headers: Vec::new() }
    }

    /// An error body under a status the document declares for the operation.
    pub fn error(status: u16, body: E) -> Self {
        Reply { status: Some(status), body: Err(body), headers: Vec::new() }
    }

    /// Adds a response header (a name or value that is not valid HTTP is reported, not sent).
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// A request as a responder sees it: the decoded body and the rest of the request.
#[derive(Debug)]
pub struct Request<'a, B> {
    body: &'a B,
    incoming: &'a Incoming,
}

impl<B> Request<'_, B> {
    /// The decoded body (`()` for an operation without one).
    pub fn body(&self) -> &B {
        self.body
    }

    /// A path parameter, decoded.
    pub fn path_param(&self, name: &str) -> Option<&str> {
        lookup(&self.incoming.path_params, name)
    }

    /// The first value of a query parameter, decoded.
    pub fn query(&self, name: &str) -> Option<&str> {
        lookup(&self.incoming.query, name)
    }

    /// A header's value, when it is text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.incoming.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `Idempotency-Key`.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.header("idempotency-key")
    }
}

/// A mounted stub; [`times`](Mounted::times) limits how many requests it takes.
#[derive(Debug)]
pub struct Mounted<'s> {
    server: &'s Server,
    index: usize,
}

impl Mounted<'_> {
    /// Takes at most `n` requests, then lets the next stub take them (a sequence: a fault
    /// `times(1)`, then a responder).
    pub fn times(self, n: usize) -> Self {
        if let Some(stub) = self.server.shared.state().stubs.get_mut(self.index) {
            stub.times = Some(n);
        }
        self
    }
}

impl<'s, B, T, E> Endpoint<'s, B, T, E>
where
    B: Send + Sync + 'static,
    T: Send + Sync + 'static,
    E: Send + Sync + 'static,
{
    /// The endpoint of `spec` on `server` (what a generated `mock::Server` method returns),
    /// with the codecs of its types.
    pub fn new(
        server: &'s Server,
        spec: &'static Spec,
        decode: fn(&[u8]) -> Result<B, String>,
        ok: fn(&T) -> Result<Bytes, String>,
        err: fn(&E) -> Result<Bytes, String>,
    ) -> Self {
        Endpoint { server, spec, decode, ok, err, matchers: Vec::new(), _types: PhantomData }
    }

    fn matching(mut self, matcher: impl Fn(&Incoming) -> bool + Send + Sync + 'static) -> Self {
        self.matchers.push(Arc::new(matcher));
        self
    }

    /// Only requests whose path parameter `name` is `value` (decoded).
    #[must_use]
    pub fn path_param(self, name: &str, value: impl Into<String>) -> Self {
        let (name, value) = (name.to_owned(), value.into());
        self.matching(move |r| lookup(&r.path_params, &name) == Some(value.as_str()))
    }

    /// Only requests with the query parameter `name` equal to `value` (decoded).
    #[must_use]
    pub fn query(self, name: &str, value: impl Into<String>) -> Self {
        let (name, value) = (name.to_owned(), value.into());
        self.matching(move |r| r.query.iter().any(|(k, v)| *k == name && *v == value))
    }

    /// Only requests with the header `name` equal to `value`.
    #[must_use]
    pub fn header(self, name: &str, value: impl Into<String>) -> Self {
        let (name, value) = (name.to_owned(), value.into());
        self.matching(move |r| r.headers.get_all(name.as_str()).iter().any(|v| v.as_bytes() == value.as_bytes()))
    }

    /// Only requests whose decoded body satisfies `predicate`.
    #[must_use]
    pub fn body_matches(self, predicate: impl Fn(&B) -> bool + Send + Sync + 'static) -> Self {
        let decode = self.decode;
        self.matching(move |r| decode(&r.body).is_ok_and(|b| predicate(&b)))
    }

    /// Answers with `body` under the first 2xx status the document declares.
    pub fn ok(self, body: T) -> Mounted<'s>
    where
        T: Clone,
    {
        self.respond_with(move |_| Reply::ok(body.clone()))
    }

    /// Answers with an error body; a status the operation does not declare is reported (see
    /// [`Server::verify`]) and answered 500.
    pub fn error(self, status: u16, body: E) -> Mounted<'s>
    where
        E: Clone,
    {
        if !self.spec.declares(status) {
            self.server.problem(undeclared(self.spec, status));
        }
        self.respond_with(move |_| Reply::error(status, body.clone()))
    }

    /// Answers with what `responder` makes of each request.
    pub fn respond_with(
        self,
        responder: impl Fn(&Request<'_, B>) -> Reply<T, E> + Send + Sync + 'static,
    ) -> Mounted<'s> {
        let (spec, decode, ok, err) = (self.spec, self.decode, self.ok, self.err);
        let responder = move |incoming: &Incoming| {
            let body = decode(&incoming.body).map_err(|e| format!("{}: {e}", spec.id))?;
            let reply = responder(&Request { body: &body, incoming });
            encode(spec, reply, ok, err)
        };
        self.mount(Action::Respond(Arc::new(responder)))
    }

    /// Applies `fault` to the requests this stub takes.
    pub fn fault(self, fault: Fault) -> Mounted<'s> {
        self.mount(Action::Fault(fault))
    }

    fn mount(self, action: Action) -> Mounted<'s> {
        let stub = Stub { operation: self.spec.id, matchers: self.matchers, action, times: None, hits: 0 };
        let mut state = self.server.shared.state();
        state.stubs.push(stub);
        Mounted { server: self.server, index: state.stubs.len() - 1 }
    }

    /// The requests of this operation the matchers accept, in arrival order.
    pub fn received(&self) -> Vec<Received<B>> {
        let mut raws: Vec<_> =
            self.server.shared.state().journal.iter().filter(|r| r.operation == Some(self.spec.id)).cloned().collect();
        raws.sort_by_key(|r| r.seq);
        let incoming = |r: &super::record::Raw| Incoming {
            method: r.method.clone(),
            path: r.path.clone(),
            path_params: r.path_params.clone(),
            query: r.query.clone(),
            headers: r.headers.clone(),
            body: r.body.clone(),
        };
        raws.into_iter()
            .filter(|r| {
                let i = incoming(r);
                self.matchers.iter().all(|m| m(&i))
            })
            .map(|raw| Received { body: (self.decode)(&raw.body).ok(), raw })
            .collect()
    }

    /// How many of them took effect: a responder ran (replays of an idempotency key and faults
    /// before the effect are not counted).
    pub fn calls(&self) -> usize {
        self.received().iter().filter(|r| r.took_effect()).count()
    }

    /// Fails the test unless [`calls`](Endpoint::calls) is `n`.
    #[allow(clippy::panic)] // an assertion: failing the test is its purpose
    pub fn assert_calls(&self, n: usize) {
        let received = self.received();
        let calls = received.iter().filter(|r| r.took_effect()).count();
        if calls != n {
            let seen: Vec<String> = received.iter().map(|r| format!("{:?}", r.outcome())).collect();
            panic!(
                "`{}`: expected {n} call(s) to take effect, {calls} did; received: [{}]",
                self.spec.id,
                seen.join(", ")
            );
        }
    }

    /// Fails the test unless it received a request and every one satisfies `check`.
    #[allow(clippy::panic)] // an assertion: failing the test is its purpose
    pub fn assert_received(&self, check: impl Fn(&Received<B>) -> bool)
    where
        B: std::fmt::Debug,
    {
        let received = self.received();
        if received.is_empty() {
            panic!("`{}`: no request received", self.spec.id);
        }
        if let Some(bad) = received.iter().find(|r| !check(r)) {
            panic!("`{}`: request #{} fails the check: {bad:?}", self.spec.id, bad.seq());
        }
    }
}

fn undeclared(spec: &Spec, status: u16) -> String {
    format!(
        "`{}` answers {status}, which the document does not declare (it declares {})",
        spec.id,
        spec.statuses.join(", ")
    )
}

/// A typed reply as bytes, its status checked against the document.
fn encode<T, E>(
    spec: &'static Spec,
    reply: Reply<T, E>,
    ok: fn(&T) -> Result<Bytes, String>,
    err: fn(&E) -> Result<Bytes, String>,
) -> Result<Wire, String> {
    let (status, body, content_type) = match &reply.body {
        Ok(body) => (reply.status.unwrap_or_else(|| spec.ok_status()), ok(body)?, spec.ok_type),
        Err(body) => (reply.status.unwrap_or(500), err(body)?, spec.error_type),
    };
    if !spec.declares(status) {
        return Err(undeclared(spec, status));
    }
    if reply.body.is_ok() != (200..300).contains(&status) {
        let kind = if reply.body.is_ok() { "a success body" } else { "an error body" };
        return Err(format!("`{}` answers {status} with {kind}, whose type is for the other kind of status", spec.id));
    }
    let mut wire = Wire::new(status, content_type, body);
    for (name, value) in reply.headers {
        let name = http::HeaderName::try_from(name.as_str()).map_err(|_| format!("bad reply header name {name:?}"))?;
        let value =
            http::HeaderValue::try_from(value.as_str()).map_err(|_| format!("bad reply header value {value:?}"))?;
        wire.headers.push((name, value));
    }
    Ok(wire)
}
