//! Paginated listings against a real server on 127.0.0.1 serving pages in each pattern the
//! runtime follows: `Link` headers, cursors, `has_more` with the last item's id, offset/limit and
//! page numbers; and the ends of a listing: the last page, an empty page, a repeated cursor, an
//! error, and a page that succeeds only when retried.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use gusset::__private as rt;
use gusset::{Paged, StreamExt as _, TryStreamExt as _};
use support::{Recorded, Reply, Server};

static API: rt::ApiInfo = rt::ApiInfo {
    title: "Listings",
    api_version: "1",
    version_header: None,
    client_name: "listings-client",
    client_version: "0.1.0",
    servers: &[],
    security_schemes: &[],
};

static LIST: rt::Operation = rt::Operation {
    id: "listThings",
    method: rt::http::Method::GET,
    path: "/things",
    idempotency: rt::Idempotency::Default,
    security: &[],
};

static LINK: rt::Pagination = rt::Pagination { next: rt::Next::Link, items: "" };
static CURSOR: rt::Pagination = rt::Pagination {
    next: rt::Next::Cursor { param: "cursor", from: rt::CursorFrom::Field("/meta/next_cursor"), has_more: None },
    items: "/data",
};
static STARTING_AFTER: rt::Pagination = rt::Pagination {
    next: rt::Next::Cursor {
        param: "starting_after",
        from: rt::CursorFrom::LastItem("/id"),
        has_more: Some("/has_more"),
    },
    items: "/data",
};
static BODY_LINK: rt::Pagination = rt::Pagination { next: rt::Next::BodyLink("/meta/next_page_url"), items: "/things" };
static OFFSET: rt::Pagination =
    rt::Pagination { next: rt::Next::Offset { param: "offset", limit: Some("limit") }, items: "/items" };
static PAGE: rt::Pagination =
    rt::Pagination { next: rt::Next::Page { param: "page", first: 1, size: Some("per_page") }, items: "/items" };

type Value = rt::serde_json::Value;

#[derive(Debug, Clone, PartialEq, rt::serde::Deserialize)]
#[serde(crate = "gusset::__private::serde")]
struct Thing {
    id: String,
}

/// What a generated method of a paginated operation does: fill the request, wrap the call.
fn list<'a>(
    client: &'a gusset::Client,
    query: &[(&str, &str)],
    pagination: &'static rt::Pagination,
) -> Paged<'a, Value, Value, Thing> {
    let mut request = rt::Request::new(&LIST);
    for (name, value) in query {
        request.query(name, value, rt::Style::Form, true);
    }
    rt::paged(rt::call(client, request, rt::decode_json, rt::decode_value), pagination)
}

#[derive(Debug, Clone)]
struct Plain {
    inner: gusset::Client,
}

impl rt::GeneratedClient for Plain {
    fn from_client(client: gusset::Client) -> Self {
        Plain { inner: client }
    }
}

fn client(server: &Server) -> gusset::Client {
    let policy = gusset::RetryPolicy::default().base_delay(std::time::Duration::from_millis(1));
    rt::builder::<Plain>(&API, server.url()).retry(policy).build().unwrap().inner
}

