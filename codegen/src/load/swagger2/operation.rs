//! Swagger 2.0 paths, operations, parameters and responses as OpenAPI 3.0
//! ones: body and formData parameters become request bodies, `consumes`
//! and `produces` become media types, `collectionFormat` becomes style and
//! explode, and simple-typed parameters and headers get a `schema`.

use serde_json::{Map, Value};

use crate::diagnostic::{Diagnostic, join, split};

use super::Cx;
use super::schema::{convert_schema, rewrite_ref, rewrite_ref_in, take_simple_schema};

/// The methods a 2.0 path item may hold.
const METHODS: [&str; 7] = ["get", "put", "post", "delete", "options", "head", "patch"];

const FORM: &str = "application/x-www-form-urlencoded";
const MULTIPART: &str = "multipart/form-data";

/// A parameter as written (a `$ref` followed to the document's
/// `parameters`), with the pointer of what it was read from.
struct Param {
    raw: Map<String, Value>,
    /// Where the parameter object itself is in the 2.0 document.
    origin: String,
    /// The written `$ref`, when the parameter was one.
    reference: Option<String>,
}

impl Param {
    fn location(&self) -> &str {
        self.raw.get("in").and_then(Value::as_str).unwrap_or("")
    }

    fn name(&self) -> &str {
        self.raw.get("name").and_then(Value::as_str).unwrap_or("")
    }
}

/// Parameters split by where they go.
#[derive(Default)]
struct Split {
    /// Query, path and header parameters, converted, each with its 2.0 pointer.
    plain: Vec<(Value, String)>,
    body: Vec<Param>,
    form: Vec<Param>,
}

/// Converts the `paths` object in place.
pub(super) fn convert_paths(cx: &mut Cx<'_>, paths: &mut Map<String, Value>) {
    for (path, item) in paths.iter_mut() {
        if path.starts_with("x-") {
            continue;
        }
        let Some(item) = item.as_object_mut() else { continue };
        let at = join("/paths", path);
        let inherited = match item.shift_remove("parameters") {
            Some(list) => {
                let split = split_params(cx, list, &at);
                item.insert("parameters".to_owned(), place_plain(cx, split.plain, &at));
                Split { plain: Vec::new(), ..split }
            }
            None => Split::default(),
        };
        for method in METHODS {
            if let Some(Value::Object(operation)) = item.get_mut(method) {
                convert_operation(cx, operation, &join(&at, method), &inherited);
            }
        }
    }
}

/// Converts one operation in place; `inherited` holds the path item's body
/// and form parameters, which 3.0 can only say per operation.
fn convert_operation(cx: &mut Cx<'_>, operation: &mut Map<String, Value>, at: &str, inherited: &Split) {
    let consumes = cx.media_types(operation.shift_remove("consumes"), &join(at, "consumes"), Side::Consumes);
    let produces = cx.media_types(operation.shift_remove("produces"), &join(at, "produces"), Side::Produces);
    if operation.shift_remove("schemes").is_some() {
        cx.warn(join(at, "schemes"), "per-operation `schemes` have no OpenAPI 3 equivalent and were ignored");
    }
    let mut split = match operation.shift_remove("parameters") {
        Some(list) => split_params(cx, list, at),
        None => Split::default(),
    };
    // An operation's own parameter wins over the path item's of the same name and place.
    for p in inherited.body.iter().chain(&inherited.form) {
        let overridden =
            split.body.iter().chain(&split.form).any(|own| own.name() == p.name() && own.location() == p.location());
        if !overridden {
            let copy = Param { raw: p.raw.clone(), origin: p.origin.clone(), reference: p.reference.clone() };
            if p.location() == "body" { split.body.push(copy) } else { split.form.push(copy) }
        }
    }
    if !split.plain.is_empty() {
        let plain = std::mem::take(&mut split.plain);
        operation.insert("parameters".to_owned(), place_plain(cx, plain, at));
    }
    let mut bodies = split.body.into_iter();
    if let Some(body) = bodies.next() {
        for extra in bodies {
            cx.warn(extra.origin, "an operation has one `in: body` parameter; this one was ignored");
        }
        for form in &split.form {
            cx.warn(form.origin.clone(), "`in: formData` beside an `in: body` parameter was ignored");
        }
        let request = body_request(cx, body, at, &consumes);
        operation.insert("requestBody".to_owned(), request);
    } else if !split.form.is_empty() {
        let request = form_request(cx, split.form, at, &consumes);
        operation.insert("requestBody".to_owned(), request);
    }
    if let Some(Value::Object(responses)) = operation.get_mut("responses") {
        for (status, response) in responses.iter_mut() {
            if status.starts_with("x-") {
                continue;
            }
            let here = join(&join(at, "responses"), status);
            convert_response(cx, response, &here, &here, &produces);
        }
    }
}

