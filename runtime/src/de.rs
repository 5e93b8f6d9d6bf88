//! Decoding generated structs from JSON objects.
//!
//! `#[derive(Deserialize)]` is most of what a large generated client costs to
//! compile: for every struct it writes a field enum with its own visitor and
//! `Deserialize` impl, a `visit_seq` that reads the struct from an array
//! (which no API sends), and a `visit_map` with a duplicate check per field.
//! Measured on the GitHub client, those derives were two thirds of its
//! `cargo check` time and half of its memory. Generated structs implement
//! [`FromObject`] instead, a `match` on the key text with one call per field;
//! the visitor, the key type and the per-field steps live here, once.
//!
//! The behaviour is serde's for the attributes Gusset uses: unknown keys are
//! ignored, a repeated key is an error, a missing `Option` field is `None`
//! and any other missing field is an error naming it, and the extra keys of
//! an object with `additionalProperties` land in its map.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};

/// A generated struct that reads itself from the entries of an object.
pub trait FromObject: Sized {
    /// Reads the struct from `map`, whose keys are the wire names.
    fn from_object<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
}

/// `Deserialize::deserialize` of a generated struct: the value must be an
/// object. `name` is the struct's, for the error message.
pub fn object<'de, D: Deserializer<'de>, T: FromObject>(deserializer: D, name: &'static str) -> Result<T, D::Error> {
    deserializer.deserialize_map(ObjectVisitor { name, marker: PhantomData })
}

struct ObjectVisitor<T> {
    name: &'static str,
    marker: PhantomData<fn() -> T>,
}

impl<'de, T: FromObject> Visitor<'de> for ObjectVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "struct {}", self.name)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::from_object(map)
    }
}

/// An object key: borrowed from the input when it can be, owned when it
/// had escapes (or came from a `serde_json::Value`).
#[derive(Debug)]
pub struct Key<'de>(Cow<'de, str>);

impl Key<'_> {
    /// The key's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key as an owned string (for `additionalProperties` maps).
    pub fn into_string(self) -> String {
        self.0.into_owned()
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(v)))
    }
}

/// The next key of `map`.
pub fn key<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<Key<'de>>, A::Error> {
    map.next_key()
}

/// Reads the value of field `name` into `slot`; a second value for the same
/// key is an error, as with serde's derive.
pub fn field<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    map: &mut A,
    slot: &mut Option<T>,
    name: &'static str,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

/// Skips the value of a key the struct does not know.
pub fn skip<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<IgnoredAny>().map(|_| ())
}

/// Adds the value of a key the struct does not list to its
/// `additionalProperties` map.
pub fn extra<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    map: &mut A,
    extra: &mut std::collections::BTreeMap<String, T>,
    key: Key<'de>,
) -> Result<(), A::Error> {
    let value = map.next_value()?;
    extra.insert(key.into_string(), value);
    Ok(())
}

/// The value of an optional field: absent and `null` are both `None`.
pub fn optional<T>(slot: Option<Option<T>>) -> Option<T> {
    slot.flatten()
}

/// The value of a field the document requires but does not describe (a `required` name
/// without a property): absent reads as `null`, as nothing says what else it could be, and
/// such a name is usually a document's misspelling that no server sends.
pub fn any_or_null(slot: Option<serde_json::Value>) -> serde_json::Value {
    slot.unwrap_or(serde_json::Value::Null)
}

/// The value of a field that must be present.
pub fn required<T, E: de::Error>(slot: Option<T>, name: &'static str) -> Result<T, E> {
    slot.ok_or_else(|| de::Error::missing_field(name))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::BTreeMap;

    use super::*;

    /// What codegen writes for `{ id: i64 (required), name: Option<String>, extra: map }`.
    #[derive(Debug, PartialEq)]
    struct Pet {
        id: i64,
        name: Option<String>,
        extra: BTreeMap<String, serde_json::Value>,
    }

    impl<'de> Deserialize<'de> for Pet {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            object(deserializer, "Pet")
        }
    }

    impl FromObject for Pet {
        fn from_object<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
            let (mut id, mut name, mut more) = (None, None, BTreeMap::new());
            while let Some(k) = key(&mut map)? {
                match k.as_str() {
                    "id" => field(&mut map, &mut id, "id")?,
                    "name" => field(&mut map, &mut name, "name")?,
                    _ => extra(&mut map, &mut more, k)?,
                }
            }
            Ok(Pet { id: required(id, "id")?, name: optional(name), extra: more })
        }
    }

    #[test]
    fn reads_fields_extras_and_escaped_keys() {
        let pet: Pet = serde_json::from_str(r#"{"n\u0061me": "Rex", "id": 7, "color": "red", "name2": null}"#).unwrap();
        assert_eq!(pet.id, 7);
        assert_eq!(pet.name.as_deref(), Some("Rex"));
        assert_eq!(pet.extra.len(), 2);
        let from_value: Pet = serde_json::from_value(serde_json::json!({"id": 1, "name": null})).unwrap();
        assert_eq!(from_value, Pet { id: 1, name: None, extra: BTreeMap::new() });
    }

    #[test]
    fn errors_say_what_went_wrong_like_serde_does() {
        let error = |text: &str| serde_json::from_str::<Pet>(text).unwrap_err().to_string();
        assert!(error(r#"{"name": "Rex"}"#).starts_with("missing field `id`"), "{}", error(r#"{"name": "Rex"}"#));
        assert!(error(r#"{"id": 1, "id": 2}"#).starts_with("duplicate field `id`"));
        assert!(error(r#"[1, "Rex"]"#).starts_with("invalid type: sequence, expected struct Pet"));
        assert!(error(r#"{"id": "seven"}"#).starts_with("invalid type: string \"seven\", expected i64"));
    }

    #[test]
    fn unknown_keys_are_skipped_whatever_they_hold() {
        #[derive(Debug)]
        struct Id(i64);
        impl<'de> Deserialize<'de> for Id {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                object(deserializer, "Id")
            }
        }
        impl FromObject for Id {
            fn from_object<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
                let mut id = None;
                while let Some(k) = key(&mut map)? {
                    match k.as_str() {
                        "id" => field(&mut map, &mut id, "id")?,
                        _ => skip(&mut map)?,
                    }
                }
                Ok(Id(required(id, "id")?))
            }
        }
        let id: Id = serde_json::from_str(r#"{"deep": {"a": [1, {"b": null}]}, "id": 3, "s": "x"}"#).unwrap();
        assert_eq!(id.0, 3);
    }
}
