//! Which series a tenant's snapshot has in the exposition, and their labels and values, in the order
//! they are written: the figures of `spec/metrics.md` read off a `CenterSnapshot`. Handed to a [`Sink`]
//! (the text writer; in tests also the `prometheus` crate's model), so what is exported is decided once.
//! Pure.

use crate::center::snapshot::labour::LabourSnapshot;
use crate::center::snapshot::{AgentSnapshot, CenterSnapshot, QueueSnapshot, QueueWindow, TODAY};

use super::families::{family, AGENT_STATES};
use super::ExpositionSettings;

/// Where series go: a subject's labels (a queue's, an agent's, the tenant's), then its series.
pub trait Sink {
    /// The labels every series that follows starts with, until the next subject.
    fn subject(&mut self, labels: &[(&str, &str)]);

    /// One sample of a gauge or counter family, labelled with the subject's labels, then `extra`.
    fn sample(&mut self, family: usize, extra: &[(&str, &str)], value: f64);

    /// One histogram of the subject: its buckets (upper bound, cumulative count; bounds that are not
    /// finite are left to the `+Inf` bucket, which holds `count`), count and sum.
    fn histogram(&mut self, family: usize, buckets: &[(f64, u64)], count: u64, sum: f64);
}

/// Every series of one tenant's `snapshot`.
pub fn tenant(sink: &mut impl Sink, snapshot: &CenterSnapshot, settings: &ExpositionSettings) {
    let tenant = snapshot.tenant.as_str();
    if let Some(last) = snapshot.last_event_ms {
        sink.subject(&[("tenant", tenant)]);
        sink.sample(
            family!("callboard_last_event_timestamp_seconds"),
            &[],
            last as f64 / 1000.0,
        );
    }
    let cutoff = snapshot.now_ms - settings.idle_expiry_ms;
    for queue in &snapshot.queues {
        let active = queue.calls_waiting > 0 || queue.agents.staffed > 0;
        if queue.configured || active || queue.last_activity_ms.is_some_and(|last| last >= cutoff) {
            self::queue(sink, tenant, queue);
        }
    }
    if let Some(labour) = &snapshot.labour {
        self::labour(sink, tenant, labour);
    }
    for campaign in &snapshot.campaigns {
        let labels = [
            ("tenant", tenant),
            ("campaign", campaign.name.as_str()),
            ("window", TODAY),
        ];
        sink.subject(&labels);
        for (family, value) in [
            (
                family!("callboard_campaign_dialed_calls"),
                campaign.contacts.dialed,
            ),
            (
                family!("callboard_campaign_connected_calls"),
                campaign.contacts.connected,
            ),
            (
                family!("callboard_campaign_success_calls"),
                campaign.contacts.successes,
            ),
        ] {
            sink.sample(family, &[], value as f64);
        }
    }
    if settings.export_agents {
        for agent in &snapshot.agents {
            let departed = agent.state == "logged_out"
                && agent
                    .state_seconds
                    .is_none_or(|seconds| seconds * 1000.0 > settings.idle_expiry_ms as f64);
            if !departed {
                self::agent(sink, tenant, agent);
            }
        }
    }
}

fn labour(sink: &mut impl Sink, tenant: &str, labour: &LabourSnapshot) {
    sink.subject(&[("tenant", tenant)]);
    let cost = family!("callboard_labour_cost");
    sink.sample(cost, &[("window", TODAY)], labour.cost_today);
    let month = labour.cost_month_to_date;
    sink.sample(cost, &[("window", "month")], month);
    for (window, cost) in [
        (TODAY, labour.cost_per_handled_call_today),
        ("1h", labour.cost_per_handled_call_1h),
    ] {
        if let Some(cost) = cost {
            let family = family!("callboard_labour_cost_per_handled_call");
            sink.sample(family, &[("window", window)], cost);
        }
    }
    let forecast = &labour.forecast;
    let family = family!("callboard_labour_forecast_month_end");
    sink.sample(family, &[], forecast.month_end);
    if let Some(budget) = forecast.budget {
        sink.sample(family!("callboard_labour_budget"), &[], budget);
    }
    for (team, cost) in &labour.teams {
        if !team.is_empty() {
            sink.subject(&[
                ("tenant", tenant),
                ("team", team.as_str()),
                ("window", TODAY),
            ]);
            sink.sample(family!("callboard_team_labour_cost"), &[], *cost);
        }
    }
}

