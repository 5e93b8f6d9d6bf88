//! Values synthesized from schemas, deterministic from a seed: a valid example first (the
//! schema's, or the parameter's or media type's), else a value built to satisfy the schema:
//! formats, enums, bounds, lengths, simple patterns, every required and a share of the optional
//! properties (never `readOnly` ones: these are requests), one branch of a `oneOf` with its
//! discriminator set. [`check`] is the small validator that vets examples and tests the values.

use serde_json::{Map, Value, json};

use super::document::Document;
use super::pattern::from_pattern;
pub(crate) use super::validate::check;
use super::validate::{bound, has_type};

/// Integers stay within what a JSON number keeps exactly (and Prism accepts).
const MAX_SAFE: i64 = (1 << 53) - 1;

/// Nesting depth after which only required properties are filled.
const SHALLOW: usize = 3;

/// Nesting depth after which containers are left as small as their schema allows.
const DEEP: usize = 10;

/// A small deterministic generator (splitmix64): no dependency, the same values on every machine.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// Synthesizes values for one document.
#[derive(Debug)]
pub(crate) struct Synth<'a> {
    doc: &'a Document,
    rng: Rng,
    /// Fill every optional property within [`SHALLOW`], not a share: a `oneOf` branch's own
    /// optional properties are often what tells it from its siblings.
    greedy: bool,
    /// Take a schema's valid examples first (off for the later items of a `uniqueItems` array).
    examples: bool,
}

/// Items drawn for a `uniqueItems` array before settling for fewer.
const UNIQUE_TRIES: usize = 8;

/// Values tried for a `oneOf` before settling for one that matches several branches.
const ONE_OF_TRIES: usize = 6;

impl<'a> Synth<'a> {
    pub(crate) fn new(doc: &'a Document, seed: u64) -> Self {
        Synth { doc, rng: Rng::new(seed), greedy: false, examples: true }
    }

    /// The generator, for choices beside values (which optional parameters to send).
    pub(crate) fn rng(&mut self) -> &mut Rng {
        &mut self.rng
    }

    /// A value for a parameter or media type object: its own valid example, else one from its schema.
    pub(crate) fn for_holder(&mut self, holder: &Value) -> Value {
        let schema = holder.get("schema").cloned().unwrap_or(Value::Bool(true));
        for example in holder_examples(self.doc, holder) {
            if check(self.doc, &schema, &example).is_ok() {
                return example;
            }
        }
        self.value(&schema)
    }

    /// A value satisfying `schema`.
    pub(crate) fn value(&mut self, schema: &Value) -> Value {
        self.at(schema, 0)
    }

    fn at(&mut self, schema: &Value, depth: usize) -> Value {
        let doc = self.doc;
        let schema = doc.resolve(schema);
        let Some(object) = schema.as_object() else {
            return json!("conformance");
        };
        for example in schema_examples(object).into_iter().filter(|_| self.examples) {
            if check(doc, schema, &example).is_ok() {
                return example;
            }
        }
        if let Some(value) = object.get("const") {
            return value.clone();
        }
        if let Some(values) = object.get("enum").and_then(Value::as_array) {
            // Values of another type than the schema's (an `enum` of strings on an array, as
            // some documents have) can be sent by no typed client: leave them.
            let typed = type_of(object);
            let choices: Vec<&Value> = values
                .iter()
                .filter(|v| !v.is_null())
                .filter(|v| typed.as_deref().is_none_or(|t| has_type(v, t)))
                .collect();
            if !choices.is_empty() {
                let i = self.rng.below(choices.len());
                return choices.get(i).map(|v| (*v).clone()).unwrap_or(Value::Null);
            }
        }
        if let Some(parts) = object.get("allOf").and_then(Value::as_array) {
            return self.all_of(schema, parts, depth);
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(branches) = object.get(key).and_then(Value::as_array).filter(|b| !b.is_empty()) {
                return self.one_of(schema, branches, depth);
            }
        }
        match type_of(object).as_deref() {
            Some("string") => self.string(object),
            Some("integer") => integer(object, &mut self.rng).into(),
            Some("number") => number(object, &mut self.rng),
            Some("boolean") => Value::Bool(self.rng.chance(50)),
            Some("array") => self.array(object, depth),
            Some("object") => self.object(object, depth),
            Some("null") => Value::Null,
            _ => json!("conformance"),
        }
    }

