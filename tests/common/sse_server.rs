//! A loopback server for event streams: it answers each request with the
//! next reply of a script (past the end it repeats the last), writes event
//! streams as chunked `text/event-stream` bodies dripped a chunk at a time,
//! and records every request and every connection the client closed.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// The pause between two chunks of a stream.
const DRIP: Duration = Duration::from_millis(10);

/// How a stream reply ends once its chunks are written.
#[derive(Clone, Debug)]
pub enum End {
    /// A clean end: the terminating chunk, then the connection is closed.
    Finish,
    /// The connection is cut mid-body (no terminating chunk).
    Abort,
    /// The connection stays open until the client closes it.
    Hold,
}

/// One scripted answer.
#[derive(Clone, Debug)]
pub enum Reply {
    /// `200 text/event-stream` with these body chunks.
    Stream {
        chunks: Vec<String>,
        pause: Duration,
        end: End,
    },
    /// An error status with a JSON body.
    Status(u16, String),
}

impl Reply {
    pub fn stream(chunks: impl IntoIterator<Item = String>, end: End) -> Self {
        Reply::Stream {
            chunks: chunks.into_iter().collect(),
            pause: DRIP,
            end,
        }
    }

    /// The same stream with `pause` between chunks.
    pub fn paced(self, pause: Duration) -> Self {
        match self {
            Reply::Stream { chunks, end, .. } => Reply::Stream { chunks, pause, end },
            other => other,
        }
    }
}

/// An SSE event as Losant writes it.
pub fn event(name: &str, id: Option<&str>, data: &str) -> String {
    let mut text = format!("event: {name}\n");
    if let Some(id) = id {
        text.push_str(&format!("id: {id}\n"));
    }
    for line in data.lines() {
        text.push_str(&format!("data: {line}\n"));
    }
    text.push('\n');
    text
}

/// A keep-alive comment.
pub fn keep_alive() -> String {
    ": keep-alive\n\n".to_string()
}

/// What the server saw of one request.
#[derive(Clone, Debug)]
pub struct Request {
    /// The request line, e.g. `GET /a/b?c=d HTTP/1.1`.
    pub line: String,
    /// Header names in lower case, with their values.
    pub headers: Vec<(String, String)>,
}

impl Request {
    pub fn path(&self) -> &str {
        let target = self.line.split(' ').nth(1).unwrap_or("");
        target.split('?').next().unwrap_or("")
    }

    pub fn query(&self) -> &str {
        let target = self.line.split(' ').nth(1).unwrap_or("");
        target.split_once('?').map(|(_, q)| q).unwrap_or("")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

pub struct SseServer {
    pub base_url: String,
    requests: Arc<Mutex<Vec<Request>>>,
    closed: Arc<Mutex<usize>>,
    closed_changed: Arc<Notify>,
}

impl SseServer {
    /// The requests received so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().expect("requests lock").clone()
    }

    /// Waits until the client has closed `count` held connections.
    pub async fn wait_closed_by_client(&self, count: usize) {
        loop {
            let notified = self.closed_changed.notified();
            if *self.closed.lock().expect("closed lock") >= count {
                return;
            }
            notified.await;
        }
    }
}

pub async fn serve(replies: Vec<Reply>) -> SseServer {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let base_url = format!("http://{}", listener.local_addr().expect("local addr"));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let closed = Arc::new(Mutex::new(0));
    let closed_changed = Arc::new(Notify::new());
    let server = SseServer {
        base_url,
        requests: requests.clone(),
        closed: closed.clone(),
        closed_changed: closed_changed.clone(),
    };
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let (requests, closed, closed_changed) =
                (requests.clone(), closed.clone(), closed_changed.clone());
            let replies = replies.clone();
            tokio::spawn(async move {
                let Some(request) = read_request(&mut socket).await else {
                    return;
                };
                let reply = {
                    let mut seen = requests.lock().expect("requests lock");
                    seen.push(request);
                    replies[(seen.len() - 1).min(replies.len() - 1)].clone()
                };
                if answer(&mut socket, reply).await {
                    *closed.lock().expect("closed lock") += 1;
                    closed_changed.notify_waiters();
                }
            });
        }
    });
    server
}

/// Writes `reply`; true when a held connection was closed by the client.
async fn answer(socket: &mut TcpStream, reply: Reply) -> bool {
    let (chunks, pause, end) = match reply {
        Reply::Status(status, body) => {
            let text = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n\
                 content-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(text.as_bytes()).await;
            let _ = socket.shutdown().await;
            return false;
        }
        Reply::Stream { chunks, pause, end } => (chunks, pause, end),
    };
    let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\
                cache-control: no-cache\r\ntransfer-encoding: chunked\r\n\r\n";
    if socket.write_all(head.as_bytes()).await.is_err() {
        return false;
    }
    for chunk in chunks {
        tokio::time::sleep(pause).await;
        let framed = format!("{:x}\r\n{chunk}\r\n", chunk.len());
        if socket.write_all(framed.as_bytes()).await.is_err() {
            return false;
        }
    }
    match end {
        End::Finish => {
            let _ = socket.write_all(b"0\r\n\r\n").await;
            let _ = socket.shutdown().await;
            false
        }
        End::Abort => {
            let _ = socket.shutdown().await;
            false
        }
        End::Hold => {
            // Reads until the client closes its side (EOF or reset).
            let mut sink = [0u8; 256];
            while let Ok(1..) = socket.read(&mut sink).await {}
            true
        }
    }
}

/// Reads a request line and headers (the streams are GETs without body).
async fn read_request(socket: &mut TcpStream) -> Option<Request> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head = loop {
        let read = socket.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
        let text = String::from_utf8_lossy(&buffer).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            break text[..end].to_string();
        }
    };
    let mut lines = head.split("\r\n");
    let line = lines.next()?.to_string();
    let headers = lines
        .filter_map(|header| header.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string()))
        .collect();
    Some(Request { line, headers })
}
