//! Documenting generated clients (`--doc`): `cargo doc --no-deps` of each
//! client's crate in the generated workspace, run the way `--check` runs
//! `cargo check`, counting rustdoc's failures and its warnings about the
//! generated code.

use std::collections::BTreeMap;
use std::io;
use std::time::Duration;

use super::check::{Workspace, first_error};
use super::report::cause;

/// Whether and how a client's documentation built.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Documented {
    /// Not asked for (`--doc` absent) or nothing to document.
    NotAsked,
    /// rustdoc finished; the warnings about generated code, by kind.
    Yes {
        /// Warning kinds (the message with the names in backticks taken
        /// out, as failures are grouped) and how often each occurred.
        warnings: BTreeMap<String, usize>,
        /// The first warning, location shortened, as cargo printed it.
        first_warning: Option<String>,
        /// Wall time of the `cargo doc` run.
        elapsed: Duration,
    },
    /// rustdoc failed: the first error and how many error lines there were.
    Failed { first_error: String, errors: usize, elapsed: Duration },
    /// Not started: the time budget ran out.
    Budget,
}

impl Documented {
    /// How many warnings rustdoc gave about generated code.
    pub(crate) fn warnings(&self) -> usize {
        match self {
            Documented::Yes { warnings, .. } => warnings.values().sum(),
            _ => 0,
        }
    }

    /// The table cell: `ok`, `3 warn`, `FAILED`, `skipped` or `-`.
    pub(crate) fn cell(&self) -> String {
        match self {
            Documented::NotAsked => "-".to_owned(),
            Documented::Yes { .. } if self.warnings() == 0 => "ok".to_owned(),
            Documented::Yes { .. } => format!("{} warn", self.warnings()),
            Documented::Failed { .. } => "FAILED".to_owned(),
            Documented::Budget => "skipped".to_owned(),
        }
    }

    /// The wall time, when rustdoc ran.
    pub(crate) fn elapsed(&self) -> Option<Duration> {
        match self {
            Documented::Yes { elapsed, .. } | Documented::Failed { elapsed, .. } => Some(*elapsed),
            _ => None,
        }
    }
}

/// Documents the member `package` of `workspace` with `cargo doc --no-deps`.
///
/// The crate says `#![deny(warnings)]` (for `--check`); rustdoc is run with
/// `--cap-lints warn` so that every warning is counted instead of the first
/// few stopping the run as errors. The HTML is deleted afterwards: a hundred
/// clients' documentation takes gigabytes, and only the counts are kept.
pub(crate) fn document(workspace: &Workspace, package: &str) -> io::Result<Documented> {
    let ran = workspace.cargo(
        &["doc", "--no-deps", "--lib"],
        package,
        &[("RUSTDOCFLAGS", "--cap-lints warn")],
        &format!("{package}.doc.log"),
    )?;
    for dir in [package.to_owned(), format!("src/{package}")] {
        let path = workspace.target.join("doc").join(dir);
        if path.is_dir() {
            std::fs::remove_dir_all(&path)?;
        }
    }
    if !ran.ok {
        let (first, errors) = first_error(&ran.stderr);
        return Ok(Documented::Failed {
            first_error: ran.first_error(first).unwrap_or_default(),
            errors,
            elapsed: ran.elapsed,
        });
    }
    let (warnings, first_warning) = warnings(&ran.stderr, package);
    Ok(Documented::Yes { warnings, first_warning, elapsed: ran.elapsed })
}

