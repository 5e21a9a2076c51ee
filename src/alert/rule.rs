//! Alert rules and their pure evaluation: which subjects (queues, agents, tenants, the service) a rule
//! watches in a snapshot, and the value of its figure for each. No state, no clock, no I/O.

use std::collections::BTreeMap;

use crate::center::snapshot::{AgentSnapshot, CenterSnapshot, QueueSnapshot};
use crate::event::Millis;

/// A figure a rule watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure {
    Queue(QueueFigure),
    Agent(AgentFigure),
    /// Seconds since the tenant's latest event, while the floor is open (else undefined).
    FeedSilenceSeconds,
    /// The largest delay from an event's time to its application since the last evaluation.
    EventDelaySeconds,
    /// The largest consumer lag (messages) over the partitions this instance owns.
    ConsumerLagMessages,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueFigure {
    ServiceLevel,
    AbandonRate,
    AsaSeconds,
    AhtSeconds,
    Offered,
    Answered,
    Abandoned,
    CallsWaiting,
    LongestWaitSeconds,
    StaffedAgents,
    AvailableAgents,
    RequiredAgents,
    ForecastRequiredAgents,
    Csat,
    /// Callers whose latest abandonment today was here, not reached since.
    CallbacksPending,
    /// Today's share of calls whose caller had called within the day before.
    RepeatCallerRate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentFigure {
    Occupancy,
    Utilization,
    Handled,
    StateSeconds,
    /// The agent's time in state against its limit: 0 within, 1 past warning, 2 past critical
    /// (undefined where the state has no limit).
    StateOverdue,
    /// Rings let go unanswered since the agent last answered a call.
    RingsUnansweredInARow,
    /// Mean score / max score of the latest quality reviews.
    QaRecentScore,
    QuotaPace,
    QuotaProgress,
    Csat,
}

impl Figure {
    /// Every figure by its configuration name.
    pub const ALL: [(&'static str, Figure); 29] = [
        (
            "queue.service_level",
            Figure::Queue(QueueFigure::ServiceLevel),
        ),
        (
            "queue.abandon_rate",
            Figure::Queue(QueueFigure::AbandonRate),
        ),
        ("queue.asa_seconds", Figure::Queue(QueueFigure::AsaSeconds)),
        ("queue.aht_seconds", Figure::Queue(QueueFigure::AhtSeconds)),
        ("queue.offered", Figure::Queue(QueueFigure::Offered)),
        ("queue.answered", Figure::Queue(QueueFigure::Answered)),
        ("queue.abandoned", Figure::Queue(QueueFigure::Abandoned)),
        (
            "queue.calls_waiting",
            Figure::Queue(QueueFigure::CallsWaiting),
        ),
        (
            "queue.longest_wait_seconds",
            Figure::Queue(QueueFigure::LongestWaitSeconds),
        ),
        (
            "queue.staffed_agents",
            Figure::Queue(QueueFigure::StaffedAgents),
        ),
        (
            "queue.available_agents",
            Figure::Queue(QueueFigure::AvailableAgents),
        ),
        (
            "queue.required_agents",
            Figure::Queue(QueueFigure::RequiredAgents),
        ),
        (
            "queue.forecast_required_agents",
            Figure::Queue(QueueFigure::ForecastRequiredAgents),
        ),
        ("queue.csat", Figure::Queue(QueueFigure::Csat)),
        (
            "queue.callbacks_pending",
            Figure::Queue(QueueFigure::CallbacksPending),
        ),
        (
            "queue.repeat_caller_rate",
            Figure::Queue(QueueFigure::RepeatCallerRate),
        ),
        ("agent.occupancy", Figure::Agent(AgentFigure::Occupancy)),
        ("agent.utilization", Figure::Agent(AgentFigure::Utilization)),
        ("agent.handled", Figure::Agent(AgentFigure::Handled)),
        (
            "agent.state_seconds",
            Figure::Agent(AgentFigure::StateSeconds),
        ),
        (
            "agent.state_overdue",
            Figure::Agent(AgentFigure::StateOverdue),
        ),
        (
            "agent.rings_unanswered_in_a_row",
            Figure::Agent(AgentFigure::RingsUnansweredInARow),
        ),
        (
            "agent.qa_recent_score",
            Figure::Agent(AgentFigure::QaRecentScore),
        ),
        ("agent.quota_pace", Figure::Agent(AgentFigure::QuotaPace)),
        (
            "agent.quota_progress",
            Figure::Agent(AgentFigure::QuotaProgress),
        ),
        ("agent.csat", Figure::Agent(AgentFigure::Csat)),
        ("tenant.feed_silence_seconds", Figure::FeedSilenceSeconds),
        ("service.event_delay_seconds", Figure::EventDelaySeconds),
        ("service.consumer_lag_messages", Figure::ConsumerLagMessages),
    ];

    pub fn parse(name: &str) -> Option<Figure> {
        Self::ALL
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, figure)| *figure)
    }

    /// The configuration name.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, figure)| *figure == self)
            .map_or("", |(name, _)| *name)
    }

    /// Figures over a window (the rule names one; `15m` when it does not).
    pub fn is_windowed(self) -> bool {
        matches!(
            self,
            Figure::Queue(
                QueueFigure::ServiceLevel
                    | QueueFigure::AbandonRate
                    | QueueFigure::AsaSeconds
                    | QueueFigure::AhtSeconds
                    | QueueFigure::Offered
                    | QueueFigure::Answered
                    | QueueFigure::Abandoned
            ) | Figure::Agent(
                AgentFigure::Occupancy | AgentFigure::Utilization | AgentFigure::Handled
            )
        )
    }

    /// Figures of callboard itself rather than of a tenant.
    pub fn is_service(self) -> bool {
        matches!(
            self,
            Figure::EventDelaySeconds | Figure::ConsumerLagMessages
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// Fires when the value is above the threshold; clears at or below the clear level.
    Above,
    /// Fires when the value is below the threshold; clears at or above the clear level.
    Below,
}

/// What the threshold and clear level are multiples of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scale {
    /// Plain numbers.
    #[default]
    Absolute,
    /// The queue's service-level target (`1.0` = the target itself).
    QueueTarget,
    /// The queue's answer threshold in seconds (`3.0` = three times it).
    QueueThreshold,
    /// The queue's staffed (logged-in) agents.
    StaffedAgents,
}

