//! Properties of the engine over generated floors: a valid feed is never rejected, in time order or in
//! any arrival order within the lateness; arrival order never changes the figures, nor do pure tallies
//! delivered long after the lateness; figures kept incrementally equal a recomputation from scratch;
//! agents' handled calls sum to the queues'. A small simulator builds a consistent floor (agents shared
//! across calls and working up to three at once, logins, breaks, logouts, ringing, holds, wrap-up,
//! abandons, timeouts, transfers between queues, surveys, feeds with no agent events, tenants that send
//! no `call.completed`, whole-tick times so that an agent's completion, state change and next answer
//! share a second) and, alongside the events, the figures the floor must show — computed from the
//! simulator's own timeline, never by the engine. Agent-to-agent transfers are left out: their second
//! leg is handled by an agent but answered from no queue, so agents' handled calls rightly exceed the
//! queues' there.
//!
//! Events are emitted in causal order, which is the arrival order of a real ACD; the sorted feed keeps
//! it within each instant. The figures expected of an instant do not depend on the order of its
//! events: an agent's state after an instant is the one after all of them, a state held for no time
//! within it being no state change (`state_since` included). The simulator leaves out what one
//! instant cannot say on its own (see `agents`): without completions, an agent's state change, answer
//! or logout at the instant one of its calls ends; two `agent.state` of one agent at one instant; a
//! call's new segment at the instant its last was answered, or back at the agent whose handle of it
//! ended at that instant.
//!
//! This file holds the properties and the floor's constants; the parts live beside it:
//! `plan` (what proptest generates), `floor` and `agents` (the simulator), `recompute` (the expected
//! figures), `feed` (driving the engine) and `compare` (the engine's figures against the expected ones).

// A crate root finds `mod x;` beside itself (tests/x.rs), so each part names its file under properties/.
#[path = "properties/agents.rs"]
mod agents;
#[path = "properties/compare.rs"]
mod compare;
#[path = "properties/feed.rs"]
mod feed;
#[path = "properties/floor.rs"]
mod floor;
#[path = "properties/plan.rs"]
mod plan;
#[path = "properties/recompute.rs"]
mod recompute;

use std::collections::{BTreeMap, HashMap};

use callboard::center::settings::{CenterSettings, HOUR, MINUTE, SECOND};
use callboard::center::snapshot::TODAY;
use callboard::center::Center;
use callboard::event::{Event, Id, Millis};
use callboard::report;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

use compare::{check_report, check_snapshot, count, handled_in, same_snapshot, with_events};
use feed::{arrival_order, feed, probe_times, settings, with_late_tallies};
use floor::simulate;
use plan::floor_plan;

/// 2026-11-23T23:00:00Z: the tenant's (UTC) day turns an hour into every generated floor.
const BASE: Millis = 1_795_474_800_000;
const MIDNIGHT: Millis = BASE + HOUR;
const INTERVAL: Millis = 15 * MINUTE;
const QUEUES: [&str; 3] = ["billing", "sales", "support"];
/// Not-ready reasons; index 0 is `not_ready` without a reason (the engine keys it as "").
const REASONS: [&str; 4] = ["", "break", "lunch", "training"];
const THRESHOLD_MS: u64 = 20_000;
const SHORT_ABANDON_MS: u64 = 5_000;
const ROLLING: [(&str, Millis); 3] = [("15m", 15 * MINUTE), ("30m", 30 * MINUTE), ("1h", HOUR)];

/// After the last event: the windows still hold all of it, then slide past part of it.
const AFTER_END: [Millis; 4] = [0, 10 * MINUTE, 25 * MINUTE, 50 * MINUTE];

