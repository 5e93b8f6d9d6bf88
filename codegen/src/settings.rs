//! What a user can choose about the generated client.

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

    /// The configured version header, if any.
    pub fn version_header(&self) -> Option<&str> {
        self.version_header.as_deref()
    }
}
