//! The MQTT device client against a real broker (rumqttd) on loopback.
//!
//! - Most tests embed rumqttd in this process (it runs in its own threads
//!   and cannot be stopped, so each test starts one on a free port).
//! - The restart test needs a broker it can kill and start again on the
//!   same port: it runs rumqttd in a child process, this same test binary
//!   re-executed for the `broker_child_process` entry point.
//! - Tests that need a connection to drop, stay down or be refused while
//!   the broker keeps running put a small TCP proxy (`Gate`) in front of it.
//! - rumqttd does not answer bad credentials with a refusing CONNACK (it
//!   closes the connection), so the refusal tests use the `Gate`, which
//!   answers CONNECT with CONNACK return code 5 as Losant's broker does;
//!   rumqttd's own authentication is tested too.
//!
//! Timeouts only guard against hangs; nothing depends on timing.

#![cfg(feature = "mqtt")]

#[path = "../loopback_mqtt/mod.rs"]
mod loopback_mqtt;

mod clients;
mod gate;
mod scripted;
mod support;

mod backoff;
mod qos1;
mod reconnects;
mod settings;
mod states;
mod subscriptions;

/// Not a test: the broker process of the restart test, this binary run
/// again as a child. Without the environment variable it does nothing.
#[test]
fn broker_child_process() {
    loopback_mqtt::broker_child_main();
}
