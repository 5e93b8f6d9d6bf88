//! Per-call overhead: the generated Orders client (build-script route)
//! against raw reqwest, on the same reqwest client (one keep-alive
//! connection pool) and the same loopback server, in one run.
//!
//! Raw reqwest does what a careful hand-written call does: the same method,
//! path, bearer token and JSON body, a status check and decoding into the
//! same generated type. The gusset client runs three ways: with its defaults
//! (retries, retry budget, idempotency keys, correlation id and
//! `traceparent`, attempt and call timeouts, version and attempt headers),
//! with the opt-in circuit breaker on top, and with its features off as far
//! as settings allow (no retries, budget, breaker, idempotency keys or
//! timeouts; a correlation id and the version and attempt headers are always
//! sent). Variants take turns call by call, so drift on the shared machine
//! hits them alike, in a fresh random order each turn: in a fixed order the
//! first gusset call after raw ones ran measurably slower (about 2 µs, code
//! gone cold), which made whichever variant came first look worse.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use gusset::reqwest;
use gusset_tests::via_build as orders;

use super::{Options, median, percentile, table};

const TOKEN: &str = "bench-token";

/// What the server answers to both routes: a realistic, small order.
const ORDER: &str = r#"{"id":"ord_1","status":"open","items":[{"sku":"tea-earl-grey","quantity":2,"unit_price":{"amount":450,"currency":"EUR"}},{"sku":"mug","quantity":1,"unit_price":{"amount":1200,"currency":"EUR"}}],"total":{"amount":2100,"currency":"EUR"},"note":"left at the door","created_at":"2024-06-01T12:00:00Z"}"#;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    RawGet,
    RawGetHeaders,
    GussetGet,
    GussetGetBreaker,
    GussetGetOff,
    RawPost,
    RawPostHeaders,
    GussetPost,
    GussetPostBreaker,
    GussetPostOff,
}

const VARIANTS: [Variant; 10] = [
    Variant::RawGet,
    Variant::RawGetHeaders,
    Variant::GussetGet,
    Variant::GussetGetBreaker,
    Variant::GussetGetOff,
    Variant::RawPost,
    Variant::RawPostHeaders,
    Variant::GussetPost,
    Variant::GussetPostBreaker,
    Variant::GussetPostOff,
];

impl Variant {
    /// The short name `GUSSET_BENCH_ONLY` takes.
    fn key(self) -> &'static str {
        match self {
            Variant::RawGet => "raw-get",
            Variant::RawGetHeaders => "raw-get-headers",
            Variant::GussetGet => "gusset-get",
            Variant::GussetGetBreaker => "gusset-get-breaker",
            Variant::GussetGetOff => "gusset-get-off",
            Variant::RawPost => "raw-post",
            Variant::RawPostHeaders => "raw-post-headers",
            Variant::GussetPost => "gusset-post",
            Variant::GussetPostBreaker => "gusset-post-breaker",
            Variant::GussetPostOff => "gusset-post-off",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Variant::RawGet => "GET  raw reqwest",
            Variant::RawGetHeaders => "GET  raw reqwest + gusset's headers",
            Variant::GussetGet => "GET  gusset, defaults",
            Variant::GussetGetBreaker => "GET  gusset, defaults + circuit breaker",
            Variant::GussetGetOff => "GET  gusset, features off",
            Variant::RawPost => "POST raw reqwest",
            Variant::RawPostHeaders => "POST raw reqwest + gusset's headers",
            Variant::GussetPost => "POST gusset, defaults",
            Variant::GussetPostBreaker => "POST gusset, defaults + circuit breaker",
            Variant::GussetPostOff => "POST gusset, features off",
        }
    }

    /// The raw variant this one is compared with.
    fn baseline(self) -> Variant {
        match self {
            Variant::RawGet
            | Variant::RawGetHeaders
            | Variant::GussetGet
            | Variant::GussetGetBreaker
            | Variant::GussetGetOff => Variant::RawGet,
            _ => Variant::RawPost,
        }
    }
}

/// Everything a call needs.
struct Clients {
    http: reqwest::Client,
    defaults: orders::Client,
    breaker: orders::Client,
    off: orders::Client,
    get_url: String,
    post_url: String,
    new_order: orders::NewOrder,
}

pub(super) fn run(options: &Options) -> Result<(), String> {
    let addr = start_server()?;
    // The client on this thread, the server on its own: one core each.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the client runtime: {e}"))?;
    let samples = runtime.block_on(measure(addr, options))?;
    let per_call = options.calls;
    println!(
        "per-call latency, {} rounds of {per_call} sequential calls per variant, variants interleaved call by call; loopback server on its own thread",
        options.rounds
    );
    print!("{}", render(&samples));
    Ok(())
}

/// Per variant: every call's latency, and the median of each round.
type Samples = Vec<(Variant, Vec<Duration>, Vec<Duration>)>;

