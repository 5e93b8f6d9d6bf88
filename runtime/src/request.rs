//! [`Request`]: what a generated method fills, parameter by parameter, before handing it to
//! `__private::call`.

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue};

use crate::api::Operation;
use crate::form::{self, FormField};
use crate::multipart::Multipart;
use crate::params::{self, Flat, Style};

/// A request as generated code describes it: parameters already in their wire form, the body
/// already serialised (buffered, so every retry sends the same bytes). Problems are recorded and
/// returned as [`Error::InvalidRequest`](crate::Error::InvalidRequest) when the call is sent, so
/// generated methods stay infallible until awaited.
#[derive(Debug, Clone)]
pub struct Request {
    pub(crate) op: &'static Operation,
    pub(crate) path_params: Vec<(String, String)>,
    pub(crate) query: String,
    pub(crate) headers: HeaderMap,
    pub(crate) cookies: String,
    pub(crate) body: Option<(HeaderValue, Bytes)>,
    /// What the operation's responses declare, sent unless the user sets `Accept`.
    pub(crate) accept: Option<HeaderValue>,
    pub(crate) error: Option<String>,
    /// A whole URL that replaces the template and query: a listing's next-page link.
    pub(crate) url: Option<reqwest::Url>,
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
            accept: None,
            error: None,
            url: None,
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

    /// The `Accept` header the operation's responses call for: a `static` that codegen writes as
    /// `HeaderValue::from_static(..)`, so a value that is no header value fails to compile, and a
    /// call clones it without allocating. A user's own `Accept` (a client default header, a
    /// per-call header, an interceptor) replaces it.
    pub fn accept(&mut self, value: &'static HeaderValue) {
        self.accept = Some(value.clone());
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

    /// An `application/x-www-form-urlencoded` body from a struct or map, by the Encoding Object's
    /// defaults: arrays repeat the field, nested objects are sent as JSON text.
    pub fn form<T: serde::Serialize + ?Sized>(&mut self, body: &T) {
        self.form_with(body, &[]);
    }

    /// An `application/x-www-form-urlencoded` body whose properties named in `encoding` are
    /// written as it says (`deepObject` nesting, delimited arrays, JSON text); the others by the
    /// defaults of [`form`](Self::form).
    pub fn form_with<T: serde::Serialize + ?Sized>(&mut self, body: &T, encoding: &[FormField]) {
        match serde_json::to_value(body) {
            Ok(serde_json::Value::Object(fields)) => match form::encode(fields, encoding) {
                Ok(out) => self.set_body(HeaderValue::from_static("application/x-www-form-urlencoded"), out.into()),
                Err(e) => self.fail(format!("the form body cannot be serialized: {e}")),
            },
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::idempotency::Idempotency;

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
