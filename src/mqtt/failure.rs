//! Why a connection attempt or a connection failed, and what that means
//! for retrying.

use super::error::refusal_reason;
use super::MqttError;
use rumqttc::{ConnectionError, StateError};
use std::io;
use std::sync::Arc;
use std::time::Duration;

pub(super) enum Failure {
    /// A CONNACK with a return code other than 0.
    Refused { code: u8 },
    /// The TLS handshake failed (certificate, host name, not TLS at all).
    Tls {
        message: String,
        source: Arc<ConnectionError>,
    },
    /// Anything else on the network or in the protocol.
    Connection {
        message: String,
        source: Arc<ConnectionError>,
    },
    /// Not up within the connect timeout.
    TimedOut { timeout: Duration },
}

impl Failure {
    /// `connacked`: the broker had accepted this connection.
    pub(super) fn new(error: ConnectionError, connacked: bool) -> Self {
        if let ConnectionError::ConnectionRefused(code) = error {
            return Failure::Refused { code: code as u8 };
        }
        if let Some(tls) = tls_failure(&error) {
            return Failure::Tls {
                message: tls,
                source: Arc::new(error),
            };
        }
        let closed_early = !connacked
            && match &error {
                ConnectionError::MqttState(StateError::ConnectionAborted) => true,
                ConnectionError::MqttState(StateError::Io(error)) | ConnectionError::Io(error) => {
                    matches!(
                        error.kind(),
                        io::ErrorKind::UnexpectedEof
                            | io::ErrorKind::ConnectionReset
                            | io::ErrorKind::ConnectionAborted
                    )
                }
                _ => false,
            };
        let hint = match &error {
            ConnectionError::Io(error) if error.kind() == io::ErrorKind::ConnectionRefused => {
                "; nothing accepts connections there: check the broker and the port"
            }
            ConnectionError::NetworkTimeout => "; check the broker, the port and the network",
            ConnectionError::Tls(_) => "; the TLS connection failed",
            #[cfg(feature = "mqtt-websocket")]
            ConnectionError::Websocket(_) | ConnectionError::ResponseValidation(_) => {
                "; the WebSocket upgrade failed: check the port, and that the broker serves \
                 MQTT over WebSockets at /mqtt with the subprotocol mqtt"
            }
            _ if closed_early => {
                "; the broker closed the connection before accepting it, which some brokers do \
                 for wrong credentials: check the device id, access key and secret"
            }
            _ => "",
        };
        Failure::Connection {
            message: format!("{error}{hint}"),
            source: Arc::new(error),
        }
    }

    pub(super) fn to_error(&self, broker: &str) -> MqttError {
        match self {
            Failure::Refused { code } => MqttError::Refused {
                code: *code,
                reason: refusal_reason(*code).to_string(),
            },
            Failure::Tls { message, source } => MqttError::Tls {
                broker: broker.to_string(),
                message: message.clone(),
                source: Some(Box::new(source.clone())),
            },
            Failure::Connection { message, source } => MqttError::Connection {
                broker: broker.to_string(),
                message: message.clone(),
                source: Some(Box::new(source.clone())),
            },
            Failure::TimedOut { .. } => MqttError::Connection {
                broker: broker.to_string(),
                message: self.message(),
                source: None,
            },
        }
    }

    pub(super) fn message(&self) -> String {
        match self {
            Failure::Refused { code } => {
                format!("refused (CONNACK code {code}: {})", refusal_reason(*code))
            }
            Failure::Tls { message, .. } => format!("TLS handshake failed: {message}"),
            Failure::Connection { message, .. } => message.clone(),
            Failure::TimedOut { timeout } => format!(
                "not connected within the connect timeout of {timeout:?}; check the broker, \
                 the port and the network"
            ),
        }
    }

    /// A refusal that retrying will not fix (all but "server unavailable").
    pub(super) fn is_permanent_refusal(&self) -> bool {
        matches!(self, Failure::Refused { code } if *code != 3)
    }

    /// Not worth retrying before `connect` or `reconnect` reports: the
    /// same credentials, certificate or port give the same answer.
    /// Automatic reconnections still retry TLS failures (a broker's
    /// certificate may be renewed).
    pub(super) fn ends_a_requested_connection(&self) -> bool {
        self.is_permanent_refusal() || matches!(self, Failure::Tls { .. })
    }
}

/// rustls's verdict when the handshake failed, as opposed to a network
/// failure while it ran. tokio-rustls hands rustls errors over inside
/// `io::Error`.
fn tls_failure(error: &ConnectionError) -> Option<String> {
    #[cfg(feature = "mqtt-websocket")]
    if let ConnectionError::Websocket(error) = error {
        return rustls_verdict(error);
    }
    let ConnectionError::Tls(tls) = error else {
        return None;
    };
    match tls {
        rumqttc::TlsError::TLS(error) => Some(error.to_string()),
        rumqttc::TlsError::DNSName(error) => Some(format!("the broker's name: {error}")),
        rumqttc::TlsError::Io(error) => error
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            .map(rustls::Error::to_string),
        _ => None,
    }
}

/// Over WebSockets the handshake is async-tungstenite's, which hands the
/// rustls error over inside its own error or an `io::Error`.
#[cfg(feature = "mqtt-websocket")]
fn rustls_verdict(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(rustls) = error.downcast_ref::<rustls::Error>() {
            return Some(rustls.to_string());
        }
        let inner = error
            .downcast_ref::<io::Error>()
            .and_then(io::Error::get_ref)
            .and_then(|inner| inner.downcast_ref::<rustls::Error>());
        if let Some(rustls) = inner {
            return Some(rustls.to_string());
        }
        current = error.source();
    }
    None
}
