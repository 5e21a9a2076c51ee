//! Two sources in one service, against librdkafka's mock cluster: callboard's own events on one topic
//! and an Asterisk `queue_log` (one line a message) on another, read by one consumer group. Each
//! tenant's figures equal those of its events read from a file: the v1 day through the engine, the
//! queue_log lines through the adapter, as `callboard report --input-format asterisk_queue_log` reads
//! them. Likewise a FreeSWITCH `mod_callcenter` topic and an Amazon Connect contact-events topic, keyed by
//! tenant.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use callboard::config::{Config, SourceConfig, SourceFormat, TenantFrom};
use callboard::decode::adapter::SourceAdapter;
use callboard::decode::amazon_connect::{
    ContactEventsAdapter, ContactEventsOptions, Feed as ConnectFeed,
};
use callboard::decode::asterisk::write::QueueLogWriter;
use callboard::decode::asterisk::{QueueLogAdapter, QueueLogOptions};
use callboard::decode::freeswitch::{CallcenterAdapter, CallcenterOptions};
use callboard::event::{Event, Id};
use callboard::ingest::produce::EventProducer;
use callboard::ingest::Clock;
use callboard::service::{self, Service};
use callboard::sim::{simulate, SimOptions};
use callboard::tenants::Tenants;
use common::assert_same_figures;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::ClientConfig;

const EVENTS: &str = "call-events";
const QUEUE_LOG: &str = "pbx-queue-log";

fn morning(seed: u64, tenant: &str) -> Vec<Event> {
    let options = SimOptions {
        seed,
        tenant: tenant.to_string(),
        agents: 10,
        queues: 2,
        peak_calls_per_hour: 80.0,
        // 2026-11-23, 08:00 to 14:00 UTC.
        start: 1_795_392_000_000 + 8 * 3_600_000,
        hours: 6,
        realistic_day: false,
        second_resolution: true,
        ..SimOptions::default()
    };
    let mut events = Vec::new();
    simulate(&options, |event| events.push(event));
    events
}

/// The `pbx` tenant's morning as queue_log lines (what Asterisk would have written).
fn queue_log_lines(events: &[Event]) -> Vec<Vec<u8>> {
    let mut writer = QueueLogWriter::new();
    let mut text = Vec::new();
    for event in events {
        writer.write(event, &mut text);
    }
    text.split(|byte| *byte == b'\n')
        .filter(|line| !line.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

fn config(brokers: &str) -> Config {
    let mut config = Config::default();
    config.kafka.brokers = brokers.to_string();
    config.kafka.replay_by_time = false;
    config.kafka.workers = Some(1);
    config
        .kafka
        .properties
        .insert("session.timeout.ms".to_string(), "6000".to_string());
    config.http.listen = "127.0.0.1:0".to_string();
    let mut queue_log = SourceConfig::implied(&config.kafka);
    queue_log.topic = QUEUE_LOG.to_string();
    queue_log.format = SourceFormat::AsteriskQueueLog;
    queue_log.tenant = Some("pbx".to_string());
    config.sources = vec![SourceConfig::implied(&config.kafka), queue_log];
    config
}

/// Both tenants read from files: v1 events as they are, queue_log lines through the adapter.
fn offline(config: &Config, v1: &[Event], lines: &[Vec<u8>]) -> Tenants {
    let settings = config.clone();
    let mut tenants = Tenants::new(
        Arc::new(move |tenant: &str| settings.center_settings(tenant)),
        config.decode_limits(),
    );
    for (tag, event) in v1.iter().enumerate() {
        tenants.ingest(event.clone(), tag as u64);
    }
    let mut adapter = QueueLogAdapter::new(QueueLogOptions {
        tenant: Id::from("pbx"),
        time_zone: config.center_settings("pbx").time_zone,
        limits: config.decode_limits(),
        ..QueueLogOptions::default()
    });
    let mut events = Vec::new();
    for (tag, line) in lines.iter().enumerate() {
        adapter.adapt_into(line, &mut events).unwrap();
        for event in events.drain(..) {
            tenants.ingest(event, tag as u64);
        }
    }
    tenants
}

fn produce_lines(brokers: &str, topic: &str, key: &str, lines: &[Vec<u8>]) {
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .create()
        .unwrap();
    for line in lines {
        let mut record = BaseRecord::to(topic).key(key).payload(line);
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((_, returned)) => {
                    producer.poll(Duration::from_millis(10));
                    record = returned;
                }
            }
        }
    }
    producer.flush(Duration::from_secs(30)).unwrap();
}

fn counted(service: &Service) -> u64 {
    service
        .board
        .snapshots()
        .iter()
        .map(|snapshot| snapshot.events.applied + snapshot.events.rejected)
        .sum()
}

