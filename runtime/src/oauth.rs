//! OAuth2 token providers (RFC 6749): [`ClientCredentials`] (section 4.4), for a service that
//! calls an API as itself, and [`RefreshToken`] (section 6), for a user's delegated access with a
//! refresh token that may rotate.
//!
//! Both are ordinary [`TokenProvider`]s: the client caches their tokens, replaces them shortly
//! before they expire (`min(lifetime / 10, 60 s)` before), makes one token request for any number
//! of concurrent calls, and asks for a new token once when the API rejects one with
//! `401` and `error="invalid_token"`. Their requests go through the client's HTTP client and are
//! retried with its [`RetryPolicy`](crate::RetryPolicy) and backoff.
//!
//! ```no_run
//! # fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use gusset::oauth::{ClientCredentials, RefreshToken};
//!
//! // A service account: the token URL and scopes here, or from the document with the builder's
//! // `oauth2_client_credentials(client_id, client_secret)`.
//! let service = ClientCredentials::new("https://auth.example.com/oauth/token", "my-id", "my-secret")
//!     .scopes(["orders:read", "orders:write"]);
//!
//! // A user's refresh token, stored again whenever the server rotates it.
//! let user = RefreshToken::new("https://auth.example.com/oauth/token", "my-id", "stored-refresh-token")
//!     .client_secret("my-secret")
//!     .on_refresh(|tokens| {
//!         if tokens.rotated() {
//!             // save tokens.refresh_token() where the next run will find it
//!         }
//!     });
//! # let _ = (gusset::TokenSource::from(service), gusset::TokenSource::from(user));
//! # Ok(())
//! # }
//! ```
//!
//! Pass either to [`ClientBuilder::bearer_auth`](crate::ClientBuilder::bearer_auth).

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use crate::clock::BoxFuture;
use crate::token::{Token, TokenContext, TokenError, TokenProvider, TokenSource};
use crate::token_endpoint::{Exchange, Granted, Secret, exchange};

pub use crate::token_endpoint::{ClientAuth, TokenEndpointError};

/// Where and as whom tokens are requested; shared by both grants.
struct Endpoint {
    url: Result<reqwest::Url, String>,
    /// As given, for errors about a URL that does not parse.
    given: String,
    client_id: String,
    client_secret: Option<Secret>,
    scopes: Vec<String>,
    auth: ClientAuth,
}

impl Endpoint {
    fn new(url: String, client_id: String, client_secret: Option<Secret>) -> Self {
        let parsed = reqwest::Url::parse(&url).map_err(|e| e.to_string()).and_then(|u| {
            let scheme = u.scheme().to_owned();
            if scheme == "http" || scheme == "https" {
                Ok(u)
            } else {
                Err(format!("scheme `{scheme}` is not http or https"))
            }
        });
        Self { url: parsed, given: url, client_id, client_secret, scopes: Vec::new(), auth: ClientAuth::default() }
    }

    fn url(&self) -> Result<&reqwest::Url, TokenEndpointError> {
        self.url.as_ref().map_err(|why| TokenEndpointError::bad_url(&self.given, why))
    }

    fn scope(&self) -> Option<String> {
        (!self.scopes.is_empty()).then(|| self.scopes.join(" "))
    }

    fn shown(&self) -> String {
        match &self.url {
            Ok(url) => crate::token_endpoint::shown_url(url),
            Err(_) => String::from("<invalid url>"),
        }
    }
}

fn token_of(granted: &Granted, now: SystemTime) -> Token {
    let token = Token::new(granted.access_token.0.clone());
    match granted.expires_in.and_then(|lifetime| now.checked_add(lifetime)) {
        Some(at) => token.expires_at(at),
        None => token,
    }
}

/// The OAuth2 client-credentials grant (RFC 6749 section 4.4): the client authenticates with its
/// id and secret (HTTP Basic by default, see [`ClientAuth`]) and gets an access token for itself.
///
/// Generated clients read the token URL and the scopes from the document:
/// `Client::builder(url).oauth2_client_credentials(id, secret)`. Built by hand:
///
/// ```no_run
/// # fn demo() {
/// use gusset::oauth::{ClientAuth, ClientCredentials};
/// let credentials = ClientCredentials::new("https://auth.example.com/token", "id", "secret")
///     .scopes(["read"])
///     .param("audience", "https://api.example.com") // extra form fields some servers want
///     .client_auth(ClientAuth::Body);
/// // petstore::Client::builder("https://api.example.com").bearer_auth(credentials).build()?;
/// # }
/// ```
///
/// A failed token request is retried under the client's retry policy (connection errors, 429,
/// 5xx; `Retry-After` honoured); a refusal (`400 invalid_client`) ends the call with
/// [`Error::Token`](crate::Error::Token) holding a [`TokenEndpointError`].
pub struct ClientCredentials {
    endpoint: Endpoint,
    params: Vec<(String, String)>,
}

