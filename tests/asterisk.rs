//! The Asterisk `queue_log` adapter end to end: a hand-written morning (`tests/scenarios/asterisk/
//! morning.queue_log`) whose report and snapshot are worked out by hand below, and the simulator's day
//! written as queue_log against the same day in v1.

mod common;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use callboard::center::settings::CenterSettings;
use callboard::center::snapshot::CenterSnapshot;
use callboard::decode::asterisk::write::QueueLogWriter;
use callboard::decode::asterisk::{QueueLogAdapter, QueueLogOptions};
use callboard::decode::DecodeLimits;
use callboard::event::{Event, EventKind, Id, RejectReason};
use callboard::sim::{simulate, SimOptions};
use callboard::tenants::Tenants;

fn tenants() -> Tenants {
    let settings_of = std::sync::Arc::new(|_: &str| CenterSettings {
        lateness_ms: QueueLogAdapter::REQUIRED_LATENESS_MS,
        interval_retention_days: None,
        ..CenterSettings::default()
    });
    Tenants::new(settings_of, DecodeLimits::default())
}

/// Feeds `bytes` through one adapter into fresh tenants, as `callboard report --input-format
/// asterisk_queue_log` does; returns them finished and the records skipped.
fn read_queue_log(bytes: &[u8], options: QueueLogOptions) -> (Tenants, u64) {
    let mut adapter = QueueLogAdapter::new(options);
    common::read_adapted(bytes, &mut adapter, QueueLogAdapter::REQUIRED_LATENESS_MS)
}

fn csv(tenants: &Tenants) -> Vec<String> {
    common::queue_csv(tenants)
}

fn snapshot(tenants: &Tenants, tenant: &str) -> CenterSnapshot {
    let center = tenants.center(tenant).expect("tenant present");
    center.snapshot(center.latest_event_time().expect("events seen"))
}

