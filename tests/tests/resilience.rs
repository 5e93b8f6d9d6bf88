//! Resilience end to end: a client that reaches the runtime the way generated code does, against
//! the fault-injecting server. Exactly-once effects, which requests are retried, the retry
//! budget, the circuit breaker, and the ids every attempt carries.

mod resilience_support;

use std::collections::HashSet;
use std::time::Duration;

use gusset::{CircuitBreaker, CircuitState, Error, RetryBudget, RetryPolicy};
use gusset_tests::fault::{EffectKind, Fault, Route};
use resilience_support::{Harness, NewOrder, NewPayment, TestResult};

/// Each logical create takes effect once, whatever happens to its attempts, including when
/// the reply to an attempt that did act was lost.
#[tokio::test]
async fn a_create_takes_effect_once_across_lost_replies() -> TestResult {
    let h = Harness::start().await?;
    let client = h.client()?;
    h.server.push_for(Route::CreateOrder, Fault::DropBeforeHandler);
    h.server.push_for(Route::CreateOrder, Fault::DropAfterHandler);
    let order = client.create_order(&NewOrder::new("tea", 2)).await?;
    assert_eq!(order.attempts(), 3);
    assert_eq!(order.id, "ord_1", "the stored reply of the attempt whose reply was lost");
    assert_eq!(order.headers().get("idempotent-replayed").map(|v| v.as_bytes()), Some(&b"true"[..]));
    assert_eq!((h.server.requests(), h.server.effects()), (3, 1));
    let keys: HashSet<_> = h.server.recorded().iter().map(|r| r.idempotency_key().map(str::to_owned)).collect();
    assert_eq!(keys.len(), 1, "one key on every attempt: {keys:?}");
    assert_eq!(keys.into_iter().next().flatten().as_deref(), order.idempotency_key());
    Ok(())
}

/// Many logical calls with a mix of faults: creates and charges each take effect exactly
/// once, and no two logical calls share a key.
#[tokio::test]
async fn many_calls_with_mixed_faults_act_exactly_once_each() -> TestResult {
    let h = Harness::start().await?;
    let client = h.client()?;
    let faults = [
        Fault::DropAfterHandler,
        Fault::status(503),
        Fault::DropBeforeHandler,
        Fault::status(502),
        Fault::status(500),
        Fault::status(504),
    ];
    for i in 0..20usize {
        // Up to two faults per call (the policy allows three attempts).
        h.server.push_for(Route::CreateOrder, faults[i % faults.len()].clone());
        if i % 3 == 0 {
            h.server.push_for(Route::CreateOrder, faults[(i + 1) % faults.len()].clone());
        }
        let order = client.create_order(&NewOrder::new("tea", i as u32)).await?;
        h.server.push_for(Route::CreatePayment, Fault::DropAfterHandler);
        client.create_payment(&NewPayment { order_id: order.id.clone(), amount: 100 }).await?;
    }
    let log = h.server.effect_log();
    let creates = log.iter().filter(|e| e.kind == EffectKind::CreateOrder).count();
    let charges = log.iter().filter(|e| e.kind == EffectKind::Charge).count();
    assert_eq!((creates, charges), (20, 20));
    let keys: HashSet<_> = log.iter().map(|e| e.idempotency_key.clone()).collect();
    assert_eq!(keys.len(), 40, "a key is never reused for another logical call");
    assert!(!keys.contains(&None));
    Ok(())
}

/// Without an idempotency key a POST is not retried once it may have reached the server;
/// it is retried when it certainly did not (connection refused); GETs are always retried.
#[tokio::test]
async fn a_post_without_a_key_is_not_retried_after_it_may_have_arrived() -> TestResult {
    let h = Harness::start().await?;
    let client = h.builder().idempotency(false).build()?;

    h.server.push(Fault::DropAfterHandler);
    let err = client.create_order(&NewOrder::new("tea", 1)).await.err().ok_or("expected an error")?;
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(err.attempts(), 1);
    assert!(err.may_have_reached_server());
    assert_eq!(err.context().idempotency_key(), None);
    assert_eq!((h.server.requests(), h.server.effects()), (1, 1));
    assert_eq!(h.server.last_request().and_then(|r| r.idempotency_key().map(str::to_owned)), None);

    h.server.push(Fault::status(503));
    let err = client.create_order(&NewOrder::new("tea", 1)).await.err().ok_or("expected an error")?;
    assert_eq!((err.status().map(|s| s.as_u16()), err.attempts()), (Some(503), 1));
    assert_eq!(h.server.requests(), 2);

    // A PATCH follows the same rule.
    h.server.push(Fault::status(502));
    let err = client.update_order("ord_1", 5).await.err().ok_or("expected an error")?;
    assert_eq!(err.attempts(), 1);
    assert_eq!(h.server.requests(), 3);

    // A GET is idempotent by its method: retried without a key.
    h.server.push(Fault::DropAfterHandler);
    let list = client.list_orders(None).await?;
    assert_eq!((list.attempts(), list.len()), (2, 1));
    assert_eq!(h.sleeps().len(), 1);

    // With keys on (the default), the same POST is retried and acts once.
    let keyed = h.builder().build()?;
    h.server.push(Fault::DropAfterHandler);
    let order = keyed.create_order(&NewOrder::new("cake", 1)).await?;
    assert_eq!(order.attempts(), 2);
    assert_eq!(h.server.effects(), 2, "one from the unkeyed call above, one from this one");
    Ok(())
}

