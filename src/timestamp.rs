//! Points in time as Losant writes them.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::ops::Deref;

/// A point in time from a Losant answer (`creationDate`, `lastUpdated`, …).
///
/// Losant writes ISO 8601 in UTC with milliseconds, for example
/// `2016-06-13T04:00:00.000Z`, and a `Timestamp` writes itself back the same
/// way, milliseconds included even when they are zero. Any other RFC 3339
/// form (an offset, more digits) is accepted too; finer digits than
/// milliseconds are kept and written back.
///
/// It dereferences to [`chrono::DateTime<Utc>`] and converts from and into it.
///
/// ```
/// use losant_device::Timestamp;
/// let time: Timestamp = serde_json::from_str(r#""2016-06-13T04:00:00.000Z""#)?;
/// assert_eq!(time.timestamp_millis(), 1_465_790_400_000);
/// assert_eq!(serde_json::to_string(&time)?, r#""2016-06-13T04:00:00.000Z""#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    /// The time as chrono's `DateTime<Utc>`.
    pub fn as_datetime(&self) -> &DateTime<Utc> {
        &self.0
    }

    /// Parses ISO 8601 / RFC 3339 text; `None` if it is not a valid time.
    pub fn parse(text: &str) -> Option<Self> {
        parse_losant_form(text.as_bytes())
            .or_else(|| DateTime::parse_from_rfc3339(text).ok().map(|t| t.to_utc()))
            .map(Self)
    }
}

/// The common `YYYY-MM-DDTHH:MM:SS.mmmZ` form, parsed without chrono's
/// general parser (it is on the decode path of every device).
fn parse_losant_form(text: &[u8]) -> Option<DateTime<Utc>> {
    let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1, b'T', h0, h1, b':', n0, n1, b':', s0, s1, b'.', f0, f1, f2, b'Z'] =
        *text
    else {
        return None;
    };
    let digits = [
        y0, y1, y2, y3, m0, m1, d0, d1, h0, h1, n0, n1, s0, s1, f0, f1, f2,
    ]
    .map(|b| b.wrapping_sub(b'0'));
    // All seventeen checked at once rather than one branch each.
    if !digits.iter().fold(true, |ok, &d| ok & (d < 10)) {
        return None;
    }
    let [y0, y1, y2, y3, m0, m1, d0, d1, h0, h1, n0, n1, s0, s1, f0, f1, f2] =
        digits.map(u32::from);
    let year = ((y0 * 10 + y1) * 10 + y2) * 10 + y3;
    let millis = (f0 * 10 + f1) * 10 + f2;
    // Four digits: `year` is below 10,000 and fits an i32.
    let date = chrono::NaiveDate::from_ymd_opt(year as i32, m0 * 10 + m1, d0 * 10 + d1)?;
    let time =
        chrono::NaiveTime::from_hms_milli_opt(h0 * 10 + h1, n0 * 10 + n1, s0 * 10 + s1, millis)?;
    Some(date.and_time(time).and_utc())
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nanos = self.0.timestamp_subsec_nanos() % 1_000_000_000;
        let format = if nanos.is_multiple_of(1_000_000) {
            SecondsFormat::Millis
        } else if nanos.is_multiple_of(1_000) {
            SecondsFormat::Micros
        } else {
            SecondsFormat::Nanos
        };
        f.write_str(&self.0.to_rfc3339_opts(format, true))
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({self})")
    }
}

impl Deref for Timestamp {
    type Target = DateTime<Utc>;
    fn deref(&self) -> &DateTime<Utc> {
        &self.0
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(time: DateTime<Utc>) -> Self {
        Self(time)
    }
}

impl From<Timestamp> for DateTime<Utc> {
    fn from(time: Timestamp) -> Self {
        time.0
    }
}

impl From<std::time::SystemTime> for Timestamp {
    fn from(time: std::time::SystemTime) -> Self {
        Self(time.into())
    }
}

impl std::str::FromStr for Timestamp {
    type Err = crate::Error;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text).ok_or_else(|| {
            crate::Error::invalid_input("time", format!("{text:?} is not an ISO 8601 time"))
        })
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Text;
        impl serde::de::Visitor<'_> for Text {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an ISO 8601 time such as 2016-06-13T04:00:00.000Z")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Timestamp, E> {
                Timestamp::parse(text)
                    .ok_or_else(|| E::invalid_value(serde::de::Unexpected::Str(text), &self))
            }
        }
        deserializer.deserialize_str(Text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_path_agrees_with_chrono() {
        for text in [
            "2016-06-13T04:00:00.000Z",
            "1970-01-01T00:00:00.001Z",
            "2024-02-29T23:59:59.999Z",
            "0001-01-01T00:00:00.000Z",
        ] {
            let fast = parse_losant_form(text.as_bytes());
            let general = DateTime::parse_from_rfc3339(text).ok().map(|t| t.to_utc());
            assert_eq!(fast, general, "{text}");
            assert!(fast.is_some(), "{text}");
        }
    }

    proptest::proptest! {
        #[test]
        fn the_fast_path_agrees_with_chrono_around_the_edges(
            date in (0u32..10_000, 0u32..14, 0u32..33),
            time in (0u32..25, 0u32..61, 0u32..62, 0u32..1000),
            noise in proptest::option::of((0usize..24, proptest::num::u8::ANY)),
        ) {
            let ((year, month, day), (hour, minute, second, millis)) = (date, time);
            let mut text = format!(
                "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{millis:03}Z"
            )
            .into_bytes();
            if let Some((at, byte)) = noise {
                text[at] = byte;
            }
            let text = String::from_utf8_lossy(&text);
            let general = DateTime::parse_from_rfc3339(&text).ok().map(|t| t.to_utc());
            match parse_losant_form(text.as_bytes()) {
                // What the fast path reads, it reads as chrono does.
                Some(fast) => proptest::prop_assert_eq!(Some(fast), general, "{}", text),
                // What it leaves is left to chrono (`Timestamp::parse`), but
                // in Losant's own form it leaves only a leap second (`:60`).
                // Other forms (`t`, `z`, a space) are chrono's alone.
                None if noise.is_none() && second < 60 => {
                    proptest::prop_assert_eq!(general, None, "{}", text)
                }
                None => {}
            }
        }
    }

    #[test]
    fn the_fast_path_rejects_what_is_not_a_time() {
        for text in [
            "2023-02-29T00:00:00.000Z",
            "2016-13-01T00:00:00.000Z",
            "2016-06-13T24:00:00.000Z",
            "2016-06-13T04:00:00.00xZ",
            "2016-06-13 04:00:00.000Z",
        ] {
            assert_eq!(parse_losant_form(text.as_bytes()), None, "{text}");
        }
    }

    #[test]
    fn other_forms_are_accepted_and_written_in_utc() {
        let time = Timestamp::parse("2016-06-13T06:00:00+02:00");
        assert_eq!(
            time.map(|t| t.to_string()).as_deref(),
            Some("2016-06-13T04:00:00.000Z")
        );
        let fine = Timestamp::parse("2016-06-13T04:00:00.123456Z");
        assert_eq!(
            fine.map(|t| t.to_string()).as_deref(),
            Some("2016-06-13T04:00:00.123456Z")
        );
    }
}
