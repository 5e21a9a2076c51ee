//! What every source adapter (`asterisk`, `freeswitch`, …) shares: the [`SourceAdapter`] interface a
//! reader drives, deterministic event ids, and the completions held for a configured wrap-up time
//! (no source here signals the end of wrap-up). Pure: no I/O and no clock.

use std::collections::BTreeMap;

use super::DecodeError;
use crate::event::{Availability, Event, EventKind, Id, Millis};

/// What one record became.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mapped {
    /// The record was used (it may have yielded no event: a PAUSE after its PAUSEALL).
    Used,
    /// The record carries no callboard meaning (CONFIGRELOAD, DID, INFO, custom verbs).
    Skipped,
}

/// One tenant's reader of a source format, as `report`/`replay` and a partition's reader drive it.
pub trait SourceAdapter: Send {
    /// Adapts one record, appending its events to `out`, which a rejected record leaves untouched.
    fn adapt_into(&mut self, bytes: &[u8], out: &mut Vec<Event>) -> Result<Mapped, DecodeError>;
    /// Completions due by `now` (a live worker's wall clock, so a quiet feed still ends its wrap-ups).
    fn release_due(&mut self, now: Millis, out: &mut Vec<Event>);
    /// The end of the input: every event still held (completions waiting for their wrap-up), at its
    /// time. An adapter that holds many may hand them over in batches: the reader calls `finish`
    /// until it appends nothing.
    fn finish(&mut self, out: &mut Vec<Event>);
    /// What the adapter adds to the summary line of `report`/`replay` (`, 3 contact records
    /// superseded by a newer one`); nothing by default.
    fn summary(&self) -> String {
        String::new()
    }
}

/// FNV-1a, 64 bits: stable across builds and platforms, so ids survive a restart.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The deterministic id `<prefix>-<16 hex digits of hash>-<suffix>` (stored inline, without
/// allocating, for a 2-byte prefix and suffixes of up to 4 bytes).
pub fn event_id(prefix: &str, hash: u64, suffix: &str) -> Id {
    let mut id = Id::from(prefix);
    id.push('-');
    for shift in (0..16).rev() {
        let digit = ((hash >> (4 * shift)) & 0xf) as u32;
        id.push(char::from_digit(digit, 16).expect("a hex digit"));
    }
    id.push('-');
    id.push_str(suffix);
    id
}

/// `agent.state` for `availability`, unless it is what was last emitted for the agent (`last`, where
/// the agent is remembered, which is updated): one status given twice (PAUSEALL and a PAUSE per queue;
/// a relay resending) is one change.
pub fn availability_change(
    last: Option<&mut Option<Availability>>,
    agent: Id,
    availability: Availability,
) -> Option<EventKind> {
    if let Some(last) = last {
        if last.as_ref() == Some(&availability) {
            return None;
        }
        *last = Some(availability.clone());
    }
    Some(EventKind::AgentState {
        agent,
        availability,
    })
}

/// A call an agent's part of ended, whose `call.completed` follows after the wrap-up time.
pub struct Ended {
    pub tenant: Id,
    /// The completion's id.
    pub id: Id,
    pub call: Id,
    pub agent: Id,
    pub at: Millis,
}

/// A `call.completed` that waits for its wrap-up time (its event time) to pass.
#[derive(Debug, Clone)]
struct PendingCompletion {
    agent: Id,
    /// When its call ended: a record of the agent older than this (a redelivery) does not release it.
    ended_at: Millis,
    event: Event,
}

/// Completions waiting for their wrap-up time to pass: one per call in wrap-up, at most `bound`;
/// past it the earliest is released at once.
#[derive(Debug)]
pub struct PendingCompletions {
    /// By (due time, sequence): released in due order, ties in the order they ended.
    completions: BTreeMap<(Millis, u64), PendingCompletion>,
    next: u64,
    bound: usize,
}

impl PendingCompletions {
    pub fn new(bound: usize) -> Self {
        PendingCompletions {
            completions: BTreeMap::new(),
            next: 0,
            bound,
        }
    }

    /// `call.completed` of `ended`, `wrap_up_ms` after its end: out at once without wrap-up, else
    /// held until then.
    pub fn complete(&mut self, ended: Ended, wrap_up_ms: Millis, out: &mut Vec<Event>) {
        let completion = Event {
            time: ended.at.saturating_add(wrap_up_ms),
            tenant: ended.tenant,
            id: Some(ended.id),
            kind: EventKind::CallCompleted {
                call: ended.call,
                agent: ended.agent.clone(),
                outcome: None,
                disposition: None,
            },
        };
        if wrap_up_ms == 0 {
            out.push(completion);
        } else {
            self.hold(ended.agent, ended.at, completion, out);
        }
    }

    /// Holds `completion` until a record at or after its time; past the bound the earliest goes out now.
    pub fn hold(&mut self, agent: Id, ended_at: Millis, completion: Event, out: &mut Vec<Event>) {
        let key = (completion.time, self.next);
        self.next += 1;
        let pending = PendingCompletion {
            agent,
            ended_at,
            event: completion,
        };
        self.completions.insert(key, pending);
        if self.completions.len() > self.bound {
            if let Some((_, earliest)) = self.completions.pop_first() {
                out.push(earliest.event);
            }
        }
    }

    /// Completions due at or before `time`, in due order.
    pub fn release_due(&mut self, time: Millis, out: &mut Vec<Event>) {
        while let Some(entry) = self.completions.first_entry() {
            if entry.key().0 > time {
                break;
            }
            out.push(entry.remove().event);
        }
    }

    /// The agent's completions of calls ended at or before `time`, released at `time` (its wrap-up was
    /// cut short: it answered again, logged off, or the PBX restarted).
    pub fn release_agent(&mut self, agent: &Id, time: Millis, out: &mut Vec<Event>) {
        let cut: Vec<(Millis, u64)> = self
            .completions
            .iter()
            .filter(|(_, pending)| pending.agent == *agent && pending.ended_at <= time)
            .map(|(key, _)| *key)
            .collect();
        for key in cut {
            if let Some(mut pending) = self.completions.remove(&key) {
                pending.event.time = pending.event.time.min(time);
                out.push(pending.event);
            }
        }
    }

    /// Every completion, at `time` at the latest (a restart, or the end of the input).
    pub fn release_all(&mut self, time: Option<Millis>, out: &mut Vec<Event>) {
        for (_, mut pending) in std::mem::take(&mut self.completions) {
            if let Some(time) = time {
                pending.event.time = pending.event.time.min(time);
            }
            out.push(pending.event);
        }
    }

    /// Whether any completion is waiting.
    pub fn is_empty(&self) -> bool {
        self.completions.is_empty()
    }
}
