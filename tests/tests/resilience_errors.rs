//! Failures end to end: what goes wrong becomes a typed error with the status, the ids and a
//! snippet of the body, never a panic; requests that cannot be sent safely are not sent; and
//! secrets stay out of `Debug`, errors and logs.

mod resilience_support;

use std::sync::{Arc, Mutex, PoisonError};

use gusset::__private::http::HeaderMap;
use gusset::{AttemptInfo, Error, Interceptor, PreparedRequest, RetryPolicy};
use gusset_tests::fault::{Fault, Route};
use resilience_support::{Captured, Harness, NewOrder, TestResult};

/// Checks what every error must carry: the status, the call's correlation id (as the server
/// saw it), the server's request id, and a snippet containing `needle`.
fn check_context<E: std::fmt::Debug>(err: &Error<E>, status: u16, h: &Harness, needle: &str) -> TestResult {
    assert_eq!(err.status().map(|s| s.as_u16()), Some(status), "{err:?}");
    let seen = h.server.last_request().ok_or("no request")?;
    assert_eq!(Some(err.correlation_id()), seen.correlation_id(), "{err:?}");
    assert_eq!(err.server_request_id(), Some(format!("req_{}", seen.seq).as_str()), "{err:?}");
    assert!(format!("{err:?}").contains(needle), "{needle:?} not in {err:?}");
    assert!(!err.to_string().is_empty());
    Ok(())
}

#[tokio::test]
async fn bad_bodies_become_typed_decode_errors() -> TestResult {
    let h = Harness::start().await?;
    let client = h.builder().retry(RetryPolicy::disabled()).build()?;

    h.server.push(Fault::MalformedJson);
    let err = client.create_order(&NewOrder::new("tea", 1)).await.err().ok_or("expected an error")?;
    let Error::Decode { snippet, .. } = &err else { return Err(format!("{err:?}").into()) };
    assert!(snippet.contains("\"ord_1\""), "{snippet}");
    check_context(&err, 201, &h, "ord_1")?;

    h.server.push(Fault::WrongContentType);
    let err = client.list_orders(None).await.err().ok_or("expected an error")?;
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    check_context(&err, 200, &h, "<!doctype html>")?;

    h.server.push(Fault::EmptyBody);
    let err = client.list_orders(None).await.err().ok_or("expected an error")?;
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    check_context(&err, 200, &h, "")?;

    h.server.push(Fault::TruncatedBody);
    let err = client.list_orders(None).await.err().ok_or("expected an error")?;
    assert!(matches!(err, Error::Transport { .. } | Error::Decode { .. }), "{err:?}");
    assert!(err.may_have_reached_server());
    Ok(())
}

#[tokio::test]
async fn statuses_become_api_or_unexpected_errors() -> TestResult {
    let h = Harness::start().await?;
    let client = h.builder().retry(RetryPolicy::disabled()).build()?;

    // Documented: the typed error body.
    let err = client.get_order("ord_404").await.err().ok_or("expected an error")?;
    let body = err.api_error().ok_or("expected Error::Api")?;
    assert_eq!((body.error.code.as_str(), body.error.message.as_str()), ("not_found", "no order `ord_404`"));
    check_context(&err, 404, &h, "not_found")?;

    // Undocumented: the status and a snippet.
    h.server.push(Fault::status(418));
    let err = client.list_orders(None).await.err().ok_or("expected an error")?;
    assert!(matches!(err, Error::UnexpectedStatus { .. }), "{err:?}");
    check_context(&err, 418, &h, "injected status 418")?;

    // A retryable status on the last attempt (retries off) is an API error like any other.
    h.server.push(Fault::status(503));
    let err = client.create_order(&NewOrder::new("tea", 1)).await.err().ok_or("expected an error")?;
    assert!(err.api_error().is_some(), "{err:?}");
    assert_eq!(err.attempts(), 1);
    Ok(())
}

#[tokio::test]
async fn control_characters_are_refused_before_anything_is_sent() -> TestResult {
    let h = Harness::start().await?;
    let client = h.client()?;
    let attempts = [
        client.list_orders(None).header("x-note", "a\r\nx-injected: 1").await.err(),
        client.list_orders(None).correlation_id("id\nx").await.err(),
        client.create_order(&NewOrder::new("tea", 1)).idempotency_key("k\r\n").await.err(),
    ];
    for err in attempts {
        let err = err.ok_or("expected an error")?;
        assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
        assert_eq!((err.attempts(), err.may_have_reached_server()), (0, false));
    }
    assert_eq!(h.server.requests(), 0, "nothing reached the server");
    assert!(h.server.connections() == 0);
    Ok(())
}

