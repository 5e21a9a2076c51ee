//! Agent scorecards through the binary (`report --by agent --period`), worked by hand: one agent in
//! Europe/Berlin on Friday 30 October, Sunday 1 November and Monday 2 November 2026 — one week boundary
//! (Monday the 2nd) and one month boundary (the 1st) — with an inbound call, a missed ring, lunch, an
//! outbound success, a survey, a held call and a quality review. Every expected figure is below with its
//! arithmetic.

mod common;

use std::collections::BTreeMap;

use common::{callboard_command, callboard_on_stdin};

const CONFIG: &str = r#"
[defaults]
time_zone = "Europe/Berlin"

[defaults.labour]
hourly_cost = 36.0

[[quotas]]
name = "handled_per_hour"
count = "handled"
per = "hour"
target = 4
shift_length = "8h"
"#;

/// Times are UTC; Berlin is UTC+1 on all three days (summer time ended on 25 October).
const EVENTS: &str = r#"
{"type":"agent.login","time":"2026-10-30T07:00:00Z","tenant":"acme","agent":"a1","queues":["sales"],"team":"t1"}
{"type":"agent.state","time":"2026-10-30T07:00:00Z","tenant":"acme","agent":"a1","state":"available"}
{"type":"call.queued","time":"2026-10-30T07:10:00Z","tenant":"acme","call":"c1","queue":"sales"}
{"type":"call.ringing","time":"2026-10-30T07:10:00Z","tenant":"acme","call":"c1","queue":"sales","agent":"a1"}
{"type":"call.answered","time":"2026-10-30T07:10:05Z","tenant":"acme","call":"c1","queue":"sales","agent":"a1"}
{"type":"call.ended","time":"2026-10-30T07:15:05Z","tenant":"acme","call":"c1","agent":"a1"}
{"type":"call.completed","time":"2026-10-30T07:16:05Z","tenant":"acme","call":"c1","agent":"a1"}
{"type":"call.queued","time":"2026-10-30T07:20:00Z","tenant":"acme","call":"c2","queue":"sales"}
{"type":"call.ringing","time":"2026-10-30T07:20:00Z","tenant":"acme","call":"c2","queue":"sales","agent":"a1"}
{"type":"call.abandoned","time":"2026-10-30T07:20:10Z","tenant":"acme","call":"c2","queue":"sales"}
{"type":"agent.state","time":"2026-10-30T07:30:00Z","tenant":"acme","agent":"a1","state":"not_ready","reason":"lunch"}
{"type":"agent.state","time":"2026-10-30T08:00:00Z","tenant":"acme","agent":"a1","state":"available"}
{"type":"call.dialed","time":"2026-10-30T08:00:00Z","tenant":"acme","call":"c3","agent":"a1"}
{"type":"call.connected","time":"2026-10-30T08:00:20Z","tenant":"acme","call":"c3","agent":"a1"}
{"type":"call.ended","time":"2026-10-30T08:05:20Z","tenant":"acme","call":"c3","agent":"a1"}
{"type":"call.completed","time":"2026-10-30T08:06:20Z","tenant":"acme","call":"c3","agent":"a1","outcome":"success"}
{"type":"survey.completed","time":"2026-10-30T08:10:00Z","tenant":"acme","call":"c1","agent":"a1","score":4,"scale":5}
{"type":"agent.logout","time":"2026-10-30T09:00:00Z","tenant":"acme","agent":"a1"}
{"type":"agent.login","time":"2026-11-01T10:00:00Z","tenant":"acme","agent":"a1","queues":["sales"],"team":"t1"}
{"type":"agent.state","time":"2026-11-01T10:00:00Z","tenant":"acme","agent":"a1","state":"not_ready"}
{"type":"agent.state","time":"2026-11-01T10:30:00Z","tenant":"acme","agent":"a1","state":"available"}
{"type":"agent.logout","time":"2026-11-01T11:00:00Z","tenant":"acme","agent":"a1"}
{"type":"agent.login","time":"2026-11-02T08:00:00Z","tenant":"acme","agent":"a1","queues":["sales"],"team":"t1"}
{"type":"agent.state","time":"2026-11-02T08:00:00Z","tenant":"acme","agent":"a1","state":"available"}
{"type":"call.queued","time":"2026-11-02T08:10:00Z","tenant":"acme","call":"c4","queue":"sales"}
{"type":"call.answered","time":"2026-11-02T08:10:00Z","tenant":"acme","call":"c4","queue":"sales","agent":"a1"}
{"type":"call.held","time":"2026-11-02T08:12:00Z","tenant":"acme","call":"c4","agent":"a1"}
{"type":"call.resumed","time":"2026-11-02T08:13:00Z","tenant":"acme","call":"c4","agent":"a1"}
{"type":"call.ended","time":"2026-11-02T08:15:00Z","tenant":"acme","call":"c4","agent":"a1"}
{"type":"call.completed","time":"2026-11-02T08:16:00Z","tenant":"acme","call":"c4","agent":"a1"}
{"type":"agent.logout","time":"2026-11-02T08:30:00Z","tenant":"acme","agent":"a1"}
{"type":"qa.scored","time":"2026-11-02T09:00:00Z","tenant":"acme","call":"c4","agent":"a1","evaluator":"e1","score":8,"max_score":10}
"#;

