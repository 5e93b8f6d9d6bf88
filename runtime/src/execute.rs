//! The request path: turn a generated [`Request`] into a [`PreparedRequest`] once, then run the
//! attempt loop (auth, per-attempt headers, breaker, timeouts, retry decisions, budget, waits).
//!
//! Everything here is non-generic on purpose: a client with a thousand operations compiles this
//! once, and generated methods only add a decoding step (see `decode::finish`).

use std::convert::Infallible;
use std::fmt;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use tokio::time::Instant;
use tracing::Instrument as _;
use tracing::field::Empty;

use crate::breaker::is_failure_status;
use crate::client::{Client, Inner};
use crate::correlation;
use crate::decode::snippet;
use crate::error::{ContextFields, Error, ErrorContext, TimeoutKind};
use crate::interceptor::AttemptInfo;
use crate::params::has_dot_segment;
use crate::prepared::PreparedRequest;
use crate::private::{ApiInfo, Idempotency, Request};
use crate::redact::{RedactedUrl, is_secret_name, redact_url};
use crate::response::CallMeta;
use crate::retry::{Decision, Outcome, RetryPolicy};

/// Per-call settings from [`Call`](crate::Call).
#[derive(Default)]
pub(crate) struct CallOptions {
    pub(crate) idempotency_key: Option<String>,
    pub(crate) correlation_id: Option<String>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) retry: Option<RetryPolicy>,
    pub(crate) headers: Vec<(String, String)>,
}

impl fmt::Debug for CallOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A caller may pass a credential as an extra header (`.header("X-Auth-Token", ..)`).
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| (name.as_str(), if is_secret_name(name) { "<redacted>" } else { value.as_str() }))
            .collect();
        f.debug_struct("CallOptions")
            .field("idempotency_key", &self.idempotency_key)
            .field("correlation_id", &self.correlation_id)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("headers", &headers)
            .finish()
    }
}

/// The final response of a call, before decoding.
#[derive(Debug)]
pub(crate) struct RawParts {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) meta: CallMeta,
}

type Failure = Error<Infallible>;

const ATTEMPT_HEADER: HeaderName = HeaderName::from_static("gusset-attempt");
const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");

/// Builds the prepared request: URL, the headers common to all attempts, ids. Nothing is sent.
#[allow(clippy::result_large_err)] // the call's error type; see `decode::finish`
pub(crate) fn prepare(
    client: &Client,
    request: Request,
    options: &mut CallOptions,
) -> Result<PreparedRequest, Failure> {
    let inner = &*client.inner;
    let op = request.op;
    let correlation_id =
        options.correlation_id.take().or_else(correlation::current).unwrap_or_else(|| inner.ids.correlation_id());
    let invalid = |message: String, correlation_id: &str| Error::InvalidRequest {
        message,
        context: ErrorContext(Box::new(ContextFields {
            operation_id: op.id,
            correlation_id: correlation_id.to_owned(),
            server_request_id: None,
            idempotency_key: None,
            attempts: 0,
            may_have_reached_server: false,
        })),
    };
    if let Some(message) = request.error {
        return Err(invalid(message, &correlation_id));
    }

    let url = build_url(inner.api, &inner.base_url, op.path, &request.path_params, &request.query)
        .map_err(|message| invalid(message, &correlation_id))?;

    let mut headers = inner.default_headers.clone();
    merge(&mut headers, request.headers);
    if !request.cookies.is_empty() {
        let mut value = HeaderValue::try_from(request.cookies)
            .map_err(|_| invalid("a cookie parameter has a control character".into(), &correlation_id))?;
        value.set_sensitive(true);
        headers.insert(header::COOKIE, value);
    }
    let body = request.body.map(|(content_type, body)| {
        headers.insert(header::CONTENT_TYPE, content_type);
        body
    });
    for (name, value) in options.headers.drain(..) {
        let header_name = HeaderName::try_from(name.as_str())
            .map_err(|_| invalid(format!("header `{}` has an invalid name", name.escape_debug()), &correlation_id))?;
        let mut value = HeaderValue::try_from(value)
            .map_err(|_| invalid(format!("header `{name}` has a value with a control character"), &correlation_id))?;
        // Never indexed by HTTP/2 header compression, and redacted in `Debug`.
        value.set_sensitive(is_secret_name(&name));
        headers.insert(header_name, value);
    }

    // A key set on the call wins, then one the generated code passed as a header parameter, then a
    // fresh one when the operation calls for it.
    let key_header = &inner.idempotency_header;
    let idempotency_key = match options.idempotency_key.take() {
        Some(key) => Some(key),
        None => match headers.get(key_header) {
            Some(value) => Some(String::from_utf8_lossy(value.as_bytes()).into_owned()),
            None => {
                let wanted = op.idempotency == Idempotency::Always
                    || op.method == http::Method::POST
                    || op.method == http::Method::PATCH;
                (inner.auto_idempotency && wanted).then(|| inner.ids.idempotency_key())
            }
        },
    };
    if let Some(key) = &idempotency_key {
        let value = HeaderValue::try_from(key.as_str())
            .map_err(|_| invalid("the idempotency key has a control character".into(), &correlation_id))?;
        headers.insert(key_header.clone(), value);
    }
    let value = HeaderValue::try_from(correlation_id.as_str())
        .map_err(|_| invalid("the correlation id has a control character".into(), &correlation_id))?;
    headers.insert(inner.correlation_header.clone(), value);

    Ok(PreparedRequest { api: inner.api, operation: op, url, headers, body, idempotency_key, correlation_id })
}

