//! Stored calls: a call turned into owned data that can be kept (in a database, by
//! `gusset-outbox`) and sent later, one attempt at a time, by any client of the same API, in
//! another process or on another machine.
//!
//! Two entry points and two types make the whole surface: [`Call::into_stored`](crate::Call::into_stored)
//! prepares a call without sending it, and [`Client::send_stored`] sends one attempt of it through
//! the client's full path (credentials, default headers, `traceparent`, interceptors, breaker) and
//! applies the client's retry policy to the result, without sleeping: the caller persists the
//! wait and comes back. The attempt number is the caller's, so `Gusset-Attempt` counts across the
//! whole life of the call, restarts included.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode, header};
use tracing::Instrument as _;

use crate::api::{ApiInfo, Operation};
use crate::attempt::{Attempt, Final, Plan, attempt};
use crate::breaker::is_failure_status;
use crate::challenge::token_rejected;
use crate::client::{Client, Inner};
use crate::correlation;
use crate::error::Error;
use crate::failure::{Failed, Failure, context, invalid};
use crate::idempotency::{Idempotency, may_resend};
use crate::interceptor::AttemptInfo;
use crate::prepared::{Defaults, PreparedRequest};
use crate::redact::{RedactedHeaders, RedactedUrl, is_secret_name};
use crate::response::CallMeta;
use crate::retry::{Decision, Outcome};

/// A prepared call as plain owned data, for storing and sending later with
/// [`Client::send_stored`]. Made by [`Call::into_stored`](crate::Call::into_stored).
///
/// It holds no credential: `Authorization`, API keys and the client's secret default headers
/// are added by the client that sends it. `Debug` redacts secret-looking headers and query
/// values all the same.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredRequest {
    /// The operation's id in the document.
    pub operation_id: String,
    /// The HTTP method.
    pub method: Method,
    /// The path template, e.g. `/pets/{petId}`.
    pub path_template: String,
    /// The operation's security requirement: alternatives of scheme names (see the document's
    /// `security`); scheme names, never credentials.
    pub security: Vec<Vec<String>>,
    /// The full URL with its query (without API keys, which are added per attempt).
    pub url: String,
    /// The headers common to every attempt, without secrets.
    pub headers: HeaderMap,
    /// The body, if any.
    pub body: Option<Bytes>,
    /// The idempotency key (also in `headers` under the client's key header), if any.
    pub idempotency_key: Option<String>,
    /// The call's correlation id (also in `headers`).
    pub correlation_id: String,
}

/// No document's API-key names, for `Debug` of a request that is no longer tied to one.
static NO_API: ApiInfo = ApiInfo {
    title: "",
    api_version: "",
    version_header: None,
    client_name: "",
    client_version: "",
    servers: &[],
    security_schemes: &[],
};

impl fmt::Debug for StoredRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredRequest")
            .field("operation_id", &self.operation_id)
            .field("method", &self.method)
            .field("url", &RedactedUrl(&self.url, &NO_API))
            .field("headers", &RedactedHeaders(&self.headers))
            .field("body_len", &self.body.as_ref().map(Bytes::len))
            .field("idempotency_key", &self.idempotency_key)
            .field("correlation_id", &self.correlation_id)
            .finish_non_exhaustive()
    }
}

/// What one attempt of a stored call came to, the client's retry policy applied
/// (see [`Client::send_stored`]).
#[derive(Debug)]
#[non_exhaustive]
pub enum AttemptOutcome {
    /// A response the policy does not retry: a success, a status that is not retried, or the
    /// answer to the policy's last attempt. The caller decides what a non-success means.
    Response {
        /// The status.
        status: StatusCode,
        /// The response headers.
        headers: HeaderMap,
        /// The body, read up to the client's limit.
        body: Bytes,
    },
    /// Worth another attempt, not before `after` from now: the server's `Retry-After` (up to the
    /// policy's cap) or the policy's backoff for this attempt number.
    Retry {
        /// How long to wait.
        after: Duration,
        /// Why this attempt failed, for logs and the stored last error.
        reason: String,
    },
    /// The call cannot succeed by trying again: it could not be built or authenticated, the
    /// answer was too large, the server asked for a wait above the cap, or the last attempt the
    /// policy allows failed in transport.
    Failed(Failure),
}

/// Operations rebuilt from stored requests: at most this many distinct ones per process.
const MAX_INTERNED: usize = 4096;

type OperationKey = (String, String, String, Vec<Vec<String>>);

