//! [`Worker`]: claims due calls, sends one attempt of each through the client, and records what
//! came of it: delivered, due again later (the wait persisted as `next_attempt_at`), or dead.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use gusset::AttemptOutcome;
use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use tokio::task::JoinSet;

use crate::error::OutboxError;
use crate::outbox::{Claimed, Outbox};
use crate::record::{CallId, RawCall, from_ms};

/// What a completion handler may fail with; recorded on the delivered call and logged.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A delivered call, as its completion handler sees it: the decoded body and what the outbox
/// knows of the call.
#[derive(Debug)]
#[non_exhaustive]
pub struct Delivered<T> {
    /// The call's id.
    pub id: CallId,
    /// The operation's id.
    pub operation_id: String,
    /// The final status (a success).
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The decoded body.
    pub body: T,
    /// Attempts it took over its whole life.
    pub attempts: u32,
    /// The idempotency key every attempt carried.
    pub idempotency_key: Option<String>,
    /// The correlation id every attempt carried.
    pub correlation_id: String,
}

/// The untyped delivery handed to a handler, which decodes it.
struct Delivery {
    id: CallId,
    operation_id: String,
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    attempts: u32,
    idempotency_key: Option<String>,
    correlation_id: String,
}

trait Handler: Send + Sync {
    fn handle(&self, delivery: Delivery) -> BoxFuture<'_, Result<(), String>>;
}

struct Typed<T, F> {
    f: F,
    _body: PhantomData<fn() -> T>,
}

impl<T, F, Fut> Handler for Typed<T, F>
where
    T: DeserializeOwned + Send + 'static,
    F: Fn(Delivered<T>) -> Fut + Send + Sync,
    Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
{
    fn handle(&self, d: Delivery) -> BoxFuture<'_, Result<(), String>> {
        // An empty body is `null` to serde, so `()` and `Option<T>` handlers accept it.
        let bytes: &[u8] = if d.body.is_empty() { b"null" } else { &d.body };
        let body: T = match serde_json::from_slice(bytes) {
            Ok(body) => body,
            Err(e) => return Box::pin(async move { Err(format!("the response body does not decode: {e}")) }),
        };
        let delivered = Delivered {
            id: d.id,
            operation_id: d.operation_id,
            status: d.status,
            headers: d.headers,
            body,
            attempts: d.attempts,
            idempotency_key: d.idempotency_key,
            correlation_id: d.correlation_id,
        };
        let fut = (self.f)(delivered);
        Box::pin(async move { fut.await.map_err(|e| e.to_string()) })
    }
}

/// What a worker did before it stopped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkerReport {
    /// Calls it delivered.
    pub delivered: u64,
    /// Attempts that failed and were scheduled again.
    pub retried: u64,
    /// Calls it moved to the dead letters.
    pub dead: u64,
    /// Calls whose lease ran out before the worker recorded their outcome (another worker
    /// takes them again, with the same idempotency key).
    pub lost_leases: u64,
    /// Completion handlers that failed (the call stays delivered; the error is its last error).
    pub handler_failures: u64,
}

#[derive(Default)]
struct Counters {
    delivered: AtomicU64,
    retried: AtomicU64,
    dead: AtomicU64,
    lost_leases: AtomicU64,
    handler_failures: AtomicU64,
}

/// Delivers the outbox's calls with a client. Any number of workers, in any number of
/// processes, can run against one PostgreSQL outbox; on SQLite, run them in one process.
///
/// Each claimed call gets one attempt, with the client's retry policy deciding what a failure
/// means: a retryable failure is due again after the policy's backoff or the server's
/// `Retry-After`, stored in the database so a restart keeps it; a permanent one (a status the
/// policy does not retry, the policy's last attempt, a call older than
/// [`max_age`](Self::max_age)) moves the call to the dead letters. Successes are marked
/// delivered after the operation's completion handler, if any, ran: a worker that dies in
/// between delivers again with the same idempotency key, so handlers run at least once and
/// the server acts once.
///
/// ```ignore
/// // `tokio::signal` needs tokio's `signal` feature in your crate; the example `transactional` runs this.
/// # async fn demo(outbox: gusset_outbox::Outbox, client: gusset::Client) -> Result<(), gusset_outbox::OutboxError> {
/// #[derive(serde::Deserialize)]
/// struct Payment { id: String }
///
/// let worker = gusset_outbox::Worker::new(outbox, client)
///     .concurrency(8)
///     .on_delivered("createPayment", |done: gusset_outbox::Delivered<Payment>| async move {
///         println!("payment {} after {} attempts", done.body.id, done.attempts);
///         Ok(())
///     });
/// let report = worker.run(async { let _ = tokio::signal::ctrl_c().await; }).await?;
/// println!("{} delivered", report.delivered);
/// # Ok(()) }
/// ```
pub struct Worker {
    outbox: Outbox,
    client: gusset::Client,
    handlers: HashMap<String, Box<dyn Handler>>,
    concurrency: usize,
    lease: Duration,
    poll_interval: Duration,
    max_age: Option<Duration>,
    id: String,
}

