//! The adapter verb by verb and trap by trap, on lines written from Asterisk's documentation
//! (`Queue-Logs.md`: `epoch|callid|queuename|agent|EVENT|data…`). Times are 2026-11-23 from 09:00:00 UTC
//! (epoch 1795424400); expected events are written out by hand.

use proptest::prelude::*;

use super::*;
use crate::decode::test_support::{callers, show, NINE};
use crate::event::{DequeueReason, EventKind, RejectReason};

/// Feeds `lines` (times as seconds after 09:00:00, written `+S`) through one adapter and finishes it;
/// returns every event shown, and the number of skipped records and rejections by reason.
fn run_with(options: QueueLogOptions, lines: &[&str]) -> (Vec<String>, usize, Vec<RejectReason>) {
    let mut adapter = QueueLogAdapter::new(options);
    let mut events = Vec::new();
    let (mut skipped, mut rejected) = (0, Vec::new());
    for line in lines {
        let line = match line.strip_prefix('+') {
            Some(rest) => {
                let (offset, rest) = rest.split_once('|').expect("+S|…");
                format!("{}|{rest}", NINE + offset.parse::<i64>().unwrap())
            }
            None => line.to_string(),
        };
        match adapter.adapt_into(line.as_bytes(), &mut events) {
            Ok(Mapped::Skipped) => skipped += 1,
            Ok(Mapped::Used) => {}
            Err(error) => rejected.push(error.reason),
        }
    }
    adapter.finish(&mut events);
    (events.iter().map(show).collect(), skipped, rejected)
}

fn run(lines: &[&str]) -> Vec<String> {
    let (events, skipped, rejected) = run_with(QueueLogOptions::default(), lines);
    assert_eq!((skipped, rejected), (0, vec![]), "{events:#?}");
    events
}

fn with_wrap_up(ms: Millis) -> QueueLogOptions {
    QueueLogOptions {
        wrap_up_ms: ms,
        ..QueueLogOptions::default()
    }
}

#[test]
fn enterqueue_is_queued() {
    assert_eq!(
        run(&["+0|1795424399.17|sales|NONE|ENTERQUEUE||555-0101|1"]),
        ["09:00:00 call.queued 1795424399.17 sales"]
    );
}

/// ENTERQUEUE's callerid becomes the opaque caller (FNV-1a 64 of its digits, worked out in Python);
/// a withheld or empty one names none.
#[test]
fn enterqueue_names_its_caller_by_a_pseudonym_of_the_callerid() {
    let mut adapter = QueueLogAdapter::new(QueueLogOptions::default());
    let mut events = Vec::new();
    for (second, callerid) in [(0, "555-0101"), (1, "anonymous"), (2, "")] {
        let line = format!(
            "{}|c{second}|sales|NONE|ENTERQUEUE||{callerid}|1",
            NINE + second
        );
        adapter.adapt_into(line.as_bytes(), &mut events).unwrap();
    }
    assert_eq!(
        callers(&events),
        [Some("h4462b3d2ddf917b6".to_string()), None, None]
    );
}

#[test]
fn connect_is_answered_after_a_ring_dated_back_by_its_ringtime() {
    // CONNECT holdtime 12 | bridged uniqueid | ringtime 4: the ring began at 09:00:08.
    assert_eq!(
        run(&[
            "+0|c1|sales|NONE|ENTERQUEUE||555-0101|1",
            "+12|c1|sales|Sathish|CONNECT|12|1795424412.20|4",
        ]),
        [
            "09:00:00 call.queued c1 sales",
            "09:00:08 call.ringing c1 sales Sathish",
            "09:00:12 call.answered c1 sales Sathish",
        ]
    );
}

