//! Agent scorecards (`report --by agent --period day|week|month`): one row per agent and local day, week
//! (Monday to Sunday) or month of the tenant, summed from the agent's report intervals, with every figure
//! a review meeting asks for. Ratios are recomputed from the period's sums, never averaged.

use std::collections::BTreeMap;

use super::number::number;
use super::{seconds, Cell, Table};
use crate::center::agent::{Agent, AgentInterval, StateTimes, Tallies};
use crate::center::calendar::{Calendar, Span};
use crate::center::floor::Floor;
use crate::center::settings::CenterSettings;
use crate::center::snapshot::applicable_quotas;
use crate::center::Center;
use crate::event::Id;
use crate::kpi;

pub const SCORECARD_HEADER: [&str; 28] = [
    "tenant",
    "agent",
    "team",
    "period",
    "period_start",
    "handled",
    "aht_seconds",
    "avg_talk_seconds",
    "avg_hold_seconds",
    "avg_wrap_up_seconds",
    "logged_in_seconds",
    "available_seconds",
    "not_ready_seconds",
    "not_ready_by_reason",
    "occupancy",
    "utilization",
    "rings_unanswered",
    "dialed",
    "connected",
    "successes",
    "contact_rate",
    "conversion",
    "surveys",
    "csat",
    "reviews",
    "qa_score",
    "quota_attainment",
    "labour_cost",
];

/// The span a scorecard row covers, in the tenant's calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Day,
    Week,
    Month,
}

impl Period {
    pub fn name(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
        }
    }

    fn span(self, calendar: &mut Calendar, time: i64) -> Span {
        match self {
            Period::Day => calendar.day(time),
            Period::Week => calendar.week(time),
            Period::Month => calendar.month(time),
        }
    }
}

/// One agent's intervals of one period, summed.
#[derive(Default)]
struct Sum<'a> {
    times: StateTimes,
    tallies: Tallies,
    cost: f64,
    /// The latest team the intervals name.
    team: Option<&'a Id>,
}

impl<'a> Sum<'a> {
    fn add(&mut self, interval: &'a AgentInterval) {
        self.times.merge(&interval.times);
        self.tallies.merge(&interval.tallies);
        self.cost += interval.cost;
        if interval.team.is_some() {
            self.team = interval.team.as_ref();
        }
    }
}

/// Scorecards of every center (centers must keep agent intervals), ordered by tenant, agent and period,
/// summed over the intervals `keep` keeps (by tenant and interval start: a report over a date range
/// cuts its first and last periods to the range).
pub fn scorecard_table<'a>(
    centers: impl IntoIterator<Item = &'a Center>,
    period: Period,
    keep: &dyn Fn(&str, i64) -> bool,
) -> Table {
    let mut rows = Vec::new();
    for center in centers {
        let (floor, _) = center.projection();
        let tenant = center.tenant();
        let keep = |start: i64| keep(tenant, start);
        scorecard_rows(tenant, &floor, center.settings(), period, &keep, &mut rows);
    }
    Table {
        header: &SCORECARD_HEADER,
        rows,
    }
}

/// Appends one tenant's scorecards over the intervals `keep` keeps, ordered by agent and period start.
pub fn scorecard_rows(
    tenant: &str,
    floor: &Floor,
    settings: &CenterSettings,
    period: Period,
    keep: &dyn Fn(i64) -> bool,
    rows: &mut Vec<Vec<Cell>>,
) {
    let mut calendar = floor.calendar.clone();
    let mut agents: Vec<&Agent> = floor.agents.iter().collect();
    agents.sort_by(|a, b| a.id.cmp(&b.id));
    for agent in agents {
        // Decoded once, so the sums can borrow their team from them.
        let intervals: Vec<(i64, AgentInterval)> = agent.kept_intervals().collect();
        let mut sums: BTreeMap<i64, Sum> = BTreeMap::new();
        for (start, interval) in &intervals {
            let empty =
                interval.times == StateTimes::default() && interval.tallies == Tallies::default();
            if empty || !keep(*start) {
                continue;
            }
            let span = period.span(&mut calendar, *start);
            sums.entry(span.start).or_default().add(interval);
        }
        for (start, sum) in sums {
            let date = calendar.local_date(start);
            rows.push(card(tenant, agent, period, &date, &sum, floor, settings));
        }
    }
}

