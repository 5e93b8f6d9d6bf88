//! The server's own tests, with a plain reqwest client (and raw TCP where reqwest would hide
//! what is on the wire): each fault does what it claims.

use std::time::{Duration, SystemTime};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::*;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

async fn create(server: &FaultServer, key: Option<&str>, body: &Value) -> reqwest::Result<reqwest::Response> {
    let mut request = client()
        .post(format!("{}/orders", server.base_url()))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    request.send().await
}

async fn json_of(response: reqwest::Response) -> Result<Value, Box<dyn std::error::Error>> {
    Ok(serde_json::from_slice(&response.bytes().await?)?)
}

#[tokio::test]
async fn normal_create_is_recorded_and_counted() -> TestResult {
    let server = FaultServer::start().await?;
    let response = client()
        .post(format!("{}/orders?source=test&note=a%20b+c", server.base_url()))
        .header("idempotency-key", "k1")
        .header("x-request-id", "corr-1")
        .header("gusset-attempt", "1; max=3")
        .header("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
        .body(json!({"item": "tea", "quantity": 2}).to_string())
        .send()
        .await?;
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["request-id"], "req_1");
    assert_eq!(response.headers()["content-type"], "application/json");
    let order = json_of(response).await?;
    assert_eq!(order, json!({"item": "tea", "quantity": 2, "id": "ord_1", "status": "created"}));

    assert_eq!(server.requests(), 1);
    assert_eq!(server.effects(), 1);
    let seen = server.last_request().ok_or("no request recorded")?;
    assert_eq!((seen.seq, seen.method.as_str(), seen.path.as_str()), (1, "POST", "/orders"));
    assert_eq!(seen.route, Route::CreateOrder);
    assert_eq!(seen.query_param("note").as_deref(), Some("a b c"));
    assert_eq!(seen.query_param("source").as_deref(), Some("test"));
    assert_eq!(seen.idempotency_key(), Some("k1"));
    assert_eq!(seen.correlation_id(), Some("corr-1"));
    assert_eq!(seen.trace_id(), Some("0af7651916cd43dd8448eb211c80319c"));
    assert_eq!(seen.gusset_attempt(), Some((1, 3)));
    assert_eq!(seen.body_json(), Some(json!({"item": "tea", "quantity": 2})));
    assert_eq!(seen.attempt, 1);
    assert_eq!(seen.fault, None);
    let effects = server.effect_log();
    assert_eq!(effects.len(), 1);
    assert_eq!(effects[0].kind, EffectKind::CreateOrder);
    assert_eq!(effects[0].idempotency_key.as_deref(), Some("k1"));
    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_repeated_key_replays_and_a_missing_key_acts_again() -> TestResult {
    let server = FaultServer::start().await?;
    let body = json!({"item": "tea"});
    let first = create(&server, Some("same"), &body).await?;
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first = json_of(first).await?;
    let second = create(&server, Some("same"), &body).await?;
    assert_eq!(second.status(), 201);
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    assert_eq!(json_of(second).await?, first);
    assert_eq!(server.effects(), 1);

    // The same key for a different request is refused, not replayed.
    let reused = create(&server, Some("same"), &json!({"item": "coffee"})).await?;
    assert_eq!(reused.status(), 422);
    assert_eq!(json_of(reused).await?["error"]["code"], "idempotency_key_reused");
    assert_eq!(server.effects(), 1);

    // No key: every request acts.
    create(&server, None, &body).await?;
    create(&server, None, &body).await?;
    assert_eq!(server.effects(), 3);
    // The server counts attempts of one logical request by key.
    let attempts: Vec<u32> = server.recorded().iter().map(|r| r.attempt).collect();
    assert_eq!(attempts, [1, 2, 3, 1, 1]);
    Ok(())
}

#[tokio::test]
async fn drop_before_handler_closes_without_acting() -> TestResult {
    let server = FaultServer::start().await?;
    server.push(Fault::DropBeforeHandler);
    let err = create(&server, Some("k"), &json!({})).await.err().ok_or("expected an error")?;
    assert!(!err.is_status(), "{err:?}");
    assert_eq!((server.requests(), server.effects()), (1, 0));
    // The script is used up: the retry goes through and acts once.
    assert_eq!(create(&server, Some("k"), &json!({})).await?.status(), 201);
    assert_eq!((server.requests(), server.effects()), (2, 1));
    assert_eq!(server.recorded()[0].fault, Some(Fault::DropBeforeHandler));
    Ok(())
}

#[tokio::test]
async fn drop_after_handler_loses_the_reply_but_commits() -> TestResult {
    let server = FaultServer::start().await?;
    server.push(Fault::DropAfterHandler);
    assert!(create(&server, Some("k"), &json!({"n": 1})).await.is_err());
    assert_eq!(server.effects(), 1);
    // A retry with the same key gets the stored reply; nothing acts twice.
    let retry = create(&server, Some("k"), &json!({"n": 1})).await?;
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    assert_eq!(json_of(retry).await?["id"], "ord_1");
    assert_eq!(server.effects(), 1);
    // Without a key the lost reply means a second order.
    server.push(Fault::DropAfterHandler);
    assert!(create(&server, None, &json!({"n": 2})).await.is_err());
    create(&server, None, &json!({"n": 2})).await?;
    assert_eq!(server.effects(), 3);
    Ok(())
}

#[tokio::test]
async fn status_faults_carry_their_headers_and_skip_the_handler() -> TestResult {
    let server = FaultServer::start().await?;
    let date = SystemTime::UNIX_EPOCH + Duration::from_secs(2_000_000_000);
    server.push(Fault::retry_after_secs(2));
    server.push(Fault::retry_after_date(date));
    server.push(Fault::retry_after_ms(150));
    server.push(Fault::should_retry(503, false));
    server.push(Fault::status(502));
    let expected: [(u16, Option<(&str, &str)>); 5] = [
        (429, Some(("retry-after", "2"))),
        (429, Some(("retry-after", "Wed, 18 May 2033 03:33:20 GMT"))),
        (429, Some(("retry-after-ms", "150"))),
        (503, Some(("x-should-retry", "false"))),
        (502, None),
    ];
    for (status, header) in expected {
        let response = create(&server, None, &json!({})).await?;
        assert_eq!(response.status(), status);
        if let Some((name, value)) = header {
            assert_eq!(response.headers()[name], value);
        }
        assert_eq!(json_of(response).await?["error"]["code"], "injected_fault");
    }
    assert_eq!((server.requests(), server.effects(), server.pending_faults()), (5, 0, 0));
    Ok(())
}

#[tokio::test]
async fn route_queues_go_first_and_only_hit_their_route() -> TestResult {
    let server = FaultServer::start().await?;
    server.push_for(Route::CreatePayment, Fault::status(503));
    server.push(Fault::status(500));
    let list = client().get(format!("{}/orders", server.base_url())).send().await?;
    assert_eq!(list.status(), 500, "the global fault goes to the first request");
    let list = client().get(format!("{}/orders", server.base_url())).send().await?;
    assert_eq!(list.status(), 200);
    let pay =
        client().post(format!("{}/payments", server.base_url())).body(json!({"amount": 5}).to_string()).send().await?;
    assert_eq!(pay.status(), 503);
    let pay =
        client().post(format!("{}/payments", server.base_url())).body(json!({"amount": 5}).to_string()).send().await?;
    assert_eq!(pay.status(), 201);
    assert_eq!(json_of(pay).await?["id"], "pay_1");
    assert_eq!(server.effects(), 1);
    Ok(())
}

#[tokio::test]
async fn delay_outlasts_a_short_client_timeout() -> TestResult {
    let server = FaultServer::start().await?;
    server.push(Fault::Delay(Duration::from_secs(30)));
    let err = client()
        .get(format!("{}/orders", server.base_url()))
        .timeout(Duration::from_millis(50))
        .send()
        .await
        .err()
        .ok_or("expected a timeout")?;
    assert!(err.is_timeout(), "{err:?}");
    // A short delay is just a slow, normal reply.
    server.push(Fault::Delay(Duration::from_millis(10)));
    let slow = create(&server, None, &json!({})).await?;
    assert_eq!(slow.status(), 201);
    server.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn mangled_replies_commit_and_then_mangle() -> TestResult {
    let server = FaultServer::start().await?;
    server.push(Fault::MalformedJson);
    let response = create(&server, None, &json!({"item": "tea"})).await?;
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["content-type"], "application/json");
    let body = response.bytes().await?;
    assert!(serde_json::from_slice::<Value>(&body).is_err());
    assert!(String::from_utf8_lossy(&body).contains("\"ord_1\""));

    server.push(Fault::WrongContentType);
    let response = create(&server, None, &json!({})).await?;
    assert_eq!(response.headers()["content-type"], "text/html; charset=utf-8");
    assert!(response.text().await?.starts_with("<!doctype html>"));

    server.push(Fault::EmptyBody);
    let response = create(&server, None, &json!({})).await?;
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["content-length"], "0");
    assert!(response.bytes().await?.is_empty());

    server.push(Fault::TruncatedBody);
    let response = create(&server, None, &json!({})).await?;
    assert_eq!(response.status(), 201, "the head arrives whole");
    assert!(response.bytes().await.is_err(), "the body is cut short");
    assert_eq!(server.effects(), 4);
    Ok(())
}

