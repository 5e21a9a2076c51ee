//! Prometheus exposition: the KPI families of `spec/metrics.md`, rendered from the board's snapshots at
//! scrape time by a custom `Collector` (never updated per event), plus callboard's own metrics, in the
//! classic text format that `promtool check metrics` lints. Reads snapshots; mutates nothing.

use std::sync::Arc;

use prometheus::core::{Collector, Desc};
use prometheus::proto::{
    Bucket, Counter, Gauge, Histogram, LabelPair, Metric, MetricFamily, MetricType,
};
use prometheus::{Encoder, TextEncoder};

use crate::board::Board;
use crate::center::snapshot::labour::LabourSnapshot;
use crate::center::snapshot::{AgentSnapshot, CenterSnapshot, QueueSnapshot, QueueWindow, TODAY};
use crate::event::Millis;
use crate::telemetry::Telemetry;

/// What the exposition includes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpositionSettings {
    /// Per-agent series (switch off for very large centers).
    pub export_agents: bool,
    /// Agents logged out, and unconfigured queues without activity, for longer than this are not exported.
    pub idle_expiry_ms: Millis,
}

impl Default for ExpositionSettings {
    fn default() -> Self {
        ExpositionSettings {
            export_agents: true,
            idle_expiry_ms: 3_600_000,
        }
    }
}

/// Agent states of `callboard_agent_state` (and `callboard_queue_agents`), in order.
const AGENT_STATES: [&str; 6] = [
    "logged_out",
    "available",
    "ringing",
    "on_call",
    "wrap_up",
    "not_ready",
];

