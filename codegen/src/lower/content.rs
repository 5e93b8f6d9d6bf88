//! What an operation sends and receives: the request body, the success
//! response, and the error responses, each by the media type a client
//! should use (JSON first).

use std::collections::BTreeMap;

use indexmap::IndexMap;
use openapiv3::{MediaType, QueryStyle, ReferenceOr, RequestBody, Response as Resp, SchemaKind, StatusCode, Type};

use super::Cx;
use super::accept::is_json;
use super::operation::OpCx;
use super::refs::resolve;
use super::schema::{lower_use, resolve_schema, strip_option};
use super::shape::SRef;
use crate::diagnostic::join;
use crate::fidelity::{Category, Cause};
use crate::ir::{
    Body, BodyKind, Decode, FormEncoding, FormField, Operation, Part, Response, Style, TypeDef, TypeKind, TypeRef,
};

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
fn pick(content: &IndexMap<String, MediaType>) -> Option<(&String, &MediaType, BodyKind)> {
    let rank = |k: BodyKind| match k {
        BodyKind::Json => 0,
        BodyKind::Form => 1,
        BodyKind::Multipart => 2,
        BodyKind::Text => 3,
        BodyKind::Bytes => 4,
    };
    content.iter().filter_map(|(ct, mt)| media_kind(ct).map(|k| (ct, mt, k))).min_by_key(|(_, _, k)| rank(*k))
}

/// The written reference of `r`, for messages (empty for an inline object).
fn written<T>(r: &ReferenceOr<T>) -> &str {
    match r {
        ReferenceOr::Reference { reference } => reference,
        ReferenceOr::Item(_) => "",
    }
}

/// The request body of `at`, if it declares one the client can send.
pub(super) fn lower_request_body<'a>(cx: &mut Cx<'a>, at: &OpCx<'a>) -> Option<Body> {
    let b = at.operation.request_body.as_ref()?;
    let body_pointer = join(&at.pointer, "requestBody");
    match resolve(cx, b, &body_pointer) {
        Ok(body) => lower_body(cx, body.item, &at.type_base, &body.pointer),
        Err(why) => {
            let message = format!("{} to a request body; the body is skipped", why.describe(written(b)));
            cx.drop_with(&body_pointer, Cause::UnresolvedRef, message);
            None
        }
    }
}

