//! Swagger 2.0 documents converted, checked piece by piece, and the
//! pointers of converted nodes mapped back to what the user wrote.

use std::path::Path;

use serde_json::{Value, json};

use super::*;
use crate::load::{Input, load};

fn converted(mut document: Value) -> (Value, Origins, Vec<Diagnostic>) {
    let mut warnings = Vec::new();
    let origins = convert(&mut document, &mut warnings);
    (document, origins, warnings)
}

fn pets() -> Value {
    json!({
        "swagger": "2.0",
        "info": {"title": "Pets", "version": "1"},
        "host": "pets.example.com",
        "basePath": "/v1/",
        "schemes": ["http", "https"],
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "paths": {
            "/pets": {
                "parameters": [{"$ref": "#/parameters/trace"}],
                "get": {
                    "operationId": "listPets",
                    "parameters": [
                        {"name": "tags", "in": "query", "type": "array", "items": {"type": "string"}, "collectionFormat": "multi"},
                        {"name": "ids", "in": "query", "type": "array", "items": {"type": "integer"}},
                        {"name": "sort", "in": "query", "type": "array", "items": {"type": "string"}, "collectionFormat": "pipes"},
                        {"$ref": "#/parameters/limit"}
                    ],
                    "responses": {
                        "200": {
                            "description": "the pets",
                            "schema": {"type": "array", "items": {"$ref": "#/definitions/Pet"}},
                            "headers": {"X-Next": {"type": "string", "description": "next page"}},
                            "examples": {"application/json": [{"name": "Rex"}]}
                        },
                        "default": {"$ref": "#/responses/Problem"}
                    }
                },
                "post": {
                    "operationId": "addPet",
                    "parameters": [{"$ref": "#/parameters/pet"}],
                    "responses": {"201": {"description": "added"}}
                }
            },
            "/pets/{id}/photo": {
                "put": {
                    "operationId": "uploadPhoto",
                    "consumes": ["multipart/form-data"],
                    "produces": ["text/plain"],
                    "parameters": [
                        {"name": "id", "in": "path", "required": true, "type": "integer", "format": "int64"},
                        {"name": "photo", "in": "formData", "type": "file", "required": true, "description": "the image"},
                        {"name": "labels", "in": "formData", "type": "array", "items": {"type": "string"}, "collectionFormat": "multi"}
                    ],
                    "responses": {"200": {"description": "stored", "schema": {"type": "string"}}}
                }
            }
        },
        "definitions": {
            "Pet": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string"},
                    "owner": {"$ref": "#/definitions/Owner"},
                    "nickname": {"type": "string", "x-nullable": true}
                }
            },
            "Owner": {"type": "object", "properties": {"name": {"type": "string"}}}
        },
        "parameters": {
            "limit": {"name": "limit", "in": "query", "type": "integer", "default": 20},
            "trace": {"name": "X-Trace", "in": "header", "type": "string"},
            "pet": {"name": "pet", "in": "body", "required": true, "schema": {"$ref": "#/definitions/Pet"}}
        },
        "responses": {
            "Problem": {"description": "a problem", "schema": {"$ref": "#/definitions/Owner"}}
        },
        "securityDefinitions": {
            "basic": {"type": "basic"},
            "key": {"type": "apiKey", "name": "X-Key", "in": "header"},
            "app": {"type": "oauth2", "flow": "application", "tokenUrl": "https://auth.example.com/token", "scopes": {"read": "read pets"}},
            "code": {"type": "oauth2", "flow": "accessCode", "authorizationUrl": "https://auth.example.com/authorize", "tokenUrl": "https://auth.example.com/token"}
        },
        "security": [{"key": []}],
        "tags": [{"name": "pets"}],
        "x-audience": "public"
    })
}

#[test]
fn host_base_path_and_schemes_become_servers_https_first() {
    let (doc, _, warnings) = converted(pets());
    assert!(warnings.is_empty(), "{warnings:#?}");
    assert_eq!(doc["openapi"], "3.0.3");
    assert_eq!(doc["servers"], json!([{"url": "https://pets.example.com/v1"}, {"url": "http://pets.example.com/v1"}]));
    let (doc, ..) = converted(json!({"swagger": "2.0", "basePath": "api", "paths": {}}));
    assert_eq!(doc["servers"], json!([{"url": "/api"}]));
    let (doc, ..) = converted(json!({"swagger": "2.0", "host": "h.example", "paths": {}}));
    assert_eq!(doc["servers"], json!([{"url": "https://h.example"}]));
    let (doc, ..) = converted(json!({"swagger": "2.0", "paths": {}}));
    assert!(doc.get("servers").is_none());
}

