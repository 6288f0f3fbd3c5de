//! The streams handed to callers, fed by the background task.
//!
//! Each is a bounded broadcast receiver. The task never waits for a
//! reader: a stall would hold up pings, acknowledgements and every other
//! stream, and the broker would drop the connection. A stream read too
//! slowly loses its oldest items instead, logged and counted.

use super::ConnectionEvent;
use crate::lossy::lossy_stream;
use crate::types::DeviceCommand;
use futures::stream::{BoxStream, Stream, StreamExt};
use std::fmt;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::sync::{broadcast, mpsc};

/// Commands for one device; see
/// [`DeviceConnection::commands`](super::DeviceConnection::commands).
///
/// Dropping the last stream of a peripheral unsubscribes from its topic.
pub struct CommandStream {
    inner: BoxStream<'static, DeviceCommand>,
    dropped: Arc<AtomicU64>,
    release: Option<Release>,
}

/// Tells the task that a peripheral's stream is gone.
pub(super) struct Release {
    pub(super) topic: String,
    pub(super) released: mpsc::UnboundedSender<String>,
}

impl CommandStream {
    pub(super) fn new(
        receiver: broadcast::Receiver<DeviceCommand>,
        release: Option<Release>,
    ) -> Self {
        let dropped = Arc::new(AtomicU64::new(0));
        Self {
            inner: lossy_stream(receiver, "commands", dropped.clone()),
            dropped,
            release,
        }
    }

    /// Commands this stream lost because it was not read fast enough
    /// (more than [`command_buffer`](super::ConnectionBuilder::command_buffer)
    /// waiting).
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

impl Drop for CommandStream {
    fn drop(&mut self) {
        // The receiver goes first, so the task finds nobody listening.
        self.inner = futures::stream::empty().boxed();
        if let Some(release) = self.release.take() {
            // An error only means the task has ended.
            let _ = release.released.send(release.topic);
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
        f.debug_struct("CommandStream")
            .field(
                "topic",
                &self.release.as_ref().map(|release| &release.topic),
            )
            .field("dropped", &self.dropped())
            .finish_non_exhaustive()
    }
}

/// Connection events; see
/// [`DeviceConnection::events`](super::DeviceConnection::events).
pub struct EventStream {
    inner: BoxStream<'static, ConnectionEvent>,
    dropped: Arc<AtomicU64>,
}

impl EventStream {
    pub(super) fn new(receiver: broadcast::Receiver<ConnectionEvent>) -> Self {
        let dropped = Arc::new(AtomicU64::new(0));
        Self {
            inner: lossy_stream(receiver, "connection events", dropped.clone()),
            dropped,
        }
    }

    /// Events this stream lost because it was not read fast enough.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

impl Stream for EventStream {
    type Item = ConnectionEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}

impl fmt::Debug for EventStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream")
            .field("dropped", &self.dropped())
            .finish_non_exhaustive()
    }
}
