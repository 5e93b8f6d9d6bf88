//! The toy "orders and payments" API the fault server exposes, with Stripe-style idempotency:
//! a repeated `Idempotency-Key` replays the stored reply and does not act twice; the same
//! key with a different request is refused with `422`; a request without a key always acts.

use std::collections::{BTreeMap, HashMap};

use bytes::Bytes;
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value, json};

use super::record::{Effect, EffectKind};

/// The routes of the toy API; faults can be queued per route.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Route {
    /// `POST /orders`
    CreateOrder,
    /// `GET /orders/{id}`
    GetOrder,
    /// `GET /orders`
    ListOrders,
    /// `PATCH /orders/{id}`
    UpdateOrder,
    /// `DELETE /orders/{id}`
    DeleteOrder,
    /// `POST /payments`
    CreatePayment,
    /// Anything else (answered `404`, or `405` for a known path with another method).
    Other,
}

impl Route {
    /// Matches a method and a raw (still encoded) path. `{id}` is exactly one segment, so an
    /// encoded `..%2Fadmin` is an id while a raw `../admin` is not a route at all.
    pub fn of(method: &str, path: &str) -> Route {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match (method, segments.as_slice()) {
            ("POST", ["orders"]) => Route::CreateOrder,
            ("GET", ["orders"]) => Route::ListOrders,
            ("GET", ["orders", id]) if !id.is_empty() => Route::GetOrder,
            ("PATCH", ["orders", id]) if !id.is_empty() => Route::UpdateOrder,
            ("DELETE", ["orders", id]) if !id.is_empty() => Route::DeleteOrder,
            ("POST", ["payments"]) => Route::CreatePayment,
            _ => Route::Other,
        }
    }

    /// Whether requests to this route change state (and so go through the idempotency store).
    fn mutates(self) -> bool {
        matches!(self, Route::CreateOrder | Route::UpdateOrder | Route::DeleteOrder | Route::CreatePayment)
    }
}

/// A reply of the API before any fault mangles it: a status and a JSON body (`None` = no body).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Option<Value>,
    /// Set when the reply was replayed from the idempotency store.
    pub(crate) replayed: bool,
}

impl Reply {
    fn json(status: u16, body: Value) -> Self {
        Reply { status, body: Some(body), replayed: false }
    }

    /// An error reply in one shape for the whole server: `{"error": {"code", "message"}}`.
    pub(crate) fn error(status: u16, code: &str, message: impl Into<String>) -> Self {
        Reply::json(status, json!({ "error": { "code": code, "message": message.into() } }))
    }

    /// The body as bytes (empty when there is none).
    pub(crate) fn body_bytes(&self) -> Bytes {
        match &self.body {
            Some(v) => Bytes::from(v.to_string()),
            None => Bytes::new(),
        }
    }
}

/// What the idempotency store keeps per key.
#[derive(Debug)]
struct Stored {
    /// Method, path and body of the first request, so a key reused for a different request
    /// is caught (Stripe answers that with an error, and so do we).
    fingerprint: (String, String, Bytes),
    reply: Reply,
}

/// The API's state: orders, payments, the idempotency store and the effect log.
#[derive(Debug, Default)]
pub(crate) struct Api {
    orders: BTreeMap<u64, Value>,
    next_order: u64,
    next_payment: u64,
    stored: HashMap<String, Stored>,
    pub(crate) effects: Vec<Effect>,
}

/// The parts of a request the API looks at.
#[derive(Debug)]
pub(crate) struct ApiRequest<'a> {
    pub(crate) seq: u64,
    pub(crate) route: Route,
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    pub(crate) query: Option<&'a str>,
    pub(crate) body: &'a Bytes,
    pub(crate) idempotency_key: Option<&'a str>,
}

impl Api {
    /// Handles one request, going through the idempotency store for mutating routes.
    pub(crate) fn handle(&mut self, req: &ApiRequest<'_>) -> Reply {
        let key = req.idempotency_key.filter(|_| req.route.mutates());
        let Some(key) = key else {
            return self.act(req);
        };
        let fingerprint = (req.method.to_owned(), req.path.to_owned(), req.body.clone());
        if let Some(stored) = self.stored.get(key) {
            if stored.fingerprint != fingerprint {
                return Reply::error(
                    422,
                    "idempotency_key_reused",
                    format!("key `{key}` was used for a different request"),
                );
            }
            let mut reply = stored.reply.clone();
            reply.replayed = true;
            return reply;
        }
        let reply = self.act(req);
        self.stored.insert(key.to_owned(), Stored { fingerprint, reply: reply.clone() });
        reply
    }

