//! Prism, the validating mock server: found where `tests/prism/install.sh` puts it, started on a
//! free port of 127.0.0.1 for one document, stopped when dropped.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long Prism may take to load a document and listen. A large document on a loaded 2-core
/// machine took over 90 s (elasticsearch, hubspot's lists), which then read as a document Prism
/// cannot load.
const STARTUP: Duration = Duration::from_secs(240);

/// How responses are made up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// From the document's examples (`prism mock`).
    Static,
    /// Generated from the schemas (`prism mock -d --seed N`).
    Dynamic { seed: u64 },
}

impl Mode {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Mode::Static => "static",
            Mode::Dynamic { .. } => "dynamic",
        }
    }
}

/// The Prism executable: `$GUSSET_PRISM`, else `<target>/prism/node_modules/.bin/prism`.
pub(crate) fn find() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("GUSSET_PRISM").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    let target = match std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
    };
    let path = target.join("prism/node_modules/.bin/prism");
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!("Prism is not installed at `{}`: run `tests/prism/install.sh` first", path.display()))
    }
}

/// A running Prism.
#[derive(Debug)]
pub(crate) struct Prism {
    child: Child,
    /// Where it listens.
    pub(crate) port: u16,
}

impl Prism {
    /// Starts Prism on `document`, its output in `log`; `Err` with the end of the log when it
    /// exits or does not listen in time (a document it cannot load).
    pub(crate) fn start(prism: &Path, document: &Path, mode: Mode, log: &Path) -> Result<Prism, String> {
        let port = free_port().map_err(|e| format!("cannot find a free port: {e}"))?;
        let out = std::fs::File::create(log).map_err(|e| format!("cannot create `{}`: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| format!("cannot share `{}`: {e}", log.display()))?;
        let mut command = Command::new(prism);
        command.args(["mock", "-h", "127.0.0.1", "-p", &port.to_string(), "-v", "warn"]);
        if let Mode::Dynamic { seed } = mode {
            command.args(["-d", "--seed", &seed.to_string()]);
        }
        command.arg(document).stdin(Stdio::null()).stdout(out).stderr(err);
        let child = command.spawn().map_err(|e| format!("cannot start `{}`: {e}", prism.display()))?;
        let mut prism = Prism { child, port };
        let start = Instant::now();
        loop {
            if let Ok(Some(status)) = prism.child.try_wait() {
                return Err(format!("Prism exited ({status}): {}", tail(log)));
            }
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(prism);
            }
            if start.elapsed() > STARTUP {
                return Err(format!("Prism did not listen within {} s: {}", STARTUP.as_secs(), tail(log)));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Whether Prism has exited (it dies on some valid requests).
    pub(crate) fn exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// Whether Prism is still up: not exited and accepting connections. Asked after a call
    /// that failed in transport; a Prism that died on that request is still writing its stack
    /// trace for a moment, with its socket open, so it is given a second to exit first.
    pub(crate) fn alive(&mut self) -> bool {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(1) {
            if self.exited() {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let address = std::net::SocketAddr::from(([127, 0, 0, 1], self.port));
        TcpStream::connect_timeout(&address, Duration::from_secs(5)).is_ok() && !self.exited()
    }

    /// The base URL of the mock.
    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        // Only fails when it already exited; it is reaped either way.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port())
}

/// The last lines of a log, on one line.
pub(crate) fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let tail = lines[lines.len().saturating_sub(3)..].join(" | ");
    let tail: String = tail.chars().take(400).collect();
    if tail.is_empty() { "no output".to_owned() } else { tail }
}
