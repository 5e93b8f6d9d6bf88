//! OpenAPI 3.1 (JSON Schema 2020-12) constructs rewritten, in place, into
//! their OpenAPI 3.0 equivalents, so `openapiv3`'s 3.0 model can read them.
//! Rewrites stay at the same pointer wherever possible so diagnostics still
//! point at what the user wrote.
//!
//! The schema rules also run on 3.0 documents: real 3.0 documents borrow
//! 3.1 spellings (`type: [string, "null"]`, `examples: [...]`), and reading
//! them as meant beats rejecting them.

use serde_json::{Map, Value, json};

use crate::diagnostic::{Diagnostic, join};
use crate::fidelity::{Category, Cause};

use super::Losses;
use super::version::Version;

/// Document-level rewrites: `webhooks` dropped, `paths` made present.
pub(crate) fn normalize_document(
    document: &mut Value,
    version: Version,
    warnings: &mut Vec<Diagnostic>,
    losses: &mut Losses,
) {
    let Some(root) = document.as_object_mut() else { return };
    if root.shift_remove("webhooks").is_some() {
        warnings.push(Diagnostic::warning("/webhooks", "`webhooks` are not supported and were skipped"));
        losses.fidelity.record(Category::Dropped, "/webhooks", Cause::Webhooks);
    }
    if !root.contains_key("paths") {
        if version == Version::V30 {
            warnings.push(Diagnostic::warning("/paths", "missing `paths`; read as no operations"));
        }
        root.insert("paths".to_owned(), Value::Object(Map::new()));
    }
}

/// An Encoding Object that asks for query-style serialization (any of
/// `style`, `explode`, `allowReserved`; OpenAPI 3.1.1: "the presence of at
/// least one ... is equivalent to using `schema` with `in: query`") gets
/// `style` and `explode` written out: `openapiv3` reads an absent `explode`
/// as `false`, where the default is `true` for `form`. For `deepObject` an
/// absent `explode` is `true` as well: "the combination of `false` with
/// `deepObject` is undefined", so the one defined reading is used.
pub(crate) fn normalize_encoding(encoding: &mut Value) {
    let Some(object) = encoding.as_object_mut() else { return };
    if !["style", "explode", "allowReserved"].iter().any(|k| object.contains_key(*k)) {
        return;
    }
    if !object.contains_key("style") {
        object.insert("style".to_owned(), json!("form"));
    }
    if !object.contains_key("explode") {
        let style = object.get("style").and_then(Value::as_str);
        let explode = matches!(style, Some("form" | "deepObject"));
        object.insert("explode".to_owned(), Value::Bool(explode));
    }
}

/// Keywords that read well enough as annotations in 3.0 that a `$ref` next
/// to them needs no wrapping (3.0 ignores siblings of `$ref`).
const ANNOTATIONS: [&str; 9] =
    ["description", "summary", "title", "deprecated", "readOnly", "writeOnly", "example", "examples", "$comment"];

/// JSON Schema keywords with no 3.0 meaning: ignored, with a warning since the
/// generated type is then looser than the document says.
const IGNORED: [&str; 9] = [
    "if",
    "dependentSchemas",
    "dependentRequired",
    "patternProperties",
    "propertyNames",
    "contains",
    "unevaluatedItems",
    "minContains",
    "maxContains",
];

/// Schema fields that hold one schema, where JSON Schema allows `true`/`false`.
const SUBSCHEMA_FIELDS: [&str; 5] = ["items", "not", "additionalItems", "contains", "propertyNames"];

