//! Schemas to types.
//!
//! Component schemas become named types under names assigned before any
//! schema is lowered, so `$ref`s (forward or circular) are just names. Inline
//! schemas that need a type of their own (objects, string enums, unions) are
//! named from their context (`Order` + `shipping_address` →
//! `OrderShippingAddress`). Anything that cannot be typed precisely becomes
//! `serde_json::Value` with a warning that names its pointer.

use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, IntegerFormat, NumberFormat, ReferenceOr, Schema, SchemaData, SchemaKind, StringFormat, Type,
    VariantOrUnknownOrEmpty,
};

use super::{Cx, docs};
use crate::diagnostic::{join, split};
use crate::fidelity::{Category, Cause};
use crate::ir::{
    Directions, Docs, Field, StringEnum, Struct, TypeDef, TypeKind, TypeRef, Union, UnionVariant, Variant,
};
use crate::naming::{self, Namespace};

/// A schema or a reference to one, whichever box it came in.
#[derive(Clone, Copy)]
pub(crate) enum SRef<'a> {
    Ref(&'a str),
    Item(&'a Schema),
}

impl<'a> From<&'a ReferenceOr<Schema>> for SRef<'a> {
    fn from(r: &'a ReferenceOr<Schema>) -> Self {
        match r {
            ReferenceOr::Reference { reference } => SRef::Ref(reference),
            ReferenceOr::Item(s) => SRef::Item(s),
        }
    }
}

impl<'a> From<&'a ReferenceOr<Box<Schema>>> for SRef<'a> {
    fn from(r: &'a ReferenceOr<Box<Schema>>) -> Self {
        match r {
            ReferenceOr::Reference { reference } => SRef::Ref(reference),
            ReferenceOr::Item(s) => SRef::Item(s),
        }
    }
}

