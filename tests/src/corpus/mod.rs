//! The corpus command: generate a client for every document of a folder,
//! optionally compile and document each one, and report a table and a
//! summary line.
//!
//! ```text
//! cargo run -p gusset-tests --bin corpus -- ../shared/corpus/dev --check --doc --jobs 1
//! ```
//!
//! Stages: list the documents, generate them (guarded against panics and
//! hangs, `--jobs` at a time), write one crate per client into one generated
//! workspace, `cargo check` and `cargo doc` them largest first until the
//! time budget is spent, then print the table and write `corpus-report.md`.

pub(crate) mod args;
pub(crate) mod check;
mod child;
mod doc;
pub(crate) mod fidelity;
mod generate;
mod report;

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use args::{Options, Parsed, USAGE};
use check::Workspace;
use doc::Documented;
use generate::Generation;
use report::{Compiled, Row, Summary};

/// Runs the command on `args` (without the program name) and says how it went.
pub(crate) fn main(args: Vec<OsString>) -> ExitCode {
    let command = std::iter::once("cargo run -p gusset-tests --bin corpus --".to_owned())
        .chain(args.iter().map(|a| a.to_string_lossy().into_owned()))
        .collect::<Vec<_>>()
        .join(" ");
    let options = match args::parse(args) {
        Ok(Parsed::Run(options)) => options,
        Ok(Parsed::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Parsed::GenerateOne(path)) => return child::child_main(&path),
        Err(message) => {
            eprintln!("corpus: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runner = match std::env::current_exe() {
        Ok(exe) => Runner::Process(exe),
        Err(e) => {
            eprintln!("corpus: cannot find this program to run generations in child processes: {e}");
            return ExitCode::from(2);
        }
    };
    match run(&options, &runner, &command) {
        Ok(None) => ExitCode::SUCCESS,
        Ok(Some(report)) => {
            print!("{}", report::text_table(&report.rows));
            println!("{}", report.summary);
            println!("{}", fidelity::Counts::sum(report.rows.iter().filter_map(|r| r.fidelity.as_ref())).line());
            println!("report: {}", report.markdown.display());
            match report.verdict {
                Ok(()) => ExitCode::SUCCESS,
                Err(reasons) => {
                    eprintln!("corpus: failed: {reasons}");
                    ExitCode::FAILURE
                }
            }
        }
        Err(message) => {
            eprintln!("corpus: {message}");
            ExitCode::from(2)
        }
    }
}

/// What a run produced.
#[derive(Debug)]
pub(crate) struct Report {
    /// One row per document, by file name.
    pub(crate) rows: Vec<Row>,
    /// The totals.
    pub(crate) summary: Summary,
    /// `Err` with the reasons when the run should exit non-zero.
    pub(crate) verdict: Result<(), String>,
    /// Where the Markdown report was written.
    pub(crate) markdown: PathBuf,
}

/// Where generations run.
#[derive(Debug, Clone)]
pub(crate) enum Runner {
    /// In a child process (this executable with `--generate-one`), which can
    /// be killed at the timeout or the memory limit: what the command uses.
    Process(PathBuf),
    /// On a thread of this process: for tests, whose executable is the test
    /// harness and cannot be a child.
    #[cfg_attr(not(test), allow(dead_code))]
    Thread,
}

/// One document to process.
#[derive(Debug)]
struct Document {
    path: PathBuf,
    file_name: String,
    crate_name: String,
}

/// Runs the whole command. `Ok(None)` when the folder is absent (the corpus
/// lives outside the repository and is missing on users' machines).
pub(crate) fn run(options: &Options, runner: &Runner, command: &str) -> Result<Option<Report>, String> {
    let start = Instant::now();
    if !options.dir.is_dir() {
        eprintln!(
            "corpus: SKIPPED: `{}` is not a folder (the corpus of real-world documents is only present in the development environment)",
            options.dir.display()
        );
        return Ok(None);
    }
    let documents = list(&options.dir, &options.only)?;
    let out = absolute(options.out.clone().unwrap_or_else(default_out))?;
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create `{}`: {e}", out.display()))?;
    let workspace_root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let runtime = workspace_root
        .join("runtime")
        .canonicalize()
        .map_err(|e| format!("cannot find the `gusset` runtime crate next to the tests crate: {e}"))?;
    let workspace = Workspace::new(out.join("workspace"), runtime, options.jobs);

    let mut rows = generate_all(&documents, options, runner, &workspace);
    let mut notes = vec![format!(
        "{} documents generated, {} at a time, in {:.1} s",
        rows.len(),
        options.jobs,
        start.elapsed().as_secs_f64()
    )];
    if options.check || options.doc {
        notes.extend(check_all(&documents, &mut rows, options, &workspace, start)?);
    }
    notes.push(format!("total wall time {:.1} s", start.elapsed().as_secs_f64()));

    rows.sort_by(|a, b| a.document.cmp(&b.document));
    let summary = Summary::of(&rows, options.check, options.doc);
    let verdict = summary.verdict(&rows, options.min_rate);
    let markdown = out.join("corpus-report.md");
    let text = report::markdown(&rows, &summary, command, &notes);
    gusset_codegen::write_if_changed(&markdown, &text)
        .map_err(|e| format!("cannot write `{}`: {e}", markdown.display()))?;
    for note in &notes {
        eprintln!("corpus: {note}");
    }
    Ok(Some(Report { rows, summary, verdict, markdown }))
}

/// The documents of `dir` (JSON and YAML files), by file name, filtered by `only`.
fn list(dir: &Path, only: &[String]) -> Result<Vec<Document>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?;
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?.path();
        let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        if path.is_file() && matches!(ext.as_deref(), Some("json" | "yaml" | "yml")) {
            paths.push(path);
        }
    }
    paths.sort();
    let mut taken = BTreeSet::new();
    let documents: Vec<Document> = paths
        .into_iter()
        .map(|path| {
            let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let crate_name = check::crate_name(&path, &mut taken);
            Document { path, file_name, crate_name }
        })
        .filter(|d| only.is_empty() || only.iter().any(|o| d.file_name.contains(o.as_str())))
        .collect();
    if documents.is_empty() {
        return Err(format!("no documents (*.json, *.yaml, *.yml) in `{}` match", dir.display()));
    }
    Ok(documents)
}