impl fmt::Debug for Worker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut handlers: Vec<&String> = self.handlers.keys().collect();
        handlers.sort();
        f.debug_struct("Worker")
            .field("id", &self.id)
            .field("backend", &self.outbox.backend())
            .field("concurrency", &self.concurrency)
            .field("lease", &self.lease)
            .field("poll_interval", &self.poll_interval)
            .field("max_age", &self.max_age)
            .field("handlers", &handlers)
            .finish_non_exhaustive()
    }
}

struct Shared {
    outbox: Outbox,
    client: gusset::Client,
    handlers: HashMap<String, Box<dyn Handler>>,
    lease: Duration,
    max_age: Option<Duration>,
    id: String,
    counters: Counters,
}

impl Worker {
    /// A worker delivering `outbox`'s calls with `client` (a generated client's
    /// `client.runtime().clone()`). Defaults: 4 calls at once, a 30-second lease (renewed while
    /// a call is in flight), polling every 500 ms when idle, calls dead after 24 hours.
    pub fn new(outbox: Outbox, client: gusset::Client) -> Self {
        Worker {
            outbox,
            client,
            handlers: HashMap::new(),
            concurrency: 4,
            lease: Duration::from_secs(30),
            poll_interval: Duration::from_millis(500),
            max_age: Some(Duration::from_secs(24 * 3600)),
            id: format!("worker-{}", uuid::Uuid::new_v4()),
        }
    }

    /// How many calls are delivered at once (at least 1).
    pub fn concurrency(mut self, calls: usize) -> Self {
        self.concurrency = calls.max(1);
        self
    }

    /// How long a claimed call is this worker's before another may take it (at least 30 ms).
    ///
    /// While a call is in flight (its attempt, then its completion handler) the worker renews
    /// the lease every third of it, so an attempt slower than the lease is not taken by another
    /// worker. The lease is therefore how long a *crashed* worker's calls wait before they are
    /// taken again, not a bound on how long an attempt may take. The bound that remains: a
    /// worker that cannot renew for two thirds of the lease (its database connection is down,
    /// or the process is stopped, e.g. paused by a debugger or a frozen VM) loses its calls to
    /// other workers, which send them again with the same idempotency key, so the server acts
    /// once; the first worker then finds the call no longer its own and records nothing
    /// ([`WorkerReport::lost_leases`]).
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease.max(MIN_LEASE);
        self
    }

    /// How long an idle worker waits before looking for due calls again.
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// The age after which a failing call is dead rather than retried (`None`: no limit, the
    /// retry policy's attempts alone decide).
    pub fn max_age(mut self, age: Option<Duration>) -> Self {
        self.max_age = age;
        self
    }

    /// This worker's name in leases and logs (default: `worker-<uuid>`).
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// Runs `handler` with the decoded body each time a call of `operation_id` is delivered.
    /// A body that does not decode as `T` fails the handler (the call stays delivered: the
    /// server acted).
    pub fn on_delivered<T, F, Fut>(mut self, operation_id: &str, handler: F) -> Self
    where
        T: DeserializeOwned + Send + 'static,
        F: Fn(Delivered<T>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
    {
        self.handlers.insert(operation_id.to_owned(), Box::new(Typed { f: handler, _body: PhantomData }));
        self
    }

    /// Delivers due calls until `shutdown` completes, then lets the attempts in flight finish
    /// and returns. Dropping the future instead stops at once; the calls it held are taken
    /// again when their lease runs out.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<WorkerReport, OutboxError> {
        self.outbox.check_schema().await?;
        let Worker { outbox, client, handlers, concurrency, lease, poll_interval, max_age, id } = self;
        let shared = Arc::new(Shared { outbox, client, handlers, lease, max_age, id, counters: Counters::default() });
        tracing::info!(target: "gusset_outbox", worker = %shared.id, concurrency, "worker started");
        let mut tasks: JoinSet<()> = JoinSet::new();
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            while tasks.try_join_next().is_some() {}
            let free = concurrency.saturating_sub(tasks.len());
            if free == 0 {
                tokio::select! {
                    () = &mut shutdown => break,
                    _ = tasks.join_next() => continue,
                }
            }
            let claimed = tokio::select! {
                biased;
                () = &mut shutdown => break,
                claimed = shared.outbox.claim(&shared.id, free, lease) => claimed,
            };
            let idle = match claimed {
                Ok(calls) if calls.is_empty() => true,
                Ok(calls) => {
                    for call in calls {
                        let shared = Arc::clone(&shared);
                        tasks.spawn(async move { shared.deliver_renewing(call).await });
                    }
                    false
                }
                Err(e) => {
                    tracing::warn!(target: "gusset_outbox", worker = %shared.id, error = %e, "claiming failed");
                    true
                }
            };
            if idle {
                tokio::select! {
                    () = &mut shutdown => break,
                    () = tokio::time::sleep(poll_interval) => {}
                    Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
                }
            }
        }
        while tasks.join_next().await.is_some() {}
        let c = &shared.counters;
        let report = WorkerReport {
            delivered: c.delivered.load(Ordering::Relaxed),
            retried: c.retried.load(Ordering::Relaxed),
            dead: c.dead.load(Ordering::Relaxed),
            lost_leases: c.lost_leases.load(Ordering::Relaxed),
            handler_failures: c.handler_failures.load(Ordering::Relaxed),
        };
        tracing::info!(target: "gusset_outbox", worker = %shared.id, ?report, "worker stopped");
        Ok(report)
    }
}

