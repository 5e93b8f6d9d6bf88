//! Crash tests: worker *processes* delivering hundreds of calls are killed with SIGKILL at random
//! moments and restarted, and at the end every call took effect exactly once on a real server.
//!
//! The server is the project's fault server on 127.0.0.1, which applies a charge once per
//! idempotency key as payment APIs do, and records every request. "Exactly once" is checked on
//! both sides: per key the server acted once, every call is marked delivered in the database,
//! and no request ever arrived without its key (a duplicate without a key would act twice).
//!
//! This file is its own harness (`harness = false`): run without arguments it runs the
//! scenarios; with `GUSSET_OUTBOX_CRASH_WORKER` set it is the worker process the scenarios start
//! (the same binary, so the worker uses the same generated client as the tests). Arguments that
//! are not flags filter the scenarios by name (`cargo test -p gusset-outbox --test crash -- sqlite`).
//! `GUSSET_CRASH_SEED=<n>` replays a run's kill schedule.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::{BTreeSet, HashMap};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use gusset_outbox::{Outbox, Worker};
use gusset_tests::fault::{EffectKind, Fault, FaultServer, Route};
use gusset_tests::via_build::Client;
use support::Db;

const WORKER_ENV: &str = "GUSSET_OUTBOX_CRASH_WORKER";
/// Calls per scenario.
const CALLS: usize = 500;
/// Kills per scenario while calls are left to deliver: at least 20 are required, 24 are aimed at.
const KILLS: usize = 24;
/// A worker's lease: short, so a killed worker's calls are taken again soon.
const LEASE: Duration = Duration::from_millis(900);

fn main() -> ExitCode {
    if std::env::var_os(WORKER_ENV).is_some() {
        return worker_process();
    }
    let filters: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let scenarios: [(&str, Scenario); 2] = [
        ("crash_sqlite_one_worker_process", Scenario { processes: 1, server_delay: Duration::from_millis(50) }),
        ("crash_postgres_three_worker_processes", Scenario { processes: 3, server_delay: Duration::from_millis(140) }),
    ];
    let mut failed = false;
    for (name, scenario) in scenarios {
        if !filters.is_empty() && !filters.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            runtime.block_on(async {
                let db = if name.contains("sqlite") {
                    Some(support::sqlite(name).await)
                } else {
                    support::postgres(name).await
                };
                match db {
                    Some(db) => scenario.run(name, db).await,
                    None => println!("{name}: skipped (no PostgreSQL, see above)"),
                }
            })
        }));
        match outcome {
            Ok(()) => println!("test {name} ... ok"),
            Err(_) => {
                println!("test {name} ... FAILED");
                failed = true;
            }
        }
    }
    if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

