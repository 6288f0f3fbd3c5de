//! One call on the wire: the token, the request hook, the attempts
//! (retries, a token renewal on HTTP 401, the size limit of the answer)
//! and reading the answer.
//!
//! Plain functions returning `async move` blocks, not `async fn`s: an
//! `async fn` keeps each argument twice in its future (as passed and as
//! its local), and a request is 264 bytes.

use super::{limit, Transport};
use crate::error::{finish, from_raw};
use crate::{Client, Error};
use futures::future::{Either, FutureExt as _};
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::AUTHORIZATION;
use reqwest::StatusCode;
use std::future::Future;
use tokio::time::Instant;

/// What progenitor's generated `send()` did after building the request:
/// the request hook, the attempts, then the answer's body, which is a
/// success for any 2xx status (the spec names one per operation; Losant
/// may answer with another).
///
/// The operation timeout needs no timer of its own here: each attempt's
/// reqwest timeout is cut to the time left (see `with_retries`), and a
/// wait that would outlast it is not made. A timeout that fires at the
/// deadline is reported as [`Error::OperationTimeout`].
///
/// The steps are chained, not awaited in one `async` block, which would
/// keep the request for its whole life beside the largest step: a
/// sendState call in flight takes 648 bytes this way, against 1,544.
/// Awaiting a builder boxes this future, and glibc serves blocks up to
/// 1,032 bytes from a per-thread cache, without taking its arena's lock.
pub(super) fn call<'a>(
    operation: &'static str,
    client: &'a Client,
    request: reqwest::Request,
) -> impl Future<Output = Result<bytes::Bytes, Error>> + Send + 'a {
    let secrets = &client.inner().secrets;
    prepare(operation, client, request).then(move |prepared| match prepared {
        Err(error) => Either::Left(std::future::ready(Err(error))),
        Ok((request, deadline)) => Either::Right(
            with_retries(
                client,
                request,
                operation,
                deadline.map(|(at, _)| at),
                false,
            )
            .then(move |sent| {
                let answer = match sent {
                    Ok(response) if response.status().is_success() => Ok(response),
                    Ok(response) => Err(progenitor_client::Error::UnexpectedResponse(response)),
                    Err(error) => Err(error.into()),
                };
                finish(operation, secrets, answer)
            })
            .map(move |body| body.map_err(|error| overdue(error, deadline))),
        ),
    })
}

/// When the operation must end, and its limit.
type Deadline = Option<(Instant, std::time::Duration)>;

/// The first step of `call`: the token, then the request hook. The
/// deadline starts here, at the first poll.
#[allow(clippy::manual_async_fn)] // See the module docs.
fn prepare<'a>(
    operation: &'static str,
    client: &'a Client,
    mut request: reqwest::Request,
) -> impl Future<Output = Result<(reqwest::Request, Deadline), Error>> + Send + 'a {
    async move {
        let transport = client.inner();
        let deadline = transport
            .operation_timeout
            .map(|limit| (Instant::now() + limit, limit));
        transport.auth.prepare().await?;
        let info = OperationInfo {
            operation_id: operation,
        };
        match client.pre::<()>(&mut request, &info).await {
            Ok(()) => Ok((request, deadline)),
            Err(error) => Err(Box::pin(from_raw(operation, &transport.secrets, error)).await),
        }
    }
}

/// A timeout that fired at the operation's deadline is the operation's.
fn overdue(error: Error, deadline: Deadline) -> Error {
    match deadline {
        Some((at, limit)) if matches!(error, Error::Timeout { .. }) && Instant::now() >= at => {
            Error::OperationTimeout { limit }
        }
        _ => error,
    }
}

