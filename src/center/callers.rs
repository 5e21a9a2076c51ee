//! A tenant's callers, by the opaque `caller` of `call.queued` and `call.dialed` (a number or a hash of
//! it: callboard never needs the real number): who abandoned and has not been reached since (the
//! callback list), and who calls again within a day (repeat callers, the usual stand-in for first-contact
//! resolution).
//!
//! Kept as times, so no figure depends on the order in which events of one instant are applied: an
//! abandonment at the instant the same caller is reached counts as before it, and a call queued at the
//! instant of another of the same caller's is a repeat only of calls before that instant. Both maps are
//! bounded (`callbacks_max`, `callers_max`); past a bound, the callers quiet longest are let go.

use super::queue::QueueIx;
use crate::event::{Id, Millis};

/// Maps keyed by ids from the feed: foldhash, seeded per process.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// How far back a call makes the next one of the same caller a repeat.
pub const REPEAT_WITHIN_MS: Millis = 24 * 60 * 60 * 1000;
/// Abandonments kept per caller awaiting a callback (the latest).
const ABANDONMENTS_KEPT: usize = 8;
/// How often every caller is looked at to find those soon to be forgotten; sweeps in between (one a
/// minute of event time) forget only those found.
const RESCAN_EVERY_MS: Millis = 60 * 60 * 1000;

