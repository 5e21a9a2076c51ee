//! The formulas of `spec/metrics.md` as pure functions over counts and times, plus Erlang C / A
//! ([`erlang`]). Holds no state; every ratio with a zero denominator is `None` (absent), never 0 or 1.

pub mod erlang;

/// Counts and sums of one queue over one window or interval (`spec/metrics.md`, "When a count happens").
/// Times are in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct QueueCounts {
    pub offered: u64,
    pub answered: u64,
    pub answered_within_threshold: u64,
    pub abandoned: u64,
    pub short_abandoned: u64,
    pub abandoned_within_threshold: u64,
    pub dequeued: u64,
    pub handled: u64,
    /// Σ wait of answered segments.
    pub wait_answered_ms: u64,
    /// Σ wait of abandoned segments.
    pub wait_abandoned_ms: u64,
    /// Σ talk (excluding hold) of handled calls.
    pub talk_ms: u64,
    pub hold_ms: u64,
    pub wrap_up_ms: u64,
    /// Largest wait among segments answered or abandoned; meaningful only when `answered + abandoned > 0`.
    pub max_wait_ms: u64,
}

impl QueueCounts {
    pub fn merge(&mut self, other: &QueueCounts) {
        self.offered += other.offered;
        self.answered += other.answered;
        self.answered_within_threshold += other.answered_within_threshold;
        self.abandoned += other.abandoned;
        self.short_abandoned += other.short_abandoned;
        self.abandoned_within_threshold += other.abandoned_within_threshold;
        self.dequeued += other.dequeued;
        self.handled += other.handled;
        self.wait_answered_ms += other.wait_answered_ms;
        self.wait_abandoned_ms += other.wait_abandoned_ms;
        self.talk_ms += other.talk_ms;
        self.hold_ms += other.hold_ms;
        self.wrap_up_ms += other.wrap_up_ms;
        self.max_wait_ms = self.max_wait_ms.max(other.max_wait_ms);
    }

    pub fn is_empty(&self) -> bool {
        *self == QueueCounts::default()
    }

    /// Σ (talk + hold + wrap-up) of handled calls.
    pub fn handle_ms(&self) -> u64 {
        self.talk_ms + self.hold_ms + self.wrap_up_ms
    }
}

/// How service level treats abandons (`service_level_formula` in config; `spec/metrics.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ServiceLevelFormula {
    /// `answered_within_threshold / (answered + abandoned − short_abandoned)` (Genesys Engage's service factor).
    #[default]
    AbandonsCountAgainst,
    /// Cisco "ignore abandoned": `answered_within_threshold / (N − abandoned_within_threshold)`.
    AbandonsIgnoredWithinThreshold,
    /// Cisco "abandoned negatively impact": `answered_within_threshold / (N − short_abandoned)`.
    AllOutcomes,
    /// Cisco "positively impact", Amazon Connect's service level X:
    /// `(answered_within_threshold + abandoned_within_threshold − short_abandoned) / (N − short_abandoned)`.
    AbandonsWithinThresholdCountFor,
}

impl ServiceLevelFormula {
    pub const ALL: [ServiceLevelFormula; 4] = [
        ServiceLevelFormula::AbandonsCountAgainst,
        ServiceLevelFormula::AbandonsIgnoredWithinThreshold,
        ServiceLevelFormula::AllOutcomes,
        ServiceLevelFormula::AbandonsWithinThresholdCountFor,
    ];

    /// The name used in config and output.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceLevelFormula::AbandonsCountAgainst => "abandons_count_against",
            ServiceLevelFormula::AbandonsIgnoredWithinThreshold => {
                "abandons_ignored_within_threshold"
            }
            ServiceLevelFormula::AllOutcomes => "all_outcomes",
            ServiceLevelFormula::AbandonsWithinThresholdCountFor => {
                "abandons_within_threshold_count_for"
            }
        }
    }

    pub fn parse(name: &str) -> Option<ServiceLevelFormula> {
        ServiceLevelFormula::ALL
            .into_iter()
            .find(|formula| formula.as_str() == name)
    }
}

fn ratio(numerator: f64, denominator: f64) -> Option<f64> {
    (denominator > 0.0).then(|| numerator / denominator)
}

