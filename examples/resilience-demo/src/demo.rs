//! The story the demo tells, one step per behaviour. Every step checks what it claims against
//! what the server recorded, so the demo fails (exit 1) rather than narrate something untrue.

use std::error::Error;
use std::fmt;
use std::time::{Duration, Instant};

use gusset::{Jitter, RetryPolicy};

use crate::orders::{
    CancelOrderParams, Client, LineItem, ListOrdersParams, Money, NewOrder, NewPayment, NewPaymentMethod, OrderStatus,
};
use crate::server::{Fault, Server};

/// What the demo established, for its test.
#[derive(Debug)]
pub(crate) struct Summary {
    /// Attempts the flaky order creation took.
    pub(crate) create_attempts: u32,
    /// Orders the server created in all.
    pub(crate) orders_created: usize,
    /// How long the rate-limited call took, its `Retry-After` wait included.
    pub(crate) rate_limited_call: Duration,
    /// The status of the declined payment.
    pub(crate) declined_status: u16,
    /// The order's status at the end.
    pub(crate) final_status: OrderStatus,
}

/// A claim of the narrative that did not hold.
#[derive(Debug)]
pub(crate) struct CheckFailed(String);

impl fmt::Display for CheckFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "check failed: {}", self.0)
    }
}

impl Error for CheckFailed {}

fn check(holds: bool, claim: &str) -> Result<(), CheckFailed> {
    if holds {
        println!("   check   {claim}: yes");
        Ok(())
    } else {
        Err(CheckFailed(claim.to_owned()))
    }
}

/// Starts the server, runs every step against it and stops it.
pub(crate) async fn run() -> Result<Summary, Box<dyn Error>> {
    let server = Server::start().await?;
    // Short delays keep the demo quick; no jitter keeps its output the same on every run.
    let policy = RetryPolicy::default()
        .max_attempts(4)
        .base_delay(Duration::from_millis(100))
        .max_delay(Duration::from_secs(1))
        .jitter(Jitter::None);
    let client = Client::builder(server.base_url()).bearer_auth("demo-token").retry(policy).build()?;
    println!("Gusset resilience demo");
    println!("A local orders server on {} fails on purpose; the client generated from", server.base_url());
    println!("tests/fixtures/orders.yaml (4 attempts, backoff from 100 ms, no jitter) copes.");

    let (order_id, create_attempts) = create_through_faults(&server, &client).await?;
    let rate_limited_call = rate_limited_list(&server, &client).await?;
    let declined_status = declined_payment(&client, &order_id).await?;
    let final_status = read_and_cancel(&client, &order_id).await?;

    Ok(Summary {
        create_attempts,
        orders_created: server.orders_created(),
        rate_limited_call,
        declined_status,
        final_status,
    })
}

fn tea_order() -> NewOrder {
    let item = |sku: &str, quantity, amount| LineItem {
        sku: sku.to_owned(),
        quantity,
        unit_price: Money { amount, currency: "EUR".into() },
    };
    NewOrder {
        items: vec![item("TEA-001", 2, 4_50), item("POT-002", 1, 59_00)],
        shipping_address: None,
        note: Some("handle with care".into()),
        metadata: None,
    }
}

/// Step 1: a 503, then a reply lost after the server acted, then success, and one order.
async fn create_through_faults(server: &Server, client: &Client) -> Result<(String, u32), Box<dyn Error>> {
    println!("\n1. Create an order; the first attempt gets a 503, the second loses its reply");
    server.inject("POST /orders", &[Fault::Unavailable, Fault::DropAfterCommit]);
    let created = client.create_order(&tea_order()).await?;
    let key = created.idempotency_key().unwrap_or_default().to_owned();
    println!(
        "   client  {} after {} attempts: order {} for {} cents",
        created.status(),
        created.attempts(),
        created.id,
        created.total.amount
    );
    println!("             Idempotency-Key {key}");
    println!("             correlation id  {}", created.correlation_id());
    println!("             server request id {}", created.server_request_id().unwrap_or("(none)"));

    let seen = server.seen("POST /orders");
    check(seen.len() == 3 && created.attempts() == 3, "3 attempts reached the server")?;
    check(
        !key.is_empty() && seen.iter().all(|s| s.idempotency_key.as_deref() == Some(key.as_str())),
        "every attempt carried the same Idempotency-Key",
    )?;
    check(
        seen.iter().all(|s| s.correlation_id.as_deref() == Some(created.correlation_id())),
        "every attempt carried the same correlation id",
    )?;
    check(server.orders_created() == 1, "the server created exactly one order")?;
    Ok((created.id.clone(), created.attempts()))
}

