//! Small helpers every module uses: the hang guard, device ids, topics, free ports.

use losant_device::DeviceId;
use std::future::Future;
use std::time::Duration;

/// Only a guard against hangs.
const GUARD: Duration = Duration::from_secs(30);

pub(crate) async fn guard<F: Future>(what: &str, future: F) -> F::Output {
    match tokio::time::timeout(GUARD, future).await {
        Ok(output) => output,
        Err(_) => panic!("gave up waiting for {what}"),
    }
}

pub(crate) fn device(n: u32) -> DeviceId {
    format!("5e{n:022x}").parse().expect("a valid device id")
}

pub(crate) fn state_topic(id: &DeviceId) -> String {
    format!("losant/{id}/state")
}

pub(crate) fn command_topic(id: &DeviceId) -> String {
    format!("losant/{id}/command")
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}
