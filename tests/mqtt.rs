//! The MQTT device client against a real broker (rumqttd) on loopback.
//!
//! - Most tests embed rumqttd in this process (it runs in its own threads
//!   and cannot be stopped, so each test starts one on a free port).
//! - The restart test needs a broker it can kill and start again on the
//!   same port: it runs rumqttd in a child process, this same test binary
//!   re-executed for the `broker_child_process` entry point.
//! - Tests that need a connection to drop, stay down or be refused while
//!   the broker keeps running put a small TCP proxy (`Gate`) in front of it.
//! - rumqttd does not answer bad credentials with a refusing CONNACK (it
//!   closes the connection), so the refusal tests use the `Gate`, which
//!   answers CONNECT with CONNACK return code 5 as Losant's broker does;
//!   rumqttd's own authentication is tested too.
//!
//! Timeouts only guard against hangs; nothing depends on timing.

#![cfg(feature = "mqtt")]

mod loopback_mqtt;

use futures::StreamExt;
use loopback_mqtt::read_packet;
use losant_device::mqtt::{
    ConnectionBuilder, ConnectionEvent, ConnectionStatus, DeviceConnection, DisconnectReason,
    EventStream, MqttError, Qos,
};
use losant_device::types::{DeviceCommand, DeviceState, TimeFormat, WrappedDate};
use losant_device::{Backoff, DeviceId, Error};
use rumqttc::tokio_rustls::TlsAcceptor;
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::collections::HashMap;
use std::future::Future;
use std::io::Read;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

/// Only a guard against hangs.
const GUARD: Duration = Duration::from_secs(30);
const CHILD_PORT_VAR: &str = "LOSANT_MQTT_TEST_BROKER_PORT";

async fn guard<F: Future>(what: &str, future: F) -> F::Output {
    match tokio::time::timeout(GUARD, future).await {
        Ok(output) => output,
        Err(_) => panic!("gave up waiting for {what}"),
    }
}

fn device(n: u32) -> DeviceId {
    format!("5e{n:022x}").parse().expect("a valid device id")
}

fn state_topic(id: &DeviceId) -> String {
    format!("losant/{id}/state")
}

