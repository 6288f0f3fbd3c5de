//! Shared pieces of the benchmarks: a fast loopback HTTP/1.1 server (hyper,
//! fixed answers, its own thread and tokio runtime), realistic device JSON,
//! and small statistics helpers.
#![allow(dead_code)]

pub mod raw;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

pub const TOKEN: &str = "bench-token-3f9a";
pub const APP: &str = "575ec8687ae143cd83dc4a97";
pub const DEVICE: &str = "575ecf887ae143cd83dc4aa2";
/// What the SDK sends first on every request but event streams.
pub const HYPERMEDIA: &str = "_actions=false&_links=true&_embedded=true";
/// How many runs each figure is the median of.
pub const RUNS: usize = 5;
/// Devices per page in the pagination benchmark.
pub const PAGE_SIZE: u64 = 100;

/// One request as the server saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    pub method: String,
    pub uri: String,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

struct Shared {
    /// `totalCount` the device list reports; pages past it are empty.
    total: AtomicU64,
    /// Records the next request into `seen` when set.
    capture: AtomicBool,
    seen: Mutex<Option<Seen>>,
    /// `"items":[…]` of one page of `PAGE_SIZE` devices, shared by the even
    /// pages and by the odd ones: consecutive pages must differ, or the
    /// SDK's loop guard stops the stream as a server that ignores `page`.
    items: [Bytes; 2],
    success: Bytes,
    /// Connections accepted so far: a client that churns connections pays
    /// (and makes the server pay) for handshakes the other side does not.
    accepted: AtomicU64,
}

/// A loopback server answering `POST …/state` with `{"success":true}` and
/// `GET …/devices?page=N` with page N of `total` devices.
pub struct Server {
    pub base_url: String,
    /// CPU clocks of the server's threads.
    pub cpu: CpuClocks,
    shared: Arc<Shared>,
}

