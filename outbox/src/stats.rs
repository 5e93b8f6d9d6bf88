//! What [`Outbox::stats`](crate::Outbox::stats) reports.

use std::collections::BTreeMap;
use std::time::Duration;

/// Counts for one operation (or, summed, for the whole outbox).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct OperationStats {
    /// Calls not yet delivered nor dead (due or waiting for a later attempt).
    pub depth: u64,
    /// Of those, the calls due now.
    pub due: u64,
    /// How long the oldest due call has been due.
    pub oldest_due_age: Option<Duration>,
    /// Calls delivered (and not purged).
    pub delivered: u64,
    /// Attempts beyond each call's first, over every call still stored.
    pub retried: u64,
    /// Dead letters.
    pub dead: u64,
}

/// The outbox's counts, in all and per operation id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Calls not yet delivered nor dead.
    pub depth: u64,
    /// Calls due now.
    pub due: u64,
    /// How long the oldest due call has been due.
    pub oldest_due_age: Option<Duration>,
    /// Calls delivered (and not purged).
    pub delivered: u64,
    /// Attempts beyond each call's first.
    pub retried: u64,
    /// Dead letters.
    pub dead: u64,
    /// The same, per operation id.
    pub operations: BTreeMap<String, OperationStats>,
}

impl Stats {
    pub(crate) fn sum(operations: BTreeMap<String, OperationStats>, oldest_due_age: Option<Duration>) -> Self {
        let mut stats = Stats { oldest_due_age, ..Stats::default() };
        for op in operations.values() {
            stats.depth += op.depth;
            stats.due += op.due;
            stats.delivered += op.delivered;
            stats.retried += op.retried;
            stats.dead += op.dead;
        }
        stats.operations = operations;
        stats
    }
}
