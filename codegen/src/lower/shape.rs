//! What a schema is, whatever way the document spelled it: the typed
//! model has two spellings of most shapes (`type: object` and a schema of no
//! type with properties, for instance), which [`shape`] folds into one.

use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, IntegerFormat, NumberFormat, ReferenceOr, Schema, SchemaKind, StringFormat, Type,
    VariantOrUnknownOrEmpty,
};

use crate::ir::TypeRef;

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
pub(crate) enum Shape<'a> {
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

pub(crate) fn shape(schema: &Schema) -> Shape<'_> {
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
            } else if !a.one_of.is_empty() {
                // Properties beside a `oneOf` apply to every branch: `lower_union` merges them in.
                Shape::OneOf(&a.one_of)
            } else if !a.any_of.is_empty() && !a.properties.is_empty() {
                Shape::AnyOf(&a.any_of)
            } else if (!a.properties.is_empty() && a.typ.as_deref().is_none_or(|t| t == "object"))
                || a.typ.as_deref() == Some("object")
            {
                // An object only when no other `type` is written: `properties` say nothing of
                // a value of another type, so `type: array` beside them (Cloudflare's DNS
                // analytics `metrics`, which mean `items`) is the array below.
                Shape::Object {
                    properties: &a.properties,
                    required: &a.required,
                    additional: a.additional_properties.as_ref(),
                }
            } else if !a.one_of.is_empty() {
                Shape::OneOf(&a.one_of)
            } else if !a.any_of.is_empty() {
                Shape::AnyOf(&a.any_of)
            } else if (a.items.is_some() && a.typ.is_none()) || a.typ.as_deref() == Some("array") {
                // `items` beside another `type` say nothing of its values (Xero's budget `IDs`
                // are `type: string` with `items`): that type, below.
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

/// A schema with no constraints of its own: only docs or flags.
pub(crate) fn is_annotation(schema: &Schema) -> bool {
    match &schema.schema_kind {
        SchemaKind::Any(a) => {
            a.typ.is_none()
                && a.required.is_empty()
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

/// The type of a string of `format`.
pub(crate) fn string_type(format: &str) -> TypeRef {
    match format {
        "date-time" => TypeRef::DateTime,
        "date" => TypeRef::Date,
        "uuid" => TypeRef::Uuid,
        "byte" => TypeRef::Base64,
        _ => TypeRef::String,
    }
}

/// The type of an integer of `format` (unsigned and narrow formats as
/// real documents spell them).
pub(crate) fn integer_type(format: &str) -> TypeRef {
    match format {
        "int32" | "int16" | "int8" => TypeRef::I32,
        "uint32" | "uint16" | "uint8" => TypeRef::U32,
        "uint64" | "uint" => TypeRef::U64,
        _ => TypeRef::I64,
    }
}

/// The type of a number of `format`.
pub(crate) fn number_type(format: &str) -> TypeRef {
    match format {
        "float" => TypeRef::F32,
        _ => TypeRef::F64,
    }
}