/// A POST that never left the client (nothing listens on the port) is safe to retry.
#[tokio::test]
async fn a_post_that_never_connected_is_retried() -> TestResult {
    let h = Harness::start().await?;
    // Take a free port and close it again: connecting to it is refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let client = resilience_support::Client::builder(format!("http://127.0.0.1:{port}"))
        .sleeper(h.sleeper.clone())
        .clock(h.clock.clone())
        .idempotency(false)
        .build()?;
    let err = client.create_order(&NewOrder::new("tea", 1)).await.err().ok_or("expected an error")?;
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(err.attempts(), 3);
    assert!(!err.may_have_reached_server());
    assert_eq!(h.sleeps().len(), 2);
    Ok(())
}

/// Against a server that always fails, the shared budget bounds the retries of all calls.
#[tokio::test]
async fn the_retry_budget_bounds_attempts_against_an_always_failing_server() -> TestResult {
    let h = Harness::start().await?;
    // 50 tokens at 5 per retry: 10 retries in all, however many calls.
    let budget = RetryBudget::new(50);
    let client = h.builder().retry_budget(budget.clone()).build()?;
    h.server.fail_always(Fault::status(503));
    let calls = 30;
    let mut exhausted = 0;
    for _ in 0..calls {
        let err = client.list_orders(None).await.err().ok_or("expected an error")?;
        assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
        if matches!(err, Error::BudgetExhausted { .. }) {
            exhausted += 1;
        }
    }
    // 5 calls spend 2 retries each (3 attempts), the other 25 find the bucket empty.
    assert_eq!(h.server.requests(), calls + 10);
    assert_eq!(budget.available(), 0);
    assert_eq!(exhausted, 25);
    println!("budget: {calls} calls, {} attempts (unbounded: {})", h.server.requests(), calls * 3);

    // Successes refill it, one token each.
    h.server.stop_failing();
    client.list_orders(None).await?;
    assert_eq!(budget.available(), 1);

    // A budget can run out in the middle of a call: the call ends with what it last got.
    let small = RetryBudget::new(10);
    let client = h.builder().retry(RetryPolicy::default().max_attempts(10)).retry_budget(small.clone()).build()?;
    h.server.fail_always(Fault::status(500));
    let err = client.list_orders(None).await.err().ok_or("expected an error")?;
    assert!(matches!(err, Error::BudgetExhausted { .. }), "{err:?}");
    assert_eq!((err.attempts(), err.status().map(|s| s.as_u16())), (3, Some(500)), "two retries at 5 tokens");
    assert_eq!(small.available(), 0);
    Ok(())
}

/// The breaker opens on failures, fails fast without sending, half-opens after the cool-down
/// (on the injected clock), and closes on a successful probe; a failed probe reopens it.
#[tokio::test]
async fn the_circuit_breaker_opens_fails_fast_half_opens_and_closes() -> TestResult {
    let h = Harness::start().await?;
    let breaker =
        CircuitBreaker::default().window(4).min_attempts(4).failure_rate(0.5).cool_down(Duration::from_secs(10));
    let client = h.builder().retry(RetryPolicy::disabled()).circuit_breaker(breaker.clone()).build()?;
    let host = client.runtime().host().to_owned();
    let state = |b: &CircuitBreaker| b.state(&host);

    h.server.fail_always(Fault::status(503));
    for _ in 0..4 {
        let err = client.list_orders(None).await.err().ok_or("expected an error")?;
        assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    }
    assert_eq!(state(&breaker), CircuitState::Open);
    let err = client.list_orders(None).await.err().ok_or("expected an error")?;
    assert!(matches!(err, Error::CircuitOpen { .. }), "{err:?}");
    assert_eq!((err.attempts(), err.may_have_reached_server()), (0, false));
    assert_eq!(h.server.requests(), 4, "an open circuit sends nothing");

    // After the cool-down a probe goes through; it fails, so the circuit reopens.
    h.clock.advance(Duration::from_secs(11));
    let err = client.list_orders(None).await.err().ok_or("expected an error")?;
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(h.server.requests(), 5);
    assert_eq!(state(&breaker), CircuitState::Open);
    assert!(matches!(client.list_orders(None).await, Err(Error::CircuitOpen { .. })));

    // The server recovers: the next probe succeeds and closes the circuit.
    h.server.stop_failing();
    h.clock.advance(Duration::from_secs(11));
    client.list_orders(None).await?;
    assert_eq!(state(&breaker), CircuitState::Closed);
    client.list_orders(None).await?;
    assert_eq!(h.server.requests(), 7);
    Ok(())
}

