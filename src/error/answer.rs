//! Turning what the generated code got back into an answer or an [`Error`].

use super::{Error, Secrets};
use crate::transport::BodyTooLarge;
use crate::types;
use bytes::{Bytes, BytesMut};
use futures::future::{Either, FutureExt as _};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use std::future::Future;

/// How many bytes of an undecodable body an error keeps.
const EXCERPT_LEN: usize = 200;

/// How much of an error answer is read: enough for any Losant error body,
/// little enough that a proxy's huge error page costs nothing.
pub(crate) const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// Operations whose answers hold a secret (the device login's token): a
/// decode error about them shows no part of the body.
const SECRET_ANSWERS: &[&str] = &["request_device_token"];

/// The start of `body` as text, cut at a character boundary.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(EXCERPT_LEN)]).into_owned();
    // A multi-byte character cut in half shows as U+FFFD at the end.
    text.trim_end_matches('\u{FFFD}').to_string()
}

/// The body of the answer a call got, or an [`Error`]
/// with every text redacted of `secrets`.
///
/// Combinators, not `async`: an `async fn` would hold `result` twice (as
/// its argument and as its local) beside reqwest's body future, and every
/// call in flight is as large as its largest step.
pub(crate) fn finish<'a>(
    operation: &'a str,
    secrets: &'a Secrets,
    result: Result<reqwest::Response, progenitor_client::Error<()>>,
) -> impl Future<Output = Result<Bytes, Error>> + Send + 'a {
    let response = match result {
        Ok(response) => response,
        // A success status the spec does not list (e.g. 200 where 201 is
        // documented) still carries the answer.
        Err(progenitor_client::Error::UnexpectedResponse(response))
            if response.status().is_success() =>
        {
            response
        }
        // Boxed so that the error path does not size every call in flight.
        Err(other) => return Either::Right(Box::pin(from_raw(operation, secrets, other)).map(Err)),
    };
    Either::Left(
        response
            .bytes()
            .map(|body| body.map_err(Error::from_transport)),
    )
}

/// Decodes JSON: the body is checked to be UTF-8 once and then decoded as
/// text, which spares serde_json checking every string it reads. Every
/// decode of the crate goes through here, so each answer type's decoder is
/// compiled for one reader only.
pub(crate) fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, serde_json::Error> {
    match std::str::from_utf8(body) {
        Ok(text) => serde_json::from_str(text),
        // Not UTF-8: let serde_json say where, without decoding a `T`.
        Err(_) => Err(serde_json::from_slice::<serde::de::IgnoredAny>(body)
            .err()
            .unwrap_or_else(|| serde::de::Error::custom("the body is not UTF-8"))),
    }
}

/// Decodes a JSON body. The fast path decodes without tracking where it
/// is; only a failure decodes again to name the failing field.
pub(crate) fn decode<T: DeserializeOwned>(
    operation: &str,
    secrets: &Secrets,
    body: &[u8],
) -> Result<T, Error> {
    decode_json(body).map_err(|first| locate::<T>(operation, secrets, body, first))
}

fn locate<T: DeserializeOwned>(
    operation: &str,
    secrets: &Secrets,
    body: &[u8],
    first: serde_json::Error,
) -> Error {
    let tracked = std::str::from_utf8(body).ok().and_then(|text| {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize::<_, T>(&mut deserializer).err()
    });
    let located = tracked.map(|located| (located.path().to_string(), located.into_inner()));
    describe(operation, secrets, body, first, located)
}

/// The decode error for `body`; `located` is the path and error of the
/// tracked second decode, when it failed too.
fn describe(
    operation: &str,
    secrets: &Secrets,
    body: &[u8],
    first: serde_json::Error,
    located: Option<(String, serde_json::Error)>,
) -> Error {
    // Not UTF-8, or decoding succeeded this time (trailing data): no path.
    let (path, error) = located.unwrap_or_else(|| (".".to_string(), first));
    let secret = SECRET_ANSWERS.contains(&operation);
    let (message, excerpt) = if secret {
        // serde quotes the offending value, which may be the token.
        let message = format!(
            "{:?} error at line {}, column {}",
            error.classify(),
            error.line(),
            error.column()
        );
        (message, "(withheld: this answer holds a token)".to_string())
    } else {
        (
            secrets.redact(&error.to_string()),
            secrets.redact(&excerpt(body)),
        )
    };
    Error::Decode {
        operation: operation.to_string(),
        path,
        message,
        excerpt,
    }
}

/// Maps any progenitor failure; reads (a bounded part of) the body of an
/// error answer.
pub(crate) async fn from_raw(
    operation: &str,
    secrets: &Secrets,
    error: progenitor_client::Error<()>,
) -> Error {
    use progenitor_client::Error as Raw;
    match error {
        // Only the request hook reports these; builder arguments are
        // checked (typed) before the generated code runs.
        Raw::InvalidRequest(reason) | Raw::Custom(reason) => Error::InvalidInput {
            parameter: "request".into(),
            reason: secrets.redact(&reason),
            value: None,
        },
        Raw::CommunicationError(source)
        | Raw::ResponseBodyError(source)
        | Raw::InvalidUpgrade(source) => Error::from_transport(source),
        Raw::ErrorResponse(value) => from_status(value.status(), value.headers(), b"", secrets),
        Raw::InvalidResponsePayload(body, error) => {
            locate::<serde::de::IgnoredAny>(operation, secrets, &body, error)
        }
        Raw::UnexpectedResponse(response) => from_response(operation, secrets, response).await,
    }
}

/// An answer that is not the operation's success.
pub(crate) async fn from_response(
    operation: &str,
    secrets: &Secrets,
    response: reqwest::Response,
) -> Error {
    let status = response.status();
    if status.is_redirection() {
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|value| value.to_str().ok())
            .map(|location| secrets.redact(location));
        return Error::Redirected { status, location };
    }
    if !status.is_client_error() && !status.is_server_error() {
        return Error::UnexpectedStatus {
            operation: operation.to_string(),
            status,
        };
    }
    let headers = response.headers().clone();
    match read_capped(response, ERROR_BODY_LIMIT).await {
        Err(source) => Error::from_transport(source),
        Ok(body) => from_status(status, &headers, &body, secrets),
    }
}

/// Reads at most `cap` bytes of the body, then stops (dropping the
/// connection rather than reading the rest).
pub(crate) async fn read_capped(
    mut response: reqwest::Response,
    cap: usize,
) -> Result<Bytes, reqwest::Error> {
    let mut body = BytesMut::new();
    while body.len() < cap {
        match response.chunk().await? {
            Some(chunk) => {
                let room = cap - body.len();
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            None => break,
        }
    }
    Ok(body.freeze())
}

fn from_status(
    status: StatusCode,
    headers: &reqwest::header::HeaderMap,
    body: &[u8],
    secrets: &Secrets,
) -> Error {
    let parsed: Option<types::Error> = serde_json::from_slice(body).ok();
    let (kind, message) = match parsed {
        Some(error) if error.type_.is_some() || error.message.is_some() => {
            (error.type_, error.message.unwrap_or_default())
        }
        _ => (None, excerpt(body)),
    };
    let message = secrets.redact(&message);
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

/// The size-limit failure inside a body read error, if that is what it is.
pub(super) fn too_large_in(error: &reqwest::Error) -> Option<Error> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if let Some(too_large) = current.downcast_ref::<BodyTooLarge>() {
            return Some(Error::ResponseTooLarge {
                limit: too_large.limit,
                declared: too_large.declared,
            });
        }
        source = current.source();
    }
    None
}
