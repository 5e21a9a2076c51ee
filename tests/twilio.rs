//! The Twilio TaskRouter adapter end to end through `callboard report` and `callboard replay
//! --input-format twilio_taskrouter`: a hand-written morning (`tests/scenarios/twilio/morning.jsonl`,
//! Event Streams CloudEvents and workspace callbacks re-encoded as JSON, mixed) whose report and
//! snapshot are worked out by hand below.

mod common;

use std::process::Output;

const MORNING: &str = "tests/scenarios/twilio/morning.jsonl";

fn callboard(args: &[&str]) -> Output {
    let mut command = common::callboard_command();
    command
        .args(args)
        .args(["--input", MORNING, "--input-format", "twilio_taskrouter"])
        .args(["--tenant", "acme"]);
    common::succeeded(command)
}

// The morning of tenant acme (workspace WS…acme, 2026-11-23, UTC; threshold 20 s, short-abandon limit
// 5 s; anna and bert Available at 09:00:00):
//   T1 support  task.created 09:00:10 (no queue yet), task-queue.entered 09:00:10 → queued once; rings
//               anna 09:00:12, accepted 09:00:15 (wait 5, within); wrapup 09:03:15 (talk 180);
//               completed 09:03:45 (wrap-up 30) → handled in support, handle 210
//   T2 support  (callback form, one-second Timestamp) entered 09:01:00; rings bert 09:01:01,
//               reservation.timeout 09:01:16; canceled "hangup" 09:01:40 → abandoned (wait 40, not
//               short); bert's ring counts unanswered
//   T3 support  (callback form) entered 09:02:00; canceled "Task TTL Exceeded" 09:07:00 → dequeued
//               (timeout; the max wait leaves it out)
//   T4 support  entered 09:05:00; moved to sales 09:05:30 → dequeued (overflow) from support, queued in
//               sales; bert's acceptance 09:05:35 is delivered before the reservation's creation
//               09:05:32 (wait 5, within); wrapup 09:07:35 (talk 120); completed 09:07:45 (wrap-up 10)
//               → handled in sales, handle 130
//   T5 sales    entered 09:16:00; rings anna 09:16:01, accepted 09:16:30 (wait 30, not within) — the
//               acceptance is delivered twice (its 2nd copy is a duplicate); completed 09:18:30 without
//               a wrapup → ended and completed there (talk 120, wrap-up 0), handle 120
//   bert: Break 09:10:00–09:15:00; anna Offline 09:20:00 (logout).
//   Skipped: workflow.entered, a chat task (2). Rejected: the truncated last line (malformed_json),
//   the duplicate (1).
//
// support 09:00: offered T1 T2 T3 T4 = 4; answered T1 = 1, within 1; abandoned T2 = 1, short 0;
//   dequeued T3 T4 = 2; handled T1 = 1, AHT 210, talk 180, wrap-up 30; SL 1 / (1 + 1 − 0) = 0.5;
//   abandon rate 1 / (1 + 1 + 2) = 0.25; ASA 5; max wait 40 (T2; T1 waited 5).
// sales 09:00: offered T4 = 1; answered 1, within 1; handled 1, AHT 130, talk 120, wrap-up 10; SL 1;
//   abandon rate 0 / 1 = 0; ASA 5; max wait 5.
// sales 09:15: offered T5 = 1; answered 1, within 0; handled 1, AHT 120, talk 120, wrap-up 0; SL 0 / 1
//   = 0; abandon rate 0; ASA 30; max wait 30.
#[test]
fn a_morning_of_taskrouter_events_gives_the_report_worked_out_by_hand() {
    let output = callboard(&["report", "--interval", "15m", "--format", "csv"]);
    let csv = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        csv.lines().collect::<Vec<_>>(),
        [
            "tenant,queue,interval_start,offered,answered,answered_within_threshold,abandoned,short_abandoned,dequeued,handled,service_level,abandon_rate,asa_seconds,aht_seconds,avg_talk_seconds,avg_hold_seconds,avg_wrap_up_seconds,max_wait_seconds",
            "acme,sales,2026-11-23T09:00:00Z,1,1,1,0,0,0,1,1,0,5,130,120,0,10,5",
            "acme,sales,2026-11-23T09:15:00Z,1,1,0,0,0,0,1,0,0,30,120,120,0,0,30",
            "acme,support,2026-11-23T09:00:00Z,4,1,1,1,0,2,1,0.5,0.25,5,210,180,0,30,40",
        ]
    );
    let summary = String::from_utf8(output.stderr).unwrap();
    assert!(
        summary.contains("rejected (malformed_json 1, duplicate 1)"),
        "{summary}"
    );
    assert!(
        summary.contains("2 TaskRouter records skipped"),
        "{summary}"
    );
}

// The snapshot at the latest event, anna's logout at 09:20:00: nobody waits; bert available (since
// 09:15:00), handled T4 today = 1, one ring unanswered (T2); anna logged out, handled T1 and T5 = 2, no
// ring unanswered.
#[test]
fn the_morning_ends_with_the_agents_worked_out_by_hand() {
    let output = callboard(&["replay", "--compact"]);
    let snapshot: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let tenant = &snapshot["tenants"][0];
    for queue in tenant["queues"].as_array().unwrap() {
        assert_eq!(queue["calls_waiting"], 0, "{queue}");
    }
    let mut agents: Vec<(String, String, u64, u64)> = tenant["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|agent| {
            let windows = agent["windows"].as_array().unwrap();
            let today = windows.iter().find(|w| w["window"] == "today").unwrap();
            (
                agent["agent"].as_str().unwrap().to_string(),
                agent["state"].as_str().unwrap().to_string(),
                today["handled"].as_u64().unwrap(),
                today["rings_unanswered"].as_u64().unwrap(),
            )
        })
        .collect();
    agents.sort();
    assert_eq!(
        agents,
        [
            ("anna".to_string(), "logged_out".to_string(), 2, 0),
            ("bert".to_string(), "available".to_string(), 1, 1),
        ]
    );
}
