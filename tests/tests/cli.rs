//! `cargo gusset` as users run it: the real binary, real files, and the
//! generated crate compiled by a real `cargo check`.

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use std::sync::OnceLock;

use assert_cmd::Command;

const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");

fn fixture(name: &str) -> PathBuf {
    Path::new(MANIFEST_DIR).join("fixtures").join(name)
}

/// The directory cargo builds into (`<target>` of `<target>/debug/deps/cli-*`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().to_path_buf()
}

/// The `cargo-gusset` binary, built once. Cargo only builds binaries of the
/// package under test, and this one lives in another package.
fn binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let output = StdCommand::new(env!("CARGO"))
            .args(["build", "--offline", "--quiet", "-p", "cargo-gusset", "--bin", "cargo-gusset"])
            .arg("--message-format=json")
            .arg("--target-dir")
            .arg(target_dir())
            .current_dir(MANIFEST_DIR)
            .output()
            .unwrap();
        assert!(output.status.success(), "building cargo-gusset failed:\n{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .find_map(|message| message["executable"].as_str().map(PathBuf::from))
            .expect("cargo reported no executable for cargo-gusset")
    })
}

/// `cargo-gusset gusset <args>`, as cargo runs it for `cargo gusset <args>`.
fn cargo_gusset() -> Command {
    let mut cmd = Command::new(binary());
    cmd.arg("gusset").env_remove("NO_COLOR");
    cmd
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn generated_crate_compiles() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("orders-client");
    let runtime = Path::new(MANIFEST_DIR).join("../runtime");
    let output = cargo_gusset()
        .arg("generate")
        .arg(fixture("orders.yaml"))
        .arg("--out")
        .arg(&out)
        .arg("--gusset-path")
        .arg(&runtime)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).contains("2 files written"), "{}", stderr(&output));

    let manifest = std::fs::read_to_string(out.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("name = \"orders-client\"\nversion = \"0.1.0\"\nedition = \"2024\""), "{manifest}");
    let lib = std::fs::read_to_string(out.join("src/lib.rs")).unwrap();
    assert!(lib.starts_with("//! Typed client for the API described by `orders.yaml`."), "{lib}");
    assert!(lib.contains("pub struct Client"), "no client in:\n{lib}");
    // The only absolute path written is the runtime path the test passed.
    let runtime_line =
        format!("gusset = {{ path = \"{}\", default-features = false, features = [\"rustls\"] }}", runtime.display());
    assert!(manifest.contains(&runtime_line), "{manifest}");
    for file in [&manifest.replace(&runtime_line, ""), &lib] {
        assert!(!file.contains(MANIFEST_DIR) && !file.contains("/tmp"), "an absolute path leaked into a written file");
    }

    // The workspace's lock file keeps the offline build to the crate
    // versions already downloaded; the shared target dir keeps it quick.
    let lock = Path::new(MANIFEST_DIR).join("../Cargo.lock");
    if lock.is_file() {
        std::fs::copy(&lock, out.join("Cargo.lock")).unwrap();
    }
    let check = StdCommand::new(env!("CARGO"))
        .args(["check", "--offline", "--quiet", "--manifest-path"])
        .arg(out.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target_dir().join("gusset-cli-tests"))
        .output()
        .unwrap();
    let check_err = stderr(&check);
    assert!(check.status.success(), "the generated crate does not compile:\n{check_err}");
    assert!(!check_err.contains("`orders-client` (lib) generated"), "the generated crate has warnings:\n{check_err}");

    // The code is generated already: the crate's users do not build the
    // generator behind the macros.
    let tree = StdCommand::new(env!("CARGO"))
        .args(["tree", "--offline", "--edges", "normal", "--prefix", "none", "--manifest-path"])
        .arg(out.join("Cargo.toml"))
        .output()
        .unwrap();
    let tree_out = String::from_utf8_lossy(&tree.stdout);
    assert!(tree.status.success(), "{}", stderr(&tree));
    assert!(tree_out.lines().any(|line| line.starts_with("gusset v")), "{tree_out}");
    for generator in ["gusset-macros", "gusset-codegen", "openapiv3", "prettyplease"] {
        assert!(!tree_out.contains(generator), "`{generator}` is built for a generated crate:\n{tree_out}");
    }
}

