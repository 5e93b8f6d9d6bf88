//! End-to-end tests of `load`: small documents written here, files in a
//! temporary directory for `$ref`s, and the real-world corpus.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use openapiv3::{ReferenceOr, SchemaKind, Type};

use super::*;
use crate::diagnostic::Location;

fn text(name: &str, text: &str) -> Result<Loaded, Vec<Diagnostic>> {
    load(Input::Text { name: Path::new(name), text })
}

fn ok(name: &str, source: &str) -> Loaded {
    match text(name, source) {
        Ok(loaded) => loaded,
        Err(e) => panic!("did not load: {e:#?}"),
    }
}

fn errors(name: &str, source: &str) -> Vec<Diagnostic> {
    match text(name, source) {
        Ok(_) => panic!("loaded, expected errors"),
        Err(e) => e,
    }
}

fn pointers(diagnostics: &[Diagnostic]) -> Vec<&str> {
    diagnostics.iter().map(|d| d.pointer.as_str()).collect()
}

const PETSTORE: &str = r##"openapi: 3.0.3
info: {title: Pets, version: "1"}
paths:
  /pets/{id}:
    get:
      operationId: getPet
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Pet"}
components:
  schemas:
    Pet:
      type: object
      properties:
        name: {type: string}
"##;

#[test]
fn a_clean_document_loads_without_warnings() {
    let loaded = ok("pets.yaml", PETSTORE);
    assert!(loaded.warnings.is_empty(), "{:#?}", loaded.warnings);
    assert_eq!(loaded.files, [PathBuf::from("pets.yaml")]);
    assert!(loaded.document.paths.paths.contains_key("/pets/{id}"));
    let loc = loaded.sources.locate("/components/schemas/Pet/properties/name").unwrap_or_else(|| panic!("no location"));
    assert_eq!((loc.file.as_path(), loc.line, loc.column), (Path::new("pets.yaml"), 20, 9));
}

#[test]
fn a_missing_file_is_one_error_naming_it() {
    let Err(e) = load(Input::File(Path::new("no/such/spec.yaml"))) else { panic!("loaded a missing file") };
    assert_eq!(e.len(), 1);
    assert!(e[0].message.starts_with("cannot read `no/such/spec.yaml`: "), "{}", e[0].message);
}

#[test]
fn only_regular_files_are_read() {
    // Found by fuzzing: `$ref: /dev/zero` read until memory ran out.
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let source = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    A: {$ref: '/dev/zero'}\n    B: {$ref: '.'}\n";
    let e = match load(Input::Text { name: &dir.path().join("spec.yaml"), text: source }) {
        Ok(_) => panic!("loaded"),
        Err(e) => e,
    };
    assert_eq!(pointers(&e), ["/components/schemas/A/$ref", "/components/schemas/B/$ref"], "{e:#?}");
    assert!(e[0].message.ends_with(": not a regular file"), "{}", e[0].message);
    let Err(e) = load(Input::File(dir.path())) else { panic!("loaded a directory") };
    assert!(e[0].message.ends_with(": not a regular file"), "{}", e[0].message);
}

#[test]
fn swagger_1_2_is_refused_with_a_location() {
    let e = errors("old.json", "{\n  \"swagger\": \"1.2\",\n  \"paths\": {}\n}");
    assert_eq!(pointers(&e), ["/swagger"]);
    assert!(e[0].message.contains("gusset reads Swagger `2.0`"));
    assert_eq!(e[0].location.as_ref().map(|l| (l.line, l.column)), Some((2, 3)));
}