#[test]
fn completeagent_and_completecaller_end_the_call_and_complete_it_without_wrap_up() {
    assert_eq!(
        run(&[
            "+0|c1|sales|NONE|ENTERQUEUE||555-0101|1",
            "+5|c1|sales|Sathish|CONNECT|5|1795424405.20|0",
            "+65|c1|sales|Sathish|COMPLETEAGENT|5|60|1",
            "+70|c2|sales|NONE|ENTERQUEUE||555-0102|1",
            "+75|c2|sales|Anna|CONNECT|5|1795424475.21|0",
            "+95|c2|sales|Anna|COMPLETECALLER|5|20|1",
        ]),
        [
            "09:00:00 call.queued c1 sales",
            "09:00:05 call.answered c1 sales Sathish",
            "09:01:05 call.ended c1 Sathish",
            "09:01:05 call.completed c1 Sathish",
            "09:01:10 call.queued c2 sales",
            "09:01:15 call.answered c2 sales Anna",
            "09:01:35 call.ended c2 Anna",
            "09:01:35 call.completed c2 Anna",
        ]
    );
}

#[test]
fn wrap_up_time_completes_the_call_when_a_later_line_arrives() {
    // wrapuptime 30 s: c1 ends 09:01:05, so its completion is due 09:01:35; it goes out before the first
    // line at or after that time (09:01:40), not with the line at 09:01:20.
    let (events, _, _) = run_with(
        with_wrap_up(30_000),
        &[
            "+0|c1|sales|NONE|ENTERQUEUE||555-0101|1",
            "+5|c1|sales|Sathish|CONNECT|5|1795424405.20|0",
            "+65|c1|sales|Sathish|COMPLETEAGENT|5|60|1",
            "+80|c2|sales|NONE|ENTERQUEUE||555-0102|1",
            "+100|c2|sales|NONE|ABANDON|1|1|20",
        ],
    );
    assert_eq!(
        events,
        [
            "09:00:00 call.queued c1 sales",
            "09:00:05 call.answered c1 sales Sathish",
            "09:01:05 call.ended c1 Sathish",
            "09:01:20 call.queued c2 sales",
            "09:01:35 call.completed c1 Sathish",
            "09:01:40 call.abandoned c2 sales",
        ]
    );
}

#[test]
fn per_queue_wrap_up_and_its_end_at_the_next_answer_or_the_end_of_input() {
    // support's wrapuptime is 60 s, the default 0. Anna ends c1 (support) at 09:01:00 and answers c2 at
    // 09:01:20, which ends her wrap-up there; c3 (support) ends 09:02:00 and nothing follows, so its
    // completion comes at the end of the input at 09:03:00.
    let options = QueueLogOptions {
        queue_wrap_up_ms: [(Id::from("support"), 60_000)].into_iter().collect(),
        ..QueueLogOptions::default()
    };
    let (events, _, _) = run_with(
        options,
        &[
            "+0|c1|support|NONE|ENTERQUEUE||555-0101|1",
            "+0|c1|support|Anna|CONNECT|0|1795424400.1|0",
            "+60|c1|support|Anna|COMPLETECALLER|0|60|1",
            "+70|c2|sales|NONE|ENTERQUEUE||555-0102|1",
            "+80|c2|sales|Anna|CONNECT|10|1795424480.2|0",
            "+90|c2|sales|Anna|COMPLETECALLER|10|10|1",
            "+100|c3|support|NONE|ENTERQUEUE||555-0103|1",
            "+100|c3|support|Bert|CONNECT|0|1795424500.3|0",
            "+120|c3|support|Bert|COMPLETEAGENT|0|20|1",
        ],
    );
    assert_eq!(
        events,
        [
            "09:00:00 call.queued c1 support",
            "09:00:00 call.answered c1 support Anna",
            "09:01:00 call.ended c1 Anna",
            "09:01:10 call.queued c2 sales",
            "09:01:20 call.completed c1 Anna",
            "09:01:20 call.answered c2 sales Anna",
            "09:01:30 call.ended c2 Anna",
            "09:01:30 call.completed c2 Anna",
            "09:01:40 call.queued c3 support",
            "09:01:40 call.answered c3 support Bert",
            "09:02:00 call.ended c3 Bert",
            "09:03:00 call.completed c3 Bert",
        ]
    );
}