fn lower_body<'a>(cx: &mut Cx<'a>, body: &'a RequestBody, type_base: &str, pointer: &str) -> Option<Body> {
    let Some((content_type, media, kind)) = pick(&body.content) else {
        if !body.content.is_empty() {
            cx.drop_with(
                join(pointer, "content"),
                Cause::UnsupportedMultipart,
                "only multipart bodies other than `multipart/form-data` are declared, which this version does not generate; the body is skipped",
            );
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
    let names: Vec<String> = match (kind, &media.schema) {
        (BodyKind::Multipart | BodyKind::Form, Some(schema)) => match resolve_schema(cx, SRef::from(schema)) {
            Some(schema) => match &schema.schema_kind {
                SchemaKind::Type(Type::Object(o)) => o.properties.keys().cloned().collect(),
                SchemaKind::Any(a) => a.properties.keys().cloned().collect(),
                _ => Vec::new(),
            },
            None => Vec::new(),
        },
        _ => Vec::new(),
    };
    let (parts, form) = match kind {
        BodyKind::Multipart => {
            let parts = names
                .into_iter()
                .map(|name| {
                    let content_type = media.encoding.get(&name).and_then(|e| e.content_type.clone());
                    Part { name, content_type }
                })
                .collect();
            (parts, Vec::new())
        }
        BodyKind::Form => (Vec::new(), form_encoding(cx, media, &names, &media_pointer)),
        _ => (Vec::new(), Vec::new()),
    };
    Some(Body { content_type: content_type.clone(), kind, ty: strip_option(ty), parts, form })
}

/// The properties of a form body its `encoding` map names, sorted by name.
/// A name that is no property of the body (when the body lists its
/// properties) is reported and ignored.
fn form_encoding(cx: &mut Cx<'_>, media: &MediaType, properties: &[String], pointer: &str) -> Vec<FormField> {
    let mut fields = Vec::new();
    for (name, encoding) in &media.encoding {
        let at = join(&join(pointer, "encoding"), name);
        if !properties.is_empty() && !properties.contains(name) {
            cx.warn(
                &at,
                format!("`encoding` names `{}`, which is no property of the body; ignored", name.escape_debug()),
            );
            continue;
        }
        let encoding = match (&encoding.style, &encoding.content_type) {
            // `load` wrote `explode` out wherever a style is asked for.
            (Some(style), _) => FormEncoding::Style { style: query_style(style), explode: encoding.explode },
            // "The value can be a specific media type, a wildcard media type, or a
            // comma-separated list": JSON text when the first one listed is JSON.
            (None, Some(content_type)) if is_json(content_type.split(',').next().unwrap_or("")) => FormEncoding::Json,
            (None, _) => continue,
        };
        fields.push(FormField { wire: name.clone(), encoding });
    }
    fields.sort_by(|a, b| a.wire.cmp(&b.wire));
    fields
}

fn query_style(style: &QueryStyle) -> Style {
    match style {
        QueryStyle::Form => Style::Form,
        QueryStyle::SpaceDelimited => Style::SpaceDelimited,
        QueryStyle::PipeDelimited => Style::PipeDelimited,
        QueryStyle::DeepObject => Style::DeepObject,
    }
}

/// The success and error responses of `at`.
pub(super) fn lower_responses<'a>(cx: &mut Cx<'a>, at: &OpCx<'a>) -> (Response, Response) {
    let responses = &at.operation.responses;
    let pointer = join(&at.pointer, "responses");
    let mut success: Vec<(String, &ReferenceOr<Resp>)> = Vec::new();
    let mut errors: Vec<(String, &ReferenceOr<Resp>)> = Vec::new();
    let redirect_only = answered_only_by_redirect(responses);
    for (status, response) in &responses.responses {
        let (key, ok) = match status {
            StatusCode::Code(c) => (c.to_string(), (200..300).contains(c)),
            StatusCode::Range(r) => (format!("{r}XX"), *r == 2),
        };
        if ok {
            success.push((key, response));
        } else if !is_followed_redirect(status) {
            errors.push((key, response));
        }
    }
    if let Some(default) = &responses.default {
        if success.is_empty() && !redirect_only {
            success.push(("default".to_string(), default));
        }
        errors.push(("default".to_string(), default));
    }
    // By status, not as listed: the names of the types made for them (`…Error`,
    // `…Error2`) must not depend on the order of the document's keys.
    success.sort_by(|a, b| a.0.cmp(&b.0));
    errors.sort_by(|a, b| a.0.cmp(&b.0));

    // An operation that answers only with a redirect (GitHub's archive downloads answer 302 to
    // a short-lived URL elsewhere; Twilio's 307 to a file) answers with what the redirect
    // leads to: the client follows redirects (credentials are not carried to another host),
    // and the document cannot say what the other end serves, so its body is bytes.
    let mut ok = if redirect_only {
        Response { ty: TypeRef::Bytes, decode: Decode::Bytes }
    } else {
        Response { ty: TypeRef::Unit, decode: Decode::Empty }
    };
    // The first success with content gives the type; the others are looked at for whether
    // one has none.
    let (mut lowered, mut empty_success) = (false, false);
    for (status, response) in &success {
        let response_pointer = join(&pointer, status);
        let Some((response, response_pointer)) = response_at(cx, response, &response_pointer, "read as an empty body")
        else {
            continue;
        };
        if response.content.is_empty() {
            empty_success = true;
            continue;
        }
        // A server cannot send content with a 204 or 205 (RFC 9110 §15.3.5, §15.3.6): a type
        // read from it would fail on every real reply.
        if matches!(status.as_str(), "204" | "205") {
            cx.drop_with(
                join(&response_pointer, "content"),
                Cause::ContentOnEmptyStatus,
                format!("a {status} response has no content in HTTP (RFC 9110); its `content` is not read"),
            );
            empty_success = true;
            continue;
        }
        if lowered {
            continue;
        }
        let context = format!("{}Response", at.type_base);
        if let Some(response) = lower_response(cx, response, &context, &response_pointer) {
            ok = response;
            lowered = true;
        }
    }
    // A success without content beside one with JSON: the JSON or nothing.
    if empty_success && ok.decode == Decode::Json {
        ok = Response { ty: ok.ty.option(), decode: Decode::JsonOrEmpty };
    }

    let mut typed: Vec<Response> = Vec::new();
    for (status, response) in &errors {
        let response_pointer = join(&pointer, status);
        let Some((response, response_pointer)) = response_at(cx, response, &response_pointer, "skipped") else {
            continue;
        };
        let context = format!("{}Error", at.type_base);
        if let Some(lowered) = lower_response(cx, response, &context, &response_pointer)
            && matches!(lowered.decode, Decode::Json | Decode::Value)
            && !typed.iter().any(|t| t.ty == lowered.ty)
        {
            typed.push(lowered);
        }
    }
    let error = match typed.len() {
        1 => typed.remove(0),
        0 => {
            cx.note(Category::FreeForm, &pointer, Cause::UndocumentedError);
            Response { ty: TypeRef::Value, decode: Decode::Value }
        }
        // Types lowered from different places may still be one type once
        // identical types are shared: `settle_errors` decides then.
        _ => {
            let types = typed.into_iter().map(|t| t.ty).collect();
            cx.several_errors.push(SeveralErrors { method_name: at.method_name.clone(), pointer, types });
            Response { ty: TypeRef::Value, decode: Decode::Value }
        }
    };
    (ok, error)
}

