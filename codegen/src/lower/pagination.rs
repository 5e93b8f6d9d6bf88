//! Which listing operations page, and how: read from the document alone, and only when both
//! halves are there, a query parameter the client sends and what the response gives back for it
//! (a `Link` header, a next-cursor or `has_more` field, an array of items to count). A setting
//! per operation (`Settings::pagination`) wins over what is found, or turns it off.
//!
//! No vendor extension for pagination (`x-pagination`, `x-ms-pageable`,
//! `x-speakeasy-pagination`, `x-stainless-pagination`, `x-fern-pagination`) occurs in the
//! documents this was built against, so only the conventions below are recognised.
//!
//! It runs on the finished types, after identical types are shared, so the item type it names is
//! the one the client has.

use std::collections::BTreeMap;

use openapiv3::{Operation as Op, Parameter, PathItem, SchemaKind, Type};

use super::Cx;
use super::refs::resolve;
use super::schema::resolve_schema;
use super::shape::SRef;
use crate::diagnostic::join;
use crate::ir::{CursorFrom, Decode, Location, Method, Next, Operation, Pagination, TypeDef, TypeKind, TypeRef};
use crate::settings::{Paging, Settings};

/// Cursor parameters, by normalised name (lowercase, no `_`, `-` or `.`).
const CURSOR_PARAMS: &[&str] = &[
    "cursor",
    "after",
    "pagetoken",
    "startingafter",
    "nexttoken",
    "nextcursor",
    "paginationtoken",
    "continuationtoken",
    "continuation",
    "marker",
    "pagecursor",
    "startcursor",
];
/// Fields that carry the next cursor.
const NEXT_FIELDS: &[&str] = &[
    "nextcursor",
    "nextpagetoken",
    "nexttoken",
    "nextmarker",
    "continuationtoken",
    "nextcontinuationtoken",
    "nextpagecursor",
    "endcursor",
    "nextpaginationtoken",
];
/// String fields that carry the next page's URL.
const NEXT_LINK_FIELDS: &[&str] = &["nextpageurl", "nextpageuri", "nextlink", "nexturl", "nexturi", "nextpagelink"];
const HAS_MORE_FIELDS: &[&str] = &["hasmore", "hasnextpage", "hasmoreitems"];
const OFFSET_PARAMS: &[&str] = &["offset", "skip"];
const PAGE_PARAMS: &[&str] = &["page", "pagenumber", "pageno", "pageindex"];
const SIZE_PARAMS: &[&str] =
    &["limit", "perpage", "pagesize", "size", "count", "maxresults", "top", "take", "pagelimit"];
/// Array fields that hold a page's items, most likely first.
const ITEM_FIELDS: &[&str] =
    &["data", "items", "results", "records", "entries", "values", "elements", "nodes", "list", "content", "objects"];

fn normal(name: &str) -> String {
    name.chars().filter(|c| !matches!(c, '_' | '-' | '.')).flat_map(char::to_lowercase).collect()
}

/// Settles the pagination of every operation, and adds a doc line to those that page. Returns
/// how many operations look like listings (GETs of JSON with an array of items), for reports.
pub(super) fn settle(cx: &mut Cx<'_>, settings: &Settings, types: &[TypeDef], operations: &mut [Operation]) -> usize {
    let types: BTreeMap<&str, &TypeDef> = types.iter().map(|t| (t.name.as_str(), t)).collect();
    let listings = operations
        .iter()
        .filter(|op| op.method == Method::Get && op.success.decode == Decode::Json)
        .filter(|op| items(&types, &op.success.ty).is_some())
        .count();
    for id in settings.pagination.keys() {
        if !operations.iter().any(|op| &op.id == id) {
            cx.warn("/paths", format!("a pagination setting names `{id}`, which is no operation of the document"));
        }
    }
    for op in operations.iter_mut() {
        let pointer = join(&join("/paths", &op.path), op.method.as_str());
        let found = match settings.pagination.get(&op.id) {
            Some(paging) => {
                let chosen = chosen(op, &types, paging);
                if chosen.is_none() && *paging != Paging::Off {
                    cx.warn(
                        pointer,
                        format!(
                            "the pagination setting of `{}` needs a json response with an array of items and the query parameters it names; the operation is not paginated",
                            op.id
                        ),
                    );
                }
                chosen
            }
            None => detect(cx, op, &types),
        };
        if let Some(pagination) = &found {
            op.docs.lines.push(String::new());
            op.docs.lines.push(format!(
                "A listing ({}): `.await` gives the first page; `.pages()` and `.items()` stream every page and every item.",
                describe(pagination)
            ));
        }
        op.pagination = found;
    }
    listings
}

