//! Prism requires `readOnly` properties in requests.
//!
//! OpenAPI 3.0 (Schema Object, `readOnly`): "If the property is marked as readOnly being true and
//! is in the required list, the required will take effect on the response only." Prism applies
//! `required` to requests all the same ("Request body property policies.0 must have required
//! property 'id'", where `id` is a read-only identifier the server assigns), and when the body is
//! a `oneOf`, it also lists the violations of every other branch and the `oneOf` itself. The
//! typed client leaves read-only properties out of what it must send, so those violations are
//! Prism's: the one on the read-only property always, the others when the harness's validator
//! (which applies the rule) finds the body fits its schema.

use serde_json::Value;

use super::document::Document;

/// Nesting followed through `allOf`/`oneOf`/`anyOf` and `$ref`s before giving up.
const MAX_DEPTH: usize = 24;

/// Whether the property `missing`, at `place` in the body (`["body", "policies", "0"]`), is
/// `readOnly` and required in a schema the body's schema allows there.
pub(crate) fn required_read_only(doc: &Document, body_schema: &Value, place: &[&str], missing: &str) -> bool {
    let Some(("body", path)) = place.split_first().map(|(first, rest)| (*first, rest)) else { return false };
    let mut here = vec![body_schema];
    for segment in path {
        here = here.into_iter().flat_map(|s| variants(doc, s, 0)).filter_map(|s| child(doc, s, segment)).collect();
        if here.is_empty() {
            return false;
        }
    }
    here.into_iter().flat_map(|s| variants(doc, s, 0)).any(|s| {
        let required = s.get("required").and_then(Value::as_array).is_some_and(|r| r.iter().any(|n| n == missing));
        let read_only = s
            .get("properties")
            .and_then(|p| p.get(missing))
            .map(|p| doc.resolve(p))
            .is_some_and(|p| variants(doc, p, 0).iter().any(|v| v.get("readOnly") == Some(&Value::Bool(true))));
        required && read_only
    })
}

/// `schema`, resolved, and every schema its `allOf`, `oneOf` and `anyOf` hold, recursively.
fn variants<'a>(doc: &'a Document, schema: &'a Value, depth: usize) -> Vec<&'a Value> {
    let schema = doc.resolve(schema);
    let mut out = vec![schema];
    if depth >= MAX_DEPTH {
        return out;
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for part in schema.get(key).and_then(Value::as_array).into_iter().flatten() {
            out.extend(variants(doc, part, depth + 1));
        }
    }
    out
}

/// The schema of member `segment` of a value of `schema`: a property, the items of an array
/// (for an index), or the `additionalProperties` schema.
fn child<'a>(doc: &'a Document, schema: &'a Value, segment: &str) -> Option<&'a Value> {
    let property = schema.get("properties").and_then(|p| p.get(segment));
    let items = segment.parse::<usize>().ok().and_then(|_| schema.get("items"));
    let extra = schema.get("additionalProperties").filter(|a| a.is_object());
    property.or(items).or(extra).map(|s| doc.resolve(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r##"
components:
  schemas:
    Id: {type: string, readOnly: true}
    Policy:
      type: object
      required: [id, access]
      properties: {id: {$ref: '#/components/schemas/Id'}, access: {type: string}}
    WithPolicies:
      type: object
      required: [email, policies]
      properties: {email: {type: string}, policies: {type: array, items: {$ref: '#/components/schemas/Policy'}}}
    WithRoles:
      type: object
      required: [email, roles]
      properties: {email: {type: string}, roles: {type: array, items: {type: string}}}
    Member: {oneOf: [{$ref: '#/components/schemas/WithRoles'}, {$ref: '#/components/schemas/WithPolicies'}]}
"##;

    #[test]
    fn finds_a_read_only_required_property_through_references_unions_and_items() {
        let doc = Document::parse(DOC).unwrap();
        let member = serde_json::json!({"$ref": "#/components/schemas/Member"});
        assert!(required_read_only(&doc, &member, &["body", "policies", "0"], "id"));
        // Required but not read-only, read-only nowhere there, or a place the schema has not.
        assert!(!required_read_only(&doc, &member, &["body", "policies", "0"], "access"));
        assert!(!required_read_only(&doc, &member, &["body"], "roles"));
        assert!(!required_read_only(&doc, &member, &["body", "nothing", "0"], "id"));
        assert!(!required_read_only(&doc, &member, &["query", "policies"], "id"));
    }
}
