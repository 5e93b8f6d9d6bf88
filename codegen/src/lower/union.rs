//! `oneOf` and `anyOf`: enums of their members, tagged by a discriminator
//! when the document gives one, collapsed when only one member is left.

use openapiv3::{ReferenceOr, Schema, SchemaKind};

use super::Cx;
use super::schema::{lower_use, ref_label, resolve_schema, strip_option};
use super::shape::{SRef, Shape, shape};
use crate::diagnostic::join;
use crate::fidelity::{Category, Cause};
use crate::ir::{TypeRef, Union, UnionVariant};
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
    let discriminator = schema.schema_data.discriminator.as_ref();
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
