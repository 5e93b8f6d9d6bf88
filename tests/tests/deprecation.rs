//! A server retiring what a client calls: every form of the `Deprecation` header (RFC 9745's
//! `@<seconds>`, the older `true` and HTTP date), `Sunset` (RFC 8594) and `Link` relations, sent
//! by a real local server, seen on the response, reported once per operation per client through
//! `tracing`, and given to interceptors, which may fail the call.

mod resilience_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, UNIX_EPOCH};

use axum::extract::Path;
use axum::response::IntoResponse;
use gusset::{Deprecation, Error, Interceptor, PreparedRequest};
use resilience_support::{Captured, Client, TestResult};

/// `GET /orders/{form}` answers with the deprecation headers named by `form`; `GET /orders`
/// with `Deprecation: true`.
async fn start() -> String {
    let order = |id: &str| axum::Json(serde_json::json!({ "id": id, "status": "open" }));
    let app = axum::Router::new()
        .route(
            "/orders/{form}",
            axum::routing::get(move |Path(form): Path<String>| async move {
                let headers: Vec<(&str, &str)> = match form.as_str() {
                    "structured" => vec![("deprecation", "@1688169599")],
                    "true" => vec![("deprecation", "true")],
                    "http-date" => vec![("deprecation", "Sun, 11 Nov 2018 23:59:59 GMT")],
                    "sunset" => vec![
                        ("sunset", "Sat, 31 Dec 2033 23:59:59 GMT"),
                        ("link", r#"<https://api.example.com/deprecation>; rel="deprecation"; type="text/html""#),
                        ("link", "<https://api.example.com/sunset>; rel=sunset"),
                    ],
                    _ => vec![],
                };
                let mut response = order(&form).into_response();
                for (name, value) in headers {
                    response.headers_mut().append(name, value.parse().unwrap());
                }
                response
            }),
        )
        .route(
            "/orders",
            axum::routing::get(|| async {
                ([("deprecation", "true")], axum::Json(serde_json::json!([{ "id": "a", "status": "open" }])))
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

#[tokio::test]
async fn every_header_form_is_seen_on_the_response_with_its_dates() -> TestResult {
    let client = Client::builder(start().await).build()?;
    let at = |seconds: u64| Some(UNIX_EPOCH + Duration::from_secs(seconds));

    let structured = client.get_order("structured").await?;
    let d = structured.deprecation().unwrap();
    assert_eq!((d.deprecated, d.since, d.sunset), (true, at(1_688_169_599), None));

    let old = client.get_order("true").await?;
    let d = old.deprecation().unwrap();
    assert_eq!((d.deprecated, d.since), (true, None));

    let dated = client.get_order("http-date").await?;
    assert_eq!(dated.deprecation().unwrap().since, at(1_541_980_799));

    let sunset = client.get_order("sunset").await?;
    let d = sunset.deprecation().unwrap();
    assert!(!d.deprecated);
    assert_eq!(d.sunset, at(2_019_686_399));
    assert_eq!(d.deprecation_links, ["https://api.example.com/deprecation"]);
    assert_eq!(d.sunset_links, ["https://api.example.com/sunset"]);

    let current = client.get_order("current").await?;
    assert_eq!(current.deprecation(), None);
    assert_eq!(current.id, "current");
    Ok(())
}

#[tokio::test]
async fn the_warning_comes_once_per_operation_per_client() -> TestResult {
    let url = start().await;
    let captured = Captured::default();
    let _guard = captured.install();
    let warnings = |text: &str, op: &str| {
        text.lines()
            .filter(|l| l.contains(" WARN ") && l.contains(&format!("`{op}` is deprecated by the server")))
            .count()
    };

    let client = Client::builder(url.clone()).build()?;
    for _ in 0..3 {
        client.get_order("structured").await?;
    }
    client.get_order("current").await?;
    client.list_orders(None).await?;
    client.list_orders(None).await?;
    let text = captured.text();
    assert_eq!(warnings(&text, "getOrder"), 1, "{text}");
    assert_eq!(warnings(&text, "listOrders"), 1, "{text}");
    let line = text.lines().find(|l| l.contains("`getOrder` is deprecated")).unwrap();
    assert!(line.contains("deprecated since Fri, 30 Jun 2023 23:59:59 GMT"), "{line}");
    assert!(line.contains(r#"since="Fri, 30 Jun 2023 23:59:59 GMT""#), "the date is a field of its own: {line}");

    // Another client reports for itself.
    let other = Client::builder(url).build()?;
    other.get_order("sunset").await?;
    let text = captured.text();
    assert_eq!(warnings(&text, "getOrder"), 2, "{text}");
    let line = text.lines().filter(|l| l.contains("`getOrder` is deprecated")).nth(1).unwrap();
    assert!(line.contains("sunset Sat, 31 Dec 2033 23:59:59 GMT"), "{line}");
    assert!(line.contains("https://api.example.com/sunset"), "{line}");
    Ok(())
}

/// Counts deprecated responses, as a metric would.
#[derive(Debug, Default, Clone)]
struct Count(Arc<AtomicUsize>);

impl Interceptor for Count {
    fn on_deprecation(&self, _request: &PreparedRequest, _deprecation: &Deprecation) -> Result<(), String> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// Fails calls to deprecated operations, as a CI run might.
#[derive(Debug)]
struct Refuse;

impl Interceptor for Refuse {
    fn on_deprecation(&self, request: &PreparedRequest, _deprecation: &Deprecation) -> Result<(), String> {
        Err(format!("{} must move off deprecated operations", request.operation_id()))
    }
}

#[tokio::test]
async fn an_interceptor_sees_every_deprecated_response_and_may_fail_the_call() -> TestResult {
    let url = start().await;
    let count = Count::default();
    let client = Client::builder(url.clone()).interceptor(count.clone()).build()?;
    for form in ["structured", "structured", "current", "sunset"] {
        client.get_order(form).await?;
    }
    assert_eq!(count.0.load(Ordering::SeqCst), 3);

    let strict = Client::builder(url).interceptor(Refuse).build()?;
    assert_eq!(strict.get_order("current").await?.id, "current");
    let error = strict.get_order("structured").await.unwrap_err();
    let Error::Deprecated { status, deprecation, reason, .. } = &error else { panic!("{error:?}") };
    assert_eq!(status.as_u16(), 200);
    assert_eq!(deprecation.since, Some(UNIX_EPOCH + Duration::from_secs(1_688_169_599)));
    assert_eq!(reason, "getOrder must move off deprecated operations");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(200));
    assert!(error.may_have_reached_server());
    assert!(
        error.to_string().starts_with("`getOrder` status 200 OK refused as deprecated (deprecated since Fri, 30 Jun 2023 23:59:59 GMT): getOrder must move off"),
        "{error}"
    );
    Ok(())
}
