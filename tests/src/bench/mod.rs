//! The benchmarks: one module per figure of issue 6.
//!
//! ```text
//! cargo run --release -p gusset-tests --bin bench -- generate   # time and memory per stage
//! cargo run --release -p gusset-tests --bin bench -- compile    # cargo check/build of clients
//! cargo run --release -p gusset-tests --bin bench -- calls      # per-call overhead vs reqwest
//! ```
//!
//! Measurements, not tests: nothing here asserts a target. Every figure is a
//! median (and, for calls, a 90th percentile) of several runs, because the
//! machine is shared and noisy.

mod calls;
mod compile;
mod generate;
mod outbox;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "\
usage: bench <COMMAND> [OPTIONS] [DOCUMENT...]

commands:
  generate   generation time per stage (read, lower, emit, format) and peak memory
  compile    `cargo check` and `cargo build` time and peak memory of generated clients
  calls      per-call latency of a generated client against raw reqwest (ratios)
  outbox     gusset-outbox on SQLite and PostgreSQL: enqueue and delivery throughput, added latency

options:
  --corpus DIR   where DOCUMENTs are looked up [../shared/corpus/dev next to the workspace]
  --runs N       timed runs per figure, the median is reported [generate: 5, compile: 3]
  --calls N      calls per variant and round [calls: 2000]; calls per figure [outbox: 2000]
  --rounds N     rounds, each reported as a ratio of medians [calls: 5]
  --no-build     compile: only `cargo check`, not `cargo build`
  --out DIR      compile: where the generated workspace goes [$CARGO_TARGET_DIR/bench-compile]

DOCUMENTs are file names in the corpus (or paths); the defaults are
github-api.github.com-2023-04.json, cloudflare-2024-08.json and vercel-2025-10.json
for `generate`, and the first two for `compile`.";

/// The largest documents of the development corpus.
const GENERATE_DEFAULT: &[&str] =
    &["github-api.github.com-2023-04.json", "cloudflare-2024-08.json", "vercel-2025-10.json"];
const COMPILE_DEFAULT: &[&str] = &["github-api.github.com-2023-04.json", "cloudflare-2024-08.json"];

/// Parsed command line.
#[derive(Debug, Clone, PartialEq)]
struct Options {
    corpus: PathBuf,
    runs: Option<usize>,
    calls: usize,
    rounds: usize,
    build: bool,
    out: Option<PathBuf>,
    documents: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum Command {
    Generate(Options),
    Compile(Options),
    Calls(Options),
    Outbox(Options),
    /// Internal: generate one document in this (child) process and print
    /// its peak memory, so each document's peak is its own.
    GenerateOne(PathBuf),
    Help,
}

/// Runs the command line `args` (without the program name).
pub(crate) fn main(args: Vec<OsString>) -> ExitCode {
    let command = match parse(args) {
        Ok(command) => command,
        Err(message) => {
            eprintln!("bench: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    // The machine is shared: the load around a measurement says how much to trust it.
    let quiet = matches!(command, Command::GenerateOne(_) | Command::Help);
    let load_at_start = load_average();
    let result = match command {
        Command::Help => {
            println!("{USAGE}");
            Ok(())
        }
        Command::GenerateOne(path) => generate::child(&path),
        Command::Generate(options) => generate::run(&options),
        Command::Compile(options) => compile::run(&options),
        Command::Calls(options) => calls::run(&options),
        Command::Outbox(options) => outbox::run(&options),
    };
    if !quiet {
        println!(
            "load average (1 min) at start {}, at end {}, on {} cores",
            load_at_start,
            load_average(),
            std::thread::available_parallelism().map_or(0, usize::from)
        );
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bench: {message}");
            ExitCode::FAILURE
        }
    }
}

fn parse(args: Vec<OsString>) -> Result<Command, String> {
    let mut args = args.into_iter();
    let Some(command) = args.next() else { return Err("no command".to_owned()) };
    let command = command.to_string_lossy().into_owned();
    if command == "generate-one" {
        let path = args.next().ok_or("`generate-one` needs a document")?;
        return Ok(Command::GenerateOne(PathBuf::from(path)));
    }
    let mut options = Options {
        corpus: Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/dev"),
        runs: None,
        calls: 2000,
        rounds: 5,
        build: true,
        out: None,
        documents: Vec::new(),
    };
    while let Some(arg) = args.next() {
        let arg = arg.to_string_lossy().into_owned();
        let mut value =
            |name: &str| args.next().map(|v| v.to_string_lossy().into_owned()).ok_or(format!("`{name}` needs a value"));
        match arg.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--corpus" => options.corpus = PathBuf::from(value("--corpus")?),
            "--out" => options.out = Some(PathBuf::from(value("--out")?)),
            "--runs" => options.runs = Some(count("--runs", &value("--runs")?)?),
            "--calls" => options.calls = count("--calls", &value("--calls")?)?,
            "--rounds" => options.rounds = count("--rounds", &value("--rounds")?)?,
            "--no-build" => options.build = false,
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            document => options.documents.push(document.to_owned()),
        }
    }
    match command.as_str() {
        "-h" | "--help" | "help" => Ok(Command::Help),
        "generate" => Ok(Command::Generate(options)),
        "compile" => Ok(Command::Compile(options)),
        "calls" if options.documents.is_empty() => Ok(Command::Calls(options)),
        "calls" => Err("`calls` takes no documents".to_owned()),
        "outbox" if options.documents.is_empty() => Ok(Command::Outbox(options)),
        "outbox" => Err("`outbox` takes no documents".to_owned()),
        other => Err(format!("unknown command `{other}`")),
    }
}

fn count(name: &str, text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("`{name}` needs a positive whole number, not `{text}`")),
    }
}

