//! A consumer group against librdkafka's mock cluster (a real Kafka-protocol broker in process): the
//! events the group tests feed it, the service's configuration for it, and the same events replayed
//! offline to compare with.

use std::sync::Arc;
use std::time::{Duration, Instant};

use callboard::config::Config;
use callboard::event::Event;
use callboard::ingest::produce::EventProducer;
use callboard::service::Service;
use callboard::sim::{simulate, SimOptions};
use callboard::tenants::Tenants;
use rdkafka::mocking::MockCluster;

pub const TOPIC: &str = "call-events";
pub const DEAD: &str = "call-events-dead";

/// Three small centers' mornings, interleaved in time order.
pub fn events() -> Vec<Event> {
    let mut all = Vec::new();
    for (seed, tenant) in [(1, "acme"), (2, "globex"), (3, "initech")] {
        let options = SimOptions {
            seed,
            tenant: tenant.to_string(),
            agents: 12,
            queues: 3,
            peak_calls_per_hour: 90.0,
            hours: 11,
            ..SimOptions::default()
        };
        simulate(&options, |event| all.push(event));
    }
    all.sort_by_key(|event| event.time);
    all
}

pub fn config(brokers: &str, workers: usize) -> Config {
    let mut config = Config::default();
    config.kafka.brokers = brokers.to_string();
    config.kafka.replay_by_time = false;
    config.kafka.workers = Some(workers);
    config.kafka.dead_letter_topic = Some(DEAD.to_string());
    config.http.listen = "127.0.0.1:0".to_string();
    // A member that stops is replaced within seconds, and a start settles as soon (group.rs).
    config
        .kafka
        .properties
        .insert("session.timeout.ms".to_string(), "6000".to_string());
    config
}

pub fn produce(brokers: &str, events: &[Event]) {
    let mut producer = EventProducer::new(brokers, TOPIC, &[]).unwrap();
    for event in events {
        producer.send(event).unwrap();
    }
    producer.flush().unwrap();
}

/// The same events through the engine offline, as `callboard replay` would.
pub fn offline(events: &[Event]) -> Tenants {
    let config = Config::default();
    let mut tenants = Tenants::new(
        Arc::new(move |tenant: &str| config.center_settings(tenant)),
        config_limits(),
    );
    for (tag, event) in events.iter().enumerate() {
        tenants.ingest(event.clone(), tag as u64);
    }
    tenants
}

pub fn config_limits() -> callboard::decode::DecodeLimits {
    Config::default().decode_limits()
}

/// Events the services have applied or rejected, over all their tenants.
pub fn counted(services: &[&Service]) -> u64 {
    services
        .iter()
        .flat_map(|service| service.board.snapshots())
        .map(|snapshot| snapshot.events.applied + snapshot.events.rejected)
        .sum()
}

pub async fn wait_for(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < timeout, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub fn cluster() -> MockCluster<'static, rdkafka::producer::DefaultProducerContext> {
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic(TOPIC, 4, 1).unwrap();
    cluster.create_topic(DEAD, 1, 1).unwrap();
    cluster
}