/// Rewrites one schema object at `pointer`.
pub(crate) fn normalize_schema(pointer: &str, schema: &mut Value, warnings: &mut Vec<Diagnostic>, losses: &mut Losses) {
    let Some(object) = schema.as_object_mut() else { return };
    if normalize_type(pointer, object, warnings) {
        losses.untyped.insert(pointer.to_owned(), Cause::TypeList);
    }
    if let Some(value) = object.shift_remove("const") {
        // `const` alone implies its type: `{const: "a"}` is a string.
        let implied = match &value {
            Value::String(_) => Some("string"),
            Value::Bool(_) => Some("boolean"),
            Value::Number(n) if n.is_f64() => Some("number"),
            Value::Number(_) => Some("integer"),
            _ => None,
        };
        if let Some(implied) = implied.filter(|_| !object.contains_key("type")) {
            object.insert("type".to_owned(), Value::String(implied.to_owned()));
        }
        if !object.contains_key("enum") {
            object.insert("enum".to_owned(), Value::Array(vec![value]));
        }
    }
    enum_implies_type(object);
    if let Some(examples) = object.get("examples").filter(|v| v.is_array()).cloned() {
        // 3.0 has one `example`: keep the first of 3.1's list.
        object.shift_remove("examples");
        if let Some(first) = examples.as_array().and_then(|a| a.first())
            && !object.contains_key("example")
        {
            object.insert("example".to_owned(), first.clone());
        }
    }
    for (exclusive, inclusive) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
        if let Some(Value::Number(bound)) = object.get(exclusive).cloned() {
            // With both, the stricter bound wins.
            let b = bound.as_f64().unwrap_or(0.0);
            let stricter = match object.get(inclusive).and_then(Value::as_f64) {
                None => true,
                Some(current) if inclusive == "minimum" => b >= current,
                Some(current) => b <= current,
            };
            if stricter {
                object.insert(inclusive.to_owned(), Value::Number(bound));
                object.insert(exclusive.to_owned(), Value::Bool(true));
            } else {
                object.shift_remove(exclusive);
            }
        }
    }
    content_to_format(object);
    boolean_subschemas(object);
    if tuples(pointer, object, warnings) {
        losses.fidelity.record(Category::Fallback, pointer, Cause::Tuple);
    }
    null_members(object);
    pattern_properties(pointer, object, warnings);
    for keyword in IGNORED {
        if object.contains_key(keyword) {
            warnings.push(Diagnostic::warning(
                join(pointer, keyword),
                format!("JSON Schema keyword `{keyword}` is not supported and was ignored"),
            ));
            losses.fidelity.record(Category::Dropped, join(pointer, keyword), Cause::UnsupportedKeyword);
        }
    }
    if let Some(Value::Object(_)) = object.get("unevaluatedProperties")
        && !object.contains_key("additionalProperties")
        && let Some(value) = object.shift_remove("unevaluatedProperties")
    {
        // Without composition the two mean the same; with it, this is looser.
        object.insert("additionalProperties".to_owned(), value);
    }
    wrap_ref_with_constraints(object);
}

/// `type: [T, "null"]` → `type: T, nullable: true`; several types → none
/// (then true: the schema is looser than the document says).
fn normalize_type(pointer: &str, object: &mut Map<String, Value>, warnings: &mut Vec<Diagnostic>) -> bool {
    let types: Vec<String> = match object.get("type") {
        Some(Value::Array(items)) => items.iter().filter_map(|t| t.as_str().map(str::to_owned)).collect(),
        Some(Value::String(t)) if t == "null" => vec![t.clone()],
        _ => return false,
    };
    let nullable = types.iter().any(|t| t == "null");
    let mut rest: Vec<String> = types.into_iter().filter(|t| t != "null").collect();
    rest.dedup();
    if nullable {
        object.insert("nullable".to_owned(), Value::Bool(true));
    }
    match rest.as_slice() {
        [single] => {
            object.insert("type".to_owned(), Value::String(single.clone()));
        }
        [] => {
            object.shift_remove("type");
            if nullable && !object.contains_key("enum") {
                // Only `null` is allowed: an enum of one null says so in 3.0.
                object.insert("enum".to_owned(), json!([null]));
            }
        }
        several => {
            // "integer" and "number" together are just numbers.
            if several.iter().all(|t| t == "integer" || t == "number") {
                object.insert("type".to_owned(), Value::String("number".to_owned()));
                return false;
            }
            object.shift_remove("type");
            warnings.push(Diagnostic::warning(
                join(pointer, "type"),
                format!("a schema of several types (`{}`) is read as a free-form value", several.join("`, `")),
            ));
            return true;
        }
    }
    false
}

