//! Shared by `fuzz_codegen` and `mutate_corpus`: judge one generation without
//! letting it take the test down.
//!
//! Generations run in a child process (this same test binary, running
//! [`CHILD_TEST`]), fed one input at a time over a pipe. A panic is caught
//! there and reported with its message; a hang, a memory blow-up or a stack
//! overflow ends the child, which the parent sees, names the input that did
//! it, and starts a fresh child for the next one. In-process, none of these
//! three could be reported with its input: a hung thread cannot be stopped,
//! and the other two kill the process.
//!
//! Each generation runs in a thread with the 8 MiB stack that a build
//! script's or the CLI's main thread has (the test harness's threads have 2 MiB),
//! so a deep document fails the way it would for a user.

#![allow(dead_code, unreachable_pub)] // each test file uses a different part

use std::cell::{Cell, RefCell};
use std::io::{BufRead, BufReader, Read, Write};
use std::panic::{self, AssertUnwindSafe};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Once, mpsc};
use std::time::{Duration, Instant};

use gusset_codegen::{Diagnostic, Settings, Severity};

/// Environment variable values as seconds: unset gives `default`, garbage fails loudly.
pub fn seconds_from_env(var: &str, default: u64) -> u64 {
    match std::env::var(var) {
        Ok(text) => text.trim().parse().unwrap_or_else(|_| panic!("{var}=`{text}` is not a whole number of seconds")),
        Err(_) => default,
    }
}

/// What one generation did, judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// `Ok`, and the code parses as a Rust file.
    Generated,
    /// `Err` with well-formed diagnostics; the first error's message with
    /// the names in backticks left out (`missing \`openapi\` field` → `missing _ field`),
    /// so refusals can be counted by reason.
    Refused(String),
    /// Anything the generator must never do. The text starts with the kind
    /// (`panic`, `hang`, `memory`, `crash`, or what is malformed) and a colon.
    Bad(String),
}

impl Verdict {
    pub fn is_bad(&self) -> bool {
        matches!(self, Verdict::Bad(_))
    }

    /// The kind of failure (the text before the first colon), `""` when fine.
    pub fn kind(&self) -> &str {
        match self {
            Verdict::Bad(why) => why.split(':').next().unwrap_or(why),
            _ => "",
        }
    }
}

/// The name of the test that serves as the child process. Each test file
/// using this module declares it:
///
/// ```ignore
/// #[test]
/// fn child_process_entry() {
///     no_panic_support::child_entry();
/// }
/// ```
pub const CHILD_TEST: &str = "child_process_entry";
const CHILD_ENV: &str = "GUSSET_NO_PANIC_CHILD";
const VERDICT_LINE: &str = "gusset-no-panic-verdict: ";
/// How often a running generation's memory is looked at.
const POLL: Duration = Duration::from_millis(50);

/// Judges generations in a child process, restarting it after each input it
/// does not survive.
pub struct Judge {
    /// How long a generation may run before it counts as a hang.
    pub timeout: Duration,
    child: Option<Running>,
    /// Child processes started so far (1 + one per crash, hang or blow-up).
    pub children: usize,
}

struct Running {
    process: Child,
    stdin: ChildStdin,
    lines: mpsc::Receiver<String>,
}

impl Judge {
    /// A judge that counts a generation still running after `timeout` as a hang.
    pub fn new(timeout: Duration) -> Self {
        Judge { timeout, child: None, children: 0 }
    }

    /// Runs `generate_from_str(name, text)` and judges the result.
    pub fn judge(&mut self, name: &str, text: &str) -> Verdict {
        self.ask(name, text, false)
    }

    /// The same, with a backtrace of any panic (slow: only for an input
    /// being reported).
    pub fn judge_with_backtrace(&mut self, name: &str, text: &str) -> Verdict {
        self.ask(name, text, true)
    }

