//! A device-side MQTT connection to Losant's broker (feature `mqtt`).
//!
//! [`DeviceConnection`] connects as one device (MQTT client id = device id,
//! user name = access key, password = access secret) to
//! `broker.losant.com:8883` over TLS, reports state on
//! `losant/{deviceId}/state` and receives commands from
//! `losant/{deviceId}/command`. A gateway also reports state for, and
//! receives commands of, its peripherals.
//!
//! A background task drives the connection. It reconnects on its own with
//! exponential backoff and subscribes again to every command topic,
//! including peripherals added while connected or disconnected; watch
//! [`DeviceConnection::events`] to follow it. A refused connection (wrong
//! key or secret) is an error, not a reason to retry forever.
//!
//! ```no_run
//! use futures::StreamExt;
//! use losant_device::mqtt::DeviceConnection;
//! use losant_device::types::DeviceState;
//!
//! # async fn demo() -> Result<(), losant_device::Error> {
//! let device_id = "575ecf887ae143cd83dc4aa2".parse()?;
//! let connection = DeviceConnection::builder(device_id, "access-key", "access-secret")
//!     .connect()
//!     .await?;
//! connection.send_state(&DeviceState::now().with("temp", 21.5)).await?;
//! let mut commands = connection.commands();
//! while let Some(command) = commands.next().await {
//!     println!("{}: {:?}", command.name, command.payload);
//! }
//! # Ok(()) }
//! ```

mod worker;

use crate::ids::DeviceId;
use crate::types::{DeviceCommand, DeviceState};
use crate::Error;
use bytes::Bytes;
use futures::stream::{BoxStream, Stream, StreamExt};
use secrecy::{ExposeSecret, SecretString};
use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::{broadcast, oneshot, watch, Notify};

/// Losant's MQTT broker.
pub const DEFAULT_BROKER: &str = "broker.losant.com";
/// The broker's TLS port, the default.
pub const TLS_PORT: u16 = 8883;
/// The broker's plain TCP port, the default with
/// [`ConnectionBuilder::plain_tcp`].
pub const PLAIN_PORT: u16 = 1883;

/// Capacity of the channel between the connection handles and the
/// background task; publishing waits when it is full.
const REQUEST_CAPACITY: usize = 64;
/// Connection events kept for a slow [`EventStream`].
const EVENT_CAPACITY: usize = 64;
/// MQTT fixed header (at most 5 bytes) and packet id, on top of
/// [`rumqttc::Publish::size`].
const PUBLISH_OVERHEAD: usize = 8;

/// How a message is delivered. Losant's broker supports QoS 0 and 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Qos {
    /// QoS 0: sent once, without acknowledgement (Losant's default).
    #[default]
    AtMostOnce,
    /// QoS 1: resent until the broker acknowledges it; may arrive twice.
    AtLeastOnce,
}

impl From<Qos> for rumqttc::QoS {
    fn from(qos: Qos) -> Self {
        match qos {
            Qos::AtMostOnce => rumqttc::QoS::AtMostOnce,
            Qos::AtLeastOnce => rumqttc::QoS::AtLeastOnce,
        }
    }
}

/// Where the connection stands; see [`DeviceConnection::status`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionStatus {
    /// The first connection, or one asked for with
    /// [`DeviceConnection::reconnect`], is being made.
    Connecting,
    /// Connected and subscribed: messages are sent right away.
    Connected,
    /// The connection was lost; the background task is reconnecting.
    Reconnecting,
    /// Disconnected by [`DeviceConnection::disconnect`] (or a failed
    /// [`DeviceConnection::reconnect`]); nothing happens until
    /// `reconnect` is called.
    Disconnected,
    /// Closed for good: by [`DeviceConnection::close`], by dropping every
    /// handle, or because the broker refused a reconnection.
    Closed,
}

/// Something that happened to the connection; see
/// [`DeviceConnection::events`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionEvent {
    /// Connected and subscribed: the first connection, and every connection
    /// made by [`DeviceConnection::reconnect`] after a
    /// [`DeviceConnection::disconnect`].
    Connected,
    /// Connected again after the connection was lost, with every command
    /// topic subscribed again and the offline queue handed to the broker.
    Reconnected,
    /// The connection went down.
    Disconnected {
        /// Why.
        reason: DisconnectReason,
    },
    /// The broker refused a subscription to a command topic (for example a
    /// peripheral this gateway may not act for).
    SubscriptionRejected {
        /// The topic, `losant/{deviceId}/command`.
        topic: String,
    },
}

