//! `gusset::__private`: every name generated code uses, and nothing else. Not public API: this
//! module is the contract between `gusset-codegen` and this crate, versioned with them (the two
//! crates share the workspace version, and generated code is only promised to build against the
//! `gusset` of the `gusset-codegen` that wrote it). Like serde's `__private`, it only re-exports;
//! each name is defined in the module that owns the concept.
//!
//! Generated code describes each operation once (a `static Operation`), fills a [`Request`] with
//! typed parameter values and a body, and hands it to [`call`] with two decoders. Everything
//! else, headers, ids, retries, auth, happens in the non-generic runtime.
//!
//! # The contract
//!
//! | name | what generated code does with it | how it may change |
//! |---|---|---|
//! | [`ApiInfo`] | one `static API` per client, written as a struct literal (`title`, `api_version`, `version_header`, `client_name`, `client_version`, `servers`, `security_schemes`) | a new field breaks every generated client: only together with `codegen/src/emit` |
//! | [`SecurityScheme`], [`SchemeKind`] (`Bearer`, `Basic`, `ApiKey { location, name }`, `OAuth2 { token_url }`, `OAuth2ClientCredentials { token_url, scopes }`, `OpenIdConnect`, `Unsupported`), [`ApiKeyLocation`] (`Header`, `Query`, `Cookie`) | the document's `securitySchemes`, as literals inside `API` | new variants may be added (codegen emits only known ones); fields only with codegen |
//! | [`GeneratedClient`] | implemented by the generated `Client` (`from_client` wraps the runtime's [`Client`](crate::Client)) | stable |
//! | [`builder`] | `Client::builder(base_url)` calls `builder(&API, base_url)` | stable |
//! | [`Operation`], [`Idempotency`] (`Default`, `Always`) | one `static` per operation, a struct literal (`id`, `method`, `path`, `idempotency`, `security`) | a new field only with codegen |
//! | [`Style`] (`Form`, `Simple`, `Label`, `Matrix`, `DeepObject`, `SpaceDelimited`, `PipeDelimited`) | the style argument of every parameter method | new variants may be added |
//! | [`Request`]: `new`, `path_param`, `query`, `header`, `cookie` (each `(name, &value, Style, explode)`), `accept` (a `&'static HeaderValue`: a `static` made with `HeaderValue::from_static`, checked at compile time), `json`, `form`, `form_with`, `multipart`, `bytes`, `text` | each generated method builds one, infallibly | methods may be added; signatures change only with codegen |
//! | [`FormField`], [`FormEncoding`] (`Style(Style, explode)`, `Json`) | the `encoding` slice of `Request::form_with`, a `'static` literal: one entry per property the request body's `encoding` map names | new variants may be added |
//! | [`call`] | `call(&self.client, request, ok, err)` is the body of every generated method; returns [`Call`](crate::Call) | stable |
//! | [`paged`], [`Pagination`], [`Next`] (`Link`, `BodyLink`, `Cursor { param, from, has_more }`, `Offset { param, limit }`, `Page { param, first, size }`), [`CursorFrom`] (`Field`, `LastItem`) | a paginated operation's method wraps its call: `paged(call(..), &PAGINATION)` with a `static` literal; returns [`Paged`](crate::Paged) | new variants may be added; fields only with codegen |
//! | [`events`], [`decode_event_json`], [`decode_event`], [`EventDecoder`] | a `text/event-stream` operation's method wraps its call: `events(call(.., decode_empty, err), decode_event_json)` (typed data) or `decode_event` (raw [`Event`](crate::sse::Event)s); returns [`EventsCall`](crate::EventsCall) | decoders may be added |
//! | [`decode_json`], [`decode_json_or_empty`], [`decode_empty`], [`decode_bytes`], [`decode_text`], [`decode_value`] | the `ok` and `err` decoders, as function pointers of type [`Decoder`] | decoders may be added |
//! | [`Decoder`], [`RawResponse`], [`DecodeError`] | the decoder type; hand-written decoders (the project's own tests) name the other two | stable |
//! | [`de`]: [`object`](de::object), [`FromObject`](de::FromObject), [`key`](de::key), [`field`](de::field), [`skip`](de::skip), [`extra`](de::extra), [`optional`](de::optional), [`required`](de::required), [`any_or_null`](de::any_or_null), [`Key`](de::Key) | the `Deserialize` impls of generated structs (see `de.rs` for why not `#[derive]`) | only with codegen |
//! | [`reply`], [`to_json`], [`bytes_to_json`], [`DynamicFuture`] (and the public [`dynamic`](crate::dynamic) module) | in clients generated with `Settings::dynamic_calls(true)`, each operation's private caller ends with `reply(id, self.method(..).await, to_json, to_json)`, and `call_dynamic` boxes the one it dispatches to as a `DynamicFuture` | only with codegen |
//! | [`auto_traits!`](auto_traits) | `auto_traits!(Type: FieldType, ...)` after each type on a cycle of types too long for the compiler to derive its auto traits (see `auto_traits.rs`) | only with codegen |
//! | [`serde`], [`serde_json`], [`http`], [`uuid`], [`bytes`] | the crates generated code names, so a user's crate needs only `gusset` | follow this crate's dependency versions |
//!
//! Generated code also names public items: `gusset::{Client, ClientBuilder, Call, Paged, EventsCall, sse::Event, Bytes, Uuid,
//! Date, DateTime, Base64, Multipart}`. Those are public API and change only with a major version.

pub use bytes;
pub use http;
pub use serde;
pub use serde_json;
pub use uuid;

pub use crate::__auto_traits as auto_traits;
pub use crate::api::{ApiInfo, ApiKeyLocation, Operation, SchemeKind, SecurityScheme};
pub use crate::builder::{GeneratedClient, builder};
pub use crate::call::call;
pub use crate::decode::{
    DecodeError, Decoder, RawResponse, decode_bytes, decode_empty, decode_json, decode_json_or_empty, decode_text,
    decode_value,
};
pub use crate::dynamic::{DynamicFuture, bytes_to_json, reply, to_json};
pub use crate::form::{FormEncoding, FormField};
pub use crate::idempotency::Idempotency;
pub use crate::paginate::{CursorFrom, Next, Pagination, paged};
pub use crate::params::Style;
pub use crate::request::Request;
pub use crate::streams::{EventDecoder, decode_event, decode_event_json, events};

/// What generated `Deserialize` impls call; see `de.rs`.
pub mod de {
    pub use crate::de::{FromObject, Key, any_or_null, extra, field, key, object, optional, required, skip};
}
