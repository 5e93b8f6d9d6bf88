//! The client's one random source: correlation ids, idempotency keys, trace and span ids, and
//! the backoff's jitter all draw from it, so one seed ([`ClientBuilder::id_seed`]) makes a test
//! run reproducible.
//!
//! [`ClientBuilder::id_seed`]: crate::ClientBuilder::id_seed

use std::sync::atomic::{AtomicU64, Ordering};

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

/// A UUID's hyphenated lowercase text, without going through `fmt`.
fn hyphenated(id: uuid::Uuid) -> String {
    id.hyphenated().encode_lower(&mut uuid::Uuid::encode_buffer()).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
