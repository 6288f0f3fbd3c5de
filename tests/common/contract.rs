//! The table of a contract test. A [`Case`] is one exchange as Losant has
//! it on the wire, written out literally (request line with the raw query,
//! the headers that differ from [`STANDARD_HEADERS`], the request body, the
//! answer), with the SDK call that should produce it and a check of what the
//! SDK decoded. [`run`] plays every case against its own mock server and
//! fails naming each case that went wrong, so one bad case hides no other.
#![allow(dead_code)]

use crate::common::{client, raw_query};
use futures::future::BoxFuture;
use futures::FutureExt;
use httpmock::{HttpMockRequest, Mock, MockServer};
use losant_device::{types, Client, DeviceQuery, Error};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::BTreeMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;

/// The headers Losant's official clients send on every request, `None`
/// where the header must be absent.
pub const STANDARD_HEADERS: &[(&str, Option<&str>)] = &[
    ("authorization", Some("Bearer test-token-3f9a")),
    ("accept", Some("application/json")),
    ("accept-version", Some("^1.30.0")),
    ("api-version", None),
    ("losantdomain", None),
];

/// One request as Losant expects it, and the answer it gives.
pub struct Wire {
    /// The method and target of the request line, `GET /a/b?c=d`: the
    /// path, and the raw query string byte for byte (none without a `?`).
    pub request: &'static str,
    /// Headers that differ from [`STANDARD_HEADERS`] or come on top of them,
    /// `None` where the header must be absent.
    pub headers: &'static [(&'static str, Option<&'static str>)],
    pub body: Body,
    /// The status of the answer.
    pub status: u16,
    pub answer: Answer,
}

