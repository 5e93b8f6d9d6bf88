//! Durable delivery against real databases and the project's fault server: what is stored,
//! when it is sent, how often the server acts, and what a crash or a `Retry-After` leaves.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use gusset_outbox::{CallState, Delivered, OutboxError, ReplayKey, Worker};
use gusset_tests::fault::{Fault, FaultServer, Route};
use support::{Db, client, drain, order_and_enqueue, payment, texts, until, worker};

async fn rolled_back_enqueue_sends_nothing_committed_is_delivered_once(db: Db) {
    let server = FaultServer::start().await.unwrap();
    let client = client(&server);
    order_and_enqueue(&db, "o-rolled-back", client.create_payment(&payment("o-rolled-back")), false).await;
    let id = order_and_enqueue(&db, "o-1", client.create_payment(&payment("o-1")), true).await;
    assert_eq!(db.outbox.stats().await.unwrap().depth, 1, "only the committed call is stored");
    let orders = texts(&db, &format!("SELECT id FROM {}orders", db.prefix)).await;
    assert_eq!(orders, ["o-1"]);

    // Nothing secret is in the database: the token is added at delivery.
    let stored = texts(&db, &format!("SELECT headers FROM {}calls", db.prefix)).await.join("\n");
    assert!(!stored.contains("secret-token") && !stored.to_ascii_lowercase().contains("authorization"), "{stored}");

    let handled = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&handled);
    let worker =
        worker(&db.outbox, &client).on_delivered("createPayment", move |done: Delivered<serde_json::Value>| {
            let seen = Arc::clone(&seen);
            async move {
                assert_eq!(done.body["order_id"], "o-1");
                seen.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }
        });
    let report = drain(worker, &db.outbox).await;
    assert_eq!(report.delivered, 1);
    assert_eq!(server.effects(), 1);
    assert_eq!(handled.load(Ordering::SeqCst), 1, "the completion handler ran once");
    let requests = server.recorded();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].header("authorization"), Some("Bearer secret-token"));
    assert_eq!(requests[0].body_json().unwrap()["order_id"], "o-1");
    match db.outbox.call(&id).await.unwrap().state {
        CallState::Delivered { status, headers, body, .. } => {
            assert_eq!(status, 201);
            assert!(headers.contains_key("content-type"));
            assert_eq!(body, None, "bodies are kept only when asked");
        }
        other => panic!("not delivered: {other:?}"),
    }
    let stats = db.outbox.stats().await.unwrap();
    assert_eq!((stats.depth, stats.delivered, stats.dead), (0, 1, 0));
    assert_eq!(stats.operations["createPayment"].delivered, 1);
}
on_both!(rolled_back_enqueue_sends_nothing_committed_is_delivered_once);

async fn a_lost_reply_is_sent_again_with_the_same_key_and_acts_once(db: Db) {
    let server = FaultServer::start().await.unwrap();
    let client = client(&server);
    server.push_n_for(Route::CreatePayment, Fault::DropAfterHandler, 2);
    let outbox = db.outbox.clone().keep_response_bodies(true);
    let id = outbox.enqueue(client.create_payment(&payment("o-2"))).await.unwrap();
    let report = drain(worker(&outbox, &client), &outbox).await;
    assert_eq!((report.delivered, report.retried), (1, 2));
    assert_eq!(server.effects(), 1, "the server acted once");
    let requests = server.recorded();
    let keys: Vec<_> = requests.iter().map(|r| r.idempotency_key().unwrap().to_owned()).collect();
    assert_eq!(keys.len(), 3);
    assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");
    let attempts: Vec<_> = requests.iter().map(|r| r.gusset_attempt().unwrap()).collect();
    assert_eq!(attempts, [(1, 4), (2, 4), (3, 4)], "attempts are numbered across the call's life");
    let record = db.outbox.call(&id).await.unwrap();
    assert_eq!(record.summary.attempts, 3);
    match record.state {
        CallState::Delivered { body: Some(body), .. } => {
            let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(body["order_id"], "o-2");
        }
        other => panic!("not delivered with its body: {other:?}"),
    }
}
on_both!(a_lost_reply_is_sent_again_with_the_same_key_and_acts_once);

