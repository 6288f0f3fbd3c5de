//! TLS, the secret kept out of debug output, and settings checked before use.

use crate::clients::{builder, Peer};
use crate::loopback_mqtt::start_mqtt_broker;
use crate::loopback_mqtt::tls::{acceptor, ring, trusting_config};
use crate::support::{device, guard, state_topic};
use losant_device::mqtt::{ConnectionBuilder, DeviceConnection, MqttError};
use losant_device::types::DeviceState;
use losant_device::{Backoff, Error};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

/// A TLS front for a plain broker: terminates TLS with the test
/// certificate and forwards to `upstream`. Counts the connections it
/// accepted.
async fn tls_front(upstream: u16) -> (u16, Arc<AtomicUsize>) {
    let acceptor = acceptor();
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(socket).await else {
                    return;
                };
                if let Ok(mut server) = TcpStream::connect(("127.0.0.1", upstream)).await {
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut server).await;
                }
            });
        }
    });
    (port, accepted)
}

/// A failed handshake is reported at once as a TLS error: one attempt,
/// not retries until the (here long) connect timeout.
#[tokio::test]
async fn tls_connections_verify_the_broker() {
    let default = DeviceConnection::builder(device(18), "access-key", "access-secret");
    let text = format!("{default:?}");
    assert!(text.contains("broker.losant.com") && text.contains("8883") && text.contains("TLS"));

    let port = start_mqtt_broker(None).await;
    let (tls_port, accepted) = tls_front(port).await;
    let id = device(23);
    let mut peer = Peer::start(port, &[state_topic(&id)]).await;

    // The default roots do not know the test CA, whichever provider.
    for untrusting in [default.clone(), default.clone().tls_provider(ring())] {
        let before = accepted.load(Ordering::SeqCst);
        let connecting = untrusting
            .broker("127.0.0.1")
            .port(tls_port)
            .connect_timeout(Duration::from_secs(120))
            .connect();
        let error = guard("the TLS verdict", connecting)
            .await
            .expect_err("an unknown issuer");
        assert!(
            matches!(&error, Error::Mqtt(MqttError::Tls { .. })),
            "{error:?}"
        );
        assert!(error.to_string().contains("TLS"), "{error}");
        assert_eq!(accepted.load(Ordering::SeqCst), before + 1, "one attempt");
    }

    // With the test CA as root, TLS works end to end.
    let connection = DeviceConnection::builder(id.clone(), "access-key", "access-secret")
        .broker("127.0.0.1")
        .port(tls_port)
        .tls_config(trusting_config())
        .connect()
        .await
        .expect("connects over TLS");
    connection
        .send_state(&DeviceState::at(4i64).with("secure", true))
        .await
        .expect("sent");
    assert_eq!(
        &peer.next().await.payload[..],
        br#"{"data":{"secure":true},"time":4}"#
    );

    // A server that does not speak TLS at all.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let plain_port = listener.local_addr().expect("address").port();
    let plain_accepted = Arc::new(AtomicUsize::new(0));
    let count = plain_accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let _ = socket.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
        }
    });
    let connecting = default
        .broker("127.0.0.1")
        .port(plain_port)
        .connect_timeout(Duration::from_secs(120))
        .connect();
    let error = guard("the TLS verdict", connecting)
        .await
        .expect_err("no TLS there");
    assert!(
        matches!(&error, Error::Mqtt(MqttError::Tls { .. })),
        "{error:?}"
    );
    assert_eq!(plain_accepted.load(Ordering::SeqCst), 1, "one attempt");
}

#[tokio::test]
async fn the_secret_never_shows_in_debug_output() {
    let port = start_mqtt_broker(None).await;
    let builder = DeviceConnection::builder(device(19), "access-key", "s3cr3t-value")
        .broker("127.0.0.1")
        .port(port)
        .plain_tcp();
    let text = format!("{builder:?}");
    assert!(text.contains("** redacted **"), "{text}");
    assert!(!text.contains("s3cr3t-value"), "{text}");
    let connection = builder.connect().await.expect("connects");
    let text = format!("{connection:?}");
    assert!(!text.contains("s3cr3t-value"), "{text}");
    assert!(text.contains("Connected"), "{text}");
}

#[tokio::test]
async fn bad_settings_are_rejected_before_connecting() {
    let id = device(20);
    for builder in [
        builder(1, &id).keep_alive(Duration::ZERO),
        builder(1, &id).reconnect_backoff(Backoff::new(Duration::ZERO, Duration::from_secs(1))),
        builder(1, &id).ack_timeout(Duration::ZERO),
        builder(1, &id).command_buffer(0),
        builder(1, &id).broker(" "),
    ] {
        let error = builder.connect().await.expect_err("invalid");
        assert!(matches!(error, Error::InvalidInput { .. }), "{error:?}");
    }
}

#[tokio::test]
async fn an_oversized_state_is_rejected_before_sending() {
    let port = start_mqtt_broker(None).await;
    let connection = builder(port, &device(21))
        .max_packet_size(1024)
        .connect()
        .await
        .expect("connects");
    let big = DeviceState::now().with("blob", "x".repeat(2000));
    assert!(matches!(
        connection.send_state(&big).await,
        Err(Error::InvalidInput { .. })
    ));
    assert!(connection.is_connected());
}

/// Handles, streams and futures can move between tasks (checked by the
/// compiler; never called).
#[allow(dead_code)]
fn everything_is_send(connection: DeviceConnection) {
    fn send<T: Send>(_: &T) {}
    fn send_sync<T: Send + Sync>() {}
    send_sync::<DeviceConnection>();
    send_sync::<ConnectionBuilder>();
    send_sync::<Error>();
    let id = device(0);
    let state = DeviceState::now();
    send(&builder(1, &id).connect());
    send(&connection.send_state(&state));
    send(&connection.send_peripheral_state(&id, &state));
    send(&connection.peripheral_commands(&id));
    send(&connection.disconnect());
    send(&connection.reconnect());
    send(&connection.close());
    send(&connection.commands());
    send(&connection.events());
}
