//! The Amazon Connect contact-record (CTR) adapter end to end through `callboard report
//! --input-format amazon_connect_ctr`: a hand-written morning
//! (`tests/scenarios/amazon_connect/ctr_morning.jsonl`, records in the shape of AWS's contact-record
//! data model, one per line, in delivery order, phone numbers masked) whose report is worked out by
//! hand below.

mod common;

use std::process::Output;

const MORNING: &str = "tests/scenarios/amazon_connect/ctr_morning.jsonl";

fn callboard(args: &[&str]) -> Output {
    let mut command = common::callboard_command();
    command
        .args(args)
        .args(["--input", MORNING, "--input-format", "amazon_connect_ctr"])
        .args(["--tenant", "acme"]);
    common::succeeded(command)
}

// The morning of tenant acme (2026-11-23, UTC; threshold 20 s, short-abandon limit 5 s; 15-minute
// intervals). Contacts by their ContactId's last digits; records in delivery order, each after its
// contact ended:
//   …02 support  enqueued 09:03:00, never connected, CUSTOMER_DISCONNECT, dequeued 09:03:50 →
//                abandoned (wait 50, not short)
//   …01 support  enqueued 09:00:30, ana connected 09:00:42 (wait 12, within); CustomerHoldDuration 60
//                (2 holds); after-contact work 09:05:42–09:06:12 → ended 09:05:42, completed 09:06:12:
//                talk 300 − 60 = 240, hold 60, wrap-up 30, handle 330 (the hold is placed as one,
//                09:04:42–09:05:42: inside the interval, so no figure depends on the placement)
//   …04 sales    enqueued 09:12:00, dequeued 09:13:00, CONTACT_FLOW_DISCONNECT → dequeued
//   …03 support  enqueued 09:07:00, ben connected 09:07:30 (wait 30, not within);
//                TransferCompletedTimestamp 09:10:30 → transferred (talk 180); after-contact work to
//                09:10:45 (wrap-up 15, handle 195). DisconnectTimestamp 09:16:00 is the customer
//                leaving the transfer, not ben.
//   …0a sales    the transfer's contact (InitialContactId …03: one call): enqueued 09:10:32, cleo
//                connected 09:10:40 (wait 8, within); after-contact work 09:16:00–09:16:20 → talk 320,
//                wrap-up 20, handle 340, completed in the 09:15 interval
//   …06 support  enqueued 09:22:00, CUSTOMER_DISCONNECT 09:22:03 → abandoned (wait 3: short)
//   …05 support  enqueued 09:20:00, ana connected 09:20:10 (wait 10, within), after-contact work from
//                09:24:10; its first record (LastUpdateTimestamp 09:25:11) has no end of it (wrap-up 0,
//                handle 240), the re-send two days later (11-25 04:09:47) ends it 09:24:50: wrap-up 40,
//                handle 280 — the newer wins; the first record, delivered again last, stays superseded
//                (2 records superseded)
//   Skipped: an IVR-only contact (no Queue), a CHAT contact, ben's OUTBOUND call (3). Rejected: a
//   record without ContactId (missing_field) and a line cut short (malformed_json).
//   Events applied: …01 6 (queued, answered, held, resumed, ended, completed), …02 2, …03 4, …0a 4,
//   …04 2, …05 4, …06 2 = 24.
//
// support 09:00: offered …01 …02 …03 = 3; answered …01 …03 = 2, within …01 = 1; abandoned …02 = 1,
//   short 0; dequeued 0; handled …01 …03 = 2; SL 1 / (2 + 1 − 0) = 0.333333; abandon rate
//   1 / (2 + 1 + 0) = 0.333333; ASA (12 + 30) / 2 = 21; AHT (330 + 195) / 2 = 262.5; talk
//   (240 + 180) / 2 = 210; hold (60 + 0) / 2 = 30; wrap-up (30 + 15) / 2 = 22.5; max wait 50 (…02).
// support 09:15: offered …05 …06 = 2; answered …05 = 1, within 1; abandoned …06 = 1, short 1; handled
//   …05 = 1; SL 1 / (1 + 1 − 1) = 1; abandon rate 1 / 2 = 0.5; ASA 10; AHT 280, talk 240, hold 0,
//   wrap-up 40; max wait 10 (…05; …06 waited 3).
// sales 09:00: offered …0a …04 = 2; answered …0a = 1, within 1; dequeued …04 = 1; handled 0; SL
//   1 / 1 = 1; abandon rate 0 / (1 + 0 + 1) = 0; ASA 8; no handle averages; max wait 8 (a dequeue's
//   wait is not a wait).
// sales 09:15: nothing offered; handled …0a = 1: AHT 340, talk 320, hold 0, wrap-up 20; no wait.
#[test]
fn a_morning_of_contact_records_gives_the_report_worked_out_by_hand() {
    let output = callboard(&["report", "--interval", "15m", "--format", "csv"]);
    let csv = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        csv.lines().collect::<Vec<_>>(),
        [
            "tenant,queue,interval_start,offered,answered,answered_within_threshold,abandoned,short_abandoned,dequeued,handled,service_level,abandon_rate,asa_seconds,aht_seconds,avg_talk_seconds,avg_hold_seconds,avg_wrap_up_seconds,max_wait_seconds",
            "acme,sales,2026-11-23T09:00:00Z,2,1,1,0,0,1,0,1,0,8,,,,,8",
            "acme,sales,2026-11-23T09:15:00Z,0,0,0,0,0,0,1,,,,340,320,0,20,",
            "acme,support,2026-11-23T09:00:00Z,3,2,1,1,0,0,2,0.333333,0.333333,21,262.5,210,30,22.5,50",
            "acme,support,2026-11-23T09:15:00Z,2,1,1,1,1,0,1,1,0.5,10,280,240,0,40,10",
        ]
    );
    let summary = String::from_utf8(output.stderr).unwrap();
    assert!(
        summary.contains(
            "24 events applied, 2 rejected (malformed_json 1, missing_field 1), \
             3 contact records skipped (no callboard meaning), \
             2 contact records superseded by a newer one"
        ),
        "{summary}"
    );
}

