//! `callboard staffing` as a manager runs it: the real binary, its table, its JSON and its refusals.
//! Expected values come from the textbook Erlang C formula written out below (not `kpi::erlang`) and
//! from `tests/reference/erlang_a.py`.

use std::process::{Command, Output};

fn staffing(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_callboard"))
        .arg("staffing")
        .args(args)
        .output()
        .expect("callboard runs")
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// Erlang C from its textbook definition, with the Poisson terms Aᵏ/k! built one by one:
/// C = (Aⁿ/n! · n/(n−A)) / (Σ_{k<n} Aᵏ/k! + Aⁿ/n! · n/(n−A)); SL = 1 − C·e^{−(n−A)t/AHT};
/// ASA = C·AHT/(n−A); occupancy = A/n. Returns (P(wait), SL, ASA, occupancy).
fn textbook_erlang_c(
    n: u32,
    calls_per_hour: f64,
    aht: f64,
    threshold: f64,
) -> (f64, f64, f64, f64) {
    let traffic = calls_per_hour * aht / 3600.0;
    let n_f = f64::from(n);
    assert!(traffic < n_f);
    let mut term = 1.0;
    let mut below = 0.0;
    for k in 0..n {
        below += term;
        term *= traffic / f64::from(k + 1);
    }
    let top = term * n_f / (n_f - traffic);
    let c = top / (below + top);
    (
        c,
        1.0 - c * (-(n_f - traffic) * threshold / aht).exp(),
        c * aht / (n_f - traffic),
        traffic / n_f,
    )
}

fn textbook_required(calls_per_hour: f64, aht: f64, threshold: f64, target: f64) -> u32 {
    let traffic = calls_per_hour * aht / 3600.0;
    (traffic.floor() as u32 + 1..)
        .find(|&n| textbook_erlang_c(n, calls_per_hour, aht, threshold).1 >= target)
        .unwrap()
}

/// The agent count of the row marked ▶ and of the closing "▶ N agents …" line.
fn marked(text: &str) -> (u32, u32) {
    let lines: Vec<&str> = text.lines().filter(|line| line.starts_with('▶')).collect();
    assert_eq!(lines.len(), 2, "{text}");
    let count = |line: &str| {
        line.trim_start_matches('▶')
            .split_whitespace()
            .next()
            .unwrap()
            .parse::<u32>()
            .unwrap()
    };
    (count(lines[0]), count(lines[1]))
}

/// 360 calls/hour, AHT 240 s (24 erlangs), 80 % in 20 s. By `tests/reference/erlang_a.py` as well:
/// SL 0.7613 at 28 agents, 0.8403 at 29, so 29.
#[test]
fn the_marked_answer_is_the_erlang_c_count() {
    let expected = textbook_required(360.0, 240.0, 20.0, 0.8);
    assert_eq!(expected, 29);
    let text = stdout(&staffing(&[
        "--calls-per-hour",
        "360",
        "--aht",
        "240",
        "--threshold",
        "20",
        "--target",
        "0.8",
    ]));
    assert_eq!(marked(&text), (expected, expected));
    // The marked row shows the service level to one decimal of a percent: 84.0 %.
    let row = text.lines().find(|line| line.starts_with('▶')).unwrap();
    let level = textbook_erlang_c(29, 360.0, 240.0, 20.0).1;
    assert!(
        row.contains(&format!("{:.1}%", level * 100.0)),
        "{row} vs {level}"
    );
}

#[test]
fn json_rows_agree_with_the_textbook_formula() {
    let output = staffing(&[
        "--calls-per-hour",
        "360",
        "--aht",
        "240",
        "--threshold",
        "20",
        "--target",
        "0.8",
        "--json",
    ]);
    let value: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    assert_eq!(value["model"], "erlang_c");
    assert_eq!(value["required_agents"], 29);
    assert_eq!(value["traffic_erlangs"], 24.0);
    let rows = value["rows"].as_array().unwrap();
    assert!(!rows.is_empty());
    for row in rows {
        let n = row["agents"].as_u64().unwrap() as u32;
        let (c, level, asa, occupancy) = textbook_erlang_c(n, 360.0, 240.0, 20.0);
        let number = |name: &str| row[name].as_f64().unwrap();
        for (name, expected) in [
            ("wait_probability", c),
            ("service_level", level),
            ("asa_seconds", asa),
            ("occupancy", occupancy),
        ] {
            assert!(
                (number(name) - expected).abs() < 1e-9 * expected.max(1.0),
                "{n} agents, {name}: {} != {expected}",
                number(name)
            );
        }
        assert_eq!(row["meets_target"], level >= 0.8, "{n} agents");
        assert!(row.get("abandonment").is_none());
    }
    let first_meeting = rows.iter().find(|row| row["meets_target"] == true).unwrap();
    assert_eq!(first_meeting["agents"], 29);
}

/// The worked case (100 calls per 30 minutes, AHT 3 minutes, 80 % in 20 s) needs 14 agents on the
/// phones; with 30 % shrinkage 14 / 0.7 = 20 must be scheduled.
#[test]
fn shrinkage_gives_the_scheduled_headcount() {
    let args = [
        "--calls-per-hour",
        "200",
        "--aht",
        "3m",
        "--shrinkage",
        "0.3",
    ];
    assert_eq!(textbook_required(200.0, 180.0, 20.0, 0.8), 14);
    let text = stdout(&staffing(&args));
    assert_eq!(marked(&text), (14, 14));
    assert!(text.contains("Schedule 20 agents"), "{text}");
    let mut with_json = args.to_vec();
    with_json.push("--json");
    let value: serde_json::Value = serde_json::from_str(&stdout(&staffing(&with_json))).unwrap();
    assert_eq!(value["required_agents"], 14);
    assert_eq!(value["scheduled_agents"], 20);
}

/// The what-if cost: at 32 an hour, the worked case's 14 agents with 30 % shrinkage schedule 20, which
/// cost 20 × 32 = 640 an hour; each row costs its own scheduled headcount (11 on the phones: 11 / 0.7 →
/// 16 scheduled, 512).
#[test]
fn a_cost_per_hour_prices_every_row_and_the_schedule() {
    let args = [
        "--calls-per-hour",
        "200",
        "--aht",
        "3m",
        "--shrinkage",
        "30%",
        "--cost-per-hour",
        "32",
    ];
    let text = stdout(&staffing(&args));
    assert!(text.contains("cost/hour"), "{text}");
    assert!(
        text.contains("They cost 640.00 per hour (20 scheduled × 32.00)."),
        "{text}"
    );
    let mut with_json = args.to_vec();
    with_json.push("--json");
    let value: serde_json::Value = serde_json::from_str(&stdout(&staffing(&with_json))).unwrap();
    assert_eq!(value["scheduled_cost_per_hour"], 640.0);
    for row in value["rows"].as_array().unwrap() {
        let agents = row["agents"].as_f64().unwrap();
        let scheduled = (agents / 0.7 - 1e-9).ceil();
        assert_eq!(
            row["cost_per_hour"].as_f64().unwrap(),
            scheduled * 32.0,
            "{row}"
        );
    }
    let eleven = value["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["agents"] == 11)
        .unwrap();
    assert_eq!(eleven["cost_per_hour"], 512.0);
    let refused = staffing(&[
        "--calls-per-hour",
        "200",
        "--aht",
        "3m",
        "--cost-per-hour",
        "-1",
    ]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--cost-per-hour"));
}

/// The bug of issue 5's audit: with a 10 s patience, 100 erlangs need fewer than 100 agents. By
/// `tests/reference/erlang_a.py`: SL 0.7922 at 81 agents, 0.8010 at 82.
#[test]
fn short_patience_marks_fewer_agents_than_erlangs() {
    let args = [
        "--calls-per-hour",
        "2000",
        "--aht",
        "180",
        "--patience",
        "10",
    ];
    assert_eq!(marked(&stdout(&staffing(&args))), (82, 82));
    let mut with_json = args.to_vec();
    with_json.push("--json");
    let value: serde_json::Value = serde_json::from_str(&stdout(&staffing(&with_json))).unwrap();
    assert_eq!(value["model"], "erlang_a");
    let meeting: Vec<(u64, bool)> = value["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["agents"].as_u64().unwrap(),
                row["meets_target"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        meeting,
        [
            (79, false),
            (80, false),
            (81, false),
            (82, true),
            (83, true),
            (84, true),
            (85, true)
        ]
    );
}

#[test]
fn no_calls_need_no_agents() {
    let text = stdout(&staffing(&["--calls-per-hour", "0", "--aht", "180"]));
    assert!(text.contains("No calls: 0 agents are needed."), "{text}");
    assert!(!text.contains('▶'), "{text}");
}

#[test]
fn bad_input_fails_naming_the_flag() {
    let cases: [(&[&str], &str); 9] = [
        (&["--target", "1.5"], "--target"),
        (&["--target", "0"], "--target"),
        (&["--target", "100%"], "--target"),
        (&["--aht", "0"], "--aht"),
        (&["--aht", "NaN"], "--aht"),
        (&["--calls-per-hour", "-5"], "--calls-per-hour"),
        (&["--calls-per-hour", "NaN"], "--calls-per-hour"),
        (&["--shrinkage", "100%"], "--shrinkage"),
        (&["--patience", "0"], "--patience"),
    ];
    for (change, flag) in cases {
        // A valid question, with one flag replaced by a bad value.
        let mut args = vec!["--calls-per-hour", "200", "--aht", "180"];
        match args.iter().position(|arg| *arg == change[0]) {
            Some(at) => args[at + 1] = change[1],
            None => args.extend_from_slice(change),
        }
        let output = staffing(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(64), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}");
        assert!(
            stderr.starts_with(&format!("callboard: {flag}")),
            "{args:?}: {stderr}"
        );
    }
}
