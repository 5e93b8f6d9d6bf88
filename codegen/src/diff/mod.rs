//! What a new version of a document changes, for the server's wire and for the generated Rust API,
//! with a semver verdict for the generated crate.
//!
//! Two comparisons, one report:
//!
//! - **wire** (`wire`, `schema`): the loaded, normalised documents side by side: operations,
//!   parameters, request bodies, responses, security and schemas (`$ref`s followed, cycles
//!   guarded). A schema change is judged by its direction: a request that gets stricter breaks
//!   calls that work today, a response that gets looser breaks clients that relied on it.
//! - **rust** (`api`): both documents lowered to Gusset's model of the client and compared as the
//!   code a user compiles against: methods, their signatures, types, fields and variants.
//!
//! Each [`Change`] has a [`Verdict`] (what it asks of the crate's version), its JSON pointers in
//! both documents and a message; the report's verdict is the highest of them. [`Report::markdown`]
//! writes a changelog entry with a migration note per breaking item.
//!
//! ```no_run
//! use gusset_codegen::{Settings, diff};
//! let report = diff::diff(
//!     diff::Document::File("openapi/v1.yaml".as_ref()),
//!     diff::Document::File("openapi/v2.yaml".as_ref()),
//!     &Settings::new(),
//! )?;
//! println!("{}", report.verdict());
//! for change in report.changes() {
//!     println!("{change}");
//! }
//! # Ok::<(), gusset_codegen::Error>(())
//! ```

mod api;
mod markdown;
mod schema;
mod wire;

use std::fmt;
use std::path::Path;

use crate::diagnostic::{Diagnostic, Error};
use crate::load::{self, Loaded};
use crate::settings::Settings;

/// One of the two documents to compare.
#[derive(Debug, Clone, Copy)]
pub enum Document<'a> {
    /// A file on disk.
    File(&'a Path),
    /// Text in memory (from `git show`, say): `name` decides JSON or YAML by extension, names the
    /// document in messages and anchors relative `$ref`s.
    Text {
        /// The file name the text stands for.
        name: &'a Path,
        /// The document's text.
        text: &'a str,
    },
}

impl<'a> Document<'a> {
    fn input(self) -> load::Input<'a> {
        match self {
            Document::File(path) => load::Input::File(path),
            Document::Text { name, text } => load::Input::Text { name, text },
        }
    }
}

/// What a change asks of the generated crate's version, lowest first (semver).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    /// Nothing a caller or the compiler can notice: docs, deprecations, looser responses' absence.
    Patch,
    /// Additions: existing code compiles and existing calls work.
    Minor,
    /// Something that compiles or works today may not after the change.
    Major,
}

impl Verdict {
    /// `major`, `minor` or `patch`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Patch => "patch",
            Verdict::Minor => "minor",
            Verdict::Major => "major",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which side of the client a change concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Surface {
    /// What goes over HTTP: calls that work against the old server and may not against the new.
    Wire,
    /// The generated Rust API: user code that compiles today and may not after regenerating.
    Rust,
}

impl Surface {
    /// `wire` or `rust`.
    pub fn as_str(self) -> &'static str {
        match self {
            Surface::Wire => "wire",
            Surface::Rust => "rust",
        }
    }
}

/// The kind of a change: a short stable name (`operation-removed`) for tools and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Kind(&'static str);

impl Kind {
    /// The name, in kebab case.
    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// One difference between the documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// What changed.
    pub kind: Kind,
    /// Wire or Rust API.
    pub surface: Surface,
    /// What it asks of the crate's version.
    pub verdict: Verdict,
    /// Where, in the old document (`None` for something added).
    pub old_pointer: Option<String>,
    /// Where, in the new document (`None` for something removed).
    pub new_pointer: Option<String>,
    /// What changed and why it has its verdict, in a sentence.
    pub message: String,
    /// For a Rust API change: the item before and after (a signature, a field), for the migration note.
    pub before: Option<String>,
    /// See [`before`](Self::before).
    pub after: Option<String>,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}: {}", self.verdict, self.surface.as_str(), self.kind, self.message)?;
        match (&self.old_pointer, &self.new_pointer) {
            (Some(old), Some(new)) if old == new => write!(f, " (at {})", show(old)),
            (Some(old), Some(new)) => write!(f, " (was {}, now {})", show(old), show(new)),
            (Some(old), None) => write!(f, " (was {})", show(old)),
            (None, Some(new)) => write!(f, " (at {})", show(new)),
            (None, None) => Ok(()),
        }
    }
}

fn show(pointer: &str) -> String {
    format!("#{pointer}")
}

/// Everything [`diff`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    changes: Vec<Change>,
    verdict: Verdict,
}

impl Report {
    /// Every change: wire changes first, then Rust API changes, each in document order.
    pub fn changes(&self) -> &[Change] {
        &self.changes
    }

    /// The highest verdict of any change; `Patch` when nothing changed that matters.
    pub fn verdict(&self) -> Verdict {
        self.verdict
    }

