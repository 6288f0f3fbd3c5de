//! What users can see of a store: its contents and counters, and events.

use futures::stream::{BoxStream, Stream, StreamExt};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::broadcast;

/// A store's contents and counters; see [`Store::stats`](super::Store::stats).
///
/// The counters are totals over the store file's life: they are kept in
/// the file and survive restarts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoreStats {
    /// Entries waiting for Losant's acknowledgement.
    pub entries: u64,
    /// Their bytes (topics and payloads).
    pub bytes: u64,
    /// When the oldest waiting entry was stored, in milliseconds since the
    /// Unix epoch.
    pub oldest_stored_at_ms: Option<i64>,
    /// Entries Losant acknowledged (PUBACK, or a `2xx`) and that were removed.
    pub delivered: u64,
    /// Entries dropped to stay within the byte bound. Entries are handed
    /// to a connection only while it is up, at most 64 at a time; one of
    /// those dropped meanwhile may still arrive.
    pub dropped_for_bytes: u64,
    /// Entries dropped because they were older than the age bound.
    pub dropped_for_age: u64,
    /// Reports refused because the store was full (policy `Refuse`).
    pub refused: u64,
    /// Entries sent again because no acknowledgement came before the
    /// connection was lost or the program stopped: each may have reached
    /// Losant twice. An upper bound of the duplicates.
    pub resent: u64,
    /// Entries Losant rejected for good (an HTTP `4xx` other than 401,
    /// 403, 404, 408 and 429), and that were removed.
    pub rejected: u64,
}

impl StoreStats {
    /// How long the oldest waiting entry has waited (by the wall clock).
    pub fn oldest_age(&self) -> Option<Duration> {
        let stored = self.oldest_stored_at_ms?;
        let age = now_ms().saturating_sub(stored);
        Some(Duration::from_millis(u64::try_from(age).unwrap_or(0)))
    }

    /// Entries lost to the bounds, for whatever reason.
    pub fn dropped(&self) -> u64 {
        self.dropped_for_bytes + self.dropped_for_age
    }
}

/// Why entries were dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DropReason {
    /// To make room within `max_bytes`.
    Bytes,
    /// Older than `max_age`.
    Age,
}

/// Something that happened to a store's entries; see
/// [`Store::events`](super::Store::events). Each carries the count of this
/// batch and the new total.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreEvent {
    /// Waiting entries were deleted to keep a bound (policy `DropOldest`).
    Dropped {
        /// Why.
        reason: DropReason,
        /// Entries dropped now.
        count: u64,
        /// Entries dropped for this reason so far.
        total: u64,
    },
    /// Reports were refused because the store was full (policy `Refuse`).
    Refused {
        /// Reports refused now.
        count: u64,
        /// Reports refused so far.
        total: u64,
    },
    /// Entries were sent again; each may now be at Losant twice.
    Resent {
        /// Entries resent now.
        count: u64,
        /// So far.
        total: u64,
    },
    /// Losant rejected an entry for good; it was removed.
    Rejected {
        /// The HTTP status.
        status: u16,
        /// Losant's message.
        message: String,
        /// Entries rejected so far.
        total: u64,
    },
    /// Delivery failed and is tried again after `retry_in`; the entries
    /// stay in the store.
    DeliveryFailed {
        /// What failed.
        message: String,
        /// The wait before the next attempt.
        retry_in: Duration,
    },
}

/// The events of a store from the moment of the call; a stream read too
/// slowly loses the oldest and counts them ([`dropped`](Self::dropped)).
/// It ends when the store is closed.
pub struct StoreEventStream {
    inner: BoxStream<'static, StoreEvent>,
    dropped: Arc<AtomicU64>,
}

impl StoreEventStream {
    pub(super) fn new(receiver: broadcast::Receiver<StoreEvent>) -> Self {
        let dropped = Arc::new(AtomicU64::new(0));
        Self {
            inner: crate::lossy::lossy_stream(receiver, "store events", dropped.clone()),
            dropped,
        }
    }

    /// Events this stream lost because it was not read fast enough.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

impl Stream for StoreEventStream {
    type Item = StoreEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}

impl std::fmt::Debug for StoreEventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreEventStream")
            .field("dropped", &self.dropped())
            .finish_non_exhaustive()
    }
}

/// Milliseconds since the Unix epoch by the wall clock (0 before 1970).
pub(super) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|since| i64::try_from(since.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