/// What a schema is, whatever way the document spelled it.
enum Shape<'a> {
    Object {
        properties: &'a IndexMap<String, ReferenceOr<Box<Schema>>>,
        required: &'a [String],
        additional: Option<&'a AdditionalProperties>,
    },
    StringEnum(Vec<&'a str>),
    String(&'a str),
    Integer(&'a str),
    Number(&'a str),
    Boolean,
    Array(Option<SRef<'a>>),
    OneOf(&'a [ReferenceOr<Schema>]),
    AnyOf(&'a [ReferenceOr<Schema>]),
    AllOf(&'a [ReferenceOr<Schema>]),
    Null,
    Any,
}

fn format_of<T: std::fmt::Debug>(f: &VariantOrUnknownOrEmpty<T>, known: impl Fn(&T) -> &'static str) -> &str {
    match f {
        VariantOrUnknownOrEmpty::Item(t) => known(t),
        VariantOrUnknownOrEmpty::Unknown(s) => s.as_str(),
        VariantOrUnknownOrEmpty::Empty => "",
    }
}

fn shape(schema: &Schema) -> Shape<'_> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(o)) => Shape::Object {
            properties: &o.properties,
            required: &o.required,
            additional: o.additional_properties.as_ref(),
        },
        SchemaKind::Type(Type::String(s)) => {
            let values: Vec<&str> = s.enumeration.iter().flatten().map(String::as_str).collect();
            if values.is_empty() {
                Shape::String(format_of(&s.format, |f| match f {
                    StringFormat::Date => "date",
                    StringFormat::DateTime => "date-time",
                    StringFormat::Password => "password",
                    StringFormat::Byte => "byte",
                    StringFormat::Binary => "binary",
                }))
            } else {
                Shape::StringEnum(values)
            }
        }
        SchemaKind::Type(Type::Integer(i)) => Shape::Integer(format_of(&i.format, |f| match f {
            IntegerFormat::Int32 => "int32",
            IntegerFormat::Int64 => "int64",
        })),
        SchemaKind::Type(Type::Number(n)) => Shape::Number(format_of(&n.format, |f| match f {
            NumberFormat::Float => "float",
            NumberFormat::Double => "double",
        })),
        SchemaKind::Type(Type::Boolean(_)) => Shape::Boolean,
        SchemaKind::Type(Type::Array(a)) => Shape::Array(a.items.as_ref().map(SRef::from)),
        SchemaKind::OneOf { one_of } => Shape::OneOf(one_of),
        SchemaKind::AnyOf { any_of } => Shape::AnyOf(any_of),
        SchemaKind::AllOf { all_of } => Shape::AllOf(all_of),
        SchemaKind::Not { .. } => Shape::Any,
        SchemaKind::Any(a) => {
            if !a.all_of.is_empty() {
                Shape::AllOf(&a.all_of)
            } else if !a.properties.is_empty() || a.typ.as_deref() == Some("object") {
                Shape::Object {
                    properties: &a.properties,
                    required: &a.required,
                    additional: a.additional_properties.as_ref(),
                }
            } else if !a.one_of.is_empty() {
                Shape::OneOf(&a.one_of)
            } else if !a.any_of.is_empty() {
                Shape::AnyOf(&a.any_of)
            } else if a.items.is_some() || a.typ.as_deref() == Some("array") {
                Shape::Array(a.items.as_ref().map(SRef::from))
            } else if a.additional_properties.is_some() {
                Shape::Object {
                    properties: &a.properties,
                    required: &a.required,
                    additional: a.additional_properties.as_ref(),
                }
            } else {
                match a.typ.as_deref() {
                    Some("string") => {
                        let values: Vec<&str> = a.enumeration.iter().filter_map(|v| v.as_str()).collect();
                        if values.is_empty() {
                            Shape::String(a.format.as_deref().unwrap_or(""))
                        } else {
                            Shape::StringEnum(values)
                        }
                    }
                    Some("integer") => Shape::Integer(a.format.as_deref().unwrap_or("")),
                    Some("number") => Shape::Number(a.format.as_deref().unwrap_or("")),
                    Some("boolean") => Shape::Boolean,
                    Some("null") => Shape::Null,
                    _ => Shape::Any,
                }
            }
        }
    }
}

/// Whether a schema is only `null` (a member of a `oneOf` that makes it nullable).
fn is_null(cx: &Cx<'_>, s: SRef<'_>) -> bool {
    match resolve(cx, s) {
        Some((schema, _)) => matches!(shape(schema), Shape::Null),
        None => false,
    }
}

/// Follows references to the schema they name, with the component name when
/// the last hop was a component. `None` when a reference does not resolve.
pub(crate) fn resolve<'a>(cx: &Cx<'a>, mut s: SRef<'a>) -> Option<(&'a Schema, Option<&'a str>)> {
    let mut component = None;
    // Bounded: a chain of references longer than this is a cycle.
    for _ in 0..32 {
        match s {
            SRef::Item(schema) => return Some((schema, component)),
            SRef::Ref(reference) => {
                let (next, name) = lookup(cx, reference)?;
                component = name;
                s = next;
            }
        }
    }
    None
}

/// Finds what a local `$ref` points at inside `components/schemas`.
fn lookup<'a>(cx: &Cx<'a>, reference: &str) -> Option<(SRef<'a>, Option<&'a str>)> {
    let pointer = reference.strip_prefix('#')?;
    let tokens = split(pointer);
    let schemas = &cx.doc.components.as_ref()?.schemas;
    match tokens.as_slice() {
        [c, s, name] if c == "components" && s == "schemas" => {
            let (key, value) = schemas.get_key_value(name.as_str())?;
            Some((SRef::from(value), Some(key.as_str())))
        }
        [c, s, name, rest @ ..] if c == "components" && s == "schemas" => {
            let mut current = SRef::from(schemas.get(name.as_str())?);
            let mut i = 0;
            while i < rest.len() {
                let SRef::Item(schema) = current else {
                    let (schema, _) = resolve(cx, current)?;
                    current = SRef::Item(schema);
                    continue;
                };
                current = step(schema, &rest[i], rest.get(i + 1))?;
                i += if matches!(rest[i].as_str(), "properties" | "allOf" | "oneOf" | "anyOf") { 2 } else { 1 };
            }
            Some((current, None))
        }
        _ => None,
    }
}

/// One step down a schema by pointer tokens.
fn step<'a>(schema: &'a Schema, token: &str, next: Option<&String>) -> Option<SRef<'a>> {
    let index = || next.and_then(|n| n.parse::<usize>().ok());
    match (&schema.schema_kind, token) {
        (SchemaKind::Type(Type::Object(o)), "properties") => o.properties.get(next?.as_str()).map(SRef::from),
        (SchemaKind::Any(a), "properties") => a.properties.get(next?.as_str()).map(SRef::from),
        (SchemaKind::Type(Type::Array(a)), "items") => a.items.as_ref().map(SRef::from),
        (SchemaKind::Any(a), "items") => a.items.as_ref().map(SRef::from),
        (SchemaKind::Type(Type::Object(o)), "additionalProperties") => match o.additional_properties.as_ref()? {
            AdditionalProperties::Schema(s) => Some(SRef::from(s.as_ref())),
            AdditionalProperties::Any(_) => None,
        },
        (SchemaKind::AllOf { all_of: v }, "allOf")
        | (SchemaKind::OneOf { one_of: v }, "oneOf")
        | (SchemaKind::AnyOf { any_of: v }, "anyOf") => v.get(index()?).map(SRef::from),
        (SchemaKind::Any(a), "allOf") => a.all_of.get(index()?).map(SRef::from),
        (SchemaKind::Any(a), "oneOf") => a.one_of.get(index()?).map(SRef::from),
        (SchemaKind::Any(a), "anyOf") => a.any_of.get(index()?).map(SRef::from),
        _ => None,
    }
}

