//! rumqttd on loopback: embedded in this process, or in a child process
//! (this test binary run again) that a test can kill like a crash.

use super::{free_port, wait_listening, CHILD_BROKER_PORT};
use std::collections::HashMap;
use std::io::Read;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

fn server(name: &str, port: u16, auth: Option<(&str, &str)>) -> rumqttd::ServerSettings {
    rumqttd::ServerSettings {
        name: name.into(),
        listen: SocketAddr::from(([127, 0, 0, 1], port)),
        tls: None,
        next_connection_delay_ms: 0,
        connections: rumqttd::ConnectionSettings {
            connection_timeout_ms: 10_000,
            max_payload_size: 256 * 1024,
            max_inflight_count: 100,
            auth: auth.map(|(user, password)| HashMap::from([(user.into(), password.into())])),
            external_auth: None,
            dynamic_filters: true,
        },
    }
}

/// rumqttd with an MQTT listener on `port` and, if asked, a WebSocket one.
pub fn broker_config(port: u16, ws_port: Option<u16>) -> rumqttd::Config {
    broker_config_with_auth(port, ws_port, None)
}

/// As [`broker_config`], accepting only the user name and password `auth`
/// when given.
pub fn broker_config_with_auth(
    port: u16,
    ws_port: Option<u16>,
    auth: Option<(&str, &str)>,
) -> rumqttd::Config {
    rumqttd::Config {
        router: rumqttd::RouterConfig {
            max_connections: 100,
            max_outgoing_packet_count: 200,
            // Room for a whole crash test's states, should a subscriber lag.
            max_segment_size: 4 * 1024 * 1024,
            max_segment_count: 10,
            ..Default::default()
        },
        v4: Some(HashMap::from([(
            "v4".to_string(),
            server("v4", port, auth),
        )])),
        ws: ws_port.map(|ws| HashMap::from([("ws".to_string(), server("ws", ws, auth))])),
        ..Default::default()
    }
}

/// An embedded rumqttd (it lives until the test binary exits).
pub struct Broker {
    pub port: u16,
    pub ws_port: u16,
}

pub async fn start_broker() -> Broker {
    let (port, ws_port) = (free_port(), free_port());
    let config = broker_config(port, Some(ws_port));
    std::thread::spawn(move || {
        let mut broker = rumqttd::Broker::new(config);
        let _ = broker.start();
    });
    wait_listening(port).await;
    wait_listening(ws_port).await;
    Broker { port, ws_port }
}

/// An embedded rumqttd with only an MQTT listener, accepting only `auth`
/// when given; returns its port.
pub async fn start_mqtt_broker(auth: Option<(&str, &str)>) -> u16 {
    let port = free_port();
    let config = broker_config_with_auth(port, None, auth);
    std::thread::spawn(move || {
        let mut broker = rumqttd::Broker::new(config);
        let _ = broker.start();
    });
    wait_listening(port).await;
    port
}

/// The body of a test binary's `broker_child_process` entry point: runs
/// rumqttd when the environment asks for it, until the parent is gone.
pub fn broker_child_main() {
    let Ok(port) = std::env::var(CHILD_BROKER_PORT) else {
        return;
    };
    let port: u16 = port.parse().expect("a port number");
    exit_with_parent();
    let mut broker = rumqttd::Broker::new(broker_config(port, None));
    let _ = broker.start();
}

/// A child process ends when its parent does: its end of stdin closes.
pub fn exit_with_parent() {
    std::thread::spawn(|| {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        std::process::exit(0);
    });
}

/// rumqttd in a child process (the test binary's `broker_child_process`);
/// killed like a crash when dropped or restarted.
pub struct ChildBroker {
    port: u16,
    child: Child,
}

impl ChildBroker {
    pub async fn start(port: u16) -> Self {
        let exe = std::env::current_exe().expect("the test binary");
        let child = Command::new(exe)
            .args(["broker_child_process", "--exact", "--test-threads=1"])
            .env(CHILD_BROKER_PORT, port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the broker process starts");
        wait_listening(port).await;
        ChildBroker { port, child }
    }

    pub async fn restart(&mut self) {
        self.kill();
        *self = ChildBroker::start(self.port).await;
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ChildBroker {
    fn drop(&mut self) {
        self.kill();
    }
}
