//! A client generated with `Settings::dynamic_calls(true)` calls every operation by its id with
//! JSON arguments, through its typed methods, against a real server: the requests are the typed
//! ones, the typed responses and documented errors come back as JSON, and arguments that do not
//! fit are errors that name them, with nothing sent.

use gusset::dynamic::{Arguments, DynamicError, Location};
use gusset_tests::orders_server::OrdersServer;
use gusset_tests::snapshots::orders_dynamic as api;
use serde_json::json;

fn new_order() -> serde_json::Value {
    json!({"items": [{"sku": "mug", "quantity": 2, "unit_price": {"amount": 1250, "currency": "EUR"}}], "note": "fragile"})
}

#[test]
fn the_table_lists_every_operation_with_its_parameters_and_body() {
    let ids: Vec<&str> = api::Client::OPERATIONS.iter().map(|op| op.id).collect();
    assert_eq!(ids.len(), 7, "{ids:?}");
    for id in ["listOrders", "createOrder", "getOrder", "updateOrder", "cancelOrder", "createPayment", "getPayment"] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    let list = api::Client::OPERATIONS.iter().find(|op| op.id == "listOrders").unwrap();
    assert_eq!((list.method, list.path, list.method_name, list.body), ("GET", "/orders", "list_orders", None));
    let names: Vec<(Location, &str, bool)> = list.params.iter().map(|p| (p.location, p.name, p.required)).collect();
    assert_eq!(
        names,
        [(Location::Query, "status", false), (Location::Query, "limit", false), (Location::Query, "cursor", false)]
    );
    let create = api::Client::OPERATIONS.iter().find(|op| op.id == "createOrder").unwrap();
    assert_eq!(create.body, Some("application/json"));
}

#[tokio::test]
async fn calls_by_id_send_the_typed_requests_and_return_typed_json() -> Result<(), Box<dyn std::error::Error>> {
    let server = OrdersServer::start().await?;
    let client = api::Client::builder(server.base_url()).bearer_auth("test-token").build()?;

    let created = client.call_dynamic("createOrder", &Arguments::new().body(new_order())).await?;
    assert_eq!((created.status.as_u16(), created.is_error), (201, false));
    assert_eq!(created.body["total"], json!({"amount": 2500, "currency": "EUR"}));
    assert_eq!(created.body["status"], "open");
    let id = created.body["id"].as_str().unwrap().to_owned();
    let sent = server.seen().last().cloned().unwrap();
    assert_eq!((sent.method.as_str(), sent.uri.as_str()), ("POST", "/orders"));
    // The typed call's behaviour: an idempotency key on a POST, the document's version header.
    assert!(sent.headers.contains_key("idempotency-key"), "{:?}", sent.headers);
    assert_eq!(sent.headers.get("orders-version").map(String::as_str), Some("2024-06-01"));

    let fetched =
        client.call_dynamic("getOrder", &Arguments::new().param(Location::Path, "orderId", id.clone())).await?;
    assert_eq!(fetched.body["id"], json!(id));

    let args = Arguments::from_json(json!({"query": {"status": "open", "limit": 5}}))?;
    let page = client.call_dynamic("listOrders", &args).await?;
    assert_eq!(page.body["orders"].as_array().map(Vec::len), Some(1));
    assert_eq!(server.seen().last().unwrap().uri, "/orders?status=open&limit=5");

    // A documented error is a reply too, its typed body as JSON.
    let declined = client
        .call_dynamic("createPayment", &Arguments::new().body(json!({"order_id": id, "method": "bank_transfer"})))
        .await?;
    assert_eq!((declined.status.as_u16(), declined.is_error), (402, true));
    assert_eq!(declined.body["status"], 402);

    let cancelled = client.call_dynamic("cancelOrder", &Arguments::new().param(Location::Path, "orderId", id)).await?;
    assert_eq!((cancelled.status.as_u16(), cancelled.body.clone()), (204, serde_json::Value::Null));
    Ok(())
}

#[tokio::test]
async fn arguments_that_do_not_fit_are_named_and_nothing_is_sent() -> Result<(), Box<dyn std::error::Error>> {
    let server = OrdersServer::start().await?;
    let client = api::Client::builder(server.base_url()).bearer_auth("test-token").build()?;

    let wrong = Arguments::new().param(Location::Query, "limit", "ten");
    let err = client.call_dynamic("listOrders", &wrong).await.unwrap_err();
    let DynamicError::Argument { operation, error } = &err else { panic!("{err:?}") };
    assert_eq!((*operation, error.argument()), ("listOrders", "query parameter `limit`"));
    assert!(err.to_string().starts_with("`listOrders`: query parameter `limit` invalid type: string \"ten\""), "{err}");

    let unknown = Arguments::new().param(Location::Query, "limt", 5);
    let err = client.call_dynamic("listOrders", &unknown).await.unwrap_err();
    assert_eq!(err.to_string(), "`listOrders`: query parameter `limt` is not a parameter of this operation");

    let err = client.call_dynamic("getOrder", &Arguments::new()).await.unwrap_err();
    assert_eq!(err.to_string(), "`getOrder`: path parameter `orderId` is required");

    let err = client.call_dynamic("createOrder", &Arguments::new().body(json!({"items": "mug"}))).await.unwrap_err();
    assert!(err.to_string().starts_with("`createOrder`: body invalid type: string \"mug\""), "{err}");

    let err = client.call_dynamic("deleteEverything", &Arguments::new()).await.unwrap_err();
    assert_eq!(err.to_string(), "no operation has the id `deleteEverything`");

    assert!(server.seen().is_empty(), "{:?}", server.seen());
    Ok(())
}
