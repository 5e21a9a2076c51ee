//! An agent's shift as data, replayed through the decoder and the engine like `tests/scenarios.rs`, against
//! values worked out by hand below: quota progress and pace (`quota_shift.jsonl`), and outbound results
//! and CSAT over each of the agent's windows (`agent_outbound_windows.jsonl`).

use std::path::Path;

use callboard::board::Board;
use callboard::center::settings::{CenterSettings, Quota, QuotaCount, HOUR};
use callboard::center::snapshot::{AgentSnapshot, AgentWindow, CenterSnapshot, QuotaStatus};
use callboard::decode::DecodeLimits;
use callboard::event::Millis;
use callboard::export::metrics::{render, ExpositionSettings, KpiCollector};
use callboard::telemetry::Telemetry;
use callboard::tenants::Tenants;

fn at(text: &str) -> Millis {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .timestamp_millis()
}

fn quota(name: &str, count: QuotaCount, target: f64, per_hour: bool) -> Quota {
    Quota {
        name: name.to_string(),
        count,
        target,
        per_hour,
        agent: None,
        team: None,
        shift_length_ms: 2 * HOUR,
    }
}

/// The quotas of the scenario, every shift 2 h long. `handled_per_hour` is set three times, the agent's
/// first and the team's last, so the winner cannot depend on the order of the configuration.
fn quotas() -> Vec<Quota> {
    vec![
        Quota {
            agent: Some("a2".into()),
            ..quota("handled_per_hour", QuotaCount::Handled, 4.0, true)
        },
        quota("handled_per_hour", QuotaCount::Handled, 10.0, true),
        quota("dials_per_hour", QuotaCount::Dialed, 12.0, true),
        Quota {
            team: Some("north".into()),
            ..quota("handled_per_hour", QuotaCount::Handled, 6.0, true)
        },
        quota("successes_per_shift", QuotaCount::Successes, 4.0, false),
    ]
}

/// The events of `file` with time up to `until`, replayed; the snapshot at `until`.
fn replay_until(file: &str, until: &str) -> CenterSnapshot {
    let settings_of = std::sync::Arc::new(|_: &str| CenterSettings {
        quotas: quotas(),
        ..CenterSettings::default()
    });
    let mut tenants = Tenants::new(settings_of, DecodeLimits::default());
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scenarios")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let until = at(until);
    for (number, line) in text.lines().enumerate() {
        let event: serde_json::Value = serde_json::from_str(line).unwrap();
        if at(event["time"].as_str().unwrap()) <= until {
            tenants.ingest_json(line.as_bytes(), number as u64 + 1);
        }
    }
    tenants.finish();
    let center = tenants.center("acme").expect("tenant present");
    assert_eq!(center.rejected().total(), 0);
    center.snapshot(until)
}

fn agent<'a>(snapshot: &'a CenterSnapshot, name: &str) -> &'a AgentSnapshot {
    snapshot
        .agents
        .iter()
        .find(|agent| agent.agent == name)
        .expect("agent present")
}

fn close(actual: Option<f64>, expected: f64) {
    let actual = actual.expect("figure defined");
    assert!((actual - expected).abs() < 1e-9, "{actual} != {expected}");
}

/// Checks an agent's quotas: exactly these names in this order, each (actual, shift target, progress,
/// pace).
fn check(agent: &AgentSnapshot, expected: [(&str, u64, f64, f64, f64); 3]) {
    let names: Vec<&str> = agent.quotas.iter().map(|q| q.quota.as_str()).collect();
    assert_eq!(
        names,
        expected.map(|(name, ..)| name),
        "agent {}",
        agent.agent
    );
    for (status, (name, actual, target, progress, pace)) in agent.quotas.iter().zip(expected) {
        let QuotaStatus {
            actual: got_actual,
            target: got_target,
            ..
        } = status;
        assert_eq!(
            (*got_actual, *got_target),
            (actual, target),
            "{} {name}",
            agent.agent
        );
        close(status.progress, progress);
        close(status.pace, pace);
    }
}

