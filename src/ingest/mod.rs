//! Kafka in: worker threads, each a member of one consumer group that owns the tenants of its
//! partitions; offsets stored after an event is applied and committed periodically, on revoke and on
//! shutdown; replay on assignment; dead letters. The only module that knows Kafka.

pub mod context;
pub mod dead_letter;
pub mod fetch_queue;
pub mod group;
pub mod intervals_reader;
mod owned;
pub mod produce;
pub mod range;
mod rebalance;
pub mod retention;
pub mod source;
pub mod state;
pub mod worker;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::Context as _;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::ClientConfig;
use tokio_util::sync::CancellationToken;

use crate::board::Board;
use crate::decode::DecodeLimits;
use crate::event::Millis;
use crate::telemetry::Telemetry;
use crate::tenants::SettingsOf;
use context::{ReplayStart, StateSource, WorkerContext};
use dead_letter::DeadLetters;
use fetch_queue::{Batch, FetchQueue};
use source::Source;
use state::StateWriter;
use worker::{RateLimit, Worker, WorkerState};

/// What the Kafka side is configured with.
#[derive(Debug, Clone, PartialEq)]
pub struct IngestSettings {
    pub brokers: String,
    /// The topics read, each in its format; every one is consumed by `workers` workers of the group.
    pub sources: Vec<Source>,
    pub group_id: String,
    pub dead_letter_topic: Option<String>,
    /// librdkafka properties passed through (TLS, SASL, timeouts); they override callboard's defaults.
    pub properties: Vec<(String, String)>,
    pub workers: usize,
    /// How far back an assigned partition is replayed: the longest window served (today since the
    /// earliest tenant midnight), capped by config.
    pub replay_ms: Millis,
    /// Find the replay start with offsets_for_times; off for brokers that do not answer it (the mock
    /// cluster), which then replay from the beginning.
    pub replay_by_time: bool,
    pub limits: DecodeLimits,
    /// What `now` is for snapshots.
    pub clock: Clock,
    /// How often snapshots are published and counters flushed.
    pub snapshot_interval: std::time::Duration,
    /// A partition silent this long on the wall clock (the engine's lateness) can receive nothing that
    /// is still in order: its buffered events are applied, so counts and offsets reach the end of a
    /// stream that stopped (a finished replay, a quiet night).
    pub settle_after: std::time::Duration,
    /// Where partition state is written and read back on assignment (`None`: restarts replay).
    pub state_topic: Option<String>,
    pub state_every: std::time::Duration,
}

/// The instant snapshots are taken at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// The wall clock: live service.
    Wall,
    /// Each tenant's latest event time: a replay or an accelerated demo, where event time runs ahead of
    /// (or behind) the wall clock.
    EventTime,
}

impl Clock {
    /// The instant snapshots are taken at: the wall clock's now, or `None` (each tenant's latest event).
    pub fn now(self) -> Option<crate::event::Millis> {
        match self {
            Clock::Wall => Some(wall_clock_ms()),
            Clock::EventTime => None,
        }
    }
}

/// The librdkafka configuration of every client: callboard's defaults, then the user's properties.
pub fn client_config(settings: &IngestSettings) -> ClientConfig {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", &settings.brokers)
        .set("group.id", &settings.group_id)
        .set("enable.auto.commit", "true")
        .set("auto.commit.interval.ms", "1000")
        // Offsets are stored by callboard after an event is applied, never on fetch.
        .set("enable.auto.offset.store", "false")
        .set("auto.offset.reset", "earliest")
        // librdkafka pauses a partition's fetching this long once its local queue is full (default 1 s):
        // a worker busy with a tick then waited a whole second for data. 10 ms keeps the queue fed.
        .set("fetch.queue.backoff.ms", "10")
        // Broker connection states each second: callboard_kafka_up and readiness follow them.
        .set("statistics.interval.ms", "1000")
        // Brokers log and name members after the client id: the instance's host says which one.
        .set("client.id", default_client_id());
    for (key, value) in &settings.properties {
        config.set(key, value);
    }
    config
}

/// `callboard-{hostname}`: which instance a group member or a broker log line is.
fn default_client_id() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .map(|host| host.trim().to_string())
        .filter(|host| !host.is_empty())
        .unwrap_or_else(|| "unknown".to_string());
    format!("callboard-{host}")
}

/// The broker's session timeout as the consumer asks for it (librdkafka's default: 45 s).
fn session_timeout(config: &ClientConfig) -> Duration {
    config
        .get("session.timeout.ms")
        .and_then(|ms| ms.parse().ok())
        .map_or(Duration::from_secs(45), Duration::from_millis)
}

/// The librdkafka configuration of a producer (events, dead letters, alerts): the brokers, the
/// producer's own `defaults`, then the user's properties (TLS, SASL), which win; none of the consumer's
/// settings.
pub fn producer_config(
    brokers: &str,
    defaults: &[(&str, &str)],
    properties: &[(String, String)],
) -> ClientConfig {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", brokers);
    for (key, value) in defaults {
        config.set(*key, *value);
    }
    for (key, value) in properties {
        config.set(key, value);
    }
    config
}

