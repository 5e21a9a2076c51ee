//! The contact-record adapter fact by fact, re-send by re-send and trap by trap, on records written
//! from AWS's contact-record data model (`ContactId`, `InitialContactId`, `Channel`,
//! `InitiationMethod`, `Queue`, `Agent`, `TransferCompletedTimestamp`, `DisconnectTimestamp`,
//! `DisconnectReason`, `LastUpdateTimestamp`). Times are 2026-11-23 from 09:00:00 UTC; expected
//! events are written out by hand.

use serde_json::{json, Value};

use super::record::ContactKey;
use super::*;
use crate::decode::test_support::show;

/// `09:MM:SS` of 2026-11-23 as RFC 3339.
fn at(clock: &str) -> String {
    format!("2026-11-23T09:{clock}Z")
}

/// A voice contact record of `contact` queued in support at `enqueued`, last updated at `updated`
/// (a time of the day after), with `fields` merged in (null removes one).
fn ctr(contact: &str, enqueued: &str, updated: &str, fields: Value) -> String {
    let mut record = json!({
        "AWSAccountId": "111122223333", "AWSContactTraceRecordFormatVersion": "2017-03-10",
        "Channel": "VOICE", "ContactId": contact, "InitialContactId": null, "PreviousContactId": null,
        "InitiationMethod": "INBOUND", "InitiationTimestamp": at("00:00"),
        "InstanceARN": "arn:aws:connect:eu-west-1:111122223333:instance/inst-1",
        "CustomerEndpoint": {"Address": "+15550100001", "Type": "TELEPHONE_NUMBER"},
        "Queue": {"Name": "support", "ARN": "arn:aws:connect:eu-west-1:111122223333:instance/inst-1/queue/q-1",
                  "EnqueueTimestamp": at(enqueued), "DequeueTimestamp": null, "Duration": 0},
        "Agent": null, "Attributes": {},
        "LastUpdateTimestamp": format!("2026-11-24T{updated}Z"),
    });
    for (key, value) in fields.as_object().unwrap() {
        if value.is_null() {
            record.as_object_mut().unwrap().remove(key);
        } else {
            record[key] = value.clone();
        }
    }
    record.to_string()
}

/// An `Agent` object: `username` connected at `connected`, after-contact work `acw_start`–`acw_end`.
fn agent(username: &str, connected: &str, hold: u64, acw_start: &str, acw_end: &str) -> Value {
    json!({"Username": username, "ARN": format!("arn:aws:connect:eu-west-1:111122223333:instance/inst-1/agent/{username}"),
           "ConnectedToAgentTimestamp": at(connected), "CustomerHoldDuration": hold,
           "NumberOfHolds": if hold > 0 { 1 } else { 0 }, "LongestHoldDuration": hold,
           "AgentInteractionDuration": 0, "AfterContactWorkStartTimestamp": at(acw_start),
           "AfterContactWorkEndTimestamp": at(acw_end), "AfterContactWorkDuration": 0})
}

fn adapter() -> ContactRecordsAdapter {
    ContactRecordsAdapter::new(ContactRecordsOptions {
        tenant: Id::from("acme"),
        ..ContactRecordsOptions::default()
    })
}

/// Every event the adapter hands over at the end of the input, batch by batch.
fn finish(adapter: &mut ContactRecordsAdapter) -> Vec<Event> {
    let mut all = Vec::new();
    loop {
        let mut batch = Vec::new();
        SourceAdapter::finish(adapter, &mut batch);
        if batch.is_empty() {
            return all;
        }
        all.append(&mut batch);
    }
}

/// The events of `records`, shown one per line.
fn check(records: &[String], expected: &[&str]) {
    let mut adapter = adapter();
    for record in records {
        assert_eq!(
            adapter.adapt(record.as_bytes()),
            Ok(Mapped::Used),
            "{record}"
        );
    }
    let out = finish(&mut adapter);
    let shown: Vec<String> = out.iter().map(show).collect();
    assert_eq!(shown, expected);
    for event in &out {
        assert_eq!(event.tenant.as_str(), "acme");
    }
}

