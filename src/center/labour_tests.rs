//! Labour cost through the center, worked by hand: rates that change with a team mid-day, a day and a
//! month boundary, a holiday, the forecast against `callboard staffing`, and a restart from the state.

use std::sync::Arc;

use super::labour::LabourSettings;
use super::settings::CenterSettings;
use super::snapshot::labour::LabourSnapshot;
use super::{test_events, Center};
use crate::decode::DecodeLimits;
use crate::event::{Event, EventKind, Id, Millis};
use crate::staffing::{staffing_table, StaffingQuery};
use crate::tenants::Tenants;

fn at(time: &str) -> Millis {
    test_events::at(time)
}

fn event(time: &str, kind: EventKind) -> Event {
    test_events::event(time, kind)
}

fn login(time: &str, agent: &str, team: Option<&str>) -> Event {
    let (agent, team) = (agent.into(), team.map(Id::from));
    event(
        time,
        EventKind::AgentLogin {
            agent,
            queues: Some(vec!["billing".into()]),
            team,
        },
    )
}

fn logout(time: &str, agent: &str) -> Event {
    event(
        time,
        EventKind::AgentLogout {
            agent: agent.into(),
        },
    )
}

/// 30 an hour, north 32, south 28; December 25th a holiday; a budget of 10,000.
fn settings() -> CenterSettings {
    CenterSettings {
        labour: Some(Arc::new(LabourSettings {
            hourly_cost: 30.0,
            team_hourly_cost: [(Id::from("north"), 32.0), (Id::from("south"), 28.0)].into(),
            monthly_budget: Some(10_000.0),
            holidays: [chrono::NaiveDate::from_ymd_opt(2026, 12, 25).unwrap()].into(),
            ..LabourSettings::default()
        })),
        ..CenterSettings::default()
    }
}

fn labour_after(center: &mut Center, events: Vec<Event>, now: &str) -> LabourSnapshot {
    let mut rejections = Vec::new();
    for (tag, event) in events.into_iter().enumerate() {
        center.ingest(event, tag as u64, &mut rejections);
    }
    center.flush(&mut rejections);
    assert!(rejections.is_empty(), "{rejections:?}");
    center.snapshot(at(now)).labour.unwrap()
}

/// ann works 08:00–12:00 for north (4 h × 32 = 128) and 12:00–16:00 for south (4 h × 28 = 112): 240.
/// bob, with no team, works 22:00 on the 23rd to 02:00 on the 24th at 30: 60 on each day. At 03:00
/// on the 24th: today 60; the month so far 240 + 120 = 360; teams today: none of them worked.
#[test]
fn each_hour_is_priced_at_the_rate_of_its_team_and_split_at_midnight() {
    let mut center = Center::new(Id::from("acme"), settings());
    let day = labour_after(
        &mut center,
        vec![
            login("2026-11-23T08:00:00Z", "ann", Some("north")),
            logout("2026-11-23T12:00:00Z", "ann"),
            login("2026-11-23T12:00:00Z", "ann", Some("south")),
            logout("2026-11-23T16:00:00Z", "ann"),
            login("2026-11-23T22:00:00Z", "bob", None),
        ],
        "2026-11-23T23:00:00Z",
    );
    // At 23:00: ann's 240, and bob's open hour (not yet credited) at 30.
    assert_eq!(day.cost_today, 270.0);
    assert_eq!(day.teams["north"], 128.0);
    assert_eq!(day.teams["south"], 112.0);
    assert_eq!(day.teams[""], 30.0);
    let next = labour_after(
        &mut center,
        vec![logout("2026-11-24T02:00:00Z", "bob")],
        "2026-11-24T03:00:00Z",
    );
    assert_eq!(next.cost_today, 60.0);
    assert_eq!(next.cost_month_to_date, 360.0);
    assert_eq!(next.teams.get("north"), None);
}

/// One agent worked all of Monday, November 30th (08:00–16:00: 240) and is on since 08:00 on Tuesday,
/// December 1st. At 12:00 on the 1st the month so far is the open 4 h: 120; November's day is not in it.
/// Working days after the 1st: 2–4, 7–11, 14–18, 21–24 (the 25th a holiday), 28–31: 21.
#[test]
fn a_month_starts_afresh_and_the_forecast_counts_working_days_left() {
    let mut center = Center::new(Id::from("acme"), settings());
    let labour = labour_after(
        &mut center,
        vec![
            login("2026-11-30T08:00:00Z", "cy", None),
            logout("2026-11-30T16:00:00Z", "cy"),
            login("2026-12-01T08:00:00Z", "cy", None),
        ],
        "2026-12-01T12:00:00Z",
    );
    assert_eq!(labour.cost_today, 120.0);
    assert_eq!(labour.cost_month_to_date, 120.0);
    assert_eq!(labour.forecast.working_days_left, 21);
    // No calls: the queues need nobody, and the month ends where it stands.
    assert_eq!(labour.forecast.day_cost, 0.0);
    assert_eq!(labour.forecast.month_end, 120.0);
    assert_eq!(labour.forecast.over_budget, Some(120.0 - 10_000.0));
}

