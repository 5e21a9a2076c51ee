//! One queue's state: the recent outcomes its rolling windows are summed from, its report intervals, the
//! calls waiting in it, and today's answered-wait histogram. Knows nothing of calls or agents.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

use hdrhistogram::Histogram;

use super::calendar::{Calendar, Daily};
use super::history::insert_in_time_order;
use super::settings::{QueueSettings, HOUR};
use crate::event::{Id, Millis};
use crate::kpi::QueueCounts;

/// Dense index of a queue within its center.
pub type QueueIx = u32;

/// What one event contributes to a queue's counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Tally {
    Offered,
    Answered {
        wait_ms: u32,
    },
    Abandoned {
        wait_ms: u32,
    },
    Dequeued,
    Handled {
        talk_ms: u32,
        hold_ms: u32,
        wrap_up_ms: u32,
    },
}

/// A tally at its event time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Record {
    pub time: Millis,
    pub tally: Tally,
}

/// Longest wait the answered-wait histograms resolve; longer waits are clamped to it.
const HISTOGRAM_MAX_MS: u64 = 24 * HOUR as u64;
/// Two significant digits: percentiles are exact to within 1 %.
const HISTOGRAM_SIGNIFICANT_DIGITS: u8 = 2;

pub fn wait_histogram() -> Histogram<u32> {
    Histogram::new_with_bounds(1, HISTOGRAM_MAX_MS, HISTOGRAM_SIGNIFICANT_DIGITS)
        .expect("static histogram bounds are valid")
}

/// Records an answered wait; a zero wait is recorded as 1 ms, the histogram's lowest value.
pub fn record_wait(histogram: &mut Histogram<u32>, wait_ms: u32) {
    histogram.saturating_record(u64::from(wait_ms).clamp(1, HISTOGRAM_MAX_MS));
}

impl QueueCounts {
    /// Adds one tally, classifying waits against `settings`.
    pub fn add(&mut self, tally: Tally, settings: &QueueSettings) {
        let within = |wait_ms: u32| Millis::from(wait_ms) <= settings.threshold_ms;
        match tally {
            Tally::Offered => self.offered += 1,
            Tally::Answered { wait_ms } => {
                self.answered += 1;
                self.answered_within_threshold += u64::from(within(wait_ms));
                self.wait_answered_ms += u64::from(wait_ms);
                self.max_wait_ms = self.max_wait_ms.max(u64::from(wait_ms));
            }
            Tally::Abandoned { wait_ms } => {
                self.abandoned += 1;
                self.abandoned_within_threshold += u64::from(within(wait_ms));
                self.short_abandoned +=
                    u64::from(Millis::from(wait_ms) < settings.short_abandon_ms);
                self.wait_abandoned_ms += u64::from(wait_ms);
                self.max_wait_ms = self.max_wait_ms.max(u64::from(wait_ms));
            }
            Tally::Dequeued => self.dequeued += 1,
            Tally::Handled {
                talk_ms,
                hold_ms,
                wrap_up_ms,
            } => {
                self.handled += 1;
                self.talk_ms += u64::from(talk_ms);
                self.hold_ms += u64::from(hold_ms);
                self.wrap_up_ms += u64::from(wrap_up_ms);
            }
        }
    }
}

/// Calls that named their caller, and those of them from a caller who had called within the day before.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CallerTally {
    pub calls: u64,
    pub repeats: u64,
}

/// Survey results: count and Σ score / scale.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SurveyTally {
    pub surveys: u64,
    pub score_sum: f64,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Queue {
    pub id: Id,
    /// Not kept in a state snapshot: a restored center takes the settings in force.
    #[serde(skip)]
    pub settings: QueueSettings,
    /// Tallies newer than the longest rolling window, sorted by time.
    recent: VecDeque<Record>,
    /// Counts by report interval start (UTC ms).
    #[serde(with = "super::persist::interval_counts")]
    pub intervals: BTreeMap<Millis, QueueCounts>,
    /// Answered waits of the day starting at `today_start`; allocated on the first answer.
    #[serde(with = "super::persist::today_waits")]
    today_waits: Option<(Millis, Box<Histogram<u32>>)>,
    /// Segments waiting now, oldest first: (queued time, call).
    waiting: BTreeSet<(Millis, Id)>,
    /// Today's surveys naming this queue.
    pub surveys: Daily<SurveyTally>,
    /// Today's calls with a caller, and repeat callers among them.
    pub callers: Daily<CallerTally>,
    /// Every count since the center started: the source of the Prometheus counters.
    #[serde(with = "super::persist::QueueCountsDef")]
    pub totals: QueueCounts,
    /// Upper bounds (ms) of the answered-wait counter histogram, shared by the center's queues.
    pub wait_bounds: Arc<[Millis]>,
    /// Answered segments by the first bound their wait is within (the last slot is +Inf).
    pub wait_bucket_counts: Vec<u64>,
    /// Event time of the last tally, for expiring queues nobody uses any more.
    pub last_activity: Millis,
    /// Named in the configuration: exported from the start and never expired.
    pub configured: bool,
}

