//! Store-and-forward under crashes: a child process (this test binary,
//! re-executed for `reporter_child_process`) reports 10,000 states through
//! a store to a broker on loopback and is killed with SIGKILL at random
//! moments, several times; each time it starts again on the same store
//! file and goes on from the first report it had not been told was
//! stored; the last run goes to the end. Then no report may be missing,
//! the first arrival of each must be in order, and the duplicates are
//! counted and printed.
//!
//! - `sigkill_*`: the broker stays up; a subscriber counts what arrived.
//! - `broker_restart_*`: the broker runs in a child process and is killed
//!   and restarted as well. A killed broker loses what it had taken but
//!   not yet passed on, so what counts is what it acknowledged: a proxy
//!   in front of it records every PUBLISH whose PUBACK it sent back.
//! - `link_cut_*`: a proxy cuts the link for a while, during reporting and
//!   across restarts of the reporter.
//!
//! Each report carries its number (`seq`) and the run that made it, so
//! the duplicates split into those the crate sent twice (same run: no
//! PUBACK seen before a lost connection or a kill) and those the program
//! reported again (it was killed after the store had the report but
//! before the program knew). The random moments come from a seed that is
//! printed (`LOSANT_TEST_SEED` repeats a run). Bounded: every wait has a
//! deadline; loopback only.

#![cfg(all(feature = "mqtt", feature = "store"))]

mod loopback_mqtt;

use loopback_mqtt::{
    broker_child_main, exit_with_parent, free_port, start_broker, ChildBroker, Proxy, Subscriber,
};
use losant_device::mqtt::DeviceConnection;
use losant_device::store::{Store, StoreOptions};
use losant_device::types::DeviceState;
use losant_device::{Backoff, DeviceId};
use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const REPORTS: i64 = 10_000;
/// Runs killed before the last one.
const KILLS: i64 = 5;
const REPORTER: &str = "LOSANT_TEST_REPORTER";
/// Bounds a whole scenario, should something hang.
const SCENARIO_DEADLINE: Duration = Duration::from_secs(240);

#[test]
fn broker_child_process() {
    broker_child_main();
}

