//! Operations to client methods: parameters, bodies, responses, security.

use std::collections::BTreeMap;

use openapiv3::{
    MediaType, Operation as Op, Parameter, ParameterSchemaOrContent, PathItem, PathStyle, QueryStyle, ReferenceOr,
    RequestBody, Response as Resp, SchemaKind, StatusCode, Type,
};

use super::schema::{SRef, lower_use, resolve};
use super::{Cx, docs};
use crate::diagnostic::join;
use crate::fidelity::{Category, Cause};
use crate::ir::{
    Body, BodyKind, Decode, Location, Method, Operation, Param, ParamsStruct, Response, SecurityScheme, Style, TypeRef,
};
use crate::naming::{self, Namespace};

/// Methods the generated `Client` defines itself.
const RESERVED_METHODS: &[&str] = &["builder", "runtime"];
/// Local names the generated method bodies use.
const RESERVED_PARAMS: &[&str] = &["request", "params", "body", "rt", "self_"];

/// The parameter name of an idempotency key (compared case-insensitively).
const IDEMPOTENCY_HEADER: &str = "idempotency-key";

pub(super) fn lower_operations<'a>(
    cx: &mut Cx<'a>,
    schemes: &[SecurityScheme],
) -> (Vec<Operation>, Option<(String, String)>) {
    let doc = cx.doc;
    let mut found: Vec<(&str, Method, &Op, &PathItem)> = Vec::new();
    for (path, item) in doc.paths.paths.iter() {
        let ReferenceOr::Item(item) = item else {
            cx.drop_with(
                join("/paths", path),
                Cause::UnresolvedRef,
                "path item `$ref` is not supported; the path is skipped",
            );
            continue;
        };
        for (method, op) in methods(item) {
            found.push((path.as_str(), method, op, item));
        }
    }
    found.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));

    let version = version_header(cx, &found);
    let mut method_names = Namespace::with_reserved(RESERVED_METHODS);
    let mut out = Vec::new();
    for (path, method, op, item) in found {
        let pointer = join(&join("/paths", path), method.as_str());
        let base = match &op.operation_id {
            Some(id) if !id.trim().is_empty() => naming::method_name(id),
            _ => synthesized_name(method, path),
        };
        let method_name = method_names.claim(base);
        let id = op.operation_id.clone().unwrap_or_else(|| method_name.clone());
        out.push(lower_operation(cx, schemes, &version, path, method, op, item, &pointer, id, method_name));
    }
    out.sort_by(|a, b| a.method_name.cmp(&b.method_name));
    (out, version)
}

fn methods(item: &PathItem) -> Vec<(Method, &Op)> {
    [
        (Method::Get, &item.get),
        (Method::Put, &item.put),
        (Method::Post, &item.post),
        (Method::Delete, &item.delete),
        (Method::Options, &item.options),
        (Method::Head, &item.head),
        (Method::Patch, &item.patch),
        (Method::Trace, &item.trace),
    ]
    .into_iter()
    .filter_map(|(m, op)| op.as_ref().map(|op| (m, op)))
    .collect()
}

/// `get /pets/{petId}/toys` → `get_pets_by_pet_id_toys`.
fn synthesized_name(method: Method, path: &str) -> String {
    let mut text = method.as_str().to_string();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        text.push('_');
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(param) => {
                text.push_str("by_");
                text.push_str(param);
            }
            None => text.push_str(segment),
        }
    }
    naming::method_name(&text)
}

/// The API version header, when the document declares one: a header
/// parameter named like `*version*` with one enum value or a default, such as
/// `X-GitHub-Api-Version`. The most common one wins.
fn version_header(cx: &Cx<'_>, ops: &[(&str, Method, &Op, &PathItem)]) -> Option<(String, String)> {
    let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (_, _, op, item) in ops {
        for p in item.parameters.iter().chain(op.parameters.iter()) {
            let Some(Parameter::Header { parameter_data, .. }) = resolve_param(cx, p) else { continue };
            if !parameter_data.name.to_ascii_lowercase().contains("version") {
                continue;
            }
            let ParameterSchemaOrContent::Schema(schema) = &parameter_data.format else { continue };
            let Some((schema, _)) = resolve(cx, SRef::from(schema)) else { continue };
            let value = match &schema.schema_kind {
                SchemaKind::Type(Type::String(s)) if s.enumeration.len() == 1 => s.enumeration[0].clone(),
                _ => schema.schema_data.default.as_ref().and_then(|d| d.as_str().map(str::to_string)),
            };
            if let Some(value) = value {
                *counts.entry((parameter_data.name.clone(), value)).or_default() += 1;
            }
        }
    }
    counts.into_iter().max_by_key(|(_, n)| *n).map(|(k, _)| k)
}