/// Waits (up to two minutes) until the service has counted `total` events, then a moment more for
/// the last snapshot.
async fn read_all(service: &Service, total: u64) {
    let started = Instant::now();
    while counted(service) != total {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "counted {} of {total}",
            counted(service)
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    tokio::time::sleep(Duration::from_millis(1_500)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queue_log_topic_and_a_v1_topic_read_together_equal_their_files() {
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic(EVENTS, 2, 1).unwrap();
    cluster.create_topic(QUEUE_LOG, 1, 1).unwrap();
    let brokers = cluster.bootstrap_servers();
    let v1 = morning(1, "acme");
    let lines = queue_log_lines(&morning(2, "pbx"));
    let mut producer = EventProducer::new(&brokers, EVENTS, &[]).unwrap();
    for event in &v1 {
        producer.send(event).unwrap();
    }
    producer.flush().unwrap();
    produce_lines(&brokers, QUEUE_LOG, "pbx", &lines);
    let config = config(&brokers);
    let expected = offline(&config, &v1, &lines);
    // Events as the snapshots count them (applied and rejected, the lateness buffer included).
    let counts: Vec<u64> = expected
        .centers()
        .map(|center| {
            let events = center.snapshot(0).events;
            events.applied + events.rejected
        })
        .collect();
    assert!(
        counts.len() == 2 && counts.iter().all(|count| *count > 1_000),
        "both tenants have a morning: {counts:?}"
    );
    let total: u64 = counts.iter().sum();
    let service = service::start(config, Clock::EventTime).await.unwrap();
    read_all(&service, total).await;
    // One worker per source, both topics owned.
    let topics: std::collections::BTreeSet<String> = service
        .board
        .partitions()
        .into_iter()
        .map(|((topic, _), _)| topic)
        .collect();
    assert_eq!(topics.len(), 2, "{topics:?}");
    assert_same_figures(&service, &expected);
    service.stop().await;
}

/// A hand-written morning (`tests/scenarios/{scenario}`, its last line left out where it is the
/// truncated one) on a topic keyed by tenant `south`, read with `tenant_from = "key"`: the figures
/// equal those of the same events read from the file through `adapter`. Returns the events counted.
async fn a_keyed_topic_equals_its_file(
    format: SourceFormat,
    scenario: &str,
    truncated_last: bool,
    mut adapter: Box<dyn SourceAdapter>,
) -> u64 {
    let topic = format.as_str();
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic(topic, 1, 1).unwrap();
    let brokers = cluster.bootstrap_servers();
    let file = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/scenarios")
            .join(scenario),
    )
    .unwrap();
    let mut lines: Vec<Vec<u8>> = file
        .split(|byte| *byte == b'\n')
        .filter(|line| !line.is_empty())
        .map(<[u8]>::to_vec)
        .collect();
    if truncated_last {
        lines.pop();
    }
    produce_lines(&brokers, topic, "south", &lines);

    let mut config = config(&brokers);
    let mut source = SourceConfig::implied(&config.kafka);
    source.topic = topic.to_string();
    source.format = format;
    source.tenant_from = Some(TenantFrom::Key);
    config.sources = vec![source];

    let settings = config.clone();
    let mut expected = Tenants::new(
        Arc::new(move |tenant: &str| settings.center_settings(tenant)),
        config.decode_limits(),
    );
    let mut events = Vec::new();
    for (tag, line) in lines.iter().enumerate() {
        adapter.adapt_into(line, &mut events).unwrap();
        for event in events.drain(..) {
            expected.ingest(event, tag as u64);
        }
    }
    let total: u64 = expected
        .centers()
        .map(|center| {
            let events = center.snapshot(0).events;
            events.applied + events.rejected
        })
        .sum();

    let service = service::start(config, Clock::EventTime).await.unwrap();
    read_all(&service, total).await;
    assert_same_figures(&service, &expected);
    service.stop().await;
    total
}

/// The FreeSWITCH morning of `tests/freeswitch.rs` from a topic keyed by tenant.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mod_callcenter_topic_keyed_by_tenant_equals_its_file() {
    let adapter = CallcenterAdapter::new(CallcenterOptions {
        tenant: Id::from("south"),
        ..CallcenterOptions::default()
    });
    let total = a_keyed_topic_equals_its_file(
        SourceFormat::FreeswitchCallcenter,
        "freeswitch/morning.jsonl",
        true,
        Box::new(adapter),
    )
    .await;
    // 39 events and 4 duplicates (tests/freeswitch.rs), the 3 skipped records making none.
    assert_eq!(total, 43);
}

/// The Amazon Connect morning of `tests/amazon_connect.rs` (contact events, ARN-only ids) from a
/// topic keyed by Connect instance.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_amazon_connect_contact_events_topic_keyed_by_tenant_equals_its_file() {
    let adapter = ContactEventsAdapter::new(ContactEventsOptions {
        tenant: Id::from("south"),
        ..ContactEventsOptions::default()
    });
    let total = a_keyed_topic_equals_its_file(
        SourceFormat::AmazonConnectContactEvents,
        "amazon_connect/morning.jsonl",
        true,
        Box::new(adapter),
    )
    .await;
    // tests/amazon_connect.rs's calls: c1 queued, answered, ended, completed and its DISCONNECTED
    // again (5); c2 queued, abandoned (2); c3 queued and answered from one event, its late QUEUED,
    // ended, completed (5); its transfer c3t queued, answered, ended, completed (4); c4 queued,
    // dequeued (2); c5 queued, abandoned (2): 18 applied and 2 duplicates; the 3 skipped make none.
    assert_eq!(total, 20);
}

/// Both Amazon Connect feeds of the same calls on one topic (`tests/amazon_connect_agents.rs`): the
/// contact events own the calls, the agent events add states, rings and holds; and the agent event
/// stream alone on its own topic format.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amazon_connect_topics_of_both_feeds_and_of_agent_events_equal_their_files() {
    for (format, scenario, truncated_last, lifecycle) in [
        (
            SourceFormat::AmazonConnectContactEvents,
            "amazon_connect/both_feeds_morning.jsonl",
            false,
            ConnectFeed::ContactEvents,
        ),
        (
            SourceFormat::AmazonConnectAgentEvents,
            "amazon_connect/agents_morning.jsonl",
            true,
            ConnectFeed::AgentEvents,
        ),
    ] {
        let adapter = ContactEventsAdapter::new(ContactEventsOptions {
            tenant: Id::from("south"),
            lifecycle,
            ..ContactEventsOptions::default()
        });
        let total =
            a_keyed_topic_equals_its_file(format, scenario, truncated_last, Box::new(adapter))
                .await;
        assert!(total > 10, "{format:?}: {total}");
    }
}
