//! Leniency for sloppy documents. `openapiv3` is strict; real documents are
//! not. Known mistakes are fixed directly (each with a warning); whatever
//! still fails to deserialize is repaired at the smallest enclosing object
//! that can be given up on: a schema becomes free-form (`{}`, which `lower`
//! types as `serde_json::Value`), a parameter, response, media type or
//! operation is dropped. Only a document that cannot be read at all is an
//! error.

use std::panic::{AssertUnwindSafe, catch_unwind};

use openapiv3::{
    Callback, Components, Encoding, Example, Header, Link, MediaType, OpenAPI, Operation, Parameter, PathItem,
    ReferenceOr, RequestBody, Response, Schema, SecurityScheme,
};
use serde::Deserialize;
use serde_json::{Map, Number, Value};

use crate::diagnostic::{Diagnostic, join, split};
use crate::fidelity::{Category, Cause};

use super::Losses;
use super::walk::{Kind, children};

/// How many whole-document retries the last-resort repair may make.
const MAX_RETRIES: usize = 100;

/// Fixes well-known mistakes in the object `value` of `kind` at `pointer`.
/// Runs during the normalising walk, so before any deserialization.
pub(crate) fn fix_known(
    kind: Kind,
    pointer: &str,
    value: &mut Value,
    warnings: &mut Vec<Diagnostic>,
    losses: &mut Losses,
) {
    let Some(object) = value.as_object_mut() else { return };
    match kind {
        Kind::Document => fix_document(object, warnings, losses),
        Kind::Schema => fix_schema(pointer, object, warnings, losses),
        Kind::Operation if !object.contains_key("responses") => {
            warnings.push(Diagnostic::warning(pointer, "operation has no `responses`; read as none documented"));
            object.insert("responses".to_owned(), Value::Object(Map::new()));
        }
        Kind::Operation => {
            fix_status_keys(pointer, object, warnings);
            drop_unknown_status_keys(pointer, object, warnings, losses);
        }
        Kind::Response if !object.contains_key("description") && !object.contains_key("$ref") => {
            warnings.push(Diagnostic::warning(pointer, "response has no `description`"));
            object.insert("description".to_owned(), Value::String(String::new()));
        }
        Kind::Parameter | Kind::Header => {
            string_to_bool(pointer, object, &["required", "deprecated", "allowEmptyValue", "explode"], warnings);
            if !object.contains_key("schema") && !object.contains_key("content") && !object.contains_key("$ref") {
                warnings.push(Diagnostic::warning(pointer, "no `schema` or `content`; read as a free-form value"));
                object.insert("schema".to_owned(), Value::Object(Map::new()));
            }
        }
        _ => {}
    }
}

fn fix_document(root: &mut Map<String, Value>, warnings: &mut Vec<Diagnostic>, losses: &mut Losses) {
    if let Some(Value::Object(paths)) = root.get_mut("paths") {
        // `openapiv3` silently ignores these; say so.
        paths.retain(|path, _| {
            let keep = path.starts_with('/') || path.starts_with("x-");
            if !keep {
                warnings.push(Diagnostic::warning(
                    join("/paths", path),
                    format!("path `{path}` does not start with `/`; skipped"),
                ));
                losses.fidelity.record(Category::Dropped, join("/paths", path), Cause::InvalidPath);
            }
            keep
        });
    }
    let info = root.entry("info").or_insert_with(|| {
        warnings.push(Diagnostic::warning("/info", "missing `info`"));
        Value::Object(Map::new())
    });
    if let Value::Object(info) = info {
        for field in ["title", "version"] {
            match info.get(field) {
                Some(Value::String(_)) => {}
                Some(Value::Number(n)) => {
                    // `version: 1.0` in YAML is a number; it means the text.
                    let text = n.to_string();
                    info.insert(field.to_owned(), Value::String(text));
                }
                _ => {
                    warnings.push(Diagnostic::warning(join("/info", field), format!("missing `info.{field}`")));
                    info.insert(field.to_owned(), Value::String(String::new()));
                }
            }
        }
    }
}

