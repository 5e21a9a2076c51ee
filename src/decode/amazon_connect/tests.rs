//! The adapter event type by event type and trap by trap, on EventBridge events written from AWS's
//! contact-events data model (`version`, `id`, `detail-type`, `source`, `time`, `detail` with
//! `eventType`, `contactId`, `initialContactId`, `channel`, `initiationMethod`, `queueInfo`,
//! `agentInfo`, `disconnectTimestamp`, `disconnectReason`). Times are 2026-11-23 from 09:00:00 UTC;
//! expected events are written out by hand.

use serde_json::{json, Value};

use super::*;
use crate::decode::test_support::show;
use crate::event::RejectReason;

const QUEUE_ARN: &str =
    "arn:aws:connect:eu-west-1:111122223333:instance/inst-1/queue/q-support-0001";
const AGENT_ARN: &str =
    "arn:aws:connect:eu-west-1:111122223333:instance/inst-1/agent/agent-ana-0001";

/// `09:MM:SS` of 2026-11-23 as RFC 3339.
fn at(clock: &str) -> String {
    format!("2026-11-23T09:{clock}Z")
}

/// A contact event of `contact` (initial contact `initial`) at envelope time `time`, with `detail`
/// fields merged in.
fn event(event_type: &str, contact: &str, initial: &str, time: &str, detail: Value) -> String {
    let mut body = json!({
        "eventType": event_type, "contactId": contact, "initialContactId": initial,
        "channel": "VOICE", "initiationMethod": "INBOUND",
        "instanceArn": "arn:aws:connect:eu-west-1:111122223333:instance/inst-1",
    });
    for (key, value) in detail.as_object().unwrap() {
        body[key] = value.clone();
    }
    json!({
        "version": "0", "id": format!("{contact}-{event_type}-{time}"),
        "detail-type": "Amazon Connect Contact Event", "source": "aws.connect",
        "account": "111122223333", "time": at(time), "region": "eu-west-1",
        "resources": [], "detail": body,
    })
    .to_string()
}

fn queue_info(enqueued: &str) -> Value {
    json!({"queueType": "STANDARD", "queueArn": QUEUE_ARN, "enqueueTimestamp": at(enqueued)})
}

fn agent_info(connected: &str) -> Value {
    json!({"agentArn": AGENT_ARN, "connectedToAgentTimestamp": at(connected)})
}

fn adapter() -> ContactEventsAdapter {
    let mut names = BTreeMap::new();
    names.insert(QUEUE_ARN.to_string(), Id::from("support"));
    ContactEventsAdapter::new(ContactEventsOptions {
        tenant: Id::from("acme"),
        names,
        ..ContactEventsOptions::default()
    })
}

/// The events of `records`, shown one per line, and what each record was.
fn check(records: &[String], expected: &[&str]) {
    let mut adapter = adapter();
    let mut out = Vec::new();
    for record in records {
        adapter.adapt_into(record.as_bytes(), &mut out).unwrap();
    }
    let shown: Vec<String> = out.iter().map(show).collect();
    assert_eq!(shown, expected);
    for event in &out {
        assert_eq!(event.tenant.as_str(), "acme");
    }
}

#[test]
fn queued_at_the_enqueue_timestamp_else_the_envelope_time() {
    let with = event(
        "QUEUED",
        "c1",
        "c1",
        "01:01",
        json!({"queueInfo": queue_info("01:00.250")}),
    );
    let without = event(
        "QUEUED",
        "c2",
        "c2",
        "02:00",
        json!({"queueInfo": {"queueArn": QUEUE_ARN}}),
    );
    check(
        &[with, without],
        &[
            "09:01:00.250 call.queued c1 support",
            "09:02:00 call.queued c2 support",
        ],
    );
}

#[test]
fn an_answered_call_ends_at_disconnect_and_completes_after_contact_work() {
    let queued = event(
        "QUEUED",
        "c1",
        "c1",
        "01:00",
        json!({"queueInfo": queue_info("01:00")}),
    );
    let both = json!({"queueInfo": queue_info("01:00"), "agentInfo": agent_info("01:10")});
    let connected = event("CONNECTED_TO_AGENT", "c1", "c1", "01:10", both.clone());
    let mut disconnect = both.clone();
    disconnect["disconnectTimestamp"] = json!(at("05:10"));
    disconnect["disconnectReason"] = json!("CUSTOMER_DISCONNECT");
    let disconnected = event("DISCONNECTED", "c1", "c1", "05:10", disconnect.clone());
    let mut completed = disconnect;
    completed["agentInfo"]["afterContactWorkEndTimestamp"] = json!(at("05:40"));
    let completed = event("COMPLETED", "c1", "c1", "05:40", completed);
    // The ARN of the agent is not named: its last id segment is its name.
    check(
        &[queued, connected, disconnected, completed],
        &[
            "09:01:00 call.queued c1 support",
            "09:01:10 call.answered c1 support agent-ana-0001",
            "09:05:10 call.ended c1 agent-ana-0001",
            "09:05:40 call.completed c1 agent-ana-0001",
        ],
    );
}

