//! Damaged and extreme inputs: the fixture documents with bytes inserted,
//! deleted, flipped, duplicated, truncated and lines swapped, and documents
//! nested or chained deeper than any stage should recurse.

use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::strategy::Union;
use serde_json::{Map, Value, json};

use super::Case;

pub(crate) const SEEDS: &[(&str, &str)] = &[
    ("orders.yaml", include_str!("../../fixtures/orders.yaml")),
    ("constructs.yaml", include_str!("../../fixtures/constructs.yaml")),
    ("hostile.yaml", include_str!("../../fixtures/hostile.yaml")),
    ("swagger2.yaml", include_str!("../../fixtures/swagger2.yaml")),
    ("many-errors.yaml", include_str!("../../fixtures/bad/many-errors.yaml")),
    ("broken-ref.yaml", include_str!("../../fixtures/bad/broken-ref.yaml")),
    ("seed.json", SEED_JSON),
];

/// A JSON seed with the constructs the YAML fixtures lack: 3.1 spellings,
/// discriminators, `$ref`s into schema interiors and cycles.
pub(crate) const SEED_JSON: &str = r##"{
  "openapi": "3.1.0",
  "info": {"title": "Seed", "version": "1"},
  "paths": {
    "/pets/{id}": {
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": ["string", "null"]}}],
      "get": {
        "operationId": "getPet",
        "parameters": [{"name": "tags", "in": "query", "style": "form", "explode": false, "schema": {"type": "array", "items": {"type": "string"}}}],
        "responses": {
          "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}},
          "default": {"description": "error", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Pet/properties/owner"}}}}
        }
      },
      "put": {
        "requestBody": {"content": {"application/json": {"schema": {"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}], "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/components/schemas/Cat", "dog": "#/components/schemas/Dog"}}}}}},
        "responses": {"204": {"description": "done"}}
      }
    }
  },
  "components": {
    "schemas": {
      "Pet": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}, "owner": {"type": "object", "properties": {"pets": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}}}, "tag": {"const": "x"}, "age": {"type": "integer", "exclusiveMinimum": 0}}, "additionalProperties": {"type": "integer", "format": "int64"}},
      "Cat": {"allOf": [{"$ref": "#/components/schemas/Pet"}, {"type": "object", "properties": {"kind": {"type": "string", "enum": ["cat"]}}}]},
      "Dog": {"allOf": [{"$ref": "#/components/schemas/Pet"}, {"type": "object", "properties": {"kind": {"type": "string"}, "bark": {"anyOf": [{"type": "string"}, {"type": "null"}]}}}]},
      "Loop": {"allOf": [{"$ref": "#/components/schemas/Loop"}]}
    }
  }
}
"##;

/// Byte-level damage to a seed document.
#[derive(Debug, Clone)]
pub(crate) enum Edit {
    Insert(Index, &'static str),
    InsertByte(Index, u8),
    Delete(Index, usize),
    Flip(Index, u8),
    Duplicate(Index, usize),
    Truncate(Index),
    SwapLines(Index, Index),
}

pub(crate) const FRAGMENTS: &[&str] = &[
    "\"",
    "'",
    ":",
    ": ",
    "{",
    "}",
    "[",
    "]",
    ",",
    "\n",
    "\n  ",
    "\t",
    "\\",
    "\\u",
    "\\ud800",
    "#",
    "&a",
    "*a",
    "<<: *a",
    "- ",
    "? ",
    "|",
    ">",
    "!!binary",
    "!!str",
    "$ref",
    "#/components/schemas/",
    "\u{0}",
    "\u{202e}",
    "😀",
    "1e400",
    "-",
    "null",
    "true",
    "~",
    "%",
    "@",
    "`",
    "---",
    "...",
    "\r",
    "\u{feff}",
    "\u{85}",
];

pub(crate) fn edit() -> BoxedStrategy<Edit> {
    Union::new(vec![
        (any::<Index>(), select(FRAGMENTS)).prop_map(|(i, s)| Edit::Insert(i, s)).boxed(),
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Edit::InsertByte(i, b)).boxed(),
        (any::<Index>(), 1..64usize).prop_map(|(i, n)| Edit::Delete(i, n)).boxed(),
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Edit::Flip(i, b)).boxed(),
        (any::<Index>(), 1..256usize).prop_map(|(i, n)| Edit::Duplicate(i, n)).boxed(),
        any::<Index>().prop_map(Edit::Truncate).boxed(),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Edit::SwapLines(a, b)).boxed(),
    ])
    .boxed()
}

