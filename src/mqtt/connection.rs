//! The handle callers hold: every call is a request to the background
//! task with its own reply channel, bounded by a deadline.

use super::builder::ConnectionBuilder;
use super::requests::{Message, Reply, Request, Snapshot};
use super::settings::Settings;
use super::streams::{CommandStream, EventStream, Release};
use super::topics::{command_topic, state_topic};
use super::{ConnectionEvent, ConnectionStatus, MqttError};
use crate::ids::DeviceId;
use crate::types::{DeviceCommand, DeviceState};
use crate::Error;
use bytes::Bytes;
use secrecy::SecretString;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, oneshot, watch};

/// MQTT fixed header (at most 5 bytes) and packet id, on top of
/// [`rumqttc::Publish::size`].
const PUBLISH_OVERHEAD: usize = 8;

/// A connection to the MQTT broker as one device (or gateway).
///
/// Cheap to clone; every clone drives the same connection. Dropping the last
/// clone closes it (sending an MQTT DISCONNECT when connected) and stops the
/// background task; [`close`](Self::close) does the same and waits for it.
/// [`CommandStream`]s and [`EventStream`]s end when the connection closes.
#[derive(Clone)]
pub struct DeviceConnection {
    inner: Arc<Inner>,
}

/// What `spawn` hands the first handle.
pub(super) struct Channels {
    pub(super) requests: mpsc::Sender<Request>,
    pub(super) released: mpsc::UnboundedSender<String>,
    pub(super) snapshot: watch::Receiver<Snapshot>,
    pub(super) events: broadcast::Receiver<ConnectionEvent>,
    /// Weak, so that event streams still end with the task.
    pub(super) events_sender: broadcast::WeakSender<ConnectionEvent>,
    pub(super) first_commands: broadcast::Receiver<DeviceCommand>,
    pub(super) commands: broadcast::Receiver<DeviceCommand>,
}

struct Inner {
    settings: Arc<Settings>,
    requests: mpsc::Sender<Request>,
    released: mpsc::UnboundedSender<String>,
    snapshot: watch::Receiver<Snapshot>,
    /// Never read: new event streams start at its tail.
    events: broadcast::Receiver<ConnectionEvent>,
    /// For the store's delivery task (feature `store`).
    #[cfg_attr(not(feature = "store"), allow(dead_code))]
    events_sender: broadcast::WeakSender<ConnectionEvent>,
    /// Never read: later command streams start at its tail.
    commands: broadcast::Receiver<DeviceCommand>,
    /// Every command since the connection was made, for the first
    /// [`DeviceConnection::commands`] call; taken once.
    first_commands: Mutex<Option<broadcast::Receiver<DeviceCommand>>>,
}

impl fmt::Debug for DeviceConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let settings = &self.inner.settings;
        f.debug_struct("DeviceConnection")
            .field("device_id", &settings.device_id)
            .field("broker", &settings.broker)
            .field("status", &self.status())
            .field("qos", &settings.qos)
            .field("offline_queue", &settings.offline_queue)
            .finish_non_exhaustive()
    }
}

impl DeviceConnection {
    /// Starts configuring a connection as `device_id`, authenticated with
    /// the device's access key and secret. The secret never shows in `Debug`
    /// output or logs.
    pub fn builder(
        device_id: DeviceId,
        key: impl Into<String>,
        secret: impl Into<String>,
    ) -> ConnectionBuilder {
        ConnectionBuilder::new(device_id, key.into(), SecretString::from(secret.into()))
    }

    pub(super) fn new(settings: Arc<Settings>, channels: Channels) -> Self {
        Self {
            inner: Arc::new(Inner {
                settings,
                requests: channels.requests,
                released: channels.released,
                snapshot: channels.snapshot,
                events: channels.events,
                events_sender: channels.events_sender,
                commands: channels.commands,
                first_commands: Mutex::new(Some(channels.first_commands)),
            }),
        }
    }

    /// The device this connection acts as.
    pub fn device_id(&self) -> &DeviceId {
        &self.inner.settings.device_id
    }

    /// Where the connection stands now.
    pub fn status(&self) -> ConnectionStatus {
        self.inner.snapshot.borrow().status
    }

    /// Whether messages are sent right away (connected and subscribed).
    pub fn is_connected(&self) -> bool {
        self.status() == ConnectionStatus::Connected
    }

    /// Messages waiting for a connection (the offline queue, and messages
    /// the broker had not acknowledged when the connection was lost).
    pub fn queued_messages(&self) -> usize {
        self.inner.snapshot.borrow().queued
    }

