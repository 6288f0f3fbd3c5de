//! The one error type of the crate.

use crate::types;
use progenitor_client::ResponseValue;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use std::fmt;
use std::time::Duration;

/// How many bytes of an undecodable body an error keeps.
const EXCERPT_LEN: usize = 200;

/// Everything that can go wrong talking to Losant.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Losant answered with an error status and (usually) its error body.
    #[error("Losant answered HTTP {status} ({kind}): {message}. {}", api_hint(*status))]
    Api {
        /// The HTTP status.
        status: StatusCode,
        /// Losant's error `type`, e.g. `NotFound` or `Validation`; empty when
        /// the body had none.
        kind: String,
        /// Losant's error `message`, or an excerpt of a body that was not a
        /// Losant error.
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
    #[error("invalid {parameter}: {reason}")]
    InvalidInput {
        /// The parameter at fault.
        parameter: String,
        /// What is wrong with it, including the rejected value.
        reason: String,
    },

    /// No complete answer within the configured timeout.
    #[error("the request to Losant timed out; raise the client's request timeout or retry later")]
    Timeout {
        /// The underlying failure.
        #[source]
        source: reqwest::Error,
    },

    /// The connection failed (DNS, TCP, TLS, reset) or the body was cut off.
    #[error("could not talk to Losant: {source}; check the base URL and the network")]
    Transport {
        /// The underlying failure.
        #[source]
        source: reqwest::Error,
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
        /// The first bytes of the body.
        excerpt: String,
    },

    /// An event stream lost its connection and every reconnection attempt
    /// failed; the stream has ended.
    #[error("the {operation} event stream was lost and {attempts} reconnection attempts failed; last failure: {last}")]
    StreamLost {
        /// The stream, `stateStream` or `commandStream`.
        operation: String,
        /// Reconnection attempts made since data last arrived.
        attempts: u32,
        /// Why the last attempt (or the connection) failed.
        #[source]
        last: Box<Error>,
    },

    /// A failure of the MQTT connection (feature `mqtt`).
    #[cfg(feature = "mqtt")]
    #[error(transparent)]
    Mqtt(#[from] crate::mqtt::MqttError),

    /// TLS could not be set up (no crypto provider, or one without a safe
    /// protocol version).
    #[error("TLS setup failed: {reason}")]
    Tls {
        /// What is missing or wrong.
        reason: String,
    },

    /// A failure that fits no other kind (for example, an unknown status).
    #[error("{0}")]
    Other(String),
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
        }
    }

    /// The HTTP status of an answer that caused the error, if any.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api { status, .. } => Some(*status),
            Error::RateLimited { .. } => Some(StatusCode::TOO_MANY_REQUESTS),
            _ => None,
        }
    }

    fn from_transport(source: reqwest::Error) -> Self {
        if source.is_timeout() {
            Error::Timeout { source }
        } else {
            Error::Transport { source }
        }
    }

    fn from_status(status: StatusCode, headers: &reqwest::header::HeaderMap, body: &[u8]) -> Self {
        let parsed: Option<types::Error> = serde_json::from_slice(body).ok();
        let (kind, message) = match parsed {
            Some(types::Error { type_, message, .. }) if type_.is_some() || message.is_some() => {
                (type_.unwrap_or_default(), message.unwrap_or_default())
            }
            _ => (String::new(), excerpt(body)),
        };
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Error::RateLimited {
                retry_after: crate::retry::retry_after(headers),
                message,
            };
        }
        Error::Api {
            status,
            kind,
            message,
        }
    }
}

impl From<crate::ids::InvalidId> for Error {
    fn from(error: crate::ids::InvalidId) -> Self {
        Error::InvalidInput {
            parameter: error.kind.to_string(),
            reason: error.to_string(),
        }
    }
}

fn excerpt(body: &[u8]) -> String {
    let end = body.len().min(EXCERPT_LEN);
    String::from_utf8_lossy(&body[..end]).into_owned()
}

