//! The simulator's output checked from outside: determinism, order, consistency of every call's life,
//! and its statistics against the configured rates.

use std::collections::{HashMap, HashSet};

use super::*;
use crate::event::{EventKind, Id};

fn events(options: &SimOptions) -> Vec<Event> {
    let mut all = Vec::new();
    simulate(options, |event| all.push(event));
    all
}

#[test]
fn the_same_seed_gives_the_same_day() {
    let options = SimOptions {
        hours: 12,
        ..SimOptions::default()
    };
    let (first, second) = (events(&options), events(&options));
    assert!(first.len() > 1_000, "{}", first.len());
    assert_eq!(first, second);
    assert_ne!(first, events(&SimOptions { seed: 2, ..options }));
}

#[test]
fn events_come_in_time_order_with_unique_ids() {
    let all = events(&SimOptions::default());
    assert!(all.windows(2).all(|pair| pair[0].time <= pair[1].time));
    let ids: HashSet<_> = all.iter().map(|event| event.id.clone()).collect();
    assert_eq!(ids.len(), all.len());
}

#[test]
fn disorder_stays_within_its_bound() {
    let options = SimOptions {
        hours: 12,
        disorder_ms: 5_000,
        ..SimOptions::default()
    };
    let all = events(&options);
    let mut latest = Millis::MIN;
    let mut out_of_order = 0;
    for event in &all {
        assert!(
            event.time > latest.saturating_sub(5_000),
            "an event arrived {} ms late",
            latest.saturating_sub(event.time)
        );
        out_of_order += usize::from(event.time < latest);
        latest = latest.max(event.time);
    }
    assert!(
        out_of_order > 100,
        "disorder should be visible: {out_of_order}"
    );
}

#[test]
fn second_resolution_truncates_times() {
    let options = SimOptions {
        hours: 12,
        second_resolution: true,
        ..SimOptions::default()
    };
    assert!(events(&options).iter().all(|event| event.time % 1_000 == 0));
}

/// An independent check of each call's life: answered or abandoned only while queued, handled by an
/// agent that is logged in and not on another call, ended or transferred before completed.
#[test]
fn every_call_lives_a_consistent_life() {
    let all = events(&SimOptions::default());
    let mut queued: HashMap<Id, Id> = HashMap::new();
    let mut working: HashMap<Id, Id> = HashMap::new(); // agent → call
    let mut logged_in: HashSet<Id> = HashSet::new();
    let mut talked: HashSet<(Id, Id)> = HashSet::new();
    let (mut answered, mut abandoned, mut completed, mut surveys) = (0, 0, 0, 0);
    for event in &all {
        match &event.kind {
            EventKind::CallQueued { call, queue, .. } => {
                assert!(queued.insert(call.clone(), queue.clone()).is_none())
            }
            EventKind::CallAnswered { call, queue, agent } => {
                assert_eq!(
                    queued.remove(call).as_ref(),
                    Some(queue),
                    "{call} answered without waiting in {queue}"
                );
                assert!(
                    logged_in.contains(agent),
                    "{agent} answered while logged out"
                );
                assert!(
                    working.insert(agent.clone(), call.clone()).is_none(),
                    "{agent} answered two calls"
                );
                answered += 1;
            }
            EventKind::CallAbandoned { call, queue } => {
                assert_eq!(queued.remove(call).as_ref(), Some(queue));
                abandoned += 1;
            }
            EventKind::CallDialed { call, agent, .. } => {
                assert!(logged_in.contains(agent));
                assert!(working.insert(agent.clone(), call.clone()).is_none());
            }
            EventKind::CallEnded { call, agent }
            | EventKind::CallTransferred { call, agent, .. } => {
                assert_eq!(working.get(agent), Some(call));
                talked.insert((agent.clone(), call.clone()));
            }
            EventKind::CallCompleted { call, agent, .. } => {
                assert_eq!(working.remove(agent).as_ref(), Some(call));
                completed += 1;
            }
            EventKind::AgentLogin { agent, .. } => assert!(logged_in.insert(agent.clone())),
            EventKind::AgentLogout { agent } => {
                assert!(
                    !working.contains_key(agent),
                    "{agent} logged out during a call"
                );
                assert!(logged_in.remove(agent));
            }
            EventKind::SurveyCompleted { .. } => surveys += 1,
            _ => {}
        }
    }
    assert!(
        answered > 1_000 && abandoned > 0 && completed > answered && surveys > 0,
        "{answered} {abandoned} {completed} {surveys}"
    );
}

#[test]
fn poisson_arrivals_match_the_configured_rate() {
    // M/M/N at 300 calls/hour for 20 hours: 6,000 expected, σ = √6000 ≈ 77.
    let all = events(&SimOptions::mmn(30, 300.0, 180_000, 20, 11));
    let offered = all
        .iter()
        .filter(|event| matches!(event.kind, EventKind::CallQueued { .. }))
        .count() as f64;
    assert!(
        (offered - 6_000.0).abs() < 4.0 * 6_000f64.sqrt(),
        "{offered}"
    );
    assert!(!all
        .iter()
        .any(|event| matches!(event.kind, EventKind::CallAbandoned { .. })));
}

