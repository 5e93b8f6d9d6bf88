//! Text to `serde_json::Value`: JSON or YAML, chosen by extension or by the
//! first non-whitespace byte, with syntax errors located by line and column.
//!
//! YAML parser choice: `serde_yaml_ng` (the maintained fork of the
//! deprecated `serde_yaml`), over `serde-saphyr`. Measured on the largest
//! YAML documents of the corpus (dev profile, dependencies at opt-level 1,
//! 2 shared cores, so absolute numbers are noisy; the ratio held throughout):
//!
//! | document (size)                               | serde_yaml_ng  | serde-saphyr   |
//! |-----------------------------------------------|----------------|----------------|
//! | openai.yaml (3.0 MB)                          | 115-555 ms (*) | 370-1,530 ms   |
//! | github-api.github.com-2020-08.yaml (2.4 MB)   | 143-424 ms     | 327-1,040 ms   |
//! | apisguru-googleapis.com-compute-v1 (2.3 MB)   | 105-335 ms     | 265-1,190 ms   |
//! | xero-accounting.yaml (0.9 MB)                 | 65-85 ms       | 152-218 ms     |
//! | synthetic, 45,000 schemas (3.4 MB)            | 1,660 ms       | 4,090 ms       |
//!
//! serde-saphyr (pure safe Rust) is 2.5-4x slower, and its default budget
//! refuses documents over 250,000 nodes (about 5 MB). (*) `serde_yaml_ng`'s
//! own `Value` rejects `openai.yaml` (`minimum: -9223372036854776000` is
//! beyond 64 bits), as it rejects non-string keys such as `200:`; both are
//! handled by reading through our own visitor ([`JsonValue`]) instead, which
//! also expands merge keys (`<<`). Anchors and aliases (with an expansion
//! limit against "billion laughs") and a nesting limit of 128 come from the
//! parser. Positions for diagnostics come from `granit-parser` events (see
//! `source_map`), since `serde_yaml_ng` exposes none.

use std::fmt;
use std::path::Path;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::diagnostic::{Diagnostic, Location};

/// The syntax a document is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Json,
    Yaml,
}

/// Parses `text`, read from `file`, into a JSON value.
///
/// Returns the format that succeeded (the source map needs it) or every
/// parse error: one when the format was known, both when it was a guess.
pub(crate) fn parse(file: &Path, text: &str) -> Result<(Value, Format), Vec<Diagnostic>> {
    // Editors on Windows like to start files with a byte order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let extension = file.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("json") => parse_json(file, text).map(|v| (v, Format::Json)).map_err(|d| vec![d]),
        Some("yaml" | "yml") => parse_yaml(file, text).map(|v| (v, Format::Yaml)).map_err(|d| vec![d]),
        _ => {
            // Neither extension decides: a `{` start is JSON's only spelling of
            // an object, though YAML also reads flow mappings, so fall back to
            // the other parser and report both errors when both fail.
            let json_first = text.trim_start().starts_with('{');
            let (first, second) = if json_first { (Format::Json, Format::Yaml) } else { (Format::Yaml, Format::Json) };
            let attempt = |format| match format {
                Format::Json => parse_json(file, text),
                Format::Yaml => parse_yaml(file, text),
            };
            match attempt(first) {
                Ok(v) => Ok((v, first)),
                Err(e1) => match attempt(second) {
                    Ok(v) => Ok((v, second)),
                    Err(e2) => Err(vec![e1, e2]),
                },
            }
        }
    }
}

fn parse_json(file: &Path, text: &str) -> Result<Value, Diagnostic> {
    serde_json::from_str(text).map_err(|e| {
        // serde_json's Display appends " at line L column C": we carry those
        // in the location instead.
        let full = e.to_string();
        let message = full.rfind(" at line ").map_or(full.as_str(), |i| &full[..i]);
        let mut d = Diagnostic::error("", format!("invalid JSON in `{}`: {message}", file.display()));
        if e.line() > 0 {
            d = d.at(Location { file: file.to_path_buf(), line: e.line(), column: e.column().max(1) });
        }
        d
    })
}