fn queue(sink: &mut impl Sink, tenant: &str, queue: &QueueSnapshot) {
    sink.subject(&[("tenant", tenant), ("queue", queue.queue.as_str())]);
    for window in &queue.windows {
        queue_window(sink, window);
    }
    let calls_waiting = queue.calls_waiting as f64;
    sink.sample(family!("callboard_queue_calls_waiting"), &[], calls_waiting);
    let longest = queue.longest_waiting_seconds.unwrap_or(0.0);
    sink.sample(
        family!("callboard_queue_longest_wait_seconds"),
        &[],
        longest,
    );
    if let Some(oldest) = queue.oldest_waiting_ms {
        let family = family!("callboard_queue_oldest_waiting_call_timestamp_seconds");
        sink.sample(family, &[], oldest as f64 / 1000.0);
    }
    let by_state = queue.agents;
    for (state, count) in [
        ("available", by_state.available),
        ("ringing", by_state.ringing),
        ("on_call", by_state.on_call),
        ("wrap_up", by_state.wrap_up),
        ("not_ready", by_state.not_ready),
    ] {
        let family = family!("callboard_queue_agents");
        sink.sample(family, &[("state", state)], f64::from(count));
    }
    let staffed = f64::from(by_state.staffed);
    sink.sample(family!("callboard_queue_staffed_agents"), &[], staffed);
    if let Some(csat) = queue.csat {
        let family = family!("callboard_queue_csat_ratio");
        sink.sample(family, &[("window", TODAY)], csat);
    }
    let callbacks = queue.callbacks as f64;
    sink.sample(family!("callboard_queue_callbacks_pending"), &[], callbacks);
    if let Some(rate) = queue.repeat_caller_rate {
        let family = family!("callboard_queue_repeat_caller_ratio");
        sink.sample(family, &[("window", TODAY)], rate);
    }
    for (family, value) in [
        (
            family!("callboard_queue_required_agents"),
            queue.required_agents.map(f64::from),
        ),
        (
            family!("callboard_queue_forecast_required_agents"),
            queue.forecast_required_agents.map(f64::from),
        ),
        (
            family!("callboard_queue_service_level_target_ratio"),
            Some(queue.service_level_target),
        ),
        (
            family!("callboard_queue_service_level_threshold_seconds"),
            Some(queue.threshold_seconds),
        ),
    ] {
        if let Some(value) = value {
            sink.sample(family, &[], value);
        }
    }
    let totals = &queue.totals;
    let seconds = |ms: u64| ms as f64 / 1000.0;
    for (family, value) in [
        (
            family!("callboard_queue_offered_calls_total"),
            totals.offered as f64,
        ),
        (
            family!("callboard_queue_answered_calls_total"),
            totals.answered as f64,
        ),
        (
            family!("callboard_queue_answered_within_threshold_calls_total"),
            totals.answered_within_threshold as f64,
        ),
        (
            family!("callboard_queue_abandoned_calls_total"),
            totals.abandoned as f64,
        ),
        (
            family!("callboard_queue_short_abandoned_calls_total"),
            totals.short_abandoned as f64,
        ),
        (
            family!("callboard_queue_dequeued_calls_total"),
            totals.dequeued as f64,
        ),
        (
            family!("callboard_queue_handled_calls_total"),
            totals.handled as f64,
        ),
        (
            family!("callboard_queue_handle_seconds_total"),
            seconds(totals.handle_ms()),
        ),
        (
            family!("callboard_queue_wait_seconds_total"),
            seconds(totals.wait_answered_ms),
        ),
    ] {
        sink.sample(family, &[], value);
    }
    sink.histogram(
        family!("callboard_queue_answer_wait_seconds"),
        &queue.answer_wait_buckets,
        totals.answered,
        seconds(totals.wait_answered_ms),
    );
}

/// The series of one of a queue's windows (the queue is the subject).
fn queue_window(sink: &mut impl Sink, window: &QueueWindow) {
    let with_window = [("window", window.window.as_str())];
    for (family, value) in [
        (
            family!("callboard_queue_service_level_ratio"),
            window.service_level,
        ),
        (
            family!("callboard_queue_abandon_ratio"),
            window.abandon_rate,
        ),
        (family!("callboard_queue_asa_seconds"), window.asa_seconds),
        (family!("callboard_queue_aht_seconds"), window.aht_seconds),
        (
            family!("callboard_queue_offered_calls"),
            Some(window.counts.offered as f64),
        ),
        (
            family!("callboard_queue_answered_calls"),
            Some(window.counts.answered as f64),
        ),
        (
            family!("callboard_queue_abandoned_calls"),
            Some(window.counts.abandoned as f64),
        ),
    ] {
        if let Some(value) = value {
            sink.sample(family, &with_window, value);
        }
    }
}

