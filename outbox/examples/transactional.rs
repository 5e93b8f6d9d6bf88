//! The transactional outbox end to end: an order and its payment call are written in one SQLite
//! transaction, a worker delivers the call (through a lost reply, with the same idempotency key)
//! and its completion handler marks the order paid.
//!
//! Run with `cargo run -p gusset-outbox --example transactional`. The Orders client is generated
//! from the project's fixture and the server is the project's fault-injecting test server; in
//! your code they are your generated client and your API.

use std::time::Duration;

use gusset_outbox::{Delivered, Enqueue as _, Outbox, Worker};
use gusset_tests::fault::{Fault, FaultServer, Route};
use gusset_tests::via_build::{Client, NewPayment, NewPaymentMethod};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = FaultServer::start().await?;
    // The server charges, then the connection drops: the client never sees the reply.
    server.push_for(Route::CreatePayment, Fault::DropAfterHandler);
    let client = Client::builder(server.base_url())
        .bearer_auth("sk-demo")
        .retry(gusset::RetryPolicy::default().base_delay(Duration::from_millis(50)))
        .build()?;

    let dir = std::env::temp_dir().join(format!("gusset-outbox-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let outbox = Outbox::open_sqlite(dir.join("shop.db")).await?;
    outbox.migrate().await?;
    let pool = outbox.sqlite_pool().ok_or("not SQLite")?.clone();
    sqlx::query("CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY, paid_by TEXT)").execute(&pool).await?;

    // The order and its payment call commit together...
    let mut tx = pool.begin().await?;
    sqlx::query("INSERT INTO orders (id) VALUES ('o-1')").execute(&mut *tx).await?;
    let payment = NewPayment { order_id: "o-1".into(), method: NewPaymentMethod::Card, amount: None };
    let id = client.create_payment(&payment).enqueue(&outbox, &mut *tx).await?;
    tx.commit().await?;
    // ...or not at all.
    let mut tx = pool.begin().await?;
    sqlx::query("INSERT INTO orders (id) VALUES ('o-2')").execute(&mut *tx).await?;
    let payment = NewPayment { order_id: "o-2".into(), method: NewPaymentMethod::Card, amount: None };
    client.create_payment(&payment).enqueue(&outbox, &mut *tx).await?;
    tx.rollback().await?;
    println!("enqueued {id}; {} call(s) waiting", outbox.stats().await?.depth);

    let handler_pool = pool.clone();
    let worker = Worker::new(outbox.clone(), client.runtime().clone())
        .poll_interval(Duration::from_millis(50))
        .on_delivered("createPayment", move |done: Delivered<serde_json::Value>| {
            let pool = handler_pool.clone();
            async move {
                let order = done.body["order_id"].as_str().unwrap_or_default().to_owned();
                let payment = done.body["id"].as_str().unwrap_or_default().to_owned();
                sqlx::query("UPDATE orders SET paid_by = $1 WHERE id = $2")
                    .bind(&payment)
                    .bind(&order)
                    .execute(&pool)
                    .await?;
                println!("order {order} paid by {payment} after {} attempt(s)", done.attempts);
                Ok(())
            }
        });
    let watched = outbox.clone();
    let report = worker
        .run(async move {
            while watched.stats().await.map(|s| s.depth).unwrap_or(0) > 0 {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
        .await?;
    let stats = outbox.stats().await?;
    println!(
        "worker: {} delivered, {} retried; outbox: depth {}, delivered {}, dead {}",
        report.delivered, report.retried, stats.depth, stats.delivered, stats.dead
    );
    println!("the server charged {} time(s)", server.effects());
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
