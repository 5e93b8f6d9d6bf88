//! A client generated from a Swagger 2.0 document (`fixtures/swagger2.yaml`)
//! calls a real server on 127.0.0.1 the way the 2.0 document says: a
//! `collectionFormat: multi` query repeats the parameter, one without a
//! format is comma-separated, `formData` parameters with a `type: file` go
//! as `multipart/form-data`, the others as a form, and the document's API
//! key definition puts the key in its header.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use gusset_tests::snapshots::swagger2 as api;
use percent_encoding::percent_decode_str;

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
}

type Log = Arc<Mutex<Vec<Seen>>>;

async fn answer(State(log): State<Log>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let path = uri.path().to_owned();
    log.lock().unwrap().push(Seen { method, uri, headers, body });
    let json = [(axum::http::header::CONTENT_TYPE, "application/json")];
    match path.as_str() {
        "/api/books" => (
            [
                (axum::http::header::CONTENT_TYPE, "application/json"),
                (axum::http::HeaderName::from_static("x-total-count"), "1"),
            ],
            r#"[{"id": "b1", "title": "Dune", "subtitle": null, "media": {"kind": "paper"}}]"#,
        )
            .into_response(),
        "/api/books/b1/cover" => ([(axum::http::header::CONTENT_TYPE, "text/plain")], "covers/b1.png").into_response(),
        "/api/login" => (json, r#"{"token": "t-1"}"#).into_response(),
        _ => (axum::http::StatusCode::NOT_FOUND, "no such route").into_response(),
    }
}

async fn start() -> (SocketAddr, Log, tokio::task::JoinHandle<()>) {
    let log: Log = Arc::default();
    let app = Router::new().fallback(any(answer)).with_state(Arc::clone(&log));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (addr, log, task)
}

fn client(addr: SocketAddr) -> api::Client {
    api::Client::builder(format!("http://{addr}/api")).api_key("key-123").build().unwrap()
}

/// The query's pairs, percent-decoded, in order.
fn pairs(uri: &Uri) -> Vec<(String, String)> {
    let decode = |s: &str| percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned();
    uri.query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

#[tokio::test]
async fn collection_formats_shape_the_query_as_the_2_0_document_says() {
    let (addr, log, task) = start().await;
    let params = api::ListBooksParams {
        page_size: Some(5),
        tag: Some(vec!["sf".into(), "classic".into()]),
        fields: Some(vec!["id".into(), "title".into()]),
        isbn: Some(vec!["111".into(), "222".into()]),
        words: Some(vec!["sand".into(), "worm".into()]),
        x_shelves: Some(vec![3, 4]),
    };
    let books = client(addr).list_books(&params).await.unwrap();
    assert_eq!(books.len(), 1);
    assert_eq!(books[0].title, "Dune");
    assert_eq!(books[0].subtitle, None, "x-nullable: a null subtitle reads as None");
    let seen = log.lock().unwrap()[0].clone();
    assert_eq!(seen.method, Method::GET);
    assert_eq!(seen.uri.path(), "/api/books");
    let expected: Vec<(String, String)> = [
        ("page_size", "5"),
        // collectionFormat: multi
        ("tag", "sf"),
        ("tag", "classic"),
        // no collectionFormat: csv
        ("fields", "id,title"),
        ("isbn", "111|222"),
        ("words", "sand worm"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(pairs(&seen.uri), expected, "{}", seen.uri);
    assert_eq!(seen.headers["x-shelves"], "3,4");
    assert_eq!(seen.headers["x-api-key"], "key-123");
    task.abort();
}

#[tokio::test]
async fn a_form_data_file_is_uploaded_as_multipart() {
    let (addr, log, task) = start().await;
    let png = b"\x89PNG\r\n\x1a\n-cover-bytes-";
    let mut form = gusset::Multipart::new();
    form.file("image", "cover.png", "image/png", png)
        .text("caption", "First edition")
        .field("labels", &["front", "hd"]);
    let stored = client(addr).upload_cover("b1", form).await.unwrap();
    assert_eq!(stored.into_inner(), "covers/b1.png");
    let seen = log.lock().unwrap()[0].clone();
    assert_eq!(seen.method, Method::PUT);
    assert_eq!(seen.uri.path(), "/api/books/b1/cover");
    let content_type = seen.headers["content-type"].to_str().unwrap().to_owned();
    let boundary =
        content_type.strip_prefix("multipart/form-data; boundary=").unwrap_or_else(|| panic!("{content_type}"));
    let body = seen.body.to_vec();
    let text = String::from_utf8_lossy(&body);
    let parts: Vec<&str> = text.split(&format!("--{boundary}")).collect();
    // Before the first delimiter nothing; then the image, the caption, one part per label, the end.
    assert_eq!(parts.len(), 6, "{text}");
    assert!(parts[1].starts_with("\r\nContent-Disposition: form-data; name=\"image\"; filename=\"cover.png\"\r\nContent-Type: image/png\r\n\r\n"), "{}", parts[1]);
    assert!(body.windows(png.len()).any(|w| w == png), "the file's bytes are sent as they are");
    assert!(parts[2].contains("name=\"caption\"\r\n\r\nFirst edition\r\n"), "{}", parts[2]);
    assert!(
        parts[3].contains("name=\"labels\"\r\n\r\nfront\r\n") && parts[4].contains("name=\"labels\"\r\n\r\nhd\r\n")
    );
    assert_eq!((parts[0], parts[5]), ("", "--\r\n"));
    task.abort();
}

#[tokio::test]
async fn form_data_without_a_file_is_sent_as_a_form() {
    let (addr, log, task) = start().await;
    let body = api::LogInBody { username: "ada".into(), password: "p&ss word".into(), remember: Some(true) };
    let session = client(addr).log_in(&body).await.unwrap();
    assert_eq!(session.token, "t-1");
    let seen = log.lock().unwrap()[0].clone();
    assert_eq!(seen.method, Method::POST);
    assert_eq!(seen.headers["content-type"], "application/x-www-form-urlencoded");
    assert_eq!(String::from_utf8_lossy(&seen.body), "username=ada&password=p%26ss%20word&remember=true");
    // `security: []` on the operation: no key, though the document requires one elsewhere.
    assert!(!seen.headers.contains_key("x-api-key"));
    task.abort();
}

/// The fidelity report of a converted document names places in the document
/// as the user wrote it (`/definitions/...`, the 2.0 parameter), not in the
/// OpenAPI 3 form it was converted to (`/components/schemas/...`).
#[test]
fn fidelity_points_into_the_2_0_document_as_written() {
    let document = r##"
swagger: "2.0"
info: {title: Notes, version: "1"}
paths:
  /notes:
    post:
      operationId: add_note
      parameters:
        - {name: note, in: body, required: true, schema: {$ref: "#/definitions/Note"}}
      responses:
        "200": {description: Added., schema: {$ref: "#/definitions/Note"}}
definitions:
  Note:
    type: object
    properties:
      text: {type: string}
      extra: {type: object}
"##;
    let generated =
        gusset_codegen::generate_from_str("notes.yaml", document, &gusset_codegen::Settings::new()).unwrap();
    let pointers: Vec<&str> = generated.fidelity().findings().iter().map(|f| f.pointer()).collect();
    assert!(pointers.contains(&"/definitions/Note/properties/extra"), "{pointers:#?}");
    assert!(pointers.iter().all(|p| !p.starts_with("/components")), "{pointers:#?}");
}
