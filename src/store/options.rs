//! How much a store may hold, and what happens when it is full.

use std::time::Duration;

/// What a full store does; see [`StoreOptions::when_full`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum FullPolicy {
    /// Deletes the oldest waiting entries to make room, and entries older
    /// than the age bound; each is counted and reported
    /// ([`StoreEvent::Dropped`](super::StoreEvent::Dropped)). The newest
    /// data is kept, which is what a dashboard of a device usually needs.
    #[default]
    DropOldest,
    /// Never deletes a waiting entry: a new report that does not fit, or
    /// one made while the oldest entry is older than the age bound, fails
    /// with [`StoreError::Full`](super::StoreError::Full) and is counted
    /// ([`StoreStats::refused`](super::StoreStats::refused)).
    Refuse,
}

/// The bounds of a [`Store`](super::Store).
///
/// Bytes count each entry's topic and payload (the JSON of the state); the
/// file itself is larger by SQLite's page overhead and its write-ahead log
/// (kept below 4 MiB between checkpoints).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoreOptions {
    /// The most bytes of entries waiting at once (default 64 MiB).
    pub max_bytes: u64,
    /// The longest an entry may wait, from the moment it was stored, by the
    /// wall clock (default 7 days; `None`: no age bound).
    pub max_age: Option<Duration>,
    /// What happens at a bound (default [`FullPolicy::DropOldest`]).
    pub when_full: FullPolicy,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_bytes: 64 * 1024 * 1024,
            max_age: Some(Duration::from_secs(7 * 24 * 3600)),
            when_full: FullPolicy::DropOldest,
        }
    }
}

impl StoreOptions {
    /// The default bounds: 64 MiB, 7 days, drop the oldest.
    pub fn new() -> Self {
        Self::default()
    }

    /// The most bytes of entries waiting at once.
    pub fn max_bytes(mut self, bytes: u64) -> Self {
        self.max_bytes = bytes;
        self
    }

    /// The longest an entry may wait (`None`: no age bound).
    pub fn max_age(mut self, age: Option<Duration>) -> Self {
        self.max_age = age;
        self
    }

    /// What happens at a bound.
    pub fn when_full(mut self, policy: FullPolicy) -> Self {
        self.when_full = policy;
        self
    }

    pub(super) fn validate(&self) -> Result<(), crate::Error> {
        if self.max_bytes == 0 {
            return Err(crate::Error::invalid_input("max_bytes", "must not be zero"));
        }
        if self.max_age.is_some_and(|age| age.is_zero()) {
            return Err(crate::Error::invalid_input(
                "max_age",
                "must not be zero (None turns the age bound off)",
            ));
        }
        Ok(())
    }
}