/// The warnings in cargo's `--message-format short` output about the
/// generated code of `package` (`crates/<package>/...`), by kind, and the
/// first one with its location shortened to the file name. Warnings about
/// other crates, and cargo's own summary lines, are not counted.
pub(crate) fn warnings(stderr: &str, package: &str) -> (BTreeMap<String, usize>, Option<String>) {
    let own = format!("crates/{package}/");
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    let mut first = None;
    for line in stderr.lines() {
        let Some((location, rest)) = line.trim_end().split_once(": warning") else { continue };
        if location.contains(' ') || !location.contains(&own) {
            continue;
        }
        let file = location.rsplit('/').next().unwrap_or(location);
        *kinds.entry(cause(&format!("warning{rest}"))).or_default() += 1;
        first.get_or_insert_with(|| format!("{file}: warning{rest}"));
    }
    (kinds, first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_warnings_about_the_client_only_by_kind() {
        let stderr = "\
    Checking gusset v0.1.0 (/x/runtime)
/x/runtime/src/lib.rs:3:1: warning: unused import: `std::fmt`
 Documenting corpus_pets v0.0.0 (/x/crates/corpus_pets)
crates/corpus_pets/src/lib.rs:12:5: warning: this URL is not a hyperlink
crates/corpus_pets/src/lib.rs:40:9: warning: unclosed HTML tag `T`
crates/corpus_pets/src/lib.rs:41:9: warning: unclosed HTML tag `b`
crates/corpus_pets/src/lib.rs:90:1: warning: this URL is not a hyperlink
warning: `corpus_pets` (lib doc) generated 4 warnings
";
        let (kinds, first) = warnings(stderr, "corpus_pets");
        let expected: BTreeMap<String, usize> =
            [("warning: this URL is not a hyperlink".to_owned(), 2), ("warning: unclosed HTML tag `_`".to_owned(), 2)]
                .into_iter()
                .collect();
        assert_eq!(kinds, expected);
        assert_eq!(first.as_deref(), Some("lib.rs:12:5: warning: this URL is not a hyperlink"));
        assert_eq!(warnings(stderr, "corpus_other"), (BTreeMap::new(), None));
    }

    #[test]
    fn cells_say_how_it_went() {
        let yes = |n: usize| Documented::Yes {
            warnings: (n > 0).then(|| ("w".to_owned(), n)).into_iter().collect(),
            first_warning: None,
            elapsed: Duration::from_secs(1),
        };
        assert_eq!(yes(0).cell(), "ok");
        assert_eq!(yes(3).cell(), "3 warn");
        assert_eq!(yes(3).warnings(), 3);
        let failed = Documented::Failed { first_error: "e".into(), errors: 1, elapsed: Duration::ZERO };
        assert_eq!(failed.cell(), "FAILED");
        assert_eq!(Documented::Budget.cell(), "skipped");
        assert_eq!(Documented::NotAsked.cell(), "-");
    }

    /// A real `cargo doc` over a workspace written like the command's, with
    /// a stand-in runtime crate (no dependencies, so it builds in seconds):
    /// one client documented cleanly, one whose docs rustdoc warns about
    /// (under `#![deny(warnings)]`, which would make them errors), and one
    /// rustdoc cannot document: a ring of recursive types deeper than its
    /// recursion limit, as in large real-world documents.
    #[test]
    fn documents_crates_and_counts_warnings_and_failures() {
        let dir = tempfile::tempdir().unwrap();
        let runtime = crate::corpus::check::tests::stand_in_runtime(
            dir.path(),
            "//! Stand-in.\n/// Identity.\npub fn id(x: u32) -> u32 { x }\n",
        );
        let ws = Workspace::new(dir.path().join("out"), runtime, 1);
        ws.write_crate(
            "corpus_clean",
            "/// Twice, see <https://example.com>.\npub fn twice(x: u32) -> u32 { ::gusset::id(x) * 2 }\n",
        )
        .unwrap();
        ws.write_crate(
            "corpus_noisy",
            "/// See https://example.com and Vec<T>.\npub fn f() {}\n/// [Missing]\npub fn g() {}\n",
        )
        .unwrap();
        let ring: String =
            (0..40).map(|i| format!("pub struct T{i} {{ pub next: Option<Box<T{}>> }}\n", (i + 1) % 40)).collect();
        ws.write_crate("corpus_ring", &ring).unwrap();
        ws.write_manifest(&["corpus_clean".into(), "corpus_noisy".into(), "corpus_ring".into()], None).unwrap();

        let clean = document(&ws, "corpus_clean").unwrap();
        assert_eq!(clean.cell(), "ok", "{clean:?}");
        // Only the counts are kept.
        assert!(!ws.target.join("doc/corpus_clean").exists());

        let noisy = document(&ws, "corpus_noisy").unwrap();
        let Documented::Yes { warnings, first_warning, .. } = &noisy else { panic!("{noisy:?}") };
        assert_eq!(noisy.warnings(), 3, "{warnings:?}");
        assert_eq!(warnings.get("warning: this URL is not a hyperlink"), Some(&1), "{warnings:?}");
        assert_eq!(warnings.get("warning: unclosed HTML tag `_`"), Some(&1), "{warnings:?}");
        assert_eq!(
            warnings.get("warning: unresolved link to `_`: no item named `_` in scope"),
            Some(&1),
            "{warnings:?}"
        );
        assert!(
            first_warning.as_deref().is_some_and(|w| w.starts_with("lib.rs:") && w.contains(": warning: ")),
            "{first_warning:?}"
        );

        let ring = document(&ws, "corpus_ring").unwrap();
        let Documented::Failed { first_error, .. } = &ring else { panic!("{ring:?}") };
        assert!(first_error.contains("error[E0275]: overflow evaluating the requirement"), "{first_error}");
        assert!(ws.root.join("logs/corpus_ring.doc.log").is_file());
    }
}