fn describe(p: &Pagination) -> String {
    let code = |text: &str| super::code_line(text);
    match &p.next {
        Next::Link => "by `Link` headers".to_owned(),
        Next::BodyLink(field) => format!("by the link at {}", code(field)),
        Next::Cursor { param, from: CursorFrom::Field(field), .. } => {
            format!("the cursor {} from {}", code(param), code(field))
        }
        Next::Cursor { param, from: CursorFrom::LastItem(id), .. } => {
            format!("{} the last item's {} while `has_more`", code(param), code(id))
        }
        Next::Offset { param, .. } => format!("by the offset {}", code(param)),
        Next::Page { param, .. } => format!("by the page number {}", code(param)),
    }
}

/// The query parameters of an operation: normalised name → (wire name, type).
fn query_params(op: &Operation) -> Vec<(String, &str, &TypeRef)> {
    op.params
        .iter()
        .chain(op.optional.iter().flat_map(|o| &o.params))
        .filter(|p| p.location == Location::Query)
        .map(|p| (normal(&p.wire), p.wire.as_str(), &p.ty))
        .collect()
}

fn find_param<'p>(params: &'p [(String, &'p str, &'p TypeRef)], names: &[&str], integer: bool) -> Option<&'p str> {
    names.iter().find_map(|name| {
        params.iter().find(|(n, _, ty)| n == name && (!integer || is_integer(ty))).map(|(_, wire, _)| *wire)
    })
}

fn is_integer(ty: &TypeRef) -> bool {
    matches!(ty, TypeRef::I32 | TypeRef::I64 | TypeRef::U32 | TypeRef::U64)
}

/// A type through aliases, options and boxes.
fn resolve_type<'t>(types: &BTreeMap<&str, &'t TypeDef>, mut ty: &'t TypeRef) -> Option<&'t TypeRef> {
    for _ in 0..16 {
        match ty {
            TypeRef::Option(inner) | TypeRef::Box(inner) => ty = inner,
            TypeRef::Named(name) => match &types.get(name.as_str())?.kind {
                TypeKind::Alias(inner) | TypeKind::Newtype(inner) => ty = inner,
                TypeKind::Struct(_) | TypeKind::Enum(_) | TypeKind::Union(_) => return Some(ty),
            },
            other => return Some(other),
        }
    }
    None
}

fn fields<'t>(types: &BTreeMap<&str, &'t TypeDef>, ty: &'t TypeRef) -> &'t [crate::ir::Field] {
    match resolve_type(types, ty) {
        Some(TypeRef::Named(name)) => match types.get(name.as_str()).map(|t| &t.kind) {
            Some(TypeKind::Struct(s)) => &s.fields,
            _ => &[],
        },
        _ => &[],
    }
}

/// Where a page's items are: the body when it is an array, else its likeliest array field.
fn items(types: &BTreeMap<&str, &TypeDef>, body: &TypeRef) -> Option<(String, TypeRef)> {
    if let Some(TypeRef::Vec(item)) = resolve_type(types, body) {
        return Some((String::new(), (**item).clone()));
    }
    let arrays: Vec<(&crate::ir::Field, &TypeRef)> = fields(types, body)
        .iter()
        .filter_map(|f| match resolve_type(types, &f.ty) {
            Some(TypeRef::Vec(item)) => Some((f, &**item)),
            _ => None,
        })
        .collect();
    let chosen = ITEM_FIELDS
        .iter()
        .find_map(|name| arrays.iter().find(|(f, _)| normal(&f.wire) == *name))
        .or(if arrays.len() == 1 { arrays.first() } else { None })?;
    Some((join("", &chosen.0.wire), chosen.1.clone()))
}

