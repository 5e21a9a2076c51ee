//! Call quotas in configuration (`[[quotas]]`): parsing, validation and the plain quota the center takes.

use serde::Deserialize;

use super::{is_word, ConfigError, Duration};
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
    /// Who the quota is for, as a user would say it.
    fn scope(&self) -> String {
        match (&self.agent, &self.team) {
            (Some(agent), _) => format!("agent `{agent}`"),
            (None, Some(team)) => format!("team `{team}`"),
            (None, None) => "everyone".to_string(),
        }
    }

    pub(super) fn validate(&self, index: usize, origin: &str) -> Result<(), ConfigError> {
        let invalid = |field: &str, problem: String| ConfigError::Invalid {
            origin: origin.to_string(),
            field: field.to_string(),
            problem,
        };
        let field = |name: &str| format!("quotas[{index}].{name}");
        if !is_word(&self.name) {
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

/// Quotas of one name may be set at several scopes (the most specific that applies to an agent wins:
/// agent, then team, then everyone), but not twice at the same scope: neither could win, and the agent
/// would show two series with the same `quota` label.
pub(super) fn validate_unique(quotas: &[QuotaConfig], origin: &str) -> Result<(), ConfigError> {
    for (index, quota) in quotas.iter().enumerate() {
        let earlier = quotas[..index].iter().position(|other| {
            other.name == quota.name && other.agent == quota.agent && other.team == quota.team
        });
        if let Some(earlier) = earlier {
            return Err(ConfigError::Invalid {
                origin: origin.to_string(),
                field: format!("quotas[{index}].name"),
                problem: format!(
                    "`{}` is already set for {} by quotas[{earlier}]; give each name one quota per \
                     scope (the most specific of agent, team and everyone applies)",
                    quota.name,
                    quota.scope()
                ),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::parse;

    fn error_of(text: &str) -> String {
        parse(text, "test.toml", Vec::new())
            .unwrap_err()
            .to_string()
    }

    fn quota(name: &str, scope: &str) -> String {
        format!("[[quotas]]\nname = \"{name}\"\ncount = \"handled\"\nper = \"hour\"\ntarget = 6\n{scope}\n")
    }

    #[test]
    fn one_name_twice_at_one_scope_is_refused_naming_the_file_and_field() {
        let cases = [
            (
                [quota("handled_per_hour", ""), quota("handled_per_hour", "")].concat(),
                "test.toml: quotas[1].name: `handled_per_hour` is already set for everyone by quotas[0]",
            ),
            (
                [
                    quota("handled_per_hour", "team = \"north\""),
                    quota("dials_per_hour", "team = \"north\""),
                    quota("handled_per_hour", "team = \"north\""),
                ]
                .concat(),
                "test.toml: quotas[2].name: `handled_per_hour` is already set for team `north` by quotas[0]",
            ),
            (
                [
                    quota("handled_per_hour", "agent = \"a1\""),
                    quota("handled_per_hour", "agent = \"a1\""),
                ]
                .concat(),
                "test.toml: quotas[1].name: `handled_per_hour` is already set for agent `a1` by quotas[0]",
            ),
        ];
        for (text, expected) in cases {
            let error = error_of(&text);
            assert!(error.starts_with(expected), "{error}\n{text}");
        }
    }

    #[test]
    fn one_name_at_different_scopes_or_subjects_loads() {
        let text = [
            quota("handled_per_hour", ""),
            quota("handled_per_hour", "team = \"north\""),
            quota("handled_per_hour", "team = \"south\""),
            quota("handled_per_hour", "agent = \"a1\""),
            quota("handled_per_hour", "agent = \"a2\""),
            // A team and an agent that share a name are different subjects.
            quota("handled_per_hour", "agent = \"north\""),
        ]
        .concat();
        let config = parse(&text, "test.toml", Vec::new()).unwrap();
        assert_eq!(config.center_settings("acme").quotas.len(), 6);
    }
}
