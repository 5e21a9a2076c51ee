//! Call quotas in configuration (`[[quotas]]`): parsing, validation and the plain quota the center takes.

use serde::Deserialize;

use super::{ConfigError, Duration};
use crate::center::settings::{Quota, QuotaCount, HOUR};
use crate::event::Id;

/// One call quota.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct QuotaConfig {
    /// Name shown in the API and as the `quota` label, e.g. `handled_per_hour`.
    pub name: String,
    /// What is counted: handled, dialed, connected or successes.
    pub count: String,
    /// `hour` (the target is a rate, spread over the shift) or `shift`.
    pub per: String,
    /// Target count per hour or per shift.
    pub target: f64,
    /// Only this agent.
    pub agent: Option<String>,
    /// Only this team.
    pub team: Option<String>,
    /// Length of a shift (default 8h).
    #[serde(default = "default_shift")]
    pub shift_length: Duration,
}

impl QuotaConfig {
    /// The plain quota (`None` only for a count that validation refuses).
    pub(super) fn quota(&self) -> Option<Quota> {
        Some(Quota {
            name: self.name.clone(),
            count: QuotaCount::parse(&self.count)?,
            target: self.target,
            per_hour: self.per == "hour",
            agent: self.agent.as_deref().map(Id::from),
            team: self.team.as_deref().map(Id::from),
            shift_length_ms: self.shift_length.0,
        })
    }
}

fn default_shift() -> Duration {
    Duration(8 * HOUR)
}

impl QuotaConfig {
    pub(super) fn validate(&self, index: usize, origin: &str) -> Result<(), ConfigError> {
        let invalid = |field: &str, problem: String| ConfigError::Invalid {
            origin: origin.to_string(),
            field: field.to_string(),
            problem,
        };
        let field = |name: &str| format!("quotas[{index}].{name}");
        if self.name.is_empty()
            || !self
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(invalid(
                &field("name"),
                format!(
                    "`{}` must be letters, digits and _ (it is a label value)",
                    self.name
                ),
            ));
        }
        if QuotaCount::parse(&self.count).is_none() {
            return Err(invalid(
                &field("count"),
                format!(
                    "`{}` is not one of handled, dialed, connected, successes",
                    self.count
                ),
            ));
        }
        if self.per != "hour" && self.per != "shift" {
            return Err(invalid(
                &field("per"),
                format!("`{}` is not hour or shift", self.per),
            ));
        }
        if !(self.target.is_finite() && self.target > 0.0) {
            return Err(invalid(
                &field("target"),
                format!("must be above 0, got {}", self.target),
            ));
        }
        if self.agent.is_some() && self.team.is_some() {
            return Err(invalid(
                &field("agent"),
                "give agent or team, not both".into(),
            ));
        }
        if self.shift_length.0 <= 0 {
            return Err(invalid(
                &field("shift_length"),
                "must be longer than 0".into(),
            ));
        }
        Ok(())
    }
}
