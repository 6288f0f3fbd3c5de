//! `sendState` throughput: the SDK against a hand-written `reqwest` call
//! sending the same request (same reqwest build and settings, same headers,
//! query string and JSON body), one at a time and 32 at a time, against a
//! loopback hyper server. Run with `cargo bench --bench send_state`.

mod common;

use common::raw::Raw;
use common::{list, median, CpuClocks, Server, APP, DEVICE, RUNS, TOKEN};
use losant_device::types::DeviceState;
use losant_device::{Client, DeviceHandle, RetryPolicy};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Requests per sequential run.
const SEQUENTIAL: usize = 20_000;
/// Requests per concurrent run.
const CONCURRENT: usize = 50_000;
const TASKS: usize = 32;
/// The SDK with its defaults: standard retry policy, 30 s request timeout.
fn sdk_client(base_url: &str) -> Client {
    Client::builder()
        .base_url(base_url)
        .token(TOKEN)
        .retry_policy(RetryPolicy::standard())
        .build()
        .expect("SDK client")
}

/// The device handle, built once as a program would hold it.
fn device(client: &Client) -> DeviceHandle<'_> {
    client
        .application(APP.parse().expect("application id"))
        .device(DEVICE.parse().expect("device id"))
}

async fn sdk_send(device: &DeviceHandle<'_>) {
    device
        .send_state(DeviceState::now().with("temp", 21.5))
        .await
        .expect("SDK sendState");
}

async fn raw_send(raw: &Raw) {
    raw.send_state(21.5).await.expect("raw sendState");
}

/// Sends one request each way and checks the server saw the same request
/// (bar the state's timestamp), so the comparison is fair.
fn check_same_request(server: &Server, runtime: &tokio::runtime::Runtime, sdk: &Client, raw: &Raw) {
    server.capture_next();
    runtime.block_on(sdk_send(&device(sdk)));
    let from_sdk = server.take_seen().expect("the SDK's request");
    server.capture_next();
    runtime.block_on(raw_send(raw));
    let from_raw = server.take_seen().expect("the raw request");

    let untimed = |body: &[u8]| {
        let mut value: serde_json::Value = serde_json::from_slice(body).expect("JSON body");
        value.as_object_mut().expect("object body").remove("time");
        value
    };
    println!("request sent by both: {} {}", from_sdk.method, from_sdk.uri);
    for (name, value) in &from_sdk.headers {
        println!("  {name}: {value}");
    }
    println!("  body: {}", String::from_utf8_lossy(&from_sdk.body));
    // Awaiting the builder boxes this future: under load, a box larger
    // than glibc's per-thread cache (blocks up to 1,032 bytes) takes the
    // arena's lock.
    let handle = device(sdk);
    let call = handle
        .send_state(DeviceState::now().with("temp", 21.5))
        .send();
    println!(
        "  SDK call in flight: {} bytes",
        std::mem::size_of_val(&call)
    );
    assert_eq!(from_sdk.method, from_raw.method, "same method");
    assert_eq!(from_sdk.uri, from_raw.uri, "same path and query string");
    assert_eq!(from_sdk.headers, from_raw.headers, "same headers");
    assert_eq!(
        untimed(&from_sdk.body),
        untimed(&from_raw.body),
        "same body"
    );
}

/// One timed run: throughput and CPU time per request on each side.
#[derive(Clone, Copy)]
struct Sample {
    rate: f64,
    client_us: f64,
    server_us: f64,
    connections: u64,
}

/// Times `n` requests made by `work`, with the client's and the server's
/// CPU time.
fn timed(server: &Server, client_cpu: &CpuClocks, n: usize, work: impl FnOnce()) -> Sample {
    let (client0, server0) = (client_cpu.total(), server.cpu.total());
    let connections0 = server.connections();
    let start = Instant::now();
    work();
    let elapsed = start.elapsed().as_secs_f64();
    let per_request = |d: Duration| d.as_secs_f64() * 1e6 / n as f64;
    Sample {
        rate: n as f64 / elapsed,
        client_us: per_request(client_cpu.total() - client0),
        server_us: per_request(server.cpu.total() - server0),
        connections: server.connections() - connections0,
    }
}

