//! Short-lived OAuth2 tokens against a real token server on 127.0.0.1 (axum): the built-in
//! client-credentials and refresh-token providers, the client's token cache (one request for many
//! concurrent calls, a refresh shortly before expiry), retries of a failing token endpoint, typed
//! errors that name the endpoint and never a secret, rotating refresh tokens, and the one refresh
//! and one resend a `401 error="invalid_token"` earns. Time is a manual clock and waits go through
//! a recording sleeper, so nothing here sleeps.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use gusset::clock::{ManualClock, RecordingSleeper};
use gusset::oauth::{ClientAuth, ClientCredentials, RefreshToken, TokenEndpointError};
use gusset::{BuildError, Error, RetryPolicy};

const SECRET: &str = "s3cr3t-v@lue";

/// A generated-style client for an API whose operations need an OAuth2 token; the document's
/// client-credentials flow has a relative `tokenUrl`, served by the same test server.
mod orders {
    use gusset::__private as rt;

    pub(crate) static API: rt::ApiInfo = rt::ApiInfo {
        title: "Orders",
        api_version: "1",
        version_header: None,
        client_name: "orders-client",
        client_version: "0.1.0",
        servers: &[],
        security_schemes: &[rt::SecurityScheme {
            name: "oauth",
            kind: rt::SchemeKind::OAuth2ClientCredentials {
                token_url: "oauth/token",
                scopes: &["orders:read", "orders:write"],
            },
        }],
    };

    static GET_ORDER: rt::Operation = rt::Operation {
        id: "getOrder",
        method: rt::http::Method::GET,
        path: "/orders/{id}",
        idempotency: rt::Idempotency::Default,
        security: &[&["oauth"]],
    };

    static CREATE_ORDER: rt::Operation = rt::Operation {
        id: "createOrder",
        method: rt::http::Method::POST,
        path: "/orders",
        idempotency: rt::Idempotency::Default,
        security: &[&["oauth"]],
    };

    #[derive(Clone, Debug)]
    pub(crate) struct Client(pub(crate) gusset::Client);

    impl rt::GeneratedClient for Client {
        fn from_client(client: gusset::Client) -> Self {
            Self(client)
        }
    }

    impl Client {
        pub(crate) fn builder(base_url: impl Into<String>) -> gusset::ClientBuilder<Self> {
            rt::builder(&API, base_url)
        }

        pub(crate) fn get_order(&self, id: &str) -> gusset::Call<'_, serde_json::Value, serde_json::Value> {
            let mut request = rt::Request::new(&GET_ORDER);
            request.path_param("id", id, rt::Style::Simple, false);
            rt::call(&self.0, request, rt::decode_value, rt::decode_value)
        }

        pub(crate) fn create_order(
            &self,
            body: &serde_json::Value,
        ) -> gusset::Call<'_, serde_json::Value, serde_json::Value> {
            let mut request = rt::Request::new(&CREATE_ORDER);
            request.json(body);
            rt::call(&self.0, request, rt::decode_value, rt::decode_value)
        }
    }
}

/// A token request as the server saw it.
#[derive(Clone, Debug)]
struct TokenRequest {
    authorization: Option<String>,
    content_type: Option<String>,
    form: Vec<(String, String)>,
}

