//! A real HTTP/1.1 server on 127.0.0.1 that injects faults on command and counts side effects.
//!
//! It serves a small "orders and payments" API (see [`Route`]) whose side effects are recorded
//! by idempotency key, the way Stripe does: a repeated `Idempotency-Key` replays the stored
//! reply and does not act twice, a request without a key always acts. Each incoming request
//! takes the next queued [`Fault`] (its route's queue first, then the global one, then the
//! always-failing fault if set); with none, the API behaves normally.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use gusset_tests::fault::{Fault, FaultServer, Route};
//!
//! let server = FaultServer::start().await?;
//! server.push_for(Route::CreateOrder, Fault::DropAfterHandler); // the reply is lost
//! server.push(Fault::retry_after_secs(2));                      // then a 429
//! // ... point a client at server.base_url() ...
//! assert_eq!(server.effects(), 1);
//! server.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! The server never runs away: connections idle out after 30 s, request sizes are bounded,
//! and dropping the [`FaultServer`] (or [`FaultServer::shutdown`]) aborts every connection.

mod api;
mod faults;
mod http1;
mod record;
mod serve;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

pub use api::Route;
pub use faults::Fault;
pub use record::{CORRELATION_HEADER, Effect, EffectKind, IDEMPOTENCY_HEADER, RecordedRequest};

use api::{Api, ApiRequest, Reply};
use http1::RawRequest;

/// The running server. Dropping it stops the server and closes every connection.
#[derive(Debug)]
pub struct FaultServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: JoinHandle<()>,
}

/// State shared by the accept loop, every connection and the test.
#[derive(Debug)]
pub(crate) struct Shared {
    started: Instant,
    idempotency_header: String,
    connections: AtomicUsize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    global: VecDeque<Fault>,
    per_route: HashMap<Route, VecDeque<Fault>>,
    always: Option<Fault>,
    records: Vec<RecordedRequest>,
    /// How often each logical request (by idempotency key or correlation id) was seen.
    seen: HashMap<String, u32>,
    api: Api,
}

/// What [`Shared::arrive`] decided for a request.
pub(crate) struct Arrival {
    pub(crate) seq: u64,
    pub(crate) route: Route,
    pub(crate) fault: Option<Fault>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A test that panicked while holding the lock must not hide its own failure
        // behind a poison error in every later call.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records a request and takes its fault from the script.
    pub(crate) fn arrive(&self, request: &RawRequest, path: &str, query: Option<&str>) -> Arrival {
        let route = Route::of(&request.method, path);
        let at = self.started.elapsed();
        let mut inner = self.lock();
        let fault = inner
            .per_route
            .get_mut(&route)
            .and_then(VecDeque::pop_front)
            .or_else(|| inner.global.pop_front())
            .or_else(|| inner.always.clone());
        let logical = request
            .header(&self.idempotency_header)
            .map(|k| format!("key:{k}"))
            .or_else(|| request.header(CORRELATION_HEADER).map(|c| format!("id:{c}")));
        let attempt = match logical {
            Some(logical) => {
                let seen = inner.seen.entry(logical).or_insert(0);
                *seen = seen.saturating_add(1);
                *seen
            }
            None => 1,
        };
        let seq = inner.records.len() as u64 + 1;
        inner.records.push(RecordedRequest {
            seq,
            method: request.method.clone(),
            path: path.to_owned(),
            query: query.map(str::to_owned),
            headers: request.headers.clone(),
            body: request.body.clone(),
            route,
            attempt,
            at,
            fault: fault.clone(),
        });
        Arrival { seq, route, fault }
    }

    pub(crate) fn handle(&self, request: &ApiRequest<'_>) -> Reply {
        self.lock().api.handle(request)
    }
}

/// Settings for [`FaultServer::start_with`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ServerConfig {
    /// The header idempotency keys are read from (default `idempotency-key`).
    pub idempotency_header: String,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig { idempotency_header: IDEMPOTENCY_HEADER.to_owned() }
    }
}

impl ServerConfig {
    /// Reads idempotency keys from `name` instead of `idempotency-key`.
    #[must_use]
    pub fn idempotency_header(mut self, name: impl Into<String>) -> Self {
        self.idempotency_header = name.into();
        self
    }
}

