//! Labour cost: what agents' logged-in time costs at their hourly rate (the agent's own, else its
//! team's, else the tenant's), by local day, and the month-end forecast against the budget. An agent's
//! time is priced as it is credited, at the rate in force then, so a team change mid-day prices each
//! part at its own rate; the days are split at the tenant's day boundaries like every time figure. Each
//! agent keeps its cost per day for this month and the last (in the state snapshot), so month-to-date
//! survives a restart that loads the state.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Weekday};

use super::settings::HOUR;
use crate::event::{Id, Millis};

/// How many days of cost an agent keeps: this month and the one before.
pub const KEPT_DAYS: usize = 62;

/// A tenant's labour settings (`[defaults.labour]`, a tenant's own).
#[derive(Debug, Clone, PartialEq)]
pub struct LabourSettings {
    /// Per logged-in hour, for agents without a team or agent rate.
    pub hourly_cost: f64,
    pub team_hourly_cost: BTreeMap<Id, f64>,
    pub agent_hourly_cost: BTreeMap<Id, f64>,
    pub monthly_budget: Option<f64>,
    /// Monday first.
    pub working_days: [bool; 7],
    /// Dates that are not working days although their weekday is.
    pub holidays: BTreeSet<NaiveDate>,
    /// Staffed hours of a working day, for the forecast.
    pub hours_per_day: f64,
}

impl Default for LabourSettings {
    fn default() -> Self {
        LabourSettings {
            hourly_cost: 0.0,
            team_hourly_cost: BTreeMap::new(),
            agent_hourly_cost: BTreeMap::new(),
            monthly_budget: None,
            working_days: [true, true, true, true, true, false, false],
            holidays: BTreeSet::new(),
            hours_per_day: 8.0,
        }
    }
}

impl LabourSettings {
    /// The agent's hourly rate: its own, else its team's, else the tenant's.
    pub fn rate(&self, agent: &Id, team: Option<&Id>) -> f64 {
        (self.agent_hourly_cost.get(agent))
            .or_else(|| team.and_then(|team| self.team_hourly_cost.get(team)))
            .copied()
            .unwrap_or(self.hourly_cost)
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        self.working_days[date.weekday().num_days_from_monday() as usize]
            && !self.holidays.contains(&date)
    }

    /// Working days after `today` up to the month's last day.
    pub fn working_days_left(&self, today: NaiveDate) -> u32 {
        let mut left = 0;
        let mut date = today;
        while let Some(next) = date.succ_opt().filter(|next| next.month() == today.month()) {
            left += u32::from(self.is_working_day(next));
            date = next;
        }
        left
    }
}

/// Parses a weekday name (`mon`, `monday`, any case).
pub fn weekday(name: &str) -> Option<Weekday> {
    name.parse::<Weekday>().ok()
}

/// An agent's priced time: milliseconds by (local day start, team worked for, hourly rate), so each
/// cost is one product (no sum of many small fractions drifting from the per-hour figure) and a day's
/// cost splits by the team each part was worked for.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Costs {
    days: Vec<(Millis, Option<Id>, f64, u64)>,
}

impl Costs {
    pub fn add(&mut self, day_start: Millis, team: Option<&Id>, rate: f64, ms: u64) {
        let same = |(day, of, at, _): &&mut (Millis, Option<Id>, f64, u64)| {
            *day == day_start && of.as_ref() == team && *at == rate
        };
        match self.days.iter_mut().find(same) {
            Some((_, _, _, worked)) => *worked += ms,
            None => {
                self.days.push((day_start, team.cloned(), rate, ms));
                let mut days: Vec<Millis> = self.days.iter().map(|(day, ..)| *day).collect();
                days.sort_unstable();
                days.dedup();
                if days.len() > KEPT_DAYS {
                    self.days.retain(|(day, ..)| *day != days[0]);
                }
            }
        }
    }

    /// The cost of the days starting in `[from, to)`.
    pub fn between(&self, from: Millis, to: Millis) -> f64 {
        self.by_team(from, to).values().sum()
    }

    /// The cost of the days starting in `[from, to)` by the team it was worked for.
    pub fn by_team(&self, from: Millis, to: Millis) -> BTreeMap<Option<Id>, f64> {
        let mut teams = BTreeMap::new();
        for (_, team, rate, ms) in (self.days.iter()).filter(|(day, ..)| (from..to).contains(day)) {
            *teams.entry(team.clone()).or_default() += *ms as f64 * rate / HOUR as f64;
        }
        teams
    }
}

