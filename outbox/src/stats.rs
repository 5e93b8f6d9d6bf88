//! What [`Outbox::stats`](crate::Outbox::stats) reports.

use std::collections::BTreeMap;
use std::time::Duration;

use sqlx::Row as _;

use crate::error::OutboxError;
use crate::outbox::{Outbox, Pool, on_pool};
use crate::record::now_ms;
use crate::schema::Tables;

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

impl Outbox {
    /// Depth, the age of the oldest due call and the delivered/retried/dead counts, per
    /// operation and in all, read from the tables (so they cover every worker and survive
    /// restarts). Also logged at `debug` under the `gusset_outbox` target.
    pub async fn stats(&self) -> Result<Stats, OutboxError> {
        let now = now_ms();
        let Tables { calls, dead, .. } = &*self.tables;
        let live = format!(
            "SELECT operation_id,
                CAST(SUM(CASE WHEN delivered_at IS NULL THEN 1 ELSE 0 END) AS BIGINT) AS pending,
                CAST(SUM(CASE WHEN delivered_at IS NULL AND next_attempt_at <= $1 THEN 1 ELSE 0 END) AS BIGINT) AS due,
                MIN(CASE WHEN delivered_at IS NULL AND next_attempt_at <= $1 THEN next_attempt_at END) AS oldest,
                CAST(SUM(CASE WHEN delivered_at IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS delivered,
                CAST(SUM(CASE WHEN attempts > 1 THEN attempts - 1 ELSE 0 END) AS BIGINT) AS retried
             FROM {calls} GROUP BY operation_id"
        );
        let buried = format!(
            "SELECT operation_id, CAST(COUNT(*) AS BIGINT) AS dead,
                CAST(SUM(CASE WHEN attempts > 1 THEN attempts - 1 ELSE 0 END) AS BIGINT) AS retried
             FROM {dead} GROUP BY operation_id"
        );
        type Live = (String, i64, i64, Option<i64>, i64, i64);
        let (live, buried): (Vec<Live>, Vec<(String, i64, i64)>) = on_pool!(&self.pool, |pool| {
            let read = async {
                let live = sqlx::query(&live).bind(now).fetch_all(pool).await?;
                let live = live
                    .iter()
                    .map(|r| {
                        Ok((
                            r.try_get("operation_id")?,
                            r.try_get("pending")?,
                            r.try_get("due")?,
                            r.try_get("oldest")?,
                            r.try_get("delivered")?,
                            r.try_get("retried")?,
                        ))
                    })
                    .collect::<Result<Vec<Live>, sqlx::Error>>()?;
                let buried = sqlx::query(&buried).fetch_all(pool).await?;
                let buried = buried
                    .iter()
                    .map(|r| Ok((r.try_get("operation_id")?, r.try_get("dead")?, r.try_get("retried")?)))
                    .collect::<Result<Vec<_>, sqlx::Error>>()?;
                Ok::<_, sqlx::Error>((live, buried))
            };
            read.await
        })
        .map_err(OutboxError::db("reading the outbox stats"))?;
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        let mut operations: BTreeMap<String, OperationStats> = BTreeMap::new();
        let mut oldest: Option<i64> = None;
        for (op, pending, due, first_due, delivered, retried) in live {
            let entry = operations.entry(op).or_default();
            entry.depth += count(pending);
            entry.due += count(due);
            entry.delivered += count(delivered);
            entry.retried += count(retried);
            if let Some(at) = first_due {
                entry.oldest_due_age = Some(Duration::from_millis(count(now - at)));
                oldest = Some(oldest.map_or(at, |o| o.min(at)));
            }
        }
        for (op, dead, retried) in buried {
            let entry = operations.entry(op).or_default();
            entry.dead += count(dead);
            entry.retried += count(retried);
        }
        let stats = Stats::sum(operations, oldest.map(|at| Duration::from_millis(count(now - at))));
        tracing::debug!(
            target: "gusset_outbox",
            depth = stats.depth,
            due = stats.due,
            oldest_due_ms = stats.oldest_due_age.map(|d| d.as_millis()),
            delivered = stats.delivered,
            retried = stats.retried,
            dead = stats.dead,
            "outbox stats"
        );
        Ok(stats)
    }
}