#[test]
fn transfers_of_each_generation_are_transferred_and_a_queue_transfer_queues_again() {
    // TRANSFER (≤ 11: exten|context|holdtime|calltime|origpos), BLINDTRANSFER and ATTENDEDTRANSFER
    // (12+); the queue-to-queue transfer is a new ENTERQUEUE of the same callid.
    assert_eq!(
        run(&[
            "+0|c1|sales|NONE|ENTERQUEUE||555-0101|1",
            "+2|c1|sales|Anna|CONNECT|2|1795424402.1|0",
            "+30|c1|sales|Anna|BLINDTRANSFER|600|from-queue|2|28|1",
            "+32|c1|support|NONE|ENTERQUEUE||555-0101|1",
            "+40|c1|support|Bert|CONNECT|8|1795424440.2|0",
            "+50|c1|support|Bert|ATTENDEDTRANSFER|BRIDGE|1795424450.3|8|10|1",
            "+60|c2|sales|NONE|ENTERQUEUE||555-0102|1",
            "+61|c2|sales|Anna|CONNECT|1|1795424461.4|0",
            "+70|c2|sales|Anna|TRANSFER|700|default|1|9|1",
        ]),
        [
            "09:00:00 call.queued c1 sales",
            "09:00:02 call.answered c1 sales Anna",
            "09:00:30 call.transferred c1 Anna",
            "09:00:30 call.completed c1 Anna",
            "09:00:32 call.queued c1 support",
            "09:00:40 call.answered c1 support Bert",
            "09:00:50 call.transferred c1 Bert",
            "09:00:50 call.completed c1 Bert",
            "09:01:00 call.queued c2 sales",
            "09:01:01 call.answered c2 sales Anna",
            "09:01:10 call.transferred c2 Anna",
            "09:01:10 call.completed c2 Anna",
        ]
    );
}

#[test]
fn abandon_and_each_exit_become_abandoned_and_dequeued_with_their_reason() {
    assert_eq!(
        run(&[
            "+0|c1|sales|NONE|ENTERQUEUE||555-0101|1",
            "+14|c1|sales|NONE|ABANDON|1|1|14",
            "+0|c2|sales|NONE|ENTERQUEUE||555-0102|2",
            "+300|c2|sales|NONE|EXITWITHTIMEOUT|1|2|300",
            "+0|c3|sales|NONE|ENTERQUEUE||555-0103|3",
            "+20|c3|sales|NONE|EXITWITHKEY|1|1|3|20",
            "+0|c4|sales|NONE|ENTERQUEUE||555-0104|4",
            "+1|c4|sales|NONE|EXITEMPTY|1|4|1",
            "+0|c5|sales|NONE|ENTERQUEUE||555-0105|5",
            "+9|c5|sales|NONE|WITHDRAW|1|5|9|callback",
        ])
        .into_iter()
        .filter(|event| !event.contains("call.queued"))
        .collect::<Vec<_>>(),
        [
            "09:00:14 call.abandoned c1 sales",
            "09:05:00 call.dequeued c2 sales timeout",
            "09:00:20 call.dequeued c3 sales exit_key",
            "09:00:01 call.dequeued c4 sales other",
            "09:00:09 call.dequeued c5 sales other",
        ]
    );
}

#[test]
fn ringnoanswer_and_ringcanceled_are_rings_dated_back_by_their_milliseconds() {
    // RINGNOANSWER 15000 ms at 09:00:20: the ring began at 09:00:05; RINGCANCELED 2500 ms at 09:00:30
    // (the caller left while Bert's phone rang) began at 09:00:27.5.
    assert_eq!(
        run(&[
            "+0|c1|sales|NONE|ENTERQUEUE||555-0101|1",
            "+20|c1|sales|Anna|RINGNOANSWER|15000",
            "+30|c1|sales|Bert|RINGCANCELED|2500",
            "+30|c1|sales|NONE|ABANDON|1|1|30",
        ]),
        [
            "09:00:00 call.queued c1 sales",
            "09:00:05 call.ringing c1 sales Anna",
            "09:00:27.500 call.ringing c1 sales Bert",
            "09:00:30 call.abandoned c1 sales",
        ]
    );
}

