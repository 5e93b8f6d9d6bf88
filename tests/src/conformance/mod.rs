//! The conformance command: every operation of real documents called through its generated,
//! typed method against Prism, a mock server that validates each request against the document.
//!
//! ```text
//! tests/prism/install.sh
//! cargo run -p gusset-tests --bin conformance -- tests/conformance-subset.txt --min-rate 99
//! cargo run -p gusset-tests --bin conformance -- ../shared/corpus/dev --dynamic --seed 7
//! ```
//!
//! For each document: generate the client with `Settings::dynamic_calls(true)` into a crate of
//! the corpus command's generated workspace (`corpus::check`), with a harness binary beside it
//! (`harness`); ask the harness for the operations; synthesize arguments for each from the
//! document (`synth`); start Prism (`prism`) and let the harness call each operation through
//! `Client::call_dynamic`; judge each answer (`verdict`); print a table, a summary line and the
//! failures grouped by cause, and write `conformance-report.md`.

pub(crate) mod args;
pub(crate) mod discriminator;
pub(crate) mod document;
pub(crate) mod harness;
mod pattern;
pub(crate) mod prism;
mod read_only;
mod report;
pub(crate) mod synth;
mod validate;
pub(crate) mod verdict;

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use serde_json::{Map, Value};

use crate::corpus::check::{self, Workspace};
use crate::corpus::fidelity::Counts;
use args::{Options, Parsed, USAGE};
use document::Document;
use harness::{Call, Listed};
use prism::{Mode, Prism};
use report::{Row, Status};
use synth::Synth;

/// Share of optional parameters sent, in percent.
const OPTIONAL_PARAMS: u64 = 50;

