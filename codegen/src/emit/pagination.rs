//! The method of a paginated operation: its call, wrapped with a `static` description of how
//! it pages (`::gusset::__private::paged`), returned as a `::gusset::Paged`.

use proc_macro2::TokenStream;
use quote::quote;

use super::type_tokens;
use crate::ir::{CursorFrom, Next, Pagination};

/// The return type and the last expression of the method, given its call's.
pub(super) fn wrap(
    pagination: Option<&Pagination>,
    ok: &TokenStream,
    err: &TokenStream,
    call: TokenStream,
) -> (TokenStream, TokenStream) {
    let Some(pagination) = pagination else { return (quote!(::gusset::Call<'_, #ok, #err>), call) };
    let item = type_tokens(&pagination.item);
    let items = &pagination.items;
    let optional = |value: &Option<String>| match value {
        Some(v) => quote!(::core::option::Option::Some(#v)),
        None => quote!(::core::option::Option::None),
    };
    let next = match &pagination.next {
        Next::Link => quote!(rt::Next::Link),
        Next::BodyLink(pointer) => quote!(rt::Next::BodyLink(#pointer)),
        Next::Cursor { param, from, has_more } => {
            let from = match from {
                CursorFrom::Field(pointer) => quote!(rt::CursorFrom::Field(#pointer)),
                CursorFrom::LastItem(pointer) => quote!(rt::CursorFrom::LastItem(#pointer)),
            };
            let has_more = optional(has_more);
            quote!(rt::Next::Cursor { param: #param, from: #from, has_more: #has_more })
        }
        Next::Offset { param, limit } => {
            let limit = optional(limit);
            quote!(rt::Next::Offset { param: #param, limit: #limit })
        }
        Next::Page { param, first, size } => {
            let size = optional(size);
            quote!(rt::Next::Page { param: #param, first: #first, size: #size })
        }
    };
    let body = quote! {
        static PAGINATION: rt::Pagination = rt::Pagination { next: #next, items: #items };
        rt::paged(#call, &PAGINATION)
    };
    (quote!(::gusset::Paged<'_, #ok, #err, #item>), body)
}
