//! The URL of a call: the base URL, the path template with its parameters substituted, and the
//! query. Built once per call and parsed once; attempts reuse it.

use crate::api::ApiInfo;
use crate::redact::redact_url;

/// `base` + the template with `{name}`s substituted + `?query`. Values arrive percent-encoded (see
/// `params::path`), so none can add a `/`, `?` or `#`; what is left to refuse is a value that
/// turns its segment into `.`, `..` or nothing, which would change the path all the same
/// (`/orders/{id}` with an empty id is `/orders/`, the collection).
pub(crate) fn build_url(
    api: &ApiInfo,
    base: &str,
    template: &str,
    params: &[(String, String)],
    query: &str,
) -> Result<reqwest::Url, String> {
    let mut url = String::with_capacity(base.len() + template.len() + query.len() + 32);
    url.push_str(base);
    let path_start = url.len();
    if !template.starts_with('/') {
        url.push('/');
    }
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else { break };
        url.push_str(&rest[..open]);
        let name = &rest[open + 1..close];
        let value = params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
            .ok_or_else(|| format!("missing path parameter `{name}`"))?;
        let after = &rest[close + 1..];
        let whole_segment = url.ends_with('/') && (after.is_empty() || after.starts_with(['/', '?', '#']));
        if value.is_empty() && whole_segment {
            return Err(format!("path parameter `{name}` is empty, which would remove its segment from `{template}`"));
        }
        url.push_str(value);
        rest = after;
    }
    url.push_str(rest);
    if has_dot_segment(url.get(path_start..).unwrap_or_default()) {
        return Err(format!("a path parameter of `{template}` makes a `.` or `..` segment"));
    }
    if !query.is_empty() {
        url.push(if url[path_start..].contains('?') { '&' } else { '?' });
        url.push_str(query);
    }
    reqwest::Url::parse(&url).map_err(|e| format!("the url `{}` is invalid: {e}", redact_url(&url, api)))
}

/// Whether a path built by substitution contains a `.`/`..` segment that URL parsing would resolve
/// (WHATWG URL treats `%2e` as a dot too), which would let a parameter value climb the path.
fn has_dot_segment(path: &str) -> bool {
    // Runs on every call: counts dots in place rather than decoding each segment into a string.
    path.split('/').any(|segment| {
        let mut rest = segment.as_bytes();
        let mut dots = 0;
        while !rest.is_empty() {
            match rest {
                [b'.', tail @ ..] => rest = tail,
                [b'%', b'2', b'e' | b'E', tail @ ..] => rest = tail,
                _ => return false,
            }
            dots += 1;
        }
        dots == 1 || dots == 2
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
    }

    #[test]
    fn urls() {
        static API: ApiInfo = ApiInfo {
            title: "t",
            api_version: "",
            version_header: None,
            client_name: "c",
            client_version: "0",
            servers: &[],
            security_schemes: &[],
        };
        let u = |base, template, p: &[(&str, &str)], q| {
            build_url(&API, base, template, &params(p), q).map(|u| u.to_string())
        };
        assert_eq!(u("http://h/v1", "/pets/{id}", &[("id", "7")], "").unwrap(), "http://h/v1/pets/7");
        assert_eq!(
            u("http://h", "pets/{a}/{b}.json", &[("a", "x"), ("b", "y")], "q=1").unwrap(),
            "http://h/pets/x/y.json?q=1"
        );
        assert_eq!(u("http://h", "/search?type=a", &[], "q=1").unwrap(), "http://h/search?type=a&q=1");
        assert_eq!(u("http://h", "/p/{id}", &[("id", "..%2Fadmin")], "").unwrap(), "http://h/p/..%2Fadmin");
        assert_eq!(u("http://h", "/p/{id}", &[], "").unwrap_err(), "missing path parameter `id`");
        assert!(u("http://h", "/p/{id}", &[("id", "..")], "").unwrap_err().contains("segment"));
        assert_eq!(u("http://h", "/odd{", &[], "").unwrap(), "http://h/odd%7B");
        // An empty value may not remove its segment; inside a segment it is harmless.
        for template in ["/p/{id}", "/p/{id}/x", "/{id}", "{id}", "/p/{id}?a=1"] {
            let err = u("http://h", template, &[("id", "")], "").unwrap_err();
            assert!(err.contains("`id` is empty"), "{template}: {err}");
        }
        assert_eq!(u("http://h", "/p/{id}.json", &[("id", "")], "").unwrap(), "http://h/p/.json");
        assert_eq!(u("http://h", "/p/x{id}", &[("id", "")], "").unwrap(), "http://h/p/x");
    }

    #[test]
    fn dot_segments() {
        assert!(has_dot_segment("/files/.."));
        assert!(has_dot_segment("/files/%2E%2e/x"));
        assert!(!has_dot_segment("/files/..%2Fadmin"));
        assert!(!has_dot_segment("/files/...json"));
        assert!(has_dot_segment("."));
        assert!(has_dot_segment("/a/%2e/b"));
        assert!(!has_dot_segment("/a/.../b"));
        assert!(!has_dot_segment("/a/%2e%2e%2e"));
        assert!(!has_dot_segment("/a/%2/b"));
        assert!(!has_dot_segment("/a//b/"));
    }
}