fn command_topic(id: &DeviceId) -> String {
    format!("losant/{id}/command")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

// ---------------------------------------------------------------- broker

fn broker_config(port: u16, auth: Option<(&str, &str)>) -> rumqttd::Config {
    let connections = rumqttd::ConnectionSettings {
        connection_timeout_ms: 10_000,
        max_payload_size: 256 * 1024,
        max_inflight_count: 100,
        auth: auth.map(|(user, password)| HashMap::from([(user.into(), password.into())])),
        external_auth: None,
        dynamic_filters: true,
    };
    let server = rumqttd::ServerSettings {
        name: "v4".into(),
        listen: SocketAddr::from(([127, 0, 0, 1], port)),
        tls: None,
        next_connection_delay_ms: 0,
        connections,
    };
    rumqttd::Config {
        router: rumqttd::RouterConfig {
            max_connections: 100,
            max_outgoing_packet_count: 200,
            max_segment_size: 1024 * 1024,
            max_segment_count: 10,
            ..Default::default()
        },
        v4: Some(HashMap::from([("v4".to_string(), server)])),
        ..Default::default()
    }
}

/// Starts rumqttd in this process (it lives until the test binary exits).
async fn start_broker(auth: Option<(&str, &str)>) -> u16 {
    let port = free_port();
    let config = broker_config(port, auth);
    std::thread::spawn(move || {
        let mut broker = rumqttd::Broker::new(config);
        let _ = broker.start();
    });
    wait_listening(port).await;
    port
}

async fn wait_listening(port: u16) {
    guard("the broker to listen", async {
        while TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
}

/// Not a test: the broker process of `a_broker_restart_*`, run as a child of
/// this test binary. Without the environment variable it does nothing.
#[test]
fn broker_child_process() {
    let Ok(port) = std::env::var(CHILD_PORT_VAR) else {
        return;
    };
    let port: u16 = port.parse().expect("a port number");
    // Exit with the parent: its end of our stdin closes when it dies.
    std::thread::spawn(|| {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        std::process::exit(0);
    });
    let mut broker = rumqttd::Broker::new(broker_config(port, None));
    let _ = broker.start();
}

/// rumqttd in a child process; killed (like a crash) when dropped.
struct ChildBroker(Child);

impl ChildBroker {
    async fn start(port: u16) -> Self {
        let exe = std::env::current_exe().expect("the test binary");
        let child = Command::new(exe)
            .args(["broker_child_process", "--exact", "--test-threads=1"])
            .env(CHILD_PORT_VAR, port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the broker process starts");
        let broker = ChildBroker(child);
        wait_listening(port).await;
        broker
    }
}

impl Drop for ChildBroker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

// ---------------------------------------------------------------- gate

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Pass connections through to the broker.
    Forward,
    /// Cut every connection and close new ones at once.
    Down,
    /// Answer CONNECT with a refusing CONNACK with this return code.
    Refuse(u8),
}

/// A TCP proxy in front of a broker that can cut, refuse or pass
/// connections, and reports every packet clients send through it.
struct Gate {
    port: u16,
    mode: watch::Sender<Mode>,
    packets: mpsc::UnboundedReceiver<Vec<u8>>,
}

impl Gate {
    async fn start(upstream: u16, mode: Mode) -> Gate {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let (mode, modes) = watch::channel(mode);
        let (tap, packets) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let modes = modes.clone();
                let current = *modes.borrow();
                match current {
                    Mode::Forward => {
                        tokio::spawn(forward(socket, upstream, modes, tap.clone()));
                    }
                    Mode::Down => drop(socket),
                    Mode::Refuse(code) => {
                        tokio::spawn(refuse(socket, code));
                    }
                }
            }
        });
        Gate {
            port,
            mode,
            packets,
        }
    }

    fn set(&self, mode: Mode) {
        self.mode.send_replace(mode);
    }

    /// The next PUBLISH a client sent through the gate.
    async fn next_publish(&mut self) -> Vec<u8> {
        guard("a PUBLISH through the gate", async {
            loop {
                let packet = self.packets.recv().await.expect("the gate is running");
                if kind(&packet) == PUBLISH {
                    return packet;
                }
            }
        })
        .await
    }

    /// The packets of `wanted` kind that clients sent through the gate so
    /// far (and that the gate has passed on).
    fn sent_so_far(&mut self, wanted: u8) -> Vec<Vec<u8>> {
        std::iter::from_fn(|| self.packets.try_recv().ok())
            .filter(|packet| kind(packet) == wanted)
            .collect()
    }
}

async fn forward(
    client: TcpStream,
    upstream: u16,
    mut mode: watch::Receiver<Mode>,
    tap: mpsc::UnboundedSender<Vec<u8>>,
) {
    let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)).await else {
        return;
    };
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let up = async {
        while let Ok(packet) = read_packet(&mut client_read).await {
            let _ = tap.send(packet.clone());
            if server_write.write_all(&packet).await.is_err() {
                break;
            }
        }
    };
    tokio::select! {
        _ = up => {}
        _ = tokio::io::copy(&mut server_read, &mut client_write) => {}
        _ = mode.wait_for(|mode| *mode != Mode::Forward) => {}
    }
}

async fn refuse(mut socket: TcpStream, code: u8) {
    if read_packet(&mut socket).await.is_ok() {
        let _ = socket.write_all(&[0x20, 0x02, 0x00, code]).await;
        // Keep the socket until the client hangs up, so it reads the CONNACK.
        let _ = socket.read_to_end(&mut Vec::new()).await;
    }
}

// ---------------------------------------------------------------- scripted broker

// MQTT 3.1.1 packet types (2.2.1).
const CONNECT: u8 = 1;
const PUBLISH: u8 = 3;
const SUBSCRIBE: u8 = 8;
const UNSUBSCRIBE: u8 = 10;
const DISCONNECT: u8 = 14;

