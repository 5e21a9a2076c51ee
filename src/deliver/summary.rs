//! A tenant's day as it is sent: the headline figures per queue and in total (offered, answered,
//! service level, abandon rate, AHT), the mail (subject, plain-text body, the CSV attachments). Pure:
//! built from the day's report tables, which the day source gives.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::kpi::{self, QueueCounts, ServiceLevelFormula};
use crate::report::{self, Cell, Table};

/// One tenant's local day as the day source gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct DayReport {
    pub tenant: String,
    pub date: NaiveDate,
    /// Queue rows of the day (the header of `report::QUEUE_HEADER`), as `callboard report` prints them.
    pub queues: Table,
    /// The agents' rows of the day.
    pub scorecards: Table,
    /// Each queue's service-level formula; queues not named use `default_formula`.
    pub formulas: BTreeMap<String, ServiceLevelFormula>,
    pub default_formula: ServiceLevelFormula,
}

/// The figures a reader looks at first, for one queue or all of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Headline {
    /// The queue, or `None` for the total over every queue.
    pub queue: Option<String>,
    pub offered: u64,
    pub answered: u64,
    pub service_level: Option<f64>,
    pub abandon_rate: Option<f64>,
    pub aht_seconds: Option<f64>,
}

/// The day's headlines: one per queue (in name order) and the total.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub tenant: String,
    pub date: NaiveDate,
    pub queues: Vec<Headline>,
    pub total: Headline,
}

/// A file attached to the mail.
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    pub name: String,
    pub csv: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Mail {
    pub subject: String,
    pub body: String,
    pub attachments: Vec<Attachment>,
}

/// A bound no real day's count comes near: sums of rows (which come from a topic anyone may write)
/// stop there, so the formulas' own sums of a few counts cannot overflow.
const MOST: u64 = 1 << 40;

/// Adds `more` to a summed count, up to `MOST`.
fn add(sum: &mut u64, more: u64) {
    *sum = sum.saturating_add(more).min(MOST);
}

/// `counts` with `other`'s added, each up to `MOST`.
fn merge(counts: &mut QueueCounts, other: &QueueCounts) {
    add(&mut counts.offered, other.offered);
    add(&mut counts.answered, other.answered);
    add(
        &mut counts.answered_within_threshold,
        other.answered_within_threshold,
    );
    add(&mut counts.abandoned, other.abandoned);
    add(&mut counts.short_abandoned, other.short_abandoned);
    add(&mut counts.dequeued, other.dequeued);
    add(&mut counts.handled, other.handled);
}

/// Sums a queue's rows: the counts, and the handle time as AHT × handled of each row.
fn add_row(counts: &mut QueueCounts, handle_seconds: &mut f64, header: &[&str], row: &[Cell]) {
    let count = |name: &str| match header
        .iter()
        .position(|key| *key == name)
        .and_then(|at| row.get(at))
    {
        Some(Cell::Count(count)) => *count,
        _ => 0,
    };
    let handled = count("handled");
    let row_counts = QueueCounts {
        offered: count("offered"),
        answered: count("answered"),
        answered_within_threshold: count("answered_within_threshold"),
        abandoned: count("abandoned"),
        short_abandoned: count("short_abandoned"),
        dequeued: count("dequeued"),
        handled,
        ..QueueCounts::default()
    };
    merge(counts, &row_counts);
    let aht_at = header.iter().position(|key| *key == "aht_seconds");
    if let Some(Cell::Number(aht)) = aht_at.and_then(|at| row.get(at)) {
        *handle_seconds += aht * handled as f64;
    }
}

/// The service level of summed rows, where the formula needs only what the rows hold (the two
/// formulas that count abandons within the threshold need a count the report does not print).
fn service_level(counts: &QueueCounts, formula: ServiceLevelFormula) -> Option<f64> {
    match formula {
        ServiceLevelFormula::AbandonsCountAgainst | ServiceLevelFormula::AllOutcomes => {
            kpi::service_level(counts, formula)
        }
        ServiceLevelFormula::AbandonsIgnoredWithinThreshold
        | ServiceLevelFormula::AbandonsWithinThresholdCountFor => None,
    }
}

fn headline(
    queue: Option<String>,
    counts: &QueueCounts,
    handle_seconds: f64,
    formula: Option<ServiceLevelFormula>,
) -> Headline {
    Headline {
        queue,
        offered: counts.offered,
        answered: counts.answered,
        service_level: formula.and_then(|formula| service_level(counts, formula)),
        abandon_rate: kpi::abandon_rate(counts),
        aht_seconds: (counts.handled > 0).then(|| handle_seconds / counts.handled as f64),
    }
}

