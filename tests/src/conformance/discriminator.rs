//! OpenAPI's `discriminator`: which branch of a `oneOf` (or `anyOf`) a value selects, and the
//! one Prism defect about it the conformance command tells apart.
//!
//! Prism does not support discriminators (its guide on errors says so of the message
//! "must match exactly one schema in oneOf": "Prism does not support discriminators at this
//! time"). It validates a `oneOf` as plain JSON Schema, so when the branches overlap, as they
//! usually do (every branch accepts the other branches' properties; the discriminator is what
//! tells them apart), it rejects a valid request. [`prism_misses_discriminator`] says when a
//! such a violation is Prism's: only when the value the client sent is shown valid by the
//! discriminator's rule (see there).

use serde_json::Value;

use super::document::Document;
use super::synth::check;

/// The branch of `schema`'s `oneOf`/`anyOf` that `value`'s discriminator property selects:
/// through the `mapping` (a value maps to a reference; a branch is that reference, or a branch
/// whose `allOf` reaches it), else by the branch's component name, else by the branch's own
/// `enum`/`const` for the property. `None` when `schema` has no discriminator, `value` has no
/// string at its property, or no branch is selected.
pub(crate) fn selected_branch<'a>(doc: &'a Document, schema: &'a Value, value: &Value) -> Option<&'a Value> {
    let discriminator = discriminator_of(doc, schema)?;
    let property = discriminator.get("propertyName")?.as_str()?;
    let tag = value.get(property)?.as_str()?;
    let branches = schema.get("oneOf").or_else(|| schema.get("anyOf"))?.as_array()?;
    let mapped = discriminator.get("mapping").and_then(|m| m.get(tag)).and_then(Value::as_str);
    if let Some(target) = mapped {
        let target = if target.starts_with('#') { target.to_owned() } else { format!("#/components/schemas/{target}") };
        return branches.iter().find(|b| reaches(doc, b, &target, 0)).or_else(|| doc.pointer(&target));
    }
    let named =
        branches.iter().find(|b| b.get("$ref").and_then(Value::as_str).and_then(|r| r.rsplit('/').next()) == Some(tag));
    named.or_else(|| {
        branches.iter().find(|b| {
            let own = doc.resolve(b).get("properties").and_then(|p| p.get(property)).map(|p| doc.resolve(p));
            own.is_some_and(|own| {
                own.get("const").and_then(Value::as_str) == Some(tag)
                    || own
                        .get("enum")
                        .and_then(Value::as_array)
                        .is_some_and(|e| e.iter().any(|v| v.as_str() == Some(tag)))
            })
        })
    })
}

/// The discriminator of a `oneOf`/`anyOf` schema: its own, else the one every branch inherits
/// through its `allOf` (`Cat: allOf: [$ref: Pet]` with the discriminator on `Pet`).
pub(crate) fn discriminator_of<'a>(doc: &'a Document, schema: &'a Value) -> Option<&'a Value> {
    if let Some(own) = schema.get("discriminator") {
        return Some(own);
    }
    let branches = schema.get("oneOf").or_else(|| schema.get("anyOf"))?.as_array()?;
    let mut found: Option<&Value> = None;
    for branch in branches {
        let parts = doc.resolve(branch).get("allOf")?.as_array()?;
        let own = parts.iter().find_map(|p| doc.resolve(p).get("discriminator"))?;
        match found {
            Some(d) if d.get("propertyName") != own.get("propertyName") => return None,
            Some(_) => {}
            None => found = Some(own),
        }
    }
    found
}

/// Whether `schema` is the reference `target`, or inherits it through `allOf`.
fn reaches(doc: &Document, schema: &Value, target: &str, depth: usize) -> bool {
    if depth > 16 {
        return false;
    }
    if schema.get("$ref").and_then(Value::as_str) == Some(target) {
        return true;
    }
    let resolved = doc.resolve(schema);
    resolved
        .get("allOf")
        .and_then(Value::as_array)
        .is_some_and(|parts| parts.iter().any(|p| reaches(doc, p, target, depth + 1)))
}