// quota_shift.jsonl (UTC). a1 (team north) and a2 (team north) log in at 08:00, a3 (no team) at 08:30.
//   a1: inbound c1 handled 08:10; dials d1 (connected, success 08:21), d2 (connected, failure 08:31),
//       d3 (connected, success 08:41), d4 (not connected, 08:45:40); after 09:00, d5 (connected, success
//       10:05). By 09:00: dialed 4, successes 2, handled 4 (c1, d1, d2, d3; d4 never connected).
//       By 10:30: dialed 5, successes 3, handled 5.
//   a2: dials e1 (connected, success 08:16), e2 (connected, failure 08:52); logs out at 09:00.
//       dialed 2, successes 1, handled 2.
//   a3: dials f1 (no answer), f2 (connected, success 08:46), f3 (no answer); logs out at 10:30.
//       dialed 3, successes 1, handled 1.
// Shift targets (2 h shifts): handled_per_hour everyone 10/h → 20, team north 6/h → 12, agent a2
// 4/h → 8; dials_per_hour 12/h → 24; successes_per_shift 4.
// Elapsed share at 09:00: a1 1 h / 2 h = 0.5; a2 logged out at 09:00, 0.5; a3 0.5 h / 2 h = 0.25.
//   a1 handled (team wins over everyone): progress 4/12 = 1/3, pace 4 / (12 × 0.5) = 2/3
//      dials 4/24 = 1/6, pace 4 / 12 = 1/3; successes 2/4 = 0.5, pace 2 / (4 × 0.5) = 1
//   a2 handled (agent wins over team and everyone): 2/8 = 0.25, pace 2 / (8 × 0.5) = 0.5
//      dials 2/24 = 1/12, pace 2 / 12 = 1/6; successes 1/4, pace 1 / 2 = 0.5
//   a3 handled (everyone): 1/20 = 0.05, pace 1 / (20 × 0.25) = 0.2
//      dials 3/24 = 0.125, pace 3 / 6 = 0.5; successes 1/4, pace 1 / (4 × 0.25) = 1
#[test]
fn progress_and_pace_mid_shift_with_the_most_specific_quota() {
    let snapshot = replay_until("quota_shift.jsonl", "2026-11-23T09:00:00Z");
    check(
        agent(&snapshot, "a1"),
        [
            ("handled_per_hour", 4, 12.0, 1.0 / 3.0, 2.0 / 3.0),
            ("dials_per_hour", 4, 24.0, 1.0 / 6.0, 1.0 / 3.0),
            ("successes_per_shift", 2, 4.0, 0.5, 1.0),
        ],
    );
    check(
        agent(&snapshot, "a2"),
        [
            ("handled_per_hour", 2, 8.0, 0.25, 0.5),
            ("dials_per_hour", 2, 24.0, 1.0 / 12.0, 1.0 / 6.0),
            ("successes_per_shift", 1, 4.0, 0.25, 0.5),
        ],
    );
    check(
        agent(&snapshot, "a3"),
        [
            ("handled_per_hour", 1, 20.0, 0.05, 0.2),
            ("dials_per_hour", 3, 24.0, 0.125, 0.5),
            ("successes_per_shift", 1, 4.0, 0.25, 1.0),
        ],
    );
}

// At 10:30 a1 has been logged in 2.5 h of a 2 h shift: the elapsed share stays 1, so pace = progress:
//   handled 5/12, dials 5/24, successes 3/4.
// a2 logged out at 09:00: its shift ended there, so its figures are those of 09:00 (had the clock run
// on, the share would be 1 and the handled pace 2/8 = 0.25, not 0.5).
// a3 logged out at 10:30 after exactly 2 h: share 1, pace = progress (0.05, 0.125, 0.25).
#[test]
fn overtime_clamps_the_elapsed_share_and_logout_freezes_the_shift() {
    let snapshot = replay_until("quota_shift.jsonl", "2026-11-23T10:30:00Z");
    check(
        agent(&snapshot, "a1"),
        [
            ("handled_per_hour", 5, 12.0, 5.0 / 12.0, 5.0 / 12.0),
            ("dials_per_hour", 5, 24.0, 5.0 / 24.0, 5.0 / 24.0),
            ("successes_per_shift", 3, 4.0, 0.75, 0.75),
        ],
    );
    check(
        agent(&snapshot, "a2"),
        [
            ("handled_per_hour", 2, 8.0, 0.25, 0.5),
            ("dials_per_hour", 2, 24.0, 1.0 / 12.0, 1.0 / 6.0),
            ("successes_per_shift", 1, 4.0, 0.25, 0.5),
        ],
    );
    check(
        agent(&snapshot, "a3"),
        [
            ("handled_per_hour", 1, 20.0, 0.05, 0.05),
            ("dials_per_hour", 3, 24.0, 0.125, 0.125),
            ("successes_per_shift", 1, 4.0, 0.25, 0.25),
        ],
    );
}

/// The values of the exposition's series whose line starts with `series` followed by a space.
fn series_values(text: &str, series: &str) -> Vec<f64> {
    text.lines()
        .filter_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map(|value| value.parse().unwrap())
        .collect()
}

