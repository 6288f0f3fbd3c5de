//! Streaming a large device list: `app.list_devices().per_page(100).stream()`
//! over 1,000 pages of 100 realistic devices from a loopback hyper server,
//! against the same walk written by hand with reqwest. Reports pages per
//! second for both, and the peak of live heap bytes while
//! streaming 10k, 50k and 100k devices (a counting global allocator), which
//! stays flat because one page is held at a time. Run with
//! `cargo bench --bench pagination`.

mod common;

use common::raw::Raw;
use common::{list, median, Server, APP, RUNS, TOKEN};
use futures::TryStreamExt;
use losant_device::{Client, RetryPolicy};
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};
use std::time::Instant;

/// A guard against a walk that never ends.
const MAX_PAGES: u64 = 10_000;

/// The system allocator, counting live bytes while `COUNTING` is set.
///
/// Counting is switched on only for the memory runs, so the throughput
/// runs pay nothing. `LIVE` is the net change in live bytes since counting
/// started (memory allocated before and freed during the window makes it
/// go down, never up), `PEAK` its maximum: the extra memory the stream
/// needed at its worst. It covers the whole process, so the server's few
/// per-request allocations are included (its page bodies are shared,
/// preallocated chunks).
struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

fn grow(bytes: usize) {
    let live = LIVE.fetch_add(bytes as isize, Ordering::Relaxed) + bytes as isize;
    if live > PEAK.load(Ordering::Relaxed) {
        PEAK.fetch_max(live, Ordering::Relaxed);
    }
}

fn shrink(bytes: usize) {
    LIVE.fetch_sub(bytes as isize, Ordering::Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() && COUNTING.load(Ordering::Relaxed) {
            grow(layout.size());
        }
        pointer
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let pointer = unsafe { System.alloc_zeroed(layout) };
        if !pointer.is_null() && COUNTING.load(Ordering::Relaxed) {
            grow(layout.size());
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(pointer, layout) };
        if COUNTING.load(Ordering::Relaxed) {
            shrink(layout.size());
        }
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let moved = unsafe { System.realloc(pointer, layout, new_size) };
        if !moved.is_null() && COUNTING.load(Ordering::Relaxed) {
            if new_size >= layout.size() {
                grow(new_size - layout.size());
            } else {
                shrink(layout.size() - new_size);
            }
        }
        moved
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `work` with counting on; returns its result and the peak growth of
/// live heap bytes.
fn measure_peak<T>(work: impl FnOnce() -> T) -> (T, isize) {
    LIVE.store(0, Ordering::SeqCst);
    PEAK.store(0, Ordering::SeqCst);
    COUNTING.store(true, Ordering::SeqCst);
    let result = work();
    COUNTING.store(false, Ordering::SeqCst);
    (result, PEAK.load(Ordering::SeqCst))
}

/// The same walk over the pages by hand: one request per page, decoded into
/// the same `types::Devices`, until `totalCount` is reached.
async fn raw_all(raw: &Raw) -> usize {
    let mut count = 0;
    for page in 0..MAX_PAGES {
        let devices = raw.devices_page(100, page).await;
        for device in &devices.items {
            black_box(device.name.as_ref().map(String::len));
        }
        count += devices.items.len();
        let total = devices.total_count.map_or(0, |total| total as u64);
        if devices.items.is_empty() || (page + 1) * 100 >= total {
            break;
        }
    }
    count
}

/// Checks that the SDK and the hand-written walk send the same first
/// request, so that the comparison is fair.
fn check_same_request(server: &Server, runtime: &tokio::runtime::Runtime, sdk: &Client, raw: &Raw) {
    server.set_total(100);
    server.capture_next();
    runtime.block_on(stream_all(sdk));
    let from_sdk = server.take_seen().expect("the SDK's request");
    server.capture_next();
    runtime.block_on(raw_all(raw));
    let from_raw = server.take_seen().expect("the raw request");
    println!("request sent by both: {} {}", from_sdk.method, from_sdk.uri);
    assert_eq!(
        from_sdk, from_raw,
        "same method, path, query, headers and body"
    );
}

/// Streams every device once; returns how many arrived.
async fn stream_all(client: &Client) -> usize {
    let app = client.application(APP.parse().unwrap());
    let mut devices = app.list_devices().per_page(100).stream();
    let mut count = 0;
    while let Some(device) = devices.try_next().await.expect("a device") {
        black_box(device.name.as_ref().map(String::len));
        count += 1;
    }
    count
}

fn main() {
    common::print_load();
    let server = Server::start(2);
    common::settle();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let client = Client::builder()
        .base_url(&server.base_url)
        .token(TOKEN)
        .retry_policy(RetryPolicy::standard())
        .build()
        .expect("SDK client");

    let page_bytes = common::page_json(100).len();
    println!(
        "page of 100 devices: {page_bytes} bytes ({} bytes per device)",
        page_bytes / 100
    );

    let raw = Raw::new(&server.base_url);
    check_same_request(&server, &runtime, &client, &raw);

    println!("\n== 100,000 devices (1,000 pages of 100), SDK stream and hand-written reqwest alternating, {RUNS} runs each");
    server.set_total(10_000);
    runtime.block_on(stream_all(&client)); // warm-up
    runtime.block_on(raw_all(&raw));
    server.set_total(100_000);
    let (mut sdk_rates, mut raw_rates) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let start = Instant::now();
        let count = runtime.block_on(stream_all(&client));
        assert_eq!(count, 100_000, "every device arrives once");
        sdk_rates.push(count as f64 / 100.0 / start.elapsed().as_secs_f64());
        let start = Instant::now();
        let count = runtime.block_on(raw_all(&raw));
        assert_eq!(count, 100_000, "every device arrives once");
        raw_rates.push(count as f64 / 100.0 / start.elapsed().as_secs_f64());
    }
    for (label, rates) in [("SDK stream", &sdk_rates), ("raw reqwest", &raw_rates)] {
        println!(
            "{label:<12} pages/s: median {:.0}  runs {}  ({:.1} MB/s of JSON)",
            median(rates),
            list(rates, 0),
            median(rates) * page_bytes as f64 / 1e6
        );
    }
    println!("SDK / raw: {:.3}", median(&sdk_rates) / median(&raw_rates));

    println!("\n== peak live heap growth while streaming (counting allocator), {RUNS} runs each");
    for total in [10_000u64, 50_000, 100_000] {
        server.set_total(total);
        let mut peaks = Vec::new();
        let mut rates = Vec::new();
        for _ in 0..RUNS {
            let start = Instant::now();
            let (count, peak) = measure_peak(|| runtime.block_on(stream_all(&client)));
            assert_eq!(count as u64, total, "every device arrives once");
            rates.push(count as f64 / start.elapsed().as_secs_f64());
            peaks.push(peak as f64 / 1024.0);
        }
        println!(
            "{total:>7} devices: peak median {:>7.1} KiB  runs {} KiB  (devices/s with counting on: {:.0})",
            median(&peaks),
            list(&peaks, 1),
            median(&rates)
        );
    }

    // The counter's sanity check: holding everything grows with the count.
    server.set_total(10_000);
    let (all, peak) = measure_peak(|| {
        runtime.block_on(async {
            client
                .application(APP.parse().unwrap())
                .list_devices()
                .per_page(100)
                .collect_all()
                .await
                .expect("devices")
        })
    });
    println!(
        "for contrast, collect_all() of {} devices: peak {:.1} KiB",
        all.len(),
        peak as f64 / 1024.0
    );
}