/// Follows each parameter's `$ref` into the document's `parameters` and
/// sorts it by `in`; plain ones are converted on the way.
fn split_params(cx: &mut Cx<'_>, list: Value, at: &str) -> Split {
    let mut split = Split::default();
    let Value::Array(list) = list else {
        cx.warn(join(at, "parameters"), "`parameters` should be a list; ignored");
        return split;
    };
    for (index, value) in list.into_iter().enumerate() {
        let written = join(&join(at, "parameters"), &index.to_string());
        let Some(param) = cx.resolve_param(value, &written) else { continue };
        match param.location() {
            "body" => split.body.push(param),
            "formData" => split.form.push(param),
            "query" | "path" | "header" => {
                let converted = match &param.reference {
                    // A reference to the document's parameters stays one: they are components too.
                    Some(reference) => {
                        let mut r = Map::new();
                        let target = rewrite_ref(reference).unwrap_or_else(|| reference.clone());
                        r.insert("$ref".to_owned(), Value::String(target));
                        Value::Object(r)
                    }
                    None => convert_parameter(cx, param.raw, &written),
                };
                split.plain.push((converted, written));
            }
            other => {
                let what = if other.is_empty() { "no `in`".to_owned() } else { format!("`in: {other}`") };
                cx.warn(join(&written, "in"), format!("a parameter with {what} was skipped"));
            }
        }
    }
    split
}

/// The converted plain parameters as a list, each mapped back to where it was written.
fn place_plain(cx: &mut Cx<'_>, plain: Vec<(Value, String)>, at: &str) -> Value {
    let list = join(at, "parameters");
    let mut out = Vec::with_capacity(plain.len());
    for (index, (value, origin)) in plain.into_iter().enumerate() {
        let converted = join(&list, &index.to_string());
        cx.origins.record(join(&converted, "schema"), origin.clone());
        cx.origins.record(converted, origin);
        out.push(value);
    }
    Value::Array(out)
}

/// A query, path or header parameter: its value fields become a `schema`,
/// its `collectionFormat` a style.
pub(super) fn convert_parameter(cx: &mut Cx<'_>, mut raw: Map<String, Value>, origin: &str) -> Value {
    let format = raw.shift_remove("collectionFormat");
    if let Some(Value::Object(schema)) = raw.get_mut("schema") {
        // Not 2.0, but a 3.0 habit some documents keep: read it as written.
        let mut schema = Value::Object(std::mem::take(schema));
        convert_schema(&mut schema);
        raw.insert("schema".to_owned(), schema);
        return Value::Object(raw);
    }
    let schema = take_simple_schema(&mut raw);
    let location = raw.get("in").and_then(Value::as_str).unwrap_or("").to_owned();
    if schema.get("type").and_then(Value::as_str) == Some("array")
        && let Some((style, explode)) = cx.collection_style(format.as_ref(), &location, origin)
    {
        raw.insert("style".to_owned(), Value::String(style.to_owned()));
        raw.insert("explode".to_owned(), Value::Bool(explode));
    }
    raw.insert("schema".to_owned(), schema);
    Value::Object(raw)
}

/// The request body an `in: body` parameter describes, in each media type
/// the operation consumes.
fn body_request(cx: &mut Cx<'_>, mut body: Param, at: &str, consumes: &[String]) -> Value {
    let mut schema = body.raw.shift_remove("schema").unwrap_or_else(|| {
        cx.warn(body.origin.clone(), "an `in: body` parameter without a `schema`; the body is read as any value");
        Value::Object(Map::new())
    });
    convert_schema(&mut schema);
    let here = join(at, "requestBody");
    let types: Vec<String> = match consumes {
        [] => vec!["application/json".to_owned()],
        types => types.to_vec(),
    };
    let mut content = Map::new();
    for media_type in types {
        let media = join(&join(&here, "content"), &media_type);
        cx.origins.record(join(&media, "schema"), join(&body.origin, "schema"));
        cx.origins.record(media, join(&body.origin, "schema"));
        let mut entry = Map::new();
        entry.insert("schema".to_owned(), schema.clone());
        content.insert(media_type, Value::Object(entry));
    }
    cx.origins.record(here, body.origin);
    let mut request = Map::new();
    for (key, value) in body.raw {
        if key == "description" || key == "required" || key.starts_with("x-") {
            request.insert(key, value);
        }
    }
    request.insert("content".to_owned(), Value::Object(content));
    Value::Object(request)
}

