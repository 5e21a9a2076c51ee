//! One tenant's state: calls in flight, queues, agents, rolling windows, intervals, snapshot. Pure: never
//! reads the clock (callers pass `now`) and does no I/O.
//!
//! Order: events newer than the watermark (latest event time − allowed lateness) wait in a small sorted
//! buffer and reach the floor in event-time order, so any arrival order within the lateness yields the
//! figures of sorted input. Snapshots apply that buffer to a copy of the floor, so in-order events show
//! at once instead of a lateness later.

pub mod agent;
pub mod calendar;
pub mod dedup;
pub mod floor;
pub mod queue;
pub mod settings;
pub mod snapshot;

use std::collections::VecDeque;

use dedup::Dedup;
use floor::Floor;
use settings::CenterSettings;
use snapshot::{CenterSnapshot, EventStats};

use crate::event::{Event, Id, Millis, RejectCounts, RejectReason};

/// An event the center did not apply, with the caller's tag (e.g. a Kafka offset) to dead-letter it by.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    pub tag: u64,
    pub reason: RejectReason,
    /// The event, when it was rejected after its arrival (its raw message may be gone by then).
    pub event: Option<Box<Event>>,
}

#[derive(Debug, Clone)]
struct Pending {
    /// (event time, natural rank, arrival sequence): the order events reach the floor in.
    key: (Millis, u8, u64),
    tag: u64,
    event: Event,
}

#[derive(Debug, Clone)]
pub struct Center {
    tenant: Id,
    settings: CenterSettings,
    floor: Floor,
    /// Events not older than the watermark, sorted by key.
    pending: VecDeque<Pending>,
    latest: Millis,
    sequence: u64,
    dedup: Dedup,
    applied: u64,
    rejected: RejectCounts,
    /// Events offered to `ingest`, whatever became of them.
    taken: u64,
}

impl Center {
    pub fn new(tenant: Id, settings: CenterSettings) -> Self {
        let floor = Floor::new(&settings);
        let dedup = Dedup::new(settings.dedup_horizon_ms);
        Center {
            tenant,
            settings,
            floor,
            pending: VecDeque::new(),
            latest: Millis::MIN,
            sequence: 0,
            dedup,
            applied: 0,
            rejected: RejectCounts::default(),
            taken: 0,
        }
    }

    pub fn tenant(&self) -> &Id {
        &self.tenant
    }

    pub fn settings(&self) -> &CenterSettings {
        &self.settings
    }

    /// Takes new queue thresholds, targets and formulas (a configuration reload). Windows, lateness and
    /// the calendar stay as they were: changing them needs a restart, which rebuilds state.
    pub fn reconfigure(&mut self, settings: &CenterSettings) {
        self.settings.queue_defaults = settings.queue_defaults.clone();
        self.settings.queues = settings.queues.clone();
        self.floor.reconfigure(&self.settings);
    }

    /// Event time of the latest event accepted.
    pub fn latest_event_time(&self) -> Option<Millis> {
        (self.latest != Millis::MIN).then_some(self.latest)
    }

    fn watermark(&self) -> Millis {
        self.latest.saturating_sub(self.settings.lateness_ms)
    }

    /// Takes one event. It is applied once the watermark passes it (or at once, if it is already behind
    /// the watermark but within the windows the center holds); what cannot be applied is pushed to
    /// `rejections` with its tag, now or when its turn comes.
    pub fn ingest(&mut self, event: Event, tag: u64, rejections: &mut Vec<Rejection>) {
        self.taken += 1;
        if let Some(id) = &event.id {
            if self
                .dedup
                .is_duplicate(id, event.time, self.latest.max(event.time))
            {
                self.reject(tag, RejectReason::Duplicate, None, rejections);
                return;
            }
        }
        if self.latest != Millis::MIN && event.time < self.watermark() {
            self.apply_late(event, tag, rejections);
            return;
        }
        let key = (event.time, event.kind.natural_rank(), self.sequence);
        self.sequence += 1;
        let pending = Pending { key, tag, event };
        match self.pending.back() {
            Some(last) if last.key > key => {
                let at = self.pending.partition_point(|earlier| earlier.key <= key);
                self.pending.insert(at, pending);
            }
            _ => self.pending.push_back(pending),
        }
        self.latest = self.latest.max(key.0);
        let watermark = self.watermark();
        while self
            .pending
            .front()
            .is_some_and(|first| first.key.0 < watermark)
        {
            let first = self.pending.pop_front().expect("checked non-empty");
            self.apply(first.event, first.tag, rejections);
        }
    }

