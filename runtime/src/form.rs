//! `application/x-www-form-urlencoded` bodies, property by property as the request body's
//! Encoding Object says (OpenAPI 3.1.1 §4.8.15).
//!
//! A property the `encoding` map does not name keeps the Encoding Object's defaults: a scalar as
//! text, an array as one pair per item (RFC 1866 §8.2.1 allows a name to repeat), an object, and
//! an object or array inside an array, as JSON text (the default `contentType` of an object is
//! `application/json`; OpenAPI's own "URL Encoded Form with JSON Values" example sends one so).
//! Twilio, the corpus's biggest user of form bodies, documents exactly this and declares no
//! encoding; Stripe declares `style: deepObject` for every nested property, which is then followed.
//!
//! A named property is written like a query parameter of its `style` and `explode`; `deepObject`
//! nests with brackets to any depth (`a[b][c]=v`), arrays of scalars inside it as `a[]=x` and
//! arrays of objects by index (`a[0][k]=v`), which is what bracket-parsing servers (Rack, PHP,
//! `qs`, Stripe) read. `contentType: application/json` without a style sends the whole value as
//! JSON text, as `content` does for a parameter. Names and values are percent-encoded as in a
//! query; the brackets that make the structure are not, while brackets inside a key are.

use serde_json::{Map, Value};

use crate::params::{self, Flat, Style};

/// How one property of a form body is written: an entry of the body's `encoding` map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormEncoding {
    /// `style` and `explode` (OpenAPI's defaults filled in by codegen).
    Style(Style, bool),
    /// `contentType: application/json` without a style: the value as JSON text.
    Json,
}

/// One property of a form body and how it is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormField {
    /// The property name on the wire.
    pub name: &'static str,
    /// How its value is written.
    pub encoding: FormEncoding,
}

/// How deep `deepObject` nesting may go before the body is refused.
const MAX_DEPTH: usize = 32;

/// The body text of `fields`, each written as `encoding` says.
pub(crate) fn encode(fields: Map<String, Value>, encoding: &[FormField]) -> Result<String, String> {
    let mut out = String::new();
    for (name, value) in fields {
        match encoding.iter().find(|f| f.name == name).map(|f| f.encoding) {
            None => default_field(&mut out, &name, value),
            Some(FormEncoding::Json) if value.is_null() => {}
            Some(FormEncoding::Json) => pair(&mut out, &params::encode(&name), &value.to_string()),
            Some(FormEncoding::Style(Style::DeepObject, _)) => {
                deep(&mut out, params::encode(&name), value, 0)
                    .map_err(|e| format!("form field `{name}` cannot be encoded: {e}"))?;
            }
            Some(FormEncoding::Style(style, explode)) => {
                params::query(&mut out, &name, &flatten(value), style, explode)
                    .map_err(|e| format!("form field `{name}`: {e}"))?;
            }
        }
    }
    Ok(out)
}

/// `key=value`, `key` already encoded.
fn pair(out: &mut String, key: &str, value: &str) {
    if !out.is_empty() {
        out.push('&');
    }
    out.push_str(key);
    out.push('=');
    out.push_str(&params::encode(value));
}

fn scalar_text(value: Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s),
        other => Some(other.to_string()),
    }
}

/// The Encoding Object's defaults: scalars as text, arrays repeated, anything nested as JSON.
fn default_field(out: &mut String, name: &str, value: Value) {
    let key = params::encode(name);
    match value {
        Value::Array(items) => {
            for item in items {
                if let Some(text) = scalar_text(item) {
                    pair(out, &key, &text);
                }
            }
        }
        other => {
            if let Some(text) = scalar_text(other) {
                pair(out, &key, &text);
            }
        }
    }
}

/// A value for the flat styles; what they cannot express (an object or array inside) as JSON text.
fn flatten(value: Value) -> Flat {
    match value {
        Value::Null => Flat::Absent,
        Value::Array(items) => Flat::List(items.into_iter().filter_map(scalar_text).collect()),
        Value::Object(fields) => {
            Flat::Map(fields.into_iter().filter_map(|(k, v)| scalar_text(v).map(|v| (k, v))).collect())
        }
        other => scalar_text(other).map_or(Flat::Absent, Flat::Scalar),
    }
}

