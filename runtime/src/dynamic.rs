//! Calling a generated client's operations by id, with JSON arguments: for scripts, command-line
//! tools, replaying a stored call, and test harnesses that must reach every operation of a
//! document without code written for it.
//!
//! A client generated with `Settings::dynamic_calls(true)` (off by default) has
//! `Client::OPERATIONS`, the list of its operations, and `Client::call_dynamic(id, &arguments)`,
//! which deserializes the [`Arguments`] into the typed parameter and body values, calls the typed
//! method (so the request is exactly the one a typed call sends), and gives back a [`Reply`] whose
//! body is the typed response or error serialized back to JSON.
//!
//! ```ignore
//! use gusset::dynamic::{Arguments, Location};
//!
//! let args = Arguments::new().param(Location::Path, "petId", 42).body(serde_json::json!({"name": "Rex"}));
//! let reply = client.call_dynamic("updatePet", &args).await?;
//! println!("{} {}", reply.status, reply.body);
//! ```

use std::fmt;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::Error;
use crate::multipart::Multipart;
use crate::redact::RedactedHeaders;
use crate::response::Response;

/// Where a parameter goes, as the document's `in` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Location {
    /// `in: path`.
    Path,
    /// `in: query`.
    Query,
    /// `in: header`.
    Header,
    /// `in: cookie`.
    Cookie,
}

impl Location {
    const ALL: [Location; 4] = [Location::Path, Location::Query, Location::Header, Location::Cookie];

    /// The key of this location in the JSON form of [`Arguments`] (`"path"`, `"query"`...).
    pub fn key(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
            Location::Cookie => "cookie",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// One operation of a client generated with dynamic calls: what `Client::OPERATIONS` lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OperationInfo {
    /// The id `call_dynamic` takes: the document's `operationId` (or, without one, the method
    /// name; where a document repeats an id, the later operations' method names).
    pub id: &'static str,
    /// The HTTP method, upper case (`"GET"`).
    pub method: &'static str,
    /// The path template as the document writes it (`/pets/{petId}`).
    pub path: &'static str,
    /// The typed method's name (`update_pet`).
    pub method_name: &'static str,
    /// The parameters the typed method takes, in its order (required ones first).
    pub params: &'static [ParamInfo],
    /// The media type of the request body the typed method sends, if it takes one.
    pub body: Option<&'static str>,
}

/// A parameter of an [`OperationInfo`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamInfo {
    /// Where it goes.
    pub location: Location,
    /// Its name on the wire (the key in [`Arguments`]).
    pub name: &'static str,
    /// Whether the call needs it.
    pub required: bool,
}

/// The arguments of one dynamic call: parameter values by location and wire name, and the body.
///
/// Its JSON form (see [`Arguments::from_json`]) is
/// `{"path": {..}, "query": {..}, "header": {..}, "cookie": {..}, "body": ..}`, every key optional.
/// Values are what the typed parameter or body would serialize to: a number for an integer, a
/// string for a date, an object for a struct. A `text/*` body is a string, a raw body a string
/// sent as its UTF-8 bytes, a `multipart/form-data` body an object whose members become parts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Arguments {
    params: [Map<String, Value>; 4],
    body: Option<Value>,
}

impl Arguments {
    /// No arguments.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads the JSON form; a member other than the five keys, or a location that is not an
    /// object, is an error.
    ///
    /// ```
    /// use gusset::dynamic::{Arguments, Location};
    /// let args = Arguments::from_json(serde_json::json!({"query": {"limit": 10}})).unwrap();
    /// assert_eq!(args, Arguments::new().param(Location::Query, "limit", 10));
    /// assert!(Arguments::from_json(serde_json::json!({"params": {}})).is_err());
    /// ```
    pub fn from_json(value: Value) -> Result<Self, ArgumentError> {
        let Value::Object(members) = value else {
            return Err(ArgumentError::new("arguments", "must be a JSON object"));
        };
        let mut args = Arguments::new();
        for (key, value) in members {
            if key == "body" {
                args.body = Some(value);
                continue;
            }
            let Some(location) = Location::ALL.into_iter().find(|l| l.key() == key) else {
                return Err(ArgumentError::new(
                    format!("`{key}`"),
                    "is not one of `path`, `query`, `header`, `cookie`, `body`",
                ));
            };
            let Value::Object(params) = value else {
                return Err(ArgumentError::new(format!("`{key}`"), "must be an object of parameter values"));
            };
            args.params[location.index()] = params;
        }
        Ok(args)
    }