fn agent(sink: &mut impl Sink, tenant: &str, agent: &AgentSnapshot) {
    let all = [
        ("tenant", tenant),
        ("agent", agent.agent.as_str()),
        ("team", agent.team.as_ref().map_or("", |team| team.as_str())),
    ];
    sink.subject(&all[..if agent.team.is_some() { 3 } else { 2 }]);
    for state in AGENT_STATES {
        let value = if agent.state == state { 1.0 } else { 0.0 };
        sink.sample(family!("callboard_agent_state"), &[("state", state)], value);
    }
    if let Some(seconds) = agent.state_seconds {
        sink.sample(family!("callboard_agent_state_seconds"), &[], seconds);
    }
    if agent.rings_unanswered_in_a_row > 0 {
        let family = family!("callboard_agent_rings_unanswered_in_a_row");
        sink.sample(family, &[], f64::from(agent.rings_unanswered_in_a_row));
    }
    if let Some(score) = agent.qa_recent_score {
        let family = family!("callboard_agent_qa_recent_score_ratio");
        sink.sample(family, &[], score);
    }
    if let Some(owed) = agent.qa_reviews_owed {
        let family = family!("callboard_agent_qa_reviews_owed");
        sink.sample(family, &[], owed as f64);
    }
    if let Some(cost) = agent.cost_today.filter(|cost| *cost > 0.0) {
        let family = family!("callboard_agent_labour_cost");
        sink.sample(family, &[("window", TODAY)], cost);
    }
    if agent.state_limit_seconds.is_some() {
        let with_reason = [
            ("state", agent.state),
            (
                "reason",
                agent.reason.as_ref().map_or("", |reason| reason.as_str()),
            ),
        ];
        let extra = &with_reason[..if agent.reason.is_some() { 2 } else { 1 }];
        let level = f64::from(agent.state_level.number());
        sink.sample(family!("callboard_agent_state_overdue"), extra, level);
    }
    // The spec's windows (15m, 30m, 1h, today); the session figures stay in the API.
    for window in (agent.windows.iter()).filter(|window| window.window != "session") {
        let with_window = [("window", window.window.as_str())];
        if let Some(occupancy) = window.occupancy {
            let family = family!("callboard_agent_occupancy_ratio");
            sink.sample(family, &with_window, occupancy);
        }
        // Outbound and CSAT for today only: the rolling figures are in the API, and at 10,000 agents
        // each window more is tens of thousands of series per scrape.
        if window.window == TODAY {
            let contacts = &window.contacts;
            if contacts.dialed + contacts.connected + contacts.successes > 0 {
                for (family, value) in [
                    (family!("callboard_agent_dialed_calls"), contacts.dialed),
                    (
                        family!("callboard_agent_connected_calls"),
                        contacts.connected,
                    ),
                    (family!("callboard_agent_success_calls"), contacts.successes),
                ] {
                    sink.sample(family, &with_window, value as f64);
                }
            }
            if let Some(csat) = contacts.csat {
                let family = family!("callboard_agent_csat_ratio");
                sink.sample(family, &with_window, csat);
            }
            if let Some(score) = contacts.qa_score {
                for (family, value) in [
                    (
                        family!("callboard_agent_qa_reviews"),
                        contacts.qa_reviews as f64,
                    ),
                    (family!("callboard_agent_qa_score_ratio"), score),
                    (
                        family!("callboard_agent_qa_critical_failures"),
                        contacts.qa_critical_failures as f64,
                    ),
                ] {
                    sink.sample(family, &with_window, value);
                }
            }
            if window.rings_unanswered > 0 {
                let family = family!("callboard_agent_rings_unanswered");
                sink.sample(family, &with_window, window.rings_unanswered as f64);
            }
        }
        let handled = window.handled as f64;
        sink.sample(
            family!("callboard_agent_handled_calls"),
            &with_window,
            handled,
        );
    }
    for quota in &agent.quotas {
        let with_quota = [("quota", quota.quota.as_str())];
        if let Some(pace) = quota.pace {
            let family = family!("callboard_agent_quota_pace_ratio");
            sink.sample(family, &with_quota, pace);
        }
        if let Some(progress) = quota.progress {
            let family = family!("callboard_agent_quota_progress_ratio");
            sink.sample(family, &with_quota, progress);
        }
    }
}
