//! Calendar arithmetic in a tenant's time zone: the report interval and the `today` day containing an
//! instant. Intervals are aligned to the local hour, days start at a configurable local hour; both are
//! cached because nearly every event falls in the interval of the one before.

use chrono::{Datelike, NaiveDate, Offset, TimeZone};
use chrono_tz::Tz;

use super::settings::HOUR;
use crate::event::Millis;

const DAY: Millis = 24 * HOUR;

/// A half-open span of time `[start, end)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Span {
    pub start: Millis,
    pub end: Millis,
}

impl Span {
    pub fn contains(&self, time: Millis) -> bool {
        self.start <= time && time < self.end
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Calendar {
    #[serde(with = "super::persist::time_zone")]
    time_zone: Tz,
    day_start_hour: u32,
    interval_ms: Millis,
    #[serde(skip)]
    last_interval: Span,
    #[serde(skip)]
    last_day: Span,
}

impl Calendar {
    pub fn new(time_zone: Tz, day_start_hour: u32, interval_ms: Millis) -> Self {
        debug_assert!(
            interval_ms > 0 && HOUR % interval_ms == 0,
            "intervals divide the hour"
        );
        let empty = Span { start: 0, end: 0 };
        Calendar {
            time_zone,
            day_start_hour,
            interval_ms,
            last_interval: empty,
            last_day: empty,
        }
    }

    pub fn interval_ms(&self) -> Millis {
        self.interval_ms
    }

    pub fn time_zone(&self) -> Tz {
        self.time_zone
    }

    pub fn day_start_hour(&self) -> u32 {
        self.day_start_hour
    }

    fn offset_ms(&self, time: Millis) -> Millis {
        let utc = chrono::DateTime::from_timestamp_millis(time)
            .unwrap_or_default()
            .naive_utc();
        let offset = self.time_zone.offset_from_utc_datetime(&utc).fix();
        Millis::from(offset.local_minus_utc()) * 1000
    }

    /// The report interval containing `time`, aligned to the local hour. Offsets change on whole (or at
    /// least half) hours, so one interval never straddles a change and the local alignment is exact.
    pub fn interval(&mut self, time: Millis) -> Span {
        if self.last_interval.contains(time) {
            return self.last_interval;
        }
        let local = time + self.offset_ms(time);
        let start = time - local.rem_euclid(self.interval_ms);
        self.last_interval = Span {
            start,
            end: start + self.interval_ms,
        };
        self.last_interval
    }

    /// The tenant's day containing `time`: from the configured local hour to the same hour the next day
    /// (23 or 25 hours long across a daylight-saving change).
    pub fn day(&mut self, time: Millis) -> Span {
        if self.last_day.contains(time) {
            return self.last_day;
        }
        let shifted = time + self.offset_ms(time) - Millis::from(self.day_start_hour) * HOUR;
        let local_day = shifted.div_euclid(DAY);
        let start = self.local_day_start(local_day);
        let end = self.local_day_start(local_day + 1);
        self.last_day = Span { start, end };
        self.last_day
    }

    /// The local date (`2026-12-01`) of `time`: the calendar date, not the business day.
    pub fn local_date(&self, time: Millis) -> String {
        let utc = chrono::DateTime::from_timestamp_millis(time).unwrap_or_default();
        utc.with_timezone(&self.time_zone)
            .date_naive()
            .format("%Y-%m-%d")
            .to_string()
    }

    /// The local month containing `time`: from the day start of its first day to that of the next
    /// month's first.
    pub fn month(&mut self, time: Millis) -> Span {
        let start = self.day(time).start;
        let date = chrono::DateTime::from_timestamp_millis(start)
            .unwrap_or_default()
            .with_timezone(&self.time_zone)
            .date_naive();
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
        let first = date.with_day(1).unwrap_or(date);
        let next = first
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(first);
        Span {
            start: self.local_day_start((first - epoch).num_days()),
            end: self.local_day_start((next - epoch).num_days()),
        }
    }

    /// The local week (Monday to Sunday, each day from the day start hour) containing `time`.
    pub fn week(&mut self, time: Millis) -> Span {
        let shifted = time + self.offset_ms(time) - Millis::from(self.day_start_hour) * HOUR;
        let local_day = shifted.div_euclid(DAY);
        // 1970-01-01 was a Thursday: three days after a Monday.
        let monday = local_day - (local_day + 3).rem_euclid(7);
        Span {
            start: self.local_day_start(monday),
            end: self.local_day_start(monday + 7),
        }
    }

    /// UTC instant at which local day number `days` (since 1970-01-01) starts.
    pub fn local_day_start(&self, days: i64) -> Millis {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
        let date = epoch
            .checked_add_signed(chrono::TimeDelta::days(days))
            .unwrap_or(epoch);
        let mut local = date
            .and_hms_opt(self.day_start_hour, 0, 0)
            .unwrap_or_default();
        // A start hour skipped by a daylight-saving gap begins at the first instant that exists.
        for _ in 0..4 {
            if let Some(instant) = self.time_zone.from_local_datetime(&local).earliest() {
                return instant.timestamp_millis();
            }
            local += chrono::TimeDelta::minutes(30);
        }
        local.and_utc().timestamp_millis()
    }
}

/// A value that belongs to one tenant day and starts over on the next.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Daily<T> {
    pub day_start: Millis,
    pub value: T,
}

impl<T: Default> Daily<T> {
    /// The value for the day starting at `day_start`: reset when that day is newer; `None` for an older
    /// day, whose totals are gone.
    pub fn for_day(&mut self, day_start: Millis) -> Option<&mut T> {
        if day_start > self.day_start {
            *self = Daily {
                day_start,
                value: T::default(),
            };
        }
        (day_start == self.day_start).then_some(&mut self.value)
    }

