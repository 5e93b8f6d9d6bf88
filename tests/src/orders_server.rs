//! A faithful, in-memory server for `fixtures/orders.yaml`, used by the route
//! tests: it answers in exactly the document's shapes, replays replies by
//! `Idempotency-Key` (so a retried create takes effect once) and records
//! every request it sees.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// `GET`, `POST`, ...
    pub method: String,
    /// Path and query, still percent-encoded.
    pub uri: String,
    /// Headers, names lowercase.
    pub headers: BTreeMap<String, String>,
}

#[derive(Default)]
struct Inner {
    orders: BTreeMap<String, Value>,
    replies: BTreeMap<String, (u16, Value)>,
    seen: Vec<Seen>,
    next_id: u32,
    effects: u32,
}

/// A running Orders server on 127.0.0.1.
#[derive(Debug)]
pub struct OrdersServer {
    addr: SocketAddr,
    inner: Arc<Mutex<InnerDebug>>,
    task: tokio::task::JoinHandle<()>,
}

/// `Inner` behind a `Debug`-able wrapper.
#[derive(Default)]
struct InnerDebug(Inner);

impl std::fmt::Debug for InnerDebug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner").field("orders", &self.0.orders.len()).finish()
    }
}

impl OrdersServer {
    /// Starts the server on a free port.
    pub async fn start() -> std::io::Result<OrdersServer> {
        let inner: Arc<Mutex<InnerDebug>> = Arc::default();
        let state = Arc::clone(&inner);
        let app = Router::new()
            .route("/orders", get(list_orders).post(create_order))
            .route("/orders/{id}", get(get_order).patch(update_order).delete(cancel_order))
            .route("/payments", axum::routing::post(create_payment))
            .fallback(fallback)
            .layer(axum::middleware::from_fn_with_state(Arc::clone(&inner), record))
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(OrdersServer { addr, inner, task })
    }

    /// `http://127.0.0.1:<port>`
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request seen so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.inner.lock().map(|i| i.0.seen.clone()).unwrap_or_default()
    }

    /// How many creates (orders and payments) took effect.
    pub fn effects(&self) -> u32 {
        self.inner.lock().map(|i| i.0.effects).unwrap_or_default()
    }
}

impl Drop for OrdersServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

type St = State<Arc<Mutex<InnerDebug>>>;

async fn record(State(state): St, request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let seen = Seen {
        method: request.method().to_string(),
        uri: request.uri().to_string(),
        headers: request
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect(),
    };
    if let Ok(mut inner) = state.lock() {
        inner.0.seen.push(seen);
    }
    next.run(request).await
}

fn problem(status: StatusCode, title: &str) -> Response {
    let body = json!({ "type": "about:blank", "title": title, "status": status.as_u16() });
    (status, [("content-type", "application/problem+json")], body.to_string()).into_response()
}

fn json_reply(status: u16, body: &Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [("content-type", "application/json")], body.to_string()).into_response()
}

fn authorized(headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("Bearer "))
}

/// Runs `act` once per idempotency key; a repeated key gets the stored reply.
fn once(inner: &mut Inner, headers: &HeaderMap, act: impl FnOnce(&mut Inner) -> (u16, Value)) -> Response {
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_string);
    if let Some(key) = &key {
        if let Some((status, body)) = inner.replies.get(key) {
            return json_reply(*status, body);
        }
    }
    let (status, body) = act(inner);
    if let Some(key) = key {
        inner.replies.insert(key, (status, body.clone()));
    }
    json_reply(status, &body)
}

async fn create_order(State(state): St, headers: HeaderMap, body: Bytes) -> Response {
    if !authorized(&headers) {
        return problem(StatusCode::UNAUTHORIZED, "missing bearer token");
    }
    let Ok(new) = serde_json::from_slice::<Value>(&body) else {
        return problem(StatusCode::BAD_REQUEST, "body is not JSON");
    };
    let Ok(mut guard) = state.lock() else { return problem(StatusCode::INTERNAL_SERVER_ERROR, "poisoned") };
    once(&mut guard.0, &headers, |inner| {
        inner.next_id += 1;
        inner.effects += 1;
        let id = format!("ord_{}", inner.next_id);
        let items = new.get("items").cloned().unwrap_or(json!([]));
        let total: i64 = items
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|i| i["quantity"].as_i64().unwrap_or(0) * i["unit_price"]["amount"].as_i64().unwrap_or(0))
                    .sum()
            })
            .unwrap_or(0);
        let mut order = json!({
            "id": id,
            "status": "open",
            "items": items,
            "total": { "amount": total, "currency": "EUR" },
            "created_at": "2024-06-01T12:00:00Z",
        });
        for field in ["shipping_address", "note", "metadata"] {
            if let Some(v) = new.get(field) {
                order[field] = v.clone();
            }
        }
        inner.orders.insert(id, order.clone());
        (201, order)
    })
}