/// Every KPI family: (name, help, type).
const FAMILIES: &[(&str, &str, MetricType)] = &[
    (
        "callboard_queue_service_level_ratio",
        "Service level of the queue over the window (absent when undefined).",
        MetricType::GAUGE,
    ),
    (
        "callboard_queue_abandon_ratio",
        "Abandoned / (answered + abandoned + dequeued) over the window.",
        MetricType::GAUGE,
    ),
    (
        "callboard_queue_asa_seconds",
        "Average speed of answer over the window.",
        MetricType::GAUGE,
    ),
    (
        "callboard_queue_aht_seconds",
        "Average handle time (talk + hold + wrap-up) over the window.",
        MetricType::GAUGE,
    ),
    (
        "callboard_queue_offered_calls",
        "Calls offered to the queue over the window.",
        MetricType::GAUGE,
    ),
    (
        "callboard_queue_answered_calls",
        "Calls answered from the queue over the window.",
        MetricType::GAUGE,
    ),
    (
        "callboard_queue_abandoned_calls",
        "Calls abandoned in the queue over the window.",
        MetricType::GAUGE,
    ),
    (
        "callboard_queue_calls_waiting",
        "Calls waiting in the queue now.",
        MetricType::GAUGE,
    ),
    (
        "callboard_queue_longest_wait_seconds",
        "How long the oldest waiting call has waited (0 when none waits).",
        MetricType::GAUGE,
    ),
    (
        "callboard_queue_oldest_waiting_call_timestamp_seconds",
        "Queued time of the oldest waiting call (absent when none waits).",
        MetricType::GAUGE,
    ),
    (
        "callboard_queue_agents",
        "Agents with the queue among their skills, by state.",
        MetricType::GAUGE,
    ),
    (
        "callboard_queue_staffed_agents",
        "Agents logged in with the queue among their skills.",
        MetricType::GAUGE,
    ),
    (
        "callboard_queue_required_agents",
        "Agents needed to meet the service-level target now (Erlang C, or Erlang A with patience).",
        MetricType::GAUGE,
    ),
    (
        "callboard_queue_forecast_required_agents",
        "Agents the next report interval's forecast arrivals need.",
        MetricType::GAUGE,
    ),
    (
        "callboard_queue_service_level_target_ratio",
        "The queue's configured service-level target.",
        MetricType::GAUGE,
    ),
    (
        "callboard_queue_service_level_threshold_seconds",
        "The queue's configured answer threshold of the service level.",
        MetricType::GAUGE,
    ),
    (
        "callboard_queue_answer_wait_seconds",
        "Waits of answered calls, with a bucket at every configured threshold.",
        MetricType::HISTOGRAM,
    ),
    (
        "callboard_queue_offered_calls_total",
        "Calls offered to the queue.",
        MetricType::COUNTER,
    ),
    (
        "callboard_queue_answered_calls_total",
        "Calls answered from the queue.",
        MetricType::COUNTER,
    ),
    (
        "callboard_queue_answered_within_threshold_calls_total",
        "Calls answered within the queue's threshold.",
        MetricType::COUNTER,
    ),
    (
        "callboard_queue_abandoned_calls_total",
        "Calls abandoned while waiting in the queue.",
        MetricType::COUNTER,
    ),
    (
        "callboard_queue_short_abandoned_calls_total",
        "Calls abandoned before the short-abandon limit.",
        MetricType::COUNTER,
    ),
    (
        "callboard_queue_dequeued_calls_total",
        "Calls that left the queue without answer or abandon.",
        MetricType::COUNTER,
    ),
    (
        "callboard_queue_handled_calls_total",
        "Calls handled (completed) from the queue.",
        MetricType::COUNTER,
    ),
    (
        "callboard_queue_handle_seconds_total",
        "Talk + hold + wrap-up of handled calls.",
        MetricType::COUNTER,
    ),
    (
        "callboard_queue_wait_seconds_total",
        "Waits of answered calls.",
        MetricType::COUNTER,
    ),
    (
        "callboard_agent_state",
        "1 for the agent's current state, 0 for the others.",
        MetricType::GAUGE,
    ),
    (
        "callboard_agent_state_seconds",
        "Time the agent has been in its current state.",
        MetricType::GAUGE,
    ),
    (
        "callboard_agent_state_overdue",
        "The agent's time in its current state (or not-ready reason) against the state's limit \
         (state_limits): 0 within it, 1 past the warning line, 2 past the critical line; only agents \
         whose state has a limit.",
        MetricType::GAUGE,
    ),
    (
        "callboard_agent_rings_unanswered_in_a_row",
        "Rings the agent let go unanswered since it last answered a call (absent while none).",
        MetricType::GAUGE,
    ),
    (
        "callboard_agent_occupancy_ratio",
        "Agent occupancy over the window (absent when undefined).",
        MetricType::GAUGE,
    ),
    (
        "callboard_agent_handled_calls",
        "Calls the agent handled over the window.",
        MetricType::GAUGE,
    ),
    (
        "callboard_agent_quota_pace_ratio",
        "Quota count / (target x elapsed share of the shift); below 1 is behind pace.",
        MetricType::GAUGE,
    ),
    (
        "callboard_agent_quota_progress_ratio",
        "Quota count / target over the whole shift; 1 is the quota met.",
        MetricType::GAUGE,
    ),
    (
        "callboard_agent_dialed_calls",
        "Outbound calls the agent dialed over the window (today; absent for agents without outbound).",
        MetricType::GAUGE,
    ),
    (
        "callboard_agent_connected_calls",
        "Outbound calls of the agent that reached a person over the window (today; with dialed).",
        MetricType::GAUGE,
    ),
    (
        "callboard_agent_success_calls",
        "Outbound calls the agent completed with outcome success over the window (today; with dialed).",
        MetricType::GAUGE,
    ),
    (
        "callboard_agent_rings_unanswered",
        "Calls offered to the agent whose ring ended unanswered by it over the window (today; absent \
         while none): the call rang elsewhere, another agent took it, or the caller left.",
        MetricType::GAUGE,
    ),
    (
        "callboard_agent_csat_ratio",
        "Mean survey score / scale of the agent's surveys over the window (today; absent without surveys).",
        MetricType::GAUGE,
    ),
    (
        "callboard_agent_qa_reviews",
        "Quality reviews of the agent's calls over the window (today; absent without reviews).",
        MetricType::GAUGE,
    ),
    (
        "callboard_agent_qa_score_ratio",
        "Mean score / max score of the agent's quality reviews over the window (today; absent without \
         reviews).",
        MetricType::GAUGE,
    ),
    (
        "callboard_agent_qa_critical_failures",
        "Quality reviews of the agent's calls that found a critical failure over the window (today; \
         absent without reviews).",
        MetricType::GAUGE,
    ),
    (
        "callboard_agent_qa_recent_score_ratio",
        "Mean score / max score of the agent's latest five quality reviews (fewer when there were fewer).",
        MetricType::GAUGE,
    ),
    (
        "callboard_agent_qa_reviews_owed",
        "Calls chosen for the agent's quality review in the current sampling period and not reviewed yet.",
        MetricType::GAUGE,
    ),
    (
        "callboard_agent_labour_cost",
        "What the agent's logged-in time cost over the window (today), at its hourly rate as it worked.",
        MetricType::GAUGE,
    ),
    (
        "callboard_labour_cost",
        "What the tenant's logged-in agent time cost over the window (today, month: month to date).",
        MetricType::GAUGE,
    ),
    (
        "callboard_labour_cost_per_handled_call",
        "Labour cost per handled call over the window (today, 1h); absent without handled calls.",
        MetricType::GAUGE,
    ),
    (
        "callboard_labour_forecast_month_end",
        "Month to date plus each working day left at the cost of the agents the queues need now.",
        MetricType::GAUGE,
    ),
    (
        "callboard_labour_budget",
        "The tenant's monthly labour budget.",
        MetricType::GAUGE,
    ),
    (
        "callboard_team_labour_cost",
        "What the team's logged-in agent time cost over the window (today).",
        MetricType::GAUGE,
    ),
    (
        "callboard_campaign_dialed_calls",
        "Outbound calls dialed for the campaign over the window (today).",
        MetricType::GAUGE,
    ),
    (
        "callboard_campaign_connected_calls",
        "Outbound calls of the campaign that reached a person over the window (today).",
        MetricType::GAUGE,
    ),
    (
        "callboard_campaign_success_calls",
        "Outbound calls of the campaign completed with outcome success over the window (today).",
        MetricType::GAUGE,
    ),
    (
        "callboard_queue_csat_ratio",
        "Mean survey score / scale of the queue's surveys over the window (today; absent without surveys).",
        MetricType::GAUGE,
    ),
    (
        "callboard_queue_callbacks_pending",
        "Callers whose latest abandonment today was in the queue and who have not been reached since \
         (answered, or an outbound call to them connected).",
        MetricType::GAUGE,
    ),
    (
        "callboard_queue_repeat_caller_ratio",
        "Share of the queue's calls naming their caller whose caller had called within the 24 hours \
         before, over the window (today; absent without callers).",
        MetricType::GAUGE,
    ),
    (
        "callboard_last_event_timestamp_seconds",
        "Event time of the tenant's latest event (feed freshness).",
        MetricType::GAUGE,
    ),
];