impl Scale {
    pub const ALL: [(&'static str, Scale); 3] = [
        ("target", Scale::QueueTarget),
        ("threshold", Scale::QueueThreshold),
        ("staffed_agents", Scale::StaffedAgents),
    ];

    pub fn parse(name: &str) -> Option<Scale> {
        Self::ALL
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, scale)| *scale)
    }
}

/// A shell-style pattern: `*` any run of characters, `?` any one; everything else literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob(pub String);

impl Glob {
    pub fn matches(&self, text: &str) -> bool {
        fn go(pattern: &[char], text: &[char]) -> bool {
            match pattern.split_first() {
                None => text.is_empty(),
                Some(('*', rest)) => (0..=text.len()).any(|skip| go(rest, &text[skip..])),
                Some((&expected, rest)) => text.split_first().is_some_and(|(&got, tail)| {
                    (expected == '?' || expected == got) && go(rest, tail)
                }),
            }
        }
        let pattern: Vec<char> = self.0.chars().collect();
        let text: Vec<char> = text.chars().collect();
        go(&pattern, &text)
    }
}

/// Which subjects a rule watches; a missing pattern matches everything (and an agent without a team
/// matches no team pattern). Agent rules skip logged-out agents unless `state` selects them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    pub tenant: Option<Glob>,
    pub queue: Option<Glob>,
    pub agent: Option<Glob>,
    pub team: Option<Glob>,
    pub quota: Option<Glob>,
    pub state: Option<Glob>,
}

fn admits(pattern: &Option<Glob>, value: Option<&str>) -> bool {
    match (pattern, value) {
        (None, _) => true,
        (Some(glob), Some(value)) => glob.matches(value),
        (Some(_), None) => false,
    }
}

/// A subject's labels: the tenant and each named value that is present.
fn subject_of(tenant: &str, pairs: &[(&str, Option<&str>)]) -> BTreeMap<String, String> {
    std::iter::once(("tenant", Some(tenant)))
        .chain(pairs.iter().copied())
        .filter_map(|(name, value)| value.map(|value| (name.to_string(), value.to_string())))
        .collect()
}