/// The headlines of `day`. The total's service level is shown only when every queue uses one formula.
pub fn summarize(day: &DayReport) -> Summary {
    let header = day.queues.header;
    let queue_at = header.iter().position(|key| *key == "queue");
    let mut by_queue: BTreeMap<String, (QueueCounts, f64)> = BTreeMap::new();
    for row in &day.queues.rows {
        let Some(Cell::Text(queue)) = queue_at.and_then(|at| row.get(at)) else {
            continue;
        };
        let (counts, handle) = by_queue.entry(queue.clone()).or_default();
        add_row(counts, handle, header, row);
    }
    let formula_of = |queue: &str| *day.formulas.get(queue).unwrap_or(&day.default_formula);
    let mut total = QueueCounts::default();
    let mut total_handle = 0.0;
    let mut formulas = Vec::new();
    let queues = by_queue
        .into_iter()
        .map(|(queue, (counts, handle))| {
            merge(&mut total, &counts);
            total_handle += handle;
            formulas.push(formula_of(&queue));
            let formula = formula_of(&queue);
            headline(Some(queue), &counts, handle, Some(formula))
        })
        .collect();
    formulas.dedup();
    let total_formula = match formulas.as_slice() {
        [] => Some(day.default_formula),
        [one] => Some(*one),
        _ => None,
    };
    Summary {
        tenant: day.tenant.clone(),
        date: day.date,
        queues,
        total: headline(None, &total, total_handle, total_formula),
    }
}

/// `0.8` as `80.0%`, undefined as `-`.
pub fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_string(), |value| format!("{:.1}%", value * 100.0))
}

/// Seconds as `3m 05s`, undefined as `-`.
pub fn minutes_seconds(value: Option<f64>) -> String {
    match value {
        Some(seconds) if seconds.is_finite() && seconds >= 0.0 => {
            let whole = seconds.round() as u64;
            format!("{}m {:02}s", whole / 60, whole % 60)
        }
        _ => "-".to_string(),
    }
}

/// The subject line of the day's mail.
pub fn subject(summary: &Summary) -> String {
    format!(
        "callboard daily report: {}, {}",
        summary.tenant,
        summary.date.format("%Y-%m-%d")
    )
}

/// The plain-text body: one line per queue and the total, in aligned columns.
pub fn body(summary: &Summary, attachments: &[Attachment]) -> String {
    let name = |headline: &Headline| {
        headline
            .queue
            .clone()
            .unwrap_or_else(|| "all queues".into())
    };
    let width = (summary.queues.iter().chain([&summary.total]))
        .map(|headline| name(headline).chars().count())
        .max()
        .unwrap_or(0)
        .max("queue".len());
    let mut text = format!(
        "Daily report for {}, {}.\n\n",
        summary.tenant,
        summary.date.format("%A %-d %B %Y")
    );
    text.push_str(&format!(
        "{:<width$}  {:>8}  {:>8}  {:>13}  {:>12}  {:>8}\n",
        "queue", "offered", "answered", "service level", "abandon rate", "AHT"
    ));
    for headline in summary.queues.iter().chain([&summary.total]) {
        text.push_str(&format!(
            "{:<width$}  {:>8}  {:>8}  {:>13}  {:>12}  {:>8}\n",
            name(headline),
            headline.offered,
            headline.answered,
            percent(headline.service_level),
            percent(headline.abandon_rate),
            minutes_seconds(headline.aht_seconds),
        ));
    }
    if summary.queues.is_empty() {
        text.push_str("\nNo calls were counted on this day.\n");
    }
    text.push_str("\nAttached: ");
    let names: Vec<&str> = attachments.iter().map(|file| file.name.as_str()).collect();
    text.push_str(&names.join(", "));
    text.push_str(" (each report interval of each queue; each agent's figures).\n");
    text
}

fn csv(table: &Table) -> Vec<u8> {
    let mut bytes = Vec::new();
    // Writing to memory cannot fail.
    let _ = report::write(table, report::Format::Csv, &mut bytes);
    bytes
}

/// The CSV files of the day: `queues-YYYY-MM-DD.csv` and `scorecards-YYYY-MM-DD.csv`.
pub fn attachments(day: &DayReport) -> Vec<Attachment> {
    let date = day.date.format("%Y-%m-%d");
    vec![
        Attachment {
            name: format!("queues-{date}.csv"),
            csv: csv(&day.queues),
        },
        Attachment {
            name: format!("scorecards-{date}.csv"),
            csv: csv(&day.scorecards),
        },
    ]
}

/// The whole mail of `day`.
pub fn mail(day: &DayReport) -> Mail {
    let summary = summarize(day);
    let attachments = attachments(day);
    Mail {
        subject: subject(&summary),
        body: body(&summary, &attachments),
        attachments,
    }
}

#[cfg(test)]
#[path = "summary_tests.rs"]
mod tests;
