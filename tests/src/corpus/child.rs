//! Generating in a child process. A generation thread cannot be stopped from
//! outside: on the dev corpus one document made the generator run past its
//! timeout and grow to 18 GB on its detached thread until the kernel killed
//! the whole command. A child process can be killed, at the timeout or when
//! its resident memory passes a limit, and its death is one row in the table.
//!
//! The child is this same executable run with `--generate-one <path>`; it
//! prints an [`Answer`] as JSON on stdout.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::generate::{self, Answer, Generation, Outcome};

/// How much of a dead child's stderr goes into its row.
const STDERR_TAIL: usize = 300;

/// The child's side: generates `path` and prints the answer. The in-thread
/// timeout is effectively off: the parent enforces the real one.
pub(crate) fn child_main(path: &Path) -> std::process::ExitCode {
    let answer = generate::answer(path, Duration::MAX);
    match serde_json::to_string(&answer) {
        Ok(json) => {
            println!("{json}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cannot encode the answer: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The parent's side: runs `exe --generate-one path` and waits at most
/// `timeout`, killing the child sooner if its memory passes `max_kib`.
pub(crate) fn generate(exe: &Path, path: &Path, timeout: Duration, max_kib: u64) -> Outcome {
    let start = Instant::now();
    let mut command = Command::new(exe);
    command.arg("--generate-one").arg(path);
    let (end, peak_kib) = run(command, timeout, max_kib);
    let (generation, warnings, fidelity) = match end {
        End::Exited { status, stdout, stderr } => match serde_json::from_slice::<Answer>(&stdout) {
            Ok(answer) if status.success() => (answer.generation, answer.warnings, answer.fidelity),
            _ => (Generation::Crashed(format!("generation process ended ({status}): {}", tail(&stderr))), 0, None),
        },
        End::TimedOut => (Generation::TimedOut(timeout), 0, None),
        End::OverMemory(kib) => (
            Generation::Crashed(format!(
                "generation killed at {} MiB, over the memory limit of {} MiB",
                kib / 1024,
                max_kib / 1024
            )),
            0,
            None,
        ),
        End::NotStarted(message) => (Generation::Crashed(message), 0, None),
    };
    Outcome { generation, warnings, fidelity, elapsed: start.elapsed(), peak_kib }
}

/// How a child process ended.
#[derive(Debug)]
pub(crate) enum End {
    /// On its own.
    Exited { status: ExitStatus, stdout: Vec<u8>, stderr: Vec<u8> },
    /// Killed at the timeout.
    TimedOut,
    /// Killed when its resident memory reached this many KiB.
    OverMemory(u64),
    /// Could not be started or watched.
    NotStarted(String),
}

/// Runs `command` with piped output, watching its time and memory. Returns
/// how it ended and its peak resident memory when it could be read.
pub(crate) fn run(mut command: Command, timeout: Duration, max_kib: u64) -> (End, Option<u64>) {
    let spawned = command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => return (End::NotStarted(format!("cannot start the generation process: {e}")), None),
    };
    // Read both pipes while waiting, or a child writing megabytes blocks on a full pipe.
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let start = Instant::now();
    let mut peak = None;
    let mut pause = Duration::from_millis(2);
    let end = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) => {}
            Err(e) => break Err(End::NotStarted(format!("cannot watch the generation process: {e}"))),
        }
        if let Some(memory) = memory(child.id()) {
            peak = Some(memory.peak_kib);
            if memory.resident_kib > max_kib {
                break Err(kill(&mut child, End::OverMemory(memory.resident_kib)));
            }
        }
        if start.elapsed() >= timeout {
            break Err(kill(&mut child, End::TimedOut));
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(100));
    };
    let stdout = join(stdout);
    let stderr = join(stderr);
    match end {
        Ok(status) => (End::Exited { status, stdout, stderr }, peak),
        Err(end) => (end, peak),
    }
}