fn kind(packet: &[u8]) -> u8 {
    packet.first().map_or(0, |header| header >> 4)
}

/// What follows the fixed header.
fn body(packet: &[u8]) -> &[u8] {
    let length_bytes = packet[1..]
        .iter()
        .take_while(|byte| **byte & 0x80 != 0)
        .count()
        + 1;
    &packet[1 + length_bytes..]
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([bytes[at], bytes[at + 1]])
}

/// The length-prefixed strings from `at` on, each followed by `skip` bytes.
fn strings(bytes: &[u8], mut at: usize, skip: usize) -> Vec<String> {
    let mut found = Vec::new();
    while at + 2 <= bytes.len() {
        let length = usize::from(u16_at(bytes, at));
        found.push(String::from_utf8(bytes[at + 2..at + 2 + length].to_vec()).expect("UTF-8"));
        at += 2 + length + skip;
    }
    found
}

/// A SUBSCRIBE's packet id and topics.
fn subscription(packet: &[u8]) -> (u16, Vec<String>) {
    assert_eq!(kind(packet), SUBSCRIBE, "{packet:?}");
    let body = body(packet);
    (u16_at(body, 0), strings(body, 2, 1))
}

/// An UNSUBSCRIBE's topics.
fn unsubscription(packet: &[u8]) -> Vec<String> {
    assert_eq!(kind(packet), UNSUBSCRIBE, "{packet:?}");
    strings(body(packet), 2, 0)
}

/// A client PUBLISH with QoS 1: its packet id and payload.
fn acknowledged_publish(packet: &[u8]) -> (u16, Vec<u8>) {
    assert_eq!(kind(packet), PUBLISH, "{packet:?}");
    assert_eq!((packet[0] >> 1) & 0b11, 1, "QoS 1");
    let body = body(packet);
    let topic_end = 2 + usize::from(u16_at(body, 0));
    (u16_at(body, topic_end), body[topic_end + 2..].to_vec())
}

fn encode(header: u8, body: &[u8]) -> Vec<u8> {
    let mut packet = vec![header];
    let mut length = body.len();
    loop {
        let byte = (length % 128) as u8;
        length /= 128;
        packet.push(if length > 0 { byte | 0x80 } else { byte });
        if length == 0 {
            break;
        }
    }
    packet.extend_from_slice(body);
    packet
}

fn suback(pkid: u16, codes: &[u8]) -> Vec<u8> {
    let mut body = pkid.to_be_bytes().to_vec();
    body.extend_from_slice(codes);
    encode(0x90, &body)
}

fn puback(pkid: u16) -> Vec<u8> {
    encode(0x40, &pkid.to_be_bytes())
}

/// A QoS 0 PUBLISH from the broker.
fn message(topic: &str, payload: &[u8]) -> Vec<u8> {
    let mut body = (topic.len() as u16).to_be_bytes().to_vec();
    body.extend_from_slice(topic.as_bytes());
    body.extend_from_slice(payload);
    encode(0x30, &body)
}

/// The broker side of one connection, played by the test. Dropping it
/// closes the connection. Clients of it should use a long keep-alive: it
/// does not answer pings.
struct Scripted {
    packets: mpsc::UnboundedReceiver<Vec<u8>>,
    out: mpsc::UnboundedSender<Vec<u8>>,
}

impl Scripted {
    fn new(socket: TcpStream) -> Self {
        let (mut read, mut write) = socket.into_split();
        let (packets_tx, packets) = mpsc::unbounded_channel();
        let (out, mut outgoing) = mpsc::unbounded_channel::<Vec<u8>>();
        tokio::spawn(async move {
            while let Ok(packet) = read_packet(&mut read).await {
                if packets_tx.send(packet).is_err() {
                    break;
                }
            }
        });
        // Ends, and drops the write half (a FIN), when `out` is dropped.
        tokio::spawn(async move {
            while let Some(bytes) = outgoing.recv().await {
                if write.write_all(&bytes).await.is_err() {
                    break;
                }
            }
        });
        Scripted { packets, out }
    }

