//! Center behaviour on hand-built events; the expected figures are worked out by hand in each test.

use super::settings::{CenterSettings, MINUTE};
use super::snapshot::CenterSnapshot;
use super::*;
use crate::event::{Availability, EventKind, Id};

fn at(text: &str) -> Millis {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .timestamp_millis()
}

fn id(text: &str) -> Id {
    Id::from(text)
}

fn event(time: &str, kind: EventKind) -> Event {
    Event {
        time: at(time),
        tenant: id("acme"),
        id: None,
        kind,
    }
}

fn queued(time: &str, call: &str, queue: &str) -> Event {
    event(
        time,
        EventKind::CallQueued {
            call: id(call),
            queue: id(queue),
            priority: None,
            direction: Default::default(),
        },
    )
}

fn answered(time: &str, call: &str, queue: &str, agent: &str) -> Event {
    event(
        time,
        EventKind::CallAnswered {
            call: id(call),
            queue: id(queue),
            agent: id(agent),
        },
    )
}

fn abandoned(time: &str, call: &str, queue: &str) -> Event {
    event(
        time,
        EventKind::CallAbandoned {
            call: id(call),
            queue: id(queue),
        },
    )
}

fn ended(time: &str, call: &str, agent: &str) -> Event {
    event(
        time,
        EventKind::CallEnded {
            call: id(call),
            agent: id(agent),
        },
    )
}

fn completed(time: &str, call: &str, agent: &str) -> Event {
    event(
        time,
        EventKind::CallCompleted {
            call: id(call),
            agent: id(agent),
            outcome: None,
            disposition: None,
        },
    )
}

fn run(events: Vec<Event>, now: &str) -> (CenterSnapshot, Vec<(u64, RejectReason)>) {
    let mut center = Center::new(id("acme"), CenterSettings::default());
    let mut rejections = Vec::new();
    for (tag, event) in events.into_iter().enumerate() {
        center.ingest(event, tag as u64, &mut rejections);
    }
    center.flush(&mut rejections);
    let rejections = rejections
        .into_iter()
        .map(|rejection| (rejection.tag, rejection.reason))
        .collect();
    (center.snapshot(at(now)), rejections)
}

fn window<'a>(
    snapshot: &'a CenterSnapshot,
    queue: &str,
    window: &str,
) -> &'a snapshot::QueueWindow {
    let queue = snapshot
        .queues
        .iter()
        .find(|q| q.queue == queue)
        .expect("queue present");
    queue
        .windows
        .iter()
        .find(|w| w.window == window)
        .expect("window present")
}

#[test]
fn one_answered_call_gives_wait_and_handle_times() {
    // The example of spec/events.md: waited 12.5 s, talked 229.5 s (09:00:12.5 → 09:04:02), wrapped up 38 s.
    let (snapshot, rejections) = run(
        vec![
            queued("2026-11-23T09:00:00Z", "c9", "billing"),
            answered("2026-11-23T09:00:12.500Z", "c9", "billing", "a17"),
            ended("2026-11-23T09:04:02Z", "c9", "a17"),
            completed("2026-11-23T09:04:40Z", "c9", "a17"),
        ],
        "2026-11-23T09:05:00Z",
    );
    assert!(rejections.is_empty());
    let figures = window(&snapshot, "billing", "15m");
    assert_eq!(
        (
            figures.counts.offered,
            figures.counts.answered,
            figures.counts.handled
        ),
        (1, 1, 1)
    );
    assert_eq!(figures.service_level, Some(1.0));
    assert_eq!(figures.asa_seconds, Some(12.5));
    assert_eq!(figures.average_talk_seconds, Some(229.5));
    assert_eq!(figures.average_wrap_up_seconds, Some(38.0));
    assert_eq!(figures.aht_seconds, Some(267.5));
    assert_eq!(figures.max_wait_seconds, Some(12.5));
}

