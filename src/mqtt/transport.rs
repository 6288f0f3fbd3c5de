//! The one place where the transport is chosen: TCP, TLS, or MQTT over
//! WebSockets (feature `mqtt-websocket`), plain or over TLS, and with
//! which rustls configuration.
//!
//! Losant's broker takes the four transports of Losant's own JavaScript
//! client (losant-mqtt-js): `tcp` on 1883, `tls` on 8883, `ws` on 80 and
//! `wss` on 443, all at `broker.losant.com`. Over WebSockets that client
//! connects through mqtt.js, whose default path is `/mqtt`
//! ([`WEBSOCKET_PATH`]), with the WebSocket subprotocol `mqtt`.

use super::{PLAIN_PORT, TLS_PORT};
use crate::Error;
use rustls::crypto::CryptoProvider;
use std::sync::Arc;

/// The URL path of MQTT over WebSockets: mqtt.js's default, which Losant's
/// JavaScript client uses (`wss://broker.losant.com:443/mqtt`).
pub const WEBSOCKET_PATH: &str = "/mqtt";
/// The broker's port for MQTT over WebSockets with TLS (`wss`).
pub const WSS_PORT: u16 = 443;
/// The broker's port for MQTT over plain WebSockets (`ws`).
pub const WS_PORT: u16 = 80;

#[derive(Clone)]
pub(super) enum TlsChoice {
    /// The crate's TLS setup (see [`crate::tls`]) with this provider, or
    /// the one the crate features choose.
    Default(Option<Arc<CryptoProvider>>),
    /// The caller's configuration.
    Custom(Arc<rustls::ClientConfig>),
    /// No TLS.
    Plain,
}

/// How bytes reach the broker.
#[derive(Clone)]
pub(super) struct Transport {
    pub(super) tls: TlsChoice,
    /// MQTT inside WebSocket frames (`ws`/`wss`).
    pub(super) websocket: bool,
}

impl Transport {
    pub(super) fn default_port(&self) -> u16 {
        match (&self.tls, self.websocket) {
            (TlsChoice::Plain, false) => PLAIN_PORT,
            (_, false) => TLS_PORT,
            (TlsChoice::Plain, true) => WS_PORT,
            (_, true) => WSS_PORT,
        }
    }

    /// For `Debug` output.
    pub(super) fn describe(&self) -> &'static str {
        match (&self.tls, self.websocket) {
            (TlsChoice::Default(None), false) => "TLS (system roots)",
            (TlsChoice::Default(Some(_)), false) => "TLS (system roots, caller's crypto provider)",
            (TlsChoice::Custom(_), false) => "TLS (caller's rustls::ClientConfig)",
            (TlsChoice::Plain, false) => "plain TCP",
            (TlsChoice::Default(None), true) => "WebSockets over TLS (wss, system roots)",
            (TlsChoice::Default(Some(_)), true) => {
                "WebSockets over TLS (wss, system roots, caller's crypto provider)"
            }
            (TlsChoice::Custom(_), true) => {
                "WebSockets over TLS (wss, caller's rustls::ClientConfig)"
            }
            (TlsChoice::Plain, true) => "plain WebSockets (ws)",
        }
    }

    /// What rumqttc connects to (the host, or for WebSockets the URL) and
    /// how, decided once for every network connection to come. MQTT over
    /// TLS offers no ALPN protocol.
    pub(super) fn build(
        &self,
        host: &str,
        port: u16,
    ) -> Result<(String, rumqttc::Transport), Error> {
        let config = match &self.tls {
            TlsChoice::Plain => None,
            TlsChoice::Custom(config) => Some(config.clone()),
            TlsChoice::Default(provider) => {
                Some(Arc::new(crate::tls::client_config(provider.clone(), &[])?))
            }
        };
        let config = config.map(rumqttc::TlsConfiguration::Rustls);
        if self.websocket {
            return websocket(host, port, config);
        }
        let transport = match config {
            None => rumqttc::Transport::Tcp,
            Some(config) => rumqttc::Transport::tls_with_config(config),
        };
        Ok((host.to_string(), transport))
    }
}

#[cfg(feature = "mqtt-websocket")]
fn websocket(
    host: &str,
    port: u16,
    tls: Option<rumqttc::TlsConfiguration>,
) -> Result<(String, rumqttc::Transport), Error> {
    // rumqttc takes the host, port and path from this URL.
    let host = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    let (scheme, transport) = match tls {
        None => ("ws", rumqttc::Transport::Ws),
        Some(config) => ("wss", rumqttc::Transport::wss_with_config(config)),
    };
    Ok((
        format!("{scheme}://{host}:{port}{WEBSOCKET_PATH}"),
        transport,
    ))
}

#[cfg(not(feature = "mqtt-websocket"))]
fn websocket(
    _host: &str,
    _port: u16,
    _tls: Option<rumqttc::TlsConfiguration>,
) -> Result<(String, rumqttc::Transport), Error> {
    Err(Error::invalid_input(
        "websocket",
        "MQTT over WebSockets needs the crate feature `mqtt-websocket`",
    ))
}
