//! Real floors (issue "numbers that stay true on real floors"): events at one instant in any arrival
//! order, agents on several calls at once, feeds with and without `call.completed`, late tallies and
//! reloads. Expected figures are worked out by hand in each test.

use super::settings::{CenterSettings, Completions, Quota, QuotaCount, MINUTE, SECOND};
use super::snapshot::CenterSnapshot;
use super::*;
use crate::event::{Availability, EventKind, Id};

use super::test_events::{at, event};

fn queued(time: &str, call: &str) -> Event {
    queued_in(time, call, "q1")
}

fn queued_in(time: &str, call: &str, queue: &str) -> Event {
    let (call, queue) = (Id::from(call), Id::from(queue));
    let direction = Default::default();
    event(
        time,
        EventKind::CallQueued {
            caller: None,
            call,
            queue,
            priority: None,
            direction,
        },
    )
}

fn answered(time: &str, call: &str, agent: &str) -> Event {
    answered_from(time, call, "q1", agent)
}

fn answered_from(time: &str, call: &str, queue: &str, agent: &str) -> Event {
    let (call, queue, agent) = (Id::from(call), Id::from(queue), Id::from(agent));
    event(time, EventKind::CallAnswered { call, queue, agent })
}

fn transferred_to_queue(time: &str, call: &str, agent: &str, queue: &str) -> Event {
    let (call, agent, to_queue) = (Id::from(call), Id::from(agent), Some(Id::from(queue)));
    let to_agent = None;
    event(
        time,
        EventKind::CallTransferred {
            call,
            agent,
            to_queue,
            to_agent,
        },
    )
}

fn held(time: &str, call: &str, agent: &str) -> Event {
    let (call, agent) = (Id::from(call), Id::from(agent));
    event(time, EventKind::CallHeld { call, agent })
}

fn resumed(time: &str, call: &str, agent: &str) -> Event {
    let (call, agent) = (Id::from(call), Id::from(agent));
    event(time, EventKind::CallResumed { call, agent })
}

fn ended(time: &str, call: &str, agent: &str) -> Event {
    let (call, agent) = (Id::from(call), Id::from(agent));
    event(time, EventKind::CallEnded { call, agent })
}

fn completed(time: &str, call: &str, agent: &str) -> Event {
    let (call, agent) = (Id::from(call), Id::from(agent));
    event(
        time,
        EventKind::CallCompleted {
            call,
            agent,
            outcome: None,
            disposition: None,
        },
    )
}

fn available(time: &str, agent: &str) -> Event {
    let agent = Id::from(agent);
    event(
        time,
        EventKind::AgentState {
            agent,
            availability: Availability::Available,
        },
    )
}

fn survey(time: &str, call: &str, agent: &str) -> Event {
    let (call, agent) = (Id::from(call), Some(Id::from(agent)));
    event(
        time,
        EventKind::SurveyCompleted {
            call,
            agent,
            queue: None,
            score: 4.0,
            scale: 5.0,
        },
    )
}

/// Feeds `events` in the order given and flushes; the snapshot at `now` and the rejections.
fn run_with(
    settings: CenterSettings,
    events: &[Event],
    now: &str,
) -> (CenterSnapshot, Vec<RejectReason>) {
    let mut center = Center::new(Id::from("acme"), settings);
    let mut rejections = Vec::new();
    for (tag, event) in events.iter().enumerate() {
        center.ingest(event.clone(), tag as u64, &mut rejections);
    }
    center.flush(&mut rejections);
    let reasons = rejections
        .iter()
        .map(|rejection| rejection.reason)
        .collect();
    (center.snapshot(at(now)), reasons)
}

/// The counts of `queue` today.
fn today_counts<'a>(snapshot: &'a CenterSnapshot, queue: &str) -> &'a crate::kpi::QueueCounts {
    let of_queue = snapshot.queues.iter().find(|q| q.queue == queue).unwrap();
    let today = of_queue.windows.iter().find(|w| w.window == "today");
    &today.unwrap().counts
}