/// One alert rule, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// The `alertname`; unique.
    pub name: String,
    pub figure: Figure,
    /// Window name (`15m`, `30m`, `1h`, `today`) of windowed figures.
    pub window: String,
    pub comparison: Comparison,
    pub threshold: f64,
    /// Hysteresis: a firing alert resolves only once the value is back past this level.
    pub clear: f64,
    pub scale: Scale,
    /// How long the condition must hold before the alert fires.
    pub for_ms: Millis,
    pub severity: String,
    pub selector: Selector,
    pub labels: BTreeMap<String, String>,
    /// Templates: `{tenant}`, `{queue}`, `{agent}`, `{team}`, `{quota}`, `{window}`, `{value}`,
    /// `{threshold}` and any label are replaced.
    pub summary: String,
    pub description: String,
    pub runbook_url: String,
}

/// A subject's value under a rule at one evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// The subject's labels (`tenant`, `queue`, `agent`, `team`, `quota`), without the rule's.
    pub subject: BTreeMap<String, String>,
    /// `None` when the figure is undefined (no calls in the window, say): never breaching.
    pub value: Option<f64>,
    /// Threshold and clear level after scaling.
    pub threshold: f64,
    pub clear: f64,
}

impl Observation {
    pub fn breaches(&self, comparison: Comparison) -> bool {
        match (self.value, comparison) {
            (Some(value), Comparison::Above) => value > self.threshold,
            (Some(value), Comparison::Below) => value < self.threshold,
            (None, _) => false,
        }
    }

    /// Back past the clear level (or undefined): a firing alert resolves.
    pub fn clears(&self, comparison: Comparison) -> bool {
        match (self.value, comparison) {
            (Some(value), Comparison::Above) => value <= self.clear,
            (Some(value), Comparison::Below) => value >= self.clear,
            (None, _) => true,
        }
    }
}

/// Figures of callboard itself at one evaluation.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ServiceFigures {
    pub event_delay_seconds: Option<f64>,
    pub consumer_lag_messages: Option<f64>,
}

impl Rule {
    /// The rule's subjects in a tenant's snapshot (none for service rules or an unselected tenant).
    pub fn observe(&self, snapshot: &CenterSnapshot) -> Vec<Observation> {
        let tenant = snapshot.tenant.as_str();
        if self.figure.is_service() || !admits(&self.selector.tenant, Some(tenant)) {
            return Vec::new();
        }
        let subject = |pairs: &[(&str, Option<&str>)]| subject_of(tenant, pairs);
        match self.figure {
            Figure::Queue(figure) => snapshot
                .queues
                .iter()
                .filter(|queue| admits(&self.selector.queue, Some(&queue.queue)))
                .map(|queue| {
                    let (threshold, clear) = self.scaled(Some(queue));
                    Observation {
                        subject: subject(&[("queue", Some(&queue.queue))]),
                        value: self.queue_value(figure, queue),
                        threshold,
                        clear,
                    }
                })
                .collect(),
            Figure::Agent(figure) => snapshot
                .agents
                .iter()
                .filter(|agent| {
                    // A logged-out agent is off the floor: watched only when the rule asks for the state.
                    (agent.state != "logged_out" || self.selector.state.is_some())
                        && admits(&self.selector.agent, Some(&agent.agent))
                        && admits(&self.selector.team, agent.team.as_deref())
                        && admits(&self.selector.state, Some(agent.state))
                })
                .flat_map(|agent| self.agent_observations(figure, agent, tenant))
                .collect(),
            Figure::FeedSilenceSeconds => {
                let value = snapshot
                    .last_event_ms
                    .filter(|_| snapshot.open)
                    .map(|last| (snapshot.now_ms - last).max(0) as f64 / 1000.0);
                let (threshold, clear) = self.scaled(None);
                vec![Observation {
                    subject: subject(&[]),
                    value,
                    threshold,
                    clear,
                }]
            }
            Figure::EventDelaySeconds | Figure::ConsumerLagMessages => Vec::new(),
        }
    }

    /// The rule's one subject among callboard's own figures (none for tenant rules).
    pub fn observe_service(&self, figures: &ServiceFigures) -> Option<Observation> {
        let value = match self.figure {
            Figure::EventDelaySeconds => figures.event_delay_seconds,
            Figure::ConsumerLagMessages => figures.consumer_lag_messages,
            _ => return None,
        };
        let (threshold, clear) = self.scaled(None);
        Some(Observation {
            subject: BTreeMap::new(),
            value,
            threshold,
            clear,
        })
    }

