//! An operation's parameters: path-level and operation-level ones merged,
//! each typed from its schema, split into positional arguments (path
//! parameters in template order, then required ones) and a struct of the
//! optional ones.

use openapiv3::{Parameter, ParameterSchemaOrContent, PathStyle, QueryStyle};

use super::operation::OpCx;
use super::refs::resolve;
use super::schema::{lower_use, strip_option};
use super::shape::SRef;
use super::{Cx, docs};
use crate::diagnostic::join;
use crate::fidelity::Cause;
use crate::ir::{Location, Param, ParamsStruct, Style, TypeRef};
use crate::naming::{self, Namespace};

/// Local names the generated method bodies use.
const RESERVED_PARAMS: &[&str] = &["request", "params", "body", "rt", "self_"];

/// The parameter name of an idempotency key (compared case-insensitively).
const IDEMPOTENCY_HEADER: &str = "idempotency-key";

/// What an operation's parameters lower to.
pub(super) struct Params {
    /// Positional: path parameters in template order, then required ones.
    pub(super) positional: Vec<Param>,
    /// The struct of optional parameters, when there are any.
    pub(super) optional: Option<ParamsStruct>,
    /// The document declares an idempotency-key header.
    pub(super) idempotency_key: bool,
}

/// Lowers the parameters of `at`. `version_header` is the API's version
/// header, which the runtime sends and no method takes.
pub(super) fn lower_params<'a>(cx: &mut Cx<'a>, at: &OpCx<'a>, version_header: Option<&str>) -> Params {
    let mut idempotency_key = false;
    let mut path_params = Vec::new();
    let mut required = Vec::new();
    let mut optional = Vec::new();
    let template = template_params(at.path);
    for (param, p_pointer) in declared(cx, at) {
        let data = param.parameter_data_ref();
        let (location, style, explode) = placement(param);
        if matches!(location, Location::Header | Location::Cookie) && !is_token(&data.name) {
            cx.drop_with(
                &p_pointer,
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
            let lower = data.name.to_ascii_lowercase();
            if matches!(lower.as_str(), "accept" | "content-type" | "authorization") {
                // OpenAPI says these are described elsewhere and ignored here.
                continue;
            }
            if lower == IDEMPOTENCY_HEADER {
                idempotency_key = true;
                continue;
            }
            if version_header.is_some_and(|name| name.eq_ignore_ascii_case(&data.name)) {
                continue;
            }
        }
        if location == Location::Path && !template.contains(&data.name) {
            cx.drop_with(
                &p_pointer,
                Cause::ParameterNotInPath,
                format!("path parameter `{}` does not appear in `{}`; it is skipped", data.name, at.path),
            );
            continue;
        }
        let context = format!("{}{}", at.type_base, naming::type_name(&data.name));
        let ty = match &data.format {
            ParameterSchemaOrContent::Schema(schema) => {
                lower_use(cx, SRef::from(schema), &context, &join(&p_pointer, "schema"))
            }
            ParameterSchemaOrContent::Content(_) => {
                cx.fall_back(
                    join(&p_pointer, "content"),
                    Cause::ParameterContent,
                    format!("parameter `{}` uses `content`, which is sent as a string", data.name),
                );
                TypeRef::String
            }
        };
        let lowered = Param {
            name: String::new(),
            wire: data.name.clone(),
            location,
            ty: strip_option(ty),
            style,
            explode,
            docs: docs(&[data.description.as_deref()]),
            deprecated: super::deprecation::note(
                data.deprecated.unwrap_or(false),
                data.description.as_deref(),
                &data.extensions,
            )
            .map(|d| d.note),
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
                join(&at.pointer, "parameters"),
                format!("path parameter `{name}` of `{}` is not declared; it is taken as a string", at.path),
            );
            path_params.push(Param {
                name: String::new(),
                wire: name.clone(),
                location: Location::Path,
                ty: TypeRef::String,
                style: Style::Simple,
                explode: false,
                docs: Default::default(),
                deprecated: None,
            });
        }
    }
    path_params.sort_by_key(|p| template.iter().position(|t| t == &p.wire));
    let mut names = Namespace::with_reserved(RESERVED_PARAMS);
    let mut positional: Vec<Param> = path_params.into_iter().chain(required).collect();
    for p in &mut positional {
        p.name = names.claim(naming::field_name(&p.wire));
    }
    let optional = if optional.is_empty() {
        None
    } else {
        let mut fields = Namespace::default();
        for p in &mut optional {
            p.name = fields.claim(naming::field_name(&p.wire));
        }
        Some(ParamsStruct { name: cx.names.claim(format!("{}Params", at.type_base)), params: optional })
    };
    Params { positional, optional, idempotency_key }
}

/// The parameters that apply to `at`, each with the pointer it lives at:
/// the path item's and the operation's, an operation parameter overriding
/// a path-level one of the same name and location.
fn declared<'a>(cx: &mut Cx<'a>, at: &OpCx<'a>) -> Vec<(&'a Parameter, String)> {
    let mut declared: Vec<(&'a Parameter, String)> = Vec::new();
    let numbered = |base: &str, i: usize| join(&join(base, "parameters"), &i.to_string());
    let sources = at
        .item
        .parameters
        .iter()
        .enumerate()
        .map(|(i, p)| (p, numbered(&at.item_pointer, i)))
        .chain(at.operation.parameters.iter().enumerate().map(|(i, p)| (p, numbered(&at.pointer, i))));
    for (p, p_pointer) in sources {
        let param = match resolve(cx, p, &p_pointer) {
            Ok(resolved) => resolved,
            Err(why) => {
                let reference = match p {
                    openapiv3::ReferenceOr::Reference { reference } => reference.as_str(),
                    openapiv3::ReferenceOr::Item(_) => "",
                };
                let message = format!("{} to a parameter; the parameter is skipped", why.describe(reference));
                cx.drop_with(&p_pointer, Cause::UnresolvedRef, message);
                continue;
            }
        };
        let key = |q: &Parameter| (std::mem::discriminant(q), q.parameter_data_ref().name.to_ascii_lowercase());
        declared.retain(|(q, _)| key(q) != key(param.item));
        declared.push((param.item, param.pointer));
    }
    declared
}

/// Where a parameter goes, in which style, and whether it explodes (with
/// OpenAPI's defaults per location).
fn placement(param: &Parameter) -> (Location, Style, bool) {
    let explode = param.parameter_data_ref().explode;
    match param {
        Parameter::Path { style, .. } => {
            let style = match style {
                PathStyle::Simple => Style::Simple,
                PathStyle::Label => Style::Label,
                PathStyle::Matrix => Style::Matrix,
            };
            (Location::Path, style, explode.unwrap_or(false))
        }
        Parameter::Query { style, .. } => {
            let style = match style {
                QueryStyle::Form => Style::Form,
                QueryStyle::SpaceDelimited => Style::SpaceDelimited,
                QueryStyle::PipeDelimited => Style::PipeDelimited,
                QueryStyle::DeepObject => Style::DeepObject,
            };
            (Location::Query, style, explode.unwrap_or(style == Style::Form))
        }
        Parameter::Header { .. } => (Location::Header, Style::Simple, explode.unwrap_or(false)),
        Parameter::Cookie { .. } => (Location::Cookie, Style::Form, explode.unwrap_or(true)),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_and_tokens() {
        assert_eq!(template_params("/a/{x}/b/{y}.{x}/{"), ["x", "y"]);
        assert!(is_token("X-Trace-Id") && !is_token("a b") && !is_token("a\r\nb") && !is_token(""));
    }
}
