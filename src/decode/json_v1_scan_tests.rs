//! The fast path against serde's: whatever the message, decoding gives exactly what serde's way gives
//! (the event, or the rejection with its reason and detail), and the usual messages take the fast path.

use proptest::prelude::*;

use super::super::{decode, decode_with_serde};
use super::{scan, string_stop, Wire};
use crate::decode::DecodeLimits;
use crate::event::{Direction, Event, EventKind};

/// One message of each shape the fast path reads, as producers send them.
const USUAL: [&str; 10] = [
    r#"{"type":"agent.login","time":"2026-11-23T08:00:00Z","tenant":"acme","agent":"a17","queues":["billing","sales"],"team":"t1","id":"e1"}"#,
    r#"{"type":"call.queued","time":"2026-11-23T09:00:00.123Z","tenant":"acme","id":"e2","call":"c9","queue":"billing","caller":"cust-1","priority":3,"direction":"outbound","v":1}"#,
    r#"{"type":"call.answered","time":1795424412500,"tenant":"acme","call":"c9","queue":"billing","agent":"a17"}"#,
    r#"{"type":"agent.state","time":"2026-11-23T09:00:00+05:45","agent":"a17","state":"not_ready","reason":"lunch"}"#,
    r#"{"type":"call.completed","time":"2026-11-23T09:04:40Z","tenant":"acme","call":"c9","agent":"a17","outcome":"success","disposition":"sale"}"#,
    r#" { "type" : "call.transferred" ,	"time":"2026-11-23T09:04:40Z", "call":"c9","agent":"a17","to_queue":"sales","to_agent":"a2" } "#,
    r#"{"type":"agent.queues","time":"2026-11-23T09:04:40Z","agent":"ä17","queues":[ ]}"#,
    r#"{"type":"qa.scored","time":"2026-11-23T09:04:40Z","call":"c9","agent":"a17","evaluator":"e","form":"f","critical_failure":true}"#,
    r#"{"type":"survey.completed","time":"2026-11-23T09:10:00Z","tenant":"acme","id":"e3","call":"c9","agent":"a17","queue":"billing","score":4.0,"scale":5.0}"#,
    r#"{"type":"qa.scored","time":"2026-11-23T10:00:00Z","call":"c9","agent":"a17","evaluator":"e","form":"f","score":87.25,"max_score":100}"#,
];

fn same_as_serde(bytes: &[u8]) {
    let fast = decode(bytes, &DecodeLimits::default());
    let full = decode_with_serde(bytes);
    assert_eq!(fast, full, "{}", String::from_utf8_lossy(bytes));
}

#[test]
fn the_usual_messages_take_the_fast_path_and_decode_as_serde_does() {
    for message in USUAL {
        let mut wire = Wire::default();
        assert!(scan(message.as_bytes(), &mut wire).is_some(), "{message}");
        same_as_serde(message.as_bytes());
    }
    // Worked by hand: 2026-11-23T09:00:00.123Z is 1,795,424,400,123 ms after the epoch.
    let queued = decode(USUAL[1].as_bytes(), &DecodeLimits::default()).unwrap();
    assert_eq!(
        queued,
        Event {
            time: 1_795_424_400_123,
            tenant: "acme".into(),
            id: Some("e2".into()),
            kind: EventKind::CallQueued {
                call: "c9".into(),
                queue: "billing".into(),
                priority: Some(3),
                direction: Direction::Outbound,
                caller: Some("cust-1".into()),
            },
        }
    );
}

