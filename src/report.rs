//! Interval reports (`spec/metrics.md`, "Interval report"): one row per tenant × queue (or agent) ×
//! interval in which anything was counted, as a [`Table`] rendered to CSV or JSON Lines. Pure: rows are
//! built from centers and written to any `io::Write`.

mod number;
pub mod range;

use std::io::{self, Write};

use crate::center::agent::{AgentInterval, StateTimes};
use crate::center::floor::Floor;
use crate::center::Center;
use crate::decode::time::rfc3339;
use crate::kpi::{self, QueueCounts};

pub mod scorecard;

/// The queue report header, exactly as `metrics.md` gives it.
pub const QUEUE_HEADER: [&str; 18] = [
    "tenant",
    "queue",
    "interval_start",
    "offered",
    "answered",
    "answered_within_threshold",
    "abandoned",
    "short_abandoned",
    "dequeued",
    "handled",
    "service_level",
    "abandon_rate",
    "asa_seconds",
    "aht_seconds",
    "avg_talk_seconds",
    "avg_hold_seconds",
    "avg_wrap_up_seconds",
    "max_wait_seconds",
];

pub const AGENT_HEADER: [&str; 12] = [
    "tenant",
    "agent",
    "interval_start",
    "handled",
    "talk_seconds",
    "hold_seconds",
    "wrap_up_seconds",
    "available_seconds",
    "not_ready_seconds",
    "logged_in_seconds",
    "occupancy",
    "utilization",
];

/// The team report (`--by team`): the agents' time and labour cost of each team and interval.
pub const TEAM_HEADER: [&str; 10] = [
    "tenant",
    "team",
    "interval_start",
    "agents",
    "logged_in_seconds",
    "handled",
    "handle_seconds",
    "occupancy",
    "labour_cost",
    "labour_cost_per_handled_call",
];

/// One value of a report row; `Empty` is an undefined figure.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Count(u64),
    Number(f64),
    Empty,
}

impl From<Option<f64>> for Cell {
    fn from(value: Option<f64>) -> Self {
        value.map_or(Cell::Empty, Cell::Number)
    }
}

/// A report: a fixed header and rows of cells in header order.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub header: &'static [&'static str],
    pub rows: Vec<Vec<Cell>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    JsonLines,
}

fn seconds(ms: u64) -> Cell {
    Cell::Number(ms as f64 / 1000.0)
}

/// Queue rows of every center, ordered by tenant, queue, interval start.
pub fn queue_table<'a>(centers: impl IntoIterator<Item = &'a Center>) -> Table {
    let mut rows = Vec::new();
    for center in centers {
        // Events still waiting for the watermark count too, so a feed that went quiet reports fully.
        let (floor, _) = center.projection();
        queue_rows(center.tenant(), &floor, &mut rows);
    }
    Table {
        header: &QUEUE_HEADER,
        rows,
    }
}

/// Appends one tenant's queue rows, ordered by queue and interval start.
pub fn queue_rows(tenant: &str, floor: &Floor, rows: &mut Vec<Vec<Cell>>) {
    let mut queues: Vec<_> = floor.queues.iter().collect();
    queues.sort_by(|a, b| a.id.cmp(&b.id));
    for queue in queues {
        for (start, counts) in &queue.intervals {
            if !counts.is_empty() {
                rows.push(queue_row(
                    tenant,
                    &queue.id,
                    *start,
                    counts,
                    queue.settings.service_level_formula,
                ));
            }
        }
    }
}

/// One queue row: `counts` of the interval (or day) starting at `start`.
pub fn queue_row(
    tenant: &str,
    queue: &str,
    start: i64,
    counts: &QueueCounts,
    formula: kpi::ServiceLevelFormula,
) -> Vec<Cell> {
    vec![
        Cell::Text(tenant.to_string()),
        Cell::Text(queue.to_string()),
        Cell::Text(interval_time(start)),
        Cell::Count(counts.offered),
        Cell::Count(counts.answered),
        Cell::Count(counts.answered_within_threshold),
        Cell::Count(counts.abandoned),
        Cell::Count(counts.short_abandoned),
        Cell::Count(counts.dequeued),
        Cell::Count(counts.handled),
        kpi::service_level(counts, formula).into(),
        kpi::abandon_rate(counts).into(),
        kpi::asa_seconds(counts).into(),
        kpi::aht_seconds(counts).into(),
        kpi::average_per_handled_seconds(counts.talk_ms, counts.handled).into(),
        kpi::average_per_handled_seconds(counts.hold_ms, counts.handled).into(),
        kpi::average_per_handled_seconds(counts.wrap_up_ms, counts.handled).into(),
        kpi::max_wait_seconds(counts).into(),
    ]
}

