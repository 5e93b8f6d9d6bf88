//! OpenAPI parameter serialisation: a serde value flattened to a scalar, a list or a flat map, then
//! written in the parameter's style (`simple`, `label`, `matrix`, `form`, `spaceDelimited`,
//! `pipeDelimited`, `deepObject`) and percent-encoded for where it goes.
//!
//! Values go through `serde_json::Value` rather than a bespoke serde `Serializer`: parameters are
//! small, this keeps the rules (enums as strings, `None` omitted, numbers as JSON writes them) the
//! same as for bodies, and the cost is a few small allocations per parameter.

use percent_encoding::{AsciiSet, CONTROLS, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

/// OpenAPI parameter styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `form`: query and cookie default.
    Form,
    /// `simple`: path and header default.
    Simple,
    /// `label`: `.value` in paths.
    Label,
    /// `matrix`: `;name=value` in paths.
    Matrix,
    /// `deepObject`: `name[key]=value` in queries.
    DeepObject,
    /// `spaceDelimited` arrays in queries.
    SpaceDelimited,
    /// `pipeDelimited` arrays in queries.
    PipeDelimited,
}

impl Style {
    /// The name as written in documents.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Style::Form => "form",
            Style::Simple => "simple",
            Style::Label => "label",
            Style::Matrix => "matrix",
            Style::DeepObject => "deepObject",
            Style::SpaceDelimited => "spaceDelimited",
            Style::PipeDelimited => "pipeDelimited",
        }
    }
}

/// Everything but RFC 3986 unreserved characters: safe inside a path segment or a query component
/// (so a value of `a/b`, `?x` or `&y=1` stays one value).
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Characters a cookie value may not contain literally (RFC 6265 `cookie-octet`), plus `%`.
const COOKIE: &AsciiSet = &CONTROLS.add(b' ').add(b'"').add(b',').add(b';').add(b'\\').add(b'%').add(0x7f);

/// A parameter value reduced to what the OpenAPI styles can express.
#[derive(Debug, PartialEq)]
pub(crate) enum Flat {
    /// `null` / `None`: the parameter is omitted.
    Absent,
    Scalar(String),
    List(Vec<String>),
    Map(Vec<(String, String)>),
}

/// Flattens a serialised value; a nested array or object (inexpressible in any style) is an error.
pub(crate) fn flatten(value: Value) -> Result<Flat, &'static str> {
    Ok(match value {
        Value::Null => Flat::Absent,
        Value::Array(items) => {
            Flat::List(items.into_iter().filter_map(|v| scalar(v).transpose()).collect::<Result<_, _>>()?)
        }
        Value::Object(fields) => Flat::Map(
            fields
                .into_iter()
                .filter_map(|(k, v)| scalar(v).transpose().map(|v| v.map(|v| (k, v))))
                .collect::<Result<_, _>>()?,
        ),
        other => match scalar(other)? {
            Some(s) => Flat::Scalar(s),
            None => Flat::Absent,
        },
    })
}

fn scalar(value: Value) -> Result<Option<String>, &'static str> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Bool(b) => Ok(Some(b.to_string())),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Array(_) | Value::Object(_) => Err("a nested array or object"),
    }
}

fn component(s: &str) -> impl std::fmt::Display + '_ {
    utf8_percent_encode(s, COMPONENT)
}

/// Writes `items` encoded, separated by `sep`.
fn join(out: &mut String, items: impl IntoIterator<Item = impl AsRef<str>>, sep: &str) {
    use std::fmt::Write as _;
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        // Writing to a String cannot fail.
        let _ = write!(out, "{}", component(item.as_ref()));
    }
}

fn pairs(map: &[(String, String)]) -> impl Iterator<Item = &str> {
    map.iter().flat_map(|(k, v)| [k.as_str(), v.as_str()])
}

