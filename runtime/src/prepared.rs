//! The prepared request: everything about a logical call that stays the same across attempts, as
//! a plain value (operation, method, URL, headers, body bytes, idempotency key, correlation id).
//! Secrets are not part of it: credentials are added per attempt, so a prepared request could be
//! stored and sent again later (the planned durable outbox) without storing a token.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, header};

use crate::api::{ApiInfo, Operation};
use crate::correlation;
use crate::failure::{Failure, invalid};
use crate::idempotency::KeyPolicy;
use crate::ids::Ids;
use crate::redact::{RedactedHeaders, RedactedUrl, is_secret_name};
use crate::request::Request;
use crate::retry::RetryPolicy;
use crate::url::{BaseUrl, build_url};

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

/// Per-call settings from [`Call`](crate::Call).
#[derive(Default, Clone)]
pub(crate) struct CallOptions {
    pub(crate) idempotency_key: Option<String>,
    pub(crate) correlation_id: Option<String>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) retry: Option<RetryPolicy>,
    pub(crate) headers: Vec<(String, String)>,
    /// The trace of a listing whose pages this call fetches (see `paginate`).
    pub(crate) trace_id: Option<u128>,
    /// A success response's body is left unread, for the caller to stream (see `streams`).
    pub(crate) stream: bool,
}

impl fmt::Debug for CallOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A caller may pass a credential as an extra header (`.header("X-Auth-Token", ..)`).
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| (name.as_str(), if is_secret_name(name) { "<redacted>" } else { value.as_str() }))
            .collect();
        f.debug_struct("CallOptions")
            .field("idempotency_key", &self.idempotency_key)
            .field("correlation_id", &self.correlation_id)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("headers", &headers)
            .finish()
    }
}

/// What every request of a client starts from, validated when the client is built.
#[derive(Debug)]
pub(crate) struct Defaults {
    /// Without a trailing `/`: paths start with one.
    pub(crate) base_url: String,
    /// The same, parsed.
    pub(crate) base: BaseUrl,
    /// User-Agent, the version header and the user's default headers.
    pub(crate) headers: HeaderMap,
    pub(crate) correlation_header: HeaderName,
    pub(crate) keys: KeyPolicy,
}

impl Defaults {
    /// Builds the prepared request: URL, the headers common to all attempts, ids. Nothing is
    /// sent.
    #[allow(clippy::result_large_err)] // the call's error type; see `decode::finish`
    pub(crate) fn prepare(
        &self,
        api: &'static ApiInfo,
        ids: &Ids,
        request: Request,
        options: &mut CallOptions,
    ) -> Result<PreparedRequest, Failure> {
        let op = request.op;
        let correlation_id =
            options.correlation_id.take().or_else(correlation::current).unwrap_or_else(|| ids.correlation_id());
        let refuse = |message: String| invalid(op.id, &correlation_id, message);
        if let Some(message) = request.error {
            return Err(refuse(message));
        }

        let url = match request.url {
            // A next-page link the server gave (see `paginate`, which checks its origin).
            Some(url) => url,
            None => build_url(&self.base, op.path, &request.path_params, &request.query).map_err(refuse)?,
        };

        let mut headers = self.headers.clone();
        merge(&mut headers, request.headers);
        // The user's own `Accept` (a client default header here, a per-call header or an
        // interceptor later) replaces the document's.
        if let Some(accept) = request.accept
            && !headers.contains_key(header::ACCEPT)
        {
            headers.insert(header::ACCEPT, accept);
        }
        if !request.cookies.is_empty() {
            let mut value = HeaderValue::try_from(request.cookies)
                .map_err(|_| refuse("a cookie parameter has a control character".into()))?;
            value.set_sensitive(true);
            headers.insert(header::COOKIE, value);
        }
        let body = request.body.map(|(content_type, body)| {
            headers.insert(header::CONTENT_TYPE, content_type);
            body
        });
        for (name, value) in options.headers.drain(..) {
            let header_name = HeaderName::try_from(name.as_str())
                .map_err(|_| refuse(format!("header `{}` has an invalid name", name.escape_debug())))?;
            let mut value = HeaderValue::try_from(value)
                .map_err(|_| refuse(format!("header `{name}` has a value with a control character")))?;
            // Never indexed by HTTP/2 header compression, and redacted in `Debug`.
            value.set_sensitive(is_secret_name(&name));
            headers.insert(header_name, value);
        }

        let idempotency_key = self
            .keys
            .apply(&op.method, op.idempotency, options.idempotency_key.take(), &mut headers, ids)
            .map_err(refuse)?;
        let value = HeaderValue::try_from(correlation_id.as_str())
            .map_err(|_| refuse("the correlation id has a control character".into()))?;
        headers.insert(self.correlation_header.clone(), value);

        Ok(PreparedRequest { api, operation: op, url, headers, body, idempotency_key, correlation_id })
    }
}

/// Moves `from` into `to`, replacing same-named headers (multi-valued ones stay multi-valued).
pub(crate) fn merge(to: &mut HeaderMap, from: HeaderMap) {
    let mut last: Option<HeaderName> = None;
    for (name, value) in from {
        match name {
            Some(name) => {
                to.insert(name.clone(), value);
                last = Some(name);
            }
            None => {
                if let Some(name) = &last {
                    to.append(name.clone(), value);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_replaces_and_keeps_multi_values() {
        let mut to = HeaderMap::new();
        to.insert("a", HeaderValue::from_static("old"));
        to.insert("b", HeaderValue::from_static("keep"));
        let mut from = HeaderMap::new();
        from.append("a", HeaderValue::from_static("1"));
        from.append("a", HeaderValue::from_static("2"));
        merge(&mut to, from);
        let a: Vec<_> = to.get_all("a").iter().collect();
        assert_eq!(a, ["1", "2"]);
        assert_eq!(to.get("b").unwrap(), "keep");
    }
}
