//! `[defaults.labour]`, `[tenants.NAME.labour]`: hourly costs, the monthly budget and the working days
//! (`crate::center::labour`). A tenant's own section replaces the defaults' whole.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Deserialize;

use crate::center::labour::{weekday, LabourSettings};
use crate::event::Id;

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LabourConfig {
    /// What a logged-in hour costs, for agents without a team or agent rate.
    pub hourly_cost: f64,
    /// By team, overriding `hourly_cost`.
    pub team_hourly_cost: BTreeMap<String, f64>,
    /// By agent, overriding the team's.
    pub agent_hourly_cost: BTreeMap<String, f64>,
    /// The month's budget; left out, the forecast is not compared with one.
    pub monthly_budget: Option<f64>,
    /// Weekdays worked (default Monday to Friday): "mon", "tue", …
    pub working_days: Option<Vec<String>>,
    /// Dates not worked, "2026-12-25".
    pub holidays: Vec<String>,
    /// Staffed hours of a working day, for the forecast (default 8).
    pub hours_per_day: Option<f64>,
}

impl LabourConfig {
    /// The settings, or (field, problem).
    pub fn settings(&self) -> Result<LabourSettings, (String, String)> {
        let money = |value: f64| value.is_finite() && value >= 0.0;
        if !money(self.hourly_cost) {
            return Err(("hourly_cost".into(), "must be a cost of 0 or more".into()));
        }
        for (field, rates) in [
            ("team_hourly_cost", &self.team_hourly_cost),
            ("agent_hourly_cost", &self.agent_hourly_cost),
        ] {
            if let Some((name, _)) = rates.iter().find(|(_, rate)| !money(**rate)) {
                return Err((
                    format!("{field}.{name}"),
                    "must be a cost of 0 or more".into(),
                ));
            }
        }
        if self.monthly_budget.is_some_and(|budget| !money(budget)) {
            return Err(("monthly_budget".into(), "must be 0 or more".into()));
        }
        let mut working_days = [false; 7];
        match &self.working_days {
            None => working_days[..5].fill(true),
            Some(days) => {
                for day in days {
                    let parsed = weekday(day).ok_or_else(|| {
                        (
                            "working_days".to_string(),
                            format!("`{day}` is not a weekday (mon, tue, …)"),
                        )
                    })?;
                    working_days[parsed.num_days_from_monday() as usize] = true;
                }
            }
        }
        let mut holidays = std::collections::BTreeSet::new();
        for holiday in &self.holidays {
            let date = NaiveDate::parse_from_str(holiday, "%Y-%m-%d").map_err(|_| {
                (
                    "holidays".to_string(),
                    format!("`{holiday}` is not a date like 2026-12-25"),
                )
            })?;
            holidays.insert(date);
        }
        let hours_per_day = self.hours_per_day.unwrap_or(8.0);
        if !(hours_per_day > 0.0 && hours_per_day <= 24.0) {
            return Err((
                "hours_per_day".into(),
                "must be above 0 and at most 24".into(),
            ));
        }
        let ids = |rates: &BTreeMap<String, f64>| {
            (rates.iter())
                .map(|(name, rate)| (Id::from(name.as_str()), *rate))
                .collect()
        };
        Ok(LabourSettings {
            hourly_cost: self.hourly_cost,
            team_hourly_cost: ids(&self.team_hourly_cost),
            agent_hourly_cost: ids(&self.agent_hourly_cost),
            monthly_budget: self.monthly_budget,
            working_days,
            holidays,
            hours_per_day,
        })
    }
}
