//! Command-line options of the corpus command.
//!
//! Hand-parsed rather than with clap: ten flags do not justify adding a
//! parser to the test crate's dependencies, and the parsing is unit-tested
//! below.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

/// How long one document may take to generate before it is reported as
/// timed out (the brief's 120 s).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// Resident memory above which a generation is killed. The largest corpus
/// clients need far less; the limit protects a shared machine from a
/// runaway generation.
const DEFAULT_MAX_MEMORY_MIB: u64 = 6 * 1024;

/// The usage text printed by `--help` and after a bad argument.
pub(crate) const USAGE: &str = "\
usage: cargo run -p gusset-tests --bin corpus -- <DIR> [options]

Generates a client for every OpenAPI document (*.json, *.yaml, *.yml) in DIR
and, with --check, compiles each one with `cargo check` and #![deny(warnings)];
with --doc, documents each one with `cargo doc --no-deps` and counts rustdoc's
failures and warnings (either fails the run).

options:
  --check            compile every generated client (one cargo workspace, one target dir)
  --doc              document every generated client and count rustdoc's warnings (same workspace)
  --jobs N           documents generated in parallel, and cargo's -j for checks [1]
  --only SUBSTR      only documents whose file name contains SUBSTR (repeatable)
  --max-seconds S    start no new check after S seconds since the command started [no limit]
  --min-rate PCT     with --check, exit 1 if fewer than PCT % of documents compile [0]
  --timeout S        kill one document's generation after S seconds [120]
  --max-memory-mb M  kill one document's generation above M MiB resident (Linux) [6144]
  --out DIR          where the workspace, logs and corpus-report.md go
                     [$CARGO_TARGET_DIR/corpus, else <workspace>/target/corpus]
  -h, --help         this text

cargo builds the generated crates in <out>/workspace/target, or in $GUSSET_CORPUS_TARGET_DIR when it
is set (CI shares one between its runs, so the clients' dependencies are compiled once).";

/// What the user asked for.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Options {
    /// The folder of documents.
    pub(crate) dir: PathBuf,
    /// Compile the generated clients too.
    pub(crate) check: bool,
    /// Document the generated clients with `cargo doc` too.
    pub(crate) doc: bool,
    /// Parallel generations, and cargo's `-j`.
    pub(crate) jobs: usize,
    /// Keep only documents whose file name contains one of these.
    pub(crate) only: Vec<String>,
    /// Start no new check after this long since the command started.
    pub(crate) max_seconds: Option<f64>,
    /// Minimum compile rate in percent (with `--check`).
    pub(crate) min_rate: f64,
    /// Per-document generation timeout.
    pub(crate) timeout: Duration,
    /// Per-document generation memory limit in KiB.
    pub(crate) max_kib: u64,
    /// Output folder; `None` means the default next to the target dir.
    pub(crate) out: Option<PathBuf>,
}

/// The result of reading the command line.
#[derive(Debug, PartialEq)]
pub(crate) enum Parsed {
    /// Run with these options.
    Run(Options),
    /// `--help` was asked for.
    Help,
    /// Internal: be the child process that generates one document.
    GenerateOne(PathBuf),
}

/// Reads the arguments after the program name.
pub(crate) fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Parsed, String> {
    let mut dir = None;
    let mut options = Options {
        dir: PathBuf::new(),
        check: false,
        doc: false,
        jobs: 1,
        only: Vec::new(),
        max_seconds: None,
        min_rate: 0.0,
        timeout: DEFAULT_TIMEOUT,
        max_kib: DEFAULT_MAX_MEMORY_MIB * 1024,
        out: None,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let Some(text) = arg.to_str() else {
            // A non-UTF-8 argument can only be the folder.
            set_dir(&mut dir, PathBuf::from(arg))?;
            continue;
        };
        match text {
            "-h" | "--help" => return Ok(Parsed::Help),
            "--generate-one" => {
                let path = args.next().ok_or("`--generate-one` needs a value")?;
                return Ok(Parsed::GenerateOne(PathBuf::from(path)));
            }
            "--check" => options.check = true,
            "--doc" => options.doc = true,
            "--jobs" | "-j" => {
                let jobs: usize = number(text, args.next())?;
                if jobs == 0 {
                    return Err("`--jobs` must be at least 1".to_owned());
                }
                options.jobs = jobs;
            }
            "--only" => options.only.push(string(text, args.next())?),
            "--max-seconds" => options.max_seconds = Some(non_negative(text, args.next())?),
            "--min-rate" => {
                let rate = non_negative(text, args.next())?;
                if rate > 100.0 {
                    return Err(format!("`--min-rate` is a percentage, found `{rate}`"));
                }
                options.min_rate = rate;
            }
            "--timeout" => options.timeout = Duration::from_secs_f64(non_negative(text, args.next())?),
            "--max-memory-mb" => {
                let mib: u64 = number(text, args.next())?;
                options.max_kib = mib.saturating_mul(1024);
            }
            "--out" => options.out = Some(PathBuf::from(string(text, args.next())?)),
            flag if flag.starts_with('-') && flag.len() > 1 => return Err(format!("unknown option `{flag}`")),
            _ => set_dir(&mut dir, PathBuf::from(text))?,
        }
    }
    options.dir = dir.ok_or("missing the folder of documents")?;
    Ok(Parsed::Run(options))
}

