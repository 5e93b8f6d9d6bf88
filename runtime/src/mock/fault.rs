//! The faults of real networks and servers, in the vocabulary of the project's own resilience
//! tests: before the effect (nothing happened on the server), after it (it happened, the client
//! cannot tell), or a slow reply.

use std::time::{Duration, SystemTime};

/// What a fault stub does instead of (or on top of) the operation's normal reply.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Read the request, then close the connection without a reply; no responder runs.
    DropBeforeEffect,
    /// Let the responder run (the effect happens, its reply is stored under the idempotency
    /// key), then close the connection without a reply: the "reply lost" case.
    DropAfterEffect,
    /// Answer this status (a 5xx, typically) with a small problem body; no responder runs.
    Status(u16),
    /// Answer 429 with the given `Retry-After`; no responder runs.
    RateLimited(RetryAfter),
    /// Wait this long, then answer normally.
    Slow(Duration),
    /// Let the responder run, then announce its body's full `Content-Length`, send half and
    /// close the connection.
    TruncatedBody,
    /// Let the responder run, then send its status with `Content-Type: application/json` and a
    /// body that is not JSON.
    MalformedJson,
}

/// How a rate limit says when to come back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// `Retry-After: <seconds>`.
    Seconds(u64),
    /// `Retry-After: <HTTP date>`, this long after the reply (HTTP dates have whole seconds).
    Date(Duration),
    /// `retry-after-ms: <milliseconds>` (and no `Retry-After`).
    Millis(u64),
}

/// When a fault acts, relative to the responder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum When {
    /// Instead of the responder.
    Instead,
    /// After the responder: its reply is lost or mangled.
    After,
    /// Before the responder, which then answers normally.
    Delay(Duration),
}

impl Fault {
    pub(super) fn when(&self) -> When {
        match self {
            Fault::DropBeforeEffect | Fault::Status(_) | Fault::RateLimited(_) => When::Instead,
            Fault::DropAfterEffect | Fault::TruncatedBody | Fault::MalformedJson => When::After,
            Fault::Slow(wait) => When::Delay(*wait),
        }
    }
}

impl RetryAfter {
    /// The header this sets, name and value.
    pub(super) fn header(self) -> (&'static str, String) {
        match self {
            RetryAfter::Seconds(s) => ("retry-after", s.to_string()),
            RetryAfter::Date(after) => {
                // Rounded up, so the client never waits less than asked.
                let at = SystemTime::now() + after + Duration::from_millis(999);
                ("retry-after", httpdate::fmt_http_date(at))
            }
            RetryAfter::Millis(ms) => ("retry-after-ms", ms.to_string()),
        }
    }
}
