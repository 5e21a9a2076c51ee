//! The adapter action by action and trap by trap, on events written from mod_callcenter's headers
//! (`mod_callcenter.c`: `CC-Queue`, `CC-Action`, `CC-Agent`, `CC-Member-UUID`, `CC-Member-Session-UUID`,
//! `CC-*-Time`, `CC-Cause`, `CC-Cancel-Reason`; `Event-Date-Timestamp` in µs). Times are 2026-11-23
//! from 09:00:00 UTC (epoch 1795424400); caller numbers are 555-01xx; expected events are written out
//! by hand.

use proptest::prelude::*;
use serde_json::{json, Map, Value};

use super::*;
use crate::decode::test_support::{callers, show, NINE};
use crate::event::RejectReason;

/// A `callcenter::info` event: `action`, the given headers, and `Event-Date-Timestamp` at `at`
/// seconds (with fractions) after 09:00:00, or none when `at` is `None`.
fn event(action: &str, at: Option<f64>, headers: &[(&str, &str)]) -> String {
    let mut map = Map::new();
    map.insert("Event-Name".into(), json!("CUSTOM"));
    map.insert("Event-Subclass".into(), json!("callcenter::info"));
    map.insert("CC-Action".into(), json!(action));
    if let Some(at) = at {
        let micros = NINE * 1_000_000 + (at * 1_000_000.0).round() as i64;
        map.insert("Event-Date-Timestamp".into(), json!(micros.to_string()));
    }
    for (name, value) in headers {
        map.insert((*name).into(), json!(value));
    }
    Value::Object(map).to_string()
}

/// Epoch seconds of `at` seconds after 09:00:00, as a `CC-*-Time` header holds them.
fn epoch(at: i64) -> String {
    (NINE + at).to_string()
}

/// The headers naming member `n`'s call (session `s<n>`, member `m<n>`) in `queue`.
fn member(n: u32, queue: &str) -> Vec<(String, String)> {
    vec![
        ("CC-Member-Session-UUID".into(), format!("s{n}")),
        ("CC-Member-UUID".into(), format!("m{n}")),
        ("CC-Queue".into(), queue.into()),
        (
            "CC-Member-CID-Number".into(),
            format!("55501{:02}", n % 100),
        ),
    ]
}

fn with(base: Vec<(String, String)>, more: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut all = base;
    all.extend(
        more.iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string())),
    );
    all
}

fn call_event(action: &str, at: Option<f64>, headers: &[(String, String)]) -> String {
    let pairs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    event(action, at, &pairs)
}

struct Run {
    events: Vec<String>,
    ids: Vec<String>,
    skipped: usize,
    rejected: Vec<RejectReason>,
}

fn run_with(options: CallcenterOptions, records: &[String]) -> Run {
    let mut adapter = CallcenterAdapter::new(options);
    let mut events = Vec::new();
    let (mut skipped, mut rejected) = (0, Vec::new());
    for record in records {
        match adapter.adapt_into(record.as_bytes(), &mut events) {
            Ok(Mapped::Skipped) => skipped += 1,
            Ok(Mapped::Used) => {}
            Err(error) => rejected.push(error.reason),
        }
    }
    adapter.finish(&mut events);
    Run {
        ids: events
            .iter()
            .map(|event| event.id.as_deref().unwrap_or("").to_string())
            .collect(),
        events: events.iter().map(show).collect(),
        skipped,
        rejected,
    }
}

fn run(records: &[String]) -> Vec<String> {
    let run = run_with(CallcenterOptions::default(), records);
    assert_eq!(run.rejected, [], "nothing rejected");
    run.events
}

/// An answered call of member 1 in support by agent 1001: queued at 0, offered at 2, answered at 5,
/// bridge ended at 65, left the queue (Terminated) at 65.
fn answered_call() -> Vec<String> {
    let m = member(1, "support@default");
    let agent = with(m.clone(), &[("CC-Agent", "1001")]);
    vec![
        call_event("member-queue-start", Some(0.25), &m),
        call_event("agent-offering", Some(2.0), &agent),
        call_event("bridge-agent-start", Some(5.5), &agent),
        call_event("bridge-agent-end", Some(65.0), &agent),
        call_event(
            "member-queue-end",
            Some(65.0),
            &with(agent.clone(), &[("CC-Cause", "Terminated")]),
        ),
    ]
}

