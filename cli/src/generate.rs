//! `cargo gusset generate <document> --out <dir>`: a complete client crate.

use std::path::{Path, PathBuf};

use crate::crate_files::{self, Change, CrateSpec, Runtime};
use crate::report::{self, Shown};
use crate::{Console, FAILURE, SUCCESS, SettingsArgs};

/// The options of `cargo gusset generate`.
#[derive(Debug, clap::Args)]
pub(crate) struct GenerateArgs {
    /// The OpenAPI document (JSON or YAML)
    document: PathBuf,
    /// The directory of the crate to write (created if missing)
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The package name [default: <document stem>-client]
    #[arg(long, value_parser = crate_files::parse_name)]
    name: Option<String>,
    /// The package version
    #[arg(long, value_name = "SEMVER", default_value = "0.1.0")]
    version: semver::Version,
    /// Depend on the gusset runtime at this path instead of crates.io
    /// (written as given; a relative path is relative to --out)
    #[arg(long, value_name = "PATH")]
    gusset_path: Option<PathBuf>,
    /// Write nothing; exit 1 and list the files that would change
    #[arg(long)]
    check: bool,
    #[command(flatten)]
    settings: SettingsArgs,
}

/// Generates, then writes or checks the crate's files.
pub(crate) fn run(args: &GenerateArgs, console: &mut Console<'_>) -> std::io::Result<u8> {
    let generated = match gusset_codegen::generate(&args.document, &args.settings.settings()) {
        Ok(generated) => generated,
        Err(error) => {
            let shown = report::render(error.diagnostics(), &args.document, Shown::First, console.color);
            console.err.write_all(shown.text.as_bytes())?;
            return Ok(FAILURE);
        }
    };
    if !generated.warnings().is_empty() {
        let shown = report::render(generated.warnings(), &args.document, Shown::First, console.color);
        console.err.write_all(shown.text.as_bytes())?;
    }
    let document = file_name(&args.document);
    let runtime = args.gusset_path.clone().map_or(Runtime::Registry, Runtime::Path);
    let name = args.name.clone().unwrap_or_else(|| crate_files::default_name(generated.name()));
    let spec = CrateSpec {
        name: &name,
        version: &args.version,
        document: &document,
        runtime: &runtime,
        mock: args.settings.mock(),
    };
    let files = [
        (args.out.join("Cargo.toml"), crate_files::cargo_toml(&spec)),
        (args.out.join("src").join("lib.rs"), crate_files::lib_rs(&spec, generated.code())),
    ];
    let mut changed = Vec::new();
    for (path, content) in &files {
        match crate_files::change(path, content) {
            Ok(Change::Unchanged) => {}
            Ok(change) => changed.push((path, content, change)),
            Err(error) => return fail(console, path, "read", &error),
        }
    }
    let out = args.out.display();
    if changed.is_empty() {
        writeln!(console.err, "    Fresh `{out}` (`{name}`): up to date")?;
        return Ok(SUCCESS);
    }
    if args.check {
        for (path, _, change) in &changed {
            let verb = if *change == Change::Create { "create" } else { "update" };
            writeln!(console.err, "error: would {verb} `{}`", path.display())?;
        }
        writeln!(
            console.err,
            "error: `{out}` is out of date with `{}`: run without `--check` to update it",
            args.document.display()
        )?;
        return Ok(FAILURE);
    }
    for (path, content, _) in &changed {
        if let Err(error) = crate_files::write(path, content) {
            return fail(console, path, "write", &error);
        }
    }
    let count = changed.len();
    writeln!(
        console.err,
        "   Generated `{out}` (`{name}`): {count} file{} written",
        if count == 1 { "" } else { "s" }
    )?;
    Ok(SUCCESS)
}

/// Reports an I/O failure on `path`.
fn fail(console: &mut Console<'_>, path: &Path, what: &str, error: &std::io::Error) -> std::io::Result<u8> {
    writeln!(console.err, "error: cannot {what} `{}`: {error}", path.display())?;
    Ok(FAILURE)
}

/// The document's file name, for docs in the written files: its directory
/// may be absolute or machine-specific and must not end up in them.
fn file_name(document: &Path) -> String {
    document.file_name().map_or_else(|| "the document".to_owned(), |name| name.to_string_lossy().into_owned())
}