#[test]
fn rolling_windows_hold_events_in_the_half_open_span() {
    // Offered at 09:00 and 09:20; at 09:30 the 15m window (09:15, 09:30] holds only the second,
    // the 30m window (09:00, 09:30] excludes 09:00 exactly, the 1h window holds both.
    let (snapshot, _) = run(
        vec![
            queued("2026-11-23T09:00:00Z", "c1", "q"),
            queued("2026-11-23T09:20:00Z", "c2", "q"),
        ],
        "2026-11-23T09:30:00Z",
    );
    assert_eq!(window(&snapshot, "q", "15m").counts.offered, 1);
    assert_eq!(window(&snapshot, "q", "30m").counts.offered, 1);
    assert_eq!(window(&snapshot, "q", "1h").counts.offered, 2);
    assert_eq!(window(&snapshot, "q", "today").counts.offered, 2);
    let queue = &snapshot.queues[0];
    assert_eq!(queue.calls_waiting, 2);
    assert_eq!(queue.longest_waiting_seconds, Some(30.0 * 60.0));
}

#[test]
fn an_answer_for_a_call_that_never_queued_is_inconsistent() {
    let (snapshot, rejections) = run(
        vec![
            answered("2026-11-23T09:00:00Z", "ghost", "q", "a1"),
            queued("2026-11-23T09:01:00Z", "c1", "q"),
        ],
        "2026-11-23T09:05:00Z",
    );
    assert_eq!(rejections, vec![(0, RejectReason::Inconsistent)]);
    assert_eq!(window(&snapshot, "q", "15m").counts.answered, 0);
    assert_eq!(snapshot.events.applied, 1);
}

#[test]
fn arrival_order_within_the_lateness_does_not_change_figures() {
    // The answer arrives 5 s before its queued event; the abandon before its queued too.
    let sorted = vec![
        queued("2026-11-23T09:00:00Z", "c1", "q"),
        queued("2026-11-23T09:00:01Z", "c2", "q"),
        abandoned("2026-11-23T09:00:04Z", "c2", "q"),
        answered("2026-11-23T09:00:05Z", "c1", "q", "a1"),
        ended("2026-11-23T09:01:00Z", "c1", "a1"),
        completed("2026-11-23T09:01:10Z", "c1", "a1"),
    ];
    let shuffled = vec![
        sorted[3].clone(),
        sorted[2].clone(),
        sorted[0].clone(),
        sorted[1].clone(),
        sorted[5].clone(),
        sorted[4].clone(),
    ];
    let (expected, none) = run(sorted, "2026-11-23T09:05:00Z");
    let (actual, rejections) = run(shuffled, "2026-11-23T09:05:00Z");
    assert!(none.is_empty() && rejections.is_empty(), "{rejections:?}");
    let (expected, actual) = (window(&expected, "q", "15m"), window(&actual, "q", "15m"));
    assert_eq!(actual.counts, expected.counts);
    assert_eq!(
        actual.counts.short_abandoned, 1,
        "3 s wait is below the 5 s short-abandon limit"
    );
}

#[test]
fn in_order_events_show_before_the_watermark_passes_them() {
    let mut center = Center::new(id("acme"), CenterSettings::default());
    let mut rejections = Vec::new();
    center.ingest(
        queued("2026-11-23T09:00:00Z", "c1", "q"),
        0,
        &mut rejections,
    );
    // Nothing has settled yet (the lateness is 10 s), but the snapshot shows the call at once.
    let snapshot = center.snapshot(at("2026-11-23T09:00:01Z"));
    assert_eq!(window(&snapshot, "q", "15m").counts.offered, 1);
    assert_eq!(snapshot.queues[0].calls_waiting, 1);
}

#[test]
fn events_later_than_the_windows_held_are_out_of_window() {
    let (_, rejections) = run(
        vec![
            queued("2026-11-23T12:00:00Z", "c1", "q"),
            queued("2026-11-23T09:00:00Z", "old", "q"),
        ],
        "2026-11-23T12:00:00Z",
    );
    assert_eq!(rejections, vec![(1, RejectReason::OutOfWindow)]);
}

