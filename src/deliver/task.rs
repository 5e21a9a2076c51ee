//! The daily report task in the service: once the intervals store has read the topic (so a missing
//! "sent" marker means not sent), every minute, the tenants this instance serves live (their partition
//! is owned and has gone live) that have a daily report; `DailyReports` decides what is due and sends
//! it. The day comes from the store, or from the board's rows for a day the store lacks. Sends run
//! here, off the workers and the alert loop, so a slow mail server delays nothing else.

use std::sync::Arc;
use std::time::Duration;

use rdkafka::producer::FutureProducer;
use tokio_util::sync::CancellationToken;

use super::daily::{DailyReports, Plan, TenantPlan};
use super::days::{BoardDays, StoreDays};
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

/// Runs until `stop`: waits for the store to have read the topic, then every `every` sends what is due.
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
        fallback: BoardDays::default(),
    };
    let mut reports = DailyReports::new(days, log, edges.mailer, edges.client);
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut waiting_logged = false;
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = ticks.tick() => {}
        }
        if !reports.log().is_ready() {
            if !waiting_logged {
                tracing::info!("daily reports wait until the intervals topic has been read");
                waiting_logged = true;
            }
            continue;
        }
        let plans = live_plans(&board, &plan_of, &reports.days().fallback);
        reports.tick(&plans, chrono::Utc::now()).await;
    }
}

/// The live tenants with a daily report; their current interval rows are handed to `board_days`.
fn live_plans(board: &Board, plan_of: &PlanOf, board_days: &BoardDays) -> Vec<TenantPlan> {
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
            board_days.observe(tenant, &table, &settings);
        }
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
    use crate::report::{Cell, Table, QUEUE_HEADER};

    fn snapshot(tenant: &str) -> CenterSnapshot {
        CenterSnapshot {
            tenant: tenant.into(),
            ..CenterSnapshot::default()
        }
    }

    #[test]
    fn only_live_tenants_with_a_report_are_planned_and_their_rows_collected() {
        let board = Board::new(1);
        board.publish(snapshot("acme"));
        board.publish(snapshot("quiet"));
        board.publish_in(snapshot("replaying"), Phase::Replaying, 0);
        board.publish(snapshot("held"));
        board.hold("held", 0);
        let mut row = vec![Cell::Text("acme".into()), Cell::Text("sales".into())];
        row.push(Cell::Text("2026-11-30T08:00:00Z".into()));
        row.resize(QUEUE_HEADER.len(), Cell::Count(1));
        let table = Table {
            header: &QUEUE_HEADER,
            rows: vec![row],
        };
        board.publish_intervals(&"acme".into(), table);
        let plan = Plan {
            at: chrono::NaiveTime::from_hms_opt(7, 0, 0).unwrap(),
            to: vec!["floor@example.com".into()],
            webhooks: Vec::new(),
        };
        let plan_of: PlanOf = Arc::new(move |tenant: &str| {
            (tenant != "quiet").then(|| (plan.clone(), CenterSettings::default()))
        });
        let days = BoardDays::default();
        let plans = live_plans(&board, &plan_of, &days);
        let tenants: Vec<&str> = plans.iter().map(|plan| plan.tenant.as_str()).collect();
        assert_eq!(tenants, ["acme"]);
        use super::super::days::DaySource;
        let day = days.day("acme", "2026-11-30".parse().unwrap()).unwrap();
        assert_eq!(day.queues.rows.len(), 1);
        assert_eq!(days.day("replaying", "2026-11-30".parse().unwrap()), None);
    }
}