    /// Reports the device's state on `losant/{deviceId}/state`.
    ///
    /// While connected, returns once the broker has the message: with QoS 0
    /// once it is written to the connection, with QoS 1 at the broker's
    /// PUBACK ([`MqttError::Timeout`] after the
    /// [`ack_timeout`](ConnectionBuilder::ack_timeout); the message is
    /// still resent). If the connection drops first, the message is resent
    /// after reconnecting and the call keeps waiting. While disconnected it
    /// fails with [`MqttError::NotConnected`], or returns once queued when
    /// the offline queue is on ([`MqttError::QueueFull`] when full).
    /// Invalid attribute names and oversized states fail before anything
    /// is sent.
    ///
    /// With a store (`ConnectionBuilder::store`, feature `store`), it
    /// returns once the state is on the disk instead, connected or not, and
    /// the state is delivered from there; a full store fails with
    /// `Error::Store`.
    pub async fn send_state(&self, state: &DeviceState) -> Result<(), Error> {
        let topic = state_topic(&self.inner.settings.device_id);
        self.publish_state(topic, state).await
    }

    /// Reports the state of a gateway's peripheral on
    /// `losant/{peripheralId}/state`; otherwise as [`send_state`](Self::send_state).
    pub async fn send_peripheral_state(
        &self,
        peripheral_id: &DeviceId,
        state: &DeviceState,
    ) -> Result<(), Error> {
        self.publish_state(state_topic(peripheral_id), state).await
    }

    async fn publish_state(&self, topic: String, state: &DeviceState) -> Result<(), Error> {
        state.validate()?;
        let payload = self.encode(state)?;
        let settings = &self.inner.settings;
        let payload = Bytes::from(payload);
        let qos = rumqttc::QoS::from(settings.qos);
        let size = rumqttc::Publish::from_bytes(topic.as_str(), qos, payload.clone()).size()
            + PUBLISH_OVERHEAD;
        if size > settings.max_packet_size {
            return Err(Error::invalid_input(
                "state",
                format!(
                    "the message on {topic} is {size} bytes; the connection sends at most {} \
                     (max_packet_size)",
                    settings.max_packet_size
                ),
            ));
        }
        #[cfg(feature = "store")]
        if let Some(store) = &settings.store {
            return super::durable::store_state(store, topic, payload.to_vec()).await;
        }
        let message = Message {
            topic,
            qos: settings.qos,
            payload,
            resent: None,
        };
        let timeout = settings.ack_timeout;
        self.ask(
            "the broker's acknowledgement of a state",
            timeout,
            |reply| Request::Publish { message, reply },
        )
        .await
    }

    /// The state's JSON. A store keeps the time a state was taken: one
    /// without a time is stamped now rather than by Losant on arrival.
    fn encode(&self, state: &DeviceState) -> Result<Vec<u8>, Error> {
        let encoded = match () {
            #[cfg(feature = "store")]
            () if self.inner.settings.store.is_some() && state.time.is_none() => {
                serde_json::to_vec(&crate::store::stamped(state.clone()))
            }
            () => serde_json::to_vec(state),
        };
        encoded.map_err(|error| Error::invalid_input("state", error.to_string()))
    }

    /// The store's contents and counters, when the connection has one
    /// ([`ConnectionBuilder::store`]).
    #[cfg(feature = "store")]
    pub fn store_stats(&self) -> Option<crate::store::StoreStats> {
        self.inner
            .settings
            .store
            .as_ref()
            .map(|store| store.stats())
    }

    /// Commands sent to this device, from `losant/{deviceId}/command`.
    ///
    /// The first call returns every command received since the connection
    /// was made (up to the command buffer); later calls, and other clones,
    /// get commands from the moment of the call. Commands that are not valid
    /// JSON are skipped with a warning. The stream ends when the connection
    /// closes.
    pub fn commands(&self) -> CommandStream {
        let first = self
            .inner
            .first_commands
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let receiver = first.unwrap_or_else(|| self.inner.commands.resubscribe());
        CommandStream::new(receiver, None)
    }