/// The text substituted for `{name}` in a path template. `Absent` is an error: path parameters are
/// always required.
pub(crate) fn path(name: &str, flat: &Flat, style: Style, explode: bool) -> Result<String, String> {
    let mut out = String::new();
    let (prefix, sep) = match style {
        Style::Simple => ("", ","),
        Style::Label => (".", if explode { "." } else { "," }),
        Style::Matrix => (";", if explode { ";" } else { "," }),
        other => return Err(format!("style `{}` is not allowed for path parameter `{name}`", other.name())),
    };
    out.push_str(prefix);
    let matrix_name = |out: &mut String, n: &str| {
        if style == Style::Matrix {
            join(out, [n], "");
        }
    };
    match flat {
        Flat::Absent => return Err(format!("path parameter `{name}` has no value")),
        Flat::Scalar(v) => {
            matrix_name(&mut out, name);
            if style == Style::Matrix && !v.is_empty() {
                out.push('=');
            }
            join(&mut out, [v], "");
        }
        Flat::List(items) => {
            if style == Style::Matrix && explode {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(';');
                    }
                    matrix_name(&mut out, name);
                    out.push('=');
                    join(&mut out, [item], "");
                }
            } else {
                if style == Style::Matrix {
                    matrix_name(&mut out, name);
                    out.push('=');
                }
                join(&mut out, items, sep);
            }
        }
        Flat::Map(map) => {
            if explode {
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        out.push_str(sep);
                    }
                    join(&mut out, [k], "");
                    out.push('=');
                    join(&mut out, [v], "");
                }
            } else {
                if style == Style::Matrix {
                    matrix_name(&mut out, name);
                    out.push('=');
                }
                join(&mut out, pairs(map), ",");
            }
        }
    }
    Ok(out)
}

/// Appends the parameter to a query string being built (`a=1&b=2`, no leading `?`).
pub(crate) fn query(out: &mut String, name: &str, flat: &Flat, style: Style, explode: bool) -> Result<(), String> {
    let pair = |out: &mut String, key: &str, value: &str| {
        if !out.is_empty() {
            out.push('&');
        }
        join(out, [key], "");
        out.push('=');
        join(out, [value], "");
    };
    let sep = match style {
        Style::Form | Style::DeepObject => ",",
        Style::SpaceDelimited => "%20",
        Style::PipeDelimited => "|",
        other => return Err(format!("style `{}` is not allowed for query parameter `{name}`", other.name())),
    };
    match flat {
        Flat::Absent => {}
        Flat::Scalar(v) => pair(out, name, v),
        Flat::List(items) if items.is_empty() => pair(out, name, ""),
        Flat::List(items) if explode => items.iter().for_each(|v| pair(out, name, v)),
        Flat::List(items) => {
            pair(out, name, "");
            join(out, items, sep);
        }
        Flat::Map(map) if style == Style::DeepObject => {
            for (k, v) in map {
                if !out.is_empty() {
                    out.push('&');
                }
                join(out, [name], "");
                out.push('[');
                join(out, [k], "");
                out.push_str("]=");
                join(out, [v], "");
            }
        }
        Flat::Map(map) if explode => map.iter().for_each(|(k, v)| pair(out, k, v)),
        Flat::Map(map) => {
            pair(out, name, "");
            join(out, pairs(map), sep);
        }
    }
    Ok(())
}

/// A header parameter's value (`simple` style, not percent-encoded: header values are validated
/// instead). `None` when the value is absent.
pub(crate) fn header(name: &str, flat: &Flat, style: Style, explode: bool) -> Result<Option<String>, String> {
    if style != Style::Simple {
        return Err(format!("style `{}` is not allowed for header parameter `{name}`", style.name()));
    }
    Ok(match flat {
        Flat::Absent => None,
        Flat::Scalar(v) => Some(v.clone()),
        Flat::List(items) => Some(items.join(",")),
        Flat::Map(map) if explode => Some(map.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",")),
        Flat::Map(map) => Some(pairs(map).collect::<Vec<_>>().join(",")),
    })
}

