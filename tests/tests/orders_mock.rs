//! The Orders example's behaviour, tested the way a user of the generated client would: only with
//! the client's generated mock (`orders-client` with its `mock` feature, a dev-dependency), no
//! hand-written server. Success, a typed error, each fault, exactly-once with a lost reply, a
//! rate limit honoured, and a request the document would refuse.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use gusset::{Error, RetryPolicy};
use orders_client::mock::{Fault, Outcome, Reply, RetryAfter, Server};
use orders_client::{Client, LineItem, Money, NewOrder, NewPayment, NewPaymentMethod, Order, OrderStatus, Problem};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn tea() -> NewOrder {
    let item = LineItem { sku: "tea".into(), quantity: 2, unit_price: Money { amount: 450, currency: "EUR".into() } };
    NewOrder { items: vec![item], shipping_address: None, note: Some("green".into()), metadata: None }
}

fn order_for(id: &str, new: &NewOrder) -> Order {
    let total = new.items.iter().map(|i| i.unit_price.amount * i64::from(i.quantity)).sum();
    Order {
        id: id.into(),
        status: OrderStatus::Open,
        items: new.items.clone(),
        total: Money { amount: total, currency: "EUR".into() },
        shipping_address: None,
        note: new.note.clone(),
        created_at: "2024-06-01T12:00:00Z".parse().unwrap(),
        metadata: None,
    }
}

fn problem(status: i32, title: &str) -> Problem {
    Problem { r#type: None, title: title.into(), status, detail: None, instance: None }
}

/// Retries with short backoff, so a test that retries stays quick.
fn client(server: &Server) -> Result<Client, gusset::BuildError> {
    let retry = RetryPolicy::default().max_attempts(3).base_delay(Duration::from_millis(10));
    Client::builder(server.url()).bearer_auth("test-token").retry(retry).build()
}

/// One attempt per call: what a fault does to one request, unhidden by retries.
fn no_retry(server: &Server) -> Result<Client, gusset::BuildError> {
    Client::builder(server.url()).bearer_auth("test-token").retry(RetryPolicy::disabled()).build()
}

#[tokio::test]
async fn a_created_order_comes_back_typed_and_the_request_is_recorded() -> TestResult {
    let server = Server::start().await?;
    server.create_order().respond_with(|req| Reply::ok(order_for("o-1", req.body())));
    let order = client(&server)?.create_order(&tea()).await?;
    assert_eq!(order.status(), 201);
    assert_eq!((order.id.as_str(), order.total.amount), ("o-1", 900));
    server.create_order().assert_calls(1);
    server.create_order().assert_received(|req| {
        req.body() == Some(&tea())
            && req.idempotency_key().is_some()
            && req.correlation_id().is_some()
            && req.attempt() == Some(1)
            && req.header("authorization") == Some("Bearer test-token")
            && req.header("orders-version") == Some("2024-06-01")
    });
    Ok(())
}

#[tokio::test]
async fn a_documented_error_status_comes_back_as_the_typed_error() -> TestResult {
    let server = Server::start().await?;
    server.get_order().path_param("orderId", "o-1").ok(order_for("o-1", &tea()));
    server.get_order().error(404, problem(404, "no such order"));
    let client = client(&server)?;
    assert_eq!(client.get_order("o-1").await?.id, "o-1");
    match client.get_order("o-2").await {
        Err(Error::Api { status, body, .. }) => {
            assert_eq!((status.as_u16(), body.title.as_str()), (404, "no such order"))
        }
        other => panic!("expected the typed 404, got {other:?}"),
    }
    assert_eq!(server.get_order().path_param("orderId", "o-2").calls(), 1);
    Ok(())
}

#[tokio::test]
async fn a_lost_reply_is_retried_with_the_same_key_and_takes_effect_once() -> TestResult {
    let server = Server::start().await?;
    server.create_order().fault(Fault::DropAfterEffect).times(1);
    server.create_order().respond_with(|req| Reply::ok(order_for("o-1", req.body())));
    let order = client(&server)?.create_order(&tea()).await?;
    assert_eq!((order.id.as_str(), order.attempts()), ("o-1", 2));
    server.create_order().assert_calls(1);
    let received = server.create_order().received();
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].idempotency_key(), received[1].idempotency_key());
    assert_eq!((received[0].attempt(), received[1].attempt()), (Some(1), Some(2)));
    assert_eq!(received[0].correlation_id(), received[1].correlation_id());
    assert_eq!(received[0].outcome(), &Outcome::Faulted(Fault::DropAfterEffect));
    assert_eq!(received[1].outcome(), &Outcome::Replayed(201));
    Ok(())
}

