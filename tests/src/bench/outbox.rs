//! Durable delivery (`gusset-outbox`) on SQLite and PostgreSQL: how fast calls are enqueued
//! (one per transaction, and a hundred in one), how fast workers deliver them against a
//! loopback server at 1, 4 and 16 deliveries at once, and how much later a call takes effect
//! through the outbox than called directly.
//!
//! SQLite is a file in a temporary directory, WAL, sqlx's default `synchronous = FULL` (every
//! commit is on disk). PostgreSQL is `GUSSET_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`) under its own table prefix; it is skipped, said
//! so, when unreachable. The server is axum on its own thread, answering every payment at once.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::post;
use gusset_outbox::{Delivered, Outbox, Worker};
use gusset_tests::via_build as orders;
use tokio::sync::Notify;

use super::{Options, median, percentile, table};

const PAYMENT: &str = r#"{"id":"0b6f1c1e-8a7d-4c1e-9d6a-3f1a2b4c5d6e","order_id":"o-1","status":"succeeded","amount":{"amount":2100,"currency":"EUR"}}"#;
const PREFIX: &str = "gusset_bench_";
/// Calls per enqueue transaction in the batched figure.
const BATCH: usize = 100;
const CONCURRENCY: [usize; 3] = [1, 4, 16];

pub(super) fn run(options: &Options) -> Result<(), String> {
    let addr = start_server()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let calls = options.calls;
    let latency_calls = (calls / 4).max(50);
    let rows = runtime.block_on(async {
        let client = client(addr)?;
        let mut rows = Vec::new();
        let dir = tempfile_dir()?;
        let sqlite = Outbox::open_sqlite(dir.join("bench.db")).await.map_err(|e| e.to_string())?;
        rows.extend(measure("SQLite", &sqlite, &client, calls, latency_calls).await?);
        let url = std::env::var("GUSSET_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        match Outbox::connect(&url).await {
            Ok(pg) => {
                let pg = pg.table_prefix(PREFIX).map_err(|e| e.to_string())?;
                rows.extend(measure("PostgreSQL", &pg, &client, calls, latency_calls).await?);
                drop_tables(&pg).await?;
            }
            Err(e) => println!("PostgreSQL skipped: {e}"),
        }
        let _ = std::fs::remove_dir_all(&dir);
        Ok::<_, String>(rows)
    })?;
    println!(
        "outbox: {calls} calls per throughput figure, {latency_calls} sequential calls for latency; \
         server on its own thread; {} build",
        if cfg!(debug_assertions) { "debug (dev profile, dependencies at opt-level 1)" } else { "release" }
    );
    print!("{}", table(&["database", "what", "result"], &rows));
    Ok(())
}

