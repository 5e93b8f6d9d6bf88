//! The successful result of a call.

use std::fmt;
use std::ops::Deref;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};

use crate::deprecation::Deprecation;
use crate::redact::RedactedHeaders;

/// What the runtime learnt about a call besides its body; shared by responses and errors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CallMeta {
    pub(crate) correlation_id: String,
    pub(crate) server_request_id: Option<String>,
    pub(crate) idempotency_key: Option<String>,
    pub(crate) attempts: u32,
}

/// The final response of a call, before decoding.
#[derive(Debug)]
pub(crate) struct RawParts {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) meta: CallMeta,
    /// A success response left unread for streaming (`body` is then empty).
    pub(crate) stream: Option<Box<reqwest::Response>>,
}

/// A successful response: the decoded body plus status, headers and the call's ids.
///
/// Derefs to the body, so `response.name` works on a `Response<Pet>`; [`Response::into_inner`]
/// takes the body out.
pub struct Response<T> {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: T,
    pub(crate) meta: CallMeta,
    pub(crate) deprecation: Option<Deprecation>,
}

impl<T> Response<T> {
    pub(crate) fn new(status: StatusCode, headers: HeaderMap, body: T, meta: CallMeta) -> Self {
        let deprecation = Deprecation::from_headers(&headers);
        Response { status, headers, body, meta, deprecation }
    }

    /// What the server said about the deprecation of this operation (the `Deprecation` and
    /// `Sunset` headers and their `Link` relations), if anything.
    pub fn deprecation(&self) -> Option<&Deprecation> {
        self.deprecation.as_ref()
    }
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }
    /// The call's correlation id (sent as `X-Request-Id` and in `traceparent`).
    pub fn correlation_id(&self) -> &str {
        &self.meta.correlation_id
    }
    /// The request id the server reported (`x-request-id`, `request-id`...), if any.
    pub fn server_request_id(&self) -> Option<&str> {
        self.meta.server_request_id.as_deref()
    }
    /// Attempts it took (1 when the first succeeded).
    pub fn attempts(&self) -> u32 {
        self.meta.attempts
    }
    /// The idempotency key the call carried, if any.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.meta.idempotency_key.as_deref()
    }
    /// The decoded body.
    pub fn into_inner(self) -> T {
        self.body
    }
    /// The decoded body, by reference.
    pub fn body(&self) -> &T {
        &self.body
    }
    /// Changes the body, keeping everything else.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        Response {
            status: self.status,
            headers: self.headers,
            body: f(self.body),
            meta: self.meta,
            deprecation: self.deprecation,
        }
    }
}

impl<T> Deref for Response<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.body
    }
}

impl<T: fmt::Debug> fmt::Debug for Response<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("headers", &RedactedHeaders(&self.headers))
            .field("body", &self.body)
            .field("correlation_id", &self.meta.correlation_id)
            .field("server_request_id", &self.meta.server_request_id)
            .field("idempotency_key", &self.meta.idempotency_key)
            .field("attempts", &self.meta.attempts)
            .field("deprecation", &self.deprecation)
            .finish()
    }
}
