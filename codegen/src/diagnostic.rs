//! Problems found in a document, each located by a JSON pointer and, where the
//! source text is known, a file with line and column.
//!
//! Every stage that can find a problem records a [`Diagnostic`] instead of
//! returning early, so a user sees all of a document's problems in one run.

use std::fmt;
use std::path::PathBuf;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Generation went on; something was typed less precisely than the
    /// document asked (for example as `serde_json::Value`) or was skipped.
    Warning,
    /// Generation cannot produce a client from this document.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// Where in a source file a problem is: 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Location {
    /// The file as the user named it (never made absolute, so messages and
    /// generated files stay free of machine-specific paths).
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// One problem in a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Warning or error.
    pub severity: Severity,
    /// Lowercase, no trailing period, names in backticks.
    pub message: String,
    /// RFC 6901 JSON pointer into the document (`""` is the whole document).
    pub pointer: String,
    /// The file the pointer lives in, with line and column where known.
    pub location: Option<Location>,
}

impl Diagnostic {
    /// An error at `pointer`.
    pub fn error(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Error, message: message.into(), pointer: pointer.into(), location: None }
    }

    /// A warning at `pointer`.
    pub fn warning(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, message: message.into(), pointer: pointer.into(), location: None }
    }

    /// Attaches a file location.
    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    /// `error: message at #/pointer (file:line:col)`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} at #{}", self.severity, self.message, self.pointer)?;
        if let Some(loc) = &self.location {
            write!(f, " ({loc})")?;
        }
        Ok(())
    }
}

/// Builds an RFC 6901 pointer from tokens, escaping `~` and `/`.
///
/// ```
/// assert_eq!(gusset_codegen::pointer(["paths", "/pets/{id}", "get"]), "/paths/~1pets~1{id}/get");
/// ```
pub fn pointer<I, S>(tokens: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut out = String::new();
    for t in tokens {
        out.push('/');
        push_token(&mut out, t.as_ref());
    }
    out
}

/// Appends one escaped token to a pointer.
pub(crate) fn push_token(out: &mut String, token: &str) {
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

/// `base` + `/token`, escaped.
pub(crate) fn join(base: &str, token: &str) -> String {
    let mut out = String::with_capacity(base.len() + token.len() + 1);
    out.push_str(base);
    out.push('/');
    push_token(&mut out, token);
    out
}

/// Splits a pointer into unescaped tokens (`""` gives none).
pub(crate) fn split(pointer: &str) -> Vec<String> {
    if pointer.is_empty() {
        return Vec::new();
    }
    pointer.trim_start_matches('/').split('/').map(|t| t.replace("~1", "/").replace("~0", "~")).collect()
}

/// Why generation failed: every error found, plus the warnings seen on the way.
///
/// Its `Debug` reads like its `Display` (the errors, each with its pointer
/// and `file:line:col`), because that is what a build script returning
/// `Result<(), Box<dyn Error>>` shows; `{:#?}` gives the fields.
#[derive(Clone)]
pub struct Error {
    diagnostics: Vec<Diagnostic>,
}

impl Error {
    pub(crate) fn new(diagnostics: Vec<Diagnostic>) -> Self {
        Error { diagnostics }
    }

    /// All problems, errors first, in document order within each severity.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Only the errors.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }
}

/// How many errors [`Error`]'s `Display` shows in full before counting the rest.
const SHOWN: usize = 10;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let errors: Vec<_> = self.errors().collect();
        for (i, d) in errors.iter().take(SHOWN).enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{d}")?;
        }
        if errors.len() > SHOWN {
            write!(
                f,
                "\n... and {} more errors (`cargo gusset check --all <document>` shows every one)",
                errors.len() - SHOWN
            )?;
        }
        if errors.is_empty() {
            f.write_str("generation failed")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            f.debug_struct("Error").field("diagnostics", &self.diagnostics).finish()
        } else {
            fmt::Display::fmt(self, f)
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_escapes_and_splits_round_trip() {
        let p = pointer(["paths", "/a~b/{c}", "get"]);
        assert_eq!(p, "/paths/~1a~0b~1{c}/get");
        assert_eq!(split(&p), vec!["paths", "/a~b/{c}", "get"]);
        assert_eq!(split(""), Vec::<String>::new());
    }

    #[test]
    fn display_counts_the_rest() {
        let ds = (0..12).map(|i| Diagnostic::error(format!("/x/{i}"), "bad")).collect();
        let text = Error::new(ds).to_string();
        assert!(text.contains("... and 2 more errors"), "{text}");
        assert_eq!(text.lines().count(), 11);
    }

    /// A build script's `main` returning `Err` prints the error's `Debug`:
    /// it must be the located messages, not a dump of the fields.
    #[test]
    fn debug_reads_like_display() {
        let located = Diagnostic::error("/paths/~1pets", "unresolved `$ref` `#/components/schemas/Pet`").at(Location {
            file: PathBuf::from("openapi/pets.yaml"),
            line: 14,
            column: 19,
        });
        let error = Error::new(vec![located, Diagnostic::warning("/info", "no `title`")]);
        let debug = format!("{error:?}");
        assert_eq!(debug, error.to_string());
        assert_eq!(
            debug,
            "error: unresolved `$ref` `#/components/schemas/Pet` at #/paths/~1pets (openapi/pets.yaml:14:19)"
        );
        assert!(format!("{error:#?}").contains("diagnostics: ["), "the fields stay reachable");
    }
}
