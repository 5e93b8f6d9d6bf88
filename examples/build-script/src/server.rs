//! A tiny in-memory orders server (two operations), enough for the example to make real calls.
//! It speaks in the generated types, which serialize through the runtime's serde.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::orders::{Money, NewOrder, Order, OrderStatus, Problem};

type Orders = Arc<Mutex<BTreeMap<String, Order>>>;

/// Serves on an ephemeral port of 127.0.0.1; returns the base URL and the server task.
pub(crate) async fn start() -> std::io::Result<(String, JoinHandle<()>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let base_url = format!("http://{}", listener.local_addr()?);
    let app = Router::new()
        .route("/orders", post(create_order))
        .route("/orders/{order_id}", get(get_order))
        .with_state(Orders::default());
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            eprintln!("server stopped: {e}");
        }
    });
    Ok((base_url, task))
}

async fn create_order(State(orders): State<Orders>, Json(new): Json<NewOrder>) -> Response {
    let mut orders = orders.lock().unwrap_or_else(PoisonError::into_inner);
    let id = format!("ord_{}", orders.len() + 1);
    let amount = new.items.iter().map(|item| item.unit_price.amount * i64::from(item.quantity)).sum();
    let currency = new.items.first().map_or_else(|| "EUR".to_owned(), |item| item.unit_price.currency.clone());
    let created_at = match "2024-06-01T12:00:00Z".parse() {
        Ok(at) => at,
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    let order = Order {
        id: id.clone(),
        status: OrderStatus::Open,
        items: new.items,
        total: Money { amount, currency },
        shipping_address: new.shipping_address,
        note: new.note,
        created_at,
        metadata: new.metadata,
    };
    orders.insert(id, order.clone());
    (StatusCode::CREATED, Json(order)).into_response()
}

async fn get_order(State(orders): State<Orders>, Path(order_id): Path<String>) -> Response {
    let orders = orders.lock().unwrap_or_else(PoisonError::into_inner);
    match orders.get(&order_id) {
        Some(order) => Json(order.clone()).into_response(),
        None => {
            let problem = Problem {
                r#type: None,
                title: "Order not found".into(),
                status: 404,
                detail: Some(format!("no order `{order_id}`")),
                instance: None,
            };
            (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "application/problem+json")], Json(problem)).into_response()
        }
    }
}