#[tokio::test]
async fn without_deduplication_the_retry_takes_effect_twice() -> TestResult {
    // What the server-side deduplication protects against, made visible.
    let server = Server::start().await?;
    server.dedup(false);
    server.create_order().fault(Fault::DropAfterEffect).times(1);
    server.create_order().respond_with(|req| Reply::ok(order_for("o-1", req.body())));
    client(&server)?.create_order(&tea()).await?;
    server.create_order().assert_calls(2);
    Ok(())
}

#[tokio::test]
async fn a_drop_before_the_effect_is_retried_and_takes_effect_once() -> TestResult {
    let server = Server::start().await?;
    server.create_order().fault(Fault::DropBeforeEffect).times(1);
    server.create_order().respond_with(|req| Reply::ok(order_for("o-1", req.body())));
    let order = client(&server)?.create_order(&tea()).await?;
    assert_eq!(order.attempts(), 2);
    server.create_order().assert_calls(1);
    let outcomes: Vec<Outcome> = server.create_order().received().iter().map(|r| r.outcome().clone()).collect();
    assert_eq!(outcomes, [Outcome::Faulted(Fault::DropBeforeEffect), Outcome::Answered(201)]);
    Ok(())
}

#[tokio::test]
async fn a_5xx_is_retried_and_the_second_attempt_succeeds() -> TestResult {
    let server = Server::start().await?;
    server.get_order().fault(Fault::Status(503)).times(1);
    server.get_order().ok(order_for("o-1", &tea()));
    let order = client(&server)?.get_order("o-1").await?;
    assert_eq!(order.attempts(), 2);
    server.get_order().assert_calls(1);
    // Without retries the 503 reaches the caller.
    let only = Server::start().await?;
    only.get_order().fault(Fault::Status(503));
    match no_retry(&only)?.get_order("o-1").await {
        Err(e) => assert_eq!(e.status().map(|s| s.as_u16()), Some(503)),
        Ok(order) => panic!("expected a 503, got {order:?}"),
    }
    Ok(())
}

#[tokio::test]
async fn rate_limits_are_waited_out_in_each_form() -> TestResult {
    // Stubs take requests in mounting order: the call meets the three rate limits in turn.
    let server = Server::start().await?;
    server.get_order().fault(Fault::RateLimited(RetryAfter::Millis(300))).times(1);
    server.get_order().fault(Fault::RateLimited(RetryAfter::Seconds(1))).times(1);
    server.get_order().fault(Fault::RateLimited(RetryAfter::Date(Duration::from_secs(1)))).times(1);
    server.get_order().ok(order_for("o-1", &tea()));
    let retry = RetryPolicy::default().max_attempts(4).base_delay(Duration::from_millis(10));
    let client = Client::builder(server.url()).bearer_auth("t").retry(retry).build()?;
    let started = Instant::now();
    let order = client.get_order("o-1").await?;
    let waited = started.elapsed();
    assert_eq!(order.attempts(), 4);
    // 300 ms, 1 s, and a date at least a whole second ahead (less the time the reply took).
    assert!(waited >= Duration::from_millis(2200), "waited only {waited:?}");
    let outcomes: Vec<Outcome> = server.get_order().received().iter().map(|r| r.outcome().clone()).collect();
    assert!(matches!(outcomes[0], Outcome::Faulted(Fault::RateLimited(RetryAfter::Millis(300)))));
    assert!(matches!(outcomes[2], Outcome::Faulted(Fault::RateLimited(RetryAfter::Date(_)))));
    assert_eq!(outcomes[3], Outcome::Answered(200));
    server.get_order().assert_calls(1);
    Ok(())
}

#[tokio::test]
async fn a_slow_reply_hits_the_attempt_timeout_then_the_retry_succeeds() -> TestResult {
    let server = Server::start().await?;
    server.get_order().fault(Fault::Slow(Duration::from_millis(800))).times(1);
    server.get_order().ok(order_for("o-1", &tea()));
    let retry = RetryPolicy::default().base_delay(Duration::from_millis(10));
    let client = Client::builder(server.url())
        .bearer_auth("t")
        .retry(retry)
        .attempt_timeout(Duration::from_millis(200))
        .build()?;
    let order = client.get_order("o-1").await?;
    assert_eq!(order.attempts(), 2);
    Ok(())
}

