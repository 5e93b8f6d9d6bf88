//! Objects: properties to fields (required or `Option`), `additionalProperties`
//! to a flattened map, and `allOf` merged into one struct.

use indexmap::IndexMap;
use openapiv3::{AdditionalProperties, ReferenceOr, Schema, SchemaKind};

use super::schema::{lower_use, resolve_schema, strip_option};
use super::shape::{SRef, Shape, is_annotation, shape};
use super::{Cx, docs};
use crate::diagnostic::join;
use crate::fidelity::{Category, Cause};
use crate::ir::{Field, Struct, TypeRef};
use crate::naming::{self, Namespace};

/// Properties, the names they require, and the pointer of the schema that
/// holds them.
pub(crate) type PropertySet<'a> = (&'a IndexMap<String, ReferenceOr<Box<Schema>>>, &'a [String], String);

/// Builds a struct from one or more property sets (several for `allOf`).
pub(crate) fn lower_struct<'a>(
    cx: &mut Cx<'a>,
    name: &str,
    sets: &[PropertySet<'a>],
    additional: Option<&'a AdditionalProperties>,
    pointer: &str,
) -> Struct {
    let mut names = Namespace::default();
    let mut fields: Vec<Field> = Vec::new();
    let required: Vec<&String> = sets.iter().flat_map(|(_, r, _)| r.iter()).collect();
    for (properties, _, set_pointer) in sets {
        for (wire, property) in properties.iter() {
            // A later part of an `allOf` restating a property replaces it.
            if let Some(i) = fields.iter().position(|f| &f.wire == wire) {
                fields.remove(i);
            }
            let property_pointer = join(&join(set_pointer, "properties"), wire);
            let context = format!("{name}{}", naming::type_name(wire));
            let ty = lower_use(cx, SRef::from(property), &context, &property_pointer);
            // Docs and flags come from the property itself; a `$ref`'d type
            // documents itself.
            let item = match SRef::from(property) {
                SRef::Item(s) => Some(s),
                SRef::Ref(_) => None,
            };
            let (data_docs, deprecated) = match item {
                Some(s) => {
                    let d = &s.schema_data;
                    // The value as code: a backtick in it cannot end the span.
                    let default =
                        d.default.as_ref().map(|v| format!("Defaults to {}.", super::code_line(&v.to_string())));
                    (
                        docs(&[d.title.as_deref(), d.description.as_deref(), default.as_deref()]),
                        super::deprecation::note(d.deprecated, d.description.as_deref(), &d.extensions),
                    )
                }
                None => (Default::default(), None),
            };
            // A required read-only property is required in responses only, a write-only one in
            // requests only (OpenAPI 3.0, Schema Object `readOnly`), and one struct serves both
            // directions, so neither is required of the other. The flag may sit on the schema a
            // `$ref` names (`id: {$ref: '#/components/schemas/identifier'}`, whose schema says
            // `readOnly`): without it a typed create call would need the server's own id.
            let read_or_write_only = super::schema::resolve_schema(cx, SRef::from(property))
                .is_some_and(|s| s.schema_data.read_only || s.schema_data.write_only);
            let is_required = required.contains(&wire) && !read_or_write_only;
            let (ty, skip_if_none) = if is_required { (ty, false) } else { (ty.option(), true) };
            fields.push(Field {
                name: String::new(),
                wire: wire.clone(),
                ty,
                skip_if_none,
                docs: super::deprecation::with_dates(data_docs, deprecated.as_ref()),
                deprecated: deprecated.map(|d| d.note),
                null_when_missing: false,
            });
        }
    }
    let additional = match additional {
        Some(AdditionalProperties::Schema(value)) => {
            let value_pointer = join(pointer, "additionalProperties");
            Some(lower_use(cx, SRef::from(value.as_ref()), &format!("{name}Value"), &value_pointer))
        }
        _ => None,
    };
    // A name in `required` with no property is still a field the server
    // requires: typed by `additionalProperties` when there is one, else any value.
    for (set_pointer, i, wire) in sets.iter().flat_map(|(_, r, p)| r.iter().enumerate().map(move |(i, w)| (p, i, w))) {
        if fields.iter().any(|f| &f.wire == wire) {
            continue;
        }
        let required_pointer = join(&join(set_pointer, "required"), &i.to_string());
        let (ty, typed_as, null_when_missing) = match &additional {
            Some(ty) => (strip_option(ty.clone()), "the `additionalProperties` schema", false),
            None => {
                cx.note(Category::FreeForm, &required_pointer, Cause::RequiredWithoutProperty);
                (TypeRef::Value, "`serde_json::Value` (`null` when a response leaves it out)", true)
            }
        };
        cx.warn(
            &required_pointer,
            format!("`{wire}` is required but has no property; it is a required field typed as {typed_as}"),
        );
        fields.push(Field {
            name: String::new(),
            wire: wire.clone(),
            ty,
            skip_if_none: false,
            docs: docs(&[Some(if null_when_missing {
                "Required by the document, which does not describe it further; `null` when a response leaves it out."
            } else {
                "Required by the document, which does not describe it further."
            })]),
            deprecated: None,
            null_when_missing,
        });
    }
    for field in &mut fields {
        field.name = names.claim(naming::field_name(&field.wire));
    }
    let additional = additional.map(|value| (names.claim("additional_properties".to_string()), value));
    let default = fields.iter().all(|f| f.ty.is_optional());
    Struct { fields, additional, default }
}