    fn ask(&mut self, name: &str, text: &str, backtrace: bool) -> Verdict {
        if self.child.is_none() {
            match start_child() {
                Ok(child) => {
                    self.child = Some(child);
                    self.children += 1;
                }
                Err(e) => return Verdict::Bad(format!("harness: cannot start a child process: {e}")),
            }
        }
        let Some(child) = self.child.as_mut() else { return Verdict::Bad("harness: no child process".to_owned()) };
        let header = format!("{}\t{}\t{}\n", name.replace(['\t', '\n'], " "), text.len(), u8::from(backtrace));
        let sent = child.stdin.write_all(header.as_bytes()).and_then(|()| child.stdin.write_all(text.as_bytes()));
        let sent = sent.and_then(|()| child.stdin.flush());
        let started = Instant::now();
        let verdict = loop {
            if sent.is_err() {
                break None;
            }
            match child.lines.recv_timeout(self.timeout.saturating_sub(started.elapsed())) {
                Ok(line) => match line.strip_prefix(VERDICT_LINE) {
                    Some(verdict) => break Some(decode(verdict)),
                    None => continue, // the test harness's own output
                },
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    break Some(Verdict::Bad(format!(
                        "hang: still running after {:.1} s",
                        started.elapsed().as_secs_f64()
                    )));
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => break None,
            }
        };
        if let Some(verdict) = verdict.as_ref().filter(|v| !matches!(v.kind(), "hang" | "memory")) {
            return verdict.clone();
        }
        // A hung child is stopped; one that blew up or crashed is reaped.
        let status = self.child.take().map(|mut gone| {
            let _ = gone.process.kill();
            gone.process.wait()
        });
        verdict.unwrap_or_else(|| {
            let how = match status {
                Some(Ok(status)) => describe_exit(status),
                _ => "unknown".to_owned(),
            };
            Verdict::Bad(format!("crash: the process died ({how}), for example of a stack overflow"))
        })
    }
}

impl Drop for Judge {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.process.kill();
            let _ = child.process.wait();
        }
    }
}

fn describe_exit(status: std::process::ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("signal {signal}");
        }
    }
    status.to_string()
}

fn start_child() -> std::io::Result<Running> {
    let mut process = Command::new(std::env::current_exe()?)
        .args(["--exact", CHILD_TEST, "--nocapture", "--test-threads=1", "-q"])
        .env(CHILD_ENV, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let (Some(stdin), Some(stdout)) = (process.stdin.take(), process.stdout.take()) else {
        let _ = process.kill();
        return Err(std::io::Error::other("no pipes to the child"));
    };
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    Ok(Running { process, stdin, lines })
}

fn encode(verdict: &Verdict) -> String {
    match verdict {
        Verdict::Generated => "generated".to_owned(),
        Verdict::Refused(reason) => format!("refused {reason}"),
        Verdict::Bad(why) => serde_json::to_string(why).unwrap_or_default(),
    }
}

fn decode(text: &str) -> Verdict {
    match text {
        "generated" => Verdict::Generated,
        refused if refused.starts_with("refused ") => Verdict::Refused(refused["refused ".len()..].to_owned()),
        bad => Verdict::Bad(serde_json::from_str(bad).unwrap_or_else(|_| bad.to_owned())),
    }
}

/// The body of each test file's [`CHILD_TEST`]: nothing in a normal test run;
/// in a child started by a [`Judge`], judge inputs from stdin until it
/// closes, then exit (leaving the test harness no chance to print more).
pub fn child_entry() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    install_quiet_hook();
    let limit = memory_limit_mib();
    let mut stdin = BufReader::new(std::io::stdin().lock());
    let mut header = String::new();
    loop {
        header.clear();
        if stdin.read_line(&mut header).unwrap_or(0) == 0 {
            break;
        }
        let mut fields = header.trim_end_matches('\n').split('\t');
        let (Some(name), Some(len), Some(backtrace)) = (fields.next(), fields.next(), fields.next()) else { break };
        let mut text = vec![0; len.parse().unwrap_or(0)];
        if stdin.read_exact(&mut text).is_err() {
            break;
        }
        let (name, text, backtrace) = (name.to_owned(), String::from_utf8_lossy(&text).into_owned(), backtrace == "1");
        let (tx, rx) = mpsc::channel();
        let worker = std::thread::Builder::new().name(WORKER.to_owned()).stack_size(8 << 20).spawn(move || {
            WANT_BACKTRACE.with(|w| w.set(backtrace));
            let _ = tx.send(judge_here(&name, &text));
        });
        let verdict = match worker {
            Err(e) => Verdict::Bad(format!("harness: cannot start a thread: {e}")),
            Ok(_) => loop {
                match rx.recv_timeout(POLL) {
                    Ok(verdict) => break verdict,
                    Err(mpsc::RecvTimeoutError::Disconnected) => {
                        break Verdict::Bad("crash: the worker thread died".to_owned());
                    }
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        // A blow-up would get the process killed by the kernel
                        // after taking the machine's memory: stop it first.
                        if let Some(rss) = resident_mib().filter(|&rss| rss > limit) {
                            println!(
                                "{VERDICT_LINE}{}",
                                encode(&Verdict::Bad(format!(
                                    "memory: {rss} MiB resident (limit {limit} MiB, GUSSET_MAX_MIB)"
                                )))
                            );
                            std::process::exit(3);
                        }
                    }
                }
            },
        };
        println!("{VERDICT_LINE}{}", encode(&verdict));
    }
    std::process::exit(0);
}

