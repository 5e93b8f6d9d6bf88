//! Gusset's macros: an OpenAPI document turned into a typed client right
//! where you write the macro. Use them through the `gusset` crate, which
//! re-exports them (feature `macros`, on by default):
//!
//! ```toml
//! [dependencies]
//! gusset = "0.3"
//! ```
//!
//! # `generate!`: the client's items in place
//!
//! ```ignore
//! // src/lib.rs, next to openapi/orders.yaml under the crate's root
//! gusset::generate!("openapi/orders.yaml");
//!
//! async fn first_order(client: &Client) -> Result<Order, gusset::Error<ApiError>> {
//!     Ok(client.get_order("42").await?.into_inner())
//! }
//! ```
//!
//! # `#[client]`: the client in a module, next to your own items
//!
//! ```ignore
//! #[gusset::client(spec = "openapi/orders.yaml")]
//! pub mod orders {
//!     // Your items stay; the generated ones are added after them.
//!     pub const SANDBOX: &str = "https://sandbox.example.com";
//! }
//!
//! let client = orders::Client::builder(orders::SANDBOX).build()?;
//! ```
//!
//! (These examples are compiled by the UI tests of the `gusset-tests`
//! crate, which has the runtime this crate cannot depend on.)
//!
//! # Arguments
//!
//! Both macros take the document's path, positionally (`"path"`) or as
//! `spec = "path"`, then optional settings:
//!
//! | setting | meaning |
//! |---|---|
//! | `api_version = "2024-01-01"` | the API version sent on every request (default: the document's) |
//! | `version_header = "X-Api-Version"` | the header that carries it |
//! | `serde = "both"` | every type implements `Serialize` and `Deserialize` (default `"needed"`) |
//! | `mock = "on"` | also generate `mod mock`, the typed mock server for tests, behind your crate's own `mock` feature (declare `mock = ["gusset/mock"]`); default `"off"` |
//!
//! ```ignore
//! gusset::generate!("openapi/orders.yaml", api_version = "2024-01-01", version_header = "X-Api-Version");
//! ```
//!
//! # Paths and rebuilds
//!
//! The path is relative to the directory of the crate's `Cargo.toml`
//! (`CARGO_MANIFEST_DIR`), as in sqlx, not to the source file. The
//! expansion includes every file read (the document and files it reaches
//! through `$ref`) with `include_bytes!`, so editing any of them rebuilds
//! the crate.
//!
//! # Errors and warnings
//!
//! A missing file, a document that is not valid OpenAPI and bad arguments
//! are compile errors. Document errors point at the path literal, one per
//! problem, each with its JSON pointer and `file:line:col`:
//!
//! ```text
//! error: unresolved `$ref` `#/components/schemas/Missing` at #/paths/~1orders/get/responses/200 (openapi/orders.yaml:14:19)
//!  --> src/lib.rs:1:19
//!   |
//! 1 | gusset::generate!("openapi/orders.yaml");
//!   |                   ^^^^^^^^^^^^^^^^^^^^^
//! ```
//!
//! Warnings (constructs typed less precisely than the document asked) are
//! not shown: a proc-macro has no stable way to emit a warning. Run
//! `cargo gusset check --all openapi/orders.yaml` to see them all.
//!
//! Inner attributes the generator emits (`#![...]`) are kept by `#[client]`,
//! which puts them on the module, and dropped by `generate!`, which cannot
//! expand them into the caller's scope.

mod args;
mod expand;
mod report;

use proc_macro::TokenStream;

/// Expands to the client generated from an OpenAPI document, in place.
///
/// `gusset::generate!("openapi/orders.yaml")`, with the path relative to the
/// crate's `Cargo.toml`; see the [crate docs](crate) for settings.
#[proc_macro]
pub fn generate(input: TokenStream) -> TokenStream {
    expand::generate(input.into(), expand::manifest_dir().as_deref()).into()
}

/// Adds the client generated from an OpenAPI document to a module, after
/// the module's own items.
///
/// `#[gusset::client(spec = "openapi/orders.yaml")] pub mod orders {}`; see
/// the [crate docs](crate) for settings.
#[proc_macro_attribute]
pub fn client(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::client(args.into(), item.into(), expand::manifest_dir().as_deref()).into()
}

/// What `generate!(..)` or `#[client(..)] mod m {..}` expands to, as a
/// string literal, so gusset's own tests can compare the macros' real
/// expansion with the other routes' code. Not part of the API.
#[doc(hidden)]
#[proc_macro]
pub fn __expansion(input: TokenStream) -> TokenStream {
    expand::expansion(input.into(), expand::manifest_dir().as_deref()).into()
}
