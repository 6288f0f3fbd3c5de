//! Subscribing and unsubscribing peripherals, and the goodbye on drop.

use crate::clients::{builder, next_command, next_event, Peer};
use crate::gate::{Gate, Mode};
use crate::loopback_mqtt::start_mqtt_broker;
use crate::scripted::{
    kind, message, scripted_broker, scripted_builder, suback, subscription, unsubscription,
    DISCONNECT, SUBSCRIBE, UNSUBSCRIBE,
};
use crate::support::{command_topic, device, guard};
use futures::StreamExt;
use losant_device::mqtt::{ConnectionEvent, DisconnectReason, MqttError};
use losant_device::types::DeviceCommand;
use losant_device::Error;

/// Several peripherals subscribed at once, answered by the broker in the
/// reverse order and one of them rejected: each caller gets its own
/// answer, and each stream its own topic's commands.
#[tokio::test]
async fn concurrent_subscriptions_are_matched_by_packet_id_not_order() {
    let (port, mut accepted) = scripted_broker().await;
    let (gateway, granted, rejected, also) = (device(42), device(43), device(44), device(45));
    let rejected_topic = command_topic(&rejected);
    let script = {
        let rejected_topic = rejected_topic.clone();
        tokio::spawn(async move {
            let mut connection = accepted.recv().await.expect("a connection");
            connection
                .accept_device()
                .await
                .expect("the device connects");
            let mut asked = Vec::new();
            for _ in 0..3 {
                asked.push(subscription(&connection.expect_next(SUBSCRIBE).await));
            }
            for (pkid, topics) in asked.iter().rev() {
                let code = if topics[0] == rejected_topic {
                    0x80
                } else {
                    0x00
                };
                connection.send(suback(*pkid, &[code]));
            }
            for (_, topics) in &asked {
                let name = serde_json::json!({ "name": topics[0] }).to_string();
                connection.send(message(&topics[0], name.as_bytes()));
            }
            connection
        })
    };
    let connection = scripted_builder(port, &gateway)
        .connect()
        .await
        .expect("connects");
    let mut events = connection.events();
    let (first, second, third) = guard("three subscriptions", async {
        tokio::join!(
            connection.peripheral_commands(&granted),
            connection.peripheral_commands(&rejected),
            connection.peripheral_commands(&also),
        )
    })
    .await;
    match second {
        Err(Error::Mqtt(MqttError::SubscriptionRejected { topic })) => {
            assert_eq!(topic, rejected_topic)
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
    assert_eq!(
        next_event(&mut events).await,
        ConnectionEvent::SubscriptionRejected {
            topic: rejected_topic
        }
    );
    let _broker = script.await.expect("the script ran");
    for (mut stream, id) in [(first, &granted), (third, &also)] {
        let stream = stream.as_mut().expect("granted");
        assert_eq!(
            next_command(stream).await,
            DeviceCommand::named(command_topic(id))
        );
    }
}

/// Dropping the last stream of a peripheral unsubscribes from its topic;
/// dropping one of two does not.
#[tokio::test]
async fn dropping_the_last_peripheral_stream_unsubscribes() {
    let port = start_mqtt_broker(None).await;
    let mut gate = Gate::start(port, Mode::Forward).await;
    let (gateway, peripheral) = (device(46), device(47));
    let connection = builder(gate.port, &gateway)
        .connect()
        .await
        .expect("connects");
    let mut peer = Peer::start(port, &[]).await;
    let first = connection
        .peripheral_commands(&peripheral)
        .await
        .expect("subscribed");
    let mut second = connection
        .peripheral_commands(&peripheral)
        .await
        .expect("subscribed");

    drop(first);
    // A round trip through the task, which serves the drop first.
    let _other = connection
        .peripheral_commands(&device(48))
        .await
        .expect("subscribed");
    peer.publish(&command_topic(&peripheral), br#"{"name":"still"}"#)
        .await;
    assert_eq!(
        next_command(&mut second).await,
        DeviceCommand::named("still")
    );
    assert!(gate.sent_so_far(UNSUBSCRIBE).is_empty());

    drop(second);
    let _another = connection
        .peripheral_commands(&device(49))
        .await
        .expect("subscribed");
    let unsubscribes = gate.sent_so_far(UNSUBSCRIBE);
    assert_eq!(unsubscribes.len(), 1, "{unsubscribes:?}");
    assert_eq!(
        unsubscription(&unsubscribes[0]),
        [command_topic(&peripheral)]
    );
}

/// Dropping the last handle says goodbye to the broker (DISCONNECT) before
/// the task ends, which ends the streams.
#[tokio::test]
async fn dropping_the_last_handle_sends_disconnect() {
    let port = start_mqtt_broker(None).await;
    let mut gate = Gate::start(port, Mode::Forward).await;
    let connection = builder(gate.port, &device(54))
        .connect()
        .await
        .expect("connects");
    let mut events = connection.events();
    let clone = connection.clone();
    drop(connection);
    assert!(clone.is_connected(), "a clone keeps it up");
    drop(clone);
    assert_eq!(
        next_event(&mut events).await,
        ConnectionEvent::Disconnected {
            reason: DisconnectReason::Closed
        }
    );
    assert_eq!(guard("the event stream to end", events.next()).await, None);
    let goodbye = guard("the DISCONNECT through the gate", async {
        loop {
            let packet = gate.packets.recv().await.expect("the gate is running");
            if kind(&packet) == DISCONNECT {
                return packet;
            }
        }
    })
    .await;
    assert_eq!(goodbye, [0xe0, 0x00]);
}
