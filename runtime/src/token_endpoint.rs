//! One exchange with an OAuth2 token endpoint (RFC 6749 sections 4.4 and 6): the form-encoded
//! request, client authentication (section 2.3.1), retries under the client's policy, and the
//! answer read into a grant or a [`TokenEndpointError`]. The built-in providers in
//! [`crate::oauth`] are thin layers over [`exchange`].
//!
//! Secrets (the client secret, a refresh token, the tokens granted) never reach an error, a log
//! line or a `Debug` output: the request is never printed, the response body is read only for the
//! `error` and `error_description` fields, and those are scrubbed of the secrets that were sent.

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use tracing::Instrument as _;
use tracing::field::Empty;

use crate::body::{Body, read_body};
use crate::retry::{Decision, Outcome};
use crate::text::printable;
use crate::token::TokenContext;

/// How the client authenticates to the token endpoint (RFC 6749 section 2.3.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientAuth {
    /// HTTP Basic with the form-encoded client id and secret (`client_secret_basic`), which every
    /// authorization server must support. The default.
    #[default]
    Basic,
    /// `client_id` and `client_secret` in the request body (`client_secret_post`), for servers
    /// that accept only that.
    Body,
}

/// A string that is never printed.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(pub(crate) String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// One token request.
pub(crate) struct Exchange<'a> {
    pub(crate) url: &'a reqwest::Url,
    pub(crate) client_id: &'a str,
    pub(crate) client_secret: Option<&'a Secret>,
    pub(crate) auth: ClientAuth,
    /// `grant_type` and the grant's parameters.
    pub(crate) form: Vec<(&'a str, &'a str)>,
    /// Secrets in `form` (a refresh token), scrubbed from what the server says.
    pub(crate) sent_secrets: Vec<&'a Secret>,
    /// Whether the request may be sent again after it may have reached the server: true for
    /// client credentials; false for a refresh, since the server may have used up the refresh
    /// token before the answer was lost, and resending a used one is how servers detect stolen
    /// tokens (they revoke the whole family).
    pub(crate) resend_safe: bool,
}

/// What a successful token response grants.
pub(crate) struct Granted {
    pub(crate) access_token: Secret,
    pub(crate) expires_in: Option<Duration>,
    pub(crate) refresh_token: Option<Secret>,
    pub(crate) scope: Option<String>,
}

/// A token response of a few KiB is large; anything near this is not one.
const MAX_TOKEN_RESPONSE: usize = 64 * 1024;

/// Requests a token, retrying as the client's retry policy allows, in a `gusset.token` span.
pub(crate) async fn exchange(cx: TokenContext<'_>, ex: &Exchange<'_>) -> Result<Granted, TokenEndpointError> {
    let url = shown_url(ex.url);
    let span = tracing::info_span!("gusset.token", "url.full" = %url, "http.response.status_code" = Empty);
    requests(cx, ex, url, &span).instrument(span.clone()).await
}

async fn requests(
    cx: TokenContext<'_>,
    ex: &Exchange<'_>,
    url: String,
    span: &tracing::Span,
) -> Result<Granted, TokenEndpointError> {
    let mut attempts = 0;
    loop {
        attempts += 1;
        let sent = send(cx, ex).await;
        if let Sent::Response { status, .. } = &sent {
            span.record("http.response.status_code", status.as_u16());
        }
        let now = cx.now();
        let decision = match &sent {
            // The same request would fail the same way.
            Sent::Failed { source: Failure::Invalid(_), .. } => Decision::Stop,
            Sent::Failed { reached, .. } => {
                cx.retry.decide(attempts, &Outcome::Transport { reached_server: *reached }, ex.resend_safe, now)
            }
            Sent::Response { status, headers, .. } => {
                cx.retry.decide(attempts, &Outcome::Status { status: *status, headers }, ex.resend_safe, now)
            }
        };
        let wait = match decision {
            Decision::Stop | Decision::TooLong(_) => return finish(sent, ex, url, attempts),
            Decision::RetryAfter(wait) => wait,
            Decision::Backoff => cx.backoff(attempts),
        };
        let status = match &sent {
            Sent::Response { status, .. } => Some(status.as_u16()),
            Sent::Failed { .. } => None,
        };
        tracing::debug!(token_endpoint = %url, attempt = attempts, ?status, delay_ms = wait.as_millis(), "retrying the token request");
        cx.sleep(wait).await;
    }
}

/// One request's result.
enum Sent {
    Response { status: StatusCode, headers: HeaderMap, body: bytes::Bytes },
    Failed { source: Failure, reached: bool },
}

/// Why a request got no readable response.
enum Failure {
    Transport(reqwest::Error),
    TooLarge,
    Invalid(String),
}