    /// The JSON form [`Arguments::from_json`] reads (empty locations left out).
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        for location in Location::ALL {
            let params = &self.params[location.index()];
            if !params.is_empty() {
                out.insert(location.key().to_owned(), Value::Object(params.clone()));
            }
        }
        if let Some(body) = &self.body {
            out.insert("body".to_owned(), body.clone());
        }
        Value::Object(out)
    }

    /// Sets the parameter `name` (its name on the wire) in `location`.
    pub fn param(mut self, location: Location, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.params[location.index()].insert(name.into(), value.into());
        self
    }

    /// Sets the body.
    pub fn body(mut self, value: impl Into<Value>) -> Self {
        self.body = Some(value.into());
        self
    }

    /// Fails on an argument the operation does not have. What generated `call_dynamic` checks
    /// first, so a misspelt name is an error rather than a parameter silently left out.
    pub fn expect_only(&self, operation: &OperationInfo) -> Result<(), ArgumentError> {
        for location in Location::ALL {
            for name in self.params[location.index()].keys() {
                if !operation.params.iter().any(|p| p.location == location && p.name == name) {
                    return Err(ArgumentError::new(describe(location, name), "is not a parameter of this operation"));
                }
            }
        }
        if self.body.is_some() && operation.body.is_none() {
            return Err(ArgumentError::new("body", "given, but this operation takes none"));
        }
        Ok(())
    }

    /// The required parameter `name` in `location`, deserialized into its typed value.
    pub fn required<T: DeserializeOwned>(&self, location: Location, name: &str) -> Result<T, ArgumentError> {
        match self.params[location.index()].get(name) {
            Some(value) => typed(value, || describe(location, name)),
            None => Err(ArgumentError::new(describe(location, name), "is required")),
        }
    }

    /// The optional parameter `name` in `location`: `None` when absent or `null`.
    pub fn optional<T: DeserializeOwned>(&self, location: Location, name: &str) -> Result<Option<T>, ArgumentError> {
        match self.params[location.index()].get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => typed(value, || describe(location, name)).map(Some),
        }
    }

    fn required_body(&self) -> Result<&Value, ArgumentError> {
        self.body.as_ref().ok_or_else(|| ArgumentError::new("body", "is required"))
    }

    /// A JSON or form body, deserialized into its typed value.
    pub fn json_body<T: DeserializeOwned>(&self) -> Result<T, ArgumentError> {
        typed(self.required_body()?, || "body".to_owned())
    }

    /// A text body: a string as it is, any other value as its JSON text.
    pub fn text_body(&self) -> Result<String, ArgumentError> {
        Ok(match self.required_body()? {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        })
    }

    /// A raw body: a string sent as its UTF-8 bytes, any other value as its JSON text.
    pub fn bytes_body(&self) -> Result<Bytes, ArgumentError> {
        Ok(Bytes::from(self.text_body()?.into_bytes()))
    }

    /// A `multipart/form-data` body from an object, each member a property by the OpenAPI
    /// defaults ([`Multipart::field`]): a string or number a text part, an array one part per
    /// item, an object a part holding its JSON (`Content-Type: application/json`).
    pub fn multipart_body(&self) -> Result<Multipart, ArgumentError> {
        let Value::Object(members) = self.required_body()? else {
            return Err(ArgumentError::new("body", "a multipart body must be an object of parts"));
        };
        let mut form = Multipart::new();
        for (name, value) in members {
            form.field(name, value);
        }
        Ok(form)
    }
}

fn describe(location: Location, name: &str) -> String {
    format!("{} parameter `{name}`", location.key())
}

fn typed<T: DeserializeOwned>(value: &Value, what: impl FnOnce() -> String) -> Result<T, ArgumentError> {
    T::deserialize(value).map_err(|e| ArgumentError::new(what(), e.to_string()))
}

/// An argument that does not fit the operation: which one, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArgumentError {
    argument: String,
    message: String,
}

impl ArgumentError {
    fn new(argument: impl Into<String>, message: impl Into<String>) -> Self {
        Self { argument: argument.into(), message: message.into() }
    }