/// Agent rows of every center (centers must keep agent intervals), ordered by tenant, agent, interval.
pub fn agent_table<'a>(centers: impl IntoIterator<Item = &'a Center>) -> Table {
    let mut rows = Vec::new();
    for center in centers {
        let (floor, _) = center.projection();
        let mut agents: Vec<_> = floor.agents.iter().collect();
        agents.sort_by(|a, b| a.id.cmp(&b.id));
        for agent in agents {
            for (start, interval) in agent.kept_intervals() {
                // An interval with only tallies this report does not show (a survey) shows no row.
                if interval.times == StateTimes::default() && interval.tallies.handled == 0 {
                    continue;
                }
                rows.push(agent_row(center.tenant(), &agent.id, start, &interval));
            }
        }
    }
    Table {
        header: &AGENT_HEADER,
        rows,
    }
}

/// Team rows of every center (centers must keep agent intervals): the agents' intervals summed by the
/// team each was worked for ("" for agents without one), ordered by tenant, team and interval.
pub fn team_table<'a>(centers: impl IntoIterator<Item = &'a Center>) -> Table {
    #[derive(Default)]
    struct Sum {
        agents: u64,
        times: kpi::AgentTimes,
        handled: u64,
        handle_ms: u64,
        cost: f64,
    }
    let mut rows = Vec::new();
    for center in centers {
        let (floor, _) = center.projection();
        let mut sums: std::collections::BTreeMap<(String, i64), Sum> = Default::default();
        for agent in &floor.agents {
            for (start, interval) in agent.kept_intervals() {
                let times = interval.times.agent_times();
                if times.logged_in_ms == 0 && interval.tallies.handled == 0 {
                    continue;
                }
                let team = interval.team.as_deref().unwrap_or("").to_string();
                let sum = sums.entry((team, start)).or_default();
                sum.agents += 1;
                sum.times.merge(&times);
                let tallies = &interval.tallies;
                sum.handled += tallies.handled;
                sum.handle_ms += tallies.talk_ms + tallies.hold_ms + tallies.wrap_up_ms;
                sum.cost += interval.cost;
            }
        }
        for ((team, start), sum) in sums {
            rows.push(vec![
                Cell::Text(center.tenant().to_string()),
                Cell::Text(team),
                Cell::Text(interval_time(start)),
                Cell::Count(sum.agents),
                seconds(sum.times.logged_in_ms),
                Cell::Count(sum.handled),
                seconds(sum.handle_ms),
                kpi::occupancy(&sum.times).into(),
                Cell::Number(sum.cost),
                (sum.handled > 0)
                    .then(|| sum.cost / sum.handled as f64)
                    .into(),
            ]);
        }
    }
    Table {
        header: &TEAM_HEADER,
        rows,
    }
}

/// One agent interval's row of the agent report.
pub fn agent_row(tenant: &str, agent: &str, start: i64, interval: &AgentInterval) -> Vec<Cell> {
    let (times, handled) = (interval.times.agent_times(), interval.tallies.handled);
    vec![
        Cell::Text(tenant.to_string()),
        Cell::Text(agent.to_string()),
        Cell::Text(interval_time(start)),
        Cell::Count(handled),
        seconds(times.talk_ms),
        seconds(times.hold_ms),
        seconds(times.wrap_up_ms),
        seconds(times.available_ms),
        seconds(times.not_ready_ms),
        seconds(times.logged_in_ms),
        kpi::occupancy(&times).into(),
        kpi::utilization(&times).into(),
    ]
}

/// Interval starts are whole seconds: `2026-11-23T08:15:00Z`.
pub fn interval_time(start: i64) -> String {
    let mut text = rfc3339(start);
    // Milliseconds are the last field: ".000Z" can only end the text.
    if text.ends_with(".000Z") {
        text.truncate(text.len() - ".000Z".len());
        text.push('Z');
    }
    text
}

/// A text cell of a CSV row, quoted when it holds a separator, quote or line break.
fn push_csv_field(line: &mut String, text: &str) {
    if text.contains([',', '"', '\n', '\r']) {
        line.push('"');
        line.push_str(&text.replace('"', "\"\""));
        line.push('"');
    } else {
        line.push_str(text);
    }
}