/// Renders the KPI families from the board at scrape time.
pub struct KpiCollector {
    board: Arc<Board>,
    settings: ExpositionSettings,
    descs: Vec<Desc>,
    /// Length of the last rendered body.
    last_length: std::sync::atomic::AtomicUsize,
}

impl KpiCollector {
    pub fn new(board: Arc<Board>, settings: ExpositionSettings) -> Self {
        let descs = FAMILIES
            .iter()
            .filter_map(|(name, help, _)| {
                Desc::new(
                    name.to_string(),
                    help.to_string(),
                    Vec::new(),
                    Default::default(),
                )
                .ok()
            })
            .collect();
        KpiCollector {
            board,
            settings,
            descs,
            last_length: std::sync::atomic::AtomicUsize::new(0),
        }
    }
}

impl Collector for KpiCollector {
    fn desc(&self) -> Vec<&Desc> {
        self.descs.iter().collect()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        families_of(&self.board.snapshots(), &self.settings)
    }
}

/// The KPI families of `snapshots`.
fn families_of(
    snapshots: &[Arc<CenterSnapshot>],
    settings: &ExpositionSettings,
) -> Vec<MetricFamily> {
    let queues: usize = snapshots.iter().map(|snapshot| snapshot.queues.len()).sum();
    let agents: usize = snapshots.iter().map(|snapshot| snapshot.agents.len()).sum();
    let mut families = Families::with_capacity(queues, agents, snapshots.len());
    for snapshot in snapshots {
        families.tenant(snapshot, settings);
    }
    families.finish()
}

