//! The service as a process against a real Kafka-protocol broker process (tansu with its sqlite
//! engine): killed with SIGKILL mid-stream and restarted, it ends with the figures of an uninterrupted
//! run; two instances in one group export, together, what one instance exports alone.
//! Needs `tansu` on PATH (`.ci/run` installs it once).

mod common;

use common::broker::Broker;
use common::{free_port, scratch, wall_clock_ms};

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use callboard::center::settings::{HOUR, MINUTE};
use callboard::event::Event;
use callboard::ingest::produce::EventProducer;
use callboard::sim::{simulate, SimOptions};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::ClientConfig;

const TOPIC: &str = "call-events";

fn client_properties() -> Vec<(String, String)> {
    vec![("broker.address.family".to_string(), "v4".to_string())]
}

async fn create_topic(brokers: &str) {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("broker.address.family", "v4")
        .create()
        .unwrap();
    let topic = NewTopic::new(TOPIC, 4, TopicReplication::Fixed(1));
    let results = admin
        .create_topics(&[topic], &AdminOptions::new())
        .await
        .unwrap();
    for result in results {
        result.unwrap();
    }
}

/// Two centers' last few hours, ending five minutes ago (within the replay window of a restart).
fn events() -> Vec<Event> {
    let start = wall_clock_ms() - 3 * HOUR - 5 * MINUTE;
    let mut all = Vec::new();
    for (seed, tenant) in [(5, "acme"), (6, "globex")] {
        let options = SimOptions {
            seed,
            tenant: tenant.to_string(),
            start,
            hours: 3,
            agents: 10,
            queues: 2,
            peak_calls_per_hour: 80.0,
            realistic_day: false,
            patience_mean_ms: Some(90_000),
            ..SimOptions::default()
        };
        simulate(&options, |event| all.push(event));
    }
    all.sort_by_key(|event| event.time);
    all
}

fn produce(brokers: &str, events: &[Event]) {
    let mut producer = EventProducer::new(brokers, TOPIC, &client_properties()).unwrap();
    for event in events {
        producer.send(event).unwrap();
    }
    producer.flush().unwrap();
}

/// A fixed-offset zone where it is about noon now: the events' last three hours fall on one local
/// day whenever the test runs (in UTC, just after midnight, "today's" intervals would hold minutes).
fn midday_zone() -> String {
    let hour = (wall_clock_ms() / HOUR).rem_euclid(24);
    // Etc/GMT-N is N hours ahead of UTC (POSIX signs).
    match 12 - hour {
        0 => "Etc/GMT".to_string(),
        ahead if ahead > 0 => format!("Etc/GMT-{ahead}"),
        behind => format!("Etc/GMT+{}", -behind),
    }
}

/// A `callboard run` process, killed on drop.
struct Instance {
    process: Child,
    http: String,
}

