//! `gusset::mock` on its own: operations described by hand (as generated code describes them),
//! requests sent with plain reqwest so every byte of a fault is visible.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use gusset::mock::{BodySpec, Endpoint, Fault, Outcome, Reply, RetryAfter, Server, Spec};
use gusset::reqwest;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct NewThing {
    name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Thing {
    id: String,
    name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Problem {
    title: String,
}

static CREATE: Spec = Spec {
    id: "createThing",
    method: http::Method::POST,
    path: "/things",
    query: &["shelf"],
    headers: &[],
    body: Some(BodySpec {
        media_type: "application/json",
        required: true,
        check: gusset::mock::check_json::<NewThing>,
    }),
    statuses: &["201", "4XX"],
    ok_type: "application/json",
    error_type: "application/problem+json",
};

static GET: Spec = Spec {
    id: "getThing",
    method: http::Method::GET,
    path: "/things/{thingId}",
    query: &[],
    headers: &["x-tenant"],
    body: None,
    statuses: &["200", "404"],
    ok_type: "application/json",
    error_type: "application/problem+json",
};

static OPERATIONS: &[&Spec] = &[&CREATE, &GET];

fn create(server: &Server) -> Endpoint<'_, NewThing, Thing, Problem> {
    Endpoint::new(server, &CREATE, gusset::mock::decode_json, gusset::mock::encode_json, gusset::mock::encode_json)
}

fn get(server: &Server) -> Endpoint<'_, (), Thing, Problem> {
    Endpoint::new(server, &GET, gusset::mock::decode_none, gusset::mock::encode_json, gusset::mock::encode_json)
}

fn thing(id: &str) -> Thing {
    Thing { id: id.into(), name: "lamp".into() }
}

/// The body as JSON (reqwest's `json` feature is not on in this crate).
async fn json<T: serde::de::DeserializeOwned>(response: reqwest::Response) -> Result<T, Box<dyn std::error::Error>> {
    Ok(serde_json::from_slice(&response.bytes().await?)?)
}

async fn post(server: &Server, key: Option<&str>) -> reqwest::Result<reqwest::Response> {
    let mut request = reqwest::Client::new()
        .post(format!("{}/things?shelf=a", server.url()))
        .header("content-type", "application/json")
        .body(r#"{"name":"lamp"}"#);
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    request.send().await
}

#[tokio::test]
async fn a_typed_responder_sees_the_decoded_request_and_answers_the_declared_status() {
    let server = Server::start(OPERATIONS).await.unwrap();
    create(&server).respond_with(|req| Reply::ok(Thing { id: "t-1".into(), name: req.body().name.clone() }));
    let response = post(&server, Some("k-1")).await.unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(json::<Thing>(response).await.unwrap(), thing("t-1"));
    let received = create(&server).received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].body(), Some(&NewThing { name: "lamp".into() }));
    assert_eq!(received[0].idempotency_key(), Some("k-1"));
    assert_eq!(received[0].query("shelf"), Some("a"));
    assert_eq!(received[0].outcome(), &Outcome::Answered(201));
    create(&server).assert_calls(1);
    server.verify();
}

#[tokio::test]
async fn matchers_pick_the_stub_and_path_parameters_are_decoded() {
    let server = Server::start(OPERATIONS).await.unwrap();
    get(&server).path_param("thingId", "t 1").header("x-tenant", "acme").ok(thing("t 1"));
    get(&server).error(404, Problem { title: "gone".into() });
    let client = reqwest::Client::new();
    let url = |id: &str| format!("{}/things/{id}", server.url());
    let found = client.get(url("t%201")).header("x-tenant", "acme").send().await.unwrap();
    assert_eq!(found.status(), 200);
    let other = client.get(url("t-2")).header("x-tenant", "acme").send().await.unwrap();
    assert_eq!(other.status(), 404);
    assert_eq!(other.headers()["content-type"], "application/problem+json");
    assert_eq!(json::<Problem>(other).await.unwrap().title, "gone");
    assert_eq!(get(&server).path_param("thingId", "t 1").calls(), 1);
    assert_eq!(get(&server).calls(), 2);
    server.verify();
}

#[tokio::test]
async fn a_body_predicate_matches_on_the_typed_body() {
    let server = Server::start(OPERATIONS).await.unwrap();
    create(&server).body_matches(|b| b.name == "chair").ok(thing("chair"));
    create(&server).ok(thing("other"));
    let response = post(&server, None).await.unwrap();
    assert_eq!(json::<Thing>(response).await.unwrap().id, "other");
    assert_eq!(create(&server).body_matches(|b| b.name == "lamp").calls(), 1);
    server.verify();
}