async fn a_crashed_workers_lease_expires_and_another_worker_delivers(db: Db) {
    let server = FaultServer::start().await.unwrap();
    let client = client(&server);
    // The first attempt is still in flight when its worker dies; the server acts on it later.
    server.push_for(Route::CreatePayment, Fault::Delay(Duration::from_millis(600)));
    db.outbox.enqueue(client.create_payment(&payment("o-3"))).await.unwrap();
    let doomed = worker(&db.outbox, &client).lease(Duration::from_millis(1500)).id("doomed");
    let crashed = tokio::spawn(doomed.run(std::future::pending()));
    assert!(until(Duration::from_secs(5), || async { server.requests() == 1 }).await);
    crashed.abort();
    let _ = crashed.await;

    let next = worker(&db.outbox, &client).lease(Duration::from_millis(1500)).id("next");
    let report = drain(next, &db.outbox).await;
    assert_eq!(report.delivered, 1);
    assert_eq!(server.effects(), 1, "the late first attempt and the redelivery act once");
    let requests = server.recorded();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].idempotency_key(), requests[1].idempotency_key());
    assert_eq!(requests[1].gusset_attempt(), Some((2, 4)));
    assert!(requests[1].at >= requests[0].at + Duration::from_millis(1400), "taken again only after the lease");
}
on_both!(a_crashed_workers_lease_expires_and_another_worker_delivers);

async fn a_refused_call_is_dead_lettered_and_replay_delivers_it_once(db: Db) {
    let server = FaultServer::start().await.unwrap();
    let client = client(&server);
    server.push_n_for(Route::CreatePayment, Fault::status(422), 2);
    let same = db.outbox.enqueue(client.create_payment(&payment("o-4"))).await.unwrap();
    let fresh = db.outbox.enqueue(client.create_payment(&payment("o-5"))).await.unwrap();
    let report = drain(worker(&db.outbox, &client), &db.outbox).await;
    assert_eq!((report.dead, report.delivered), (2, 0));
    assert_eq!(server.effects(), 0);
    let letters = db.outbox.dead_letters(10).await.unwrap();
    assert_eq!(letters.len(), 2);
    let letter = db.outbox.dead_letter(&same).await.unwrap();
    assert!(letter.summary.last_error.as_deref().unwrap().starts_with("status 422"), "{letter:?}");
    assert_eq!(letter.summary.attempts, 1, "a status that is not retried is not retried");
    assert!(matches!(db.outbox.call(&same).await.unwrap().state, CallState::Dead { .. }));
    let stats = db.outbox.stats().await.unwrap();
    assert_eq!((stats.depth, stats.dead), (0, 2));
    assert_eq!(stats.operations["createPayment"].dead, 2);

    let old_key = letter.summary.idempotency_key.clone().unwrap();
    db.outbox.replay(&same, ReplayKey::Same).await.unwrap();
    db.outbox.replay(&fresh, ReplayKey::Fresh).await.unwrap();
    assert!(matches!(db.outbox.replay(&same, ReplayKey::Same).await, Err(OutboxError::NotFound(_))));
    let report = drain(worker(&db.outbox, &client), &db.outbox).await;
    assert_eq!(report.delivered, 2);
    assert_eq!(server.effects(), 2);
    let log = server.effect_log();
    assert!(log.iter().any(|e| e.idempotency_key.as_deref() == Some(old_key.as_str())), "same key kept");
    let fresh_key = db.outbox.call(&fresh).await.unwrap().summary.idempotency_key.unwrap();
    let fresh_sent = server.recorded().last().unwrap().idempotency_key().map(str::to_owned);
    let fresh_old = letters.iter().find(|l| l.summary.id == fresh).unwrap().summary.idempotency_key.clone();
    assert_ne!(Some(fresh_key.clone()), fresh_old, "a fresh key on request");
    assert!(server.recorded().iter().any(|r| r.idempotency_key() == Some(fresh_key.as_str())), "{fresh_sent:?}");
    assert!(db.outbox.dead_letters(10).await.unwrap().is_empty());
}
on_both!(a_refused_call_is_dead_lettered_and_replay_delivers_it_once);