// The morning of tenant acme (2026-11-23, UTC; threshold 20 s, short-abandon limit 5 s; sales has no
// wrap-up, support's wrapuptime is 30 s; SIP/1001 is Anna by configuration, Bert's Local/1002@agents is
// learned from his AGENTCALLBACKLOGIN):
//   c1 (…399.1)  sales   queued 09:00:00, Anna answers 09:00:10 (wait 10, within), ends 09:04:10
//                        (talk 240) → handled at 09:04:10, wrap-up 0
//   c2 (…460.4)  sales   queued 09:01:00, rings Bert 15 s unanswered, abandons 09:01:45 (wait 45)
//   c3 (…520.6)  support queued 09:02:00, abandons 09:02:03 (wait 3: short, within)
//   c4 (…700.8)  sales   queued 09:05:00, Bert answers 09:05:30 (wait 30, not within), blind transfer
//                        09:08:30 (talk 180) → handled in sales at 09:08:30; then support: queued
//                        09:08:32, Anna answers 09:08:40 (wait 8, within), ends 09:12:40 (talk 240) →
//                        handled in support at 09:13:10 (wrap-up 30)
//   c5 (…000.14) sales   queued 09:10:00, EXITWITHTIMEOUT 09:14:00 → dequeued (max wait excludes it)
//   c6 (…360.16) sales   queued 09:16:00, Bert answers 09:16:05 (wait 5), ends 09:19:05 (talk 180); the
//                        COMPLETEAGENT line is there twice → its 2 events are duplicates the 2nd time
//   c7 (…420.18) support queued 09:17:00, Anna answers 09:17:25 (wait 25, not within), in talk at the
//                        restart 09:20:00 → ended and completed there (talk 155)
//   c8 (…540.20) sales   queued 09:19:00, waiting at the restart → dequeued 09:20:00
//   restart: a torn line, NUL bytes, then QUEUESTART at 09:20:00
//   c9 (…659.0)  sales   queued 09:21:00, Bert answers 09:21:04 (wait 4), ends 09:25:04 (talk 240)
//   Anna pauses (coffee) 09:06–09:08: PAUSEALL + 2 PAUSE = one change; Bert pauses (lunch) 09:26:00.
//   Skipped: DID, CONFIGRELOAD, INFO (3). Rejected: the partial last line (unsupported_record).
//
// sales 09:00: offered c1 c2 c4 c5 = 4; answered c1 c4 = 2, within 1 (c1); abandoned c2 = 1, short 0;
//   dequeued c5 = 1; handled c1 (240) and c4's transfer (180) = 2, AHT (240 + 180) / 2 = 210, talk 210;
//   SL 1 / (2 + 1 − 0) = 0.333333; abandon rate 1 / (2 + 1 + 1) = 0.25; ASA (10 + 30) / 2 = 20;
//   max wait 45 (c2).
// sales 09:15: offered c6 c8 c9 = 3; answered c6 c9 = 2, both within; dequeued c8 = 1; handled c6
//   (180) c9 (240) = 2, AHT 210; SL 2 / 2 = 1; abandon rate 0 / 3 = 0; ASA (5 + 4) / 2 = 4.5; max wait 5.
// support 09:00: offered c3 c4 = 2; answered c4 = 1 within; abandoned c3 = 1, short 1; handled c4 = 1,
//   talk 240, wrap-up 30, AHT 270; SL 1 / (1 + 1 − 1) = 1; abandon rate 1 / 2 = 0.5; ASA 8; max wait 8.
// support 09:15: offered c7 = 1; answered 1, not within; handled c7 = 1, talk 155, AHT 155; SL 0 / 1 = 0;
//   abandon rate 0; ASA 25; max wait 25.
#[test]
fn a_morning_of_queue_log_gives_the_report_and_snapshot_worked_out_by_hand() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/asterisk/morning.queue_log");
    let options = QueueLogOptions {
        tenant: Id::from("acme"),
        queue_wrap_up_ms: [(Id::from("support"), 30_000)].into_iter().collect(),
        members: [(Id::from("SIP/1001"), Id::from("Anna"))]
            .into_iter()
            .collect(),
        ..QueueLogOptions::default()
    };
    let (tenants, skipped) = read_queue_log(&std::fs::read(path).unwrap(), options);
    assert_eq!(
        csv(&tenants),
        [
            "tenant,queue,interval_start,offered,answered,answered_within_threshold,abandoned,short_abandoned,dequeued,handled,service_level,abandon_rate,asa_seconds,aht_seconds,avg_talk_seconds,avg_hold_seconds,avg_wrap_up_seconds,max_wait_seconds",
            "acme,sales,2026-11-23T09:00:00Z,4,2,1,1,0,1,2,0.333333,0.25,20,210,210,0,0,45",
            "acme,sales,2026-11-23T09:15:00Z,3,2,2,0,0,1,2,1,0,4.5,210,210,0,0,5",
            "acme,support,2026-11-23T09:00:00Z,2,1,1,1,1,0,1,1,0.5,8,270,240,0,30,8",
            "acme,support,2026-11-23T09:15:00Z,1,1,0,0,0,0,1,0,0,25,155,155,0,0,25",
        ]
    );
    assert_eq!(skipped, 3);
    let (_, rejected) = tenants.totals();
    assert_eq!(rejected.get(RejectReason::Duplicate), 2);
    assert_eq!(rejected.get(RejectReason::UnsupportedRecord), 1);
    assert_eq!(rejected.total(), 3);

    // The snapshot at the latest event, Bert's pause at 09:26:00: nobody waits (c8 was closed by the
    // restart); two agents, not four (the interfaces are Anna and Bert); Anna available since c7 was
    // closed at 09:20:00, Bert not ready (lunch); today Anna handled c1, c4 (support), c7 = 3 and Bert
    // c4 (sales), c6, c9 = 3; Bert let one ring go unanswered (c2), Anna none.
    let snapshot = snapshot(&tenants, "acme");
    for queue in &snapshot.queues {
        assert_eq!(queue.calls_waiting, 0, "{}", queue.queue);
    }
    let mut agents: Vec<(String, &str, Option<String>, u64, u64)> = snapshot
        .agents
        .iter()
        .map(|agent| {
            let today = agent.windows.iter().find(|w| w.window == "today").unwrap();
            (
                agent.agent.to_string(),
                agent.state,
                agent.reason.as_ref().map(|reason| reason.to_string()),
                today.handled,
                today.rings_unanswered,
            )
        })
        .collect();
    agents.sort();
    assert_eq!(
        agents,
        [
            ("Anna".to_string(), "available", None, 3, 0),
            (
                "Bert".to_string(),
                "not_ready",
                Some("lunch".to_string()),
                3,
                1
            ),
        ]
    );
    let anna = snapshot.agents.iter().find(|a| a.agent == "Anna").unwrap();
    assert_eq!(
        anna.state_since.as_deref(),
        Some("2026-11-23T09:20:00.000Z")
    );
}

