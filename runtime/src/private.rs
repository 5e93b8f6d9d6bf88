//! The module generated code calls (`gusset::__private`). Not public API: its shape is a contract
//! with `gusset-codegen` only, and it changes with it.
//!
//! Generated code describes each operation once (a `static Operation`), fills a [`Request`] with
//! typed parameter values and a body, and hands it to [`call`] with two decoders. Everything else,
//! headers, ids, retries, auth, happens in the non-generic runtime.

pub use bytes;
pub use http;
pub use serde;
pub use serde_json;
pub use uuid;

pub use crate::multipart::Multipart;

pub mod de;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue};

use crate::params::{self, Flat};

/// Implemented by every generated client: wraps the runtime's [`Client`](crate::Client).
pub trait GeneratedClient: Sized {
    /// Wraps a built runtime client.
    fn from_client(client: crate::Client) -> Self;
}

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

/// When the runtime attaches an idempotency key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// On POST and PATCH.
    Default,
    /// Always: the document declares `x-idempotent: true` or an idempotency-key header parameter.
    Always,
}

/// OpenAPI parameter styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `form`: query and cookie default.
    Form,
    /// `simple`: path and header default.
    Simple,
    /// `label`: `.value` in paths.
    Label,
    /// `matrix`: `;name=value` in paths.
    Matrix,
    /// `deepObject`: `name[key]=value` in queries.
    DeepObject,
    /// `spaceDelimited` arrays in queries.
    SpaceDelimited,
    /// `pipeDelimited` arrays in queries.
    PipeDelimited,
}

impl Style {
    /// The name as written in documents.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Style::Form => "form",
            Style::Simple => "simple",
            Style::Label => "label",
            Style::Matrix => "matrix",
            Style::DeepObject => "deepObject",
            Style::SpaceDelimited => "spaceDelimited",
            Style::PipeDelimited => "pipeDelimited",
        }
    }
}

/// Starts building a generated client.
pub fn builder<C: GeneratedClient>(api: &'static ApiInfo, base_url: impl Into<String>) -> crate::ClientBuilder<C> {
    crate::ClientBuilder::new(api, base_url.into())
}

/// A request as generated code describes it: parameters already in their wire form, the body
/// already serialised (buffered, so every retry sends the same bytes). Problems are recorded and
/// returned as [`Error::InvalidRequest`](crate::Error::InvalidRequest) when the call is sent, so
/// generated methods stay infallible until awaited.
#[derive(Debug)]
pub struct Request {
    pub(crate) op: &'static Operation,
    pub(crate) path_params: Vec<(String, String)>,
    pub(crate) query: String,
    pub(crate) headers: HeaderMap,
    pub(crate) cookies: String,
    pub(crate) body: Option<(HeaderValue, Bytes)>,
    pub(crate) error: Option<String>,
}

impl Request {
    /// An empty request for `op`.
    pub fn new(op: &'static Operation) -> Self {
        Self {
            op,
            path_params: Vec::new(),
            query: String::new(),
            headers: HeaderMap::new(),
            cookies: String::new(),
            body: None,
            error: None,
        }
    }

    fn fail(&mut self, message: String) {
        // Keep the first problem: later ones are often consequences of it.
        self.error.get_or_insert(message);
    }

    fn flatten<T: serde::Serialize + ?Sized>(&mut self, kind: &str, name: &str, value: &T) -> Option<Flat> {
        let flat = serde_json::to_value(value)
            .map_err(|e| e.to_string())
            .and_then(|v| params::flatten(v).map_err(str::to_owned));
        match flat {
            Ok(flat) => Some(flat),
            Err(e) => {
                self.fail(format!("{kind} parameter `{name}` cannot be serialized: {e}"));
                None
            }
        }
    }

    /// A path parameter, substituted for `{name}` in the template.
    pub fn path_param<T: serde::Serialize + ?Sized>(&mut self, name: &str, value: &T, style: Style, explode: bool) {
        let Some(flat) = self.flatten("path", name, value) else { return };
        match params::path(name, &flat, style, explode) {
            Ok(text) => self.path_params.push((name.to_owned(), text)),
            Err(e) => self.fail(e),
        }
    }

    /// A query parameter (`None` omits it).
    pub fn query<T: serde::Serialize + ?Sized>(&mut self, name: &str, value: &T, style: Style, explode: bool) {
        let Some(flat) = self.flatten("query", name, value) else { return };
        if let Err(e) = params::query(&mut self.query, name, &flat, style, explode) {
            self.fail(e);
        }
    }

    /// A header parameter (`None` omits it). CR, LF or NUL in the value is an error.
    pub fn header<T: serde::Serialize + ?Sized>(&mut self, name: &str, value: &T, style: Style, explode: bool) {
        let Some(flat) = self.flatten("header", name, value) else { return };
        match params::header(name, &flat, style, explode) {
            Ok(None) => {}
            Ok(Some(text)) => match (HeaderName::try_from(name), HeaderValue::try_from(text)) {
                (Ok(name), Ok(value)) => {
                    self.headers.append(name, value);
                }
                (Err(_), _) => self.fail(format!("header parameter `{name}` has an invalid name")),
                (_, Err(_)) => {
                    self.fail(format!("header parameter `{name}` has a value with a control character"));
                }
            },
            Err(e) => self.fail(e),
        }
    }