#[tokio::test]
async fn invalid_requests_are_answered_400_with_the_reason_and_reported() {
    let server = Server::start(OPERATIONS).await.unwrap();
    create(&server).ok(thing("t-1"));
    get(&server).ok(thing("t-1"));
    let client = reqwest::Client::new();
    let things = format!("{}/things", server.url());
    let no_shelf = client.post(&things).header("content-type", "application/json").body(r#"{"name":"x"}"#);
    let text = client.post(format!("{things}?shelf=a")).header("content-type", "text/plain").body("x");
    let bad_body = client.post(format!("{things}?shelf=a")).header("content-type", "application/json").body("{}");
    let no_body = client.post(format!("{things}?shelf=a"));
    let no_header = client.get(format!("{things}/t-1"));
    for request in [no_shelf, text, bad_body, no_body, no_header] {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 400);
    }
    let problems = server.take_problems();
    assert_eq!(problems.len(), 5, "{problems:#?}");
    assert!(problems[0].contains("the required query parameter `shelf` is missing"), "{}", problems[0]);
    assert!(problems[1].contains("sent as `text/plain`, the document says `application/json`"), "{}", problems[1]);
    assert!(problems[2].contains("does not decode into the request type: missing field `name`"), "{}", problems[2]);
    assert!(problems[3].contains("the required request body is missing"), "{}", problems[3]);
    assert!(problems[4].contains("the required header `x-tenant` is missing"), "{}", problems[4]);
    create(&server).assert_calls(0);
    assert!(matches!(create(&server).received()[0].outcome(), Outcome::Invalid(why) if why.contains("shelf")));
}

#[tokio::test]
async fn requests_of_no_operation_or_no_stub_are_reported() {
    let server = Server::start(OPERATIONS).await.unwrap();
    let client = reqwest::Client::new();
    let unknown = client.delete(format!("{}/things/t-1", server.url())).send().await.unwrap();
    assert_eq!(unknown.status(), 404);
    let unstubbed = client.get(format!("{}/things/t-1", server.url())).header("x-tenant", "a").send().await.unwrap();
    assert_eq!(unstubbed.status(), 501);
    let journal = server.journal();
    assert_eq!(journal[0], (None, "DELETE /things/t-1".to_owned(), Outcome::UnknownOperation));
    assert_eq!(journal[1], (Some("getThing"), "GET /things/t-1".to_owned(), Outcome::NoStub));
    let problems = server.take_problems();
    assert_eq!(problems.len(), 2);
    assert!(problems[0].contains("no operation of the document is DELETE /things/t-1"), "{}", problems[0]);
    assert!(problems[1].contains("no stub of `getThing`"), "{}", problems[1]);
}

#[tokio::test]
async fn a_status_the_document_does_not_declare_is_refused_and_reported() {
    let server = Server::start(OPERATIONS).await.unwrap();
    get(&server).error(503, Problem { title: "down".into() });
    create(&server).respond_with(|_| Reply::ok_with(200, thing("t")));
    let problems = server.take_problems();
    assert_eq!(problems, ["`getThing` answers 503, which the document does not declare (it declares 200, 404)"]);
    let answer = reqwest::Client::new()
        .get(format!("{}/things/t-1", server.url()))
        .header("x-tenant", "a")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 500);
    assert_eq!(post(&server, None).await.unwrap().status(), 500);
    let problems = server.take_problems();
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(problems[1].contains("`createThing` answers 200"), "{}", problems[1]);
}

#[tokio::test]
async fn a_sequence_fails_first_then_succeeds() {
    let server = Server::start(OPERATIONS).await.unwrap();
    create(&server).fault(Fault::Status(503)).times(1);
    create(&server).ok(thing("t-1"));
    assert_eq!(post(&server, Some("k")).await.unwrap().status(), 503);
    assert_eq!(post(&server, Some("k")).await.unwrap().status(), 201);
    assert_eq!(post(&server, Some("k")).await.unwrap().status(), 201);
    let outcomes: Vec<Outcome> = create(&server).received().iter().map(|r| r.outcome().clone()).collect();
    assert_eq!(outcomes, [Outcome::Faulted(Fault::Status(503)), Outcome::Answered(201), Outcome::Replayed(201)]);
    create(&server).assert_calls(1);
    server.verify();
}

#[tokio::test]
async fn a_repeated_idempotency_key_replays_the_reply_without_a_second_effect() {
    let server = Server::start(OPERATIONS).await.unwrap();
    let counter = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = std::sync::Arc::clone(&counter);
    create(&server).respond_with(move |_| {
        let n = seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Reply::ok(thing(&format!("t-{n}")))
    });
    let first: Thing = json(post(&server, Some("k")).await.unwrap()).await.unwrap();
    let again: Thing = json(post(&server, Some("k")).await.unwrap()).await.unwrap();
    let other: Thing = json(post(&server, Some("k2")).await.unwrap()).await.unwrap();
    assert_eq!((first.id.as_str(), again.id.as_str(), other.id.as_str()), ("t-0", "t-0", "t-1"));
    create(&server).assert_calls(2);
    server.dedup(false);
    let fresh: Thing = json(post(&server, Some("k")).await.unwrap()).await.unwrap();
    assert_eq!(fresh.id, "t-2");
    server.verify();
}

