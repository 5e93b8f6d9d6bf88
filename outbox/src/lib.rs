//! Durable delivery of Gusset's generated calls: a transactional outbox in your own database.
//!
//! A service that writes an order and then charges a payment API has a dual write: the commit
//! can succeed and the call be lost (a crash, a deploy), or the call succeed and the commit roll
//! back. With an outbox the call is stored in the same transaction as the order, and a
//! [`Worker`] delivers it afterwards, in this process or another, with the call's idempotency
//! key on every attempt so the server acts once however often it is sent.
//!
//! ```ignore
//! // Compiled and run as `cargo run -p gusset-outbox --example transactional`.
//! # mod orders { pub struct Client; impl Client { pub fn create_payment(&self, _: &()) -> gusset::Call<'_, (), ()> { unimplemented!() } pub fn runtime(&self) -> &gusset::Client { unimplemented!() } } }
//! # async fn demo(client: orders::Client, payment: ()) -> Result<(), Box<dyn std::error::Error>> {
//! use gusset_outbox::{Enqueue as _, Outbox, Worker};
//!
//! let outbox = Outbox::open_sqlite("app.db").await?;             // or Outbox::postgres(pool)
//! outbox.migrate().await?;
//! let pool = outbox.sqlite_pool().ok_or("not SQLite")?;           // your own pool works too
//!
//! let mut tx = pool.begin().await?;
//! sqlx::query("INSERT INTO orders (id) VALUES ('o-1')").execute(&mut *tx).await?;
//! let id = client.create_payment(&payment).enqueue(&outbox, &mut *tx).await?; // same transaction
//! tx.commit().await?;
//!
//! // elsewhere, in one or many processes (PostgreSQL: on many machines):
//! Worker::new(outbox, client.runtime().clone()).concurrency(8).run(async {
//!     let _ = tokio::signal::ctrl_c().await;
//! }).await?;
//! # Ok(()) }
//! ```
//!
//! # What is stored, and what is not
//!
//! One row per call in `gusset_outbox_calls`: operation id, method, path template, the
//! operation's security requirement (scheme *names*), URL, headers, body, idempotency key,
//! correlation id, attempts so far, next attempt time, created time, and once delivered its
//! status, response headers (without `Set-Cookie`) and, when asked
//! ([`Outbox::keep_response_bodies`]), its body. **No credential is stored**: `Authorization`
//! and API keys are added at each attempt by the delivering client, from its own auth. A secret
//! header set on the call itself is refused at enqueue rather than stored.
//!
//! # Delivery
//!
//! A worker claims due calls with a lease (renewed while the call is in flight, so a slow
//! attempt is not taken by another worker; see [`Worker::lease`]), sends one attempt each through
//! [`gusset::Client::send_stored`] (the client's whole path: auth, default headers,
//! `traceparent`, interceptors, breaker) with `Gusset-Attempt` numbered across the call's whole
//! life, and applies the client's [`gusset::RetryPolicy`]: a retryable failure is due again
//! after the backoff or the server's `Retry-After`, persisted in `next_attempt_at`; a status the
//! policy does not retry, its last attempt, or an age above [`Worker::max_age`] moves the call
//! to `gusset_outbox_dead` with its last error. Dead letters are listed, inspected, replayed
//! (same key, or a fresh one) and purged with [`Outbox`] methods or the `gusset-outbox` command.
//!
//! Exactly once is what the server sees: a worker killed after the server acted but before it
//! recorded the outcome leaves a lease that runs out, and the next worker sends the call again
//! with the same key. A call without an idempotency key (a POST on a client with keys disabled)
//! is sent again only when it cannot have reached the server: one whose worker stopped or lost
//! its lease mid-attempt is moved to the dead letters as *in doubt* instead, to be replayed by
//! hand if it did not take effect.
//!
//! Leases are compared with each worker's own clock. A clock that jumps ahead reads live leases
//! as run out, so a call in flight elsewhere is sent again (with its key; a keyless one is
//! dead-lettered as in doubt); one that jumps back only delays calls. Neither loses one.
//!
//! # Databases
//!
//! * **SQLite**, the embedded default: one file in WAL mode ([`Outbox::open_sqlite`]). Workers
//!   in one process; SQLite's single writer makes each claim atomic.
//! * **PostgreSQL**, for many workers on many machines: claims take rows `FOR UPDATE SKIP
//!   LOCKED`, so concurrent workers never wait for or take each other's calls, and a crashed
//!   worker's calls are claimed again when their lease expires.
//!
//! Tables are created by [`Outbox::migrate`] (versioned, recorded in `gusset_outbox_schema`);
//! [`Outbox::schema_statements`] gives the SQL for your own migration tool. Several outboxes can
//! share a database with [`Outbox::table_prefix`]. TLS to PostgreSQL: enable one of sqlx's TLS
//! features in your own `Cargo.toml` (features add up); this crate enables none.
//!
//! # Why not a queue library
//!
//! The well-kept Rust job queues were considered. `apalis` (with `apalis-sql`) pushes jobs
//! through its own storage handle, not a transaction the caller already holds, and stores a
//! serialised job rather than an HTTP request; `sqlxmq` and `graphile_worker` enqueue inside a
//! caller's transaction but are PostgreSQL-only, and `pgmq` needs a PostgreSQL extension. None
//! takes the enqueue in the caller's SQLite *and* PostgreSQL transactions, and none knows HTTP
//! retry semantics (`Retry-After`, which statuses are permanent), which must come from the
//! client's own policy. The queue here is two tables and a handful of statements, written once
//! for both databases with sqlx's query API (no compile-time macros, no `DATABASE_URL` at build
//! time).
//!
//! # Observability
//!
//! [`Outbox::stats`] reads depth, the age of the oldest due call, and delivered, retried and dead
//! counts, per operation, from the tables (so across workers and restarts). Every enqueue,
//! delivery, retry and dead letter is a `tracing` event under the `gusset_outbox` target with the
//! call id, operation and attempt.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod dead;
mod error;
mod outbox;
mod record;
mod schema;
mod stats;
mod worker;

use std::future::Future;
use std::pin::Pin;

pub use error::OutboxError;
#[doc(hidden)]
pub use outbox::AnyConnection;
pub use outbox::{Connection, Outbox, ReplayKey};
pub use record::{CallId, CallRecord, CallState, DeadLetter, Summary};
pub use schema::{Backend, SCHEMA_VERSION};
pub use stats::{OperationStats, Stats};
pub use worker::{Delivered, HandlerError, Worker, WorkerReport};

/// `call.enqueue(&outbox, &mut *tx)`: stores a generated call through your transaction, so it is
/// delivered if and only if the transaction commits. The same as [`Outbox::enqueue_in`].
pub trait Enqueue {
    /// Stores the call through `connection`.
    fn enqueue<'a, C: Connection>(
        self,
        outbox: &'a Outbox,
        connection: &'a mut C,
    ) -> Pin<Box<dyn Future<Output = Result<CallId, OutboxError>> + Send + 'a>>;
}

impl<T, E> Enqueue for gusset::Call<'_, T, E> {
    fn enqueue<'a, C: Connection>(
        self,
        outbox: &'a Outbox,
        connection: &'a mut C,
    ) -> Pin<Box<dyn Future<Output = Result<CallId, OutboxError>> + Send + 'a>> {
        // Prepared now, so the future holds only owned data and the two borrows.
        let row = outbox.row_of(self);
        Box::pin(async move { outbox.insert_in(connection, row?).await })
    }
}
