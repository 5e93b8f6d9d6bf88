//! `Deserialize` for generated structs, written out rather than derived.
//!
//! serde's derive writes, for every struct, a field enum with its own visitor
//! and `Deserialize` impl, a `visit_seq` for reading the struct from an array,
//! and a `visit_map` with a duplicate check per field. On the GitHub client
//! that was two thirds of `cargo check` time and half its memory. Here each
//! struct gets a `match` on the key text with one runtime call per field
//! (`::gusset::__private::de`, where the visitor and the per-field steps are
//! written once); the behaviour is the derive's for the attributes Gusset
//! used: unknown keys ignored, repeated keys refused, a missing `Option`
//! field `None`, any other missing field an error naming its wire name.
//!
//! The struct's field names serve as the locals that collect values; the
//! map and key locals start with two underscores, which no field name
//! (snake case, with one `_` before a leading digit) can.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::ident;
use crate::ir::Struct;

/// The local that collects field `name`: the field's own name, unless that
/// is only underscores and digits (`_123`), which clippy finds unreadable
/// for a variable.
fn local(name: &str) -> Ident {
    if name.chars().all(|c| c == '_' || c.is_ascii_digit()) { ident(&format!("__field{name}")) } else { ident(name) }
}

pub(super) fn emit_deserialize(name: &Ident, s: &Struct, allow: Option<&TokenStream>) -> TokenStream {
    let type_name = name.to_string();
    let type_name = type_name.trim_start_matches("r#");
    let locals: Vec<Ident> = s.fields.iter().map(|f| local(&f.name)).collect();
    let wires: Vec<&String> = s.fields.iter().map(|f| &f.wire).collect();
    let values = s.fields.iter().zip(&locals).map(|(f, local)| {
        let (field, wire) = (ident(&f.name), &f.wire);
        if f.ty.is_optional() {
            quote!(#field: rt::de::optional(#local))
        } else if f.null_when_missing {
            quote!(#field: rt::de::any_or_null(#local))
        } else {
            quote!(#field: rt::de::required(#local, #wire)?)
        }
    });
    let (extra_local, extra_field, other_keys) = match &s.additional {
        Some((field, _)) => {
            let field = ident(field);
            (
                Some(quote!(let mut #field = ::std::collections::BTreeMap::new();)),
                Some(quote!(#field,)),
                quote!(_ => rt::de::extra(&mut __map, &mut #field, __key)?,),
            )
        }
        None => (None, None, quote!(_ => rt::de::skip(&mut __map)?,)),
    };
    quote! {
        #allow
        impl<'de> ::gusset::__private::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::gusset::__private::serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                ::gusset::__private::de::object(deserializer, #type_name)
            }
        }

        #allow
        impl ::gusset::__private::de::FromObject for #name {
            fn from_object<'de, A: ::gusset::__private::serde::de::MapAccess<'de>>(mut __map: A) -> ::core::result::Result<Self, A::Error> {
                use ::gusset::__private as rt;
                #(let mut #locals = None;)*
                #extra_local
                while let Some(__key) = rt::de::key(&mut __map)? {
                    match __key.as_str() {
                        #(#wires => rt::de::field(&mut __map, &mut #locals, #wires)?,)*
                        #other_keys
                    }
                }
                Ok(Self { #(#values,)* #extra_field })
            }
        }
    }
}
