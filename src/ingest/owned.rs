//! One partition a worker owns: its tenants, how far it replays, its offsets, and what was reported
//! of its counts. Made on assignment from nothing, from a loaded state, or from the state the worker
//! held since the rebalance before.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use super::context::{Assignment, PartitionOffsets, NOTHING_APPLIED};
use super::source::Reader;
use crate::board::{Board, Phase};
use crate::event::{Millis, RejectCounts, RejectReason};
use crate::telemetry::Telemetry;
use crate::tenants::Tenants;

pub(super) struct Owned {
    pub(super) tenants: Tenants,
    /// Turns the partition's messages into events (an adapter's per-tenant state lives here).
    pub(super) reader: Reader,
    pub(super) replay_until: i64,
    pub(super) phase: Phase,
    /// The next offset to commit (never below the replay boundary) and the next to read (the state
    /// reflects everything below it), shared with the consumer context, which commits the one and
    /// holds the partition at the other when the group takes it away.
    pub(super) offsets: Arc<PartitionOffsets>,
    /// Offsets below this were read (and their rejections dead-lettered) by the group before.
    pub(super) read_before: i64,
    /// Messages taken; the count a tick last saw, and since when it has not changed (no clock read
    /// per message); whether the buffer was settled since the last message.
    pub(super) messages: u64,
    pub(super) messages_seen: u64,
    /// (offset, settled) of the state last written, and when: a partition whose buffer settled since
    /// is written again, so a restart finds nothing pending.
    pub(super) state_written: ((i64, bool), Instant),
    pub(super) quiet_since: Instant,
    pub(super) settled: bool,
    /// Totals already reported to telemetry (replay, live), so each tick reports only the difference.
    pub(super) reported: [(u64, RejectCounts); 2],
}

/// What an assigned partition starts from.
/// (Moved once per assignment: the size difference of the variants costs nothing.)
#[allow(clippy::large_enum_variant)]
pub(super) enum Start {
    /// Tenants of nothing: a replay rebuilds them.
    New(Tenants),
    /// Tenants loaded from the state topic, and the offset they reflect.
    Restored(i64, Tenants),
    /// This worker's own partition, held since the rebalance before: its counts were reported.
    Held(Owned),
}

impl Owned {
    /// A partition taken on from `start`, with the offset cells the consumer context made for it.
    pub(super) fn assigned(
        assignment: &Assignment,
        start: Start,
        offsets: Arc<PartitionOffsets>,
        reader: impl FnOnce() -> Reader,
    ) -> Owned {
        let held_at = match &start {
            Start::Held(held) => Some(held.offsets.taken.load(Ordering::Relaxed)),
            Start::New(_) | Start::Restored(..) => None,
        };
        let reflects = match &start {
            Start::Restored(offset, _) => Some(*offset),
            _ => held_at,
        };
        // A state at or past the committed offset has nothing to replay.
        let phase = if assignment.replay_until <= 0
            || reflects.is_some_and(|offset| offset >= assignment.replay_until)
        {
            Phase::Live
        } else {
            Phase::Replaying
        };
        if assignment.replay_until > 0 {
            offsets
                .commit
                .store(assignment.replay_until, Ordering::Relaxed);
        }
        if let Some(taken) = held_at {
            offsets.taken.store(taken, Ordering::Relaxed);
        }
        let mut owned = match start {
            Start::Held(mut held) => {
                held.offsets = offsets;
                held
            }
            Start::New(tenants) | Start::Restored(_, tenants) => {
                let mut owned = Owned {
                    tenants,
                    reader: reader(),
                    replay_until: 0,
                    phase,
                    offsets,
                    read_before: 0,
                    messages: 0,
                    messages_seen: 0,
                    state_written: ((NOTHING_APPLIED, false), Instant::now()),
                    quiet_since: Instant::now(),
                    settled: true,
                    reported: Default::default(),
                };
                // Counts loaded with a partition's state were reported by the instance that counted
                // them: only what is counted from here on is reported again.
                owned.reported = owned.counts();
                owned
            }
        };
        owned
            .tenants
            .replay_until(assignment.replay_until.max(0) as u64);
        owned.replay_until = assignment.replay_until;
        owned.read_before = assignment.read_before;
        owned.phase = phase;
        owned
    }

    /// Puts its tenants' snapshots (and changed interval tables) on the board as `worker`'s, at `now`
    /// (the wall clock) or at each tenant's latest event.
    pub(super) fn publish(&mut self, board: &Board, now: Option<Millis>, worker: usize) {
        let phase = self.phase;
        self.tenants.quiet_at(now.filter(|_| self.settled));
        self.tenants.publish(now, |snapshot, intervals, closed| {
            if let Some(table) = intervals {
                board.publish_intervals(&snapshot.tenant, table);
            }
            if let Some(records) = closed {
                board.publish_closed(&snapshot.tenant, records);
            }
            board.publish_in(snapshot, phase, worker);
        });
    }

    /// Reports the events counted since the last report: those below the replay boundary as replay,
    /// the rest as live (by offset, so events buffered across the boundary count where they belong).
    pub(super) fn report_counts(&mut self, telemetry: &Telemetry) {
        let counts = self.counts();
        for (live, (reported, (applied, rejected))) in [false, true]
            .into_iter()
            .zip(self.reported.iter_mut().zip(counts))
        {
            telemetry.events_applied(applied - reported.0, live);
            for reason in RejectReason::ALL {
                let delta = rejected.get(reason) - reported.1.get(reason);
                if delta > 0 {
                    telemetry.events_rejected(reason, delta, live);
                }
            }
            *reported = (applied, rejected);
        }
    }

    /// What the tenants have counted: (applied, rejected) of the replay, then of live traffic.
    fn counts(&self) -> [(u64, RejectCounts); 2] {
        let (applied, rejected) = self.tenants.totals();
        let (replayed_applied, replayed_rejected) = self.tenants.replayed();
        [
            (replayed_applied, replayed_rejected),
            (
                applied - replayed_applied,
                rejected.minus(&replayed_rejected),
            ),
        ]
    }
}
