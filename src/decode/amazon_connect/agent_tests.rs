//! The agent event stream, event type by event type, status type and contact state (its traps are
//! in `agent_trap_tests`), on records written from AWS's agent event stream data model and the real
//! 2019 capture of `docs/sources/amazon_connect.md` (`AWSAccountId`, `AgentARN`, `InstanceARN`,
//! `EventId`, `EventTimestamp`, `EventType`, `Version` "2017-10-01", `PreviousAgentSnapshot` /
//! `CurrentAgentSnapshot` with `AgentStatus`, `Configuration` and `Contacts`). Times are 2026-11-23
//! from 09:00:00 UTC; expected events are written out by hand.

use serde_json::{json, Value};

use super::*;
use crate::decode::test_support::show;

pub(super) const INSTANCE: &str = "arn:aws:connect:eu-west-1:111122223333:instance/inst-1";

/// `09:MM:SS` of 2026-11-23 as RFC 3339.
pub(super) fn at(clock: &str) -> String {
    format!("2026-11-23T09:{clock}Z")
}

pub(super) fn queue(id: &str, name: &str) -> Value {
    json!({"ARN": format!("{INSTANCE}/queue/{id}"), "Name": name})
}

/// A status `name` of `status_type` (`None`: a record from before `Type`) since `since`.
pub(super) fn status(name: &str, status_type: Option<&str>, since: &str) -> Value {
    let mut status = json!({"ARN": format!("{INSTANCE}/agent-state/{name}"), "Name": name,
                            "StartTimestamp": at(since)});
    if let Some(status_type) = status_type {
        status["Type"] = json!(status_type);
    }
    status
}

pub(super) fn available(since: &str) -> Value {
    status("Available", Some("ROUTABLE"), since)
}

/// A voice contact of the support queue (queued 01:00) in `state` since `since`.
pub(super) fn contact(id: &str, state: &str, since: &str, connected: Option<&str>) -> Value {
    json!({"ContactId": id, "InitialContactId": null, "Channel": "VOICE",
           "InitiationMethod": "INBOUND", "Queue": queue("q-support-0001", "Support"),
           "QueueTimestamp": at("01:00"), "State": state, "StateStartTimestamp": at(since),
           "ConnectedToAgentTimestamp": connected.map(at)})
}

pub(super) fn snapshot(status: Value, contacts: Vec<Value>) -> Value {
    json!({
        "AgentStatus": status,
        "NextAgentStatus": null,
        "Configuration": {
            "Username": "ana", "FirstName": "Ana", "LastName": "Example",
            "AgentHierarchyGroups": {"Level1": {"ARN": format!("{INSTANCE}/agent-group/g1"),
                                                "Name": "Team North"}},
            "RoutingProfile": {
                "ARN": format!("{INSTANCE}/routing-profile/rp-1"), "Name": "Front line",
                "DefaultOutboundQueue": queue("q-support-0001", "Support"),
                "InboundQueues": [queue("q-support-0001", "Support"), queue("q-sales-0002", "Sales"),
                                  {"ARN": format!("{INSTANCE}/queue/agent/agent-ana-0001"), "Name": null}],
                "Concurrency": [{"Channel": "VOICE", "MaximumSlots": 1}]
            }
        },
        "Contacts": contacts,
    })
}

/// An agent event of agent ana at `time`.
pub(super) fn record(event_type: &str, time: &str, previous: Value, current: Value) -> String {
    json!({
        "AWSAccountId": "111122223333",
        "AgentARN": format!("{INSTANCE}/agent/agent-ana-0001"),
        "InstanceARN": INSTANCE,
        "EventId": format!("ev-{event_type}-{time}"),
        "EventTimestamp": at(time),
        "EventType": event_type,
        "Version": "2017-10-01",
        "PreviousAgentSnapshot": previous,
        "CurrentAgentSnapshot": current,
    })
    .to_string()
}

pub(super) fn adapter(lifecycle: Feed) -> ContactEventsAdapter {
    ContactEventsAdapter::new(ContactEventsOptions {
        tenant: Id::from("acme"),
        lifecycle,
        ..ContactEventsOptions::default()
    })
}

pub(super) fn adapt(adapter: &mut ContactEventsAdapter, records: &[String]) -> Vec<Event> {
    let mut out = Vec::new();
    for record in records {
        assert_eq!(
            adapter.adapt_into(record.as_bytes(), &mut out),
            Ok(Mapped::Used),
            "{record}"
        );
    }
    out
}

