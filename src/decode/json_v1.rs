//! The callboard JSON contract, version 1 (`spec/events.md`): decode and encode.
//!
//! Decoding borrows every string it can from the message and builds ids as inline small strings, so a
//! typical event allocates nothing. Which reason garbage is counted under:
//! - larger than the limit → `too_large`; not JSON, not an object, a field of the wrong JSON type, a
//!   repeated field, an id longer than 128 bytes, a bad enum value, a survey score outside
//!   0..=scale or a scale not above 0 → `malformed_json`;
//! - `type` unknown → `unknown_type`; a required field absent or an empty id → `missing_field`;
//! - `time` absent, unparseable, not an integer or outside 1970..=9999 → `bad_time`;
//! - `v` above 1 → `unsupported_version` (`v` below 1 is `malformed_json`).
//!
//! Unknown extra fields are ignored (forward compatible). An unknown `call.dequeued` reason is kept as
//! `other`, so a new ACD reason never loses the dequeue itself.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use super::time::{parse_rfc3339, write_rfc3339, MAX_MILLIS};
use super::{DecodeError, DecodeLimits};
use crate::event::{
    Availability, DequeueReason, Direction, Event, EventKind, Id, Millis, Outcome, RejectReason,
    DEFAULT_SURVEY_SCALE, DEFAULT_TENANT, MAX_ID_BYTES,
};

/// The contract version this decoder speaks.
pub const VERSION: i64 = 1;

/// `time` as it came: a number, a string, or something else (kept to report `bad_time`, not a parse error).
enum WireTime<'a> {
    Millis(i64),
    Text(Cow<'a, str>),
    Invalid,
}

impl<'de: 'a, 'a> Deserialize<'de> for WireTime<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TimeVisitor;
        impl<'de> Visitor<'de> for TimeVisitor {
            type Value = WireTime<'de>;
            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("an RFC 3339 string or epoch milliseconds")
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
                Ok(WireTime::Millis(value))
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
                Ok(i64::try_from(value).map_or(WireTime::Invalid, WireTime::Millis))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(WireTime::Invalid)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(WireTime::Invalid)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(WireTime::Invalid)
            }
            fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Self::Value, E> {
                Ok(WireTime::Text(Cow::Borrowed(value)))
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
                Ok(WireTime::Text(Cow::Owned(value.to_string())))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(WireTime::Invalid)
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map
                    .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(WireTime::Invalid)
            }
        }
        deserializer.deserialize_any(TimeVisitor)
    }
}

/// Every field of every event type, all optional: which are required is checked per type afterwards.
#[derive(Deserialize, Default)]
struct Wire<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    time: Option<WireTime<'a>>,
    #[serde(borrow)]
    tenant: Option<Cow<'a, str>>,
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    v: Option<i64>,
    #[serde(borrow)]
    call: Option<Cow<'a, str>>,
    #[serde(borrow)]
    queue: Option<Cow<'a, str>>,
    #[serde(borrow)]
    agent: Option<Cow<'a, str>>,
    #[serde(borrow)]
    team: Option<Cow<'a, str>>,
    #[serde(borrow)]
    campaign: Option<Cow<'a, str>>,
    #[serde(borrow)]
    caller: Option<Cow<'a, str>>,
    #[serde(borrow)]
    to_queue: Option<Cow<'a, str>>,
    #[serde(borrow)]
    to_agent: Option<Cow<'a, str>>,
    #[serde(borrow)]
    reason: Option<Cow<'a, str>>,
    #[serde(borrow)]
    state: Option<Cow<'a, str>>,
    #[serde(borrow)]
    outcome: Option<Cow<'a, str>>,
    #[serde(borrow)]
    disposition: Option<Cow<'a, str>>,
    #[serde(borrow)]
    direction: Option<Cow<'a, str>>,
    priority: Option<i64>,
    #[serde(borrow)]
    queues: Option<Vec<Cow<'a, str>>>,
    score: Option<f64>,
    scale: Option<f64>,
    #[serde(borrow)]
    evaluator: Option<Cow<'a, str>>,
    #[serde(borrow)]
    form: Option<Cow<'a, str>>,
    max_score: Option<f64>,
    critical_failure: Option<bool>,
}