/// `families` in the text format, in a buffer of about `expected` bytes.
fn encode(families: &[MetricFamily], expected: usize) -> String {
    let mut text = Vec::with_capacity(expected + expected / 8 + 4096);
    if let Err(error) = TextEncoder::new().encode(families, &mut text) {
        tracing::error!(%error, "cannot encode metrics");
    }
    String::from_utf8(text).unwrap_or_default()
}

/// The KPI families of the tenants as `narrow` gives them (`None`: a tenant left out), without per-agent
/// series unless `agents`: what a token that sees part of the floor scrapes. callboard's own metrics are
/// left out.
pub fn render_scoped(
    collector: &KpiCollector,
    narrow: &dyn Fn(&Arc<CenterSnapshot>) -> Option<Arc<CenterSnapshot>>,
    agents: bool,
) -> String {
    let snapshots: Vec<_> = (collector.board.snapshots().iter())
        .filter_map(narrow)
        .collect();
    let settings = ExpositionSettings {
        export_agents: collector.settings.export_agents && agents,
        ..collector.settings
    };
    encode(&families_of(&snapshots, &settings), 0)
}

/// The whole `/metrics` body: KPI families, then callboard's own.
pub fn render(collector: &KpiCollector, telemetry: &Telemetry) -> String {
    let mut families = collector.collect();
    families.extend(telemetry.registry.gather());
    // The body is about as long as the last one: reserving it saves copying a large buffer as it grows.
    let expected = collector
        .last_length
        .load(std::sync::atomic::Ordering::Relaxed);
    let text = encode(&families, expected);
    collector
        .last_length
        .store(text.len(), std::sync::atomic::Ordering::Relaxed);
    text
}

fn label(name: &str, value: &str) -> LabelPair {
    let mut pair = LabelPair::default();
    pair.set_name(name.to_string());
    pair.set_value(value.to_string());
    pair
}

/// Families under construction, indexed like `FAMILIES`.
struct Families {
    metrics: Vec<Vec<Metric>>,
}

impl Families {
    /// Room for every series of `queues`, `agents` and `tenants`, so no family's vector is moved while
    /// it grows (a `Metric` is a large struct).
    fn with_capacity(queues: usize, agents: usize, tenants: usize) -> Self {
        let metrics = FAMILIES
            .iter()
            .map(|(name, _, _)| {
                let series = match *name {
                    "callboard_agent_state" => agents * AGENT_STATES.len(),
                    // Today only, and only for agents who dialed or were rated.
                    "callboard_agent_dialed_calls"
                    | "callboard_agent_connected_calls"
                    | "callboard_agent_success_calls"
                    | "callboard_agent_rings_unanswered"
                    | "callboard_agent_state_overdue"
                    | "callboard_agent_rings_unanswered_in_a_row"
                    | "callboard_agent_csat_ratio"
                    | "callboard_agent_qa_reviews"
                    | "callboard_agent_qa_score_ratio"
                    | "callboard_agent_qa_critical_failures"
                    | "callboard_agent_qa_recent_score_ratio"
                    | "callboard_agent_qa_reviews_owed"
                    | "callboard_agent_labour_cost" => agents,
                    _ if name.starts_with("callboard_agent_") => agents * 5,
                    "callboard_queue_agents" => queues * 5,
                    _ if name.starts_with("callboard_queue_") => queues * 4,
                    _ => tenants,
                };
                Vec::with_capacity(series)
            })
            .collect();
        Families { metrics }
    }

    fn index(name: &str) -> usize {
        FAMILIES
            .iter()
            .position(|(family, _, _)| *family == name)
            .expect("family is declared")
    }

    fn gauge(&mut self, name: &str, labels: Vec<LabelPair>, value: f64) {
        let mut gauge = Gauge::default();
        gauge.set_value(value);
        let mut metric = Metric::from_label(labels);
        metric.set_gauge(gauge);
        self.metrics[Self::index(name)].push(metric);
    }

    fn counter(&mut self, name: &str, labels: Vec<LabelPair>, value: f64) {
        let mut counter = Counter::default();
        counter.set_value(value);
        let mut metric = Metric::from_label(labels);
        metric.set_counter(counter);
        self.metrics[Self::index(name)].push(metric);
    }