/// The variants to run: all of them, or the comma-separated keys in `GUSSET_BENCH_ONLY` (for
/// counting one variant's instructions under callgrind, where the others would only add noise).
fn selected() -> Result<Vec<Variant>, String> {
    let Some(only) = std::env::var_os("GUSSET_BENCH_ONLY") else { return Ok(VARIANTS.to_vec()) };
    let only = only.to_string_lossy();
    only.split(',')
        .map(|key| {
            VARIANTS.iter().copied().find(|v| v.key() == key.trim()).ok_or_else(|| {
                let keys: Vec<_> = VARIANTS.iter().map(|v| v.key()).collect();
                format!("unknown variant `{key}` in GUSSET_BENCH_ONLY (one of {})", keys.join(", "))
            })
        })
        .collect()
}

async fn measure(addr: SocketAddr, options: &Options) -> Result<Samples, String> {
    let clients = clients(addr)?;
    let variants = selected()?;
    // Warm up: connection, allocator, lazy statics.
    for &variant in &variants {
        for _ in 0..(options.calls / 10).max(50) {
            call(&clients, variant).await?;
        }
    }
    let mut samples: Samples = variants.iter().map(|&v| (v, Vec::new(), Vec::new())).collect();
    // Fixed, so runs are comparable; any seed spreads the orders evenly.
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    for _round in 0..options.rounds {
        let mut this_round: Vec<Vec<Duration>> = variants.iter().map(|_| Vec::with_capacity(options.calls)).collect();
        let mut order: Vec<usize> = (0..variants.len()).collect();
        for _ in 0..options.calls {
            // One call of each variant in turn, in a shuffled order, so a
            // burst of load from elsewhere, or code gone cold, hits every
            // variant alike.
            shuffle(&mut order, &mut seed);
            for &index in &order {
                let (Some(variant), Some(times)) = (variants.get(index), this_round.get_mut(index)) else { continue };
                let start = Instant::now();
                call(&clients, *variant).await?;
                times.push(start.elapsed());
            }
        }
        for ((_, all, rounds), times) in samples.iter_mut().zip(this_round) {
            rounds.push(median(&times));
            all.extend(times);
        }
    }
    Ok(samples)
}

/// Fisher-Yates with splitmix64: a dependency for this would be more than the code.
fn shuffle(items: &mut [usize], state: &mut u64) {
    for i in (1..items.len()).rev() {
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        // `i + 1` fits in u64 and the remainder is at most `i`.
        let j = (z % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}

fn clients(addr: SocketAddr) -> Result<Clients, String> {
    let base = format!("http://{addr}");
    let http = reqwest::Client::builder().build().map_err(|e| format!("cannot build the reqwest client: {e}"))?;
    let defaults = orders::Client::builder(base.clone())
        .reqwest_client(http.clone())
        .bearer_auth(TOKEN)
        .build()
        .map_err(|e| format!("cannot build the client: {e}"))?;
    let breaker = orders::Client::builder(base.clone())
        .reqwest_client(http.clone())
        .bearer_auth(TOKEN)
        .circuit_breaker(gusset::CircuitBreaker::default())
        .build()
        .map_err(|e| format!("cannot build the client: {e}"))?;
    let off = orders::Client::builder(base.clone())
        .reqwest_client(http.clone())
        .bearer_auth(TOKEN)
        .retry(gusset::RetryPolicy::disabled())
        .retry_budget(None::<gusset::RetryBudget>)
        .idempotency(false)
        .attempt_timeout(None)
        .call_timeout(None)
        .build()
        .map_err(|e| format!("cannot build the client: {e}"))?;
    let money = |amount| orders::Money { amount, currency: "EUR".to_owned() };
    let new_order = orders::NewOrder {
        items: vec![
            orders::LineItem { sku: "tea-earl-grey".to_owned(), quantity: 2, unit_price: money(450) },
            orders::LineItem { sku: "mug".to_owned(), quantity: 1, unit_price: money(1200) },
        ],
        shipping_address: None,
        note: Some("left at the door".to_owned()),
        metadata: None,
    };
    Ok(Clients {
        http,
        defaults,
        breaker,
        off,
        get_url: format!("{base}/orders/ord_1"),
        post_url: format!("{base}/orders"),
        new_order,
    })
}

/// One call of `variant`, its result decoded and checked.
async fn call(c: &Clients, variant: Variant) -> Result<(), String> {
    let order = match variant {
        Variant::RawGet => raw(c.http.get(&c.get_url)).await?,
        Variant::RawGetHeaders => raw(same_headers(c.http.get(&c.get_url))).await?,
        Variant::RawPost | Variant::RawPostHeaders => {
            let body = serde_json::to_vec(&c.new_order).map_err(|e| format!("cannot encode the order: {e}"))?;
            let request = c.http.post(&c.post_url).header(header::CONTENT_TYPE, "application/json").body(body);
            if variant == Variant::RawPost {
                raw(request).await?
            } else {
                raw(same_headers(request).header("idempotency-key", "0b6f1c1e-8a7d-4c1e-9d6a-3f1a2b4c5d6e")).await?
            }
        }
        Variant::GussetGet => c.defaults.get_order("ord_1").await.map_err(|e| e.to_string())?.into_inner(),
        Variant::GussetGetBreaker => c.breaker.get_order("ord_1").await.map_err(|e| e.to_string())?.into_inner(),
        Variant::GussetGetOff => c.off.get_order("ord_1").await.map_err(|e| e.to_string())?.into_inner(),
        Variant::GussetPost => c.defaults.create_order(&c.new_order).await.map_err(|e| e.to_string())?.into_inner(),
        Variant::GussetPostBreaker => {
            c.breaker.create_order(&c.new_order).await.map_err(|e| e.to_string())?.into_inner()
        }
        Variant::GussetPostOff => c.off.create_order(&c.new_order).await.map_err(|e| e.to_string())?.into_inner(),
    };
    if order.id == "ord_1" { Ok(()) } else { Err(format!("unexpected order `{}`", order.id)) }
}

/// The headers the gusset client adds, with fixed values of the same
/// length: what sending them costs on the wire and in the server, without
/// the runtime's work to make them.
fn same_headers(request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    request
        .header(header::USER_AGENT, "gusset-tests/0.1.0 gusset/0.1.0")
        .header("orders-version", "2024-06-01")
        .header("x-request-id", "01936b2e-7c4a-7d3e-9f1b-2a3c4d5e6f70")
        .header("traceparent", "00-01936b2e7c4a7d3e9f1b2a3c4d5e6f70-9f1b2a3c4d5e6f70-01")
        .header("gusset-attempt", "1; max=3")
}

async fn raw(request: reqwest::RequestBuilder) -> Result<orders::Order, String> {
    let response = request.bearer_auth(TOKEN).send().await.map_err(|e| e.to_string())?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("status {status}"));
    }
    let body = response.bytes().await.map_err(|e| e.to_string())?;
    serde_json::from_slice(&body).map_err(|e| format!("cannot decode the order: {e}"))
}

