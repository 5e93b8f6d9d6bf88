//! Mutation test over real documents: take a seeded sample of the corpus
//! (`../shared/corpus/dev`, present only in the development environment),
//! damage each document the ways real documents are damaged (a key deleted,
//! a value of the wrong type, two values swapped, a `$ref` that dangles or
//! loops, the file cut off mid-character or mid-escape, a key written twice)
//! and require `Ok` with code that parses, or `Err` whose diagnostics carry
//! pointers and (for anything but a syntax error) a file:line:col; never a
//! panic, never a hang.
//!
//! ```text
//! GUSSET_MUTATION_SECONDS=600 cargo test -p gusset-tests --test mutate_corpus -- --nocapture
//! ```
//!
//! `GUSSET_MUTATION_SECONDS` (default 60; `0` tries each kind of mutation
//! three times) and `GUSSET_MUTATION_SEED` (default 5, so the
//! sample and the mutants are the same on every run) choose the run. A
//! failing mutant is written to `$CARGO_TARGET_TMPDIR/mutants/`, where the
//! `reduce_a_saved_failure` tool of `fuzz_codegen` can shrink it. A third of
//! the mutants take two to four mutations at once.

mod no_panic_support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use no_panic_support::{Judge, Verdict, seconds_from_env};

/// The largest document sampled: the biggest take seconds each in a debug
/// build, and a mutant of a small document finds the same bugs.
const MAX_BYTES: u64 = 160_000;
/// Documents in the sample.
const SAMPLE: usize = 24;
const MUTANT_TIMEOUT: Duration = Duration::from_secs(20);
/// Mutants tried when `GUSSET_MUTATION_SECONDS=0`: each kind three times.
const FIXED_MUTANTS: usize = 3 * MUTATIONS.len();

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/dev")
}

/// SplitMix64: small, seedable, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`0` when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len()))
    }
}

/// A corpus document, parsed once.
struct Document {
    name: String,
    text: String,
    value: Value,
    yaml: bool,
}

impl Document {
    fn version(&self) -> &str {
        self.value.get("openapi").and_then(Value::as_str).unwrap_or("")
    }
}

fn load(path: &Path) -> Option<Document> {
    let name = path.file_name()?.to_str()?.to_owned();
    let text = std::fs::read_to_string(path).ok()?;
    let yaml = name.ends_with(".yaml") || name.ends_with(".yml");
    let value = if yaml { serde_yaml_ng::from_str(&text).ok()? } else { serde_json::from_str(&text).ok()? };
    Some(Document { name, text, value, yaml })
}

/// A seeded sample of the documents under `MAX_BYTES`, with at least one
/// YAML and one JSON document, and a 3.1 document in each syntax.
fn sample(rng: &mut Rng) -> Option<Vec<Document>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(corpus())
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.len() <= MAX_BYTES))
        .collect();
    paths.sort();
    // Fisher-Yates with our generator: the same sample for the same seed.
    for i in (1..paths.len()).rev() {
        paths.swap(i, rng.below(i + 1));
    }
    let mut documents: Vec<Document> = paths.iter().filter_map(|p| load(p)).collect();
    // Then make sure of the mix: the first documents that complete it move
    // to the front, which the truncation keeps.
    let is_31 = |d: &Document| d.version().starts_with("3.1");
    let wanted: [&dyn Fn(&Document) -> bool; 4] =
        [&|d| is_31(d) && d.yaml, &|d| is_31(d) && !d.yaml, &|d| d.yaml, &|d| !d.yaml];
    let mut chosen = 0;
    for wanted in wanted {
        if documents[..chosen].iter().any(wanted) {
            continue;
        }
        if let Some(i) = documents[chosen..].iter().position(wanted) {
            let document = documents.remove(chosen + i);
            documents.insert(chosen, document);
            chosen += 1;
        }
    }
    documents.truncate(SAMPLE);
    Some(documents)
}

