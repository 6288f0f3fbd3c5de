//! Building a [`Client`]: base URL, token, timeouts, limits, retries.

use crate::error::{Error, Secrets};
use crate::retry::RetryPolicy;
use crate::token::{bearer, Auth, TokenSource};
use crate::transport::Transport;
use crate::Client;
use reqwest::header::HeaderValue;
use rustls::crypto::CryptoProvider;
use secrecy::SecretString;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Losant's public API.
pub const DEFAULT_BASE_URL: &str = "https://api.losant.com";
/// The default response size limit: 32 MiB, over 30 times the largest page
/// Losant sends (1000 devices of about 1 KB).
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 32 * 1024 * 1024;
/// The default operation timeout: one call, retries and waits included.
pub const DEFAULT_OPERATION_TIMEOUT: Duration = Duration::from_secs(60);
/// The default page limit of a page stream: 10,000 pages, 10 million items
/// at 1000 per page.
pub const DEFAULT_MAX_PAGES: u64 = 10_000;

/// Configures and builds a [`Client`]; start with [`Client::builder`].
#[derive(Clone)]
pub struct ClientBuilder {
    base_url: String,
    auth: AuthSetting,
    user_agent: String,
    connect_timeout: Duration,
    request_timeout: Option<Duration>,
    operation_timeout: Option<Duration>,
    max_response_bytes: u64,
    max_pages: u64,
    same_origin_redirects: bool,
    losant_domain: Option<String>,
    retry: RetryPolicy,
    http: Option<reqwest::Client>,
    tls_provider: Option<Arc<CryptoProvider>>,
    /// Secrets the client should keep out of errors besides its token (a
    /// device's access secret).
    extra_secrets: Vec<SecretString>,
}

#[derive(Clone)]
enum AuthSetting {
    None,
    Token(SecretString),
    Source(Arc<dyn TokenSource>),
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let auth = match &self.auth {
            AuthSetting::None => "none".to_string(),
            AuthSetting::Token(_) => crate::REDACTED.to_string(),
            AuthSetting::Source(source) => format!("{source:?}"),
        };
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("auth", &auth)
            .field("user_agent", &self.user_agent)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("operation_timeout", &self.operation_timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("max_pages", &self.max_pages)
            .field("same_origin_redirects", &self.same_origin_redirects)
            .field("losant_domain", &self.losant_domain)
            .field("retry", &self.retry)
            .field(
                "http",
                &self.http.as_ref().map(|_| "caller's reqwest::Client"),
            )
            .field(
                "tls_provider",
                &self.tls_provider.as_ref().map(|_| "caller's provider"),
            )
            .finish()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_string(),
            auth: AuthSetting::None,
            user_agent: concat!("losant-device/", env!("CARGO_PKG_VERSION")).to_string(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Some(Duration::from_secs(30)),
            operation_timeout: Some(DEFAULT_OPERATION_TIMEOUT),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_pages: DEFAULT_MAX_PAGES,
            same_origin_redirects: false,
            losant_domain: None,
            retry: RetryPolicy::standard(),
            http: None,
            tls_provider: None,
            extra_secrets: Vec::new(),
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
    /// The API root, `https://api.losant.com` unless set. It must be an
    /// `http` or `https` URL without user info, query or fragment.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    pub(crate) fn base_url_value(&self) -> &str {
        &self.base_url
    }

    /// A fixed API access token, sent as `Authorization: Bearer …`.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.auth = AuthSetting::Token(SecretString::from(token.into()));
        self
    }

    /// Takes each call's token from `source` (see [`crate::token`]),
    /// renewing it once when Losant answers HTTP 401.
    pub fn token_source(mut self, source: Arc<dyn TokenSource>) -> Self {
        self.auth = AuthSetting::Source(source);
        self
    }

    pub(crate) fn redact(mut self, secret: SecretString) -> Self {
        self.extra_secrets.push(secret);
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

    /// How long one attempt may take, from sending to the last byte of the
    /// answer (default 30 s). Event streams are exempt.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = Some(timeout);
        self
    }

    /// Removes the per-attempt timeout.
    pub fn no_request_timeout(mut self) -> Self {
        self.request_timeout = None;
        self
    }

