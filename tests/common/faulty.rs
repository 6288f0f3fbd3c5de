//! A raw loopback HTTP server that misbehaves on purpose: every request gets
//! the same [`Fault`], from a well-formed error answer to a connection reset
//! in the middle of the body. It counts the requests it read in full, so a
//! test can tell how often the client tried.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server does with each request it reads.
#[derive(Clone, Debug)]
pub enum Fault {
    /// A complete answer; the connection is closed after it.
    Answer {
        status: u16,
        content_type: Option<&'static str>,
        body: Vec<u8>,
    },
    /// Waits this long before answering at all (a hang guard: the client's
    /// timeout is meant to fire first).
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

impl Fault {
    /// An answer with a JSON body.
    pub fn json(status: u16, body: &str) -> Self {
        Fault::Answer {
            status,
            content_type: Some("application/json"),
            body: body.as_bytes().to_vec(),
        }
    }

    /// An answer with any content type and body.
    pub fn typed(status: u16, content_type: &'static str, body: &[u8]) -> Self {
        Fault::Answer {
            status,
            content_type: Some(content_type),
            body: body.to_vec(),
        }
    }
}

/// The body a partial answer promises and the part of it that is sent.
const PROMISED: usize = 400;
const PARTIAL: &[u8] = br#"{"id":"575ecf887ae143cd83dc4aa2","name":"half a dev"#;

pub struct FaultyServer {
    pub base_url: String,
    hits: Arc<AtomicUsize>,
}

impl FaultyServer {
    /// Requests read in full so far.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

/// Starts a server answering every request with `fault`.
pub async fn serve(fault: Fault) -> FaultyServer {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let base_url = format!("http://{}", listener.local_addr().expect("local addr"));
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let fault = fault.clone();
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut socket = socket;
                if !read_request(&mut socket).await {
                    return;
                }
                counter.fetch_add(1, Ordering::SeqCst);
                misbehave(socket, fault).await;
            });
        }
    });
    FaultyServer { base_url, hits }
}

async fn misbehave(mut socket: TcpStream, fault: Fault) {
    let partial_head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {PROMISED}\r\nconnection: close\r\n\r\n"
    );
    match fault {
        Fault::Answer {
            status,
            content_type,
            body,
        } => {
            let mut head = format!(
                "HTTP/1.1 {status} Whatever\r\nconnection: close\r\ncontent-length: {}\r\n",
                body.len()
            );
            if let Some(content_type) = content_type {
                head.push_str(&format!("content-type: {content_type}\r\n"));
            }
            head.push_str("\r\n");
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(&body).await;
            let _ = socket.shutdown().await;
        }
        Fault::SlowHead(delay) => {
            tokio::time::sleep(delay).await;
            let _ = socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}")
                .await;
        }
        Fault::SlowBody(delay) => {
            let _ = socket.write_all(partial_head.as_bytes()).await;
            let _ = socket.write_all(PARTIAL).await;
            let _ = socket.flush().await;
            tokio::time::sleep(delay).await;
        }
        Fault::ResetMidBody => {
            let _ = socket.write_all(partial_head.as_bytes()).await;
            let _ = socket.write_all(PARTIAL).await;
            let _ = socket.flush().await;
            reset(socket);
        }
        Fault::CloseMidBody => {
            let _ = socket.write_all(partial_head.as_bytes()).await;
            let _ = socket.write_all(PARTIAL).await;
            let _ = socket.shutdown().await;
        }
        Fault::CloseBeforeAnswer => {
            let _ = socket.shutdown().await;
        }
        Fault::ResetBeforeAnswer => reset(socket),
    }
}

/// Drops the connection with SO_LINGER 0, so the peer gets a TCP reset.
#[allow(deprecated)] // only a non-zero linger blocks on drop
fn reset(socket: TcpStream) {
    let _ = socket.set_linger(Some(Duration::ZERO));
    drop(socket);
}

/// Reads the request line, headers and (by content-length) the body;
/// false when the peer went away first.
async fn read_request(socket: &mut TcpStream) -> bool {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return false,
            Ok(read) => buffer.extend_from_slice(&chunk[..read]),
        }
        let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
        let length = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .and_then(|value| value.trim().parse::<usize>().ok())
            .unwrap_or(0);
        if buffer.len() >= end + 4 + length {
            return true;
        }
    }
}

/// An address nothing listens on (TCP port 1 of the loopback interface), so
/// that connecting fails at once.
pub const REFUSED: &str = "http://127.0.0.1:1";
