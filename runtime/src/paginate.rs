//! Listings as streams: [`Paged`], what generated methods of paginated operations return.
//! Awaiting it gives the first page, like any [`Call`]; [`Paged::pages`] streams every page and
//! [`Paged::items`] every item of every page.
//!
//! ```no_run
//! # async fn demo(listing: gusset::Paged<'_, serde_json::Value, (), serde_json::Value>)
//! # -> Result<(), gusset::Error<()>> {
//! use gusset::TryStreamExt as _;
//! let mut items = listing.items();
//! while let Some(order) = items.try_next().await? {
//!     println!("{order}");
//! }
//! # Ok(()) }
//! ```
//!
//! Every page is a call of its own through the whole call path (retries, idempotency rules,
//! interceptors), with its own correlation id; the pages of one listing share one W3C trace, so
//! a tracing backend shows them together. The mechanics are here, non-generic; generated code
//! only describes, in a `static` [`Pagination`], where the next page's state and the items are.
//!
//! A listing ends on the last page (no next link or cursor, `has_more: false`, fewer items than
//! the page size asked for), on an empty page, on the first error, and on a cursor or link it has
//! already followed: a server that hands out the same cursor again would otherwise be paged
//! forever. That last case is logged as a `tracing` warning.

use std::collections::{HashSet, VecDeque};
use std::convert::Infallible;
use std::fmt;
use std::future::IntoFuture;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::Stream;
use http::HeaderMap;
use serde_json::Value;

use crate::call::{Call, CallFuture};
use crate::client::Client;
use crate::clock::BoxFuture;
use crate::correlation;
use crate::decode::{DecodeError, Decoder, finish, rejection};
use crate::error::Error;
use crate::execute::execute;
use crate::params::Style;
use crate::prepared::CallOptions;
use crate::request::Request;
use crate::response::{RawParts, Response};
use crate::retry::RetryPolicy;

/// How an operation pages, as generated code describes it (a `static`).
#[derive(Debug)]
pub struct Pagination {
    /// Where the next page's state is.
    pub next: Next,
    /// A JSON pointer (RFC 6901) to the array of items in a page's body; `""` when the body is
    /// the array.
    pub items: &'static str,
}

/// How the next page is asked for.
#[derive(Debug)]
pub enum Next {
    /// An RFC 8288 `Link: <url>; rel="next"` response header gives the next page's URL.
    Link,
    /// A URL in the body (a JSON pointer to it, e.g. `/meta/next_page_url`), absolute or
    /// relative to the page's own, gives the next page's.
    BodyLink(&'static str),
    /// The query parameter `param` carries a cursor taken `from` each page; with `has_more` (a
    /// JSON pointer to a boolean), a `false` there ends the listing.
    Cursor { param: &'static str, from: CursorFrom, has_more: Option<&'static str> },
    /// The query parameter `param` is an offset, advanced by each page's item count; `limit`
    /// names the page-size parameter, so a page shorter than asked for is the last.
    Offset { param: &'static str, limit: Option<&'static str> },
    /// The query parameter `param` is a page number, `first` when the caller does not set it;
    /// `size` names the page-size parameter.
    Page { param: &'static str, first: u64, size: Option<&'static str> },
}

/// Where a page's cursor is.
#[derive(Debug)]
pub enum CursorFrom {
    /// A JSON pointer into the body (`/next_cursor`, `/meta/next`).
    Field(&'static str),
    /// A JSON pointer into the page's last item (`/id` for `starting_after` listings, which also
    /// need `has_more: true` to go on).
    LastItem(&'static str),
}

/// A paginated call. Await it (or [`send`](Paged::send) it) for the first page; stream the
/// listing with [`pages`](Paged::pages) or [`items`](Paged::items). `T` is a page's body, `E`
/// the typed error body, `I` an item.
#[must_use = "a listing does nothing until it is awaited or streamed"]
pub struct Paged<'a, T, E, I> {
    call: Call<'a, T, E>,
    pagination: &'static Pagination,
    item: PhantomData<fn() -> I>,
}

/// Starts a listing: what generated methods of paginated operations return.
pub fn paged<'a, T, E, I>(call: Call<'a, T, E>, pagination: &'static Pagination) -> Paged<'a, T, E, I> {
    Paged { call, pagination, item: PhantomData }
}

impl<'a, T, E, I> Paged<'a, T, E, I> {
    /// The correlation id of the first page (later pages get fresh ones, in the same trace).
    pub fn correlation_id(self, id: impl Into<String>) -> Self {
        Self { call: self.call.correlation_id(id), ..self }
    }