/// The events of `records` read with `lifecycle` owning calls, shown one per line.
pub(super) fn check(lifecycle: Feed, records: &[String], expected: &[&str]) {
    let out = adapt(&mut adapter(lifecycle), records);
    let shown: Vec<String> = out.iter().map(show).collect();
    assert_eq!(shown, expected);
    for event in &out {
        assert_eq!(event.tenant.as_str(), "acme");
    }
}

/// A call's records: rings 01:02, connected 01:05, on hold 02:00–02:30, ended 04:00, gone 04:20.
pub(super) fn one_call() -> Vec<String> {
    let avail = || available("00:00");
    let ringing = contact("c1", "CONNECTING", "01:02", None);
    let connected = contact("c1", "CONNECTED", "01:05", Some("01:05"));
    let held = contact("c1", "CONNECTED_ONHOLD", "02:00", Some("01:05"));
    let resumed = contact("c1", "CONNECTED", "02:30", Some("01:05"));
    let ended = contact("c1", "ENDED", "04:00", Some("01:05"));
    let step = |time: &str, before: &Value, after: &Value| {
        record(
            "STATE_CHANGE",
            time,
            snapshot(avail(), vec![before.clone()]),
            snapshot(avail(), vec![after.clone()]),
        )
    };
    vec![
        record(
            "STATE_CHANGE",
            "01:02",
            snapshot(avail(), vec![]),
            snapshot(avail(), vec![ringing.clone()]),
        ),
        step("01:05", &ringing, &connected),
        step("02:00", &connected, &held),
        step("02:30", &held, &resumed),
        step("04:00", &resumed, &ended),
        record(
            "STATE_CHANGE",
            "04:20",
            snapshot(avail(), vec![ended]),
            snapshot(avail(), vec![]),
        ),
    ]
}

#[test]
fn login_tells_skills_and_team_then_the_status() {
    let login = record(
        "LOGIN",
        "00:00",
        json!(null),
        snapshot(status("Offline", Some("OFFLINE"), "00:00"), vec![]),
    );
    let ready = record(
        "STATE_CHANGE",
        "00:10",
        snapshot(status("Offline", Some("OFFLINE"), "00:00"), vec![]),
        snapshot(available("00:10"), vec![]),
    );
    check(
        Feed::AgentEvents,
        &[login, ready],
        &[
            "09:00:00 agent.login ana [Support,Sales]",
            "09:00:00 agent.logout ana",
            "09:00:10 agent.state ana available",
        ],
    );
}

#[test]
fn a_routable_status_is_available_a_custom_one_not_ready_with_its_name_an_offline_one_a_logout() {
    let change = |time: &str, before: Value, after: Value| {
        record(
            "STATE_CHANGE",
            time,
            snapshot(before, vec![]),
            snapshot(after, vec![]),
        )
    };
    let brk = || status("Break", Some("CUSTOM"), "10:00");
    let off = || status("Offline", Some("OFFLINE"), "20:00");
    // Before `Type` existed: the built-in names.
    let old_lunch = status("Lunch", None, "30:00");
    let old_available = status("Available", None, "40:00");
    check(
        Feed::ContactEvents,
        &[
            change("00:00", available("00:00"), available("00:00")),
            change("10:00", available("00:00"), brk()),
            change("20:00", brk(), off()),
            change("30:00", off(), old_lunch.clone()),
            change("40:00", old_lunch, old_available),
        ],
        &[
            "09:00:00 agent.state agent-ana-0001 available",
            "09:10:00 agent.state agent-ana-0001 not_ready Break",
            "09:20:00 agent.logout agent-ana-0001",
            "09:30:00 agent.state agent-ana-0001 not_ready Lunch",
            "09:40:00 agent.state agent-ana-0001 available",
        ],
    );
}

#[test]
fn a_status_first_seen_long_after_it_began_is_told_at_the_record() {
    let record = record(
        "STATE_CHANGE",
        "05:00",
        snapshot(status("Available", Some("ROUTABLE"), "00:00"), vec![]),
        snapshot(status("Available", Some("ROUTABLE"), "00:00"), vec![]),
    )
    .replace(&at("00:00"), "2026-11-23T07:00:00Z");
    check(
        Feed::AgentEvents,
        &[record],
        &["09:05:00 agent.state ana available"],
    );
}

