//! The MQTT device client against a second, independent broker:
//! mosquitto, with user name and password authentication. rumqttd, which
//! the other suites embed, comes from the same project as the client
//! (rumqttc), so both could share a misreading of the protocol.
//!
//! Opt-in, `#[ignore]`d: `.ci/run` installs mosquitto from Debian's
//! packages, starts it on loopback with its own configuration and runs
//! `cargo test --features … --test mqtt_mosquitto -- --ignored` with
//! - `LOSANT_TEST_MOSQUITTO`: `host:port` of its MQTT listener,
//! - `LOSANT_TEST_MOSQUITTO_WS`: `host:port` of its WebSocket listener,
//! - `LOSANT_TEST_MOSQUITTO_LOGIN`: `user:password` it accepts.

#![cfg(all(feature = "mqtt", feature = "store", feature = "mqtt-websocket"))]

mod loopback_mqtt;

use futures::StreamExt;
use loopback_mqtt::{guard, Proxy, Subscriber};
use losant_device::mqtt::{
    ConnectionBuilder, ConnectionEvent, DeviceConnection, DisconnectReason, MqttError, Qos,
};
use losant_device::store::{Store, StoreOptions};
use losant_device::types::DeviceState;
use losant_device::{Backoff, DeviceId, Error};
use std::sync::atomic::Ordering;
use std::time::Duration;

struct Mosquitto {
    port: u16,
    ws_port: u16,
    user: String,
    password: String,
}

fn mosquitto() -> Mosquitto {
    let port = |name: &str| -> u16 {
        let address = std::env::var(name)
            .unwrap_or_else(|_| panic!("{name} is not set; .ci/run sets it (see the module docs)"));
        let (_, port) = address.rsplit_once(':').expect("host:port");
        port.parse().expect("a port")
    };
    let login = std::env::var("LOSANT_TEST_MOSQUITTO_LOGIN")
        .expect("LOSANT_TEST_MOSQUITTO_LOGIN is not set");
    let (user, password) = login.split_once(':').expect("user:password");
    Mosquitto {
        port: port("LOSANT_TEST_MOSQUITTO"),
        ws_port: port("LOSANT_TEST_MOSQUITTO_WS"),
        user: user.into(),
        password: password.into(),
    }
}

fn device(n: u32) -> DeviceId {
    format!("5e{n:022x}").parse().expect("a device id")
}

impl Mosquitto {
    fn builder(&self, port: u16, id: &DeviceId) -> ConnectionBuilder {
        loopback_mqtt::loopback_builder(port, id, self.user.as_str(), self.password.as_str())
    }

    /// Subscribed to the states of device `n` only: the tests run at once.
    async fn subscriber(&self, name: &str, n: u32) -> Subscriber {
        let login = Some((self.user.as_str(), self.password.as_str()));
        let topic = format!("losant/{}/state", device(n));
        Subscriber::start_with(self.port, name, login, &topic).await
    }
}