/// Why a connection went down.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// [`DeviceConnection::disconnect`] was called.
    Requested,
    /// The network or the broker dropped the connection; the background task
    /// reconnects.
    ConnectionLost {
        /// What failed.
        message: String,
    },
    /// The broker refused a reconnection (for example, the access key was
    /// revoked). The connection is closed; no further attempt is made.
    Refused {
        /// The CONNACK return code (1 to 5).
        code: u8,
        /// What the code means.
        reason: String,
    },
    /// The connection was closed by [`DeviceConnection::close`] or by
    /// dropping every handle.
    Closed,
}

/// Configures a [`DeviceConnection`]; start with
/// [`DeviceConnection::builder`].
#[derive(Clone)]
pub struct ConnectionBuilder {
    device_id: DeviceId,
    key: String,
    secret: SecretString,
    broker: String,
    port: Option<u16>,
    tls: TlsChoice,
    qos: Qos,
    keep_alive: Duration,
    connect_timeout: Duration,
    reconnect_min: Duration,
    reconnect_max: Duration,
    offline_queue: usize,
    command_buffer: usize,
    max_packet_size: usize,
}

#[derive(Clone)]
enum TlsChoice {
    /// rustls with ring and the system's roots (webpki roots if none).
    Default,
    /// The caller's configuration.
    Custom(Arc<rustls::ClientConfig>),
    /// No TLS.
    Plain,
}

impl fmt::Debug for ConnectionBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tls = match self.tls {
            TlsChoice::Default => "TLS (system roots)",
            TlsChoice::Custom(_) => "TLS (caller's rustls::ClientConfig)",
            TlsChoice::Plain => "plain TCP",
        };
        f.debug_struct("ConnectionBuilder")
            .field("device_id", &self.device_id)
            .field("key", &self.key)
            .field("secret", &crate::REDACTED)
            .field("broker", &self.broker)
            .field("port", &self.port_value())
            .field("transport", &tls)
            .field("qos", &self.qos)
            .field("keep_alive", &self.keep_alive)
            .field("connect_timeout", &self.connect_timeout)
            .field("reconnect_min", &self.reconnect_min)
            .field("reconnect_max", &self.reconnect_max)
            .field("offline_queue", &self.offline_queue)
            .field("command_buffer", &self.command_buffer)
            .field("max_packet_size", &self.max_packet_size)
            .finish()
    }
}

impl ConnectionBuilder {
    fn new(device_id: DeviceId, key: String, secret: SecretString) -> Self {
        Self {
            device_id,
            key,
            secret,
            broker: DEFAULT_BROKER.to_string(),
            port: None,
            tls: TlsChoice::Default,
            qos: Qos::AtMostOnce,
            keep_alive: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            reconnect_min: Duration::from_secs(1),
            reconnect_max: Duration::from_secs(60),
            offline_queue: 0,
            command_buffer: 64,
            max_packet_size: 256 * 1024,
        }
    }

    /// The broker's host name or IP address (default `broker.losant.com`).
    pub fn broker(mut self, host: impl Into<String>) -> Self {
        self.broker = host.into();
        self
    }

    /// The broker's port (default 8883 with TLS, 1883 with
    /// [`plain_tcp`](Self::plain_tcp)).
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Connects without TLS, for a local broker or tests. The access secret
    /// then travels in clear text: never use it over a network you do not
    /// control.
    pub fn plain_tcp(mut self) -> Self {
        self.tls = TlsChoice::Plain;
        self
    }

    /// Uses TLS with the caller's rustls configuration (own roots, client
    /// certificates, another crypto provider) instead of the default (ring,
    /// the system's root certificates, or the webpki roots when the system
    /// has none).
    pub fn tls_config(mut self, config: Arc<rustls::ClientConfig>) -> Self {
        self.tls = TlsChoice::Custom(config);
        self
    }

