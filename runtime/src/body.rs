//! Reading a response body under the client's size limit.

use bytes::{Bytes, BytesMut};

/// A response body as read.
pub(crate) enum Body {
    Complete(Bytes),
    /// Over the limit; reading stopped there.
    TooLarge,
    /// The body broke off after `partial`.
    CutOff {
        partial: Bytes,
        source: reqwest::Error,
    },
}

/// Reads the body up to `limit` bytes, never holding more: a `Content-Length` over the limit is
/// refused before reading, and a body without one is cut off as soon as it passes the limit. A
/// body in one chunk (the common case for small JSON) is returned without copying.
pub(crate) async fn read_body(response: &mut reqwest::Response, limit: usize) -> Body {
    let limit_u64 = u64::try_from(limit).unwrap_or(u64::MAX);
    if response.content_length().is_some_and(|len| len > limit_u64) {
        return Body::TooLarge;
    }
    let first = match response.chunk().await {
        Ok(Some(first)) => first,
        Ok(None) => return Body::Complete(Bytes::new()),
        Err(source) => return Body::CutOff { partial: Bytes::new(), source },
    };
    if first.len() > limit {
        return Body::TooLarge;
    }
    let second = match response.chunk().await {
        Ok(Some(second)) => second,
        Ok(None) => return Body::Complete(first),
        Err(source) => return Body::CutOff { partial: first, source },
    };
    let expected = response.content_length().map_or(0, |len| usize::try_from(len).unwrap_or(limit));
    let mut buf = BytesMut::with_capacity(expected.max(first.len() + second.len()).min(limit));
    buf.extend_from_slice(&first);
    let mut next = second;
    loop {
        if buf.len().saturating_add(next.len()) > limit {
            return Body::TooLarge;
        }
        buf.extend_from_slice(&next);
        next = match response.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => return Body::Complete(buf.freeze()),
            Err(source) => return Body::CutOff { partial: buf.freeze(), source },
        };
    }
}