    /// The changes that decide the verdict.
    pub fn breaking(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.verdict == Verdict::Major)
    }

    /// The report as JSON, for tools: `{"verdict": ..., "changes": [{kind, surface, verdict,
    /// old_pointer, new_pointer, message, before, after}]}`.
    pub fn json(&self) -> String {
        let changes: Vec<serde_json::Value> = self
            .changes
            .iter()
            .map(|c| {
                serde_json::json!({
                    "kind": c.kind.as_str(),
                    "surface": c.surface.as_str(),
                    "verdict": c.verdict.as_str(),
                    "old_pointer": c.old_pointer,
                    "new_pointer": c.new_pointer,
                    "message": c.message,
                    "before": c.before,
                    "after": c.after,
                })
            })
            .collect();
        let value = serde_json::json!({ "verdict": self.verdict.as_str(), "changes": changes });
        serde_json::to_string_pretty(&value).unwrap_or_default()
    }

    /// A changelog entry for the generated crate at `version`, with a migration note per breaking
    /// Rust API item (the old and the new signature) and the wire changes that break calls.
    pub fn markdown(&self, version: &str) -> String {
        markdown::entry(self, version)
    }

    /// How many changes of each kind, most frequent first.
    pub fn counts(&self) -> Vec<(Kind, usize)> {
        let mut counts = std::collections::BTreeMap::new();
        for change in &self.changes {
            *counts.entry(change.kind).or_insert(0) += 1;
        }
        let mut counts: Vec<_> = counts.into_iter().collect();
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        counts
    }
}

/// Compares two documents: loads both (any error stops with all of them, located), compares
/// the wire, lowers both to the client model and compares the Rust API.
pub fn diff(old: Document<'_>, new: Document<'_>, settings: &Settings) -> Result<Report, Error> {
    let old_loaded = load(old)?;
    let new_loaded = load(new)?;
    let mut changes = wire::compare(&old_loaded, &new_loaded)?;
    let old_api = lower(&old_loaded, settings, old)?;
    let new_api = lower(&new_loaded, settings, new)?;
    let schemas = |loaded: &Loaded| -> std::collections::BTreeMap<String, String> {
        let keys = loaded.document.components.iter().flat_map(|c| c.schemas.keys());
        keys.map(|k| (crate::naming::type_name(k), k.clone())).collect()
    };
    changes.extend(api::compare(&old_api, &new_api, &schemas(&old_loaded), &schemas(&new_loaded)));
    for change in &mut changes {
        change.old_pointer = change.old_pointer.take().map(|p| old_loaded.sources.original(&p));
        change.new_pointer = change.new_pointer.take().map(|p| new_loaded.sources.original(&p));
    }
    // A component reached from several places (through `allOf` wrappers, say) reports its changes
    // once: an addition by where it is in the new document, anything else by the old.
    let mut seen = std::collections::HashSet::new();
    changes.retain(|c| {
        let at = if c.kind.0.ends_with("-added") { &c.new_pointer } else { &c.old_pointer };
        c.surface == Surface::Rust || seen.insert((c.kind, c.verdict, c.message.clone(), at.clone()))
    });
    let verdict = changes.iter().map(|c| c.verdict).max().unwrap_or(Verdict::Patch);
    Ok(Report { changes, verdict })
}

fn load(document: Document<'_>) -> Result<Loaded, Error> {
    load::load(document.input()).map_err(Error::new)
}

fn lower(loaded: &Loaded, settings: &Settings, document: Document<'_>) -> Result<crate::ir::Api, Error> {
    let name = crate::naming::module_name_from_path(document.input().path());
    let lowered = crate::lower::lower(loaded, settings, &name);
    let mut errors: Vec<Diagnostic> = lowered.diagnostics.into_iter().filter(Diagnostic::is_error).collect();
    match lowered.api {
        Some(api) if errors.is_empty() => Ok(api),
        _ => {
            if errors.is_empty() {
                errors.push(Diagnostic::error("", "the document does not describe a client"));
            }
            for d in &mut errors {
                loaded.sources.place(d);
            }
            Err(Error::new(errors))
        }
    }
}

/// A change under construction; the comparisons fill in what they know.
pub(crate) fn change(kind: &'static str, surface: Surface, verdict: Verdict, message: impl Into<String>) -> Change {
    Change {
        kind: Kind(kind),
        surface,
        verdict,
        old_pointer: None,
        new_pointer: None,
        message: message.into(),
        before: None,
        after: None,
    }
}

impl Change {
    pub(crate) fn at(mut self, old: Option<&str>, new: Option<&str>) -> Change {
        self.old_pointer = old.map(str::to_owned);
        self.new_pointer = new.map(str::to_owned);
        self
    }

    pub(crate) fn signatures(mut self, before: Option<String>, after: Option<String>) -> Change {
        self.before = before;
        self.after = after;
        self
    }
}