    /// The next packet from the client; `None` once it hung up.
    async fn next(&mut self) -> Option<Vec<u8>> {
        guard("a packet from the client", self.packets.recv()).await
    }

    async fn expect_next(&mut self, wanted: u8) -> Vec<u8> {
        let packet = self.next().await.expect("the client is connected");
        assert_eq!(kind(&packet), wanted, "{packet:?}");
        packet
    }

    fn send(&self, bytes: Vec<u8>) {
        let _ = self.out.send(bytes);
    }

    /// Accepts the CONNECT and grants the first SUBSCRIBE (the device's
    /// own topic); `None` if the client hung up first.
    async fn accept_device(&mut self) -> Option<Vec<String>> {
        let connect = self.next().await?;
        assert_eq!(kind(&connect), CONNECT, "{connect:?}");
        self.send(vec![0x20, 0x02, 0x00, 0x00]);
        let (pkid, topics) = subscription(&self.next().await?);
        self.send(suback(pkid, &vec![0; topics.len()]));
        Some(topics)
    }
}

/// A listener whose connections the test plays through [`Scripted`].
async fn scripted_broker() -> (u16, mpsc::UnboundedReceiver<Scripted>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    let (accepted_tx, accepted) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            if accepted_tx.send(Scripted::new(socket)).is_err() {
                break;
            }
        }
    });
    (port, accepted)
}

/// A connection to a scripted broker: no pings during a test.
fn scripted_builder(port: u16, id: &DeviceId) -> ConnectionBuilder {
    builder(port, id).keep_alive(Duration::from_secs(120))
}

// ---------------------------------------------------------------- clients

static CLIENTS: AtomicUsize = AtomicUsize::new(0);

fn plain_options(port: u16) -> MqttOptions {
    let id = CLIENTS.fetch_add(1, Ordering::Relaxed);
    let mut options = MqttOptions::new(format!("test-client-{id}"), "127.0.0.1", port);
    options.set_keep_alive(Duration::from_secs(30));
    options
}

/// A plain rumqttc client: subscribes to some topics and publishes
/// commands. It stays connected for the whole test (rumqttd 0.20 may drop a
/// new connection when another one just disconnected, so the tests avoid
/// connection churn where they do not test it).
struct Peer {
    client: AsyncClient,
    messages: mpsc::UnboundedReceiver<rumqttc::Publish>,
    acks: mpsc::UnboundedReceiver<()>,
}

impl Peer {
    async fn start(port: u16, topics: &[String]) -> Peer {
        let (client, mut event_loop) = AsyncClient::new(plain_options(port), 16);
        for topic in topics {
            client
                .subscribe(topic.as_str(), QoS::AtLeastOnce)
                .await
                .expect("subscribe");
        }
        let (messages_tx, messages) = mpsc::unbounded_channel();
        let (acks_tx, mut acks) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            loop {
                let sent = match event_loop.poll().await {
                    Ok(Event::Incoming(Packet::Publish(publish))) => {
                        messages_tx.send(publish).is_ok()
                    }
                    Ok(Event::Incoming(
                        Packet::SubAck(_) | Packet::PubAck(_) | Packet::ConnAck(_),
                    )) => acks_tx.send(()).is_ok(),
                    Ok(_) => true,
                    Err(error) => panic!("the test client failed: {error}"),
                };
                if !sent {
                    return;
                }
            }
        });
        guard("the test client to connect", acks.recv()).await;
        for _ in topics {
            guard("the test client's subscriptions", acks.recv()).await;
        }
        Peer {
            client,
            messages,
            acks,
        }
    }

    async fn next(&mut self) -> rumqttc::Publish {
        guard("a message at the test client", self.messages.recv())
            .await
            .expect("the test client is running")
    }

    /// Publishes with QoS 1 and waits for the broker's acknowledgement.
    async fn publish(&mut self, topic: &str, payload: &[u8]) {
        self.client
            .publish(topic, QoS::AtLeastOnce, false, payload.to_vec())
            .await
            .expect("publish");
        guard("the broker to acknowledge a publish", self.acks.recv())
            .await
            .expect("the test client is running");
    }
}