#[tokio::test]
#[ignore = "needs mosquitto: run by .ci/run"]
async fn states_and_commands_go_through_mosquitto_at_qos_0_and_1() {
    let broker = mosquitto();
    let subscriber = broker.subscriber("mosquitto-states", 1).await;
    let (id, peripheral) = (device(1), device(2));
    for (n, qos) in [(0, Qos::AtMostOnce), (1, Qos::AtLeastOnce)] {
        let connection = broker
            .builder(broker.port, &id)
            .qos(qos)
            .connect()
            .await
            .expect("connects to mosquitto");
        // At QoS 1 this returns at mosquitto's PUBACK.
        connection
            .send_state(&DeviceState::at(n as i64).with("qos", n as i64))
            .await
            .expect("sent");
        let expected = format!(r#"{{"data":{{"qos":{n}}},"time":{n}}}"#);
        assert_eq!(subscriber.nth(n).await, expected.as_bytes());
        let mut commands = connection.commands();
        let mut theirs = connection
            .peripheral_commands(&peripheral)
            .await
            .expect("mosquitto grants the subscription");
        subscriber
            .publish(&format!("losant/{id}/command"), br#"{"name":"own"}"#)
            .await;
        subscriber
            .publish(
                &format!("losant/{peripheral}/command"),
                br#"{"name":"theirs"}"#,
            )
            .await;
        let own = guard("a command", commands.next())
            .await
            .expect("a command");
        assert_eq!(own.name, "own");
        let other = guard("a peripheral's command", theirs.next())
            .await
            .expect("a command");
        assert_eq!(other.name, "theirs");
        connection.close().await.expect("closed");
    }
}

#[tokio::test]
#[ignore = "needs mosquitto: run by .ci/run"]
async fn an_unauthorised_connect_is_refused_with_a_connack_code_and_not_retried() {
    let broker = mosquitto();
    let proxy = Proxy::start(broker.port).await;
    let wrong = DeviceConnection::builder(device(3), broker.user.as_str(), "wrong-secret")
        .broker("127.0.0.1")
        .port(proxy.port)
        .plain_tcp()
        .reconnect_backoff(Backoff::new(
            Duration::from_millis(20),
            Duration::from_millis(40),
        ))
        .connect_timeout(Duration::from_secs(20));
    let error = guard("the refusal", wrong.clone().connect())
        .await
        .expect_err("refused");
    let Error::Mqtt(MqttError::Refused { code, .. }) = &error else {
        panic!("not a refusal: {error:?}");
    };
    println!("mosquitto answered a wrong password with CONNACK return code {code}");
    assert!(matches!(code, 4 | 5), "{error}");
    // Many backoff waits later, still the one attempt.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(proxy.accepted.load(Ordering::SeqCst), 1);

    // Started in the background, the refusal closes the connection.
    let connection = wrong.connect_in_background().expect("starts");
    let mut events = connection.events();
    let refused = guard("the refusal event", async {
        loop {
            match events.next().await.expect("an event") {
                ConnectionEvent::Disconnected {
                    reason: DisconnectReason::Refused { code, .. },
                } => return code,
                _ => continue,
            }
        }
    })
    .await;
    assert!(matches!(refused, 4 | 5));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(proxy.accepted.load(Ordering::SeqCst), 2);
    assert!(matches!(
        connection
            .send_state(&DeviceState::now().with("x", 1))
            .await,
        Err(Error::Mqtt(MqttError::Refused { .. }))
    ));
}

#[tokio::test]
#[ignore = "needs mosquitto: run by .ci/run"]
async fn stored_states_reach_mosquitto_in_order_after_a_cut_link() {
    let broker = mosquitto();
    let subscriber = broker.subscriber("mosquitto-store", 4).await;
    let proxy = Proxy::start(broker.port).await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = Store::open(dir.path().join("reports.db"), StoreOptions::default()).expect("opens");
    let connection = broker
        .builder(proxy.port, &device(4))
        .store(store.clone())
        .connect()
        .await
        .expect("connects");
    proxy.cut();
    for seq in 0..200 {
        let state = DeviceState::at(seq as i64).with("seq", seq);
        connection.send_state(&state).await.expect("stored");
    }
    assert!(store.stats().entries > 0);
    proxy.restore();
    guard("the store to empty", async {
        while store.stats().entries > 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert_eq!(store.stats().delivered, 200);
    subscriber.nth(199).await;
    let seqs: Vec<i64> = subscriber
        .payloads()
        .iter()
        .map(|payload| {
            let state: serde_json::Value = serde_json::from_slice(payload).expect("json");
            state["data"]["seq"].as_i64().expect("seq")
        })
        .collect();
    // At least once: a duplicate is allowed only where the store counted
    // a resend; first arrivals are all there, in order.
    let mut first = Vec::new();
    for seq in &seqs {
        if !first.contains(seq) {
            first.push(*seq);
        }
    }
    assert_eq!(first, (0..200).collect::<Vec<_>>());
    assert!((seqs.len() - 200) as u64 <= store.stats().resent);
}

#[tokio::test]
#[ignore = "needs mosquitto: run by .ci/run"]
async fn websockets_work_against_mosquitto() {
    let broker = mosquitto();
    let subscriber = broker.subscriber("mosquitto-ws", 5).await;
    let connection = broker
        .builder(broker.ws_port, &device(5))
        .websocket()
        .qos(Qos::AtLeastOnce)
        .connect()
        .await
        .expect("connects over ws");
    connection
        .send_state(&DeviceState::at(9i64).with("over", "ws"))
        .await
        .expect("acknowledged");
    assert_eq!(
        subscriber.nth(0).await,
        br#"{"data":{"over":"ws"},"time":9}"#
    );
}
