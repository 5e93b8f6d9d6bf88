//! The methods of streamed operations: a `text/event-stream` call wrapped by
//! `::gusset::__private::events`, returned as a `::gusset::EventsCall` whose awaiting gives a
//! stream of typed events (or raw `::gusset::sse::Event`s); and the doc line of binary downloads.

use proc_macro2::TokenStream;
use quote::quote;

use super::type_tokens;
use crate::ir::{Streaming, TypeRef};

/// The return type and the last expression of a method that streams events, given the
/// operation's error type and decoder.
pub(super) fn events(
    data: Option<&TypeRef>,
    err: &TokenStream,
    err_decoder: &TokenStream,
) -> (TokenStream, TokenStream) {
    let (item, decode) = match data {
        Some(ty) => (type_tokens(ty), quote!(rt::decode_event_json)),
        None => (quote!(::gusset::sse::Event), quote!(rt::decode_event)),
    };
    let call = quote!(rt::events(rt::call(&self.inner, request, rt::decode_empty, #err_decoder), #decode));
    (quote!(::gusset::EventsCall<'_, #item, #err>), call)
}

/// What the docs of a streamed operation's method add.
pub(super) fn doc_lines(streaming: Option<&Streaming>) -> Vec<String> {
    match streaming {
        Some(Streaming::Events { method_name: Some(stream), .. }) => {
            vec![
                String::new(),
                format!("The server can also answer with a stream of events: see [`Client::{stream}`]."),
            ]
        }
        Some(Streaming::Events { method_name: None, .. }) => vec![
            String::new(),
            "Awaiting the call gives a stream of the server's events (`text/event-stream`).".to_string(),
        ],
        Some(Streaming::Bytes { redirected }) => {
            let mut lines = vec![String::new()];
            if *redirected {
                lines.push(
                    "The API answers with a redirect, which the client follows: the body is what it leads to."
                        .to_string(),
                );
            }
            lines.push(
                "Awaiting the call buffers the body; `.bytes_stream().await` streams it in chunks instead.".to_string(),
            );
            lines
        }
        None => Vec::new(),
    }
}

/// The docs of the separate stream method of `method_name`.
pub(super) fn stream_method_docs(method_name: &str) -> Vec<String> {
    vec![
        format!("The call of [`Client::{method_name}`] answered as a stream of events (`text/event-stream`)."),
        String::new(),
        "It sends `Accept: text/event-stream`; a request body may also have to ask for a stream.".to_string(),
    ]
}
