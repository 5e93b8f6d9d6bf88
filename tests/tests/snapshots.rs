//! Generated code for the project's fixture documents is pinned in
//! `tests/snapshots/`; `src/lib.rs` compiles those files with
//! `#[deny(warnings)]`. A change to the generator that changes output fails
//! here until the snapshots are regenerated on purpose:
//!
//! ```text
//! GUSSET_BLESS=1 cargo test -p gusset-tests --test snapshots
//! ```

use std::path::{Path, PathBuf};

use gusset_codegen::{Settings, generate, generate_from_str};

const FIXTURES: &[&str] = &[
    "orders",
    "constructs",
    "hostile",
    "openapi31",
    "fidelity",
    "swagger2",
    "wire",
    "rustdoc",
    "recursive",
    "pagination",
    "streaming",
    "unions",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    root().join("fixtures").join(format!("{name}.yaml"))
}

#[test]
fn generated_code_matches_the_snapshots() {
    let bless = std::env::var_os("GUSSET_BLESS").is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    for name in FIXTURES {
        let code = generate(fixture(name), &Settings::new()).unwrap().code().to_string();
        let snapshot = root().join("snapshots").join(format!("{name}.rs"));
        let old = std::fs::read_to_string(&snapshot).unwrap_or_default();
        if old != code {
            if bless {
                std::fs::write(&snapshot, &code).unwrap();
            } else {
                let first = old.lines().zip(code.lines()).position(|(a, b)| a != b).unwrap_or(0);
                stale.push(format!(
                    "{}: first difference at line {}:\n  snapshot:  {}\n  generated: {}",
                    snapshot.display(),
                    first + 1,
                    old.lines().nth(first).unwrap_or("<end>"),
                    code.lines().nth(first).unwrap_or("<end>"),
                ));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "snapshots are stale (rerun with GUSSET_BLESS=1 if the change is intended):\n{}",
        stale.join("\n")
    );
}

/// A document with no operations (only webhooks) still gets a `call_dynamic` that compiles
/// without a warning: `src/lib.rs` compiles this snapshot with `#[deny(warnings)]`.
#[test]
fn the_dynamic_table_of_a_document_without_operations_matches_its_snapshot() {
    let document = "openapi: 3.1.0\ninfo: {title: Hooks, version: '1'}\nwebhooks:\n  ping:\n    post:\n      responses: {'200': {description: ok}}\n";
    let code =
        generate_from_str("hooks.yaml", document, &Settings::new().dynamic_calls(true)).unwrap().code().to_string();
    assert!(code.contains("pub const OPERATIONS: &'static [::gusset::dynamic::OperationInfo] = &[];"), "{code}");
    let snapshot = root().join("snapshots/no_operations_dynamic.rs");
    if std::env::var_os("GUSSET_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&snapshot, &code).unwrap();
    }
    assert_eq!(std::fs::read_to_string(&snapshot).unwrap_or_default(), code, "stale: rerun with GUSSET_BLESS=1");
}

/// The operation table of `Settings::dynamic_calls(true)` (with every type serde both ways),
/// pinned for one fixture; `src/lib.rs` compiles it and `tests/dynamic_calls.rs` calls it.
#[test]
fn the_dynamic_table_matches_its_snapshot() {
    let code = generate(fixture("orders"), &Settings::new().dynamic_calls(true)).unwrap().code().to_string();
    assert!(code.contains("pub const OPERATIONS: &'static [::gusset::dynamic::OperationInfo]"), "{code}");
    assert!(code.contains("pub async fn call_dynamic("), "{code}");
    let snapshot = root().join("snapshots/orders_dynamic.rs");
    if std::env::var_os("GUSSET_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&snapshot, &code).unwrap();
    }
    let old = std::fs::read_to_string(&snapshot).unwrap_or_default();
    assert!(old == code, "{} is stale (rerun with GUSSET_BLESS=1 if the change is intended)", snapshot.display());
    // Off by default: users' clients do not pay for the table.
    let plain = generate(fixture("orders"), &Settings::new()).unwrap();
    assert!(!plain.code().contains("call_dynamic"));
}

/// `Settings::mock(true)` for fixtures with every kind of body and response (`wire`) and names
/// and texts that try to inject code (`hostile`); `src/lib.rs` compiles both with the `mock`
/// feature under `#[deny(warnings)]`, and `tests/orders_mock.rs` runs the Orders mock.
#[test]
fn the_mock_modules_match_their_snapshots() {
    let bless = std::env::var_os("GUSSET_BLESS").is_some_and(|v| v == "1");
    for name in ["wire", "hostile"] {
        let code = generate(fixture(name), &Settings::new().mock(true)).unwrap().code().to_string();
        assert!(code.contains("#[cfg(feature = \"mock\")]\npub mod mock {"), "{code}");
        let snapshot = root().join(format!("snapshots/{name}_mock.rs"));
        if bless {
            std::fs::write(&snapshot, &code).unwrap();
        }
        let old = std::fs::read_to_string(&snapshot).unwrap_or_default();
        assert!(old == code, "{} is stale (rerun with GUSSET_BLESS=1 if the change is intended)", snapshot.display());
        // Off by default.
        assert!(!generate(fixture(name), &Settings::new()).unwrap().code().contains("mod mock"));
    }
}

#[test]
fn generating_twice_gives_the_same_bytes() {
    for name in FIXTURES {
        let a = generate(fixture(name), &Settings::new()).unwrap();
        let b = generate(fixture(name), &Settings::new()).unwrap();
        assert_eq!(a.code(), b.code(), "{name}");
    }
}

/// Reverses the order of keys in the maps whose order means nothing:
/// paths, methods, responses, components and schemas. (Properties keep their
/// order: it is the field order users read.)
fn reorder(value: &mut serde_json::Value, depth: usize, parent: &str) {
    let Some(map) = value.as_object_mut() else { return };
    let unordered =
        matches!(parent, "" | "paths" | "components" | "schemas" | "responses" | "parameters" | "securitySchemes")
            || parent.starts_with('/');
    let mut entries: Vec<(String, serde_json::Value)> = std::mem::take(map).into_iter().collect();
    if unordered {
        entries.reverse();
    }
    for (key, v) in &mut entries {
        if depth < 64 {
            reorder(v, depth + 1, key);
        }
    }
    map.extend(entries);
}

#[test]
fn reordering_keys_that_have_no_order_changes_nothing() {
    for name in FIXTURES {
        let text = std::fs::read_to_string(fixture(name)).unwrap();
        let mut value: serde_json::Value = serde_json::to_value(gusset_tests_yaml(&text)).unwrap();
        reorder(&mut value, 0, "");
        let reordered = serde_json::to_string_pretty(&value).unwrap();
        let a = generate(fixture(name), &Settings::new()).unwrap();
        // Named beside the fixture, so `$ref`s to other files resolve the same way.
        let b = generate_from_str(fixture(name).with_extension("json"), &reordered, &Settings::new()).unwrap();
        assert_eq!(a.code(), b.code(), "{name}");
    }
}

/// YAML to JSON through the generator itself would hide the reordering, so
/// the test converts with a plain YAML reader.
fn gusset_tests_yaml(text: &str) -> serde_json::Value {
    serde_yaml_ng::from_str(text).unwrap()
}

#[test]
fn output_has_the_generated_header_and_no_checkout_path() {
    for name in FIXTURES {
        let code = generate(fixture(name), &Settings::new()).unwrap().code().to_string();
        assert!(!code.contains(env!("CARGO_MANIFEST_DIR")), "{name} mentions the checkout path");
        assert!(code.starts_with("// @generated"), "{name} lacks the @generated header");
    }
}

/// Every item a generated file defines, as `kind name`, with the methods of
/// `impl` blocks as `fn Type::name`.
fn items(code: &str) -> std::collections::BTreeSet<String> {
    let file = syn::parse_file(code).unwrap();
    let mut out = std::collections::BTreeSet::new();
    for item in file.items {
        match item {
            syn::Item::Const(c) => drop(out.insert(format!("const {}", c.ident))),
            syn::Item::Struct(s) => drop(out.insert(format!("struct {}", s.ident))),
            syn::Item::Enum(e) => drop(out.insert(format!("enum {}", e.ident))),
            syn::Item::Type(t) => drop(out.insert(format!("type {}", t.ident))),
            syn::Item::Impl(i) => {
                let self_ty = quote::ToTokens::to_token_stream(&i.self_ty).to_string();
                let of = i.trait_.as_ref().map(|(_, p, _)| quote::ToTokens::to_token_stream(p).to_string());
                for member in i.items {
                    if let syn::ImplItem::Fn(f) = member {
                        let owner =
                            of.clone().map(|t| format!("<{self_ty} as {t}>")).unwrap_or_else(|| self_ty.clone());
                        out.insert(format!("fn {owner}::{}", f.sig.ident));
                    }
                }
            }
            other => drop(out.insert(format!("other {}", quote::ToTokens::to_token_stream(&other)))),
        }
    }
    out
}

/// A document whose every string tries to break out (comment terminators,
/// quotes, attributes, raw strings, line breaks, NUL, bidi controls,
/// keywords, digits, emoji, names equal but for case or punctuation) yields
/// exactly the items its structure asks for, no more, and (see `src/lib.rs`)
/// compiles with warnings denied. Document text appears only in string
/// literals and `///` lines.
#[test]
fn hostile_strings_never_become_code() {
    let code = generate(fixture("hostile"), &Settings::new()).unwrap().code().to_string();
    let found = items(&code);
    // An enum's own items; one only sent (a query parameter) is not `Deserialize`.
    let own = |ty: &str, received: bool| {
        let mut items = vec![
            format!("fn {ty}::as_str"),
            format!("fn <{ty} as :: core :: convert :: From < & str >>::from"),
            format!("fn <{ty} as :: core :: fmt :: Display>::fmt"),
            format!("fn <{ty} as :: gusset :: __private :: serde :: Serialize>::serialize"),
        ];
        if received {
            items.push(format!("fn <{ty} as :: gusset :: __private :: serde :: Deserialize < 'de >>::deserialize"));
        }
        items
    };
    let mut expected: std::collections::BTreeSet<String> = [
        "const API_VERSION",
        "const SERVERS",
        "struct Client",
        "fn Client::builder",
        "fn Client::runtime",
        "fn Client::_2fa",
        "fn Client::_2fa2",
        "fn Client::get_fn_x_cfg_any",
        "fn <Client as :: gusset :: __private :: GeneratedClient>::from_client",
        "struct GetFnXCfgAnyParams",
        "struct Fn",
        "struct Item",
        "struct SelfType",
        "enum Fn2",
        "enum GetFnXCfgAnyRType",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    // A received struct's `Deserialize` is written out, not derived.
    for ty in ["Item", "SelfType"] {
        expected.insert(format!("fn <{ty} as :: gusset :: __private :: serde :: Deserialize < 'de >>::deserialize"));
        expected.insert(format!("fn <{ty} as :: gusset :: __private :: de :: FromObject>::from_object"));
    }
    expected.extend(own("Fn2", true));
    expected.extend(own("GetFnXCfgAnyRType", false));
    assert_eq!(found, expected);

    // Outside literals and doc lines, none of the document's payloads appear.
    for line in code.lines().map(str::trim) {
        if line.starts_with("//") {
            continue;
        }
        let outside_literals = strip_string_literals(line);
        for payload in ["evil()", "injected()", "panic!", "exit(", "cfg(any", "struct Evil"] {
            assert!(!outside_literals.contains(payload), "`{payload}` escaped into code: {line}");
        }
    }
}

/// The line without the contents of its string literals (escapes honoured).
fn strip_string_literals(line: &str) -> String {
    let mut out = String::new();
    let mut in_string = false;
    let mut escaped = false;
    for c in line.chars() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
        } else {
            out.push(c);
        }
    }
    out
}

/// Every reference of `fidelity.yaml` resolves to the type of what it names
/// (the schema of a parameter or a response component, another operation's
/// response, a reference to a reference), so nothing falls back or is left
/// out; what is free-form is what the document leaves free, and each
/// required name without a property is a warning at its `required` entry.
/// Error responses that describe one object in several places have that
/// object as their error type. The fallbacks are an empty `oneOf`, which no
/// value matches, and error responses of different types; content on a 204,
/// which no server can send, is left out with a warning.
#[test]
fn the_fidelity_fixture_is_typed_as_the_document_says() {
    let generated = generate(fixture("fidelity"), &Settings::new()).unwrap();
    let fidelity = generated.fidelity();
    let findings: Vec<String> = fidelity.findings().iter().map(ToString::to_string).collect();
    assert_eq!(
        findings,
        [
            "fallback: empty-union at #/components/schemas/NoGroups/items",
            "fallback: several-error-types at #/paths/~1pets~1{id}~1owner/delete/responses",
            "free-form: required-without-property at #/components/schemas/Pet/required/2",
            "free-form: required-without-property at #/components/schemas/Pet/required/3",
            "free-form: undocumented-error at #/paths/~1trees/put/responses",
            "dropped: content-on-empty-status at #/paths/~1pets~1{id}~1tags~1{word}/put/responses/204/content",
        ]
    );
    assert!(!fidelity.is_faithful());
    let warned: Vec<&str> = generated.warnings().iter().map(|w| w.pointer.as_str()).collect();
    assert_eq!(
        warned,
        [
            "/components/schemas/NewPet/required/1",
            "/components/schemas/Pet/required/2",
            "/components/schemas/Pet/required/3",
            "/components/schemas/TaggedPet/allOf/0/required/1",
            "/paths/~1pets~1{id}~1tags~1{word}/put/responses/204/content",
        ]
    );
    let code = generated.code();
    for expected in [
        "pub struct Pet {",
        "pub kind: ActionType,",
        "pub sort: Option<SortOrder>,",
        "-> ::gusset::Call<'_, Pet, GetPetError>",
        // Two error responses that describe one object are that object.
        "-> ::gusset::Call<'_, String, GetOwnerError>",
        "-> ::gusset::Call<'_, (), ::gusset::__private::serde_json::Value>",
        // The created pet is the schema of another operation's response items,
        // the conflict that of a response component.
        "body: &NewPet, params: &CreatePetParams, ) -> ::gusset::Call<'_, Pet, ListPetsError>",
        "pub struct Forest(pub Vec<Forest>);",
        "pub type SerialFormat = ::gusset::Uuid;",
        "pub type Serial = SerialFormat;",
    ] {
        let squashed: String = code.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(squashed.contains(expected), "`{expected}` missing from:\n{code}");
    }
}

/// `wire.yaml`: each method sends the `Accept` its responses call for, as a
/// `static` checked at compile time; media types that are no media range
/// (one with a CR LF and a header after it, one that is a list) are left out
/// with a warning; form bodies carry their `encoding` map, and an entry that
/// names no property is a warning.
#[test]
fn the_wire_fixture_sends_what_the_document_says() {
    let generated = generate(fixture("wire"), &Settings::new()).unwrap();
    let mut warned: Vec<&str> = generated.warnings().iter().map(|w| w.pointer.as_str()).collect();
    warned.sort_unstable();
    assert_eq!(
        warned,
        [
            "/paths/~1charges/post/requestBody/content/application~1x-www-form-urlencoded/encoding/notAProperty",
            "/paths/~1reports~1{id}/get/responses/default/content/text~1plain\r\nX-Injected: yes",
            "/paths/~1reports~1{id}/get/responses/default/content/text~1plain, text~1html",
        ]
    );
    let squashed: String = generated.code().split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        r#"from_static( "application/vnd.example+json;version=2, application/problem+json, text/csv;q=0.9, */*;q=0.1", );"#,
        r#"from_static("*/*")"#,
        r#"from_static( "application/json, application/octet-stream;q=0.9", );"#,
        r#"rt::FormField { name: "expand", encoding: rt::FormEncoding::Style(rt::Style::DeepObject, true), }"#,
        r#"rt::FormField { name: "ids", encoding: rt::FormEncoding::Style(rt::Style::Form, false), }"#,
        r#"rt::FormField { name: "options", encoding: rt::FormEncoding::Json, }"#,
        r#"rt::FormField { name: "shipping", encoding: rt::FormEncoding::Style(rt::Style::DeepObject, true), }"#,
        r#"rt::FormField { name: "tags", encoding: rt::FormEncoding::Style( rt::Style::PipeDelimited, false, ), }"#,
        "request.form(body);",
        "`document` (as `application/pdf`), `options` (as `application/json`).",
    ] {
        assert!(squashed.contains(expected), "`{expected}` missing from:\n{}", generated.code());
    }
    assert!(!squashed.contains("X-Injected"), "a media type never reaches code as a header");
    assert!(!squashed.contains("notAProperty"));
}
