//! The fault suite's machinery: a tansu broker process that can be killed and restarted on the same
//! port and storage, `callboard run` processes, a simulated day and its oracle (`callboard report` over
//! the same events from a file), producers, and readers of the group's offsets and of topics.
//! Only loopback addresses; every wait is bounded.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use callboard::center::settings::HOUR;
use callboard::decode::json_v1;
use callboard::event::Event;
use callboard::sim::{simulate, SimOptions};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message as _};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

use crate::common::{free_port, wall_clock_ms};

pub const TOPIC: &str = "call-events";
pub const PARTITIONS: i32 = 8;
pub const ALERT_TOPIC: &str = "fault-alerts";
pub const SESSION_TIMEOUT: Duration = Duration::from_secs(6);

/// A fresh directory for one test's broker storage, configurations and logs (kept after the test, so
/// a failure's logs can be read).
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("callboard-faults-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Polls `done` every `every` until it holds, or panics after `timeout` naming `what`.
pub fn wait_for(what: &str, timeout: Duration, every: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(every);
    }
}

// ---------------------------------------------------------------------------------------------------
// The broker

/// A tansu broker process (sqlite storage in its directory), killed on drop. It can be killed and
/// started again on the same port with the same storage.
pub struct Broker {
    process: Option<Child>,
    dir: PathBuf,
    listen: String,
    advertised: String,
    /// What clients bootstrap from.
    pub address: String,
}

impl Broker {
    /// A broker advertising its own address.
    pub fn start(dir: &Path) -> Broker {
        let port = free_port();
        Broker::start_advertising(dir, port, &format!("127.0.0.1:{port}"))
    }

    /// A broker listening on `port` that tells clients (in metadata) to connect to `advertised`.
    pub fn start_advertising(dir: &Path, port: u16, advertised: &str) -> Broker {
        let mut broker = Broker {
            process: None,
            dir: dir.to_path_buf(),
            listen: format!("127.0.0.1:{port}"),
            advertised: advertised.to_string(),
            address: advertised.to_string(),
        };
        broker.spawn();
        broker
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("tansu.log"))
            .unwrap();
        let process = Command::new("tansu")
            .args([
                "broker",
                "--storage-engine",
                "sqlite://broker.db",
                "--listener-url",
                &format!("tcp://{}", self.listen),
                "--advertised-listener-url",
                &format!("tcp://{}", self.advertised),
            ])
            .current_dir(&self.dir)
            .env_remove("CLUSTER_ID")
            .env_remove("LISTENER_URL")
            .env_remove("ADVERTISED_LISTENER_URL")
            .env_remove("STORAGE_ENGINE")
            // The group coordinator's decisions, for a run that fails (tansu logs only errors by default).
            .env("RUST_LOG", "warn,tansu_broker::coordinator=info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("tansu runs (cargo install tansu --version 0.6.0 --locked --features libsql,dynostore; .ci/run does)");
        self.process = Some(process);
        wait_for(
            &format!("tansu to listen on {}", self.listen),
            Duration::from_secs(20),
            Duration::from_millis(50),
            || std::net::TcpStream::connect(&self.listen).is_ok(),
        );
    }

    /// SIGKILL: the broker vanishes without closing anything cleanly.
    pub fn kill(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = process.kill();
            let _ = process.wait();
        }
    }

    /// Starts the killed broker again on the same port and storage.
    pub fn restart(&mut self) {
        assert!(self.process.is_none(), "kill the broker first");
        // The port was ours a moment ago; another process could take it only by chance.
        self.spawn();
    }

    pub fn create_topics(&self, topics: &[(&str, i32)]) {
        let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
            .set("bootstrap.servers", &self.address)
            .set("broker.address.family", "v4")
            .create()
            .unwrap();
        let topics: Vec<NewTopic<'_>> = topics
            .iter()
            .map(|(name, partitions)| NewTopic::new(name, *partitions, TopicReplication::Fixed(1)))
            .collect();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let results = runtime
            .block_on(admin.create_topics(&topics, &AdminOptions::new()))
            .unwrap();
        for result in results {
            result.unwrap();
        }
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.kill();
    }
}