#[test]
fn an_answered_call_with_a_hold_ends_at_after_contact_work_and_completes_at_its_end() {
    // Connected 01:10, ACW 05:10–05:40, 50 s of hold: one hold placed just before the end.
    let record = ctr(
        "c1",
        "01:00",
        "08:00:00",
        json!({"Agent": agent("ana", "01:10", 50, "05:10", "05:40"),
               "DisconnectTimestamp": at("05:10"), "DisconnectReason": "CUSTOMER_DISCONNECT"}),
    );
    check(
        &[record],
        &[
            "09:01:00 call.queued c1 support",
            "09:01:10 call.answered c1 support ana",
            "09:04:20 call.held c1 ana",
            "09:05:10 call.resumed c1 ana",
            "09:05:10 call.ended c1 ana",
            "09:05:40 call.completed c1 ana",
        ],
    );
}

#[test]
fn the_agent_part_ends_at_the_transfer_else_after_contact_work_else_the_disconnect() {
    let mut without_acw = agent("ben", "02:05", 0, "00:00", "00:00");
    let fields = without_acw.as_object_mut().unwrap();
    fields.remove("AfterContactWorkStartTimestamp");
    fields.remove("AfterContactWorkEndTimestamp");
    // c2: no after-contact work: ended and completed at the disconnect.
    let c2 = ctr(
        "c2",
        "02:00",
        "08:00:00",
        json!({"Agent": without_acw, "DisconnectTimestamp": at("03:00")}),
    );
    // c3: hold longer than the agent's part (a clock disagreement) is cut to it.
    let c3 = ctr(
        "c3",
        "04:00",
        "08:00:00",
        json!({"Agent": agent("cleo", "04:10", 900, "04:40", "04:50"),
               "DisconnectTimestamp": at("04:40")}),
    );
    check(
        &[c2, c3],
        &[
            "09:02:00 call.queued c2 support",
            "09:02:05 call.answered c2 support ben",
            "09:03:00 call.ended c2 ben",
            "09:03:00 call.completed c2 ben",
            "09:04:00 call.queued c3 support",
            "09:04:10 call.answered c3 support cleo",
            "09:04:10 call.held c3 cleo",
            "09:04:40 call.resumed c3 cleo",
            "09:04:40 call.ended c3 cleo",
            "09:04:50 call.completed c3 cleo",
        ],
    );
}

#[test]
fn never_connected_is_an_abandon_if_the_customer_hung_up_else_a_dequeue() {
    let abandoned = ctr(
        "c1",
        "01:00",
        "08:00:00",
        json!({"Queue": {"Name": "support", "EnqueueTimestamp": at("01:00"), "DequeueTimestamp": at("01:45")},
               "DisconnectTimestamp": at("01:45"), "DisconnectReason": "CUSTOMER_DISCONNECT"}),
    );
    // Dequeued by the flow at 02:30 (DequeueTimestamp), the line dropped later.
    let dequeued = ctr(
        "c2",
        "02:00",
        "08:00:00",
        json!({"Queue": {"Name": "support", "EnqueueTimestamp": at("02:00"), "DequeueTimestamp": at("02:30")},
               "DisconnectTimestamp": at("02:50"), "DisconnectReason": "CONTACT_FLOW_DISCONNECT"}),
    );
    // An agent rang (AgentConnectionAttempts) but never connected: still not answered; no
    // DequeueTimestamp, so the disconnect ends the stay.
    let rang = ctr(
        "c3",
        "03:00",
        "08:00:00",
        json!({"Agent": {"Username": "ana", "ConnectedToAgentTimestamp": null},
               "AgentConnectionAttempts": 1,
               "DisconnectTimestamp": at("03:20"), "DisconnectReason": "CUSTOMER_DISCONNECT"}),
    );
    check(
        &[abandoned, dequeued, rang],
        &[
            "09:01:00 call.queued c1 support",
            "09:01:45 call.abandoned c1 support",
            "09:02:00 call.queued c2 support",
            "09:02:30 call.dequeued c2 support other",
            "09:03:00 call.queued c3 support",
            "09:03:20 call.abandoned c3 support",
        ],
    );
}