    /// The timeout of each page's call, retries and waits included.
    pub fn timeout(self, timeout: Duration) -> Self {
        Self { call: self.call.timeout(timeout), ..self }
    }

    /// The retry policy of each page's call.
    pub fn retry(self, policy: RetryPolicy) -> Self {
        Self { call: self.call.retry(policy), ..self }
    }

    /// An extra header on every page's request (see [`Call::header`]).
    pub fn header(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        Self { call: self.call.header(name, value), ..self }
    }

    /// The call of the first page alone.
    pub fn into_call(self) -> Call<'a, T, E> {
        self.call
    }

    /// Sends the first page's call; the same as awaiting it.
    pub fn send(self) -> CallFuture<'a, T, E> {
        self.call.send()
    }

    /// Every page, in order, each a [`Response`] with its own status, headers and ids.
    pub fn pages(self) -> Pages<'a, T, E> {
        let operation = self.call.operation();
        let (client, request, options, ok, err) = self.call.into_parts();
        Pages { pager: Pager::new(client, request, options, self.pagination, operation), ok, err }
    }

    /// Every item of every page, in order.
    pub fn items(self) -> Items<'a, E, I> {
        let operation = self.call.operation();
        let (client, request, options, _, err) = self.call.into_parts();
        Items {
            pager: Pager::new(client, request, options, self.pagination, operation),
            err,
            buffered: VecDeque::new(),
        }
    }
}

impl<T, E, I> fmt::Debug for Paged<'_, T, E, I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paged").field("call", &self.call).field("pagination", &self.pagination).finish()
    }
}

impl<'a, T, E, I> IntoFuture for Paged<'a, T, E, I> {
    type Output = Result<Response<T>, Error<E>>;
    type IntoFuture = CallFuture<'a, T, E>;

    fn into_future(self) -> Self::IntoFuture {
        self.call.into_future()
    }
}

/// The pages of a listing, a [`Stream`] of [`Response`]s; from [`Paged::pages`].
pub struct Pages<'a, T, E> {
    pager: Pager<'a>,
    ok: Decoder<T>,
    err: Decoder<E>,
}

impl<T, E> fmt::Debug for Pages<'_, T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages").field("operation", &self.pager.operation).finish_non_exhaustive()
    }
}

impl<T, E> Stream for Pages<'_, T, E> {
    type Item = Result<Response<T>, Error<E>>;

    #[allow(clippy::result_large_err)] // the call's error type; see `decode::finish`
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let operation = this.pager.operation;
        this.pager.poll_page(cx).map(|page| {
            page.map(|page| match page {
                Ok((raw, _)) => finish(operation, raw, this.ok, this.err),
                Err(e) => Err(e.widen()),
            })
        })
    }
}

/// The items of a listing, a [`Stream`]; from [`Paged::items`].
pub struct Items<'a, E, I> {
    pager: Pager<'a>,
    err: Decoder<E>,
    buffered: VecDeque<I>,
}

impl<E, I> fmt::Debug for Items<'_, E, I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Items")
            .field("operation", &self.pager.operation)
            .field("buffered", &self.buffered.len())
            .finish_non_exhaustive()
    }
}

// Items are only moved, never pinned.
impl<E, I> Unpin for Items<'_, E, I> {}

impl<E, I: serde::de::DeserializeOwned> Stream for Items<'_, E, I> {
    type Item = Result<I, Error<E>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.buffered.pop_front() {
                return Poll::Ready(Some(Ok(item)));
            }
            let page = match this.pager.poll_page(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e.widen()))),
                Poll::Ready(Some(Ok(page))) => page,
            };
            match this.page_items(page) {
                Ok(items) => this.buffered.extend(items),
                Err(e) => {
                    this.pager.stop();
                    return Poll::Ready(Some(Err(e)));
                }
            }
        }
    }
}

