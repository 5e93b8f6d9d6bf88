//! The generator's shape, checked: one pipeline in one direction (`load` -> `lower` -> `ir` <-
//! `emit`, then `format`), with `diagnostic`, `fidelity`, `naming` and `settings` as shared leaves,
//! and no source file over 600 lines.
//!
//! Each module of `lib.rs` may name (`crate::x`) only the modules [`ALLOWED`] lists for it, which
//! rules out import cycles and keeps `emit` reading only the model: what it needs is decided in
//! `lower` and carried by `ir`. Test code (`#[cfg(test)] mod tests`, and `tests.rs` files) and
//! comments are not counted: tests may reach anywhere, and doc links do not make a dependency.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const LIMIT: usize = 600;

/// Every module `lib.rs` declares, and the modules its code may use. `builder` is the `build.rs`
/// entry point over the crate root, so it may use anything.
const ALLOWED: &[(&str, &[&str])] = &[
    ("diagnostic", &[]),
    ("fidelity", &[]),
    ("naming", &[]),
    ("settings", &[]),
    ("ir", &["diagnostic", "naming"]),
    ("load", &["diagnostic", "fidelity"]),
    ("lower", &["diagnostic", "fidelity", "naming", "settings", "ir", "load"]),
    ("emit", &["diagnostic", "naming", "settings", "ir"]),
    ("format", &["diagnostic", "naming", "settings", "ir"]),
    ("diff", &["diagnostic", "naming", "settings", "ir", "load", "lower"]),
    ("builder", &["diagnostic", "fidelity", "naming", "settings", "ir", "load", "lower", "emit", "format"]),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The modules `lib.rs` declares (`mod x;` and `pub mod x;`).
fn declared() -> BTreeSet<String> {
    read(&src().join("lib.rs"))
        .lines()
        .map(str::trim)
        .filter_map(|line| line.strip_prefix("pub mod ").or_else(|| line.strip_prefix("mod ")))
        .filter_map(|rest| rest.strip_suffix(';'))
        .map(|name| name.trim().to_owned())
        .collect()
}

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The files of module `name`: `name.rs`, or everything under `name/` but test files.
fn files_of(name: &str) -> Vec<PathBuf> {
    let single = src().join(format!("{name}.rs"));
    if single.is_file() {
        return vec![single];
    }
    let mut files = Vec::new();
    rust_files(&src().join(name), &mut files);
    files.retain(|f| f.file_stem().is_none_or(|s| s != "tests"));
    assert!(!files.is_empty(), "module `{name}` has no files");
    files
}

/// The code of a file without comments and without its test module.
fn code(text: &str) -> String {
    let end = text.find("#[cfg(test)]\nmod tests").unwrap_or(text.len());
    text[..end]
        .lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The modules of `names` that `code` reaches through a `crate::` path, in a `use` (groups
/// included, nested or not: `use crate::{ir::{A, B}, naming};`) or inline.
fn uses(code: &str, names: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        let mut heads = Vec::new();
        if let Some(group) = rest.strip_prefix('{') {
            // The top-level items of the group: commas at depth 0, up to the closing brace.
            let mut depth = 0;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => heads.push(std::mem::take(&mut item)),
                    _ if depth == 0 => item.push(c),
                    _ => {}
                }
            }
            heads.push(item);
        } else {
            heads.push(rest.to_owned());
        }
        for head in heads {
            let head: String = head.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if names.contains(&head) {
                out.insert(head);
            }
        }
    }
    out
}

#[test]
fn stages_use_only_the_modules_below_them() {
    let declared = declared();
    let listed: BTreeSet<String> = ALLOWED.iter().map(|(name, _)| (*name).to_owned()).collect();
    assert_eq!(declared, listed, "lib.rs's modules and this test's list differ: place the new module in `ALLOWED`");
    let mut problems = Vec::new();
    for (name, allowed) in ALLOWED {
        for file in files_of(name) {
            for used in uses(&code(&read(&file)), &declared) {
                if used != *name && !allowed.contains(&used.as_str()) {
                    problems.push(format!("{} (module `{name}`) uses `crate::{used}`", file.display()));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "a stage reaches a module it must not (move the decision or the code):\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_allowed_uses_have_no_cycle() {
    // With no cycle, modules can be taken away leaf first until none is left.
    let mut left: Vec<(&str, &[&str])> = ALLOWED.to_vec();
    while !left.is_empty() {
        let names: Vec<&str> = left.iter().map(|(n, _)| *n).collect();
        let before = left.len();
        left.retain(|(name, uses)| uses.iter().any(|u| u != name && names.contains(u)));
        assert!(left.len() < before, "the allowed uses form a cycle among {names:?}");
    }
}

#[test]
fn no_source_file_is_over_the_limit() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let lines = read(f).lines().count();
            (lines > LIMIT).then(|| format!("{} has {lines} lines", f.display()))
        })
        .collect();
    assert!(files.len() > 20, "too few files to be the real source: {files:?}");
    assert!(long.is_empty(), "files over {LIMIT} lines (split them by concept): {long:?}");
}

#[test]
fn the_checks_see_what_they_check() {
    // The checks above pass vacuously if `uses` finds nothing: make sure it finds real edges.
    let names: BTreeSet<String> = ["ir", "load", "lower", "naming"].into_iter().map(str::to_owned).collect();
    let found = uses("use crate::{ir::{Api, TypeRef}, naming};\nlet d = crate::lower::docs(x);\n", &names);
    assert_eq!(found, ["ir", "lower", "naming"].into_iter().map(str::to_owned).collect());
    let text = "// see crate::load\nfn f() {}\n#[cfg(test)]\nmod tests { use crate::load; }";
    assert!(uses(&code(text), &names).is_empty());
    assert!(declared().contains("emit") && files_of("emit").len() > 1);
}