/// Appends `name=value` pairs to a `Cookie` header value (`form` style).
pub(crate) fn cookie(out: &mut String, name: &str, flat: &Flat, style: Style, explode: bool) -> Result<(), String> {
    use std::fmt::Write as _;
    if style != Style::Form {
        return Err(format!("style `{}` is not allowed for cookie parameter `{name}`", style.name()));
    }
    let pair = |out: &mut String, key: &str, value: &str| {
        if !out.is_empty() {
            out.push_str("; ");
        }
        let _ = write!(out, "{}={}", utf8_percent_encode(key, COOKIE), utf8_percent_encode(value, COOKIE));
    };
    match flat {
        Flat::Absent => {}
        Flat::Scalar(v) => pair(out, name, v),
        Flat::List(items) if explode => items.iter().for_each(|v| pair(out, name, v)),
        Flat::List(items) => {
            let encoded: Vec<String> = items.iter().map(|v| utf8_percent_encode(v, COOKIE).to_string()).collect();
            if !out.is_empty() {
                out.push_str("; ");
            }
            let _ = write!(out, "{}={}", utf8_percent_encode(name, COOKIE), encoded.join(","));
        }
        Flat::Map(map) if explode => map.iter().for_each(|(k, v)| pair(out, k, v)),
        Flat::Map(map) => {
            let encoded: Vec<String> = pairs(map).map(|v| utf8_percent_encode(v, COOKIE).to_string()).collect();
            if !out.is_empty() {
                out.push_str("; ");
            }
            let _ = write!(out, "{}={}", utf8_percent_encode(name, COOKIE), encoded.join(","));
        }
    }
    Ok(())
}

