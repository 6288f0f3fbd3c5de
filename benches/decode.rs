//! Decoding device pages, no network involved: the SDK's typed decode (what
//! every list call does: the body checked to be UTF-8 once, then
//! `serde_json::from_str` into `types::Devices`, as
//! `crate::error::decode_json` does) against an untyped
//! `serde_json::Value`, against serde_json parsing the page into
//! `IgnoredAny` (every token read, nothing built: what the typed decode
//! cannot go below while it uses serde_json), and against a floor that
//! only scans the bytes (counting JSON's structural characters in a loop
//! the compiler vectorizes). Reported per device, with the ratios. Run
//! with `cargo bench --bench decode`.
//!
//! `DECODE_PROFILE=N` runs only the typed decode of a 1,000-device page
//! (`DECODE_PAGE=100` for another size), `N` times (5 if `N` is not a
//! number), for `valgrind --tool=callgrind`
//! (instruction counts do not depend on the machine's load) or `perf`.

mod common;

use common::{list, median, RUNS};
use losant_device::types;
use std::hint::black_box;
use std::time::Instant;

/// Devices decoded per run, whatever the page size.
const DEVICES_PER_RUN: usize = 200_000;

fn typed(page: &[u8]) -> usize {
    let text = std::str::from_utf8(page).expect("UTF-8");
    let devices: types::Devices = serde_json::from_str(text).expect("typed");
    devices.items.len()
}

fn untyped(page: &[u8]) -> usize {
    let text = std::str::from_utf8(page).expect("UTF-8");
    let value: serde_json::Value = serde_json::from_str(text).expect("untyped");
    value["items"].as_array().map_or(0, Vec::len)
}

/// serde_json's own floor: every token parsed and every string checked, as
/// for the typed decode, but nothing built and nothing allocated.
fn skipped(page: &[u8]) -> usize {
    let text = std::str::from_utf8(page).expect("UTF-8");
    serde_json::from_str::<serde::de::IgnoredAny>(text).expect("valid JSON");
    1
}

/// Touches every byte and counts the structural characters (all but `]`,
/// as the memchr version does): what any JSON decoder must do at least.
/// A plain loop the compiler vectorizes; memchr's iterators are built for
/// rare hits and cost about a nanosecond per hit
/// on a text this dense (one in five bytes), so the memchr version
/// runs about 18x slower than this loop.
fn floor(page: &[u8]) -> usize {
    // Counted per 255-byte chunk in a u8, which lets the compiler keep 16
    // or 32 counters in one vector register.
    page.chunks(255)
        .map(|chunk| {
            chunk
                .iter()
                .map(|&b| u8::from(matches!(b, b'"' | b',' | b':' | b'{' | b'[' | b'}')))
                .fold(0u8, u8::wrapping_add) as usize
        })
        .sum()
}

/// The earlier floor, kept for comparison: two memchr3 iterators.
fn memchr_floor(page: &[u8]) -> usize {
    memchr::memchr3_iter(b'"', b',', b':', page).count()
        + memchr::memchr3_iter(b'{', b'[', b'}', page).count()
}

/// Microseconds per device of `decode` over `page` (`devices` devices).
fn per_device(page: &[u8], devices: usize, decode: fn(&[u8]) -> usize) -> f64 {
    let pages = DEVICES_PER_RUN / devices;
    let start = Instant::now();
    for _ in 0..pages {
        black_box(decode(black_box(page)));
    }
    start.elapsed().as_secs_f64() * 1e6 / (pages * devices) as f64
}

fn main() {
    if let Ok(times) = std::env::var("DECODE_PROFILE") {
        let devices = std::env::var("DECODE_PAGE")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(1000);
        let page = common::page_json(devices);
        for _ in 0..times.parse().unwrap_or(5) {
            black_box(typed(black_box(&page)));
        }
        return;
    }
    common::print_load();
    for devices in [100, 1000] {
        let page = common::page_json(devices);
        assert_eq!(typed(&page), devices);
        assert_eq!(untyped(&page), devices);
        println!(
            "\n== a {devices}-device page ({} bytes, {} per device), {DEVICES_PER_RUN} devices per run, {RUNS} runs",
            page.len(),
            page.len() / devices
        );
        assert_eq!(floor(&page), memchr_floor(&page), "both floors count alike");
        let (mut sdk, mut value, mut skip, mut scan, mut hits) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for decode in [typed, untyped, skipped, floor, memchr_floor] {
            per_device(&page, devices, decode); // warm-up
        }
        for _ in 0..RUNS {
            sdk.push(per_device(&page, devices, typed));
            value.push(per_device(&page, devices, untyped));
            skip.push(per_device(&page, devices, skipped));
            scan.push(per_device(&page, devices, floor));
            hits.push(per_device(&page, devices, memchr_floor));
        }
        let (sdk_m, value_m, scan_m) = (median(&sdk), median(&value), median(&scan));
        let (skip_m, hits_m) = (median(&skip), median(&hits));
        println!(
            "types::Devices     {sdk_m:.3} µs/device  runs {}",
            list(&sdk, 3)
        );
        println!(
            "serde_json::Value  {value_m:.3} µs/device  runs {}",
            list(&value, 3)
        );
        println!(
            "IgnoredAny         {skip_m:.3} µs/device  runs {} (serde_json, nothing built)",
            list(&skip, 3)
        );
        println!(
            "byte-scan floor    {scan_m:.3} µs/device  runs {}",
            list(&scan, 3)
        );
        println!(
            "memchr3 iterators  {hits_m:.3} µs/device  runs {} (not a floor)",
            list(&hits, 3)
        );
        println!(
            "ratios: typed / Value {:.2}, typed / IgnoredAny {:.2}, typed / floor {:.1}, Value / floor {:.1}; typed pages/s {:.0}",
            sdk_m / value_m,
            sdk_m / skip_m,
            sdk_m / scan_m,
            value_m / scan_m,
            1e6 / (sdk_m * devices as f64)
        );
    }
}
