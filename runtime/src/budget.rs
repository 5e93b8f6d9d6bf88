//! The retry budget: a token bucket shared by all calls of a client, so a failing server sees a
//! bounded number of retries rather than a storm multiplied by every concurrent caller.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// A token bucket that every retry draws from.
///
/// Defaults follow smithy-rs's standard retry strategy, which AWS tuned on real fleets: 500 tokens,
/// 5 per retry, 10 per retry after a timeout (a timeout holds a server resource for longest, so it is
/// the strongest sign of overload), and each successful call puts back what its last retry cost, or
/// 1 token when it needed none. So against a server that always fails, a client makes at most 100
/// retries beyond first attempts until successes refill the bucket; against a healthy one it never
/// runs dry.
///
/// A `RetryBudget` is a handle: clones share the same bucket, so one budget can cover several
/// clients of the same service.
///
/// ```
/// let budget = gusset::RetryBudget::new(50).retry_cost(5);
/// assert_eq!(budget.available(), 50);
/// ```
#[derive(Clone, Debug)]
pub struct RetryBudget {
    shared: Arc<Bucket>,
    retry_cost: u32,
    timeout_cost: u32,
    success_reward: u32,
}

#[derive(Debug)]
struct Bucket {
    capacity: u32,
    tokens: AtomicU32,
}

impl Default for RetryBudget {
    fn default() -> Self {
        Self::new(500)
    }
}

impl RetryBudget {
    /// A full bucket of `capacity` tokens with the default costs.
    pub fn new(capacity: u32) -> Self {
        Self {
            shared: Arc::new(Bucket { capacity, tokens: AtomicU32::new(capacity) }),
            retry_cost: 5,
            timeout_cost: 10,
            success_reward: 1,
        }
    }

    /// Tokens taken by a retry after an error response or a connection failure.
    pub fn retry_cost(mut self, cost: u32) -> Self {
        self.retry_cost = cost;
        self
    }

    /// Tokens taken by a retry after a timeout.
    pub fn timeout_cost(mut self, cost: u32) -> Self {
        self.timeout_cost = cost;
        self
    }

    /// Tokens put back by a call that succeeded on its first attempt.
    pub fn success_reward(mut self, reward: u32) -> Self {
        self.success_reward = reward;
        self
    }

    /// Tokens left in the bucket.
    pub fn available(&self) -> u32 {
        self.shared.tokens.load(Ordering::Relaxed)
    }

    /// The bucket's capacity.
    pub fn capacity(&self) -> u32 {
        self.shared.capacity
    }

    /// Takes the cost of one retry; `None` when the bucket cannot pay it (the retry must not happen).
    pub(crate) fn acquire(&self, after_timeout: bool) -> Option<u32> {
        let cost = if after_timeout { self.timeout_cost } else { self.retry_cost };
        self.shared.tokens.fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| t.checked_sub(cost)).ok().map(|_| cost)
    }

    /// Records a successful call; `last_cost` is what its last retry took (0 if none).
    pub(crate) fn succeeded(&self, last_cost: u32) {
        let refund = if last_cost == 0 { self.success_reward } else { last_cost };
        let capacity = self.shared.capacity;
        // `fetch_update` with a closure that always returns Some cannot fail; ignore the result.
        let _ = self
            .shared
            .tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| Some(t.saturating_add(refund).min(capacity)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drains_and_refills() {
        let budget = RetryBudget::default();
        let mut retries = 0;
        while budget.acquire(false).is_some() {
            retries += 1;
        }
        assert_eq!(retries, 100, "500 tokens at 5 per retry");
        assert_eq!(budget.available(), 0);
        budget.succeeded(0);
        assert_eq!(budget.available(), 1);
        budget.succeeded(5);
        assert_eq!(budget.available(), 6);
        assert_eq!(budget.acquire(true), None, "a timeout retry costs 10");
        assert_eq!(budget.acquire(false), Some(5));
    }

    #[test]
    fn never_exceeds_capacity_and_clones_share() {
        let budget = RetryBudget::new(20).timeout_cost(7).success_reward(3);
        let other = budget.clone();
        assert_eq!(other.acquire(true), Some(7));
        assert_eq!(budget.available(), 13);
        for _ in 0..10 {
            budget.succeeded(0);
        }
        assert_eq!(other.available(), 20);
        assert_eq!(budget.capacity(), 20);
    }

    #[test]
    fn zero_cost_never_runs_out() {
        let budget = RetryBudget::new(0).retry_cost(0);
        assert_eq!(budget.acquire(false), Some(0));
    }
}
