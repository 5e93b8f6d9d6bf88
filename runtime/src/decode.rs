//! Response decoding: the decoders generated code picks per status, and the small generic step
//! that turns the runtime's raw result into `Response<T>` or `Error<E>`.

use std::convert::Infallible;
use std::fmt;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};

use crate::error::Error;
use crate::failure::context;
use crate::response::{RawParts, Response};
use crate::text::{printable, snippet};

/// A response as decoders see it.
#[derive(Debug)]
pub struct RawResponse<'a> {
    /// The HTTP status code.
    pub status: u16,
    /// The response headers.
    pub headers: &'a HeaderMap,
    /// The whole body (already limited to the client's maximum size).
    pub body: &'a Bytes,
}

/// A decoder for one operation's success or error responses.
pub type Decoder<T> = fn(&RawResponse<'_>) -> Result<T, DecodeError>;

/// Why a decoder rejected a response. The runtime adds a snippet of the body.
#[derive(Clone, PartialEq, Eq)]
pub struct DecodeError {
    message: String,
    undocumented: bool,
}

impl DecodeError {
    /// The status is not one the document describes for this operation.
    pub fn undocumented_status() -> Self {
        Self { message: String::from("undocumented status"), undocumented: true }
    }

    /// The body did not match what the document describes.
    pub fn new(message: impl Into<String>) -> Self {
        Self { message: message.into(), undocumented: false }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError").field("message", &self.message).field("undocumented", &self.undocumented).finish()
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DecodeError {}

/// A JSON body.
///
/// The `Content-Type` is not checked when the body parses: servers that label JSON `text/plain`
/// still work. When it does not parse, the message says why in terms a reader can act on: an
/// empty body, or the content type the server sent instead of JSON (an HTML error page from a
/// proxy, say), then serde's reason.
pub fn decode_json<T: serde::de::DeserializeOwned>(r: &RawResponse<'_>) -> Result<T, DecodeError> {
    serde_json::from_slice(r.body).map_err(|e| {
        if blank(r.body) {
            return DecodeError::new("expected a json body, got an empty one");
        }
        let content_type = r.headers.get(http::header::CONTENT_TYPE).map(|v| String::from_utf8_lossy(v.as_bytes()));
        match content_type {
            Some(ct) if !is_json(&ct) => {
                DecodeError::new(format!("expected json, got content type `{}`: {e}", ct.escape_debug()))
            }
            _ => DecodeError::new(format!("invalid json: {e}")),
        }
    })
}

/// A JSON body, or `None` for an empty one: for operations that answer with content on one
/// success status and without on another (`201` with what was created, `204` when nothing was).
pub fn decode_json_or_empty<T: serde::de::DeserializeOwned>(r: &RawResponse<'_>) -> Result<Option<T>, DecodeError> {
    if blank(r.body) {
        return Ok(None);
    }
    decode_json(r).map(Some)
}

/// Whether a body is empty, or only whitespace: no value at all.
fn blank(body: &[u8]) -> bool {
    body.iter().all(u8::is_ascii_whitespace)
}

/// `application/json`, `application/problem+json`, `application/vnd.x+json; charset=utf-8`...
fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json") || essence == "text/json"
}

/// No body expected; any body is ignored.
pub fn decode_empty(_: &RawResponse<'_>) -> Result<(), DecodeError> {
    Ok(())
}

/// The body as bytes (no copy).
pub fn decode_bytes(r: &RawResponse<'_>) -> Result<Bytes, DecodeError> {
    Ok(r.body.clone())
}

/// The body as UTF-8 text.
pub fn decode_text(r: &RawResponse<'_>) -> Result<String, DecodeError> {
    String::from_utf8(r.body.to_vec()).map_err(|e| DecodeError::new(format!("body is not valid utf-8: {e}")))
}

/// Any body, leniently: empty is `null`, JSON is parsed, anything else becomes a JSON string of the
/// (lossily decoded) text. Never fails; for responses the document leaves untyped.
pub fn decode_value(r: &RawResponse<'_>) -> Result<serde_json::Value, DecodeError> {
    if blank(r.body) {
        return Ok(serde_json::Value::Null);
    }
    Ok(serde_json::from_slice(r.body)
        .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(r.body).into_owned())))
}

/// A decoder's rejection as a non-generic error.
pub(crate) fn rejection(op: &'static str, raw: RawParts, e: DecodeError) -> Error<Infallible> {
    let RawParts { status, headers, body, meta, .. } = raw;
    let snippet = snippet(&body);
    let context = context(op, meta, true);
    if e.undocumented {
        Error::UnexpectedStatus { status, headers, snippet, context }
    } else {
        // serde quotes the server's strings in its messages (`unknown variant `...``).
        Error::Decode { status, message: printable(&e.message), snippet, context }
    }
}

