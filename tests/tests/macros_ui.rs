//! The macros' compile errors, pinned by trybuild: each `ui/*.rs` must fail
//! to compile with exactly the `.stderr` next to it, and `ui/pass_*.rs` must
//! compile. Regenerate expectations with `TRYBUILD=overwrite` and read them.

use std::path::{Path, PathBuf};

/// trybuild compiles the cases in `<target>/tests/trybuild/<crate>/`, which
/// becomes their `CARGO_MANIFEST_DIR`; the documents they name are copied
/// there under `fixtures/`, so paths in the cases (and in the expected
/// errors) are the same on every machine.
fn copy_fixtures() {
    let metadata = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(metadata.status.success(), "{}", String::from_utf8_lossy(&metadata.stderr));
    let metadata: serde_json::Value = serde_json::from_slice(&metadata.stdout).unwrap();
    let target = PathBuf::from(metadata["target_directory"].as_str().unwrap());
    let project = target.join("tests/trybuild").join(env!("CARGO_PKG_NAME"));
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"), &project.join("fixtures"));
}

/// Copies `from` into `to`, writing only files whose content differs so
/// the cases that include them are not rebuilt for nothing.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            let content = std::fs::read(entry.path()).unwrap();
            if std::fs::read(&target).ok().as_deref() != Some(&content[..]) {
                std::fs::write(&target, content).unwrap();
            }
        }
    }
}

#[test]
fn ui() {
    copy_fixtures();
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/fail_*.rs");
    cases.pass("tests/ui/pass_*.rs");
}
