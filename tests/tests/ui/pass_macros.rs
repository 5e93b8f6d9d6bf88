// Both macros on the project's example document, with and without settings.

#[gusset::client(spec = "fixtures/orders.yaml")]
/// The shop, with a helper of our own next to the generated items.
pub mod orders {
    /// The user's own item is kept, and sees the generated ones.
    pub fn sandbox() -> &'static str {
        "http://127.0.0.1:8080"
    }

    pub fn draft() -> Option<Order> {
        None
    }
}

mod pinned {
    gusset::generate!("fixtures/orders.yaml", api_version = "2023-01-01", version_header = "X-Api-Version");
}

mod by_key {
    gusset::generate!(spec = "fixtures/orders.yaml");
}

/// Response types that can also be written, for a user's mock server.
mod both_ways {
    gusset::generate!("fixtures/orders.yaml", serde = "both");

    pub fn order_json(order: &Order) -> String {
        serde_json::to_string(order).unwrap_or_default()
    }
}

fn main() {
    let _: fn() -> Option<orders::Order> = orders::draft;
    let _ = orders::sandbox();
    let _: Option<pinned::Client> = None;
    let _: Option<by_key::NewOrder> = None;
    let _: Option<orders::Client> = None;
    let _: fn(&both_ways::Order) -> String = both_ways::order_json;
}
