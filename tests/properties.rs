//! Properties of the engine over generated floors: arrival order within the lateness never changes the
//! figures; figures kept incrementally equal a recomputation from scratch; agents' handled calls sum to
//! the queues'. A small simulator builds a consistent floor (agents shared across calls, logins,
//! breaks, logouts, ringing, holds, wrap-up, abandons, timeouts, transfers between queues, feeds with
//! no agent events or no `call.completed`, whole-tick times so many events share a second) and,
//! alongside the events, the figures the floor must show — computed from the simulator's own timeline,
//! never by the engine. Agent-to-agent transfers are left out: their second leg is handled by an agent
//! but answered from no queue, so agents' handled calls rightly exceed the queues' there.
//!
//! This file holds the properties and the floor's constants; the parts live beside it:
//! `plan` (what proptest generates), `floor` (the simulator), `recompute` (the expected figures),
//! `feed` (driving the engine) and `compare` (the engine's figures against the expected ones).

// A crate root finds `mod x;` beside itself (tests/x.rs), so each part names its file under properties/.
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

use std::collections::BTreeMap;

use callboard::center::settings::{CenterSettings, HOUR, MINUTE, SECOND};
use callboard::center::snapshot::TODAY;
use callboard::center::Center;
use callboard::event::{Event, Id, Millis};
use callboard::report;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

use compare::{check_report, check_snapshot, count, handled_in, normalised};
use feed::{arrival_order, feed, probe_times, settings};
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

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn arrival_order_within_the_lateness_never_changes_the_figures(
        plan in floor_plan(),
        lateness_ms in prop_oneof![Just(CenterSettings::DEFAULT_LATENESS_MS), 0i64..=30_000],
        seed in any::<u64>(),
    ) {
        let expected = simulate(&plan);
        let sorted = expected.sorted_events();
        let arrived = arrival_order(&sorted, lateness_ms, seed);
        let (mut in_order, none) = feed(sorted, settings(lateness_ms));
        let (mut shuffled, rejections) = feed(arrived, settings(lateness_ms));
        prop_assert!(none.is_empty(), "{:?}", none);
        prop_assert!(rejections.is_empty(), "{:?}", rejections);
        // Snapshots before the end of input project what still waits for the watermark.
        let end = expected.end;
        prop_assert_eq!(normalised(&shuffled.snapshot(end)), normalised(&in_order.snapshot(end)));
        let mut none = Vec::new();
        in_order.flush(&mut none);
        shuffled.flush(&mut none);
        prop_assert!(none.is_empty(), "{:?}", none);
        let closed = end + 7 * MINUTE + 30 * SECOND;
        in_order.close_books(closed);
        shuffled.close_books(closed);
        prop_assert_eq!(report::queue_table([&shuffled]), report::queue_table([&in_order]));
        prop_assert_eq!(report::agent_table([&shuffled]), report::agent_table([&in_order]));
        for now in [closed, closed + 40 * MINUTE] {
            prop_assert_eq!(normalised(&shuffled.snapshot(now)), normalised(&in_order.snapshot(now)));
        }
    }

    #[test]
    fn incremental_figures_equal_a_recomputation_from_scratch(
        plan in floor_plan(),
        probes in prop::collection::vec((any::<u8>(), any::<u16>()), 1..6),
        seed in any::<u64>(),
    ) {
        let expected = simulate(&plan);
        let sorted = expected.sorted_events();
        let lateness = CenterSettings::DEFAULT_LATENESS_MS;
        let mut center = Center::new(Id::from("acme"), settings(lateness));
        let mut rejections = Vec::new();
        let mut next = sorted.iter().peekable();
        for now in probe_times(&expected, &probes) {
            while let Some(event) = next.next_if(|event| event.time <= now) {
                center.ingest(event.clone(), 0, &mut rejections);
            }
            let snapshot = center.snapshot(now);
            check_snapshot(&expected, &snapshot, now)?;
            // Interval state time is credited at each state change.
            let last_change = |agent| expected.state_at(agent, now).map_or(Millis::MIN, |s| s.0);
            check_report(&expected, &center, now, last_change)?;
            // A center that never saw what came after `now`, fed the same events in another order
            // within the lateness, shows the same figures.
            let prefix: Vec<Event> = sorted.iter().filter(|e| e.time <= now).cloned().collect();
            let (fresh, none) = feed(arrival_order(&prefix, lateness, seed), settings(lateness));
            prop_assert!(none.is_empty(), "{:?}", none);
            prop_assert_eq!(normalised(&fresh.snapshot(now)), normalised(&snapshot));
            prop_assert_eq!(report::queue_table([&fresh]), report::queue_table([&center]));
            prop_assert_eq!(report::agent_table([&fresh]), report::agent_table([&center]));
        }
        for event in next {
            center.ingest(event.clone(), 0, &mut rejections);
        }
        center.flush(&mut rejections);
        prop_assert!(rejections.is_empty(), "{:?}", rejections);
        let closed = expected.end + 7 * MINUTE + 30 * SECOND;
        center.close_books(closed);
        check_report(&expected, &center, closed, |_| closed)?;
    }

    #[test]
    fn agents_handled_calls_sum_to_the_queues(
        plan in floor_plan(),
        probes in prop::collection::vec((any::<u8>(), any::<u16>()), 1..4),
    ) {
        let expected = simulate(&plan);
        let sorted = expected.sorted_events();
        let mut center = Center::new(Id::from("acme"), settings(CenterSettings::DEFAULT_LATENESS_MS));
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
    }
}