pub(super) fn lower_components<'a>(cx: &mut Cx<'a>) {
    let doc = cx.doc;
    let Some(components) = &doc.components else { return };
    let mut entries: Vec<(&String, &ReferenceOr<Schema>)> = components.schemas.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    for (name, schema) in entries {
        let Some(type_name) = cx.components.get(name).cloned() else { continue };
        let pointer = join("/components/schemas", name);
        define(cx, type_name, SRef::from(schema), &pointer);
    }
}

/// Lowers `s` as the definition of the named type `name` (already claimed).
fn define<'a>(cx: &mut Cx<'a>, name: String, s: SRef<'a>, pointer: &str) {
    let SRef::Item(schema) = s else {
        let ty = lower_use(cx, s, &name, pointer);
        let ty = strip_option(ty);
        insert(cx, name, None, TypeKind::Alias(ty), pointer);
        return;
    };
    let data = &schema.schema_data;
    let kind =
        match shape(schema) {
            Shape::Object { properties, required, additional } if !properties.is_empty() => TypeKind::Struct(
                lower_struct(cx, &name, &[(properties, required, pointer.to_string())], additional, pointer),
            ),
            Shape::StringEnum(values) => TypeKind::Enum(lower_enum(&values)),
            Shape::OneOf(members) | Shape::AnyOf(members) => match lower_union(cx, &name, members, schema, pointer) {
                Ok((union, _)) => TypeKind::Union(union),
                Err(ty) => TypeKind::Alias(strip_option(ty)),
            },
            Shape::AllOf(parts) => match merge_all_of(cx, parts, pointer) {
                Merged::Object(objects, additional, refs) => {
                    match lower_merged(cx, &name, &objects, additional, &refs, pointer) {
                        Some(def) => TypeKind::Struct(def),
                        None => TypeKind::Alias(TypeRef::Value),
                    }
                }
                Merged::Single(part, part_pointer) => {
                    TypeKind::Alias(strip_option(lower_use(cx, part, &name, &part_pointer)))
                }
                Merged::Untyped => TypeKind::Alias(TypeRef::Value),
            },
            _ => {
                // Arrays, maps, primitives: an alias to the inline type, whose own
                // inline parts are named after this one.
                let ty = lower_item(cx, schema, &name, pointer);
                TypeKind::Alias(strip_option(ty))
            }
        };
    insert(cx, name, Some(data), kind, pointer);
}

/// Records the type `name` defined at `pointer`, documented and deprecated
/// as its schema says.
fn insert(cx: &mut Cx<'_>, name: String, data: Option<&SchemaData>, kind: TypeKind, pointer: &str) {
    let docs = data.map(|d| docs(&[d.title.as_deref(), d.description.as_deref()])).unwrap_or_default();
    let deprecated = data.is_some_and(|d| d.deprecated);
    cx.type_pointers.insert(name.clone(), pointer.to_owned());
    cx.types.insert(name.clone(), TypeDef { name, docs, deprecated, kind, serde: Directions::BOTH });
}

fn strip_option(ty: TypeRef) -> TypeRef {
    match ty {
        TypeRef::Option(inner) => *inner,
        other => other,
    }
}

