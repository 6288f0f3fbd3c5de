//! The one error type of the crate.
//!
//! Every failure is one [`Error`] variant with typed fields: Losant's
//! answer ([`Error::Api`], with its error kind), bad input caught before
//! any I/O ([`Error::InvalidInput`], naming the parameter as Losant does),
//! the network, the limits this crate enforces, and the event streams.
//! No text in an error shows the client's token or a device secret, even
//! when a server echoes them.

mod answer;
mod redact;
mod rejected;

#[cfg(feature = "mqtt")]
pub(crate) use answer::decode_json;
pub(crate) use answer::{decode, finish, from_raw};
pub(crate) use redact::Secrets;
pub(crate) use rejected::{check_range, Rejected};

use crate::types::ApiErrorKind;
use reqwest::StatusCode;
use std::time::Duration;

/// Everything that can go wrong talking to Losant.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Losant answered with an error status.
    #[error("Losant answered HTTP {status}{}: {message}. {}", kind_text(kind.as_ref()), api_hint(*status))]
    Api {
        /// The HTTP status.
        status: StatusCode,
        /// Losant's error `type` (`NotFound`, `Validation`, …; an unknown
        /// one is kept as `ApiErrorKind::Unknown`), when the body had one.
        kind: Option<ApiErrorKind>,
        /// Losant's error `message`, or the start of a body that was not a
        /// Losant error (at most 200 bytes).
        message: String,
    },

    /// Too many requests (HTTP 429), after the retry policy gave up.
    #[error("Losant is rate limiting this client (HTTP 429){}. Slow down, or raise the retry policy's limits.", retry_after_text(*retry_after))]
    RateLimited {
        /// The server's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
        /// Losant's error message, when there was one.
        message: String,
    },

    /// An argument was rejected before anything was sent.
    #[error("invalid {parameter}{}: {reason}", value_text(value.as_deref()))]
    InvalidInput {
        /// The parameter as Losant names it (`deviceId`, `perPage`, `body`).
        parameter: String,
        /// What is wrong with it.
        reason: String,
        /// The rejected value as text, when there is one to show; secrets
        /// show as `** redacted **`.
        value: Option<String>,
    },

    /// One attempt got no complete answer in time (the connect timeout or
    /// the request timeout).
    #[error("the request to Losant timed out; raise the client's timeouts or retry later")]
    Timeout {
        /// The underlying failure.
        #[source]
        source: reqwest::Error,
    },

    /// The whole call, retries and waits included, took longer than the
    /// client's operation timeout.
    #[error("the call to Losant did not finish within the operation timeout of {limit:?}")]
    OperationTimeout {
        /// The operation timeout in effect.
        limit: Duration,
    },

    /// The connection failed (DNS, TCP, TLS, reset) or the body was cut off.
    #[error("could not talk to Losant: {source}; check the base URL and the network")]
    Transport {
        /// The underlying failure.
        #[source]
        source: reqwest::Error,
    },

    /// An answer was larger than the client's response size limit, so it
    /// was not read.
    #[error("the answer is larger than the limit of {limit} bytes{}; raise `max_response_bytes` if that is expected", declared_text(*declared))]
    ResponseTooLarge {
        /// The limit in effect, in bytes.
        limit: u64,
        /// The size the server declared (`Content-Length`), if it did.
        declared: Option<u64>,
    },

    /// The server answered with a redirect. Losant's API does not redirect,
    /// so this usually means a proxy or captive portal, or a wrong base URL.
    #[error("the server redirected the request (HTTP {status}) to {location:?}; check the base URL and any proxy")]
    Redirected {
        /// The redirect status.
        status: StatusCode,
        /// Where it pointed, if it said.
        location: Option<String>,
    },

    /// A status that is neither success, redirect nor error (1xx).
    #[error("{operation}: unexpected HTTP status {status}")]
    UnexpectedStatus {
        /// The operation, e.g. `get_device`.
        operation: String,
        /// The status.
        status: StatusCode,
    },

    /// A success answer whose body does not match what the operation returns.
    #[error("could not decode the answer to {operation} at `{path}`: {message}; body begins {excerpt:?}. This SDK may be older than the API: please report it")]
    Decode {
        /// The operation, e.g. `get_device`.
        operation: String,
        /// JSON path of the failing field, `.` for the whole body.
        path: String,
        /// What the decoder expected.
        message: String,
        /// The first bytes of the body (none for the device login answer,
        /// which holds a token).
        excerpt: String,
    },

    /// A page stream stopped because the server's pages do not add up.
    #[error("{operation}: stopped paging: {problem}")]
    Pagination {
        /// The list operation.
        operation: String,
        /// What was wrong.
        problem: crate::pagination::PageProblem,
    },

    /// An event stream connection failed or broke a limit; the stream
    /// reconnects after most of these (see [`crate::sse`]).
    #[error("the {operation} event stream failed: {failure}")]
    EventStream {
        /// The stream, `stateStream` or `commandStream`.
        operation: String,
        /// What happened.
        failure: crate::sse::StreamFailure,
    },

    /// An event stream lost its connection and every reconnection attempt
    /// failed; the stream has ended.
    #[error("the {operation} event stream was lost and {attempts} reconnection attempts failed; last failure: {last}")]
    StreamLost {
        /// The stream, `stateStream` or `commandStream`.
        operation: String,
        /// Reconnection attempts made since an event was last accepted.
        attempts: u32,
        /// Why the last attempt (or the connection) failed.
        #[source]
        last: Box<Error>,
    },

    /// A failure of the MQTT connection (feature `mqtt`).
    #[cfg(feature = "mqtt")]
    #[error(transparent)]
    Mqtt(#[from] crate::mqtt::MqttError),

    /// A failure of the durable outbox (feature `store`).
    #[cfg(feature = "store")]
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),

    /// TLS could not be set up (no crypto provider, or one without a safe
    /// protocol version).
    #[error("TLS setup failed: {reason}")]
    Tls {
        /// What is missing or wrong.
        reason: String,
    },
}

