//! The prepared request: everything about a logical call that stays the same across attempts, as
//! a plain value (operation, method, URL, headers, body bytes, idempotency key, correlation id).
//! Secrets are not part of it: credentials are added per attempt, so a prepared request could be
//! stored and sent again later (the planned durable outbox) without storing a token.

use std::fmt;

use bytes::Bytes;
use http::{HeaderMap, Method};

use crate::private::{ApiInfo, Operation};
use crate::redact::RedactedUrl;
use crate::response::RedactedHeaders;

/// A call ready to send, as interceptors see it.
///
/// Its `Debug` output is safe to log: credential headers and the values of secret query
/// parameters (`api_key`, `token`, `signature`..., and the document's query API keys) are
/// redacted. [`url`](Self::url) and [`headers`](Self::headers) give the real values.
#[derive(Clone)]
pub struct PreparedRequest {
    /// For redacting the document's query API-key names in `Debug`.
    pub(crate) api: &'static ApiInfo,
    pub(crate) operation: &'static Operation,
    pub(crate) url: reqwest::Url,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<Bytes>,
    pub(crate) idempotency_key: Option<String>,
    pub(crate) correlation_id: String,
}

impl PreparedRequest {
    /// The operation's id in the document.
    pub fn operation_id(&self) -> &'static str {
        self.operation.id
    }
    /// The path template, e.g. `/pets/{petId}`.
    pub fn path_template(&self) -> &'static str {
        self.operation.path
    }
    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.operation.method
    }
    /// The full URL, query included (API keys in the query are added per attempt, not here).
    pub fn url(&self) -> &reqwest::Url {
        &self.url
    }
    /// The headers common to every attempt.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }
    /// The buffered body, if any.
    pub fn body(&self) -> Option<&Bytes> {
        self.body.as_ref()
    }
    /// The idempotency key, if the call carries one.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.idempotency_key.as_deref()
    }
    /// The call's correlation id.
    pub fn correlation_id(&self) -> &str {
        &self.correlation_id
    }
}

impl fmt::Debug for PreparedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedRequest")
            .field("operation_id", &self.operation.id)
            .field("method", &self.operation.method)
            .field("url", &RedactedUrl(self.url.as_str(), self.api))
            .field("headers", &RedactedHeaders(&self.headers))
            .field("body_len", &self.body.as_ref().map(Bytes::len))
            .field("idempotency_key", &self.idempotency_key)
            .field("correlation_id", &self.correlation_id)
            .finish()
    }
}
