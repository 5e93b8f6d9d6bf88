//! Generated types decode what servers send: the structs' written-out
//! `Deserialize` (see `gusset_codegen`'s `emit::object`) against JSON with
//! every kind of field, hostile keys, nulls, unknown keys, escapes and
//! mistakes, and the unions and enums built on top of them.

use gusset_tests::snapshots::{constructs as c, fidelity as f, hostile as h};
use serde_json::json;

fn decode<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, String> {
    // From text, as responses arrive, so keys are borrowed where they can be.
    serde_json::from_str(&value.to_string()).map_err(|e| e.to_string())
}

#[test]
fn every_field_kind_decodes_and_unknown_keys_are_skipped() {
    let everything: c::Everything = decode(json!({
        "when": "2024-06-01T12:00:00Z",
        "day": "2024-06-01",
        "id": "0b6f1c1e-8a7d-4c1e-9d6a-3f1a2b4c5d6e",
        "blob": "aGVsbG8=",
        "big": 9_007_199_254_740_993_i64,
        "ratio": 0.5,
        "free": [1, {"a": null}],
        "object": {"k": "v"},
        "map": {"x": "low", "y": "LOW", "z": "brand-new"},
        "nullable_name": null,
        "inline": {"deep": {"deeper": "b"}},
        "added_by_the_server_later": {"nested": [true]},
    }))
    .unwrap();
    assert_eq!(everything.id.to_string(), "0b6f1c1e-8a7d-4c1e-9d6a-3f1a2b4c5d6e");
    assert_eq!(everything.big, Some(9_007_199_254_740_993));
    assert_eq!(everything.small, None);
    assert_eq!(everything.nullable_name, None);
    assert_eq!(everything.free, Some(json!([1, {"a": null}])));
    let map = everything.map.as_ref().unwrap();
    assert_eq!(map["x"], c::Level::Low);
    assert_eq!(map["y"], c::Level::Low2);
    assert_eq!(map["z"], c::Level::from("brand-new"));
    let deeper = everything.inline.as_ref().and_then(|i| i.deep.as_ref()).and_then(|d| d.deeper.clone());
    assert_eq!(deeper, Some(c::EverythingInlineDeepDeeper::B));

    // What it serializes decodes to the same value.
    let text = serde_json::to_string(&everything).unwrap();
    assert_eq!(serde_json::from_str::<c::Everything>(&text).unwrap(), everything);
}

