//! Fuzzing load → lower → emit → format on stable Rust: proptest generates
//! structurally plausible OpenAPI documents (values biased towards OpenAPI's
//! keys, `$ref`s that resolve, dangle, cycle and point into the middle of
//! schemas, wrong types everywhere, hostile strings) and mutates the bytes of
//! the fixture documents. Every input must give `Ok` with code that parses
//! as Rust, or `Err` whose diagnostics are well formed; never a panic, never
//! a hang.
//!
//! Bounded by time, so it fits in CI:
//!
//! ```text
//! GUSSET_FUZZ_SECONDS=600 cargo test -p gusset-tests --test fuzz_codegen -- --nocapture
//! ```
//!
//! `GUSSET_FUZZ_SECONDS` (default 45; `0` runs a fixed 200 cases) and
//! `GUSSET_FUZZ_SEED` (default: from the clock, printed) choose the run. A
//! failing input is shrunk with proptest's value trees, then printed.

mod no_panic_support;

use std::path::Path;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::strategy::{Union, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Map, Value, json};

use no_panic_support::{Judge, Verdict, seconds_from_env, show};

/// Cases run when `GUSSET_FUZZ_SECONDS=0`.
const FIXED_CASES: u64 = 200;
/// Longer than any generated document can honestly take in a debug build.
const CASE_TIMEOUT: Duration = Duration::from_secs(20);
/// How long shrinking a failure may take before the best input so far is reported.
const SHRINK_BUDGET: Duration = Duration::from_secs(120);

// ---------------------------------------------------------------- strings

