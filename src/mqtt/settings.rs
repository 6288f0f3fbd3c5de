//! What a connection was built with, and rumqttc's options from it.

use super::Qos;
use crate::ids::DeviceId;
use crate::Backoff;
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

/// What the connection was built with; shared, never changed.
pub(super) struct Settings {
    pub(super) device_id: DeviceId,
    pub(super) own_topic: String,
    /// `host:port`, for errors and logs.
    pub(super) broker: String,
    /// The host, or for WebSockets the URL.
    pub(super) address: String,
    pub(super) port: u16,
    pub(super) key: String,
    pub(super) secret: SecretString,
    pub(super) transport: rumqttc::Transport,
    pub(super) qos: Qos,
    pub(super) keep_alive: Duration,
    pub(super) connect_timeout: Duration,
    pub(super) ack_timeout: Duration,
    pub(super) reconnect_backoff: Backoff,
    pub(super) stable_after: Duration,
    pub(super) offline_queue: usize,
    pub(super) command_buffer: usize,
    pub(super) max_packet_size: usize,
    #[cfg(feature = "store")]
    pub(super) store: Option<crate::store::Store>,
}

impl Settings {
    /// rumqttc's options for one network connection. A clean session each
    /// time: the task itself resends what was not acknowledged.
    pub(super) fn mqtt_options(&self) -> rumqttc::MqttOptions {
        let mut options =
            rumqttc::MqttOptions::new(self.device_id.as_str(), &self.address, self.port);
        options
            .set_credentials(self.key.clone(), self.secret.expose_secret())
            .set_keep_alive(self.keep_alive)
            .set_clean_session(true)
            .set_max_packet_size(self.max_packet_size, self.max_packet_size)
            .set_transport(self.transport.clone());
        options
    }

    /// Bounds TCP, TLS and CONNACK of one attempt, and every flush.
    pub(super) fn network_options(&self) -> rumqttc::NetworkOptions {
        let mut network = rumqttc::NetworkOptions::new();
        network.set_connection_timeout(self.connect_timeout.as_secs().max(1));
        network
    }
}