/// An `enum` allows only its values, so without a `type` it still has
/// theirs: `{enum: [fast, slow]}` is a string enum, not any value (the 3.0
/// model reads a schema without `type` as any value). A `null` among the
/// values makes the schema nullable; values of several types, or a schema
/// that says more than its values (`properties`, `allOf`...), are left as
/// they are.
fn enum_implies_type(object: &mut Map<String, Value>) {
    const STRUCTURE: [&str; 9] =
        ["type", "$ref", "allOf", "oneOf", "anyOf", "not", "properties", "items", "additionalProperties"];
    if STRUCTURE.iter().any(|k| object.contains_key(*k)) {
        return;
    }
    let Some(Value::Array(values)) = object.get("enum") else { return };
    let mut implied: Option<&str> = None;
    let mut null = false;
    for value in values {
        let kind = match value {
            Value::Null => {
                null = true;
                continue;
            }
            Value::String(_) => "string",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_f64() => "number",
            Value::Number(_) => "integer",
            Value::Array(_) | Value::Object(_) => return,
        };
        implied = match implied {
            None => Some(kind),
            Some(seen) if seen == kind => Some(seen),
            // Integers among numbers are numbers.
            Some("integer" | "number") if matches!(kind, "integer" | "number") => Some("number"),
            Some(_) => return,
        };
    }
    let Some(implied) = implied else { return };
    object.insert("type".to_owned(), Value::String(implied.to_owned()));
    if null {
        object.insert("nullable".to_owned(), Value::Bool(true));
    }
}

/// 3.1 spells binary strings with `contentEncoding`/`contentMediaType`
/// where 3.0 used `format: byte`/`binary`.
fn content_to_format(object: &mut Map<String, Value>) {
    let is_string = object.get("type").and_then(Value::as_str) == Some("string");
    if !is_string || object.contains_key("format") {
        return;
    }
    let format = match (object.get("contentEncoding").and_then(Value::as_str), object.get("contentMediaType")) {
        (Some("base64"), _) => "byte",
        (None, Some(_)) => "binary",
        _ => return,
    };
    object.insert("format".to_owned(), Value::String(format.to_owned()));
}

/// JSON Schema's boolean schemas: `true` is any value, `false` none.
fn boolean_subschemas(object: &mut Map<String, Value>) {
    let as_schema = |b: bool| if b { json!({}) } else { json!({"not": {}}) };
    for field in SUBSCHEMA_FIELDS {
        if let Some(Value::Bool(b)) = object.get(field) {
            let b = *b;
            object.insert(field.to_owned(), as_schema(b));
        }
    }
    for field in ["allOf", "anyOf", "oneOf", "prefixItems"] {
        if let Some(Value::Array(items)) = object.get_mut(field) {
            for item in items.iter_mut() {
                if let Value::Bool(b) = item {
                    *item = as_schema(*b);
                }
            }
        }
    }
    for field in ["properties", "patternProperties", "$defs", "dependentSchemas"] {
        if let Some(Value::Object(map)) = object.get_mut(field) {
            for value in map.values_mut() {
                if let Value::Bool(b) = value {
                    *value = as_schema(*b);
                }
            }
        }
    }
}

/// Tuple schemas (`prefixItems`, or `items` as a list) have no 3.0 form:
/// read as arrays whose items may be any of the listed schemas. True when
/// that is looser than the document says.
fn tuples(pointer: &str, object: &mut Map<String, Value>, warnings: &mut Vec<Diagnostic>) -> bool {
    let tuple_field = if object.contains_key("prefixItems") {
        "prefixItems"
    } else if object.get("items").is_some_and(Value::is_array) {
        "items"
    } else {
        return false;
    };
    let Some(Value::Array(members)) = object.shift_remove(tuple_field) else { return false };
    if tuple_field == "prefixItems" && object.contains_key("items") {
        // `items` then describes the rest; members are lost.
    } else if members.len() == 1 {
        object.insert("items".to_owned(), members.into_iter().next().unwrap_or_default());
        return false;
    } else if !members.is_empty() {
        object.insert("items".to_owned(), json!({ "anyOf": members }));
    }
    warnings.push(Diagnostic::warning(
        join(pointer, tuple_field),
        "tuple schemas are not supported; read as an array of any of the listed item schemas",
    ));
    true
}

/// `patternProperties` without `additionalProperties` describes a map whose
/// keys follow a pattern: 3.0 says "a map of these" with `additionalProperties`.
fn pattern_properties(pointer: &str, object: &mut Map<String, Value>, warnings: &mut Vec<Diagnostic>) {
    if object.contains_key("additionalProperties") {
        return;
    }
    let Some(Value::Object(patterns)) = object.get("patternProperties") else { return };
    let values = match patterns.len() {
        0 => return,
        1 => patterns.values().next().cloned().unwrap_or_default(),
        _ => {
            warnings.push(Diagnostic::warning(
                join(pointer, "patternProperties"),
                "several `patternProperties` read as a map of any of their schemas",
            ));
            json!({ "anyOf": patterns.values().cloned().collect::<Vec<_>>() })
        }
    };
    object.shift_remove("patternProperties");
    object.insert("additionalProperties".to_owned(), values);
}