/// (handled, Σ talk s, Σ hold s, Σ wrap-up s) of queue q1 today.
fn queue_handles(snapshot: &CenterSnapshot) -> (u64, f64, f64, f64) {
    let counts = today_counts(snapshot, "q1");
    let seconds = |ms: u64| ms as f64 / 1_000.0;
    (
        counts.handled,
        seconds(counts.talk_ms),
        seconds(counts.hold_ms),
        seconds(counts.wrap_up_ms),
    )
}

/// The three lines: c32's completion, a17's state and c44's answer at one instant. c32 was
/// answered 08:00:00, ended 08:01:34.714 (talk 94.714 s), completed at the instant (wrap-up 30 s);
/// c44 queued 08:01:50.714 (wait 14 s), ended 08:05:04.714 and completed 08:05:14.714 (talk 180 s,
/// wrap-up 10 s). Two handles, talk 274.714 s, wrap-up 40 s, in every arrival order of the instant.
#[test]
fn a_completion_a_state_and_the_next_answer_at_one_instant_apply_in_any_order() {
    let before = vec![
        queued("2026-11-23T07:59:50Z", "c32"),
        answered("2026-11-23T08:00:00Z", "c32", "a17"),
        ended("2026-11-23T08:01:34.714Z", "c32", "a17"),
        queued("2026-11-23T08:01:50.714Z", "c44"),
    ];
    let instant = [
        completed("2026-11-23T08:02:04.714Z", "c32", "a17"),
        available("2026-11-23T08:02:04.714Z", "a17"),
        answered("2026-11-23T08:02:04.714Z", "c44", "a17"),
    ];
    let after = [
        ended("2026-11-23T08:05:04.714Z", "c44", "a17"),
        completed("2026-11-23T08:05:14.714Z", "c44", "a17"),
    ];
    for order in [[0, 1, 2], [2, 1, 0], [1, 2, 0], [2, 0, 1]] {
        let mut events = before.clone();
        events.extend(order.iter().map(|&index| instant[index].clone()));
        events.extend(after.iter().cloned());
        let (snapshot, rejections) =
            run_with(CenterSettings::default(), &events, "2026-11-23T08:10:00Z");
        assert_eq!(rejections, vec![], "order {order:?}");
        assert_eq!(
            queue_handles(&snapshot),
            (2, 274.714, 0.0, 40.0),
            "order {order:?}"
        );
        let today = today_counts(&snapshot, "q1");
        assert_eq!(today.wait_answered_ms, 10_000 + 14_000);
        assert_eq!(snapshot.agents[0].state, "available");
    }
}

/// One call's steps at one instant arriving backwards (a one-second clock): answered before queued,
/// completed before ended, resumed before held. None is rejected and the figures are the causal ones:
/// wait 0, talk 60 s, hold 0, wrap-up 0.
#[test]
fn one_calls_steps_at_one_instant_follow_its_causal_order_whatever_the_arrival() {
    let events = [
        answered("2026-11-23T09:00:00Z", "c1", "a1"),
        queued("2026-11-23T09:00:00Z", "c1"),
        resumed("2026-11-23T09:00:30Z", "c1", "a1"),
        held("2026-11-23T09:00:30Z", "c1", "a1"),
        completed("2026-11-23T09:01:00Z", "c1", "a1"),
        ended("2026-11-23T09:01:00Z", "c1", "a1"),
    ];
    let (snapshot, rejections) =
        run_with(CenterSettings::default(), &events, "2026-11-23T09:05:00Z");
    assert_eq!(rejections, vec![]);
    assert_eq!(queue_handles(&snapshot), (1, 60.0, 0.0, 0.0));
}

