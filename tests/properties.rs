//! Properties of the engine over generated call plans: arrival order within the lateness never changes
//! the report; windows kept incrementally equal a recomputation from the plans; agents' handled calls sum
//! to the queues'. The expected figures are computed here from the plans, not by the engine.

use callboard::center::settings::{CenterSettings, MINUTE};
use callboard::center::snapshot::CenterSnapshot;
use callboard::center::{Center, Rejection};
use callboard::event::{Event, EventKind, Id, Millis};
use callboard::kpi::QueueCounts;
use callboard::report;
use proptest::prelude::*;

const BASE: Millis = 1_795_424_400_000; // 2026-11-23T09:00:00Z
const QUEUES: [&str; 3] = ["billing", "sales", "support"];
const THRESHOLD_MS: u32 = 20_000;
const SHORT_ABANDON_MS: u32 = 5_000;

#[derive(Debug, Clone)]
enum Fate {
    Answered {
        talk_ms: u32,
        hold_ms: u32,
        wrap_up_ms: u32,
    },
    Abandoned,
    Dequeued,
}

#[derive(Debug, Clone)]
struct CallPlan {
    queued_at: Millis,
    queue: usize,
    wait_ms: u32,
    fate: Fate,
}

fn fate() -> impl Strategy<Value = Fate> {
    prop_oneof![
        3 => (1_000u32..600_000, prop_oneof![Just(0u32), 1_000u32..90_000], 0u32..120_000)
            .prop_map(|(talk_ms, hold_ms, wrap_up_ms)| Fate::Answered { talk_ms, hold_ms, wrap_up_ms }),
        1 => Just(Fate::Abandoned),
        1 => Just(Fate::Dequeued),
    ]
}

fn plans() -> impl Strategy<Value = Vec<CallPlan>> {
    prop::collection::vec(
        (0i64..3 * 3_600_000, 0..QUEUES.len(), 0u32..90_000, fate()).prop_map(
            |(offset, queue, wait_ms, fate)| CallPlan {
                queued_at: BASE + offset,
                queue,
                wait_ms,
                fate,
            },
        ),
        1..120,
    )
}

fn event(time: Millis, kind: EventKind) -> Event {
    Event {
        time,
        tenant: Id::from("acme"),
        id: None,
        kind,
    }
}

/// The events of each plan; each call has its own agent, so calls never interfere.
fn events(plans: &[CallPlan]) -> Vec<Event> {
    let mut events = Vec::new();
    for (index, plan) in plans.iter().enumerate() {
        let call = Id::from(format!("c{index}"));
        let agent = Id::from(format!("a{index}"));
        let queue = Id::from(QUEUES[plan.queue]);
        let left = plan.queued_at + Millis::from(plan.wait_ms);
        events.push(event(
            plan.queued_at,
            EventKind::CallQueued {
                call: call.clone(),
                queue: queue.clone(),
                priority: None,
                direction: Default::default(),
            },
        ));
        match plan.fate {
            Fate::Abandoned => events.push(event(left, EventKind::CallAbandoned { call, queue })),
            Fate::Dequeued => events.push(event(
                left,
                EventKind::CallDequeued {
                    call,
                    queue,
                    reason: callboard::event::DequeueReason::Timeout,
                },
            )),
            Fate::Answered {
                talk_ms,
                hold_ms,
                wrap_up_ms,
            } => {
                events.push(event(
                    left,
                    EventKind::CallAnswered {
                        call: call.clone(),
                        queue,
                        agent: agent.clone(),
                    },
                ));
                let mut ended = left + Millis::from(talk_ms);
                if hold_ms > 0 {
                    let held = left + Millis::from(talk_ms / 2);
                    events.push(event(
                        held,
                        EventKind::CallHeld {
                            call: call.clone(),
                            agent: agent.clone(),
                        },
                    ));
                    events.push(event(
                        held + Millis::from(hold_ms),
                        EventKind::CallResumed {
                            call: call.clone(),
                            agent: agent.clone(),
                        },
                    ));
                    ended += Millis::from(hold_ms);
                }
                events.push(event(
                    ended,
                    EventKind::CallEnded {
                        call: call.clone(),
                        agent: agent.clone(),
                    },
                ));
                events.push(event(
                    ended + Millis::from(wrap_up_ms),
                    EventKind::CallCompleted {
                        call,
                        agent,
                        outcome: None,
                        disposition: None,
                    },
                ));
            }
        }
    }
    events.sort_by_key(|event| (event.time, event.kind.natural_rank()));
    events
}

fn settings(keep_agent_intervals: bool) -> CenterSettings {
    CenterSettings {
        keep_agent_intervals,
        interval_retention_days: None,
        ..CenterSettings::default()
    }
}

fn feed(
    events: impl IntoIterator<Item = Event>,
    settings: CenterSettings,
) -> (Center, Vec<Rejection>) {
    let mut center = Center::new(Id::from("acme"), settings);
    let mut rejections = Vec::new();
    for (tag, event) in events.into_iter().enumerate() {
        center.ingest(event, tag as u64, &mut rejections);
    }
    center.flush(&mut rejections);
    (center, rejections)
}

