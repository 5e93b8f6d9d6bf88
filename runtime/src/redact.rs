//! What may never be printed: credentials in URLs and headers. Every URL that reaches an error
//! message, a `Debug` impl or a tracing field goes through [`redact_url`]; every header map printed
//! goes through [`is_secret_name`] (via `RedactedHeaders`).
//!
//! The rules follow OpenTelemetry's for `url.full`: userinfo becomes `REDACTED:REDACTED`, and the
//! values of query parameters that carry credentials become `REDACTED`, their names kept so the
//! output still says what was sent.

use std::fmt;

use http::HeaderMap;
use percent_encoding::percent_decode_str;

use crate::api::{ApiInfo, ApiKeyLocation, SchemeKind};

/// What replaces a secret.
pub(crate) const REDACTED: &str = "REDACTED";

/// Query parameter and header names that carry credentials, compared after lowercasing and
/// removing `-`, `_` and `.` (so `api_key`, `Api-Key` and `APIKEY` are one name).
const SECRET_NAMES: &[&str] = &[
    "apikey",
    "key",
    "token",
    "accesstoken",
    "refreshtoken",
    "idtoken",
    "authtoken",
    "sessiontoken",
    "signature",
    "sig",
    "password",
    "passwd",
    "pwd",
    "secret",
    "clientsecret",
    "auth",
    "authorization",
    "proxyauthorization",
    "cookie",
    "setcookie",
    "awsaccesskeyid",
    "xamzcredential",
    "accesskey",
    "secretkey",
    "privatekey",
    "subscriptionkey",
];

/// Name endings that mark a credential whatever comes before (`githubToken`, `x-api-key`,
/// `X-Amz-Signature`, `hapikey`, `Ocp-Apim-Subscription-Key`). Over-redacting a harmless
/// `pageToken` in a log costs little; printing a key costs a lot.
/// (`X-Goog-Credential`, `x-amz-security-token` too.)
const SECRET_SUFFIXES: &[&str] = &[
    "token",
    "secret",
    "password",
    "apikey",
    "signature",
    "credential",
    "credentials",
    "accesskey",
    "secretkey",
    "subscriptionkey",
];

/// Whether a query parameter or header called `name` carries a credential (case-insensitive, and
/// blind to `-`, `_` and `.`).
pub(crate) fn is_secret_name(name: &str) -> bool {
    let normal: String =
        name.chars().filter(|c| !matches!(c, '-' | '_' | '.')).map(|c| c.to_ascii_lowercase()).collect();
    SECRET_NAMES.contains(&normal.as_str()) || SECRET_SUFFIXES.iter().any(|suffix| normal.ends_with(suffix))
}

/// `url` with userinfo and secret query (and fragment) values replaced by `REDACTED`: the common
/// secret names, plus the query parameters the document's `apiKey` schemes use (whatever they
/// are called, `appid` say). Works on text, so a URL that does not parse is redacted too.
pub(crate) fn redact_url(url: &str, api: &ApiInfo) -> String {
    let secret = |name: &str| {
        is_secret_name(name)
            || api.security_schemes.iter().any(|scheme| match scheme.kind {
                SchemeKind::ApiKey { location: ApiKeyLocation::Query, name: key } => key.eq_ignore_ascii_case(name),
                _ => false,
            })
    };
    let mut out = String::with_capacity(url.len());
    let (before_fragment, fragment) = match url.split_once('#') {
        Some((before, fragment)) => (before, Some(fragment)),
        None => (url, None),
    };
    let (base, query) = match before_fragment.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (before_fragment, None),
    };
    push_without_userinfo(&mut out, base);
    if let Some(query) = query {
        out.push('?');
        push_pairs(&mut out, query, &secret);
    }
    // OAuth's implicit flow returns `#access_token=...`: fragments get the same treatment.
    if let Some(fragment) = fragment {
        out.push('#');
        push_pairs(&mut out, fragment, &secret);
    }
    out
}

/// Writes `scheme://authority/path` with any `user:password@` replaced.
fn push_without_userinfo(out: &mut String, base: &str) {
    let Some((scheme, rest)) = base.split_once("://") else {
        out.push_str(base);
        return;
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    out.push_str(scheme);
    out.push_str("://");
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            out.push_str(if userinfo.contains(':') { "REDACTED:REDACTED" } else { REDACTED });
            out.push('@');
            out.push_str(host);
        }
        None => out.push_str(authority),
    }
    out.push_str(path);
}

/// Writes `a=1&b=2`, replacing the values of secret names.
fn push_pairs(out: &mut String, pairs: &str, secret: &dyn Fn(&str) -> bool) {
    for (i, pair) in pairs.split('&').enumerate() {
        if i > 0 {
            out.push('&');
        }
        match pair.split_once('=') {
            Some((name, _)) if secret(&decode_name(name)) => {
                out.push_str(name);
                out.push('=');
                out.push_str(REDACTED);
            }
            _ => out.push_str(pair),
        }
    }
}