impl Server {
    /// Starts the server on its own thread with a `workers`-thread runtime.
    pub fn start(workers: usize) -> Server {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let address = listener.local_addr().expect("local address");
        let shared = Arc::new(Shared {
            total: AtomicU64::new(0),
            capture: AtomicBool::new(false),
            seen: Mutex::new(None),
            items: [0, 1].map(|half| {
                Bytes::from(items_json_from(
                    half * PAGE_SIZE as usize,
                    PAGE_SIZE as usize,
                ))
            }),
            success: Bytes::from_static(br#"{"success":true}"#),
            accepted: AtomicU64::new(0),
        });
        let state = shared.clone();
        let cpu = CpuClocks::default();
        let clocks = cpu.clone();
        std::thread::Builder::new()
            .name("bench-server".into())
            .spawn(move || {
                clocks.register_current_thread();
                let on_start = clocks.clone();
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(workers)
                    .thread_name("bench-server-worker")
                    .on_thread_start(move || on_start.register_current_thread())
                    .enable_all()
                    .build()
                    .expect("server runtime");
                runtime.block_on(serve(listener, state));
            })
            .expect("server thread");
        Server {
            base_url: format!("http://{address}"),
            cpu,
            shared,
        }
    }

    /// Sets the `totalCount` of the device list.
    pub fn set_total(&self, total: u64) {
        self.shared.total.store(total, Ordering::SeqCst);
    }

    /// Records the next request; read it with [`Server::take_seen`].
    pub fn capture_next(&self) {
        *self.shared.seen.lock().unwrap() = None;
        self.shared.capture.store(true, Ordering::SeqCst);
    }

    pub fn take_seen(&self) -> Option<Seen> {
        self.shared.seen.lock().unwrap().take()
    }

    /// Connections accepted since the server started.
    pub fn connections(&self) -> u64 {
        self.shared.accepted.load(Ordering::Relaxed)
    }
}

async fn serve(listener: std::net::TcpListener, shared: Arc<Shared>) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        shared.accepted.fetch_add(1, Ordering::Relaxed);
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let shared = shared.clone();
                async move { Ok::<_, Infallible>(answer(request, &shared).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn answer(request: Request<Incoming>, shared: &Shared) -> Response<Chunks> {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let page = request.uri().query().and_then(|query| {
        query
            .split('&')
            .find_map(|pair| pair.strip_prefix("page="))
            .and_then(|n| n.parse::<u64>().ok())
    });
    let capture = shared.capture.swap(false, Ordering::SeqCst);
    let seen_head = capture.then(|| {
        let mut headers: Vec<(String, String)> = request
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_string(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        headers.sort();
        (request.uri().to_string(), headers)
    });
    // Read the whole request body, as a real server would.
    let body = match request.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return status(StatusCode::BAD_REQUEST),
    };
    if let Some((uri, headers)) = seen_head {
        *shared.seen.lock().unwrap() = Some(Seen {
            method: method.to_string(),
            uri,
            headers,
            body,
        });
    }

    if method == Method::POST && path.ends_with("/state") {
        json(vec![shared.success.clone()])
    } else if method == Method::GET && path.ends_with("/devices") {
        let page = page.unwrap_or(0);
        let total = shared.total.load(Ordering::SeqCst);
        let items = if (page + 1) * PAGE_SIZE <= total {
            shared.items[(page % 2) as usize].clone()
        } else {
            Bytes::from_static(br#""items":[]"#)
        };
        let head = format!(
            r#"{{"count":{count},"totalCount":{total},"perPage":{PAGE_SIZE},"page":{page},"sortField":"name","sortDirection":"asc","applicationId":"{APP}","_type":"devices","_links":{{"application":{{"href":"/applications/{APP}"}},"self":{{"href":"/applications/{APP}/devices"}}}},"#,
            count = if items.len() > 12 { PAGE_SIZE } else { 0 },
        );
        json(vec![Bytes::from(head), items, Bytes::from_static(b"}")])
    } else {
        status(StatusCode::NOT_FOUND)
    }
}

fn json(chunks: Vec<Bytes>) -> Response<Chunks> {
    let mut response = Response::new(Chunks::new(chunks));
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

fn status(code: StatusCode) -> Response<Chunks> {
    let mut response = json(vec![Bytes::from_static(
        br#"{"type":"NotFound","message":"no such route"}"#,
    )]);
    *response.status_mut() = code;
    response
}

/// A response body sent as a few shared chunks with an exact length, so the
/// server copies nothing and allocates little per request.
pub struct Chunks {
    chunks: VecDeque<Bytes>,
    remaining: u64,
}

impl Chunks {
    fn new(chunks: Vec<Bytes>) -> Self {
        let remaining = chunks.iter().map(|chunk| chunk.len() as u64).sum();
        Chunks {
            chunks: chunks.into(),
            remaining,
        }
    }
}

impl Body for Chunks {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let next = self.chunks.pop_front();
        if let Some(chunk) = &next {
            self.remaining -= chunk.len() as u64;
        }
        Poll::Ready(next.map(|chunk| Ok(Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        self.chunks.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

/// One realistic device: the device of the tests
/// (`tests/fixtures/device.json`) with a second tag and attribute, and a
/// distinct id, name and link per `index`.
pub fn device_json(index: usize) -> serde_json::Value {
    let id = format!("575ecf887ae143cd{index:08x}");
    let mut device: serde_json::Value =
        serde_json::from_str(include_str!("../../tests/fixtures/device.json"))
            .expect("the device fixture is JSON");
    device["id"] = id.clone().into();
    device["deviceId"] = id.clone().into();
    device["name"] = format!("My Device {index}").into();
    device["_links"]["self"]["href"] = format!("/applications/{APP}/devices/{id}").into();
    push(
        &mut device["tags"],
        serde_json::json!({"key": "floor", "value": "8"}),
    );
    push(
        &mut device["attributes"],
        serde_json::json!({"name": "door", "dataType": "string", "contentType": "", "attributeTags": {}}),
    );
    device
}

fn push(list: &mut serde_json::Value, item: serde_json::Value) {
    list.as_array_mut()
        .expect("the device fixture has this list")
        .push(item);
}

/// `"items":[…]` with `count` devices.
pub fn items_json(count: usize) -> Vec<u8> {
    items_json_from(0, count)
}

/// `"items":[…]` with `count` devices, numbered from `first`.
fn items_json_from(first: usize, count: usize) -> Vec<u8> {
    let items: Vec<serde_json::Value> = (first..first + count).map(device_json).collect();
    let mut out = br#""items":"#.to_vec();
    serde_json::to_writer(&mut out, &items).expect("serialize items");
    out
}

/// A whole page of `count` devices, as Losant answers `GET …/devices`.
pub fn page_json(count: usize) -> Vec<u8> {
    let mut out = format!(
        r#"{{"count":{count},"totalCount":{count},"perPage":{count},"page":0,"sortField":"name","sortDirection":"asc","applicationId":"{APP}","_type":"devices","_links":{{"self":{{"href":"/applications/{APP}/devices"}}}},"#
    )
    .into_bytes();
    out.extend(items_json(count));
    out.push(b'}');
    out
}

/// The CPU-time clocks of a set of threads (`pthread_getcpuclockid`), to
/// tell the client's CPU use from the server's in the same process.
#[derive(Clone, Default)]
pub struct CpuClocks(Arc<Mutex<Vec<libc::clockid_t>>>);

impl CpuClocks {
    /// Adds the calling thread; it must outlive every later [`CpuClocks::total`].
    pub fn register_current_thread(&self) {
        let mut clock: libc::clockid_t = 0;
        // SAFETY: pthread_self() is the live calling thread; `clock` is a valid out-pointer.
        let status = unsafe { libc::pthread_getcpuclockid(libc::pthread_self(), &mut clock) };
        assert_eq!(status, 0, "pthread_getcpuclockid");
        self.0.lock().unwrap().push(clock);
    }

    /// CPU time used so far by all registered threads.
    pub fn total(&self) -> Duration {
        self.0
            .lock()
            .unwrap()
            .iter()
            .map(|&clock| {
                let mut time = libc::timespec {
                    tv_sec: 0,
                    tv_nsec: 0,
                };
                // SAFETY: `clock` belongs to a registered, still-running thread.
                unsafe { libc::clock_gettime(clock, &mut time) };
                Duration::new(time.tv_sec as u64, time.tv_nsec as u32)
            })
            .sum()
    }
}

/// The median of `values` (the mean of the middle two for an even count).
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let middle = sorted.len() / 2;
    if sorted.len().is_multiple_of(2) {
        (sorted[middle - 1] + sorted[middle]) / 2.0
    } else {
        sorted[middle]
    }
}

/// `values` as `[a, b, …]` with `decimals` decimals.
pub fn list(values: &[f64], decimals: usize) -> String {
    let items: Vec<String> = values.iter().map(|v| format!("{v:.decimals$}")).collect();
    format!("[{}]", items.join(", "))
}

/// Prints the machine load, so a noisy run is visible in the output.
pub fn print_load() {
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!("load average at start: {}", load.trim());
    }
}

/// Gives other threads a moment (e.g. the server's accept loop) to settle.
pub fn settle() {
    std::thread::sleep(Duration::from_millis(50));
}
