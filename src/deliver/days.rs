//! Where a tenant's day comes from: the `DaySource` trait, and its implementations over the intervals
//! store (the `call-intervals` topic read back: the service's source, which has late events and
//! survives restarts) and over centers that keep their intervals (`report`'s engine). The sender knows
//! only the trait.

use chrono::{DateTime, NaiveDate, NaiveTime};

use super::schedule::send_instant;
use super::summary::DayReport;
use crate::center::settings::CenterSettings;
use crate::center::Center;
use crate::intervals::store::IntervalStore;
use crate::intervals::Kind;
use crate::report::scorecard::{scorecard_table, Period, SCORECARD_HEADER};
use crate::report::{self, Cell, Table, QUEUE_HEADER};

/// A tenant's day: its queue rows and scorecards, or `None` when this source does not hold the day.
pub trait DaySource: Send + Sync {
    fn day(&self, tenant: &str, date: NaiveDate) -> Option<DayReport>;
}

/// The tenant's business day `date` as a span of milliseconds: from its day-start hour to the next.
pub fn day_span(settings: &CenterSettings, date: NaiveDate) -> (i64, i64) {
    let start_hour =
        NaiveTime::from_hms_opt(settings.day_start_hour.min(23), 0, 0).unwrap_or_default();
    let at =
        |date: NaiveDate| send_instant(settings.time_zone, date, start_hour).timestamp_millis();
    (at(date), at(date.succ_opt().unwrap_or(date)))
}

/// The interval start of a report row (its `interval_start` cell), in milliseconds.
fn row_start_ms(header: &[&str], row: &[Cell]) -> Option<i64> {
    let at = header.iter().position(|key| *key == "interval_start")?;
    match row.get(at)? {
        Cell::Text(text) => DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|time| time.timestamp_millis()),
        _ => None,
    }
}

/// The rows of `table` whose interval starts within `[start, end)`.
fn rows_within(table: Table, (start, end): (i64, i64)) -> Table {
    let header = table.header;
    let rows = (table.rows.into_iter())
        .filter(|row| row_start_ms(header, row).is_some_and(|at| at >= start && at < end))
        .collect();
    Table { header, rows }
}

fn day_report(
    tenant: &str,
    date: NaiveDate,
    settings: &CenterSettings,
    queues: Table,
    scorecards: Table,
) -> DayReport {
    DayReport {
        tenant: tenant.to_string(),
        date,
        queues,
        scorecards,
        formulas: (settings.queues.iter())
            .map(|(queue, queue_settings)| {
                (queue.to_string(), queue_settings.service_level_formula)
            })
            .collect(),
        default_formula: settings.queue_defaults.service_level_formula,
    }
}

/// Days of centers that keep every interval (and agent intervals): the engine `callboard report` runs.
pub struct CenterDays<'a> {
    centers: Vec<&'a Center>,
}

impl<'a> CenterDays<'a> {
    pub fn new(centers: impl IntoIterator<Item = &'a Center>) -> Self {
        CenterDays {
            centers: centers.into_iter().collect(),
        }
    }
}

impl DaySource for CenterDays<'_> {
    fn day(&self, tenant: &str, date: NaiveDate) -> Option<DayReport> {
        let center = self
            .centers
            .iter()
            .find(|center| center.tenant().as_str() == tenant)?;
        let settings = center.settings();
        let span = day_span(settings, date);
        let queues = rows_within(report::queue_table([*center]), span);
        let (start, end) = span;
        let within = |_: &str, at: i64| at >= start && at < end;
        let mut scorecards = scorecard_table([*center], Period::Day, &within);
        // A day's scorecard names its local date.
        let day = Cell::Text(date.format("%Y-%m-%d").to_string());
        let period_start = scorecards
            .header
            .iter()
            .position(|key| *key == "period_start");
        scorecards
            .rows
            .retain(|row| period_start.and_then(|at| row.get(at)) == Some(&day));
        Some(day_report(tenant, date, settings, queues, scorecards))
    }
}

/// A report row of the store (a JSON object) as cells in `header` order.
fn cells(header: &[&str], value: &serde_json::Value) -> Vec<Cell> {
    use serde_json::Value;
    (header.iter())
        .map(|column| match &value[*column] {
            Value::String(text) => Cell::Text(text.clone()),
            Value::Number(number) => match number.as_u64() {
                Some(count) => Cell::Count(count),
                None => number.as_f64().map_or(Cell::Empty, Cell::Number),
            },
            _ => Cell::Empty,
        })
        .collect()
}

/// A tenant's center settings, `None` for a tenant without a daily report here.
pub type SettingsOf = std::sync::Arc<dyn Fn(&str) -> Option<CenterSettings> + Send + Sync>;