/// Step 2: a 429 with `Retry-After: 1`; the client waits as told, then succeeds.
async fn rate_limited_list(server: &Server, client: &Client) -> Result<Duration, Box<dyn Error>> {
    println!("\n2. List open orders (query parameters); the server answers 429 with Retry-After: 1");
    server.inject("GET /orders", &[Fault::TooManyRequests { retry_after_secs: 1 }]);
    let params = ListOrdersParams { status: Some(OrderStatus::Open), limit: Some(10), cursor: None };
    let started = Instant::now();
    let page = client.list_orders(&params).await?;
    let took = started.elapsed();
    let ids: Vec<&str> = page.orders.iter().map(|order| order.id.as_str()).collect();
    println!(
        "   client  {} after {} attempts and {:.2} s (the wait the server asked for): {}",
        page.status(),
        page.attempts(),
        took.as_secs_f64(),
        ids.join(", ")
    );
    check(page.attempts() == 2, "one retry")?;
    // A lower bound only: sleeping at least as long as asked is guaranteed, an upper bound is not.
    check(took >= Duration::from_secs(1), "it waited the 1 s of Retry-After, not its own 100 ms backoff")?;
    Ok(took)
}

/// Step 3: a declined payment is a typed error carrying the document's `Problem`.
async fn declined_payment(client: &Client, order_id: &str) -> Result<u16, Box<dyn Error>> {
    println!("\n3. Pay the order by card; the card is declined with 402");
    let payment = NewPayment { order_id: order_id.to_owned(), method: NewPaymentMethod::Card, amount: None };
    match client.create_payment(&payment).await {
        Ok(payment) => Err(CheckFailed(format!("the payment was accepted: {:?}", payment.status)).into()),
        Err(gusset::Error::Api { status, body, context, .. }) => {
            println!("   client  gusset::Error::Api with a typed Problem body:");
            println!("             status {status}, title {:?}", body.title);
            println!("             detail {:?}", body.detail.as_deref().unwrap_or_default());
            println!("             correlation id {}, {} attempt(s)", context.correlation_id(), context.attempts());
            check(status.as_u16() == 402 && body.status == 402, "status 402 in the response and in the Problem")?;
            check(context.attempts() == 1, "a 402 is not retried")?;
            Ok(status.as_u16())
        }
        Err(other) => Err(other.into()),
    }
}

/// Step 4: path parameters, an empty 204 response, and a typed 409.
async fn read_and_cancel(client: &Client, order_id: &str) -> Result<OrderStatus, Box<dyn Error>> {
    println!("\n4. Get the order, cancel it (204), cancel it again (409)");
    let order = client.get_order(order_id).await?;
    println!("   client  {}: order {} is `{}`", order.status(), order.id, order.status);
    let reason = CancelOrderParams { reason: Some("changed my mind".into()) };
    let cancelled = client.cancel_order(order_id, &reason).await?;
    println!("   client  {} (no body)", cancelled.status());
    let again = client.cancel_order(order_id, &reason).await;
    match &again {
        Err(error) => println!("   client  error: {error}"),
        Ok(response) => println!("   client  {} (unexpected)", response.status()),
    }
    let order = client.get_order(order_id).await?;
    println!("   client  {}: order {} is `{}`", order.status(), order.id, order.status);
    check(cancelled.status().as_u16() == 204, "the cancel answered 204 No Content")?;
    check(
        again.as_ref().err().and_then(gusset::Error::status).map(|s| s.as_u16()) == Some(409),
        "cancelling twice is a 409",
    )?;
    check(order.status == OrderStatus::Cancelled, "the order is cancelled")?;
    Ok(order.into_inner().status)
}
