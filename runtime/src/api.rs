//! The static description of an API that generated code hands the runtime: one [`ApiInfo`] per
//! client and one [`Operation`] per operation, both `static`s, so describing a call costs nothing
//! at run time. Fields may be added only together with `gusset-codegen` (see `private.rs`).

use crate::idempotency::Idempotency;

/// What the runtime needs to know about the API; one `static` per generated client.
#[derive(Debug)]
pub struct ApiInfo {
    /// `info.title`.
    pub title: &'static str,
    /// The API version to send (from `info.version`, a version header parameter, or a setting).
    pub api_version: &'static str,
    /// The header the document uses for the version (e.g. `X-GitHub-Api-Version`); `None` when the
    /// document declares none, in which case no version header is sent unless the user names one.
    pub version_header: Option<&'static str>,
    /// The generated crate's name (`env!("CARGO_PKG_NAME")`), for `User-Agent`.
    pub client_name: &'static str,
    /// The generated crate's version (`env!("CARGO_PKG_VERSION")`), for `User-Agent`.
    pub client_version: &'static str,
    /// Server URLs, variables substituted by their defaults.
    pub servers: &'static [&'static str],
    /// The document's security schemes.
    pub security_schemes: &'static [SecurityScheme],
}

/// One security scheme of the document (`components.securitySchemes`).
#[derive(Debug)]
pub struct SecurityScheme {
    /// Its key in `components.securitySchemes`.
    pub name: &'static str,
    /// What it is.
    pub kind: SchemeKind,
}

/// The kinds of security scheme the runtime can satisfy.
#[derive(Debug)]
pub enum SchemeKind {
    /// `http` / `bearer`: `Authorization: Bearer <token>` from [`bearer_auth`](crate::ClientBuilder::bearer_auth).
    Bearer,
    /// `http` / `basic`: from [`basic_auth`](crate::ClientBuilder::basic_auth).
    Basic,
    /// `apiKey`: the value of [`api_key`](crate::ClientBuilder::api_key) at this location and name.
    ApiKey {
        /// Where the key goes.
        location: ApiKeyLocation,
        /// The header, query parameter or cookie name.
        name: &'static str,
    },
    /// `oauth2`: a bearer token, typically from a [`TokenProvider`](crate::TokenProvider).
    OAuth2 {
        /// The client-credentials token URL, when the document has one.
        token_url: Option<&'static str>,
    },
    /// `oauth2` with a `clientCredentials` flow: a bearer token, which
    /// [`oauth2_client_credentials`](crate::ClientBuilder::oauth2_client_credentials) gets from
    /// this flow (a variant of its own so clients generated before it keep building).
    OAuth2ClientCredentials {
        /// The flow's `tokenUrl` (possibly relative to the server).
        token_url: &'static str,
        /// The scopes the document's security requirements ask of this scheme, sorted.
        scopes: &'static [&'static str],
    },
    /// `openIdConnect`: a bearer token.
    OpenIdConnect,
    /// A scheme the runtime cannot satisfy (mutual TLS, unknown `http` schemes).
    Unsupported,
}

/// Where an API key goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKeyLocation {
    /// A request header.
    Header,
    /// A query parameter.
    Query,
    /// A cookie.
    Cookie,
}

/// One operation; one `static` per operation.
#[derive(Debug)]
pub struct Operation {
    /// The document's `operationId` (or a synthesised one).
    pub id: &'static str,
    /// The HTTP method.
    pub method: http::Method,
    /// The path template as in the document, e.g. `/pets/{petId}`.
    pub path: &'static str,
    /// When an idempotency key is sent.
    pub idempotency: Idempotency,
    /// Alternatives of scheme names (any one alternative suffices; all schemes of an alternative
    /// apply together); empty means no authentication. Codegen passes the effective requirement
    /// (the operation's own, or the document's top-level one).
    pub security: &'static [&'static [&'static str]],
}