pub(crate) fn apply(bytes: &mut Vec<u8>, edit: &Edit) {
    let len = bytes.len().max(1);
    match edit {
        Edit::Insert(i, s) => {
            let at = i.index(len + 1).min(bytes.len());
            bytes.splice(at..at, s.bytes());
        }
        Edit::InsertByte(i, b) => bytes.insert(i.index(len + 1).min(bytes.len()), *b),
        Edit::Delete(i, n) => {
            let at = i.index(len).min(bytes.len());
            bytes.drain(at..(at + n).min(bytes.len()));
        }
        Edit::Flip(i, b) => {
            if let Some(byte) = bytes.get_mut(i.index(len)) {
                *byte ^= b | 1;
            }
        }
        Edit::Duplicate(i, n) => {
            let at = i.index(len).min(bytes.len());
            let copy = bytes[at..(at + n).min(bytes.len())].to_vec();
            bytes.splice(at..at, copy);
        }
        Edit::Truncate(i) => bytes.truncate(i.index(len)),
        Edit::SwapLines(a, b) => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            let mut lines: Vec<&str> = text.split('\n').collect();
            let (a, b) = (a.index(lines.len()), b.index(lines.len()));
            lines.swap(a, b);
            *bytes = lines.join("\n").into_bytes();
        }
    }
}

pub(crate) fn mutated() -> BoxedStrategy<Case> {
    (0..SEEDS.len(), prop::collection::vec(edit(), 1..5))
        .prop_map(|(seed, edits)| {
            let (name, text) = SEEDS[seed];
            let mut bytes = text.as_bytes().to_vec();
            for edit in &edits {
                apply(&mut bytes, edit);
            }
            // A file that is not UTF-8 never reaches the parser as text; what
            // does is the lossy reading of it.
            Case { name, text: String::from_utf8_lossy(&bytes).into_owned() }
        })
        .boxed()
}

/// Depth that recursion in any stage might not survive: schemas nested up to
/// the parsers' limit of 128 levels, and `$ref` chains and cycles thousands
/// of components long (which nest nothing in the text).
pub(crate) fn deep() -> BoxedStrategy<Case> {
    (0..6usize, 1..2000usize, any::<bool>())
        .prop_map(|(shape, n, cyclic)| {
            let nested = |wrap: &dyn Fn(Value) -> Value, levels: usize| {
                let mut schema = json!({"type": "string"});
                for _ in 0..levels {
                    schema = wrap(schema);
                }
                schema
            };
            let levels = n % 62;
            let mut schemas = Map::new();
            match shape {
                0 => {
                    schemas.insert("Deep".into(), nested(&|s| json!({"type": "object", "properties": {"a": s}}), levels));
                }
                1 => {
                    schemas.insert("Deep".into(), nested(&|s| json!({"type": "array", "items": s}), levels * 2));
                }
                2 => {
                    schemas.insert("Deep".into(), nested(&|s| json!({"allOf": [s, {"type": "object"}]}), levels));
                }
                3 => {
                    schemas.insert("Deep".into(), nested(&|s| json!({"oneOf": [s, {"type": "integer"}]}), levels));
                }
                4 => {
                    schemas.insert("Deep".into(), nested(&|s| json!({"additionalProperties": s}), levels * 2));
                }
                _ => {
                    // A chain S0 → S1 → ... of `$ref`s, closed into a loop or not.
                    for i in 0..n {
                        let next = if i + 1 < n { format!("#/components/schemas/S{}", i + 1) } else { String::new() };
                        let schema = match (i % 3, next.is_empty()) {
                            (_, true) if cyclic => json!({"$ref": "#/components/schemas/S0"}),
                            (_, true) => json!({"type": "string"}),
                            (0, _) => json!({"$ref": next}),
                            (1, _) => json!({"type": "object", "properties": {"next": {"$ref": next}}}),
                            _ => json!({"allOf": [{"$ref": next}]}),
                        };
                        schemas.insert(format!("S{i}"), schema);
                    }
                    schemas.insert("Deep".into(), json!({"$ref": "#/components/schemas/S0"}));
                }
            }
            let doc = json!({
                "openapi": "3.0.3",
                "info": {"title": "deep", "version": "1"},
                "paths": {"/deep": {"post": {
                    "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Deep"}}}},
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Deep"}}}}}
                }}},
                "components": {"schemas": schemas},
            });
            Case { name: "deep.json", text: serde_json::to_string(&doc).unwrap_or_default() }
        })
        .boxed()
}