async fn retry_after_is_persisted_across_workers(db: Db) {
    let server = FaultServer::start().await.unwrap();
    let client = client(&server);
    server.push_for(Route::CreatePayment, Fault::retry_after_secs(2));
    let id = db.outbox.enqueue(client.create_payment(&payment("o-6"))).await.unwrap();
    let sent = SystemTime::now();
    // This worker sees the 429 and stops; the wait it was told is in the database.
    let (outbox, watched) = (db.outbox.clone(), id.clone());
    let first = worker(&db.outbox, &client).run(async move {
        until(Duration::from_secs(5), || async { outbox.call(&watched).await.unwrap().summary.last_error.is_some() })
            .await;
    });
    let report = first.await.unwrap();
    assert_eq!((report.retried, report.delivered), (1, 0));
    let record = db.outbox.call(&id).await.unwrap();
    let wait = record.summary.next_attempt_at.duration_since(sent).unwrap();
    assert!(wait >= Duration::from_millis(1900) && wait < Duration::from_secs(4), "{wait:?}");
    assert!(record.summary.last_error.unwrap().contains("429"));
    assert_eq!(db.outbox.stats().await.unwrap().due, 0, "not due before the server's time");

    let report = drain(worker(&db.outbox, &client), &db.outbox).await;
    assert_eq!(report.delivered, 1);
    let requests = server.recorded();
    assert_eq!(requests.len(), 2);
    assert!(requests[1].at >= requests[0].at + Duration::from_millis(1900), "{:?}", requests[1].at - requests[0].at);
}
on_both!(retry_after_is_persisted_across_workers);

async fn two_workers_deliver_many_calls_exactly_once(db: Db) {
    const N: usize = 60;
    let server = FaultServer::start().await.unwrap();
    let client = client(&server);
    // Lost replies, refusals before the handler and slow answers spread over the calls.
    for i in 0..15 {
        server.push(match i % 3 {
            0 => Fault::DropAfterHandler,
            1 => Fault::status(503),
            _ => Fault::Delay(Duration::from_millis(50)),
        });
    }
    for i in 0..N {
        db.outbox.enqueue(client.create_payment(&payment(&format!("o-many-{i}")))).await.unwrap();
    }
    let a = worker(&db.outbox, &client).concurrency(4).id("a");
    let b = worker(&db.outbox, &client).concurrency(4).id("b");
    let (ra, rb) = tokio::join!(drain(a, &db.outbox), drain(b, &db.outbox));
    assert_eq!(ra.delivered + rb.delivered, N as u64, "{ra:?} {rb:?}");
    assert_eq!(ra.lost_leases + rb.lost_leases, 0);
    assert_eq!(server.effects(), N, "every call took effect exactly once");
    let mut keys: Vec<_> = server.effect_log().into_iter().map(|e| e.idempotency_key.unwrap()).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), N);
    let stats = db.outbox.stats().await.unwrap();
    assert_eq!((stats.depth, stats.delivered, stats.dead), (0, N as u64, 0));
    assert!(stats.retried >= 10, "{stats:?}");
}
on_both!(two_workers_deliver_many_calls_exactly_once);

async fn a_corrupt_row_is_dead_lettered_not_sent(db: Db) {
    let server = FaultServer::start().await.unwrap();
    let client = client(&server);
    let id = db.outbox.enqueue(client.create_payment(&payment("o-7"))).await.unwrap();
    support::execute(&db, &format!("UPDATE {}calls SET headers = 'not json'", db.prefix)).await;
    let report = drain(worker(&db.outbox, &client), &db.outbox).await;
    assert_eq!(report.dead, 1);
    assert_eq!(server.requests(), 0);
    let letter = db.outbox.dead_letter(&id).await.unwrap();
    assert!(letter.summary.last_error.unwrap().contains("corrupt"));
}
on_both!(a_corrupt_row_is_dead_lettered_not_sent);

async fn tables_of_a_newer_version_are_refused(db: Db) {
    support::execute(&db, &format!("INSERT INTO {}schema (version) VALUES (99)", db.prefix)).await;
    assert!(matches!(db.outbox.migrate().await, Err(OutboxError::SchemaTooNew { found: 99, .. })));
    let server = FaultServer::start().await.unwrap();
    let client = client(&server);
    let run = Worker::new(db.outbox.clone(), client.runtime().clone()).run(async {}).await;
    assert!(matches!(run, Err(OutboxError::SchemaTooNew { found: 99, .. })), "{run:?}");
}
on_both!(tables_of_a_newer_version_are_refused);

