//! A tenant's figures at one instant: what every output (JSON, Prometheus, alerts, wallboard) renders.
//! Built from the floor; plain data, so it can be shared behind an `Arc` and serialised as it is.

use crate::decode::time::rfc3339;
use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use serde::Serialize;

use super::agent::{Tallies, TimeState};
use super::calendar::Calendar;
use super::floor::Floor;
use super::levels::{Level, QueueLevels, QueueLines};
use super::queue::{record_wait, wait_histogram, Queue, Tally};
use super::settings::{CenterSettings, RollingWindow};
use crate::event::{Id, Millis, RejectCounts, RejectReason};
use crate::kpi::{self, AgentTimes, QueueCounts};

/// Name of the calendar window since the tenant's day start.
pub const TODAY: &str = "today";

#[derive(Debug, Clone, Default, Serialize)]
pub struct CenterSnapshot {
    pub tenant: Id,
    /// The instant the figures are for (RFC 3339); windows end here.
    pub now: String,
    #[serde(skip)]
    pub now_ms: Millis,
    /// Start of the tenant's day (RFC 3339), the start of the `today` window.
    pub day_start: String,
    /// The date that day is named by, in the tenant's zone (`2026-11-23`).
    pub local_date: String,
    /// Event time of the latest event seen.
    pub last_event_time: Option<String>,
    #[serde(skip)]
    pub last_event_ms: Option<Millis>,
    pub events: EventStats,
    pub queues: Vec<QueueSnapshot>,
    pub agents: Vec<AgentSnapshot>,
    /// Today's outbound figures by campaign.
    pub campaigns: Vec<GroupFigures>,
    /// Today's figures by agent team.
    pub teams: Vec<GroupFigures>,
    /// Within the tenant's opening hours (or, with none configured, any agent logged in): a silent
    /// feed now means a dead feed, not a quiet floor.
    pub open: bool,
    /// These are the last figures before the group took the tenant's partition from this instance
    /// (brokers unreachable past the session timeout, or a rebalance under way): kept and served
    /// until the group gives the partition back or to another instance, but no longer updated.
    pub stale: bool,
    /// Callers who abandoned today and have not been reached since, the longest waiting first (served
    /// by `/api/v1/tenants/{tenant}/callbacks`, not in the snapshot's JSON).
    #[serde(skip)]
    pub callbacks: std::sync::Arc<[Callback]>,
    /// Calls chosen for quality review in the current sampling period and the one before (served by
    /// `/api/v1/tenants/{tenant}/qa/samples`, not in the snapshot's JSON).
    #[serde(skip)]
    pub qa_samples: std::sync::Arc<[crate::center::qa::Sample]>,
    /// Labour cost against the budget; absent without `labour` settings.
    pub labour: Option<labour::LabourSnapshot>,
}

/// A caller who abandoned today and has not been reached since.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Callback {
    /// As the feed named it (opaque: a number or a hash of it).
    pub caller: Id,
    /// The queue of the latest abandonment.
    pub queue: Id,
    /// When the caller last hung up waiting (RFC 3339), and how long that wait was.
    pub abandoned_at: String,
    #[serde(skip)]
    pub abandoned_ms: Millis,
    pub wait_seconds: f64,
    /// Calls the caller abandoned today since last reached.
    pub abandoned_calls: usize,
}

/// Outbound results and customer satisfaction from one set of tallies (`metrics.md`: contact rate,
/// conversion, CSAT), as campaigns, teams, agents and their windows show them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ContactFigures {
    /// Outbound: calls dialed, connected, and completed with `outcome = success`.
    pub dialed: u64,
    pub connected: u64,
    pub successes: u64,
    /// connected / dialed.
    pub contact_rate: Option<f64>,
    /// successes / connected.
    pub conversion: Option<f64>,
    pub surveys: u64,
    /// Mean survey score / scale.
    pub csat: Option<f64>,
    /// Quality reviews, their mean score / max score, and those with a critical failure.
    pub qa_reviews: u64,
    pub qa_score: Option<f64>,
    pub qa_critical_failures: u64,
}