/// Not a test: the reporting device of the scenarios, run as a child.
/// Without the environment variable it does nothing.
#[test]
fn reporter_child_process() {
    let Ok(spec) = std::env::var(REPORTER) else {
        return;
    };
    exit_with_parent();
    let parts: Vec<&str> = spec.split('|').collect();
    let [port, store, from, run] = parts[..] else {
        panic!("bad reporter spec {spec:?}");
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(report(
        port.parse().expect("port"),
        Path::new(store),
        from.parse().expect("from"),
        run.parse().expect("run"),
    ));
}

fn device() -> DeviceId {
    "5e0000000000000000000a11".parse().expect("a device id")
}

async fn report(port: u16, store: &Path, from: i64, run: i64) {
    let store = Store::open(store, StoreOptions::default()).expect("the store opens");
    let connection = DeviceConnection::builder(device(), "key", "secret")
        .broker("127.0.0.1")
        .port(port)
        .plain_tcp()
        .keep_alive(Duration::from_secs(5))
        .reconnect_backoff(Backoff::new(
            Duration::from_millis(50),
            Duration::from_millis(500),
        ))
        .stable_after(Duration::from_secs(1))
        .store(store.clone())
        .connect_in_background()
        .expect("starts");
    for seq in from..REPORTS {
        let state = DeviceState::now().with("seq", seq).with("run", run);
        connection.send_state(&state).await.expect("stored");
        println!("taken {seq}");
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    while store.stats().entries > 0 {
        assert!(
            Instant::now() < deadline,
            "not delivered: {:?}",
            store.stats()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let stats = store.stats();
    println!("resent {} delivered {}", stats.resent, stats.delivered);
    connection.close().await.expect("closed");
    store.close().await;
    std::process::exit(0);
}

/// A reporter process and what it said on stdout.
struct Reporter {
    child: Child,
    /// The last report it was told was stored.
    taken: Arc<AtomicI64>,
    resent: Arc<Mutex<Option<u64>>>,
}

impl Reporter {
    fn start(port: u16, store: &Path, from: i64, run: i64) -> Reporter {
        let exe = std::env::current_exe().expect("the test binary");
        let mut child = Command::new(exe)
            .args([
                "reporter_child_process",
                "--exact",
                "--test-threads=1",
                "--nocapture",
            ])
            .env(REPORTER, format!("{port}|{}|{from}|{run}", store.display()))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the reporter starts");
        let stdout = child.stdout.take().expect("its stdout");
        let taken = Arc::new(AtomicI64::new(from - 1));
        let resent = Arc::new(Mutex::new(None));
        let (taken_by_reader, resent_by_reader) = (taken.clone(), resent.clone());
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(seq) = line.strip_prefix("taken ") {
                    taken_by_reader.store(seq.parse().expect("a number"), Ordering::SeqCst);
                } else if let Some(rest) = line.strip_prefix("resent ") {
                    let count = rest.split(' ').next().expect("a count");
                    *resent_by_reader.lock().expect("not poisoned") =
                        Some(count.parse().expect("a number"));
                }
            }
        });
        Reporter {
            child,
            taken,
            resent,
        }
    }

    /// Kills it like a power cut; the next report to make.
    fn kill(mut self) -> i64 {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The reader may still be on the last lines.
        std::thread::sleep(Duration::from_millis(50));
        self.taken.load(Ordering::SeqCst) + 1
    }

    /// Waits for the last run to end by itself; the store's resent total.
    async fn finish(mut self) -> u64 {
        let deadline = Instant::now() + SCENARIO_DEADLINE;
        loop {
            if let Some(status) = self.child.try_wait().expect("the reporter's status") {
                assert!(status.success(), "the last run failed: {status}");
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the last run did not end in time"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        std::thread::sleep(Duration::from_millis(50));
        let resent = *self.resent.lock().expect("not poisoned");
        resent.expect("the last run reported its totals")
    }
}

fn seed() -> u64 {
    let seed = std::env::var("LOSANT_TEST_SEED")
        .ok()
        .and_then(|seed| seed.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    println!("seed {seed} (set LOSANT_TEST_SEED to repeat)");
    seed
}

/// What the disturbance of a scenario does during a run, beside the kill.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Disturbance {
    None,
    RestartBroker,
    CutLink,
}

/// Runs the reporter `KILLS` times with a kill at a random moment, then
/// once to the end; returns the store's resent total.
async fn run_with_kills(
    port: u16,
    store: &Path,
    rng: &mut fastrand::Rng,
    disturbance: Disturbance,
    broker: Option<&mut ChildBroker>,
    proxy: Option<&Proxy>,
) -> u64 {
    let mut broker = broker;
    let mut next = 0;
    for run in 0..KILLS {
        let reporter = Reporter::start(port, store, next, run);
        let lifetime = Duration::from_millis(rng.u64(100..1500));
        let started = Instant::now();
        match disturbance {
            Disturbance::None => {}
            Disturbance::RestartBroker => {
                tokio::time::sleep(lifetime / 2).await;
                if let Some(broker) = broker.as_deref_mut() {
                    broker.restart().await;
                }
            }
            Disturbance::CutLink => {
                tokio::time::sleep(lifetime / 3).await;
                if let Some(proxy) = proxy {
                    proxy.cut();
                    // Sometimes the kill comes while the link is down, so
                    // that the next run starts without a network.
                    tokio::time::sleep(Duration::from_millis(rng.u64(100..800))).await;
                    if run % 2 == 0 {
                        proxy.restore();
                    }
                }
            }
        }
        tokio::time::sleep(lifetime.saturating_sub(started.elapsed())).await;
        next = reporter.kill();
        if let Some(proxy) = proxy {
            if run % 2 == 1 {
                // Down for a while after the restart too.
                let reporter = Reporter::start(port, store, next, run + 100);
                tokio::time::sleep(Duration::from_millis(rng.u64(200..600))).await;
                next = reporter.kill();
                proxy.restore();
            }
        }
        println!("run {run}: killed after {lifetime:?}; next report {next}");
    }
    let last = Reporter::start(port, store, next, KILLS);
    last.finish().await
}

struct Arrivals {
    arrivals: usize,
    /// Sent twice by the crate (same run).
    resent: usize,
    /// Reported again by the program after a kill.
    reported_again: usize,
}

/// Checks that every report arrived and that first arrivals are in order.
fn check(payloads: &[Vec<u8>]) -> Arrivals {
    let mut seen = HashSet::new();
    let mut pairs = HashSet::new();
    let mut expected = 0i64;
    for payload in payloads {
        let state: serde_json::Value = serde_json::from_slice(payload).expect("a state");
        let seq = state["data"]["seq"].as_i64().expect("seq");
        let run = state["data"]["run"].as_i64().expect("run");
        assert!(state["time"].is_i64(), "the original time is kept: {state}");
        pairs.insert((seq, run));
        if seen.insert(seq) {
            assert_eq!(seq, expected, "a first arrival out of order");
            expected += 1;
        }
    }
    let missing: Vec<i64> = (0..REPORTS).filter(|seq| !seen.contains(seq)).collect();
    assert!(
        missing.is_empty(),
        "lost {} reports, first {:?}",
        missing.len(),
        &missing[..missing.len().min(10)]
    );
    Arrivals {
        arrivals: payloads.len(),
        resent: payloads.len() - pairs.len(),
        reported_again: pairs.len() - seen.len(),
    }
}

fn summary(scenario: &str, arrivals: &Arrivals, counted: u64) {
    println!(
        "{scenario}: {REPORTS} reports, 0 lost, {} arrivals, {} duplicates ({} sent again by the crate, \
         {} reported again by the program); the store counted {counted} resent",
        arrivals.arrivals,
        arrivals.arrivals - REPORTS as usize,
        arrivals.resent,
        arrivals.reported_again,
    );
    assert!(
        arrivals.resent as u64 <= counted,
        "the store's resent count {counted} must bound the crate's duplicates {}",
        arrivals.resent
    );
}

async fn wait_for(what: &str, count: impl Fn() -> usize, at_least: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while count() < at_least {
        assert!(
            Instant::now() < deadline,
            "{what}: {} of {at_least}",
            count()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Duplicates may still be on their way.
    tokio::time::sleep(Duration::from_millis(200)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_loses_nothing_and_keeps_the_order() {
    let mut rng = fastrand::Rng::with_seed(seed());
    let broker = start_broker().await;
    let subscriber = Subscriber::start(broker.port, "crash-subscriber").await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = dir.path().join("reports.db");
    let counted =
        run_with_kills(broker.port, &store, &mut rng, Disturbance::None, None, None).await;
    wait_for("the subscriber", || subscriber.count(), REPORTS as usize).await;
    summary("sigkill", &check(&subscriber.payloads()), counted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_restarts_lose_nothing_the_broker_acknowledged() {
    let mut rng = fastrand::Rng::with_seed(seed());
    let port = free_port();
    let mut broker = ChildBroker::start(port).await;
    let proxy = Proxy::start(port).await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = dir.path().join("reports.db");
    let counted = run_with_kills(
        proxy.port,
        &store,
        &mut rng,
        Disturbance::RestartBroker,
        Some(&mut broker),
        None,
    )
    .await;
    let acknowledged = proxy.acknowledged();
    summary("broker restart", &check(&acknowledged), counted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_link_loses_nothing_and_keeps_the_order() {
    let mut rng = fastrand::Rng::with_seed(seed());
    let broker = start_broker().await;
    let subscriber = Subscriber::start(broker.port, "cut-subscriber").await;
    let proxy = Proxy::start(broker.port).await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = dir.path().join("reports.db");
    let counted = run_with_kills(
        proxy.port,
        &store,
        &mut rng,
        Disturbance::CutLink,
        None,
        Some(&proxy),
    )
    .await;
    wait_for("the subscriber", || subscriber.count(), REPORTS as usize).await;
    summary("link cut", &check(&subscriber.payloads()), counted);
}
