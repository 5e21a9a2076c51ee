//! Comparing what the engine shows — snapshots and interval reports — with the figures recomputed from
//! the expected floor, and the sums of handled calls the third property sets side by side.

use callboard::center::snapshot::{AgentSnapshot, CenterSnapshot, TODAY};
use callboard::center::Center;
use callboard::decode::time::rfc3339;
use callboard::event::Millis;
use callboard::report::{self, Cell, Table};
use proptest::prelude::*;
use serde_json::Value;

use crate::recompute::{day_start, interval_text, state_name, Expected, State};
use crate::{QUEUES, REASONS, ROLLING};

/// The snapshot as JSON with queues and agents in id order: the order they were first seen in can
/// differ between arrival orders when they first appear in events of one instant.
fn normalised(snapshot: &CenterSnapshot) -> serde_json::Value {
    let mut value = serde_json::to_value(snapshot).unwrap();
    for (list, key) in [("queues", "queue"), ("agents", "agent")] {
        let items = value[list].as_array_mut().unwrap();
        items.sort_by(|a, b| a[key].as_str().cmp(&b[key].as_str()));
    }
    value
}

/// A property's failure with the floor's events appended (time after the start of the floor, in
/// emission order), so that the shrunk case names the event sequence.
pub fn with_events(
    expected: &Expected,
    result: Result<(), TestCaseError>,
) -> Result<(), TestCaseError> {
    let Err(TestCaseError::Fail(reason)) = result else {
        return result;
    };
    let mut text = format!("{reason}\nevents:");
    for event in expected.events.iter().take(300) {
        let at = (event.time - crate::BASE) as f64 / 1000.0;
        let id = event.id.as_deref().unwrap_or("");
        text.push_str(&format!("\n  {at:>7} {id:>5} {:?}", event.kind));
    }
    Err(TestCaseError::fail(text))
}

/// Fails with the first place two snapshots differ (both normalised); `what` says which they are.
pub fn same_snapshot(
    left: &CenterSnapshot,
    right: &CenterSnapshot,
    what: &str,
) -> Result<(), TestCaseError> {
    match first_difference(String::new(), &normalised(left), &normalised(right)) {
        None => Ok(()),
        Some(difference) => Err(TestCaseError::fail(format!("{what}: {difference}"))),
    }
}

fn first_difference(path: String, left: &Value, right: &Value) -> Option<String> {
    match (left, right) {
        (Value::Object(l), Value::Object(r)) if l.len() == r.len() => {
            l.iter().find_map(|(k, v)| {
                let other = r.get(k).unwrap_or(&Value::Null);
                first_difference(format!("{path}.{k}"), v, other)
            })
        }
        (Value::Array(l), Value::Array(r)) if l.len() == r.len() => {
            l.iter().zip(r).enumerate().find_map(|(i, (a, b))| {
                // Name list items by their id where they have one.
                let key = ["queue", "agent", "window", "name"]
                    .iter()
                    .find_map(|key| a.get(key).and_then(Value::as_str));
                let step = key.map_or(format!("[{i}]"), |key| format!("[{key}]"));
                first_difference(format!("{path}{step}"), a, b)
            })
        }
        _ if left == right => None,
        _ => Some(format!("at {path}: {left} != {right}")),
    }
}

/// The cells of a report the expected floor gives exactly: id, interval start, counts and seconds (the
/// tenant and the ratios after them are left out).
fn counted_cells(table: &Table) -> Vec<Vec<Cell>> {
    table.rows.iter().map(|row| row[1..=9].to_vec()).collect()
}

fn expected_queue_cells(expected: &Expected, now: Millis) -> Vec<Vec<Cell>> {
    let rows = expected.queue_rows(now);
    rows.iter()
        .map(|((queue, start), c)| {
            let mut cells = vec![
                Cell::Text(queue.to_string()),
                Cell::Text(interval_text(*start)),
            ];
            let counts = [
                c.offered,
                c.answered,
                c.answered_within_threshold,
                c.abandoned,
                c.short_abandoned,
                c.dequeued,
                c.handled,
            ];
            cells.extend(counts.map(Cell::Count));
            cells
        })
        .collect()
}