fn set_dir(dir: &mut Option<PathBuf>, value: PathBuf) -> Result<(), String> {
    if let Some(first) = dir {
        return Err(format!("one folder only: got `{}` and `{}`", first.display(), value.display()));
    }
    *dir = Some(value);
    Ok(())
}

fn string(flag: &str, value: Option<OsString>) -> Result<String, String> {
    value
        .ok_or_else(|| format!("`{flag}` needs a value"))?
        .into_string()
        .map_err(|v| format!("`{flag}` needs a UTF-8 value, found `{}`", v.to_string_lossy()))
}

fn number<T: std::str::FromStr>(flag: &str, value: Option<OsString>) -> Result<T, String> {
    let text = string(flag, value)?;
    text.parse().map_err(|_| format!("`{flag}` needs a number, found `{text}`"))
}

fn non_negative(flag: &str, value: Option<OsString>) -> Result<f64, String> {
    let n: f64 = number(flag, value)?;
    if !n.is_finite() || n < 0.0 {
        return Err(format!("`{flag}` must be a non-negative number, found `{n}`"));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Options, String> {
        match parse(args.iter().map(OsString::from))? {
            Parsed::Run(options) => Ok(options),
            Parsed::Help => Err("help".to_owned()),
            Parsed::GenerateOne(path) => Err(format!("child {}", path.display())),
        }
    }

    #[test]
    fn reads_every_option() {
        let o = run(&[
            "../corpus",
            "--check",
            "--doc",
            "--jobs",
            "2",
            "--only",
            "github",
            "--only",
            "slack",
            "--max-seconds",
            "90.5",
            "--min-rate",
            "95",
            "--timeout",
            "10",
            "--max-memory-mb",
            "100",
            "--out",
            "/tmp/x",
        ])
        .unwrap();
        assert_eq!(o.dir, PathBuf::from("../corpus"));
        assert!(o.check && o.doc);
        assert_eq!(o.jobs, 2);
        assert_eq!(o.only, ["github", "slack"]);
        assert_eq!(o.max_seconds, Some(90.5));
        assert_eq!(o.min_rate, 95.0);
        assert_eq!(o.timeout, Duration::from_secs(10));
        assert_eq!(o.max_kib, 100 * 1024);
        assert_eq!(o.out, Some(PathBuf::from("/tmp/x")));
    }

    #[test]
    fn defaults_follow_the_brief() {
        let o = run(&["dir"]).unwrap();
        assert!(!o.check && !o.doc);
        assert_eq!(o.jobs, 1);
        assert_eq!(o.max_seconds, None);
        assert_eq!(o.min_rate, 0.0);
        assert_eq!(o.timeout, Duration::from_secs(120));
        assert_eq!(o.max_kib, 6 * 1024 * 1024);
        assert_eq!(o.out, None);
    }

    #[test]
    fn bad_arguments_are_errors_not_panics() {
        assert_eq!(run(&[]).unwrap_err(), "missing the folder of documents");
        assert_eq!(run(&["a", "b"]).unwrap_err(), "one folder only: got `a` and `b`");
        assert_eq!(run(&["a", "--jobs"]).unwrap_err(), "`--jobs` needs a value");
        assert_eq!(run(&["a", "--jobs", "x"]).unwrap_err(), "`--jobs` needs a number, found `x`");
        assert_eq!(run(&["a", "--jobs", "0"]).unwrap_err(), "`--jobs` must be at least 1");
        assert_eq!(run(&["a", "--min-rate", "120"]).unwrap_err(), "`--min-rate` is a percentage, found `120`");
        assert_eq!(
            run(&["a", "--max-seconds", "-1"]).unwrap_err(),
            "`--max-seconds` must be a non-negative number, found `-1`"
        );
        assert_eq!(run(&["a", "--frobnicate"]).unwrap_err(), "unknown option `--frobnicate`");
        assert_eq!(run(&["a", "--help"]).unwrap_err(), "help");
        assert_eq!(run(&["--generate-one", "x.yaml"]).unwrap_err(), "child x.yaml");
    }
}