#[test]
fn a_transfer_chain_is_one_call_by_initial_contact_id_and_events_come_in_time_order() {
    // c1 answered by ana, transferred to sales at 03:00 (after 40 s of hold), her after-contact work
    // ends 03:30; the transfer's contact c1-t (InitialContactId c1) queues in sales 03:01, ben 03:11.
    // A third contact c9 overlaps both: the events interleave by time.
    let first = ctr(
        "c1",
        "01:00",
        "08:00:00",
        json!({"Agent": agent("ana", "01:10", 40, "03:00", "03:30"),
               "TransferCompletedTimestamp": at("03:00"), "DisconnectTimestamp": at("06:00"),
               "DisconnectReason": "CUSTOMER_DISCONNECT"}),
    );
    let second = ctr(
        "c1-t",
        "03:01",
        "08:00:00",
        json!({"InitialContactId": "c1", "PreviousContactId": "c1", "InitiationMethod": "TRANSFER",
               "Queue": {"Name": "sales", "EnqueueTimestamp": at("03:01"), "DequeueTimestamp": at("03:11")},
               "Agent": agent("ben", "03:11", 0, "06:00", "06:20"),
               "DisconnectTimestamp": at("06:00"), "DisconnectReason": "CUSTOMER_DISCONNECT"}),
    );
    let other = ctr(
        "c9",
        "02:00",
        "08:00:00",
        json!({"DisconnectTimestamp": at("03:05"), "DisconnectReason": "CUSTOMER_DISCONNECT"}),
    );
    // Delivered transfer first: the order of the input does not matter.
    check(
        &[second, other, first],
        &[
            "09:01:00 call.queued c1 support",
            "09:01:10 call.answered c1 support ana",
            "09:02:00 call.queued c9 support",
            "09:02:20 call.held c1 ana",
            "09:03:00 call.resumed c1 ana",
            "09:03:00 call.transferred c1 ana",
            "09:03:01 call.queued c1 sales",
            "09:03:05 call.abandoned c9 support",
            "09:03:11 call.answered c1 sales ben",
            "09:03:30 call.completed c1 ana",
            "09:06:00 call.ended c1 ben",
            "09:06:20 call.completed c1 ben",
        ],
    );
}

/// c1's first record (abandoned) and a re-send (the customer had in fact reached ana).
fn first_and_resend() -> (String, String) {
    let first = ctr(
        "c1",
        "01:00",
        "08:00:00",
        json!({"DisconnectTimestamp": at("01:30"), "DisconnectReason": "CUSTOMER_DISCONNECT"}),
    );
    let resend = ctr(
        "c1",
        "01:00",
        "08:05:00",
        json!({"Agent": agent("ana", "01:10", 0, "02:10", "02:20"),
               "DisconnectTimestamp": at("02:10"), "DisconnectReason": "CUSTOMER_DISCONNECT"}),
    );
    (first, resend)
}

#[test]
fn a_resent_record_with_a_newer_last_update_replaces_the_older_whatever_the_order() {
    let (first, resend) = first_and_resend();
    let expected = [
        "09:01:00 call.queued c1 support",
        "09:01:10 call.answered c1 support ana",
        "09:02:10 call.ended c1 ana",
        "09:02:20 call.completed c1 ana",
    ];
    for records in [
        [first.clone(), resend.clone()],
        [resend.clone(), first.clone()],
    ] {
        let mut adapter = adapter();
        for record in &records {
            assert_eq!(adapter.adapt(record.as_bytes()), Ok(Mapped::Used));
        }
        let shown: Vec<String> = finish(&mut adapter).iter().map(show).collect();
        assert_eq!(shown, expected);
        assert_eq!(adapter.superseded(), 1);
        assert!(
            adapter
                .summary()
                .contains("1 contact records superseded by a newer one"),
            "{}",
            adapter.summary()
        );
    }
    // The same record twice: one contact, the repeat counted as superseded.
    let mut adapter = adapter();
    adapter.adapt(first.as_bytes()).unwrap();
    adapter.adapt(first.as_bytes()).unwrap();
    assert_eq!(finish(&mut adapter).len(), 2);
    assert_eq!(adapter.superseded(), 1);
}