/// a1 answers c2 at 09:02 while c1 (answered 09:00) talks; c2 is held 09:03–09:04; c1 ends 09:05 and
/// completes 09:06; c2 ends 09:07 and completes 09:08. Handles: c1 talk 300 s, wrap-up 60 s; c2 talk
/// 240 s, hold 60 s, wrap-up 60 s. The agent's time is wall time: talk 09:00–09:07 (7 min: c1 talks
/// throughout c2's hold), wrap-up 09:07–09:08, so 8 minutes busy, not the 13 of both handles.
#[test]
fn an_agent_on_two_calls_at_once_counts_each_handle_and_its_time_once() {
    let events = [
        queued("2026-11-23T09:00:00Z", "c1"),
        answered("2026-11-23T09:00:00Z", "c1", "a1"),
        queued("2026-11-23T09:01:50Z", "c2"),
        answered("2026-11-23T09:02:00Z", "c2", "a1"),
        held("2026-11-23T09:03:00Z", "c2", "a1"),
        resumed("2026-11-23T09:04:00Z", "c2", "a1"),
        ended("2026-11-23T09:05:00Z", "c1", "a1"),
        completed("2026-11-23T09:06:00Z", "c1", "a1"),
        ended("2026-11-23T09:07:00Z", "c2", "a1"),
        completed("2026-11-23T09:08:00Z", "c2", "a1"),
    ];
    let (snapshot, rejections) =
        run_with(CenterSettings::default(), &events, "2026-11-23T09:10:00Z");
    assert_eq!(rejections, vec![]);
    assert_eq!(queue_handles(&snapshot), (2, 540.0, 60.0, 120.0));
    let agent = &snapshot.agents[0];
    let quarter = agent.windows.iter().find(|w| w.window == "15m").unwrap();
    assert_eq!(quarter.handled, 2);
    assert_eq!(quarter.times.talk_ms, 7 * MINUTE as u64);
    assert_eq!(quarter.times.hold_ms, 0);
    assert_eq!(quarter.times.wrap_up_ms, MINUTE as u64);
    // Logged in from 09:00 (first seen in a call): 8 busy minutes, then 2 available.
    assert_eq!(quarter.times.available_ms, 2 * MINUTE as u64);
    assert_eq!(quarter.occupancy, Some(0.8));
}

/// c2 is held 09:03–09:04 while c1 is already in wrap-up: the agent is on hold then (no call talks),
/// and wrap-up only once neither talks nor holds.
#[test]
fn hold_shows_while_no_call_talks_and_wrap_up_while_none_talks_or_holds() {
    let events = [
        queued("2026-11-23T09:00:00Z", "c1"),
        answered("2026-11-23T09:00:00Z", "c1", "a1"),
        queued("2026-11-23T09:01:00Z", "c2"),
        answered("2026-11-23T09:01:00Z", "c2", "a1"),
        ended("2026-11-23T09:02:00Z", "c1", "a1"),
        held("2026-11-23T09:03:00Z", "c2", "a1"),
        resumed("2026-11-23T09:04:00Z", "c2", "a1"),
        ended("2026-11-23T09:05:00Z", "c2", "a1"),
        completed("2026-11-23T09:06:00Z", "c1", "a1"),
        completed("2026-11-23T09:06:00Z", "c2", "a1"),
    ];
    let (snapshot, rejections) =
        run_with(CenterSettings::default(), &events, "2026-11-23T09:06:00Z");
    assert_eq!(rejections, vec![]);
    let quarter = snapshot.agents[0]
        .windows
        .iter()
        .find(|w| w.window == "15m")
        .unwrap();
    // Talk 09:00–09:03 and 09:04–09:05, hold 09:03–09:04, wrap-up 09:05–09:06.
    assert_eq!(quarter.times.talk_ms, 4 * MINUTE as u64);
    assert_eq!(quarter.times.hold_ms, MINUTE as u64);
    assert_eq!(quarter.times.wrap_up_ms, MINUTE as u64);
}