#[test]
fn a_disconnect_before_an_agent_is_an_abandon_if_the_customer_hung_up_else_a_dequeue() {
    let left = |contact: &str, reason: &str| {
        let detail = json!({"queueInfo": queue_info("01:00"), "disconnectTimestamp": at("01:45"),
                            "disconnectReason": reason});
        event("DISCONNECTED", contact, contact, "01:45", detail)
    };
    let queued = |contact: &str| {
        event(
            "QUEUED",
            contact,
            contact,
            "01:00",
            json!({"queueInfo": queue_info("01:00")}),
        )
    };
    check(
        &[
            queued("c1"),
            left("c1", "CUSTOMER_DISCONNECT"),
            queued("c2"),
            left("c2", "CONTACT_FLOW_DISCONNECT"),
        ],
        &[
            "09:01:00 call.queued c1 support",
            "09:01:45 call.abandoned c1 support",
            "09:01:00 call.queued c2 support",
            "09:01:45 call.dequeued c2 support other",
        ],
    );
}

#[test]
fn a_transfer_creates_a_contact_that_stays_the_initial_call() {
    let first = json!({"queueInfo": queue_info("01:00"), "agentInfo": agent_info("01:10"),
                       "disconnectTimestamp": at("03:00"), "disconnectReason": "AGENT_DISCONNECT"});
    let second_queue = json!({"queueInfo": {"queueArn": "arn:aws:connect:eu-west-1:111122223333:instance/inst-1/queue/q-sales-0002",
                                            "enqueueTimestamp": at("03:01")}});
    let mut second = event("QUEUED", "c1-t", "c1", "03:01", second_queue);
    second = second.replace(
        "\"initiationMethod\":\"INBOUND\"",
        "\"initiationMethod\":\"TRANSFER\",\"previousContactId\":\"c1\"",
    );
    check(
        &[
            event("CONNECTED_TO_AGENT", "c1", "c1", "01:10", first.clone()),
            event("DISCONNECTED", "c1", "c1", "03:00", first),
            second,
        ],
        &[
            "09:01:00 call.queued c1 support",
            "09:01:10 call.answered c1 support agent-ana-0001",
            "09:03:00 call.ended c1 agent-ana-0001",
            "09:03:01 call.queued c1 q-sales-0002",
        ],
    );
}

#[test]
fn a_lost_event_is_restated_by_a_later_one_and_a_redelivery_keeps_its_id() {
    // QUEUED and CONNECTED_TO_AGENT are lost: DISCONNECTED tells all three facts; its redelivery
    // tells only its own, with the same id (the center's duplicate).
    let detail = json!({"queueInfo": queue_info("01:00"), "agentInfo": agent_info("01:10"),
                        "disconnectTimestamp": at("02:10"), "disconnectReason": "AGENT_DISCONNECT"});
    let disconnected = event("DISCONNECTED", "c1", "c1", "02:10", detail);
    let mut adapter = adapter();
    let mut out = Vec::new();
    adapter
        .adapt_into(disconnected.as_bytes(), &mut out)
        .unwrap();
    adapter
        .adapt_into(disconnected.as_bytes(), &mut out)
        .unwrap();
    let shown: Vec<String> = out.iter().map(show).collect();
    assert_eq!(
        shown,
        [
            "09:01:00 call.queued c1 support",
            "09:01:10 call.answered c1 support agent-ana-0001",
            "09:02:10 call.ended c1 agent-ana-0001",
            "09:02:10 call.ended c1 agent-ana-0001",
        ]
    );
    assert_eq!(out[2].id, out[3].id);
    // The late CONNECTED_TO_AGENT tells the answer again under the answer's id.
    let connected = event(
        "CONNECTED_TO_AGENT",
        "c1",
        "c1",
        "01:10",
        json!({"queueInfo": queue_info("01:00"), "agentInfo": agent_info("01:10")}),
    );
    let mut late = Vec::new();
    adapter.adapt_into(connected.as_bytes(), &mut late).unwrap();
    assert_eq!(late.len(), 1);
    assert_eq!(late[0].id, out[1].id);
}

