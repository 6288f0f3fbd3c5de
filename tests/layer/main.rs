//! The hand-written layer: pagination, retries, timeouts, redaction, input
//! checks, the query builder and device authentication.

#[path = "../common/mod.rs"]
mod common;
#[path = "../common/loopback.rs"]
mod loopback;

mod builders;
mod client;
mod pages;
mod retries;
