//! Which of a tenant's intervals are closed, and the records they give: each queue and agent interval
//! whose end is at or before the closing instant, as the report's row, and each closed day's summary
//! per queue and agent. Pure: built from a floor (the projection a publication is made of).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use super::{key, Kind, SCHEMA};
use crate::center::agent::{Agent, AgentInterval};
use crate::center::calendar::{split_span, Calendar};
use crate::center::floor::Floor;
use crate::center::settings::CenterSettings;
use crate::event::Millis;
use crate::kpi::QueueCounts;
use crate::report::scorecard::{self, SCORECARD_HEADER};
use crate::report::{self, Cell, JsonKeys, AGENT_HEADER, QUEUE_HEADER};

/// A record for the topic: its key and its JSON value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub key: String,
    pub value: String,
}

/// The columns every value starts with, before the report's.
const PREFIX: [&str; 3] = ["schema", "kind", "date"];

/// How a kind's values are written: their opening up to the date's value
/// (`{"schema":1,"kind":"agent","date":`) and the keys of the report's columns after it, each rendered
/// once.
struct ValueFormat {
    kind: Kind,
    opening: String,
    keys: JsonKeys,
}

impl ValueFormat {
    fn new(kind: Kind) -> ValueFormat {
        let header: &[&str] = match kind {
            Kind::Agent => &AGENT_HEADER,
            // An agent's day is its scorecard (`report --by agent --period day`).
            Kind::AgentDay => &SCORECARD_HEADER,
            _ => &QUEUE_HEADER,
        };
        let prefix = JsonKeys::new(&PREFIX, false);
        let mut opening = String::from("{");
        let fixed = [Cell::Count(SCHEMA), Cell::Text(kind.name().to_string())];
        report::push_json_fields(&mut opening, &prefix, &fixed);
        opening.push_str(prefix.key(2));
        ValueFormat {
            kind,
            opening,
            keys: JsonKeys::new(header, true),
        }
    }
}

/// The formats of the row kinds (a delivery marker is no report row: the delivery task writes it).
static VALUE_FORMATS: LazyLock<Vec<ValueFormat>> =
    LazyLock::new(|| Kind::ROWS.into_iter().map(ValueFormat::new).collect());

/// The span of a tenant's figures whose intervals are closed: those that ended by `closing` (the
/// instant up to which its events are settled) and began at or after `complete_from` (before it, the
/// floor may lack events its run did not read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closed {
    pub complete_from: Millis,
    pub closing: Millis,
    /// The latest event time: an agent's state running at the close is credited up to here, as the
    /// report credits it up to its last event (a quiet feed says nothing of the time after).
    pub events_until: Millis,
}

