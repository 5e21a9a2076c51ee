//! Calls chosen for review through the center: which calls are eligible, with which times, and that
//! the random choice is the bottom-k of SHA-256 keys the spec names, recomputed here with sha2 alone.

use sha2::{Digest, Sha256};

use super::qa::{Reason, SamplingPolicy};
use super::settings::CenterSettings;
use super::{test_events, Center};
use crate::event::{Event, EventKind, Id, Millis};

fn event(time: &str, kind: EventKind) -> Event {
    test_events::event(&format!("2026-11-23T{time}Z"), kind)
}

/// A call queued in `queue` at `answered`, answered by `agent`, ended at `ended` and completed 10 s
/// later; transferred instead of ended when `transfer`.
fn call(
    id: &str,
    queue: &str,
    agent: &str,
    answered: &str,
    ended: &str,
    transfer: bool,
) -> Vec<Event> {
    let (c, q, a) = (Id::from(id), Id::from(queue), Id::from(agent));
    let end = if transfer {
        EventKind::CallTransferred {
            call: c.clone(),
            agent: a.clone(),
            to_queue: Some("escalations".into()),
            to_agent: None,
        }
    } else {
        EventKind::CallEnded {
            call: c.clone(),
            agent: a.clone(),
        }
    };
    let completed_at = test_events::at(&format!("2026-11-23T{ended}Z")) + 10_000;
    vec![
        event(
            answered,
            EventKind::CallQueued {
                call: c.clone(),
                queue: q.clone(),
                priority: None,
                direction: Default::default(),
                caller: None,
            },
        ),
        event(
            answered,
            EventKind::CallAnswered {
                call: c.clone(),
                queue: q,
                agent: a.clone(),
            },
        ),
        event(ended, end),
        Event {
            time: completed_at,
            ..event(
                ended,
                EventKind::CallCompleted {
                    call: c,
                    agent: a,
                    outcome: None,
                    disposition: None,
                },
            )
        },
    ]
}

/// The spec's key: SHA-256 over (tenant, agent, queue or "", call), each preceded by its length as 8
/// bytes big-endian, then the period start as 8 bytes big-endian; the first 8 bytes, big-endian.
fn spec_key(tenant: &str, agent: &str, call: &str, period_start: Millis) -> u64 {
    let mut hash = Sha256::new();
    for part in [tenant, agent, "", call] {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part.as_bytes());
    }
    hash.update(period_start.to_be_bytes());
    u64::from_be_bytes(hash.finalize()[..8].try_into().unwrap())
}