#[test]
fn each_step_of_an_answered_call_and_member_queue_end_adds_nothing_after_the_bridge_end() {
    assert_eq!(
        run(&answered_call()),
        [
            "09:00:00.250 call.queued s1 support@default",
            "09:00:02 call.ringing s1 support@default 1001",
            "09:00:05.500 call.answered s1 support@default 1001",
            "09:01:05 call.ended s1 1001",
            "09:01:05 call.completed s1 1001",
        ]
    );
}

#[test]
fn without_event_date_timestamp_the_actions_cc_time_in_seconds_dates_it() {
    let m = member(1, "support@default");
    let agent = with(m.clone(), &[("CC-Agent", "1001")]);
    let (joined, answered, ended) = (epoch(0), epoch(5), epoch(65));
    let records = [
        call_event(
            "member-queue-start",
            None,
            &with(m.clone(), &[("CC-Member-Joined-Time", &joined)]),
        ),
        call_event(
            "bridge-agent-start",
            None,
            &with(agent.clone(), &[("CC-Agent-Answered-Time", &answered)]),
        ),
        call_event(
            "bridge-agent-end",
            None,
            &with(agent.clone(), &[("CC-Bridge-Terminated-Time", &ended)]),
        ),
    ];
    assert_eq!(
        run(&records),
        [
            "09:00:00 call.queued s1 support@default",
            "09:00:05 call.answered s1 support@default 1001",
            "09:01:05 call.ended s1 1001",
            "09:01:05 call.completed s1 1001",
        ]
    );
}

#[test]
fn the_agents_wrap_up_time_completes_the_call_and_a_later_answer_cuts_it_short() {
    let options = CallcenterOptions {
        wrap_up_ms: 10_000,
        agent_wrap_up_ms: [(Id::from("1002"), 30_000)].into_iter().collect(),
        ..CallcenterOptions::default()
    };
    let one = with(member(1, "sales"), &[("CC-Agent", "1001")]);
    let two = with(member(2, "sales"), &[("CC-Agent", "1002")]);
    let three = with(member(3, "sales"), &[("CC-Agent", "1002")]);
    let records = [
        call_event("member-queue-start", Some(0.0), &member(1, "sales")),
        call_event("bridge-agent-start", Some(1.0), &one),
        call_event("bridge-agent-end", Some(20.0), &one),
        call_event("member-queue-start", Some(21.0), &member(2, "sales")),
        call_event("bridge-agent-start", Some(22.0), &two),
        // 1001's default 10 s of wrap-up end at 30, before this record at 40.
        call_event("bridge-agent-end", Some(40.0), &two),
        call_event("member-queue-start", Some(50.0), &member(3, "sales")),
        // 1002's 30 s would end at 70: answering at 55 ends them there.
        call_event("bridge-agent-start", Some(55.0), &three),
        call_event("bridge-agent-end", Some(60.0), &three),
    ];
    assert_eq!(
        run_with(options, &records).events,
        [
            "09:00:00 call.queued s1 sales",
            "09:00:01 call.answered s1 sales 1001",
            "09:00:20 call.ended s1 1001",
            "09:00:21 call.queued s2 sales",
            "09:00:22 call.answered s2 sales 1002",
            "09:00:30 call.completed s1 1001",
            "09:00:40 call.ended s2 1002",
            "09:00:50 call.queued s3 sales",
            "09:00:55 call.completed s2 1002",
            "09:00:55 call.answered s3 sales 1002",
            "09:01:00 call.ended s3 1002",
            // Held to the end of the input: 60 + 30.
            "09:01:30 call.completed s3 1002",
        ]
    );
}

#[test]
fn each_cancel_reason_is_an_abandon_or_a_dequeue() {
    let mut records = Vec::new();
    for (n, reason) in [
        (1, "BREAK_OUT"),
        (2, "TIMEOUT"),
        (3, "NO_AGENT_TIMEOUT"),
        (4, "EXIT_WITH_KEY"),
        (5, "NONE"),
    ] {
        let m = member(n, "support");
        let at = f64::from(n) * 10.0;
        records.push(call_event("member-queue-start", Some(at), &m));
        let end = with(m, &[("CC-Cause", "Cancel"), ("CC-Cancel-Reason", reason)]);
        records.push(call_event("member-queue-end", Some(at + 5.0), &end));
    }
    assert_eq!(
        run(&records),
        [
            "09:00:10 call.queued s1 support",
            "09:00:15 call.abandoned s1 support",
            "09:00:20 call.queued s2 support",
            "09:00:25 call.dequeued s2 support timeout",
            "09:00:30 call.queued s3 support",
            "09:00:35 call.dequeued s3 support timeout",
            "09:00:40 call.queued s4 support",
            "09:00:45 call.dequeued s4 support exit_key",
            "09:00:50 call.queued s5 support",
            "09:00:55 call.dequeued s5 support other",
        ]
    );
}