/// The records of every interval and day of the floor within `closed`, ordered by kind, subject and
/// start. Agent time in a state still running is credited to the closed intervals it spans up to the
/// latest event, as the report credits it at its end: a closed row does not wait for the agent's next
/// event.
pub fn closed_records(
    tenant: &str,
    floor: &Floor,
    settings: &CenterSettings,
    closed: Closed,
) -> Vec<Record> {
    let Closed {
        complete_from,
        closing,
        events_until,
    } = closed;
    let mut calendar = floor.calendar.clone();
    let closed_until = calendar.interval(closing).start;
    let mut records = Vec::new();
    let mut dates = Dates::default();
    let mut queues: Vec<_> = floor.queues.iter().collect();
    queues.sort_by(|a, b| a.id.cmp(&b.id));
    for queue in queues {
        let formula = queue.settings.service_level_formula;
        let mut days: BTreeMap<Millis, QueueCounts> = BTreeMap::new();
        for (&start, counts) in queue.intervals.range(..closed_until) {
            if counts.is_empty() || start < complete_from {
                continue;
            }
            let day = calendar.day(start).start;
            days.entry(day).or_default().merge(counts);
            let cells = report::queue_row(tenant, &queue.id, start, counts, formula);
            let date = dates.of(&calendar, day);
            records.push(interval_record(
                tenant,
                Kind::Queue,
                &queue.id,
                start,
                date,
                cells,
            ));
        }
        for (day, counts) in days {
            if day_closed(&mut calendar, day, closed) {
                let cells = report::queue_row(tenant, &queue.id, day, &counts, formula);
                let date = calendar.local_date(day);
                records.push(record(
                    tenant,
                    Kind::QueueDay,
                    &queue.id,
                    &date,
                    &date,
                    cells,
                ));
            }
        }
    }
    let mut agents: Vec<_> = floor.agents.iter().collect();
    agents.sort_by(|a, b| a.id.cmp(&b.id));
    for agent in agents {
        let credited_to = closed_until.min(events_until);
        let intervals = closed_agent_intervals(agent, (closed_until, credited_to), &mut calendar);
        let mut days: BTreeMap<Millis, Vec<&AgentInterval>> = BTreeMap::new();
        for (&start, interval) in intervals.range(complete_from..) {
            let day = calendar.day(start).start;
            days.entry(day).or_default().push(interval);
            let cells = report::agent_row(tenant, &agent.id, start, interval);
            let date = dates.of(&calendar, day);
            records.push(interval_record(
                tenant,
                Kind::Agent,
                &agent.id,
                start,
                date,
                cells,
            ));
        }
        for (day, of_day) in days {
            if day_closed(&mut calendar, day, closed) {
                let cells = scorecard::day_card(tenant, agent, day, of_day, floor, settings);
                let date = calendar.local_date(day);
                records.push(record(
                    tenant,
                    Kind::AgentDay,
                    &agent.id,
                    &date,
                    &date,
                    cells,
                ));
            }
        }
    }
    records
}

/// The agent's intervals that ended by `closed_until` and hold anything, with the time of its current
/// state credited up to `credited_to`.
fn closed_agent_intervals(
    agent: &Agent,
    (closed_until, credited_to): (Millis, Millis),
    calendar: &mut Calendar,
) -> BTreeMap<Millis, AgentInterval> {
    let Some(kept) = &agent.intervals else {
        return BTreeMap::new();
    };
    let mut closed: BTreeMap<Millis, AgentInterval> = (kept.iter())
        .take_while(|(start, _)| *start < closed_until)
        .collect();
    let state = agent.state();
    let from = agent.credited_until();
    if state != crate::center::agent::TimeState::LoggedOut && from != Millis::MIN {
        split_span(
            from,
            credited_to,
            |time| calendar.interval(time),
            |span, ms| closed.entry(span.start).or_default().times.add(state, ms),
        );
    }
    closed.retain(|_, interval| *interval != AgentInterval::default());
    closed
}

/// Local dates by day start, each formatted once a build (every interval of a day has its date).
#[derive(Default)]
struct Dates(BTreeMap<Millis, String>);

impl Dates {
    fn of(&mut self, calendar: &Calendar, day: Millis) -> &str {
        self.0
            .entry(day)
            .or_insert_with(|| calendar.local_date(day))
    }
}

/// Whether the day starting at `day` is closed: ended by the closing instant, and begun where the floor
/// is complete.
fn day_closed(calendar: &mut Calendar, day: Millis, closed: Closed) -> bool {
    calendar.day(day).end <= closed.closing && day >= closed.complete_from
}

/// The record of the interval starting at `start`, keyed by its RFC 3339 start, of the local `date`.
fn interval_record(
    tenant: &str,
    kind: Kind,
    subject: &str,
    start: Millis,
    date: &str,
    cells: Vec<Cell>,
) -> Record {
    record(
        tenant,
        kind,
        subject,
        &report::interval_time(start),
        date,
        cells,
    )
}

fn record(
    tenant: &str,
    kind: Kind,
    subject: &str,
    start: &str,
    date: &str,
    cells: Vec<Cell>,
) -> Record {
    let format = (VALUE_FORMATS.iter())
        .find(|format| format.kind == kind)
        .expect("records are of the row kinds");
    let mut value = String::with_capacity(512);
    value.push_str(&format.opening);
    report::push_json_string(&mut value, date);
    report::push_json_fields(&mut value, &format.keys, &cells);
    value.push('}');
    Record {
        key: key(tenant, kind, subject, start),
        value,
    }
}

#[cfg(test)]
#[path = "rows_tests.rs"]
mod tests;