/// With completions sent (the default), the agent's next answer or state change ends nothing: c1's
/// completion at 09:09 is its own end (wrap-up 09:03 → 09:09 = 360 s) although a1 went available at
/// 09:04 and answered c2 at 09:05. With completions absent, the same feed without completions ends c1
/// at the state change (wrap-up 60 s) and c2 at a1's next state at 09:10 (talk 240 s, wrap-up 60 s).
#[test]
fn only_a_feed_without_completions_ends_a_handle_at_the_agents_next_event() {
    let mut events = vec![
        queued("2026-11-23T09:00:00Z", "c1"),
        answered("2026-11-23T09:00:00Z", "c1", "a1"),
        ended("2026-11-23T09:03:00Z", "c1", "a1"),
        available("2026-11-23T09:04:00Z", "a1"),
        queued("2026-11-23T09:05:00Z", "c2"),
        answered("2026-11-23T09:05:00Z", "c2", "a1"),
        ended("2026-11-23T09:09:00Z", "c2", "a1"),
    ];
    let sent = {
        let mut with_completions = events.clone();
        with_completions.push(completed("2026-11-23T09:09:00Z", "c1", "a1"));
        with_completions.push(completed("2026-11-23T09:09:30Z", "c2", "a1"));
        run_with(
            CenterSettings::default(),
            &with_completions,
            "2026-11-23T09:12:00Z",
        )
    };
    assert_eq!(sent.1, vec![]);
    assert_eq!(
        queue_handles(&sent.0),
        (2, 180.0 + 240.0, 0.0, 360.0 + 30.0)
    );
    events.push(available("2026-11-23T09:10:00Z", "a1"));
    let absent = CenterSettings {
        completions: Completions::Absent,
        ..CenterSettings::default()
    };
    let (snapshot, rejections) = run_with(absent, &events, "2026-11-23T09:12:00Z");
    assert_eq!(rejections, vec![]);
    assert_eq!(
        queue_handles(&snapshot),
        (2, 180.0 + 240.0, 0.0, 60.0 + 60.0)
    );
    // The same feed read as sending completions counts no handle and rejects nothing.
    let (snapshot, rejections) =
        run_with(CenterSettings::default(), &events, "2026-11-23T09:12:00Z");
    assert_eq!(rejections, vec![]);
    assert_eq!(queue_handles(&snapshot).0, 0);
}

/// In a feed without completions the next answer ends only the calls in wrap-up: c1 (ended 09:02)
/// ends at c3's answer, 09:04; c2, still talking then, goes on to its own end and the state change.
#[test]
fn without_completions_the_next_answer_leaves_a_call_still_talking() {
    let events = [
        queued("2026-11-23T09:00:00Z", "c1"),
        answered("2026-11-23T09:00:00Z", "c1", "a1"),
        queued("2026-11-23T09:01:00Z", "c2"),
        answered("2026-11-23T09:01:00Z", "c2", "a1"),
        ended("2026-11-23T09:02:00Z", "c1", "a1"),
        queued("2026-11-23T09:04:00Z", "c3"),
        answered("2026-11-23T09:04:00Z", "c3", "a1"),
        ended("2026-11-23T09:05:00Z", "c2", "a1"),
        ended("2026-11-23T09:06:00Z", "c3", "a1"),
        available("2026-11-23T09:07:00Z", "a1"),
    ];
    let absent = CenterSettings {
        completions: Completions::Absent,
        ..CenterSettings::default()
    };
    let (snapshot, rejections) = run_with(absent, &events, "2026-11-23T09:08:00Z");
    assert_eq!(rejections, vec![]);
    // c1: talk 120, wrap-up 120; c2: talk 240, wrap-up 120; c3: talk 120, wrap-up 60.
    assert_eq!(queue_handles(&snapshot), (3, 480.0, 0.0, 300.0));
}

