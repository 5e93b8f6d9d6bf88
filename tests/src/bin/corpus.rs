//! `cargo run -p gusset-tests --bin corpus -- <DIR> [--check] [--doc] [--jobs N] [--only SUBSTR]
//! [--max-seconds S] [--min-rate PCT] [--timeout S] [--out DIR]`
//!
//! Generates a client for every OpenAPI document in DIR and, with `--check`,
//! compiles each with `cargo check` and `#![deny(warnings)]`, with `--doc`,
//! documents each with `cargo doc --no-deps`; prints a table
//! and a summary line and writes `corpus-report.md`. Exits 1 when a document
//! panics, times out or fails without a located error, when the compile
//! rate is under `--min-rate`, or (with `--doc`) when rustdoc fails or warns
//! about a client; 2 on bad arguments.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

// The command's modules live under `src/corpus/` so this entry point stays thin.
#[path = "../corpus/mod.rs"]
mod corpus;

fn main() -> std::process::ExitCode {
    corpus::main(std::env::args_os().skip(1).collect())
}