    /// A cookie parameter (`None` omits it), sent in the `Cookie` header.
    pub fn cookie<T: serde::Serialize + ?Sized>(&mut self, name: &str, value: &T, style: Style, explode: bool) {
        let Some(flat) = self.flatten("cookie", name, value) else { return };
        if let Err(e) = params::cookie(&mut self.cookies, name, &flat, style, explode) {
            self.fail(e);
        }
    }

    /// A JSON body, serialised now.
    pub fn json<T: serde::Serialize + ?Sized>(&mut self, body: &T) {
        match serde_json::to_vec(body) {
            Ok(bytes) => self.set_body(HeaderValue::from_static("application/json"), bytes.into()),
            Err(e) => self.fail(format!("the json body cannot be serialized: {e}")),
        }
    }

    /// An `application/x-www-form-urlencoded` body from a struct or map; arrays repeat the field,
    /// nested objects are sent as JSON text.
    pub fn form<T: serde::Serialize + ?Sized>(&mut self, body: &T) {
        match serde_json::to_value(body) {
            Ok(serde_json::Value::Object(fields)) => {
                let mut out = String::new();
                for (name, value) in fields {
                    params::form_field(&mut out, &name, value);
                }
                self.set_body(HeaderValue::from_static("application/x-www-form-urlencoded"), out.into());
            }
            Ok(_) => self.fail("the form body must serialize to an object".to_owned()),
            Err(e) => self.fail(format!("the form body cannot be serialized: {e}")),
        }
    }

    /// A `multipart/form-data` body.
    pub fn multipart(&mut self, form: Multipart) {
        match form.finish() {
            Ok((content_type, body)) => self.set_body(content_type, body),
            Err(e) => self.fail(e),
        }
    }

    /// A body of raw bytes with the given content type.
    pub fn bytes(&mut self, content_type: &str, body: impl Into<Bytes>) {
        match HeaderValue::try_from(content_type) {
            Ok(ct) => self.set_body(ct, body.into()),
            Err(_) => self.fail(format!("content type `{}` is not a valid header value", content_type.escape_debug())),
        }
    }

    /// A text body with the given content type.
    pub fn text(&mut self, content_type: &str, body: impl Into<String>) {
        self.bytes(content_type, Bytes::from(body.into()));
    }

    fn set_body(&mut self, content_type: HeaderValue, body: Bytes) {
        self.body = Some((content_type, body));
    }
}

pub use crate::decode::{
    DecodeError, Decoder, RawResponse, decode_bytes, decode_empty, decode_json, decode_text, decode_value,
};

/// Starts a call: what every generated method returns.
pub fn call<'a, T, E>(
    client: &'a crate::Client,
    request: Request,
    ok: Decoder<T>,
    err: Decoder<E>,
) -> crate::Call<'a, T, E> {
    crate::Call::new(client, request, ok, err)
}

#[cfg(test)]
mod tests {
    use super::*;

    static OP: Operation = Operation {
        id: "listPets",
        method: http::Method::GET,
        path: "/pets/{id}",
        idempotency: Idempotency::Default,
        security: &[],
    };

    #[test]
    fn records_first_error_and_keeps_going() {
        let mut r = Request::new(&OP);
        r.path_param("id", &serde_json::json!({"a": {"b": 1}}), Style::Simple, false);
        r.header("X-Bad", "a\r\nb", Style::Simple, false);
        r.query("limit", &Some(10), Style::Form, true);
        r.query("skip", &None::<u32>, Style::Form, true);
        assert_eq!(r.error.as_deref(), Some("path parameter `id` cannot be serialized: a nested array or object"));
        assert_eq!(r.query, "limit=10");
    }

    #[test]
    fn headers_cookies_and_bodies() {
        let mut r = Request::new(&OP);
        r.header("X-Tags", &["a", "b"], Style::Simple, false);
        r.header("X-None", &None::<String>, Style::Simple, false);
        r.cookie("sid", "abc", Style::Form, true);
        r.form(&serde_json::json!({"name": "Rex", "tags": ["x", "y"]}));
        assert!(r.error.is_none(), "{:?}", r.error);
        assert_eq!(r.headers.get("x-tags").unwrap(), "a,b");
        assert!(r.headers.get("x-none").is_none());
        assert_eq!(r.cookies, "sid=abc");
        let (ct, body) = r.body.as_ref().unwrap();
        assert_eq!(ct, "application/x-www-form-urlencoded");
        assert_eq!(&body[..], b"name=Rex&tags=x&tags=y");
        r.text("text/plain; charset=utf-8", "hi");
        assert_eq!(&r.body.as_ref().unwrap().1[..], b"hi");
        r.bytes("bad\ntype", vec![1u8]);
        assert_eq!(r.error.as_deref(), Some("content type `bad\\ntype` is not a valid header value"));
    }
}
