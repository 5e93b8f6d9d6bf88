//! The build-script route: one call reads the document, generates the
//! client, writes `$OUT_DIR/<name>.rs` when its content changed, and tells
//! cargo what to watch. `ledger` turns clients a later run no longer
//! generates into compile errors.

mod ledger;

use std::fmt;
use std::path::{Path, PathBuf};

use crate::{Error, Settings, generate};

/// Generates a client from `build.rs`, like `prost_build`.
///
/// ```no_run
/// // build.rs
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     gusset_codegen::Builder::new("openapi/orders.yaml").generate()?;
///     Ok(())
/// }
/// ```
///
/// Then, in the crate: `gusset::include_client!("orders");`.
#[derive(Debug, Clone)]
pub struct Builder {
    document: PathBuf,
    settings: Settings,
    out_dir: Option<PathBuf>,
    name: Option<String>,
    cargo_output: bool,
}

impl Builder {
    /// A builder for the document at `path` (relative to the crate root, as
    /// build scripts run there).
    pub fn new(path: impl AsRef<Path>) -> Self {
        Builder {
            document: path.as_ref().to_path_buf(),
            settings: Settings::new(),
            out_dir: None,
            name: None,
            cargo_output: true,
        }
    }

    /// Generation settings.
    pub fn settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }

    /// Where to write (default: `$OUT_DIR`).
    pub fn out_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.out_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// The output file's stem, the name `include_client!` takes (default:
    /// the document's file stem in snake case, as [`name_from_path`](crate::name_from_path)
    /// gives it: `openapi/Pet-Store.v2.yaml` is `pet_store_v2`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Whether to print `cargo:` lines (`rerun-if-changed`, warnings). On by
    /// default; off for use outside build scripts.
    pub fn cargo_output(mut self, on: bool) -> Self {
        self.cargo_output = on;
        self
    }

    /// Generates and writes the client; returns the path written.
    ///
    /// A client that an earlier run of the build script generated into the
    /// same directory, and that no call of this run generates (the document
    /// was renamed, or [`name`](Self::name) changed), is replaced by a
    /// `compile_error!` saying so: `include_client!("old")` fails with that
    /// message instead of compiling stale code.
    pub fn generate(self) -> Result<PathBuf, BuildError> {
        self.generate_in_run(ledger::this_run())
    }

    /// [`generate`](Self::generate) as part of the build-script run `run`
    /// (tests give each simulated run its own id).
    fn generate_in_run(self, run: &str) -> Result<PathBuf, BuildError> {
        if self.cargo_output {
            // Before generating: a broken document must be watched too, so
            // fixing it triggers the next build.
            println!("cargo:rerun-if-changed={}", self.document.display());
        }
        let generated = generate(&self.document, &self.settings).map_err(BuildError::Generate)?;
        if self.cargo_output {
            for input in generated.inputs().iter().skip(1) {
                println!("cargo:rerun-if-changed={}", input.display());
            }
            for warning in generated.warnings().iter().take(10) {
                println!("cargo:warning={}", warning.to_string().replace(['\n', '\r'], " "));
            }
            if generated.warnings().len() > 10 {
                println!(
                    "cargo:warning=... and {} more warnings (`cargo gusset check --all {}` shows every one)",
                    generated.warnings().len() - 10,
                    self.document.display().to_string().replace(['\n', '\r'], " ")
                );
            }
        }
        let out_dir = match self.out_dir {
            Some(dir) => dir,
            None => std::env::var_os("OUT_DIR").map(PathBuf::from).ok_or(BuildError::NoOutDir)?,
        };
        let name = self.name.unwrap_or_else(|| generated.name().to_string());
        let path = out_dir.join(format!("{name}.rs"));
        ledger::record(&out_dir, run, &name, &self.document)
            .map_err(|source| BuildError::Io { path: out_dir.join(ledger::FILE), source })?;
        write_if_changed(&path, generated.code()).map_err(|source| BuildError::Io { path: path.clone(), source })?;
        Ok(path)
    }
}

/// Writes `contents` unless the file already holds exactly that, so an
/// unchanged client does not touch timestamps or trigger rebuilds.
pub fn write_if_changed(path: &Path, contents: &str) -> std::io::Result<bool> {
    if std::fs::read(path).is_ok_and(|old| old == contents.as_bytes()) {
        return Ok(false);
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, contents)?;
    Ok(true)
}

/// Why [`Builder::generate`] failed.
///
/// Its `Debug` reads like its `Display` (located messages), since a build
/// script whose `main` returns `Result<(), Box<dyn Error>>` prints the
/// `Debug` of the error; `{:#?}` gives the variant and its fields.
#[non_exhaustive]
pub enum BuildError {
    /// The document has errors.
    Generate(Error),
    /// The output could not be written.
    Io {
        /// The file being written.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// `OUT_DIR` is not set: not running in a build script, and no
    /// [`Builder::out_dir`] was given.
    NoOutDir,
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Generate(e) => write!(f, "{e}"),
            BuildError::Io { path, source } => write!(f, "cannot write `{}`: {source}", path.display()),
            BuildError::NoOutDir => {
                f.write_str("`OUT_DIR` is not set; call `out_dir` when not running in a build script")
            }
        }
    }
}