/// Starts the server on its own thread and runtime; it lives until the
/// process ends.
fn start_server() -> Result<SocketAddr, String> {
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let serve = async {
            let listener =
                tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| format!("cannot listen: {e}"))?;
            let addr = listener.local_addr().map_err(|e| format!("no local address: {e}"))?;
            // The receiver waits for this message.
            let _ = send.send(Ok(addr));
            let app = Router::new().route("/orders/{id}", get(order)).route("/orders", post(created));
            axum::serve(listener, app).await.map_err(|e| format!("the server stopped: {e}"))
        };
        let result = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the server runtime: {e}"))
            .and_then(|runtime| runtime.block_on(serve));
        if let Err(e) = result {
            let _ = send.send(Err(e));
        }
    });
    receive.recv().map_err(|_| "the server thread ended without an answer".to_owned())?
}

async fn order() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], ORDER)
}

async fn created(_body: axum::body::Bytes) -> impl IntoResponse {
    (StatusCode::CREATED, [(header::CONTENT_TYPE, "application/json")], ORDER)
}

fn render(samples: &Samples) -> String {
    let find = |variant: Variant| samples.iter().find(|(v, _, _)| *v == variant);
    let micros = |d: Duration| format!("{:.1} µs", d.as_secs_f64() * 1e6);
    let ratio = |a: Duration, b: Duration| {
        if b.is_zero() { "-".to_owned() } else { format!("{:.3}", a.as_secs_f64() / b.as_secs_f64()) }
    };
    let header = ["variant", "median", "p90", "median ratio", "p90 ratio", "round medians ratio (min..max)"];
    let rows: Vec<Vec<String>> = samples
        .iter()
        .map(|(variant, all, rounds)| {
            let (base_all, base_rounds) =
                find(variant.baseline()).map(|(_, a, r)| (a.as_slice(), r.as_slice())).unwrap_or_default();
            let per_round: Vec<f64> = rounds
                .iter()
                .zip(base_rounds)
                .filter(|(_, b)| !b.is_zero())
                .map(|(a, b)| a.as_secs_f64() / b.as_secs_f64())
                .collect();
            let spread = match (per_round.iter().copied().reduce(f64::min), per_round.iter().copied().reduce(f64::max))
            {
                (Some(lo), Some(hi)) => format!("{lo:.3}..{hi:.3}"),
                _ => "-".to_owned(),
            };
            vec![
                variant.label().to_owned(),
                micros(median(all)),
                micros(percentile(all, 90)),
                ratio(median(all), median(base_all)),
                ratio(percentile(all, 90), percentile(base_all, 90)),
                spread,
            ]
        })
        .collect();
    table(&header, &rows)
}