#[test]
fn duplicate_ids_are_dropped() {
    let mut first = queued("2026-11-23T09:00:00Z", "c1", "q");
    first.id = Some(id("e1"));
    let (snapshot, rejections) = run(vec![first.clone(), first], "2026-11-23T09:01:00Z");
    assert_eq!(rejections, vec![(1, RejectReason::Duplicate)]);
    assert_eq!(window(&snapshot, "q", "15m").counts.offered, 1);
}

#[test]
fn agent_time_in_state_and_occupancy() {
    // Login available at 09:00; a call rings... answered 09:10, ended 09:20, completed 09:25; not ready
    // (break) 09:40; snapshot at 10:00. In the 1h window: available 10 + 15 = 25 min, talk 10, wrap-up 5,
    // not ready 20: occupancy 15 / 40, utilization 15 / 60.
    let login = event(
        "2026-11-23T09:00:00Z",
        EventKind::AgentLogin {
            agent: id("a1"),
            queues: Some(vec![id("q")]),
            team: None,
        },
    );
    let available = event(
        "2026-11-23T09:00:00Z",
        EventKind::AgentState {
            agent: id("a1"),
            availability: Availability::Available,
        },
    );
    let break_ = event(
        "2026-11-23T09:40:00Z",
        EventKind::AgentState {
            agent: id("a1"),
            availability: Availability::NotReady {
                reason: Some(id("break")),
            },
        },
    );
    let (snapshot, rejections) = run(
        vec![
            login,
            available,
            queued("2026-11-23T09:09:50Z", "c1", "q"),
            answered("2026-11-23T09:10:00Z", "c1", "q", "a1"),
            ended("2026-11-23T09:20:00Z", "c1", "a1"),
            completed("2026-11-23T09:25:00Z", "c1", "a1"),
            break_,
        ],
        "2026-11-23T10:00:00Z",
    );
    assert!(rejections.is_empty(), "{rejections:?}");
    let agent = &snapshot.agents[0];
    assert_eq!(
        (agent.state, agent.reason.as_deref()),
        ("not_ready", Some("break"))
    );
    let hour = agent.windows.iter().find(|w| w.window == "1h").unwrap();
    assert_eq!(hour.times.available_ms, 25 * MINUTE as u64);
    assert_eq!(hour.times.talk_ms, 10 * MINUTE as u64);
    assert_eq!(hour.times.wrap_up_ms, 5 * MINUTE as u64);
    assert_eq!(hour.times.not_ready_ms, 20 * MINUTE as u64);
    assert_eq!(
        hour.not_ready_by_reason.get("break"),
        Some(&(20 * MINUTE as u64))
    );
    assert_eq!(hour.occupancy, Some(15.0 / 40.0));
    assert_eq!(hour.utilization, Some(15.0 / 60.0));
    assert_eq!(hour.handled, 1);
    // The 15m window (09:45, 10:00] saw only the break.
    let quarter = agent.windows.iter().find(|w| w.window == "15m").unwrap();
    assert_eq!(quarter.times.not_ready_ms, 15 * MINUTE as u64);
    assert_eq!(quarter.occupancy, None);
    let queue = &snapshot.queues[0];
    assert_eq!(queue.agents.not_ready, 1);
    assert_eq!(queue.agents.staffed, 1);
}

