//! The rule engine over scripted snapshots: pending then firing after `for`, hysteresis, resolved once,
//! stable fingerprints, nothing during replay, re-announcement after a restart.

use std::collections::BTreeMap;

use super::engine::{fingerprint, render};
use super::*;
use crate::center::levels::Level;
use crate::center::settings::{MINUTE, SECOND};
use crate::center::snapshot::{
    AgentSnapshot, AgentsByState, CenterSnapshot, QueueSnapshot, QueueWindow, QuotaStatus,
};
use crate::event::Millis;

const T0: Millis = 1_795_424_400_000; // 2026-11-23T09:00:00Z

fn service_level_rule() -> Rule {
    Rule {
        name: "CallboardServiceLevelBelowTarget".to_string(),
        figure: Figure::parse("queue.service_level").unwrap(),
        window: "15m".to_string(),
        comparison: Comparison::Below,
        threshold: 1.0,
        clear: 1.025,
        scale: Scale::QueueTarget,
        for_ms: 2 * MINUTE,
        severity: "critical".to_string(),
        selector: Selector::default(),
        labels: BTreeMap::new(),
        summary: "{tenant}/{queue} at {value} over {window}, target {threshold}".to_string(),
        description: String::new(),
        runbook_url: String::new(),
    }
}

/// Tenant `acme`, queue `billing` (target 0.8, threshold 20 s) with the given 15-minute service level.
fn snapshot(now: Millis, service_level: Option<f64>) -> CenterSnapshot {
    CenterSnapshot {
        tenant: "acme".into(),
        now_ms: now,
        last_event_ms: Some(now),
        queues: vec![QueueSnapshot {
            queue: "billing".into(),
            threshold_seconds: 20.0,
            service_level_target: 0.8,
            windows: vec![QueueWindow {
                window: "15m".to_string(),
                service_level,
                ..QueueWindow::default()
            }],
            ..QueueSnapshot::default()
        }],
        ..CenterSnapshot::default()
    }
}

fn live(snapshot: &CenterSnapshot) -> Vec<TenantView<'_>> {
    vec![TenantView {
        snapshot,
        live: true,
    }]
}

/// Steps `engine` through (seconds after T0, service level) and returns every notification.
fn script(engine: &mut Engine, rules: &[Rule], steps: &[(i64, Option<f64>)]) -> Vec<Notification> {
    steps
        .iter()
        .flat_map(|&(seconds, level)| {
            let snapshot = snapshot(T0 + seconds * SECOND, level);
            engine.evaluate(rules, &live(&snapshot), None)
        })
        .collect()
}

#[test]
fn pending_then_firing_once_for_has_passed() {
    let rules = [service_level_rule()];
    let mut engine = Engine::new();
    // Fine at first; below 0.8 from 10 s on: pending until 130 s (10 s + 2 min), then firing.
    let quiet = script(
        &mut engine,
        &rules,
        &[
            (0, Some(0.9)),
            (10, Some(0.7)),
            (70, Some(0.7)),
            (129, Some(0.7)),
        ],
    );
    assert_eq!(quiet, Vec::new());
    assert!(engine.firing().is_empty(), "pending is not firing");
    let fired = script(&mut engine, &rules, &[(130, Some(0.7)), (140, Some(0.6))]);
    assert_eq!(fired.len(), 1, "{fired:?}");
    assert_eq!(fired[0].status, Status::Firing);
    assert_eq!(fired[0].at_ms, T0 + 130 * SECOND);
    assert_eq!(fired[0].alert.value, Some(0.7));
    assert_eq!(fired[0].alert.threshold, 0.8);
    assert_eq!(
        fired[0].alert.annotations["summary"],
        "acme/billing at 0.7 over 15m, target 0.8"
    );
    assert_eq!(engine.firing().len(), 1);
}

#[test]
fn a_condition_that_stops_holding_while_pending_never_fires() {
    let rules = [service_level_rule()];
    let mut engine = Engine::new();
    let all = script(
        &mut engine,
        &rules,
        &[
            (0, Some(0.9)),
            (10, Some(0.7)),
            (100, Some(0.85)),
            (200, Some(0.7)),
            (300, Some(0.7)),
        ],
    );
    // The second breach starts a new pending period at 200 s: 300 s is not yet 2 minutes later.
    assert_eq!(all, Vec::new());
}