/// `2xx` → `2XX`: `openapiv3` silently drops response keys it cannot parse.
fn fix_status_keys(pointer: &str, operation: &mut Map<String, Value>, warnings: &mut Vec<Diagnostic>) {
    let Some(Value::Object(responses)) = operation.get_mut("responses") else { return };
    let bad: Vec<String> = responses
        .keys()
        .filter(|k| {
            let digit = k.chars().next().is_some_and(|c| c.is_ascii_digit());
            let rest = k.get(1..).unwrap_or_default();
            digit && rest.eq_ignore_ascii_case("xx") && rest != "XX"
        })
        .cloned()
        .collect();
    for key in bad {
        let fixed = key.to_ascii_uppercase();
        if let Some(index) = responses.keys().position(|k| *k == key)
            && !responses.contains_key(&fixed)
            && let Some(value) = responses.shift_remove(&key)
        {
            responses.shift_insert(index, fixed.clone(), value);
            let at = join(&join(pointer, "responses"), &key);
            warnings.push(Diagnostic::warning(at, format!("status range `{key}` read as `{fixed}`")));
        }
    }
}

/// Response keys `openapiv3` would silently ignore: dropped with a warning.
fn drop_unknown_status_keys(
    pointer: &str,
    operation: &mut Map<String, Value>,
    warnings: &mut Vec<Diagnostic>,
    losses: &mut Losses,
) {
    let Some(Value::Object(responses)) = operation.get_mut("responses") else { return };
    responses.retain(|key, _| {
        let digits = key.len() == 3 && key.chars().all(|c| c.is_ascii_digit()) && !key.starts_with('0');
        let range = key.len() == 3 && key.starts_with(['1', '2', '3', '4', '5']) && key.ends_with("XX");
        let keep = digits || range || key == "default" || key.starts_with("x-");
        if !keep {
            let at = join(&join(pointer, "responses"), key);
            losses.fidelity.record(Category::Dropped, &at, Cause::InvalidStatus);
            warnings.push(Diagnostic::warning(at, format!("`{key}` is not a status code; response skipped")));
        }
        keep
    });
}

const NUMBER_FIELDS: [&str; 3] = ["minimum", "maximum", "multipleOf"];
const COUNT_FIELDS: [&str; 6] = ["minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"];
const BOOL_FIELDS: [&str; 7] =
    ["nullable", "readOnly", "writeOnly", "deprecated", "uniqueItems", "exclusiveMinimum", "exclusiveMaximum"];