/// 100 calls in a 30-minute staffing window (200 an hour), each answered at once and handled in exactly
/// 180 s: 10 erlangs, for which the classic worked case needs 14 agents by Erlang C (80 % in 20 s) and
/// 13 by Erlang A with a mean patience of 5 minutes.
#[test]
fn required_agents_follow_the_staffing_window() {
    let start = at("2026-11-23T09:00:00Z");
    let mut events = Vec::new();
    for index in 0..100i64 {
        let queued_at = start + index * 18_000;
        let call = Id::from(format!("c{index}"));
        let agent = Id::from(format!("a{index}"));
        let stamp = |time: Millis, kind| Event {
            time,
            tenant: id("acme"),
            id: None,
            kind,
        };
        events.push(stamp(
            queued_at,
            EventKind::CallQueued {
                call: call.clone(),
                queue: id("q"),
                priority: None,
                direction: Default::default(),
            },
        ));
        events.push(stamp(
            queued_at,
            EventKind::CallAnswered {
                call: call.clone(),
                queue: id("q"),
                agent: agent.clone(),
            },
        ));
        events.push(stamp(
            queued_at + 180_000,
            EventKind::CallEnded {
                call: call.clone(),
                agent: agent.clone(),
            },
        ));
        events.push(stamp(
            queued_at + 180_000,
            EventKind::CallCompleted {
                call,
                agent,
                outcome: None,
                disposition: None,
            },
        ));
    }
    events.sort_by_key(|event| event.time);
    let now = start + 1_799_000;
    let required = |settings: CenterSettings| {
        let mut center = Center::new(id("acme"), settings);
        let mut rejections = Vec::new();
        for event in events.iter().filter(|event| event.time <= now) {
            center.ingest(event.clone(), 0, &mut rejections);
        }
        assert!(rejections.is_empty());
        center.snapshot(now).queues[0].required_agents
    };
    assert_eq!(required(CenterSettings::default()), Some(14));
    let mut patient = CenterSettings::default();
    patient.queue_defaults.patience_ms = Some(300_000);
    assert_eq!(required(patient), Some(13));
}

/// A scripted shift: a1 (team north) logs in at 08:00 and by 10:00 has handled 3 calls. With a quota
/// of 2 handled an hour over an 8-hour shift the target is 16: progress 3/16, pace 3 / (2 × 2 h) = 0.75.
/// A quota for another team does not apply.
#[test]
fn quota_progress_and_pace_over_the_shift() {
    use super::settings::{Quota, QuotaCount};
    let mut settings = CenterSettings::default();
    let quota = |name: &str, team: Option<&str>| Quota {
        name: name.to_string(),
        count: QuotaCount::Handled,
        target: 2.0,
        per_hour: true,
        agent: None,
        team: team.map(id),
        shift_length_ms: 8 * 60 * MINUTE,
    };
    settings.quotas = vec![
        quota("handled_per_hour", None),
        quota("south_only", Some("south")),
    ];
    let mut events = vec![event(
        "2026-11-23T08:00:00Z",
        EventKind::AgentLogin {
            agent: id("a1"),
            queues: Some(vec![id("q")]),
            team: Some(id("north")),
        },
    )];
    for (index, minute) in [10, 40, 70].iter().enumerate() {
        let call = format!("c{index}");
        let at_minute = |m: i64| {
            chrono::DateTime::from_timestamp_millis(at("2026-11-23T08:00:00Z") + m * MINUTE)
                .unwrap()
                .to_rfc3339()
        };
        events.push(queued(&at_minute(*minute), &call, "q"));
        events.push(answered(&at_minute(*minute), &call, "q", "a1"));
        events.push(ended(&at_minute(minute + 5), &call, "a1"));
        events.push(completed(&at_minute(minute + 6), &call, "a1"));
    }
    let mut center = Center::new(id("acme"), settings);
    let mut rejections = Vec::new();
    for event in events {
        center.ingest(event, 0, &mut rejections);
    }
    assert!(rejections.is_empty(), "{rejections:?}");
    let snapshot = center.snapshot(at("2026-11-23T10:00:00Z"));
    let quotas = &snapshot.agents[0].quotas;
    assert_eq!(quotas.len(), 1, "{quotas:?}");
    assert_eq!((quotas[0].actual, quotas[0].target), (3, 16.0));
    assert_eq!(quotas[0].progress, Some(3.0 / 16.0));
    assert_eq!(quotas[0].pace, Some(0.75));
}