/// The shallowest field (up to three objects deep) whose normalised name is one of `names` and
/// whose type passes `accept`, as a JSON pointer.
fn find_field(
    types: &BTreeMap<&str, &TypeDef>,
    body: &TypeRef,
    accept: impl Fn(&str, &TypeRef) -> bool,
) -> Option<String> {
    let mut level: Vec<(String, &TypeRef)> = vec![(String::new(), body)];
    for _ in 0..3 {
        let mut deeper = Vec::new();
        for (pointer, ty) in &level {
            for field in fields(types, ty) {
                let at = join(pointer, &field.wire);
                let Some(resolved) = resolve_type(types, &field.ty) else { continue };
                if accept(&normal(&field.wire), resolved) {
                    return Some(at);
                }
                deeper.push((at, &field.ty));
            }
        }
        level = deeper;
    }
    None
}

fn is_cursor_type(ty: &TypeRef) -> bool {
    matches!(ty, TypeRef::String) || is_integer(ty)
}

/// What the document suggests.
fn detect(cx: &Cx<'_>, op: &Operation, types: &BTreeMap<&str, &TypeDef>) -> Option<Pagination> {
    if op.method != Method::Get || op.success.decode != Decode::Json {
        return None;
    }
    let params = query_params(op);
    let (items, item) = items(types, &op.success.ty)?;
    let pagination = |next| Some(Pagination { next, items: items.clone(), item: item.clone() });
    let paging_param = [CURSOR_PARAMS, OFFSET_PARAMS, PAGE_PARAMS, SIZE_PARAMS]
        .iter()
        .any(|names| find_param(&params, names, false).is_some());
    let doc_op = doc_operation(cx, op);
    if paging_param && doc_op.is_some_and(|(_, o)| has_link_header(cx, o)) {
        return pagination(Next::Link);
    }
    let body = &op.success.ty;
    let has_more = find_field(types, body, |name, ty| HAS_MORE_FIELDS.contains(&name) && *ty == TypeRef::Bool);
    if let Some(param) = find_param(&params, CURSOR_PARAMS, false) {
        // The cursor field, or a field named like the parameter under a `next` object
        // (`paging.next.after`).
        let next =
            find_field(types, body, |name, ty| NEXT_FIELDS.contains(&name) && is_cursor_type(ty)).or_else(|| {
                let wanted = normal(param);
                find_field(types, body, |name, ty| name == wanted && is_cursor_type(ty))
                    .filter(|pointer| pointer.rsplit('/').nth(1).is_some_and(|parent| normal(parent) == "next"))
            });
        if let Some(next) = next {
            return pagination(Next::Cursor { param: param.to_owned(), from: CursorFrom::Field(next), has_more });
        }
    }
    if paging_param
        && let Some(link) =
            find_field(types, body, |name, ty| NEXT_LINK_FIELDS.contains(&name) && *ty == TypeRef::String)
    {
        return pagination(Next::BodyLink(link));
    }
    if let Some(param) = find_param(&params, CURSOR_PARAMS, false) {
        let item_has_id = fields(types, &item)
            .iter()
            .any(|f| f.wire == "id" && resolve_type(types, &f.ty).is_some_and(is_cursor_type));
        if has_more.is_some() && item_has_id {
            let from = CursorFrom::LastItem("/id".to_owned());
            return pagination(Next::Cursor { param: param.to_owned(), from, has_more });
        }
    }
    let size = find_param(&params, SIZE_PARAMS, true).map(str::to_owned);
    if let Some(param) = find_param(&params, OFFSET_PARAMS, true)
        && size.is_some()
    {
        return pagination(Next::Offset { param: param.to_owned(), limit: size });
    }
    if let Some(param) = find_param(&params, PAGE_PARAMS, true) {
        let first = doc_op.and_then(|(item, o)| first_page(cx, item, o, param)).unwrap_or(1);
        return pagination(Next::Page { param: param.to_owned(), first, size });
    }
    None
}