#[test]
fn mistakes_are_errors_that_name_the_field() {
    let base = json!({"when": "2024-06-01T12:00:00Z", "id": "0b6f1c1e-8a7d-4c1e-9d6a-3f1a2b4c5d6e", "blob": ""});
    let without = |key: &str| {
        let mut value = base.clone();
        value.as_object_mut().unwrap().remove(key);
        value
    };
    assert!(decode::<c::Everything>(base.clone()).is_ok());
    let missing = decode::<c::Everything>(without("id")).unwrap_err();
    assert!(missing.starts_with("missing field `id`"), "{missing}");
    let wrong = decode::<c::Everything>(json!({"when": 5})).unwrap_err();
    assert!(wrong.contains("expected"), "{wrong}");
    let not_an_object = decode::<c::Everything>(json!(["2024-06-01T12:00:00Z"])).unwrap_err();
    assert!(not_an_object.starts_with("invalid type: sequence, expected struct Everything"), "{not_an_object}");
    let twice = serde_json::from_str::<c::Everything>(
        r#"{"when": "2024-06-01T12:00:00Z", "when": "2024-06-02T12:00:00Z", "id": "0b6f1c1e-8a7d-4c1e-9d6a-3f1a2b4c5d6e", "blob": ""}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(twice.starts_with("duplicate field `when`"), "{twice}");
}

#[test]
fn hostile_and_escaped_keys_reach_their_fields() {
    let item: h::Item = serde_json::from_str(
        r#"{"*/": "a", "\"]": "b", "type": "c", "self": "d", "Self": "e", "123": "f", "\ud83d\ude00": "g", "a-b": "h", "a_b": "i", "aB": "j", "nul\u0000": "k", "default": "l"}"#,
    )
    .unwrap();
    let fields = [
        &item.star_slash,
        &item.field,
        &item.r#type,
        &item.self_,
        &item.self_2,
        &item._123,
        &item.field3,
        &item.a_b,
        &item.a_b2,
        &item.a_b3,
        &item.nul,
        &item.default,
    ];
    let values: Vec<&str> = fields.iter().map(|f| f.as_deref().unwrap_or("-")).collect();
    assert_eq!(values, ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"]);
}

#[test]
fn extra_properties_land_in_the_map() {
    let annotated: c::Annotated = decode(json!({"name": "n", "width": 3, "height": 4})).unwrap();
    assert_eq!(annotated.name, "n");
    assert_eq!(
        annotated.additional_properties.into_iter().collect::<Vec<_>>(),
        [("height".into(), 4), ("width".into(), 3)]
    );
    let wrong = decode::<c::Annotated>(json!({"name": "n", "width": "wide"})).unwrap_err();
    assert!(wrong.contains("expected i64"), "{wrong}");
}

#[test]
fn unions_and_recursion_decode_through_the_structs() {
    let cat: c::Pet =
        decode(json!({"kind": "cat", "name": "Tom", "lives": 9, "friend": {"kind": "dog", "name": "Rex"}})).unwrap();
    let c::Pet::Cat(cat) = cat else { panic!("not a cat: {cat:?}") };
    assert_eq!(cat.lives, 9);
    assert!(matches!(cat.friend.as_deref(), Some(c::Pet::Dog(dog)) if dog.name == "Rex"));
    let unknown: c::Pet = decode(json!({"kind": "parrot", "name": "Polly"})).unwrap();
    assert!(matches!(unknown, c::Pet::Unknown(_)));

    let shapes: Vec<c::Shape> = decode(json!(["square", 4, {"sides": 3}])).unwrap();
    assert!(
        matches!(&shapes[..], [c::Shape::String(_), c::Shape::Integer(4), c::Shape::Variant2(v)] if v.sides == Some(3))
    );

    let tree: c::TreeNode = decode(json!({"value": "leaf", "parent": {"value": "root", "children": []}})).unwrap();
    assert_eq!(tree.parent.as_ref().map(|p| p.value.as_str()), Some("root"));
}

#[test]
fn arrays_and_maps_of_themselves_are_newtypes_that_serde_sees_through() {
    let forest = f::Forest(vec![f::Forest(vec![]), f::Forest(vec![f::Forest(vec![])])]);
    assert_eq!(serde_json::to_value(&forest).unwrap(), json!([[], [[]]]));

    let grove: f::Grove = decode(json!({"oak": {"acorn": {}}, "elm": {}})).unwrap();
    assert_eq!(grove.0["oak"].0["acorn"], f::Grove(Default::default()));
    assert!(grove.0["elm"].0.is_empty());

    // Thicket → Bramble → Briar → Thicket: an array of maps of arrays.
    let thicket: f::Thicket = decode(json!([{"a": [{}], "b": []}])).unwrap();
    assert_eq!(thicket.0[0].0["a"].0.0.len(), 1);
    assert_eq!(serde_json::to_value(&thicket).unwrap(), json!([{"a": [{}], "b": []}]));
    assert!(decode::<f::Thicket>(json!({"not": "an array"})).is_err());
}

#[test]
fn required_names_without_properties_are_fields_that_are_sent() {
    let pet = json!({"id": "p1", "kind": "create", "owner": {"name": "Ann"}, "registered": "2024-01-01"});
    let decoded: f::Pet = decode(pet.clone()).unwrap();
    assert_eq!(decoded.owner, json!({"name": "Ann"}));
    assert_eq!(decoded.registered, json!("2024-01-01"));
    // A reference to an enum parameter's schema is that enum.
    assert_eq!(decoded.kind, f::ActionType::Create);
    // Typed as any value, such a field reads as `null` when a response leaves it out (the name
    // is most often a misspelt property that no server sends); the fields the document
    // describes stay required.
    let mut without_owner = pet.clone();
    without_owner.as_object_mut().unwrap().remove("owner");
    let decoded = decode::<f::Pet>(without_owner).unwrap();
    assert_eq!(decoded.owner, serde_json::Value::Null);
    let mut without_kind = pet;
    without_kind.as_object_mut().unwrap().remove("kind");
    let missing = decode::<f::Pet>(without_kind).unwrap_err();
    assert!(missing.starts_with("missing field `kind`"), "{missing}");

    // With `additionalProperties`, the field has its type and the rest stays in the map.
    let new_pet = f::NewPet {
        name: "Rex".into(),
        tag: Some(f::NewPetTag::Small),
        serial: 7,
        additional_properties: [("age".to_owned(), 3)].into(),
    };
    assert_eq!(serde_json::to_value(&new_pet).unwrap(), json!({"name": "Rex", "tag": "small", "serial": 7, "age": 3}));
}

#[test]
fn all_of_parts_keep_their_required_names_and_their_most_precise_type() {
    let tagged: f::TaggedPet = decode(json!({"name": "Rex", "tag": "large", "serial": 1, "age": 2})).unwrap();
    assert_eq!((tagged.tag.as_str(), tagged.serial), ("large", 1));
    let untagged = decode::<f::TaggedPet>(json!({"name": "Rex", "serial": 1})).unwrap_err();
    assert!(untagged.starts_with("missing field `tag`"), "{untagged}");
    let serial: f::Serial = decode(json!("0b6f1c1e-8a7d-4c1e-9d6a-3f1a2b4c5d6e")).unwrap();
    assert_eq!(serial.to_string(), "0b6f1c1e-8a7d-4c1e-9d6a-3f1a2b4c5d6e");
    assert!(decode::<f::Serial>(json!("not a uuid")).is_err());
}

#[test]
fn enum_values_that_read_as_prelude_names_keep_their_wire_values() {
    let states: Vec<f::State> =
        decode(json!(["none", "some", "ok", "err", "Option", "String", "active", "new"])).unwrap();
    assert_eq!(
        states,
        [
            f::State::NoneValue,
            f::State::SomeValue,
            f::State::OkValue,
            f::State::ErrValue,
            f::State::OptionValue,
            f::State::StringValue,
            f::State::Active,
            f::State::UnknownValue("new".into()),
        ]
    );
    assert_eq!(format!("{:?}", Some(f::State::NoneValue)), "Some(NoneValue)");
    assert_eq!(f::State::NoneValue.as_str(), "none");

    // An enum without a `type` is an enum of its values, not any value.
    let speeds: Vec<Option<f::Speed>> = decode(json!(["fast", null, "warp"])).unwrap();
    assert_eq!(speeds, [Some(f::Speed::Fast), None, Some(f::Speed::UnknownValue("warp".into()))]);
}

/// `unions.yaml`: the properties beside a `oneOf` are fields of every branch, sent and decoded,
/// and branches that inherit a discriminator through `allOf` decode by its value, not as the
/// first branch that happens to fit.
#[test]
fn properties_beside_a_one_of_and_inherited_discriminators_are_kept() {
    use gusset_tests::snapshots::unions as u;
    let wire = json!({"source": "bucket", "label": "nightly", "bucket": "b1"});
    let import: u::Import = decode(wire.clone()).unwrap();
    let u::Import::BucketImport(bucket) = &import else { panic!("{import:?}") };
    assert_eq!(bucket.label.as_deref(), Some("nightly"));
    assert_eq!(bucket.source, u::ImportBucketImportSource::Bucket);
    assert_eq!(serde_json::to_value(&import).unwrap(), wire);
    let upload: u::Import = decode(json!({"source": "upload", "upload_id": "u1"})).unwrap();
    assert!(matches!(upload, u::Import::UploadImport(ref i) if i.upload_id == "u1"), "{upload:?}");

    // Every field of `Cat` is optional but the tag: without the tag's rule a dog decodes as one.
    let dog: u::AnyPet = decode(json!({"pet_type": "Dog", "barks": true})).unwrap();
    assert!(matches!(dog, u::AnyPet::Dog(ref d) if d.barks == Some(true)), "{dog:?}");
    let cat: u::AnyPet = decode(json!({"pet_type": "Cat", "hunts": false})).unwrap();
    assert!(matches!(cat, u::AnyPet::Cat(_)), "{cat:?}");
}