/// Every figure on one database.
async fn measure(
    name: &str,
    outbox: &Outbox,
    client: &orders::Client,
    calls: usize,
    latency_calls: usize,
) -> Result<Vec<Vec<String>>, String> {
    let failed = |e: gusset_outbox::OutboxError| e.to_string();
    drop_tables(outbox).await?;
    outbox.migrate().await.map_err(failed)?;
    let mut rows = Vec::new();
    let row = |what: String, result: String| vec![name.to_owned(), what, result];
    let payment = |i: usize| orders::NewPayment {
        order_id: format!("o-{i}"),
        method: orders::NewPaymentMethod::Card,
        amount: None,
    };

    // Enqueue, one call per statement (each its own transaction, committed at once).
    let mut each = Vec::with_capacity(calls);
    let start = Instant::now();
    for i in 0..calls {
        let one = Instant::now();
        outbox.enqueue(client.create_payment(&payment(i))).await.map_err(failed)?;
        each.push(one.elapsed());
    }
    let took = start.elapsed();
    rows.push(row(
        "enqueue, one call per transaction".into(),
        format!(
            "{} calls/s (median {}, p90 {})",
            rate(calls, took),
            micros(median(&each)),
            micros(percentile(&each, 90))
        ),
    ));
    deliver(outbox, client, calls, 16).await?;

    // Enqueue, a hundred calls in one transaction of the caller's.
    let start = Instant::now();
    let mut done = 0;
    while done < calls {
        let n = BATCH.min(calls - done);
        enqueue_batch(outbox, client, done, n).await?;
        done += n;
    }
    let took = start.elapsed();
    rows.push(row(format!("enqueue, {BATCH} calls per transaction"), format!("{} calls/s", rate(calls, took))));
    deliver(outbox, client, calls, 16).await?;

    // Delivery throughput: the calls are waiting, the worker starts, the clock stops at the last.
    for concurrency in CONCURRENCY {
        let mut done = 0;
        while done < calls {
            let n = BATCH.min(calls - done);
            enqueue_batch(outbox, client, done, n).await?;
            done += n;
        }
        let took = deliver(outbox, client, calls, concurrency).await?;
        rows.push(row(format!("deliver, concurrency {concurrency}"), format!("{} calls/s", rate(calls, took))));
    }

    // Latency: the direct call, then enqueue-to-effect through an idle worker polling every ms.
    let mut direct = Vec::with_capacity(latency_calls);
    for i in 0..latency_calls {
        let one = Instant::now();
        client.create_payment(&payment(i)).await.map_err(|e| e.to_string())?;
        direct.push(one.elapsed());
    }
    let delivered = Arc::new((AtomicUsize::new(0), Notify::new()));
    let seen = Arc::clone(&delivered);
    let worker = Worker::new(outbox.clone(), client.runtime().clone())
        .concurrency(1)
        .poll_interval(Duration::from_millis(1))
        .on_delivered("createPayment", move |_: Delivered<serde_json::Value>| {
            let seen = Arc::clone(&seen);
            async move {
                seen.0.fetch_add(1, Ordering::SeqCst);
                seen.1.notify_one();
                Ok(())
            }
        });
    let stop = Arc::new(Notify::new());
    let stopped = Arc::clone(&stop);
    let running = tokio::spawn(worker.run(async move { stopped.notified().await }));
    let mut through = Vec::with_capacity(latency_calls);
    for i in 0..latency_calls {
        let before = delivered.0.load(Ordering::SeqCst);
        let one = Instant::now();
        outbox.enqueue(client.create_payment(&payment(i))).await.map_err(failed)?;
        while delivered.0.load(Ordering::SeqCst) == before {
            tokio::time::timeout(Duration::from_secs(10), delivered.1.notified())
                .await
                .map_err(|_| "a call was not delivered within 10 s".to_owned())?;
        }
        through.push(one.elapsed());
    }
    stop.notify_one();
    running.await.map_err(|e| e.to_string())?.map_err(failed)?;
    let added = median(&through).saturating_sub(median(&direct));
    rows.push(row(
        "direct call, median (p90)".into(),
        format!("{} ({})", micros(median(&direct)), micros(percentile(&direct, 90))),
    ));
    rows.push(row(
        "enqueue to delivered, poll 1 ms, median (p90)".into(),
        format!(
            "{} ({}): +{} over the direct call",
            micros(median(&through)),
            micros(percentile(&through, 90)),
            micros(added)
        ),
    ));
    Ok(rows)
}

/// `n` calls and nothing else in one transaction of the outbox's own pool.
async fn enqueue_batch(outbox: &Outbox, client: &orders::Client, from: usize, n: usize) -> Result<(), String> {
    use gusset_outbox::Enqueue as _;
    let payment = |i: usize| orders::NewPayment {
        order_id: format!("o-batch-{i}"),
        method: orders::NewPaymentMethod::Card,
        amount: None,
    };
    let failed = |e: sqlx::Error| e.to_string();
    if let Some(pool) = outbox.sqlite_pool() {
        let mut tx = pool.begin().await.map_err(failed)?;
        for i in from..from + n {
            client.create_payment(&payment(i)).enqueue(outbox, &mut *tx).await.map_err(|e| e.to_string())?;
        }
        return tx.commit().await.map_err(failed);
    }
    let pool = outbox.postgres_pool().ok_or("an outbox on neither database")?;
    let mut tx = pool.begin().await.map_err(failed)?;
    for i in from..from + n {
        client.create_payment(&payment(i)).enqueue(outbox, &mut *tx).await.map_err(|e| e.to_string())?;
    }
    tx.commit().await.map_err(failed)
}

