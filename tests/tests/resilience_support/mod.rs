//! Shared by the `resilience*` test files: a hand-written client for the fault server's
//! orders/payments API that reaches the runtime exactly the way generated code does (one
//! `ApiInfo` static, one `Operation` static per operation, `Request::new`, `__private::call`
//! with the `decode_*` functions), and a tracing capture.

#![allow(dead_code, unreachable_pub)] // each test file uses a different part

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use gusset::__private as gp;
use gusset::__private::http::Method;

pub const API_VERSION: &str = "2024-06-01";
pub const VERSION_HEADER: &str = "Orders-Version";

/// What codegen emits for the document's `info`, `servers` and `securitySchemes`.
pub static API: gp::ApiInfo = gp::ApiInfo {
    title: "Orders",
    api_version: API_VERSION,
    version_header: Some(VERSION_HEADER),
    client_name: "orders-client",
    client_version: "1.2.3",
    servers: &["http://127.0.0.1"],
    security_schemes: &[
        gp::SecurityScheme { name: "bearer", kind: gp::SchemeKind::Bearer },
        gp::SecurityScheme {
            name: "apiKey",
            kind: gp::SchemeKind::ApiKey { location: gp::ApiKeyLocation::Header, name: "x-api-key" },
        },
    ],
};

const AUTH: &[&[&str]] = &[&["bearer"], &["apiKey"]];

pub static CREATE_ORDER: gp::Operation = gp::Operation {
    id: "createOrder",
    method: Method::POST,
    path: "/orders",
    idempotency: gp::Idempotency::Default,
    security: AUTH,
};
pub static GET_ORDER: gp::Operation = gp::Operation {
    id: "getOrder",
    method: Method::GET,
    path: "/orders/{orderId}",
    idempotency: gp::Idempotency::Default,
    security: AUTH,
};
pub static LIST_ORDERS: gp::Operation = gp::Operation {
    id: "listOrders",
    method: Method::GET,
    path: "/orders",
    idempotency: gp::Idempotency::Default,
    security: AUTH,
};
pub static UPDATE_ORDER: gp::Operation = gp::Operation {
    id: "updateOrder",
    method: Method::PATCH,
    path: "/orders/{orderId}",
    idempotency: gp::Idempotency::Default,
    security: AUTH,
};
/// Declared `x-idempotent: true` in the (imagined) document, so it gets a key too.
pub static DELETE_ORDER: gp::Operation = gp::Operation {
    id: "deleteOrder",
    method: Method::DELETE,
    path: "/orders/{orderId}",
    idempotency: gp::Idempotency::Always,
    security: AUTH,
};
pub static CREATE_PAYMENT: gp::Operation = gp::Operation {
    id: "createPayment",
    method: Method::POST,
    path: "/payments",
    idempotency: gp::Idempotency::Default,
    security: AUTH,
};

#[derive(Clone, Debug, PartialEq, gp::serde::Serialize)]
#[serde(crate = "gusset::__private::serde")]
pub struct NewOrder {
    pub item: String,
    pub quantity: u32,
}

impl NewOrder {
    pub fn new(item: &str, quantity: u32) -> Self {
        NewOrder { item: item.to_owned(), quantity }
    }
}

#[derive(Clone, Debug, PartialEq, gp::serde::Deserialize)]
#[serde(crate = "gusset::__private::serde")]
pub struct Order {
    pub id: String,
    pub item: Option<String>,
    pub quantity: Option<u32>,
    pub status: String,
}

#[derive(Clone, Debug, PartialEq, gp::serde::Serialize)]
#[serde(crate = "gusset::__private::serde")]
pub struct NewPayment {
    pub order_id: String,
    pub amount: u64,
}

#[derive(Clone, Debug, PartialEq, gp::serde::Deserialize)]
#[serde(crate = "gusset::__private::serde")]
pub struct Payment {
    pub id: String,
    pub order_id: String,
    pub amount: u64,
    pub status: String,
}

/// The document's error schema, for the statuses it documents.
#[derive(Clone, Debug, PartialEq, gp::serde::Deserialize)]
#[serde(crate = "gusset::__private::serde")]
pub struct ApiError {
    pub error: ApiErrorBody,
}

#[derive(Clone, Debug, PartialEq, gp::serde::Deserialize)]
#[serde(crate = "gusset::__private::serde")]
pub struct ApiErrorBody {
    pub code: String,
    pub message: String,
}

/// The error decoder codegen emits: documented statuses decode the error schema, anything
/// else is undocumented (the document lists 400, 404, 405, 409, 422, 429, 500, 502, 503, 504).
fn decode_error(r: &gp::RawResponse<'_>) -> Result<ApiError, gp::DecodeError> {
    match r.status {
        400 | 404 | 405 | 409 | 422 | 429 | 500 | 502 | 503 | 504 => gp::decode_json(r),
        _ => Err(gp::DecodeError::undocumented_status()),
    }
}

