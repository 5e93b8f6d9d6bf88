//! The faults the server can inject, one per incoming request.

use std::time::Duration;

/// What the server does to one request instead of (or on top of) its normal behaviour.
///
/// Faults fall in three groups, which matters for side-effect counting:
/// - *before the handler* ([`Fault::DropBeforeHandler`], [`Fault::Status`], [`Fault::StatusWith`]):
///   the API handler does not run, nothing takes effect;
/// - *after the handler* ([`Fault::DropAfterHandler`], [`Fault::MalformedJson`],
///   [`Fault::TruncatedBody`], [`Fault::WrongContentType`], [`Fault::EmptyBody`]): the handler runs
///   and commits its side effect, then the reply the client gets is lost or mangled;
/// - [`Fault::Delay`]: the server waits, then behaves normally (the side effect commits late,
///   whether or not the client is still listening).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Read the request, then close the connection without a response; the handler does not run.
    DropBeforeHandler,
    /// Run the handler (its side effect commits), then close the connection without a
    /// response: the "response lost" case.
    DropAfterHandler,
    /// Reply with this status and a small JSON error body; the handler does not run.
    Status(u16),
    /// Like [`Fault::Status`], with extra response headers (for example `Retry-After: 2`).
    StatusWith {
        /// The status code to send.
        status: u16,
        /// Extra headers, sent as given (names and values are not validated, on purpose).
        headers: Vec<(String, String)>,
    },
    /// Wait this long before handling the request normally.
    Delay(Duration),
    /// Run the handler, then send its status with a body that is not valid JSON (but a
    /// correct `Content-Length` and `Content-Type: application/json`).
    MalformedJson,
    /// Run the handler, then announce the full `Content-Length`, send only half of the body
    /// and close the connection.
    TruncatedBody,
    /// Run the handler, then answer `200` with an HTML page (`Content-Type: text/html`), as a
    /// misconfigured proxy would.
    WrongContentType,
    /// Run the handler, then answer `200` with `Content-Type: application/json` and no body.
    EmptyBody,
}

impl Fault {
    /// `status` with no extra headers; add some with [`Fault::header`].
    pub fn status(status: u16) -> Self {
        Fault::Status(status)
    }

    /// Adds a response header to a status fault (turning [`Fault::Status`] into
    /// [`Fault::StatusWith`]); other faults are returned unchanged, since they have no
    /// status line of their own to decorate.
    #[must_use]
    pub fn header(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        match self {
            Fault::Status(status) => Fault::StatusWith { status, headers: vec![(name.into(), value.into())] },
            Fault::StatusWith { status, mut headers } => {
                headers.push((name.into(), value.into()));
                Fault::StatusWith { status, headers }
            }
            other => other,
        }
    }

    /// `429 Too Many Requests` with `Retry-After: <seconds>`.
    pub fn retry_after_secs(seconds: u64) -> Self {
        Fault::status(429).header("retry-after", seconds.to_string())
    }

    /// `429 Too Many Requests` with `Retry-After` as an HTTP-date `at`.
    pub fn retry_after_date(at: std::time::SystemTime) -> Self {
        Fault::status(429).header("retry-after", httpdate::fmt_http_date(at))
    }

    /// `429 Too Many Requests` with `retry-after-ms: <millis>` (the header Stainless SDKs read).
    pub fn retry_after_ms(millis: u64) -> Self {
        Fault::status(429).header("retry-after-ms", millis.to_string())
    }

    /// `status` with `x-should-retry: <should>`.
    pub fn should_retry(status: u16, should: bool) -> Self {
        Fault::status(status).header("x-should-retry", should.to_string())
    }

    /// Whether the API handler runs (and commits its side effect) under this fault.
    pub fn runs_handler(&self) -> bool {
        !matches!(self, Fault::DropBeforeHandler | Fault::Status(_) | Fault::StatusWith { .. })
    }
}
