//! The agent event stream's traps: lost, late, redelivered and reordered records, both feeds in any
//! order, garbage, memory bounds, and the real capture of `docs/sources/amazon_connect.md`. Records
//! and helpers are `agent_tests`'; expected events are written out by hand.

use serde_json::{json, Value};

use super::agent_tests::{
    adapt, adapter, at, available, check, contact, one_call, record, snapshot, status, INSTANCE,
};
use super::*;
use crate::decode::test_support::show;
use crate::event::RejectReason;

#[test]
fn a_lost_record_is_restated_by_the_next_ones_previous_snapshot() {
    // Only the resume's record arrives: its previous snapshot shows the hold, the contact's
    // ConnectedToAgentTimestamp the answer.
    let records = one_call();
    check(
        Feed::AgentEvents,
        &records[3..4],
        &[
            "09:01:00 call.queued c1 Support",
            "09:01:05 call.answered c1 Support ana",
            "09:02:00 call.held c1 ana",
            "09:02:30 call.resumed c1 ana",
            // The agent's first record: its status is told as of the record.
            "09:02:30 agent.state ana available",
        ],
    );
}

#[test]
fn a_contact_that_left_with_a_lost_record_is_completed_from_memory() {
    // The end and the leaving are lost; the next record (a break) no longer lists the contact.
    let records = one_call();
    let brk = record(
        "STATE_CHANGE",
        "06:00",
        snapshot(available("00:00"), vec![]),
        snapshot(status("Break", Some("CUSTOM"), "06:00"), vec![]),
    );
    let mut events = adapt(&mut adapter(Feed::AgentEvents), &[records[3].clone(), brk]);
    let shown: Vec<String> = events.drain(4..).map(|e| show(&e)).collect();
    assert_eq!(
        shown,
        [
            "09:02:30 agent.state ana available",
            "09:06:00 call.ended c1 ana",
            "09:06:00 call.completed c1 ana",
            "09:06:00 agent.state ana not_ready Break",
        ]
    );
}

#[test]
fn a_late_record_tells_nothing_new_and_a_redelivered_one_keeps_its_ids() {
    let records = one_call();
    let mut adapter = adapter(Feed::AgentEvents);
    let mut in_order = adapt(&mut adapter, &records[..3]);
    // The ring's record again (late), then the hold's record again (redelivered): no event from the
    // first; the second restates nothing new.
    let again = adapt(&mut adapter, &[records[0].clone(), records[2].clone()]);
    assert!(
        again.is_empty(),
        "{:?}",
        again.iter().map(show).collect::<Vec<_>>()
    );
    // Read alone, each record's facts get the ids the in-order reading gave them.
    let alone = adapt(&mut self::adapter(Feed::AgentEvents), &records[2..3]);
    in_order.retain(|event| alone.iter().any(|other| other.kind == event.kind));
    let ids =
        |events: &[Event]| -> Vec<Option<Id>> { events.iter().map(|e| e.id.clone()).collect() };
    let mut alone_ids = ids(&alone);
    let mut in_order_ids = ids(&in_order);
    alone_ids.sort();
    in_order_ids.sort();
    assert_eq!(alone_ids, in_order_ids);
}

#[test]
fn lifecycle_ids_are_the_contact_events_ids_of_the_same_facts() {
    let out = adapt(&mut adapter(Feed::AgentEvents), &one_call());
    let hash = crate::decode::adapter::fnv1a(b"c1");
    let id_of = |type_name: &str| {
        out.iter()
            .find(|event| event.kind.type_name() == type_name)
            .and_then(|event| event.id.clone())
            .unwrap()
    };
    for (type_name, suffix) in [
        ("call.queued", "q"),
        ("call.answered", "a"),
        ("call.ended", "e"),
        ("call.completed", "c"),
    ] {
        let expected = crate::decode::adapter::event_id("ac", hash, suffix);
        assert_eq!(id_of(type_name), expected, "{type_name}");
    }
}

