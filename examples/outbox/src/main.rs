//! Gusset's transactional outbox end to end, narrated: an order and its payment call are
//! written in one SQLite transaction, a worker crashes mid-call, another delivers the call with
//! the same idempotency key, and a refused payment goes to the dead letters and is replayed.
//!
//! ```text
//! cargo run -p outbox-demo
//! ```
//!
//! The client is the crate `cargo gusset generate` wrote for the orders document
//! (`examples/generated-crate`); the payments server is a small axum app in [`server`] that
//! keeps replies by `Idempotency-Key`. The database is a SQLite file in a temporary directory,
//! removed at the end. Each step checks what it claims; the process exits 1 if one does not hold.

use std::future::Future;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use gusset_outbox::{CallState, Delivered, Enqueue as _, Outbox, ReplayKey, Worker};
use orders_client::{Client, NewPayment, NewPaymentMethod, Payment};

mod server;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => {
            println!("\nDone: every call took effect once, none was lost. Every claim checked.");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("demo failed: {error}");
            ExitCode::FAILURE
        }
    }
}

type Failure = Box<dyn std::error::Error + Send + Sync>;

/// Fails the demo with `message` unless `claim` holds.
fn check(claim: bool, message: impl Into<String>) -> Result<(), Failure> {
    if claim { Ok(()) } else { Err(message.into().into()) }
}

/// Removes the demo's directory however the demo ends.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn payment(order: &str) -> NewPayment {
    NewPayment { order_id: order.to_owned(), method: NewPaymentMethod::Card, amount: None }
}

/// Polls `done` every 20 ms until it holds or `limit` passed.
async fn until<F, Fut>(limit: Duration, mut done: F) -> bool
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

async fn delivered(outbox: &Outbox, id: &gusset_outbox::CallId) -> bool {
    matches!(outbox.call(id).await.map(|r| r.state), Ok(CallState::Delivered { .. }))
}

