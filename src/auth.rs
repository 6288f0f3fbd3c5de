//! Device authentication: trading a device's access key and secret for a
//! token. The credential and token types are hand-written (replacing the
//! generated ones) so that secrets never show in `Debug` output.

use crate::config::ClientBuilder;
use crate::ids::{ApplicationId, DeviceId};
use crate::types::{DeviceClass, DeviceTokenScope};
use crate::{Client, Error};
use secrecy::{ExposeSecret, SecretString};

mod tokens;
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;

/// The body of `POST /auth/device`.
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DeviceCredentials {
    /// The device to act as.
    pub device_id: DeviceId,
    /// The access key.
    pub key: String,
    /// The access secret.
    #[serde(serialize_with = "expose")]
    pub secret: SecretString,
    /// Token lifetime in seconds; Losant's default when unset.
    #[serde(rename = "tokenTTL", skip_serializing_if = "Option::is_none")]
    pub token_ttl: Option<u64>,
    /// Narrower scopes than the default `all.Device`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub requested_scopes: Vec<DeviceTokenScope>,
}

impl DeviceCredentials {
    /// Credentials with Losant's default lifetime and scope.
    pub fn new(device_id: DeviceId, key: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            device_id,
            key: key.into(),
            secret: SecretString::from(secret.into()),
            token_ttl: None,
            requested_scopes: Vec::new(),
        }
    }
}

impl fmt::Debug for DeviceCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceCredentials")
            .field("device_id", &self.device_id)
            .field("key", &self.key)
            .field("secret", &crate::REDACTED)
            .field("token_ttl", &self.token_ttl)
            .field("requested_scopes", &self.requested_scopes)
            .finish()
    }
}

fn expose<S: Serializer>(secret: &SecretString, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(secret.expose_secret())
}

/// The answer of `POST /auth/device`.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AuthedDevice {
    /// The device's application.
    pub application_id: ApplicationId,
    /// The device.
    pub device_id: DeviceId,
    /// The device's class.
    pub device_class: DeviceClass,
    /// The bearer token acting as the device.
    #[serde(deserialize_with = "secret")]
    pub token: SecretString,
    /// `user` or `organization`.
    #[serde(default)]
    pub owner_type: Option<String>,
    /// How the device's MQTT topics are filtered.
    #[serde(default)]
    pub filter_type: Option<String>,
    /// MQTT topics the device may publish to.
    #[serde(default)]
    pub pub_topics: Vec<String>,
    /// MQTT topics the device may subscribe to.
    #[serde(default)]
    pub sub_topics: Vec<String>,
}

fn secret<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<SecretString, D::Error> {
    String::deserialize(deserializer).map(SecretString::from)
}

impl fmt::Debug for AuthedDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthedDevice")
            .field("application_id", &self.application_id)
            .field("device_id", &self.device_id)
            .field("device_class", &self.device_class)
            .field("token", &crate::REDACTED)
            .field("owner_type", &self.owner_type)
            .field("filter_type", &self.filter_type)
            .field("pub_topics", &self.pub_topics)
            .field("sub_topics", &self.sub_topics)
            .finish()
    }
}

impl Client {
    /// Authenticates a device at `base_url` (usually
    /// [`crate::config::DEFAULT_BASE_URL`]) and returns a client acting as
    /// it. Await the returned value; set a token lifetime or narrower scopes
    /// on it first if needed.
    ///
    /// The client logs in again by itself: shortly before the token expires
    /// (when the token says when, or a `token_ttl` was asked for), and once
    /// whenever Losant answers HTTP 401. Neither the access secret nor any
    /// token appears in its errors or `Debug` output.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), losant_device::Error> {
    /// use losant_device::Client;
    /// let device = "575ecf887ae143cd83dc4aa2".parse()?;
    /// let client = Client::authenticate_device("https://api.losant.com", device, "key", "secret")
    ///     .token_ttl(3600)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn authenticate_device(
        base_url: impl Into<String>,
        device_id: DeviceId,
        key: impl Into<String>,
        secret: impl Into<String>,
    ) -> DeviceLogin {
        DeviceLogin {
            settings: Client::builder().base_url(base_url),
            credentials: DeviceCredentials::new(device_id, key, secret),
        }
    }
}

/// A pending device authentication; await it for a [`Client`].
#[derive(Debug, Clone)]
#[must_use = "await the login to authenticate"]
pub struct DeviceLogin {
    settings: ClientBuilder,
    credentials: DeviceCredentials,
}

impl DeviceLogin {
    /// Token lifetime in seconds.
    pub fn token_ttl(mut self, seconds: u64) -> Self {
        self.credentials.token_ttl = Some(seconds);
        self
    }

    /// Requests only these scopes instead of `all.Device`.
    pub fn requested_scopes(mut self, scopes: impl IntoIterator<Item = DeviceTokenScope>) -> Self {
        self.credentials.requested_scopes = scopes.into_iter().collect();
        self
    }

    /// Other client settings (timeouts, retries, user agent, …); its base
    /// URL is replaced by the one given to `authenticate_device`.
    pub fn client_settings(mut self, settings: ClientBuilder) -> Self {
        let base_url = self.settings.base_url_value().to_string();
        self.settings = settings.base_url(base_url);
        self
    }

    async fn login(self) -> Result<Client, Error> {
        let secret = self.credentials.secret.clone();
        let anonymous = self.settings.clone().redact(secret.clone()).build()?;
        let first = tokens::issue(&anonymous, &self.credentials).await?;
        let source = tokens::DeviceTokenSource::new(anonymous, self.credentials, first);
        self.settings
            .redact(secret)
            .token_source(Arc::new(source))
            .build()
    }
}

impl IntoFuture for DeviceLogin {
    type Output = Result<Client, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.login())
    }
}