/// The request body `in: formData` parameters describe: an object with a
/// property per parameter, sent as a form or, when the operation consumes
/// it or sends a file, as `multipart/form-data`.
fn form_request(cx: &mut Cx<'_>, params: Vec<Param>, at: &str, consumes: &[String]) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    let mut origins = Vec::new();
    let mut has_file = false;
    for mut param in params {
        let Some(name) = param.raw.get("name").and_then(Value::as_str).map(str::to_owned) else {
            cx.warn(join(&param.origin, "name"), "an `in: formData` parameter without a `name` was skipped");
            continue;
        };
        has_file |= param.raw.get("type").and_then(Value::as_str) == Some("file");
        if let Some(format) = param.raw.shift_remove("collectionFormat")
            && !matches!(format.as_str(), Some("multi" | "csv"))
        {
            cx.warn(
                join(&param.origin, "collectionFormat"),
                format!("`collectionFormat: {}` in a form is sent as `multi` (one field per item)", show(&format)),
            );
        }
        let mut schema = take_simple_schema(&mut param.raw);
        if let (Some(description), Value::Object(schema)) = (param.raw.get("description"), &mut schema) {
            schema.insert("description".to_owned(), description.clone());
        }
        if param.raw.get("required") == Some(&Value::Bool(true)) {
            required.push(Value::String(name.clone()));
        }
        origins.push((name.clone(), param.origin));
        properties.insert(name, schema);
    }
    let wants = |t: &str| consumes.iter().any(|c| c.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case(t));
    let mut types = Vec::new();
    if wants(MULTIPART) || has_file {
        types.push(MULTIPART);
    }
    // A form cannot carry a file.
    if types.is_empty() || (wants(FORM) && !has_file) {
        types.push(FORM);
    }
    let mut schema = Map::new();
    schema.insert("type".to_owned(), Value::String("object".to_owned()));
    schema.insert("properties".to_owned(), Value::Object(properties));
    if !required.is_empty() {
        schema.insert("required".to_owned(), Value::Array(required.clone()));
    }
    let here = join(at, "requestBody");
    let parameters = join(at, "parameters");
    let mut content = Map::new();
    for media_type in types {
        let media = join(&join(&here, "content"), media_type);
        for (name, origin) in &origins {
            cx.origins.record(join(&join(&join(&media, "schema"), "properties"), name), origin.clone());
        }
        cx.origins.record(media.clone(), parameters.clone());
        let mut entry = Map::new();
        entry.insert("schema".to_owned(), Value::Object(schema.clone()));
        content.insert(media_type.to_owned(), Value::Object(entry));
    }
    cx.origins.record(here, parameters);
    let mut request = Map::new();
    if !required.is_empty() {
        request.insert("required".to_owned(), Value::Bool(true));
    }
    request.insert("content".to_owned(), Value::Object(content));
    Value::Object(request)
}

/// Converts a response in place: its `schema` in each media type the
/// operation produces (with the `examples` for that type), its headers
/// given schemas. `at` is where it ends up, `origin` where it was written.
pub(super) fn convert_response(cx: &mut Cx<'_>, response: &mut Value, at: &str, origin: &str, produces: &[String]) {
    let Some(response) = response.as_object_mut() else { return };
    if response.contains_key("$ref") {
        rewrite_ref_in(response);
        return;
    }
    let schema = response.shift_remove("schema");
    let examples = response.shift_remove("examples");
    if let Some(Value::Object(headers)) = response.get_mut("headers") {
        for (name, header) in headers.iter_mut() {
            if let Value::Object(header) = header {
                let written = join(&join(origin, "headers"), name);
                convert_header(cx, header, &written);
                cx.origins.record(join(&join(&join(at, "headers"), name), "schema"), written);
            }
        }
    }
    let examples = match examples {
        Some(Value::Object(examples)) => examples,
        Some(_) => {
            cx.warn(join(origin, "examples"), "`examples` should map media types to examples; ignored");
            Map::new()
        }
        None => Map::new(),
    };
    let Some(mut schema) = schema else {
        if !examples.is_empty() {
            cx.warn(join(origin, "examples"), "`examples` of a response without a `schema` were ignored");
        }
        return;
    };
    convert_schema(&mut schema);
    let mut types: Vec<String> = match produces {
        [] => vec!["application/json".to_owned()],
        types => types.to_vec(),
    };
    // An example in a media type the operation does not list still says the type is produced.
    let unlisted: Vec<String> = examples.keys().filter(|k| !types.contains(*k)).cloned().collect();
    types.extend(unlisted);
    let mut content = Map::new();
    for media_type in types {
        let media = join(&join(at, "content"), &media_type);
        let mut entry = Map::new();
        entry.insert("schema".to_owned(), schema.clone());
        if let Some(example) = examples.get(&media_type) {
            entry.insert("example".to_owned(), example.clone());
            cx.origins.record(join(&media, "example"), join(&join(origin, "examples"), &media_type));
        }
        cx.origins.record(join(&media, "schema"), join(origin, "schema"));
        cx.origins.record(media, join(origin, "schema"));
        content.insert(media_type, Value::Object(entry));
    }
    response.insert("content".to_owned(), Value::Object(content));
}

