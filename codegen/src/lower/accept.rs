//! The `Accept` header of an operation: the media types its responses
//! declare, success and error alike, so an API that versions through a
//! vendor media type (`application/vnd.example+json;version=2`) or serves
//! several media types learns what the client reads.
//!
//! RFC 9110 §12.5.1 says the order of an `Accept` list carries no
//! preference; weights do. JSON types, which the client decodes first, come
//! first at full weight; when there are any, the other declared types follow
//! at `q=0.9`, so a server that could send either picks JSON. An operation
//! whose responses declare no content sends `*/*`, and one that declares a
//! type no header can carry adds `*/*;q=0.1` last. Each media type is kept
//! as written, but only if it parses as a media range (RFC 9110 §8.3.1,
//! §12.5.1) of visible ASCII: a document cannot add a header, a second list
//! entry or a byte that `HeaderValue::from_static` refuses.

use openapiv3::{ReferenceOr, Response};

use super::Cx;
use super::operation::OpCx;
use super::refs::resolve;
use crate::diagnostic::join;

/// What an operation that declares no response content accepts.
const ANYTHING: &str = "*/*";

/// The weight of declared types that are not JSON, when JSON types are declared too.
const OTHER_WEIGHT: &str = ";q=0.9";

/// The weight of `*/*` after the declared types, when one of them is not a media range.
const LAST_WEIGHT: &str = ";q=0.1";

/// The `Accept` value of `at`, built from its responses' `content` keys.
pub(super) fn lower_accept<'a>(cx: &mut Cx<'a>, at: &OpCx<'a>) -> String {
    let responses = &at.operation.responses;
    let pointer = join(&at.pointer, "responses");
    let mut listed: Vec<(String, &ReferenceOr<Response>)> = responses
        .responses
        .iter()
        .map(|(status, r)| (status.to_string(), r))
        .chain(responses.default.iter().map(|r| ("default".to_string(), r)))
        .collect();
    // By status, not as listed: the header must not depend on key order.
    listed.sort_by(|a, b| a.0.cmp(&b.0));

    let mut json: Vec<&str> = Vec::new();
    let mut other: Vec<&str> = Vec::new();
    let mut unnamed = false;
    for (status, r) in &listed {
        // An unresolvable response was reported where responses are lowered.
        let Ok(resolved) = resolve(cx, r, &join(&pointer, status)) else { continue };
        let content_pointer = join(&resolved.pointer, "content");
        for media_type in resolved.item.content.keys() {
            let written = media_type.trim();
            if !is_media_range(written) {
                let at = join(&content_pointer, media_type);
                if cx.warned_media_types.insert(at.clone()) {
                    cx.warn(
                        at,
                        format!(
                            "media type `{}` is not a valid media range; it is left out of `Accept`",
                            media_type.escape_debug()
                        ),
                    );
                }
                unnamed = true;
                continue;
            }
            if json.iter().chain(other.iter()).any(|seen| same(seen, written)) {
                continue;
            }
            if is_json(written) { json.push(written) } else { other.push(written) }
        }
    }
    if json.is_empty() && other.is_empty() {
        return ANYTHING.to_string();
    }
    let weighted = !json.is_empty();
    let mut entries: Vec<String> = json.into_iter().map(str::to_string).collect();
    entries.extend(
        other.into_iter().map(
            |t| {
                if weighted && !has_weight(t) { format!("{t}{OTHER_WEIGHT}") } else { t.to_string() }
            },
        ),
    );
    // A type the document names in a way no header can carry (Cloudflare's worker scripts
    // answer `string:`) is still one the server sends: anything else is accepted too, last, so a
    // server that negotiates does not answer 406.
    if unnamed {
        entries.push(format!("{ANYTHING}{LAST_WEIGHT}"));
    }
    entries.join(", ")
}

/// `application/json`, `…+json`, `…/json`, with or without parameters.
pub(super) fn is_json(media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json") || essence.ends_with("/json")
}