    fn labour(&mut self, tenant: &str, labour: &LabourSnapshot) {
        let with_window = |window: &str| vec![label("tenant", tenant), label("window", window)];
        self.gauge(
            "callboard_labour_cost",
            with_window(TODAY),
            labour.cost_today,
        );
        self.gauge(
            "callboard_labour_cost",
            with_window("month"),
            labour.cost_month_to_date,
        );
        for (window, cost) in [
            (TODAY, labour.cost_per_handled_call_today),
            ("1h", labour.cost_per_handled_call_1h),
        ] {
            if let Some(cost) = cost {
                self.gauge(
                    "callboard_labour_cost_per_handled_call",
                    with_window(window),
                    cost,
                );
            }
        }
        let tenant_only = || vec![label("tenant", tenant)];
        let forecast = &labour.forecast;
        self.gauge(
            "callboard_labour_forecast_month_end",
            tenant_only(),
            forecast.month_end,
        );
        if let Some(budget) = forecast.budget {
            self.gauge("callboard_labour_budget", tenant_only(), budget);
        }
        for (team, cost) in &labour.teams {
            if !team.is_empty() {
                let labels = vec![
                    label("tenant", tenant),
                    label("team", team),
                    label("window", TODAY),
                ];
                self.gauge("callboard_team_labour_cost", labels, *cost);
            }
        }
    }

    fn tenant(&mut self, snapshot: &CenterSnapshot, settings: &ExpositionSettings) {
        let tenant = snapshot.tenant.as_str();
        if let Some(last) = snapshot.last_event_ms {
            self.gauge(
                "callboard_last_event_timestamp_seconds",
                vec![label("tenant", tenant)],
                last as f64 / 1000.0,
            );
        }
        let cutoff = snapshot.now_ms - settings.idle_expiry_ms;
        for queue in &snapshot.queues {
            let active = queue.calls_waiting > 0 || queue.agents.staffed > 0;
            if queue.configured
                || active
                || queue.last_activity_ms.is_some_and(|last| last >= cutoff)
            {
                self.queue(tenant, queue);
            }
        }
        if let Some(labour) = &snapshot.labour {
            self.labour(tenant, labour);
        }
        for campaign in &snapshot.campaigns {
            let labels = || {
                vec![
                    label("tenant", tenant),
                    label("campaign", &campaign.name),
                    label("window", TODAY),
                ]
            };
            for (name, value) in [
                ("callboard_campaign_dialed_calls", campaign.contacts.dialed),
                (
                    "callboard_campaign_connected_calls",
                    campaign.contacts.connected,
                ),
                (
                    "callboard_campaign_success_calls",
                    campaign.contacts.successes,
                ),
            ] {
                self.gauge(name, labels(), value as f64);
            }
        }
        if settings.export_agents {
            for agent in &snapshot.agents {
                let departed = agent.state == "logged_out"
                    && agent
                        .state_seconds
                        .is_none_or(|seconds| seconds * 1000.0 > settings.idle_expiry_ms as f64);
                if !departed {
                    self.agent(tenant, agent);
                }
            }
        }
    }