#[test]
fn ids_hash_the_contact_so_the_contact_events_adapter_gives_a_fact_the_same_id() {
    let (_, resend) = first_and_resend();
    let mut adapter = adapter();
    adapter.adapt(resend.as_bytes()).unwrap();
    let events = finish(&mut adapter);
    let hash = crate::decode::adapter::fnv1a(b"c1");
    let ids: Vec<String> = events
        .iter()
        .map(|event| event.id.clone().unwrap().to_string())
        .collect();
    let id = |suffix| crate::decode::adapter::event_id("ac", hash, suffix).to_string();
    assert_eq!(ids, [id("q"), id("a"), id("e"), id("c")]);
    // The contact-events adapter's QUEUED of c1 carries the same id.
    let queued = json!({"version": "0", "id": "e1", "detail-type": "Amazon Connect Contact Event",
        "source": "aws.connect", "time": at("01:00"),
        "detail": {"eventType": "QUEUED", "contactId": "c1", "channel": "VOICE",
                   "initiationMethod": "INBOUND", "queueInfo": {"queueArn": "arn:q/support",
                   "enqueueTimestamp": at("01:00")}}});
    let mut events_adapter = crate::decode::amazon_connect::ContactEventsAdapter::new(
        crate::decode::amazon_connect::ContactEventsOptions::default(),
    );
    let mut out = Vec::new();
    events_adapter
        .adapt_into(queued.to_string().as_bytes(), &mut out)
        .unwrap();
    assert_eq!(out[0].id.as_deref(), Some(id("q").as_str()));
}

#[test]
fn many_contacts_come_out_in_time_order_in_batches() {
    // 5,000 calls, one entering every second from 09:00:00 (in reverse order in the input), each
    // answered 10 s later and completed 200 s after that: 20,000 events, interleaved, in batches.
    let mut adapter = adapter();
    for n in (0..5_000u32).rev() {
        let clock = |offset: u32| {
            let seconds = n + offset;
            format!(
                "2026-11-23T{:02}:{:02}:{:02}Z",
                9 + seconds / 3_600,
                seconds / 60 % 60,
                seconds % 60
            )
        };
        let record = json!({"ContactId": format!("c{n}"), "Channel": "VOICE",
            "LastUpdateTimestamp": "2026-11-24T08:00:00Z",
            "Queue": {"Name": "support", "EnqueueTimestamp": clock(0)},
            "Agent": {"Username": "ana", "ConnectedToAgentTimestamp": clock(10),
                      "AfterContactWorkStartTimestamp": clock(200), "AfterContactWorkEndTimestamp": clock(210)},
            "DisconnectTimestamp": clock(200)});
        adapter.adapt(record.to_string().as_bytes()).unwrap();
    }
    let mut batches = 0;
    let mut all = Vec::new();
    loop {
        let mut batch = Vec::new();
        adapter.finish(&mut batch);
        if batch.is_empty() {
            break;
        }
        assert!(batch.len() <= BATCH);
        batches += 1;
        all.append(&mut batch);
    }
    assert_eq!(all.len(), 20_000);
    assert!(batches >= 5, "{batches}");
    assert!(all.windows(2).all(|pair| pair[0].time <= pair[1].time));
    assert_eq!(show(&all[0]), "09:00:00 call.queued c0 support");
    assert_eq!(show(&all[19_999]), "10:26:49 call.completed c4999 ana");
}