#[tokio::test]
async fn a_secret_header_on_the_call_is_refused_not_stored() {
    let db = support::sqlite("secret").await;
    let server = FaultServer::start().await.unwrap();
    let client = client(&server);
    let call = client.create_payment(&payment("o-8")).header("X-Api-Key", "k-123");
    let refused = db.outbox.enqueue(call).await;
    assert!(matches!(&refused, Err(OutboxError::Enqueue(m)) if m.contains("x-api-key")), "{refused:?}");
    assert_eq!(db.outbox.stats().await.unwrap().depth, 0);
}

#[tokio::test]
async fn an_outbox_without_tables_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = gusset_outbox::Outbox::open_sqlite(dir.path().join("empty.db")).await.unwrap();
    assert!(matches!(outbox.check_schema().await, Err(OutboxError::NotMigrated)));
    outbox.migrate().await.unwrap();
    outbox.migrate().await.unwrap();
    outbox.check_schema().await.unwrap();
}

async fn a_delivery_slower_than_its_lease_keeps_it(db: Db) {
    let server = FaultServer::start().await.unwrap();
    let client = client(&server);
    // The attempt takes four leases; the lease is renewed all along, so the second worker,
    // polling the whole time, never takes the call.
    server.push_for(Route::CreatePayment, Fault::Delay(Duration::from_millis(2400)));
    let id = db.outbox.enqueue(client.create_payment(&payment("o-slow"))).await.unwrap();
    let lease = Duration::from_millis(600);
    let slow = worker(&db.outbox, &client).lease(lease).id("slow");
    let outbox = db.outbox.clone();
    let slow = tokio::spawn(async move { drain(slow, &outbox).await });
    assert!(until(Duration::from_secs(5), || async { server.requests() == 1 }).await);
    let leased = |record: gusset_outbox::CallRecord| match record.state {
        CallState::Pending { leased_until: Some(until) } => until,
        other => panic!("not leased: {other:?}"),
    };
    let first = leased(db.outbox.call(&id).await.unwrap());
    let (outbox, other) = (db.outbox.clone(), worker(&db.outbox, &client).lease(lease).id("other"));
    let other = tokio::spawn(async move { drain(other, &outbox).await });
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let later = leased(db.outbox.call(&id).await.unwrap());
    assert!(later >= first + Duration::from_millis(300), "the lease was not renewed: {first:?} then {later:?}");
    let (slow, other) = (slow.await.unwrap(), other.await.unwrap());
    assert_eq!((slow.delivered, slow.lost_leases), (1, 0), "{slow:?}");
    assert_eq!(other.delivered, 0, "{other:?}");
    assert_eq!(server.requests(), 1, "sent once: the other worker never took it");
    assert_eq!(db.outbox.call(&id).await.unwrap().summary.attempts, 1);
}
on_both!(a_delivery_slower_than_its_lease_keeps_it);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_with_a_column_of_the_wrong_type_is_dead_lettered_and_the_others_delivered() {
    // SQLite keeps whatever type a hand-written UPDATE puts in a column; PostgreSQL refuses it.
    let db = support::sqlite("wrong-type").await;
    let server = FaultServer::start().await.unwrap();
    let client = client(&server);
    let bad = db.outbox.enqueue(client.create_payment(&payment("o-bad"))).await.unwrap();
    for i in 0..5 {
        db.outbox.enqueue(client.create_payment(&payment(&format!("o-good-{i}")))).await.unwrap();
    }
    support::execute(
        &db,
        &format!("UPDATE {}calls SET url = X'FF00', created_at = 'yesterday' WHERE id = '{bad}'", db.prefix),
    )
    .await;
    let report = drain(worker(&db.outbox, &client).concurrency(8), &db.outbox).await;
    assert_eq!((report.delivered, report.dead), (5, 1), "{report:?}");
    assert_eq!(server.effects(), 5);
    // Still unreadable as a dead letter: a typed error naming it, and it can be purged by id.
    let listed = db.outbox.dead_letters(10).await;
    assert!(matches!(&listed, Err(OutboxError::CorruptRow { id, .. }) if *id == bad.as_str()), "{listed:?}");
    let shown = db.outbox.call(&bad).await;
    assert!(matches!(&shown, Err(OutboxError::CorruptRow { id, .. }) if *id == bad.as_str()), "{shown:?}");
    let error = texts(&db, &format!("SELECT last_error FROM {}dead", db.prefix)).await;
    assert!(error[0].starts_with("the stored call is corrupt"), "{error:?}");
    db.outbox.purge(&bad).await.unwrap();
    assert!(db.outbox.dead_letters(10).await.unwrap().is_empty());
}