// ---------------------------------------------------------------- mutations

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mutation {
    DeleteKey,
    ChangeType,
    SwapValues,
    DanglingRef,
    CyclicRef,
    Truncate,
    DuplicateKey,
}

const MUTATIONS: [Mutation; 7] = [
    Mutation::DeleteKey,
    Mutation::ChangeType,
    Mutation::SwapValues,
    Mutation::DanglingRef,
    Mutation::CyclicRef,
    Mutation::Truncate,
    Mutation::DuplicateKey,
];

/// A damaged document and what was done to it.
struct Mutant {
    text: String,
    description: String,
}

/// Every node's JSON pointer, parents before children.
fn pointers(value: &Value) -> Vec<String> {
    fn visit(value: &Value, at: &mut String, out: &mut Vec<String>) {
        out.push(at.clone());
        let len = at.len();
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    at.push('/');
                    at.push_str(&key.replace('~', "~0").replace('/', "~1"));
                    visit(child, at, out);
                    at.truncate(len);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    at.push('/');
                    at.push_str(&i.to_string());
                    visit(child, at, out);
                    at.truncate(len);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    visit(value, &mut String::new(), &mut out);
    out
}

/// The pointer's parent and last token, unescaped.
fn parent_and_key(pointer: &str) -> Option<(&str, String)> {
    let (parent, last) = pointer.rsplit_once('/')?;
    Some((parent, last.replace("~1", "/").replace("~0", "~")))
}

fn remove(doc: &mut Value, pointer: &str) -> Option<Value> {
    let (parent, key) = parent_and_key(pointer)?;
    match doc.pointer_mut(parent)? {
        Value::Object(map) => map.shift_remove(&key),
        Value::Array(items) => {
            let i: usize = key.parse().ok()?;
            (i < items.len()).then(|| items.remove(i))
        }
        _ => None,
    }
}

/// A value of another type than `value`.
fn retyped(value: &Value, rng: &mut Rng) -> Value {
    let candidates = [
        json!("a string"),
        json!(42),
        json!(-1.5),
        json!(true),
        Value::Null,
        json!([]),
        json!(["x", 1]),
        json!({}),
        json!({"type": "string"}),
        json!(""),
        json!(u64::MAX),
    ];
    let same_type = |a: &Value, b: &Value| std::mem::discriminant(a) == std::mem::discriminant(b);
    let others: Vec<&Value> = candidates.iter().filter(|c| !same_type(c, value)).collect();
    rng.pick(&others).map_or(Value::Null, |v| (*v).clone())
}

fn describe_value(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 60 { format!("{}...", text.chars().take(60).collect::<String>()) } else { text }
}

/// Applies `mutation`; `None` when the document offers no place for it.
fn mutate(document: &Document, mutation: Mutation, rng: &mut Rng) -> Option<Mutant> {
    let mut doc = document.value.clone();
    let all = pointers(&doc);
    let render = |doc: &Value| {
        if document.yaml { serde_yaml_ng::to_string(doc).ok() } else { serde_json::to_string_pretty(doc).ok() }
    };
    match mutation {
        Mutation::DeleteKey => {
            let members: Vec<&String> = all.iter().filter(|p| !p.is_empty()).collect();
            let at = (*rng.pick(&members)?).clone();
            remove(&mut doc, &at)?;
            Some(Mutant { text: render(&doc)?, description: format!("deleted `{at}`") })
        }
        Mutation::ChangeType => {
            let at = rng.pick(&all)?.clone();
            let node = doc.pointer_mut(&at)?;
            let new = retyped(node, rng);
            let description = format!("`{at}` changed from {} to {}", describe_value(node), describe_value(&new));
            *node = new;
            Some(Mutant { text: render(&doc)?, description })
        }
        Mutation::SwapValues => {
            // Two nodes neither of which contains the other.
            let nested = |outer: &str, inner: &str| inner == outer || inner.starts_with(&format!("{outer}/"));
            let a = rng.pick(&all[1..])?.clone();
            let apart: Vec<&String> = all[1..].iter().filter(|b| !nested(&a, b) && !nested(b, &a)).collect();
            let b = (*rng.pick(&apart)?).clone();
            let value_a = doc.pointer(&a)?.clone();
            let value_b = std::mem::replace(doc.pointer_mut(&b)?, value_a);
            *doc.pointer_mut(&a)? = value_b;
            Some(Mutant { text: render(&doc)?, description: format!("swapped `{a}` and `{b}`") })
        }
        Mutation::DanglingRef => {
            let refs: Vec<&String> = all.iter().filter(|p| p.ends_with("/$ref")).collect();
            let at = (*rng.pick(&refs)?).clone();
            let node = doc.pointer_mut(&at)?;
            let old = node.as_str().unwrap_or_default().to_owned();
            let new = match rng.below(5) {
                0 => "#/components/schemas/GussetMissing".to_owned(),
                1 => format!("{old}/properties/gusset_missing"),
                2 => format!("{old}Missing"),
                3 => "#/nowhere/at/all".to_owned(),
                _ => old.replace("/components/", "/component/"),
            };
            *node = json!(new);
            Some(Mutant { text: render(&doc)?, description: format!("`{at}` from `{old}` to dangling `{new}`") })
        }
        Mutation::CyclicRef => {
            // An object inside a component schema becomes a `$ref` to one of
            // its ancestors (or itself): a loop the document did not have.
            let inside: Vec<&String> = all
                .iter()
                .filter(|p| p.starts_with("/components/schemas/") && p.matches('/').count() >= 3)
                .filter(|p| doc.pointer(p).is_some_and(Value::is_object))
                .collect();
            let at = (*rng.pick(&inside)?).clone();
            // `/components/schemas/Name` and every deeper ancestor, up to `at` itself.
            let tokens: Vec<&str> = at.split('/').skip(1).collect();
            let depth = 3 + rng.below(tokens.len() - 2);
            let target = format!("#/{}", tokens[..depth].join("/"));
            *doc.pointer_mut(&at)? = json!({ "$ref": target });
            Some(Mutant { text: render(&doc)?, description: format!("`{at}` replaced by a `$ref` to `{target}`") })
        }
        Mutation::Truncate => {
            let bytes = document.text.as_bytes();
            // Half the time cut at a place that breaks a token: inside a
            // multi-byte character, just after a backslash, inside a string.
            let interesting: Vec<usize> = bytes
                .iter()
                .enumerate()
                .filter(|&(i, &b)| (b & 0xC0 == 0x80) || (i > 0 && bytes[i - 1] == b'\\') || b == b'"')
                .map(|(i, _)| i)
                .collect();
            let at = match rng.below(2) {
                0 => rng.pick(&interesting).copied().unwrap_or_else(|| rng.below(bytes.len())),
                _ => rng.below(bytes.len()),
            };
            let cut = &bytes[..at];
            // Reading a file cut mid-character fails as UTF-8; what can
            // still reach the parser is the text a lossy reader makes of it.
            let text = String::from_utf8_lossy(cut).into_owned();
            let context = String::from_utf8_lossy(&bytes[at.saturating_sub(12)..at]).into_owned();
            Some(Mutant { text, description: format!("truncated at byte {at} of {}, after {context:?}", bytes.len()) })
        }
        Mutation::DuplicateKey => {
            const SENTINEL: &str = "gusset-duplicate-key-sentinel";
            let members: Vec<&String> = all.iter().filter(|p| !p.is_empty()).collect();
            for _ in 0..20 {
                let at = (*rng.pick(&members)?).clone();
                let (parent, key) = parent_and_key(&at)?;
                let Some(Value::Object(map)) = doc.pointer(parent) else { continue };
                let index = map.keys().position(|k| *k == key)?;
                let value = map.get(&key)?;
                // Half the time the same value, else one of another type.
                let second = if rng.below(2) == 0 { value.clone() } else { retyped(value, rng) };
                let parent_owned = parent.to_owned();
                let Some(Value::Object(map)) = doc.pointer_mut(&parent_owned) else { continue };
                map.shift_insert(index + 1, SENTINEL.to_owned(), second);
                let text = render(&doc)?;
                let quoted = serde_json::to_string(&key).ok()?;
                let text = if document.yaml {
                    text.replacen(&format!("{SENTINEL}:"), &format!("{quoted}:"), 1)
                } else {
                    text.replacen(&format!("\"{SENTINEL}\""), &quoted, 1)
                };
                return Some(Mutant { text, description: format!("key `{at}` written twice") });
            }
            None
        }
    }
}

/// `extra` structural mutations (deletions, type changes, swaps, `$ref`s),
/// then `last`.
fn stacked(document: &Document, extra: usize, last: Mutation, rng: &mut Rng) -> Option<Mutant> {
    const STRUCTURAL: [Mutation; 5] =
        [Mutation::DeleteKey, Mutation::ChangeType, Mutation::SwapValues, Mutation::DanglingRef, Mutation::CyclicRef];
    let mut current = Document {
        name: document.name.clone(),
        text: document.text.clone(),
        value: document.value.clone(),
        yaml: document.yaml,
    };
    let mut done = Vec::new();
    for _ in 0..extra {
        let Some(mutant) = mutate(&current, STRUCTURAL[rng.below(STRUCTURAL.len())], rng) else { continue };
        let reread = if current.yaml {
            serde_yaml_ng::from_str(&mutant.text).ok()
        } else {
            serde_json::from_str(&mutant.text).ok()
        };
        let Some(value) = reread else { continue };
        current.value = value;
        current.text = mutant.text;
        done.push(mutant.description);
    }
    let mut mutant = mutate(&current, last, rng)?;
    done.push(mutant.description);
    mutant.description = done.join("; ");
    Some(mutant)
}

// ---------------------------------------------------------------- the run

#[test]
fn mutated_corpus_documents_never_panic_or_hang() {
    let seconds = seconds_from_env("GUSSET_MUTATION_SECONDS", 60);
    let seed = std::env::var("GUSSET_MUTATION_SEED")
        .map(|s| s.trim().parse::<u64>().unwrap_or_else(|_| panic!("GUSSET_MUTATION_SEED=`{s}` is not a number")))
        .unwrap_or(5);
    let mut rng = Rng(seed);
    let Some(documents) = sample(&mut rng) else {
        eprintln!("SKIP mutated_corpus_documents_never_panic_or_hang: no corpus at {}", corpus().display());
        return;
    };
    assert!(!documents.is_empty(), "no readable document under {MAX_BYTES} bytes in {}", corpus().display());
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let (mut tried, mut generated, mut refused) = (0usize, 0usize, 0usize);
    let mut per_mutation = [0usize; MUTATIONS.len()];
    let mut failures: Vec<String> = Vec::new();
    let mut documents_used = std::collections::BTreeSet::new();
    let mut attempts = 0usize;
    let mut judge = Judge::new(MUTANT_TIMEOUT);
    'run: loop {
        for document in &documents {
            let done = if seconds == 0 { attempts >= FIXED_MUTANTS } else { Instant::now() >= deadline };
            if done {
                break 'run;
            }
            // Cycle through the kinds of mutation so each gets its share (the
            // sample's size is not a multiple of their number, so each
            // document meets every kind over the rounds).
            let which = attempts % MUTATIONS.len();
            attempts += 1;
            let mutation = MUTATIONS[which];
            // A third of the mutants take a few more structural mutations first.
            let extra = if rng.below(3) == 0 { 1 + rng.below(3) } else { 0 };
            let Some(mutant) = stacked(document, extra, mutation, &mut rng) else { continue };
            documents_used.insert(document.name.as_str());
            tried += 1;
            per_mutation[which] += 1;
            match judge.judge(&document.name, &mutant.text) {
                Verdict::Generated => generated += 1,
                Verdict::Refused(_) => refused += 1,
                Verdict::Bad(why) => {
                    let why = match why
                        .starts_with("panic")
                        .then(|| judge.judge_with_backtrace(&document.name, &mutant.text))
                    {
                        Some(Verdict::Bad(detailed)) => detailed,
                        _ => why,
                    };
                    let saved = save(&document.name, failures.len(), &mutant.text);
                    failures.push(format!("{}: {} ({saved}):\n{why}", document.name, mutant.description));
                }
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let counts: Vec<String> = MUTATIONS.iter().zip(per_mutation).map(|(m, n)| format!("{m:?} {n}")).collect();
    eprintln!(
        "mutations: {tried} mutants of {} documents ({} YAML, {} OpenAPI 3.1; seed {seed}) in {elapsed:.1} s: {generated} generated code that parses, \
         {refused} refused with located errors, {} failed; by kind: {}",
        documents_used.len(),
        documents.iter().filter(|d| documents_used.contains(d.name.as_str()) && d.yaml).count(),
        documents.iter().filter(|d| documents_used.contains(d.name.as_str()) && d.version().starts_with("3.1")).count(),
        failures.len(),
        counts.join(", "),
    );
    assert!(failures.is_empty(), "{} mutants failed:\n\n{}", failures.len(), failures.join("\n\n"));
    assert!(tried > 0, "no mutant was tried");
}

/// Keeps a failing mutant for reproduction; says where.
fn save(name: &str, n: usize, text: &str) -> String {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("mutants");
    let path = dir.join(format!("{n}-{name}"));
    match std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, text)) {
        Ok(()) => format!("saved as {}", path.display()),
        Err(e) => format!("not saved: {e}"),
    }
}

/// The test binary doubles as the process generations run in.
#[test]
fn child_process_entry() {
    no_panic_support::child_entry();
}

#[test]
fn mutations_do_what_they_say() {
    let document = Document {
        name: "t.json".to_owned(),
        text: "{\"a\": {\"b\": \"é\\n\"}}".to_owned(),
        value: json!({"openapi": "3.0.0", "components": {"schemas": {
            "A": {"properties": {"x": {"type": "string"}, "y": {"$ref": "#/components/schemas/B"}}},
            "B": {"type": "object", "properties": {"z": {"type": "integer"}}},
        }}}),
        yaml: false,
    };
    let mut rng = Rng(1);
    for mutation in MUTATIONS {
        for _ in 0..20 {
            let mutant = mutate(&document, mutation, &mut rng).unwrap_or_else(|| panic!("{mutation:?} found no place"));
            assert_ne!(
                mutant.text,
                serde_json::to_string_pretty(&document.value).unwrap(),
                "{mutation:?}: {}",
                mutant.description
            );
            if mutation == Mutation::DuplicateKey {
                let key = mutant.description.split('`').nth(1).and_then(|p| p.rsplit('/').next()).unwrap().to_owned();
                let original = serde_json::to_string_pretty(&document.value).unwrap();
                let count = |text: &str| text.matches(&format!("\"{key}\":")).count();
                assert_eq!(count(&mutant.text), count(&original) + 1, "{}", mutant.text);
            }
            if mutation == Mutation::CyclicRef {
                let value: Value = serde_json::from_str(&mutant.text).unwrap();
                let target = mutant.description.rsplit('`').nth(1).unwrap();
                assert!(value.pointer(&target[1..]).is_some(), "{}: {}", mutant.description, mutant.text);
                assert!(mutant.text.contains(&format!("\"$ref\": \"{target}\"")), "{}", mutant.text);
            }
        }
    }
}