async fn send(cx: TokenContext<'_>, ex: &Exchange<'_>) -> Sent {
    let mut form = ex.form.clone();
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/x-www-form-urlencoded"));
    headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
    match (ex.auth, ex.client_secret) {
        (ClientAuth::Basic, Some(secret)) => {
            // Section 2.3.1: the id and the secret are form-encoded before they are joined.
            let pair = format!("{}:{}", form_encode(ex.client_id), form_encode(&secret.0));
            let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
            match HeaderValue::try_from(format!("Basic {encoded}")) {
                Ok(mut value) => {
                    value.set_sensitive(true);
                    headers.insert(header::AUTHORIZATION, value);
                }
                Err(_) => {
                    let why = "the client credentials cannot be sent in a header".to_owned();
                    return Sent::Failed { source: Failure::Invalid(why), reached: false };
                }
            }
        }
        (ClientAuth::Body, Some(secret)) => {
            form.push(("client_id", ex.client_id));
            form.push(("client_secret", &secret.0));
        }
        // A public client (no secret) identifies itself in the body (section 3.2.1).
        (_, None) => form.push(("client_id", ex.client_id)),
    }
    let mut body = String::new();
    for (name, value) in &form {
        if !body.is_empty() {
            body.push('&');
        }
        body.push_str(&form_encode(name));
        body.push('=');
        body.push_str(&form_encode(value));
    }
    let mut request = reqwest::Request::new(http::Method::POST, ex.url.clone());
    *request.headers_mut() = headers;
    *request.body_mut() = Some(body.into());
    let mut response = match cx.http.execute(request).await {
        Ok(response) => response,
        Err(e) => {
            let reached = !e.is_connect();
            return Sent::Failed { source: Failure::Transport(e.without_url()), reached };
        }
    };
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    match read_body(&mut response, MAX_TOKEN_RESPONSE).await {
        Body::Complete(body) => Sent::Response { status, headers, body },
        Body::TooLarge => Sent::Failed { source: Failure::TooLarge, reached: true },
        Body::CutOff { source, .. } => Sent::Failed { source: Failure::Transport(source.without_url()), reached: true },
    }
}

/// The last response, as a grant or an error.
fn finish(sent: Sent, ex: &Exchange<'_>, url: String, attempts: u32) -> Result<Granted, TokenEndpointError> {
    let error = |kind| TokenEndpointError { url: url.clone(), attempts, kind };
    let (status, body) = match sent {
        Sent::Response { status, body, .. } => (status, body),
        Sent::Failed { source: Failure::Transport(e), .. } => return Err(error(Kind::Transport(e))),
        Sent::Failed { source: Failure::TooLarge, .. } => {
            return Err(error(Kind::Response(format!("the response is larger than {MAX_TOKEN_RESPONSE} bytes"))));
        }
        Sent::Failed { source: Failure::Invalid(why), .. } => return Err(error(Kind::Request(why))),
    };
    let json: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
    let field = |name: &str| json.as_ref().and_then(|j| j.get(name)).and_then(serde_json::Value::as_str);
    if !status.is_success() {
        let mut secrets: Vec<&Secret> = ex.sent_secrets.clone();
        secrets.extend(ex.client_secret);
        let shown = |text: &str| scrub(&printable(bounded(text)), &secrets);
        let code = field("error").map(shown);
        let description = field("error_description").map(shown);
        return Err(error(Kind::Status { status, code, description }));
    }
    let Some(json) = json.filter(serde_json::Value::is_object) else {
        return Err(error(Kind::Response("the body is not a JSON object".into())));
    };
    let text = |name: &str| json.get(name).and_then(serde_json::Value::as_str);
    let Some(access_token) = text("access_token").filter(|t| !t.is_empty()) else {
        return Err(error(Kind::Response("it has no `access_token`".into())));
    };
    if let Some(kind) = text("token_type").filter(|t| !t.eq_ignore_ascii_case("bearer")) {
        let kind = printable(bounded(kind));
        return Err(error(Kind::Response(format!("the token type is `{kind}`, not `Bearer`"))));
    }
    // A number, as the RFC says, or a numeric string, as some servers send.
    let expires_in = match json.get("expires_in") {
        Some(serde_json::Value::Number(n)) => n.as_f64(),
        Some(serde_json::Value::String(s)) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|s| s.is_finite() && *s >= 0.0)
    .map(|s| Duration::from_secs_f64(s.min(u32::MAX.into())));
    Ok(Granted {
        access_token: Secret(access_token.to_owned()),
        expires_in,
        refresh_token: text("refresh_token").filter(|t| !t.is_empty()).map(|t| Secret(t.to_owned())),
        scope: text("scope").map(str::to_owned),
    })
}

/// At most 300 bytes (at a character boundary) of what a server says.
fn bounded(text: &str) -> &str {
    let mut end = text.len().min(300);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default()
}

/// `text` with every secret that was sent replaced, in case the server echoes one.
fn scrub(text: &str, secrets: &[&Secret]) -> String {
    let mut out = text.to_owned();
    for secret in secrets.iter().filter(|s| !s.0.is_empty()) {
        out = out.replace(&secret.0, "<redacted>");
    }
    out
}

