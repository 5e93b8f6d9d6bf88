//! Types: structs, string enums, unions and aliases.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Deprecated, doc_attrs, ident, object, type_tokens};
use crate::ir::{Directions, StringEnum, Struct, TypeDef, TypeKind, Union};

/// The serde derives `directions` asks for and the attribute that points
/// them at the runtime, so generated code needs no dependency but `gusset`.
fn serde_derives(directions: Directions) -> (Vec<TokenStream>, TokenStream) {
    let serialize = directions.serialize.then(|| quote!(::gusset::__private::serde::Serialize));
    let deserialize = directions.deserialize.then(|| quote!(::gusset::__private::serde::Deserialize));
    let derives = serialize.into_iter().chain(deserialize).collect();
    let attrs = (directions.serialize || directions.deserialize)
        .then(|| quote!(#[serde(crate = "::gusset::__private::serde")]));
    (derives, quote!(#attrs))
}

pub(super) fn emit_type(def: &TypeDef, deprecated_types: &Deprecated<'_>) -> TokenStream {
    let docs = doc_attrs(&def.docs);
    let allow = deprecated_types.allow_for(def);
    let deprecated = def.deprecated.as_ref().map(|note| quote!(#[deprecated(note = #note)]));
    let name = ident(&def.name);
    let definition = emit_definition(def, &name, docs, deprecated, allow);
    if !def.explicit_auto_traits {
        return definition;
    }
    let fields = field_types(def);
    quote! {
        #definition
        ::gusset::__private::auto_traits!(#name: #(#fields),*);
    }
}

/// The types of every field of `def`, which `auto_traits!` checks.
fn field_types(def: &TypeDef) -> Vec<TokenStream> {
    match &def.kind {
        TypeKind::Struct(s) => s
            .fields
            .iter()
            .map(|f| type_tokens(&f.ty))
            .chain(s.additional.as_ref().map(|(_, ty)| {
                let ty = type_tokens(ty);
                quote!(::std::collections::BTreeMap<String, #ty>)
            }))
            .collect(),
        TypeKind::Union(u) => u
            .variants
            .iter()
            .map(|v| type_tokens(&v.ty))
            .chain(
                u.other
                    .as_ref()
                    .filter(|_| u.discriminator.is_some())
                    .map(|_| quote!(::gusset::__private::serde_json::Value)),
            )
            .collect(),
        TypeKind::Newtype(ty) => vec![type_tokens(ty)],
        TypeKind::Enum(_) | TypeKind::Alias(_) => Vec::new(),
    }
}

fn emit_definition(
    def: &TypeDef,
    name: &proc_macro2::Ident,
    docs: TokenStream,
    deprecated: Option<TokenStream>,
    allow: Option<TokenStream>,
) -> TokenStream {
    match &def.kind {
        TypeKind::Struct(s) => emit_struct(name, s, def.serde, docs, deprecated, allow),
        TypeKind::Enum(e) => emit_enum(name, e, def.serde, docs, deprecated, allow),
        TypeKind::Union(u) => emit_union(name, u, def.serde, docs, deprecated, allow),
        TypeKind::Alias(ty) => {
            let ty = type_tokens(ty);
            quote! {
                #docs
                #deprecated
                #allow
                pub type #name = #ty;
            }
        }
        TypeKind::Newtype(ty) => {
            let ty = type_tokens(ty);
            let (derives, serde) = serde_derives(def.serde);
            let transparent = (def.serde.serialize || def.serde.deserialize).then(|| quote!(#[serde(transparent)]));
            quote! {
                #docs
                #deprecated
                #allow
                #[derive(Debug, Clone, PartialEq, #(#derives),*)]
                #serde
                #transparent
                pub struct #name(pub #ty);
            }
        }
    }
}

fn emit_struct(
    name: &proc_macro2::Ident,
    s: &Struct,
    directions: Directions,
    docs: TokenStream,
    deprecated: Option<TokenStream>,
    allow: Option<TokenStream>,
) -> TokenStream {
    // `Deserialize` is written by `object`, not derived (see there why), so
    // serde's attributes are only for `Serialize`.
    let (mut derives, serde) = serde_derives(Directions { deserialize: false, ..directions });
    if s.default {
        derives.insert(0, quote!(Default));
    }
    let serializes = directions.serialize;
    let fields = s.fields.iter().map(|f| {
        let docs = doc_attrs(&f.docs);
        let field = ident(&f.name);
        let ty = type_tokens(&f.ty);
        let wire = &f.wire;
        let rename = (serializes && f.name != f.wire).then(|| quote!(#[serde(rename = #wire)]));
        let skip = (serializes && f.skip_if_none)
            .then(|| quote!(#[serde(skip_serializing_if = "::core::option::Option::is_none")]));
        let deprecated = f.deprecated.as_ref().map(|note| quote!(#[deprecated(note = #note)]));
        quote! {
            #docs
            #deprecated
            #rename
            #skip
            pub #field: #ty,
        }
    });
    let additional = s.additional.as_ref().map(|(field, ty)| {
        let field = ident(field);
        let ty = type_tokens(ty);
        let flatten = serializes.then(|| quote!(#[serde(flatten)]));
        quote! {
            /// Properties beyond the ones listed above.
            #flatten
            pub #field: ::std::collections::BTreeMap<String, #ty>,
        }
    });
    let deserialize = directions.deserialize.then(|| object::emit_deserialize(name, s, allow.as_ref()));
    quote! {
        #docs
        #deprecated
        #allow
        #[derive(Debug, Clone, PartialEq, #(#derives),*)]
        #serde
        pub struct #name {
            #(#fields)*
            #additional
        }

        #deserialize
    }
}

/// A string enum with a catch-all variant: a value the server adds later
/// decodes into it instead of failing the whole response.
fn emit_enum(
    name: &proc_macro2::Ident,
    e: &StringEnum,
    directions: Directions,
    docs: TokenStream,
    deprecated: Option<TokenStream>,
    allow: Option<TokenStream>,
) -> TokenStream {
    let other = ident(&e.other);
    let variants: Vec<_> = e.variants.iter().map(|v| ident(&v.name)).collect();
    let values: Vec<&String> = e.variants.iter().map(|v| &v.value).collect();
    let variant_docs = e.variants.iter().map(|v| doc_attrs(&v.docs));
    let serialize = directions.serialize.then(|| {
        quote! {
            #allow
            impl ::gusset::__private::serde::Serialize for #name {
                fn serialize<S: ::gusset::__private::serde::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                    serializer.serialize_str(self.as_str())
                }
            }
        }
    });
    let deserialize = directions.deserialize.then(|| {
        quote! {
            #allow
            impl<'de> ::gusset::__private::serde::Deserialize<'de> for #name {
                fn deserialize<D: ::gusset::__private::serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                    let value = <String as ::gusset::__private::serde::Deserialize>::deserialize(deserializer)?;
                    Ok(Self::from(value.as_str()))
                }
            }
        }
    });
    quote! {
        #docs
        #deprecated
        #allow
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #name {
            #(#variant_docs #variants,)*
            /// A value this client does not know, kept as sent.
            #other(String),
        }

        #allow
        impl #name {
            /// The value as it is sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(Self::#variants => #values,)*
                    Self::#other(value) => value,
                }
            }
        }

        #allow
        impl ::core::convert::From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #(#values => Self::#variants,)*
                    other => Self::#other(other.to_owned()),
                }
            }
        }

        #allow
        impl ::core::fmt::Display for #name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        #serialize
        #deserialize
    }
}

fn emit_union(
    name: &proc_macro2::Ident,
    u: &Union,
    directions: Directions,
    docs: TokenStream,
    deprecated: Option<TokenStream>,
    allow: Option<TokenStream>,
) -> TokenStream {
    let (derives, serde) = serde_derives(directions);
    let variants: Vec<_> = u.variants.iter().map(|v| ident(&v.name)).collect();
    let types: Vec<_> = u.variants.iter().map(|v| type_tokens(&v.ty)).collect();
    let (Some(tag), Some(other)) = (&u.discriminator, &u.other) else {
        return quote! {
            #docs
            #deprecated
            #allow
            #[derive(Debug, Clone, PartialEq, #(#derives),*)]
            #serde
            #[serde(untagged)]
            pub enum #name {
                #(#variants(#types),)*
            }
        };
    };
    // With a discriminator, the tag picks the variant (so similar variants
    // cannot be confused), and an unknown tag is kept rather than rejected.
    let other = ident(other);
    let arms = u.variants.iter().zip(&variants).map(|(v, variant)| {
        let tags = &v.tags;
        quote! {
            #(Some(#tags))|* => ::gusset::__private::serde_json::from_value(value).map(Self::#variant).map_err(D::Error::custom),
        }
    });
    // Serialized untagged: each variant writes its own tag.
    let (derives, serde) = serde_derives(Directions { deserialize: false, ..directions });
    let untagged = directions.serialize.then(|| quote!(#[serde(untagged)]));
    let deserialize = directions.deserialize.then(|| quote! {
        #allow
        impl<'de> ::gusset::__private::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::gusset::__private::serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                use ::gusset::__private::serde::de::Error as _;
                let value = <::gusset::__private::serde_json::Value as ::gusset::__private::serde::Deserialize>::deserialize(deserializer)?;
                let tag = value.get(#tag).and_then(|tag| tag.as_str()).map(str::to_owned);
                match tag.as_deref() {
                    #(#arms)*
                    _ => Ok(Self::#other(value)),
                }
            }
        }
    });
    quote! {
        #docs
        #deprecated
        #allow
        #[derive(Debug, Clone, PartialEq, #(#derives),*)]
        #serde
        #untagged
        pub enum #name {
            #(#variants(#types),)*
            /// A variant this client does not know, kept as sent.
            #other(::gusset::__private::serde_json::Value),
        }

        #deserialize
    }
}
