//! Brokers, clients and proxies on loopback that the MQTT tests share: an
//! embedded rumqttd (with a WebSocket listener), rumqttd in a child
//! process, a subscriber that keeps every state it receives, a proxy that
//! can cut the link and records which publishes the broker acknowledged,
//! and (`tls`) the test certificates.
#![allow(dead_code)]

mod brokers;
pub mod tls;

// Each test binary uses its own part of this module, some none of the brokers.
#[allow(unused_imports)]
pub use brokers::*;

use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// Only a guard against hangs.
pub const GUARD: Duration = Duration::from_secs(30);
/// The port of the broker a child process runs.
pub const CHILD_BROKER_PORT: &str = "LOSANT_TEST_CHILD_BROKER_PORT";

pub async fn guard<F: Future>(what: &str, future: F) -> F::Output {
    match tokio::time::timeout(GUARD, future).await {
        Ok(output) => output,
        Err(_) => panic!("gave up waiting for {what}"),
    }
}

/// A plain-TCP connection to a loopback broker on `port`, with a short
/// keep-alive and a fast reconnect backoff so that tests see drops quickly.
pub fn loopback_builder(
    port: u16,
    id: &losant_device::DeviceId,
    key: &str,
    secret: &str,
) -> losant_device::mqtt::ConnectionBuilder {
    losant_device::mqtt::DeviceConnection::builder(id.clone(), key, secret)
        .broker("127.0.0.1")
        .port(port)
        .plain_tcp()
        .keep_alive(Duration::from_secs(5))
        .reconnect_backoff(losant_device::Backoff::new(
            Duration::from_millis(50),
            Duration::from_millis(400),
        ))
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

pub async fn wait_listening(port: u16) {
    guard("the broker to listen", async {
        while TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
}

/// A rumqttc client subscribed at QoS 1 to every device's state topic (or
/// one topic), keeping each payload in the order it arrived.
pub struct Subscriber {
    pub received: Arc<Mutex<Vec<Vec<u8>>>>,
    client: AsyncClient,
}

impl Subscriber {
    pub async fn start(port: u16, name: &str) -> Subscriber {
        Subscriber::start_with(port, name, None, "losant/+/state").await
    }

    /// On one topic, with a user name and password for brokers that want
    /// them.
    pub async fn start_with(
        port: u16,
        name: &str,
        login: Option<(&str, &str)>,
        topic: &str,
    ) -> Subscriber {
        let mut options = MqttOptions::new(name, "127.0.0.1", port);
        options.set_keep_alive(Duration::from_secs(30));
        if let Some((user, password)) = login {
            options.set_credentials(user, password);
        }
        let (client, mut event_loop) = AsyncClient::new(options, 16);
        client
            .subscribe(topic, QoS::AtLeastOnce)
            .await
            .expect("subscribe");
        let received = Arc::new(Mutex::new(Vec::new()));
        let sink = received.clone();
        let (subscribed_tx, mut subscribed) = watch::channel(false);
        tokio::spawn(async move {
            loop {
                match event_loop.poll().await {
                    Ok(Event::Incoming(Packet::Publish(publish))) => {
                        sink.lock()
                            .expect("not poisoned")
                            .push(publish.payload.to_vec());
                    }
                    Ok(Event::Incoming(Packet::SubAck(_))) => {
                        subscribed_tx.send_replace(true);
                    }
                    Ok(_) => {}
                    Err(error) => panic!("the subscriber failed: {error}"),
                }
            }
        });
        guard("the subscription", subscribed.wait_for(|done| *done))
            .await
            .expect("subscribed");
        Subscriber { received, client }
    }

    /// Publishes at QoS 1 (a command, say).
    pub async fn publish(&self, topic: &str, payload: &[u8]) {
        self.client
            .publish(topic, QoS::AtLeastOnce, false, payload.to_vec())
            .await
            .expect("publish");
    }

    /// Waits for the payload that arrived `at`th.
    pub async fn nth(&self, at: usize) -> Vec<u8> {
        guard("a state at the subscriber", async {
            loop {
                if let Some(payload) = self.payloads().get(at) {
                    return payload.clone();
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await
    }

    pub fn count(&self) -> usize {
        self.received.lock().expect("not poisoned").len()
    }

    pub fn payloads(&self) -> Vec<Vec<u8>> {
        self.received.lock().expect("not poisoned").clone()
    }
}

// ---------------------------------------------------------------- proxy

/// A TCP proxy in front of a broker that can cut every connection and
/// refuse new ones for a while, and that records, in order, the payload of
/// every QoS 1 PUBLISH whose PUBACK the broker sent back: what the broker
/// acknowledged, whatever happens to the broker afterwards.
pub struct Proxy {
    pub port: u16,
    up: watch::Sender<bool>,
    pub acknowledged: Arc<Mutex<Vec<Vec<u8>>>>,
    /// Connections accepted, passed on or not.
    pub accepted: Arc<AtomicUsize>,
}

impl Proxy {
    pub async fn start(upstream: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let (up, ups) = watch::channel(true);
        let acknowledged = Arc::new(Mutex::new(Vec::new()));
        let sink = acknowledged.clone();
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                if *ups.borrow() {
                    tokio::spawn(relay(socket, upstream, ups.clone(), sink.clone()));
                }
            }
        });
        Proxy {
            port,
            up,
            acknowledged,
            accepted,
        }
    }

    /// Cuts every connection and refuses new ones until [`restore`](Self::restore).
    pub fn cut(&self) {
        self.up.send_replace(false);
    }

    pub fn restore(&self) {
        self.up.send_replace(true);
    }

    pub fn acknowledged(&self) -> Vec<Vec<u8>> {
        self.acknowledged.lock().expect("not poisoned").clone()
    }
}

async fn relay(
    client: TcpStream,
    upstream: u16,
    mut up: watch::Receiver<bool>,
    acknowledged: Arc<Mutex<Vec<Vec<u8>>>>,
) {
    let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)).await else {
        return;
    };
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    // Payloads of this connection's QoS 1 publishes by packet id.
    let pending: Arc<Mutex<HashMap<u16, Vec<u8>>>> = Arc::default();
    let outgoing = pending.clone();
    let to_server = async move {
        while let Ok(packet) = read_packet(&mut client_read).await {
            if let Some((pkid, payload)) = qos1_publish(&packet) {
                outgoing.lock().expect("not poisoned").insert(pkid, payload);
            }
            if server_write.write_all(&packet).await.is_err() {
                break;
            }
        }
    };
    let to_client = async move {
        while let Ok(packet) = read_packet(&mut server_read).await {
            if packet[0] >> 4 == PUBACK && packet.len() >= 4 {
                let pkid = u16::from_be_bytes([packet[2], packet[3]]);
                if let Some(payload) = pending.lock().expect("not poisoned").remove(&pkid) {
                    acknowledged.lock().expect("not poisoned").push(payload);
                }
            }
            if client_write.write_all(&packet).await.is_err() {
                break;
            }
        }
    };
    tokio::select! {
        _ = to_server => {}
        _ = to_client => {}
        _ = up.wait_for(|up| !*up) => {}
    }
}

const PUBLISH: u8 = 3;
const PUBACK: u8 = 4;

/// Reads one whole MQTT packet: fixed header, remaining length, body.
pub async fn read_packet(socket: &mut (impl AsyncRead + Unpin)) -> std::io::Result<Vec<u8>> {
    let mut packet = vec![socket.read_u8().await?];
    let mut length = 0usize;
    for shift in [0, 7, 14, 21] {
        let byte = socket.read_u8().await?;
        packet.push(byte);
        length |= usize::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            let start = packet.len();
            packet.resize(start + length, 0);
            socket.read_exact(&mut packet[start..]).await?;
            return Ok(packet);
        }
    }
    Err(std::io::Error::other("bad remaining length"))
}

/// The packet id and payload of a QoS 1 PUBLISH (MQTT 3.1.1, 3.3).
fn qos1_publish(packet: &[u8]) -> Option<(u16, Vec<u8>)> {
    if packet[0] >> 4 != PUBLISH || (packet[0] >> 1) & 0b11 != 1 {
        return None;
    }
    let mut at = 1;
    while packet.get(at)? & 0x80 != 0 {
        at += 1;
    }
    at += 1;
    let topic_length = usize::from(u16::from_be_bytes([*packet.get(at)?, *packet.get(at + 1)?]));
    at += 2 + topic_length;
    let pkid = u16::from_be_bytes([*packet.get(at)?, *packet.get(at + 1)?]);
    Some((pkid, packet.get(at + 2..)?.to_vec()))
}