fn expected_agent_cells(
    expected: &Expected,
    now: Millis,
    credited: impl Fn(usize) -> Millis,
) -> Vec<Vec<Cell>> {
    let seconds = |ms: u64| Cell::Number(ms as f64 / 1000.0);
    let rows = expected.agent_rows(now, credited);
    rows.iter()
        .map(|((agent, start), (handled, totals))| {
            let t = &totals.times;
            vec![
                Cell::Text(agent.clone()),
                Cell::Text(interval_text(*start)),
                Cell::Count(*handled),
                seconds(t.talk_ms),
                seconds(t.hold_ms),
                seconds(t.wrap_up_ms),
                seconds(t.available_ms),
                seconds(t.not_ready_ms),
                seconds(t.logged_in_ms),
            ]
        })
        .collect()
}

/// Checks a snapshot at `now` of a center fed every event up to `now` against the expected floor.
pub fn check_snapshot(
    expected: &Expected,
    snapshot: &CenterSnapshot,
    now: Millis,
) -> Result<(), TestCaseError> {
    check_queues(expected, snapshot, now)?;
    check_agents(expected, snapshot, now)
}

/// Each queue's rolling windows and today, calls waiting, today's surveys, and agents with the skill by
/// state.
fn check_queues(
    expected: &Expected,
    snapshot: &CenterSnapshot,
    now: Millis,
) -> Result<(), TestCaseError> {
    let today_from = day_start(now);
    for (q, name) in QUEUES.iter().enumerate() {
        // A queue nothing has named yet is absent: all zeros.
        let shown = snapshot.queues.iter().find(|qs| qs.queue == *name);
        let window = |window: &str| {
            shown
                .and_then(|qs| qs.windows.iter().find(|w| w.window == window))
                .map(|w| w.counts)
                .unwrap_or_default()
        };
        for (window_name, length) in ROLLING {
            let counts = expected.queue_counts(q, |t| now - length < t && t <= now);
            prop_assert_eq!(
                window(window_name),
                counts,
                "{} {} at {}",
                name,
                window_name,
                now
            );
        }
        let today = expected.queue_counts(q, |t| today_from <= t && t <= now);
        prop_assert_eq!(window(TODAY), today, "{} today at {}", name, now);
        let waiting = expected.waiting_since(q, now);
        let calls_waiting = shown.map_or(0, |qs| qs.calls_waiting);
        prop_assert_eq!(calls_waiting, waiting.len(), "{} waiting at {}", name, now);
        let oldest = shown.and_then(|qs| qs.oldest_waiting_ms);
        prop_assert_eq!(oldest, waiting.iter().min().copied(), "{} oldest", name);
        let surveys = expected.surveys(|s| s.queue == Some(q), |t| today_from <= t && t <= now);
        let shown_surveys = shown.map_or((0, None), |qs| (qs.surveys, qs.csat));
        prop_assert_eq!(shown_surveys, surveys, "{} surveys today at {}", name, now);
        let by_state = shown.map(|qs| qs.agents).unwrap_or_default();
        prop_assert_eq!(
            by_state,
            expected.agents_by_state(q, now),
            "{} agents",
            name
        );
    }
    Ok(())
}

