//! Fuzzing load → lower → emit → format on stable Rust: proptest generates
//! structurally plausible OpenAPI documents (values biased towards OpenAPI's
//! keys, `$ref`s that resolve, dangle, cycle and point into the middle of
//! schemas, wrong types everywhere, hostile strings) and mutates the bytes of
//! the fixture documents. Every input must give `Ok` with code that parses
//! as Rust, or `Err` whose diagnostics are well formed; never a panic, never
//! a hang.
//!
//! Bounded by time, so it fits in CI:
//!
//! ```text
//! GUSSET_FUZZ_SECONDS=600 cargo test -p gusset-tests --test fuzz_codegen -- --nocapture
//! ```
//!
//! `GUSSET_FUZZ_SECONDS` (default 45; `0` runs a fixed 200 cases) and
//! `GUSSET_FUZZ_SEED` (default: from the clock, printed) choose the run. A
//! failing input is shrunk with proptest's value trees, then printed.

#[path = "../no_panic_support/mod.rs"]
mod no_panic_support;

mod damage;
mod document;
mod strings;

use std::path::Path;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::strategy::{Union, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::json;

use damage::{SEEDS, deep, mutated};
use document::{FILE_REFS, structured};
use no_panic_support::{Judge, Verdict, seconds_from_env, show};

/// Cases run when `GUSSET_FUZZ_SECONDS=0`.
const FIXED_CASES: u64 = 200;
/// Longer than any generated document can honestly take in a debug build.
const CASE_TIMEOUT: Duration = Duration::from_secs(20);
/// How long shrinking a failure may take before the best input so far is reported.
const SHRINK_BUDGET: Duration = Duration::from_secs(120);

/// One input: a file name (which decides JSON or YAML) and its text.
#[derive(Debug, Clone)]
struct Case {
    name: &'static str,
    text: String,
}

fn case() -> BoxedStrategy<Case> {
    Union::new_weighted(vec![(12, structured()), (4, mutated()), (1, deep())]).boxed()
}

// ---------------------------------------------------------------- the run

/// Shrinks the failing case of `tree` with proptest's simplify/complicate
/// search, keeping failures of the same kind.
fn shrink(judge: &mut Judge, mut tree: impl ValueTree<Value = Case>, verdict: Verdict) -> (Case, Verdict, usize) {
    let started = Instant::now();
    let wanted = verdict.kind().to_owned();
    let (mut best, mut best_verdict, mut steps) = (tree.current(), verdict, 0);
    if !tree.simplify() {
        return (best, best_verdict, steps);
    }
    while started.elapsed() < SHRINK_BUDGET {
        let candidate = tree.current();
        let verdict = judge.judge(candidate.name, &candidate.text);
        steps += 1;
        let still_failing = verdict.kind() == wanted;
        if still_failing {
            best = candidate;
            best_verdict = verdict;
        }
        let more = if still_failing { tree.simplify() } else { tree.complicate() };
        if !more {
            break;
        }
    }
    (best, best_verdict, steps)
}

/// The test binary doubles as the process generations run in.
#[test]
fn child_process_entry() {
    no_panic_support::child_entry();
}

#[test]
fn generated_and_mutated_documents_never_panic_or_hang() {
    let seconds = seconds_from_env("GUSSET_FUZZ_SECONDS", 45);
    let seed = std::env::var("GUSSET_FUZZ_SEED")
        .ok()
        .map(|s| s.trim().parse::<u64>().unwrap_or_else(|_| panic!("GUSSET_FUZZ_SEED=`{s}` is not a number")))
        .unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
        });
    let mut seed_bytes = [0u8; 32];
    for chunk in seed_bytes.chunks_mut(8) {
        chunk.copy_from_slice(&seed.to_le_bytes());
    }
    let mut runner = TestRunner::new_with_rng(Config::default(), TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes));
    let strategy = case();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let (mut executions, mut generated, mut refused) = (0u64, 0u64, 0u64);
    let mut judge = Judge::new(CASE_TIMEOUT);
    let mut reasons = std::collections::BTreeMap::new();
    let mut slowest = (Duration::ZERO, String::new());
    loop {
        let done = if seconds == 0 { executions >= FIXED_CASES } else { Instant::now() >= deadline };
        if done {
            break;
        }
        let tree = strategy.new_tree(&mut runner).unwrap_or_else(|e| panic!("cannot generate a case: {e}"));
        let case = tree.current();
        let one = Instant::now();
        let verdict = judge.judge(case.name, &case.text);
        if one.elapsed() > slowest.0 {
            slowest = (one.elapsed(), format!("{} ({} bytes)", case.name, case.text.len()));
        }
        executions += 1;
        match verdict {
            Verdict::Generated => generated += 1,
            Verdict::Refused(reason) => {
                refused += 1;
                *reasons.entry(reason).or_insert(0u64) += 1;
            }
            Verdict::Bad(_) => {
                eprintln!("fuzz: failure after {executions} executions (seed {seed}); shrinking ...");
                let (minimal, verdict, steps) = shrink(&mut judge, tree, verdict);
                let detail = match verdict {
                    Verdict::Bad(why) if why.starts_with("panic") => {
                        match judge.judge_with_backtrace(minimal.name, &minimal.text) {
                            Verdict::Bad(detailed) => detailed,
                            _ => why,
                        }
                    }
                    Verdict::Bad(why) => why,
                    _ => String::new(),
                };
                let saved = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fuzz-failure-{}", minimal.name));
                let _ = std::fs::write(&saved, &minimal.text);
                panic!(
                    "GUSSET_FUZZ_SEED={seed}: after {executions} executions and {steps} shrinking steps, {} ({}) gives:\n{detail}\n\ninput:\n{}",
                    minimal.name,
                    saved.display(),
                    show(&minimal.text),
                );
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    eprintln!(
        "fuzz: {executions} executions in {elapsed:.1} s ({:.1}/s, seed {seed}): {generated} generated code that parses, \
         {refused} refused with located errors, 0 panics, 0 hangs, 0 crashes; slowest {:.2} s ({})",
        executions as f64 / elapsed.max(f64::EPSILON),
        slowest.0.as_secs_f64(),
        slowest.1,
    );
    let mut reasons: Vec<(u64, String)> = reasons.into_iter().map(|(reason, n)| (n, reason)).collect();
    reasons.sort_by(|a, b| b.cmp(a));
    for (n, reason) in reasons.iter().take(8) {
        eprintln!("fuzz:   refused {n:>5}x: {reason}");
    }
    assert!(
        generated > 0 && refused > 0,
        "the generator should produce both outcomes: {generated} generated, {refused} refused"
    );
}

/// Inputs the fuzzer found, minimised, each with what was wrong and where
/// it was fixed. They must stay fixed.
const REGRESSIONS: &[(&str, &str, &str)] = &[
    // `SourceMap::locate_in`: a file without nodes had no position, so the
    // error "must be an object" had no location.
    ("empty.yaml", "", "no location for an empty document"),
    ("comment.yaml", "# nothing else\n", "no location for a document of comments"),
    // `emit::doc_attrs` and `emit::types::emit_enum`: an enum value's doc line
    // kept a CR, which prettyplease prints inside a `///` comment: not Rust.
    (
        "cr.json",
        r#"{"openapi": "3.0.0", "paths": {"/pets": {"get": {"requestBody": {"content": {"application/json":
            {"schema": {"oneOf": [{"oneOf": [{"type": "string", "enum": ["\r"]}]}]}}}}}}}}"#,
        "a bare CR in a generated doc comment",
    ),
    (
        "cr-path.json",
        r#"{"openapi": "3.0.0", "info": {"title": "t", "version": "1"},
            "paths": {"/a\rb": {"get": {"responses": {"204": {"description": "ok"}}}}}}"#,
        "a bare CR from a path in a generated doc comment",
    ),
];