/// Runs a worker until `calls` deliveries happened; returns how long that took. The delivered
/// rows are purged afterwards so every figure starts from the same table size.
async fn deliver(
    outbox: &Outbox,
    client: &orders::Client,
    calls: usize,
    concurrency: usize,
) -> Result<Duration, String> {
    let delivered = Arc::new((AtomicUsize::new(0), Notify::new()));
    let seen = Arc::clone(&delivered);
    let worker = Worker::new(outbox.clone(), client.runtime().clone())
        .concurrency(concurrency)
        .poll_interval(Duration::from_millis(5))
        .on_delivered("createPayment", move |_: Delivered<serde_json::Value>| {
            let seen = Arc::clone(&seen);
            async move {
                if seen.0.fetch_add(1, Ordering::SeqCst) + 1 >= calls {
                    seen.1.notify_one();
                }
                Ok(())
            }
        });
    let start = Instant::now();
    let done = Arc::clone(&delivered);
    let report = worker
        .run(async move {
            while done.0.load(Ordering::SeqCst) < calls {
                done.1.notified().await;
            }
        })
        .await
        .map_err(|e| e.to_string())?;
    let took = start.elapsed();
    if report.delivered < calls as u64 {
        return Err(format!("only {} of {calls} calls delivered: {report:?}", report.delivered));
    }
    outbox.purge_delivered(Duration::ZERO).await.map_err(|e| e.to_string())?;
    Ok(took)
}

async fn drop_tables(outbox: &Outbox) -> Result<(), String> {
    if let Some(pool) = outbox.postgres_pool() {
        for table in ["calls", "dead", "schema"] {
            sqlx::query(&format!("DROP TABLE IF EXISTS {PREFIX}{table}"))
                .execute(pool)
                .await
                .map_err(|e| format!("cannot drop the bench tables: {e}"))?;
        }
    }
    Ok(())
}

fn client(addr: SocketAddr) -> Result<orders::Client, String> {
    orders::Client::builder(format!("http://{addr}"))
        .bearer_auth("bench-token")
        .build()
        .map_err(|e| format!("cannot build the client: {e}"))
}

/// A fresh directory under the system's temporary directory.
fn tempfile_dir() -> Result<std::path::PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("gusset-bench-outbox-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    Ok(dir)
}

fn rate(calls: usize, took: Duration) -> String {
    let per_second = calls as f64 / took.as_secs_f64().max(1e-9);
    if per_second >= 100.0 { format!("{per_second:.0}") } else { format!("{per_second:.1}") }
}

fn micros(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us >= 1000.0 { format!("{:.2} ms", us / 1000.0) } else { format!("{us:.0} µs") }
}

/// Starts the payments server on its own thread and runtime; it lives until the process ends.
fn start_server() -> Result<SocketAddr, String> {
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let serve = async {
            let listener =
                tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| format!("cannot listen: {e}"))?;
            let addr = listener.local_addr().map_err(|e| format!("no local address: {e}"))?;
            let _ = send.send(Ok(addr));
            let app = Router::new().route("/payments", post(charged));
            axum::serve(listener, app).await.map_err(|e| format!("the server stopped: {e}"))
        };
        let result = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the server runtime: {e}"))
            .and_then(|runtime| runtime.block_on(serve));
        if let Err(e) = result {
            let _ = send.send(Err(e));
        }
    });
    receive.recv().map_err(|_| "the server thread ended without an answer".to_owned())?
}

async fn charged(_body: axum::body::Bytes) -> impl IntoResponse {
    (StatusCode::CREATED, [(header::CONTENT_TYPE, "application/json")], PAYMENT)
}
