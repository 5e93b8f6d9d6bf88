//! Two schemas compared, as JSON values of the normalised documents, with the direction that
//! decides what breaks: a request schema that gets stricter refuses calls that work today; a
//! response schema that gets looser sends clients what they were told never comes.
//!
//! `$ref`s are followed in their own document; each pair of schemas (by pointer, per direction)
//! is compared once, which guards cycles and reports a shared component's change once, at the
//! component, however many operations use it.

use std::collections::{BTreeSet, HashSet};

use serde_json::Value;

use super::{Change, Surface, Verdict, change};
use crate::diagnostic::join;

/// Whether a schema describes what the client sends or what it receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Direction {
    Request,
    Response,
}

/// Whether a change lets fewer values through, more, or different ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Way {
    Stricter,
    Looser,
    Different,
}

impl Direction {
    fn verdict(self, way: Way) -> Verdict {
        match (self, way) {
            (_, Way::Different) | (Direction::Request, Way::Stricter) | (Direction::Response, Way::Looser) => {
                Verdict::Major
            }
            (Direction::Request, Way::Looser) => Verdict::Minor,
            (Direction::Response, Way::Stricter) => Verdict::Patch,
        }
    }

    fn why(self, way: Way) -> &'static str {
        match (self, way) {
            (_, Way::Different) => "values valid before are not valid now",
            (Direction::Request, Way::Stricter) => "the request is stricter: calls the server accepted may be refused",
            (Direction::Request, Way::Looser) => "the request is looser: the server accepts more",
            (Direction::Response, Way::Looser) => {
                "the response is looser: the server may send what clients were told never comes"
            }
            (Direction::Response, Way::Stricter) => "the response is stricter: nothing a client handles goes away",
        }
    }
}

/// Compares schemas of two documents, collecting changes.
pub(super) struct Schemas<'a> {
    old: &'a Value,
    new: &'a Value,
    seen: HashSet<(String, String, Direction)>,
    pub(super) changes: Vec<Change>,
}

/// A schema and where it is.
#[derive(Clone, Copy)]
pub(super) struct At<'v, 'p> {
    pub(super) value: &'v Value,
    pub(super) pointer: &'p str,
}

/// How deep inline schemas may nest before the comparison stops (refs are guarded by `seen`).
const DEPTH: usize = 64;

impl<'a> Schemas<'a> {
    pub(super) fn new(old: &'a Value, new: &'a Value) -> Self {
        Schemas { old, new, seen: HashSet::new(), changes: Vec::new() }
    }

    /// Compares the schema `old` of the old document with `new` of the new one.
    pub(super) fn compare(&mut self, old: At<'_, '_>, new: At<'_, '_>, direction: Direction) {
        self.compare_at(old, new, direction, 0);
    }

    fn compare_at(&mut self, old: At<'_, '_>, new: At<'_, '_>, direction: Direction, depth: usize) {
        let (old_doc, new_doc) = (self.old, self.new);
        let (Some((old_value, old_ptr)), Some((new_value, new_ptr))) =
            (resolve(old_doc, old.value, old.pointer), resolve(new_doc, new.value, new.pointer))
        else {
            return;
        };
        if depth > DEPTH || !self.seen.insert((old_ptr.clone(), new_ptr.clone(), direction)) {
            return;
        }
        // `allOf` is read as the one schema it means (as `lower` does), so moving properties into
        // or out of a shared component is no change.
        let (old_flat, new_flat) = (flatten(old_doc, old_value, &old_ptr), flatten(new_doc, new_value, &new_ptr));
        let old_value = old_flat.as_ref().unwrap_or(old_value);
        let new_value = new_flat.as_ref().unwrap_or(new_value);
        let (o, n) = (Side { value: old_value, pointer: &old_ptr }, Side { value: new_value, pointer: &new_ptr });
        if !self.types(o, n, direction) {
            // Values of another type: what lies under it (properties of an object that was a
            // string, say) is new, not changed.
            return;
        }
        self.enums(o, n, direction);
        self.bounds(o, n, direction);
        self.required(o, n, direction);
        self.properties(o, n, direction, depth);
        self.nested(o, n, direction, depth);
        self.alternatives(o, n, direction, depth);
    }