#[test]
fn garbage_truncated_and_ill_typed_records_are_rejected_and_never_panic() {
    let full = one_call()[2].clone();
    let mut adapter = adapter(Feed::AgentEvents);
    let mut out = Vec::new();
    for cut in 1..full.len() {
        assert!(
            adapter
                .adapt_into(&full.as_bytes()[..cut], &mut out)
                .is_err(),
            "a prefix of {cut} bytes was accepted"
        );
    }
    let good: Value = serde_json::from_str(&full).unwrap();
    let with = |edit: &dyn Fn(&mut Value)| {
        let mut value = good.clone();
        edit(&mut value);
        value.to_string()
    };
    let cases: Vec<(String, RejectReason)> = vec![
        ("\u{0}garbage".to_string(), RejectReason::MalformedJson),
        ("[1,2]".to_string(), RejectReason::UnsupportedRecord),
        (
            with(&|v| v["EventTimestamp"] = json!("yesterday")),
            RejectReason::BadTime,
        ),
        (
            with(&|v| v["EventTimestamp"] = json!(null)),
            RejectReason::MissingField,
        ),
        (
            with(&|v| v["AgentARN"] = json!(null)),
            RejectReason::MissingField,
        ),
        (
            with(&|v| v["EventType"] = json!(7)),
            RejectReason::MissingField,
        ),
        (
            with(&|v| v["CurrentAgentSnapshot"] = json!("busy")),
            RejectReason::UnsupportedRecord,
        ),
        (
            with(&|v| v["CurrentAgentSnapshot"]["Contacts"] = json!({"c1": 1})),
            RejectReason::UnsupportedRecord,
        ),
        (
            with(&|v| v["CurrentAgentSnapshot"]["Contacts"][0] = json!("c1")),
            RejectReason::UnsupportedRecord,
        ),
        (
            with(&|v| v["CurrentAgentSnapshot"]["Contacts"][0]["ContactId"] = json!(null)),
            RejectReason::MissingField,
        ),
        (
            with(&|v| v["CurrentAgentSnapshot"]["Contacts"][0]["State"] = json!(null)),
            RejectReason::MissingField,
        ),
        (
            with(&|v| v["CurrentAgentSnapshot"]["Contacts"][0]["StateStartTimestamp"] = json!(12)),
            RejectReason::BadTime,
        ),
        (
            with(&|v| v["CurrentAgentSnapshot"]["AgentStatus"]["Name"] = json!(null)),
            RejectReason::MissingField,
        ),
        (
            with(&|v| {
                v["CurrentAgentSnapshot"]["Contacts"][0]["ContactId"] = json!("c".repeat(200))
            }),
            RejectReason::UnsupportedRecord,
        ),
    ];
    for (record, reason) in cases {
        let rejected = adapter.adapt_into(record.as_bytes(), &mut out).unwrap_err();
        assert_eq!(rejected.reason, reason, "{record}");
    }
    assert!(out.is_empty());
}

#[test]
fn agent_memory_is_bounded() {
    let mut adapter = adapter(Feed::AgentEvents);
    let mut out = Vec::new();
    for n in 0..state::MAX_AGENTS + 10 {
        let record = record(
            "STATE_CHANGE",
            "01:00",
            json!(null),
            snapshot(available("00:00"), vec![]),
        )
        .replace("agent-ana-0001", &format!("agent-{n}"))
        .replace("\"ana\"", &format!("\"user-{n}\""));
        adapter.adapt_into(record.as_bytes(), &mut out).unwrap();
    }
    assert_eq!(adapter.state.agents(), state::MAX_AGENTS);
}

