//! What one tenant's center needs to know from configuration, as plain validated values. `config.rs`
//! builds these; the center never sees the config file.

use std::collections::HashMap;

use chrono_tz::Tz;

use super::levels::{QueueLines, StateLimits};
use crate::event::{Id, Millis};
use crate::kpi::ServiceLevelFormula;

pub const SECOND: Millis = 1_000;
pub const MINUTE: Millis = 60 * SECOND;
pub const HOUR: Millis = 60 * MINUTE;

/// Per-queue service targets and thresholds.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueSettings {
    /// Service-level threshold: an answer within this wait counts as "within threshold" (default 20 s).
    pub threshold_ms: Millis,
    /// Abandons after a shorter wait are short abandons (default 5 s).
    pub short_abandon_ms: Millis,
    /// Service-level target ratio (default 0.80).
    pub service_level_target: f64,
    pub service_level_formula: ServiceLevelFormula,
    /// Window over which arrival rate and AHT feed the staffing calculation (default 30 m).
    pub staffing_window_ms: Millis,
    /// Mean caller patience, when known: staffing then uses Erlang A.
    pub patience_ms: Option<Millis>,
    /// Where the board turns its figures amber and red.
    pub lines: QueueLines,
}

impl QueueSettings {
    pub const DEFAULT_THRESHOLD_MS: Millis = 20 * SECOND;
    pub const DEFAULT_SHORT_ABANDON_MS: Millis = 5 * SECOND;
    pub const DEFAULT_SERVICE_LEVEL_TARGET: f64 = 0.80;
    pub const DEFAULT_STAFFING_WINDOW_MS: Millis = 30 * MINUTE;
}

impl Default for QueueSettings {
    fn default() -> Self {
        QueueSettings {
            threshold_ms: Self::DEFAULT_THRESHOLD_MS,
            short_abandon_ms: Self::DEFAULT_SHORT_ABANDON_MS,
            service_level_target: Self::DEFAULT_SERVICE_LEVEL_TARGET,
            service_level_formula: ServiceLevelFormula::default(),
            staffing_window_ms: Self::DEFAULT_STAFFING_WINDOW_MS,
            patience_ms: None,
            lines: QueueLines::defaults(
                Self::DEFAULT_SERVICE_LEVEL_TARGET,
                Self::DEFAULT_THRESHOLD_MS,
            ),
        }
    }
}

/// One rolling window, e.g. `15m`: the events with time in (now − length, now].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollingWindow {
    pub name: String,
    pub length_ms: Millis,
}

impl RollingWindow {
    pub fn new(length_ms: Millis) -> Self {
        RollingWindow {
            name: window_name(length_ms),
            length_ms,
        }
    }
}

/// `15m`, `1h`, `90s`: the shortest exact name of a length.
pub fn window_name(length_ms: Millis) -> String {
    if length_ms % HOUR == 0 {
        format!("{}h", length_ms / HOUR)
    } else if length_ms % MINUTE == 0 {
        format!("{}m", length_ms / MINUTE)
    } else {
        format!("{}s", length_ms / SECOND)
    }
}

/// Everything one tenant's center is configured with.
#[derive(Debug, Clone, PartialEq)]
pub struct CenterSettings {
    /// The tenant's IANA time zone: `today` and report intervals are aligned in it.
    pub time_zone: Tz,
    /// Hour of the local day at which `today` starts (0 = midnight).
    pub day_start_hour: u32,
    /// Rolling windows (default 15 m, 30 m, 1 h).
    pub rolling_windows: Vec<RollingWindow>,
    /// Length of report intervals: 15 or 30 minutes, aligned to the local hour.
    pub interval_ms: Millis,
    /// How far behind the latest event time an event may arrive and still be applied as if in order.
    pub lateness_ms: Millis,
    /// A repeated event id within this horizon is a duplicate.
    pub dedup_horizon_ms: Millis,
    /// A call that sees no event for this long is dropped and counted as expired.
    pub call_expiry_ms: Millis,
    /// Keep per-agent interval figures (for `callboard report --by agent`); off in the service to keep
    /// agents small.
    pub keep_agent_intervals: bool,
    /// How many finished days of intervals to keep (0 = only today; `report` keeps everything).
    pub interval_retention_days: Option<u32>,
    /// Build the records of closed intervals at each publication (for the intervals topic); a service
    /// that produces them keeps agent intervals and yesterday's, so late changes still find their row.
    pub closed_intervals: bool,
    pub queue_defaults: QueueSettings,
    pub queues: HashMap<Id, QueueSettings>,
    /// Call quotas agents are measured against.
    pub quotas: Vec<Quota>,
    /// Local opening hours, as minutes of the day `[open, close)` (close before open spans midnight).
    /// `None`: the floor counts as open while any agent is logged in.
    pub open_hours: Option<(u32, u32)>,
    /// Whether the feed sends `call.completed` (`spec/events.md`): where it does not, a handle ends at
    /// the agent's next state, logout or answer.
    pub completions: Completions,
    /// Calls one agent may work at once (talk, hold or wrap-up); an answer beyond it is `inconsistent`.
    pub max_calls_per_agent: usize,
    /// How long an agent may stay in a state or a not-ready reason before the board turns amber, red.
    pub state_limits: StateLimits,
    /// How many callers awaiting a callback, and how many callers in all, the tenant keeps.
    pub caller_limits: super::callers::CallerLimits,
    /// Which calls go to quality review; `None`: none.
    pub qa_sampling: Option<super::qa::SamplingPolicy>,
    /// Hourly costs and the budget; `None`: no labour figures.
    pub labour: Option<std::sync::Arc<super::labour::LabourSettings>>,
}

