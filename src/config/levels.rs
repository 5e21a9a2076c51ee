//! Board colours in configuration: a queue's warning and critical lines per figure
//! (`[queue_defaults.levels]`, `[queues.NAME.levels]`), and how long an agent may stay in a state or a
//! not-ready reason (`[defaults.state_limits]`, a tenant's own). Both reload with SIGHUP.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::Duration;
use crate::center::levels::{Lines, QueueLines, StateLimits};
use crate::event::Millis;

/// Warning and critical of one figure.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LinesConfig<T> {
    pub warning: T,
    pub critical: T,
}

/// A queue's lines; any figure left out keeps its default (`center::levels::QueueLines::defaults`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LevelsConfig {
    /// Ratios: critical at or below warning (default warning at the target, critical 0.10 under).
    pub service_level: Option<LinesConfig<f64>>,
    /// Default warning at the answer threshold, critical at three times it.
    pub longest_wait: Option<LinesConfig<Duration>>,
    /// Default none.
    pub calls_waiting: Option<LinesConfig<u32>>,
    /// Ratios (default 0.05 and 0.10).
    pub abandon_rate: Option<LinesConfig<f64>>,
}

impl LevelsConfig {
    /// `self` with every figure `other` sets replaced.
    pub fn overridden_by(mut self, other: &LevelsConfig) -> LevelsConfig {
        self.service_level = other.service_level.or(self.service_level);
        self.longest_wait = other.longest_wait.or(self.longest_wait);
        self.calls_waiting = other.calls_waiting.or(self.calls_waiting);
        self.abandon_rate = other.abandon_rate.or(self.abandon_rate);
        self
    }

    /// The queue's lines over the defaults of its target and threshold, or what is wrong (the field
    /// under `levels` and the problem).
    pub fn lines(&self, target: f64, threshold_ms: Millis) -> Result<QueueLines, (String, String)> {
        let mut lines = QueueLines::defaults(target, threshold_ms);
        let ratio = |name: &str, given: LinesConfig<f64>, less_is_worse: bool| {
            let in_range = |value: f64| (0.0..=1.0).contains(&value);
            if !in_range(given.warning) || !in_range(given.critical) {
                return Err((name.to_string(), "levels are fractions from 0 to 1".into()));
            }
            ordered(name, given.warning, given.critical, less_is_worse)
        };
        if let Some(given) = self.service_level {
            lines.service_level = ratio("service_level", given, true)?;
        }
        if let Some(given) = self.abandon_rate {
            lines.abandon_rate = ratio("abandon_rate", given, false)?;
        }
        if let Some(given) = self.longest_wait {
            if given.warning.0 <= 0 {
                return Err(("longest_wait".into(), "must be longer than 0".into()));
            }
            let seconds = |duration: Duration| duration.0 as f64 / 1000.0;
            lines.longest_wait_seconds = ordered(
                "longest_wait",
                seconds(given.warning),
                seconds(given.critical),
                false,
            )?;
        }
        if let Some(given) = self.calls_waiting {
            let lines_given = ordered(
                "calls_waiting",
                f64::from(given.warning),
                f64::from(given.critical),
                false,
            )?;
            lines.calls_waiting = Some(lines_given);
        }
        Ok(lines)
    }
}

/// Lines whose critical is past their warning in the worse direction (or equal).
fn ordered(
    name: &str,
    warning: f64,
    critical: f64,
    less_is_worse: bool,
) -> Result<Lines, (String, String)> {
    let past = if less_is_worse {
        critical <= warning
    } else {
        critical >= warning
    };
    if !past {
        let direction = if less_is_worse {
            "at or below"
        } else {
            "at or past"
        };
        return Err((
            name.to_string(),
            format!("critical ({critical}) must be {direction} warning ({warning})"),
        ));
    }
    Ok(Lines { warning, critical })
}

/// One state's limit: a duration (amber from it, red from twice it) or both lines.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum LimitConfig {
    After(Duration),
    Lines(LinesConfig<Duration>),
}

impl LimitConfig {
    fn lines(self, key: &str) -> Result<Lines, (String, String)> {
        let (warning, critical) = match self {
            LimitConfig::After(limit) => (limit, Duration(2 * limit.0)),
            LimitConfig::Lines(lines) => (lines.warning, lines.critical),
        };
        if warning.0 <= 0 {
            return Err((key.to_string(), "must be longer than 0".into()));
        }
        let seconds = |duration: Duration| duration.0 as f64 / 1000.0;
        ordered(key, seconds(warning), seconds(critical), false)
    }
}

/// `state_limits` of the defaults with a tenant's own over them, resolved: keys that are state names
/// (`StateLimits::STATES`) limit the state, any other key limits not ready for that reason.
pub fn state_limits(
    defaults: &BTreeMap<String, LimitConfig>,
    own: Option<&BTreeMap<String, LimitConfig>>,
) -> Result<StateLimits, (String, String)> {
    let mut merged = defaults.clone();
    merged.extend(
        own.into_iter()
            .flatten()
            .map(|(key, limit)| (key.clone(), *limit)),
    );
    let mut limits = StateLimits::default();
    for (key, limit) in merged {
        if key.is_empty() || key == "logged_out" {
            return Err((
                key,
                "name a state (available, ringing, on_call, wrap_up, not_ready) or a not-ready reason"
                    .into(),
            ));
        }
        let lines = limit.lines(&key)?;
        if StateLimits::STATES.contains(&key.as_str()) {
            limits.states.insert(key, lines);
        } else {
            limits.reasons.insert(key, lines);
        }
    }
    Ok(limits)
}