    fn push(&mut self, kind: &'static str, o: Side<'_>, n: Side<'_>, direction: Direction, way: Way, what: String) {
        let message = format!("{what}; {}", direction.why(way));
        let change = change(kind, Surface::Wire, direction.verdict(way), message);
        self.changes.push(change.at(Some(o.pointer), Some(n.pointer)));
    }

    /// Type, format and nullability; `false` when the type changed to another altogether.
    fn types(&mut self, o: Side<'_>, n: Side<'_>, d: Direction) -> bool {
        let (ot, nt) = (o.str("type"), n.str("type"));
        if ot != nt {
            let way = match (ot, nt) {
                (Some("integer"), Some("number")) | (Some(_), None) => Way::Looser,
                (Some("number"), Some("integer")) | (None, Some(_)) => Way::Stricter,
                _ => Way::Different,
            };
            let what = format!("type `{}` became `{}`", o.type_name(), n.type_name());
            self.push("type-changed", o, n, d, way, what);
            return way != Way::Different;
        }
        let (of, nf) = (o.str("format"), n.str("format"));
        if of != nf {
            let way = match (of, nf) {
                (Some("int32"), Some("int64")) | (Some("float"), Some("double")) | (Some(_), None) => Way::Looser,
                (Some("int64"), Some("int32")) | (Some("double"), Some("float")) | (None, Some(_)) => Way::Stricter,
                _ => Way::Different,
            };
            let what = format!("format `{}` became `{}`", of.unwrap_or("none"), nf.unwrap_or("none"));
            self.push("format-changed", o, n, d, way, what);
        }
        let (on, nn) = (o.flag("nullable"), n.flag("nullable"));
        if on != nn {
            let way = if nn { Way::Looser } else { Way::Stricter };
            let what = if nn { "`null` is now allowed" } else { "`null` is no longer allowed" };
            self.push("nullable-changed", o, n, d, way, what.to_owned());
        }
        true
    }

    fn enums(&mut self, o: Side<'_>, n: Side<'_>, d: Direction) {
        let (Some(ov), Some(nv)) = (o.array("enum"), n.array("enum")) else {
            match (o.array("enum"), n.array("enum")) {
                (None, Some(nv)) => {
                    self.push("enum-narrowed", o, n, d, Way::Stricter, format!("values limited to {}", list(nv.iter())))
                }
                (Some(_), None) => {
                    self.push("enum-widened", o, n, d, Way::Looser, "any value allowed, not only an enum's".into())
                }
                _ => {}
            }
            return;
        };
        let removed: Vec<&Value> = ov.iter().filter(|v| !nv.contains(v)).collect();
        let added: Vec<&Value> = nv.iter().filter(|v| !ov.contains(v)).collect();
        if !removed.is_empty() {
            self.push(
                "enum-narrowed",
                o,
                n,
                d,
                Way::Stricter,
                format!("enum values removed: {}", list(removed.into_iter())),
            );
        }
        if !added.is_empty() {
            self.push("enum-widened", o, n, d, Way::Looser, format!("enum values added: {}", list(added.into_iter())));
        }
    }

    fn bounds(&mut self, o: Side<'_>, n: Side<'_>, d: Direction) {
        // An upper bound that falls, or appears, lets fewer values through; a lower bound that rises.
        for (key, upper) in [
            ("maximum", true),
            ("maxLength", true),
            ("maxItems", true),
            ("maxProperties", true),
            ("minimum", false),
            ("minLength", false),
            ("minItems", false),
            ("minProperties", false),
        ] {
            let (ov, nv) = (o.number(key), n.number(key));
            let way = match (ov, nv) {
                (Some(a), Some(b)) if (b < a) == upper && a != b => Way::Stricter,
                (Some(a), Some(b)) if a != b => Way::Looser,
                (None, Some(_)) => Way::Stricter,
                (Some(_), None) => Way::Looser,
                _ => continue,
            };
            let what = format!("`{key}` {} became {}", number(ov), number(nv));
            let kind = if way == Way::Stricter { "bound-narrowed" } else { "bound-widened" };
            self.push(kind, o, n, d, way, what);
        }
        for key in ["exclusiveMaximum", "exclusiveMinimum", "uniqueItems"] {
            let (ov, nv) = (o.flag(key), n.flag(key));
            if ov != nv {
                let way = if nv { Way::Stricter } else { Way::Looser };
                let kind = if nv { "bound-narrowed" } else { "bound-widened" };
                self.push(kind, o, n, d, way, format!("`{key}` became {nv}"));
            }
        }
        let (op, np) = (o.str("pattern"), n.str("pattern"));
        if op != np {
            let way = if np.is_none() { Way::Looser } else { Way::Stricter };
            let what = format!("`pattern` {} became {}", quoted(op), quoted(np));
            self.push("pattern-changed", o, n, d, way, what);
        }
    }

