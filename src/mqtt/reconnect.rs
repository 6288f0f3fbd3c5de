//! When to try connecting again.
//!
//! The attempt counter only starts over after a connection stayed up for
//! `stable_after`: a broker that accepts and then drops every connection
//! (an oversized retained command, a revoked permission) must see the
//! waits grow, not a reconnect storm.

use crate::Backoff;
use std::time::Duration;

pub(super) struct Reconnects {
    backoff: Backoff,
    stable_after: Duration,
    /// Attempts since the last stable connection.
    attempt: u32,
}

impl Reconnects {
    pub(super) fn new(backoff: Backoff, stable_after: Duration) -> Self {
        Self {
            backoff,
            stable_after,
            attempt: 0,
        }
    }

    /// A connection that was up for `up_for` ended.
    pub(super) fn connection_ended(&mut self, up_for: Duration) {
        if up_for >= self.stable_after {
            self.attempt = 0;
        }
    }

    /// The caller asked for a fresh start ([`reconnect`] after
    /// [`disconnect`]).
    ///
    /// [`reconnect`]: super::DeviceConnection::reconnect
    /// [`disconnect`]: super::DeviceConnection::disconnect
    pub(super) fn start_over(&mut self) {
        self.attempt = 0;
    }

    /// The number of the next attempt and the wait before it.
    pub(super) fn next(&mut self) -> (u32, Duration) {
        self.attempt = self.attempt.saturating_add(1);
        (self.attempt, self.backoff.delay(self.attempt))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Reconnects {
        Reconnects::new(
            Backoff::new(Duration::from_millis(100), Duration::from_secs(10)),
            Duration::from_secs(30),
        )
    }

    #[test]
    fn short_lived_connections_keep_the_wait_growing() {
        let mut reconnects = policy();
        let mut attempts = Vec::new();
        for _ in 0..5 {
            reconnects.connection_ended(Duration::from_secs(1));
            let (attempt, delay) = reconnects.next();
            assert!(delay >= Duration::from_millis(50) * (1 << (attempt - 1)));
            attempts.push(attempt);
        }
        assert_eq!(attempts, [1, 2, 3, 4, 5]);
    }

    #[test]
    fn a_stable_connection_starts_the_backoff_over() {
        let mut reconnects = policy();
        for _ in 0..4 {
            reconnects.next();
        }
        reconnects.connection_ended(Duration::from_secs(30));
        let (attempt, delay) = reconnects.next();
        assert_eq!(attempt, 1);
        assert!(delay <= Duration::from_millis(100));
        reconnects.next();
        reconnects.start_over();
        assert_eq!(reconnects.next().0, 1);
    }
}