#[test]
fn logout_and_heart_beat() {
    let logout = record(
        "LOGOUT",
        "50:00",
        snapshot(available("00:00"), vec![]),
        json!(null),
    );
    let heart_beat = record(
        "HEART_BEAT",
        "52:00",
        snapshot(available("00:00"), vec![]),
        snapshot(available("00:00"), vec![]),
    );
    check(
        Feed::AgentEvents,
        &[heart_beat.clone(), logout, heart_beat],
        &["09:50:00 agent.logout ana"],
    );
}

#[test]
fn agent_events_alone_tell_the_whole_call() {
    check(
        Feed::AgentEvents,
        &one_call(),
        &[
            "09:01:00 call.queued c1 Support",
            "09:01:02 call.ringing c1 Support ana",
            // The agent's first record: its status is told as of the record.
            "09:01:02 agent.state ana available",
            "09:01:05 call.answered c1 Support ana",
            "09:02:00 call.held c1 ana",
            "09:02:30 call.resumed c1 ana",
            "09:04:00 call.ended c1 ana",
            "09:04:20 call.completed c1 ana",
        ],
    );
}

#[test]
fn with_contact_events_owning_calls_agent_events_add_only_the_ring_and_the_hold() {
    // The agent is named as contact events name it: by its ARN's id.
    check(
        Feed::ContactEvents,
        &one_call(),
        &[
            "09:01:02 call.ringing c1 q-support-0001 agent-ana-0001",
            "09:01:02 agent.state agent-ana-0001 available",
            "09:02:00 call.held c1 agent-ana-0001",
            "09:02:30 call.resumed c1 agent-ana-0001",
        ],
    );
}

#[test]
fn the_answer_is_at_the_connected_state_when_connected_to_agent_timestamp_is_null() {
    let ringing = contact("c1", "INCOMING", "01:02", None);
    let connected = contact("c1", "CONNECTED", "01:06", None);
    check(
        Feed::AgentEvents,
        &[record(
            "STATE_CHANGE",
            "01:06",
            snapshot(available("00:00"), vec![ringing]),
            snapshot(available("00:00"), vec![connected]),
        )],
        &[
            "09:01:00 call.queued c1 Support",
            "09:01:02 call.ringing c1 Support ana",
            "09:01:06 call.answered c1 Support ana",
            "09:01:06 agent.state ana available",
        ],
    );
}

#[test]
fn a_missed_or_rejected_ring_tells_nothing_more_and_its_contact_leaving_completes_nothing() {
    for state in ["MISSED", "REJECTED", "ERROR"] {
        let ringing = contact("c1", "CONNECTING", "01:02", None);
        let missed = contact("c1", state, "01:22", None);
        let records = [
            record(
                "STATE_CHANGE",
                "01:02",
                snapshot(available("00:00"), vec![]),
                snapshot(available("00:00"), vec![ringing.clone()]),
            ),
            record(
                "STATE_CHANGE",
                "01:22",
                snapshot(available("00:00"), vec![ringing]),
                snapshot(available("00:00"), vec![missed.clone()]),
            ),
            record(
                "STATE_CHANGE",
                "01:30",
                snapshot(available("00:00"), vec![missed]),
                snapshot(available("00:00"), vec![]),
            ),
        ];
        check(
            Feed::AgentEvents,
            &records,
            &[
                "09:01:00 call.queued c1 Support",
                "09:01:02 call.ringing c1 Support ana",
                "09:01:02 agent.state ana available",
            ],
        );
    }
}

#[test]
fn contact_events_are_skipped_where_agent_events_own_calls() {
    let queued = r#"{"version":"0","id":"e1","detail-type":"Amazon Connect Contact Event","source":"aws.connect","account":"111122223333","time":"2026-11-23T09:01:00Z","region":"eu-west-1","resources":[],"detail":{"eventType":"QUEUED","contactId":"c1","channel":"VOICE","initiationMethod":"INBOUND","queueInfo":{"queueArn":"arn:aws:connect:eu-west-1:111122223333:instance/inst-1/queue/q-support-0001"}}}"#;
    let mut out = Vec::new();
    let mut agents = adapter(Feed::AgentEvents);
    assert_eq!(
        agents.adapt_into(queued.as_bytes(), &mut out),
        Ok(Mapped::Skipped)
    );
    let mut contacts = adapter(Feed::ContactEvents);
    assert_eq!(
        contacts.adapt_into(queued.as_bytes(), &mut out),
        Ok(Mapped::Used)
    );
    assert_eq!(
        out.iter().map(show).collect::<Vec<_>>(),
        ["09:01:00 call.queued c1 q-support-0001"]
    );
}

