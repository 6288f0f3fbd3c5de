//! Losant's MQTT topics for a device.

use crate::ids::DeviceId;

/// Where Losant sends a device's commands.
pub(super) fn command_topic(device: &DeviceId) -> String {
    format!("losant/{device}/command")
}

/// Where a device reports its state.
pub(super) fn state_topic(device: &DeviceId) -> String {
    format!("losant/{device}/state")
}