/// One correlation id, trace id and idempotency key per logical call, on every attempt; the
/// attempt header counts; a new call gets new ids; caller-supplied and ambient ids win.
#[tokio::test]
async fn ids_are_stable_across_attempts_and_fresh_per_call() -> TestResult {
    let h = Harness::start().await?;
    let client = h.client()?;
    h.server.push_n(Fault::status(503), 2);
    let order = client.create_order(&NewOrder::new("tea", 1)).await?;
    let seen = h.server.recorded();
    assert_eq!(seen.len(), 3);
    let corr = order.correlation_id().to_owned();
    let key = order.idempotency_key().ok_or("no key")?.to_owned();
    for (i, r) in seen.iter().enumerate() {
        assert_eq!(r.correlation_id(), Some(corr.as_str()));
        assert_eq!(r.idempotency_key(), Some(key.as_str()));
        assert_eq!(r.gusset_attempt(), Some((i as u32 + 1, 3)));
        let tp = r.header("traceparent").ok_or("no traceparent")?;
        let parts: Vec<&str> = tp.split('-').collect();
        assert_eq!(parts.iter().map(|p| p.len()).collect::<Vec<_>>(), [2, 32, 16, 2], "{tp}");
        assert_eq!(parts[0], "00");
    }
    let trace_ids: HashSet<_> = seen.iter().filter_map(|r| r.trace_id()).collect();
    assert_eq!(trace_ids.len(), 1, "one trace id for the call");
    assert_eq!(order.server_request_id(), Some("req_3"));

    // A new call: new ids.
    let again = client.create_order(&NewOrder::new("tea", 1)).await?;
    assert_ne!(again.correlation_id(), corr);
    assert_ne!(again.idempotency_key(), Some(key.as_str()));
    let last = h.server.last_request().ok_or("no request")?;
    assert!(!trace_ids.contains(last.trace_id().ok_or("no trace id")?));
    assert_eq!(last.gusset_attempt(), Some((1, 3)));

    // Caller-supplied ids win.
    let mine =
        client.create_order(&NewOrder::new("tea", 1)).idempotency_key("order-42").correlation_id("checkout-7").await?;
    assert_eq!((mine.idempotency_key(), mine.correlation_id()), (Some("order-42"), "checkout-7"));
    let last = h.server.last_request().ok_or("no request")?;
    assert_eq!((last.idempotency_key(), last.correlation_id()), (Some("order-42"), Some("checkout-7")));

    // An ambient id covers every call in its scope.
    let (a, b) = gusset::correlation::scope("ambient-1", async {
        (client.list_orders(None).await, client.list_orders(Some(1)).await)
    })
    .await;
    assert_eq!((a?.correlation_id(), b?.correlation_id()), ("ambient-1", "ambient-1"));
    let ambient: Vec<_> =
        h.server.recorded().iter().rev().take(2).map(|r| r.correlation_id().map(str::to_owned)).collect();
    assert_eq!(ambient, [Some("ambient-1".to_owned()), Some("ambient-1".to_owned())]);
    Ok(())
}

/// Seeded ids repeat: two clients with the same seed send the same keys.
#[tokio::test]
async fn seeded_ids_are_reproducible() -> TestResult {
    let h = Harness::start().await?;
    let a = h.builder().id_seed(99).build()?;
    let b = h.builder().id_seed(99).build()?;
    let ka = a.create_order(&NewOrder::new("x", 1)).await?.idempotency_key().map(str::to_owned);
    let kb = b.create_order(&NewOrder::new("x", 1)).await?.idempotency_key().map(str::to_owned);
    assert!(ka.is_some());
    assert_eq!(ka, kb);
    // The second is a replay of the first (same key, same request): one effect.
    assert_eq!(h.server.effects(), 1);
    Ok(())
}

/// The version header, the user agent, and keys on `x-idempotent` operations and PATCH.
#[tokio::test]
async fn every_call_carries_version_user_agent_and_the_right_keys() -> TestResult {
    let h = Harness::start().await?;
    let client = h.client()?;
    let order = client.create_order(&NewOrder::new("tea", 1)).await?;
    client.update_order(&order.id, 3).await?;
    client.get_order(&order.id).await?;
    client.delete_order(&order.id).await?;
    let seen = h.server.recorded();
    let ua =
        format!("orders-client/1.2.3 gusset/{} (api {})", env!("CARGO_PKG_VERSION"), resilience_support::API_VERSION);
    for r in &seen {
        assert_eq!(r.header(resilience_support::VERSION_HEADER), Some(resilience_support::API_VERSION));
        assert_eq!(r.header("user-agent"), Some(ua.as_str()));
        assert!(r.correlation_id().is_some());
    }
    let keyed: Vec<bool> = seen.iter().map(|r| r.idempotency_key().is_some()).collect();
    assert_eq!(keyed, [true, true, false, true], "POST, PATCH, GET, DELETE (x-idempotent)");
    Ok(())
}
