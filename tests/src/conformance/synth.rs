//! Values synthesized from schemas, deterministic from a seed: a valid example first (the
//! schema's, or the parameter's or media type's), else a value built to satisfy the schema:
//! formats, enums, bounds, lengths, simple patterns, every required and a share of the optional
//! properties (never `readOnly` ones: these are requests), one branch of a `oneOf` with its
//! discriminator set. [`check`] is the small validator that vets examples and tests the values.

use serde_json::{Map, Value, json};

use super::document::Document;

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
}

impl<'a> Synth<'a> {
    pub(crate) fn new(doc: &'a Document, seed: u64) -> Self {
        Synth { doc, rng: Rng::new(seed) }
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
        for example in schema_examples(object) {
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
        let merged = merge_all_of(self.doc, schema, parts);
        if merged.get("properties").is_some() || type_of_value(&merged).as_deref() == Some("object") {
            return self.at(&merged, depth);
        }
        match parts.first() {
            Some(first) => self.at(first, depth),
            None => json!({}),
        }
    }

    fn one_of(&mut self, schema: &Value, branches: &[Value], depth: usize) -> Value {
        let candidates: Vec<&Value> =
            branches.iter().filter(|b| type_of_value(self.doc.resolve(b)).as_deref() != Some("null")).collect();
        let pick = candidates.get(self.rng.below(candidates.len())).copied().or(branches.first());
        let Some(branch) = pick else { return Value::Null };
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
        while out.len() < n && tries < n * 4 + 4 {
            tries += 1;
            let item = self.at(&items, depth + 1);
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
            let wanted = needed || (depth < SHALLOW && out.len() < max && self.rng.chance(50)) || out.len() < min;
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

fn bound(object: &Map<String, Value>, key: &str) -> Option<f64> {
    object.get(key).and_then(Value::as_f64)
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

/// A string matching a simple regular expression: literals, escapes (`\d \w \s`, escaped
/// punctuation), classes (`[a-z0-9_]`, negated ones), `.`, groups with alternatives (the first
/// is taken), and the quantifiers `? * + {n} {n,} {n,m}` (the least count that is at least 1,
/// `{0}` kept). `None` for what it does not know (look-arounds, back-references).
pub(crate) fn from_pattern(pattern: &str, rng: &mut Rng) -> Option<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut at = 0;
    let out = sequence(&chars, &mut at, rng)?;
    (at == chars.len()).then_some(out)
}

fn sequence(chars: &[char], at: &mut usize, rng: &mut Rng) -> Option<String> {
    let mut out = String::new();
    let mut alternatives_done = false;
    while let Some(&c) = chars.get(*at) {
        if c == ')' {
            break;
        }
        if c == '|' {
            // Keep the first alternative; skip the rest of this group.
            alternatives_done = true;
            *at += 1;
            let mut skip_depth = 0usize;
            while let Some(&c) = chars.get(*at) {
                match c {
                    '\\' => *at += 1,
                    '(' => skip_depth += 1,
                    ')' if skip_depth == 0 => break,
                    ')' => skip_depth -= 1,
                    _ => {}
                }
                *at += 1;
            }
            break;
        }
        let atom = atom(chars, at, rng)?;
        let (low, _) = quantifier(chars, at)?;
        for _ in 0..low {
            out.push_str(&atom.clone().unwrap_or_default());
        }
    }
    let _ = alternatives_done;
    Some(out)
}

/// One atom's text (`None` inside for an anchor, which matches the empty string).
fn atom(chars: &[char], at: &mut usize, rng: &mut Rng) -> Option<Option<String>> {
    let c = *chars.get(*at)?;
    *at += 1;
    Some(match c {
        '^' | '$' => None,
        '.' => Some("a".to_owned()),
        '\\' => {
            let e = *chars.get(*at)?;
            *at += 1;
            Some(match e {
                'd' => (rng.below(10)).to_string(),
                'w' => "a".to_owned(),
                's' => " ".to_owned(),
                'b' | 'B' | 'A' | 'z' | 'Z' => return Some(None),
                c if c.is_ascii_alphanumeric() => return None,
                c => c.to_string(),
            })
        }
        '[' => Some(class(chars, at)?.to_string()),
        '(' => {
            if chars.get(*at) == Some(&'?') {
                if chars.get(*at + 1) != Some(&':') {
                    return None;
                }
                *at += 2;
            }
            let inner = sequence(chars, at, rng)?;
            if chars.get(*at) != Some(&')') {
                return None;
            }
            *at += 1;
            Some(inner)
        }
        '*' | '+' | '?' | '{' | ')' | '|' => return None,
        c => Some(c.to_string()),
    })
}

/// A character of a class (`[...]`, at is past the `[`).
fn class(chars: &[char], at: &mut usize) -> Option<char> {
    let negated = chars.get(*at) == Some(&'^');
    if negated {
        *at += 1;
    }
    let mut members: Vec<(char, char)> = Vec::new();
    let mut first = true;
    loop {
        let c = *chars.get(*at)?;
        *at += 1;
        if c == ']' && !first {
            break;
        }
        first = false;
        let low = if c == '\\' {
            let e = *chars.get(*at)?;
            *at += 1;
            match e {
                'd' => {
                    members.push(('0', '9'));
                    continue;
                }
                'w' => {
                    members.push(('a', 'z'));
                    continue;
                }
                's' => {
                    members.push((' ', ' '));
                    continue;
                }
                e => e,
            }
        } else {
            c
        };
        if chars.get(*at) == Some(&'-') && chars.get(*at + 1).is_some_and(|n| *n != ']') {
            let high = *chars.get(*at + 1)?;
            *at += 2;
            members.push((low, high));
        } else {
            members.push((low, low));
        }
    }
    if negated {
        return ('a'..='z').chain('0'..='9').find(|c| !members.iter().any(|(l, h)| (*l..=*h).contains(c)));
    }
    // Prefer a letter or digit member, for values that read well.
    members.iter().find(|(l, _)| l.is_ascii_alphanumeric()).or(members.first()).map(|(l, _)| *l)
}

/// The repetition after an atom: (least count used, whether it was given).
fn quantifier(chars: &[char], at: &mut usize) -> Option<(usize, bool)> {
    let found = match chars.get(*at) {
        Some('?' | '*' | '+') => {
            *at += 1;
            (1, true)
        }
        Some('{') => {
            let close = chars[*at..].iter().position(|c| *c == '}')? + *at;
            let inside: String = chars[*at + 1..close].iter().collect();
            *at = close + 1;
            let (low, high) = match inside.split_once(',') {
                Some((low, high)) => (low.trim().parse::<usize>().ok()?, high.trim().parse::<usize>().ok()),
                None => {
                    let n = inside.trim().parse::<usize>().ok()?;
                    (n, Some(n))
                }
            };
            let n = if low == 0 && high != Some(0) { 1 } else { low };
            (n, true)
        }
        _ => (1, false),
    };
    // A lazy or possessive marker changes nothing here.
    if found.1 && matches!(chars.get(*at), Some('?' | '+')) {
        *at += 1;
    }
    Some(found)
}

/// Whether `value` satisfies `schema`, as far as this small validator knows (types, `enum`,
/// `const`, bounds, lengths, `required`, properties, items, `allOf`/`anyOf`/`oneOf`, the
/// `date`, `date-time` and `uuid` formats); patterns are not checked. `Err` says where and why.
pub(crate) fn check(doc: &Document, schema: &Value, value: &Value) -> Result<(), String> {
    check_at(doc, schema, value, "", 0)
}

fn check_at(doc: &Document, schema: &Value, value: &Value, at: &str, depth: usize) -> Result<(), String> {
    let schema = doc.resolve(schema);
    let Some(s) = schema.as_object() else { return Ok(()) };
    if depth > 64 {
        return Ok(());
    }
    let fail = |why: String| Err(format!("{}: {why}", if at.is_empty() { "/" } else { at }));
    let nullable = s.get("nullable").and_then(Value::as_bool) == Some(true);
    if value.is_null() && nullable {
        return Ok(());
    }
    if let Some(values) = s.get("enum").and_then(Value::as_array) {
        if !values.contains(value) {
            return fail(format!("{value} is not one of the enum's values"));
        }
    }
    if let Some(c) = s.get("const") {
        if c != value {
            return fail(format!("{value} is not the const {c}"));
        }
    }
    for part in s.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        check_at(doc, part, value, at, depth + 1)?;
    }
    if let Some(branches) = s.get("anyOf").and_then(Value::as_array) {
        if !branches.iter().any(|b| check_at(doc, b, value, at, depth + 1).is_ok()) {
            return fail("matches no branch of anyOf".into());
        }
    }
    if let Some(branches) = s.get("oneOf").and_then(Value::as_array) {
        if super::discriminator::discriminator_of(doc, schema).is_some() {
            // OpenAPI's rule: the discriminator value names the branch the value must satisfy.
            match super::discriminator::selected_branch(doc, schema, value) {
                Some(branch) => check_at(doc, branch, value, at, depth + 1)?,
                None => return fail("its discriminator selects no branch of oneOf".into()),
            }
        } else {
            let n = branches.iter().filter(|b| check_at(doc, b, value, at, depth + 1).is_ok()).count();
            if n != 1 {
                return fail(format!("matches {n} branches of oneOf, not one"));
            }
        }
    }
    let types: Vec<&str> = match s.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !types.is_empty() && !types.iter().any(|t| has_type(value, t)) {
        return fail(format!("{value} is not of type {}", types.join(" or ")));
    }
    match value {
        Value::String(text) => {
            let n = text.chars().count() as u64;
            if s.get("minLength").and_then(Value::as_u64).is_some_and(|m| n < m) {
                return fail(format!("shorter than minLength ({n})"));
            }
            if s.get("maxLength").and_then(Value::as_u64).is_some_and(|m| n > m) {
                return fail(format!("longer than maxLength ({n})"));
            }
            let format = s.get("format").and_then(Value::as_str).unwrap_or_default();
            let ok = match format {
                "date-time" => text.parse::<gusset::DateTime>().is_ok(),
                "date" => text.parse::<gusset::Date>().is_ok(),
                "uuid" => gusset::Uuid::parse_str(text).is_ok(),
                _ => true,
            };
            if !ok {
                return fail(format!("`{text}` is not a {format}"));
            }
        }
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or_default();
            let (lo, hi) = (bound(s, "minimum"), bound(s, "maximum"));
            let ex_lo = s.get("exclusiveMinimum");
            let ex_hi = s.get("exclusiveMaximum");
            let below = lo.is_some_and(|l| x < l || (ex_lo == Some(&Value::Bool(true)) && x == l))
                || ex_lo.and_then(Value::as_f64).is_some_and(|l| x <= l);
            let above = hi.is_some_and(|h| x > h || (ex_hi == Some(&Value::Bool(true)) && x == h))
                || ex_hi.and_then(Value::as_f64).is_some_and(|h| x >= h);
            if below || above {
                return fail(format!("{x} is out of bounds"));
            }
            if let Some(m) = s.get("multipleOf").and_then(Value::as_f64).filter(|m| *m > 0.0) {
                if ((x / m).round() * m - x).abs() > 1e-9 {
                    return fail(format!("{x} is not a multiple of {m}"));
                }
            }
        }
        Value::Array(items) => {
            let n = items.len() as u64;
            if s.get("minItems").and_then(Value::as_u64).is_some_and(|m| n < m)
                || s.get("maxItems").and_then(Value::as_u64).is_some_and(|m| n > m)
            {
                return fail(format!("{n} items is outside minItems/maxItems"));
            }
            if let Some(item_schema) = s.get("items") {
                for (i, item) in items.iter().enumerate() {
                    check_at(doc, item_schema, item, &format!("{at}/{i}"), depth + 1)?;
                }
            }
        }
        Value::Object(members) => {
            for name in s.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
                let read_only = s
                    .get("properties")
                    .and_then(|p| p.get(name))
                    .is_some_and(|p| doc.resolve(p).get("readOnly") == Some(&Value::Bool(true)));
                if !members.contains_key(name) && !read_only {
                    return fail(format!("required property `{name}` is missing"));
                }
            }
            let properties = s.get("properties").and_then(Value::as_object);
            for (name, member) in members {
                match properties.and_then(|p| p.get(name)) {
                    Some(property) => check_at(doc, property, member, &format!("{at}/{name}"), depth + 1)?,
                    None => match s.get("additionalProperties") {
                        Some(Value::Bool(false)) => return fail(format!("property `{name}` is not allowed")),
                        Some(extra @ Value::Object(_)) => {
                            check_at(doc, extra, member, &format!("{at}/{name}"), depth + 1)?
                        }
                        _ => {}
                    },
                }
            }
        }
        _ => {}
    }
    Ok(())
}

fn has_type(value: &Value, t: &str) -> bool {
    match t {
        "string" => value.is_string(),
        "integer" => {
            value.as_i64().is_some() || value.as_u64().is_some() || value.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "null" => value.is_null(),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
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
    fn simple_patterns_are_matched() {
        let mut rng = Rng::new(1);
        let mut make = |p: &str| from_pattern(p, &mut rng);
        let digits = make(r"^\d{4}-\d{2}$").unwrap();
        assert!(digits.len() == 7 && digits.chars().nth(4) == Some('-'), "{digits}");
        assert!(digits.chars().filter(|c| *c != '-').all(|c| c.is_ascii_digit()), "{digits}");
        assert_eq!(make("^[A-Z]{3}$").unwrap(), "AAA");
        assert_eq!(make("^(?:usd|eur)$").unwrap(), "usd");
        assert_eq!(make(r"^[^0-9]+\.txt$").unwrap(), "a.txt");
        assert_eq!(make("^ab?c*d+$").unwrap(), "abcd");
        assert_eq!(make("^x{0}y$").unwrap(), "y");
        assert_eq!(make(r"^(?=a)"), None, "look-arounds are not known");
        assert_eq!(make(r"(a)\1"), None, "nor back-references");
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
"##);
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
    fn the_checker_rejects_what_does_not_satisfy() {
        let d = doc("{}");
        let schema =
            json!({"type": "object", "required": ["n"], "properties": {"n": {"type": "integer", "maximum": 3}}});
        assert!(check(&d, &schema, &json!({"n": 3})).is_ok());
        assert_eq!(check(&d, &schema, &json!({"n": 4})).unwrap_err(), "/n: 4 is out of bounds");
        assert_eq!(check(&d, &schema, &json!({})).unwrap_err(), "/: required property `n` is missing");
        assert!(check(&d, &schema, &json!({"n": "3"})).is_err());
        assert!(check(&d, &json!({"type": "string", "format": "date"}), &json!("May 6")).is_err());
        assert!(check(&d, &json!({"oneOf": [{"type": "integer"}, {"type": "number"}]}), &json!(1)).is_err());
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
}