// The bug: a center-wide and a team `handled_per_hour` gave a1 two series with identical labels. Now
// one series per quota name: a1's pace and progress are the team's (2/3 and 1/3 at 09:00, above).
#[test]
fn one_series_per_quota_name_in_the_exposition() {
    let board = Board::new(1);
    board.publish(replay_until("quota_shift.jsonl", "2026-11-23T09:00:00Z"));
    let text = render(
        &KpiCollector::new(board, ExpositionSettings::default()),
        &Telemetry::new(),
    );
    let labels = r#"{tenant="acme",agent="a1",team="north",quota="handled_per_hour"}"#;
    for (family, expected) in [
        ("callboard_agent_quota_pace_ratio", 2.0 / 3.0),
        ("callboard_agent_quota_progress_ratio", 1.0 / 3.0),
    ] {
        let values = series_values(&text, &format!("{family}{labels}"));
        assert_eq!(values.len(), 1, "{family}: {values:?}\n{text}");
        assert!((values[0] - expected).abs() < 1e-9, "{family}: {values:?}");
    }
}

fn window<'a>(agent: &'a AgentSnapshot, name: &str) -> &'a AgentWindow {
    agent
        .windows
        .iter()
        .find(|window| window.window == name)
        .expect("window present")
}

// agent_outbound_windows.jsonl: o1 works the campaign "renewals" 07:00–08:00, logs out, and is back from
// 08:30 (the session). Every dial, connect, success (completed with outcome success) and survey, in UTC:
//   dialed: g1 07:10, g2 08:40, g3 08:50, g4 09:10, g5 09:36, g6 09:50
//   connected: g1 07:10:10, g2 08:40:20, g4 09:10:10, g5 09:36:05 (g3 and g6 never connect)
//   success: g1 07:13, g4 09:21, g5 09:41 (g2 failed)
//   surveys (score / scale): 07:20 2/5 = 0.4, 08:35 1/5 = 0.2, 09:05 4/5 = 0.8, 09:35 9/10 = 0.9,
//                            09:55 5/5 = 1
// At 10:00, each window holds the counts with time in it:
//   15m (09:45, 10:00]: dialed 1 (g6), connected 0, successes 0: contact rate 0/1 = 0, conversion 0/0
//       undefined; surveys 1, CSAT 1
//   30m (09:30, 10:00]: dialed 2, connected 1, successes 1: contact 1/2, conversion 1; surveys 0.9 and
//       1, CSAT 0.95
//   1h (09:00, 10:00]: dialed 3, connected 2, successes 2: contact 2/3, conversion 1; surveys 0.8, 0.9,
//       1, CSAT 0.9; handled 2 (g4, g5)
//   today: dialed 6, connected 4, successes 3: contact 4/6, conversion 3/4; surveys 5, CSAT 3.3 / 5
//   session (from 08:30): dialed 5, connected 3, successes 2: contact 3/5, conversion 2/3; surveys 4
//       (0.2, 0.8, 0.9, 1), CSAT 2.9 / 4
#[test]
fn outbound_results_and_csat_over_each_agent_window() {
    let snapshot = replay_until("agent_outbound_windows.jsonl", "2026-11-23T10:00:00Z");
    let o1 = agent(&snapshot, "o1");
    let names: Vec<&str> = o1.windows.iter().map(|w| w.window.as_str()).collect();
    assert_eq!(names, ["15m", "30m", "1h", "today", "session"]);
    // (window, dialed, connected, successes, contact rate, conversion, surveys, CSAT)
    let expected = [
        ("15m", 1, 0, 0, Some(0.0), None, 1, Some(1.0)),
        ("30m", 2, 1, 1, Some(0.5), Some(1.0), 2, Some(0.95)),
        ("1h", 3, 2, 2, Some(2.0 / 3.0), Some(1.0), 3, Some(0.9)),
        (
            "today",
            6,
            4,
            3,
            Some(4.0 / 6.0),
            Some(0.75),
            5,
            Some(3.3 / 5.0),
        ),
        (
            "session",
            5,
            3,
            2,
            Some(0.6),
            Some(2.0 / 3.0),
            4,
            Some(2.9 / 4.0),
        ),
    ];
    for (name, dialed, connected, successes, contact_rate, conversion, surveys, csat) in expected {
        let window = window(o1, name);
        assert_eq!(
            (
                window.contacts.dialed,
                window.contacts.connected,
                window.contacts.successes,
                window.contacts.surveys
            ),
            (dialed, connected, successes, surveys),
            "{name}"
        );
        for (figure, actual, expected) in [
            ("contact rate", window.contacts.contact_rate, contact_rate),
            ("conversion", window.contacts.conversion, conversion),
            ("csat", window.contacts.csat, csat),
        ] {
            match (actual, expected) {
                (Some(actual), Some(expected)) => {
                    assert!(
                        (actual - expected).abs() < 1e-9,
                        "{name} {figure}: {actual} != {expected}"
                    )
                }
                _ => assert_eq!(actual, expected, "{name} {figure}"),
            }
        }
    }
    assert_eq!(window(o1, "1h").handled, 2);
    // The snapshot's today figures are the today window's.
    assert_eq!(
        (
            o1.contacts.dialed,
            o1.contacts.connected,
            o1.contacts.successes,
            o1.contacts.surveys
        ),
        (6, 4, 3, 5)
    );
}
