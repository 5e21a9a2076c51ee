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

use super::state;
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
    /// Next offset to commit per partition. The worker writes each partition's cell after every event
    /// it takes (an atomic store, no lock); the map is locked only to add or drop a partition and to
    /// read the cells on a tick, a revoke or the stop.
    pub applied_offsets: Mutex<HashMap<i32, Arc<AtomicI64>>>,
    pub replay_start: Box<dyn Fn() -> ReplayStart + Send + Sync>,
    pub telemetry: Arc<Telemetry>,
    /// Whether a broker connection is up, from librdkafka's statistics (each second) and its
    /// all-brokers-down error; the worker reads it on its tick.
    pub kafka_up: AtomicBool,
    pub state: Option<StateSource>,
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
                let assignments = self.plan_assignment(consumer, partitions);
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
                    tracing::warn!(%error, "cannot commit offsets of revoked partitions; their new owner replays them");
                }
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
    /// The cell the worker writes a partition's next offset to (made on first use).
    pub fn applied_cell(&self, partition: i32) -> Arc<AtomicI64> {
        let mut applied = self
            .applied_offsets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Arc::clone(
            applied
                .entry(partition)
                .or_insert_with(|| Arc::new(AtomicI64::new(NOTHING_APPLIED))),
        )
    }

    /// Forgets a partition that left this worker.
    pub fn forget_partition(&self, partition: i32) {
        if let Ok(mut applied) = self.applied_offsets.lock() {
            applied.remove(&partition);
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
            for (partition, next) in applied.iter() {
                let next = next.load(Ordering::Relaxed);
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
        let mut restored = self.load_state(&elements);
        for (topic, partition) in elements {
            let restored = restored.remove(&partition);
            let start = match starts
                .find_partition(&topic, partition)
                .map(|element| element.offset())
            {
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
