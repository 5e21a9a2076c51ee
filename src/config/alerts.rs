//! Alert rules in configuration (`[[alerts]]`) and where alerts go (`[alerting]`): parsing, validation
//! with field names, the built-in default rules, and the plain `Rule`s the engine takes.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{is_word, ConfigError, Duration};
use crate::alert::{Comparison, Figure, Glob, Rule, Scale, Selector};
use crate::center::settings::{RollingWindow, MINUTE, SECOND};

/// The rules a center gets without writing any.
const DEFAULT_RULES: &str = include_str!("default_alerts.toml");

/// Labels the engine sets itself.
const RESERVED_LABELS: [&str; 8] = [
    "alertname",
    "severity",
    "tenant",
    "queue",
    "agent",
    "team",
    "quota",
    "state",
];

/// One alert rule as written.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AlertConfig {
    /// The alert's name (`alertname`): letters, digits and `_`; unique.
    pub name: String,
    /// What is watched: `queue.service_level`, `agent.quota_pace`, `tenant.feed_silence_seconds`,
    /// `service.event_delay_seconds`, … (`callboard check-config` lists them all when one is unknown).
    pub figure: String,
    /// Window of windowed figures: one of `engine.windows` or `today` (default 15m).
    pub window: Option<String>,
    /// Fires when the figure is above this (give `above` or `below`, not both).
    pub above: Option<f64>,
    /// Fires when the figure is below this.
    pub below: Option<f64>,
    /// Resolves only once the figure is back past this level (hysteresis); default: the threshold.
    pub clear: Option<f64>,
    /// Threshold and clear are multiples of the queue's `target`, `threshold` or `staffed_agents`.
    pub relative_to: Option<String>,
    /// How long the condition must hold before firing (default 0: at once).
    #[serde(rename = "for", default)]
    pub for_: Duration,
    /// `critical`, `warning` or `info` (default warning).
    pub severity: Option<String>,
    /// Subject selectors: globs (`*`, `?`) over tenant, queue, agent, team, quota and agent state.
    pub tenant: Option<String>,
    pub queue: Option<String>,
    pub agent: Option<String>,
    pub team: Option<String>,
    pub quota: Option<String>,
    pub state: Option<String>,
    /// `false`: the rule is written but not in force (the optional built-in rules; switch one on
    /// with `alerting.enable`).
    pub enabled: Option<bool>,
    /// Extra labels on the alert.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Templates: `{tenant}`, `{queue}`, `{agent}`, `{team}`, `{quota}`, `{window}`, `{value}`,
    /// `{threshold}` and any label.
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub runbook_url: String,
}

/// Where alerts go.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AlertingConfig {
    /// Include the built-in rules (service level, longest wait, abandons, understaffed, quota pace,
    /// silent feed, lag); a rule of the same name replaces one.
    pub default_rules: bool,
    /// Optional built-in rules to switch on by name (`CallboardAgentStateOverdue`).
    pub enable: Vec<String>,
    /// Kafka topic of alert notifications (JSON, key = fingerprint); `""` turns it off.
    pub kafka_topic: String,
    /// Alertmanager base URL, e.g. `http://127.0.0.1:9093` (alerts go to `/api/v2/alerts`).
    pub alertmanager_url: Option<String>,
    /// A URL that receives every notification as a JSON POST.
    pub webhook_url: Option<String>,
    /// What the webhook receives: `"json"` (callboard's own, default), `"slack"` or `"teams"`.
    pub webhook_format: crate::deliver::ChatFormat,
    /// This service's URL as users reach it, for `generatorURL` (default: `http://` + `http.listen`).
    pub external_url: Option<String>,
    /// How often Alertmanager hears a firing alert again (30s to 3m); its lease is three times this.
    pub resend_interval: Duration,
    /// Notifications waiting per sink before new ones are dropped (and counted).
    pub queue_capacity: usize,
}