/// Runs the command on `args` (without the program name).
pub(crate) fn main(args: Vec<OsString>) -> ExitCode {
    let command = std::iter::once("cargo run -p gusset-tests --bin conformance --".to_owned())
        .chain(args.iter().map(|a| a.to_string_lossy().into_owned()))
        .collect::<Vec<_>>()
        .join(" ");
    let options = match args::parse(args) {
        Ok(Parsed::Run(options)) => options,
        Ok(Parsed::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("conformance: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&options, &command) {
        Ok(None) => ExitCode::SUCCESS,
        Ok(Some(outcome)) => {
            print!("{}", outcome.table);
            println!("{}", outcome.summary);
            match outcome.verdict {
                Ok(()) => ExitCode::SUCCESS,
                Err(reasons) => {
                    eprintln!("conformance: failed: {reasons}");
                    ExitCode::FAILURE
                }
            }
        }
        Err(message) => {
            eprintln!("conformance: {message}");
            ExitCode::from(2)
        }
    }
}

/// What a run printed and decided.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) table: String,
    pub(crate) summary: String,
    pub(crate) verdict: Result<(), String>,
}

/// Runs the whole command; `Ok(None)` when none of the documents is on this machine.
pub(crate) fn run(options: &Options, command: &str) -> Result<Option<Outcome>, String> {
    let start = Instant::now();
    let (documents, absent) = args::documents(&options.inputs, &options.only)?;
    for path in &absent {
        eprintln!(
            "conformance: SKIPPED: `{path}` is not here (the corpus is only present in the development environment)"
        );
    }
    if documents.is_empty() {
        if absent.is_empty() {
            return Err("no documents (*.json, *.yaml, *.yml) match".to_owned());
        }
        return Ok(None);
    }
    // Judging kept answers needs no Prism.
    let prism = if options.rejudge { PathBuf::new() } else { prism::find()? };
    let mode = if options.dynamic { Mode::Dynamic { seed: options.seed } } else { Mode::Static };
    let out = std::path::absolute(options.out.clone().unwrap_or_else(default_out))
        .map_err(|e| format!("cannot resolve the output folder: {e}"))?;
    let logs = out.join("logs");
    std::fs::create_dir_all(&logs).map_err(|e| format!("cannot create `{}`: {e}", logs.display()))?;
    let runtime = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../runtime")
        .canonicalize()
        .map_err(|e| format!("cannot find the `gusset` runtime crate next to the tests crate: {e}"))?;
    let workspace = Workspace::new(out.join("workspace"), runtime, options.jobs);

    let mut taken = BTreeSet::new();
    let crates: Vec<String> = documents.iter().map(|d| check::crate_name(d, &mut taken)).collect();
    // Every crate is written before the first build: cargo loads every member of the workspace.
    // Judging kept answers writes nothing: the workspace may be a running command's.
    let write = (!options.rejudge).then_some(&workspace);
    let mut rows: Vec<Row> = documents.iter().zip(&crates).map(|(path, name)| prepare(path, name, write)).collect();
    if !options.rejudge {
        let members: Vec<String> = crates
            .iter()
            .zip(&rows)
            .filter(|(_, row)| row.status == Status::Ran)
            .map(|(name, _)| name.clone())
            .collect();
        let lockfile = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock");
        workspace
            .write_manifest(&members, lockfile.is_file().then_some(lockfile.as_path()))
            .map_err(|e| format!("cannot write the workspace in `{}`: {e}", workspace.root.display()))?;
    }

    let total = documents.len();
    for (n, ((path, name), row)) in documents.iter().zip(&crates).zip(&mut rows).enumerate() {
        if row.status == Status::Ran && options.rejudge {
            rejudge(row, path, name, mode, &logs);
        } else if row.status == Status::Ran {
            exercise(row, path, name, &workspace, &prism, mode, options.seed, &logs);
        }
        eprintln!("[{}/{total}] {}: {}", n + 1, row.document, row.progress());
    }
    let elapsed = start.elapsed();
    let mut table = report::text_table(&rows);
    let causes = report::causes_text(&rows, 15);
    if !causes.is_empty() {
        table.push_str("failures by cause (most frequent first):\n");
        table.push_str(&causes);
    }
    let summary = report::summary(&rows, mode, elapsed);
    let verdict = report::verdict(&rows, options.min_rate);
    let markdown = report::markdown(&rows, &summary, command);
    let file = out.join("conformance-report.md");
    gusset_codegen::write_if_changed(&file, &markdown)
        .map_err(|e| format!("cannot write `{}`: {e}", file.display()))?;
    eprintln!("conformance: report in {}", file.display());
    Ok(Some(Outcome { table, summary, verdict }))
}

/// Generates one document's client and, given a workspace, writes its crate and harness there.
fn prepare(path: &Path, name: &str, workspace: Option<&Workspace>) -> Row {
    let document = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut row = Row::new(document);
    let settings = gusset_codegen::Settings::new().dynamic_calls(true);
    let generated = match gusset_codegen::generate(path, &settings) {
        Ok(generated) => generated,
        Err(e) => {
            row.status = Status::NotGenerated(e.to_string().lines().next().unwrap_or_default().to_owned());
            return row;
        }
    };
    row.fidelity = Some(Counts::of(generated.fidelity()));
    let Some(workspace) = workspace else { return row };
    if let Err(e) = harness::write(workspace, name, generated.code()) {
        row.status = Status::NotBuilt(format!("cannot write the crate: {e}"));
        return row;
    }
    row
}

/// Builds one document's harness and calls every operation against Prism.
#[allow(clippy::too_many_arguments)]
fn exercise(
    row: &mut Row,
    path: &Path,
    name: &str,
    workspace: &Workspace,
    prism: &Path,
    mode: Mode,
    seed: u64,
    logs: &Path,
) {
    let build_start = Instant::now();
    match harness::build(workspace, name) {
        Ok(built) if built.ok => {}
        Ok(built) => {
            row.status = Status::NotBuilt(built.first_error.unwrap_or_default());
            return;
        }
        Err(e) => {
            row.status = Status::NotBuilt(format!("cannot run cargo: {e}"));
            return;
        }
    }
    row.build_time = build_start.elapsed();
    let exe = harness::executable(workspace, name);
    let listed = match harness::list(&exe) {
        Ok(listed) => listed,
        Err(e) => {
            row.status = Status::HarnessFailed(e);
            return;
        }
    };
    row.operations = listed.len();
    let doc = match Document::read(path) {
        Ok(doc) => doc,
        Err(e) => {
            row.status = Status::HarnessFailed(e);
            return;
        }
    };
    let calls = synthesize(&doc, &listed, seed);
    let run_start = Instant::now();
    let credentials = harness::credentials(&doc);
    let answers = call_all(&calls, &exe, path, name, prism, mode, logs, &credentials);
    row.run_time = run_start.elapsed();
    match answers {
        Ok(answers) => {
            let kept = Kept { seed, listed, answers };
            if let Err(e) = kept.write(&kept_file(logs, name, mode)) {
                eprintln!("conformance: cannot keep the answers of `{name}`: {e}");
            }
            // Prism loads it now: an older run's note says otherwise no more (none is fine).
            let _ = std::fs::remove_file(unloadable_file(logs, name, mode));
            judge_all(row, &doc, &kept);
        }
        Err(e) if e.starts_with("Prism") => {
            // Kept too, so that `--rejudge` lists the document as Prism's, not as one that failed.
            let file = unloadable_file(logs, name, mode);
            if let Err(error) = std::fs::write(&file, &e) {
                eprintln!("conformance: cannot write `{}`: {error}", file.display());
            }
            row.status = Status::PrismCannotLoad(e);
        }
        Err(e) => row.status = Status::HarnessFailed(e),
    }
}

/// Where a run notes that Prism could not load a document (and why), for `--rejudge`.
fn unloadable_file(logs: &Path, name: &str, mode: Mode) -> PathBuf {
    logs.join(format!("{name}.{}.prism-cannot-load.txt", mode.name()))
}

/// What a run keeps of one document to judge it again (`--rejudge`): the operations listed,
/// the seed the calls were synthesized with, and every answer.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Kept {
    seed: u64,
    listed: Vec<Listed>,
    answers: Vec<harness::Answer>,
}