impl Instance {
    fn start(dir: &Path, brokers: &str, group: &str) -> Instance {
        let port = free_port();
        let config = dir.join(format!("{group}-{port}.toml"));
        std::fs::write(
            &config,
            format!(
                "[kafka]\nbrokers = \"{brokers}\"\ntopic = \"{TOPIC}\"\ngroup_id = \"{group}\"\nworkers = 2\n\
                 [kafka.properties]\n\"broker.address.family\" = \"v4\"\n\"session.timeout.ms\" = \"6000\"\n\"client.id\" = \"{group}-{port}\"\n\
                 [http]\nlisten = \"127.0.0.1:{port}\"\n\
                 [defaults]\ntime_zone = \"{}\"\n",
                midday_zone()
            ),
        )
        .unwrap();
        let process = Command::new(env!("CARGO_BIN_EXE_callboard"))
            .args(["run", "--config", config.to_str().unwrap()])
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join(format!("{group}-{port}.log"))).unwrap())
            .spawn()
            .unwrap();
        Instance {
            process,
            http: format!("127.0.0.1:{port}"),
        }
    }

    /// Serving what the group gave it, or a standby the group gave nothing (`/readyz` says so).
    fn ready_or_standby(&self) -> bool {
        self.get("/readyz").is_some()
            || self
                .get_any("/readyz")
                .is_some_and(|body| body.contains("no partitions assigned"))
    }

    fn get(&self, path: &str) -> Option<String> {
        let (head, body) = self.request(path)?;
        head.starts_with("HTTP/1.1 200").then_some(body)
    }

    /// The body whatever the status.
    fn get_any(&self, path: &str) -> Option<String> {
        self.request(path).map(|(_, body)| body)
    }

    fn request(&self, path: &str) -> Option<(String, String)> {
        use std::io::{Read, Write};
        let mut socket = std::net::TcpStream::connect(&self.http).ok()?;
        socket.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        write!(
            socket,
            "GET {path} HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n"
        )
        .ok()?;
        let mut response = String::new();
        socket.read_to_string(&mut response).ok()?;
        let (head, body) = response.split_once("\r\n\r\n")?;
        Some((head.to_string(), body.to_string()))
    }

    /// Events applied or rejected over the tenants this instance serves.
    fn counted(&self) -> u64 {
        let Some(body) = self.get("/api/v1/tenants") else {
            return 0;
        };
        let value: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        value["tenants"]
            .as_array()
            .map(|tenants| {
                tenants
                    .iter()
                    .map(|t| {
                        t["events"]["applied"].as_u64().unwrap_or(0)
                            + t["events"]["rejected"].as_u64().unwrap_or(0)
                    })
                    .sum()
            })
            .unwrap_or(0)
    }

    fn intervals(&self, tenant: &str) -> Option<String> {
        self.get(&format!("/api/v1/tenants/{tenant}/intervals?format=csv"))
    }

    fn kill(mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// Waits until `done` has held for three seconds in a row: a consumer group rebalances a few times
/// while its members join, and each rebalance replays.
fn wait_until_settled(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    let mut held_since: Option<Instant> = None;
    loop {
        if done() {
            let since = *held_since.get_or_insert_with(Instant::now);
            if since.elapsed() >= Duration::from_secs(3) {
                return;
            }
        } else {
            held_since = None;
        }
        assert!(started.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// The KPI series of `/metrics` that do not move with the wall clock: counters and `today` gauges.
fn stable_series(metrics: &str) -> Vec<String> {
    let mut lines: Vec<String> = metrics
        .lines()
        .filter(|line| {
            line.starts_with("callboard_queue_")
                && (line.contains("_total{") || line.contains("window=\"today\""))
        })
        .map(str::to_string)
        .collect();
    lines.sort();
    lines
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_and_restarted_it_ends_with_the_figures_of_an_uninterrupted_run() {
    let dir = scratch("kill");
    let broker = Broker::start(&dir);
    create_topic(&broker.address).await;
    let all = events();
    let split = all.len() * 3 / 5;
    produce(&broker.address, &all[..split]);
    let first = Instance::start(&dir, &broker.address, "restarted");
    wait_until_settled("the first part", Duration::from_secs(90), || {
        first.get("/readyz").is_some() && first.counted() == split as u64
    });
    first.kill(); // SIGKILL: no commit, no goodbye
    produce(&broker.address, &all[split..]);
    // The dead members stay in the group until their session times out (6 s here); the restarted
    // instance then gets every partition in one rebalance.
    std::thread::sleep(Duration::from_secs(7));
    let restarted = Instance::start(&dir, &broker.address, "restarted");
    let uninterrupted = Instance::start(&dir, &broker.address, "uninterrupted");
    for instance in [&restarted, &uninterrupted] {
        wait_until_settled("every event", Duration::from_secs(120), || {
            instance.get("/readyz").is_some() && instance.counted() == all.len() as u64
        });
    }
    // A group may still move a partition after it looked settled (a dead member's session ending
    // late); while a partition replays its tenant is not served, so compare once both answer.
    let figures = |instance: &Instance| ["acme", "globex"].map(|tenant| instance.intervals(tenant));
    let started = Instant::now();
    let (mut got, mut expected) = (figures(&restarted), figures(&uninterrupted));
    while (got != expected || expected.iter().any(Option::is_none))
        && started.elapsed() < Duration::from_secs(30)
    {
        std::thread::sleep(Duration::from_secs(1));
        (got, expected) = (figures(&restarted), figures(&uninterrupted));
    }
    for (tenant, expected) in ["acme", "globex"].iter().zip(&expected) {
        let expected = expected
            .as_deref()
            .unwrap_or_else(|| panic!("uninterrupted serves {tenant}"));
        assert!(expected.lines().count() > 5, "{tenant}: {expected}");
    }
    assert_eq!(got, expected);
    assert_eq!(
        restarted.counted(),
        all.len() as u64,
        "nothing counted twice"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_in_one_group_export_what_one_exports_alone() {
    let dir = scratch("pair");
    let broker = Broker::start(&dir);
    create_topic(&broker.address).await;
    let all = events();
    produce(&broker.address, &all);
    let alone = Instance::start(&dir, &broker.address, "alone");
    let (left, right) = (
        Instance::start(&dir, &broker.address, "pair"),
        Instance::start(&dir, &broker.address, "pair"),
    );
    wait_until_settled("the lone instance", Duration::from_secs(120), || {
        alone.get("/readyz").is_some() && alone.counted() == all.len() as u64
    });
    // Settled: the group has formed and every partition replayed (an instance the group gave nothing
    // says so and serves nothing), and every event counted once between the two.
    wait_until_settled("the pair", Duration::from_secs(120), || {
        left.ready_or_standby()
            && right.ready_or_standby()
            && left.counted() + right.counted() == all.len() as u64
    });
    // A group may still move a partition after it looked settled; the scrapes agree once it stops.
    let scrape = || {
        let mut union = stable_series(&left.get("/metrics").unwrap_or_default());
        union.extend(stable_series(&right.get("/metrics").unwrap_or_default()));
        union.sort();
        (
            union,
            stable_series(&alone.get("/metrics").unwrap_or_default()),
        )
    };
    let started = Instant::now();
    let (mut union, mut expected) = scrape();
    while union != expected && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_secs(1));
        (union, expected) = scrape();
    }
    assert!(expected.len() > 20, "{expected:?}");
    assert_eq!(union, expected);
}
