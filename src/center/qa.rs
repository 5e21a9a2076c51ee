//! Calls chosen for quality review: for each agent (and queue, when stratified) and period (the tenant's
//! day or week), `calls` of the agent's eligible calls, uniformly at random, plus every call an
//! always-include rule names.
//!
//! Each eligible call gets a key, the first 64 bits of SHA-256 over (tenant, period, agent, queue,
//! call); the sample is the `calls` calls with the smallest keys (bottom-k sampling). So the choice is
//! uniform (every k-subset of the period's eligible calls is equally likely), the same on every instance
//! and on every replay, and independent of the order calls arrive in. It is decided as the period goes:
//! while fewer than `calls` eligible calls have come, each is chosen; later, a call whose key is smaller
//! than the largest chosen one takes that one's place, so a call chosen early may still be replaced until
//! the period ends.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::event::{Id, Millis};

/// The period a sample is drawn over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum SamplePeriod {
    #[default]
    Day,
    /// Monday to Sunday in the tenant's time zone.
    Week,
}

/// A tenant's sampling policy (`[tenants.X.qa_sampling]`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SamplingPolicy {
    /// Calls chosen at random per agent (per agent and queue when `by_queue`) and period.
    pub calls: u32,
    pub period: SamplePeriod,
    pub by_queue: bool,
    /// Calls handled for less than this are not eligible.
    pub min_handle_ms: Millis,
    /// Always include calls handled for at least this long.
    pub always_longer_than_ms: Option<Millis>,
    /// Always include calls that the agent transferred.
    pub always_transferred: bool,
    /// Always include calls whose survey scored below this share of its scale.
    pub always_survey_below: Option<f64>,
}

/// Why a call is in the sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Chosen at random among the agent's eligible calls.
    Random,
    /// Handled for at least the policy's `always_longer_than`.
    Long,
    /// The agent transferred it.
    Transferred,
    /// Its survey scored below the policy's `always_survey_below`.
    LowSurvey,
}

/// A sampling period: its start, and its first and last local dates (the same for a day).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodSpan {
    pub start: Millis,
    pub first_day: String,
    pub last_day: String,
}

/// A handled call, as offered to the sampler when its handle ends.
#[derive(Debug, Clone, PartialEq)]
pub struct Handled {
    pub call: Id,
    pub agent: Id,
    pub queue: Option<Id>,
    pub answered_at: Millis,
    pub completed_at: Millis,
    pub handle_ms: Millis,
    pub transferred: bool,
}

/// A call in the sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub call: Id,
    pub agent: Id,
    pub queue: Option<Id>,
    /// Unknown for a call included by its survey alone.
    pub answered_at: Option<Millis>,
    pub completed_at: Option<Millis>,
    pub handle_ms: Option<Millis>,
    pub reason: Reason,
    /// A `qa.scored` of this call by this agent has come.
    pub reviewed: bool,
    /// The period's start (`day` or `week` in the tenant's time zone).
    #[serde(skip)]
    pub period_start: Millis,
    /// The period's first and last local dates.
    pub period_first_day: String,
    pub period_last_day: String,
    #[serde(skip)]
    key: u64,
}

/// One stratum's reservoir: how many eligible calls came, and the chosen ones, smallest key first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Reservoir {
    eligible: u64,
    chosen: Vec<Sample>,
}

/// The samples of one period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Period {
    /// By (agent, queue when stratified).
    strata: BTreeMap<(Id, Option<Id>), Reservoir>,
    /// Calls an always-include rule named, by (agent, call).
    always: BTreeMap<(Id, Id), Sample>,
}

/// A tenant's samples: the current period and the one before (so yesterday's stays listed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Samples {
    /// Part of every key: two tenants' samples are drawn apart.
    tenant: Id,
    periods: BTreeMap<Millis, Period>,
}

/// How many periods are kept: the current one and the one before.
const KEPT_PERIODS: usize = 2;

impl Samples {
    pub fn new(tenant: Id) -> Samples {
        Samples {
            tenant,
            periods: BTreeMap::new(),
        }
    }

    /// A handled call, whose handle ended in the period `span`.
    pub fn offer(&mut self, policy: &SamplingPolicy, span: &PeriodSpan, call: &Handled) {
        if call.handle_ms < policy.min_handle_ms {
            return;
        }
        let period_start = span.start;
        let key = key_of(
            &self.tenant,
            period_start,
            &call.agent,
            call.queue.as_ref().filter(|_| policy.by_queue),
            &call.call,
        );
        let Some(period) = self.period(period_start) else {
            return;
        };
        let queue = call.queue.clone().filter(|_| policy.by_queue);
        let sample = |reason, key| Sample {
            call: call.call.clone(),
            agent: call.agent.clone(),
            queue: call.queue.clone(),
            answered_at: Some(call.answered_at),
            completed_at: Some(call.completed_at),
            handle_ms: Some(call.handle_ms),
            reason,
            reviewed: false,
            period_start,
            period_first_day: span.first_day.clone(),
            period_last_day: span.last_day.clone(),
            key,
        };
        let long =
            (policy.always_longer_than_ms).is_some_and(|at_least| call.handle_ms >= at_least);
        for (rule, reason) in [
            (long, Reason::Long),
            (
                policy.always_transferred && call.transferred,
                Reason::Transferred,
            ),
        ] {
            if rule {
                (period.always)
                    .entry((call.agent.clone(), call.call.clone()))
                    .or_insert_with(|| sample(reason, 0));
            }
        }
        if policy.calls == 0 {
            return;
        }
        let stratum = (period.strata)
            .entry((call.agent.clone(), queue))
            .or_default();
        // A call offered again (a second leg of it at the same agent) is not a second chance.
        if stratum.chosen.iter().any(|chosen| chosen.call == call.call) {
            return;
        }
        stratum.eligible += 1;
        let place = stratum.chosen.partition_point(|chosen| chosen.key < key);
        if place < policy.calls as usize {
            stratum.chosen.insert(place, sample(Reason::Random, key));
            stratum.chosen.truncate(policy.calls as usize);
        }
    }

