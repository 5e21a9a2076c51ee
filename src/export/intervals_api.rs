//! `/api/v1/tenants/{t}/intervals`: which days a request asks for (`?date=`, `?from=&to=`, or today)
//! and of which kind (`?kind=queue|agent|queue_day|agent_day`), and the table served: the closed rows of
//! the intervals topic read back ([`IntervalStore`]), with today's queue rows from the board over them
//! (the board is newer and holds the interval still open). No I/O: the handler in `http` renders it.

use serde::Deserialize;
use serde_json::Value;

use super::door::Scope;
use crate::intervals::store::IntervalStore;
use crate::intervals::Kind;
use crate::report::scorecard::SCORECARD_HEADER;
use crate::report::{Cell, Table, AGENT_HEADER, QUEUE_HEADER};

#[derive(Debug, Default, Deserialize)]
pub struct IntervalQuery {
    pub format: Option<String>,
    /// One local day, `YYYY-MM-DD`.
    pub date: Option<String>,
    /// The first day of a range, with `to`, the first day not included (as `report --from --to`).
    pub from: Option<String>,
    pub to: Option<String>,
    pub kind: Option<String>,
}

/// What a request asks for: a kind, and the days `[from, to)` (`None`: today).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    pub kind: Kind,
    pub days: Option<(String, String)>,
}

/// The request's kind and days, or what is wrong with them (a 400).
pub fn wanted(query: &IntervalQuery) -> Result<Wanted, String> {
    let kind = match query.kind.as_deref() {
        None => Kind::Queue,
        Some(name) => Kind::parse(name)
            .filter(|kind| *kind != Kind::Delivery)
            .ok_or_else(|| format!("kind `{name}` is not queue, agent, queue_day or agent_day"))?,
    };
    let days = match (&query.date, &query.from, &query.to) {
        (None, None, None) => None,
        (Some(date), None, None) => {
            parse_date("date", date)?;
            Some(day(date))
        }
        (None, Some(from), Some(to)) => {
            let (first, end) = (parse_date("from", from)?, parse_date("to", to)?);
            if end <= first {
                return Err(format!(
                    "to ({to}) must be after from ({from}): to is the first day not included"
                ));
            }
            Some((from.clone(), to.clone()))
        }
        (Some(_), _, _) => return Err("give either date or from and to, not both".to_string()),
        (None, _, _) => {
            return Err("from and to go together (to is the first day not included)".to_string())
        }
    };
    Ok(Wanted { kind, days })
}

fn parse_date(name: &str, text: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|_| text.len() == 10)
        .ok_or_else(|| format!("{name} `{text}` is not a YYYY-MM-DD date"))
}

/// The range of one day: `[date, the day after)`.
pub fn day(date: &str) -> (String, String) {
    let next = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .ok()
        .and_then(|day| day.succ_opt())
        .map_or_else(
            || date.to_string(),
            |day| day.format("%Y-%m-%d").to_string(),
        );
    (date.to_string(), next)
}

/// The rows of `kind` for `[from, to)`: the store's, and where `today` (the tenant's local date on the
/// board) is in the range, the board's queue rows of today in place of the store's, as `scope` sees them.
pub fn table(
    store: &IntervalStore,
    tenant: &str,
    kind: Kind,
    (from, to): (&str, &str),
    today: Option<(&str, &Table)>,
    scope: &Scope,
) -> Table {
    let header: &'static [&'static str] = match kind {
        Kind::Agent => &AGENT_HEADER,
        Kind::AgentDay => &SCORECARD_HEADER,
        _ => &QUEUE_HEADER,
    };
    let mut rows: Vec<Vec<Cell>> = (store.rows(tenant, kind, from, to).iter())
        .map(|value| header.iter().map(|column| cell(&value[*column])).collect())
        .collect();
    let board = today.filter(|(date, _)| kind == Kind::Queue && from <= *date && *date < to);
    if let Some((_, table)) = board {
        // The board's rows replace the store's of the same queue and interval (they are newer).
        let identity = |row: &Vec<Cell>| (row[1].clone(), row[2].clone());
        let newer: Vec<_> = table.rows.iter().map(identity).collect();
        rows.retain(|row| !newer.contains(&identity(row)));
        rows.extend(table.rows.iter().cloned());
        rows.sort_by(|a, b| {
            text(&a[1])
                .cmp(text(&b[1]))
                .then(text(&a[2]).cmp(text(&b[2])))
        });
    }
    if kind.subject_column() == Some("queue") {
        rows.retain(|row| scope.sees_queue(text(&row[1])));
    } else {
        for row in &mut rows {
            if let Some(pseudonym) = scope.pseudonym(text(&row[1])) {
                row[1] = Cell::Text(pseudonym);
            }
        }
    }
    Table { header, rows }
}

fn cell(value: &Value) -> Cell {
    match value {
        Value::String(text) => Cell::Text(text.clone()),
        Value::Number(number) => match number.as_u64() {
            Some(count) => Cell::Count(count),
            None => number.as_f64().map_or(Cell::Empty, Cell::Number),
        },
        _ => Cell::Empty,
    }
}

fn text(cell: &Cell) -> &str {
    match cell {
        Cell::Text(text) => text,
        _ => "",
    }
}

#[cfg(test)]
#[path = "intervals_api_tests.rs"]
mod tests;