#[test]
fn agent_statuses_log_in_change_availability_and_log_out_once_each() {
    let status = |at: f64, agent: &str, status: &str| {
        event(
            "agent-status-change",
            Some(at),
            &[("CC-Agent", agent), ("CC-Agent-Status", status)],
        )
    };
    let records = [
        status(0.0, "1001", "Available"),
        // A relay restart sends the status again: no change.
        status(1.0, "1001", "Available"),
        status(2.0, "1002", "Available (On Demand)"),
        status(600.0, "1001", "On Break"),
        status(900.0, "1001", "Available"),
        status(3600.0, "1001", "Logged Out"),
        status(3700.0, "1001", "Available"),
    ];
    assert_eq!(
        run(&records),
        [
            "09:00:00 agent.login 1001",
            "09:00:00 agent.state 1001 available",
            "09:00:02 agent.login 1002",
            "09:00:02 agent.state 1002 available",
            "09:10:00 agent.state 1001 not_ready On Break",
            "09:15:00 agent.state 1001 available",
            "10:00:00 agent.logout 1001",
            "10:01:40 agent.login 1001",
            "10:01:40 agent.state 1001 available",
        ]
    );
}

#[test]
fn agent_states_add_only_the_idle_of_an_on_demand_agent() {
    let state = |at: f64, state: &str| {
        event(
            "agent-state-change",
            Some(at),
            &[("CC-Agent", "1002"), ("CC-Agent-State", state)],
        )
    };
    let records = [
        event(
            "agent-status-change",
            Some(0.0),
            &[
                ("CC-Agent", "1002"),
                ("CC-Agent-Status", "Available (On Demand)"),
            ],
        ),
        state(1.0, "Waiting"),
        state(2.0, "Receiving"),
        state(3.0, "In a queue call"),
        state(60.0, "Idle"),
        state(61.0, "Idle"),
        state(120.0, "Waiting"),
        state(121.0, "Reserved"),
    ];
    let run = run_with(CallcenterOptions::default(), &records);
    assert_eq!(
        run.events,
        [
            "09:00:00 agent.login 1002",
            "09:00:00 agent.state 1002 available",
            "09:01:00 agent.state 1002 not_ready Idle",
            "09:02:00 agent.state 1002 available",
        ]
    );
    assert_eq!((run.skipped, run.rejected), (0, vec![]));
    let unknown = run_with(CallcenterOptions::default(), &[state(0.0, "Dancing")]);
    assert_eq!(unknown.rejected, [RejectReason::UnsupportedRecord]);
}

#[test]
fn a_redelivered_or_reserialised_record_has_the_same_ids() {
    let records = answered_call();
    let once = run_with(CallcenterOptions::default(), &records);
    // Redelivered: every record again.
    let mut twice = records.clone();
    twice.extend(records.iter().cloned());
    let again = run_with(CallcenterOptions::default(), &twice);
    let mut unique: Vec<&String> = again.ids.iter().collect();
    unique.sort();
    unique.dedup();
    let mut expected: Vec<&String> = once.ids.iter().collect();
    expected.sort();
    assert_eq!(
        unique, expected,
        "the second delivery repeats the first's ids"
    );
    // Re-serialised by a relay (other header order, a header more): the call events keep their ids.
    let reordered: Vec<String> = records
        .iter()
        .map(|record| {
            let value: Map<String, Value> = serde_json::from_str(record).unwrap();
            let mut entries: Vec<(String, Value)> = value.into_iter().collect();
            entries.reverse();
            entries.push(("Core-UUID".into(), json!("b8a1")));
            let mut text = String::from("{");
            for (index, (name, value)) in entries.iter().enumerate() {
                if index > 0 {
                    text.push(',');
                }
                text.push_str(&format!("{}:{}", json!(name), value));
            }
            text.push('}');
            text
        })
        .collect();
    let relayed = run_with(CallcenterOptions::default(), &reordered);
    let call_ids = |run: &Run| -> Vec<String> {
        run.ids
            .iter()
            .zip(&run.events)
            .filter(|(_, shown)| !shown.contains("call.ringing"))
            .map(|(id, _)| id.clone())
            .collect()
    };
    assert_eq!(call_ids(&relayed), call_ids(&once));
    assert!(once.ids.iter().all(|id| id.starts_with("fs-")));
}

