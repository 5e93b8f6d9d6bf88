//! `cargo run -p gusset-tests --bin pagination -- <DIR | FILE>... [--list]`
//!
//! Which operations of each document got a paginator, and by which pattern: lowers and emits
//! each document (no formatting, no cargo) and counts the operations whose methods return a
//! `gusset::Paged`, against the operations shaped like listings. `--list` prints every
//! detection, for checking them by hand. Exits 2 on bad arguments.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut list = false;
    let mut inputs = Vec::new();
    for arg in std::env::args_os().skip(1) {
        match arg.to_str() {
            Some("--list") => list = true,
            Some("-h" | "--help") => {
                println!("usage: cargo run -p gusset-tests --bin pagination -- <DIR | FILE>... [--list]");
                return ExitCode::SUCCESS;
            }
            Some(flag) if flag.starts_with('-') => {
                eprintln!("unknown option `{flag}`");
                return ExitCode::from(2);
            }
            _ => inputs.push(PathBuf::from(arg)),
        }
    }
    if inputs.is_empty() {
        eprintln!("usage: cargo run -p gusset-tests --bin pagination -- <DIR | FILE>... [--list]");
        return ExitCode::from(2);
    }
    let mut documents = Vec::new();
    for input in inputs {
        match std::fs::read_dir(&input) {
            Ok(entries) => documents.extend(entries.filter_map(|e| e.ok().map(|e| e.path()))),
            Err(_) => documents.push(input),
        }
    }
    documents.retain(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml" || e == "json"));
    documents.sort();

    let settings = gusset_codegen::Settings::new();
    let mut by_pattern: BTreeMap<&'static str, usize> = BTreeMap::new();
    let (mut listings, mut paginated, mut failed, mut with_any) = (0, 0, 0, 0);
    println!("| document | listings | paginated | link | body_link | cursor | has_more | offset | page |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for path in &documents {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let generated = match gusset_codegen::generate_tokens(path, &settings) {
            Ok(generated) => generated,
            Err(_) => {
                failed += 1;
                println!("| {name} | does not generate | | | | | | | |");
                continue;
            }
        };
        let mut here: BTreeMap<&'static str, usize> = BTreeMap::new();
        for p in generated.paginated() {
            *here.entry(p.pattern).or_default() += 1;
            *by_pattern.entry(p.pattern).or_default() += 1;
            if list {
                eprintln!("{name}\t{}\t{}\t{}\t{}", p.pattern, p.operation_id, p.route, p.how);
            }
        }
        listings += generated.listings();
        paginated += generated.paginated().len();
        with_any += usize::from(!generated.paginated().is_empty());
        let n = |pattern| here.get(pattern).copied().unwrap_or(0);
        println!(
            "| {name} | {} | {} | {} | {} | {} | {} | {} | {} |",
            generated.listings(),
            generated.paginated().len(),
            n("link"),
            n("body_link"),
            n("cursor"),
            n("has_more"),
            n("offset"),
            n("page"),
        );
    }
    let n = |pattern| by_pattern.get(pattern).copied().unwrap_or(0);
    println!(
        "| **total** ({} documents, {with_any} with a paginator, {failed} not generated) | {listings} | {paginated} | {} | {} | {} | {} | {} | {} |",
        documents.len(),
        n("link"),
        n("body_link"),
        n("cursor"),
        n("has_more"),
        n("offset"),
        n("page"),
    );
    ExitCode::SUCCESS
}
