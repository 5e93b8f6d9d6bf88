//! Credentials and how they reach a request: bearer tokens (static or from a provider), basic
//! auth and API keys, applied per attempt according to the operation's security requirement.
//! Every credential inserted into a request is marked sensitive so it is redacted in `Debug`.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use http::{HeaderMap, HeaderName, HeaderValue, header};

use crate::api::{ApiInfo, ApiKeyLocation, Operation, SchemeKind, SecurityScheme};
use crate::clock::{BoxFuture, Clock};

/// The error a [`TokenProvider`] returns.
pub type TokenError = Box<dyn std::error::Error + Send + Sync>;

/// A short-lived bearer token and when it expires.
#[derive(Clone)]
pub struct Token {
    value: String,
    expires_at: Option<SystemTime>,
}

impl Token {
    /// A token without a known expiry (kept until a 401).
    pub fn new(value: impl Into<String>) -> Self {
        Self { value: value.into(), expires_at: None }
    }

    /// Sets when the token expires; it is refreshed shortly before.
    pub fn expires_at(mut self, at: SystemTime) -> Self {
        self.expires_at = Some(at);
        self
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token").field("value", &"<redacted>").field("expires_at", &self.expires_at).finish()
    }
}

/// A source of short-lived bearer tokens (an OAuth2 client-credentials flow, a cloud metadata
/// endpoint...). Asked for a token when the cached one is about to expire, and once more after a
/// 401 response.
///
/// ```
/// use gusset::{Token, TokenProvider, TokenError};
/// use gusset::clock::BoxFuture;
/// use std::time::{Duration, SystemTime};
///
/// struct Vault;
/// impl TokenProvider for Vault {
///     fn token(&self) -> BoxFuture<'_, Result<Token, TokenError>> {
///         Box::pin(async {
///             Ok(Token::new("short-lived").expires_at(SystemTime::now() + Duration::from_secs(300)))
///         })
///     }
/// }
/// let source = gusset::TokenSource::provider(Vault);
/// ```
pub trait TokenProvider: Send + Sync + 'static {
    /// Fetches a fresh token.
    fn token(&self) -> BoxFuture<'_, Result<Token, TokenError>>;
}

/// Where bearer tokens come from: a fixed token (`&str` or `String` convert into one) or a
/// [`TokenProvider`].
#[derive(Clone)]
pub struct TokenSource {
    kind: SourceKind,
}

#[derive(Clone)]
enum SourceKind {
    Static(String),
    Provider(Arc<ProviderState>, Duration),
}

struct ProviderState {
    provider: Box<dyn TokenProvider>,
    /// A tokio mutex, held across the provider's await, so concurrent calls that find the token
    /// stale make one provider request, not one each.
    cached: tokio::sync::Mutex<Option<(HeaderValue, Option<SystemTime>)>>,
}

impl TokenSource {
    /// Tokens from `provider`, refreshed 30 s before they expire.
    pub fn provider(provider: impl TokenProvider) -> Self {
        Self {
            kind: SourceKind::Provider(
                Arc::new(ProviderState { provider: Box::new(provider), cached: tokio::sync::Mutex::new(None) }),
                Duration::from_secs(30),
            ),
        }
    }

    /// How long before expiry a provider's token is replaced (no effect on a static token).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        if let SourceKind::Provider(_, m) = &mut self.kind {
            *m = margin;
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

fn bearer(token: &str) -> Result<HeaderValue, String> {
    let mut value = HeaderValue::try_from(format!("Bearer {token}"))
        .map_err(|_| String::from("the bearer token contains a character not allowed in a header"))?;
    value.set_sensitive(true);
    Ok(value)
}

/// The client's credentials, validated at build time.
#[derive(Default)]
pub(crate) struct Credentials {
    bearer_static: Option<HeaderValue>,
    bearer_provider: Option<(Arc<ProviderState>, Duration)>,
    basic: Option<HeaderValue>,
    api_key: Option<HeaderValue>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("bearer", &(self.bearer_static.is_some() || self.bearer_provider.is_some()))
            .field("basic", &self.basic.is_some())
            .field("api_key", &self.api_key.is_some())
            .finish()
    }
}