#[tokio::test]
async fn path_parameters_cannot_change_the_path() -> TestResult {
    let h = Harness::start().await?;
    let client = h.builder().retry(RetryPolicy::disabled()).build()?;
    let cases = [("../admin", "/orders/..%2Fadmin"), ("a/b", "/orders/a%2Fb"), ("a b?c#d", "/orders/a%20b%3Fc%23d")];
    for (id, path) in cases {
        let err = client.get_order(id).await.err().ok_or("expected a 404")?;
        let seen = h.server.last_request().ok_or("no request")?;
        assert_eq!((seen.route, seen.path.as_str()), (Route::GetOrder, path), "{id:?}");
        let message = &err.api_error().ok_or("expected Error::Api")?.error.message;
        assert_eq!(message, &format!("no order `{id}`"));
    }
    // `.` and `..` are dot segments even percent-encoded (URL standard), so a URL parser would
    // remove them: the call must be refused, or reach the route with the segment intact.
    for id in [".", ".."] {
        let before = h.server.requests();
        match client.get_order(id).await {
            Err(Error::InvalidRequest { .. }) => assert_eq!(h.server.requests(), before, "{id:?}"),
            other => {
                let seen = h.server.last_request().ok_or("no request")?;
                assert_eq!(seen.route, Route::GetOrder, "{id:?} reached `{}`: {other:?}", seen.path);
            }
        }
    }
    Ok(())
}

#[derive(Debug, Default)]
struct SeeEverything(Arc<Mutex<Vec<String>>>);

impl Interceptor for SeeEverything {
    fn before_attempt(&self, request: &PreparedRequest, attempt: AttemptInfo, headers: &mut HeaderMap) {
        let mut seen = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        seen.push(format!("{request:?} {attempt:?} {headers:?}"));
    }
    fn after_response(
        &self,
        request: &PreparedRequest,
        _: AttemptInfo,
        status: gusset::__private::http::StatusCode,
        headers: &HeaderMap,
    ) {
        let mut seen = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        seen.push(format!("{request:?} {status} {headers:?}"));
    }
}

/// Secrets reach the server and nothing else: not `Debug` of the client, responses, errors or
/// prepared requests, not error messages, not tracing output.
#[tokio::test]
async fn secrets_never_appear_in_debug_errors_or_logs() -> TestResult {
    const TOKEN: &str = "sk_live_TOKEN_4f9a";
    const KEY: &str = "key_SECRET_8c1d";
    let capture = Captured::default();
    let _guard = capture.install();
    let h = Harness::start().await?;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let bearer = h.builder().bearer_auth(TOKEN).interceptor(SeeEverything(Arc::clone(&seen))).build()?;
    let keyed = h.builder().api_key(KEY).build()?;

    let mut texts = vec![format!("{bearer:?}"), format!("{keyed:?}"), format!("{:?}", bearer.runtime())];
    h.server.push(Fault::status(503));
    let ok = bearer.create_order(&NewOrder::new("tea", 1)).await?;
    texts.push(format!("{ok:?}"));
    for fault in [Fault::status(418), Fault::MalformedJson, Fault::DropAfterHandler] {
        h.server.push(fault);
        let err = bearer.list_orders(None).retry(RetryPolicy::disabled()).await.err().ok_or("expected an error")?;
        texts.push(format!("{err:?} {err}"));
        h.server.push(Fault::status(404));
        let err = keyed.list_orders(None).retry(RetryPolicy::disabled()).await.err().ok_or("expected an error")?;
        texts.push(format!("{err:?} {err}"));
    }
    texts.extend(seen.lock().unwrap_or_else(PoisonError::into_inner).iter().cloned());
    texts.push(capture.text());

    // The secrets were really sent, so their absence below means something.
    let recorded = h.server.recorded();
    let expected_auth = format!("Bearer {TOKEN}");
    assert!(recorded.iter().any(|r| r.header("authorization") == Some(expected_auth.as_str())));
    assert!(recorded.iter().any(|r| r.header("x-api-key") == Some(KEY)));
    assert!(!capture.text().is_empty(), "the runtime logs through tracing");
    for text in &texts {
        assert!(!text.contains(TOKEN) && !text.contains(KEY), "a secret leaked: {text}");
    }
    Ok(())
}
