//! What every request goes through: Losant's headers and query conventions
//! (`pre`), then retries, the response size limit and a token renewal on
//! HTTP 401 (`exec`). [`Transport`] is the state progenitor's generated
//! `Client` carries as its inner value.

mod building;
mod limit;

pub(crate) use building::{PathSegment, QueryIfSet};
pub(crate) use limit::BodyTooLarge;

use crate::error::{decode, finish, Secrets};
use crate::retry::RetryPolicy;
use crate::token::Auth;
use crate::wire::{operation_wire, rewrite_query, OperationWire};
use crate::{Client, Error};
use futures::future::{Either, FutureExt as _, TryFutureExt as _};
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{
    HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE,
};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// Client settings applied to each request.
#[derive(Clone)]
pub(crate) struct Transport {
    pub(crate) losant_domain: Option<HeaderValue>,
    pub(crate) request_timeout: Option<Duration>,
    pub(crate) operation_timeout: Option<Duration>,
    pub(crate) max_response_bytes: u64,
    pub(crate) max_pages: u64,
    pub(crate) retry: RetryPolicy,
    pub(crate) auth: Auth,
    /// Every secret the client holds, kept out of error texts.
    pub(crate) secrets: Arc<Secrets>,
}

/// Checked at compile time: `from_static` in a const rejects invalid values.
const ACCEPT_VERSION_VALUE: HeaderValue = HeaderValue::from_static(crate::wire::ACCEPT_VERSION);
const ACCEPT_VERSION: HeaderName = HeaderName::from_static("accept-version");
const LOSANT_DOMAIN: HeaderName = HeaderName::from_static("losantdomain");

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("auth", &self.auth)
            .field("losant_domain", &self.losant_domain)
            .field("request_timeout", &self.request_timeout)
            .field("operation_timeout", &self.operation_timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("max_pages", &self.max_pages)
            .field("retry", &self.retry)
            .finish()
    }
}

/// What a generated `send_raw()` resolves to: the answer, its JSON not yet
/// read.
pub(crate) type RawAnswer = Result<reqwest::Response, progenitor_client::Error<()>>;

/// Runs one call of `operation` and decodes its answer as a `T`: the
/// token first, then the request and its body, all within the operation
/// timeout.
///
/// `raw` is held inline, not boxed: under load a box this large (a few
/// kilobytes) is an allocation outside glibc's per-thread cache, and its
/// lock was the SDK's main extra cost at 32 requests in flight. This is
/// written with combinators rather than as an `async fn` because each
/// `async` layer that takes `raw` by value would hold its own copy of it
/// (the future grew from 2.7 to 11 kB). What is compiled per operation is
/// only this thin shell: the token, the body read and the mapping of
/// failures (`finish`) are shared, and only the decoding depends on `T`.
pub(crate) fn send<'a, T: DeserializeOwned + 'a>(
    operation: &'static str,
    client: &'a Client,
    raw: impl Future<Output = RawAnswer> + Send + 'a,
) -> impl Future<Output = Result<T, Error>> + Send + 'a {
    let transport = client.inner();
    let secrets = &transport.secrets;
    let call = transport
        .auth
        .prepare()
        .and_then(move |()| raw.then(move |answer| finish(operation, secrets, answer)));
    let body = match transport.operation_timeout {
        // The timer starts at the first poll, within the runtime: a
        // future made outside one must not panic.
        Some(limit) => Either::Left(
            futures::future::lazy(move |_| tokio::time::timeout(limit, call))
                .flatten()
                .map(move |body| body.unwrap_or(Err(Error::OperationTimeout { limit }))),
        ),
        None => Either::Right(call),
    };
    body.map(move |body| decode(operation, secrets, &body?))
}

fn wire_of(info: &OperationInfo) -> Result<&'static OperationWire, String> {
    operation_wire(info.operation_id).ok_or_else(|| {
        format!(
            "operation {} is missing from the wire table",
            info.operation_id
        )
    })
}

impl ClientHooks<Transport> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let wire = wire_of(info).map_err(progenitor_client::Error::Custom)?;
        rewrite_query(request.url_mut(), wire).map_err(progenitor_client::Error::InvalidRequest)?;

        let transport = self.inner();
        let method = request.method().clone();
        let headers = request.headers_mut();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(ACCEPT_VERSION, ACCEPT_VERSION_VALUE);
        if let Some(authorization) = transport.auth.header().filter(|_| !wire.anonymous) {
            headers.insert(AUTHORIZATION, authorization);
        }
        if let Some(domain) = &transport.losant_domain {
            headers.insert(LOSANT_DOMAIN, domain.clone());
        }

        if wire.optional_body && request.body().and_then(|b| b.as_bytes()) == Some(b"{}") {
            // Losant's clients leave an unset optional body out entirely.
            *request.body_mut() = None;
            request.headers_mut().remove(CONTENT_TYPE);
        }
        if request.body().is_none() && method != Method::GET && method != Method::HEAD {
            // As Losant's Python client does; some proxies answer 411
            // to a POST without it (RFC 9110, 8.6).
            request
                .headers_mut()
                .insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
        }
        if !wire.streaming && request.timeout().is_none() {
            *request.timeout_mut() = transport.request_timeout;
        }
        Ok(())
    }

    async fn exec(
        &self,
        mut request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let transport = self.inner();
        let streaming = wire_of(info).map(|wire| wire.streaming).unwrap_or(false);
        let deadline = transport
            .operation_timeout
            .filter(|_| !streaming)
            .map(|limit| Instant::now() + limit);
        let policy = &transport.retry;
        let method = request.method().clone();
        let mut attempt = 1;
        let mut renewed = false;
        loop {
            let spare = request.try_clone();
            let outcome = self.client().execute(request).await;
            let Some(next) = spare else {
                return limited(outcome, transport, streaming);
            };
            if !renewed && is_unauthorized(&outcome) {
                renewed = true;
                // Boxed, as is the wait below: each future in flight holds
                // room for its largest state, and these are the rare ones.
                if let Some(retry) = Box::pin(renew_token(transport, next, info)).await {
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
            request = next;
            attempt += 1;
        }
    }
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
