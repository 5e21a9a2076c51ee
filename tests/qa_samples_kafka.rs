//! Calls chosen for quality review reach the `call-qa-samples` topic (rdkafka's mock cluster, a real
//! Kafka-protocol broker in this process): a simulated day consumed by the service with three review
//! calls per agent and day. What the topic says is chosen (less what it says was replaced) is exactly
//! the API's list, and each agent has min(3, calls handled) of them, the handled calls counted from the
//! events themselves.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use callboard::event::{Event, EventKind};
use callboard::ingest::produce::EventProducer;
use callboard::ingest::Clock;
use callboard::service;
use callboard::sim::{simulate, SimOptions};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::mocking::MockCluster;
use rdkafka::{ClientConfig, Message, TopicPartitionList};
use serde_json::Value;

const TOPIC: &str = "call-events";
const SAMPLES: &str = "call-qa-samples";

fn day() -> Vec<Event> {
    let options = SimOptions {
        seed: 7,
        tenant: "acme".to_string(),
        agents: 12,
        queues: 2,
        peak_calls_per_hour: 120.0,
        hours: 6,
        outbound_share: 0.0,
        transfer_share: 0.0,
        // A steady floor from midnight (the realistic day would staff the night with two agents).
        realistic_day: false,
        ..SimOptions::default()
    };
    let mut all = Vec::new();
    simulate(&options, |event| all.push(event));
    all.sort_by_key(|event| event.time);
    all
}

/// Every message on the samples topic, as JSON.
fn read_samples(brokers: &str) -> Vec<Value> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", "qa-reader")
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let mut assignment = TopicPartitionList::new();
    assignment
        .add_partition_offset(SAMPLES, 0, rdkafka::Offset::Beginning)
        .unwrap();
    consumer.assign(&assignment).unwrap();
    let mut messages = Vec::new();
    let mut quiet_since = Instant::now();
    while quiet_since.elapsed() < Duration::from_secs(3) {
        if let Some(Ok(message)) = consumer.poll(Duration::from_millis(200)) {
            assert_eq!(message.key(), Some(&b"acme"[..]));
            messages.push(serde_json::from_slice(message.payload().unwrap()).unwrap());
            quiet_since = Instant::now();
        }
    }
    messages
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_topic_carries_each_call_as_chosen_and_ends_equal_to_the_api() {
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic(TOPIC, 2, 1).unwrap();
    cluster.create_topic(SAMPLES, 1, 1).unwrap();
    let brokers = cluster.bootstrap_servers();
    let events = day();
    let mut producer = EventProducer::new(&brokers, TOPIC, &[]).unwrap();
    for event in &events {
        producer.send(event).unwrap();
    }
    producer.flush().unwrap();

    let text = format!(
        "[kafka]\nbrokers = \"{brokers}\"\ntopic = \"{TOPIC}\"\nreplay_by_time = false\nworkers = 1\n\
         [http]\nlisten = \"127.0.0.1:0\"\n[alerting]\nkafka_topic = \"\"\n\
         [defaults.qa_sampling]\ncalls = 3\n"
    );
    let config = callboard::config::parse(&text, "test.toml", []).unwrap();
    let service = service::start(config, Clock::EventTime).await.unwrap();
    common::wait_until_counted(&service, events.len() as u64).await;
    // A few ticks for the publisher.
    tokio::time::sleep(Duration::from_secs(3)).await;

    let messages = read_samples(&brokers);
    let mut on_topic = BTreeSet::new();
    for message in &messages {
        let key = (
            message["agent"].as_str().unwrap().to_string(),
            message["call"].as_str().unwrap().to_string(),
        );
        match message["status"].as_str().unwrap() {
            "chosen" => assert!(on_topic.insert(key), "chosen twice: {message}"),
            "replaced" => assert!(on_topic.remove(&key), "replaced before chosen: {message}"),
            other => panic!("status {other}"),
        }
    }
    let url = format!("http://{}/api/v1/tenants/acme/qa/samples", service.address);
    let listed: Value = reqwest::get(&url).await.unwrap().json().await.unwrap();
    let from_api: BTreeSet<(String, String)> = (listed["samples"].as_array().unwrap().iter())
        .map(|s| {
            (
                s["agent"].as_str().unwrap().to_string(),
                s["call"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(on_topic, from_api);

    // Each agent's handled calls, counted from the events: one per call.completed (the day has neither
    // outbound dials nor transfers, so every completion ends one answered call of that agent).
    let mut handled: BTreeMap<String, usize> = BTreeMap::new();
    for event in &events {
        if let EventKind::CallCompleted { agent, .. } = &event.kind {
            *handled.entry(agent.to_string()).or_default() += 1;
        }
    }
    let mut per_agent: BTreeMap<String, usize> = BTreeMap::new();
    for (agent, _) in &from_api {
        *per_agent.entry(agent.clone()).or_default() += 1;
    }
    let expected: BTreeMap<String, usize> = (handled.iter())
        .map(|(agent, calls)| (agent.clone(), (*calls).min(3)))
        .collect();
    assert_eq!(per_agent, expected);
    assert!(
        expected.len() >= 8,
        "too few agents handled calls: {expected:?}"
    );
    service.stop().await;
}
