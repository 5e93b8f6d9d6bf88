//! Swagger 2.0 documents converted to the OpenAPI 3.0 model, on the raw
//! JSON value, before bundling and normalisation: the rest of the pipeline
//! sees a 3.0 document.
//!
//! What moves: `host`/`basePath`/`schemes` to `servers`; `body` and
//! `formData` parameters to request bodies; `consumes`/`produces` to media
//! types; `collectionFormat` to `style`/`explode`; `definitions`,
//! `parameters` and `responses` to `components`, with every local `$ref`
//! rewritten; `securityDefinitions` to security schemes; `x-nullable` to
//! `nullable`; `type: file` to binary strings; response `examples` to
//! media type examples.
//!
//! Every node that moves is recorded in [`Origins`], so a problem found
//! later on a converted node is reported at the pointer (and line) of what
//! the user wrote. Problems found here are reported at the 2.0 pointer
//! directly, and are warnings: the construct is skipped or read loosely.

mod operation;
mod schema;
mod security;

#[cfg(test)]
mod tests;

use serde_json::{Map, Value};

use crate::diagnostic::{Diagnostic, join};

use super::source_map::Origins;
use operation::{Side, convert_parameter, convert_paths, convert_response};
use schema::convert_schema;

/// The OpenAPI version a converted document declares.
const CONVERTED_VERSION: &str = "3.0.3";

/// What converting needs besides the node at hand.
struct Cx<'a> {
    /// The document's `parameters` as written, for `$ref`s to body and
    /// form parameters, which become part of each operation's request body.
    parameters: Map<String, Value>,
    /// The document's `consumes` and `produces`.
    consumes: Vec<String>,
    produces: Vec<String>,
    warnings: &'a mut Vec<Diagnostic>,
    origins: &'a mut Origins,
}

/// Converts a Swagger 2.0 document in place into an OpenAPI 3.0 one.
/// Returns where each moved node came from; problems go to `warnings`,
/// at pointers into the 2.0 document.
pub(crate) fn convert(document: &mut Value, warnings: &mut Vec<Diagnostic>) -> Origins {
    let mut origins = Origins::default();
    let Some(root) = document.as_object_mut() else { return origins };
    let mut old = std::mem::take(root);
    old.shift_remove("swagger");
    let parameters = match old.shift_remove("parameters") {
        Some(Value::Object(parameters)) => parameters,
        _ => Map::new(),
    };
    let mut cx = Cx { parameters, consumes: Vec::new(), produces: Vec::new(), warnings, origins: &mut origins };
    cx.consumes = cx.media_types(old.shift_remove("consumes"), "/consumes", Side::Consumes);
    cx.produces = cx.media_types(old.shift_remove("produces"), "/produces", Side::Produces);

    root.insert("openapi".to_owned(), Value::String(CONVERTED_VERSION.to_owned()));
    let servers = servers(&mut cx, &mut old);
    for key in ["info", "externalDocs"] {
        if let Some(value) = old.shift_remove(key) {
            root.insert(key.to_owned(), value);
        }
    }
    if !servers.is_empty() {
        root.insert("servers".to_owned(), Value::Array(servers));
    }
    let components = components(&mut cx, &mut old);
    if let Some(mut paths) = old.shift_remove("paths") {
        if let Value::Object(paths) = &mut paths {
            convert_paths(&mut cx, paths);
        }
        root.insert("paths".to_owned(), paths);
    }
    if !components.is_empty() {
        root.insert("components".to_owned(), Value::Object(components));
    }
    // `security`, `tags` and extensions read the same in 3.0; anything else is not 2.0.
    for (key, value) in old {
        if matches!(key.as_str(), "security" | "tags") || key.starts_with("x-") {
            root.insert(key, value);
        } else {
            cx.warn(join("", &key), format!("`{key}` is not a Swagger 2.0 field and was ignored"));
        }
    }
    origins
}

