use chrono::TimeZone;

use super::*;
use crate::deliver::sent::MemorySentLog;
use crate::deliver::summary::DayReport;
use crate::kpi::ServiceLevelFormula;
use crate::report::{Table, AGENT_HEADER, QUEUE_HEADER};

/// Holds every day of every tenant, empty; or none.
struct EmptyDays {
    holds: bool,
}

impl DaySource for EmptyDays {
    fn day(&self, tenant: &str, date: NaiveDate) -> Option<DayReport> {
        self.holds.then(|| DayReport {
            tenant: tenant.into(),
            date,
            queues: Table {
                header: &QUEUE_HEADER,
                rows: Vec::new(),
            },
            scorecards: Table {
                header: &AGENT_HEADER,
                rows: Vec::new(),
            },
            formulas: Default::default(),
            default_formula: ServiceLevelFormula::AbandonsCountAgainst,
        })
    }
}

fn plan(to: &[&str]) -> Vec<TenantPlan> {
    vec![TenantPlan {
        tenant: "acme".into(),
        zone: chrono_tz::UTC,
        plan: Plan {
            at: NaiveTime::from_hms_opt(7, 0, 0).unwrap(),
            to: to.iter().map(|address| address.to_string()).collect(),
            webhooks: Vec::new(),
        },
    }]
}

fn at(hour: u32, minute: u32, second: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, hour, minute, second)
        .unwrap()
}

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

#[tokio::test]
async fn a_failed_send_is_retried_after_a_doubling_backoff_and_never_recorded() {
    let mut reports = DailyReports::new(
        EmptyDays { holds: true },
        MemorySentLog::default(),
        None,
        reqwest::Client::new(),
    );
    let plans = plan(&["floor@example.com"]);
    let failed = reports.tick(&plans, at(7, 0, 0)).await;
    let [Outcome::Failed { date, error, .. }] = failed.as_slice() else {
        panic!("{failed:?}")
    };
    assert_eq!(*date, day("2026-11-30"));
    assert_eq!(error, "no [delivery.smtp] mail server is configured");
    // The first backoff is a minute, the next two.
    assert!(reports.tick(&plans, at(7, 0, 59)).await.is_empty());
    assert_eq!(reports.tick(&plans, at(7, 1, 0)).await.len(), 1);
    assert!(reports.tick(&plans, at(7, 2, 59)).await.is_empty());
    assert_eq!(reports.tick(&plans, at(7, 3, 0)).await.len(), 1);
    assert!(!reports.log.was_sent("acme", day("2026-11-30")));
}

#[tokio::test]
async fn a_day_is_sent_once_and_a_day_already_recorded_is_not_sent() {
    let log = MemorySentLog::default();
    log.record("acme", day("2026-11-30"), 0).await.unwrap();
    let mut reports =
        DailyReports::new(EmptyDays { holds: true }, log, None, reqwest::Client::new());
    // Nothing to send (no recipients): a plan without destinations records the day at once.
    let plans = plan(&[]);
    assert!(
        reports.tick(&plans, at(7, 0, 0)).await.is_empty(),
        "30 November was recorded"
    );
    let next_day = Utc.with_ymd_and_hms(2026, 12, 2, 7, 0, 0).unwrap();
    assert_eq!(
        reports.tick(&plans, next_day).await,
        [Outcome::Sent {
            tenant: "acme".into(),
            date: day("2026-12-01")
        }]
    );
    assert!(reports
        .tick(&plans, next_day + chrono::Duration::hours(1))
        .await
        .is_empty());
}

#[tokio::test]
async fn a_day_the_source_does_not_hold_is_asked_for_again_at_the_next_tick() {
    let mut reports = DailyReports::new(
        EmptyDays { holds: false },
        MemorySentLog::default(),
        None,
        reqwest::Client::new(),
    );
    let plans = plan(&[]);
    assert_eq!(
        reports.tick(&plans, at(7, 0, 0)).await,
        [Outcome::NoFigures {
            tenant: "acme".into(),
            date: day("2026-11-30")
        }]
    );
    // Asked again at every tick, without a backoff, and never recorded.
    assert_eq!(reports.tick(&plans, at(7, 0, 1)).await.len(), 1);
    assert!(!reports.log.was_sent("acme", day("2026-11-30")));
}
