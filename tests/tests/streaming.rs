//! The client generated from `fixtures/streaming.yaml` (the snapshot `src/lib.rs` compiles)
//! against a real server on 127.0.0.1 that streams: typed and raw server-sent events,
//! keep-alives, a connection dropped mid-event, a 503 before the first byte, a stream the
//! client drops, and a binary download larger than the buffered-body limit.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use gusset::{Stream, StreamExt as _, TryStreamExt as _};
use gusset_tests::snapshots::streaming as api;
use tokio::sync::{mpsc, oneshot};

/// What the server's handlers share.
#[derive(Clone, Default)]
struct Shared {
    /// `/ticks` calls so far (the first answers 503).
    ticks: Arc<AtomicUsize>,
    /// `Accept` of the last `/chat` request.
    accept: Arc<std::sync::Mutex<String>>,
    /// Told when the `/feed` body is dropped (its connection closed).
    closed: Arc<std::sync::Mutex<Option<oneshot::Sender<()>>>>,
}

/// A response body fed from a channel; tells `closed` when dropped.
struct Chunks {
    rx: mpsc::Receiver<Result<Bytes, std::io::Error>>,
    closed: Option<oneshot::Sender<()>>,
}

impl Stream for Chunks {
    type Item = Result<Bytes, std::io::Error>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.rx.poll_recv(cx)
    }
}

impl Drop for Chunks {
    fn drop(&mut self) {
        if let Some(closed) = self.closed.take() {
            let _ = closed.send(());
        }
    }
}

/// A streamed response whose chunks `feed` sends, each after a short pause (so they arrive as
/// chunks of their own).
fn streamed(
    content_type: &'static str,
    closed: Option<oneshot::Sender<()>>,
    parts: Vec<Result<Bytes, std::io::Error>>,
) -> Response {
    let (tx, rx) = mpsc::channel(4);
    tokio::spawn(async move {
        for part in parts {
            tokio::time::sleep(Duration::from_millis(5)).await;
            if tx.send(part).await.is_err() {
                return;
            }
        }
    });
    ([("content-type", content_type)], Body::from_stream(Chunks { rx, closed })).into_response()
}

fn text(s: &str) -> Result<Bytes, std::io::Error> {
    Ok(Bytes::from(s.to_owned()))
}

async fn chat(State(shared): State<Shared>, headers: HeaderMap) -> Response {
    let accept = headers.get("accept").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    *shared.accept.lock().unwrap() = accept;
    let parts = vec![
        text(": connected\n\n"),
        text("id: 1\ndata: {\"index\": 0, \"delta\": \"Hel\"}\n\n"),
        // One event split across chunks, with CRLF line ends and a keep-alive in between.
        text(":keep-alive\r\n\r\nid: 2\r\ndata: {\"index\": 1,\r\n"),
        text("data:  \"delta\": \"lo\"}\r\n\r\n"),
        text("data: not json\n\n"),
        text("data: {\"index\": 2, \"delta\": \"!\"}\n\n"),
        text("data: [DONE]\n\n"),
        text("data: {\"index\": 3, \"delta\": \"after done\"}\n\n"),
    ];
    streamed("text/event-stream", None, parts)
}

async fn ticks(State(shared): State<Shared>) -> Response {
    if shared.ticks.fetch_add(1, Ordering::SeqCst) == 0 {
        return (StatusCode::SERVICE_UNAVAILABLE, [("retry-after", "0")], "busy").into_response();
    }
    let parts = vec![
        text("event: tick\ndata: {\"symbol\": \"ACME\", \"price\": 1.5}\n\n"),
        text("event: tick\ndata: {\"symbol\": \"ACME\", \"price\": 1.75}\n\n"),
        // Then the connection breaks in the middle of the third event.
        text("event: tick\ndata: {\"symbol\": \"AC"),
        Err(std::io::Error::other("the server went away")),
    ];
    streamed("text/event-stream; charset=utf-8", None, parts)
}