#[test]
fn hysteresis_keeps_an_alert_at_the_threshold_from_flapping() {
    // Around 80 %: 79.9 %, 80.1 %, 79.9 %, … every 10 s, for 5 minutes, after firing.
    let around: Vec<(i64, Option<f64>)> = (0..30)
        .map(|step| {
            (
                200 + step * 10,
                Some(if step % 2 == 0 { 0.799 } else { 0.801 }),
            )
        })
        .collect();
    let mut firing_first = vec![(0, Some(0.9)), (10, Some(0.7)), (130, Some(0.7))];
    firing_first.extend(around.iter().copied());

    let mut engine = Engine::new();
    let with_clear = script(&mut engine, &[service_level_rule()], &firing_first);
    assert_eq!(
        with_clear.len(),
        1,
        "fired once, never resolved: {with_clear:?}"
    );

    let without = Rule {
        clear: 1.0,
        for_ms: 0,
        ..service_level_rule()
    };
    let mut engine = Engine::new();
    let flapping = script(&mut engine, &[without], &firing_first);
    // Without a clear level every 80.1 % resolves and every 79.9 % after it fires again: the first
    // firing, then 15 resolves and 14 firings.
    assert_eq!(flapping.len(), 30);
}

#[test]
fn resolved_once_past_the_clear_level() {
    let rules = [service_level_rule()];
    let mut engine = Engine::new();
    let all = script(
        &mut engine,
        &rules,
        &[
            (0, Some(0.9)),
            (10, Some(0.7)),
            (130, Some(0.7)),
            (140, Some(0.81)), // back above the target, below the clear level (0.82): still firing
            (150, Some(0.83)), // resolved
            (160, Some(0.9)),
            (170, Some(0.95)),
        ],
    );
    let statuses: Vec<(Status, Millis)> = all.iter().map(|n| (n.status, n.at_ms)).collect();
    assert_eq!(
        statuses,
        [
            (Status::Firing, T0 + 130 * SECOND),
            (Status::Resolved, T0 + 150 * SECOND)
        ]
    );
    assert_eq!(all[0].alert.fingerprint, all[1].alert.fingerprint);
    assert!(engine.firing().is_empty());
}

#[test]
fn an_undefined_figure_resolves_and_never_fires() {
    let rules = [Rule {
        for_ms: 0,
        ..service_level_rule()
    }];
    let mut engine = Engine::new();
    let all = script(
        &mut engine,
        &rules,
        &[(0, None), (10, Some(0.5)), (20, None), (30, None)],
    );
    let statuses: Vec<Status> = all.iter().map(|n| n.status).collect();
    assert_eq!(statuses, [Status::Firing, Status::Resolved]);
}

#[test]
fn fingerprints_are_fnv1a_of_the_labels_and_survive_a_restart() {
    let rules = [service_level_rule()];
    // FNV-1a 64 of "alertname=CallboardServiceLevelBelowTarget\xff queue=billing\xff severity=critical\xff
    // tenant=acme\xff" (labels in name order), computed outside this code with Python.
    let expected = "ef8ca9a1c346534d";
    let labels: BTreeMap<String, String> = [
        ("alertname", "CallboardServiceLevelBelowTarget"),
        ("severity", "critical"),
        ("tenant", "acme"),
        ("queue", "billing"),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_string(), value.to_string()))
    .collect();
    assert_eq!(fingerprint(&labels), expected);

    let mut before = Engine::new();
    let fired = script(
        &mut before,
        &rules,
        &[(0, Some(0.9)), (10, Some(0.7)), (130, Some(0.7))],
    );
    assert_eq!(fired[0].alert.fingerprint, expected);
    assert_eq!(fired[0].alert.labels, labels);

    // A restart: a new engine whose first live evaluation sees the condition still holding announces
    // it again at once, under the same fingerprint.
    let mut after = Engine::new();
    let again = script(&mut after, &rules, &[(400, Some(0.7))]);
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].status, Status::Firing);
    assert_eq!(again[0].alert.fingerprint, expected);
}