    /// How long one call may take in all: every attempt, every wait between
    /// them and reading the answer (default 60 s). A retry whose wait would
    /// not fit is not made; the call then returns the last answer. Event
    /// streams are exempt.
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = Some(timeout);
        self
    }

    /// Removes the operation timeout.
    pub fn no_operation_timeout(mut self) -> Self {
        self.operation_timeout = None;
        self
    }

    /// The largest answer read, in bytes (default 32 MiB). A larger
    /// `Content-Length` is refused before reading, and a body that grows
    /// past it stops there, with [`Error::ResponseTooLarge`]. Error answers
    /// are read only up to 64 KiB; event streams have their own limits
    /// ([`crate::sse::StreamOptions`]).
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// The most pages one page stream fetches (default 10,000; the counts
    /// in Losant's answers usually stop it much earlier); see
    /// [`crate::pagination`].
    pub fn max_pages(mut self, limit: u64) -> Self {
        self.max_pages = limit.max(1);
        self
    }

    /// Follows redirects to the same scheme, host and port (at most 5).
    /// By default none are followed: Losant's API does not redirect, so a
    /// redirect is reported as [`Error::Redirected`]. Redirects to another
    /// origin are never followed.
    pub fn follow_same_origin_redirects(mut self, follow: bool) -> Self {
        self.same_origin_redirects = follow;
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

    /// Uses the caller's own `reqwest::Client`; the user agent, connect
    /// timeout, TLS provider and redirect setting here are then ignored in
    /// favour of the client's own.
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
        let base_url = checked_base_url(&self.base_url)?;
        let losant_domain = self
            .losant_domain
            .map(|domain| {
                HeaderValue::from_str(&domain).map_err(|_| {
                    Error::invalid_value(
                        "losant_domain",
                        "is not a valid header value",
                        domain.clone(),
                    )
                })
            })
            .transpose()?;
        let timeout_in_client = self.http.is_none();
        let http = match self.http {
            Some(http) => http,
            None => {
                let tls = crate::tls::client_config(self.tls_provider, &[b"http/1.1"])?;
                let mut http = reqwest::Client::builder()
                    .user_agent(self.user_agent)
                    .connect_timeout(self.connect_timeout)
                    .tls_backend_preconfigured(tls)
                    .redirect(redirect_policy(self.same_origin_redirects));
                if let Some(timeout) = self.request_timeout {
                    http = http.timeout(timeout);
                }
                http.build().map_err(|source| Error::Transport { source })?
            }
        };
        let secrets = Arc::new(Secrets::new(self.extra_secrets));
        let auth = match self.auth {
            AuthSetting::None => Auth::Anonymous,
            AuthSetting::Token(token) => {
                secrets.add(token.clone());
                Auth::Fixed(bearer(&token)?)
            }
            AuthSetting::Source(source) => Auth::source(source, secrets.clone()),
        };
        let transport = Transport {
            auth,
            secrets,
            losant_domain,
            request_timeout: self.request_timeout,
            timeout_in_client,
            operation_timeout: self.operation_timeout,
            max_response_bytes: self.max_response_bytes,
            max_pages: self.max_pages,
            retry: self.retry,
        };
        Ok(Client::new_with_client(&base_url, http, transport))
    }
}

/// The base URL without a trailing `/`, if it can only mean an API root.
fn checked_base_url(given: &str) -> Result<String, Error> {
    let base_url = given.trim_end_matches('/').to_string();
    let reject = |reason: &str| Err(Error::invalid_value("base_url", reason, given));
    let Ok(url) = reqwest::Url::parse(&base_url) else {
        return reject("is not a URL");
    };
    if !matches!(url.scheme(), "http" | "https") {
        return reject("must be an http or https URL");
    }
    if url.query().is_some() || given.contains('?') {
        return reject("must not have a query (`?…`): the API path would end up in it");
    }
    if url.fragment().is_some() || given.contains('#') {
        return reject("must not have a fragment (`#…`): the API path would be dropped");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return reject("must not have user info: authenticate with a token");
    }
    Ok(base_url)
}

fn redirect_policy(same_origin: bool) -> reqwest::redirect::Policy {
    if !same_origin {
        return reqwest::redirect::Policy::none();
    }
    reqwest::redirect::Policy::custom(|attempt| {
        let same = attempt.previous().last().is_some_and(|previous| {
            previous.scheme() == attempt.url().scheme()
                && previous.host_str() == attempt.url().host_str()
                && previous.port_or_known_default() == attempt.url().port_or_known_default()
        });
        if same && attempt.previous().len() <= 5 {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}