#[tokio::test]
async fn dropping_before_the_effect_runs_nothing_and_after_it_runs_the_responder() {
    let server = Server::start(OPERATIONS).await.unwrap();
    create(&server).fault(Fault::DropBeforeEffect).times(1);
    create(&server).fault(Fault::DropAfterEffect).times(1);
    create(&server).ok(thing("t-1"));
    assert!(post(&server, Some("k")).await.is_err());
    create(&server).assert_calls(0);
    assert!(post(&server, Some("k")).await.is_err());
    create(&server).assert_calls(1);
    let replayed = post(&server, Some("k")).await.unwrap();
    assert_eq!(replayed.status(), 201);
    create(&server).assert_calls(1);
    let outcomes: Vec<Outcome> = create(&server).received().iter().map(|r| r.outcome().clone()).collect();
    assert_eq!(
        outcomes,
        [Outcome::Faulted(Fault::DropBeforeEffect), Outcome::Faulted(Fault::DropAfterEffect), Outcome::Replayed(201)]
    );
    assert_eq!(server.effects(), ["createThing"]);
    server.verify();
}

#[tokio::test]
async fn a_truncated_body_breaks_off_and_malformed_json_does_not_parse() {
    let server = Server::start(OPERATIONS).await.unwrap();
    create(&server).fault(Fault::TruncatedBody).times(1);
    create(&server).fault(Fault::MalformedJson).times(1);
    create(&server).ok(thing("t-1"));
    let truncated = post(&server, None).await.unwrap();
    assert_eq!(truncated.status(), 201);
    assert!(truncated.bytes().await.is_err(), "the body should break off");
    let malformed = post(&server, None).await.unwrap();
    assert_eq!(malformed.status(), 201);
    assert_eq!(malformed.headers()["content-type"], "application/json");
    assert!(json::<serde_json::Value>(malformed).await.is_err());
    create(&server).assert_calls(2);
    server.verify();
}

#[tokio::test]
async fn rate_limits_say_when_to_come_back_in_each_form() {
    let server = Server::start(OPERATIONS).await.unwrap();
    create(&server).fault(Fault::RateLimited(RetryAfter::Seconds(2))).times(1);
    create(&server).fault(Fault::RateLimited(RetryAfter::Millis(250))).times(1);
    create(&server).fault(Fault::RateLimited(RetryAfter::Date(Duration::from_secs(30)))).times(1);
    let seconds = post(&server, None).await.unwrap();
    assert_eq!((seconds.status().as_u16(), &seconds.headers()["retry-after"]), (429, &"2".parse().unwrap()));
    let millis = post(&server, None).await.unwrap();
    assert_eq!(millis.headers()["retry-after-ms"], "250");
    assert!(millis.headers().get("retry-after").is_none());
    let date = post(&server, None).await.unwrap();
    let at = httpdate::parse_http_date(date.headers()["retry-after"].to_str().unwrap()).unwrap();
    let ahead = at.duration_since(std::time::SystemTime::now()).unwrap();
    assert!(ahead > Duration::from_secs(28) && ahead <= Duration::from_secs(31), "{ahead:?}");
    create(&server).assert_calls(0);
    server.verify();
}

#[tokio::test]
async fn a_slow_reply_waits_then_answers() {
    let server = Server::start(OPERATIONS).await.unwrap();
    create(&server).fault(Fault::Slow(Duration::from_millis(300))).times(1);
    create(&server).ok(thing("t-1"));
    let started = Instant::now();
    assert_eq!(post(&server, None).await.unwrap().status(), 201);
    assert!(started.elapsed() >= Duration::from_millis(300));
    create(&server).assert_calls(1);
    server.verify();
}

#[tokio::test]
async fn a_fault_after_the_effect_without_a_responder_is_reported() {
    let server = Server::start(OPERATIONS).await.unwrap();
    create(&server).fault(Fault::DropAfterEffect);
    assert!(post(&server, None).await.is_err());
    let problems = server.take_problems();
    assert_eq!(problems, ["a `DropAfterEffect` fault stub of `createThing` has no responding stub behind it"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_a_server_with_problems_fails_the_test_and_stops_serving() {
    let server = Server::start(OPERATIONS).await.unwrap();
    let url = server.url().to_owned();
    assert_eq!(post(&server, None).await.unwrap().status(), 501);
    let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(server)));
    let message = *dropped.unwrap_err().downcast::<String>().unwrap();
    assert!(message.contains("saw problems") && message.contains("no stub of `createThing`"), "{message}");
    tokio::time::sleep(Duration::from_millis(50)).await;
    let after = reqwest::Client::new().get(format!("{url}/things/x")).send().await;
    assert!(after.is_err(), "the server still answers after it was dropped");
}

#[tokio::test]
async fn servers_in_one_test_are_independent() {
    let (a, b) = (Server::start(OPERATIONS).await.unwrap(), Server::start(OPERATIONS).await.unwrap());
    assert_ne!(a.url(), b.url());
    create(&a).ok(thing("a"));
    create(&b).ok(thing("b"));
    assert_eq!(json::<Thing>(post(&b, None).await.unwrap()).await.unwrap().id, "b");
    create(&a).assert_calls(0);
    create(&b).assert_calls(1);
}
