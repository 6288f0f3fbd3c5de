//! Store-and-forward: durable reports per second against in-memory
//! queueing, delivery from the store to a broker, and peak memory against
//! the number of stored entries. Run with
//! `cargo bench --features mqtt,store --bench store`.
//!
//! Taking reports is measured offline (the connection's broker address
//! has nothing listening), so that only the cost of taking a report
//! counts: with the store, `send_state` returns once the report is on the
//! disk; with `offline_queue(n)`, once it is in memory. One task awaits
//! each report before the next (sequential), or 64 tasks report at once
//! and share commits (batched). Delivery is measured against an embedded
//! rumqttd on loopback: the store is filled offline, then drained.
//! Memory runs each size in a child process and reads its peak resident
//! size (`VmHWM`), since SQLite allocates outside Rust's allocator.

mod common;
#[path = "../tests/loopback_mqtt/mod.rs"]
mod loopback_mqtt;

use common::{list, median, print_load, RUNS};
use losant_device::mqtt::{ConnectionBuilder, DeviceConnection};
use losant_device::store::{Store, StoreOptions};
use losant_device::types::DeviceState;
use losant_device::DeviceId;
use std::sync::Arc;
use std::time::{Duration, Instant};

const SEQUENTIAL: usize = 5_000;
const BATCHED: usize = 20_000;
const TASKS: usize = 64;
const DRAIN: usize = 20_000;
const MEMORY_SIZES: [usize; 3] = [10_000, 50_000, 100_000];
const MEMORY_CHILD: &str = "LOSANT_BENCH_STORE_MEMORY";

fn device() -> DeviceId {
    "5e0000000000000000000b01".parse().expect("a device id")
}

fn state(n: usize) -> DeviceState {
    DeviceState::now()
        .with("temperature", 21.5 + (n % 10) as f64 / 10.0)
        .with("seq", n as i64)
}

fn builder(port: u16) -> ConnectionBuilder {
    DeviceConnection::builder(device(), "key", "secret")
        .broker("127.0.0.1")
        .port(port)
        .plain_tcp()
}

/// A connection to a port where nothing listens: it stays offline.
fn offline(store: Option<&Store>, queue: usize) -> DeviceConnection {
    let mut builder = builder(loopback_mqtt::free_port()).offline_queue(queue);
    if let Some(store) = store {
        builder = builder.store(store.clone());
    }
    builder.connect_in_background().expect("starts")
}

/// Reports per second, `tasks` at once.
async fn take(connection: &DeviceConnection, count: usize, tasks: usize) -> f64 {
    let started = Instant::now();
    let per_task = count / tasks;
    let handles: Vec<_> = (0..tasks)
        .map(|task| {
            let connection = connection.clone();
            tokio::spawn(async move {
                for n in 0..per_task {
                    connection
                        .send_state(&state(task * per_task + n))
                        .await
                        .expect("taken");
                }
            })
        })
        .collect();
    for handle in handles {
        handle.await.expect("a reporting task");
    }
    (per_task * tasks) as f64 / started.elapsed().as_secs_f64()
}

async fn take_run(durable: bool, count: usize, tasks: usize) -> f64 {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = durable
        .then(|| Store::open(dir.path().join("bench.db"), StoreOptions::default()).expect("opens"));
    let connection = offline(store.as_ref(), count);
    let rate = take(&connection, count, tasks).await;
    connection.close().await.expect("closed");
    if let Some(store) = store {
        assert_eq!(store.stats().entries as usize, count / tasks * tasks);
        store.close().await;
    }
    rate
}

/// Entries delivered per second from a store filled offline.
async fn drain_run(port: u16) -> f64 {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("bench.db");
    let store = Store::open(&path, StoreOptions::default()).expect("opens");
    let connection = offline(Some(&store), 0);
    take(&connection, DRAIN, TASKS).await;
    connection.close().await.expect("closed");
    let started = Instant::now();
    let connection = builder(port)
        .store(store.clone())
        .connect()
        .await
        .expect("connects");
    while store.stats().entries > 0 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let rate = DRAIN as f64 / started.elapsed().as_secs_f64();
    connection.close().await.expect("closed");
    store.close().await;
    rate
}

fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

/// In the child: stores `count` entries offline, then delivers them all;
/// prints the peak resident size after each phase.
async fn memory_child(count: usize, port: u16) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("bench.db");
    let baseline = peak_kib();
    let store = Store::open(&path, StoreOptions::default()).expect("opens");
    let connection = offline(Some(&store), 0);
    take(&connection, count, TASKS).await;
    connection.close().await.expect("closed");
    let stored = peak_kib();
    let connection = builder(port)
        .store(store.clone())
        .connect()
        .await
        .expect("connects");
    while store.stats().entries > 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    connection.close().await.expect("closed");
    let file = std::fs::metadata(&path).map(|meta| meta.len()).unwrap_or(0);
    store.close().await;
    println!("memory {baseline} {stored} {} {file}", peak_kib());
}

/// Peak KiB (baseline, after storing, after delivering) and the file size.
fn memory_run(count: usize, port: u16) -> (u64, u64, u64, u64) {
    let exe = std::env::current_exe().expect("the benchmark binary");
    let output = std::process::Command::new(exe)
        .env(MEMORY_CHILD, format!("{count} {port}"))
        .output()
        .expect("the child runs");
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text
        .lines()
        .find_map(|line| line.strip_prefix("memory "))
        .unwrap_or_else(|| panic!("no figures from the child: {text}"));
    let values: Vec<u64> = line
        .split(' ')
        .map(|v| v.parse().expect("a number"))
        .collect();
    (values[0], values[1], values[2], values[3])
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    if let Ok(spec) = std::env::var(MEMORY_CHILD) {
        let (count, port) = spec.split_once(' ').expect("count port");
        runtime.block_on(memory_child(
            count.parse().expect("count"),
            port.parse().expect("port"),
        ));
        return;
    }
    let filter: Option<String> = std::env::args().skip(1).find(|arg| !arg.starts_with('-'));
    let wanted = |name: &str| filter.as_deref().is_none_or(|filter| name.contains(filter));
    print_load();
    let port = runtime.block_on(loopback_mqtt::start_mqtt_broker(None));
    let runtime = Arc::new(runtime);

    if wanted("take") {
        for (label, count, tasks) in [("sequential", SEQUENTIAL, 1), ("64 tasks", BATCHED, TASKS)] {
            let mut durable = Vec::new();
            let mut memory = Vec::new();
            let mut ratios = Vec::new();
            for _ in 0..RUNS {
                let stored = runtime.block_on(take_run(true, count, tasks));
                let queued = runtime.block_on(take_run(false, count, tasks));
                ratios.push(stored / queued);
                durable.push(stored);
                memory.push(queued);
            }
            println!(
                "take, {label}: durable {:.0} reports/s {}, in memory {:.0} reports/s {}, durable/memory {:.3}",
                median(&durable),
                list(&durable, 0),
                median(&memory),
                list(&memory, 0),
                median(&ratios)
            );
        }
    }
    if wanted("drain") {
        let rates: Vec<f64> = (0..RUNS)
            .map(|_| runtime.block_on(drain_run(port)))
            .collect();
        println!(
            "drain {DRAIN} to rumqttd: {:.0} entries/s {}",
            median(&rates),
            list(&rates, 0)
        );
    }
    if wanted("memory") {
        for count in MEMORY_SIZES {
            let runs: Vec<(u64, u64, u64, u64)> =
                (0..RUNS).map(|_| memory_run(count, port)).collect();
            let growth = |pick: fn(&(u64, u64, u64, u64)) -> u64| {
                let values: Vec<f64> = runs.iter().map(|run| (pick(run) - run.0) as f64).collect();
                (median(&values), list(&values, 0))
            };
            let (stored, stored_runs) = growth(|run| run.1);
            let (delivered, delivered_runs) = growth(|run| run.2);
            let file = runs.iter().map(|run| run.3).max().unwrap_or(0);
            println!(
                "memory, {count} entries: peak growth {stored:.0} KiB after storing {stored_runs}, \
                 {delivered:.0} KiB after delivering {delivered_runs}; file {} KiB",
                file / 1024
            );
        }
    }
}