    /// Does what the route says, recording a side effect when it changes state.
    fn act(&mut self, req: &ApiRequest<'_>) -> Reply {
        let id = req.path.rsplit('/').next().unwrap_or_default();
        let id = percent_decode_str(id).decode_utf8_lossy().into_owned();
        match req.route {
            Route::CreateOrder => {
                let Some(mut fields) = json_object(req.body) else {
                    return Reply::error(400, "invalid_body", "expected a JSON object");
                };
                self.next_order += 1;
                let id = format!("ord_{}", self.next_order);
                fields.insert("id".into(), json!(id));
                fields.insert("status".into(), json!("created"));
                let order = Value::Object(fields);
                self.orders.insert(self.next_order, order.clone());
                self.effect(EffectKind::CreateOrder, &id, req);
                Reply::json(201, order)
            }
            Route::GetOrder => match self.order_key(&id).and_then(|n| self.orders.get(&n)) {
                Some(order) => Reply::json(200, order.clone()),
                None => not_found(&id),
            },
            Route::ListOrders => {
                let limit = query_limit(req.query).unwrap_or(usize::MAX);
                let list: Vec<Value> = self.orders.values().take(limit).cloned().collect();
                Reply::json(200, Value::Array(list))
            }
            Route::UpdateOrder => {
                let Some(changes) = json_object(req.body) else {
                    return Reply::error(400, "invalid_body", "expected a JSON object");
                };
                let Some(n) = self.order_key(&id) else {
                    return not_found(&id);
                };
                let Some(Value::Object(order)) = self.orders.get_mut(&n) else {
                    return not_found(&id);
                };
                for (k, v) in changes {
                    if k != "id" {
                        order.insert(k, v);
                    }
                }
                let order = Value::Object(order.clone());
                self.effect(EffectKind::UpdateOrder, &id, req);
                Reply::json(200, order)
            }
            Route::DeleteOrder => match self.order_key(&id) {
                Some(n) => {
                    self.orders.remove(&n);
                    self.effect(EffectKind::DeleteOrder, &id, req);
                    Reply { status: 204, body: None, replayed: false }
                }
                None => not_found(&id),
            },
            Route::CreatePayment => {
                let Some(mut fields) = json_object(req.body) else {
                    return Reply::error(400, "invalid_body", "expected a JSON object");
                };
                self.next_payment += 1;
                let id = format!("pay_{}", self.next_payment);
                fields.insert("id".into(), json!(id));
                fields.insert("status".into(), json!("succeeded"));
                self.effect(EffectKind::Charge, &id, req);
                Reply::json(201, Value::Object(fields))
            }
            Route::Other => {
                let known = Route::of("GET", req.path) != Route::Other || Route::of("POST", req.path) != Route::Other;
                if known {
                    Reply::error(405, "method_not_allowed", format!("`{}` not allowed", req.method))
                } else {
                    Reply::error(404, "not_found", format!("no route `{}`", req.path))
                }
            }
        }
    }

    fn order_key(&self, id: &str) -> Option<u64> {
        let n = id.strip_prefix("ord_")?.parse().ok()?;
        self.orders.contains_key(&n).then_some(n)
    }

    fn effect(&mut self, kind: EffectKind, id: &str, req: &ApiRequest<'_>) {
        self.effects.push(Effect {
            kind,
            resource_id: id.to_owned(),
            idempotency_key: req.idempotency_key.map(str::to_owned),
            request_seq: req.seq,
        });
    }
}

fn json_object(body: &Bytes) -> Option<Map<String, Value>> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

fn not_found(id: &str) -> Reply {
    Reply::error(404, "not_found", format!("no order `{id}`"))
}

fn query_limit(query: Option<&str>) -> Option<usize> {
    query?.split('&').find_map(|pair| pair.strip_prefix("limit=")).and_then(|v| v.parse().ok())
}
