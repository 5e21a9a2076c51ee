//! The local dates a report read from Kafka covers (`report --brokers --from --to`), pure: each
//! tenant's range as instants in its own time zone (a daylight-saving day is 23 or 25 hours long), the
//! stretch of the topic that must be read for it, and the rows the report keeps. Knows no Kafka and
//! reads no clock.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use chrono_tz::Tz;

use super::{Cell, Table};
use crate::center::calendar::{Calendar, Span};
use crate::center::settings::HOUR;
use crate::decode::time::parse_rfc3339;
use crate::event::Millis;

/// Local dates `[from, to)`: `to` is the first day not reported, so `--from 2026-11-01 --to
/// 2026-11-08` is one week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    from: NaiveDate,
    to: NaiveDate,
}

impl DateRange {
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<DateRange, String> {
        if from < to {
            Ok(DateRange { from, to })
        } else {
            let next = from.succ_opt().unwrap_or(from);
            Err(format!(
                "--to {to} must be after --from {from}: --to is the first day not reported \
                 (one day is --from {from} --to {next})"
            ))
        }
    }

    /// The range in `zone`: from the start of local day `from` to the start of local day `to`.
    pub fn span_in(&self, zone: Tz) -> Span {
        Span {
            start: date_start(zone, self.from),
            end: date_start(zone, self.to),
        }
    }
}

/// The first instant of local date `date` in `zone`: its midnight, or where a daylight-saving change
/// skips midnight, the first time that exists.
pub fn date_start(zone: Tz, date: NaiveDate) -> Millis {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    let days = date.signed_duration_since(epoch).num_days();
    Calendar::new(zone, 0, HOUR).local_day_start(days)
}

/// The range of each tenant reported, in its time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantRanges {
    named: BTreeMap<String, Span>,
    /// The range of a tenant not named; `None`: only the named tenants are reported (`--tenant`).
    others: Option<Span>,
}

impl TenantRanges {
    /// `named`: tenants with their time zones; `others`: the zone of any other tenant, or `None` to
    /// report the named tenants only.
    pub fn new(
        range: DateRange,
        named: impl IntoIterator<Item = (String, Tz)>,
        others: Option<Tz>,
    ) -> TenantRanges {
        TenantRanges {
            named: named
                .into_iter()
                .map(|(tenant, zone)| (tenant, range.span_in(zone)))
                .collect(),
            others: others.map(|zone| range.span_in(zone)),
        }
    }

    /// The range of `tenant`, or `None` when it is not reported.
    pub fn span_of(&self, tenant: &str) -> Option<Span> {
        self.named.get(tenant).copied().or(self.others)
    }

    /// From the earliest start to the latest end of any tenant's range (`None`: no tenant at all).
    pub fn bounds(&self) -> Option<Span> {
        let spans = self.named.values().chain(self.others.as_ref());
        spans.copied().reduce(|a, b| Span {
            start: a.start.min(b.start),
            end: a.end.max(b.end),
        })
    }

    /// Whether the row of `tenant`'s interval starting at `interval_start` is reported.
    pub fn keeps(&self, tenant: &str, interval_start: Millis) -> bool {
        self.span_of(tenant)
            .is_some_and(|span| span.contains(interval_start))
    }

    /// Keeps the rows whose interval starts within their tenant's range; a row without a readable
    /// tenant or interval start is dropped. A table of periods (scorecards, no `interval_start`) is
    /// left alone: it was summed from the intervals in range only.
    pub fn retain_rows(&self, table: &mut Table) {
        let column = |name: &str| table.header.iter().position(|column| *column == name);
        let Some(start) = column("interval_start") else {
            return;
        };
        let Some(tenant) = column("tenant") else {
            table.rows.clear();
            return;
        };
        table
            .rows
            .retain(|row| match (row.get(tenant), row.get(start)) {
                (Some(Cell::Text(tenant)), Some(Cell::Text(start))) => {
                    parse_rfc3339(start).is_some_and(|start| self.keeps(tenant, start))
                }
                _ => false,
            });
    }
}

/// What of the topic is read: each partition from `read_from` (a lead-in before the earliest range
/// start, so a call begun before it is whole) until a message is stamped after `read_until` (the
/// latest range end plus the allowed lateness, so late events of the range's last interval count).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadWindow {
    pub read_from: Millis,
    /// The earliest instant any tenant's range starts: records deleted after it mean a lost range.
    pub range_start: Millis,
    pub read_until: Millis,
}

impl ReadWindow {
    pub fn new(bounds: Span, lead_in_ms: Millis, lateness_ms: Millis) -> ReadWindow {
        ReadWindow {
            read_from: bounds.start.saturating_sub(lead_in_ms.max(0)),
            range_start: bounds.start,
            read_until: bounds.end.saturating_add(lateness_ms.max(0)),
        }
    }
}

#[cfg(test)]
mod tests;