fn resolve_param<'a>(cx: &Cx<'a>, p: &'a ReferenceOr<Parameter>) -> Option<&'a Parameter> {
    let mut current = p;
    for _ in 0..16 {
        match current {
            ReferenceOr::Item(p) => return Some(p),
            ReferenceOr::Reference { reference } => {
                let name = reference.strip_prefix("#/components/parameters/")?;
                current = cx.doc.components.as_ref()?.parameters.get(&unescape(name))?;
            }
        }
    }
    None
}

fn resolve_body<'a>(cx: &Cx<'a>, b: &'a ReferenceOr<RequestBody>) -> Option<&'a RequestBody> {
    let mut current = b;
    for _ in 0..16 {
        match current {
            ReferenceOr::Item(b) => return Some(b),
            ReferenceOr::Reference { reference } => {
                let name = reference.strip_prefix("#/components/requestBodies/")?;
                current = cx.doc.components.as_ref()?.request_bodies.get(&unescape(name))?;
            }
        }
    }
    None
}

fn resolve_response<'a>(cx: &Cx<'a>, r: &'a ReferenceOr<Resp>) -> Option<&'a Resp> {
    let mut current = r;
    for _ in 0..16 {
        match current {
            ReferenceOr::Item(r) => return Some(r),
            ReferenceOr::Reference { reference } => {
                let name = reference.strip_prefix("#/components/responses/")?;
                current = cx.doc.components.as_ref()?.responses.get(&unescape(name))?;
            }
        }
    }
    None
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

#[allow(clippy::too_many_arguments)]
fn lower_operation<'a>(
    cx: &mut Cx<'a>,
    schemes: &[SecurityScheme],
    version: &Option<(String, String)>,
    path: &str,
    method: Method,
    op: &'a Op,
    item: &'a PathItem,
    pointer: &str,
    id: String,
    method_name: String,
) -> Operation {
    let type_base = naming::type_name(&method_name);
    let mut idempotent = op.extensions.get("x-idempotent").and_then(|v| v.as_bool()).unwrap_or(false);

    // Operation parameters override path-level ones with the same name and location.
    let mut declared: Vec<(&Parameter, String)> = Vec::new();
    let sources = item
        .parameters
        .iter()
        .enumerate()
        .map(|(i, p)| (p, join(&join(&join("/paths", path), "parameters"), &i.to_string())))
        .chain(op.parameters.iter().enumerate().map(|(i, p)| (p, join(&join(pointer, "parameters"), &i.to_string()))));
    for (p, p_pointer) in sources {
        let Some(param) = resolve_param(cx, p) else {
            cx.drop_with(
                &p_pointer,
                Cause::UnresolvedRef,
                "parameter reference does not resolve; the parameter is skipped",
            );
            continue;
        };
        let key = |q: &Parameter| (std::mem::discriminant(q), q.parameter_data_ref().name.to_ascii_lowercase());
        declared.retain(|(q, _)| key(q) != key(param));
        declared.push((param, p_pointer));
    }

    let mut names = Namespace::with_reserved(RESERVED_PARAMS);
    let mut path_params = Vec::new();
    let mut required = Vec::new();
    let mut optional = Vec::new();
    let template: Vec<String> = template_params(path);
    for (param, p_pointer) in &declared {
        let data = param.parameter_data_ref();
        let (location, style, explode) = match param {
            Parameter::Path { style, .. } => (
                Location::Path,
                match style {
                    PathStyle::Simple => Style::Simple,
                    PathStyle::Label => Style::Label,
                    PathStyle::Matrix => Style::Matrix,
                },
                data.explode.unwrap_or(false),
            ),
            Parameter::Query { style, .. } => {
                let style = match style {
                    QueryStyle::Form => Style::Form,
                    QueryStyle::SpaceDelimited => Style::SpaceDelimited,
                    QueryStyle::PipeDelimited => Style::PipeDelimited,
                    QueryStyle::DeepObject => Style::DeepObject,
                };
                (Location::Query, style, data.explode.unwrap_or(style == Style::Form))
            }
            Parameter::Header { .. } => (Location::Header, Style::Simple, data.explode.unwrap_or(false)),
            Parameter::Cookie { .. } => (Location::Cookie, Style::Form, data.explode.unwrap_or(true)),
        };
        let lower = data.name.to_ascii_lowercase();
        if matches!(location, Location::Header | Location::Cookie) && !is_token(&data.name) {
            cx.drop_with(
                p_pointer,
                Cause::InvalidHeaderName,
                format!(
                    "{} parameter name `{}` is not a valid HTTP token; the parameter is skipped",
                    if location == Location::Header { "header" } else { "cookie" },
                    data.name.escape_debug()
                ),
            );
            continue;
        }
        if location == Location::Header {
            if matches!(lower.as_str(), "accept" | "content-type" | "authorization") {
                // OpenAPI says these are described elsewhere and ignored here.
                continue;
            }
            if lower == IDEMPOTENCY_HEADER {
                idempotent = true;
                continue;
            }
            if version.as_ref().is_some_and(|(name, _)| name.eq_ignore_ascii_case(&data.name)) {
                continue;
            }
        }
        if location == Location::Path && !template.contains(&data.name) {
            cx.drop_with(
                p_pointer,
                Cause::ParameterNotInPath,
                format!("path parameter `{}` does not appear in `{path}`; it is skipped", data.name),
            );
            continue;
        }
        let context = format!("{type_base}{}", naming::type_name(&data.name));
        let ty = match &data.format {
            ParameterSchemaOrContent::Schema(schema) => {
                lower_use(cx, SRef::from(schema), &context, &join(p_pointer, "schema"))
            }
            ParameterSchemaOrContent::Content(_) => {
                cx.fall_back(
                    join(p_pointer, "content"),
                    Cause::ParameterContent,
                    format!("parameter `{}` uses `content`, which is sent as a string", data.name),
                );
                TypeRef::String
            }
        };
        let ty = match ty {
            TypeRef::Option(inner) => *inner,
            ty => ty,
        };
        let lowered = Param {
            name: String::new(),
            wire: data.name.clone(),
            location,
            ty,
            style,
            explode,
            docs: docs(&[data.description.as_deref()]),
        };
        if location == Location::Path {
            path_params.push(lowered);
        } else if data.required {
            required.push(lowered);
        } else {
            optional.push(lowered);
        }
    }
    // Every `{name}` of the template needs a value, declared or not.
    for name in &template {
        if !path_params.iter().any(|p| &p.wire == name) {
            cx.warn(
                join(pointer, "parameters"),
                format!("path parameter `{name}` of `{path}` is not declared; it is taken as a string"),
            );
            path_params.push(Param {
                name: String::new(),
                wire: name.clone(),
                location: Location::Path,
                ty: TypeRef::String,
                style: Style::Simple,
                explode: false,
                docs: Default::default(),
            });
        }
    }
    path_params.sort_by_key(|p| template.iter().position(|t| t == &p.wire));
    let mut params: Vec<Param> = path_params.into_iter().chain(required).collect();
    for p in &mut params {
        p.name = names.claim(naming::field_name(&p.wire));
    }
    let optional = if optional.is_empty() {
        None
    } else {
        let mut fields = Namespace::default();
        for p in &mut optional {
            p.name = fields.claim(naming::field_name(&p.wire));
        }
        Some(ParamsStruct { name: cx.names.claim(format!("{type_base}Params")), params: optional })
    };

    let body = op.request_body.as_ref().and_then(|b| {
        let body_pointer = join(pointer, "requestBody");
        match resolve_body(cx, b) {
            Some(body) => lower_body(cx, body, &type_base, &body_pointer),
            None => {
                cx.drop_with(
                    &body_pointer,
                    Cause::UnresolvedRef,
                    "request body reference does not resolve; the body is skipped",
                );
                None
            }
        }
    });

    let (success, error) = lower_responses(cx, op, &type_base, &join(pointer, "responses"));

    let security = op.security.as_ref().or(cx.doc.security.as_ref()).map(|alternatives| {
        alternatives
            .iter()
            .map(|req| req.keys().filter(|k| schemes.iter().any(|s| &s.name == *k)).cloned().collect::<Vec<_>>())
            .collect::<Vec<_>>()
    });
    let mut docs = docs(&[op.summary.as_deref(), op.description.as_deref()]);
    if !docs.lines.is_empty() {
        docs.lines.push(String::new());
    }
    docs.lines.push(super::code_line(&format!("{} {path}", method.as_str().to_ascii_uppercase())));
    if let Some(body) = body.as_ref().filter(|b| b.kind == BodyKind::Multipart) {
        docs.lines.push(String::new());
        let parts: Vec<String> = body.parts.iter().map(|p| super::code_line(p)).collect();
        docs.lines.push(if parts.is_empty() {
            "`body` is a `multipart/form-data` form.".to_string()
        } else {
            format!("`body` is a `multipart/form-data` form with the parts {}.", parts.join(", "))
        });
    }
    Operation {
        id,
        method_name,
        method,
        path: path.to_string(),
        docs,
        deprecated: op.deprecated,
        params,
        optional,
        body,
        success,
        error,
        idempotent,
        security: security.unwrap_or_default(),
    }
}