/// Resident memory above which a generation counts as blowing up: far above
/// what the largest corpus document needs (about 500 MiB; the tests use smaller ones).
fn memory_limit_mib() -> u64 {
    std::env::var("GUSSET_MAX_MIB").ok().and_then(|s| s.trim().parse().ok()).unwrap_or(1024)
}

/// This process's resident memory (Linux; `None` elsewhere).
fn resident_mib() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096 / (1024 * 1024))
}

/// Judges in the current thread.
fn judge_here(name: &str, text: &str) -> Verdict {
    LAST_PANIC.with(|p| p.borrow_mut().take());
    let result =
        panic::catch_unwind(AssertUnwindSafe(|| gusset_codegen::generate_from_str(name, text, &Settings::new())));
    match result {
        Err(_) => {
            let what =
                LAST_PANIC.with(|p| p.borrow_mut().take()).unwrap_or_else(|| "a panic without a message".to_owned());
            Verdict::Bad(format!("panic: {what}"))
        }
        Ok(Ok(generated)) => {
            if let Err(e) = syn::parse_file(generated.code()) {
                return Verdict::Bad(format!("invalid code: the generated code does not parse: {e}"));
            }
            if let Some(problem) = generated.warnings().iter().find_map(|d| malformed(d, Severity::Warning)) {
                return Verdict::Bad(problem);
            }
            Verdict::Generated
        }
        Ok(Err(error)) => {
            let diagnostics = error.diagnostics();
            if !diagnostics.iter().any(Diagnostic::is_error) {
                return Verdict::Bad(format!(
                    "no error: `Err` without an error among {} diagnostics",
                    diagnostics.len()
                ));
            }
            if diagnostics.windows(2).any(|w| w[0].severity < w[1].severity) {
                return Verdict::Bad("order: diagnostics are not errors first".to_owned());
            }
            for d in diagnostics {
                if let Some(problem) = malformed(d, d.severity) {
                    return Verdict::Bad(problem);
                }
                if d.location.is_none() && !is_syntax_error(d) {
                    return Verdict::Bad(format!("no location: {d}"));
                }
            }
            let first = diagnostics.iter().find(|d| d.is_error()).map_or("", |d| d.message.as_str());
            Verdict::Refused(reason(first))
        }
    }
}

/// `message` without what is in backticks, and without a syntax error's details.
fn reason(message: &str) -> String {
    let mut out = String::new();
    for (i, part) in message.split('`').enumerate() {
        out.push_str(if i % 2 == 0 { part } else { "_" });
    }
    let out = out.split(" at line ").next().unwrap_or_default();
    if out.starts_with("invalid ") { out.split(':').next().unwrap_or_default().to_owned() } else { out.to_owned() }
}

/// A syntax error may lack a location (the parser could not say where); any
/// other problem has a pointer into a parsed document, which has positions.
fn is_syntax_error(d: &Diagnostic) -> bool {
    d.message.starts_with("invalid JSON") || d.message.starts_with("invalid YAML")
}

/// Why `d` is not a well-formed diagnostic, if it is not: an RFC 6901
/// pointer (empty, or `/`-separated tokens where `~` is only `~0` or `~1`)
/// and a message.
fn malformed(d: &Diagnostic, expected: Severity) -> Option<String> {
    if d.severity != expected {
        return Some(format!("severity: {} among the {}s: {d}", d.severity, expected));
    }
    if !d.pointer.is_empty() && !d.pointer.starts_with('/') {
        return Some(format!("bad pointer: `{}` does not start with `/`: {d}", d.pointer));
    }
    let mut chars = d.pointer.chars();
    while let Some(c) = chars.next() {
        if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
            return Some(format!("bad pointer: `{}` has a bad `~` escape: {d}", d.pointer));
        }
    }
    if d.message.trim().is_empty() {
        return Some(format!("empty message: at `{}`", d.pointer));
    }
    None
}

const WORKER: &str = "gusset-no-panic-worker";

thread_local! {
    /// The message and place of the last panic in this worker thread.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
    static WANT_BACKTRACE: Cell<bool> = const { Cell::new(false) };
}

