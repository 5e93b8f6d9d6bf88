//! Generating one document, guarded: a panic becomes a reported failure with
//! its message and location. The command runs this in a child process (see
//! `child.rs`) so that a generation that runs too long or takes too much
//! memory can be killed; the in-thread timeout here serves the tests and is
//! the last line of defence inside the child.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::{Once, mpsc};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::fidelity::Counts;

/// Stack for a generation thread. Deeply nested schemas recurse; a stack
/// overflow aborts the whole process (it cannot be caught), so give the
/// generator far more room than a default thread's 2 MiB. Only touched
/// pages are committed.
const STACK_SIZE: usize = 256 * 1024 * 1024;

/// What happened to one document. Serialised: it is what a child process
/// hands back to the command.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) enum Generation {
    /// A client was generated.
    Generated {
        /// The formatted code.
        code: String,
        /// Operations (client methods).
        operations: usize,
        /// Top-level types, the `Client` itself excluded.
        types: usize,
    },
    /// The generator reported errors.
    Failed {
        /// The first error as the generator prints it.
        first_error: String,
        /// Every error carries a JSON pointer or a file location.
        located: bool,
    },
    /// The generator panicked.
    Panicked(String),
    /// The generator did not finish in time.
    TimedOut(Duration),
    /// The generation could not run or died without an answer: no thread or
    /// process, killed over the memory limit, aborted (stack overflow).
    Crashed(String),
}

/// One document's generation, timed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Outcome {
    /// What happened.
    pub(crate) generation: Generation,
    /// Warnings reported (also on failure).
    pub(crate) warnings: usize,
    /// The typing fidelity of the client, when one was generated.
    pub(crate) fidelity: Option<Counts>,
    /// Wall time spent waiting for it.
    pub(crate) elapsed: Duration,
    /// Peak resident memory of the generating process, when measured.
    pub(crate) peak_kib: Option<u64>,
}

/// What a child process prints: the generation and its warning count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Answer {
    /// What happened.
    pub(crate) generation: Generation,
    /// Warnings reported.
    pub(crate) warnings: usize,
    /// The typing fidelity of the client, when one was generated.
    pub(crate) fidelity: Option<Counts>,
}

/// Generates the document at `path` with default settings, in this process,
/// guarded by a thread, `catch_unwind` and `timeout`. A generation that
/// times out keeps running on its detached thread: fine for tests and for
/// the child process (which the command kills), not for the command itself.
pub(crate) fn generate(path: &Path, timeout: Duration) -> Outcome {
    let start = Instant::now();
    let Answer { generation, warnings, fidelity } = answer(path, timeout);
    Outcome { generation, warnings, fidelity, elapsed: start.elapsed(), peak_kib: None }
}

/// The generation of `path` as plain data.
pub(crate) fn answer(path: &Path, timeout: Duration) -> Answer {
    let path = path.to_path_buf();
    let guarded =
        guarded(timeout, move || summarize(gusset_codegen::generate(&path, &gusset_codegen::Settings::new())));
    let (generation, warnings, fidelity) = match guarded {
        Guarded::Done(done) => done,
        Guarded::Panicked(message) => (Generation::Panicked(message), 0, None),
        Guarded::TimedOut => (Generation::TimedOut(timeout), 0, None),
        Guarded::NotStarted(message) => (Generation::Crashed(message), 0, None),
    };
    Answer { generation, warnings, fidelity }
}

/// Turns the generator's result into plain data on the generating thread:
/// `Generated` holds a `proc_macro2::TokenStream`, which is not `Send`.
fn summarize(result: Result<gusset_codegen::Generated, gusset_codegen::Error>) -> (Generation, usize, Option<Counts>) {
    match result {
        Ok(generated) => {
            let code = generated.code().to_owned();
            let (operations, types) = count_items(&code);
            let fidelity = Counts::of(generated.fidelity());
            (Generation::Generated { code, operations, types }, generated.warnings().len(), Some(fidelity))
        }
        Err(error) => {
            let errors: Vec<_> = error.errors().collect();
            let warnings = error.diagnostics().len() - errors.len();
            // An `Error` with no error in it is itself a generator bug.
            let located = !errors.is_empty() && errors.iter().all(|d| !d.pointer.is_empty() || d.location.is_some());
            let first_error =
                errors.first().map_or_else(|| "generation failed with no error reported".to_owned(), |d| d.to_string());
            (Generation::Failed { first_error, located }, warnings, None)
        }
    }
}

