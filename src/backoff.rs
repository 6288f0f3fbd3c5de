//! How long to wait before trying again: one policy for HTTP retries,
//! event-stream reconnects and MQTT reconnects.

use std::time::Duration;

/// Exponential backoff with equal jitter.
///
/// The wait before retry `n` (1 for the first) is a random duration between
/// half and all of `initial × 2^(n-1)`, capped at `max`. The lower half
/// keeps a run of quick failures from turning into a hot loop; the random
/// upper half keeps many clients from retrying in step.
///
/// ```
/// use losant_device::Backoff;
/// use std::time::Duration;
/// let backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(5));
/// let third = backoff.delay(3);
/// assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(400));
/// assert!(backoff.delay(30) <= Duration::from_secs(5));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Backoff {
    /// The ceiling of the first wait; it doubles for each further retry.
    pub initial: Duration,
    /// The ceiling of any wait.
    pub max: Duration,
}

impl Backoff {
    /// Starts at `initial` and doubles up to `max` (`max` is raised to
    /// `initial` if it is smaller).
    pub const fn new(initial: Duration, max: Duration) -> Self {
        let max = if max.as_nanos() < initial.as_nanos() {
            initial
        } else {
            max
        };
        Self { initial, max }
    }

    /// The ceiling of the wait before retry `retry` (1 for the first).
    pub fn ceiling(&self, retry: u32) -> Duration {
        let doublings = retry.saturating_sub(1).min(30);
        self.initial.saturating_mul(1u32 << doublings).min(self.max)
    }

    /// A random wait before retry `retry`: between half and all of
    /// [`ceiling`](Self::ceiling).
    pub fn delay(&self, retry: u32) -> Duration {
        let ceiling = self.ceiling(retry);
        ceiling.mul_f64(0.5 + fastrand::f64() / 2.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_within_their_bounds_and_stop_at_the_cap() {
        let backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(1));
        for (retry, ceiling_ms) in [
            (1, 100),
            (2, 200),
            (3, 400),
            (4, 800),
            (5, 1000),
            (40, 1000),
        ] {
            let ceiling = Duration::from_millis(ceiling_ms);
            assert_eq!(backoff.ceiling(retry), ceiling);
            for _ in 0..50 {
                let delay = backoff.delay(retry);
                assert!(
                    delay >= ceiling / 2 && delay <= ceiling,
                    "{retry}: {delay:?}"
                );
            }
        }
    }

    #[test]
    fn a_max_below_the_initial_wait_is_raised() {
        let backoff = Backoff::new(Duration::from_secs(2), Duration::from_secs(1));
        assert_eq!(backoff.max, Duration::from_secs(2));
    }
}
