//! Where a client's bearer token comes from.
//!
//! A client built with [`ClientBuilder::token`](crate::ClientBuilder::token)
//! sends one fixed token. A client from
//! [`Client::authenticate_device`](crate::Client::authenticate_device) gets
//! its token from a device login, and logs in again by itself shortly before
//! the token expires and once when Losant answers HTTP 401. Any other source
//! (a vault, a token service) plugs in through [`TokenSource`] and
//! [`ClientBuilder::token_source`](crate::ClientBuilder::token_source).

use crate::error::Secrets;
use crate::Error;
use futures::future::BoxFuture;
use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::sync::{Arc, RwLock};

/// A source of bearer tokens.
///
/// ```
/// use futures::future::BoxFuture;
/// use losant_device::token::TokenSource;
/// use losant_device::Error;
/// use secrecy::SecretString;
///
/// #[derive(Debug)]
/// struct FromEnvironment;
///
/// impl TokenSource for FromEnvironment {
///     fn token<'a>(&'a self, _refused: Option<&'a SecretString>) -> BoxFuture<'a, Result<SecretString, Error>> {
///         Box::pin(async {
///             Ok(SecretString::from(std::env::var("LOSANT_API_TOKEN").unwrap_or_default()))
///         })
///     }
/// }
///
/// let client = losant_device::Client::builder()
///     .token_source(std::sync::Arc::new(FromEnvironment))
///     .build()?;
/// # Ok::<(), Error>(())
/// ```
pub trait TokenSource: Send + Sync + fmt::Debug + 'static {
    /// The token to send now. Called before every call; keep it cheap (cache
    /// the token and renew it only when it is about to expire).
    ///
    /// `refused` is the token Losant just answered HTTP 401 to: return a
    /// different one if you can. The call is then sent once more.
    fn token<'a>(
        &'a self,
        refused: Option<&'a SecretString>,
    ) -> BoxFuture<'a, Result<SecretString, Error>>;
}

/// How a client authorizes its requests.
#[derive(Clone)]
pub(crate) enum Auth {
    /// No `Authorization` header (the device login itself).
    Anonymous,
    /// One token for the client's life.
    Fixed(HeaderValue),
    /// A token from a source; the header of the last token it gave.
    Source {
        source: Arc<dyn TokenSource>,
        current: Arc<RwLock<Option<Current>>>,
        secrets: Arc<Secrets>,
    },
}

#[derive(Clone)]
pub(crate) struct Current {
    token: SecretString,
    header: HeaderValue,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::Anonymous => f.write_str("Anonymous"),
            Auth::Fixed(_) => write!(f, "Fixed({})", crate::REDACTED),
            Auth::Source { source, .. } => f.debug_tuple("Source").field(source).finish(),
        }
    }
}

/// `Bearer <token>`, marked sensitive so that it is not logged.
pub(crate) fn bearer(token: &SecretString) -> Result<HeaderValue, Error> {
    let mut value =
        HeaderValue::from_str(&format!("Bearer {}", token.expose_secret())).map_err(|_| {
            Error::invalid_value("token", "is not a valid header value", crate::REDACTED)
        })?;
    value.set_sensitive(true);
    Ok(value)
}

impl Auth {
    pub(crate) fn source(source: Arc<dyn TokenSource>, secrets: Arc<Secrets>) -> Self {
        Auth::Source {
            source,
            current: Arc::default(),
            secrets,
        }
    }

    /// Asks the source (if any) for the token to send, before a call.
    pub(crate) async fn prepare(&self) -> Result<(), Error> {
        if let Auth::Source { .. } = self {
            self.renew(None).await?;
        }
        Ok(())
    }

    /// Asks the source for a token other than `refused`; `false` when there
    /// is no source or it gave the same token again.
    pub(crate) async fn renew(&self, refused: Option<&HeaderValue>) -> Result<bool, Error> {
        let Auth::Source {
            source,
            current,
            secrets,
        } = self
        else {
            return Ok(false);
        };
        let refused_token = match refused {
            Some(header) => self.token_of(header),
            None => None,
        };
        let token = source.token(refused_token.as_ref()).await?;
        secrets.add(token.clone());
        let mut slot = current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let unchanged = slot
            .as_ref()
            .is_some_and(|known| known.token.expose_secret() == token.expose_secret());
        if !unchanged {
            let header = bearer(&token)?;
            *slot = Some(Current { token, header });
        }
        let sent = slot.as_ref().map(|known| &known.header);
        Ok(refused.is_none_or(|refused| Some(refused) != sent))
    }

    fn token_of(&self, header: &HeaderValue) -> Option<SecretString> {
        let Auth::Source { current, .. } = self else {
            return None;
        };
        let slot = current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        slot.as_ref()
            .filter(|known| known.header == *header)
            .map(|known| known.token.clone())
    }

    /// Whether tokens come from a source (the caller's code).
    pub(crate) fn has_source(&self) -> bool {
        matches!(self, Auth::Source { .. })
    }

    /// The `Authorization` header to send now.
    pub(crate) fn header(&self) -> Option<HeaderValue> {
        match self {
            Auth::Anonymous => None,
            Auth::Fixed(header) => Some(header.clone()),
            Auth::Source { current, .. } => current
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .as_ref()
                .map(|known| known.header.clone()),
        }
    }
}
