//! One call on the wire: the token, the request hook, the attempts
//! (retries, a token renewal on HTTP 401, the size limit of the answer)
//! and reading the answer.
//!
//! Plain functions returning `async move` blocks, not `async fn`s: an
//! `async fn` keeps each argument twice in its future (as passed and as
//! its local), and a request is 264 bytes.

use super::{limit, Transport};
use crate::error::finish;
use crate::{Client, Error};
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
#[allow(clippy::manual_async_fn)] // See the module docs.
pub(super) fn call<'a>(
    operation: &'static str,
    client: &'a Client,
    mut request: reqwest::Request,
) -> impl Future<Output = Result<bytes::Bytes, Error>> + Send + 'a {
    async move {
        let transport = client.inner();
        let deadline = transport
            .operation_timeout
            .map(|limit| (Instant::now() + limit, limit));
        let overdue = |error: Error| match deadline {
            Some((at, limit)) if matches!(error, Error::Timeout { .. }) && Instant::now() >= at => {
                Error::OperationTimeout { limit }
            }
            _ => error,
        };
        transport.auth.prepare().await?;
        let info = OperationInfo {
            operation_id: operation,
        };
        let answer = match client.pre::<()>(&mut request, &info).await {
            Ok(()) => {
                let sent = with_retries(client, request, &info, deadline.map(|(at, _)| at), false);
                match sent.await {
                    Ok(response) if response.status().is_success() => Ok(response),
                    Ok(response) => Err(progenitor_client::Error::UnexpectedResponse(response)),
                    Err(error) => Err(error.into()),
                }
            }
            Err(error) => Err(error),
        };
        finish(operation, &transport.secrets, answer)
            .await
            .map_err(overdue)
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
    info: &'a OperationInfo,
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
            let spare = spare_of(&request);
            let outcome = client.client().execute(request).await;
            let Some(next) = spare else {
                return limited(outcome, transport, streaming);
            };
            // At once, so that the future keeps one request, not two.
            request = next;
            if !renewed && is_unauthorized(&outcome) {
                renewed = true;
                // Boxed, as is the wait below: each future in flight holds
                // room for its largest state, and these are the rare ones.
                if let Some(retry) = Box::pin(renew_token(transport, request, info)).await {
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
                operation = info.operation_id,
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
    info: &OperationInfo,
) -> Option<reqwest::Request> {
    let refused = request.headers().get(AUTHORIZATION).cloned();
    match transport.auth.renew(refused.as_ref()).await {
        Ok(true) => {
            let header = transport.auth.header()?;
            request.headers_mut().insert(AUTHORIZATION, header);
            tracing::info!(
                operation = info.operation_id,
                "token refused (HTTP 401); sending again with a new one"
            );
            Some(request)
        }
        Ok(false) => None,
        Err(error) => {
            tracing::warn!(operation = info.operation_id, %error, "could not renew the token after HTTP 401");
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
