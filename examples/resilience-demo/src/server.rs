//! The demo's orders server: axum on 127.0.0.1, an in-memory store, faults injected on command,
//! and a line of narration for every request it sees.
//!
//! Like Stripe, it stores the reply of every request that carries an `Idempotency-Key` and
//! replays it when the same key comes again, so a retried POST never acts twice. Injected faults
//! are taken in order from a queue per route.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::orders::{Money, NewOrder, NewPayment, NewPaymentMethod, Order, OrderPage, OrderStatus, Problem};

/// The demo card is declined above this total (in cents), so a payment can fail on cue.
pub(crate) const CARD_LIMIT: i64 = 50_00;

/// A fault the server injects into the next request of a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fault {
    /// `503 Service Unavailable` before doing anything.
    Unavailable,
    /// `429 Too Many Requests` with `Retry-After: <secs>`, before doing anything.
    TooManyRequests { retry_after_secs: u32 },
    /// Do the work (and store the reply under the idempotency key), then close the connection
    /// without replying: the client cannot know whether the request took effect.
    DropAfterCommit,
}

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub(crate) struct Seen {
    pub(crate) route: &'static str,
    pub(crate) idempotency_key: Option<String>,
    pub(crate) correlation_id: Option<String>,
}

/// The running server. Dropping it stops accepting connections.
#[derive(Debug)]
pub(crate) struct Server {
    base_url: String,
    shared: Arc<Shared>,
    accept: JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

impl Server {
    /// Serves on an ephemeral port of 127.0.0.1.
    pub(crate) async fn start() -> std::io::Result<Server> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let shared = Arc::new(Shared::default());
        let app = Router::new()
            .route("/orders", get(list_orders).post(create_order))
            .route("/orders/{order_id}", get(get_order).delete(cancel_order))
            .route("/payments", post(create_payment))
            .with_state(Arc::clone(&shared));
        let accept = tokio::spawn(accept_loop(listener, app));
        Ok(Server { base_url, shared, accept })
    }

    /// `http://127.0.0.1:<port>`.
    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Queues faults for the next requests of `route` (like `"POST /orders"`).
    pub(crate) fn inject(&self, route: &'static str, faults: &[Fault]) {
        self.shared.store().faults.entry(route).or_default().extend(faults.iter().copied());
    }

    /// The requests seen for `route`, in order.
    pub(crate) fn seen(&self, route: &str) -> Vec<Seen> {
        self.shared.store().seen.iter().filter(|seen| seen.route == route).cloned().collect()
    }

    /// How many orders the server has created (replays not counted).
    pub(crate) fn orders_created(&self) -> usize {
        self.shared.store().orders.len()
    }
}

/// axum's `serve` owns its connections; this loop keeps a handle on each so a handler can hang
/// up on its client mid-request (the [`Fault::DropAfterCommit`] fault).
async fn accept_loop(listener: TcpListener, app: Router) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            // Out of file descriptors, say: back off rather than spin.
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            continue;
        };
        let hangup = Hangup(Arc::new(Notify::new()));
        let service = TowerToHyperService::new(app.clone().layer(Extension(hangup.clone())));
        tokio::spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = connection => {}
                // Dropping the connection future closes the socket, reply unsent.
                () = hangup.0.notified() => {}
            }
        });
    }
}

/// Closes the connection the current request arrived on.
#[derive(Clone, Debug)]
struct Hangup(Arc<Notify>);

#[derive(Debug, Default)]
struct Shared {
    store: Mutex<Store>,
}

impl Shared {
    fn store(&self) -> MutexGuard<'_, Store> {
        // A handler that panicked mid-update cannot leave the store worse than a demo can show.
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[derive(Debug, Default)]
struct Store {
    /// Oldest first.
    orders: Vec<Order>,
    /// Replies by idempotency key.
    replies: HashMap<String, Stored>,
    faults: HashMap<&'static str, VecDeque<Fault>>,
    seen: Vec<Seen>,
}

/// What the server knows of a request when it arrives.
struct Arrival {
    request_id: String,
    key: Option<String>,
    fault: Option<Fault>,
    replay: Option<Stored>,
}

/// A reply kept for replay.
#[derive(Clone, Debug)]
struct Stored {
    status: StatusCode,
    content_type: &'static str,
    body: Bytes,
}

impl Store {
    /// Records the request, prints its header line and takes its fault or stored reply.
    fn arrive(&mut self, route: &'static str, target: &str, headers: &HeaderMap) -> Arrival {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let key = text("idempotency-key");
        let correlation_id = text("x-request-id");
        self.seen.push(Seen { route, idempotency_key: key.clone(), correlation_id: correlation_id.clone() });
        println!("   server  {target}  (attempt {})", text("gusset-attempt").unwrap_or_else(|| "?".into()));
        if let Some(key) = &key {
            println!("             Idempotency-Key {key}");
        }
        println!("             X-Request-Id    {}", correlation_id.as_deref().unwrap_or("(none)"));
        let replay = key.as_ref().and_then(|key| self.replies.get(key).cloned());
        let fault = match replay {
            Some(_) => None,
            None => self.faults.get_mut(route).and_then(VecDeque::pop_front),
        };
        Arrival { request_id: format!("req_{}", self.seen.len()), key, fault, replay }
    }