/// A response header: its value fields become a `schema`.
fn convert_header(cx: &mut Cx<'_>, header: &mut Map<String, Value>, origin: &str) {
    let format = header.shift_remove("collectionFormat");
    if format.as_ref().is_some_and(|f| f.as_str() != Some("csv")) {
        cx.warn(
            join(origin, "collectionFormat"),
            format!(
                "`collectionFormat: {}` in a header is read as `csv`",
                show(format.as_ref().unwrap_or(&Value::Null))
            ),
        );
    }
    let schema = take_simple_schema(header);
    header.insert("schema".to_owned(), schema);
}

/// A value for a message: strings without quotes.
pub(super) fn show(value: &Value) -> String {
    value.as_str().map_or_else(|| value.to_string(), str::to_owned)
}

/// Which list of media types a field is.
#[derive(Clone, Copy)]
pub(super) enum Side {
    Consumes,
    Produces,
}

impl Cx<'_> {
    /// A parameter as written, `$ref`s into `#/parameters/` followed once.
    fn resolve_param(&mut self, value: Value, at: &str) -> Option<Param> {
        let Value::Object(raw) = value else {
            self.warn(at.to_owned(), "a parameter should be an object; skipped");
            return None;
        };
        let Some(Value::String(reference)) = raw.get("$ref") else {
            return Some(Param { raw, origin: at.to_owned(), reference: None });
        };
        let reference = reference.clone();
        let Some(name) = reference.strip_prefix("#/parameters/") else {
            // Another file's parameter: the bundler brings it in; it can only be a plain one.
            let mut raw = raw;
            raw.insert("in".to_owned(), Value::String("query".to_owned()));
            return Some(Param { raw, origin: at.to_owned(), reference: Some(reference) });
        };
        let name = split(&format!("/{name}")).concat();
        match self.parameters.get(&name) {
            Some(Value::Object(target)) => {
                Some(Param { raw: target.clone(), origin: join("/parameters", &name), reference: Some(reference) })
            }
            _ => {
                self.warn(
                    join(at, "$ref"),
                    format!("`{reference}` does not name a parameter; the parameter was skipped"),
                );
                None
            }
        }
    }

    /// The media types of an operation's `consumes` or `produces`, else the document's.
    pub(super) fn media_types(&mut self, value: Option<Value>, at: &str, side: Side) -> Vec<String> {
        let fallback = match side {
            Side::Consumes => self.consumes.clone(),
            Side::Produces => self.produces.clone(),
        };
        match value {
            None => fallback,
            Some(Value::Array(items)) => {
                let types: Vec<String> = items.iter().filter_map(Value::as_str).map(str::to_owned).collect();
                if types.len() != items.len() {
                    self.warn(at.to_owned(), "media types should be strings; the others were ignored");
                }
                types
            }
            Some(_) => {
                self.warn(at.to_owned(), "media types should be a list of strings; ignored");
                fallback
            }
        }
    }

    /// The 3.0 style and explode of an array parameter in `location` with
    /// this `collectionFormat` (absent means `csv`).
    fn collection_style(
        &mut self,
        format: Option<&Value>,
        location: &str,
        origin: &str,
    ) -> Option<(&'static str, bool)> {
        let format_name = format.map_or_else(|| "csv".to_owned(), show);
        let query = location == "query";
        let style = match (format_name.as_str(), query) {
            ("csv", true) => ("form", false),
            ("multi", true) => ("form", true),
            ("ssv", true) => ("spaceDelimited", false),
            ("pipes", true) => ("pipeDelimited", false),
            ("csv", false) => ("simple", false),
            _ => {
                let place = if query { "query".to_owned() } else { format!("`in: {location}`") };
                self.warn(
                    join(origin, "collectionFormat"),
                    format!("`collectionFormat: {format_name}` has no OpenAPI 3 style in {place}; sent as `csv`"),
                );
                if query { ("form", false) } else { ("simple", false) }
            }
        };
        Some(style)
    }
}

impl Cx<'_> {
    pub(super) fn warn(&mut self, pointer: String, message: impl Into<String>) {
        self.warnings.push(Diagnostic::warning(pointer, message));
    }
}