fn error(reason: RejectReason, detail: impl Into<String>) -> DecodeError {
    DecodeError::new(reason, detail)
}

/// A required id field.
fn required(value: &Option<Cow<'_, str>>, field: &str) -> Result<Id, DecodeError> {
    match value {
        None => Err(error(
            RejectReason::MissingField,
            format!("field `{field}` is required"),
        )),
        Some(text) => id(text, field),
    }
}

/// The optional `caller`: an empty one names nobody (a feed's withheld number), not a rejection.
fn caller(value: &Option<Cow<'_, str>>) -> Result<Option<Id>, DecodeError> {
    let named = value.as_ref().filter(|text| !text.is_empty());
    named.map(|text| id(text, "caller")).transpose()
}

/// An optional id field: absent is fine, present must be a valid id.
fn optional(value: &Option<Cow<'_, str>>, field: &str) -> Result<Option<Id>, DecodeError> {
    value.as_ref().map(|text| id(text, field)).transpose()
}

#[inline]
fn id(text: &str, field: &str) -> Result<Id, DecodeError> {
    if text.is_empty() || text.len() > MAX_ID_BYTES {
        return Err(bad_id(text, field));
    }
    Ok(Id::from(text))
}

/// Why `text` is no id (out of line: the usual id is good).
#[cold]
fn bad_id(text: &str, field: &str) -> DecodeError {
    if text.is_empty() {
        return error(
            RejectReason::MissingField,
            format!("field `{field}` is empty"),
        );
    }
    error(
        RejectReason::MalformedJson,
        format!(
            "field `{field}` is {} bytes long; ids are at most {MAX_ID_BYTES}",
            text.len()
        ),
    )
}

fn time(wire: &Option<WireTime<'_>>) -> Result<Millis, DecodeError> {
    let parsed = match wire {
        None => return Err(error(RejectReason::BadTime, "field `time` is required")),
        Some(WireTime::Millis(millis)) => (0..=MAX_MILLIS).contains(millis).then_some(*millis),
        Some(WireTime::Text(text)) => parse_rfc3339(text),
        Some(WireTime::Invalid) => None,
    };
    parsed.ok_or_else(|| {
        error(
            RejectReason::BadTime,
            "field `time` must be RFC 3339 with an offset (2026-11-23T09:00:00.123Z) or epoch milliseconds, 1970 to 9999",
        )
    })
}

/// Decode one message (one JSON object) of the v1 contract.
pub fn decode(bytes: &[u8], limits: &DecodeLimits) -> Result<Event, DecodeError> {
    if bytes.len() > limits.max_message_bytes {
        return Err(error(
            RejectReason::TooLarge,
            format!(
                "message is {} bytes; the limit is {}",
                bytes.len(),
                limits.max_message_bytes
            ),
        ));
    }
    // The usual shape is scanned by hand; anything else (and so all garbage) goes through serde.
    // Filled in place: the fields are several hundred bytes, too many to move about per message.
    let mut wire = Wire::default();
    match scan::scan(bytes, &mut wire) {
        Some(()) => event(&wire),
        None => decode_with_serde(bytes),
    }
}

/// The full way: serde_json decides what is JSON of the contract's types, and why not.
fn decode_with_serde(bytes: &[u8]) -> Result<Event, DecodeError> {
    let wire: Wire = serde_json::from_slice(bytes)
        .map_err(|parse| error(RejectReason::MalformedJson, parse.to_string()))?;
    event(&wire)
}

