//! Responses read as they arrive: server-sent events ([`EventsCall`] → [`EventStream`]) and
//! binary bodies ([`Call::bytes_stream`] → [`ByteStream`]).
//!
//! ```no_run
//! # async fn demo(call: gusset::EventsCall<'_, serde_json::Value, ()>) -> Result<(), gusset::Error<()>> {
//! use gusset::TryStreamExt as _;
//! let mut chunks = call.await?;
//! while let Some(chunk) = chunks.try_next().await? {
//!     println!("{chunk}");
//! }
//! # Ok(()) }
//! ```
//!
//! Until the response head arrives a stream is a call like any other: the connection, the
//! status, retries with their backoff and idempotency rules, credentials, interceptors,
//! correlation ids and the attempt and call timeouts all apply, so a 503 before the first byte
//! is retried. Once a success head has arrived, nothing is resent: a connection that drops
//! mid-body ends the stream with [`Error::Transport`] after the events that did arrive (resume
//! from [`EventStream::last_event_id`] with a `Last-Event-ID` header if the API supports it).
//! The body has no timer of its own (a change feed may stay open for hours): bound it with
//! `tokio::time::timeout` where needed. Dropping a stream closes its connection, which cancels
//! the request on the server's side.
//!
//! An event is bounded by the client's buffered-body limit
//! ([`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes)): a longer one
//! ends the stream with [`Error::ResponseTooLarge`]. A byte stream has no limit; that is what it
//! is for.
//!
//! In a typed stream (the document gives the event data a schema), each event's data is decoded
//! from JSON. Data that does not decode is an [`Error::Decode`] item naming the event type and
//! id, and the stream goes on with the next event: a caller that wants to stop stops (as
//! `try_next` does), one that wants to skip bad events can. An event whose data is `[DONE]` (the
//! sentinel OpenAI-style APIs send last) ends a typed stream and closes the connection. A stream
//! of raw [`Event`](crate::sse::Event)s delivers every event as it is, `[DONE]` included.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::Stream;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use http_body::Body as _;

use crate::call::Call;
use crate::clock::BoxFuture;
use crate::decode::{DecodeError, Decoder, decode_empty, decode_text, finish, rejection};
use crate::error::Error;
use crate::execute::execute;
use crate::failure::context;
use crate::response::{CallMeta, RawParts, Response};
use crate::retry::RetryPolicy;
use crate::sse::{Event, Parser};
use crate::text::{printable, snippet};

/// The `Accept` of an event stream.
static EVENT_STREAM: HeaderValue = HeaderValue::from_static("text/event-stream");

/// Turns one event into a stream item: `Ok(None)` ends the stream (a `[DONE]` sentinel).
pub type EventDecoder<T> = fn(&Event) -> Result<Option<T>, DecodeError>;

/// Event data as JSON; `[DONE]` ends the stream.
pub fn decode_event_json<T: serde::de::DeserializeOwned>(event: &Event) -> Result<Option<T>, DecodeError> {
    if event.data == "[DONE]" {
        return Ok(None);
    }
    serde_json::from_str(&event.data).map(Some).map_err(|e| DecodeError::new(format!("invalid json: {e}")))
}

/// The event itself, for data the document gives no schema.
pub fn decode_event(event: &Event) -> Result<Option<Event>, DecodeError> {
    Ok(Some(event.clone()))
}

/// A call whose response is a stream of server-sent events: what generated methods of
/// `text/event-stream` operations return. Await it (or [`send`](EventsCall::send) it) for an
/// [`EventStream`]; `T` is an event's decoded data, `E` the typed error body. It sends
/// `Accept: text/event-stream` unless the caller sets another `Accept`.
#[must_use = "a call does nothing until it is awaited"]
pub struct EventsCall<'a, T, E> {
    call: Call<'a, (), E>,
    decode: EventDecoder<T>,
}

/// Starts an event stream's call: what generated methods of `text/event-stream` operations return.
pub fn events<'a, T, E>(call: Call<'a, (), E>, decode: EventDecoder<T>) -> EventsCall<'a, T, E> {
    EventsCall { call, decode }
}

impl<'a, T, E> EventsCall<'a, T, E> {
    /// See [`Call::idempotency_key`].
    pub fn idempotency_key(self, key: impl Into<String>) -> Self {
        Self { call: self.call.idempotency_key(key), ..self }
    }

    /// See [`Call::correlation_id`].
    pub fn correlation_id(self, id: impl Into<String>) -> Self {
        Self { call: self.call.correlation_id(id), ..self }
    }