#[test]
fn a_lost_bridge_end_is_told_by_member_queue_end_and_a_lost_bridge_start_too() {
    let one = with(member(1, "support"), &[("CC-Agent", "1001")]);
    let two = with(member(2, "support"), &[("CC-Agent", "1002")]);
    let answered = epoch(12);
    let records = [
        call_event("member-queue-start", Some(0.0), &member(1, "support")),
        call_event("bridge-agent-start", Some(5.0), &one),
        // bridge-agent-end lost.
        call_event(
            "member-queue-end",
            Some(65.0),
            &with(one.clone(), &[("CC-Cause", "Terminated")]),
        ),
        call_event("member-queue-start", Some(10.0), &member(2, "support")),
        // bridge-agent-start and -end lost: the answer comes from CC-Agent-Answered-Time.
        call_event(
            "member-queue-end",
            Some(70.0),
            &with(
                two,
                &[
                    ("CC-Cause", "Terminated"),
                    ("CC-Agent-Answered-Time", &answered),
                ],
            ),
        ),
    ];
    assert_eq!(
        run(&records),
        [
            "09:00:00 call.queued s1 support",
            "09:00:05 call.answered s1 support 1001",
            "09:01:05 call.ended s1 1001",
            "09:01:05 call.completed s1 1001",
            "09:00:10 call.queued s2 support",
            "09:00:12 call.answered s2 support 1002",
            "09:01:10 call.ended s2 1002",
            "09:01:10 call.completed s2 1002",
        ]
    );
}

#[test]
fn member_queue_end_before_bridge_agent_end_tells_the_same_facts_under_the_same_ids() {
    let records = answered_call();
    let in_order = run_with(CallcenterOptions::default(), &records);
    let mut swapped = records.clone();
    swapped.swap(3, 4);
    let out_of_order = run_with(CallcenterOptions::default(), &swapped);
    // The end and completion come from member-queue-end, then again from bridge-agent-end under the
    // same ids: the center drops the second pair as duplicates.
    assert_eq!(out_of_order.ids.len(), 7);
    let mut unique = out_of_order.ids.clone();
    unique.sort();
    unique.dedup();
    let mut expected = in_order.ids.clone();
    expected.sort();
    assert_eq!(unique, expected);
}

#[test]
fn events_of_one_second_keep_their_order() {
    let m = member(1, "support");
    let agent = with(m.clone(), &[("CC-Agent", "1001")]);
    let second = epoch(30);
    let at = |headers: &[(String, String)], name: &str| with(headers.to_vec(), &[(name, &second)]);
    let records = [
        call_event("member-queue-start", None, &at(&m, "CC-Member-Joined-Time")),
        call_event(
            "bridge-agent-start",
            None,
            &at(&agent, "CC-Agent-Answered-Time"),
        ),
        call_event(
            "bridge-agent-end",
            None,
            &at(&agent, "CC-Bridge-Terminated-Time"),
        ),
    ];
    assert_eq!(
        run(&records),
        [
            "09:00:30 call.queued s1 support",
            "09:00:30 call.answered s1 support 1001",
            "09:00:30 call.ended s1 1001",
            "09:00:30 call.completed s1 1001",
        ]
    );
}

#[test]
fn events_without_callboard_meaning_are_skipped_not_rejected() {
    let records = [
        r#"{"Event-Name":"HEARTBEAT","Event-Date-Timestamp":"1795424400000000"}"#.to_string(),
        r#"{"Event-Name":"CUSTOM","Event-Subclass":"sofia::register"}"#.to_string(),
        event(
            "members-count",
            Some(1.0),
            &[("CC-Count", "3"), ("CC-Queue", "support")],
        ),
        call_event(
            "bridge-agent-fail",
            Some(2.0),
            &with(
                member(1, "support"),
                &[
                    ("CC-Agent", "1001"),
                    ("CC-Hangup-Cause", "ORIGINATOR_CANCEL"),
                ],
            ),
        ),
    ];
    let run = run_with(CallcenterOptions::default(), &records);
    assert_eq!((run.events.len(), run.skipped), (0, 4));
    assert_eq!(run.rejected, []);
}

