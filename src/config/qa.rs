//! `[defaults.qa_sampling]`, `[tenants.NAME.qa_sampling]`: which calls go to quality review
//! (`crate::center::qa`). A tenant's own section replaces the defaults' whole.

use serde::Deserialize;

use super::Duration;
use crate::center::qa::{SamplePeriod, SamplingPolicy};

/// The most calls per agent and period a policy may ask for: each chosen call is kept in the state.
pub const MAX_CALLS: u32 = 100;

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct QaSamplingConfig {
    /// Calls chosen at random per agent and period (per agent, queue and period with `by_queue`).
    pub calls: u32,
    /// "day" (default) or "week" (Monday to Sunday), in the tenant's time zone.
    pub period: Option<String>,
    /// Draw `calls` from each queue the agent took calls from, not from all of them together.
    pub by_queue: bool,
    /// Calls handled for less are not eligible (default 0s; "10s" skips the calls dropped at once).
    pub min_handle: Option<Duration>,
    /// Always include calls handled for at least this long.
    pub always_longer_than: Option<Duration>,
    /// Always include calls the agent transferred.
    pub always_transferred: bool,
    /// Always include calls whose survey scored below this share of its scale (0 to 1).
    pub always_survey_below: Option<f64>,
}

impl QaSamplingConfig {
    /// The policy, or (field, problem).
    pub fn policy(&self) -> Result<SamplingPolicy, (&'static str, String)> {
        if self.calls > MAX_CALLS {
            return Err((
                "calls",
                format!(
                    "{} is more than the {MAX_CALLS} a reviewer could get through",
                    self.calls
                ),
            ));
        }
        let period = match self.period.as_deref() {
            None | Some("day") => SamplePeriod::Day,
            Some("week") => SamplePeriod::Week,
            Some(other) => {
                return Err((
                    "period",
                    format!("`{other}` is neither \"day\" nor \"week\""),
                ))
            }
        };
        let min_handle_ms = self.min_handle.map_or(0, |duration| duration.0);
        if min_handle_ms < 0 {
            return Err(("min_handle", "must not be negative".into()));
        }
        if self
            .always_longer_than
            .is_some_and(|duration| duration.0 <= 0)
        {
            return Err(("always_longer_than", "must be longer than 0".into()));
        }
        if self
            .always_survey_below
            .is_some_and(|share| !(0.0..=1.0).contains(&share))
        {
            return Err((
                "always_survey_below",
                "must be a share of the scale, from 0 to 1".into(),
            ));
        }
        let rules = self.always_longer_than.is_some()
            || self.always_transferred
            || self.always_survey_below.is_some();
        if self.calls == 0 && !rules {
            return Err((
                "calls",
                "give the calls to choose per agent, or an always_… rule".into(),
            ));
        }
        Ok(SamplingPolicy {
            calls: self.calls,
            period,
            by_queue: self.by_queue,
            min_handle_ms,
            always_longer_than_ms: self.always_longer_than.map(|duration| duration.0),
            always_transferred: self.always_transferred,
            always_survey_below: self.always_survey_below,
        })
    }
}