/// The request body a case expects. Its JSON is also the caller's input,
/// see [`Input::body`].
pub enum Body {
    /// No body at all.
    None,
    /// JSON equal to this (object keys in any order).
    Json(Value),
    /// JSON equal to this with numbers compared by value, for bodies the API
    /// types as `number`: `0` and `0.0` are one number to RFC 8259 and to
    /// Losant's parser.
    Numbers(Value),
    /// Exactly this text.
    Exact(&'static str),
}

impl Body {
    fn json(&self) -> Option<Value> {
        match self {
            Body::None => None,
            Body::Json(value) | Body::Numbers(value) => Some(value.clone()),
            Body::Exact(text) => serde_json::from_str(text).ok(),
        }
    }
}

/// The body of the mock server's answer.
pub enum Answer {
    /// `application/json`.
    Json(Value),
    /// `text/event-stream`.
    EventStream(&'static str),
}

pub struct Case {
    /// What the case shows; failures name it.
    pub name: &'static str,
    pub wire: Wire,
    pub call: Call,
}

/// What a call is given besides a client of the mock server (which has the
/// test token and retries off).
pub struct Input {
    /// For calls that build their own client.
    pub base_url: String,
    body: Option<Value>,
}

impl Input {
    /// The case's request body as the typed value a caller would build from
    /// that JSON: what goes in is what must come out on the wire.
    pub fn body<T: DeserializeOwned>(&self) -> T {
        let json = self.body.clone().expect("this case has a JSON body");
        typed(json)
    }
}

/// A typed value described as JSON, the way a caller might build it.
pub fn typed<T: DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("the JSON describes a valid value of the type")
}

pub type Call = Box<dyn FnOnce(Client, Input) -> BoxFuture<'static, Result<(), Error>> + Send>;

/// The SDK call of a case, with its checks of what came back; an error it
/// passes on with `?` fails the case.
pub fn call<F>(call: impl FnOnce(Client, Input) -> F + Send + 'static) -> Call
where
    F: Future<Output = Result<(), Error>> + Send + 'static,
{
    Box::new(move |client, input| call(client, input).boxed())
}

/// Plays every case; fails listing each one that went wrong.
pub async fn run(cases: Vec<Case>) {
    let mut names: Vec<&str> = cases.iter().map(|case| case.name).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(names.len(), before, "two cases share a name");
    assert!(before > 0, "an empty table tests nothing");

    let mut failures = Vec::new();
    for case in cases {
        let name = case.name;
        if let Err(panic) = AssertUnwindSafe(run_one(case)).catch_unwind().await {
            let text = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!("{name}: {text}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {before} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

async fn run_one(case: Case) {
    let server = MockServer::start_async().await;
    let mock = mock(&server, &case.wire).await;
    let input = Input {
        base_url: server.base_url(),
        body: case.wire.body.json(),
    };
    let outcome = AssertUnwindSafe((case.call)(client(&server), input))
        .catch_unwind()
        .await;
    // The wire first: a request that matches nothing also fails the call or
    // its checks, and httpmock's report of the closest mismatch says why.
    mock.assert_async().await;
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(error)) => panic!("the call failed: {error:?}"),
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Mocks `wire` on `server`: a request matching all of it gets the answer.
pub async fn mock<'a>(server: &'a MockServer, wire: &Wire) -> Mock<'a> {
    let mut headers: BTreeMap<&str, Option<&str>> = STANDARD_HEADERS.iter().copied().collect();
    headers.extend(wire.headers.iter().copied());
    server
        .mock_async(|when, then| {
            let (method, target) = wire
                .request
                .split_once(' ')
                .expect("a request line is a method and a target");
            let (path, query) = target.split_once('?').unwrap_or((target, ""));
            let mut when = when.method(method).path(path).is_true(raw_query(query));
            for (name, value) in headers {
                when = match value {
                    Some(value) => when.header(name, value),
                    None => when.header_missing(name),
                };
            }
            match &wire.body {
                Body::None => when.is_true(no_body),
                Body::Json(value) => when.json_body(value.clone()),
                Body::Numbers(value) => when.is_true(same_numbers(value.clone())),
                Body::Exact(text) => {
                    let text: &'static str = text;
                    when.is_true(move |request| request.body_ref() == text.as_bytes())
                }
            };
            let then = then.status(wire.status);
            match &wire.answer {
                Answer::Json(value) => then.json_body(value.clone()),
                Answer::EventStream(text) => {
                    then.header("content-type", "text/event-stream").body(text)
                }
            };
        })
        .await
}

/// Matches a request that carries no body at all.
fn no_body(request: &HttpMockRequest) -> bool {
    request.body_ref().is_empty()
}

/// Matches a JSON body equal to `expected`, numbers compared by value; prints
/// the body on a mismatch, since httpmock shows no diff for a custom matcher.
fn same_numbers(expected: Value) -> impl Fn(&HttpMockRequest) -> bool + Send + Sync {
    fn same(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
            (Value::Array(x), Value::Array(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
            }
            (Value::Object(x), Value::Object(y)) => {
                x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
            }
            _ => a == b,
        }
    }
    move |request| {
        let matched = serde_json::from_slice::<Value>(request.body_ref())
            .is_ok_and(|body| same(&body, &expected));
        if !matched {
            eprintln!(
                "body {:?} is not JSON equal to {expected}",
                String::from_utf8_lossy(request.body_ref())
            );
        }
        matched
    }
}

/// `base` with the top-level fields of `fields` set (an answer that differs
/// from a fixture in a few fields).
pub fn with(mut base: Value, fields: Value) -> Value {
    match (base.as_object_mut(), fields) {
        (Some(object), Value::Object(fields)) => object.extend(fields),
        (_, fields) => panic!("`with` sets the fields of an object on an object, not {fields}"),
    }
    base
}

/// An advanced query given as JSON.
pub fn device_query(value: Value) -> DeviceQuery {
    match value {
        Value::Object(map) => DeviceQuery::raw(map),
        other => panic!("a device query is a JSON object, not {other}"),
    }
}

/// Asserts `error` is `Error::Api` with this status, kind and message.
pub fn assert_api_error(error: Error, status: u16, kind: &str, message: &str) {
    match error {
        Error::Api {
            status: got_status,
            kind: got_kind,
            message: got_message,
        } => {
            assert_eq!(got_status.as_u16(), status);
            assert_eq!(got_kind.as_ref().map(|k| k.as_str()), Some(kind));
            assert_eq!(got_message, message);
        }
        other => panic!("expected Error::Api, got {other:?}"),
    }
}

/// The job id of [`job_json`].
pub const JOB_ID: &str = "a1B2c3D4e5F6g7H8i9J0k";

/// What Losant answers (HTTP 202) when work goes to a background job.
pub fn job_json() -> Value {
    serde_json::json!({"jobQueued": true, "jobId": JOB_ID, "success": true, "futureField": 1})
}

pub fn assert_job(job: &types::JobEnqueuedResult) {
    assert!(job.job_queued);
    assert_eq!(job.job_id.as_deref(), Some("a1B2c3D4e5F6g7H8i9J0k"));
    assert_eq!(job.success, Some(true));
}

/// Tags as a map, the way `tagsAsObject=true` answers them.
pub fn tag_map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