/// What a setting asks for, where the operation has what it needs.
fn chosen(op: &Operation, types: &BTreeMap<&str, &TypeDef>, paging: &Paging) -> Option<Pagination> {
    if op.success.decode != Decode::Json {
        return None;
    }
    let params = query_params(op);
    let has = |wire: &str| params.iter().any(|(_, w, _)| *w == wire);
    let (items, item) = items(types, &op.success.ty)?;
    let next = match paging {
        Paging::Off => return None,
        Paging::Link => Next::Link,
        Paging::BodyLink { next } => Next::BodyLink(next.clone()),
        Paging::Cursor { param, next } if has(param) => {
            Next::Cursor { param: param.clone(), from: CursorFrom::Field(next.clone()), has_more: None }
        }
        Paging::HasMore { param, has_more, id } if has(param) => Next::Cursor {
            param: param.clone(),
            from: CursorFrom::LastItem(id.clone()),
            has_more: Some(has_more.clone()),
        },
        Paging::Offset { param, limit } if has(param) && limit.as_deref().is_none_or(has) => {
            Next::Offset { param: param.clone(), limit: limit.clone() }
        }
        Paging::Page { param, first, size } if has(param) && size.as_deref().is_none_or(has) => {
            Next::Page { param: param.clone(), first: *first, size: size.clone() }
        }
        _ => return None,
    };
    Some(Pagination { next, items, item })
}

/// The operation in the document, with the path item its parameters may come from.
fn doc_operation<'a>(cx: &Cx<'a>, op: &Operation) -> Option<(&'a PathItem, &'a Op)> {
    let item = cx.doc.paths.paths.get(&op.path)?;
    let item = resolve(cx, item, "").ok()?.item;
    let found = match op.method {
        Method::Get => &item.get,
        Method::Put => &item.put,
        Method::Post => &item.post,
        Method::Delete => &item.delete,
        Method::Options => &item.options,
        Method::Head => &item.head,
        Method::Patch => &item.patch,
        Method::Trace => &item.trace,
    };
    found.as_ref().map(|o| (item, o))
}

/// Whether a success response declares a `Link` header.
fn has_link_header(cx: &Cx<'_>, op: &Op) -> bool {
    op.responses.responses.iter().any(|(status, response)| {
        let success = match status {
            openapiv3::StatusCode::Code(c) => (200..300).contains(c),
            openapiv3::StatusCode::Range(r) => *r == 2,
        };
        success
            && resolve(cx, response, "")
                .is_ok_and(|r| r.item.headers.keys().any(|name| name.eq_ignore_ascii_case("link")))
    })
}

/// The page a listing starts at when the caller does not say: the parameter's default, else its
/// minimum (0 for zero-based pages).
fn first_page(cx: &Cx<'_>, item: &PathItem, op: &Op, wire: &str) -> Option<u64> {
    for p in op.parameters.iter().chain(item.parameters.iter()) {
        let Ok(resolved) = resolve(cx, p, "") else { continue };
        let Parameter::Query { parameter_data, .. } = resolved.item else { continue };
        if parameter_data.name != wire {
            continue;
        }
        let openapiv3::ParameterSchemaOrContent::Schema(schema) = &parameter_data.format else { return None };
        let schema = resolve_schema(cx, SRef::from(schema))?;
        if let Some(default) = schema.schema_data.default.as_ref().and_then(serde_json::Value::as_u64) {
            return Some(default);
        }
        return match &schema.schema_kind {
            SchemaKind::Type(Type::Integer(i)) => i.minimum.and_then(|m| u64::try_from(m).ok()),
            _ => None,
        };
    }
    None
}