fn things(ids: &[&str]) -> String {
    let items: Vec<String> = ids.iter().map(|id| format!(r#"{{"id":"{id}"}}"#)).collect();
    format!("[{}]", items.join(","))
}

async fn ids(listing: Paged<'_, Value, Value, Thing>) -> Vec<String> {
    listing.items().map_ok(|t| t.id).try_collect().await.unwrap()
}

fn targets(server: &Server) -> Vec<String> {
    server.requests().into_iter().map(|r| r.target).collect()
}

/// The trace id of a request's `traceparent`.
fn trace(r: &Recorded) -> String {
    r.header("traceparent").unwrap().split('-').nth(1).unwrap().to_owned()
}

#[tokio::test]
async fn link_headers_relative_and_absolute_until_no_next() {
    let server = Server::start(vec![
        Reply::json(200, &things(&["a", "b"]))
            .header("link", r#"</things?page=2&per_page=2>; rel="next", </things?page=9>; rel="last""#),
    ])
    .await;
    let absolute = format!(r#"<{}/things?page=3&per_page=2>; rel="next""#, server.url());
    server.push(Reply::json(200, &things(&["c", "d"])).header("link", &absolute));
    server.push(Reply::json(200, &things(&["e"])).header("link", r#"</things?page=2>; rel="prev""#));
    let client = client(&server);

    assert_eq!(ids(list(&client, &[("per_page", "2")], &LINK)).await, ["a", "b", "c", "d", "e"]);
    assert_eq!(targets(&server), ["/things?per_page=2", "/things?page=2&per_page=2", "/things?page=3&per_page=2"]);

    let requests = server.requests();
    let correlation: std::collections::BTreeSet<_> = requests.iter().map(|r| r.header("x-request-id")).collect();
    assert_eq!(correlation.len(), 3, "one correlation id per page: {correlation:?}");
    assert!(requests.iter().all(|r| trace(r) == trace(&requests[0])), "the pages share a trace");
    assert_eq!(trace(&requests[0]), requests[0].header("x-request-id").unwrap().replace('-', ""));
}

#[tokio::test]
async fn links_in_the_body_until_null() {
    let server = Server::start(vec![Reply::json(
        200,
        &format!(r#"{{"things":{},"meta":{{"next_page_url":"/things?Page=1&PageToken=PA1"}}}}"#, things(&["a"])),
    )])
    .await;
    let absolute = format!("{}/things?Page=2&PageToken=PA2", server.url());
    server
        .push(Reply::json(200, &format!(r#"{{"things":{},"meta":{{"next_page_url":"{absolute}"}}}}"#, things(&["b"]))));
    server.push(Reply::json(200, &format!(r#"{{"things":{},"meta":{{"next_page_url":null}}}}"#, things(&["c"]))));
    let client = client(&server);
    assert_eq!(ids(list(&client, &[("PageSize", "1")], &BODY_LINK)).await, ["a", "b", "c"]);
    assert_eq!(
        targets(&server),
        ["/things?PageSize=1", "/things?Page=1&PageToken=PA1", "/things?Page=2&PageToken=PA2"]
    );
}

#[tokio::test]
async fn a_link_to_another_origin_is_not_followed() {
    let server = Server::start(vec![
        Reply::json(200, &things(&["a"])).header("link", r#"<http://192.0.2.1/steal>; rel="next""#),
    ])
    .await;
    let client = client(&server);
    assert_eq!(ids(list(&client, &[], &LINK)).await, ["a"]);
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn cursor_in_a_nested_field_until_it_is_null() {
    let server = Server::start(vec![
        Reply::json(200, &format!(r#"{{"data":{},"meta":{{"next_cursor":"c 2&"}}}}"#, things(&["a", "b"]))),
        Reply::json(200, &format!(r#"{{"data":{},"meta":{{"next_cursor":"c3"}}}}"#, things(&["c"]))),
        Reply::json(200, &format!(r#"{{"data":{},"meta":{{"next_cursor":null}}}}"#, things(&["d"]))),
    ])
    .await;
    let client = client(&server);
    let pages: Vec<_> = list(&client, &[("limit", "2")], &CURSOR).pages().try_collect().await.unwrap();
    assert_eq!(pages.len(), 3);
    assert_eq!(pages[2]["data"][0]["id"], "d", "each page is the decoded body");
    assert_eq!(targets(&server), ["/things?limit=2", "/things?limit=2&cursor=c%202%26", "/things?limit=2&cursor=c3"]);
    let ids: Vec<_> = pages.iter().map(|p| p.correlation_id().to_owned()).collect();
    assert!(ids[0] != ids[1] && ids[1] != ids[2], "{ids:?}");
}

#[tokio::test]
async fn has_more_with_the_last_items_id() {
    let server = Server::start(vec![
        Reply::json(200, &format!(r#"{{"data":{},"has_more":true}}"#, things(&["a", "b"]))),
        Reply::json(200, &format!(r#"{{"data":{},"has_more":false}}"#, things(&["c"]))),
    ])
    .await;
    let client = client(&server);
    assert_eq!(ids(list(&client, &[], &STARTING_AFTER)).await, ["a", "b", "c"]);
    assert_eq!(targets(&server), ["/things", "/things?starting_after=b"]);
}

#[tokio::test]
async fn offset_and_limit_until_a_short_page() {
    let server = Server::start(vec![
        Reply::json(200, &format!(r#"{{"items":{}}}"#, things(&["a", "b"]))),
        Reply::json(200, &format!(r#"{{"items":{}}}"#, things(&["c", "d"]))),
        Reply::json(200, &format!(r#"{{"items":{}}}"#, things(&["e"]))),
    ])
    .await;
    let client = client(&server);
    assert_eq!(ids(list(&client, &[("limit", "2")], &OFFSET)).await, ["a", "b", "c", "d", "e"]);
    assert_eq!(targets(&server), ["/things?limit=2", "/things?limit=2&offset=2", "/things?limit=2&offset=4"]);
}

#[tokio::test]
async fn page_numbers_until_an_empty_page() {
    let server = Server::start(vec![
        Reply::json(200, &format!(r#"{{"items":{}}}"#, things(&["a", "b"]))),
        Reply::json(200, &format!(r#"{{"items":{}}}"#, things(&["c", "d"]))),
        Reply::json(200, r#"{"items":[]}"#),
        Reply::json(200, &format!(r#"{{"items":{}}}"#, things(&["never"]))),
    ])
    .await;
    let client = client(&server);
    // The caller starts at page 4 with pages of two.
    let listing = list(&client, &[("page", "4"), ("per_page", "2")], &PAGE);
    assert_eq!(ids(listing).await, ["a", "b", "c", "d"]);
    assert_eq!(
        targets(&server),
        ["/things?page=4&per_page=2", "/things?per_page=2&page=5", "/things?per_page=2&page=6"]
    );
}

#[tokio::test]
async fn an_empty_page_ends_a_cursor_listing_that_still_has_a_cursor() {
    let server = Server::start(vec![
        Reply::json(200, &format!(r#"{{"data":{},"meta":{{"next_cursor":"c2"}}}}"#, things(&["a"]))),
        Reply::json(200, r#"{"data":[],"meta":{"next_cursor":"c3"}}"#),
    ])
    .await;
    server.fallback(Reply::json(200, &format!(r#"{{"data":{},"meta":{{"next_cursor":"c4"}}}}"#, things(&["z"]))));
    let client = client(&server);
    assert_eq!(ids(list(&client, &[], &CURSOR)).await, ["a"]);
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_repeated_cursor_ends_the_listing() {
    let server = Server::start(vec![
        Reply::json(200, &format!(r#"{{"data":{},"meta":{{"next_cursor":"c1"}}}}"#, things(&["a"]))),
        Reply::json(200, &format!(r#"{{"data":{},"meta":{{"next_cursor":"c2"}}}}"#, things(&["b"]))),
    ])
    .await;
    // A buggy server: from here on it always points back at the second page.
    server.fallback(Reply::json(200, &format!(r#"{{"data":{},"meta":{{"next_cursor":"c1"}}}}"#, things(&["b"]))));
    let client = client(&server);
    assert_eq!(ids(list(&client, &[], &CURSOR)).await, ["a", "b", "b"]);
    assert_eq!(targets(&server), ["/things", "/things?cursor=c1", "/things?cursor=c2"]);

    // The same for links.
    let server = Server::start(vec![]).await;
    server.fallback(Reply::json(200, &things(&["x"])).header("link", r#"</things?page=2>; rel="next""#));
    let client2 = self::client(&server);
    assert_eq!(ids(list(&client2, &[], &LINK)).await, ["x", "x"]);
    assert_eq!(targets(&server), ["/things", "/things?page=2"]);
}

#[tokio::test]
async fn a_page_is_retried_with_its_own_ids_and_the_listing_goes_on() {
    let server = Server::start(vec![
        Reply::json(200, &format!(r#"{{"data":{},"meta":{{"next_cursor":"c2"}}}}"#, things(&["a"]))),
        Reply::status(503),
        Reply::json(200, &format!(r#"{{"data":{},"meta":{{}}}}"#, things(&["b"]))),
    ])
    .await;
    let client = client(&server);
    let pages: Vec<_> = list(&client, &[], &CURSOR).pages().try_collect().await.unwrap();
    assert_eq!((pages.len(), pages[0].attempts(), pages[1].attempts()), (2, 1, 2));
    let requests = server.requests();
    assert_eq!(targets(&server), ["/things", "/things?cursor=c2", "/things?cursor=c2"]);
    assert_eq!(
        requests[1].header("x-request-id"),
        requests[2].header("x-request-id"),
        "one id per page, across retries"
    );
    assert_ne!(requests[0].header("x-request-id"), requests[1].header("x-request-id"));
    assert_eq!(requests[2].header("gusset-attempt"), Some("2; max=3"));
    assert!(requests.iter().all(|r| trace(r) == trace(&requests[0])));
    assert_eq!(pages[1].correlation_id(), requests[2].header("x-request-id").unwrap());
}

#[tokio::test]
async fn an_error_page_ends_the_listing_with_the_typed_error() {
    let server = Server::start(vec![
        Reply::json(200, &format!(r#"{{"data":{},"meta":{{"next_cursor":"c2"}}}}"#, things(&["a"]))),
        Reply::json(404, r#"{"message":"cursor expired"}"#),
    ])
    .await;
    server.fallback(Reply::json(200, &format!(r#"{{"data":{},"meta":{{"next_cursor":"c9"}}}}"#, things(&["z"]))));
    let client = client(&server);
    let mut items = list(&client, &[], &CURSOR).items();
    assert_eq!(items.try_next().await.unwrap().map(|t| t.id).as_deref(), Some("a"));
    let error = items.try_next().await.unwrap_err();
    assert_eq!(error.api_error().map(|b| b["message"].clone()), Some("cursor expired".into()));
    assert!(items.next().await.is_none(), "the listing is over");
    assert_eq!(server.requests().len(), 2);

    // Items that do not decode are a decode error naming where the items are.
    let server = Server::start(vec![Reply::json(200, r#"{"data":[{"id":1}],"meta":{}}"#)]).await;
    let client = self::client(&server);
    let error = list(&client, &[], &CURSOR).items().try_next().await.unwrap_err();
    assert!(matches!(&error, gusset::Error::Decode { message, .. } if message.contains("`/data`")), "{error:?}");
}

#[tokio::test]
async fn awaiting_a_listing_gives_the_first_page_and_settings_apply_to_every_page() {
    let server = Server::start(vec![
        Reply::json(200, &format!(r#"{{"data":{},"meta":{{"next_cursor":"c2"}}}}"#, things(&["a"]))),
        Reply::json(200, &format!(r#"{{"data":{},"meta":{{"next_cursor":"c2"}}}}"#, things(&["a"]))),
        Reply::json(200, &format!(r#"{{"data":{},"meta":{{}}}}"#, things(&["b"]))),
    ])
    .await;
    let client = client(&server);
    let first = list(&client, &[], &CURSOR).await.unwrap();
    assert_eq!(first["meta"]["next_cursor"], "c2");
    assert_eq!(server.requests().len(), 1);

    let listing = list(&client, &[], &CURSOR).correlation_id("listing-1").header("X-Tenant", "acme");
    assert_eq!(ids(listing).await, ["a", "b"]);
    let requests = &server.requests()[1..];
    assert_eq!(requests[0].header("x-request-id"), Some("listing-1"));
    assert_ne!(requests[1].header("x-request-id"), Some("listing-1"));
    assert!(requests.iter().all(|r| r.header("x-tenant") == Some("acme")));
    assert_eq!(trace(&requests[0]), trace(&requests[1]));
}
