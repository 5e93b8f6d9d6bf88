//! Operations to client methods: names, the API version header, security,
//! docs; parameters are in `params`, bodies and responses in `content`.

use std::collections::BTreeMap;

use openapiv3::{Operation as Op, Parameter, ParameterSchemaOrContent, PathItem, ReferenceOr, SchemaKind, Type};

use super::accept::lower_accept;
use super::content::{lower_request_body, lower_responses};
use super::params::lower_params;
use super::refs::resolve;
use super::schema::resolve_schema;
use super::shape::SRef;
use super::streaming::lower_streaming;
use super::{Cx, docs};
use crate::diagnostic::join;
use crate::fidelity::Cause;
use crate::ir::{BodyKind, Method, Operation, SecurityScheme, Streaming};
use crate::naming::{self, Namespace};

/// Methods the generated `Client` defines itself.
const RESERVED_METHODS: &[&str] = &["builder", "call_dynamic", "runtime"];

/// One operation being lowered: where it is and what its types are named after.
pub(super) struct OpCx<'a> {
    /// The path template as written.
    pub(super) path: &'a str,
    pub(super) method: Method,
    pub(super) operation: &'a Op,
    /// The path item holding the operation (the target of its `$ref`, if any).
    pub(super) item: &'a PathItem,
    /// The pointer of `item`, where its parameters are.
    pub(super) item_pointer: String,
    /// The pointer of `operation`.
    pub(super) pointer: String,
    /// What types made for the operation start with (`ListPets`).
    pub(super) type_base: String,
    /// The name of the operation's method (`list_pets`).
    pub(super) method_name: String,
}

pub(super) fn lower_operations<'a>(
    cx: &mut Cx<'a>,
    schemes: &[SecurityScheme],
) -> (Vec<Operation>, Option<(String, String)>) {
    let doc = cx.doc;
    let mut found: Vec<OpCx<'a>> = Vec::new();
    for (path, item) in doc.paths.paths.iter() {
        let at = join("/paths", path);
        let item = match resolve(cx, item, &at) {
            Ok(item) => item,
            Err(why) => {
                let reference = match item {
                    ReferenceOr::Reference { reference } => reference.as_str(),
                    ReferenceOr::Item(_) => "",
                };
                let message = format!("{} to a path item; the path is skipped", why.describe(reference));
                cx.drop_with(at, Cause::UnresolvedRef, message);
                continue;
            }
        };
        for (method, operation) in methods(item.item) {
            found.push(OpCx {
                path: path.as_str(),
                method,
                operation,
                item: item.item,
                pointer: join(&item.pointer, method.as_str()),
                item_pointer: item.pointer.clone(),
                type_base: String::new(),
                method_name: String::new(),
            });
        }
    }
    found.sort_by(|a, b| (a.path, a.method).cmp(&(b.path, b.method)));

    let version = version_header(cx, &found);
    let mut method_names = Namespace::with_reserved(RESERVED_METHODS);
    let mut out = Vec::new();
    for mut at in found {
        let base = match &at.operation.operation_id {
            Some(id) if !id.trim().is_empty() => naming::method_name(id),
            _ => synthesized_name(at.method, at.path),
        };
        at.method_name = method_names.claim(base);
        at.type_base = naming::type_name(&at.method_name);
        out.push(lower_operation(cx, schemes, version.as_ref().map(|(name, _)| name.as_str()), &at));
    }
    // After every operation's own name, so a stream's method never takes one of them.
    for op in &mut out {
        if let Some(Streaming::Events { method_name: Some(name), .. }) = &mut op.streaming {
            *name = method_names.claim(format!("{}_stream", op.method_name));
        }
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
fn version_header(cx: &Cx<'_>, ops: &[OpCx<'_>]) -> Option<(String, String)> {
    let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
    for at in ops {
        for p in at.item.parameters.iter().chain(at.operation.parameters.iter()) {
            let Ok(param) = resolve(cx, p, "") else { continue };
            let Parameter::Header { parameter_data, .. } = param.item else { continue };
            if !parameter_data.name.to_ascii_lowercase().contains("version") {
                continue;
            }
            let ParameterSchemaOrContent::Schema(schema) = &parameter_data.format else { continue };
            let Some(schema) = resolve_schema(cx, SRef::from(schema)) else { continue };
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

fn lower_operation<'a>(
    cx: &mut Cx<'a>,
    schemes: &[SecurityScheme],
    version_header: Option<&str>,
    at: &OpCx<'a>,
) -> Operation {
    let op = at.operation;
    let params = lower_params(cx, at, version_header);
    let body = lower_request_body(cx, at);
    let (success, error) = lower_responses(cx, at);
    let streaming = lower_streaming(cx, at, &success);
    let accept = lower_accept(cx, at);
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
    docs.lines.push(super::code_line(&format!("{} {}", at.method.as_str().to_ascii_uppercase(), at.path)));
    if let Some(body) = body.as_ref().filter(|b| b.kind == BodyKind::Multipart) {
        docs.lines.push(String::new());
        let parts: Vec<String> = body
            .parts
            .iter()
            .map(|p| match &p.content_type {
                Some(ct) => format!("{} (as {})", super::code_line(&p.name), super::code_line(ct)),
                None => super::code_line(&p.name),
            })
            .collect();
        docs.lines.push(if parts.is_empty() {
            "`body` is a `multipart/form-data` form.".to_string()
        } else {
            format!("`body` is a `multipart/form-data` form with the parts {}.", parts.join(", "))
        });
    }
    let deprecated = super::deprecation::note(op.deprecated, op.description.as_deref(), &op.extensions);
    let mut docs = super::deprecation::with_dates(docs, deprecated.as_ref());
    for p in params.positional.iter().filter(|p| p.deprecated.is_some()) {
        if !docs.lines.is_empty() {
            docs.lines.push(String::new());
        }
        let note = p.deprecated.as_deref().unwrap_or_default();
        docs.lines.push(format!("**Deprecated parameter** `{}`: {note}", p.name));
    }
    let declared_idempotent = op.extensions.get("x-idempotent").and_then(|v| v.as_bool()).unwrap_or(false);
    Operation {
        id: op.operation_id.clone().unwrap_or_else(|| at.method_name.clone()),
        method_name: at.method_name.clone(),
        method: at.method,
        path: at.path.to_string(),
        docs,
        deprecated: deprecated.map(|d| d.note),
        params: params.positional,
        optional: params.optional,
        body,
        success,
        error,
        idempotent: declared_idempotent || params.idempotency_key,
        security: security.unwrap_or_default(),
        accept,
        // Settled once the types are final (see `pagination`).
        pagination: None,
        statuses: declared_statuses(&op.responses),
        streaming,
    }
}

/// The statuses `responses` declares, codes and ranges in order, then `default`.
fn declared_statuses(responses: &openapiv3::Responses) -> Vec<String> {
    let mut statuses: Vec<String> = responses
        .responses
        .keys()
        .map(|status| match status {
            openapiv3::StatusCode::Code(c) => c.to_string(),
            openapiv3::StatusCode::Range(r) => format!("{r}XX"),
        })
        .collect();
    statuses.sort();
    statuses.dedup();
    if responses.default.is_some() {
        statuses.push("default".to_owned());
    }
    statuses
}