    /// The timeout until the response head, retries and waits included (the stream itself has
    /// none).
    pub fn timeout(self, timeout: Duration) -> Self {
        Self { call: self.call.timeout(timeout), ..self }
    }

    /// The retry policy until the response head.
    pub fn retry(self, policy: RetryPolicy) -> Self {
        Self { call: self.call.retry(policy), ..self }
    }

    /// An extra header (see [`Call::header`]); `Last-Event-ID` resumes a stream where the API
    /// supports it.
    pub fn header(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        Self { call: self.call.header(name, value), ..self }
    }

    /// The same call, reading the whole stream as text under the client's buffered-body limit
    /// (what a call by operation id with JSON arguments does).
    pub fn into_buffered(self) -> Call<'a, String, E> {
        self.call.with_ok(decode_text)
    }

    /// Sends the call; the same as awaiting it.
    pub fn send(self) -> EventsFuture<'a, T, E> {
        self.into_future()
    }
}

impl<T, E> fmt::Debug for EventsCall<'_, T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventsCall").field("call", &self.call).finish_non_exhaustive()
    }
}

impl<'a, T, E> IntoFuture for EventsCall<'a, T, E> {
    type Output = Result<EventStream<T, E>, Error<E>>;
    type IntoFuture = EventsFuture<'a, T, E>;

    fn into_future(self) -> Self::IntoFuture {
        EventsFuture { opening: open(self.call, Some(&EVENT_STREAM)), decode: self.decode }
    }
}

fn is_event_stream(content_type: &[u8]) -> bool {
    let essence = content_type.split(|&b| b == b';').next().unwrap_or_default();
    essence.trim_ascii().eq_ignore_ascii_case(b"text/event-stream")
}

impl<'a, T, E> Call<'a, T, E> {
    /// Sends the call and streams a successful response's body as it arrives, in chunks of
    /// [`Bytes`], instead of buffering it: for downloads larger than the client's
    /// buffered-body limit, or to process them on the fly. Error responses are buffered and
    /// decoded as usual. Retries and timeouts apply until the response head, as for
    /// [events](crate::EventsCall).
    pub fn bytes_stream(self) -> BytesFuture<'a, E> {
        BytesFuture { opening: open(self.with_ok(decode_empty), None) }
    }
}

/// What a stream keeps of its call.
#[derive(Debug)]
struct Head {
    operation: &'static str,
    status: StatusCode,
    headers: HeaderMap,
    meta: CallMeta,
}

impl Head {
    fn context(&self) -> crate::error::ErrorContext {
        context(self.operation, self.meta.clone(), true)
    }

    fn transport<E>(&self, source: reqwest::Error) -> Error<E> {
        tracing::debug!(
            operation = self.operation,
            correlation_id = %self.meta.correlation_id,
            error = %source,
            "the stream broke off"
        );
        Error::Transport { source, context: self.context() }
    }

    fn decode<E>(&self, message: String, snippet: String) -> Error<E> {
        Error::Decode { status: self.status, message, snippet, context: self.context() }
    }
}

/// A success response whose body is yet to be read.
struct Opened {
    body: Pin<Box<reqwest::Body>>,
    head: Head,
    /// The client's buffered-body limit.
    limit: usize,
}

/// A call on its way to a streamed response: the same non-generic code for every operation.
struct Opening<'a, E> {
    inner: BoxFuture<'a, Result<(RawParts, usize), Error<Infallible>>>,
    operation: &'static str,
    err: Decoder<E>,
}

/// Runs `call` through the whole call path, leaving a success body unread.
fn open<'a, E>(call: Call<'a, (), E>, accept: Option<&'static HeaderValue>) -> Opening<'a, E> {
    let operation = call.operation();
    let (client, mut request, mut options, _, err) = call.into_parts();
    if let Some(accept) = accept {
        request.accept = Some(accept.clone());
    }
    options.stream = true;
    let inner = Box::pin(async move {
        let inner = &*client.inner;
        let prepared = inner.defaults.prepare(inner.api, &inner.ids, request, &mut options)?;
        execute(inner, prepared, &options).await.map(|raw| (raw, inner.responses.max_bytes))
    });
    Opening { inner, operation, err }
}

