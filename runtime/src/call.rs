//! [`Call`]: what every generated method returns. Per-call settings are chained on it; awaiting
//! it (or [`Call::send`]) runs the call.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::client::Client;
use crate::clock::BoxFuture;
use crate::decode::{Decoder, finish};
use crate::error::Error;
use crate::execute::execute;
use crate::prepared::CallOptions;
use crate::request::Request;
use crate::response::{RawParts, Response};
use crate::retry::RetryPolicy;
use crate::stored::{StoredRequest, store};

/// A call that has not been sent yet. Await it (or its [`send`](Call::send)) to get a
/// [`Response<T>`] or an [`Error<E>`], where `E` is the operation's typed error body.
///
/// ```no_run
/// # async fn demo(call: gusset::Call<'_, String, ()>) -> Result<(), gusset::Error<()>> {
/// use std::time::Duration;
/// let response = call
///     .idempotency_key("order-42")
///     .correlation_id("checkout-7")
///     .timeout(Duration::from_secs(5))
///     .retry(gusset::RetryPolicy::default().max_attempts(5))
///     .header("X-Tenant", "acme")
///     .await?;
/// println!("{} after {} attempts", response.status(), response.attempts());
/// # Ok(()) }
/// ```
#[must_use = "a call does nothing until it is awaited"]
pub struct Call<'a, T, E> {
    client: &'a Client,
    request: Request,
    options: CallOptions,
    ok: Decoder<T>,
    err: Decoder<E>,
}

impl<'a, T, E> Call<'a, T, E> {
    pub(crate) fn new(client: &'a Client, request: Request, ok: Decoder<T>, err: Decoder<E>) -> Self {
        Self { client, request, options: CallOptions::default(), ok, err }
    }

    /// Uses this idempotency key instead of a generated one (and sends it even where none would
    /// be generated). Use one key per logical operation, for example an order id.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.options.idempotency_key = Some(key.into());
        self
    }

    /// Uses this correlation id instead of the ambient or a generated one.
    pub fn correlation_id(mut self, id: impl Into<String>) -> Self {
        self.options.correlation_id = Some(id.into());
        self
    }

    /// The timeout of the whole call, retries and waits included.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = Some(timeout);
        self
    }

    /// The retry policy of this call.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.options.retry = Some(policy);
        self
    }

    /// An extra header (replacing one of the same name). An invalid name or a value with CR, LF
    /// or NUL is reported as [`Error::InvalidRequest`] when the call is sent.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.options.headers.push((name.into(), value.into()));
        self
    }

    /// Prepares the call without sending it, as owned data to keep and send later with
    /// [`Client::send_stored`](crate::Client::send_stored) (what `gusset-outbox` stores).
    ///
    /// The idempotency key and correlation id are settled now, so every later attempt carries
    /// the same ones. No credential is stored: a header with a secret set on this call is an
    /// [`Error::InvalidRequest`] (set it on the client instead). This call's own timeout and retry
    /// policy are not stored; the sending client's apply.
    #[allow(clippy::result_large_err)] // the call's error type; see `decode::finish`
    pub fn into_stored(self) -> Result<StoredRequest, Error<E>> {
        let Call { client, request, mut options, .. } = self;
        let inner = &*client.inner;
        let prepared = inner.defaults.prepare(inner.api, &inner.ids, request, &mut options).map_err(|e| e.widen())?;
        store(&inner.defaults, prepared).map_err(|e| e.widen())
    }

    /// The parts of the call, for a listing that sends it page by page.
    pub(crate) fn into_parts(self) -> (&'a Client, Request, CallOptions, Decoder<T>, Decoder<E>) {
        (self.client, self.request, self.options, self.ok, self.err)
    }

    /// The same call with another success decoder (`decode_empty` for a caller that streams it).
    pub(crate) fn with_ok<U>(self, ok: Decoder<U>) -> Call<'a, U, E> {
        let Call { client, request, options, err, .. } = self;
        Call { client, request, options, ok, err }
    }

    /// The id of the operation it calls.
    pub(crate) fn operation(&self) -> &'static str {
        self.request.op.id
    }

    /// Sends the call; the same as awaiting it.
    pub fn send(self) -> CallFuture<'a, T, E> {
        self.into_future()
    }
}

impl<T, E> fmt::Debug for Call<'_, T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call").field("operation", &self.request.op.id).field("options", &self.options).finish()
    }
}

impl<'a, T, E> IntoFuture for Call<'a, T, E> {
    type Output = Result<Response<T>, Error<E>>;
    type IntoFuture = CallFuture<'a, T, E>;

    fn into_future(self) -> Self::IntoFuture {
        let Call { client, request, mut options, ok, err } = self;
        let operation = request.op.id;
        // One allocation per call, the boxed future; its code is the same non-generic code for
        // every operation, so a client with many operations does not compile it many times.
        let inner = Box::pin(async move {
            let inner = &*client.inner;
            let prepared = inner.defaults.prepare(inner.api, &inner.ids, request, &mut options)?;
            execute(inner, prepared, &options).await
        });
        CallFuture { inner, operation, ok, err }
    }
}

/// Starts a call: what every generated method returns.
pub fn call<'a, T, E>(client: &'a Client, request: Request, ok: Decoder<T>, err: Decoder<E>) -> Call<'a, T, E> {
    Call::new(client, request, ok, err)
}

/// The future of a [`Call`]. `Send` whatever `T` and `E` are (they are only produced at the end).
pub struct CallFuture<'a, T, E> {
    inner: BoxFuture<'a, Result<RawParts, Error<std::convert::Infallible>>>,
    operation: &'static str,
    ok: Decoder<T>,
    err: Decoder<E>,
}

impl<T, E> fmt::Debug for CallFuture<'_, T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallFuture").field("operation", &self.operation).finish_non_exhaustive()
    }
}

impl<T, E> Future for CallFuture<'_, T, E> {
    type Output = Result<Response<T>, Error<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        match this.inner.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(raw)) => Poll::Ready(finish(this.operation, raw, this.ok, this.err)),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e.widen())),
        }
    }
}
