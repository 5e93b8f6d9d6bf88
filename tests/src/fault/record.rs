//! What the server remembers about every request and every side effect.

use std::time::Duration;

use bytes::Bytes;
use percent_encoding::percent_decode_str;

use super::api::Route;
use super::faults::Fault;

/// The header the server reads idempotency keys from (the IETF httpapi draft's name).
pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";
/// The header the server reads the client's correlation id from.
pub const CORRELATION_HEADER: &str = "x-request-id";

/// One request as the server saw it, recorded when its head and body were read, before any
/// fault was applied (so dropped requests are counted too).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// 1-based arrival order across the whole server.
    pub seq: u64,
    /// The method, as sent (`POST`).
    pub method: String,
    /// The path, still percent-encoded, without the query (`/orders/..%2Fadmin`).
    pub path: String,
    /// The raw query string after `?`, if any, still encoded.
    pub query: Option<String>,
    /// All headers: names lowercased, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The request body bytes (chunked bodies are decoded).
    pub body: Bytes,
    /// Which route of the toy API the request matched.
    pub route: Route,
    /// How many times the server has seen this logical request, 1-based: counted by
    /// idempotency key, or else by correlation id (`x-request-id`); 1 when it has neither.
    pub attempt: u32,
    /// Time since the server started.
    pub at: Duration,
    /// The fault applied to this request, if any.
    pub fault: Option<Fault>,
}

impl RecordedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Every value of header `name` (case-insensitive), in arrival order.
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect()
    }

    /// The `Idempotency-Key` header.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.header(IDEMPOTENCY_HEADER)
    }

    /// The `X-Request-Id` header (the client's correlation id).
    pub fn correlation_id(&self) -> Option<&str> {
        self.header(CORRELATION_HEADER)
    }

    /// The trace id of the W3C `traceparent` header (`00-<trace id>-<parent id>-<flags>`).
    pub fn trace_id(&self) -> Option<&str> {
        self.header("traceparent")?.split('-').nth(1)
    }

    /// `Gusset-Attempt: <n>; max=<m>` parsed as `(n, m)`.
    pub fn gusset_attempt(&self) -> Option<(u32, u32)> {
        let value = self.header("gusset-attempt")?;
        let (n, rest) = value.split_once(';')?;
        let max = rest.trim().strip_prefix("max=")?;
        Some((n.trim().parse().ok()?, max.trim().parse().ok()?))
    }

    /// The first value of query parameter `name`, percent-decoded (`+` read as a space).
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query_pairs().into_iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// All query parameters, decoded, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        let decode = |s: &str| percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned();
        self.query
            .as_deref()
            .unwrap_or_default()
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (n, v) = pair.split_once('=').unwrap_or((pair, ""));
                (decode(n), decode(v))
            })
            .collect()
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn body_json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// What kind of side effect took effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EffectKind {
    /// `POST /orders` created an order.
    CreateOrder,
    /// `PATCH /orders/{id}` changed an order.
    UpdateOrder,
    /// `DELETE /orders/{id}` removed an order.
    DeleteOrder,
    /// `POST /payments` charged.
    Charge,
}

/// One side effect that took effect (a replayed idempotent request records none).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Effect {
    /// What happened.
    pub kind: EffectKind,
    /// The id of the order or payment acted on.
    pub resource_id: String,
    /// The idempotency key the request carried, if any.
    pub idempotency_key: Option<String>,
    /// The `seq` of the request that caused it.
    pub request_seq: u64,
}
