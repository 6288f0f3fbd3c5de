//! States out and commands in, for a device and for a gateway's peripherals.

use crate::clients::{builder, next_command, Peer};
use crate::gate::{Gate, Mode};
use crate::loopback_mqtt::start_mqtt_broker;
use crate::support::{command_topic, device, state_topic};
use losant_device::mqtt::Qos;
use losant_device::types::{DeviceCommand, DeviceState, TimeFormat, WrappedDate};
use losant_device::Error;

#[tokio::test]
async fn state_reaches_a_subscriber_as_json_on_the_state_topic() {
    let port = start_mqtt_broker(None).await;
    let id = device(1);
    let mut observer = Peer::start(port, &[state_topic(&id)]).await;

    let connection = builder(port, &id).connect().await.expect("connects");
    assert!(connection.is_connected());
    let bad = DeviceState::at(1i64).with("no spaces", 1);
    assert!(matches!(
        connection.send_state(&bad).await,
        Err(Error::InvalidInput { .. })
    ));
    let state = DeviceState::at(1_700_000_000_000i64)
        .with("temp", 21.5)
        .with("door", "open");
    connection.send_state(&state).await.expect("sent");
    let message = observer.next().await;
    assert_eq!(message.topic, state_topic(&id));
    assert_eq!(
        std::str::from_utf8(&message.payload).expect("UTF-8"),
        r#"{"data":{"door":"open","temp":21.5},"time":1700000000000}"#
    );
}

#[tokio::test]
async fn states_go_out_with_the_configured_qos() {
    let port = start_mqtt_broker(None).await;
    let mut gate = Gate::start(port, Mode::Forward).await;
    let qos = |packet: &[u8]| (packet[0] >> 1) & 0b11;

    let (plain, acknowledged) = (device(2), device(22));
    let connection = builder(gate.port, &plain)
        .connect()
        .await
        .expect("connects");
    connection
        .send_state(&DeviceState::at(2i64).with("on", true))
        .await
        .expect("sent");
    let packet = gate.next_publish().await;
    assert_eq!(qos(&packet), 0);
    assert!(packet.ends_with(br#"{"data":{"on":true},"time":2}"#));

    let connection = builder(gate.port, &acknowledged)
        .qos(Qos::AtLeastOnce)
        .connect()
        .await
        .expect("connects");
    connection
        .send_state(&DeviceState::at(3i64).with("on", false))
        .await
        .expect("sent");
    let packet = gate.next_publish().await;
    assert_eq!(qos(&packet), 1);
    assert!(packet.ends_with(br#"{"data":{"on":false},"time":3}"#));
}

#[tokio::test]
async fn commands_published_to_the_device_topic_arrive_on_the_stream() {
    let port = start_mqtt_broker(None).await;
    let id = device(3);
    let connection = builder(port, &id).connect().await.expect("connects");
    let mut commands = connection.commands();

    let mut peer = Peer::start(port, &[]).await;
    // Not a command: skipped with a warning.
    peer.publish(&command_topic(&id), b"not json").await;
    peer.publish(
        &command_topic(&id),
        br#"{"name":"reboot","payload":{"delay":5},"time":{"$date":"2024-01-01T00:00:00.000Z"}}"#,
    )
    .await;

    let expected = DeviceCommand::named("reboot")
        .with_payload(&serde_json::json!({"delay": 5}))
        .expect("a payload")
        .at(TimeFormat::WrappedDate(WrappedDate::new(
            "2024-01-01T00:00:00.000Z",
        )));
    assert_eq!(next_command(&mut commands).await, expected);
}

#[tokio::test]
async fn a_gateway_reports_for_and_receives_commands_of_peripherals() {
    let port = start_mqtt_broker(None).await;
    let (gateway, first, later) = (device(4), device(5), device(6));
    let mut peer = Peer::start(port, &[state_topic(&first)]).await;
    let connection = builder(port, &gateway).connect().await.expect("connects");

    // Peripherals are added after the connection is up.
    let mut first_commands = connection
        .peripheral_commands(&first)
        .await
        .expect("subscribed");
    connection
        .send_peripheral_state(&first, &DeviceState::at(3i64).with("level", 7))
        .await
        .expect("sent");
    let message = peer.next().await;
    assert_eq!(message.topic, state_topic(&first));
    assert_eq!(&message.payload[..], br#"{"data":{"level":7},"time":3}"#);

    peer.publish(&command_topic(&first), br#"{"name":"open"}"#)
        .await;
    assert_eq!(
        next_command(&mut first_commands).await,
        DeviceCommand::named("open")
    );

    // The gateway's own stream only has the gateway's commands.
    let mut own = connection.commands();
    peer.publish(&command_topic(&gateway), br#"{"name":"mine"}"#)
        .await;
    assert_eq!(next_command(&mut own).await, DeviceCommand::named("mine"));

    let mut later_commands = connection
        .peripheral_commands(&later)
        .await
        .expect("subscribed");
    peer.publish(&command_topic(&later), br#"{"name":"close"}"#)
        .await;
    assert_eq!(
        next_command(&mut later_commands).await,
        DeviceCommand::named("close")
    );
}