#[test]
fn collection_formats_become_styles() {
    let (doc, ..) = converted(pets());
    let params = &doc["paths"]["/pets"]["get"]["parameters"];
    assert_eq!(
        params[0],
        json!({"name": "tags", "in": "query", "style": "form", "explode": true, "schema": {"type": "array", "items": {"type": "string"}}})
    );
    // Without a collectionFormat, 2.0 means csv: one comma-separated value.
    assert_eq!((&params[1]["style"], &params[1]["explode"]), (&json!("form"), &json!(false)));
    assert_eq!((&params[2]["style"], &params[2]["explode"]), (&json!("pipeDelimited"), &json!(false)));
    assert_eq!(params[3], json!({"$ref": "#/components/parameters/limit"}));
    assert_eq!(doc["components"]["parameters"]["limit"]["schema"], json!({"type": "integer", "default": 20}));
    assert_eq!(doc["paths"]["/pets"]["parameters"], json!([{"$ref": "#/components/parameters/trace"}]));
}

#[test]
fn body_and_form_parameters_become_request_bodies() {
    let (doc, ..) = converted(pets());
    assert_eq!(
        doc["paths"]["/pets"]["post"]["requestBody"],
        json!({"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}})
    );
    assert!(doc["paths"]["/pets"]["post"].get("parameters").is_none());
    assert!(doc["components"]["parameters"].get("pet").is_none(), "a body parameter is no component parameter");
    let upload = &doc["paths"]["/pets/{id}/photo"]["put"];
    assert_eq!(upload["parameters"][0]["schema"], json!({"type": "integer", "format": "int64"}));
    assert_eq!(
        upload["requestBody"],
        json!({"required": true, "content": {"multipart/form-data": {"schema": {
            "type": "object",
            "properties": {
                "photo": {"type": "string", "format": "binary", "description": "the image"},
                "labels": {"type": "array", "items": {"type": "string"}}
            },
            "required": ["photo"]
        }}}})
    );
    assert_eq!(upload["responses"]["200"]["content"], json!({"text/plain": {"schema": {"type": "string"}}}));
    // No consumes and no file: a form.
    let (doc, ..) = converted(json!({"swagger": "2.0", "paths": {"/login": {"post": {
        "parameters": [{"name": "user", "in": "formData", "type": "string"}],
        "responses": {"204": {"description": "in"}}
    }}}}));
    let content = &doc["paths"]["/login"]["post"]["requestBody"]["content"];
    assert_eq!(content.as_object().map(|c| c.keys().cloned().collect::<Vec<_>>()), Some(vec![operation_form()]));
}

fn operation_form() -> String {
    "application/x-www-form-urlencoded".to_owned()
}

#[test]
fn responses_get_content_headers_and_examples() {
    let (doc, ..) = converted(pets());
    let ok = &doc["paths"]["/pets"]["get"]["responses"]["200"];
    assert_eq!(
        ok["content"],
        json!({"application/json": {
            "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}},
            "example": [{"name": "Rex"}]
        }})
    );
    assert_eq!(ok["headers"]["X-Next"], json!({"description": "next page", "schema": {"type": "string"}}));
    assert_eq!(doc["paths"]["/pets"]["get"]["responses"]["default"], json!({"$ref": "#/components/responses/Problem"}));
    assert_eq!(
        doc["components"]["responses"]["Problem"]["content"]["application/json"]["schema"],
        json!({"$ref": "#/components/schemas/Owner"})
    );
    assert_eq!(
        doc["components"]["schemas"]["Pet"]["properties"]["nickname"],
        json!({"type": "string", "nullable": true})
    );
}

#[test]
fn security_definitions_become_schemes() {
    let (doc, ..) = converted(pets());
    assert_eq!(
        doc["components"]["securitySchemes"],
        json!({
            "basic": {"type": "http", "scheme": "basic"},
            "key": {"type": "apiKey", "name": "X-Key", "in": "header"},
            "app": {"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": "https://auth.example.com/token", "scopes": {"read": "read pets"}}}},
            "code": {"type": "oauth2", "flows": {"authorizationCode": {
                "authorizationUrl": "https://auth.example.com/authorize", "tokenUrl": "https://auth.example.com/token", "scopes": {}
            }}}
        })
    );
    assert_eq!(doc["security"], json!([{"key": []}]));
    assert_eq!(doc["tags"], json!([{"name": "pets"}]));
    assert_eq!(doc["x-audience"], "public");
}

#[test]
fn converted_pointers_map_back_to_what_was_written() {
    let (_, origins, _) = converted(pets());
    for (converted, original) in [
        ("/components/schemas/Pet/properties/name", "/definitions/Pet/properties/name"),
        ("/paths/~1pets/post/requestBody/content/application~1json/schema", "/parameters/pet/schema"),
        ("/paths/~1pets/get/parameters/1/schema/items", "/paths/~1pets/get/parameters/1/items"),
        (
            "/paths/~1pets/get/responses/200/content/application~1json/schema/items",
            "/paths/~1pets/get/responses/200/schema/items",
        ),
        (
            "/paths/~1pets/get/responses/200/content/application~1json/example",
            "/paths/~1pets/get/responses/200/examples/application~1json",
        ),
        (
            "/paths/~1pets/get/responses/200/headers/X-Next/schema/type",
            "/paths/~1pets/get/responses/200/headers/X-Next/type",
        ),
        (
            "/paths/~1pets~1{id}~1photo/put/requestBody/content/multipart~1form-data/schema/properties/photo",
            "/paths/~1pets~1{id}~1photo/put/parameters/1",
        ),
        ("/components/securitySchemes/app/flows", "/securityDefinitions/app/flows"),
        ("/components/parameters/limit/schema", "/parameters/limit"),
        ("/servers/1/url", "/host"),
        ("/paths/~1pets/get/operationId", "/paths/~1pets/get/operationId"),
    ] {
        assert_eq!(origins.original(converted), original, "{converted}");
    }
}