    fn all_of(&mut self, schema: &Value, parts: &[Value], depth: usize) -> Value {
        // An `allOf` of objects is one object of all their properties; one that wraps a
        // scalar (`allOf: [$ref: Timestamp]`, to add a description) is that scalar.
        let object =
            |part: &Value| part.get("properties").is_some() || type_of_value(part).as_deref() == Some("object");
        let objectish = |part: &Value| {
            let part = self.doc.resolve(part);
            object(part) || part.get("allOf").is_some()
        };
        // Parts that only annotate (`allOf: [{$ref: X}, {description: ...}]`) constrain nothing.
        let parts: Vec<Value> = parts.iter().filter(|p| !annotation_only(p)).cloned().collect();
        // One part, and nothing beside it: a wrapper (to describe a reference), which is
        // its part, a `oneOf` of it included.
        let wrapper = parts.len() == 1 && schema.get("properties").is_none();
        if !wrapper && (object(schema) || parts.iter().any(objectish)) {
            let merged = merge_all_of(self.doc, schema, &parts);
            return self.all_of_unions(schema, &merged, &parts, depth);
        }
        // A scalar: the first value of a part that meets every part (`allOf: [{$ref: Flag},
        // {enum: [true]}]` is met by the second part's value only), else the first part's.
        for part in &parts {
            let value = self.at(part, depth);
            if check(self.doc, schema, &value).is_ok() {
                return value;
            }
        }
        match parts.first() {
            Some(first) => self.at(first, depth),
            // Annotations only: the schema's own keywords are all there is.
            None => self.at(&strip(schema, &["allOf"]), depth),
        }
    }

    /// A value of the merged object of an `allOf`, which also meets the unions among its parts
    /// (`allOf: [{oneOf: [{required: [account_app_id]}, {required: [managed_app_id]}]}, {anyOf:
    /// [{required: [breakout]}, ...]}, {properties: ...}]`, as Cloudflare writes its bodies): a
    /// value of each union beside the merged properties, merged in; tried again a few times
    /// until the whole `allOf` is met, else the first.
    fn all_of_unions(&mut self, schema: &Value, merged: &Value, parts: &[Value], depth: usize) -> Value {
        let unions: Vec<(&str, Value)> = parts
            .iter()
            .map(|p| self.doc.resolve(p))
            .filter_map(|p| ["oneOf", "anyOf"].into_iter().find_map(|k| p.get(k).map(|b| (k, b.clone()))))
            .collect();
        if unions.is_empty() {
            return self.at(merged, depth);
        }
        let mut first = None;
        for _ in 0..ONE_OF_TRIES {
            let mut value = self.at(merged, depth);
            for (keyword, branches) in &unions {
                let mut with = merged.clone();
                if let Value::Object(members) = &mut with {
                    members.insert((*keyword).to_owned(), branches.clone());
                }
                if let (Value::Object(into), Value::Object(from)) = (&mut value, self.at(&with, depth + 1)) {
                    into.extend(from);
                }
            }
            if check(self.doc, schema, &value).is_ok() {
                return value;
            }
            first.get_or_insert(value);
        }
        first.unwrap_or(Value::Null)
    }

