//! The one error type of every generated call, and the error of building a client.

use std::convert::Infallible;
use std::fmt;
use std::time::Duration;

use http::{HeaderMap, StatusCode};

use crate::deprecation::Deprecation;
use crate::redact::RedactedHeaders;
use crate::token::TokenError;

/// What is known about a failed call, whatever the failure: present on every [`Error`] variant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorContext(pub(crate) Box<ContextFields>);

/// Boxed so errors stay small: a `Result` is moved on the success path too.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ContextFields {
    pub(crate) operation_id: &'static str,
    pub(crate) correlation_id: String,
    pub(crate) server_request_id: Option<String>,
    pub(crate) idempotency_key: Option<String>,
    pub(crate) attempts: u32,
    pub(crate) may_have_reached_server: bool,
}

impl ErrorContext {
    /// The operation's id in the document.
    pub fn operation_id(&self) -> &'static str {
        self.0.operation_id
    }
    /// The call's correlation id (sent as `X-Request-Id` and in `traceparent`).
    pub fn correlation_id(&self) -> &str {
        &self.0.correlation_id
    }
    /// The request id the server reported in its last response, if any.
    pub fn server_request_id(&self) -> Option<&str> {
        self.0.server_request_id.as_deref()
    }
    /// The idempotency key the call carried, if any.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.0.idempotency_key.as_deref()
    }
    /// Attempts sent (0 when the call failed before sending anything).
    pub fn attempts(&self) -> u32 {
        self.0.attempts
    }
    /// Whether any attempt may have reached the server, so its effect may have happened.
    pub fn may_have_reached_server(&self) -> bool {
        self.0.may_have_reached_server
    }
}

/// Which timeout fired.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// Connecting to the server.
    Connect,
    /// One attempt (request sent and response read).
    Attempt,
    /// The whole call, retries and waits included.
    Call,
}

/// The error of a generated call. `E` is the operation's typed error body.
///
/// Every variant carries an [`ErrorContext`]: the correlation id, the server's request id, the
/// attempts made and whether the request may have reached the server. No variant contains a
/// secret: credentials never enter errors, and header values are redacted in `Debug`.
#[non_exhaustive]
pub enum Error<E> {
    /// The server answered with a documented error status; `body` is the decoded error body.
    Api { status: StatusCode, headers: HeaderMap, body: E, context: ErrorContext },
    /// The server answered with a status the document does not describe.
    UnexpectedStatus { status: StatusCode, headers: HeaderMap, snippet: String, context: ErrorContext },
    /// The response body could not be decoded: it is not what the document describes (wrong
    /// content type, invalid JSON, the wrong shape, empty), or it broke off before its end (a
    /// connection closed mid-body; such attempts are retried like a lost response first).
    Decode { status: StatusCode, message: String, snippet: String, context: ErrorContext },
    /// The response body was larger than the client's limit
    /// ([`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes)); reading
    /// stopped at the limit and the call was not retried.
    ResponseTooLarge { status: StatusCode, limit: usize, context: ErrorContext },
    /// The connection failed or was reset before a response head arrived, or the response head
    /// was not valid HTTP.
    Transport { source: reqwest::Error, context: ErrorContext },
    /// A timeout fired.
    Timeout { kind: TimeoutKind, context: ErrorContext },
    /// The request could not be built (a header value with CR/LF, a parameter its style cannot
    /// express...); nothing was sent.
    InvalidRequest { message: String, context: ErrorContext },
    /// A credential cannot be sent (the token a provider returned contains a character not
    /// allowed in a header); nothing was sent.
    Auth { message: String, context: ErrorContext },
    /// The token provider could not get a token; nothing was sent. The built-in OAuth2 providers'
    /// `source` is a [`TokenEndpointError`](crate::oauth::TokenEndpointError) naming the token
    /// endpoint and what it answered (downcast with `source.downcast_ref()`); it never holds the
    /// client secret, the refresh token or a token.
    Token { source: TokenError, context: ErrorContext },
    /// A retry was needed but the client's retry budget is empty; `status` is the last response's.
    BudgetExhausted { status: Option<StatusCode>, context: ErrorContext },
    /// The host's circuit breaker is open; the attempt was not sent.
    CircuitOpen { host: String, context: ErrorContext },
    /// The server asked to wait longer than the retry policy's cap before retrying.
    RetryAfterTooLong { status: StatusCode, wait: Duration, cap: Duration, context: ErrorContext },
    /// The response said the operation is deprecated or will be sunset, and an
    /// [`Interceptor::on_deprecation`](crate::Interceptor::on_deprecation) refused it with `reason`.
    Deprecated { status: StatusCode, deprecation: Box<Deprecation>, reason: String, context: ErrorContext },
}

