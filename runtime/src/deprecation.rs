//! A server saying that what was called is deprecated or will go away: the `Deprecation` header
//! (RFC 9745), the `Sunset` header (RFC 8594), and `Link` relations `deprecation` and `sunset`.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::HeaderMap;
use http::header::LINK;

/// The most links of each relation kept from one response, and the longest link kept: the values
/// come from the server and end up in logs.
const MAX_LINKS: usize = 4;
const MAX_LINK_LEN: usize = 2048;

/// What a response says about the deprecation of the resource it answers for.
///
/// Read from its headers by [`Deprecation::from_headers`]; a call's response gives it through
/// [`Response::deprecation`](crate::Response::deprecation), and the client reports it once per
/// operation through `tracing` (at warn level) and to every
/// [`Interceptor::on_deprecation`](crate::Interceptor::on_deprecation).
///
/// ```
/// use http::{HeaderMap, HeaderValue};
/// let mut headers = HeaderMap::new();
/// headers.insert("deprecation", HeaderValue::from_static("@1688169599"));
/// headers.insert("sunset", HeaderValue::from_static("Sun, 30 Jun 2024 23:59:59 GMT"));
/// let deprecation = gusset::Deprecation::from_headers(&headers).unwrap();
/// assert!(deprecation.deprecated);
/// assert_eq!(deprecation.since, Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1688169599)));
/// assert!(deprecation.sunset.is_some());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Deprecation {
    /// The `Deprecation` header says the resource is deprecated (a date, or the older `true`).
    pub deprecated: bool,
    /// When it was or will be deprecated: `Deprecation: @1688169599` (RFC 9745), or an HTTP date
    /// (earlier drafts); `None` for `true` or without the header.
    pub since: Option<SystemTime>,
    /// When it is expected to stop answering: `Sunset: <HTTP date>` (RFC 8594).
    pub sunset: Option<SystemTime>,
    /// `Link: <...>; rel="deprecation"`: where the deprecation is explained, as the server wrote
    /// the reference (possibly relative to the request URL).
    pub deprecation_links: Vec<String>,
    /// `Link: <...>; rel="sunset"`: where the sunset policy is explained.
    pub sunset_links: Vec<String>,
}

impl Deprecation {
    /// Reads the deprecation headers; `None` when the response has none of them (or only values
    /// that do not parse, such as `Deprecation: false`).
    pub fn from_headers(headers: &HeaderMap) -> Option<Deprecation> {
        let mut out = Deprecation {
            deprecated: false,
            since: None,
            sunset: None,
            deprecation_links: Vec::new(),
            sunset_links: Vec::new(),
        };
        for value in headers.get_all("deprecation").iter().filter_map(|v| v.to_str().ok()) {
            if let Some(since) = deprecation_value(value) {
                out.deprecated = true;
                out.since = since;
                break;
            }
        }
        out.sunset = headers
            .get_all("sunset")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| httpdate::parse_http_date(v.trim()).ok());
        for value in headers.get_all(LINK).iter().filter_map(|v| v.to_str().ok()) {
            for (target, rels) in links(value) {
                for rel in rels.split_ascii_whitespace() {
                    let list = if rel.eq_ignore_ascii_case("deprecation") {
                        &mut out.deprecation_links
                    } else if rel.eq_ignore_ascii_case("sunset") {
                        &mut out.sunset_links
                    } else {
                        continue;
                    };
                    if list.len() < MAX_LINKS && target.len() <= MAX_LINK_LEN && !list.contains(&target) {
                        list.push(target.clone());
                    }
                }
            }
        }
        let any =
            out.deprecated || out.sunset.is_some() || !out.deprecation_links.is_empty() || !out.sunset_links.is_empty();
        any.then_some(out)
    }
}

impl fmt::Display for Deprecation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        match (self.deprecated, self.since) {
            (true, Some(since)) => parts.push(format!("deprecated since {}", httpdate::fmt_http_date(since))),
            (true, None) => parts.push("deprecated".to_owned()),
            _ => {}
        }
        if let Some(sunset) = self.sunset {
            parts.push(format!("sunset {}", httpdate::fmt_http_date(sunset)));
        }
        for link in &self.deprecation_links {
            parts.push(format!("see {link}"));
        }
        for link in &self.sunset_links {
            parts.push(format!("sunset policy {link}"));
        }
        f.write_str(&parts.join(", "))
    }
}

/// A `Deprecation` value: `Some(Some(date))` for `@<seconds>` or an HTTP date, `Some(None)` for
/// `true`, `None` for anything else.
fn deprecation_value(value: &str) -> Option<Option<SystemTime>> {
    let value = value.trim();
    if let Some(seconds) = value.strip_prefix('@') {
        // A structured-field Date: an sf-integer, at most 15 digits, possibly negative.
        let (negative, digits) = match seconds.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, seconds),
        };
        if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let seconds: u64 = digits.parse().ok()?;
        let offset = Duration::from_secs(seconds);
        let at = if negative { UNIX_EPOCH.checked_sub(offset) } else { UNIX_EPOCH.checked_add(offset) };
        return at.map(Some);
    }
    if value.eq_ignore_ascii_case("true") {
        return Some(None);
    }
    httpdate::parse_http_date(value).ok().map(Some)
}

