//! `Client::OPERATIONS` and `Client::call_dynamic`, for clients generated with
//! `Settings::dynamic_calls(true)`: every operation callable by its id with JSON arguments
//! (`gusset::dynamic::Arguments`).
//!
//! Each operation's caller (a private `__dynamic_<n>`, which `call_dynamic` boxes and awaits)
//! deserializes the arguments into exactly the values the typed method
//! takes, calls the typed method, and hands its result to the runtime's `reply`, so a dynamic call
//! sends the very request a typed call with the same values sends. Emitted from the model alone,
//! like the methods themselves.

use proc_macro2::TokenStream;
use quote::quote;

use super::{ident, type_tokens};
use crate::ir::{Api, BodyKind, Decode, Location, Operation, Param, Streaming};

pub(super) fn emit_dynamic(api: &Api) -> Option<TokenStream> {
    if !api.dynamic_calls {
        return None;
    }
    let keys = keys(&api.operations);
    let infos = api.operations.iter().zip(&keys).map(|(op, id)| {
        let method = op.method.as_str().to_ascii_uppercase();
        let path = &op.path;
        let method_name = &op.method_name;
        let required = op.params.iter().map(|p| (p, true));
        let params =
            required.chain(op.optional.iter().flat_map(|o| &o.params).map(|p| (p, false))).map(|(p, required)| {
                let location = location(p.location);
                let wire = &p.wire;
                quote!(::gusset::dynamic::ParamInfo { location: #location, name: #wire, required: #required })
            });
        let body = match &op.body {
            Some(body) => {
                let content_type = &body.content_type;
                quote!(::core::option::Option::Some(#content_type))
            }
            None => quote!(::core::option::Option::None),
        };
        quote! {
            ::gusset::dynamic::OperationInfo {
                id: #id, method: #method, path: #path, method_name: #method_name, params: &[#(#params),*], body: #body,
            }
        }
    });
    let callers: Vec<TokenStream> =
        api.operations.iter().zip(&keys).enumerate().map(|(i, (op, id))| emit_caller(op, id, i)).collect();
    let arms = keys.iter().enumerate().map(|(i, id)| {
        let caller = caller_name(i);
        quote!(#id => ::std::boxed::Box::pin(self.#caller(args)),)
    });
    let unknown = quote!(::core::result::Result::Err(dy::DynamicError::UnknownOperation { id: id.to_owned() }));
    // A document with no operations (only webhooks, say) has no arm that reads the arguments,
    // and a `match` of only `_` is noise.
    let body = if api.operations.is_empty() {
        quote!(let _ = args; #unknown)
    } else {
        // One small function per operation, and a dispatch that boxes the one it calls: as one
        // `async fn` with an arm per operation, the state machine of a large API (Google Compute,
        // 511 operations) grew rustc to 22 GB before it was killed.
        quote! {
            let call: ::gusset::__private::DynamicFuture<'_> = match id { #(#arms)* _ => return #unknown, };
            call.await
        }
    };
    Some(quote! {
        impl Client {
            /// Every operation of the API, in the order of the methods: what
            /// [`Client::call_dynamic`] can call.
            pub const OPERATIONS: &'static [::gusset::dynamic::OperationInfo] = &[#(#infos),*];

            /// Calls the operation `id` (see [`Client::OPERATIONS`]) with JSON arguments:
            /// they are deserialized into the typed parameters and body, the typed method is
            /// called, and its typed response (or documented error) comes back as JSON.
            ///
            /// An unknown id, or an argument that is missing, unknown or of the wrong shape,
            /// is an error that names it; nothing is sent then.
            #[allow(deprecated, clippy::too_many_lines)]
            pub async fn call_dynamic(
                &self,
                id: &str,
                args: &::gusset::dynamic::Arguments,
            ) -> ::core::result::Result<::gusset::dynamic::Reply, ::gusset::dynamic::DynamicError> {
                use ::gusset::dynamic as dy;
                #body
            }

            #(#callers)*
        }
    })
}

fn caller_name(index: usize) -> proc_macro2::Ident {
    quote::format_ident!("__dynamic_{}", index)
}

/// The id each operation is called by: its own, unless an operation before it has that id (a
/// document may repeat one), then its method name, then its method and path.
fn keys(operations: &[Operation]) -> Vec<String> {
    let mut taken = std::collections::BTreeSet::new();
    operations
        .iter()
        .map(|op| {
            let candidates = [
                op.id.clone(),
                op.method_name.clone(),
                format!("{} {}", op.method.as_str().to_ascii_uppercase(), op.path),
            ];
            let key = candidates.into_iter().find(|k| !taken.contains(k)).unwrap_or_else(|| op.method_name.clone());
            taken.insert(key.clone());
            key
        })
        .collect()
}

fn location(location: Location) -> TokenStream {
    match location {
        Location::Path => quote!(::gusset::dynamic::Location::Path),
        Location::Query => quote!(::gusset::dynamic::Location::Query),
        Location::Header => quote!(::gusset::dynamic::Location::Header),
        Location::Cookie => quote!(::gusset::dynamic::Location::Cookie),
    }
}

/// How the typed method takes a value held in a local (see `client::arg_type`).
fn pass(p: &Param, local: &proc_macro2::Ident) -> TokenStream {
    if p.ty.passed_by_value() { quote!(#local) } else { quote!(&#local) }
}

fn converter(decode: Decode) -> TokenStream {
    match decode {
        Decode::Bytes => quote!(::gusset::__private::bytes_to_json),
        Decode::Json | Decode::JsonOrEmpty | Decode::Value | Decode::Empty | Decode::Text => {
            quote!(::gusset::__private::to_json)
        }
    }
}

/// The function `call_dynamic` calls for one operation: reads the arguments into the typed
/// method's values, calls it, and turns its result into a [`Reply`](gusset::dynamic::Reply).
fn emit_caller(op: &Operation, id: &str, index: usize) -> TokenStream {
    let caller = caller_name(index);
    let name = ident(&op.method_name);
    let mut lets = Vec::new();
    let mut args = Vec::new();
    for (i, p) in op.params.iter().enumerate() {
        let local = quote::format_ident!("arg{}", i);
        let ty = type_tokens(&p.ty);
        let location = location(p.location);
        let wire = &p.wire;
        lets.push(quote!(let #local: #ty = args.required(#location, #wire).map_err(fail)?;));
        args.push(pass(p, &local));
    }
    if let Some(body) = &op.body {
        let (ty, take, passed) = match body.kind {
            BodyKind::Json | BodyKind::Form => (type_tokens(&body.ty), quote!(args.json_body()), quote!(&body)),
            BodyKind::Multipart => (quote!(::gusset::Multipart), quote!(args.multipart_body()), quote!(body)),
            BodyKind::Bytes => (quote!(::gusset::Bytes), quote!(args.bytes_body()), quote!(body)),
            BodyKind::Text => (quote!(String), quote!(args.text_body()), quote!(body)),
        };
        lets.push(quote!(let body: #ty = #take.map_err(fail)?;));
        args.push(passed);
    }
    if let Some(optional) = &op.optional {
        let ty = ident(&optional.name);
        let fields = optional.params.iter().map(|p| {
            let field = ident(&p.name);
            let location = location(p.location);
            let wire = &p.wire;
            quote!(#field: args.optional(#location, #wire).map_err(fail)?,)
        });
        lets.push(quote!(let params = #ty { #(#fields)* };));
        args.push(quote!(&params));
    }
    let (ok, buffered) = match &op.streaming {
        // The method streams: a dynamic call reads the stream whole, as text.
        Some(Streaming::Events { method_name: None, .. }) => (converter(Decode::Text), Some(quote!(.into_buffered()))),
        _ => (converter(op.success.decode), None),
    };
    let err = converter(op.error.decode);
    quote! {
        #[allow(deprecated)]
        async fn #caller(
            &self,
            args: &::gusset::dynamic::Arguments,
        ) -> ::core::result::Result<::gusset::dynamic::Reply, ::gusset::dynamic::DynamicError> {
            let fail = |e| ::gusset::dynamic::DynamicError::argument(#id, e);
            args.expect_only(&Self::OPERATIONS[#index]).map_err(fail)?;
            #(#lets)*
            ::gusset::__private::reply(#id, self.#name(#(#args),*)#buffered.await, #ok, #err)
        }
    }
}