impl Kept {
    fn write(&self, file: &Path) -> Result<(), String> {
        let json = serde_json::to_string(self).map_err(|e| e.to_string())?;
        std::fs::write(file, json).map_err(|e| format!("`{}`: {e}", file.display()))
    }
}

fn kept_file(logs: &Path, name: &str, mode: Mode) -> PathBuf {
    logs.join(format!("{name}.{}.answers.json", mode.name()))
}

/// Judges the answers an earlier run kept, building and calling nothing.
fn rejudge(row: &mut Row, path: &Path, name: &str, mode: Mode, logs: &Path) {
    let file = kept_file(logs, name, mode);
    let kept: Result<Kept, String> = std::fs::read_to_string(&file)
        .map_err(|e| e.to_string())
        .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()));
    let kept = match kept {
        Ok(kept) => kept,
        Err(_) if let Ok(why) = std::fs::read_to_string(unloadable_file(logs, name, mode)) => {
            row.status = Status::PrismCannotLoad(why);
            return;
        }
        Err(e) => {
            row.status = Status::HarnessFailed(format!("no answers kept in `{}` to judge: {e}", file.display()));
            return;
        }
    };
    match Document::read(path) {
        Ok(doc) => judge_all(row, &doc, &kept),
        Err(e) => row.status = Status::HarnessFailed(e),
    }
}

/// Judges every answer, and counts the calls that got none as not sent.
fn judge_all(row: &mut Row, doc: &Document, kept: &Kept) {
    let Kept { seed, listed, answers } = kept;
    row.operations = listed.len();
    row.verdicts = answers
        .iter()
        .map(|answer| {
            let op = listed.iter().find(|op| op.id == answer.id);
            let body = op.and_then(|op| {
                let content_type = op.body.as_deref()?;
                Some((content_type, doc.body(&op.method, &op.path, content_type)?))
            });
            let body_schema = body.and_then(|(_, media)| media.get("schema"));
            let path = op.map(|op| op.path.as_str());
            let method = op.map(|op| op.method.as_str());
            verdict::judge(answer, &verdict::Context { doc: Some(doc), body_schema, body, path, method })
        })
        .collect();
    let answered: BTreeSet<&str> = answers.iter().map(|a| a.id.as_str()).collect();
    for call in synthesize(doc, listed, *seed).iter().filter(|c| !answered.contains(c.id.as_str())) {
        row.verdicts.push(verdict::Verdict {
            operation: call.id.clone(),
            request: verdict::Request::NotSent {
                cause: "not sent: the harness stopped".into(),
                detail: "no answer for this call".into(),
            },
            response: Err(("response: none".into(), String::new())),
        });
    }
    row.status = Status::Ran;
}

