//! The KPI families of the exposition: name, help and type, in the order they are written, and
//! `family!`, which names one by its metric name and is checked when compiled. Data only.

/// A family's Prometheus type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Gauge,
    Counter,
    Histogram,
}

impl Kind {
    /// The type as a `# TYPE` line names it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::Gauge => "gauge",
            Kind::Counter => "counter",
            Kind::Histogram => "histogram",
        }
    }
}

/// Agent states of `callboard_agent_state` (and `callboard_queue_agents`), in order.
pub const AGENT_STATES: [&str; 6] = [
    "logged_out",
    "available",
    "ringing",
    "on_call",
    "wrap_up",
    "not_ready",
];

/// Every KPI family: (name, help, type), in the order of the exposition.
pub const FAMILIES: &[(&str, &str, Kind)] = &[
    (
        "callboard_queue_service_level_ratio",
        "Service level of the queue over the window (absent when undefined).",
        Kind::Gauge,
    ),
    (
        "callboard_queue_abandon_ratio",
        "Abandoned / (answered + abandoned + dequeued) over the window.",
        Kind::Gauge,
    ),
    (
        "callboard_queue_asa_seconds",
        "Average speed of answer over the window.",
        Kind::Gauge,
    ),
    (
        "callboard_queue_aht_seconds",
        "Average handle time (talk + hold + wrap-up) over the window.",
        Kind::Gauge,
    ),
    (
        "callboard_queue_offered_calls",
        "Calls offered to the queue over the window.",
        Kind::Gauge,
    ),
    (
        "callboard_queue_answered_calls",
        "Calls answered from the queue over the window.",
        Kind::Gauge,
    ),
    (
        "callboard_queue_abandoned_calls",
        "Calls abandoned in the queue over the window.",
        Kind::Gauge,
    ),
    (
        "callboard_queue_calls_waiting",
        "Calls waiting in the queue now.",
        Kind::Gauge,
    ),
    (
        "callboard_queue_longest_wait_seconds",
        "How long the oldest waiting call has waited (0 when none waits).",
        Kind::Gauge,
    ),
    (
        "callboard_queue_oldest_waiting_call_timestamp_seconds",
        "Queued time of the oldest waiting call (absent when none waits).",
        Kind::Gauge,
    ),
    (
        "callboard_queue_agents",
        "Agents with the queue among their skills, by state.",
        Kind::Gauge,
    ),
    (
        "callboard_queue_staffed_agents",
        "Agents logged in with the queue among their skills.",
        Kind::Gauge,
    ),
    (
        "callboard_queue_required_agents",
        "Agents needed to meet the service-level target now (Erlang C, or Erlang A with patience).",
        Kind::Gauge,
    ),
    (
        "callboard_queue_forecast_required_agents",
        "Agents the next report interval's forecast arrivals need.",
        Kind::Gauge,
    ),
    (
        "callboard_queue_service_level_target_ratio",
        "The queue's configured service-level target.",
        Kind::Gauge,
    ),
    (
        "callboard_queue_service_level_threshold_seconds",
        "The queue's configured answer threshold of the service level.",
        Kind::Gauge,
    ),
    (
        "callboard_queue_answer_wait_seconds",
        "Waits of answered calls, with a bucket at every configured threshold.",
        Kind::Histogram,
    ),
    (
        "callboard_queue_offered_calls_total",
        "Calls offered to the queue.",
        Kind::Counter,
    ),
    (
        "callboard_queue_answered_calls_total",
        "Calls answered from the queue.",
        Kind::Counter,
    ),
    (
        "callboard_queue_answered_within_threshold_calls_total",
        "Calls answered within the queue's threshold.",
        Kind::Counter,
    ),
    (
        "callboard_queue_abandoned_calls_total",
        "Calls abandoned while waiting in the queue.",
        Kind::Counter,
    ),
    (
        "callboard_queue_short_abandoned_calls_total",
        "Calls abandoned before the short-abandon limit.",
        Kind::Counter,
    ),
    (
        "callboard_queue_dequeued_calls_total",
        "Calls that left the queue without answer or abandon.",
        Kind::Counter,
    ),
    (
        "callboard_queue_handled_calls_total",
        "Calls handled (completed) from the queue.",
        Kind::Counter,
    ),
    (
        "callboard_queue_handle_seconds_total",
        "Talk + hold + wrap-up of handled calls.",
        Kind::Counter,
    ),
    (
        "callboard_queue_wait_seconds_total",
        "Waits of answered calls.",
        Kind::Counter,
    ),
    (
        "callboard_agent_state",
        "1 for the agent's current state, 0 for the others.",
        Kind::Gauge,
    ),
    (
        "callboard_agent_state_seconds",
        "Time the agent has been in its current state.",
        Kind::Gauge,
    ),
    (
        "callboard_agent_state_overdue",
        "The agent's time in its current state (or not-ready reason) against the state's limit \
         (state_limits): 0 within it, 1 past the warning line, 2 past the critical line; only agents \
         whose state has a limit.",
        Kind::Gauge,
    ),
    (
        "callboard_agent_rings_unanswered_in_a_row",
        "Rings the agent let go unanswered since it last answered a call (absent while none).",
        Kind::Gauge,
    ),
    (
        "callboard_agent_occupancy_ratio",
        "Agent occupancy over the window (absent when undefined).",
        Kind::Gauge,
    ),
    (
        "callboard_agent_handled_calls",
        "Calls the agent handled over the window.",
        Kind::Gauge,
    ),
    (
        "callboard_agent_quota_pace_ratio",
        "Quota count / (target x elapsed share of the shift); below 1 is behind pace.",
        Kind::Gauge,
    ),
    (
        "callboard_agent_quota_progress_ratio",
        "Quota count / target over the whole shift; 1 is the quota met.",
        Kind::Gauge,
    ),
    (
        "callboard_agent_dialed_calls",
        "Outbound calls the agent dialed over the window (today; absent for agents without outbound).",
        Kind::Gauge,
    ),
    (
        "callboard_agent_connected_calls",
        "Outbound calls of the agent that reached a person over the window (today; with dialed).",
        Kind::Gauge,
    ),
    (
        "callboard_agent_success_calls",
        "Outbound calls the agent completed with outcome success over the window (today; with dialed).",
        Kind::Gauge,
    ),
    (
        "callboard_agent_rings_unanswered",
        "Calls offered to the agent whose ring ended unanswered by it over the window (today; absent \
         while none): the call rang elsewhere, another agent took it, or the caller left.",
        Kind::Gauge,
    ),
    (
        "callboard_agent_csat_ratio",
        "Mean survey score / scale of the agent's surveys over the window (today; absent without surveys).",
        Kind::Gauge,
    ),
    (
        "callboard_agent_qa_reviews",
        "Quality reviews of the agent's calls over the window (today; absent without reviews).",
        Kind::Gauge,
    ),
    (
        "callboard_agent_qa_score_ratio",
        "Mean score / max score of the agent's quality reviews over the window (today; absent without \
         reviews).",
        Kind::Gauge,
    ),
    (
        "callboard_agent_qa_critical_failures",
        "Quality reviews of the agent's calls that found a critical failure over the window (today; \
         absent without reviews).",
        Kind::Gauge,
    ),
    (
        "callboard_agent_qa_recent_score_ratio",
        "Mean score / max score of the agent's latest five quality reviews (fewer when there were fewer).",
        Kind::Gauge,
    ),
    (
        "callboard_agent_qa_reviews_owed",
        "Calls chosen for the agent's quality review in the current sampling period and not reviewed yet.",
        Kind::Gauge,
    ),
    (
        "callboard_agent_labour_cost",
        "What the agent's logged-in time cost over the window (today), at its hourly rate as it worked.",
        Kind::Gauge,
    ),
    (
        "callboard_labour_cost",
        "What the tenant's logged-in agent time cost over the window (today, month: month to date).",
        Kind::Gauge,
    ),
    (
        "callboard_labour_cost_per_handled_call",
        "Labour cost per handled call over the window (today, 1h); absent without handled calls.",
        Kind::Gauge,
    ),
    (
        "callboard_labour_forecast_month_end",
        "Month to date plus each working day left at the cost of the agents the queues need now.",
        Kind::Gauge,
    ),
    (
        "callboard_labour_budget",
        "The tenant's monthly labour budget.",
        Kind::Gauge,
    ),
    (
        "callboard_team_labour_cost",
        "What the team's logged-in agent time cost over the window (today).",
        Kind::Gauge,
    ),
    (
        "callboard_campaign_dialed_calls",
        "Outbound calls dialed for the campaign over the window (today).",
        Kind::Gauge,
    ),
    (
        "callboard_campaign_connected_calls",
        "Outbound calls of the campaign that reached a person over the window (today).",
        Kind::Gauge,
    ),
    (
        "callboard_campaign_success_calls",
        "Outbound calls of the campaign completed with outcome success over the window (today).",
        Kind::Gauge,
    ),
    (
        "callboard_queue_csat_ratio",
        "Mean survey score / scale of the queue's surveys over the window (today; absent without surveys).",
        Kind::Gauge,
    ),
    (
        "callboard_queue_callbacks_pending",
        "Callers whose latest abandonment today was in the queue and who have not been reached since \
         (answered, or an outbound call to them connected).",
        Kind::Gauge,
    ),
    (
        "callboard_queue_repeat_caller_ratio",
        "Share of the queue's calls naming their caller whose caller had called within the 24 hours \
         before, over the window (today; absent without callers).",
        Kind::Gauge,
    ),
    (
        "callboard_last_event_timestamp_seconds",
        "Event time of the tenant's latest event (feed freshness).",
        Kind::Gauge,
    ),
];

/// The index in `FAMILIES` of the family `name`; a name that is not there fails the build where
/// `family!` uses it.
pub const fn index_of(name: &str) -> usize {
    let mut index = 0;
    while index < FAMILIES.len() {
        if same(FAMILIES[index].0.as_bytes(), name.as_bytes()) {
            return index;
        }
        index += 1;
    }
    panic!("not a KPI family")
}

const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut at = 0;
    while at < a.len() {
        if a[at] != b[at] {
            return false;
        }
        at += 1;
    }
    true
}

/// The index of a family named by its metric name, computed when compiled.
macro_rules! family {
    ($name:literal) => {{
        const INDEX: usize = $crate::export::metrics::families::index_of($name);
        INDEX
    }};
}
pub(crate) use family;
