//! How faithfully a generated client types its document: every place typed
//! less precisely than the document says, every place the document itself
//! leaves free-form, and every construct left out, each with its JSON
//! pointer and a cause.
//!
//! Warnings say the same things in prose; this is the same information as
//! data, for tools that count (the corpus report, a conformance harness) and
//! for users who want to gate a build on it.

use std::collections::BTreeMap;
use std::fmt;

/// The typing fidelity of one generated client. Each place and cause is
/// listed once, in a stable order (category, then pointer, then cause), so
/// two runs over the same document give the same list.
///
/// ```
/// use gusset_codegen::{Category, Cause, Settings};
///
/// let document = r#"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/a": {"get": {
///     "responses": {"200": {"description": "any", "content": {"application/json": {"schema": {}}}}}}}}}"#;
/// let generated = gusset_codegen::generate_from_str("api.json", document, &Settings::new())?;
/// let fidelity = generated.fidelity();
/// // Nothing was typed less precisely than the document says...
/// assert_eq!(fidelity.fallbacks().count(), 0);
/// // ...but the document leaves the response body free-form.
/// let free: Vec<_> = fidelity.free_form().map(|e| (e.pointer(), e.cause())).collect();
/// assert!(free.contains(&("/paths/~1a/get/responses/200/content/application~1json/schema", Cause::AnyValue)));
/// assert_eq!(fidelity.totals()[&(Category::FreeForm, Cause::AnyValue)], 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fidelity {
    findings: Vec<Finding>,
}

impl Fidelity {
    /// Every finding: fallbacks first, then free-form values, then dropped constructs.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// Places gusset typed less precisely than the document says (mostly as
    /// `serde_json::Value`): each is a limitation of gusset or a construct
    /// it could not read, never the document's choice.
    pub fn fallbacks(&self) -> impl Iterator<Item = &Finding> {
        self.of(Category::Fallback)
    }

    /// Places typed as `serde_json::Value` (or a free-form JSON object)
    /// because the document allows any value there: `{}`, no `type`,
    /// `additionalProperties: true`, a body without a schema.
    pub fn free_form(&self) -> impl Iterator<Item = &Finding> {
        self.of(Category::FreeForm)
    }

    /// Constructs of the document the generated client leaves out (a
    /// parameter, a body, a response, a keyword it does not support).
    pub fn dropped(&self) -> impl Iterator<Item = &Finding> {
        self.of(Category::Dropped)
    }

    /// How many findings there are of each category and cause.
    pub fn totals(&self) -> BTreeMap<(Category, Cause), usize> {
        let mut totals = BTreeMap::new();
        for entry in &self.findings {
            *totals.entry((entry.category, entry.cause)).or_default() += 1;
        }
        totals
    }

    /// Whether the client types everything the document says, as precisely
    /// as it says it: no fallbacks and nothing dropped (free-form values are
    /// the document's own choice).
    pub fn is_faithful(&self) -> bool {
        self.findings.iter().all(|e| e.category == Category::FreeForm)
    }

    fn of(&self, category: Category) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |e| e.category == category)
    }

    pub(crate) fn record(&mut self, category: Category, pointer: impl Into<String>, cause: Cause) {
        self.findings.push(Finding { category, pointer: pointer.into(), cause });
    }

    /// Adds `other`'s findings (load's to lower's).
    pub(crate) fn extend(&mut self, other: Fidelity) {
        self.findings.extend(other.findings);
    }

    /// Sorted and without repeats: a path-level parameter is lowered once
    /// per operation but is one place in the document.
    /// Rewrites every pointer through `original`: for a converted document
    /// (Swagger 2.0), the pointer of what the user wrote.
    pub(crate) fn map_pointers(&mut self, original: impl Fn(&str) -> String) {
        for finding in &mut self.findings {
            finding.pointer = original(&finding.pointer);
        }
    }

    pub(crate) fn finish(&mut self) {
        self.findings.sort();
        self.findings.dedup();
    }
}

/// One place of the document and why it is in the [`Fidelity`] report.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Finding {
    category: Category,
    pointer: String,
    cause: Cause,
}

impl Finding {
    /// Fallback, free-form or dropped.
    pub fn category(&self) -> Category {
        self.category
    }

    /// RFC 6901 JSON pointer into the document (`""` is the whole document).
    pub fn pointer(&self) -> &str {
        &self.pointer
    }

    /// Why.
    pub fn cause(&self) -> Cause {
        self.cause
    }
}

impl fmt::Display for Finding {
    /// `fallback: all-of-conflict at #/components/schemas/A`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} at #{}", self.category, self.cause, self.pointer)
    }
}

/// Which list an [`Finding`] belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Category {
    /// Typed less precisely than the document says.
    Fallback,
    /// Free-form because the document allows any value.
    FreeForm,
    /// Left out of the client.
    Dropped,
}

