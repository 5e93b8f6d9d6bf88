//! The small validator that vets a document's own examples before they are sent and checks the
//! synthesized values in tests (a full JSON Schema validator is Prism's job, not the harness's).

use std::cell::RefCell;
use std::collections::HashMap;

use serde_json::{Map, Value};

use super::document::Document;

/// Whether `value` satisfies `schema`, as far as this small validator knows (types, a schema
/// without `type` read by its keywords, `enum`, `const`, bounds, lengths, `required`,
/// properties, items, `allOf`/`anyOf`/`oneOf`, the `date`, `date-time`, `uuid`, `uri` and
/// `email` formats, and patterns the `regex` crate reads: ECMA-262
/// look-arounds and back-references it does not, and those are not checked). `Err` says where
/// and why.
pub(crate) fn check(doc: &Document, schema: &Value, value: &Value) -> Result<(), String> {
    // Values are vetted to be sent through the typed client, which types a schema without
    // `type` by its keywords: a string example for `properties` it could not take.
    Checker { doc, patterns: true, infer_types: true }.at(schema, value, "", 0)
}

/// [`check`] by JSON Schema's own reading: a schema without `type` admits any type.
pub(crate) fn check_as_json_schema(doc: &Document, schema: &Value, value: &Value) -> Result<(), String> {
    Checker { doc, patterns: true, infer_types: false }.at(schema, value, "", 0)
}

/// [`check`] without patterns: what a typed client's decoding can refuse a value for (it
/// checks types, `required` and enums, never a pattern).
pub(crate) fn check_shape(doc: &Document, schema: &Value, value: &Value) -> Result<(), String> {
    Checker { doc, patterns: false, infer_types: false }.at(schema, value, "", 0)
}

/// [`check_shape`] with a schema that says no `type` read as the type its keywords speak of
/// (`properties`: an object, `items`: an array), as generated code types it. A value that
/// passes [`check_shape`] and fails this one has a type the document leaves open.
pub(crate) fn check_inferred(doc: &Document, schema: &Value, value: &Value) -> Result<(), String> {
    Checker { doc, patterns: false, infer_types: true }.at(schema, value, "", 0)
}

struct Checker<'a> {
    doc: &'a Document,
    patterns: bool,
    infer_types: bool,
}

/// The type a schema without `type` speaks of through its keywords, if one.
fn inferred_type(s: &Map<String, Value>) -> Option<&'static str> {
    let object = ["properties", "additionalProperties", "required", "minProperties", "maxProperties"];
    if object.iter().any(|k| s.contains_key(*k)) {
        Some("object")
    } else if ["items", "minItems", "maxItems"].iter().any(|k| s.contains_key(*k)) {
        Some("array")
    } else {
        None
    }
}

