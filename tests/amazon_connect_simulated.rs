//! The simulator's day written as Amazon Connect contact events (`decode::amazon_connect::write`, as
//! `callboard simulate --format amazon_connect_contact_events` writes it) and read back through the
//! adapter gives the queue report of the same day in v1, but for what contact events cannot carry.

mod common;

use callboard::center::settings::CenterSettings;
use callboard::decode::amazon_connect::write::ContactEventsWriter;
use callboard::decode::amazon_connect::{ContactEventsAdapter, ContactEventsOptions};
use callboard::decode::DecodeLimits;
use callboard::event::{Event, EventKind, Id};
use callboard::sim::{simulate, SimOptions};
use callboard::tenants::Tenants;

/// The queue report's columns but `avg_talk_seconds` (14) and `avg_hold_seconds` (15): Connect's
/// contact events carry no hold (hold is in the contact record, not in the event feed), so a held
/// call's talk includes its hold and its hold is 0. Every other column is carried: queue entries,
/// answers, abandons (CUSTOMER_DISCONNECT in queue), transfers (a new contact chained by
/// initialContactId) and the end of after-contact work (COMPLETED), so handle times and the interval a
/// call is handled in are the v1 day's.
fn carried(rows: &[String]) -> Vec<String> {
    rows.iter()
        .map(|row| {
            let fields: Vec<&str> = row.split(',').collect();
            [&fields[..14], &fields[16..]].concat().join(",")
        })
        .collect()
}

#[test]
fn the_simulated_day_as_contact_events_gives_the_queue_report_of_the_same_day_in_v1() {
    let options = SimOptions {
        second_resolution: true,
        ..SimOptions::default()
    };
    let lateness = ContactEventsAdapter::REQUIRED_LATENESS_MS;
    let settings_of = std::sync::Arc::new(move |_: &str| CenterSettings {
        lateness_ms: lateness,
        interval_retention_days: None,
        ..CenterSettings::default()
    });
    let mut v1 = Tenants::new(settings_of, DecodeLimits::default());
    let (mut lines, mut writer, mut tag) = (Vec::new(), ContactEventsWriter::new(), 0);
    let mut left_unanswered = 0;
    simulate(&options, |event: Event| {
        tag += 1;
        if matches!(
            event.kind,
            EventKind::CallAbandoned { .. } | EventKind::CallDequeued { .. }
        ) {
            left_unanswered += 1;
        }
        writer.write(&event, &mut lines);
        v1.ingest(event, tag);
    });
    v1.finish();
    let mut adapter = ContactEventsAdapter::new(ContactEventsOptions {
        tenant: Id::from("acme"),
        ..ContactEventsOptions::default()
    });
    let (from_connect, skipped) = common::read_adapted(&lines, &mut adapter, lateness);
    // The only records without callboard meaning: the COMPLETED that follows the DISCONNECTED of a
    // contact that left its queue unanswered (no after-contact work to end).
    assert!(
        left_unanswered > 50,
        "a day has abandons: {left_unanswered}"
    );
    assert_eq!(skipped, left_unanswered);
    assert_eq!(from_connect.totals().1.total(), 0);
    let (expected, actual) = (common::queue_csv(&v1), common::queue_csv(&from_connect));
    assert!(
        expected.len() > 300,
        "a day of intervals: {}",
        expected.len()
    );
    let (expected_rows, actual_rows) = (carried(&expected), carried(&actual));
    for (expected_row, actual_row) in expected_rows.iter().zip(&actual_rows) {
        assert_eq!(actual_row, expected_row);
    }
    assert_eq!(actual_rows.len(), expected_rows.len());
}

/// The same through the command line: `simulate --format amazon_connect_contact_events` read back by `report
/// --input-format amazon_connect_contact_events` gives the report of `simulate` (v1) read by `report`, but for the columns
/// the format cannot carry.
#[test]
fn simulate_in_the_format_and_report_from_it_give_the_v1_days_report() {
    let day = [
        "simulate",
        "--seed",
        "3",
        "--hours",
        "12",
        "--second-resolution",
    ];
    let v1 = common::callboard_on_stdin(&day, b"");
    let in_format = common::callboard_on_stdin(
        &[&day[..], &["--format", "amazon_connect_contact_events"]].concat(),
        b"",
    );
    let expected = common::callboard_on_stdin(&["report", "--input", "-"], &v1);
    let actual = common::callboard_on_stdin(
        &[
            "report",
            "--input",
            "-",
            "--input-format",
            "amazon_connect_contact_events",
            "--tenant",
            "acme",
        ],
        &in_format,
    );
    let rows = |csv: &[u8]| -> Vec<String> {
        String::from_utf8(csv.to_vec())
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    };
    let (expected, actual) = (carried(&rows(&expected)), carried(&rows(&actual)));
    assert!(
        expected.len() > 100,
        "half a day of intervals: {}",
        expected.len()
    );
    assert_eq!(actual, expected);
}