impl Category {
    /// A stable name: `fallback`, `free-form`, `dropped`.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Fallback => "fallback",
            Category::FreeForm => "free-form",
            Category::Dropped => "dropped",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a place is typed less precisely, free-form, or left out. Names from
/// [`Cause::as_str`] are stable: tools may match on them. New causes may be
/// added in any release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Cause {
    /// A `$ref` that does not resolve to an object of the expected kind.
    UnresolvedRef,
    /// References or aliases that only name each other, with no type in the loop.
    RefCycle,
    /// Schemas nested deeper than gusset follows.
    TooDeep,
    /// An `allOf` that mixes objects with other kinds of schema.
    AllOfConflict,
    /// An `allOf` that merges a schema into itself.
    AllOfCycle,
    /// A schema of several types (`type: [string, integer]`).
    TypeList,
    /// A `not` schema, which Rust types cannot express.
    Not,
    /// A schema that only allows `null`.
    OnlyNull,
    /// A `oneOf` or `anyOf` without members, which no value matches.
    EmptyUnion,
    /// A tuple (`prefixItems`), read as an array of any of its item schemas.
    Tuple,
    /// An object the document got wrong in a way the loader could not
    /// read; the warning at the pointer says what.
    Unreadable,
    /// A `$ref` to an object that was itself left out as unreadable.
    DanglingRef,
    /// An operation whose error responses have JSON bodies of different
    /// types (not one object described in several places): the error type
    /// is `serde_json::Value`.
    SeveralErrorTypes,
    /// A parameter described by `content`, sent as a string.
    ParameterContent,

    /// A schema with no type and no constraints (`{}`).
    AnyValue,
    /// An object with no properties whose other properties may be anything.
    AnyObject,
    /// An array without `items`.
    AnyItems,
    /// A request or response body, or a parameter, without a schema.
    NoSchema,
    /// An operation with no error response that has a JSON body.
    UndocumentedError,
    /// A name listed in `required` with no property of that name and no
    /// `additionalProperties` schema: a required field of any value.
    RequiredWithoutProperty,
    /// Properties beside a `oneOf`/`anyOf` left out of a branch that is not an object.
    PropertiesBesideUnion,

    /// A header or cookie parameter whose name is not a valid HTTP token.
    InvalidHeaderName,
    /// A path parameter that does not appear in the path template.
    ParameterNotInPath,
    /// A request body whose only media types are multipart types other
    /// than `multipart/form-data`.
    UnsupportedMultipart,
    /// An HTTP authentication scheme other than bearer and basic.
    UnsupportedAuth,
    /// A server URL with a variable that has no default.
    ServerVariable,
    /// A JSON Schema keyword with no OpenAPI 3.0 meaning (`if`, `contains`...).
    UnsupportedKeyword,
    /// `webhooks`: requests the API sends, not ones a client makes.
    Webhooks,
    /// A path that does not start with `/`.
    InvalidPath,
    /// A response key that is not a status code.
    InvalidStatus,
    /// Content on a `204` or `205` response, which HTTP forbids (RFC 9110 §15.3.5, §15.3.6):
    /// the response is read as empty.
    ContentOnEmptyStatus,
}

impl Cause {
    /// A stable, kebab-case name (`unresolved-ref`, `any-value`...).
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::UnresolvedRef => "unresolved-ref",
            Cause::RefCycle => "ref-cycle",
            Cause::TooDeep => "too-deep",
            Cause::AllOfConflict => "all-of-conflict",
            Cause::AllOfCycle => "all-of-cycle",
            Cause::TypeList => "type-list",
            Cause::Not => "not",
            Cause::OnlyNull => "only-null",
            Cause::EmptyUnion => "empty-union",
            Cause::Tuple => "tuple",
            Cause::Unreadable => "unreadable",
            Cause::DanglingRef => "dangling-ref",
            Cause::SeveralErrorTypes => "several-error-types",
            Cause::ParameterContent => "parameter-content",
            Cause::AnyValue => "any-value",
            Cause::AnyObject => "any-object",
            Cause::AnyItems => "any-items",
            Cause::NoSchema => "no-schema",
            Cause::UndocumentedError => "undocumented-error",
            Cause::RequiredWithoutProperty => "required-without-property",
            Cause::PropertiesBesideUnion => "properties-beside-union",
            Cause::InvalidHeaderName => "invalid-header-name",
            Cause::ParameterNotInPath => "parameter-not-in-path",
            Cause::UnsupportedMultipart => "unsupported-multipart",
            Cause::UnsupportedAuth => "unsupported-auth",
            Cause::ServerVariable => "server-variable",
            Cause::UnsupportedKeyword => "unsupported-keyword",
            Cause::Webhooks => "webhooks",
            Cause::InvalidPath => "invalid-path",
            Cause::InvalidStatus => "invalid-status",
            Cause::ContentOnEmptyStatus => "content-on-empty-status",
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_are_sorted_once_each_and_totalled() {
        let mut fidelity = Fidelity::default();
        fidelity.record(Category::Dropped, "/paths/~1a", Cause::InvalidPath);
        fidelity.record(Category::FreeForm, "/b", Cause::AnyValue);
        fidelity.record(Category::Fallback, "/c", Cause::Not);
        fidelity.record(Category::FreeForm, "/b", Cause::AnyValue);
        fidelity.finish();
        let shown: Vec<String> = fidelity.findings().iter().map(Finding::to_string).collect();
        assert_eq!(
            shown,
            ["fallback: not at #/c", "free-form: any-value at #/b", "dropped: invalid-path at #/paths/~1a"]
        );
        assert_eq!(fidelity.totals()[&(Category::FreeForm, Cause::AnyValue)], 1);
        assert!(!fidelity.is_faithful());
        assert_eq!(fidelity.dropped().map(Finding::pointer).collect::<Vec<_>>(), ["/paths/~1a"]);
    }
}
