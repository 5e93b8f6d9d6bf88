//! Hostile values at run time: no value a caller passes can change the request they meant (path,
//! query, headers), no response, however malformed or large, panics or escapes a typed error,
//! and credentials in URLs stay out of errors, `Debug` and logs.
//!
//! The client reaches the runtime the way generated code does (`ApiInfo` and `Operation`
//! statics, `Request`, `__private::call`). The server is a few dozen lines over a
//! `TcpListener` that writes scripted bytes, because most of what is tested here is bytes a
//! well-behaved HTTP library refuses to produce.

mod resilience_support;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use gusset::__private as gp;
use gusset::__private::http::{HeaderMap, Method, StatusCode};
use gusset::clock::{BoxFuture, ManualClock, RecordingSleeper};
use gusset::{
    AttemptInfo, BuildError, Error, Interceptor, PreparedRequest, RetryPolicy, Token, TokenError, TokenProvider,
};
use resilience_support::{Captured, TestResult};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

// ---------------------------------------------------------------------------------------------
// The client, as codegen would emit it.

static API: gp::ApiInfo = gp::ApiInfo {
    title: "Hostile",
    api_version: "1",
    version_header: None,
    client_name: "hostile-client",
    client_version: "0.0.0",
    servers: &[],
    security_schemes: &[
        // An API key in the query under a name no list of secret names would guess.
        gp::SecurityScheme {
            name: "weather",
            kind: gp::SchemeKind::ApiKey { location: gp::ApiKeyLocation::Query, name: "appid" },
        },
        gp::SecurityScheme { name: "bearer", kind: gp::SchemeKind::Bearer },
    ],
};

const AUTH: &[&[&str]] = &[&["weather"], &["bearer"]];

static GET_ITEM: gp::Operation = gp::Operation {
    id: "getItem",
    method: Method::GET,
    path: "/items/{id}",
    idempotency: gp::Idempotency::Default,
    security: AUTH,
};
static GET_PAIR: gp::Operation = gp::Operation {
    id: "getPair",
    method: Method::GET,
    path: "/items/{a}/{b}",
    idempotency: gp::Idempotency::Default,
    security: AUTH,
};
static SEARCH: gp::Operation = gp::Operation {
    id: "search",
    method: Method::GET,
    path: "/search",
    idempotency: gp::Idempotency::Default,
    security: AUTH,
};

#[derive(Debug, gp::serde::Deserialize)]
#[serde(crate = "gusset::__private::serde")]
struct Thing {
    #[allow(dead_code)]
    id: String,
    #[allow(dead_code)]
    count: u32,
}

/// The document's error body, for the one error status it lists (404).
#[derive(Debug, gp::serde::Deserialize)]
#[serde(crate = "gusset::__private::serde")]
struct Problem {
    #[allow(dead_code)]
    code: String,
}

fn decode_problem(r: &gp::RawResponse<'_>) -> Result<Problem, gp::DecodeError> {
    match r.status {
        404 => gp::decode_json(r),
        _ => Err(gp::DecodeError::undocumented_status()),
    }
}

#[derive(Debug)]
struct Hostile(gusset::Client);

impl gp::GeneratedClient for Hostile {
    fn from_client(client: gusset::Client) -> Self {
        Hostile(client)
    }
}

impl Hostile {
    fn call(&self, request: gp::Request) -> gusset::Call<'_, Thing, Problem> {
        gp::call(&self.0, request, gp::decode_json, decode_problem)
    }

    fn bytes(&self, request: gp::Request) -> gusset::Call<'_, gp::bytes::Bytes, Problem> {
        gp::call(&self.0, request, gp::decode_bytes, decode_problem)
    }
}

fn item(id: &str) -> gp::Request {
    let mut request = gp::Request::new(&GET_ITEM);
    request.path_param("id", id, gp::Style::Simple, false);
    request
}

// ---------------------------------------------------------------------------------------------
// The scripted server.

/// What the server answers to one connection (one request per connection).
#[derive(Clone, Debug)]
enum Reply {
    /// Write these bytes, then close.
    Raw(Vec<u8>),
    /// Write these bytes, then keep the connection open until the client closes it.
    Hold(Vec<u8>),
    /// Write this head, then chunks of a body that never ends, until the client hangs up (or
    /// `ENDLESS_CAP` bytes, which only a client that reads everything would reach).
    Endless(Vec<u8>),
}

const ENDLESS_CAP: usize = 64 * 1024 * 1024;

/// A request as it arrived.
#[derive(Clone, Debug)]
struct Seen {
    /// The request target, still percent-encoded.
    target: String,
    headers: Vec<(String, Vec<u8>)>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_slice())
    }

    fn header_str(&self, name: &str) -> Option<String> {
        self.header(name).map(|v| String::from_utf8_lossy(v).into_owned())
    }

    fn path(&self) -> &str {
        self.target.split_once('?').map_or(self.target.as_str(), |(path, _)| path)
    }

    /// The query as a server framework decodes it (`application/x-www-form-urlencoded`).
    fn query_pairs(&self) -> Result<Vec<(String, String)>, Box<dyn std::error::Error>> {
        let url = gusset::reqwest::Url::parse(&format!("http://server{}", self.target))?;
        Ok(url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
    }
}

