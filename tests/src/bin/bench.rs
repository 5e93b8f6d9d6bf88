//! `cargo run --release -p gusset-tests --bin bench -- <generate|compile|calls> [OPTIONS]`
//!
//! Gusset's benchmarks (issue 6): generation time and peak memory per stage,
//! `cargo check`/`cargo build` time and memory of generated clients, and the
//! per-call overhead of a generated client against raw reqwest. Prints a
//! table per benchmark; `BENCHMARKS.md` at the repository root records the
//! latest figures. Exits 2 on bad arguments, 1 when a measurement fails.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

// The benchmarks live under `src/bench/` so this entry point stays thin.
#[path = "../bench/mod.rs"]
mod bench;

fn main() -> std::process::ExitCode {
    bench::main(std::env::args_os().skip(1).collect())
}