/// Does the feed end handles with `call.completed`?
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Completions {
    /// Every handle ends at its own `call.completed`; nothing else ends it (except the call expiry).
    #[default]
    Sent,
    /// The feed has no `call.completed`: a handle ends at the agent's next `agent.state`,
    /// `agent.logout` or `call.answered`.
    Absent,
}

impl Completions {
    pub fn parse(text: &str) -> Option<Completions> {
        match text {
            "sent" => Some(Completions::Sent),
            "absent" => Some(Completions::Absent),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Completions::Sent => "sent",
            Completions::Absent => "absent",
        }
    }
}

/// What a quota counts, from the agent's session tallies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaCount {
    Handled,
    Dialed,
    Connected,
    Successes,
}

impl QuotaCount {
    pub fn parse(name: &str) -> Option<QuotaCount> {
        match name {
            "handled" => Some(QuotaCount::Handled),
            "dialed" => Some(QuotaCount::Dialed),
            "connected" => Some(QuotaCount::Connected),
            "successes" => Some(QuotaCount::Successes),
            _ => None,
        }
    }
}

/// A call quota (`spec/metrics.md`: quota progress and pace over the agent's shift).
#[derive(Debug, Clone, PartialEq)]
pub struct Quota {
    /// Label value, e.g. `handled_per_hour`.
    pub name: String,
    pub count: QuotaCount,
    /// The target per hour (scaled to the shift) or per shift.
    pub target: f64,
    pub per_hour: bool,
    /// Only this agent, or only this team; everyone when both are `None`.
    pub agent: Option<Id>,
    pub team: Option<Id>,
    /// Length of the shift the target is spread over.
    pub shift_length_ms: Millis,
}

impl Quota {
    pub fn applies_to(&self, agent: &str, team: Option<&str>) -> bool {
        self.agent.as_deref().is_none_or(|wanted| wanted == agent)
            && self
                .team
                .as_deref()
                .is_none_or(|wanted| Some(wanted) == team)
    }

    /// The target over a whole shift.
    pub fn shift_target(&self) -> f64 {
        if self.per_hour {
            self.target * self.shift_length_ms as f64 / HOUR as f64
        } else {
            self.target
        }
    }
}

impl CenterSettings {
    pub const DEFAULT_LATENESS_MS: Millis = 10 * SECOND;
    pub const DEFAULT_DEDUP_HORIZON_MS: Millis = 10 * MINUTE;
    pub const DEFAULT_CALL_EXPIRY_MS: Millis = 4 * HOUR;
    pub const DEFAULT_INTERVAL_MS: Millis = 15 * MINUTE;
    /// Enough for a consultation on top of a call, second lines and chat; small enough that a feed
    /// that never completes its calls cannot grow an agent without bound before the call expiry.
    pub const DEFAULT_MAX_CALLS_PER_AGENT: usize = 8;

    pub fn default_rolling_windows() -> Vec<RollingWindow> {
        vec![
            RollingWindow::new(15 * MINUTE),
            RollingWindow::new(30 * MINUTE),
            RollingWindow::new(HOUR),
        ]
    }

    /// The settings of `queue`: its own if configured, else the defaults.
    pub fn queue(&self, queue: &str) -> &QueueSettings {
        self.queues.get(queue).unwrap_or(&self.queue_defaults)
    }

    /// Upper bounds of the answered-wait histogram: a standard ladder plus every configured threshold, so
    /// "answered within T" is exact in PromQL for each queue's T.
    pub fn answer_wait_bounds_ms(&self) -> Vec<Millis> {
        let ladder =
            [5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600].map(|seconds| seconds * SECOND);
        let mut bounds: Vec<Millis> = ladder.to_vec();
        bounds.push(self.queue_defaults.threshold_ms);
        bounds.extend(self.queues.values().map(|queue| queue.threshold_ms));
        bounds.sort_unstable();
        bounds.dedup();
        bounds
    }

    /// Length of the longest rolling window.
    /// Length of the longest window held in rolling records: a rolling window or a staffing window.
    pub fn longest_window_ms(&self) -> Millis {
        let staffing = self
            .queues
            .values()
            .chain([&self.queue_defaults])
            .map(|queue| queue.staffing_window_ms);
        self.rolling_windows
            .iter()
            .map(|window| window.length_ms)
            .chain(staffing)
            .max()
            .unwrap_or(0)
    }
}

impl Default for CenterSettings {
    fn default() -> Self {
        CenterSettings {
            time_zone: chrono_tz::UTC,
            day_start_hour: 0,
            rolling_windows: Self::default_rolling_windows(),
            interval_ms: Self::DEFAULT_INTERVAL_MS,
            lateness_ms: Self::DEFAULT_LATENESS_MS,
            dedup_horizon_ms: Self::DEFAULT_DEDUP_HORIZON_MS,
            call_expiry_ms: Self::DEFAULT_CALL_EXPIRY_MS,
            keep_agent_intervals: false,
            interval_retention_days: Some(0),
            closed_intervals: false,
            queue_defaults: QueueSettings::default(),
            queues: HashMap::new(),
            quotas: Vec::new(),
            open_hours: None,
            completions: Completions::Sent,
            max_calls_per_agent: Self::DEFAULT_MAX_CALLS_PER_AGENT,
            caller_limits: Default::default(),
            qa_sampling: None,
            labour: None,
            state_limits: StateLimits::default(),
        }
    }
}