impl fmt::Debug for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !f.alternate() {
            return fmt::Display::fmt(self, f);
        }
        match self {
            BuildError::Generate(e) => f.debug_tuple("Generate").field(e).finish(),
            BuildError::Io { path, source } => {
                f.debug_struct("Io").field("path", path).field("source", source).finish()
            }
            BuildError::NoOutDir => f.write_str("NoOutDir"),
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BuildError::Generate(e) => Some(e),
            BuildError::Io { source, .. } => Some(source),
            BuildError::NoOutDir => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCUMENT: &str = "openapi: 3.0.3\ninfo: {title: Pets, version: '1'}\npaths:\n  /pets:\n    get:\n      operationId: listPets\n      responses:\n        '200': {description: ok}\n";

    fn builder(document: &Path, out: &Path) -> Builder {
        Builder::new(document).out_dir(out).cargo_output(false)
    }

    #[test]
    fn the_debug_of_a_failed_build_reads_like_its_display() {
        let dir = tempfile::tempdir().unwrap();
        let document = dir.path().join("pets.yaml");
        let broken = DOCUMENT.replace(
            "'200': {description: ok}",
            "'200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/Missing'}",
        );
        std::fs::write(&document, broken).unwrap();
        let error = builder(&document, dir.path()).generate_in_run("1").unwrap_err();
        let debug = format!("{error:?}");
        assert_eq!(debug, error.to_string());
        assert!(debug.starts_with("error: "), "{debug}");
        assert!(debug.contains(&format!("({}:12:", document.display())), "file:line:col: {debug}");
        assert!(debug.contains("at #/paths/~1pets/get/responses/200"), "the pointer: {debug}");
        assert!(!debug.contains("Diagnostic {"), "{debug}");
        assert!(format!("{error:#?}").starts_with("Generate("), "the variant stays reachable");
        let no_dir = BuildError::NoOutDir;
        assert_eq!(format!("{no_dir:?}"), no_dir.to_string());
    }

    #[test]
    fn a_client_no_longer_generated_becomes_a_compile_error() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let (old, new) = (dir.path().join("pets.yaml"), dir.path().join("animals.yaml"));
        std::fs::write(&old, DOCUMENT).unwrap();
        let written = builder(&old, &out).generate_in_run("1").unwrap();
        assert_eq!(written, out.join("pets.rs"));
        assert!(std::fs::read_to_string(&written).unwrap().contains("pub struct Client"));

        // The document is renamed; the next run of the build script
        // generates `animals`, and `pets.rs` must not stay a working client.
        std::fs::rename(&old, &new).unwrap();
        assert_eq!(builder(&new, &out).generate_in_run("2").unwrap(), out.join("animals.rs"));
        let stale = std::fs::read_to_string(out.join("pets.rs")).unwrap();
        assert!(!stale.contains("pub struct Client"), "{stale}");
        assert!(stale.contains("compile_error!"), "{stale}");
        assert!(stale.contains("the client `pets` in `OUT_DIR` is stale"), "{stale}");
        assert!(stale.contains(&format!("generated from `{}`", old.display())), "{stale}");
        assert!(stale.contains(r#"include_client!(\"animals\")"#), "{stale}");
        assert!(std::fs::read_to_string(out.join("animals.rs")).unwrap().contains("pub struct Client"));

        // Generating `pets` again brings it back.
        std::fs::copy(&new, &old).unwrap();
        builder(&old, &out).generate_in_run("3").unwrap();
        assert!(std::fs::read_to_string(out.join("pets.rs")).unwrap().contains("pub struct Client"));
    }

    #[test]
    fn every_client_of_one_run_stays_and_an_unchanged_one_is_not_touched() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let (a, b) = (dir.path().join("a.yaml"), dir.path().join("b.yaml"));
        std::fs::write(&a, DOCUMENT).unwrap();
        std::fs::write(&b, DOCUMENT).unwrap();
        for run in ["1", "2"] {
            builder(&a, &out).generate_in_run(run).unwrap();
            builder(&b, &out).generate_in_run(run).unwrap();
            builder(&b, &out).name("b_again").generate_in_run(run).unwrap();
            for name in ["a", "b", "b_again"] {
                let code = std::fs::read_to_string(out.join(format!("{name}.rs"))).unwrap();
                assert!(code.contains("pub struct Client"), "run {run}: `{name}` was replaced");
            }
        }
        // A build script with one document: its client is written once.
        let single = dir.path().join("single");
        let path = builder(&a, &single).generate_in_run("1").unwrap();
        let at = std::fs::metadata(&path).unwrap().modified().unwrap();
        builder(&a, &single).generate_in_run("2").unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), at);
    }

    #[test]
    fn files_gusset_did_not_write_are_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let document = dir.path().join("pets.yaml");
        std::fs::write(&document, DOCUMENT).unwrap();
        builder(&document, &out).generate_in_run("1").unwrap();
        // Something else now owns `pets.rs`.
        std::fs::write(out.join("pets.rs"), "pub const MINE: u8 = 1;\n").unwrap();
        builder(&document, &out).name("other").generate_in_run("2").unwrap();
        assert_eq!(std::fs::read_to_string(out.join("pets.rs")).unwrap(), "pub const MINE: u8 = 1;\n");
    }
}