/// A form-encoded name as a server reads it (`+` is a space, then percent-decoding).
fn decode_name(name: &str) -> String {
    percent_decode_str(&name.replace('+', " ")).decode_utf8_lossy().into_owned()
}

/// `Display` of a redacted URL, computed only when printed (a span field nobody records costs
/// nothing).
pub(crate) struct RedactedUrl<'a>(pub(crate) &'a str, pub(crate) &'a ApiInfo);

impl fmt::Display for RedactedUrl<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact_url(self.0, self.1))
    }
}

impl fmt::Debug for RedactedUrl<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&redact_url(self.0, self.1), f)
    }
}

/// `Debug` for a header map that prints `<redacted>` for credentials: headers whose name says they
/// carry one (`Authorization`, `Cookie`, `X-Api-Key`, `*-Token`..., see `redact::is_secret_name`)
/// and any value marked sensitive (the runtime marks every credential it inserts).
pub(crate) struct RedactedHeaders<'a>(pub(crate) &'a HeaderMap);

impl fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in self.0 {
            if value.is_sensitive() || is_secret_name(name.as_str()) {
                map.entry(&name.as_str(), &"<redacted>");
            } else {
                map.entry(&name.as_str(), &String::from_utf8_lossy(value.as_bytes()));
            }
        }
        map.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    use crate::api::SecurityScheme;

    static API: ApiInfo = ApiInfo {
        title: "t",
        api_version: "",
        version_header: None,
        client_name: "c",
        client_version: "0",
        servers: &[],
        security_schemes: &[SecurityScheme {
            name: "weather",
            kind: SchemeKind::ApiKey { location: ApiKeyLocation::Query, name: "appid" },
        }],
    };

    fn r(url: &str) -> String {
        redact_url(url, &API)
    }

    #[test]
    fn names() {
        for name in [
            "api_key",
            "apikey",
            "API-KEY",
            "key",
            "Token",
            "access_token",
            "signature",
            "sig",
            "password",
            "secret",
            "client_secret",
            "X-Amz-Signature",
            "githubToken",
            "x-api-key",
            "hapikey",
            "authorization",
            "Cookie",
            "Ocp-Apim-Subscription-Key",
            "AWSAccessKeyId",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in ["q", "limit", "keyword", "monkey", "x-request-id", "idempotency-key", "sort", "traceparent"] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn urls() {
        assert_eq!(r("https://user:pa55@h.example/p?q=1"), "https://REDACTED:REDACTED@h.example/p?q=1");
        assert_eq!(r("https://tok3n@h.example"), "https://REDACTED@h.example");
        assert_eq!(
            r("https://h/p?a=1&API_KEY=s1&key=s2&appid=s3&AppId=s4&b"),
            "https://h/p?a=1&API_KEY=REDACTED&key=REDACTED&appid=REDACTED&AppId=REDACTED&b"
        );
        assert_eq!(r("https://h/p?api%5Fkey=s&access+token=x"), "https://h/p?api%5Fkey=REDACTED&access+token=REDACTED");
        assert_eq!(r("https://h/cb#access_token=s&state=ok"), "https://h/cb#access_token=REDACTED&state=ok");
        assert_eq!(r("https://h/a@b/c?x=1"), "https://h/a@b/c?x=1", "an `@` in the path is not userinfo");
        // Unparseable or odd input is still handled, never panics.
        assert_eq!(r("http://u:p@[::1"), "http://REDACTED:REDACTED@[::1");
        assert_eq!(r("not a url?token=t"), "not a url?token=REDACTED");
        for odd in ["", "?", "#", "://", "@", "a://@", "?=&=&token", "é://ü:ö@ß?ü=ö#ä", "h?%ff=1&%zz=2"] {
            let _ = r(odd);
        }
        assert_eq!(RedactedUrl("http://h?sig=1", &API).to_string(), "http://h?sig=REDACTED");
    }

    #[test]
    fn debug_redacts_secrets() {
        let mut headers = HeaderMap::new();
        headers.insert("set-cookie", HeaderValue::from_static("sid=hunter2"));
        let mut custom = HeaderValue::from_static("k-123");
        custom.set_sensitive(true);
        headers.insert("x-custom-key", custom);
        headers.insert("x-request-id", HeaderValue::from_static("abc"));
        headers.insert("x-auth-token", HeaderValue::from_static("t-456"));
        let text = format!("{:?}", RedactedHeaders(&headers));
        assert!(!text.contains("hunter2") && !text.contains("k-123") && !text.contains("t-456"), "{text}");
        assert!(text.contains("abc"), "{text}");
    }
}