impl<E> Opening<'_, E> {
    /// The unread body, its head and the client's buffered-body limit; or the call's error.
    #[allow(clippy::result_large_err)] // the call's error type; see `decode::finish`
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<Opened, Error<E>>> {
        let (mut raw, limit) = match self.inner.as_mut().poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e.widen())),
            Poll::Ready(Ok(done)) => done,
        };
        let operation = self.operation;
        let Some(response) = raw.stream.take() else {
            // Not a success (only those are left unread): the error body, decoded as usual.
            return Poll::Ready(Err(match finish(operation, raw, decode_empty, self.err) {
                Err(e) => e,
                Ok(response) => {
                    let Response { status, headers, meta, .. } = response;
                    let raw = RawParts { status, headers, body: Bytes::new(), meta, stream: None };
                    rejection(operation, raw, DecodeError::new("the response has no body to stream")).widen()
                }
            }));
        };
        let RawParts { status, headers, meta, .. } = raw;
        let head = Head { operation, status, headers, meta };
        Poll::Ready(Ok(Opened { body: Box::pin(reqwest::Body::from(*response)), head, limit }))
    }
}

/// The future of an [`EventsCall`]: an [`EventStream`] once a success response head arrived,
/// or the call's error.
#[must_use = "futures do nothing unless polled"]
pub struct EventsFuture<'a, T, E> {
    opening: Opening<'a, E>,
    decode: EventDecoder<T>,
}

impl<T, E> Future for EventsFuture<'_, T, E> {
    type Output = Result<EventStream<T, E>, Error<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let Opened { body, head, limit } = match this.opening.poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Ready(Ok(opened)) => opened,
        };
        if let Some(found) = head.headers.get(header::CONTENT_TYPE).map(HeaderValue::as_bytes)
            && !is_event_stream(found)
        {
            let found = printable(&String::from_utf8_lossy(found));
            return Poll::Ready(Err(
                head.decode(format!("expected `text/event-stream`, got content type `{found}`"), String::new())
            ));
        }
        Poll::Ready(Ok(EventStream {
            body,
            parser: Parser::new(),
            pending: VecDeque::new(),
            decode: this.decode,
            limit,
            head,
            ended: false,
            overflow: false,
            error: PhantomData,
        }))
    }
}

impl<T, E> fmt::Debug for EventsFuture<'_, T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventsFuture").field("operation", &self.opening.operation).finish_non_exhaustive()
    }
}

/// The future of [`Call::bytes_stream`]: a [`ByteStream`] once a success response head
/// arrived, or the call's error.
#[must_use = "futures do nothing unless polled"]
pub struct BytesFuture<'a, E> {
    opening: Opening<'a, E>,
}

impl<E> Future for BytesFuture<'_, E> {
    type Output = Result<ByteStream<E>, Error<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut().opening.poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Ready(Ok(Opened { body, head, .. })) => {
                Poll::Ready(Ok(ByteStream { body, head, ended: false, error: PhantomData }))
            }
        }
    }
}

impl<E> fmt::Debug for BytesFuture<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BytesFuture").field("operation", &self.opening.operation).finish_non_exhaustive()
    }
}

/// The next data chunk of a body: `None` at its end.
fn poll_chunk(body: &mut Pin<Box<reqwest::Body>>, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, reqwest::Error>>> {
    loop {
        match body.as_mut().poll_frame(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(None) => return Poll::Ready(None),
            Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
            // Trailers carry no data.
            Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                Ok(data) if data.is_empty() => {}
                Ok(data) => return Poll::Ready(Some(Ok(data))),
                Err(_) => {}
            },
        }
    }
}

/// The server-sent events of a response, as a [`Stream`] of `Result<T, Error<E>>`; see the
/// [module docs](crate::EventsCall) for how it ends.
#[must_use = "streams do nothing unless polled"]
pub struct EventStream<T, E> {
    body: Pin<Box<reqwest::Body>>,
    parser: Parser,
    pending: VecDeque<Event>,
    decode: EventDecoder<T>,
    limit: usize,
    head: Head,
    ended: bool,
    /// An event grew past `limit`: reported once the events before it are delivered.
    overflow: bool,
    error: PhantomData<fn() -> E>,
}

impl<T, E> EventStream<T, E> {
    /// The response status.
    pub fn status(&self) -> StatusCode {
        self.head.status
    }
    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.head.headers
    }
    /// The call's correlation id.
    pub fn correlation_id(&self) -> &str {
        &self.head.meta.correlation_id
    }
    /// Attempts it took to get the response head.
    pub fn attempts(&self) -> u32 {
        self.head.meta.attempts
    }
    /// The last event id the server set, to resume with a `Last-Event-ID` header.
    pub fn last_event_id(&self) -> Option<&str> {
        self.parser.last_event_id()
    }
    /// The reconnection time the server last asked for with `retry:`, if any.
    pub fn retry(&self) -> Option<Duration> {
        self.parser.retry()
    }

    fn decode_error(&self, event: &Event, e: &DecodeError) -> Error<E> {
        let id = event.id.as_deref().map(|id| format!(" (id `{}`)", id.escape_debug())).unwrap_or_default();
        let message = printable(&format!("event `{}`{id}: {}", event.event.escape_debug(), e.message()));
        self.head.decode(message, snippet(event.data.as_bytes()))
    }

    /// Ends the stream and closes its connection; events already parsed are still delivered.
    fn end(&mut self) {
        self.ended = true;
        self.body = Box::pin(reqwest::Body::from(Bytes::new()));
    }
}

