//! The adapter event type by event type and trap by trap, on events written from Twilio's
//! documentation (Event Streams CloudEvents, workspace event callbacks re-encoded as JSON). Times are
//! 2026-11-23 from 09:00:00 UTC (epoch 1795424400); expected events are written out by hand.

use super::*;
use crate::decode::test_support::callers;
use crate::event::{Availability, EventKind, RejectReason};

const NINE: i64 = 1_795_424_400;

/// `+S type fields…` of an event (S: seconds after 09:00:00), for assertions a person can read.
fn show(event: &Event) -> String {
    let at = (event.time - NINE * 1_000) as f64 / 1_000.0;
    let fields = match &event.kind {
        EventKind::CallQueued { call, queue, .. } | EventKind::CallAbandoned { call, queue } => {
            format!("{call} {queue}")
        }
        EventKind::CallRinging { call, queue, agent }
        | EventKind::CallAnswered { call, queue, agent } => format!("{call} {queue} {agent}"),
        EventKind::CallDequeued {
            call,
            queue,
            reason,
        } => format!("{call} {queue} {}", reason.as_str()),
        EventKind::CallEnded { call, agent }
        | EventKind::CallCompleted { call, agent, .. }
        | EventKind::CallTransferred { call, agent, .. } => format!("{call} {agent}"),
        EventKind::AgentLogin { agent, .. } | EventKind::AgentLogout { agent } => agent.to_string(),
        EventKind::AgentState {
            agent,
            availability: Availability::Available,
        } => format!("{agent} available"),
        EventKind::AgentState {
            agent,
            availability: Availability::NotReady { reason },
        } => format!("{agent} not_ready {}", reason.as_deref().unwrap_or("-")),
        other => format!("{other:?}"),
    };
    format!("+{at} {} {fields}", event.kind.type_name())
}

/// An Event Streams CloudEvent of `event_type` at `seconds` after 09:00:00 with `payload` fields.
fn cloud(sid: &str, event_type: &str, seconds: f64, payload: &str) -> String {
    let ms = NINE * 1_000 + (seconds * 1_000.0) as i64;
    let time = crate::decode::time::rfc3339(ms);
    format!(
        r#"{{"specversion":"1.0","type":"com.twilio.taskrouter.{event_type}","source":"/v1/Workspaces/WS01","id":"CE{sid}","time":"{time}","data":{{"sid":"EV{sid}","timestamp":"{time}","payload":{{"workspace_sid":"WS01"{payload}}}}}}}"#
    )
}

/// A workspace event callback re-encoded as JSON, `Timestamp` in whole seconds.
fn callback(sid: &str, event_type: &str, seconds: i64, fields: &str) -> String {
    format!(
        r#"{{"EventType":"{event_type}","Sid":"EV{sid}","WorkspaceSid":"WS01","Timestamp":"{}"{fields}}}"#,
        NINE + seconds
    )
}

const VOICE: &str = r#","task_sid":"WT1","task_channel_unique_name":"voice","task_queue_sid":"WQ1","task_queue_name":"support""#;
const ANNA: &str = r#","worker_sid":"WK1","worker_name":"anna""#;

fn adapt(adapter: &mut TaskRouterAdapter, records: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for record in records {
        adapter.adapt_into(record.as_bytes(), &mut out).unwrap();
    }
    out.iter().map(show).collect()
}

fn check(records: &[String], expected: &[&str]) {
    let mut adapter = TaskRouterAdapter::new(TaskRouterOptions::default());
    assert_eq!(adapt(&mut adapter, records), expected);
}

#[test]
fn an_answered_call_queues_once_rings_answers_ends_and_completes() {
    let anna = format!("{VOICE}{ANNA}");
    check(
        &[
            cloud("1", "task.created", 0.0, VOICE),
            cloud("2", "task-queue.entered", 0.1, VOICE),
            cloud("3", "reservation.created", 2.0, &anna),
            cloud("4", "reservation.accepted", 5.5, &anna),
            cloud("5", "task.wrapup", 125.0, VOICE),
            cloud("6", "task.completed", 150.0, VOICE),
        ],
        &[
            "+0 call.queued WT1 support",
            "+2 call.ringing WT1 support anna",
            "+5.5 call.answered WT1 support anna",
            "+125 call.ended WT1 anna",
            "+150 call.completed WT1 anna",
        ],
    );
}

