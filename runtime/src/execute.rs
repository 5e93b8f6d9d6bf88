//! The attempt loop of one call: the breaker's permit, an attempt (see `attempt`), the retry
//! decision, the budget, and the wait before the next attempt, until a response is final or the
//! call has to give up.
//!
//! Everything here is non-generic on purpose: a client with a thousand operations compiles this
//! once, and generated methods only add a decoding step (see `decode::finish`).

use http::StatusCode;
use tokio::time::Instant;
use tracing::Instrument as _;
use tracing::field::Empty;

use crate::attempt::{Attempt, Final, Plan, attempt};
use crate::breaker::is_failure_status;
use crate::challenge::token_rejected;
use crate::client::Inner;
use crate::correlation;
use crate::deprecation::Deprecation;
use crate::error::Error;
use crate::failure::{Failed, Failure, context};
use crate::idempotency::may_resend;
use crate::interceptor::AttemptInfo;
use crate::prepared::{CallOptions, PreparedRequest};
use crate::redact::RedactedUrl;
use crate::response::{CallMeta, RawParts};
use crate::retry::{Decision, Outcome, RetryPolicy};

/// What the loop learnt.
#[derive(Debug, Default)]
struct State {
    attempts: u32,
    reached: bool,
    server_request_id: Option<String>,
}

/// Runs the attempts of one call.
pub(crate) async fn execute(
    inner: &Inner,
    prepared: PreparedRequest,
    options: &CallOptions,
) -> Result<RawParts, Failure> {
    let policy = inner.resilience.policy(options.retry.as_ref());
    // The call's deadline bounds each attempt's own timer and each wait between attempts (see
    // `Timeouts::attempt_end` and the loop) rather than wrapping the loop in a timer of its own.
    let deadline = inner.timeouts.deadline(options.timeout);
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
    // The pages of one listing share a trace (see `paginate`); otherwise the call's own.
    let trace_id = options
        .trace_id
        .or_else(|| correlation::trace_id_of(&prepared.correlation_id))
        .unwrap_or_else(|| inner.ids.trace_id());
    let result = attempts(inner, &prepared, policy, (deadline, options.stream), trace_id, &mut state)
        .instrument(span.clone())
        .await;
    span.record("gusset.attempts", state.attempts);
    let refused = match &result {
        Ok(last) => span.in_scope(|| deprecation(inner, &prepared, last)),
        Err(_) => None,
    };
    let PreparedRequest { idempotency_key, correlation_id, .. } = prepared;
    let meta = CallMeta {
        correlation_id,
        server_request_id: state.server_request_id,
        idempotency_key,
        attempts: state.attempts,
    };
    match (result, refused) {
        (Ok(Final { status, .. }), Some((deprecation, reason))) => {
            span.record("http.response.status_code", status.as_u16());
            Err(Error::Deprecated { status, deprecation, reason, context: context(op.id, meta, true) })
        }
        (Ok(Final { status, headers, body, stream }), None) => {
            span.record("http.response.status_code", status.as_u16());
            Ok(RawParts { status, headers, body, meta, stream })
        }
        (Err(failed), _) => {
            tracing::debug!(parent: &span, error = ?failed, "call failed");
            Err(failed.into_error(context(op.id, meta, state.reached), &inner.resilience.host))
        }
    }
}

/// Reports what the final response says of the operation's deprecation: a `tracing` warning the
/// first time for this operation on this client, every interceptor every time. The first
/// interceptor that refuses it gives the deprecation and its reason.
fn deprecation(inner: &Inner, prepared: &PreparedRequest, last: &Final) -> Option<(Box<Deprecation>, String)> {
    let deprecation = Deprecation::from_headers(&last.headers)?;
    let op = prepared.operation.id;
    let first = inner.deprecations_reported.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(op);
    if first {
        let date = |at: Option<std::time::SystemTime>| at.map(httpdate::fmt_http_date);
        tracing::warn!(
            "gusset.operation_id" = op,
            deprecated = deprecation.deprecated,
            since = date(deprecation.since),
            sunset = date(deprecation.sunset),
            links = ?deprecation.deprecation_links,
            sunset_links = ?deprecation.sunset_links,
            "`{op}` is deprecated by the server: {deprecation}"
        );
    }
    inner
        .interceptors
        .iter()
        .find_map(|i| i.on_deprecation(prepared, &deprecation).err())
        .map(|reason| (Box::new(deprecation), reason))
}