/// 10, 20 and 30 calls in the day's first three intervals, now in the fourth: smoothing with α = 0.5
/// gives 10 → 15 → 22.5 calls for the interval starting at 01:00.
#[test]
fn the_next_interval_is_forecast_by_exponential_smoothing() {
    let mut events = Vec::new();
    for (interval, calls) in [(0, 10), (1, 20), (2, 30)] {
        for call in 0..calls {
            let time = at("2026-11-23T00:00:00Z") + interval * 15 * MINUTE + call * 20_000;
            let stamp = chrono::DateTime::from_timestamp_millis(time)
                .unwrap()
                .to_rfc3339();
            events.push(queued(&stamp, &format!("c{interval}-{call}"), "q"));
        }
    }
    let (snapshot, rejections) = run(events, "2026-11-23T00:50:00Z");
    assert!(rejections.is_empty());
    let queue = &snapshot.queues[0];
    assert_eq!(queue.forecast_offered, Some(22.5));
    assert_eq!(
        queue.forecast_interval_start.as_deref(),
        Some("2026-11-23T01:00:00.000Z")
    );
    // Nothing was handled, so there is no AHT to staff with.
    assert_eq!(queue.forecast_required_agents, None);
}

/// A waiting call that sees no event for longer than the call expiry (4 h by default, issue 2 and
/// `config/callboard.toml`) is dropped and counted as expired. It is not an outcome of its segment:
/// `metrics.md` counts abandons at `call.abandoned`, dequeues at `call.dequeued` and handles at
/// `call.completed`, none of which came, so only its offer (at its `call.queued`) stays counted.
///   c1 queued 09:00, c2 queued 12:30; agent events at 13:00 and 13:05 move the clock on.
///   13:00: c1 has been silent exactly 4 h — not longer — so it still waits: 2 waiting, the longest
///          4 h = 14 400 s, nothing expired.
///   13:05: c1 silent 4 h 5 min → expired.
///   13:06: an abandon of c1 is `inconsistent` (the floor no longer knows the call) and counts nothing.
///          Now: expired 1; 1 call in flight and waiting (c2), for 36 min = 2 160 s. Today: offered 2,
///          answered 0, abandoned 0, dequeued 0, handled 0, so service level and abandon rate are
///          undefined (0 / 0), not 0.
#[test]
fn a_call_silent_past_the_expiry_is_dropped_and_counted_not_abandoned() {
    assert_eq!(CenterSettings::default().call_expiry_ms, 4 * 60 * MINUTE);
    let mut center = Center::new(id("acme"), CenterSettings::default());
    let mut rejections = Vec::new();
    let login = event(
        "2026-11-23T13:00:00Z",
        EventKind::AgentLogin {
            agent: id("a1"),
            queues: Some(vec![id("q")]),
            team: None,
        },
    );
    let available = event(
        "2026-11-23T13:05:00Z",
        EventKind::AgentState {
            agent: id("a1"),
            availability: Availability::Available,
        },
    );
    for (tag, event) in [
        queued("2026-11-23T09:00:00Z", "c1", "q"),
        queued("2026-11-23T12:30:00Z", "c2", "q"),
        login,
    ]
    .into_iter()
    .enumerate()
    {
        center.ingest(event, tag as u64, &mut rejections);
    }
    let at_four_hours = center.snapshot(at("2026-11-23T13:00:00Z"));
    assert_eq!(at_four_hours.events.expired_calls, 0);
    assert_eq!(at_four_hours.queues[0].calls_waiting, 2);
    assert_eq!(
        at_four_hours.queues[0].longest_waiting_seconds,
        Some(14_400.0)
    );

    center.ingest(available, 3, &mut rejections);
    center.ingest(
        abandoned("2026-11-23T13:06:00Z", "c1", "q"),
        4,
        &mut rejections,
    );
    center.flush(&mut rejections);
    let rejections: Vec<_> = rejections
        .iter()
        .map(|rejection| (rejection.tag, rejection.reason))
        .collect();
    assert_eq!(rejections, vec![(4, RejectReason::Inconsistent)]);
    let snapshot = center.snapshot(at("2026-11-23T13:06:00Z"));
    assert_eq!(snapshot.events.expired_calls, 1);
    assert_eq!(snapshot.events.calls_in_flight, 1);
    let queue = &snapshot.queues[0];
    assert_eq!(queue.calls_waiting, 1);
    assert_eq!(queue.longest_waiting_seconds, Some(36.0 * 60.0));
    let today = window(&snapshot, "q", "today");
    assert_eq!(
        (
            today.counts.offered,
            today.counts.answered,
            today.counts.abandoned,
            today.counts.dequeued,
            today.counts.handled
        ),
        (2, 0, 0, 0, 0)
    );
    assert_eq!(today.service_level, None);
    assert_eq!(today.abandon_rate, None);
}

