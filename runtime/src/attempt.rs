//! One attempt: credentials, the per-attempt headers (`traceparent`, `Gusset-Attempt`, the
//! interceptors'), its timer, sending, and reading the response.

use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use tokio::time::Instant;

use crate::body::{Body, read_body};
use crate::client::Inner;
use crate::correlation;
use crate::error::TimeoutKind;
use crate::failure::Failed;
use crate::interceptor::AttemptInfo;
use crate::prepared::{PreparedRequest, merge};
use crate::text::snippet;
use crate::token::{AuthFailure, TokenContext};

const ATTEMPT_HEADER: HeaderName = HeaderName::from_static("gusset-attempt");
const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");

/// The final response of an attempt.
pub(crate) struct Final {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: bytes::Bytes,
    /// A success response left unread, when the plan asked for a stream (`body` is empty).
    pub(crate) stream: Option<Box<reqwest::Response>>,
}

/// One attempt's result.
pub(crate) enum Attempt {
    Response(Final),
    Failed { failed: Failed, reached: bool, retryable: bool, host_failure: bool },
}

impl Attempt {
    fn fatal(failed: Failed, reached: bool) -> Self {
        Attempt::Failed { failed, reached, retryable: false, host_failure: false }
    }
}

/// What an attempt learnt from a response head, even when its body then failed.
pub(crate) struct Head {
    pub(crate) status: StatusCode,
    pub(crate) server_request_id: Option<String>,
}

/// What one attempt is to be.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    pub(crate) info: AttemptInfo,
    /// The call's trace id, for `traceparent`.
    pub(crate) trace_id: u128,
    /// The generation of a provider token the server rejected (after a 401): not to be sent again.
    pub(crate) stale: Option<u64>,
    /// The call's deadline, if it has one.
    pub(crate) deadline: Option<Instant>,
    /// A success response's body is for the caller to stream: the attempt ends at its head.
    pub(crate) stream: bool,
}

/// Sends one attempt under its timer and reads its response.
pub(crate) async fn attempt(
    inner: &Inner,
    prepared: &PreparedRequest,
    plan: Plan,
    used_provider: &mut Option<u64>,
    head: &mut Option<Head>,
) -> Attempt {
    let exchange = exchange(inner, prepared, plan, used_provider, head);
    let Some((end, kind)) = inner.timeouts.attempt_end(plan.deadline) else { return exchange.await };
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
    used_provider: &mut Option<u64>,
    head: &mut Option<Head>,
) -> Attempt {
    let Plan { info, trace_id, stale, .. } = plan;
    let mut headers = prepared.headers.clone();
    let mut url = prepared.url.clone();
    let cx = TokenContext {
        http: &inner.http,
        retry: &inner.resilience.retry,
        sleeper: &*inner.time.sleeper,
        clock: &*inner.time.clock,
        ids: &inner.ids,
    };
    match inner.credentials.apply(inner.api, prepared.operation, &mut headers, &mut url, cx, stale).await {
        Ok(used) => *used_provider = used,
        // The provider has retried its own requests as far as the client's policy allows.
        Err(AuthFailure::Provider(source)) => return Attempt::fatal(Failed::Token(source), false),
        Err(AuthFailure::Invalid(message)) => return Attempt::fatal(Failed::Auth(message), false),
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
        *head = Some(Head { status, server_request_id: inner.responses.server_request_id(&headers) });
        for interceptor in &inner.interceptors {
            interceptor.after_response(prepared, info, status, &headers);
        }
        if plan.stream && status.is_success() {
            // Retries end here: once the caller reads the body, nothing is resent.
            return Attempt::Response(Final {
                status,
                headers,
                body: bytes::Bytes::new(),
                stream: Some(Box::new(response)),
            });
        }
        let announced = response.content_length();
        match read_body(&mut response, inner.responses.max_bytes).await {
            Body::Complete(body) => Attempt::Response(Final { status, headers, body, stream: None }),
            // Not retried: the next attempt would get the same oversized answer.
            Body::TooLarge => Attempt::fatal(Failed::TooLarge { status, limit: inner.responses.max_bytes }, true),
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
    // A redirect loop (or one too long) comes back the same every time: not retried, and the
    // server did answer.
    if e.is_redirect() {
        return Attempt::fatal(Failed::Transport(e), true);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempt_headers() {
        let header = |number, max| attempt_header(AttemptInfo { number, max });
        assert_eq!(header(1, 3), "1; max=3");
        assert_eq!(header(10, 205), "10; max=205");
        assert_eq!(header(u32::MAX, 0), "4294967295; max=0");
    }
}
