//! The `Client` and its methods: each method is a few lines that describe the
//! call and hand it to the runtime (`::gusset::__private::call`), which does
//! retries, idempotency keys, correlation ids, version headers and decoding.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Deprecated, doc_attrs, ident, type_tokens};
use crate::ir::{
    Api, BodyKind, Decode, FormEncoding, FormField, Location, Method, Operation, Param, SchemeKind, Streaming, Style,
    TypeRef,
};

pub(super) fn emit_client(api: &Api, deprecated_types: &Deprecated<'_>) -> TokenStream {
    let title = &api.title;
    let docs = doc_attrs(&api.docs);
    let api_version = &api.api_version;
    let version_header = match &api.version_header {
        Some(h) => quote!(Some(#h)),
        None => quote!(None),
    };
    let servers = &api.servers;
    let schemes = api.security_schemes.iter().map(|s| {
        let name = &s.name;
        let kind = match &s.kind {
            SchemeKind::Bearer => quote!(Bearer),
            SchemeKind::Basic => quote!(Basic),
            SchemeKind::ApiKey { location, name } => {
                let location = match location {
                    Location::Query => quote!(Query),
                    Location::Cookie => quote!(Cookie),
                    Location::Header | Location::Path => quote!(Header),
                };
                quote!(ApiKey { location: ::gusset::__private::ApiKeyLocation::#location, name: #name })
            }
            SchemeKind::OAuth2 { token_url } => {
                let token_url = match token_url {
                    Some(url) => quote!(Some(#url)),
                    None => quote!(None),
                };
                quote!(OAuth2 { token_url: #token_url })
            }
            SchemeKind::OAuth2ClientCredentials { token_url, scopes } => {
                quote!(OAuth2ClientCredentials { token_url: #token_url, scopes: &[#(#scopes),*] })
            }
            SchemeKind::OpenIdConnect => quote!(OpenIdConnect),
            SchemeKind::Unsupported => quote!(Unsupported),
        };
        quote!(::gusset::__private::SecurityScheme { name: #name, kind: ::gusset::__private::SchemeKind::#kind })
    });
    let methods = api.operations.iter().map(|op| emit_method(op, deprecated_types));
    quote! {
        #docs
        #[doc = ""]
        #[doc = " Every method returns a [`::gusset::Call`]: set per-call options on it"]
        #[doc = " (idempotency key, correlation id, timeout, retry policy, headers), then"]
        #[doc = " `.await` it."]
        #[derive(Debug, Clone)]
        pub struct Client {
            inner: ::gusset::Client,
        }

        impl Client {
            /// Starts configuring a client for the API at `base_url` (see [`SERVERS`]).
            pub fn builder(base_url: impl ::core::convert::Into<String>) -> ::gusset::ClientBuilder<Self> {
                static API: ::gusset::__private::ApiInfo = ::gusset::__private::ApiInfo {
                    title: #title,
                    api_version: #api_version,
                    version_header: #version_header,
                    client_name: ::core::env!("CARGO_PKG_NAME"),
                    client_version: ::core::env!("CARGO_PKG_VERSION"),
                    servers: &[#(#servers),*],
                    security_schemes: &[#(#schemes),*],
                };
                ::gusset::__private::builder(&API, base_url)
            }

            /// The runtime client every call goes through.
            pub fn runtime(&self) -> &::gusset::Client {
                &self.inner
            }

            #(#methods)*
        }

        impl ::gusset::__private::GeneratedClient for Client {
            fn from_client(client: ::gusset::Client) -> Self {
                Client { inner: client }
            }
        }
    }
}

/// How a parameter is taken: small copyable values by value, text as
/// `&str`, everything else by reference.
fn arg_type(ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::String => quote!(&str),
        ty if ty.passed_by_value() => type_tokens(ty),
        other => {
            let ty = type_tokens(other);
            quote!(&#ty)
        }
    }
}

fn style_tokens(style: Style) -> TokenStream {
    let style = match style {
        Style::Form => quote!(Form),
        Style::Simple => quote!(Simple),
        Style::Label => quote!(Label),
        Style::Matrix => quote!(Matrix),
        Style::DeepObject => quote!(DeepObject),
        Style::SpaceDelimited => quote!(SpaceDelimited),
        Style::PipeDelimited => quote!(PipeDelimited),
    };
    quote!(rt::Style::#style)
}

fn set_param(p: &Param, value: TokenStream) -> TokenStream {
    let wire = &p.wire;
    let style = style_tokens(p.style);
    let explode = p.explode;
    let setter = match p.location {
        Location::Path => quote!(path_param),
        Location::Query => quote!(query),
        Location::Header => quote!(header),
        Location::Cookie => quote!(cookie),
    };
    quote!(request.#setter(#wire, #value, #style, #explode);)
}

/// One entry of a form body's `encoding` slice.
fn form_field(field: &FormField) -> TokenStream {
    let name = &field.wire;
    let encoding = match field.encoding {
        FormEncoding::Style { style, explode } => {
            let style = style_tokens(style);
            quote!(rt::FormEncoding::Style(#style, #explode))
        }
        FormEncoding::Json => quote!(rt::FormEncoding::Json),
    };
    quote!(rt::FormField { name: #name, encoding: #encoding })
}

fn decoder(decode: Decode) -> TokenStream {
    match decode {
        Decode::Json => quote!(rt::decode_json),
        Decode::JsonOrEmpty => quote!(rt::decode_json_or_empty),
        Decode::Value => quote!(rt::decode_value),
        Decode::Empty => quote!(rt::decode_empty),
        Decode::Bytes => quote!(rt::decode_bytes),
        Decode::Text => quote!(rt::decode_text),
    }
}

pub(super) fn method_const(method: Method) -> TokenStream {
    match method {
        Method::Get => quote!(GET),
        Method::Put => quote!(PUT),
        Method::Post => quote!(POST),
        Method::Delete => quote!(DELETE),
        Method::Options => quote!(OPTIONS),
        Method::Head => quote!(HEAD),
        Method::Patch => quote!(PATCH),
        Method::Trace => quote!(TRACE),
    }
}

fn emit_method(op: &Operation, deprecated_types: &Deprecated<'_>) -> TokenStream {
    let mut docs = op.docs.clone();
    docs.lines.extend(super::streaming::doc_lines(op.streaming.as_ref()));
    let docs = doc_attrs(&docs);
    let deprecated = op.deprecated.as_ref().map(|note| quote!(#[deprecated(note = #note)]));
    let name = ident(&op.method_name);
    let id = &op.id;
    let path = &op.path;
    let http_method = method_const(op.method);
    let idempotency = if op.idempotent { quote!(Always) } else { quote!(Default) };
    let security: Vec<TokenStream> = op.security.iter().map(|alt| quote!(&[#(#alt),*])).collect();
    let accept = &op.accept;

    let mut args = Vec::new();
    let mut setters = vec![quote!(request.accept(&ACCEPT);)];
    for p in &op.params {
        let arg = ident(&p.name);
        let ty = arg_type(&p.ty);
        args.push(quote!(#arg: #ty));
        setters.push(set_param(p, quote!(&#arg)));
    }
    if let Some(body) = &op.body {
        let content_type = &body.content_type;
        match body.kind {
            BodyKind::Json | BodyKind::Form => {
                let ty = type_tokens(&body.ty);
                args.push(quote!(body: &#ty));
                setters.push(match body.kind {
                    BodyKind::Json => quote!(request.json(body);),
                    _ if body.form.is_empty() => quote!(request.form(body);),
                    _ => {
                        let fields = body.form.iter().map(form_field);
                        quote!(request.form_with(body, &[#(#fields),*]);)
                    }
                });
            }
            BodyKind::Multipart => {
                args.push(quote!(body: ::gusset::Multipart));
                setters.push(quote!(request.multipart(body);));
            }
            BodyKind::Bytes => {
                args.push(quote!(body: impl ::core::convert::Into<::gusset::Bytes>));
                setters.push(quote!(request.bytes(#content_type, body);));
            }
            BodyKind::Text => {
                args.push(quote!(body: impl ::core::convert::Into<String>));
                setters.push(quote!(request.text(#content_type, body);));
            }
        }
    }
    if let Some(optional) = &op.optional {
        let ty = ident(&optional.name);
        args.push(quote!(params: &#ty));
        for p in &optional.params {
            let field = ident(&p.name);
            setters.push(set_param(p, quote!(&params.#field)));
        }
    }
    let allow = Deprecated::allow(
        op.params
            .iter()
            .chain(op.optional.iter().flat_map(|o| &o.params))
            .any(|p| p.deprecated.is_some() || deprecated_types.mentioned(&p.ty))
            || op.body.as_ref().is_some_and(|b| deprecated_types.mentioned(&b.ty))
            || deprecated_types.mentioned(&op.success.ty)
            || deprecated_types.mentioned(&op.error.ty)
            || op.pagination.as_ref().is_some_and(|p| deprecated_types.mentioned(&p.item))
            || matches!(&op.streaming, Some(Streaming::Events { data: Some(ty), .. }) if deprecated_types.mentioned(ty)),
    );
    let too_many = (args.len() > 6).then(|| quote!(#[allow(clippy::too_many_arguments)]));
    let ok = type_tokens(&op.success.ty);
    let err = type_tokens(&op.error.ty);
    let ok_decoder = decoder(op.success.decode);
    let err_decoder = decoder(op.error.decode);
    let request_mut = (!setters.is_empty()).then(|| quote!(mut));
    let call = quote!(rt::call(&self.inner, request, #ok_decoder, #err_decoder));
    let (returns, call, stream) = match &op.streaming {
        Some(Streaming::Events { data, method_name: None }) => {
            let (returns, call) = super::streaming::events(data.as_ref(), &err, &err_decoder);
            (returns, call, None)
        }
        Some(Streaming::Events { data, method_name: Some(stream) }) => {
            let (returns, call) = super::pagination::wrap(op.pagination.as_ref(), &ok, &err, call);
            (returns, call, Some((stream, super::streaming::events(data.as_ref(), &err, &err_decoder))))
        }
        _ => {
            let (returns, call) = super::pagination::wrap(op.pagination.as_ref(), &ok, &err, call);
            (returns, call, None)
        }
    };
    let method = |docs: &TokenStream, name: &proc_macro2::Ident, returns: &TokenStream, call: &TokenStream| {
        method_tokens(MethodParts {
            docs,
            deprecated: &deprecated,
            allow: &allow,
            too_many: &too_many,
            name,
            args: &args,
            returns,
            operation: quote! {
                static OPERATION: rt::Operation = rt::Operation {
                    id: #id,
                    method: rt::http::Method::#http_method,
                    path: #path,
                    idempotency: rt::Idempotency::#idempotency,
                    security: &[#(#security),*],
                };
            },
            accept,
            request_mut: &request_mut,
            setters: &setters,
            call,
        })
    };
    let main = method(&docs, &name, &returns, &call);
    let Some((stream, (stream_returns, stream_call))) = stream else { return main };
    let stream_docs = doc_attrs(&crate::ir::Docs { lines: super::streaming::stream_method_docs(&op.method_name) });
    let second = method(&stream_docs, &ident(stream), &stream_returns, &stream_call);
    quote!(#main #second)
}

/// The pieces of one generated method.
struct MethodParts<'t> {
    docs: &'t TokenStream,
    deprecated: &'t Option<TokenStream>,
    allow: &'t Option<TokenStream>,
    too_many: &'t Option<TokenStream>,
    name: &'t proc_macro2::Ident,
    args: &'t [TokenStream],
    returns: &'t TokenStream,
    operation: TokenStream,
    accept: &'t str,
    request_mut: &'t Option<TokenStream>,
    setters: &'t [TokenStream],
    call: &'t TokenStream,
}

fn method_tokens(parts: MethodParts<'_>) -> TokenStream {
    let MethodParts {
        docs,
        deprecated,
        allow,
        too_many,
        name,
        args,
        returns,
        operation,
        accept,
        request_mut,
        setters,
        call,
    } = parts;
    quote! {
        #docs
        #deprecated
        #allow
        #too_many
        pub fn #name(&self, #(#args),*) -> #returns {
            use ::gusset::__private as rt;
            #operation
            static ACCEPT: rt::http::HeaderValue = rt::http::HeaderValue::from_static(#accept);
            let #request_mut request = rt::Request::new(&OPERATION);
            #(#setters)*
            #call
        }
    }
}

/// The struct of an operation's optional parameters.
pub(super) fn emit_params_struct(op: &Operation, deprecated_types: &Deprecated<'_>) -> Option<TokenStream> {
    let optional = op.optional.as_ref()?;
    let name = ident(&optional.name);
    let doc = format!(" Optional parameters of [`Client::{}`].", op.method_name);
    let fields = optional.params.iter().map(|p| {
        let docs = doc_attrs(&p.docs);
        let field = ident(&p.name);
        let ty = type_tokens(&p.ty.clone().option());
        let deprecated = p.deprecated.as_ref().map(|note| quote!(#[deprecated(note = #note)]));
        quote! {
            #docs
            #deprecated
            pub #field: #ty,
        }
    });
    let allow =
        Deprecated::allow(optional.params.iter().any(|p| p.deprecated.is_some() || deprecated_types.mentioned(&p.ty)));
    Some(quote! {
        #[doc = #doc]
        #allow
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct #name {
            #(#fields)*
        }
    })
}