#[test]
fn a_ring_is_never_dated_before_its_queue_entry_nor_more_than_a_minute_back() {
    // Whole seconds: entered at 09:00:00 (really 09:00:00.9), rang 10.4 s until 09:00:10 → 08:59:59.6
    // is before the entry, so 09:00:00. A 5-minute ring is dated back one minute only.
    assert_eq!(
        run(&[
            "+0|c1|sales|NONE|ENTERQUEUE||555-0101|1",
            "+10|c1|sales|Anna|RINGNOANSWER|10400",
            "+200|c2|sales|NONE|ENTERQUEUE||555-0102|1",
            "+500|c2|sales|Anna|RINGNOANSWER|300000",
        ])[1..],
        [
            "09:00:00 call.ringing c1 sales Anna",
            "09:03:20 call.queued c2 sales",
            "09:07:20 call.ringing c2 sales Anna",
        ]
    );
}

#[test]
fn member_lines_log_in_change_queues_and_log_out() {
    // ADDMEMBER sales: login with [sales] and available; ADDMEMBER support: queues [sales,support];
    // REMOVEMEMBER sales: [support]; REMOVEMEMBER support: logout. The interface is the agent here (no
    // map): that is the interface trap, tested below.
    assert_eq!(
        run(&[
            "+0|MANAGER|sales|SIP/1001|ADDMEMBER|",
            "+1|MANAGER|support|SIP/1001|ADDMEMBER|",
            "+60|MANAGER|sales|SIP/1001|REMOVEMEMBER|",
            "+61|MANAGER|support|SIP/1001|REMOVEMEMBER|",
            "+70|MANAGER|sales|SIP/1002|ADDMEMBER|PAUSED",
        ]),
        [
            "09:00:00 agent.login SIP/1001 [sales]",
            "09:00:00 agent.state SIP/1001 available",
            "09:00:01 agent.queues SIP/1001 [sales,support]",
            "09:01:00 agent.queues SIP/1001 [support]",
            "09:01:01 agent.logout SIP/1001",
            "09:01:10 agent.login SIP/1002 [sales]",
            "09:01:10 agent.state SIP/1002 not_ready -",
        ]
    );
}

#[test]
fn agent_login_and_logoff_of_both_generations() {
    assert_eq!(
        run(&[
            "+0|NONE|NONE|Agent/1001|AGENTLOGIN|SIP/1001-00000a3f",
            "+3600|NONE|NONE|Agent/1001|AGENTLOGOFF|SIP/1001-00000a3f|3600",
            "+0|NONE|NONE|Agent/1127|AGENTCALLBACKLOGIN|1127@callback-agent",
            "+60|NONE|NONE|Agent/1127|AGENTCALLBACKLOGOFF|1127@callback-agent|60|CommandLogoff",
        ]),
        [
            "09:00:00 agent.login Agent/1001",
            "09:00:00 agent.state Agent/1001 available",
            "10:00:00 agent.logout Agent/1001",
            "09:00:00 agent.login Agent/1127",
            "09:00:00 agent.state Agent/1127 available",
            "09:01:00 agent.logout Agent/1127",
        ]
    );
}

#[test]
fn pauseall_and_one_pause_per_queue_are_one_state_change() {
    // One user action: PAUSEALL (queue NONE) and a PAUSE in each of the agent's two queues, reason in
    // data1; then the same for UNPAUSE. A new reason while paused is a new state.
    assert_eq!(
        run(&[
            "+0|NONE|NONE|Sathish|PAUSEALL|lunch",
            "+0|NONE|sales|Sathish|PAUSE|lunch",
            "+0|NONE|support|Sathish|PAUSE|lunch",
            "+1800|NONE|NONE|Sathish|UNPAUSEALL|",
            "+1800|NONE|sales|Sathish|UNPAUSE|",
            "+1800|NONE|support|Sathish|UNPAUSE|",
            "+2000|NONE|sales|Sathish|PAUSE|",
            "+2100|NONE|sales|Sathish|PAUSE|training",
        ]),
        [
            "09:00:00 agent.state Sathish not_ready lunch",
            "09:30:00 agent.state Sathish available",
            "09:33:20 agent.state Sathish not_ready -",
            "09:35:00 agent.state Sathish not_ready training",
        ]
    );
}