/// Whether an operation answers only with redirects the client follows (no `2XX` response):
/// its success is what they lead to.
pub(super) fn answered_only_by_redirect(responses: &openapiv3::Responses) -> bool {
    let success = |s: &StatusCode| matches!(s, StatusCode::Code(200..=299) | StatusCode::Range(2));
    !responses.responses.keys().any(success) && responses.responses.keys().any(is_followed_redirect)
}

/// The redirects the client follows (reqwest's default policy: RFC 9110's 301, 302, 303, 307
/// and 308); 304 and the others come back as they are.
fn is_followed_redirect(status: &StatusCode) -> bool {
    matches!(status, StatusCode::Code(301 | 302 | 303 | 307 | 308))
}

/// An operation whose error responses have JSON bodies of different types
/// as lowered: its error type is `serde_json::Value` unless they are one.
pub(crate) struct SeveralErrors {
    method_name: String,
    /// The operation's `responses`.
    pointer: String,
    types: Vec<TypeRef>,
}

/// Gives each operation of `cx.several_errors` its one error type when all
/// of them are the same after identical types were shared (two error
/// responses that each describe the same `{code, message}` object inline, or
/// that reuse one response component, make types of different names and one
/// definition); the others keep `serde_json::Value`, a fallback.
pub(super) fn settle_errors(cx: &mut Cx<'_>, types: &[TypeDef], operations: &mut [Operation]) {
    let aliases: BTreeMap<&str, &TypeRef> = types
        .iter()
        .filter_map(|t| match &t.kind {
            TypeKind::Alias(ty) => Some((t.name.as_str(), ty)),
            _ => None,
        })
        .collect();
    for several in std::mem::take(&mut cx.several_errors) {
        let defined: Vec<TypeRef> = several.types.iter().map(|ty| definition(ty, &aliases, 0)).collect();
        let one = defined.windows(2).all(|w| w[0] == w[1]);
        let operation = operations.iter_mut().find(|o| o.method_name == several.method_name);
        match (one, operation, several.types.into_iter().next()) {
            (true, Some(operation), Some(first)) => operation.error = Response { ty: first, decode: Decode::Json },
            _ => cx.note(Category::Fallback, several.pointer, Cause::SeveralErrorTypes),
        }
    }
}

