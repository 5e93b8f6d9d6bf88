//! Gusset's code generator: an OpenAPI 3.0 or 3.1 document in, a typed,
//! resilient Rust client out.
//!
//! Most users never call this crate directly: they reach it from `build.rs`
//! through [`Builder`], through the `gusset::generate!` and
//! `#[gusset::client]` macros, or through `cargo gusset generate`. The
//! generated code depends only on the `gusset` runtime crate.
//!
//! # From a build script
//!
//! ```no_run
//! // build.rs
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     gusset_codegen::Builder::new("openapi/orders.yaml").generate()?;
//!     Ok(())
//! }
//! ```
//!
//! and in `src/lib.rs`: `gusset::include_client!("orders");`.
//!
//! # As a library
//!
//! ```no_run
//! let out = gusset_codegen::generate("openapi/orders.yaml", &gusset_codegen::Settings::new())?;
//! for warning in out.warnings() {
//!     eprintln!("{warning}");
//! }
//! std::fs::write("src/orders.rs", out.code())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # How faithful the client is
//!
//! [`Generated::fidelity`] lists every place the client types less
//! precisely than the document says ([`Fidelity::fallbacks`]), every value
//! the document leaves free-form ([`Fidelity::free_form`]) and every
//! construct left out ([`Fidelity::dropped`]), each with its JSON pointer
//! and a [`Cause`]; [`inspect`] gives the same without emitting code.
//!
//! # How it works
//!
//! One pipeline, one direction: `load` (bytes to document, version gate,
//! 3.1 normalisation, `$ref` bundling, source positions) → `lower` (all
//! validation and naming, into an intermediate model of our own) → `emit`
//! (model to tokens with `quote!`, infallible) → `format` (prettyplease).
//! Every problem is a [`Diagnostic`] with a JSON pointer, and all of a
//! document's problems are reported in one run.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod builder;
mod diagnostic;
pub mod diff;
mod emit;
mod fidelity;
mod format;
mod ir;
mod load;
mod lower;
mod naming;
mod settings;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use proc_macro2::TokenStream;

pub use builder::{BuildError, Builder, write_if_changed};
pub use diagnostic::{Diagnostic, Error, Location, Severity, pointer};
pub use fidelity::{Category, Cause, Fidelity, Finding};
pub use settings::{Paging, Settings};

/// A generated client.
#[derive(Debug, Clone)]
pub struct Generated {
    name: String,
    tokens: TokenStream,
    code: Option<String>,
    warnings: Vec<Diagnostic>,
    inputs: Vec<PathBuf>,
    fidelity: Fidelity,
    paginated: Vec<Paginated>,
    listings: usize,
}

/// An operation the client pages through (its method returns a `gusset::Paged`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paginated {
    /// The operation's id.
    pub operation_id: String,
    /// `GET /path`.
    pub route: String,
    /// `link`, `cursor`, `has_more`, `offset` or `page`.
    pub pattern: &'static str,
    /// How, in the words of the method's docs.
    pub how: String,
}

impl Generated {
    /// The operations whose methods page through a listing, in method order.
    pub fn paginated(&self) -> &[Paginated] {
        &self.paginated
    }

    /// How many operations are shaped like listings (a GET whose JSON response is an array of
    /// items or holds one), paginated or not: the denominator of [`paginated`](Self::paginated).
    pub fn listings(&self) -> usize {
        self.listings
    }

    /// The name derived from the document's file name (`orders` for
    /// `openapi/orders.yaml`), used for `$OUT_DIR/<name>.rs` and crate names.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The formatted Rust source (empty when made by [`generate_tokens`]).
    pub fn code(&self) -> &str {
        self.code.as_deref().unwrap_or_default()
    }

    /// The unformatted tokens.
    pub fn tokens(&self) -> &TokenStream {
        &self.tokens
    }

    /// Problems that did not stop generation, each with its JSON pointer.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// Every file that was read: the document and any file reached through
    /// `$ref`. Build scripts and macros track these for rebuilds.
    pub fn inputs(&self) -> &[PathBuf] {
        &self.inputs
    }

    /// How faithfully the client types the document: what fell back to
    /// `serde_json::Value`, what the document leaves free-form, what was left
    /// out, each with its pointer and cause (see [`Fidelity`]).
    pub fn fidelity(&self) -> &Fidelity {
        &self.fidelity
    }
}

/// What [`inspect`] finds: every problem, and the typing fidelity when the
/// document could be read.
#[derive(Debug, Clone)]
pub struct Inspection {
    diagnostics: Vec<Diagnostic>,
    fidelity: Option<Fidelity>,
}

impl Inspection {
    /// Errors and warnings, as [`check`] returns them.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The typing fidelity; `None` when the document has errors.
    pub fn fidelity(&self) -> Option<&Fidelity> {
        self.fidelity.as_ref()
    }
}

/// Generates the formatted client for the document at `path`.
pub fn generate(path: impl AsRef<Path>, settings: &Settings) -> Result<Generated, Error> {
    run(load::Input::File(path.as_ref()), settings, true)
}

/// Like [`generate`] but skips formatting: what the macros use, since the
/// compiler reads tokens directly.
pub fn generate_tokens(path: impl AsRef<Path>, settings: &Settings) -> Result<Generated, Error> {
    run(load::Input::File(path.as_ref()), settings, false)
}

/// Generates from a document held in memory. `file_name` names it in
/// messages and decides JSON or YAML by extension; `$ref`s to other files
/// are resolved relative to its directory.
pub fn generate_from_str(file_name: impl AsRef<Path>, text: &str, settings: &Settings) -> Result<Generated, Error> {
    run(load::Input::Text { name: file_name.as_ref(), text }, settings, true)
}