impl ClientCredentials {
    /// Tokens from `token_url` for the client `client_id` with `client_secret`.
    pub fn new(token_url: impl Into<String>, client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        let secret = Some(Secret(client_secret.into()));
        Self { endpoint: Endpoint::new(token_url.into(), client_id.into(), secret), params: Vec::new() }
    }

    /// The scopes to ask for (sent space-separated as `scope`); none by default, which gives the
    /// scopes the server grants the client by default.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.endpoint.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// An extra form field of the token request (`audience`, `resource`...).
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push((name.into(), value.into()));
        self
    }

    /// How the client id and secret are sent (default [`ClientAuth::Basic`]).
    pub fn client_auth(mut self, auth: ClientAuth) -> Self {
        self.endpoint.auth = auth;
        self
    }

    /// Replaces the token URL.
    pub fn token_url(mut self, token_url: impl Into<String>) -> Self {
        let Endpoint { client_id, client_secret, scopes, auth, .. } = self.endpoint;
        self.endpoint = Endpoint { scopes, auth, ..Endpoint::new(token_url.into(), client_id, client_secret) };
        self
    }

    /// The scopes asked for.
    pub fn requested_scopes(&self) -> &[String] {
        &self.endpoint.scopes
    }

    /// The token URL, as given.
    pub fn url(&self) -> &str {
        &self.endpoint.given
    }

    async fn fetch(&self, cx: TokenContext<'_>) -> Result<Token, TokenEndpointError> {
        let endpoint = &self.endpoint;
        let scope = endpoint.scope();
        let mut form = vec![("grant_type", "client_credentials")];
        if let Some(scope) = &scope {
            form.push(("scope", scope));
        }
        form.extend(self.params.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        let request = Exchange {
            url: endpoint.url()?,
            client_id: &endpoint.client_id,
            client_secret: endpoint.client_secret.as_ref(),
            auth: endpoint.auth,
            form,
            sent_secrets: Vec::new(),
            resend_safe: true,
        };
        let granted = exchange(cx, &request).await?;
        Ok(token_of(&granted, cx.now()))
    }
}

impl TokenProvider for ClientCredentials {
    fn token<'a>(&'a self, cx: TokenContext<'a>) -> BoxFuture<'a, Result<Token, TokenError>> {
        Box::pin(async move { self.fetch(cx).await.map_err(TokenError::from) })
    }
}

impl From<ClientCredentials> for TokenSource {
    fn from(provider: ClientCredentials) -> Self {
        TokenSource::provider(provider)
    }
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("token_url", &self.endpoint.shown())
            .field("client_id", &self.endpoint.client_id)
            .field("client_secret", &"<redacted>")
            .field("scopes", &self.endpoint.scopes)
            .field("client_auth", &self.endpoint.auth)
            .finish_non_exhaustive()
    }
}

/// What a refresh returned, handed to the [`RefreshToken::on_refresh`] callback.
pub struct Tokens {
    access: Token,
    refresh: Secret,
    rotated: bool,
    scope: Option<String>,
}

impl Tokens {
    /// The new access token.
    pub fn access_token(&self) -> &Token {
        &self.access
    }

    /// The refresh token to use next time: the new one when the server rotated it, else the one
    /// that was used.
    pub fn refresh_token(&self) -> &str {
        &self.refresh.0
    }

    /// Whether the server issued a new refresh token (the old one may no longer work: store this
    /// one).
    pub fn rotated(&self) -> bool {
        self.rotated
    }

    /// The scopes granted, if the server said.
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("access_token", &self.access)
            .field("refresh_token", &"<redacted>")
            .field("rotated", &self.rotated)
            .field("scope", &self.scope)
            .finish()
    }
}

type OnRefresh = Arc<dyn Fn(&Tokens) + Send + Sync>;

/// The OAuth2 refresh-token grant (RFC 6749 section 6): access tokens from a refresh token
/// obtained earlier (by an authorization-code flow, a device flow...).
///
/// Servers that rotate refresh tokens answer each refresh with a new one and retire the old:
/// the new token replaces the old here before the next refresh can start (refreshes never
/// overlap), and [`on_refresh`](Self::on_refresh) hands it to you to store. A refresh whose
/// answer is lost after it may have reached the server is not resent (the server may have
/// retired the token it used, and reusing one revokes the whole family at many providers);
/// a connection that failed before sending, and a server that says `x-should-retry: true`, are
/// retried.
///
/// ```no_run
/// # fn demo() {
/// use gusset::oauth::RefreshToken;
/// let provider = RefreshToken::new("https://auth.example.com/token", "app", "rt-1")
///     .on_refresh(|tokens| println!("store {} (rotated: {})", tokens.refresh_token().len(), tokens.rotated()));
/// # }
/// ```
pub struct RefreshToken {
    endpoint: Endpoint,
    /// An access token obtained with the refresh token, used before the first refresh.
    initial: Mutex<Option<Token>>,
    current: Mutex<Secret>,
    on_refresh: Option<OnRefresh>,
}

