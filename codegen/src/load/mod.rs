//! Bytes to document: JSON or YAML, the version gate, Swagger 2.0 converted
//! and 3.1 normalised to the 3.0 model, `$ref`s to other files bundled in, and a source map from JSON
//! pointers to line:column.
//!
//! The order matters: parse → version gate (before anything else reads the
//! document) → Swagger 2.0 converted → bundle other files → normalise 3.1 and fix known mistakes in
//! one walk → check local `$ref`s (errors) → deserialize, repairing what
//! fails (warnings).

mod normalize;
pub(crate) mod parse;
mod refs;
mod repair;
mod source_map;
mod swagger2;
mod targets;
mod version;
mod walk;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::fidelity::{Cause, Fidelity};

pub(crate) use source_map::SourceMap;
pub(crate) use targets::{Targets, ref_pointer};

/// Where the document comes from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Input<'a> {
    /// A file on disk.
    File(&'a Path),
    /// Text in memory; `name` decides JSON or YAML by extension, names the
    /// document in messages, and anchors relative `$ref`s.
    Text { name: &'a Path, text: &'a str },
}

impl Input<'_> {
    /// The document's path as the user named it.
    pub(crate) fn path(&self) -> &Path {
        match self {
            Input::File(path) => path,
            Input::Text { name, .. } => name,
        }
    }
}

/// A loaded document, ready for `lower`.
#[derive(Debug)]
pub(crate) struct Loaded {
    /// The document in the 3.0 model, self-contained (no `$ref` leaves it).
    pub(crate) document: openapiv3::OpenAPI,
    /// What `$ref`s point at beside the component maps of `document`.
    pub(crate) targets: Targets,
    /// Pointers into `document` mapped to files and line:column.
    pub(crate) sources: SourceMap,
    /// Every warning found while loading, with pointers and locations.
    pub(crate) warnings: Vec<Diagnostic>,
    /// Every file read, the document first, as the user named them.
    pub(crate) files: Vec<PathBuf>,
    /// What loading left out or loosened.
    pub(crate) losses: Losses,
}

/// What loading did to the document that makes the client less faithful
/// to it: constructs left out, and schemas it loosened to read them.
#[derive(Debug, Default)]
pub(crate) struct Losses {
    /// Constructs left out (and tuples read as arrays).
    pub(crate) fidelity: Fidelity,
    /// Schemas made looser than the document says, by pointer: when one of
    /// them ends up free-form, `lower` counts a fallback with this cause
    /// instead of a free-form value.
    pub(crate) untyped: BTreeMap<String, Cause>,
}

/// Loads, checks, normalises and bundles a document. `Err` holds every
/// error found (with the warnings seen on the way, errors first).
pub(crate) fn load(input: Input<'_>) -> Result<Loaded, Vec<Diagnostic>> {
    let path = input.path().to_path_buf();
    let text: Arc<str> = match input {
        Input::Text { text, .. } => Arc::from(text),
        Input::File(file) => match read_file(file) {
            Ok(text) => Arc::from(text),
            Err(e) => return Err(vec![Diagnostic::error("", format!("cannot read `{}`: {e}", file.display()))]),
        },
    };
    let (mut document, format) = parse::parse(&path, &text)?;
    let mut sources = SourceMap::default();
    let root = sources.add_file(path.clone(), text, format);
    sources.mount("", root, "");
    let mut warnings = Vec::new();
    let mut losses = Losses::default();
    let mut errors = Vec::new();
    let mut files = vec![path.clone()];

    let mut version = match version::check(&mut document, &mut warnings) {
        Ok(version) => version,
        Err(e) => return Err(finish_errors(vec![e], warnings, &sources)),
    };
    if version == version::Version::V20 {
        let mut converted = Vec::new();
        let origins = swagger2::convert(&mut document, &mut converted);
        // These already point into the 2.0 document: locate them before the origins apply.
        locate_all(&mut converted, &sources);
        warnings.extend(converted);
        sources.set_origins(origins);
        version = version::Version::V30;
    }
    refs::Bundler::new(&path, &mut sources, &mut files, &mut errors).bundle(&mut document);
    normalize::normalize_document(&mut document, version, &mut warnings, &mut losses);
    // One walk does all per-object work: big documents have a million nodes.
    let mut local_refs = Vec::new();
    walk::walk(&mut document, walk::Kind::Document, &mut String::new(), &mut |kind, pointer, value| {
        if kind == walk::Kind::Schema {
            normalize::normalize_schema(pointer, value, &mut warnings, &mut losses);
        } else if kind == walk::Kind::Encoding {
            normalize::normalize_encoding(value);
        }
        repair::fix_known(kind, pointer, value, &mut warnings, &mut losses);
        if let Some(serde_json::Value::String(reference)) = value.get("$ref") {
            local_refs.push(refs::Found { kind, at: pointer.to_owned(), reference: reference.clone() });
        }
    });
    refs::check_local(&mut document, &local_refs, &mut errors);
    if !errors.is_empty() {
        return Err(finish_errors(errors, warnings, &sources));
    }
    let model = match repair::into_model(&mut document, &mut warnings, &mut losses) {
        Ok(model) => model,
        Err(e) => return Err(finish_errors(vec![e], warnings, &sources)),
    };
    let targets = Targets::collect(&document, &local_refs);
    drop(document);
    locate_all(&mut warnings, &sources);
    Ok(Loaded { document: model, targets, sources, warnings, files, losses })
}

/// Reads a document or a file reached through `$ref`. Only regular files:
/// `/dev/zero` never ends and a named pipe may never answer.
pub(crate) fn read_file(path: &Path) -> std::io::Result<String> {
    if !std::fs::metadata(path)?.is_file() {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file"));
    }
    std::fs::read_to_string(path)
}

/// Errors then warnings, each located.
fn finish_errors(mut errors: Vec<Diagnostic>, warnings: Vec<Diagnostic>, sources: &SourceMap) -> Vec<Diagnostic> {
    errors.extend(warnings);
    locate_all(&mut errors, sources);
    errors
}

fn locate_all(diagnostics: &mut [Diagnostic], sources: &SourceMap) {
    for d in diagnostics.iter_mut() {
        sources.place(d);
    }
}
