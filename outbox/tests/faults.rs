//! The outbox when things around it go wrong: a database that cannot be reached or refuses
//! writes, a worker whose attempt's outcome was never recorded, a clock that jumps. Each gets a
//! typed error or a safe outcome: nothing lost, nothing sent twice without its key.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::str::FromStr as _;
use std::time::Duration;

use gusset_outbox::{CallState, Outbox, OutboxError, Worker};
use gusset_tests::fault::{EffectKind, Fault, FaultServer, Route};
use gusset_tests::via_build::Client;
use support::{Db, client, drain, payment, until, worker};

/// A client that sends no idempotency keys: its POSTs must never be sent twice.
fn keyless(server: &FaultServer) -> Client {
    Client::builder(server.base_url()).bearer_auth("secret-token").idempotency(false).build().unwrap()
}

#[tokio::test]
async fn an_unreachable_database_is_a_typed_error() {
    let refused = Outbox::connect("postgres://postgres@127.0.0.1:1/test").await;
    assert!(matches!(&refused, Err(OutboxError::Database { doing: "connecting to PostgreSQL", .. })), "{refused:?}");
    let missing = Outbox::open_sqlite("/nonexistent-directory/outbox.db").await;
    assert!(matches!(&missing, Err(OutboxError::Database { .. })), "{missing:?}");

    // A pool that connects lazily: the database goes away after the outbox was made.
    let pool = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(Duration::from_millis(300))
        .connect_lazy("postgres://postgres@127.0.0.1:1/test")
        .unwrap();
    let outbox = Outbox::postgres(pool);
    let server = FaultServer::start().await.unwrap();
    let client = client(&server);
    let enqueued = outbox.enqueue(client.create_payment(&payment("o-gone"))).await;
    assert!(matches!(&enqueued, Err(OutboxError::Database { doing: "storing the call", .. })), "{enqueued:?}");
    assert!(matches!(outbox.stats().await, Err(OutboxError::Database { .. })));
    let run = Worker::new(outbox, client.runtime().clone()).run(async {}).await;
    assert!(matches!(&run, Err(OutboxError::Database { .. })), "{run:?}");
    assert_eq!(server.requests(), 0);
}

/// The same outbox through a connection that may only read.
async fn read_only(db: &Db) -> Outbox {
    if let Some(path) = &db.path {
        let options = sqlx::sqlite::SqliteConnectOptions::new().filename(path).read_only(true);
        return Outbox::sqlite(sqlx::SqlitePool::connect_with(options).await.unwrap());
    }
    let url = support::postgres_url().unwrap();
    let options =
        sqlx::postgres::PgConnectOptions::from_str(&url).unwrap().options([("default_transaction_read_only", "on")]);
    let pool = sqlx::PgPool::connect_with(options).await.unwrap();
    Outbox::postgres(pool).table_prefix(&db.prefix).unwrap()
}

async fn a_read_only_database_refuses_writes_and_loses_nothing(db: Db) {
    let server = FaultServer::start().await.unwrap();
    let client = client(&server);
    let id = db.outbox.enqueue(client.create_payment(&payment("o-ro"))).await.unwrap();
    let ro = read_only(&db).await;
    let refused = ro.enqueue(client.create_payment(&payment("o-ro-2"))).await;
    assert!(matches!(&refused, Err(OutboxError::Database { doing: "storing the call", .. })), "{refused:?}");
    assert_eq!(ro.stats().await.unwrap().depth, 1, "reading still works");

    // A worker on it cannot claim: it keeps trying (and logging) without sending anything.
    let report = worker(&ro, &client).run(tokio::time::sleep(Duration::from_millis(400))).await.unwrap();
    assert_eq!((report.delivered, report.retried, report.dead), (0, 0, 0));
    assert_eq!(server.requests(), 0);
    let record = db.outbox.call(&id).await.unwrap();
    assert_eq!(record.summary.attempts, 0, "no attempt was counted");

    let report = drain(worker(&db.outbox, &client), &db.outbox).await;
    assert_eq!(report.delivered, 1);
    assert_eq!(server.effects(), 1);
}
on_both!(a_read_only_database_refuses_writes_and_loses_nothing);

