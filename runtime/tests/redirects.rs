//! Redirects, against real servers on 127.0.0.1: the client follows them (GitHub's archive
//! downloads answer only with a 302 elsewhere), and no credential goes to a host the caller did
//! not name.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use gusset::Error;
use support::{Reply, Server};

/// A client whose document puts its API key in `X-Api-Key`, and takes bearer tokens too.
mod keyed {
    use gusset::__private as rt;

    static SCHEMES: [rt::SecurityScheme; 2] = [
        rt::SecurityScheme {
            name: "key",
            kind: rt::SchemeKind::ApiKey { location: rt::ApiKeyLocation::Header, name: "X-Api-Key" },
        },
        rt::SecurityScheme { name: "token", kind: rt::SchemeKind::Bearer },
    ];

    pub(crate) static API: rt::ApiInfo = rt::ApiInfo {
        title: "Archives",
        api_version: "1",
        version_header: None,
        client_name: "archives-client",
        client_version: "0.1.0",
        servers: &[],
        security_schemes: &SCHEMES,
    };

    static DOWNLOAD: rt::Operation = rt::Operation {
        id: "download",
        method: rt::http::Method::GET,
        path: "/archive",
        idempotency: rt::Idempotency::Default,
        security: &[&["key"], &["token"]],
    };

    pub(crate) struct Client(gusset::Client);

    impl rt::GeneratedClient for Client {
        fn from_client(client: gusset::Client) -> Self {
            Self(client)
        }
    }

    impl Client {
        pub(crate) fn builder(base_url: impl Into<String>) -> gusset::ClientBuilder<Self> {
            rt::builder(&API, base_url)
        }

        /// What codegen makes of an operation that answers only with a redirect: the bytes it
        /// leads to.
        pub(crate) fn download(&self) -> gusset::Call<'_, rt::bytes::Bytes, serde_json::Value> {
            rt::call(&self.0, rt::Request::new(&DOWNLOAD), rt::decode_bytes, rt::decode_value)
        }
    }
}

/// The same server by another name: another origin to the client.
fn elsewhere(server: &Server) -> String {
    format!("http://localhost:{}", server.addr.port())
}

#[tokio::test]
async fn a_redirect_is_followed_and_a_bearer_token_stays_behind() {
    let (api, files) = (Server::start(vec![]).await, Server::start(vec![]).await);
    api.fallback(Reply::status(302).header("location", &format!("{}/files/a.tar.gz?sig=1", elsewhere(&files))));
    files.fallback(Reply::json(200, "tar-bytes"));
    let client = keyed::Client::builder(api.url()).bearer_auth("tok-secret").build().unwrap();

    let archive = client.download().await.unwrap();
    assert_eq!(archive.status(), 200);
    assert_eq!(&archive.into_inner()[..], b"tar-bytes");
    assert_eq!(api.requests()[0].header("authorization"), Some("Bearer tok-secret"));
    let fetched = &files.requests()[0];
    assert_eq!(fetched.target, "/files/a.tar.gz?sig=1");
    assert_eq!(fetched.header("authorization"), None, "reqwest drops Authorization for another host");
}

#[tokio::test]
async fn a_key_in_a_header_of_its_own_is_not_carried_to_another_host() {
    let (api, files) = (Server::start(vec![]).await, Server::start(vec![]).await);
    let location = format!("{}/files/a.tar.gz", elsewhere(&files));
    api.fallback(Reply::status(302).header("location", &location));
    let client = keyed::Client::builder(api.url()).api_key("key-secret").build().unwrap();

    let err = client.download().await.unwrap_err();
    let (status, headers) = match &err {
        Error::Api { status, headers, .. } | Error::UnexpectedStatus { status, headers, .. } => (status, headers),
        other => panic!("the redirect comes back as the response it is: {other:?}"),
    };
    assert_eq!(status.as_u16(), 302);
    assert_eq!(headers.get("location").and_then(|v| v.to_str().ok()), Some(location.as_str()));
    assert_eq!(api.requests()[0].header("x-api-key"), Some("key-secret"));
    assert!(files.requests().is_empty(), "the other host saw nothing, the key least of all");
    assert!(!format!("{err} {err:?}").contains("key-secret"), "no secret in the error");
}

#[tokio::test]
async fn a_redirect_within_the_origin_keeps_the_key() {
    let api = Server::start(vec![]).await;
    api.push(Reply::status(307).header("location", "/archive/v2"));
    api.fallback(Reply::json(200, "tar-bytes"));
    let client = keyed::Client::builder(api.url()).api_key("key-secret").build().unwrap();

    let archive = client.download().await.unwrap();
    assert_eq!(&archive.into_inner()[..], b"tar-bytes");
    let requests = api.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].target, "/archive/v2");
    assert_eq!(requests[1].header("x-api-key"), Some("key-secret"));
}

#[tokio::test]
async fn a_redirect_loop_ends() {
    let api = Server::start(vec![]).await;
    api.fallback(Reply::status(302).header("location", "/archive"));
    let client = keyed::Client::builder(api.url()).build().unwrap();

    let err = client.download().await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(api.requests().len(), 11, "the request and ten redirects");
}
