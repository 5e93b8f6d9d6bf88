//! `cargo run -p gusset-tests --bin conformance -- <DIR | FILE | LIST.txt>... [--dynamic]
//! [--seed N] [--min-rate PCT] [--jobs N] [--only SUBSTR] [--out DIR]`
//!
//! Calls every operation of each document through its generated, typed method against Prism
//! (install it with `tests/prism/install.sh`) and reports whether Prism accepted each request
//! and whether its response decoded; writes `conformance-report.md`. Exits 1 under
//! `--min-rate`, 2 on bad arguments.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

// The corpus command's workspace and cargo code, and its fidelity counts, are reused; the rest
// of it is not used here.
#[allow(dead_code)]
#[path = "../corpus/mod.rs"]
mod corpus;

#[path = "../conformance/mod.rs"]
mod conformance;

fn main() -> std::process::ExitCode {
    conformance::main(std::env::args_os().skip(1).collect())
}