    /// A value of one branch that matches that branch only, as `oneOf` requires (JSON Schema):
    /// branches that overlap (one's required properties a subset of another's, both open to
    /// more) match a minimal value twice, so each branch is tried, then tried with all its
    /// optional properties, before the first value is kept.
    fn one_of(&mut self, schema: &Value, branches: &[Value], depth: usize) -> Value {
        // A union beside a `type` that is not an object (`type: array` with an `anyOf` of schemas
        // that say no type, which any array satisfies): a value of that type, when it fits the
        // whole schema by JSON Schema's reading, as Prism checks it (read by their keywords,
        // such branches are objects, which no array is). A union of `const`s beside
        // `type: string` is not met by any string, so it still decides.
        if schema.get("type").and_then(Value::as_str).is_some_and(|t| t != "object") {
            let value = self.at(&strip(schema, &["oneOf", "anyOf", "discriminator"]), depth);
            if super::validate::check_as_json_schema(self.doc, schema, &value).is_ok() {
                return value;
            }
        }
        let candidates: Vec<&Value> =
            branches.iter().filter(|b| type_of_value(self.doc.resolve(b)).as_deref() != Some("null")).collect();
        let candidates = if candidates.is_empty() { branches.iter().collect() } else { candidates };
        let start = self.rng.below(candidates.len());
        let mut first = None;
        for attempt in 0..ONE_OF_TRIES.min(2 * candidates.len()) {
            let Some(branch) = candidates.get((start + attempt / 2) % candidates.len()).copied() else { break };
            let greedy = std::mem::replace(&mut self.greedy, attempt % 2 == 1);
            let value = self.branch(schema, branch, &candidates, depth);
            self.greedy = greedy;
            if check(self.doc, schema, &value).is_ok() {
                return value;
            }
            first.get_or_insert(value);
        }
        first.unwrap_or(Value::Null)
    }

    /// A value of `branch` of the `oneOf` (or `anyOf`) `schema`, with its siblings and discriminator.
    fn branch(&mut self, schema: &Value, branch: &Value, branches: &[&Value], depth: usize) -> Value {
        // A branch that only constrains the object beside it (`anyOf: [{required: [target]},
        // {required: [all]}]`) is that object with the branch's constraints, and without the
        // properties only the other branches require (Vercel's member is one of `uid`,
        // `username`, `email`: a value with two matches two branches).
        let resolved = self.doc.resolve(branch);
        let constraint_only = |b: &Value| {
            ["type", "properties", "oneOf", "anyOf", "allOf", "enum", "const", "items"]
                .iter()
                .all(|k| b.get(k).is_none())
        };
        if constraint_only(resolved) && schema.get("properties").is_some() {
            let required =
                |b: &Value| -> Vec<Value> { b.get("required").and_then(Value::as_array).cloned().unwrap_or_default() };
            let own = required(resolved);
            let mut base = strip(schema, &["oneOf", "anyOf", "discriminator"]);
            if let Some(Value::Object(properties)) = base.get_mut("properties") {
                let others =
                    branches.iter().map(|b| self.doc.resolve(b)).filter(|b| constraint_only(b)).flat_map(required);
                for name in others.filter(|n| !own.contains(n)) {
                    properties.remove(name.as_str().unwrap_or_default());
                }
            }
            return self.at(&json!({"allOf": [base, resolved]}), depth);
        }
        // Sibling properties of the oneOf (a common shape) apply to every branch.
        let mut value = match schema.get("properties") {
            Some(_) => {
                let base = self.at(&strip(schema, &["oneOf", "anyOf", "discriminator"]), depth);
                let extra = self.at(branch, depth);
                match (base, extra) {
                    (Value::Object(mut a), Value::Object(b)) => {
                        a.extend(b);
                        Value::Object(a)
                    }
                    (_, extra) => extra,
                }
            }
            None => self.at(branch, depth),
        };
        if let (Some(tag), Value::Object(members)) = (discriminator_tag(self.doc, schema, branch), &mut value) {
            members.insert(tag.0, Value::String(tag.1));
        }
        value
    }