impl Credentials {
    pub(crate) fn new(
        bearer_source: Option<TokenSource>,
        basic: Option<(String, String)>,
        api_key: Option<String>,
    ) -> Result<Self, String> {
        let mut creds = Credentials::default();
        match bearer_source.map(|s| s.kind) {
            Some(SourceKind::Static(token)) => creds.bearer_static = Some(bearer(&token)?),
            Some(SourceKind::Provider(state, margin)) => creds.bearer_provider = Some((state, margin)),
            None => {}
        }
        if let Some((user, password)) = basic {
            let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            let mut value = HeaderValue::try_from(format!("Basic {encoded}"))
                .map_err(|_| String::from("the basic credentials cannot be encoded"))?;
            value.set_sensitive(true);
            creds.basic = Some(value);
        }
        if let Some(key) = api_key {
            let mut value = HeaderValue::try_from(key)
                .map_err(|_| String::from("the api key contains a character not allowed in a header"))?;
            value.set_sensitive(true);
            creds.api_key = Some(value);
        }
        Ok(creds)
    }

    fn has_bearer(&self) -> bool {
        self.bearer_static.is_some() || self.bearer_provider.is_some()
    }

    fn can_satisfy(&self, kind: &SchemeKind) -> bool {
        match kind {
            SchemeKind::Bearer | SchemeKind::OAuth2 { .. } | SchemeKind::OpenIdConnect => self.has_bearer(),
            SchemeKind::Basic => self.basic.is_some(),
            SchemeKind::ApiKey { .. } => self.api_key.is_some(),
            SchemeKind::Unsupported => false,
        }
    }

    /// The schemes to apply for `op`: the first alternative of its requirement that the configured
    /// credentials fully satisfy; else an empty alternative (auth optional); else whatever part of
    /// the first partly satisfiable alternative we can (the server will say what is missing).
    /// A document without any security scheme gets the bearer or basic credentials on every
    /// request, since the user configured them knowing the API needs them.
    fn select(&self, api: &'static ApiInfo, op: &'static Operation) -> Selection {
        if api.security_schemes.is_empty() {
            return Selection::Undocumented;
        }
        let scheme = |name: &str| api.security_schemes.iter().find(|s| s.name == name);
        let satisfiable = |name: &&str| scheme(name).is_some_and(|s| self.can_satisfy(&s.kind));
        if let Some(alt) = op.security.iter().find(|alt| !alt.is_empty() && alt.iter().all(satisfiable)) {
            return Selection::Schemes(alt);
        }
        if op.security.iter().any(|alt| alt.is_empty()) {
            return Selection::Schemes(&[]);
        }
        match op.security.iter().find(|alt| alt.iter().any(satisfiable)) {
            Some(alt) => Selection::Schemes(alt),
            None => Selection::Schemes(&[]),
        }
    }

    /// Adds credentials to one attempt. `refresh` forces a provider token refresh (after a 401).
    /// Returns whether a provider token was used. Query API keys are appended to `url`.
    pub(crate) async fn apply(
        &self,
        api: &'static ApiInfo,
        op: &'static Operation,
        headers: &mut HeaderMap,
        url: &mut reqwest::Url,
        clock: &dyn Clock,
        refresh: bool,
    ) -> Result<bool, String> {
        let mut used_provider = false;
        let schemes: &[&str] = match self.select(api, op) {
            Selection::Undocumented => {
                if let Some(value) = self.bearer(clock, refresh, &mut used_provider).await? {
                    headers.insert(header::AUTHORIZATION, value);
                } else if let Some(basic) = &self.basic {
                    headers.insert(header::AUTHORIZATION, basic.clone());
                }
                return Ok(used_provider);
            }
            Selection::Schemes(names) => names,
        };
        for name in schemes {
            let Some(SecurityScheme { kind, .. }) = api.security_schemes.iter().find(|s| s.name == *name) else {
                continue;
            };
            match kind {
                SchemeKind::Bearer | SchemeKind::OAuth2 { .. } | SchemeKind::OpenIdConnect => {
                    if let Some(value) = self.bearer(clock, refresh, &mut used_provider).await? {
                        headers.insert(header::AUTHORIZATION, value);
                    }
                }
                SchemeKind::Basic => {
                    if let Some(basic) = &self.basic {
                        headers.insert(header::AUTHORIZATION, basic.clone());
                    }
                }
                SchemeKind::ApiKey { location, name } => {
                    let Some(key) = &self.api_key else { continue };
                    apply_api_key(*location, name, key, headers, url)?;
                }
                SchemeKind::Unsupported => {}
            }
        }
        Ok(used_provider)
    }

