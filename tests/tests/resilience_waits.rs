//! Waits end to end: how long the client waits. Server-requested waits (`Retry-After` in
//! seconds and as a date, `retry-after-ms`), the cap above which it gives up, `x-should-retry`,
//! backoff, and the attempt and whole-call timeouts. Waits go through the injected sleeper,
//! which records them and returns at once; timeouts use real time with wide margins.

mod resilience_support;

use std::time::Duration;

use gusset::clock::Clock;
use gusset::{Error, RetryPolicy, TimeoutKind};
use gusset_tests::fault::{Fault, Route};
use resilience_support::{Harness, NewOrder, TestResult};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[tokio::test]
async fn retry_after_seconds_date_and_ms_are_honoured() -> TestResult {
    let h = Harness::start().await?;
    let client = h.client()?;
    h.server.push(Fault::retry_after_secs(2));
    let order = client.create_order(&NewOrder::new("tea", 1)).await?;
    assert_eq!(order.attempts(), 2);

    // An HTTP-date five seconds after the injected clock's now.
    h.server.push(Fault::retry_after_date(h.clock.now() + Duration::from_secs(5)));
    client.list_orders(None).await?;

    h.server.push(Fault::retry_after_ms(150));
    client.list_orders(None).await?;

    // 503 with Retry-After is honoured too.
    h.server.push(Fault::status(503).header("retry-after", "1"));
    client.list_orders(None).await?;

    assert_eq!(h.sleeps(), [ms(2000), ms(5000), ms(150), ms(1000)]);
    assert_eq!(h.server.effects(), 1);
    Ok(())
}

#[tokio::test]
async fn retry_after_over_the_cap_gives_up_without_sleeping() -> TestResult {
    let h = Harness::start().await?;
    let client = h.builder().retry(RetryPolicy::default().max_retry_after(Duration::from_secs(30))).build()?;
    h.server.push(Fault::retry_after_secs(120));
    let err = client.create_order(&NewOrder::new("tea", 1)).await.err().ok_or("expected an error")?;
    match &err {
        Error::RetryAfterTooLong { status, wait, cap, .. } => {
            assert_eq!((status.as_u16(), *wait, *cap), (429, Duration::from_secs(120), Duration::from_secs(30)));
        }
        other => return Err(format!("expected RetryAfterTooLong, got {other:?}").into()),
    }
    assert_eq!(err.attempts(), 1);
    assert!(h.sleeps().is_empty(), "gave up rather than sleeping: {:?}", h.sleeps());
    assert_eq!(h.server.requests(), 1);
    assert!(err.to_string().contains("120"), "{err}");

    // Per call, the cap can be raised.
    h.server.push(Fault::retry_after_secs(45));
    let ok = client.list_orders(None).retry(RetryPolicy::default().max_retry_after(Duration::from_secs(60))).await?;
    assert_eq!(ok.attempts(), 2);
    assert_eq!(h.sleeps(), [Duration::from_secs(45)]);
    Ok(())
}

#[tokio::test]
async fn x_should_retry_overrides_the_status_rules() -> TestResult {
    let h = Harness::start().await?;
    let client = h.client()?;
    h.server.push(Fault::should_retry(503, false));
    let err = client.list_orders(None).await.err().ok_or("expected an error")?;
    assert_eq!((err.status().map(|s| s.as_u16()), err.attempts()), (Some(503), 1));
    assert!(err.api_error().is_some(), "a documented status decodes the error body: {err:?}");

    // `true` makes a status that is not retried by default retryable (409 here).
    h.server.push(Fault::should_retry(409, true));
    let ok = client.list_orders(None).await?;
    assert_eq!(ok.attempts(), 2);
    assert_eq!(h.server.requests(), 3);
    Ok(())
}

#[tokio::test]
async fn backoff_grows_and_stays_under_its_ceiling() -> TestResult {
    let h = Harness::start().await?;
    let exact = h.builder().retry(RetryPolicy::default().max_attempts(4).jitter(gusset::Jitter::None)).build()?;
    h.server.push_n(Fault::status(500), 3);
    exact.list_orders(None).await?;
    assert_eq!(h.sleeps(), [ms(500), ms(1000), ms(2000)]);

    // Full jitter (the default): each wait is at most the exponential ceiling, capped at 8 s.
    let jittered = h.builder().retry(RetryPolicy::default().max_attempts(7)).build()?;
    h.server.push_n(Fault::status(502), 6);
    jittered.list_orders(None).await?;
    let waits = h.sleeps().split_off(3);
    let ceilings = [500, 1000, 2000, 4000, 8000, 8000].map(ms);
    assert_eq!(waits.len(), 6);
    for (wait, ceiling) in waits.iter().zip(ceilings) {
        assert!(*wait <= ceiling, "{waits:?}");
    }
    assert!(waits.iter().any(|w| !ceilings.contains(w)), "jittered, not fixed: {waits:?}");
    Ok(())
}

/// A reply slower than the attempt timeout is abandoned and retried; the retry acts, and the
/// slow attempt (same key) cannot act twice.
#[tokio::test]
async fn the_attempt_timeout_retries_a_slow_reply() -> TestResult {
    let h = Harness::start().await?;
    let client = h.builder().attempt_timeout(Duration::from_millis(1500)).build()?;
    h.server.push_for(Route::CreateOrder, Fault::Delay(Duration::from_secs(120)));
    let order = client.create_order(&NewOrder::new("tea", 1)).await?;
    assert_eq!(order.attempts(), 2);
    assert_eq!((h.server.requests(), h.server.effects()), (2, 1));

    // Without retries, the timeout is the error.
    h.server.push(Fault::Delay(Duration::from_secs(120)));
    let err = client.list_orders(None).retry(RetryPolicy::disabled()).await.err().ok_or("expected a timeout")?;
    assert!(matches!(err, Error::Timeout { kind: TimeoutKind::Attempt, .. }), "{err:?}");
    assert!(err.may_have_reached_server());
    Ok(())
}

/// The whole-call timeout bounds retries and waits together.
#[tokio::test]
async fn the_call_timeout_bounds_the_total() -> TestResult {
    let h = Harness::start().await?;
    let client = h
        .builder()
        .retry(RetryPolicy::default().max_attempts(20))
        .attempt_timeout(Duration::from_millis(400))
        .call_timeout(Duration::from_millis(1000))
        .build()?;
    h.server.fail_always(Fault::Delay(Duration::from_secs(120)));
    let err = client.list_orders(None).await.err().ok_or("expected a timeout")?;
    // Either the call deadline fires mid-attempt (`Call`), or the runtime sees that the next
    // backoff would end past the deadline and returns the last attempt's timeout (`Attempt`).
    assert!(err.is_timeout(), "{err:?}");
    assert!(err.attempts() < 20 && h.server.requests() < 20, "{} attempts", err.attempts());
    println!("call timeout 1 s, attempt timeout 400 ms: {} attempts, {err:?}", h.server.requests());

    // Per call, `timeout` sets the whole-call bound.
    h.server.stop_failing();
    h.server.fail_always(Fault::Delay(Duration::from_secs(120)));
    let err = client.list_orders(None).timeout(Duration::from_millis(300)).await.err().ok_or("expected a timeout")?;
    assert!(matches!(err, Error::Timeout { kind: TimeoutKind::Call, .. }), "{err:?}");
    // The deadline cut the attempt after the request went out: it may have been acted on.
    assert!(err.may_have_reached_server(), "{err:?}");
    assert_eq!(err.attempts(), 1);
    Ok(())
}
