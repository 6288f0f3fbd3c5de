//! What can go wrong with an MQTT connection.

use std::time::Duration;

/// A failure of a [`DeviceConnection`](super::DeviceConnection); reaches
/// callers as [`Error::Mqtt`](crate::Error::Mqtt).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MqttError {
    /// The broker refused the connection (a CONNACK return code other than
    /// 0), for example for a wrong access key or secret.
    #[error("the MQTT broker refused the connection: {reason} (CONNACK code {code}). {}", refusal_hint(*code))]
    Refused {
        /// The CONNACK return code, 1 to 5.
        code: u8,
        /// What the code means.
        reason: String,
    },

    /// No connection could be made (DNS, TCP, the broker closing the
    /// connection, no answer within the connect timeout).
    #[error("could not connect to the MQTT broker at {broker}: {message}")]
    Connection {
        /// `host:port`.
        broker: String,
        /// What failed, with a hint.
        message: String,
        /// The underlying failure, when there is one.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },

    /// The TLS handshake failed: the broker's certificate is not trusted or
    /// not for this host name, or the broker does not speak TLS on this
    /// port. Reported at once rather than retried, since retrying rarely
    /// fixes it.
    #[error("the TLS handshake with the MQTT broker at {broker} failed: {message}; check the broker's name, the port and the trusted roots")]
    Tls {
        /// `host:port`.
        broker: String,
        /// What rustls reported.
        message: String,
        /// The underlying failure.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },

    /// A message was published while disconnected and the offline queue is
    /// off.
    #[error("not connected to the MQTT broker, so the message was not sent; retry once reconnected, or turn on the offline queue")]
    NotConnected,

    /// A message was published while disconnected and the offline queue is
    /// full.
    #[error("the MQTT offline queue is full ({capacity} messages), so the message was not queued")]
    QueueFull {
        /// The queue's capacity.
        capacity: usize,
    },

    /// The connection was closed (by `close`, or by dropping every handle).
    /// A broker that refused to reconnect gives [`MqttError::Refused`].
    #[error("the MQTT connection is closed")]
    Closed,

    /// The broker refused a subscription, e.g. to the commands of a
    /// peripheral the gateway may not act for.
    #[error("the MQTT broker rejected the subscription to {topic}; check that this device may act for that peripheral")]
    SubscriptionRejected {
        /// The topic.
        topic: String,
    },

    /// The broker did not acknowledge in time (PUBACK of a QoS 1 message,
    /// SUBACK of a subscription), or the connection's task did not answer.
    /// A message may still be delivered later: it stays queued.
    #[error("no answer to {what} within {timeout:?} (ack_timeout)")]
    Timeout {
        /// What was waited for.
        what: &'static str,
        /// How long.
        timeout: Duration,
    },

    /// [`connect`](super::ConnectionBuilder::connect) was called outside a
    /// Tokio runtime, which the connection's background task needs.
    #[error("a DeviceConnection needs a Tokio runtime for its background task")]
    NoRuntime,
}

/// What a CONNACK return code means (MQTT 3.1.1, 3.2.2.3).
pub(super) fn refusal_reason(code: u8) -> &'static str {
    match code {
        1 => "the broker does not accept MQTT 3.1.1",
        2 => "the client id (the device id) was rejected",
        3 => "the broker is unavailable",
        4 => "bad user name or password (the access key or secret)",
        5 => "not authorized",
        _ => "unknown return code",
    }
}

fn refusal_hint(code: u8) -> &'static str {
    match code {
        2 | 4 | 5 => "Check the device id, the access key and the access secret",
        3 => "Try again later",
        _ => "See the MQTT 3.1.1 specification, 3.2.2.3",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_name_the_credentials() {
        assert!(refusal_reason(4).contains("access key or secret"));
        assert_eq!(refusal_reason(9), "unknown return code");
        let error = MqttError::Refused {
            code: 5,
            reason: refusal_reason(5).into(),
        };
        assert!(error.to_string().contains("access secret"), "{error}");
    }
}