    fn required(&mut self, o: Side<'_>, n: Side<'_>, d: Direction) {
        let (or, nr) = (o.names("required"), n.names("required"));
        let old_props = o.value.get("properties").and_then(Value::as_object);
        for name in nr.difference(&or) {
            // A property that is new and required is reported with the new properties.
            if old_props.is_some_and(|p| p.contains_key(*name)) {
                self.push("property-required", o, n, d, Way::Stricter, format!("property `{name}` became required"));
            }
        }
        for name in or.difference(&nr) {
            self.push("property-optional", o, n, d, Way::Looser, format!("property `{name}` is no longer required"));
        }
    }

    fn properties(&mut self, o: Side<'_>, n: Side<'_>, d: Direction, depth: usize) {
        let empty = serde_json::Map::new();
        let op = o.value.get("properties").and_then(Value::as_object).unwrap_or(&empty);
        let np = n.value.get("properties").and_then(Value::as_object).unwrap_or(&empty);
        let (op_ptr, np_ptr) = (join(o.pointer, "properties"), join(n.pointer, "properties"));
        for (name, old) in op {
            let old_at = written_at(old, &op_ptr, name);
            match np.get(name) {
                Some(new) => {
                    let new_at = written_at(new, &np_ptr, name);
                    self.compare_at(
                        At { value: old, pointer: &old_at },
                        At { value: new, pointer: &new_at },
                        d,
                        depth + 1,
                    );
                }
                None => {
                    let (verdict, why) = match d {
                        Direction::Request => {
                            (Verdict::Minor, "the server no longer documents it and may ignore or refuse it")
                        }
                        Direction::Response => {
                            (Verdict::Patch, "it was optional for clients or is reported as no longer required")
                        }
                    };
                    let message = format!("property `{name}` removed; {why}");
                    self.changes.push(
                        change("property-removed", Surface::Wire, verdict, message).at(Some(&old_at), Some(n.pointer)),
                    );
                }
            }
        }
        let required = n.names("required");
        for (name, new) in np.iter().filter(|(k, _)| !op.contains_key(*k)) {
            let new_at = written_at(new, &np_ptr, name);
            let needed = required.contains(name.as_str());
            let (verdict, message) = match (d, needed) {
                (Direction::Request, true) => {
                    (Verdict::Major, format!("new required property `{name}`: calls that work today lack it"))
                }
                (_, _) => (Verdict::Minor, format!("new property `{name}`")),
            };
            self.changes
                .push(change("property-added", Surface::Wire, verdict, message).at(Some(o.pointer), Some(&new_at)));
        }
    }

