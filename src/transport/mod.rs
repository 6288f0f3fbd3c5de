//! What every request goes through: Losant's headers and query conventions
//! (`pre`), then the attempts (retries, the response size limit and a token
//! renewal on HTTP 401, in `attempts`). [`Transport`] is the state
//! progenitor's generated `Client` carries as its inner value.

mod attempts;
mod building;
mod limit;

pub(crate) use building::{PathSegment, QueryIfSet};
pub(crate) use limit::BodyTooLarge;

use crate::error::{decode, finish, Secrets};
use crate::retry::RetryPolicy;
use crate::token::Auth;
use crate::wire::{operation_wire, rewrite_query, OperationWire};
use crate::{Client, Error};
use futures::future::{Either, FutureExt as _};
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{
    HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE,
};
use reqwest::Method;
use serde::de::DeserializeOwned;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// Client settings applied to each request.
#[derive(Clone)]
pub(crate) struct Transport {
    pub(crate) losant_domain: Option<HeaderValue>,
    pub(crate) request_timeout: Option<Duration>,
    /// The request timeout is set on the SDK's own reqwest client, not on
    /// each request: a per-request one costs reqwest four allocations
    /// per call (an extensions map and a box, in the request and again in
    /// the copy kept for a retry). A caller's reqwest client gets it per
    /// request.
    pub(crate) timeout_in_client: bool,
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
            .field("timeout_in_client", &self.timeout_in_client)
            .field("operation_timeout", &self.operation_timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("max_pages", &self.max_pages)
            .field("retry", &self.retry)
            .finish()
    }
}

/// What a generated `build_request()` made: the request, or why it could
/// not be built.
pub(crate) type Built = Result<reqwest::Request, progenitor_client::Error<()>>;

/// Sends the request `send()` built (or reports why it has none) and
/// decodes the answer as a `T`.
///
/// Only the decoding depends on `T`, and nothing on the operation: the
/// token, the hooks, retries, the deadline and reading the body are
/// compiled once for all operations, and a call in flight holds only the
/// request and the attempt. No box either: under load a future of a few
/// kilobytes is an allocation outside glibc's per-thread cache, whose
/// lock was the SDK's main extra cost at 32 requests in flight.
pub(crate) fn send<'a, T: DeserializeOwned + 'a>(
    operation: &'static str,
    client: &'a Client,
    request: Result<Built, Error>,
) -> impl Future<Output = Result<T, Error>> + Send + 'a {
    let transport = client.inner();
    let secrets = &transport.secrets;
    let body = match request {
        Err(rejected) => Either::Left(std::future::ready(Err(rejected))),
        Ok(Err(unbuilt)) => Either::Right(Either::Left(finish(operation, secrets, Err(unbuilt)))),
        // A token source is the caller's code: only a timer of our own
        // bounds it. Without one, the attempts keep to the operation
        // timeout by themselves (see `attempts::call`).
        Ok(Ok(request)) => Either::Right(Either::Right(within(
            transport
                .operation_timeout
                .filter(|_| transport.auth.has_source()),
            attempts::call(operation, client, request),
        ))),
    };
    body.map(move |body| decode(operation, secrets, &body?))
}

/// `call` within the operation timeout, whose timer starts at the first
/// poll: a call may be made outside a runtime and awaited in one later.
/// (Combinators, not `async`: an `async` block would hold `call` twice,
/// as its capture and as what it awaits.)
fn within<F: Future<Output = Result<bytes::Bytes, Error>>>(
    limit: Option<Duration>,
    call: F,
) -> impl Future<Output = Result<bytes::Bytes, Error>> {
    match limit {
        // Boxed: a token source is rare, and its timer would otherwise
        // size every call in flight.
        Some(limit) => Either::Left(Box::pin(
            futures::future::lazy(move |_| tokio::time::timeout(limit, call))
                .flatten()
                .map(move |body| body.unwrap_or(Err(Error::OperationTimeout { limit }))),
        )),
        None => Either::Right(call),
    }
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
        if request.timeout().is_none() {
            match (wire.streaming, transport.timeout_in_client) {
                (false, false) => *request.timeout_mut() = transport.request_timeout,
                // Streams are exempt from the request timeout, which the
                // SDK's own reqwest client applies by default. (tokio caps
                // the wait at about 30 years.)
                (true, true) if transport.request_timeout.is_some() => {
                    *request.timeout_mut() = Some(Duration::MAX);
                }
                _ => {}
            }
        }
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        // Only the event streams' generated `send_raw()` comes here (JSON
        // operations go through `send`), and streams have no operation
        // timeout.
        let streaming = wire_of(info).map(|wire| wire.streaming).unwrap_or(false);
        attempts::with_retries(self, request, info.operation_id, None, streaming).await
    }
}