/// `host`, `basePath` and `schemes` as servers: one per scheme, `https`
/// first; a document without a host gets a relative server when it has a
/// base path, none otherwise.
fn servers(cx: &mut Cx<'_>, old: &mut Map<String, Value>) -> Vec<Value> {
    let host = old.shift_remove("host");
    let base_path = old.shift_remove("basePath");
    let schemes = old.shift_remove("schemes");
    let host = match host {
        Some(Value::String(host)) if !host.trim().is_empty() => Some(host.trim().trim_end_matches('/').to_owned()),
        Some(Value::String(_)) | None => None,
        Some(_) => {
            cx.warn("/host".to_owned(), "`host` should be a string; ignored");
            None
        }
    };
    let base_path = match base_path {
        Some(Value::String(path)) => path.trim().trim_end_matches('/').to_owned(),
        None => String::new(),
        Some(_) => {
            cx.warn("/basePath".to_owned(), "`basePath` should be a string; ignored");
            String::new()
        }
    };
    let base_path =
        if base_path.is_empty() || base_path.starts_with('/') { base_path } else { format!("/{base_path}") };
    let Some(host) = host else {
        if base_path.is_empty() {
            return Vec::new();
        }
        cx.origins.record("/servers/0/url".to_owned(), "/basePath".to_owned());
        cx.origins.record("/servers".to_owned(), "/basePath".to_owned());
        return vec![server(base_path)];
    };
    let mut listed: Vec<String> = match &schemes {
        Some(Value::Array(schemes)) => schemes.iter().filter_map(Value::as_str).map(str::to_ascii_lowercase).collect(),
        _ => Vec::new(),
    };
    if listed.iter().any(|s| s != "http" && s != "https") {
        cx.warn("/schemes".to_owned(), "only `http` and `https` schemes make servers; the others were ignored");
    }
    listed.retain(|s| s == "http" || s == "https");
    listed.sort_by_key(|s| s != "https");
    listed.dedup();
    if listed.is_empty() {
        // The spec says "the scheme the document was fetched with"; a client has to pick one.
        listed.push("https".to_owned());
    }
    cx.origins.record("/servers".to_owned(), "/host".to_owned());
    for index in 0..listed.len() {
        cx.origins.record(format!("/servers/{index}/url"), "/host".to_owned());
    }
    listed.iter().map(|scheme| server(format!("{scheme}://{host}{base_path}"))).collect()
}

fn server(url: String) -> Value {
    let mut server = Map::new();
    server.insert("url".to_owned(), Value::String(url));
    Value::Object(server)
}

/// `definitions`, `parameters` (but body and form ones, which belong to
/// each operation's request body), `responses` and `securityDefinitions`
/// as `components`.
fn components(cx: &mut Cx<'_>, old: &mut Map<String, Value>) -> Map<String, Value> {
    let mut components = Map::new();
    if let Some(Value::Object(mut definitions)) = old.shift_remove("definitions") {
        for (name, schema) in definitions.iter_mut() {
            convert_schema(schema);
            cx.origins.record(join("/components/schemas", name), join("/definitions", name));
        }
        components.insert("schemas".to_owned(), Value::Object(definitions));
    }
    let mut parameters = Map::new();
    for (name, param) in cx.parameters.clone() {
        let origin = join("/parameters", &name);
        let Value::Object(param) = param else {
            cx.warn(origin, "a parameter should be an object; skipped");
            continue;
        };
        if matches!(param.get("in").and_then(Value::as_str), Some("body" | "formData")) {
            continue;
        }
        let converted = join("/components/parameters", &name);
        cx.origins.record(join(&converted, "schema"), origin.clone());
        cx.origins.record(converted, origin.clone());
        parameters.insert(name, convert_parameter(cx, param, &origin));
    }
    if !parameters.is_empty() {
        components.insert("parameters".to_owned(), Value::Object(parameters));
    }
    if let Some(Value::Object(mut responses)) = old.shift_remove("responses") {
        let produces = cx.produces.clone();
        for (name, response) in responses.iter_mut() {
            let (at, origin) = (join("/components/responses", name), join("/responses", name));
            convert_response(cx, response, &at, &origin, &produces);
            cx.origins.record(at, origin);
        }
        components.insert("responses".to_owned(), Value::Object(responses));
    }
    if let Some(definitions) = old.shift_remove("securityDefinitions") {
        let schemes = security::convert(cx, definitions);
        if !schemes.is_empty() {
            components.insert("securitySchemes".to_owned(), Value::Object(schemes));
        }
    }
    components
}