#[test]
fn events_without_callboard_meaning_are_skipped() {
    let mut adapter = adapter();
    let mut out = Vec::new();
    let chat = event(
        "QUEUED",
        "c1",
        "c1",
        "01:00",
        json!({"channel": "CHAT", "queueInfo": queue_info("01:00")}),
    );
    let outbound = event(
        "CONNECTED_TO_AGENT",
        "c2",
        "c2",
        "01:00",
        json!({"initiationMethod": "OUTBOUND", "agentInfo": agent_info("01:00")}),
    );
    let ivr_only = event(
        "DISCONNECTED",
        "c3",
        "c3",
        "01:00",
        json!({"disconnectTimestamp": at("01:00"), "disconnectReason": "CUSTOMER_DISCONNECT"}),
    );
    let no_agent_completed = event("COMPLETED", "c3", "c3", "01:00", json!({}));
    let initiated = event("INITIATED", "c4", "c4", "01:00", json!({}));
    let other_bus_event = r#"{"version":"0","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","time":"2026-11-23T09:00:00Z","detail":{}}"#.to_string();
    for record in [
        chat,
        outbound,
        ivr_only,
        no_agent_completed,
        initiated,
        other_bus_event,
    ] {
        assert_eq!(
            adapter.adapt_into(record.as_bytes(), &mut out),
            Ok(Mapped::Skipped),
            "{record}"
        );
    }
    assert!(out.is_empty());
}

#[test]
fn garbage_and_truncated_json_are_rejected_with_a_reason_and_never_panic() {
    let queued = event(
        "QUEUED",
        "c1",
        "c1",
        "01:00",
        json!({"queueInfo": queue_info("01:00")}),
    );
    let mut adapter = adapter();
    let mut out = Vec::new();
    for cut in 0..queued.len() {
        let result = adapter.adapt_into(&queued.as_bytes()[..cut], &mut out);
        assert!(
            result.is_err() || cut == 0,
            "a prefix of {cut} bytes was accepted"
        );
    }
    let cases: [(&[u8], RejectReason); 7] = [
        (b"\xff\xfe\x00", RejectReason::MalformedJson),
        (b"[1,2]", RejectReason::UnsupportedRecord),
        (br#"{"source":"aws.connect","detail-type":"Amazon Connect Contact Event","time":"2026-11-23T09:00:00Z"}"#, RejectReason::MissingField),
        (br#"{"source":"aws.connect","detail-type":"Amazon Connect Contact Event","time":"yesterday","detail":{"eventType":"QUEUED","contactId":"c1","queueInfo":{"queueArn":"q"}}}"#, RejectReason::BadTime),
        (br#"{"source":"aws.connect","detail-type":"Amazon Connect Contact Event","time":"2026-11-23T09:00:00Z","detail":{"eventType":"QUEUED","queueInfo":{"queueArn":"q"}}}"#, RejectReason::MissingField),
        (br#"{"source":"aws.connect","detail-type":"Amazon Connect Contact Event","time":"2026-11-23T09:00:00Z","detail":{"eventType":"QUEUED","contactId":"c1"}}"#, RejectReason::MissingField),
        (br#"{"source":"aws.connect","detail-type":"Amazon Connect Contact Event","time":"2026-11-23T09:00:00Z","detail":{"eventType":"CONNECTED_TO_AGENT","contactId":"c1","queueInfo":{"queueArn":"q"}}}"#, RejectReason::MissingField),
    ];
    for (bytes, reason) in cases {
        let rejected = adapter.adapt_into(bytes, &mut out).unwrap_err();
        assert_eq!(
            rejected.reason,
            reason,
            "{}",
            String::from_utf8_lossy(bytes)
        );
    }
    let huge = vec![b'a'; DecodeLimits::DEFAULT_MAX_MESSAGE_BYTES + 1];
    let mut huge = huge;
    huge[0] = b'{';
    assert_eq!(
        adapter.adapt_into(&huge, &mut out).unwrap_err().reason,
        RejectReason::TooLarge
    );
    assert!(out.is_empty());
}

#[test]
fn an_arn_is_named_by_the_map_by_arn_or_by_id_else_by_its_last_segment() {
    let mut options = ContactEventsOptions::default();
    options
        .names
        .insert("q-sales-0002".into(), Id::from("sales"));
    options.names.insert(QUEUE_ARN.into(), Id::from("support"));
    assert_eq!(options.name_of(QUEUE_ARN).as_str(), "support");
    assert_eq!(
        options
            .name_of("arn:aws:connect:eu-west-1:1:instance/i/queue/q-sales-0002")
            .as_str(),
        "sales"
    );
    assert_eq!(options.name_of(AGENT_ARN).as_str(), "agent-ana-0001");
}

#[test]
fn memory_is_bounded() {
    let mut adapter = adapter();
    let mut out = Vec::new();
    for n in 0..state::MAX_CONTACTS + 10 {
        let contact = format!("c{n}");
        let queued = event(
            "QUEUED",
            &contact,
            &contact,
            "01:00",
            json!({"queueInfo": queue_info("01:00")}),
        );
        adapter.adapt_into(queued.as_bytes(), &mut out).unwrap();
    }
    assert_eq!(adapter.state.contacts(), state::MAX_CONTACTS);
}