pub(crate) enum Merged<'a> {
    /// Property sets to merge, and the references whose schemas they copy.
    Object(Vec<PropertySet<'a>>, Option<&'a AdditionalProperties>, Vec<&'a str>),
    Single(SRef<'a>, String),
    Untyped,
}

/// Merges the parts of `schema`'s `allOf`: object parts become one property
/// list; parts that only annotate (a description, `nullable`) are ignored.
/// Properties and `required` beside the `allOf` (Cloudflare's create
/// bodies: `allOf: [{$ref: config}]` with the write-only `password` beside
/// it) are one more part, as JSON Schema reads them, and the last: they
/// restate a property of the parts more precisely.
pub(crate) fn merge_all_of<'a>(
    cx: &mut Cx<'a>,
    schema: &'a Schema,
    parts: &'a [ReferenceOr<Schema>],
    pointer: &str,
) -> Merged<'a> {
    let beside = match &schema.schema_kind {
        SchemaKind::Any(a) if !a.properties.is_empty() || !a.required.is_empty() => {
            Some((&a.properties, a.required.as_slice(), pointer.to_owned()))
        }
        _ => None,
    };
    // `allOf: [{$ref}]`, perhaps beside parts that only annotate, is how
    // documents put a description on a reference: it is that type, not a
    // copy of it. Copying would also re-lower the referenced schema's inline
    // parts for every such use, which on documents that use the pattern
    // everywhere (elasticsearch) grows without bound.
    let substantive: Vec<(usize, &'a ReferenceOr<Schema>)> = parts
        .iter()
        .enumerate()
        .filter(|(_, p)| !resolve_schema(cx, SRef::from(*p)).is_some_and(is_annotation))
        .collect();
    if let ([(i, part)], None) = (substantive.as_slice(), &beside) {
        return Merged::Single(SRef::from(*part), join(&join(pointer, "allOf"), &i.to_string()));
    }
    let mut refs: Vec<&'a str> = Vec::new();
    let mut objects: Vec<PropertySet<'a>> = Vec::new();
    let mut additional = None;
    let mut others: Vec<(SRef<'a>, String)> = Vec::new();
    let mut stack: Vec<(SRef<'a>, String)> = parts
        .iter()
        .enumerate()
        .rev()
        .map(|(i, p)| (SRef::from(p), join(&join(pointer, "allOf"), &i.to_string())))
        .collect();
    let mut budget = 256;
    while let Some((part, part_pointer)) = stack.pop() {
        budget -= 1;
        if budget == 0 {
            cx.fall_back(pointer, Cause::TooDeep, "`allOf` nests too deeply; typed as `serde_json::Value`");
            return Merged::Untyped;
        }
        if let SRef::Ref(reference) = part {
            refs.push(reference);
        }
        let Some(schema) = resolve_schema(cx, part) else {
            cx.fall_back(
                &part_pointer,
                Cause::UnresolvedRef,
                "`allOf` part does not resolve; typed as `serde_json::Value`",
            );
            return Merged::Untyped;
        };
        match shape(schema) {
            Shape::Object { properties, required, additional: extra } => {
                objects.push((properties, required, part_pointer));
                additional = additional.or(extra);
            }
            Shape::AllOf(inner) => {
                for (i, p) in inner.iter().enumerate().rev() {
                    stack.push((SRef::from(p), join(&join(&part_pointer, "allOf"), &i.to_string())));
                }
            }
            // A union of one is that one.
            Shape::OneOf([only]) | Shape::AnyOf([only]) => {
                let keyword = if matches!(shape(schema), Shape::OneOf(_)) { "oneOf" } else { "anyOf" };
                stack.push((SRef::from(only), join(&join(&part_pointer, keyword), "0")));
            }
            Shape::Any if is_annotation(schema) => {}
            // `required` alone: the names the other parts' properties must have here.
            Shape::Any
                if let SchemaKind::Any(a) = &schema.schema_kind
                    && !a.required.is_empty()
                    && a.typ.is_none() =>
            {
                objects.push((&a.properties, &a.required, part_pointer));
            }
            _ => others.push((part, part_pointer)),
        }
    }
    match beside {
        Some(set) if !objects.is_empty() || others.is_empty() => objects.push(set),
        // Beside a part that is no object (a union, say), the properties have nothing to join.
        Some(_) => {
            cx.warn(pointer, "the properties beside this `allOf` are left out: its part is not an object");
            cx.note(Category::Dropped, pointer, Cause::PropertiesBesideUnion);
        }
        None => {}
    }
    match (objects.is_empty(), others.len()) {
        (false, 0) => Merged::Object(objects, additional, refs),
        (true, 1) => {
            let (part, part_pointer) = others.remove(0);
            Merged::Single(part, part_pointer)
        }
        (true, _) if let Some(best) = most_precise(cx, &others) => {
            let (part, part_pointer) = others.swap_remove(best);
            Merged::Single(part, part_pointer)
        }
        (true, 0) => {
            cx.free_form(pointer, Cause::AnyValue);
            Merged::Untyped
        }
        _ => {
            cx.fall_back(
                pointer,
                Cause::AllOfConflict,
                "`allOf` mixes objects with other kinds of schema; typed as `serde_json::Value`",
            );
            Merged::Untyped
        }
    }
}

/// Among `allOf` parts that are all the same kind of value (strings, say,
/// one with `minLength` and one a `$ref` to a `format: uuid` string), the one
/// whose type says most: an enum, then a format, then a named type. The
/// others only add constraints a Rust type does not carry. `None` when the
/// parts are of different kinds.
fn most_precise<'a>(cx: &Cx<'a>, parts: &[(SRef<'a>, String)]) -> Option<usize> {
    let mut kinds = Vec::new();
    let mut scores = Vec::new();
    for (part, _) in parts {
        let schema = resolve_schema(cx, *part)?;
        let named = matches!(part, SRef::Ref(_));
        let (kind, score) = match shape(schema) {
            Shape::StringEnum(_) => ("string", 3),
            Shape::String(format) => ("string", if format.is_empty() { 0 } else { 2 }),
            // An integer is a number, and the more precise of the two.
            Shape::Integer(format) => ("number", if format.is_empty() { 1 } else { 2 }),
            Shape::Number(format) => ("number", if format.is_empty() { 0 } else { 1 }),
            Shape::Boolean => ("boolean", 0),
            Shape::Array(items) => ("array", usize::from(items.is_some()) * 2),
            _ => return None,
        };
        kinds.push(kind);
        scores.push(score * 2 + usize::from(named));
    }
    if kinds.windows(2).any(|w| w[0] != w[1]) {
        return None;
    }
    // The first of the best, so the choice follows the document's order.
    let best = scores.iter().copied().max()?;
    scores.iter().position(|&s| s == best)
}

/// Lowers the struct an `allOf` merges into, unless that would copy a
/// schema into itself: a schema whose `allOf` reaches back to a schema being
/// merged would otherwise be copied without end. `None` then, with a warning.
pub(crate) fn lower_merged<'a>(
    cx: &mut Cx<'a>,
    name: &str,
    objects: &[PropertySet<'a>],
    additional: Option<&'a AdditionalProperties>,
    refs: &[&'a str],
    pointer: &str,
) -> Option<Struct> {
    if let Some(cycle) = refs.iter().find(|r| cx.merging.contains(r)) {
        cx.fall_back(
            pointer,
            Cause::AllOfCycle,
            format!("`allOf` merges `{cycle}` into itself; typed as `serde_json::Value`"),
        );
        return None;
    }
    let mark = cx.merging.len();
    cx.merging.extend_from_slice(refs);
    let def = lower_struct(cx, name, objects, additional, pointer);
    cx.merging.truncate(mark);
    Some(def)
}