/// `ty` with every alias replaced by what it names, so two names of one
/// definition compare equal. Alias chains are short and acyclic (cycles of
/// aliases were untyped before); the depth bound only keeps that an
/// assumption that cannot hang.
fn definition(ty: &TypeRef, aliases: &BTreeMap<&str, &TypeRef>, depth: usize) -> TypeRef {
    if depth > 64 {
        return ty.clone();
    }
    let inner = |t: &TypeRef| Box::new(definition(t, aliases, depth + 1));
    match ty {
        TypeRef::Named(name) => match aliases.get(name.as_str()) {
            Some(target) => definition(target, aliases, depth + 1),
            None => ty.clone(),
        },
        TypeRef::Option(t) => TypeRef::Option(inner(t)),
        TypeRef::Vec(t) => TypeRef::Vec(inner(t)),
        TypeRef::Map(t) => TypeRef::Map(inner(t)),
        TypeRef::Box(t) => TypeRef::Box(inner(t)),
        other => other.clone(),
    }
}

/// The response `r` is or refers to, with its pointer; `None` with a
/// warning (saying the response is `then`) when it does not resolve.
fn response_at<'a>(cx: &mut Cx<'a>, r: &'a ReferenceOr<Resp>, at: &str, then: &str) -> Option<(&'a Resp, String)> {
    match resolve(cx, r, at) {
        Ok(resolved) => Some((resolved.item, resolved.pointer)),
        Err(why) => {
            let message = format!("{} to a response; the response is {then}", why.describe(written(r)));
            cx.drop_with(at, Cause::UnresolvedRef, message);
            None
        }
    }
}

fn lower_response<'a>(cx: &mut Cx<'a>, response: &'a Resp, context: &str, pointer: &str) -> Option<Response> {
    let (content_type, media, kind) = pick(&response.content)?;
    let media_pointer = join(&join(pointer, "content"), content_type);
    let ty = match (kind, &media.schema) {
        (BodyKind::Bytes, _) => return Some(Response { ty: TypeRef::Bytes, decode: Decode::Bytes }),
        (BodyKind::Text, _) => return Some(Response { ty: TypeRef::String, decode: Decode::Text }),
        (BodyKind::Form | BodyKind::Multipart, _) => {
            return Some(Response { ty: TypeRef::String, decode: Decode::Text });
        }
        (BodyKind::Json, Some(schema)) => lower_use(cx, SRef::from(schema), context, &join(&media_pointer, "schema")),
        (BodyKind::Json, None) => {
            cx.note(Category::FreeForm, &media_pointer, Cause::NoSchema);
            TypeRef::Value
        }
    };
    // Any value, leniently: a body the document does not describe may be empty (Cloudflare
    // declares `application/json: {}` on deletes that answer nothing), and empty reads `null`.
    let decode = if ty == TypeRef::Value { Decode::Value } else { Decode::Json };
    Some(Response { ty, decode })
}

#[cfg(test)]
mod tests {
    use crate::{Settings, generate_from_str};

    /// An operation that answers only with a redirect answers with the bytes it leads to; one
    /// that answers 200 as well keeps that type, and a redirect is no error type of either.
    #[test]
    fn an_operation_answered_only_by_a_redirect_returns_what_it_leads_to() {
        let doc = r##"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
            "/archive": {"get": {"operationId": "download", "responses": {
                "302": {"description": "to the file", "headers": {"Location": {"schema": {"type": "string"}}}},
                "404": {"description": "no", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}}}},
            "/asset": {"get": {"operationId": "asset", "responses": {
                "200": {"description": "the asset", "content": {"application/json": {"schema": {"type": "object", "properties": {"id": {"type": "integer"}}}}}},
                "302": {"description": "to the file", "content": {"application/json": {"schema": {"type": "object", "properties": {"url": {"type": "string"}}}}}}}}}
        }, "components": {"schemas": {"Problem": {"type": "object", "properties": {"message": {"type": "string"}}}}}}"##;
        let generated = generate_from_str("redirects.json", doc, &Settings::new()).unwrap();
        let code = generated.code();
        assert!(code.contains("Call<'_, ::gusset::Bytes, Problem>"), "{code}");
        assert!(code.contains("Call<'_, AssetResponse, ::gusset::__private::serde_json::Value>"), "{code}");
        assert!(!code.contains("AssetError"), "the 302's body is no error type: {code}");
        assert!(code.contains("/// The API answers with a redirect, which the client follows"), "{code}");
        assert_eq!(code.matches("answers with a redirect").count(), 1, "{code}");
    }
}