/// A tenant limit of two calls at once: the third answer while two are worked is inconsistent and
/// changes nothing (the call still waits); once one completes, the next answer is taken.
#[test]
fn an_answer_beyond_the_calls_per_agent_limit_is_inconsistent() {
    let settings = CenterSettings {
        max_calls_per_agent: 2,
        ..CenterSettings::default()
    };
    let events = [
        queued("2026-11-23T09:00:00Z", "c1"),
        answered("2026-11-23T09:00:00Z", "c1", "a1"),
        queued("2026-11-23T09:00:00Z", "c2"),
        answered("2026-11-23T09:00:10Z", "c2", "a1"),
        queued("2026-11-23T09:00:00Z", "c3"),
        answered("2026-11-23T09:00:20Z", "c3", "a1"),
    ];
    let (snapshot, rejections) = run_with(settings.clone(), &events, "2026-11-23T09:00:30Z");
    assert_eq!(rejections, vec![RejectReason::Inconsistent]);
    assert_eq!(snapshot.queues[0].calls_waiting, 1);
    let mut then = events.to_vec();
    then.push(completed("2026-11-23T09:00:30Z", "c1", "a1"));
    then.push(answered("2026-11-23T09:00:40Z", "c3", "a1"));
    let (snapshot, rejections) = run_with(settings, &then, "2026-11-23T09:00:50Z");
    assert_eq!(rejections, vec![RejectReason::Inconsistent]);
    assert_eq!(snapshot.queues[0].calls_waiting, 0);
}

/// A survey for a1 arriving three minutes after later events (beyond the 10 s lateness, within the
/// windows) lands at its own time and must not hide the handle counted after it: 15m handled stays 1.
#[test]
fn a_late_agent_tally_does_not_hide_newer_ones() {
    let events = [
        queued("2026-11-23T09:00:00Z", "c1"),
        answered("2026-11-23T09:00:00Z", "c1", "a1"),
        ended("2026-11-23T09:04:00Z", "c1", "a1"),
        completed("2026-11-23T09:05:00Z", "c1", "a1"),
        available("2026-11-23T09:08:00Z", "a1"),
        survey("2026-11-23T08:55:00Z", "c0", "a1"),
    ];
    let (snapshot, rejections) =
        run_with(CenterSettings::default(), &events, "2026-11-23T09:09:00Z");
    assert_eq!(rejections, vec![]);
    let agent = &snapshot.agents[0];
    let quarter = agent.windows.iter().find(|w| w.window == "15m").unwrap();
    // (08:54, 09:09]: the survey at 08:55 and the handle at 09:05.
    assert_eq!((quarter.handled, quarter.contacts.surveys), (1, 1));
    let half = agent.windows.iter().find(|w| w.window == "30m").unwrap();
    assert_eq!((half.handled, half.contacts.surveys), (1, 1));
}

/// A reload takes new quotas, opening hours, thresholds, board lines and state limits for a tenant
/// that exists; the answered-wait
/// buckets gain the new threshold's bound, starting from the count at or below it (no answer ≤ 25 s
/// among the two of 10 s and 40 s: the 25 s bucket holds the one of 10 s), and counts stay.
#[test]
fn a_reload_reaches_quotas_opening_hours_and_the_wait_buckets() {
    let mut center = Center::new(Id::from("acme"), CenterSettings::default());
    let mut rejections = Vec::new();
    for event in [
        queued("2026-11-23T09:00:00Z", "c1"),
        answered("2026-11-23T09:00:10Z", "c1", "a1"),
        queued("2026-11-23T09:00:00Z", "c2"),
        answered("2026-11-23T09:00:40Z", "c2", "a2"),
    ] {
        center.ingest(event, 0, &mut rejections);
    }
    center.flush(&mut rejections);
    let mut reloaded = CenterSettings::default();
    reloaded.queue_defaults.threshold_ms = 25 * SECOND;
    reloaded.open_hours = Some((8 * 60, 18 * 60));
    reloaded.quotas = vec![Quota {
        name: "handled_per_hour".into(),
        count: QuotaCount::Handled,
        target: 6.0,
        per_hour: true,
        agent: None,
        team: None,
        shift_length_ms: 8 * 60 * MINUTE,
    }];
    reloaded.queue_defaults.lines.abandon_rate.warning = 0.02;
    let lunch = crate::center::levels::Lines {
        warning: 3_600.0,
        critical: 4_500.0,
    };
    reloaded.state_limits.reasons.insert("lunch".into(), lunch);
    center.reconfigure(&reloaded);
    assert_eq!(center.settings().state_limits, reloaded.state_limits);
    assert_eq!(
        center.floor().queues[0].settings.lines.abandon_rate.warning,
        0.02
    );
    assert_eq!(center.settings().quotas, reloaded.quotas);
    assert_eq!(center.settings().open_hours, Some((480, 1080)));
    let queue = &center.floor().queues[0];
    assert_eq!(queue.settings.threshold_ms, 25 * SECOND);
    let bound = queue
        .wait_bounds
        .iter()
        .position(|b| *b == 25 * SECOND)
        .unwrap();
    let cumulative: u64 = queue.wait_bucket_counts[..=bound].iter().sum();
    assert_eq!(cumulative, 1);
    assert_eq!(queue.wait_bucket_counts.iter().sum::<u64>(), 2);
    assert_eq!(queue.totals.answered, 2);
}

