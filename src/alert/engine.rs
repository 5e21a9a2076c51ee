//! The alert engine: per rule and subject, inactive → pending → firing → resolved, stepped once per
//! evaluation over the latest snapshots. Pure: time comes from the snapshots (or the caller), and the
//! output is the notifications to deliver.
//!
//! - Nothing is evaluated for a tenant that is not live (its partition replays) and nothing of it is
//!   resolved: its alerts are dropped silently, because another owner (or this one, once live) takes over.
//! - A tenant whose partition the group took away (its snapshot `stale`: brokers unreachable, a
//!   rebalance under way) keeps its alerts as they are — still firing, never resolved — until it is
//!   live here again or withdrawn (its new owner re-announces what holds).
//! - The first live evaluation of a tenant (after a start, a restart or a partition move) fires what holds
//!   at once, without waiting `for`: its figures were rebuilt from the replayed history, and the alert
//!   keeps its fingerprint, so downstream sees the alert it already knows, re-announced.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use super::rule::{Observation, Rule, ServiceFigures};
use crate::center::snapshot::CenterSnapshot;
use crate::event::Millis;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Firing,
    Resolved,
}

/// An alert as sinks and the API see it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Alert {
    /// FNV-1a (64 bit, hex) of the sorted labels: the same alert has the same fingerprint in every
    /// process and across restarts.
    pub fingerprint: String,
    pub rule: String,
    pub severity: String,
    /// `alertname`, `severity`, the subject's labels and the rule's own.
    pub labels: BTreeMap<String, String>,
    /// `summary`, `description`, `runbook_url` (when given).
    pub annotations: BTreeMap<String, String>,
    pub value: Option<f64>,
    pub threshold: f64,
    /// When the condition started to hold (pending) and when the alert fired.
    #[serde(skip)]
    pub active_since_ms: Millis,
    #[serde(skip)]
    pub starts_at_ms: Millis,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub status: Status,
    pub alert: Alert,
    /// When it fired or resolved (the evaluation's time).
    pub at_ms: Millis,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Pending,
    Firing,
}

#[derive(Debug, Clone)]
struct Tracked {
    alert: Alert,
    phase: Phase,
    /// `None` for callboard's own figures.
    tenant: Option<String>,
}

/// A tenant's latest snapshot and whether its partition is live.
pub struct TenantView<'a> {
    pub snapshot: &'a CenterSnapshot,
    pub live: bool,
}

#[derive(Debug, Default)]
pub struct Engine {
    tracked: BTreeMap<String, Tracked>,
    live_tenants: BTreeSet<String>,
    service_evaluated: bool,
}

impl Engine {
    pub fn new() -> Self {
        Self::default()
    }

