//! Document to model: all validation, naming and de-duplication happen here.
//!
//! `lower` is the only stage that judges a document. It never stops at the
//! first problem: each one becomes a [`Diagnostic`] with a JSON pointer, and a
//! construct that cannot be typed precisely degrades to `serde_json::Value`
//! with a warning, so one bad schema or operation never sinks the document.

mod accept;
mod content;
mod deprecation;
mod direction;
mod docs;
mod object;
mod operation;
mod pagination;
mod params;
mod recursion;
mod refs;
mod schema;
mod security;
mod shape;
mod share;
mod streaming;
mod union;

use std::collections::BTreeMap;

use openapiv3::OpenAPI;

use crate::diagnostic::Diagnostic;
use crate::fidelity::{Category, Cause, Fidelity};
use crate::ir::{Api, TypeDef};
use crate::load::{Loaded, Targets};
use crate::naming::Namespace;
use crate::settings::Settings;

pub(crate) use docs::docs;

/// A doc line that quotes document text as code (an enum value, a path):
/// backticks become quotes so the text cannot end the code span, and
/// control and bidirectional-text characters go, since this text does not
/// pass through [`docs`] (a CR breaks a `///` comment, bidi controls could
/// make a line read as other code).
pub(crate) fn code_line(text: &str) -> String {
    format!("`{}`", text.replace('`', "'")).chars().filter(|&c| !docs::is_hidden(c)).collect()
}

/// What lowering produced: a model when the document could be turned into
/// one, and every problem found either way.
#[derive(Debug)]
pub(crate) struct Lowered {
    pub(crate) api: Option<Api>,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// What the model types less precisely than the document, or leaves out.
    pub(crate) fidelity: Fidelity,
    /// Operations shaped like listings (see `pagination::settle`), paginated or not.
    pub(crate) listings: usize,
}

/// Shared state of one lowering run.
pub(crate) struct Cx<'a> {
    pub(crate) doc: &'a OpenAPI,
    /// What references name beside the component maps of `doc`.
    pub(crate) targets: &'a Targets,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// The type namespace of the generated module.
    pub(crate) names: Namespace,
    /// Component schema name → generated type name (assigned before any
    /// schema is lowered, so forward and circular `$ref`s resolve).
    pub(crate) components: BTreeMap<String, String>,
    /// Finished types by generated name.
    pub(crate) types: BTreeMap<String, TypeDef>,
    /// How many `lower_use` calls are under way (see `schema::MAX_DEPTH`).
    pub(crate) depth: usize,
    /// Types of the schemas references name outside `components/schemas`,
    /// by pointer, lowered once each.
    pub(crate) inline_refs: BTreeMap<String, crate::ir::TypeRef>,
    /// References whose schemas an `allOf` is copying right now.
    pub(crate) merging: Vec<&'a str>,
    pub(crate) fidelity: Fidelity,
    /// Schemas `load` loosened, with why (see `load::Losses`).
    pub(crate) untyped: &'a BTreeMap<String, Cause>,
    /// Where each named type was defined, for findings about types.
    pub(crate) type_pointers: BTreeMap<String, String>,
    /// The first named type defined at each pointer, so a reference to a
    /// schema already lowered where it is shares its type.
    pub(crate) type_at: BTreeMap<String, String>,
    /// Operations whose error types are settled after sharing.
    pub(crate) several_errors: Vec<content::SeveralErrors>,
    /// Media types already reported as unusable in `Accept`: a response
    /// component many operations share is reported once.
    pub(crate) warned_media_types: std::collections::BTreeSet<String>,
}