impl ContactFigures {
    pub fn new(tallies: &Tallies) -> Self {
        ContactFigures {
            dialed: tallies.dialed,
            connected: tallies.connected,
            successes: tallies.successes,
            contact_rate: kpi::contact_rate(tallies.connected, tallies.dialed),
            conversion: kpi::conversion(tallies.successes, tallies.connected),
            surveys: tallies.surveys,
            csat: kpi::csat(tallies.survey_score_sum, tallies.surveys),
            qa_reviews: tallies.reviews,
            qa_score: kpi::qa_score(tallies.review_score_sum, tallies.reviews),
            qa_critical_failures: tallies.critical_failures,
        }
    }
}

/// Today's outbound and survey figures of a campaign or a team.
#[derive(Debug, Clone, Default, Serialize)]
pub struct GroupFigures {
    pub name: String,
    pub handled: u64,
    #[serde(flatten)]
    pub contacts: ContactFigures,
}

impl GroupFigures {
    fn new(name: &str, tallies: &Tallies) -> Self {
        GroupFigures {
            name: name.to_string(),
            handled: tallies.handled,
            contacts: ContactFigures::new(tallies),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct EventStats {
    pub applied: u64,
    pub rejected: u64,
    /// Rejections by reason (only reasons that occurred).
    pub rejected_by_reason: BTreeMap<&'static str, u64>,
    pub calls_in_flight: usize,
    pub expired_calls: u64,
}

impl EventStats {
    pub fn new(applied: u64, rejected: &RejectCounts) -> Self {
        let rejected_by_reason = RejectReason::ALL
            .into_iter()
            .filter(|reason| rejected.get(*reason) > 0)
            .map(|reason| (reason.as_str(), rejected.get(reason)))
            .collect();
        EventStats {
            applied,
            rejected: rejected.total(),
            rejected_by_reason,
            ..EventStats::default()
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct QueueSnapshot {
    pub queue: Id,
    pub threshold_seconds: f64,
    pub short_abandon_seconds: f64,
    pub service_level_target: f64,
    pub service_level_formula: &'static str,
    /// Rolling windows, then `today`.
    pub windows: Vec<QueueWindow>,
    pub calls_waiting: usize,
    pub longest_waiting_seconds: Option<f64>,
    /// Queued time of the oldest waiting call (RFC 3339).
    pub oldest_waiting_since: Option<String>,
    #[serde(skip)]
    pub oldest_waiting_ms: Option<Millis>,
    pub agents: AgentsByState,
    /// Where the board's figures stand against the queue's lines (`levels` in its configuration).
    pub levels: QueueLevels,
    /// Today's mean survey score / scale.
    pub csat: Option<f64>,
    pub surveys: u64,
    /// Callers whose latest abandonment today was here and who have not been reached since.
    pub callbacks: usize,
    /// Today's calls that named their caller, those of them from a caller who had called within the
    /// day before, and their ratio (absent without callers): the usual stand-in for first-contact
    /// resolution.
    pub calls_with_caller: u64,
    pub repeat_calls: u64,
    pub repeat_caller_rate: Option<f64>,
    /// Every count since this instance took the tenant (the counters of the exposition).
    pub totals: QueueCounts,
    /// Answered waits by upper bound in seconds, cumulative (the last bound is +Inf).
    pub answer_wait_buckets: Vec<(f64, u64)>,
    /// Event time of the queue's last count (RFC 3339).
    pub last_activity: Option<String>,
    #[serde(skip)]
    pub last_activity_ms: Option<Millis>,
    /// Named in the configuration (exported even when quiet).
    pub configured: bool,
    /// Agents needed to meet the service-level target, by Erlang C (Erlang A when the queue's patience
    /// is configured or measured), from the arrival rate and AHT of the staffing window; absent until
    /// calls were handled in it.
    pub required_agents: Option<u32>,
    /// Start of the next report interval (RFC 3339), which the forecast is for.
    pub forecast_interval_start: Option<String>,
    /// Calls expected in the next interval: exponential smoothing (α = 0.5) of today's finished intervals.
    pub forecast_offered: Option<f64>,
    /// Agents the forecast needs, with the staffing window's AHT.
    pub forecast_required_agents: Option<u32>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct QueueWindow {
    pub window: String,
    pub counts: QueueCounts,
    pub service_level: Option<f64>,
    pub abandon_rate: Option<f64>,
    pub asa_seconds: Option<f64>,
    pub average_abandon_seconds: Option<f64>,
    pub aht_seconds: Option<f64>,
    pub average_talk_seconds: Option<f64>,
    pub average_hold_seconds: Option<f64>,
    pub average_wrap_up_seconds: Option<f64>,
    pub max_wait_seconds: Option<f64>,
    pub wait_p50_seconds: Option<f64>,
    pub wait_p90_seconds: Option<f64>,
    pub wait_p95_seconds: Option<f64>,
    pub arrival_rate_per_hour: Option<f64>,
}

/// Agents with the queue among their skills, by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct AgentsByState {
    pub available: u32,
    pub ringing: u32,
    pub on_call: u32,
    pub wrap_up: u32,
    pub not_ready: u32,
    /// Logged in: the sum of the states above.
    pub staffed: u32,
}

impl AgentsByState {
    fn count(&mut self, state: TimeState) {
        let slot = match state {
            TimeState::LoggedOut => return,
            TimeState::Available => &mut self.available,
            TimeState::Ringing => &mut self.ringing,
            TimeState::Talk | TimeState::Hold => &mut self.on_call,
            TimeState::WrapUp => &mut self.wrap_up,
            TimeState::NotReady(_) => &mut self.not_ready,
        };
        *slot += 1;
        self.staffed += 1;
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct AgentSnapshot {
    pub agent: Id,
    pub team: Option<Id>,
    pub skills: Vec<Id>,
    /// `logged_out`, `available`, `ringing`, `on_call`, `wrap_up` or `not_ready`.
    pub state: &'static str,
    /// The not-ready reason, when one was given.
    pub reason: Option<Id>,
    pub on_hold: bool,
    pub state_since: Option<String>,
    pub state_seconds: Option<f64>,
    /// The warning line of the state (or not-ready reason) the agent is in, where one is configured
    /// (`state_limits`), and where its time in state stands against it.
    pub state_limit_seconds: Option<f64>,
    pub state_level: Level,
    /// Rings the agent let go unanswered since it last answered a call.
    pub rings_unanswered_in_a_row: u32,
    /// Mean score / max score of the agent's latest quality reviews (`RecentReviews::KEPT`, or fewer).
    pub qa_recent_score: Option<f64>,
    /// Calls chosen for the agent's review in the current sampling period not reviewed yet; `None`
    /// without a sampling policy.
    pub qa_reviews_owed: Option<u64>,
    /// What the agent's logged-in time cost today; `None` without labour settings.
    pub cost_today: Option<f64>,
    /// Session start (login) of the current or last session.
    pub session_start: Option<String>,
    #[serde(skip)]
    pub session_start_ms: Option<Millis>,
    /// Rolling windows, `today`, then `session`.
    pub windows: Vec<AgentWindow>,
    /// Today's outbound and survey figures (also in the `today` window; kept here for the API's users
    /// and the alert rules).
    #[serde(flatten)]
    pub contacts: ContactFigures,
    /// Progress and pace of each quota that applies to the agent, over the current (or last) session.
    pub quotas: Vec<QuotaStatus>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct QuotaStatus {
    pub quota: String,
    pub actual: u64,
    /// The target over the whole shift.
    pub target: f64,
    /// actual / target.
    pub progress: Option<f64>,
    /// actual / (target × elapsed fraction of the shift); below 1 means behind.
    pub pace: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct AgentWindow {
    pub window: String,
    pub times: AgentTimes,
    /// Not-ready milliseconds by reason (`""` where none was given).
    pub not_ready_by_reason: BTreeMap<String, u64>,
    pub handled: u64,
    /// Calls that rang at the agent and were not answered by it ("ring no answer").
    pub rings_unanswered: u64,
    pub aht_seconds: Option<f64>,
    pub occupancy: Option<f64>,
    pub utilization: Option<f64>,
    #[serde(flatten)]
    pub contacts: ContactFigures,
}

mod agents;
use crate::center::qa::SamplePeriod;
pub(crate) use agents::applicable_quotas;
pub mod labour;

use agents::{agent_snapshot, group_figures};

/// Whether `now` falls in `[open, close)` minutes of the local day (spanning midnight when close < open).
fn within_hours((open, close): (u32, u32), zone: chrono_tz::Tz, now: Millis) -> bool {
    use chrono::Timelike;
    let local = chrono::DateTime::from_timestamp_millis(now)
        .unwrap_or_default()
        .with_timezone(&zone);
    let minute = local.hour() * 60 + local.minute();
    if open <= close {
        (open..close).contains(&minute)
    } else {
        minute >= open || minute < close
    }
}

fn seconds(ms: Millis) -> f64 {
    ms as f64 / 1000.0
}

/// Builds the snapshot of `floor` at `now`.
pub fn build(
    tenant: &Id,
    floor: &Floor,
    settings: &CenterSettings,
    now: Millis,
    mut events: EventStats,
) -> CenterSnapshot {
    let mut calendar = floor.calendar.clone();
    let day_start = calendar.day(now).start;
    let mut scratch = wait_histogram();
    let mut staffing = vec![AgentsByState::default(); floor.queues.len()];
    for agent in &floor.agents {
        for &skill in &agent.skills {
            staffing[skill as usize].count(agent.state());
        }
    }
    let mut context = QueueContext {
        settings,
        now,
        day_start,
        calendar: &mut calendar,
        scratch: &mut scratch,
    };
    let mut queues: Vec<QueueSnapshot> = floor
        .queues
        .iter()
        .zip(staffing)
        .map(|(queue, agents)| queue_snapshot(queue, agents, &mut context))
        .collect();
    let (callbacks, by_queue) = callbacks(floor, day_start);
    for (queue, count) in queues.iter_mut().zip(by_queue) {
        queue.callbacks = count;
    }
    let mut agents: Vec<AgentSnapshot> = floor
        .agents
        .iter()
        .map(|agent| agent_snapshot(agent, floor, settings, now, day_start))
        .collect();
    if let Some(policy) = &settings.qa_sampling {
        let period = match policy.period {
            SamplePeriod::Day => calendar.day(now),
            SamplePeriod::Week => calendar.week(now),
        };
        let owed = floor.samples.owed(period.start);
        for snapshot in &mut agents {
            snapshot.qa_reviews_owed = Some(owed.get(&snapshot.agent).copied().unwrap_or(0));
        }
    }
    let labour = settings.labour.as_ref().map(|labour_settings| {
        let day_end = calendar.day(now).end;
        for (snapshot, agent) in agents.iter_mut().zip(&floor.agents) {
            snapshot.cost_today = Some(labour::agent_cost(agent, day_start, day_end, now));
        }
        let input = labour::LabourInput {
            settings: labour_settings,
            agents: &floor.agents,
            agent_snapshots: &agents,
            queues: &queues,
            now,
        };
        labour::labour_snapshot(&input, &mut calendar)
    });
    let (campaigns, teams) = group_figures(floor, day_start);
    let open = match settings.open_hours {
        Some(hours) => within_hours(hours, settings.time_zone, now),
        None => floor
            .agents
            .iter()
            .any(|agent| agent.state() != TimeState::LoggedOut),
    };
    events.calls_in_flight = floor.number_of_calls();
    events.expired_calls = floor.expired_calls;
    let last_event_ms = (floor.clock != Millis::MIN).then_some(floor.clock);
    CenterSnapshot {
        tenant: tenant.clone(),
        now: rfc3339(now),
        now_ms: now,
        day_start: rfc3339(day_start),
        local_date: calendar.local_date(day_start),
        last_event_time: last_event_ms.map(rfc3339),
        last_event_ms,
        events,
        queues,
        agents,
        campaigns,
        teams,
        open,
        stale: false,
        callbacks: callbacks.into(),
        qa_samples: floor.samples.all().into(),
        labour,
    }
}

/// The callers awaiting a callback, counting only today's abandonments (an earlier one stays until the
/// next sweep), the longest waiting first; and how many by the queue of their latest abandonment.
fn callbacks(floor: &Floor, day_start: Millis) -> (Vec<Callback>, Vec<usize>) {
    let mut by_queue = vec![0; floor.queues.len()];
    let list = floor
        .callers
        .callbacks()
        .into_iter()
        .filter_map(|(caller, list)| {
            let today: Vec<_> = list.into_iter().filter(|at| at.at >= day_start).collect();
            let last = today.last()?;
            *by_queue.get_mut(last.queue as usize)? += 1;
            Some(Callback {
                caller: caller.clone(),
                queue: floor.queues.get(last.queue as usize)?.id.clone(),
                abandoned_at: rfc3339(last.at),
                abandoned_ms: last.at,
                wait_seconds: seconds(Millis::from(last.wait_ms)),
                abandoned_calls: today.len(),
            })
        })
        .collect();
    (list, by_queue)
}

/// What every queue's snapshot shares.
struct QueueContext<'a> {
    settings: &'a CenterSettings,
    now: Millis,
    day_start: Millis,
    calendar: &'a mut Calendar,
    scratch: &'a mut Histogram<u32>,
}

fn queue_snapshot(
    queue: &Queue,
    agents: AgentsByState,
    context: &mut QueueContext<'_>,
) -> QueueSnapshot {
    let QueueContext {
        settings,
        now,
        day_start,
        calendar,
        scratch,
    } = context;
    let (settings, now, day_start) = (*settings, *now, *day_start);
    let mut windows: Vec<QueueWindow> = settings
        .rolling_windows
        .iter()
        .map(|window| rolling_queue_window(queue, window, now, scratch))
        .collect();
    let mut today = QueueCounts::default();
    for (_, counts) in queue.intervals.range(day_start..=now) {
        today.merge(counts);
    }
    let today_length = now - day_start;
    windows.push(queue_window(
        TODAY.to_string(),
        today,
        today_length,
        queue,
        queue.today_waits(day_start),
    ));
    let oldest = queue.oldest_waiting_since();
    let longest = oldest.map(|since| seconds((now - since).max(0)));
    // The first window: the first rolling one, else today.
    let levels = queue_levels(
        &queue.settings.lines,
        &windows[0],
        queue.calls_waiting(),
        longest,
    );
    let surveys = queue.surveys.of_day(day_start).copied().unwrap_or_default();
    let callers = queue.callers.of_day(day_start).copied().unwrap_or_default();
    let mut cumulative = 0;
    let answer_wait_buckets = queue
        .wait_bucket_counts
        .iter()
        .enumerate()
        .map(|(index, count)| {
            cumulative += count;
            let bound = queue
                .wait_bounds
                .get(index)
                .map_or(f64::INFINITY, |bound| seconds(*bound));
            (bound, cumulative)
        })
        .collect();
    let last_activity_ms = (queue.last_activity != Millis::MIN).then_some(queue.last_activity);
    let staffing = RollingWindow::new(queue.settings.staffing_window_ms);
    let staffing_counts = rolling_queue_window(queue, &staffing, now, scratch).counts;
    let current_rate =
        kpi::arrival_rate_per_hour(staffing_counts.offered, queue.settings.staffing_window_ms);
    let required = current_rate.and_then(|rate| required_agents(&staffing_counts, queue, rate));
    let (next_interval, forecast_offered) = forecast(queue, calendar, now, day_start);
    let interval_hours = calendar.interval_ms() as f64 / 3_600_000.0;
    let forecast_required_agents = forecast_offered
        .and_then(|offered| required_agents(&staffing_counts, queue, offered / interval_hours));
    QueueSnapshot {
        required_agents: required,
        forecast_interval_start: Some(rfc3339(next_interval)),
        forecast_offered,
        forecast_required_agents,
        totals: queue.totals,
        answer_wait_buckets,
        last_activity: last_activity_ms.map(rfc3339),
        last_activity_ms,
        configured: queue.configured,
        queue: queue.id.clone(),
        threshold_seconds: seconds(queue.settings.threshold_ms),
        short_abandon_seconds: seconds(queue.settings.short_abandon_ms),
        service_level_target: queue.settings.service_level_target,
        service_level_formula: queue.settings.service_level_formula.as_str(),
        windows,
        levels,
        calls_waiting: queue.calls_waiting(),
        longest_waiting_seconds: longest,
        oldest_waiting_since: oldest.map(rfc3339),
        oldest_waiting_ms: oldest,
        agents,
        csat: kpi::csat(surveys.score_sum, surveys.surveys),
        surveys: surveys.surveys,
        callbacks: 0,
        calls_with_caller: callers.calls,
        repeat_calls: callers.repeats,
        repeat_caller_rate: (callers.calls > 0)
            .then(|| callers.repeats as f64 / callers.calls as f64),
    }
}

/// Where a queue's board figures stand: service level and abandon rate of `window` (the first
/// rolling one), calls waiting and the longest wait now.
fn queue_levels(
    lines: &QueueLines,
    window: &QueueWindow,
    calls_waiting: usize,
    longest_wait_seconds: Option<f64>,
) -> QueueLevels {
    QueueLevels {
        service_level: lines.service_level.below(window.service_level),
        longest_wait: lines.longest_wait_seconds.above(longest_wait_seconds),
        calls_waiting: (lines.calls_waiting).map_or(Level::Normal, |lines| {
            lines.above(Some(calls_waiting as f64))
        }),
        abandon_rate: lines.abandon_rate.above(window.abandon_rate),
    }
}

/// Fewest abandons in the staffing window from which the callers' patience is estimated.
const MIN_ABANDONS_FOR_PATIENCE: u64 = 5;

/// Smoothing factor of the arrivals forecast: recent intervals weigh as much as all before them.
const FORECAST_SMOOTHING: f64 = 0.5;

/// The next interval's start and its expected arrivals, from today's finished intervals (an interval
/// with nothing counted is a real zero).
fn forecast(
    queue: &Queue,
    calendar: &mut Calendar,
    now: Millis,
    day_start: Millis,
) -> (Millis, Option<f64>) {
    let current = calendar.interval(now);
    let mut offered = Vec::new();
    let mut start = day_start;
    while start < current.start {
        offered.push(
            queue
                .intervals
                .get(&start)
                .map_or(0.0, |counts| counts.offered as f64),
        );
        start = calendar.interval(start).end;
    }
    (
        current.end,
        kpi::exponential_smoothing(offered, FORECAST_SMOOTHING),
    )
}

/// Required agents for `arrivals_per_hour` with the AHT (and abandons) of `counts`.
fn required_agents(counts: &QueueCounts, queue: &Queue, arrivals_per_hour: f64) -> Option<u32> {
    let settings = &queue.settings;
    let aht = kpi::aht_seconds(counts)?;
    // Configured patience, else the one measured from the window's abandons.
    let patience = settings
        .patience_ms
        .map(|ms| ms as f64 / 1000.0)
        .or_else(|| kpi::patience_estimate_seconds(counts, MIN_ABANDONS_FOR_PATIENCE));
    let workload = kpi::erlang::Workload::per_hour(arrivals_per_hour, aht);
    kpi::erlang::required_agents(
        workload,
        settings.threshold_ms as f64 / 1000.0,
        settings.service_level_target,
        patience,
    )
}

/// Sums the queue's records with time in `(now − length, now]`.
fn rolling_queue_window(
    queue: &Queue,
    window: &RollingWindow,
    now: Millis,
    scratch: &mut Histogram<u32>,
) -> QueueWindow {
    let from = now - window.length_ms;
    let mut counts = QueueCounts::default();
    scratch.reset();
    for record in queue.recent().iter().rev() {
        if record.time <= from {
            break;
        }
        if record.time > now {
            continue;
        }
        counts.add(record.tally, &queue.settings);
        if let Tally::Answered { wait_ms } = record.tally {
            record_wait(scratch, wait_ms);
        }
    }
    queue_window(
        window.name.clone(),
        counts,
        window.length_ms,
        queue,
        Some(scratch),
    )
}

fn queue_window(
    name: String,
    counts: QueueCounts,
    length_ms: Millis,
    queue: &Queue,
    waits: Option<&Histogram<u32>>,
) -> QueueWindow {
    let percentile =
        |quantile: f64| waits.and_then(|waits| kpi::wait_percentile_seconds(waits, quantile));
    QueueWindow {
        window: name,
        service_level: kpi::service_level(&counts, queue.settings.service_level_formula),
        abandon_rate: kpi::abandon_rate(&counts),
        asa_seconds: kpi::asa_seconds(&counts),
        average_abandon_seconds: kpi::average_abandon_seconds(&counts),
        aht_seconds: kpi::aht_seconds(&counts),
        average_talk_seconds: kpi::average_per_handled_seconds(counts.talk_ms, counts.handled),
        average_hold_seconds: kpi::average_per_handled_seconds(counts.hold_ms, counts.handled),
        average_wrap_up_seconds: kpi::average_per_handled_seconds(
            counts.wrap_up_ms,
            counts.handled,
        ),
        max_wait_seconds: kpi::max_wait_seconds(&counts),
        wait_p50_seconds: percentile(0.50),
        wait_p90_seconds: percentile(0.90),
        wait_p95_seconds: percentile(0.95),
        arrival_rate_per_hour: kpi::arrival_rate_per_hour(counts.offered, length_ms),
        counts,
    }
}