    /// The QoS of published states and of command subscriptions (default
    /// [`Qos::AtMostOnce`], as Losant's own clients).
    pub fn qos(mut self, qos: Qos) -> Self {
        self.qos = qos;
        self
    }

    /// The MQTT keep-alive interval, 1 s to 65535 s (default 60 s). A dead
    /// connection is noticed within about one and a half intervals.
    pub fn keep_alive(mut self, interval: Duration) -> Self {
        self.keep_alive = interval;
        self
    }

    /// How long [`connect`](Self::connect) and
    /// [`DeviceConnection::reconnect`] keep trying (TCP, TLS, CONNACK and
    /// the command subscriptions, retried with the backoff) before they
    /// give up (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Delays between reconnection attempts: the first waits about `first`,
    /// each further one twice as long up to `max`, each with random jitter
    /// (default 1 s to 60 s).
    pub fn reconnect_backoff(mut self, first: Duration, max: Duration) -> Self {
        self.reconnect_min = first;
        self.reconnect_max = max;
        self
    }

    /// Keeps up to `capacity` messages published while disconnected and
    /// sends them, in order, once reconnected. Off (0) by default:
    /// publishing while disconnected is then an error
    /// ([`Error::MqttNotConnected`]).
    pub fn offline_queue(mut self, capacity: usize) -> Self {
        self.offline_queue = capacity;
        self
    }

    /// Commands kept for each [`CommandStream`] that is not read fast
    /// enough (default 64); older ones are dropped with a warning. The
    /// device's own stream keeps commands from the moment of connection
    /// until [`DeviceConnection::commands`] is first called.
    pub fn command_buffer(mut self, capacity: usize) -> Self {
        self.command_buffer = capacity;
        self
    }

    /// The largest MQTT packet sent or accepted, in bytes (default 256 KiB,
    /// Losant's limit). A larger state is rejected before it is sent.
    pub fn max_packet_size(mut self, bytes: usize) -> Self {
        self.max_packet_size = bytes;
        self
    }

    fn port_value(&self) -> u16 {
        self.port.unwrap_or(match self.tls {
            TlsChoice::Plain => PLAIN_PORT,
            _ => TLS_PORT,
        })
    }

    fn validate(&self) -> Result<(), Error> {
        if self.broker.trim().is_empty() {
            return Err(Error::invalid_input("broker", "the broker host is empty"));
        }
        if self.keep_alive < Duration::from_secs(1) || self.keep_alive.as_secs() > 65535 {
            return Err(Error::invalid_input(
                "keep_alive",
                format!("{:?} is not between 1 s and 65535 s", self.keep_alive),
            ));
        }
        if self.connect_timeout.is_zero() {
            return Err(Error::invalid_input("connect_timeout", "must not be zero"));
        }
        if self.reconnect_min.is_zero() || self.reconnect_max < self.reconnect_min {
            return Err(Error::invalid_input(
                "reconnect_backoff",
                format!(
                    "first delay {:?} must be above zero and not above the maximum {:?}",
                    self.reconnect_min, self.reconnect_max
                ),
            ));
        }
        if self.command_buffer == 0 {
            return Err(Error::invalid_input("command_buffer", "must be at least 1"));
        }
        if self.max_packet_size < 128 {
            return Err(Error::invalid_input(
                "max_packet_size",
                format!("{} bytes is too small for MQTT", self.max_packet_size),
            ));
        }
        Ok(())
    }

    fn transport(&self) -> Result<rumqttc::Transport, Error> {
        let config = match &self.tls {
            TlsChoice::Plain => return Ok(rumqttc::Transport::Tcp),
            TlsChoice::Custom(config) => config.clone(),
            TlsChoice::Default => Arc::new(default_tls_config()?),
        };
        Ok(rumqttc::Transport::tls_with_config(
            rumqttc::TlsConfiguration::Rustls(config),
        ))
    }