/// One abandoned call of a caller who has not been reached since.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Abandonment {
    pub at: Millis,
    pub queue: QueueIx,
    pub wait_ms: u32,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct Caller {
    /// The two latest distinct times one of the caller's calls was first queued.
    queued: [Option<Millis>; 2],
    /// 32-bit hashes of the caller's two latest calls (0: none), so a transfer's next queue segment is
    /// not taken for a new call. Hashes, not ids: every remembered caller is in the partition's state.
    calls: [u32; 2],
    /// The latest time the caller was reached: answered, or an outbound call to them connected.
    reached_at: Option<Millis>,
    last_seen: Millis,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Callers {
    callers: HashMap<Id, Caller>,
    /// Callers with abandonments after their last reach: the callback list.
    callbacks: HashMap<Id, Vec<Abandonment>>,
    /// Bumped whenever the callback list changes (publication compares it).
    pub version: u64,
    /// Not kept in a state snapshot: a restored tenant's first sweep scans every caller.
    #[serde(skip)]
    expiring: Expiring,
    /// No abandonment in the callback list is older than this, so the daily drop of yesterday's is
    /// skipped on the other sweeps.
    #[serde(skip)]
    abandoned_since: Earliest,
}

/// A time no later than any of a set's; `Millis::MIN` (unknown) by default and after a restore.
#[derive(Debug, Clone, Copy)]
struct Earliest(Millis);

impl Default for Earliest {
    fn default() -> Self {
        Earliest(Millis::MIN)
    }
}

/// The callers a sweep may forget before `until`, found by the last scan of them all: a sweep a minute
/// scanning every caller was a quarter of a month-long report's time. A caller's last-seen time only
/// moves later, so one not found by the scan cannot fall due before `until`, unless a touch since has
/// given one an earlier time than the sweep's cutoff (an event more than a day late): then it scans.
#[derive(Debug, Clone)]
struct Expiring {
    /// (last seen at the scan, caller), latest first.
    due: Vec<(Millis, Id)>,
    until: Millis,
    /// The earliest last-seen time a touch has set since the scan.
    touched_since: Millis,
}

impl Default for Expiring {
    fn default() -> Self {
        Expiring {
            due: Vec::new(),
            until: Millis::MIN,
            touched_since: Millis::MAX,
        }
    }
}

impl Callers {
    /// A call of `caller` queued at `at`: `Some(repeat)` when it is the caller's new call (a repeat when
    /// one of its calls was queued in the day before `at`), `None` when the call was queued before (a
    /// transfer's next segment).
    pub fn queued(&mut self, caller: &Id, call: &Id, at: Millis, max: usize) -> Option<bool> {
        let entry = self.caller(caller, at, max);
        let hash = (crate::decode::adapter::fnv1a(call.as_bytes()) as u32).max(1);
        if entry.calls.contains(&hash) {
            return None;
        }
        entry.calls = [entry.calls[1], hash];
        let repeat = entry
            .queued
            .iter()
            .flatten()
            .any(|before| *before < at && at - before <= REPEAT_WITHIN_MS);
        if !entry.queued.contains(&Some(at)) {
            let [latest, _] = entry.queued;
            entry.queued = if latest.is_none_or(|latest| at > latest) {
                [Some(at), latest]
            } else {
                [latest, entry.queued[1].max(Some(at))]
            };
        }
        Some(repeat)
    }

    /// A call of `caller` abandoned at `at`: the caller awaits a callback, unless reached at or after.
    pub fn abandoned(&mut self, caller: &Id, abandonment: Abandonment, limits: CallerLimits) {
        let at = abandonment.at;
        let reached_at = self.caller(caller, at, limits.callers).reached_at;
        if reached_at.is_some_and(|reached| at <= reached) {
            return;
        }
        if !self.callbacks.contains_key(caller) && self.callbacks.len() >= limits.callbacks {
            let callbacks = &mut self.callbacks;
            let oldest = callbacks
                .iter()
                .map(|(caller, list)| (latest(list), caller))
                .min()
                .map(|(_, caller)| caller.clone());
            if let Some(oldest) = oldest {
                callbacks.remove(&oldest);
            }
        }
        self.abandoned_since.0 = self.abandoned_since.0.min(abandonment.at);
        let list = self.callbacks.entry(caller.clone()).or_default();
        list.push(abandonment);
        if list.len() > ABANDONMENTS_KEPT {
            if let Some(oldest) = (0..list.len()).min_by_key(|ix| (list[*ix].at, list[*ix].queue)) {
                list.swap_remove(oldest);
            }
        }
        self.version += 1;
    }

    /// `caller` was reached at `at` (answered, or an outbound call connected): abandonments until then
    /// need no callback.
    pub fn reached(&mut self, caller: &Id, at: Millis, max: usize) {
        let entry = self.caller(caller, at, max);
        let reached = entry.reached_at.map_or(at, |before| before.max(at));
        entry.reached_at = Some(reached);
        if let Some(list) = self.callbacks.get_mut(caller) {
            list.retain(|abandonment| abandonment.at > reached);
            if list.is_empty() {
                self.callbacks.remove(caller);
            }
            self.version += 1;
        }
    }

    /// Forgets callers not seen in the day before `now` (their calls can no longer be repeated) and
    /// abandonments from before `today` (the list is of today).
    pub fn sweep(&mut self, now: Millis, today: Millis) {
        self.forget_quiet_callers(now);
        if self.abandoned_since.0 >= today {
            return;
        }
        let before = self.callbacks.len();
        let mut dropped = false;
        let mut earliest = Millis::MAX;
        self.callbacks.retain(|_, list| {
            let length = list.len();
            list.retain(|abandonment| abandonment.at >= today);
            dropped |= list.len() != length;
            for abandonment in list.iter() {
                earliest = earliest.min(abandonment.at);
            }
            !list.is_empty()
        });
        self.abandoned_since = Earliest(earliest);
        if dropped || before != self.callbacks.len() {
            self.version += 1;
        }
    }

    /// Forgets the callers not seen in the day before `now`: those the last scan found due, or all, by a
    /// new scan, when that one is an hour old or a late touch may have made another due.
    fn forget_quiet_callers(&mut self, now: Millis) {
        let cutoff = now - REPEAT_WITHIN_MS;
        let expiring = &mut self.expiring;
        if now <= expiring.until && expiring.touched_since >= cutoff {
            while let Some((seen, _)) = expiring.due.last() {
                if *seen >= cutoff {
                    return;
                }
                let Some((_, caller)) = expiring.due.pop() else {
                    return;
                };
                if (self.callers.get(&caller)).is_some_and(|entry| entry.last_seen < cutoff) {
                    self.callers.remove(&caller);
                }
            }
            return;
        }
        let until = now + RESCAN_EVERY_MS;
        let due_before = until - REPEAT_WITHIN_MS;
        let mut due = Vec::new();
        self.callers.retain(|caller, entry| {
            let keep = entry.last_seen >= cutoff;
            if keep && entry.last_seen < due_before {
                due.push((entry.last_seen, caller.clone()));
            }
            keep
        });
        due.sort_unstable_by(|a, b| b.cmp(a));
        self.expiring = Expiring {
            due,
            until,
            touched_since: Millis::MAX,
        };
    }

    /// The callers awaiting a callback with their abandonments (latest last), oldest latest abandonment
    /// first.
    pub fn callbacks(&self) -> Vec<(&Id, Vec<&Abandonment>)> {
        let mut all: Vec<(&Id, Vec<&Abandonment>)> = self
            .callbacks
            .iter()
            .map(|(caller, list)| {
                let mut list: Vec<&Abandonment> = list.iter().collect();
                list.sort_by_key(|abandonment| (abandonment.at, abandonment.queue));
                (caller, list)
            })
            .collect();
        all.sort_by_key(|(caller, list)| (list.last().map(|last| last.at), *caller));
        all
    }

    /// Every queue index held, for a restored floor's check.
    pub fn queues(&self) -> impl Iterator<Item = QueueIx> + '_ {
        self.callbacks
            .values()
            .flat_map(|list| list.iter().map(|abandonment| abandonment.queue))
    }

    fn caller(&mut self, caller: &Id, at: Millis, max: usize) -> &mut Caller {
        if !self.callers.contains_key(caller) && self.callers.len() >= max.max(1) {
            self.let_go_of_the_quietest(max);
        }
        let entry = self.callers.entry(caller.clone()).or_default();
        entry.last_seen = entry.last_seen.max(at);
        let touched = &mut self.expiring.touched_since;
        *touched = (*touched).min(entry.last_seen);
        entry
    }

    /// Drops the tenth of the callers quiet longest (at least one), so a full map is trimmed once per
    /// tenth of its size rather than on every new caller.
    fn let_go_of_the_quietest(&mut self, max: usize) {
        let mut seen: Vec<Millis> = self
            .callers
            .values()
            .map(|caller| caller.last_seen)
            .collect();
        let drop = (max / 10).max(1).min(seen.len());
        if drop == 0 {
            return;
        }
        let (_, cutoff, _) = seen.select_nth_unstable(drop - 1);
        let cutoff = *cutoff;
        let mut left = drop;
        self.callers.retain(|_, caller| {
            if left > 0 && caller.last_seen <= cutoff {
                left -= 1;
                false
            } else {
                true
            }
        });
    }
}