/// Sends `request`, again while the retry policy says so, and once more
/// with a new token after an HTTP 401 when the client has a token source.
///
/// No attempt runs past `deadline`: its reqwest timeout is cut to the time
/// left when that is shorter than the request timeout. The answer of a
/// `streaming` call is not capped here (event streams have their own
/// limits, see `crate::sse`).
#[allow(clippy::manual_async_fn)] // See the module docs.
pub(super) fn with_retries<'a>(
    client: &'a Client,
    mut request: reqwest::Request,
    operation: &'static str,
    deadline: Option<Instant>,
    streaming: bool,
) -> impl Future<Output = reqwest::Result<reqwest::Response>> + Send + 'a {
    async move {
        let transport = client.inner();
        let policy = &transport.retry;
        let method = request.method().clone();
        let mut attempt = 1;
        let mut renewed = false;
        loop {
            if let Some(deadline) = deadline {
                let left = deadline.saturating_duration_since(Instant::now());
                let per_attempt = request.timeout().copied().or(transport
                    .request_timeout
                    .filter(|_| transport.timeout_in_client));
                if per_attempt.is_none_or(|limit| left < limit) {
                    *request.timeout_mut() = Some(left);
                }
            }
            let Some(spare) = spare_of(&request) else {
                let outcome = client.client().execute(request).await;
                return limited(outcome, transport, streaming);
            };
            // The copy waits in `request` while the original is sent, so
            // that the future holds one request, not two.
            let outcome = client
                .client()
                .execute(std::mem::replace(&mut request, spare))
                .await;
            if !renewed && is_unauthorized(&outcome) {
                renewed = true;
                // Boxed, as is the wait below: each future in flight holds
                // room for its largest state, and these are the rare ones.
                if let Some(retry) = Box::pin(renew_token(transport, request, operation)).await {
                    request = retry;
                    continue;
                }
                return limited(outcome, transport, streaming);
            }
            let Some(wait) = policy.verdict(attempt, &method, &outcome) else {
                return limited(outcome, transport, streaming);
            };
            if deadline.is_some_and(|deadline| Instant::now() + wait >= deadline) {
                // Waiting would outlast the call: the caller gets this
                // answer (a 429 with its Retry-After) rather than nothing.
                return limited(outcome, transport, streaming);
            }
            tracing::warn!(
                operation,
                attempt,
                wait_ms = wait.as_millis() as u64,
                reason = %retry_reason(&outcome),
                "retrying Losant request"
            );
            Box::pin(tokio::time::sleep(wait)).await;
            attempt += 1;
        }
    }
}

/// A copy of `request` for another attempt; `None` when its body is a
/// stream, which cannot be sent twice.
///
/// Not `reqwest::Request::try_clone`, which shares the body but always
/// makes a timeout entry in the copy's extensions only to replace them
/// with a copy of the original's: two to four allocations per call for
/// nothing. A small body is copied here instead (one allocation, as
/// sharing it takes); a large one is shared through `try_clone`. The
/// only extension reqwest gives a request is its timeout, copied here.
fn spare_of(request: &reqwest::Request) -> Option<reqwest::Request> {
    const COPIED_BODY: usize = 16 * 1024;
    let body = match request.body() {
        None => None,
        Some(body) => match body.as_bytes() {
            Some(bytes) if bytes.len() <= COPIED_BODY => {
                Some(reqwest::Body::from(bytes::Bytes::copy_from_slice(bytes)))
            }
            _ => return request.try_clone(),
        },
    };
    let mut spare = reqwest::Request::new(request.method().clone(), request.url().clone());
    *spare.headers_mut() = request.headers().clone();
    *spare.version_mut() = request.version();
    if let Some(timeout) = request.timeout() {
        *spare.timeout_mut() = Some(*timeout);
    }
    *spare.body_mut() = body;
    Some(spare)
}

fn is_unauthorized(outcome: &reqwest::Result<reqwest::Response>) -> bool {
    matches!(outcome, Ok(response) if response.status() == StatusCode::UNAUTHORIZED)
}

/// After a 401: a fresh token from the client's source, and `request` with
/// it; `None` when there is no source or it has no other token.
async fn renew_token(
    transport: &Transport,
    mut request: reqwest::Request,
    operation: &str,
) -> Option<reqwest::Request> {
    let refused = request.headers().get(AUTHORIZATION).cloned();
    match transport.auth.renew(refused.as_ref()).await {
        Ok(true) => {
            let header = transport.auth.header()?;
            request.headers_mut().insert(AUTHORIZATION, header);
            tracing::info!(
                operation,
                "token refused (HTTP 401); sending again with a new one"
            );
            Some(request)
        }
        Ok(false) => None,
        Err(error) => {
            tracing::warn!(operation, %error, "could not renew the token after HTTP 401");
            None
        }
    }
}

/// The final answer, its body capped at the client's size limit (event
/// streams have their own limits, see `crate::sse`).
fn limited(
    outcome: reqwest::Result<reqwest::Response>,
    transport: &Transport,
    streaming: bool,
) -> reqwest::Result<reqwest::Response> {
    match outcome {
        Ok(response) if !streaming => Ok(limit::limit_body(response, transport.max_response_bytes)),
        other => other,
    }
}

fn retry_reason(outcome: &reqwest::Result<reqwest::Response>) -> String {
    match outcome {
        Ok(response) => format!("HTTP {}", response.status().as_u16()),
        Err(_) => "connection failed".to_string(),
    }
}
