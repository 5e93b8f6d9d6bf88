//! Success responses read as streams: `text/event-stream` (server-sent events, with the event
//! data's type when the media type's `schema` gives one) and binary bodies.
//!
//! Documents describe an event stream's data in the media type's `schema`: the object each
//! event's `data` holds as JSON (OpenAI's `CreateChatCompletionStreamResponse`, a union of event
//! objects), a string (untyped), or nothing. An operation that also answers with another media
//! type (OpenAI's answer JSON unless the request says `stream: true`) keeps its method as it is
//! and gets a second one for the stream, `<method>_stream`.

use openapiv3::{ReferenceOr, Response as Resp, StatusCode};

use super::Cx;
use super::operation::OpCx;
use super::refs::resolve;
use super::schema::lower_use;
use super::shape::SRef;
use crate::diagnostic::join;
use crate::ir::{Decode, Response, Streaming, TypeRef};

/// `text/event-stream`, with or without parameters, in any case.
pub(super) fn is_event_stream(content_type: &str) -> bool {
    content_type.split(';').next().unwrap_or_default().trim().eq_ignore_ascii_case("text/event-stream")
}

/// How the success response of `at` streams, given the response its method decodes.
pub(super) fn lower_streaming<'a>(cx: &mut Cx<'a>, at: &OpCx<'a>, success: &Response) -> Option<Streaming> {
    let responses = &at.operation.responses;
    let pointer = join(&at.pointer, "responses");
    let mut listed: Vec<(String, &'a ReferenceOr<Resp>)> = responses
        .responses
        .iter()
        .filter_map(|(status, r)| match status {
            StatusCode::Code(c) if (200..300).contains(c) => Some((c.to_string(), r)),
            StatusCode::Range(2) => Some(("2XX".to_string(), r)),
            _ => None,
        })
        .collect();
    // By status, not as listed: the result must not depend on key order.
    listed.sort_by(|a, b| a.0.cmp(&b.0));
    let mut stream = None;
    let mut other = false;
    for (status, r) in listed {
        // An unresolvable response was reported where responses are lowered.
        let Ok(resolved) = resolve(cx, r, &join(&pointer, &status)) else { continue };
        let content_pointer = join(&resolved.pointer, "content");
        for (content_type, media) in &resolved.item.content {
            if !is_event_stream(content_type) {
                other = true;
            } else if stream.is_none() {
                stream = Some((media, join(&content_pointer, content_type)));
            }
        }
    }
    let Some((media, media_pointer)) = stream else {
        // Bytes and no 2XX response: what a redirect leads to (see `lower_responses`).
        let redirected = super::content::answered_only_by_redirect(responses);
        return (success.decode == Decode::Bytes).then_some(Streaming::Bytes { redirected });
    };
    let data = media.schema.as_ref().and_then(|schema| {
        let context = format!("{}Event", at.type_base);
        match lower_use(cx, SRef::from(schema), &context, &join(&media_pointer, "schema")) {
            // Text, or anything: the raw event says more than a string or a `Value` would.
            TypeRef::String | TypeRef::Value => None,
            ty => Some(ty),
        }
    });
    // Claimed once every operation has its own name (see `lower_operations`).
    let method_name = other.then(String::new);
    Some(Streaming::Events { data, method_name })
}