/// `deepObject`: `key[a][b]=v`, `key[]=x` for scalar items, `key[0][a]=v` for nested items.
fn deep(out: &mut String, key: String, value: Value, depth: usize) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!("it nests deeper than {MAX_DEPTH} levels"));
    }
    match value {
        Value::Object(fields) => {
            for (k, v) in fields {
                deep(out, format!("{key}[{}]", params::encode(&k)), v, depth + 1)?;
            }
        }
        Value::Array(items) => {
            for (i, item) in items.into_iter().enumerate() {
                let key = if item.is_object() || item.is_array() { format!("{key}[{i}]") } else { format!("{key}[]") };
                deep(out, key, item, depth + 1)?;
            }
        }
        scalar => {
            if let Some(text) = scalar_text(scalar) {
                pair(out, &key, &text);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(value: Value, encoding: &[FormField]) -> String {
        match value {
            Value::Object(fields) => encode(fields, encoding).unwrap(),
            _ => unreachable!(),
        }
    }

    const fn field(name: &'static str, encoding: FormEncoding) -> FormField {
        FormField { name, encoding }
    }

    #[test]
    fn defaults_repeat_arrays_and_send_objects_as_json() {
        let out = body(
            json!({"name": "Rex & co", "tags": ["a", "b"], "skip": null, "meta": {"k": 1}, "n": 3, "rows": [{"a": 1}]}),
            &[],
        );
        assert_eq!(out, "name=Rex%20%26%20co&tags=a&tags=b&meta=%7B%22k%22%3A1%7D&n=3&rows=%7B%22a%22%3A1%7D");
    }

    #[test]
    fn deep_objects_nest_with_brackets() {
        let encoding = [
            field("metadata", FormEncoding::Style(Style::DeepObject, true)),
            field("expand", FormEncoding::Style(Style::DeepObject, true)),
            field("lines", FormEncoding::Style(Style::DeepObject, true)),
            field("shipping", FormEncoding::Style(Style::DeepObject, true)),
        ];
        let out = body(
            json!({
                "amount": 2000,
                "metadata": {"order id": "6735", "a[b]": "x&y", "none": null},
                "expand": ["customer", "invoice.subscription"],
                "lines": [{"id": "il_1", "behavior": "delete"}],
                "shipping": {"address": {"city": "Köln", "lines": ["1 Main St"]}},
            }),
            &encoding,
        );
        assert_eq!(
            out,
            "amount=2000\
             &metadata[order%20id]=6735&metadata[a%5Bb%5D]=x%26y\
             &expand[]=customer&expand[]=invoice.subscription\
             &lines[0][id]=il_1&lines[0][behavior]=delete\
             &shipping[address][city]=K%C3%B6ln&shipping[address][lines][]=1%20Main%20St"
        );
    }

    #[test]
    fn flat_styles_and_json_follow_the_encoding() {
        let encoding = [
            field("tags", FormEncoding::Style(Style::PipeDelimited, false)),
            field("codes", FormEncoding::Style(Style::SpaceDelimited, false)),
            field("ids", FormEncoding::Style(Style::Form, false)),
            field("filter", FormEncoding::Style(Style::Form, true)),
            field("options", FormEncoding::Json),
            field("id", FormEncoding::Json),
        ];
        let out = body(
            json!({
                "tags": ["a", "b"], "codes": [1, 2], "ids": ["x,y", "z"], "filter": {"color": "red", "size": 2},
                "options": {"dpi": 300, "pages": [1, 2]}, "id": "f81d", "plain": ["p", "q"],
            }),
            &encoding,
        );
        assert_eq!(
            out,
            "tags=a|b&codes=1%202&ids=x%2Cy,z&color=red&size=2\
             &options=%7B%22dpi%22%3A300%2C%22pages%22%3A%5B1%2C2%5D%7D&id=%22f81d%22&plain=p&plain=q"
        );
    }

    #[test]
    fn a_style_the_body_cannot_have_is_an_error() {
        let mut deep = json!(1);
        for _ in 0..40 {
            deep = json!({"a": deep});
        }
        let err = encode(
            json!({"x": deep}).as_object().cloned().unwrap(),
            &[field("x", FormEncoding::Style(Style::DeepObject, true))],
        );
        assert_eq!(err.unwrap_err(), "form field `x` cannot be encoded: it nests deeper than 32 levels");
        let err = encode(
            json!({"y": 1}).as_object().cloned().unwrap(),
            &[field("y", FormEncoding::Style(Style::Label, false))],
        );
        assert_eq!(err.unwrap_err(), "form field `y`: style `label` is not allowed for query parameter `y`");
    }
}
