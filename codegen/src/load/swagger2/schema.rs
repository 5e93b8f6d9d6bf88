//! Swagger 2.0 schemas, and the simple-typed fields of parameters, headers
//! and items, as OpenAPI 3.0 schemas.

use serde_json::{Map, Value};

/// Where a local 2.0 `$ref` points in the converted document, or `None`
/// when it is not one of the three 2.0 component maps (references into
/// other files stay as written: the bundler reads those files as they are).
pub(super) fn rewrite_ref(reference: &str) -> Option<String> {
    const MOVES: [(&str, &str); 3] = [
        ("#/definitions/", "#/components/schemas/"),
        ("#/parameters/", "#/components/parameters/"),
        ("#/responses/", "#/components/responses/"),
    ];
    MOVES.iter().find_map(|(from, to)| reference.strip_prefix(from).map(|rest| format!("{to}{rest}")))
}

/// Rewrites a `$ref` member of `object` in place, if it is a local 2.0 one.
pub(super) fn rewrite_ref_in(object: &mut Map<String, Value>) {
    if let Some(Value::String(reference)) = object.get_mut("$ref")
        && let Some(new) = rewrite_ref(reference)
    {
        *reference = new;
    }
}

/// Converts a 2.0 schema object in place: `$ref`s rewritten, `x-nullable`
/// to `nullable`, `type: file` to a binary string, a `discriminator` name
/// to a discriminator object, and the same for every subschema.
pub(super) fn convert_schema(schema: &mut Value) {
    let Some(object) = schema.as_object_mut() else { return };
    rewrite_ref_in(object);
    nullable_and_file(object);
    if let Some(Value::String(name)) = object.get("discriminator") {
        let mut discriminator = Map::new();
        discriminator.insert("propertyName".to_owned(), Value::String(name.clone()));
        object.insert("discriminator".to_owned(), Value::Object(discriminator));
    }
    for key in ["properties", "patternProperties"] {
        if let Some(Value::Object(properties)) = object.get_mut(key) {
            properties.values_mut().for_each(convert_schema);
        }
    }
    for key in ["additionalProperties", "not", "items"] {
        match object.get_mut(key) {
            // Old JSON Schema allowed a list of schemas for `items`.
            Some(Value::Array(items)) => items.iter_mut().for_each(convert_schema),
            Some(value) => convert_schema(value),
            None => {}
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(parts)) = object.get_mut(key) {
            parts.iter_mut().for_each(convert_schema);
        }
    }
}

/// `x-nullable: true` to `nullable: true`; `type: file` to
/// `type: string, format: binary`.
fn nullable_and_file(object: &mut Map<String, Value>) {
    if let Some(nullable) = object.shift_remove("x-nullable")
        && nullable == Value::Bool(true)
    {
        object.insert("nullable".to_owned(), Value::Bool(true));
    }
    if object.get("type").and_then(Value::as_str) == Some("file") {
        object.insert("type".to_owned(), Value::String("string".to_owned()));
        object.insert("format".to_owned(), Value::String("binary".to_owned()));
    }
}

/// The fields of a 2.0 parameter, header or items object that describe its
/// value; they move into the 3.0 `schema`.
const VALUE_FIELDS: [&str; 16] = [
    "type",
    "format",
    "items",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "enum",
    "multipleOf",
];

/// Moves the value fields of a non-body parameter, header or items object
/// out of `object` into a new schema. `collectionFormat` is left in
/// `object` for the caller; nested ones (arrays of arrays) are dropped, as
/// OpenAPI 3 has no style for inner arrays.
pub(super) fn take_simple_schema(object: &mut Map<String, Value>) -> Value {
    let mut schema = Map::new();
    for field in VALUE_FIELDS {
        if let Some(value) = object.shift_remove(field) {
            schema.insert(field.to_owned(), value);
        }
    }
    if let Some(nullable) = object.shift_remove("x-nullable") {
        schema.insert("x-nullable".to_owned(), nullable);
    }
    nullable_and_file(&mut schema);
    if let Some(items) = schema.get_mut("items") {
        if let Some(inner) = items.as_object_mut()
            && !inner.contains_key("$ref")
        {
            inner.shift_remove("collectionFormat");
            *items = take_simple_schema(inner);
        } else {
            convert_schema(items);
        }
    }
    Value::Object(schema)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn refs_move_to_components_and_other_files_stay() {
        assert_eq!(rewrite_ref("#/definitions/Pet").as_deref(), Some("#/components/schemas/Pet"));
        assert_eq!(rewrite_ref("#/parameters/limit").as_deref(), Some("#/components/parameters/limit"));
        assert_eq!(rewrite_ref("#/responses/NotFound").as_deref(), Some("#/components/responses/NotFound"));
        assert_eq!(rewrite_ref("common.yaml#/definitions/Pet"), None);
        assert_eq!(rewrite_ref("#/paths/~1pets"), None);
    }

    #[test]
    fn schemas_are_converted_all_the_way_down() {
        let mut schema = json!({
            "type": "object",
            "discriminator": "kind",
            "properties": {
                "photo": {"type": "file"},
                "owner": {"$ref": "#/definitions/Owner", "x-nullable": true},
                "tags": {"type": "array", "items": {"$ref": "#/definitions/Tag"}},
                "extra": {"additionalProperties": {"type": "string", "x-nullable": false}}
            },
            "allOf": [{"$ref": "#/definitions/Base"}]
        });
        convert_schema(&mut schema);
        assert_eq!(
            schema,
            json!({
                "type": "object",
                "discriminator": {"propertyName": "kind"},
                "properties": {
                    "photo": {"type": "string", "format": "binary"},
                    "owner": {"$ref": "#/components/schemas/Owner", "nullable": true},
                    "tags": {"type": "array", "items": {"$ref": "#/components/schemas/Tag"}},
                    "extra": {"additionalProperties": {"type": "string"}}
                },
                "allOf": [{"$ref": "#/components/schemas/Base"}]
            })
        );
    }

    #[test]
    fn simple_fields_move_into_a_schema() {
        let mut parameter = json!({
            "name": "ids", "in": "query", "type": "array", "collectionFormat": "multi", "maxItems": 3,
            "items": {"type": "array", "collectionFormat": "pipes", "items": {"type": "integer", "minimum": 1}}
        });
        let Value::Object(object) = &mut parameter else { unreachable!() };
        let schema = take_simple_schema(object);
        assert_eq!(
            schema,
            json!({"type": "array", "maxItems": 3, "items": {"type": "array", "items": {"type": "integer", "minimum": 1}}})
        );
        assert_eq!(parameter, json!({"name": "ids", "in": "query", "collectionFormat": "multi"}));
    }
}