    /// Connects and subscribes to the device's command topic, then returns
    /// the connection; from then on a background task keeps it up.
    ///
    /// Failed attempts are retried with the reconnect backoff until the
    /// connect timeout; then the last failure is returned as
    /// [`Error::MqttConnection`] (DNS, TCP, TLS, the broker closing the
    /// connection, no answer). A refused connection (wrong key or secret)
    /// is not retried: [`Error::MqttRefused`]. Must be called within a
    /// Tokio runtime.
    pub async fn connect(self) -> Result<DeviceConnection, Error> {
        self.validate()?;
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| Error::MqttConnection {
            broker: String::new(),
            message: "DeviceConnection needs a Tokio runtime (for its background task)".into(),
            source: None,
        })?;
        let port = self.port_value();
        let broker = format!("{}:{port}", self.broker);
        let mut options = rumqttc::MqttOptions::new(self.device_id.as_str(), &self.broker, port);
        options
            .set_credentials(self.key.clone(), self.secret.expose_secret())
            .set_keep_alive(self.keep_alive)
            .set_clean_session(true)
            .set_max_packet_size(self.max_packet_size, self.max_packet_size)
            .set_transport(self.transport()?);
        let (client, mut event_loop) = rumqttc::AsyncClient::new(options, REQUEST_CAPACITY);
        let mut network = rumqttc::NetworkOptions::new();
        network.set_connection_timeout(self.connect_timeout.as_secs().max(1));
        event_loop.set_network_options(network);

        let own_topic = command_topic(&self.device_id);
        let mut routes = BTreeMap::new();
        let (sender, first) = broadcast::channel(self.command_buffer);
        routes.insert(
            own_topic.clone(),
            Route {
                sender,
                first: Some(first),
            },
        );
        let (events, _) = broadcast::channel(EVENT_CAPACITY);
        let (ready_tx, ready_rx) = oneshot::channel();
        let (status_tx, status_rx) = watch::channel(ConnectionStatus::Connecting);
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                status: ConnectionStatus::Connecting,
                acked: false,
                wanted: Wanted::Connected,
                routes,
                subscribe_log: VecDeque::new(),
                queue: VecDeque::new(),
                waiters: vec![ready_tx],
                refusal: None,
                events: Some(events),
            }),
            wake: Notify::new(),
            status_tx,
            settings: Settings {
                device_id: self.device_id.clone(),
                broker: broker.clone(),
                qos: self.qos,
                queue_capacity: self.offline_queue,
                command_buffer: self.command_buffer,
                max_packet_size: self.max_packet_size,
            },
        });
        let worker = worker::Worker::new(
            event_loop,
            shared.clone(),
            self.reconnect_min,
            self.reconnect_max,
            self.connect_timeout,
        );
        let task = runtime.spawn(worker.run()).abort_handle();
        let connection = DeviceConnection {
            inner: Arc::new(Inner {
                shared,
                client,
                status: status_rx,
                task,
                own_topic,
            }),
        };
        match ready_rx.await {
            Ok(Ok(())) => Ok(connection),
            Ok(Err(error)) => Err(error),
            Err(_) => Err(Error::MqttClosed),
        }
    }
}

/// The crate's TLS setup (see [`crate::tls`]); MQTT offers no ALPN.
fn default_tls_config() -> Result<rustls::ClientConfig, Error> {
    crate::tls::client_config(None, &[])
}

fn command_topic(device: &DeviceId) -> String {
    format!("losant/{device}/command")
}

fn state_topic(device: &DeviceId) -> String {
    format!("losant/{device}/state")
}

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

struct Inner {
    shared: Arc<Shared>,
    client: rumqttc::AsyncClient,
    status: watch::Receiver<ConnectionStatus>,
    task: tokio::task::AbortHandle,
    own_topic: String,
}

impl Drop for Inner {
    fn drop(&mut self) {
        let acked = {
            let mut state = self.shared.lock();
            if state.status == ConnectionStatus::Closed {
                return;
            }
            state.wanted = Wanted::Closed;
            state.acked
        };
        // The background task sends DISCONNECT and ends when it sees it go
        // out; if it cannot be asked to (a full request channel), stop it.
        if acked && self.client.try_disconnect().is_err() {
            self.task.abort();
        }
        self.shared.wake.notify_one();
    }
}