pub fn write(table: &Table, format: Format, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Csv => write_csv(table, out),
        Format::JsonLines => write_json_lines(table, out),
    }
}

fn write_csv(table: &Table, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", table.header.join(","))?;
    let mut line = String::new();
    for row in &table.rows {
        line.clear();
        for (index, cell) in row.iter().enumerate() {
            if index > 0 {
                line.push(',');
            }
            match cell {
                Cell::Text(text) => push_csv_field(&mut line, text),
                Cell::Count(count) => number::push_count(&mut line, *count),
                Cell::Number(value) => number::push(&mut line, *value),
                Cell::Empty => {}
            }
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

fn write_json_lines(table: &Table, out: &mut dyn Write) -> io::Result<()> {
    let keys = JsonKeys::new(table.header, false);
    let mut line = String::new();
    for row in &table.rows {
        line.clear();
        push_json_object(&mut line, &keys, row);
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// A header's keys, each rendered once as the JSON text before its value (`"a":`, `,"b":`, …): rows
/// written with them copy each key instead of escaping it again.
pub struct JsonKeys(Vec<String>);

impl JsonKeys {
    /// The keys of `header`; `continued`: the first follows other fields, so it leads with a comma too.
    pub fn new(header: &[&str], continued: bool) -> JsonKeys {
        let render = |(index, key): (usize, &&str)| {
            let mut text = String::new();
            if index > 0 || continued {
                text.push(',');
            }
            push_json_string(&mut text, key);
            text.push(':');
            text
        };
        JsonKeys(header.iter().enumerate().map(render).collect())
    }

    /// The rendered key at `index` of the header.
    pub fn key(&self, index: usize) -> &str {
        &self.0[index]
    }
}

/// A row as one JSON object, its keys the header's in order (written by hand to keep that order).
pub fn push_json_object(line: &mut String, keys: &JsonKeys, row: &[Cell]) {
    line.push('{');
    push_json_fields(line, keys, row);
    line.push('}');
}

/// A row's fields as JSON, without the braces: each rendered key, then its cell.
pub fn push_json_fields(line: &mut String, keys: &JsonKeys, row: &[Cell]) {
    for (key, cell) in keys.0.iter().zip(row) {
        line.push_str(key);
        match cell {
            Cell::Text(text) => push_json_string(line, text),
            Cell::Count(count) => number::push_count(line, *count),
            Cell::Number(value) if value.is_finite() => number::push(line, *value),
            Cell::Number(_) | Cell::Empty => line.push_str("null"),
        }
    }
}

/// `text` as a JSON string, escaped as serde_json escapes it: only quotes, backslashes and control
/// characters need it, and most text (every key, nearly every id) has none, so it is copied as is.
pub fn push_json_string(line: &mut String, text: &str) {
    if text
        .bytes()
        .any(|byte| byte == b'"' || byte == b'\\' || byte < 0x20)
    {
        line.push_str(&serde_json::to_string(text).expect("a str serialises"));
    } else {
        line.push('"');
        line.push_str(text);
        line.push('"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_are_escaped_as_serde_json_escapes_them() {
        let texts = [
            "sales",
            "",
            "say \"hi\"",
            "back\\slash",
            "tab\there",
            "line\nbreak",
            "\u{1}\u{1f}",
            "\u{7f} del",
            "ünïcødé ☎",
            "end\\",
        ];
        for text in texts {
            let mut line = String::new();
            push_json_string(&mut line, text);
            assert_eq!(line, serde_json::to_string(text).unwrap(), "{text:?}");
        }
    }

    #[test]
    fn numbers_are_trimmed_and_undefined_is_empty() {
        let table = Table {
            header: &["a", "b", "c"],
            rows: vec![vec![
                Cell::Text("x,y".into()),
                Cell::Empty,
                Cell::Number(0.25),
            ]],
        };
        let mut csv = Vec::new();
        write(&table, Format::Csv, &mut csv).unwrap();
        assert_eq!(String::from_utf8(csv).unwrap(), "a,b,c\n\"x,y\",,0.25\n");
        let mut json = Vec::new();
        write(&table, Format::JsonLines, &mut json).unwrap();
        assert_eq!(
            String::from_utf8(json).unwrap(),
            "{\"a\":\"x,y\",\"b\":null,\"c\":0.25}\n"
        );
    }
}
