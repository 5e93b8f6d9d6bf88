//! The same document through the three routes (build script, `generate!`,
//! `#[client]`) gives clients that call a real server correctly, and the same
//! code.

use gusset_tests::orders_server::OrdersServer;
use gusset_tests::{via_attribute, via_build, via_macro};

/// One scenario, written once and run against each route's client: the
/// generated types differ per route, so a macro stamps the test out.
macro_rules! scenario {
    ($test:ident, $api:ident) => {
        #[tokio::test]
        async fn $test() -> Result<(), Box<dyn std::error::Error>> {
            use $api as api;
            let server = OrdersServer::start().await?;
            let client = api::Client::builder(server.base_url()).bearer_auth("test-token").build()?;

            let new = api::NewOrder {
                items: vec![api::LineItem {
                    sku: "mug".into(),
                    quantity: 2,
                    unit_price: api::Money { amount: 1250, currency: "EUR".into() },
                }],
                shipping_address: None,
                note: Some("fragile".into()),
                metadata: None,
            };
            let created = client.create_order(&new).idempotency_key("order-42").await?;
            assert_eq!(created.status(), 201);
            let order = created.into_inner();
            assert_eq!(order.status, api::OrderStatus::Open);
            assert_eq!(order.total.amount, 2500);

            // Retrying the same logical call with the same key replays it.
            let again = client.create_order(&new).idempotency_key("order-42").await?;
            assert_eq!(again.id, order.id);
            assert_eq!(server.effects(), 1);

            let fetched = client.get_order(&order.id).await?;
            assert_eq!(fetched.id, order.id);

            let page = client
                .list_orders(&api::ListOrdersParams {
                    status: Some(api::OrderStatus::Open),
                    limit: Some(5),
                    cursor: None,
                })
                .await?;
            assert_eq!(page.orders.len(), 1);
            assert_eq!(page.next_cursor, None);

            let update = api::OrderUpdate { note: Some("leave at the door".into()), shipping_address: None };
            let updated = client.update_order(&order.id, &update).await?;
            assert_eq!(updated.note.as_deref(), Some("leave at the door"));

            let declined = client
                .create_payment(&api::NewPayment {
                    order_id: order.id.clone(),
                    method: api::NewPaymentMethod::BankTransfer,
                    amount: None,
                })
                .await
                .expect_err("bank transfers are declined");
            assert_eq!(declined.status().map(|s| s.as_u16()), Some(402));
            let problem = declined.api_error().expect("a typed problem body");
            assert_eq!(problem.status, 402);
            assert!(!declined.correlation_id().is_empty());

            let paid = client
                .create_payment(&api::NewPayment {
                    order_id: order.id.clone(),
                    method: api::NewPaymentMethod::Card,
                    amount: None,
                })
                .await?;
            assert_eq!(paid.amount.amount, 2500);

            let cancelled = client.cancel_order(&order.id, &api::CancelOrderParams::default()).await?;
            assert_eq!(cancelled.status(), 204);
            let missing = client.get_order("nope").await.expect_err("unknown order");
            assert_eq!(missing.status().map(|s| s.as_u16()), Some(404));

            // What went over the wire.
            let seen = server.seen();
            let posts: Vec<_> = seen.iter().filter(|s| s.method == "POST").collect();
            assert!(posts.iter().all(|s| s.headers.contains_key("idempotency-key")), "{posts:#?}");
            assert!(seen.iter().all(|s| s.headers.get("orders-version").map(String::as_str) == Some("2024-06-01")));
            assert!(
                seen.iter().all(|s| s.headers.get("authorization").map(String::as_str) == Some("Bearer test-token"))
            );
            assert!(
                seen.iter().all(|s| s.headers.contains_key("x-request-id") && s.headers.contains_key("traceparent"))
            );
            let list = seen.iter().find(|s| s.method == "GET" && s.uri.starts_with("/orders?")).expect("list call");
            assert_eq!(list.uri, "/orders?status=open&limit=5");
            Ok(())
        }
    };
}

scenario!(build_script_route_calls_the_server, via_build);
scenario!(generate_macro_route_calls_the_server, via_macro);
scenario!(client_attribute_route_calls_the_server, via_attribute);

#[test]
fn the_attribute_route_keeps_the_users_items() {
    assert_eq!(via_attribute::default_order_note(), "left at the door");
}

#[test]
fn the_build_script_writes_exactly_what_the_library_generates() {
    let built = include_str!(concat!(env!("OUT_DIR"), "/orders.rs"));
    let generated = gusset_codegen::generate(
        concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/orders.yaml"),
        &gusset_codegen::Settings::new(),
    )
    .unwrap();
    assert_eq!(built, generated.code());
}

#[test]
fn the_macro_route_expands_to_the_same_items_as_the_other_routes() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/orders.yaml");
    let tokens = gusset_codegen::generate_tokens(path, &gusset_codegen::Settings::new()).unwrap();
    let from_tokens: syn::File = syn::parse2(tokens.tokens().clone()).unwrap();
    let built: syn::File = syn::parse_str(include_str!(concat!(env!("OUT_DIR"), "/orders.rs"))).unwrap();
    // Both through the same printer: literal spellings (raw or not) and
    // trailing commas differ between tokens and formatted text, items do not.
    assert_eq!(prettyplease::unparse(&from_tokens), prettyplease::unparse(&built));
}