#[test]
fn broken_constructs_are_warnings_at_the_2_0_pointer() {
    let (doc, _, warnings) = converted(json!({
        "swagger": "2.0",
        "paths": {"/x": {"get": {
            "parameters": [
                {"name": "a", "in": "cookie", "type": "string"},
                {"$ref": "#/parameters/missing"},
                7,
                {"name": "b", "in": "header", "type": "array", "items": {"type": "string"}, "collectionFormat": "multi"},
                {"name": "c", "in": "query", "type": "array", "items": {"type": "string"}, "collectionFormat": "tsv"}
            ],
            "responses": {"200": {"description": "ok", "examples": {"application/json": 1}}}
        }}},
        "securityDefinitions": {"odd": {"type": "oauth2", "flow": "device"}, "weird": {"type": "mtls"}},
        "openapi": "3.0.0"
    }));
    let found: Vec<(&str, &str)> = warnings.iter().map(|w| (w.pointer.as_str(), w.message.as_str())).collect();
    let pointers: Vec<&str> = found.iter().map(|(p, _)| *p).collect();
    assert_eq!(
        pointers,
        [
            "/securityDefinitions/odd/flow",
            "/securityDefinitions/weird/type",
            "/paths/~1x/get/parameters/0/in",
            "/paths/~1x/get/parameters/1/$ref",
            "/paths/~1x/get/parameters/2",
            "/paths/~1x/get/parameters/3/collectionFormat",
            "/paths/~1x/get/parameters/4/collectionFormat",
            "/paths/~1x/get/responses/200/examples",
            "/openapi",
        ],
        "{found:#?}"
    );
    assert_eq!(found[2].1, "a parameter with `in: cookie` was skipped");
    assert_eq!(found[6].1, "`collectionFormat: tsv` has no OpenAPI 3 style in query; sent as `csv`");
    assert_eq!(doc["paths"]["/x"]["get"]["parameters"].as_array().map(Vec::len), Some(2));
    assert!(doc["components"].get("securitySchemes").is_none());
}

#[test]
fn anything_that_is_not_an_object_converts_without_panicking() {
    for document in [
        json!({"swagger": "2.0", "paths": []}),
        json!({"swagger": "2.0", "paths": {"/a": 1, "/b": {"get": 2, "post": {"parameters": 3, "responses": 4}}}}),
        json!({"swagger": "2.0", "definitions": [], "parameters": 1, "responses": {"a": 1}, "securityDefinitions": 2}),
        json!({"swagger": "2.0", "host": 1, "basePath": [], "schemes": "https", "consumes": 5}),
        json!({"swagger": "2.0", "paths": {"/a": {"parameters": [{"in": "body"}, {"in": "formData"}], "get": {"responses": {}}}}}),
    ] {
        let _ = converted(document);
    }
}

const LOADED: &str = r##"swagger: "2.0"
info: {title: Pets, version: "1"}
host: pets.example.com
paths:
  /pets:
    post:
      parameters:
        - name: pet
          in: body
          schema:
            type: object
            properties:
              owner: {$ref: "#/definitions/Missing"}
      responses:
        "204": {description: added}
"##;

#[test]
fn a_load_error_on_a_converted_node_names_the_2_0_pointer_and_line() {
    let Err(errors) = load(Input::Text { name: Path::new("pets.yaml"), text: LOADED }) else {
        panic!("a reference to nothing loaded")
    };
    let error = errors.iter().find(|e| e.is_error()).unwrap_or_else(|| panic!("no error: {errors:#?}"));
    assert_eq!(error.pointer, "/paths/~1pets/post/parameters/0/schema/properties/owner/$ref");
    let location = error.location.as_ref().map(|l| (l.line, l.column));
    assert_eq!(location, Some((13, 23)), "{error}");
}

#[test]
fn a_lower_warning_on_a_converted_node_names_the_2_0_pointer_and_line() {
    let text = LOADED.replace(
        "owner: {$ref: \"#/definitions/Missing\"}",
        "owner: {type: string}\n            required: [owner, ghost]",
    );
    let generated = crate::generate_from_str("pets.yaml", &text, &crate::Settings::new())
        .unwrap_or_else(|e| panic!("did not generate: {e}"));
    let warning = generated
        .warnings()
        .iter()
        .find(|w| w.message.contains("`ghost` is required"))
        .unwrap_or_else(|| panic!("no warning: {:#?}", generated.warnings()));
    assert_eq!(warning.pointer, "/paths/~1pets/post/parameters/0/schema/required/1");
    assert_eq!(warning.location.as_ref().map(|l| (l.line, l.column)), Some((14, 31)), "{warning}");
}