/// Σ handled and Σ (talk + hold) seconds over a report: queue_log's talk is v1's talk + hold.
fn handled_and_talk(rows: &[String]) -> (u64, f64) {
    rows[1..].iter().fold((0, 0.0), |(handled, talk), row| {
        let fields: Vec<&str> = row.split(',').collect();
        let count: u64 = fields[9].parse().unwrap();
        let number = |index: usize| fields[index].parse::<f64>().unwrap_or(0.0);
        (
            handled + count,
            talk + count as f64 * (number(14) + number(15)),
        )
    })
}

#[test]
fn the_simulated_day_as_queue_log_gives_the_queue_report_of_the_same_day_in_v1() {
    let options = SimOptions {
        second_resolution: true,
        ..SimOptions::default()
    };
    let mut v1 = tenants();
    let mut lines = Vec::new();
    let mut writer = QueueLogWriter::new();
    let mut tag = 0;
    // Inbound calls whose talk ended (or was transferred) but whose wrap-up the day's end cut: v1 has
    // no completion for them, queue_log (wrapuptime 0) handles them at their end.
    // Their talk (with hold) in ms, by (call, agent), from the answer.
    let (mut queued, mut answered, mut in_wrap_up) =
        (HashSet::new(), HashMap::new(), HashMap::new());
    simulate(&options, |event: Event| {
        match &event.kind {
            EventKind::CallQueued { call, .. } => {
                queued.insert(call.clone());
            }
            EventKind::CallAnswered { call, agent, .. } => {
                answered.insert((call.clone(), agent.clone()), event.time);
            }
            EventKind::CallEnded { call, agent }
            | EventKind::CallTransferred { call, agent, .. }
                if queued.contains(call) =>
            {
                let key = (call.clone(), agent.clone());
                let talk_ms = event.time - answered[&key];
                in_wrap_up.insert(key, talk_ms);
            }
            EventKind::CallCompleted { call, agent, .. } => {
                in_wrap_up.remove(&(call.clone(), agent.clone()));
            }
            _ => {}
        }
        tag += 1;
        writer.write(&event, &mut lines);
        v1.ingest(event, tag);
    });
    v1.finish();
    let queue_log_options = QueueLogOptions {
        tenant: Id::from("acme"),
        ..QueueLogOptions::default()
    };
    let (from_queue_log, skipped) = read_queue_log(&lines, queue_log_options);
    assert_eq!(skipped, 0);
    assert_eq!(from_queue_log.totals().1.total(), 0);
    let (expected, actual) = (csv(&v1), csv(&from_queue_log));
    assert!(
        expected.len() > 300,
        "a day of intervals: {}",
        expected.len()
    );
    let carried_rows = common::carried_rows;
    let (expected_rows, actual_rows) = (carried_rows(&expected), carried_rows(&actual));
    for (expected_row, actual_row) in expected_rows.iter().zip(&actual_rows) {
        assert_eq!(actual_row, expected_row);
    }
    assert_eq!(actual_rows.len(), expected_rows.len());
    // Over the day, every answered call v1 completes is handled in both, and the talk of queue_log is
    // the talk and hold of v1 (to rounding of the averages' six decimals), plus the calls whose wrap-up
    // the end of the day cut.
    let (handled_v1, talk_v1) = handled_and_talk(&expected);
    let (handled_queue_log, talk_queue_log) = handled_and_talk(&actual);
    assert_eq!(handled_queue_log, handled_v1 + in_wrap_up.len() as u64);
    let cut_talk = in_wrap_up.values().sum::<i64>() as f64 / 1000.0;
    assert!(
        (talk_queue_log - (talk_v1 + cut_talk)).abs() < 1.0,
        "{talk_queue_log} vs {talk_v1} + {cut_talk}"
    );
    // The same agents, by name: the interfaces of ADDMEMBER were learned from the login lines.
    let agents = |tenants: &Tenants| {
        let mut names: Vec<String> = snapshot(tenants, "acme")
            .agents
            .iter()
            .map(|agent| agent.agent.to_string())
            .collect();
        names.sort();
        names
    };
    assert_eq!(agents(&from_queue_log), agents(&v1));
}