/// Whether `name` may be a header or cookie name (RFC 9110 `token`): no
/// spaces, separators or control characters, so a document cannot smuggle a
/// line break into a request through a parameter name.
fn is_token(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// The `{name}`s of a path template, in order.
fn template_params(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else { break };
        let name = &rest[start + 1..start + len];
        if !name.is_empty() && !out.iter().any(|n| n == name) {
            out.push(name.to_string());
        }
        rest = &rest[start + len + 1..];
    }
    out
}

/// How a media type is read or written.
fn media_kind(content_type: &str) -> Option<BodyKind> {
    let ct = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if ct == "application/json"
        || ct.ends_with("+json")
        || ct == "*/*"
        || ct == "application/*"
        || ct.ends_with("/json")
    {
        Some(BodyKind::Json)
    } else if ct == "application/x-www-form-urlencoded" {
        Some(BodyKind::Form)
    } else if ct == "multipart/form-data" {
        Some(BodyKind::Multipart)
    } else if ct.starts_with("multipart/") {
        None
    } else if ct.starts_with("text/") {
        Some(BodyKind::Text)
    } else {
        Some(BodyKind::Bytes)
    }
}

/// Picks the content type a client should send or expect: JSON first.
fn pick(content: &indexmap::IndexMap<String, MediaType>) -> Option<(&String, &MediaType, BodyKind)> {
    let rank = |k: BodyKind| match k {
        BodyKind::Json => 0,
        BodyKind::Form => 1,
        BodyKind::Multipart => 2,
        BodyKind::Text => 3,
        BodyKind::Bytes => 4,
    };
    content.iter().filter_map(|(ct, mt)| media_kind(ct).map(|k| (ct, mt, k))).min_by_key(|(_, _, k)| rank(*k))
}

