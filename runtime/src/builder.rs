//! [`ClientBuilder`]: every client setting, validated once by [`build`](ClientBuilder::build).

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue, header};

use crate::api::{ApiInfo, ApiKeyLocation, SchemeKind};
use crate::auth::Credentials;
use crate::breaker::CircuitBreaker;
use crate::budget::RetryBudget;
use crate::client::{Client, Inner, Resilience, ResponseRules, Time, Timeouts};
use crate::clock::{Clock, Sleep, SystemClock, TokioSleep};
use crate::error::BuildError;
use crate::idempotency::IdempotencyConfig;
use crate::ids::Ids;
use crate::interceptor::Interceptor;
use crate::oauth::ClientCredentials;
use crate::prepared::Defaults;
use crate::redact::{RedactedUrl, redact_url};
use crate::retry::RetryPolicy;
use crate::token::TokenSource;
use crate::url::BaseUrl;

/// Implemented by every generated client: wraps the runtime's [`Client`](crate::Client).
pub trait GeneratedClient: Sized {
    /// Wraps a built runtime client.
    fn from_client(client: Client) -> Self;
}

/// Starts building a generated client.
pub fn builder<C: GeneratedClient>(api: &'static ApiInfo, base_url: impl Into<String>) -> ClientBuilder<C> {
    ClientBuilder::new(api, base_url.into())
}

/// Configures a client; finish with [`build`](ClientBuilder::build). Generated clients expose it
/// as `Client::builder(base_url)`.
///
/// Defaults: 10 s connect timeout, 60 s per attempt, 5 min per call; [`RetryPolicy::default`];
/// a [`RetryBudget::default`]; no circuit breaker; idempotency keys on; `X-Request-Id`
/// correlation header; server request ids read from `x-request-id` then `request-id`; responses
/// up to 32 MiB.
#[must_use]
pub struct ClientBuilder<C> {
    api: &'static ApiInfo,
    base_url: String,
    http: Option<reqwest::Client>,
    default_headers: Vec<(String, String)>,
    bearer: Option<TokenSource>,
    basic: Option<(String, String)>,
    api_key: Option<String>,
    retry: RetryPolicy,
    budget: Option<RetryBudget>,
    breaker: Option<CircuitBreaker>,
    connect_timeout: Option<Duration>,
    attempt_timeout: Option<Duration>,
    call_timeout: Option<Duration>,
    idempotency: IdempotencyConfig,
    correlation_header: String,
    server_request_id_headers: Vec<String>,
    api_version: Option<String>,
    api_version_header: Option<String>,
    user_agent_suffix: Option<String>,
    interceptors: Vec<Box<dyn Interceptor>>,
    max_response_bytes: usize,
    sleeper: Box<dyn Sleep>,
    clock: Box<dyn Clock>,
    id_seed: Option<u64>,
    /// A setting that cannot work, reported by `build` (kept so the chain of calls stays simple).
    deferred: Option<BuildError>,
    _client: PhantomData<fn() -> C>,
}

impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api", &self.api.title)
            .field("base_url", &RedactedUrl(&self.base_url, self.api))
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

const DEFAULT_MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;

impl<C: GeneratedClient> ClientBuilder<C> {
    pub(crate) fn new(api: &'static ApiInfo, base_url: String) -> Self {
        Self {
            api,
            base_url,
            http: None,
            default_headers: Vec::new(),
            bearer: None,
            basic: None,
            api_key: None,
            retry: RetryPolicy::default(),
            budget: Some(RetryBudget::default()),
            breaker: None,
            connect_timeout: None,
            attempt_timeout: Some(Duration::from_secs(60)),
            call_timeout: Some(Duration::from_secs(300)),
            idempotency: IdempotencyConfig::default(),
            correlation_header: String::from("X-Request-Id"),
            server_request_id_headers: vec![String::from("x-request-id"), String::from("request-id")],
            api_version: (!api.api_version.is_empty()).then(|| api.api_version.to_owned()),
            api_version_header: api.version_header.map(str::to_owned),
            user_agent_suffix: None,
            interceptors: Vec::new(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            sleeper: Box::new(TokioSleep),
            clock: Box::new(SystemClock),
            id_seed: None,
            deferred: None,
            _client: PhantomData,
        }
    }

    /// Uses this reqwest client (its connection pool, proxy and TLS settings) instead of building
    /// one. [`connect_timeout`](Self::connect_timeout) cannot be combined with it. Its redirect
    /// policy is its own: the client Gusset builds follows a redirect to another origin only when
    /// no API key would go with it in a header reqwest does not know is secret, and reqwest's
    /// default follows every one.
    pub fn reqwest_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// A header sent on every request; validated by [`build`](Self::build).
    pub fn default_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.default_headers.push((name.into(), value.into()));
        self
    }