impl Checker<'_> {
    fn at(&self, schema: &Value, value: &Value, at: &str, depth: usize) -> Result<(), String> {
        let doc = self.doc;
        let schema = doc.resolve(schema);
        let Some(s) = schema.as_object() else { return Ok(()) };
        if depth > 64 {
            return Ok(());
        }
        let fail = |why: String| Err(format!("{}: {why}", if at.is_empty() { "/" } else { at }));
        let nullable = s.get("nullable").and_then(Value::as_bool) == Some(true);
        if value.is_null() && nullable {
            return Ok(());
        }
        if let Some(values) = s.get("enum").and_then(Value::as_array) {
            if !values.contains(value) {
                return fail(format!("{value} is not one of the enum's values"));
            }
        }
        if let Some(c) = s.get("const") {
            if c != value {
                return fail(format!("{value} is not the const {c}"));
            }
        }
        for part in s.get("allOf").and_then(Value::as_array).into_iter().flatten() {
            self.at(part, value, at, depth + 1)?;
        }
        if let Some(branches) = s.get("anyOf").and_then(Value::as_array) {
            if !branches.iter().any(|b| self.at(b, value, at, depth + 1).is_ok()) {
                return fail("matches no branch of anyOf".into());
            }
        }
        if let Some(branches) = s.get("oneOf").and_then(Value::as_array) {
            if super::discriminator::discriminator_of(doc, schema).is_some() {
                // OpenAPI's rule: the discriminator value names the branch the value must satisfy.
                match super::discriminator::selected_branch(doc, schema, value) {
                    Some(branch) => self.at(branch, value, at, depth + 1)?,
                    None => return fail("its discriminator selects no branch of oneOf".into()),
                }
            } else {
                let n = branches.iter().filter(|b| self.at(b, value, at, depth + 1).is_ok()).count();
                if n != 1 {
                    return fail(format!("matches {n} branches of oneOf, not one"));
                }
            }
        }
        let types: Vec<&str> = match s.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            // No `type`: any JSON type, by JSON Schema; the type its keywords speak of, by
            // the reading generated code takes.
            _ if self.infer_types => inferred_type(s).into_iter().collect(),
            _ => Vec::new(),
        };
        if !types.is_empty() && !types.iter().any(|t| has_type(value, t)) {
            return fail(format!("{value} is not of type {}", types.join(" or ")));
        }
        match value {
            Value::String(text) => {
                let n = text.chars().count() as u64;
                if s.get("minLength").and_then(Value::as_u64).is_some_and(|m| n < m) {
                    return fail(format!("shorter than minLength ({n})"));
                }
                if s.get("maxLength").and_then(Value::as_u64).is_some_and(|m| n > m) {
                    return fail(format!("longer than maxLength ({n})"));
                }
                let format = s.get("format").and_then(Value::as_str).unwrap_or_default();
                let ok = match format {
                    "date-time" => text.parse::<gusset::DateTime>().is_ok(),
                    "date" => text.parse::<gusset::Date>().is_ok(),
                    "uuid" => gusset::Uuid::parse_str(text).is_ok(),
                    // Formats no typed client checks (it takes them as `String`) are vetted only
                    // with patterns. An absolute URI has a scheme (RFC 3986 §3), then `:`.
                    "uri" if self.patterns => text.split_once(':').is_some_and(|(scheme, _)| {
                        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                            && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
                    }),
                    "email" if self.patterns => {
                        text.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
                    }
                    _ => true,
                };
                if !ok {
                    return fail(format!("`{text}` is not a {format}"));
                }
                if let Some(pattern) = s.get("pattern").and_then(Value::as_str).filter(|_| self.patterns) {
                    if matches(pattern, text) == Some(false) {
                        return fail(format!("`{text}` does not match the pattern `{pattern}`"));
                    }
                }
            }
            Value::Number(n) => {
                let x = n.as_f64().unwrap_or_default();
                let (lo, hi) = (bound(s, "minimum"), bound(s, "maximum"));
                let ex_lo = s.get("exclusiveMinimum");
                let ex_hi = s.get("exclusiveMaximum");
                let below = lo.is_some_and(|l| x < l || (ex_lo == Some(&Value::Bool(true)) && x == l))
                    || ex_lo.and_then(Value::as_f64).is_some_and(|l| x <= l);
                let above = hi.is_some_and(|h| x > h || (ex_hi == Some(&Value::Bool(true)) && x == h))
                    || ex_hi.and_then(Value::as_f64).is_some_and(|h| x >= h);
                if below || above {
                    return fail(format!("{x} is out of bounds"));
                }
                if let Some(m) = s.get("multipleOf").and_then(Value::as_f64).filter(|m| *m > 0.0) {
                    if ((x / m).round() * m - x).abs() > 1e-9 {
                        return fail(format!("{x} is not a multiple of {m}"));
                    }
                }
            }
            Value::Array(items) => {
                let n = items.len() as u64;
                if s.get("minItems").and_then(Value::as_u64).is_some_and(|m| n < m)
                    || s.get("maxItems").and_then(Value::as_u64).is_some_and(|m| n > m)
                {
                    return fail(format!("{n} items is outside minItems/maxItems"));
                }
                if let Some(item_schema) = s.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        self.at(item_schema, item, &format!("{at}/{i}"), depth + 1)?;
                    }
                }
            }
            Value::Object(members) => {
                for name in s.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str)
                {
                    let read_only = s
                        .get("properties")
                        .and_then(|p| p.get(name))
                        .is_some_and(|p| doc.resolve(p).get("readOnly") == Some(&Value::Bool(true)));
                    if !members.contains_key(name) && !read_only {
                        return fail(format!("required property `{name}` is missing"));
                    }
                }
                let properties = s.get("properties").and_then(Value::as_object);
                for (name, member) in members {
                    match properties.and_then(|p| p.get(name)) {
                        Some(property) => self.at(property, member, &format!("{at}/{name}"), depth + 1)?,
                        None => match s.get("additionalProperties") {
                            Some(Value::Bool(false)) => return fail(format!("property `{name}` is not allowed")),
                            Some(extra @ Value::Object(_)) => {
                                self.at(extra, member, &format!("{at}/{name}"), depth + 1)?
                            }
                            _ => {}
                        },
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
}

pub(super) fn has_type(value: &Value, t: &str) -> bool {
    match t {
        "string" => value.is_string(),
        "integer" => {
            value.as_i64().is_some() || value.as_u64().is_some() || value.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "null" => value.is_null(),
        _ => true,
    }
}

/// A numeric keyword of a schema (`minimum`, `maxLength`, ...), when it is a number.
pub(super) fn bound(object: &Map<String, Value>, key: &str) -> Option<f64> {
    object.get(key).and_then(Value::as_f64)
}

/// Whether `text` matches `pattern` (unanchored, as JSON Schema's `pattern` is); `None` when
/// the pattern is not one the `regex` crate reads. Compiled patterns are kept per thread: one
/// document repeats a few hundred patterns over thousands of values.
fn matches(pattern: &str, text: &str) -> Option<bool> {
    thread_local! {
        static COMPILED: RefCell<HashMap<String, Option<regex::Regex>>> = RefCell::new(HashMap::new());
    }
    COMPILED.with(|compiled| {
        let mut compiled = compiled.borrow_mut();
        let regex = compiled.entry(pattern.to_owned()).or_insert_with(|| {
            // A pattern too large for the default limits is not worth checking here.
            regex::RegexBuilder::new(pattern).size_limit(1 << 20).build().ok()
        });
        regex.as_ref().map(|r| r.is_match(text))
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde_json::json;

    use super::*;

    fn doc(yaml: &str) -> Document {
        Document::parse(yaml).unwrap()
    }

    #[test]
    fn a_schema_without_type_admits_any_type_unless_read_by_its_keywords() {
        let d = doc("{}");
        let object_ish = json!({"properties": {"id": {"type": "string"}}});
        assert!(check_shape(&d, &object_ish, &json!("text")).is_ok());
        assert!(check_inferred(&d, &object_ish, &json!("text")).unwrap_err().contains("is not of type object"));
        assert!(check_inferred(&d, &json!({"items": {}}), &json!({})).unwrap_err().contains("array"));
        assert!(check_inferred(&d, &json!({"description": "anything"}), &json!(1)).is_ok());
    }

    #[test]
    fn uri_and_email_formats_are_vetted_for_requests_only() {
        let d = doc("{}");
        let uri = json!({"type": "string", "format": "uri"});
        assert!(check(&d, &uri, &json!("https://example.com/a")).is_ok());
        assert!(check(&d, &uri, &json!("")).is_err());
        assert!(check(&d, &uri, &json!("/relative")).is_err());
        assert!(check_shape(&d, &uri, &json!("")).is_ok());
        let email = json!({"type": "string", "format": "email"});
        assert!(check(&d, &email, &json!("ann@example.com")).is_ok());
        assert!(check(&d, &email, &json!("ann")).is_err());
    }

    #[test]
    fn patterns_are_checked_where_the_regex_crate_reads_them() {
        let d = doc("{}");
        let one = json!({"type": "string", "pattern": "^[a-zA-Z0-9]$"});
        assert!(check(&d, &one, &json!("k")).is_ok());
        assert!(check(&d, &one, &json!("someKey")).unwrap_err().contains("does not match the pattern"));
        // Unanchored, as JSON Schema's `pattern` is; the shape check leaves patterns out.
        assert!(check(&d, &json!({"pattern": "[0-9]"}), &json!("a1b")).is_ok());
        assert!(check_shape(&d, &one, &json!("someKey")).is_ok());
        // A look-ahead (ECMA-262, not the regex crate's) is not checked.
        assert!(check(&d, &json!({"pattern": "^(?=.*[0-9]).+$"}), &json!("abc")).is_ok());
    }

    #[test]
    fn the_checker_rejects_what_does_not_satisfy() {
        let d = doc("{}");
        let schema =
            json!({"type": "object", "required": ["n"], "properties": {"n": {"type": "integer", "maximum": 3}}});
        assert!(check(&d, &schema, &json!({"n": 3})).is_ok());
        assert_eq!(check(&d, &schema, &json!({"n": 4})).unwrap_err(), "/n: 4 is out of bounds");
        assert_eq!(check(&d, &schema, &json!({})).unwrap_err(), "/: required property `n` is missing");
        assert!(check(&d, &schema, &json!({"n": "3"})).is_err());
        assert!(check(&d, &json!({"type": "string", "format": "date"}), &json!("May 6")).is_err());
        assert!(check(&d, &json!({"oneOf": [{"type": "integer"}, {"type": "number"}]}), &json!(1)).is_err());
    }
}
