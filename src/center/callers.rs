//! A tenant's callers, by the opaque `caller` of `call.queued` and `call.dialed` (a number or a hash of
//! it: callboard never needs the real number): who abandoned and has not been reached since (the
//! callback list), and who calls again within a day (repeat callers, the usual stand-in for first-contact
//! resolution).
//!
//! Kept as times, so no figure depends on the order in which events of one instant are applied: an
//! abandonment at the instant the same caller is reached counts as before it, and a call queued at the
//! instant of another of the same caller's is a repeat only of calls before that instant. Both maps are
//! bounded (`callbacks_max`, `callers_max`); past a bound, the callers quiet longest are let go.

use ahash::AHashMap as HashMap;

use super::queue::QueueIx;
use crate::event::{Id, Millis};

/// How far back a call makes the next one of the same caller a repeat.
pub const REPEAT_WITHIN_MS: Millis = 24 * 60 * 60 * 1000;
/// Abandonments kept per caller awaiting a callback (the latest).
const ABANDONMENTS_KEPT: usize = 8;

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
        self.callers
            .retain(|_, caller| now - caller.last_seen <= REPEAT_WITHIN_MS);
        let before = self.callbacks.len();
        let mut dropped = false;
        self.callbacks.retain(|_, list| {
            let length = list.len();
            list.retain(|abandonment| abandonment.at >= today);
            dropped |= list.len() != length;
            !list.is_empty()
        });
        if dropped || before != self.callbacks.len() {
            self.version += 1;
        }
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