impl FaultServer {
    /// Starts a server on `127.0.0.1:0` with the default settings.
    pub async fn start() -> std::io::Result<FaultServer> {
        FaultServer::start_with(ServerConfig::default()).await
    }

    /// Starts a server on `127.0.0.1:0`.
    pub async fn start_with(config: ServerConfig) -> std::io::Result<FaultServer> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            started: Instant::now(),
            idempotency_header: config.idempotency_header,
            connections: AtomicUsize::new(0),
            inner: Mutex::new(Inner::default()),
        });
        let accept = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        Ok(FaultServer { addr, shared, accept })
    }

    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Queues `fault` for the next request on any route.
    pub fn push(&self, fault: Fault) {
        self.push_n(fault, 1);
    }

    /// Queues `fault` for the next `n` requests on any route.
    pub fn push_n(&self, fault: Fault, n: usize) {
        let mut inner = self.shared.lock();
        inner.global.extend(std::iter::repeat_n(fault, n));
    }

    /// Queues `fault` for the next request on `route`; route queues go before the global one.
    pub fn push_for(&self, route: Route, fault: Fault) {
        self.push_n_for(route, fault, 1);
    }

    /// Queues `fault` for the next `n` requests on `route`.
    pub fn push_n_for(&self, route: Route, fault: Fault, n: usize) {
        let mut inner = self.shared.lock();
        let queue = inner.per_route.entry(route).or_default();
        queue.extend(std::iter::repeat_n(fault, n));
    }

    /// Applies `fault` to every request that finds no queued fault, until
    /// [`FaultServer::stop_failing`]: the always-failing server of budget and breaker tests.
    pub fn fail_always(&self, fault: Fault) {
        self.shared.lock().always = Some(fault);
    }

    /// Ends [`FaultServer::fail_always`] and drops every queued fault.
    pub fn stop_failing(&self) {
        let mut inner = self.shared.lock();
        inner.always = None;
        inner.global.clear();
        inner.per_route.clear();
    }

    /// How many queued faults are still waiting for a request.
    pub fn pending_faults(&self) -> usize {
        let inner = self.shared.lock();
        inner.global.len() + inner.per_route.values().map(VecDeque::len).sum::<usize>()
    }

    /// How many requests arrived (including dropped and failed ones).
    pub fn requests(&self) -> usize {
        self.shared.lock().records.len()
    }

    /// Every request so far, in arrival order.
    pub fn recorded(&self) -> Vec<RecordedRequest> {
        self.shared.lock().records.clone()
    }

    /// The most recent request, if any.
    pub fn last_request(&self) -> Option<RecordedRequest> {
        self.shared.lock().records.last().cloned()
    }

    /// How many creates and charges took effect (updates and deletes are in
    /// [`FaultServer::effect_log`]). A replay of a stored idempotent reply takes no effect.
    pub fn effects(&self) -> usize {
        let inner = self.shared.lock();
        inner.api.effects.iter().filter(|e| matches!(e.kind, EffectKind::CreateOrder | EffectKind::Charge)).count()
    }

    /// Every side effect that took effect, in order.
    pub fn effect_log(&self) -> Vec<Effect> {
        self.shared.lock().api.effects.clone()
    }

    /// How many TCP connections were accepted.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::Relaxed)
    }

    /// Forgets recorded requests (not effects, not stored idempotent replies), so a test can
    /// count the requests of one phase.
    pub fn clear_requests(&self) {
        let mut inner = self.shared.lock();
        inner.records.clear();
    }

    /// Stops accepting, closes every connection and waits until the server task ended.
    pub async fn shutdown(mut self) {
        self.accept.abort();
        // The abort makes this resolve at once with a cancellation, which is what we want.
        let _ = (&mut self.accept).await;
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// Accepts connections until aborted; the connection tasks live in the `JoinSet`, so
/// aborting this task drops the set and aborts every connection with it.
async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    shared.connections.fetch_add(1, Ordering::Relaxed);
                    connections.spawn(serve::serve_conn(stream, Arc::clone(&shared)));
                }
                // Running out of file descriptors and the like: back off instead of spinning.
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

#[cfg(test)]
mod tests;
