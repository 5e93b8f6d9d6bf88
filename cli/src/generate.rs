//! `cargo gusset generate <document> --out <dir>`: a complete client crate.

use std::path::{Path, PathBuf};

use crate::bump;
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
    /// When DIR holds a crate generated with --bump: compare its copy of the document with this
    /// one, bump the crate's version by the verdict (0.x as Cargo reads it; --version is then
    /// ignored) and put the changelog entry atop DIR/CHANGELOG.md. Keeps a copy of the document
    /// in DIR/gusset/ for the next run
    #[arg(long)]
    bump: bool,
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
    let mut version = args.version.clone();
    let mut extra = Vec::new();
    if args.bump {
        match bumped(args, &document, &name, console)? {
            Ok((bumped, files)) => (version, extra) = (bumped, files),
            Err(code) => return Ok(code),
        }
    }
    let spec = CrateSpec {
        name: &name,
        version: &version,
        document: &document,
        runtime: &runtime,
        mock: args.settings.mock(),
    };
    let mut files = vec![
        (args.out.join("Cargo.toml"), crate_files::cargo_toml(&spec)),
        (args.out.join("src").join("lib.rs"), crate_files::lib_rs(&spec, generated.code())),
    ];
    files.extend(extra);
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

/// For `--bump`: the version to write and the files beside the crate's (the changelog, the copy of
/// the document), or the exit code of a failure already reported.
#[allow(clippy::type_complexity)]
fn bumped(
    args: &GenerateArgs,
    document: &str,
    name: &str,
    console: &mut Console<'_>,
) -> std::io::Result<Result<(semver::Version, Vec<(PathBuf, String)>), u8>> {
    let text = match std::fs::read_to_string(&args.document) {
        Ok(text) => text,
        Err(error) => return fail(console, &args.document, "read", &error).map(Err),
    };
    let stored = bump::stored(&args.out, document);
    let mut files = Vec::new();
    let current = bump::current_version(&args.out);
    let version = match (std::fs::read_to_string(&stored), current) {
        (Ok(previous), Some(current)) => {
            match crate::diff::verdict_against(&previous, &args.document, &args.document, &args.settings.settings()) {
                Ok(report) if report.changes().is_empty() => current,
                Ok(report) => {
                    let version = bump::bump(&current, report.verdict());
                    let changelog = args.out.join("CHANGELOG.md");
                    let existing = std::fs::read_to_string(&changelog).ok();
                    files.push((changelog, bump::changelog(existing.as_deref(), &report, &version)));
                    let breaking = report.breaking().count();
                    writeln!(
                        console.err,
                        "     Bumping `{name}` {current} -> {version}: a {} change ({breaking} breaking of {})",
                        report.verdict(),
                        report.changes().len()
                    )?;
                    version
                }
                Err(error) => {
                    writeln!(console.err, "error: cannot compare with `{}`: {error}", stored.display())?;
                    return Ok(Err(FAILURE));
                }
            }
        }
        (_, Some(current)) => current,
        (_, None) => args.version.clone(),
    };
    files.push((stored, text));
    Ok(Ok((version, files)))
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