#[test]
fn openapi_3_1_reads_as_3_0() {
    let loaded = ok(
        "v31.yaml",
        r##"openapi: 3.1.0
info: {title: T, version: "1", license: {name: MIT, identifier: MIT}}
jsonSchemaDialect: https://spec.openapis.org/oas/3.1/dialect/base
webhooks:
  newPet: {post: {responses: {"200": {description: ok}}}}
components:
  schemas:
    Pet:
      $schema: https://json-schema.org/draft/2020-12/schema
      type: object
      properties:
        name: {type: [string, "null"], const: rex}
        age: {type: integer, exclusiveMinimum: 0, examples: [3]}
        owner: {$ref: "#/components/schemas/Owner", description: the owner}
    Owner: {type: object}
"##,
    );
    assert_eq!(pointers(&loaded.warnings), ["/webhooks"]);
    let Some(ReferenceOr::Item(pet)) = loaded.document.components.as_ref().and_then(|c| c.schemas.get("Pet")) else {
        panic!("no Pet")
    };
    let SchemaKind::Type(Type::Object(object)) = &pet.schema_kind else { panic!("{pet:?}") };
    let Some(ReferenceOr::Item(name)) = object.properties.get("name") else { panic!("no name") };
    assert!(name.schema_data.nullable);
    let SchemaKind::Type(Type::String(s)) = &name.schema_kind else { panic!("{name:?}") };
    assert_eq!(s.enumeration, [Some("rex".to_owned())]);
    let Some(ReferenceOr::Item(age)) = object.properties.get("age") else { panic!("no age") };
    let SchemaKind::Type(Type::Integer(i)) = &age.schema_kind else { panic!("{age:?}") };
    assert_eq!((i.minimum, i.exclusive_minimum), (Some(0), true));
    assert!(matches!(object.properties.get("owner"), Some(ReferenceOr::Reference { .. })));
}

#[test]
fn every_unresolved_local_ref_is_an_error_with_a_location() {
    let e = errors(
        "refs.json",
        r##"{"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": {},
 "components": {"schemas": {
   "A": {"$ref": "#/components/schemas/Missing"},
   "B": {"type": "array", "items": {"$ref": "#/components/schemas/Gone"}},
   "C": {"type": "object", "example": {"$ref": "data, not a reference"}},
   "D": {"$ref": "#/components/schemas/A"}
 }}}"##,
    );
    assert_eq!(pointers(&e), ["/components/schemas/A/$ref", "/components/schemas/B/items/$ref"]);
    assert!(e.iter().all(Diagnostic::is_error));
    assert_eq!(e[0].location.as_ref().map(|l| (l.line, l.column)), Some((3, 10)));
    assert!(e[0].message.contains("`#/components/schemas/Missing` does not resolve"), "{}", e[0].message);
}

