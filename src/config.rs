//! Building a [`Client`]: base URL, token, timeouts, retries.

use crate::error::Error;
use crate::retry::RetryPolicy;
use crate::transport::Transport;
use crate::Client;
use reqwest::header::HeaderValue;
use rustls::crypto::CryptoProvider;
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Losant's public API.
pub const DEFAULT_BASE_URL: &str = "https://api.losant.com";

/// Configures and builds a [`Client`]; start with [`Client::builder`].
#[derive(Clone)]
pub struct ClientBuilder {
    base_url: String,
    token: Option<SecretString>,
    user_agent: String,
    connect_timeout: Duration,
    request_timeout: Option<Duration>,
    losant_domain: Option<String>,
    retry: RetryPolicy,
    http: Option<reqwest::Client>,
    tls_provider: Option<Arc<CryptoProvider>>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("token", &self.token.as_ref().map(|_| crate::REDACTED))
            .field("user_agent", &self.user_agent)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("losant_domain", &self.losant_domain)
            .field("retry", &self.retry)
            .field(
                "http",
                &self.http.as_ref().map(|_| "caller's reqwest::Client"),
            )
            .field(
                "tls_provider",
                &self
                    .tls_provider
                    .as_ref()
                    .map(|_| "caller's CryptoProvider"),
            )
            .finish()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_string(),
            token: None,
            user_agent: concat!("losant-device/", env!("CARGO_PKG_VERSION")).to_string(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Some(Duration::from_secs(30)),
            losant_domain: None,
            retry: RetryPolicy::standard(),
            http: None,
            tls_provider: None,
        }
    }
}

impl Client {
    /// Starts configuring a client for `https://api.losant.com`.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }
}

impl ClientBuilder {
    /// The API root, `https://api.losant.com` unless set.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    pub(crate) fn base_url_value(&self) -> &str {
        &self.base_url
    }

    /// The API access token sent as `Authorization: Bearer …`.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(SecretString::from(token.into()));
        self
    }

    /// The `User-Agent` header, `losant-device/<version>` unless set.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// How long to wait for a TCP and TLS connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one request may take in all, from sending to the last byte
    /// of the answer (default 30 s). Event streams are exempt.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = Some(timeout);
        self
    }

    /// Removes the per-request timeout.
    pub fn no_request_timeout(mut self) -> Self {
        self.request_timeout = None;
        self
    }

    /// The `losantdomain` header, for private Losant installations.
    pub fn losant_domain(mut self, domain: impl Into<String>) -> Self {
        self.losant_domain = Some(domain.into());
        self
    }

    /// The retry policy (default [`RetryPolicy::standard`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Uses the caller's own `reqwest::Client`; the user agent and connect
    /// timeout set here are then ignored in favour of the client's own.
    pub fn reqwest_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// The rustls crypto provider for HTTPS, instead of the crate feature's
    /// (`rustls-ring` by default, `rustls-aws-lc`); see [`crate::tls`].
    pub fn tls_provider(mut self, provider: Arc<CryptoProvider>) -> Self {
        self.tls_provider = Some(provider);
        self
    }

    /// Checks the settings and builds the client. No request is made.
    pub fn build(self) -> Result<Client, Error> {
        let base_url = self.base_url.trim_end_matches('/').to_string();
        match reqwest::Url::parse(&base_url) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => {}
            _ => {
                return Err(Error::invalid_input(
                    "base_url",
                    format!("{base_url:?} is not an http(s) URL"),
                ))
            }
        }
        let losant_domain = self
            .losant_domain
            .map(|domain| {
                HeaderValue::from_str(&domain).map_err(|_| {
                    Error::invalid_input(
                        "losant_domain",
                        format!("{domain:?} is not a valid header value"),
                    )
                })
            })
            .transpose()?;
        let http = match self.http {
            Some(http) => http,
            None => {
                let tls = crate::tls::client_config(self.tls_provider, &[b"http/1.1"])?;
                reqwest::Client::builder()
                    .user_agent(self.user_agent)
                    .connect_timeout(self.connect_timeout)
                    .tls_backend_preconfigured(tls)
                    .build()
                    .map_err(|source| Error::Transport { source })?
            }
        };
        let authorization = self
            .token
            .map(|token| {
                let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose_secret()))
                    .map_err(|_| {
                        Error::invalid_input("token", "the token is not a valid header value")
                    })?;
                value.set_sensitive(true);
                Ok::<_, Error>(value)
            })
            .transpose()?;
        let transport = Transport {
            authorization,
            losant_domain,
            request_timeout: self.request_timeout,
            retry: self.retry,
        };
        Ok(Client::new_with_client(&base_url, http, transport))
    }
}
