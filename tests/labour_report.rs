//! `callboard report --by team` with a configuration's labour rates, worked by hand: the real binary on
//! a morning of three agents in two teams.

mod common;

use common::callboard_on_stdin;

/// ann (north, 32 an hour) is on 09:00–09:30 and handles c1 09:02–09:06 (4 min talk) with 1 min
/// wrap-up; bob (north) is on 09:10–09:30; cy (south, 28 an hour) 09:00–09:15. In 15-minute intervals:
/// - north 09:00: 2 agents, 900 + 300 = 1,200 s, cost 1,200 / 3,600 × 32 = 10.666667, 1 handled (300 s
///   of handle), occupancy 300 / 1,200 = 0.25, 10.666667 per call;
/// - north 09:15: 2 agents, 900 + 900 = 1,800 s, cost 16, nothing handled;
/// - south 09:00: 1 agent, 900 s, cost 7.
#[test]
fn the_team_report_sums_its_agents_time_and_cost_by_interval() {
    let dir = std::env::temp_dir().join(format!("callboard-labour-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("labour.toml");
    std::fs::write(
        &config,
        "[defaults.labour]\nhourly_cost = 30\nteam_hourly_cost = { north = 32, south = 28 }\n",
    )
    .unwrap();
    let events = [
        r#"{"type":"agent.login","time":"2026-11-23T09:00:00Z","tenant":"acme","agent":"ann","team":"north"}"#,
        r#"{"type":"agent.login","time":"2026-11-23T09:00:00Z","tenant":"acme","agent":"cy","team":"south"}"#,
        r#"{"type":"call.queued","time":"2026-11-23T09:02:00Z","tenant":"acme","call":"c1","queue":"billing"}"#,
        r#"{"type":"call.answered","time":"2026-11-23T09:02:00Z","tenant":"acme","call":"c1","queue":"billing","agent":"ann"}"#,
        r#"{"type":"call.ended","time":"2026-11-23T09:06:00Z","tenant":"acme","call":"c1","agent":"ann"}"#,
        r#"{"type":"call.completed","time":"2026-11-23T09:07:00Z","tenant":"acme","call":"c1","agent":"ann"}"#,
        r#"{"type":"agent.login","time":"2026-11-23T09:10:00Z","tenant":"acme","agent":"bob","team":"north"}"#,
        r#"{"type":"agent.logout","time":"2026-11-23T09:15:00Z","tenant":"acme","agent":"cy"}"#,
        r#"{"type":"agent.logout","time":"2026-11-23T09:30:00Z","tenant":"acme","agent":"ann"}"#,
        r#"{"type":"agent.logout","time":"2026-11-23T09:30:00Z","tenant":"acme","agent":"bob"}"#,
    ]
    .join("\n");
    let config = config.to_str().unwrap();
    let args = ["report", "--input", "-", "--by", "team", "--config", config];
    let csv = String::from_utf8(callboard_on_stdin(&args, events.as_bytes())).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines,
        [
            "tenant,team,interval_start,agents,logged_in_seconds,handled,handle_seconds,occupancy,labour_cost,labour_cost_per_handled_call",
            "acme,north,2026-11-23T09:00:00Z,2,1200,1,300,0.25,10.666667,10.666667",
            "acme,north,2026-11-23T09:15:00Z,2,1800,0,0,0,16,",
            "acme,south,2026-11-23T09:00:00Z,1,900,0,0,0,7,",
        ],
        "{csv}"
    );
}
