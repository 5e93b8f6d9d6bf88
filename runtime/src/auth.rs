//! Credentials and how they reach a request: bearer tokens (static or from a provider, see
//! `token`), basic auth and API keys, applied per attempt according to the operation's security
//! requirement. Every credential inserted into a request is marked sensitive so it is redacted in
//! `Debug`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use http::{HeaderMap, HeaderName, HeaderValue, header};

use crate::api::{ApiInfo, ApiKeyLocation, Operation, SchemeKind, SecurityScheme};
use crate::token::{AuthFailure, ProviderState, SourceKind, TokenContext, TokenSource, bearer};

/// The client's credentials, validated at build time.
#[derive(Default)]
pub(crate) struct Credentials {
    bearer_static: Option<HeaderValue>,
    bearer_provider: Option<(Arc<ProviderState>, Option<Duration>)>,
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

    /// Whether an API key was configured.
    pub(crate) fn has_api_key(&self) -> bool {
        self.api_key.is_some()
    }

    fn has_bearer(&self) -> bool {
        self.bearer_static.is_some() || self.bearer_provider.is_some()
    }

    fn can_satisfy(&self, kind: &SchemeKind) -> bool {
        match kind {
            SchemeKind::Bearer
            | SchemeKind::OAuth2 { .. }
            | SchemeKind::OAuth2ClientCredentials { .. }
            | SchemeKind::OpenIdConnect => self.has_bearer(),
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

    /// Adds credentials to one attempt. `stale` is the generation of a provider token the server
    /// rejected (after a 401): that token is not used again. Returns the generation of the
    /// provider token used, if one was. Query API keys are appended to `url`.
    pub(crate) async fn apply(
        &self,
        api: &'static ApiInfo,
        op: &'static Operation,
        headers: &mut HeaderMap,
        url: &mut reqwest::Url,
        cx: TokenContext<'_>,
        stale: Option<u64>,
    ) -> Result<Option<u64>, AuthFailure> {
        let mut used = None;
        let schemes: &[&str] = match self.select(api, op) {
            Selection::Undocumented => {
                if let Some(value) = self.bearer(cx, stale, &mut used).await? {
                    headers.insert(header::AUTHORIZATION, value);
                } else if let Some(basic) = &self.basic {
                    headers.insert(header::AUTHORIZATION, basic.clone());
                }
                return Ok(used);
            }
            Selection::Schemes(names) => names,
        };
        for name in schemes {
            let Some(SecurityScheme { kind, .. }) = api.security_schemes.iter().find(|s| s.name == *name) else {
                continue;
            };
            match kind {
                SchemeKind::Bearer
                | SchemeKind::OAuth2 { .. }
                | SchemeKind::OAuth2ClientCredentials { .. }
                | SchemeKind::OpenIdConnect => {
                    if let Some(value) = self.bearer(cx, stale, &mut used).await? {
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
                    apply_api_key(*location, name, key, headers, url).map_err(AuthFailure::Invalid)?;
                }
                SchemeKind::Unsupported => {}
            }
        }
        Ok(used)
    }

    async fn bearer(
        &self,
        cx: TokenContext<'_>,
        stale: Option<u64>,
        used: &mut Option<u64>,
    ) -> Result<Option<HeaderValue>, AuthFailure> {
        if let Some(value) = &self.bearer_static {
            return Ok(Some(value.clone()));
        }
        let Some((state, margin)) = &self.bearer_provider else { return Ok(None) };
        let (value, generation) = state.header(cx, stale, *margin).await?;
        *used = Some(generation);
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
    use crate::clock::{BoxFuture, ManualClock};
    use crate::ids::Ids;
    use crate::retry::RetryPolicy;
    use crate::token::{Token, TokenError, TokenProvider};
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

    struct Env {
        http: reqwest::Client,
        retry: RetryPolicy,
        sleeper: crate::clock::RecordingSleeper,
        clock: ManualClock,
        ids: Ids,
    }

    impl Env {
        fn new(clock: ManualClock) -> Self {
            let sleeper = crate::clock::RecordingSleeper::new(clock.clone());
            Env { http: reqwest::Client::new(), retry: RetryPolicy::default(), sleeper, clock, ids: Ids::new(Some(1)) }
        }
        fn cx(&self) -> TokenContext<'_> {
            TokenContext {
                http: &self.http,
                retry: &self.retry,
                sleeper: &self.sleeper,
                clock: &self.clock,
                ids: &self.ids,
            }
        }
    }

    async fn run(creds: &Credentials, api: &'static ApiInfo, op: &'static Operation) -> (HeaderMap, String) {
        let mut headers = HeaderMap::new();
        let mut url = reqwest::Url::parse("http://h/p?x=1").unwrap();
        let env = Env::new(ManualClock::default());
        creds.apply(api, op, &mut headers, &mut url, env.cx(), None).await.unwrap();
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

    struct Counting(Arc<AtomicU32>, Duration);
    impl TokenProvider for Counting {
        fn token<'a>(&'a self, cx: TokenContext<'a>) -> BoxFuture<'a, Result<Token, TokenError>> {
            let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
            let expiry = cx.now() + self.1;
            Box::pin(async move {
                if n == 4 {
                    return Err("the token endpoint is down".into());
                }
                Ok(Token::new(format!("t{n}")).expires_at(expiry))
            })
        }
    }

    #[tokio::test]
    async fn provider_tokens_are_cached_and_refreshed() {
        let calls = Arc::new(AtomicU32::new(0));
        let clock = ManualClock::default();
        let env = Env::new(clock.clone());
        let source = TokenSource::provider(Counting(calls.clone(), Duration::from_secs(100)));
        let creds = Credentials::new(Some(source), None, None).unwrap();
        let get = |stale| {
            let (creds, env) = (&creds, &env);
            async move {
                let mut h = HeaderMap::new();
                let mut url = reqwest::Url::parse("http://h/").unwrap();
                let generation = creds.apply(&API, &OP, &mut h, &mut url, env.cx(), stale).await?;
                Ok::<_, AuthFailure>((h.get("authorization").unwrap().to_str().unwrap().to_owned(), generation))
            }
        };
        assert_eq!(get(None).await.unwrap(), ("Bearer t1".into(), Some(1)));
        assert_eq!(get(None).await.unwrap().0, "Bearer t1", "cached");
        clock.advance(Duration::from_secs(89));
        assert_eq!(get(None).await.unwrap().0, "Bearer t1", "11 s left of 100: still fresh");
        clock.advance(Duration::from_secs(2));
        assert_eq!(get(None).await.unwrap(), ("Bearer t2".into(), Some(2)), "9 s left, a tenth: refreshed");
        assert_eq!(get(Some(1)).await.unwrap().0, "Bearer t2", "a 401 for a token already replaced");
        assert_eq!(get(Some(2)).await.unwrap(), ("Bearer t3".into(), Some(3)), "forced after a 401");
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        clock.advance(Duration::from_secs(95));
        assert_eq!(get(None).await.unwrap().0, "Bearer t3", "the provider fails, the token has 5 s left");
        clock.advance(Duration::from_secs(5));
        assert_eq!(get(None).await.unwrap().0, "Bearer t5", "expired: fetched again");
        assert_eq!(get(Some(4)).await.unwrap(), ("Bearer t6".into(), Some(5)), "generations count fetches");
    }

    #[tokio::test]
    async fn a_failing_provider_never_hands_out_a_rejected_token() {
        let calls = Arc::new(AtomicU32::new(3)); // the next fetch is number 4, which fails
        let env = Env::new(ManualClock::default());
        let source = TokenSource::provider(Counting(calls.clone(), Duration::from_secs(100)));
        let creds = Credentials::new(Some(source), None, None).unwrap();
        let mut h = HeaderMap::new();
        let mut url = reqwest::Url::parse("http://h/").unwrap();
        assert!(matches!(
            creds.apply(&API, &OP, &mut h, &mut url, env.cx(), None).await,
            Err(AuthFailure::Provider(_))
        ));
        assert!(h.is_empty());
    }
}
