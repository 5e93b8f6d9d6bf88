//! The runtime's client handle, and the settings its calls read, grouped by the step that reads
//! them: what every request starts from ([`Defaults`]), credentials, retries and their guards
//! ([`Resilience`]), timers ([`Timeouts`]), what is read from responses ([`ResponseRules`]),
//! time itself ([`Time`]) and the random source.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http::{HeaderMap, HeaderName};
use tokio::time::Instant;

use crate::api::ApiInfo;
use crate::auth::Credentials;
use crate::breaker::{CircuitBreaker, Permit};
use crate::budget::RetryBudget;
use crate::clock::{Clock, Sleep};
use crate::error::TimeoutKind;
use crate::failure::Failed;
use crate::ids::Ids;
use crate::interceptor::Interceptor;
use crate::prepared::Defaults;
use crate::redact::RedactedUrl;
use crate::retry::RetryPolicy;

/// The runtime's handle, wrapped by every generated client. Cloning is cheap (one `Arc`); clones
/// share connections, the retry budget and the circuit breaker. `Debug` shows no secrets.
///
/// ```no_run
/// # fn demo(client: &gusset::Client) {
/// println!("{} {:?} at {}", client.api_title(), client.api_version(), client.base_url());
/// if let Some(budget) = client.retry_budget() {
///     println!("{} of {} retry tokens left", budget.available(), budget.capacity());
/// }
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) api: &'static ApiInfo,
    pub(crate) http: reqwest::Client,
    pub(crate) defaults: Defaults,
    pub(crate) credentials: Credentials,
    pub(crate) resilience: Resilience,
    pub(crate) timeouts: Timeouts,
    pub(crate) responses: ResponseRules,
    pub(crate) interceptors: Vec<Box<dyn Interceptor>>,
    pub(crate) time: Time,
    pub(crate) ids: Ids,
    /// The version this client speaks, sent or not (see [`Client::api_version`]).
    pub(crate) api_version: Option<String>,
    /// The operations whose deprecation this client has reported (once each).
    pub(crate) deprecations_reported: std::sync::Mutex<std::collections::HashSet<&'static str>>,
}

/// Retries and what bounds them.
pub(crate) struct Resilience {
    pub(crate) retry: RetryPolicy,
    pub(crate) budget: Option<RetryBudget>,
    pub(crate) breaker: Option<CircuitBreaker>,
    /// The host the breaker keeps state for (`host:port` when the base URL names a port).
    pub(crate) host: String,
}

impl Resilience {
    /// The call's policy, else the client's.
    pub(crate) fn policy<'a>(&'a self, call: Option<&'a RetryPolicy>) -> &'a RetryPolicy {
        call.unwrap_or(&self.retry)
    }

    /// Leave to send one attempt: `None` without a breaker, an error while the circuit is open.
    pub(crate) fn permit(&self, now: SystemTime) -> Result<Option<Permit<'_>>, Failed> {
        match &self.breaker {
            Some(breaker) => breaker.acquire(&self.host, now).map(Some).ok_or(Failed::CircuitOpen),
            None => Ok(None),
        }
    }
}

/// The attempt and call time limits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeouts {
    pub(crate) attempt: Option<Duration>,
    pub(crate) call: Option<Duration>,
}

impl Timeouts {
    /// The deadline of a call starting now: its own timeout if it sets one, else the client's.
    pub(crate) fn deadline(&self, call: Option<Duration>) -> Option<Instant> {
        call.or(self.call).and_then(|t| Instant::now().checked_add(t))
    }

    /// When an attempt starting now must end, and which limit that is: its own or the call's
    /// deadline, whichever comes first. One timer per attempt rather than one for the attempt and
    /// one for the call: timers are a measurable part of a call's cost.
    pub(crate) fn attempt_end(&self, deadline: Option<Instant>) -> Option<(Instant, TimeoutKind)> {
        let attempt_end = self.attempt.and_then(|limit| Instant::now().checked_add(limit));
        match (attempt_end, deadline) {
            (Some(a), Some(d)) if a < d => Some((a, TimeoutKind::Attempt)),
            (Some(a), None) => Some((a, TimeoutKind::Attempt)),
            (_, deadline) => deadline.map(|d| (d, TimeoutKind::Call)),
        }
    }
}

/// What the client reads from responses besides status and body.
pub(crate) struct ResponseRules {
    /// Response headers the server's request id is read from, first present wins.
    pub(crate) server_request_id_headers: Vec<HeaderName>,
    /// The largest body read.
    pub(crate) max_bytes: usize,
}

impl ResponseRules {
    /// The server's request id, if a response names one.
    pub(crate) fn server_request_id(&self, headers: &HeaderMap) -> Option<String> {
        self.server_request_id_headers
            .iter()
            .find_map(|name| headers.get(name))
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
}

/// Waiting and the wall clock, replaceable in tests.
pub(crate) struct Time {
    pub(crate) sleeper: Box<dyn Sleep>,
    pub(crate) clock: Box<dyn Clock>,
}

impl Client {
    /// The base URL requests go to (without a trailing `/`).
    pub fn base_url(&self) -> &str {
        &self.inner.defaults.base_url
    }

    /// The API version this client speaks: the document's (or a codegen setting), unless replaced
    /// with [`ClientBuilder::api_version`](crate::ClientBuilder::api_version). It is sent as a
    /// header only when a header name is known (see
    /// [`ClientBuilder::api_version_header`](crate::ClientBuilder::api_version_header)).
    pub fn api_version(&self) -> Option<&str> {
        self.inner.api_version.as_deref()
    }

    /// The API's title.
    pub fn api_title(&self) -> &'static str {
        self.inner.api.title
    }

    /// The retry budget, unless disabled.
    pub fn retry_budget(&self) -> Option<&RetryBudget> {
        self.inner.resilience.budget.as_ref()
    }

    /// The circuit breaker, if enabled.
    pub fn circuit_breaker(&self) -> Option<&CircuitBreaker> {
        self.inner.resilience.breaker.as_ref()
    }

    /// The host circuit-breaker state is kept for.
    pub fn host(&self) -> &str {
        &self.inner.resilience.host
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("Client")
            .field("api", &inner.api.title)
            .field("base_url", &RedactedUrl(&inner.defaults.base_url, inner.api))
            .field("api_version", &inner.api_version)
            .field("credentials", &inner.credentials)
            .field("retry", &inner.resilience.retry)
            .field("budget", &inner.resilience.budget.as_ref().map(RetryBudget::available))
            .field("circuit_breaker", &inner.resilience.breaker.is_some())
            .field("attempt_timeout", &inner.timeouts.attempt)
            .field("call_timeout", &inner.timeouts.call)
            .field("interceptors", &inner.interceptors.len())
            .finish_non_exhaustive()
    }
}