async fn feed(State(shared): State<Shared>) -> Response {
    let closed = shared.closed.lock().unwrap().take();
    // Far more than the client reads: it drops the stream after two events.
    let parts =
        (0..10_000).map(|i| text(&format!("event: change\nid: c{i}\ndata: line one\ndata: line {i}\n\n"))).collect();
    streamed("text/event-stream", closed, parts)
}

const FILE_CHUNK: usize = 16 * 1024;
const FILE_CHUNKS: usize = 8;

async fn file(Path(name): Path<String>) -> Response {
    if name != "big.bin" {
        return (StatusCode::NOT_FOUND, axum::Json(serde_json::json!({ "message": "no such file" }))).into_response();
    }
    let parts = (0..FILE_CHUNKS).map(|i| Ok(Bytes::from(vec![i as u8; FILE_CHUNK]))).collect();
    streamed("application/octet-stream", None, parts)
}

async fn serve() -> (String, Shared) {
    let shared = Shared::default();
    let app = Router::new()
        .route("/chat", post(chat))
        .route("/ticks", get(ticks))
        .route("/feed", get(feed))
        .route("/files/{name}", get(file))
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, shared)
}

fn client(url: &str) -> api::Client {
    let retry = gusset::RetryPolicy::default().base_delay(Duration::from_millis(1));
    api::Client::builder(url).retry(retry).max_response_bytes(4 * 1024).build().unwrap()
}

