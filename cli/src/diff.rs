//! `cargo gusset diff OLD NEW`: what a new version of a document changes, and the semver verdict
//! for the generated crate.
//!
//! OLD and NEW are files, or `git:<rev>:<path>` for a committed version (read with
//! `git show <rev>:<path>` in the current directory; `$ref`s to other files still resolve
//! against the working tree). The report goes to standard output (it is the command's product:
//! `--format json` is for tools, `--format markdown` is a changelog entry); problems in the
//! documents go to standard error. Exit status: 0, or [`BREAKING`](crate::BREAKING) (3) when
//! the verdict reaches `--fail-on`; 1 when a document cannot be read.

use std::path::{Path, PathBuf};
use std::process::Command;

use gusset_codegen::diff::{self, Document, Report, Verdict};

use crate::{BREAKING, Console, FAILURE, SUCCESS, SettingsArgs};

/// The options of `cargo gusset diff`.
#[derive(Debug, clap::Args)]
pub(crate) struct DiffArgs {
    /// The old document: a file, or `git:<rev>:<path>`
    old: String,
    /// The new document: a file, or `git:<rev>:<path>`
    new: String,
    /// How to print the report
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Exit with status 3 when the verdict is this or higher
    #[arg(long, value_enum, value_name = "VERDICT")]
    fail_on: Option<Level>,
    /// The version in the heading of `--format markdown`
    #[arg(long, value_name = "VERSION", default_value = "Unreleased")]
    title: String,
    #[command(flatten)]
    settings: SettingsArgs,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// One line per change, then the verdict
    Text,
    /// `{"verdict": ..., "changes": [...]}`
    Json,
    /// A changelog entry with migration notes
    Markdown,
}

/// `--fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Level {
    Major,
    Minor,
    Patch,
}

impl Level {
    fn verdict(self) -> Verdict {
        match self {
            Level::Major => Verdict::Major,
            Level::Minor => Verdict::Minor,
            Level::Patch => Verdict::Patch,
        }
    }
}

/// A document as read: its name (for messages and `$ref`s) and text.
struct Read {
    name: PathBuf,
    text: String,
}

/// Reads `spec`: a file, or `git:<rev>:<path>` through `git show`.
fn read(spec: &str) -> Result<Read, String> {
    let Some(rest) = spec.strip_prefix("git:") else {
        let text = std::fs::read_to_string(spec).map_err(|e| format!("cannot read `{spec}`: {e}"))?;
        return Ok(Read { name: PathBuf::from(spec), text });
    };
    let Some((rev, path)) = rest.split_once(':').filter(|(rev, path)| !rev.is_empty() && !path.is_empty()) else {
        return Err(format!("`{spec}` is not `git:<rev>:<path>`"));
    };
    let output = Command::new("git").arg("show").arg(format!("{rev}:{path}")).output().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            format!("cannot read `{spec}`: `git` is not installed or not on PATH")
        } else {
            format!("cannot read `{spec}`: cannot run `git`: {e}")
        }
    })?;
    if !output.status.success() {
        let why = String::from_utf8_lossy(&output.stderr);
        return Err(format!("cannot read `{spec}`: `git show {rev}:{path}` failed: {}", why.trim()));
    }
    let text = String::from_utf8(output.stdout).map_err(|_| format!("cannot read `{spec}`: not UTF-8"))?;
    Ok(Read { name: PathBuf::from(path), text })
}

/// Compares the documents and prints the report.
pub(crate) fn run(args: &DiffArgs, console: &mut Console<'_>) -> std::io::Result<u8> {
    let (old, new) = match (read(&args.old), read(&args.new)) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(e), _) | (_, Err(e)) => {
            writeln!(console.err, "error: {e}")?;
            return Ok(FAILURE);
        }
    };
    let report = match compare(&old, &new, args) {
        Ok(report) => report,
        Err(error) => {
            // Plain lines rather than snippets: a `git:` document is not the file on disk.
            writeln!(console.err, "{error}")?;
            return Ok(FAILURE);
        }
    };
    let text = match args.format {
        Format::Text => text(&report),
        Format::Json => report.json() + "\n",
        Format::Markdown => report.markdown(&args.title),
    };
    console.out.write_all(text.as_bytes())?;
    let failed = args.fail_on.is_some_and(|level| report.verdict() >= level.verdict());
    Ok(if failed { BREAKING } else { SUCCESS })
}

fn compare(old: &Read, new: &Read, args: &DiffArgs) -> Result<Report, gusset_codegen::Error> {
    let old = Document::Text { name: old.name.as_path(), text: &old.text };
    let new = Document::Text { name: new.name.as_path(), text: &new.text };
    diff::diff(old, new, &args.settings.settings())
}

/// One change a line, then the verdict with its count of reasons.
fn text(report: &Report) -> String {
    let mut out = String::new();
    for change in report.changes() {
        out.push_str(&change.to_string());
        out.push('\n');
    }
    let breaking = report.breaking().count();
    let reasons = match report.verdict() {
        Verdict::Major => format!(" ({breaking} breaking change{})", if breaking == 1 { "" } else { "s" }),
        _ if report.changes().is_empty() => " (no changes)".to_owned(),
        _ => String::new(),
    };
    out.push_str(&format!("verdict: {}{reasons}\n", report.verdict()));
    out
}

/// For `generate --bump`: the verdict of `old` (a document's text kept in the crate) against the
/// document at `new`.
pub(crate) fn verdict_against(
    old_text: &str,
    old_name: &Path,
    new: &Path,
    settings: &gusset_codegen::Settings,
) -> Result<Report, gusset_codegen::Error> {
    diff::diff(Document::Text { name: old_name, text: old_text }, Document::File(new), settings)
}
