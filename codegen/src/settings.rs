//! What a user can choose about the generated client.

use std::collections::BTreeMap;

/// Options for one generation run. Built with chained setters:
///
/// ```
/// let settings = gusset_codegen::Settings::new().api_version_header("X-Api-Version");
/// assert_eq!(settings.version_header(), Some("X-Api-Version"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    pub(crate) api_version: Option<String>,
    pub(crate) version_header: Option<String>,
    pub(crate) header_comment: bool,
    pub(crate) serde_both_ways: bool,
    pub(crate) dynamic_calls: bool,
    pub(crate) mock: bool,
    /// Pagination chosen per operation id, over what the document suggests.
    pub(crate) pagination: BTreeMap<String, Paging>,
}

/// How one operation pages, when the document does not say or says it wrongly (see
/// [`Settings::pagination`]). Parameters are query parameters by their names in the document;
/// pointers are JSON pointers (RFC 6901) into a page's body. The items of a page are found as for
/// detected listings: the body when it is an array, else its `data`, `items`, `results`... or only
/// array property.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Paging {
    /// Not paginated: the method returns a plain `Call`.
    Off,
    /// `Link: <...>; rel="next"` response headers.
    Link,
    /// A next-page URL in the body, at the pointer `next` (`/meta/next_page_url`).
    BodyLink { next: String },
    /// The query parameter `param` takes the cursor at the pointer `next` of each page.
    Cursor { param: String, next: String },
    /// The query parameter `param` takes the id (the pointer `id`, e.g. `/id`) of the page's last
    /// item while the boolean at the pointer `has_more` is true (`starting_after` listings).
    HasMore { param: String, has_more: String, id: String },
    /// The query parameter `param` is an offset; `limit` names the page-size parameter.
    Offset { param: String, limit: Option<String> },
    /// The query parameter `param` is a page number, `first` by default; `size` names the
    /// page-size parameter.
    Page { param: String, first: u64, size: Option<String> },
}

impl Settings {
    /// The defaults: the API version comes from the document.
    pub fn new() -> Self {
        Settings { header_comment: true, ..Settings::default() }
    }

    /// Overrides the API version sent on every request (by default the
    /// single value of a version header parameter, else `info.version`).
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = Some(version.into());
        self
    }

    /// The header that carries the API version (by default the document's
    /// version header parameter, if it declares one).
    pub fn api_version_header(mut self, name: impl Into<String>) -> Self {
        self.version_header = Some(name.into());
        self
    }

    /// Whether the formatted output starts with the `@generated` comment
    /// (on by default; the macro route turns it off since nobody reads it).
    pub fn header_comment(mut self, on: bool) -> Self {
        self.header_comment = on;
        self
    }

    /// Whether every type implements both `Serialize` and `Deserialize` (off
    /// by default: a type implements `Serialize` when the client sends it and
    /// `Deserialize` when it receives it, which makes large clients compile
    /// markedly faster). Turn it on to store or forward what the API returns.
    ///
    /// ```
    /// let settings = gusset_codegen::Settings::new().serde_both_ways(true);
    /// # let _ = settings;
    /// ```
    pub fn serde_both_ways(mut self, on: bool) -> Self {
        self.serde_both_ways = on;
        self
    }

    /// Whether the client can also call its operations by id with JSON arguments (off by
    /// default): `Client::OPERATIONS` lists them and `Client::call_dynamic(id, &arguments)`
    /// deserializes a [`gusset::dynamic::Arguments`] into the typed parameters and body, calls
    /// the typed method, and returns the typed response as JSON. For scripts, command-line tools
    /// and replaying stored calls. It implies [`Settings::serde_both_ways`], so it makes the
    /// client slower to compile.
    ///
    /// [`gusset::dynamic::Arguments`]: https://docs.rs/gusset/latest/gusset/dynamic/struct.Arguments.html
    ///
    /// ```
    /// let settings = gusset_codegen::Settings::new().dynamic_calls(true);
    /// # let _ = settings;
    /// ```
    pub fn dynamic_calls(mut self, on: bool) -> Self {
        self.dynamic_calls = on;
        self
    }

    /// Whether to emit a typed mock of the API for users' tests (off by default): a `mock`
    /// module, compiled only with the `mock` feature of the crate that includes the client
    /// (declare `mock = ["gusset/mock"]` in its `[features]`; `cargo gusset generate --mock`
    /// writes that feature into the generated crate). `mock::Server::start().await` serves the
    /// operations on 127.0.0.1, one typed endpoint per operation (`server.create_order()`), with
    /// faults, validation against the document and recorded calls; see `gusset::mock`. It
    /// implies [`Settings::serde_both_ways`], so the client's types also decode what they send.
    ///
    /// ```
    /// let settings = gusset_codegen::Settings::new().mock(true);
    /// # let _ = settings;
    /// ```
    pub fn mock(mut self, on: bool) -> Self {
        self.mock = on;
        self
    }

    /// How the operation `operation_id` pages, over what the document suggests; [`Paging::Off`]
    /// turns a detected paginator off. Listing methods return a `gusset::Paged`, whose
    /// `.pages()` and `.items()` stream the whole listing.
    ///
    /// ```
    /// use gusset_codegen::{Paging, Settings};
    /// let settings = Settings::new()
    ///     .pagination("listEvents", Paging::Cursor { param: "cursor".into(), next: "/meta/next".into() })
    ///     .pagination("searchUsers", Paging::Off);
    /// # let _ = settings;
    /// ```
    pub fn pagination(mut self, operation_id: impl Into<String>, paging: Paging) -> Self {
        self.pagination.insert(operation_id.into(), paging);
        self
    }

    /// The configured version header, if any.
    pub fn version_header(&self) -> Option<&str> {
        self.version_header.as_deref()
    }
}