/// The `&'static Operation` of a stored request. Generated operations are `static`s the process
/// that stores a call may not share with the one that sends it, so each distinct operation is
/// rebuilt once and kept for the life of the process (bounded by [`MAX_INTERNED`]).
fn intern(request: &StoredRequest) -> Result<&'static Operation, String> {
    static TABLE: OnceLock<Mutex<HashMap<OperationKey, &'static Operation>>> = OnceLock::new();
    let key = (
        request.operation_id.clone(),
        request.method.as_str().to_owned(),
        request.path_template.clone(),
        request.security.clone(),
    );
    let mut table = TABLE.get_or_init(Default::default).lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(op) = table.get(&key) {
        return Ok(op);
    }
    if table.len() >= MAX_INTERNED {
        return Err(format!("more than {MAX_INTERNED} distinct stored operations in one process"));
    }
    let leak = |s: &str| -> &'static str { Box::leak(s.to_owned().into_boxed_str()) };
    let security: Vec<&'static [&'static str]> = request
        .security
        .iter()
        .map(|alt| -> &'static [&'static str] { Box::leak(alt.iter().map(|s| leak(s)).collect()) })
        .collect();
    let op: &'static Operation = Box::leak(Box::new(Operation {
        id: leak(&request.operation_id),
        method: request.method.clone(),
        path: leak(&request.path_template),
        // The key, if any, is already in the stored headers.
        idempotency: Idempotency::Default,
        security: Box::leak(security.into_boxed_slice()),
    }));
    table.insert(key, op);
    Ok(op)
}

/// Turns a prepared request into a stored one. A header that carries a secret is left out when
/// the client's defaults supply it again at delivery; one set on the call itself cannot be
/// stored and is refused rather than silently dropped. The `Cookie` header holds the document's
/// cookie parameters (API keys in cookies are added per attempt) and is kept.
#[allow(clippy::result_large_err)] // the call's error type
pub(crate) fn store(defaults: &Defaults, prepared: PreparedRequest) -> Result<StoredRequest, Failure> {
    let PreparedRequest { operation, url, headers: all, body, idempotency_key, correlation_id, .. } = prepared;
    let mut headers = HeaderMap::new();
    let mut last = None;
    for (name, value) in all {
        let name = match name {
            Some(name) => {
                last = Some(name.clone());
                name
            }
            None => match &last {
                Some(name) => name.clone(),
                None => continue,
            },
        };
        let secret = (value.is_sensitive() || is_secret_name(name.as_str())) && name != header::COOKIE;
        if secret {
            if defaults.headers.get_all(&name).iter().any(|default| *default == value) {
                continue;
            }
            return Err(invalid(
                operation.id,
                &correlation_id,
                format!("header `{name}` carries a secret and is never stored: set it on the client instead"),
            ));
        }
        headers.append(name, value);
    }
    Ok(StoredRequest {
        operation_id: operation.id.to_owned(),
        method: operation.method.clone(),
        path_template: operation.path.to_owned(),
        security: operation.security.iter().map(|alt| alt.iter().map(|s| (*s).to_owned()).collect()).collect(),
        url: url.into(),
        headers,
        body,
        idempotency_key,
        correlation_id,
    })
}

impl Client {
    /// Sends attempt number `attempt` (1 for the first, counted across the whole life of the
    /// call) of a stored call, and applies this client's retry policy to the result without
    /// waiting: the caller keeps the wait (a durable queue persists it) and calls again.
    ///
    /// The attempt goes through the client's whole path: credentials for the stored security
    /// requirement, the client's default headers the stored request lacks, `traceparent`,
    /// `Gusset-Attempt: <attempt>; max=<policy's attempts>`, interceptors, the attempt timeout
    /// and the circuit breaker (an open circuit is a [`AttemptOutcome::Retry`]). A `401` with a
    /// token provider is retried once at once with a fresh token, as in an ordinary call. The
    /// retry budget is not used: the caller paces its own retries.
    ///
    /// ```no_run
    /// # async fn demo(client: &gusset::Client, stored: gusset::StoredRequest) {
    /// match client.send_stored(&stored, 1).await {
    ///     gusset::AttemptOutcome::Response { status, .. } => println!("done: {status}"),
    ///     gusset::AttemptOutcome::Retry { after, reason } => println!("again in {after:?}: {reason}"),
    ///     gusset::AttemptOutcome::Failed(e) => eprintln!("gave up: {e}"),
    ///     _ => {}
    /// }
    /// # }
    /// ```
    pub async fn send_stored(&self, request: &StoredRequest, attempt: u32) -> AttemptOutcome {
        let inner = &*self.inner;
        let number = attempt.max(1);
        let refuse = |op: &'static str, message: String| {
            let mut error = invalid(op, &request.correlation_id, message);
            if let Error::InvalidRequest { context, .. } = &mut error {
                context.0.attempts = number;
            }
            AttemptOutcome::Failed(error)
        };
        let op = match intern(request) {
            Ok(op) => op,
            Err(message) => return refuse("stored", message),
        };
        let url = match reqwest::Url::parse(&request.url) {
            Ok(url) => url,
            Err(e) => return refuse(op.id, format!("the stored url does not parse: {e}")),
        };
        let mut headers = request.headers.clone();
        for name in inner.defaults.headers.keys() {
            if !headers.contains_key(name) {
                for value in inner.defaults.headers.get_all(name) {
                    headers.append(name.clone(), value.clone());
                }
            }
        }
        let prepared = PreparedRequest {
            api: inner.api,
            operation: op,
            url,
            headers,
            body: request.body.clone(),
            idempotency_key: request.idempotency_key.clone(),
            correlation_id: request.correlation_id.clone(),
        };
        let span = tracing::info_span!(
            "gusset.stored_attempt",
            otel.name = op.id,
            "http.request.method" = %op.method,
            "url.template" = op.path,
            "gusset.operation_id" = op.id,
            "gusset.correlation_id" = %prepared.correlation_id,
            "gusset.attempt" = number,
        );
        resend(inner, &prepared, number).instrument(span).await
    }
}