/// Days of the intervals store: the queue intervals of the day, and the agents' day rows. A day
/// without queue rows (not produced yet, or no calls) is not held.
pub struct StoreDays {
    pub store: std::sync::Arc<IntervalStore>,
    /// Each tenant's settings (service-level formulas); `None` for a tenant unknown here.
    pub settings_of: SettingsOf,
}

impl DaySource for StoreDays {
    fn day(&self, tenant: &str, date: NaiveDate) -> Option<DayReport> {
        let settings = (self.settings_of)(tenant)?;
        let (from, to) = (
            date.format("%Y-%m-%d").to_string(),
            date.succ_opt()?.format("%Y-%m-%d").to_string(),
        );
        let queue_rows = self.store.rows(tenant, Kind::Queue, &from, &to);
        if queue_rows.is_empty() {
            return None;
        }
        let table = |header: &'static [&'static str],
                     values: &[std::sync::Arc<serde_json::Value>]| Table {
            header,
            rows: values.iter().map(|value| cells(header, value)).collect(),
        };
        let agent_rows = self.store.rows(tenant, Kind::AgentDay, &from, &to);
        let queues = table(&QUEUE_HEADER, &queue_rows);
        let scorecards = table(&SCORECARD_HEADER, &agent_rows);
        Some(day_report(tenant, date, &settings, queues, scorecards))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(zone: chrono_tz::Tz, day_start_hour: u32) -> CenterSettings {
        CenterSettings {
            time_zone: zone,
            day_start_hour,
            ..CenterSettings::default()
        }
    }

    #[test]
    fn a_day_spans_its_local_day_start_to_the_next() {
        let date: NaiveDate = "2026-03-29".parse().unwrap();
        // Berlin's 29 March 2026 is 23 hours long: 00:00 CET (23:00 UTC) to 00:00 CEST (22:00 UTC).
        assert_eq!(
            day_span(&settings(chrono_tz::Europe::Berlin, 0), date),
            (1_774_738_800_000, 1_774_821_600_000)
        );
        // A day starting at 04:00 UTC.
        assert_eq!(
            day_span(&settings(chrono_tz::UTC, 4), "2026-11-30".parse().unwrap()),
            (1_796_011_200_000, 1_796_097_600_000)
        );
    }

    #[test]
    fn the_store_gives_its_rows_of_the_day_and_nothing_for_a_day_it_lacks() {
        let store = IntervalStore::new();
        let queue = |date: &str, start: &str, offered: u64| {
            serde_json::json!({
                "schema": 1, "kind": "queue", "date": date, "tenant": "acme", "queue": "sales",
                "interval_start": start, "offered": offered, "service_level": 0.5, "asa_seconds": null,
            })
        };
        for (key, value) in [
            (
                "acme/queue/sales/2026-11-30T08:00:00Z",
                queue("2026-11-30", "2026-11-30T08:00:00Z", 4),
            ),
            (
                "acme/queue/sales/2026-11-30T08:15:00Z",
                queue("2026-11-30", "2026-11-30T08:15:00Z", 2),
            ),
            (
                "acme/queue/sales/2026-12-01T08:00:00Z",
                queue("2026-12-01", "2026-12-01T08:00:00Z", 9),
            ),
            (
                "acme/agent_day/a1/2026-11-30",
                serde_json::json!({
                    "schema": 1, "kind": "agent_day", "date": "2026-11-30", "tenant": "acme", "agent": "a1", "handled": 3,
                }),
            ),
        ] {
            store
                .apply(key, Some(value.to_string().as_bytes()))
                .unwrap();
        }
        let days = StoreDays {
            store,
            settings_of: std::sync::Arc::new(|tenant: &str| {
                (tenant == "acme").then(CenterSettings::default)
            }),
        };
        let day = days.day("acme", "2026-11-30".parse().unwrap()).unwrap();
        let offered: Vec<&Cell> = day.queues.rows.iter().map(|row| &row[3]).collect();
        assert_eq!(offered, [&Cell::Count(4), &Cell::Count(2)]);
        assert_eq!(
            day.queues.rows[0][2],
            Cell::Text("2026-11-30T08:00:00Z".into())
        );
        assert_eq!(day.queues.rows[0][10], Cell::Number(0.5));
        assert_eq!(day.queues.rows[0][12], Cell::Empty);
        assert_eq!(day.scorecards.header, &SCORECARD_HEADER);
        assert_eq!(day.scorecards.rows[0][5], Cell::Count(3), "handled");
        assert_eq!(days.day("acme", "2026-11-29".parse().unwrap()), None);
        assert_eq!(days.day("globex", "2026-11-30".parse().unwrap()), None);
    }
}