#[test]
fn queuestart_closes_the_calls_the_restart_cut() {
    // At the restart c1 waits (dequeued, other) and c2 is in talk with Anna (ended and completed at the
    // restart); c3 had ended. After it, callids start again and new calls are fine.
    let events = run(&[
        "+0|c1|sales|NONE|ENTERQUEUE||555-0101|1",
        "+0|c2|sales|NONE|ENTERQUEUE||555-0102|2",
        "+5|c2|sales|Anna|CONNECT|5|1795424405.1|0",
        "+6|c3|sales|NONE|ENTERQUEUE||555-0103|2",
        "+7|c3|sales|NONE|ABANDON|1|2|1",
        "+100|NONE|NONE|NONE|QUEUESTART|",
        "+130|1795424530.0|sales|NONE|ENTERQUEUE||555-0104|1",
    ]);
    assert_eq!(
        events[5..],
        [
            "09:01:40 call.dequeued c1 sales other",
            "09:01:40 call.ended c2 Anna",
            "09:01:40 call.completed c2 Anna",
            "09:02:10 call.queued 1795424530.0 sales",
        ]
    );
}

#[test]
fn records_without_callboard_meaning_are_skipped_not_rejected() {
    // CONFIGRELOAD, QueueMetrics' DID and INFO, PBXware's OUT* verbs, Wazo's FULL, AGENTDUMP.
    let (events, skipped, rejected) = run_with(
        QueueLogOptions::default(),
        &[
            "+0|NONE|NONE|NONE|CONFIGRELOAD|",
            "+1|1795424401.17|500|NONE|DID|7777",
            "+2|1795424401.17|500|NONE|INFO|IVR|1",
            "+3|1795424403.5|NONE|Agent/1127|OUTDIAL|555-0199|from-internal",
            "+4|1795424403.5|NONE|Agent/1127|OUTANSWER|3",
            "+5|1795424405.9|sales|NONE|FULL|",
            "+6|1795424406.9|sales|Anna|AGENTDUMP|",
            "+7|1795424406.9|sales|Anna|SOMETHINGNEW|a|b|c|d|e|f|g|h|i",
        ],
    );
    assert_eq!((events.len(), skipped, rejected), (0, 8, vec![]));
}

#[test]
fn the_interface_and_the_member_name_are_one_agent_by_configuration() {
    // Issabel's log: ADDMEMBER names SIP/1001, CONNECT and UNPAUSE name Sathish; configured as one.
    let options = QueueLogOptions {
        members: [(Id::from("SIP/1001"), Id::from("Sathish"))]
            .into_iter()
            .collect(),
        ..QueueLogOptions::default()
    };
    let (events, _, _) = run_with(
        options,
        &[
            "+0|MANAGER|500|SIP/1001|ADDMEMBER|",
            "+0|NONE|NONE|Sathish|UNPAUSEALL|",
            "+0|NONE|500|Sathish|UNPAUSE|",
            "+10|c1|500|NONE|ENTERQUEUE||1002|1",
            "+16|c1|500|Sathish|CONNECT|6|1795424416.20|6",
        ],
    );
    assert_eq!(
        events,
        [
            "09:00:00 agent.login Sathish [500]",
            "09:00:00 agent.state Sathish available",
            "09:00:10 call.queued c1 500",
            "09:00:10 call.ringing c1 500 Sathish",
            "09:00:16 call.answered c1 500 Sathish",
        ]
    );
}

#[test]
fn the_interface_and_the_member_name_are_one_agent_when_a_login_line_shows_both() {
    // PBXware's log: AGENTCALLBACKLOGIN Agent/1127 from 1127@callback-agent, then ADDMEMBER names
    // Local/1127@callback-agent; AGENTLOGIN's channel SIP/1001-0000002a is the interface SIP/1001.
    let (events, _, _) = run_with(
        QueueLogOptions::default(),
        &[
            "+0|NONE|NONE|Agent/1127|AGENTCALLBACKLOGIN|1127@callback-agent",
            "+1|MANAGER|sales|Local/1127@callback-agent|ADDMEMBER|",
            "+2|NONE|NONE|Agent/1001|AGENTLOGIN|SIP/1001-0000002a",
            "+3|MANAGER|sales|SIP/1001|REMOVEMEMBER|",
        ],
    );
    assert_eq!(
        events,
        [
            "09:00:00 agent.login Agent/1127",
            "09:00:00 agent.state Agent/1127 available",
            "09:00:01 agent.queues Agent/1127 [sales]",
            "09:00:02 agent.login Agent/1001",
            "09:00:02 agent.state Agent/1001 available",
            "09:00:03 agent.logout Agent/1001",
        ]
    );
}