/// The type of a use of a schema (a field, an item, a parameter, a body).
/// `context` names any type created for it; nullable schemas come back
/// wrapped in `Option`.
pub(crate) fn lower_use<'a>(cx: &mut Cx<'a>, s: SRef<'a>, context: &str, pointer: &str) -> TypeRef {
    // Inline schemas nest only as deep as the document, but references into
    // the middle of schemas can loop back on themselves: bound the depth.
    if cx.depth >= MAX_DEPTH {
        cx.fall_back(
            pointer,
            Cause::TooDeep,
            format!(
                "schema nests more than {MAX_DEPTH} levels deep (a reference cycle?); typed as `serde_json::Value`"
            ),
        );
        return TypeRef::Value;
    }
    cx.depth += 1;
    let ty = match s {
        SRef::Ref(reference) => lower_ref(cx, reference, context, pointer),
        SRef::Item(schema) => lower_item(cx, schema, context, pointer),
    };
    cx.depth -= 1;
    ty
}

/// How deep inline schemas may nest before lowering gives up on them.
const MAX_DEPTH: usize = 48;

fn lower_ref<'a>(cx: &mut Cx<'a>, reference: &str, context: &str, pointer: &str) -> TypeRef {
    let Some((target, component)) = lookup(cx, reference) else {
        cx.fall_back(
            join(pointer, "$ref"),
            Cause::UnresolvedRef,
            format!("reference `{reference}` does not name a schema; typed as `serde_json::Value`"),
        );
        return TypeRef::Value;
    };
    if let Some(component) = component {
        let Some(name) = cx.components.get(component).cloned() else {
            cx.note(Category::Fallback, join(pointer, "$ref"), Cause::UnresolvedRef);
            return TypeRef::Value;
        };
        let nullable = resolve(cx, target).is_some_and(|(s, _)| s.schema_data.nullable);
        let ty = TypeRef::Named(name);
        return if nullable { ty.option() } else { ty };
    }
    // A reference into the middle of a schema: lowered once, in place, and
    // remembered. Without the memo, documents that point into the middle of
    // schemas which point back (elasticsearch does) re-lower the same
    // subtree exponentially often; the placeholder breaks cycles.
    if let Some(done) = cx.inline_refs.get(reference) {
        return done.clone();
    }
    cx.inline_refs.insert(reference.to_string(), TypeRef::Value);
    let tokens = split(reference.trim_start_matches('#'));
    let last = tokens.last().cloned().unwrap_or_default();
    let context = format!("{context}{}", naming::type_name(&last));
    let ty = match target {
        SRef::Item(schema) => lower_item(cx, schema, &context, reference.trim_start_matches('#')),
        SRef::Ref(next) => lower_use(cx, SRef::Ref(next), &context, pointer),
    };
    cx.inline_refs.insert(reference.to_string(), ty.clone());
    ty
}

