//! Device tokens that renew themselves.

use super::DeviceCredentials;
use crate::token::TokenSource;
use crate::{Client, Error};
use base64::Engine as _;
use futures::future::BoxFuture;
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::time::Instant;

/// How long before expiry a token is renewed, at most; shorter-lived
/// tokens are renewed when nine tenths of their life has passed.
const RENEWAL_MARGIN: Duration = Duration::from_secs(60);

/// A token and when to replace it.
pub(crate) struct Issued {
    token: SecretString,
    /// `None` when neither the token nor the request says when it expires:
    /// it is then renewed only when Losant refuses it.
    renew_at: Option<Instant>,
}

/// Logs in with the device's credentials.
pub(crate) async fn issue(
    login: &Client,
    credentials: &DeviceCredentials,
) -> Result<Issued, Error> {
    let authed = login
        .request_device_token()
        .body(credentials.clone())
        .await?;
    let lifetime = expiry_of(&authed.token).or_else(|| {
        credentials
            .token_ttl
            .map(|seconds| (Duration::from_secs(seconds), None))
    });
    let renew_at = lifetime.map(|(left, total)| {
        let total = total.unwrap_or(left);
        let margin = RENEWAL_MARGIN.min(total / 10);
        Instant::now() + left.saturating_sub(margin)
    });
    Ok(Issued {
        token: authed.token,
        renew_at,
    })
}

/// From a JWT's `exp` (and `iat`) claims: the time left, and the whole
/// lifetime when the token says when it was issued.
fn expiry_of(token: &SecretString) -> Option<(Duration, Option<Duration>)> {
    #[derive(serde::Deserialize)]
    struct Claims {
        exp: Option<u64>,
        iat: Option<u64>,
    }
    let payload = token.expose_secret().split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: Claims = serde_json::from_slice(&bytes).ok()?;
    let exp = claims.exp?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
    let left = Duration::from_secs(exp.saturating_sub(now));
    let total = claims
        .iat
        .map(|iat| Duration::from_secs(exp.saturating_sub(iat)));
    Some((left, total))
}

/// The token source of a client made by `Client::authenticate_device`.
pub(crate) struct DeviceTokenSource {
    login: Client,
    credentials: DeviceCredentials,
    current: tokio::sync::Mutex<Issued>,
}

impl DeviceTokenSource {
    pub(crate) fn new(login: Client, credentials: DeviceCredentials, first: Issued) -> Self {
        Self {
            login,
            credentials,
            current: tokio::sync::Mutex::new(first),
        }
    }
}

impl fmt::Debug for DeviceTokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceTokenSource")
            .field("device_id", &self.credentials.device_id)
            .finish_non_exhaustive()
    }
}

impl TokenSource for DeviceTokenSource {
    fn token<'a>(
        &'a self,
        refused: Option<&'a SecretString>,
    ) -> BoxFuture<'a, Result<SecretString, Error>> {
        Box::pin(async move {
            // One login at a time: callers waiting here get its token.
            let mut current = self.current.lock().await;
            let refused_now =
                refused.is_some_and(|token| token.expose_secret() == current.token.expose_secret());
            let due = current.renew_at.is_some_and(|at| Instant::now() >= at);
            if refused_now || due {
                tracing::debug!(device = %self.credentials.device_id, refused_now, "renewing the device token");
                *current = issue(&self.login, &self.credentials).await?;
            }
            Ok(current.token.clone())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &str) -> SecretString {
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        SecretString::from(format!(
            "{}.{}.signature",
            engine.encode("{}"),
            engine.encode(claims)
        ))
    }

    #[test]
    fn the_expiry_is_read_from_the_token() {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let token = jwt(&format!(r#"{{"exp":{},"iat":{}}}"#, now + 3600, now));
        let (left, total) = expiry_of(&token).expect("an expiry");
        assert!(left <= Duration::from_secs(3600) && left >= Duration::from_secs(3590));
        assert_eq!(total, Some(Duration::from_secs(3600)));
        assert_eq!(expiry_of(&SecretString::from("not-a-jwt")), None);
        assert_eq!(expiry_of(&jwt(r#"{"sub":"x"}"#)), None);
    }
}
