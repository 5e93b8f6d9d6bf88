//! A small in-memory orders server (create and list), enough for the example to make real calls.
//! It speaks in the `#[client]` module's generated types.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::orders::{Money, NewOrder, Order, OrderPage, OrderStatus};

type Orders = Arc<Mutex<Vec<Order>>>;

/// Serves on an ephemeral port of 127.0.0.1; returns the base URL and the server task.
pub(crate) async fn start() -> std::io::Result<(String, JoinHandle<()>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let base_url = format!("http://{}", listener.local_addr()?);
    let app = Router::new().route("/orders", get(list_orders).post(create_order)).with_state(Orders::default());
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            eprintln!("server stopped: {e}");
        }
    });
    Ok((base_url, task))
}

async fn create_order(State(orders): State<Orders>, Json(new): Json<NewOrder>) -> Response {
    let Ok(created_at) = "2024-06-01T12:00:00Z".parse() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let mut orders = orders.lock().unwrap_or_else(PoisonError::into_inner);
    let amount = new.items.iter().map(|item| item.unit_price.amount * i64::from(item.quantity)).sum();
    let order = Order {
        id: format!("ord_{}", orders.len() + 1),
        status: OrderStatus::Open,
        items: new.items,
        total: Money { amount, currency: "EUR".into() },
        shipping_address: new.shipping_address,
        note: new.note,
        created_at,
        metadata: new.metadata,
    };
    orders.push(order.clone());
    (StatusCode::CREATED, Json(order)).into_response()
}

/// Newest first, filtered by `status`, at most `limit`: what the document describes.
async fn list_orders(State(orders): State<Orders>, Query(query): Query<HashMap<String, String>>) -> Response {
    let limit = match query.get("limit").map(|limit| limit.parse::<usize>()) {
        None => 20,
        Some(Ok(limit)) => limit,
        Some(Err(_)) => return StatusCode::BAD_REQUEST.into_response(),
    };
    let status = query.get("status").map(|status| OrderStatus::from(status.as_str()));
    let orders = orders.lock().unwrap_or_else(PoisonError::into_inner);
    let page: Vec<Order> = orders
        .iter()
        .rev()
        .filter(|order| status.as_ref().is_none_or(|status| &order.status == status))
        .take(limit)
        .cloned()
        .collect();
    Json(OrderPage { orders: page, next_cursor: None }).into_response()
}
