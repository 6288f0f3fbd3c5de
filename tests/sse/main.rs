//! Device event streams against a loopback SSE server: decoding, keep-alives,
//! reconnection with `Last-Event-ID`, terminal errors, and closing on drop.

#[path = "../common/mod.rs"]
mod common;
#[path = "../common/loopback.rs"]
mod loopback;

mod decoding;
mod ending;
mod reconnection;

use common::{APP, DEVICE};
use futures::{Stream, StreamExt};
use losant_device::sse::{Event, StreamOptions};
use losant_device::types::{DeviceState, StateValue};
use losant_device::{Backoff, Client, DeviceHandle};
use std::time::Duration;

/// A safety net so a broken stream fails the test instead of hanging it.
const PATIENCE: Duration = Duration::from_secs(30);

fn device(client: &Client) -> DeviceHandle<'_> {
    client
        .application(APP.parse().expect("app id"))
        .device(DEVICE.parse().expect("device id"))
}

/// Fast reconnection for tests.
fn options() -> StreamOptions {
    StreamOptions::default()
        .with_keep_alive(Duration::from_secs(7))
        .with_backoff(Backoff::new(
            Duration::from_millis(5),
            Duration::from_millis(20),
        ))
}

fn state(temp: i64) -> String {
    format!(r#"{{"time":"2016-06-13T04:00:00.000Z","data":{{"temp":{temp}}}}}"#)
}

fn temp(event: &Event<DeviceState>) -> Option<&StateValue> {
    event.data.data.get("temp")
}

/// Every item until the stream ends.
async fn drain<S: Stream + Unpin>(stream: S) -> Vec<S::Item> {
    tokio::time::timeout(PATIENCE, stream.collect())
        .await
        .expect("the stream should end")
}

async fn next<S: Stream + Unpin>(stream: &mut S) -> S::Item {
    tokio::time::timeout(PATIENCE, stream.next())
        .await
        .expect("an item in time")
        .expect("the stream should not end yet")
}