#[tokio::test]
async fn a_truncated_body_and_malformed_json_fail_the_call_but_took_effect() -> TestResult {
    let server = Server::start().await?;
    server.create_payment().fault(Fault::TruncatedBody).times(1);
    server.create_payment().fault(Fault::MalformedJson).times(1);
    server.create_payment().respond_with(|req| {
        Reply::ok(orders_client::Payment {
            id: gusset::Uuid::nil(),
            order_id: req.body().order_id.clone(),
            status: orders_client::PaymentStatus::Succeeded,
            amount: Money { amount: 900, currency: "EUR".into() },
            captured_on: None,
        })
    });
    let client = no_retry(&server)?;
    let pay = NewPayment { order_id: "o-1".into(), method: NewPaymentMethod::Card, amount: None };
    let truncated = client.create_payment(&pay).await.err().ok_or("expected the truncated body to fail")?;
    assert!(truncated.may_have_reached_server(), "{truncated}");
    let malformed = client.create_payment(&pay).await.err().ok_or("expected malformed JSON to fail")?;
    assert!(matches!(malformed, Error::Decode { .. }), "{malformed:?}");
    server.create_payment().assert_calls(2);
    assert_eq!(client.create_payment(&pay).await?.order_id, "o-1");
    Ok(())
}

#[tokio::test]
async fn a_request_the_document_refuses_is_answered_400_and_reported() -> TestResult {
    // A request built by hand (or by a client of another version of the document) whose body is
    // not a `NewOrder`: the mock refuses it as the real API would, and the test learns why.
    let server = Server::start().await?;
    server.create_order().respond_with(|req| Reply::ok(order_for("o-1", req.body())));
    let response = gusset::reqwest::Client::new()
        .post(format!("{}/orders", server.url()))
        .header("content-type", "application/json")
        .body(r#"{"items": "none"}"#)
        .send()
        .await?;
    assert_eq!(response.status(), 400);
    let body = String::from_utf8(response.bytes().await?.to_vec())?;
    assert!(body.contains("does not decode into the request type"), "{body}");
    server.create_order().assert_calls(0);
    let problems = server.take_problems();
    assert_eq!(problems.len(), 1);
    assert!(problems[0].starts_with("invalid request: createOrder: the body does not decode"), "{}", problems[0]);
    Ok(())
}

#[tokio::test]
async fn an_unstubbed_call_fails_verification_with_its_operation_named() -> TestResult {
    let server = Server::start().await?;
    let err = no_retry(&server)?.cancel_order("o-1", &Default::default()).await.err().ok_or("expected 501")?;
    assert_eq!(err.status().map(|s| s.as_u16()), Some(501));
    let verified = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| server.verify()));
    let message = *verified.err().ok_or("verify should fail")?.downcast::<String>().map_err(|_| "not a String")?;
    assert!(message.contains("no stub of `cancelOrder` takes DELETE /orders/o-1"), "{message}");
    Ok(())
}

#[tokio::test]
async fn the_journal_keeps_the_order_across_endpoints() -> TestResult {
    let server = Server::start().await?;
    server.create_order().respond_with(|req| Reply::ok(order_for("o-1", req.body())));
    server.cancel_order().ok(());
    server.list_orders().query("status", "open").ok(orders_client::OrderPage { orders: vec![], next_cursor: None });
    let client = client(&server)?;
    client.create_order(&tea()).await?;
    let params = orders_client::ListOrdersParams { status: Some(OrderStatus::Open), ..Default::default() };
    client.list_orders(&params).await?;
    client.cancel_order("o-1", &Default::default()).await?;
    assert_eq!(server.effects(), ["createOrder", "listOrders", "cancelOrder"]);
    let journal: Vec<String> = server.journal().into_iter().map(|(_, line, _)| line).collect();
    assert_eq!(journal, ["POST /orders", "GET /orders", "DELETE /orders/o-1"]);
    Ok(())
}

/// The macro route generates the same mock: `gusset::generate!(.., mock = "on")`.
#[tokio::test]
async fn the_macro_route_generates_the_same_typed_mock() -> TestResult {
    use gusset_tests::via_macro_with_mock as orders;
    let server = orders::mock::Server::start().await?;
    server.get_order().path_param("orderId", "o-9").error(
        404,
        orders::Problem { r#type: None, title: "no such order".into(), status: 404, detail: None, instance: None },
    );
    let client = orders::Client::builder(server.url()).bearer_auth("test-token").build()?;
    match client.get_order("o-9").await {
        Err(Error::Api { status, body, .. }) => {
            assert_eq!((status.as_u16(), body.title.as_str()), (404, "no such order"))
        }
        other => panic!("expected the stubbed 404, got {other:?}"),
    }
    server.get_order().assert_calls(1);
    Ok(())
}