/// Two spellings of one media type (case and spaces around `;` aside).
fn same(a: &str, b: &str) -> bool {
    let squash = |s: &str| s.chars().filter(|c| !c.is_ascii_whitespace()).collect::<String>().to_ascii_lowercase();
    squash(a) == squash(b)
}

fn has_weight(media_type: &str) -> bool {
    media_type.split(';').skip(1).any(|p| p.trim().to_ascii_lowercase().starts_with("q="))
}

/// RFC 9110 `tchar`.
fn is_tchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)
}

/// Whether `text` is `type "/" subtype *( OWS ";" OWS name "=" value )`,
/// value a token or a quoted string, all of it visible ASCII, spaces and tabs.
pub(super) fn is_media_range(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    let token = |i: &mut usize| {
        let start = *i;
        while *i < bytes.len() && is_tchar(bytes[*i]) {
            *i += 1;
        }
        *i > start
    };
    let ows = |i: &mut usize| {
        while *i < bytes.len() && (bytes[*i] == b' ' || bytes[*i] == b'\t') {
            *i += 1;
        }
    };
    if !token(&mut i) || bytes.get(i) != Some(&b'/') {
        return false;
    }
    i += 1;
    if !token(&mut i) {
        return false;
    }
    loop {
        ows(&mut i);
        if i == bytes.len() {
            return true;
        }
        if bytes[i] != b';' {
            return false;
        }
        i += 1;
        ows(&mut i);
        if i == bytes.len() {
            // A trailing `;` is allowed by the grammar (`*( OWS ";" OWS [ parameter ] )`).
            return true;
        }
        if !token(&mut i) || bytes.get(i) != Some(&b'=') {
            return false;
        }
        i += 1;
        if bytes.get(i) == Some(&b'"') {
            i += 1;
            loop {
                match bytes.get(i) {
                    None => return false,
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(b'\\') => match bytes.get(i + 1) {
                        Some(&c) if c == b'\t' || (b' '..=b'~').contains(&c) => i += 2,
                        _ => return false,
                    },
                    Some(&c) if c == b'\t' || (b' '..=b'~').contains(&c) => i += 1,
                    Some(_) => return false,
                }
            }
        } else if !token(&mut i) {
            return false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_ranges_are_checked_before_they_reach_a_header() {
        for ok in [
            "application/json",
            "application/vnd.github+json",
            "application/vnd.example+json;version=2",
            "text/plain; charset=utf-8",
            "*/*",
            "image/*",
            "text/plain; format=\"a;b, c\"",
            "application/json;",
        ] {
            assert!(is_media_range(ok), "{ok}");
        }
        for bad in [
            "",
            "json",
            "application/",
            "/json",
            "text/plain\r\nX-Injected: 1",
            "text/plain, text/html",
            "text/plain; charset",
            "text/plain; a=\"unterminated",
            "text/plain; a=b c",
            "application/jsön",
            "text/plain; a=\"\u{7f}\"",
        ] {
            assert!(!is_media_range(bad), "{bad:?}");
        }
    }

    #[test]
    fn json_types_and_weights() {
        assert!(is_json("application/json"));
        assert!(is_json("application/vnd.example+json;version=2"));
        assert!(is_json("Application/Problem+JSON"));
        assert!(!is_json("text/csv"));
        assert!(!is_json("*/*"));
        assert!(has_weight("text/csv; q=0.5"));
        assert!(!has_weight("text/csv; quality=high"));
        assert!(same("text/plain; charset=utf-8", "Text/Plain;charset=UTF-8"));
    }

    /// A media type no header can carry is left out, and anything is accepted after the rest.
    #[test]
    fn an_unnamed_media_type_accepts_anything_last() {
        let doc = r##"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
            "/script": {"get": {"operationId": "script", "responses": {
                "200": {"description": "the script", "content": {"string": {"schema": {"example": "addEventListener()"}}}},
                "4XX": {"description": "no", "content": {"application/json": {"schema": {"type": "object"}}}}}}}}}"##;
        let generated = crate::generate_from_str("accept.json", doc, &crate::Settings::new()).unwrap();
        assert!(generated.code().contains(r#""application/json, */*;q=0.1""#), "{}", generated.code());
    }
}
