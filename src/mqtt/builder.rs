//! Configuring a connection, and the one place where the transport (TCP or
//! TLS, and with which rustls configuration) is chosen.

use super::settings::Settings;
use super::transport::{TlsChoice, Transport};
use super::{worker, DeviceConnection, MqttError, Qos, DEFAULT_BROKER};
use crate::ids::DeviceId;
use crate::{Backoff, Error};
use rustls::crypto::CryptoProvider;
use secrecy::SecretString;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

/// Configures a [`DeviceConnection`]; start with
/// [`DeviceConnection::builder`].
#[derive(Clone)]
pub struct ConnectionBuilder {
    device_id: DeviceId,
    key: String,
    secret: SecretString,
    broker: String,
    port: Option<u16>,
    transport: Transport,
    qos: Qos,
    keep_alive: Duration,
    connect_timeout: Duration,
    ack_timeout: Duration,
    reconnect_backoff: Backoff,
    stable_after: Duration,
    offline_queue: usize,
    command_buffer: usize,
    max_packet_size: usize,
    #[cfg(feature = "store")]
    store: Option<crate::store::Store>,
}

impl fmt::Debug for ConnectionBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("ConnectionBuilder");
        debug
            .field("device_id", &self.device_id)
            .field("key", &self.key)
            .field("secret", &crate::REDACTED)
            .field("broker", &self.broker)
            .field("port", &self.port_value())
            .field("transport", &self.transport.describe())
            .field("qos", &self.qos)
            .field("keep_alive", &self.keep_alive)
            .field("connect_timeout", &self.connect_timeout)
            .field("ack_timeout", &self.ack_timeout)
            .field("reconnect_backoff", &self.reconnect_backoff)
            .field("stable_after", &self.stable_after)
            .field("offline_queue", &self.offline_queue)
            .field("command_buffer", &self.command_buffer)
            .field("max_packet_size", &self.max_packet_size);
        #[cfg(feature = "store")]
        debug.field("store", &self.store.as_ref().map(|store| store.path()));
        debug.finish()
    }
}

impl ConnectionBuilder {
    pub(super) fn new(device_id: DeviceId, key: String, secret: SecretString) -> Self {
        Self {
            device_id,
            key,
            secret,
            broker: DEFAULT_BROKER.to_string(),
            port: None,
            transport: Transport {
                tls: TlsChoice::Default(None),
                websocket: false,
            },
            qos: Qos::AtMostOnce,
            keep_alive: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            ack_timeout: Duration::from_secs(30),
            reconnect_backoff: Backoff::new(Duration::from_secs(1), Duration::from_secs(60)),
            stable_after: Duration::from_secs(30),
            offline_queue: 0,
            command_buffer: 64,
            max_packet_size: 256 * 1024,
            #[cfg(feature = "store")]
            store: None,
        }
    }

    /// The broker's host name or IP address (default `broker.losant.com`).
    pub fn broker(mut self, host: impl Into<String>) -> Self {
        self.broker = host.into();
        self
    }

    /// The broker's port (default 8883 with TLS, 1883 with
    /// [`plain_tcp`](Self::plain_tcp); over WebSockets (feature
    /// `mqtt-websocket`), 443, or 80 with `plain_tcp`).
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Connects without TLS, for a local broker or tests. The access secret
    /// then travels in clear text: never use it over a network you do not
    /// control. The last of `plain_tcp`, [`tls_config`](Self::tls_config)
    /// and [`tls_provider`](Self::tls_provider) wins.
    pub fn plain_tcp(mut self) -> Self {
        self.transport.tls = TlsChoice::Plain;
        self
    }

    /// Speaks MQTT inside WebSocket frames (feature `mqtt-websocket`), for
    /// sites whose firewall only opens the HTTPS port: `wss` on port 443
    /// with the TLS choice of [`tls_config`](Self::tls_config) or
    /// [`tls_provider`](Self::tls_provider), or plain `ws` on port 80 with
    /// [`plain_tcp`](Self::plain_tcp), at the path `/mqtt` with the
    /// subprotocol `mqtt`, as Losant's JavaScript client does
    /// (`wss://broker.losant.com:443/mqtt`).
    #[cfg(feature = "mqtt-websocket")]
    pub fn websocket(mut self) -> Self {
        self.transport.websocket = true;
        self
    }