#[tokio::test]
async fn always_failing_until_told_to_stop() -> TestResult {
    let server = FaultServer::start().await?;
    server.fail_always(Fault::status(503));
    for _ in 0..10 {
        assert_eq!(create(&server, Some("k"), &json!({})).await?.status(), 503);
    }
    server.stop_failing();
    assert_eq!(create(&server, Some("k"), &json!({})).await?.status(), 201);
    assert_eq!((server.requests(), server.effects()), (11, 1));
    assert_eq!(server.last_request().map(|r| r.attempt), Some(11));
    Ok(())
}

#[tokio::test]
async fn paths_are_matched_raw_and_mutations_are_logged() -> TestResult {
    let server = FaultServer::start().await?;
    let base = server.base_url();
    create(&server, None, &json!({"item": "tea"})).await?;
    create(&server, None, &json!({"item": "cake"})).await?;
    let encoded = client().get(format!("{base}/orders/..%2Fadmin")).send().await?;
    assert_eq!(encoded.status(), 404);
    assert_eq!(json_of(encoded).await?["error"]["message"], "no order `../admin`");
    let seen = server.last_request().ok_or("no request")?;
    assert_eq!((seen.path.as_str(), seen.route), ("/orders/..%2Fadmin", Route::GetOrder));
    let nested = client().get(format!("{base}/orders/a/b")).send().await?;
    assert_eq!(nested.status(), 404);
    assert_eq!(server.last_request().map(|r| r.route), Some(Route::Other));
    let wrong_method = client().put(format!("{base}/orders")).send().await?;
    assert_eq!(wrong_method.status(), 405);

    let patched = client()
        .patch(format!("{base}/orders/ord_1"))
        .body(json!({"quantity": 3, "id": "nope"}).to_string())
        .send()
        .await?;
    assert_eq!(json_of(patched).await?, json!({"item": "tea", "id": "ord_1", "status": "created", "quantity": 3}));
    assert_eq!(client().delete(format!("{base}/orders/ord_2")).send().await?.status(), 204);
    assert_eq!(client().get(format!("{base}/orders/ord_2")).send().await?.status(), 404);
    let list = json_of(client().get(format!("{base}/orders?limit=5")).send().await?).await?;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    let kinds: Vec<EffectKind> = server.effect_log().iter().map(|e| e.kind).collect();
    use EffectKind::*;
    assert_eq!(kinds, [CreateOrder, CreateOrder, UpdateOrder, DeleteOrder]);
    assert_eq!(server.effects(), 2, "effects() counts creates and charges only");
    let bad = client().post(format!("{base}/orders")).body("not json").send().await?;
    assert_eq!(bad.status(), 400);
    Ok(())
}