    async fn bearer(&self, clock: &dyn Clock, refresh: bool, used: &mut bool) -> Result<Option<HeaderValue>, String> {
        if let Some(value) = &self.bearer_static {
            return Ok(Some(value.clone()));
        }
        let Some((state, margin)) = &self.bearer_provider else { return Ok(None) };
        *used = true;
        let mut cached = state.cached.lock().await;
        let now = clock.now();
        let fresh = |expiry: &Option<SystemTime>| match expiry {
            None => true,
            Some(at) => now.checked_add(*margin).is_some_and(|limit| limit < *at),
        };
        if !refresh {
            if let Some((value, expiry)) = cached.as_ref() {
                if fresh(expiry) {
                    return Ok(Some(value.clone()));
                }
            }
        }
        let token = state.provider.token().await.map_err(|e| format!("token provider failed: {e}"))?;
        let value = bearer(&token.value)?;
        *cached = Some((value.clone(), token.expires_at));
        Ok(Some(value))
    }
}

enum Selection {
    Undocumented,
    Schemes(&'static [&'static str]),
}

fn apply_api_key(
    location: ApiKeyLocation,
    name: &str,
    key: &HeaderValue,
    headers: &mut HeaderMap,
    url: &mut reqwest::Url,
) -> Result<(), String> {
    let key_text = key.to_str().map_err(|_| String::from("the api key is not visible ascii"))?;
    match location {
        ApiKeyLocation::Header => {
            let name = HeaderName::try_from(name)
                .map_err(|_| format!("api key header `{name}` is not a valid header name"))?;
            headers.insert(name, key.clone());
        }
        ApiKeyLocation::Query => {
            url.query_pairs_mut().append_pair(name, key_text);
        }
        ApiKeyLocation::Cookie => {
            let pair = format!("{name}={key_text}");
            let combined = match headers.get(header::COOKIE).and_then(|v| v.to_str().ok()) {
                Some(existing) if !existing.is_empty() => format!("{existing}; {pair}"),
                _ => pair,
            };
            let mut value =
                HeaderValue::try_from(combined).map_err(|_| String::from("the api key cannot be sent as a cookie"))?;
            value.set_sensitive(true);
            headers.insert(header::COOKIE, value);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use std::sync::atomic::{AtomicU32, Ordering};

    static SCHEMES: [SecurityScheme; 4] = [
        SecurityScheme { name: "bearer", kind: SchemeKind::Bearer },
        SecurityScheme { name: "basic", kind: SchemeKind::Basic },
        SecurityScheme { name: "key", kind: SchemeKind::ApiKey { location: ApiKeyLocation::Query, name: "api_key" } },
        SecurityScheme { name: "cookie", kind: SchemeKind::ApiKey { location: ApiKeyLocation::Cookie, name: "sid" } },
    ];
    static API: ApiInfo = ApiInfo {
        title: "t",
        api_version: "1",
        version_header: None,
        client_name: "c",
        client_version: "0",
        servers: &[],
        security_schemes: &SCHEMES,
    };
    static BARE: ApiInfo = ApiInfo { security_schemes: &[], ..API };
    static OP: Operation = Operation {
        id: "op",
        method: http::Method::GET,
        path: "/",
        idempotency: crate::idempotency::Idempotency::Default,
        security: &[&["bearer"], &["key", "cookie"]],
    };
    static OPEN: Operation = Operation {
        id: "open",
        method: http::Method::GET,
        path: "/",
        idempotency: crate::idempotency::Idempotency::Default,
        security: &[],
    };

    async fn run(creds: &Credentials, api: &'static ApiInfo, op: &'static Operation) -> (HeaderMap, String) {
        let mut headers = HeaderMap::new();
        let mut url = reqwest::Url::parse("http://h/p?x=1").unwrap();
        creds.apply(api, op, &mut headers, &mut url, &ManualClock::default(), false).await.unwrap();
        (headers, url.to_string())
    }

    #[tokio::test]
    async fn picks_the_satisfiable_alternative() {
        let creds = Credentials::new(None, None, Some("k 1".into())).unwrap();
        let (headers, url) = run(&creds, &API, &OP).await;
        assert_eq!(url, "http://h/p?x=1&api_key=k+1");
        assert_eq!(headers.get("cookie").unwrap(), "sid=k 1");
        assert!(headers.get("authorization").is_none());

        let creds = Credentials::new(Some("tok".into()), None, Some("k".into())).unwrap();
        let (headers, url) = run(&creds, &API, &OP).await;
        assert_eq!(headers.get("authorization").unwrap(), "Bearer tok");
        assert!(headers.get("authorization").unwrap().is_sensitive());
        assert_eq!(url, "http://h/p?x=1", "the first satisfied alternative only");

        let (headers, _) = run(&creds, &API, &OPEN).await;
        assert!(headers.is_empty(), "no requirement, no credentials");
        let (headers, _) = run(&creds, &BARE, &OPEN).await;
        assert_eq!(headers.get("authorization").unwrap(), "Bearer tok", "undocumented auth is sent");

        let basic = Credentials::new(None, Some(("u".into(), "p".into())), None).unwrap();
        let (headers, _) = run(&basic, &BARE, &OPEN).await;
        assert_eq!(headers.get("authorization").unwrap(), "Basic dTpw");
        assert!(Credentials::new(Some("a\nb".into()), None, None).is_err());
        assert!(!format!("{:?}", TokenSource::from("secret")).contains("secret"));
    }

    struct Counting(Arc<AtomicU32>, ManualClock);
    impl TokenProvider for Counting {
        fn token(&self) -> BoxFuture<'_, Result<Token, TokenError>> {
            let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
            let expiry = self.1.now() + Duration::from_secs(100);
            Box::pin(async move { Ok(Token::new(format!("t{n}")).expires_at(expiry)) })
        }
    }

    #[tokio::test]
    async fn provider_tokens_are_cached_and_refreshed() {
        let calls = Arc::new(AtomicU32::new(0));
        let clock = ManualClock::default();
        let creds =
            Credentials::new(Some(TokenSource::provider(Counting(calls.clone(), clock.clone()))), None, None).unwrap();
        let get = |refresh| {
            let creds = &creds;
            let clock = clock.clone();
            async move {
                let mut h = HeaderMap::new();
                let mut url = reqwest::Url::parse("http://h/").unwrap();
                creds.apply(&API, &OP, &mut h, &mut url, &clock, refresh).await.unwrap();
                h.get("authorization").unwrap().to_str().unwrap().to_owned()
            }
        };
        assert_eq!(get(false).await, "Bearer t1");
        assert_eq!(get(false).await, "Bearer t1", "cached");
        clock.advance(Duration::from_secs(69));
        assert_eq!(get(false).await, "Bearer t1", "31 s left: still fresh");
        clock.advance(Duration::from_secs(2));
        assert_eq!(get(false).await, "Bearer t2", "within the margin: refreshed");
        assert_eq!(get(true).await, "Bearer t3", "forced after a 401");
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }
}