fn kill(child: &mut Child, end: End) -> End {
    // Either may fail only if the child already died; then it is reaped anyway.
    let _ = child.kill();
    let _ = child.wait();
    end
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> Option<JoinHandle<Vec<u8>>> {
    let mut pipe = pipe?;
    std::thread::Builder::new()
        .spawn(move || {
            let mut bytes = Vec::new();
            // A read error leaves what was read so far, which is all we can report.
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
        .ok()
}

fn join(reader: Option<JoinHandle<Vec<u8>>>) -> Vec<u8> {
    reader.and_then(|r| r.join().ok()).unwrap_or_default()
}

/// Resident memory of a process.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Memory {
    /// Now (`VmRSS`).
    pub(crate) resident_kib: u64,
    /// High-water mark (`VmHWM`).
    pub(crate) peak_kib: u64,
}

/// Reads `/proc/<pid>/status`; `None` where there is no procfs (not Linux),
/// in which case only the timeout applies.
fn memory(pid: u32) -> Option<Memory> {
    parse_status(&std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?)
}

/// The `VmRSS` and `VmHWM` lines of a `/proc/<pid>/status` text.
pub(crate) fn parse_status(status: &str) -> Option<Memory> {
    let field = |name: &str| {
        status.lines().find_map(|line| line.strip_prefix(name)?.trim().strip_suffix("kB")?.trim().parse::<u64>().ok())
    };
    let resident_kib = field("VmRSS:")?;
    Some(Memory { resident_kib, peak_kib: field("VmHWM:").unwrap_or(resident_kib).max(resident_kib) })
}

/// The last characters of a child's stderr, on one line.
fn tail(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let text = text.trim();
    let count = text.chars().count();
    let tail: String = text.chars().skip(count.saturating_sub(STDERR_TAIL)).collect();
    if tail.is_empty() { "no output".to_owned() } else { tail.replace('\n', " | ") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.arg("-c").arg(script);
        command
    }

    #[test]
    fn collects_the_output_of_a_child_that_exits() {
        // More than a pipe buffer (64 KiB) on each stream, to prove both are drained.
        let (end, _) = run(
            sh("head -c 200000 /dev/zero; head -c 100000 /dev/zero >&2; exit 3"),
            Duration::from_secs(600),
            u64::MAX,
        );
        let End::Exited { status, stdout, stderr } = end else { panic!("{end:?}") };
        assert_eq!(status.code(), Some(3));
        assert_eq!((stdout.len(), stderr.len()), (200_000, 100_000));
    }

    #[test]
    fn kills_a_child_at_the_timeout() {
        // `exec` so the killed process is `sleep` itself, not a shell around it.
        let (end, _) = run(sh("exec sleep 600"), Duration::from_millis(50), u64::MAX);
        assert!(matches!(end, End::TimedOut), "{end:?}");
    }

    #[test]
    fn kills_a_child_over_the_memory_limit() {
        if memory(std::process::id()).is_none() {
            eprintln!("SKIPPED: no /proc here to read memory from");
            return;
        }
        // Any process has more than 1 KiB resident.
        let (end, peak) = run(sh("exec sleep 600"), Duration::from_secs(600), 1);
        assert!(matches!(end, End::OverMemory(kib) if kib > 1), "{end:?}");
        assert!(peak.is_some_and(|p| p > 1));
    }

    #[test]
    fn a_child_that_cannot_start_is_reported() {
        let (end, peak) = run(Command::new("/definitely/not/a/program"), Duration::from_secs(600), u64::MAX);
        assert!(matches!(&end, End::NotStarted(m) if m.starts_with("cannot start the generation process")), "{end:?}");
        assert_eq!(peak, None);
    }

    #[test]
    fn a_child_without_an_answer_is_a_crash_with_its_stderr() {
        let outcome = generate(Path::new("/bin/sh"), Path::new("-c"), Duration::from_secs(600), u64::MAX);
        // `sh --generate-one -c` fails with a usage message on stderr.
        let Generation::Crashed(message) = &outcome.generation else { panic!("{outcome:?}") };
        assert!(message.starts_with("generation process ended (exit status: "), "{message}");
    }

    #[test]
    fn reads_memory_from_proc_status() {
        let status = "Name:\tx\nVmHWM:\t  20480 kB\nVmRSS:\t   10240 kB\nThreads:\t1\n";
        assert_eq!(parse_status(status), Some(Memory { resident_kib: 10240, peak_kib: 20480 }));
        assert_eq!(parse_status("Name:\tkthread\n"), None);
    }

    #[test]
    fn answers_round_trip_through_json() {
        let answer =
            generate::answer(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/orders.yaml")), Duration::MAX);
        let json = serde_json::to_string(&answer).unwrap();
        assert_eq!(serde_json::from_str::<Answer>(&json).unwrap(), answer);
        assert!(matches!(answer.generation, Generation::Generated { operations: 7, .. }));
        assert!(answer.fidelity.is_some());
    }
}
