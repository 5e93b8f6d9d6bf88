//! `gusset_codegen::diff` on pairs of small documents (`tests/fixtures/diff`), each change with the
//! classification it must get; and the large real pair of the corpus (two GitHub documents years
//! apart), which must compare without an error in reasonable time.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use gusset_codegen::Settings;
use gusset_codegen::diff::{self, Change, Document, Report, Surface, Verdict};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join("diff").join(name)
}

fn compare(old: &str, new: &str) -> Report {
    let (old, new) = (fixture(old), fixture(new));
    diff::diff(Document::File(&old), Document::File(&new), &Settings::new()).unwrap()
}

type Expected<'a> = (&'a str, Surface, Verdict, &'a str);

/// Every expected change is in the report (kind, surface, verdict, and a piece of its message),
/// and the report has nothing else.
fn assert_changes(report: &Report, expected: &[Expected<'_>]) {
    let shown: Vec<String> = report.changes().iter().map(Change::to_string).collect();
    let mut used = BTreeSet::new();
    for (kind, surface, verdict, text) in expected {
        let found = report.changes().iter().enumerate().find(|(i, c)| {
            !used.contains(i)
                && c.kind.as_str() == *kind
                && c.surface == *surface
                && c.verdict == *verdict
                && c.message.contains(text)
        });
        let Some((i, _)) = found else {
            panic!("no {verdict} {kind} ({surface:?}) mentioning {text:?} in:\n{}", shown.join("\n"));
        };
        used.insert(i);
    }
    let extra: Vec<&String> = shown.iter().enumerate().filter(|(i, _)| !used.contains(i)).map(|(_, s)| s).collect();
    assert!(
        extra.is_empty(),
        "unexpected changes:\n{}",
        extra.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n")
    );
}

use Surface::{Rust, Wire};
use Verdict::{Major, Minor, Patch};

#[test]
fn every_kind_of_change_in_the_pets_pair_is_classified() {
    let report = compare("pets-v1.yaml", "pets-v2.yaml");
    assert_changes(
        &report,
        &[
            // operations
            ("operation-removed", Wire, Major, "`DELETE /pets/{petId}`"),
            ("operation-added", Wire, Minor, "`GET /stores`"),
            ("operation-deprecated", Wire, Patch, "`GET /pets/{id}`"),
            // parameters
            ("parameter-required", Wire, Major, "`limit`"),
            ("parameter-moved", Wire, Major, "`trace` of `GET /pets` moved from the header to the query"),
            ("parameter-added", Wire, Minor, "`offset`"),
            ("parameter-added-required", Wire, Major, "`region`"),
            ("bound-widened", Wire, Minor, "`maximum` 100 became 500; the request is looser"),
            // bodies and responses
            ("media-type-removed", Wire, Major, "`application/x-www-form-urlencoded` of the request body"),
            ("media-type-removed", Wire, Major, "`application/xml` of the 200 response"),
            ("response-removed", Wire, Minor, "response 404 of `PUT /pets/{id}`"),
            // security
            ("security-added", Wire, Major, "asks for bearer where it asked for no authentication"),
            // schemas, with their direction
            ("property-added", Wire, Major, "new required property `owner`"),
            ("bound-narrowed", Wire, Major, "`maxLength` 100 became 50; the request is stricter"),
            ("enum-narrowed", Wire, Major, "\"bird\"; the request is stricter"),
            ("format-changed", Wire, Minor, "`float` became `double`; the request is looser"),
            ("type-changed", Wire, Major, "`integer` became `number`; the response is looser"),
            ("enum-widened", Wire, Major, "\"pending\"; the response is looser"),
            ("property-required", Wire, Patch, "`tag` became required; the response is stricter"),
            ("property-removed", Wire, Patch, "`nickname`"),
            // the Rust API
            ("method-removed", Rust, Major, "`Client::delete_pet`"),
            ("method-renamed", Rust, Major, "`Client::get_pet` renamed to `Client::fetch_pet`"),
            ("method-added", Rust, Minor, "`Client::list_stores`"),
            ("method-signature-changed", Rust, Major, "`Client::create_pet`"),
            ("method-signature-changed", Rust, Major, "`Client::list_pets`"),
            ("method-signature-changed", Rust, Major, "`Client::update_pet`"),
            ("field-removed", Rust, Major, "`ListPetsParams::limit`"),
            ("field-added", Rust, Major, "`ListPetsParams::offset`"),
            ("field-added", Rust, Major, "`NewPet::owner` added: the struct is not `#[non_exhaustive]`"),
            ("field-type-changed", Rust, Major, "`NewPet::weight` changed type from `Option<f32>` to `Option<f64>`"),
            ("field-type-changed", Rust, Major, "`Pet::age` changed type from `Option<i64>` to `Option<f64>`"),
            ("field-required", Rust, Major, "`Pet::tag` became required"),
            ("field-removed", Rust, Major, "`Pet::nickname`"),
            ("variant-removed", Rust, Major, "`NewPetKind::Bird`"),
            ("variant-added", Rust, Major, "`PetStatus::Pending` added: generated enums are not `#[non_exhaustive]`"),
            ("type-removed", Rust, Major, "`Legacy`"),
            ("type-added", Rust, Minor, "`Store`"),
        ],
    );
    assert_eq!(report.verdict(), Major);
}

#[test]
fn changes_carry_pointers_into_both_documents() {
    let report = compare("pets-v1.yaml", "pets-v2.yaml");
    let find = |kind: &str, text: &str| {
        report.changes().iter().find(|c| c.kind.as_str() == kind && c.message.contains(text)).unwrap().clone()
    };
    let moved = find("parameter-moved", "trace");
    assert_eq!(moved.old_pointer.as_deref(), Some("/paths/~1pets/get/parameters/1"));
    assert_eq!(moved.new_pointer.as_deref(), Some("/paths/~1pets/get/parameters/1"));
    let renamed = find("method-renamed", "get_pet");
    assert_eq!(renamed.old_pointer.as_deref(), Some("/paths/~1pets~1{petId}/get"));
    assert_eq!(renamed.new_pointer.as_deref(), Some("/paths/~1pets~1{id}/get"));
    assert_eq!(renamed.before.as_deref(), Some("fn get_pet(&self, pet_id: &str) -> Call<'_, Pet, serde_json::Value>"));
    assert_eq!(renamed.after.as_deref(), Some("fn fetch_pet(&self, id: &str) -> Call<'_, Pet, serde_json::Value>"));
    let removed = find("operation-removed", "DELETE");
    assert_eq!(
        (removed.old_pointer.as_deref(), removed.new_pointer.as_deref()),
        (Some("/paths/~1pets~1{petId}/delete"), None)
    );
    let narrowed = find("bound-narrowed", "maxLength");
    assert_eq!(narrowed.new_pointer.as_deref(), Some("/components/schemas/NewPet/properties/name"));
    // `NewPetKind` is an inline enum: no component schema has its name.
    let variant = find("variant-removed", "Bird");
    assert_eq!(variant.old_pointer, None);
}

#[test]
fn additions_alone_are_minor() {
    let report = compare("additions-v1.yaml", "additions-v2.yaml");
    assert_changes(
        &report,
        &[
            ("operation-added", Wire, Minor, "`GET /things/count`"),
            ("response-added", Wire, Minor, "response 429"),
            ("method-added", Rust, Minor, "`Client::count_things`"),
        ],
    );
    assert_eq!(report.verdict(), Minor);
}

#[test]
fn docs_and_deprecation_alone_are_a_patch() {
    let report = compare("docs-v1.yaml", "docs-v2.yaml");
    assert_changes(
        &report,
        &[("operation-deprecated", Wire, Patch, "`GET /ping`"), ("method-deprecated", Rust, Patch, "`Client::ping`")],
    );
    assert_eq!(report.verdict(), Patch);
    let same = compare("docs-v1.yaml", "docs-v1.yaml");
    assert!(same.changes().is_empty(), "{:?}", same.changes());
}

#[test]
fn a_recursive_schema_is_compared_once_per_direction() {
    let report = compare("tree-v1.yaml", "tree-v2.yaml");
    assert_changes(
        &report,
        &[
            ("bound-narrowed", Wire, Major, "`minLength` none became 3; the request is stricter"),
            ("bound-narrowed", Wire, Patch, "`minLength` none became 3; the response is stricter"),
        ],
    );
    for change in report.changes() {
        assert_eq!(change.new_pointer.as_deref(), Some("/components/schemas/Node/properties/label"));
    }
}

#[test]
fn the_changelog_entry_has_a_migration_note_per_breaking_rust_item() {
    let report = compare("pets-v1.yaml", "pets-v2.yaml");
    let markdown = report.markdown("2.0.0");
    assert!(markdown.starts_with("## 2.0.0\n\nA **major** release:"), "{markdown}");
    let migration = markdown.split("### Migration").nth(1).unwrap().split("\n### ").next().unwrap();
    let rust_breaking = report.changes().iter().filter(|c| c.surface == Rust && c.verdict == Major).count();
    assert_eq!(migration.lines().filter(|l| l.starts_with("- ")).count(), rust_breaking);
    assert!(migration.contains(
        "- `Client::get_pet` renamed to `Client::fetch_pet` (its operation id changed). Call the method by its new name.\n  \
         - before: `fn get_pet(&self, pet_id: &str) -> Call<'_, Pet, serde_json::Value>`\n  \
         - after: `fn fetch_pet(&self, id: &str) -> Call<'_, Pet, serde_json::Value>`"
    ));
    assert!(markdown.contains("### Breaking changes on the wire\n\n"));
    assert!(
        markdown.contains(
            "- Operation `DELETE /pets/{petId}` removed: calls to it fail (`#/paths/~1pets~1{petId}/delete`)"
        )
    );
}

#[test]
fn the_json_report_lists_every_change() {
    let report = compare("additions-v1.yaml", "additions-v2.yaml");
    let json: serde_json::Value = serde_json::from_str(&report.json()).unwrap();
    assert_eq!(json["verdict"], "minor");
    let changes = json["changes"].as_array().unwrap();
    assert_eq!(changes.len(), report.changes().len());
    assert_eq!(changes[0]["kind"], "response-added");
    assert_eq!(changes[0]["surface"], "wire");
    assert_eq!(changes[0]["new_pointer"], "/paths/~1things/get/responses/429");
}

#[test]
fn a_broken_document_is_a_located_error() {
    let good = fixture("docs-v1.yaml");
    let bad = Path::new("broken.yaml");
    let error = diff::diff(
        Document::File(&good),
        Document::Text { name: bad, text: "openapi: 3.0.3\npaths: [" },
        &Settings::new(),
    )
    .unwrap_err();
    assert!(error.to_string().contains("broken.yaml"), "{error}");
}

/// The dev corpus's two GitHub documents, 2020-08 (YAML) and 2023-04 (JSON): present only in the
/// development environment, so the test says so and passes without them.
#[test]
fn the_github_pair_compares_with_claims_that_hold() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/dev");
    let (old, new) =
        (corpus.join("github-api.github.com-2020-08.yaml"), corpus.join("github-api.github.com-2023-04.json"));
    if !old.is_file() || !new.is_file() {
        eprintln!("skipped: the GitHub documents of the dev corpus are not here");
        return;
    }
    let started = std::time::Instant::now();
    let report = diff::diff(Document::File(&old), Document::File(&new), &Settings::new()).unwrap();
    let took = started.elapsed();
    assert_eq!(report.verdict(), Major);
    let has = |kind: &str, verdict: Verdict, text: &str| {
        report.changes().iter().any(|c| c.kind.as_str() == kind && c.verdict == verdict && c.message.contains(text))
    };
    // Claims checked by hand against the two documents.
    assert!(has("operation-removed", Major, "`POST /content_references/{content_reference_id}/attachments`"));
    assert!(has("format-changed", Major, "format `uri` became `uri-template`"));
    assert!(has("type-changed", Major, "type `integer` became `number`; the response is looser"));
    assert!(has("property-required", Major, "property `event_type` became required; the request is stricter"));
    assert!(has("media-type-removed", Major, "`application/vnd.github.v3.star+json` of the 200 response"));
    assert!(has("field-added", Major, "`Installation::has_multiple_single_files` added"));
    assert!(has("type-removed", Major, "type `GistFull` removed"));
    // `minimal-repository.template_repository` was `type: string` and became an object: one type
    // change, not an added property per property of the object.
    assert!(has("type-changed", Major, "type `string` became `object`"));
    assert!(!report.changes().iter().any(|c| c.kind.as_str() == "property-added"
        && c.old_pointer.as_deref() == Some("/components/schemas/minimal-repository/properties/template_repository")));
    let mut counts = String::new();
    for (kind, count) in report.counts() {
        counts.push_str(&format!("{count} {kind}\n"));
    }
    eprintln!("{} changes in {took:?}:\n{counts}", report.changes().len());
}