/// The worker process: delivers until it is killed.
fn worker_process() -> ExitCode {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let (url, prefix, server) = (var("CRASH_DATABASE"), var("CRASH_PREFIX"), var("CRASH_SERVER"));
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let run = runtime.block_on(async {
        let outbox = Outbox::connect(&url).await?.table_prefix(&prefix)?;
        let client = client(&server);
        Worker::new(outbox, client.runtime().clone())
            .concurrency(4)
            .lease(LEASE)
            .poll_interval(Duration::from_millis(20))
            .max_age(None)
            .run(std::future::pending())
            .await
    });
    match run {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("crash worker: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The Orders client the workers deliver with: enough attempts that the kills alone (each
/// counts the attempt it interrupted) never exhaust them, and quick backoff.
fn client(base_url: &str) -> Client {
    Client::builder(base_url)
        .bearer_auth("secret-token")
        .retry(
            gusset::RetryPolicy::default()
                .max_attempts(1000)
                .base_delay(Duration::from_millis(20))
                .max_delay(Duration::from_millis(100)),
        )
        .attempt_timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

struct Scenario {
    /// Worker processes running at once.
    processes: usize,
    /// How long the server takes per request, so calls are in flight when the kills come.
    server_delay: Duration,
}

/// splitmix64, seeded from the clock unless `GUSSET_CRASH_SEED` says otherwise.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn spawn(db: &Db, base_url: &str) -> Child {
    let url = match (&db.path, support::postgres_url()) {
        (Some(path), _) => format!("sqlite:{}", path.display()),
        (None, Some(url)) => url,
        (None, None) => panic!("a PostgreSQL scenario without a URL"),
    };
    Command::new(std::env::current_exe().unwrap())
        .env(WORKER_ENV, "1")
        .env("CRASH_DATABASE", url)
        .env("CRASH_PREFIX", &db.prefix)
        .env("CRASH_SERVER", base_url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Panics with the worker's own words if it stopped by itself (it only stops when killed).
fn check_alive(child: &mut Child) {
    if let Some(status) = child.try_wait().unwrap() {
        let mut err = String::new();
        if let Some(mut stderr) = child.stderr.take() {
            use std::io::Read as _;
            let _ = stderr.read_to_string(&mut err);
        }
        panic!("a worker process stopped by itself ({status}): {err}");
    }
}

fn kill(child: &mut Child) {
    // `Child::kill` is SIGKILL on Unix: no destructor, no flush, no graceful anything.
    let _ = child.kill();
    let _ = child.wait();
}

impl Scenario {
    async fn run(&self, name: &str, db: Db) {
        let started = Instant::now();
        let server = FaultServer::start().await.unwrap();
        let base_url = server.base_url();
        let client = client(&base_url);
        // A few lost replies and refusals among the first requests, then every request slow.
        for i in 0..20 {
            server
                .push_for(Route::CreatePayment, if i % 2 == 0 { Fault::DropAfterHandler } else { Fault::status(503) });
        }
        server.fail_always(Fault::Delay(self.server_delay));

        let mut orders = Vec::with_capacity(CALLS);
        for i in 0..CALLS {
            let order = format!("o-crash-{i}");
            db.outbox.enqueue(client.create_payment(&support::payment(&order))).await.unwrap();
            orders.push(order);
        }

        let seed = std::env::var("GUSSET_CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| started.elapsed().as_nanos() as u64 ^ u64::from(std::process::id()));
        let mut rng = Rng(seed);
        let spawn_one = || spawn(&db, &base_url);
        let mut workers: Vec<Child> = (0..self.processes).map(|_| spawn_one()).collect();
        let mut kills = 0;
        let mut delivered_at_kills = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(90);
        // Kills go on until enough of them came while calls were left to deliver (a loaded machine
        // makes workers start slowly, and a kill before the first delivery still counts: calls
        // may be claimed and in flight), and stop once everything is delivered.
        let left = |delivered: u64| delivered < CALLS as u64;
        while delivered_at_kills.iter().filter(|&&d| left(d)).count() < KILLS && Instant::now() < deadline {
            if !left(db.outbox.stats().await.unwrap().delivered) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20 + rng.below(380))).await;
            let victim = rng.below(workers.len() as u64) as usize;
            let child = &mut workers[victim];
            check_alive(child);
            kill(child);
            kills += 1;
            delivered_at_kills.push(db.outbox.stats().await.unwrap().delivered);
            workers[victim] = spawn_one();
        }
        let all_delivered = support::until(deadline.saturating_duration_since(Instant::now()), || async {
            db.outbox.stats().await.unwrap().delivered == CALLS as u64
        })
        .await;
        for child in &mut workers {
            check_alive(child);
            kill(child);
        }

        // The kills came while work was left: not all before the first delivery, not all after the last.
        let during = delivered_at_kills.iter().filter(|&&d| left(d)).count();
        let stats = db.outbox.stats().await.unwrap();
        let requests: Vec<_> = server.recorded().into_iter().filter(|r| r.route == Route::CreatePayment).collect();
        let without_key = requests.iter().filter(|r| r.idempotency_key().is_none()).count();
        let injected = requests.iter().filter(|r| !matches!(r.fault, Some(Fault::Delay(_)))).count();
        let order_of: HashMap<u64, String> = requests
            .iter()
            .map(|r| (r.seq, r.body_json().unwrap()["order_id"].as_str().unwrap_or_default().to_owned()))
            .collect();
        let charges: Vec<_> = server.effect_log().into_iter().filter(|e| e.kind == EffectKind::Charge).collect();
        let mut per_key: HashMap<String, usize> = HashMap::new();
        let mut per_order: HashMap<String, usize> = HashMap::new();
        let mut charges_without_key = 0;
        for charge in &charges {
            match &charge.idempotency_key {
                Some(key) => *per_key.entry(key.clone()).or_default() += 1,
                None => charges_without_key += 1,
            }
            *per_order.entry(order_of.get(&charge.request_seq).cloned().unwrap_or_default()).or_default() += 1;
        }
        let duplicate_effects: usize = per_key.values().map(|n| n - 1).sum::<usize>() + charges_without_key;
        let stored_keys: BTreeSet<String> =
            support::texts(&db, &format!("SELECT idempotency_key FROM {}calls", db.prefix)).await.into_iter().collect();
        let lost = stored_keys.iter().filter(|k| !per_key.contains_key(*k)).count()
            + orders.iter().filter(|o| !per_order.contains_key(*o)).count();
        let twice_per_order = per_order.values().filter(|&&n| n > 1).count();
        println!(
            "{name}: {CALLS} calls, {} worker process(es), {kills} SIGKILLs ({during} with calls left to deliver), \
             {} requests ({} redelivered with their key: {injected} after injected faults, the rest after kills; \
             {without_key} without a key), {} charges, {lost} lost, \
             {duplicate_effects} duplicate effects, {} retried attempts in the outbox, {:.1} s, seed {seed}",
            self.processes,
            requests.len(),
            requests.len().saturating_sub(CALLS),
            charges.len(),
            stats.retried,
            started.elapsed().as_secs_f64(),
        );
        assert!(kills >= 20 && during >= 20, "{kills} kills, {during} with work left: {delivered_at_kills:?}");
        assert!(all_delivered, "not every call was delivered in time: {stats:?}");
        assert_eq!((stats.depth, stats.delivered, stats.dead), (0, CALLS as u64, 0), "{stats:?}");
        assert_eq!(without_key, 0, "a request was sent without its idempotency key");
        assert_eq!(stored_keys.len(), CALLS, "every call has its own key");
        assert_eq!(lost, 0, "calls that never took effect");
        assert_eq!(duplicate_effects, 0, "calls that took effect twice");
        assert_eq!(twice_per_order, 0, "an order charged twice");
        assert_eq!(charges.len(), CALLS);
        assert!(requests.len() > CALLS, "the kills and faults caused no redelivery at all");
    }
}