/// Whether Prism's violation `message` at `location` (`["body", "a", "0", ...]`, with or
/// without a leading `request`) is its missing discriminator support on a valid request. The
/// rule: the message is "must match exactly one schema in oneOf"; the schema at that location
/// of the request body schema has a `oneOf` and a `discriminator`; the body the client sent
/// (`sent`, as it went on the wire) has, at that location, a discriminator value that selects
/// a branch ([`selected_branch`]); and that branch accepts the value ([`check`]). OpenAPI's
/// rule for such a schema is exactly that ("the discriminator ... aid[s] in serialization,
/// deserialization, and validation": the value names its schema).
pub(crate) fn prism_misses_discriminator(
    doc: &Document,
    body_schema: &Value,
    sent: &Value,
    location: &[String],
    message: &str,
) -> bool {
    let Some((schema, value)) = one_of_at(doc, body_schema, sent, location, message) else { return false };
    selected_branch(doc, schema, value).is_some_and(|branch| check(doc, &without_one_of(schema, branch), value).is_ok())
}

/// Whether Prism's "must match exactly one schema in oneOf" at `location` is the document's: its
/// branches overlap, so what the typed client sends for one branch matches another as well
/// (Ably's subscription body is a `oneOf` of two open objects, `{channel, deviceId}` and
/// `{channel, clientId}`, which every object matches). The rule: the schema at that location
/// has a `oneOf` with no discriminator that selects a branch for the value; the value sent there matches at least two branches
/// ([`check`]); and one of those declares every member of the value, so the value is one
/// branch's own, not a mix. The caller also asks that Prism listed no violation of a branch
/// there: with none matching, it lists why each failed.
pub(crate) fn branches_overlap(
    doc: &Document,
    body_schema: &Value,
    sent: &Value,
    location: &[String],
    message: &str,
) -> bool {
    let Some((schema, value)) = one_of_at(doc, body_schema, sent, location, message) else { return false };
    let Some(branches) = schema.get("oneOf").and_then(Value::as_array) else { return false };
    // A discriminator that selects a branch for the value is `prism_misses_discriminator`'s to
    // judge; one that selects none (its property is not in the value: readme's
    // `connector_type` sits beside the union, not in its branches) tells no branch apart.
    if selected_branch(doc, schema, value).is_some() {
        return false;
    }
    let matching: Vec<&Value> =
        branches.iter().filter(|b| check(doc, &without_one_of(schema, b), value).is_ok()).collect();
    let Value::Object(members) = value else { return false };
    matching.len() >= 2
        && matching.iter().any(|b| members.keys().all(|name| property(doc, b, value, name, 0).is_some()))
}

/// The `oneOf` schema (resolved) and the value sent at `location` of the body, when `message`
/// is Prism's "must match exactly one schema in oneOf" there.
fn one_of_at<'a>(
    doc: &'a Document,
    body_schema: &'a Value,
    sent: &'a Value,
    location: &[String],
    message: &str,
) -> Option<(&'a Value, &'a Value)> {
    if !message.contains("must match exactly one schema in oneOf") {
        return None;
    }
    let mut path = location.iter().map(String::as_str).skip_while(|s| *s == "request");
    if path.next() != Some("body") {
        return None;
    }
    let (schema, value) = descend(doc, body_schema, sent, path.collect::<Vec<_>>().as_slice(), 0)?;
    let schema = doc.resolve(schema);
    schema.get("oneOf").is_some().then_some((schema, value))
}

/// The schema of the member at `path` (`["shards"]`, `["items", "0"]`) of the body `sent`, whose
/// schema is `body_schema`; `None` when the path leaves the schema or the value.
pub(crate) fn schema_at<'a>(
    doc: &'a Document,
    body_schema: &'a Value,
    sent: &'a Value,
    path: &[&str],
) -> Option<&'a Value> {
    descend(doc, body_schema, sent, path, 0).map(|(schema, _)| schema)
}