#[test]
fn lines_of_one_second_keep_the_file_order() {
    // Four lines at 09:00:10: Anna ends c1, c2 enters, Anna answers c2, c3 abandons.
    assert_eq!(
        run(&[
            "+0|c1|sales|NONE|ENTERQUEUE||555-0101|1",
            "+1|c1|sales|Anna|CONNECT|1|1795424401.1|0",
            "+5|c3|sales|NONE|ENTERQUEUE||555-0103|1",
            "+10|c1|sales|Anna|COMPLETECALLER|1|9|1",
            "+10|c2|sales|NONE|ENTERQUEUE||555-0102|2",
            "+10|c2|sales|Anna|CONNECT|0|1795424410.2|0",
            "+10|c3|sales|NONE|ABANDON|2|1|5",
        ])[3..],
        [
            "09:00:10 call.ended c1 Anna",
            "09:00:10 call.completed c1 Anna",
            "09:00:10 call.queued c2 sales",
            "09:00:10 call.answered c2 sales Anna",
            "09:00:10 call.abandoned c3 sales",
        ]
    );
}

#[test]
fn asterisk_1_4_lines_with_fewer_data_fields_map_alike() {
    // 1.4: ENTERQUEUE url|callerid (no position), CONNECT holdtime|bridged (no ringtime), TRANSFER with
    // four fields, COMPLETECALLER holdtime|calltime.
    assert_eq!(
        run(&[
            "+0|c1|sales|NONE|ENTERQUEUE||555-0101",
            "+4|c1|sales|Agent/1001|CONNECT|4|1795424404.2",
            "+30|c1|sales|Agent/1001|TRANSFER|600|default|4|26",
            "+40|c2|sales|NONE|ENTERQUEUE|",
            "+41|c2|sales|Agent/1001|CONNECT|1",
            "+50|c2|sales|Agent/1001|COMPLETECALLER|1|9",
        ]),
        [
            "09:00:00 call.queued c1 sales",
            "09:00:04 call.answered c1 sales Agent/1001",
            "09:00:30 call.transferred c1 Agent/1001",
            "09:00:30 call.completed c1 Agent/1001",
            "09:00:40 call.queued c2 sales",
            "09:00:41 call.answered c2 sales Agent/1001",
            "09:00:50 call.ended c2 Agent/1001",
            "09:00:50 call.completed c2 Agent/1001",
        ]
    );
}

#[test]
fn a_nul_run_from_an_unclean_shutdown_leaves_the_line_after_it() {
    // The torn line before the NULs is lost; the line written after the restart is read. A line that
    // ends in NULs is a partial line.
    let mut adapter = QueueLogAdapter::new(QueueLogOptions::default());
    let mut torn = b"17954244".to_vec();
    torn.extend_from_slice(&[0; 300]);
    torn.extend_from_slice(b"1795424400|c1|sales|NONE|ENTERQUEUE||555-0101|1");
    let adapted = adapter.adapt(&torn).unwrap();
    assert_eq!(adapted.events.len(), 1);
    assert_eq!(show(&adapted.events[0]), "09:00:00 call.queued c1 sales");
    let mut partial = b"1795424400|c1|sales|Anna|CONN".to_vec();
    partial.extend_from_slice(&[0; 64]);
    let error = adapter.adapt(&partial).unwrap_err();
    assert_eq!(error.reason, RejectReason::UnsupportedRecord);
}

