//! Compiling generated clients: each client is a crate that depends only on
//! the `gusset` runtime (by path, without default features: no TLS, no
//! macros), in a generated workspace under the target dir. The runtime and
//! its dependencies are built first; then each client is touched and
//! re-checked (and re-built) with incremental compilation off, so every
//! figure is a full compile of the client crate alone.
//!
//! Next to each client, a second crate gets the same client through the
//! macro route (`gusset::generate!` of the document), so the difference
//! between the two `cargo check` times is what the macro adds to a build.
//! The generated workspace builds proc-macros and build scripts optimised
//! (`[profile.dev.build-override] opt-level = 3`), as the README advises
//! for the macro and build-script routes.
//!
//! Time is the wall time of `cargo`; peak memory is `/usr/bin/time`'s
//! maximum resident set of cargo and the processes it waited for, which is
//! the client's `rustc` (cargo itself stays far below it).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use gusset_codegen::Settings;

use super::{COMPILE_DEFAULT, Options, file_name, load_average, mebibytes, median, seconds, table};

const TIME: &str = "/usr/bin/time";

/// One `cargo` run.
#[derive(Debug, Clone, Copy)]
struct Measured {
    elapsed: Duration,
    peak_kib: Option<u64>,
}

/// The figures of one client.
#[derive(Debug)]
struct Row {
    document: String,
    source_bytes: usize,
    source_lines: usize,
    items: Items,
    check: Vec<Measured>,
    incremental: Vec<Measured>,
    build: Vec<Measured>,
    /// `cargo check` of the crate that expands `generate!` of the document.
    macro_check: Vec<Measured>,
}

/// Rough counts of what the client declares, to read compile times against.
#[derive(Debug, Default, Clone, Copy)]
struct Items {
    types: usize,
    functions: usize,
}

/// The generated workspace and how to run cargo in it.
#[derive(Debug)]
struct Workspace {
    root: PathBuf,
    cargo: PathBuf,
    time: bool,
}

pub(super) fn run(options: &Options) -> Result<(), String> {
    let documents = options.documents(COMPILE_DEFAULT)?;
    let runs = options.runs.unwrap_or(3);
    let root = match &options.out {
        Some(out) => out.clone(),
        None => match std::env::var_os("CARGO_TARGET_DIR") {
            Some(dir) if !dir.is_empty() => PathBuf::from(dir).join("bench-compile"),
            _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-compile"),
        },
    };
    let root = std::path::absolute(&root).map_err(|e| format!("cannot resolve `{}`: {e}", root.display()))?;
    let workspace = Workspace {
        root,
        cargo: std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from),
        time: Path::new(TIME).is_file(),
    };
    if !workspace.time {
        eprintln!("bench: `{TIME}` is missing, so peak memory is not measured");
    }

    let mut rows = Vec::new();
    let mut crates = Vec::new();
    for path in &documents {
        let document = file_name(path);
        let generated = gusset_codegen::generate(path, &Settings::new())
            .map_err(|e| format!("`{document}` does not generate: {e}"))?;
        let name = format!("bench_{}", gusset_codegen::name_from_path(path).trim_start_matches('_'));
        workspace
            .write_crate(&name, generated.code(), Route::Generated)
            .map_err(|e| format!("cannot write the crate `{name}`: {e}"))?;
        // `{:?}` of a path's text is a Rust string literal of it.
        let expansion = format!("gusset::generate!({:?});\n", path.display().to_string());
        workspace
            .write_crate(&macro_crate(&name), &expansion, Route::Macro)
            .map_err(|e| format!("cannot write the crate `{}`: {e}", macro_crate(&name)))?;
        rows.push(Row {
            document,
            source_bytes: generated.code().len(),
            source_lines: generated.code().lines().count(),
            items: count_items(generated.code()),
            check: Vec::new(),
            incremental: Vec::new(),
            build: Vec::new(),
            macro_check: Vec::new(),
        });
        crates.push(name);
    }
    workspace.write_manifest(&crates).map_err(|e| format!("cannot write `{}`: {e}", workspace.root.display()))?;

    eprintln!("bench: building the `gusset` runtime and its dependencies in `{}`", workspace.root.display());
    let (warm, _) = workspace.cargo("check", "gusset", false)?;
    eprintln!("bench: `cargo check -p gusset`: {}", seconds(warm.elapsed));
    // The macro crates use the runtime with its `macros` feature: build that
    // configuration (and the generator) once before anything is timed.
    if let Some(first) = crates.first() {
        let (warm, _) = workspace.cargo("check", &macro_crate(first), false)?;
        eprintln!("bench: first `cargo check` through the macro route: {}", seconds(warm.elapsed));
    }
    if options.build {
        let (warm, _) = workspace.cargo("build", "gusset", false)?;
        eprintln!("bench: `cargo build -p gusset`: {}", seconds(warm.elapsed));
    }

    for (row, name) in rows.iter_mut().zip(&crates) {
        for run in 1..=runs {
            let m = workspace.recompile("check", name, false)?;
            eprintln!("bench: {}: cargo check {run}/{runs}: {}", row.document, describe(m));
            row.check.push(m);
        }
        // Incremental: the first run fills the cache, the next ones reuse it.
        workspace.recompile("check", name, true)?;
        for run in 1..=runs {
            let m = workspace.recompile("check", name, true)?;
            eprintln!("bench: {}: incremental re-check {run}/{runs}: {}", row.document, describe(m));
            row.incremental.push(m);
        }
        if options.build {
            for run in 1..=runs {
                let m = workspace.recompile("build", name, false)?;
                eprintln!("bench: {}: cargo build {run}/{runs}: {}", row.document, describe(m));
                row.build.push(m);
            }
        }
        for run in 1..=runs {
            let m = workspace.recompile("check", &macro_crate(name), false)?;
            eprintln!("bench: {}: cargo check through generate! {run}/{runs}: {}", row.document, describe(m));
            row.macro_check.push(m);
        }
    }
    println!(
        "compiling generated clients (dev profile, dependencies already built, median of {runs} runs; `check` and `build` without incremental compilation, `re-check` with it after touching lib.rs)"
    );
    print!("{}", render(&rows));
    Ok(())
}