#[test]
fn contacts_without_callboard_meaning_are_skipped() {
    let mut adapter = adapter();
    let chat = ctr("c1", "01:00", "08:00:00", json!({"Channel": "CHAT"}));
    let outbound = ctr(
        "c2",
        "01:00",
        "08:00:00",
        json!({"InitiationMethod": "OUTBOUND", "Queue": {"Name": "outbound", "EnqueueTimestamp": null}}),
    );
    // IVR only: Queue and Agent null, as in the real `ctr-record-1.json`.
    let ivr_only = ctr("c3", "01:00", "08:00:00", json!({"Queue": null}));
    let never_enqueued = ctr(
        "c4",
        "01:00",
        "08:00:00",
        json!({"Queue": {"Name": "support", "EnqueueTimestamp": null}}),
    );
    for record in [chat, outbound, ivr_only, never_enqueued] {
        assert_eq!(
            adapter.adapt(record.as_bytes()),
            Ok(Mapped::Skipped),
            "{record}"
        );
    }
    assert!(finish(&mut adapter).is_empty());
    assert_eq!(adapter.superseded(), 0);
}

#[test]
fn another_channel_counts_when_configured() {
    let mut adapter = ContactRecordsAdapter::new(ContactRecordsOptions {
        channels: vec!["VOICE".into(), "CHAT".into()],
        ..ContactRecordsOptions::default()
    });
    let chat = ctr(
        "c1",
        "01:00",
        "08:00:00",
        json!({"Channel": "CHAT", "DisconnectTimestamp": at("01:30")}),
    );
    assert_eq!(adapter.adapt(chat.as_bytes()), Ok(Mapped::Used));
    assert_eq!(finish(&mut adapter).len(), 2);
}

#[test]
fn garbage_truncated_and_wrongly_typed_records_are_rejected_with_a_reason_and_never_panic() {
    let good = ctr(
        "c1",
        "01:00",
        "08:00:00",
        json!({"Agent": agent("ana", "01:10", 5, "02:00", "02:10"), "DisconnectTimestamp": at("02:00")}),
    );
    let mut adapter = adapter();
    for cut in 1..good.len() {
        let result = adapter.adapt(&good.as_bytes()[..cut]);
        assert!(result.is_err(), "a prefix of {cut} bytes was accepted");
    }
    let with = |fields: Value| ctr("c2", "01:00", "08:00:00", fields);
    let cases: Vec<(String, RejectReason)> = vec![
        ("\u{fffd}garbage".to_string(), RejectReason::MalformedJson),
        (String::new(), RejectReason::MalformedJson),
        ("[1,2]".to_string(), RejectReason::UnsupportedRecord),
        ("\"ContactId\"".to_string(), RejectReason::UnsupportedRecord),
        (with(json!({"ContactId": null})), RejectReason::MissingField),
        (
            with(json!({"ContactId": 17})),
            RejectReason::UnsupportedRecord,
        ),
        (
            with(json!({"LastUpdateTimestamp": null})),
            RejectReason::MissingField,
        ),
        (
            with(json!({"LastUpdateTimestamp": "last week"})),
            RejectReason::BadTime,
        ),
        (
            with(json!({"Queue": "support"})),
            RejectReason::UnsupportedRecord,
        ),
        (
            with(json!({"Queue": {"Name": "support", "EnqueueTimestamp": 1795424460}})),
            RejectReason::UnsupportedRecord,
        ),
        (
            with(json!({"Queue": {"Name": "support", "EnqueueTimestamp": "09:01"}})),
            RejectReason::BadTime,
        ),
        (
            with(json!({"Queue": {"EnqueueTimestamp": at("01:00")}})),
            RejectReason::MissingField,
        ),
        (
            with(json!({"Channel": ["VOICE"]})),
            RejectReason::UnsupportedRecord,
        ),
        (
            with(json!({"DisconnectTimestamp": null})),
            RejectReason::MissingField,
        ),
        (
            with(
                json!({"Agent": {"Username": "ana", "ConnectedToAgentTimestamp": at("01:10"),
                               "CustomerHoldDuration": "long"}, "DisconnectTimestamp": at("02:00")}),
            ),
            RejectReason::UnsupportedRecord,
        ),
        (
            with(
                json!({"Agent": {"Username": "ana", "ConnectedToAgentTimestamp": at("01:10"),
                               "CustomerHoldDuration": -3}, "DisconnectTimestamp": at("02:00")}),
            ),
            RejectReason::UnsupportedRecord,
        ),
        (
            with(json!({"Agent": {"Username": "ana", "ConnectedToAgentTimestamp": at("01:10")}})),
            RejectReason::MissingField,
        ),
        (
            with(
                json!({"Agent": {"ConnectedToAgentTimestamp": at("01:10")}, "DisconnectTimestamp": at("02:00")}),
            ),
            RejectReason::MissingField,
        ),
        // Answered before it was queued; ended before it was answered.
        (
            with(
                json!({"Agent": {"Username": "ana", "ConnectedToAgentTimestamp": at("00:50")},
                     "DisconnectTimestamp": at("02:00")}),
            ),
            RejectReason::UnsupportedRecord,
        ),
        (
            with(
                json!({"Agent": {"Username": "ana", "ConnectedToAgentTimestamp": at("01:10")},
                     "DisconnectTimestamp": at("01:05")}),
            ),
            RejectReason::UnsupportedRecord,
        ),
        (
            with(json!({"ContactId": "c".repeat(129)})),
            RejectReason::UnsupportedRecord,
        ),
    ];
    for (record, reason) in cases {
        let rejected = adapter.adapt(record.as_bytes()).unwrap_err();
        assert_eq!(rejected.reason, reason, "{record}: {rejected}");
    }
    let mut huge = vec![b'a'; DecodeLimits::DEFAULT_MAX_MESSAGE_BYTES + 1];
    huge[0] = b'{';
    assert_eq!(
        adapter.adapt(&huge).unwrap_err().reason,
        RejectReason::TooLarge
    );
    assert!(finish(&mut adapter).is_empty());
}

