//! What every request goes through: Losant's headers and query conventions
//! (`pre`), and retries (`exec`). This is the state progenitor's generated
//! `Client` carries as its inner value.

use crate::retry::RetryPolicy;
use crate::wire::{operation_wire, rewrite_query};
use crate::Client;
use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo};
use reqwest::header::{HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use std::fmt;
use std::time::Duration;

/// Client settings applied to each request.
#[derive(Clone)]
pub struct Transport {
    pub(crate) losant_domain: Option<HeaderValue>,
    pub(crate) request_timeout: Option<Duration>,
    pub(crate) retry: RetryPolicy,
    /// `Bearer <token>`, built once and marked sensitive.
    pub(crate) authorization: Option<HeaderValue>,
}

/// Checked at compile time: `from_static` in a const rejects invalid values.
const ACCEPT_VERSION_VALUE: HeaderValue = HeaderValue::from_static(crate::wire::ACCEPT_VERSION);

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field(
                "authorization",
                &self.authorization.as_ref().map(|_| crate::REDACTED),
            )
            .field("losant_domain", &self.losant_domain)
            .field("request_timeout", &self.request_timeout)
            .field("retry", &self.retry)
            .finish()
    }
}

const ACCEPT_VERSION: HeaderName = HeaderName::from_static("accept-version");
const LOSANT_DOMAIN: HeaderName = HeaderName::from_static("losantdomain");
/// progenitor adds this header; Losant's clients do not send it.
const PROGENITOR_API_VERSION: &str = "api-version";

tokio::task_local! {
    /// Headers the generated builders have no setter for (an event stream's
    /// `Last-Event-ID`); `pre` adds them to requests sent within
    /// [`with_extra_headers`].
    static EXTRA_HEADERS: reqwest::header::HeaderMap;
}

/// Runs `future` (a generated `send()`) with `headers` added to its request.
pub(crate) async fn with_extra_headers<F: std::future::Future>(
    headers: reqwest::header::HeaderMap,
    future: F,
) -> F::Output {
    EXTRA_HEADERS.scope(headers, future).await
}

impl ClientHooks<Transport> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        let wire = operation_wire(info.operation_id).ok_or_else(|| {
            Error::Custom(format!(
                "operation {} is missing from the wire table",
                info.operation_id
            ))
        })?;
        rewrite_query(request.url_mut(), wire).map_err(Error::InvalidRequest)?;

        let transport = self.inner();
        let headers = request.headers_mut();
        headers.remove(PROGENITOR_API_VERSION);
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(ACCEPT_VERSION, ACCEPT_VERSION_VALUE);
        if let Some(authorization) = &transport.authorization {
            headers.insert(AUTHORIZATION, authorization.clone());
        }
        if let Some(domain) = &transport.losant_domain {
            headers.insert(LOSANT_DOMAIN, domain.clone());
        }
        // Outside `with_extra_headers` there is nothing to add.
        let _ = EXTRA_HEADERS.try_with(|extra| headers.extend(extra.clone()));

        if wire.optional_body && request.body().and_then(|b| b.as_bytes()) == Some(b"{}") {
            // Losant's clients leave an unset optional body out entirely.
            *request.body_mut() = None;
            request.headers_mut().remove(CONTENT_TYPE);
        }
        if !wire.streaming && request.timeout().is_none() {
            *request.timeout_mut() = transport.request_timeout;
        }
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let policy = &self.inner().retry;
        let method = request.method().clone();
        let mut request = request;
        let mut attempt = 1;
        loop {
            let spare = (attempt < policy.max_attempts)
                .then(|| request.try_clone())
                .flatten();
            let outcome = self.client().execute(request).await;
            let (Some(wait), Some(next)) = (policy.verdict(attempt, &method, &outcome), spare)
            else {
                return outcome;
            };
            tracing::warn!(
                operation = info.operation_id,
                attempt,
                wait_ms = wait.as_millis() as u64,
                reason = %retry_reason(&outcome),
                "retrying Losant request"
            );
            tokio::time::sleep(wait).await;
            request = next;
            attempt += 1;
        }
    }
}

fn retry_reason(outcome: &reqwest::Result<reqwest::Response>) -> String {
    match outcome {
        Ok(response) => format!("HTTP {}", response.status().as_u16()),
        Err(_) => "connection failed".to_string(),
    }
}