#[test]
fn check_flag_passes_when_unchanged_and_fails_after_the_document_changes() {
    let dir = tempfile::tempdir().unwrap();
    let document = dir.path().join("orders.yaml");
    std::fs::copy(fixture("orders.yaml"), &document).unwrap();
    let out = dir.path().join("client");
    let generate = |check: bool| {
        let mut cmd = cargo_gusset();
        cmd.args(["generate", "orders.yaml", "--out", "client", "--name", "shop", "--version", "2.1.0"]);
        if check {
            cmd.arg("--check");
        }
        cmd.current_dir(dir.path()).output().unwrap()
    };
    let first = generate(false);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let lib = out.join("src/lib.rs");
    let written = std::fs::read(&lib).unwrap();
    let written_at = std::fs::metadata(&lib).unwrap().modified().unwrap();

    let unchanged = generate(true);
    assert_eq!(unchanged.status.code(), Some(0), "{}", stderr(&unchanged));
    assert!(stderr(&unchanged).contains("up to date"), "{}", stderr(&unchanged));
    // Generating again writes nothing either: the file is not touched.
    let again = generate(false);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(std::fs::metadata(&lib).unwrap().modified().unwrap(), written_at);

    let text = std::fs::read_to_string(&document).unwrap();
    let edited = text.replacen("summary: List orders", "summary: List every order", 1);
    assert_ne!(text, edited, "the fixture changed: pick another edit");
    std::fs::write(&document, edited).unwrap();
    let changed = generate(true);
    assert_eq!(changed.status.code(), Some(1), "{}", stderr(&changed));
    let message = stderr(&changed);
    assert!(message.contains("would update `client/src/lib.rs`"), "{message}");
    assert!(!message.contains("Cargo.toml"), "the manifest did not change: {message}");
    assert_eq!(std::fs::read(&lib).unwrap(), written, "--check must not write");
}

#[test]
fn check_reports_location_and_pointer_of_a_broken_document() {
    let output = cargo_gusset().args(["check", "bad/broken-ref.yaml"]).current_dir(fixture("")).output().unwrap();
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.starts_with("error: "), "{text}");
    assert!(text.contains("Widgit"), "the message names the missing schema: {text}");
    assert!(text.contains("--> bad/broken-ref.yaml:22:"), "file:line:col of the `$ref`: {text}");
    assert!(text.contains("                $ref: \"#/components/schemas/Widgit\""), "the line is quoted: {text}");
    assert!(
        text.contains("pointer: #/paths/~1widgets~1{id}/get/responses/200/content/application~1json/schema"),
        "{text}"
    );
    assert!(text.contains("could not generate a client from `bad/broken-ref.yaml` due to 1 error"), "{text}");
}

#[test]
fn check_summarises_past_ten() {
    let output = cargo_gusset().arg("check").arg(fixture("bad/many-errors.yaml")).output().unwrap();
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert_eq!(text.matches("\nerror: ").count() + usize::from(text.starts_with("error: ")), 11, "{text}");
    assert!(text.contains("... and 2 more errors (`cargo gusset check --all "), "says how to see them: {text}");
    assert!(text.contains("due to 12 errors"), "{text}");
}

#[test]
fn check_all_prints_every_problem() {
    let output =
        cargo_gusset().args(["check", "--all", "bad/many-errors.yaml"]).current_dir(fixture("")).output().unwrap();
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    let shown = text.matches("\nerror: ").count() + usize::from(text.starts_with("error: "));
    // Twelve located errors, then the summary.
    assert_eq!(shown, 13, "{text}");
    assert_eq!(text.matches("--> bad/many-errors.yaml:").count(), 12, "{text}");
    assert!(!text.contains("... and"), "{text}");
    assert!(text.contains("due to 12 errors"), "{text}");

    let help = cargo_gusset().args(["check", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("--all") && help.contains("first 10"), "{help}");
}

#[test]
fn check_accepts_a_good_document() {
    let output = cargo_gusset().arg("check").arg(fixture("orders.yaml")).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn syntax_errors_are_located() {
    let output = cargo_gusset().args(["check", "bad/truncated.json"]).current_dir(fixture("")).output().unwrap();
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("--> bad/truncated.json:"), "{text}");
}

#[test]
fn missing_file() {
    let dir = tempfile::tempdir().unwrap();
    for args in [&["check", "nope.yaml"][..], &["generate", "nope.yaml", "--out", "x"]] {
        let output = cargo_gusset().args(args).current_dir(dir.path()).output().unwrap();
        let text = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{text}");
        assert!(text.contains("nope.yaml"), "the message names the file: {text}");
        assert!(!text.contains("panicked"), "{text}");
    }
    assert!(!dir.path().join("x").exists(), "nothing is written for a missing document");
}

#[test]
fn swagger_1_is_refused_clearly() {
    let output = cargo_gusset().args(["check", "bad/swagger1.yaml"]).current_dir(fixture("")).output().unwrap();
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("`1.2`"), "the message says which version it found: {text}");
    assert!(text.contains("--> bad/swagger1.yaml:2:"), "{text}");
}