    /// Which argument (`query parameter `limit``, `body`).
    pub fn argument(&self) -> &str {
        &self.argument
    }

    /// Why it does not fit (serde's message for a value of the wrong shape).
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ArgumentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.argument, self.message)
    }
}

impl std::error::Error for ArgumentError {}

/// The future of one operation's dynamic call, boxed so that `call_dynamic` of a large API is
/// a small dispatch rather than one state machine holding every operation's. Generated code
/// names it through `__private`.
#[doc(hidden)]
pub type DynamicFuture<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Reply, DynamicError>> + Send + 'a>>;

/// The answer to a dynamic call that got a documented response: the success body, or the
/// documented error body (`is_error`), serialized from its typed value to JSON.
#[derive(Clone, PartialEq)]
pub struct Reply {
    /// The HTTP status.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The typed body as JSON (`null` for an empty body; a raw body is a base64 string).
    pub body: Value,
    /// Whether this is the operation's documented error ([`Error::Api`]) rather than a success.
    pub is_error: bool,
}

impl fmt::Debug for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reply")
            .field("status", &self.status)
            .field("headers", &RedactedHeaders(&self.headers))
            .field("body", &self.body)
            .field("is_error", &self.is_error)
            .finish()
    }
}

/// Why a dynamic call gave no [`Reply`].
#[derive(Debug)]
#[non_exhaustive]
pub enum DynamicError {
    /// The client has no operation with this id.
    UnknownOperation {
        /// The id asked for.
        id: String,
    },
    /// An argument is missing, unknown, or does not deserialize into its typed value; nothing
    /// was sent.
    Argument {
        /// The operation's id.
        operation: &'static str,
        /// Which argument, and why.
        error: ArgumentError,
    },
    /// The call failed as a typed call would (the documented error body, if any, as JSON).
    Call(Box<Error<Value>>),
    /// The typed response could not be serialized back to JSON.
    Serialize {
        /// The operation's id.
        operation: &'static str,
        /// serde's message.
        message: String,
    },
}

impl DynamicError {
    /// An [`ArgumentError`] of `operation`.
    pub fn argument(operation: &'static str, error: ArgumentError) -> Self {
        DynamicError::Argument { operation, error }
    }
}

impl fmt::Display for DynamicError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DynamicError::UnknownOperation { id } => write!(f, "no operation has the id `{id}`"),
            DynamicError::Argument { operation, error } => write!(f, "`{operation}`: {error}"),
            DynamicError::Call(error) => write!(f, "{error}"),
            DynamicError::Serialize { operation, message } => {
                write!(f, "`{operation}`: the typed response cannot be serialized to JSON: {message}")
            }
        }
    }
}

impl std::error::Error for DynamicError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DynamicError::Argument { error, .. } => Some(error),
            DynamicError::Call(error) => Some(&**error),
            _ => None,
        }
    }
}

/// A typed body as JSON: what generated `call_dynamic` passes to [`reply`] for every body but a
/// raw one.
pub fn to_json<T: serde::Serialize>(value: T) -> Result<Value, String> {
    serde_json::to_value(value).map_err(|e| e.to_string())
}

/// A raw body as JSON: its bytes in standard base64.
pub fn bytes_to_json(value: Bytes) -> Result<Value, String> {
    use base64::Engine as _;
    Ok(Value::String(base64::engine::general_purpose::STANDARD.encode(value)))
}

/// The last step of generated `call_dynamic`: the typed result of the typed method, its bodies
/// turned into JSON by `ok` and `err`.
pub fn reply<T, E>(
    operation: &'static str,
    result: Result<Response<T>, Error<E>>,
    ok: fn(T) -> Result<Value, String>,
    err: fn(E) -> Result<Value, String>,
) -> Result<Reply, DynamicError> {
    let serialize = |message| DynamicError::Serialize { operation, message };
    match result {
        Ok(response) => {
            let Response { status, headers, body, .. } = response;
            Ok(Reply { status, headers, body: ok(body).map_err(serialize)?, is_error: false })
        }
        Err(Error::Api { status, headers, body, .. }) => {
            Ok(Reply { status, headers, body: err(body).map_err(serialize)?, is_error: true })
        }
        Err(other) => Err(DynamicError::Call(Box::new(without_body(other)))),
    }
}

