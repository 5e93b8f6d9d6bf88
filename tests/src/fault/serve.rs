//! One connection's life: read a request, record it, pick its fault, answer (or not).

use std::sync::Arc;

use bytes::Bytes;
use tokio::net::TcpStream;

use super::Shared;
use super::api::{ApiRequest, Reply};
use super::faults::Fault;
use super::http1::{Conn, IDLE_TIMEOUT, RawRequest, RawResponse};

/// What to do with the connection after a response.
enum Next {
    KeepOpen,
    Close,
}

/// Serves requests on one connection until the client closes it, a fault closes it, the
/// connection idles out, or the server shuts down (which aborts this task).
pub(crate) async fn serve_conn(stream: TcpStream, shared: Arc<Shared>) {
    // Small replies must not wait for Nagle; the faults are about timing.
    let _ = stream.set_nodelay(true);
    let mut conn = Conn::new(stream);
    loop {
        let request = match tokio::time::timeout(IDLE_TIMEOUT, conn.read_request()).await {
            Ok(Ok(Some(request))) => request,
            Ok(Ok(None)) | Err(_) => return,
            Ok(Err(e)) => {
                let reply = Reply::error(400, "bad_request", e.to_string());
                let _ = conn.write_response(&plain(&reply, 0, true)).await;
                return;
            }
        };
        let close = request.wants_close();
        match respond(&mut conn, &shared, request, close).await {
            Next::KeepOpen if !close => {}
            _ => return,
        }
    }
}

async fn respond(conn: &mut Conn, shared: &Shared, request: RawRequest, close: bool) -> Next {
    let (path, query) = match request.target.split_once('?') {
        Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
        None => (request.target.clone(), None),
    };
    let arrival = shared.arrive(&request, &path, query.as_deref());
    let fault = arrival.fault;

    // Faults that stop the request before the handler.
    match &fault {
        Some(Fault::DropBeforeHandler) => return Next::Close,
        Some(Fault::Status(status)) => {
            let reply = injected(*status);
            return write(conn, &plain(&reply, arrival.seq, close)).await;
        }
        Some(Fault::StatusWith { status, headers }) => {
            let mut response = plain(&injected(*status), arrival.seq, close);
            response.headers.extend(headers.iter().cloned());
            return write(conn, &response).await;
        }
        Some(Fault::Delay(wait)) => tokio::time::sleep(*wait).await,
        _ => {}
    }

    let api_request = ApiRequest {
        seq: arrival.seq,
        route: arrival.route,
        method: &request.method,
        path: &path,
        query: query.as_deref(),
        body: &request.body,
        idempotency_key: request.header(&shared.idempotency_header),
    };
    let reply = shared.handle(&api_request);

    // Faults that lose or mangle the reply after the handler committed.
    let mut response = plain(&reply, arrival.seq, close);
    match fault {
        Some(Fault::DropAfterHandler) => Next::Close,
        Some(Fault::TruncatedBody) => {
            let _ = conn.write_truncated(&response).await;
            Next::Close
        }
        Some(Fault::MalformedJson) => {
            // The real body minus its last byte plus `,}`: invalid JSON whose snippet
            // still shows the real content.
            let body = reply.body_bytes();
            let mut bytes = body.get(..body.len().saturating_sub(1)).unwrap_or_default().to_vec();
            bytes.extend_from_slice(b",}");
            response.body = Bytes::from(bytes);
            set_content_type(&mut response, "application/json");
            write(conn, &response).await
        }
        Some(Fault::WrongContentType) => {
            response.body =
                Bytes::from_static(b"<!doctype html><html><body><h1>Welcome to the proxy</h1></body></html>");
            set_content_type(&mut response, "text/html; charset=utf-8");
            write(conn, &response).await
        }
        Some(Fault::EmptyBody) => {
            response.body = Bytes::new();
            set_content_type(&mut response, "application/json");
            write(conn, &response).await
        }
        _ => write(conn, &response).await,
    }
}

async fn write(conn: &mut Conn, response: &RawResponse) -> Next {
    match conn.write_response(response).await {
        Ok(()) => Next::KeepOpen,
        Err(_) => Next::Close,
    }
}

/// The reply injected by a status fault.
fn injected(status: u16) -> Reply {
    Reply::error(status, "injected_fault", format!("injected status {status}"))
}

/// The response for a reply: JSON content type when there is a body, the server's own
/// request id (`request-id: req_<seq>`, as Stripe names it), and a replay marker.
fn plain(reply: &Reply, seq: u64, close: bool) -> RawResponse {
    let mut headers = vec![("request-id".to_owned(), format!("req_{seq}"))];
    if reply.body.is_some() {
        headers.push(("content-type".to_owned(), "application/json".to_owned()));
    }
    if reply.replayed {
        headers.push(("idempotent-replayed".to_owned(), "true".to_owned()));
    }
    if close {
        headers.push(("connection".to_owned(), "close".to_owned()));
    }
    RawResponse { status: reply.status, headers, body: reply.body_bytes() }
}

fn set_content_type(response: &mut RawResponse, value: &str) {
    response.headers.retain(|(n, _)| n != "content-type");
    response.headers.push(("content-type".to_owned(), value.to_owned()));
}
