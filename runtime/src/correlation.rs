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
use std::sync::atomic::{AtomicU64, Ordering};

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

/// Random numbers and ids for a client: seeded for reproducible tests, otherwise from the OS.
#[derive(Debug)]
pub(crate) struct Ids {
    state: AtomicU64,
    seeded: bool,
}

/// splitmix64's increment (the golden ratio); the generator below is splitmix64, which passes
/// BigCrush and, unlike a crate dependency, lets every thread share one lock-free state.
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

impl Ids {
    pub(crate) fn new(seed: Option<u64>) -> Self {
        let (start, seeded) = match seed {
            Some(seed) => (seed, true),
            None => (uuid::Uuid::new_v4().as_u64_pair().0, false),
        };
        Self { state: AtomicU64::new(start), seeded }
    }

    /// The next pseudo-random number (jitter, span ids; ids too when seeded).
    pub(crate) fn next_u64(&self) -> u64 {
        let mut z = self.state.fetch_add(GAMMA, Ordering::Relaxed).wrapping_add(GAMMA);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn seeded_uuid(&self) -> uuid::Uuid {
        let bytes = (u128::from(self.next_u64()) << 64 | u128::from(self.next_u64())).to_be_bytes();
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }

    /// A fresh idempotency key: a random (v4) UUID from the OS's generator, since a guessable key
    /// could let another client replay a stored response.
    pub(crate) fn idempotency_key(&self) -> String {
        let id = if self.seeded { self.seeded_uuid() } else { uuid::Uuid::new_v4() };
        hyphenated(id)
    }

    /// A fresh correlation id: a v7 UUID, which sorts by creation time in server logs.
    pub(crate) fn correlation_id(&self) -> String {
        let id = if self.seeded { self.seeded_uuid() } else { uuid::Uuid::now_v7() };
        hyphenated(id)
    }

    /// A non-zero 64-bit span id for one attempt's `traceparent`.
    pub(crate) fn span_id(&self) -> u64 {
        self.next_u64().max(1)
    }

    /// A non-zero trace id for a correlation id that is not a UUID.
    pub(crate) fn trace_id(&self) -> u128 {
        (u128::from(self.next_u64()) << 64 | u128::from(self.next_u64())).max(1)
    }
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

/// A UUID's hyphenated lowercase text, without going through `fmt`.
fn hyphenated(id: uuid::Uuid) -> String {
    id.hyphenated().encode_lower(&mut uuid::Uuid::encode_buffer()).to_owned()
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

    #[test]
    fn seeded_ids_repeat_and_differ() {
        let a = Ids::new(Some(42));
        let b = Ids::new(Some(42));
        let keys: Vec<_> = (0..3).map(|_| a.idempotency_key()).collect();
        assert_eq!(keys, (0..3).map(|_| b.idempotency_key()).collect::<Vec<_>>());
        assert_ne!(keys[0], keys[1]);
        let parsed = uuid::Uuid::parse_str(&keys[0]).unwrap();
        assert_eq!(parsed.get_version_num(), 4);
        let c = Ids::new(Some(43));
        assert_ne!(c.idempotency_key(), keys[0]);
    }

    #[test]
    fn unseeded_ids_are_fresh_uuids() {
        let ids = Ids::new(None);
        let corr = uuid::Uuid::parse_str(&ids.correlation_id()).unwrap();
        assert_eq!(corr.get_version_num(), 7);
        assert_ne!(ids.idempotency_key(), ids.idempotency_key());
        assert_ne!(ids.span_id(), 0);
    }

    #[tokio::test]
    async fn ambient_scope() {
        assert_eq!(current(), None);
        let inner = scope("abc", async { current() }).await;
        assert_eq!(inner.as_deref(), Some("abc"));
        assert_eq!(current(), None);
    }
}
