//! Schemas to types.
//!
//! Component schemas become named types under names assigned before any
//! schema is lowered, so `$ref`s (forward or circular) are just names. Inline
//! schemas that need a type of their own (objects, string enums, unions) are
//! named from their context (`Order` + `shipping_address` →
//! `OrderShippingAddress`). Anything that cannot be typed precisely becomes
//! `serde_json::Value` with a warning that names its pointer. Objects are in
//! `object`, unions in `union`, what a schema is in `shape`, and references
//! are followed by `refs`.

use openapiv3::{AdditionalProperties, ReferenceOr, Schema, SchemaData, SchemaKind};

use super::object::{Merged, lower_merged, lower_struct, merge_all_of};
use super::refs::{self, Target, Unresolved};
use super::shape::{SRef, Shape, integer_type, number_type, shape, string_type};
use super::union::lower_union;
use super::{Cx, docs};
use crate::diagnostic::{join, split};
use crate::fidelity::{Category, Cause};
use crate::ir::{Directions, Docs, StringEnum, TypeDef, TypeKind, TypeRef, Variant};
use crate::naming::{self, Namespace};

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
        match shape_in(cx, schema) {
            Shape::Object { properties, required, additional } if !properties.is_empty() => TypeKind::Struct(
                lower_struct(cx, &name, &[(properties, required, pointer.to_string())], additional, pointer),
            ),
            Shape::StringEnum(values) => TypeKind::Enum(lower_enum(&values)),
            Shape::OneOf(members) | Shape::AnyOf(members) => match lower_union(cx, &name, members, schema, pointer) {
                Ok((union, _)) => TypeKind::Union(union),
                Err(ty) => TypeKind::Alias(strip_option(ty)),
            },
            Shape::AllOf(parts) => match merge_all_of(cx, schema, parts, pointer) {
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
pub(crate) fn insert(cx: &mut Cx<'_>, name: String, data: Option<&SchemaData>, kind: TypeKind, pointer: &str) {
    let docs = data.map(|d| docs(&[d.title.as_deref(), d.description.as_deref()])).unwrap_or_default();
    let deprecated = data.and_then(|d| super::deprecation::note(d.deprecated, d.description.as_deref(), &d.extensions));
    let docs = super::deprecation::with_dates(docs, deprecated.as_ref());
    let deprecated = deprecated.map(|d| d.note);
    cx.type_pointers.insert(name.clone(), pointer.to_owned());
    cx.type_at.entry(pointer.to_owned()).or_insert_with(|| name.clone());
    cx.types.insert(
        name.clone(),
        TypeDef { name, docs, deprecated, kind, serde: Directions::BOTH, explicit_auto_traits: false },
    );
}

pub(crate) fn strip_option(ty: TypeRef) -> TypeRef {
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
        SRef::Ref(reference) => lower_ref(cx, reference, pointer),
        SRef::Item(schema) => lower_item(cx, schema, context, pointer),
    };
    cx.depth -= 1;
    ty
}

/// How deep inline schemas may nest before lowering gives up on them.
const MAX_DEPTH: usize = 48;

fn lower_ref<'a>(cx: &mut Cx<'a>, reference: &'a str, pointer: &str) -> TypeRef {
    let target = match refs::follow::<Schema>(cx, reference, true) {
        Ok(target) => target,
        Err(why) => {
            let cause = if matches!(why, Unresolved::Missing(_)) { Cause::UnresolvedRef } else { Cause::RefCycle };
            let message = format!("{} to a schema; typed as `serde_json::Value`", why.describe(reference));
            cx.fall_back(join(pointer, "$ref"), cause, message);
            return TypeRef::Value;
        }
    };
    let (item, target) = match target {
        Target::Component { name, .. } => {
            let Some(type_name) = cx.components.get(name).cloned() else {
                cx.note(Category::Fallback, join(pointer, "$ref"), Cause::UnresolvedRef);
                return TypeRef::Value;
            };
            let nullable = resolve_schema(cx, SRef::Ref(reference)).is_some_and(|s| s.schema_data.nullable);
            let ty = TypeRef::Named(type_name);
            return if nullable { ty.option() } else { ty };
        }
        Target::Item { item, pointer } => (item, pointer),
    };
    // Anything else a reference names (the schema of a parameter component,
    // of another operation's response, the middle of a schema) is a type of
    // its own, named from where it is and before it is lowered, like a
    // component: every use shares it, and a target that refers back to
    // itself meets its own name. Plain values need no name.
    if let Some(done) = cx.inline_refs.get(&target) {
        return done.clone();
    }
    if let Some(name) = cx.type_at.get(&target) {
        let ty = TypeRef::Named(name.clone());
        return if item.schema_data.nullable { ty.option() } else { ty };
    }
    if matches!(shape(item), Shape::String(_) | Shape::Integer(_) | Shape::Number(_) | Shape::Boolean) {
        let ty = lower_item(cx, item, "", &target);
        cx.inline_refs.insert(target, ty.clone());
        return ty;
    }
    let name = cx.names.claim(naming::type_name(&target_label(&target)));
    let ty = TypeRef::Named(name.clone());
    let ty = if item.schema_data.nullable { ty.option() } else { ty };
    cx.inline_refs.insert(target.clone(), ty.clone());
    define(cx, name, SRef::Item(item), &target);
    ty
}

