//! Shared pieces of the wire-level tests. Expected values here are written
//! from Losant's documented behaviour, never derived from our own spec.
#![allow(dead_code)]

use httpmock::prelude::*;
use httpmock::HttpMockRequest;
use losant_device::{Client, RetryPolicy};

pub const TOKEN: &str = "test-token-3f9a";
pub const APP: &str = "575ec8687ae143cd83dc4a97";
pub const DEVICE: &str = "575ecf887ae143cd83dc4aa2";
pub const RECIPE: &str = "575ecec57ae143cd83dc4a9f";

/// A client for `server` with the test token and retries off.
pub fn client(server: &MockServer) -> Client {
    client_at(&server.base_url())
}

/// A client for the server at `base_url` with the test token and retries off.
pub fn client_at(base_url: &str) -> Client {
    Client::builder()
        .base_url(base_url)
        .token(TOKEN)
        .retry_policy(RetryPolicy::disabled())
        .build()
        .expect("a valid test configuration")
}

/// A plain reqwest client, as a caller would hand one to the SDK. reqwest is
/// built without a crypto provider; loopback HTTP needs none, but building
/// a reqwest client does.
pub fn callers_reqwest_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .build()
        .expect("a reqwest client")
}

/// Matches a request whose raw query string is exactly `expected`.
pub fn raw_query(expected: &'static str) -> impl Fn(&HttpMockRequest) -> bool + Send + Sync {
    move |request| request.uri().query().unwrap_or("") == expected
}

/// One device as Losant answers `GET …/devices/{id}`, with a field the SDK
/// does not know (`futureField`) and a link. The benchmarks read the same
/// file.
pub fn device_json() -> serde_json::Value {
    serde_json::from_str(include_str!("../fixtures/device.json"))
        .expect("the device fixture is JSON")
}