#[test]
fn contacts_past_the_bound_are_refused_and_counted_but_resends_of_held_ones_are_taken() {
    let mut adapter = ContactRecordsAdapter::new(ContactRecordsOptions {
        max_contacts: 2,
        ..ContactRecordsOptions::default()
    });
    let record = |contact: &str, updated: &str| {
        ctr(
            contact,
            "01:00",
            updated,
            json!({"DisconnectTimestamp": at("01:30")}),
        )
    };
    adapter.adapt(record("c1", "08:00:00").as_bytes()).unwrap();
    adapter.adapt(record("c2", "08:00:00").as_bytes()).unwrap();
    let refused = adapter.adapt(record("c3", "08:00:00").as_bytes());
    assert_eq!(refused.unwrap_err().reason, RejectReason::UnsupportedRecord);
    assert_eq!(
        adapter.adapt(record("c1", "09:00:00").as_bytes()),
        Ok(Mapped::Used)
    );
    assert_eq!(
        adapter.summary(),
        ", 1 contact records superseded by a newer one, 1 refused past the 2 contacts held \
         (split the input by day)"
    );
    assert_eq!(finish(&mut adapter).len(), 4);
}

#[test]
fn a_connect_contact_id_is_held_in_16_bytes_and_given_back_as_written() {
    let uuid = "6fe40d2a-0c5b-4a4e-9d4c-2b1f0e3a7c11";
    assert!(matches!(ContactKey::new(uuid), ContactKey::Uuid(_)));
    assert_eq!(ContactKey::new(uuid).to_id(), uuid);
    let upper = "6FE40D2A-0C5B-4A4E-9D4C-2B1F0E3A7C11";
    assert_eq!(ContactKey::new(upper), ContactKey::Text(Id::from(upper)));
    assert_eq!(ContactKey::new("c1").to_id(), "c1");
    assert_eq!(
        ContactKey::new("6fe40d2a-0c5b-4a4e-9d4c_2b1f0e3a7c11"),
        ContactKey::Text(Id::from("6fe40d2a-0c5b-4a4e-9d4c_2b1f0e3a7c11"))
    );
}

#[test]
fn a_held_contact_stays_small() {
    // The figure behind `ContactRecordsOptions::DEFAULT_MAX_CONTACTS`' memory estimate.
    let sizes = (
        std::mem::size_of::<record::Contact>(),
        std::mem::size_of::<ContactKey>(),
    );
    assert!(sizes.0 <= 112 && sizes.1 <= 32, "{sizes:?}");
}