/// A center fed `events` and every event still buffered applied: its books closed at `now`, so its
/// interval report credits each agent's state up to `now` (a report of the floor at `now`).
fn closed_at(center: &Center, now: Millis) -> Result<Center, TestCaseError> {
    let mut closed = center.clone();
    let mut rejections = Vec::new();
    closed.flush(&mut rejections);
    prop_assert!(rejections.is_empty(), "{:?}", rejections);
    closed.close_books(now);
    Ok(closed)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::default()
    })]

    /// Also: no event of the feed is rejected in either order, and the figures of the shuffled feed are
    /// the simulator's, surveys delivered up to 40 minutes late included.
    #[test]
    fn arrival_order_within_the_lateness_never_changes_the_figures(
        plan in floor_plan(),
        lateness_ms in prop_oneof![Just(CenterSettings::DEFAULT_LATENESS_MS), 0i64..=30_000],
        seed in any::<u64>(),
    ) {
        let expected = simulate(&plan);
        with_events(&expected, (|| {
        let sorted = expected.sorted_events();
        let arrived = arrival_order(&sorted, lateness_ms, &expected.late_ms, seed);
        let (mut in_order, none) = feed(sorted, settings(&plan, lateness_ms));
        let (mut shuffled, rejections) = feed(arrived, settings(&plan, lateness_ms));
        prop_assert!(none.is_empty(), "in order: {:?}", none);
        prop_assert!(rejections.is_empty(), "shuffled: {:?}", rejections);
        // Snapshots before the end of input project what still waits for the watermark.
        let end = expected.end;
        same_snapshot(&shuffled.snapshot(end), &in_order.snapshot(end), "shuffled at the end")?;
        let mut none = Vec::new();
        in_order.flush(&mut none);
        shuffled.flush(&mut none);
        prop_assert!(none.is_empty(), "{:?}", none);
        for now in AFTER_END.map(|after| end + after) {
            check_snapshot(&expected, &shuffled.snapshot(now), now)?;
        }
        let closed = end + 7 * MINUTE + 30 * SECOND;
        in_order.close_books(closed);
        shuffled.close_books(closed);
        prop_assert_eq!(report::queue_table([&shuffled]), report::queue_table([&in_order]));
        prop_assert_eq!(report::agent_table([&shuffled]), report::agent_table([&in_order]));
        check_report(&expected, &shuffled, closed, |_| closed)?;
        for now in [closed, closed + 40 * MINUTE] {
            same_snapshot(&shuffled.snapshot(now), &in_order.snapshot(now), "shuffled, closed")?;
        }
        Ok(())
        })())?;
    }

    #[test]
    fn incremental_figures_equal_a_recomputation_from_scratch(
        plan in floor_plan(),
        probes in prop::collection::vec((any::<u8>(), any::<u16>()), 1..6),
        seed in any::<u64>(),
    ) {
        let expected = simulate(&plan);
        with_events(&expected, (|| {
        let sorted = expected.sorted_events();
        let lateness = CenterSettings::DEFAULT_LATENESS_MS;
        let mut center = Center::new(Id::from("acme"), settings(&plan, lateness));
        let mut rejections = Vec::new();
        let mut next = sorted.iter().peekable();
        for now in probe_times(&expected, &probes) {
            while let Some(event) = next.next_if(|event| event.time <= now) {
                center.ingest(event.clone(), 0, &mut rejections);
            }
            let snapshot = center.snapshot(now);
            check_snapshot(&expected, &snapshot, now)?;
            let report = closed_at(&center, now)?;
            check_report(&expected, &report, now, |_| now)?;
            // A center that never saw what came after `now`, fed the same events in another order
            // within the lateness, shows the same figures.
            let prefix: Vec<Event> = sorted.iter().filter(|e| e.time <= now).cloned().collect();
            let arrived = arrival_order(&prefix, lateness, &HashMap::new(), seed);
            let (fresh, none) = feed(arrived, settings(&plan, lateness));
            prop_assert!(none.is_empty(), "{:?}", none);
            let what = format!("fresh center at {now}");
            same_snapshot(&fresh.snapshot(now), &snapshot, &what)?;
            let fresh_report = closed_at(&fresh, now)?;
            prop_assert_eq!(report::queue_table([&fresh_report]), report::queue_table([&report]));
            prop_assert_eq!(report::agent_table([&fresh_report]), report::agent_table([&report]));
        }
        for event in next {
            center.ingest(event.clone(), 0, &mut rejections);
        }
        center.flush(&mut rejections);
        prop_assert!(rejections.is_empty(), "{:?}", rejections);
        let closed = expected.end + 7 * MINUTE + 30 * SECOND;
        center.close_books(closed);
        check_report(&expected, &center, closed, |_| closed)?;
        Ok(())
        })())?;
    }

    #[test]
    fn agents_handled_calls_sum_to_the_queues(
        plan in floor_plan(),
        probes in prop::collection::vec((any::<u8>(), any::<u16>()), 1..4),
    ) {
        let expected = simulate(&plan);
        with_events(&expected, (|| {
        let sorted = expected.sorted_events();
        let lateness = CenterSettings::DEFAULT_LATENESS_MS;
        let mut center = Center::new(Id::from("acme"), settings(&plan, lateness));
        let mut rejections = Vec::new();
        let mut next = sorted.iter().peekable();
        let end = expected.end;
        let mut times = probe_times(&expected, &probes);
        times.extend([end, end + 20 * MINUTE, end + 50 * MINUTE]);
        times.sort();
        for now in times {
            while let Some(event) = next.next_if(|event| event.time <= now) {
                center.ingest(event.clone(), 0, &mut rejections);
            }
            let snapshot = center.snapshot(now);
            for window in ["15m", "30m", "1h", TODAY] {
                let (queues, agents) = handled_in(&snapshot, window);
                prop_assert_eq!(agents, queues, "{} at {}", window, now);
            }
        }
        center.flush(&mut rejections);
        prop_assert!(rejections.is_empty(), "{:?}", rejections);
        let mut by_interval: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        for row in report::queue_table([&center]).rows {
            by_interval.entry(format!("{:?}", row[2])).or_default().0 += count(&row[9]);
        }
        for row in report::agent_table([&center]).rows {
            by_interval.entry(format!("{:?}", row[2])).or_default().1 += count(&row[3]);
        }
        for (start, (queues, agents)) in &by_interval {
            prop_assert_eq!(agents, queues, "interval {}", start);
        }
        let queue_total: u64 = by_interval.values().map(|sums| sums.0).sum();
        let agent_total: u64 = by_interval.values().map(|sums| sums.1).sum();
        // The simulator counted the handles it finished (completed, or ended by the agent's next event).
        prop_assert_eq!(queue_total, expected.handled);
        prop_assert_eq!(agent_total, expected.handled);
        let snapshot = center.snapshot(end);
        let totals: u64 = snapshot.queues.iter().map(|q| q.totals.handled).sum();
        prop_assert_eq!(totals, expected.handled);
        Ok(())
        })())?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 128,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::default()
    })]

    /// Surveys delivered minutes after their time, everything else in order: each lands at its own time
    /// and hides nothing newer (issue 9, "a late agent tally hides newer ones").
    #[test]
    fn late_tallies_land_at_their_own_time(
        plan in floor_plan(),
        lateness_ms in prop_oneof![Just(CenterSettings::DEFAULT_LATENESS_MS), 0i64..=30_000],
    ) {
        let expected = simulate(&plan);
        with_events(&expected, (|| {
        let late = with_late_tallies(&expected.sorted_events(), lateness_ms, &expected.late_ms);
        let (mut center, rejections) = feed(late, settings(&plan, lateness_ms));
        prop_assert!(rejections.is_empty(), "{:?}", rejections);
        let end = expected.end;
        check_snapshot(&expected, &center.snapshot(end), end)?;
        let mut none = Vec::new();
        center.flush(&mut none);
        prop_assert!(none.is_empty(), "{:?}", none);
        for now in AFTER_END.map(|after| end + after) {
            check_snapshot(&expected, &center.snapshot(now), now)?;
        }
        Ok(())
        })())?;
    }
}