    /// Bearer authentication: a static token (`&str`, `String`) or [`TokenSource::provider`].
    pub fn bearer_auth(mut self, source: impl Into<TokenSource>) -> Self {
        self.bearer = Some(source.into());
        self
    }

    /// OAuth2 client credentials with the token URL and scopes of the document's
    /// `clientCredentials` flow (the first `oauth2` scheme that has one; the scopes are those the
    /// document's security requirements ask of it). Tokens are cached, refreshed before they
    /// expire and fetched once for many concurrent calls; see [`ClientCredentials`]. A relative
    /// `tokenUrl` is resolved against the base URL. [`build`](Self::build) fails when the
    /// document has no such flow.
    ///
    /// ```ignore
    /// let client = petstore::Client::builder("https://api.example.com")
    ///     .oauth2_client_credentials(std::env::var("CLIENT_ID")?, std::env::var("CLIENT_SECRET")?)
    ///     .build()?;
    /// ```
    pub fn oauth2_client_credentials(self, client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        self.oauth2_client_credentials_with(client_id, client_secret, |credentials| credentials)
    }

    /// [`oauth2_client_credentials`](Self::oauth2_client_credentials), with the document's
    /// settings changed by `configure` (other scopes, a token URL for another environment, body
    /// credentials).
    ///
    /// ```ignore
    /// let client = petstore::Client::builder("https://api.example.com")
    ///     .oauth2_client_credentials_with(id, secret, |c| c.scopes(["pets:read"]).client_auth(gusset::oauth::ClientAuth::Body))
    ///     .build()?;
    /// ```
    pub fn oauth2_client_credentials_with(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        configure: impl FnOnce(ClientCredentials) -> ClientCredentials,
    ) -> Self {
        let flow = self.api.security_schemes.iter().find_map(|scheme| match scheme.kind {
            SchemeKind::OAuth2ClientCredentials { token_url, scopes } => Some((token_url, scopes)),
            _ => None,
        });
        let Some((token_url, scopes)) = flow else {
            self.deferred = Some(BuildError::Conflict {
                message: format!(
                    "`oauth2_client_credentials`: `{}` declares no OAuth2 client-credentials flow; pass `gusset::oauth::ClientCredentials::new(token_url, id, secret)` to `bearer_auth`",
                    self.api.title
                ),
            });
            return self;
        };
        // `tokenUrl` may be relative to the server (OpenAPI 3.1).
        let base = reqwest::Url::parse(&format!("{}/", self.base_url.trim_end_matches('/')));
        let url = match base.as_ref().ok().and_then(|base| base.join(token_url).ok()) {
            Some(url) => url.to_string(),
            None => token_url.to_owned(),
        };
        let credentials = ClientCredentials::new(url, client_id, client_secret).scopes(scopes.iter().copied());
        self.bearer = Some(configure(credentials).into());
        self
    }

    /// HTTP basic authentication.
    pub fn basic_auth(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.basic = Some((user.into(), password.into()));
        self
    }

    /// The API key, sent for every `apiKey` scheme of the document at the place (header, query or
    /// cookie) and under the name the document declares.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The retry policy for every call (a call can override it).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The retry budget; `None` disables it (retries are then bounded only by the policy).
    pub fn retry_budget(mut self, budget: impl Into<Option<RetryBudget>>) -> Self {
        self.budget = budget.into();
        self
    }

