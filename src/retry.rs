//! When and how long to wait before sending a request again.

use crate::backoff::Backoff;
use reqwest::{Method, StatusCode};
use std::time::Duration;

/// Retry settings. The default is the standard policy: 3 attempts in all,
/// [`Backoff`] from 100 ms (waits of 50–100 ms, then 100–200 ms, …) capped
/// at 5 s, and a server's `Retry-After` honoured up to 60 s.
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
    /// The wait between attempts when the server names none.
    pub backoff: Backoff,
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
            backoff: Backoff::new(Duration::from_millis(100), Duration::from_secs(5)),
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

    /// Sets the wait between attempts.
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Sets the longest `Retry-After` the client waits for by itself.
    pub fn with_max_retry_after(mut self, limit: Duration) -> Self {
        self.max_retry_after = limit;
        self
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
            Err(error) if error.is_connect() => Some(self.backoff.delay(attempt)),
            Err(_) => None,
            Ok(response) if is_idempotent(method) && is_transient(response.status()) => {
                match retry_after(response.headers()) {
                    Some(wait) if wait > self.max_retry_after => None,
                    Some(wait) => Some(wait),
                    None => Some(self.backoff.delay(attempt)),
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