    /// An event behind the watermark: applied where the rolling windows still hold its time, else
    /// rejected as out of window.
    fn apply_late(&mut self, event: Event, tag: u64, rejections: &mut Vec<Rejection>) {
        let held_since = self
            .latest
            .saturating_sub(self.settings.longest_window_ms());
        if event.time <= held_since {
            self.reject(tag, RejectReason::OutOfWindow, None, rejections);
        } else {
            self.apply(event, tag, rejections);
        }
    }

    fn apply(&mut self, event: Event, tag: u64, rejections: &mut Vec<Rejection>) {
        match self.floor.apply(&event, &self.settings) {
            Ok(()) => self.applied += 1,
            Err(reason) => self.reject(tag, reason, Some(Box::new(event)), rejections),
        }
    }

    fn reject(
        &mut self,
        tag: u64,
        reason: RejectReason,
        event: Option<Box<Event>>,
        rejections: &mut Vec<Rejection>,
    ) {
        self.rejected.add(reason);
        rejections.push(Rejection { tag, reason, event });
    }

    /// Applies everything still waiting for the watermark: the end of a finite input.
    pub fn flush(&mut self, rejections: &mut Vec<Rejection>) {
        while let Some(first) = self.pending.pop_front() {
            self.apply(first.event, first.tag, rejections);
        }
    }

    pub fn applied(&self) -> u64 {
        self.applied
    }

    pub fn rejected(&self) -> &RejectCounts {
        &self.rejected
    }

    /// The floor as far as the watermark has settled it (everything, after [`Center::flush`]).
    pub fn floor(&self) -> &Floor {
        &self.floor
    }

    /// Credits agents' current states up to `now` (end of a report): call after [`Center::flush`].
    pub fn close_books(&mut self, now: Millis) {
        self.floor.close_books(now);
    }

    /// The floor with the events still waiting for the watermark applied (to a copy, when there are
    /// any), and how many of those applied and were rejected.
    pub fn projected(&self) -> (std::borrow::Cow<'_, Floor>, u64, u64) {
        if self.pending.is_empty() {
            return (std::borrow::Cow::Borrowed(&self.floor), 0, 0);
        }
        let mut floor = self.floor.clone();
        let (mut applied, mut rejected) = (0, 0);
        for pending in &self.pending {
            match floor.apply(&pending.event, &self.settings) {
                Ok(()) => applied += 1,
                Err(_) => rejected += 1,
            }
        }
        (std::borrow::Cow::Owned(floor), applied, rejected)
    }

    /// The figures at `now` and the interval report of the retained days, from one projection of the
    /// floor (what a worker publishes each tick).
    pub fn snapshot_with_intervals(&self, now: Millis) -> (CenterSnapshot, crate::report::Table) {
        let (floor, stats) = self.projected_with_stats();
        let mut rows = Vec::new();
        crate::report::queue_rows(&self.tenant, &floor, &mut rows);
        let table = crate::report::Table {
            header: &crate::report::QUEUE_HEADER,
            rows,
        };
        (
            snapshot::build(&self.tenant, &floor, &self.settings, now, stats),
            table,
        )
    }

    /// Events taken so far (applied, buffered or rejected): changes whenever the figures may have.
    pub fn ingested(&self) -> u64 {
        self.taken
    }

    /// The figures at `now`, including events still waiting for the watermark.
    pub fn snapshot(&self, now: Millis) -> CenterSnapshot {
        let (floor, stats) = self.projected_with_stats();
        snapshot::build(&self.tenant, &floor, &self.settings, now, stats)
    }

    /// The projected floor and the event counts it reflects, buffered events included.
    fn projected_with_stats(&self) -> (std::borrow::Cow<'_, Floor>, EventStats) {
        let mut stats = EventStats::new(self.applied, &self.rejected);
        let (floor, applied, rejected) = self.projected();
        stats.applied += applied;
        stats.rejected += rejected;
        (floor, stats)
    }
}

#[cfg(test)]
mod tests;
