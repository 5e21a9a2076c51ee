//! The simulator's day written as TaskRouter Event Streams CloudEvents (`decode::twilio::write`, as
//! `callboard simulate --format twilio_taskrouter` writes it) and read back through the adapter gives
//! the queue report of the same day in v1, but for what TaskRouter cannot carry.

mod common;

use callboard::center::settings::CenterSettings;
use callboard::decode::twilio::write::TaskRouterWriter;
use callboard::decode::twilio::{TaskRouterAdapter, TaskRouterOptions};
use callboard::decode::DecodeLimits;
use callboard::event::{Event, EventKind, Id};
use callboard::sim::{simulate, SimOptions};
use callboard::tenants::Tenants;

/// The queue report's columns but `avg_talk_seconds` (14) and `avg_hold_seconds` (15): TaskRouter has
/// no hold events (hold belongs to the voice call, not the task), so a held call's talk includes its
/// hold and its hold is 0. Every other column is carried: queue entries, answers (accepted
/// reservations), abandons (canceled `hangup`), transfers (a new task in the target queue) and the end
/// of wrap-up (`task.completed`), so handle times and the interval a call is handled in are the v1
/// day's.
fn carried(rows: &[String]) -> Vec<String> {
    rows.iter()
        .map(|row| {
            let fields: Vec<&str> = row.split(',').collect();
            [&fields[..14], &fields[16..]].concat().join(",")
        })
        .collect()
}

/// The `call.transferred` events the adapter makes of `lines`.
fn adapted_transfers(lines: &[u8]) -> u64 {
    let mut adapter = TaskRouterAdapter::new(TaskRouterOptions::default());
    let mut events = Vec::new();
    for line in lines
        .split(|&byte| byte == b'\n')
        .filter(|line| !line.is_empty())
    {
        adapter.adapt_into(line, &mut events).unwrap();
    }
    let transferred = events
        .iter()
        .filter(|event| matches!(event.kind, EventKind::CallTransferred { .. }))
        .count();
    transferred as u64
}

#[test]
fn the_simulated_day_as_taskrouter_events_gives_the_queue_report_of_the_same_day_in_v1() {
    let options = SimOptions {
        second_resolution: true,
        ..SimOptions::default()
    };
    let lateness = TaskRouterAdapter::REQUIRED_LATENESS_MS;
    let settings_of = std::sync::Arc::new(move |_: &str| CenterSettings {
        lateness_ms: lateness,
        interval_retention_days: None,
        ..CenterSettings::default()
    });
    let mut v1 = Tenants::new(settings_of, DecodeLimits::default());
    let (mut lines, mut writer, mut tag) = (Vec::new(), TaskRouterWriter::new(), 0);
    let mut transfers = 0;
    simulate(&options, |event: Event| {
        tag += 1;
        transfers += u64::from(matches!(event.kind, EventKind::CallTransferred { .. }));
        writer.write(&event, &mut lines);
        v1.ingest(event, tag);
    });
    v1.finish();
    let mut adapter = TaskRouterAdapter::new(TaskRouterOptions {
        tenant: Id::from("acme"),
        ..TaskRouterOptions::default()
    });
    let (from_taskrouter, skipped) = common::read_adapted(&lines, &mut adapter, lateness);
    // Every record is used: a transfer's task.transfer-initiated makes the first task's wrap-up a
    // call.transferred, its task.transfer-completed adds nothing after it, and the new task (same
    // call_sid) is the same call.
    assert!(transfers > 50, "a day has transfers: {transfers}");
    assert_eq!(skipped, 0);
    let transferred = adapted_transfers(&lines);
    assert_eq!(transferred, transfers);
    assert_eq!(from_taskrouter.totals().1.total(), 0);
    let (expected, actual) = (common::queue_csv(&v1), common::queue_csv(&from_taskrouter));
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

/// The same through the command line: `simulate --format twilio_taskrouter` read back by `report
/// --input-format twilio_taskrouter` gives the report of `simulate` (v1) read by `report`, but for the columns
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
        &[&day[..], &["--format", "twilio_taskrouter"]].concat(),
        b"",
    );
    let expected = common::callboard_on_stdin(&["report", "--input", "-"], &v1);
    let actual = common::callboard_on_stdin(
        &[
            "report",
            "--input",
            "-",
            "--input-format",
            "twilio_taskrouter",
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