impl<E> Error<E> {
    /// What is known about the call.
    pub fn context(&self) -> &ErrorContext {
        match self {
            Error::Api { context, .. }
            | Error::UnexpectedStatus { context, .. }
            | Error::Decode { context, .. }
            | Error::ResponseTooLarge { context, .. }
            | Error::Transport { context, .. }
            | Error::Timeout { context, .. }
            | Error::InvalidRequest { context, .. }
            | Error::Auth { context, .. }
            | Error::Token { context, .. }
            | Error::BudgetExhausted { context, .. }
            | Error::CircuitOpen { context, .. }
            | Error::RetryAfterTooLong { context, .. }
            | Error::Deprecated { context, .. } => context,
        }
    }

    /// The HTTP status of the last response, when there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api { status, .. }
            | Error::UnexpectedStatus { status, .. }
            | Error::Decode { status, .. }
            | Error::ResponseTooLarge { status, .. }
            | Error::RetryAfterTooLong { status, .. }
            | Error::Deprecated { status, .. } => Some(*status),
            Error::BudgetExhausted { status, .. } => *status,
            _ => None,
        }
    }

    /// The call's correlation id.
    pub fn correlation_id(&self) -> &str {
        self.context().correlation_id()
    }

    /// The server's request id from its last response, if any.
    pub fn server_request_id(&self) -> Option<&str> {
        self.context().server_request_id()
    }

    /// Attempts sent.
    pub fn attempts(&self) -> u32 {
        self.context().attempts()
    }

    /// Whether the request may have reached the server (and so may have taken effect).
    pub fn may_have_reached_server(&self) -> bool {
        self.context().may_have_reached_server()
    }

    /// The typed error body, for [`Error::Api`].
    pub fn api_error(&self) -> Option<&E> {
        match self {
            Error::Api { body, .. } => Some(body),
            _ => None,
        }
    }

    /// Whether this is a timeout of any kind.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
    }
}

impl<E> Error<E> {
    /// The same error with its API body changed by `f` (only the `Api` variant holds an `E`):
    /// the one place that lists every variant, so a new variant is added once.
    pub(crate) fn map_body<F>(self, f: impl FnOnce(E) -> F) -> Error<F> {
        match self {
            Error::Api { status, headers, body, context } => Error::Api { status, headers, body: f(body), context },
            Error::UnexpectedStatus { status, headers, snippet, context } => {
                Error::UnexpectedStatus { status, headers, snippet, context }
            }
            Error::Decode { status, message, snippet, context } => Error::Decode { status, message, snippet, context },
            Error::ResponseTooLarge { status, limit, context } => Error::ResponseTooLarge { status, limit, context },
            Error::Transport { source, context } => Error::Transport { source, context },
            Error::Timeout { kind, context } => Error::Timeout { kind, context },
            Error::InvalidRequest { message, context } => Error::InvalidRequest { message, context },
            Error::Auth { message, context } => Error::Auth { message, context },
            Error::Token { source, context } => Error::Token { source, context },
            Error::BudgetExhausted { status, context } => Error::BudgetExhausted { status, context },
            Error::CircuitOpen { host, context } => Error::CircuitOpen { host, context },
            Error::RetryAfterTooLong { status, wait, cap, context } => {
                Error::RetryAfterTooLong { status, wait, cap, context }
            }
            Error::Deprecated { status, deprecation, reason, context } => {
                Error::Deprecated { status, deprecation, reason, context }
            }
        }
    }
}

impl Error<Infallible> {
    /// Widens the runtime's untyped failure to a call's error type (the `Api` variant, the only one
    /// that holds an `E`, cannot occur in an `Error<Infallible>`).
    pub(crate) fn widen<E>(self) -> Error<E> {
        self.map_body(|body| match body {})
    }
}

impl<E: fmt::Debug> fmt::Debug for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api { status, headers, body, context } => f
                .debug_struct("Api")
                .field("status", status)
                .field("headers", &RedactedHeaders(headers))
                .field("body", body)
                .field("context", context)
                .finish(),
            Error::UnexpectedStatus { status, headers, snippet, context } => f
                .debug_struct("UnexpectedStatus")
                .field("status", status)
                .field("headers", &RedactedHeaders(headers))
                .field("snippet", snippet)
                .field("context", context)
                .finish(),
            Error::Decode { status, message, snippet, context } => f
                .debug_struct("Decode")
                .field("status", status)
                .field("message", message)
                .field("snippet", snippet)
                .field("context", context)
                .finish(),
            Error::ResponseTooLarge { status, limit, context } => f
                .debug_struct("ResponseTooLarge")
                .field("status", status)
                .field("limit", limit)
                .field("context", context)
                .finish(),
            // reqwest's error Debug shows the URL, which may carry an API key in its query;
            // `without_url` is applied where the error is created, so this is safe to print.
            Error::Transport { source, context } => {
                f.debug_struct("Transport").field("source", source).field("context", context).finish()
            }
            Error::Timeout { kind, context } => {
                f.debug_struct("Timeout").field("kind", kind).field("context", context).finish()
            }
            Error::InvalidRequest { message, context } => {
                f.debug_struct("InvalidRequest").field("message", message).field("context", context).finish()
            }
            Error::Auth { message, context } => {
                f.debug_struct("Auth").field("message", message).field("context", context).finish()
            }
            Error::Token { source, context } => {
                f.debug_struct("Token").field("source", source).field("context", context).finish()
            }
            Error::BudgetExhausted { status, context } => {
                f.debug_struct("BudgetExhausted").field("status", status).field("context", context).finish()
            }
            Error::CircuitOpen { host, context } => {
                f.debug_struct("CircuitOpen").field("host", host).field("context", context).finish()
            }
            Error::RetryAfterTooLong { status, wait, cap, context } => f
                .debug_struct("RetryAfterTooLong")
                .field("status", status)
                .field("wait", wait)
                .field("cap", cap)
                .field("context", context)
                .finish(),
            Error::Deprecated { status, deprecation, reason, context } => f
                .debug_struct("Deprecated")
                .field("status", status)
                .field("deprecation", deprecation)
                .field("reason", reason)
                .field("context", context)
                .finish(),
        }
    }
}

