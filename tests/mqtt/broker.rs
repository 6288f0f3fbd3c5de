//! rumqttd, embedded in this process or in a child process the restart test can kill.

use crate::loopback_mqtt::wait_listening;
use crate::support::free_port;
use std::collections::HashMap;
use std::io::Read;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

const CHILD_PORT_VAR: &str = "LOSANT_MQTT_TEST_BROKER_PORT";

fn broker_config(port: u16, auth: Option<(&str, &str)>) -> rumqttd::Config {
    let connections = rumqttd::ConnectionSettings {
        connection_timeout_ms: 10_000,
        max_payload_size: 256 * 1024,
        max_inflight_count: 100,
        auth: auth.map(|(user, password)| HashMap::from([(user.into(), password.into())])),
        external_auth: None,
        dynamic_filters: true,
    };
    let server = rumqttd::ServerSettings {
        name: "v4".into(),
        listen: SocketAddr::from(([127, 0, 0, 1], port)),
        tls: None,
        next_connection_delay_ms: 0,
        connections,
    };
    rumqttd::Config {
        router: rumqttd::RouterConfig {
            max_connections: 100,
            max_outgoing_packet_count: 200,
            max_segment_size: 1024 * 1024,
            max_segment_count: 10,
            ..Default::default()
        },
        v4: Some(HashMap::from([("v4".to_string(), server)])),
        ..Default::default()
    }
}

/// Starts rumqttd in this process (it lives until the test binary exits).
pub(crate) async fn start_broker(auth: Option<(&str, &str)>) -> u16 {
    let port = free_port();
    let config = broker_config(port, auth);
    std::thread::spawn(move || {
        let mut broker = rumqttd::Broker::new(config);
        let _ = broker.start();
    });
    wait_listening(port).await;
    port
}

/// Not a test: the broker process of `a_broker_restart_*`, run as a child of
/// this test binary. Without the environment variable it does nothing.
#[test]
fn broker_child_process() {
    let Ok(port) = std::env::var(CHILD_PORT_VAR) else {
        return;
    };
    let port: u16 = port.parse().expect("a port number");
    // Exit with the parent: its end of our stdin closes when it dies.
    std::thread::spawn(|| {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        std::process::exit(0);
    });
    let mut broker = rumqttd::Broker::new(broker_config(port, None));
    let _ = broker.start();
}

/// rumqttd in a child process; killed (like a crash) when dropped.
pub(crate) struct ChildBroker(Child);

impl ChildBroker {
    pub(crate) async fn start(port: u16) -> Self {
        let exe = std::env::current_exe().expect("the test binary");
        // `--exact` matches the full test name, module path included.
        let child = Command::new(exe)
            .args([
                "broker::broker_child_process",
                "--exact",
                "--test-threads=1",
            ])
            .env(CHILD_PORT_VAR, port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the broker process starts");
        let broker = ChildBroker(child);
        wait_listening(port).await;
        broker
    }
}

impl Drop for ChildBroker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
