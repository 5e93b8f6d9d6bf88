//! What the outbox tests share: real databases (a SQLite file in a temp dir; PostgreSQL from
//! `GUSSET_TEST_POSTGRES_URL`, each test under its own table prefix), the project's fault server
//! and the Orders client generated from its fixture.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::future::Future;
use std::time::{Duration, Instant};

use gusset_outbox::{CallId, Outbox, Worker, WorkerReport};
use gusset_tests::fault::FaultServer;
use gusset_tests::via_build::{Client, NewPayment, NewPaymentMethod};

pub const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A database for one test; dropping it removes the SQLite file (a PostgreSQL test's tables are
/// dropped when the same test starts next).
pub struct Db {
    pub outbox: Outbox,
    /// The outbox's table prefix; the test's own `orders` table has it too.
    pub prefix: String,
    _dir: Option<tempfile::TempDir>,
    pub path: Option<std::path::PathBuf>,
}

pub async fn sqlite(_name: &str) -> Db {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("outbox.db");
    let outbox = Outbox::open_sqlite(&path).await.unwrap();
    outbox.migrate().await.unwrap();
    let prefix = "gusset_outbox_".to_owned();
    let pool = outbox.sqlite_pool().unwrap();
    sqlx::query(&format!("CREATE TABLE {prefix}orders (id TEXT NOT NULL)")).execute(pool).await.unwrap();
    Db { outbox, prefix, _dir: Some(dir), path: Some(path) }
}

/// The PostgreSQL URL, or `None` (said loudly) when the tests are told to skip it.
pub fn postgres_url() -> Option<String> {
    match std::env::var("GUSSET_TEST_POSTGRES_URL") {
        Ok(url) if url == "skip" => {
            eprintln!("\n*** PostgreSQL outbox test SKIPPED: GUSSET_TEST_POSTGRES_URL=skip ***\n");
            None
        }
        Ok(url) => Some(url),
        Err(_) => Some(DEFAULT_POSTGRES.to_owned()),
    }
}

/// An outbox on PostgreSQL under a prefix of its own (`t<hash of name and checkout>_`), its
/// tables dropped first, so tests running at once do not meet, nor do two checkouts of the
/// project testing against one server at the same time (a second worktree, CI and a developer).
pub async fn postgres(name: &str) -> Option<Db> {
    let url = postgres_url()?;
    let outbox = Outbox::connect(&url).await.unwrap_or_else(|e| {
        panic!("PostgreSQL at {url} is unreachable (set GUSSET_TEST_POSTGRES_URL=skip to skip): {e}")
    });
    // FNV-1a: stable across runs, short enough for PostgreSQL's 63-byte names.
    let key = format!("{}\n{name}", env!("CARGO_MANIFEST_DIR"));
    let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    let prefix = format!("t{hash:016x}_");
    let pool = outbox.postgres_pool().unwrap().clone();
    for table in ["calls", "dead", "schema", "orders"] {
        sqlx::query(&format!("DROP TABLE IF EXISTS {prefix}{table}")).execute(&pool).await.unwrap();
    }
    let outbox = outbox.table_prefix(&prefix).unwrap();
    outbox.migrate().await.unwrap();
    sqlx::query(&format!("CREATE TABLE {prefix}orders (id TEXT NOT NULL)")).execute(&pool).await.unwrap();
    Some(Db { outbox, prefix, _dir: None, path: None })
}

/// The Orders client against `server`, with a bearer token and a quick retry policy.
pub fn client(server: &FaultServer) -> Client {
    Client::builder(server.base_url())
        .bearer_auth("secret-token")
        .retry(
            gusset::RetryPolicy::default()
                .max_attempts(4)
                .base_delay(Duration::from_millis(20))
                .max_delay(Duration::from_millis(100)),
        )
        .build()
        .unwrap()
}

pub fn payment(order: &str) -> NewPayment {
    NewPayment { order_id: order.to_owned(), method: NewPaymentMethod::Card, amount: None }
}

/// A worker with test-sized timings.
pub fn worker(outbox: &Outbox, client: &Client) -> Worker {
    Worker::new(outbox.clone(), client.runtime().clone())
        .poll_interval(Duration::from_millis(20))
        .lease(Duration::from_secs(5))
}

/// Waits (up to `limit`) until `done` holds, polling.
pub async fn until<F, Fut>(limit: Duration, mut done: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < limit {
        if done().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

/// Runs `worker` until the outbox has nothing pending (or 20 s passed), then shuts it down.
pub async fn drain(worker: Worker, outbox: &Outbox) -> WorkerReport {
    let watched = outbox.clone();
    let empty = async move {
        until(Duration::from_secs(20), || async { watched.stats().await.unwrap().depth == 0 }).await;
    };
    worker.run(empty).await.unwrap()
}

/// Writes an order and enqueues `call` in one transaction of the test's database, then commits
/// or rolls back.
pub async fn order_and_enqueue<T, E>(db: &Db, order: &str, call: gusset::Call<'_, T, E>, commit: bool) -> CallId {
    use gusset_outbox::Enqueue as _;
    let insert = format!("INSERT INTO {}orders (id) VALUES ($1)", db.prefix);
    if let Some(pool) = db.outbox.sqlite_pool() {
        let mut tx = pool.begin().await.unwrap();
        sqlx::query(&insert).bind(order).execute(&mut *tx).await.unwrap();
        let id = call.enqueue(&db.outbox, &mut *tx).await.unwrap();
        if commit {
            tx.commit().await.unwrap()
        } else {
            tx.rollback().await.unwrap()
        }
        return id;
    }
    let pool = db.outbox.postgres_pool().unwrap();
    let mut tx = pool.begin().await.unwrap();
    sqlx::query(&insert).bind(order).execute(&mut *tx).await.unwrap();
    let id = call.enqueue(&db.outbox, &mut *tx).await.unwrap();
    if commit {
        tx.commit().await.unwrap()
    } else {
        tx.rollback().await.unwrap()
    }
    id
}

/// Runs one statement returning text in the first column, on either database.
pub async fn texts(db: &Db, sql: &str) -> Vec<String> {
    use sqlx::Row as _;
    if let Some(pool) = db.outbox.sqlite_pool() {
        let rows = sqlx::query(sql).fetch_all(pool).await.unwrap();
        return rows.iter().map(|r| r.try_get::<String, _>(0).unwrap()).collect();
    }
    let rows = sqlx::query(sql).fetch_all(db.outbox.postgres_pool().unwrap()).await.unwrap();
    rows.iter().map(|r| r.try_get::<String, _>(0).unwrap()).collect()
}

/// Runs one statement, on either database.
pub async fn execute(db: &Db, sql: &str) {
    if let Some(pool) = db.outbox.sqlite_pool() {
        sqlx::query(sql).execute(pool).await.unwrap();
        return;
    }
    sqlx::query(sql).execute(db.outbox.postgres_pool().unwrap()).await.unwrap();
}

/// Generates a `sqlite` and a `postgres` test running `$case(db)`.
#[macro_export]
macro_rules! on_both {
    ($case:ident) => {
        mod $case {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$case(super::support::sqlite(stringify!($case)).await).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(db) = super::support::postgres(stringify!($case)).await {
                    super::$case(db).await
                }
            }
        }
    };
}