/// How many callers a tenant keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallerLimits {
    /// Callers awaiting a callback.
    pub callbacks: usize,
    /// Callers remembered for a day (repeat callers).
    pub callers: usize,
}

impl Default for CallerLimits {
    fn default() -> Self {
        CallerLimits {
            callbacks: 10_000,
            callers: 20_000,
        }
    }
}

fn latest(list: &[Abandonment]) -> Millis {
    list.iter()
        .map(|abandonment| abandonment.at)
        .max()
        .unwrap_or(Millis::MIN)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;

    const HOUR: Millis = 60 * 60 * 1000;

    proptest! {
        /// Sweeps a minute apart over days of touches, some late, forget exactly the callers a plain
        /// model forgets: those not seen in the day before the sweep.
        #[test]
        fn sweeps_forget_exactly_the_callers_quiet_for_a_day(
            steps in prop::collection::vec((0u8..12, 0i64..90, 0i64..(30 * HOUR)), 1..400),
        ) {
            let mut callers = Callers::default();
            let mut model: BTreeMap<Id, Millis> = BTreeMap::new();
            let mut now: Millis = 0;
            for (who, advance_minutes, lateness) in steps {
                now += advance_minutes * 60_000;
                // Touched at `now`, or 20 to 30 hours late (a third of them).
                let at = if lateness > 20 * HOUR { (now - lateness).max(0) } else { now };
                let caller = Id::from(format!("caller-{who}"));
                callers.reached(&caller, at, usize::MAX);
                let seen = model.entry(caller).or_insert(at);
                *seen = (*seen).max(at);
                callers.sweep(now, 0);
                model.retain(|_, seen| now - *seen <= REPEAT_WITHIN_MS);
                let remembered: BTreeMap<Id, Millis> = callers
                    .callers
                    .iter()
                    .map(|(caller, entry)| (caller.clone(), entry.last_seen))
                    .collect();
                prop_assert_eq!(&remembered, &model);
            }
        }
    }

    #[test]
    fn yesterdays_abandonments_leave_the_callback_list_at_the_day_change() {
        let mut callers = Callers::default();
        let abandonment = |at| Abandonment {
            at,
            queue: 0,
            wait_ms: 1_000,
        };
        let limits = CallerLimits::default();
        callers.abandoned(&Id::from("x"), abandonment(10 * HOUR), limits);
        callers.abandoned(&Id::from("y"), abandonment(30 * HOUR), limits);
        callers.sweep(31 * HOUR, 24 * HOUR);
        let waiting: Vec<&str> = callers
            .callbacks()
            .iter()
            .map(|(caller, _)| caller.as_str())
            .collect();
        assert_eq!(waiting, ["y"]);
        callers.sweep(32 * HOUR, 24 * HOUR);
        assert_eq!(callers.callbacks().len(), 1);
        callers.sweep(49 * HOUR, 48 * HOUR);
        assert!(callers.callbacks().is_empty());
    }
}
