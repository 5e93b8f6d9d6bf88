//! Leaves of generated documents: hostile text, names, and JSON values of
//! the wrong kind.

use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::Union;
use serde_json::{Map, Value, json};

// ---------------------------------------------------------------- strings

/// Text that has broken code generators: Rust syntax, keywords, names that
/// generated code uses, controls, bidi overrides, pointer escapes.
pub(crate) const HOSTILE: &[&str] = &[
    "",
    " ",
    "a",
    "type",
    "self",
    "Self",
    "super",
    "crate",
    "r#type",
    "fn",
    "async",
    "await",
    "dyn",
    "gen",
    "try",
    "union",
    "_",
    "__",
    "*/",
    "/*",
    "//",
    "///",
    "\"]",
    "#[",
    "#![",
    "}",
    "{",
    "r#\"",
    "\"#",
    "\0",
    "\r\n",
    "\n",
    "\r",
    "\u{202e}",
    "\u{2066}",
    "\u{200b}",
    "\u{feff}",
    "😀",
    "👨‍👩‍👧",
    "1st",
    "123",
    "0",
    "-1",
    "-",
    "a-b",
    "a b",
    "A_b",
    "a__b",
    "é",
    "ß",
    "İ",
    "Ω",
    "ǅ",
    "\\",
    "\\u0000",
    "'",
    "`",
    "$",
    "%",
    "%2F",
    "%zz",
    "~",
    "~1",
    "~2",
    "/",
    "#",
    "{id}",
    "{",
    "..",
    "../admin",
    "x-",
    "\t",
    "\u{7f}",
    "\u{85}",
    "\u{2028}",
    "Option",
    "Result",
    "Vec",
    "String",
    "Box",
    "Client",
    "Some",
    "None",
    "Ok",
    "Err",
    "std",
    "core",
    "serde",
    "gusset",
    "__private",
    "Default",
    "Debug",
    "Serialize",
    "r#",
    "'static",
    "1e400",
    "NaN",
    "true",
    "null",
    "\"",
    "\\\"",
    "$ref",
    "#/",
    "<script>",
    "${x}",
    "{{x}}",
];

/// Component and property names: a small pool, so `$ref`s often resolve,
/// cycles happen and names collide after case folding.
pub(crate) const NAMES: &[&str] = &[
    "A", "B", "C", "Pet", "pet", "PET", "Pet_", "pet-", "Pets", "Self", "self", "type", "1st", "😀", "a b", "Item\"]",
    "r#\"", "Client", "Option", "Result", "x~y", "x/y", "%41", "", "id", "Id", "ID", "name", "value", "Error",
    "Response", "Request", "Value", "_", "é",
];

pub(crate) fn hostile() -> BoxedStrategy<String> {
    Union::new_weighted(vec![
        (6, select(HOSTILE).prop_map(str::to_owned).boxed()),
        (3, select(NAMES).prop_map(str::to_owned).boxed()),
        (2, (select(HOSTILE), select(HOSTILE)).prop_map(|(a, b)| format!("{a}{b}")).boxed()),
        (2, "[a-zA-Z_][a-zA-Z0-9_-]{0,8}".boxed()),
        (1, ".{0,12}".boxed()),
        (1, (1usize..400).prop_map(|n| "x".repeat(n)).boxed()),
    ])
    .boxed()
}

/// The names `$ref`s and components mostly use, so references often resolve.
pub(crate) const CORE_NAMES: &[&str] = &["A", "B", "C", "Pet"];

pub(crate) fn core_name() -> BoxedStrategy<String> {
    Union::new_weighted(vec![(3, select(CORE_NAMES).prop_map(str::to_owned).boxed()), (1, name())]).boxed()
}

pub(crate) fn name() -> BoxedStrategy<String> {
    Union::new_weighted(vec![(8, select(NAMES).prop_map(str::to_owned).boxed()), (1, hostile())]).boxed()
}