#[test]
fn remote_refs_are_errors() {
    let e = errors(
        "remote.yaml",
        "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    A: {$ref: 'https://example.com/a.yaml#/A'}\n",
    );
    assert_eq!(pointers(&e), ["/components/schemas/A/$ref"]);
    assert!(e[0].message.starts_with("remote `$ref`"), "{}", e[0].message);
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn refs_to_other_files_are_bundled_with_their_positions() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path();
    write(
        root,
        "api/root.yaml",
        r##"openapi: 3.0.0
info: {title: t, version: "1"}
paths:
  /pets:
    $ref: "paths/pets.yaml"
components:
  schemas:
    Pet: {type: string}
    Owner: {type: object, properties: {pet: {$ref: "../shared/common.yaml#/components/schemas/Pet"}}}
"##,
    );
    write(
        root,
        "api/paths/pets.yaml",
        "get:\n  responses:\n    '200':\n      description: ok\n      content:\n        application/json:\n          schema: {$ref: '../../shared/common.yaml#/components/schemas/Pet'}\n",
    );
    write(
        root,
        "shared/common.yaml",
        r##"components:
  schemas:
    Pet:
      type: object
      properties:
        tag: {$ref: "#/components/schemas/Tag"}
        owner: {$ref: "../api/root.yaml#/components/schemas/Owner"}
        extra: {$ref: "extra.json"}
    Tag:
      type: object
      properties:
        pet: {$ref: "#/components/schemas/Pet"}
"##,
    );
    write(root, "shared/extra.json", "{\"type\": \"integer\"}");

    let path = root.join("api/root.yaml");
    let loaded = match load(Input::File(&path)) {
        Ok(loaded) => loaded,
        Err(e) => panic!("{e:#?}"),
    };
    assert!(loaded.warnings.is_empty(), "{:#?}", loaded.warnings);
    let names: Vec<_> =
        loaded.document.components.as_ref().map(|c| c.schemas.keys().cloned().collect()).unwrap_or_default();
    // The root's own `Pet` keeps its name; the other file's gets a fresh one.
    assert_eq!(names, ["Pet", "Owner", "Pet2", "Tag", "extra"]);
    let reference = |schema: &str, property: &str| -> String {
        let Some(ReferenceOr::Item(s)) = loaded.document.components.as_ref().and_then(|c| c.schemas.get(schema)) else {
            panic!("no {schema}")
        };
        let SchemaKind::Type(Type::Object(o)) = &s.schema_kind else { panic!("{s:?}") };
        match o.properties.get(property) {
            Some(ReferenceOr::Reference { reference }) => reference.clone(),
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(reference("Owner", "pet"), "#/components/schemas/Pet2");
    assert_eq!(reference("Pet2", "tag"), "#/components/schemas/Tag");
    assert_eq!(reference("Pet2", "owner"), "#/components/schemas/Owner");
    assert_eq!(reference("Pet2", "extra"), "#/components/schemas/extra");
    assert_eq!(reference("Tag", "pet"), "#/components/schemas/Pet2");
    assert!(matches!(loaded.document.paths.paths.get("/pets"), Some(ReferenceOr::Item(item)) if item.get.is_some()));

    let files: Vec<_> = loaded.files.iter().map(|f| f.strip_prefix(root).unwrap_or(f).to_path_buf()).collect();
    assert_eq!(
        files,
        ["api/root.yaml", "api/paths/pets.yaml", "shared/common.yaml", "shared/extra.json"].map(PathBuf::from)
    );
    let loc = loaded.sources.locate("/components/schemas/Tag/properties/pet").unwrap_or_else(|| panic!("no location"));
    assert_eq!((loc.file.ends_with("shared/common.yaml"), loc.line, loc.column), (true, 12, 9));
    let loc = loaded.sources.locate("/paths/~1pets/get/responses/200").unwrap_or_else(|| panic!("no location"));
    assert_eq!((loc.file.ends_with("api/paths/pets.yaml"), loc.line), (true, 3));
}

#[test]
fn text_input_resolves_refs_against_its_name_and_reports_bad_ones() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    write(dir.path(), "defs.json", "{\"A\": {\"type\": \"string\"}, \"B\": {\"$ref\": \"#/Nope\"}}");
    let name = dir.path().join("spec.yaml");
    let source = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    A: {$ref: 'defs.json#/A'}\n    B: {$ref: 'defs.json#/B'}\n    C: {$ref: 'missing.yaml'}\n";
    let e = match load(Input::Text { name: &name, text: source }) {
        Ok(_) => panic!("loaded"),
        Err(e) => e,
    };
    let mut found = pointers(&e);
    found.sort();
    assert_eq!(found, ["/components/schemas/B2/$ref", "/components/schemas/C/$ref"], "{e:#?}");
    let inner = e.iter().find(|d| d.pointer.contains("B2")).unwrap_or_else(|| panic!("no B2 error"));
    // The error is inside defs.json: its location says so.
    let loc = inner.location.clone().unwrap_or_else(|| panic!("no location"));
    assert!(loc.file.ends_with("defs.json"), "{loc}");
    let missing = e.iter().find(|d| d.pointer.contains("/C/")).unwrap_or_else(|| panic!("no C error"));
    assert!(missing.message.starts_with("cannot read `"), "{}", missing.message);
    assert!(missing.message.contains("missing.yaml` for `$ref` `missing.yaml`: "), "{}", missing.message);
}

#[test]
fn sloppy_documents_load_with_warnings_at_each_repair() {
    let loaded = ok(
        "sloppy.yaml",
        r##"openapi: 3.0.0
info: {title: t, version: 2.5}
servers: [{url: "https://a.example"}, {url: 5}]
paths:
  pets: {get: {responses: {}}}
  /a:
    get:
      parameters:
        - {name: body, in: body, schema: {type: object}}
        - {name: q, in: query, required: "true", schema: {type: string, maxLength: "10"}}
      responses:
        2xx: {description: ok}
        "400": {content: {}}
    post: {}
components:
  schemas:
    S:
      type: object
      properties:
        id: {type: string, required: true}
        n: {type: number, minimum: "1.5"}
        weird: {type: integer, minimum: [1]}
        broken: {type: array, items: 5}
"##,
    );
    let found: Vec<_> = loaded.warnings.iter().map(|w| w.pointer.as_str()).collect();
    for expected in [
        "/servers/1",
        "/paths/pets",
        "/paths/~1a/get/parameters/0",
        "/paths/~1a/get/parameters/1/required",
        "/paths/~1a/get/parameters/1/schema/maxLength",
        "/paths/~1a/get/responses/2xx",
        "/paths/~1a/get/responses/400",
        "/paths/~1a/post",
        "/components/schemas/S/properties/id/required",
        "/components/schemas/S/properties/n/minimum",
        "/components/schemas/S/properties/weird/minimum",
        "/components/schemas/S/properties/broken",
    ] {
        assert!(found.contains(&expected), "no warning at {expected}: {:#?}", loaded.warnings);
    }
    assert!(loaded.warnings.iter().all(|w| w.location.is_some()), "{:#?}", loaded.warnings);
    let op = loaded.document.paths.paths.get("/a").and_then(|p| p.as_item()).and_then(|p| p.get.as_ref());
    let Some(op) = op else { panic!("no operation") };
    assert_eq!(op.parameters.len(), 1, "the `in: body` parameter is dropped");
    assert_eq!(loaded.document.info.version, "2.5");
    assert_eq!(loaded.document.servers.len(), 1);
    let Some(ReferenceOr::Item(s)) = loaded.document.components.as_ref().and_then(|c| c.schemas.get("S")) else {
        panic!("no S")
    };
    let SchemaKind::Type(Type::Object(o)) = &s.schema_kind else { panic!("{s:?}") };
    assert_eq!(o.required, ["id"]);
    assert!(
        matches!(o.properties.get("broken"), Some(ReferenceOr::Item(b)) if matches!(b.schema_kind, SchemaKind::Any(_)))
    );
}

#[test]
fn references_to_skipped_components_are_skipped_too() {
    let loaded = ok(
        "dangling.yaml",
        r##"openapi: 3.0.0
info: {title: t, version: "1"}
paths:
  /a:
    get:
      parameters: [{$ref: "#/components/parameters/Body"}, {$ref: "#/components/parameters/Q"}]
      responses: {"200": {description: ok}}
components:
  parameters:
    Body: {name: b, in: body, schema: {type: object}}
    Q: {name: q, in: query, schema: {type: string}}
"##,
    );
    let found = pointers(&loaded.warnings);
    assert_eq!(found, ["/components/parameters/Body", "/paths/~1a/get/parameters/0"], "{:#?}", loaded.warnings);
    let op = loaded.document.paths.paths.get("/a").and_then(|p| p.as_item()).and_then(|p| p.get.as_ref());
    assert_eq!(op.map(|o| o.parameters.len()), Some(1));
}

#[test]
fn hopeless_documents_are_errors() {
    for (name, source, pointer) in [
        ("a.yaml", "- 1\n- 2\n", ""),
        ("b.yaml", "", ""),
        ("c.yaml", "openapi: 3.0.0\ninfo: 5\npaths: {}\n", "/info"),
        ("d.yaml", "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: [1]\n", "/paths"),
    ] {
        let e = errors(name, source);
        assert_eq!(e.len(), 1, "{name}: {e:#?}");
        assert_eq!(e[0].pointer, pointer, "{name}");
    }
}

#[test]
fn big_yaml_documents_have_no_size_limit() {
    // 45,000 schemas: over 3 MiB (a peer generator's limit) and about
    // 450,000 YAML nodes.
    let mut source =
        String::from("openapi: 3.0.0\ninfo: {title: big, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n");
    for i in 0..45_000 {
        source.push_str(&format!("    Schema{i}:\n      type: object\n      properties: {{name: {{type: string}}}}\n"));
    }
    assert!(source.len() > 3 << 20, "{}", source.len());
    let start = Instant::now();
    let loaded = ok("big.yaml", &source);
    println!("loaded {} bytes of YAML in {:?}", source.len(), start.elapsed());
    assert_eq!(loaded.document.components.map(|c| c.schemas.len()), Some(45_000));
}

/// Where the shared corpus lives, relative to this crate.
const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus/dev");

#[test]
fn every_corpus_document_loads_or_fails_with_located_errors() {
    let Ok(entries) = std::fs::read_dir(CORPUS) else {
        println!("SKIPPED: corpus folder {CORPUS} is absent");
        return;
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("json" | "yaml" | "yml")))
        .collect();
    paths.sort();
    let (mut loaded, mut failed, mut warnings) = (0, Vec::new(), 0);
    let mut timings: Vec<(u64, Duration, PathBuf)> = Vec::new();
    let mut by_message: std::collections::BTreeMap<String, usize> = Default::default();
    for path in &paths {
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let start = Instant::now();
        let result = std::panic::catch_unwind(|| load(Input::File(path)));
        let elapsed = start.elapsed();
        timings.push((size, elapsed, path.clone()));
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        match result {
            Err(_) => panic!("load panicked on {name}"),
            Ok(Ok(l)) => {
                loaded += 1;
                warnings += l.warnings.len();
                for w in &l.warnings {
                    assert!(w.location.is_some(), "{name}: warning without location: {w}");
                    let key: String = w.message.split(':').next().unwrap_or_default().chars().take(70).collect();
                    *by_message.entry(key).or_default() += 1;
                }
                if std::env::var_os("GUSSET_LOAD_VERBOSE").is_some() {
                    for w in &l.warnings {
                        println!("  {name}: {w}");
                    }
                }
            }
            Ok(Err(diagnostics)) => {
                assert!(diagnostics.iter().any(Diagnostic::is_error), "{name}: Err without an error");
                for d in &diagnostics {
                    assert!(d.location.is_some(), "{name}: diagnostic without location: {d}");
                }
                let first = diagnostics.iter().find(|d| d.is_error()).map(ToString::to_string).unwrap_or_default();
                let count = diagnostics.iter().filter(|d| d.is_error()).count();
                failed.push(format!("{name}: {count} errors, first: {first}"));
            }
        }
    }
    println!("corpus: {} documents, {loaded} loaded, {} failed, {warnings} warnings", paths.len(), failed.len());
    for f in &failed {
        println!("  FAILED {f}");
    }
    println!("warnings by kind:");
    for (message, count) in &by_message {
        println!("  {count:6} {message}");
    }
    timings.sort_by_key(|t| std::cmp::Reverse(t.0));
    for format in ["json", "yaml"] {
        println!("load time of the 5 largest {format} documents:");
        let largest = timings.iter().filter(|t| t.2.extension().is_some_and(|e| e == format)).take(5);
        for (size, elapsed, path) in largest {
            let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
            println!("  {:>9} bytes {:>8.1} ms  {name}", size, elapsed.as_secs_f64() * 1000.0);
        }
    }
    assert!(loaded > 0);
}