fn fix_schema(pointer: &str, schema: &mut Map<String, Value>, warnings: &mut Vec<Diagnostic>, losses: &mut Losses) {
    // `required: true` on a property means "list me in the parent's `required`".
    if let Some(Value::Object(properties)) = schema.get_mut("properties") {
        let mut newly_required = Vec::new();
        for (name, property) in properties.iter_mut() {
            if let Some(Value::Bool(required)) = property.get("required").cloned()
                && let Some(property) = property.as_object_mut()
            {
                property.shift_remove("required");
                let at = join(&join(&join(pointer, "properties"), name), "required");
                let message = if required {
                    "`required: true` on a property; read as listed in the parent schema's `required`"
                } else {
                    "`required: false` on a property is not OpenAPI; ignored"
                };
                warnings.push(Diagnostic::warning(at, message));
                if required {
                    newly_required.push(Value::String(name.clone()));
                }
            }
        }
        if !newly_required.is_empty() {
            let list = schema.entry("required").or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(list) = list {
                for name in newly_required {
                    if !list.contains(&name) {
                        list.push(name);
                    }
                }
            }
        }
    }
    match schema.get("required") {
        None | Some(Value::Array(_)) => {}
        Some(other) => {
            let found = other.to_string();
            schema.shift_remove("required");
            warnings.push(Diagnostic::warning(
                join(pointer, "required"),
                format!("`required` must be a list of property names, found `{found}`; ignored"),
            ));
        }
    }
    if let Some(Value::Array(list)) = schema.get_mut("required") {
        let before = list.len();
        list.retain(Value::is_string);
        if list.len() != before {
            warnings.push(Diagnostic::warning(join(pointer, "required"), "non-string entries in `required` ignored"));
        }
    }
    for field in NUMBER_FIELDS {
        let Some(value) = schema.get(field) else { continue };
        if value.is_number() {
            continue;
        }
        let at = join(pointer, field);
        match value.as_str().and_then(parse_number) {
            Some(n) => {
                warnings.push(Diagnostic::warning(at, format!("`{field}` should be a number, not a string")));
                schema.insert(field.to_owned(), Value::Number(n));
            }
            None => {
                warnings.push(Diagnostic::warning(at, format!("`{field}` must be a number, found `{value}`; ignored")));
                schema.shift_remove(field);
            }
        }
    }
    for field in COUNT_FIELDS {
        let Some(value) = schema.get(field) else { continue };
        if value.is_u64() {
            continue;
        }
        let count = match value {
            Value::String(s) => s.trim().parse::<u64>().ok(),
            Value::Number(n) => n.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 1e18).map(|f| f as u64),
            _ => None,
        };
        let at = join(pointer, field);
        match count {
            Some(count) => {
                warnings.push(Diagnostic::warning(
                    at,
                    format!("`{field}` should be a non-negative integer, found `{value}`"),
                ));
                schema.insert(field.to_owned(), Value::Number(count.into()));
            }
            None => {
                warnings.push(Diagnostic::warning(
                    at,
                    format!("`{field}` must be a non-negative integer, found `{value}`; ignored"),
                ));
                schema.shift_remove(field);
            }
        }
    }
    string_to_bool(pointer, schema, &BOOL_FIELDS, warnings);
    match schema.get("type") {
        None | Some(Value::String(_)) => {}
        Some(other) => {
            let found = other.to_string();
            schema.shift_remove("type");
            losses.untyped.insert(pointer.to_owned(), Cause::Unreadable);
            warnings.push(Diagnostic::warning(
                join(pointer, "type"),
                format!("`type` must be a string, found `{found}`; read as a free-form value"),
            ));
        }
    }
    if let Some(Value::Array(values)) = schema.get_mut("enum")
        && values.iter().any(Value::is_null)
    {
        // `openapiv3` accepts null in enums; the 3.0 meaning is `nullable`.
        schema.insert("nullable".to_owned(), Value::Bool(true));
    }
}

fn parse_number(text: &str) -> Option<Number> {
    let text = text.trim();
    if let Ok(i) = text.parse::<i64>() {
        return Some(i.into());
    }
    text.parse::<f64>().ok().and_then(Number::from_f64)
}

/// Booleans given as the strings `"true"`/`"false"`.
fn string_to_bool(pointer: &str, object: &mut Map<String, Value>, fields: &[&str], warnings: &mut Vec<Diagnostic>) {
    for field in fields {
        let Some(Value::String(text)) = object.get(*field) else { continue };
        let at = join(pointer, field);
        match text.trim().to_ascii_lowercase().as_str() {
            b @ ("true" | "false") => {
                let b = b == "true";
                warnings.push(Diagnostic::warning(at, format!("`{field}` should be a boolean, not a string")));
                object.insert((*field).to_owned(), Value::Bool(b));
            }
            _ => {
                warnings
                    .push(Diagnostic::warning(at, format!("`{field}` must be a boolean, found `\"{text}\"`; ignored")));
                object.shift_remove(*field);
            }
        }
    }
}

/// Deserializes `value` as `T`, turning a panic inside the model (its
/// `ReferenceOr` has an `expect`) into an error.
pub(crate) fn try_as<T: for<'de> Deserialize<'de>>(value: &Value) -> Result<T, String> {
    match catch_unwind(AssertUnwindSafe(|| T::deserialize(value))) {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(_) => Err("the OpenAPI model could not read this object".to_owned()),
    }
}