fn describe(m: Measured) -> String {
    let peak = m.peak_kib.map_or_else(|| "?".to_owned(), mebibytes);
    format!("{}, peak {peak}, load average {}", seconds(m.elapsed), load_average())
}

fn render(rows: &[Row]) -> String {
    let time = |ms: &[Measured]| {
        if ms.is_empty() { "-".to_owned() } else { seconds(median(&ms.iter().map(|m| m.elapsed).collect::<Vec<_>>())) }
    };
    let peak = |ms: &[Measured]| {
        let mut peaks: Vec<u64> = ms.iter().filter_map(|m| m.peak_kib).collect();
        peaks.sort_unstable();
        peaks.get(peaks.len() / 2).map_or_else(|| "-".to_owned(), |&p| mebibytes(p))
    };
    let added = |r: &Row| {
        if r.check.is_empty() || r.macro_check.is_empty() {
            return "-".to_owned();
        }
        let of = |ms: &[Measured]| median(&ms.iter().map(|m| m.elapsed).collect::<Vec<_>>());
        let (plain, expanded) = (of(&r.check), of(&r.macro_check));
        match expanded.checked_sub(plain) {
            Some(more) => format!("+{}", seconds(more)),
            None => format!("-{}", seconds(plain - expanded)),
        }
    };
    let header = [
        "client of",
        "source",
        "types, fns",
        "check",
        "check peak",
        "re-check",
        "build",
        "build peak",
        "generate! check",
        "macro adds",
    ];
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.document.clone(),
                format!("{:.1} MiB, {} lines", r.source_bytes as f64 / 1024.0 / 1024.0, r.source_lines),
                format!("{}, {}", r.items.types, r.items.functions),
                time(&r.check),
                peak(&r.check),
                time(&r.incremental),
                time(&r.build),
                peak(&r.build),
                time(&r.macro_check),
                added(r),
            ]
        })
        .collect();
    table(&header, &cells)
}

/// Counts `struct`/`enum`/`type` items and `fn`s by their lines in the
/// formatted code (prettyplease puts each item's head on its own line).
fn count_items(code: &str) -> Items {
    let mut items = Items::default();
    for line in code.lines() {
        let line = line.trim_start();
        let line = line.strip_prefix("pub ").unwrap_or(line);
        if ["struct ", "enum ", "type "].iter().any(|p| line.starts_with(p)) {
            items.types += 1;
        } else if line.starts_with("fn ") || line.starts_with("async fn ") {
            items.functions += 1;
        }
    }
    items
}

/// How a bench crate gets its client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    /// The generated code is the crate's `lib.rs`.
    Generated,
    /// `lib.rs` expands `gusset::generate!`.
    Macro,
}

/// The crate that gets `name`'s client through the macro route.
fn macro_crate(name: &str) -> String {
    format!("{name}_macro")
}

impl Workspace {
    fn crate_dir(&self, name: &str) -> PathBuf {
        self.root.join("crates").join(name)
    }