    /// One evaluation. `service` is callboard's own figures at `now`, or `None` while any partition
    /// replays (service rules then keep their state).
    pub fn evaluate(
        &mut self,
        rules: &[Rule],
        tenants: &[TenantView<'_>],
        service: Option<(ServiceFigures, Millis)>,
    ) -> Vec<Notification> {
        let live: BTreeSet<String> = tenants
            .iter()
            .filter(|view| view.live)
            .map(|view| view.snapshot.tenant.to_string())
            .collect();
        let held: BTreeSet<String> = tenants
            .iter()
            .filter(|view| !view.live && view.snapshot.stale)
            .map(|view| view.snapshot.tenant.to_string())
            .collect();
        self.tracked.retain(|_, tracked| {
            tracked
                .tenant
                .as_ref()
                .is_none_or(|tenant| live.contains(tenant) || held.contains(tenant))
        });
        let mut notifications = Vec::new();
        // A held tenant's alerts stand as they were.
        let mut seen: HashSet<String> = self
            .tracked
            .iter()
            .filter(|(_, tracked)| {
                tracked
                    .tenant
                    .as_ref()
                    .is_some_and(|tenant| held.contains(tenant))
            })
            .map(|(fingerprint, _)| fingerprint.clone())
            .collect();
        for view in tenants.iter().filter(|view| view.live) {
            let snapshot = view.snapshot;
            let restored = !self.live_tenants.contains(snapshot.tenant.as_str());
            for rule in rules {
                for observation in rule.observe(snapshot) {
                    let step = Step {
                        rule,
                        now: snapshot.now_ms,
                        restored,
                        tenant: Some(snapshot.tenant.to_string()),
                    };
                    seen.insert(self.step(&step, observation, &mut notifications));
                }
            }
        }
        match service {
            Some((figures, now)) => {
                let restored = !self.service_evaluated;
                self.service_evaluated = true;
                for rule in rules {
                    if let Some(observation) = rule.observe_service(&figures) {
                        let step = Step {
                            rule,
                            now,
                            restored,
                            tenant: None,
                        };
                        seen.insert(self.step(&step, observation, &mut notifications));
                    }
                }
            }
            None => seen.extend(
                self.tracked
                    .iter()
                    .filter(|(_, tracked)| tracked.tenant.is_none())
                    .map(|(fingerprint, _)| fingerprint.clone()),
            ),
        }
        // Subjects that left (a queue expired, a rule was removed by a reload): resolved if firing.
        let gone: Vec<String> = self
            .tracked
            .keys()
            .filter(|fingerprint| !seen.contains(*fingerprint))
            .cloned()
            .collect();
        for fingerprint in gone {
            if let Some(tracked) = self.tracked.remove(&fingerprint) {
                if tracked.phase == Phase::Firing {
                    let at_ms = self.now_of(&tracked, tenants, service);
                    notifications.push(Notification {
                        status: Status::Resolved,
                        alert: tracked.alert,
                        at_ms,
                    });
                }
            }
        }
        self.live_tenants = live;
        notifications
    }

    /// Every firing alert, ordered by fingerprint.
    pub fn firing(&self) -> Vec<Alert> {
        self.tracked
            .values()
            .filter(|tracked| tracked.phase == Phase::Firing)
            .map(|tracked| tracked.alert.clone())
            .collect()
    }

    fn now_of(
        &self,
        tracked: &Tracked,
        tenants: &[TenantView<'_>],
        service: Option<(ServiceFigures, Millis)>,
    ) -> Millis {
        let tenant_now = tracked.tenant.as_ref().and_then(|tenant| {
            tenants
                .iter()
                .find(|view| view.snapshot.tenant.as_str() == tenant)
                .map(|view| view.snapshot.now_ms)
        });
        tenant_now
            .or(service.map(|(_, now)| now))
            .unwrap_or(tracked.alert.active_since_ms)
    }

    /// Steps one subject; returns its fingerprint.
    fn step(
        &mut self,
        step: &Step<'_>,
        observation: Observation,
        notifications: &mut Vec<Notification>,
    ) -> String {
        let rule = step.rule;
        let labels = labels_of(rule, &observation);
        let fingerprint = fingerprint(&labels);
        let breaches = observation.breaches(rule.comparison);
        match self.tracked.get_mut(&fingerprint) {
            None if breaches => {
                let alert = Alert {
                    fingerprint: fingerprint.clone(),
                    rule: rule.name.clone(),
                    severity: rule.severity.clone(),
                    annotations: annotations(rule, &labels, &observation),
                    labels,
                    value: observation.value,
                    threshold: observation.threshold,
                    active_since_ms: step.now,
                    starts_at_ms: step.now,
                };
                let mut tracked = Tracked {
                    alert,
                    phase: Phase::Pending,
                    tenant: step.tenant.clone(),
                };
                if rule.for_ms <= 0 || step.restored {
                    tracked.phase = Phase::Firing;
                    notifications.push(Notification {
                        status: Status::Firing,
                        alert: tracked.alert.clone(),
                        at_ms: step.now,
                    });
                }
                self.tracked.insert(fingerprint.clone(), tracked);
            }
            None => {}
            Some(tracked) if tracked.phase == Phase::Pending => {
                if !breaches {
                    self.tracked.remove(&fingerprint);
                } else if step.now - tracked.alert.active_since_ms >= rule.for_ms {
                    tracked.phase = Phase::Firing;
                    tracked.alert.value = observation.value;
                    tracked.alert.threshold = observation.threshold;
                    tracked.alert.starts_at_ms = step.now;
                    tracked.alert.annotations = annotations(rule, &labels, &observation);
                    notifications.push(Notification {
                        status: Status::Firing,
                        alert: tracked.alert.clone(),
                        at_ms: step.now,
                    });
                }
            }
            Some(tracked) => {
                if observation.clears(rule.comparison) {
                    let mut alert = tracked.alert.clone();
                    alert.value = observation.value;
                    self.tracked.remove(&fingerprint);
                    notifications.push(Notification {
                        status: Status::Resolved,
                        alert,
                        at_ms: step.now,
                    });
                } else {
                    // Like Prometheus, annotations follow the value; the labels (the identity) do not.
                    tracked.alert.value = observation.value;
                    tracked.alert.annotations = annotations(rule, &labels, &observation);
                }
            }
        }
        fingerprint
    }
}

struct Step<'a> {
    rule: &'a Rule,
    now: Millis,
    restored: bool,
    tenant: Option<String>,
}

fn labels_of(rule: &Rule, observation: &Observation) -> BTreeMap<String, String> {
    let mut labels = rule.labels.clone();
    labels.extend(observation.subject.clone());
    labels.insert("alertname".to_string(), rule.name.clone());
    labels.insert("severity".to_string(), rule.severity.clone());
    labels
}

/// FNV-1a, 64 bit, over `name=value` pairs in label order, each followed by a 0xff byte (which no UTF-8
/// text contains), as 16 hex digits.
pub fn fingerprint(labels: &BTreeMap<String, String>) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (name, value) in labels {
        for byte in name
            .bytes()
            .chain(std::iter::once(b'='))
            .chain(value.bytes())
            .chain(std::iter::once(0xff))
        {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

fn annotations(
    rule: &Rule,
    labels: &BTreeMap<String, String>,
    observation: &Observation,
) -> BTreeMap<String, String> {
    [
        ("summary", &rule.summary),
        ("description", &rule.description),
        ("runbook_url", &rule.runbook_url),
    ]
    .into_iter()
    .filter(|(_, template)| !template.is_empty())
    .map(|(name, template)| {
        (
            name.to_string(),
            render(template, labels, &rule.window, observation),
        )
    })
    .collect()
}

/// Replaces `{label}`, `{window}`, `{value}` and `{threshold}` in `template`; unknown names stay as
/// written. Values print with at most three decimals.
pub fn render(
    template: &str,
    labels: &BTreeMap<String, String>,
    window: &str,
    observation: &Observation,
) -> String {
    let number = |value: f64| {
        let text = format!("{value:.3}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let name = &after[..close];
        match name {
            "value" => out.push_str(&observation.value.map_or("none".to_string(), number)),
            "threshold" => out.push_str(&number(observation.threshold)),
            "window" => out.push_str(window),
            _ => match labels.get(name) {
                Some(value) => out.push_str(value),
                None => {
                    out.push('{');
                    out.push_str(name);
                    out.push('}');
                }
            },
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}