/// `anyOf`/`oneOf` with a `{type: "null"}` member: the member goes, the
/// schema becomes `nullable` (the 3.1 idiom for an optional reference). A
/// member that is `nullable` itself (Sentry's `{type: object, nullable:
/// true}` beside typed branches) makes the schema `nullable` too: `null`
/// meets the union through it.
fn null_members(object: &mut Map<String, Value>) {
    for field in ["anyOf", "oneOf"] {
        let Some(Value::Array(members)) = object.get_mut(field) else { continue };
        let before = members.len();
        members.retain(|m| !is_null_schema(m));
        let nullable_member = members.iter().any(|m| m.get("nullable") == Some(&Value::Bool(true)));
        if (members.len() != before || nullable_member) && !members.is_empty() {
            object.insert("nullable".to_owned(), Value::Bool(true));
        }
    }
}

fn is_null_schema(value: &Value) -> bool {
    let Some(object) = value.as_object() else { return false };
    let only_null_type = match object.get("type") {
        Some(Value::String(t)) => t == "null",
        Some(Value::Array(ts)) => ts.iter().all(|t| t == "null"),
        _ => false,
    };
    only_null_type
        && object.keys().all(|k| matches!(k.as_str(), "type" | "description" | "title" | "nullable" | "enum"))
}

