//! The rdkafka consumer context of one worker: turns librdkafka's synchronous callbacks (rebalance,
//! statistics) into a closed enum for the worker's loop, and decides where an assigned partition starts:
//! at the first offset of the replay window, replaying up to the committed offset before going live.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext};
use rdkafka::error::{KafkaError, KafkaResult, RDKafkaErrorCode};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use rdkafka::types::RDKafkaRespErr;
use rdkafka::{ClientConfig, ClientContext};

use super::fetch_queue::FetchQueue;
use super::group::Settling;
use super::state;
use crate::board::Board;
use crate::decode::DecodeLimits;
use crate::telemetry::Telemetry;
use crate::tenants::{SettingsOf, Tenants};

/// What a rebalance did, for the worker's loop.
pub enum Rebalanced {
    Assigned(Vec<Assignment>),
    Revoked(Vec<i32>),
}

pub struct Assignment {
    pub partition: i32,
    /// Offsets below this were applied before (by this or another instance): they are replayed to
    /// rebuild state, without firing anything.
    pub replay_until: i64,
    /// Offsets below this were read by the group before (the committed offset; 0 when there is none):
    /// their rejections were dead-lettered then.
    pub read_before: i64,
    /// The partition's state loaded from the state topic, and the offset it reflects (where reading
    /// starts).
    pub restored: Option<(i64, Box<Tenants>)>,
    /// The partition was this worker's until the rebalance before: its state is still here (held),
    /// and reading goes on from the offset that state reflects.
    pub resumed: bool,
}

/// A partition's offsets as its worker moves through it, shared with the context without a lock.
#[derive(Debug)]
pub struct PartitionOffsets {
    /// The next offset to commit: never below the replay boundary.
    pub commit: AtomicI64,
    /// The next offset to read: the worker's state reflects everything below it.
    pub taken: AtomicI64,
}

/// Where partition state is read back from on assignment.
pub struct StateSource {
    /// A reader of the state topic (no group).
    pub config: ClientConfig,
    pub topic: String,
    pub settings_of: SettingsOf,
    pub limits: DecodeLimits,
}

/// Where assigned partitions start reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplayStart {
    /// The first offset at or after this event time (epoch ms), found with offsets_for_times.
    Time(i64),
    /// The first offset the broker still has (for brokers without offsets_for_times).
    Beginning,
}

pub struct WorkerContext {
    pub topic: String,
    pub rebalances: Mutex<Sender<Rebalanced>>,
    /// Offsets per owned partition. The worker writes a partition's cells after every event it takes
    /// (atomic stores, no lock); the map is locked only to add or drop a partition and to read the
    /// cells on a tick, a rebalance or the stop.
    pub applied_offsets: Mutex<HashMap<i32, Arc<PartitionOffsets>>>,
    /// Partitions revoked from this worker whose state it holds, with the offset that state reflects:
    /// given back by the next assignment, they go on from there instead of replaying.
    pub held: Mutex<HashMap<i32, i64>>,
    /// Told at the first assignment how long a start waits for the group to settle.
    pub board: Arc<Board>,
    pub session_timeout: Duration,
    pub replay_start: Box<dyn Fn() -> ReplayStart + Send + Sync>,
    pub telemetry: Arc<Telemetry>,
    /// Whether a broker connection is up, from librdkafka's statistics (each second) and its
    /// all-brokers-down error; the worker reads it on its tick.
    pub kafka_up: AtomicBool,
    pub state: Option<StateSource>,
    /// Where the worker takes its messages from: each assigned partition is forwarded there before
    /// its fetching starts (opened once the consumer exists, closed by the worker before it goes).
    pub fetch_queue: FetchQueue,
}

const BROKER_TIMEOUT: Duration = Duration::from_secs(10);

impl ClientContext for WorkerContext {
    fn stats(&self, statistics: rdkafka::Statistics) {
        // A real broker (not librdkafka's internal or logical ones) with an open connection.
        let up = statistics.brokers.values().any(|broker| {
            matches!(broker.source.as_str(), "learned" | "configured") && broker.state == "UP"
        });
        self.kafka_up.store(up, Ordering::Relaxed);
    }

    fn error(&self, error: KafkaError, reason: &str) {
        if matches!(error, KafkaError::Global(RDKafkaErrorCode::AllBrokersDown)) {
            self.kafka_up.store(false, Ordering::Relaxed);
        }
        tracing::warn!(%error, reason, "kafka client error");
    }
}