/// Queue counts in `(from, now]` recomputed from the plans.
fn expected_counts(plans: &[CallPlan], queue: usize, from: Millis, now: Millis) -> QueueCounts {
    let inside = |time: Millis| from < time && time <= now;
    let mut counts = QueueCounts::default();
    for plan in plans.iter().filter(|plan| plan.queue == queue) {
        let left = plan.queued_at + Millis::from(plan.wait_ms);
        counts.offered += u64::from(inside(plan.queued_at));
        if !inside(left) {
            if let Fate::Answered {
                talk_ms,
                hold_ms,
                wrap_up_ms,
            } = plan.fate
            {
                count_handle(&mut counts, left, talk_ms, hold_ms, wrap_up_ms, inside);
            }
            continue;
        }
        let within = plan.wait_ms <= THRESHOLD_MS;
        match plan.fate {
            Fate::Answered {
                talk_ms,
                hold_ms,
                wrap_up_ms,
            } => {
                counts.answered += 1;
                counts.answered_within_threshold += u64::from(within);
                counts.wait_answered_ms += u64::from(plan.wait_ms);
                counts.max_wait_ms = counts.max_wait_ms.max(u64::from(plan.wait_ms));
                count_handle(&mut counts, left, talk_ms, hold_ms, wrap_up_ms, inside);
            }
            Fate::Abandoned => {
                counts.abandoned += 1;
                counts.abandoned_within_threshold += u64::from(within);
                counts.short_abandoned += u64::from(plan.wait_ms < SHORT_ABANDON_MS);
                counts.wait_abandoned_ms += u64::from(plan.wait_ms);
                counts.max_wait_ms = counts.max_wait_ms.max(u64::from(plan.wait_ms));
            }
            Fate::Dequeued => counts.dequeued += 1,
        }
    }
    counts
}

fn count_handle(
    counts: &mut QueueCounts,
    answered_at: Millis,
    talk_ms: u32,
    hold_ms: u32,
    wrap_up_ms: u32,
    inside: impl Fn(Millis) -> bool,
) {
    let completed_at =
        answered_at + Millis::from(talk_ms) + Millis::from(hold_ms) + Millis::from(wrap_up_ms);
    if inside(completed_at) {
        counts.handled += 1;
        counts.talk_ms += u64::from(talk_ms);
        counts.hold_ms += u64::from(hold_ms);
        counts.wrap_up_ms += u64::from(wrap_up_ms);
    }
}

fn window_counts(snapshot: &CenterSnapshot, queue: &str, window: &str) -> QueueCounts {
    snapshot
        .queues
        .iter()
        .find(|q| q.queue == queue)
        .and_then(|q| q.windows.iter().find(|w| w.window == window))
        .map(|w| w.counts)
        .unwrap_or_default()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn arrival_order_within_the_lateness_never_changes_the_report(
        plans in plans(),
        jitter_seed in any::<u64>(),
    ) {
        let sorted = events(&plans);
        let lateness = CenterSettings::DEFAULT_LATENESS_MS;
        // Arrival order: by event time plus a jitter below the lateness, so no event arrives later
        // than the lateness behind the latest one seen before it.
        let mut state = jitter_seed | 1;
        let mut keyed: Vec<(Millis, Event)> = sorted
            .iter()
            .map(|event| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (event.time + (state % lateness as u64) as Millis, event.clone())
            })
            .collect();
        keyed.sort_by_key(|(arrival, _)| *arrival);
        let (in_order, none) = feed(sorted, settings(true));
        let (shuffled, rejections) = feed(keyed.into_iter().map(|(_, event)| event), settings(true));
        prop_assert!(none.is_empty(), "{:?}", none);
        prop_assert!(rejections.is_empty(), "{:?}", rejections);
        prop_assert_eq!(report::queue_table([&shuffled]), report::queue_table([&in_order]));
        prop_assert_eq!(report::agent_table([&shuffled]), report::agent_table([&in_order]));
    }

    #[test]
    fn incremental_windows_equal_recomputation_from_the_plans(plans in plans(), probes in prop::collection::vec(0i64..4 * 3_600_000, 1..6)) {
        let all = events(&plans);
        let mut probes: Vec<Millis> = probes.into_iter().map(|offset| BASE + offset).collect();
        probes.sort();
        let mut center = Center::new(Id::from("acme"), settings(false));
        let mut rejections = Vec::new();
        let mut next = all.iter().peekable();
        for now in probes {
            while let Some(event) = next.next_if(|event| event.time <= now) {
                center.ingest(event.clone(), 0, &mut rejections);
            }
            let snapshot = center.snapshot(now);
            for (queue_index, queue) in QUEUES.iter().enumerate() {
                for (window, length) in [("15m", 15 * MINUTE), ("30m", 30 * MINUTE), ("1h", 60 * MINUTE)] {
                    let expected = expected_counts(&plans, queue_index, now - length, now);
                    prop_assert_eq!(window_counts(&snapshot, queue, window), expected, "{} {} at {}", queue, window, now);
                }
            }
        }
        prop_assert!(rejections.is_empty(), "{:?}", rejections);
    }

    #[test]
    fn agents_handled_calls_sum_to_the_queues(plans in plans()) {
        let (center, rejections) = feed(events(&plans), settings(true));
        prop_assert!(rejections.is_empty());
        let floor = center.floor();
        let queue_handled: u64 = floor.queues.iter().flat_map(|q| q.intervals.values()).map(|c| c.handled).sum();
        let agent_handled: u64 = floor.agents.iter().flat_map(|a| a.intervals.iter().flatten()).map(|(_, i)| i.handled).sum();
        let answered = plans.iter().filter(|plan| matches!(plan.fate, Fate::Answered { .. })).count() as u64;
        prop_assert_eq!(queue_handled, answered);
        prop_assert_eq!(agent_handled, answered);
    }
}
