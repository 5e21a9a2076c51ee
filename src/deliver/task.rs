//! The daily report task in the service: once the intervals store has read the topic (so a missing
//! "sent" marker means not sent) and the instance first became ready, at once and then every minute,
//! the tenants this instance serves live (their partition is owned and has gone live) that have a
//! daily report; `DailyReports` decides what is due and sends it. The day comes from the intervals
//! store (asked again each minute until it holds it). Sends run here, off the workers and the alert
//! loop, so a slow mail server delays nothing else.

use std::sync::Arc;
use std::time::Duration;

use rdkafka::producer::FutureProducer;
use tokio_util::sync::CancellationToken;

use super::daily::{DailyReports, Plan, TenantPlan};
use super::days::StoreDays;
use super::sent::StoreSentLog;
use crate::board::Board;
use crate::center::settings::CenterSettings;
use crate::intervals::store::IntervalStore;

/// A tenant's daily report and settings (zone, day start, formulas), or `None` without a report.
pub type PlanOf = Arc<dyn Fn(&str) -> Option<(Plan, CenterSettings)> + Send + Sync>;

/// How often the task looks for due reports.
pub const EVERY: Duration = Duration::from_secs(60);

/// What the task sends with and records in.
pub struct Edges {
    pub store: Arc<IntervalStore>,
    /// A producer to the intervals topic, `topic`, for the "sent" markers.
    pub producer: FutureProducer,
    pub topic: String,
    pub mailer: Option<super::smtp::Mailer>,
    pub client: reqwest::Client,
}

/// Runs until `stop`: waits for the store to have read the topic and the board to be ready, then
/// every `every` sends what is due.
pub async fn run(
    board: Arc<Board>,
    plan_of: PlanOf,
    edges: Edges,
    every: Duration,
    stop: CancellationToken,
) {
    let log = StoreSentLog::new(Arc::clone(&edges.store), edges.producer, edges.topic);
    let settings_of = Arc::clone(&plan_of);
    let days = StoreDays {
        store: edges.store,
        settings_of: Arc::new(move |tenant: &str| {
            settings_of(tenant).map(|(_, settings)| settings)
        }),
    };
    let mut reports = DailyReports::new(days, log, edges.mailer, edges.client);
    // Checked each second, so the first reports go out as soon as the instance can tell.
    while !(reports.log().is_ready() && board.is_ready()) {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
    tracing::info!("daily reports: the intervals topic is read and the instance ready");
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = ticks.tick() => {}
        }
        let plans = live_plans(&board, &plan_of);
        reports.tick(&plans, chrono::Utc::now()).await;
    }
}

/// The live tenants with a daily report.
fn live_plans(board: &Board, plan_of: &PlanOf) -> Vec<TenantPlan> {
    let mut plans = Vec::new();
    for snapshot in board.snapshots() {
        let tenant = snapshot.tenant.as_str();
        if !board.is_live(tenant) {
            continue;
        }
        let Some((plan, settings)) = plan_of(tenant) else {
            continue;
        };
        plans.push(TenantPlan {
            tenant: tenant.to_string(),
            zone: settings.time_zone,
            plan,
        });
    }
    plans
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::board::Phase;
    use crate::center::snapshot::CenterSnapshot;

    fn snapshot(tenant: &str) -> CenterSnapshot {
        CenterSnapshot {
            tenant: tenant.into(),
            ..CenterSnapshot::default()
        }
    }

    #[test]
    fn only_live_tenants_with_a_report_are_planned() {
        let board = Board::new(1);
        board.publish(snapshot("acme"));
        board.publish(snapshot("quiet"));
        board.publish_in(snapshot("replaying"), Phase::Replaying, 0);
        board.publish(snapshot("held"));
        board.hold("held", 0);
        let plan = Plan {
            at: chrono::NaiveTime::from_hms_opt(7, 0, 0).unwrap(),
            to: vec!["floor@example.com".into()],
            webhooks: Vec::new(),
        };
        let plan_of: PlanOf = Arc::new(move |tenant: &str| {
            (tenant != "quiet").then(|| (plan.clone(), CenterSettings::default()))
        });
        let plans = live_plans(&board, &plan_of);
        let tenants: Vec<&str> = plans.iter().map(|plan| plan.tenant.as_str()).collect();
        assert_eq!(tenants, ["acme"]);
    }
}