/// An agent's scorecard of the day starting at `day_start`, from the day's `intervals` (the
/// `agent_day` record of the intervals topic).
pub fn day_card<'a>(
    tenant: &str,
    agent: &Agent,
    day_start: i64,
    intervals: impl IntoIterator<Item = &'a AgentInterval>,
    floor: &Floor,
    settings: &CenterSettings,
) -> Vec<Cell> {
    let mut sum = Sum::default();
    for interval in intervals {
        sum.add(interval);
    }
    let date = floor.calendar.local_date(day_start);
    card(tenant, agent, Period::Day, &date, &sum, floor, settings)
}

/// One row: the agent, its team (the latest its intervals name, else its own), the period and its
/// first local date, then the figures.
fn card(
    tenant: &str,
    agent: &Agent,
    period: Period,
    date: &str,
    sum: &Sum,
    floor: &Floor,
    settings: &CenterSettings,
) -> Vec<Cell> {
    let team = sum.team.or(agent.team.as_ref());
    let mut row = vec![
        Cell::Text(tenant.to_string()),
        Cell::Text(agent.id.to_string()),
        Cell::Text(team.map(|team| team.to_string()).unwrap_or_default()),
        Cell::Text(period.name().to_string()),
        Cell::Text(date.to_string()),
    ];
    row.extend(figures(sum, floor, settings, agent));
    row
}

/// The figures of one row, after its names and period.
fn figures(sum: &Sum, floor: &Floor, settings: &CenterSettings, agent: &Agent) -> Vec<Cell> {
    let (tallies, times) = (&sum.tallies, sum.times.agent_times());
    vec![
        Cell::Count(tallies.handled),
        kpi::aht_seconds(&tallies.handles()).into(),
        kpi::average_per_handled_seconds(tallies.talk_ms, tallies.handled).into(),
        kpi::average_per_handled_seconds(tallies.hold_ms, tallies.handled).into(),
        kpi::average_per_handled_seconds(tallies.wrap_up_ms, tallies.handled).into(),
        seconds(times.logged_in_ms),
        seconds(times.available_ms),
        seconds(times.not_ready_ms),
        Cell::Text(not_ready_by_reason(&sum.times, floor)),
        kpi::occupancy(&times).into(),
        kpi::utilization(&times).into(),
        Cell::Count(tallies.rings_unanswered),
        Cell::Count(tallies.dialed),
        Cell::Count(tallies.connected),
        Cell::Count(tallies.successes),
        kpi::contact_rate(tallies.connected, tallies.dialed).into(),
        kpi::conversion(tallies.successes, tallies.connected).into(),
        Cell::Count(tallies.surveys),
        kpi::csat(tallies.survey_score_sum, tallies.surveys).into(),
        Cell::Count(tallies.reviews),
        kpi::qa_score(tallies.review_score_sum, tallies.reviews).into(),
        Cell::Text(quota_attainment(
            tallies,
            times.logged_in_ms,
            settings,
            agent,
        )),
        Cell::Number(sum.cost),
    ]
}

/// `reason=seconds` pairs by reason name, `;`-separated (`none` for time without a reason given).
fn not_ready_by_reason(times: &StateTimes, floor: &Floor) -> String {
    let mut pairs: Vec<(String, u64)> = (times.not_ready_ms.iter())
        .map(|(reason, ms)| {
            let name = floor
                .reasons
                .get(*reason as usize)
                .map(|name| name.as_str());
            (
                list_name(name.filter(|name| !name.is_empty()).unwrap_or("none")),
                *ms,
            )
        })
        .collect();
    pairs.sort();
    let pairs: Vec<String> = (pairs.into_iter())
        .map(|(name, ms)| format!("{name}={}", number(ms as f64 / 1000.0)))
        .collect();
    pairs.join(";")
}

/// Each quota that applies to the agent as `name=attainment`, `;`-separated in configuration order: the
/// count over the target for the time worked (`kpi::quota_attainment`), empty where no time was worked.
fn quota_attainment(
    tallies: &Tallies,
    logged_in_ms: u64,
    settings: &CenterSettings,
    agent: &Agent,
) -> String {
    let pairs: Vec<String> = (applicable_quotas(&settings.quotas, agent).into_iter())
        .map(|quota| {
            let actual = tallies.quota_count(quota.count);
            let shifts = logged_in_ms as f64 / quota.shift_length_ms as f64;
            let attainment = kpi::quota_attainment(actual as f64, quota.shift_target(), shifts);
            let value = attainment.map(number).unwrap_or_default();
            format!("{}={value}", list_name(&quota.name))
        })
        .collect();
    pairs.join(";")
}

/// A name as a list item: the list's separators in it become `_`.
fn list_name(name: &str) -> String {
    name.replace([';', '='], "_")
}
