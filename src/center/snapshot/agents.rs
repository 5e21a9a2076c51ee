//! The agent side of a snapshot: each agent's state, windows, session and quotas, and today's figures
//! by team and by campaign.

use std::collections::BTreeMap;

use super::{
    rfc3339, seconds, AgentSnapshot, AgentWindow, ContactFigures, GroupFigures, QuotaStatus, TODAY,
};
use crate::center::agent::{Agent, StateTimes, Tallies, TimeState};
use crate::center::floor::Floor;
use crate::center::levels::Level;
use crate::center::settings::{CenterSettings, Quota};
use crate::event::Millis;
use crate::kpi;

/// Today's figures by campaign and by team.
pub(super) fn group_figures(
    floor: &Floor,
    day_start: Millis,
) -> (Vec<GroupFigures>, Vec<GroupFigures>) {
    let campaigns = floor
        .campaigns
        .iter()
        .filter_map(|(campaign, daily)| {
            daily
                .of_day(day_start)
                .map(|tallies| GroupFigures::new(campaign, tallies))
        })
        .collect();
    let mut by_team: BTreeMap<&str, Tallies> = BTreeMap::new();
    for agent in &floor.agents {
        if let (Some(team), Some(today)) = (&agent.team, agent.today_tallies.of_day(day_start)) {
            let sum = by_team.entry(team.as_str()).or_default();
            sum.handled += today.handled;
            sum.dialed += today.dialed;
            sum.connected += today.connected;
            sum.successes += today.successes;
            sum.surveys += today.surveys;
            sum.survey_score_sum += today.survey_score_sum;
            sum.reviews += today.reviews;
            sum.review_score_sum += today.review_score_sum;
            sum.critical_failures += today.critical_failures;
        }
    }
    let teams = by_team
        .iter()
        .map(|(team, tallies)| GroupFigures::new(team, tallies))
        .collect();
    (campaigns, teams)
}

pub(super) fn agent_snapshot(
    agent: &Agent,
    floor: &Floor,
    settings: &CenterSettings,
    now: Millis,
    day_start: Millis,
) -> AgentSnapshot {
    let since = agent.credited_until();
    let open_from = |from: Millis| {
        let mut times = StateTimes::default();
        if now > since.max(from) {
            times.add(agent.state(), (now - since.max(from)) as u64);
        }
        times
    };
    let mut windows: Vec<AgentWindow> = settings
        .rolling_windows
        .iter()
        .map(|window| {
            let from = now - window.length_ms;
            agent_window(
                window.name.clone(),
                agent.times_between(from, now),
                &agent.tallies_between(from, now),
                floor,
            )
        })
        .collect();
    let mut today_times = agent
        .today_times
        .of_day(day_start)
        .cloned()
        .unwrap_or_default();
    today_times.merge(&open_from(day_start));
    let today = agent
        .today_tallies
        .of_day(day_start)
        .cloned()
        .unwrap_or_default();
    windows.push(agent_window(TODAY.to_string(), today_times, &today, floor));
    if let Some(session_start) = agent.session_start {
        let mut session_times = agent.session_times.clone();
        if agent.logged_in {
            session_times.merge(&open_from(session_start));
        }
        windows.push(agent_window(
            "session".to_string(),
            session_times,
            &agent.session_tallies,
            floor,
        ));
    }
    let state = agent.state();
    let entered = agent.state_since();
    let known = entered != Millis::MIN;
    let reason = match state {
        TimeState::NotReady(reason) if reason > 0 => Some(floor.reasons[reason as usize].clone()),
        _ => None,
    };
    let state_seconds = known.then(|| seconds((now - entered).max(0)));
    let limit = (settings.state_limits).of(state.name(), reason.as_deref());
    AgentSnapshot {
        agent: agent.id.clone(),
        team: agent.team.clone(),
        skills: agent
            .skills
            .iter()
            .map(|&q| floor.queues[q as usize].id.clone())
            .collect(),
        state: state.name(),
        reason,
        on_hold: state == TimeState::Hold,
        state_since: known.then(|| rfc3339(entered)),
        state_seconds,
        state_limit_seconds: limit.map(|lines| lines.warning),
        state_level: limit.map_or(Level::Normal, |lines| lines.above(state_seconds)),
        rings_unanswered_in_a_row: agent.missed_rings.in_a_row(),
        qa_recent_score: agent.recent_reviews.mean(),
        cost_today: None,
        // Set by the snapshot for all agents at once (`Samples::owed`).
        qa_reviews_owed: None,
        session_start: agent.session_start.map(rfc3339),
        session_start_ms: agent.session_start,
        windows,
        contacts: ContactFigures::new(&today),
        quotas: quota_statuses(agent, settings, now),
    }
}

fn quota_statuses(agent: &Agent, settings: &CenterSettings, now: Millis) -> Vec<QuotaStatus> {
    let Some(session_start) = agent.session_start else {
        return Vec::new();
    };
    let tallies = &agent.session_tallies;
    // A session that ended stops at its logout, which is when the agent's state last changed.
    let session_end = if agent.logged_in {
        now
    } else {
        agent.state_since()
    };
    applicable_quotas(&settings.quotas, agent)
        .into_iter()
        .map(|quota| {
            let actual = tallies.quota_count(quota.count);
            let target = quota.shift_target();
            let elapsed =
                (session_end - session_start).max(0) as f64 / quota.shift_length_ms as f64;
            QuotaStatus {
                quota: quota.name.clone(),
                actual,
                target,
                progress: kpi::quota_progress(actual as f64, target),
                pace: (elapsed > 0.0)
                    .then(|| kpi::quota_pace(actual as f64, target, elapsed))
                    .flatten(),
            }
        })
        .collect()
}

/// The quotas that apply to `agent`, one per name: the most specific scope wins (agent, then team, then
/// everyone), so a team's target replaces the center-wide one rather than adding a second series. In
/// the order the names are first configured; between equals (which configuration refuses) the first.
pub(crate) fn applicable_quotas<'a>(quotas: &'a [Quota], agent: &Agent) -> Vec<&'a Quota> {
    let specificity = |quota: &Quota| match (&quota.agent, &quota.team) {
        (Some(_), _) => 2,
        (None, Some(_)) => 1,
        (None, None) => 0,
    };
    let mut chosen: Vec<&Quota> = Vec::new();
    for quota in quotas
        .iter()
        .filter(|quota| quota.applies_to(&agent.id, agent.team.as_deref()))
    {
        match chosen.iter_mut().find(|other| other.name == quota.name) {
            Some(other) if specificity(quota) > specificity(other) => *other = quota,
            Some(_) => {}
            None => chosen.push(quota),
        }
    }
    chosen
}

fn agent_window(name: String, times: StateTimes, tallies: &Tallies, floor: &Floor) -> AgentWindow {
    let agent_times = times.agent_times();
    AgentWindow {
        window: name,
        not_ready_by_reason: times
            .not_ready_ms
            .iter()
            .map(|(reason, ms)| (floor.reasons[*reason as usize].to_string(), *ms))
            .collect(),
        handled: tallies.handled,
        rings_unanswered: tallies.rings_unanswered,
        aht_seconds: kpi::aht_seconds(&tallies.handles()),
        occupancy: kpi::occupancy(&agent_times),
        utilization: kpi::utilization(&agent_times),
        times: agent_times,
        contacts: ContactFigures::new(tallies),
    }
}
