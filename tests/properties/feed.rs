//! Feeding the engine: the settings the properties run with, a center fed events in a given order,
//! arrival orders within the lateness (with pure tallies delivered long after it), and the instants at
//! which the properties probe the engine.

use std::collections::HashMap;

use callboard::center::settings::{CenterSettings, MINUTE, SECOND};
use callboard::center::{Center, Rejection};
use callboard::event::{Event, Id, Millis};

use crate::plan::FloorPlan;
use crate::recompute::Expected;
use crate::{BASE, MIDNIGHT, ROLLING};

/// The tenant's settings for `plan`'s floor: whether its feed sends completions is the plan's.
pub fn settings(plan: &FloorPlan, lateness_ms: Millis) -> CenterSettings {
    CenterSettings {
        lateness_ms,
        completions: plan.completions,
        keep_agent_intervals: true,
        interval_retention_days: None,
        ..CenterSettings::default()
    }
}

pub fn feed(
    events: impl IntoIterator<Item = Event>,
    settings: CenterSettings,
) -> (Center, Vec<Rejection>) {
    let mut center = Center::new(Id::from("acme"), settings);
    let mut rejections = Vec::new();
    for (tag, event) in events.into_iter().enumerate() {
        center.ingest(event, tag as u64, &mut rejections);
    }
    (center, rejections)
}

/// An arrival order of `sorted` within `lateness_ms`: each event arrives at its time plus a jitter in
/// `[0, lateness]` (often exactly 0 or the full lateness, the edges), equal arrivals in random order. An
/// event e then never arrives after an event f with f.time > e.time + lateness: the engine's promise
/// covers exactly such orders. The events `late_ms` names (pure tallies) arrive that long after the
/// lateness instead: the engine applies them where its windows still hold their time.
pub fn arrival_order(
    sorted: &[Event],
    lateness_ms: Millis,
    late_ms: &HashMap<Id, Millis>,
    seed: u64,
) -> Vec<Event> {
    let mut state = seed | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut keyed: Vec<(Millis, u64, Event)> = sorted
        .iter()
        .map(|event| {
            let jitter = match next() % 4 {
                0 => 0,
                1 => lateness_ms,
                _ => (next() % (lateness_ms as u64 + 1)) as Millis,
            };
            let late = event.id.as_ref().and_then(|id| late_ms.get(id));
            let arrival = match late {
                Some(late) => event.time + lateness_ms + late,
                None => event.time + jitter,
            };
            (arrival, next(), event.clone())
        })
        .collect();
    keyed.sort_by_key(|(arrival, tie, _)| (*arrival, *tie));
    keyed.into_iter().map(|(_, _, event)| event).collect()
}

/// `sorted` as a feed delivers it when the events `late_ms` names (pure tallies) come that long after
/// the lateness and everything else in order.
pub fn with_late_tallies(
    sorted: &[Event],
    lateness_ms: Millis,
    late_ms: &HashMap<Id, Millis>,
) -> Vec<Event> {
    let mut events = sorted.to_vec();
    events.sort_by_key(|event| {
        let late = event.id.as_ref().and_then(|id| late_ms.get(id));
        late.map_or(event.time, |late| event.time + lateness_ms + late)
    });
    events
}

/// Probe instants: per-mille positions over the floor and the 90 minutes after it (to a whole second
/// when `value` is even), the time of an event, an event's time plus a window length (the window then
/// starts exactly at the event), and midnight (the start of `today`).
pub fn probe_times(expected: &Expected, probes: &[(u8, u16)]) -> Vec<Millis> {
    let span = expected.end - BASE + 90 * MINUTE;
    let event_time = |value: u16| {
        let events = &expected.events;
        events
            .get(usize::from(value) % events.len().max(1))
            .map_or(BASE, |e| e.time)
    };
    let mut times: Vec<Millis> = probes
        .iter()
        .map(|&(kind, value)| match kind % 4 {
            0 => {
                let time = BASE + span * Millis::from(value % 1001) / 1000;
                if value % 2 == 0 {
                    time - time.rem_euclid(SECOND)
                } else {
                    time
                }
            }
            1 => event_time(value),
            2 => event_time(value) + ROLLING[usize::from(value) % ROLLING.len()].1,
            _ => MIDNIGHT,
        })
        .collect();
    times.sort();
    times
}
