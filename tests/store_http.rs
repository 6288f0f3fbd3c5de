//! The HTTP device path through a store, against a scripted loopback
//! server: states are stored at once, posted in order as arrays, removed
//! after a `2xx`; a state Losant rejects for good is removed and counted;
//! failures keep the states for later.

#![cfg(feature = "store")]

mod common;
#[path = "common/loopback.rs"]
mod loopback;

use common::client_at as client;
use common::{APP, DEVICE};
use futures::StreamExt;
use loopback::{serve, Reply, Request, REFUSED};
use losant_device::store::{Store, StoreError, StoreEvent, StoreOptions};
use losant_device::types::DeviceState;
use losant_device::Error;
use serde_json::json;
use std::time::Duration;

/// Only a guard against hangs (delivery retries wait about a second).
const PATIENCE: Duration = Duration::from_secs(30);

fn ok() -> Reply {
    Reply::json(200, json!({ "success": true }))
}

fn open(dir: &tempfile::TempDir) -> Store {
    Store::open(dir.path().join("reports.db"), StoreOptions::default()).expect("opens")
}

async fn until(what: &str, done: impl Fn() -> bool) {
    let waited = tokio::time::timeout(PATIENCE, async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    });
    waited
        .await
        .unwrap_or_else(|_| panic!("gave up waiting for {what}"));
}