impl TokenRequest {
    fn field(&self, name: &str) -> Option<&str> {
        self.form.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// An API request as the server saw it.
#[derive(Clone, Debug)]
struct ApiRequest {
    authorization: Option<String>,
    idempotency_key: Option<String>,
    correlation_id: Option<String>,
}

#[derive(Default)]
struct Books {
    issued: u32,
    lifetime: u64,
    /// Replies to the next token requests, before issuing tokens again.
    script: VecDeque<(u16, String)>,
    tokens: Vec<TokenRequest>,
    api: Vec<ApiRequest>,
    valid: HashSet<String>,
    /// Reject every token, fresh ones too.
    reject_all: bool,
    /// The `WWW-Authenticate` of a 401.
    challenge: String,
}

/// The token server and the API it protects.
#[derive(Clone)]
struct AuthServer {
    url: String,
    books: Arc<Mutex<Books>>,
}

impl AuthServer {
    async fn start(lifetime: u64) -> Self {
        let books = Arc::new(Mutex::new(Books {
            lifetime,
            challenge: r#"Bearer realm="orders", error="invalid_token", error_description="the token expired""#.into(),
            ..Books::default()
        }));
        let app = axum::Router::new()
            .route("/oauth/token", axum::routing::post(token))
            .fallback(api)
            .with_state(books.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        AuthServer { url, books }
    }

    fn token_url(&self) -> String {
        format!("{}/oauth/token", self.url)
    }
    fn script(&self, status: u16, body: &str) {
        self.books.lock().unwrap().script.push_back((status, body.to_owned()));
    }
    fn tokens(&self) -> Vec<TokenRequest> {
        self.books.lock().unwrap().tokens.clone()
    }
    fn api(&self) -> Vec<ApiRequest> {
        self.books.lock().unwrap().api.clone()
    }
    /// Every token issued so far stops working.
    fn revoke_all(&self) {
        self.books.lock().unwrap().valid.clear();
    }
    fn challenge(&self, challenge: &str) {
        self.books.lock().unwrap().challenge = challenge.to_owned();
    }
}

async fn token(State(books): State<Arc<Mutex<Books>>>, headers: HeaderMap, body: String) -> Response {
    let header = |name: &str| headers.get(name).map(|v| v.to_str().unwrap().to_owned());
    let form: Vec<(String, String)> =
        body.split('&').filter_map(|pair| pair.split_once('=')).map(|(n, v)| (decode(n), decode(v))).collect();
    let request = TokenRequest { authorization: header("authorization"), content_type: header("content-type"), form };
    let mut books = books.lock().unwrap();
    books.tokens.push(request.clone());
    if let Some((status, body)) = books.script.pop_front() {
        let status = StatusCode::from_u16(status).unwrap();
        return (status, [("content-type", "application/json")], body).into_response();
    }
    books.issued += 1;
    let access = format!("at-{}", books.issued);
    books.valid.insert(access.clone());
    let mut answer =
        serde_json::json!({ "access_token": access, "token_type": "bearer", "expires_in": books.lifetime });
    if request.field("grant_type") == Some("refresh_token") {
        answer["refresh_token"] = format!("rt-{}", books.issued).into();
    }
    axum::Json(answer).into_response()
}

async fn api(State(books): State<Arc<Mutex<Books>>>, headers: HeaderMap) -> Response {
    let header = |name: &str| headers.get(name).map(|v| v.to_str().unwrap().to_owned());
    let mut books = books.lock().unwrap();
    let authorization = header("authorization");
    books.api.push(ApiRequest {
        authorization: authorization.clone(),
        idempotency_key: header("idempotency-key"),
        correlation_id: header("x-request-id"),
    });
    let token = authorization.as_deref().and_then(|a| a.strip_prefix("Bearer ")).unwrap_or_default();
    if !books.reject_all && books.valid.contains(token) {
        axum::Json(serde_json::json!({ "id": "o-1" })).into_response()
    } else {
        (StatusCode::UNAUTHORIZED, [("www-authenticate", books.challenge.clone())]).into_response()
    }
}

/// `application/x-www-form-urlencoded` decoding, enough for the test.
fn decode(text: &str) -> String {
    let bytes = text.replace('+', " ").into_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap(), 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

struct Env {
    server: AuthServer,
    clock: ManualClock,
    sleeper: RecordingSleeper,
}

async fn env(lifetime: u64) -> Env {
    let clock = ManualClock::default();
    Env { server: AuthServer::start(lifetime).await, sleeper: RecordingSleeper::new(clock.clone()), clock }
}

impl Env {
    fn builder(&self) -> gusset::ClientBuilder<orders::Client> {
        orders::Client::builder(&self.server.url).clock(self.clock.clone()).sleeper(self.sleeper.clone())
    }
    fn client(&self) -> orders::Client {
        self.builder().oauth2_client_credentials("orders-app", SECRET).build().unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_calls_make_one_token_request() {
    let env = env(3600).await;
    let client = env.client();
    let calls: Vec<_> = (0..100)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move { client.get_order(&i.to_string()).await.map(|r| r.attempts()) })
        })
        .collect();
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap(), 1);
    }
    let tokens = env.server.tokens();
    assert_eq!(tokens.len(), 1, "one token request for all calls");
    let api = env.server.api();
    assert_eq!(api.len(), 100);
    assert!(api.iter().all(|r| r.authorization.as_deref() == Some("Bearer at-1")));

    // RFC 6749 4.4: a form-encoded request, the client authenticated with HTTP Basic, and the
    // token URL and scopes taken from the document.
    let request = &tokens[0];
    assert_eq!(request.content_type.as_deref(), Some("application/x-www-form-urlencoded"));
    assert_eq!(request.field("grant_type"), Some("client_credentials"));
    assert_eq!(request.field("scope"), Some("orders:read orders:write"));
    assert_eq!(request.field("client_secret"), None, "the secret is not in the body by default");
    let basic = request.authorization.as_deref().unwrap().strip_prefix("Basic ").unwrap();
    let decoded = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(basic).unwrap()).unwrap();
    assert_eq!(decoded, "orders-app:s3cr3t-v%40lue", "id and secret are form-encoded first (RFC 6749 2.3.1)");
}

