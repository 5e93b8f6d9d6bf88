//! Measures (does not assert) the per-call overhead of the runtime against raw reqwest on the
//! same local keep-alive server. Run with:
//! `cargo test -p gusset --test overhead -- --ignored --nocapture`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::{Duration, Instant};

use support::petstore::{Client, Pet};
use support::{Reply, Server};

const CALLS: u32 = 2000;

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
#[ignore = "a measurement, not a test: run explicitly"]
async fn per_call_overhead_against_raw_reqwest() {
    let server = Server::start(vec![]).await;
    server.fallback(Reply::json(200, r#"{"id":1,"name":"Rex"}"#));
    let http = gusset::reqwest::Client::new();
    let builder = Client::builder(server.url()).reqwest_client(http.clone());
    // GUSSET_NO_TIMEOUTS=1 separates the cost of the two tokio timers from the rest.
    let builder = if std::env::var_os("GUSSET_NO_TIMEOUTS").is_some() {
        builder.attempt_timeout(None).call_timeout(None)
    } else {
        builder
    };
    let client = builder.build().unwrap();
    let url = format!("{}/pets/1", server.url());

    let mut raw_best = Duration::MAX;
    let mut gusset_best = Duration::MAX;
    // Interleaved rounds, best of each: the machine is shared, so only minima are comparable.
    for _round in 0..5 {
        let start = Instant::now();
        for _ in 0..CALLS {
            let response = http.get(&url).send().await.unwrap();
            let body = response.bytes().await.unwrap();
            let pet: Pet = gusset::__private::serde_json::from_slice(&body).unwrap();
            assert_eq!(pet.id, 1);
        }
        raw_best = raw_best.min(start.elapsed());

        let start = Instant::now();
        for _ in 0..CALLS {
            let pet = client.get_pet("1", None).await.unwrap();
            assert_eq!(pet.id, 1);
        }
        gusset_best = gusset_best.min(start.elapsed());
    }
    let per = |d: Duration| d.as_secs_f64() * 1e6 / f64::from(CALLS);
    println!(
        "raw reqwest: {:.1} µs/call, gusset: {:.1} µs/call, overhead {:+.1}% (best of 5 interleaved rounds of {CALLS} calls)",
        per(raw_best),
        per(gusset_best),
        (gusset_best.as_secs_f64() / raw_best.as_secs_f64() - 1.0) * 100.0
    );
}