/// Text that has broken code generators: Rust syntax, keywords, names that
/// generated code uses, controls, bidi overrides, pointer escapes.
const HOSTILE: &[&str] = &[
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
const NAMES: &[&str] = &[
    "A", "B", "C", "Pet", "pet", "PET", "Pet_", "pet-", "Pets", "Self", "self", "type", "1st", "😀", "a b", "Item\"]",
    "r#\"", "Client", "Option", "Result", "x~y", "x/y", "%41", "", "id", "Id", "ID", "name", "value", "Error",
    "Response", "Request", "Value", "_", "é",
];

fn hostile() -> BoxedStrategy<String> {
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
const CORE_NAMES: &[&str] = &["A", "B", "C", "Pet"];

fn core_name() -> BoxedStrategy<String> {
    Union::new_weighted(vec![(3, select(CORE_NAMES).prop_map(str::to_owned).boxed()), (1, name())]).boxed()
}

fn name() -> BoxedStrategy<String> {
    Union::new_weighted(vec![(8, select(NAMES).prop_map(str::to_owned).boxed()), (1, hostile())]).boxed()
}

fn text() -> BoxedStrategy<Value> {
    hostile().prop_map(Value::String).boxed()
}

fn one_of(values: &'static [&'static str]) -> BoxedStrategy<Value> {
    Union::new_weighted(vec![(9, select(values).prop_map(|s| Value::String(s.to_owned())).boxed()), (1, junk())])
        .boxed()
}

// ---------------------------------------------------------------- values

/// A value of any JSON type, shallow: what ends up where the document
/// expected something else.
fn junk() -> BoxedStrategy<Value> {
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

fn boolish() -> BoxedStrategy<Value> {
    Union::new_weighted(vec![
        (6, any::<bool>().prop_map(Value::Bool).boxed()),
        (1, select(&["true", "false", "yes", "1", ""][..]).prop_map(|s| json!(s)).boxed()),
        (1, junk()),
    ])
    .boxed()
}

/// An object with each field present with its probability, sometimes with
/// unexpected members, and once in a while not an object at all.
fn object(fields: Vec<(&'static str, f64, BoxedStrategy<Value>)>) -> BoxedStrategy<Value> {
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

fn map_of(keys: BoxedStrategy<String>, values: BoxedStrategy<Value>, max: usize) -> BoxedStrategy<Value> {
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

fn list_of(values: BoxedStrategy<Value>, max: usize) -> BoxedStrategy<Value> {
    Union::new_weighted(vec![(30, prop::collection::vec(values, 0..=max).prop_map(Value::Array).boxed()), (1, junk())])
        .boxed()
}

// ---------------------------------------------------------------- $refs

/// RFC 6901 escaping, as a correct document would write a name.
fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

const SECTIONS: &[&str] = &[
    "schemas",
    "parameters",
    "responses",
    "requestBodies",
    "headers",
    "securitySchemes",
    "examples",
    "pathItems",
    "links",
];

const INTERIOR: &[&str] = &[
    "/properties/id",
    "/properties/name",
    "/properties/type/items",
    "/items",
    "/items/items",
    "/allOf/0",
    "/oneOf/1",
    "/anyOf/0/properties/A",
    "/additionalProperties",
    "/not",
    "/discriminator",
    "/enum/0",
    "/properties",
    "/required/0",
    "/$defs/A",
    "/prefixItems/0",
];

/// `$ref`s into other files, which `load` bundles. Relative to the test's
/// working directory, the `gusset-tests` package, as the file names of the
/// generated documents are.
const FILE_REFS: &[&str] = &[
    "fixtures/orders.yaml#/components/schemas/Order",
    "fixtures/orders.yaml#/components/schemas/Money",
    "fixtures/orders.yaml#/components/schemas/Problem/properties",
    "fixtures/orders.yaml#/components/parameters/ApiVersion",
    "fixtures/orders.yaml#/components/responses/Problem",
    "fixtures/orders.yaml#/components/securitySchemes/bearerAuth",
    "fixtures/orders.yaml#/paths/~1orders",
    "fixtures/orders.yaml",
    "fixtures/constructs.yaml#/components/schemas/Pet",
    "fixtures/hostile.yaml#/components/schemas/Item%22%5D",
    "fixtures/bad/broken-ref.yaml#/components/schemas/Order",
    "fixtures/bad/truncated.json#/a",
    "./fixtures/../fixtures/orders.yaml#/components/schemas/Address",
    "fixtures",
    "Cargo.toml",
];

/// A `$ref` for an object of `section`: mostly to a component of that
/// section (which may or may not exist), else into a schema's interior,
/// elsewhere in the document, to another file or the network, or nonsense.
fn reference(section: &'static str) -> BoxedStrategy<Value> {
    Union::new_weighted(vec![
        (16, core_name().prop_map(move |n| json!(format!("#/components/{section}/{}", escape(&n)))).boxed()),
        (1, name().prop_map(move |n| json!(format!("#/components/{section}/{n}"))).boxed()),
        (
            3,
            (core_name(), select(INTERIOR))
                .prop_map(|(n, tail)| json!(format!("#/components/schemas/{}{tail}", escape(&n))))
                .boxed(),
        ),
        (1, (select(SECTIONS), name()).prop_map(|(s, n)| json!(format!("#/components/{s}/{}", escape(&n)))).boxed()),
        (
            2,
            select(
                &[
                    "#",
                    "#/",
                    "",
                    "#/components",
                    "#/components/schemas",
                    "#/paths/~1pets/get/responses/200/content/application~1json/schema",
                    "#/paths/~1pets~1{id}/get/parameters/0",
                    "#/paths/~1pets",
                    "#/info",
                    "#/definitions/A",
                    "#components/schemas/A",
                    "#/components/schemas/A%20B",
                    "#/components/schemas/%41",
                    "#/components/schemas/%zz",
                    "#/components/schemas/A~2",
                    "#/components/schemas/A/properties/B/",
                    "#/components/schemas//",
                    "other.json#/A",
                    "./other.yaml",
                    "../../../../etc/passwd",
                    "/dev/zero",
                    "http://example.com/a.json#/A",
                    "//example.com/a.json",
                    "file:///etc/hosts",
                    "fuzz.json#/components/schemas/A",
                    "fuzz.yaml#/components/schemas/A",
                    "#/components/schemas/A#/B",
                ][..],
            )
            .prop_map(|s| json!(s))
            .boxed(),
        ),
        (1, select(FILE_REFS).prop_map(|s| json!(s)).boxed()),
        (1, junk()),
    ])
    .boxed()
}

fn ref_object(section: &'static str) -> BoxedStrategy<Value> {
    object(vec![("$ref", 1.0, reference(section)), ("description", 0.1, text()), ("summary", 0.05, text())])
}

// ---------------------------------------------------------------- schemas

const TYPES: &[&str] =
    &["string", "integer", "number", "boolean", "object", "array", "null", "file", "any", "String", ""];

const FORMATS: &[&str] = &[
    "int32",
    "int64",
    "float",
    "double",
    "byte",
    "binary",
    "date",
    "date-time",
    "time",
    "duration",
    "uuid",
    "uri",
    "email",
    "password",
    "decimal",
    "uint8",
    "int8",
    "int16",
    "uint16",
    "uint32",
    "uint64",
    "unix-time",
    "ipv4",
    "base64",
    "",
    "INT64",
];

fn type_value() -> BoxedStrategy<Value> {
    Union::new_weighted(vec![
        (8, select(TYPES).prop_map(|t| json!(t)).boxed()),
        (3, prop::collection::vec(select(TYPES), 0..4).prop_map(|ts| json!(ts)).boxed()),
        (1, junk()),
    ])
    .boxed()
}

fn format_value() -> BoxedStrategy<Value> {
    Union::new_weighted(vec![(6, select(FORMATS).prop_map(|f| json!(f)).boxed()), (1, text()), (1, junk())]).boxed()
}

fn enum_value() -> BoxedStrategy<Value> {
    Union::new_weighted(vec![
        (
            6,
            prop::collection::vec(Union::new_weighted(vec![(4, text()), (1, junk())]), 0..6)
                .prop_map(Value::Array)
                .boxed(),
        ),
        (
            2,
            prop::collection::vec(select(&[0i64, 1, -1, 2, 1 << 40][..]).prop_map(|n| json!(n)), 0..4)
                .prop_map(Value::Array)
                .boxed(),
        ),
        (1, junk()),
    ])
    .boxed()
}

fn number_or_junk() -> BoxedStrategy<Value> {
    Union::new_weighted(vec![
        (3, select(&[0i64, 1, -1, 10, 255][..]).prop_map(|n| json!(n)).boxed()),
        (1, select(&["10", "abc", " 5 ", "-3", "1.5"][..]).prop_map(|s| json!(s)).boxed()),
        (1, junk()),
    ])
    .boxed()
}

fn schema() -> BoxedStrategy<Value> {
    let typed = object(vec![
        ("type", 0.9, type_value()),
        ("format", 0.4, format_value()),
        ("nullable", 0.2, boolish()),
        ("enum", 0.15, enum_value()),
        ("default", 0.1, junk()),
        ("description", 0.1, text()),
    ]);
    let leaf = Union::new_weighted(vec![
        (2, Just(json!({})).boxed()),
        (8, typed),
        (6, ref_object("schemas")),
        (1, any::<bool>().prop_map(Value::Bool).boxed()),
        (1, junk()),
    ]);
    leaf.prop_recursive(4, 40, 4, |inner| {
        let map = |max| map_of(name(), inner.clone(), max);
        let list = |max| list_of(inner.clone(), max);
        let discriminator = object(vec![
            ("propertyName", 0.9, name().prop_map(Value::String).boxed()),
            ("mapping", 0.5, map_of(name(), reference("schemas"), 3)),
        ]);
        let additional = Union::new_weighted(vec![(1, boolish()), (2, inner.clone())]).boxed();
        let required = Union::new_weighted(vec![
            (6, prop::collection::vec(name().prop_map(Value::String), 0..4).prop_map(Value::Array).boxed()),
            (1, boolish()),
            (1, junk()),
        ])
        .boxed();
        Union::new_weighted(vec![
            (
                6,
                object(vec![
                    ("type", 0.6, type_value()),
                    ("properties", 0.7, map(5)),
                    ("required", 0.4, required),
                    ("additionalProperties", 0.2, additional),
                    ("nullable", 0.1, boolish()),
                    ("description", 0.1, text()),
                    ("title", 0.05, text()),
                    ("readOnly", 0.05, boolish()),
                    ("writeOnly", 0.05, boolish()),
                    ("minProperties", 0.03, number_or_junk()),
                    ("$ref", 0.05, reference("schemas")),
                    ("x-ext", 0.02, junk()),
                ]),
            ),
            (
                2,
                object(vec![
                    ("type", 0.7, Just(json!("array")).boxed()),
                    ("items", 0.8, Union::new_weighted(vec![(5, inner.clone()), (1, list(2))]).boxed()),
                    ("prefixItems", 0.1, list(3)),
                    ("minItems", 0.1, number_or_junk()),
                    ("maxItems", 0.1, number_or_junk()),
                    ("uniqueItems", 0.1, boolish()),
                ]),
            ),
            (
                4,
                object(vec![
                    ("allOf", 0.4, list(3)),
                    ("oneOf", 0.4, list(3)),
                    ("anyOf", 0.3, list(3)),
                    ("not", 0.05, inner.clone()),
                    ("discriminator", 0.3, discriminator),
                    ("type", 0.2, type_value()),
                    ("nullable", 0.2, boolish()),
                    ("properties", 0.2, map(2)),
                    (
                        "required",
                        0.1,
                        prop::collection::vec(name().prop_map(Value::String), 0..3).prop_map(Value::Array).boxed(),
                    ),
                    ("$ref", 0.05, reference("schemas")),
                ]),
            ),
            (
                2,
                object(vec![
                    ("type", 0.8, type_value()),
                    ("format", 0.5, format_value()),
                    ("enum", 0.4, enum_value()),
                    ("const", 0.1, junk()),
                    ("default", 0.2, junk()),
                    ("example", 0.1, junk()),
                    ("examples", 0.1, list_of(junk(), 2)),
                    ("minimum", 0.1, number_or_junk()),
                    ("maximum", 0.1, number_or_junk()),
                    ("exclusiveMinimum", 0.05, Union::new(vec![boolish(), number_or_junk()]).boxed()),
                    ("maxLength", 0.1, number_or_junk()),
                    ("pattern", 0.05, text()),
                    ("contentEncoding", 0.05, one_of(&["base64", "gzip"])),
                    ("contentMediaType", 0.05, one_of(&["image/png", "application/json"])),
                    ("$defs", 0.05, map(2)),
                    ("patternProperties", 0.05, map(2)),
                    ("if", 0.02, inner.clone()),
                    ("unevaluatedProperties", 0.02, inner.clone()),
                ]),
            ),
        ])
    })
    .boxed()
}

// ---------------------------------------------------------------- operations

const LOCATIONS: &[&str] = &["query", "path", "header", "cookie", "body", "formData", "Query", ""];
const STYLES: &[&str] =
    &["form", "simple", "matrix", "label", "spaceDelimited", "pipeDelimited", "deepObject", "", "Form"];
const PARAM_NAMES: &[&str] = &[
    "id",
    "petId",
    "type",
    "self",
    "Self",
    "1st",
    "a-b",
    "a b",
    "X-Trace",
    "X-Header\r\nInjected",
    "",
    "limit",
    "Limit",
    "LIMIT",
    "r#type",
    "😀",
    "async",
    "Content-Type",
    "Accept",
    "Authorization",
    "api-version",
    "X-Api-Version",
    "body",
    "client",
    "request",
    "filter[name]",
    "a.b",
    "id\"); evil(); (\"",
    "Idempotency-Key",
];
const MEDIA_TYPES: &[&str] = &[
    "application/json",
    "application/json; charset=utf-8",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "application/octet-stream",
    "*/*",
    "application/problem+json",
    "application/xml",
    "text/event-stream",
    "image/png",
    "",
    "application/vnd.api+json",
    "APPLICATION/JSON",
    "application/*",
];
const STATUSES: &[&str] = &[
    "200", "201", "204", "2XX", "2xx", "default", "404", "500", "5XX", "999", "099", "abc", "x-foo", "200 ", "1XX",
    "3XX", "", "302", "100",
];
const PATHS: &[&str] = &[
    "/pets",
    "/pets/{id}",
    "/pets/{id}/{id}",
    "/pets/{petId}",
    "/{a}{b}",
    "/a/{",
    "/a/}",
    "/{}",
    "/",
    "//",
    "pets",
    "/pets/{id}.json",
    "/é/{ü}",
    "/a b/{c d}",
    "/items/{id}\"); evil(); (\"",
    "x-ext",
    "/{1st}",
    "/{type}",
    "/{self}",
    "/pets?x=1",
    "/pets#frag",
    "/%2F",
    "/\u{0}",
    "/{id}/pets/{id}",
    "/a/{a-b}/{A_B}",
    "/*/",
];
const OPERATION_IDS: &[&str] = &[
    "list",
    "listPets",
    "list_pets",
    "ListPets",
    "list-pets",
    "new",
    "client",
    "self",
    "1st",
    "get",
    "",
    "fn",
    "send",
    "with_base_url",
    "build",
    "clone",
    "drop",
    "into",
    "r#type",
    "a b",
    "get\"]; fn x() {} //",
    "😀",
    "__private",
];

fn param_name() -> BoxedStrategy<Value> {
    Union::new_weighted(vec![(6, select(PARAM_NAMES).prop_map(|s| json!(s)).boxed()), (1, text()), (1, junk())]).boxed()
}

fn content() -> BoxedStrategy<Value> {
    let media = object(vec![
        ("schema", 0.9, schema()),
        ("example", 0.05, junk()),
        ("examples", 0.05, map_of(name(), junk(), 2)),
        (
            "encoding",
            0.05,
            map_of(
                name(),
                object(vec![
                    ("contentType", 0.5, one_of(MEDIA_TYPES)),
                    ("style", 0.3, one_of(STYLES)),
                    ("explode", 0.3, boolish()),
                    ("headers", 0.1, map_of(name(), junk(), 1)),
                ]),
                2,
            ),
        ),
    ]);
    let keys =
        Union::new_weighted(vec![(8, select(MEDIA_TYPES).prop_map(str::to_owned).boxed()), (1, hostile())]).boxed();
    map_of(keys, media, 3)
}

fn parameter() -> BoxedStrategy<Value> {
    let inline = object(vec![
        ("name", 0.95, param_name()),
        ("in", 0.95, one_of(LOCATIONS)),
        ("required", 0.5, boolish()),
        ("schema", 0.8, schema()),
        ("style", 0.2, one_of(STYLES)),
        ("explode", 0.2, boolish()),
        ("content", 0.08, content()),
        ("description", 0.1, text()),
        ("allowReserved", 0.03, boolish()),
        ("allowEmptyValue", 0.03, boolish()),
        ("deprecated", 0.03, boolish()),
        ("example", 0.03, junk()),
    ]);
    Union::new_weighted(vec![(8, inline), (2, ref_object("parameters"))]).boxed()
}

fn header() -> BoxedStrategy<Value> {
    let inline = object(vec![
        ("schema", 0.8, schema()),
        ("required", 0.2, boolish()),
        ("description", 0.1, text()),
        ("style", 0.05, one_of(STYLES)),
        ("content", 0.03, content()),
    ]);
    Union::new_weighted(vec![(6, inline), (1, ref_object("headers"))]).boxed()
}

fn request_body() -> BoxedStrategy<Value> {
    let inline = object(vec![("content", 0.9, content()), ("required", 0.5, boolish()), ("description", 0.1, text())]);
    Union::new_weighted(vec![(6, inline), (2, ref_object("requestBodies"))]).boxed()
}

fn response() -> BoxedStrategy<Value> {
    let inline = object(vec![
        ("description", 0.9, text()),
        ("content", 0.6, content()),
        ("headers", 0.15, map_of(param_name().prop_map(|v| v.as_str().unwrap_or("x").to_owned()).boxed(), header(), 2)),
        ("links", 0.03, map_of(name(), junk(), 1)),
    ]);
    Union::new_weighted(vec![(6, inline), (2, ref_object("responses"))]).boxed()
}

fn security_requirements() -> BoxedStrategy<Value> {
    list_of(map_of(name(), list_of(text(), 2), 2), 2)
}

fn operation() -> BoxedStrategy<Value> {
    let statuses =
        Union::new_weighted(vec![(8, select(STATUSES).prop_map(str::to_owned).boxed()), (1, hostile())]).boxed();
    let callbacks = map_of(
        name(),
        map_of(
            select(&["{$request.body#/url}", "/hook", "{$url}"][..]).prop_map(str::to_owned).boxed(),
            Just(json!({"post": {"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}}, "responses": {"200": {"description": "ok"}}}}))
                .boxed(),
            1,
        ),
        1,
    );
    object(vec![
        (
            "operationId",
            0.7,
            Union::new_weighted(vec![(4, select(OPERATION_IDS).prop_map(|s| json!(s)).boxed()), (1, text())]).boxed(),
        ),
        ("parameters", 0.5, list_of(parameter(), 4)),
        ("requestBody", 0.3, request_body()),
        ("responses", 0.9, map_of(statuses, response(), 3)),
        ("security", 0.1, security_requirements()),
        ("tags", 0.05, list_of(text(), 2)),
        ("deprecated", 0.05, boolish()),
        ("summary", 0.1, text()),
        ("description", 0.1, text()),
        ("callbacks", 0.03, callbacks),
        ("servers", 0.03, servers()),
    ])
}

fn path_item() -> BoxedStrategy<Value> {
    let inline = object(vec![
        ("get", 0.6, operation()),
        ("post", 0.3, operation()),
        ("put", 0.1, operation()),
        ("delete", 0.1, operation()),
        ("patch", 0.05, operation()),
        ("head", 0.03, operation()),
        ("options", 0.03, operation()),
        ("trace", 0.02, operation()),
        ("parameters", 0.2, list_of(parameter(), 3)),
        ("summary", 0.05, text()),
        ("servers", 0.02, servers()),
    ]);
    Union::new_weighted(vec![(12, inline), (1, ref_object("pathItems"))]).boxed()
}

// ---------------------------------------------------------------- documents

fn servers() -> BoxedStrategy<Value> {
    let url = Union::new_weighted(vec![
        (
            6,
            select(
                &[
                    "https://api.example.com",
                    "/v1",
                    "",
                    "http://{host}:{port}/v1",
                    "https://user:pass@example.com/?secret=1",
                    "https://{region}.example.com/{version}",
                    "{",
                    "https://example.com/\"]; evil(); //",
                ][..],
            )
            .prop_map(|s| json!(s))
            .boxed(),
        ),
        (1, text()),
    ])
    .boxed();
    let variable =
        object(vec![("default", 0.9, text()), ("enum", 0.3, list_of(text(), 3)), ("description", 0.1, text())]);
    list_of(
        object(vec![("url", 0.95, url), ("variables", 0.2, map_of(name(), variable, 2)), ("description", 0.1, text())]),
        3,
    )
}

fn security_scheme() -> BoxedStrategy<Value> {
    let inline = object(vec![
        ("type", 0.95, one_of(&["apiKey", "http", "oauth2", "openIdConnect", "mutualTLS", "basic", ""])),
        ("scheme", 0.5, one_of(&["bearer", "basic", "Bearer", "digest", "BASIC", ""])),
        ("in", 0.5, one_of(&["header", "query", "cookie", "path", ""])),
        ("name", 0.5, param_name()),
        ("bearerFormat", 0.1, text()),
        (
            "flows",
            0.2,
            Union::new(vec![
                Just(json!({"clientCredentials": {"tokenUrl": "https://example.com/token", "scopes": {"a": "b"}}}))
                    .boxed(),
                junk(),
            ])
            .boxed(),
        ),
        ("openIdConnectUrl", 0.05, text()),
    ]);
    Union::new_weighted(vec![(8, inline), (1, ref_object("securitySchemes"))]).boxed()
}

fn components() -> BoxedStrategy<Value> {
    object(vec![
        ("schemas", 0.95, map_of(core_name(), schema(), 6)),
        ("parameters", 0.3, map_of(core_name(), parameter(), 3)),
        ("responses", 0.3, map_of(core_name(), response(), 3)),
        ("requestBodies", 0.2, map_of(core_name(), request_body(), 2)),
        ("headers", 0.1, map_of(core_name(), header(), 2)),
        ("securitySchemes", 0.3, map_of(core_name(), security_scheme(), 3)),
        ("pathItems", 0.03, map_of(core_name(), path_item(), 1)),
        ("examples", 0.03, map_of(name(), junk(), 1)),
    ])
}

fn document() -> BoxedStrategy<Value> {
    let version = Union::new_weighted(vec![
        (40, select(&["3.0.0", "3.0.3", "3.1.0", "3.1.1"][..]).prop_map(|s| json!(s)).boxed()),
        (
            1,
            select(&["3.0", "3.1", "2.0", "3.2.0", "", " 3.0.1", "3.1.0-rc1", "3.0.x"][..])
                .prop_map(|s| json!(s))
                .boxed(),
        ),
        (1, select(&[3.0, 3.1, 3.11][..]).prop_map(|f: f64| json!(f)).boxed()),
        (1, junk()),
    ])
    .boxed();
    let info = object(vec![
        ("title", 0.9, text()),
        ("version", 0.9, Union::new(vec![text(), junk()]).boxed()),
        ("description", 0.3, text()),
    ]);
    let path_keys = Union::new_weighted(vec![
        (8, select(PATHS).prop_map(str::to_owned).boxed()),
        (1, hostile().prop_map(|h| format!("/{h}")).boxed()),
        (1, hostile().prop_map(|h| format!("/x/{{{h}}}")).boxed()),
    ])
    .boxed();
    let swagger = Union::new_weighted(vec![(1, Just(json!("2.0")).boxed()), (1, junk())]).boxed();
    object(vec![
        ("openapi", 0.99, version),
        ("info", 0.9, info),
        ("paths", 0.9, map_of(path_keys, path_item(), 4)),
        ("components", 0.8, components()),
        ("servers", 0.3, servers()),
        ("security", 0.15, security_requirements()),
        ("webhooks", 0.05, map_of(name(), path_item(), 1)),
        ("tags", 0.05, list_of(junk(), 2)),
        ("swagger", 0.01, swagger),
        ("x-ext", 0.05, junk()),
    ])
}

// ---------------------------------------------------------------- cases

/// One input: a file name (which decides JSON or YAML) and its text.
#[derive(Debug, Clone)]
struct Case {
    name: &'static str,
    text: String,
}

/// Makes most `$ref`s resolve, so that the document gets past `$ref`
/// checking and exercises lowering and emission: a simple definition for
/// each component that a local `$ref` names but the document lacks, then
/// every `$ref` that still does not resolve (into a missing interior, to
/// another file) removed. `$ref`s into interiors that exist stay.
fn close_refs(doc: &mut Value) {
    fn collect(value: &Value, out: &mut Vec<(String, String)>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(reference)) = map.get("$ref")
                    && let Some(rest) = reference.strip_prefix("#/components/")
                {
                    let mut tokens = rest.split('/');
                    if let (Some(section), Some(name)) = (tokens.next(), tokens.next()) {
                        out.push((section.to_owned(), name.replace("~1", "/").replace("~0", "~")));
                    }
                }
                map.values().for_each(|v| collect(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| collect(v, out)),
            _ => {}
        }
    }
    fn prune(value: &mut Value, root: &Value) {
        match value {
            Value::Object(map) => {
                let dangling = match map.get("$ref") {
                    Some(Value::String(reference)) => {
                        reference.strip_prefix('#').is_none_or(|fragment| root.pointer(fragment).is_none())
                    }
                    _ => false,
                };
                if dangling {
                    map.shift_remove("$ref");
                }
                map.values_mut().for_each(|v| prune(v, root));
            }
            Value::Array(items) => items.iter_mut().for_each(|v| prune(v, root)),
            _ => {}
        }
    }
    let mut wanted = Vec::new();
    collect(doc, &mut wanted);
    let Some(root) = doc.as_object_mut() else { return };
    let components = root.entry("components").or_insert_with(|| json!({}));
    let Some(components) = components.as_object_mut() else { return };
    for (section, name) in wanted {
        let definition = match section.as_str() {
            "schemas" => json!({"type": "object", "properties": {"id": {"type": "string"}}}),
            "parameters" => json!({"name": name, "in": "query", "schema": {"type": "string"}}),
            "responses" => json!({"description": "ok"}),
            "requestBodies" => json!({"content": {"application/json": {"schema": {}}}}),
            "headers" => json!({"schema": {"type": "string"}}),
            "securitySchemes" => json!({"type": "http", "scheme": "bearer"}),
            _ => continue,
        };
        let entries = components.entry(section).or_insert_with(|| json!({}));
        if let Some(entries) = entries.as_object_mut() {
            entries.entry(name).or_insert(definition);
        }
    }
    let root = doc.clone();
    prune(doc, &root);
}

fn structured() -> BoxedStrategy<Case> {
    (document(), 0..6usize, prop::bool::weighted(0.7))
        .prop_map(|(mut doc, how, close)| {
            if close {
                close_refs(&mut doc);
            }
            match how {
                0 | 1 => Case { name: "fuzz.json", text: serde_json::to_string_pretty(&doc).unwrap_or_default() },
                2 => Case { name: "fuzz.json", text: serde_json::to_string(&doc).unwrap_or_default() },
                3 | 4 => Case { name: "fuzz.yaml", text: serde_yaml_ng::to_string(&doc).unwrap_or_default() },
                // No extension: the format is guessed from the text.
                _ => Case { name: "1 self.v2", text: serde_json::to_string(&doc).unwrap_or_default() },
            }
        })
        .boxed()
}

const SEEDS: &[(&str, &str)] = &[
    ("orders.yaml", include_str!("../fixtures/orders.yaml")),
    ("constructs.yaml", include_str!("../fixtures/constructs.yaml")),
    ("hostile.yaml", include_str!("../fixtures/hostile.yaml")),
    ("many-errors.yaml", include_str!("../fixtures/bad/many-errors.yaml")),
    ("broken-ref.yaml", include_str!("../fixtures/bad/broken-ref.yaml")),
    ("seed.json", SEED_JSON),
];

/// A JSON seed with the constructs the YAML fixtures lack: 3.1 spellings,
/// discriminators, `$ref`s into schema interiors and cycles.
const SEED_JSON: &str = r##"{
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
enum Edit {
    Insert(Index, &'static str),
    InsertByte(Index, u8),
    Delete(Index, usize),
    Flip(Index, u8),
    Duplicate(Index, usize),
    Truncate(Index),
    SwapLines(Index, Index),
}

const FRAGMENTS: &[&str] = &[
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

fn edit() -> BoxedStrategy<Edit> {
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

fn apply(bytes: &mut Vec<u8>, edit: &Edit) {
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

fn mutated() -> BoxedStrategy<Case> {
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
fn deep() -> BoxedStrategy<Case> {
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

fn case() -> BoxedStrategy<Case> {
    Union::new_weighted(vec![(12, structured()), (4, mutated()), (1, deep())]).boxed()
}

// ---------------------------------------------------------------- the run

/// Shrinks the failing case of `tree` with proptest's simplify/complicate
/// search, keeping failures of the same kind.
fn shrink(judge: &mut Judge, mut tree: impl ValueTree<Value = Case>, verdict: Verdict) -> (Case, Verdict, usize) {
    let started = Instant::now();
    let wanted = verdict.kind().to_owned();
    let (mut best, mut best_verdict, mut steps) = (tree.current(), verdict, 0);
    if !tree.simplify() {
        return (best, best_verdict, steps);
    }
    while started.elapsed() < SHRINK_BUDGET {
        let candidate = tree.current();
        let verdict = judge.judge(candidate.name, &candidate.text);
        steps += 1;
        let still_failing = verdict.kind() == wanted;
        if still_failing {
            best = candidate;
            best_verdict = verdict;
        }
        let more = if still_failing { tree.simplify() } else { tree.complicate() };
        if !more {
            break;
        }
    }
    (best, best_verdict, steps)
}

/// The test binary doubles as the process generations run in.
#[test]
fn child_process_entry() {
    no_panic_support::child_entry();
}

#[test]
fn generated_and_mutated_documents_never_panic_or_hang() {
    let seconds = seconds_from_env("GUSSET_FUZZ_SECONDS", 45);
    let seed = std::env::var("GUSSET_FUZZ_SEED")
        .ok()
        .map(|s| s.trim().parse::<u64>().unwrap_or_else(|_| panic!("GUSSET_FUZZ_SEED=`{s}` is not a number")))
        .unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
        });
    let mut seed_bytes = [0u8; 32];
    for chunk in seed_bytes.chunks_mut(8) {
        chunk.copy_from_slice(&seed.to_le_bytes());
    }
    let mut runner = TestRunner::new_with_rng(Config::default(), TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes));
    let strategy = case();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let (mut executions, mut generated, mut refused) = (0u64, 0u64, 0u64);
    let mut judge = Judge::new(CASE_TIMEOUT);
    let mut reasons = std::collections::BTreeMap::new();
    let mut slowest = (Duration::ZERO, String::new());
    loop {
        let done = if seconds == 0 { executions >= FIXED_CASES } else { Instant::now() >= deadline };
        if done {
            break;
        }
        let tree = strategy.new_tree(&mut runner).unwrap_or_else(|e| panic!("cannot generate a case: {e}"));
        let case = tree.current();
        let one = Instant::now();
        let verdict = judge.judge(case.name, &case.text);
        if one.elapsed() > slowest.0 {
            slowest = (one.elapsed(), format!("{} ({} bytes)", case.name, case.text.len()));
        }
        executions += 1;
        match verdict {
            Verdict::Generated => generated += 1,
            Verdict::Refused(reason) => {
                refused += 1;
                *reasons.entry(reason).or_insert(0u64) += 1;
            }
            Verdict::Bad(_) => {
                eprintln!("fuzz: failure after {executions} executions (seed {seed}); shrinking ...");
                let (minimal, verdict, steps) = shrink(&mut judge, tree, verdict);
                let detail = match verdict {
                    Verdict::Bad(why) if why.starts_with("panic") => {
                        match judge.judge_with_backtrace(minimal.name, &minimal.text) {
                            Verdict::Bad(detailed) => detailed,
                            _ => why,
                        }
                    }
                    Verdict::Bad(why) => why,
                    _ => String::new(),
                };
                let saved = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fuzz-failure-{}", minimal.name));
                let _ = std::fs::write(&saved, &minimal.text);
                panic!(
                    "GUSSET_FUZZ_SEED={seed}: after {executions} executions and {steps} shrinking steps, {} ({}) gives:\n{detail}\n\ninput:\n{}",
                    minimal.name,
                    saved.display(),
                    show(&minimal.text),
                );
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    eprintln!(
        "fuzz: {executions} executions in {elapsed:.1} s ({:.1}/s, seed {seed}): {generated} generated code that parses, \
         {refused} refused with located errors, 0 panics, 0 hangs, 0 crashes; slowest {:.2} s ({})",
        executions as f64 / elapsed.max(f64::EPSILON),
        slowest.0.as_secs_f64(),
        slowest.1,
    );
    let mut reasons: Vec<(u64, String)> = reasons.into_iter().map(|(reason, n)| (n, reason)).collect();
    reasons.sort_by(|a, b| b.cmp(a));
    for (n, reason) in reasons.iter().take(8) {
        eprintln!("fuzz:   refused {n:>5}x: {reason}");
    }
    assert!(
        generated > 0 && refused > 0,
        "the generator should produce both outcomes: {generated} generated, {refused} refused"
    );
}

/// Inputs the fuzzer found, minimised, each with what was wrong and where
/// it was fixed. They must stay fixed.
const REGRESSIONS: &[(&str, &str, &str)] = &[
    // `SourceMap::locate_in`: a file without nodes had no position, so the
    // error "must be an object" had no location.
    ("empty.yaml", "", "no location for an empty document"),
    ("comment.yaml", "# nothing else\n", "no location for a document of comments"),
    // `emit::doc_attrs` and `emit::types::emit_enum`: an enum value's doc line
    // kept a CR, which prettyplease prints inside a `///` comment: not Rust.
    (
        "cr.json",
        r#"{"openapi": "3.0.0", "paths": {"/pets": {"get": {"requestBody": {"content": {"application/json":
            {"schema": {"oneOf": [{"oneOf": [{"type": "string", "enum": ["\r"]}]}]}}}}}}}}"#,
        "a bare CR in a generated doc comment",
    ),
    (
        "cr-path.json",
        r#"{"openapi": "3.0.0", "info": {"title": "t", "version": "1"},
            "paths": {"/a\rb": {"get": {"responses": {"204": {"description": "ok"}}}}}}"#,
        "a bare CR from a path in a generated doc comment",
    ),
];

#[test]
fn inputs_the_fuzzer_found_stay_fixed() {
    let mut judge = Judge::new(CASE_TIMEOUT);
    for (name, text, what) in REGRESSIONS {
        let verdict = judge.judge(name, text);
        assert!(!verdict.is_bad(), "{what}: {verdict:?}\ninput: {}", show(text));
    }
}

/// The generated `$ref`s into other files reach real files, so bundling is
/// fuzzed too, not only its "cannot read" error.
#[test]
fn file_refs_reach_the_fixtures() {
    let doc = json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/orders": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json":
            {"schema": {"$ref": FILE_REFS[0]}}}}}}}},
    });
    let verdict = Judge::new(CASE_TIMEOUT).judge("fuzz.json", &doc.to_string());
    assert_eq!(verdict, Verdict::Generated);
}

