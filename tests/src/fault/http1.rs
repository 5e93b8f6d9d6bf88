//! A deliberately small HTTP/1.1 server side: read one request, write one response.
//!
//! Why not axum/hyper here: the faults are about bytes on the wire at exact moments (close
//! after the request was read but before a byte of the response; announce a `Content-Length`
//! and send less; send a status line and nothing else). hyper is right to make those states
//! impossible, so we own the connection and use `httparse` (what hyper itself uses) only to
//! parse request heads. Everything is bounded: head size, body size, idle time.

use std::io;
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Largest request head accepted (request line + headers).
const MAX_HEAD: usize = 64 * 1024;
/// Largest request body accepted; tests never need more, and a bound keeps a bug from eating memory.
const MAX_BODY: usize = 8 * 1024 * 1024;
/// Most headers in one request.
const MAX_HEADERS: usize = 128;
/// How long a connection may sit idle (or trickle a request) before the server closes it.
pub(crate) const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// One parsed request, exactly as it came in (the target is not decoded).
#[derive(Debug)]
pub(crate) struct RawRequest {
    pub(crate) method: String,
    /// The request target as sent: path and optional `?query`, still percent-encoded.
    pub(crate) target: String,
    /// Header names lowercased, values lossily decoded, in arrival order.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Bytes,
}

impl RawRequest {
    /// The first value of header `name` (case-insensitive).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Whether the client asked to close the connection after this exchange.
    pub(crate) fn wants_close(&self) -> bool {
        self.header("connection").is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case("close")))
    }
}

/// A response to write; `content_length` overrides the announced length (for truncation).
#[derive(Debug, Clone)]
pub(crate) struct RawResponse {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Bytes,
}

/// One accepted connection with its read buffer (bytes read past the current request stay
/// here for the next one).
#[derive(Debug)]
pub(crate) struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    pub(crate) fn new(stream: TcpStream) -> Self {
        Conn { stream, buf: Vec::with_capacity(4096) }
    }

    /// Reads more bytes into the buffer; `Ok(false)` at end of stream.
    async fn fill(&mut self) -> io::Result<bool> {
        let mut chunk = [0u8; 8192];
        let n = self.stream.read(&mut chunk).await?;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n > 0)
    }

    /// Reads the next request; `Ok(None)` when the client closed the connection cleanly
    /// between requests.
    pub(crate) async fn read_request(&mut self) -> io::Result<Option<RawRequest>> {
        let (head_len, method, target, headers) = loop {
            let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut parsed = httparse::Request::new(&mut slots);
            match parsed.parse(&self.buf) {
                Ok(httparse::Status::Complete(len)) => {
                    let headers = parsed
                        .headers
                        .iter()
                        .map(|h| (h.name.to_ascii_lowercase(), String::from_utf8_lossy(h.value).into_owned()))
                        .collect::<Vec<_>>();
                    break (
                        len,
                        parsed.method.unwrap_or_default().to_owned(),
                        parsed.path.unwrap_or_default().to_owned(),
                        headers,
                    );
                }
                Ok(httparse::Status::Partial) => {
                    if self.buf.len() > MAX_HEAD {
                        return Err(invalid("request head too large"));
                    }
                    if !self.fill().await? {
                        return if self.buf.is_empty() { Ok(None) } else { Err(io::ErrorKind::UnexpectedEof.into()) };
                    }
                }
                Err(e) => return Err(invalid(&format!("bad request head: {e}"))),
            }
        };
        self.buf.drain(..head_len);
        let mut request = RawRequest { method, target, headers, body: Bytes::new() };
        let chunked = request.header("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
        request.body = if chunked {
            self.read_chunked().await?
        } else {
            let len = match request.header("content-length") {
                Some(v) => v.trim().parse::<usize>().map_err(|_| invalid("bad content-length"))?,
                None => 0,
            };
            self.read_exact_n(len).await?
        };
        Ok(Some(request))
    }

    async fn read_exact_n(&mut self, len: usize) -> io::Result<Bytes> {
        if len > MAX_BODY {
            return Err(invalid("request body too large"));
        }
        while self.buf.len() < len {
            if !self.fill().await? {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        }
        Ok(Bytes::from(self.buf.drain(..len).collect::<Vec<u8>>()))
    }

    async fn read_line(&mut self) -> io::Result<Vec<u8>> {
        loop {
            if let Some(end) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line = self.buf.drain(..end + 2).take(end).collect();
                return Ok(line);
            }
            if self.buf.len() > MAX_HEAD {
                return Err(invalid("chunk line too long"));
            }
            if !self.fill().await? {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        }
    }

    /// Decodes a `Transfer-Encoding: chunked` body (streaming request bodies arrive this way).
    async fn read_chunked(&mut self) -> io::Result<Bytes> {
        let mut body = Vec::new();
        loop {
            let line = self.read_line().await?;
            let text = String::from_utf8_lossy(&line);
            let size_text = text.split(';').next().unwrap_or_default().trim();
            let size = usize::from_str_radix(size_text, 16).map_err(|_| invalid("bad chunk size"))?;
            if size == 0 {
                // Trailers, if any, end with an empty line.
                while !self.read_line().await?.is_empty() {}
                return Ok(Bytes::from(body));
            }
            if body.len().saturating_add(size) > MAX_BODY {
                return Err(invalid("request body too large"));
            }
            body.extend_from_slice(&self.read_exact_n(size).await?);
            if !self.read_line().await?.is_empty() {
                return Err(invalid("chunk not followed by CRLF"));
            }
        }
    }

    /// Writes a whole response with a correct `Content-Length`.
    pub(crate) async fn write_response(&mut self, response: &RawResponse) -> io::Result<()> {
        let head = response_head(response, response.body.len());
        self.stream.write_all(&head).await?;
        self.stream.write_all(&response.body).await?;
        self.stream.flush().await
    }

    /// Announces the full `Content-Length`, sends only the first half of the body and
    /// shuts the write side, so the client sees a body cut short.
    pub(crate) async fn write_truncated(&mut self, response: &RawResponse) -> io::Result<()> {
        // A body of 0 or 1 bytes has no useful half; announce more than we send either way.
        let announced = response.body.len().max(2);
        let sent = response.body.len() / 2;
        let head = response_head(response, announced);
        self.stream.write_all(&head).await?;
        self.stream.write_all(&response.body[..sent]).await?;
        self.stream.flush().await?;
        self.stream.shutdown().await
    }
}

fn response_head(response: &RawResponse, content_length: usize) -> Vec<u8> {
    let reason =
        http::StatusCode::from_u16(response.status).ok().and_then(|s| s.canonical_reason()).unwrap_or("Unknown");
    let mut head = format!("HTTP/1.1 {} {}\r\n", response.status, reason);
    for (name, value) in &response.headers {
        head.push_str(name);
        head.push_str(": ");
        head.push_str(value);
        head.push_str("\r\n");
    }
    head.push_str(&format!("content-length: {content_length}\r\n\r\n"));
    head.into_bytes()
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_owned())
}
