//! Reading a stretch of a topic by time, for `report --brokers --from --to`: a consumer without a
//! group (partitions assigned, nothing committed) seeks each partition with offsets_for_times and reads
//! it until a record is stamped past the window or the high watermark it had at the start. Hands each
//! record to the caller; decoding and the engine are the caller's. Progress goes to stderr only.

use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

use super::retention::{PartitionBounds, RangeLost, Retention};
use crate::decode::time::rfc3339;
use crate::event::Millis;
use crate::report::range::ReadWindow;

/// How long metadata, watermark and offset requests may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// What to read and how to tell about it.
#[derive(Debug, Clone)]
pub struct RangeRead {
    pub topic: String,
    pub window: ReadWindow,
    /// How often progress is written to stderr; `None`: never.
    pub progress_every: Option<Duration>,
    /// A partition not done that gives nothing for this long fails the read.
    pub stall_after: Duration,
}

/// One record read, as the caller takes it.
pub struct Record<'a> {
    pub partition: i32,
    pub offset: i64,
    pub key: Option<&'a [u8]>,
    pub payload: &'a [u8],
    /// The record's timestamp, if it has one.
    pub timestamp: Option<Millis>,
}

/// What the read found besides the records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RangeTotals {
    pub records: u64,
    pub partitions: usize,
    /// Partitions whose lead-in was partly deleted, with the time of their first kept record.
    pub lead_in_cut: Vec<(i32, Millis)>,
    /// Partitions that ended on a record stamped past the window (not at their high watermark): they
    /// hold nothing more up to its end.
    pub passed_window: Vec<i32>,
}

#[derive(Debug, thiserror::Error)]
pub enum RangeReadError {
    #[error("cannot create the kafka consumer (check kafka.properties in --config): {0}")]
    Client(#[source] KafkaError),
    #[error(
        "cannot read the metadata of topic {topic} (are --brokers right and reachable?): {source}"
    )]
    Metadata { topic: String, source: KafkaError },
    #[error("topic {0} does not exist (or has no partitions)")]
    NoTopic(String),
    #[error("cannot ask partition {partition} of {topic} for {what}: {source}")]
    Partition {
        topic: String,
        partition: i32,
        what: &'static str,
        source: KafkaError,
    },
    #[error(transparent)]
    RangeLost(#[from] RangeLost),
    #[error("partition {partition} gave nothing for {seconds} s at offset {offset} (high watermark {high} at the start): is the broker reachable?")]
    Stalled {
        partition: i32,
        offset: i64,
        high: i64,
        seconds: u64,
    },
}

/// One partition's progress.
struct Partition {
    bounds: PartitionBounds,
    /// The next offset to read.
    position: i64,
    /// The time of the last record read.
    reached: Option<Millis>,
    first_kept_pending: bool,
    done: bool,
}

