//! Resilience details only a hand-written client shows, against a real server on 127.0.0.1: what
//! each attempt of a retried call carries (same body bytes, a new span id), a caller's key making
//! a keyless POST resendable, `Retry-After` against a manual clock, and token refresh after a 401.
//! The behaviours users rely on (retries, budget, breaker, `x-should-retry`, timeouts) are tested
//! once, through a generated-style client and the fault-injecting server, in
//! `tests/tests/resilience*.rs`. Waits go through a recording sleeper, so nothing here sleeps.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use gusset::clock::{BoxFuture, Clock, ManualClock, RecordingSleeper};
use gusset::{Error, RetryPolicy, Token, TokenContext, TokenError, TokenProvider, TokenSource};
use support::petstore::{Client, NewPet};
use support::{Reply, Server};

const PET: &str = r#"{"id":1,"name":"Rex"}"#;

fn rex() -> NewPet {
    NewPet { name: "Rex".into(), tag: None }
}

async fn setup(script: Vec<Reply>) -> (Server, RecordingSleeper, ManualClock) {
    let server = Server::start(script).await;
    let clock = ManualClock::default();
    (server, RecordingSleeper::new(clock.clone()), clock)
}

#[tokio::test]
async fn retries_503_with_the_same_key_and_correlation_id() {
    let (server, sleeper, clock) = setup(vec![Reply::status(503), Reply::status(503), Reply::json(201, PET)]).await;
    let client = Client::builder(server.url()).sleeper(sleeper.clone()).clock(clock).id_seed(1).build().unwrap();
    let response = client.create_pet(&rex()).await.unwrap();
    assert_eq!(response.attempts(), 3);

    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    let first = &requests[0];
    let key = first.header("idempotency-key").unwrap();
    let id = first.header("x-request-id").unwrap();
    let trace = first.header("traceparent").unwrap().split('-').nth(1).unwrap();
    let mut spans = Vec::new();
    for (i, r) in requests.iter().enumerate() {
        assert_eq!(r.header("idempotency-key"), Some(key));
        assert_eq!(r.header("x-request-id"), Some(id));
        assert_eq!(r.body, first.body, "the same bytes every time");
        assert_eq!(r.header("gusset-attempt"), Some(format!("{}; max=3", i + 1).as_str()));
        let tp: Vec<&str> = r.header("traceparent").unwrap().split('-').collect();
        assert_eq!(tp[1], trace, "one trace per call");
        spans.push(tp[2].to_owned());
    }
    spans.dedup();
    assert_eq!(spans.len(), 3, "a new span id per attempt");
    let sleeps = sleeper.sleeps();
    assert_eq!(sleeps.len(), 2);
    assert!(sleeps[0] <= Duration::from_millis(500) && sleeps[1] <= Duration::from_secs(1), "{sleeps:?}");

    // A second call gets a new key and id.
    server.fallback(Reply::json(201, PET));
    let again = client.create_pet(&rex()).await.unwrap();
    assert_ne!(again.idempotency_key(), Some(key));
    assert_ne!(again.correlation_id(), id);
}

#[tokio::test]
async fn post_without_key_is_not_retried_once_it_may_have_reached_the_server() {
    let (server, sleeper, _) = setup(vec![Reply::status(503), Reply::Drop]).await;
    server.fallback(Reply::json(201, PET));
    let client = Client::builder(server.url()).idempotency(false).sleeper(sleeper.clone()).build().unwrap();
    let err = client.create_pet(&rex()).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(err.attempts(), 1);
    assert_eq!(server.requests()[0].header("idempotency-key"), None);

    let err = client.create_pet(&rex()).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(err.may_have_reached_server());
    assert_eq!(err.attempts(), 1, "a dropped connection after sending is not retried for a keyless POST");
    assert_eq!(server.requests().len(), 2);
    assert!(sleeper.sleeps().is_empty());

    // With a caller-supplied key the same POST is retried through the lost response.
    let (server, sleeper, _) = setup(vec![Reply::Drop]).await;
    server.fallback(Reply::json(201, PET));
    let client = Client::builder(server.url()).idempotency(false).sleeper(sleeper).build().unwrap();
    let ok = client.create_pet(&rex()).idempotency_key("k-1").await.unwrap();
    assert_eq!(ok.attempts(), 2);
    assert!(server.requests().iter().all(|r| r.header("idempotency-key") == Some("k-1")));
}

#[tokio::test]
async fn retry_after_is_honoured_under_the_cap_and_ends_the_call_over_it() {
    let date = httpdate::fmt_http_date(ManualClock::default().now() + Duration::from_secs(9));
    let (server, sleeper, clock) = setup(vec![
        Reply::status(429).header("retry-after", "2"),
        Reply::status(503).header("retry-after-ms", "1500"),
        Reply::status(503).header("retry-after", &date),
        Reply::json(200, PET),
    ])
    .await;
    let client = Client::builder(server.url())
        .retry(RetryPolicy::default().max_attempts(4))
        .sleeper(sleeper.clone())
        .clock(clock)
        .build()
        .unwrap();
    client.get_pet("1", None).await.unwrap();
    // The date was 9 s ahead of the clock at the start; the clock advanced 3.5 s while sleeping.
    assert_eq!(sleeper.sleeps(), [Duration::from_secs(2), Duration::from_millis(1500), Duration::from_millis(5500)]);

    server.fallback(Reply::status(503).header("retry-after", "120"));
    let err = client.get_pet("1", None).await.unwrap_err();
    let Error::RetryAfterTooLong { wait, cap, .. } = err else { panic!("{err:?}") };
    assert_eq!((wait, cap), (Duration::from_secs(120), Duration::from_secs(60)));
    assert_eq!(err.attempts(), 1);
    assert_eq!(sleeper.sleeps().len(), 3, "no sleep over the cap");
}

struct Rotating(Arc<AtomicU32>);

impl TokenProvider for Rotating {
    fn token<'a>(&'a self, _: TokenContext<'a>) -> BoxFuture<'a, Result<Token, TokenError>> {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        Box::pin(async move { Ok(Token::new(format!("t{n}"))) })
    }
}

#[tokio::test]
async fn a_401_asks_the_provider_once_more() {
    let (server, sleeper, _) = setup(vec![Reply::status(401)]).await;
    server.fallback(Reply::json(201, PET));
    let calls = Arc::new(AtomicU32::new(0));
    let client = Client::builder(server.url())
        .bearer_auth(TokenSource::provider(Rotating(calls.clone())))
        .idempotency(false)
        .sleeper(sleeper.clone())
        .build()
        .unwrap();
    let ok = client.create_pet(&rex()).await.unwrap();
    assert_eq!(ok.attempts(), 2);
    let auth: Vec<_> = server.requests().iter().map(|r| r.header("authorization").unwrap().to_owned()).collect();
    assert_eq!(auth, ["Bearer t1", "Bearer t2"]);
    assert!(sleeper.sleeps().is_empty(), "the refresh resend does not wait");

    server.fallback(Reply::status(401));
    let err = client.create_pet(&rex()).await.unwrap_err();
    assert_eq!(err.attempts(), 2, "only once per call");
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}
