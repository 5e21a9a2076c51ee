//! `callboard simulate --brokers`: the same events as on stdout, produced to the topic keyed by tenant.

use std::process::Command;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::mocking::MockCluster;
use rdkafka::{ClientConfig, Message};

#[test]
fn simulate_produces_to_kafka_what_it_writes_to_stdout() {
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic("floor", 2, 1).unwrap();
    let brokers = cluster.bootstrap_servers();
    let args = [
        "simulate", "--hours", "10", "--agents", "8", "--queues", "2", "--tenant", "north",
    ];
    let stdout = Command::new(env!("CARGO_BIN_EXE_callboard"))
        .args(args)
        .output()
        .unwrap();
    assert!(stdout.status.success());
    let mut expected: Vec<String> = String::from_utf8(stdout.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert!(expected.len() > 100, "{}", expected.len());
    let produced = Command::new(env!("CARGO_BIN_EXE_callboard"))
        .args(args)
        .args(["--brokers", &brokers, "--topic", "floor"])
        .output()
        .unwrap();
    assert!(
        produced.status.success(),
        "{}",
        String::from_utf8_lossy(&produced.stderr)
    );
    assert!(produced.stdout.is_empty());

    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", &brokers)
        .set("group.id", "check")
        .set("auto.offset.reset", "earliest")
        .create()
        .unwrap();
    consumer.subscribe(&["floor"]).unwrap();
    let mut got = Vec::new();
    let started = Instant::now();
    while got.len() < expected.len() && started.elapsed() < Duration::from_secs(30) {
        if let Some(Ok(message)) = consumer.poll(Duration::from_millis(200)) {
            assert_eq!(message.key(), Some(&b"north"[..]));
            got.push(String::from_utf8(message.payload().unwrap().to_vec()).unwrap());
        }
    }
    // Partitions interleave on reading: compare as sets of lines (ids make each line unique).
    got.sort();
    expected.sort();
    assert_eq!(got, expected);
}
