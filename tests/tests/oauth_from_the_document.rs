//! A generated client's OAuth2 client credentials come from its document: the client generated
//! from `tests/fixtures/openapi31.yaml` (whose `oauth` scheme has a `clientCredentials` flow and
//! whose `createItem` requires the `write` scope) gets its tokens from a real token server on
//! 127.0.0.1, and nothing it logs at any level, nor any error, holds the secret or a token.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use gusset_tests::snapshots::openapi31::{Client, NewItem};

const SECRET: &str = "catalog-secret-9f2";
const TOKEN: &str = "tok-7c1e5a";

#[derive(Default)]
struct Seen {
    token_requests: Vec<(Option<String>, String)>,
    /// Token requests answered 503 before one succeeds.
    token_failures: u32,
    /// Refuse the client: `400 invalid_client`, echoing the secret.
    refuse: bool,
    /// API requests answered `401 invalid_token` before the token is accepted.
    rejections: u32,
    api_auth: Vec<Option<String>>,
}

async fn start() -> (String, Arc<Mutex<Seen>>) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let (token_seen, api_seen) = (seen.clone(), seen.clone());
    let app = axum::Router::new()
        .route(
            "/token",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let seen = token_seen.clone();
                async move {
                    let mut seen = seen.lock().unwrap();
                    let auth = headers.get("authorization").map(|v| v.to_str().unwrap().to_owned());
                    seen.token_requests.push((auth, body));
                    if seen.refuse {
                        let body =
                            format!(r#"{{"error":"invalid_client","error_description":"secret {SECRET} unknown"}}"#);
                        return (StatusCode::BAD_REQUEST, [("content-type", "application/json")], body).into_response();
                    }
                    if seen.token_failures > 0 {
                        seen.token_failures -= 1;
                        return StatusCode::SERVICE_UNAVAILABLE.into_response();
                    }
                    axum::Json(serde_json::json!({ "access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600 }))
                        .into_response()
                }
            }),
        )
        .route(
            "/items",
            axum::routing::post(move |headers: HeaderMap| {
                let seen = api_seen.clone();
                async move {
                    let mut seen = seen.lock().unwrap();
                    seen.api_auth.push(headers.get("authorization").map(|v| v.to_str().unwrap().to_owned()));
                    if seen.rejections > 0 {
                        seen.rejections -= 1;
                        let challenge = r#"Bearer error="invalid_token", error_description="revoked""#;
                        return (StatusCode::UNAUTHORIZED, [("www-authenticate", challenge)]).into_response();
                    }
                    let response: Response =
                        (StatusCode::CREATED, axum::Json(serde_json::json!({ "name": "Lamp" }))).into_response();
                    response
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

/// Everything logged while the test runs, at every level.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl Write for Log {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn lamp() -> NewItem {
    NewItem { name: "Lamp".into(), price: 12.5, note: None, kind: None, tags: None, parent: None }
}

#[tokio::test]
async fn the_documents_flow_and_scopes_are_used_and_no_secret_is_logged() {
    let log = Log::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let (url, seen) = start().await;
    seen.lock().unwrap().token_failures = 1;
    seen.lock().unwrap().rejections = 1;
    let token_url = format!("{url}/token");
    let client = Client::builder(&url)
        // The document's token URL is a real host's: this test's server stands in for it.
        .oauth2_client_credentials_with("catalog-app", SECRET, |c| c.token_url(&token_url))
        .sleeper(gusset::clock::RecordingSleeper::new(gusset::clock::ManualClock::default()))
        .build()
        .unwrap();
    let item = client.create_item(&lamp()).await.unwrap();
    assert_eq!(item.as_ref().map(|i| i.name.as_str()), Some("Lamp"));
    assert_eq!(item.attempts(), 2, "the invalid_token 401, then the resend");

    let requests = seen.lock().unwrap().token_requests.clone();
    assert_eq!(requests.len(), 3, "a 503, the token, the refresh after the 401");
    let (auth, body) = &requests[0];
    assert!(auth.as_deref().unwrap().starts_with("Basic "));
    assert_eq!(body, "grant_type=client_credentials&scope=write", "the scope `createItem` requires");
    let api = seen.lock().unwrap().api_auth.clone();
    assert_eq!(api, [Some(format!("Bearer {TOKEN}")), Some(format!("Bearer {TOKEN}"))]);

    // A refused client: the error names the endpoint, never the secret.
    seen.lock().unwrap().refuse = true;
    let refused = Client::builder(&url)
        .oauth2_client_credentials_with("catalog-app", SECRET, |c| c.token_url(&token_url))
        .build()
        .unwrap();
    let err = refused.create_item(&lamp()).await.unwrap_err();
    assert!(matches!(err, gusset::Error::Token { .. }), "{err:?}");
    let shown = format!("{err} {err:?}");
    assert!(shown.contains(&token_url) && shown.contains("invalid_client"), "{shown}");
    assert!(!shown.contains(SECRET), "{shown}");

    let logged = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert!(logged.contains("retrying the token request") && logged.contains(&token_url), "{logged}");
    assert!(logged.contains("the server rejected the token"), "{logged}");
    assert!(logged.contains("call failed"), "{logged}");
    assert!(!logged.contains(SECRET) && !logged.contains(TOKEN), "{logged}");
}
