//! Losing, refusing, restoring and ending the connection.

use crate::clients::{builder, lost, next_command, next_event, Peer};
use crate::gate::{Gate, Mode};
use crate::loopback_mqtt::{start_mqtt_broker, ChildBroker};
use crate::support::{command_topic, device, free_port, guard, state_topic};
use futures::StreamExt;
use losant_device::mqtt::{
    ConnectionEvent, ConnectionStatus, DeviceConnection, DisconnectReason, MqttError,
};
use losant_device::types::{DeviceCommand, DeviceState};
use losant_device::Error;
use std::time::Duration;

#[tokio::test]
async fn a_broker_restart_reconnects_and_resubscribes_every_topic() {
    let port = free_port();
    let broker = ChildBroker::start(port).await;
    let (gateway, before, during) = (device(7), device(8), device(9));
    let connection = builder(port, &gateway).connect().await.expect("connects");
    let mut events = connection.events();
    let mut own = connection.commands();
    let mut before_commands = connection
        .peripheral_commands(&before)
        .await
        .expect("subscribed");

    drop(broker);
    assert!(lost(&next_event(&mut events).await));
    assert_eq!(connection.status(), ConnectionStatus::Reconnecting);
    assert!(matches!(
        connection
            .send_state(&DeviceState::now().with("x", 1))
            .await,
        Err(Error::Mqtt(MqttError::NotConnected))
    ));
    // A peripheral added while disconnected is subscribed on reconnection.
    let mut during_commands = connection
        .peripheral_commands(&during)
        .await
        .expect("registered");

    let _broker = ChildBroker::start(port).await;
    assert_eq!(next_event(&mut events).await, ConnectionEvent::Reconnected);
    assert!(connection.is_connected());

    let mut peer = Peer::start(port, &[]).await;
    peer.publish(&command_topic(&gateway), br#"{"name":"own"}"#)
        .await;
    peer.publish(&command_topic(&before), br#"{"name":"before"}"#)
        .await;
    peer.publish(&command_topic(&during), br#"{"name":"during"}"#)
        .await;
    assert_eq!(next_command(&mut own).await, DeviceCommand::named("own"));
    assert_eq!(
        next_command(&mut before_commands).await,
        DeviceCommand::named("before")
    );
    assert_eq!(
        next_command(&mut during_commands).await,
        DeviceCommand::named("during")
    );
    connection
        .send_state(&DeviceState::now().with("x", 2))
        .await
        .expect("sent after reconnecting");
}

#[tokio::test]
async fn refused_credentials_are_a_typed_error() {
    let refusing = Gate::start(free_port(), Mode::Refuse(5)).await;
    let error = builder(refusing.port, &device(10))
        .connect()
        .await
        .expect_err("refused");
    assert!(
        matches!(&error, Error::Mqtt(MqttError::Refused { code: 5, .. })),
        "{error:?}"
    );
    assert!(error.to_string().contains("access secret"), "{error}");

    // rumqttd with authentication closes the connection instead of
    // refusing it: retried until the connect timeout, then an error naming
    // the likely cause.
    let port = start_mqtt_broker(Some(("access-key", "access-secret"))).await;
    let error = DeviceConnection::builder(device(11), "access-key", "wrong-secret")
        .broker("127.0.0.1")
        .port(port)
        .plain_tcp()
        .connect_timeout(Duration::from_secs(1))
        .connect()
        .await
        .expect_err("rejected");
    assert!(
        matches!(&error, Error::Mqtt(MqttError::Connection { .. })),
        "{error:?}"
    );
    assert!(error.to_string().contains("credentials"), "{error}");
    builder(port, &device(11))
        .connect()
        .await
        .expect("the right secret connects");
}

#[tokio::test]
async fn a_refused_reconnection_closes_the_connection() {
    let port = start_mqtt_broker(None).await;
    let gate = Gate::start(port, Mode::Forward).await;
    let connection = builder(gate.port, &device(12))
        .connect()
        .await
        .expect("connects");
    let mut events = connection.events();
    let mut commands = connection.commands();

    gate.set(Mode::Refuse(5));
    assert!(lost(&next_event(&mut events).await));
    assert!(matches!(
        next_event(&mut events).await,
        ConnectionEvent::Disconnected {
            reason: DisconnectReason::Refused { code: 5, .. }
        }
    ));
    assert_eq!(guard("the event stream to end", events.next()).await, None);
    assert_eq!(
        guard("the command stream to end", commands.next()).await,
        None
    );
    assert_eq!(connection.status(), ConnectionStatus::Closed);
    assert!(matches!(
        connection
            .send_state(&DeviceState::now().with("x", 1))
            .await,
        Err(Error::Mqtt(MqttError::Refused { code: 5, .. }))
    ));
}

#[tokio::test]
async fn publishing_while_disconnected_fails_or_is_queued_until_reconnected() {
    let port = start_mqtt_broker(None).await;
    let gate = Gate::start(port, Mode::Forward).await;
    let (strict, queueing) = (device(13), device(14));
    let mut observer = Peer::start(port, &[state_topic(&queueing)]).await;
    let strict_connection = builder(gate.port, &strict)
        .connect()
        .await
        .expect("connects");
    let queueing_connection = builder(gate.port, &queueing)
        .offline_queue(2)
        .connect()
        .await
        .expect("connects");
    let mut strict_events = strict_connection.events();
    let mut queueing_events = queueing_connection.events();

    gate.set(Mode::Down);
    assert!(lost(&next_event(&mut strict_events).await));
    assert!(lost(&next_event(&mut queueing_events).await));

    let first = DeviceState::at(10i64).with("n", 1);
    let second = DeviceState::at(11i64).with("n", 2);
    assert!(matches!(
        strict_connection.send_state(&first).await,
        Err(Error::Mqtt(MqttError::NotConnected))
    ));
    queueing_connection
        .send_state(&first)
        .await
        .expect("queued");
    queueing_connection
        .send_state(&second)
        .await
        .expect("queued");
    assert!(matches!(
        queueing_connection.send_state(&first).await,
        Err(Error::Mqtt(MqttError::QueueFull { capacity: 2 }))
    ));
    assert_eq!(queueing_connection.queued_messages(), 2);

    gate.set(Mode::Forward);
    assert_eq!(
        next_event(&mut queueing_events).await,
        ConnectionEvent::Reconnected
    );
    assert_eq!(
        &observer.next().await.payload[..],
        br#"{"data":{"n":1},"time":10}"#
    );
    assert_eq!(
        &observer.next().await.payload[..],
        br#"{"data":{"n":2},"time":11}"#
    );
    assert_eq!(queueing_connection.queued_messages(), 0);

    assert_eq!(
        next_event(&mut strict_events).await,
        ConnectionEvent::Reconnected
    );
    strict_connection
        .send_state(&first)
        .await
        .expect("sent once reconnected");
}

/// losant-mqtt-js #7: "connect" must fire again after disconnect + connect.
#[tokio::test]
async fn disconnect_then_reconnect_emits_connected_again() {
    let port = start_mqtt_broker(None).await;
    let id = device(15);
    let connection = builder(port, &id).connect().await.expect("connects");
    let mut events = connection.events();
    let mut commands = connection.commands();
    let mut peer = Peer::start(port, &[]).await;

    connection.disconnect().await.expect("disconnected");
    assert_eq!(
        next_event(&mut events).await,
        ConnectionEvent::Disconnected {
            reason: DisconnectReason::Requested
        }
    );
    assert_eq!(connection.status(), ConnectionStatus::Disconnected);
    assert!(matches!(
        connection
            .send_state(&DeviceState::now().with("x", 1))
            .await,
        Err(Error::Mqtt(MqttError::NotConnected))
    ));

    connection.reconnect().await.expect("connected again");
    assert_eq!(next_event(&mut events).await, ConnectionEvent::Connected);
    assert!(connection.is_connected());
    peer.publish(&command_topic(&id), br#"{"name":"again"}"#)
        .await;
    assert_eq!(
        next_command(&mut commands).await,
        DeviceCommand::named("again")
    );
}

#[tokio::test]
async fn dropping_or_closing_the_connection_stops_it() {
    let port = start_mqtt_broker(None).await;
    let connection = builder(port, &device(16))
        .connect()
        .await
        .expect("connects");
    let mut events = connection.events();
    let mut commands = connection.commands();
    drop(connection);
    assert_eq!(
        next_event(&mut events).await,
        ConnectionEvent::Disconnected {
            reason: DisconnectReason::Closed
        }
    );
    assert_eq!(guard("the event stream to end", events.next()).await, None);
    assert_eq!(
        guard("the command stream to end", commands.next()).await,
        None
    );

    // A broker of its own: rumqttd 0.20 may drop a connection made right
    // after another one disconnected.
    let port = start_mqtt_broker(None).await;
    let connection = builder(port, &device(17))
        .connect()
        .await
        .expect("connects");
    let clone = connection.clone();
    let mut events = clone.events();
    connection.close().await.expect("closed");
    assert_eq!(clone.status(), ConnectionStatus::Closed);
    assert!(matches!(
        clone.send_state(&DeviceState::now().with("x", 1)).await,
        Err(Error::Mqtt(MqttError::Closed))
    ));
    assert_eq!(
        next_event(&mut events).await,
        ConnectionEvent::Disconnected {
            reason: DisconnectReason::Closed
        }
    );
    assert_eq!(guard("the event stream to end", events.next()).await, None);
}
