//! An agent's session figures over events of one instant in every arrival order, and late tallies;
//! the expected figures are worked out by hand in each test.

use super::settings::CenterSettings;
use super::snapshot::{AgentSnapshot, AgentWindow, CenterSnapshot, TODAY};
use super::test_events::{at, event};
use super::*;
use crate::event::{Availability, EventKind, Id};

fn id(text: &str) -> Id {
    Id::from(text)
}

fn login(time: &str, agent: &str) -> Event {
    let queues = Some(vec![id("billing")]);
    let team = None;
    event(
        time,
        EventKind::AgentLogin {
            agent: id(agent),
            queues,
            team,
        },
    )
}

fn logout(time: &str, agent: &str) -> Event {
    event(time, EventKind::AgentLogout { agent: id(agent) })
}

fn available(time: &str, agent: &str) -> Event {
    let availability = Availability::Available;
    event(
        time,
        EventKind::AgentState {
            agent: id(agent),
            availability,
        },
    )
}

fn survey(time: &str, call: &str, agent: &str, score: f64) -> Event {
    event(
        time,
        EventKind::SurveyCompleted {
            call: id(call),
            agent: Some(id(agent)),
            queue: None,
            score,
            scale: 5.0,
        },
    )
}

fn review(time: &str, call: &str, agent: &str, score: f64) -> Event {
    event(
        time,
        EventKind::QaScored {
            call: id(call),
            agent: id(agent),
            evaluator: id("e1"),
            form: None,
            score,
            max_score: 4.0,
            critical: false,
        },
    )
}

fn queued(time: &str, call: &str) -> Event {
    event(
        time,
        EventKind::CallQueued {
            caller: None,
            call: id(call),
            queue: id("billing"),
            priority: None,
            direction: Default::default(),
        },
    )
}

fn ringing(time: &str, call: &str, agent: &str) -> Event {
    let (call, queue, agent) = (id(call), id("billing"), id(agent));
    event(time, EventKind::CallRinging { call, queue, agent })
}

fn dialed(time: &str, call: &str, agent: &str) -> Event {
    let (call, agent) = (id(call), id(agent));
    let (campaign, caller) = (None, None);
    event(
        time,
        EventKind::CallDialed {
            call,
            agent,
            campaign,
            caller,
        },
    )
}

fn connected(time: &str, call: &str, agent: &str) -> Event {
    let (call, agent) = (id(call), id(agent));
    event(time, EventKind::CallConnected { call, agent })
}

fn abandoned(time: &str, call: &str) -> Event {
    let (call, queue) = (id(call), id("billing"));
    event(time, EventKind::CallAbandoned { call, queue })
}

/// Every order of `items`: each item first, then every order of the rest.
fn permutations<T: Clone>(items: &[T]) -> Vec<Vec<T>> {
    if items.len() <= 1 {
        return vec![items.to_vec()];
    }
    let mut orders = Vec::new();
    for first in 0..items.len() {
        let mut rest = items.to_vec();
        let item = rest.remove(first);
        for mut order in permutations(&rest) {
            order.insert(0, item.clone());
            orders.push(order);
        }
    }
    orders
}

/// A center fed `events` in that order (tags are their positions), nothing rejected.
fn fed(events: &[Event]) -> Center {
    let mut center = Center::new(id("acme"), CenterSettings::default());
    let mut rejections = Vec::new();
    for (tag, event) in events.iter().enumerate() {
        center.ingest(event.clone(), tag as u64, &mut rejections);
    }
    assert_eq!(rejections, vec![], "{events:?}");
    center
}

fn agent<'a>(snapshot: &'a CenterSnapshot, name: &str) -> &'a AgentSnapshot {
    let found = snapshot.agents.iter().find(|agent| agent.agent == name);
    found.expect("agent present")
}

fn window<'a>(agent: &'a AgentSnapshot, name: &str) -> &'a AgentWindow {
    let found = agent.windows.iter().find(|window| window.window == name);
    found.expect("window present")
}

/// (surveys, CSAT, reviews, QA score, unanswered rings, dialed, connected) of a window, the ratios to 9
/// places.
type Tallied = (u64, Option<String>, u64, Option<String>, u64, u64, u64);

fn tallied(window: &AgentWindow) -> Tallied {
    let ratio = |value: Option<f64>| value.map(|value| format!("{value:.9}"));
    let contacts = &window.contacts;
    (
        contacts.surveys,
        ratio(contacts.csat),
        contacts.qa_reviews,
        ratio(contacts.qa_score),
        window.rings_unanswered,
        contacts.dialed,
        contacts.connected,
    )
}

/// Expected figures: (surveys, CSAT), (reviews, QA score), unanswered rings, (dialed, connected).
fn expected(
    (surveys, csat): (u64, Option<f64>),
    (reviews, qa): (u64, Option<f64>),
    rings: u64,
    (dialed, connected): (u64, u64),
) -> Tallied {
    let ratio = |value: Option<f64>| value.map(|value| format!("{value:.9}"));
    (
        surveys,
        ratio(csat),
        reviews,
        ratio(qa),
        rings,
        dialed,
        connected,
    )
}

