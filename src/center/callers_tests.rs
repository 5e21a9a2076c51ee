//! Callbacks and repeat callers through the center, worked out by hand.

use super::settings::CenterSettings;
use super::snapshot::CenterSnapshot;
use super::{test_events, Center};
use crate::event::{Event, EventKind, Id, Millis};

/// 09:00:00 of the test day.
fn at(time: &str) -> Millis {
    test_events::at(&format!("2026-11-23T{time}Z"))
}

fn event(time: &str, kind: EventKind) -> Event {
    test_events::event(&format!("2026-11-23T{time}Z"), kind)
}

fn queued(time: &str, call: &str, queue: &str, caller: &str) -> Event {
    let kind = EventKind::CallQueued {
        call: call.into(),
        queue: queue.into(),
        priority: None,
        direction: Default::default(),
        caller: Some(caller.into()),
    };
    event(time, kind)
}

fn answered(time: &str, call: &str, queue: &str, agent: &str) -> Event {
    let (call, queue, agent) = (call.into(), queue.into(), agent.into());
    event(time, EventKind::CallAnswered { call, queue, agent })
}

fn abandoned(time: &str, call: &str, queue: &str) -> Event {
    let (call, queue) = (call.into(), queue.into());
    event(time, EventKind::CallAbandoned { call, queue })
}

fn snapshot_after(events: &[Event], now: &str) -> CenterSnapshot {
    let mut center = Center::new(Id::from("acme"), CenterSettings::default());
    let mut rejections = Vec::new();
    for (tag, event) in events.iter().enumerate() {
        center.ingest(event.clone(), tag as u64, &mut rejections);
    }
    center.flush(&mut rejections);
    assert!(rejections.is_empty(), "{rejections:?}");
    center.snapshot(at(now))
}

/// (caller, queue, abandoned at, wait s, abandoned calls) of each callback, in order.
fn callbacks(snapshot: &CenterSnapshot) -> Vec<(String, String, String, f64, usize)> {
    (snapshot.callbacks.iter())
        .map(|callback| {
            (
                callback.caller.to_string(),
                callback.queue.to_string(),
                callback.abandoned_at.clone(),
                callback.wait_seconds,
                callback.abandoned_calls,
            )
        })
        .collect()
}

/// (callbacks, calls with a caller, repeats, repeat rate) of a queue.
fn queue_figures(snapshot: &CenterSnapshot, queue: &str) -> (usize, u64, u64, Option<f64>) {
    let queue = (snapshot.queues.iter())
        .find(|candidate| candidate.queue == queue)
        .expect("queue present");
    let (callbacks, calls, repeats) =
        (queue.callbacks, queue.calls_with_caller, queue.repeat_calls);
    (callbacks, calls, repeats, queue.repeat_caller_rate)
}

// A morning, by hand:
//   A queues on billing (c1, 09:00:00) and hangs up after 30 s; B queues on sales (c2, 09:01:00) and
//   hangs up after 10 s, then again on sales (c3, 09:02:00, after 5 s). At 09:04 both await a callback,
//   A first (its latest hang-up is the oldest): A billing 09:00:30 30 s, 1 call; B sales 09:02:05 5 s,
//   2 calls. B's c3 is a repeat (c2 within the day before); A's c1 is not.
//   A calls again (c4, billing, 09:05:00, a repeat) and a1 answers at 09:05:10: A is reached. C queues
//   on billing (c5, 09:06:00) and a1 answers: not a repeat. At 09:08 only B awaits a callback.
//   a2 dials B (o1, 09:10:00), connected at 09:10:20: B is reached. At 09:12 nobody awaits one.
//   billing: 3 calls with a caller (c1, c4, c5), 1 repeat (c4) → 1/3; sales: 2 (c2, c3), 1 repeat (c3).
#[test]
fn callers_who_abandoned_wait_for_a_callback_until_answered_or_reached_by_an_outbound_call() {
    let mut events = vec![
        queued("09:00:00", "c1", "billing", "A"),
        abandoned("09:00:30", "c1", "billing"),
        queued("09:01:00", "c2", "sales", "B"),
        abandoned("09:01:10", "c2", "sales"),
        queued("09:02:00", "c3", "sales", "B"),
        abandoned("09:02:05", "c3", "sales"),
    ];
    let early = snapshot_after(&events, "09:04:00");
    assert_eq!(
        callbacks(&early),
        vec![
            (
                "A".into(),
                "billing".into(),
                "2026-11-23T09:00:30.000Z".into(),
                30.0,
                1
            ),
            (
                "B".into(),
                "sales".into(),
                "2026-11-23T09:02:05.000Z".into(),
                5.0,
                2
            ),
        ]
    );
    assert_eq!(queue_figures(&early, "billing"), (1, 1, 0, Some(0.0)));
    assert_eq!(queue_figures(&early, "sales"), (1, 2, 1, Some(0.5)));
    events.extend([
        queued("09:05:00", "c4", "billing", "A"),
        answered("09:05:10", "c4", "billing", "a1"),
        queued("09:06:00", "c5", "billing", "C"),
        answered("09:06:05", "c5", "billing", "a1"),
    ]);
    let later = snapshot_after(&events, "09:08:00");
    assert_eq!(callbacks(&later).len(), 1);
    assert_eq!(callbacks(&later)[0].0, "B");
    assert_eq!(queue_figures(&later, "billing"), (0, 3, 1, Some(1.0 / 3.0)));
    events.extend([
        event(
            "09:10:00",
            EventKind::CallDialed {
                call: "o1".into(),
                agent: "a2".into(),
                campaign: None,
                caller: Some("B".into()),
            },
        ),
        event(
            "09:10:20",
            EventKind::CallConnected {
                call: "o1".into(),
                agent: "a2".into(),
            },
        ),
    ]);
    let reached = snapshot_after(&events, "09:12:00");
    assert_eq!(callbacks(&reached), vec![]);
    assert_eq!(queue_figures(&reached, "sales"), (0, 2, 1, Some(0.5)));
}