/// Generates every document, `--jobs` at a time; with `--check` or `--doc`, writes each
/// client's crate as soon as it is generated and keeps only its size.
fn generate_all(documents: &[Document], options: &Options, runner: &Runner, workspace: &Workspace) -> Vec<Row> {
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let (send, receive) = mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 0..options.jobs {
            let send = send.clone();
            let (next, done) = (&next, &done);
            scope.spawn(move || {
                while let Some(document) = documents.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let row = generate_one(document, options, runner, workspace);
                    let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                    eprintln!("[{n}/{}] {}: {}", documents.len(), document.file_name, progress(&row));
                    // The receiver outlives the scope.
                    let _ = send.send(row);
                }
            });
        }
    });
    drop(send);
    receive.into_iter().collect()
}

fn generate_one(document: &Document, options: &Options, runner: &Runner, workspace: &Workspace) -> Row {
    let outcome = match runner {
        Runner::Process(exe) => child::generate(exe, &document.path, options.timeout, options.max_kib),
        Runner::Thread => generate::generate(&document.path, options.timeout),
    };
    let mut compiled = Compiled::NotChecked;
    let mut generation = outcome.generation;
    let mut code_bytes = 0;
    if let Generation::Generated { code, .. } = &mut generation {
        code_bytes = code.len();
        if options.check || options.doc {
            if let Err(e) = workspace.write_crate(&document.crate_name, code) {
                compiled = Compiled::No {
                    first_error: format!("cannot write the crate: {e}"),
                    errors: 1,
                    elapsed: Duration::ZERO,
                };
            }
        }
        // The code is on disk (or not wanted); a hundred clients of several
        // MB each need not stay in memory.
        *code = String::new();
    }
    Row {
        document: document.file_name.clone(),
        generation,
        warnings: outcome.warnings,
        fidelity: outcome.fidelity,
        generate_time: outcome.elapsed,
        peak_kib: outcome.peak_kib,
        code_bytes,
        compiled,
        documented: Documented::NotAsked,
    }
}