    fn string(&mut self, object: &Map<String, Value>) -> Value {
        let min = object.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = object.get("maxLength").and_then(Value::as_u64).map(|m| m as usize);
        let format = object.get("format").and_then(Value::as_str).unwrap_or_default();
        let formatted = match format {
            "date-time" => Some("2024-05-06T07:08:09Z".to_owned()),
            "date" => Some("2024-05-06".to_owned()),
            "time" => Some("07:08:09Z".to_owned()),
            "uuid" => Some(uuid(&mut self.rng)),
            "email" => Some(format!("user{}@example.com", self.rng.below(1000))),
            "uri" | "url" | "uri-reference" | "iri" => Some(format!("https://example.com/r{}", self.rng.below(1000))),
            "hostname" => Some("example.com".to_owned()),
            "ipv4" => Some("192.0.2.1".to_owned()),
            "ipv6" => Some("2001:db8::1".to_owned()),
            "byte" => Some("Y29uZm9ybWFuY2U=".to_owned()),
            "int32" | "int64" | "integer" => Some(integer(object, &mut self.rng).to_string()),
            "decimal" | "double" | "float" | "number" => Some(format!("{}.5", self.rng.below(100))),
            _ => None,
        };
        if let Some(text) = formatted {
            return Value::String(text);
        }
        if let Some(text) = object.get("pattern").and_then(Value::as_str).and_then(|p| from_pattern(p, &mut self.rng)) {
            let n = text.chars().count();
            if n >= min && max.is_none_or(|m| n <= m) {
                return Value::String(text);
            }
        }
        let target = min.max(max.map_or(8, |m| m.min(8)));
        let mut text = String::from("conf");
        while text.len() < target {
            text.push(char::from(b'a' + (self.rng.below(26) as u8)));
        }
        if let Some(max) = max {
            text.truncate(max);
        }
        Value::String(text)
    }

    fn array(&mut self, object: &Map<String, Value>, depth: usize) -> Value {
        let min = object.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = object.get("maxItems").and_then(Value::as_u64).map(|m| m as usize);
        let wanted = if depth >= DEEP { min } else { min.max(1) };
        let n = max.map_or(wanted, |m| wanted.min(m));
        let items = object.get("items").cloned().unwrap_or(Value::Bool(true));
        let unique = object.get("uniqueItems").and_then(Value::as_bool).unwrap_or(false);
        let mut out: Vec<Value> = Vec::with_capacity(n);
        let mut tries = 0;
        while out.len() < n && tries < n * UNIQUE_TRIES + UNIQUE_TRIES {
            tries += 1;
            // After the first item, values come from the schema, not its examples: an example
            // repeated is no second item of a `uniqueItems` array.
            let examples = std::mem::replace(&mut self.examples, out.is_empty() || !unique);
            let item = self.at(&items, depth + 1);
            self.examples = examples;
            if !unique || !out.contains(&item) {
                out.push(item);
            }
        }
        Value::Array(out)
    }

    fn object(&mut self, object: &Map<String, Value>, depth: usize) -> Value {
        let doc = self.doc;
        let required: Vec<&str> =
            object.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
        let min = object.get("minProperties").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = object.get("maxProperties").and_then(Value::as_u64).map_or(usize::MAX, |m| m as usize);
        let mut out = Map::new();
        let empty = Map::new();
        let properties = object.get("properties").and_then(Value::as_object).unwrap_or(&empty);
        for (name, property) in properties {
            let resolved = doc.resolve(property);
            if resolved.get("readOnly").and_then(Value::as_bool) == Some(true) {
                continue;
            }
            let needed = required.contains(&name.as_str());
            let optional = depth < SHALLOW && out.len() < max && (self.greedy || self.rng.chance(50));
            let wanted = needed || optional || out.len() < min;
            if wanted && (needed || depth < DEEP) {
                let value = self.at(property, depth + 1);
                out.insert(name.clone(), value);
            }
        }
        // A top-level value with properties has one at least (an empty object is no path segment).
        if out.is_empty() && depth == 0 {
            let first = properties.iter().find(|(_, p)| doc.resolve(p).get("readOnly") != Some(&Value::Bool(true)));
            if let Some((name, property)) = first {
                let value = self.at(property, depth + 1);
                out.insert(name.clone(), value);
            }
        }
        // A required name without a property: anything will do.
        for name in required {
            if !out.contains_key(name) && !properties.contains_key(name) {
                out.insert(name.to_owned(), json!("conformance"));
            }
        }
        if out.is_empty() && properties.is_empty() {
            if let Some(extra) = object.get("additionalProperties").filter(|a| a.is_object()) {
                if depth < DEEP {
                    let value = self.at(extra, depth + 1);
                    out.insert("key1".to_owned(), value);
                }
            }
        }
        Value::Object(out)
    }
}

