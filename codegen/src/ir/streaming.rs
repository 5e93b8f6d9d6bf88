//! Operations whose success responses are read as streams, as `lower` found them and `emit`
//! writes them.

use super::TypeRef;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Streaming {
    /// A `text/event-stream` success response.
    Events {
        /// The type of an event's data, decoded from JSON; `None` when the document gives the
        /// data no schema (or a string one): the stream yields raw events then.
        data: Option<TypeRef>,
        /// The name of a method of its own for the stream, when the operation also answers with
        /// another media type (JSON, usually) that the operation's method keeps returning;
        /// `None` when the stream is all it answers, and the operation's method streams.
        method_name: Option<String>,
    },
    /// A binary success body: buffered by the method, streamed with `.bytes_stream()`.
    Bytes {
        /// The operation answers only with a redirect, which the client follows: the body is
        /// what the redirect leads to.
        redirected: bool,
    },
}