    /// Commands sent to a gateway's peripheral, from
    /// `losant/{peripheralId}/command`.
    ///
    /// The first call for a peripheral subscribes to its topic: when
    /// connected, it returns once the broker has acknowledged the
    /// subscription ([`MqttError::SubscriptionRejected`] if the broker
    /// refused it); when disconnected, it returns at once and the topic is
    /// subscribed on reconnection. Every topic is subscribed again after each
    /// reconnection. Dropping the last stream of a peripheral unsubscribes.
    pub async fn peripheral_commands(
        &self,
        peripheral_id: &DeviceId,
    ) -> Result<CommandStream, Error> {
        let topic = command_topic(peripheral_id);
        let request_topic = topic.clone();
        let timeout = self.inner.settings.ack_timeout;
        let receiver = self
            .ask(
                "the broker's acknowledgement of a subscription",
                timeout,
                |reply| Request::Subscribe {
                    topic: request_topic,
                    reply,
                },
            )
            .await?;
        let release = Release {
            topic,
            released: self.inner.released.clone(),
        };
        Ok(CommandStream::new(receiver, Some(release)))
    }

    /// Connection events from the moment of the call: connected,
    /// disconnected (with the reason), retrying, reconnected. The stream
    /// ends when the connection closes.
    pub fn events(&self) -> EventStream {
        EventStream::new(self.inner.events.resubscribe())
    }

    /// Sends an MQTT DISCONNECT and stays disconnected (no automatic
    /// reconnection) until [`reconnect`](Self::reconnect). Emits
    /// [`DisconnectReason::Requested`](super::DisconnectReason::Requested).
    pub async fn disconnect(&self) -> Result<(), Error> {
        // The task waits up to the connect timeout for its DISCONNECT to go out.
        let timeout = self.inner.settings.connect_timeout + Duration::from_secs(1);
        self.ask("disconnecting", timeout, |reply| Request::Disconnect {
            reply,
        })
        .await
    }

    /// Connects again after [`disconnect`](Self::disconnect), subscribing
    /// to every command topic; emits [`ConnectionEvent::Connected`]. Retries
    /// and fails like [`ConnectionBuilder::connect`], and then stays
    /// disconnected. While the background task is reconnecting on its own,
    /// makes it try at once and reports that one attempt. Does nothing when
    /// connected.
    pub async fn reconnect(&self) -> Result<(), Error> {
        // The task gives up after the connect timeout; the margin covers
        // its last attempt's own timeout.
        let timeout = self.inner.settings.connect_timeout * 2 + Duration::from_secs(1);
        self.ask("reconnecting", timeout, |reply| Request::Reconnect {
            reply,
        })
        .await
    }

    /// Closes the connection for every clone: sends an MQTT DISCONNECT when
    /// connected, stops the background task and ends every stream. Messages
    /// still in the offline queue are dropped; callers waiting for an
    /// acknowledgement get [`MqttError::Closed`]. A store's entries stay in
    /// the store for the next connection.
    pub async fn close(&self) -> Result<(), Error> {
        let timeout = self.inner.settings.connect_timeout + Duration::from_secs(1);
        let (reply, closed) = oneshot::channel();
        let closing = async {
            if self
                .inner
                .requests
                .send(Request::Close { reply })
                .await
                .is_ok()
            {
                // An error means the task ended without answering: closed.
                let _ = closed.await;
            }
        };
        tokio::time::timeout(timeout, closing)
            .await
            .map_err(|_| MqttError::Timeout {
                what: "closing",
                timeout,
            })?;
        Ok(())
    }

    /// Starts the task that delivers the store's entries.
    #[cfg(feature = "store")]
    pub(super) fn deliver_from(
        &self,
        store: crate::store::Store,
        runtime: &tokio::runtime::Handle,
    ) {
        let feeder = super::durable::Feeder {
            store,
            requests: self.inner.requests.downgrade(),
            events: self.inner.events_sender.clone(),
            status: self.inner.snapshot.clone(),
        };
        runtime.spawn(feeder.run());
    }

    /// Sends a request and waits for its answer, at most `timeout`.
    async fn ask<T>(
        &self,
        what: &'static str,
        timeout: Duration,
        request: impl FnOnce(Reply<T>) -> Request,
    ) -> Result<T, Error> {
        let (reply, answer) = oneshot::channel();
        let asked = async {
            self.inner.requests.send(request(reply)).await.ok()?;
            answer.await.ok()
        };
        match tokio::time::timeout(timeout, asked).await {
            Ok(Some(result)) => result.map_err(Error::from),
            // The task has ended (closed, or refused by the broker).
            Ok(None) => Err(self.inner.snapshot.borrow().closed_error().into()),
            Err(_) => Err(MqttError::Timeout { what, timeout }.into()),
        }
    }
}