#[test]
fn shapes_the_fast_path_leaves_to_serde_decode_as_serde_decides() {
    let base = r#""type":"call.queued","time":"2026-11-23T09:00:00Z","call":"c1","queue":"q""#;
    for member in [
        r#""v":01"#,
        r#""v":1.0"#,
        r#""v":-1"#,
        r#""v":1e0"#,
        r#""v":2"#,
        r#""v":0"#,
        r#""priority":-3"#,
        r#""priority":99999999999999999999"#,
        r#""priority":null"#,
        r#""caller":"a\u0062""#,
        r#""caller":"tab	here""#,
        r#""caller":null"#,
        r#""caller":"""#,
        r#""caller":5"#,
        r#""call":"c2""#,
        r#""unknown":{"nested":[1,2,{"x":null}]}"#,
        r#""queues":["a",]"#,
        r#""queues":["a" "b"]"#,
        r#""queues":[1]"#,
        r#""critical_failure":tru"#,
        r#""critical_failure":"true""#,
        r#""score":4.5"#,
        r#""time":-5"#,
        r#""score":-1.5"#,
        r#""score":4."#,
        r#""score":.5"#,
        r#""score":04.5"#,
        r#""score":4.5e0"#,
        r#""score":4.5.1"#,
        r#""score":1234567890123456"#,
        r#""score":0.1234567890123456"#,
        r#""score":"4""#,
        r#""score":null"#,
    ] {
        same_as_serde(format!("{{{base},{member}}}").as_bytes());
    }
    for message in [
        "{}".to_string(),
        "[]".to_string(),
        String::new(),
        format!("{{{base},}}"),
        format!("{{{base}}} x"),
        format!("{{{base}}}}}"),
        format!("{{{base}"),
        r#"{"type":"call.queued","time":1795424400000,"time":1,"call":"c","queue":"q"}"#
            .to_string(),
        r#"{"type":"call.queued","time":18446744073709551615,"call":"c","queue":"q"}"#.to_string(),
        r#"{"type":"call.queued","time":1795424400000.5,"call":"c","queue":"q"}"#.to_string(),
    ] {
        same_as_serde(message.as_bytes());
    }
    let mut invalid_utf8 = format!("{{{base},\"caller\":\"").into_bytes();
    invalid_utf8.extend_from_slice(&[0xc3, 0x28, b'"', b'}']);
    same_as_serde(&invalid_utf8);
}

#[test]
fn every_prefix_and_every_byte_replaced_decode_as_serde_decides() {
    let replacements = [
        b'"', b'\\', b'{', b'}', b'[', b']', b',', b':', b' ', b'\n', b'0', b'9', b'-', b'.', b'e',
        b'a', 0x00, 0x1f, 0x7f, 0xc3, 0xff,
    ];
    for message in USUAL {
        let bytes = message.as_bytes();
        for end in 0..bytes.len() {
            same_as_serde(&bytes[..end]);
        }
        for at in 0..bytes.len() {
            for replacement in replacements {
                let mut changed = bytes.to_vec();
                changed[at] = replacement;
                same_as_serde(&changed);
            }
        }
    }
}

proptest! {
    /// Random edits of the usual messages: bytes inserted, replaced or removed anywhere.
    #[test]
    fn edited_messages_decode_as_serde_decides(
        which in 0..USUAL.len(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<u8>()), 1..6),
    ) {
        let mut bytes = USUAL[which].as_bytes().to_vec();
        for (at, edit, byte) in edits {
            let at = at.index(bytes.len() + 1);
            match edit {
                0 => bytes.insert(at, byte),
                1 if at < bytes.len() => bytes[at] = byte,
                _ if at < bytes.len() => {
                    bytes.remove(at);
                }
                _ => {}
            }
        }
        let fast = decode(&bytes, &DecodeLimits::default());
        prop_assert_eq!(fast, decode_with_serde(&bytes));
    }

    /// Scores written any way a producer may (integers, decimals, long fractions, exponents) decode
    /// as serde reads them, to the bit.
    #[test]
    fn scores_decode_as_serde_reads_them(
        whole in 0u64..100_000,
        fraction in prop::option::of("[0-9]{1,12}"),
        exponent in prop::option::of(-3i32..3),
        scale in 1u64..200,
    ) {
        let mut score = whole.to_string();
        if let Some(fraction) = fraction {
            score = format!("{score}.{fraction}");
        }
        if let Some(exponent) = exponent {
            score = format!("{score}e{exponent}");
        }
        let survey = format!(r#"{{"type":"survey.completed","time":1795424400000,"call":"c","agent":"a","queue":"q","score":{score},"scale":{scale}.0}}"#);
        same_as_serde(survey.as_bytes());
        let review = format!(r#"{{"type":"qa.scored","time":1795424400000,"call":"c","agent":"a","evaluator":"e","form":"f","score":{score},"max_score":{scale}}}"#);
        same_as_serde(review.as_bytes());
    }

    /// Eight bytes at a time finds what a byte at a time finds.
    #[test]
    fn string_stop_finds_the_first_quote_backslash_or_control_byte(
        bytes in prop::collection::vec(prop_oneof![any::<u8>(), Just(b'"'), Just(b'\\'), Just(b'a')], 0..40),
    ) {
        let expected = bytes.iter().position(|&byte| byte == b'"' || byte == b'\\' || byte < 0x20);
        prop_assert_eq!(string_stop(&bytes), expected);
    }
}
