//! The one `$ref` resolver, for every kind of object `lower` reads. A local
//! reference may name anything in the document: a component entry (looked
//! up in the model's component maps) or anything else, such as the schema of
//! a parameter component or a response of another operation (read once by
//! `load` into [`Targets`]). References to other files were rewritten into
//! local ones by `load`. A chain of references is followed until it reaches
//! an object, at most [`MAX_HOPS`] hops, and a chain that comes back to a
//! reference it already followed is a cycle.

use indexmap::IndexMap;
use openapiv3::{Components, Parameter, PathItem, ReferenceOr, RequestBody, Response, Schema, SecurityScheme};

use super::Cx;
use crate::diagnostic::split;
use crate::load::{Targets, ref_pointer};

/// How many references one chain may follow. Real chains are a few hops
/// (an alias of an alias); past this, a chain is reported rather than walked.
pub(crate) const MAX_HOPS: usize = 64;

/// A kind of object that references can name.
pub(crate) trait Referable: Sized + 'static {
    /// The `components` map of this kind (`schemas`, `parameters`...).
    const SECTION: &'static str;
    /// The entries of that map (3.0 has none for path items).
    fn components(components: &Components) -> Option<&IndexMap<String, ReferenceOr<Self>>>;
    /// The targets `load` read for references of this kind.
    fn targets(targets: &Targets) -> &std::collections::BTreeMap<String, ReferenceOr<Self>>;
}

macro_rules! referable {
    ($type:ty, $section:literal, $components:ident, $targets:ident) => {
        impl Referable for $type {
            const SECTION: &'static str = $section;
            fn components(components: &Components) -> Option<&IndexMap<String, ReferenceOr<Self>>> {
                Some(&components.$components)
            }
            fn targets(targets: &Targets) -> &std::collections::BTreeMap<String, ReferenceOr<Self>> {
                &targets.$targets
            }
        }
    };
}

referable!(Schema, "schemas", schemas, schemas);
referable!(Parameter, "parameters", parameters, parameters);
referable!(RequestBody, "requestBodies", request_bodies, request_bodies);
referable!(Response, "responses", responses, responses);
referable!(SecurityScheme, "securitySchemes", security_schemes, security_schemes);

impl Referable for PathItem {
    const SECTION: &'static str = "pathItems";
    fn components(_: &Components) -> Option<&IndexMap<String, ReferenceOr<Self>>> {
        None
    }
    fn targets(targets: &Targets) -> &std::collections::BTreeMap<String, ReferenceOr<Self>> {
        &targets.path_items
    }
}

/// Why a reference does not lead to an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unresolved {
    /// Nothing of the expected kind is at this reference (a chain's last
    /// link, which may differ from the reference written at the use).
    Missing(String),
    /// The chain comes back to this reference.
    Cycle(String),
    /// The chain is longer than [`MAX_HOPS`].
    TooLong,
}

impl Unresolved {
    /// Why, for a warning: ``reference `#/a` does not resolve``.
    pub(crate) fn describe(&self, written: &str) -> String {
        match self {
            Unresolved::Missing(last) if last == written => format!("reference `{written}` does not resolve"),
            Unresolved::Missing(last) => format!("reference `{written}` leads to `{last}`, which does not resolve"),
            Unresolved::Cycle(at) => format!("reference `{written}` leads to a cycle of references at `{at}`"),
            Unresolved::TooLong => format!("reference `{written}` starts a chain of more than {MAX_HOPS} references"),
        }
    }
}

/// Where a chain of references ends.
pub(crate) enum Target<'a, T> {
    /// At a component entry (when asked to stop there): the name of the entry.
    Component { name: &'a str, pointer: String },
    /// At the object itself.
    Item { item: &'a T, pointer: String },
}

/// An object a reference (or no reference) led to.
pub(crate) struct Resolved<'a, T> {
    pub(crate) item: &'a T,
    /// Where the object is in the document: the pointer its parts hang from.
    pub(crate) pointer: String,
}

/// The object `r` (found at `at`) is or refers to.
pub(crate) fn resolve<'a, T: Referable>(
    cx: &Cx<'a>,
    r: &'a ReferenceOr<T>,
    at: &str,
) -> Result<Resolved<'a, T>, Unresolved> {
    match r {
        ReferenceOr::Item(item) => Ok(Resolved { item, pointer: at.to_owned() }),
        ReferenceOr::Reference { reference } => resolve_ref(cx, reference),
    }
}

/// The object the reference `reference` leads to.
pub(crate) fn resolve_ref<'a, T: Referable>(cx: &Cx<'a>, reference: &'a str) -> Result<Resolved<'a, T>, Unresolved> {
    match follow(cx, reference, false)? {
        Target::Item { item, pointer } => Ok(Resolved { item, pointer }),
        // Not asked to stop at components; `follow` does not return this then.
        Target::Component { pointer, .. } => Err(Unresolved::Missing(pointer)),
    }
}