    fn nested(&mut self, o: Side<'_>, n: Side<'_>, d: Direction, depth: usize) {
        if let (Some(oi), Some(ni)) = (o.value.get("items"), n.value.get("items")) {
            let (op, np) = (join(o.pointer, "items"), join(n.pointer, "items"));
            self.compare_at(At { value: oi, pointer: &op }, At { value: ni, pointer: &np }, d, depth + 1);
        }
        let (oa, na) = (o.value.get("additionalProperties"), n.value.get("additionalProperties"));
        let open = |v: Option<&Value>| v.is_none_or(|v| v != &Value::Bool(false));
        match (oa, na) {
            (Some(oa @ Value::Object(_)), Some(na @ Value::Object(_))) => {
                let (op, np) = (join(o.pointer, "additionalProperties"), join(n.pointer, "additionalProperties"));
                self.compare_at(At { value: oa, pointer: &op }, At { value: na, pointer: &np }, d, depth + 1);
            }
            _ if open(oa) && !open(na) => self.push(
                "bound-narrowed",
                o,
                n,
                d,
                Way::Stricter,
                "properties beyond the listed ones are no longer allowed".into(),
            ),
            _ if !open(oa) && open(na) => self.push(
                "bound-widened",
                o,
                n,
                d,
                Way::Looser,
                "properties beyond the listed ones are now allowed".into(),
            ),
            _ => {}
        }
    }

    /// `oneOf`/`anyOf` (alternatives: one more is looser), members matched by their `$ref`, else
    /// by position. (`allOf` is flattened before.)
    fn alternatives(&mut self, o: Side<'_>, n: Side<'_>, d: Direction, depth: usize) {
        for (key, more) in [("oneOf", Way::Looser), ("anyOf", Way::Looser)] {
            let (Some(om), Some(nm)) = (o.array(key), n.array(key)) else {
                continue;
            };
            let fewer = if more == Way::Looser { Way::Stricter } else { Way::Looser };
            let ref_of = |v: &Value| v.get("$ref").and_then(Value::as_str).map(str::to_owned);
            let mut matched = BTreeSet::new();
            for (i, old) in om.iter().enumerate() {
                let found = match ref_of(old) {
                    Some(r) => nm.iter().position(|v| ref_of(v).as_deref() == Some(&r)),
                    None => (i < nm.len() && ref_of(&nm[i]).is_none()).then_some(i),
                };
                let old_at = join(&join(o.pointer, key), &i.to_string());
                match found {
                    Some(j) => {
                        matched.insert(j);
                        let new_at = join(&join(n.pointer, key), &j.to_string());
                        self.compare_at(
                            At { value: old, pointer: &old_at },
                            At { value: &nm[j], pointer: &new_at },
                            d,
                            depth + 1,
                        );
                    }
                    None => {
                        let what = format!("`{key}` member {} removed", describe(old));
                        let kind = if fewer == Way::Stricter { "union-narrowed" } else { "composition-changed" };
                        self.push(kind, Side { value: o.value, pointer: &old_at }, n, d, fewer, what);
                    }
                }
            }
            for (j, new) in nm.iter().enumerate().filter(|(j, _)| !matched.contains(j)) {
                let new_at = join(&join(n.pointer, key), &j.to_string());
                let what = format!("`{key}` member {} added", describe(new));
                let kind = if more == Way::Looser { "union-widened" } else { "composition-changed" };
                self.push(kind, o, Side { value: n.value, pointer: &new_at }, d, more, what);
            }
        }
    }
}

/// A resolved schema and its pointer.
#[derive(Clone, Copy)]
struct Side<'a> {
    value: &'a Value,
    pointer: &'a str,
}

impl<'a> Side<'a> {
    fn str(&self, key: &str) -> Option<&'a str> {
        self.value.get(key).and_then(Value::as_str)
    }

    /// The type for a message: `type`, else `oneOf`/`anyOf`, else `any`.
    fn type_name(&self) -> &'a str {
        self.str("type")
            .unwrap_or_else(|| ["oneOf", "anyOf"].into_iter().find(|k| self.value.get(*k).is_some()).unwrap_or("any"))
    }

    fn flag(&self, key: &str) -> bool {
        self.value.get(key).and_then(Value::as_bool).unwrap_or(false)
    }

    fn number(&self, key: &str) -> Option<f64> {
        self.value.get(key).and_then(Value::as_f64)
    }

    fn array(&self, key: &str) -> Option<&'a Vec<Value>> {
        self.value.get(key).and_then(Value::as_array)
    }

    fn names(&self, key: &str) -> BTreeSet<&'a str> {
        self.array(key).map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default()
    }
}