/// Counts operations and types in formatted generated code. Every operation
/// method declares one `static OPERATION`; every type is a top-level
/// `pub struct`, `pub enum` or `pub type` (prettyplease puts them at
/// column 0). Counting text keeps this tool independent of the generator's
/// internal model.
pub(crate) fn count_items(code: &str) -> (usize, usize) {
    let mut operations = 0;
    let mut types = 0;
    for line in code.lines() {
        if line.trim_start().starts_with("static OPERATION:") {
            operations += 1;
        }
        let declared = ["pub struct ", "pub enum ", "pub type "].iter().find_map(|kw| line.strip_prefix(kw));
        if let Some(rest) = declared {
            let name = rest.split(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or_default();
            if name != "Client" {
                types += 1;
            }
        }
    }
    (operations, types)
}

/// How a guarded closure ended.
#[derive(Debug, PartialEq)]
pub(crate) enum Guarded<T> {
    /// It returned.
    Done(T),
    /// It panicked: the message and where.
    Panicked(String),
    /// It did not return within the timeout.
    TimedOut,
    /// The thread could not be spawned.
    NotStarted(String),
}

thread_local! {
    /// Set on guarded threads so the panic hook records instead of printing.
    static CAPTURING: Cell<bool> = const { Cell::new(false) };
    /// The last panic on this thread: message and location.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `f` on its own thread and waits at most `timeout` for it. A thread
/// that times out cannot be stopped from outside; it is detached and keeps
/// running until the process exits.
pub(crate) fn guarded<T, F>(timeout: Duration, f: F) -> Guarded<T>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    install_hook();
    let (send, receive) = mpsc::channel();
    let spawned = std::thread::Builder::new().name("generate".to_owned()).stack_size(STACK_SIZE).spawn(move || {
        CAPTURING.set(true);
        let result = panic::catch_unwind(AssertUnwindSafe(f))
            .map_err(|payload| LAST_PANIC.take().unwrap_or_else(|| payload_message(payload.as_ref())));
        // The receiver is gone only after a timeout; nobody wants the result then.
        let _ = send.send(result);
    });
    if let Err(e) = spawned {
        return Guarded::NotStarted(format!("cannot start a generation thread: {e}"));
    }
    match receive.recv_timeout(timeout) {
        Ok(Ok(value)) => Guarded::Done(value),
        Ok(Err(message)) => Guarded::Panicked(message),
        Err(mpsc::RecvTimeoutError::Timeout) => Guarded::TimedOut,
        // The thread ended without sending: only possible if sending itself failed.
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Guarded::Panicked("the generation thread ended without a result".to_owned())
        }
    }
}

/// Installs, once, a panic hook that records panics of guarded threads
/// (message and location) and leaves every other thread to the default hook.
fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if CAPTURING.get() {
                let mut message = payload_message(info.payload());
                if let Some(location) = info.location() {
                    message = format!("{message} at {location}");
                }
                LAST_PANIC.set(Some(message));
            } else {
                default(info);
            }
        }));
    });
}

fn payload_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-string payload".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");

    #[test]
    fn a_panic_is_caught_with_its_message_and_location() {
        let result: Guarded<()> = guarded(Duration::from_secs(600), || {
            let v: Vec<u8> = Vec::new();
            let i = v.len() + 3;
            std::hint::black_box(v[i]);
        });
        let Guarded::Panicked(message) = result else { panic!("expected a panic, got {result:?}") };
        assert!(message.contains("index out of bounds"), "{message}");
        assert!(message.contains("generate.rs:"), "{message}");
    }

    #[test]
    fn a_closure_that_never_returns_times_out() {
        // The closure blocks until the test lets it go, so the timeout is
        // certain to pass first however slow the machine is.
        let (release, wait) = mpsc::channel::<()>();
        let result = guarded(Duration::from_millis(50), move || wait.recv().is_ok());
        assert_eq!(result, Guarded::TimedOut);
        drop(release);
    }

    #[test]
    fn a_returning_closure_gives_its_value() {
        assert_eq!(guarded(Duration::from_secs(600), || 42), Guarded::Done(42));
    }

    #[test]
    fn generates_a_fixture_and_counts_its_items() {
        let outcome = generate(Path::new(&format!("{FIXTURES}/orders.yaml")), Duration::from_secs(600));
        let Generation::Generated { code, operations, types } = &outcome.generation else {
            panic!("expected a client, got {:?}", outcome.generation)
        };
        assert!(code.contains("pub struct Client"));
        // orders.yaml declares seven operations.
        assert_eq!(*operations, 7);
        assert!(*types >= 8, "{types}");
    }

    #[test]
    fn bad_documents_fail_with_located_errors() {
        for name in ["swagger1.yaml", "truncated.json", "broken-ref.yaml", "many-errors.yaml"] {
            let outcome = generate(Path::new(&format!("{FIXTURES}/bad/{name}")), Duration::from_secs(600));
            let Generation::Failed { first_error, located } = &outcome.generation else {
                panic!("{name}: expected a failure, got {:?}", outcome.generation)
            };
            assert!(*located, "{name}: {first_error}");
            assert!(first_error.starts_with("error: "), "{name}: {first_error}");
        }
    }

    #[test]
    fn counts_operations_and_types_but_not_the_client() {
        let code = "pub struct Client {\n}\nimpl Client {\n    pub fn a(&self) {\n        static OPERATION: rt::Operation = x;\n    }\n}\n\
                    pub struct Pet {\n}\npub enum Kind {\n}\npub type Id = String;\npub struct Client2;\n    pub struct Nested;\n";
        assert_eq!(count_items(code), (1, 4));
    }
}