#[test]
fn contacts_of_other_channels_outbound_or_without_a_queue_are_not_calls() {
    let mut chat = contact("c2", "CONNECTED", "01:05", Some("01:05"));
    chat["Channel"] = json!("CHAT");
    let mut outbound = contact("c3", "CONNECTED", "01:05", Some("01:05"));
    outbound["InitiationMethod"] = json!("OUTBOUND");
    let mut queueless = contact("c4", "CONNECTED", "01:05", Some("01:05"));
    queueless["Queue"] = json!(null);
    check(
        Feed::AgentEvents,
        &[record(
            "STATE_CHANGE",
            "01:05",
            snapshot(available("00:00"), vec![]),
            snapshot(available("00:00"), vec![chat, outbound, queueless]),
        )],
        &["09:01:05 agent.state ana available"],
    );
}

#[test]
fn an_agent_is_its_configured_name_else_its_user_name_else_its_arns_id() {
    let bare = |time: &str| {
        let mut value: Value =
            serde_json::from_str(&record("HEART_BEAT", time, json!(null), json!(null))).unwrap();
        value["EventType"] = json!("LOGOUT");
        value.to_string()
    };
    // Never seen with a configuration: the ARN's id.
    check(
        Feed::AgentEvents,
        &[bare("01:00")],
        &["09:01:00 agent.logout agent-ana-0001"],
    );
    // Seen once with one: the user name it had.
    let login = record(
        "LOGIN",
        "00:00",
        json!(null),
        snapshot(available("00:00"), vec![]),
    );
    let out = adapt(
        &mut adapter(Feed::AgentEvents),
        &[login.clone(), bare("01:00")],
    );
    assert_eq!(show(out.last().unwrap()), "09:01:00 agent.logout ana");
    // Configured: that name, in either mode.
    for lifecycle in [Feed::AgentEvents, Feed::ContactEvents] {
        let mut options = ContactEventsOptions {
            tenant: Id::from("acme"),
            lifecycle,
            ..ContactEventsOptions::default()
        };
        options
            .names
            .insert("agent-ana-0001".into(), Id::from("Ana E."));
        let out = adapt(
            &mut ContactEventsAdapter::new(options),
            std::slice::from_ref(&login),
        );
        assert_eq!(
            show(&out[0]),
            "09:00:00 agent.login Ana E. [Support,Sales]".replace(
                "Support,Sales",
                if lifecycle == Feed::AgentEvents {
                    "Support,Sales"
                } else {
                    "q-support-0001,q-sales-0002"
                },
            )
        );
    }
}

#[test]
fn unknown_event_types_and_other_records_are_skipped() {
    let mut adapter = adapter(Feed::AgentEvents);
    let mut out = Vec::new();
    let future = record("ROUTING_CHANGE", "01:00", json!(null), json!(null));
    let other = r#"{"kind":"something else"}"#.to_string();
    for record in [future, other] {
        assert_eq!(
            adapter.adapt_into(record.as_bytes(), &mut out),
            Ok(Mapped::Skipped),
            "{record}"
        );
    }
    assert!(out.is_empty());
}

#[test]
fn a_status_without_a_start_is_told_when_it_changes_only() {
    let unstarted = |name: &str, status_type: &str| json!({"ARN": format!("{INSTANCE}/agent-state/{name}"), "Name": name, "Type": status_type});
    let change = |time: &str, before: Value, after: Value| {
        record(
            "STATE_CHANGE",
            time,
            snapshot(before, vec![]),
            snapshot(after, vec![]),
        )
    };
    let available = || unstarted("Available", "ROUTABLE");
    let lunch = || unstarted("Lunch", "CUSTOM");
    check(
        Feed::AgentEvents,
        &[
            change("01:00", available(), available()),
            change("02:00", available(), available()),
            change("03:00", available(), lunch()),
        ],
        &[
            "09:01:00 agent.state ana available",
            "09:03:00 agent.state ana not_ready Lunch",
        ],
    );
}