fn builder(port: u16, id: &DeviceId) -> ConnectionBuilder {
    DeviceConnection::builder(id.clone(), "access-key", "access-secret")
        .broker("127.0.0.1")
        .port(port)
        .plain_tcp()
        .keep_alive(Duration::from_secs(5))
        .reconnect_backoff(Backoff::new(
            Duration::from_millis(50),
            Duration::from_millis(400),
        ))
}

/// The next event other than `Retrying` (the backoff tests look at those).
async fn next_event(events: &mut EventStream) -> ConnectionEvent {
    guard("a connection event", async {
        loop {
            match events.next().await.expect("the event stream is open") {
                ConnectionEvent::Retrying { .. } => continue,
                event => return event,
            }
        }
    })
    .await
}

async fn next_command(commands: &mut losant_device::mqtt::CommandStream) -> DeviceCommand {
    guard("a command", commands.next())
        .await
        .expect("the command stream is open")
}

fn lost(event: &ConnectionEvent) -> bool {
    matches!(
        event,
        ConnectionEvent::Disconnected {
            reason: DisconnectReason::ConnectionLost { .. }
        }
    )
}

// ---------------------------------------------------------------- tests

#[tokio::test]
async fn state_reaches_a_subscriber_as_json_on_the_state_topic() {
    let port = start_broker(None).await;
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
    let port = start_broker(None).await;
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
    let port = start_broker(None).await;
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
    let port = start_broker(None).await;
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
    let port = start_broker(Some(("access-key", "access-secret"))).await;
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
    let port = start_broker(None).await;
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
    let port = start_broker(None).await;
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
    let port = start_broker(None).await;
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
    let port = start_broker(None).await;
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
    let port = start_broker(None).await;
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

// A test CA and a certificate for 127.0.0.1 and localhost it signed,
// valid 2000 to 2100 (made with openssl; test-only key).
const TEST_CA: &str = include_str!("data/test-ca.pem");
const TEST_CERT: &str = include_str!("data/test-cert.pem");
const TEST_KEY: &str = include_str!("data/test-key.pem");

fn ring() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A TLS front for a plain broker: terminates TLS with the test
/// certificate and forwards to `upstream`. Counts the connections it
/// accepted.
async fn tls_front(upstream: u16) -> (u16, Arc<AtomicUsize>) {
    let cert = CertificateDer::from_pem_slice(TEST_CERT.as_bytes()).expect("certificate");
    let key = PrivateKeyDer::from_pem_slice(TEST_KEY.as_bytes()).expect("key");
    let config = rustls::ServerConfig::builder_with_provider(ring())
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .expect("server configuration");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(socket).await else {
                    return;
                };
                if let Ok(mut server) = TcpStream::connect(("127.0.0.1", upstream)).await {
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut server).await;
                }
            });
        }
    });
    (port, accepted)
}

