//! The client generated from `fixtures/pagination.yaml` (the snapshot `src/lib.rs` compiles)
//! pages through a real server on 127.0.0.1 that pages as the document says, in each pattern:
//! every item comes once, in order, and the listing stops at the end.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use gusset::{StreamExt as _, TryStreamExt as _};
use gusset_tests::snapshots::pagination as api;
use serde_json::json;

type Q = Query<BTreeMap<String, String>>;
type Seen = Arc<Mutex<Vec<String>>>;

const TOTAL: usize = 7;

fn number(q: &BTreeMap<String, String>, name: &str, default: usize) -> usize {
    q.get(name).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn record(seen: &Seen, path: &str, q: &BTreeMap<String, String>) {
    let query: Vec<String> = q.iter().map(|(k, v)| format!("{k}={v}")).collect();
    seen.lock().unwrap().push(format!("{path}?{}", query.join("&")));
}

async fn events(State(seen): State<Seen>, Query(q): Q) -> Response {
    record(&seen, "/events", &q);
    let (page, per_page) = (number(&q, "page", 1), number(&q, "per_page", 30));
    let start = (page - 1) * per_page;
    let items: Vec<_> = (start..TOTAL.min(start + per_page)).map(|id| json!({ "id": id })).collect();
    let mut headers = HeaderMap::new();
    if start + per_page < TOTAL {
        let link = format!("</events?page={}&per_page={per_page}>; rel=\"next\"", page + 1);
        headers.insert("link", link.parse().unwrap());
    }
    (headers, axum::Json(items)).into_response()
}

async fn customers(State(seen): State<Seen>, Query(q): Q) -> Response {
    record(&seen, "/customers", &q);
    let limit = number(&q, "limit", 10);
    let start = q.get("starting_after").map_or(0, |id| id.trim_start_matches("cus_").parse::<usize>().unwrap() + 1);
    let data: Vec<_> = (start..TOTAL.min(start + limit)).map(|i| json!({ "id": format!("cus_{i}") })).collect();
    axum::Json(json!({ "object": "list", "data": data, "has_more": start + limit < TOTAL })).into_response()
}

async fn messages(State(seen): State<Seen>, Query(q): Q) -> Response {
    record(&seen, "/messages", &q);
    let limit = number(&q, "limit", 10);
    let start = q.get("cursor").map_or(0, |c| c.strip_prefix("at:").unwrap().parse().unwrap());
    let end = TOTAL.min(start + limit);
    let messages: Vec<_> = (start..end).map(|i| json!({ "ts": i.to_string() })).collect();
    // Like Slack: an empty string, not an absent field, on the last page.
    let next = if end < TOTAL { format!("at:{end}") } else { String::new() };
    axum::Json(json!({ "ok": true, "messages": messages, "response_metadata": { "next_cursor": next } }))
        .into_response()
}

async fn invoices(State(seen): State<Seen>, Query(q): Q) -> Response {
    record(&seen, "/invoices", &q);
    let (offset, limit) = (number(&q, "offset", 0), number(&q, "limit", 10));
    let items: Vec<_> = (offset..TOTAL.min(offset + limit)).map(|n| json!({ "number": n })).collect();
    axum::Json(json!({ "total": TOTAL, "items": items })).into_response()
}

async fn products(State(seen): State<Seen>, Query(q): Q) -> Response {
    record(&seen, "/products", &q);
    let (page, size) = (number(&q, "page", 0), number(&q, "page_size", 10));
    let results: Vec<_> =
        (page * size..TOTAL.min(page * size + size)).map(|i| json!({ "sku": format!("p{i}") })).collect();
    axum::Json(json!({ "page": page, "results": results })).into_response()
}

async fn contacts(State(seen): State<Seen>, Query(q): Q) -> Response {
    record(&seen, "/contacts", &q);
    let start: usize = q.get("after").map_or(0, |a| a.parse().unwrap());
    let end = TOTAL.min(start + 3);
    let results: Vec<_> = (start..end).map(|i| json!({ "id": i.to_string() })).collect();
    let paging = if end < TOTAL { json!({ "next": { "after": end.to_string() } }) } else { json!({}) };
    axum::Json(json!({ "results": results, "paging": paging })).into_response()
}

async fn calls(State(seen): State<Seen>, Query(q): Q) -> Response {
    record(&seen, "/calls", &q);
    let (page, size) = (number(&q, "Page", 0), number(&q, "PageSize", 50));
    if page > 0 {
        assert_eq!(q.get("PageToken"), Some(&format!("PA{page}")), "only the server's link is followed");
    }
    let sids: Vec<_> =
        (page * size..TOTAL.min(page * size + size)).map(|i| json!({ "sid": format!("CA{i}") })).collect();
    let next = ((page + 1) * size < TOTAL)
        .then(|| format!("/calls?PageSize={size}&Page={}&PageToken=PA{}", page + 1, page + 1));
    axum::Json(json!({ "calls": sids, "meta": { "page": page, "next_page_url": next } })).into_response()
}

async fn start() -> (api::Client, Seen) {
    let seen: Seen = Arc::default();
    let app = Router::new()
        .route("/events", get(events))
        .route("/customers", get(customers))
        .route("/messages", get(messages))
        .route("/invoices", get(invoices))
        .route("/products", get(products))
        .route("/contacts", get(contacts))
        .route("/calls", get(calls))
        .with_state(Arc::clone(&seen));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (api::Client::builder(url).build().unwrap(), seen)
}

fn taken(seen: &Seen) -> Vec<String> {
    std::mem::take(&mut *seen.lock().unwrap())
}

#[tokio::test]
async fn every_pattern_pages_through_the_whole_listing() {
    let (client, seen) = start().await;

    let params = api::ListEventsParams { per_page: Some(3), page: None };
    let events: Vec<i64> = client.list_events(&params).items().map_ok(|e| e.id).try_collect().await.unwrap();
    assert_eq!(events, [0, 1, 2, 3, 4, 5, 6]);
    assert_eq!(taken(&seen), ["/events?per_page=3", "/events?page=2&per_page=3", "/events?page=3&per_page=3"]);

    let params = api::ListCustomersParams { limit: Some(3), starting_after: None };
    let customers: Vec<String> = client.list_customers(&params).items().map_ok(|c| c.id).try_collect().await.unwrap();
    assert_eq!(customers, (0..TOTAL).map(|i| format!("cus_{i}")).collect::<Vec<_>>());
    assert_eq!(taken(&seen).len(), 3);

    let params = api::ListMessagesParams { cursor: None, limit: Some(4) };
    let pages: Vec<_> = client.list_messages("general", &params).pages().try_collect().await.unwrap();
    assert_eq!(pages.iter().map(|p| p.messages.as_ref().unwrap().len()).collect::<Vec<_>>(), [4, 3]);
    assert_eq!(taken(&seen), ["/messages?channel=general&limit=4", "/messages?channel=general&cursor=at:4&limit=4"]);

    let params = api::ListInvoicesParams { offset: None, limit: Some(2) };
    let invoices: Vec<i64> = client.list_invoices(&params).items().map_ok(|i| i.number).try_collect().await.unwrap();
    assert_eq!(invoices, [0, 1, 2, 3, 4, 5, 6]);
    assert_eq!(taken(&seen).len(), 4, "the short fourth page is the last");

    // Zero-based pages (the parameter's minimum is 0), of a size that divides the listing: the
    // empty page after it ends it.
    let params = api::ListProductsParams { page: None, page_size: Some(7) };
    let products: Vec<String> = client.list_products(&params).items().map_ok(|p| p.sku).try_collect().await.unwrap();
    assert_eq!(products.len(), TOTAL);
    assert_eq!(taken(&seen), ["/products?page_size=7", "/products?page=1&page_size=7"]);

    let params = api::ListCallsParams { page_size: Some(4), ..Default::default() };
    let calls: Vec<String> = client.list_calls(&params).items().map_ok(|c| c.sid).try_collect().await.unwrap();
    assert_eq!(calls, (0..TOTAL).map(|i| format!("CA{i}")).collect::<Vec<_>>());
    assert_eq!(taken(&seen), ["/calls?PageSize=4", "/calls?Page=1&PageSize=4&PageToken=PA1"]);

    let contacts: Vec<String> =
        client.list_contacts(&Default::default()).items().map_ok(|c| c.id).try_collect().await.unwrap();
    assert_eq!(contacts.len(), TOTAL);
    assert_eq!(taken(&seen), ["/contacts?", "/contacts?after=3", "/contacts?after=6"]);
}

#[tokio::test]
async fn awaiting_gives_one_page_and_a_stream_can_stop_early() {
    let (client, seen) = start().await;
    let params = api::ListInvoicesParams { offset: Some(2), limit: Some(2) };
    let page = client.list_invoices(&params).await.unwrap();
    assert_eq!(page.items.as_ref().map(Vec::len), Some(2));
    assert_eq!(taken(&seen), ["/invoices?limit=2&offset=2"]);

    // Taking three items fetches only the pages they are on.
    let params = api::ListInvoicesParams { offset: None, limit: Some(2) };
    let first: Vec<_> = client.list_invoices(&params).items().take(3).collect().await;
    assert_eq!(first.len(), 3);
    assert_eq!(taken(&seen).len(), 2);

    // Operations the document does not page return plain calls.
    let _: gusset::Call<'_, Vec<String>, _> = client.list_tags(&Default::default());
}