/// The schema `s` is or refers to; `None` when a reference does not resolve.
pub(crate) fn resolve_schema<'a>(cx: &Cx<'a>, s: SRef<'a>) -> Option<&'a Schema> {
    match s {
        SRef::Item(schema) => Some(schema),
        SRef::Ref(reference) => refs::resolve_ref::<Schema>(cx, reference).ok().map(|r| r.item),
    }
}

/// What a reference is called where a name is made from it (a union's
/// variant): the component it names (`#/components/schemas/Pet` → `Pet`),
/// or the place it points at (see [`target_label`]).
pub(crate) fn ref_label(reference: &str) -> String {
    let Some(pointer) = crate::load::ref_pointer(reference) else { return String::new() };
    match split(&pointer).as_slice() {
        [c, _, name] if c == "components" => name.clone(),
        _ => target_label(&pointer),
    }
}

/// A name for the object at `pointer` from the names on the way there,
/// without the structural words: `/components/parameters/sort/schema` →
/// `Sort`, `/components/schemas/Pet/properties/tag` → `PetTag`,
/// `/paths/~1pets/get/responses/200/content/application~1json/schema/items`
/// → `PetsGet200Item`.
fn target_label(pointer: &str) -> String {
    let tokens = split(pointer);
    let mut out = String::new();
    let mut previous = "";
    for (i, token) in tokens.iter().enumerate() {
        let structural = match (i, previous) {
            (0, _) => true,
            // The section of `components`, and the media type of `content`.
            (1, "components") | (_, "content") => true,
            _ => matches!(
                token.as_str(),
                "properties" | "content" | "schema" | "responses" | "parameters" | "allOf" | "oneOf" | "anyOf"
            ),
        };
        if !structural {
            out.push_str(&naming::type_name(match token.as_str() {
                "items" => "Item",
                "additionalProperties" => "Value",
                other => other,
            }));
        }
        previous = token;
    }
    out
}

/// [`shape`], where the document's references decide it: an explicit
/// `type: array` beside a `oneOf`/`anyOf` none of whose members is an array
/// is an array. The members then say nothing of the value (JSON Schema's
/// `properties` do not apply to arrays), or contradict it; either way the
/// value the document describes is the list its `items` give. Cloudflare
/// writes its zone-lockdown `configurations` this way, with the items'
/// union repeated beside them.
fn shape_in<'a>(cx: &Cx<'a>, schema: &'a Schema) -> Shape<'a> {
    let found = shape(schema);
    let (Shape::OneOf(members) | Shape::AnyOf(members), SchemaKind::Any(any)) = (&found, &schema.schema_kind) else {
        return found;
    };
    let array_member = |m: &'a ReferenceOr<Schema>| {
        resolve_schema(cx, SRef::from(m)).is_none_or(|m| matches!(shape(m), Shape::Array(_)))
    };
    if any.typ.as_deref() == Some("array") && any.properties.is_empty() && !members.iter().any(array_member) {
        return Shape::Array(any.items.as_ref().map(SRef::from));
    }
    found
}