#[tokio::test]
async fn a_token_is_refreshed_once_shortly_before_it_expires() {
    // A 60 s token is replaced in its last 6 s (a tenth of its lifetime).
    let env = env(60).await;
    let client = env.client();
    client.get_order("1").await.unwrap();
    env.clock.advance(Duration::from_secs(53));
    client.get_order("2").await.unwrap();
    assert_eq!(env.server.tokens().len(), 1, "7 s left: still cached");

    env.clock.advance(Duration::from_secs(2));
    for _ in 0..10 {
        client.get_order("3").await.unwrap();
    }
    assert_eq!(env.server.tokens().len(), 2, "one refresh, then the new token is cached");
    let api = env.server.api();
    assert_eq!(api.last().unwrap().authorization.as_deref(), Some("Bearer at-2"));
    assert!(env.sleeper.sleeps().is_empty());

    // A day-long token is kept until its last minute.
    let env = self::env(86_400).await;
    let client = env.client();
    client.get_order("1").await.unwrap();
    env.clock.advance(Duration::from_secs(86_400 - 61));
    client.get_order("1").await.unwrap();
    assert_eq!(env.server.tokens().len(), 1);
    env.clock.advance(Duration::from_secs(2));
    client.get_order("1").await.unwrap();
    assert_eq!(env.server.tokens().len(), 2);
}

