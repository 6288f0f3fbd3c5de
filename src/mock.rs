//! Typed [httpmock] expectations per operation, for testing code that uses
//! this crate (the `mock` feature).
//!
//! [`MockServerExt`] adds one method per operation to
//! [`httpmock::MockServer`], named like the [`Client`](crate::Client)
//! method. Its closure receives that operation's typed
//! [`operations`]`::<Operation>When` (the method and path are already set;
//! one setter per parameter, matching what this SDK sends on the wire) and
//! `<Operation>Then` (one method per success status taking the typed answer,
//! plus `losant_error` for Losant's error body). `into_inner()` on either
//! gives httpmock's own `When`/`Then` for anything else.
//!
//! ```
//! use losant_device::mock::MockServerExt;
//! use losant_device::types::{Device, DeviceState, Success};
//! use losant_device::Client;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = httpmock::MockServer::start_async().await;
//! let app = "575ec8687ae143cd83dc4a97".parse()?;
//! let id = "575ecf887ae143cd83dc4aa2".parse()?;
//!
//! let state = DeviceState::at(1_700_000_000_000i64).with("temp", 21.5);
//! let body = losant_device::DeviceStateOrStates::try_from(state.clone())?;
//! let ok: Success = Success::builder().success(true).try_into()?;
//! let report = server.send_device_state(|when, then| {
//!     when.application_id(&app)
//!         .device_id(&id)
//!         .body(&body);
//!     then.ok(&ok);
//! });
//! let missing = server.get_device(|when, then| {
//!     when.application_id(&app).device_id(&id);
//!     then.losant_error(404, "NotFound", "Device was not found");
//! });
//!
//! // The code under test.
//! let client = Client::builder().base_url(server.base_url()).build()?;
//! let device = client.application(app.clone()).device(id.clone());
//! device.send_state(state).await?;
//! let error = device.get().await.unwrap_err();
//! assert_eq!(error.status().map(|s| s.as_u16()), Some(404));
//!
//! report.assert_async().await;
//! missing.assert_async().await;
//! # let _: Option<Device> = None;
//! # Ok(()) }
//! ```
//!
//! Paths are matched with patterns: set the ids (`application_id`,
//! `device_id`, …) so that an operation on `devices/{deviceId}` does not also
//! catch `devices/compositeState`. A query setter given `None` expects the
//! parameter to be absent, except for the hypermedia switches (`actions`,
//! `links`, `embedded`), which every request carries: there `None` expects
//! the SDK's default. The extension methods register mocks synchronously;
//! they work inside async tests too.
//!
//! [httpmock]: https://docs.rs/httpmock

#[allow(
    missing_docs,
    clippy::all,
    rustdoc::all,
    unused_imports,
    dead_code,
    unreachable_patterns
)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/mock.rs"));
}

pub use generated::{operations, MockServerExt};

/// Helpers the generated code calls.
pub(crate) mod support {
    use crate::wire::{flatten, QueryStyle, HYPERMEDIA_DEFAULTS};
    use httpmock::{HttpMockRequest, Then, When};
    use serde::Serialize;
    use serde_json::Value;

    /// The decoded query pairs of `request`, in order.
    fn query_pairs(request: &HttpMockRequest) -> Vec<(String, String)> {
        let uri = request.uri();
        let query = uri.query().unwrap_or("");
        match reqwest::Url::parse(&format!("http://mock.invalid/?{query}")) {
            Ok(url) => url
                .query_pairs()
                .map(|(name, value)| (name.into_owned(), value.into_owned()))
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// Whether `key` belongs to parameter `name` (itself or a bracket).
    fn belongs_to(key: &str, name: &str) -> bool {
        key == name
            || key
                .strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('['))
    }

    /// Scalar JSON as query text; anything else as compact JSON text.
    fn as_text(value: &Value) -> String {
        match value {
            Value::String(text) => text.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        }
    }

    /// Expects parameter `name` to carry `value` the way the SDK encodes
    /// a parameter of `style`.
    pub(crate) fn query_param<T: Serialize + ?Sized>(
        when: When,
        name: &'static str,
        style: QueryStyle,
        value: &T,
    ) -> When {
        let value = serde_json::to_value(value).unwrap_or(Value::Null);
        match style {
            QueryStyle::Plain => when.query_param(name, as_text(&value)),
            QueryStyle::JsonText => {
                // `crate::wire::Json` serializes as its JSON text; compare
                // it as JSON so key order and spacing do not matter.
                let expected = match &value {
                    Value::String(text) => serde_json::from_str(text).unwrap_or(value),
                    _ => value,
                };
                when.is_true(move |request| {
                    let found: Vec<Value> = query_pairs(request)
                        .into_iter()
                        .filter(|(key, _)| key == name)
                        .filter_map(|(_, text)| serde_json::from_str(&text).ok())
                        .collect();
                    found == [expected.clone()]
                })
            }
            QueryStyle::Indexed => {
                let structured = match &value {
                    Value::String(text) => serde_json::from_str(text).unwrap_or(value),
                    _ => value,
                };
                let mut expected = Vec::new();
                flatten(name.to_string(), &structured, &mut expected);
                when.is_true(move |request| {
                    let found: Vec<(String, String)> = query_pairs(request)
                        .into_iter()
                        .filter(|(key, _)| belongs_to(key, name))
                        .collect();
                    found == expected
                })
            }
        }
    }

    /// Expects parameter `name` to be absent (for a hypermedia switch: to
    /// carry the SDK's default).
    pub(crate) fn query_param_missing(when: When, name: &'static str) -> When {
        if let Some((_, default)) = HYPERMEDIA_DEFAULTS.iter().find(|(n, _)| *n == name) {
            return when.query_param(name, *default);
        }
        when.is_true(move |request| {
            !query_pairs(request)
                .iter()
                .any(|(key, _)| belongs_to(key, name))
        })
    }

    /// The JSON an answer type is sent as.
    pub(crate) trait AnswerJson {
        fn answer_json(&self) -> Value;
    }

    impl<T: Serialize + ?Sized> AnswerJson for T {
        fn answer_json(&self) -> Value {
            serde_json::to_value(self).unwrap_or(Value::Null)
        }
    }

    /// Deserialize-only (its token is a secret), so written out here.
    impl AnswerJson for crate::auth::AuthedDevice {
        fn answer_json(&self) -> Value {
            use secrecy::ExposeSecret;
            serde_json::json!({
                "applicationId": self.application_id,
                "deviceId": self.device_id,
                "deviceClass": self.device_class,
                "token": self.token.expose_secret(),
                "ownerType": self.owner_type,
                "filterType": self.filter_type,
                "pubTopics": self.pub_topics,
                "subTopics": self.sub_topics,
            })
        }
    }

    /// Answers with `status` and Losant's error body.
    pub(crate) fn losant_error(then: Then, status: u16, kind: &str, message: &str) -> Then {
        then.status(status)
            .header("content-type", "application/json")
            .json_body(serde_json::json!({ "type": kind, "message": message }))
    }
}
