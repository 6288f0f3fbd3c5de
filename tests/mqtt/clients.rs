//! The device connection's builder and stream helpers, and a plain rumqttc peer.

use crate::support::guard;
use futures::StreamExt;
use losant_device::mqtt::{ConnectionBuilder, ConnectionEvent, DisconnectReason, EventStream};
use losant_device::types::DeviceCommand;
use losant_device::DeviceId;
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;

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
pub(crate) struct Peer {
    client: AsyncClient,
    messages: mpsc::UnboundedReceiver<rumqttc::Publish>,
    acks: mpsc::UnboundedReceiver<()>,
}

impl Peer {
    pub(crate) async fn start(port: u16, topics: &[String]) -> Peer {
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

    pub(crate) async fn next(&mut self) -> rumqttc::Publish {
        guard("a message at the test client", self.messages.recv())
            .await
            .expect("the test client is running")
    }

    /// Publishes with QoS 1 and waits for the broker's acknowledgement.
    pub(crate) async fn publish(&mut self, topic: &str, payload: &[u8]) {
        self.client
            .publish(topic, QoS::AtLeastOnce, false, payload.to_vec())
            .await
            .expect("publish");
        guard("the broker to acknowledge a publish", self.acks.recv())
            .await
            .expect("the test client is running");
    }
}

pub(crate) fn builder(port: u16, id: &DeviceId) -> ConnectionBuilder {
    crate::loopback_mqtt::loopback_builder(port, id, "access-key", "access-secret")
}

/// The next event other than `Retrying` (the backoff tests look at those).
pub(crate) async fn next_event(events: &mut EventStream) -> ConnectionEvent {
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

pub(crate) async fn next_command(
    commands: &mut losant_device::mqtt::CommandStream,
) -> DeviceCommand {
    guard("a command", commands.next())
        .await
        .expect("the command stream is open")
}

pub(crate) fn lost(event: &ConnectionEvent) -> bool {
    matches!(
        event,
        ConnectionEvent::Disconnected {
            reason: DisconnectReason::ConnectionLost { .. }
        }
    )
}