#[test]
fn with_both_feeds_what_is_told_does_not_depend_on_which_feed_arrives_first() {
    let contact_event = |event_type: &str, time: &str, detail: Value| {
        let mut body = json!({"eventType": event_type, "contactId": "c1", "initialContactId": "c1",
                              "channel": "VOICE", "initiationMethod": "INBOUND",
                              "queueInfo": {"queueArn": format!("{INSTANCE}/queue/q-support-0001"),
                                            "enqueueTimestamp": at("01:00")}});
        for (key, value) in detail.as_object().unwrap() {
            body[key] = value.clone();
        }
        json!({"version": "0", "id": format!("{event_type}-{time}"),
               "detail-type": "Amazon Connect Contact Event", "source": "aws.connect",
               "time": at(time), "detail": body})
        .to_string()
    };
    let agent_info = json!({"agentArn": format!("{INSTANCE}/agent/agent-ana-0001"),
                            "connectedToAgentTimestamp": at("01:05"),
                            "afterContactWorkEndTimestamp": at("04:20")});
    let contacts = [
        contact_event("QUEUED", "01:00", json!({})),
        contact_event(
            "CONNECTED_TO_AGENT",
            "01:05",
            json!({"agentInfo": agent_info}),
        ),
        contact_event(
            "DISCONNECTED",
            "04:00",
            json!({"agentInfo": agent_info, "disconnectTimestamp": at("04:00")}),
        ),
        contact_event(
            "COMPLETED",
            "04:20",
            json!({"agentInfo": agent_info, "disconnectTimestamp": at("04:00")}),
        ),
    ];
    let sorted = |records: Vec<String>| {
        let mut shown: Vec<(String, Option<Id>)> =
            adapt(&mut adapter(Feed::ContactEvents), &records)
                .iter()
                .map(|event| (show(event), event.id.clone()))
                .collect();
        shown.sort();
        shown
    };
    let contacts_first = sorted(contacts.iter().cloned().chain(one_call()).collect());
    let agents_first = sorted(
        one_call()
            .into_iter()
            .chain(contacts.iter().cloned())
            .collect(),
    );
    let interleaved = sorted(
        one_call()
            .into_iter()
            .zip(
                contacts
                    .iter()
                    .cloned()
                    .chain(std::iter::repeat_n(String::new(), 2)),
            )
            .flat_map(|(agent, contact)| [contact, agent])
            .filter(|record| !record.is_empty())
            .collect(),
    );
    assert_eq!(contacts_first, agents_first);
    assert_eq!(contacts_first, interleaved);
    // Each fact once, in time order: the lifecycle from the contact events, the ring, the hold and the
    // status from the agent's.
    let types: Vec<&str> = contacts_first
        .iter()
        .map(|(shown, _)| &shown[9..])
        .collect();
    assert_eq!(
        types,
        [
            "call.queued c1 q-support-0001",
            "agent.state agent-ana-0001 available",
            "call.ringing c1 q-support-0001 agent-ana-0001",
            "call.answered c1 q-support-0001 agent-ana-0001",
            "call.held c1 agent-ana-0001",
            "call.resumed c1 agent-ana-0001",
            "call.ended c1 agent-ana-0001",
            "call.completed c1 agent-ana-0001",
        ]
    );
}

#[test]
fn another_agents_ring_delivered_after_the_answer_still_rings() {
    // Records of two agents come from two shards: ben's ring of c1 arrives after ana answered it.
    let ben = |record: String| {
        record
            .replace("agent-ana-0001", "agent-ben-0002")
            .replace("\"ana\"", "\"ben\"")
    };
    let ben_rings = ben(record(
        "STATE_CHANGE",
        "01:01",
        snapshot(available("00:00"), vec![]),
        snapshot(
            available("00:00"),
            vec![contact("c1", "CONNECTING", "01:01", None)],
        ),
    ));
    let calls = one_call();
    check(
        Feed::AgentEvents,
        &[
            calls[0].clone(),
            calls[1].clone(),
            ben_rings.clone(),
            ben_rings,
        ],
        &[
            "09:01:00 call.queued c1 Support",
            "09:01:02 call.ringing c1 Support ana",
            "09:01:02 agent.state ana available",
            "09:01:05 call.answered c1 Support ana",
            "09:01:01 call.ringing c1 Support ben",
            "09:01:01 agent.state ben available",
        ],
    );
}

