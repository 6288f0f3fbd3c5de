//! Building tags and tag filters.
//!
//! ```
//! use losant_device::types::{DeviceTag, DeviceTagFilter, DeviceTagFilterEntry};
//! let tag = DeviceTag::new("floor".parse()?, "8");
//! let filter = DeviceTagFilter::from(vec![
//!     DeviceTagFilterEntry::key_value("floor".parse()?, "8"),
//!     DeviceTagFilterEntry::key("building".parse()?),
//! ]);
//! # Ok::<(), losant_device::InvalidId>(())
//! ```

use crate::ids::TagKey;
use crate::types::{DeviceTag, DeviceTagFilterEntry, WrappedDate};

impl DeviceTag {
    /// A tag `key` = `value` (the value: 1 to 255 characters).
    pub fn new(key: TagKey, value: impl Into<String>) -> Self {
        Self {
            key,
            value: value.into(),
            extra: Default::default(),
        }
    }
}

impl DeviceTagFilterEntry {
    /// Matches devices tagged `key` = `value`.
    pub fn key_value(key: TagKey, value: impl Into<String>) -> Self {
        Self {
            key: Some(key),
            value: Some(value.into()),
            extra: Default::default(),
        }
    }

    /// Matches devices with a tag `key`, whatever its value.
    pub fn key(key: TagKey) -> Self {
        Self {
            key: Some(key),
            value: None,
            extra: Default::default(),
        }
    }

    /// Matches devices with any tag whose value is `value`.
    pub fn value(value: impl Into<String>) -> Self {
        Self {
            key: None,
            value: Some(value.into()),
            extra: Default::default(),
        }
    }
}

impl WrappedDate {
    /// `{"$date": date}`, `date` being ISO 8601 text.
    pub fn new(date: impl Into<String>) -> Self {
        Self {
            date: date.into(),
            extra: Default::default(),
        }
    }
}