/// The generated client's shape: a newtype over the runtime's client.
#[derive(Clone, Debug)]
pub struct Client {
    inner: gusset::Client,
}

impl gp::GeneratedClient for Client {
    fn from_client(client: gusset::Client) -> Self {
        Client { inner: client }
    }
}

pub type Call<'a, T> = gusset::Call<'a, T, ApiError>;

impl Client {
    pub fn builder(base_url: impl Into<String>) -> gusset::ClientBuilder<Client> {
        gp::builder(&API, base_url)
    }

    pub fn create_order(&self, body: &NewOrder) -> Call<'_, Order> {
        let mut request = gp::Request::new(&CREATE_ORDER);
        request.json(body);
        gp::call(&self.inner, request, gp::decode_json, decode_error)
    }

    pub fn get_order(&self, order_id: &str) -> Call<'_, Order> {
        let mut request = gp::Request::new(&GET_ORDER);
        request.path_param("orderId", order_id, gp::Style::Simple, false);
        gp::call(&self.inner, request, gp::decode_json, decode_error)
    }

    pub fn list_orders(&self, limit: Option<u32>) -> Call<'_, Vec<Order>> {
        let mut request = gp::Request::new(&LIST_ORDERS);
        request.query("limit", &limit, gp::Style::Form, true);
        gp::call(&self.inner, request, gp::decode_json, decode_error)
    }

    pub fn update_order(&self, order_id: &str, quantity: u32) -> Call<'_, Order> {
        let mut request = gp::Request::new(&UPDATE_ORDER);
        request.path_param("orderId", order_id, gp::Style::Simple, false);
        request.json(&gp::serde_json::json!({ "quantity": quantity }));
        gp::call(&self.inner, request, gp::decode_json, decode_error)
    }

    pub fn delete_order(&self, order_id: &str) -> Call<'_, ()> {
        let mut request = gp::Request::new(&DELETE_ORDER);
        request.path_param("orderId", order_id, gp::Style::Simple, false);
        gp::call(&self.inner, request, gp::decode_empty, decode_error)
    }

    pub fn create_payment(&self, body: &NewPayment) -> Call<'_, Payment> {
        let mut request = gp::Request::new(&CREATE_PAYMENT);
        request.json(body);
        gp::call(&self.inner, request, gp::decode_json, decode_error)
    }

    /// The runtime client, for `Debug` checks.
    pub fn runtime(&self) -> &gusset::Client {
        &self.inner
    }
}

/// A `tracing` subscriber that writes every event and span (with their fields) into a
/// buffer, so a test can search the text for secrets.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    pub fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// Installs the capture for the current thread (tests run on a current-thread runtime,
    /// so every task of the test logs here) until the guard is dropped.
    pub fn install(&self) -> CaptureGuard {
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
            .with_ansi(false)
            .with_writer(self.clone())
            .finish();
        let default = tracing::subscriber::set_default(subscriber);
        // tracing caches each callsite's interest process-wide, and while only one dispatcher
        // exists it asks the registering thread's: a sibling test without a subscriber would
        // cache `never` for the runtime's spans and this capture would stay empty
        // (tokio-rs/tracing#3611). A second, inert dispatcher makes registration consult every
        // live one.
        let anchor = tracing::Dispatch::new(tracing_subscriber::registry());
        tracing::callsite::rebuild_interest_cache();
        CaptureGuard { _default: default, _anchor: anchor }
    }
}

/// Keeps a [`Captured`] installed until dropped.
pub struct CaptureGuard {
    _default: tracing::subscriber::DefaultGuard,
    _anchor: tracing::Dispatch,
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        bytes.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// A fault server plus the injected clock and sleeper every resilience test uses: sleeps
/// return at once and are recorded, ids are seeded, so the suite is fast and repeatable.
pub struct Harness {
    pub server: gusset_tests::fault::FaultServer,
    pub clock: gusset::clock::ManualClock,
    pub sleeper: gusset::clock::RecordingSleeper,
}

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

impl Harness {
    pub async fn start() -> std::io::Result<Harness> {
        let server = gusset_tests::fault::FaultServer::start().await?;
        let clock = gusset::clock::ManualClock::default();
        let sleeper = gusset::clock::RecordingSleeper::new(clock.clone());
        Ok(Harness { server, clock, sleeper })
    }

    /// A builder with the test clock, sleeper and a fixed id seed; tests add what they test.
    pub fn builder(&self) -> gusset::ClientBuilder<Client> {
        Client::builder(self.server.base_url()).sleeper(self.sleeper.clone()).clock(self.clock.clone()).id_seed(7)
    }

    pub fn client(&self) -> Result<Client, gusset::BuildError> {
        self.builder().build()
    }

    pub fn sleeps(&self) -> Vec<std::time::Duration> {
        self.sleeper.sleeps()
    }
}
