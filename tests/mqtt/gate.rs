//! The TCP proxy that cuts, stops or refuses connections while the broker keeps running.

use crate::loopback_mqtt::read_packet;
use crate::scripted::{kind, PUBLISH};
use crate::support::guard;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Pass connections through to the broker.
    Forward,
    /// Cut every connection and close new ones at once.
    Down,
    /// Answer CONNECT with a refusing CONNACK with this return code.
    Refuse(u8),
}

/// A TCP proxy in front of a broker that can cut, refuse or pass
/// connections, and reports every packet clients send through it.
pub(crate) struct Gate {
    pub(crate) port: u16,
    mode: watch::Sender<Mode>,
    pub(crate) packets: mpsc::UnboundedReceiver<Vec<u8>>,
}

impl Gate {
    pub(crate) async fn start(upstream: u16, mode: Mode) -> Gate {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let (mode, modes) = watch::channel(mode);
        let (tap, packets) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let modes = modes.clone();
                let current = *modes.borrow();
                match current {
                    Mode::Forward => {
                        tokio::spawn(forward(socket, upstream, modes, tap.clone()));
                    }
                    Mode::Down => drop(socket),
                    Mode::Refuse(code) => {
                        tokio::spawn(refuse(socket, code));
                    }
                }
            }
        });
        Gate {
            port,
            mode,
            packets,
        }
    }

    pub(crate) fn set(&self, mode: Mode) {
        self.mode.send_replace(mode);
    }

    /// The next PUBLISH a client sent through the gate.
    pub(crate) async fn next_publish(&mut self) -> Vec<u8> {
        guard("a PUBLISH through the gate", async {
            loop {
                let packet = self.packets.recv().await.expect("the gate is running");
                if kind(&packet) == PUBLISH {
                    return packet;
                }
            }
        })
        .await
    }

    /// The packets of `wanted` kind that clients sent through the gate so
    /// far (and that the gate has passed on).
    pub(crate) fn sent_so_far(&mut self, wanted: u8) -> Vec<Vec<u8>> {
        std::iter::from_fn(|| self.packets.try_recv().ok())
            .filter(|packet| kind(packet) == wanted)
            .collect()
    }
}

async fn forward(
    client: TcpStream,
    upstream: u16,
    mut mode: watch::Receiver<Mode>,
    tap: mpsc::UnboundedSender<Vec<u8>>,
) {
    let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)).await else {
        return;
    };
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let up = async {
        while let Ok(packet) = read_packet(&mut client_read).await {
            let _ = tap.send(packet.clone());
            if server_write.write_all(&packet).await.is_err() {
                break;
            }
        }
    };
    tokio::select! {
        _ = up => {}
        _ = tokio::io::copy(&mut server_read, &mut client_write) => {}
        _ = mode.wait_for(|mode| *mode != Mode::Forward) => {}
    }
}

async fn refuse(mut socket: TcpStream, code: u8) {
    if read_packet(&mut socket).await.is_ok() {
        let _ = socket.write_all(&[0x20, 0x02, 0x00, code]).await;
        // Keep the socket until the client hangs up, so it reads the CONNACK.
        let _ = socket.read_to_end(&mut Vec::new()).await;
    }
}