/// Panics in worker threads are recorded, not printed: the generator catches
/// panics of the `openapiv3` model on purpose (see `load::repair`), which
/// would otherwise print thousands of messages.
fn install_quiet_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() != Some(WORKER) {
                default(info);
                return;
            }
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let place =
                info.location().map(|l| format!(" at {}:{}:{}", l.file(), l.line(), l.column())).unwrap_or_default();
            let mut text = format!("{message}{place}");
            if WANT_BACKTRACE.with(Cell::get) {
                text.push_str(&format!("\n{}", std::backtrace::Backtrace::force_capture()));
            }
            LAST_PANIC.with(|p| *p.borrow_mut() = Some(text));
        }));
    });
}

/// `text` for a failure report: escaped, and cut in the middle when long.
pub fn show(text: &str) -> String {
    const KEEP: usize = 4000;
    if text.chars().count() <= KEEP {
        return format!("{text:?}");
    }
    let head: String = text.chars().take(KEEP / 2).collect();
    let tail: String = text.chars().rev().take(KEEP / 2).collect::<Vec<_>>().into_iter().rev().collect();
    format!("{head:?} ... ({} chars in all) ... {tail:?}", text.chars().count())
}

/// Greedy reduction of a failing JSON or YAML document (by `name`'s
/// extension): drops members and items, empties containers and shortens
/// strings while the failure keeps its kind, until nothing more goes or
/// `budget` is spent. For failures proptest cannot shrink in time (hangs and
/// blow-ups cost seconds per try) and for corpus mutants, which have no
/// value tree.
pub fn reduce(judge: &mut Judge, name: &str, text: &str, budget: Duration) -> (String, Verdict) {
    let yaml = name.ends_with(".yaml") || name.ends_with(".yml");
    let render =
        |v: &serde_json::Value| if yaml { serde_yaml_ng::to_string(v).ok() } else { serde_json::to_string(v).ok() };
    let first = judge.judge(name, text);
    let wanted = first.kind().to_owned();
    let parsed = if yaml { serde_yaml_ng::from_str(text).ok() } else { serde_json::from_str(text).ok() };
    let Some(mut best) = parsed.filter(|_| first.is_bad()) else { return (text.to_owned(), first) };
    let mut best_text = text.to_owned();
    let mut best_verdict = first;
    let started = Instant::now();
    let mut progress = true;
    while progress && started.elapsed() < budget {
        progress = false;
        // Shallow nodes first: dropping them removes the most.
        let mut pointers = all_pointers(&best);
        pointers.sort_by_key(|p| p.matches('/').count());
        for pointer in pointers.into_iter().skip(1) {
            if started.elapsed() >= budget {
                break;
            }
            let Some(node) = best.pointer(&pointer) else { continue };
            let mut candidates = vec![None];
            match node {
                serde_json::Value::Object(m) if !m.is_empty() => candidates.push(Some(serde_json::json!({}))),
                serde_json::Value::Array(a) if !a.is_empty() => candidates.push(Some(serde_json::json!([]))),
                serde_json::Value::String(s) if s.chars().count() > 1 => candidates.push(Some(serde_json::json!("a"))),
                _ => {}
            }
            for replacement in candidates {
                let mut candidate = best.clone();
                let changed = match &replacement {
                    None => remove_at(&mut candidate, &pointer),
                    Some(value) => candidate.pointer_mut(&pointer).map(|n| *n = value.clone()).is_some(),
                };
                let Some(candidate_text) = render(&candidate).filter(|_| changed) else { continue };
                let verdict = judge.judge(name, &candidate_text);
                if verdict.kind() == wanted {
                    (best, best_text, best_verdict) = (candidate, candidate_text, verdict);
                    progress = true;
                    break;
                }
            }
        }
    }
    (best_text, best_verdict)
}

fn all_pointers(value: &serde_json::Value) -> Vec<String> {
    fn visit(value: &serde_json::Value, at: String, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, child) in map {
                    visit(child, format!("{at}/{}", key.replace('~', "~0").replace('/', "~1")), out);
                }
            }
            serde_json::Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    visit(child, format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
        out.push(at);
    }
    let mut out = Vec::new();
    visit(value, String::new(), &mut out);
    out.reverse();
    out
}

fn remove_at(value: &mut serde_json::Value, pointer: &str) -> bool {
    let Some((parent, last)) = pointer.rsplit_once('/') else { return false };
    let key = last.replace("~1", "/").replace("~0", "~");
    match value.pointer_mut(parent) {
        Some(serde_json::Value::Object(map)) => map.shift_remove(&key).is_some(),
        Some(serde_json::Value::Array(items)) => match key.parse::<usize>() {
            Ok(i) if i < items.len() => {
                items.remove(i);
                true
            }
            _ => false,
        },
        _ => false,
    }
}