/// 200 calls an hour of 3 minutes (the staffing worked case): 100 calls in the 30-minute staffing
/// window, each talked 170 s and wrapped up 10 s, by 12 agents in turn. The queue needs what
/// `callboard staffing --calls-per-hour 200 --aht 3m` marks (14), and a working day of 8 h at 30 costs
/// 14 × 30 × 8 = 3,360. The 12 agents were on for 1,800 s: 12 × 0.5 h × 30 = 180 so far today.
#[test]
fn the_forecast_day_costs_what_staffing_marks_for_the_floors_traffic() {
    let mut events = Vec::new();
    let start = at("2026-12-01T09:00:00Z");
    let agents: Vec<String> = (0..12).map(|i| format!("agent-{i:02}")).collect();
    for agent in &agents {
        events.push(login("2026-12-01T09:00:00Z", agent, None));
    }
    for i in 0..100i64 {
        let (call, agent) = (
            Id::from(format!("c{i}").as_str()),
            Id::from(agents[i as usize % 12].as_str()),
        );
        let queued = start + 9_000 + i * 18_000;
        let mut push = |time: Millis, kind| {
            events.push(Event {
                time,
                ..event("2026-12-01T09:00:00Z", kind)
            });
        };
        push(
            queued,
            EventKind::CallQueued {
                call: call.clone(),
                queue: "billing".into(),
                priority: None,
                direction: Default::default(),
                caller: None,
            },
        );
        push(
            queued,
            EventKind::CallAnswered {
                call: call.clone(),
                queue: "billing".into(),
                agent: agent.clone(),
            },
        );
        push(
            queued + 170_000,
            EventKind::CallEnded {
                call: call.clone(),
                agent: agent.clone(),
            },
        );
        push(
            queued + 180_000,
            EventKind::CallCompleted {
                call,
                agent,
                outcome: None,
                disposition: None,
            },
        );
    }
    events.sort_by_key(|event| event.time);
    // Only what has happened by 09:30.
    let now = start + 1_800_000;
    events.retain(|event| event.time < now);
    let mut center = Center::new(Id::from("acme"), settings());
    let labour = labour_after(&mut center, events, "2026-12-01T09:30:00Z");
    let staffing = staffing_table(&StaffingQuery {
        calls_per_hour: 200.0,
        aht_seconds: 180.0,
        threshold_seconds: 20.0,
        target: 0.8,
        patience_seconds: None,
        shrinkage: 0.0,
        cost_per_hour: Some(30.0),
    })
    .unwrap();
    assert_eq!(staffing.required_agents, 14);
    assert_eq!(
        labour.forecast.day_cost,
        staffing.scheduled_cost_per_hour.unwrap() * 8.0
    );
    assert_eq!(labour.cost_today, 180.0);
    // 90 calls completed by 09:30 (those queued by 09:26:51, done 3 minutes later): 180 / 90 each.
    assert_eq!(labour.handled_today, 90);
    assert_eq!(labour.cost_per_handled_call_today, Some(2.0));
}

/// A restart on the 3rd that loads the state still knows the 1st and the 2nd: the month so far equals
/// that of tenants that never stopped.
#[test]
fn the_month_so_far_survives_a_restart_from_the_state() {
    let settings_of: crate::tenants::SettingsOf = Arc::new(|_: &str| settings());
    let limits = DecodeLimits::default();
    let days = [
        login("2026-12-01T08:00:00Z", "ann", Some("north")),
        logout("2026-12-01T17:00:00Z", "ann"),
        login("2026-12-02T08:00:00Z", "ann", Some("north")),
        logout("2026-12-02T12:30:00Z", "ann"),
    ];
    let third = [
        login("2026-12-03T08:00:00Z", "ann", Some("south")),
        logout("2026-12-03T10:00:00Z", "ann"),
    ];
    let mut kept = Tenants::new(Arc::clone(&settings_of), limits);
    for (tag, event) in days.iter().chain(&third).enumerate() {
        kept.ingest(event.clone(), tag as u64);
    }
    kept.finish();
    let mut before = Tenants::new(Arc::clone(&settings_of), limits);
    for (tag, event) in days.iter().enumerate() {
        before.ingest(event.clone(), tag as u64);
    }
    before.settle();
    let mut restarted =
        Tenants::restore_state(&before.encode_state(), settings_of, limits).unwrap();
    for (tag, event) in third.iter().enumerate() {
        restarted.ingest(event.clone(), 100 + tag as u64);
    }
    restarted.finish();
    let now = at("2026-12-03T12:00:00Z");
    let month = |tenants: &Tenants| {
        let center = tenants.centers().next().unwrap();
        center.snapshot(now).labour.unwrap().cost_month_to_date
    };
    // 9 h and 4.5 h for north at 32, 2 h for south at 28: 288 + 144 + 56.
    assert_eq!(month(&kept), 488.0);
    assert_eq!(month(&restarted), 488.0);
}