    /// Enables a circuit breaker for the client's host.
    pub fn circuit_breaker(mut self, breaker: CircuitBreaker) -> Self {
        self.breaker = Some(breaker);
        self
    }

    /// The TCP/TLS connect timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The timeout of one attempt, sending the request and reading the whole response; `None`
    /// for none.
    pub fn attempt_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.attempt_timeout = timeout.into();
        self
    }

    /// The timeout of a whole call, retries and waits included; `None` for none.
    pub fn call_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.call_timeout = timeout.into();
        self
    }

    /// Idempotency-key settings: an [`IdempotencyConfig`], `false` to stop sending keys
    /// automatically, or a header name.
    pub fn idempotency(mut self, config: impl Into<IdempotencyConfig>) -> Self {
        self.idempotency = config.into();
        self
    }

    /// The header carrying the correlation id (default `X-Request-Id`).
    pub fn correlation_header(mut self, name: impl Into<String>) -> Self {
        self.correlation_header = name.into();
        self
    }

    /// Response headers the server's request id is read from, first present wins
    /// (default `x-request-id`, `request-id`).
    pub fn server_request_id_headers(mut self, names: &[&str]) -> Self {
        self.server_request_id_headers = names.iter().map(|n| (*n).to_owned()).collect();
        self
    }

    /// Replaces the API version (`None`: send none).
    pub fn api_version(mut self, version: impl Into<Option<String>>) -> Self {
        self.api_version = version.into();
        self
    }

    /// The header the API version is sent under. Documents that declare a version header (like
    /// `X-GitHub-Api-Version`) set it already; otherwise no version header is sent, because an
    /// `info.version` is the document's version, which a server may not understand or accept as a
    /// header.
    pub fn api_version_header(mut self, name: impl Into<String>) -> Self {
        self.api_version_header = Some(name.into());
        self
    }

    /// Text appended to the `User-Agent` (e.g. your application's name and version).
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Adds an interceptor; interceptors run in the order added.
    pub fn interceptor(mut self, interceptor: impl Interceptor) -> Self {
        self.interceptors.push(Box::new(interceptor));
        self
    }

    /// The largest response body the client reads (default 32 MiB); a larger one ends the call
    /// with [`Error::ResponseTooLarge`](crate::Error::ResponseTooLarge), which is not retried.
    ///
    /// The limit is checked against `Content-Length` before reading and again while the body
    /// streams in, so a hostile or broken server cannot make the client buffer more than `limit`
    /// bytes (a chunked body that never ends is cut off too). Why 32 MiB: every body is buffered
    /// whole before decoding, and it is far above what JSON APIs send per response (the largest
    /// list pages of public APIs are a few MiB) yet small enough that a few concurrent calls
    /// cannot exhaust a small container's memory. Raise it for operations that download files.
    ///
    /// ```ignore
    /// let client = petstore::Client::builder("https://api.example.com")
    ///     .max_response_bytes(256 * 1024 * 1024) // this API serves exports
    ///     .build()?;
    /// ```
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Replaces the sleeper used between attempts (tests: [`crate::clock::RecordingSleeper`]).
    pub fn sleeper(mut self, sleeper: impl Sleep) -> Self {
        self.sleeper = Box::new(sleeper);
        self
    }

    /// Replaces the wall clock (tests: [`crate::clock::ManualClock`]).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Box::new(clock);
        self
    }

    /// Seeds ids and jitter so a test run is reproducible. Seeded idempotency keys and correlation
    /// ids are predictable: never use this in production.
    pub fn id_seed(mut self, seed: u64) -> Self {
        self.id_seed = Some(seed);
        self
    }

    /// Validates the settings and builds the client.
    pub fn build(self) -> Result<C, BuildError> {
        self.build_client().map(C::from_client)
    }

    fn build_client(self) -> Result<Client, BuildError> {
        if let Some(error) = self.deferred {
            return Err(error);
        }
        let base = self.base_url.trim_end_matches('/');
        // The url is shown redacted: it may carry a password or a key (that is one way to get here).
        let bad_url = |message: String| BuildError::BaseUrl { url: redact_url(&self.base_url, self.api), message };
        let parsed = reqwest::Url::parse(base).map_err(|e| bad_url(e.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(bad_url(format!("scheme `{}` is not http or https", parsed.scheme())));
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(bad_url("a base url cannot have a query or fragment".into()));
        }
        // Requests are built from parts, so userinfo would be silently dropped rather than sent;
        // and a password in a URL ends up in logs and proxies. Say where credentials go instead.
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(bad_url("a base url cannot carry credentials; use `basic_auth` or `bearer_auth`".into()));
        }
        let host = parsed.host_str().unwrap_or_default().to_owned();
        let host = match parsed.port() {
            Some(port) => format!("{host}:{port}"),
            None => host,
        };

        let header_name = |name: &str| {
            HeaderName::try_from(name)
                .map_err(|_| BuildError::Header { name: name.to_owned(), message: "not a valid header name".into() })
        };
        let header_value = |name: &str, value: String| {
            HeaderValue::try_from(value).map_err(|_| BuildError::Header {
                name: name.to_owned(),
                message: "the value contains a control character".into(),
            })
        };

        let mut default_headers = HeaderMap::new();
        let agent = user_agent(self.api, self.user_agent_suffix.as_deref());
        default_headers.insert(header::USER_AGENT, header_value("User-Agent", agent)?);
        if let (Some(name), Some(version)) = (&self.api_version_header, &self.api_version) {
            default_headers.insert(header_name(name)?, header_value(name, version.clone())?);
        }
        for (name, value) in self.default_headers {
            let mut value = header_value(&name, value)?;
            let name = header_name(&name)?;
            if name == header::AUTHORIZATION || name == header::COOKIE {
                value.set_sensitive(true);
            }
            default_headers.append(name, value);
        }

        let credentials = Credentials::new(self.bearer, self.basic, self.api_key)
            .map_err(|message| BuildError::Header { name: "Authorization".into(), message })?;

        let http = match (self.http, self.connect_timeout) {
            (Some(_), Some(_)) => {
                return Err(BuildError::Conflict {
                    message: "`connect_timeout` cannot be applied to a caller-supplied `reqwest::Client`; set it on that client".into(),
                });
            }
            (Some(client), None) => client,
            (None, connect) => reqwest::Client::builder()
                .connect_timeout(connect.unwrap_or(Duration::from_secs(10)))
                .redirect(redirect_policy(key_in_header(self.api, credentials.has_api_key())))
                .build()
                .map_err(BuildError::Http)?,
        };

        let bad_header =
            |name: &str| BuildError::Header { name: name.to_owned(), message: "not a valid header name".into() };
        let keys = self.idempotency.validate().map_err(|name| bad_header(&name))?;
        let defaults = Defaults {
            base_url: base.to_owned(),
            base: BaseUrl::new(parsed),
            headers: default_headers,
            correlation_header: header_name(&self.correlation_header)?,
            keys,
        };
        let server_request_id_headers =
            self.server_request_id_headers.iter().map(|n| header_name(n)).collect::<Result<_, _>>()?;
        Ok(Client {
            inner: Arc::new(Inner {
                api: self.api,
                http,
                defaults,
                credentials,
                resilience: Resilience { retry: self.retry, budget: self.budget, breaker: self.breaker, host },
                timeouts: Timeouts { attempt: self.attempt_timeout, call: self.call_timeout },
                responses: ResponseRules { server_request_id_headers, max_bytes: self.max_response_bytes },
                interceptors: self.interceptors,
                time: Time { sleeper: self.sleeper, clock: self.clock },
                ids: Ids::new(self.id_seed),
                api_version: self.api_version,
                deprecations_reported: Default::default(),
            }),
        })
    }
}