/// The event the fields say, or why they say none.
fn event(wire: &Wire<'_>) -> Result<Event, DecodeError> {
    match wire.v {
        None | Some(VERSION) => {}
        Some(version) if version > VERSION => {
            return Err(error(
                RejectReason::UnsupportedVersion,
                format!(
                    "contract version {version} is newer than this callboard supports ({VERSION})"
                ),
            ))
        }
        Some(version) => {
            return Err(error(
                RejectReason::MalformedJson,
                format!("contract version {version} does not exist"),
            ))
        }
    }
    let kind_name = wire
        .kind
        .as_deref()
        .ok_or_else(|| error(RejectReason::MissingField, "field `type` is required"))?;
    let kind = kind(kind_name, wire)?;
    let time = time(&wire.time)?;
    let tenant = match &wire.tenant {
        Some(tenant) => id(tenant, "tenant")?,
        None => Id::from(DEFAULT_TENANT),
    };
    Ok(Event {
        time,
        tenant,
        id: optional(&wire.id, "id")?,
        kind,
    })
}

fn kind(name: &str, wire: &Wire<'_>) -> Result<EventKind, DecodeError> {
    let call = || required(&wire.call, "call");
    let queue = || required(&wire.queue, "queue");
    let agent = || required(&wire.agent, "agent");
    Ok(match name {
        "call.queued" => EventKind::CallQueued {
            call: call()?,
            queue: queue()?,
            priority: wire.priority,
            caller: caller(&wire.caller)?,
            direction: match wire.direction.as_deref() {
                None | Some("inbound") => Direction::Inbound,
                Some("outbound") => Direction::Outbound,
                Some(other) => {
                    return Err(error(
                        RejectReason::MalformedJson,
                        format!("direction `{other}` is not inbound or outbound"),
                    ))
                }
            },
        },
        "call.ringing" => EventKind::CallRinging {
            call: call()?,
            queue: queue()?,
            agent: agent()?,
        },
        "call.answered" => EventKind::CallAnswered {
            call: call()?,
            queue: queue()?,
            agent: agent()?,
        },
        "call.abandoned" => EventKind::CallAbandoned {
            call: call()?,
            queue: queue()?,
        },
        "call.dequeued" => EventKind::CallDequeued {
            call: call()?,
            queue: queue()?,
            reason: match wire.reason.as_deref() {
                None => {
                    return Err(error(
                        RejectReason::MissingField,
                        "field `reason` is required",
                    ))
                }
                Some("timeout") => DequeueReason::Timeout,
                Some("overflow") => DequeueReason::Overflow,
                Some("transfer") => DequeueReason::Transfer,
                Some("exit_key") => DequeueReason::ExitKey,
                Some(_) => DequeueReason::Other,
            },
        },
        "call.held" => EventKind::CallHeld {
            call: call()?,
            agent: agent()?,
        },
        "call.resumed" => EventKind::CallResumed {
            call: call()?,
            agent: agent()?,
        },
        "call.transferred" => EventKind::CallTransferred {
            call: call()?,
            agent: agent()?,
            to_queue: optional(&wire.to_queue, "to_queue")?,
            to_agent: optional(&wire.to_agent, "to_agent")?,
        },
        "call.ended" => EventKind::CallEnded {
            call: call()?,
            agent: agent()?,
        },
        "call.completed" => EventKind::CallCompleted {
            call: call()?,
            agent: agent()?,
            outcome: wire.outcome.as_deref().map(|outcome| match outcome {
                "success" => Outcome::Success,
                "failure" => Outcome::Failure,
                other => Outcome::Other(other.into()),
            }),
            disposition: wire.disposition.as_deref().map(Into::into),
        },
        "call.dialed" => EventKind::CallDialed {
            call: call()?,
            agent: agent()?,
            campaign: optional(&wire.campaign, "campaign")?,
            caller: caller(&wire.caller)?,
        },
        "call.connected" => EventKind::CallConnected {
            call: call()?,
            agent: agent()?,
        },
        "agent.login" => EventKind::AgentLogin {
            agent: agent()?,
            queues: wire.queues.as_ref().map(|queues| ids(queues)).transpose()?,
            team: optional(&wire.team, "team")?,
        },
        "agent.logout" => EventKind::AgentLogout { agent: agent()? },
        "agent.state" => EventKind::AgentState {
            agent: agent()?,
            availability: match wire.state.as_deref() {
                None => {
                    return Err(error(
                        RejectReason::MissingField,
                        "field `state` is required",
                    ))
                }
                Some("available") => Availability::Available,
                Some("not_ready") => Availability::NotReady {
                    reason: optional(&wire.reason, "reason")?,
                },
                Some(other) => {
                    return Err(error(
                        RejectReason::MalformedJson,
                        format!("state `{other}` is not available or not_ready"),
                    ))
                }
            },
        },
        "agent.queues" => EventKind::AgentQueues {
            agent: agent()?,
            queues: ids(wire
                .queues
                .as_ref()
                .ok_or_else(|| error(RejectReason::MissingField, "field `queues` is required"))?)?,
        },
        "survey.completed" => {
            let score = wire
                .score
                .ok_or_else(|| error(RejectReason::MissingField, "field `score` is required"))?;
            let scale = wire.scale.unwrap_or(DEFAULT_SURVEY_SCALE);
            // A score above its scale would make CSAT (mean score / scale) exceed 1.
            if !score.is_finite()
                || !scale.is_finite()
                || scale <= 0.0
                || !(0.0..=scale).contains(&score)
            {
                return Err(error(
                    RejectReason::MalformedJson,
                    format!("`score` must be a number from 0 to `scale` and `scale` a number above 0; got score {score}, scale {scale}"),
                ));
            }
            EventKind::SurveyCompleted {
                call: call()?,
                agent: optional(&wire.agent, "agent")?,
                queue: optional(&wire.queue, "queue")?,
                score,
                scale,
            }
        }
        "qa.scored" => {
            let number = |value: Option<f64>, field: &str| {
                value.ok_or_else(|| {
                    error(
                        RejectReason::MissingField,
                        format!("field `{field}` is required"),
                    )
                })
            };
            let (score, max_score) = (
                number(wire.score, "score")?,
                number(wire.max_score, "max_score")?,
            );
            // A score above the form's maximum would make the score ratio exceed 1.
            if !score.is_finite()
                || !max_score.is_finite()
                || max_score <= 0.0
                || !(0.0..=max_score).contains(&score)
            {
                return Err(error(
                    RejectReason::MalformedJson,
                    format!("`score` must be a number from 0 to `max_score` and `max_score` a number above 0; got score {score}, max_score {max_score}"),
                ));
            }
            EventKind::QaScored {
                call: call()?,
                agent: agent()?,
                evaluator: required(&wire.evaluator, "evaluator")?,
                form: optional(&wire.form, "form")?,
                score,
                max_score,
                critical: wire.critical_failure.unwrap_or(false),
            }
        }
        other => {
            let shown: String = other.chars().take(64).collect();
            return Err(error(
                RejectReason::UnknownType,
                format!("event type `{shown}` is not part of contract v1"),
            ));
        }
    })
}

