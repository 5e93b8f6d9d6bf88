//! Why a call failed, and the one place an [`ErrorContext`] is built: before sending (an invalid
//! request), after the attempt loop gave up, and after decoding rejected the final response all
//! go through [`context`].

use std::convert::Infallible;
use std::time::Duration;

use http::StatusCode;

use crate::error::{ContextFields, Error, ErrorContext, TimeoutKind};
use crate::response::CallMeta;
use crate::token::TokenError;

/// The runtime's untyped failure; widened to the call's `Error<E>` at the end.
pub(crate) type Failure = Error<Infallible>;

/// What is known about a failed call.
pub(crate) fn context(operation_id: &'static str, meta: CallMeta, may_have_reached_server: bool) -> ErrorContext {
    let CallMeta { correlation_id, server_request_id, idempotency_key, attempts } = meta;
    ErrorContext(Box::new(ContextFields {
        operation_id,
        correlation_id,
        server_request_id,
        idempotency_key,
        attempts,
        may_have_reached_server,
    }))
}

/// A request that could not be built: nothing was sent.
pub(crate) fn invalid(operation_id: &'static str, correlation_id: &str, message: String) -> Failure {
    let meta = CallMeta {
        correlation_id: correlation_id.to_owned(),
        server_request_id: None,
        idempotency_key: None,
        attempts: 0,
    };
    Error::InvalidRequest { message, context: context(operation_id, meta, false) }
}

/// Why a call ended without a usable response; the context is added at the end.
#[derive(Debug)]
pub(crate) enum Failed {
    Transport(reqwest::Error),
    Timeout(TimeoutKind),
    Auth(String),
    Token(TokenError),
    Invalid(String),
    Budget(Option<StatusCode>),
    CircuitOpen,
    TooLong {
        status: StatusCode,
        wait: Duration,
        cap: Duration,
    },
    TooLarge {
        status: StatusCode,
        limit: usize,
    },
    /// The status and headers arrived, then the body broke off (the connection closed or the
    /// framing was invalid). Retried like a lost response; reported with what did arrive.
    /// A snippet rather than the bytes: this is logged, and the part may be megabytes.
    CutOff {
        status: StatusCode,
        received: usize,
        snippet: String,
        announced: Option<u64>,
        source: reqwest::Error,
    },
}

impl Failed {
    /// The error the caller sees; `host` names the circuit that was open.
    pub(crate) fn into_error(self, context: ErrorContext, host: &str) -> Failure {
        match self {
            Failed::Transport(source) => Error::Transport { source, context },
            Failed::Timeout(kind) => Error::Timeout { kind, context },
            Failed::Auth(message) => Error::Auth { message, context },
            Failed::Token(source) => Error::Token { source, context },
            Failed::Invalid(message) => Error::InvalidRequest { message, context },
            Failed::Budget(status) => Error::BudgetExhausted { status, context },
            Failed::CircuitOpen => Error::CircuitOpen { host: host.to_owned(), context },
            Failed::TooLong { status, wait, cap } => Error::RetryAfterTooLong { status, wait, cap, context },
            Failed::TooLarge { status, limit } => Error::ResponseTooLarge { status, limit, context },
            Failed::CutOff { status, received, snippet, announced, source } => {
                let mut message = format!("the body was cut off after {received} bytes");
                if let Some(announced) = announced {
                    message.push_str(&format!(" of the {announced} announced"));
                }
                // reqwest's own message is only "request or response body error"; the cause
                // ("end of file before message length reached") is in its sources.
                let mut cause: Option<&dyn std::error::Error> = Some(&source);
                while let Some(e) = cause {
                    message.push_str(&format!(": {e}"));
                    cause = e.source();
                }
                Error::Decode { status, message, snippet, context }
            }
        }
    }
}