fn lower_body<'a>(cx: &mut Cx<'a>, body: &'a RequestBody, type_base: &str, pointer: &str) -> Option<Body> {
    let Some((content_type, media, kind)) = pick(&body.content) else {
        if !body.content.is_empty() {
            cx.drop_with(join(pointer, "content"), Cause::UnsupportedMultipart, "only multipart bodies other than `multipart/form-data` are declared, which this version does not generate; the body is skipped");
        }
        return None;
    };
    let media_pointer = join(&join(pointer, "content"), content_type);
    let ty = match (kind, &media.schema) {
        (BodyKind::Bytes, _) => TypeRef::Bytes,
        (BodyKind::Text, _) => TypeRef::String,
        // The caller builds the parts; the schema documents them.
        (BodyKind::Multipart, _) => TypeRef::Unit,
        (_, Some(schema)) => {
            lower_use(cx, SRef::from(schema), &format!("{type_base}Body"), &join(&media_pointer, "schema"))
        }
        (_, None) => {
            cx.note(Category::FreeForm, &media_pointer, Cause::NoSchema);
            TypeRef::Value
        }
    };
    let ty = match ty {
        TypeRef::Option(inner) => *inner,
        ty => ty,
    };
    let parts = match (kind, &media.schema) {
        (BodyKind::Multipart, Some(schema)) => match resolve(cx, SRef::from(schema)) {
            Some((schema, _)) => match &schema.schema_kind {
                openapiv3::SchemaKind::Type(openapiv3::Type::Object(o)) => o.properties.keys().cloned().collect(),
                openapiv3::SchemaKind::Any(a) => a.properties.keys().cloned().collect(),
                _ => Vec::new(),
            },
            None => Vec::new(),
        },
        _ => Vec::new(),
    };
    Some(Body { content_type: content_type.clone(), kind, ty, parts })
}

