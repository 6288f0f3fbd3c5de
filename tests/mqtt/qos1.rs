//! QoS 1 acknowledgements, resending after a reconnection, and a slow command stream.

use crate::clients::{builder, lost, next_command, next_event, Peer};
use crate::loopback_mqtt::start_mqtt_broker;
use crate::scripted::{acknowledged_publish, puback, scripted_broker, scripted_builder, PUBLISH};
use crate::support::{command_topic, device, guard};
use losant_device::mqtt::{MqttError, Qos};
use losant_device::types::{DeviceCommand, DeviceState};
use losant_device::Error;
use std::time::Duration;

/// With QoS 1, `send_state` returns at the broker's PUBACK for that very
/// message (matched by packet id, in any order), and not before.
#[tokio::test]
async fn a_qos1_state_resolves_at_its_own_puback() {
    let (port, mut accepted) = scripted_broker().await;
    let connecting = tokio::spawn(
        scripted_builder(port, &device(50))
            .qos(Qos::AtLeastOnce)
            .connect(),
    );
    let mut broker = accepted.recv().await.expect("a connection");
    broker.accept_device().await.expect("the device connects");
    let connection = connecting.await.expect("joined").expect("connects");

    let first_state = DeviceState::at(1i64).with("n", 1);
    let first = connection.send_state(&first_state);
    tokio::pin!(first);
    let first_pkid = tokio::select! {
        _ = &mut first => panic!("resolved before the broker had the message"),
        packet = broker.expect_next(PUBLISH) => acknowledged_publish(&packet).0,
    };
    // A second message, acknowledged at once, while the first is not.
    let second_state = DeviceState::at(2i64).with("n", 2);
    let acknowledge_second = async {
        let (pkid, payload) = acknowledged_publish(&broker.expect_next(PUBLISH).await);
        assert_eq!(payload, br#"{"data":{"n":2},"time":2}"#);
        assert_ne!(pkid, first_pkid);
        broker.send(puback(pkid));
    };
    let second = async {
        let ((), sent) = tokio::join!(
            acknowledge_second,
            guard("the second state", connection.send_state(&second_state))
        );
        sent
    };
    tokio::select! {
        _ = &mut first => panic!("resolved without its PUBACK"),
        sent = second => sent.expect("the second is acknowledged"),
    }
    assert!(futures::poll!(&mut first).is_pending());
    broker.send(puback(first_pkid));
    guard("the first state", first)
        .await
        .expect("the first is acknowledged");

    // No PUBACK at all: a typed timeout.
    let connecting = tokio::spawn(
        scripted_builder(port, &device(51))
            .qos(Qos::AtLeastOnce)
            .ack_timeout(Duration::from_millis(300))
            .connect(),
    );
    let mut silent = accepted.recv().await.expect("a connection");
    silent.accept_device().await.expect("the device connects");
    let connection = connecting.await.expect("joined").expect("connects");
    let error = connection
        .send_state(&first_state)
        .await
        .expect_err("never acknowledged");
    assert!(
        matches!(error, Error::Mqtt(MqttError::Timeout { .. })),
        "{error:?}"
    );
}

/// A QoS 1 state the broker had not acknowledged when the connection
/// dropped is sent again after reconnecting, and the call returns at that
/// PUBACK.
#[tokio::test]
async fn an_unacknowledged_state_is_resent_after_reconnecting() {
    let (port, mut accepted) = scripted_broker().await;
    let connecting = tokio::spawn(
        scripted_builder(port, &device(53))
            .qos(Qos::AtLeastOnce)
            .connect(),
    );
    let mut broker = accepted.recv().await.expect("a connection");
    broker.accept_device().await.expect("the device connects");
    let connection = connecting.await.expect("joined").expect("connects");
    let mut events = connection.events();

    let state = DeviceState::at(5i64).with("n", 5);
    let sending = connection.send_state(&state);
    tokio::pin!(sending);
    let first_try = tokio::select! {
        _ = &mut sending => panic!("resolved before the broker had the message"),
        packet = broker.expect_next(PUBLISH) => acknowledged_publish(&packet).1,
    };
    drop(broker);
    let again = async {
        assert!(lost(&next_event(&mut events).await));
        let mut broker = accepted.recv().await.expect("a reconnection");
        broker.accept_device().await.expect("the device reconnects");
        let (pkid, payload) = acknowledged_publish(&broker.expect_next(PUBLISH).await);
        assert_eq!(payload, first_try);
        broker.send(puback(pkid));
        broker
    };
    let (sent, _broker) = guard("the resent state", async {
        tokio::join!(&mut sending, again)
    })
    .await;
    sent.expect("acknowledged after reconnecting");
    assert_eq!(connection.queued_messages(), 0);
}

/// A stream that is not read loses its oldest commands, counted, while
/// another stream of the same topic that is read loses nothing.
#[tokio::test]
async fn a_slow_command_stream_loses_the_oldest_and_counts_them() {
    let port = start_mqtt_broker(None).await;
    let id = device(52);
    let connection = builder(port, &id)
        .command_buffer(2)
        .connect()
        .await
        .expect("connects");
    let mut slow = connection.commands();
    let mut fast = connection.commands();
    let mut peer = Peer::start(port, &[]).await;
    for n in 1..=5 {
        let name = format!("c{n}");
        let payload = serde_json::json!({ "name": name }).to_string();
        peer.publish(&command_topic(&id), payload.as_bytes()).await;
        assert_eq!(next_command(&mut fast).await, DeviceCommand::named(name));
    }
    assert_eq!(fast.dropped(), 0);
    assert_eq!(next_command(&mut slow).await, DeviceCommand::named("c4"));
    assert_eq!(next_command(&mut slow).await, DeviceCommand::named("c5"));
    assert_eq!(slow.dropped(), 3);
}
