//! `TimeFormat` keeps the instant and round-trips through serde.

use super::*;

// ---------------------------------------------------------------------------
// Time formats.

fn millis_of(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// Milliseconds since the epoch of an instant, rounded down as chrono and
/// JavaScript's `Date` do.
fn floor_millis(time: SystemTime) -> i64 {
    chrono::DateTime::<chrono::Utc>::from(time).timestamp_millis()
}

/// Years 0001 to 9999, the range RFC 3339 can write.
const MIN_MS: i64 = -62_135_596_800_000;
const MAX_MS: i64 = 253_402_300_799_999;

#[test]
fn milliseconds_and_datetimes_keep_the_instant() {
    runner(CASES)
        .run(&(MIN_MS..=MAX_MS), |ms| {
            prop_assert_eq!(TimeFormat::from(ms), TimeFormat::Int64(ms));
            let Some(datetime) = chrono::DateTime::from_timestamp_millis(ms) else {
                return Err(TestCaseError::reject("outside chrono's range"));
            };
            let TimeFormat::String(text) = TimeFormat::from(datetime) else {
                return Err(TestCaseError::fail("a DateTime becomes ISO 8601 text"));
            };
            prop_assert_eq!(millis_of(&text), Some(ms), "{}", text);
            Ok(())
        })
        .unwrap();
}

#[test]
fn system_times_after_the_epoch_keep_the_instant() {
    let strategy = (0i64..=MAX_MS, 0u32..1_000_000);
    runner(CASES)
        .run(&strategy, |(ms, sub_ms_nanos)| {
            let time = UNIX_EPOCH
                + Duration::from_millis(ms as u64)
                + Duration::from_nanos(u64::from(sub_ms_nanos));
            prop_assert_eq!(
                TimeFormat::from(time),
                TimeFormat::Int64(floor_millis(time))
            );
            Ok(())
        })
        .unwrap();
}

#[test]
fn whole_millisecond_system_times_before_the_epoch_keep_the_instant() {
    runner(CASES)
        .run(&(1i64..=-MIN_MS), |ms_before| {
            let time = UNIX_EPOCH - Duration::from_millis(ms_before as u64);
            prop_assert_eq!(TimeFormat::from(time), TimeFormat::Int64(-ms_before));
            prop_assert_eq!(
                TimeFormat::Int64(-ms_before),
                TimeFormat::Int64(floor_millis(time))
            );
            Ok(())
        })
        .unwrap();
}

/// `From<SystemTime>` rounds toward zero, so an instant before the epoch
/// with a sub-millisecond part comes out one millisecond late, and
/// disagrees with the same instant given as a `DateTime` (which floors).
#[test]
fn system_times_before_the_epoch_keep_the_instant() {
    let strategy = (0i64..1_000_000_000_000, 1u32..1_000_000);
    runner(CASES)
        .run(&strategy, |(ms_before, sub_ms_nanos)| {
            let time = UNIX_EPOCH
                - Duration::from_millis(ms_before as u64)
                - Duration::from_nanos(u64::from(sub_ms_nanos));
            prop_assert_eq!(
                TimeFormat::from(time),
                TimeFormat::Int64(floor_millis(time))
            );
            Ok(())
        })
        .unwrap();
}

fn time_format() -> impl Strategy<Value = TimeFormat> {
    prop_oneof![
        any::<i64>().prop_map(TimeFormat::Int64),
        exact_float()
            .prop_filter("integral floats come back as Int64", |f| f.fract() != 0.0)
            .prop_map(TimeFormat::Number),
        unicode(30).prop_map(TimeFormat::String),
        unicode(30).prop_map(|date| TimeFormat::WrappedDate(types::WrappedDate::new(date))),
    ]
}

#[test]
fn time_formats_round_trip_through_serde() {
    runner(CASES)
        .run(&time_format(), |time| {
            let text = serde_json::to_string(&time)
                .map_err(|e| TestCaseError::fail(format!("cannot serialize {time:?}: {e}")))?;
            let back: TimeFormat = serde_json::from_str(&text)
                .map_err(|e| TestCaseError::fail(format!("cannot read back {text}: {e}")))?;
            prop_assert_eq!(back, time);
            Ok(())
        })
        .unwrap();
}
