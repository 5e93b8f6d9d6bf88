//! `WWW-Authenticate` challenges (RFC 9110 section 11.6.1, RFC 6750 section 3): whether a 401
//! says the bearer token itself was rejected, which a fresh token can fix.

use http::HeaderMap;
use http::header::WWW_AUTHENTICATE;

/// Whether a 401 with these headers is worth one fresh token: its `Bearer` challenge names
/// `error="invalid_token"`, or names no error at all (many servers send a bare `Bearer` or no
/// challenge for an expired token). Another error code (`invalid_request`, `insufficient_scope`)
/// or a challenge for another scheme only is something a new token cannot fix.
pub(crate) fn token_rejected(headers: &HeaderMap) -> bool {
    let mut saw_challenge = false;
    let mut bearer_error: Option<String> = None;
    let mut saw_bearer = false;
    for value in headers.get_all(WWW_AUTHENTICATE) {
        let Ok(text) = value.to_str() else { continue };
        for challenge in challenges(text) {
            saw_challenge = true;
            if challenge.scheme.eq_ignore_ascii_case("bearer") {
                saw_bearer = true;
                if let Some(error) = challenge.error {
                    bearer_error = Some(error);
                }
            }
        }
    }
    match bearer_error {
        Some(error) => error == "invalid_token",
        None => saw_bearer || !saw_challenge,
    }
}

/// One challenge: its scheme and, if it has one, its `error` parameter.
#[derive(Debug, PartialEq, Eq)]
struct Challenge {
    scheme: String,
    error: Option<String>,
}

/// The challenges of one header value. Items are separated by commas outside quoted strings; an
/// item that does not start with `name=` starts a new challenge (`Bearer realm="x"`), the others
/// are parameters of the current one.
fn challenges(text: &str) -> Vec<Challenge> {
    let mut out: Vec<Challenge> = Vec::new();
    for item in split_items(text) {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let param = match item.split_once([' ', '\t']) {
            // `Bearer realm="x"`, or a parameter with spaces around its `=` (`error = "x"`).
            Some((head, rest)) if !head.contains('=') && !rest.trim_start().starts_with('=') => {
                out.push(Challenge { scheme: head.to_owned(), error: None });
                rest.trim()
            }
            _ if !item.contains('=') => {
                out.push(Challenge { scheme: item.to_owned(), error: None });
                continue;
            }
            _ => item,
        };
        let Some((name, value)) = param.split_once('=') else { continue };
        if name.trim().eq_ignore_ascii_case("error") {
            if let Some(current) = out.last_mut() {
                current.error = Some(unquote(value.trim()));
            }
        }
    }
    out
}

/// Splits at commas that are not inside a quoted string.
fn split_items(text: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (at, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ',' if !quoted => {
                items.push(text.get(start..at).unwrap_or_default());
                start = at + 1;
            }
            _ => {}
        }
    }
    items.push(text.get(start..).unwrap_or_default());
    items
}

/// A token or a quoted string's content, with its escapes resolved.
fn unquote(value: &str) -> String {
    let Some(inner) = value.strip_prefix('"') else { return value.to_owned() };
    let inner = inner.strip_suffix('"').unwrap_or(inner);
    let mut out = String::with_capacity(inner.len());
    let mut escaped = false;
    for c in inner.chars() {
        if c == '\\' && !escaped {
            escaped = true;
            continue;
        }
        escaped = false;
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(values: &[&str]) -> bool {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append(WWW_AUTHENTICATE, v.parse().unwrap());
        }
        token_rejected(&headers)
    }

    #[test]
    fn invalid_token_is_a_rejected_token() {
        assert!(rejected(&[r#"Bearer realm="api", error="invalid_token", error_description="expired""#]));
        assert!(rejected(&[r#"Bearer error=invalid_token"#]));
        assert!(rejected(&[r#"Basic realm="x", Bearer realm="y", error="invalid_token""#]));
        assert!(rejected(&["Basic realm=\"x\"", "Bearer error=\"invalid_token\""]));
        assert!(rejected(&[r#"Bearer error = "invalid_token""#]), "spaces around `=`");
    }

    #[test]
    fn no_error_code_is_worth_one_refresh() {
        assert!(rejected(&[]), "no challenge at all");
        assert!(rejected(&["Bearer"]));
        assert!(rejected(&[r#"Bearer realm="example""#]));
    }

    #[test]
    fn other_errors_and_other_schemes_are_not() {
        assert!(!rejected(&[r#"Bearer error="invalid_request""#]));
        assert!(!rejected(&[r#"Bearer realm="a", error="insufficient_scope", scope="admin""#]));
        assert!(!rejected(&[r#"Basic realm="x""#]), "the server wants basic credentials");
        // A quoted comma and a quoted `error=` do not fool the splitter.
        assert!(!rejected(&[r#"Bearer error_description="a, error=invalid_token", error="invalid_request""#]));
        assert!(rejected(&[r#"Bearer error_description="say \"no\", please", error="invalid_token""#]));
    }
}
