//! Calls kept as data: what a stored call holds (no credential), and how one attempt of it is
//! sent later by another client, with the retry policy's verdict instead of a sleep.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use gusset::{AttemptOutcome, Error};
use support::petstore::{Client, NewPet};
use support::{Reply, Server};

fn client(server: &Server) -> Client {
    Client::builder(server.url())
        .bearer_auth("tok-secret")
        .default_header("X-Api-Token", "default-secret")
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_stored_call_holds_no_secret_and_is_sent_one_attempt_at_a_time() {
    let server = Server::start(vec![
        Reply::status(503),
        Reply::status(429).header("retry-after", "3"),
        Reply::json(201, r#"{"id":1,"name":"Rex"}"#),
    ])
    .await;
    let stored = client(&server)
        .create_pet(&NewPet { name: "Rex".into(), tag: None })
        .idempotency_key("pet-1")
        .into_stored()
        .unwrap();
    assert_eq!((stored.operation_id.as_str(), stored.path_template.as_str()), ("createPet", "/pets"));
    assert_eq!(stored.idempotency_key.as_deref(), Some("pet-1"));
    assert!(stored.headers.get("authorization").is_none());
    assert!(stored.headers.get("x-api-token").is_none(), "a secret default header is left to the sender");
    assert_eq!(stored.body.as_deref(), Some(&br#"{"name":"Rex"}"#[..]));
    let debug = format!("{stored:?}");
    assert!(!debug.contains("secret"), "{debug}");
    assert!(server.requests().is_empty(), "storing sends nothing");

    // Another client (as in another process) sends it.
    let sender = client(&server);
    match sender.runtime().send_stored(&stored, 1).await {
        AttemptOutcome::Retry { after, reason } => {
            assert!(after <= Duration::from_millis(500), "the policy's first backoff: {after:?}");
            assert!(reason.contains("503"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    match sender.runtime().send_stored(&stored, 2).await {
        AttemptOutcome::Retry { after, .. } => assert_eq!(after, Duration::from_secs(3), "Retry-After wins"),
        other => panic!("{other:?}"),
    }
    match sender.runtime().send_stored(&stored, 7).await {
        AttemptOutcome::Response { status, body, .. } => {
            assert_eq!(status, 201);
            assert_eq!(&body[..], br#"{"id":1,"name":"Rex"}"#);
        }
        other => panic!("{other:?}"),
    }
    let requests = server.requests();
    let attempts: Vec<_> = requests.iter().map(|r| r.header("gusset-attempt").unwrap().to_owned()).collect();
    assert_eq!(attempts, ["1; max=3", "2; max=3", "7; max=7"], "numbered across the call's life");
    for r in &requests {
        assert_eq!(r.header("authorization"), Some("Bearer tok-secret"));
        assert_eq!(r.header("x-api-token"), Some("default-secret"));
        assert_eq!(r.header("idempotency-key"), Some("pet-1"));
        assert_eq!(r.body, br#"{"name":"Rex"}"#);
    }
}

#[tokio::test]
async fn the_last_attempt_and_statuses_not_retried_are_final() {
    let server = Server::start(vec![Reply::status(503), Reply::status(422)]).await;
    let client = client(&server);
    let stored = client.create_pet(&NewPet { name: "Rex".into(), tag: None }).into_stored().unwrap();
    match client.runtime().send_stored(&stored, 3).await {
        AttemptOutcome::Response { status, .. } => assert_eq!(status, 503, "the policy's last attempt"),
        other => panic!("{other:?}"),
    }
    match client.runtime().send_stored(&stored, 1).await {
        AttemptOutcome::Response { status, .. } => assert_eq!(status, 422),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_secret_header_set_on_the_call_is_refused() {
    let server = Server::start(vec![]).await;
    let client = client(&server);
    let refused =
        client.create_pet(&NewPet { name: "Rex".into(), tag: None }).header("X-Auth-Token", "t").into_stored();
    match refused {
        Err(Error::InvalidRequest { message, .. }) => assert!(message.contains("x-auth-token"), "{message}"),
        other => panic!("{other:?}"),
    }
}
