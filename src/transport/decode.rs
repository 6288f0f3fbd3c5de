//! Decoding a success answer, as fast as the JSON allows.

use progenitor_client::{Error, ResponseValue};
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

/// Replaces progenitor's `ResponseValue::from_response` in every generated
/// `send_raw()` (see `codegen/builders.rs`): decoded with
/// `crate::error::decode_json`, and without copying the headers, which no
/// caller reads.
pub(crate) async fn decode_answer<T: DeserializeOwned>(
    response: reqwest::Response,
) -> Result<ResponseValue<T>, Error<()>> {
    let status = response.status();
    let body = response.bytes().await.map_err(Error::ResponseBodyError)?;
    match crate::error::decode_json(&body) {
        Ok(inner) => Ok(ResponseValue::new(inner, status, HeaderMap::new())),
        Err(error) => Err(Error::InvalidResponsePayload(body, error)),
    }
}