#[test]
fn inputs_the_fuzzer_found_stay_fixed() {
    let mut judge = Judge::new(CASE_TIMEOUT);
    for (name, text, what) in REGRESSIONS {
        let verdict = judge.judge(name, text);
        assert!(!verdict.is_bad(), "{what}: {verdict:?}\ninput: {}", show(text));
    }
}

/// The generated `$ref`s into other files reach real files, so bundling is
/// fuzzed too, not only its "cannot read" error.
#[test]
fn file_refs_reach_the_fixtures() {
    let doc = json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/orders": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json":
            {"schema": {"$ref": FILE_REFS[0]}}}}}}}},
    });
    let verdict = Judge::new(CASE_TIMEOUT).judge("fuzz.json", &doc.to_string());
    assert_eq!(verdict, Verdict::Generated);
}

/// A generation that outlives its time is reported as a hang, and the
/// next input gets a fresh child process.
#[test]
fn the_harness_reports_hangs_and_carries_on() {
    let mut judge = Judge::new(Duration::ZERO);
    let verdict = judge.judge("orders.yaml", SEEDS[0].1);
    assert_eq!(verdict.kind(), "hang", "{verdict:?}");
    judge.timeout = CASE_TIMEOUT;
    assert_eq!(judge.judge("orders.yaml", SEEDS[0].1), Verdict::Generated);
    assert_eq!(judge.children, 2);
}

/// Reduces a saved failing input (a JSON or YAML document) to a small one
/// that fails the same way:
///
/// ```text
/// GUSSET_REDUCE=/path/to/fuzz-failure-fuzz.json GUSSET_MAX_MIB=400 \
///     cargo test -p gusset-tests --test fuzz_codegen -- --ignored --nocapture reduce_a_saved_failure
/// ```
#[test]
#[ignore = "a tool: needs GUSSET_REDUCE=<file>"]
fn reduce_a_saved_failure() {
    let Some(path) = std::env::var_os("GUSSET_REDUCE") else { return };
    let path = Path::new(&path);
    let text = std::fs::read_to_string(path).unwrap();
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("fuzz.json");
    let mut judge = Judge::new(Duration::from_secs(seconds_from_env("GUSSET_REDUCE_TIMEOUT", 20)));
    let (reduced, verdict) = no_panic_support::reduce(
        &mut judge,
        name,
        &text,
        Duration::from_secs(seconds_from_env("GUSSET_REDUCE_SECONDS", 600)),
    );
    let out = path.with_extension(format!("reduced.{}", path.extension().and_then(|e| e.to_str()).unwrap_or("json")));
    std::fs::write(&out, &reduced).unwrap();
    eprintln!("{verdict:?}\n{} bytes -> {} bytes, in {}:\n{reduced}", text.len(), reduced.len(), out.display());
}