/// Every permutation of `items`, in lexicographic order of their indices.
fn permutations<T: Clone>(items: &[T]) -> Vec<Vec<T>> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    let mut all = Vec::new();
    loop {
        all.push(order.iter().map(|&index| items[index].clone()).collect());
        let Some(i) = (1..order.len()).rev().find(|&i| order[i - 1] < order[i]) else {
            return all;
        };
        let j = (i..order.len())
            .rev()
            .find(|&j| order[j] > order[i - 1])
            .unwrap();
        order.swap(i - 1, j);
        order[i..].reverse();
    }
}

/// a1 answers c2 from q1 at 09:01 (wait 60 s) and transfers it to q2 at 09:02, completing at once; c2 is
/// queued in q2, answered by a1 again, ended and completed, all at 09:02 (a one-second clock). In all 720
/// arrival orders of the instant nothing is rejected and the figures are the causal ones: q1 one
/// handle of talk 60 s; q2 offered and answered at once, one handle of no time; a1 two handles. The
/// answer of the new segment waits for the end of a1's first leg, which it would otherwise pass for.
#[test]
fn a_call_transferred_back_to_its_agent_at_one_instant_applies_in_any_order() {
    let t = "2026-11-23T09:02:00Z";
    let instant = [
        transferred_to_queue(t, "c2", "a1", "q2"),
        completed(t, "c2", "a1"),
        queued_in(t, "c2", "q2"),
        answered_from(t, "c2", "q2", "a1"),
        ended(t, "c2", "a1"),
        completed(t, "c2", "a1"),
    ];
    let orders = permutations(&instant);
    assert_eq!(orders.len(), 720);
    for order in orders {
        let mut events = vec![
            queued("2026-11-23T09:00:00Z", "c2"),
            answered("2026-11-23T09:01:00Z", "c2", "a1"),
        ];
        events.extend(order.iter().cloned());
        let (snapshot, rejections) =
            run_with(CenterSettings::default(), &events, "2026-11-23T09:10:00Z");
        let kinds: Vec<_> = order.iter().map(|event| &event.kind).collect();
        assert_eq!(rejections, vec![], "order {kinds:?}");
        assert_eq!(queue_handles(&snapshot), (1, 60.0, 0.0, 0.0), "{kinds:?}");
        let counts = today_counts(&snapshot, "q2");
        let (offered, answered, handled) = (counts.offered, counts.answered, counts.handled);
        assert_eq!((offered, answered, handled), (1, 1, 1), "{kinds:?}");
        assert_eq!(
            (counts.wait_answered_ms, counts.talk_ms),
            (0, 0),
            "{kinds:?}"
        );
        let quarter = snapshot.agents[0]
            .windows
            .iter()
            .find(|w| w.window == "15m")
            .unwrap();
        assert_eq!(quarter.handled, 2, "{kinds:?}");
    }
}
