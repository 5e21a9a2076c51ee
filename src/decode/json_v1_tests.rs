//! The v1 decoder against hand-written messages, garbage of every kind, and round trips.

use proptest::prelude::*;

use super::*;

fn decoded(text: &str) -> Event {
    decode(text.as_bytes(), &DecodeLimits::default())
        .unwrap_or_else(|error| panic!("{text}: {error}"))
}

fn reason(bytes: &[u8]) -> RejectReason {
    match decode(bytes, &DecodeLimits::default()) {
        Ok(event) => panic!("{} decoded to {event:?}", String::from_utf8_lossy(bytes)),
        Err(error) => error.reason,
    }
}

const NINE: Millis = 1_795_424_400_000; // 2026-11-23T09:00:00Z

#[test]
fn the_examples_of_the_contract_decode() {
    let login = decoded(
        r#"{"type":"agent.login","time":"2026-11-23T08:00:00Z","tenant":"acme","agent":"a17","queues":["billing","sales"],"id":"e1"}"#,
    );
    assert_eq!(
        login,
        Event {
            time: NINE - 3_600_000,
            tenant: "acme".into(),
            id: Some("e1".into()),
            kind: EventKind::AgentLogin {
                agent: "a17".into(),
                queues: Some(vec!["billing".into(), "sales".into()]),
                team: None
            },
        }
    );
    let answered = decoded(
        r#"{"type":"call.answered","time":"2026-11-23T09:00:12.500Z","tenant":"acme","call":"c9","queue":"billing","agent":"a17","id":"e4"}"#,
    );
    assert_eq!(answered.time, NINE + 12_500);
    assert_eq!(
        answered.kind,
        EventKind::CallAnswered {
            call: "c9".into(),
            queue: "billing".into(),
            agent: "a17".into()
        }
    );
    let completed = decoded(
        r#"{"type":"call.completed","time":"2026-11-23T09:04:40Z","tenant":"acme","call":"c9","agent":"a17","outcome":"success","id":"e6"}"#,
    );
    assert_eq!(
        completed.kind,
        EventKind::CallCompleted {
            call: "c9".into(),
            agent: "a17".into(),
            outcome: Some(Outcome::Success),
            disposition: None
        }
    );
}

