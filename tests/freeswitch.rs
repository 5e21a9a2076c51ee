//! The FreeSWITCH `mod_callcenter` adapter end to end: a hand-written morning
//! (`tests/scenarios/freeswitch/morning.jsonl`, events as the event socket writes them in JSON) whose
//! report and snapshot are worked out by hand below.

mod common;

use std::path::Path;

use callboard::center::settings::CenterSettings;
use callboard::decode::freeswitch::write::CallcenterWriter;
use callboard::decode::freeswitch::{CallcenterAdapter, CallcenterOptions};
use callboard::decode::DecodeLimits;
use callboard::event::{Event, Id, RejectReason};
use callboard::sim::{simulate, SimOptions};
use callboard::tenants::Tenants;

// The morning of tenant acme (2026-11-23, UTC; threshold 20 s, short-abandon limit 5 s; agent
// 1001@default has wrap-up-time 30 s, 1002@default none). Queues are written `sales@default` etc.;
// below without the domain. Times are Event-Date-Timestamp unless said otherwise.
//   09:00:00 1001 and 1002 Available → each logged in and available
//   c1  support queued 09:01:00, offered to 1001, answered 09:01:10 (wait 10, within), bridge ends
//       09:05:10 (talk 240), member-queue-end Terminated repeats it → handled 09:05:40 (wrap-up 30)
//   c2  support queued 09:02:00, Cancel BREAK_OUT 09:02:45 → abandoned (wait 45, not short)
//   c3  sales   queued 09:03:00, Cancel TIMEOUT 09:06:00 → dequeued (a bridge-agent-fail between:
//       skipped)
//   c4  sales   queued 09:04:00, 1002 answers 09:04:30 (wait 30, not within), bridge ends 09:07:30
//       (talk 180) → handled 09:07:30; its bridge-agent-end is delivered twice → 2 duplicates
//   c5  sales   no Event-Date-Timestamp, CC-*-Time seconds only: queued 09:08:00, 1002 answers 09:08:04
//       (wait 4, within), ends 09:10:04 (talk 120) → handled 09:10:04
//   09:10:00 1001 On Break … 09:20:00 Available (600 s not ready, reason "On Break")
//   c6  support queued 09:12:00, Cancel NO_AGENT_TIMEOUT 09:13:00 → dequeued
//   c7  support queued 09:16:00, 1002 answers 09:16:15 (wait 15, within); bridge-agent-end lost:
//       member-queue-end Terminated 09:19:15 ends it (talk 180) → handled 09:19:15
//   c8  sales   queued 09:17:00, Cancel EXIT_WITH_KEY 09:17:30 → dequeued
//   c9  sales   queued 09:21:00, Cancel BREAK_OUT 09:21:03 → abandoned (wait 3: short, within)
//   c10 sales   queued 09:22:00, offered to 1001 09:22:05, answered 09:22:08 (wait 8, within);
//       member-queue-end (09:26:08) arrives before bridge-agent-end (09:26:08): the end and completion
//       come from the first, the second's pair are duplicates → talk 240, handled 09:26:38 (wrap-up 30)
//   09:30:00 1002 Logged Out
//   Skipped: HEARTBEAT, members-count, bridge-agent-fail (3). Rejected: a truncated last line
//   (malformed_json) and the 4 duplicates.
//
// support 09:00: offered c1 c2 c6 = 3; answered c1 = 1, within 1; abandoned c2 = 1, short 0; dequeued
//   c6 = 1; handled c1 = 1: talk 240, wrap-up 30, AHT 270; SL 1 / (1 + 1 − 0) = 0.5; abandon rate
//   1 / (1 + 1 + 1) = 0.333333; ASA 10; max wait 45 (c2).
// support 09:15: offered c7 = 1; answered 1, within 1; handled c7: talk 180, AHT 180; SL 1 / 1 = 1;
//   abandon rate 0 / 1 = 0; ASA 15; max wait 15.
// sales 09:00: offered c3 c4 c5 = 3; answered c4 c5 = 2, within 1 (c5); dequeued c3 = 1; handled c4
//   (180) c5 (120) = 2, AHT 150, talk 150; SL 1 / 2 = 0.5; abandon rate 0 / 3 = 0; ASA (30 + 4) / 2
//   = 17; max wait 30.
// sales 09:15: offered c8 c9 c10 = 3; answered c10 = 1 within; abandoned c9 = 1, short 1; dequeued c8
//   = 1; handled c10: talk 240, wrap-up 30, AHT 270; SL 1 / (1 + 1 − 1) = 1; abandon rate 1 / 3 =
//   0.333333; ASA 8; max wait 8.
const MORNING_ROWS: [&str; 4] = [
    "acme,sales@default,2026-11-23T09:00:00Z,3,2,1,0,0,1,2,0.5,0,17,150,150,0,0,30",
    "acme,sales@default,2026-11-23T09:15:00Z,3,1,1,1,1,1,1,1,0.333333,8,270,240,0,30,8",
    "acme,support@default,2026-11-23T09:00:00Z,3,1,1,1,0,1,1,0.5,0.333333,10,270,240,0,30,45",
    "acme,support@default,2026-11-23T09:15:00Z,1,1,1,0,0,0,1,1,0,15,180,180,0,0,15",
];

