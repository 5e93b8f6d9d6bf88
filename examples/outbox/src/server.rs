//! The payments API the demo charges: axum on `127.0.0.1:0`, keeping each reply by
//! `Idempotency-Key` as payment APIs do, so a repeated request is answered from the record and
//! charges nothing. It can answer the first charge slowly (the worker that sent it is gone by
//! then) and refuse one order until told otherwise.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

/// What the server did, for the demo to check its claims against.
#[derive(Debug, Default)]
pub(crate) struct Ledger {
    /// Every request: its idempotency key and order id.
    pub(crate) requests: Vec<(Option<String>, String)>,
    /// Charges that took effect: order id per key.
    pub(crate) charges: Vec<(String, String)>,
    /// Replies kept by key.
    replies: HashMap<String, Value>,
    /// How long the next charge's reply takes (after the charge took effect).
    pub(crate) slow_next: Option<Duration>,
    /// An order refused with `422` until cleared.
    pub(crate) refuse: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Server(Arc<Mutex<Ledger>>);

impl Server {
    pub(crate) fn ledger(&self) -> MutexGuard<'_, Ledger> {
        // A panic elsewhere must not hide behind a poison error here.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Serves on `127.0.0.1:0` until the process ends.
    pub(crate) async fn start(&self) -> std::io::Result<SocketAddr> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let app = Router::new().route("/payments", post(charge)).with_state(self.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(addr)
    }
}

async fn charge(State(server): State<Server>, headers: HeaderMap, body: String) -> Response {
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let order = serde_json::from_str::<Value>(&body).ok().and_then(|b| b["order_id"].as_str().map(str::to_owned));
    let Some(order) = order else {
        return problem(StatusCode::BAD_REQUEST, "the body has no order_id");
    };
    let wait = {
        let mut ledger = server.ledger();
        ledger.requests.push((key.clone(), order.clone()));
        if let Some(reply) = key.as_ref().and_then(|k| ledger.replies.get(k)) {
            return (StatusCode::CREATED, [("idempotent-replayed", "true")], axum::Json(reply.clone())).into_response();
        }
        if ledger.refuse.as_deref() == Some(order.as_str()) {
            return problem(StatusCode::UNPROCESSABLE_ENTITY, "the card was declined");
        }
        let n = ledger.charges.len() + 1;
        let reply = json!({
            "id": format!("00000000-0000-4000-8000-{n:012}"),
            "order_id": order,
            "status": "succeeded",
            "amount": { "amount": 2100, "currency": "EUR" },
        });
        ledger.charges.push((key.clone().unwrap_or_default(), order));
        if let Some(key) = key {
            ledger.replies.insert(key, reply.clone());
        }
        (ledger.slow_next.take(), reply)
    };
    let (slow, reply) = wait;
    if let Some(slow) = slow {
        tokio::time::sleep(slow).await;
    }
    (StatusCode::CREATED, axum::Json(reply)).into_response()
}

fn problem(status: StatusCode, detail: &str) -> Response {
    let body = json!({ "title": detail, "status": status.as_u16() });
    (status, [(header::CONTENT_TYPE, "application/problem+json")], body.to_string()).into_response()
}
