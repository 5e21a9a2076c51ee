//! Center behaviour on hand-built events; the expected figures are worked out by hand in each test.

use super::settings::{CenterSettings, MINUTE};
use super::snapshot::CenterSnapshot;
use super::*;
use crate::event::{Availability, EventKind, Id};

use super::test_events::{at, event};

fn id(text: &str) -> Id {
    Id::from(text)
}

fn queued(time: &str, call: &str, queue: &str) -> Event {
    event(
        time,
        EventKind::CallQueued {
            caller: None,
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
                caller: None,
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

fn ringing(time: &str, call: &str, queue: &str, agent: &str) -> Event {
    event(
        time,
        EventKind::CallRinging {
            call: id(call),
            queue: id(queue),
            agent: id(agent),
        },
    )
}

// Each ring that ends without its agent answering counts one unanswered ring for that agent:
//   c1 rings at a1 (09:00:05), then at a2 (09:00:20: a1's ring ended, 1 for a1), then at a1 again
//   (09:00:35: 1 for a2), and a1 answers (09:00:40: its own answer, no count) → a1 1, a2 1;
//   c2 rings at a2 (09:01:05) and the caller hangs up (09:01:10) → a2 2;
//   c3 rings at a3 and a3 answers → a3 0.
// In a row, since each last answered: a1 answered c1 after its missed ring (0); a2 missed two and
// answered none (2); a3 none (0).
#[test]
fn rings_that_end_without_their_agent_answering_count_as_unanswered() {
    let (snapshot, rejections) = run(
        vec![
            queued("2026-11-23T09:00:00Z", "c1", "billing"),
            ringing("2026-11-23T09:00:05Z", "c1", "billing", "a1"),
            ringing("2026-11-23T09:00:20Z", "c1", "billing", "a2"),
            ringing("2026-11-23T09:00:35Z", "c1", "billing", "a1"),
            answered("2026-11-23T09:00:40Z", "c1", "billing", "a1"),
            queued("2026-11-23T09:01:00Z", "c2", "billing"),
            ringing("2026-11-23T09:01:05Z", "c2", "billing", "a2"),
            abandoned("2026-11-23T09:01:10Z", "c2", "billing"),
            queued("2026-11-23T09:02:00Z", "c3", "billing"),
            ringing("2026-11-23T09:02:01Z", "c3", "billing", "a3"),
            answered("2026-11-23T09:02:04Z", "c3", "billing", "a3"),
        ],
        "2026-11-23T09:05:00Z",
    );
    assert_eq!(rejections, vec![]);
    let today = |agent: &str| {
        let agent = snapshot
            .agents
            .iter()
            .find(|candidate| candidate.agent == agent)
            .expect("agent present");
        let today = agent.windows.iter().find(|window| window.window == "today");
        today.expect("today").rings_unanswered
    };
    assert_eq!((today("a1"), today("a2"), today("a3")), (1, 2, 0));
    let in_a_row = |agent: &str| {
        (snapshot.agents.iter())
            .find(|candidate| candidate.agent == agent)
            .map(|agent| agent.rings_unanswered_in_a_row)
    };
    assert_eq!(
        (in_a_row("a1"), in_a_row("a2"), in_a_row("a3")),
        (Some(0), Some(2), Some(0))
    );
}

// a1 is offered c1 at 09:00:00 and the caller hangs up at 09:00:10, the instant a1 answers c2: the
// ring that ended at the answer's instant counts as before it, whichever of the two arrives first (0 in a
// row). Then c3 rings at a1 at 09:01:00 and goes to a2 at 09:01:20 (a1: 1 in a row).
#[test]
fn rings_missed_in_a_row_do_not_depend_on_the_order_of_one_instant() {
    let hang_up = abandoned("2026-11-23T09:00:10Z", "c1", "billing");
    let answer = answered("2026-11-23T09:00:10Z", "c2", "billing", "a1");
    let a1_in_a_row = |events: Vec<Event>, now: &str| {
        let (snapshot, rejections) = run(events, now);
        assert_eq!(rejections, vec![]);
        (snapshot.agents.iter())
            .find(|agent| agent.agent == "a1")
            .map(|agent| agent.rings_unanswered_in_a_row)
    };
    for (first, second) in [(&hang_up, &answer), (&answer, &hang_up)] {
        let mut events = vec![
            queued("2026-11-23T09:00:00Z", "c1", "billing"),
            ringing("2026-11-23T09:00:00Z", "c1", "billing", "a1"),
            queued("2026-11-23T09:00:05Z", "c2", "billing"),
            first.clone(),
            second.clone(),
        ];
        assert_eq!(a1_in_a_row(events.clone(), "2026-11-23T09:00:30Z"), Some(0));
        events.extend([
            queued("2026-11-23T09:01:00Z", "c3", "billing"),
            ringing("2026-11-23T09:01:00Z", "c3", "billing", "a1"),
            ringing("2026-11-23T09:01:20Z", "c3", "billing", "a2"),
        ]);
        assert_eq!(a1_in_a_row(events, "2026-11-23T09:02:00Z"), Some(1));
    }
}

#[test]
fn missed_rings_keep_the_latest_and_forgive_up_to_the_latest_answer_in_any_order() {
    use super::agent::MissedRings;
    // 40 rings missed at 1..=40 s after an answer at 0: 32 kept (9..=40). An answer at 30 s leaves
    // 31..=40 (10); one at 20 s arriving after it changes nothing.
    let mut steps: Vec<(bool, Millis)> = (1..=40).map(|at| (false, at * 1000)).collect();
    steps.insert(0, (true, 0));
    steps.extend([(true, 30_000), (true, 20_000)]);
    let apply = |steps: &[(bool, Millis)]| {
        let mut rings = MissedRings::default();
        for (answer, at) in steps {
            if *answer {
                rings.answered(*at);
            } else {
                rings.missed(*at);
            }
        }
        rings
    };
    let forward = apply(&steps);
    assert_eq!(forward.in_a_row(), 10);
    let mut reversed = steps.clone();
    reversed.reverse();
    assert_eq!(apply(&reversed).in_a_row(), 10);
    let before_the_answers = apply(&steps[..41]);
    assert_eq!(before_the_answers.in_a_row(), MissedRings::KEPT as u32);
}

#[test]
fn board_levels_follow_the_lines_worked_out_by_hand() {
    use super::levels::{Level, Lines};
    // sales (default lines: service level 0.8 / 0.7, longest wait 20 s / 60 s, abandon rate 0.05 /
    // 0.10, no calls-waiting lines): c1 queued 09:00:00, answered 09:00:10 (within 20 s); c2 queued
    // 09:01:00, abandoned 09:01:30; c3 queued 09:02:00, still waiting. billing has calls-waiting lines
    // 1 / 2 and c4 waiting since 09:13:00. ben is on break from 09:05:00, break limited to 15 min.
    let mut settings = CenterSettings::default();
    let mut billing = settings.queue_defaults.clone();
    billing.lines.calls_waiting = Some(Lines {
        warning: 1.0,
        critical: 2.0,
    });
    settings.queues.insert(id("billing"), billing);
    settings.state_limits.reasons.insert(
        "break".to_string(),
        Lines {
            warning: 900.0,
            critical: 1_800.0,
        },
    );
    let mut center = Center::new(id("acme"), settings);
    let mut rejections = Vec::new();
    let login = event(
        "2026-11-23T09:00:00Z",
        EventKind::AgentLogin {
            agent: id("ben"),
            queues: Some(vec![id("sales")]),
            team: None,
        },
    );
    let on_break = event(
        "2026-11-23T09:05:00Z",
        EventKind::AgentState {
            agent: id("ben"),
            availability: Availability::NotReady {
                reason: Some(id("break")),
            },
        },
    );
    for (tag, event) in [
        login,
        queued("2026-11-23T09:00:00Z", "c1", "sales"),
        answered("2026-11-23T09:00:10Z", "c1", "sales", "ana"),
        queued("2026-11-23T09:01:00Z", "c2", "sales"),
        abandoned("2026-11-23T09:01:30Z", "c2", "sales"),
        queued("2026-11-23T09:02:00Z", "c3", "sales"),
        on_break,
        queued("2026-11-23T09:13:00Z", "c4", "billing"),
    ]
    .into_iter()
    .enumerate()
    {
        center.ingest(event, tag as u64, &mut rejections);
    }
    center.flush(&mut rejections);
    assert!(rejections.is_empty());
    // 09:14:00, 15 m window (08:59, 09:14]: sales offered 3, answered 1 within, abandoned 1: service
    // level 1 / 2 = 0.5 < 0.7, critical; abandon rate 1 / 3 > 0.10, critical; c3 has waited 720 s
    // ≥ 60, critical; calls waiting has no lines. billing: 1 waiting = warning line; nothing
    // answered, so no service level (normal); c4 has waited 60 s ≥ 60, critical. ben: 540 s of a
    // 900 s break, normal.
    let snapshot = center.snapshot(at("2026-11-23T09:14:00Z"));
    let levels = |queue: &str| {
        let levels = snapshot
            .queues
            .iter()
            .find(|q| q.queue == queue)
            .unwrap()
            .levels;
        (
            levels.service_level,
            levels.abandon_rate,
            levels.longest_wait,
            levels.calls_waiting,
        )
    };
    use Level::*;
    assert_eq!(levels("sales"), (Critical, Critical, Critical, Normal));
    assert_eq!(levels("billing"), (Normal, Normal, Critical, Warning));
    let ben = |snapshot: &CenterSnapshot| {
        let ben = snapshot.agents.iter().find(|a| a.agent == "ben").unwrap();
        (ben.state_seconds, ben.state_limit_seconds, ben.state_level)
    };
    assert_eq!(ben(&snapshot), (Some(540.0), Some(900.0), Normal));
    // 09:21:00: 960 s of break, past 900: warning; 09:36:00: 1,860 s, past 1,800: critical.
    let later = center.snapshot(at("2026-11-23T09:21:00Z"));
    assert_eq!(ben(&later), (Some(960.0), Some(900.0), Warning));
    let later = center.snapshot(at("2026-11-23T09:36:00Z"));
    assert_eq!(ben(&later), (Some(1_860.0), Some(900.0), Critical));
    // ana, answering without a limit for being on a call, has none.
    let ana = later.agents.iter().find(|a| a.agent == "ana").unwrap();
    assert_eq!((ana.state_limit_seconds, ana.state_level), (None, Normal));
}