#[test]
fn nothing_fires_or_resolves_while_the_tenant_replays() {
    let rules = [Rule {
        for_ms: 0,
        ..service_level_rule()
    }];
    let mut engine = Engine::new();
    let replaying = |engine: &mut Engine, seconds: i64, level: f64| {
        let snapshot = snapshot(T0 + seconds * SECOND, Some(level));
        engine.evaluate(
            &rules,
            &[TenantView {
                snapshot: &snapshot,
                live: false,
            }],
            None,
        )
    };
    assert_eq!(replaying(&mut engine, 0, 0.1), Vec::new());
    assert!(engine.firing().is_empty());
    // Live and breaching: fires. Its partition moves and replays: dropped without a resolve.
    let fired = script(&mut engine, &rules, &[(10, Some(0.5))]);
    assert_eq!(fired.len(), 1);
    assert_eq!(replaying(&mut engine, 20, 0.95), Vec::new());
    assert!(engine.firing().is_empty());
    // Live again, still breaching: re-announced at once under the same fingerprint.
    let again = script(&mut engine, &rules, &[(30, Some(0.5))]);
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].alert.fingerprint, fired[0].alert.fingerprint);
    // A tenant that left the board (its partition went to another instance) is not resolved either.
    assert_eq!(engine.evaluate(&rules, &[], None), Vec::new());
}

#[test]
fn a_held_tenant_keeps_its_firing_alert_until_it_is_live_again() {
    let rules = [Rule {
        for_ms: 0,
        ..service_level_rule()
    }];
    let mut engine = Engine::new();
    let fired = script(&mut engine, &rules, &[(0, Some(0.5))]);
    assert_eq!(fired.len(), 1);
    // The group took the partition away (brokers unreachable): the last figures stay, stale. A
    // figure that would resolve the alert is not evaluated: the alert stands, nothing is sent.
    let mut stale = snapshot(T0 + 10 * SECOND, Some(0.95));
    stale.stale = true;
    let held = [TenantView {
        snapshot: &stale,
        live: false,
    }];
    for _ in 0..3 {
        assert_eq!(engine.evaluate(&rules, &held, None), Vec::new());
        assert_eq!(engine.firing().len(), 1, "still firing while held");
        assert_eq!(engine.firing()[0].fingerprint, fired[0].alert.fingerprint);
    }
    // Given back and live: evaluated again, and resolved now that the level is back.
    let resolved = script(&mut engine, &rules, &[(20, Some(0.95))]);
    assert_eq!(resolved.len(), 1, "{resolved:?}");
    assert_eq!(resolved[0].status, Status::Resolved);
    assert!(engine.firing().is_empty());
}

#[test]
fn a_queue_that_leaves_resolves_its_alert() {
    let rules = [Rule {
        for_ms: 0,
        ..service_level_rule()
    }];
    let mut engine = Engine::new();
    script(&mut engine, &rules, &[(0, Some(0.5))]);
    let mut empty = snapshot(T0 + 10 * SECOND, None);
    empty.queues.clear();
    let resolved = engine.evaluate(&rules, &live(&empty), None);
    assert_eq!(resolved.len(), 1);
    assert_eq!(resolved[0].status, Status::Resolved);
    assert_eq!(resolved[0].at_ms, T0 + 10 * SECOND);
}

#[test]
fn service_rules_wait_until_every_partition_is_live() {
    let rule = Rule {
        name: "CallboardLagging".to_string(),
        figure: Figure::EventDelaySeconds,
        window: String::new(),
        comparison: Comparison::Above,
        threshold: 60.0,
        clear: 30.0,
        scale: Scale::Absolute,
        for_ms: MINUTE,
        ..service_level_rule()
    };
    let rules = [rule];
    let mut engine = Engine::new();
    let delay = |seconds: f64| ServiceFigures {
        event_delay_seconds: Some(seconds),
        consumer_lag_messages: None,
    };
    assert_eq!(
        engine.evaluate(&rules, &[], Some((delay(10.0), T0))),
        Vec::new()
    );
    // Pending from T0 + 10 s; a replay in between (None) neither fires nor forgets it.
    assert_eq!(
        engine.evaluate(&rules, &[], Some((delay(90.0), T0 + 10 * SECOND))),
        Vec::new()
    );
    assert_eq!(engine.evaluate(&rules, &[], None), Vec::new());
    let fired = engine.evaluate(&rules, &[], Some((delay(75.0), T0 + 70 * SECOND)));
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].alert.labels["alertname"], "CallboardLagging");
    assert!(!fired[0].alert.labels.contains_key("tenant"));
}