#[test]
fn partial_and_damaged_lines_are_rejected_with_a_reason() {
    let (events, skipped, rejected) = run_with(
        QueueLogOptions::default(),
        &[
            "1795424400|c1|sales",                               // partial last line
            "1795424400|c1|sales|NONE",                          // still no verb
            "yesterday|c1|sales|NONE|ENTERQUEUE||555-0101",      // no epoch
            "-5|c1|sales|NONE|ENTERQUEUE",                       // negative
            "99999999999999|c1|sales|NONE|ENTERQUEUE",           // beyond 9999
            "1795424400|c1|sales|NONE|",                         // empty verb
            "1795424400|NONE|sales|NONE|ENTERQUEUE||555-0101|1", // a call line without its call
            "1795424400|c1|NONE|NONE|ABANDON|1|1|3",             // … without its queue
            "1795424400|c1|sales|NONE|CONNECT|3|1.2|0",          // … without its agent
            "1795424400|NONE|NONE||PAUSE|lunch",                 // an agent line without its agent
        ],
    );
    assert_eq!((events.len(), skipped), (0, 0));
    use RejectReason::*;
    assert_eq!(
        rejected,
        [
            UnsupportedRecord,
            UnsupportedRecord,
            BadTime,
            BadTime,
            BadTime,
            UnsupportedRecord,
            MissingField,
            MissingField,
            MissingField,
            MissingField
        ]
    );
    let mut adapter = QueueLogAdapter::new(QueueLogOptions::default());
    let huge = format!("1795424400|c1|sales|NONE|INFO|{}", "x".repeat(70_000));
    assert_eq!(adapter.adapt(huge.as_bytes()).unwrap_err().reason, TooLarge);
    let long_id = format!("1795424400|{}|sales|NONE|ENTERQUEUE", "c".repeat(129));
    assert_eq!(
        adapter.adapt(long_id.as_bytes()).unwrap_err().reason,
        UnsupportedRecord
    );
    let latin1 = b"1795424400|c1|ventas|Jos\xe9|PAUSE|almuerzo";
    assert_eq!(adapter.adapt(latin1).unwrap_err().reason, UnsupportedRecord);
}

#[test]
fn ids_are_a_hash_of_the_line_so_a_redelivered_line_has_the_same_ids() {
    let line = b"1795424412|c1|sales|Sathish|CONNECT|12|1795424412.20|4";
    let ids = |adapted: Adapted| -> Vec<String> {
        adapted
            .events
            .iter()
            .map(|event| event.id.clone().unwrap().to_string())
            .collect()
    };
    let first = ids(QueueLogAdapter::new(QueueLogOptions::default())
        .adapt(line)
        .unwrap());
    let mut adapter = QueueLogAdapter::new(QueueLogOptions::default());
    adapter.adapt(line).unwrap();
    let again = ids(adapter.adapt(line).unwrap());
    let hash = format!("{:016x}", crate::decode::adapter::fnv1a(line));
    assert_eq!(first, [format!("aq-{hash}-r"), format!("aq-{hash}-a")]);
    assert_eq!(again, first);
    // With a line ending (a Kafka message may keep it), the same record.
    let mut with_newline = line.to_vec();
    with_newline.extend_from_slice(b"\r\n");
    assert_eq!(ids(adapter.adapt(&with_newline).unwrap()), first);
    let other = ids(adapter
        .adapt(b"1795424413|c1|sales|Sathish|CONNECT|12|1795424412.20|4")
        .unwrap());
    assert_ne!(other, first);
}

#[test]
fn database_rows_take_local_time_in_the_source_zone_and_either_data_shape() {
    // Realtime `queue_log` rows: `time` in local time without an offset. In America/New_York on
    // 2026-11-23 (EST, UTC−5) 04:00:00.250 is 09:00:00.250 UTC.
    let options = QueueLogOptions {
        time_zone: "America/New_York".parse().unwrap(),
        ..QueueLogOptions::default()
    };
    let (events, skipped, rejected) = run_with(
        options,
        &[
            r#"{"time":"2026-11-23 04:00:00.250000","callid":"c1","queuename":"sales","agent":"NONE","event":"ENTERQUEUE","data":"|555-0101|1"}"#,
            r#"{"time":"2026-11-23 04:00:12.000000","callid":"c1","queuename":"sales","agent":"Sathish","event":"CONNECT","data1":"12","data2":"1795424412.20","data3":"4","data4":"","data5":""}"#,
            r#"{"time":1795424472,"callid":"c1","queuename":"sales","agent":"Sathish","event":"COMPLETECALLER","data1":12,"data2":60,"data3":1}"#,
            r#"{"time":"2026-11-23T09:02:00Z","callid":"NONE","queuename":"NONE","agent":"NONE","event":"CONFIGRELOAD","data":""}"#,
            r#"{"time":"2026-11-23 25:00:00","callid":"c2","queuename":"sales","agent":"NONE","event":"ENTERQUEUE"}"#,
            r#"{"callid":"c2","queuename":"sales","agent":"NONE","event":"ENTERQUEUE"}"#,
            r#"{"time":"2026-11-23 04:00:00","callid":"c2""#,
        ],
    );
    assert_eq!(
        events,
        [
            "09:00:00.250 call.queued c1 sales",
            "09:00:08 call.ringing c1 sales Sathish",
            "09:00:12 call.answered c1 sales Sathish",
            "09:01:12 call.ended c1 Sathish",
            "09:01:12 call.completed c1 Sathish",
        ]
    );
    use RejectReason::*;
    assert_eq!(
        (skipped, rejected),
        (1, vec![BadTime, BadTime, MalformedJson])
    );
}

