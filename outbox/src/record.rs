//! Rows as the outbox reads them back: the stored request and its history, decoded from the
//! plain columns both databases share, and what [`Outbox`](crate::Outbox) shows of them.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use gusset::StoredRequest;
use http::{HeaderMap, HeaderName, HeaderValue, Method};

/// The id of a stored call (a UUIDv7, so ids sort by enqueue time). A dead letter keeps the id
/// its call had.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallId(pub(crate) String);

impl CallId {
    /// A new id.
    pub(crate) fn new() -> Self {
        CallId(uuid::Uuid::now_v7().to_string())
    }
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for CallId {
    fn from(id: &str) -> Self {
        CallId(id.to_owned())
    }
}

impl From<String> for CallId {
    fn from(id: String) -> Self {
        CallId(id)
    }
}

/// The columns shared by pending calls and dead letters, in this order in every statement.
pub(crate) const COLUMNS: &str = "id, operation_id, method, path_template, security, url, headers, body, \
     idempotency_key, correlation_id, keep_body, attempts, next_attempt_at, created_at, last_error";

/// One row's shared columns, as read.
#[derive(Debug, Clone)]
pub(crate) struct RawCall {
    pub(crate) id: String,
    pub(crate) operation_id: String,
    pub(crate) method: String,
    pub(crate) path_template: String,
    pub(crate) security: String,
    pub(crate) url: String,
    pub(crate) headers: String,
    pub(crate) body: Option<Vec<u8>>,
    pub(crate) idempotency_key: Option<String>,
    pub(crate) correlation_id: String,
    pub(crate) keep_body: i64,
    pub(crate) attempts: i64,
    pub(crate) next_attempt_at: i64,
    pub(crate) created_at: i64,
    pub(crate) last_error: Option<String>,
}

/// Reads [`COLUMNS`] from a row of either database (the same code, typed per driver).
macro_rules! raw_call {
    ($row:expr) => {{
        use sqlx::Row as _;
        let row = $row;
        Ok::<_, sqlx::Error>($crate::record::RawCall {
            id: row.try_get("id")?,
            operation_id: row.try_get("operation_id")?,
            method: row.try_get("method")?,
            path_template: row.try_get("path_template")?,
            security: row.try_get("security")?,
            url: row.try_get("url")?,
            headers: row.try_get("headers")?,
            body: row.try_get("body")?,
            idempotency_key: row.try_get("idempotency_key")?,
            correlation_id: row.try_get("correlation_id")?,
            keep_body: row.try_get("keep_body")?,
            attempts: row.try_get("attempts")?,
            next_attempt_at: row.try_get("next_attempt_at")?,
            created_at: row.try_get("created_at")?,
            last_error: row.try_get("last_error")?,
        })
    }};
}
pub(crate) use raw_call;

/// Milliseconds since the Unix epoch (0 before it, saturating far after).
pub(crate) fn to_ms(at: SystemTime) -> i64 {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The time `ms` milliseconds after the Unix epoch (negative values read as the epoch).
pub(crate) fn from_ms(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

pub(crate) fn now_ms() -> i64 {
    to_ms(SystemTime::now())
}

/// Headers as stored: `[[name, value], ...]`, in order, repeated names kept.
pub(crate) fn headers_to_json(headers: &HeaderMap) -> Result<String, String> {
    let mut pairs = Vec::with_capacity(headers.len());
    for (name, value) in headers {
        let value = value.to_str().map_err(|_| format!("header `{name}` is not text"))?;
        pairs.push((name.as_str(), value));
    }
    serde_json::to_string(&pairs).map_err(|e| e.to_string())
}

pub(crate) fn headers_from_json(text: &str) -> Result<HeaderMap, String> {
    let pairs: Vec<(String, String)> = serde_json::from_str(text).map_err(|e| format!("headers: {e}"))?;
    let mut headers = HeaderMap::with_capacity(pairs.len());
    for (name, value) in pairs {
        let header = HeaderName::try_from(name.as_str()).map_err(|_| format!("header name `{name}` is invalid"))?;
        let value = HeaderValue::try_from(value).map_err(|_| format!("header `{name}` has an invalid value"))?;
        headers.append(header, value);
    }
    Ok(headers)
}

impl RawCall {
    /// The request to send, or why the row cannot be one.
    pub(crate) fn request(&self) -> Result<StoredRequest, String> {
        let method = Method::from_bytes(self.method.as_bytes()).map_err(|_| format!("method `{}`", self.method))?;
        let security: Vec<Vec<String>> = serde_json::from_str(&self.security).map_err(|e| format!("security: {e}"))?;
        Ok(StoredRequest {
            operation_id: self.operation_id.clone(),
            method,
            path_template: self.path_template.clone(),
            security,
            url: self.url.clone(),
            headers: headers_from_json(&self.headers)?,
            body: self.body.clone().map(Bytes::from),
            idempotency_key: self.idempotency_key.clone(),
            correlation_id: self.correlation_id.clone(),
        })
    }

    /// The attempts so far (a negative count reads as 0).
    pub(crate) fn attempts(&self) -> u32 {
        u32::try_from(self.attempts).unwrap_or(if self.attempts < 0 { 0 } else { u32::MAX })
    }

    pub(crate) fn summary(&self) -> Summary {
        Summary {
            id: CallId(self.id.clone()),
            operation_id: self.operation_id.clone(),
            method: self.method.clone(),
            url: self.url.clone(),
            idempotency_key: self.idempotency_key.clone(),
            correlation_id: self.correlation_id.clone(),
            attempts: self.attempts(),
            next_attempt_at: from_ms(self.next_attempt_at),
            created_at: from_ms(self.created_at),
            last_error: self.last_error.clone(),
            body_len: self.body.as_ref().map(Vec::len),
        }
    }
}

/// What is stored about a call, pending, delivered or dead (its body is not repeated here).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Summary {
    /// The call's id.
    pub id: CallId,
    /// The operation's id in the document.
    pub operation_id: String,
    /// The HTTP method.
    pub method: String,
    /// The URL it is sent to (no credential is ever stored).
    pub url: String,
    /// The idempotency key every attempt carries.
    pub idempotency_key: Option<String>,
    /// The correlation id every attempt carries.
    pub correlation_id: String,
    /// Attempts begun so far.
    pub attempts: u32,
    /// When the next attempt is due.
    pub next_attempt_at: SystemTime,
    /// When the call was enqueued.
    pub created_at: SystemTime,
    /// Why the last attempt failed, if it did.
    pub last_error: Option<String>,
    /// The stored request body's length.
    pub body_len: Option<usize>,
}

/// A call in the outbox (see [`Outbox::call`](crate::Outbox::call)).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallRecord {
    /// What is stored.
    pub summary: Summary,
    /// Whether the call is pending, delivered or dead.
    pub state: CallState,
}

/// Where a call is in its life.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallState {
    /// Waiting for its next attempt (or being attempted, while `leased_until` is in the future).
    Pending {
        /// The end of the current worker's lease, if one holds it.
        leased_until: Option<SystemTime>,
    },
    /// Delivered.
    Delivered {
        /// When.
        at: SystemTime,
        /// The final status.
        status: u16,
        /// The response headers.
        headers: HeaderMap,
        /// The response body, when the outbox keeps bodies ([`Outbox::keep_response_bodies`](crate::Outbox::keep_response_bodies)).
        body: Option<Bytes>,
    },
    /// Moved to the dead letters.
    Dead {
        /// When.
        at: SystemTime,
    },
}

/// A call that failed permanently (see [`Outbox::dead_letters`](crate::Outbox::dead_letters)).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeadLetter {
    /// What is stored; `last_error` says why it died.
    pub summary: Summary,
    /// When it was moved here.
    pub dead_at: SystemTime,
}