impl<E> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let context = self.context();
        let op = context.0.operation_id;
        match self {
            Error::Api { status, .. } => write!(f, "`{op}` failed with status {status}")?,
            Error::UnexpectedStatus { status, snippet, .. } => {
                write!(f, "`{op}` got undocumented status {status}")?;
                if !snippet.is_empty() {
                    write!(f, " with body `{snippet}`")?;
                }
            }
            Error::Decode { status, message, snippet, .. } => {
                write!(f, "`{op}` could not decode the status {status} response: {message}")?;
                if !snippet.is_empty() {
                    write!(f, " (body starts `{snippet}`)")?;
                }
            }
            Error::ResponseTooLarge { limit, .. } => {
                write!(f, "`{op}` response body is larger than the {limit} byte limit")?;
            }
            Error::Transport { source, .. } => write!(f, "`{op}` transport error: {source}")?,
            Error::Timeout { kind, .. } => {
                let what = match kind {
                    TimeoutKind::Connect => "connecting",
                    TimeoutKind::Attempt => "an attempt",
                    TimeoutKind::Call => "the call",
                };
                write!(f, "`{op}` timed out ({what})")?;
            }
            Error::InvalidRequest { message, .. } => write!(f, "`{op}` invalid request: {message}")?,
            Error::Auth { message, .. } => write!(f, "`{op}` could not get credentials: {message}")?,
            Error::Token { source, .. } => write!(f, "`{op}` could not get a token: {source}")?,
            Error::BudgetExhausted { status, .. } => {
                write!(f, "`{op}` retry budget exhausted")?;
                if let Some(status) = status {
                    write!(f, " (last status {status})")?;
                }
            }
            Error::CircuitOpen { host, .. } => write!(f, "`{op}` circuit open for host `{host}`")?,
            Error::RetryAfterTooLong { status, wait, cap, .. } => write!(
                f,
                "`{op}` status {status}: server asked to retry after {}s, over the {}s cap",
                wait.as_secs_f64(),
                cap.as_secs_f64()
            )?,
            Error::Deprecated { status, deprecation, reason, .. } => {
                write!(f, "`{op}` status {status} refused as deprecated ({deprecation}): {reason}")?;
            }
        }
        write!(f, " after {} attempt{}", context.0.attempts, if context.0.attempts == 1 { "" } else { "s" })?;
        write!(f, " (correlation id `{}`", context.0.correlation_id)?;
        if let Some(id) = &context.0.server_request_id {
            write!(f, ", server request id `{id}`")?;
        }
        f.write_str(")")
    }
}

impl<E: fmt::Debug> std::error::Error for Error<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport { source, .. } => Some(source),
            Error::Token { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

/// The error of [`ClientBuilder::build`](crate::ClientBuilder::build): a setting that cannot work.
#[derive(Debug)]
#[non_exhaustive]
pub enum BuildError {
    /// The base URL does not parse, is not http(s), or has a query, a fragment or credentials.
    /// `url` is shown redacted (`REDACTED:REDACTED@`, `?api_key=REDACTED`).
    BaseUrl { url: String, message: String },
    /// A header name or value is invalid (the value itself is never shown: it may be a secret).
    Header { name: String, message: String },
    /// Two settings contradict each other.
    Conflict { message: String },
    /// reqwest could not build its client (TLS backend initialisation).
    Http(reqwest::Error),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::BaseUrl { url, message } => write!(f, "invalid base url `{url}`: {message}"),
            BuildError::Header { name, message } => write!(f, "invalid header `{name}`: {message}"),
            BuildError::Conflict { message } => f.write_str(message),
            BuildError::Http(e) => write!(f, "could not build the http client: {e}"),
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BuildError::Http(e) => Some(e),
            _ => None,
        }
    }
}