/// Whether `value` reads as an object of `kind`; the reason when not.
fn check(kind: Kind, value: &Value) -> Result<(), String> {
    match kind {
        Kind::Document => try_as::<OpenAPI>(value).map(drop),
        Kind::Components => try_as::<Components>(value).map(drop),
        Kind::PathItem => try_as::<ReferenceOr<PathItem>>(value).map(drop),
        Kind::Operation => try_as::<Operation>(value).map(drop),
        Kind::Callback => try_as::<ReferenceOr<Callback>>(value).map(drop),
        Kind::Parameter => try_as::<ReferenceOr<Parameter>>(value).map(drop),
        Kind::Header => try_as::<ReferenceOr<Header>>(value).map(drop),
        Kind::RequestBody => try_as::<ReferenceOr<RequestBody>>(value).map(drop),
        Kind::Response => try_as::<ReferenceOr<Response>>(value).map(drop),
        Kind::MediaType => try_as::<MediaType>(value).map(drop),
        Kind::Encoding => try_as::<Encoding>(value).map(drop),
        Kind::Schema => try_as::<ReferenceOr<Schema>>(value).map(drop),
        Kind::Example => try_as::<ReferenceOr<Example>>(value).map(drop),
        Kind::Link => try_as::<ReferenceOr<Link>>(value).map(drop),
        Kind::SecurityScheme => try_as::<ReferenceOr<SecurityScheme>>(value).map(drop),
    }
}

fn describe(kind: Kind) -> &'static str {
    match kind {
        Kind::Document => "document",
        Kind::Components => "components",
        Kind::PathItem => "path item",
        Kind::Operation => "operation",
        Kind::Callback => "callback",
        Kind::Parameter => "parameter",
        Kind::Header => "header",
        Kind::RequestBody => "request body",
        Kind::Response => "response",
        Kind::MediaType => "media type",
        Kind::Encoding => "encoding",
        Kind::Schema => "schema",
        Kind::Example => "example",
        Kind::Link => "link",
        Kind::SecurityScheme => "security scheme",
    }
}

/// Repairs what fails under `value` (of `kind`, at `pointer`), smallest
/// objects first. Returns the reason when `value` itself should be dropped
/// by its parent.
fn sweep(
    kind: Kind,
    value: &mut Value,
    pointer: &str,
    warnings: &mut Vec<Diagnostic>,
    losses: &mut Losses,
) -> Option<String> {
    check(kind, value).err()?;
    // Back to front, so dropping an array item leaves earlier pointers valid.
    for child in children(kind, value).into_iter().rev() {
        let at = child.pointer(pointer);
        let Some(node) = child.get_mut(value) else { continue };
        if let Some(reason) = sweep(child.kind, node, &at, warnings, losses) {
            losses.fidelity.record(Category::Dropped, &at, Cause::Unreadable);
            warnings.push(Diagnostic::warning(at, format!("skipped this {}: {reason}", describe(child.kind))));
            child.remove(value);
        }
    }
    let reason = check(kind, value).err()?;
    match kind {
        Kind::Schema => {
            losses.untyped.insert(pointer.to_owned(), Cause::Unreadable);
            warnings.push(Diagnostic::warning(pointer, format!("schema read as a free-form value: {reason}")));
            *value = Value::Object(Map::new());
            None
        }
        // What is wrong is outside any typed child: left to `into_model`.
        Kind::Document | Kind::Components => None,
        _ => Some(reason),
    }
}

