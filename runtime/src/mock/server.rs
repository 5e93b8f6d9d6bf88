//! The server: an HTTP/1.1 listener on 127.0.0.1 served by hyper on the caller's tokio runtime.

use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::{JoinHandle, JoinSet};

use super::Spec;
use super::fault::Fault;
use super::record::{Outcome, Raw};
use super::state::{Plan, State};
use super::wire::{Body, Incoming, Wire, read_body};

/// A mock server for the operations it was started with; stops when dropped.
///
/// Generated clients wrap it in a typed `mock::Server`; use this one directly only for
/// operations described by hand.
#[derive(Debug)]
pub struct Server {
    pub(super) shared: Arc<Shared>,
    url: String,
    accept: JoinHandle<()>,
}

#[derive(Debug, Default)]
pub(super) struct Shared {
    state: Mutex<State>,
}

impl Shared {
    pub(super) fn state(&self) -> MutexGuard<'_, State> {
        // Responders run outside the lock, so a poisoned lock only means a test's assertion
        // failed while holding it; the state is still whole.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Server {
    /// Binds `127.0.0.1:0` and serves `operations` on the current tokio runtime.
    pub async fn start(operations: &[&'static Spec]) -> std::io::Result<Server> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let shared = Arc::new(Shared::default());
        shared.state().specs = operations.to_vec();
        let accept = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        Ok(Server { shared, url, accept })
    }

    /// `http://127.0.0.1:<port>`, what the client under test is built with.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Turns the server-side deduplication of idempotency keys on (the default) or off.
    pub fn dedup(&self, on: bool) -> &Self {
        self.shared.state().no_dedup = !on;
        self
    }

    /// Every request received, in arrival order: the operation's id (`None` for a request of no
    /// operation), the method and path, and what became of it.
    pub fn journal(&self) -> Vec<(Option<&'static str>, String, Outcome)> {
        let mut raws = self.shared.state().journal.clone();
        raws.sort_by_key(|r| r.seq);
        raws.into_iter().map(|r| (r.operation, format!("{} {}", r.method, r.path), r.outcome)).collect()
    }

    /// The operation ids of the requests that took effect, in arrival order.
    pub fn effects(&self) -> Vec<&'static str> {
        let mut raws: Vec<(usize, &'static str)> = self
            .shared
            .state()
            .journal
            .iter()
            .filter(|r| r.effect)
            .filter_map(|r| Some((r.seq, r.operation?)))
            .collect();
        raws.sort_unstable();
        raws.into_iter().map(|(_, op)| op).collect()
    }

    /// What went wrong so far: requests the document would refuse, requests no stub took,
    /// replies the document does not declare, stubs set up wrong.
    pub fn problems(&self) -> Vec<String> {
        self.shared.state().problems.clone()
    }

    /// The problems so far, which are then forgotten (for a test that expects some).
    pub fn take_problems(&self) -> Vec<String> {
        std::mem::take(&mut self.shared.state().problems)
    }

    /// Fails the test, listing every problem, if there is any (see [`Server::problems`]).
    #[allow(clippy::panic)] // an assertion: failing the test is its purpose
    pub fn verify(&self) {
        let problems = self.take_problems();
        if !problems.is_empty() {
            panic!("the mock server at {} saw problems:\n  - {}", self.url, problems.join("\n  - "));
        }
    }

    pub(super) fn problem(&self, problem: String) {
        self.shared.state().problems.push(problem);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.accept.abort();
        // A test already failing has its own message; a second panic would abort the process.
        if !std::thread::panicking() {
            self.verify();
        }
    }
}

/// Serves connections until the server is dropped; dropping the set ends them all.
async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors, say: back off rather than spin.
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                };
                let shared = Arc::clone(&shared);
                connections.spawn(serve(stream, shared));
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve(stream: tokio::net::TcpStream, shared: Arc<Shared>) {
    let hangup = Arc::new(Notify::new());
    let service = {
        let hangup = Arc::clone(&hangup);
        service_fn(move |request| handle(Arc::clone(&shared), Arc::clone(&hangup), request))
    };
    let connection = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = connection => {}
        // Dropping the connection future closes the socket with the reply unsent.
        () = hangup.notified() => {}
    }
}

async fn handle(
    shared: Arc<Shared>,
    hangup: Arc<Notify>,
    request: http::Request<hyper::body::Incoming>,
) -> Result<http::Response<Body>, Infallible> {
    let (parts, body) = request.into_parts();
    let body = match read_body(body).await {
        Ok(body) => body,
        Err(_) => return Ok(Wire::problem(400, "unreadable body", "the request body broke off").into_response(false)),
    };
    let mut incoming = Incoming {
        method: parts.method,
        path: parts.uri.path().to_owned(),
        path_params: Vec::new(),
        query: Vec::new(),
        headers: parts.headers,
        body,
    };
    let arrival = shared.state().arrive(&mut incoming, parts.uri.query());
    if let Some(wait) = arrival.delay {
        tokio::time::sleep(wait).await;
    }
    let (reply, outcome, effect, fault) = match arrival.plan {
        Plan::Answer(reply, outcome) => (Some(reply), outcome, false, None),
        Plan::Hangup(fault) => (None, Outcome::Faulted(fault.clone()), false, Some(fault)),
        Plan::Effect { operation, replay, responder, fault } => {
            let (reply, effect) = match (replay, responder) {
                (Some(stored), _) => (stored, false),
                (None, Some(responder)) => (respond(&shared, operation, &incoming, &*responder), true),
                (None, None) => (Wire::problem(501, "no stub", "no responding stub behind the fault"), false),
            };
            let outcome = match &fault {
                Some(fault) => Outcome::Faulted(fault.clone()),
                None if effect => Outcome::Answered(reply.status),
                None => Outcome::Replayed(reply.status),
            };
            (Some(reply), outcome, effect, fault)
        }
    };
    let raw = Raw {
        seq: arrival.seq,
        operation: arrival.operation.map(|s| s.id),
        method: incoming.method,
        path: incoming.path,
        path_params: incoming.path_params,
        query: incoming.query,
        headers: incoming.headers,
        body: incoming.body,
        outcome,
        effect,
    };
    shared.state().journal.push(raw);
    match (fault, reply) {
        (Some(Fault::DropAfterEffect | Fault::DropBeforeEffect), _) | (_, None) => {
            hangup.notify_one();
            std::future::pending().await
        }
        (Some(Fault::TruncatedBody), Some(reply)) => Ok(reply.into_response(true)),
        (Some(Fault::MalformedJson), Some(reply)) => {
            let broken = Wire::new(reply.status, "application/json", bytes::Bytes::from_static(b"{\"id\": \"o-1\", "));
            Ok(broken.into_response(false))
        }
        (_, Some(reply)) => Ok(reply.into_response(false)),
    }
}

/// Runs a responder and stores its reply under the request's idempotency key.
fn respond(
    shared: &Shared,
    operation: &'static str,
    request: &Incoming,
    responder: &(dyn Fn(&Incoming) -> Result<Wire, String> + Send + Sync),
) -> Wire {
    let reply = match responder(request) {
        Ok(reply) => reply,
        Err(why) => {
            shared.state().problems.push(why.clone());
            Wire::problem(500, "mock responder failed", &why)
        }
    };
    if let Some(key) = request.headers.get("idempotency-key").and_then(|v| v.to_str().ok()) {
        shared.state().replies.insert((operation, key.to_owned()), reply.clone());
    }
    reply
}