/// The schema's `type`, the first that is not `null` when it lists several (OpenAPI 3.1);
/// inferred from the keywords present when absent.
fn type_of(object: &Map<String, Value>) -> Option<String> {
    match object.get("type") {
        Some(Value::String(t)) => Some(t.clone()),
        Some(Value::Array(types)) => {
            let types: Vec<&str> = types.iter().filter_map(Value::as_str).collect();
            types.iter().find(|t| **t != "null").or(types.first()).map(|t| (*t).to_owned())
        }
        _ if object.contains_key("properties") || object.contains_key("additionalProperties") => Some("object".into()),
        _ if object.contains_key("items") => Some("array".into()),
        _ if object.contains_key("minLength") || object.contains_key("pattern") || object.contains_key("format") => {
            Some("string".into())
        }
        _ if object.contains_key("minimum") || object.contains_key("maximum") => Some("number".into()),
        _ => None,
    }
}

fn type_of_value(schema: &Value) -> Option<String> {
    schema.as_object().and_then(type_of)
}

fn strip(schema: &Value, keys: &[&str]) -> Value {
    let mut out = schema.clone();
    if let Value::Object(members) = &mut out {
        for key in keys {
            members.remove(*key);
        }
    }
    out
}

/// One object schema with the properties and required names of every part of an `allOf`
/// (and of the schema around it).
fn merge_all_of(doc: &Document, schema: &Value, parts: &[Value]) -> Value {
    let mut properties = Map::new();
    let mut required: Vec<Value> = Vec::new();
    let mut other = Map::new();
    let mut absorb = |part: &Value, properties: &mut Map<String, Value>, required: &mut Vec<Value>| {
        if let Some(props) = part.get("properties").and_then(Value::as_object) {
            for (k, v) in props {
                properties.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        for name in part.get("required").and_then(Value::as_array).into_iter().flatten() {
            if !required.contains(name) {
                required.push(name.clone());
            }
        }
        if let Some(members) = part.as_object() {
            for key in ["additionalProperties", "discriminator"] {
                if let Some(v) = members.get(key) {
                    other.entry(key.to_owned()).or_insert_with(|| v.clone());
                }
            }
        }
    };
    absorb(schema, &mut properties, &mut required);
    let mut stack: Vec<&Value> = parts.iter().collect();
    let mut seen = 0;
    while let Some(part) = stack.pop() {
        seen += 1;
        if seen > 64 {
            break;
        }
        let part = doc.resolve(part);
        absorb(part, &mut properties, &mut required);
        if let Some(inner) = part.get("allOf").and_then(Value::as_array) {
            stack.extend(inner.iter());
        }
    }
    let mut out = other;
    out.insert("type".into(), json!("object"));
    out.insert("properties".into(), Value::Object(properties));
    out.insert("required".into(), Value::Array(required));
    Value::Object(out)
}

/// Whether a schema holds annotations only (a description, a title, examples), no constraint.
fn annotation_only(schema: &Value) -> bool {
    const ANNOTATIONS: [&str; 9] = [
        "description",
        "title",
        "example",
        "examples",
        "deprecated",
        "externalDocs",
        "default",
        "readOnly",
        "writeOnly",
    ];
    schema.as_object().is_some_and(|o| o.keys().all(|k| ANNOTATIONS.contains(&k.as_str()) || k.starts_with("x-")))
}

/// The discriminator property and the value that selects `branch`, when `schema` has one.
fn discriminator_tag(doc: &Document, schema: &Value, branch: &Value) -> Option<(String, String)> {
    let discriminator = super::discriminator::discriminator_of(doc, schema)?;
    let property = discriminator.get("propertyName")?.as_str()?.to_owned();
    let reference = branch.get("$ref").and_then(Value::as_str);
    if let (Some(mapping), Some(reference)) = (discriminator.get("mapping").and_then(Value::as_object), reference) {
        if let Some((key, _)) = mapping.iter().find(|(_, v)| v.as_str() == Some(reference)) {
            return Some((property, key.clone()));
        }
    }
    // The branch's own enum or const for the property, else its component name.
    let resolved = doc.resolve(branch);
    let own = resolved.get("properties").and_then(|p| p.get(&property)).map(|p| doc.resolve(p));
    if let Some(own) = own {
        if let Some(v) = own.get("const").and_then(Value::as_str) {
            return Some((property, v.to_owned()));
        }
        if let Some(v) = own.get("enum").and_then(Value::as_array).and_then(|e| e.first()).and_then(Value::as_str) {
            return Some((property, v.to_owned()));
        }
    }
    Some((property, reference?.rsplit('/').next()?.to_owned()))
}

fn schema_examples(object: &Map<String, Value>) -> Vec<Value> {
    let mut out = Vec::new();
    if let Some(example) = object.get("example") {
        out.push(example.clone());
    }
    if let Some(examples) = object.get("examples").and_then(Value::as_array) {
        out.extend(examples.iter().cloned());
    }
    out
}

fn holder_examples(doc: &Document, holder: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    if let Some(example) = holder.get("example") {
        out.push(example.clone());
    }
    if let Some(examples) = holder.get("examples").and_then(Value::as_object) {
        for example in examples.values() {
            if let Some(value) = doc.resolve(example).get("value") {
                out.push(value.clone());
            }
        }
    }
    out
}

/// The inclusive range a number may take: `minimum`/`maximum`, exclusive forms of 3.0
/// (booleans) and 3.1 (numbers).
fn range(object: &Map<String, Value>, step: f64) -> (f64, f64) {
    let mut lo = bound(object, "minimum");
    let mut hi = bound(object, "maximum");
    match object.get("exclusiveMinimum") {
        Some(Value::Bool(true)) => lo = lo.map(|l| l + step),
        Some(Value::Number(n)) => lo = n.as_f64().map(|l| l + step),
        _ => {}
    }
    match object.get("exclusiveMaximum") {
        Some(Value::Bool(true)) => hi = hi.map(|h| h - step),
        Some(Value::Number(n)) => hi = n.as_f64().map(|h| h - step),
        _ => {}
    }
    let lo = lo.unwrap_or_else(|| hi.map_or(1.0, |h| (h - 100.0).min(1.0)));
    let hi = hi.unwrap_or(lo.max(1.0) + 100.0);
    (lo, hi.max(lo))
}

fn integer(object: &Map<String, Value>, rng: &mut Rng) -> i64 {
    let (lo, hi) = range(object, 1.0);
    let lo = (lo.ceil() as i64).clamp(-MAX_SAFE, MAX_SAFE);
    let hi = (hi.floor() as i64).clamp(lo, MAX_SAFE);
    let step = object.get("multipleOf").and_then(Value::as_i64).filter(|m| *m > 0).unwrap_or(1);
    let first = lo.div_euclid(step) * step + if lo.rem_euclid(step) == 0 { 0 } else { step };
    let count = ((hi - first) / step).clamp(0, 100) as usize + 1;
    (first + step * rng.below(count) as i64).min(hi.max(first))
}

fn number(object: &Map<String, Value>, rng: &mut Rng) -> Value {
    if object.get("multipleOf").is_some_and(|m| m.as_f64().is_some_and(|m| m.fract() == 0.0)) {
        return integer(object, rng).into();
    }
    let (lo, hi) = range(object, 0.001);
    let x = lo + (hi - lo) * (rng.below(1000) as f64 / 1000.0);
    let x = (x * 100.0).round() / 100.0;
    json!(x.clamp(lo, hi))
}

fn uuid(rng: &mut Rng) -> String {
    let (a, b) = (rng.next(), rng.next());
    let hex = format!("{a:016x}{b:016x}");
    format!("{}-{}-4{}-a{}-{}", &hex[0..8], &hex[8..12], &hex[13..16], &hex[17..20], &hex[20..32])
}

#[cfg(test)]
#[path = "synth_tests.rs"]
mod tests;
