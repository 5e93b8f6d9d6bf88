//! Tests of `synth.rs`, in a file of their own to keep that one short.

use super::*;

fn doc(yaml: &str) -> Document {
    Document::parse(yaml).unwrap()
}

fn synth(document: &Document, schema: Value, seed: u64) -> Value {
    Synth::new(document, seed).value(&schema)
}

/// Many seeds, each value checked against its schema.
fn satisfies(document: &Document, schema: Value) -> Vec<Value> {
    (0..50)
        .map(|seed| {
            let value = synth(document, schema.clone(), seed);
            if let Err(e) = check(document, &schema, &value) {
                panic!("seed {seed}: {value} does not satisfy {schema}: {e}");
            }
            value
        })
        .collect()
}

#[test]
fn the_same_seed_gives_the_same_values() {
    let d = doc("{}");
    let schema = json!({"type": "object", "properties": {
            "a": {"type": "integer"}, "b": {"type": "string"}, "c": {"type": "boolean"}, "d": {"type": "number"}}});
    assert_eq!(synth(&d, schema.clone(), 7), synth(&d, schema.clone(), 7));
    let distinct: std::collections::BTreeSet<String> =
        (0..20).map(|s| synth(&d, schema.clone(), s).to_string()).collect();
    assert!(distinct.len() > 1, "seeds should vary the values: {distinct:?}");
}

#[test]
fn valid_examples_come_first_and_invalid_ones_are_skipped() {
    let d = doc("{}");
    assert_eq!(synth(&d, json!({"type": "integer", "example": 42}), 1), json!(42));
    assert_eq!(synth(&d, json!({"type": "string", "examples": ["first", "second"]}), 1), json!("first"));
    let wrong = synth(&d, json!({"type": "integer", "minimum": 10, "example": 3}), 1);
    assert!(wrong.as_i64().is_some_and(|n| n >= 10), "{wrong}");
    let mut s = Synth::new(&d, 1);
    let holder = json!({"schema": {"type": "string"}, "examples": {"one": {"value": "from-the-parameter"}}});
    assert_eq!(s.for_holder(&holder), json!("from-the-parameter"));
}

#[test]
fn scalars_keep_their_formats_enums_bounds_and_lengths() {
    let d = doc("{}");
    for schema in [
        json!({"type": "string", "format": "date-time"}),
        json!({"type": "string", "format": "date"}),
        json!({"type": "string", "format": "uuid"}),
        json!({"type": "string", "minLength": 12, "maxLength": 14}),
        json!({"type": "string", "maxLength": 2}),
        json!({"type": "string", "enum": ["a", "b", null], "nullable": true}),
        json!({"type": "integer", "minimum": 5, "maximum": 7}),
        json!({"type": "integer", "minimum": 0, "exclusiveMinimum": true, "maximum": 1}),
        json!({"type": "integer", "exclusiveMinimum": 10, "exclusiveMaximum": 12}),
        json!({"type": "integer", "minimum": 3, "multipleOf": 5}),
        json!({"type": "integer", "format": "int64", "minimum": -9_007_199_254_740_991_i64}),
        json!({"type": "number", "minimum": 0.5, "maximum": 0.75}),
        json!({"type": ["string", "null"]}),
        json!({"const": "fixed"}),
    ] {
        let values = satisfies(&d, schema.clone());
        assert!(values.iter().all(|v| !v.is_null()), "{schema}: {values:?}");
    }
    let email = synth(&d, json!({"type": "string", "format": "email"}), 3);
    assert!(email.as_str().is_some_and(|e| e.contains('@')), "{email}");
}

#[test]
fn patterns_shape_synthesized_strings() {
    let d = doc("{}");
    let value = synth(&d, json!({"type": "string", "pattern": "^cus_[a-z0-9]{6}$"}), 1);
    let text = value.as_str().unwrap();
    assert!(text.len() == 10 && text.starts_with("cus_"), "{text}");
}

#[test]
fn objects_have_every_required_and_a_share_of_optional_properties_never_read_only() {
    let d = doc("{}");
    let schema = json!({"type": "object", "required": ["id", "name", "undeclared"],
            "properties": {
                "id": {"type": "string", "readOnly": true},
                "name": {"type": "string"},
                "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2, "uniqueItems": true},
                "a": {"type": "integer"}, "b": {"type": "integer"}, "c": {"type": "integer"}, "d": {"type": "integer"}}});
    let values = satisfies(&d, schema);
    for v in &values {
        assert!(v.get("name").is_some() && v.get("undeclared").is_some(), "{v}");
        assert!(v.get("id").is_none(), "readOnly properties are not sent: {v}");
    }
    let optional: usize =
        values.iter().map(|v| ["tags", "a", "b", "c", "d"].iter().filter(|k| v.get(**k).is_some()).count()).sum();
    assert!(optional > 0 && optional < values.len() * 5, "a share of optional properties: {optional}");
    let map = synth(&d, json!({"type": "object", "additionalProperties": {"type": "integer"}}), 1);
    assert!(map.get("key1").is_some_and(Value::is_i64), "{map}");
}

