//! The Amazon Connect agent event stream end to end through `callboard report` and `callboard
//! replay`: a hand-written morning of agent events alone
//! (`tests/scenarios/amazon_connect/agents_morning.jsonl`, read as `amazon_connect_agent_events`),
//! and the same calls told by both feeds on one input
//! (`tests/scenarios/amazon_connect/both_feeds_morning.jsonl`, read as
//! `amazon_connect_contact_events`: contact events own the calls, agent events add rings, holds and
//! agents' status). Records follow AWS's agent event stream data model (`Version` "2017-10-01", the
//! shape of the real 2019 capture) and EventBridge contact events; figures are worked out by hand
//! below.

mod common;

use std::process::Output;

const AGENTS_ONLY: &str = "tests/scenarios/amazon_connect/agents_morning.jsonl";
const BOTH_FEEDS: &str = "tests/scenarios/amazon_connect/both_feeds_morning.jsonl";

fn callboard(input: &str, format: &str, args: &[&str]) -> Output {
    let mut command = common::callboard_command();
    command
        .args(args)
        .args(["--input", input, "--input-format", format])
        .args(["--tenant", "acme"])
        // Contact events know agents and queues by ARN only: named here, both feeds name them alike.
        .args([
            "--arn-name",
            "agent-ana-0001=ana",
            "--arn-name",
            "agent-ben-0002=ben",
        ])
        .args(["--arn-name", "q-support-0001=Support"]);
    common::succeeded(command)
}