/// Service level under `formula`; `None` when its denominator is zero.
pub fn service_level(counts: &QueueCounts, formula: ServiceLevelFormula) -> Option<f64> {
    let within = counts.answered_within_threshold as f64;
    let short = counts.short_abandoned as f64;
    let outcomes = (counts.answered + counts.abandoned + counts.dequeued) as f64;
    match formula {
        ServiceLevelFormula::AbandonsCountAgainst => {
            ratio(within, (counts.answered + counts.abandoned) as f64 - short)
        }
        ServiceLevelFormula::AbandonsIgnoredWithinThreshold => {
            ratio(within, outcomes - counts.abandoned_within_threshold as f64)
        }
        ServiceLevelFormula::AllOutcomes => ratio(within, outcomes - short),
        ServiceLevelFormula::AbandonsWithinThresholdCountFor => ratio(
            within + counts.abandoned_within_threshold as f64 - short,
            outcomes - short,
        ),
    }
}

/// `abandoned / (answered + abandoned + dequeued)`.
pub fn abandon_rate(counts: &QueueCounts) -> Option<f64> {
    ratio(
        counts.abandoned as f64,
        (counts.answered + counts.abandoned + counts.dequeued) as f64,
    )
}

/// Average speed of answer in seconds: `Σ wait of answered / answered`.
pub fn asa_seconds(counts: &QueueCounts) -> Option<f64> {
    ratio(
        counts.wait_answered_ms as f64 / 1000.0,
        counts.answered as f64,
    )
}

/// Average time to abandon in seconds.
pub fn average_abandon_seconds(counts: &QueueCounts) -> Option<f64> {
    ratio(
        counts.wait_abandoned_ms as f64 / 1000.0,
        counts.abandoned as f64,
    )
}

/// Average handle time in seconds: `Σ (talk + hold + wrap-up) / handled`.
pub fn aht_seconds(counts: &QueueCounts) -> Option<f64> {
    ratio(counts.handle_ms() as f64 / 1000.0, counts.handled as f64)
}

/// Average of one handle component (talk, hold or wrap-up sum in ms) per handled call, in seconds.
pub fn average_per_handled_seconds(sum_ms: u64, handled: u64) -> Option<f64> {
    ratio(sum_ms as f64 / 1000.0, handled as f64)
}

/// Largest wait in seconds among answered or abandoned segments; `None` when there were none.
pub fn max_wait_seconds(counts: &QueueCounts) -> Option<f64> {
    (counts.answered + counts.abandoned > 0).then(|| counts.max_wait_ms as f64 / 1000.0)
}

/// The `quantile` (0 < q ≤ 1) of answered waits in seconds, by nearest rank: the smallest recorded wait
/// with at least `q` of the waits at or below it. `None` without answered calls.
///
/// The histogram keeps two significant digits, so a wait is known only to its bucket (1 % wide). The
/// bucket's lowest value is reported: a percentile is then never above the true wait and at most 1 %
/// below it, so a percentile of waits that all met a 20 s threshold never reads as above 20 s.
pub fn wait_percentile_seconds(waits: &hdrhistogram::Histogram<u32>, quantile: f64) -> Option<f64> {
    (!waits.is_empty()).then(|| {
        let value = waits.lowest_equivalent(waits.value_at_quantile(quantile));
        value as f64 / 1000.0
    })
}

/// Arrival rate in calls per hour over a window of `window_ms`.
pub fn arrival_rate_per_hour(offered: u64, window_ms: i64) -> Option<f64> {
    ratio(offered as f64 * 3_600_000.0, window_ms as f64)
}

/// Mean caller patience in seconds, estimated from a window's waits: `(Σ wait of answered + Σ wait of
/// abandoned) / abandoned`; `None` below `min_abandons` abandons (and always without any).
///
/// Why this estimator: Erlang A takes patience as exponential. Every caller who waited was exposed to
/// abandoning for the length of the wait; an abandoned caller's wait is the patience itself, an answered
/// caller's wait only a lower bound on it (censored by the answer). With exponential patience of rate θ
/// the likelihood of such data is θ^abandoned · e^(−θ · Σ waits), maximal at θ = abandoned / Σ waits,
/// so the maximum-likelihood mean patience is the total exposure divided by the number of abandons. The
/// mean wait of abandoned callers alone would understate it: the patient ones were answered first. Its
/// relative error is about 1/√abandoned, hence a minimum count. Dequeued callers' waits are not counted
/// (`QueueCounts` does not keep them), which leaves out some exposure and so leans slightly short.
pub fn patience_estimate_seconds(counts: &QueueCounts, min_abandons: u64) -> Option<f64> {
    if counts.abandoned < min_abandons {
        return None;
    }
    ratio(
        (counts.wait_answered_ms + counts.wait_abandoned_ms) as f64 / 1000.0,
        counts.abandoned as f64,
    )
}

