//! Warning and critical lines of the figures a board colours (a queue's service level, longest wait,
//! calls waiting and abandon rate; the time an agent has spent in a state), and where a figure
//! stands against them. Pure.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::event::Millis;

/// Where a figure stands: the board shows it by colour and by a word or icon.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    #[default]
    Normal,
    Warning,
    Critical,
}

impl Level {
    /// 0, 1 or 2, as the exposition's gauges give it.
    pub fn number(self) -> u8 {
        self as u8
    }
}

/// A figure's warning and critical lines; which way is worse is the figure's own.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lines {
    pub warning: f64,
    pub critical: f64,
}

impl Lines {
    /// Where `value` stands when more is worse (a wait, an abandon rate): at or past a line.
    pub fn above(self, value: Option<f64>) -> Level {
        match value {
            Some(value) if value >= self.critical => Level::Critical,
            Some(value) if value >= self.warning => Level::Warning,
            _ => Level::Normal,
        }
    }

    /// Where `value` stands when less is worse (a service level): below a line.
    pub fn below(self, value: Option<f64>) -> Level {
        match value {
            Some(value) if value < self.critical => Level::Critical,
            Some(value) if value < self.warning => Level::Warning,
            _ => Level::Normal,
        }
    }
}

/// A queue's lines.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueLines {
    /// Ratio; below is worse.
    pub service_level: Lines,
    pub longest_wait_seconds: Lines,
    /// None by default: how many waiting calls are too many depends on the queue.
    pub calls_waiting: Option<Lines>,
    pub abandon_rate: Lines,
}

impl QueueLines {
    /// The lines of a queue that configures none: service level warning at its target and critical
    /// ten points below; longest wait warning at the answer threshold and critical at three times it
    /// (where `CallboardLongestWaitHigh` fires); abandon rate warning at 5 % and critical at 10 %
    /// (where `CallboardAbandonRateHigh` fires); no calls-waiting lines.
    pub fn defaults(service_level_target: f64, threshold_ms: Millis) -> QueueLines {
        let threshold = threshold_ms as f64 / 1000.0;
        QueueLines {
            service_level: Lines {
                warning: service_level_target,
                critical: (service_level_target - 0.10).max(0.0),
            },
            longest_wait_seconds: Lines {
                warning: threshold,
                critical: 3.0 * threshold,
            },
            calls_waiting: None,
            abandon_rate: Lines {
                warning: 0.05,
                critical: 0.10,
            },
        }
    }
}

/// Where a queue's board figures stand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct QueueLevels {
    /// Of the first rolling window (the board's big number).
    pub service_level: Level,
    pub longest_wait: Level,
    pub calls_waiting: Level,
    /// Of the first rolling window.
    pub abandon_rate: Level,
}

/// The longest an agent should stay in a state, or in not ready for a reason, in seconds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StateLimits {
    /// By state name: `available`, `ringing`, `on_call`, `wrap_up`, `not_ready`.
    pub states: BTreeMap<String, Lines>,
    /// By not-ready reason (`break`, `lunch`): wins over the `not_ready` state's limit.
    pub reasons: BTreeMap<String, Lines>,
}

impl StateLimits {
    /// The state names a limit may be given for.
    pub const STATES: [&'static str; 5] =
        ["available", "ringing", "on_call", "wrap_up", "not_ready"];

    /// The lines of an agent in `state` (with its not-ready `reason`).
    pub fn of(&self, state: &str, reason: Option<&str>) -> Option<Lines> {
        let by_reason = (state == "not_ready")
            .then(|| reason.and_then(|reason| self.reasons.get(reason)))
            .flatten();
        by_reason.or_else(|| self.states.get(state)).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_crossed_at_it_when_more_is_worse_and_below_it_when_less_is() {
        let wait = Lines {
            warning: 20.0,
            critical: 60.0,
        };
        let shown: Vec<Level> = [None, Some(19.9), Some(20.0), Some(59.0), Some(60.0)]
            .map(|value| wait.above(value))
            .to_vec();
        use Level::*;
        assert_eq!(shown, [Normal, Normal, Warning, Warning, Critical]);
        let service_level = Lines {
            warning: 0.8,
            critical: 0.7,
        };
        let shown: Vec<Level> = [None, Some(0.8), Some(0.79), Some(0.7), Some(0.69)]
            .map(|value| service_level.below(value))
            .to_vec();
        assert_eq!(shown, [Normal, Normal, Warning, Warning, Critical]);
    }

    #[test]
    fn default_lines_follow_the_target_and_threshold() {
        let lines = QueueLines::defaults(0.8, 20_000);
        assert_eq!(lines.service_level.warning, 0.8);
        assert!((lines.service_level.critical - 0.7).abs() < 1e-12);
        assert_eq!(
            (
                lines.longest_wait_seconds.warning,
                lines.longest_wait_seconds.critical
            ),
            (20.0, 60.0)
        );
        assert_eq!(lines.calls_waiting, None);
        assert_eq!(
            QueueLines::defaults(0.05, 20_000).service_level.critical,
            0.0
        );
    }

    #[test]
    fn a_reason_limit_wins_over_the_not_ready_limit() {
        let lines = |warning| Lines {
            warning,
            critical: 2.0 * warning,
        };
        let limits = StateLimits {
            states: [("not_ready", 600.0), ("wrap_up", 120.0)]
                .map(|(state, seconds)| (state.to_string(), lines(seconds)))
                .into(),
            reasons: [("lunch".to_string(), lines(3_600.0))].into(),
        };
        assert_eq!(limits.of("not_ready", Some("lunch")), Some(lines(3_600.0)));
        assert_eq!(limits.of("not_ready", Some("break")), Some(lines(600.0)));
        assert_eq!(limits.of("not_ready", None), Some(lines(600.0)));
        assert_eq!(limits.of("wrap_up", Some("lunch")), Some(lines(120.0)));
        assert_eq!(limits.of("on_call", None), None);
    }
}
