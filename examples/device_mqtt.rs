//! A device program: connects to Losant's MQTT broker as a device, reports
//! a (simulated) temperature every few seconds and prints the commands it
//! receives and what happens to the connection.
//!
//! ```sh
//! export LOSANT_DEVICE_ID=… LOSANT_ACCESS_KEY=… LOSANT_ACCESS_SECRET=…
//! cargo run --example device_mqtt --features mqtt
//! cargo run --example device_mqtt --features mqtt -- --help
//! ```
//!
//! Against a local broker without TLS (e.g. `mosquitto`):
//! `… -- --broker localhost --plain`.
//!
//! Through a firewall that opens only HTTPS: `--features mqtt-websocket`
//! and `--websocket` (`wss://broker.losant.com:443/mqtt`).
//!
//! Store-and-forward (`--features mqtt,store`): with `--store PATH`,
//! every report is written to that file before it counts as taken, sent in
//! order once connected and removed at its PUBACK; the program starts and
//! reports without a network, and what a crash or power loss left in the
//! file goes out after the restart.

use clap::Parser;
use futures::StreamExt;
use losant_device::mqtt::{DeviceConnection, Qos};
#[cfg(feature = "store")]
use losant_device::store::{Store, StoreOptions};
use losant_device::types::DeviceState;
use losant_device::{Client, DeviceId};
use std::time::{Duration, Instant};

/// Reports sensor state to Losant over MQTT and prints received commands.
#[derive(Parser)]
#[command(version)]
struct Settings {
    /// The device's id (24 hexadecimal characters).
    #[arg(long, env = "LOSANT_DEVICE_ID")]
    device_id: DeviceId,

    /// The device's access key.
    #[arg(long, env = "LOSANT_ACCESS_KEY", hide_env_values = true)]
    key: String,

    /// The device's access secret (prefer the environment variable: command
    /// lines are visible to other users).
    #[arg(long, env = "LOSANT_ACCESS_SECRET", hide_env_values = true)]
    secret: String,

    /// The MQTT broker.
    #[arg(long, env = "LOSANT_MQTT_BROKER", default_value = losant_device::mqtt::DEFAULT_BROKER)]
    broker: String,

    /// The broker's port [default: 8883, or 1883 with --plain].
    #[arg(long, env = "LOSANT_MQTT_PORT")]
    port: Option<u16>,

    /// Connect over plain TCP instead of TLS (local brokers only: the secret
    /// is sent in clear text).
    #[arg(long)]
    plain: bool,

    /// Seconds between state reports.
    #[arg(long, default_value_t = 5)]
    interval: u64,

    /// Publish with QoS 1 (acknowledged) instead of QoS 0.
    #[arg(long)]
    qos1: bool,

    /// Keep up to this many reports in memory while disconnected and send
    /// them once reconnected (0: report an error instead). Lost on a
    /// restart: see --store.
    #[arg(long, default_value_t = 100)]
    offline_queue: usize,

    /// Keep reports in this file until the broker acknowledged them
    /// (store-and-forward; survives restarts and power loss).
    #[cfg(feature = "store")]
    #[arg(long, value_name = "PATH")]
    store: Option<std::path::PathBuf>,

    /// Speak MQTT over WebSockets (wss on 443, or ws on 80 with --plain).
    #[cfg(feature = "mqtt-websocket")]
    #[arg(long)]
    websocket: bool,

    /// First check the key and secret against the REST API
    /// (`POST /auth/device`), which gives a clearer error for bad
    /// credentials.
    #[arg(long)]
    authenticate: bool,

    /// The REST API, for --authenticate.
    #[arg(long, env = "LOSANT_API_URL", default_value = losant_device::config::DEFAULT_BASE_URL)]
    api_url: String,
}

#[tokio::main]
async fn main() {
    if let Err(error) = run(Settings::parse()).await {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}

async fn run(settings: Settings) -> Result<(), losant_device::Error> {
    if settings.authenticate {
        Client::authenticate_device(
            settings.api_url.as_str(),
            settings.device_id.clone(),
            settings.key.as_str(),
            settings.secret.as_str(),
        )
        .await?;
        println!("authenticated as device {}", settings.device_id);
    }

    let mut builder =
        DeviceConnection::builder(settings.device_id.clone(), settings.key, settings.secret)
            .broker(settings.broker)
            .offline_queue(settings.offline_queue);
    if settings.plain {
        builder = builder.plain_tcp();
    }
    if let Some(port) = settings.port {
        builder = builder.port(port);
    }
    if settings.qos1 {
        builder = builder.qos(Qos::AtLeastOnce);
    }
    #[cfg(feature = "mqtt-websocket")]
    if settings.websocket {
        builder = builder.websocket();
    }
    #[cfg(feature = "store")]
    let store = match &settings.store {
        Some(path) => {
            let store = Store::open(path, StoreOptions::default())?;
            let stats = store.stats();
            println!(
                "store {}: {} reports waiting from earlier runs",
                path.display(),
                stats.entries
            );
            builder = builder.store(store.clone());
            Some(store)
        }
        None => None,
    };
    println!("connecting: {builder:?}");
    #[cfg(feature = "store")]
    let connection = if store.is_some() {
        // Reports are taken from the start, network or not.
        builder.connect_in_background()?
    } else {
        builder.connect().await?
    };
    #[cfg(not(feature = "store"))]
    let connection = builder.connect().await?;
    println!("reporting every {} s", settings.interval);

    let mut commands = connection.commands();
    let mut events = connection.events();
    let mut ticker = tokio::time::interval(Duration::from_secs(settings.interval.max(1)));
    let started = Instant::now();
    loop {
        tokio::select! {
            _ = ticker.tick() => {
                let uptime = started.elapsed().as_secs_f64();
                // A slowly drifting "temperature" in place of a real sensor.
                let temperature = 21.0 + 2.0 * (uptime / 60.0).sin();
                let state = DeviceState::now()
                    .with("temperature", (temperature * 10.0).round() / 10.0)
                    .with("uptime", uptime.round() as i64);
                match connection.send_state(&state).await {
                    #[cfg(feature = "store")]
                    Ok(()) if store.is_some() => {
                        let stats = connection.store_stats().unwrap_or_default();
                        println!(
                            "stored temperature {temperature:.1} ({} waiting, oldest {:?}, {} dropped, {} resent)",
                            stats.entries,
                            stats.oldest_age().unwrap_or_default(),
                            stats.dropped(),
                            stats.resent
                        );
                    }
                    Ok(()) if connection.is_connected() => println!("sent temperature {temperature:.1}"),
                    Ok(()) => println!(
                        "queued temperature {temperature:.1} ({} waiting)",
                        connection.queued_messages()
                    ),
                    Err(error) => eprintln!("not sent: {error}"),
                }
            }
            command = commands.next() => match command {
                Some(command) => println!(
                    "command {:?} with payload {}",
                    command.name,
                    command.payload.map(|payload| payload.to_string()).unwrap_or_default()
                ),
                None => break,
            },
            Some(event) = events.next() => println!("connection: {event:?}"),
        }
    }
    eprintln!("the connection closed");
    Ok(())
}