impl<'a> Cx<'a> {
    pub(crate) fn warn(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::warning(pointer, message));
    }

    /// Records a finding for the fidelity report.
    pub(crate) fn note(&mut self, category: Category, pointer: impl Into<String>, cause: Cause) {
        self.fidelity.record(category, pointer, cause);
    }

    /// A warning and the fallback it describes.
    pub(crate) fn fall_back(&mut self, pointer: impl Into<String>, cause: Cause, message: impl Into<String>) {
        let pointer = pointer.into();
        self.note(Category::Fallback, pointer.clone(), cause);
        self.warn(pointer, message);
    }

    /// A warning and the construct it says is left out.
    pub(crate) fn drop_with(&mut self, pointer: impl Into<String>, cause: Cause, message: impl Into<String>) {
        let pointer = pointer.into();
        self.note(Category::Dropped, pointer.clone(), cause);
        self.warn(pointer, message);
    }

    /// The schema at `pointer` is typed free-form: the document's choice
    /// (`cause`), unless `load` loosened it, which makes it a fallback.
    pub(crate) fn free_form(&mut self, pointer: &str, cause: Cause) {
        match self.untyped.get(pointer) {
            Some(&loosened) => self.note(Category::Fallback, pointer, loosened),
            None => self.note(Category::FreeForm, pointer, cause),
        }
    }
}

pub(crate) fn lower(loaded: &Loaded, settings: &Settings, _module: &str) -> Lowered {
    let doc = &loaded.document;
    let mut cx = Cx {
        doc,
        targets: &loaded.targets,
        diagnostics: Vec::new(),
        names: crate::naming::reserved_types(),
        components: BTreeMap::new(),
        types: BTreeMap::new(),
        depth: 0,
        inline_refs: BTreeMap::new(),
        merging: Vec::new(),
        fidelity: Fidelity::default(),
        untyped: &loaded.losses.untyped,
        type_pointers: BTreeMap::new(),
        type_at: BTreeMap::new(),
        several_errors: Vec::new(),
        warned_media_types: std::collections::BTreeSet::new(),
    };

    // Every component gets its name first, in sorted order: component names
    // win over names derived from context, and the result does not depend on
    // the order of keys in the document.
    let mut component_names: Vec<&String> =
        doc.components.as_ref().map(|c| c.schemas.keys().collect()).unwrap_or_default();
    component_names.sort();
    for name in component_names {
        let type_name = cx.names.claim(crate::naming::type_name(name));
        cx.components.insert(name.clone(), type_name);
    }
    schema::lower_components(&mut cx);

    let security_schemes = security::lower_schemes(&mut cx);
    let (mut operations, version_header) = operation::lower_operations(&mut cx, &security_schemes);

    let api_version = settings
        .api_version
        .clone()
        .or_else(|| version_header.as_ref().map(|(_, value)| value.clone()))
        .unwrap_or_else(|| doc.info.version.clone());
    let version_header = settings.version_header.clone().or(version_header.map(|(name, _)| name));

    let mut types: Vec<TypeDef> = std::mem::take(&mut cx.types).into_values().collect();
    for name in recursion::box_cycles(&mut types) {
        let pointer = cx.type_pointers.get(&name).cloned().unwrap_or_default();
        cx.fall_back(
            pointer,
            Cause::RefCycle,
            format!("`{name}` only names itself through other names; typed as `serde_json::Value`"),
        );
    }
    share::share_identical(&mut types, &cx.components.values().cloned().collect());
    recursion::mark_long_cycles(&mut types);
    content::settle_errors(&mut cx, &types, &mut operations);
    let listings = pagination::settle(&mut cx, settings, &types, &mut operations);
    // A mock decodes what the client sends and encodes what it receives: both ways too.
    if !settings.serde_both_ways && !settings.dynamic_calls && !settings.mock {
        direction::mark_directions(&mut types, &operations);
    }

    let api = Api {
        title: doc.info.title.clone(),
        docs: docs(&[Some(doc.info.title.as_str()), doc.info.description.as_deref()]),
        api_version,
        version_header,
        servers: security::lower_servers(&mut cx),
        security_schemes,
        types,
        operations,
        dynamic_calls: settings.dynamic_calls,
        mock: settings.mock,
    };
    Lowered { api: Some(api), diagnostics: cx.diagnostics, fidelity: cx.fidelity, listings }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Enum values and paths reach doc lines without passing through the doc
    /// cleaner: what could break or disguise the comment is dropped here.
    #[test]
    fn code_lines_lose_control_and_bidi_characters_and_backticks() {
        assert_eq!(code_line("a\r\u{202e}b\u{2066}c\0`d"), "`abc'd`");
    }
}