#[test]
fn every_type_decodes_with_its_fields() {
    let cases: Vec<(&str, EventKind)> = vec![
        (
            r#""type":"call.queued","call":"c","queue":"q","priority":3,"direction":"outbound""#,
            EventKind::CallQueued {
                caller: None,
                call: "c".into(),
                queue: "q".into(),
                priority: Some(3),
                direction: Direction::Outbound,
            },
        ),
        (
            r#""type":"call.queued","call":"c","queue":"q","caller":"""#,
            EventKind::CallQueued {
                caller: None,
                call: "c".into(),
                queue: "q".into(),
                priority: None,
                direction: Direction::Inbound,
            },
        ),
        (
            r#""type":"call.queued","call":"c","queue":"q","caller":"h:5f1c""#,
            EventKind::CallQueued {
                caller: Some("h:5f1c".into()),
                call: "c".into(),
                queue: "q".into(),
                priority: None,
                direction: Direction::Inbound,
            },
        ),
        (
            r#""type":"call.ringing","call":"c","queue":"q","agent":"a""#,
            EventKind::CallRinging {
                call: "c".into(),
                queue: "q".into(),
                agent: "a".into(),
            },
        ),
        (
            r#""type":"call.abandoned","call":"c","queue":"q""#,
            EventKind::CallAbandoned {
                call: "c".into(),
                queue: "q".into(),
            },
        ),
        (
            r#""type":"call.dequeued","call":"c","queue":"q","reason":"exit_key""#,
            EventKind::CallDequeued {
                call: "c".into(),
                queue: "q".into(),
                reason: DequeueReason::ExitKey,
            },
        ),
        (
            r#""type":"call.dequeued","call":"c","queue":"q","reason":"voicemail""#,
            EventKind::CallDequeued {
                call: "c".into(),
                queue: "q".into(),
                reason: DequeueReason::Other,
            },
        ),
        (
            r#""type":"call.held","call":"c","agent":"a""#,
            EventKind::CallHeld {
                call: "c".into(),
                agent: "a".into(),
            },
        ),
        (
            r#""type":"call.resumed","call":"c","agent":"a""#,
            EventKind::CallResumed {
                call: "c".into(),
                agent: "a".into(),
            },
        ),
        (
            r#""type":"call.transferred","call":"c","agent":"a","to_queue":"q2""#,
            EventKind::CallTransferred {
                call: "c".into(),
                agent: "a".into(),
                to_queue: Some("q2".into()),
                to_agent: None,
            },
        ),
        (
            r#""type":"call.ended","call":"c","agent":"a""#,
            EventKind::CallEnded {
                call: "c".into(),
                agent: "a".into(),
            },
        ),
        (
            r#""type":"call.completed","call":"c","agent":"a","outcome":"callback","disposition":"billing question""#,
            EventKind::CallCompleted {
                call: "c".into(),
                agent: "a".into(),
                outcome: Some(Outcome::Other("callback".into())),
                disposition: Some("billing question".into()),
            },
        ),
        (
            r#""type":"call.dialed","call":"c","agent":"a","campaign":"renewals","caller":"B""#,
            EventKind::CallDialed {
                caller: Some("B".into()),
                call: "c".into(),
                agent: "a".into(),
                campaign: Some("renewals".into()),
            },
        ),
        (
            r#""type":"call.connected","call":"c","agent":"a""#,
            EventKind::CallConnected {
                call: "c".into(),
                agent: "a".into(),
            },
        ),
        (
            r#""type":"agent.logout","agent":"a""#,
            EventKind::AgentLogout { agent: "a".into() },
        ),
        (
            r#""type":"agent.state","agent":"a","state":"not_ready","reason":"lunch""#,
            EventKind::AgentState {
                agent: "a".into(),
                availability: Availability::NotReady {
                    reason: Some("lunch".into()),
                },
            },
        ),
        (
            r#""type":"agent.state","agent":"a","state":"available""#,
            EventKind::AgentState {
                agent: "a".into(),
                availability: Availability::Available,
            },
        ),
        (
            r#""type":"agent.queues","agent":"a","queues":["q"]"#,
            EventKind::AgentQueues {
                agent: "a".into(),
                queues: vec!["q".into()],
            },
        ),
        (
            r#""type":"survey.completed","call":"c","agent":"a","score":9,"scale":10"#,
            EventKind::SurveyCompleted {
                call: "c".into(),
                agent: Some("a".into()),
                queue: None,
                score: 9.0,
                scale: 10.0,
            },
        ),
        (
            r#""type":"qa.scored","call":"c","agent":"a","evaluator":"e","form":"f","score":7,"max_score":20,"critical_failure":true"#,
            EventKind::QaScored {
                call: "c".into(),
                agent: "a".into(),
                evaluator: "e".into(),
                form: Some("f".into()),
                score: 7.0,
                max_score: 20.0,
                critical: true,
            },
        ),
        (
            r#""type":"qa.scored","call":"c","agent":"a","evaluator":"e","score":0,"max_score":5"#,
            EventKind::QaScored {
                call: "c".into(),
                agent: "a".into(),
                evaluator: "e".into(),
                form: None,
                score: 0.0,
                max_score: 5.0,
                critical: false,
            },
        ),
        (
            r#""type":"survey.completed","call":"c","score":4"#,
            EventKind::SurveyCompleted {
                call: "c".into(),
                agent: None,
                queue: None,
                score: 4.0,
                scale: 5.0,
            },
        ),
    ];
    for (fields, kind) in cases {
        let text = format!(r#"{{"time":{NINE},{fields},"unknown_future_field":{{"x":[1]}}}}"#);
        let event = decoded(&text);
        assert_eq!(event.kind, kind, "{text}");
        assert_eq!(
            (event.time, event.tenant.as_str(), event.id),
            (NINE, "default", None)
        );
    }
}

#[test]
fn garbage_is_rejected_with_its_reason() {
    let malformed: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"{".to_vec(),
        b"{\"type\":\"call.queued\"".to_vec(),
        b"[1,2,3]".to_vec(),
        b"42".to_vec(),
        b"null".to_vec(),
        b"\"call.queued\"".to_vec(),
        vec![0xff, 0xfe, 0x00, 0x01],
        b"{\"type\":\"call.queued\",\"call\":\"\xff\xfe\"}".to_vec(),
        br#"{"type":"call.queued","time":0,"call":5,"queue":"q"}"#.to_vec(),
        br#"{"type":"call.queued","time":0,"call":"c","call":"d","queue":"q"}"#.to_vec(),
        br#"{"type":"agent.state","time":0,"agent":"a","state":"asleep"}"#.to_vec(),
        br#"{"type":"call.queued","time":0,"call":"c","queue":"q","v":0}"#.to_vec(),
        br#"{"type":"survey.completed","time":0,"call":"c","score":3,"scale":0}"#.to_vec(),
        br#"{"type":"call.queued","time":0,"call":"c","queue":"q","priority":1e400}"#.to_vec(),
        format!(
            r#"{{"type":"call.queued","time":0,"call":"{}","queue":"q"}}"#,
            "c".repeat(129)
        )
        .into_bytes(),
        "[".repeat(60_000).into_bytes(),
    ];
    for bytes in &malformed {
        assert_eq!(
            reason(bytes),
            RejectReason::MalformedJson,
            "{}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(80)])
        );
    }
    let deep_unknown_field = format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    let cases: Vec<(&str, RejectReason)> = vec![
        (
            r#"{"type":"call.teleported","time":0}"#,
            RejectReason::UnknownType,
        ),
        (r#"{"time":0,"call":"c"}"#, RejectReason::MissingField),
        (
            r#"{"a":{"b":{"c":[[[{"d":1}]]]}}}"#,
            RejectReason::MissingField,
        ),
        // Unknown fields are skipped without recursion, so even deep nesting costs no stack: it is just
        // an object without a `type`.
        (&deep_unknown_field, RejectReason::MissingField),
        (
            r#"{"type":"call.queued","time":0,"queue":"q"}"#,
            RejectReason::MissingField,
        ),
        (
            r#"{"type":"call.queued","time":0,"call":"","queue":"q"}"#,
            RejectReason::MissingField,
        ),
        (
            r#"{"type":"call.dequeued","time":0,"call":"c","queue":"q"}"#,
            RejectReason::MissingField,
        ),
        (
            r#"{"type":"agent.state","time":0,"agent":"a"}"#,
            RejectReason::MissingField,
        ),
        (
            r#"{"type":"call.queued","call":"c","queue":"q"}"#,
            RejectReason::BadTime,
        ),
        (
            r#"{"type":"call.queued","time":"yesterday","call":"c","queue":"q"}"#,
            RejectReason::BadTime,
        ),
        (
            r#"{"type":"call.queued","time":"2026-13-01T00:00:00Z","call":"c","queue":"q"}"#,
            RejectReason::BadTime,
        ),
        (
            r#"{"type":"call.queued","time":"2026-11-23T09:00:00","call":"c","queue":"q"}"#,
            RejectReason::BadTime,
        ),
        (
            r#"{"type":"call.queued","time":-1,"call":"c","queue":"q"}"#,
            RejectReason::BadTime,
        ),
        (
            r#"{"type":"call.queued","time":1.5,"call":"c","queue":"q"}"#,
            RejectReason::BadTime,
        ),
        (
            r#"{"type":"call.queued","time":99999999999999999999,"call":"c","queue":"q"}"#,
            RejectReason::BadTime,
        ),
        (
            r#"{"type":"call.queued","time":true,"call":"c","queue":"q"}"#,
            RejectReason::BadTime,
        ),
        (
            r#"{"type":"call.queued","time":0,"call":"c","queue":"q","v":2}"#,
            RejectReason::UnsupportedVersion,
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(reason(text.as_bytes()), expected, "{text}");
    }
    let limits = DecodeLimits {
        max_message_bytes: 64,
    };
    let long = format!(
        r#"{{"type":"call.queued","time":0,"call":"c","queue":"{}"}}"#,
        "q".repeat(64)
    );
    assert_eq!(
        decode(long.as_bytes(), &limits).unwrap_err().reason,
        RejectReason::TooLarge
    );
}

/// A review needs its call, agent, evaluator, score and maximum, and a score within the maximum.
#[test]
fn a_review_without_its_fields_or_outside_its_maximum_is_rejected() {
    let review = |fields: &str| format!(r#"{{"type":"qa.scored","time":0,{fields}}}"#);
    for (fields, expected) in [
        (
            r#""agent":"a","evaluator":"e","score":1,"max_score":5"#,
            RejectReason::MissingField,
        ),
        (
            r#""call":"c","evaluator":"e","score":1,"max_score":5"#,
            RejectReason::MissingField,
        ),
        (
            r#""call":"c","agent":"a","score":1,"max_score":5"#,
            RejectReason::MissingField,
        ),
        (
            r#""call":"c","agent":"a","evaluator":"e","max_score":5"#,
            RejectReason::MissingField,
        ),
        (
            r#""call":"c","agent":"a","evaluator":"e","score":1"#,
            RejectReason::MissingField,
        ),
        (
            r#""call":"c","agent":"a","evaluator":"e","score":6,"max_score":5"#,
            RejectReason::MalformedJson,
        ),
        (
            r#""call":"c","agent":"a","evaluator":"e","score":-1,"max_score":5"#,
            RejectReason::MalformedJson,
        ),
        (
            r#""call":"c","agent":"a","evaluator":"e","score":0,"max_score":0"#,
            RejectReason::MalformedJson,
        ),
        (
            r#""call":"c","agent":"a","evaluator":"e","score":1,"max_score":5,"critical_failure":"yes""#,
            RejectReason::MalformedJson,
        ),
    ] {
        assert_eq!(reason(review(fields).as_bytes()), expected, "{fields}");
    }
}

/// A score above its scale made CSAT exceed 1 (7 on the default scale of 5 gave 1.4).
#[test]
fn a_survey_score_outside_its_scale_is_malformed() {
    let survey =
        |fields: &str| format!(r#"{{"type":"survey.completed","time":0,"call":"c",{fields}}}"#);
    for fields in [
        r#""score":7"#,
        r#""score":5.5"#,
        r#""score":11,"scale":10"#,
        r#""score":-1"#,
        r#""score":-0.5,"scale":10"#,
        r#""score":1,"scale":-5"#,
        r#""score":0,"scale":0"#,
    ] {
        assert_eq!(
            reason(survey(fields).as_bytes()),
            RejectReason::MalformedJson,
            "{fields}"
        );
    }
    // Both ends of the scale are valid scores.
    for (fields, score, scale) in [
        (r#""score":5"#, 5.0, 5.0),
        (r#""score":0"#, 0.0, 5.0),
        (r#""score":10,"scale":10"#, 10.0, 10.0),
        (r#""score":0.5,"scale":1"#, 0.5, 1.0),
    ] {
        assert_eq!(
            decoded(&survey(fields)).kind,
            EventKind::SurveyCompleted {
                call: "c".into(),
                agent: None,
                queue: None,
                score,
                scale,
            },
            "{fields}"
        );
    }
}

#[test]
fn ids_of_128_bytes_are_accepted() {
    let call = "c".repeat(128);
    let event = decoded(&format!(
        r#"{{"type":"call.queued","time":0,"call":"{call}","queue":"q"}}"#
    ));
    assert!(
        matches!(event.kind, EventKind::CallQueued { call: decoded_call, .. } if decoded_call == call)
    );
}

#[test]
fn escaped_strings_are_unescaped() {
    let event = decoded(r#"{"type":"call.abandoned","time":0,"call":"c\"1\u00e9","queue":"q\\x"}"#);
    assert_eq!(
        event.kind,
        EventKind::CallAbandoned {
            call: "c\"1é".into(),
            queue: "q\\x".into()
        }
    );
}

fn id_strategy() -> impl Strategy<Value = Id> {
    "[a-zA-Z0-9_\\-\"\\\\é漢 ]{1,40}".prop_map(Id::from)
}

fn kind_strategy() -> impl Strategy<Value = EventKind> {
    let id = id_strategy;
    prop_oneof![
        (id(), id(), prop::option::of(-5i64..5), any::<bool>()).prop_map(
            |(call, queue, priority, outbound)| EventKind::CallQueued {
                caller: None,
                call,
                queue,
                priority,
                direction: if outbound {
                    Direction::Outbound
                } else {
                    Direction::Inbound
                },
            }
        ),
        (id(), id(), id()).prop_map(|(call, queue, agent)| EventKind::CallAnswered {
            call,
            queue,
            agent
        }),
        (id(), id()).prop_map(|(call, queue)| EventKind::CallAbandoned { call, queue }),
        (id(), id(), prop::option::of(id()), prop::option::of(id())).prop_map(
            |(call, agent, to_queue, to_agent)| EventKind::CallTransferred {
                call,
                agent,
                to_queue,
                to_agent
            }
        ),
        (id(), id(), prop::option::of(id())).prop_map(|(call, agent, outcome)| {
            EventKind::CallCompleted {
                call,
                agent,
                outcome: outcome.map(|outcome| match outcome.as_str() {
                    "success" => Outcome::Success,
                    "failure" => Outcome::Failure,
                    _ => Outcome::Other(outcome.as_str().into()),
                }),
                disposition: None,
            }
        }),
        (
            id(),
            prop::option::of(prop::collection::vec(id(), 0..4)),
            prop::option::of(id())
        )
            .prop_map(|(agent, queues, team)| EventKind::AgentLogin {
                agent,
                queues,
                team
            }),
        (id(), prop::option::of(id())).prop_map(|(agent, reason)| EventKind::AgentState {
            agent,
            availability: Availability::NotReady { reason }
        }),
        // A valid survey's score lies within its scale.
        (id(), prop::option::of(id()), 0.0f64..=1.0, 1.0f64..10.0).prop_map(
            |(call, agent, share, scale)| EventKind::SurveyCompleted {
                call,
                agent,
                queue: None,
                score: share * scale,
                scale
            }
        ),
    ]
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode(&bytes, &DecodeLimits::default());
    }

    #[test]
    fn json_shaped_noise_never_panics(text in "\\{(\"[a-z_]{1,8}\":(\"[^\"]{0,12}\"|[0-9.eE+-]{1,12}|true|null|\\[\\]|\\{\\}),?){0,8}\\}") {
        let _ = decode(text.as_bytes(), &DecodeLimits::default());
    }

    #[test]
    fn encoded_events_decode_to_themselves(
        time in 0i64..=MAX_MILLIS, tenant in id_strategy(), id in prop::option::of(id_strategy()), kind in kind_strategy(),
    ) {
        let event = Event { time, tenant, id, kind };
        let mut bytes = Vec::new();
        encode(&event, &mut bytes);
        prop_assert_eq!(decode(&bytes, &DecodeLimits::default()), Ok(event));
    }
}
