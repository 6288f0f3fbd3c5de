//! What handles ask of the background task, and what it shows them.

use super::{ConnectionStatus, MqttError, Qos};
use crate::types::DeviceCommand;
use bytes::Bytes;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tokio::sync::{broadcast, oneshot};

/// The task's answer to one request.
pub(super) type Reply<T> = oneshot::Sender<Result<T, MqttError>>;

/// One request from a handle. Each carries its own reply channel, so
/// answers never depend on the order requests are served in.
pub(super) enum Request {
    /// Answered once the broker has the message (QoS 0: written to the
    /// connection; QoS 1: PUBACK), or once it is in the offline queue.
    Publish { message: Message, reply: Reply<()> },
    /// Answered with a receiver of the topic's commands once the broker
    /// acknowledged the subscription, or at once while disconnected.
    Subscribe {
        topic: String,
        reply: Reply<broadcast::Receiver<DeviceCommand>>,
    },
    /// Answered once disconnected.
    Disconnect { reply: Reply<()> },
    /// Answered with the outcome of the next connection attempt.
    Reconnect { reply: Reply<()> },
    /// Answered when the task ends.
    Close { reply: oneshot::Sender<()> },
}

/// A message to publish.
pub(super) struct Message {
    pub(super) topic: String,
    pub(super) qos: Qos,
    pub(super) payload: Bytes,
    /// Set for an entry of a store: it waits for its PUBACK whatever the
    /// connection does, and this counts each time it is sent again.
    pub(super) resent: Option<Arc<dyn ResendLedger>>,
}

/// Counts the entries of a store that are sent again. The connection's
/// task saves the count after a connection ends and before the next one
/// can send them again, so that a crash just after a resend cannot lose
/// it.
pub(super) trait ResendLedger: Send + Sync {
    /// One more entry will be sent again.
    fn add(&self);
    /// Saves what was added since the last time.
    fn save(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

impl Message {
    pub(super) fn is_stored(&self) -> bool {
        self.resent.is_some()
    }
}

/// What handles read without asking: written by the task only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Snapshot {
    pub(super) status: ConnectionStatus,
    /// Messages waiting for a connection.
    pub(super) queued: usize,
    /// Set when the broker refused a reconnection and the task stopped.
    pub(super) refusal: Option<(u8, String)>,
}

impl Snapshot {
    pub(super) fn new() -> Self {
        Self {
            status: ConnectionStatus::Connecting,
            queued: 0,
            refusal: None,
        }
    }

    /// The error for anything asked of a closed connection.
    pub(super) fn closed_error(&self) -> MqttError {
        match &self.refusal {
            Some((code, reason)) => MqttError::Refused {
                code: *code,
                reason: reason.clone(),
            },
            None => MqttError::Closed,
        }
    }
}