fn lower_item<'a>(cx: &mut Cx<'a>, schema: &'a Schema, context: &str, pointer: &str) -> TypeRef {
    let nullable = schema.schema_data.nullable;
    let ty = match shape(schema) {
        Shape::Object { properties, required, additional } => {
            if properties.is_empty() {
                match additional {
                    Some(AdditionalProperties::Schema(value)) => {
                        let value_pointer = join(pointer, "additionalProperties");
                        let value =
                            lower_use(cx, SRef::from(value.as_ref()), &format!("{context}Value"), &value_pointer);
                        TypeRef::Map(Box::new(value))
                    }
                    Some(AdditionalProperties::Any(false)) => TypeRef::Object,
                    _ => {
                        cx.free_form(pointer, Cause::AnyObject);
                        TypeRef::Object
                    }
                }
            } else {
                let name = cx.names.claim(naming::type_name(context));
                let def = lower_struct(cx, &name, &[(properties, required, pointer.to_string())], additional, pointer);
                let data = &schema.schema_data;
                insert(cx, name.clone(), Some(data), TypeKind::Struct(def), pointer);
                TypeRef::Named(name)
            }
        }
        Shape::StringEnum(values) => {
            let name = cx.names.claim(naming::type_name(context));
            let data = &schema.schema_data;
            insert(cx, name.clone(), Some(data), TypeKind::Enum(lower_enum(&values)), pointer);
            TypeRef::Named(name)
        }
        Shape::String(format) => string_type(format),
        Shape::Integer(format) => match format {
            "int32" | "int16" | "int8" => TypeRef::I32,
            "uint32" | "uint16" | "uint8" => TypeRef::U32,
            "uint64" | "uint" => TypeRef::U64,
            _ => TypeRef::I64,
        },
        Shape::Number(format) => match format {
            "float" => TypeRef::F32,
            _ => TypeRef::F64,
        },
        Shape::Boolean => TypeRef::Bool,
        Shape::Array(items) => {
            let item = match items {
                Some(items) => lower_use(cx, items, &format!("{context}Item"), &join(pointer, "items")),
                None => {
                    cx.free_form(pointer, Cause::AnyItems);
                    TypeRef::Value
                }
            };
            TypeRef::Vec(Box::new(item))
        }
        Shape::OneOf(members) | Shape::AnyOf(members) => {
            let name = naming::type_name(context);
            match lower_union(cx, &name, members, schema, pointer) {
                Ok((union, member_null)) => {
                    let name = cx.names.claim(name);
                    let data = &schema.schema_data;
                    insert(cx, name.clone(), Some(data), TypeKind::Union(union), pointer);
                    if member_null { TypeRef::Named(name).option() } else { TypeRef::Named(name) }
                }
                Err(ty) => ty,
            }
        }
        Shape::AllOf(parts) => match merge_all_of(cx, parts, pointer) {
            Merged::Object(objects, additional, refs) => {
                let name = cx.names.claim(naming::type_name(context));
                let Some(def) = lower_merged(cx, &name, &objects, additional, &refs, pointer) else {
                    return TypeRef::Value;
                };
                let data = &schema.schema_data;
                insert(cx, name.clone(), Some(data), TypeKind::Struct(def), pointer);
                TypeRef::Named(name)
            }
            Merged::Single(part, part_pointer) => lower_use(cx, part, context, &part_pointer),
            Merged::Untyped => TypeRef::Value,
        },
        Shape::Null => {
            cx.note(Category::Fallback, pointer, Cause::OnlyNull);
            TypeRef::Value
        }
        Shape::Any if matches!(schema.schema_kind, SchemaKind::Not { .. }) => {
            cx.note(Category::Fallback, pointer, Cause::Not);
            TypeRef::Value
        }
        Shape::Any => {
            cx.free_form(pointer, Cause::AnyValue);
            TypeRef::Value
        }
    };
    if nullable && ty != TypeRef::Value { ty.option() } else { ty }
}

fn string_type(format: &str) -> TypeRef {
    match format {
        "date-time" => TypeRef::DateTime,
        "date" => TypeRef::Date,
        "uuid" => TypeRef::Uuid,
        "byte" => TypeRef::Base64,
        _ => TypeRef::String,
    }
}

type PropertySet<'a> = (&'a IndexMap<String, ReferenceOr<Box<Schema>>>, &'a [String], String);

/// Builds a struct from one or more property sets (several for `allOf`).
fn lower_struct<'a>(
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
            let (data_docs, deprecated, read_or_write_only) = match item {
                Some(s) => {
                    let d = &s.schema_data;
                    let default = d.default.as_ref().map(|v| format!("Defaults to `{v}`."));
                    (
                        docs(&[d.title.as_deref(), d.description.as_deref(), default.as_deref()]),
                        d.deprecated,
                        d.read_only || d.write_only,
                    )
                }
                None => (Default::default(), false, false),
            };
            let is_required = required.contains(&wire) && !read_or_write_only;
            let (ty, skip_if_none) = if is_required { (ty, false) } else { (ty.option(), true) };
            fields.push(Field {
                name: String::new(),
                wire: wire.clone(),
                ty,
                skip_if_none,
                docs: data_docs,
                deprecated,
            });
        }
    }
    for (i, wire) in sets
        .iter()
        .flat_map(|(_, r, p)| r.iter().enumerate().map(move |(i, w)| (i, w, p)))
        .map(|(i, w, p)| (join(&join(p, "required"), &i.to_string()), w))
    {
        if !fields.iter().any(|f| &f.wire == wire) {
            cx.note(Category::Dropped, i, Cause::RequiredWithoutProperty);
        }
    }
    for field in &mut fields {
        field.name = names.claim(naming::field_name(&field.wire));
    }
    let additional = match additional {
        Some(AdditionalProperties::Schema(value)) => {
            let value_pointer = join(pointer, "additionalProperties");
            let value = lower_use(cx, SRef::from(value.as_ref()), &format!("{name}Value"), &value_pointer);
            let field = names.claim("additional_properties".to_string());
            Some((field, value))
        }
        _ => None,
    };
    let default = fields.iter().all(|f| f.ty.is_optional());
    Struct { fields, additional, default }
}

