//! Command-line options of the conformance command (hand-parsed, as the corpus command's are).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The usage text printed by `--help` and after a bad argument.
pub(crate) const USAGE: &str = "\
usage: cargo run -p gusset-tests --bin conformance -- <DIR | FILE | LIST.txt>... [options]

For every OpenAPI document (the *.json, *.yaml, *.yml of a DIR, a FILE, or the lines of a LIST.txt,
relative to the list's folder, `#` starting a comment), starts Prism in mock mode, generates the
client with dynamic calls, builds a harness that calls every operation through its typed method
with synthesized arguments, and reports whether Prism accepted each request and whether its
response decoded into the typed response or error.

options:
  --dynamic         Prism's dynamic mode (responses generated from schemas, `-d --seed`)
  --seed N          seed of value synthesis and of Prism's dynamic mode [1]
  --min-rate PCT    exit 1 if fewer than PCT % of calls pass (request accepted, response decoded) [0]
  --jobs N          cargo's -j when building harnesses [2]
  --only SUBSTR     only documents whose file name contains SUBSTR (repeatable)
  --rejudge         build and call nothing: judge the answers an earlier run of the same mode
                    kept in DIR/logs (to try a change of the verdict rules on a long run)
  --out DIR         where the workspace, logs and conformance-report.md go
                    [$CARGO_TARGET_DIR/conformance, else <workspace>/target/conformance]
  -h, --help        this text

Prism: $GUSSET_PRISM, else <target>/prism/node_modules/.bin/prism (install it with tests/prism/install.sh).

cargo builds the generated crates in <out>/workspace/target, or in $GUSSET_CORPUS_TARGET_DIR when it
is set (CI shares one between its runs, so the clients' dependencies are compiled once).";

/// What the user asked for.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Options {
    /// Folders, documents and list files, as given.
    pub(crate) inputs: Vec<PathBuf>,
    pub(crate) dynamic: bool,
    pub(crate) seed: u64,
    pub(crate) min_rate: f64,
    pub(crate) jobs: usize,
    pub(crate) only: Vec<String>,
    pub(crate) out: Option<PathBuf>,
    pub(crate) rejudge: bool,
}

/// The result of reading the command line.
#[derive(Debug, PartialEq)]
pub(crate) enum Parsed {
    Run(Options),
    Help,
}

pub(crate) fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Parsed, String> {
    let mut o = Options {
        inputs: Vec::new(),
        dynamic: false,
        seed: 1,
        min_rate: 0.0,
        jobs: 2,
        only: Vec::new(),
        out: None,
        rejudge: false,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let Some(text) = arg.to_str() else {
            o.inputs.push(PathBuf::from(arg));
            continue;
        };
        match text {
            "-h" | "--help" => return Ok(Parsed::Help),
            "--dynamic" => o.dynamic = true,
            "--rejudge" => o.rejudge = true,
            "--seed" => o.seed = number(text, args.next())?,
            "--min-rate" => {
                let rate: f64 = number(text, args.next())?;
                if !(0.0..=100.0).contains(&rate) {
                    return Err(format!("`--min-rate` is a percentage, found `{rate}`"));
                }
                o.min_rate = rate;
            }
            "--jobs" | "-j" => {
                o.jobs = number(text, args.next())?;
                if o.jobs == 0 {
                    return Err("`--jobs` must be at least 1".to_owned());
                }
            }
            "--only" => o.only.push(string(text, args.next())?),
            "--out" => o.out = Some(PathBuf::from(string(text, args.next())?)),
            flag if flag.starts_with('-') && flag.len() > 1 => return Err(format!("unknown option `{flag}`")),
            _ => o.inputs.push(PathBuf::from(text)),
        }
    }
    if o.inputs.is_empty() {
        return Err("missing the documents (a folder, files, or a list file)".to_owned());
    }
    Ok(Parsed::Run(o))
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

fn is_document(path: &Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    matches!(ext.as_deref(), Some("json" | "yaml" | "yml"))
}

/// The documents the inputs name, sorted and without repeats, and the inputs that name none
/// present (a corpus absent from this machine).
pub(crate) fn documents(inputs: &[PathBuf], only: &[String]) -> Result<(Vec<PathBuf>, Vec<String>), String> {
    let mut found = Vec::new();
    let mut absent = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let entries = std::fs::read_dir(input).map_err(|e| format!("cannot read `{}`: {e}", input.display()))?;
            for entry in entries {
                let path = entry.map_err(|e| format!("cannot read `{}`: {e}", input.display()))?.path();
                if path.is_file() && is_document(&path) {
                    found.push(path);
                }
            }
        } else if input.extension().is_some_and(|e| e == "txt") {
            let text = std::fs::read_to_string(input).map_err(|e| format!("cannot read `{}`: {e}", input.display()))?;
            let base = input.parent().unwrap_or(Path::new("."));
            for line in text.lines().map(|l| l.split('#').next().unwrap_or_default().trim()).filter(|l| !l.is_empty()) {
                let path = base.join(line);
                if path.is_file() { found.push(path) } else { absent.push(path.display().to_string()) }
            }
        } else if input.is_file() {
            found.push(input.clone());
        } else {
            absent.push(input.display().to_string());
        }
    }
    found.sort();
    found.dedup();
    let name = |p: &PathBuf| p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    found.retain(|p| only.is_empty() || only.iter().any(|o| name(p).contains(o.as_str())));
    Ok((found, absent))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Options, String> {
        match parse(args.iter().map(OsString::from))? {
            Parsed::Run(o) => Ok(o),
            Parsed::Help => Err("help".to_owned()),
        }
    }

    #[test]
    fn reads_every_option() {
        let o = run(&[
            "a",
            "b.yaml",
            "--dynamic",
            "--seed",
            "7",
            "--min-rate",
            "99",
            "--jobs",
            "1",
            "--only",
            "x",
            "--rejudge",
        ])
        .unwrap();
        assert_eq!(o.inputs, [PathBuf::from("a"), PathBuf::from("b.yaml")]);
        assert!(o.dynamic);
        assert_eq!((o.seed, o.min_rate, o.jobs), (7, 99.0, 1));
        assert_eq!(o.only, ["x"]);
        assert!(o.rejudge);
        let d = run(&["a"]).unwrap();
        assert!(!d.dynamic && !d.rejudge);
        assert_eq!((d.seed, d.min_rate, d.jobs), (1, 0.0, 2));
    }

    #[test]
    fn bad_arguments_are_errors() {
        assert_eq!(run(&[]).unwrap_err(), "missing the documents (a folder, files, or a list file)");
        assert_eq!(run(&["a", "--min-rate", "101"]).unwrap_err(), "`--min-rate` is a percentage, found `101`");
        assert_eq!(run(&["a", "--seed"]).unwrap_err(), "`--seed` needs a value");
        assert_eq!(run(&["a", "--jobs", "0"]).unwrap_err(), "`--jobs` must be at least 1");
        assert_eq!(run(&["a", "--what"]).unwrap_err(), "unknown option `--what`");
        assert_eq!(run(&["--help"]).unwrap_err(), "help");
    }

    #[test]
    fn list_files_name_documents_relative_to_themselves() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("docs")).unwrap();
        std::fs::write(dir.path().join("docs/a.yaml"), "x").unwrap();
        std::fs::write(dir.path().join("list.txt"), "# the subset\ndocs/a.yaml  # one\n\ndocs/gone.json\n").unwrap();
        let (found, absent) = documents(&[dir.path().join("list.txt")], &[]).unwrap();
        assert_eq!(found, [dir.path().join("docs/a.yaml")]);
        assert_eq!(absent, [dir.path().join("docs/gone.json").display().to_string()]);
        let (found, _) = documents(&[dir.path().join("docs")], &["b".to_owned()]).unwrap();
        assert!(found.is_empty());
    }
}