#[test]
fn thresholds_relative_to_the_queue_scale_with_it() {
    let rule = Rule {
        name: "CallboardLongestWaitHigh".to_string(),
        figure: Figure::parse("queue.longest_wait_seconds").unwrap(),
        comparison: Comparison::Above,
        threshold: 3.0,
        clear: 2.5,
        scale: Scale::QueueThreshold,
        for_ms: 0,
        ..service_level_rule()
    };
    let mut waiting = snapshot(T0, None);
    waiting.queues[0].longest_waiting_seconds = Some(61.0);
    let observed = rule.observe(&waiting);
    // 3 × the 20 s threshold.
    assert_eq!(observed[0].threshold, 60.0);
    assert_eq!(observed[0].clear, 50.0);
    assert!(observed[0].breaches(Comparison::Above));
    waiting.queues[0].longest_waiting_seconds = Some(60.0);
    assert!(!rule.observe(&waiting)[0].breaches(Comparison::Above));

    let understaffed = Rule {
        figure: Figure::parse("queue.required_agents").unwrap(),
        threshold: 1.0,
        clear: 1.0,
        scale: Scale::StaffedAgents,
        ..rule
    };
    waiting.queues[0].required_agents = Some(7);
    waiting.queues[0].agents = AgentsByState {
        staffed: 6,
        ..AgentsByState::default()
    };
    assert!(understaffed.observe(&waiting)[0].breaches(Comparison::Above));
    waiting.queues[0].agents.staffed = 7;
    assert!(!understaffed.observe(&waiting)[0].breaches(Comparison::Above));
}

fn agent(name: &str, team: Option<&str>, state: &'static str, pace: Option<f64>) -> AgentSnapshot {
    AgentSnapshot {
        agent: name.into(),
        team: team.map(Into::into),
        state,
        quotas: vec![QuotaStatus {
            quota: "handled_per_hour".to_string(),
            pace,
            ..QuotaStatus::default()
        }],
        ..AgentSnapshot::default()
    }
}

#[test]
fn agent_rules_select_by_glob_and_skip_agents_off_the_floor() {
    let mut floor = snapshot(T0, None);
    floor.agents = vec![
        agent("a1", Some("north"), "available", Some(0.5)),
        agent("a2", Some("south"), "on_call", Some(0.5)),
        agent("a3", Some("north-east"), "logged_out", Some(0.5)),
        agent("a4", None, "available", Some(0.5)),
    ];
    let rule = Rule {
        name: "CallboardAgentBehindQuota".to_string(),
        figure: Figure::parse("agent.quota_pace").unwrap(),
        comparison: Comparison::Below,
        threshold: 0.8,
        clear: 0.9,
        scale: Scale::Absolute,
        selector: Selector {
            team: Some(Glob("north*".to_string())),
            ..Selector::default()
        },
        ..service_level_rule()
    };
    let observed = rule.observe(&floor);
    // a2 is in another team, a3 logged out, a4 in no team.
    assert_eq!(observed.len(), 1, "{observed:?}");
    let subject: Vec<(&str, &str)> = observed[0]
        .subject
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    assert_eq!(
        subject,
        [
            ("agent", "a1"),
            ("quota", "handled_per_hour"),
            ("team", "north"),
            ("tenant", "acme")
        ]
    );
    let everyone = Rule {
        selector: Selector::default(),
        ..rule
    };
    assert_eq!(everyone.observe(&floor).len(), 3);
}

#[test]
fn a_silent_feed_counts_only_while_the_floor_is_open() {
    let rule = Rule {
        name: "CallboardFeedSilent".to_string(),
        figure: Figure::FeedSilenceSeconds,
        comparison: Comparison::Above,
        threshold: 300.0,
        clear: 300.0,
        scale: Scale::Absolute,
        for_ms: 0,
        ..service_level_rule()
    };
    let mut quiet = snapshot(T0 + 301 * SECOND, None);
    quiet.last_event_ms = Some(T0);
    quiet.open = true;
    let observed = rule.observe(&quiet);
    assert_eq!(observed[0].value, Some(301.0));
    assert!(observed[0].breaches(Comparison::Above));
    quiet.open = false;
    assert_eq!(rule.observe(&quiet)[0].value, None);
}

#[test]
fn globs_match_like_a_shell() {
    let cases = [
        ("*", "", true),
        ("bill*", "billing", true),
        ("bill*", "sales", false),
        ("b?ll", "bill", true),
        ("b?ll", "bll", false),
        ("*-east", "north-east", true),
        ("a*b*c", "aXbYc", true),
        ("a*b*c", "aXbY", false),
        ("exact", "exact", true),
    ];
    for (pattern, text, expected) in cases {
        assert_eq!(
            Glob(pattern.to_string()).matches(text),
            expected,
            "{pattern} {text}"
        );
    }
}