#[test]
fn the_hour_repeated_when_summer_time_ends_is_taken_at_its_first_occurrence() {
    // Europe/Berlin, 2026-10-25: 02:30 local happens twice (CEST, then CET); the first is 00:30 UTC.
    let mut adapter = QueueLogAdapter::new(QueueLogOptions {
        time_zone: "Europe/Berlin".parse().unwrap(),
        ..QueueLogOptions::default()
    });
    let row = br#"{"time":"2026-10-25 02:30:00","callid":"c1","queuename":"q","agent":"NONE","event":"ENTERQUEUE"}"#;
    let event = &adapter.adapt(row).unwrap().events[0];
    assert_eq!(
        event.time,
        chrono::DateTime::parse_from_rfc3339("2026-10-25T00:30:00Z")
            .unwrap()
            .timestamp_millis()
    );
}

#[test]
fn open_calls_are_bounded_and_the_oldest_is_forgotten() {
    let mut adapter = QueueLogAdapter::new(QueueLogOptions::default());
    for index in 0..state::MAX_OPEN_CALLS + 5 {
        let line = format!("1795424400|c{index}|sales|NONE|ENTERQUEUE||555-0101|1");
        adapter.adapt(line.as_bytes()).unwrap();
    }
    // The restart closes what is remembered: the bound, not the 5 forgotten first.
    let closed = adapter
        .adapt(b"1795424500|NONE|NONE|NONE|QUEUESTART|")
        .unwrap()
        .events;
    assert_eq!(closed.len(), state::MAX_OPEN_CALLS);
    assert!(closed.iter().all(|event| matches!(
        &event.kind,
        EventKind::CallDequeued { call, reason: DequeueReason::Other, .. } if call.as_str() != "c0"
    )));
}

proptest! {
    /// Garbage never panics: every record is mapped, skipped or rejected with one of the reasons.
    #[test]
    fn garbage_never_panics(
        lines in proptest::collection::vec(
            prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..200),
                proptest::collection::vec(
                    prop_oneof![Just(b'|'), Just(0u8), Just(b'1'), Just(b'{'), Just(b'"'), any::<u8>()],
                    0..120,
                ),
                "[0-9]{1,14}\\|[a-zA-Z0-9.]{0,8}\\|[a-z]{0,6}\\|[A-Za-z/0-9]{0,10}\\|(ENTERQUEUE|CONNECT|RINGNOANSWER|COMPLETEAGENT|TRANSFER|ABANDON|EXITWITHKEY|ADDMEMBER|REMOVEMEMBER|PAUSE|PAUSEALL|UNPAUSE|AGENTLOGIN|AGENTCALLBACKLOGIN|QUEUESTART|X)(\\|[0-9a-zA-Z@/-]{0,12}){0,7}"
                    .prop_map(String::into_bytes),
            ],
            0..40,
        ),
        wrap_up_ms in 0i64..100_000,
    ) {
        let mut adapter = QueueLogAdapter::new(with_wrap_up(wrap_up_ms));
        let mut out = Vec::new();
        for line in &lines {
            let _ = adapter.adapt_into(line, &mut out);
        }
        adapter.finish(&mut out);
        for event in &out {
            prop_assert!(event.id.as_ref().is_some_and(|id| id.starts_with("aq-")));
        }
    }
}
