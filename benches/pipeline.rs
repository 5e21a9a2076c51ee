//! End-to-end harness (not a timed test): events produced into the embedded Kafka-protocol broker,
//! consumed by the service, applied and visible in a snapshot — against a bare rdkafka consume loop in
//! the same run — and the latency from an in-order event's arrival to its effect on what the API and
//! /metrics serve. Run: `cargo bench --bench pipeline`. Knobs: CALLBOARD_BENCH_EVENTS (size, default
//! 500,000), CALLBOARD_BENCH_WORKERS (default 2), CALLBOARD_BENCH_PROPERTIES (`key=value,…` librdkafka
//! properties for the service's consumers, for tuning experiments). Each run also prints the CPU its
//! threads spent per million messages, by kind (the workers, librdkafka's broker threads, the mock
//! broker, the bare loop's own thread), from /proc: where the two cores went.

use std::time::{Duration, Instant};

use callboard::config::{Config, Duration as ConfigDuration};
use callboard::event::{Event, EventKind, Id, Millis};
use callboard::ingest::produce::EventProducer;
use callboard::ingest::Clock;
use callboard::service::{self, Service};
use callboard::sim::{simulate, SimOptions};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::mocking::MockCluster;
use rdkafka::ClientConfig;

/// The allocator the `callboard` binary ships with (src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const TOPIC: &str = "call-events";

fn wall_clock_ms() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as Millis
}