/// `<client>/<version> gusset/<version> (api <document version>)`, then the user's suffix. The
/// comment tells a server (and its logs) which version of the document the client was built
/// from, also when the document declares no version header to send it in. Comments are part of
/// every `User-Agent` grammar (RFC 9110, 10.1.5), so no server is harmed by one.
fn user_agent(api: &ApiInfo, suffix: Option<&str>) -> String {
    let mut agent = format!("{}/{} gusset/{}", api.client_name, api.client_version, env!("CARGO_PKG_VERSION"));
    let version = comment_text(api.api_version);
    if !version.is_empty() {
        agent.push_str(" (api ");
        agent.push_str(&version);
        agent.push(')');
    }
    if let Some(suffix) = suffix {
        agent.push(' ');
        agent.push_str(suffix);
    }
    agent
}

/// `text` as a `User-Agent` comment may hold it: visible ASCII and spaces but no parentheses
/// or backslash (which would end or escape the comment), at most 64 characters. Anything else
/// becomes `_`: the version is generated from a document, which may say anything.
fn comment_text(text: &str) -> String {
    let text: String = text
        .trim()
        .chars()
        .take(64)
        .map(|c| if c == ' ' || (c.is_ascii_graphic() && !matches!(c, '(' | ')' | '\\')) { c } else { '_' })
        .collect();
    text.trim().to_owned()
}