/// A failed handshake is reported at once as a TLS error: one attempt,
/// not retries until the (here long) connect timeout.
#[tokio::test]
async fn tls_connections_verify_the_broker() {
    let default = DeviceConnection::builder(device(18), "access-key", "access-secret");
    let text = format!("{default:?}");
    assert!(text.contains("broker.losant.com") && text.contains("8883") && text.contains("TLS"));

    let port = start_broker(None).await;
    let (tls_port, accepted) = tls_front(port).await;
    let id = device(23);
    let mut peer = Peer::start(port, &[state_topic(&id)]).await;

    // The default roots do not know the test CA, whichever provider.
    for untrusting in [default.clone(), default.clone().tls_provider(ring())] {
        let before = accepted.load(Ordering::SeqCst);
        let connecting = untrusting
            .broker("127.0.0.1")
            .port(tls_port)
            .connect_timeout(Duration::from_secs(120))
            .connect();
        let error = guard("the TLS verdict", connecting)
            .await
            .expect_err("an unknown issuer");
        assert!(
            matches!(&error, Error::Mqtt(MqttError::Tls { .. })),
            "{error:?}"
        );
        assert!(error.to_string().contains("TLS"), "{error}");
        assert_eq!(accepted.load(Ordering::SeqCst), before + 1, "one attempt");
    }

    // With the test CA as root, TLS works end to end.
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(TEST_CA.as_bytes()).expect("CA"))
        .expect("a root");
    let config = rustls::ClientConfig::builder_with_provider(ring())
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connection = DeviceConnection::builder(id.clone(), "access-key", "access-secret")
        .broker("127.0.0.1")
        .port(tls_port)
        .tls_config(Arc::new(config))
        .connect()
        .await
        .expect("connects over TLS");
    connection
        .send_state(&DeviceState::at(4i64).with("secure", true))
        .await
        .expect("sent");
    assert_eq!(
        &peer.next().await.payload[..],
        br#"{"data":{"secure":true},"time":4}"#
    );

    // A server that does not speak TLS at all.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let plain_port = listener.local_addr().expect("address").port();
    let plain_accepted = Arc::new(AtomicUsize::new(0));
    let count = plain_accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let _ = socket.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
        }
    });
    let connecting = default
        .broker("127.0.0.1")
        .port(plain_port)
        .connect_timeout(Duration::from_secs(120))
        .connect();
    let error = guard("the TLS verdict", connecting)
        .await
        .expect_err("no TLS there");
    assert!(
        matches!(&error, Error::Mqtt(MqttError::Tls { .. })),
        "{error:?}"
    );
    assert_eq!(plain_accepted.load(Ordering::SeqCst), 1, "one attempt");
}

#[tokio::test]
async fn the_secret_never_shows_in_debug_output() {
    let port = start_broker(None).await;
    let builder = DeviceConnection::builder(device(19), "access-key", "s3cr3t-value")
        .broker("127.0.0.1")
        .port(port)
        .plain_tcp();
    let text = format!("{builder:?}");
    assert!(text.contains("** redacted **"), "{text}");
    assert!(!text.contains("s3cr3t-value"), "{text}");
    let connection = builder.connect().await.expect("connects");
    let text = format!("{connection:?}");
    assert!(!text.contains("s3cr3t-value"), "{text}");
    assert!(text.contains("Connected"), "{text}");
}

#[tokio::test]
async fn bad_settings_are_rejected_before_connecting() {
    let id = device(20);
    for builder in [
        builder(1, &id).keep_alive(Duration::ZERO),
        builder(1, &id).reconnect_backoff(Backoff::new(Duration::ZERO, Duration::from_secs(1))),
        builder(1, &id).ack_timeout(Duration::ZERO),
        builder(1, &id).command_buffer(0),
        builder(1, &id).broker(" "),
    ] {
        let error = builder.connect().await.expect_err("invalid");
        assert!(matches!(error, Error::InvalidInput { .. }), "{error:?}");
    }
}

#[tokio::test]
async fn an_oversized_state_is_rejected_before_sending() {
    let port = start_broker(None).await;
    let connection = builder(port, &device(21))
        .max_packet_size(1024)
        .connect()
        .await
        .expect("connects");
    let big = DeviceState::now().with("blob", "x".repeat(2000));
    assert!(matches!(
        connection.send_state(&big).await,
        Err(Error::InvalidInput { .. })
    ));
    assert!(connection.is_connected());
}

