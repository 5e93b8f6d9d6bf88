//! Response decoding: the decoders generated code picks per status, and the small generic step
//! that turns the runtime's raw result into `Response<T>` or `Error<E>`.

use std::convert::Infallible;
use std::fmt;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};

use crate::error::{ContextFields, Error, ErrorContext};
use crate::execute::RawParts;
use crate::response::{CallMeta, Response};

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
pub fn decode_json<T: serde::de::DeserializeOwned>(r: &RawResponse<'_>) -> Result<T, DecodeError> {
    serde_json::from_slice(r.body).map_err(|e| DecodeError::new(format!("invalid json: {e}")))
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
    if r.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Value::Null);
    }
    Ok(serde_json::from_slice(r.body)
        .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(r.body).into_owned())))
}

/// At most 200 characters of the body, lossy UTF-8, for error messages.
pub(crate) fn snippet(body: &[u8]) -> String {
    // Decode a bounded prefix only: a 30 MiB body should not be copied to show 200 characters.
    let prefix = body.get(..800).unwrap_or(body);
    let text = String::from_utf8_lossy(prefix);
    let mut out: String = text.chars().take(200).collect();
    if out.len() < text.len() || prefix.len() < body.len() {
        out.push('…');
    }
    out
}

/// Builds an error context from a finished call's metadata; the request reached the server.
fn context(op: &'static str, meta: CallMeta) -> ErrorContext {
    ErrorContext(Box::new(ContextFields {
        operation_id: op,
        correlation_id: meta.correlation_id,
        server_request_id: meta.server_request_id,
        idempotency_key: meta.idempotency_key,
        attempts: meta.attempts,
        may_have_reached_server: true,
    }))
}

/// A decoder's rejection as a non-generic error.
fn rejection(op: &'static str, raw: RawParts, e: DecodeError) -> Error<Infallible> {
    let RawParts { status, headers, body, meta } = raw;
    let snippet = snippet(&body);
    let context = context(op, meta);
    if e.undocumented {
        Error::UnexpectedStatus { status, headers, snippet, context }
    } else {
        Error::Decode { status, message: e.message, snippet, context }
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
        Ok(Ok(body)) => Ok(Response { status: raw.status, headers: raw.headers, body, meta: raw.meta }),
        Ok(Err(body)) => {
            let status: StatusCode = raw.status;
            Err(Error::Api { status, headers: raw.headers, body, context: context(op, raw.meta) })
        }
        Err(e) => Err(rejection(op, raw, e).widen()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let odd = finish::<(), ()>("op", raw(418, b"teapot"), decode_empty, undocumented).unwrap_err();
        assert!(matches!(odd, Error::UnexpectedStatus { ref snippet, .. } if snippet == "teapot"), "{odd:?}");
        assert!(odd.to_string().starts_with("`op` got undocumented status 418 I'm a teapot with body `teapot`"), "{odd}");
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
    fn snippets_are_bounded() {
        assert_eq!(snippet(b"short"), "short");
        let long = "é".repeat(1000);
        let s = snippet(long.as_bytes());
        assert_eq!(s.chars().count(), 201);
        assert!(s.ends_with('…'));
        assert_eq!(snippet(b"\xff\xfeok"), "\u{fffd}\u{fffd}ok");
    }
}
