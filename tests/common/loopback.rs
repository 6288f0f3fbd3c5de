//! The one loopback HTTP server of the tests. It answers each request with
//! the next [`Reply`] of a script (past the end it repeats the last), so it
//! can play a well-behaved Losant, a flaky one (503 twice, then 200), or a
//! hostile one: slow heads, bodies cut off or reset mid-way, endless or
//! oversized bodies, event streams dripped a chunk at a time. It records
//! every request it read (line, headers, body) and every held connection the
//! client closed.
#![allow(dead_code)]

#[path = "loopback_reply.rs"]
mod reply;

// Not every test binary uses every helper.
#[allow(unused_imports)]
pub use reply::{event, keep_alive, End, Reply};
use std::sync::{Arc, Mutex};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// An address nothing listens on (TCP port 1 of the loopback interface), so
/// that connecting fails at once.
pub const REFUSED: &str = "http://127.0.0.1:1";

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
                if reply::play(socket, reply).await {
                    let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
                    state.closed_by_client += 1;
                    closed_changed.notify_waiters();
                }
            });
        }
    });
    server
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