/// Follows `reference` until it reaches an object or, with
/// `stop_at_component`, a component entry (schemas name their components).
pub(crate) fn follow<'a, T: Referable>(
    cx: &Cx<'a>,
    reference: &'a str,
    stop_at_component: bool,
) -> Result<Target<'a, T>, Unresolved> {
    let mut seen: Vec<String> = Vec::new();
    let mut reference = reference;
    for _ in 0..MAX_HOPS {
        let Some(pointer) = ref_pointer(reference) else { return Err(Unresolved::Missing(reference.to_owned())) };
        if seen.contains(&pointer) {
            return Err(Unresolved::Cycle(reference.to_owned()));
        }
        let (next, component) = lookup::<T>(cx, &pointer).ok_or_else(|| Unresolved::Missing(reference.to_owned()))?;
        if let (true, Some(name)) = (stop_at_component, component) {
            return Ok(Target::Component { name, pointer });
        }
        match next {
            ReferenceOr::Item(item) => return Ok(Target::Item { item, pointer }),
            ReferenceOr::Reference { reference: further } => {
                seen.push(pointer);
                reference = further;
            }
        }
    }
    Err(Unresolved::TooLong)
}

/// One hop: what `pointer` holds, and the component name when it is a
/// component entry.
fn lookup<'a, T: Referable>(cx: &Cx<'a>, pointer: &str) -> Option<(&'a ReferenceOr<T>, Option<&'a str>)> {
    let tokens = split(pointer);
    if let [c, section, name] = tokens.as_slice()
        && c == "components"
        && section == T::SECTION
    {
        let entries = T::components(cx.doc.components.as_ref()?)?;
        let (key, value) = entries.get_key_value(name.as_str())?;
        return Some((value, Some(key.as_str())));
    }
    T::targets(cx.targets).get(pointer).map(|value| (value, None))
}

#[cfg(test)]
mod tests {
    use super::MAX_HOPS;
    use crate::{Settings, generate_from_str};

    /// Every kind of object follows references the same way: through other
    /// references, into the interior of anything, up to one hop limit, and
    /// a chain that comes back on itself is a cycle, each with a warning.
    #[test]
    fn one_rule_for_chains_cycles_and_long_chains_of_every_kind() {
        let mut parameters = String::new();
        for i in 0..=MAX_HOPS {
            parameters.push_str(&format!(r##""long{i}": {{"$ref": "#/components/parameters/long{}"}},"##, i + 1));
        }
        let doc = format!(
            r##"{{"openapi": "3.0.3", "info": {{"title": "t", "version": "1"}},
            "paths": {{"/a": {{"get": {{
                "parameters": [
                    {{"$ref": "#/components/parameters/alias"}},
                    {{"$ref": "#/components/parameters/loop1"}},
                    {{"$ref": "#/components/parameters/long0"}}
                ],
                "responses": {{"200": {{"$ref": "#/components/responses/again"}}}}
            }}}}}},
            "components": {{
                "parameters": {{{parameters}
                    "long{end}": {{"name": "long", "in": "query", "schema": {{"type": "string"}}}},
                    "alias": {{"$ref": "#/components/parameters/kind"}},
                    "kind": {{"name": "kind", "in": "query", "required": true, "schema": {{"type": "string", "enum": ["a", "b"]}}}},
                    "loop1": {{"$ref": "#/components/parameters/loop2"}},
                    "loop2": {{"$ref": "#/components/parameters/loop1"}}
                }},
                "responses": {{
                    "again": {{"$ref": "#/components/responses/ok"}},
                    "ok": {{"description": "ok", "content": {{"application/json": {{
                        "schema": {{"$ref": "#/components/parameters/kind/schema"}}}}}}}}
                }}
            }}}}"##,
            end = MAX_HOPS + 1,
        );
        let generated = generate_from_str("refs.json", &doc, &Settings::new()).unwrap();
        let code: String = generated.code().split_whitespace().collect::<Vec<_>>().join(" ");
        // A reference to a reference, and a response's schema that is a parameter's.
        assert!(code.contains("pub fn get_a( &self, kind: &GetAKind, ) -> ::gusset::Call<'_, GetAKind,"), "{code}");
        let warnings: Vec<String> = generated.warnings().iter().map(|w| w.to_string()).collect();
        let about = |text: &str| warnings.iter().filter(|w| w.contains(text)).count();
        assert_eq!(about("`#/components/parameters/loop1` leads to a cycle of references"), 1, "{warnings:?}");
        assert_eq!(about(&format!("starts a chain of more than {MAX_HOPS} references")), 1, "{warnings:?}");
        let dropped: Vec<&str> = generated.fidelity().dropped().map(|f| f.pointer()).collect();
        assert_eq!(dropped, ["/paths/~1a/get/parameters/1", "/paths/~1a/get/parameters/2"]);
    }
}