// ---------------------------------------------------------------------------------------------------
// The simulated day and its oracle

pub struct Tenant {
    pub name: &'static str,
    /// A fixed-offset zone (`Etc/GMT-5` is UTC+5) whose local day started before the first event.
    pub zone: String,
}

/// A simulated day of several tenants, cut where the test's wall clock will be at `end`.
pub struct Day {
    pub tenants: Vec<Tenant>,
    /// Every tenant's events, merged in time order (each tenant's own order kept).
    pub events: Vec<Event>,
    /// `events[..history]` happened before the test started; the rest is produced as their time comes.
    pub history: usize,
    /// The events as JSON Lines, `callboard report`'s input.
    pub file: PathBuf,
}

pub const TENANTS: [&str; 5] = ["acme", "globex", "initech", "umbrella", "hooli"];

impl Day {
    /// A day of the five tenants, each with `agents` agents and `peak` calls an hour at the busiest
    /// time. Each tenant's local day (in a fixed-offset zone chosen so it is between 16:00 and 17:00
    /// local time now) starts at local midnight, so every interval of the service's table is "today";
    /// events up to `tail` from now are kept, to be produced as their time comes.
    pub fn simulate(dir: &Path, agents: usize, peak: f64, tail: Duration) -> Day {
        let now = wall_clock_ms();
        let end = now + tail.as_millis() as i64;
        // The local hour now is 16 in the zone UTC+offset.
        let utc_hour = (now / HOUR).rem_euclid(24);
        let mut offset = (16 - utc_hour).rem_euclid(24);
        if offset > 14 {
            offset -= 24;
        }
        let local_midnight =
            (now + offset * HOUR).div_euclid(24 * HOUR) * 24 * HOUR - offset * HOUR;
        // Etc/GMT has the POSIX sign: Etc/GMT-5 is five hours ahead of UTC.
        let zone = match offset {
            0 => "Etc/GMT".to_string(),
            offset if offset > 0 => format!("Etc/GMT-{offset}"),
            offset => format!("Etc/GMT+{}", -offset),
        };
        let hours = ((end - local_midnight) / HOUR + 1) as u32;
        let mut events = Vec::new();
        let mut tenants = Vec::new();
        for (seed, name) in TENANTS.iter().enumerate() {
            let options = SimOptions {
                seed: 100 + seed as u64,
                tenant: name.to_string(),
                start: local_midnight,
                hours,
                agents,
                queues: 4,
                peak_calls_per_hour: peak,
                ..SimOptions::default()
            };
            simulate(&options, |event| {
                if event.time <= end {
                    events.push(event);
                }
            });
            tenants.push(Tenant {
                name,
                zone: zone.clone(),
            });
        }
        events.sort_by_key(|event| event.time);
        let history = events.partition_point(|event| event.time <= now);
        let file = dir.join("day.jsonl");
        let mut out = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
        let mut line = Vec::with_capacity(512);
        for event in &events {
            line.clear();
            json_v1::encode(event, &mut line);
            line.push(b'\n');
            out.write_all(&line).unwrap();
        }
        out.flush().unwrap();
        assert!(
            events
                .first()
                .is_some_and(|first| first.time >= local_midnight)
                && events
                    .last()
                    .is_some_and(|last| last.time < local_midnight + 24 * HOUR),
            "the day fits one local day"
        );
        Day {
            tenants,
            events,
            history,
            file,
        }
    }

    /// `[tenants.*]` sections giving each tenant its zone.
    pub fn tenant_config(&self) -> String {
        self.tenants
            .iter()
            .map(|tenant| {
                format!(
                    "[tenants.{}]\ntime_zone = \"{}\"\n",
                    tenant.name, tenant.zone
                )
            })
            .collect()
    }