/// Most restarts of Prism for one document (it dies on some valid requests).
const MAX_RESTARTS: usize = 40;

/// Calls every operation. The harness stops after a call that failed in transport; if Prism
/// is then gone (exited, or no longer listening), that call is marked as Prism's crash and a
/// new Prism is started, else the failure is the client's and the same Prism goes on. Either
/// way the calls after it are run next, so no call is lost to a restart or blamed for one.
#[allow(clippy::too_many_arguments)]
fn call_all(
    calls: &[Call],
    exe: &Path,
    path: &Path,
    name: &str,
    prism: &Path,
    mode: Mode,
    logs: &Path,
    credentials: &str,
) -> Result<Vec<harness::Answer>, String> {
    let mut answers = Vec::new();
    let mut rest = calls;
    let mut server: Option<(Prism, PathBuf)> = None;
    let mut starts = 0;
    let file = logs.join(format!("{name}.{}.calls.json", mode.name()));
    while !rest.is_empty() {
        let (prism_server, log) = match &mut server {
            Some(running) => running,
            None => {
                if starts > MAX_RESTARTS {
                    break;
                }
                let log = logs.join(format!(
                    "{name}.{}.prism{}.log",
                    mode.name(),
                    if starts == 0 { String::new() } else { format!(".{starts}") }
                ));
                starts += 1;
                server.insert((Prism::start(prism, path, mode, &log)?, log))
            }
        };
        let json = serde_json::to_string_pretty(rest).map_err(|e| format!("cannot encode the calls: {e}"))?;
        std::fs::write(&file, json).map_err(|e| format!("cannot write `{}`: {e}", file.display()))?;
        let mut got = harness::run(exe, &prism_server.url(), &file, credentials)?;
        let Some(last) = got.last_mut().filter(|a| a.outcome == "transport") else {
            // Every call answered, or the harness stopped: what is missing is reported so.
            answers.extend(got);
            break;
        };
        if !prism_server.alive() {
            last.outcome = "prism-crashed".into();
            last.message = Some(prism::tail(log));
            server = None;
        }
        rest = rest.get(got.len()..).unwrap_or_default();
        answers.extend(got);
    }
    Ok(answers)
}

/// The arguments of every listed operation, synthesized from the document.
pub(crate) fn synthesize(doc: &Document, listed: &[Listed], seed: u64) -> Vec<Call> {
    listed
        .iter()
        .map(|op| {
            let mut synth = Synth::new(doc, seed ^ fnv(&op.id));
            let mut locations: Map<String, Value> = Map::new();
            for p in &op.params {
                let holder = doc.parameter(&op.method, &op.path, &p.location, &p.name);
                if !p.required && !synth_chance(&mut synth, OPTIONAL_PARAMS) {
                    continue;
                }
                let value = match holder {
                    Some(holder) => synth.for_holder(holder),
                    None => Value::String("conformance".into()),
                };
                let params = locations.entry(p.location.clone()).or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(params) = params {
                    params.insert(p.name.clone(), value);
                }
            }
            if let Some(content_type) = &op.body {
                let body = match doc.body(&op.method, &op.path, content_type) {
                    Some(media) => synth.for_holder(media),
                    None => Value::Object(Map::new()),
                };
                locations.insert("body".into(), body);
            }
            Call { id: op.id.clone(), args: Value::Object(locations) }
        })
        .collect()
}

fn synth_chance(synth: &mut Synth<'_>, percent: u64) -> bool {
    synth.rng().next() % 100 < percent
}

/// FNV-1a, to give each operation a seed of its own.
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// `$CARGO_TARGET_DIR/conformance`, else `<workspace>/target/conformance`.
fn default_out() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir).join("conformance"),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/conformance"),
    }
}
