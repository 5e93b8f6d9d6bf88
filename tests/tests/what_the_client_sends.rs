//! What a generated client puts on the wire follows the document, checked
//! byte for byte on a real server on 127.0.0.1: the `Accept` header is built
//! from the media types the operation's responses declare (a user's own wins),
//! and form bodies follow the request body's Encoding Object (`deepObject`
//! nesting, delimited arrays, JSON text) or its defaults.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;
use gusset_tests::snapshots::wire as api;

/// One request as it arrived.
#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    /// Path and query, still percent-encoded.
    uri: String,
    /// Every `Accept` header, in order.
    accept: Vec<String>,
    content_type: Option<String>,
    body: String,
}

type Log = Arc<Mutex<Vec<Seen>>>;

async fn record(
    State(log): State<Log>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let text = |name: &str| headers.get_all(name).iter().map(|v| v.to_str().unwrap_or("<binary>").to_owned());
    let seen = Seen {
        method: method.clone(),
        uri: uri.path_and_query().map(ToString::to_string).unwrap_or_default(),
        accept: text("accept").collect(),
        content_type: text("content-type").next(),
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    log.lock().unwrap().push(seen);
    let json = [("content-type", "application/json")];
    match (method, uri.path()) {
        (Method::GET, _) => {
            (StatusCode::OK, [("content-type", "application/vnd.example+json;version=2")], r#"{"id":"r1","rows":3}"#)
                .into_response()
        }
        (Method::DELETE, _) => StatusCode::NO_CONTENT.into_response(),
        (Method::PUT, "/collaborators/already") => StatusCode::NO_CONTENT.into_response(),
        // JSON declared without a schema: answered with nothing, or with anything.
        (_, "/reports/empty/archive") => (StatusCode::OK, json, "").into_response(),
        (_, path) if path.ends_with("/archive") => (StatusCode::OK, json, r#"{"archived":true}"#).into_response(),
        (_, "/documents") => (StatusCode::OK, json, r#"{"title":"converted"}"#).into_response(),
        _ => (StatusCode::CREATED, json, r#"{"id":"ch_1"}"#).into_response(),
    }
}

struct Server {
    addr: SocketAddr,
    log: Log,
}

impl Server {
    async fn start() -> Server {
        let log: Log = Arc::default();
        let app = Router::new().fallback(record).with_state(Arc::clone(&log));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Server { addr, log }
    }

    fn client(&self) -> api::Client {
        api::Client::builder(format!("http://{}", self.addr)).build().unwrap()
    }

    fn last(&self) -> Seen {
        self.log.lock().unwrap().last().cloned().unwrap()
    }
}

#[tokio::test]
async fn accept_lists_the_declared_media_types_json_first() {
    let server = Server::start().await;
    let client = server.client();

    let report = client.get_report("r1").await.unwrap();
    assert_eq!(report.rows, Some(3));
    let seen = server.last();
    assert_eq!(seen.uri, "/reports/r1");
    // The vendor type verbatim; error types too; the declared `Accept` header
    // parameter is not a parameter; the media types that would have injected
    // a header or a second list entry are left out, and anything else is accepted last in their
    // place (the server sends something for them).
    assert_eq!(
        seen.accept,
        ["application/vnd.example+json;version=2, application/problem+json, text/csv;q=0.9, */*;q=0.1"]
    );

    client.purge_reports().await.unwrap();
    assert_eq!(server.last().accept, ["*/*"], "no content declared");

    client.convert_document(gusset::Multipart::new()).await.unwrap();
    assert_eq!(server.last().accept, ["application/json, application/octet-stream;q=0.9"]);
}

#[tokio::test]
async fn json_without_a_schema_is_any_value_and_empty_is_null() {
    let server = Server::start().await;
    let client = server.client();
    assert_eq!(client.archive_report("empty").await.unwrap().into_inner(), serde_json::Value::Null);
    assert_eq!(client.archive_report("r1").await.unwrap().into_inner(), serde_json::json!({"archived": true}));
}

#[tokio::test]
async fn the_users_own_accept_wins() {
    let server = Server::start().await;
    server.client().get_report("r1").header("Accept", "application/vnd.example+json;version=3").await.unwrap();
    assert_eq!(server.last().accept, ["application/vnd.example+json;version=3"]);

    let client = api::Client::builder(format!("http://{}", server.addr))
        .default_header("Accept", "application/vnd.example+json;version=1")
        .build()
        .unwrap();
    client.get_report("r1").await.unwrap();
    assert_eq!(server.last().accept, ["application/vnd.example+json;version=1"]);
}

fn charge() -> api::NewCharge {
    api::NewCharge {
        amount: 2000,
        metadata: Some(BTreeMap::from([
            ("order id".to_owned(), "6735".to_owned()),
            ("a&b".to_owned(), "x=y".to_owned()),
        ])),
        expand: Some(vec!["customer".into(), "invoice.subscription".into()]),
        lines: Some(vec![
            api::NewChargeLinesItem { id: "il_1".into(), behavior: Some("delete".into()) },
            api::NewChargeLinesItem { id: "il_2".into(), behavior: None },
        ]),
        shipping: Some(api::NewChargeShipping {
            name: Some("Ann Lee".into()),
            address: Some(api::NewChargeShippingAddress {
                city: Some("Köln".into()),
                lines: Some(vec!["1 Main St".into(), "Floor 2".into()]),
            }),
        }),
        tags: Some(vec!["a".into(), "b|c".into()]),
        codes: Some(vec![1, 2]),
        ids: Some(vec!["x".into(), "y".into()]),
        options: Some(api::NewChargeOptions { dpi: Some(300) }),
        note: Some("thanks!".into()),
        labels: Some(vec!["l1".into(), "l2".into()]),
    }
}

#[tokio::test]
async fn form_bodies_follow_the_encoding_object() {
    let server = Server::start().await;
    let created = server.client().create_charge(&charge()).await.unwrap();
    assert_eq!(created.id, "ch_1");
    let seen = server.last();
    assert_eq!((seen.method, seen.uri.as_str()), (Method::POST, "/charges"));
    assert_eq!(seen.content_type.as_deref(), Some("application/x-www-form-urlencoded"));
    assert_eq!(seen.accept, ["application/json, application/problem+json"]);
    assert_eq!(
        seen.body,
        [
            "amount=2000",
            // deepObject: a map, an array of scalars, an array of objects, objects in objects.
            "metadata[a%26b]=x%3Dy",
            "metadata[order%20id]=6735",
            "expand[]=customer",
            "expand[]=invoice.subscription",
            "lines[0][id]=il_1",
            "lines[0][behavior]=delete",
            "lines[1][id]=il_2",
            "shipping[name]=Ann%20Lee",
            "shipping[address][city]=K%C3%B6ln",
            "shipping[address][lines][]=1%20Main%20St",
            "shipping[address][lines][]=Floor%202",
            // pipeDelimited and spaceDelimited, not exploded; `form` with `explode: false`.
            "tags=a|b%7Cc",
            "codes=1%202",
            "ids=x,y",
            // contentType: application/json.
            "options=%7B%22dpi%22%3A300%7D",
            // Not named by `encoding`: the defaults.
            "note=thanks%21",
            "labels=l1",
            "labels=l2",
        ]
        .join("&")
    );
}

#[tokio::test]
async fn form_bodies_without_encoding_keep_the_defaults() {
    let server = Server::start().await;
    let message = api::SendMessageBody {
        to: "+15550100".into(),
        status_callback_event: Some(vec!["initiated".into(), "ringing".into()]),
        transcriptions_configuration: Some(serde_json::Map::from_iter([("lang".to_owned(), "de".into())])),
    };
    server.client().send_message(&message).await.unwrap();
    assert_eq!(
        server.last().body,
        "To=%2B15550100&StatusCallbackEvent=initiated&StatusCallbackEvent=ringing\
         &TranscriptionsConfiguration=%7B%22lang%22%3A%22de%22%7D"
    );
}

#[tokio::test]
async fn a_success_with_content_or_without_is_the_content_or_none() {
    let server = Server::start().await;
    let client = server.client();
    let invited = client.add_collaborator("new").await.unwrap();
    assert_eq!((invited.status().as_u16(), invited.as_ref().map(|c| c.id.as_str())), (201, Some("ch_1")));
    let already = client.add_collaborator("already").await.unwrap();
    assert_eq!((already.status().as_u16(), already.into_inner()), (204, None));
}