async fn resend(inner: &Inner, prepared: &PreparedRequest, number: u32) -> AttemptOutcome {
    let policy = &inner.resilience.retry;
    let op = prepared.operation;
    let resend_safe = may_resend(&op.method, prepared.idempotency_key.as_deref());
    let trace_id = correlation::trace_id_of(&prepared.correlation_id).unwrap_or_else(|| inner.ids.trace_id());
    let info = AttemptInfo { number, max: policy.attempts().max(number) };
    let mut stale = None; // the provider token a 401 rejected, not to be sent again
    let mut refreshed = false;
    loop {
        let permit = match inner.resilience.permit(inner.time.clock.now()) {
            Ok(permit) => permit,
            Err(_) => {
                let after = policy.delay(number, inner.ids.next_u64());
                return AttemptOutcome::Retry {
                    after,
                    reason: format!("the circuit of `{}` is open", inner.resilience.host),
                };
            }
        };
        let mut used_provider = None;
        let mut head = None;
        let plan = Plan { info, trace_id, stale, deadline: None, stream: false };
        let outcome = attempt(inner, prepared, plan, &mut used_provider, &mut head).await;
        let server_request_id = head.and_then(|h| h.server_request_id);
        let now = inner.time.clock.now();
        let meta = |reached| {
            let meta = CallMeta {
                correlation_id: prepared.correlation_id.clone(),
                server_request_id: server_request_id.clone(),
                idempotency_key: prepared.idempotency_key.clone(),
                attempts: number,
            };
            context(op.id, meta, reached)
        };
        match outcome {
            Attempt::Response(Final { status, headers, body, .. }) => {
                if let Some(permit) = permit {
                    permit.record(is_failure_status(status.as_u16()), now);
                }
                if status == StatusCode::UNAUTHORIZED
                    && used_provider.is_some()
                    && !refreshed
                    && token_rejected(&headers)
                {
                    // As a live call does: one refresh and one resend when the token was rejected.
                    refreshed = true;
                    stale = used_provider;
                    continue;
                }
                let outcome = Outcome::Status { status, headers: &headers };
                return match policy.decide(number, &outcome, resend_safe, now) {
                    Decision::Stop => AttemptOutcome::Response { status, headers, body },
                    Decision::Backoff => AttemptOutcome::Retry {
                        after: policy.delay(number, inner.ids.next_u64()),
                        reason: format!("status {status}"),
                    },
                    Decision::RetryAfter(after) => AttemptOutcome::Retry { after, reason: format!("status {status}") },
                    Decision::TooLong(wait) => AttemptOutcome::Failed(
                        Failed::TooLong { status, wait, cap: policy.retry_after_cap() }
                            .into_error(meta(true), &inner.resilience.host),
                    ),
                };
            }
            Attempt::Failed { failed, reached, retryable, host_failure } => {
                if let Some(permit) = permit {
                    if host_failure {
                        permit.record(true, now);
                    }
                }
                let error = failed.into_error(meta(reached), &inner.resilience.host);
                if !retryable {
                    return AttemptOutcome::Failed(error);
                }
                return match policy.decide(number, &Outcome::Transport { reached_server: reached }, resend_safe, now) {
                    Decision::Stop | Decision::TooLong(_) => AttemptOutcome::Failed(error),
                    Decision::RetryAfter(after) => AttemptOutcome::Retry { after, reason: error.to_string() },
                    Decision::Backoff => AttemptOutcome::Retry {
                        after: policy.delay(number, inner.ids.next_u64()),
                        reason: error.to_string(),
                    },
                };
            }
        }
    }
}
