//! MQTT states through a store, against the embedded broker: QoS 1 and
//! removal at the PUBACK, what an earlier run left, bounds reported as
//! connection events, one connection per store, offline start.

#![cfg(all(feature = "mqtt", feature = "store"))]

mod loopback_mqtt;

use futures::StreamExt;
use loopback_mqtt::{guard, start_broker, Proxy, Subscriber};
use losant_device::mqtt::{ConnectionBuilder, ConnectionEvent, Qos};
use losant_device::store::{DropReason, Store, StoreError, StoreEvent, StoreOptions};
use losant_device::types::DeviceState;
use losant_device::{DeviceId, Error};
use std::time::Duration;

fn device(n: u32) -> DeviceId {
    format!("5e{n:022x}").parse().expect("a device id")
}

fn builder(port: u16, id: &DeviceId) -> ConnectionBuilder {
    loopback_mqtt::loopback_builder(port, id, "key", "secret")
}

fn open(dir: &tempfile::TempDir, options: StoreOptions) -> Store {
    Store::open(dir.path().join("reports.db"), options).expect("opens")
}

fn seqs(payloads: &[Vec<u8>]) -> Vec<i64> {
    payloads
        .iter()
        .map(|payload| {
            let state: serde_json::Value = serde_json::from_slice(payload).expect("json");
            state["data"]["seq"].as_i64().expect("seq")
        })
        .collect()
}

async fn until_empty(store: &Store) {
    guard("the store to empty", async {
        while store.stats().entries > 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
}

#[tokio::test]
async fn stored_states_go_at_qos_1_and_leave_the_store_at_their_puback() {
    let broker = start_broker().await;
    let proxy = Proxy::start(broker.port).await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = open(&dir, StoreOptions::default());
    let connection = builder(proxy.port, &device(1))
        .qos(Qos::AtMostOnce)
        .store(store.clone())
        .connect()
        .await
        .expect("connects");
    connection
        .send_state(&DeviceState::at(3i64).with("seq", 0))
        .await
        .expect("stored");
    until_empty(&store).await;
    // The proxy saw it as a QoS 1 PUBLISH and passed back its PUBACK.
    assert_eq!(
        proxy.acknowledged(),
        [br#"{"data":{"seq":0},"time":3}"#.to_vec()]
    );
    let stats = connection.store_stats().expect("a store");
    assert_eq!((stats.delivered, stats.entries, stats.resent), (1, 0, 0));
}

#[tokio::test]
async fn what_an_earlier_run_left_goes_first_in_order() {
    let broker = start_broker().await;
    let subscriber = Subscriber::start(broker.port, "earlier-run").await;
    let proxy = Proxy::start(broker.port).await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let id = device(2);
    proxy.cut();
    {
        let store = open(&dir, StoreOptions::default());
        // Started without a network: reports are taken all the same.
        let connection = builder(proxy.port, &id)
            .store(store.clone())
            .connect_in_background()
            .expect("starts");
        for seq in 0..3 {
            connection
                .send_state(&DeviceState::now().with("seq", seq))
                .await
                .expect("stored offline");
        }
        assert_eq!(store.stats().entries, 3);
        connection.close().await.expect("closed");
        store.close().await;
    }
    proxy.restore();
    let store = open(&dir, StoreOptions::default());
    let connection = builder(proxy.port, &id)
        .store(store.clone())
        .connect()
        .await
        .expect("connects");
    connection
        .send_state(&DeviceState::now().with("seq", 3))
        .await
        .expect("stored");
    until_empty(&store).await;
    subscriber.nth(3).await;
    assert_eq!(seqs(&subscriber.payloads()), [0, 1, 2, 3]);
}

#[tokio::test]
async fn the_bounds_are_reported_through_the_connection_events() {
    let broker = start_broker().await;
    let subscriber = Subscriber::start(broker.port, "bounds").await;
    let proxy = Proxy::start(broker.port).await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let size = |seq: i64| {
        let topic = format!("losant/{}/state", device(3));
        let payload = format!(r#"{{"data":{{"seq":{seq}}},"time":1}}"#);
        (topic.len() + payload.len()) as u64
    };
    let store = open(&dir, StoreOptions::new().max_bytes(size(0) * 3));
    let connection = builder(proxy.port, &device(3))
        .store(store.clone())
        .connect()
        .await
        .expect("connects");
    let mut events = connection.events();
    proxy.cut();
    guard("the connection to drop", async {
        while connection.is_connected() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    for seq in 0..5 {
        connection
            .send_state(&DeviceState::at(1i64).with("seq", seq))
            .await
            .expect("stored");
    }
    let dropped = guard("the drop events", async {
        let mut dropped = 0;
        while dropped < 2 {
            if let Some(ConnectionEvent::Store(StoreEvent::Dropped {
                reason: DropReason::Bytes,
                count,
                total,
            })) = events.next().await
            {
                dropped += count;
                assert_eq!(total, dropped);
            }
        }
        dropped
    })
    .await;
    assert_eq!(dropped, 2);
    assert_eq!(store.stats().dropped_for_bytes, 2);
    proxy.restore();
    until_empty(&store).await;
    subscriber.nth(2).await;
    assert_eq!(seqs(&subscriber.payloads()), [2, 3, 4]);
}

#[tokio::test]
async fn a_store_feeds_one_connection_at_a_time() {
    let broker = start_broker().await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = open(&dir, StoreOptions::default());
    let first = builder(broker.port, &device(4))
        .store(store.clone())
        .connect()
        .await
        .expect("connects");
    let second = builder(broker.port, &device(5))
        .store(store.clone())
        .connect()
        .await;
    assert!(
        matches!(second, Err(Error::Store(StoreError::Attached { .. }))),
        "{second:?}"
    );
    // Free again once `close` has returned.
    first.close().await.expect("closed");
    let again = builder(broker.port, &device(5))
        .store(store.clone())
        .connect()
        .await;
    assert!(again.is_ok(), "{again:?}");
}

#[tokio::test]
async fn an_untimed_state_is_stamped_when_it_is_taken() {
    let broker = start_broker().await;
    let subscriber = Subscriber::start(broker.port, "untimed").await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = open(&dir, StoreOptions::default());
    let connection = builder(broker.port, &device(6))
        .store(store.clone())
        .connect()
        .await
        .expect("connects");
    connection
        .send_state(&DeviceState::untimed().with("seq", 0))
        .await
        .expect("stored");
    let state: serde_json::Value = serde_json::from_slice(&subscriber.nth(0).await).expect("json");
    assert!(
        state["time"].as_i64().expect("a time") > 1_600_000_000_000,
        "{state}"
    );
}
