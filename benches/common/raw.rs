//! What a careful hand-written client would do, for the side-by-side
//! benchmarks: one `reqwest::Client` built like the SDK's, the
//! Authorization value built once, the same headers and query strings as
//! the SDK, and the same decode (one UTF-8 check, then `from_str`).

use super::{APP, DEVICE, HYPERMEDIA, TOKEN};
use losant_device::types;
use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What the SDK's client builder uses unless told otherwise.
const USER_AGENT: &str = concat!("losant-device/", env!("CARGO_PKG_VERSION"));
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub struct Raw {
    http: reqwest::Client,
    base_url: String,
    state_url: String,
    authorization: HeaderValue,
}

#[derive(serde::Deserialize)]
pub struct RawSuccess {
    #[allow(dead_code)]
    success: Option<bool>,
}

impl Raw {
    pub fn new(base_url: &str) -> Raw {
        // reqwest is built without a crypto provider (the SDK passes ring
        // to its client explicitly); loopback HTTP never uses it.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .expect("reqwest client");
        let mut authorization =
            HeaderValue::from_str(&format!("Bearer {TOKEN}")).expect("header value");
        authorization.set_sensitive(true);
        Raw {
            http,
            base_url: base_url.to_string(),
            state_url: format!("{base_url}/applications/{APP}/devices/{DEVICE}/state?{HYPERMEDIA}"),
            authorization,
        }
    }

    fn request(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, url)
            .header(AUTHORIZATION, self.authorization.clone())
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .header("accept-version", HeaderValue::from_static("^1.30.0"))
    }

    pub async fn send_state(&self, temp: f64) -> reqwest::Result<RawSuccess> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("time after 1970")
            .as_millis() as i64;
        self.request(reqwest::Method::POST, &self.state_url)
            .json(&serde_json::json!({"data": {"temp": temp}, "time": now}))
            .send()
            .await?
            .error_for_status()?
            .json::<RawSuccess>()
            .await
    }

    /// One page of `GET …/devices`, decoded into the SDK's own type.
    pub async fn devices_page(&self, per_page: u64, page: u64) -> types::Devices {
        let url = format!(
            "{}/applications/{APP}/devices?{HYPERMEDIA}&page={page}&perPage={per_page}",
            self.base_url
        );
        let body = self
            .request(reqwest::Method::GET, &url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .expect("raw devices.get")
            .bytes()
            .await
            .expect("raw page body");
        let text = std::str::from_utf8(&body).expect("UTF-8 page");
        serde_json::from_str(text).expect("raw page decode")
    }
}