#[tokio::test]
async fn a_failing_token_endpoint_is_retried_with_the_clients_backoff() {
    let env = env(3600).await;
    env.server.script(500, r#"{"error":"server_error"}"#);
    env.server.script(503, "");
    let client = env
        .builder()
        .retry(RetryPolicy::default().max_attempts(3))
        .oauth2_client_credentials("orders-app", SECRET)
        .build()
        .unwrap();
    let response = client.get_order("1").await.unwrap();
    assert_eq!(response.attempts(), 1, "the call itself was sent once");
    assert_eq!(env.server.tokens().len(), 3);
    let sleeps = env.sleeper.sleeps();
    assert_eq!(sleeps.len(), 2, "a backoff before each token retry: {sleeps:?}");
    assert!(sleeps[0] <= Duration::from_millis(500) && sleeps[1] <= Duration::from_secs(1), "{sleeps:?}");

    // Out of attempts: the last answer, as a typed error.
    let env = self::env(3600).await;
    for _ in 0..3 {
        env.server.script(503, "");
    }
    let err = env.client().get_order("1").await.unwrap_err();
    let Error::Token { source, .. } = &err else { panic!("{err:?}") };
    let endpoint = source.downcast_ref::<TokenEndpointError>().unwrap();
    assert_eq!((endpoint.status(), endpoint.attempts()), (Some(StatusCode::SERVICE_UNAVAILABLE), 3));
    assert!(env.server.api().is_empty(), "no call without a token");
}

#[tokio::test]
async fn a_refused_client_is_a_typed_error_naming_the_endpoint_without_the_secret() {
    let env = env(3600).await;
    // A careless server that echoes the secret in its description.
    env.server
        .script(400, &format!(r#"{{"error":"invalid_client","error_description":"no client with secret {SECRET}"}}"#));
    let err = env.client().get_order("1").await.unwrap_err();
    let Error::Token { source, context } = &err else { panic!("{err:?}") };
    let endpoint = source.downcast_ref::<TokenEndpointError>().unwrap();
    assert_eq!(endpoint.url(), env.server.token_url());
    assert_eq!(endpoint.status(), Some(StatusCode::BAD_REQUEST));
    assert_eq!(endpoint.error_code(), Some("invalid_client"));
    assert_eq!(endpoint.attempts(), 1, "a refusal is not retried");
    assert_eq!((context.attempts(), context.may_have_reached_server()), (0, false));
    let shown = format!("{err}");
    let debugged = format!("{err:?}");
    assert!(shown.contains(&env.server.token_url()) && shown.contains("invalid_client"), "{shown}");
    assert!(debugged.contains(&env.server.token_url()), "{debugged}");
    for text in [&shown, &debugged] {
        assert!(!text.contains(SECRET) && !text.contains("v@lue"), "{text}");
    }
    assert!(env.sleeper.sleeps().is_empty());
    assert!(env.server.api().is_empty());

    // The providers and the client print no secret either.
    let provider = ClientCredentials::new(env.server.token_url(), "orders-app", SECRET);
    let client = env.client();
    let refresh = RefreshToken::new(env.server.token_url(), "app", "rt-secret").client_secret(SECRET);
    for text in [format!("{provider:?}"), format!("{client:?}"), format!("{refresh:?}")] {
        assert!(!text.contains(SECRET) && !text.contains("rt-secret"), "{text}");
    }
}

#[tokio::test]
async fn body_credentials_are_an_option() {
    let env = env(3600).await;
    let client = env
        .builder()
        .oauth2_client_credentials_with("orders-app", SECRET, |c| {
            c.client_auth(ClientAuth::Body).scopes(["orders:read"]).param("audience", "https://orders")
        })
        .build()
        .unwrap();
    client.get_order("1").await.unwrap();
    let request = &env.server.tokens()[0];
    assert_eq!(request.authorization, None);
    assert_eq!(request.field("client_id"), Some("orders-app"));
    assert_eq!(request.field("client_secret"), Some(SECRET));
    assert_eq!(request.field("scope"), Some("orders:read"));
    assert_eq!(request.field("audience"), Some("https://orders"));
}

#[tokio::test]
async fn rotated_refresh_tokens_replace_the_old_and_reach_the_callback() {
    let env = env(3600).await;
    let stored = Arc::new(Mutex::new(Vec::new()));
    let seen = stored.clone();
    let provider = RefreshToken::new(env.server.token_url(), "app", "rt-0").on_refresh(move |tokens| {
        seen.lock().unwrap().push((tokens.refresh_token().to_owned(), tokens.rotated()));
    });
    let client = env.builder().bearer_auth(provider).build().unwrap();
    client.get_order("1").await.unwrap();
    assert_eq!(*stored.lock().unwrap(), [("rt-1".to_owned(), true)]);

    // The access token is revoked: the next call refreshes with the new refresh token.
    env.server.revoke_all();
    client.get_order("2").await.unwrap();
    assert_eq!(*stored.lock().unwrap(), [("rt-1".to_owned(), true), ("rt-2".to_owned(), true)]);
    let used: Vec<_> = env.server.tokens().iter().map(|r| r.field("refresh_token").unwrap().to_owned()).collect();
    assert_eq!(used, ["rt-0", "rt-1"], "each refresh uses the latest refresh token");
    let request = &env.server.tokens()[0];
    assert_eq!(request.field("grant_type"), Some("refresh_token"));
    assert_eq!(request.field("client_id"), Some("app"), "a public client names itself in the body");

    // A refused refresh token is a typed error, without the token.
    env.server.script(400, r#"{"error":"invalid_grant"}"#);
    env.server.revoke_all();
    let err = client.get_order("3").await.unwrap_err();
    let Error::Token { source, .. } = &err else { panic!("{err:?}") };
    assert_eq!(source.downcast_ref::<TokenEndpointError>().unwrap().error_code(), Some("invalid_grant"));
    assert!(!format!("{err} {err:?}").contains("rt-2"), "{err:?}");
}

#[tokio::test]
async fn invalid_token_forces_one_refresh_and_one_resend_with_the_same_ids() {
    let env = env(3600).await;
    let client = env.client();
    client.get_order("1").await.unwrap();
    env.server.revoke_all();
    let response = client.create_order(&serde_json::json!({ "sku": "x" })).await.unwrap();
    assert_eq!(response.attempts(), 2);
    assert_eq!(env.server.tokens().len(), 2, "one refresh");
    let api = env.server.api();
    let (rejected, resent) = (&api[1], &api[2]);
    assert_eq!(rejected.authorization.as_deref(), Some("Bearer at-1"));
    assert_eq!(resent.authorization.as_deref(), Some("Bearer at-2"));
    assert!(rejected.idempotency_key.is_some());
    assert_eq!(rejected.idempotency_key, resent.idempotency_key, "the same idempotency key");
    assert_eq!(rejected.correlation_id, resent.correlation_id, "the same correlation id");
    assert!(env.sleeper.sleeps().is_empty(), "the resend does not wait");
}

#[tokio::test]
async fn a_second_401_is_the_answer() {
    let env = env(3600).await;
    let client = env.client();
    client.get_order("1").await.unwrap();
    // Every token is rejected from now on, the fresh one too.
    env.server.books.lock().unwrap().reject_all = true;
    let err = client.get_order("2").await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED), "{err:?}");
    assert_eq!(err.attempts(), 2, "one resend, never a loop");
    assert_eq!(env.server.tokens().len(), 2);
    assert_eq!(env.server.api().len(), 3);
}

#[tokio::test]
async fn a_401_a_new_token_cannot_fix_is_not_resent() {
    let env = env(3600).await;
    let client = env.client();
    client.get_order("1").await.unwrap();
    env.server.revoke_all();
    env.server.challenge(r#"Bearer error="insufficient_scope", scope="admin""#);
    let err = client.get_order("2").await.unwrap_err();
    assert_eq!((err.status(), err.attempts()), (Some(StatusCode::UNAUTHORIZED), 1));
    assert_eq!(env.server.tokens().len(), 1);
}

#[tokio::test]
async fn a_document_without_a_client_credentials_flow_is_a_build_error() {
    mod bare {
        use gusset::__private as rt;
        pub(crate) static API: rt::ApiInfo = rt::ApiInfo {
            title: "Bare",
            api_version: "1",
            version_header: None,
            client_name: "bare",
            client_version: "0",
            servers: &[],
            security_schemes: &[rt::SecurityScheme {
                name: "code",
                kind: rt::SchemeKind::OAuth2 { token_url: Some("https://auth.example.com/token") },
            }],
        };
    }
    let err = gusset::__private::builder::<orders::Client>(&bare::API, "http://127.0.0.1:9")
        .oauth2_client_credentials("id", SECRET)
        .build()
        .unwrap_err();
    assert!(matches!(err, BuildError::Conflict { .. }), "{err:?}");
    assert!(err.to_string().contains("client-credentials") && !err.to_string().contains(SECRET), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_share_one_refresh_and_one_rotation() {
    let env = env(60).await;
    let rotations = Arc::new(Mutex::new(Vec::new()));
    let seen = rotations.clone();
    let provider = RefreshToken::new(env.server.token_url(), "app", "rt-0")
        .client_secret(SECRET)
        .on_refresh(move |tokens| seen.lock().unwrap().push(tokens.refresh_token().to_owned()));
    let client = env.builder().bearer_auth(provider).build().unwrap();
    let calls: Vec<_> = (0..50)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.get_order("1").await.map(|_| ()) })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    env.clock.advance(Duration::from_secs(60));
    let calls: Vec<_> = (0..50)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.get_order("2").await.map(|_| ()) })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(*rotations.lock().unwrap(), ["rt-1", "rt-2"], "one refresh per expiry, each stored once");
    let tokens = env.server.tokens();
    let used: Vec<_> = tokens.iter().map(|r| r.field("refresh_token").unwrap()).collect();
    assert_eq!(used, ["rt-0", "rt-1"]);
    assert!(tokens[0].authorization.as_deref().unwrap().starts_with("Basic "), "a confidential client");
}

#[tokio::test]
async fn a_refresh_token_provider_can_start_with_the_access_token_it_came_with() {
    let env = env(3600).await;
    env.server.books.lock().unwrap().valid.insert("at-0".into());
    let start = gusset::Token::new("at-0").expires_at(gusset::clock::Clock::now(&env.clock) + Duration::from_secs(600));
    let provider = RefreshToken::new(env.server.token_url(), "app", "rt-0").access_token(start);
    let client = env.builder().bearer_auth(provider).build().unwrap();
    client.get_order("1").await.unwrap();
    assert!(env.server.tokens().is_empty(), "no refresh while the first token is good");
    assert_eq!(env.server.api()[0].authorization.as_deref(), Some("Bearer at-0"));
    env.clock.advance(Duration::from_secs(600));
    client.get_order("2").await.unwrap();
    assert_eq!(env.server.tokens().len(), 1, "refreshed once it expired");
    assert_eq!(env.server.api()[1].authorization.as_deref(), Some("Bearer at-1"));
}
