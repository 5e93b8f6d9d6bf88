//! Short-lived bearer tokens: the [`TokenProvider`] trait, what a provider may use
//! ([`TokenContext`]), and the cache in front of every provider.
//!
//! A provider's token is cached here, not in the provider, so every provider (the built-in
//! OAuth2 ones in [`crate::oauth`] and a user's own) gets the same behaviour: one fetch for many
//! concurrent calls, a refresh shortly before expiry, and one forced refresh when the server
//! rejects the token.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http::HeaderValue;

use crate::clock::{BoxFuture, Clock, Sleep};
use crate::ids::Ids;
use crate::retry::RetryPolicy;

/// The error a [`TokenProvider`] returns. The built-in providers return a
/// [`TokenEndpointError`](crate::oauth::TokenEndpointError) (downcast to read it); a call that
/// could not get a token ends with [`Error::Token`](crate::Error::Token).
pub type TokenError = Box<dyn std::error::Error + Send + Sync>;

/// A short-lived bearer token and when it expires.
#[derive(Clone)]
pub struct Token {
    value: String,
    expires_at: Option<SystemTime>,
}

impl Token {
    /// A token without a known expiry (kept until the server rejects it).
    pub fn new(value: impl Into<String>) -> Self {
        Self { value: value.into(), expires_at: None }
    }

    /// Sets when the token expires; it is refreshed shortly before (see [`TokenSource::provider`]).
    pub fn expires_at(mut self, at: SystemTime) -> Self {
        self.expires_at = Some(at);
        self
    }

    /// When the token expires, if known.
    pub fn expiry(&self) -> Option<SystemTime> {
        self.expires_at
    }

    /// The token itself. Handle with care: it is a credential.
    pub fn secret(&self) -> &str {
        &self.value
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token").field("value", &"<redacted>").field("expires_at", &self.expires_at).finish()
    }
}

/// What a [`TokenProvider`] may use to fetch a token: the client's HTTP connection pool, its
/// retry policy and backoff, its sleeper and its clock (so a provider's requests behave like the
/// client's, and tests with a [`ManualClock`](crate::clock::ManualClock) need no real waiting).
#[derive(Clone, Copy)]
pub struct TokenContext<'a> {
    pub(crate) http: &'a reqwest::Client,
    pub(crate) retry: &'a RetryPolicy,
    pub(crate) sleeper: &'a dyn Sleep,
    pub(crate) clock: &'a dyn Clock,
    pub(crate) ids: &'a Ids,
}

impl<'a> TokenContext<'a> {
    /// The client's HTTP client (its connection pool, proxy and TLS settings).
    pub fn http(&self) -> &'a reqwest::Client {
        self.http
    }

    /// The client's retry policy.
    pub fn retry_policy(&self) -> &'a RetryPolicy {
        self.retry
    }

    /// The client's wall clock: compute expiry times from it.
    pub fn now(&self) -> SystemTime {
        self.clock.now()
    }

    /// The client's jittered backoff before retry number `retry` (1 for the first retry).
    pub fn backoff(&self, retry: u32) -> Duration {
        self.retry.delay(retry, self.ids.next_u64())
    }

    /// Waits with the client's sleeper (instant under a test sleeper).
    pub fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        self.sleeper.sleep(duration)
    }
}

impl fmt::Debug for TokenContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenContext").field("retry", self.retry).finish_non_exhaustive()
    }
}

/// A source of short-lived bearer tokens: an OAuth2 flow (the built-in
/// [`ClientCredentials`](crate::oauth::ClientCredentials) and
/// [`RefreshToken`](crate::oauth::RefreshToken) are ordinary implementations), a cloud metadata
/// endpoint, a vault... The client caches what [`token`](Self::token) returns and asks again
/// shortly before it expires, and once more when the server rejects it with a 401.
///
/// ```
/// use gusset::{Token, TokenContext, TokenProvider, TokenError};
/// use gusset::clock::BoxFuture;
/// use std::time::Duration;
///
/// struct Vault;
/// impl TokenProvider for Vault {
///     fn token<'a>(&'a self, cx: TokenContext<'a>) -> BoxFuture<'a, Result<Token, TokenError>> {
///         Box::pin(async move {
///             Ok(Token::new("short-lived").expires_at(cx.now() + Duration::from_secs(300)))
///         })
///     }
///     fn invalidate(&self) {
///         // the server rejected the last token: drop anything this provider cached itself
///     }
/// }
/// let source = gusset::TokenSource::provider(Vault);
/// ```
pub trait TokenProvider: Send + Sync + 'static {
    /// Fetches a fresh token. Calls of one client never overlap: concurrent calls that need a
    /// token wait for one fetch.
    fn token<'a>(&'a self, cx: TokenContext<'a>) -> BoxFuture<'a, Result<Token, TokenError>>;

    /// The server rejected the last token before its expiry (a 401 with
    /// `error="invalid_token"`); the next [`token`](Self::token) call must not return it again.
    /// The default does nothing, right for providers that fetch a new token on every call.
    fn invalidate(&self) {}
}

/// Where bearer tokens come from: a fixed token (`&str` or `String` convert into one) or a
/// [`TokenProvider`] (the built-in OAuth2 providers convert into one too).
#[derive(Clone)]
pub struct TokenSource {
    pub(crate) kind: SourceKind,
}

#[derive(Clone)]
pub(crate) enum SourceKind {
    Static(String),
    Provider(Arc<ProviderState>, Option<Duration>),
}