#[test]
fn templates_fill_labels_and_numbers_and_keep_unknown_names() {
    let labels: BTreeMap<String, String> = [("tenant", "acme"), ("queue", "billing")]
        .into_iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    let observation = Observation {
        subject: BTreeMap::new(),
        value: Some(0.73456),
        threshold: 0.8,
        clear: 0.82,
    };
    assert_eq!(
        render(
            "{tenant}/{queue}: {value} < {threshold} over {window}, {nope} {",
            &labels,
            "15m",
            &observation
        ),
        "acme/billing: 0.735 < 0.8 over 15m, {nope} {"
    );
}

/// Queue `billing` of `acme` with `required` agents by Erlang over the staffing window, `staffed` on it.
fn staffing_snapshot(now: Millis, required: u32, staffed: u32) -> CenterSnapshot {
    let mut floor = snapshot(now, None);
    floor.queues[0].required_agents = Some(required);
    floor.queues[0].agents = AgentsByState {
        staffed,
        ..AgentsByState::default()
    };
    floor
}

/// Steps `engine` through (seconds after T0, required, staffed) and returns every notification.
fn staffing_script(
    engine: &mut Engine,
    rules: &[Rule],
    steps: impl IntoIterator<Item = (i64, u32, u32)>,
) -> Vec<Notification> {
    steps
        .into_iter()
        .flat_map(|(seconds, required, staffed)| {
            let floor = staffing_snapshot(T0 + seconds * SECOND, required, staffed);
            engine.evaluate(rules, &live(&floor), None)
        })
        .collect()
}

/// The built-in `CallboardUnderstaffed` (`default_alerts.toml`: required above 1.0 × staffed for 5m),
/// as the configuration hands it to the engine, evaluated every 15 s.
#[test]
fn the_built_in_understaffed_rule_fires_after_five_minutes_short() {
    let rules: Vec<Rule> = crate::config::parse("", "built-in", Vec::new())
        .unwrap()
        .alert_rules()
        .into_iter()
        .filter(|rule| rule.name == "CallboardUnderstaffed")
        .collect();
    assert_eq!(rules.len(), 1);
    let every_15_s = |from: i64, to: i64, required: u32, staffed: u32| {
        (from..=to)
            .step_by(15)
            .map(move |seconds| (seconds, required, staffed))
    };

    // Exactly staffed (10 of 10) is not short. From 60 s on 12 are required: pending, silent for
    // 5 minutes, firing at 360 s, once.
    let mut engine = Engine::new();
    let quiet = staffing_script(
        &mut engine,
        &rules,
        every_15_s(0, 45, 10, 10).chain(every_15_s(60, 345, 12, 10)),
    );
    assert_eq!(quiet, Vec::new());
    assert!(engine.firing().is_empty(), "pending is not firing");
    let fired = staffing_script(&mut engine, &rules, every_15_s(360, 420, 12, 10));
    assert_eq!(fired.len(), 1, "{fired:?}");
    assert_eq!(fired[0].status, Status::Firing);
    assert_eq!(fired[0].at_ms, T0 + 360 * SECOND);
    assert_eq!(fired[0].alert.value, Some(12.0));
    assert_eq!(fired[0].alert.threshold, 10.0);
    assert_eq!(fired[0].alert.labels["severity"], "warning");
    assert_eq!(
        fired[0].alert.annotations["summary"],
        "acme/billing needs 12 agents to meet its target; 10 are staffed"
    );
    assert_eq!(engine.firing().len(), 1);

    // Short for 4 m 45 s (60 s to 345 s), then two agents log in: never fires. Short again from
    // 420 s: a new pending period, so nothing until 720 s.
    let mut engine = Engine::new();
    let recovered = staffing_script(
        &mut engine,
        &rules,
        every_15_s(0, 45, 10, 10)
            .chain(every_15_s(60, 345, 12, 10))
            .chain(every_15_s(360, 405, 12, 12))
            .chain(every_15_s(420, 705, 13, 12)),
    );
    assert_eq!(recovered, Vec::new());
    assert!(engine.firing().is_empty());
    let late = staffing_script(&mut engine, &rules, every_15_s(720, 720, 13, 12));
    assert_eq!(late.len(), 1, "{late:?}");
    assert_eq!(late[0].at_ms, T0 + 720 * SECOND);
}

