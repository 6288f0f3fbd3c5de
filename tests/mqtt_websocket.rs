//! MQTT over WebSockets (`ws` and `wss`) against the embedded broker's
//! WebSocket listener. A small front in between records the HTTP upgrade
//! request, so the tests see the path and subprotocol the crate asks for;
//! for `wss` a TLS front with the test certificate terminates TLS first.

#![cfg(feature = "mqtt-websocket")]

mod loopback_mqtt;

use loopback_mqtt::tls::{acceptor, trusting_config};
use loopback_mqtt::{guard, start_broker, Subscriber};
use losant_device::mqtt::{DeviceConnection, MqttError, WEBSOCKET_PATH};
use losant_device::types::DeviceState;
use losant_device::{DeviceId, Error};
use rumqttc::tokio_rustls::TlsAcceptor;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The most a front reads of an upgrade request.
const MAX_HEAD: usize = 8 * 1024;

fn device(n: u32) -> DeviceId {
    format!("5e{n:022x}").parse().expect("a device id")
}

type Heads = Arc<Mutex<Vec<String>>>;

/// Forwards to `upstream`, keeping the head of each HTTP request.
async fn recording_front(upstream: u16, tls: Option<TlsAcceptor>) -> (u16, Heads) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    let heads: Heads = Arc::default();
    let sink = heads.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let (sink, tls) = (sink.clone(), tls.clone());
            tokio::spawn(async move {
                match tls {
                    None => relay(socket, upstream, sink).await,
                    Some(acceptor) => {
                        if let Ok(tls) = acceptor.accept(socket).await {
                            relay(tls, upstream, sink).await;
                        }
                    }
                }
            });
        }
    });
    (port, heads)
}

async fn relay(mut client: impl AsyncRead + AsyncWrite + Unpin, upstream: u16, heads: Heads) {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") && head.len() < MAX_HEAD {
        match client.read_u8().await {
            Ok(byte) => head.push(byte),
            Err(_) => return,
        }
    }
    heads
        .lock()
        .expect("not poisoned")
        .push(String::from_utf8_lossy(&head).into_owned());
    let Ok(mut server) = TcpStream::connect(("127.0.0.1", upstream)).await else {
        return;
    };
    if server.write_all(&head).await.is_ok() {
        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
    }
}

/// The upgrade asked for the path and subprotocol of Losant's own client.
fn assert_losant_upgrade(head: &str) {
    let mut lines = head.lines();
    assert_eq!(lines.next(), Some("GET /mqtt HTTP/1.1"), "{head}");
    let headers: Vec<String> = lines.map(str::to_ascii_lowercase).collect();
    assert!(
        headers.iter().any(|line| line == "upgrade: websocket"),
        "{head}"
    );
    assert!(
        headers
            .iter()
            .any(|line| line == "sec-websocket-protocol: mqtt"),
        "{head}"
    );
}

#[tokio::test]
async fn ws_reaches_the_brokers_websocket_listener_at_slash_mqtt() {
    assert_eq!(WEBSOCKET_PATH, "/mqtt");
    let broker = start_broker().await;
    let subscriber = Subscriber::start(broker.port, "ws-subscriber").await;
    let (port, heads) = recording_front(broker.ws_port, None).await;
    let connection = DeviceConnection::builder(device(1), "key", "secret")
        .broker("127.0.0.1")
        .port(port)
        .plain_tcp()
        .websocket()
        .connect()
        .await
        .expect("connects over ws");
    connection
        .send_state(&DeviceState::at(7i64).with("over", "ws"))
        .await
        .expect("sent");
    assert_eq!(
        subscriber.nth(0).await,
        br#"{"data":{"over":"ws"},"time":7}"#
    );
    let heads = heads.lock().expect("not poisoned").clone();
    assert_eq!(heads.len(), 1);
    assert_losant_upgrade(&heads[0]);
    assert!(
        heads[0].contains(&format!("Host: 127.0.0.1:{port}")),
        "{}",
        heads[0]
    );
}

#[tokio::test]
async fn wss_verifies_the_broker_and_reaches_the_websocket_listener() {
    let broker = start_broker().await;
    let subscriber = Subscriber::start(broker.port, "wss-subscriber").await;
    let (port, heads) = recording_front(broker.ws_port, Some(acceptor())).await;

    // The default roots do not know the test CA: a TLS error, at once.
    let error = DeviceConnection::builder(device(2), "key", "secret")
        .broker("127.0.0.1")
        .port(port)
        .websocket()
        .connect_timeout(Duration::from_secs(60))
        .connect();
    let error = guard("the TLS verdict", error)
        .await
        .expect_err("an unknown issuer");
    assert!(
        matches!(&error, Error::Mqtt(MqttError::Tls { .. })),
        "{error:?}"
    );
    assert!(heads.lock().expect("not poisoned").is_empty());

    let connection = DeviceConnection::builder(device(2), "key", "secret")
        .broker("127.0.0.1")
        .port(port)
        .tls_config(trusting_config())
        .websocket()
        .connect()
        .await
        .expect("connects over wss");
    connection
        .send_state(&DeviceState::at(8i64).with("over", "wss"))
        .await
        .expect("sent");
    assert_eq!(
        subscriber.nth(0).await,
        br#"{"data":{"over":"wss"},"time":8}"#
    );
    let heads = heads.lock().expect("not poisoned").clone();
    assert_eq!(heads.len(), 1);
    assert_losant_upgrade(&heads[0]);
}

#[tokio::test]
async fn websockets_default_to_the_ports_of_losants_client() {
    let wss = DeviceConnection::builder(device(3), "key", "secret").websocket();
    let text = format!("{wss:?}");
    assert!(text.contains("443") && text.contains("wss"), "{text}");
    let ws = wss.plain_tcp();
    let text = format!("{ws:?}");
    assert!(text.contains("port: 80") && text.contains("(ws)"), "{text}");
}

#[tokio::test]
async fn a_port_without_websockets_fails_with_a_hint_instead_of_hanging() {
    let broker = start_broker().await;
    let connecting = DeviceConnection::builder(device(4), "key", "secret")
        .broker("127.0.0.1")
        .port(broker.port)
        .plain_tcp()
        .websocket()
        .connect_timeout(Duration::from_secs(2))
        .connect();
    let error = guard("the failure", connecting)
        .await
        .expect_err("plain MQTT is not a WebSocket");
    let Error::Mqtt(MqttError::Connection { message, .. }) = &error else {
        panic!("not a connection error: {error:?}");
    };
    assert!(message.contains("WebSocket"), "{message}");
}