pub(crate) struct ProviderState {
    provider: Box<dyn TokenProvider>,
    /// A tokio mutex, held across the provider's await, so concurrent calls that find the token
    /// stale make one provider request, not one each.
    slot: tokio::sync::Mutex<Slot>,
}

#[derive(Default)]
struct Slot {
    cached: Option<Cached>,
    /// Counts fetches, so a 401 for a token that was already replaced does not fetch again.
    generation: u64,
}

struct Cached {
    value: HeaderValue,
    expires_at: Option<SystemTime>,
    fetched_at: SystemTime,
    generation: u64,
}

/// The longest margin: a minute is ample for clock skew and a slow request.
const MAX_MARGIN: Duration = Duration::from_secs(60);

/// How long before expiry a token of `lifetime` is replaced: a tenth of its lifetime, at most a
/// minute. A 60 s token is replaced after 54 s, a 5 min one after 4.5 min, an hour or a day long
/// one a minute before it expires: short tokens are not refreshed on every call (as a fixed
/// margin larger than them would), long ones are not thrown away early.
pub(crate) fn auto_margin(lifetime: Duration) -> Duration {
    (lifetime / 10).min(MAX_MARGIN)
}

impl TokenSource {
    /// Tokens from `provider`, cached and replaced shortly before they expire: a tenth of their
    /// lifetime before, at most 60 s before (`min(lifetime / 10, 60 s)`). A token without an
    /// expiry is kept until the server rejects it.
    pub fn provider(provider: impl TokenProvider) -> Self {
        Self {
            kind: SourceKind::Provider(
                Arc::new(ProviderState { provider: Box::new(provider), slot: tokio::sync::Mutex::default() }),
                None,
            ),
        }
    }

    /// A fixed time before expiry at which a provider's token is replaced, instead of
    /// `min(lifetime / 10, 60 s)` (no effect on a static token).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        if let SourceKind::Provider(_, m) = &mut self.kind {
            *m = Some(margin);
        }
        self
    }
}

impl From<&str> for TokenSource {
    fn from(token: &str) -> Self {
        Self { kind: SourceKind::Static(token.to_owned()) }
    }
}

impl From<String> for TokenSource {
    fn from(token: String) -> Self {
        Self { kind: SourceKind::Static(token) }
    }
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            SourceKind::Static(_) => f.write_str("TokenSource::Static(<redacted>)"),
            SourceKind::Provider(..) => f.write_str("TokenSource::Provider"),
        }
    }
}

/// `Bearer <token>`, marked sensitive.
pub(crate) fn bearer(token: &str) -> Result<HeaderValue, String> {
    let mut value = HeaderValue::try_from(format!("Bearer {token}"))
        .map_err(|_| String::from("the bearer token contains a character not allowed in a header"))?;
    value.set_sensitive(true);
    Ok(value)
}

/// Why credentials could not be applied to an attempt.
#[derive(Debug)]
pub(crate) enum AuthFailure {
    /// A credential cannot be sent (a control character in it).
    Invalid(String),
    /// The token provider failed.
    Provider(TokenError),
}

impl ProviderState {
    /// The `Authorization` value to send and its generation: the cached token while it is fresh
    /// and not `stale` (the generation a server rejected), else a new one from the provider.
    pub(crate) async fn header(
        &self,
        cx: TokenContext<'_>,
        stale: Option<u64>,
        margin: Option<Duration>,
    ) -> Result<(HeaderValue, u64), AuthFailure> {
        let mut slot = self.slot.lock().await;
        let now = cx.clock.now();
        if let Some(cached) = &slot.cached {
            let rejected = stale == Some(cached.generation);
            if !rejected && cached.fresh(now, margin) {
                return Ok((cached.value.clone(), cached.generation));
            }
            if rejected {
                self.provider.invalidate();
            }
        }
        let token = match self.provider.token(cx).await {
            Ok(token) => token,
            Err(e) => {
                // A token inside its refresh margin still works: use it while the provider fails.
                if let Some(cached) = &slot.cached {
                    let expired = cached.expires_at.is_some_and(|at| at <= now);
                    if stale != Some(cached.generation) && !expired {
                        return Ok((cached.value.clone(), cached.generation));
                    }
                }
                slot.cached = None;
                return Err(AuthFailure::Provider(e));
            }
        };
        let value = bearer(&token.value).map_err(AuthFailure::Invalid)?;
        slot.generation += 1;
        let generation = slot.generation;
        slot.cached = Some(Cached { value: value.clone(), expires_at: token.expires_at, fetched_at: now, generation });
        Ok((value, generation))
    }
}

impl Cached {
    /// Whether the token can still be sent: no expiry, or more than the margin left.
    fn fresh(&self, now: SystemTime, margin: Option<Duration>) -> bool {
        let Some(at) = self.expires_at else { return true };
        let margin = margin.unwrap_or_else(|| auto_margin(at.duration_since(self.fetched_at).unwrap_or_default()));
        now.checked_add(margin).is_some_and(|limit| limit < at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_margin_is_a_tenth_of_the_lifetime_up_to_a_minute() {
        assert_eq!(auto_margin(Duration::from_secs(60)), Duration::from_secs(6));
        assert_eq!(auto_margin(Duration::from_secs(300)), Duration::from_secs(30));
        assert_eq!(auto_margin(Duration::from_secs(3600)), Duration::from_secs(60));
        assert_eq!(auto_margin(Duration::from_secs(86_400)), Duration::from_secs(60));
        assert_eq!(auto_margin(Duration::ZERO), Duration::ZERO);
    }
}