    fn remember(&mut self, key: Option<&String>, reply: &Stored) {
        if let Some(key) = key {
            self.replies.insert(key.clone(), reply.clone());
        }
    }

    fn order_mut(&mut self, id: &str) -> Option<&mut Order> {
        self.orders.iter_mut().find(|order| order.id == id)
    }
}

fn outcome(text: &str) {
    println!("             -> {text}");
}

/// A JSON reply carrying the server's own request id (which the client reports).
fn reply(request_id: &str, status: StatusCode, content_type: &'static str, body: Bytes) -> Response {
    let mut response = (status, [(header::CONTENT_TYPE, content_type)], body).into_response();
    if let Ok(id) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("request-id", id);
    }
    response
}

fn json<T: serde::Serialize>(value: &T) -> Bytes {
    // Serialising our own plain data types cannot fail; an empty body would surface as a decode
    // error in the client rather than a panic here.
    serde_json::to_vec(value).map(Bytes::from).unwrap_or_default()
}

fn problem(request_id: &str, status: StatusCode, title: &str, detail: String) -> Response {
    let stored = problem_reply(status, title, detail);
    reply(request_id, stored.status, stored.content_type, stored.body)
}

/// An RFC 9457 problem, as the document's `Problem` schema describes it.
fn problem_reply(status: StatusCode, title: &str, detail: String) -> Stored {
    let body = Problem {
        r#type: Some("https://api.orders.example/problems/".to_owned() + &title.to_lowercase().replace(' ', "-")),
        title: title.to_owned(),
        status: i32::from(status.as_u16()),
        detail: Some(detail),
        instance: None,
    };
    Stored { status, content_type: "application/problem+json", body: json(&body) }
}

