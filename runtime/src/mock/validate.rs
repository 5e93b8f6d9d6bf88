//! Which operation a request is for, and whether the document would accept it.

use http::HeaderMap;
use percent_encoding::percent_decode_str;

use super::Spec;

/// The path parameters of `path` when it matches `template` (`/orders/{orderId}`), decoded.
pub(super) fn match_path(template: &str, path: &str) -> Option<Vec<(String, String)>> {
    let mut params = Vec::new();
    let mut want = template.trim_matches('/').split('/');
    let mut got = path.trim_matches('/').split('/');
    loop {
        match (want.next(), got.next()) {
            (None, None) => return Some(params),
            (Some(w), Some(g)) => {
                if let Some(name) = w.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
                    if g.is_empty() {
                        return None;
                    }
                    params.push((name.to_owned(), decode(g)));
                } else if !segment_matches(w, g, &mut params) {
                    return None;
                }
            }
            _ => return None,
        }
    }
}

/// A literal segment, or one with a parameter inside (`{id}.json`, `v{version}`), whose value
/// joins `params`.
fn segment_matches(want: &str, got: &str, params: &mut Vec<(String, String)>) -> bool {
    match (want.find('{'), want.find('}')) {
        (Some(open), Some(close)) if open < close => {
            let (prefix, suffix) = (&want[..open], &want[close + 1..]);
            let fits = got.len() > prefix.len() + suffix.len() && got.starts_with(prefix) && got.ends_with(suffix);
            if fits {
                params.push((want[open + 1..close].to_owned(), decode(&got[prefix.len()..got.len() - suffix.len()])));
            }
            fits
        }
        _ => decode(got) == decode(want),
    }
}

fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

/// The query string's pairs, decoded (`+` is a space, as forms write it).
pub(super) fn parse_query(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(&k.replace('+', " ")), decode(&v.replace('+', " ")))
        })
        .collect()
}

/// Why the document would refuse this request, if it would.
pub(super) fn check(spec: &Spec, query: &[(String, String)], headers: &HeaderMap, body: &[u8]) -> Result<(), String> {
    let op = spec.id;
    for name in spec.query {
        // `deepObject` and exploded objects send `name[key]=` pairs.
        let present = query.iter().any(|(k, _)| k == name || k.starts_with(&format!("{name}[")));
        if !present {
            return Err(format!("{op}: the required query parameter `{name}` is missing"));
        }
    }
    for name in spec.headers {
        if !headers.contains_key(*name) {
            return Err(format!("{op}: the required header `{name}` is missing"));
        }
    }
    let Some(expected) = &spec.body else {
        return Ok(());
    };
    if body.is_empty() {
        return if expected.required { Err(format!("{op}: the required request body is missing")) } else { Ok(()) };
    }
    let sent = headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let media = sent.split(';').next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case(expected.media_type) {
        let sent = if sent.is_empty() { "no content type" } else { sent };
        return Err(format!("{op}: the body is sent as `{sent}`, the document says `{}`", expected.media_type));
    }
    (expected.check)(body).map_err(|e| format!("{op}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_their_templates() {
        assert_eq!(match_path("/orders", "/orders"), Some(vec![]));
        assert_eq!(match_path("/orders/{id}", "/orders/o%201"), Some(vec![("id".into(), "o 1".into())]));
        assert_eq!(match_path("/orders/{id}", "/orders"), None);
        assert_eq!(match_path("/orders/{id}", "/orders/a/b"), None);
        assert_eq!(match_path("/files/{name}.json", "/files/a.json"), Some(vec![("name".into(), "a".into())]));
        assert_eq!(match_path("/files/{name}.json", "/files/a.xml"), None);
    }
}
