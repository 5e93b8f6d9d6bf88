//! The `gusset-outbox` command on a real SQLite outbox: migrate, stats, and the dead letters'
//! list, replay and purge.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use assert_cmd::Command;
use gusset_tests::fault::{Fault, FaultServer, Route};

fn command(db: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let url = format!("sqlite:{}", db.display());
    let out = Command::cargo_bin("gusset-outbox").unwrap().arg("--database").arg(url).args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_are_listed_replayed_and_purged_from_the_command_line() {
    let db = support::sqlite("command").await;
    let path = db.path.clone().unwrap();
    let server = FaultServer::start().await.unwrap();
    let client = support::client(&server);
    server.push_n_for(Route::CreatePayment, Fault::status(409), 2);
    let replayed = db.outbox.enqueue(client.create_payment(&support::payment("o-c1"))).await.unwrap();
    let purged = db.outbox.enqueue(client.create_payment(&support::payment("o-c2"))).await.unwrap();
    support::drain(support::worker(&db.outbox, &client), &db.outbox).await;

    let (ok, out, err) = command(&path, &["dead", "list"]);
    assert!(ok, "{err}");
    assert!(out.contains(replayed.as_str()) && out.contains(purged.as_str()), "{out}");
    assert!(out.contains("status 409") && out.contains("2 dead letter(s)"), "{out}");

    let (ok, out, err) = command(&path, &["stats"]);
    assert!(ok, "{err}");
    assert!(out.starts_with("depth=0 due=0 oldest_due=- delivered=0 retried=0 dead=2"), "{out}");

    let (ok, _, err) = command(&path, &["dead", "replay", replayed.as_str()]);
    assert!(ok, "{err}");
    let (ok, _, err) = command(&path, &["dead", "purge", purged.as_str()]);
    assert!(ok, "{err}");
    let (ok, _, err) = command(&path, &["dead", "show", purged.as_str()]);
    assert!(!ok && err.contains("no call or dead letter"), "{err}");
    let (ok, _, err) = command(&path, &["dead", "purge"]);
    assert!(!ok && err.contains("--all"), "{err}");

    support::drain(support::worker(&db.outbox, &client), &db.outbox).await;
    assert_eq!(server.effects(), 1, "the replayed call was delivered once, the purged one never");
    let (ok, out, _) = command(&path, &["show", replayed.as_str()]);
    assert!(ok && out.contains("state: delivered, status 201"), "{out}");
}

#[test]
fn migrate_creates_the_tables_and_schema_prints_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cli.db");
    let (ok, out, err) = command(&path, &["migrate"]);
    assert!(ok && out.contains("schema version 1"), "{out}{err}");
    let (ok, out, _) = command(&path, &["schema"]);
    assert!(ok && out.contains("CREATE TABLE IF NOT EXISTS gusset_outbox_calls"), "{out}");
    let url = format!("sqlite:{}", path.display());
    let out =
        Command::cargo_bin("gusset-outbox").unwrap().args(["-d", &url, "--prefix", "Bad;", "stats"]).output().unwrap();
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("table prefix"));
}