/// How many redirects one attempt follows (reqwest's own default).
const MAX_REDIRECTS: usize = 10;

/// Whether the client sends an API key in a header of the document's own naming. reqwest drops
/// `Authorization` and `Cookie` when a redirect leads to another host, but it cannot know that
/// `X-Api-Key` is a secret too.
fn key_in_header(api: &ApiInfo, has_key: bool) -> bool {
    has_key
        && api.security_schemes.iter().any(|scheme| {
            matches!(scheme.kind, SchemeKind::ApiKey { location: ApiKeyLocation::Header, name }
                if !name.eq_ignore_ascii_case("authorization") && !name.eq_ignore_ascii_case("cookie"))
        })
}

/// The redirects the built client follows: up to [`MAX_REDIRECTS`], and to another origin only
/// when no credential would go with it (see [`key_in_header`]). A redirect not followed comes
/// back as the response it is (an error with its status and headers, `Location` among them), so
/// the key never reaches a host the caller did not name.
fn redirect_policy(key_in_header: bool) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        let previous = attempt.previous();
        if previous.len() > MAX_REDIRECTS {
            return attempt.error("too many redirects");
        }
        let leaves_origin = previous.first().is_some_and(|first| first.origin() != attempt.url().origin());
        if key_in_header && leaves_origin { attempt.stop() } else { attempt.follow() }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(version: &'static str) -> ApiInfo {
        ApiInfo {
            title: "t",
            api_version: version,
            version_header: None,
            client_name: "orders-client",
            client_version: "0.1.0",
            servers: &[],
            security_schemes: &[],
        }
    }

    #[test]
    fn user_agent_names_the_document_version() {
        let gusset = env!("CARGO_PKG_VERSION");
        assert_eq!(
            user_agent(&api("2024-06-01"), None),
            format!("orders-client/0.1.0 gusset/{gusset} (api 2024-06-01)")
        );
        assert_eq!(user_agent(&api(""), Some("app/2")), format!("orders-client/0.1.0 gusset/{gusset} app/2"));
        assert_eq!(user_agent(&api("  "), None), format!("orders-client/0.1.0 gusset/{gusset}"));
        assert_eq!(
            user_agent(&api("1.0 (beta)"), Some("app/2")),
            format!("orders-client/0.1.0 gusset/{gusset} (api 1.0 _beta_) app/2")
        );
    }

    #[test]
    fn the_version_comment_cannot_break_the_header() {
        assert_eq!(comment_text("v1\r\nX-Evil: 1"), "v1__X-Evil: 1");
        assert_eq!(comment_text("a\\b)c(d"), "a_b_c_d");
        assert_eq!(comment_text("versión 2"), "versi_n 2");
        assert_eq!(comment_text(&"9".repeat(100)).len(), 64);
        assert!(HeaderValue::try_from(user_agent(&api("\u{7f}\t\0x"), None)).is_ok());
    }
}
