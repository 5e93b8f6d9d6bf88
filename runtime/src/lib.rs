//! The runtime of Gusset's generated OpenAPI clients.
//!
//! You rarely call this crate directly: `gusset-codegen` (from `build.rs`), `cargo gusset` or the
//! [`generate!`] macro write a typed client for your OpenAPI document, and that client calls this
//! crate. What you get from it is resilience with nothing to wire by hand: every generated call
//! carries an idempotency key, a correlation id, the API version and a descriptive `User-Agent`,
//! and is retried with jittered backoff when that is safe.
//!
//! # A first call
//!
//! With a client generated from a pet-store document (`gusset::include_client!("petstore")` in
//! your `lib.rs`, or one of the other two routes):
//!
//! ```ignore
//! use std::time::Duration;
//!
//! let client = petstore::Client::builder("https://api.example.com")
//!     .bearer_auth("my-token")                                   // or TokenSource::provider(..)
//!     .retry(gusset::RetryPolicy::default().max_attempts(4))
//!     .attempt_timeout(Duration::from_secs(10))
//!     .build()?;
//!
//! let pet = client
//!     .create_pet(&NewPet { name: "Rex".into(), tag: None })
//!     .idempotency_key("order-42")                               // optional: generated when absent
//!     .await?;                                                   // or `.send().await`
//! println!("{} {} after {} attempt(s)", pet.status(), pet.correlation_id(), pet.attempts());
//! let pet: Pet = pet.into_inner();
//! ```
//!
//! # What every call does
//!
//! * **Idempotency keys**: POST and PATCH calls (and operations the document marks idempotent)
//!   send `Idempotency-Key: <uuid>`, created once per call and identical on every retry. A key set
//!   with [`Call::idempotency_key`] wins. Configure with [`ClientBuilder::idempotency`].
//! * **Retries** ([`RetryPolicy`]): 3 attempts, full-jitter exponential backoff from 0.5 s to 8 s,
//!   on connection errors, timeouts, 408, 429, 500, 502, 503 and 504. `Retry-After` (seconds or a
//!   date) and `retry-after-ms` are honoured up to 60 s, above which the call ends with
//!   [`Error::RetryAfterTooLong`]. A server's `x-should-retry: true|false` overrides. A POST or
//!   PATCH that may have reached the server is retried only when it carries an idempotency key.
//! * **Retry budget** ([`RetryBudget`]): a token bucket shared by the client's calls bounds the
//!   retries a failing server receives ([`Error::BudgetExhausted`]).
//! * **Circuit breaker** ([`CircuitBreaker`], opt-in): fails fast with [`Error::CircuitOpen`]
//!   while a host is failing.
//! * **Correlation**: one id per call, `X-Request-Id` and a W3C `traceparent` on every attempt;
//!   [`correlation::scope`] sets an ambient id; the server's request id is captured. Both are on
//!   every [`Response`] and [`Error`].
//! * **Headers**: `User-Agent: <client>/<version> gusset/<version>`, the API version under the
//!   document's version header, and `Gusset-Attempt: 2; max=3`.
//! * **Timeouts**: connect (10 s), per attempt (60 s) and per call including waits (5 min).
//! * **Auth**: bearer (static or a refreshing [`TokenProvider`]), OAuth2 client credentials and
//!   rotating refresh tokens ([`oauth`], [`ClientBuilder::oauth2_client_credentials`]), basic, and
//!   API keys in a header, query or cookie, as the document's security schemes say. Tokens are
//!   cached, replaced `min(lifetime / 10, 60 s)` before they expire, fetched once for many
//!   concurrent calls, and refreshed once when a 401 says `error="invalid_token"`. Secrets never
//!   appear in `Debug` output, logs or errors.
//! * **Observability**: a `tracing` span per call (`gusset.call`) and per attempt
//!   (`gusset.attempt`) with OpenTelemetry HTTP field names.
//! * **Hooks**: an [`Interceptor`] sees every attempt and response.
//! * **Pagination**: operations the document pages return [`Paged`]: awaiting it gives the first
//!   page, [`Paged::pages`] and [`Paged::items`] stream the whole listing, each page a call of
//!   its own with its own correlation id, all in one trace.
//!
//! # Errors
//!
//! One error type, [`Error<E>`], where `E` is the operation's documented error body:
//!
//! ```no_run
//! # async fn demo(call: gusset::Call<'_, String, serde_json::Value>) {
//! match call.await {
//!     Ok(response) => println!("{}", *response),
//!     Err(gusset::Error::Api { status, body, .. }) => eprintln!("{status}: {body}"),
//!     Err(e) if e.may_have_reached_server() => eprintln!("unknown outcome: {e}"),
//!     Err(e) => eprintln!("not sent: {e}"),
//! }
//! # }
//! ```
//!
//! # Testing your code
//!
//! [`clock::RecordingSleeper`] and [`clock::ManualClock`] replace waiting with recording, and
//! [`ClientBuilder::id_seed`] makes ids reproducible, so tests of retry behaviour are fast and
//! deterministic.
//!
//! With the `mock` feature, `gusset::mock` serves a typed mock of the API on 127.0.0.1 for your
//! tests, with faults, validation against the document and recorded calls; clients generated
//! with `Settings::mock(true)` wrap it in a `mock::Server` with one endpoint per operation.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