/// `application/x-www-form-urlencoded` (WHATWG URL section 5.2): bytes other than ASCII
/// alphanumerics and `*-._` percent-encoded, spaces as `+`.
pub(crate) fn form_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => out.push(char::from(byte)),
            b' ' => out.push('+'),
            _ => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.push('%');
                out.push(char::from(HEX[usize::from(byte >> 4)]));
                out.push(char::from(HEX[usize::from(byte & 0xf)]));
            }
        }
    }
    out
}

/// The endpoint as shown in errors and logs: scheme, host, port and path, without credentials or
/// a query that could carry one.
pub(crate) fn shown_url(url: &reqwest::Url) -> String {
    format!("{}{}", url.origin().ascii_serialization(), url.path())
}

/// A token endpoint that did not grant a token: which endpoint, after how many attempts, and
/// what it answered. It never contains the client secret, a refresh token or a token.
///
/// ```no_run
/// # async fn demo(call: gusset::Call<'_, String, serde_json::Value>) {
/// use gusset::oauth::TokenEndpointError;
/// if let Err(gusset::Error::Token { source, .. }) = call.await {
///     if let Some(e) = source.downcast_ref::<TokenEndpointError>() {
///         eprintln!("{} said {:?}", e.url(), e.error_code()); // e.g. Some("invalid_client")
///     }
/// }
/// # }
/// ```
#[derive(Debug)]
pub struct TokenEndpointError {
    url: String,
    attempts: u32,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    /// The endpoint answered with an error status.
    Status { status: StatusCode, code: Option<String>, description: Option<String> },
    /// No response: the connection failed, was reset or timed out.
    Transport(reqwest::Error),
    /// A success status whose body is not a bearer token response.
    Response(String),
    /// The request could not be built (the token URL does not parse, a credential has a
    /// character a header cannot carry).
    Request(String),
}

impl TokenEndpointError {
    /// An error for a token URL that does not parse, found before anything was sent.
    pub(crate) fn bad_url(url: &str, why: &str) -> Self {
        let shown = printable(bounded(url.split(['?', '#']).next().unwrap_or_default()));
        Self { url: shown, attempts: 0, kind: Kind::Request(format!("the token url is invalid: {why}")) }
    }

    /// The token endpoint (without a query or credentials).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Requests sent to it.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The status of its last response, if it answered with an error status.
    pub fn status(&self) -> Option<StatusCode> {
        match &self.kind {
            Kind::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Its OAuth2 error code (`invalid_client`, `invalid_grant`, `invalid_scope`...), if it sent
    /// one.
    pub fn error_code(&self) -> Option<&str> {
        match &self.kind {
            Kind::Status { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// Its `error_description`, if it sent one.
    pub fn description(&self) -> Option<&str> {
        match &self.kind {
            Kind::Status { description, .. } => description.as_deref(),
            _ => None,
        }
    }
}

impl fmt::Display for TokenEndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = &self.url;
        match &self.kind {
            Kind::Status { status, code, description } => {
                write!(f, "the token endpoint `{url}` answered {status}")?;
                if let Some(code) = code {
                    write!(f, " `{code}`")?;
                }
                if let Some(description) = description {
                    write!(f, ": {description}")?;
                }
            }
            Kind::Transport(e) => {
                write!(f, "the token endpoint `{url}` could not be reached: {e}")?;
                let mut cause = std::error::Error::source(e);
                while let Some(e) = cause {
                    write!(f, ": {e}")?;
                    cause = e.source();
                }
            }
            Kind::Response(why) => write!(f, "the token endpoint `{url}` sent no usable token: {why}")?,
            Kind::Request(why) => write!(f, "no request could be sent to the token endpoint `{url}`: {why}")?,
        }
        if self.attempts > 1 {
            write!(f, " (after {} attempts)", self.attempts)?;
        }
        Ok(())
    }
}

impl std::error::Error for TokenEndpointError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            Kind::Transport(e) => Some(e),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_encoding_follows_the_whatwg_rules() {
        assert_eq!(form_encode("read write"), "read+write");
        assert_eq!(form_encode("a+b/c=d&e%f:g"), "a%2Bb%2Fc%3Dd%26e%25f%3Ag");
        assert_eq!(form_encode("*-._~é"), "*-._%7E%C3%A9");
    }

    #[test]
    fn shown_urls_carry_no_credentials() {
        let url = reqwest::Url::parse("https://id:pw@auth.example.com:8443/oauth/token?key=k#f").unwrap();
        assert_eq!(shown_url(&url), "https://auth.example.com:8443/oauth/token");
        assert_eq!(TokenEndpointError::bad_url("not a url?secret=1", "no scheme").url(), "not a url");
    }

    #[test]
    fn echoed_secrets_are_scrubbed() {
        let secret = Secret("s3cr3t".into());
        assert_eq!(scrub("bad secret s3cr3t!", &[&secret]), "bad secret <redacted>!");
        assert_eq!(format!("{secret:?}"), "<redacted>");
        assert_eq!(bounded(&"é".repeat(400)).len(), 300);
    }
}