/// `base` + the template with `{name}`s substituted + `?query`. Values arrive percent-encoded (see
/// `params::path`), so none can add a `/`, `?` or `#`; what is left to refuse is a value that
/// turns its segment into `.`, `..` or nothing, which would change the path all the same
/// (`/orders/{id}` with an empty id is `/orders/`, the collection).
fn build_url(
    api: &ApiInfo,
    base: &str,
    template: &str,
    params: &[(String, String)],
    query: &str,
) -> Result<reqwest::Url, String> {
    let mut url = String::with_capacity(base.len() + template.len() + query.len() + 32);
    url.push_str(base);
    let path_start = url.len();
    if !template.starts_with('/') {
        url.push('/');
    }
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else { break };
        url.push_str(&rest[..open]);
        let name = &rest[open + 1..close];
        let value = params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
            .ok_or_else(|| format!("missing path parameter `{name}`"))?;
        let after = &rest[close + 1..];
        let whole_segment = url.ends_with('/') && (after.is_empty() || after.starts_with(['/', '?', '#']));
        if value.is_empty() && whole_segment {
            return Err(format!("path parameter `{name}` is empty, which would remove its segment from `{template}`"));
        }
        url.push_str(value);
        rest = after;
    }
    url.push_str(rest);
    if has_dot_segment(url.get(path_start..).unwrap_or_default()) {
        return Err(format!("a path parameter of `{template}` makes a `.` or `..` segment"));
    }
    if !query.is_empty() {
        url.push(if url[path_start..].contains('?') { '&' } else { '?' });
        url.push_str(query);
    }
    reqwest::Url::parse(&url).map_err(|e| format!("the url `{}` is invalid: {e}", redact_url(&url, api)))
}

/// Moves `from` into `to`, replacing same-named headers (multi-valued ones stay multi-valued).
fn merge(to: &mut HeaderMap, from: HeaderMap) {
    let mut last: Option<HeaderName> = None;
    for (name, value) in from {
        match name {
            Some(name) => {
                to.insert(name.clone(), value);
                last = Some(name);
            }
            None => {
                if let Some(name) = &last {
                    to.append(name.clone(), value);
                }
            }
        }
    }
}