#[test]
fn garbage_and_truncated_json_are_rejected_with_a_reason() {
    use RejectReason::*;
    let whole = answered_call().remove(0);
    let no_member = event("member-queue-start", Some(0.0), &[("CC-Queue", "support")]);
    let no_time = call_event("member-queue-start", None, &member(1, "support"));
    let bad_time = r#"{"Event-Name":"CUSTOM","Event-Subclass":"callcenter::info","CC-Action":"member-queue-start","CC-Member-UUID":"m1","CC-Queue":"q","Event-Date-Timestamp":"yesterday"}"#;
    let unknown_cause = call_event(
        "member-queue-end",
        Some(1.0),
        &with(member(1, "support"), &[("CC-Cause", "Vanished")]),
    );
    let long_queue = call_event(
        "member-queue-start",
        Some(0.0),
        &member(1, &"q".repeat(200)),
    );
    let cases: Vec<(String, RejectReason)> = vec![
        (whole[..whole.len() / 2].to_string(), MalformedJson),
        ("not json".into(), MalformedJson),
        (String::new(), MalformedJson),
        ("[1,2]".into(), UnsupportedRecord),
        ("\"text\"".into(), UnsupportedRecord),
        (
            r#"{"Event-Name":"CUSTOM","Event-Subclass":"callcenter::info"}"#.into(),
            UnsupportedRecord,
        ),
        (no_member, MissingField),
        (no_time, MissingField),
        (bad_time.into(), BadTime),
        (unknown_cause, UnsupportedRecord),
        (long_queue, UnsupportedRecord),
        (
            event(
                "agent-status-change",
                Some(0.0),
                &[("CC-Agent", "1001"), ("CC-Agent-Status", "Asleep")],
            ),
            UnsupportedRecord,
        ),
    ];
    for (record, reason) in cases {
        let run = run_with(CallcenterOptions::default(), std::slice::from_ref(&record));
        assert_eq!(run.rejected, [reason], "{record}");
        assert!(run.events.is_empty(), "{record}");
    }
    let limits = DecodeLimits {
        max_message_bytes: 64,
    };
    let mut adapter = CallcenterAdapter::new(CallcenterOptions {
        limits,
        ..CallcenterOptions::default()
    });
    let refused = adapter.adapt_into(whole.as_bytes(), &mut Vec::new());
    assert_eq!(refused.unwrap_err().reason, TooLarge);
}

#[test]
fn open_calls_are_bounded() {
    let mut adapter = CallcenterAdapter::new(CallcenterOptions::default());
    let mut out = Vec::new();
    for n in 0..(state::MAX_OPEN_CALLS as u32 + 10) {
        let record = call_event("member-queue-start", Some(0.0), &member(n, "support"));
        adapter.adapt_into(record.as_bytes(), &mut out).unwrap();
    }
    assert_eq!(adapter.state.open_calls(), state::MAX_OPEN_CALLS);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn garbage_never_panics(
        records in proptest::collection::vec(
            prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..200),
                // Truncations and byte flips of valid events.
                (0usize..5, 0usize..400, any::<u8>()).prop_map(|(which, cut, byte)| {
                    let mut bytes = answered_call()[which].clone().into_bytes();
                    let cut = cut.min(bytes.len());
                    if cut < bytes.len() && byte % 2 == 0 {
                        bytes[cut] = byte;
                        bytes
                    } else {
                        bytes[..cut].to_vec()
                    }
                }),
            ],
            0..20,
        )
    ) {
        let mut adapter = CallcenterAdapter::new(CallcenterOptions::default());
        let mut out = Vec::new();
        for record in &records {
            let before = out.len();
            if adapter.adapt_into(record, &mut out).is_err() {
                prop_assert_eq!(out.len(), before, "a rejected record adds nothing");
            }
        }
        adapter.finish(&mut out);
    }
}

/// member-queue-start's CC-Member-CID-Number becomes the opaque caller (FNV-1a 64 of its digits,
/// worked out in Python): member 1's 5550101.
#[test]
fn a_member_names_its_caller_by_a_pseudonym_of_its_number() {
    let mut adapter = CallcenterAdapter::new(CallcenterOptions::default());
    let mut events = Vec::new();
    let record = call_event("member-queue-start", Some(0.0), &member(1, "sales"));
    adapter.adapt_into(record.as_bytes(), &mut events).unwrap();
    assert_eq!(callers(&events), [Some("h4462b3d2ddf917b6".to_string())]);
}