#[tokio::test]
async fn typed_events_decode_skip_comments_report_bad_data_and_end_at_done() {
    let (url, shared) = serve().await;
    let client = client(&url);
    let request = api::ChatRequest { prompt: "hi".into(), stream: Some(true) };
    let mut chunks = client.create_chat_stream(&request).await.unwrap();
    assert_eq!(*shared.accept.lock().unwrap(), "text/event-stream");
    assert_eq!(chunks.status(), 200);
    let first = chunks.next().await.unwrap().unwrap();
    assert_eq!((first.index, first.delta.as_str()), (0, "Hel"));
    let second = chunks.next().await.unwrap().unwrap();
    assert_eq!((second.index, second.delta.as_str()), (1, "lo"), "multi-line data joined");
    // Data that is not the schema's: an error naming the event, and the stream goes on.
    match chunks.next().await.unwrap() {
        Err(gusset::Error::Decode { message, snippet, .. }) => {
            assert!(message.starts_with("event `message` (id `2`): invalid json"), "{message}");
            assert_eq!(snippet, "not json");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert_eq!(chunks.next().await.unwrap().unwrap().delta, "!");
    assert_eq!(chunks.last_event_id(), Some("2"));
    // `[DONE]` ends it; the event after it is never seen.
    assert!(chunks.next().await.is_none());
    assert!(chunks.next().await.is_none());
}

#[tokio::test]
async fn a_503_before_the_first_byte_is_retried_and_a_drop_mid_event_is_a_transport_error() {
    let (url, shared) = serve().await;
    let client = client(&url);
    let mut ticks = client.stream_ticks().await.unwrap();
    assert_eq!(ticks.attempts(), 2, "the 503 was retried");
    assert_eq!(shared.ticks.load(Ordering::SeqCst), 2);
    let mut prices = Vec::new();
    let error = loop {
        match ticks.next().await {
            Some(Ok(tick)) => prices.push((tick.symbol, tick.price)),
            Some(Err(e)) => break e,
            None => panic!("the stream ended without saying it broke off"),
        }
    };
    assert_eq!(prices, [("ACME".to_owned(), 1.5), ("ACME".to_owned(), 1.75)], "events before the break are delivered");
    assert!(matches!(error, gusset::Error::Transport { .. }), "{error:?}");
    assert!(error.may_have_reached_server());
    assert_eq!(error.context().operation_id(), "streamTicks");
    assert!(ticks.next().await.is_none(), "a broken stream ends");
    assert_eq!(shared.ticks.load(Ordering::SeqCst), 2, "nothing is resent once the body started");
}

#[tokio::test]
async fn raw_events_keep_their_lines_and_dropping_the_stream_closes_the_connection() {
    let (url, shared) = serve().await;
    let (tx, closed) = oneshot::channel();
    *shared.closed.lock().unwrap() = Some(tx);
    let client = client(&url);
    let mut feed = client.watch_feed("orders").await.unwrap();
    let first = feed.try_next().await.unwrap().unwrap();
    assert_eq!(first.event, "change");
    assert_eq!(first.data, "line one\nline 0");
    assert_eq!(first.id.as_deref(), Some("c0"));
    assert_eq!(feed.try_next().await.unwrap().unwrap().data, "line one\nline 1");
    drop(feed);
    tokio::time::timeout(Duration::from_secs(10), closed)
        .await
        .expect("the server's body was not dropped: the connection stayed open")
        .unwrap();
}

#[tokio::test]
async fn a_download_larger_than_the_buffered_limit_streams_in_chunks() {
    let (url, _) = serve().await;
    let client = client(&url);
    // Buffered, the body is over the client's 4 KiB limit.
    let buffered = client.download_file("big.bin").await.unwrap_err();
    assert!(matches!(buffered, gusset::Error::ResponseTooLarge { limit: 4096, .. }), "{buffered:?}");
    let mut body = client.download_file("big.bin").bytes_stream().await.unwrap();
    assert_eq!(body.headers()["content-type"], "application/octet-stream");
    let mut chunks = 0;
    let mut total = Vec::new();
    while let Some(chunk) = body.try_next().await.unwrap() {
        chunks += 1;
        total.extend_from_slice(&chunk);
    }
    assert_eq!(total.len(), FILE_CHUNK * FILE_CHUNKS);
    assert!(chunks >= FILE_CHUNKS, "{chunks} chunks: the body was not streamed");
    assert!(total.chunks(FILE_CHUNK).enumerate().all(|(i, c)| c.iter().all(|&b| usize::from(b) == i)));
    // An error status is buffered and decoded as usual.
    let missing = client.download_file("nope").bytes_stream().await.unwrap_err();
    assert_eq!(missing.api_error().map(|p| p.message.as_str()), Some("no such file"));
}

#[tokio::test]
async fn an_event_larger_than_the_buffered_limit_ends_the_stream() {
    async fn huge() -> Response {
        let line = format!("data: {}\n", "x".repeat(1024));
        let parts = std::iter::once(text("data: small\n\n")).chain((0..8).map(|_| text(&line))).collect();
        streamed("text/event-stream", None, parts)
    }
    let app = Router::new().route("/feed", get(huge));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let mut feed = client(&url).watch_feed("all").await.unwrap();
    assert_eq!(feed.next().await.unwrap().unwrap().data, "small");
    let error = feed.next().await.unwrap().unwrap_err();
    assert!(matches!(error, gusset::Error::ResponseTooLarge { limit: 4096, .. }), "{error:?}");
    assert!(feed.next().await.is_none());
}

#[tokio::test]
async fn a_json_answer_where_events_were_expected_is_a_decode_error() {
    async fn json() -> Response {
        axum::Json(serde_json::json!({ "text": "whole" })).into_response()
    }
    let app = Router::new().route("/chat", post(json));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = client(&url);
    let request = api::ChatRequest { prompt: "hi".into(), stream: None };
    let error = client.create_chat_stream(&request).await.unwrap_err();
    match error {
        gusset::Error::Decode { message, .. } => {
            assert_eq!(message, "expected `text/event-stream`, got content type `application/json`")
        }
        other => panic!("{other:?}"),
    }
    // The JSON method of the same operation is unchanged.
    assert_eq!(client.create_chat(&request).await.unwrap().text, "whole");
}