/// `s` percent-encoded as a query component (everything but RFC 3986 unreserved characters).
pub(crate) fn encode(s: &str) -> String {
    component(s).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn flat(v: Value) -> Flat {
        flatten(v).unwrap()
    }

    // The examples of the OpenAPI 3.0 specification's style table: color = "blue",
    // ["blue","black","brown"], {"R":100,"G":200,"B":150}.
    fn scalar_v() -> Flat {
        flat(json!("blue"))
    }
    fn list_v() -> Flat {
        flat(json!(["blue", "black", "brown"]))
    }
    fn map_v() -> Flat {
        flat(json!({"R": 100, "G": 200, "B": 150}))
    }

    #[test]
    fn path_styles_match_the_spec_table() {
        let p = |f: &Flat, s, e| path("color", f, s, e).unwrap();
        assert_eq!(p(&scalar_v(), Style::Simple, false), "blue");
        assert_eq!(p(&list_v(), Style::Simple, false), "blue,black,brown");
        assert_eq!(p(&map_v(), Style::Simple, false), "R,100,G,200,B,150");
        assert_eq!(p(&map_v(), Style::Simple, true), "R=100,G=200,B=150");
        assert_eq!(p(&scalar_v(), Style::Label, false), ".blue");
        assert_eq!(p(&list_v(), Style::Label, false), ".blue,black,brown");
        assert_eq!(p(&list_v(), Style::Label, true), ".blue.black.brown");
        assert_eq!(p(&map_v(), Style::Label, true), ".R=100.G=200.B=150");
        assert_eq!(p(&scalar_v(), Style::Matrix, false), ";color=blue");
        assert_eq!(p(&flat(json!("")), Style::Matrix, false), ";color");
        assert_eq!(p(&list_v(), Style::Matrix, false), ";color=blue,black,brown");
        assert_eq!(p(&list_v(), Style::Matrix, true), ";color=blue;color=black;color=brown");
        assert_eq!(p(&map_v(), Style::Matrix, false), ";color=R,100,G,200,B,150");
        assert_eq!(p(&map_v(), Style::Matrix, true), ";R=100;G=200;B=150");
    }

    #[test]
    fn path_values_cannot_escape_their_segment() {
        let p = |v: Value| path("id", &flat(v), Style::Simple, false).unwrap();
        assert_eq!(p(json!("../admin")), "..%2Fadmin");
        assert_eq!(p(json!("a/b?c#d e")), "a%2Fb%3Fc%23d%20e");
        assert_eq!(p(json!("ü,x")), "%C3%BC%2Cx");
        assert_eq!(p(json!(42)), "42");
        assert_eq!(p(json!(true)), "true");
        assert_eq!(p(json!(1.5)), "1.5");
        assert!(path("id", &Flat::Absent, Style::Simple, false).is_err());
        let err = path("id", &scalar_v(), Style::Form, false).unwrap_err();
        assert_eq!(err, "style `form` is not allowed for path parameter `id`");
    }

    #[test]
    fn query_styles_match_the_spec_table() {
        let q = |name: &str, f: &Flat, s, e| {
            let mut out = String::new();
            query(&mut out, name, f, s, e).unwrap();
            out
        };
        assert_eq!(q("color", &scalar_v(), Style::Form, true), "color=blue");
        assert_eq!(q("color", &list_v(), Style::Form, false), "color=blue,black,brown");
        assert_eq!(q("color", &list_v(), Style::Form, true), "color=blue&color=black&color=brown");
        assert_eq!(q("color", &map_v(), Style::Form, false), "color=R,100,G,200,B,150");
        assert_eq!(q("color", &map_v(), Style::Form, true), "R=100&G=200&B=150");
        assert_eq!(q("color", &list_v(), Style::SpaceDelimited, false), "color=blue%20black%20brown");
        assert_eq!(q("color", &list_v(), Style::PipeDelimited, false), "color=blue|black|brown");
        assert_eq!(q("color", &map_v(), Style::DeepObject, true), "color[R]=100&color[G]=200&color[B]=150");
        assert_eq!(q("color", &Flat::Absent, Style::Form, true), "");
        assert_eq!(q("color", &flat(json!([])), Style::Form, true), "color=");
        assert_eq!(q("a b&c", &flat(json!("x=y&z")), Style::Form, true), "a%20b%26c=x%3Dy%26z");
        assert_eq!(q("tags", &flat(json!(["a,b", "c"])), Style::Form, false), "tags=a%2Cb,c");
        let mut out = String::from("x=1");
        query(&mut out, "y", &flat(json!([1, null, 2])), Style::Form, true).unwrap();
        assert_eq!(out, "x=1&y=1&y=2", "null items are skipped");
        assert!(query(&mut out, "y", &scalar_v(), Style::Matrix, true).is_err());
    }

    #[test]
    fn nested_values_are_rejected() {
        assert_eq!(flatten(json!({"a": {"b": 1}})), Err("a nested array or object"));
        assert_eq!(flatten(json!([[1]])), Err("a nested array or object"));
        assert_eq!(flatten(json!({"a": null, "b": 2})), Ok(Flat::Map(vec![("b".into(), "2".into())])));
    }

    #[test]
    fn header_and_cookie_styles() {
        let h = |f: &Flat, e| header("X-Color", f, Style::Simple, e).unwrap();
        assert_eq!(h(&scalar_v(), false).as_deref(), Some("blue"));
        assert_eq!(h(&list_v(), false).as_deref(), Some("blue,black,brown"));
        assert_eq!(h(&map_v(), true).as_deref(), Some("R=100,G=200,B=150"));
        assert_eq!(h(&map_v(), false).as_deref(), Some("R,100,G,200,B,150"));
        assert_eq!(h(&Flat::Absent, false), None);
        assert!(header("X", &scalar_v(), Style::Form, false).is_err());
        let mut c = String::new();
        cookie(&mut c, "session", &flat(json!("a b;c")), Style::Form, true).unwrap();
        cookie(&mut c, "ids", &flat(json!([1, 2])), Style::Form, false).unwrap();
        cookie(&mut c, "more", &flat(json!(["x", "y"])), Style::Form, true).unwrap();
        assert_eq!(c, "session=a%20b%3Bc; ids=1,2; more=x; more=y");
    }
}