async fn run() -> Result<(), Failure> {
    let server = server::Server::default();
    let addr = server.start().await?;
    let client = Client::builder(format!("http://{addr}"))
        .bearer_auth("sk_demo_secret")
        .retry(gusset::RetryPolicy::default().max_attempts(5).base_delay(Duration::from_millis(50)))
        .build()?;
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.subsec_nanos();
    let dir = TempDir(std::env::temp_dir().join(format!("outbox-demo-{}-{nanos}", std::process::id())));
    std::fs::create_dir_all(&dir.0)?;
    let outbox = Outbox::open_sqlite(dir.0.join("shop.db")).await?;
    outbox.migrate().await?;
    let pool = outbox.sqlite_pool().ok_or("the outbox is not on SQLite")?.clone();
    sqlx::query("CREATE TABLE orders (id TEXT PRIMARY KEY, paid_by TEXT)").execute(&pool).await?;
    println!("payments server on http://{addr}; shop database {}", dir.0.join("shop.db").display());

    println!("\n1. An order and its payment call are written in one transaction");
    let mut tx = pool.begin().await?;
    sqlx::query("INSERT INTO orders (id) VALUES ('o-1')").execute(&mut *tx).await?;
    let paid = client.create_payment(&payment("o-1")).enqueue(&outbox, &mut *tx).await?;
    tx.commit().await?;
    let mut tx = pool.begin().await?;
    sqlx::query("INSERT INTO orders (id) VALUES ('o-2')").execute(&mut *tx).await?;
    client.create_payment(&payment("o-2")).enqueue(&outbox, &mut *tx).await?;
    tx.rollback().await?;
    let orders: Vec<String> = sqlx::query_scalar("SELECT id FROM orders").fetch_all(&pool).await?;
    let stored: Vec<String> = sqlx::query_scalar("SELECT headers FROM gusset_outbox_calls").fetch_all(&pool).await?;
    let depth = outbox.stats().await?.depth;
    println!(
        "   o-1 committed with its call {paid}; o-2 rolled back with its call: orders {orders:?}, {depth} call waiting"
    );
    check(orders == ["o-1"] && depth == 1, "the rolled-back call was stored, or the committed one was not")?;
    check(!stored.concat().contains("sk_demo_secret"), "the bearer token was stored")?;
    println!("   the stored call holds no credential: the worker's client adds the token at delivery");

    println!("\n2. Worker A sends it; the server charges, and A crashes before the reply comes");
    server.ledger().slow_next = Some(Duration::from_millis(1500));
    let lease = Duration::from_secs(1);
    let a = Worker::new(outbox.clone(), client.runtime().clone()).id("worker-a").lease(lease);
    let a = tokio::spawn(a.poll_interval(Duration::from_millis(50)).run(std::future::pending()));
    check(until(Duration::from_secs(5), || async { server.ledger().requests.len() == 1 }).await, "A sent nothing")?;
    a.abort(); // as if the process died: nothing recorded, the lease left to run out
    let _ = a.await;
    let record = outbox.call(&paid).await?;
    let charged = server.ledger().charges.len();
    println!(
        "   the server charged {charged} time(s); the outbox still has the call pending (attempt {}), leased to A",
        record.summary.attempts
    );
    check(
        charged == 1 && matches!(record.state, CallState::Pending { .. }),
        "the call is not pending after the crash",
    )?;

    println!("\n3. Worker B takes it when A's lease runs out, with the same idempotency key");
    let handler_pool = pool.clone();
    let b = Worker::new(outbox.clone(), client.runtime().clone())
        .id("worker-b")
        .lease(lease)
        .poll_interval(Duration::from_millis(50))
        .on_delivered("createPayment", move |done: Delivered<Payment>| {
            let pool = handler_pool.clone();
            async move {
                sqlx::query("UPDATE orders SET paid_by = $1 WHERE id = $2")
                    .bind(done.body.id.to_string())
                    .bind(&done.body.order_id)
                    .execute(&pool)
                    .await?;
                println!(
                    "   completion handler: order {} paid by {} after {} attempt(s)",
                    done.body.order_id, done.body.id, done.attempts
                );
                Ok(())
            }
        });
    let report = b
        .run(async {
            until(Duration::from_secs(10), || delivered(&outbox, &paid)).await;
        })
        .await?;
    let (requests, charges) = {
        let ledger = server.ledger();
        (ledger.requests.clone(), ledger.charges.len())
    };
    let keys: Vec<_> = requests.iter().map(|(key, _)| key.clone().unwrap_or_default()).collect();
    println!("   {} requests with keys {keys:?}: the server answered the second from its record", requests.len());
    println!("   charges: {charges}; worker B delivered {}", report.delivered);
    check(report.delivered == 1 && charges == 1, "not delivered once")?;
    check(keys.len() == 2 && keys[0] == keys[1] && !keys[0].is_empty(), "the two attempts carried different keys")?;
    let paid_by: Option<String> =
        sqlx::query_scalar("SELECT paid_by FROM orders WHERE id = 'o-1'").fetch_one(&pool).await?;
    check(paid_by.is_some(), "the completion handler did not mark the order paid")?;

    println!("\n4. A payment the server refuses goes to the dead letters, and is replayed once fixed");
    server.ledger().refuse = Some("o-3".to_owned());
    let mut tx = pool.begin().await?;
    sqlx::query("INSERT INTO orders (id) VALUES ('o-3')").execute(&mut *tx).await?;
    let refused = client.create_payment(&payment("o-3")).enqueue(&outbox, &mut *tx).await?;
    tx.commit().await?;
    let worker = || Worker::new(outbox.clone(), client.runtime().clone()).poll_interval(Duration::from_millis(50));
    let report = worker()
        .run(async {
            until(Duration::from_secs(10), || async { outbox.stats().await.is_ok_and(|s| s.dead == 1) }).await;
        })
        .await?;
    let letters = outbox.dead_letters(10).await?;
    for letter in &letters {
        println!(
            "   dead letter {}: {} after {} attempt(s)",
            letter.summary.id,
            letter.summary.last_error.as_deref().unwrap_or("?"),
            letter.summary.attempts
        );
    }
    check(report.dead == 1 && letters.len() == 1, "the refused call is not a dead letter")?;
    server.ledger().refuse = None;
    outbox.replay(&refused, ReplayKey::Same).await?;
    let report = worker()
        .run(async {
            until(Duration::from_secs(10), || delivered(&outbox, &refused)).await;
        })
        .await?;
    println!(
        "   replayed (same key) and delivered: {} delivered, server charges now {}",
        report.delivered,
        server.ledger().charges.len()
    );
    check(report.delivered == 1 && server.ledger().charges.len() == 2, "the replay was not delivered once")?;

    let stats = outbox.stats().await?;
    println!(
        "\noutbox stats: depth {}, delivered {}, retried {}, dead {}",
        stats.depth, stats.delivered, stats.retried, stats.dead
    );
    check(stats.depth == 0 && stats.delivered == 2 && stats.dead == 0, "the outbox is not empty")?;
    pool.close().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_demo_holds_every_claim() {
        if let Err(e) = super::run().await {
            panic!("{e}");
        }
    }
}