#[derive(Default)]
struct State {
    script: Mutex<VecDeque<Reply>>,
    seen: Mutex<Vec<Seen>>,
    connections: AtomicUsize,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// How an endless body ended: bytes written, and whether the client hung up first.
type EndlessResult = (usize, bool);

struct RawServer {
    addr: std::net::SocketAddr,
    state: Arc<State>,
    endless: tokio::sync::Mutex<mpsc::UnboundedReceiver<EndlessResult>>,
    accept: tokio::task::JoinHandle<()>,
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

impl RawServer {
    async fn start() -> std::io::Result<RawServer> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State::default());
        let (tx, rx) = mpsc::unbounded_channel();
        let accept = tokio::spawn({
            let state = Arc::clone(&state);
            async move {
                let mut connections = tokio::task::JoinSet::new();
                while let Ok((stream, _)) = listener.accept().await {
                    state.connections.fetch_add(1, Ordering::SeqCst);
                    connections.spawn(serve(stream, Arc::clone(&state), tx.clone()));
                }
            }
        });
        Ok(RawServer { addr, state, endless: tokio::sync::Mutex::new(rx), accept })
    }

    fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn push(&self, reply: Reply) {
        lock(&self.state.script).push_back(reply);
    }

    fn connections(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }

    fn last(&self) -> Result<Seen, &'static str> {
        lock(&self.state.seen).last().cloned().ok_or("the server saw no request")
    }

    fn seen(&self) -> usize {
        lock(&self.state.seen).len()
    }

    /// Waits for the next endless body to end (the server task reports it).
    async fn endless_result(&self) -> Result<EndlessResult, &'static str> {
        self.endless.lock().await.recv().await.ok_or("the server stopped")
    }
}

async fn serve(mut stream: TcpStream, state: Arc<State>, endless: mpsc::UnboundedSender<EndlessResult>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_len = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) if buf.len() + n > 64 * 1024 => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut request = httparse::Request::new(&mut headers);
    if !matches!(request.parse(&buf[..head_len]), Ok(httparse::Status::Complete(_))) {
        return;
    }
    let seen = Seen {
        target: request.path.unwrap_or_default().to_owned(),
        headers: request.headers.iter().map(|h| (h.name.to_owned(), h.value.to_vec())).collect(),
    };
    lock(&state.seen).push(seen);
    let reply = lock(&state.script).pop_front().unwrap_or_else(|| Reply::Raw(ok_json(br#"{"id":"ok","count":1}"#)));
    match reply {
        Reply::Raw(bytes) => {
            let _ = stream.write_all(&bytes).await;
            let _ = stream.shutdown().await;
        }
        Reply::Hold(bytes) => {
            let _ = stream.write_all(&bytes).await;
            // Until the client closes its side.
            while matches!(stream.read(&mut chunk).await, Ok(n) if n > 0) {}
        }
        Reply::Endless(head) => {
            let body = [b' '; 16 * 1024];
            let mut framed = format!("{:x}\r\n", body.len()).into_bytes();
            framed.extend_from_slice(&body);
            framed.extend_from_slice(b"\r\n");
            let mut written = 0;
            let mut hung_up = stream.write_all(&head).await.is_err();
            while !hung_up && written < ENDLESS_CAP {
                match stream.write_all(&framed).await {
                    Ok(()) => written += body.len(),
                    Err(_) => hung_up = true,
                }
            }
            let _ = endless.send((written, hung_up));
        }
    }
}

/// A complete response: status line, headers (plus `connection: close`, a server request id and
/// a `content-length` unless the headers frame the body themselves), body.
fn response(status_line: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status_line}\r\nconnection: close\r\nx-request-id: srv-1\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    let framed = headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("content-length") || n.eq_ignore_ascii_case("transfer-encoding"));
    if !framed {
        out.push_str(&format!("content-length: {}\r\n", body.len()));
    }
    out.push_str("\r\n");
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

fn ok_json(body: &[u8]) -> Vec<u8> {
    response("200 OK", &[("content-type", "application/json")], body)
}

fn builder(server: &RawServer) -> Result<gusset::ClientBuilder<Hostile>, Box<dyn std::error::Error>> {
    // One request per connection: the server closes each one after its reply.
    let http = gusset::reqwest::Client::builder().pool_max_idle_per_host(0).build()?;
    Ok(gp::builder::<Hostile>(&API, server.base_url())
        .reqwest_client(http)
        .retry(RetryPolicy::disabled())
        // A guard against a hang, not a timed assertion: every call here ends well before.
        .attempt_timeout(Duration::from_secs(30))
        .id_seed(5))
}

/// Percent-decodes a path segment the way a server's router does.
fn decode_segment(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment).decode_utf8_lossy().into_owned()
}