fn lower_enum(values: &[&str]) -> StringEnum {
    let mut names = Namespace::default();
    let mut variants = Vec::new();
    for value in values {
        if variants.iter().any(|v: &Variant| v.value == *value) {
            continue;
        }
        variants.push(Variant {
            name: names.claim(naming::variant_name(value)),
            value: value.to_string(),
            docs: Docs { lines: vec![super::code_line(value)] },
        });
    }
    StringEnum { variants, other: names.claim("UnknownValue".to_string()) }
}

enum Merged<'a> {
    /// Property sets to merge, and the references whose schemas they copy.
    Object(Vec<PropertySet<'a>>, Option<&'a AdditionalProperties>, Vec<&'a str>),
    Single(SRef<'a>, String),
    Untyped,
}

/// Merges the parts of an `allOf`: object parts become one property list;
/// parts that only annotate (a description, `nullable`) are ignored.
fn merge_all_of<'a>(cx: &mut Cx<'a>, parts: &'a [ReferenceOr<Schema>], pointer: &str) -> Merged<'a> {
    // `allOf: [{$ref}]`, perhaps beside parts that only annotate, is how
    // documents put a description on a reference: it is that type, not a
    // copy of it. Copying would also re-lower the referenced schema's inline
    // parts for every such use, which on documents that use the pattern
    // everywhere (elasticsearch) grows without bound.
    let substantive: Vec<(usize, &'a ReferenceOr<Schema>)> = parts
        .iter()
        .enumerate()
        .filter(|(_, p)| !resolve(cx, SRef::from(*p)).is_some_and(|(s, _)| is_annotation(s)))
        .collect();
    if let [(i, part)] = substantive.as_slice() {
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
        let Some((schema, _)) = resolve(cx, part) else {
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
            Shape::Any if is_annotation(schema) => {}
            _ => others.push((part, part_pointer)),
        }
    }
    match (objects.is_empty(), others.len()) {
        (false, 0) => Merged::Object(objects, additional, refs),
        (true, 1) => {
            let (part, part_pointer) = others.remove(0);
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

/// Lowers the struct an `allOf` merges into, unless that would copy a
/// schema into itself: a schema whose `allOf` reaches back to a schema being
/// merged would otherwise be copied without end. `None` then, with a warning.
fn lower_merged<'a>(
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

/// A schema with no constraints of its own: only docs or flags.
fn is_annotation(schema: &Schema) -> bool {
    match &schema.schema_kind {
        SchemaKind::Any(a) => {
            a.typ.is_none()
                && a.properties.is_empty()
                && a.items.is_none()
                && a.one_of.is_empty()
                && a.any_of.is_empty()
                && a.all_of.is_empty()
                && a.enumeration.is_empty()
                && a.additional_properties.is_none()
        }
        _ => false,
    }
}

/// A `oneOf`/`anyOf`. `Err` carries a simpler type when the union collapses
/// (one member, or one member plus `null`).
fn lower_union<'a>(
    cx: &mut Cx<'a>,
    name: &str,
    members: &'a [ReferenceOr<Schema>],
    schema: &'a Schema,
    pointer: &str,
) -> Result<(Union, bool), TypeRef> {
    let keyword = if matches!(schema.schema_kind, SchemaKind::AnyOf { .. })
        || matches!(&schema.schema_kind, SchemaKind::Any(a) if !a.any_of.is_empty() && a.one_of.is_empty())
    {
        "anyOf"
    } else {
        "oneOf"
    };
    let mut present: Vec<(usize, SRef<'_>)> = Vec::new();
    let mut nullable = schema.schema_data.nullable;
    for (i, m) in members.iter().enumerate() {
        let m = SRef::from(m);
        if is_null(cx, m) {
            nullable = true;
        } else {
            present.push((i, m));
        }
    }
    let wrap = |ty: TypeRef| if nullable && ty != TypeRef::Value { ty.option() } else { ty };
    match present.len() {
        0 => {
            cx.note(Category::Fallback, pointer, Cause::OnlyNull);
            return Err(TypeRef::Value);
        }
        1 => {
            let (i, m) = present[0];
            let member_pointer = join(&join(pointer, keyword), &i.to_string());
            return Err(wrap(lower_use(cx, m, name, &member_pointer)));
        }
        _ => {}
    }
    let discriminator = schema.schema_data.discriminator.as_ref();
    let mut names = Namespace::default();
    let mut variants = Vec::new();
    for (i, m) in present {
        let member_pointer = join(&join(pointer, keyword), &i.to_string());
        let (variant, context) = match m {
            SRef::Ref(reference) => {
                let last = split(reference.trim_start_matches('#')).last().cloned().unwrap_or_default();
                (naming::variant_name(&last), format!("{name}{}", naming::type_name(&last)))
            }
            SRef::Item(s) => {
                let label = s.schema_data.title.clone().unwrap_or_else(|| match shape(s) {
                    Shape::String(_) | Shape::StringEnum(_) => "String".into(),
                    Shape::Integer(_) => "Integer".into(),
                    Shape::Number(_) => "Number".into(),
                    Shape::Boolean => "Boolean".into(),
                    Shape::Array(_) => "Array".into(),
                    _ => format!("Variant{i}"),
                });
                (naming::variant_name(&label), format!("{name}{}", naming::type_name(&label)))
            }
        };
        let ty = strip_option(lower_use(cx, m, &context, &member_pointer));
        let tags = match (discriminator, m) {
            (Some(d), SRef::Ref(reference)) => {
                let mut tags: Vec<String> = d
                    .mapping
                    .iter()
                    .filter(|(_, target)| *target == reference || reference.rsplit('/').next() == Some(target.as_str()))
                    .map(|(tag, _)| tag.clone())
                    .collect();
                if tags.is_empty() {
                    tags.push(reference.rsplit('/').next().unwrap_or_default().to_string());
                }
                tags
            }
            _ => Vec::new(),
        };
        variants.push(UnionVariant { name: names.claim(variant), ty, tags });
    }
    // An untagged union tries variants in order: the catch-all kinds go last
    // so they do not swallow values a precise variant would take.
    variants.sort_by_key(|v| matches!(v.ty, TypeRef::Value | TypeRef::Object));
    let discriminator =
        discriminator.filter(|_| variants.iter().all(|v| !v.tags.is_empty())).map(|d| d.property_name.clone());
    let other = discriminator.as_ref().map(|_| names.claim("Unknown".to_string()));
    Ok((Union { discriminator, variants, other }, nullable))
}

#[cfg(test)]
mod tests {
    use crate::{Settings, generate_from_str};

    /// A chain of components, each with two properties that reach the next
    /// through `allOf: [{$ref}]` plus a description: copying instead of
    /// naming would lower 2^n structs.
    #[test]
    fn a_described_reference_is_the_type_it_names() {
        let mut schemas = String::new();
        for i in 0..40 {
            let next = i + 1;
            schemas.push_str(&format!(
                r##""S{i}": {{"type": "object", "properties": {{
                    "a": {{"description": "first", "allOf": [{{"$ref": "#/components/schemas/S{next}"}}]}},
                    "b": {{"allOf": [{{"$ref": "#/components/schemas/S{next}"}}, {{"description": "second"}}]}}
                }}}},"##
            ));
        }
        schemas.push_str(r#""S40": {"type": "object", "properties": {"end": {"type": "string"}}}"#);
        let doc = format!(
            r#"{{"openapi": "3.0.3", "info": {{"title": "t", "version": "1"}}, "paths": {{}}, "components": {{"schemas": {{{schemas}}}}}}}"#
        );
        let generated = generate_from_str("chain.json", &doc, &Settings::new()).unwrap();
        let code = generated.code();
        assert!(code.contains("pub a: Option<S1>,"), "{code}");
        assert!(code.contains("pub b: Option<S1>,"), "{code}");
        assert_eq!(code.matches("pub struct").count(), 41 + 1, "one struct per component and the client, no copies");
    }

    /// `allOf` parts that reach back to the schema being merged are typed as
    /// values with a warning, not copied until memory runs out.
    #[test]
    fn an_all_of_that_merges_itself_is_a_warning() {
        let doc = r##"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}, "components": {"schemas": {
            "A": {"allOf": [{"$ref": "#/components/schemas/B"}, {"type": "object", "properties": {"x": {"type": "string"}}}]},
            "B": {"type": "object", "properties": {"inner": {"allOf": [{"$ref": "#/components/schemas/A"}, {"type": "object", "properties": {"y": {"type": "string"}}}]}}}
        }}}"##;
        let generated = generate_from_str("cycle.json", doc, &Settings::new()).unwrap();
        assert!(
            generated.warnings().iter().any(|w| w.to_string().contains("into itself")),
            "{:?}",
            generated.warnings()
        );
        assert!(generated.code().contains("pub struct A"));
    }
}