/// The `n` of every state in `requests`, in order.
fn posted(requests: &[Request]) -> Vec<i64> {
    requests
        .iter()
        .flat_map(|request| {
            assert_eq!(request.method(), "POST");
            assert_eq!(
                request.path(),
                format!("/applications/{APP}/devices/{DEVICE}/state")
            );
            let body: serde_json::Value = serde_json::from_slice(&request.body).expect("json");
            let states = body.as_array().expect("an array of states").clone();
            states
                .into_iter()
                .map(|state| state["data"]["n"].as_i64().expect("n"))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[tokio::test]
async fn states_are_stored_at_once_and_posted_in_order_after_a_failure() {
    // The first attempt finds the server closing the connection.
    let server = serve(vec![Reply::CloseBeforeAnswer, ok()]).await;
    let client = client(&server.base_url);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = open(&dir);
    let mut events = store.events();
    let device = client
        .application(APP.parse().expect("id"))
        .device(DEVICE.parse().expect("id"))
        .store_and_forward(store.clone())
        .expect("starts");
    for n in 0..5i64 {
        device
            .send_state(DeviceState::at(1_000 + n).with("n", n))
            .await
            .expect("stored");
    }
    until("the store to empty", || store.stats().entries == 0).await;
    let stats = store.stats();
    assert_eq!(stats.delivered, 5);
    let failed = tokio::time::timeout(PATIENCE, events.next())
        .await
        .expect("an event");
    assert!(
        matches!(failed, Some(StoreEvent::DeliveryFailed { .. })),
        "{failed:?}"
    );
    // The states that were in the failed request may have reached
    // Losant: counted as resent.
    assert!(stats.resent >= 1);
    let requests = server.requests();
    let last: serde_json::Value =
        serde_json::from_slice(&requests[requests.len() - 1].body).expect("json");
    let times: Vec<i64> = last
        .as_array()
        .expect("states")
        .iter()
        .map(|state| state["time"].as_i64().expect("the original time"))
        .collect();
    assert_eq!(times.last(), Some(&1_004));
    // The first request was cut off; the others were answered with 200.
    assert_eq!(posted(&requests[1..]), (0..5).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_rejected_state_is_removed_and_counted_and_the_rest_delivered() {
    let rejection = Reply::json(400, json!({ "type": "Validation", "message": "bad state" }));
    let script = vec![
        Reply::CloseBeforeAnswer,
        rejection.clone(),
        ok(),
        rejection,
        ok(),
    ];
    let server = serve(script).await;
    let client = client(&server.base_url);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = open(&dir);
    let mut events = store.events();
    let device = client
        .application(APP.parse().expect("id"))
        .device(DEVICE.parse().expect("id"))
        .store_and_forward(store.clone())
        .expect("starts");
    for n in 0..3i64 {
        device
            .send_state(DeviceState::at(n).with("n", n))
            .await
            .expect("stored");
    }
    until("the store to empty", || store.stats().entries == 0).await;
    let stats = store.stats();
    assert_eq!((stats.delivered, stats.rejected), (2, 1));
    let rejected = tokio::time::timeout(PATIENCE, async {
        loop {
            if let Some(StoreEvent::Rejected {
                status,
                message,
                total,
            }) = events.next().await
            {
                return (status, message, total);
            }
        }
    })
    .await
    .expect("a rejection event");
    assert_eq!(rejected, (400, "bad state".to_string(), 1));
    // The batch, then each state alone: 0 delivered, 1 rejected, 2 delivered.
    let requests = server.requests();
    assert_eq!(requests.len(), 5);
    let last_three: Vec<i64> = requests[2..]
        .iter()
        .map(|request| {
            let body: serde_json::Value = serde_json::from_slice(&request.body).expect("json");
            body[0]["data"]["n"].as_i64().expect("n")
        })
        .collect();
    assert_eq!(last_three, [0, 1, 2]);
}

#[tokio::test]
async fn a_token_problem_keeps_the_states_for_later() {
    let unauthorised = Reply::json(401, json!({ "type": "Unauthorized", "message": "expired" }));
    let server = serve(vec![unauthorised, ok()]).await;
    let client = client(&server.base_url);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = open(&dir);
    let device = client
        .application(APP.parse().expect("id"))
        .device(DEVICE.parse().expect("id"))
        .store_and_forward(store.clone())
        .expect("starts");
    device
        .send_state(DeviceState::at(5i64).with("n", 0))
        .await
        .expect("stored");
    until("the store to empty", || store.stats().entries == 0).await;
    let stats = store.stats();
    assert_eq!((stats.delivered, stats.rejected, stats.resent), (1, 0, 0));
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn states_taken_offline_survive_a_restart_and_keep_their_time() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    {
        let offline = client(REFUSED);
        let store = open(&dir);
        let device = offline
            .application(APP.parse().expect("id"))
            .device(DEVICE.parse().expect("id"))
            .store_and_forward(store.clone())
            .expect("starts");
        device
            .send_state(DeviceState::at(1_234i64).with("n", 0))
            .await
            .expect("stored without a network");
        device
            .send_state(DeviceState::untimed().with("n", 1))
            .await
            .expect("stored without a network");
        assert_eq!(store.stats().entries, 2);
        drop(device);
        store.close().await;
    }
    let server = serve(vec![ok()]).await;
    let client = client(&server.base_url);
    let store = open(&dir);
    let _device = client
        .application(APP.parse().expect("id"))
        .device(DEVICE.parse().expect("id"))
        .store_and_forward(store.clone())
        .expect("starts");
    until("the store to empty", || store.stats().entries == 0).await;
    let body: serde_json::Value = serde_json::from_slice(&server.requests()[0].body).expect("json");
    assert_eq!(body[0]["time"], 1_234);
    // Stamped when it was taken, not by Losant on arrival.
    assert!(body[1]["time"].as_i64().expect("a time") > 1_600_000_000_000);
    assert_eq!(body[1]["data"]["n"], 1);
}

#[tokio::test]
async fn a_store_feeds_one_device_at_a_time() {
    let client = client(REFUSED);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = open(&dir);
    let app = client.application(APP.parse().expect("id"));
    let device = app.device(DEVICE.parse().expect("id"));
    let _first = device.store_and_forward(store.clone()).expect("starts");
    let error = device
        .store_and_forward(store.clone())
        .expect_err("the store is taken");
    assert!(
        matches!(error, Error::Store(StoreError::Attached { .. })),
        "{error:?}"
    );
}

#[tokio::test]
async fn invalid_states_are_refused_before_they_are_stored() {
    let client = client(REFUSED);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = open(&dir);
    let device = client
        .application(APP.parse().expect("id"))
        .device(DEVICE.parse().expect("id"))
        .store_and_forward(store.clone())
        .expect("starts");
    let error = device
        .send_state(DeviceState::now().with("bad name!", 1))
        .await
        .expect_err("invalid");
    assert!(matches!(error, Error::InvalidInput { .. }), "{error:?}");
    assert_eq!(store.stats().entries, 0);
}
