//! Hostile servers and flaky networks, on loopback: whatever a server,
//! proxy or captive portal sends, memory stays bounded, what should end
//! ends, and no secret reaches an error. Limits are set small so that no
//! test needs more than a few MB to prove one.

#[path = "../common/mod.rs"]
mod common;
#[path = "../common/loopback.rs"]
mod loopback;

mod client_settings;
mod limits;
mod paging;
mod redirects;
mod secrets;

use common::{APP, DEVICE, TOKEN};
use losant_device::{Client, ClientBuilder, Error, RetryPolicy};
use std::time::Duration;

/// A guard so a broken limit fails the test instead of hanging it.
const PATIENCE: Duration = Duration::from_secs(30);

fn settings(base_url: &str) -> ClientBuilder {
    Client::builder()
        .base_url(base_url)
        .token(TOKEN)
        .retry_policy(RetryPolicy::disabled())
}

fn client(base_url: &str) -> Client {
    settings(base_url)
        .build()
        .expect("a valid test configuration")
}

async fn get_device(client: &Client) -> Result<losant_device::types::Device, Error> {
    let call = client.get_device().application_id(APP).device_id(DEVICE);
    tokio::time::timeout(PATIENCE, call)
        .await
        .expect("the call ends")
}