#[test]
fn mmn_talk_times_have_the_configured_mean() {
    let all = events(&SimOptions::mmn(30, 300.0, 180_000, 20, 12));
    let mut answered_at = HashMap::new();
    let mut talks = Vec::new();
    for event in &all {
        match &event.kind {
            EventKind::CallAnswered { call, .. } => {
                answered_at.insert(call.clone(), event.time);
            }
            EventKind::CallEnded { call, .. } => {
                talks.push((event.time - answered_at[call]) as f64)
            }
            _ => {}
        }
    }
    let mean = talks.iter().sum::<f64>() / talks.len() as f64;
    // Exponential: σ of the mean = 180 s / √n.
    let tolerance = 4.0 * 180_000.0 / (talks.len() as f64).sqrt();
    assert!(
        (mean - 180_000.0).abs() < tolerance,
        "mean talk {mean} ms over {} calls",
        talks.len()
    );
}

#[test]
fn max_events_bounds_the_output() {
    let options = SimOptions {
        max_events: Some(1_234),
        ..SimOptions::default()
    };
    assert_eq!(events(&options).len(), 1_234);
}

/// Agents logged in with each queue's skill at `times` (offsets from the start), from the events.
fn staffed_at(options: &SimOptions, times: &[Millis]) -> Vec<HashMap<Id, u32>> {
    let mut skills: HashMap<Id, Vec<Id>> = HashMap::new();
    let mut staffed = vec![HashMap::new(); times.len()];
    for event in events(options) {
        match &event.kind {
            EventKind::AgentLogin {
                agent,
                queues: Some(queues),
                ..
            } => {
                skills.insert(agent.clone(), queues.clone());
            }
            EventKind::AgentLogout { agent } => {
                skills.remove(agent);
            }
            _ => continue,
        }
        for (time, staffed) in times.iter().zip(&mut staffed) {
            if event.time <= options.start + time {
                staffed.clear();
                for queue in skills.values().flatten() {
                    *staffed.entry(queue.clone()).or_insert(0) += 1;
                }
            }
        }
    }
    staffed
}

/// The default day's shifts follow its call curve: at each of these times every queue has at least
/// the agents Erlang C needs on the phones for its calls (from `callboard staffing --calls-per-hour N
/// --aht 282 --threshold 20s --target 80%`: the curve times 420 calls/hour, shared 12:6:4:3, and the
/// 282 s handle time is 240 talk + 30 wrap-up + 4 ring + 20 % × 40 hold). Shifts used to start
/// evenly between 06:00 and 14:00, leaving the morning ramp with half of what it needs.
#[test]
fn shifts_follow_the_call_curve() {
    let required = [
        // time, then billing, sales, support, tech
        (3, [2, 1, 1, 1]),
        (8, [15, 9, 6, 5]),
        (10, [20, 11, 8, 7]),
        (15, [19, 11, 8, 6]),
        (20, [6, 4, 3, 3]),
    ];
    let times: Vec<Millis> = required.iter().map(|(hour, _)| hour * HOUR).collect();
    let staffed = staffed_at(&SimOptions::default(), &times);
    for ((hour, needs), staffed) in required.iter().zip(&staffed) {
        for (queue, need) in ["billing", "sales", "support", "tech"].iter().zip(needs) {
            let has = staffed.get(&Id::from(*queue)).copied().unwrap_or(0);
            assert!(
                has >= *need,
                "{queue} at {hour:02}:00 has {has} agents, needs {need}"
            );
        }
    }
    let total = |staffed: &HashMap<Id, u32>| staffed.values().sum::<u32>();
    assert!(
        total(&staffed[0]) * 4 < total(&staffed[2]),
        "the night team is small: {staffed:?}"
    );
    // Never fewer than two agents per queue, so that one can take a break.
    let half_hours: Vec<Millis> = (0..48).map(|slot| slot * HOUR / 2).collect();
    for (time, staffed) in half_hours
        .iter()
        .zip(staffed_at(&SimOptions::default(), &half_hours))
    {
        for queue in ["billing", "sales", "support", "tech"] {
            let has = staffed.get(&Id::from(queue)).copied().unwrap_or(0);
            assert!(
                has >= 2,
                "{queue} at {} min has {has} agents",
                time / 60_000
            );
        }
    }
}

/// Every inbound call names its caller, a transfer's next queue keeps it, some callers call again, and
/// some outbound dials call back a caller who hung up waiting.
#[test]
fn calls_name_callers_who_call_again_and_are_called_back() {
    let all = events(&SimOptions::default());
    let mut caller_of: HashMap<Id, Id> = HashMap::new();
    let mut calls_of: HashMap<Id, HashSet<Id>> = HashMap::new();
    let mut abandoned: HashSet<Id> = HashSet::new();
    let (mut transfers_checked, mut dialed_back) = (0, 0);
    for event in &all {
        match &event.kind {
            EventKind::CallQueued { call, caller, .. } => {
                let caller = caller.clone().expect("every inbound call names its caller");
                if let Some(before) = caller_of.insert(call.clone(), caller.clone()) {
                    assert_eq!(before, caller, "a transfer keeps the caller of {call}");
                    transfers_checked += 1;
                }
                calls_of.entry(caller).or_default().insert(call.clone());
            }
            EventKind::CallAbandoned { call, .. } => {
                abandoned.insert(caller_of[call].clone());
            }
            EventKind::CallDialed {
                caller: Some(caller),
                ..
            } => {
                assert!(abandoned.contains(caller), "{caller} had not hung up");
                dialed_back += 1;
            }
            _ => {}
        }
    }
    let again = calls_of.values().filter(|calls| calls.len() > 1).count();
    assert!(
        transfers_checked > 0 && dialed_back > 0,
        "{transfers_checked} {dialed_back}"
    );
    // About 8 % of calls repeat a recent caller, and half of those who hang up call again.
    assert!(again * 20 > calls_of.len(), "{again} of {}", calls_of.len());
}
