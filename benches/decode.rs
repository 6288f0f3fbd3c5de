//! Decoding one page of 1,000 realistic devices with `serde_json::from_slice`
//! into the SDK's typed `types::Devices` (what every list call does) against
//! decoding it into an untyped `serde_json::Value`. No network involved.
//! Run with `cargo bench --bench decode`.

mod common;

use common::{list, median, RUNS};
use losant_device::types;
use std::hint::black_box;
use std::time::Instant;

/// Decodes per run.
const DECODES: usize = 200;

fn time_per_decode(mut decode: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..DECODES {
        decode();
    }
    start.elapsed().as_secs_f64() / DECODES as f64
}

fn main() {
    let page = common::page_json(1000);
    if std::env::var_os("DECODE_PROFILE").is_some() {
        // For `valgrind --tool=callgrind`: only the typed decode, a few times.
        for _ in 0..5 {
            let text = std::str::from_utf8(black_box(&page)).expect("UTF-8");
            let devices: types::Devices = serde_json::from_str(text).expect("typed");
            black_box(devices);
        }
        return;
    }
    common::print_load();
    let typed = || {
        let devices: types::Devices = serde_json::from_slice(black_box(&page)).expect("typed");
        assert_eq!(devices.items.len(), 1000);
        black_box(devices);
    };
    let untyped = || {
        let value: serde_json::Value = serde_json::from_slice(black_box(&page)).expect("untyped");
        black_box(value);
    };

    println!(
        "\n== decoding a 1,000-device page ({} bytes), {DECODES} decodes per run, {RUNS} runs",
        page.len()
    );
    time_per_decode(typed);
    time_per_decode(untyped);
    let (mut typed_ms, mut value_ms) = (Vec::new(), Vec::new());
    for run in 0..RUNS {
        if run % 2 == 0 {
            typed_ms.push(time_per_decode(typed) * 1e3);
            value_ms.push(time_per_decode(untyped) * 1e3);
        } else {
            value_ms.push(time_per_decode(untyped) * 1e3);
            typed_ms.push(time_per_decode(typed) * 1e3);
        }
    }
    let (typed, value) = (median(&typed_ms), median(&value_ms));
    let megabytes = page.len() as f64 / 1e6;
    println!(
        "types::Devices:    median {typed:.3} ms/page  runs {} ms  ({:.0} devices/s, {:.0} MB/s)",
        list(&typed_ms, 3),
        1000.0 / (typed / 1e3),
        megabytes / (typed / 1e3)
    );
    println!(
        "serde_json::Value: median {value:.3} ms/page  runs {} ms  ({:.0} devices/s, {:.0} MB/s)",
        list(&value_ms, 3),
        1000.0 / (value / 1e3),
        megabytes / (value / 1e3)
    );
    println!(
        "typed time / Value time: {:.2} (below 1 means the typed decode is faster)",
        typed / value
    );
}