/// Warms up, then alternates SDK and raw runs `RUNS` times.
fn compare(label: &str, mut sdk: impl FnMut() -> Sample, mut raw: impl FnMut() -> Sample) {
    sdk();
    raw();
    let (mut sdk_samples, mut raw_samples) = (Vec::new(), Vec::new());
    for run in 0..RUNS {
        // Alternate the order so drift in machine load hits both alike.
        if run % 2 == 0 {
            sdk_samples.push(sdk());
            raw_samples.push(raw());
        } else {
            raw_samples.push(raw());
            sdk_samples.push(sdk());
        }
    }
    report(label, &sdk_samples, &raw_samples);
}

fn sequential(server: &Server) {
    println!("\n== sequential sendState ({SEQUENTIAL} requests per run, {RUNS} runs, one connection, current-thread runtime)");
    let client_cpu = CpuClocks::default();
    client_cpu.register_current_thread();
    let on_start = client_cpu.clone();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .on_thread_start(move || on_start.register_current_thread())
        .enable_all()
        .build()
        .expect("client runtime");
    let sdk = sdk_client(&server.base_url);
    let raw = Raw::new(&server.base_url);
    check_same_request(server, &runtime, &sdk, &raw);
    let handle = device(&sdk);

    compare(
        "sequential",
        || {
            timed(server, &client_cpu, SEQUENTIAL, || {
                runtime.block_on(async {
                    for _ in 0..SEQUENTIAL {
                        sdk_send(&handle).await;
                    }
                })
            })
        },
        || {
            timed(server, &client_cpu, SEQUENTIAL, || {
                runtime.block_on(async {
                    for _ in 0..SEQUENTIAL {
                        raw_send(&raw).await;
                    }
                })
            })
        },
    );
}