/// Every agent known at `now`: state, reason and since when, and each window's and today's time by
/// state, not-ready time by reason, handled calls and surveys.
fn check_agents(
    expected: &Expected,
    snapshot: &CenterSnapshot,
    now: Millis,
) -> Result<(), TestCaseError> {
    let known = (0..expected.agents.len()).filter(|&a| expected.state_at(a, now).is_some());
    prop_assert_eq!(snapshot.agents.len(), known.count(), "agents at {}", now);
    let today_from = day_start(now);
    for (agent, model) in expected.agents.iter().enumerate() {
        let Some((since, state)) = expected.state_at(agent, now) else {
            continue;
        };
        let id = model.id.as_str();
        let shown = snapshot.agents.iter().find(|a| a.agent == id);
        let shown = shown.ok_or_else(|| TestCaseError::fail(format!("{id} missing")))?;
        prop_assert_eq!(shown.state, state_name(state), "{} state at {}", id, now);
        let reason = match state {
            State::NotReady(reason) if reason > 0 => Some(REASONS[reason]),
            _ => None,
        };
        prop_assert_eq!(shown.reason.as_deref(), reason, "{} reason", id);
        prop_assert_eq!(shown.state_since.clone(), Some(rfc3339(since)), "{}", id);
        let windows = ROLLING
            .iter()
            .map(|&(name, length)| (name, now - length))
            .chain([(TODAY, today_from)]);
        for (name, from) in windows {
            let window = shown.windows.iter().find(|w| w.window == name).unwrap();
            let totals = expected.agent_times(agent, from, now);
            prop_assert_eq!(window.times, totals.times, "{} {} at {}", id, name, now);
            prop_assert_eq!(&window.not_ready_by_reason, &totals.not_ready_by_reason);
            // Rolling windows hold (from, now]; today holds its day from its first instant.
            let inside = |t: Millis| (from < t || (name == TODAY && from == t)) && t <= now;
            let handled = expected.agent_handled(agent, inside);
            prop_assert_eq!(
                window.handled,
                handled,
                "{} {} handled at {}",
                id,
                name,
                now
            );
            let aht = expected.agent_aht_seconds(agent, inside);
            prop_assert_eq!(window.aht_seconds, aht, "{} {} AHT at {}", id, name, now);
            let surveys = expected.surveys(|s| s.agent == Some(agent), inside);
            let shown_surveys = (window.contacts.surveys, window.contacts.csat);
            prop_assert_eq!(shown_surveys, surveys, "{} {} surveys at {}", id, name, now);
        }
        check_session(expected, agent, shown, now)?;
    }
    Ok(())
}

/// The agent's session window: it runs from the latest login at or before `now`, that instant
/// included, and holds the surveys timed in it and the calls answered in it (completed by `now`),
/// after its logout too.
fn check_session(
    expected: &Expected,
    agent: usize,
    shown: &AgentSnapshot,
    now: Millis,
) -> Result<(), TestCaseError> {
    let id = shown.agent.as_str();
    let start = expected.session_start(agent, now);
    prop_assert_eq!(
        shown.session_start_ms,
        start,
        "{} session start at {}",
        id,
        now
    );
    let window = shown.windows.iter().find(|w| w.window == "session");
    let (Some(start), Some(window)) = (start, window) else {
        prop_assert!(
            window.is_none(),
            "{} has a session window without a session",
            id
        );
        return Ok(());
    };
    let in_session = |time: Millis| start <= time && time <= now;
    let handled = expected.agent_handled_began(agent, now, in_session);
    prop_assert_eq!(window.handled, handled, "{} session handled at {}", id, now);
    let surveys = expected.surveys(|s| s.agent == Some(agent), in_session);
    let shown_surveys = (window.contacts.surveys, window.contacts.csat);
    prop_assert_eq!(shown_surveys, surveys, "{} session surveys at {}", id, now);
    Ok(())
}

/// Checks the interval report of a center fed every event up to `now`, whose agents' state time is
/// credited up to `credited(agent)`.
pub fn check_report(
    expected: &Expected,
    center: &Center,
    now: Millis,
    credited: impl Fn(usize) -> Millis,
) -> Result<(), TestCaseError> {
    let queues = report::queue_table([center]);
    prop_assert_eq!(
        counted_cells(&queues),
        expected_queue_cells(expected, now),
        "queue report at {}",
        now
    );
    let agents = report::agent_table([center]);
    let rows = expected_agent_cells(expected, now, credited);
    prop_assert_eq!(counted_cells(&agents), rows, "agent report at {}", now);
    Ok(())
}

/// Sum over queues, and over agents, of the handled calls of `window` in a snapshot.
pub fn handled_in(snapshot: &CenterSnapshot, window: &str) -> (u64, u64) {
    let queues = snapshot
        .queues
        .iter()
        .flat_map(|q| q.windows.iter().filter(|w| w.window == window))
        .map(|w| w.counts.handled)
        .sum();
    let agents = snapshot
        .agents
        .iter()
        .flat_map(|a| a.windows.iter().filter(|w| w.window == window))
        .map(|w| w.handled)
        .sum();
    (queues, agents)
}

pub fn count(cell: &Cell) -> u64 {
    match cell {
        Cell::Count(count) => *count,
        other => panic!("not a count: {other:?}"),
    }
}
