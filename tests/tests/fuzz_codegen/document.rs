//! Structurally plausible OpenAPI documents: `$ref`s that resolve, dangle,
//! cycle and point into the middle of schemas; schemas, parameters, bodies,
//! responses and security schemes with wrong types mixed in.

use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::Union;
use serde_json::{Value, json};

use super::Case;
use super::strings::*;

// ---------------------------------------------------------------- $refs

/// RFC 6901 escaping, as a correct document would write a name.
pub(crate) fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

pub(crate) const SECTIONS: &[&str] = &[
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

pub(crate) const INTERIOR: &[&str] = &[
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
pub(crate) const FILE_REFS: &[&str] = &[
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
pub(crate) fn reference(section: &'static str) -> BoxedStrategy<Value> {
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

pub(crate) fn ref_object(section: &'static str) -> BoxedStrategy<Value> {
    object(vec![("$ref", 1.0, reference(section)), ("description", 0.1, text()), ("summary", 0.05, text())])
}

// ---------------------------------------------------------------- schemas

pub(crate) const TYPES: &[&str] =
    &["string", "integer", "number", "boolean", "object", "array", "null", "file", "any", "String", ""];

pub(crate) const FORMATS: &[&str] = &[
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

pub(crate) fn type_value() -> BoxedStrategy<Value> {
    Union::new_weighted(vec![
        (8, select(TYPES).prop_map(|t| json!(t)).boxed()),
        (3, prop::collection::vec(select(TYPES), 0..4).prop_map(|ts| json!(ts)).boxed()),
        (1, junk()),
    ])
    .boxed()
}

pub(crate) fn format_value() -> BoxedStrategy<Value> {
    Union::new_weighted(vec![(6, select(FORMATS).prop_map(|f| json!(f)).boxed()), (1, text()), (1, junk())]).boxed()
}

pub(crate) fn enum_value() -> BoxedStrategy<Value> {
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

pub(crate) fn number_or_junk() -> BoxedStrategy<Value> {
    Union::new_weighted(vec![
        (3, select(&[0i64, 1, -1, 10, 255][..]).prop_map(|n| json!(n)).boxed()),
        (1, select(&["10", "abc", " 5 ", "-3", "1.5"][..]).prop_map(|s| json!(s)).boxed()),
        (1, junk()),
    ])
    .boxed()
}

pub(crate) fn schema() -> BoxedStrategy<Value> {
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

pub(crate) const LOCATIONS: &[&str] = &["query", "path", "header", "cookie", "body", "formData", "Query", ""];
pub(crate) const STYLES: &[&str] =
    &["form", "simple", "matrix", "label", "spaceDelimited", "pipeDelimited", "deepObject", "", "Form"];
pub(crate) const PARAM_NAMES: &[&str] = &[
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
pub(crate) const MEDIA_TYPES: &[&str] = &[
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
pub(crate) const STATUSES: &[&str] = &[
    "200", "201", "204", "2XX", "2xx", "default", "404", "500", "5XX", "999", "099", "abc", "x-foo", "200 ", "1XX",
    "3XX", "", "302", "100",
];
pub(crate) const PATHS: &[&str] = &[
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
pub(crate) const OPERATION_IDS: &[&str] = &[
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

pub(crate) fn param_name() -> BoxedStrategy<Value> {
    Union::new_weighted(vec![(6, select(PARAM_NAMES).prop_map(|s| json!(s)).boxed()), (1, text()), (1, junk())]).boxed()
}

pub(crate) fn content() -> BoxedStrategy<Value> {
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

pub(crate) fn parameter() -> BoxedStrategy<Value> {
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

pub(crate) fn header() -> BoxedStrategy<Value> {
    let inline = object(vec![
        ("schema", 0.8, schema()),
        ("required", 0.2, boolish()),
        ("description", 0.1, text()),
        ("style", 0.05, one_of(STYLES)),
        ("content", 0.03, content()),
    ]);
    Union::new_weighted(vec![(6, inline), (1, ref_object("headers"))]).boxed()
}

pub(crate) fn request_body() -> BoxedStrategy<Value> {
    let inline = object(vec![("content", 0.9, content()), ("required", 0.5, boolish()), ("description", 0.1, text())]);
    Union::new_weighted(vec![(6, inline), (2, ref_object("requestBodies"))]).boxed()
}

pub(crate) fn response() -> BoxedStrategy<Value> {
    let inline = object(vec![
        ("description", 0.9, text()),
        ("content", 0.6, content()),
        ("headers", 0.15, map_of(param_name().prop_map(|v| v.as_str().unwrap_or("x").to_owned()).boxed(), header(), 2)),
        ("links", 0.03, map_of(name(), junk(), 1)),
    ]);
    Union::new_weighted(vec![(6, inline), (2, ref_object("responses"))]).boxed()
}

pub(crate) fn security_requirements() -> BoxedStrategy<Value> {
    list_of(map_of(name(), list_of(text(), 2), 2), 2)
}

pub(crate) fn operation() -> BoxedStrategy<Value> {
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

pub(crate) fn path_item() -> BoxedStrategy<Value> {
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

pub(crate) fn servers() -> BoxedStrategy<Value> {
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

pub(crate) fn security_scheme() -> BoxedStrategy<Value> {
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

pub(crate) fn components() -> BoxedStrategy<Value> {
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

pub(crate) fn document() -> BoxedStrategy<Value> {
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
    // A Swagger 2.0 declaration sends the 3.0-shaped rest through the 2.0 conversion.
    let swagger = Union::new_weighted(vec![(4, Just(json!("2.0")).boxed()), (1, junk())]).boxed();
    object(vec![
        ("openapi", 0.99, version),
        ("info", 0.9, info),
        ("paths", 0.9, map_of(path_keys, path_item(), 4)),
        ("components", 0.8, components()),
        ("servers", 0.3, servers()),
        ("security", 0.15, security_requirements()),
        ("webhooks", 0.05, map_of(name(), path_item(), 1)),
        ("tags", 0.05, list_of(junk(), 2)),
        ("swagger", 0.08, swagger),
        ("x-ext", 0.05, junk()),
    ])
}

/// Makes most `$ref`s resolve, so that the document gets past `$ref`
/// checking and exercises lowering and emission: a simple definition for
/// each component that a local `$ref` names but the document lacks, then
/// every `$ref` that still does not resolve (into a missing interior, to
/// another file) removed. `$ref`s into interiors that exist stay.
pub(crate) fn close_refs(doc: &mut Value) {
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

pub(crate) fn structured() -> BoxedStrategy<Case> {
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