/// The links of one `Link` header value (RFC 8288): each target with its `rel` (empty if none).
/// Commas and semicolons inside `<...>` and quoted strings do not split.
fn links(value: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = value;
    loop {
        rest = rest.trim_start_matches(|c: char| c == ',' || c.is_ascii_whitespace());
        let Some(after) = rest.strip_prefix('<') else { break };
        let Some(end) = after.find('>') else { break };
        let target = after[..end].trim().to_owned();
        rest = &after[end + 1..];
        let mut rel = String::new();
        // Parameters up to the next comma outside quotes.
        loop {
            rest = rest.trim_start();
            let Some(after) = rest.strip_prefix(';') else { break };
            let (name, value, remaining) = parameter(after);
            if name.eq_ignore_ascii_case("rel") && rel.is_empty() {
                rel = value;
            }
            rest = remaining;
        }
        out.push((target, rel));
        match rest.find(',') {
            Some(comma) if rest[..comma].trim().is_empty() => rest = &rest[comma..],
            _ if rest.trim().is_empty() => break,
            // Something this parser does not understand: skip to the next link.
            Some(comma) => rest = &rest[comma..],
            None => break,
        }
    }
    out
}

/// `name=value` or `name="quoted value"` at the start of `text`: the name, the value and the rest.
fn parameter(text: &str) -> (String, String, &str) {
    let text = text.trim_start();
    let name_end = text.find(['=', ';', ',']).unwrap_or(text.len());
    let name = text[..name_end].trim().to_owned();
    let Some(after) = text[name_end..].strip_prefix('=') else { return (name, String::new(), &text[name_end..]) };
    let after = after.trim_start();
    if let Some(quoted) = after.strip_prefix('"') {
        let mut value = String::new();
        let mut chars = quoted.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, escaped)) = chars.next() {
                        value.push(escaped);
                    }
                }
                '"' => return (name, value, &quoted[i + 1..]),
                c => value.push(c),
            }
        }
        return (name, value, "");
    }
    let end = after.find([';', ',']).unwrap_or(after.len());
    (name, after[..end].trim().to_owned(), &after[end..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn at(seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds)
    }

    #[test]
    fn each_form_of_the_deprecation_header() {
        let d = Deprecation::from_headers(&headers(&[("deprecation", "@1688169599")])).unwrap();
        assert_eq!((d.deprecated, d.since), (true, Some(at(1_688_169_599))));
        let d = Deprecation::from_headers(&headers(&[("deprecation", "true")])).unwrap();
        assert_eq!((d.deprecated, d.since), (true, None));
        let d = Deprecation::from_headers(&headers(&[("deprecation", "Sun, 11 Nov 2018 23:59:59 GMT")])).unwrap();
        assert_eq!(d.since, Some(at(1_541_980_799)));
        let d = Deprecation::from_headers(&headers(&[("deprecation", "@-1")])).unwrap();
        assert_eq!(d.since, Some(UNIX_EPOCH - Duration::from_secs(1)));
        for bad in ["false", "@", "@12x", "@1234567890123456", "yesterday", ""] {
            let mut map = HeaderMap::new();
            map.insert("deprecation", HeaderValue::from_str(bad).unwrap());
            assert_eq!(Deprecation::from_headers(&map), None, "{bad:?}");
        }
        assert_eq!(Deprecation::from_headers(&HeaderMap::new()), None);
    }

    #[test]
    fn sunset_and_links() {
        let d = Deprecation::from_headers(&headers(&[
            ("sunset", "Sat, 31 Dec 2033 23:59:59 GMT"),
            ("link", r#"<https://example.com/a,b>; rel="next", </docs/deprecation>; type="text/html"; rel="deprecation alternate""#),
            ("link", "<https://example.com/sunset>;rel=sunset"),
        ]))
        .unwrap();
        assert!(!d.deprecated);
        assert_eq!(d.sunset, Some(at(2_019_686_399)));
        assert_eq!(d.deprecation_links, ["/docs/deprecation"]);
        assert_eq!(d.sunset_links, ["https://example.com/sunset"]);
        assert_eq!(
            d.to_string(),
            "sunset Sat, 31 Dec 2033 23:59:59 GMT, see /docs/deprecation, sunset policy https://example.com/sunset"
        );
    }

    #[test]
    fn hostile_link_values_do_not_panic_and_stay_bounded() {
        for value in
            ["<", "<>", "<a>;", "<a>; rel", "<a>; rel=\"x", "<a>; rel=\"\\", ",,,", "<a> junk, <b>; rel=deprecation"]
        {
            let mut map = HeaderMap::new();
            map.insert(LINK, HeaderValue::from_str(value).unwrap());
            let _ = Deprecation::from_headers(&map);
        }
        let d = Deprecation::from_headers(&headers(&[("link", "<a> junk, <b>; rel=deprecation")])).unwrap();
        assert_eq!(d.deprecation_links, ["b"]);
        let many = (0..10).map(|i| format!("<l{i}>; rel=deprecation")).collect::<Vec<_>>().join(", ");
        let mut map = HeaderMap::new();
        map.insert(LINK, HeaderValue::from_str(&many).unwrap());
        assert_eq!(Deprecation::from_headers(&map).unwrap().deprecation_links.len(), MAX_LINKS);
    }
}