/// Routes a final response: 2xx to `ok`, anything else to `err` (as [`Error::Api`]).
// Errors carry the response headers like `Response` does; boxing them would cost an allocation on
// every error and make matching on `Error::Api { headers, .. }` clumsier.
#[allow(clippy::result_large_err)]
pub(crate) fn finish<T, E>(
    op: &'static str,
    raw: RawParts,
    ok: Decoder<T>,
    err: Decoder<E>,
) -> Result<Response<T>, Error<E>> {
    let decoded = {
        let view = RawResponse { status: raw.status.as_u16(), headers: &raw.headers, body: &raw.body };
        if raw.status.is_success() { ok(&view).map(Ok) } else { err(&view).map(Err) }
    };
    match decoded {
        Ok(Ok(body)) => Ok(Response::new(raw.status, raw.headers, body, raw.meta)),
        Ok(Err(body)) => {
            let status: StatusCode = raw.status;
            Err(Error::Api { status, headers: raw.headers, body, context: context(op, raw.meta, true) })
        }
        // A redirect reaches the caller only when it was not followed (a `304 Not Modified`, a
        // `302` without `Location`, one to a host the client would not take its key to): its
        // body is seldom the API's error body, so one the error type cannot read makes it a
        // status the error type does not describe, its headers (`Location`) kept.
        Err(_) if raw.status.is_redirection() => Err(rejection(op, raw, DecodeError::undocumented_status()).widen()),
        Err(e) => Err(rejection(op, raw, e).widen()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::CallMeta;

    fn raw(status: u16, body: &'static [u8]) -> RawParts {
        RawParts {
            status: StatusCode::from_u16(status).unwrap(),
            headers: HeaderMap::new(),
            body: Bytes::from_static(body),
            meta: CallMeta {
                correlation_id: "c".into(),
                server_request_id: Some("s".into()),
                idempotency_key: None,
                attempts: 2,
            },
            stream: None,
        }
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Pet {
        name: String,
    }

    #[test]
    fn routes_by_status() {
        let ok = finish::<Pet, Pet>("op", raw(200, br#"{"name":"Rex"}"#), decode_json, decode_json).unwrap();
        assert_eq!(ok.name, "Rex");
        assert_eq!(ok.attempts(), 2);
        let err = finish::<Pet, Pet>("op", raw(404, br#"{"name":"gone"}"#), decode_json, decode_json).unwrap_err();
        assert_eq!(err.api_error(), Some(&Pet { name: "gone".into() }));
        assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
        assert_eq!(err.server_request_id(), Some("s"));
        let bad = finish::<Pet, Pet>("op", raw(200, b"{\"name\":"), decode_json, decode_json).unwrap_err();
        match &bad {
            Error::Decode { snippet, message, .. } => {
                assert_eq!(snippet, "{\"name\":");
                assert!(message.starts_with("invalid json"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        fn undocumented(_: &RawResponse<'_>) -> Result<(), DecodeError> {
            Err(DecodeError::undocumented_status())
        }
        // A redirect not followed whose (empty) body the error type cannot read.
        let moved = finish::<Pet, Pet>("op", raw(304, b""), decode_json, decode_json).unwrap_err();
        assert!(matches!(moved, Error::UnexpectedStatus { status, .. } if status == 304), "{moved:?}");
        let odd = finish::<(), ()>("op", raw(418, b"teapot"), decode_empty, undocumented).unwrap_err();
        assert!(matches!(odd, Error::UnexpectedStatus { ref snippet, .. } if snippet == "teapot"), "{odd:?}");
        assert!(
            odd.to_string().starts_with("`op` got undocumented status 418 I'm a teapot with body `teapot`"),
            "{odd}"
        );
    }

    #[test]
    fn json_or_nothing() {
        let headers = HeaderMap::new();
        let (empty, pet, bad) =
            (Bytes::from_static(b""), Bytes::from_static(br#"{"name":"Rex"}"#), Bytes::from_static(b"{"));
        let view = |body| RawResponse { status: 200, headers: &headers, body };
        assert_eq!(decode_json_or_empty::<Pet>(&view(&empty)).unwrap(), None);
        assert_eq!(decode_json_or_empty::<Pet>(&view(&pet)).unwrap(), Some(Pet { name: "Rex".into() }));
        assert!(decode_json_or_empty::<Pet>(&view(&bad)).is_err());
    }

    #[test]
    fn lenient_and_text_decoders() {
        let headers = HeaderMap::new();
        let view = |body: &'static [u8]| Bytes::from_static(body);
        let empty = view(b" ");
        let r = RawResponse { status: 200, headers: &headers, body: &empty };
        assert_eq!(decode_value(&r).unwrap(), serde_json::Value::Null);
        let text = view(b"plain");
        let r = RawResponse { status: 200, headers: &headers, body: &text };
        assert_eq!(decode_value(&r).unwrap(), serde_json::json!("plain"));
        assert_eq!(decode_text(&r).unwrap(), "plain");
        let bad = view(b"\xff");
        let r = RawResponse { status: 200, headers: &headers, body: &bad };
        assert!(decode_text(&r).is_err());
        assert_eq!(decode_bytes(&r).unwrap(), bad);
    }

    #[test]
    fn json_messages_name_the_problem() {
        #[derive(Debug, serde::Deserialize)]
        struct Pet {
            #[allow(dead_code)]
            name: String,
        }
        let message = |ct: Option<&'static str>, body: &'static [u8]| {
            let mut headers = HeaderMap::new();
            if let Some(ct) = ct {
                headers.insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static(ct));
            }
            let body = Bytes::from_static(body);
            let r = RawResponse { status: 200, headers: &headers, body: &body };
            decode_json::<Pet>(&r).unwrap_err().message().to_owned()
        };
        assert_eq!(message(Some("application/json"), b""), "expected a json body, got an empty one");
        assert_eq!(message(None, b" \n"), "expected a json body, got an empty one");
        let html = message(Some("text/html; charset=utf-8"), b"<html>");
        assert!(html.starts_with("expected json, got content type `text/html; charset=utf-8`: "), "{html}");
        assert!(message(Some("application/problem+json"), b"{").starts_with("invalid json: "));
        assert!(message(None, b"[1]").starts_with("invalid json: invalid type"));
        // A JSON body under another label is accepted.
        let headers = HeaderMap::new();
        let body = Bytes::from_static(br#"{"name":"Rex"}"#);
        let mut h = headers.clone();
        h.insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("text/plain"));
        assert!(decode_json::<Pet>(&RawResponse { status: 200, headers: &h, body: &body }).is_ok());
    }
}