impl<E, I: serde::de::DeserializeOwned> Items<'_, E, I> {
    /// A page's items, or its error: an error status decoded with the operation's error decoder.
    #[allow(clippy::result_large_err)] // the call's error type; see `decode::finish`
    fn page_items(&self, (raw, value): (RawParts, Option<Value>)) -> Result<Vec<I>, Error<E>> {
        let operation = self.pager.operation;
        if !raw.status.is_success() {
            // Never `Ok`: an error status goes to the error decoder.
            return finish(operation, raw, no_body, self.err).map(|_| Vec::new());
        }
        let pointer = self.pager.pagination.items;
        let items = match value {
            Some(mut value) => value.pointer_mut(pointer).map(Value::take),
            None => return Err(rejection(operation, raw, DecodeError::new("a page is not json")).widen()),
        };
        match items {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(items) => serde_json::from_value(items).map_err(|e| {
                let message = format!("the items of a page (at `{pointer}`) do not decode: {e}");
                rejection(operation, raw, DecodeError::new(message)).widen()
            }),
        }
    }
}

fn no_body(_: &crate::decode::RawResponse<'_>) -> Result<(), DecodeError> {
    Ok(())
}

/// A page's result before decoding: the raw response and its body as JSON, when it is JSON.
type Page = (RawParts, Option<Value>);

/// A page's call under way.
type InFlight<'a> = BoxFuture<'a, Result<RawParts, Error<Infallible>>>;

/// The non-generic engine of both streams: sends a page, works out the next one.
struct Pager<'a> {
    client: &'a Client,
    pagination: &'static Pagination,
    operation: &'static str,
    /// What every page's call starts from: headers, timeout, retry policy.
    options: CallOptions,
    /// The next page's request; `None` once the listing is over.
    next: Option<Request>,
    /// The page being fetched: its request (to derive the next one from), URL, and call.
    in_flight: Option<(Request, reqwest::Url, InFlight<'a>)>,
    /// The listing's trace, settled with the first page.
    trace_id: Option<u128>,
    /// Cursors and links already followed.
    seen: HashSet<String>,
}

impl<'a> Pager<'a> {
    fn new(
        client: &'a Client,
        request: Request,
        options: CallOptions,
        pagination: &'static Pagination,
        operation: &'static str,
    ) -> Self {
        Pager {
            client,
            pagination,
            operation,
            options,
            next: Some(request),
            in_flight: None,
            trace_id: None,
            seen: HashSet::new(),
        }
    }

    fn stop(&mut self) {
        self.next = None;
        self.in_flight = None;
    }

    fn poll_page(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Page, Error<Infallible>>>> {
        if self.in_flight.is_none() {
            let Some(request) = self.next.take() else { return Poll::Ready(None) };
            if let Err(e) = self.start(request) {
                self.stop();
                return Poll::Ready(Some(Err(e)));
            }
        }
        let Some((_, _, future)) = self.in_flight.as_mut() else { return Poll::Ready(None) };
        let raw = match future.as_mut().poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(raw) => raw,
        };
        let Some((request, url, _)) = self.in_flight.take() else { return Poll::Ready(None) };
        let raw = match raw {
            Ok(raw) => raw,
            Err(e) => {
                self.stop();
                return Poll::Ready(Some(Err(e)));
            }
        };
        if !raw.status.is_success() {
            self.stop();
            return Poll::Ready(Some(Ok((raw, None))));
        }
        let value = serde_json::from_slice::<Value>(&raw.body).ok();
        self.next = self.follow(request, &url, &raw.headers, value.as_ref());
        Poll::Ready(Some(Ok((raw, value))))
    }

