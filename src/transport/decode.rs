//! Decoding a success answer, as fast as the JSON allows.

use progenitor_client::{Error, ResponseValue};
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

/// Replaces progenitor's `ResponseValue::from_response` in every generated
/// `send_raw()` (see `codegen/builders.rs`). The body is checked to be UTF-8
/// once and decoded as text, which spares serde_json checking every string
/// it reads; and the headers are not copied, since no caller reads them.
pub(crate) async fn decode_answer<T: DeserializeOwned>(
    response: reqwest::Response,
) -> Result<ResponseValue<T>, Error<()>> {
    let status = response.status();
    let body = response.bytes().await.map_err(Error::ResponseBodyError)?;
    let decoded = match std::str::from_utf8(&body) {
        Ok(text) => serde_json::from_str(text),
        // Not UTF-8: let serde_json say where.
        Err(_) => serde_json::from_slice(&body),
    };
    match decoded {
        Ok(inner) => Ok(ResponseValue::new(inner, status, HeaderMap::new())),
        Err(error) => Err(Error::InvalidResponsePayload(body, error)),
    }
}
