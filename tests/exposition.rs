//! The Prometheus exposition, rendered from real snapshots: exact lines for hand-worked figures, and
//! Prometheus' own `promtool check metrics` finding nothing to complain about.

use std::io::Write;
use std::process::{Command, Stdio};

use callboard::board::Board;
use callboard::center::levels::{Lines, StateLimits};
use callboard::center::settings::{CenterSettings, Quota, QuotaCount};
use callboard::center::Center;
use callboard::event::{Event, EventKind, Id, Millis, Outcome};
use callboard::export::metrics::{render, ExpositionSettings, KpiCollector};
use callboard::telemetry::Telemetry;

fn at(text: &str) -> Millis {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .timestamp_millis()
}

fn event(time: &str, kind: EventKind) -> Event {
    Event {
        time: at(time),
        tenant: Id::from("acme"),
        id: None,
        kind,
    }
}

/// c1 waits 12 s and is answered by a1 (on the team "north"), who completes it at 09:03; c2 waits 30 s
/// and is answered; c3 is still waiting at 09:05 after 4 minutes. a1 has a quota of 4 handled an hour.
/// a3 (no team, no skills) dials d1 for "renewals" (connected, success) and d2 (no answer). Surveys:
/// c1 4/5 for a1 and billing, d1 9/10 for a3, c2 3/5 for billing alone. Caller X called c1 and, again,
/// c2 (both answered); caller Y hung up on c4 in sales after 10 s.
fn exposition() -> String {
    let events = vec![
        event(
            "2026-11-23T09:00:00Z",
            EventKind::AgentLogin {
                agent: "a1".into(),
                queues: Some(vec!["billing".into()]),
                team: Some("north".into()),
            },
        ),
        event(
            "2026-11-23T09:00:00Z",
            EventKind::CallQueued {
                caller: Some("X".into()),
                call: "c1".into(),
                queue: "billing".into(),
                priority: None,
                direction: Default::default(),
            },
        ),
        event(
            "2026-11-23T09:00:12Z",
            EventKind::CallAnswered {
                call: "c1".into(),
                queue: "billing".into(),
                agent: "a1".into(),
            },
        ),
        event(
            "2026-11-23T09:00:30Z",
            EventKind::CallQueued {
                caller: Some("X".into()),
                call: "c2".into(),
                queue: "billing".into(),
                priority: None,
                direction: Default::default(),
            },
        ),
        // c2 rings a1 (busy with c1) first; a2 takes it: a ring a1 left unanswered.
        event(
            "2026-11-23T09:00:35Z",
            EventKind::CallRinging {
                call: "c2".into(),
                queue: "billing".into(),
                agent: "a1".into(),
            },
        ),
        event(
            "2026-11-23T09:01:00Z",
            EventKind::CallAnswered {
                call: "c2".into(),
                queue: "billing".into(),
                agent: "a2".into(),
            },
        ),
        event(
            "2026-11-23T09:01:00Z",
            EventKind::CallQueued {
                caller: None,
                call: "c3".into(),
                queue: "billing".into(),
                priority: None,
                direction: Default::default(),
            },
        ),
        event(
            "2026-11-23T09:01:30Z",
            EventKind::CallDialed {
                caller: None,
                call: "d1".into(),
                agent: "a3".into(),
                campaign: Some("renewals".into()),
            },
        ),
        event(
            "2026-11-23T09:01:40Z",
            EventKind::CallConnected {
                call: "d1".into(),
                agent: "a3".into(),
            },
        ),
        event(
            "2026-11-23T09:02:00Z",
            EventKind::CallEnded {
                call: "d1".into(),
                agent: "a3".into(),
            },
        ),
        event(
            "2026-11-23T09:02:10Z",
            EventKind::CallCompleted {
                call: "d1".into(),
                agent: "a3".into(),
                outcome: Some(Outcome::Success),
                disposition: None,
            },
        ),
        event(
            "2026-11-23T09:02:00Z",
            EventKind::CallQueued {
                caller: Some("Y".into()),
                call: "c4".into(),
                queue: "sales".into(),
                priority: None,
                direction: Default::default(),
            },
        ),
        event(
            "2026-11-23T09:02:10Z",
            EventKind::CallAbandoned {
                call: "c4".into(),
                queue: "sales".into(),
            },
        ),
        event(
            "2026-11-23T09:02:20Z",
            EventKind::CallDialed {
                caller: None,
                call: "d2".into(),
                agent: "a3".into(),
                campaign: Some("renewals".into()),
            },
        ),
        event(
            "2026-11-23T09:02:30Z",
            EventKind::CallCompleted {
                call: "d2".into(),
                agent: "a3".into(),
                outcome: Some(Outcome::Other("no_answer".into())),
                disposition: None,
            },
        ),
        event(
            "2026-11-23T09:02:30Z",
            EventKind::CallEnded {
                call: "c1".into(),
                agent: "a1".into(),
            },
        ),
        event(
            "2026-11-23T09:02:40Z",
            EventKind::SurveyCompleted {
                call: "d1".into(),
                agent: Some("a3".into()),
                queue: None,
                score: 9.0,
                scale: 10.0,
            },
        ),
        event(
            "2026-11-23T09:02:50Z",
            EventKind::SurveyCompleted {
                call: "c2".into(),
                agent: None,
                queue: Some("billing".into()),
                score: 3.0,
                scale: 5.0,
            },
        ),
        event(
            "2026-11-23T09:03:00Z",
            EventKind::CallCompleted {
                call: "c1".into(),
                agent: "a1".into(),
                outcome: None,
                disposition: None,
            },
        ),
        event(
            "2026-11-23T09:03:00Z",
            EventKind::SurveyCompleted {
                call: "c1".into(),
                agent: Some("a1".into()),
                queue: Some("billing".into()),
                score: 4.0,
                scale: 5.0,
            },
        ),
        event(
            "2026-11-23T09:03:00Z",
            EventKind::QaScored {
                call: "c1".into(),
                agent: "a1".into(),
                evaluator: "eve".into(),
                form: None,
                score: 7.5,
                max_score: 10.0,
                critical: false,
            },
        ),
        event(
            "2026-11-23T09:03:00Z",
            EventKind::QaScored {
                call: "c0".into(),
                agent: "a1".into(),
                evaluator: "eve".into(),
                form: None,
                score: 2.5,
                max_score: 5.0,
                critical: true,
            },
        ),
    ];
    let settings = CenterSettings {
        labour: Some(std::sync::Arc::new(
            callboard::center::labour::LabourSettings {
                hourly_cost: 36.0,
                team_hourly_cost: [("north".into(), 48.0)].into(),
                monthly_budget: Some(1_000.0),
                ..Default::default()
            },
        )),
        qa_sampling: Some(callboard::center::qa::SamplingPolicy {
            calls: 1,
            ..Default::default()
        }),
        quotas: vec![Quota {
            name: "handled_per_hour".to_string(),
            count: QuotaCount::Handled,
            target: 4.0,
            per_hour: true,
            agent: None,
            team: None,
            shift_length_ms: 8 * 3_600_000,
        }],
        state_limits: StateLimits {
            states: [(
                "available".to_string(),
                Lines {
                    warning: 60.0,
                    critical: 120.0,
                },
            )]
            .into(),
            ..StateLimits::default()
        },
        ..CenterSettings::default()
    };
    let mut center = Center::new(Id::from("acme"), settings);
    let mut rejections = Vec::new();
    for event in events {
        center.ingest(event, 0, &mut rejections);
    }
    assert!(rejections.is_empty());
    let board = Board::new(1);
    board.publish(center.snapshot(at("2026-11-23T09:05:00Z")));
    render(
        &KpiCollector::new(board, ExpositionSettings::default()),
        &Telemetry::new(),
    )
}