/// Deserializes the normalised document into the 3.0 model, repairing what
/// fails. Err only when the document cannot be read at all.
pub(crate) fn into_model(
    document: &mut Value,
    warnings: &mut Vec<Diagnostic>,
    losses: &mut Losses,
) -> Result<OpenAPI, Diagnostic> {
    // Plain deserialization first: tracking the path costs a quarter more
    // and is only needed once something fails.
    if let Ok(model) = try_as::<OpenAPI>(document) {
        return Ok(model);
    }
    sweep(Kind::Document, document, "", warnings, losses);
    prune_dangling(document, warnings, losses);
    let mut last = String::new();
    for _ in 0..MAX_RETRIES {
        let (pointer, message) = match deserialize(document) {
            Ok(model) => return Ok(model),
            Err(e) => e,
        };
        // Drop the nearest enclosing entry of a list or map below the top
        // level; top-level fields (`info`, `paths`) cannot be dropped.
        let tokens = split(&pointer);
        let removed = (2..=tokens.len()).rev().find(|&n| remove_at(document, &tokens[..n]));
        match removed {
            Some(n) => {
                let at = crate::diagnostic::pointer(&tokens[..n]);
                losses.fidelity.record(Category::Dropped, &at, Cause::Unreadable);
                warnings.push(Diagnostic::warning(at, format!("skipped: {message}")));
            }
            None => return Err(Diagnostic::error(pointer, format!("the document cannot be read: {message}"))),
        }
        last = message;
    }
    Err(Diagnostic::error("", format!("the document cannot be read after {MAX_RETRIES} repairs: {last}")))
}

/// After `sweep` dropped a component (say a parameter), references to it
/// dangle: drop the referring objects too (a referring schema becomes
/// free-form), so `lower` sees a consistent document.
fn prune_dangling(document: &mut Value, warnings: &mut Vec<Diagnostic>, losses: &mut Losses) {
    let mut found = Vec::new();
    super::walk::walk(document, Kind::Document, &mut String::new(), &mut |kind, at, node| {
        if let Some(Value::String(reference)) = node.get("$ref")
            && let Some(fragment) = reference.strip_prefix('#')
        {
            found.push((kind, at.to_owned(), reference.clone(), super::refs::percent_decode(fragment)));
        }
    });
    // Back to front, so dropping an array item leaves earlier pointers valid.
    for (kind, at, reference, fragment) in found.into_iter().rev() {
        if super::refs::resolve(document, &fragment).is_some() {
            continue;
        }
        let message = format!("`$ref` `{reference}` points at an object that was skipped");
        if kind == Kind::Schema {
            if let Some(node) = document.pointer_mut(&at) {
                *node = Value::Object(Map::new());
            }
            losses.untyped.insert(at.clone(), Cause::DanglingRef);
            warnings.push(Diagnostic::warning(at, format!("{message}; read as a free-form value")));
        } else if remove_at(document, &split(&at)) {
            losses.fidelity.record(Category::Dropped, &at, Cause::DanglingRef);
            warnings.push(Diagnostic::warning(at, format!("{message}; skipped too")));
        }
    }
}

/// The whole-document deserialization, with the failing path as a pointer.
fn deserialize(document: &Value) -> Result<OpenAPI, (String, String)> {
    let result = catch_unwind(AssertUnwindSafe(|| serde_path_to_error::deserialize::<_, OpenAPI>(document)));
    match result {
        Ok(Ok(model)) => Ok(model),
        Ok(Err(e)) => {
            let mut pointer = String::new();
            for segment in e.path().iter() {
                match segment {
                    serde_path_to_error::Segment::Seq { index } => pointer = join(&pointer, &index.to_string()),
                    serde_path_to_error::Segment::Map { key } => pointer = join(&pointer, key),
                    serde_path_to_error::Segment::Enum { .. } | serde_path_to_error::Segment::Unknown => {}
                }
            }
            Err((pointer, e.into_inner().to_string()))
        }
        Err(_) => Err((String::new(), "the OpenAPI model could not read the document".to_owned())),
    }
}

/// Removes the node at `tokens` from its parent list or map; false when there is none.
fn remove_at(document: &mut Value, tokens: &[String]) -> bool {
    let Some((last, parents)) = tokens.split_last() else { return false };
    let mut node = &mut *document;
    for token in parents {
        node = match node {
            Value::Object(map) => match map.get_mut(token) {
                Some(next) => next,
                None => return false,
            },
            Value::Array(items) => match token.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                Some(next) => next,
                None => return false,
            },
            _ => return false,
        };
    }
    match node {
        Value::Object(map) => map.shift_remove(last).is_some(),
        Value::Array(items) => match last.parse::<usize>() {
            Ok(i) if i < items.len() => {
                items.remove(i);
                true
            }
            _ => false,
        },
        _ => false,
    }
}