fn ids(values: &[Cow<'_, str>]) -> Result<Vec<Id>, DecodeError> {
    values.iter().map(|value| id(value, "queues")).collect()
}

/// Append `event` as one JSON object of the v1 contract (no trailing newline) to `out`.
pub fn encode(event: &Event, out: &mut Vec<u8>) {
    let mut writer = ObjectWriter { out, first: true };
    writer.text("type", event.kind.type_name());
    writer.key("time");
    writer.out.push(b'"');
    write_rfc3339(event.time, writer.out);
    writer.out.push(b'"');
    writer.text("tenant", &event.tenant);
    if let Some(id) = &event.id {
        writer.text("id", id);
    }
    match &event.kind {
        EventKind::CallQueued {
            call,
            queue,
            priority,
            direction,
            caller,
        } => {
            writer.text("call", call);
            writer.text("queue", queue);
            if let Some(priority) = priority {
                writer.key("priority");
                writer
                    .out
                    .extend_from_slice(priority.to_string().as_bytes());
            }
            if *direction == Direction::Outbound {
                writer.text("direction", "outbound");
            }
            writer.optional("caller", caller);
        }
        EventKind::CallRinging { call, queue, agent }
        | EventKind::CallAnswered { call, queue, agent } => {
            writer.text("call", call);
            writer.text("queue", queue);
            writer.text("agent", agent);
        }
        EventKind::CallAbandoned { call, queue } => {
            writer.text("call", call);
            writer.text("queue", queue);
        }
        EventKind::CallDequeued {
            call,
            queue,
            reason,
        } => {
            writer.text("call", call);
            writer.text("queue", queue);
            writer.text("reason", reason.as_str());
        }
        EventKind::CallHeld { call, agent }
        | EventKind::CallResumed { call, agent }
        | EventKind::CallEnded { call, agent }
        | EventKind::CallConnected { call, agent } => {
            writer.text("call", call);
            writer.text("agent", agent);
        }
        EventKind::CallTransferred {
            call,
            agent,
            to_queue,
            to_agent,
        } => {
            writer.text("call", call);
            writer.text("agent", agent);
            writer.optional("to_queue", to_queue);
            writer.optional("to_agent", to_agent);
        }
        EventKind::CallCompleted {
            call,
            agent,
            outcome,
            disposition,
        } => {
            writer.text("call", call);
            writer.text("agent", agent);
            if let Some(outcome) = outcome {
                writer.text("outcome", outcome.as_str());
            }
            writer.optional("disposition", disposition);
        }
        EventKind::CallDialed {
            call,
            agent,
            campaign,
            caller,
        } => {
            writer.text("call", call);
            writer.text("agent", agent);
            writer.optional("campaign", campaign);
            writer.optional("caller", caller);
        }
        EventKind::AgentLogin {
            agent,
            queues,
            team,
        } => {
            writer.text("agent", agent);
            if let Some(queues) = queues {
                writer.list("queues", queues);
            }
            writer.optional("team", team);
        }
        EventKind::AgentLogout { agent } => writer.text("agent", agent),
        EventKind::AgentState {
            agent,
            availability,
        } => {
            writer.text("agent", agent);
            match availability {
                Availability::Available => writer.text("state", "available"),
                Availability::NotReady { reason } => {
                    writer.text("state", "not_ready");
                    writer.optional("reason", reason);
                }
            }
        }
        EventKind::AgentQueues { agent, queues } => {
            writer.text("agent", agent);
            writer.list("queues", queues);
        }
        EventKind::SurveyCompleted {
            call,
            agent,
            queue,
            score,
            scale,
        } => {
            writer.text("call", call);
            writer.optional("agent", agent);
            writer.optional("queue", queue);
            writer.number("score", *score);
            writer.number("scale", *scale);
        }
        EventKind::QaScored {
            call,
            agent,
            evaluator,
            form,
            score,
            max_score,
            critical,
        } => {
            writer.text("call", call);
            writer.text("agent", agent);
            writer.text("evaluator", evaluator);
            writer.optional("form", form);
            writer.number("score", *score);
            writer.number("max_score", *max_score);
            writer.key("critical_failure");
            writer
                .out
                .extend_from_slice(if *critical { b"true" } else { b"false" });
        }
    }
    writer.out.push(b'}');
}

/// Writes the members of one JSON object in order.
struct ObjectWriter<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl ObjectWriter<'_> {
    fn key(&mut self, key: &str) {
        self.out.push(if self.first { b'{' } else { b',' });
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\":");
    }

    fn string(&mut self, value: &str) {
        // serde_json's escaping; writing to a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *self.out, value);
    }

    fn text(&mut self, key: &str, value: &str) {
        self.key(key);
        self.string(value);
    }

    fn optional(&mut self, key: &str, value: &Option<impl AsRef<str>>) {
        if let Some(value) = value {
            self.text(key, value.as_ref());
        }
    }

    fn list(&mut self, key: &str, values: &[Id]) {
        self.key(key);
        self.out.push(b'[');
        for (index, value) in values.iter().enumerate() {
            if index > 0 {
                self.out.push(b',');
            }
            self.string(value);
        }
        self.out.push(b']');
    }

    fn number(&mut self, key: &str, value: f64) {
        self.key(key);
        let _ = serde_json::to_writer(&mut *self.out, &value);
    }
}

#[path = "json_v1_scan.rs"]
mod scan;

#[cfg(test)]
#[path = "json_v1_tests.rs"]
mod tests;
