//! Correlation ids: one id per logical call, identical on every attempt, sent as `X-Request-Id`
//! (the name is configurable) and as a W3C `traceparent`. A caller can set an ambient id for a
//! scope; calls made inside it reuse that id, so one user action can be followed across services.
//!
//! ```no_run
//! # async fn demo(client: gusset::Client) {
//! gusset::correlation::scope("checkout-7f3a", async {
//!     // every call made here sends `X-Request-Id: checkout-7f3a`
//!     assert_eq!(gusset::correlation::current().as_deref(), Some("checkout-7f3a"));
//! })
//! .await;
//! # }
//! ```

use std::future::Future;

tokio::task_local! {
    static AMBIENT: String;
}

/// Runs `future` with `id` as the ambient correlation id of every call made inside it (unless a
/// call sets its own with [`Call::correlation_id`](crate::Call::correlation_id)).
pub async fn scope<F: Future>(id: impl Into<String>, future: F) -> F::Output {
    AMBIENT.scope(id.into(), future).await
}

/// The ambient correlation id, if the current task runs inside [`scope`].
pub fn current() -> Option<String> {
    AMBIENT.try_with(Clone::clone).ok()
}

/// The trace id a correlation id maps to: the UUID itself when it is one (so the id in logs and the
/// trace id match), otherwise `None` and a random trace id is used for the call.
pub(crate) fn trace_id_of(correlation_id: &str) -> Option<u128> {
    uuid::Uuid::try_parse(correlation_id).ok().map(|id| id.as_u128()).filter(|id| *id != 0)
}

/// A W3C trace-context `traceparent` value: version 00, the call's trace id, this attempt's span
/// id, and the sampled flag set so a server keeps the trace of a call a user may report.
pub(crate) fn traceparent(trace_id: u128, span_id: u64) -> String {
    // Written by hand: this runs on every attempt, and `format!` with padding costs ten times more.
    let mut out = String::with_capacity(55);
    out.push_str("00-");
    push_hex(&mut out, trace_id, 32);
    out.push('-');
    push_hex(&mut out, u128::from(span_id), 16);
    out.push_str("-01");
    out
}

/// Appends the low `digits` hex digits of `value`, lowercase, zero-padded.
fn push_hex(out: &mut String, value: u128, digits: u32) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for shift in (0..digits).rev() {
        // The nibble is below 16.
        let nibble = ((value >> (shift * 4)) & 0xf) as usize;
        out.push(char::from(HEX.get(nibble).copied().unwrap_or(b'0')));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traceparent_format() {
        let value = traceparent(0x0af7651916cd43dd8448eb211c80319c, 0xb7ad6b7169203331);
        assert_eq!(value, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        assert_eq!(traceparent(1, 1), "00-00000000000000000000000000000001-0000000000000001-01");
        assert_eq!(trace_id_of("0af76519-16cd-43dd-8448-eb211c80319c"), Some(0x0af7651916cd43dd8448eb211c80319c));
        assert_eq!(trace_id_of("checkout-7"), None);
        assert_eq!(trace_id_of("00000000-0000-0000-0000-000000000000"), None);
    }

    #[tokio::test]
    async fn ambient_scope() {
        assert_eq!(current(), None);
        let inner = scope("abc", async { current() }).await;
        assert_eq!(inner.as_deref(), Some("abc"));
        assert_eq!(current(), None);
    }
}