    fn scaled(&self, queue: Option<&QueueSnapshot>) -> (f64, f64) {
        let factor = match (self.scale, queue) {
            (Scale::Absolute, _) | (_, None) => 1.0,
            (Scale::QueueTarget, Some(queue)) => queue.service_level_target,
            (Scale::QueueThreshold, Some(queue)) => queue.threshold_seconds,
            (Scale::StaffedAgents, Some(queue)) => f64::from(queue.agents.staffed),
        };
        (self.threshold * factor, self.clear * factor)
    }

    fn queue_value(&self, figure: QueueFigure, queue: &QueueSnapshot) -> Option<f64> {
        let window = queue
            .windows
            .iter()
            .find(|window| window.window == self.window);
        let windowed = |value: fn(&crate::center::snapshot::QueueWindow) -> Option<f64>| {
            window.and_then(value)
        };
        match figure {
            QueueFigure::ServiceLevel => windowed(|window| window.service_level),
            QueueFigure::AbandonRate => windowed(|window| window.abandon_rate),
            QueueFigure::AsaSeconds => windowed(|window| window.asa_seconds),
            QueueFigure::AhtSeconds => windowed(|window| window.aht_seconds),
            QueueFigure::Offered => windowed(|window| Some(window.counts.offered as f64)),
            QueueFigure::Answered => windowed(|window| Some(window.counts.answered as f64)),
            QueueFigure::Abandoned => windowed(|window| Some(window.counts.abandoned as f64)),
            QueueFigure::CallsWaiting => Some(queue.calls_waiting as f64),
            QueueFigure::LongestWaitSeconds => Some(queue.longest_waiting_seconds.unwrap_or(0.0)),
            QueueFigure::StaffedAgents => Some(f64::from(queue.agents.staffed)),
            QueueFigure::AvailableAgents => Some(f64::from(queue.agents.available)),
            QueueFigure::RequiredAgents => queue.required_agents.map(f64::from),
            QueueFigure::ForecastRequiredAgents => queue.forecast_required_agents.map(f64::from),
            QueueFigure::Csat => queue.csat,
            QueueFigure::CallbacksPending => Some(queue.callbacks as f64),
            QueueFigure::RepeatCallerRate => queue.repeat_caller_rate,
        }
    }

    fn agent_observations(
        &self,
        figure: AgentFigure,
        agent: &AgentSnapshot,
        tenant: &str,
    ) -> Vec<Observation> {
        let (threshold, clear) = self.scaled(None);
        let labels = [
            ("agent", Some(agent.agent.as_str())),
            ("team", agent.team.as_deref()),
        ];
        let observation = |value: Option<f64>, extra: Option<(&str, &str)>| {
            let mut pairs = labels.to_vec();
            pairs.extend(extra.map(|(name, value)| (name, Some(value))));
            Observation {
                subject: subject_of(tenant, &pairs),
                value,
                threshold,
                clear,
            }
        };
        let window = agent
            .windows
            .iter()
            .find(|window| window.window == self.window);
        match figure {
            AgentFigure::QuotaPace | AgentFigure::QuotaProgress => agent
                .quotas
                .iter()
                .filter(|quota| admits(&self.selector.quota, Some(&quota.quota)))
                .map(|quota| {
                    let value = match figure {
                        AgentFigure::QuotaPace => quota.pace,
                        _ => quota.progress,
                    };
                    observation(value, Some(("quota", &quota.quota)))
                })
                .collect(),
            AgentFigure::Occupancy => vec![observation(window.and_then(|w| w.occupancy), None)],
            AgentFigure::Utilization => {
                vec![observation(window.and_then(|w| w.utilization), None)]
            }
            AgentFigure::Handled => vec![observation(window.map(|w| w.handled as f64), None)],
            AgentFigure::StateSeconds => vec![observation(
                agent.state_seconds,
                Some(("state", agent.state)),
            )],
            AgentFigure::StateOverdue => vec![observation(
                (agent.state_limit_seconds.is_some())
                    .then(|| f64::from(agent.state_level.number())),
                Some(("state", agent.state)),
            )],
            AgentFigure::RingsUnansweredInARow => vec![observation(
                Some(f64::from(agent.rings_unanswered_in_a_row)),
                None,
            )],
            AgentFigure::Csat => vec![observation(agent.contacts.csat, None)],
            AgentFigure::QaRecentScore => vec![observation(agent.qa_recent_score, None)],
        }
    }
}
