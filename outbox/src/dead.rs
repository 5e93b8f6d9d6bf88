//! Reading calls back and the dead letters: inspect, replay, purge.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use sqlx::Row as _;

use crate::error::OutboxError;
use crate::outbox::{Outbox, Pool, ReplayKey, bind_raw, corrupt_row, on_pool};
use crate::record::{
    COLUMNS, CallId, CallRecord, CallState, DeadLetter, RawCall, from_ms, headers_from_json, headers_to_json, now_ms,
    raw_call, to_ms,
};
use crate::schema::Tables;

impl Outbox {
    /// A call by id: pending, delivered or dead.
    pub async fn call(&self, id: &CallId) -> Result<CallRecord, OutboxError> {
        let calls = &self.tables.calls;
        let sql = format!(
            "SELECT {COLUMNS}, lease_until, delivered_at, status, response_headers, response_body FROM {calls} WHERE id = $1"
        );
        let found = on_pool!(&self.pool, |pool| {
            let row = sqlx::query(&sql).bind(id.as_str()).fetch_optional(pool).await;
            match row.map_err(OutboxError::db("reading a call"))? {
                None => Ok(None),
                Some(row) => {
                    let read = || {
                        let raw = raw_call!(&row)?;
                        let lease_until: Option<i64> = row.try_get("lease_until")?;
                        let delivered_at: Option<i64> = row.try_get("delivered_at")?;
                        let status: Option<i64> = row.try_get("status")?;
                        let headers: Option<String> = row.try_get("response_headers")?;
                        let body: Option<Vec<u8>> = row.try_get("response_body")?;
                        Ok::<_, sqlx::Error>(Some((raw, lease_until, delivered_at, status, headers, body)))
                    };
                    read().map_err(|e| corrupt_row(Some(id.to_string()), &e))
                }
            }
        })?;
        if let Some((raw, lease_until, delivered_at, status, headers, body)) = found {
            let state = match delivered_at {
                None => CallState::Pending { leased_until: lease_until.map(from_ms) },
                Some(at) => CallState::Delivered {
                    at: from_ms(at),
                    status: status.and_then(|s| u16::try_from(s).ok()).unwrap_or(0),
                    headers: headers.as_deref().map(headers_from_json).transpose().ok().flatten().unwrap_or_default(),
                    body: body.map(Bytes::from),
                },
            };
            return Ok(CallRecord { summary: raw.summary(), state });
        }
        let letter = self.dead_letter(id).await?;
        Ok(CallRecord { summary: letter.summary, state: CallState::Dead { at: letter.dead_at } })
    }

    /// The dead letters, oldest first, at most `limit`.
    pub async fn dead_letters(&self, limit: usize) -> Result<Vec<DeadLetter>, OutboxError> {
        let sql = format!("SELECT {COLUMNS}, dead_at FROM {} ORDER BY dead_at, id LIMIT $1", self.tables.dead);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = on_pool!(&self.pool, |pool| {
            let rows = sqlx::query(&sql).bind(limit).fetch_all(pool).await;
            let rows = rows.map_err(OutboxError::db("listing dead letters"))?;
            rows.iter()
                .map(|row| {
                    let read = (|| Ok::<_, sqlx::Error>((raw_call!(row)?, row.try_get::<i64, _>("dead_at")?)))();
                    read.map_err(|e| corrupt_row(row.try_get("id").ok(), &e))
                })
                .collect::<Result<Vec<_>, OutboxError>>()
        })?;
        Ok(rows.into_iter().map(|(raw, at)| DeadLetter { summary: raw.summary(), dead_at: from_ms(at) }).collect())
    }

    /// One dead letter.
    pub async fn dead_letter(&self, id: &CallId) -> Result<DeadLetter, OutboxError> {
        let (raw, at) = self.dead_row(id).await?;
        Ok(DeadLetter { summary: raw.summary(), dead_at: from_ms(at) })
    }

