//! A device-side MQTT connection to Losant's broker (feature `mqtt`).
//!
//! [`DeviceConnection`] connects as one device (MQTT client id = device id,
//! user name = access key, password = access secret) to
//! `broker.losant.com:8883` over TLS, reports state on
//! `losant/{deviceId}/state` and receives commands from
//! `losant/{deviceId}/command`. A gateway also reports state for, and
//! receives commands of, its peripherals.
//!
//! A background task owns the connection; handles and streams talk to it
//! through channels. It reconnects on its own with a [`Backoff`] that keeps
//! growing until a connection has stayed up for a while, and subscribes
//! again to every command topic, including peripherals added while
//! connected or disconnected; watch [`DeviceConnection::events`] to follow
//! it. A refused connection (wrong key or secret) or a failed TLS handshake
//! is an error, not a reason to retry forever. Failures are
//! [`Error::Mqtt`](crate::Error::Mqtt) with an [`MqttError`].
//!
//! `ConnectionBuilder::websocket` (feature `mqtt-websocket`) speaks MQTT
//! over WebSockets (`wss` on 443, `ws` on 80, path [`WEBSOCKET_PATH`]) for
//! sites whose firewall only opens HTTPS. `ConnectionBuilder::store`
//! (feature `store`) sends states through a durable outbox that survives
//! restarts and power loss (module `store`).
//!
//! Streams never slow the connection down: each keeps the newest
//! [`command_buffer`](ConnectionBuilder::command_buffer) items, and a stream
//! read too slowly loses the oldest ones, which it logs and counts
//! ([`CommandStream::dropped`]).
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
//!
//! [`Backoff`]: crate::Backoff

mod after;
mod builder;
mod connection;
#[cfg(feature = "store")]
mod durable;
mod error;
mod failure;
mod outbox;
mod reconnect;
mod requests;
mod routes;
mod session;
mod settings;
mod streams;
mod topics;
mod transport;
mod worker;

pub use builder::ConnectionBuilder;
pub use connection::DeviceConnection;
pub use error::MqttError;
pub use streams::{CommandStream, EventStream};
pub use transport::{WEBSOCKET_PATH, WSS_PORT, WS_PORT};

use std::time::Duration;

/// Losant's MQTT broker.
pub const DEFAULT_BROKER: &str = "broker.losant.com";
/// The broker's TLS port, the default.
pub const TLS_PORT: u16 = 8883;
/// The broker's plain TCP port, the default with
/// [`ConnectionBuilder::plain_tcp`].
pub const PLAIN_PORT: u16 = 1883;

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
    /// An attempt failed or the connection was lost: the next attempt is
    /// made after `delay`.
    Retrying {
        /// The number of this attempt since the last connection that stayed
        /// up for [`stable_after`](ConnectionBuilder::stable_after) (1 for
        /// the first); the backoff grows with it.
        attempt: u32,
        /// The wait before it.
        delay: Duration,
    },
    /// The broker refused a subscription to a command topic (for example a
    /// peripheral this gateway may not act for).
    SubscriptionRejected {
        /// The topic, `losant/{deviceId}/command`.
        topic: String,
    },
    /// Something happened to the store's entries (feature `store`): dropped
    /// or refused at a bound, sent again, with counts and totals.
    #[cfg(feature = "store")]
    Store(crate::store::StoreEvent),
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
