//! Model to tokens. Infallible: `lower` already made every name legal and
//! unique, so this stage only reads the model and quotes it.
//!
//! Text from the document reaches the output in exactly two ways: as string
//! literals (`quote!` escapes them) and as doc strings (one `#[doc = "..."]`
//! per line, also a string literal). Identifiers come only from `naming`.

mod client;
mod dynamic;
mod mock;
mod object;
mod pagination;
mod streaming;
mod types;

use std::collections::BTreeSet;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::ir::{Api, Docs, TypeDef, TypeKind, TypeRef};
use crate::naming::is_keyword;

pub(crate) fn emit(api: &Api) -> TokenStream {
    let api_version = &api.api_version;
    let servers = &api.servers;
    let deprecated = Deprecated::of(api);
    let client = client::emit_client(api, &deprecated);
    let dynamic = dynamic::emit_dynamic(api);
    let mock = mock::emit_mock(api, &deprecated);
    let params = api.operations.iter().filter_map(|op| client::emit_params_struct(op, &deprecated));
    let types = api.types.iter().map(|def| types::emit_type(def, &deprecated));
    quote! {
        /// The version of the API this client was generated for. It is sent on
        /// every request when the API declares a version header.
        pub const API_VERSION: &str = #api_version;

        /// The servers the API document lists, variables filled with their defaults.
        pub const SERVERS: &[&str] = &[#(#servers),*];

        #client
        #dynamic
        #mock
        #(#params)*
        #(#types)*
    }
}

/// The deprecated types of the API. Deprecation warnings are for the user's
/// code: the generated code that defines, derives for, or passes along a
/// deprecated type says `#[allow(deprecated)]`, so a client compiles without
/// warnings (under `#![deny(warnings)]` too) and the user is still warned.
pub(crate) struct Deprecated<'a>(BTreeSet<&'a str>);

impl<'a> Deprecated<'a> {
    fn of(api: &'a Api) -> Self {
        Deprecated(api.types.iter().filter(|t| t.deprecated.is_some()).map(|t| t.name.as_str()).collect())
    }

    /// Whether `ty` names a deprecated type anywhere inside it.
    pub(crate) fn mentioned(&self, ty: &TypeRef) -> bool {
        match ty {
            TypeRef::Named(name) => self.0.contains(name.as_str()),
            TypeRef::Vec(inner) | TypeRef::Map(inner) | TypeRef::Option(inner) | TypeRef::Box(inner) => {
                self.mentioned(inner)
            }
            _ => false,
        }
    }

    /// `#[allow(deprecated)]` when the items emitted for `def` use something deprecated.
    pub(crate) fn allow_for(&self, def: &TypeDef) -> Option<TokenStream> {
        let uses = def.deprecated.is_some()
            || match &def.kind {
                TypeKind::Struct(s) => {
                    s.fields.iter().any(|f| f.deprecated.is_some() || self.mentioned(&f.ty))
                        || s.additional.as_ref().is_some_and(|(_, ty)| self.mentioned(ty))
                }
                TypeKind::Enum(_) => false,
                TypeKind::Union(u) => u.variants.iter().any(|v| self.mentioned(&v.ty)),
                TypeKind::Alias(ty) | TypeKind::Newtype(ty) => self.mentioned(ty),
            };
        Self::allow(uses)
    }

    pub(crate) fn allow(uses: bool) -> Option<TokenStream> {
        uses.then(|| quote!(#[allow(deprecated)]))
    }
}

/// An identifier from a name `naming` produced: keywords become raw.
pub(crate) fn ident(name: &str) -> Ident {
    if is_keyword(name) { Ident::new_raw(name, Span::call_site()) } else { Ident::new(name, Span::call_site()) }
}

/// `#[doc = " line"]` attributes, one per line, so no text can close the
/// comment (`lower` has already taken out what could break or disguise one).
pub(crate) fn doc_attrs(docs: &Docs) -> TokenStream {
    let lines = docs.lines.iter().map(|l| if l.is_empty() { l.clone() } else { format!(" {l}") });
    quote! { #(#[doc = #lines])* }
}

/// The Rust type for a type reference.
pub(crate) fn type_tokens(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::Named(name) => {
            let name = ident(name);
            quote!(#name)
        }
        TypeRef::Bool => quote!(bool),
        TypeRef::I32 => quote!(i32),
        TypeRef::I64 => quote!(i64),
        TypeRef::U32 => quote!(u32),
        TypeRef::U64 => quote!(u64),
        TypeRef::F32 => quote!(f32),
        TypeRef::F64 => quote!(f64),
        TypeRef::String => quote!(String),
        TypeRef::DateTime => quote!(::gusset::DateTime),
        TypeRef::Date => quote!(::gusset::Date),
        TypeRef::Uuid => quote!(::gusset::Uuid),
        TypeRef::Base64 => quote!(::gusset::Base64),
        TypeRef::Bytes => quote!(::gusset::Bytes),
        TypeRef::Value => quote!(::gusset::__private::serde_json::Value),
        TypeRef::Object => {
            quote!(::gusset::__private::serde_json::Map<String, ::gusset::__private::serde_json::Value>)
        }
        TypeRef::Unit => quote!(()),
        TypeRef::Vec(inner) => {
            let inner = type_tokens(inner);
            quote!(Vec<#inner>)
        }
        TypeRef::Map(inner) => {
            let inner = type_tokens(inner);
            quote!(::std::collections::BTreeMap<String, #inner>)
        }
        TypeRef::Option(inner) => {
            let inner = type_tokens(inner);
            quote!(Option<#inner>)
        }
        TypeRef::Box(inner) => {
            let inner = type_tokens(inner);
            quote!(Box<#inner>)
        }
    }
}