/// CPU seconds (user + system) of this process's threads by kind: the name without its number
/// (`worker-0` → `worker`, `rdk:broker1` → `rdk:broker`), from /proc.
fn thread_cpu() -> std::collections::BTreeMap<String, f64> {
    let mut kinds = std::collections::BTreeMap::new();
    let ticks_per_second = 100.0; // USER_HZ on Linux
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return kinds;
    };
    for task in tasks.flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid …`: the name may hold spaces; the fields after it are fixed.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let name = match &stat[open + 1..close] {
            // The bench's own thread, named after its binary: the bare loop polls there.
            name if name.starts_with("pipeline") => "main",
            name => name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '-'),
        };
        // utime and stime: fields 14 and 15 of the whole line, 12 and 13 after the name.
        let ticks: f64 = (stat[close + 1..].split_whitespace().skip(11).take(2))
            .filter_map(|field| field.parse::<f64>().ok())
            .sum();
        *kinds.entry(name.to_string()).or_insert(0.0) += ticks / ticks_per_second;
    }
    kinds
}

/// CPU per million events of each thread kind between two readings (kinds under 10 ms left out).
fn cpu_per_million(before: &std::collections::BTreeMap<String, f64>, events: usize) -> String {
    thread_cpu()
        .iter()
        .map(|(kind, after)| (kind, after - before.get(kind).copied().unwrap_or(0.0)))
        .filter(|(_, spent)| *spent >= 0.01)
        .map(|(kind, spent)| format!("{kind} {:.2}", spent * 1e6 / events as f64))
        .collect::<Vec<_>>()
        .join(", ")
}

fn counted(service: &Service) -> u64 {
    service
        .board
        .snapshots()
        .iter()
        .map(|snapshot| snapshot.events.applied + snapshot.events.rejected)
        .sum()
}

fn config(brokers: &str, topic: &str, group: &str, snapshot_interval_ms: Millis) -> Config {
    let mut config = Config::default();
    config.kafka.brokers = brokers.to_string();
    config.kafka.topic = topic.to_string();
    config.kafka.group_id = group.to_string();
    config.kafka.replay_by_time = false;
    config.kafka.workers = Some(workers());
    config.engine.snapshot_interval = ConfigDuration(snapshot_interval_ms);
    config.http.listen = "127.0.0.1:0".to_string();
    for (key, value) in std::env::var("CALLBOARD_BENCH_PROPERTIES")
        .unwrap_or_default()
        .split(',')
        .filter_map(|pair| pair.split_once('='))
    {
        config
            .kafka
            .properties
            .insert(key.to_string(), value.to_string());
    }
    config
}

/// Sends every event (in a thread, so consumption overlaps production as it would live).
fn produce_in_background(
    brokers: &str,
    topic: &str,
    events: std::sync::Arc<Vec<Event>>,
) -> std::thread::JoinHandle<()> {
    let (brokers, topic) = (brokers.to_string(), topic.to_string());
    std::thread::spawn(move || {
        // Large batches: the mock broker scans its message sets linearly on every fetch, so many small
        // sets would measure the mock rather than the consumers.
        let batching = [
            ("linger.ms".to_string(), "100".to_string()),
            ("batch.num.messages".to_string(), "10000".to_string()),
        ];
        let mut producer = EventProducer::new(&brokers, &topic, &batching).unwrap();
        for event in events.iter() {
            producer.send(event).unwrap();
        }
        producer.flush().unwrap();
    })
}

/// Worker threads of the measured service (CALLBOARD_BENCH_WORKERS, default 2: one per core).
fn workers() -> usize {
    std::env::var("CALLBOARD_BENCH_WORKERS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(2)
}

/// A plain consumer that only counts messages and bytes: the ceiling of any consumer on this machine.
fn bare_consume(brokers: &str, topic: &str, total: usize, group: &str) -> f64 {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", group)
        .set("auto.offset.reset", "earliest")
        // The fetch setting callboard's consumers run with (ingest::client_config). With librdkafka's
        // default (1 s), a loop whose local queue ever filled waited a second for its next fetch: it
        // took 0.55–0.6 s in some runs and 1.55–1.6 s in others, which is no ceiling to judge by.
        .set("fetch.queue.backoff.ms", "10")
        .create()
        .unwrap();
    consumer.subscribe(&[topic]).unwrap();
    // Timed like callboard: from the moment the consumer has its partitions (assignment happens inside
    // poll, before any message of them can be returned).
    let (mut seen, mut bytes) = (0usize, 0usize);
    let mut assigned: Option<Instant> = None;
    let cpu_before = thread_cpu();
    while seen < total {
        let polled = consumer.poll(Duration::from_millis(100));
        if assigned.is_none() && consumer.assignment().is_ok_and(|list| list.count() > 0) {
            assigned = Some(Instant::now());
        }
        if let Some(Ok(message)) = polled {
            bytes += message.payload().map_or(0, <[u8]>::len);
            seen += 1;
        }
    }
    let elapsed = assigned.unwrap().elapsed().as_secs_f64();
    println!("bare rdkafka consume loop: {total} messages ({:.0} MB) in {elapsed:.2} s = {:.0} messages/s", bytes as f64 / 1e6, total as f64 / elapsed);
    println!(
        "  CPU s per million messages by thread: {}",
        cpu_per_million(&cpu_before, total)
    );
    total as f64 / elapsed
}

fn main() {
    if !std::env::args().any(|arg| arg == "--bench") {
        return;
    }
    let total: usize = std::env::var("CALLBOARD_BENCH_EVENTS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(1_000_000);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let cluster = MockCluster::new(1).unwrap();
    // The mock broker keeps only 5 MiB per partition: 64 partitions and 64 centers keep every
    // partition under it for a million events (138 MB, about 2.2 MB a partition).
    for topic in [TOPIC, "bare-events", "live-events"] {
        cluster.create_topic(topic, 64, 1).unwrap();
    }
    let brokers = cluster.bootstrap_servers();

    // Sixty-four centers' days, interleaved by time.
    let tenants = 64;
    let mut events: Vec<Event> = Vec::with_capacity(total);
    for index in 0..tenants {
        let options = SimOptions {
            seed: index as u64 + 1,
            tenant: format!("center-{index}"),
            max_events: Some(total / tenants),
            hours: 24 * 100,
            ..SimOptions::default()
        };
        simulate(&options, |event| events.push(event));
    }
    events.sort_by_key(|event| event.time);
    let events = std::sync::Arc::new(events);
    let total = events.len();

    for topic in [TOPIC, "bare-events"] {
        produce_in_background(&brokers, topic, std::sync::Arc::clone(&events))
            .join()
            .unwrap();
    }
    println!("{total} events produced into two topics of the mock cluster");
    // Each side runs three times (a new consumer group reads the topic from the start each time) and
    // is judged by its median: single runs on two shared cores vary by a third.
    let median = |mut rates: Vec<f64>| {
        rates.sort_by(f64::total_cmp);
        rates[rates.len() / 2]
    };
    let bare = median(
        (0..3)
            .map(|run| bare_consume(&brokers, "bare-events", total, &format!("bare-{run}")))
            .collect(),
    );
    let rate = median(
        (0..3)
            .map(|run| {
                runtime.block_on(async {
                    let group = format!("callboard-{run}");
                    let service = service::start(config(&brokers, TOPIC, &group, 250), Clock::EventTime)
                        .await
                        .unwrap();
                    // From the moment every worker has its partitions (the last rebalance: each
                    // partition is then read from the beginning once) until every event is applied and
                    // visible on the board.
                    while service.board.assigned_workers() < workers()
                        || service.board.partitions().len() < 64
                    {
                        tokio::time::sleep(Duration::from_millis(2)).await;
                    }
                    let started = Instant::now();
                    let cpu_before = thread_cpu();
                    while counted(&service) < total as u64 {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                    let elapsed = started.elapsed().as_secs_f64();
                    let rate = total as f64 / elapsed;
                    println!("callboard: consumed, applied and visible in snapshots: {total} events in {elapsed:.2} s = {rate:.0} events/s");
                    println!("  CPU s per million events by thread: {}", cpu_per_million(&cpu_before, total));
                    service.stop().await;
                    rate
                })
            })
            .collect(),
    );
    println!(
        "medians of three: bare {bare:.0} messages/s, callboard {rate:.0} events/s (goal ≥ 400000); ratio {:.2} (goal ≥ 0.85, issue 17)",
        rate / bare
    );

    // Latency: a live tenant producing in real time with event time = now; how stale is what the API
    // and /metrics serve (they read the same board)? Default snapshot interval (1 s).
    runtime.block_on(async {
        let service = service::start(config(&brokers, "live-events", "latency", 1_000), Clock::Wall).await.unwrap();
        while !service.board.is_ready() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let producer_thread = std::thread::spawn({
            let brokers = brokers.clone();
            move || {
                let mut producer = EventProducer::new(&brokers, "live-events", &[("linger.ms".into(), "0".into())]).unwrap();
                let started = Instant::now();
                let mut sent = 0u64;
                while started.elapsed() < Duration::from_secs(20) {
                    sent += 1;
                    let event = Event {
                        time: wall_clock_ms(),
                        tenant: Id::from("live"),
                        id: None,
                        kind: EventKind::CallQueued { call: Id::from(format!("l{sent}")), queue: Id::from("q"), priority: None, direction: Default::default(), caller: None },
                    };
                    producer.send(&event).unwrap();
                    std::thread::sleep(Duration::from_micros(500));
                }
                producer.flush().unwrap();
            }
        });
        tokio::time::sleep(Duration::from_secs(3)).await;
        let mut staleness: Vec<Millis> = Vec::new();
        let sampling = Instant::now();
        while sampling.elapsed() < Duration::from_secs(15) {
            if let Some(snapshot) = service.board.snapshot("live") {
                // The newest event in what is served, against the newest event produced (now).
                staleness.push(wall_clock_ms() - snapshot.last_event_ms.unwrap_or(0));
            }
            tokio::time::sleep(Duration::from_millis(7)).await;
        }
        producer_thread.join().unwrap();
        staleness.sort_unstable();
        let at = |quantile: f64| staleness[((staleness.len() - 1) as f64 * quantile) as usize];
        println!(
            "latency from arrival to the served snapshot over {} samples: p50 {} ms, p99 {} ms, max {} ms (goal p99 ≤ 2000 ms)",
            staleness.len(),
            at(0.50),
            at(0.99),
            staleness.last().unwrap()
        );
        service.stop().await;
    });
}