impl fmt::Debug for DeviceConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let settings = &self.inner.shared.settings;
        f.debug_struct("DeviceConnection")
            .field("device_id", &settings.device_id)
            .field("broker", &settings.broker)
            .field("status", &self.status())
            .field("qos", &settings.qos)
            .field("offline_queue", &settings.queue_capacity)
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

    /// The device this connection acts as.
    pub fn device_id(&self) -> &DeviceId {
        &self.inner.shared.settings.device_id
    }

    /// Where the connection stands now.
    pub fn status(&self) -> ConnectionStatus {
        *self.inner.status.borrow()
    }

    /// Whether messages are sent right away (connected and subscribed).
    pub fn is_connected(&self) -> bool {
        self.status() == ConnectionStatus::Connected
    }

    /// Messages waiting in the offline queue.
    pub fn queued_messages(&self) -> usize {
        self.inner.shared.lock().queue.len()
    }

    /// Reports the device's state on `losant/{deviceId}/state`.
    ///
    /// Returns once the message is handed to the connection (with QoS 1 it
    /// is then resent until acknowledged, across reconnections too). While
    /// disconnected it fails with [`Error::MqttNotConnected`], or is queued
    /// when the offline queue is on ([`Error::MqttQueueFull`] when full).
    /// Invalid attribute names and oversized states fail before anything
    /// is sent.
    pub async fn send_state(&self, state: &DeviceState) -> Result<(), Error> {
        let topic = state_topic(&self.inner.shared.settings.device_id);
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
        let payload = serde_json::to_vec(state)
            .map_err(|error| Error::invalid_input("state", error.to_string()))?;
        self.publish(topic, Bytes::from(payload)).await
    }

    async fn publish(&self, topic: String, payload: Bytes) -> Result<(), Error> {
        let settings = &self.inner.shared.settings;
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
        {
            let mut state = self.inner.shared.lock();
            match state.status {
                ConnectionStatus::Connected if state.acked => {}
                ConnectionStatus::Closed => return Err(state.closed_error()),
                _ => {
                    let capacity = settings.queue_capacity;
                    if capacity == 0 {
                        return Err(Error::MqttNotConnected);
                    }
                    if state.queue.len() >= capacity {
                        return Err(Error::MqttQueueFull { capacity });
                    }
                    state.queue.push_back(Message {
                        topic,
                        qos,
                        payload,
                    });
                    return Ok(());
                }
            }
        }
        self.inner
            .client
            .publish_bytes(topic, qos, false, payload)
            .await
            .map_err(|_| self.inner.shared.lock().closed_error())
    }

    /// Commands sent to this device, from `losant/{deviceId}/command`.
    ///
    /// The first call returns every command received since the connection
    /// was made (up to the command buffer); later calls, and other clones,
    /// get commands from the moment of the call. Commands that are not valid
    /// JSON are skipped with a warning. The stream ends when the connection
    /// closes.
    pub fn commands(&self) -> CommandStream {
        self.inner.shared.command_stream(&self.inner.own_topic)
    }

    /// Commands sent to a gateway's peripheral, from
    /// `losant/{peripheralId}/command`.
    ///
    /// The first call for a peripheral subscribes to its topic: when
    /// connected, it returns once the broker has acknowledged the
    /// subscription ([`Error::MqttSubscriptionRejected`] if the broker
    /// refused it); when disconnected, it returns at once and the topic is
    /// subscribed on reconnection. Every topic is subscribed again after each
    /// reconnection. The subscription lasts as long as the connection.
    pub async fn peripheral_commands(
        &self,
        peripheral_id: &DeviceId,
    ) -> Result<CommandStream, Error> {
        let topic = command_topic(peripheral_id);
        let settings = &self.inner.shared.settings;
        loop {
            let step = {
                let mut state = self.inner.shared.lock();
                if state.status == ConnectionStatus::Closed {
                    return Err(state.closed_error());
                }
                if let Some(route) = state.routes.get_mut(&topic) {
                    let receiver = route
                        .first
                        .take()
                        .unwrap_or_else(|| route.sender.subscribe());
                    return Ok(CommandStream::new(receiver));
                }
                let (sender, receiver) = broadcast::channel(settings.command_buffer);
                let route = Route {
                    sender,
                    first: None,
                };
                if !state.acked {
                    // Subscribed when the connection comes back.
                    state.routes.insert(topic, route);
                    return Ok(CommandStream::new(receiver));
                }
                // Sent under the lock, so that the order of the log is the
                // order of the SUBSCRIBE packets (see worker.rs).
                match self
                    .inner
                    .client
                    .try_subscribe(topic.as_str(), settings.qos.into())
                {
                    Ok(()) => {
                        let (done, acknowledged) = oneshot::channel();
                        state.subscribe_log.push_back(Ticket {
                            topic: topic.clone(),
                            done,
                        });
                        state.routes.insert(topic.clone(), route);
                        Some((receiver, acknowledged))
                    }
                    // The request channel is full: let the task drain it.
                    Err(_) => None,
                }
            };
            match step {
                Some((receiver, acknowledged)) => {
                    return match acknowledged.await {
                        Ok(Err(error)) => Err(error),
                        // Acknowledged, or the connection dropped first (the
                        // topic is subscribed again on reconnection).
                        Ok(Ok(())) | Err(_) => Ok(CommandStream::new(receiver)),
                    };
                }
                None => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    }

    /// Connection events from the moment of the call: connected,
    /// disconnected (with the reason), reconnected. The stream ends when the
    /// connection closes.
    pub fn events(&self) -> EventStream {
        let receiver = self
            .inner
            .shared
            .lock()
            .events
            .as_ref()
            .map(broadcast::Sender::subscribe);
        EventStream {
            inner: match receiver {
                Some(receiver) => broadcast_stream(receiver, "connection events"),
                None => futures::stream::empty().boxed(),
            },
        }
    }

    /// Sends an MQTT DISCONNECT and stays disconnected (no automatic
    /// reconnection) until [`reconnect`](Self::reconnect). Emits
    /// [`DisconnectReason::Requested`].
    pub async fn disconnect(&self) -> Result<(), Error> {
        let (acked, waiters) = {
            let mut state = self.inner.shared.lock();
            if state.status == ConnectionStatus::Closed {
                return Err(state.closed_error());
            }
            state.wanted = Wanted::Disconnected;
            (state.acked, std::mem::take(&mut state.waiters))
        };
        for waiter in waiters {
            let _ = waiter.send(Err(Error::MqttNotConnected));
        }
        if acked {
            let _ = self.inner.client.disconnect().await;
        }
        self.inner.shared.wake.notify_one();
        match self
            .wait_for(|status| {
                matches!(
                    status,
                    ConnectionStatus::Disconnected | ConnectionStatus::Closed
                )
            })
            .await
        {
            ConnectionStatus::Disconnected => Ok(()),
            _ => Err(self.inner.shared.lock().closed_error()),
        }
    }

    /// Connects again after [`disconnect`](Self::disconnect), subscribing
    /// to every command topic; emits [`ConnectionEvent::Connected`]. Retries
    /// and fails like [`ConnectionBuilder::connect`], and then stays
    /// disconnected. While the background task is reconnecting on its own,
    /// makes it try at once and reports that one attempt. Does nothing when
    /// connected.
    pub async fn reconnect(&self) -> Result<(), Error> {
        let ready = {
            let mut state = self.inner.shared.lock();
            match state.status {
                ConnectionStatus::Closed => return Err(state.closed_error()),
                ConnectionStatus::Connected if state.wanted == Wanted::Connected => return Ok(()),
                _ => {}
            }
            state.wanted = Wanted::Connected;
            let (ready_tx, ready) = oneshot::channel();
            state.waiters.push(ready_tx);
            ready
        };
        self.inner.shared.wake.notify_one();
        match ready.await {
            Ok(result) => result,
            Err(_) => Err(self.inner.shared.lock().closed_error()),
        }
    }

    /// Closes the connection for every clone: sends an MQTT DISCONNECT when
    /// connected, stops the background task and ends every stream. Messages
    /// still in the offline queue are dropped.
    pub async fn close(&self) -> Result<(), Error> {
        let acked = {
            let mut state = self.inner.shared.lock();
            if state.status == ConnectionStatus::Closed {
                return Ok(());
            }
            state.wanted = Wanted::Closed;
            state.acked
        };
        if acked {
            let _ = self.inner.client.disconnect().await;
        }
        self.inner.shared.wake.notify_one();
        self.wait_for(|status| status == ConnectionStatus::Closed)
            .await;
        Ok(())
    }

    async fn wait_for(&self, done: impl Fn(ConnectionStatus) -> bool) -> ConnectionStatus {
        let mut status = self.inner.status.clone();
        let reached = match status.wait_for(|status| done(*status)).await {
            Ok(status) => *status,
            Err(_) => ConnectionStatus::Closed,
        };
        reached
    }
}

/// Commands for one device; see [`DeviceConnection::commands`].
pub struct CommandStream {
    inner: BoxStream<'static, DeviceCommand>,
}

impl CommandStream {
    fn new(receiver: broadcast::Receiver<DeviceCommand>) -> Self {
        Self {
            inner: broadcast_stream(receiver, "commands"),
        }
    }

    fn ended() -> Self {
        Self {
            inner: futures::stream::empty().boxed(),
        }
    }
}

impl Stream for CommandStream {
    type Item = DeviceCommand;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}

impl fmt::Debug for CommandStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommandStream").finish_non_exhaustive()
    }
}

