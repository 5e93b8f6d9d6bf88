//! `oneOf` and `anyOf`: enums of their members, tagged by a discriminator
//! when the document gives one, collapsed when only one member is left.

use openapiv3::{AdditionalProperties, Discriminator, ReferenceOr, Schema, SchemaKind};

use super::Cx;
use super::object::{Merged, PropertySet, lower_merged, merge_all_of};
use super::schema::{insert, lower_use, ref_label, resolve_schema, strip_option};
use super::shape::{SRef, Shape, shape};
use crate::diagnostic::join;
use crate::fidelity::{Category, Cause};
use crate::ir::{TypeKind, TypeRef, Union, UnionVariant};
use crate::naming::{self, Namespace};

/// Whether a schema is only `null` (a member of a `oneOf` that makes it nullable).
fn is_null(cx: &Cx<'_>, s: SRef<'_>) -> bool {
    resolve_schema(cx, s).is_some_and(|schema| matches!(shape(schema), Shape::Null))
}

/// A `oneOf`/`anyOf`. `Err` carries a simpler type when the union collapses
/// (one member, or one member plus `null`).
pub(crate) fn lower_union<'a>(
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
            // A member that admits `null` (Sentry's `{type: object, nullable: true}` beside its
            // typed branches) makes the union admit it: no variant decodes `null`. Inline
            // members already made the schema `nullable` (`normalize::null_members`, so that a
            // component's uses see it too); this covers members that are references.
            nullable |= resolve_schema(cx, m).is_some_and(|s| s.schema_data.nullable);
            present.push((i, m));
        }
    }
    let wrap = |ty: TypeRef| if nullable && ty != TypeRef::Value { ty.option() } else { ty };
    match present.len() {
        0 => {
            let cause = if members.is_empty() { Cause::EmptyUnion } else { Cause::OnlyNull };
            cx.note(Category::Fallback, pointer, cause);
            return Err(TypeRef::Value);
        }
        1 => {
            let (i, m) = present[0];
            let member_pointer = join(&join(pointer, keyword), &i.to_string());
            return Err(wrap(lower_use(cx, m, name, &member_pointer)));
        }
        _ => {}
    }
    let discriminator = schema.schema_data.discriminator.as_ref().or_else(|| inherited_discriminator(cx, &present));
    // Properties beside the union (`properties` and `oneOf` in one schema) belong to every
    // branch: each branch is a struct of its own with them merged in (the discriminator's
    // property among them too: a variant serializes its own fields, its tag included).
    let base: Option<(PropertySet<'a>, Option<&'a AdditionalProperties>)> = match &schema.schema_kind {
        SchemaKind::Any(a) if !a.properties.is_empty() => {
            Some(((&a.properties, &a.required, pointer.to_string()), a.additional_properties.as_ref()))
        }
        _ => None,
    };
    let mut names = Namespace::default();
    let mut variants = Vec::new();
    for (i, m) in present {
        let member_pointer = join(&join(pointer, keyword), &i.to_string());
        let (variant, context) = match m {
            SRef::Ref(reference) => {
                let label = ref_label(reference);
                (naming::variant_name(&label), format!("{name}{}", naming::type_name(&label)))
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
        let with_base =
            base.as_ref().and_then(|(set, extra)| with_properties(cx, set, *extra, m, &context, &member_pointer));
        let ty = match with_base {
            Some(ty) => ty,
            None => {
                if base.is_some() {
                    cx.warn(
                        &member_pointer,
                        "the properties beside this `oneOf` are left out of this branch, which is not an object",
                    );
                    cx.note(Category::Dropped, &member_pointer, Cause::PropertiesBesideUnion);
                }
                strip_option(lower_use(cx, m, &context, &member_pointer))
            }
        };
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

/// The branch `m` of a union with the `base` properties beside the union merged in, as a struct
/// of its own named from `context`; `None` when the branch is not an object (or merging would
/// copy a schema into itself).
fn with_properties<'a>(
    cx: &mut Cx<'a>,
    base: &PropertySet<'a>,
    base_additional: Option<&'a AdditionalProperties>,
    m: SRef<'a>,
    context: &str,
    member_pointer: &str,
) -> Option<TypeRef> {
    let schema = resolve_schema(cx, m)?;
    // Where the branch's own properties are: the reference's target, or the branch itself.
    let target = match m {
        SRef::Ref(reference) => reference.strip_prefix('#').unwrap_or(reference).to_string(),
        SRef::Item(_) => member_pointer.to_string(),
    };
    let (mut sets, additional, mut refs) = match shape(schema) {
        Shape::Object { properties, required, additional } => {
            (vec![(properties, required, target)], additional, vec![])
        }
        Shape::AllOf(parts) => match merge_all_of(cx, schema, parts, &target) {
            Merged::Object(objects, additional, refs) => (objects, additional, refs),
            _ => return None,
        },
        _ => return None,
    };
    if let SRef::Ref(reference) = m {
        refs.push(reference);
    }
    sets.insert(0, base.clone());
    let name = cx.names.claim(naming::type_name(context));
    let def = lower_merged(cx, &name, &sets, additional.or(base_additional), &refs, member_pointer)?;
    insert(cx, name.clone(), Some(&schema.schema_data), TypeKind::Struct(def), member_pointer);
    Some(TypeRef::Named(name))
}

/// The discriminator every branch inherits through its `allOf` (`Cat: allOf: [$ref: Pet, ...]`
/// with the discriminator on `Pet`), which OpenAPI lets stand for one on the union: the
/// branches are then told apart by it, not by which decodes first. `None` unless every branch
/// is a reference whose `allOf` holds a schema with a discriminator of one property name.
fn inherited_discriminator<'a>(cx: &Cx<'a>, present: &[(usize, SRef<'a>)]) -> Option<&'a Discriminator> {
    let mut found: Option<&'a Discriminator> = None;
    for (_, m) in present {
        let SRef::Ref(_) = m else { return None };
        let Shape::AllOf(parts) = shape(resolve_schema(cx, *m)?) else { return None };
        let own = parts
            .iter()
            .filter_map(|p| resolve_schema(cx, SRef::from(p)))
            .find_map(|p| p.schema_data.discriminator.as_ref())?;
        match found {
            Some(d) if d.property_name != own.property_name => return None,
            Some(_) => {}
            None => found = Some(own),
        }
    }
    found
}