    async fn dead_row(&self, id: &CallId) -> Result<(RawCall, i64), OutboxError> {
        let sql = format!("SELECT {COLUMNS}, dead_at FROM {} WHERE id = $1", self.tables.dead);
        let row = on_pool!(&self.pool, |pool| {
            let row = sqlx::query(&sql).bind(id.as_str()).fetch_optional(pool).await;
            let row = row.map_err(OutboxError::db("reading a dead letter"))?;
            row.map(|row| {
                let read = (|| Ok::<_, sqlx::Error>((raw_call!(&row)?, row.try_get::<i64, _>("dead_at")?)))();
                read.map_err(|e| corrupt_row(Some(id.to_string()), &e))
            })
            .transpose()
        })?;
        row.ok_or_else(|| OutboxError::NotFound(id.to_string()))
    }

    /// Moves a dead letter back to the pending calls, due now, with its attempts reset, under
    /// the same id. With [`ReplayKey::Fresh`] it gets a new idempotency key (in its headers too).
    pub async fn replay(&self, id: &CallId, key: ReplayKey) -> Result<(), OutboxError> {
        let (mut raw, _) = self.dead_row(id).await?;
        if key == ReplayKey::Fresh {
            if let Some(old) = raw.idempotency_key.take() {
                let fresh = uuid::Uuid::new_v4().to_string();
                let mut headers = headers_from_json(&raw.headers)
                    .map_err(|message| OutboxError::CorruptRow { id: id.to_string(), message })?;
                for value in headers.values_mut() {
                    if value.as_bytes() == old.as_bytes() {
                        *value = http::HeaderValue::try_from(fresh.as_str())
                            .map_err(|e| OutboxError::Enqueue(e.to_string()))?;
                    }
                }
                raw.headers = headers_to_json(&headers).map_err(OutboxError::Enqueue)?;
                raw.idempotency_key = Some(fresh);
            }
        }
        raw.attempts = 0;
        raw.next_attempt_at = now_ms();
        let Tables { calls, dead, .. } = &*self.tables;
        let insert = format!(
            "INSERT INTO {calls} ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
        );
        let delete = format!("DELETE FROM {dead} WHERE id = $1");
        on_pool!(&self.pool, |pool| {
            let failed = || OutboxError::db("replaying a dead letter");
            let mut tx = pool.begin().await.map_err(failed())?;
            let removed = sqlx::query(&delete).bind(id.as_str()).execute(&mut *tx).await.map_err(failed())?;
            if removed.rows_affected() != 1 {
                return Err(OutboxError::NotFound(id.to_string()));
            }
            bind_raw(sqlx::query(&insert), &raw).execute(&mut *tx).await.map_err(failed())?;
            tx.commit().await.map_err(failed())
        })?;
        tracing::info!(target: "gusset_outbox", id = %id, fresh_key = key == ReplayKey::Fresh, "dead letter replayed");
        Ok(())
    }

    /// Deletes one dead letter for good.
    pub async fn purge(&self, id: &CallId) -> Result<(), OutboxError> {
        let sql = format!("DELETE FROM {} WHERE id = $1", self.tables.dead);
        let n = on_pool!(&self.pool, |pool| sqlx::query(&sql)
            .bind(id.as_str())
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))
        .map_err(OutboxError::db("purging a dead letter"))?;
        if n == 0 {
            return Err(OutboxError::NotFound(id.to_string()));
        }
        Ok(())
    }

    /// Deletes every dead letter; returns how many.
    pub async fn purge_dead_letters(&self) -> Result<u64, OutboxError> {
        let sql = format!("DELETE FROM {}", self.tables.dead);
        on_pool!(&self.pool, |pool| sqlx::query(&sql).execute(pool).await.map(|r| r.rows_affected()))
            .map_err(OutboxError::db("purging dead letters"))
    }

    /// Deletes delivered calls delivered more than `age` ago; returns how many.
    pub async fn purge_delivered(&self, age: Duration) -> Result<u64, OutboxError> {
        let before = to_ms(SystemTime::now().checked_sub(age).unwrap_or(SystemTime::UNIX_EPOCH));
        let sql = format!("DELETE FROM {} WHERE delivered_at IS NOT NULL AND delivered_at < $1", self.tables.calls);
        on_pool!(&self.pool, |pool| sqlx::query(&sql).bind(before).execute(pool).await.map(|r| r.rows_affected()))
            .map_err(OutboxError::db("purging delivered calls"))
    }
}