/// Every problem in the document at `path`, errors and warnings, without
/// emitting code. An empty list means the document generates cleanly.
pub fn check(path: impl AsRef<Path>, settings: &Settings) -> Vec<Diagnostic> {
    inspect(path, settings).diagnostics
}

/// Like [`check`], with the [`Fidelity`] of the client the document would give.
///
/// ```no_run
/// let inspection = gusset_codegen::inspect("openapi/orders.yaml", &gusset_codegen::Settings::new());
/// if let Some(fidelity) = inspection.fidelity() {
///     for finding in fidelity.fallbacks() {
///         eprintln!("typed less precisely than the document says: {finding}");
///     }
/// }
/// ```
pub fn inspect(path: impl AsRef<Path>, settings: &Settings) -> Inspection {
    match run(load::Input::File(path.as_ref()), settings, false) {
        Ok(generated) => Inspection { diagnostics: generated.warnings, fidelity: Some(generated.fidelity) },
        Err(error) => Inspection { diagnostics: error.diagnostics().to_vec(), fidelity: None },
    }
}

/// The name a document gets from its file name: the stem in snake case
/// (`openapi/Pet-Store.v2.yaml` → `pet_store_v2`).
pub fn name_from_path(path: &Path) -> String {
    naming::module_name_from_path(path)
}

fn run(input: load::Input<'_>, settings: &Settings, format: bool) -> Result<Generated, Error> {
    run_timed(input, settings, format, &mut __bench::StageTimes::default())
}

/// The pipeline, recording the time of each stage in `times` (the clock
/// reads cost nothing next to the stages, so `generate` shares this code).
fn run_timed(
    input: load::Input<'_>,
    settings: &Settings,
    format: bool,
    times: &mut __bench::StageTimes,
) -> Result<Generated, Error> {
    let mut lap = Instant::now();
    let mut stage = |time: &mut Duration| {
        *time = lap.elapsed();
        lap = Instant::now();
    };
    let name = naming::module_name_from_path(input.path());
    let loaded = load::load(input).map_err(Error::new)?;
    stage(&mut times.read);
    let mut diagnostics = loaded.warnings.clone();
    let lowered = lower::lower(&loaded, settings, &name);
    diagnostics.extend(lowered.diagnostics);
    let mut fidelity = lowered.fidelity;
    let listings = lowered.listings;
    fidelity.extend(loaded.losses.fidelity);
    fidelity.map_pointers(|pointer| loaded.sources.original(pointer));
    fidelity.finish();
    for d in &mut diagnostics {
        loaded.sources.place(d);
    }
    let Some(api) = lowered.api.filter(|_| !diagnostics.iter().any(Diagnostic::is_error)) else {
        diagnostics.sort_by_key(|d| std::cmp::Reverse(d.severity));
        return Err(Error::new(diagnostics));
    };
    stage(&mut times.lower);
    let paginated = api
        .operations
        .iter()
        .filter_map(|op| {
            let p = op.pagination.as_ref()?;
            Some(Paginated {
                operation_id: op.id.clone(),
                route: format!("{} {}", op.method.as_str().to_ascii_uppercase(), op.path),
                pattern: p.pattern(),
                how: op.docs.lines.last().cloned().unwrap_or_default(),
            })
        })
        .collect();
    let tokens = emit::emit(&api);
    stage(&mut times.emit);
    let code = if format {
        match format::format(&tokens, &api, settings) {
            Ok(code) => Some(code),
            Err(message) => {
                diagnostics.push(Diagnostic::error("", message));
                diagnostics.sort_by_key(|d| std::cmp::Reverse(d.severity));
                return Err(Error::new(diagnostics));
            }
        }
    } else {
        None
    };
    stage(&mut times.format);
    Ok(Generated { name, tokens, code, warnings: diagnostics, inputs: loaded.files, fidelity, paginated, listings })
}

/// For the benchmarks and the conformance harness in `gusset-tests`; not a stable API.
#[doc(hidden)]
pub mod __bench {
    use std::path::Path;
    use std::time::Duration;

    use crate::{Error, Generated, Settings};

    /// `text`, read from `file`, as a JSON value, parsed exactly as generation parses it (YAML's
    /// scalar keys as strings, integers beyond 64 bits as floats, merge keys expanded), so the
    /// harness reads the same document the generator read.
    pub fn parse_document(file: &Path, text: &str) -> Result<serde_json::Value, Error> {
        crate::load::parse::parse(file, text).map(|(value, _)| value).map_err(Error::new)
    }

    /// Wall time of each stage of one generation.
    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
    pub struct StageTimes {
        /// `load`: read the file, parse, version gate, normalise, bundle `$ref`s, deserialize.
        pub read: Duration,
        /// `lower`: validation and naming into the intermediate model.
        pub lower: Duration,
        /// `emit`: the model to tokens.
        pub emit: Duration,
        /// `format`: tokens to `syn`, prettyplease, the header (zero for tokens only).
        pub format: Duration,
    }

    /// Runs the same steps as [`generate`](crate::generate) and says how long each took.
    pub fn stages(path: impl AsRef<Path>, settings: &Settings) -> Result<(Generated, StageTimes), Error> {
        let mut times = StageTimes::default();
        let generated = crate::run_timed(crate::load::Input::File(path.as_ref()), settings, true, &mut times)?;
        Ok((generated, times))
    }
}
