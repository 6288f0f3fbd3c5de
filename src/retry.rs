//! When and how long to wait before sending a request again.

use reqwest::{Method, StatusCode};
use std::time::Duration;

/// Retry settings. The default is the standard policy: 3 attempts in all,
/// exponential backoff with full jitter starting at 100 ms and capped at 5 s,
/// and a server's `Retry-After` honoured up to 60 s.
///
/// Retried: HTTP 429, 502, 503 and 504 for idempotent methods (GET, PUT,
/// PATCH, DELETE), and failures to connect for every method, since then the
/// request never left this machine. A POST that reached Losant is never sent
/// twice.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included; 1 disables retries.
    pub max_attempts: u32,
    /// Upper bound of the first backoff; doubled for each further retry.
    pub initial_backoff: Duration,
    /// Cap of any computed backoff.
    pub max_backoff: Duration,
    /// The longest `Retry-After` still waited for; a longer one is returned
    /// to the caller as [`crate::Error::RateLimited`] at once.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::standard()
    }
}

impl RetryPolicy {
    /// 3 attempts, 100 ms initial backoff, 5 s cap, `Retry-After` up to 60 s.
    pub fn standard() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(60),
        }
    }

    /// Every request is sent exactly once.
    pub fn disabled() -> Self {
        Self {
            max_attempts: 1,
            ..Self::standard()
        }
    }

    /// Sets the number of attempts in all (at least 1).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Sets the upper bound of the first backoff.
    pub fn with_initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// Sets the cap of any computed backoff.
    pub fn with_max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// Sets the longest `Retry-After` the client waits for by itself.
    pub fn with_max_retry_after(mut self, limit: Duration) -> Self {
        self.max_retry_after = limit;
        self
    }

    /// The wait before retry number `retry` (1 for the first retry): a random
    /// duration up to `initial_backoff * 2^(retry-1)`, capped.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self
            .initial_backoff
            .saturating_mul(1u32 << retry.saturating_sub(1).min(20))
            .min(self.max_backoff);
        ceiling.mul_f64(fastrand::f64())
    }

    /// Whether (and after how long) to send again after attempt `attempt`.
    pub(crate) fn verdict(
        &self,
        attempt: u32,
        method: &Method,
        outcome: &reqwest::Result<reqwest::Response>,
    ) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        match outcome {
            Err(error) if error.is_connect() => Some(self.backoff(attempt)),
            Err(_) => None,
            Ok(response) if is_idempotent(method) && is_transient(response.status()) => {
                match retry_after(response.headers()) {
                    Some(wait) if wait > self.max_retry_after => None,
                    Some(wait) => Some(wait),
                    None => Some(self.backoff(attempt)),
                }
            }
            Ok(_) => None,
        }
    }
}

fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::PATCH | Method::DELETE
    )
}

fn is_transient(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

/// Reads `Retry-After` as seconds or as an HTTP date.
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = date.signed_duration_since(chrono::Utc::now());
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}
