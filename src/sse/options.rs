//! How a device event stream connects, detects a dead connection,
//! reconnects and bounds what it reads.

use crate::backoff::Backoff;
use std::time::Duration;

/// The shortest read timeout derived from the keep-alive interval.
const MIN_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// Settings of a device event stream. The default: keep-alives every 10 s,
/// a read timeout of three keep-alive intervals, 5 reconnection attempts
/// with backoff from 1 s up to 30 s, lines of at most 256 KiB and events of
/// at most 1 MiB.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StreamOptions {
    /// How often Losant sends a keep-alive comment (`keepAliveInterval`, in
    /// whole seconds, rounded up; 1 to 3600).
    pub keep_alive: Duration,
    /// The longest silence (keep-alives included) before the connection
    /// counts as lost; also bounds the wait for the answer's headers. `None`
    /// means three keep-alive intervals, at least 5 s.
    pub read_timeout: Option<Duration>,
    /// Reconnection attempts in a row before the stream gives up with
    /// [`crate::Error::StreamLost`]; 0 never reconnects. The count starts
    /// again only once an event has been decoded: bytes, keep-alives or
    /// broken events do not reset it.
    pub max_reconnects: u32,
    /// The wait before each reconnection; its cap also bounds a server's
    /// `Retry-After`.
    pub backoff: Backoff,
    /// An event id to resume after, sent as `Last-Event-ID` on the first
    /// connection (later connections send the last id the server gave).
    pub last_event_id: Option<String>,
    /// The longest line read, in bytes; a longer one ends the connection.
    pub max_line_bytes: usize,
    /// The largest event read (all its lines), in bytes; a larger one ends
    /// the connection.
    pub max_event_bytes: usize,
}

impl Default for StreamOptions {
    fn default() -> Self {
        Self {
            keep_alive: Duration::from_secs(10),
            read_timeout: None,
            max_reconnects: 5,
            backoff: Backoff::new(Duration::from_secs(1), Duration::from_secs(30)),
            last_event_id: None,
            max_line_bytes: 256 * 1024,
            max_event_bytes: 1024 * 1024,
        }
    }
}

impl StreamOptions {
    /// Sets how often Losant sends keep-alive comments (whole seconds).
    pub fn with_keep_alive(mut self, interval: Duration) -> Self {
        self.keep_alive = interval;
        self
    }

    /// Sets the longest silence before the connection counts as lost.
    pub fn with_read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = Some(timeout);
        self
    }

    /// Sets how many reconnection attempts in a row are made before giving
    /// up; 0 never reconnects.
    pub fn with_max_reconnects(mut self, attempts: u32) -> Self {
        self.max_reconnects = attempts;
        self
    }

    /// Sets the wait before each reconnection.
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Resumes after `id`: sent as `Last-Event-ID` on the first connection.
    pub fn with_last_event_id(mut self, id: impl Into<String>) -> Self {
        self.last_event_id = Some(id.into());
        self
    }

    /// Sets the longest line and the largest event read, in bytes.
    pub fn with_limits(mut self, max_line_bytes: usize, max_event_bytes: usize) -> Self {
        self.max_line_bytes = max_line_bytes;
        self.max_event_bytes = max_event_bytes;
        self
    }

    /// The `keepAliveInterval` sent: whole seconds, rounded up, at least 1.
    /// A value above the API's 3600 is refused when the stream connects.
    pub fn keep_alive_seconds(&self) -> u64 {
        let whole = self.keep_alive.as_secs();
        let rounded = if self.keep_alive.subsec_nanos() > 0 {
            whole.saturating_add(1)
        } else {
            whole
        };
        rounded.max(1)
    }

    /// The read timeout in effect: the one set, or three keep-alive
    /// intervals but at least 5 s.
    pub fn effective_read_timeout(&self) -> Duration {
        self.read_timeout.unwrap_or_else(|| {
            Duration::from_secs(self.keep_alive_seconds().saturating_mul(3)).max(MIN_READ_TIMEOUT)
        })
    }
}