impl ConsumerContext for WorkerContext {
    fn rebalance(
        &self,
        consumer: &BaseConsumer<Self>,
        err: RDKafkaRespErr,
        partitions: &mut TopicPartitionList,
    ) {
        match err {
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS => {
                self.begin_settling(consumer);
                let assignments = self.plan_assignment(consumer, partitions);
                self.forward(
                    consumer,
                    partitions
                        .elements()
                        .iter()
                        .map(|element| element.partition()),
                );
                if let Err(error) = consumer.assign(partitions) {
                    tracing::error!(%error, "cannot take the assigned partitions");
                }
                let _ = self
                    .rebalances
                    .lock()
                    .map(|sender| sender.send(Rebalanced::Assigned(assignments)));
            }
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS => {
                let revoked: Vec<i32> = partitions
                    .elements()
                    .iter()
                    .map(|element| element.partition())
                    .collect();
                if let Err(error) = self.commit_applied(consumer, CommitMode::Sync) {
                    tracing::warn!(%error, lost = consumer.assignment_lost(), "cannot commit offsets of revoked partitions; their new owner replays them");
                }
                self.hold(&revoked);
                let _ = consumer.unassign();
                let _ = self
                    .rebalances
                    .lock()
                    .map(|sender| sender.send(Rebalanced::Revoked(revoked)));
            }
            other => tracing::error!(error = ?other, "rebalance failed"),
        }
    }
}

/// Offset cell value of a partition nothing was taken from yet.
pub const NOTHING_APPLIED: i64 = -1;

impl WorkerContext {
    /// Forwards `partitions` of the topic to the worker's fetch queue: at an assignment, before its
    /// fetching starts, and at every tick, for a fetch librdkafka stopped and started since.
    pub fn forward(&self, consumer: &BaseConsumer<Self>, partitions: impl Iterator<Item = i32>) {
        for partition in partitions {
            if !self.fetch_queue.forward(consumer, &self.topic, partition) {
                tracing::warn!(
                    partition,
                    "cannot forward the partition's messages to the worker's queue; they come through the consumer queue"
                );
            }
        }
    }

    /// The cells the worker writes a partition's offsets to (made on first use).
    pub fn applied_cell(&self, partition: i32) -> Arc<PartitionOffsets> {
        let mut applied = self
            .applied_offsets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Arc::clone(applied.entry(partition).or_insert_with(|| {
            Arc::new(PartitionOffsets {
                commit: AtomicI64::new(NOTHING_APPLIED),
                taken: AtomicI64::new(NOTHING_APPLIED),
            })
        }))
    }

    /// At the first assignment, the board learns until when a start that owns only part of the topic
    /// waits for the group to settle, and (at the first assignment the brokers tell it) how many
    /// partitions the topic has.
    fn begin_settling(&self, consumer: &BaseConsumer<Self>) {
        if self.board.settling_known(&self.topic) {
            return;
        }
        let joined = std::time::Instant::now();
        let partitions = match consumer.fetch_metadata(Some(&self.topic), BROKER_TIMEOUT) {
            Ok(metadata) => {
                let count: usize = metadata
                    .topics()
                    .iter()
                    .filter(|topic| topic.error().is_none())
                    .map(|topic| topic.partitions().len())
                    .sum();
                if count == 0 {
                    tracing::warn!(topic = self.topic, "the brokers told no partition count for the topic; readiness waits the whole settling time");
                }
                Some(count)
            }
            Err(error) => {
                tracing::warn!(%error, "cannot read the topic's partition count; readiness waits the whole settling time");
                None
            }
        };
        let settling = Settling::new(joined, self.session_timeout, partitions);
        tracing::info!(
            topic = self.topic,
            partitions = settling.partitions,
            wait_ms = settling.until.saturating_duration_since(joined).as_millis() as u64,
            "joined the group; unless it owns every partition, readiness waits this long for the group to settle"
        );
        self.board.begin_settling(&self.topic, settling);
    }

    /// Revoked partitions leave the offset map (their commits are done); those the worker took
    /// anything from are held, with the offset their state reflects.
    fn hold(&self, revoked: &[i32]) {
        let mut applied = self
            .applied_offsets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut held = self
            .held
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for partition in revoked {
            if let Some(offsets) = applied.remove(partition) {
                let taken = offsets.taken.load(Ordering::Relaxed);
                if taken != NOTHING_APPLIED {
                    held.insert(*partition, taken);
                }
            }
        }
    }

    /// Stores the offsets of everything applied and commits them: synchronously on a revoke and at
    /// the stop, asynchronously on the worker's tick (once a second), so a crash replays at most a
    /// second of events as live rather than everything since the last clean stop.
    pub fn commit_applied(
        &self,
        consumer: &BaseConsumer<Self>,
        mode: CommitMode,
    ) -> KafkaResult<()> {
        let mut list = TopicPartitionList::new();
        if let Ok(applied) = self.applied_offsets.lock() {
            for (partition, offsets) in applied.iter() {
                let next = offsets.commit.load(Ordering::Relaxed);
                if next != NOTHING_APPLIED {
                    list.add_partition_offset(&self.topic, *partition, Offset::Offset(next))?;
                }
            }
        }
        if list.count() == 0 {
            return Ok(());
        }
        consumer.store_offsets(&list)?;
        match consumer.commit_consumer_state(mode) {
            // Everything applied was committed already: nothing to do.
            Err(KafkaError::ConsumerCommit(RDKafkaErrorCode::NoOffset)) => Ok(()),
            other => other,
        }
    }