/// The real STATE_CHANGE of `docs/sources/amazon_connect.md` (a 2019 dev-instance capture), its
/// account, ARNs and names masked and its day moved to 2026-11-23: no status `Type`, queues with a
/// `null` name (the agent's own), `InitialContactId` and `ConnectedToAgentTimestamp` null.
const REAL_CAPTURE: &str = r#"{
 "AWSAccountId": "111122223333",
 "AgentARN": "arn:aws:connect:eu-central-1:111122223333:instance/inst-x/agent/agent-x-0001",
 "CurrentAgentSnapshot": {
  "AgentStatus": {"ARN": "arn:aws:connect:eu-central-1:111122223333:instance/inst-x/agent-state/st-1",
                  "Name": "Available", "StartTimestamp": "2026-11-23T08:58:34.253Z"},
  "Configuration": {"AgentHierarchyGroups": null, "FirstName": "Joe", "LastName": "Bloggs",
   "RoutingProfile": {"ARN": "arn:aws:connect:eu-central-1:111122223333:instance/inst-x/routing-profile/rp-1",
    "DefaultOutboundQueue": {"ARN": "arn:aws:connect:eu-central-1:111122223333:instance/inst-x/queue/q-cs", "Name": "Customer Services"},
    "InboundQueues": [
     {"ARN": "arn:aws:connect:eu-central-1:111122223333:instance/inst-x/queue/q-coll", "Name": "Collections"},
     {"ARN": "arn:aws:connect:eu-central-1:111122223333:instance/inst-x/queue/agent/agent-x-0001", "Name": null},
     {"ARN": "arn:aws:connect:eu-central-1:111122223333:instance/inst-x/queue/q-cs", "Name": "Customer Services"}],
    "Name": "1. Customer Services"},
   "Username": "P12345678"},
  "Contacts": [{"Channel": "VOICE", "ConnectedToAgentTimestamp": null, "ContactId": "29e1f3bf-c5f7",
   "InitialContactId": null, "InitiationMethod": "INBOUND",
   "Queue": {"ARN": "arn:aws:connect:eu-central-1:111122223333:instance/inst-x/queue/q-coll", "Name": "Collections"},
   "QueueTimestamp": "2026-11-23T09:03:52.339Z", "State": "CONNECTED",
   "StateStartTimestamp": "2026-11-23T09:03:55.795Z"}]
 },
 "EventId": "60291209-51f5-4f1b-bbd1-a8c43f16aaf8",
 "EventTimestamp": "2026-11-23T09:03:55.795Z",
 "EventType": "STATE_CHANGE",
 "InstanceARN": "arn:aws:connect:eu-central-1:111122223333:instance/inst-x",
 "PreviousAgentSnapshot": {
  "AgentStatus": {"ARN": "arn:aws:connect:eu-central-1:111122223333:instance/inst-x/agent-state/st-1",
                  "Name": "Available", "StartTimestamp": "2026-11-23T08:58:34.253Z"},
  "Configuration": {"AgentHierarchyGroups": null, "FirstName": "Joe", "LastName": "Bloggs",
   "RoutingProfile": {"ARN": "arn:aws:connect:eu-central-1:111122223333:instance/inst-x/routing-profile/rp-1",
    "DefaultOutboundQueue": {"ARN": "arn:aws:connect:eu-central-1:111122223333:instance/inst-x/queue/q-cs", "Name": "Customer Services"},
    "InboundQueues": [], "Name": "1. Customer Services"},
   "Username": "P12345678"},
  "Contacts": [{"Channel": "VOICE", "ConnectedToAgentTimestamp": null, "ContactId": "29e1f3bf-c5f7",
   "InitialContactId": null, "InitiationMethod": "INBOUND",
   "Queue": {"ARN": "arn:aws:connect:eu-central-1:111122223333:instance/inst-x/queue/q-coll", "Name": "Collections"},
   "QueueTimestamp": "2026-11-23T09:03:52.339Z", "State": "CONNECTING",
   "StateStartTimestamp": "2026-11-23T09:03:52.518Z"}]
 },
 "Version": "2017-10-01"
}"#;

#[test]
fn the_real_capture_is_a_ring_and_an_answer_at_the_connected_state() {
    // Pretty-printed as captured (a Kafka message may be).
    let record = REAL_CAPTURE.to_string();
    check(
        Feed::AgentEvents,
        std::slice::from_ref(&record),
        &[
            "09:03:52.339 call.queued 29e1f3bf-c5f7 Collections",
            "09:03:52.518 call.ringing 29e1f3bf-c5f7 Collections P12345678",
            "09:03:55.795 call.answered 29e1f3bf-c5f7 Collections P12345678",
            // First sight of the agent: Available since 08:58:34, told as of the record.
            "09:03:55.795 agent.state P12345678 available",
        ],
    );
    check(
        Feed::ContactEvents,
        &[record],
        &[
            "09:03:52.518 call.ringing 29e1f3bf-c5f7 q-coll agent-x-0001",
            "09:03:55.795 agent.state agent-x-0001 available",
        ],
    );
}