fn progress(row: &Row) -> String {
    let time = row.generate_time.as_secs_f64();
    match &row.generation {
        Generation::Generated { operations, types, .. } => format!(
            "generated in {time:.1} s: {operations} operations, {types} types, {} warnings, {} KiB{}",
            row.warnings,
            row.code_bytes.div_ceil(1024),
            row.peak_kib.map_or_else(String::new, |k| format!(", peak {} MiB", k.div_ceil(1024)))
        ),
        _ => format!("FAILED in {time:.1} s: {}", row.failure().unwrap_or_default()),
    }
}

/// Checks (`--check`) and documents (`--doc`) every generated client,
/// largest first, until the time budget is spent. Returns notes for the
/// report.
fn check_all(
    documents: &[Document],
    rows: &mut [Row],
    options: &Options,
    workspace: &Workspace,
    start: Instant,
) -> Result<Vec<String>, String> {
    let crate_of = |row: &Row| documents.iter().find(|d| d.file_name == row.document).map(|d| d.crate_name.clone());
    let mut members: Vec<String> = rows
        .iter()
        .filter(|r| matches!(r.generation, Generation::Generated { .. }) && r.compiled == Compiled::NotChecked)
        .filter_map(crate_of)
        .collect();
    members.sort();
    let lockfile = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock");
    workspace
        .write_manifest(&members, lockfile.is_file().then_some(lockfile.as_path()))
        .map_err(|e| format!("cannot write the workspace in `{}`: {e}", workspace.root.display()))?;

    // Build the runtime and its dependencies once, so each client's time is its own.
    eprintln!("corpus: checking the `gusset` runtime and its dependencies");
    let runtime = workspace.check("gusset").map_err(|e| format!("cannot run cargo: {e}"))?;
    let mut notes = vec![format!(
        "the `gusset` runtime and its dependencies: {} in {:.1} s",
        if runtime.ok { "checked" } else { "FAILED" },
        runtime.elapsed.as_secs_f64()
    )];
    if let Some(error) = runtime.first_error.filter(|_| !runtime.ok) {
        notes.push(format!("runtime error: {error}"));
    }

    let mut order: Vec<usize> = (0..rows.len())
        .filter(|&i| {
            rows.get(i).is_some_and(|r| {
                matches!(r.generation, Generation::Generated { .. }) && r.compiled == Compiled::NotChecked
            })
        })
        .collect();
    order.sort_by_key(|&i| std::cmp::Reverse(rows.get(i).map_or(0, |r| r.code_bytes)));
    let total = order.len();
    for (n, i) in order.into_iter().enumerate() {
        let Some(row) = rows.get_mut(i) else { continue };
        let Some(name) = crate_of(row) else { continue };
        if options.max_seconds.is_some_and(|max| start.elapsed().as_secs_f64() > max) {
            if options.check {
                row.compiled = Compiled::Budget;
            }
            if options.doc {
                row.documented = Documented::Budget;
            }
            continue;
        }
        if options.doc {
            row.documented = document(workspace, &name);
            eprintln!("[doc {}/{total}] {}: {}", n + 1, row.document, doc_progress(&row.documented));
        }
        if !options.check {
            continue;
        }
        row.compiled = match workspace.check(&name) {
            Ok(checked) if checked.ok => Compiled::Yes(checked.elapsed),
            Ok(checked) => Compiled::No {
                first_error: checked.first_error.unwrap_or_default(),
                errors: checked.errors,
                elapsed: checked.elapsed,
            },
            Err(e) => {
                Compiled::No { first_error: format!("cannot run cargo: {e}"), errors: 0, elapsed: Duration::ZERO }
            }
        };
        let verdict = match &row.compiled {
            Compiled::Yes(t) => format!("compiled in {:.1} s", t.as_secs_f64()),
            _ => format!("NOT compiled: {}", row.failure().unwrap_or_default()),
        };
        eprintln!("[check {}/{total}] {}: {verdict}", n + 1, row.document);
    }
    notes.push("cargo's output for each crate is in `workspace/logs/` next to this report".to_owned());
    Ok(notes)
}