/// Reads every partition of `read.topic` over `read.window`, handing each record in the window to
/// `take`, in offset order within a partition.
pub fn read(
    config: &ClientConfig,
    read: &RangeRead,
    mut take: impl FnMut(Record<'_>),
) -> Result<RangeTotals, RangeReadError> {
    let consumer: BaseConsumer = config.create().map_err(RangeReadError::Client)?;
    let mut partitions = locate(&consumer, read)?;
    let mut totals = RangeTotals {
        partitions: partitions.len(),
        ..RangeTotals::default()
    };
    let window = read.window;
    let mut assignment = TopicPartitionList::new();
    for partition in &mut partitions {
        if !partition.first_kept_pending {
            decide(partition, None, window, &mut totals)?;
        }
        if !partition.done {
            assignment
                .add_partition_offset(
                    &read.topic,
                    partition.bounds.partition,
                    Offset::Offset(partition.position),
                )
                .map_err(|source| partition_error(read, partition, "an assignment", source))?;
        }
    }
    if assignment.count() > 0 {
        consumer
            .assign(&assignment)
            .map_err(|source| RangeReadError::Partition {
                topic: read.topic.clone(),
                partition: -1,
                what: "an assignment",
                source,
            })?;
    }
    let mut progress = Progress::new(read.progress_every);
    let mut last_record = Instant::now();
    while partitions.iter().any(|partition| !partition.done) {
        progress.maybe_report(&partitions, totals.records);
        let Some(polled) = consumer.poll(Duration::from_millis(100)) else {
            if last_record.elapsed() > read.stall_after {
                return Err(stalled(&partitions, read.stall_after));
            }
            continue;
        };
        // Errors (a broker restarting, a connection lost) are retried by librdkafka; a read that makes
        // no progress at all ends as stalled.
        let Ok(message) = polled else { continue };
        last_record = Instant::now();
        let Some(partition) = (partitions.iter_mut())
            .find(|partition| partition.bounds.partition == message.partition())
        else {
            continue;
        };
        if partition.done || message.offset() < partition.position {
            continue;
        }
        let timestamp = message.timestamp().to_millis();
        if partition.first_kept_pending {
            partition.first_kept_pending = false;
            decide(partition, timestamp, window, &mut totals)?;
        }
        if timestamp.is_some_and(|time| time > window.read_until) {
            partition.done = true;
            totals.passed_window.push(partition.bounds.partition);
            // What follows is not wanted: stop fetching it while the other partitions catch up.
            let mut done = TopicPartitionList::new();
            done.add_partition(&read.topic, partition.bounds.partition);
            let _ = consumer.pause(&done);
            continue;
        }
        take(Record {
            partition: partition.bounds.partition,
            offset: message.offset(),
            key: message.key(),
            payload: message.payload().unwrap_or_default(),
            timestamp,
        });
        totals.records += 1;
        partition.position = message.offset() + 1;
        partition.reached = timestamp.or(partition.reached);
        partition.done = partition.position >= partition.bounds.high;
    }
    progress.finish(&partitions, totals.records);
    Ok(totals)
}

/// Each partition's watermarks and the offset of the read start.
fn locate(consumer: &BaseConsumer, read: &RangeRead) -> Result<Vec<Partition>, RangeReadError> {
    let metadata = consumer
        .fetch_metadata(Some(&read.topic), REQUEST_TIMEOUT)
        .map_err(|source| RangeReadError::Metadata {
            topic: read.topic.clone(),
            source,
        })?;
    let ids: Vec<i32> = (metadata.topics().iter())
        .filter(|topic| topic.name() == read.topic && topic.error().is_none())
        .flat_map(|topic| topic.partitions().iter().map(|partition| partition.id()))
        .collect();
    if ids.is_empty() {
        return Err(RangeReadError::NoTopic(read.topic.clone()));
    }
    let mut times = TopicPartitionList::new();
    for id in &ids {
        times
            .add_partition_offset(&read.topic, *id, Offset::Offset(read.window.read_from))
            .map_err(|source| RangeReadError::Partition {
                topic: read.topic.clone(),
                partition: *id,
                what: "the offset of a time",
                source,
            })?;
    }
    let starts = consumer
        .offsets_for_times(times, REQUEST_TIMEOUT)
        .map_err(|source| RangeReadError::Partition {
            topic: read.topic.clone(),
            partition: -1,
            what: "the offsets of the read start (offsets_for_times)",
            source,
        })?;
    let mut partitions = Vec::with_capacity(ids.len());
    for id in ids {
        let (low, high) = consumer
            .fetch_watermarks(&read.topic, id, REQUEST_TIMEOUT)
            .map_err(|source| RangeReadError::Partition {
                topic: read.topic.clone(),
                partition: id,
                what: "its watermarks",
                source,
            })?;
        let start = match starts
            .find_partition(&read.topic, id)
            .map(|found| found.offset())
        {
            Some(Offset::Offset(offset)) if offset >= 0 => Some(offset.max(low)),
            _ => None,
        };
        let bounds = PartitionBounds {
            partition: id,
            low,
            high,
            start,
        };
        partitions.push(Partition {
            first_kept_pending: bounds.needs_first_kept(),
            position: start.unwrap_or(high),
            reached: None,
            done: start.is_none_or(|start| start >= high),
            bounds,
        });
    }
    Ok(partitions)
}

/// Applies the retention decision to a partition: a lost range fails the read, a cut lead-in is noted.
fn decide(
    partition: &Partition,
    first_kept: Option<Millis>,
    window: ReadWindow,
    totals: &mut RangeTotals,
) -> Result<(), RangeLost> {
    match (partition.bounds).retention(first_kept, window.read_from, window.range_start) {
        Retention::Whole => Ok(()),
        Retention::LeadInCut { earliest_kept } => {
            totals
                .lead_in_cut
                .push((partition.bounds.partition, earliest_kept));
            Ok(())
        }
        Retention::RangeLost(lost) => Err(lost),
    }
}

fn partition_error(
    read: &RangeRead,
    partition: &Partition,
    what: &'static str,
    source: KafkaError,
) -> RangeReadError {
    RangeReadError::Partition {
        topic: read.topic.clone(),
        partition: partition.bounds.partition,
        what,
        source,
    }
}

fn stalled(partitions: &[Partition], after: Duration) -> RangeReadError {
    let waiting = partitions.iter().find(|partition| !partition.done);
    RangeReadError::Stalled {
        partition: waiting.map_or(-1, |partition| partition.bounds.partition),
        offset: waiting.map_or(-1, |partition| partition.position),
        high: waiting.map_or(-1, |partition| partition.bounds.high),
        seconds: after.as_secs(),
    }
}

/// Progress lines on stderr every so often: records read, their rate, partitions done and the one
/// furthest behind.
struct Progress {
    every: Option<Duration>,
    started: Instant,
    last: Instant,
}

impl Progress {
    fn new(every: Option<Duration>) -> Progress {
        let now = Instant::now();
        Progress {
            every,
            started: now,
            last: now,
        }
    }

    fn maybe_report(&mut self, partitions: &[Partition], records: u64) {
        let Some(every) = self.every else { return };
        if self.last.elapsed() >= every {
            self.last = Instant::now();
            eprintln!("{}", self.line(partitions, records));
        }
    }

    fn finish(&self, partitions: &[Partition], records: u64) {
        if self.every.is_some() && self.started.elapsed() >= self.every.unwrap_or_default() {
            eprintln!("{}", self.line(partitions, records));
        }
    }

    fn line(&self, partitions: &[Partition], records: u64) -> String {
        progress_line(partitions, records, self.started.elapsed().as_secs_f64())
    }
}

/// One progress line after `seconds` of reading.
fn progress_line(partitions: &[Partition], records: u64, seconds: f64) -> String {
    let seconds = seconds.max(0.001);
    let done = partitions.iter().filter(|partition| partition.done).count();
    let behind = (partitions.iter())
        .filter(|partition| !partition.done)
        .min_by_key(|partition| partition.reached.unwrap_or(Millis::MIN));
    let behind = match behind {
        Some(partition) => format!(
            "; furthest behind: partition {} at offset {} of {}{}",
            partition.bounds.partition,
            partition.position,
            partition.bounds.high,
            partition
                .reached
                .map(|time| format!(" ({})", rfc3339(time)))
                .unwrap_or_default()
        ),
        None => String::new(),
    };
    format!(
        "callboard: {records} records read ({:.0}/s), {done} of {} partitions done{behind}",
        records as f64 / seconds,
        partitions.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partition(id: i32, position: i64, high: i64, reached: Option<Millis>) -> Partition {
        Partition {
            bounds: PartitionBounds {
                partition: id,
                low: 0,
                high,
                start: Some(0),
            },
            position,
            reached,
            first_kept_pending: false,
            done: position >= high,
        }
    }

    #[test]
    fn progress_names_the_rate_the_partitions_done_and_the_one_furthest_behind() {
        let partitions = [
            partition(0, 500, 500, Some(1_793_577_600_000)),
            partition(1, 120, 900, Some(1_793_581_200_000)),
            partition(2, 40, 900, Some(1_793_579_400_000)),
        ];
        assert_eq!(
            progress_line(&partitions, 660, 2.0),
            "callboard: 660 records read (330/s), 1 of 3 partitions done; furthest behind: \
             partition 2 at offset 40 of 900 (2026-11-02T00:30:00.000Z)"
        );
        let finished = [partition(0, 500, 500, None)];
        assert_eq!(
            progress_line(&finished, 500, 0.0),
            "callboard: 500 records read (500000/s), 1 of 1 partitions done"
        );
    }
}
