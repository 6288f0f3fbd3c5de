//! A broker the test plays packet by packet, and the MQTT 3.1.1 packets it reads and writes.

use crate::clients::builder;
use crate::loopback_mqtt::read_packet;
use crate::support::guard;
use losant_device::mqtt::ConnectionBuilder;
use losant_device::DeviceId;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

// MQTT 3.1.1 packet types (2.2.1).
const CONNECT: u8 = 1;
pub(crate) const PUBLISH: u8 = 3;
pub(crate) const SUBSCRIBE: u8 = 8;
pub(crate) const UNSUBSCRIBE: u8 = 10;
pub(crate) const DISCONNECT: u8 = 14;

pub(crate) fn kind(packet: &[u8]) -> u8 {
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
pub(crate) fn subscription(packet: &[u8]) -> (u16, Vec<String>) {
    assert_eq!(kind(packet), SUBSCRIBE, "{packet:?}");
    let body = body(packet);
    (u16_at(body, 0), strings(body, 2, 1))
}

/// An UNSUBSCRIBE's topics.
pub(crate) fn unsubscription(packet: &[u8]) -> Vec<String> {
    assert_eq!(kind(packet), UNSUBSCRIBE, "{packet:?}");
    strings(body(packet), 2, 0)
}

/// A client PUBLISH with QoS 1: its packet id and payload.
pub(crate) fn acknowledged_publish(packet: &[u8]) -> (u16, Vec<u8>) {
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

pub(crate) fn suback(pkid: u16, codes: &[u8]) -> Vec<u8> {
    let mut body = pkid.to_be_bytes().to_vec();
    body.extend_from_slice(codes);
    encode(0x90, &body)
}

pub(crate) fn puback(pkid: u16) -> Vec<u8> {
    encode(0x40, &pkid.to_be_bytes())
}

/// A QoS 0 PUBLISH from the broker.
pub(crate) fn message(topic: &str, payload: &[u8]) -> Vec<u8> {
    let mut body = (topic.len() as u16).to_be_bytes().to_vec();
    body.extend_from_slice(topic.as_bytes());
    body.extend_from_slice(payload);
    encode(0x30, &body)
}

/// The broker side of one connection, played by the test. Dropping it
/// closes the connection. Clients of it should use a long keep-alive: it
/// does not answer pings.
pub(crate) struct Scripted {
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

    pub(crate) async fn expect_next(&mut self, wanted: u8) -> Vec<u8> {
        let packet = self.next().await.expect("the client is connected");
        assert_eq!(kind(&packet), wanted, "{packet:?}");
        packet
    }

    pub(crate) fn send(&self, bytes: Vec<u8>) {
        let _ = self.out.send(bytes);
    }

    /// Accepts the CONNECT and grants the first SUBSCRIBE (the device's
    /// own topic); `None` if the client hung up first.
    pub(crate) async fn accept_device(&mut self) -> Option<Vec<String>> {
        let connect = self.next().await?;
        assert_eq!(kind(&connect), CONNECT, "{connect:?}");
        self.send(vec![0x20, 0x02, 0x00, 0x00]);
        let (pkid, topics) = subscription(&self.next().await?);
        self.send(suback(pkid, &vec![0; topics.len()]));
        Some(topics)
    }
}

/// A listener whose connections the test plays through [`Scripted`].
pub(crate) async fn scripted_broker() -> (u16, mpsc::UnboundedReceiver<Scripted>) {
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
pub(crate) fn scripted_builder(port: u16, id: &DeviceId) -> ConnectionBuilder {
    builder(port, id).keep_alive(Duration::from_secs(120))
}