impl Options {
    /// The documents to measure: those named, else `defaults`, each looked up
    /// in the corpus unless it is a path to an existing file.
    fn documents(&self, defaults: &[&str]) -> Result<Vec<PathBuf>, String> {
        let names: Vec<String> = if self.documents.is_empty() {
            defaults.iter().map(|d| (*d).to_owned()).collect()
        } else {
            self.documents.clone()
        };
        names
            .iter()
            .map(|name| {
                let direct = PathBuf::from(name);
                let path = if direct.is_file() { direct } else { self.corpus.join(name) };
                if path.is_file() {
                    Ok(path)
                } else {
                    Err(format!(
                        "no document `{name}` (looked in `{}`; the corpus is only present in the development environment)",
                        self.corpus.display()
                    ))
                }
            })
            .collect()
    }
}

/// The 1-minute load average from `/proc/loadavg`, as written there.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

/// The file name of `path`, for tables.
fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// The median of `samples` (the upper one of an even count); zero when empty.
fn median(samples: &[Duration]) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

/// The `pct`th percentile of `samples` by the nearest-rank method; zero when empty.
fn percentile(samples: &[Duration], pct: usize) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let rank = (sorted.len() * pct).div_ceil(100).max(1);
    sorted.get(rank - 1).copied().unwrap_or_default()
}

/// Seconds with a precision that suits the value.
fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 10.0 {
        format!("{s:.1} s")
    } else if s >= 0.1 {
        format!("{s:.2} s")
    } else {
        format!("{:.1} ms", s * 1000.0)
    }
}

/// KiB as MiB (or GiB over 1 GiB).
fn mebibytes(kib: u64) -> String {
    if kib >= 1024 * 1024 {
        format!("{:.2} GiB", kib as f64 / 1024.0 / 1024.0)
    } else {
        format!("{} MiB", kib.div_ceil(1024))
    }
}

/// The `VmHWM` (peak resident set) line of a `/proc/<pid>/status` text, in KiB.
fn peak_kib(status: &str) -> Option<u64> {
    status.lines().find_map(|line| line.strip_prefix("VmHWM:")?.trim().strip_suffix("kB")?.trim().parse().ok())
}

/// A text table: a header row, then rows, columns padded to their widest cell.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut out = line(header.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(values: &[u64]) -> Vec<Duration> {
        values.iter().map(|&v| Duration::from_millis(v)).collect()
    }

    #[test]
    fn medians_and_percentiles() {
        assert_eq!(median(&ms(&[5, 1, 3])), Duration::from_millis(3));
        assert_eq!(median(&ms(&[4, 1, 3, 2])), Duration::from_millis(3));
        assert_eq!(percentile(&ms(&(1..=10).collect::<Vec<_>>()), 90), Duration::from_millis(9));
        assert_eq!(median(&[]), Duration::ZERO);
    }

    #[test]
    fn parses_commands() {
        let parsed = parse(["generate".into(), "--runs".into(), "3".into(), "a.json".into()].into()).unwrap();
        let Command::Generate(options) = parsed else { panic!("{parsed:?}") };
        assert_eq!((options.runs, options.documents), (Some(3), vec!["a.json".to_owned()]));
        assert!(parse(["calls".into(), "--runs".into(), "0".into()].into()).is_err());
        assert!(parse(["calls".into(), "x.json".into()].into()).is_err());
        assert!(parse(["nope".into()].into()).is_err());
    }

    #[test]
    fn reads_the_peak_from_proc_status() {
        assert_eq!(peak_kib("Name:\tx\nVmHWM:\t  20480 kB\nVmRSS:\t 1 kB\n"), Some(20480));
        assert_eq!(peak_kib("Name:\tx\n"), None);
    }
}