#[test]
fn the_sample_is_each_agents_smallest_keys_among_calls_long_enough_plus_the_rules() {
    let policy = SamplingPolicy {
        calls: 2,
        min_handle_ms: 30_000,
        always_transferred: true,
        always_survey_below: Some(0.5),
        ..SamplingPolicy::default()
    };
    let settings = CenterSettings {
        qa_sampling: Some(policy),
        ..CenterSettings::default()
    };
    let mut center = Center::new(Id::from("acme"), settings);
    let mut events = vec![
        event(
            "08:00:00",
            EventKind::AgentLogin {
                agent: "ann".into(),
                queues: None,
                team: None,
            },
        ),
        event(
            "08:00:00",
            EventKind::AgentLogin {
                agent: "bob".into(),
                queues: None,
                team: None,
            },
        ),
    ];
    // ann: six calls of 2 min (eligible), one of 15 s (not: 15 s talk + 10 s wrap-up < 30 s), and one
    // she transfers. bob: one eligible call.
    let mut ann_eligible = Vec::new();
    for i in 0..6 {
        let id = format!("a{i}");
        let start = format!("09:{:02}:00", i * 5);
        let end = format!("09:{:02}:00", i * 5 + 2);
        events.extend(call(&id, "billing", "ann", &start, &end, false));
        ann_eligible.push(id);
    }
    events.extend(call(
        "short", "billing", "ann", "10:00:00", "10:00:15", false,
    ));
    events.extend(call(
        "moved", "billing", "ann", "10:10:00", "10:13:00", true,
    ));
    ann_eligible.push("moved".into());
    events.extend(call("b0", "sales", "bob", "09:00:00", "09:04:00", false));
    events.push(event(
        "11:00:00",
        EventKind::SurveyCompleted {
            call: "b-old".into(),
            agent: Some("bob".into()),
            queue: Some("sales".into()),
            score: 1.0,
            scale: 5.0,
        },
    ));
    events.sort_by_key(|event| event.time);
    let mut rejections = Vec::new();
    for (tag, event) in events.into_iter().enumerate() {
        center.ingest(event, tag as u64, &mut rejections);
    }
    center.flush(&mut rejections);
    assert!(rejections.is_empty(), "{rejections:?}");
    let snapshot = center.snapshot(test_events::at("2026-11-23T12:00:00Z"));
    let day_start = test_events::at("2026-11-23T00:00:00Z");

    let mut expected: Vec<(u64, String)> = (ann_eligible.iter())
        .map(|call| (spec_key("acme", "ann", call, day_start), call.clone()))
        .collect();
    expected.sort();
    let expected_random: Vec<&str> = expected[..2]
        .iter()
        .map(|(_, call)| call.as_str())
        .collect();
    let of = |agent: &str, reason: Reason| -> Vec<String> {
        (snapshot.qa_samples.iter())
            .filter(|s| s.agent == agent && s.reason == reason)
            .map(|s| s.call.to_string())
            .collect()
    };
    assert_eq!(of("ann", Reason::Random), expected_random);
    // The transfer is listed once: as random when drawn, else by its rule.
    let moved_listed = (snapshot.qa_samples.iter())
        .filter(|s| s.call == "moved")
        .count();
    assert_eq!(moved_listed, 1);
    if !expected_random.contains(&"moved") {
        assert_eq!(of("ann", Reason::Transferred), ["moved"]);
    }
    assert!(snapshot.qa_samples.iter().all(|s| s.call != "short"));
    assert_eq!(of("bob", Reason::Random), ["b0"]);
    assert_eq!(of("bob", Reason::LowSurvey), ["b-old"]);
    let b0 = snapshot.qa_samples.iter().find(|s| s.call == "b0").unwrap();
    assert_eq!(
        b0.answered_at,
        Some(test_events::at("2026-11-23T09:00:00Z"))
    );
    assert_eq!(b0.handle_ms, Some(250_000)); // 4 min talk + 10 s wrap-up
    assert_eq!(b0.queue.as_deref(), Some("sales"));
    assert_eq!(
        (b0.period_first_day.as_str(), b0.period_last_day.as_str()),
        ("2026-11-23", "2026-11-23")
    );
}

/// A week runs Monday to Sunday in the tenant's zone: 2026-11-23 is a Monday, so a call of Sunday the
/// 29th is in its week and one of Monday the 30th starts the next.
#[test]
fn a_weekly_sample_spans_monday_to_sunday() {
    let policy = SamplingPolicy {
        calls: 5,
        period: super::qa::SamplePeriod::Week,
        ..SamplingPolicy::default()
    };
    let settings = CenterSettings {
        qa_sampling: Some(policy),
        time_zone: chrono_tz::Europe::Berlin,
        ..CenterSettings::default()
    };
    let mut center = Center::new(Id::from("acme"), settings);
    let mut events = Vec::new();
    for (day, id) in [("23", "mon"), ("29", "sun"), ("30", "next-mon")] {
        let at = |time: &str| format!("2026-11-{day}T{time}Z");
        events.push(test_events::event(
            &at("08:00:00"),
            EventKind::AgentLogin {
                agent: "ann".into(),
                queues: None,
                team: None,
            },
        ));
        for mut event in call(id, "billing", "ann", "09:00:00", "09:03:00", false) {
            event.time +=
                test_events::at(&at("00:00:00")) - test_events::at("2026-11-23T00:00:00Z");
            events.push(event);
        }
    }
    let mut rejections = Vec::new();
    for (tag, event) in events.into_iter().enumerate() {
        center.ingest(event, tag as u64, &mut rejections);
    }
    center.flush(&mut rejections);
    let snapshot = center.snapshot(test_events::at("2026-11-30T12:00:00Z"));
    let period = |call: &str| {
        let sample = snapshot.qa_samples.iter().find(|s| s.call == call).unwrap();
        (
            sample.period_first_day.clone(),
            sample.period_last_day.clone(),
        )
    };
    let this_week = ("2026-11-23".to_string(), "2026-11-29".to_string());
    assert_eq!(period("mon"), this_week);
    assert_eq!(period("sun"), this_week);
    assert_eq!(
        period("next-mon"),
        ("2026-11-30".to_string(), "2026-12-06".to_string())
    );
}