async fn list_orders(State(state): St, Query(query): Query<BTreeMap<String, String>>) -> Response {
    let Ok(guard) = state.lock() else { return problem(StatusCode::INTERNAL_SERVER_ERROR, "poisoned") };
    let limit: usize = query.get("limit").and_then(|l| l.parse().ok()).unwrap_or(20);
    let orders: Vec<Value> = guard
        .0
        .orders
        .values()
        .rev()
        .filter(|o| query.get("status").is_none_or(|s| o["status"] == json!(s)))
        .take(limit)
        .cloned()
        .collect();
    json_reply(200, &json!({ "orders": orders, "next_cursor": null }))
}

async fn get_order(State(state): St, Path(id): Path<String>) -> Response {
    let Ok(guard) = state.lock() else { return problem(StatusCode::INTERNAL_SERVER_ERROR, "poisoned") };
    match guard.0.orders.get(&id) {
        Some(order) => json_reply(200, order),
        None => problem(StatusCode::NOT_FOUND, &format!("no order {id}")),
    }
}

async fn update_order(State(state): St, Path(id): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let Ok(update) = serde_json::from_slice::<Value>(&body) else {
        return problem(StatusCode::BAD_REQUEST, "body is not JSON");
    };
    let Ok(mut guard) = state.lock() else { return problem(StatusCode::INTERNAL_SERVER_ERROR, "poisoned") };
    if !guard.0.orders.contains_key(&id) {
        return problem(StatusCode::NOT_FOUND, &format!("no order {id}"));
    }
    once(&mut guard.0, &headers, |inner| {
        let order = inner.orders.entry(id).or_insert(Value::Null);
        for field in ["note", "shipping_address"] {
            if let Some(v) = update.get(field) {
                order[field] = v.clone();
            }
        }
        (200, order.clone())
    })
}

async fn cancel_order(State(state): St, Path(id): Path<String>) -> Response {
    let Ok(mut guard) = state.lock() else { return problem(StatusCode::INTERNAL_SERVER_ERROR, "poisoned") };
    match guard.0.orders.get_mut(&id) {
        Some(order) if order["status"] == json!("cancelled") => problem(StatusCode::CONFLICT, "already cancelled"),
        Some(order) => {
            order["status"] = json!("cancelled");
            StatusCode::NO_CONTENT.into_response()
        }
        None => problem(StatusCode::NOT_FOUND, &format!("no order {id}")),
    }
}

async fn create_payment(State(state): St, headers: HeaderMap, body: Bytes) -> Response {
    let Ok(new) = serde_json::from_slice::<Value>(&body) else {
        return problem(StatusCode::BAD_REQUEST, "body is not JSON");
    };
    let Ok(mut guard) = state.lock() else { return problem(StatusCode::INTERNAL_SERVER_ERROR, "poisoned") };
    let Some(order) = new["order_id"].as_str().and_then(|id| guard.0.orders.get(id)).cloned() else {
        return problem(StatusCode::NOT_FOUND, "no such order");
    };
    if new["method"] == json!("bank_transfer") {
        return problem(StatusCode::PAYMENT_REQUIRED, "bank transfers are declined in tests");
    }
    once(&mut guard.0, &headers, |inner| {
        inner.effects += 1;
        let payment = json!({
            "id": format!("00000000-0000-4000-8000-{:012}", inner.effects),
            "order_id": order["id"],
            "status": "succeeded",
            "amount": order["total"],
            "captured_on": "2024-06-01",
        });
        (201, payment)
    })
}

async fn fallback(method: Method, uri: Uri) -> Response {
    problem(StatusCode::NOT_FOUND, &format!("no route for {method} {uri}"))
}
