//! The one loopback HTTP server of the tests. It answers each request with
//! the next [`Reply`] of a script (past the end it repeats the last), so it
//! can play a well-behaved Losant, a flaky one (503 twice, then 200), or a
//! hostile one: slow heads, bodies cut off or reset mid-way, endless or
//! oversized bodies, event streams dripped a chunk at a time. It records
//! every request it read (line, headers, body) and every held connection the
//! client closed.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// An address nothing listens on (TCP port 1 of the loopback interface), so
/// that connecting fails at once.
pub const REFUSED: &str = "http://127.0.0.1:1";

/// How a chunked body ends once its chunks are written.
#[derive(Clone, Debug)]
pub enum End {
    /// A clean end: the terminating chunk, then the connection is closed.
    Finish,
    /// The connection is cut mid-body (no terminating chunk).
    Abort,
    /// The connection stays open until the client closes it.
    Hold,
}

/// What the server does with one request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A complete answer, after `delay`; the connection is closed after it.
    Answer {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        delay: Duration,
    },
    /// A chunked answer written a chunk at a time, `pause` apart.
    Chunked {
        status: u16,
        headers: Vec<(String, String)>,
        chunks: Vec<Vec<u8>>,
        pause: Duration,
        end: End,
    },
    /// `chunk` written again and again until the client goes away, under a
    /// declared `content-length` (which may be huge) or chunked.
    Endless {
        status: u16,
        headers: Vec<(String, String)>,
        declared_length: Option<u64>,
        chunk: Vec<u8>,
    },
    /// Waits this long before answering at all.
    SlowHead(Duration),
    /// Sends the head and a part of the body, then stalls this long.
    SlowBody(Duration),
    /// Sends the head and a part of the body, then resets the connection.
    ResetMidBody,
    /// Sends the head and a part of the body, then closes the connection.
    CloseMidBody,
    /// Reads the request, then closes the connection without a word.
    CloseBeforeAnswer,
    /// Reads the request, then resets the connection.
    ResetBeforeAnswer,
}

/// The pause between two chunks of a dripped body.
const DRIP: Duration = Duration::from_millis(10);
/// The body a partial answer promises and the part of it that is sent.
const PROMISED: usize = 400;
const PARTIAL: &[u8] = br#"{"id":"575ecf887ae143cd83dc4aa2","name":"half a dev"#;