fn lines(output: &Output) -> Vec<String> {
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

// The morning of tenant acme (2026-11-23, UTC; threshold 20 s, short-abandon limit 5 s), one queue,
// Support; agents ana and ben (Username; ARNs …/agent/agent-ana-0001, …/agent/agent-ben-0002):
//   09:00:00 both LOGIN, status Available (ROUTABLE) since 09:00:00.
//   c1  QueueTimestamp 09:01:00; CONNECTING at ana 09:01:02; CONNECTED 09:01:06
//       (ConnectedToAgentTimestamp 09:01:06: wait 6, within); CONNECTED_ONHOLD 09:02:00, CONNECTED
//       09:02:40 (hold 40); ENDED 09:04:06 (talk 180 − 40 = 140); gone from ana's snapshot 09:04:36
//       (wrap-up 30) → handle 210. The ENDED record is delivered twice: its copy tells nothing.
//   c2  QueueTimestamp 09:05:00; CONNECTING at ben 09:05:01, MISSED 09:05:21, gone 09:05:31;
//       CONNECTING at ana 09:05:22 (ben's ring ends unanswered: ringing 21), CONNECTED 09:05:26 with
//       ConnectedToAgentTimestamp null (the answer is the state's start: wait 26, not within; ana
//       ringing 4); ENDED 09:08:26 (talk 180); gone 09:08:46 (wrap-up 20) → handle 200.
//   ben Break (CUSTOM) 09:06:00–09:10:00 (not ready 240). ana HEART_BEAT 09:10:46 (nothing).
//   c3  QueueTimestamp 09:11:00; CONNECTING at ben 09:11:01; CONNECTED 09:11:05 (wait 5, within;
//       ringing 4), ENDED 09:13:05 (talk 120), gone 09:13:15 (wrap-up 10) → handle 130. The CONNECTED
//       record is delivered after the ENDED one, whose previous snapshot already told the answer.
//   ana LOGOUT 09:14:00, ben LOGOUT 09:14:30 (each also shows status Offline).
//   agents_morning.jsonl also holds one contact event (skipped: agent events own the calls) and a
//   truncated last line (malformed_json).
//
// Support 09:00: offered c1 c2 c3 = 3; answered 3, within 20 s c1 c3 = 2; abandoned 0; dequeued 0;
//   handled 3; SL 2 / 3 = 0.666667; abandon rate 0 / 3 = 0; ASA (6 + 26 + 5) / 3 = 12.333333; AHT
//   (210 + 200 + 130) / 3 = 180; talk (140 + 180 + 120) / 3 = 146.666667; hold 40 / 3 = 13.333333;
//   wrap-up (30 + 20 + 10) / 3 = 20; max wait 26.
const QUEUE_ROWS: [&str; 2] = [
    "tenant,queue,interval_start,offered,answered,answered_within_threshold,abandoned,short_abandoned,dequeued,handled,service_level,abandon_rate,asa_seconds,aht_seconds,avg_talk_seconds,avg_hold_seconds,avg_wrap_up_seconds,max_wait_seconds",
    "acme,Support,2026-11-23T09:00:00Z,3,3,2,0,0,0,3,0.666667,0,12.333333,180,146.666667,13.333333,20,26",
];

// ana 09:00: logged in 09:00:00–09:14:00 = 840; handled c1 c2 = 2; talk 140 + 180 = 320; hold 40;
//   wrap-up 30 + 20 = 50; ringing 4 + 4 = 8; available 840 − 320 − 40 − 50 − 8 = 422; not ready 0;
//   busy 320 + 40 + 50 + 8 = 418: occupancy 418 / (418 + 422) = 0.497619, utilization 418 / 840 =
//   0.497619.
// ben 09:00: logged in 09:00:00–09:14:30 = 870; handled c3 = 1; talk 120; hold 0; wrap-up 10; ringing
//   21 + 4 = 25; not ready 240; available 870 − 120 − 10 − 25 − 240 = 475; busy 155: occupancy 155 /
//   (155 + 475) = 0.246032, utilization 155 / 870 = 0.178161.
const AGENT_ROWS: [&str; 3] = [
    "tenant,agent,interval_start,handled,talk_seconds,hold_seconds,wrap_up_seconds,available_seconds,not_ready_seconds,logged_in_seconds,occupancy,utilization",
    "acme,ana,2026-11-23T09:00:00Z,2,320,40,50,422,0,840,0.497619,0.497619",
    "acme,ben,2026-11-23T09:00:00Z,1,120,0,10,475,240,870,0.246032,0.178161",
];

const REPORT: [&str; 5] = ["report", "--interval", "15m", "--format", "csv"];
const BY_AGENT: [&str; 7] = [
    "report",
    "--interval",
    "15m",
    "--format",
    "csv",
    "--by",
    "agent",
];

#[test]
fn a_morning_of_agent_events_alone_gives_the_report_worked_out_by_hand() {
    let format = "amazon_connect_agent_events";
    let output = callboard(AGENTS_ONLY, format, &REPORT);
    assert_eq!(lines(&output), QUEUE_ROWS);
    let summary = String::from_utf8(output.stderr).unwrap();
    assert!(
        summary.contains("1 rejected (malformed_json 1)"),
        "{summary}"
    );
    assert!(
        summary.contains("1 Amazon Connect records skipped"),
        "{summary}"
    );
    assert_eq!(
        lines(&callboard(AGENTS_ONLY, format, &BY_AGENT)),
        AGENT_ROWS
    );
}

// Both feeds on one input: contact events tell queued, answered, ended and completed of c1 c2 c3;
// the agent events of the same calls add the rings, c1's hold and the agents' login, status and
// logout. Each call is counted once: the figures are those of the agent events alone, above.
#[test]
fn both_feeds_of_the_same_calls_count_each_call_once() {
    let format = "amazon_connect_contact_events";
    let output = callboard(BOTH_FEEDS, format, &REPORT);
    assert_eq!(lines(&output), QUEUE_ROWS);
    let summary = String::from_utf8(output.stderr).unwrap();
    assert!(summary.contains(", 0 rejected"), "{summary}");
    assert_eq!(lines(&callboard(BOTH_FEEDS, format, &BY_AGENT)), AGENT_ROWS);
}

// The snapshot at the latest event, ben's logout at 09:14:30: nobody waits; both logged out; ana
// handled 2 today with no ring unanswered, ben handled 1 and missed c2's ring (1 unanswered). Alike
// from either input.
#[test]
fn the_morning_ends_with_the_agents_worked_out_by_hand() {
    for (input, format) in [
        (AGENTS_ONLY, "amazon_connect_agent_events"),
        (BOTH_FEEDS, "amazon_connect_contact_events"),
    ] {
        let output = callboard(input, format, &["replay", "--compact"]);
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
                ("ana".to_string(), "logged_out".to_string(), 2, 0),
                ("ben".to_string(), "logged_out".to_string(), 1, 1),
            ],
            "{input}"
        );
    }
}

// simulate cannot write agent events (nor contact events): refused as a usage error (exit 64).
#[test]
fn simulate_refuses_the_agent_event_format() {
    let output = common::callboard_command()
        .args(["simulate", "--format", "amazon_connect_agent_events"])
        .output()
        .expect("callboard runs");
    assert_eq!(output.status.code(), Some(64));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("not amazon_connect_agent_events"),
        "{stderr}"
    );
}