impl RefreshToken {
    /// Access tokens from `token_url` for the client `client_id` (a public client, without a
    /// secret, unless [`client_secret`](Self::client_secret) is set), starting from
    /// `refresh_token`.
    pub fn new(token_url: impl Into<String>, client_id: impl Into<String>, refresh_token: impl Into<String>) -> Self {
        Self {
            endpoint: Endpoint::new(token_url.into(), client_id.into(), None),
            initial: Mutex::new(None),
            current: Mutex::new(Secret(refresh_token.into())),
            on_refresh: None,
        }
    }

    /// An access token obtained together with the refresh token (from the authorization-code
    /// exchange, say): it is used until it expires or the server rejects it, so a client that
    /// starts with fresh tokens does not refresh at once.
    pub fn access_token(self, token: Token) -> Self {
        *self.initial.lock().unwrap_or_else(PoisonError::into_inner) = Some(token);
        self
    }

    /// The client secret of a confidential client.
    pub fn client_secret(mut self, secret: impl Into<String>) -> Self {
        self.endpoint.client_secret = Some(Secret(secret.into()));
        self
    }

    /// Narrower scopes than the refresh token's (sent as `scope`); none by default, which keeps
    /// the original grant's.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.endpoint.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// How the client id and secret are sent (default [`ClientAuth::Basic`]).
    pub fn client_auth(mut self, auth: ClientAuth) -> Self {
        self.endpoint.auth = auth;
        self
    }

    /// Called after every successful refresh, with the new access token and the refresh token to
    /// use next ([`Tokens::rotated`] says whether it changed). It runs before any other call can
    /// refresh, so a stored token is never older than the one in use. Keep it quick: calls that
    /// need a token wait for it.
    pub fn on_refresh(mut self, callback: impl Fn(&Tokens) + Send + Sync + 'static) -> Self {
        self.on_refresh = Some(Arc::new(callback));
        self
    }

    async fn fetch(&self, cx: TokenContext<'_>) -> Result<Token, TokenEndpointError> {
        let initial = self.initial.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(token) = initial.filter(|t| t.expiry().is_none_or(|at| cx.now() < at)) {
            return Ok(token);
        }
        let endpoint = &self.endpoint;
        let used = self.current.lock().unwrap_or_else(PoisonError::into_inner).clone();
        let scope = endpoint.scope();
        let mut form = vec![("grant_type", "refresh_token"), ("refresh_token", used.0.as_str())];
        if let Some(scope) = &scope {
            form.push(("scope", scope));
        }
        let request = Exchange {
            url: endpoint.url()?,
            client_id: &endpoint.client_id,
            client_secret: endpoint.client_secret.as_ref(),
            auth: endpoint.auth,
            form,
            sent_secrets: vec![&used],
            resend_safe: false,
        };
        let granted = exchange(cx, &request).await?;
        let access = token_of(&granted, cx.now());
        let rotated = granted.refresh_token.as_ref().is_some_and(|new| *new != used);
        let refresh = granted.refresh_token.unwrap_or(used);
        *self.current.lock().unwrap_or_else(PoisonError::into_inner) = refresh.clone();
        if let Some(callback) = &self.on_refresh {
            callback(&Tokens { access: access.clone(), refresh, rotated, scope: granted.scope });
        }
        Ok(access)
    }
}

impl TokenProvider for RefreshToken {
    fn token<'a>(&'a self, cx: TokenContext<'a>) -> BoxFuture<'a, Result<Token, TokenError>> {
        Box::pin(async move { self.fetch(cx).await.map_err(TokenError::from) })
    }
}

impl From<RefreshToken> for TokenSource {
    fn from(provider: RefreshToken) -> Self {
        TokenSource::provider(provider)
    }
}

impl fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshToken")
            .field("token_url", &self.endpoint.shown())
            .field("client_id", &self.endpoint.client_id)
            .field("client_secret", &self.endpoint.client_secret.as_ref().map(|_| "<redacted>"))
            .field("refresh_token", &"<redacted>")
            .field("scopes", &self.endpoint.scopes)
            .field("client_auth", &self.endpoint.auth)
            .finish_non_exhaustive()
    }
}