pub(crate) fn text() -> BoxedStrategy<Value> {
    hostile().prop_map(Value::String).boxed()
}

pub(crate) fn one_of(values: &'static [&'static str]) -> BoxedStrategy<Value> {
    Union::new_weighted(vec![(9, select(values).prop_map(|s| Value::String(s.to_owned())).boxed()), (1, junk())])
        .boxed()
}

// ---------------------------------------------------------------- values

/// A value of any JSON type, shallow: what ends up where the document
/// expected something else.
pub(crate) fn junk() -> BoxedStrategy<Value> {
    let scalar = Union::new_weighted(vec![
        (1, Just(Value::Null).boxed()),
        (1, any::<bool>().prop_map(Value::Bool).boxed()),
        (
            2,
            select(&[0.0, -1.0, 1.5, -0.0, 1e308, -1e308, 3.0, 3.1, 200.0, 1e-300][..])
                .prop_map(|f: f64| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number))
                .boxed(),
        ),
        (1, select(&[0, 1, -1, i64::MIN, i64::MAX, 200, 404][..]).prop_map(|n: i64| json!(n)).boxed()),
        (1, Just(json!(u64::MAX)).boxed()),
        (3, text()),
    ]);
    scalar
        .prop_recursive(2, 6, 3, |inner| {
            Union::new(vec![
                prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array).boxed(),
                prop::collection::vec((hostile(), inner), 0..3)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect()))
                    .boxed(),
            ])
        })
        .boxed()
}

pub(crate) fn boolish() -> BoxedStrategy<Value> {
    Union::new_weighted(vec![
        (6, any::<bool>().prop_map(Value::Bool).boxed()),
        (1, select(&["true", "false", "yes", "1", ""][..]).prop_map(|s| json!(s)).boxed()),
        (1, junk()),
    ])
    .boxed()
}

/// An object with each field present with its probability, sometimes with
/// unexpected members, and once in a while not an object at all.
pub(crate) fn object(fields: Vec<(&'static str, f64, BoxedStrategy<Value>)>) -> BoxedStrategy<Value> {
    let (keys, values): (Vec<&'static str>, Vec<_>) = fields
        .into_iter()
        .map(|(key, p, s)| {
            // proptest wants a probability below 1 for an optional value.
            let value = if p >= 1.0 { s.prop_map(Some).boxed() } else { prop::option::weighted(p, s).boxed() };
            (key, value)
        })
        .unzip();
    let extra = Union::new_weighted(vec![
        (12, Just(Vec::new()).boxed()),
        (1, prop::collection::vec((hostile(), junk()), 1..3).boxed()),
        (
            1,
            prop::collection::vec(
                (select(&["x-ext", "x-rust-type", "$ref", "nullable"][..]).prop_map(str::to_owned), junk()),
                1..2,
            )
            .boxed(),
        ),
    ]);
    let object = (values, extra).prop_map(move |(values, extra)| {
        let mut map = Map::new();
        for (key, value) in keys.iter().zip(values) {
            if let Some(value) = value {
                map.insert((*key).to_owned(), value);
            }
        }
        map.extend(extra);
        Value::Object(map)
    });
    Union::new_weighted(vec![(40, object.boxed()), (1, junk())]).boxed()
}

pub(crate) fn map_of(keys: BoxedStrategy<String>, values: BoxedStrategy<Value>, max: usize) -> BoxedStrategy<Value> {
    Union::new_weighted(vec![
        (
            30,
            prop::collection::vec((keys, values), 0..=max)
                .prop_map(|kv| Value::Object(kv.into_iter().collect()))
                .boxed(),
        ),
        (1, junk()),
    ])
    .boxed()
}

pub(crate) fn list_of(values: BoxedStrategy<Value>, max: usize) -> BoxedStrategy<Value> {
    Union::new_weighted(vec![(30, prop::collection::vec(values, 0..=max).prop_map(Value::Array).boxed()), (1, junk())])
        .boxed()
}
