//! The only state shared between threads: the latest snapshot of every tenant this instance owns, and
//! the status of every partition it owns. Workers publish; HTTP, metrics and alerts read. Snapshots are
//! immutable `Arc`s, so a reader never holds a lock while rendering.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use dashmap::DashMap;

use crate::alert::Alert;
use crate::center::snapshot::CenterSnapshot;
use crate::event::Id;
use crate::report::Table;

/// Where an owned partition is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Rebuilding state from the start of the longest window up to the committed offset.
    Replaying,
    /// Applying new events as they come; alerts may fire.
    Live,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionStatus {
    pub phase: Phase,
    /// Messages between the consumer's position and the partition's high watermark.
    pub lag: i64,
}

/// A worker's link to the brokers, as its last tick saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KafkaLink {
    pub up: bool,
    /// Unreachable for longer than a short outage.
    pub past_grace: bool,
}

/// Why an instance is or is not ready, as `/readyz` tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    /// The group has not given every worker its first assignment yet.
    WaitingForAssignment,
    /// The group gave this instance no partition: it consumes nothing, so it serves nothing.
    NoPartitions,
    /// These partitions (`topic/partition`) are rebuilding state.
    Replaying(Vec<String>),
    /// No broker has been reachable for longer than a short outage.
    KafkaUnreachable,
}

impl Readiness {
    pub fn reason(&self) -> &'static str {
        match self {
            Readiness::Ready => "ready",
            Readiness::WaitingForAssignment => "waiting for partition assignment",
            Readiness::NoPartitions => "no partitions assigned",
            Readiness::Replaying(_) => "replaying",
            Readiness::KafkaUnreachable => "kafka unreachable",
        }
    }
}

#[derive(Debug, Default)]
pub struct Board {
    snapshots: DashMap<Id, Arc<CenterSnapshot>>,
    /// Tenants whose partition replays: their snapshots are shown, but no alert is evaluated on them.
    replaying: DashMap<Id, ()>,
    /// What the alert engine has firing, ordered by fingerprint.
    alerts: std::sync::RwLock<Arc<Vec<Alert>>>,
    /// Each tenant's interval report of the day so far.
    intervals: DashMap<Id, Arc<Table>>,
    partitions: DashMap<(String, i32), PartitionStatus>,
    /// Workers that have had their first assignment: until all have, the group has not formed and the
    /// instance is not ready, even though it owns nothing that could still be replaying.
    assigned_workers: AtomicUsize,
    workers: usize,
    /// Each worker's link to the brokers.
    kafka: DashMap<usize, KafkaLink>,
}

impl Board {
    pub fn new(workers: usize) -> Arc<Board> {
        Arc::new(Board {
            workers,
            ..Board::default()
        })
    }

    /// Publishes a live tenant's snapshot.
    pub fn publish(&self, snapshot: CenterSnapshot) {
        self.publish_in(snapshot, Phase::Live);
    }

    /// Publishes a snapshot of a tenant whose partition is in `phase`.
    pub fn publish_in(&self, snapshot: CenterSnapshot, phase: Phase) {
        match phase {
            Phase::Live => {
                self.replaying.remove(&snapshot.tenant);
            }
            Phase::Replaying => {
                self.replaying.insert(snapshot.tenant.clone(), ());
            }
        }
        self.snapshots
            .insert(snapshot.tenant.clone(), Arc::new(snapshot));
    }

    /// Whether the tenant's partition is live here (alerts may fire on it).
    pub fn is_live(&self, tenant: &str) -> bool {
        self.snapshots.contains_key(tenant) && !self.replaying.contains_key(tenant)
    }

    pub fn publish_alerts(&self, alerts: Vec<Alert>) {
        if let Ok(mut current) = self.alerts.write() {
            *current = Arc::new(alerts);
        }
    }

    /// Every firing alert.
    pub fn alerts(&self) -> Arc<Vec<Alert>> {
        self.alerts
            .read()
            .map(|alerts| Arc::clone(&alerts))
            .unwrap_or_default()
    }

    pub fn publish_intervals(&self, tenant: &Id, table: Table) {
        self.intervals.insert(tenant.clone(), Arc::new(table));
    }

    pub fn intervals(&self, tenant: &str) -> Option<Arc<Table>> {
        self.intervals
            .get(tenant)
            .map(|entry| Arc::clone(entry.value()))
    }

    /// A tenant whose partition moved to another instance: that instance exports it now.
    pub fn withdraw(&self, tenant: &str) {
        self.snapshots.remove(tenant);
        self.replaying.remove(tenant);
        self.intervals.remove(tenant);
    }

    pub fn snapshot(&self, tenant: &str) -> Option<Arc<CenterSnapshot>> {
        self.snapshots
            .get(tenant)
            .map(|entry| Arc::clone(entry.value()))
    }

    /// Every tenant's latest snapshot, ordered by tenant.
    pub fn snapshots(&self) -> Vec<Arc<CenterSnapshot>> {
        let mut all: Vec<_> = self
            .snapshots
            .iter()
            .map(|entry| Arc::clone(entry.value()))
            .collect();
        all.sort_by(|a, b| a.tenant.cmp(&b.tenant));
        all
    }

    pub fn set_partition(&self, topic: &str, partition: i32, status: PartitionStatus) {
        self.partitions
            .insert((topic.to_string(), partition), status);
    }

    pub fn remove_partition(&self, topic: &str, partition: i32) {
        self.partitions.remove(&(topic.to_string(), partition));
    }

    /// Owned partitions with their status, ordered.
    pub fn partitions(&self) -> Vec<((String, i32), PartitionStatus)> {
        let mut all: Vec<_> = self
            .partitions
            .iter()
            .map(|entry| (entry.key().clone(), entry.value().clone()))
            .collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    }

    /// Called once by each worker at its first assignment.
    pub fn mark_assigned(&self) {
        self.assigned_workers.fetch_add(1, Ordering::AcqRel);
    }

    /// Workers that have had their first assignment.
    pub fn assigned_workers(&self) -> usize {
        self.assigned_workers.load(Ordering::Acquire)
    }

    pub fn set_kafka_link(&self, worker: usize, link: KafkaLink) {
        self.kafka.insert(worker, link);
    }

    /// Whether every worker has a broker connection up (true before any has reported).
    pub fn kafka_up(&self) -> bool {
        self.kafka.iter().all(|entry| entry.value().up)
    }

    /// Ready when the brokers are reachable (or were until moments ago), the group has assigned this
    /// instance at least one partition, and every partition it owns is live.
    pub fn readiness(&self) -> Readiness {
        if self.kafka.iter().any(|entry| entry.value().past_grace) {
            return Readiness::KafkaUnreachable;
        }
        if self.assigned_workers.load(Ordering::Acquire) < self.workers {
            return Readiness::WaitingForAssignment;
        }
        if self.partitions.is_empty() {
            return Readiness::NoPartitions;
        }
        let replaying: Vec<String> = self
            .partitions()
            .into_iter()
            .filter(|(_, status)| status.phase == Phase::Replaying)
            .map(|((topic, partition), _)| format!("{topic}/{partition}"))
            .collect();
        if replaying.is_empty() {
            Readiness::Ready
        } else {
            Readiness::Replaying(replaying)
        }
    }

    pub fn is_ready(&self) -> bool {
        self.readiness() == Readiness::Ready
    }
}