#[test]
fn the_legacy_callback_spelling_gives_the_same_events() {
    let task = r#","TaskSid":"WT1","TaskChannelUniqueName":"voice","TaskQueueName":"support""#;
    let anna = format!(r#"{task},"WorkerName":"anna""#);
    check(
        &[
            callback("1", "task-queue.entered", 0, task),
            callback("2", "reservation.created", 1, &anna),
            callback("3", "reservation.accepted", 3, &anna),
            callback("4", "task.completed", 60, task),
        ],
        &[
            "+0 call.queued WT1 support",
            "+1 call.ringing WT1 support anna",
            "+3 call.answered WT1 support anna",
            // No wrap-up seen: the completion ends the call too.
            "+60 call.ended WT1 anna",
            "+60 call.completed WT1 anna",
        ],
    );
}

#[test]
fn canceled_tasks_abandon_on_hangup_and_time_out_on_ttl() {
    let two = VOICE.replace("WT1", "WT2");
    let three = VOICE.replace("WT1", "WT3");
    let hangup = format!(r#"{VOICE},"task_canceled_reason":"hangup""#);
    let ttl = format!(r#"{two},"task_canceled_reason":"Task TTL Exceeded""#);
    let app = format!(r#"{three},"task_canceled_reason":"closed by the IVR""#);
    check(
        &[
            cloud("1", "task.created", 0.0, VOICE),
            cloud("2", "task.created", 1.0, &two),
            cloud("3", "task.created", 2.0, &three),
            cloud("4", "task.canceled", 30.0, &hangup),
            cloud("5", "task.canceled", 300.0, &ttl),
            cloud("6", "task.canceled", 301.0, &app),
        ],
        &[
            "+0 call.queued WT1 support",
            "+1 call.queued WT2 support",
            "+2 call.queued WT3 support",
            "+30 call.abandoned WT1 support",
            "+300 call.dequeued WT2 support timeout",
            "+301 call.dequeued WT3 support other",
        ],
    );
}

#[test]
fn a_move_is_an_overflow_dequeue_and_a_queue_entry() {
    let moved = VOICE.replace("WQ1", "WQ2").replace("support", "billing");
    check(
        &[
            cloud("1", "task-queue.entered", 0.0, VOICE),
            cloud("2", "task-queue.moved", 60.0, &moved),
            // TaskRouter may also announce the entry: the task is queued there once.
            cloud("3", "task-queue.entered", 60.0, &moved),
        ],
        &[
            "+0 call.queued WT1 support",
            "+60 call.dequeued WT1 support overflow",
            "+60 call.queued WT1 billing",
        ],
    );
    // Delivered after the answer in the new queue, the move is still made, at its own time.
    let bert = format!(r#"{moved},"worker_sid":"WK2","worker_name":"bert""#);
    check(
        &[
            cloud("1", "task-queue.entered", 0.0, VOICE),
            cloud("4", "reservation.accepted", 65.0, &bert),
            cloud("2", "task-queue.moved", 60.0, &moved),
        ],
        &[
            "+0 call.queued WT1 support",
            "+65 call.answered WT1 billing bert",
            "+60 call.dequeued WT1 support overflow",
            "+60 call.queued WT1 billing",
        ],
    );
}

#[test]
fn an_unanswered_reservation_makes_no_event_of_its_own() {
    let anna = format!("{VOICE}{ANNA}");
    let bert = format!(r#"{VOICE},"worker_sid":"WK2","worker_name":"bert""#);
    check(
        &[
            cloud("1", "task-queue.entered", 0.0, VOICE),
            cloud("2", "reservation.created", 1.0, &anna),
            cloud("3", "reservation.timeout", 16.0, &anna),
            cloud("4", "reservation.created", 17.0, &bert),
            cloud("5", "reservation.rejected", 19.0, &bert),
        ],
        &[
            "+0 call.queued WT1 support",
            "+1 call.ringing WT1 support anna",
            "+17 call.ringing WT1 support bert",
        ],
    );
}

#[test]
fn activities_log_in_set_state_and_log_out() {
    let update = |name: &str| {
        format!(r#"{ANNA},"worker_activity_sid":"WA{name}","worker_activity_name":"{name}""#)
    };
    check(
        &[
            cloud("1", "worker.activity.update", 0.0, &update("Available")),
            cloud("2", "worker.activity.update", 60.0, &update("Break")),
            cloud("3", "worker.activity.update", 120.0, &update("Available")),
            cloud("4", "worker.activity.update", 180.0, &update("Offline")),
            cloud("5", "worker.activity.update", 240.0, &update("Break")),
        ],
        &[
            "+0 agent.login anna",
            "+0 agent.state anna available",
            "+60 agent.state anna not_ready Break",
            "+120 agent.state anna available",
            "+180 agent.logout anna",
            "+240 agent.login anna",
            "+240 agent.state anna not_ready Break",
        ],
    );
}

#[test]
fn availability_is_learned_from_activity_events_and_configuration_wins() {
    let idle = r#","activity_sid":"WAidle","activity_name":"Idle","activity_available":"true""#;
    let update = |name: &str| {
        format!(r#"{ANNA},"worker_activity_sid":"WA{name}","worker_activity_name":"{name}""#)
    };
    let mut options = TaskRouterOptions::default();
    options
        .activities
        .insert(Id::from("Training"), ActivityMeaning::Available);
    let mut adapter = TaskRouterAdapter::new(options);
    assert_eq!(
        adapt(
            &mut adapter,
            &[
                callback("1", "activity.created", 0, idle),
                cloud("2", "worker.activity.update", 1.0, &update("Idle")),
                cloud("3", "worker.activity.update", 2.0, &update("Training")),
            ]
        ),
        [
            "+1 agent.login anna",
            "+1 agent.state anna available",
            "+2 agent.state anna available",
        ]
    );
}

#[test]
fn tasks_of_other_channels_are_skipped_unless_configured() {
    let chat = VOICE.replace("voice", "chat");
    let record = cloud("1", "task.created", 0.0, &chat);
    let mut out = Vec::new();
    let mut adapter = TaskRouterAdapter::new(TaskRouterOptions::default());
    assert_eq!(
        adapter.adapt_into(record.as_bytes(), &mut out),
        Ok(Mapped::Skipped)
    );
    assert!(out.is_empty());
    let mut adapter = TaskRouterAdapter::new(TaskRouterOptions {
        channels: vec![Id::from("voice"), Id::from("chat")],
        ..TaskRouterOptions::default()
    });
    assert_eq!(
        adapter.adapt_into(record.as_bytes(), &mut out),
        Ok(Mapped::Used)
    );
    assert_eq!(out.len(), 1);
}

#[test]
fn a_redelivered_event_gets_the_same_ids_even_with_fields_added_by_a_bridge() {
    let first = cloud("1", "task.created", 0.0, VOICE);
    let again = first.replacen('{', r#"{"received_at":"2026-11-23T09:00:03Z","#, 1);
    let mut adapter = TaskRouterAdapter::new(TaskRouterOptions::default());
    let (mut one, mut two) = (Vec::new(), Vec::new());
    adapter.adapt_into(first.as_bytes(), &mut one).unwrap();
    // The second copy is a repeat of the queue entry: no second call.queued at all.
    adapter.adapt_into(again.as_bytes(), &mut two).unwrap();
    assert_eq!(one.len(), 1);
    assert!(two.is_empty());
    let mut fresh = TaskRouterAdapter::new(TaskRouterOptions::default());
    fresh.adapt_into(again.as_bytes(), &mut two).unwrap();
    assert_eq!(one[0].id, two[0].id, "the center drops it as a duplicate");
}

#[test]
fn events_out_of_order_keep_their_times_and_nothing_follows_the_completion() {
    let anna = format!("{VOICE}{ANNA}");
    check(
        &[
            cloud("4", "reservation.accepted", 5.0, &anna),
            cloud("1", "task-queue.entered", 0.0, VOICE),
            cloud("6", "task.completed", 90.0, VOICE),
            // A late wrap-up (delivered after the completion) adds nothing.
            cloud("5", "task.wrapup", 60.0, VOICE),
        ],
        &[
            "+5 call.answered WT1 support anna",
            "+0 call.queued WT1 support",
            "+90 call.ended WT1 anna",
            "+90 call.completed WT1 anna",
        ],
    );
}

#[test]
fn a_cancel_delivered_before_the_queue_entry_still_gets_its_entry() {
    let hangup = format!(r#"{VOICE},"task_canceled_reason":"hangup""#);
    let anna = format!("{VOICE}{ANNA}");
    check(
        &[
            cloud("3", "task.canceled", 30.0, &hangup),
            cloud("2", "reservation.created", 3.0, &anna),
            cloud("1", "task-queue.entered", 0.0, VOICE),
        ],
        &[
            "+30 call.abandoned WT1 support",
            "+3 call.ringing WT1 support anna",
            "+0 call.queued WT1 support",
        ],
    );
}

#[test]
fn one_second_callback_clocks_and_milliseconds_when_given() {
    let fields = format!(r#"{VOICE},"TimestampMs":"{}""#, NINE * 1_000 + 250);
    let record = callback("1", "task.created", 0, &fields);
    let mut adapter = TaskRouterAdapter::new(TaskRouterOptions::default());
    assert_eq!(
        adapt(&mut adapter, &[record]),
        ["+0.25 call.queued WT1 support"]
    );
}

#[test]
fn events_without_callboard_meaning_are_skipped() {
    let mut adapter = TaskRouterAdapter::new(TaskRouterOptions::default());
    let mut out = Vec::new();
    for record in [
        cloud("1", "task.updated", 0.0, VOICE),
        cloud("2", "workflow.entered", 0.0, VOICE),
        cloud("3", "worker.attributes.update", 0.0, ANNA),
        r#"{"specversion":"1.0","type":"com.twilio.voice.status-callback.call.ringing","id":"x","time":"2026-11-23T09:00:00Z","data":{}}"#.to_string(),
    ] {
        assert_eq!(adapter.adapt_into(record.as_bytes(), &mut out), Ok(Mapped::Skipped), "{record}");
    }
    assert!(out.is_empty());
}

#[test]
fn garbage_and_truncated_json_are_rejected_with_a_reason_never_a_panic() {
    let whole = cloud("1", "reservation.accepted", 0.0, &format!("{VOICE}{ANNA}"));
    let mut adapter = TaskRouterAdapter::new(TaskRouterOptions::default());
    let mut out = Vec::new();
    for cut in 0..whole.len() {
        assert!(
            adapter
                .adapt_into(&whole.as_bytes()[..cut], &mut out)
                .is_err(),
            "{cut}"
        );
    }
    let reason = |bytes: &[u8]| {
        let mut adapter = TaskRouterAdapter::new(TaskRouterOptions::default());
        adapter
            .adapt_into(bytes, &mut Vec::new())
            .unwrap_err()
            .reason
    };
    assert_eq!(reason(b"{\"type\":"), RejectReason::MalformedJson);
    assert_eq!(reason(&[0xff, 0xfe, 0x00]), RejectReason::MalformedJson);
    assert_eq!(reason(b"[1,2]"), RejectReason::UnsupportedRecord);
    assert_eq!(
        reason(br#"{"hello":"world"}"#),
        RejectReason::UnsupportedRecord
    );
    assert_eq!(
        reason(br#"{"EventType":"task.created","TaskSid":"WT1"}"#),
        RejectReason::BadTime
    );
    assert_eq!(
        reason(
            callback(
                "1",
                "reservation.created",
                0,
                r#","TaskQueueName":"support""#
            )
            .as_bytes()
        ),
        RejectReason::MissingField
    );
    let long = format!(r#","task_sid":"{}""#, "x".repeat(200));
    assert_eq!(
        reason(cloud("1", "task.created", 0.0, &long).as_bytes()),
        RejectReason::UnsupportedRecord
    );
    let huge = vec![b' '; DecodeLimits::DEFAULT_MAX_MESSAGE_BYTES + 1];
    assert_eq!(reason(&huge), RejectReason::TooLarge);
    assert!(out.is_empty());
}

/// Two voice tasks of one call (`call_sid` CA1): WT1 in support, answered by anna, transferred to
/// sales as WT2, which bert answers.
const WT1: &str = r#","task_sid":"WT1","task_channel_unique_name":"voice","task_queue_sid":"WQ1","task_queue_name":"support","task_attributes":"{\"call_sid\": \"CA1\", \"from\": \"+15555550123\"}""#;
const WT2: &str = r#","task_sid":"WT2","task_channel_unique_name":"voice","task_queue_sid":"WQ2","task_queue_name":"sales","task_attributes":"{\"call_sid\": \"CA1\", \"from\": \"+15555550123\"}""#;
const BERT: &str = r#","worker_sid":"WK2","worker_name":"bert""#;
const TO_SALES: &str = r#","task_transfer_sid":"TT1","transfer_type":"QUEUE","transfer_mode":"COLD","transfer_to":"WQ2","transfer_initiating_worker_sid":"WK1""#;

/// WT1 queued at +0 and answered by anna at +5: the start of every transfer test.
fn answered_by_anna() -> Vec<String> {
    vec![
        cloud("1", "task-queue.entered", 0.0, WT1),
        cloud("2", "reservation.accepted", 5.0, &format!("{WT1}{ANNA}")),
    ]
}

#[test]
fn a_cold_transfer_ends_the_first_workers_talk_by_transfer_and_the_new_task_is_the_same_call() {
    let mut records = answered_by_anna();
    records.extend([
        cloud(
            "3",
            "task.transfer-initiated",
            60.0,
            &format!("{WT1}{TO_SALES}"),
        ),
        cloud("4", "task.wrapup", 60.0, WT1),
        cloud("5", "task.created", 60.5, WT2),
        cloud("6", "task-queue.entered", 60.5, WT2),
        cloud("7", "reservation.accepted", 70.0, &format!("{WT2}{BERT}")),
        cloud(
            "8",
            "task.transfer-completed",
            70.0,
            &format!("{WT1}{TO_SALES}"),
        ),
        cloud("9", "task.completed", 90.0, WT1),
    ]);
    check(
        &records,
        &[
            "+0 call.queued CA1 support",
            "+5 call.answered CA1 support anna",
            "+60 call.transferred CA1 anna",
            "+60.5 call.queued CA1 sales",
            "+70 call.answered CA1 sales bert",
            "+90 call.completed CA1 anna",
        ],
    );
}

#[test]
fn a_warm_transfer_ends_the_first_workers_talk_when_it_completes() {
    let mut records = answered_by_anna();
    let warm = TO_SALES.replace("COLD", "WARM");
    records.extend([
        cloud(
            "3",
            "task.transfer-initiated",
            60.0,
            &format!("{WT1}{warm}"),
        ),
        cloud("4", "task-queue.entered", 60.5, WT2),
        cloud("5", "reservation.accepted", 70.0, &format!("{WT2}{BERT}")),
        // The event may name the target worker: the transfer is still anna's.
        cloud(
            "6",
            "task.transfer-completed",
            80.0,
            &format!("{WT1}{warm}{BERT}"),
        ),
        cloud("7", "task.wrapup", 80.0, WT1),
        cloud("8", "task.completed", 95.0, WT1),
    ]);
    check(
        &records,
        &[
            "+0 call.queued CA1 support",
            "+5 call.answered CA1 support anna",
            "+60.5 call.queued CA1 sales",
            "+70 call.answered CA1 sales bert",
            "+80 call.transferred CA1 anna",
            "+95 call.completed CA1 anna",
        ],
    );
}

#[test]
fn a_failed_or_canceled_transfer_leaves_the_call_with_its_worker() {
    for (sid, ending) in [
        ("f", "task.transfer-failed"),
        ("c", "task.transfer-canceled"),
    ] {
        let mut records = answered_by_anna();
        records.extend([
            cloud(
                "3",
                "task.transfer-initiated",
                60.0,
                &format!("{WT1}{TO_SALES}"),
            ),
            cloud(
                "4",
                "task.transfer-attempt-failed",
                65.0,
                &format!("{WT1}{TO_SALES}"),
            ),
            cloud(sid, ending, 70.0, &format!("{WT1}{TO_SALES}")),
            cloud("5", "task.completed", 120.0, WT1),
        ]);
        check(
            &records,
            &[
                "+0 call.queued CA1 support",
                "+5 call.answered CA1 support anna",
                "+120 call.ended CA1 anna",
                "+120 call.completed CA1 anna",
            ],
        );
    }
}

#[test]
fn transfer_events_of_another_channel_are_skipped() {
    let chat = WT1.replace("voice", "chat");
    let mut adapter = TaskRouterAdapter::new(TaskRouterOptions::default());
    let record = cloud("1", "task.transfer-initiated", 0.0, &chat);
    let mut out = Vec::new();
    let mapped = adapter.adapt_into(record.as_bytes(), &mut out).unwrap();
    assert_eq!((mapped, out.len()), (Mapped::Skipped, 0));
}

/// A voice task's `from` attribute becomes the opaque caller (FNV-1a 64 of its digits, worked out in
/// Python): WT1's +15555550123; a task without one names none.
#[test]
fn a_task_names_its_caller_by_a_pseudonym_of_its_from_number() {
    let mut adapter = TaskRouterAdapter::new(TaskRouterOptions::default());
    let mut out = Vec::new();
    for record in [
        cloud("1", "task-queue.entered", 0.0, WT1),
        cloud("2", "task-queue.entered", 1.0, &VOICE.replace("WT1", "WT9")),
    ] {
        adapter.adapt_into(record.as_bytes(), &mut out).unwrap();
    }
    assert_eq!(callers(&out), [Some("h2c1f73d9308dda16".to_string()), None]);
}
