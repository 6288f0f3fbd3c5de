//! Faults: every operation family (device, devices, device attributes,
//! device recipes, auth) meets error statuses with Losant's error body, HTML
//! error pages, empty and truncated bodies, a wrong content type, a server
//! slower than the timeout, connections reset or closed mid-body or before
//! any answer, and a refused connection. Each must end in a typed
//! `losant_device::Error`, without a panic, after exactly as many attempts
//! as the retry policy allows:
//!
//! - 429, 502, 503 and 504 are retried for GET, PATCH and DELETE, never for
//!   a POST that reached the server;
//! - a refused connection is retried for every method;
//! - other statuses, timeouts and broken answers are not retried.
//!
//! The server is a raw loopback socket (`tests/common/loopback.rs`), so it
//! can cut a connection where a real proxy or a crashing server would.

#[path = "../common/mod.rs"]
mod common;
#[path = "../common/loopback.rs"]
mod loopback;

mod answers;
mod matrix;
mod network;
mod operations;