/// Why a call ended without a usable response; the context is added at the end.
#[derive(Debug)]
enum Failed {
    Transport(reqwest::Error),
    Timeout(TimeoutKind),
    Auth(String),
    Invalid(String),
    Budget(Option<StatusCode>),
    CircuitOpen,
    TooLong {
        status: StatusCode,
        wait: Duration,
        cap: Duration,
    },
    TooLarge {
        status: StatusCode,
        limit: usize,
    },
    /// The status and headers arrived, then the body broke off (the connection closed or the
    /// framing was invalid). Retried like a lost response; reported with what did arrive.
    /// A snippet rather than the bytes: this is logged, and the part may be megabytes.
    CutOff {
        status: StatusCode,
        received: usize,
        snippet: String,
        announced: Option<u64>,
        source: reqwest::Error,
    },
}

/// What the loop learnt.
#[derive(Debug, Default)]
struct State {
    attempts: u32,
    reached: bool,
    server_request_id: Option<String>,
}

struct Final {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

/// Runs the attempts of one call.
pub(crate) async fn execute(
    client: &Client,
    prepared: PreparedRequest,
    options: &CallOptions,
) -> Result<RawParts, Failure> {
    let inner = &*client.inner;
    let policy = options.retry.as_ref().unwrap_or(&inner.retry);
    let call_timeout = options.timeout.or(inner.call_timeout);
    let deadline = call_timeout.and_then(|t| Instant::now().checked_add(t));
    let op = prepared.operation;
    let span = tracing::info_span!(
        "gusset.call",
        otel.name = op.id,
        "http.request.method" = %op.method,
        "url.template" = op.path,
        // Without the per-attempt query API key (added later), and redacted all the same.
        "url.full" = %RedactedUrl(prepared.url.as_str(), prepared.api),
        "server.address" = prepared.url.host_str().unwrap_or_default(),
        "gusset.operation_id" = op.id,
        "gusset.correlation_id" = %prepared.correlation_id,
        "http.response.status_code" = Empty,
        "gusset.attempts" = Empty,
    );
    let mut state = State::default();
    // The call's deadline bounds each attempt's own timer and each wait between attempts (see
    // `attempt` and `attempts`) rather than wrapping the loop in a timer of its own: one timer
    // per attempt instead of two measurably cuts the cost of a call.
    let result = attempts(inner, &prepared, policy, deadline, &mut state).instrument(span.clone()).await;
    span.record("gusset.attempts", state.attempts);
    let PreparedRequest { idempotency_key, correlation_id, .. } = prepared;
    match result {
        Ok(Final { status, headers, body }) => {
            span.record("http.response.status_code", status.as_u16());
            let meta = CallMeta {
                correlation_id,
                server_request_id: state.server_request_id,
                idempotency_key,
                attempts: state.attempts,
            };
            Ok(RawParts { status, headers, body, meta })
        }
        Err(failed) => {
            tracing::debug!(parent: &span, error = ?failed, "call failed");
            let context = ErrorContext(Box::new(ContextFields {
                operation_id: op.id,
                correlation_id,
                server_request_id: state.server_request_id,
                idempotency_key,
                attempts: state.attempts,
                may_have_reached_server: state.reached,
            }));
            Err(match failed {
                Failed::Transport(source) => Error::Transport { source, context },
                Failed::Timeout(kind) => Error::Timeout { kind, context },
                Failed::Auth(message) => Error::Auth { message, context },
                Failed::Invalid(message) => Error::InvalidRequest { message, context },
                Failed::Budget(status) => Error::BudgetExhausted { status, context },
                Failed::CircuitOpen => Error::CircuitOpen { host: inner.host.clone(), context },
                Failed::TooLong { status, wait, cap } => Error::RetryAfterTooLong { status, wait, cap, context },
                Failed::TooLarge { status, limit } => Error::ResponseTooLarge { status, limit, context },
                Failed::CutOff { status, received, snippet, announced, source } => {
                    let mut message = format!("the body was cut off after {received} bytes");
                    if let Some(announced) = announced {
                        message.push_str(&format!(" of the {announced} announced"));
                    }
                    // reqwest's own message is only "request or response body error"; the cause
                    // ("end of file before message length reached") is in its sources.
                    let mut cause: Option<&dyn std::error::Error> = Some(&source);
                    while let Some(e) = cause {
                        message.push_str(&format!(": {e}"));
                        cause = e.source();
                    }
                    Error::Decode { status, message, snippet, context }
                }
            })
        }
    }
}

/// One attempt's result.
enum Attempt {
    Response(Final),
    Failed { failed: Failed, reached: bool, retryable: bool, host_failure: bool },
}

impl Attempt {
    fn fatal(failed: Failed, reached: bool) -> Self {
        Attempt::Failed { failed, reached, retryable: false, host_failure: false }
    }
}

/// Whether a final status shows the server coping (so the budget is replenished).
fn healthy(status: StatusCode) -> bool {
    !(status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::REQUEST_TIMEOUT)
}

async fn attempts(
    inner: &Inner,
    prepared: &PreparedRequest,
    policy: &RetryPolicy,
    deadline: Option<Instant>,
    state: &mut State,
) -> Result<Final, Failed> {
    let resend_safe = prepared.operation.method.is_idempotent() || prepared.idempotency_key.is_some();
    let trace_id = correlation::trace_id_of(&prepared.correlation_id).unwrap_or_else(|| inner.ids.trace_id());
    let mut max = policy.attempts();
    let mut counted = 0; // attempts the retry policy counts (a 401 token refresh is not one)
    let mut last_cost = 0;
    let mut refresh = false;
    let mut refreshed = false;
    loop {
        let permit = match &inner.breaker {
            Some(breaker) => Some(breaker.acquire(&inner.host, inner.clock.now()).ok_or(Failed::CircuitOpen)?),
            None => None,
        };
        state.attempts += 1;
        counted += 1;
        let info = AttemptInfo { number: state.attempts, max };
        let span = tracing::info_span!(
            "gusset.attempt",
            "http.request.resend_count" = state.attempts - 1,
            "http.response.status_code" = Empty,
        );
        let mut used_provider = false;
        let mut head = None;
        let plan = Plan { info, trace_id, refresh, deadline };
        let outcome = attempt(inner, prepared, plan, &mut used_provider, &mut head).instrument(span.clone()).await;
        refresh = false;
        // Whatever became of the body, a response head names the server's request id.
        if let Some(head) = head {
            span.record("http.response.status_code", head.status.as_u16());
            if head.server_request_id.is_some() {
                state.server_request_id = head.server_request_id;
            }
        }
        let now = inner.clock.now();
        let (decision, last) = match outcome {
            Attempt::Response(response) => {
                state.reached = true;
                if let Some(permit) = permit {
                    permit.record(is_failure_status(response.status.as_u16()), now);
                }
                if response.status == StatusCode::UNAUTHORIZED && used_provider && !refreshed {
                    // The token may have been revoked or expired early: ask the provider once more
                    // and resend at once. The server rejected the request, so resending is safe
                    // for any method, and it does not use up a retry.
                    refreshed = true;
                    refresh = true;
                    counted -= 1;
                    max += 1;
                    continue;
                }
                let outcome = Outcome::Status { status: response.status, headers: &response.headers };
                let decision = policy.decide(counted, &outcome, resend_safe, now);
                (decision, Ok(response))
            }
            Attempt::Failed { failed, reached, retryable, host_failure } => {
                state.reached |= reached;
                if let Some(permit) = permit {
                    if host_failure {
                        permit.record(true, now);
                    }
                }
                if !retryable {
                    return Err(failed);
                }
                let decision =
                    policy.decide(counted, &Outcome::Transport { reached_server: reached }, resend_safe, now);
                (decision, Err(failed))
            }
        };
        let delay = match decision {
            Decision::Stop => {
                if let (Some(budget), Ok(response)) = (&inner.budget, &last) {
                    if healthy(response.status) {
                        budget.succeeded(last_cost);
                    }
                }
                return last;
            }
            Decision::TooLong(wait) => {
                let status = last.as_ref().map_or(StatusCode::SERVICE_UNAVAILABLE, |r| r.status);
                return Err(Failed::TooLong { status, wait, cap: policy.retry_after_cap() });
            }
            Decision::RetryAfter(wait) => wait,
            Decision::Backoff => policy.delay(counted, inner.ids.next_u64()),
        };
        // Waiting past the call's deadline would only end in a timeout: return what we have.
        if deadline.is_some_and(|d| Instant::now().checked_add(delay).is_none_or(|wake| wake >= d)) {
            return last;
        }
        if let Some(budget) = &inner.budget {
            let after_timeout = matches!(last, Err(Failed::Timeout(_)));
            match budget.acquire(after_timeout) {
                Some(cost) => last_cost = cost,
                None => return Err(Failed::Budget(last.ok().map(|r| r.status))),
            }
        }
        tracing::debug!(attempt = state.attempts, delay_ms = delay.as_millis(), "retrying");
        inner.sleeper.sleep(delay).await;
    }
}

/// What an attempt learnt from a response head, even when its body then failed.
struct Head {
    status: StatusCode,
    server_request_id: Option<String>,
}

/// Sends one attempt and reads its response.
/// What one attempt is to be.
#[derive(Debug, Clone, Copy)]
struct Plan {
    info: AttemptInfo,
    /// The call's trace id, for `traceparent`.
    trace_id: u128,
    /// Ask the token provider for a fresh token (after a 401).
    refresh: bool,
    /// The call's deadline, if it has one.
    deadline: Option<Instant>,
}

async fn attempt(
    inner: &Inner,
    prepared: &PreparedRequest,
    plan: Plan,
    used_provider: &mut bool,
    head: &mut Option<Head>,
) -> Attempt {
    // One timer for the attempt: its own limit or the call's deadline, whichever comes first.
    let attempt_end = inner.attempt_timeout.and_then(|limit| Instant::now().checked_add(limit));
    let (end, kind) = match (attempt_end, plan.deadline) {
        (Some(a), Some(d)) if a < d => (Some(a), TimeoutKind::Attempt),
        (Some(a), None) => (Some(a), TimeoutKind::Attempt),
        (_, deadline) => (deadline, TimeoutKind::Call),
    };
    let exchange = exchange(inner, prepared, plan, used_provider, head);
    let Some(end) = end else { return exchange.await };
    match tokio::time::timeout_at(end, exchange).await {
        Ok(attempt) => attempt,
        // The request may have been sent before the time ran out. The call's own deadline ends
        // the call and says nothing about the host (the caller's budget may be tight); an
        // attempt's limit counts against the host and leaves the retry policy to decide.
        Err(_) => {
            let attempt = kind == TimeoutKind::Attempt;
            Attempt::Failed { failed: Failed::Timeout(kind), reached: true, retryable: attempt, host_failure: attempt }
        }
    }
}

/// Authenticates, sends and reads one attempt, without a time limit.
async fn exchange(
    inner: &Inner,
    prepared: &PreparedRequest,
    plan: Plan,
    used_provider: &mut bool,
    head: &mut Option<Head>,
) -> Attempt {
    let Plan { info, trace_id, refresh, .. } = plan;
    let mut headers = prepared.headers.clone();
    let mut url = prepared.url.clone();
    match inner.credentials.apply(inner.api, prepared.operation, &mut headers, &mut url, &*inner.clock, refresh).await {
        Ok(used) => *used_provider = used,
        Err(message) => return Attempt::fatal(Failed::Auth(message), false),
    }
    let traceparent = correlation::traceparent(trace_id, inner.ids.span_id());
    let attempt = attempt_header(info);
    match (HeaderValue::try_from(traceparent), HeaderValue::try_from(attempt)) {
        (Ok(traceparent), Ok(attempt)) => {
            headers.insert(TRACEPARENT, traceparent);
            headers.insert(ATTEMPT_HEADER, attempt);
        }
        _ => return Attempt::fatal(Failed::Invalid("per-attempt headers could not be built".into()), false),
    }
    if !inner.interceptors.is_empty() {
        let mut extra = HeaderMap::new();
        for interceptor in &inner.interceptors {
            interceptor.before_attempt(prepared, info, &mut extra);
        }
        merge(&mut headers, extra);
    }
    let mut request = reqwest::Request::new(prepared.operation.method.clone(), url);
    *request.headers_mut() = headers;
    if let Some(body) = &prepared.body {
        *request.body_mut() = Some(body.clone().into());
    }
    {
        let mut response = match inner.http.execute(request).await {
            Ok(response) => response,
            Err(e) => return transport_failure(e),
        };
        let status = response.status();
        let headers = std::mem::take(response.headers_mut());
        *head = Some(Head {
            status,
            server_request_id: inner
                .server_request_id_headers
                .iter()
                .find_map(|name| headers.get(name))
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        });
        for interceptor in &inner.interceptors {
            interceptor.after_response(prepared, info, status, &headers);
        }
        let announced = response.content_length();
        match read_body(&mut response, inner.max_response_bytes).await {
            Body::Complete(body) => Attempt::Response(Final { status, headers, body }),
            // Not retried: the next attempt would get the same oversized answer.
            Body::TooLarge => Attempt::fatal(Failed::TooLarge { status, limit: inner.max_response_bytes }, true),
            // A truncated or reset body: the request reached the server, the response is lost.
            Body::CutOff { partial, source } => Attempt::Failed {
                failed: Failed::CutOff {
                    status,
                    received: partial.len(),
                    snippet: snippet(&partial),
                    announced,
                    source: source.without_url(),
                },
                reached: true,
                retryable: true,
                host_failure: true,
            },
        }
    }
}

/// `Gusset-Attempt: <n>; max=<m>`, without `format!` (this runs on every attempt).
fn attempt_header(info: AttemptInfo) -> String {
    fn push_number(out: &mut String, mut n: u32) {
        let mut digits = [0u8; 10];
        let mut start = digits.len();
        while let Some(slot) = start.checked_sub(1).and_then(|i| digits.get_mut(i)) {
            // `n % 10` is below 10.
            *slot = b'0' + (n % 10) as u8;
            start -= 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        out.push_str(std::str::from_utf8(digits.get(start..).unwrap_or_default()).unwrap_or_default());
    }
    let mut out = String::with_capacity(16);
    push_number(&mut out, info.number);
    out.push_str("; max=");
    push_number(&mut out, info.max);
    out
}

fn transport_failure(e: reqwest::Error) -> Attempt {
    // The URL may carry an API key in its query: never keep it in an error.
    let e = e.without_url();
    if e.is_builder() {
        return Attempt::fatal(Failed::Invalid(format!("the request could not be built: {e}")), false);
    }
    // A connect error means nothing was sent, so any method can be retried.
    let reached = !e.is_connect();
    let failed = if e.is_timeout() {
        Failed::Timeout(if e.is_connect() { TimeoutKind::Connect } else { TimeoutKind::Attempt })
    } else {
        Failed::Transport(e)
    };
    Attempt::Failed { failed, reached, retryable: true, host_failure: true }
}

/// A response body as read.
enum Body {
    Complete(Bytes),
    /// Over the limit; reading stopped there.
    TooLarge,
    /// The body broke off after `partial`.
    CutOff {
        partial: Bytes,
        source: reqwest::Error,
    },
}

/// Reads the body up to `limit` bytes, never holding more: a `Content-Length` over the limit is
/// refused before reading, and a body without one is cut off as soon as it passes the limit. A
/// body in one chunk (the common case for small JSON) is returned without copying.
async fn read_body(response: &mut reqwest::Response, limit: usize) -> Body {
    let limit_u64 = u64::try_from(limit).unwrap_or(u64::MAX);
    if response.content_length().is_some_and(|len| len > limit_u64) {
        return Body::TooLarge;
    }
    let first = match response.chunk().await {
        Ok(Some(first)) => first,
        Ok(None) => return Body::Complete(Bytes::new()),
        Err(source) => return Body::CutOff { partial: Bytes::new(), source },
    };
    if first.len() > limit {
        return Body::TooLarge;
    }
    let second = match response.chunk().await {
        Ok(Some(second)) => second,
        Ok(None) => return Body::Complete(first),
        Err(source) => return Body::CutOff { partial: first, source },
    };
    let expected = response.content_length().map_or(0, |len| usize::try_from(len).unwrap_or(limit));
    let mut buf = BytesMut::with_capacity(expected.max(first.len() + second.len()).min(limit));
    buf.extend_from_slice(&first);
    let mut next = second;
    loop {
        if buf.len().saturating_add(next.len()) > limit {
            return Body::TooLarge;
        }
        buf.extend_from_slice(&next);
        next = match response.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => return Body::Complete(buf.freeze()),
            Err(source) => return Body::CutOff { partial: buf.freeze(), source },
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
    }

    #[test]
    fn urls() {
        static API: ApiInfo = ApiInfo {
            title: "t",
            api_version: "",
            version_header: None,
            client_name: "c",
            client_version: "0",
            servers: &[],
            security_schemes: &[],
        };
        let u = |base, template, p: &[(&str, &str)], q| {
            build_url(&API, base, template, &params(p), q).map(|u| u.to_string())
        };
        assert_eq!(u("http://h/v1", "/pets/{id}", &[("id", "7")], "").unwrap(), "http://h/v1/pets/7");
        assert_eq!(
            u("http://h", "pets/{a}/{b}.json", &[("a", "x"), ("b", "y")], "q=1").unwrap(),
            "http://h/pets/x/y.json?q=1"
        );
        assert_eq!(u("http://h", "/search?type=a", &[], "q=1").unwrap(), "http://h/search?type=a&q=1");
        assert_eq!(u("http://h", "/p/{id}", &[("id", "..%2Fadmin")], "").unwrap(), "http://h/p/..%2Fadmin");
        assert_eq!(u("http://h", "/p/{id}", &[], "").unwrap_err(), "missing path parameter `id`");
        assert!(u("http://h", "/p/{id}", &[("id", "..")], "").unwrap_err().contains("segment"));
        assert_eq!(u("http://h", "/odd{", &[], "").unwrap(), "http://h/odd%7B");
        // An empty value may not remove its segment; inside a segment it is harmless.
        for template in ["/p/{id}", "/p/{id}/x", "/{id}", "{id}", "/p/{id}?a=1"] {
            let err = u("http://h", template, &[("id", "")], "").unwrap_err();
            assert!(err.contains("`id` is empty"), "{template}: {err}");
        }
        assert_eq!(u("http://h", "/p/{id}.json", &[("id", "")], "").unwrap(), "http://h/p/.json");
        assert_eq!(u("http://h", "/p/x{id}", &[("id", "")], "").unwrap(), "http://h/p/x");
    }

    #[test]
    fn attempt_headers() {
        let header = |number, max| attempt_header(AttemptInfo { number, max });
        assert_eq!(header(1, 3), "1; max=3");
        assert_eq!(header(10, 205), "10; max=205");
        assert_eq!(header(u32::MAX, 0), "4294967295; max=0");
    }

    #[test]
    fn merge_replaces_and_keeps_multi_values() {
        let mut to = HeaderMap::new();
        to.insert("a", HeaderValue::from_static("old"));
        to.insert("b", HeaderValue::from_static("keep"));
        let mut from = HeaderMap::new();
        from.append("a", HeaderValue::from_static("1"));
        from.append("a", HeaderValue::from_static("2"));
        merge(&mut to, from);
        let a: Vec<_> = to.get_all("a").iter().collect();
        assert_eq!(a, ["1", "2"]);
        assert_eq!(to.get("b").unwrap(), "keep");
    }
}