    /// The oracle: `callboard report` (the real binary) over the day's file with `config`, as each
    /// tenant's CSV table (header and that tenant's rows), the form the service serves at
    /// `/api/v1/tenants/{tenant}/intervals?format=csv`.
    pub fn oracle(&self, config: &Path) -> BTreeMap<String, String> {
        report_tables(&self.file, config)
    }
}

/// `callboard report --interval 15m --format csv` over `input`, split by tenant.
pub fn report_tables(input: &Path, config: &Path) -> BTreeMap<String, String> {
    let text = report_text(input, config, &["--format", "csv"]);
    let mut lines = text.lines();
    let header = lines.next().expect("a header");
    let mut tables: BTreeMap<String, String> = BTreeMap::new();
    for line in lines {
        let tenant = line.split(',').next().unwrap().to_string();
        tables
            .entry(tenant)
            .or_insert_with(|| format!("{header}\n"))
            .push_str(&format!("{line}\n"));
    }
    tables
}

/// `callboard report --interval 15m ARGS` over `input` with `config`: its output.
pub fn report_text(input: &Path, config: &Path, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_callboard"))
        .args(["report", "--interval", "15m"])
        .args(args)
        .arg("--input")
        .arg(input)
        .arg("--config")
        .arg(config)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "callboard report failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Rows of `got` not in `expected` and the reverse, for a readable failure.
pub fn table_difference(expected: &str, got: &str) -> String {
    let expected_rows: std::collections::BTreeSet<&str> = expected.lines().collect();
    let got_rows: std::collections::BTreeSet<&str> = got.lines().collect();
    let missing: Vec<&&str> = expected_rows.difference(&got_rows).take(5).collect();
    let extra: Vec<&&str> = got_rows.difference(&expected_rows).take(5).collect();
    format!(
        "{} rows expected, {} served; expected but not served (first 5): {missing:#?}; served but not expected: {extra:#?}",
        expected.lines().count(),
        got.lines().count()
    )
}

// ---------------------------------------------------------------------------------------------------
// Producing

fn producer(brokers: &str) -> BaseProducer {
    ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("broker.address.family", "v4")
        .set("linger.ms", "5")
        .set("queue.buffering.max.messages", "500000")
        .create()
        .unwrap()
}

fn send(producer: &BaseProducer, record: BaseRecord<'_, [u8], [u8]>) {
    let mut record = record;
    loop {
        match producer.send(record) {
            Ok(()) => return,
            Err((
                rdkafka::error::KafkaError::MessageProduction(
                    rdkafka::types::RDKafkaErrorCode::QueueFull,
                ),
                back,
            )) => {
                record = back;
                producer.poll(Duration::from_millis(10));
            }
            Err((error, _)) => panic!("cannot produce: {error}"),
        }
    }
}

fn flush(producer: &BaseProducer) {
    producer
        .flush(Duration::from_secs(120))
        .expect("every message delivered");
}

/// One message: valid events keyed by tenant (so the default partitioner places them), or any bytes
/// to an explicit partition.
pub enum Outgoing {
    Event(Event),
    Raw { partition: i32, payload: Vec<u8> },
}

/// Produces `messages` in order and waits until the broker has them all.
pub fn produce(brokers: &str, messages: impl IntoIterator<Item = Outgoing>) {
    let producer = producer(brokers);
    for message in messages {
        send_one(&producer, &message);
    }
    flush(&producer);
}

fn send_one(producer: &BaseProducer, message: &Outgoing) {
    match message {
        Outgoing::Event(event) => {
            let mut line = Vec::with_capacity(512);
            json_v1::encode(event, &mut line);
            send(
                producer,
                BaseRecord::to(TOPIC)
                    .key(event.tenant.as_bytes())
                    .payload(&line[..]),
            );
        }
        Outgoing::Raw { partition, payload } => send(
            producer,
            BaseRecord::to(TOPIC)
                .partition(*partition)
                .key(&b"garbage"[..])
                .payload(&payload[..]),
        ),
    }
}

/// Produces messages as their time comes (each once the wall clock reaches its due time), on a thread,
/// in order; can be paused (while the broker is away, so nothing is in flight when it goes) and resumed.
pub struct PacedProducer {
    handle: Option<std::thread::JoinHandle<()>>,
    paused: Arc<AtomicBool>,
}

impl PacedProducer {
    pub fn start(brokers: &str, messages: Vec<(i64, Outgoing)>) -> PacedProducer {
        let brokers = brokers.to_string();
        let paused = Arc::new(AtomicBool::new(false));
        let paused_flag = Arc::clone(&paused);
        let handle = std::thread::spawn(move || {
            let producer = producer(&brokers);
            for (due, message) in messages {
                while paused_flag.load(Ordering::Acquire) || wall_clock_ms() < due {
                    // Deliveries are served while waiting.
                    producer.poll(Duration::from_millis(10));
                }
                send_one(&producer, &message);
            }
            flush(&producer);
        });
        PacedProducer {
            handle: Some(handle),
            paused,
        }
    }

    /// Stops sending and waits until what was sent is delivered.
    pub fn pause(&self) {
        self.paused.store(true, Ordering::Release);
        // The thread sends at most one more message; librdkafka delivers it within the linger time.
        std::thread::sleep(Duration::from_millis(500));
    }

    pub fn resume(&self) {
        self.paused.store(false, Ordering::Release);
    }

    pub fn is_finished(&self) -> bool {
        self.handle
            .as_ref()
            .is_none_or(|handle| handle.is_finished())
    }

    /// Waits until every message is delivered.
    pub fn join(mut self) {
        if let Some(handle) = self.handle.take() {
            handle
                .join()
                .expect("the paced producer delivered everything");
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// Reading back

/// The group's committed offset of each partition of the event topic (0 where none is).
pub fn committed_offsets(brokers: &str, group: &str) -> Vec<i64> {
    let reader: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("broker.address.family", "v4")
        .set("group.id", group)
        .create()
        .unwrap();
    let mut partitions = TopicPartitionList::new();
    for partition in 0..PARTITIONS {
        partitions.add_partition(TOPIC, partition);
    }
    let committed = reader
        .committed_offsets(partitions, Duration::from_secs(10))
        .expect("the group's offsets");
    (0..PARTITIONS)
        .map(|partition| {
            match committed
                .find_partition(TOPIC, partition)
                .map(|element| element.offset())
            {
                Some(Offset::Offset(offset)) => offset,
                _ => 0,
            }
        })
        .collect()
}

/// Every message of `topic` (all partitions) up to the high watermarks at the call, as (headers,
/// payload). Partitions are assigned directly: no group to join.
pub fn read_topic(brokers: &str, topic: &str) -> Vec<(BTreeMap<String, String>, Vec<u8>)> {
    (read_keyed(brokers, topic).into_iter())
        .map(|(_, headers, payload)| (headers, payload))
        .collect()
}

/// Every message of `topic` as [`read_topic`] reads them, with its key ("" for none).
pub fn read_keyed(brokers: &str, topic: &str) -> Vec<(String, BTreeMap<String, String>, Vec<u8>)> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("broker.address.family", "v4")
        .set("group.id", "fault-suite-reader")
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let timeout = Duration::from_secs(10);
    let metadata = consumer.fetch_metadata(Some(topic), timeout).unwrap();
    let partitions: Vec<i32> = metadata.topics()[0]
        .partitions()
        .iter()
        .map(|partition| partition.id())
        .collect();
    let mut assignment = TopicPartitionList::new();
    let mut remaining = 0;
    let mut high = BTreeMap::new();
    for partition in partitions {
        let (_, end) = consumer
            .fetch_watermarks(topic, partition, timeout)
            .unwrap();
        high.insert(partition, end);
        remaining += end.max(0);
        assignment
            .add_partition_offset(topic, partition, Offset::Beginning)
            .unwrap();
    }
    consumer.assign(&assignment).unwrap();
    let mut messages = Vec::new();
    let started = Instant::now();
    while remaining > 0 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{topic}: {remaining} messages not read in a minute"
        );
        let Some(Ok(message)) = consumer.poll(Duration::from_millis(200)) else {
            continue;
        };
        if message.offset() >= high[&message.partition()] {
            continue;
        }
        remaining -= 1;
        let headers = message
            .headers()
            .map(|headers| {
                headers
                    .iter()
                    .map(|header| {
                        (
                            header.key.to_string(),
                            String::from_utf8_lossy(header.value.unwrap_or_default()).to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let key = String::from_utf8_lossy(message.key().unwrap_or_default()).to_string();
        messages.push((key, headers, message.payload().unwrap_or_default().to_vec()));
    }
    messages
}

/// Every alert notification on the alert topic: (rule, status, labels).
pub fn alert_notifications(brokers: &str) -> Vec<(String, String, String)> {
    read_topic(brokers, ALERT_TOPIC)
        .into_iter()
        .map(|(_, payload)| {
            let value: serde_json::Value = serde_json::from_slice(&payload).unwrap();
            (
                value["rule"].as_str().unwrap_or_default().to_string(),
                value["status"].as_str().unwrap_or_default().to_string(),
                value["labels"].to_string(),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------------
// The service

/// How an instance is configured (everything else: defaults).
#[derive(Clone)]
pub struct Setup {
    pub brokers: String,
    pub group: String,
    pub workers: usize,
    pub dead_letter_topic: Option<String>,
    pub max_message_bytes: Option<usize>,
    /// `[tenants.*]` sections.
    pub tenants: String,
}

/// Rules that hold only when history is taken for live traffic: an event applied more than ten minutes
/// after it happened (the day's history is hours old; live events here are seconds old), and a call
/// waiting over half an hour (callers here give up after about two minutes, but a call waiting in
/// history, seen at the wall clock, has waited for hours). Besides them only a canary, which fires for
/// every queue of a live tenant, so the alert topic is known to work.
pub const CANARY: &str = "Canary";

const CATCH_UP_RULES: &str = r#"
[alerting]
default_rules = false
kafka_topic = "fault-alerts"

[[alerts]]
name = "HistoryAppliedAsLive"
figure = "service.event_delay_seconds"
above = 600.0
severity = "critical"
summary = "an event applied {value} s after it happened"

[[alerts]]
name = "HistoricWaitSeenLive"
figure = "queue.longest_wait_seconds"
above = 1800.0
severity = "critical"
summary = "a call in {tenant}/{queue} waited {value} s"

[[alerts]]
name = "Canary"
figure = "queue.offered"
window = "today"
above = -1.0
severity = "info"
summary = "{tenant}/{queue} is live"
"#;

impl Setup {
    /// An instance's configuration: its HTTP port and its client id (the name its group members get,
    /// which a restarted instance keeps to tell its previous run's members).
    pub fn config(&self, http_port: u16, client_id: &str) -> String {
        // A short lateness: a stream that stops is settled (its last events counted) two seconds later,
        // so counts can be read exactly soon after; the day's events are in order, so the figures are
        // those of any lateness.
        let mut text = String::from("[engine]\nlateness = \"2s\"\n");
        if let Some(bytes) = self.max_message_bytes {
            text.push_str(&format!("max_message_bytes = {bytes}\n"));
        }
        text.push('\n');
        text.push_str(&format!(
            "[kafka]\nbrokers = \"{}\"\ntopic = \"{TOPIC}\"\ngroup_id = \"{}\"\nworkers = {}\n",
            self.brokers, self.group, self.workers
        ));
        if let Some(topic) = &self.dead_letter_topic {
            text.push_str(&format!("dead_letter_topic = \"{topic}\"\n"));
        }
        text.push_str(&format!(
            "\n[kafka.properties]\n\"broker.address.family\" = \"v4\"\n\"session.timeout.ms\" = \"{}\"\n\
             \"heartbeat.interval.ms\" = \"1000\"\n\"client.id\" = \"{client_id}\"\n\n[http]\nlisten = \"127.0.0.1:{http_port}\"\nshutdown_grace = \"5s\"\n",
            SESSION_TIMEOUT.as_millis()
        ));
        text.push_str(CATCH_UP_RULES);
        text.push('\n');
        text.push_str(&self.tenants);
        text
    }

    /// The configuration `callboard report` gets: the same, so the same zones and limits.
    pub fn write_config(&self, dir: &Path) -> PathBuf {
        let path = dir.join(format!("{}-report.toml", self.group));
        std::fs::write(&path, self.config(free_port(), "report")).unwrap();
        path
    }
}

/// A `callboard run` process, killed on drop.
pub struct Instance {
    process: Option<Child>,
    /// The client id, which a restart keeps.
    pub name: String,
    pub http: String,
    pub log: PathBuf,
    pub started: Instant,
}

/// One parsed HTTP answer.
pub struct Answer {
    pub status: u16,
    pub body: String,
}

impl Instance {
    /// A new instance, named after its port.
    pub fn start(dir: &Path, setup: &Setup) -> Instance {
        let port = free_port();
        Instance::start_as(dir, setup, &format!("{}-{port}", setup.group), port)
    }

    /// This instance started again (a new process, port and log; the same client id).
    pub fn restart(&self, dir: &Path, setup: &Setup) -> Instance {
        Instance::start_as(dir, setup, &self.name, free_port())
    }

    fn start_as(dir: &Path, setup: &Setup, name: &str, port: u16) -> Instance {
        let config = dir.join(format!("{}-{port}.toml", setup.group));
        std::fs::write(&config, setup.config(port, name)).unwrap();
        let log = dir.join(format!("{}-{port}.log", setup.group));
        let process = Command::new(env!("CARGO_BIN_EXE_callboard"))
            .args(["run", "--config", config.to_str().unwrap()])
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        Instance {
            process: Some(process),
            name: name.to_string(),
            http: format!("127.0.0.1:{port}"),
            log,
            started: Instant::now(),
        }
    }

    pub fn request(&self, path: &str) -> Option<Answer> {
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
        let status = head.split(' ').nth(1)?.parse().ok()?;
        Some(Answer {
            status,
            body: body.to_string(),
        })
    }

    /// The body of a 200 answer.
    pub fn get(&self, path: &str) -> Option<String> {
        self.request(path)
            .filter(|answer| answer.status == 200)
            .map(|answer| answer.body)
    }

    /// `/readyz`'s status code (0 when the instance does not answer).
    pub fn ready_status(&self) -> u16 {
        self.request("/readyz").map_or(0, |answer| answer.status)
    }

    pub fn is_ready(&self) -> bool {
        self.ready_status() == 200
    }

    /// Events applied or rejected over the tenants this instance serves, with the tenants.
    pub fn tenants(&self) -> BTreeMap<String, u64> {
        let Some(body) = self.get("/api/v1/tenants") else {
            return BTreeMap::new();
        };
        let value: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        value["tenants"]
            .as_array()
            .map(|tenants| {
                tenants
                    .iter()
                    .map(|t| {
                        (
                            t["tenant"].as_str().unwrap_or_default().to_string(),
                            t["events"]["applied"].as_u64().unwrap_or(0)
                                + t["events"]["rejected"].as_u64().unwrap_or(0),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn counted(&self) -> u64 {
        self.tenants().values().sum()
    }

    pub fn intervals(&self, tenant: &str) -> Option<String> {
        self.get(&format!("/api/v1/tenants/{tenant}/intervals?format=csv"))
    }

    pub fn metrics(&self) -> Option<String> {
        self.get("/metrics")
    }

    /// The items of the JSON list `key` that `path` answers (none when the instance does not answer).
    fn listed(&self, path: &str, key: &str) -> Vec<serde_json::Value> {
        let body = self.get(path).unwrap_or_default();
        let mut value: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        match value[key].take() {
            serde_json::Value::Array(items) => items,
            _ => Vec::new(),
        }
    }

    /// Tenants served with their last figures, marked stale (the group took their partition away).
    pub fn stale_tenants(&self) -> usize {
        self.listed("/api/v1/tenants", "tenants")
            .iter()
            .filter(|tenant| tenant["stale"] == true)
            .count()
    }

    /// The canary alerts firing now (one per live queue: none is ever dropped without a resolve).
    pub fn canaries_firing(&self) -> usize {
        self.listed("/api/v1/alerts", "alerts")
            .iter()
            .filter(|alert| alert["rule"].as_str() == Some(CANARY))
            .count()
    }

    /// Firing alerts but the canary, as `rule labels` lines (empty when the instance does not answer).
    pub fn catch_up_alerts(&self) -> Vec<String> {
        self.listed("/api/v1/alerts", "alerts")
            .iter()
            .filter(|alert| alert["rule"].as_str() != Some(CANARY))
            .map(|alert| format!("{} {}", alert["rule"], alert["labels"]))
            .collect()
    }

    /// SIGKILL: no commit, no goodbye.
    pub fn kill(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = process.kill();
            let _ = process.wait();
        }
    }

    /// SIGTERM, then waits (bounded) for the graceful stop.
    pub fn terminate(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &process.id().to_string()])
                .status();
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(30) {
                if let Ok(Some(status)) = process.try_wait() {
                    assert!(
                        status.success(),
                        "callboard stopped with {status} on SIGTERM; see {}",
                        self.log.display()
                    );
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = process.kill();
            let _ = process.wait();
            panic!(
                "callboard did not stop within 30 s of SIGTERM; see {}",
                self.log.display()
            );
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The sum of every sample of `name` whose labels include all of `labels` (`key="value"` each).
pub fn metric_sum(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    let mut found = None;
    for line in text.lines() {
        let Some(rest) = line.strip_prefix(name) else {
            continue;
        };
        let (label_text, value) = if let Some(rest) = rest.strip_prefix('{') {
            let Some((labels, value)) = rest.split_once("} ") else {
                continue;
            };
            (labels, value)
        } else if let Some(value) = rest.strip_prefix(' ') {
            ("", value)
        } else {
            continue;
        };
        if labels
            .iter()
            .all(|label| label_text.split(',').any(|part| part == *label))
        {
            if let Ok(value) = value.trim().parse::<f64>() {
                *found.get_or_insert(0.0) += value;
            }
        }
    }
    found
}

/// Waits until `instances` together serve every tenant of the day, each from exactly one instance,
/// with the oracle's table; returns how long it took. Panics with the difference after `timeout`.
pub fn wait_for_oracle(
    instances: &[&Instance],
    oracle: &BTreeMap<String, String>,
    timeout: Duration,
) -> Duration {
    let started = Instant::now();
    loop {
        let mut problems = Vec::new();
        for (tenant, expected) in oracle {
            let served: Vec<(usize, String)> = instances
                .iter()
                .enumerate()
                .filter_map(|(index, instance)| Some((index, instance.intervals(tenant)?)))
                .collect();
            match served.as_slice() {
                [(_, got)] if got == expected => {}
                [(index, got)] => problems.push(format!(
                    "{tenant} (instance {index}): {}",
                    table_difference(expected, got)
                )),
                [] => problems.push(format!("{tenant}: served by no instance")),
                many => problems.push(format!(
                    "{tenant}: served by instances {:?}",
                    many.iter().map(|(index, _)| index).collect::<Vec<_>>()
                )),
            }
        }
        if problems.is_empty() {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < timeout,
            "after {timeout:?} the served tables differ from the oracle:\n{}",
            problems.join("\n")
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}
