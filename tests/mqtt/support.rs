//! Small helpers every module uses: device ids and topics (the hang guard
//! and free ports come from `loopback_mqtt`).

pub(crate) use crate::loopback_mqtt::{free_port, guard};
use losant_device::DeviceId;

pub(crate) fn device(n: u32) -> DeviceId {
    format!("5e{n:022x}").parse().expect("a valid device id")
}

pub(crate) fn state_topic(id: &DeviceId) -> String {
    format!("losant/{id}/state")
}

pub(crate) fn command_topic(id: &DeviceId) -> String {
    format!("losant/{id}/command")
}