#[test]
fn figures_appear_under_the_names_of_the_spec() {
    let text = exposition();
    let lines: Vec<&str> = text.lines().collect();
    let expected = [
        // 1 of 2 answered within 20 s.
        r#"callboard_queue_service_level_ratio{tenant="acme",queue="billing",window="15m"} 0.5"#,
        r#"callboard_queue_asa_seconds{tenant="acme",queue="billing",window="15m"} 21"#,
        r#"callboard_queue_offered_calls{tenant="acme",queue="billing",window="today"} 3"#,
        r#"callboard_queue_calls_waiting{tenant="acme",queue="billing"} 1"#,
        r#"callboard_queue_longest_wait_seconds{tenant="acme",queue="billing"} 240"#,
        r#"callboard_queue_oldest_waiting_call_timestamp_seconds{tenant="acme",queue="billing"} 1795424460"#,
        r#"callboard_queue_agents{tenant="acme",queue="billing",state="available"} 1"#,
        r#"callboard_queue_answered_within_threshold_calls_total{tenant="acme",queue="billing"} 1"#,
        r#"callboard_queue_wait_seconds_total{tenant="acme",queue="billing"} 42"#,
        r#"callboard_queue_answer_wait_seconds_bucket{tenant="acme",queue="billing",le="20"} 1"#,
        r#"callboard_queue_answer_wait_seconds_bucket{tenant="acme",queue="billing",le="30"} 2"#,
        r#"callboard_queue_answer_wait_seconds_bucket{tenant="acme",queue="billing",le="+Inf"} 2"#,
        r#"callboard_queue_answer_wait_seconds_count{tenant="acme",queue="billing"} 2"#,
        r#"callboard_agent_state{tenant="acme",agent="a1",team="north",state="available"} 1"#,
        r#"callboard_agent_state{tenant="acme",agent="a1",team="north",state="on_call"} 0"#,
        // Available since completing c1 at 09:03.
        r#"callboard_agent_state_seconds{tenant="acme",agent="a1",team="north"} 120"#,
        // 120 s available against a limit of 60 s (warning) and 120 s (critical): critical.
        r#"callboard_agent_state_overdue{tenant="acme",agent="a1",team="north",state="available"} 2"#,
        // 1 handled against 4/h × 8 h × (5 min / 480 min) = 1/3 expected by now: pace 3.
        r#"callboard_agent_quota_pace_ratio{tenant="acme",agent="a1",team="north",quota="handled_per_hour"} 3"#,
        // 1 handled of the shift's 4/h × 8 h = 32.
        r#"callboard_agent_quota_progress_ratio{tenant="acme",agent="a1",team="north",quota="handled_per_hour"} 0.03125"#,
        // 3 calls in the 30-minute staffing window (6/h), AHT 138 s talk + 30 s wrap-up = 168 s: 0.28 erlang.
        // One agent (M/M/1): SL = 1 − 0.28·e^(−0.72·20/168) = 0.743 < 0.8; two meet the target.
        r#"callboard_queue_required_agents{tenant="acme",queue="billing"} 2"#,
        r#"callboard_queue_service_level_target_ratio{tenant="acme",queue="billing"} 0.8"#,
        r#"callboard_queue_service_level_threshold_seconds{tenant="acme",queue="billing"} 20"#,
        r#"callboard_last_event_timestamp_seconds{tenant="acme"} 1795424580"#,
        // a3 dialed d1 and d2, d1 connected and succeeded; both for "renewals".
        r#"callboard_agent_dialed_calls{tenant="acme",agent="a3",window="today"} 2"#,
        r#"callboard_agent_connected_calls{tenant="acme",agent="a3",window="today"} 1"#,
        r#"callboard_agent_success_calls{tenant="acme",agent="a3",window="today"} 1"#,
        r#"callboard_campaign_dialed_calls{tenant="acme",campaign="renewals",window="today"} 2"#,
        r#"callboard_campaign_connected_calls{tenant="acme",campaign="renewals",window="today"} 1"#,
        r#"callboard_campaign_success_calls{tenant="acme",campaign="renewals",window="today"} 1"#,
        // a1: 4/5; a3: 9/10; billing: (4/5 + 3/5) / 2.
        r#"callboard_agent_csat_ratio{tenant="acme",agent="a1",team="north",window="today"} 0.8"#,
        r#"callboard_agent_csat_ratio{tenant="acme",agent="a3",window="today"} 0.9"#,
        r#"callboard_queue_csat_ratio{tenant="acme",queue="billing",window="today"} 0.7"#,
        // c2 rang a1, then a2 answered it.
        r#"callboard_agent_rings_unanswered{tenant="acme",agent="a1",team="north",window="today"} 1"#,
        // a1 has answered nothing since (its answer of c1 came before the ring).
        r#"callboard_agent_rings_unanswered_in_a_row{tenant="acme",agent="a1",team="north"} 1"#,
        // X's c2 repeats c1 (1 of 2 calls with a caller); X was answered, Y awaits a callback.
        r#"callboard_queue_repeat_caller_ratio{tenant="acme",queue="billing",window="today"} 0.5"#,
        r#"callboard_queue_repeat_caller_ratio{tenant="acme",queue="sales",window="today"} 0"#,
        r#"callboard_queue_callbacks_pending{tenant="acme",queue="billing"} 0"#,
        r#"callboard_queue_callbacks_pending{tenant="acme",queue="sales"} 1"#,
        // a1's reviews: 7.5/10 and 2.5/5 (critical): 2 reviews, mean 0.625, 1 critical; c1, the one call
        // sampled of a1's one handled, is reviewed, so nothing is owed.
        r#"callboard_agent_qa_reviews{tenant="acme",agent="a1",team="north",window="today"} 2"#,
        r#"callboard_agent_qa_score_ratio{tenant="acme",agent="a1",team="north",window="today"} 0.625"#,
        r#"callboard_agent_qa_critical_failures{tenant="acme",agent="a1",team="north",window="today"} 1"#,
        r#"callboard_agent_qa_recent_score_ratio{tenant="acme",agent="a1",team="north"} 0.625"#,
        r#"callboard_agent_qa_reviews_owed{tenant="acme",agent="a1",team="north"} 0"#,
        // a1 (north, 48 an hour) is on from 09:00 to 09:05: 5 min × 48 / 60 = 4.
        r#"callboard_agent_labour_cost{tenant="acme",agent="a1",team="north",window="today"} 4"#,
        r#"callboard_team_labour_cost{tenant="acme",team="north",window="today"} 4"#,
        r#"callboard_labour_budget{tenant="acme"} 1000"#,
        r#"callboard_build_info{version="0.1.0"} 1"#,
    ];
    for line in expected {
        assert!(lines.contains(&line), "missing {line}\n{text}");
    }
    // No outbound for a1 or a2, no survey for a2: no series rather than zeros or undefined ratios.
    for absent in [
        r#"callboard_agent_dialed_calls{tenant="acme",agent="a1""#,
        r#"callboard_agent_dialed_calls{tenant="acme",agent="a2""#,
        r#"callboard_agent_csat_ratio{tenant="acme",agent="a2""#,
        r#"callboard_agent_rings_unanswered{tenant="acme",agent="a2""#,
        r#"callboard_agent_rings_unanswered_in_a_row{tenant="acme",agent="a2""#,
        r#"callboard_agent_qa_reviews{tenant="acme",agent="a2""#,
        r#"callboard_agent_qa_recent_score_ratio{tenant="acme",agent="a2""#,
    ] {
        assert!(
            !lines.iter().any(|line| line.starts_with(absent)),
            "unexpected {absent}\n{text}"
        );
    }
    // c1, the one call handled: 138 s talk + 30 s wrap-up.
    let aht = r#"callboard_queue_aht_seconds{tenant="acme",queue="billing",window="15m"} 168"#;
    assert!(lines.contains(&aht), "missing {aht}\n{text}");
}

#[test]
fn promtool_finds_nothing_to_complain_about() {
    let mut promtool = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool runs (Debian package `prometheus`; .ci/run installs it)");
    promtool
        .stdin
        .take()
        .unwrap()
        .write_all(exposition().as_bytes())
        .unwrap();
    let output = promtool.wait_with_output().unwrap();
    let complaints = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success() && complaints.trim().is_empty(),
        "promtool: {complaints}"
    );
}