    /// A survey of `call` handled by `agent`: below the policy's mark, the call is included.
    pub fn surveyed(
        &mut self,
        policy: &SamplingPolicy,
        span: &PeriodSpan,
        call: &Id,
        agent: &Id,
        queue: Option<&Id>,
        ratio: f64,
    ) {
        let Some(below) = policy.always_survey_below else {
            return;
        };
        if ratio >= below {
            return;
        }
        let Some(period) = self.period(span.start) else {
            return;
        };
        (period.always)
            .entry((agent.clone(), call.clone()))
            .or_insert_with(|| Sample {
                call: call.clone(),
                agent: agent.clone(),
                queue: queue.cloned(),
                answered_at: None,
                completed_at: None,
                handle_ms: None,
                reason: Reason::LowSurvey,
                reviewed: false,
                period_start: span.start,
                period_first_day: span.first_day.clone(),
                period_last_day: span.last_day.clone(),
                key: 0,
            });
    }

    /// The period starting at `start`, made when new (dropping periods past the kept ones); `None` for
    /// a period older than those kept.
    fn period(&mut self, start: Millis) -> Option<&mut Period> {
        if !self.periods.contains_key(&start) {
            let oldest = self.periods.keys().next().copied();
            if self.periods.len() >= KEPT_PERIODS && oldest.is_some_and(|oldest| start < oldest) {
                return None;
            }
            self.periods.insert(start, Period::default());
            while self.periods.len() > KEPT_PERIODS {
                self.periods.pop_first();
            }
        }
        self.periods.get_mut(&start)
    }

    /// The sample of the period starting at `start`: by agent, the random ones (smallest key first) then
    /// those an always rule named. A call both chosen at random and named by a rule is listed once, as
    /// random.
    pub fn of_period(&self, start: Millis) -> Vec<Sample> {
        let Some(period) = self.periods.get(&start) else {
            return Vec::new();
        };
        let mut list: Vec<Sample> = (period.strata.values())
            .flat_map(|reservoir| reservoir.chosen.iter().cloned())
            .collect();
        let random: std::collections::BTreeSet<(&Id, &Id)> =
            list.iter().map(|s| (&s.agent, &s.call)).collect();
        let named: Vec<Sample> = (period.always.iter())
            .filter(|((agent, call), _)| !random.contains(&(agent, call)))
            .map(|(_, sample)| sample.clone())
            .collect();
        list.extend(named);
        list.sort_by(|a, b| (&a.agent, a.reason, a.key).cmp(&(&b.agent, b.reason, b.key)));
        list
    }

    /// Every call of the periods kept, the oldest period first.
    pub fn all(&self) -> Vec<Sample> {
        (self.periods.keys())
            .flat_map(|start| self.of_period(*start))
            .collect()
    }

    /// A review of the agent's `call` came: where the call is in a kept sample, it is reviewed.
    pub fn reviewed(&mut self, agent: &Id, call: &Id) {
        for period in self.periods.values_mut() {
            let chosen = (period.strata.iter_mut())
                .filter(|((of, _), _)| of == agent)
                .flat_map(|(_, reservoir)| reservoir.chosen.iter_mut());
            for sample in chosen.chain(period.always.values_mut()) {
                if sample.agent == *agent && sample.call == *call {
                    sample.reviewed = true;
                }
            }
        }
    }

    /// Each agent's calls in the sample of the period starting at `start` not reviewed yet.
    pub fn owed(&self, start: Millis) -> BTreeMap<Id, u64> {
        let mut owed = BTreeMap::new();
        for sample in self
            .of_period(start)
            .into_iter()
            .filter(|sample| !sample.reviewed)
        {
            *owed.entry(sample.agent).or_default() += 1;
        }
        owed
    }

    /// The starts of the periods kept, oldest first.
    pub fn period_starts(&self) -> Vec<Millis> {
        self.periods.keys().copied().collect()
    }

    /// How many eligible calls the agent's strata of the period have seen.
    pub fn eligible(&self, start: Millis, agent: &Id) -> u64 {
        (self.periods.get(&start).into_iter())
            .flat_map(|period| period.strata.iter())
            .filter(|((of, _), _)| of == agent)
            .map(|(_, reservoir)| reservoir.eligible)
            .sum()
    }
}

/// The call's sampling key: the first 64 bits of SHA-256 over its stratum and id, so every instance and
/// replay computes the same one.
fn key_of(tenant: &Id, period_start: Millis, agent: &Id, queue: Option<&Id>, call: &Id) -> u64 {
    let mut hash = Sha256::new();
    for part in [
        tenant.as_str(),
        agent.as_str(),
        queue.map_or("", Id::as_str),
        call.as_str(),
    ] {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part.as_bytes());
    }
    hash.update(period_start.to_be_bytes());
    let digest = hash.finalize();
    u64::from_be_bytes(digest[..8].try_into().unwrap_or_default())
}

#[cfg(test)]
#[path = "qa_tests.rs"]
mod tests;