// a1 works 08:00:00–08:59:40 and logs in again at 09:00:00. c2 rang at a1 at 08:59:30 and its caller
// hangs up at 09:00:00; a1 dialed c3 at 08:59:00 and it connects at 09:00:00; a survey (4 / 5) and a
// review (3 / 4) of c1 come in at 09:00:00 too. A session runs from its login, that instant included,
// so everything counted at 09:00:00 is the new session's, whichever of the five events of that instant
// is applied first:
//   session at 09:20: surveys 1, CSAT 0.8; reviews 1, QA 0.75; unanswered rings 1 (c2's ended then);
//                     dialed 0 (08:59:00 was the last session's), connected 1
//   today: also the survey of 08:45 (2 / 5): surveys 2, CSAT (0.4 + 0.8) / 2 = 0.6; reviews 1, rings 1;
//          dialed 1, connected 1
// The property failure `agents[a0].windows[session].csat: null != 0.0` (its seed is kept in
// tests/properties.proptest-regressions) was this: a tally applied before the login of its instant
// went to the session that had ended, and the login then started the new one empty.
#[test]
fn tallies_at_the_instant_of_a_login_count_for_its_session_in_any_order() {
    let before = vec![
        login("2026-11-23T08:00:00Z", "a1"),
        survey("2026-11-23T08:45:00Z", "c0", "a1", 2.0),
        queued("2026-11-23T08:59:30Z", "c2"),
        dialed("2026-11-23T08:59:00Z", "c3", "a1"),
        ringing("2026-11-23T08:59:30Z", "c2", "a1"),
        logout("2026-11-23T08:59:40Z", "a1"),
    ];
    let instant = [
        login("2026-11-23T09:00:00Z", "a1"),
        survey("2026-11-23T09:00:00Z", "c1", "a1", 4.0),
        review("2026-11-23T09:00:00Z", "c1", "a1", 3.0),
        abandoned("2026-11-23T09:00:00Z", "c2"),
        connected("2026-11-23T09:00:00Z", "c3", "a1"),
    ];
    let orders = permutations(&instant);
    let distinct: std::collections::BTreeSet<Vec<&str>> = (orders.iter())
        .map(|order| order.iter().map(|e| e.kind.type_name()).collect())
        .collect();
    assert_eq!((orders.len(), distinct.len()), (120, 120));
    for order in orders {
        let mut events = before.clone();
        events.extend(order);
        events.push(available("2026-11-23T09:10:00Z", "a1"));
        let what = format!(
            "{:?}",
            events[6..11]
                .iter()
                .map(|e| e.kind.type_name())
                .collect::<Vec<_>>()
        );
        let snapshot = fed(&events).snapshot(at("2026-11-23T09:20:00Z"));
        let a1 = agent(&snapshot, "a1");
        assert_eq!(
            a1.session_start_ms,
            Some(at("2026-11-23T09:00:00Z")),
            "{what}"
        );
        let session = tallied(window(a1, "session"));
        assert_eq!(
            session,
            expected((1, Some(0.8)), (1, Some(0.75)), 1, (0, 1)),
            "session, {what}"
        );
        let today = tallied(window(a1, TODAY));
        assert_eq!(
            today,
            expected((2, Some(0.6)), (1, Some(0.75)), 1, (1, 1)),
            "today, {what}"
        );
    }
}

// An agent's first session starting at the instant of a survey naming it, by an explicit login (a2)
// or by its first agent event in a feed without logins (a3): the survey (5 / 5) is the session's in
// either order. Nothing else happens: session and today show surveys 1, CSAT 1.
#[test]
fn a_first_session_holds_the_survey_of_its_instant_in_either_order() {
    for (agent_name, starts) in [
        ("a2", login("2026-11-23T09:00:00Z", "a2")),
        ("a3", available("2026-11-23T09:00:00Z", "a3")),
    ] {
        let rated = survey("2026-11-23T09:00:00Z", "c1", agent_name, 5.0);
        for order in [[starts.clone(), rated.clone()], [rated, starts.clone()]] {
            let what = format!(
                "{agent_name}: {:?}",
                order.iter().map(|e| e.kind.type_name()).collect::<Vec<_>>()
            );
            let snapshot = fed(&order).snapshot(at("2026-11-23T09:20:00Z"));
            let shown = agent(&snapshot, agent_name);
            for name in ["session", TODAY] {
                let figures = tallied(window(shown, name));
                assert_eq!(
                    figures,
                    expected((1, Some(1.0)), (0, None), 0, (0, 0)),
                    "{name}, {what}"
                );
            }
        }
    }
}

// Surveys arriving minutes after their time (beyond the 10 s lateness, within the hour held), after
// a1's next login at 09:00:00 and its state at 09:10:00: each counts for the session that was open at
// its time. 08:59:59 (1 / 5) is before the session; 09:00:00 (3 / 5, the login's instant) and 09:05:00
// (5 / 5) are in it:
//   session: surveys 2, CSAT (0.6 + 1.0) / 2 = 0.8
//   today: surveys 3, CSAT (0.2 + 0.6 + 1.0) / 3 = 0.6
#[test]
fn late_surveys_count_for_the_session_open_at_their_time() {
    let events = [
        login("2026-11-23T08:00:00Z", "a1"),
        logout("2026-11-23T08:30:00Z", "a1"),
        login("2026-11-23T09:00:00Z", "a1"),
        available("2026-11-23T09:10:00Z", "a1"),
        survey("2026-11-23T09:05:00Z", "c3", "a1", 5.0),
        survey("2026-11-23T08:59:59Z", "c4", "a1", 1.0),
        survey("2026-11-23T09:00:00Z", "c5", "a1", 3.0),
    ];
    let snapshot = fed(&events).snapshot(at("2026-11-23T09:20:00Z"));
    let a1 = agent(&snapshot, "a1");
    let session = tallied(window(a1, "session"));
    assert_eq!(session, expected((2, Some(0.8)), (0, None), 0, (0, 0)));
    let today = tallied(window(a1, TODAY));
    assert_eq!(today, expected((3, Some(0.6)), (0, None), 0, (0, 0)));
}