/// A call whose end and completion were lost does not keep its agent talking forever:
///   08:00 a1 logs in, available. 09:00:00 c1 queued, 09:00:10 answered by a1; nothing more of c1.
///   14:00:00 c2 queued: the sweep finds c1's work silent for more than 4 h, so a1 left it when it
///            expired, at 09:00:10 + 4 h = 13:00:10, and is available again; expired 1, handled 0.
///   14:00:10 c2 answered by a1, ended 14:02:10, completed 14:02:20; 14:02:30 a completion of c1 is
///            `inconsistent`. Snapshot at 14:03:00.
///
/// a1 today: talk 4 h (c1) + 120 s (c2) = 14 520 s; wrap-up 10 s; available 08:00–09:00:10 (3 610 s),
/// 13:00:10–14:00:10 (3 600 s) and 14:02:20–14:03:00 (40 s), 7 250 s in all; handled 1, AHT 130 s —
/// not two handles with c1 ending at c2's answer.
#[test]
fn work_on_a_call_silent_past_the_expiry_is_dropped_not_handled() {
    let login = event(
        "2026-11-23T08:00:00Z",
        EventKind::AgentLogin {
            agent: id("a1"),
            queues: Some(vec![id("q")]),
            team: None,
        },
    );
    let available = event(
        "2026-11-23T08:00:00Z",
        EventKind::AgentState {
            agent: id("a1"),
            availability: Availability::Available,
        },
    );
    let events = vec![
        login,
        available,
        queued("2026-11-23T09:00:00Z", "c1", "q"),
        answered("2026-11-23T09:00:10Z", "c1", "q", "a1"),
        queued("2026-11-23T14:00:00Z", "c2", "q"),
        answered("2026-11-23T14:00:10Z", "c2", "q", "a1"),
        ended("2026-11-23T14:02:10Z", "c2", "a1"),
        completed("2026-11-23T14:02:20Z", "c2", "a1"),
        completed("2026-11-23T14:02:30Z", "c1", "a1"),
    ];
    let (snapshot, rejections) = run(events, "2026-11-23T14:03:00Z");
    assert_eq!(rejections, vec![(8, RejectReason::Inconsistent)]);
    assert_eq!(snapshot.events.expired_calls, 1);
    let agent = &snapshot.agents[0];
    assert_eq!(agent.state, "available");
    let today = agent.windows.iter().find(|w| w.window == "today").unwrap();
    assert_eq!(today.times.talk_ms, (4 * 3600 + 120) * 1000);
    assert_eq!(today.times.wrap_up_ms, 10 * 1000);
    assert_eq!(today.times.available_ms, 7_250 * 1000);
    assert_eq!(today.handled, 1);
    let queue = window(&snapshot, "q", "today");
    assert_eq!((queue.counts.answered, queue.counts.handled), (2, 1));
    assert_eq!(queue.aht_seconds, Some(130.0));
}