// D hangs up on c1 at 09:00:20, the instant a1 answers D's c2 (queued 09:00:10): the hang-up counts as
// before the answer whichever arrives first, so D awaits no callback; c2 is a repeat (c1 at 09:00:00).
// A transfer's second queue segment (c3 queued again on sales) is the same call, not a repeat.
#[test]
fn callbacks_and_repeats_do_not_depend_on_the_order_of_one_instant_or_count_a_transfer() {
    let hang_up = abandoned("09:00:20", "c1", "billing");
    let answer = answered("09:00:20", "c2", "billing", "a1");
    for (first, second) in [(&hang_up, &answer), (&answer, &hang_up)] {
        let events = vec![
            queued("09:00:00", "c1", "billing", "D"),
            queued("09:00:10", "c2", "billing", "D"),
            first.clone(),
            second.clone(),
            queued("09:01:00", "c3", "billing", "E"),
            answered("09:01:05", "c3", "billing", "a2"),
            event(
                "09:02:00",
                EventKind::CallTransferred {
                    call: "c3".into(),
                    agent: "a2".into(),
                    to_queue: Some("sales".into()),
                    to_agent: None,
                },
            ),
            queued("09:02:00", "c3", "sales", "E"),
        ];
        let snapshot = snapshot_after(&events, "09:03:00");
        assert_eq!(callbacks(&snapshot), vec![]);
        assert_eq!(
            queue_figures(&snapshot, "billing"),
            (0, 3, 1, Some(1.0 / 3.0))
        );
        assert_eq!(queue_figures(&snapshot, "sales"), (0, 0, 0, None));
    }
}

// Bounds, on the callers alone: with room for two callbacks, A (09:00), B (09:01) and C (09:02) hang up:
// A, the longest waiting, is let go. With room for ten callers, an eleventh lets the quietest go (k0):
// k1 calling again is a repeat, k0 is not (remembering it again lets k2 go).
#[test]
fn past_their_bounds_callers_let_go_the_longest_waiting_and_the_quietest() {
    use super::callers::{Abandonment, CallerLimits, Callers};
    let limits = CallerLimits {
        callbacks: 2,
        callers: 10,
    };
    let mut callers = Callers::default();
    for (minute, caller) in ["A", "B", "C"].into_iter().enumerate() {
        let at = at("09:00:00") + minute as Millis * 60_000;
        let abandonment = Abandonment {
            at,
            queue: 0,
            wait_ms: 1_000,
        };
        callers.abandoned(&Id::from(caller), abandonment, limits);
    }
    let listed: Vec<&str> = (callers.callbacks().into_iter())
        .map(|(caller, _)| caller.as_str())
        .collect();
    assert_eq!(listed, ["B", "C"]);
    let mut callers = Callers::default();
    for k in 0..11 {
        let at = at("09:00:00") + k as Millis * 60_000;
        let (caller, call) = (Id::from(format!("k{k}")), Id::from(format!("call{k}")));
        assert_eq!(
            callers.queued(&caller, &call, at, limits.callers),
            Some(false)
        );
    }
    let later = at("09:20:00");
    let again = |callers: &mut Callers, caller: &str| {
        callers.queued(&caller.into(), &format!("{caller}-again").into(), later, 10)
    };
    assert_eq!(again(&mut callers, "k1"), Some(true));
    assert_eq!(again(&mut callers, "k0"), Some(false));
}