    /// The value if it belongs to the day starting at `day_start`.
    pub fn of_day(&self, day_start: Millis) -> Option<&T> {
        (day_start == self.day_start).then_some(&self.value)
    }
}

/// Splits `[from, to)` at the boundaries of the spans `span_of` yields (intervals, days), calling
/// `credit(span, ms)` with each span and the time of `[from, to)` inside it: time in a state is credited
/// to every interval it overlaps, exactly.
pub fn split_span(
    from: Millis,
    to: Millis,
    mut span_of: impl FnMut(Millis) -> Span,
    mut credit: impl FnMut(Span, u64),
) {
    let mut start = from;
    while start < to {
        let span = span_of(start);
        let end = span.end.min(to).max(start + 1);
        credit(span, (end - start) as u64);
        start = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::center::settings::MINUTE;

    fn utc(text: &str) -> Millis {
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap()
            .timestamp_millis()
    }

    #[test]
    fn intervals_align_to_the_local_hour_in_a_half_hour_zone() {
        // Kolkata is UTC+05:30: local 10:07 is 04:37Z, its local 15-minute interval is 10:00–10:15 local
        // = 04:30Z–04:45Z.
        let mut calendar = Calendar::new(chrono_tz::Asia::Kolkata, 0, 15 * MINUTE);
        let span = calendar.interval(utc("2026-11-23T04:37:00Z"));
        assert_eq!(
            span,
            Span {
                start: utc("2026-11-23T04:30:00Z"),
                end: utc("2026-11-23T04:45:00Z")
            }
        );
    }

    #[test]
    fn day_starts_at_local_midnight_and_at_a_configured_hour() {
        // Berlin is UTC+1 in November: local midnight of the 23rd is 22:00Z on the 22nd.
        let mut berlin = Calendar::new(chrono_tz::Europe::Berlin, 0, 15 * MINUTE);
        let day = berlin.day(utc("2026-11-22T23:30:00Z"));
        assert_eq!(
            day,
            Span {
                start: utc("2026-11-22T23:00:00Z"),
                end: utc("2026-11-23T23:00:00Z")
            }
        );
        // With a 04:00 cut-over, 02:00 local on the 24th still belongs to the 23rd's day.
        let mut late_cut = Calendar::new(chrono_tz::Europe::Berlin, 4, 15 * MINUTE);
        let day = late_cut.day(utc("2026-11-24T01:00:00Z"));
        assert_eq!(
            day,
            Span {
                start: utc("2026-11-23T03:00:00Z"),
                end: utc("2026-11-24T03:00:00Z")
            }
        );
    }

    #[test]
    fn a_daylight_saving_day_is_25_hours_long() {
        // Berlin left summer time on 2026-10-25: local midnight was 22:00Z on the 24th, the next 23:00Z.
        let mut berlin = Calendar::new(chrono_tz::Europe::Berlin, 0, 15 * MINUTE);
        let day = berlin.day(utc("2026-10-25T12:00:00Z"));
        assert_eq!(
            day,
            Span {
                start: utc("2026-10-24T22:00:00Z"),
                end: utc("2026-10-25T23:00:00Z")
            }
        );
    }

    #[test]
    fn spans_split_exactly_at_interval_boundaries() {
        let mut calendar = Calendar::new(chrono_tz::UTC, 0, 15 * MINUTE);
        let mut pieces = Vec::new();
        split_span(
            utc("2026-11-23T09:10:00Z"),
            utc("2026-11-23T09:40:00Z"),
            |time| calendar.interval(time),
            |interval, ms| pieces.push((interval.start, ms)),
        );
        let minute = MINUTE as u64;
        assert_eq!(
            pieces,
            vec![
                (utc("2026-11-23T09:00:00Z"), 5 * minute),
                (utc("2026-11-23T09:15:00Z"), 15 * minute),
                (utc("2026-11-23T09:30:00Z"), 10 * minute),
            ]
        );
    }
}
