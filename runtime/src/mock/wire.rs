//! Replies as bytes, and the response body that can break off mid-way.

use std::future::Future as _;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{HeaderName, HeaderValue, StatusCode};
use hyper::body::Frame;

/// A request as the server read it.
#[derive(Debug, Clone)]
pub(super) struct Incoming {
    pub(super) method: http::Method,
    pub(super) path: String,
    pub(super) path_params: Vec<(String, String)>,
    pub(super) query: Vec<(String, String)>,
    pub(super) headers: http::HeaderMap,
    pub(super) body: Bytes,
}

/// A reply, ready to send (and to store for idempotent replay).
#[derive(Debug, Clone)]
pub(super) struct Wire {
    pub(super) status: u16,
    pub(super) content_type: &'static str,
    pub(super) headers: Vec<(HeaderName, HeaderValue)>,
    pub(super) body: Bytes,
}

impl Wire {
    pub(super) fn new(status: u16, content_type: &'static str, body: Bytes) -> Wire {
        Wire { status, content_type, headers: Vec::new(), body }
    }

    /// An RFC 9457 problem whose `detail` is `detail` (JSON-escaped by serde).
    pub(super) fn problem(status: u16, title: &str, detail: &str) -> Wire {
        let body = serde_json::json!({ "title": title, "status": status, "detail": detail }).to_string();
        Wire::new(status, "application/problem+json", Bytes::from(body))
    }

    /// The response as it goes out; `truncate` sends half the body under the full length.
    pub(super) fn into_response(self, truncate: bool) -> http::Response<Body> {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let length = self.body.len();
        let body = if truncate {
            // The pause lets hyper flush the head and the half body before the error ends it.
            let pause = Box::pin(tokio::time::sleep(std::time::Duration::from_millis(20)));
            Body { data: Some(self.body.slice(..length / 2)), break_off: Some(pause) }
        } else {
            Body { data: Some(self.body), break_off: None }
        };
        let mut response = http::Response::new(body);
        *response.status_mut() = status;
        let headers = response.headers_mut();
        if !self.content_type.is_empty() && length > 0 {
            headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static(self.content_type));
        }
        headers.insert(http::header::CONTENT_LENGTH, HeaderValue::from(length));
        for (name, value) in self.headers {
            headers.append(name, value);
        }
        response
    }
}

/// A response body of one chunk that may end in an error, which makes hyper close the
/// connection short of the announced length.
#[derive(Debug)]
pub(super) struct Body {
    data: Option<Bytes>,
    break_off: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Some(data) = self.data.take().filter(|d| !d.is_empty()) {
            return Poll::Ready(Some(Ok(Frame::data(data))));
        }
        if let Some(pause) = self.break_off.as_mut() {
            if pause.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            self.break_off = None;
            let cut = std::io::Error::new(std::io::ErrorKind::ConnectionAborted, "mock fault: truncated body");
            return Poll::Ready(Some(Err(cut)));
        }
        Poll::Ready(None)
    }
}

/// Reads a request body whole.
pub(super) async fn read_body(mut body: hyper::body::Incoming) -> Result<Bytes, hyper::Error> {
    use hyper::body::Body as _;
    let mut out = Vec::new();
    while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        if let Ok(data) = frame?.into_data() {
            out.extend_from_slice(&data);
        }
    }
    Ok(Bytes::from(out))
}