/// The schema with its `oneOf` replaced by the selected branch (its other keywords, such as
/// sibling `properties`, still apply).
fn without_one_of(schema: &Value, branch: &Value) -> Value {
    let mut out = schema.clone();
    if let Value::Object(members) = &mut out {
        members.remove("oneOf");
        members.remove("anyOf");
        members.remove("discriminator");
        members.insert("allOf".into(), Value::Array(vec![branch.clone()]));
    }
    out
}

/// The schema and value at `path` below `schema` and `value`: through properties (also those
/// of `allOf` parts and of the branch a discriminator selects), `items` and
/// `additionalProperties`.
fn descend<'a>(
    doc: &'a Document,
    schema: &'a Value,
    value: &'a Value,
    path: &[&str],
    depth: usize,
) -> Option<(&'a Value, &'a Value)> {
    let Some((first, rest)) = path.split_first() else { return Some((schema, value)) };
    if depth > 64 {
        return None;
    }
    let schema = doc.resolve(schema);
    let child = match value {
        Value::Array(items) => items.get(first.parse::<usize>().ok()?)?,
        Value::Object(members) => members.get(*first)?,
        _ => return None,
    };
    let child_schema = match value {
        Value::Array(_) => schema.get("items"),
        _ => property(doc, schema, value, first, depth),
    }?;
    descend(doc, child_schema, child, rest, depth + 1)
}