/// Turns what a generated `send()` returned into the answer or an [`Error`].
///
/// Decode failures are decoded again with `serde_path_to_error` to name the
/// failing field; that second pass only runs on the failure path.
pub async fn finish<T: DeserializeOwned>(
    operation: &str,
    result: Result<ResponseValue<T>, progenitor_client::Error<()>>,
) -> Result<T, Error> {
    match result {
        Ok(value) => Ok(value.into_inner()),
        Err(progenitor_client::Error::InvalidResponsePayload(body, error)) => {
            match decode::<T>(operation, &body) {
                Err(located) => Err(located),
                // Unreachable in practice: the same bytes failed a moment ago.
                Ok(_) => Err(Error::Decode {
                    operation: operation.to_string(),
                    path: ".".to_string(),
                    message: error.to_string(),
                    excerpt: excerpt(&body),
                }),
            }
        }
        // A success status the spec does not list (e.g. 200 where 201 is
        // documented) still carries the answer.
        Err(progenitor_client::Error::UnexpectedResponse(response))
            if response.status().is_success() =>
        {
            let body = response.bytes().await.map_err(Error::from_transport)?;
            decode(operation, &body)
        }
        Err(other) => Err(from_raw(operation, other).await),
    }
}

/// Decodes a JSON body, naming the failing field's path on error.
pub(crate) fn decode<T: DeserializeOwned>(operation: &str, body: &[u8]) -> Result<T, Error> {
    let failure = |path: String, message: String| Error::Decode {
        operation: operation.to_string(),
        path,
        message,
        excerpt: excerpt(body),
    };
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|error| failure(error.path().to_string(), error.inner().to_string()))?;
    deserializer
        .end()
        .map_err(|error| failure(".".to_string(), error.to_string()))?;
    Ok(value)
}

/// Maps any progenitor failure; reads the body of an error answer.
pub(crate) async fn from_raw(operation: &str, error: progenitor_client::Error<()>) -> Error {
    use progenitor_client::Error as Raw;
    match error {
        Raw::InvalidRequest(reason) => invalid_request(reason),
        Raw::CommunicationError(source)
        | Raw::ResponseBodyError(source)
        | Raw::InvalidUpgrade(source) => Error::from_transport(source),
        // Error statuses are not in the generated code (see codegen/adapt.rs),
        // so they arrive as UnexpectedResponse with their body unread.
        Raw::ErrorResponse(value) => Error::from_status(value.status(), value.headers(), b""),
        Raw::InvalidResponsePayload(body, error) => Error::Decode {
            operation: operation.to_string(),
            path: ".".to_string(),
            message: error.to_string(),
            excerpt: excerpt(&body),
        },
        Raw::UnexpectedResponse(response) => {
            let status = response.status();
            let headers = response.headers().clone();
            match response.bytes().await {
                Err(source) => Error::from_transport(source),
                Ok(_) if status.is_success() => {
                    Error::Other(format!("{operation}: unexpected success status {status}"))
                }
                Ok(body) => Error::from_status(status, &headers, &body),
            }
        }
        Raw::Custom(message) => Error::Other(message),
    }
}

/// progenitor reports a failed argument conversion as
/// "conversion to `T` for name failed…" and our hook as "name must …";
/// keep the parameter name apart.
fn invalid_request(reason: String) -> Error {
    let reason = reason
        .replace(" :: ", "::")
        .replace(" < ", "<")
        .replace(" >", ">");
    let parameter = match reason.split_once(" for ") {
        Some((_, rest)) => rest.split_whitespace().next(),
        None => reason.split_whitespace().next(),
    }
    .unwrap_or("request")
    .trim_end_matches(':')
    .to_string();
    Error::InvalidInput { parameter, reason }
}

impl fmt::Display for crate::types::Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}",
            self.type_.as_deref().unwrap_or("Error"),
            self.message.as_deref().unwrap_or("")
        )
    }
}