// ---------------------------------------------------------------------------------------------
// Values cannot change the request.

/// Every value ends up inside its own path segment, decoded back to exactly itself; the three
/// that would change the path whatever the encoding (`.`, `..`, empty) are refused unsent.
#[tokio::test]
async fn path_parameters_stay_in_their_segment() -> TestResult {
    let server = RawServer::start().await?;
    let client = builder(&server)?.build()?;
    let values = [
        "../admin",
        "..%2fadmin",
        "%2e%2e",
        "%2E%2E/admin",
        ".%2e",
        "...",
        ". ",
        "a/b",
        "/",
        "//evil.example",
        "?x=1",
        "#frag",
        "a b",
        "a+b",
        "a%20b",
        "%",
        "%zz",
        "%00",
        "\0",
        "\r\nHost: evil.example",
        "ü/ß",
        "日本",
        "😀",
        "\u{202e}gpj.exe",
        "{id}",
        ";x=1",
        "..;/admin",
        "\\..\\admin",
        "@evil.example",
        "x?y#z&w=1",
        "a,b",
        "~user",
        "http://evil.example/",
        "\t",
        "\u{7f}",
    ];
    for value in values {
        client.call(item(value)).await?;
        let seen = server.last()?;
        assert!(!seen.target.contains('?'), "{value:?} added a query: {}", seen.target);
        let segment =
            seen.path().strip_prefix("/items/").ok_or_else(|| format!("{value:?} moved the path: {}", seen.target))?;
        assert!(!segment.contains('/'), "{value:?} split its segment: {}", seen.target);
        assert_eq!(decode_segment(segment), value, "as sent: {}", seen.target);
    }

    // Styles with their own punctuation, lists, and a value shaped like the next parameter.
    let mut request = gp::Request::new(&GET_PAIR);
    request.path_param("a", "{b}", gp::Style::Simple, false);
    request.path_param("b", &["../x", "y/z"], gp::Style::Simple, false);
    client.call(request).await?;
    assert_eq!(server.last()?.path(), "/items/%7Bb%7D/..%2Fx,y%2Fz");
    let mut request = gp::Request::new(&GET_ITEM);
    request.path_param("id", "a/b;c=d", gp::Style::Matrix, false);
    client.call(request).await?;
    assert_eq!(server.last()?.path(), "/items/;id=a%2Fb%3Bc%3Dd");
    let mut request = gp::Request::new(&GET_ITEM);
    request.path_param("id", "../etc", gp::Style::Label, false);
    client.call(request).await?;
    assert_eq!(server.last()?.path(), "/items/...%2Fetc");

    let sent = server.seen();
    for value in [".", "..", ""] {
        let err = client.call(item(value)).await.err().ok_or("expected a refusal")?;
        assert!(matches!(err, Error::InvalidRequest { .. }), "{value:?}: {err:?}");
        assert_eq!((err.attempts(), err.may_have_reached_server()), (0, false));
    }
    let mut request = gp::Request::new(&GET_ITEM);
    request.path_param("id", ".", gp::Style::Label, false); // `..` once styled
    let err = client.call(request).await.err().ok_or("expected a refusal")?;
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
    assert_eq!(server.seen(), sent, "refused values were not sent");
    println!("path values tried: {}", values.len() + 3 + 4);
    Ok(())
}

/// Names and values with every query metacharacter arrive as exactly the pairs intended, and a
/// query API key cannot smuggle in a second parameter.
#[tokio::test]
async fn query_names_and_values_arrive_as_sent() -> TestResult {
    let server = RawServer::start().await?;
    let pairs = [
        ("a&b=c", "x=y&z"),
        ("#", "#frag"),
        ("+", "1+1 = 2"),
        ("ü", "日本 😀"),
        ("crlf", "a\r\nSet-Cookie: x=1"),
        ("%", "%zz%"),
        ("[x]", "]["),
        ("semi;colon", "a;b"),
        ("empty", ""),
        ("q", "?x=1/y"),
        ("nul", "\0"),
        ("bidi", "\u{202e}txt"),
        ("", "nameless"),
    ];
    let client = builder(&server)?.build()?;
    let mut request = gp::Request::new(&SEARCH);
    for (name, value) in pairs {
        request.query(name, value, gp::Style::Form, true);
    }
    request.query("tags", &["a,b", "c&d=e"], gp::Style::Form, false);
    request.query("filter", &gp::serde_json::json!({"k]&x=": "v#"}), gp::Style::DeepObject, true);
    client.call(request).await?;
    let seen = server.last()?;
    assert!(seen.target.bytes().all(|b| b.is_ascii_graphic()), "raw bytes in the target: {:?}", seen.target);
    let mut expected: Vec<(String, String)> = pairs.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect();
    expected.push(("tags".into(), "a,b,c&d=e".into()));
    expected.push(("filter[k]&x=]".into(), "v#".into()));
    assert_eq!(seen.query_pairs()?, expected, "as sent: {}", seen.target);
    // A list without explode keeps its separators distinguishable from commas inside items.
    assert!(seen.target.contains("&tags=a%2Cb,c%26d%3De&"), "{}", seen.target);

    // The API key goes in the query under the document's name, encoded like any value.
    let keyed = builder(&server)?.api_key("k&admin=true#x").build()?;
    let mut request = gp::Request::new(&SEARCH);
    request.query("q", "1", gp::Style::Form, true);
    keyed.call(request).await?;
    let seen = server.last()?;
    let expected = vec![("q".to_owned(), "1".to_owned()), ("appid".to_owned(), "k&admin=true#x".to_owned())];
    assert_eq!(seen.query_pairs()?, expected, "as sent: {}", seen.target);
    println!("query values tried: {}", 2 * pairs.len() + 4 + 1);
    Ok(())
}