/// The month-end forecast: the month so far, plus each working day left at the cost the floor needs
/// now (the queues' required agents × the tenant's hourly rate × `hours_per_day`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MonthForecast {
    pub working_days_left: u32,
    /// A working day's cost at the required staffing of now.
    pub day_cost: f64,
    pub month_end: f64,
    pub budget: Option<f64>,
    /// month_end − budget: above 0, over budget by that much.
    pub over_budget: Option<f64>,
}

pub fn month_forecast(
    settings: &LabourSettings,
    month_to_date: f64,
    required_agents: u32,
    today: NaiveDate,
) -> MonthForecast {
    let working_days_left = settings.working_days_left(today);
    let day_cost = f64::from(required_agents) * settings.hourly_cost * settings.hours_per_day;
    let month_end = month_to_date + f64::from(working_days_left) * day_cost;
    MonthForecast {
        working_days_left,
        day_cost,
        month_end,
        budget: settings.monthly_budget,
        over_budget: settings.monthly_budget.map(|budget| month_end - budget),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_rate_is_the_agents_else_its_teams_else_the_tenants() {
        let settings = LabourSettings {
            hourly_cost: 30.0,
            team_hourly_cost: [(Id::from("north"), 32.0)].into(),
            agent_hourly_cost: [(Id::from("ann"), 40.0)].into(),
            ..LabourSettings::default()
        };
        let north = Id::from("north");
        assert_eq!(settings.rate(&Id::from("ann"), Some(&north)), 40.0);
        assert_eq!(settings.rate(&Id::from("bob"), Some(&north)), 32.0);
        assert_eq!(
            settings.rate(&Id::from("bob"), Some(&Id::from("south"))),
            30.0
        );
        assert_eq!(settings.rate(&Id::from("bob"), None), 30.0);
    }

    /// December 2026: the 1st is a Tuesday. After Monday the 21st come 22, 23, 24, (25 a holiday),
    /// 28, 29, 30, 31: seven working days. After the 31st, none.
    #[test]
    fn working_days_left_skip_weekends_and_holidays() {
        let settings = LabourSettings {
            holidays: [date("2026-12-25")].into(),
            ..LabourSettings::default()
        };
        assert!(!settings.is_working_day(date("2026-12-25")));
        assert!(!settings.is_working_day(date("2026-12-26")));
        assert!(settings.is_working_day(date("2026-12-24")));
        assert_eq!(settings.working_days_left(date("2026-12-21")), 7);
        assert_eq!(settings.working_days_left(date("2026-12-31")), 0);
        assert_eq!(
            LabourSettings::default().working_days_left(date("2026-12-21")),
            8
        );
    }

    #[test]
    fn costs_add_up_by_day_and_keep_two_months() {
        let day = 86_400_000;
        let hour = HOUR as u64;
        let mut costs = Costs::default();
        for index in 0..70 {
            costs.add(index * day, None, 10.0, hour);
        }
        costs.add(69 * day, None, 10.0, hour / 2);
        costs.add(69 * day, Some(&Id::from("north")), 20.0, hour);
        assert_eq!(costs.between(69 * day, 70 * day), 10.0 + 5.0 + 20.0);
        assert_eq!(costs.between(0, 100 * day), 62.0 * 10.0 + 25.0);
        assert_eq!(costs.between(0, 8 * day), 0.0);
        let teams = costs.by_team(69 * day, 70 * day);
        assert_eq!(
            (teams[&None], teams[&Some(Id::from("north"))]),
            (15.0, 20.0)
        );
    }

    #[test]
    fn the_forecast_adds_the_days_left_at_the_required_staffing() {
        let settings = LabourSettings {
            hourly_cost: 32.0,
            monthly_budget: Some(100_000.0),
            holidays: [date("2026-12-25")].into(),
            ..LabourSettings::default()
        };
        // 14 agents × 32 × 8 h = 3,584 a day; 7 days left: 25,088 on top of 80,000.
        let forecast = month_forecast(&settings, 80_000.0, 14, date("2026-12-21"));
        assert_eq!(forecast.day_cost, 3_584.0);
        assert_eq!(forecast.month_end, 105_088.0);
        assert_eq!(forecast.over_budget, Some(5_088.0));
    }
}