// The modules in layer order: each may use only the modules above it, so there is no import
// cycle (`tests/layout.rs` reads this list and every module's `crate::` paths, and fails on a use
// of a module further down). Groups are separated by blank lines, as rustfmt sorts within one.

// Leaves: time, ids, text, values, policies.
mod auto_traits; // explicit auto traits for long cycles of recursive types
mod breaker; // the circuit breaker
mod budget; // the retry budget
mod challenge; // `WWW-Authenticate`: was the token rejected?
pub mod clock; // time, replaceable in tests
pub mod correlation; // ambient ids, `traceparent`
mod deprecation; // `Deprecation`, `Sunset` and their `Link`s
mod ids; // the random source of a client
mod multipart; // `multipart/form-data` bodies
mod params; // parameter styles and serialisation
mod retry; // the retry policy: decisions and backoff
pub mod sse; // the `text/event-stream` parser
mod text; // snippets and escaping of server text
mod values; // `Date`, `DateTime`, `Base64`

// Form bodies, written with the parameter styles.
mod form;

// When a key is sent, which one, and when a request may be resent.
mod idempotency;

// `ApiInfo`, `Operation`: what generated code describes.
mod api;

// What generated methods fill, its URL, and what is never printed.
mod redact;
mod request;
mod url;

// Short-lived tokens: providers and their cache.
mod token;

// Credentials; responses and errors.
mod auth;
mod error;
mod response;

// Why a call failed; the one place an `ErrorContext` is built.
mod failure;

// Decoding; the prepared request.
mod de; // `Deserialize` for generated structs
mod decode; // decoders and the generic last step of a call
mod prepared; // `PreparedRequest` and `prepare`

// Hooks on every attempt; reading a body under the size limit.
mod body;
mod interceptor;

// One request to an OAuth2 token endpoint.
mod token_endpoint;

// The built-in OAuth2 token providers.
pub mod oauth;

// `Client` and the settings its calls read.
mod client;

// One attempt.
mod attempt;

// The attempt loop.
mod execute;

// Calls kept as data and sent one attempt at a time (what `gusset-outbox` uses).
mod stored;

// `Call`, what generated methods return.
mod call;

// Listings as streams of pages and items.
mod paginate;

// Server-sent events and binary bodies as streams.
mod streams;

// Calls by operation id with JSON arguments, for clients generated with `dynamic_calls`.
pub mod dynamic;

// `ClientBuilder`.
mod builder;

// A typed, fault-injecting mock server for users' tests (feature `mock`).
#[cfg(feature = "mock")]
pub mod mock;

// What generated code names (see its docs); not public API.
#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use breaker::{CircuitBreaker, CircuitState};
pub use budget::RetryBudget;
pub use builder::ClientBuilder;
/// Raw bodies (`format: binary`) in generated methods and responses.
pub use bytes::Bytes;
pub use call::{Call, CallFuture};
pub use client::Client;
pub use deprecation::Deprecation;
pub use error::{BuildError, Error, ErrorContext, TimeoutKind};
pub use idempotency::IdempotencyConfig;
pub use interceptor::{AttemptInfo, Interceptor};
pub use multipart::Multipart;
pub use oauth::{ClientCredentials, RefreshToken};
pub use paginate::{Items, Paged, Pages};
pub use prepared::PreparedRequest;
pub use response::Response;
pub use retry::{Jitter, RetryPolicy};
pub use stored::{AttemptOutcome, StoredRequest};
pub use streams::{ByteStream, BytesFuture, EventStream, EventsCall, EventsFuture};
pub use token::{Token, TokenContext, TokenError, TokenProvider, TokenSource};
/// UUIDs in generated types (`format: uuid`), so user code can build them
/// without depending on `uuid` itself.
pub use uuid::Uuid;
pub use values::{Base64, Date, DateTime, ParseValueError};

/// The stream traits of [`Paged::pages`] and [`Paged::items`] (the `futures` crate's own),
/// so `.next()` and `.try_next()` need no other dependency.
pub use futures_util::{Stream, StreamExt, TryStreamExt};
/// The HTTP types in this crate's API.
pub use http;
/// The HTTP client this crate uses (for [`ClientBuilder::reqwest_client`]).
pub use reqwest;

#[cfg(feature = "macros")]
pub use gusset_macros::{client, generate};

/// Includes a client generated by `gusset-codegen` in `build.rs` (`$OUT_DIR/<name>.rs`).
///
/// ```ignore
/// gusset::include_client!("petstore");
/// ```
///
/// `<name>` is the document's file name without its `.yaml`, `.yml` or
/// `.json` extension, in snake case (`openapi/Pet-Store.v2.yaml` gives
/// `pet_store_v2`; `gusset_codegen::name_from_path` computes it), or what
/// the build script passed to `Builder::name`. A client the build script
/// no longer generates (its document renamed) is a compile error saying so.
#[macro_export]
macro_rules! include_client {
    ($name:literal) => {
        include!(concat!(env!("OUT_DIR"), "/", $name, ".rs"));
    };
}