/// The only clock the service reads: the run loop's `now`.
pub(crate) fn wall_clock_ms() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as Millis)
}

/// What every worker shares with the rest of the service.
#[derive(Clone)]
pub struct Shared {
    pub board: Arc<Board>,
    pub telemetry: Arc<Telemetry>,
    pub settings_of: SettingsOf,
    /// Bumped on each configuration reload.
    pub reloads: Arc<AtomicU64>,
}

/// Starts the workers; each subscribes and runs until `shutdown`.
pub fn spawn(
    settings: &IngestSettings,
    shared: &Shared,
    shutdown: CancellationToken,
) -> anyhow::Result<Vec<JoinHandle<()>>> {
    let mut handles = Vec::new();
    let workers = settings.workers.max(1);
    for (number, source) in settings.sources.iter().enumerate() {
        for worker_of_source in 0..workers {
            let index = number * workers + worker_of_source;
            let worker =
                build_worker(settings, source, shared.clone(), index).with_context(|| {
                    format!("cannot start kafka worker {index} (topic {})", source.topic)
                })?;
            let shutdown = shutdown.clone();
            let handle = std::thread::Builder::new()
                .name(format!("worker-{index}"))
                .spawn(move || worker.run(shutdown))
                .context("cannot spawn a worker thread")?;
            handles.push(handle);
        }
    }
    Ok(handles)
}

/// Workers in all: `workers` per source.
pub fn worker_count(settings: &IngestSettings) -> usize {
    settings.workers.max(1) * settings.sources.len().max(1)
}

fn build_worker(
    settings: &IngestSettings,
    source: &Source,
    shared: Shared,
    index: usize,
) -> anyhow::Result<Worker> {
    let Shared {
        board,
        telemetry,
        settings_of,
        reloads,
    } = shared;
    let (sender, rebalances) = mpsc::channel();
    let replay_ms = settings.replay_ms;
    let replay_start: Box<dyn Fn() -> ReplayStart + Send + Sync> = if settings.replay_by_time {
        Box::new(move || ReplayStart::Time(wall_clock_ms() - replay_ms))
    } else {
        Box::new(|| ReplayStart::Beginning)
    };
    let config = client_config(settings);
    let context = WorkerContext {
        topic: source.topic.clone(),
        rebalances: Mutex::new(sender),
        applied_offsets: Mutex::new(HashMap::new()),
        replay_start,
        telemetry: Arc::clone(&telemetry),
        kafka_up: AtomicBool::new(true),
        held: Mutex::new(HashMap::new()),
        board: Arc::clone(&board),
        session_timeout: session_timeout(&config),
        state: settings
            .state_topic
            .as_ref()
            .filter(|_| source.format.restores_state())
            .map(|topic| StateSource {
                config: producer_config(&settings.brokers, &[], &settings.properties),
                topic: topic.clone(),
                settings_of: Arc::clone(&settings_of),
                limits: settings.limits,
            }),
        fetch_queue: FetchQueue::closed(),
    };
    let consumer: BaseConsumer<WorkerContext> = config
        .create_with_context(context)
        .context("cannot create the kafka consumer (check kafka.properties)")?;
    consumer.context().fetch_queue.open(&consumer);
    consumer
        .subscribe(&[&source.topic])
        .with_context(|| format!("cannot subscribe to {}", source.topic))?;
    let dead_letters = match &settings.dead_letter_topic {
        Some(topic) => Some(
            DeadLetters::new(
                &producer_config(&settings.brokers, &[], &settings.properties),
                topic.clone(),
                Arc::clone(&telemetry),
            )
            .context("cannot create the dead-letter producer")?,
        ),
        None => None,
    };
    Ok(Worker {
        consumer,
        rebalances,
        batch: Batch::new(),
        state: WorkerState {
            topic: source.topic.clone(),
            format: source.format.clone(),
            scratch: Vec::new(),
            owned: HashMap::new(),
            held: HashMap::new(),
            board,
            telemetry,
            settings_of,
            limits: settings.limits,
            dead_letters,
            assigned_once: false,
            log_limit: RateLimit::new(),
            clock: settings.clock,
            index,
            kafka_unreachable_since: None,
            tick: settings.snapshot_interval,
            settle_after: settings.settle_after,
            state_writer: match &settings.state_topic {
                Some(topic) => Some(
                    StateWriter::new(
                        &producer_config(
                            &settings.brokers,
                            // A 2,000-agent center's state at the end of a busy day (6,000 calls an hour at
                            // peak, 20,000 callers remembered) is about 1.2 MB, 0.53 MB compressed.
                            &[
                                ("compression.type", "zstd"),
                                ("message.max.bytes", "16777216"),
                            ],
                            &settings.properties,
                        ),
                        topic.clone(),
                    )
                    .context("cannot create the state writer")?,
                ),
                None => None,
            },
            state_every: settings.state_every,
            seen_reload: reloads.load(Ordering::Acquire),
            reloads,
        },
    })
}
