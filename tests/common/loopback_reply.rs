//! The replies of the loopback server (`loopback.rs`) and how they are
//! written to the socket, down to the byte a connection is cut at.

use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

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
pub(super) async fn play(mut socket: TcpStream, reply: Reply) -> bool {
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