/// The shortest lease: renewals every 10 ms are already more database load than delivery.
const MIN_LEASE: Duration = Duration::from_millis(30);

/// Aborts the lease's renewals when the delivery ends, however it ends (also when the worker's
/// future is dropped mid-attempt: then the lease must run out, not be renewed forever).
struct Renewing(tokio::task::JoinHandle<()>);

impl Drop for Renewing {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Shared {
    /// Delivers `claimed` while a task of its own renews the lease every third of it.
    async fn deliver_renewing(self: Arc<Self>, claimed: Claimed) {
        let (raw, in_doubt) = match claimed {
            Claimed::Call { raw, in_doubt } => (*raw, in_doubt),
            Claimed::Corrupt { id, message } => return self.bury_corrupt(&id, &message).await,
        };
        let id = raw.id.clone();
        let shared = Arc::clone(&self);
        let _renewing = Renewing(tokio::spawn(async move { shared.renew(&id).await }));
        self.deliver(raw, in_doubt).await;
    }

    /// Moves a row that does not read back to the dead letters, as it is.
    async fn bury_corrupt(&self, id: &str, message: &str) {
        let reason = format!("the stored call is corrupt: {message}");
        match self.outbox.bury(id, &self.id, &reason).await {
            Ok(true) => {
                self.counters.dead.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(target: "gusset_outbox", id, %reason, "dead letter");
            }
            Ok(false) => {
                self.counters.lost_leases.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => tracing::warn!(target: "gusset_outbox", id, error = %e, "moving to dead letters failed"),
        }
    }

    /// Renews the lease on `id` until the call is no longer this worker's. A renewal that fails
    /// (the database is unreachable) is tried again at the next tick: the lease still has two
    /// thirds of its length to run when the first one is missed.
    async fn renew(&self, id: &str) {
        let every = self.lease / 3;
        loop {
            tokio::time::sleep(every).await;
            match self.outbox.renew(id, &self.id, self.lease).await {
                Ok(true) => {}
                // Recorded (delivered, rescheduled, dead) or taken by another worker: the
                // outcome's own update says which.
                Ok(false) => return,
                Err(e) => {
                    tracing::warn!(target: "gusset_outbox", id, worker = %self.id, error = %e, "renewing a lease failed")
                }
            }
        }
    }

    async fn deliver(&self, raw: RawCall, in_doubt: bool) {
        let attempt = raw.attempts();
        let request = match raw.request() {
            Ok(request) => request,
            Err(message) => return self.bury(&raw, &format!("the stored call is corrupt: {message}")).await,
        };
        if in_doubt && request.idempotency_key.is_none() && !request.method.is_idempotent() {
            // Its last attempt may have reached the server, and without a key the server would
            // act again: a dead letter to look at is safe, a second charge is not.
            let reason = format!(
                "{}; it has no idempotency key and may have taken effect, so it is not sent again \
                 (replay it if it did not)",
                raw.last_error.as_deref().unwrap_or("in doubt")
            );
            return self.bury(&raw, &reason).await;
        }
        let outcome = self.client.send_stored(&request, attempt).await;
        match outcome {
            AttemptOutcome::Response { status, headers, body } if status.is_success() => {
                self.delivered(&raw, attempt, status, headers, body).await;
            }
            AttemptOutcome::Response { status, body, .. } => {
                let snippet = String::from_utf8_lossy(body.get(..body.len().min(200)).unwrap_or_default()).into_owned();
                self.bury(&raw, &format!("status {status}: {snippet}")).await;
            }
            AttemptOutcome::Retry { after, reason } => {
                let age = SystemTime::now().duration_since(from_ms(raw.created_at)).unwrap_or_default();
                if let Some(max_age) = self.max_age.filter(|max| age >= *max) {
                    let reason = format!("older than {}s, last error: {reason}", max_age.as_secs());
                    return self.bury(&raw, &reason).await;
                }
                let at = SystemTime::now().checked_add(after).unwrap_or_else(SystemTime::now);
                match self.outbox.reschedule(&raw.id, &self.id, at, &reason).await {
                    Ok(true) => {
                        self.counters.retried.fetch_add(1, Ordering::Relaxed);
                        tracing::info!(
                            target: "gusset_outbox", id = %raw.id, operation = %raw.operation_id, attempt,
                            after_ms = after.as_millis(), %reason, "retry scheduled"
                        );
                    }
                    Ok(false) => self.lost(&raw),
                    Err(e) => tracing::warn!(target: "gusset_outbox", id = %raw.id, error = %e, "rescheduling failed"),
                }
            }
            AttemptOutcome::Failed(error) => self.bury(&raw, &error.to_string()).await,
            other => self.bury(&raw, &format!("unexpected outcome: {other:?}")).await,
        }
    }

    async fn delivered(&self, raw: &RawCall, attempt: u32, status: StatusCode, headers: HeaderMap, body: Bytes) {
        let kept = (raw.keep_body != 0).then(|| body.clone());
        let note = match self.handlers.get(&raw.operation_id) {
            None => None,
            Some(handler) => {
                let delivery = Delivery {
                    id: CallId::from(raw.id.as_str()),
                    operation_id: raw.operation_id.clone(),
                    status,
                    headers: headers.clone(),
                    body,
                    attempts: attempt,
                    idempotency_key: raw.idempotency_key.clone(),
                    correlation_id: raw.correlation_id.clone(),
                };
                handler.handle(delivery).await.err().map(|e| format!("completion handler failed: {e}"))
            }
        };
        if let Some(note) = &note {
            self.counters.handler_failures.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(target: "gusset_outbox", id = %raw.id, operation = %raw.operation_id, %note, "handler failed");
        }
        let marked =
            self.outbox.mark_delivered(&raw.id, &self.id, status.as_u16(), &headers, kept.as_deref(), note.as_deref());
        match marked.await {
            Ok(true) => {
                self.counters.delivered.fetch_add(1, Ordering::Relaxed);
                tracing::info!(
                    target: "gusset_outbox", id = %raw.id, operation = %raw.operation_id, attempt,
                    status = status.as_u16(), "delivered"
                );
            }
            Ok(false) => self.lost(raw),
            Err(e) => tracing::warn!(target: "gusset_outbox", id = %raw.id, error = %e, "marking delivered failed"),
        }
    }

    async fn bury(&self, raw: &RawCall, reason: &str) {
        match self.outbox.bury(&raw.id, &self.id, reason).await {
            Ok(true) => {
                self.counters.dead.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(
                    target: "gusset_outbox", id = %raw.id, operation = %raw.operation_id, attempts = raw.attempts(),
                    %reason, "dead letter"
                );
            }
            Ok(false) => self.lost(raw),
            Err(e) => {
                tracing::warn!(target: "gusset_outbox", id = %raw.id, error = %e, "moving to dead letters failed")
            }
        }
    }

    fn lost(&self, raw: &RawCall) {
        self.counters.lost_leases.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(
            target: "gusset_outbox", id = %raw.id, worker = %self.id,
            "lease lost before the outcome was recorded: another worker sends it again with the same key"
        );
    }
}
