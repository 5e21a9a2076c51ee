//! The Amazon Connect contact-events adapter end to end: a hand-written morning
//! (`tests/scenarios/amazon_connect/morning.jsonl`, EventBridge events as AWS documents them, one per
//! line, in delivery order) whose report is worked out by hand below.

mod common;

use std::path::Path;

use callboard::decode::amazon_connect::{ContactEventsAdapter, ContactEventsOptions};
use callboard::event::{Id, RejectReason};

// The morning of tenant acme (2026-11-23, UTC; threshold 20 s, short-abandon limit 5 s). Queue ARNs
// are named support (by its full ARN) and sales (by its id q-sales-0002); agents are known by their
// ARNs' last segment: ana, ben, cleo. Lines in delivery order:
//   c1  support queued 09:01:00, ana connected 09:01:10 (wait 10, within), disconnected 09:05:10
//       (talk 240; the DISCONNECTED is delivered twice → 1 duplicate), COMPLETED with after-contact
//       work ending 09:05:40 → handled, wrap-up 30, handle 270
//   c2  support queued 09:02:00, CUSTOMER_DISCONNECT 09:02:45 → abandoned (wait 45, not short)
//   c3  support: its CONNECTED_TO_AGENT (ben, 09:03:04) is delivered before its QUEUED (09:03:00):
//       the first tells the queue entry from queueInfo.enqueueTimestamp, the late QUEUED is a
//       duplicate (2nd); wait 4, within. ben disconnects 09:05:04 (talk 120), after-contact work
//       ends 09:05:14 → handled in support, wrap-up 10, handle 130.
//   c3t the transfer: a new contact whose initialContactId is c3, so call c3 queues in sales 09:05:05,
//       cleo connected 09:05:20 (wait 15, within), disconnected 09:08:20 (talk 180), work ends
//       09:08:30 → handled in sales, wrap-up 10, handle 190
//   c4  sales queued 09:06:00, CONTACT_FLOW_DISCONNECT 09:07:00 → dequeued
//   c5  sales queued 09:09:00, CUSTOMER_DISCONNECT 09:09:03 → abandoned (wait 3: short)
//   Skipped: INITIATED of c1, a CHAT contact's QUEUED, an IVR-only DISCONNECTED (3). Rejected: the
//   truncated last line (malformed_json) and the 2 duplicates.
//
// support 09:00: offered c1 c2 c3 = 3; answered c1 c3 = 2, both within; abandoned c2 = 1, short 0;
//   dequeued 0; handled c1 c3 = 2: AHT (270 + 130) / 2 = 200, talk (240 + 120) / 2 = 180, hold 0,
//   wrap-up (30 + 10) / 2 = 20; SL 2 / (2 + 1 − 0) = 0.666667; abandon rate 1 / 3 = 0.333333;
//   ASA (10 + 4) / 2 = 7; max wait 45 (c2).
// sales 09:00: offered c3 c4 c5 = 3; answered c3 = 1, within; abandoned c5 = 1, short 1; dequeued
//   c4 = 1; handled c3 = 1: AHT 190, talk 180, hold 0, wrap-up 10; SL 1 / (1 + 1 − 1) = 1; abandon
//   rate 1 / 3 = 0.333333; ASA 15; max wait 15 (c3; c5 waited 3, a dequeue's wait is not a wait).
const MORNING_ROWS: [&str; 2] = [
    "acme,sales,2026-11-23T09:00:00Z,3,1,1,1,1,1,1,1,0.333333,15,190,180,0,10,15",
    "acme,support,2026-11-23T09:00:00Z,3,2,2,1,0,0,2,0.666667,0.333333,7,200,180,0,20,45",
];

#[test]
fn a_morning_of_contact_events_gives_the_report_worked_out_by_hand() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/amazon_connect/morning.jsonl");
    let names = [
        (
            "arn:aws:connect:eu-west-1:111122223333:instance/inst-1/queue/q-support-0001",
            "support",
        ),
        ("q-sales-0002", "sales"),
    ];
    let options = ContactEventsOptions {
        tenant: Id::from("acme"),
        names: names
            .into_iter()
            .map(|(arn, name)| (arn.to_string(), Id::from(name)))
            .collect(),
        ..ContactEventsOptions::default()
    };
    let mut adapter = ContactEventsAdapter::new(options);
    let lateness = ContactEventsAdapter::REQUIRED_LATENESS_MS;
    let (tenants, skipped) =
        common::read_adapted(&std::fs::read(path).unwrap(), &mut adapter, lateness);
    let csv = common::queue_csv(&tenants);
    assert_eq!(csv[1..], MORNING_ROWS);
    assert_eq!(skipped, 3);
    let (_, rejected) = tenants.totals();
    assert_eq!(rejected.get(RejectReason::Duplicate), 2);
    assert_eq!(rejected.get(RejectReason::MalformedJson), 1);
    assert_eq!(rejected.total(), 3);
}
