//! The worker's fetch queue against librdkafka's mock cluster: every message of a forwarded partition
//! arrives once and in offset order, taken in batches, and a partition whose fetch was stopped and
//! started again arrives only once it is forwarded again (what the worker does at every assignment
//! and tick).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use callboard::ingest::fetch_queue::{Batch, FetchQueue};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseProducer, BaseRecord, DefaultProducerContext, Producer};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use rdkafka::ClientConfig;

const TOPIC: &str = "fetched";
const PARTITIONS: i32 = 4;
const PER_PARTITION: i64 = 700;

/// `p{partition}-m{offset}`: a message says where it was written, so what arrives can be checked
/// against it.
fn payload(partition: i32, offset: i64) -> String {
    format!("p{partition}-m{offset}")
}

fn produce(brokers: &str) {
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .create()
        .unwrap();
    for offset in 0..PER_PARTITION {
        for partition in 0..PARTITIONS {
            let text = payload(partition, offset);
            let key = format!("k{partition}");
            let record = || {
                BaseRecord::to(TOPIC)
                    .partition(partition)
                    .key(&key)
                    .payload(&text)
            };
            while producer.send(record()).is_err() {
                producer.poll(Duration::from_millis(10));
            }
        }
    }
    producer.flush(Duration::from_secs(30)).unwrap();
}

/// A cluster holding the messages, a consumer of it, and a fetch queue every partition is forwarded
/// to (nothing assigned yet).
fn forwarded(
    partition_eof: bool,
) -> (
    MockCluster<'static, DefaultProducerContext>,
    BaseConsumer,
    FetchQueue,
) {
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic(TOPIC, PARTITIONS, 1).unwrap();
    let brokers = cluster.bootstrap_servers();
    produce(&brokers);
    let consumer = consumer(&brokers, partition_eof);
    let queue = FetchQueue::closed();
    queue.open(&consumer);
    for partition in 0..PARTITIONS {
        assert!(queue.forward(&consumer, TOPIC, partition));
    }
    (cluster, consumer, queue)
}

fn consumer(brokers: &str, partition_eof: bool) -> BaseConsumer {
    ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", "fetch-queue-test")
        .set("enable.auto.commit", "false")
        .set("enable.partition.eof", partition_eof.to_string())
        .create()
        .unwrap()
}

fn assign(consumer: &BaseConsumer, from: i64) {
    let mut list = TopicPartitionList::new();
    for partition in 0..PARTITIONS {
        list.add_partition_offset(TOPIC, partition, Offset::Offset(from))
            .unwrap();
    }
    consumer.assign(&list).unwrap();
}

/// Takes batches (serving the consumer queue in between, as the worker does) until `expected`
/// messages came or `limit` passed: the payloads by partition, in the order taken, and the largest
/// batch.
fn take(
    queue: &FetchQueue,
    consumer: &BaseConsumer,
    expected: usize,
    limit: Duration,
) -> (BTreeMap<i32, Vec<String>>, usize) {
    let mut batch = Batch::new();
    let mut arrived: BTreeMap<i32, Vec<String>> = BTreeMap::new();
    let (mut count, mut largest) = (0, 0);
    let started = Instant::now();
    while count < expected && started.elapsed() < limit {
        assert!(
            consumer
                .poll(Duration::ZERO)
                .is_none_or(|polled| polled.is_err()),
            "a message came through the consumer queue"
        );
        queue.take(Duration::from_millis(50), &mut batch);
        let mut taken = 0;
        for fetched in batch.iter() {
            let message = fetched.unwrap();
            let text = String::from_utf8(message.payload.unwrap().to_vec()).unwrap();
            assert_eq!(text, payload(message.partition, message.offset));
            assert_eq!(
                message.key,
                Some(format!("k{}", message.partition).as_bytes())
            );
            arrived.entry(message.partition).or_default().push(text);
            taken += 1;
        }
        count += taken;
        largest = largest.max(taken);
    }
    (arrived, largest)
}

/// Every partition's payloads from `from` to the end, in offset order.
fn written_from(from: i64) -> BTreeMap<i32, Vec<String>> {
    (0..PARTITIONS)
        .map(|partition| {
            let texts = (from..PER_PARTITION)
                .map(|offset| payload(partition, offset))
                .collect();
            (partition, texts)
        })
        .collect()
}

#[test]
fn forwarded_partitions_arrive_once_in_order_and_again_after_a_restart_when_forwarded_again() {
    let (_cluster, consumer, queue) = forwarded(false);
    assign(&consumer, 0);
    let total = (PARTITIONS as i64 * PER_PARTITION) as usize;
    let (arrived, largest) = take(&queue, &consumer, total, Duration::from_secs(30));
    assert_eq!(arrived, written_from(0));
    assert!(largest > 1, "messages were taken one at a time");

    // Fetching stopped and started again: librdkafka drops the forwarding at the stop and keeps the
    // partition's messages in its own queue.
    consumer.unassign().unwrap();
    let from = 300;
    assign(&consumer, from);
    let (stranded, _) = take(&queue, &consumer, 1, Duration::from_secs(2));
    assert!(
        stranded.is_empty(),
        "arrived without forwarding again: {:?}",
        stranded.keys()
    );
    for partition in 0..PARTITIONS {
        assert!(queue.forward(&consumer, TOPIC, partition));
    }
    let rest = (PARTITIONS as i64 * (PER_PARTITION - from)) as usize;
    let (arrived, _) = take(&queue, &consumer, rest, Duration::from_secs(30));
    assert_eq!(arrived, written_from(from));

    // Closed, the queue takes nothing and forwards nothing.
    queue.close();
    assert!(!queue.forward(&consumer, TOPIC, 0));
    let mut batch = Batch::new();
    queue.take(Duration::ZERO, &mut batch);
    assert!(batch.is_empty());
}

#[test]
fn the_end_of_a_partition_comes_after_its_last_message_as_an_error_naming_it() {
    let (_cluster, consumer, queue) = forwarded(true);
    let from = PER_PARTITION - 25;
    assign(&consumer, from);
    // Per partition: the payloads, then `end` for the end of the partition.
    let mut arrived: BTreeMap<i32, Vec<String>> = BTreeMap::new();
    let mut ends = 0;
    let mut batch = Batch::new();
    let started = Instant::now();
    while ends < PARTITIONS && started.elapsed() < Duration::from_secs(30) {
        queue.take(Duration::from_millis(50), &mut batch);
        for fetched in batch.iter() {
            match fetched {
                Ok(message) => arrived
                    .entry(message.partition)
                    .or_default()
                    .push(String::from_utf8(message.payload.unwrap().to_vec()).unwrap()),
                Err(KafkaError::PartitionEOF(partition)) => {
                    arrived
                        .entry(partition)
                        .or_default()
                        .push("end".to_string());
                    ends += 1;
                }
                Err(other) => panic!("unexpected error {other}"),
            }
        }
    }
    let mut expected = written_from(from);
    for texts in expected.values_mut() {
        texts.push("end".to_string());
    }
    assert_eq!(arrived, expected);
}