    fn queue(&mut self, tenant: &str, queue: &QueueSnapshot) {
        let labels = || vec![label("tenant", tenant), label("queue", &queue.queue)];
        for window in &queue.windows {
            self.queue_window(tenant, queue, window);
        }
        self.gauge(
            "callboard_queue_calls_waiting",
            labels(),
            queue.calls_waiting as f64,
        );
        self.gauge(
            "callboard_queue_longest_wait_seconds",
            labels(),
            queue.longest_waiting_seconds.unwrap_or(0.0),
        );
        if let Some(oldest) = queue.oldest_waiting_ms {
            self.gauge(
                "callboard_queue_oldest_waiting_call_timestamp_seconds",
                labels(),
                oldest as f64 / 1000.0,
            );
        }
        let by_state = queue.agents;
        for (state, count) in [
            ("available", by_state.available),
            ("ringing", by_state.ringing),
            ("on_call", by_state.on_call),
            ("wrap_up", by_state.wrap_up),
            ("not_ready", by_state.not_ready),
        ] {
            let mut with_state = labels();
            with_state.push(label("state", state));
            self.gauge("callboard_queue_agents", with_state, f64::from(count));
        }
        self.gauge(
            "callboard_queue_staffed_agents",
            labels(),
            f64::from(by_state.staffed),
        );
        if let Some(csat) = queue.csat {
            let mut today = labels();
            today.push(label("window", TODAY));
            self.gauge("callboard_queue_csat_ratio", today, csat);
        }
        self.gauge(
            "callboard_queue_callbacks_pending",
            labels(),
            queue.callbacks as f64,
        );
        if let Some(rate) = queue.repeat_caller_rate {
            let mut today = labels();
            today.push(label("window", TODAY));
            self.gauge("callboard_queue_repeat_caller_ratio", today, rate);
        }
        for (name, value) in [
            (
                "callboard_queue_required_agents",
                queue.required_agents.map(f64::from),
            ),
            (
                "callboard_queue_forecast_required_agents",
                queue.forecast_required_agents.map(f64::from),
            ),
            (
                "callboard_queue_service_level_target_ratio",
                Some(queue.service_level_target),
            ),
            (
                "callboard_queue_service_level_threshold_seconds",
                Some(queue.threshold_seconds),
            ),
        ] {
            if let Some(value) = value {
                self.gauge(name, labels(), value);
            }
        }
        let totals = &queue.totals;
        let seconds = |ms: u64| ms as f64 / 1000.0;
        for (name, value) in [
            ("callboard_queue_offered_calls_total", totals.offered as f64),
            (
                "callboard_queue_answered_calls_total",
                totals.answered as f64,
            ),
            (
                "callboard_queue_answered_within_threshold_calls_total",
                totals.answered_within_threshold as f64,
            ),
            (
                "callboard_queue_abandoned_calls_total",
                totals.abandoned as f64,
            ),
            (
                "callboard_queue_short_abandoned_calls_total",
                totals.short_abandoned as f64,
            ),
            (
                "callboard_queue_dequeued_calls_total",
                totals.dequeued as f64,
            ),
            ("callboard_queue_handled_calls_total", totals.handled as f64),
            (
                "callboard_queue_handle_seconds_total",
                seconds(totals.handle_ms()),
            ),
            (
                "callboard_queue_wait_seconds_total",
                seconds(totals.wait_answered_ms),
            ),
        ] {
            self.counter(name, labels(), value);
        }
        let mut histogram = Histogram::default();
        histogram.set_sample_count(totals.answered);
        histogram.set_sample_sum(seconds(totals.wait_answered_ms));
        let buckets = queue
            .answer_wait_buckets
            .iter()
            .filter(|(bound, _)| bound.is_finite())
            .map(|(bound, cumulative)| {
                let mut bucket = Bucket::default();
                bucket.set_upper_bound(*bound);
                bucket.set_cumulative_count(*cumulative);
                bucket
            })
            .collect();
        histogram.set_bucket(buckets);
        let mut metric = Metric::from_label(labels());
        metric.set_histogram(histogram);
        self.metrics[Self::index("callboard_queue_answer_wait_seconds")].push(metric);
    }

    fn queue_window(&mut self, tenant: &str, queue: &QueueSnapshot, window: &QueueWindow) {
        let labels = || {
            vec![
                label("tenant", tenant),
                label("queue", &queue.queue),
                label("window", &window.window),
            ]
        };
        for (name, value) in [
            ("callboard_queue_service_level_ratio", window.service_level),
            ("callboard_queue_abandon_ratio", window.abandon_rate),
            ("callboard_queue_asa_seconds", window.asa_seconds),
            ("callboard_queue_aht_seconds", window.aht_seconds),
            (
                "callboard_queue_offered_calls",
                Some(window.counts.offered as f64),
            ),
            (
                "callboard_queue_answered_calls",
                Some(window.counts.answered as f64),
            ),
            (
                "callboard_queue_abandoned_calls",
                Some(window.counts.abandoned as f64),
            ),
        ] {
            if let Some(value) = value {
                self.gauge(name, labels(), value);
            }
        }
    }