/// Follows `$ref`s (pointers into `document`) from `value` at `pointer`: the schema and its pointer.
pub(super) fn resolve<'d>(document: &'d Value, value: &'d Value, pointer: &str) -> Option<(&'d Value, String)> {
    let mut value = value;
    let mut pointer = pointer.to_owned();
    for _ in 0..32 {
        let Some(target) = value.get("$ref").and_then(Value::as_str) else {
            return Some((value, pointer));
        };
        let target = target.strip_prefix('#')?;
        value = document.pointer(target)?;
        pointer = target.to_owned();
    }
    None
}

/// Marks a property `flatten` merged: where it is written.
const WRITTEN_AT: &str = "x-gusset-written-at";

/// Where the property `name` of `properties` (at `pointer`) is written: there, or in the `allOf`
/// member `flatten` took it from.
fn written_at(property: &Value, pointer: &str, name: &str) -> String {
    match property.get(WRITTEN_AT).and_then(Value::as_str) {
        Some(at) => at.to_owned(),
        None => join(pointer, name),
    }
}

/// A schema with `allOf` as one schema: its own keywords, then each member's (resolved, itself
/// flattened) where the schema has none; `properties` and `required` are merged. A merged
/// property becomes a `$ref` to where it is written, so changes inside it get its real pointer.
/// `None` when there is no `allOf`.
fn flatten(document: &Value, value: &Value, pointer: &str) -> Option<Value> {
    fn merge(document: &Value, value: &Value, pointer: &str, into: &mut serde_json::Map<String, Value>, depth: usize) {
        let Some(object) = value.as_object() else { return };
        for (key, v) in object {
            match key.as_str() {
                "allOf" | "$ref" => {}
                "properties" => {
                    let properties = into.entry("properties").or_insert_with(|| Value::Object(Default::default()));
                    if let (Some(properties), Some(v)) = (properties.as_object_mut(), v.as_object()) {
                        for name in v.keys() {
                            let at = join(&join(pointer, "properties"), name);
                            let merged = serde_json::json!({ "$ref": format!("#{at}"), WRITTEN_AT: at });
                            properties.entry(name.clone()).or_insert(merged);
                        }
                    }
                }
                "required" => {
                    let required = into.entry("required").or_insert_with(|| Value::Array(Vec::new()));
                    if let (Some(required), Some(v)) = (required.as_array_mut(), v.as_array()) {
                        for name in v {
                            if !required.contains(name) {
                                required.push(name.clone());
                            }
                        }
                    }
                }
                _ => {
                    into.entry(key.clone()).or_insert_with(|| v.clone());
                }
            }
        }
        if depth > 16 {
            return;
        }
        let members = object.get("allOf").and_then(Value::as_array).into_iter().flatten();
        for (i, member) in members.enumerate() {
            let at = join(&join(pointer, "allOf"), &i.to_string());
            if let Some((member, at)) = resolve(document, member, &at) {
                merge(document, member, &at, into, depth + 1);
            }
        }
    }
    value.get("allOf")?;
    let mut into = serde_json::Map::new();
    merge(document, value, pointer, &mut into, 0);
    Some(Value::Object(into))
}

/// A member of `oneOf`/`allOf` in a message: its `$ref` target's last token, else its type.
fn describe(value: &Value) -> String {
    match value.get("$ref").and_then(Value::as_str) {
        Some(r) => format!("`{}`", r.rsplit('/').next().unwrap_or(r)),
        None => format!("of type `{}`", value.get("type").and_then(Value::as_str).unwrap_or("any")),
    }
}

fn list<'v>(values: impl Iterator<Item = &'v Value>) -> String {
    let shown: Vec<String> = values.map(Value::to_string).collect();
    let more = shown.len().saturating_sub(10);
    let mut text = shown.into_iter().take(10).collect::<Vec<_>>().join(", ");
    if more > 0 {
        text.push_str(&format!(" and {more} more"));
    }
    text
}

fn number(value: Option<f64>) -> String {
    value.map_or_else(|| "none".to_owned(), |v| v.to_string())
}

fn quoted(value: Option<&str>) -> String {
    value.map_or_else(|| "none".to_owned(), |v| format!("`{v}`"))
}