/// Issue 11: a broker that drops every connection soon after accepting it
/// (as for an oversized retained command) must see the waits between
/// attempts grow, not a reconnect storm.
#[tokio::test]
async fn connections_dropped_soon_after_coming_up_keep_the_backoff_growing() {
    let (port, mut accepted) = scripted_broker().await;
    let (arrivals_tx, mut arrivals) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(mut connection) = accepted.recv().await {
            let _ = arrivals_tx.send(tokio::time::Instant::now());
            tokio::spawn(async move {
                if connection.accept_device().await.is_some() {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                drop(connection);
            });
        }
    });
    let first = Duration::from_millis(20);
    let connection = scripted_builder(port, &device(40))
        .reconnect_backoff(Backoff::new(first, Duration::from_secs(10)))
        .connect()
        .await
        .expect("connects");
    let mut events = connection.events();

    let mut attempts = Vec::new();
    let mut last_delay = Duration::ZERO;
    guard("six retries", async {
        while attempts.len() < 6 {
            match events.next().await.expect("the event stream is open") {
                ConnectionEvent::Retrying { attempt, delay } => {
                    let ceiling = first * 2u32.pow(attempt - 1);
                    assert!(
                        delay >= ceiling / 2 && delay <= ceiling,
                        "{attempt}: {delay:?}"
                    );
                    attempts.push(attempt);
                    last_delay = delay;
                }
                ConnectionEvent::Reconnected | ConnectionEvent::Disconnected { .. } => {}
                other => panic!("unexpected {other:?}"),
            }
        }
    })
    .await;
    // Consecutive, never back to 1: the connections did not stay up for
    // `stable_after` (30 s by default).
    assert!(
        attempts.windows(2).all(|pair| pair[1] == pair[0] + 1),
        "{attempts:?}"
    );
    assert!(attempts[5] >= 6, "{attempts:?}");
    assert!(last_delay >= Duration::from_millis(320), "{last_delay:?}");

    // The broker sees it too: the latest gap holds at least that wait.
    let mut previous = None;
    while let Ok(arrival) = arrivals.try_recv() {
        previous = Some(arrival);
    }
    let previous = previous.expect("connections arrived");
    let next = guard("the next attempt", arrivals.recv())
        .await
        .expect("the broker is running");
    assert!(
        next - previous >= Duration::from_millis(320),
        "{:?}",
        next - previous
    );
    connection.close().await.expect("closed");
}

/// A connection that stayed up for `stable_after` starts the backoff over.
#[tokio::test]
async fn a_connection_that_stayed_up_starts_the_backoff_over() {
    let (port, mut accepted) = scripted_broker().await;
    tokio::spawn(async move {
        while let Some(mut connection) = accepted.recv().await {
            tokio::spawn(async move {
                if connection.accept_device().await.is_some() {
                    tokio::time::sleep(Duration::from_millis(1000)).await;
                }
                drop(connection);
            });
        }
    });
    let connection = scripted_builder(port, &device(41))
        .reconnect_backoff(Backoff::new(
            Duration::from_millis(20),
            Duration::from_secs(10),
        ))
        .stable_after(Duration::from_millis(200))
        .connect()
        .await
        .expect("connects");
    let mut events = connection.events();
    let mut attempts = Vec::new();
    guard("three retries", async {
        while attempts.len() < 3 {
            if let ConnectionEvent::Retrying { attempt, .. } =
                events.next().await.expect("the event stream is open")
            {
                attempts.push(attempt);
            }
        }
    })
    .await;
    assert_eq!(attempts, [1, 1, 1]);
}

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
    let port = start_broker(None).await;
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
    let port = start_broker(None).await;
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
    let port = start_broker(None).await;
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

/// Handles, streams and futures can move between tasks (checked by the
/// compiler; never called).
#[allow(dead_code)]
fn everything_is_send(connection: DeviceConnection) {
    fn send<T: Send>(_: &T) {}
    fn send_sync<T: Send + Sync>() {}
    send_sync::<DeviceConnection>();
    send_sync::<ConnectionBuilder>();
    send_sync::<Error>();
    let id = device(0);
    let state = DeviceState::now();
    send(&builder(1, &id).connect());
    send(&connection.send_state(&state));
    send(&connection.send_peripheral_state(&id, &state));
    send(&connection.peripheral_commands(&id));
    send(&connection.disconnect());
    send(&connection.reconnect());
    send(&connection.close());
    send(&connection.commands());
    send(&connection.events());
}