/// The optional built-in `CallboardAgentStateOverdue` (past the warning line for 1m): not in force
/// until `alerting.enable` names it; then ana, on a break past its limit, fires after a minute, and
/// ben, in a state without a limit, never does.
#[test]
fn the_optional_state_overdue_rule_is_off_until_enabled_and_fires_a_minute_past_the_limit() {
    let overdue = |config: &str| -> Vec<Rule> {
        crate::config::parse(config, "test", Vec::new())
            .unwrap()
            .alert_rules()
            .into_iter()
            .filter(|rule| rule.name == "CallboardAgentStateOverdue")
            .collect()
    };
    assert!(overdue("").is_empty(), "off by default");
    let rules = overdue("[alerting]\nenable = [\"CallboardAgentStateOverdue\"]");
    assert_eq!(rules.len(), 1);
    let floor_at = |seconds: i64, level: Level| {
        let mut floor = snapshot(T0 + seconds * SECOND, None);
        let mut ana = agent("ana", None, "not_ready", None);
        ana.state_limit_seconds = Some(900.0);
        ana.state_level = level;
        floor.agents = vec![ana, agent("ben", None, "on_call", None)];
        floor
    };
    let mut engine = Engine::new();
    let mut notes = Vec::new();
    for (seconds, level) in [
        (0, Level::Normal),
        (15, Level::Warning),
        (45, Level::Warning),
        (75, Level::Warning),
        (90, Level::Critical),
    ] {
        notes.extend(engine.evaluate(&rules, &live(&floor_at(seconds, level)), None));
    }
    // Past the line from 15 s: pending; firing at 75 s, once.
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0].status, Status::Firing);
    assert_eq!(notes[0].at_ms, T0 + 75 * SECOND);
    assert_eq!(notes[0].alert.labels["agent"], "ana");
    assert_eq!(
        notes[0].alert.annotations["summary"],
        "Agent ana of acme has been not_ready past its limit"
    );
    let error = crate::config::parse("[alerting]\nenable = [\"NoSuchRule\"]", "test", Vec::new())
        .unwrap_err()
        .to_string();
    assert!(error.contains("CallboardAgentStateOverdue"), "{error}");
}

/// The optional built-in `CallboardAgentRingsUnanswered`: with `alerting.enable` naming it, an agent
/// who let three calls in a row ring out fires at once; two in a row do not.
#[test]
fn the_optional_rings_rule_fires_at_three_unanswered_in_a_row() {
    let rules: Vec<Rule> = crate::config::parse(
        "[alerting]\nenable = [\"CallboardAgentRingsUnanswered\"]",
        "test",
        Vec::new(),
    )
    .unwrap()
    .alert_rules()
    .into_iter()
    .filter(|rule| rule.name == "CallboardAgentRingsUnanswered")
    .collect();
    assert_eq!(rules.len(), 1);
    let mut floor = snapshot(T0, None);
    let mut ana = agent("ana", None, "available", None);
    ana.rings_unanswered_in_a_row = 2;
    let mut ben = agent("ben", None, "available", None);
    ben.rings_unanswered_in_a_row = 3;
    floor.agents = vec![ana, ben];
    let notes = Engine::new().evaluate(&rules, &live(&floor), None);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0].alert.labels["agent"], "ben");
    assert_eq!(notes[0].alert.value, Some(3.0));
}

/// The optional built-in `CallboardAgentQaScoreLow`: an agent whose latest reviews average below 0.7
/// fires; one at 0.7 and one without reviews do not.
#[test]
fn the_optional_review_rule_fires_below_its_target() {
    let rules: Vec<Rule> = crate::config::parse(
        "[alerting]\nenable = [\"CallboardAgentQaScoreLow\"]",
        "test",
        Vec::new(),
    )
    .unwrap()
    .alert_rules()
    .into_iter()
    .filter(|rule| rule.name == "CallboardAgentQaScoreLow")
    .collect();
    assert_eq!(rules.len(), 1);
    let mut floor = snapshot(T0, None);
    let mut ana = agent("ana", None, "available", None);
    ana.qa_recent_score = Some(0.6);
    let mut ben = agent("ben", None, "available", None);
    ben.qa_recent_score = Some(0.7);
    let cy = agent("cy", None, "available", None);
    floor.agents = vec![ana, ben, cy];
    let notes = Engine::new().evaluate(&rules, &live(&floor), None);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0].alert.labels["agent"], "ana");
    assert_eq!(notes[0].alert.value, Some(0.6));
}
