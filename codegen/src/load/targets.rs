//! What `$ref`s point at outside the component maps: the interior of a
//! component (`#/components/parameters/sort/schema`), of a path
//! (`#/paths/~1pets/get/responses/200`), or anything else in the document.
//! The 3.0 model only holds components by name, so each such target is read
//! once from the raw document into the model, keyed by its pointer, and
//! `lower`'s resolver looks there after the components.

use std::collections::BTreeMap;

use openapiv3::{Parameter, PathItem, ReferenceOr, RequestBody, Response, Schema, SecurityScheme};
use serde_json::Value;

use crate::diagnostic::split;

use super::refs::{Found, percent_decode, resolve};
use super::repair::try_as;
use super::walk::Kind;

/// Objects named by `$ref`s that are not entries of a component map, by the
/// JSON pointer of the object (as [`ref_pointer`] spells it).
#[derive(Debug, Default)]
pub(crate) struct Targets {
    pub(crate) schemas: BTreeMap<String, ReferenceOr<Schema>>,
    pub(crate) parameters: BTreeMap<String, ReferenceOr<Parameter>>,
    pub(crate) request_bodies: BTreeMap<String, ReferenceOr<RequestBody>>,
    pub(crate) responses: BTreeMap<String, ReferenceOr<Response>>,
    pub(crate) security_schemes: BTreeMap<String, ReferenceOr<SecurityScheme>>,
    pub(crate) path_items: BTreeMap<String, ReferenceOr<PathItem>>,
}

/// The JSON pointer a local `$ref` names (`#/paths/~1a%7Bb%7D` →
/// `/paths/~1a{b}`); `None` for anything but a local JSON pointer.
pub(crate) fn ref_pointer(reference: &str) -> Option<String> {
    let pointer = percent_decode(reference.strip_prefix('#')?);
    pointer.starts_with('/').then_some(pointer)
}

/// Whether `pointer` is an entry of the component map of `kind`
/// (`/components/schemas/Pet` for a schema): those the model already holds.
fn is_component_entry(kind: Kind, pointer: &str) -> bool {
    let tokens = split(pointer);
    matches!(tokens.as_slice(), [c, section, _] if c == "components" && Some(section.as_str()) == kind.section())
}

impl Targets {
    /// Reads the target of every reference in `found` that the component
    /// maps do not hold, from `document` as it was read into the model. A
    /// target that does not read as the kind its reference expects is left
    /// out: `lower` reports the reference as unresolved where it is used.
    pub(crate) fn collect(document: &Value, found: &[Found]) -> Targets {
        let mut targets = Targets::default();
        for Found { kind, reference, .. } in found {
            let Some(pointer) = ref_pointer(reference) else { continue };
            if is_component_entry(*kind, &pointer) {
                continue;
            }
            let Some(value) = resolve(document, &pointer) else { continue };
            match kind {
                Kind::Schema => read(&mut targets.schemas, pointer, value),
                Kind::Parameter => read(&mut targets.parameters, pointer, value),
                Kind::RequestBody => read(&mut targets.request_bodies, pointer, value),
                Kind::Response => read(&mut targets.responses, pointer, value),
                Kind::SecurityScheme => read(&mut targets.security_schemes, pointer, value),
                Kind::PathItem => read(&mut targets.path_items, pointer, value),
                // Nothing of these kinds is lowered.
                _ => {}
            }
        }
        targets
    }
}

fn read<T: for<'de> serde::Deserialize<'de>>(
    table: &mut BTreeMap<String, ReferenceOr<T>>,
    pointer: String,
    value: &Value,
) {
    if table.contains_key(&pointer) {
        return;
    }
    if let Ok(target) = try_as::<ReferenceOr<T>>(value) {
        table.insert(pointer, target);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn found(kind: Kind, reference: &str) -> Found {
        Found { kind, at: String::new(), reference: reference.to_owned() }
    }

    #[test]
    fn reads_targets_outside_the_component_maps_once_each() {
        let document = json!({
            "paths": {"/a{b}": {"get": {"responses": {"200": {"description": "ok"}}}}},
            "components": {
                "schemas": {"S": {"type": "string"}},
                "parameters": {"p": {"name": "p", "in": "query", "schema": {"type": "integer"}}}
            }
        });
        let targets = Targets::collect(
            &document,
            &[
                found(Kind::Schema, "#/components/schemas/S"),
                found(Kind::Schema, "#/components/parameters/p/schema"),
                found(Kind::Schema, "#/components/parameters/p/schema"),
                found(Kind::Response, "#/paths/~1a%7Bb%7D/get/responses/200"),
                // A parameter is not a schema: left for `lower` to report.
                found(Kind::Schema, "#/components/parameters/p/name"),
            ],
        );
        assert_eq!(targets.schemas.keys().collect::<Vec<_>>(), ["/components/parameters/p/schema"]);
        assert_eq!(targets.responses.keys().collect::<Vec<_>>(), ["/paths/~1a{b}/get/responses/200"]);
        assert!(targets.parameters.is_empty());
    }

    #[test]
    fn ref_pointers_are_local_json_pointers() {
        assert_eq!(ref_pointer("#/paths/~1jobs~1%7Bid%7D").as_deref(), Some("/paths/~1jobs~1{id}"));
        assert_eq!(ref_pointer("#anchor"), None);
        assert_eq!(ref_pointer("other.yaml#/a"), None);
    }
}
