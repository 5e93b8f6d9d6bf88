//! `Settings::mock(true)`: a `mock` module, behind the including crate's `mock` feature, with a
//! typed `Server` whose methods return one `gusset::mock::Endpoint` per operation. The server
//! itself is the runtime's (`gusset::mock`); what is generated is one `static Spec` per operation
//! and one method that names the operation's types and codecs.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Deprecated, client::method_const, doc_attrs, ident, type_tokens};
use crate::ir::{Api, BodyKind, Decode, Location, Operation, TypeRef};

pub(super) fn emit_mock(api: &Api, deprecated: &Deprecated<'_>) -> TokenStream {
    if !api.mock {
        return TokenStream::new();
    }
    let taken: Vec<&str> = api.operations.iter().map(|op| op.method_name.as_str()).collect();
    let specs = api.operations.iter().map(spec_static);
    let spec_names = api.operations.iter().map(spec_name);
    let methods = api.operations.iter().map(|op| endpoint_method(op, &taken, deprecated));
    quote! {
        /// A typed mock of this API for tests, compiled with the `mock` feature: a server on
        /// 127.0.0.1 with one endpoint per operation, to stub replies and faults on and to
        /// assert on what the client sent (see `gusset::mock`).
        #[cfg(feature = "mock")]
        pub mod mock {
            pub use ::gusset::mock::{Fault, Outcome, Received, Reply, RetryAfter};

            /// The mock server; stops when dropped, and then fails the test if it saw a request
            /// the document would refuse or that no stub took (see `gusset::mock::Server`, which
            /// it dereferences to, for `url`, `verify`, `journal`...).
            #[derive(Debug)]
            pub struct Server(::gusset::mock::Server);

            impl ::core::ops::Deref for Server {
                type Target = ::gusset::mock::Server;

                fn deref(&self) -> &::gusset::mock::Server {
                    &self.0
                }
            }

            impl Server {
                /// Starts a server on a random port of 127.0.0.1, on the current tokio runtime.
                pub async fn start() -> ::std::io::Result<Server> {
                    ::gusset::mock::Server::start(OPERATIONS).await.map(Server)
                }

                /// The runtime's server (what this one dereferences to).
                pub fn runtime(&self) -> &::gusset::mock::Server {
                    &self.0
                }

                #(#methods)*
            }

            static OPERATIONS: &[&::gusset::mock::Spec] = &[#(&#spec_names),*];

            #(#specs)*
        }
    }
}

fn spec_name(op: &Operation) -> proc_macro2::Ident {
    ident(&format!("SPEC_{}", op.method_name.to_ascii_uppercase()))
}

/// The method of `op`, named as in the client except where it would be `start`.
fn endpoint_method(op: &Operation, taken: &[&str], deprecated: &Deprecated<'_>) -> TokenStream {
    let mut name = op.method_name.clone();
    if name == "start" {
        name.push_str("_operation");
        while taken.contains(&name.as_str()) {
            name.push('_');
        }
    }
    let name = ident(&name);
    let docs = doc_attrs(&op.docs);
    let spec = spec_name(op);
    let (body, decode) = match &op.body {
        Some(body) if body.kind == BodyKind::Json => {
            let ty = mock_type(&body.ty);
            (ty.clone(), quote!(::gusset::mock::decode_json::<#ty>))
        }
        Some(_) => (quote!(::gusset::Bytes), quote!(::gusset::mock::decode_bytes)),
        None => (quote!(()), quote!(::gusset::mock::decode_none)),
    };
    let ok = mock_type(&op.success.ty);
    let err = mock_type(&op.error.ty);
    let ok_encode = encoder(op.success.decode, &ok);
    let err_encode = encoder(op.error.decode, &err);
    let allow = Deprecated::allow(
        op.body.as_ref().is_some_and(|b| deprecated.mentioned(&b.ty))
            || deprecated.mentioned(&op.success.ty)
            || deprecated.mentioned(&op.error.ty),
    );
    quote! {
        #docs
        #allow
        pub fn #name(&self) -> ::gusset::mock::Endpoint<'_, #body, #ok, #err> {
            ::gusset::mock::Endpoint::new(&self.0, &#spec, #decode, #ok_encode, #err_encode)
        }
    }
}

fn encoder(decode: Decode, ty: &TokenStream) -> TokenStream {
    match decode {
        Decode::Json | Decode::Value => quote!(::gusset::mock::encode_json::<#ty>),
        Decode::JsonOrEmpty => quote!(::gusset::mock::encode_json_or_empty),
        Decode::Empty => quote!(::gusset::mock::encode_empty),
        Decode::Bytes => quote!(::gusset::mock::encode_bytes),
        Decode::Text => quote!(::gusset::mock::encode_text),
    }
}

/// The media type a mock answers with for a decoder's kind of body.
fn media_type(decode: Decode, problem: bool) -> &'static str {
    match decode {
        Decode::Json | Decode::Value if problem => "application/problem+json",
        Decode::Json | Decode::JsonOrEmpty | Decode::Value => "application/json",
        Decode::Empty => "",
        Decode::Bytes => "application/octet-stream",
        Decode::Text => "text/plain",
    }
}

fn spec_static(op: &Operation) -> TokenStream {
    let name = spec_name(op);
    let id = &op.id;
    let path = &op.path;
    let method = method_const(op.method);
    let wire = |location: Location| op.params.iter().filter(move |p| p.location == location).map(|p| &p.wire);
    let query: Vec<&String> = wire(Location::Query).collect();
    let headers: Vec<String> = wire(Location::Header).map(|w| w.to_ascii_lowercase()).collect();
    let body = match &op.body {
        Some(body) => {
            let media = &body.content_type;
            let (required, check) = match body.kind {
                BodyKind::Json => {
                    let ty = mock_type(&body.ty);
                    (true, quote!(::gusset::mock::check_json::<#ty>))
                }
                BodyKind::Form => (true, quote!(::gusset::mock::check_any)),
                _ => (false, quote!(::gusset::mock::check_any)),
            };
            quote!(Some(::gusset::mock::BodySpec { media_type: #media, required: #required, check: #check }))
        }
        None => quote!(None),
    };
    let statuses = &op.statuses;
    let problem = op.accept.contains("problem+json");
    let ok_type = media_type(op.success.decode, false);
    let error_type = media_type(op.error.decode, problem);
    quote! {
        static #name: ::gusset::mock::Spec = ::gusset::mock::Spec {
            id: #id,
            method: ::gusset::http::Method::#method,
            path: #path,
            query: &[#(#query),*],
            headers: &[#(#headers),*],
            body: #body,
            statuses: &[#(#statuses),*],
            ok_type: #ok_type,
            error_type: #error_type,
        };
    }
}

/// A type as named from inside `mod mock`: the API's own types through `super::`, so none can
/// be shadowed by the module's items.
fn mock_type(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::Named(name) => {
            let name = ident(name);
            quote!(super::#name)
        }
        TypeRef::Vec(inner) => {
            let inner = mock_type(inner);
            quote!(Vec<#inner>)
        }
        TypeRef::Map(inner) => {
            let inner = mock_type(inner);
            quote!(::std::collections::BTreeMap<String, #inner>)
        }
        TypeRef::Option(inner) => {
            let inner = mock_type(inner);
            quote!(Option<#inner>)
        }
        TypeRef::Box(inner) => {
            let inner = mock_type(inner);
            quote!(Box<#inner>)
        }
        other => type_tokens(other),
    }
}