/// The schema of property `name` of object schema `schema` for `value`.
fn property<'a>(doc: &'a Document, schema: &'a Value, value: &Value, name: &str, depth: usize) -> Option<&'a Value> {
    if depth > 64 {
        return None;
    }
    let schema = doc.resolve(schema);
    if let Some(found) = schema.get("properties").and_then(|p| p.get(name)) {
        return Some(found);
    }
    let parts = schema.get("allOf").and_then(Value::as_array).into_iter().flatten();
    let branch = selected_branch(doc, schema, value);
    parts
        .chain(branch)
        .find_map(|part| property(doc, part, value, name, depth + 1))
        .or_else(|| schema.get("additionalProperties").filter(|a| a.is_object()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    const PETS: &str = r#"
components:
  schemas:
    Pet:
      type: object
      required: [kind]
      properties: {kind: {type: string}}
    Cat:
      allOf:
        - $ref: '#/components/schemas/Pet'
        - {type: object, properties: {lives: {type: integer, maximum: 9}}}
    Dog:
      allOf:
        - $ref: '#/components/schemas/Pet'
        - {type: object, properties: {barks: {type: boolean}}}
    Either:
      oneOf: [{$ref: '#/components/schemas/Cat'}, {$ref: '#/components/schemas/Dog'}]
      discriminator: {propertyName: kind, mapping: {cat: '#/components/schemas/Cat'}}
    Animal:
      type: object
      required: [kind]
      properties: {kind: {type: string}}
      discriminator: {propertyName: kind, mapping: {moo: '#/components/schemas/Cow'}}
    Cow:
      allOf: [{$ref: '#/components/schemas/Animal'}, {properties: {spots: {type: integer}}}]
    Hen:
      allOf: [{$ref: '#/components/schemas/Animal'}, {properties: {eggs: {type: integer}}}]
    Farm:
      oneOf: [{$ref: '#/components/schemas/Cow'}, {$ref: '#/components/schemas/Hen'}]
    Holder:
      type: object
      properties: {pets: {type: array, items: {$ref: '#/components/schemas/Either'}}}
"#;

    fn doc() -> Document {
        Document::parse(PETS).unwrap()
    }

    #[test]
    fn the_branch_is_chosen_by_mapping_then_by_schema_name() {
        let d = doc();
        let either = d.pointer("#/components/schemas/Either").unwrap();
        let cat = selected_branch(&d, either, &json!({"kind": "cat"})).unwrap();
        assert_eq!(cat["$ref"], "#/components/schemas/Cat");
        let dog = selected_branch(&d, either, &json!({"kind": "Dog"})).unwrap();
        assert_eq!(dog["$ref"], "#/components/schemas/Dog");
        assert!(selected_branch(&d, either, &json!({"kind": "cow"})).is_none());
        assert!(selected_branch(&d, either, &json!({"lives": 3})).is_none());
    }

    #[test]
    fn a_discriminator_inherited_through_all_of_selects_the_branch() {
        let d = doc();
        let farm = d.pointer("#/components/schemas/Farm").unwrap();
        assert_eq!(discriminator_of(&d, farm).unwrap()["propertyName"], "kind");
        assert_eq!(selected_branch(&d, farm, &json!({"kind": "moo"})).unwrap()["$ref"], "#/components/schemas/Cow");
        assert_eq!(selected_branch(&d, farm, &json!({"kind": "Hen"})).unwrap()["$ref"], "#/components/schemas/Hen");
        // Either's branches inherit none: only its own counts.
        let pets = json!({"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}]});
        assert!(discriminator_of(&d, &pets).is_none());
    }

    #[test]
    fn prisms_one_of_violation_is_its_own_only_for_a_value_the_selected_branch_accepts() {
        let d = doc();
        let holder = json!({"$ref": "#/components/schemas/Holder"});
        let location: Vec<String> = ["request", "body", "pets", "1"].iter().map(|s| (*s).to_owned()).collect();
        let message = "must match exactly one schema in oneOf";
        // Overlapping branches: `{"kind": "cat"}` is a valid Dog in plain JSON Schema too.
        let sent = json!({"pets": [{"kind": "Dog"}, {"kind": "cat", "lives": 3}]});
        assert!(prism_misses_discriminator(&d, &holder, &sent, &location, message));
        // The selected branch rejects it: a real violation.
        let bad = json!({"pets": [{"kind": "Dog"}, {"kind": "cat", "lives": 12}]});
        assert!(!prism_misses_discriminator(&d, &holder, &bad, &location, message));
        // No branch selected, another message, or a place without a discriminator.
        let unknown = json!({"pets": [{"kind": "Dog"}, {"kind": "cow"}]});
        assert!(!prism_misses_discriminator(&d, &holder, &unknown, &location, message));
        assert!(!prism_misses_discriminator(&d, &holder, &sent, &location, "must be integer"));
        let top: Vec<String> = vec!["body".into()];
        assert!(!prism_misses_discriminator(&d, &holder, &sent, &top, message));
    }

    #[test]
    fn one_of_branches_that_overlap_are_the_documents() {
        let d = Document::parse(
            r#"
components:
  schemas:
    Subscription:
      oneOf:
        - {type: object, properties: {channel: {type: string}, deviceId: {type: string}}}
        - {type: object, properties: {channel: {type: string}, clientId: {type: string}}}
"#,
        )
        .unwrap();
        let body = json!({"$ref": "#/components/schemas/Subscription"});
        let at: Vec<String> = vec!["request".into(), "body".into()];
        let message = "Request body must match exactly one schema in oneOf";
        // One branch's own value, which the other branch accepts too.
        assert!(branches_overlap(&d, &body, &json!({"channel": "c", "clientId": "me"}), &at, message));
        // A value that mixes both branches' members is no branch's own.
        assert!(!branches_overlap(
            &d,
            &body,
            &json!({"channel": "c", "clientId": "me", "deviceId": "d"}),
            &at,
            message
        ));
        // One that only one branch accepts is no overlap: Prism had another reason.
        assert!(!branches_overlap(&d, &body, &json!({"channel": "c", "deviceId": 5}), &at, message));
        // A discriminator that selects a branch is Prism's own defect, judged by
        // `prism_misses_discriminator`; one whose property the value lacks tells nothing apart.
        let either = json!({"$ref": "#/components/schemas/Either"});
        assert!(!branches_overlap(&doc(), &either, &json!({"kind": "Dog"}), &at, message));
        assert!(branches_overlap(&doc(), &either, &json!({"kind": "cow"}), &at, message));
    }
}