fn concurrent(server: &Server) {
    println!("\n== {TASKS} concurrent sendState ({CONCURRENT} requests per run, {RUNS} runs, 2-worker runtime)");
    let client_cpu = CpuClocks::default();
    client_cpu.register_current_thread();
    let on_start = client_cpu.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .on_thread_start(move || on_start.register_current_thread())
        .enable_all()
        .build()
        .expect("client runtime");
    let sdk = sdk_client(&server.base_url);
    let raw = Raw::new(&server.base_url);

    let run_sdk = || {
        runtime.block_on(async {
            let next = Arc::new(AtomicUsize::new(0));
            let tasks: Vec<_> = (0..TASKS)
                .map(|_| {
                    let (client, next) = (sdk.clone(), next.clone());
                    tokio::spawn(async move {
                        let handle = device(&client);
                        while next.fetch_add(1, Ordering::Relaxed) < CONCURRENT {
                            sdk_send(&handle).await;
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.expect("task");
            }
        })
    };
    let run_raw = || {
        runtime.block_on(async {
            let next = Arc::new(AtomicUsize::new(0));
            let tasks: Vec<_> = (0..TASKS)
                .map(|_| {
                    let (raw, next) = (raw.clone(), next.clone());
                    tokio::spawn(async move {
                        while next.fetch_add(1, Ordering::Relaxed) < CONCURRENT {
                            raw_send(&raw).await;
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.expect("task");
            }
        })
    };
    compare(
        "concurrent",
        || timed(server, &client_cpu, CONCURRENT, run_sdk),
        || timed(server, &client_cpu, CONCURRENT, run_raw),
    );
}

fn report(label: &str, sdk: &[Sample], raw: &[Sample]) {
    let field =
        |samples: &[Sample], f: fn(&Sample) -> f64| -> Vec<f64> { samples.iter().map(f).collect() };
    let (sdk_rate, raw_rate) = (field(sdk, |s| s.rate), field(raw, |s| s.rate));
    let ratios: Vec<f64> = sdk_rate.iter().zip(&raw_rate).map(|(s, r)| s / r).collect();
    println!(
        "SDK requests/s:   median {:>8.0}  runs {}",
        median(&sdk_rate),
        list(&sdk_rate, 0)
    );
    println!(
        "raw requests/s:   median {:>8.0}  runs {}",
        median(&raw_rate),
        list(&raw_rate, 0)
    );
    println!(
        "SDK / raw:        median {:>8.3}  runs {}  (ratio of medians {:.3})",
        median(&ratios),
        list(&ratios, 3),
        median(&sdk_rate) / median(&raw_rate)
    );
    let (sdk_client, raw_client) = (field(sdk, |s| s.client_us), field(raw, |s| s.client_us));
    let (sdk_server, raw_server) = (field(sdk, |s| s.server_us), field(raw, |s| s.server_us));
    println!(
        "client CPU per request: SDK {:.1} µs {}, raw {:.1} µs {}, SDK extra {:.1} µs",
        median(&sdk_client),
        list(&sdk_client, 1),
        median(&raw_client),
        list(&raw_client, 1),
        median(&sdk_client) - median(&raw_client)
    );
    println!(
        "server CPU per request: SDK run {:.1} µs, raw run {:.1} µs",
        median(&sdk_server),
        median(&raw_server)
    );
    let connections = |s: &Sample| s.connections as f64;
    println!(
        "connections opened per run: SDK {}, raw {}",
        list(&field(sdk, connections), 0),
        list(&field(raw, connections), 0)
    );
    println!(
        "wall time per request:  SDK {:.1} µs, raw {:.1} µs ({label})",
        1e6 / median(&sdk_rate),
        1e6 / median(&raw_rate)
    );
}

/// `SEND_STATE_PROFILE=sdk|raw`: only send 200,000 requests one way, for
/// `perf record`; `sdk32|raw32` the same from 32 tasks on a 2-worker
/// runtime whose threads are named `client` (the server's are not).
/// `SEND_STATE_REQUESTS=N` sends `N` instead (for `valgrind`).
fn profile(server: &Server, which: &str) {
    let (side, tasks) = match which.strip_suffix("32") {
        Some(side) => (side.to_string(), TASKS),
        None => (which.to_string(), 1),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(if tasks == 1 { 1 } else { 2 })
        .thread_name("client")
        .enable_all()
        .build()
        .expect("client runtime");
    let sdk = sdk_client(&server.base_url);
    let raw = Raw::new(&server.base_url);
    let requests: usize = std::env::var("SEND_STATE_REQUESTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200_000);
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    runtime.block_on(async {
        let workers: Vec<_> = (0..tasks)
            .map(|_| {
                let (sdk, raw, next, side) = (sdk.clone(), raw.clone(), next.clone(), side.clone());
                tokio::spawn(async move {
                    let handle = device(&sdk);
                    while next.fetch_add(1, Ordering::Relaxed) < requests {
                        match side.as_str() {
                            "sdk" => sdk_send(&handle).await,
                            _ => raw_send(&raw).await,
                        }
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.await.expect("task");
        }
    });
    println!(
        "{which}: {:.0} requests/s",
        requests as f64 / start.elapsed().as_secs_f64()
    );
}

fn main() {
    if let Ok(which) = std::env::var("SEND_STATE_PROFILE") {
        let server = Server::start(2);
        common::settle();
        return profile(&server, &which);
    }
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    common::print_load();
    let server = Server::start(2);
    common::settle();
    if filter.as_deref().is_none_or(|f| "sequential".contains(f)) {
        sequential(&server);
    }
    if filter.as_deref().is_none_or(|f| "concurrent".contains(f)) {
        concurrent(&server);
    }
}