impl Queue {
    pub fn new(id: Id, settings: QueueSettings, wait_bounds: Arc<[Millis]>) -> Self {
        let wait_bucket_counts = vec![0; wait_bounds.len() + 1];
        Queue {
            totals: QueueCounts::default(),
            wait_bounds,
            wait_bucket_counts,
            last_activity: Millis::MIN,
            configured: false,
            id,
            settings,
            recent: VecDeque::new(),
            intervals: BTreeMap::new(),
            today_waits: None,
            waiting: BTreeSet::new(),
            surveys: Daily::default(),
            callers: Daily::default(),
        }
    }

    /// Counts `tally` at `time`: into the rolling record, its report interval and today's waits.
    pub fn record(&mut self, time: Millis, tally: Tally, calendar: &mut Calendar) {
        insert_in_time_order(&mut self.recent, Record { time, tally }, |record| {
            record.time
        });
        let interval = calendar.interval(time).start;
        self.intervals
            .entry(interval)
            .or_default()
            .add(tally, &self.settings);
        self.totals.add(tally, &self.settings);
        self.last_activity = self.last_activity.max(time);
        if let Tally::Answered { wait_ms } = tally {
            let bucket = self
                .wait_bounds
                .partition_point(|bound| *bound < Millis::from(wait_ms));
            self.wait_bucket_counts[bucket] += 1;
            let day = calendar.day(time).start;
            match &mut self.today_waits {
                Some((today, histogram)) if *today == day => record_wait(histogram, wait_ms),
                Some((today, _)) if *today > day => {}
                _ => {
                    let mut histogram = Box::new(wait_histogram());
                    record_wait(&mut histogram, wait_ms);
                    self.today_waits = Some((day, histogram));
                }
            }
        }
    }

    /// Takes new answered-wait bounds (a reload that changed a threshold). The counters are cumulative,
    /// so a new bound starts at the count of the largest old bound not above it: exact for answers
    /// after the reload, never decreasing, and every bound that stays keeps its count.
    pub fn rebucket(&mut self, bounds: Arc<[Millis]>) {
        if bounds == self.wait_bounds {
            return;
        }
        let mut cumulative = Vec::with_capacity(self.wait_bucket_counts.len());
        let mut running = 0;
        for count in &self.wait_bucket_counts {
            running += count;
            cumulative.push(running);
        }
        let total = running;
        let mut counts = Vec::with_capacity(bounds.len() + 1);
        let mut below = 0;
        for bound in bounds.iter() {
            let kept = self.wait_bounds.partition_point(|old| old <= bound);
            let at_or_below = if kept == 0 { 0 } else { cumulative[kept - 1] };
            counts.push(at_or_below - below);
            below = at_or_below;
        }
        counts.push(total - below);
        self.wait_bounds = bounds;
        self.wait_bucket_counts = counts;
    }

    /// Forgets rolling records at or before `horizon` and intervals that started before `keep_from`.
    pub fn trim(&mut self, horizon: Millis, keep_intervals_from: Option<Millis>) {
        while self
            .recent
            .front()
            .is_some_and(|record| record.time <= horizon)
        {
            self.recent.pop_front();
        }
        if let Some(keep_from) = keep_intervals_from {
            self.intervals = self.intervals.split_off(&keep_from);
        }
    }

    pub fn recent(&self) -> &VecDeque<Record> {
        &self.recent
    }

    /// Today's answered-wait histogram, if the day starting at `day_start` has any answers.
    pub fn today_waits(&self, day_start: Millis) -> Option<&Histogram<u32>> {
        match &self.today_waits {
            Some((today, histogram)) if *today == day_start => Some(histogram),
            _ => None,
        }
    }

    pub fn start_waiting(&mut self, queued_at: Millis, call: &Id) {
        self.waiting.insert((queued_at, call.clone()));
    }

    pub fn stop_waiting(&mut self, queued_at: Millis, call: &Id) {
        self.waiting.remove(&(queued_at, call.clone()));
    }

    pub fn calls_waiting(&self) -> usize {
        self.waiting.len()
    }

    /// Queued time of the segment that has waited longest.
    pub fn oldest_waiting_since(&self) -> Option<Millis> {
        self.waiting.first().map(|(queued_at, _)| *queued_at)
    }
}