/// A generation that outlives its time is reported as a hang, and the
/// next input gets a fresh child process.
#[test]
fn the_harness_reports_hangs_and_carries_on() {
    let mut judge = Judge::new(Duration::ZERO);
    let verdict = judge.judge("orders.yaml", SEEDS[0].1);
    assert_eq!(verdict.kind(), "hang", "{verdict:?}");
    judge.timeout = CASE_TIMEOUT;
    assert_eq!(judge.judge("orders.yaml", SEEDS[0].1), Verdict::Generated);
    assert_eq!(judge.children, 2);
}

/// Reduces a saved failing input (a JSON or YAML document) to a small one
/// that fails the same way:
///
/// ```text
/// GUSSET_REDUCE=/path/to/fuzz-failure-fuzz.json GUSSET_MAX_MIB=400 \
///     cargo test -p gusset-tests --test fuzz_codegen -- --ignored --nocapture reduce_a_saved_failure
/// ```
#[test]
#[ignore = "a tool: needs GUSSET_REDUCE=<file>"]
fn reduce_a_saved_failure() {
    let Some(path) = std::env::var_os("GUSSET_REDUCE") else { return };
    let path = Path::new(&path);
    let text = std::fs::read_to_string(path).unwrap();
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("fuzz.json");
    let mut judge = Judge::new(Duration::from_secs(seconds_from_env("GUSSET_REDUCE_TIMEOUT", 20)));
    let (reduced, verdict) = no_panic_support::reduce(
        &mut judge,
        name,
        &text,
        Duration::from_secs(seconds_from_env("GUSSET_REDUCE_SECONDS", 600)),
    );
    let out = path.with_extension(format!("reduced.{}", path.extension().and_then(|e| e.to_str()).unwrap_or("json")));
    std::fs::write(&out, &reduced).unwrap();
    eprintln!("{verdict:?}\n{} bytes -> {} bytes, in {}:\n{reduced}", text.len(), reduced.len(), out.display());
}
