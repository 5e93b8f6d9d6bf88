//! Model to tokens. Infallible: `lower` already made every name legal and
//! unique, so this stage only reads the model and quotes it.
//!
//! Text from the document reaches the output in exactly two ways: as string
//! literals (`quote!` escapes them) and as doc strings (one `#[doc = "..."]`
//! per line, also a string literal). Identifiers come only from `naming`.

mod client;
mod types;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::ir::{Api, Docs, TypeRef};
use crate::naming::is_keyword;

pub(crate) fn emit(api: &Api) -> TokenStream {
    let api_version = &api.api_version;
    let servers = &api.servers;
    let client = client::emit_client(api);
    let params = api.operations.iter().filter_map(client::emit_params_struct);
    let types = api.types.iter().map(types::emit_type);
    quote! {
        /// The version of the API this client was generated for. It is sent on
        /// every request when the API declares a version header.
        pub const API_VERSION: &str = #api_version;

        /// The servers the API document lists, variables filled with their defaults.
        pub const SERVERS: &[&str] = &[#(#servers),*];

        #client
        #(#params)*
        #(#types)*
    }
}

/// An identifier from a name `naming` produced: keywords become raw.
pub(crate) fn ident(name: &str) -> Ident {
    if is_keyword(name) { Ident::new_raw(name, Span::call_site()) } else { Ident::new(name, Span::call_site()) }
}

/// `#[doc = " line"]` attributes, one per line, so no text can close the comment.
pub(crate) fn doc_attrs(docs: &Docs) -> TokenStream {
    let lines = docs.lines.iter().map(|l| if l.is_empty() { String::new() } else { format!(" {l}") });
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