async fn a_keyless_post_whose_worker_died_mid_attempt_is_dead_lettered_not_sent_again(db: Db) {
    let server = FaultServer::start().await.unwrap();
    let client = keyless(&server);
    server.push_for(Route::CreatePayment, Fault::Delay(Duration::from_millis(600)));
    let id = db.outbox.enqueue(client.create_payment(&payment("o-keyless"))).await.unwrap();
    assert_eq!(db.outbox.call(&id).await.unwrap().summary.idempotency_key, None);
    let doomed = worker(&db.outbox, &client.clone()).lease(Duration::from_millis(800)).id("doomed");
    let crashed = tokio::spawn(doomed.run(std::future::pending()));
    assert!(until(Duration::from_secs(5), || async { server.requests() == 1 }).await);
    crashed.abort();
    let _ = crashed.await;

    let report = drain(worker(&db.outbox, &client), &db.outbox).await;
    assert_eq!((report.delivered, report.dead), (0, 1), "{report:?}");
    assert!(until(Duration::from_secs(2), || async { server.effects() == 1 }).await, "the first attempt acted");
    assert_eq!(server.requests(), 1, "never sent again without its key");
    let letter = db.outbox.dead_letter(&id).await.unwrap();
    let reason = letter.summary.last_error.unwrap();
    assert!(reason.starts_with("in doubt: worker `doomed`") && reason.contains("no idempotency key"), "{reason}");
}
on_both!(a_keyless_post_whose_worker_died_mid_attempt_is_dead_lettered_not_sent_again);

async fn a_worker_whose_clock_jumped_ahead_sends_in_flight_calls_again_only_with_their_key(db: Db) {
    let server = FaultServer::start().await.unwrap();
    let (keyed, keyless) = (client(&server), keyless(&server));
    server.push_n_for(Route::CreatePayment, Fault::Delay(Duration::from_millis(1500)), 2);
    let k = db.outbox.enqueue(keyed.create_payment(&payment("o-keyed"))).await.unwrap();
    let u = db.outbox.enqueue(keyless.create_payment(&payment("o-keyless"))).await.unwrap();
    let slow = worker(&db.outbox, &keyed).lease(Duration::from_secs(9)).id("slow").concurrency(2);
    let outbox = db.outbox.clone();
    let slow = tokio::spawn(async move { drain(slow, &outbox).await });
    assert!(until(Duration::from_secs(5), || async { server.requests() == 2 }).await);

    // A clock a minute ahead reads every live lease as run out. Moving the leases a minute
    // back in the database is the same comparison, on a clock the test can move.
    support::execute(&db, &format!("UPDATE {}calls SET lease_until = lease_until - 60000", db.prefix)).await;
    let ahead = drain(worker(&db.outbox, &keyed).id("ahead").concurrency(2), &db.outbox).await;
    let slow = slow.await.unwrap();
    assert_eq!((ahead.delivered, ahead.dead), (1, 1), "{ahead:?}");
    assert_eq!(slow.lost_leases, 2, "the slow worker records nothing it no longer holds: {slow:?}");

    let requests = server.recorded();
    let keyless_sent = requests.iter().filter(|r| r.idempotency_key().is_none()).count();
    assert_eq!(keyless_sent, 1, "the keyless call was sent once");
    let key = db.outbox.call(&k).await.unwrap().summary.idempotency_key.unwrap();
    assert_eq!(requests.iter().filter(|r| r.idempotency_key() == Some(key.as_str())).count(), 2, "sent again");
    assert!(until(Duration::from_secs(3), || async { server.effects() == 2 }).await);
    let charges = server.effect_log().into_iter().filter(|e| e.kind == EffectKind::Charge);
    assert_eq!(charges.filter(|e| e.idempotency_key.as_deref() == Some(key.as_str())).count(), 1, "acted once");
    assert!(matches!(db.outbox.call(&k).await.unwrap().state, CallState::Delivered { status: 201, .. }));
    let letter = db.outbox.dead_letter(&u).await.unwrap();
    assert!(letter.summary.last_error.unwrap().starts_with("in doubt: worker `slow`"));
}
on_both!(a_worker_whose_clock_jumped_ahead_sends_in_flight_calls_again_only_with_their_key);