    /// Uses TLS with the caller's rustls configuration (own roots, client
    /// certificates) instead of the crate's (the system's root certificates,
    /// or the webpki roots when the system has none).
    pub fn tls_config(mut self, config: Arc<rustls::ClientConfig>) -> Self {
        self.transport.tls = TlsChoice::Custom(config);
        self
    }

    /// Uses the crate's TLS setup with this crypto provider instead of the
    /// one the crate features choose (`rustls-aws-lc`, else `rustls-ring`);
    /// the same choice as [`ClientBuilder`](crate::ClientBuilder) makes for
    /// HTTPS. Nothing is installed process-wide.
    pub fn tls_provider(mut self, provider: Arc<CryptoProvider>) -> Self {
        self.transport.tls = TlsChoice::Default(Some(provider));
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

    /// How long a connection attempt may take until it is up (TCP, TLS,
    /// CONNACK and the command subscriptions), and how long
    /// [`connect`](Self::connect) and [`DeviceConnection::reconnect`] keep
    /// retrying with the backoff before they give up (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long a call waits for the broker's acknowledgement: the PUBACK
    /// of a QoS 1 state, the SUBACK of a peripheral's subscription (default
    /// 30 s). Then it fails with [`MqttError::Timeout`]; the message stays
    /// queued and may still be delivered.
    pub fn ack_timeout(mut self, timeout: Duration) -> Self {
        self.ack_timeout = timeout;
        self
    }

    /// Waits between reconnection attempts (default 1 s doubling up to
    /// 60 s, with jitter). The wait keeps growing over attempts until a
    /// connection has stayed up for [`stable_after`](Self::stable_after).
    pub fn reconnect_backoff(mut self, backoff: Backoff) -> Self {
        self.reconnect_backoff = backoff;
        self
    }

    /// How long a connection must stay up before the reconnect backoff
    /// starts again from its first wait (default 30 s). A broker that drops
    /// every connection right after accepting it (for example for an
    /// oversized retained command) so sees ever slower attempts, not a
    /// reconnect storm.
    pub fn stable_after(mut self, duration: Duration) -> Self {
        self.stable_after = duration;
        self
    }

    /// Keeps up to `capacity` messages published while disconnected and
    /// sends them, in order, once reconnected. Off (0) by default:
    /// publishing while disconnected is then an error
    /// ([`MqttError::NotConnected`]).
    pub fn offline_queue(mut self, capacity: usize) -> Self {
        self.offline_queue = capacity;
        self
    }

    /// Commands kept for each [`CommandStream`](super::CommandStream) that
    /// is not read fast enough (default 64); older ones are dropped, logged
    /// and counted ([`CommandStream::dropped`](super::CommandStream::dropped)).
    /// The device's own stream keeps commands from the moment of connection
    /// until [`DeviceConnection::commands`] is first called.
    pub fn command_buffer(mut self, capacity: usize) -> Self {
        self.command_buffer = capacity;
        self
    }

    /// The largest MQTT packet sent or accepted, in bytes (default 256 KiB,
    /// Losant's limit). A larger state is rejected before it is sent; a
    /// larger incoming packet drops the connection.
    pub fn max_packet_size(mut self, bytes: usize) -> Self {
        self.max_packet_size = bytes;
        self
    }

    /// Reports states through a durable outbox (feature `store`):
    /// [`DeviceConnection::send_state`] returns once the state is on the
    /// disk, connected or not, and a background task sends the stored
    /// states in order at QoS 1 (whatever [`qos`](Self::qos) says),
    /// removing each at its PUBACK. Entries left from an earlier run are
    /// sent first. See [`crate::store`] for what is guaranteed.
    ///
    /// The offline queue and the ack timeout then play no part for states.
    /// [`connect`](Self::connect) fails with
    /// [`StoreError::Attached`](crate::store::StoreError::Attached) when
    /// the store already feeds another connection.
    #[cfg(feature = "store")]
    pub fn store(mut self, store: crate::store::Store) -> Self {
        self.store = Some(store);
        self
    }

    fn port_value(&self) -> u16 {
        self.port.unwrap_or(self.transport.default_port())
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
        for (name, value) in [
            ("connect_timeout", self.connect_timeout),
            ("ack_timeout", self.ack_timeout),
            ("reconnect_backoff", self.reconnect_backoff.initial),
        ] {
            if value.is_zero() {
                return Err(Error::invalid_input(name, "must not be zero"));
            }
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

    /// Connects and subscribes to the device's command topic, then returns
    /// the connection; from then on a background task keeps it up.
    ///
    /// Failed attempts are retried with the reconnect backoff until the
    /// connect timeout; then the last failure is returned as
    /// [`MqttError::Connection`] (DNS, TCP, the broker closing the
    /// connection, no answer). Neither a refused connection (wrong key or
    /// secret: [`MqttError::Refused`]) nor a failed TLS handshake
    /// ([`MqttError::Tls`]) is retried. Must be called within a Tokio
    /// runtime.
    pub async fn connect(self) -> Result<DeviceConnection, Error> {
        let (connection, ready) = self.start(false)?;
        match ready.await {
            Ok(Ok(())) => Ok(connection),
            Ok(Err(error)) => Err(error.into()),
            Err(_) => Err(MqttError::Closed.into()),
        }
    }

    /// Returns the connection at once and connects in the background,
    /// retrying with the reconnect backoff until it works or the broker
    /// refuses it (then the connection closes and
    /// [`DisconnectReason::Refused`](super::DisconnectReason::Refused) is
    /// reported). For a device program that must take reports before its
    /// network is up: with a [`store`](Self::store), `send_state` works
    /// from the start. Watch [`DeviceConnection::events`] for
    /// [`ConnectionEvent::Connected`](super::ConnectionEvent::Connected).
    /// Fails only for bad settings or outside a Tokio runtime.
    pub fn connect_in_background(self) -> Result<DeviceConnection, Error> {
        let (connection, _ready) = self.start(true)?;
        Ok(connection)
    }

    /// Starts the connection's task; the receiver answers once the first
    /// connection is up or has failed for good.
    fn start(
        self,
        background: bool,
    ) -> Result<(DeviceConnection, oneshot::Receiver<Result<(), MqttError>>), Error> {
        self.validate()?;
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| MqttError::NoRuntime)?;
        let port = self.port_value();
        let (address, transport) = self.transport.build(&self.broker, port)?;
        #[cfg(feature = "store")]
        let claim = self
            .store
            .as_ref()
            .map(|store| store.attach())
            .transpose()?;
        #[cfg(not(feature = "store"))]
        let claim = ();
        let settings = Settings {
            broker: format!("{}:{port}", self.broker),
            own_topic: super::topics::command_topic(&self.device_id),
            device_id: self.device_id,
            address,
            port,
            key: self.key,
            secret: self.secret,
            transport,
            qos: self.qos,
            keep_alive: self.keep_alive,
            connect_timeout: self.connect_timeout,
            ack_timeout: self.ack_timeout,
            reconnect_backoff: self.reconnect_backoff,
            stable_after: self.stable_after,
            offline_queue: self.offline_queue,
            command_buffer: self.command_buffer,
            max_packet_size: self.max_packet_size,
            #[cfg(feature = "store")]
            store: self.store.clone(),
        };
        let (connection, ready) = worker::spawn(Arc::new(settings), &runtime, background, claim);
        #[cfg(feature = "store")]
        if let Some(store) = self.store {
            connection.deliver_from(store, &runtime);
        }
        Ok((connection, ready))
    }
}
