//! A scripted HTTP/1.1 server on 127.0.0.1 (a raw `TcpListener`, so nothing between the client and
//! the bytes on the wire), and a hand-written client shaped like generated code.

#![allow(dead_code, unreachable_pub)] // each test file uses a different part of the support code
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

pub mod petstore;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server does with the next request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// Answer with a status, headers and body.
    Respond { status: u16, headers: Vec<(String, String)>, body: Vec<u8> },
    /// Close the connection after reading the request, without answering.
    Drop,
    /// Wait, then do the inner reply.
    Delay(Duration, Box<Reply>),
}

impl Reply {
    pub fn status(status: u16) -> Self {
        Reply::Respond { status, headers: Vec::new(), body: Vec::new() }
    }
    pub fn json(status: u16, body: &str) -> Self {
        Reply::Respond {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }
    pub fn header(mut self, name: &str, value: &str) -> Self {
        if let Reply::Respond { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }
}

/// A request as the server received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// The server: replies from the script in order, then the fallback.
#[derive(Clone)]
pub struct Server {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
    script: Arc<Mutex<VecDeque<Reply>>>,
    fallback: Arc<Mutex<Reply>>,
}

impl Server {
    pub async fn start(script: Vec<Reply>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server = Server {
            addr: listener.local_addr().unwrap(),
            requests: Arc::default(),
            script: Arc::new(Mutex::new(script.into())),
            fallback: Arc::new(Mutex::new(Reply::json(200, "{}"))),
        };
        let handle = server.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(handle.clone().serve(stream));
            }
        });
        server
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Adds a reply to the end of the script (for replies that name the server's own URL).
    pub fn push(&self, reply: Reply) {
        self.script.lock().unwrap().push_back(reply);
    }

    pub fn fallback(&self, reply: Reply) {
        *self.fallback.lock().unwrap() = reply;
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    /// Serves requests on one connection until a reply closes it (keep-alive otherwise, like a
    /// real server, so reqwest's connection pool is exercised).
    async fn serve(self, mut stream: TcpStream) {
        while let Some(request) = read_request(&mut stream).await {
            self.requests.lock().unwrap().push(request);
            let next = self.script.lock().unwrap().pop_front();
            let mut reply = next.unwrap_or_else(|| self.fallback.lock().unwrap().clone());
            loop {
                match reply {
                    Reply::Delay(wait, inner) => {
                        tokio::time::sleep(wait).await;
                        reply = *inner;
                    }
                    Reply::Drop => return,
                    Reply::Respond { status, headers, body } => {
                        let mut head = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n", body.len());
                        for (name, value) in headers {
                            head.push_str(&format!("{name}: {value}\r\n"));
                        }
                        head.push_str("\r\n");
                        let mut bytes = head.into_bytes();
                        bytes.extend_from_slice(&body);
                        if stream.write_all(&bytes).await.is_err() {
                            return;
                        }
                        break;
                    }
                }
            }
        }
    }
}

async fn read_request(stream: &mut TcpStream) -> Option<Recorded> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let target = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize =
        headers.iter().find(|(n, _)| n == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Recorded { method, target, headers, body })
}