fn parse_yaml(file: &Path, text: &str) -> Result<Value, Diagnostic> {
    serde_yaml_ng::from_str::<JsonValue>(text).map(|v| v.0).map_err(|e| {
        let rendered = e.to_string();
        let mut d =
            Diagnostic::error("", format!("invalid YAML in `{}`: {}", file.display(), strip_positions(&rendered)));
        if let Some(loc) = e.location() {
            d = d.at(Location { file: file.to_path_buf(), line: loc.line().max(1), column: loc.column().max(1) });
        }
        d
    })
}

/// libyaml says where, inline (`... at line 2 column 4, while parsing a flow
/// sequence at line 2 column 4`); the location goes into the diagnostic's
/// location, so drop the positions from the text.
fn strip_positions(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find(" at line ") {
        out.push_str(&rest[..i]);
        let after = &rest[i + " at line ".len()..];
        // Skip `L column C`.
        let skipped = after
            .split_once(" column ")
            .map(|(line, tail)| (line, tail.trim_start_matches(|c: char| c.is_ascii_digit())))
            .filter(|(line, _)| !line.is_empty() && line.chars().all(|c| c.is_ascii_digit()));
        match skipped {
            Some((_, tail)) => rest = tail,
            None => {
                out.push_str(" at line ");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A `serde_json::Value` read from YAML, where mapping keys may be any
/// scalar (`200:` and `true:` become the strings `"200"` and `"true"`, as an
/// OpenAPI document means them), integers beyond 64 bits become floats, and
/// merge keys (`<<: *base`) are expanded. Deserializing `Value` directly
/// rejects the first two and ignores the third.
pub(crate) struct JsonValue(pub(crate) Value);

impl<'de> de::Deserialize<'de> for JsonValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor).map(JsonValue)
    }
}

struct ValueVisitor;

/// The YAML merge key.
const MERGE: &str = "<<";

fn float(value: f64) -> Value {
    Number::from_f64(value).map_or(Value::Null, Value::Number)
}

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        // Beyond 64 bits only a float can hold it (as JSON parsers do).
        Ok(i64::try_from(v).map_or_else(|_| float(v as f64), |n| Value::Number(n.into())))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(u64::try_from(v).map_or_else(|_| float(v as f64), |n| Value::Number(n.into())))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::String(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(JsonValue(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        let mut merged = Vec::new();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let JsonValue(v) = map.next_value()?;
            match v {
                Value::Object(_) if key == MERGE => merged.push(v),
                Value::Array(sources) if key == MERGE && sources.iter().all(Value::is_object) => {
                    merged.extend(sources);
                }
                v => {
                    out.insert(key, v);
                }
            }
        }
        // The mapping's own keys win, then earlier merge sources over later ones.
        for source in merged {
            if let Value::Object(source) = source {
                for (key, value) in source {
                    if !out.contains_key(&key) {
                        out.insert(key, value);
                    }
                }
            }
        }
        Ok(Value::Object(out))
    }
}

/// Reads a mapping key as a string, whatever scalar it was written as.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = String;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_any(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a scalar mapping key (complex keys are not supported)")
    }
    fn visit_bool<E>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_i64<E>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u64<E>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_i128<E>(self, v: i128) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u128<E>(self, v: u128) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_f64<E>(self, v: f64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_str<E>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }
    fn visit_string<E>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
    fn visit_unit<E>(self) -> Result<String, E> {
        Ok("null".to_owned())
    }
    fn visit_none<E>(self) -> Result<String, E> {
        Ok("null".to_owned())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_any(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn yaml(text: &str) -> Value {
        match parse(Path::new("t.yaml"), text) {
            Ok((v, Format::Yaml)) => v,
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn yaml_non_string_keys_become_strings() {
        let v = yaml("responses:\n  200:\n    description: ok\n  true: 1\n  1.5: x\n  null: n\n");
        assert_eq!(v, json!({"responses": {"200": {"description": "ok"}, "true": 1, "1.5": "x", "null": "n"}}));
    }

    #[test]
    fn yaml_anchors_aliases_and_merge_keys_work() {
        let v = yaml("base: &b {a: 1, b: 2}\nderived:\n  <<: *b\n  b: 3\nlist: [*b]\n");
        assert_eq!(v["derived"], json!({"a": 1, "b": 3}));
        assert_eq!(v["list"], json!([{"a": 1, "b": 2}]));
    }

    #[test]
    fn yaml_big_integers_become_floats_and_yes_no_stay_strings() {
        let v = yaml("x: -9223372036854776000\ny: 18446744073709551616\nenum: [yes, no, n, on]\n");
        assert_eq!(v["x"].as_f64(), Some(-9_223_372_036_854_776_000.0));
        assert_eq!(v["y"].as_f64(), Some(18_446_744_073_709_551_616.0));
        assert_eq!(v["enum"], json!(["yes", "no", "n", "on"]));
    }

    #[test]
    fn yaml_merge_sequences_keep_the_first_source_first() {
        let v = yaml("a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc:\n  <<: [*a, *b]\n  x: 0\n");
        assert_eq!(v["c"], json!({"x": 0, "y": 1, "z": 2}));
    }

    #[test]
    fn yaml_alias_bombs_and_deep_nesting_fail_cleanly() {
        // Ten levels of ten aliases each: 10^10 nodes if expanded.
        let mut bomb = String::from("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..10 {
            let alias = format!("*l{}", level - 1);
            bomb.push_str(&format!("l{level}: &l{level} [{}]\n", vec![alias; 10].join(", ")));
        }
        assert!(parse(Path::new("bomb.yaml"), &bomb).is_err());
        let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(parse(Path::new("deep.yaml"), &deep).is_err());
        assert!(parse(Path::new("deep.json"), &deep).is_err());
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let errors = parse(Path::new("t.yaml"), "a: 1\nb: c: d\n").err().unwrap_or_default();
        assert_eq!(errors.len(), 1, "{errors:?}");
        let loc = errors[0].location.clone().unwrap_or_else(|| panic!("no location: {errors:?}"));
        assert_eq!((loc.file.as_path(), loc.line, loc.column), (Path::new("t.yaml"), 2, 5));
        assert_eq!(errors[0].message, "invalid YAML in `t.yaml`: mapping values are not allowed in this context");
        assert_eq!(
            strip_positions(
                "did not find expected ',' at line 2 column 4, while parsing a flow sequence at line 2 column 4"
            ),
            "did not find expected ',', while parsing a flow sequence"
        );
        assert_eq!(strip_positions("odd at line x"), "odd at line x");

        let errors = parse(Path::new("t.json"), "{\n  \"a\": 1,\n  \"b\" 2\n}").err().unwrap_or_default();
        assert_eq!(errors.len(), 1);
        let loc = errors[0].location.clone().unwrap_or_else(|| panic!("no location"));
        assert_eq!((loc.line, loc.column), (3, 7));
        assert_eq!(errors[0].message, "invalid JSON in `t.json`: expected `:`");
    }

    #[test]
    fn a_byte_order_mark_is_ignored() {
        assert!(matches!(parse(Path::new("a.json"), "\u{feff}{\"a\": 1}"), Ok((_, Format::Json))));
    }

    #[test]
    fn format_is_chosen_by_extension_then_content() {
        assert!(matches!(parse(Path::new("a.JSON"), "{\"a\": 1}"), Ok((_, Format::Json))));
        assert!(matches!(parse(Path::new("a.yml"), "{\"a\": 1}"), Ok((_, Format::Yaml))));
        assert!(matches!(parse(Path::new("spec"), "  {\"a\": 1}"), Ok((_, Format::Json))));
        assert!(matches!(parse(Path::new("spec"), "a: 1"), Ok((_, Format::Yaml))));
        // A flow mapping that is not JSON: JSON fails, YAML reads it.
        assert!(matches!(parse(Path::new("spec"), "{a: 1}"), Ok((_, Format::Yaml))));
        // An explicit extension never falls back.
        assert!(parse(Path::new("a.json"), "a: 1").is_err());
    }

    #[test]
    fn ambiguous_input_reports_both_errors() {
        let errors = parse(Path::new("spec.txt"), "{\"a\": [1,, }").err().unwrap_or_default();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].message.starts_with("invalid JSON"));
        assert!(errors[1].message.starts_with("invalid YAML"));
    }
}