#[test]
fn references_all_of_and_one_of_branches_with_their_discriminator() {
    let d = doc(r##"
components:
  schemas:
    Base: {type: object, required: [kind], properties: {kind: {type: string}, id: {type: integer}}}
    Cat:
      allOf:
        - $ref: '#/components/schemas/Base'
        - {type: object, required: [meows], properties: {meows: {type: boolean}}}
    Dog: {type: object, required: [kind, barks], properties: {kind: {type: string}, barks: {type: integer, minimum: 1}}}
    Pet:
      oneOf: [{$ref: '#/components/schemas/Cat'}, {$ref: '#/components/schemas/Dog'}]
      discriminator: {propertyName: kind, mapping: {cat: '#/components/schemas/Cat', dog: '#/components/schemas/Dog'}}
    Tree: {type: object, required: [children], properties: {children: {type: array, items: {$ref: '#/components/schemas/Tree'}}}}
    Time: {type: string, format: date-time}
    Stamped: {type: object, required: [at], properties: {at: {allOf: [{$ref: '#/components/schemas/Time'}], description: when}}}
    Owned: {type: object, required: [pet], properties: {pet: {allOf: [{$ref: '#/components/schemas/Pet'}]}}}
"##);
    let owned = satisfies(&d, json!({"$ref": "#/components/schemas/Owned"}));
    assert!(owned.iter().all(|v| v["pet"]["kind"].is_string()), "{owned:?}");
    // An allOf that wraps a scalar or a union to describe it is that scalar or union.
    let stamped = satisfies(&d, json!({"$ref": "#/components/schemas/Stamped"}));
    assert!(stamped.iter().all(|v| v["at"].is_string()), "{stamped:?}");
    let cat = satisfies(&d, json!({"$ref": "#/components/schemas/Cat"}));
    assert!(cat.iter().all(|v| v.get("kind").is_some() && v.get("meows").is_some()), "{cat:?}");
    let pets = satisfies(&d, json!({"$ref": "#/components/schemas/Pet"}));
    let kinds: std::collections::BTreeSet<&str> = pets.iter().filter_map(|p| p["kind"].as_str()).collect();
    assert_eq!(kinds, ["cat", "dog"].into_iter().collect(), "both branches, each with its tag: {pets:?}");
    for pet in &pets {
        assert_eq!(pet.get("meows").is_some(), pet["kind"] == "cat", "{pet}");
    }
    // A schema that holds itself ends: containers get small as nesting grows.
    let tree = synth(&d, json!({"$ref": "#/components/schemas/Tree"}), 1);
    assert!(tree.to_string().len() < 10_000, "{tree}");
    assert!(check(&d, &json!({"$ref": "#/components/schemas/Tree"}), &tree).is_ok());
}

#[test]
fn one_of_values_match_one_branch_when_branches_overlap() {
    // `{kind}` alone is a Plain and an Open at once; only an Open with `size` is one branch.
    let d = doc(r##"
components:
  schemas:
    Plain: {type: object, required: [kind], properties: {kind: {type: string}}, additionalProperties: false}
    Open: {type: object, required: [kind], properties: {kind: {type: string}, size: {type: integer}}}
    Either: {oneOf: [{$ref: '#/components/schemas/Plain'}, {$ref: '#/components/schemas/Open'}]}
"##);
    for seed in 0..20 {
        let value = synth(&d, json!({"$ref": "#/components/schemas/Either"}), seed);
        assert!(check(&d, &json!({"$ref": "#/components/schemas/Either"}), &value).is_ok(), "seed {seed}: {value}");
    }
}

#[test]
fn all_of_parts_that_only_annotate_do_not_hide_a_union() {
    let d = doc(r##"
components:
  schemas:
    Reference: {type: object, required: [type, id], properties: {type: {type: string, enum: [agent_id]}, id: {type: string}}}
    Inline: {type: object, required: [type], properties: {type: {type: string, enum: [agent]}}}
    Agent: {type: object, oneOf: [{$ref: '#/components/schemas/Reference'}, {$ref: '#/components/schemas/Inline'}]}
    Request:
      type: object
      required: [agent]
      properties:
        agent: {allOf: [{$ref: '#/components/schemas/Agent'}, {description: The agent to use.}]}
"##);
    let requests = satisfies(&d, json!({"$ref": "#/components/schemas/Request"}));
    assert!(requests.iter().all(|r| r["agent"]["type"].is_string()), "{requests:?}");
}

#[test]
fn unique_items_are_unique_even_when_the_items_have_one_example() {
    let d = doc(r##"
components:
  schemas:
    Snowflake: {type: string, pattern: '^(0|[1-9][0-9]*)$', example: "0"}
    Ids: {type: array, items: {$ref: '#/components/schemas/Snowflake'}, minItems: 2, uniqueItems: true}
"##);
    let ids = satisfies(&d, json!({"$ref": "#/components/schemas/Ids"}));
    assert!(ids.iter().all(|v| v.as_array().is_some_and(|a| a.len() >= 2)), "{ids:?}");
}

#[test]
fn union_branches_that_only_constrain_and_unions_beside_a_type() {
    let d = doc(r##"
components:
  schemas:
    Vars:
      type: object
      required: [evs]
      anyOf: [{required: [target]}, {required: [all]}]
      properties: {evs: {type: array, items: {type: string}}, target: {type: string}, all: {type: boolean}}
    Ip: {properties: {value: {type: string}}}
    Ips: {type: array, anyOf: [{$ref: '#/components/schemas/Ip'}], items: {$ref: '#/components/schemas/Ip'}}
    Style: {type: string, oneOf: [{const: shield}, {const: banner1}]}
"##);
    // Consts beside `type: string` are what a value must be.
    let styles = satisfies(&d, json!({"$ref": "#/components/schemas/Style"}));
    assert!(styles.iter().all(|s| s == "shield" || s == "banner1"), "{styles:?}");
    let vars = satisfies(&d, json!({"$ref": "#/components/schemas/Vars"}));
    assert!(vars.iter().all(|v| v.get("target").is_some() || v.get("all").is_some()), "{vars:?}");
    for seed in 0..20 {
        let ips = synth(&d, json!({"$ref": "#/components/schemas/Ips"}), seed);
        assert!(ips.is_array(), "seed {seed}: {ips}");
    }
}

/// Every request body and parameter of the Orders fixture, synthesized and checked.
#[test]
fn the_orders_fixture_gets_valid_arguments() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/orders.yaml");
    let d = Document::read(std::path::Path::new(path)).unwrap();
    let mut s = Synth::new(&d, 3);
    let body = d.body("POST", "/orders", "application/json").unwrap().clone();
    for _ in 0..20 {
        let value = s.for_holder(&body);
        check(&d, &body["schema"], &value).unwrap();
        assert!(value["items"].as_array().is_some_and(|i| !i.is_empty()), "{value}");
    }
    let limit = d.parameter("GET", "/orders", "query", "limit").unwrap().clone();
    let n = s.for_holder(&limit);
    assert!(n.as_i64().is_some_and(|n| (1..=100).contains(&n)), "{n}");
    let payment = d.parameter("GET", "/payments/{paymentId}", "path", "paymentId").unwrap().clone();
    assert!(s.for_holder(&payment).as_str().is_some_and(|id| gusset::Uuid::parse_str(id).is_ok()));
}

#[test]
fn a_scalar_all_of_meets_every_part() {
    let d = doc(r##"
components:
  schemas:
    Flag: {type: boolean}
"##);
    let values = satisfies(&d, json!({"allOf": [{"$ref": "#/components/schemas/Flag"}, {"enum": [true]}]}));
    assert!(values.iter().all(|v| *v == json!(true)), "{values:?}");
}

#[test]
fn an_all_of_of_unions_meets_each_union() {
    let d = doc(r##"
components:
  schemas:
    AppConfig:
      type: object
      allOf:
        - oneOf:
            - {properties: {account_app_id: {type: string}}, required: [account_app_id]}
            - {properties: {managed_app_id: {type: string}}, required: [managed_app_id]}
        - anyOf: [{required: [breakout]}, {required: [priority]}]
        - properties: {breakout: {type: boolean}, priority: {type: integer}}
"##);
    let values = satisfies(&d, json!({"$ref": "#/components/schemas/AppConfig"}));
    assert!(
        values.iter().all(|v| v.get("account_app_id").is_some() != v.get("managed_app_id").is_some()),
        "{values:?}"
    );
}

#[test]
fn a_one_of_of_required_names_only_sends_one_of_them() {
    let d = doc(r##"
components:
  schemas:
    Member:
      type: object
      additionalProperties: false
      required: [role]
      oneOf: [{required: [uid]}, {required: [username]}, {required: [email]}]
      properties:
        uid: {type: string, maxLength: 256}
        username: {type: string, maxLength: 256}
        email: {type: string, format: email}
        role: {type: string, enum: [ADMIN, PROJECT_VIEWER]}
"##);
    let values = satisfies(&d, json!({"$ref": "#/components/schemas/Member"}));
    let named = |v: &Value| ["uid", "username", "email"].iter().filter(|n| v.get(**n).is_some()).count();
    assert!(values.iter().all(|v| named(v) == 1), "{values:?}");
}