impl Reply {
    /// A JSON answer.
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Self::typed(status, "application/json", body.to_string().as_bytes())
    }

    /// An answer with any content type and body.
    pub fn typed(status: u16, content_type: &str, body: &[u8]) -> Self {
        Reply::Answer {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.to_vec(),
            delay: Duration::ZERO,
        }
    }

    /// An answer without a content type.
    pub fn bare(status: u16, body: &[u8]) -> Self {
        Reply::Answer {
            status,
            headers: Vec::new(),
            body: body.to_vec(),
            delay: Duration::ZERO,
        }
    }

    /// `200 text/event-stream` with these chunks, dripped.
    pub fn sse(chunks: impl IntoIterator<Item = String>, end: End) -> Self {
        Reply::Chunked {
            status: 200,
            headers: vec![
                ("content-type".into(), "text/event-stream".into()),
                ("cache-control".into(), "no-cache".into()),
            ],
            chunks: chunks.into_iter().map(String::into_bytes).collect(),
            pause: DRIP,
            end,
        }
    }

    /// Adds a header to an answer.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        match &mut self {
            Reply::Answer { headers, .. }
            | Reply::Chunked { headers, .. }
            | Reply::Endless { headers, .. } => headers.push((name.into(), value.into())),
            _ => {}
        }
        self
    }

    /// Delays a complete answer.
    pub fn delayed(mut self, by: Duration) -> Self {
        if let Reply::Answer { delay, .. } = &mut self {
            *delay = by;
        }
        self
    }

    /// Sets the pause between the chunks of a chunked answer.
    pub fn paced(mut self, by: Duration) -> Self {
        if let Reply::Chunked { pause, .. } = &mut self {
            *pause = by;
        }
        self
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

/// What the server read of one request.
#[derive(Clone, Debug)]
pub struct Request {
    /// The request line, e.g. `GET /a/b?c=d HTTP/1.1`.
    pub line: String,
    /// Header names in lower case, with their values.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn method(&self) -> &str {
        self.line.split(' ').next().unwrap_or("")
    }

    pub fn target(&self) -> &str {
        self.line.split(' ').nth(1).unwrap_or("")
    }

    pub fn path(&self) -> &str {
        self.target().split('?').next().unwrap_or("")
    }

    pub fn query(&self) -> &str {
        self.target().split_once('?').map(|(_, q)| q).unwrap_or("")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct State {
    script: Vec<Reply>,
    requests: Vec<Request>,
    closed_by_client: usize,
}

pub struct Loopback {
    pub base_url: String,
    state: Arc<Mutex<State>>,
    closed_changed: Arc<Notify>,
}

impl Loopback {
    /// The requests read so far, oldest first.
    pub fn requests(&self) -> Vec<Request> {
        self.lock().requests.clone()
    }

    /// How many requests were read.
    pub fn hits(&self) -> usize {
        self.lock().requests.len()
    }

    /// Forgets the requests read so far (the script goes on).
    pub fn clear(&self) {
        self.lock().requests.clear();
    }

    /// Replaces the script; the next request gets its first reply.
    pub fn set_script(&self, script: Vec<Reply>) {
        let mut state = self.lock();
        state.script = script;
        state.requests.clear();
    }

    /// Waits until the client has closed `count` held connections.
    pub async fn wait_closed_by_client(&self, count: usize) {
        loop {
            let notified = self.closed_changed.notified();
            if self.lock().closed_by_client >= count {
                return;
            }
            notified.await;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Starts a server playing `script`.
pub async fn serve(script: Vec<Reply>) -> Loopback {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let base_url = format!("http://{}", listener.local_addr().expect("local addr"));
    let state = Arc::new(Mutex::new(State {
        script,
        ..State::default()
    }));
    let closed_changed = Arc::new(Notify::new());
    let server = Loopback {
        base_url,
        state: state.clone(),
        closed_changed: closed_changed.clone(),
    };
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let (state, closed_changed) = (state.clone(), closed_changed.clone());
            tokio::spawn(async move {
                let Some(request) = read_request(&mut socket).await else {
                    return;
                };
                let reply = {
                    let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
                    state.requests.push(request);
                    let index =
                        (state.requests.len() - 1).min(state.script.len().saturating_sub(1));
                    state.script.get(index).cloned()
                };
                let Some(reply) = reply else { return };
                if play(socket, reply).await {
                    let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
                    state.closed_by_client += 1;
                    closed_changed.notify_waiters();
                }
            });
        }
    });
    server
}

fn head(status: u16, headers: &[(String, String)], length: Option<u64>) -> String {
    let mut text = format!("HTTP/1.1 {status} Whatever\r\nconnection: close\r\n");
    match length {
        Some(length) => text.push_str(&format!("content-length: {length}\r\n")),
        None => text.push_str("transfer-encoding: chunked\r\n"),
    }
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    text
}

/// Plays `reply`; true when a held connection was closed by the client.
async fn play(mut socket: TcpStream, reply: Reply) -> bool {
    let partial_head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {PROMISED}\r\nconnection: close\r\n\r\n"
    );
    match reply {
        Reply::Answer {
            status,
            headers,
            body,
            delay,
        } => {
            tokio::time::sleep(delay).await;
            let _ = socket
                .write_all(head(status, &headers, Some(body.len() as u64)).as_bytes())
                .await;
            let _ = socket.write_all(&body).await;
            let _ = socket.shutdown().await;
        }
        Reply::Chunked {
            status,
            headers,
            chunks,
            pause,
            end,
        } => {
            if socket
                .write_all(head(status, &headers, None).as_bytes())
                .await
                .is_err()
            {
                return false;
            }
            for chunk in chunks {
                tokio::time::sleep(pause).await;
                let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
                framed.extend_from_slice(&chunk);
                framed.extend_from_slice(b"\r\n");
                if socket.write_all(&framed).await.is_err() {
                    return false;
                }
            }
            match end {
                End::Finish => {
                    let _ = socket.write_all(b"0\r\n\r\n").await;
                    let _ = socket.shutdown().await;
                }
                End::Abort => {
                    let _ = socket.shutdown().await;
                }
                End::Hold => {
                    // Reads until the client closes its side (EOF or reset).
                    let mut sink = [0u8; 256];
                    while let Ok(1..) = socket.read(&mut sink).await {}
                    return true;
                }
            }
        }
        Reply::Endless {
            status,
            headers,
            declared_length,
            chunk,
        } => {
            let _ = socket
                .write_all(head(status, &headers, declared_length).as_bytes())
                .await;
            let mut framed = chunk.clone();
            if declared_length.is_none() {
                framed = format!("{:x}\r\n", chunk.len()).into_bytes();
                framed.extend_from_slice(&chunk);
                framed.extend_from_slice(b"\r\n");
            }
            while socket.write_all(&framed).await.is_ok() {}
            return true;
        }
        Reply::SlowHead(delay) => {
            tokio::time::sleep(delay).await;
            let _ = socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}")
                .await;
        }
        Reply::SlowBody(delay) => {
            let _ = socket.write_all(partial_head.as_bytes()).await;
            let _ = socket.write_all(PARTIAL).await;
            let _ = socket.flush().await;
            tokio::time::sleep(delay).await;
        }
        Reply::ResetMidBody => {
            let _ = socket.write_all(partial_head.as_bytes()).await;
            let _ = socket.write_all(PARTIAL).await;
            let _ = socket.flush().await;
            reset(socket);
        }
        Reply::CloseMidBody => {
            let _ = socket.write_all(partial_head.as_bytes()).await;
            let _ = socket.write_all(PARTIAL).await;
            let _ = socket.shutdown().await;
        }
        Reply::CloseBeforeAnswer => {
            let _ = socket.shutdown().await;
        }
        Reply::ResetBeforeAnswer => reset(socket),
    }
    false
}

/// Drops the connection with SO_LINGER 0, so the peer gets a TCP reset.
#[allow(deprecated)] // only a non-zero linger blocks on drop
fn reset(socket: TcpStream) {
    let _ = socket.set_linger(Some(Duration::ZERO));
    drop(socket);
}

/// Reads the request line, headers and (by content-length) the body; `None`
/// when the peer went away first.
async fn read_request(socket: &mut TcpStream) -> Option<Request> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(read) => buffer.extend_from_slice(&chunk[..read]),
        }
        let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&buffer[..end]).to_string();
        let mut lines = head.split("\r\n");
        let line = lines.next()?.to_string();
        let headers: Vec<(String, String)> = lines
            .filter_map(|header| header.split_once(':'))
            .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string()))
            .collect();
        let length = headers
            .iter()
            .find(|(name, _)| name == "content-length")
            .and_then(|(_, value)| value.parse::<usize>().ok())
            .unwrap_or(0);
        if buffer.len() >= end + 4 + length {
            let body = buffer[end + 4..end + 4 + length].to_vec();
            return Some(Request {
                line,
                headers,
                body,
            });
        }
    }
}