impl Default for AlertingConfig {
    fn default() -> Self {
        AlertingConfig {
            default_rules: true,
            enable: Vec::new(),
            kafka_topic: "call-alerts".to_string(),
            alertmanager_url: None,
            webhook_url: None,
            webhook_format: crate::deliver::ChatFormat::Json,
            external_url: None,
            resend_interval: Duration(MINUTE),
            queue_capacity: 1024,
        }
    }
}

impl AlertingConfig {
    pub(super) fn validate(&self, origin: &str) -> Result<(), ConfigError> {
        let invalid = |field: &str, problem: String| ConfigError::Invalid {
            origin: origin.to_string(),
            field: format!("alerting.{field}"),
            problem,
        };
        if !(30 * SECOND..=3 * MINUTE).contains(&self.resend_interval.0) {
            return Err(invalid(
                "resend_interval",
                format!("({}) must be from 30s to 3m", self.resend_interval),
            ));
        }
        if self.queue_capacity == 0 {
            return Err(invalid("queue_capacity", "must be at least 1".into()));
        }
        let built_in = default_rules();
        if let Some(unknown) =
            (self.enable.iter()).find(|name| !built_in.iter().any(|rule| &rule.name == *name))
        {
            let optional: Vec<&str> = (built_in.iter())
                .filter(|rule| rule.enabled == Some(false))
                .map(|rule| rule.name.as_str())
                .collect();
            return Err(invalid(
                "enable",
                format!(
                    "`{unknown}` is no built-in rule; the optional ones are {}",
                    optional.join(", ")
                ),
            ));
        }
        for (field, url) in [
            ("alertmanager_url", &self.alertmanager_url),
            ("webhook_url", &self.webhook_url),
            ("external_url", &self.external_url),
        ] {
            if let Some(url) = url {
                if !(url.starts_with("http://") || url.starts_with("https://")) || url.len() < 10 {
                    return Err(invalid(
                        field,
                        format!("`{url}` is not an http:// or https:// URL"),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Every configured rule valid, and no two with the same name.
pub(super) fn validate_rules(
    alerts: &[AlertConfig],
    windows: &[Duration],
    origin: &str,
) -> Result<(), ConfigError> {
    let mut names = std::collections::BTreeSet::new();
    for (index, alert) in alerts.iter().enumerate() {
        alert.rule(&format!("alerts[{index}]"), origin, windows)?;
        if !names.insert(alert.name.as_str()) {
            return Err(ConfigError::Invalid {
                origin: origin.to_string(),
                field: format!("alerts[{index}].name"),
                problem: format!("`{}` names another rule already", alert.name),
            });
        }
    }
    Ok(())
}

/// The built-in rules, as written in `default_alerts.toml`.
pub fn default_rules() -> Vec<AlertConfig> {
    #[derive(Deserialize)]
    struct File {
        alerts: Vec<AlertConfig>,
    }
    toml::from_str::<File>(DEFAULT_RULES)
        .expect("the built-in rules parse")
        .alerts
}

/// The rules in force: the defaults (unless switched off; the optional ones only where `enable` names
/// them) with the configured ones replacing or adding to them, in order; a rule with `enabled =
/// false` is not in force.
pub fn effective(
    configured: &[AlertConfig],
    with_defaults: bool,
    enable: &[String],
) -> Vec<AlertConfig> {
    let mut rules: Vec<AlertConfig> = if with_defaults {
        default_rules()
            .into_iter()
            .filter(|default| !configured.iter().any(|rule| rule.name == default.name))
            .map(|mut default| {
                if enable.contains(&default.name) {
                    default.enabled = Some(true);
                }
                default
            })
            .collect()
    } else {
        Vec::new()
    };
    rules.extend(configured.iter().cloned());
    rules.retain(|rule| rule.enabled != Some(false));
    rules
}

impl AlertConfig {
    /// The validated rule; `field` names it in errors (`alerts[2]`), `windows` are the configured ones.
    pub fn rule(
        &self,
        field: &str,
        origin: &str,
        windows: &[Duration],
    ) -> Result<Rule, ConfigError> {
        let invalid = |name: &str, problem: String| ConfigError::Invalid {
            origin: origin.to_string(),
            field: format!("{field}.{name}"),
            problem,
        };
        if !is_word(&self.name) {
            return Err(invalid(
                "name",
                format!("`{}` must be letters, digits and _", self.name),
            ));
        }
        let figure = Figure::parse(&self.figure).ok_or_else(|| {
            let known: Vec<&str> = Figure::ALL.iter().map(|(name, _)| *name).collect();
            invalid(
                "figure",
                format!("`{}` is not one of {}", self.figure, known.join(", ")),
            )
        })?;
        let window = match (&self.window, figure.is_windowed()) {
            (None, true) => "15m".to_string(),
            (Some(window), true) if window == crate::center::snapshot::TODAY => window.clone(),
            (Some(window), true) => match Duration::parse(window) {
                Ok(length) if windows.contains(&length) => RollingWindow::new(length.0).name,
                _ => {
                    let known: Vec<String> = windows.iter().map(ToString::to_string).collect();
                    return Err(invalid(
                        "window",
                        format!(
                            "`{window}` is not one of engine.windows ({}) or today",
                            known.join(", ")
                        ),
                    ));
                }
            },
            (Some(_), false) => {
                return Err(invalid(
                    "window",
                    format!("`{}` is a figure of now, not of a window", self.figure),
                ))
            }
            (None, false) => String::new(),
        };
        let (comparison, threshold) = match (self.above, self.below) {
            (Some(above), None) => (Comparison::Above, above),
            (None, Some(below)) => (Comparison::Below, below),
            _ => {
                return Err(invalid(
                    "above",
                    "give exactly one of `above` and `below`".into(),
                ))
            }
        };
        if !threshold.is_finite() {
            return Err(invalid("above", "the threshold must be a number".into()));
        }
        let clear = self.clear.unwrap_or(threshold);
        let wrong_side = match comparison {
            Comparison::Above => clear > threshold,
            Comparison::Below => clear < threshold,
        };
        if !clear.is_finite() || wrong_side {
            return Err(invalid(
                "clear",
                format!("({clear}) must be a number on the resolved side of the threshold ({threshold}): at or below it for `above`, at or above it for `below`"),
            ));
        }
        let scale = match &self.relative_to {
            None => Scale::Absolute,
            Some(name) => {
                let scale = Scale::parse(name).ok_or_else(|| {
                    invalid(
                        "relative_to",
                        format!("`{name}` is not one of target, threshold, staffed_agents"),
                    )
                })?;
                if !matches!(figure, Figure::Queue(_)) {
                    return Err(invalid(
                        "relative_to",
                        "only queue figures have a target, threshold and staffed agents".into(),
                    ));
                }
                scale
            }
        };
        if self.for_.0 < 0 {
            return Err(invalid("for", "must not be negative".into()));
        }
        let severity = self.severity.clone().unwrap_or_else(|| "warning".into());
        if !["critical", "warning", "info"].contains(&severity.as_str()) {
            return Err(invalid(
                "severity",
                format!("`{severity}` is not one of critical, warning, info"),
            ));
        }
        for name in self.labels.keys() {
            let valid = name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && is_word(name);
            if !valid || RESERVED_LABELS.contains(&name.as_str()) {
                return Err(invalid(
                    &format!("labels.{name}"),
                    format!(
                        "must be a Prometheus label name and none of {}",
                        RESERVED_LABELS.join(", ")
                    ),
                ));
            }
        }
        let glob = |pattern: &Option<String>| pattern.clone().map(Glob);
        Ok(Rule {
            name: self.name.clone(),
            figure,
            window,
            comparison,
            threshold,
            clear,
            scale,
            for_ms: self.for_.0,
            severity,
            selector: Selector {
                tenant: glob(&self.tenant),
                queue: glob(&self.queue),
                agent: glob(&self.agent),
                team: glob(&self.team),
                quota: glob(&self.quota),
                state: glob(&self.state),
            },
            labels: self.labels.clone(),
            summary: self.summary.clone(),
            description: self.description.clone(),
            runbook_url: self.runbook_url.clone(),
        })
    }
}
