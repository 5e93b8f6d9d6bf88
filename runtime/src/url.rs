//! The URL of a call: the base URL, the path template with its parameters substituted, and the
//! query. Built once per call and parsed once; attempts reuse it.

/// The base URL, parsed once when the client is built.
#[derive(Debug, Clone)]
pub(crate) struct BaseUrl {
    url: reqwest::Url,
    /// Its path without a trailing `/` (empty for `http://host`): templates start with one.
    path: String,
}

impl BaseUrl {
    /// `url` must have no query or fragment (the builder checks).
    pub(crate) fn new(url: reqwest::Url) -> Self {
        let path = url.path().trim_end_matches('/').to_owned();
        Self { url, path }
    }
}

/// `base` + the template with `{name}`s substituted + `?query`. Values arrive percent-encoded (see
/// `params::path`), so none can add a `/`, `?` or `#`; what is left to refuse is a value that
/// turns its segment into `.`, `..` or nothing, which would change the path all the same
/// (`/orders/{id}` with an empty id is `/orders/`, the collection).
///
/// Only the path, query and fragment are parsed (`set_path`, `set_query`, `set_fragment` run the
/// same parser as `Url::parse` does on those parts): the scheme and host were parsed once with
/// the base, and parsing them again cost a quarter of the runtime's own work per call.
pub(crate) fn build_url(
    base: &BaseUrl,
    template: &str,
    params: &[(String, String)],
    query: &str,
) -> Result<reqwest::Url, String> {
    let mut url = String::with_capacity(base.path.len() + template.len() + query.len() + 32);
    url.push_str(&base.path);
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
    // Split as `Url::parse` would: the path ends at the first `?` or `#`, the query at `#`.
    let (before_fragment, fragment) = match url.split_once('#') {
        Some((before, fragment)) => (before, Some(fragment)),
        None => (url.as_str(), None),
    };
    let (path, query) = match before_fragment.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (before_fragment, None),
    };
    let mut out = base.url.clone();
    out.set_path(path);
    out.set_query(query);
    out.set_fragment(fragment);
    Ok(out)
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
        let u = |base: &str, template, p: &[(&str, &str)], q| {
            let base = BaseUrl::new(reqwest::Url::parse(base).unwrap());
            let url = build_url(&base, template, &params(p), q).map(|u| u.to_string());
            // The same as parsing the whole text, which is what this replaces.
            if let Ok(url) = &url {
                assert_eq!(url, reqwest::Url::parse(url).unwrap().as_str());
            }
            url
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
        // What the parser does to the rest of the text, it still does.
        assert_eq!(
            u("http://h:8080/a b/", "/c d|é", &[], "x=1 2").unwrap(),
            "http://h:8080/a%20b/c%20d|%C3%A9?x=1%202"
        );
        assert_eq!(u("http://h/v1", "/q?a=1#frag", &[], "b=2").unwrap(), "http://h/v1/q?a=1#frag&b=2");
        assert_eq!(u("http://h", "/x#f?g", &[], "").unwrap(), "http://h/x#f?g");
        assert_eq!(u("http://[::1]:9", "/x", &[], "").unwrap(), "http://[::1]:9/x");
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
