//! End-to-end calls through a hand-written "generated" client against a real server on 127.0.0.1:
//! what goes on the wire, and how responses are decoded.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use gusset::Error;
use support::petstore::{Client, NewPet, Pet};
use support::{Reply, Server};

fn client(server: &Server) -> Client {
    Client::builder(format!("{}/", server.url())).bearer_auth("tok-secret").id_seed(7).build().unwrap()
}

fn rex() -> NewPet {
    NewPet { name: "Rex".into(), tag: None }
}

#[tokio::test]
async fn json_call_end_to_end_with_every_header() {
    let server = Server::start(vec![
        Reply::json(201, r#"{"id":1,"name":"Rex","born":"2020-02-29"}"#).header("request-id", "srv-42"),
    ])
    .await;
    let client = client(&server);
    let response = client.create_pet(&rex()).await.unwrap();

    assert_eq!(response.status(), 201);
    assert_eq!(response.name, "Rex", "Deref to the body");
    assert_eq!(response.server_request_id(), Some("srv-42"));
    assert_eq!(response.attempts(), 1);
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!((r.method.as_str(), r.target.as_str()), ("POST", "/pets"));
    assert_eq!(r.body, br#"{"name":"Rex"}"#);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("authorization"), Some("Bearer tok-secret"));
    assert_eq!(
        r.header("user-agent"),
        Some(concat!("petstore-client/1.2.3 gusset/", env!("CARGO_PKG_VERSION"), " (api 2024-06-01)"))
    );
    assert_eq!(r.header("x-api-version"), Some(Client::API_VERSION));
    assert_eq!(r.header("gusset-attempt"), Some("1; max=3"));

    let key = r.header("idempotency-key").expect("POST carries a key");
    assert_eq!(gusset::__private::uuid::Uuid::parse_str(key).unwrap().get_version_num(), 4);
    assert_eq!(response.idempotency_key(), Some(key));
    let correlation = r.header("x-request-id").unwrap();
    assert_eq!(response.correlation_id(), correlation);
    let traceparent = r.header("traceparent").unwrap();
    let parts: Vec<&str> = traceparent.split('-').collect();
    assert_eq!(parts.len(), 4, "{traceparent}");
    assert_eq!((parts[0], parts[3]), ("00", "01"));
    assert_eq!(parts[1], correlation.replace('-', ""), "the trace id is the correlation uuid");
    assert_eq!(parts[2].len(), 16);

    let pet: Pet = response.into_inner();
    assert_eq!(pet.born.unwrap().to_string(), "2020-02-29");
}

#[tokio::test]
async fn get_has_no_key_and_parameters_are_encoded() {
    let server = Server::start(vec![Reply::json(200, r#"{"id":2,"name":"Ann"}"#)]).await;
    let client = client(&server);
    let pet = client.get_pet("../admin?x", Some(&["a b", "c"])).await.unwrap();
    assert_eq!(pet.id, 2);
    let r = &server.requests()[0];
    assert_eq!(r.target, "/pets/..%2Fadmin%3Fx?fields=a%20b,c");
    assert_eq!(r.header("idempotency-key"), None);

    let list = client.list_pets(Some(5), None).await.unwrap_err();
    assert!(matches!(list, Error::Decode { .. }), "`{{}}` is not a list: {list:?}");
    let r = &server.requests()[1];
    assert_eq!(r.target, "/pets?limit=5");
    assert_eq!(r.header("authorization"), None, "listPets needs no auth");
    assert_eq!(r.header("x-trace"), None, "None header parameters are omitted");
}

#[tokio::test]
async fn per_call_settings_win() {
    let server = Server::start(vec![]).await;
    server.fallback(Reply::json(201, r#"{"id":3,"name":"Rex"}"#));
    let client = client(&server);
    let response = client
        .create_pet(&rex())
        .idempotency_key("order-42")
        .correlation_id("corr-1")
        .header("X-Tenant", "acme")
        .send()
        .await
        .unwrap();
    assert_eq!(response.idempotency_key(), Some("order-42"));
    assert_eq!(response.correlation_id(), "corr-1");
    let r = &server.requests()[0];
    assert_eq!(r.header("idempotency-key"), Some("order-42"));
    assert_eq!(r.header("x-request-id"), Some("corr-1"));
    assert_eq!(r.header("x-tenant"), Some("acme"));
    let trace_id = r.header("traceparent").unwrap().split('-').nth(1).unwrap().to_owned();
    assert_eq!(trace_id.len(), 32);
    assert_ne!(trace_id, "0".repeat(32));

    // The ambient id is used by calls inside the scope; a new call outside gets a fresh one.
    let inside = gusset::correlation::scope("checkout-9", async { client.create_pet(&rex()).await.unwrap() }).await;
    assert_eq!(inside.correlation_id(), "checkout-9");
    let outside = client.create_pet(&rex()).await.unwrap();
    assert_ne!(outside.correlation_id(), "checkout-9");
    assert_ne!(outside.idempotency_key(), inside.idempotency_key(), "a new call gets a new key");
}

#[tokio::test]
async fn invalid_headers_are_rejected_before_sending() {
    let server = Server::start(vec![]).await;
    let client = client(&server);
    let err = client.create_pet(&rex()).header("X-Evil", "a\r\nInjected: 1").await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
    assert_eq!(err.attempts(), 0);
    assert!(!err.may_have_reached_server());
    assert_eq!(
        err.to_string().split(" after").next().unwrap(),
        "`createPet` invalid request: header `X-Evil` has a value with a control character"
    );
    let err = client.list_pets(None, Some("x\ny")).await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
    let err = client.get_pet("..", None).await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
    assert!(server.requests().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn error_responses_are_decoded() {
    let server = Server::start(vec![
        Reply::json(404, r#"{"code":"not_found"}"#).header("x-request-id", "srv-1"),
        Reply::json(418, "short and stout"),
        Reply::json(200, r#"{"id": "#),
    ])
    .await;
    let client = client(&server);

    let err = client.get_pet("1", None).await.unwrap_err();
    let Error::Api { status, ref body, ref headers, .. } = err else { panic!("{err:?}") };
    assert_eq!(status, 404);
    assert_eq!(body.code, "not_found");
    assert_eq!(headers.get("x-request-id").unwrap(), "srv-1");
    assert_eq!(err.api_error().map(|e| e.code.as_str()), Some("not_found"));
    assert_eq!(err.server_request_id(), Some("srv-1"));
    assert!(err.may_have_reached_server());

    let err = client.get_pet("1", None).await.unwrap_err();
    let Error::UnexpectedStatus { status, ref snippet, .. } = err else { panic!("{err:?}") };
    assert_eq!((status.as_u16(), snippet.as_str()), (418, "short and stout"));

    let err = client.get_pet("1", None).await.unwrap_err();
    let Error::Decode { ref snippet, ref message, .. } = err else { panic!("{err:?}") };
    assert_eq!(snippet, r#"{"id": "#);
    assert!(message.contains("invalid json"), "{message}");
    let text = format!("{err} {err:?}");
    assert!(!text.contains("tok-secret"), "no secret in errors: {text}");
}

#[tokio::test]
async fn api_key_query_auth_basic_and_limits() {
    let server = Server::start(vec![]).await;
    server.fallback(Reply::json(200, r#"{"id":1,"name":"Rex"}"#));
    let keyed = Client::builder(server.url()).api_key("k&1").max_response_bytes(10).build().unwrap();
    let err = keyed.get_pet("7", None).await.unwrap_err();
    assert!(matches!(err, Error::ResponseTooLarge { limit: 10, .. }), "{err:?}");
    assert_eq!(server.requests()[0].target, "/pets/7?api_key=k%261");
    assert!(!format!("{keyed:?}").contains("k&1"), "Debug shows no secret");

    let basic = Client::builder(server.url()).basic_auth("u", "p").default_header("X-Team", "blue").build().unwrap();
    // The document has no basic scheme: a documented operation gets nothing.
    basic.get_pet("7", None).await.unwrap();
    let r = &server.requests()[1];
    assert_eq!(r.header("authorization"), None);
    assert_eq!(r.header("x-team"), Some("blue"));

    assert!(Client::builder("ftp://x").build().is_err());
    assert!(Client::builder(server.url()).default_header("X", "a\nb").build().is_err());
    let versionless = Client::builder(server.url()).api_version(None).build().unwrap();
    versionless.list_pets(None, None).await.unwrap_err();
    assert_eq!(server.requests()[2].header("x-api-version"), None);
    assert_eq!(versionless.runtime().api_version(), None);
}

/// A client of a document that declares no version header (as most do): `info.version` goes
/// in the `User-Agent` comment only, unless the user names a header for it.
mod unversioned {
    use gusset::__private as rt;

    pub(crate) static API: rt::ApiInfo = rt::ApiInfo {
        title: "Plain",
        api_version: "3.1.4 (draft)",
        version_header: None,
        client_name: "plain-client",
        client_version: "0.2.0",
        servers: &[],
        security_schemes: &[],
    };

    static PING: rt::Operation = rt::Operation {
        id: "ping",
        method: rt::http::Method::GET,
        path: "/ping",
        idempotency: rt::Idempotency::Default,
        security: &[],
    };

    pub(crate) struct Client(gusset::Client);

    impl rt::GeneratedClient for Client {
        fn from_client(client: gusset::Client) -> Self {
            Self(client)
        }
    }

    impl Client {
        pub(crate) fn builder(base_url: impl Into<String>) -> gusset::ClientBuilder<Self> {
            rt::builder(&API, base_url)
        }

        pub(crate) fn ping(&self) -> gusset::Call<'_, serde_json::Value, serde_json::Value> {
            rt::call(&self.0, rt::Request::new(&PING), rt::decode_value, rt::decode_value)
        }
    }
}

#[tokio::test]
async fn the_user_agent_names_the_document_version() {
    let server = Server::start(vec![]).await;
    server.fallback(Reply::json(200, "{}"));
    let client = unversioned::Client::builder(server.url()).user_agent_suffix("shop/7").build().unwrap();
    client.ping().await.unwrap();
    let gusset = env!("CARGO_PKG_VERSION");
    let r = &server.requests()[0];
    assert_eq!(
        r.header("user-agent").map(str::to_owned),
        Some(format!("plain-client/0.2.0 gusset/{gusset} (api 3.1.4 _draft_) shop/7"))
    );
    let version_headers: Vec<_> =
        r.headers.iter().filter(|(name, _)| name.to_ascii_lowercase().contains("version")).collect();
    assert!(version_headers.is_empty(), "no version header without a name for it: {version_headers:?}");

    // A header the user names carries the version as well.
    let named = unversioned::Client::builder(server.url()).api_version_header("X-Plain-Version").build().unwrap();
    named.ping().await.unwrap();
    let r = &server.requests()[1];
    assert_eq!(r.header("x-plain-version"), Some("3.1.4 (draft)"));
    assert_eq!(
        r.header("user-agent").map(str::to_owned),
        Some(format!("plain-client/0.2.0 gusset/{gusset} (api 3.1.4 _draft_)"))
    );
}

#[derive(Debug)]
struct Tag(std::sync::Arc<std::sync::Mutex<Vec<u16>>>);

impl gusset::Interceptor for Tag {
    fn before_attempt(
        &self,
        request: &gusset::PreparedRequest,
        attempt: gusset::AttemptInfo,
        headers: &mut gusset::http::HeaderMap,
    ) {
        let value = format!("{}#{}", request.operation_id(), attempt.number);
        headers.insert("x-intercepted", value.parse().unwrap());
    }
    fn after_response(
        &self,
        _: &gusset::PreparedRequest,
        _: gusset::AttemptInfo,
        status: gusset::http::StatusCode,
        _: &gusset::http::HeaderMap,
    ) {
        self.0.lock().unwrap().push(status.as_u16());
    }
}

#[tokio::test]
async fn interceptors_see_every_attempt() {
    let server = Server::start(vec![Reply::status(503)]).await;
    server.fallback(Reply::json(200, r#"{"id":1,"name":"Rex"}"#));
    let seen = std::sync::Arc::default();
    let sleeper = gusset::clock::RecordingSleeper::new(gusset::clock::ManualClock::default());
    let client =
        Client::builder(server.url()).interceptor(Tag(std::sync::Arc::clone(&seen))).sleeper(sleeper).build().unwrap();
    client.get_pet("1", None).await.unwrap();
    let tags: Vec<_> = server.requests().iter().map(|r| r.header("x-intercepted").unwrap().to_owned()).collect();
    assert_eq!(tags, ["getPet#1", "getPet#2"]);
    assert_eq!(*seen.lock().unwrap(), [503, 200]);
}

/// Puts its own `Accept` on every attempt.
#[derive(Debug)]
struct AcceptText;

impl gusset::Interceptor for AcceptText {
    fn before_attempt(
        &self,
        _: &gusset::PreparedRequest,
        _: gusset::AttemptInfo,
        headers: &mut gusset::http::HeaderMap,
    ) {
        headers.insert("accept", gusset::http::HeaderValue::from_static("text/plain"));
    }
}

#[tokio::test]
async fn accept_is_the_operations_unless_the_user_sets_one() {
    let server = Server::start(Vec::new()).await;
    server.fallback(Reply::json(200, r#"{"id":1,"name":"Rex"}"#));
    let accept = |i: usize| {
        server.requests()[i].headers.iter().filter(|(n, _)| n == "accept").map(|(_, v)| v.clone()).collect::<Vec<_>>()
    };

    let plain = client(&server);
    plain.get_pet("1", None).await.unwrap();
    assert_eq!(accept(0), ["application/vnd.pet+json;version=2, application/problem+json"]);
    plain.get_pet("1", None).header("Accept", "application/vnd.pet+json;version=3").await.unwrap();
    assert_eq!(accept(1), ["application/vnd.pet+json;version=3"], "a per-call header wins, and is the only one");

    let defaulted = Client::builder(server.url()).default_header("accept", "application/xml").build().unwrap();
    defaulted.get_pet("1", None).await.unwrap();
    assert_eq!(accept(2), ["application/xml"], "a client default header wins");

    let intercepted = Client::builder(server.url()).interceptor(AcceptText).build().unwrap();
    intercepted.get_pet("1", None).header("Accept", "image/png").await.unwrap();
    assert_eq!(accept(3), ["text/plain"], "an interceptor has the last word");
}

#[test]
fn handles_are_send_and_sync() {
    fn send<T: Send>() {}
    fn send_sync<T: Send + Sync + 'static>() {}
    send::<gusset::Call<'static, Pet, support::petstore::ApiError>>();
    send::<gusset::CallFuture<'static, Pet, support::petstore::ApiError>>();
    send_sync::<Client>();
    send_sync::<gusset::Error<support::petstore::ApiError>>();
    send_sync::<gusset::PreparedRequest>();
}