fn lower_item<'a>(cx: &mut Cx<'a>, schema: &'a Schema, context: &str, pointer: &str) -> TypeRef {
    let nullable = schema.schema_data.nullable;
    let ty = match shape_in(cx, schema) {
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
        Shape::Integer(format) => integer_type(format),
        Shape::Number(format) => number_type(format),
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
        Shape::AllOf(parts) => match merge_all_of(cx, schema, parts, pointer) {
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

fn lower_enum(values: &[&str]) -> StringEnum {
    let mut names = Namespace::default();
    let mut variants = Vec::new();
    for value in values {
        if variants.iter().any(|v: &Variant| v.value == *value) {
            continue;
        }
        variants.push(Variant {
            name: names.claim(naming::enum_value_name(value)),
            value: value.to_string(),
            docs: Docs { lines: vec![super::code_line(value)] },
        });
    }
    StringEnum { variants, other: names.claim("UnknownValue".to_string()) }
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

    /// `type: array` beside an `anyOf` of type-less objects is the array its
    /// `items` give; an `anyOf` of arrays beside it stays a union.
    #[test]
    fn an_array_beside_a_union_of_objects_is_an_array() {
        let doc = r##"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}, "components": {"schemas": {
            "Ip": {"properties": {"target": {"enum": ["ip"]}, "value": {"type": "string"}}},
            "Cidr": {"properties": {"target": {"enum": ["ip_range"]}, "value": {"type": "string"}}},
            "Configurations": {"type": "array",
                "anyOf": [{"$ref": "#/components/schemas/Ip"}, {"$ref": "#/components/schemas/Cidr"}],
                "items": {"anyOf": [{"$ref": "#/components/schemas/Ip"}, {"$ref": "#/components/schemas/Cidr"}]}},
            "Rule": {"type": "object", "properties": {"configurations": {"type": "array",
                "anyOf": [{"$ref": "#/components/schemas/Ip"}, {"$ref": "#/components/schemas/Cidr"}],
                "items": {"$ref": "#/components/schemas/Ip"}}}},
            "Lists": {"type": "array", "anyOf": [
                {"type": "array", "items": {"type": "string"}},
                {"type": "array", "items": {"type": "integer"}}]}
        }}}"##;
        let generated = generate_from_str("array-union.json", doc, &Settings::new()).unwrap();
        let code = generated.code();
        assert!(code.contains("pub type Configurations = Vec<ConfigurationsItem>;"), "{code}");
        assert!(code.contains("pub enum ConfigurationsItem"), "{code}");
        assert!(code.contains("pub configurations: Option<Vec<Ip>>,"), "{code}");
        assert!(code.contains("pub enum Lists"), "{code}");
    }

    /// Properties and `required` beside an `allOf` are one more part of it: a create body that
    /// is a config plus a write-only password requires the password, typed as the sibling says.
    #[test]
    fn properties_beside_an_all_of_are_merged_in() {
        let doc = r##"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}, "components": {"schemas": {
            "Origin": {"type": "object", "properties": {"host": {"type": "string"}}, "required": ["host"]},
            "OriginWithSecrets": {"allOf": [{"$ref": "#/components/schemas/Origin"}], "type": "object",
                "properties": {"password": {"type": "string"}}, "required": ["password"]},
            "Config": {"type": "object", "properties": {"name": {"type": "string"}, "origin": {"$ref": "#/components/schemas/Origin"}}},
            "CreateConfig": {"allOf": [{"$ref": "#/components/schemas/Config"}], "type": "object",
                "properties": {"origin": {"$ref": "#/components/schemas/OriginWithSecrets"}}, "required": ["name", "origin"]},
            "Described": {"allOf": [{"$ref": "#/components/schemas/Config"}], "description": "only words beside it"}
        }}}"##;
        let generated = generate_from_str("beside.json", doc, &Settings::new()).unwrap();
        let code = generated.code();
        let create = &code[code.find("pub struct CreateConfig").expect(code)..];
        let create = &create[..create.find('}').unwrap()];
        assert!(create.contains("pub name: String,"), "{create}");
        assert!(create.contains("pub origin: OriginWithSecrets,"), "{create}");
        let secrets = &code[code.find("pub struct OriginWithSecrets").expect(code)..];
        let secrets = &secrets[..secrets.find('}').unwrap()];
        assert!(secrets.contains("pub host: String,") && secrets.contains("pub password: String,"), "{secrets}");
        assert!(code.contains("pub type Described = Config;"), "{code}");
    }

    /// An explicit `type` wins over `properties` or `items` that do not apply to it.
    #[test]
    fn properties_beside_another_type_say_nothing() {
        let doc = r##"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}, "components": {"schemas": {
            "Metrics": {"type": "array", "items": {"type": "array", "items": {}, "properties": {"items": {"type": "number"}}}},
            "Ids": {"type": "string", "items": {"type": "string", "format": "uuid"}}
        }}}"##;
        let generated = generate_from_str("metrics.json", doc, &Settings::new()).unwrap();
        let code = generated.code();
        assert!(code.contains("pub type Metrics = Vec<Vec<::gusset::__private::serde_json::Value>>;"), "{code}");
        assert!(code.contains("pub type Ids = String;"), "{code}");
    }

    /// A union member that admits `null` makes the union admit it.
    #[test]
    fn a_nullable_union_member_makes_the_union_optional() {
        let doc = r##"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}, "components": {"schemas": {
            "Process": {"type": "object", "required": ["source_map"], "properties": {"source_map": {"anyOf": [
                {"type": "object", "properties": {"url": {"type": "string"}}, "required": ["url"]},
                {"type": "object", "nullable": true}]}}}
        }}}"##;
        let generated = generate_from_str("nullable-member.json", doc, &Settings::new()).unwrap();
        let code = generated.code();
        assert!(code.contains("pub source_map: Option<ProcessSourceMap>,"), "{code}");
    }
}
