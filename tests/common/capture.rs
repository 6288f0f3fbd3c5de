//! A loopback HTTP server that records the request target (path and raw
//! query) of every request and answers with whatever the test set last.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone)]
struct Answer {
    status: u16,
    body: Vec<u8>,
}

pub struct Capture {
    pub base_url: String,
    targets: Arc<Mutex<Vec<String>>>,
    answer: Arc<Mutex<Answer>>,
}

impl Capture {
    /// Request targets seen so far (`/path?query`), oldest first.
    pub fn targets(&self) -> Vec<String> {
        self.targets.lock().map(|t| t.clone()).unwrap_or_default()
    }

    /// Forgets the targets seen so far.
    pub fn clear(&self) {
        if let Ok(mut targets) = self.targets.lock() {
            targets.clear();
        }
    }

    /// The raw query string of the latest request.
    pub fn last_query(&self) -> Option<String> {
        let target = self.targets().pop()?;
        Some(
            target
                .split_once('?')
                .map(|(_, query)| query.to_string())
                .unwrap_or_default(),
        )
    }

    /// What the following requests get.
    pub fn answer_with(&self, status: u16, body: impl Into<Vec<u8>>) {
        if let Ok(mut answer) = self.answer.lock() {
            *answer = Answer {
                status,
                body: body.into(),
            };
        }
    }
}

/// Starts a server answering `200 {}` until told otherwise.
pub async fn serve() -> Capture {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let base_url = format!("http://{}", listener.local_addr().expect("local addr"));
    let targets = Arc::new(Mutex::new(Vec::new()));
    let answer = Arc::new(Mutex::new(Answer {
        status: 200,
        body: b"{}".to_vec(),
    }));
    let (seen, current) = (targets.clone(), answer.clone());
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let (seen, current) = (seen.clone(), current.clone());
            tokio::spawn(async move {
                let mut socket = socket;
                let Some(target) = read_target(&mut socket).await else {
                    return;
                };
                let answer = {
                    let Ok(mut seen) = seen.lock() else { return };
                    seen.push(target);
                    let Ok(current) = current.lock() else { return };
                    current.clone()
                };
                let head = format!(
                    "HTTP/1.1 {} Whatever\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    answer.status,
                    answer.body.len()
                );
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(&answer.body).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    Capture {
        base_url,
        targets,
        answer,
    }
}

/// Reads a whole request and returns its target.
async fn read_target(socket: &mut TcpStream) -> Option<String> {
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
        let length = head
            .to_ascii_lowercase()
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .and_then(|value| value.trim().parse::<usize>().ok())
            .unwrap_or(0);
        if buffer.len() >= end + 4 + length {
            return head
                .lines()
                .next()
                .and_then(|line| line.split(' ').nth(1))
                .map(str::to_string);
        }
    }
}