/// An error that is not [`Error::Api`], with its (absent) body type changed.
fn without_body<E>(error: Error<E>) -> Error<Value> {
    // `reply` handles `Api`; a body that reaches here is kept as `null`.
    error.map_body(|_| Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_json_form_round_trips_and_rejects_unknown_keys() {
        let value = json!({"path": {"id": 7}, "header": {"X-Tenant": "acme"}, "body": {"name": "Rex"}});
        let args = Arguments::from_json(value.clone()).unwrap();
        assert_eq!(args.to_json(), value);
        assert_eq!(args.required::<u32>(Location::Path, "id").unwrap(), 7);
        assert_eq!(args.optional::<String>(Location::Header, "X-Tenant").unwrap().as_deref(), Some("acme"));
        assert_eq!(args.optional::<String>(Location::Query, "X-Tenant").unwrap(), None);
        let err = Arguments::from_json(json!({"query": [1]})).unwrap_err();
        assert_eq!(err.to_string(), "`query` must be an object of parameter values");
        assert!(Arguments::from_json(json!([])).is_err());
    }

    #[test]
    fn a_value_of_the_wrong_shape_names_the_argument() {
        let args = Arguments::new().param(Location::Query, "limit", "ten");
        let err = args.required::<u32>(Location::Query, "limit").unwrap_err();
        assert_eq!(err.argument(), "query parameter `limit`");
        assert!(err.message().starts_with("invalid type: string \"ten\", expected u32"), "{err}");
        let missing = args.required::<u32>(Location::Path, "id").unwrap_err();
        assert_eq!(missing.to_string(), "path parameter `id` is required");
        assert_eq!(args.json_body::<u32>().unwrap_err().to_string(), "body is required");
    }

    fn operation(params: &'static [ParamInfo], body: Option<&'static str>) -> OperationInfo {
        OperationInfo { id: "listPets", method: "GET", path: "/pets", method_name: "list_pets", params, body }
    }

    #[test]
    fn unknown_arguments_are_errors() {
        let args = Arguments::new().param(Location::Query, "limit", 1).body(json!({}));
        const LIMIT: &[ParamInfo] = &[ParamInfo { location: Location::Query, name: "limit", required: false }];
        const IN_PATH: &[ParamInfo] = &[ParamInfo { location: Location::Path, name: "limit", required: true }];
        assert!(args.expect_only(&operation(LIMIT, Some("application/json"))).is_ok());
        let err = args.expect_only(&operation(IN_PATH, Some("application/json"))).unwrap_err();
        assert_eq!(err.to_string(), "query parameter `limit` is not a parameter of this operation");
        let err = args.expect_only(&operation(LIMIT, None)).unwrap_err();
        assert_eq!(err.to_string(), "body given, but this operation takes none");
    }

    #[test]
    fn text_raw_and_multipart_bodies() {
        let args = Arguments::new().body("plain");
        assert_eq!(args.text_body().unwrap(), "plain");
        assert_eq!(args.bytes_body().unwrap(), Bytes::from_static(b"plain"));
        assert_eq!(Arguments::new().body(json!({"a": 1})).text_body().unwrap(), r#"{"a":1}"#);
        let body = json!({"title": "t", "tags": ["a", "b"], "n": 2, "meta": {"k": "v"}});
        let (_, bytes) = Arguments::new().body(body).multipart_body().unwrap().finish().unwrap();
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        let part = |name: &str| format!("Content-Disposition: form-data; name=\"{name}\"");
        // One text part per array item, numbers as text, objects as JSON parts.
        assert_eq!(text.matches(&part("tags")).count(), 2, "{text}");
        assert!(text.contains(&format!("{}\r\n\r\n2\r\n", part("n"))), "{text}");
        assert!(
            text.contains(&format!("{}\r\nContent-Type: application/json\r\n\r\n{{\"k\":\"v\"}}\r\n", part("meta"))),
            "{text}"
        );
        assert!(Arguments::new().body("x").multipart_body().is_err());
    }

    #[test]
    fn raw_bodies_are_base64() {
        assert_eq!(bytes_to_json(Bytes::from_static(b"hi")).unwrap(), json!("aGk="));
        assert_eq!(to_json(()).unwrap(), Value::Null);
    }
}