#[derive(Debug)]
struct CrlfToken;

impl TokenProvider for CrlfToken {
    fn token<'a>(&'a self, _: gusset::TokenContext<'a>) -> BoxFuture<'a, Result<Token, TokenError>> {
        Box::pin(async { Ok(Token::new("tok\r\nX-Injected: 1")) })
    }
}

/// Forbidden bytes in header values, and names that are not tokens, are refused before a
/// connection is opened, whichever way they come in. (`resilience_errors.rs` covers CR LF in a
/// per-call header value, the correlation id and the idempotency key.)
#[tokio::test]
async fn hostile_header_names_and_values_are_never_sent() -> TestResult {
    let server = RawServer::start().await?;
    let client = builder(&server)?.build()?;
    let bad_values =
        ["\0", "a\rb", "a\nb", "v\r\n\r\nGET /admin HTTP/1.1", "\u{7f}", "\u{1b}[2J", "a\u{b}b", "\u{c}", "a\0b"];
    let bad_names =
        ["", "x note", "x:note", "x\r\nnote", "é", "x\0", "(x)", "x/y", "x@y", "x,y", "x\"y", "Host: evil\r\nX"];
    let mut tried = 0;
    for value in bad_values {
        let mut results = vec![
            client.call(item("1")).header("x-note", value).await.err(),
            client.call(item("1")).correlation_id(value).await.err(),
            client.call(item("1")).idempotency_key(value).await.err(),
        ];
        // A header parameter of the document, as generated code passes it.
        let mut request = item("1");
        request.header("X-Trace", value, gp::Style::Simple, false);
        results.push(client.call(request).await.err());
        let mut request = item("1");
        request.header("X-Trace", &[value, "ok"], gp::Style::Simple, false);
        results.push(client.call(request).await.err());
        for err in results {
            let err = err.ok_or_else(|| format!("{value:?} was accepted"))?;
            assert!(matches!(err, Error::InvalidRequest { .. }), "{value:?}: {err:?}");
            assert_eq!((err.attempts(), err.may_have_reached_server()), (0, false));
            tried += 1;
        }
    }
    for name in bad_names {
        let mut results = vec![client.call(item("1")).header(name, "v").await.err()];
        let mut request = item("1");
        request.header(name, "v", gp::Style::Simple, false);
        results.push(client.call(request).await.err());
        for err in results {
            let err = err.ok_or_else(|| format!("{name:?} was accepted"))?;
            assert!(matches!(err, Error::InvalidRequest { .. }), "{name:?}: {err:?}");
            tried += 1;
        }
    }
    // Credentials and client settings are checked when the client is built.
    let settings: Vec<(&str, gusset::ClientBuilder<Hostile>)> = vec![
        ("default header value", builder(&server)?.default_header("X-A", "a\r\nb")),
        ("default header name", builder(&server)?.default_header("X A", "b")),
        ("api key", builder(&server)?.api_key("k\r\nX-Injected: 1")),
        ("bearer token", builder(&server)?.bearer_auth("t\nX-Injected: 1")),
        ("user agent suffix", builder(&server)?.user_agent_suffix("x\r\ny")),
        ("correlation header", builder(&server)?.correlation_header("X Id")),
        ("idempotency header", builder(&server)?.idempotency("Idem\nKey")),
        ("api version", builder(&server)?.api_version_header("V").api_version(Some("1\r\nX: y".to_owned()))),
    ];
    for (what, settings) in settings {
        let err = settings.build().err().ok_or_else(|| format!("{what} was accepted"))?;
        assert!(matches!(err, BuildError::Header { .. }), "{what}: {err:?}");
        assert!(!err.to_string().contains("X-Injected"), "the value is not echoed: {err}");
        tried += 1;
    }
    // A token provider's token is checked on each attempt.
    let provided = builder(&server)?.bearer_auth(gusset::TokenSource::provider(CrlfToken)).build()?;
    let err = provided.call(item("1")).await.err().ok_or("a bad token was accepted")?;
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert!(!err.may_have_reached_server() && !format!("{err:?}").contains("X-Injected"), "{err:?}");
    tried += 1;
    assert_eq!(server.connections(), 0, "nothing was sent");

    // Cookie parameters are percent-encoded instead: the server sees one cookie, value intact.
    let mut request = item("1");
    request.cookie("session", "a; admin=1\r\nX: y", gp::Style::Form, true);
    client.call(request).await?;
    let cookie = server.last()?.header_str("cookie").ok_or("no cookie")?;
    assert_eq!(cookie, "session=a%3B%20admin=1%0D%0AX:%20y");
    tried += 1;
    println!("header values and names tried: {tried}");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Responses: too large, or malformed.

/// Over the limit is refused whether the server says so up front or streams forever; the
/// client stops reading at the limit, and does not retry.
#[tokio::test]
async fn responses_over_the_size_limit_are_refused_without_reading_them() -> TestResult {
    const LIMIT: usize = 64 * 1024;
    let server = RawServer::start().await?;
    let clock = ManualClock::default();
    let sleeper = RecordingSleeper::new(clock.clone());
    let client =
        builder(&server)?.max_response_bytes(LIMIT).retry(RetryPolicy::default()).sleeper(sleeper.clone()).build()?;
    let octets = [("content-type", "application/octet-stream")];

    // Exactly the limit is fine; one byte more is not, announced or not.
    server.push(Reply::Raw(response("200 OK", &octets, &vec![b'x'; LIMIT])));
    assert_eq!(client.bytes(item("1")).await?.len(), LIMIT);
    server.push(Reply::Raw(response("200 OK", &octets, &vec![b'x'; LIMIT + 1])));
    let err = client.bytes(item("1")).await.err().ok_or("expected too large")?;
    assert!(matches!(err, Error::ResponseTooLarge { limit: LIMIT, .. }), "{err:?}");
    let mut chunked = response("200 OK", &[("transfer-encoding", "chunked")], b"");
    let half = vec![b'x'; LIMIT / 2 + 1];
    for _ in 0..2 {
        chunked.extend_from_slice(format!("{:x}\r\n", half.len()).as_bytes());
        chunked.extend_from_slice(&half);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    server.push(Reply::Raw(chunked));
    let err = client.bytes(item("1")).await.err().ok_or("expected too large")?;
    assert!(matches!(err, Error::ResponseTooLarge { .. }), "{err:?}");

    // A terabyte announced, nothing sent, the connection held open: refused from the header
    // alone (reading would wait for the attempt timeout instead).
    server.push(Reply::Hold(response("200 OK", &[("content-length", "1000000000000")], b"")));
    let err = client.bytes(item("1")).await.err().ok_or("expected too large")?;
    assert!(matches!(err, Error::ResponseTooLarge { .. }), "{err:?}");

    // A body that never ends, on a retryable status: one attempt, stopped at the limit.
    server.push(Reply::Endless(response("503 Service Unavailable", &[("transfer-encoding", "chunked")], b"")));
    let err = client.call(item("1")).await.err().ok_or("expected too large")?;
    let Error::ResponseTooLarge { status, limit, .. } = &err else { return Err(format!("{err:?}").into()) };
    assert_eq!((*status, *limit), (StatusCode::SERVICE_UNAVAILABLE, LIMIT));
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!((err.attempts(), sleeper.sleeps().len()), (1, 0), "not retried");
    assert!(err.may_have_reached_server());
    assert_eq!(Some(err.correlation_id().to_owned()), server.last()?.header_str("x-request-id"));
    assert_eq!(err.server_request_id(), Some("srv-1"));
    assert!(err.to_string().contains("65536 byte limit"), "{err}");
    let (written, hung_up) = server.endless_result().await?;
    assert!(hung_up && written < ENDLESS_CAP, "the client read {written} bytes of an endless body");
    println!("oversized responses tried: 4 (endless body stopped after {written} bytes were written)");
    Ok(())
}

/// What a malformed response must become.
#[derive(Debug)]
enum Expect {
    /// `Error::Decode` with this status and message and snippet fragments.
    Decode(u16, &'static str, &'static str),
    /// `Error::UnexpectedStatus` with this status and snippet fragment.
    Unexpected(u16, &'static str),
    /// `Error::Transport`: the head itself was not HTTP, so there is no status.
    Transport,
}

fn malformed_cases() -> Vec<(&'static str, Vec<u8>, Expect)> {
    use Expect::{Decode, Transport, Unexpected};
    let json = [("content-type", "application/json")];
    let html = [("content-type", "text/html; charset=utf-8")];
    let page = b"<!doctype html><title>502 Bad Gateway</title><h1>nginx</h1>".as_slice();
    let big = vec![b'x'; 1024 * 1024];
    vec![
        (
            "html where json is expected",
            response("200 OK", &html, page),
            Decode(200, "content type `text/html", "<!doctype html>"),
        ),
        ("html with no content type", response("200 OK", &[], page), Decode(200, "invalid json", "nginx")),
        ("json label, html body", response("200 OK", &json, page), Decode(200, "invalid json", "<!doctype")),
        ("invalid json", ok_json(br#"{"id":"a","count":}"#), Decode(200, "invalid json", r#"{"id":"a","count":}"#)),
        (
            "trailing garbage",
            ok_json(br#"{"id":"a","count":1} and more"#),
            Decode(200, "trailing characters", "and more"),
        ),
        (
            "array for object",
            ok_json(br#"[{"id":"a","count":1}]"#),
            Decode(200, "invalid type: map, expected a string", "[{"),
        ),
        ("wrong field types", ok_json(br#"{"id":7,"count":"x"}"#), Decode(200, "invalid type", "\"x\"")),
        ("missing field", ok_json(br#"{"id":"a"}"#), Decode(200, "missing field `count`", "{\"id\"")),
        ("null body", ok_json(b"null"), Decode(200, "invalid type: null", "null")),
        ("integer overflow", ok_json(br#"{"id":"a","count":4294967296}"#), Decode(200, "4294967296", "4294967296")),
        ("NaN", ok_json(br#"{"id":"a","count":NaN}"#), Decode(200, "invalid json", "NaN")),
        ("invalid utf-8", ok_json(b"{\"id\":\"\xff\xfe\",\"count\":1}"), Decode(200, "invalid json", "\u{fffd}")),
        (
            "byte order mark",
            ok_json(b"\xef\xbb\xbf{\"id\":\"a\",\"count\":1}"),
            Decode(200, "invalid json", "\"count\""),
        ),
        (
            "gzip we did not ask for",
            response(
                "200 OK",
                &[("content-type", "application/json"), ("content-encoding", "gzip")],
                b"\x1f\x8b\x08\x00garbage",
            ),
            Decode(200, "invalid json", "garbage"),
        ),
        ("1 MiB of garbage", ok_json(&big), Decode(200, "invalid json", "xxxx")),
        ("empty, content-length 0", ok_json(b""), Decode(200, "got an empty one", "")),
        (
            "empty, chunked",
            response("200 OK", &[("content-type", "application/json"), ("transfer-encoding", "chunked")], b"0\r\n\r\n"),
            Decode(200, "got an empty one", ""),
        ),
        ("whitespace only", ok_json(b" \r\n\t "), Decode(200, "got an empty one", "")),
        ("204 where a body is expected", response("204 No Content", &[], b""), Decode(204, "got an empty one", "")),
        (
            "cut off, content-length",
            response(
                "200 OK",
                &[("content-type", "application/json"), ("content-length", "100")],
                br#"{"id":"a","cou"#,
            ),
            Decode(200, "cut off after 14 bytes of the 100 announced", r#"{"id":"a","cou"#),
        ),
        (
            "cut off, chunked",
            response("200 OK", &[("transfer-encoding", "chunked")], b"100\r\n{\"id\":\"a\""),
            Decode(200, "cut off after", "{\"id\""),
        ),
        (
            "bad chunk size",
            response("200 OK", &[("transfer-encoding", "chunked")], b"zz\r\nabc\r\n0\r\n\r\n"),
            Decode(200, "cut off after 0 bytes", ""),
        ),
        (
            "undocumented 418",
            response("418 I'm a teapot", &[("content-type", "text/plain")], b"short and stout"),
            Unexpected(418, "short and stout"),
        ),
        (
            "log forgery in a body",
            response("418 I'm a teapot", &[], b"ok\r\n2030-01-01 INFO admin logged in\x1b[2J\xe2\x80\xae"),
            Unexpected(418, "ok\\r\\n2030-01-01 INFO admin logged in\\u{1b}[2J\\u{202e}"),
        ),
        (
            "log forgery in a field",
            ok_json(b"{\"id\":\"a\",\"count\":\"1\\nERROR forged\\u001b[31m\"}"),
            Decode(200, "invalid type: string", "forged"),
        ),
        (
            "undocumented 599",
            response("599 Network Timeout", &json, br#"{"error":"?"}"#),
            Unexpected(599, "{\"error\""),
        ),
        ("undocumented 500, 1 MiB", response("500 Internal Server Error", &[], &big), Unexpected(500, "xxxx")),
        ("302 without a location", response("302 Found", &[], b"moved?"), Unexpected(302, "moved?")),
        (
            "documented 404, wrong shape",
            response("404 Not Found", &json, br#"{"error":"gone"}"#),
            Decode(404, "missing field `code`", "gone"),
        ),
        (
            "documented 404, html",
            response("404 Not Found", &html, page),
            Decode(404, "content type `text/html", "nginx"),
        ),
        ("status line not a number", b"HTTP/1.1 abc OK\r\n\r\n".to_vec(), Transport),
        ("status out of range", b"HTTP/1.1 1000 Big\r\ncontent-length: 0\r\n\r\n".to_vec(), Transport),
        ("not http at all", b"hello\r\n\r\n".to_vec(), Transport),
        ("closed without a byte", Vec::new(), Transport),
        (
            "conflicting content-lengths",
            b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\nhello!".to_vec(),
            Transport,
        ),
        ("negative content-length", b"HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n".to_vec(), Transport),
        ("header without a colon", b"HTTP/1.1 200 OK\r\nbroken header\r\n\r\n".to_vec(), Transport),
        ("only 100 Continue", b"HTTP/1.1 100 Continue\r\n\r\n".to_vec(), Transport),
        ("head cut off", b"HTTP/1.1 200 OK\r\ncontent-ty".to_vec(), Transport),
        (
            "too many headers",
            {
                let many: Vec<(String, String)> = (0..200).map(|i| (format!("x-h{i}"), "v".to_owned())).collect();
                let many: Vec<(&str, &str)> = many.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
                response("200 OK", &many, b"{}")
            },
            Transport,
        ),
    ]
}

/// Each malformed response is a typed error with the status (when one arrived), the call's
/// correlation id, the server's request id and a bounded snippet of the body, never a panic.
#[tokio::test]
async fn malformed_responses_become_typed_errors() -> TestResult {
    let server = RawServer::start().await?;
    let client = builder(&server)?.build()?;
    let cases = malformed_cases();
    for (name, bytes, expect) in &cases {
        server.push(Reply::Raw(bytes.clone()));
        let err = client.call(item("1")).await.err().ok_or_else(|| format!("{name}: accepted"))?;
        let text = format!("{err:?} {err}");
        assert!(!err.to_string().contains(|c: char| c.is_control()), "{name}: control characters in {err}");
        let seen = server.last()?;
        assert_eq!(Some(err.correlation_id().to_owned()), seen.header_str("x-request-id"), "{name}");
        assert!(err.may_have_reached_server(), "{name}");
        let (status, snippet) = match (&err, expect) {
            (Error::Decode { status, message, snippet, .. }, Expect::Decode(code, wanted, fragment)) => {
                assert!(message.contains(wanted), "{name}: message {message:?} lacks {wanted:?}");
                assert!(snippet.contains(fragment), "{name}: snippet {snippet:?} lacks {fragment:?}");
                (Some((*status, *code)), Some(snippet))
            }
            (Error::UnexpectedStatus { status, snippet, .. }, Expect::Unexpected(code, fragment)) => {
                assert!(snippet.contains(fragment), "{name}: snippet {snippet:?} lacks {fragment:?}");
                (Some((*status, *code)), Some(snippet))
            }
            (Error::Transport { .. }, Expect::Transport) => (None, None),
            (other, expect) => return Err(format!("{name}: expected {expect:?}, got {other:?}").into()),
        };
        if let Some((status, code)) = status {
            assert_eq!(status.as_u16(), code, "{name}");
            assert_eq!(err.server_request_id(), Some("srv-1"), "{name}");
        }
        if let Some(snippet) = snippet {
            assert!(snippet.chars().count() <= 201, "{name}: a snippet of {} characters", snippet.chars().count());
        }
        assert!(text.len() < 4096, "{name}: the error text is bounded, got {} bytes", text.len());
    }

    // A JSON body under another label is not malformed: accepted.
    server.push(Reply::Raw(response("200 OK", &[("content-type", "text/plain")], br#"{"id":"a","count":1}"#)));
    client.call(item("1")).await?;

    // Nesting 100,000 deep: skipped without recursion in a field the type does not know, and
    // refused at serde_json's recursion limit where it is decoded (an untyped schema's `Value`),
    // never a stack overflow.
    let nested = |prefix: &[u8]| {
        let mut body = prefix.to_vec();
        body.extend(vec![b'['; 100_000]);
        body.extend(vec![b']'; 100_000]);
        body.push(b'}');
        body
    };
    server.push(Reply::Raw(ok_json(&nested(br#"{"id":"a","count":1,"extra":"#))));
    client.call(item("1")).await?;
    server.push(Reply::Raw(ok_json(&nested(br#"{"extra":"#))));
    let untyped: gusset::Call<'_, gp::serde_json::Value, Problem> =
        gp::call(&client.0, item("1"), gp::decode_json, decode_problem);
    let err = untyped.await.err().ok_or("expected the recursion limit")?;
    assert!(matches!(&err, Error::Decode { message, .. } if message.contains("recursion limit")), "{err:?}");

    // With retries on, a body cut off on every attempt is retried, then reported the same way.
    let clock = ManualClock::default();
    let sleeper = RecordingSleeper::new(clock.clone());
    let retrying = builder(&server)?.retry(RetryPolicy::default()).sleeper(sleeper.clone()).clock(clock).build()?;
    let cut = response("200 OK", &[("content-length", "50")], br#"{"id":"#);
    for _ in 0..3 {
        server.push(Reply::Raw(cut.clone()));
    }
    let err = retrying.call(item("1")).await.err().ok_or("expected a cut-off body")?;
    assert!(matches!(&err, Error::Decode { message, .. } if message.contains("cut off")), "{err:?}");
    assert_eq!((err.attempts(), sleeper.sleeps().len()), (3, 2));
    println!("malformed responses tried: {}", cases.len() + 1 + 3);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Secrets in URLs.

#[derive(Debug, Default)]
struct SeeEverything(Arc<Mutex<Vec<String>>>);

impl Interceptor for SeeEverything {
    fn before_attempt(&self, request: &PreparedRequest, attempt: AttemptInfo, headers: &mut HeaderMap) {
        lock(&self.0).push(format!("{request:?} {attempt:?} {headers:?}"));
    }
    fn after_response(&self, request: &PreparedRequest, _: AttemptInfo, status: StatusCode, headers: &HeaderMap) {
        lock(&self.0).push(format!("{request:?} {status} {headers:?}"));
    }
}

/// Credentials in a base URL are refused with the URL redacted, and secret query parameters
/// (common names and the document's query API key) reach the server but never an error,
/// a `Debug` output or a log line, while ordinary parameters stay readable there.
#[tokio::test]
async fn secrets_in_urls_are_redacted_everywhere() -> TestResult {
    let bases = [
        ("http://alice:PA55W0RD_1@127.0.0.1:1", "PA55W0RD_1"),
        ("http://TOKEN_USERINFO_2@127.0.0.1:1/v1", "TOKEN_USERINFO_2"),
        ("http://127.0.0.1:1/?api_key=QUERY_KEY_3", "QUERY_KEY_3"),
        ("http://127.0.0.1:1/v1?AppId=QUERY_KEY_4", "QUERY_KEY_4"),
        ("http://127.0.0.1:1/#access_token=FRAGMENT_5", "FRAGMENT_5"),
        ("ftp://bob:HUNTER_6@example.com/", "HUNTER_6"),
        ("http://carol:UNPARSED_7@[::1", "UNPARSED_7"),
    ];
    for (base, secret) in bases {
        let err = gp::builder::<Hostile>(&API, base).build().err().ok_or_else(|| format!("{base} was accepted"))?;
        let text = format!("{err:?} {err}");
        assert!(matches!(err, BuildError::BaseUrl { .. }), "{text}");
        assert!(!text.contains(secret) && text.contains("REDACTED"), "{text}");
    }

    let capture = Captured::default();
    let _guard = capture.install();
    let server = RawServer::start().await?;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let client = builder(&server)?.api_key("APPID_SECRET_0").interceptor(SeeEverything(Arc::clone(&seen))).build()?;
    let secrets = [
        ("api_key", "QS_SECRET_1"),
        ("ApiKey", "QS_SECRET_2"),
        ("TOKEN", "QS_SECRET_3"),
        ("access_token", "QS_SECRET_4"),
        ("signature", "QS_SECRET_5"),
        ("sig", "QS_SECRET_6"),
        ("password", "QS_SECRET_7"),
        ("secret", "QS_SECRET_8"),
        ("client_secret", "QS_SECRET_9"),
        ("key", "QS_SECRET_10"),
        ("X-Amz-Signature", "QS_SECRET_11"),
        ("appid", "QS_SECRET_12"),
    ];
    let search = || {
        let mut request = gp::Request::new(&SEARCH);
        request.query("q", "visible_value", gp::Style::Form, true);
        for (name, value) in secrets {
            request.query(name, value, gp::Style::Form, true);
        }
        request
    };
    let mut texts = Vec::new();
    let call = client.call(search()).header("X-Auth-Token", "HEADER_SECRET_13");
    texts.push(format!("{call:?}"));
    server.push(Reply::Raw(response("418 I'm a teapot", &[], b"no")));
    let err = call.await.err().ok_or("expected a 418")?;
    texts.push(format!("{err:?} {err}"));
    server.push(Reply::Raw(Vec::new()));
    let err = client.call(search()).await.err().ok_or("expected a transport error")?;
    texts.push(format!("{err:?} {err}"));
    let ok = client.call(search()).await?;
    texts.push(format!("{ok:?}"));
    texts.extend(lock(&seen).iter().cloned());
    let logs = capture.text();
    texts.push(logs.clone());

    // The secrets were sent, so their absence below means something.
    let sent = server.last()?.query_pairs()?;
    for (name, value) in secrets {
        assert!(sent.iter().any(|(n, v)| n == name && v == value), "{name} was not sent: {sent:?}");
    }
    assert!(sent.iter().any(|(n, v)| n == "appid" && v == "APPID_SECRET_0"), "{sent:?}");
    let all: Vec<&str> = secrets.iter().map(|(_, v)| *v).chain(["APPID_SECRET_0", "HEADER_SECRET_13"]).collect();
    for text in &texts {
        for secret in &all {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
    }
    assert!(logs.contains("url.full") && logs.contains("api_key=REDACTED"), "{logs}");
    assert!(logs.contains("visible_value"), "ordinary parameters stay readable: {logs}");
    println!("secret-bearing values tried: {}", bases.len() + secrets.len() + 2);
    Ok(())
}
