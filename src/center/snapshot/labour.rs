//! The labour side of a snapshot: what logged-in time cost today and this month, per handled call, by
//! team, and the month-end forecast against the budget (`center::labour`).

use std::collections::BTreeMap;

use serde::Serialize;

use super::{AgentSnapshot, QueueSnapshot};
use crate::center::agent::{Agent, TimeState};
use crate::center::calendar::Calendar;
use crate::center::labour::{month_forecast, LabourSettings, MonthForecast};
use crate::center::settings::HOUR;
use crate::event::Millis;

/// The tenant's labour figures at the snapshot's instant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabourSnapshot {
    pub cost_today: f64,
    pub cost_month_to_date: f64,
    /// Handled calls today and in the last hour, and the cost of each.
    pub handled_today: u64,
    pub cost_per_handled_call_today: Option<f64>,
    /// Over the `1h` window (absent without one): its logged-in time at each agent's rate now.
    pub cost_last_hour: Option<f64>,
    pub handled_last_hour: Option<u64>,
    pub cost_per_handled_call_1h: Option<f64>,
    /// Today's cost by team (agents without a team are under "").
    pub teams: BTreeMap<String, f64>,
    pub forecast: MonthForecast,
}

fn window<'a>(agent: &'a AgentSnapshot, name: &str) -> Option<&'a super::AgentWindow> {
    agent.windows.iter().find(|window| window.window == name)
}

/// The agent's cost of the days starting in `[from, to)`, with the time not yet credited up to `now`.
pub fn agent_cost(agent: &Agent, from: Millis, to: Millis, now: Millis) -> f64 {
    agent.costs.between(from, to) + open_cost(agent, from, now)
}

/// What the time from `from` (or the agent's latest credit, if later) to `now` costs, not credited yet.
fn open_cost(agent: &Agent, from: Millis, now: Millis) -> f64 {
    let open_from = agent.credited_until().max(from);
    if agent.state() != TimeState::LoggedOut && now > open_from {
        (now - open_from) as f64 * agent.hourly_cost / HOUR as f64
    } else {
        0.0
    }
}

pub struct LabourInput<'a> {
    pub settings: &'a LabourSettings,
    pub agents: &'a [Agent],
    pub agent_snapshots: &'a [AgentSnapshot],
    pub queues: &'a [QueueSnapshot],
    pub now: Millis,
}

pub fn labour_snapshot(input: &LabourInput<'_>, calendar: &mut Calendar) -> LabourSnapshot {
    let now = input.now;
    let today = calendar.day(now);
    let month = calendar.month(now);
    let mut teams: BTreeMap<String, f64> = BTreeMap::new();
    let (mut cost_today, mut cost_month_to_date) = (0.0, 0.0);
    for agent in input.agents {
        // Today by the team each part was worked for; the part not credited yet is the current team's.
        let mut by_team = agent.costs.by_team(today.start, today.end);
        let open = open_cost(agent, today.start, now);
        if open > 0.0 {
            *by_team.entry(agent.team.clone()).or_default() += open;
        }
        let day: f64 = by_team.values().sum();
        cost_today += day;
        // From the month's start: time not credited since before today counts too.
        cost_month_to_date += agent_cost(agent, month.start, today.end, now);
        for (team, cost) in by_team {
            let team = team.as_ref().map_or("", |team| team.as_str());
            *teams.entry(team.to_string()).or_default() += cost;
        }
    }
    let handled_today: u64 = (input.agent_snapshots.iter())
        .filter_map(|agent| window(agent, super::TODAY))
        .map(|window| window.handled)
        .sum();
    let has_hour = input
        .agent_snapshots
        .iter()
        .any(|agent| window(agent, "1h").is_some());
    let (mut cost_last_hour, mut handled_last_hour) = (0.0, 0);
    for (agent, snapshot) in input.agents.iter().zip(input.agent_snapshots) {
        if let Some(hour) = window(snapshot, "1h") {
            cost_last_hour += hour.times.logged_in_ms as f64 * agent.hourly_cost / HOUR as f64;
            handled_last_hour += hour.handled;
        }
    }
    let per_call = |cost: f64, handled: u64| (handled > 0).then(|| cost / handled as f64);
    let required: u32 = input
        .queues
        .iter()
        .filter_map(|queue| queue.required_agents)
        .sum();
    let date = chrono::DateTime::from_timestamp_millis(today.start)
        .unwrap_or_default()
        .with_timezone(&calendar.time_zone())
        .date_naive();
    LabourSnapshot {
        cost_today,
        cost_month_to_date,
        handled_today,
        cost_per_handled_call_today: per_call(cost_today, handled_today),
        cost_last_hour: has_hour.then_some(cost_last_hour),
        handled_last_hour: has_hour.then_some(handled_last_hour),
        cost_per_handled_call_1h: has_hour
            .then(|| per_call(cost_last_hour, handled_last_hour))
            .flatten(),
        teams,
        forecast: month_forecast(input.settings, cost_month_to_date, required, date),
    }
}