/// Connection events; see [`DeviceConnection::events`].
pub struct EventStream {
    inner: BoxStream<'static, ConnectionEvent>,
}

impl Stream for EventStream {
    type Item = ConnectionEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}

impl fmt::Debug for EventStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream").finish_non_exhaustive()
    }
}

fn broadcast_stream<T: Clone + Send + 'static>(
    receiver: broadcast::Receiver<T>,
    what: &'static str,
) -> BoxStream<'static, T> {
    futures::stream::unfold(receiver, move |mut receiver| async move {
        loop {
            match receiver.recv().await {
                Ok(item) => return Some((item, receiver)),
                Err(broadcast::error::RecvError::Lagged(skipped)) => {
                    tracing::warn!(
                        skipped,
                        "a stream of {what} was not read fast enough; skipped the oldest"
                    )
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    })
    .boxed()
}

/// What the handles and the background task share.
struct Shared {
    state: Mutex<State>,
    /// Wakes the task when it waits (backoff, disconnected) and `wanted`
    /// or the waiters changed.
    wake: Notify,
    /// Mirrors `State::status`; written by the task only.
    status_tx: watch::Sender<ConnectionStatus>,
    settings: Settings,
}

struct Settings {
    device_id: DeviceId,
    /// `host:port`, for errors and logs.
    broker: String,
    qos: Qos,
    queue_capacity: usize,
    command_buffer: usize,
    max_packet_size: usize,
}

struct State {
    status: ConnectionStatus,
    /// CONNACK received on the current network connection: subscriptions
    /// go straight to the broker.
    acked: bool,
    wanted: Wanted,
    /// Command topic → its subscribers.
    routes: BTreeMap<String, Route>,
    /// Subscriptions sent by handles, in the order they entered the request
    /// channel (so in the order of their SUBSCRIBE packets).
    subscribe_log: VecDeque<Ticket>,
    /// Messages waiting for a connection (offline queue, and messages taken
    /// back from a connection that dropped before sending them).
    queue: VecDeque<Message>,
    /// `connect` / `reconnect` callers waiting for the next attempt.
    waiters: Vec<oneshot::Sender<Result<(), Error>>>,
    /// Set when the broker refused a reconnection and the task stopped.
    refusal: Option<(u8, String)>,
    events: Option<broadcast::Sender<ConnectionEvent>>,
}

impl State {
    fn closed_error(&self) -> Error {
        match &self.refusal {
            Some((code, reason)) => Error::MqttRefused {
                code: *code,
                reason: reason.clone(),
            },
            None => Error::MqttClosed,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wanted {
    Connected,
    Disconnected,
    Closed,
}

struct Route {
    sender: broadcast::Sender<DeviceCommand>,
    /// Holds commands from the moment the route exists until the first
    /// stream takes it.
    first: Option<broadcast::Receiver<DeviceCommand>>,
}

struct Ticket {
    topic: String,
    done: oneshot::Sender<Result<(), Error>>,
}

struct Message {
    topic: String,
    qos: rumqttc::QoS,
    payload: Bytes,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn command_stream(&self, topic: &str) -> CommandStream {
        let mut state = self.lock();
        match state.routes.get_mut(topic) {
            Some(route) => {
                let receiver = route
                    .first
                    .take()
                    .unwrap_or_else(|| route.sender.subscribe());
                CommandStream::new(receiver)
            }
            None => CommandStream::ended(),
        }
    }
}