/// Whether a final status shows the server coping (so the budget is replenished).
fn healthy(status: StatusCode) -> bool {
    !(status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::REQUEST_TIMEOUT)
}

async fn attempts(
    inner: &Inner,
    prepared: &PreparedRequest,
    policy: &RetryPolicy,
    (deadline, stream): (Option<Instant>, bool),
    trace_id: u128,
    state: &mut State,
) -> Result<Final, Failed> {
    let resend_safe = may_resend(&prepared.operation.method, prepared.idempotency_key.as_deref());
    let mut max = policy.attempts();
    let mut counted = 0; // attempts the retry policy counts (a 401 token refresh is not one)
    let mut last_cost = 0;
    let mut stale = None; // the provider token the last attempt's 401 rejected
    let mut refreshed = false;
    loop {
        let permit = inner.resilience.permit(inner.time.clock.now())?;
        state.attempts += 1;
        counted += 1;
        let info = AttemptInfo { number: state.attempts, max };
        let span = tracing::info_span!(
            "gusset.attempt",
            "http.request.resend_count" = state.attempts - 1,
            "http.response.status_code" = Empty,
        );
        let mut used_provider = None;
        let mut head = None;
        let plan = Plan { info, trace_id, stale, deadline, stream };
        let outcome = attempt(inner, prepared, plan, &mut used_provider, &mut head).instrument(span.clone()).await;
        stale = None;
        // Whatever became of the body, a response head names the server's request id.
        if let Some(head) = head {
            span.record("http.response.status_code", head.status.as_u16());
            if head.server_request_id.is_some() {
                state.server_request_id = head.server_request_id;
            }
        }
        let now = inner.time.clock.now();
        let (decision, last) = match outcome {
            Attempt::Response(response) => {
                state.reached = true;
                if let Some(permit) = permit {
                    permit.record(is_failure_status(response.status.as_u16()), now);
                }
                if response.status == StatusCode::UNAUTHORIZED
                    && used_provider.is_some()
                    && !refreshed
                    && token_rejected(&response.headers)
                {
                    // The token was revoked or expired early (`error="invalid_token"`): ask the
                    // provider once more and resend at once, with the same idempotency key and
                    // correlation id. The server rejected the request, so resending is safe for
                    // any method, and it does not use up a retry. Once per call: a second 401 is
                    // the caller's answer.
                    tracing::debug!(attempt = state.attempts, "the server rejected the token; refreshing it once");
                    refreshed = true;
                    stale = used_provider;
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
                    // No credentials, nothing sent: the attempt does not count.
                    if matches!(failed, Failed::Auth(_) | Failed::Token(_)) {
                        state.attempts -= 1;
                    }
                    return Err(failed);
                }
                let decision =
                    policy.decide(counted, &Outcome::Transport { reached_server: reached }, resend_safe, now);
                (decision, Err(failed))
            }
        };
        let delay = match decision {
            Decision::Stop => {
                if let (Some(budget), Ok(response)) = (&inner.resilience.budget, &last) {
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
        if let Some(budget) = &inner.resilience.budget {
            let after_timeout = matches!(last, Err(Failed::Timeout(_)));
            match budget.acquire(after_timeout) {
                Some(cost) => last_cost = cost,
                None => return Err(Failed::Budget(last.ok().map(|r| r.status))),
            }
        }
        tracing::debug!(attempt = state.attempts, delay_ms = delay.as_millis(), "retrying");
        inner.time.sleeper.sleep(delay).await;
    }
}