    /// Prepares a page's call and starts it; each page gets its own correlation id (the caller's
    /// or the ambient one for the first) and the listing's trace.
    #[allow(clippy::result_large_err)] // the call's error type; see `decode::finish`
    fn start(&mut self, request: Request) -> Result<(), Error<Infallible>> {
        let inner = &*self.client.inner;
        let mut options = self.options.clone();
        // Only the first page takes the caller's correlation id.
        self.options.correlation_id = None;
        let trace_id = match self.trace_id {
            Some(trace_id) => trace_id,
            None => {
                let id = options
                    .correlation_id
                    .take()
                    .or_else(correlation::current)
                    .unwrap_or_else(|| inner.ids.correlation_id());
                let trace_id = correlation::trace_id_of(&id).unwrap_or_else(|| inner.ids.trace_id());
                options.correlation_id = Some(id);
                *self.trace_id.insert(trace_id)
            }
        };
        options.trace_id = Some(trace_id);
        let kept = request.clone();
        let prepared = inner.defaults.prepare(inner.api, &inner.ids, request, &mut options)?;
        let url = prepared.url.clone();
        let client = self.client;
        let future = Box::pin(async move { execute(&client.inner, prepared, &options).await });
        self.in_flight = Some((kept, url, future));
        Ok(())
    }

    /// The request of the page after this one, or `None` when this one is the last.
    fn follow(
        &mut self,
        mut request: Request,
        url: &reqwest::Url,
        headers: &HeaderMap,
        body: Option<&Value>,
    ) -> Option<Request> {
        let items = body.and_then(|b| b.pointer(self.pagination.items)).and_then(Value::as_array);
        if items.is_some_and(Vec::is_empty) {
            return None;
        }
        match &self.pagination.next {
            Next::Link => request.url = Some(self.link(url, &next_link(headers)?)?),
            Next::BodyLink(pointer) => match body?.pointer(pointer)? {
                Value::String(target) if !target.is_empty() => request.url = Some(self.link(url, target)?),
                _ => return None,
            },
            Next::Cursor { param, from, has_more } => {
                let more = has_more.and_then(|p| body?.pointer(p)?.as_bool());
                if more == Some(false) {
                    return None;
                }
                let cursor = match from {
                    CursorFrom::Field(pointer) => body?.pointer(pointer),
                    // Without `has_more: true`, a last item does not say there is more.
                    CursorFrom::LastItem(pointer) => items?.last()?.pointer(pointer).filter(|_| more == Some(true)),
                };
                let cursor = match cursor? {
                    Value::String(s) if !s.is_empty() => s.clone(),
                    Value::Number(n) => n.to_string(),
                    _ => return None,
                };
                self.first_time(&cursor)?;
                set_query(&mut request, param, &cursor);
            }
            Next::Offset { param, limit } => {
                let count = items?.len() as u64;
                if limit.and_then(|l| query_number(&request, l)).is_some_and(|limit| count < limit) {
                    return None;
                }
                let offset = query_number(&request, param).unwrap_or(0);
                set_query(&mut request, param, &offset.saturating_add(count).to_string());
            }
            Next::Page { param, first, size } => {
                let count = items?.len() as u64;
                if size.and_then(|s| query_number(&request, s)).is_some_and(|size| count < size) {
                    return None;
                }
                let page = query_number(&request, param).unwrap_or(*first);
                set_query(&mut request, param, &page.saturating_add(1).to_string());
            }
        }
        Some(request)
    }

    /// The next page's URL from a link on the page at `url`: on the same origin (credentials go
    /// to the API's host only) and not followed before.
    fn link(&mut self, url: &reqwest::Url, target: &str) -> Option<reqwest::Url> {
        let next = url.join(target).ok()?;
        if next.origin() != url.origin() {
            tracing::warn!(operation = self.operation, "not following a next-page link to another origin");
            return None;
        }
        self.first_time(next.as_str())?;
        Some(next)
    }

    /// `Some` the first time a cursor or link comes; `None` (and a warning) when it repeats.
    fn first_time(&mut self, state: &str) -> Option<()> {
        if self.seen.insert(state.to_owned()) {
            return Some(());
        }
        tracing::warn!(
            operation = self.operation,
            "the server repeated a page's cursor or link; the listing ends here"
        );
        None
    }
}

/// The decoded pairs of a query string, as the runtime wrote it.
fn pairs(query: &str) -> impl Iterator<Item = (String, &str)> {
    query.split('&').filter(|pair| !pair.is_empty()).map(|pair| {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_encoding::percent_decode_str(name).decode_utf8_lossy().into_owned(), value)
    })
}

