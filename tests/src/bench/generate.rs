//! Generation: the time of each stage (read, lower, emit, format), the whole
//! run, the token-only run the macros use, and the time and peak memory of
//! generations each in a fresh process (as a build script or the CLI runs it).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use gusset_codegen::__bench::{StageTimes, stages};
use gusset_codegen::Settings;

use super::{GENERATE_DEFAULT, Options, file_name, mebibytes, median, peak_kib, seconds, table};

/// What the child process reports about its one generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fresh {
    elapsed: Duration,
    peak_kib: u64,
}

/// The medians for one document.
#[derive(Debug)]
struct Row {
    document: String,
    input_bytes: u64,
    output_bytes: usize,
    output_lines: usize,
    stages: StageTimes,
    total: Duration,
    tokens_only: Duration,
    fresh: Fresh,
}

pub(super) fn run(options: &Options) -> Result<(), String> {
    let documents = options.documents(GENERATE_DEFAULT)?;
    let runs = options.runs.unwrap_or(5);
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program to run children: {e}"))?;
    let settings = Settings::new();
    let mut rows = Vec::new();
    for path in &documents {
        let document = file_name(path);
        eprintln!(
            "bench: {document}: {runs} generations, each in a fresh process, for end-to-end time and peak memory"
        );
        let mut fresh_runs = Vec::with_capacity(runs);
        for _ in 0..runs {
            fresh_runs.push(fresh_process(&exe, path)?);
        }
        let fresh = Fresh {
            elapsed: median(&fresh_runs.iter().map(|f| f.elapsed).collect::<Vec<_>>()),
            peak_kib: fresh_runs.iter().map(|f| f.peak_kib).max().unwrap_or_default(),
        };
        eprintln!("bench: {document}: 1 warm-up and {runs} timed runs of each route");
        let mut samples = Vec::with_capacity(runs);
        let mut output = (0, 0);
        for run in 0..=runs {
            let start = Instant::now();
            let (generated, times) =
                stages(path, &settings).map_err(|e| format!("`{document}` does not generate: {e}"))?;
            let total = start.elapsed();
            output = (generated.code().len(), generated.code().lines().count());
            // The first run warms the allocator and the file cache.
            if run > 0 {
                samples.push((times, total));
            }
        }
        let mut tokens = Vec::with_capacity(runs);
        for run in 0..=runs {
            let start = Instant::now();
            let generated = gusset_codegen::generate_tokens(path, &settings)
                .map_err(|e| format!("`{document}` does not generate: {e}"))?;
            let elapsed = start.elapsed();
            drop(generated);
            if run > 0 {
                tokens.push(elapsed);
            }
        }
        let of = |f: fn(&StageTimes) -> Duration| median(&samples.iter().map(|(t, _)| f(t)).collect::<Vec<_>>());
        rows.push(Row {
            input_bytes: std::fs::metadata(path).map(|m| m.len()).unwrap_or_default(),
            output_bytes: output.0,
            output_lines: output.1,
            stages: StageTimes {
                read: of(|t| t.read),
                lower: of(|t| t.lower),
                emit: of(|t| t.emit),
                format: of(|t| t.format),
            },
            total: median(&samples.iter().map(|(_, total)| *total).collect::<Vec<_>>()),
            tokens_only: median(&tokens),
            fresh,
            document,
        });
    }
    println!(
        "generation, median of {runs} runs in one process (after a warm-up run); fresh process: median time and highest peak memory of {runs} runs, each a new process as a build script or the CLI is"
    );
    print!("{}", render(&rows));
    Ok(())
}

fn render(rows: &[Row]) -> String {
    let header = [
        "document",
        "input",
        "output",
        "read",
        "lower",
        "emit",
        "format",
        "total",
        "tokens only",
        "fresh process",
        "peak RSS",
    ];
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.document.clone(),
                format!("{:.1} MiB", r.input_bytes as f64 / 1024.0 / 1024.0),
                format!("{:.1} MiB, {} lines", r.output_bytes as f64 / 1024.0 / 1024.0, r.output_lines),
                seconds(r.stages.read),
                seconds(r.stages.lower),
                seconds(r.stages.emit),
                seconds(r.stages.format),
                seconds(r.total),
                seconds(r.tokens_only),
                seconds(r.fresh.elapsed),
                mebibytes(r.fresh.peak_kib),
            ]
        })
        .collect();
    table(&header, &cells)
}

/// Runs `exe generate-one <path>` and reads its answer.
fn fresh_process(exe: &Path, path: &Path) -> Result<Fresh, String> {
    let output = Command::new(exe)
        .arg("generate-one")
        .arg(path)
        .output()
        .map_err(|e| format!("cannot start `{}`: {e}", exe.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "the generation process for `{}` failed ({}): {}",
            path.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    parse_answer(&stdout)
        .ok_or_else(|| format!("the generation process for `{}` answered `{}`", path.display(), stdout.trim()))
}

/// The child's answer: `elapsed_ns=<n> peak_kib=<n>`.
fn parse_answer(text: &str) -> Option<Fresh> {
    let field =
        |name: &str| text.split_whitespace().find_map(|w| w.strip_prefix(name)?.strip_prefix('=')?.parse::<u64>().ok());
    Some(Fresh { elapsed: Duration::from_nanos(field("elapsed_ns")?), peak_kib: field("peak_kib")? })
}

/// The child: one generation through the public entry point, then this
/// process's peak resident set from `/proc/self/status`.
pub(super) fn child(path: &Path) -> Result<(), String> {
    let start = Instant::now();
    let generated = gusset_codegen::generate(path, &Settings::new())
        .map_err(|e| format!("`{}` does not generate: {e}", path.display()))?;
    let elapsed = start.elapsed();
    drop(generated);
    let status =
        std::fs::read_to_string("/proc/self/status").map_err(|e| format!("cannot read /proc/self/status: {e}"))?;
    let peak = peak_kib(&status).ok_or("no `VmHWM` in /proc/self/status")?;
    println!("elapsed_ns={} peak_kib={peak}", elapsed.as_nanos());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_parse() {
        let fresh = parse_answer("elapsed_ns=1500000000 peak_kib=2048\n").unwrap();
        assert_eq!(fresh, Fresh { elapsed: Duration::from_millis(1500), peak_kib: 2048 });
        assert_eq!(parse_answer("peak_kib=2"), None);
    }
}
