//! The successful result of a call.

use std::fmt;
use std::ops::Deref;

use http::{HeaderMap, StatusCode};

use crate::redact::is_secret_name;

/// What the runtime learnt about a call besides its body; shared by responses and errors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CallMeta {
    pub(crate) correlation_id: String,
    pub(crate) server_request_id: Option<String>,
    pub(crate) idempotency_key: Option<String>,
    pub(crate) attempts: u32,
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
}

impl<T> Response<T> {
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
        Response { status: self.status, headers: self.headers, body: f(self.body), meta: self.meta }
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
            .finish()
    }
}

/// `Debug` for a header map that prints `<redacted>` for credentials: headers whose name says they
/// carry one (`Authorization`, `Cookie`, `X-Api-Key`, `*-Token`..., see `redact::is_secret_name`)
/// and any value marked sensitive (the runtime marks every credential it inserts).
pub(crate) struct RedactedHeaders<'a>(pub(crate) &'a HeaderMap);

impl fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in self.0 {
            if value.is_sensitive() || is_secret_name(name.as_str()) {
                map.entry(&name.as_str(), &"<redacted>");
            } else {
                map.entry(&name.as_str(), &String::from_utf8_lossy(value.as_bytes()));
            }
        }
        map.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn debug_redacts_secrets() {
        let mut headers = HeaderMap::new();
        headers.insert("set-cookie", HeaderValue::from_static("sid=hunter2"));
        let mut custom = HeaderValue::from_static("k-123");
        custom.set_sensitive(true);
        headers.insert("x-custom-key", custom);
        headers.insert("x-request-id", HeaderValue::from_static("abc"));
        headers.insert("x-auth-token", HeaderValue::from_static("t-456"));
        let text = format!("{:?}", RedactedHeaders(&headers));
        assert!(!text.contains("hunter2") && !text.contains("k-123") && !text.contains("t-456"), "{text}");
        assert!(text.contains("abc"), "{text}");
    }
}