    /// Sets each assigned partition's start to the replay window's first offset and returns how far to
    /// replay: the committed offset, or the high watermark when the group has none yet.
    fn plan_assignment(
        &self,
        consumer: &BaseConsumer<Self>,
        partitions: &mut TopicPartitionList,
    ) -> Vec<Assignment> {
        // What is held and not given back went to another member: the worker lets it go.
        let mut held = std::mem::take(
            &mut *self
                .held
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
        if partitions.count() == 0 {
            return Vec::new();
        }
        let committed = consumer.committed_offsets(partitions.clone(), BROKER_TIMEOUT).unwrap_or_else(|error| {
            tracing::warn!(%error, "cannot read committed offsets; replaying to the high watermark");
            TopicPartitionList::new()
        });
        let starts = match (self.replay_start)() {
            ReplayStart::Time(from) => {
                let mut times = TopicPartitionList::new();
                for element in partitions.elements() {
                    let _ = times.add_partition_offset(
                        element.topic(),
                        element.partition(),
                        Offset::Offset(from),
                    );
                }
                consumer.offsets_for_times(times, BROKER_TIMEOUT).unwrap_or_else(|error| {
                    tracing::warn!(%error, "cannot find offsets by time; replaying from the beginning");
                    TopicPartitionList::new()
                })
            }
            ReplayStart::Beginning => TopicPartitionList::new(),
        };
        let mut assignments = Vec::new();
        let elements: Vec<(String, i32)> = partitions
            .elements()
            .iter()
            .map(|element| (element.topic().to_string(), element.partition()))
            .collect();
        let resumed: HashMap<i32, i64> = elements
            .iter()
            .filter_map(|(_, partition)| held.remove_entry(partition))
            .collect();
        let to_load: Vec<(String, i32)> = elements
            .iter()
            .filter(|(_, partition)| !resumed.contains_key(partition))
            .cloned()
            .collect();
        let mut restored = self.load_state(&to_load);
        for (topic, partition) in elements {
            let restored = restored.remove(&partition);
            let resumed_at = resumed.get(&partition).copied();
            let start = match starts
                .find_partition(&topic, partition)
                .map(|element| element.offset())
            {
                _ if resumed_at.is_some() => Offset::Offset(resumed_at.unwrap_or(0)),
                _ if restored.is_some() => {
                    Offset::Offset(restored.as_ref().map_or(0, |(offset, _)| *offset))
                }
                Some(Offset::Offset(offset)) => Offset::Offset(offset),
                // No event newer than the window start: nothing to replay, start after the last one.
                Some(Offset::End) => Offset::End,
                _ => Offset::Beginning,
            };
            let _ = partitions.set_partition_offset(&topic, partition, start);
            let committed_offset = match committed
                .find_partition(&topic, partition)
                .map(|element| element.offset())
            {
                Some(Offset::Offset(offset)) => Some(offset),
                _ => None,
            };
            let replay_until = match committed_offset {
                Some(offset) => offset,
                _ => consumer
                    .fetch_watermarks(&topic, partition, BROKER_TIMEOUT)
                    .map(|(_, high)| high)
                    .unwrap_or(0),
            };
            tracing::info!(topic, partition, ?start, replay_until, "partition assigned");
            assignments.push(Assignment {
                partition,
                read_before: committed_offset.unwrap_or(0),
                replay_until,
                restored: restored.map(|(offset, tenants)| (offset, Box::new(tenants))),
                resumed: resumed_at.is_some(),
            });
        }
        assignments
    }

    /// The state of each assigned partition that has a usable snapshot, with the offset to read on
    /// from. Whatever cannot be read or decoded is left out with a warning: that partition replays.
    fn load_state(&self, partitions: &[(String, i32)]) -> HashMap<i32, (i64, Tenants)> {
        let mut loaded = HashMap::new();
        let Some(source) = &self.state else {
            return loaded;
        };
        let keys: Vec<String> = partitions
            .iter()
            .map(|(topic, partition)| state::key(topic, *partition))
            .collect();
        let started = std::time::Instant::now();
        let latest = match state::read_latest(&source.config, &source.topic, &keys) {
            Ok(latest) => {
                tracing::debug!(
                    found = latest.len(),
                    wanted = keys.len(),
                    "partition state read"
                );
                latest
            }
            Err(error) => {
                tracing::warn!(
                    error = format!("{error:#}"),
                    "cannot read partition state; replaying"
                );
                return loaded;
            }
        };
        for (topic, partition) in partitions {
            let Some(framed) = latest.get(&state::key(topic, *partition)) else {
                continue;
            };
            let Some((offset, bytes)) = state::unframe(framed) else {
                tracing::warn!(partition, "partition state too short; replaying");
                continue;
            };
            let settings_of = std::sync::Arc::clone(&source.settings_of);
            match Tenants::restore_state(bytes, settings_of, source.limits) {
                Ok(tenants) => {
                    tracing::info!(
                        partition,
                        offset,
                        bytes = framed.len(),
                        elapsed_ms = started.elapsed().as_millis() as u64,
                        "partition state loaded"
                    );
                    loaded.insert(*partition, (offset, tenants));
                }
                Err(error) => {
                    tracing::warn!(partition, %error, "partition state unusable; replaying");
                }
            }
        }
        loaded
    }
}