/// Time an agent spent in each state over a window, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct AgentTimes {
    pub available_ms: u64,
    pub ringing_ms: u64,
    /// Talk, excluding hold.
    pub talk_ms: u64,
    pub hold_ms: u64,
    pub wrap_up_ms: u64,
    pub not_ready_ms: u64,
    pub logged_in_ms: u64,
}

impl AgentTimes {
    /// Time spent working a call: talk + hold + wrap-up + ringing.
    pub fn busy_ms(&self) -> u64 {
        self.talk_ms + self.hold_ms + self.wrap_up_ms + self.ringing_ms
    }

    pub fn merge(&mut self, other: &AgentTimes) {
        self.available_ms += other.available_ms;
        self.ringing_ms += other.ringing_ms;
        self.talk_ms += other.talk_ms;
        self.hold_ms += other.hold_ms;
        self.wrap_up_ms += other.wrap_up_ms;
        self.not_ready_ms += other.not_ready_ms;
        self.logged_in_ms += other.logged_in_ms;
    }
}

/// `(talk + hold + wrap-up + ringing) / (talk + hold + wrap-up + ringing + available)`.
pub fn occupancy(times: &AgentTimes) -> Option<f64> {
    let busy = times.busy_ms() as f64;
    ratio(busy, busy + times.available_ms as f64)
}

/// `(talk + hold + wrap-up + ringing) / logged-in time`.
pub fn utilization(times: &AgentTimes) -> Option<f64> {
    ratio(times.busy_ms() as f64, times.logged_in_ms as f64)
}

/// `connected / dialed`.
pub fn contact_rate(connected: u64, dialed: u64) -> Option<f64> {
    ratio(connected as f64, dialed as f64)
}

/// `successes / connected`.
pub fn conversion(successes: u64, connected: u64) -> Option<f64> {
    ratio(successes as f64, connected as f64)
}

/// Quota progress: `actual / target`.
pub fn quota_progress(actual: f64, target: f64) -> Option<f64> {
    ratio(actual, target)
}

/// Quota pace: `actual / (target × elapsed fraction of the shift)`; below 1 means behind.
pub fn quota_pace(actual: f64, target: f64, elapsed_fraction: f64) -> Option<f64> {
    ratio(actual, target * elapsed_fraction.clamp(0.0, 1.0))
}

/// Quota attainment over a period: `actual / (target per shift × shifts worked)`, the shifts worked being
/// the logged-in time over the shift length; the pace of a whole period, not capped at one shift.
pub fn quota_attainment(actual: f64, shift_target: f64, shifts_worked: f64) -> Option<f64> {
    ratio(actual, shift_target * shifts_worked.max(0.0))
}

/// Simple exponential smoothing: the level after `values` with smoothing factor `alpha` (0 < α ≤ 1),
/// starting from the first value; the forecast of the next value. `None` without values.
pub fn exponential_smoothing(values: impl IntoIterator<Item = f64>, alpha: f64) -> Option<f64> {
    values.into_iter().fold(None, |level, value| {
        Some(level.map_or(value, |level| alpha * value + (1.0 - alpha) * level))
    })
}

/// Mean of `score / scale` over surveys, from the running sum of normalised scores.
pub fn csat(normalised_score_sum: f64, surveys: u64) -> Option<f64> {
    ratio(normalised_score_sum, surveys as f64)
}

/// Mean quality-review score: Σ (score / max score) / reviews.
pub fn qa_score(normalised_score_sum: f64, reviews: u64) -> Option<f64> {
    ratio(normalised_score_sum, reviews as f64)
}

#[cfg(test)]
mod tests;