fn scored(time: &str, call: &str, agent: &str, score: f64, critical: bool) -> Event {
    event(
        time,
        EventKind::QaScored {
            call: call.into(),
            agent: agent.into(),
            evaluator: "eve".into(),
            form: Some("standard".into()),
            score,
            max_score: 10.0,
            critical,
        },
    )
}

/// Reviews, worked by hand. ann (team north) handles c1, c2, c3 from 09:00 and is reviewed at 10:00
/// (8/10), 10:30 (6/10, a critical failure) and 11:30 (9/10); bob (north) at 11:40 (5/10); cy (south)
/// at 11:45 (10/10). At 12:00, today: ann 3 reviews, mean (0.8 + 0.6 + 0.9) / 3 = 0.766667, 1 critical;
/// her last hour (11:00–12:00) holds one review, 0.9. Team north: 4 reviews, (2.3 + 0.5) / 4 = 0.7, 1
/// critical; south: 1, 1.0. With two calls a day sampled, ann owes 2 before any review and, once c1, c2
/// and c3 are reviewed, none.
#[test]
fn reviews_count_per_agent_window_and_team_and_settle_what_is_owed() {
    let settings = CenterSettings {
        qa_sampling: Some(SamplingPolicy {
            calls: 2,
            ..SamplingPolicy::default()
        }),
        ..CenterSettings::default()
    };
    let mut center = Center::new(Id::from("acme"), settings);
    let login = |agent: &str, team: &str| {
        event(
            "08:00:00",
            EventKind::AgentLogin {
                agent: agent.into(),
                queues: None,
                team: Some(team.into()),
            },
        )
    };
    let mut events = vec![
        login("ann", "north"),
        login("bob", "north"),
        login("cy", "south"),
    ];
    events.extend(call("c1", "billing", "ann", "09:00:00", "09:05:00", false));
    events.extend(call("c2", "billing", "ann", "09:10:00", "09:15:00", false));
    events.extend(call("c3", "billing", "ann", "09:20:00", "09:25:00", false));
    let mut rejections = Vec::new();
    let mut tag = 0;
    let mut apply = |center: &mut Center, events: Vec<Event>| {
        for event in events {
            center.ingest(event, tag, &mut rejections);
            tag += 1;
        }
        center.flush(&mut rejections);
    };
    apply(&mut center, events);
    let before = center.snapshot(test_events::at("2026-11-23T09:59:00Z"));
    let ann = |snapshot: &super::snapshot::CenterSnapshot| {
        snapshot
            .agents
            .iter()
            .find(|a| a.agent == "ann")
            .unwrap()
            .clone()
    };
    assert_eq!(ann(&before).qa_reviews_owed, Some(2));
    assert_eq!(ann(&before).qa_recent_score, None);

    apply(
        &mut center,
        vec![
            scored("10:00:00", "c1", "ann", 8.0, false),
            scored("10:30:00", "c2", "ann", 6.0, true),
            scored("11:30:00", "c3", "ann", 9.0, false),
            scored("11:40:00", "b1", "bob", 5.0, false),
            scored("11:45:00", "y1", "cy", 10.0, false),
        ],
    );
    assert!(rejections.is_empty(), "{rejections:?}");
    let after = center.snapshot(test_events::at("2026-11-23T12:00:00Z"));
    let ann = ann(&after);
    let window = |name: &str| {
        ann.windows
            .iter()
            .find(|w| w.window == name)
            .unwrap()
            .contacts
            .clone()
    };
    let today = window("today");
    assert_eq!((today.qa_reviews, today.qa_critical_failures), (3, 1));
    assert!((today.qa_score.unwrap() - 2.3 / 3.0).abs() < 1e-6);
    let hour = window("1h");
    assert_eq!((hour.qa_reviews, hour.qa_critical_failures), (1, 0));
    assert!((hour.qa_score.unwrap() - 0.9).abs() < 1e-6);
    assert!((ann.qa_recent_score.unwrap() - 2.3 / 3.0).abs() < 1e-6);
    assert_eq!(ann.qa_reviews_owed, Some(0));
    let team = |name: &str| {
        after
            .teams
            .iter()
            .find(|t| t.name == name)
            .unwrap()
            .contacts
            .clone()
    };
    let north = team("north");
    assert_eq!((north.qa_reviews, north.qa_critical_failures), (4, 1));
    assert!((north.qa_score.unwrap() - 0.7).abs() < 1e-6);
    let south = team("south");
    assert_eq!((south.qa_reviews, south.qa_score), (1, Some(1.0)));
}