#[test]
fn locating_many_pointers_in_the_largest_corpus_document_is_quick_enough_to_measure() {
    let path = Path::new(CORPUS).join("cloudflare-2024-08.json");
    let Ok(loaded) = load(Input::File(&path)) else {
        println!("SKIPPED: {} is absent or does not load", path.display());
        return;
    };
    let pointers: Vec<String> =
        loaded.document.paths.paths.keys().take(50).map(|p| crate::diagnostic::pointer(["paths", p, "get"])).collect();
    // A fresh map: `load` may already have built the index for its warnings.
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let mut sources = SourceMap::default();
    let file = sources.add_file(path.clone(), text.into(), parse::Format::Json);
    sources.mount("", file, "");
    let start = Instant::now();
    let located: Vec<Location> = pointers.iter().filter_map(|p| sources.locate(p)).collect();
    println!(
        "located {} of {} pointers in {:?} (the first lookup builds the index)",
        located.len(),
        pointers.len(),
        start.elapsed()
    );
    assert_eq!(located.len(), pointers.len());
    // The document is minified onto one line: every `get` is at its own column.
    let mut columns: Vec<usize> = located.iter().map(|l| l.column).collect();
    columns.dedup();
    assert_eq!(columns.len(), pointers.len(), "{located:?}");
    assert!(located.iter().all(|l| l.line == 1 && l.column > 1));
}

#[test]
fn deeply_nested_schemas_do_not_overflow_the_stack() {
    // 61 schema levels: 127 JSON levels with the root, at serde_json's limit of 128.
    let mut schema = String::from("{\"type\": \"string\"}");
    for _ in 0..61 {
        schema = format!("{{\"type\": \"object\", \"properties\": {{\"p\": {schema}}}}}");
    }
    let source = format!(
        "{{\"openapi\": \"3.1.0\", \"info\": {{\"title\": \"t\", \"version\": \"1\"}}, \"components\": {{\"schemas\": {{\"Deep\": {schema}}}}}}}"
    );
    let loaded = ok("deep.json", &source);
    assert!(loaded.document.components.is_some_and(|c| c.schemas.contains_key("Deep")));
    // One level more is a parse error, not a crash.
    let too_deep = source.replacen(
        "{\"type\": \"string\"}",
        "{\"type\": \"object\", \"properties\": {\"p\": {\"type\": \"object\", \"properties\": {\"q\": {}}}}}",
        1,
    );
    let e = errors("deep.json", &too_deep);
    assert!(e[0].message.contains("recursion limit"), "{}", e[0].message);
}
