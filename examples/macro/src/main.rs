//! Gusset's macro route: one document, two macros.
//!
//! [`catalogue`] is filled by `gusset::generate!`, [`orders`] by `#[gusset::client]`, which keeps
//! the module's own items ([`orders::tea_order`]) next to the generated ones. `main` starts a small
//! orders server on `127.0.0.1:0` and calls it through both.
//!
//! ```text
//! cargo run -p example-macro
//! ```

use std::error::Error;

/// The generated client's items, expanded in place by `generate!`.
pub mod catalogue {
    gusset::generate!("../../tests/fixtures/orders.yaml");
}

/// The generated client, added to a module that keeps our own items. The example's server
/// (`server.rs`) reads and writes these types too, so every type implements both serde traits.
#[gusset::client(spec = "../../tests/fixtures/orders.yaml", serde = "both")]
pub mod orders {
    /// Our own helper, written next to the generated types it uses by their plain names.
    pub fn tea_order(quantity: i32) -> NewOrder {
        NewOrder {
            items: vec![LineItem {
                sku: "TEA-001".into(),
                quantity,
                unit_price: Money { amount: 450, currency: "EUR".into() },
            }],
            shipping_address: None,
            note: Some("from the #[client] module".into()),
            metadata: None,
        }
    }
}

mod server;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let (base_url, server) = server::start().await?;
    let summary = run(&base_url).await;
    server.abort();
    println!("{}", summary?);
    Ok(())
}

/// Creates two orders with the `#[client]` module's client, then lists the open ones with the
/// `generate!` one; returns what happened, as text.
async fn run(base_url: &str) -> Result<String, Box<dyn Error>> {
    let writer = orders::Client::builder(base_url).bearer_auth("demo-token").build()?;
    let mut out = String::new();
    for quantity in [1, 3] {
        let created = writer.create_order(&orders::tea_order(quantity)).await?;
        out += &format!(
            "#[client]  created {} for {} cents (Idempotency-Key {})\n",
            created.id,
            created.total.amount,
            created.idempotency_key().unwrap_or("none"),
        );
    }

    // The two modules are two generations of the same document: same shapes, distinct types.
    let reader = catalogue::Client::builder(base_url).bearer_auth("demo-token").build()?;
    let params =
        catalogue::ListOrdersParams { status: Some(catalogue::OrderStatus::Open), limit: Some(10), cursor: None };
    let page = reader.list_orders(&params).await?;
    let ids: Vec<&str> = page.orders.iter().map(|order| order.id.as_str()).collect();
    out += &format!("generate!  listed {} open order(s): {}", ids.len(), ids.join(", "));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn both_macro_clients_call_the_server() -> Result<(), Box<dyn Error>> {
        let (base_url, server) = server::start().await?;
        let summary = run(&base_url).await;
        server.abort();
        let summary = summary?;
        assert!(summary.contains("created ord_1 for 450 cents"), "{summary}");
        assert!(summary.contains("created ord_2 for 1350 cents"), "{summary}");
        assert!(summary.contains("listed 2 open order(s): ord_2, ord_1"), "{summary}");
        Ok(())
    }
}
