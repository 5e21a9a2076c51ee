//! State snapshots on Kafka: each owned partition's tenants, encoded (`Tenants::encode_state`), written
//! now and then to a compacted topic keyed by source partition with the offset they reflect; read back
//! on assignment so a restart replays only what came after, not the whole replay window. A snapshot
//! that cannot be read or decoded is ignored with a warning (the partition replays in full), never
//! trusted.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use rdkafka::ClientConfig;

/// How long reading the snapshot topic on an assignment may take before the partitions replay in full.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The key a partition's snapshot is written under: `topic/partition`.
pub fn key(topic: &str, partition: i32) -> String {
    format!("{topic}/{partition}")
}

/// A snapshot as written: the next source offset it reflects (8 bytes, big-endian), then the state.
pub fn frame(next_offset: i64, state: &[u8]) -> Vec<u8> {
    let mut framed = Vec::with_capacity(8 + state.len());
    framed.extend_from_slice(&next_offset.to_be_bytes());
    framed.extend_from_slice(state);
    framed
}

/// The offset and state of a framed snapshot (`None` for one too short to hold an offset).
pub fn unframe(framed: &[u8]) -> Option<(i64, &[u8])> {
    let (offset, state) = framed.split_at_checked(8)?;
    let offset = i64::from_be_bytes(offset.try_into().ok()?);
    (offset >= 0).then_some((offset, state))
}

/// Writes snapshots to the state topic; delivery is asynchronous and failures are logged by the caller
/// (a lost snapshot costs only a longer replay).
pub struct StateWriter {
    topic: String,
    producer: BaseProducer,
}

impl StateWriter {
    pub fn new(config: &ClientConfig, topic: String) -> rdkafka::error::KafkaResult<Self> {
        let producer = config.create()?;
        Ok(StateWriter { topic, producer })
    }

    pub fn write(&self, key: &str, framed: &[u8]) -> Result<(), rdkafka::error::KafkaError> {
        let record = BaseRecord::to(&self.topic).key(key).payload(framed);
        self.producer.send(record).map_err(|(error, _)| error)?;
        self.producer.poll(Duration::ZERO);
        Ok(())
    }

    /// Waits for what is in flight (at shutdown).
    pub fn flush(&self, timeout: Duration) {
        let _ = self.producer.flush(timeout);
    }
}

/// The latest snapshot of each wanted key in the state topic: the topic is read from its beginning to
/// the high watermark of each of its partitions (compaction keeps it to about one record per key).
pub fn read_latest(
    config: &ClientConfig,
    topic: &str,
    wanted: &[String],
) -> anyhow::Result<HashMap<String, Vec<u8>>> {
    use anyhow::Context as _;
    // Assigned, never subscribed: the group id only satisfies librdkafka; nothing joins or commits.
    let consumer: BaseConsumer = config
        .clone()
        .set("group.id", "callboard-state-reader")
        .set("enable.auto.commit", "false")
        .create()
        .context("cannot create the state reader")?;
    let mut ends = assign_from_beginning(&consumer, topic, READ_TIMEOUT)
        .context("cannot read the state topic")?
        .unwrap_or_default();
    let mut latest = HashMap::new();
    if ends.is_empty() {
        return Ok(latest);
    }
    let started = Instant::now();
    while !ends.is_empty() {
        anyhow::ensure!(
            started.elapsed() < READ_TIMEOUT,
            "the state topic was not read within {READ_TIMEOUT:?}"
        );
        let Some(polled) = consumer.poll(Duration::from_millis(100)) else {
            continue;
        };
        let message = polled.context("cannot read the state topic")?;
        let key = message
            .key()
            .map(String::from_utf8_lossy)
            .unwrap_or_default();
        if wanted.iter().any(|wanted| *wanted == key) {
            match message.payload() {
                Some(payload) => latest.insert(key.into_owned(), payload.to_vec()),
                // A tombstone: the snapshot was withdrawn.
                None => latest.remove(key.as_ref()),
            };
        }
        if message.offset() + 1 >= ends.get(&message.partition()).copied().unwrap_or(0) {
            ends.remove(&message.partition());
        }
    }
    Ok(latest)
}

/// Assigns `consumer` every partition of `topic` from its beginning and returns the end (high
/// watermark) of each that holds anything, to read up to; `None` for a topic without partitions
/// (missing).
pub fn assign_from_beginning(
    consumer: &BaseConsumer,
    topic: &str,
    timeout: Duration,
) -> anyhow::Result<Option<HashMap<i32, i64>>> {
    use anyhow::Context as _;
    let metadata = consumer
        .fetch_metadata(Some(topic), timeout)
        .context("cannot read the topic's metadata")?;
    let partitions: Vec<i32> = (metadata.topics().iter())
        .filter(|found| found.name() == topic && found.error().is_none())
        .flat_map(|found| found.partitions().iter().map(|partition| partition.id()))
        .collect();
    anyhow::ensure!(
        !partitions.is_empty(),
        "topic `{topic}` has no partitions (does it exist?)"
    );
    let mut ends = HashMap::new();
    let mut assignment = TopicPartitionList::new();
    for partition in partitions {
        let (low, high) = consumer
            .fetch_watermarks(topic, partition, timeout)
            .context("cannot read the topic's watermarks")?;
        if high > low {
            ends.insert(partition, high);
        }
        assignment.add_partition_offset(topic, partition, Offset::Beginning)?;
    }
    consumer.assign(&assignment)?;
    Ok(Some(ends))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_carries_its_offset_and_short_or_negative_ones_are_refused() {
        let framed = frame(1_234_567, b"state");
        assert_eq!(framed.len(), 13);
        assert_eq!(unframe(&framed), Some((1_234_567, &b"state"[..])));
        assert_eq!(unframe(&framed[..7]), None);
        assert_eq!(unframe(&frame(-1, b"")), None);
        assert_eq!(unframe(&frame(0, b"")), Some((0, &b""[..])));
    }
}