    fn agent(&mut self, tenant: &str, agent: &AgentSnapshot) {
        let labels = || {
            let mut labels = vec![label("tenant", tenant), label("agent", &agent.agent)];
            if let Some(team) = &agent.team {
                labels.push(label("team", team));
            }
            labels
        };
        for state in AGENT_STATES {
            let mut with_state = labels();
            with_state.push(label("state", state));
            self.gauge(
                "callboard_agent_state",
                with_state,
                if agent.state == state { 1.0 } else { 0.0 },
            );
        }
        if let Some(seconds) = agent.state_seconds {
            self.gauge("callboard_agent_state_seconds", labels(), seconds);
        }
        if agent.rings_unanswered_in_a_row > 0 {
            self.gauge(
                "callboard_agent_rings_unanswered_in_a_row",
                labels(),
                f64::from(agent.rings_unanswered_in_a_row),
            );
        }
        if let Some(score) = agent.qa_recent_score {
            self.gauge("callboard_agent_qa_recent_score_ratio", labels(), score);
        }
        if let Some(owed) = agent.qa_reviews_owed {
            self.gauge("callboard_agent_qa_reviews_owed", labels(), owed as f64);
        }
        if let Some(cost) = agent.cost_today.filter(|cost| *cost > 0.0) {
            let mut with_window = labels();
            with_window.push(label("window", TODAY));
            self.gauge("callboard_agent_labour_cost", with_window, cost);
        }
        if agent.state_limit_seconds.is_some() {
            let mut with_state = labels();
            with_state.push(label("state", agent.state));
            if let Some(reason) = &agent.reason {
                with_state.push(label("reason", reason));
            }
            self.gauge(
                "callboard_agent_state_overdue",
                with_state,
                f64::from(agent.state_level.number()),
            );
        }
        // The spec's windows (15m, 30m, 1h, today); the session figures stay in the API.
        for window in agent
            .windows
            .iter()
            .filter(|window| window.window != "session")
        {
            let mut with_window = labels();
            with_window.push(label("window", &window.window));
            if let Some(occupancy) = window.occupancy {
                self.gauge(
                    "callboard_agent_occupancy_ratio",
                    with_window.clone(),
                    occupancy,
                );
            }
            // Outbound and CSAT for today only: the rolling figures are in the API, and at 10,000 agents
            // each window more is tens of thousands of series per scrape.
            if window.window == TODAY {
                if window.contacts.dialed + window.contacts.connected + window.contacts.successes
                    > 0
                {
                    for (name, value) in [
                        ("callboard_agent_dialed_calls", window.contacts.dialed),
                        ("callboard_agent_connected_calls", window.contacts.connected),
                        ("callboard_agent_success_calls", window.contacts.successes),
                    ] {
                        self.gauge(name, with_window.clone(), value as f64);
                    }
                }
                if let Some(csat) = window.contacts.csat {
                    self.gauge("callboard_agent_csat_ratio", with_window.clone(), csat);
                }
                if let Some(score) = window.contacts.qa_score {
                    let contacts = &window.contacts;
                    for (name, value) in [
                        ("callboard_agent_qa_reviews", contacts.qa_reviews as f64),
                        ("callboard_agent_qa_score_ratio", score),
                        (
                            "callboard_agent_qa_critical_failures",
                            contacts.qa_critical_failures as f64,
                        ),
                    ] {
                        self.gauge(name, with_window.clone(), value);
                    }
                }
                if window.rings_unanswered > 0 {
                    self.gauge(
                        "callboard_agent_rings_unanswered",
                        with_window.clone(),
                        window.rings_unanswered as f64,
                    );
                }
            }
            self.gauge(
                "callboard_agent_handled_calls",
                with_window,
                window.handled as f64,
            );
        }
        for quota in &agent.quotas {
            let with_quota = || {
                let mut with_quota = labels();
                with_quota.push(label("quota", &quota.quota));
                with_quota
            };
            if let Some(pace) = quota.pace {
                self.gauge("callboard_agent_quota_pace_ratio", with_quota(), pace);
            }
            if let Some(progress) = quota.progress {
                self.gauge(
                    "callboard_agent_quota_progress_ratio",
                    with_quota(),
                    progress,
                );
            }
        }
    }

    fn finish(self) -> Vec<MetricFamily> {
        FAMILIES
            .iter()
            .zip(self.metrics)
            .filter(|(_, metrics)| !metrics.is_empty())
            .map(|((name, help, kind), metrics)| {
                let mut family = MetricFamily::default();
                family.set_name(name.to_string());
                family.set_help(help.to_string());
                family.set_field_type(*kind);
                family.set_metric(metrics);
                family
            })
            .collect()
    }
}