impl<T, E> Stream for EventStream<T, E> {
    type Item = Result<T, Error<E>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(event) = this.pending.pop_front() {
                return Poll::Ready(match (this.decode)(&event) {
                    Ok(Some(item)) => Some(Ok(item)),
                    Ok(None) => {
                        this.end();
                        this.pending.clear();
                        this.overflow = false;
                        None
                    }
                    Err(e) => Some(Err(this.decode_error(&event, &e))),
                });
            }
            if this.ended {
                if std::mem::take(&mut this.overflow) {
                    let (status, limit, context) = (this.head.status, this.limit, this.head.context());
                    return Poll::Ready(Some(Err(Error::ResponseTooLarge { status, limit, context })));
                }
                return Poll::Ready(None);
            }
            match poll_chunk(&mut this.body, cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(chunk))) => {
                    this.pending.extend(this.parser.feed(&chunk));
                    if this.parser.buffered() > this.limit {
                        this.end();
                        this.overflow = true;
                    }
                }
                Poll::Ready(Some(Err(e))) => {
                    this.end();
                    return Poll::Ready(Some(Err(this.head.transport(e))));
                }
                Poll::Ready(None) => {
                    this.end();
                    return Poll::Ready(None);
                }
            }
        }
    }
}

impl<T, E> fmt::Debug for EventStream<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream")
            .field("operation", &self.head.operation)
            .field("status", &self.head.status)
            .field("correlation_id", &self.head.meta.correlation_id)
            .field("last_event_id", &self.parser.last_event_id())
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}

/// A response body as a [`Stream`] of [`Bytes`] chunks, as they arrive; a connection that drops
/// mid-body ends it with [`Error::Transport`].
#[must_use = "streams do nothing unless polled"]
pub struct ByteStream<E> {
    body: Pin<Box<reqwest::Body>>,
    head: Head,
    ended: bool,
    error: PhantomData<fn() -> E>,
}

impl<E> ByteStream<E> {
    /// The response status.
    pub fn status(&self) -> StatusCode {
        self.head.status
    }
    /// The response headers (`Content-Length`, `Content-Type`...).
    pub fn headers(&self) -> &HeaderMap {
        &self.head.headers
    }
    /// The call's correlation id.
    pub fn correlation_id(&self) -> &str {
        &self.head.meta.correlation_id
    }
    /// Attempts it took to get the response head.
    pub fn attempts(&self) -> u32 {
        self.head.meta.attempts
    }
}

impl<E> Stream for ByteStream<E> {
    type Item = Result<Bytes, Error<E>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.ended {
            return Poll::Ready(None);
        }
        match poll_chunk(&mut this.body, cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Ok(chunk))) => Poll::Ready(Some(Ok(chunk))),
            Poll::Ready(Some(Err(e))) => {
                this.ended = true;
                Poll::Ready(Some(Err(this.head.transport(e))))
            }
            Poll::Ready(None) => {
                this.ended = true;
                Poll::Ready(None)
            }
        }
    }
}

impl<E> fmt::Debug for ByteStream<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ByteStream")
            .field("operation", &self.head.operation)
            .field("status", &self.head.status)
            .field("correlation_id", &self.head.meta.correlation_id)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_data_decodes_and_done_ends() {
        let event = |data: &str| Event { event: "delta".into(), data: data.into(), ..Event::default() };
        assert_eq!(decode_event_json::<Vec<u8>>(&event("[1, 2]")), Ok(Some(vec![1, 2])));
        assert_eq!(decode_event_json::<Vec<u8>>(&event("[DONE]")), Ok(None));
        assert!(decode_event_json::<Vec<u8>>(&event("{")).unwrap_err().message().starts_with("invalid json"));
        assert_eq!(decode_event(&event("[DONE]")), Ok(Some(event("[DONE]"))));
    }

    #[test]
    fn event_stream_content_types() {
        assert!(is_event_stream(b"text/event-stream"));
        assert!(is_event_stream(b"Text/Event-Stream; charset=utf-8"));
        assert!(!is_event_stream(b"application/json"));
    }
}
