//! One tenant's state: calls in flight, queues, agents, rolling windows, intervals, snapshot. Pure: never
//! reads the clock (callers pass `now`) and does no I/O.
//!
//! Order: events newer than the watermark (latest event time − allowed lateness) wait in a small sorted
//! buffer and reach the floor in event-time order, so any arrival order within the lateness yields the
//! figures of sorted input. Events of one instant keep their arrival order, except that one call's
//! steps follow its causal order; an event the floor finds inconsistent is tried again after the rest of
//! its instant, so the order of same-instant events never turns valid input into rejections. Snapshots
//! apply that buffer to a copy of the floor, so in-order events show at once instead of a lateness
//! later.

pub mod agent;
pub mod calendar;
pub mod callers;
pub mod dedup;
pub mod floor;
pub mod history;
pub mod labour;
pub mod levels;
pub mod persist;
pub mod qa;
pub mod queue;
pub mod reviews;
pub mod settings;
pub mod snapshot;

use std::collections::VecDeque;

use dedup::Dedup;
use floor::Floor;
use settings::CenterSettings;
use snapshot::{CenterSnapshot, EventStats};

use crate::event::{Event, EventKind, Id, Millis, RejectCounts, RejectReason};

/// An event the center did not apply, with the caller's tag (e.g. a Kafka offset) to dead-letter it by.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    pub tag: u64,
    pub reason: RejectReason,
    /// The event, when it was rejected after its arrival (its raw message may be gone by then).
    pub event: Option<Box<Event>>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Pending {
    tag: u64,
    /// Boxed as it arrives: an event waits in the buffer and moves about in it.
    event: Box<Event>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Center {
    tenant: Id,
    /// Not kept in a state snapshot: a restored center takes the settings in force
    /// ([`Center::restored`]).
    #[serde(skip)]
    settings: CenterSettings,
    floor: Floor,
    /// Events not older than the watermark, in the order they reach the floor (see the module doc).
    pending: VecDeque<Pending>,
    /// Events of the instant being applied that the floor found inconsistent, to try again after the
    /// rest of their instant.
    deferred: Vec<Pending>,
    latest: Millis,
    dedup: Dedup,
    applied: u64,
    rejected: RejectCounts,
    /// Events with a tag below this are a replay (their Kafka offset was applied before): their
    /// outcomes are also counted apart, so telemetry tells rebuilt state from real traffic.
    replay_until: u64,
    replayed: (u64, RejectCounts),
    /// Events offered to `ingest`, whatever became of them.
    taken: u64,
}

impl Center {
    pub fn new(tenant: Id, settings: CenterSettings) -> Self {
        let mut floor = Floor::new(&settings);
        floor.samples = qa::Samples::new(tenant.clone());
        let dedup = Dedup::new(settings.dedup_horizon_ms);
        Center {
            tenant,
            settings,
            floor,
            pending: VecDeque::new(),
            deferred: Vec::new(),
            latest: Millis::MIN,
            dedup,
            applied: 0,
            rejected: RejectCounts::default(),
            replay_until: 0,
            replayed: (0, RejectCounts::default()),
            taken: 0,
        }
    }

    pub fn tenant(&self) -> &Id {
        &self.tenant
    }

    pub fn settings(&self) -> &CenterSettings {
        &self.settings
    }

    /// Finishes a center decoded from a state snapshot (`persist`): it takes `settings` (the caller has
    /// checked that what shapes its state, the calendar and windows, is unchanged), then reconfigures,
    /// as a reload would. An error says what in the decoded state does not hold together.
    pub(crate) fn restored(&mut self, settings: CenterSettings) -> Result<(), String> {
        self.floor.restored()?;
        self.settings = settings.clone();
        self.reconfigure(&settings);
        Ok(())
    }

    /// Takes new queue thresholds, targets and formulas, quotas and opening hours (a configuration
    /// reload). Windows, lateness, the calendar, completions and the calls-per-agent limit stay as they
    /// were: changing them needs a restart, which rebuilds state.
    pub fn reconfigure(&mut self, settings: &CenterSettings) {
        self.settings.queue_defaults = settings.queue_defaults.clone();
        self.settings.queues = settings.queues.clone();
        self.settings.quotas = settings.quotas.clone();
        self.settings.open_hours = settings.open_hours;
        self.settings.state_limits = settings.state_limits.clone();
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
        let id_hash = event.id.as_deref().map(dedup::id_hash);
        self.ingest_hashed(Box::new(event), id_hash, tag, rejections);
    }

    /// [`Center::ingest`] with the event boxed (the buffer then moves a pointer, not the event) and
    /// its id hashed already ([`dedup::id_hash`]).
    pub fn ingest_hashed(
        &mut self,
        event: Box<Event>,
        id_hash: Option<u64>,
        tag: u64,
        rejections: &mut Vec<Rejection>,
    ) {
        debug_assert_eq!(id_hash, event.id.as_deref().map(dedup::id_hash));
        self.taken += 1;
        if let Some(hash) = id_hash {
            if self
                .dedup
                .is_duplicate(hash, event.time, self.latest.max(event.time))
            {
                self.reject(tag, RejectReason::Duplicate, None, rejections);
                return;
            }
        }
        if self.latest != Millis::MIN && event.time < self.watermark() {
            self.apply_late(event, tag, rejections);
            return;
        }
        self.latest = self.latest.max(event.time);
        let pending = Pending { tag, event };
        match self.pending.back() {
            // A call's step may have to go before a later step of its call at the same instant.
            Some(last)
                if last.event.time > pending.event.time
                    || (last.event.time == pending.event.time
                        && pending.event.kind.call_step().is_some()) =>
            {
                let at = place_in_buffer(&self.pending, &pending);
                self.pending.insert(at, pending);
            }
            _ => self.pending.push_back(pending),
        }
        let watermark = self.watermark();
        while self
            .pending
            .front()
            .is_some_and(|first| first.event.time < watermark)
        {
            let first = self.pending.pop_front().expect("checked non-empty");
            self.apply_in_instant(first, rejections);
        }
        // Everything of the instant the deferred events belong to has been applied by now.
        self.reject_deferred(rejections);
    }

    /// Applies an event from the buffer. One the floor finds inconsistent waits for the rest of its
    /// instant (a step it depends on may arrive later at the same time stamp); each event applied
    /// gives the waiting ones another try.
    fn apply_in_instant(&mut self, pending: Pending, rejections: &mut Vec<Rejection>) {
        if self
            .deferred
            .first()
            .is_some_and(|waiting| waiting.event.time != pending.event.time)
        {
            self.reject_deferred(rejections);
        }
        match self.floor.apply(&pending.event, &self.settings) {
            Ok(()) => {
                self.count_applied(pending.tag);
                if !self.deferred.is_empty() {
                    for tag in retry_deferred(&mut self.floor, &self.settings, &mut self.deferred) {
                        self.count_applied(tag);
                    }
                }
            }
            Err(RejectReason::Inconsistent) => self.deferred.push(pending),
            Err(reason) => self.reject(pending.tag, reason, Some(pending.event), rejections),
        }
    }

    /// The events of an instant that stayed inconsistent after all of it was applied.
    fn reject_deferred(&mut self, rejections: &mut Vec<Rejection>) {
        for pending in std::mem::take(&mut self.deferred) {
            let event = Some(pending.event);
            self.reject(pending.tag, RejectReason::Inconsistent, event, rejections);
        }
    }

    /// An event behind the watermark: applied where the rolling windows still hold its time, else
    /// rejected as out of window.
    fn apply_late(&mut self, event: Box<Event>, tag: u64, rejections: &mut Vec<Rejection>) {
        let held_since = self
            .latest
            .saturating_sub(self.settings.longest_window_ms());
        if event.time <= held_since {
            self.reject(tag, RejectReason::OutOfWindow, None, rejections);
        } else {
            self.apply(event, tag, rejections);
        }
    }

    fn apply(&mut self, event: Box<Event>, tag: u64, rejections: &mut Vec<Rejection>) {
        match self.floor.apply(&event, &self.settings) {
            Ok(()) => self.count_applied(tag),
            Err(reason) => self.reject(tag, reason, Some(event), rejections),
        }
    }

    fn count_applied(&mut self, tag: u64) {
        self.applied += 1;
        if tag < self.replay_until {
            self.replayed.0 += 1;
        }
    }

    /// Events tagged below `tag` are counted as replayed too (see [`Center::replayed`]).
    pub fn replay_until(&mut self, tag: u64) {
        self.replay_until = tag;
    }

    /// Of the applied and rejected events, those tagged below the replay boundary.
    pub fn replayed(&self) -> &(u64, RejectCounts) {
        &self.replayed
    }

    fn reject(
        &mut self,
        tag: u64,
        reason: RejectReason,
        event: Option<Box<Event>>,
        rejections: &mut Vec<Rejection>,
    ) {
        self.rejected.add(reason);
        if tag < self.replay_until {
            self.replayed.1.add(reason);
        }
        rejections.push(Rejection { tag, reason, event });
    }

    /// Applies everything still waiting for the watermark: the end of a finite input.
    pub fn flush(&mut self, rejections: &mut Vec<Rejection>) {
        while let Some(first) = self.pending.pop_front() {
            self.apply_in_instant(first, rejections);
        }
        self.reject_deferred(rejections);
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

    /// See [`Floor::pack_intervals`]: done at each publication.
    pub fn pack_intervals(&mut self) {
        self.floor.pack_intervals();
    }

    /// The floor with the events still waiting for the watermark applied (to a copy, when there are
    /// any), and how many of those applied and were rejected.
    fn projected(&self) -> (std::borrow::Cow<'_, Floor>, u64, u64) {
        if self.pending.is_empty() {
            return (std::borrow::Cow::Borrowed(&self.floor), 0, 0);
        }
        let mut floor = self.floor.clone();
        let (mut applied, mut rejected) = (0, 0);
        let mut deferred: Vec<Pending> = Vec::new();
        for pending in &self.pending {
            if deferred
                .first()
                .is_some_and(|waiting| waiting.event.time != pending.event.time)
            {
                rejected += std::mem::take(&mut deferred).len() as u64;
            }
            match floor.apply(&pending.event, &self.settings) {
                Ok(()) => {
                    let retried = retry_deferred(&mut floor, &self.settings, &mut deferred);
                    applied += 1 + retried.len() as u64;
                }
                Err(RejectReason::Inconsistent) => deferred.push(pending.clone()),
                Err(_) => rejected += 1,
            }
        }
        rejected += deferred.len() as u64;
        (std::borrow::Cow::Owned(floor), applied, rejected)
    }

    /// Events taken so far (applied, buffered or rejected): changes whenever the figures may have.
    pub fn ingested(&self) -> u64 {
        self.taken
    }

    /// The figures at `now`, including events still waiting for the watermark.
    pub fn snapshot(&self, now: Millis) -> CenterSnapshot {
        let (floor, stats) = self.projection();
        snapshot::build(&self.tenant, &floor, &self.settings, now, stats)
    }

    /// The floor with the events still waiting for the watermark applied, and the event counts it
    /// reflects: what snapshots and interval reports are built from (once per publication).
    pub fn projection(&self) -> (std::borrow::Cow<'_, Floor>, EventStats) {
        let mut stats = EventStats::new(self.applied, &self.rejected);
        let (floor, applied, rejected) = self.projected();
        stats.applied += applied;
        stats.rejected += rejected;
        (floor, stats)
    }
}

/// Where `pending` goes in the buffer: after every event of an earlier time and, within its instant,
/// after the events that arrived before it, unless one of them is a later step of the same call
/// (`call.answered` arriving after that call's `call.ended` at one time stamp): then just before the
/// first such step. A `call.queued` after the end of a leg of its call is a new segment and stays last.
fn place_in_buffer(buffer: &VecDeque<Pending>, pending: &Pending) -> usize {
    let time = pending.event.time;
    // Most often the event is of the buffer's last instant (one-second clocks).
    let instant_end = if buffer.back().is_some_and(|last| last.event.time <= time) {
        buffer.len()
    } else {
        buffer.partition_point(|earlier| earlier.event.time <= time)
    };
    let Some((call, step)) = pending.event.kind.call_step() else {
        return instant_end;
    };
    let new_segment = matches!(pending.event.kind, EventKind::CallQueued { .. });
    let mut at = instant_end;
    let instant = buffer
        .range(..instant_end)
        .enumerate()
        .rev()
        .take_while(|(_, earlier)| earlier.event.time == time);
    for (index, earlier) in instant {
        let kind = &earlier.event.kind;
        let Some((other_call, other_step)) = kind.call_step() else {
            continue;
        };
        if other_call != call {
            continue;
        }
        if new_segment && kind.ends_a_leg() {
            break;
        }
        if other_step > step {
            at = index;
        }
    }
    at
}

/// Tries the deferred events of an instant again, in order, until none applies; returns the tags of
/// those that did.
fn retry_deferred(
    floor: &mut Floor,
    settings: &CenterSettings,
    deferred: &mut Vec<Pending>,
) -> Vec<u64> {
    let mut applied = Vec::new();
    let mut progress = true;
    while progress && !deferred.is_empty() {
        progress = false;
        let mut index = 0;
        while index < deferred.len() {
            if floor.apply(&deferred[index].event, settings).is_ok() {
                applied.push(deferred.remove(index).tag);
                progress = true;
            } else {
                index += 1;
            }
        }
    }
    applied
}

#[cfg(test)]
mod callers_tests;
#[cfg(test)]
mod concurrency_tests;
#[cfg(test)]
mod labour_tests;
#[cfg(test)]
mod persist_tests;
#[cfg(test)]
mod qa_floor_tests;
#[cfg(test)]
mod session_tests;
#[cfg(test)]
mod test_events;
#[cfg(test)]
mod tests;
