//! Losant's advanced device query.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// An advanced device query, sent as a JSON object in request bodies and as
/// compact JSON text in the `query` parameter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DeviceQuery(Map<String, Value>);

impl DeviceQuery {
    /// Wraps a query written as raw JSON. Losant validates it.
    pub fn raw(query: Map<String, Value>) -> Self {
        Self(query)
    }

    /// The query as a JSON object.
    pub fn as_json(&self) -> &Map<String, Value> {
        &self.0
    }
}