fn lower_responses<'a>(cx: &mut Cx<'a>, op: &'a Op, type_base: &str, pointer: &str) -> (Response, Response) {
    let mut success: Vec<(String, &ReferenceOr<Resp>)> = Vec::new();
    let mut errors: Vec<(String, &ReferenceOr<Resp>)> = Vec::new();
    for (status, response) in &op.responses.responses {
        let (key, ok) = match status {
            StatusCode::Code(c) => (c.to_string(), (200..300).contains(c)),
            StatusCode::Range(r) => (format!("{r}XX"), *r == 2),
        };
        if ok { success.push((key, response)) } else { errors.push((key, response)) }
    }
    if let Some(default) = &op.responses.default {
        if success.is_empty() {
            success.push(("default".to_string(), default));
        }
        errors.push(("default".to_string(), default));
    }
    success.sort_by(|a, b| a.0.cmp(&b.0));

    let mut ok = Response { ty: TypeRef::Unit, decode: Decode::Empty };
    for (status, response) in &success {
        let response_pointer = join(pointer, status);
        let Some(response) = resolve_response(cx, response) else {
            cx.drop_with(
                &response_pointer,
                Cause::UnresolvedRef,
                "response reference does not resolve; the response is read as an empty body",
            );
            continue;
        };
        if let Some(lowered) = lower_response(cx, response, &format!("{type_base}Response"), &response_pointer) {
            ok = lowered;
            break;
        }
    }

    let mut typed: Vec<Response> = Vec::new();
    for (status, response) in &errors {
        let response_pointer = join(pointer, status);
        let Some(response) = resolve_response(cx, response) else {
            cx.drop_with(
                &response_pointer,
                Cause::UnresolvedRef,
                "response reference does not resolve; the response is skipped",
            );
            continue;
        };
        if let Some(lowered) = lower_response(cx, response, &format!("{type_base}Error"), &response_pointer) {
            if lowered.decode == Decode::Json && !typed.iter().any(|t| t.ty == lowered.ty) {
                typed.push(lowered);
            }
        }
    }
    let error = match typed.len() {
        1 => typed.remove(0),
        0 => {
            cx.note(Category::FreeForm, pointer, Cause::UndocumentedError);
            Response { ty: TypeRef::Value, decode: Decode::Value }
        }
        _ => {
            cx.note(Category::Fallback, pointer, Cause::SeveralErrorTypes);
            Response { ty: TypeRef::Value, decode: Decode::Value }
        }
    };
    (ok, error)
}

fn lower_response<'a>(cx: &mut Cx<'a>, response: &'a Resp, context: &str, pointer: &str) -> Option<Response> {
    let (content_type, media, kind) = pick(&response.content)?;
    let ty = match (kind, &media.schema) {
        (BodyKind::Bytes, _) => return Some(Response { ty: TypeRef::Bytes, decode: Decode::Bytes }),
        (BodyKind::Text, _) => return Some(Response { ty: TypeRef::String, decode: Decode::Text }),
        (BodyKind::Form | BodyKind::Multipart, _) => {
            return Some(Response { ty: TypeRef::String, decode: Decode::Text });
        }
        (BodyKind::Json, Some(schema)) => {
            let schema_pointer = join(&join(&join(pointer, "content"), content_type), "schema");
            lower_use(cx, SRef::from(schema), context, &schema_pointer)
        }
        (BodyKind::Json, None) => {
            cx.note(Category::FreeForm, join(&join(pointer, "content"), content_type), Cause::NoSchema);
            TypeRef::Value
        }
    };
    Some(Response { ty, decode: Decode::Json })
}
