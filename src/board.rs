//! The only state shared between threads: the latest snapshot of every tenant this instance owns, and
//! the status of every partition it owns. Workers publish; HTTP, metrics and alerts read. Snapshots are
//! immutable `Arc`s, so a reader never holds a lock while rendering.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use dashmap::DashMap;

use crate::alert::Alert;
use crate::center::snapshot::CenterSnapshot;
use crate::event::Id;
use crate::ingest::group::Settling;
use crate::intervals::rows::Record;
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
    /// Just started and owning only part of the topic: a previous run's members (killed before they
    /// could leave the group) may hold the rest until the broker's session timeout drops them.
    GroupSettling,
}

impl Readiness {
    pub fn reason(&self) -> &'static str {
        match self {
            Readiness::Ready => "ready",
            Readiness::WaitingForAssignment => "waiting for partition assignment",
            Readiness::NoPartitions => "no partitions assigned",
            Readiness::Replaying(_) => "replaying",
            Readiness::KafkaUnreachable => "kafka unreachable",
            Readiness::GroupSettling => "waiting for the group to settle",
        }
    }
}

#[derive(Debug, Default)]
pub struct Board {
    snapshots: DashMap<Id, Arc<CenterSnapshot>>,
    /// Tenants whose partition replays: their snapshots are shown, but no alert is evaluated on them.
    replaying: DashMap<Id, ()>,
    /// Tenants whose partition the group took away: their last snapshot is shown marked stale, and
    /// their alerts stay as they were (neither evaluated nor resolved) until the partition comes back
    /// or another instance takes it.
    held: DashMap<Id, ()>,
    /// Which worker published each tenant last: only that worker may hold or withdraw it. A partition
    /// that moves between two workers of this instance is published by the one that took it before or
    /// after the other lets it go; either way the tenant stays on the board.
    owners: DashMap<Id, usize>,
    /// What the alert engine has firing, ordered by fingerprint.
    alerts: std::sync::RwLock<Arc<Vec<Alert>>>,
    /// Each tenant's interval report of the day so far.
    intervals: DashMap<Id, Arc<Table>>,
    /// Each tenant's closed intervals as records of the intervals topic.
    closed: DashMap<Id, Arc<Vec<Record>>>,
    partitions: DashMap<(String, i32), PartitionStatus>,
    /// Workers that have had their first assignment: until all have, the group has not formed and the
    /// instance is not ready, even though it owns nothing that could still be replaying.
    assigned_workers: AtomicUsize,
    workers: usize,
    /// Each worker's link to the brokers.
    kafka: DashMap<usize, KafkaLink>,
    /// Per topic, until when a start that owns part of it waits for the group to settle (set at the
    /// topic's first assignment).
    settling: DashMap<String, Settling>,
}

impl Board {
    pub fn new(workers: usize) -> Arc<Board> {
        Arc::new(Board {
            workers,
            ..Board::default()
        })
    }

    /// Publishes a live tenant's snapshot (as worker 0).
    pub fn publish(&self, snapshot: CenterSnapshot) {
        self.publish_in(snapshot, Phase::Live, 0);
    }

    /// Publishes a snapshot of a tenant whose partition is in `phase`.
    pub fn publish_in(&self, snapshot: CenterSnapshot, phase: Phase, worker: usize) {
        self.owners.insert(snapshot.tenant.clone(), worker);
        self.held.remove(&snapshot.tenant);
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
        self.snapshots.contains_key(tenant)
            && !self.replaying.contains_key(tenant)
            && !self.held.contains_key(tenant)
    }

    /// Whether the tenant's partition was taken away and its last figures are kept (stale).
    pub fn is_held(&self, tenant: &str) -> bool {
        self.held.contains_key(tenant)
    }

    /// A tenant whose partition the group took from this instance: its last snapshot stays, marked
    /// stale, until it is published again (the partition came back) or withdrawn (it went elsewhere).
    pub fn hold(&self, tenant: &str, worker: usize) {
        if !self.published_by(tenant, worker) {
            return;
        }
        if let Some(mut entry) = self.snapshots.get_mut(tenant) {
            let mut stale = CenterSnapshot::clone(entry.value());
            stale.stale = true;
            *entry.value_mut() = Arc::new(stale);
            self.held.insert(entry.key().clone(), ());
        }
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

    pub fn publish_closed(&self, tenant: &Id, records: Vec<Record>) {
        self.closed.insert(tenant.clone(), Arc::new(records));
    }

    /// The records of the tenant's closed intervals, as last published.
    pub fn closed(&self, tenant: &str) -> Option<Arc<Vec<Record>>> {
        self.closed
            .get(tenant)
            .map(|entry| Arc::clone(entry.value()))
    }

    /// A tenant whose partition moved to another instance: that instance exports it now.
    /// Done only by the worker that published it last: one of this instance's other workers may have
    /// taken the partition and published the tenant already.
    pub fn withdraw(&self, tenant: &str, worker: usize) {
        if !self.published_by(tenant, worker) {
            return;
        }
        self.owners.remove(tenant);
        self.snapshots.remove(tenant);
        self.replaying.remove(tenant);
        self.held.remove(tenant);
        self.intervals.remove(tenant);
        self.closed.remove(tenant);
    }

    fn published_by(&self, tenant: &str, worker: usize) -> bool {
        self.owners
            .get(tenant)
            .is_none_or(|owner| *owner.value() == worker)
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

    /// Whether the topic's first assignment was seen and its partition count is known.
    pub fn settling_known(&self, topic: &str) -> bool {
        self.settling
            .get(topic)
            .is_some_and(|entry| entry.value().partitions.is_some())
    }

    /// At a topic's first assignment: how long the instance may wait for the group to settle. Later
    /// assignments only fill in a partition count the first could not learn.
    pub fn begin_settling(&self, topic: &str, settling: Settling) {
        let mut entry = self.settling.entry(topic.to_string()).or_insert(settling);
        if entry.partitions.is_none() {
            entry.partitions = settling.partitions;
        }
    }

    /// Ready when the brokers are reachable (or were until moments ago), the group has assigned this
    /// instance at least one partition and, just after a start, all of them or has had the time to
    /// drop a previous run's members, and every partition it owns is live.
    pub fn readiness(&self) -> Readiness {
        if self.kafka.iter().any(|entry| entry.value().past_grace) {
            return Readiness::KafkaUnreachable;
        }
        if self.assigned_workers.load(Ordering::Acquire) < self.workers {
            return Readiness::WaitingForAssignment;
        }
        let now = Instant::now();
        if self.settling.iter().any(|entry| {
            let owned = self
                .partitions
                .iter()
                .filter(|partition| partition.key().0 == *entry.key())
                .count();
            entry.value().waits(owned, now)
        }) {
            return Readiness::GroupSettling;
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

#[cfg(test)]
#[path = "board_tests.rs"]
mod tests;
