//! Expected instants were worked out with Python's `zoneinfo` (an independent tz implementation): the
//! first UTC minute whose local date is the day asked.

use super::*;
use crate::report::{Cell, Table, QUEUE_HEADER};

fn utc(text: &str) -> Millis {
    parse_rfc3339(text).expect("a test time")
}

fn date(text: &str) -> NaiveDate {
    text.parse().expect("a test date")
}

fn zone(name: &str) -> Tz {
    name.parse().expect("a test zone")
}

fn range(from: &str, to: &str) -> DateRange {
    DateRange::new(date(from), date(to)).expect("a valid range")
}

#[test]
fn a_day_starts_at_local_midnight_across_daylight_saving_changes() {
    let cases = [
        ("America/New_York", "2026-10-31", "2026-10-31T04:00:00Z"),
        // Summer time ends at 02:00 on 1 November: that day is 25 hours long.
        ("America/New_York", "2026-11-01", "2026-11-01T04:00:00Z"),
        ("America/New_York", "2026-11-02", "2026-11-02T05:00:00Z"),
        ("Europe/Berlin", "2026-10-25", "2026-10-24T22:00:00Z"),
        ("Europe/Berlin", "2026-10-26", "2026-10-25T23:00:00Z"),
        ("Asia/Kolkata", "2026-11-01", "2026-10-31T18:30:00Z"),
        ("UTC", "2026-11-01", "2026-11-01T00:00:00Z"),
        // Chile springs forward at midnight: 6 September begins at 01:00 local (-03).
        ("America/Santiago", "2026-09-06", "2026-09-06T04:00:00Z"),
        ("America/Havana", "2026-03-08", "2026-03-08T05:00:00Z"),
    ];
    for (name, day, expected) in cases {
        assert_eq!(
            date_start(zone(name), date(day)),
            utc(expected),
            "{name} {day}"
        );
    }
}

#[test]
fn to_is_the_first_day_not_reported() {
    let span = range("2026-10-31", "2026-11-03").span_in(zone("America/New_York"));
    assert_eq!(span.start, utc("2026-10-31T04:00:00Z"));
    assert_eq!(span.end, utc("2026-11-03T05:00:00Z"));
    // 24 + 25 + 24 hours: the day summer time ends is one hour longer.
    assert_eq!(span.end - span.start, 73 * HOUR);
    let berlin = range("2026-10-25", "2026-10-26").span_in(zone("Europe/Berlin"));
    assert_eq!(berlin.end - berlin.start, 25 * HOUR);
}

#[test]
fn an_empty_or_reversed_range_is_refused_with_the_one_day_spelling() {
    let same = DateRange::new(date("2026-11-01"), date("2026-11-01")).unwrap_err();
    assert!(same.contains("--from 2026-11-01 --to 2026-11-02"), "{same}");
    assert!(DateRange::new(date("2026-11-02"), date("2026-11-01")).is_err());
}

#[test]
fn each_tenant_is_reported_in_its_own_zone_and_others_in_the_default() {
    let ranges = TenantRanges::new(
        range("2026-11-01", "2026-11-02"),
        [("acme".to_string(), zone("America/New_York"))],
        Some(zone("Europe/Berlin")),
    );
    let acme = ranges.span_of("acme").unwrap();
    assert_eq!(acme.start, utc("2026-11-01T04:00:00Z"));
    assert_eq!(acme.end, utc("2026-11-02T05:00:00Z"));
    let other = ranges.span_of("globex").unwrap();
    assert_eq!(other.start, utc("2026-10-31T23:00:00Z"));
    assert_eq!(other.end, utc("2026-11-01T23:00:00Z"));
    let bounds = ranges.bounds().unwrap();
    assert_eq!(bounds.start, utc("2026-10-31T23:00:00Z"));
    assert_eq!(bounds.end, utc("2026-11-02T05:00:00Z"));
    // The start is kept, the end is not.
    assert!(ranges.keeps("acme", utc("2026-11-01T04:00:00Z")));
    assert!(!ranges.keeps("acme", utc("2026-11-01T03:45:00Z")));
    assert!(ranges.keeps("acme", utc("2026-11-02T04:45:00Z")));
    assert!(!ranges.keeps("acme", utc("2026-11-02T05:00:00Z")));
    assert!(ranges.keeps("globex", utc("2026-10-31T23:00:00Z")));
}

#[test]
fn restricted_to_named_tenants_no_other_is_reported() {
    let ranges = TenantRanges::new(
        range("2026-11-01", "2026-11-02"),
        [("acme".to_string(), zone("UTC"))],
        None,
    );
    assert!(ranges.span_of("globex").is_none());
    assert!(!ranges.keeps("globex", utc("2026-11-01T09:00:00Z")));
    assert!(ranges.keeps("acme", utc("2026-11-01T09:00:00Z")));
    let nobody = TenantRanges::new(range("2026-11-01", "2026-11-02"), [], None);
    assert_eq!(nobody.bounds(), None);
}

#[test]
fn rows_outside_their_tenants_range_or_unreadable_are_dropped() {
    let ranges = TenantRanges::new(
        range("2026-11-01", "2026-11-02"),
        [("acme".to_string(), zone("America/New_York"))],
        None,
    );
    let row = |tenant: &str, start: &str| {
        let mut row = vec![Cell::Empty; QUEUE_HEADER.len()];
        row[0] = Cell::Text(tenant.to_string());
        row[1] = Cell::Text("support".to_string());
        row[2] = Cell::Text(start.to_string());
        row
    };
    let mut table = Table {
        header: &QUEUE_HEADER,
        rows: vec![
            row("acme", "2026-11-01T03:45:00Z"),
            row("acme", "2026-11-01T04:00:00Z"),
            row("acme", "2026-11-02T04:45:00Z"),
            row("acme", "2026-11-02T05:00:00Z"),
            row("globex", "2026-11-01T12:00:00Z"),
            row("acme", "not a time"),
            vec![Cell::Count(3)],
        ],
    };
    ranges.retain_rows(&mut table);
    let starts: Vec<&Cell> = table.rows.iter().map(|row| &row[2]).collect();
    assert_eq!(
        starts,
        [
            &Cell::Text("2026-11-01T04:00:00Z".to_string()),
            &Cell::Text("2026-11-02T04:45:00Z".to_string()),
        ]
    );
}

#[test]
fn the_read_window_adds_the_lead_in_before_and_the_lateness_after() {
    let bounds = Span {
        start: utc("2026-11-01T04:00:00Z"),
        end: utc("2026-11-02T05:00:00Z"),
    };
    let window = ReadWindow::new(bounds, 4 * HOUR, 10_000);
    assert_eq!(window.read_from, utc("2026-11-01T00:00:00Z"));
    assert_eq!(window.range_start, utc("2026-11-01T04:00:00Z"));
    assert_eq!(window.read_until, utc("2026-11-02T05:00:10Z"));
}
