//! A typed mock of an API for the tests of code that calls it (feature `mock`).
//!
//! A client generated with `Settings::mock(true)` (or `cargo gusset generate --mock`) has a
//! `mock` module, behind its own `mock` feature, whose `Server` has one method per operation
//! returning an [`Endpoint`] typed with the operation's request body, success and error types.
//! The server runs in-process on `127.0.0.1` on a random port, on the test's tokio runtime, and
//! stops when dropped, so parallel `#[tokio::test]`s each get their own.
//!
//! ```ignore
//! let server = orders::mock::Server::start().await?;
//! server.create_order().respond_with(|req| Reply::ok(order_for(req.body())));
//! server.get_order().path_param("orderId", "o-404").error(404, problem());
//! server.create_order().fault(Fault::DropAfterEffect).times(1); // the reply is lost after the effect
//! let client = orders::Client::builder(server.url()).build()?;
//! // ... exercise your code ...
//! server.create_order().assert_calls(1);     // one effect despite the retry
//! server.verify();                           // or on drop: invalid or unmatched requests fail the test
//! ```
//!
//! What the server does with a request, in order:
//! 1. finds the operation by method and path template; a request of no operation is answered
//!    404 and reported;
//! 2. validates it against the operation: required query parameters and headers, the body's
//!    media type, and that the body decodes into the operation's request type; an invalid
//!    request is answered 400 with the reason, and reported;
//! 3. takes the first stub of the operation, in mounting order, whose matchers accept the request
//!    and whose [`times`](Mounted::times) are not used up; none is a 501, reported;
//! 4. a [fault](Fault) stub applies its fault; a fault that comes *after the effect* (a lost
//!    reply, a truncated or malformed body) or that only slows the reply lets the next
//!    responding stub produce the reply first;
//! 5. the effect: a request whose `Idempotency-Key` the operation has already answered gets the
//!    stored reply again without running the responder (deduplication, on by default, as a server
//!    that honours idempotency keys does; [`Server::dedup`] turns it off); otherwise the responder
//!    runs and its reply is stored under the key.
//!
//! Every request is recorded ([`Endpoint::received`], [`Server::journal`]), with its decoded
//! typed body, its headers and its place in the order across endpoints. Problems (requests the
//! document would refuse, requests no stub takes, replies with a status the operation does not
//! declare) are kept and make [`Server::verify`] fail the test with all of them; dropping the
//! server verifies too, unless the test is already failing. The server task itself never panics.

mod endpoint;
mod fault;
mod record;
mod server;
mod state;
mod validate;
mod wire;

pub use endpoint::{Endpoint, Mounted, Reply, Request};
pub use fault::{Fault, RetryAfter};
pub use record::{Outcome, Received};
pub use server::Server;

use bytes::Bytes;

/// What a mock server needs to know of one operation: one `static` per operation in generated
/// code, written as a struct literal (fields are added only together with `gusset-codegen`).
#[derive(Debug)]
pub struct Spec {
    /// The document's `operationId`.
    pub id: &'static str,
    /// The HTTP method.
    pub method: http::Method,
    /// The path template as in the document, e.g. `/orders/{orderId}`.
    pub path: &'static str,
    /// The query parameters the operation requires.
    pub query: &'static [&'static str],
    /// The headers the operation requires (lower case).
    pub headers: &'static [&'static str],
    /// The request body, when the operation has one.
    pub body: Option<BodySpec>,
    /// The response statuses the document declares: codes (`"201"`), ranges (`"4XX"`) and
    /// `"default"`.
    pub statuses: &'static [&'static str],
    /// The media type of success bodies (`""` for none).
    pub ok_type: &'static str,
    /// The media type of error bodies (`""` for none).
    pub error_type: &'static str,
}

/// The request body of an operation.
#[derive(Debug)]
pub struct BodySpec {
    /// The media type the client sends, e.g. `application/json`.
    pub media_type: &'static str,
    /// Whether a request without a body is invalid.
    pub required: bool,
    /// Whether a body decodes into the operation's request type (one of [`check_json`],
    /// [`check_any`]).
    pub check: fn(&[u8]) -> Result<(), String>,
}

impl Spec {
    /// Whether the document declares `status` for this operation.
    pub fn declares(&self, status: u16) -> bool {
        let code = status.to_string();
        let range = format!("{}XX", status / 100);
        self.statuses.iter().any(|s| *s == code || s.eq_ignore_ascii_case(&range) || *s == "default")
    }

    /// The success status a reply without one gets: the first 2xx code the document declares,
    /// else 200.
    pub fn ok_status(&self) -> u16 {
        self.statuses.iter().filter_map(|s| s.parse::<u16>().ok()).find(|s| (200..300).contains(s)).unwrap_or(200)
    }
}

/// A [`BodySpec::check`]: the body is JSON of type `B`.
pub fn check_json<B: serde::de::DeserializeOwned>(body: &[u8]) -> Result<(), String> {
    decode_json::<B>(body).map(drop)
}

/// A [`BodySpec::check`] for bodies the mock does not look into (forms, multipart, raw bytes).
pub fn check_any(_body: &[u8]) -> Result<(), String> {
    Ok(())
}

/// Decodes a request body of JSON type `B` (what generated endpoints pass to [`Endpoint::new`]).
pub fn decode_json<B: serde::de::DeserializeOwned>(body: &[u8]) -> Result<B, String> {
    serde_json::from_slice(body).map_err(|e| format!("the body does not decode into the request type: {e}"))
}

/// The request "body" of an operation without one.
pub fn decode_none(_body: &[u8]) -> Result<(), String> {
    Ok(())
}

/// A request body kept as bytes (forms, multipart, raw).
pub fn decode_bytes(body: &[u8]) -> Result<Bytes, String> {
    Ok(Bytes::copy_from_slice(body))
}

/// Encodes a reply body as JSON.
pub fn encode_json<T: serde::Serialize>(body: &T) -> Result<Bytes, String> {
    serde_json::to_vec(body).map(Bytes::from).map_err(|e| format!("the reply body does not encode as JSON: {e}"))
}

/// The JSON reply body of an operation that may answer without one: `None` is no body.
pub fn encode_json_or_empty<T: serde::Serialize>(body: &Option<T>) -> Result<Bytes, String> {
    match body {
        Some(body) => encode_json(body),
        None => Ok(Bytes::new()),
    }
}

/// The reply body of an operation that answers without one.
pub fn encode_empty(_body: &()) -> Result<Bytes, String> {
    Ok(Bytes::new())
}

/// A raw reply body.
pub fn encode_bytes(body: &Bytes) -> Result<Bytes, String> {
    Ok(body.clone())
}

/// A text reply body.
#[allow(clippy::ptr_arg)] // a `fn(&T)` with `T = String`, what `Endpoint::new` takes
pub fn encode_text(body: &String) -> Result<Bytes, String> {
    Ok(Bytes::from(body.clone()))
}
