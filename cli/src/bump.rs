//! `cargo gusset generate --bump`: the crate's version follows what the document changed.
//!
//! Every `--bump` run keeps a copy of the document it generated from in the crate, at
//! `gusset/<document file name>` (a copy, not a hash or a summary: the next run diffs it exactly
//! as `cargo gusset diff` would, and a reader of the crate can see what it was generated from).
//! The next run compares that copy with the new document, bumps the version in `Cargo.toml` by
//! the verdict and puts the changelog entry at the top of the crate's `CHANGELOG.md` (newest
//! first). The first run, or one on a crate without a copy, keeps the version and stores the copy.
//!
//! Versions below 1.0 bump as Cargo reads them: in `0.y.z` a breaking change bumps `y` and
//! anything else bumps `z`; in `0.0.z` every change bumps `z` (each is its own major).

use std::path::{Path, PathBuf};

use gusset_codegen::diff::{Report, Verdict};
use semver::Version;

/// Where the copy of the document lives in the crate.
pub(crate) fn stored(out: &Path, document_name: &str) -> PathBuf {
    out.join("gusset").join(document_name)
}

/// The version in `Cargo.toml` of the crate at `out`, if it has one we wrote.
pub(crate) fn current_version(out: &Path) -> Option<Version> {
    let manifest = std::fs::read_to_string(out.join("Cargo.toml")).ok()?;
    let line = manifest.lines().find(|l| l.starts_with("version = \""))?;
    Version::parse(line.strip_prefix("version = \"")?.strip_suffix('"')?).ok()
}

/// `version` bumped by `verdict`, 0.x as Cargo reads it.
pub(crate) fn bump(version: &Version, verdict: Verdict) -> Version {
    let (major, minor, patch) = (version.major, version.minor, version.patch);
    let (major, minor, patch) = match (major, minor, verdict) {
        (0, 0, _) => (0, 0, patch + 1),
        (0, _, Verdict::Major) => (0, minor + 1, 0),
        (0, _, _) => (0, minor, patch + 1),
        (_, _, Verdict::Major) => (major + 1, 0, 0),
        (_, _, Verdict::Minor) => (major, minor + 1, 0),
        (_, _, Verdict::Patch) => (major, minor, patch + 1),
    };
    Version::new(major, minor, patch)
}

/// The crate's `CHANGELOG.md` with `report`'s entry for `version` first under its title.
pub(crate) fn changelog(existing: Option<&str>, report: &Report, version: &Version) -> String {
    let entry = report.markdown(&version.to_string());
    let existing = existing.unwrap_or("# Changelog\n");
    match existing.split_once('\n').filter(|(title, _)| title.starts_with("# ")) {
        Some((title, rest)) => format!("{title}\n\n{}\n{}", entry.trim_end(), rest.trim_start_matches('\n')),
        None => format!("{}\n\n{existing}", entry.trim_end()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_bump_as_cargo_reads_them() {
        let v = |s: &str| Version::parse(s).unwrap();
        assert_eq!(bump(&v("1.2.3"), Verdict::Major), v("2.0.0"));
        assert_eq!(bump(&v("1.2.3"), Verdict::Minor), v("1.3.0"));
        assert_eq!(bump(&v("1.2.3"), Verdict::Patch), v("1.2.4"));
        assert_eq!(bump(&v("0.2.3"), Verdict::Major), v("0.3.0"));
        assert_eq!(bump(&v("0.2.3"), Verdict::Minor), v("0.2.4"));
        assert_eq!(bump(&v("0.2.3"), Verdict::Patch), v("0.2.4"));
        assert_eq!(bump(&v("0.0.3"), Verdict::Major), v("0.0.4"));
    }
}