/// A `$ref` next to real constraints (`nullable`, `maxLength`...), which 3.0
/// would ignore, becomes `allOf: [{$ref}]` plus the constraints.
fn wrap_ref_with_constraints(object: &mut Map<String, Value>) {
    if !object.get("$ref").is_some_and(Value::is_string) {
        return;
    }
    let constrained = object.keys().any(|k| k != "$ref" && !k.starts_with("x-") && !ANNOTATIONS.contains(&k.as_str()));
    if !constrained {
        return;
    }
    if let Some(reference) = object.shift_remove("$ref") {
        let mut all_of = vec![json!({ "$ref": reference })];
        if let Some(Value::Array(existing)) = object.shift_remove("allOf") {
            all_of.extend(existing);
        }
        object.insert("allOf".to_owned(), Value::Array(all_of));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(mut value: Value) -> (Value, Vec<Diagnostic>) {
        let mut warnings = Vec::new();
        normalize_schema("/s", &mut value, &mut warnings, &mut Losses::default());
        (value, warnings)
    }

    #[test]
    fn type_lists_become_nullable_or_free_form() {
        assert_eq!(schema(json!({"type": ["string", "null"]})).0, json!({"type": "string", "nullable": true}));
        assert_eq!(schema(json!({"type": ["integer"]})).0, json!({"type": "integer"}));
        assert_eq!(schema(json!({"type": ["integer", "number"]})).0, json!({"type": "number"}));
        let (value, warnings) = schema(json!({"type": ["string", "object", "null"]}));
        assert_eq!(value, json!({"nullable": true}));
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].pointer, "/s/type");
        assert_eq!(schema(json!({"type": "null"})).0, json!({"nullable": true, "enum": [null]}));
    }

    #[test]
    fn const_examples_and_exclusive_bounds() {
        assert_eq!(schema(json!({"const": "a"})).0, json!({"type": "string", "enum": ["a"]}));
        assert_eq!(schema(json!({"type": "string", "const": "a"})).0, json!({"type": "string", "enum": ["a"]}));
        assert_eq!(schema(json!({"const": 3})).0, json!({"type": "integer", "enum": [3]}));
        assert_eq!(schema(json!({"examples": [1, 2]})).0, json!({"example": 1}));
        assert_eq!(
            schema(json!({"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 10})).0,
            json!({"type": "integer", "exclusiveMinimum": true, "exclusiveMaximum": true, "minimum": 0, "maximum": 10})
        );
        assert_eq!(schema(json!({"minimum": 10, "exclusiveMinimum": 5})).0, json!({"minimum": 10}));
        assert_eq!(
            schema(json!({"maximum": 10, "exclusiveMaximum": 5})).0,
            json!({"maximum": 5, "exclusiveMaximum": true})
        );
        // 3.0 booleans are left alone.
        let (value, _) = schema(json!({"minimum": 1, "exclusiveMinimum": true}));
        assert_eq!(value, json!({"minimum": 1, "exclusiveMinimum": true}));
    }

    #[test]
    fn refs_with_constraints_are_wrapped_but_annotations_are_not() {
        assert_eq!(schema(json!({"$ref": "#/a", "description": "d"})).0, json!({"$ref": "#/a", "description": "d"}));
        assert_eq!(
            schema(json!({"$ref": "#/a", "description": "d", "nullable": true})).0,
            json!({"description": "d", "nullable": true, "allOf": [{"$ref": "#/a"}]})
        );
    }

    #[test]
    fn an_enum_without_a_type_has_the_type_of_its_values() {
        assert_eq!(schema(json!({"enum": ["fast", "slow"]})).0, json!({"enum": ["fast", "slow"], "type": "string"}));
        assert_eq!(schema(json!({"enum": [true]})).0, json!({"enum": [true], "type": "boolean"}));
        assert_eq!(schema(json!({"enum": [1, 2.5]})).0, json!({"enum": [1, 2.5], "type": "number"}));
        assert_eq!(
            schema(json!({"enum": ["a", null]})).0,
            json!({"enum": ["a", null], "type": "string", "nullable": true})
        );
        // Several kinds of value, or more than values: as written.
        for left in [json!({"enum": ["a", 1]}), json!({"enum": [null]}), json!({"enum": ["a"], "allOf": [{}]})] {
            assert_eq!(schema(left.clone()).0, left);
        }
    }

    #[test]
    fn null_members_tuples_booleans_and_content() {
        assert_eq!(
            schema(json!({"anyOf": [{"$ref": "#/a"}, {"type": "null"}]})).0,
            json!({"anyOf": [{"$ref": "#/a"}], "nullable": true})
        );
        let (value, warnings) =
            schema(json!({"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]}));
        assert_eq!(value, json!({"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}));
        assert_eq!(warnings[0].pointer, "/s/prefixItems");
        assert_eq!(schema(json!({"items": [{"type": "string"}]})).0, json!({"items": {"type": "string"}}));
        assert_eq!(
            schema(json!({"properties": {"a": true, "b": false}, "not": true})).0,
            json!({"properties": {"a": {}, "b": {"not": {}}}, "not": {}})
        );
        assert_eq!(
            schema(json!({"type": "string", "contentEncoding": "base64"})).0,
            json!({"type": "string", "contentEncoding": "base64", "format": "byte"})
        );
        assert_eq!(
            schema(json!({"type": "string", "contentMediaType": "image/png"})).0,
            json!({"type": "string", "contentMediaType": "image/png", "format": "binary"})
        );
    }

    #[test]
    fn ignored_keywords_warn_and_webhooks_go() {
        let (_, warnings) = schema(json!({"if": {}, "then": {}, "propertyNames": {}}));
        let pointers: Vec<_> = warnings.iter().map(|w| w.pointer.as_str()).collect();
        assert_eq!(pointers, ["/s/if", "/s/propertyNames"]);
        assert_eq!(
            schema(json!({"type": "object", "patternProperties": {"^x": {"type": "string"}}})).0,
            json!({"type": "object", "additionalProperties": {"type": "string"}})
        );

        let mut doc = json!({"openapi": "3.1.0", "webhooks": {"a": {}}});
        let mut warnings = Vec::new();
        let mut losses = Losses::default();
        normalize_document(&mut doc, Version::V31, &mut warnings, &mut losses);
        assert_eq!(losses.fidelity.dropped().map(|e| e.pointer()).collect::<Vec<_>>(), ["/webhooks"]);
        assert_eq!(doc, json!({"openapi": "3.1.0", "paths": {}}));
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].pointer, "/webhooks");
    }

    #[test]
    fn encodings_that_ask_for_a_style_get_its_defaults_written_out() {
        let normalized = |mut v: Value| {
            normalize_encoding(&mut v);
            v
        };
        assert_eq!(normalized(json!({"style": "form"})), json!({"style": "form", "explode": true}));
        assert_eq!(normalized(json!({"style": "deepObject"})), json!({"style": "deepObject", "explode": true}));
        assert_eq!(normalized(json!({"style": "pipeDelimited"})), json!({"style": "pipeDelimited", "explode": false}));
        assert_eq!(normalized(json!({"explode": false})), json!({"explode": false, "style": "form"}));
        assert_eq!(
            normalized(json!({"allowReserved": true})),
            json!({"allowReserved": true, "style": "form", "explode": true})
        );
        let content_only = json!({"contentType": "application/json"});
        assert_eq!(normalized(content_only.clone()), content_only, "no style asked for: contentType decides");
    }
}
