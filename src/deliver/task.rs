//! The daily report task in the service: every minute, the tenants this instance serves live (their
//! partition is owned and has gone live) that have a daily report, with the day's rows taken from
//! the board; `DailyReports` decides what is due and sends it. Sends run here, off the workers and
//! the alert loop, so a slow mail server delays nothing else.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::daily::{DailyReports, Plan, TenantPlan};
use super::days::BoardDays;
use super::sent::TopicSentLog;
use crate::board::Board;
use crate::center::settings::CenterSettings;

/// A tenant's daily report and settings (zone, day start, formulas), or `None` without a report.
pub type PlanOf = Arc<dyn Fn(&str) -> Option<(Plan, CenterSettings)> + Send + Sync>;

/// How often the task looks for due reports.
pub const EVERY: Duration = Duration::from_secs(60);

/// Where the sent days are recorded (the intervals topic) and how to reach it.
pub struct RecordTopic {
    pub brokers: String,
    pub properties: Vec<(String, String)>,
    pub topic: String,
}

/// Reads the sent days from the record topic (retrying with backoff until it can, or until `stop`).
async fn open_log(record: &RecordTopic, stop: &CancellationToken) -> Option<TopicSentLog> {
    let mut backoff = Duration::from_secs(1);
    loop {
        let (brokers, properties, topic) = (
            record.brokers.clone(),
            record.properties.clone(),
            record.topic.clone(),
        );
        let opened =
            tokio::task::spawn_blocking(move || TopicSentLog::open(&brokers, &properties, &topic))
                .await;
        match opened {
            Ok(Ok(log)) => return Some(log),
            Ok(Err(error)) => {
                tracing::warn!(
                    topic = record.topic,
                    error = format!("{error:#}"),
                    "daily reports: cannot read the sent days yet; retrying"
                )
            }
            Err(error) => tracing::error!(%error, "daily reports: the sent-day reader failed"),
        }
        tokio::select! {
            _ = stop.cancelled() => return None,
            _ = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(Duration::from_secs(60));
    }
}

/// Runs until `stop`: opens the sent-day log, then every `every` sends what is due.
pub async fn run(
    board: Arc<Board>,
    plan_of: PlanOf,
    record: RecordTopic,
    mailer: Option<super::smtp::Mailer>,
    client: reqwest::Client,
    every: Duration,
    stop: CancellationToken,
) {
    let Some(log) = open_log(&record, &stop).await else {
        return;
    };
    let mut reports = DailyReports::new(BoardDays::default(), log, mailer, client);
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = ticks.tick() => {}
        }
        let plans = live_plans(&board, &plan_of, reports.days());
        reports.tick(&plans, chrono::Utc::now()).await;
    }
}

/// The live tenants with a daily report; their current interval rows are handed to `days` on the way.
fn live_plans(board: &Board, plan_of: &PlanOf, days: &BoardDays) -> Vec<TenantPlan> {
    let mut plans = Vec::new();
    for snapshot in board.snapshots() {
        let tenant = snapshot.tenant.as_str();
        if !board.is_live(tenant) {
            continue;
        }
        let Some((plan, settings)) = plan_of(tenant) else {
            continue;
        };
        if let Some(table) = board.intervals(tenant) {
            days.observe(tenant, &table, &settings);
        }
        plans.push(TenantPlan {
            tenant: tenant.to_string(),
            zone: settings.time_zone,
            plan,
        });
    }
    plans
}