/// The number a query parameter of the request holds, if it holds one.
fn query_number(request: &Request, name: &str) -> Option<u64> {
    let (_, value) = pairs(&request.query).find(|(n, _)| n == name)?;
    percent_encoding::percent_decode_str(value).decode_utf8_lossy().parse().ok()
}

/// Replaces every value of the query parameter `name` with `value`.
fn set_query(request: &mut Request, name: &str, value: &str) {
    let kept: Vec<&str> = request
        .query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter(|pair| pairs(pair).all(|(n, _)| n != name))
        .collect();
    request.query = kept.join("&");
    request.query(name, value, Style::Form, true);
}

/// The target of the first `rel="next"` link of the `Link` headers (RFC 8288).
///
/// Written here rather than taken from a crate: only the `next` target is needed, and the
/// crates that parse whole `Link` headers pull in a URL or regex stack of their own.
fn next_link(headers: &HeaderMap) -> Option<String> {
    for value in headers.get_all(http::header::LINK) {
        let Ok(text) = value.to_str() else { continue };
        let mut rest = text;
        while let Some(open) = rest.find('<') {
            let close = open + rest[open..].find('>')?;
            let target = &rest[open + 1..close];
            // The parameters run to the next link, a `,` outside a quoted string.
            let params_start = close + 1;
            let mut quoted = false;
            let mut end = rest.len();
            for (at, c) in rest[params_start..].char_indices() {
                match c {
                    '"' => quoted = !quoted,
                    ',' if !quoted => {
                        end = params_start + at;
                        break;
                    }
                    _ => {}
                }
            }
            if is_next(&rest[params_start..end]) {
                return Some(target.trim().to_owned());
            }
            rest = &rest[end..];
        }
    }
    None
}

/// Whether a link's parameters (`; rel="next"`, `;rel=next`, `; rel="prev next"`) say `next`.
fn is_next(params: &str) -> bool {
    params.split(';').any(|param| {
        let Some((name, value)) = param.split_once('=') else { return false };
        name.trim().eq_ignore_ascii_case("rel")
            && value.trim().trim_matches('"').split_ascii_whitespace().any(|rel| rel.eq_ignore_ascii_case("next"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(value: &'static str) -> Option<String> {
        let mut headers = HeaderMap::new();
        headers.insert(http::header::LINK, http::HeaderValue::from_static(value));
        next_link(&headers)
    }

    #[test]
    fn next_links() {
        let github = r#"<https://api.github.com/repositories/1/issues?page=2>; rel="next", <https://api.github.com/repositories/1/issues?page=5>; rel="last""#;
        assert_eq!(link(github).as_deref(), Some("https://api.github.com/repositories/1/issues?page=2"));
        assert_eq!(link(r#"</a?page=1>; rel="prev", </a?page=3>;rel=next"#).as_deref(), Some("/a?page=3"));
        assert_eq!(link(r#"</x>; title="a, b"; rel="prev next""#).as_deref(), Some("/x"));
        assert_eq!(link(r#"</a>; rel="prev", </b>; rel="last""#), None);
        assert_eq!(link(r#"</a>; rel="nextish""#), None);
        assert_eq!(link("garbage <unclosed"), None);
    }

    #[test]
    fn query_rewrites() {
        let op = Box::leak(Box::new(crate::api::Operation {
            id: "list",
            method: http::Method::GET,
            path: "/items",
            idempotency: crate::idempotency::Idempotency::Default,
            security: &[],
        }));
        let mut request = Request::new(op);
        request.query("limit", &10, Style::Form, true);
        request.query("cursor", "a b", Style::Form, true);
        request.query("tag", &["x", "y"], Style::Form, true);
        set_query(&mut request, "cursor", "next&=1");
        assert_eq!(request.query, "limit=10&tag=x&tag=y&cursor=next%26%3D1");
        assert_eq!(query_number(&request, "limit"), Some(10));
        assert_eq!(query_number(&request, "offset"), None);
        set_query(&mut request, "offset", "20");
        assert_eq!(query_number(&request, "offset"), Some(20));
    }
}
