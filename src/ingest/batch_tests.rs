//! The worker's queue against librdkafka's mock cluster: routed before the assignment, every message
//! of a partition comes through it in offset order, in batches, and none on the consumer's queue.

use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use rdkafka::ClientConfig;

use super::{Batch, MessageQueue, Routing};

const TOPIC: &str = "routed";
const PARTITIONS: i32 = 3;
const PER_PARTITION: usize = 700;

fn payload(partition: i32, index: usize) -> String {
    format!("p{partition}-{index}")
}

#[test]
fn routed_partitions_come_through_the_queue_in_order_and_in_batches() {
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic(TOPIC, PARTITIONS, 1).unwrap();
    let brokers = cluster.bootstrap_servers();
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", &brokers)
        .create()
        .unwrap();
    for index in 0..PER_PARTITION {
        for partition in 0..PARTITIONS {
            let text = payload(partition, index);
            producer
                .send(
                    BaseRecord::<str, str>::to(TOPIC)
                        .partition(partition)
                        .payload(&text),
                )
                .unwrap();
        }
        producer.poll(Duration::ZERO);
    }
    producer.flush(Duration::from_secs(30)).unwrap();

    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", &brokers)
        .set("group.id", "routed-test")
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let queue = MessageQueue::new(&consumer);
    let routing = Routing::default();
    routing.set(&queue);
    let mut assignment = TopicPartitionList::new();
    for partition in 0..PARTITIONS {
        routing.route(&consumer, TOPIC, partition);
        assignment
            .add_partition_offset(TOPIC, partition, Offset::Beginning)
            .unwrap();
    }
    consumer.assign(&assignment).unwrap();

    let mut next = [0usize; PARTITIONS as usize];
    let mut largest = 0;
    let mut batch = Batch::new();
    let started = Instant::now();
    while next.iter().sum::<usize>() < PER_PARTITION * PARTITIONS as usize {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "taken so far: {next:?}"
        );
        assert!(
            consumer.poll(Duration::ZERO).is_none(),
            "a message on the consumer's queue"
        );
        let taken = queue.take(Duration::from_millis(100), &mut batch);
        largest = largest.max(taken);
        for index in 0..taken {
            let message = batch.get(index).unwrap();
            let partition = message.partition;
            let expected = next[partition as usize];
            assert_eq!(message.offset, expected as i64, "partition {partition}");
            assert_eq!(message.payload, payload(partition, expected).as_bytes());
            next[partition as usize] += 1;
        }
        batch.clear();
    }
    assert!(
        largest > 1,
        "messages already waiting come more than one at a time"
    );
    assert!(largest <= super::BATCH);
    routing.clear();
    drop(queue);
}
