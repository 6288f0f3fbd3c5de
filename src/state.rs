//! Building device states and commands.
//!
//! ```
//! use losant_device::types::{DeviceCommand, DeviceState};
//! let state = DeviceState::now().with("temp", 21.5).with("door", "open");
//! let command = DeviceCommand::named("reboot").with_payload(&serde_json::json!({"delay": 5}))?;
//! # Ok::<(), losant_device::Error>(())
//! ```

use crate::ids::AttributeName;
use crate::types::{DeviceCommand, DeviceState, StateValue, TimeFormat};
use crate::Error;
use serde::{Deserialize, Serialize};
use std::time::{SystemTime, UNIX_EPOCH};

impl DeviceState {
    /// An empty state stamped with the current time.
    pub fn now() -> Self {
        Self::at(SystemTime::now())
    }

    /// An empty state stamped with `time`: a [`SystemTime`], milliseconds
    /// since the Unix epoch (`i64`), a `chrono::DateTime<Utc>` or ISO 8601
    /// text.
    pub fn at(time: impl Into<TimeFormat>) -> Self {
        Self {
            data: Default::default(),
            extra: Default::default(),
            flow_version: None,
            meta: None,
            time: Some(time.into()),
        }
    }

    /// An empty state without a time; Losant stamps it on arrival.
    pub fn untimed() -> Self {
        Self {
            data: Default::default(),
            extra: Default::default(),
            flow_version: None,
            meta: None,
            time: None,
        }
    }

    /// Adds one attribute value: a number, text, a boolean, `None` (sent as
    /// `null`) or any [`StateValue`]. The name is checked when the state is
    /// sent.
    pub fn with(mut self, attribute: impl Into<String>, value: impl Into<StateValue>) -> Self {
        self.data.insert(attribute.into(), value.into());
        self
    }

    /// Checks every attribute name.
    pub fn validate(&self) -> Result<(), Error> {
        for name in self.data.keys() {
            AttributeName::new(name.as_str()).map_err(|error| {
                Error::invalid_value(
                    "data",
                    format!("attribute names are {}", error.expected),
                    name.as_str(),
                )
            })?;
        }
        Ok(())
    }
}

impl From<SystemTime> for TimeFormat {
    fn from(time: SystemTime) -> Self {
        let millis = match time.duration_since(UNIX_EPOCH) {
            Ok(after) => after.as_millis() as i64,
            // Round toward the past, like a clock before the epoch reads.
            Err(before) => {
                let gap = before.duration();
                -(gap.as_millis() as i64) - i64::from(gap.subsec_nanos() % 1_000_000 != 0)
            }
        };
        TimeFormat::Int64(millis)
    }
}

impl From<chrono::DateTime<chrono::Utc>> for TimeFormat {
    fn from(time: chrono::DateTime<chrono::Utc>) -> Self {
        TimeFormat::String(time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
    }
}

impl From<&str> for TimeFormat {
    /// ISO 8601 text, sent as is.
    fn from(text: &str) -> Self {
        TimeFormat::String(text.to_string())
    }
}

/// The body of `send_device_state`: one state, or a batch sent as one JSON
/// array. Built only through `TryFrom`, which rejects an empty batch and
/// invalid attribute names before anything is sent; the generated builder's
/// `.body(..)` accepts a `DeviceState` or a `Vec<DeviceState>` directly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum DeviceStateOrStates {
    /// A single state report.
    One(DeviceState),
    /// Several state reports in one request.
    Many(Vec<DeviceState>),
}

impl TryFrom<DeviceState> for DeviceStateOrStates {
    type Error = Error;
    fn try_from(state: DeviceState) -> Result<Self, Error> {
        state.validate()?;
        Ok(Self::One(state))
    }
}

impl TryFrom<Vec<DeviceState>> for DeviceStateOrStates {
    type Error = Error;
    fn try_from(states: Vec<DeviceState>) -> Result<Self, Error> {
        if states.is_empty() {
            return Err(Error::invalid_input(
                "body",
                "the batch of states is empty; send at least one state",
            ));
        }
        states.iter().try_for_each(DeviceState::validate)?;
        Ok(Self::Many(states))
    }
}

impl DeviceCommand {
    /// A command without payload, stamped by Losant on arrival.
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            extra: Default::default(),
            payload: None,
            time: None,
        }
    }

    /// Attaches any serde-serializable payload.
    pub fn with_payload<T: serde::Serialize + ?Sized>(
        mut self,
        payload: &T,
    ) -> Result<Self, Error> {
        let value = serde_json::to_value(payload)
            .map_err(|error| Error::invalid_input("payload", error.to_string()))?;
        self.payload = Some(value);
        Ok(self)
    }

    /// Stamps the command with `time` (see [`DeviceState::at`]).
    pub fn at(mut self, time: impl Into<TimeFormat>) -> Self {
        self.time = Some(time.into());
        self
    }
}