// Per agent, time in each state lands in the interval it was spent in (handled at the completion):
//   ana 09:00: …01 handled; talk 240, hold 60 (placed 09:04:42–09:05:42, before her part ends at
//              09:05:42: the record tells the hold's total only), wrap-up 30
//   ana 09:15: …05 handled; talk 240, wrap-up 40 (the re-send's)
//   ben 09:00: …03 handled; talk 180 (to the transfer), wrap-up 15; 09:15: nothing
//   cleo 09:00: talk 260 (09:10:40–09:15:00), not yet handled; 09:15: talk 60 (to 09:16:00),
//              wrap-up 20, …0a handled
// (only handled, talk, hold and wrap-up are asserted: available and logged-in time of agents known
// only from calls are the engine's, not the adapter's.)
#[test]
fn the_morning_per_agent_places_the_hold_before_the_agent_part_ends() {
    let output = callboard(&["report", "--interval", "15m", "--by", "agent"]);
    let csv = String::from_utf8(output.stdout).unwrap();
    let rows: Vec<String> = csv
        .lines()
        .map(|row| row.split(',').take(7).collect::<Vec<_>>().join(","))
        .collect();
    assert_eq!(
        rows,
        [
            "tenant,agent,interval_start,handled,talk_seconds,hold_seconds,wrap_up_seconds",
            "acme,ana,2026-11-23T09:00:00Z,1,240,60,30",
            "acme,ana,2026-11-23T09:15:00Z,1,240,0,40",
            "acme,ben,2026-11-23T09:00:00Z,1,180,0,15",
            "acme,ben,2026-11-23T09:15:00Z,0,0,0,0",
            "acme,cleo,2026-11-23T09:00:00Z,0,260,0,0",
            "acme,cleo,2026-11-23T09:15:00Z,1,60,0,20",
        ]
    );
}

#[test]
fn simulate_refuses_to_write_contact_records() {
    let output = common::callboard_command()
        .args(["simulate", "--format", "amazon_connect_ctr"])
        .output()
        .expect("callboard runs");
    assert_eq!(output.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not amazon_connect_ctr"));
}