/// Answers an injected status fault; `None` when the fault is not a status.
fn injected_status(arrival: &Arrival) -> Option<Response> {
    match arrival.fault? {
        Fault::Unavailable => {
            outcome("503 Service Unavailable (injected), nothing done");
            let detail = "the demo server is failing on purpose".to_owned();
            Some(problem(&arrival.request_id, StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable", detail))
        }
        Fault::TooManyRequests { retry_after_secs } => {
            outcome(&format!("429 Too Many Requests, Retry-After: {retry_after_secs} (injected), nothing done"));
            let detail = format!("slow down: retry after {retry_after_secs} s");
            let mut response = problem(&arrival.request_id, StatusCode::TOO_MANY_REQUESTS, "Too Many Requests", detail);
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            Some(response)
        }
        Fault::DropAfterCommit => None,
    }
}

fn replayed(arrival: &Arrival) -> Option<Response> {
    let stored = arrival.replay.clone()?;
    outcome(&format!("{}, replayed from the idempotency store: nothing done again", stored.status));
    Some(reply(&arrival.request_id, stored.status, stored.content_type, stored.body))
}

async fn create_order(
    State(shared): State<Arc<Shared>>,
    Extension(hangup): Extension<Hangup>,
    headers: HeaderMap,
    Json(new): Json<NewOrder>,
) -> Response {
    let arrival = shared.store().arrive("POST /orders", "POST /orders", &headers);
    if let Some(response) = replayed(&arrival).or_else(|| injected_status(&arrival)) {
        return response;
    }
    let Ok(created_at) = "2024-06-01T12:00:00Z".parse() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let body = {
        let mut store = shared.store();
        let amount = new.items.iter().map(|item| item.unit_price.amount * i64::from(item.quantity)).sum();
        let currency = new.items.first().map_or_else(|| "EUR".to_owned(), |item| item.unit_price.currency.clone());
        let order = Order {
            id: format!("ord_{}", store.orders.len() + 1),
            status: OrderStatus::Open,
            items: new.items,
            total: Money { amount, currency },
            shipping_address: new.shipping_address,
            note: new.note,
            created_at,
            metadata: new.metadata,
        };
        let body = json(&order);
        let stored = Stored { status: StatusCode::CREATED, content_type: "application/json", body: body.clone() };
        store.remember(arrival.key.as_ref(), &stored);
        store.orders.push(order);
        body
    };
    if arrival.fault == Some(Fault::DropAfterCommit) {
        outcome("order created and stored under its key, then the connection is dropped (injected)");
        hangup.0.notify_one();
        // The connection task drops this future when it closes the socket.
        std::future::pending::<()>().await;
    }
    outcome("201 Created");
    reply(&arrival.request_id, StatusCode::CREATED, "application/json", body)
}

async fn list_orders(State(shared): State<Arc<Shared>>, uri: Uri, headers: HeaderMap) -> Response {
    let target = format!("GET {uri}");
    let arrival = shared.store().arrive("GET /orders", &target, &headers);
    if let Some(response) = injected_status(&arrival) {
        return response;
    }
    let query: HashMap<String, String> = uri
        .query()
        .map(|q| {
            q.split('&').filter_map(|pair| pair.split_once('=')).map(|(k, v)| (k.to_owned(), v.to_owned())).collect()
        })
        .unwrap_or_default();
    let status = query.get("status").map(|status| OrderStatus::from(status.as_str()));
    let limit = query.get("limit").and_then(|limit| limit.parse::<usize>().ok()).unwrap_or(20);
    let store = shared.store();
    let orders: Vec<Order> = store
        .orders
        .iter()
        .rev()
        .filter(|order| status.as_ref().is_none_or(|status| &order.status == status))
        .take(limit)
        .cloned()
        .collect();
    outcome(&format!("200 OK, {} order(s)", orders.len()));
    let page = OrderPage { orders, next_cursor: None };
    reply(&arrival.request_id, StatusCode::OK, "application/json", json(&page))
}

async fn get_order(State(shared): State<Arc<Shared>>, Path(order_id): Path<String>, headers: HeaderMap) -> Response {
    let mut store = shared.store();
    let arrival = store.arrive("GET /orders/{orderId}", &format!("GET /orders/{order_id}"), &headers);
    if let Some(response) = injected_status(&arrival) {
        return response;
    }
    match store.order_mut(&order_id) {
        Some(order) => {
            outcome(&format!("200 OK, status `{}`", order.status));
            reply(&arrival.request_id, StatusCode::OK, "application/json", json(&*order))
        }
        None => {
            outcome("404 Not Found");
            problem(&arrival.request_id, StatusCode::NOT_FOUND, "Not Found", format!("no order `{order_id}`"))
        }
    }
}

async fn cancel_order(
    State(shared): State<Arc<Shared>>,
    Path(order_id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let mut store = shared.store();
    let target = format!("DELETE {uri}");
    let arrival = store.arrive("DELETE /orders/{orderId}", &target, &headers);
    if let Some(response) = injected_status(&arrival) {
        return response;
    }
    let Some(order) = store.order_mut(&order_id) else {
        outcome("404 Not Found");
        return problem(&arrival.request_id, StatusCode::NOT_FOUND, "Not Found", format!("no order `{order_id}`"));
    };
    if order.status == OrderStatus::Cancelled {
        outcome("409 Conflict, already cancelled");
        return problem(
            &arrival.request_id,
            StatusCode::CONFLICT,
            "Conflict",
            format!("order `{order_id}` is already cancelled"),
        );
    }
    order.status = OrderStatus::Cancelled;
    outcome("204 No Content, order cancelled");
    reply(&arrival.request_id, StatusCode::NO_CONTENT, "application/json", Bytes::new())
}

async fn create_payment(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Json(payment): Json<NewPayment>,
) -> Response {
    let mut store = shared.store();
    let arrival = store.arrive("POST /payments", "POST /payments", &headers);
    if let Some(response) = replayed(&arrival).or_else(|| injected_status(&arrival)) {
        return response;
    }
    let Some(total) = store.order_mut(&payment.order_id).map(|order| order.total.clone()) else {
        outcome("404 Not Found");
        let detail = format!("no order `{}`", payment.order_id);
        return problem(&arrival.request_id, StatusCode::NOT_FOUND, "Not Found", detail);
    };
    let stored = if payment.method == NewPaymentMethod::Card && total.amount > CARD_LIMIT {
        outcome(&format!("402 Payment Required: {} cents is over the demo card's limit", total.amount));
        let detail = format!("the card was declined: {} cents is over its limit of {CARD_LIMIT} cents", total.amount);
        problem_reply(StatusCode::PAYMENT_REQUIRED, "Card Declined", detail)
    } else {
        outcome("201 Created, payment pending");
        // Built as JSON rather than as the generated `Payment`, whose id type lives in the
        // runtime's hidden module.
        let payment = serde_json::json!({
            "id": format!("00000000-0000-4000-8000-{:012}", store.seen.len()),
            "order_id": payment.order_id,
            "status": "pending",
            "amount": total,
        });
        Stored { status: StatusCode::CREATED, content_type: "application/json", body: json(&payment) }
    };
    // Stored like any reply, so a retried charge gets the same answer and never charges twice.
    store.remember(arrival.key.as_ref(), &stored);
    reply(&arrival.request_id, stored.status, stored.content_type, stored.body)
}