#[test]
fn usage_errors_exit_2_and_both_invocations_work() {
    let output = cargo_gusset().args(["generate", "orders.yaml"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--out <DIR>"), "{}", stderr(&output));
    let output = cargo_gusset().args(["generate", "a.yaml", "--out", "x", "--name", "9lives"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let output = cargo_gusset().args(["generate", "a.yaml", "--out", "x", "--version", "one"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));

    // Run directly, without cargo's extra `gusset` argument.
    let direct = Command::new(binary()).arg("check").arg(fixture("orders.yaml")).output().unwrap();
    assert_eq!(direct.status.code(), Some(0), "{}", stderr(&direct));
    let help = Command::new(binary()).arg("--help").output().unwrap();
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("Usage: cargo gusset"));
}

#[test]
fn serde_flag_chooses_which_traits_types_implement() {
    let dir = tempfile::tempdir().unwrap();
    let lib = |serde: &str| {
        let out = dir.path().join(serde);
        let output = cargo_gusset()
            .arg("generate")
            .arg(fixture("orders.yaml"))
            .arg("--out")
            .arg(&out)
            .args(["--serde", serde])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        std::fs::read_to_string(out.join("src/lib.rs")).unwrap()
    };
    // `Order` is only received: by default it does not implement `Serialize`.
    let order_derive = |code: &str| {
        let at = code.find("pub struct Order {").unwrap();
        code[..at].rsplit("#[derive(").next().unwrap().to_owned()
    };
    assert!(!order_derive(&lib("needed")).contains("Serialize"));
    assert!(order_derive(&lib("both")).contains("Serialize"));

    let output = cargo_gusset()
        .arg("generate")
        .arg(fixture("orders.yaml"))
        .arg("--out")
        .arg(dir.path().join("x"))
        .args(["--serde", "all"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("possible values: needed, both"), "{}", stderr(&output));
}

/// `examples/generated-crate` is what `cargo gusset generate --mock` writes today:
/// a change to the generator that changes it must regenerate it.
#[test]
fn the_generated_crate_example_is_up_to_date() {
    let example = Path::new(MANIFEST_DIR).join("../examples/generated-crate");
    let output = cargo_gusset()
        .arg("generate")
        .arg(fixture("orders.yaml"))
        .arg("--out")
        .arg(&example)
        .args(["--name", "orders-client", "--gusset-path", "../../runtime", "--mock", "--check"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "examples/generated-crate is stale: run `cargo run -p cargo-gusset -- gusset generate tests/fixtures/orders.yaml --out examples/generated-crate --name orders-client --gusset-path ../../runtime --mock`\n{}",
        stderr(&output)
    );
}

fn diff_fixture(name: &str) -> PathBuf {
    fixture("diff").join(name)
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn diff_prints_the_verdict_and_exits_3_when_it_reaches_fail_on() {
    let run = |old: &str, new: &str, extra: &[&str]| {
        cargo_gusset().arg("diff").arg(diff_fixture(old)).arg(diff_fixture(new)).args(extra).output().unwrap()
    };
    let major = run("pets-v1.yaml", "pets-v2.yaml", &[]);
    assert_eq!(major.status.code(), Some(0), "{}", stderr(&major));
    let text = stdout(&major);
    assert!(text.contains("major wire operation-removed: operation `DELETE /pets/{petId}` removed"), "{text}");
    assert!(text.lines().last().unwrap().starts_with("verdict: major ("), "{text}");
    assert_eq!(run("pets-v1.yaml", "pets-v2.yaml", &["--fail-on", "major"]).status.code(), Some(3));
    assert_eq!(run("additions-v1.yaml", "additions-v2.yaml", &["--fail-on", "major"]).status.code(), Some(0));
    assert_eq!(run("additions-v1.yaml", "additions-v2.yaml", &["--fail-on", "minor"]).status.code(), Some(3));
    assert_eq!(run("docs-v1.yaml", "docs-v2.yaml", &["--fail-on", "minor"]).status.code(), Some(0));
    assert_eq!(run("docs-v1.yaml", "docs-v2.yaml", &["--fail-on", "patch"]).status.code(), Some(3));
    let same = run("docs-v1.yaml", "docs-v1.yaml", &[]);
    assert_eq!(stdout(&same), "verdict: patch (no changes)\n");
    assert_eq!(run("docs-v1.yaml", "docs-v2.yaml", &["--fail-on", "huge"]).status.code(), Some(2));

    let json = run("additions-v1.yaml", "additions-v2.yaml", &["--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(json["verdict"], "minor");
    assert_eq!(json["changes"].as_array().unwrap().len(), 3);

    let markdown = run("pets-v1.yaml", "pets-v2.yaml", &["--format", "markdown", "--title", "2.0.0"]);
    let markdown = stdout(&markdown);
    assert!(markdown.starts_with("## 2.0.0\n\nA **major** release:"), "{markdown}");
    assert!(markdown.contains("### Migration\n\n- `Client::create_pet` changed its signature."), "{markdown}");
}

#[test]
fn diff_reads_committed_versions_through_git_and_says_why_it_cannot() {
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let output = StdCommand::new("git").args(args).current_dir(dir.path()).output().unwrap();
        assert!(output.status.success(), "git {args:?}: {}", stderr(&output));
    };
    git(&["init", "--quiet"]);
    std::fs::copy(diff_fixture("pets-v1.yaml"), dir.path().join("api.yaml")).unwrap();
    git(&["add", "api.yaml"]);
    git(&["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "v1"]);
    std::fs::copy(diff_fixture("pets-v2.yaml"), dir.path().join("api.yaml")).unwrap();
    let run = |old: &str| cargo_gusset().args(["diff", old, "api.yaml"]).current_dir(dir.path()).output().unwrap();

    let committed = run("git:HEAD:api.yaml");
    assert_eq!(committed.status.code(), Some(0), "{}", stderr(&committed));
    assert!(stdout(&committed).contains("`Client::get_pet` renamed to `Client::fetch_pet`"), "{}", stdout(&committed));

    let no_rev = run("git:no-such-rev:api.yaml");
    assert_eq!(no_rev.status.code(), Some(1));
    assert!(
        stderr(&no_rev)
            .starts_with("error: cannot read `git:no-such-rev:api.yaml`: `git show no-such-rev:api.yaml` failed:"),
        "{}",
        stderr(&no_rev)
    );
    let malformed = run("git:HEAD");
    assert_eq!(malformed.status.code(), Some(1));
    assert!(stderr(&malformed).contains("`git:HEAD` is not `git:<rev>:<path>`"), "{}", stderr(&malformed));
    let missing = run("nowhere.yaml");
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("cannot read `nowhere.yaml`"), "{}", stderr(&missing));
    let no_git = cargo_gusset()
        .args(["diff", "git:HEAD:api.yaml", "api.yaml"])
        .current_dir(dir.path())
        .env("PATH", dir.path().join("empty"))
        .output()
        .unwrap();
    assert_eq!(no_git.status.code(), Some(1));
    assert!(stderr(&no_git).contains("`git` is not installed or not on PATH"), "{}", stderr(&no_git));
}

#[test]
fn generate_bump_versions_the_crate_by_the_verdict_and_keeps_a_changelog() {
    let dir = tempfile::tempdir().unwrap();
    let document = dir.path().join("pets.yaml");
    let generate = || {
        cargo_gusset()
            .args(["generate", "pets.yaml", "--out", "client", "--version", "1.4.2", "--bump"])
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let manifest = || std::fs::read_to_string(dir.path().join("client/Cargo.toml")).unwrap();
    std::fs::copy(diff_fixture("additions-v1.yaml"), &document).unwrap();
    let first = generate();
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert!(manifest().contains("version = \"1.4.2\""));
    assert!(!dir.path().join("client/CHANGELOG.md").exists());
    assert_eq!(std::fs::read(dir.path().join("client/gusset/pets.yaml")).unwrap(), std::fs::read(&document).unwrap());

    std::fs::copy(diff_fixture("additions-v2.yaml"), &document).unwrap();
    let minor = generate();
    assert_eq!(minor.status.code(), Some(0), "{}", stderr(&minor));
    assert!(stderr(&minor).contains("Bumping `pets-client` 1.4.2 -> 1.5.0: a minor change"), "{}", stderr(&minor));
    assert!(manifest().contains("version = \"1.5.0\""));
    let changelog = std::fs::read_to_string(dir.path().join("client/CHANGELOG.md")).unwrap();
    assert!(changelog.starts_with("# Changelog\n\n## 1.5.0\n\nA **minor** release:"), "{changelog}");

    // The same document again changes nothing.
    let again = generate();
    assert!(stderr(&again).contains("up to date"), "{}", stderr(&again));

    std::fs::copy(diff_fixture("additions-v1.yaml"), &document).unwrap();
    let major = generate();
    assert_eq!(major.status.code(), Some(0), "{}", stderr(&major));
    assert!(manifest().contains("version = \"2.0.0\""));
    let changelog = std::fs::read_to_string(dir.path().join("client/CHANGELOG.md")).unwrap();
    let versions: Vec<&str> = changelog.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(versions, ["## 2.0.0", "## 1.5.0"], "{changelog}");
    assert!(changelog.contains("`Client::count_things` removed"), "{changelog}");
}
