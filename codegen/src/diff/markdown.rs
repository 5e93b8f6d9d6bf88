//! The changelog entry and migration note of a [`Report`], in Markdown.

use std::fmt::Write as _;

use super::{Change, Report, Surface, Verdict};

/// `## <version>`, the verdict, then: breaking changes to the Rust API, each with what to change
/// in user code and the old and new item; wire changes that break calls; additions; the rest.
pub(super) fn entry(report: &Report, version: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## {version}\n");
    let changes = report.changes();
    let count = |v: Verdict| changes.iter().filter(|c| c.verdict == v).count();
    let _ = writeln!(
        out,
        "A **{}** release: {} breaking, {} additive and {} other changes to the API document.\n",
        report.verdict(),
        count(Verdict::Major),
        count(Verdict::Minor),
        count(Verdict::Patch)
    );
    let rust_breaking: Vec<&Change> =
        changes.iter().filter(|c| c.surface == Surface::Rust && c.verdict == Verdict::Major).collect();
    if !rust_breaking.is_empty() {
        out.push_str("### Migration\n\n");
        for change in rust_breaking {
            let _ = writeln!(out, "- {}. {}", sentence(&change.message), advice(change));
            if let Some(before) = &change.before {
                let _ = writeln!(out, "  - before: `{before}`");
            }
            if let Some(after) = &change.after {
                let _ = writeln!(out, "  - after: `{after}`");
            }
        }
        out.push('\n');
    }
    section(&mut out, "### Breaking changes on the wire", changes, Some(Surface::Wire), Verdict::Major);
    section(&mut out, "### Added", changes, Some(Surface::Rust), Verdict::Minor);
    section(&mut out, "### Compatible changes on the wire", changes, Some(Surface::Wire), Verdict::Minor);
    section(&mut out, "### Other", changes, None, Verdict::Patch);
    out
}

fn section(out: &mut String, title: &str, changes: &[Change], surface: Option<Surface>, verdict: Verdict) {
    let picked: Vec<&Change> =
        changes.iter().filter(|c| surface.is_none_or(|s| c.surface == s) && c.verdict == verdict).collect();
    if picked.is_empty() {
        return;
    }
    let _ = writeln!(out, "{title}\n");
    for change in picked {
        let at = change.new_pointer.as_ref().or(change.old_pointer.as_ref());
        match at {
            Some(at) => {
                let _ = writeln!(out, "- {} (`#{at}`)", sentence(&change.message));
            }
            None => {
                let _ = writeln!(out, "- {}", sentence(&change.message));
            }
        }
    }
    out.push('\n');
}

/// What a user changes in their code, per kind.
fn advice(change: &Change) -> &'static str {
    match change.kind.as_str() {
        "method-removed" => "Remove the calls; the operation is gone from the API.",
        "method-renamed" => "Call the method by its new name.",
        "method-signature-changed" => "Update the calls to the new signature.",
        "type-removed" => "Stop naming the type; what used it says what replaces it.",
        "type-changed" => "Update the code that builds or reads the type.",
        "field-removed" => "Stop setting or reading the field.",
        "field-added" => {
            "Set the new field in struct literals (or end them with `..Default::default()` where the struct has `Default`)."
        }
        "field-required" => "Set the field to a value instead of an `Option`; read it without unwrapping.",
        "field-type-changed" => "Convert to the field's new type where it is set or read.",
        "variant-removed" => "Remove the match arms and uses of the variant.",
        "variant-added" => "Add a match arm for the variant, or a wildcard arm.",
        "variant-changed" => "Update the match arms to the variant's new payload.",
        _ => "Review the uses.",
    }
}

/// The message with a capital first letter and no trailing full stop.
fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    let text = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    text.trim_end_matches('.').to_owned()
}
