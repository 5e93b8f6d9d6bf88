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

/// What `generate!` and `#[client]` expand to, made by the macros' own
/// expansion code while this file compiles (the functions the two macros
/// call), not by calling the generator again.
const GENERATE_EXPANSION: &str = gusset_macros::__expansion!(generate!("fixtures/orders.yaml"));
const CLIENT_EXPANSION: &str = gusset_macros::__expansion!(
    #[client(spec = "fixtures/orders.yaml")]
    pub mod orders {
        pub fn mine() {}
    }
);

const DOCUMENT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/orders.yaml");

/// The build-script route's file, as items.
fn built() -> syn::File {
    syn::parse_str(include_str!(concat!(env!("OUT_DIR"), "/orders.rs"))).unwrap()
}

/// Splits off the `const _: &[u8] = include_bytes!("<file>");` items the
/// macros add so cargo rebuilds when a document changes, returning the
/// files they track.
fn split_tracking(items: Vec<syn::Item>) -> (Vec<syn::Item>, Vec<String>) {
    let mut tracked = Vec::new();
    let mut rest = Vec::new();
    for item in items {
        match tracked_file(&item) {
            Some(file) => tracked.push(file),
            None => rest.push(item),
        }
    }
    (rest, tracked)
}

/// The file a `const _: &[u8] = include_bytes!("<file>");` item tracks.
fn tracked_file(item: &syn::Item) -> Option<String> {
    let syn::Item::Const(c) = item else { return None };
    let syn::Expr::Macro(m) = &*c.expr else { return None };
    let include = c.ident == "_" && m.mac.path.segments.last().is_some_and(|s| s.ident == "include_bytes");
    include.then(|| m.mac.parse_body::<syn::LitStr>().unwrap().value())
}

/// Items through one printer: literal spellings (raw or not) and trailing
/// commas differ between tokens and formatted text, items do not.
fn unparse(items: Vec<syn::Item>) -> String {
    prettyplease::unparse(&syn::File { shebang: None, attrs: Vec::new(), items })
}

fn attributes(attrs: &[syn::Attribute]) -> String {
    attrs.iter().map(|a| quote::ToTokens::to_token_stream(a).to_string()).collect::<Vec<_>>().join("\n")
}

#[test]
fn the_generate_macro_expands_to_the_build_scripts_items() {
    let expanded: syn::File = syn::parse_str(GENERATE_EXPANSION).unwrap();
    // Inner attributes cannot be expanded into the caller's scope.
    assert!(expanded.attrs.is_empty());
    let (items, tracked) = split_tracking(expanded.items);
    assert_eq!(tracked, [DOCUMENT], "the document is tracked for rebuilds");
    assert_eq!(unparse(items), unparse(built().items));
}

#[test]
fn the_client_attribute_expands_to_the_users_items_then_the_build_scripts() {
    let module: syn::ItemMod = syn::parse_str(CLIENT_EXPANSION).unwrap();
    assert_eq!(module.ident, "orders");
    let built = built();
    // The file's inner attributes (lint allowances, docs) apply to the module.
    let inner: Vec<_> = module.attrs.iter().filter(|a| matches!(a.style, syn::AttrStyle::Inner(_))).cloned().collect();
    assert_eq!(attributes(&inner), attributes(&built.attrs));
    let mut items = module.content.unwrap().1;
    let users = items.remove(0);
    assert!(matches!(&users, syn::Item::Fn(f) if f.sig.ident == "mine"), "the user's item comes first");
    let (items, tracked) = split_tracking(items);
    assert_eq!(tracked, [DOCUMENT], "the document is tracked for rebuilds");
    assert_eq!(unparse(items), unparse(built.items));
}