    /// Writes a client's crate; unchanged files keep their times.
    fn write_crate(&self, name: &str, code: &str, route: Route) -> std::io::Result<()> {
        let dir = self.crate_dir(name);
        let features = match route {
            Route::Generated => "",
            Route::Macro => ", features = [\"macros\"]",
        };
        let manifest = format!(
            "# @generated by `bench compile`.\n\
             [package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [lib]\ndoctest = false\ntest = false\n\n\
             # Without default features: TLS (a C build) and the macros (the generator)\n\
             # are dependencies, built once, that generated code does not use.\n\
             [dependencies]\ngusset = {{ path = '{runtime}', default-features = false{features} }}\n",
            runtime = Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime").display(),
        );
        gusset_codegen::write_if_changed(&dir.join("Cargo.toml"), &manifest)?;
        gusset_codegen::write_if_changed(&dir.join("src/lib.rs"), code)?;
        Ok(())
    }

    /// The workspace manifest and the repository's lockfile, so cargo needs
    /// no resolution and no network.
    fn write_manifest(&self, crates: &[String]) -> std::io::Result<()> {
        let members: Vec<String> =
            crates.iter().flat_map(|c| [c.clone(), macro_crate(c)]).map(|c| format!("    \"crates/{c}\",\n")).collect();
        let manifest = format!(
            "# @generated by `bench compile`.\n[workspace]\nresolver = \"3\"\nmembers = [\n{}]\n\n\
             # The generator runs optimised inside builds, as the README advises.\n\
             [profile.dev.build-override]\nopt-level = 3\n",
            members.concat()
        );
        gusset_codegen::write_if_changed(&self.root.join("Cargo.toml"), &manifest)?;
        let lockfile = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock");
        if let Ok(text) = std::fs::read_to_string(lockfile) {
            gusset_codegen::write_if_changed(&self.root.join("Cargo.lock"), &text)?;
        }
        Ok(())
    }

    /// Marks the client's source as changed so cargo compiles it again.
    fn touch(&self, name: &str) -> Result<(), String> {
        let lib = self.crate_dir(name).join("src/lib.rs");
        std::fs::File::options()
            .write(true)
            .open(&lib)
            .and_then(|file| file.set_modified(SystemTime::now()))
            .map_err(|e| format!("cannot touch `{}`: {e}", lib.display()))
    }

    /// Touches the client and runs `cargo <command>` on it. When cargo had to
    /// compile the runtime too (its sources changed since it was built), the
    /// figure is not the client's alone, so it is taken again.
    fn recompile(&self, command: &str, package: &str, incremental: bool) -> Result<Measured, String> {
        for _ in 0..3 {
            self.touch(package)?;
            let (measured, stderr) = self.cargo(command, package, incremental)?;
            if !stderr.lines().any(|line| {
                line.trim_start().starts_with("Checking gusset v")
                    || line.trim_start().starts_with("Compiling gusset v")
            }) {
                return Ok(measured);
            }
            eprintln!("bench: cargo {command} -p {package} also compiled the changed runtime; measuring again");
        }
        Err(format!("the runtime kept changing while `{package}` was measured"))
    }

    /// Runs `cargo <command> -p <package>` under `/usr/bin/time`; also
    /// returns cargo's output.
    fn cargo(&self, command: &str, package: &str, incremental: bool) -> Result<(Measured, String), String> {
        let report = self.root.join("time.txt");
        let mut cmd = if self.time {
            let mut cmd = Command::new(TIME);
            cmd.arg("-f").arg("%M").arg("-o").arg(&report).arg(&self.cargo);
            cmd
        } else {
            Command::new(&self.cargo)
        };
        cmd.args([command, "--offline", "--message-format", "short", "-p", package])
            .current_dir(&self.root)
            .env("CARGO_TARGET_DIR", self.root.join("target"))
            .env("CARGO_INCREMENTAL", if incremental { "1" } else { "0" })
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .env_remove("RUSTC_WRAPPER");
        let start = Instant::now();
        let output = cmd.output().map_err(|e| format!("cannot run cargo: {e}"))?;
        let elapsed = start.elapsed();
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let errors: Vec<&str> = stderr.lines().filter(|l| l.contains("error")).take(5).collect();
            return Err(format!("`cargo {command} -p {package}` failed ({}): {}", output.status, errors.join(" | ")));
        }
        let peak_kib = if self.time {
            std::fs::read_to_string(&report).ok().and_then(|text| text.lines().last()?.trim().parse().ok())
        } else {
            None
        };
        Ok((Measured { elapsed, peak_kib }, String::from_utf8_lossy(&output.stderr).into_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_types_and_functions() {
        let code = "pub struct A {\n    x: u8,\n}\n\nenum B {}\n\nimpl A {\n    pub fn f(&self) {}\n    fn g() {}\n}\npub type C = A;\n";
        let items = count_items(code);
        assert_eq!((items.types, items.functions), (3, 2));
    }
}