fn document(workspace: &Workspace, name: &str) -> Documented {
    doc::document(workspace, name).unwrap_or_else(|e| Documented::Failed {
        first_error: format!("cannot run cargo: {e}"),
        errors: 0,
        elapsed: Duration::ZERO,
    })
}

fn doc_progress(documented: &Documented) -> String {
    let time = documented.elapsed().unwrap_or_default().as_secs_f64();
    match documented {
        Documented::Yes { first_warning: Some(first), .. } => {
            format!("documented in {time:.1} s with {} warnings, first: {first}", documented.warnings())
        }
        Documented::Yes { .. } => format!("documented in {time:.1} s without warnings"),
        Documented::Failed { first_error, .. } => format!("NOT documented in {time:.1} s: {first_error}"),
        _ => documented.cell(),
    }
}

/// `$CARGO_TARGET_DIR/corpus` when set (as when run through cargo with a
/// target dir of one's own), else `<workspace>/target/corpus`.
fn default_out() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir).join("corpus"),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/corpus"),
    }
}

/// cargo runs in the workspace folder, so every path handed to it is made
/// absolute first.
fn absolute(path: PathBuf) -> Result<PathBuf, String> {
    std::path::absolute(&path).map_err(|e| format!("cannot resolve `{}`: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");

    fn options(dir: &str, out: &Path) -> Options {
        let parsed = args::parse([dir.into(), "--out".into(), out.as_os_str().to_owned(), "--jobs".into(), "2".into()]);
        match parsed {
            Ok(Parsed::Run(options)) => options,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn generates_the_fixtures_and_writes_the_report() {
        let out = tempfile::tempdir().unwrap();
        let report = run(&options(FIXTURES, out.path()), &Runner::Thread, "corpus").unwrap().unwrap();
        let names: Vec<&str> = report.rows.iter().map(|r| r.document.as_str()).collect();
        // Other fixtures come and go; these two are the project's oldest.
        assert!(names.contains(&"constructs.yaml") && names.contains(&"orders.yaml"), "{names:?}");
        assert!(names.is_sorted(), "{names:?}");
        assert_eq!(report.summary.generated, names.len());
        assert_eq!(report.verdict, Ok(()));
        let md = std::fs::read_to_string(out.path().join("corpus-report.md")).unwrap();
        assert!(md.contains("| orders.yaml | 7 |"), "{md}");
        assert!(md.contains("## Typing fidelity"), "{md}");
    }

    #[test]
    fn located_generation_errors_do_not_fail_the_run() {
        let out = tempfile::tempdir().unwrap();
        let report = run(&options(&format!("{FIXTURES}/bad"), out.path()), &Runner::Thread, "corpus").unwrap().unwrap();
        assert_eq!(report.summary.documents, 4);
        assert_eq!(report.summary.generated, 0);
        assert_eq!(report.summary.unlocated, 0);
        assert_eq!(report.verdict, Ok(()));
        let md = std::fs::read_to_string(&report.markdown).unwrap();
        assert!(md.contains("## Failures by cause"), "{md}");
        assert!(md.contains("swagger1.yaml"), "{md}");
    }

    #[test]
    fn only_filters_and_an_absent_folder_is_skipped() {
        let out = tempfile::tempdir().unwrap();
        let mut o = options(FIXTURES, out.path());
        o.only = vec!["ord".to_owned()];
        let report = run(&o, &Runner::Thread, "corpus").unwrap().unwrap();
        assert_eq!(report.rows.len(), 1);
        o.only = vec!["nothing-matches".to_owned()];
        assert!(run(&o, &Runner::Thread, "corpus").unwrap_err().starts_with("no documents"));
        assert!(run(&options("/definitely/not/here", out.path()), &Runner::Thread, "corpus").unwrap().is_none());
    }
}