#[test]
fn a_morning_of_mod_callcenter_events_gives_the_report_and_snapshot_worked_out_by_hand() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/freeswitch/morning.jsonl");
    let options = CallcenterOptions {
        tenant: Id::from("acme"),
        agent_wrap_up_ms: [(Id::from("1001@default"), 30_000)].into_iter().collect(),
        ..CallcenterOptions::default()
    };
    let mut adapter = CallcenterAdapter::new(options);
    let lateness = CallcenterAdapter::REQUIRED_LATENESS_MS;
    let (tenants, skipped) =
        common::read_adapted(&std::fs::read(path).unwrap(), &mut adapter, lateness);
    let csv = common::queue_csv(&tenants);
    assert_eq!(csv[1..], MORNING_ROWS);
    assert_eq!(skipped, 3);
    let (_, rejected) = tenants.totals();
    assert_eq!(rejected.get(RejectReason::Duplicate), 4);
    assert_eq!(rejected.get(RejectReason::MalformedJson), 1);
    assert_eq!(rejected.total(), 5);

    // The snapshot at the latest event, 1002's logout at 09:30:00: nobody waits; 1001 available again
    // since c10's wrap-up ended at 09:26:38, handled c1 and c10 today, 600 s on break; 1002 handled
    // c4, c5, c7 and is logged out; no ring went unanswered.
    let center = tenants.center("acme").expect("tenant present");
    let snapshot = center.snapshot(center.latest_event_time().expect("events seen"));
    for queue in &snapshot.queues {
        assert_eq!(queue.calls_waiting, 0, "{}", queue.queue);
    }
    let agent = |name: &str| {
        let agent = snapshot.agents.iter().find(|a| a.agent == name);
        let agent = agent.unwrap_or_else(|| panic!("{name} on the board"));
        let today = agent.windows.iter().find(|w| w.window == "today").unwrap();
        (agent, today)
    };
    let (first, today) = agent("1001@default");
    assert_eq!(first.state, "available");
    assert_eq!(
        first.state_since.as_deref(),
        Some("2026-11-23T09:26:38.000Z")
    );
    assert_eq!((today.handled, today.rings_unanswered), (2, 0));
    assert_eq!(today.not_ready_by_reason.get("On Break"), Some(&600_000));
    let (second, today) = agent("1002@default");
    assert_eq!(second.state, "logged_out");
    assert_eq!((today.handled, today.rings_unanswered), (3, 0));
}

/// The simulator's day written as mod_callcenter events and read back gives the queue report of the
/// same day in v1, but for what the events cannot carry (handle times: holds and wrap-up ends).
#[test]
fn the_simulated_day_as_mod_callcenter_events_gives_the_queue_report_of_the_same_day_in_v1() {
    let options = SimOptions {
        second_resolution: true,
        ..SimOptions::default()
    };
    let settings_of = std::sync::Arc::new(|_: &str| CenterSettings {
        lateness_ms: CallcenterAdapter::REQUIRED_LATENESS_MS,
        interval_retention_days: None,
        ..CenterSettings::default()
    });
    let mut v1 = Tenants::new(settings_of, DecodeLimits::default());
    let (mut lines, mut writer, mut tag) = (Vec::new(), CallcenterWriter::new(), 0);
    simulate(&options, |event: Event| {
        tag += 1;
        writer.write(&event, &mut lines);
        v1.ingest(event, tag);
    });
    v1.finish();
    let mut adapter = CallcenterAdapter::new(CallcenterOptions {
        tenant: Id::from("acme"),
        ..CallcenterOptions::default()
    });
    let lateness = CallcenterAdapter::REQUIRED_LATENESS_MS;
    let (from_callcenter, skipped) = common::read_adapted(&lines, &mut adapter, lateness);
    assert_eq!(skipped, 0);
    assert_eq!(from_callcenter.totals().1.total(), 0);
    let (expected, actual) = (common::queue_csv(&v1), common::queue_csv(&from_callcenter));
    assert!(
        expected.len() > 300,
        "a day of intervals: {}",
        expected.len()
    );
    let (expected_rows, actual_rows) = (
        common::carried_rows(&expected),
        common::carried_rows(&actual),
    );
    for (expected_row, actual_row) in expected_rows.iter().zip(&actual_rows) {
        assert_eq!(actual_row, expected_row);
    }
    assert_eq!(actual_rows.len(), expected_rows.len());
}