/// Raw TCP: keep-alive with two requests on one connection, a chunked body, a bad head.
#[tokio::test]
async fn raw_wire_keep_alive_chunked_and_bad_heads() -> TestResult {
    let server = FaultServer::start().await?;
    let mut tcp = tokio::net::TcpStream::connect(server.addr()).await?;
    tcp.write_all(
        b"POST /orders HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n\
          5\r\n{\"a\":\r\n2\r\n1}\r\n0\r\n\r\n\
          GET /orders/ord_1 HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
    )
    .await?;
    let mut wire = Vec::new();
    tcp.read_to_end(&mut wire).await?;
    let wire = String::from_utf8_lossy(&wire);
    assert!(wire.starts_with("HTTP/1.1 201 Created\r\n"), "{wire}");
    assert_eq!(wire.matches("HTTP/1.1 ").count(), 2, "{wire}");
    assert!(wire.contains("HTTP/1.1 200 OK\r\n"), "{wire}");
    assert!(wire.contains("connection: close"), "{wire}");
    assert_eq!(server.recorded()[0].body_json(), Some(json!({"a": 1})));
    assert_eq!(server.connections(), 1);

    let mut bad = tokio::net::TcpStream::connect(server.addr()).await?;
    bad.write_all(b"NOT AN HTTP REQUEST\r\n\r\n").await?;
    let mut reply = Vec::new();
    bad.read_to_end(&mut reply).await?;
    assert!(String::from_utf8_lossy(&reply).starts_with("HTTP/1.1 400 "));
    assert_eq!(server.requests(), 2, "a bad head is not a request");
    Ok(())
}

#[tokio::test]
async fn shutdown_stops_the_server() -> TestResult {
    let server = FaultServer::start().await?;
    let addr = server.addr();
    server.push(Fault::Delay(Duration::from_secs(3600)));
    let pending = tokio::spawn(client().get(format!("http://{addr}/orders")).send());
    while server.requests() == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.shutdown().await;
    // The hour-long delay was aborted with its connection, so the client sees an error now.
    assert!(pending.await?.is_err());
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    Ok(())
}