/// The scorecard CSV for `period`, as header → value maps, one per row.
fn scorecards(period: &str) -> Vec<BTreeMap<String, String>> {
    let dir = std::env::temp_dir().join(format!("callboard-scorecard-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("callboard.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let config = config.to_str().unwrap();
    let args = [
        "report", "--input", "-", "--config", config, "--by", "agent", "--period", period,
    ];
    let csv = String::from_utf8(callboard_on_stdin(&args, EVENTS.trim().as_bytes())).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|line| {
            let cells = line.split(',').map(str::to_string);
            header
                .iter()
                .map(|name| name.to_string())
                .zip(cells)
                .collect()
        })
        .collect()
}

/// Asserts `row`'s figures: numbers within 1e-6 (the report prints six decimals), text exactly.
fn assert_row(row: &BTreeMap<String, String>, expected: &[(&str, &str)]) {
    for (name, want) in expected {
        let got = row.get(*name).unwrap_or_else(|| panic!("no column {name}"));
        match (got.parse::<f64>(), want.parse::<f64>()) {
            (Ok(got), Ok(want)) => assert!(
                (got - want).abs() < 1e-6,
                "{name}: {got} != {want} in {row:?}"
            ),
            _ => assert_eq!(got, want, "{name} in {row:?}"),
        }
    }
}

// Friday 30 October, logged in 07:00–09:00 UTC = 7,200 s:
//   available 07:00–07:10 (600) + 07:16:05–07:20 (235) + 07:20:10–07:30 (590) + 08:06:20–09:00 (3,220)
//     = 4,645 s; ringing 5 (c1) + 10 (c2) + 20 (c3 dialing) = 35 s; talk 300 + 300 = 600 s;
//   wrap-up 60 + 60 = 120 s; lunch 1,800 s. 4,645 + 35 + 600 + 120 + 1,800 = 7,200.
//   busy = 35 + 600 + 120 = 755 s: occupancy 755 / (755 + 4,645) = 0.139815, utilization 755 / 7,200.
//   handled 2 (c1, c3), AHT (720 / 2) = 360 s, talk 300, hold 0, wrap-up 60; c2 rang unanswered.
//   handled_per_hour 4 over 8 h = 32 a shift; 7,200 s is a quarter shift: 2 / 8 = 0.25.
//   cost 2 h × 36 = 72.
const FRIDAY: &[(&str, &str)] = &[
    ("handled", "2"),
    ("aht_seconds", "360"),
    ("avg_talk_seconds", "300"),
    ("avg_hold_seconds", "0"),
    ("avg_wrap_up_seconds", "60"),
    ("logged_in_seconds", "7200"),
    ("available_seconds", "4645"),
    ("not_ready_seconds", "1800"),
    ("not_ready_by_reason", "lunch=1800"),
    ("occupancy", "0.139815"),
    ("utilization", "0.104861"),
    ("rings_unanswered", "1"),
    ("dialed", "1"),
    ("connected", "1"),
    ("successes", "1"),
    ("contact_rate", "1"),
    ("conversion", "1"),
    ("surveys", "1"),
    ("csat", "0.8"),
    ("reviews", "0"),
    ("qa_score", ""),
    ("quota_attainment", "handled_per_hour=0.25"),
    ("labour_cost", "72"),
];

#[test]
fn daily_scorecards_are_the_hand_worked_days() {
    let rows = scorecards("day");
    let starts: Vec<&str> = rows
        .iter()
        .map(|row| row["period_start"].as_str())
        .collect();
    assert_eq!(starts, ["2026-10-30", "2026-11-01", "2026-11-02"]);
    for row in &rows {
        assert_row(row, &[("tenant", "acme"), ("agent", "a1"), ("team", "t1")]);
        assert_row(row, &[("period", "day")]);
    }
    assert_row(&rows[0], FRIDAY);
    // Sunday: 10:00–11:00 logged in, not ready without a reason until 10:30, then available.
    // No busy time: occupancy 0 / 1,800 = 0; attainment 0 of 32 × 3,600 / 28,800 = 4.
    assert_row(
        &rows[1],
        &[
            ("handled", "0"),
            ("aht_seconds", ""),
            ("logged_in_seconds", "3600"),
            ("available_seconds", "1800"),
            ("not_ready_by_reason", "none=1800"),
            ("occupancy", "0"),
            ("utilization", "0"),
            ("contact_rate", ""),
            ("csat", ""),
            ("quota_attainment", "handled_per_hour=0"),
            ("labour_cost", "36"),
        ],
    );
    // Monday: 08:00–08:30; c4 talk 08:10–08:12 and 08:13–08:15 (240 s), hold 60, wrap-up 60; available
    // 600 + 840. busy 360: occupancy 360 / 1,800 = 0.2, utilization 0.2. Attainment 1 of 32 / 16 = 2.
    // The review at 09:00, after the logout, still counts for the day.
    assert_row(
        &rows[2],
        &[
            ("handled", "1"),
            ("aht_seconds", "360"),
            ("avg_talk_seconds", "240"),
            ("avg_hold_seconds", "60"),
            ("avg_wrap_up_seconds", "60"),
            ("logged_in_seconds", "1800"),
            ("available_seconds", "1440"),
            ("not_ready_seconds", "0"),
            ("not_ready_by_reason", ""),
            ("occupancy", "0.2"),
            ("utilization", "0.2"),
            ("rings_unanswered", "0"),
            ("dialed", "0"),
            ("reviews", "1"),
            ("qa_score", "0.8"),
            ("quota_attainment", "handled_per_hour=0.5"),
            ("labour_cost", "18"),
        ],
    );
}

#[test]
fn weekly_and_monthly_scorecards_sum_their_days_and_recompute_ratios() {
    // Week of Monday 26 October: Friday and Sunday. 10,800 s logged in, available 4,645 + 1,800, busy
    // 755: occupancy 755 / 7,200, utilization 755 / 10,800; attainment 2 / (32 × 10,800 / 28,800 = 12).
    let weeks = scorecards("week");
    let starts: Vec<&str> = weeks
        .iter()
        .map(|row| row["period_start"].as_str())
        .collect();
    assert_eq!(starts, ["2026-10-26", "2026-11-02"]);
    assert_row(
        &weeks[0],
        &[
            ("period", "week"),
            ("handled", "2"),
            ("logged_in_seconds", "10800"),
            ("available_seconds", "6445"),
            ("not_ready_seconds", "3600"),
            ("not_ready_by_reason", "lunch=1800;none=1800"),
            ("occupancy", "0.104861"),
            ("utilization", "0.069907"),
            ("quota_attainment", "handled_per_hour=0.166667"),
            ("labour_cost", "108"),
        ],
    );
    // October holds Friday alone (the same figures); November Sunday and Monday: 5,400 s logged in,
    // available 3,240, busy 360: occupancy 0.1, utilization 360 / 5,400; attainment 1 / 6.
    let months = scorecards("month");
    let starts: Vec<&str> = months
        .iter()
        .map(|row| row["period_start"].as_str())
        .collect();
    assert_eq!(starts, ["2026-10-01", "2026-11-01"]);
    assert_row(&months[0], FRIDAY);
    assert_row(
        &months[1],
        &[
            ("period", "month"),
            ("handled", "1"),
            ("aht_seconds", "360"),
            ("logged_in_seconds", "5400"),
            ("available_seconds", "3240"),
            ("not_ready_by_reason", "none=1800"),
            ("occupancy", "0.1"),
            ("utilization", "0.066667"),
            ("quota_attainment", "handled_per_hour=0.166667"),
            ("qa_score", "0.8"),
            ("labour_cost", "54"),
        ],
    );
}

#[test]
fn a_period_without_agent_rows_is_refused_with_the_reason() {
    let mut command = callboard_command();
    command.args(["report", "--input", "-", "--by", "queue", "--period", "day"]);
    let output = command.output().unwrap();
    assert_eq!(output.status.code(), Some(64), "a usage error (EX_USAGE)");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--period gives agent scorecards"),
        "{stderr}"
    );
}
