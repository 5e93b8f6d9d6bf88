//! The build-script route: one call reads the document, generates the
//! client, writes `$OUT_DIR/<name>.rs` when its content changed, and tells
//! cargo what to watch.

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

    /// The output file's stem (default: the document's file stem in snake
    /// case), the name `include_client!` takes.
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
    pub fn generate(self) -> Result<PathBuf, BuildError> {
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
                    "cargo:warning=... and {} more warnings (run `cargo gusset check` to see all)",
                    generated.warnings().len() - 10
                );
            }
        }
        let out_dir = match self.out_dir {
            Some(dir) => dir,
            None => std::env::var_os("OUT_DIR").map(PathBuf::from).ok_or(BuildError::NoOutDir)?,
        };
        let name = self.name.unwrap_or_else(|| generated.name().to_string());
        let path = out_dir.join(format!("{name}.rs"));
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
#[derive(Debug)]
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

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BuildError::Generate(e) => Some(e),
            BuildError::Io { source, .. } => Some(source),
            BuildError::NoOutDir => None,
        }
    }
}
