//! `cargo gusset`: OpenAPI documents to client crates, from the command line.
//!
//! ```text
//! cargo install cargo-gusset
//! cargo gusset check openapi/orders.yaml                        # diagnostics: the first 10, then a count
//! cargo gusset check --all openapi/orders.yaml                  # every diagnostic
//! cargo gusset generate openapi/orders.yaml --out orders-client # writes Cargo.toml + src/lib.rs
//! cargo gusset generate openapi/orders.yaml --out orders-client --check  # exit 1 if it would change
//! cargo gusset diff git:HEAD:openapi/orders.yaml openapi/orders.yaml --fail-on major  # exit 3 if breaking
//! ```
//!
//! `generate` writes a complete crate that depends only on the `gusset`
//! runtime, meant to be committed: files are written only when their
//! content changes and hold no timestamps or absolute paths, so the same
//! document always gives the same bytes. `--check` writes nothing and fails
//! when the committed crate is out of date, for CI.
//!
//! `check` prints the problems of a document the way rustc does: severity,
//! message, `--> file:line:col`, the document's line with a marker under
//! the column, and the JSON pointer. The first 10 are shown in full and the
//! rest counted, as rustc and cargo keep a first look short; `--all` prints
//! every one (a real API's document can have thousands of warnings).
//!
//! `diff` compares two versions of a document, files or `git:<rev>:<path>`, and prints every
//! change to the wire and to the generated Rust API with the semver verdict for the generated
//! crate (`--format text|json|markdown`; markdown is a changelog entry with migration notes).
//!
//! Exit codes: 0 success, 1 errors in the document or `--check` found
//! changes, 2 bad command-line usage, 3 `diff`'s verdict reached `--fail-on`.
//!
//! The binary is a thin `main` over [`run`], which tests call directly.

mod bump;
mod crate_files;
mod diff;
mod generate;
mod report;

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Exit code: everything went well.
pub const SUCCESS: u8 = 0;
/// Exit code: the document has errors, a file could not be written, or
/// `--check` found files that would change.
pub const FAILURE: u8 = 1;
/// Exit code: the command line was wrong (clap's convention).
pub const USAGE: u8 = 2;
/// Exit code of `diff`: the verdict reached `--fail-on`.
pub const BREAKING: u8 = 3;

/// The command line of `cargo gusset`.
#[derive(Debug, Parser)]
#[command(name = "cargo-gusset", bin_name = "cargo gusset", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write a client crate (Cargo.toml and src/lib.rs) for an OpenAPI document
    Generate(generate::GenerateArgs),
    /// Print the problems in an OpenAPI document (the first 10 in full and a
    /// count of the rest, or all with --all); exit 1 when there are errors
    Check(CheckArgs),
    /// Compare two versions of a document (files or git:<rev>:<path>): every change to the wire
    /// and to the generated Rust API, and the semver verdict; exit 3 when it reaches --fail-on
    Diff(diff::DiffArgs),
}

/// `cargo gusset check <document>`.
#[derive(Debug, clap::Args)]
struct CheckArgs {
    /// The OpenAPI document (JSON or YAML)
    document: PathBuf,
    /// Print every problem in full, not only the first 10
    #[arg(long)]
    all: bool,
    #[command(flatten)]
    settings: SettingsArgs,
}

/// Options that change what is generated, shared by both commands so
/// `check` sees exactly what `generate` would.
#[derive(Debug, Clone, clap::Args)]
struct SettingsArgs {
    /// The API version sent on every request (default: the document's)
    #[arg(long, value_name = "VERSION")]
    api_version: Option<String>,
    /// The header that carries the API version
    #[arg(long, value_name = "HEADER")]
    version_header: Option<String>,
    /// Which serde traits types implement: only what the client uses
    /// (`Serialize` for what it sends, `Deserialize` for what it receives), or both on every type
    #[arg(long, value_enum, default_value_t = Serde::Needed)]
    serde: Serde,
    /// Also generate a typed mock server for tests (`mod mock`, behind a `mock` feature)
    #[arg(long)]
    mock: bool,
}

/// `--serde`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Serde {
    /// Each type implements what the client needs (faster to compile)
    Needed,
    /// Every type implements `Serialize` and `Deserialize`
    Both,
}

impl SettingsArgs {
    fn settings(&self) -> gusset_codegen::Settings {
        let mut settings = gusset_codegen::Settings::new();
        if let Some(version) = &self.api_version {
            settings = settings.api_version(version);
        }
        if let Some(header) = &self.version_header {
            settings = settings.api_version_header(header);
        }
        settings.serde_both_ways(self.serde == Serde::Both).mock(self.mock)
    }

    /// Whether the client has a mock (its crate then gets a `mock` feature).
    fn mock(&self) -> bool {
        self.mock
    }
}

/// Where output goes. Everything but `--help` and `--version` goes to
/// `err`, as cargo and rustc do.
pub struct Console<'a> {
    /// Standard output.
    pub out: &'a mut dyn Write,
    /// Standard error: diagnostics and progress.
    pub err: &'a mut dyn Write,
    /// Whether to colour diagnostics (a terminal, and `NO_COLOR` unset).
    pub color: bool,
}

impl std::fmt::Debug for Console<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Console").field("color", &self.color).finish_non_exhaustive()
    }
}

/// Runs `cargo gusset` with `args` (the program name first) and returns the
/// exit code. Cargo passes `gusset` as the first argument when invoked as
/// `cargo gusset ...`; that is skipped, so `cargo-gusset ...` works too.
pub fn run<I, T>(args: I, console: &mut Console<'_>) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    let mut args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    if args.get(1).is_some_and(|a| a == "gusset") {
        args.remove(1);
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => return clap_exit(&error, console),
    };
    let result = match cli.command {
        Command::Generate(args) => generate::run(&args, console),
        Command::Check(args) => check(&args, console),
        Command::Diff(args) => diff::run(&args, console),
    };
    // Output that cannot be written (a closed pipe) is not worth a panic;
    // the exit code still tells the caller what happened.
    result.unwrap_or(FAILURE)
}

/// Prints clap's message where clap would, and returns its exit code.
fn clap_exit(error: &clap::Error, console: &mut Console<'_>) -> u8 {
    let rendered = error.render();
    let text = if console.color { rendered.ansi().to_string() } else { rendered.to_string() };
    let stream = if error.use_stderr() { &mut console.err } else { &mut console.out };
    // Ignored: nowhere left to report a failed write of the usage message.
    let _ = stream.write_all(text.as_bytes());
    u8::try_from(error.exit_code()).unwrap_or(USAGE)
}

/// `cargo gusset check`: the first diagnostics in full (all with `--all`),
/// then a summary line.
fn check(args: &CheckArgs, console: &mut Console<'_>) -> std::io::Result<u8> {
    let diagnostics = gusset_codegen::check(&args.document, &args.settings.settings());
    let shown = if args.all { report::Shown::All } else { report::Shown::First };
    let shown = report::render(&diagnostics, &args.document, shown, console.color);
    console.err.write_all(shown.text.as_bytes())?;
    Ok(if shown.errors > 0 { FAILURE } else { SUCCESS })
}
