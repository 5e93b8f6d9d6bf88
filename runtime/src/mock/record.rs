//! What the server recorded of each request.

use bytes::Bytes;
use http::{HeaderMap, Method};

use super::fault::Fault;

/// What became of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// A responder ran (the effect happened) and its reply was sent with this status.
    Answered(u16),
    /// The idempotency key had been answered before: the stored reply was sent again and no
    /// responder ran.
    Replayed(u16),
    /// A fault stub took the request. Whether the effect happened is [`Received::took_effect`].
    Faulted(Fault),
    /// The request does not match the document; answered 400 with this reason.
    Invalid(String),
    /// The request is valid but no stub took it; answered 501.
    NoStub,
    /// No operation of the document has this method and path; answered 404.
    UnknownOperation,
}

/// One request as the server received it (the untyped record behind [`Received`]).
#[derive(Debug, Clone)]
pub(super) struct Raw {
    pub(super) seq: usize,
    pub(super) operation: Option<&'static str>,
    pub(super) method: Method,
    pub(super) path: String,
    pub(super) path_params: Vec<(String, String)>,
    pub(super) query: Vec<(String, String)>,
    pub(super) headers: HeaderMap,
    pub(super) body: Bytes,
    pub(super) outcome: Outcome,
    pub(super) effect: bool,
}

/// One request an endpoint received, its body decoded into the operation's request type.
#[derive(Debug, Clone)]
pub struct Received<B> {
    pub(super) raw: Raw,
    pub(super) body: Option<B>,
}

impl<B> Received<B> {
    /// The decoded body; `None` when it did not decode (then [`Received::outcome`] is
    /// [`Outcome::Invalid`]).
    pub fn body(&self) -> Option<&B> {
        self.body.as_ref()
    }

    /// The body as sent.
    pub fn raw_body(&self) -> &[u8] {
        &self.raw.body
    }

    /// The request's place among all requests the server received, from 0.
    pub fn seq(&self) -> usize {
        self.raw.seq
    }

    /// What became of it.
    pub fn outcome(&self) -> &Outcome {
        &self.raw.outcome
    }

    /// Whether a responder ran for it (the effect happened), faults after the effect included.
    pub fn took_effect(&self) -> bool {
        self.raw.effect
    }

    /// The request method.
    pub fn method(&self) -> &Method {
        &self.raw.method
    }

    /// The path as sent (percent-encoded).
    pub fn path(&self) -> &str {
        &self.raw.path
    }

    /// A path parameter, decoded.
    pub fn path_param(&self, name: &str) -> Option<&str> {
        lookup(&self.raw.path_params, name)
    }

    /// The first value of a query parameter, decoded.
    pub fn query(&self, name: &str) -> Option<&str> {
        lookup(&self.raw.query, name)
    }

    /// All request headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.raw.headers
    }

    /// A header's value, when it is text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.raw.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `Idempotency-Key`.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.header("idempotency-key")
    }

    /// The correlation id (`X-Request-Id`).
    pub fn correlation_id(&self) -> Option<&str> {
        self.header("x-request-id")
    }

    /// The attempt number of `Gusset-Attempt: 2; max=3`.
    pub fn attempt(&self) -> Option<u32> {
        self.header("gusset-attempt")?.split(';').next()?.trim().parse().ok()
    }
}

pub(super) fn lookup<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}