fn api_hint(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "Check the request's parameters and body",
        401 => "Check that the token is valid and not expired",
        403 => "The token lacks the scope for this operation",
        404 => "Check the application, device or recipe id",
        409 => "The resource changed or already exists; reload it and try again",
        413 => "The request body is too large; send less at once",
        500..=599 => "Losant had a problem; try again later",
        _ => "See Losant's message",
    }
}

fn value_text(value: Option<&str>) -> String {
    value.map(|value| format!(" {value:?}")).unwrap_or_default()
}

fn kind_text(kind: Option<&ApiErrorKind>) -> String {
    kind.map(|kind| format!(" ({kind})")).unwrap_or_default()
}

fn declared_text(declared: Option<u64>) -> String {
    declared
        .map(|size| format!(" (it declared {size} bytes)"))
        .unwrap_or_default()
}

fn retry_after_text(retry_after: Option<Duration>) -> String {
    retry_after
        .map(|wait| format!("; the server asks to wait {} s", wait.as_secs()))
        .unwrap_or_default()
}

impl Error {
    pub(crate) fn invalid_input(parameter: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            parameter: parameter.into(),
            reason: reason.into(),
            value: None,
        }
    }

    pub(crate) fn invalid_value(
        parameter: impl Into<String>,
        reason: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        Error::InvalidInput {
            parameter: parameter.into(),
            reason: reason.into(),
            value: Some(value.into()),
        }
    }

    /// The HTTP status of an answer that caused the error, if any.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api { status, .. } | Error::Redirected { status, .. } => Some(*status),
            Error::UnexpectedStatus { status, .. } => Some(*status),
            Error::RateLimited { .. } => Some(StatusCode::TOO_MANY_REQUESTS),
            _ => None,
        }
    }

    pub(crate) fn from_transport(source: reqwest::Error) -> Self {
        if let Some(too_large) = answer::too_large_in(&source) {
            return too_large;
        }
        if source.is_timeout() {
            Error::Timeout { source }
        } else {
            Error::Transport { source }
        }
    }
}

impl From<crate::ids::InvalidId> for Error {
    fn from(error: crate::ids::InvalidId) -> Self {
        Error::InvalidInput {
            parameter: error.parameter.to_string(),
            reason: format!("expected {}", error.expected),
            value: Some(error.value),
        }
    }
}

impl std::fmt::Display for crate::types::Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {}",
            self.type_.as_ref().map_or("Error", |kind| kind.as_str()),
            self.message.as_deref().unwrap_or("")
        )
    }
}
