//! One TaskRouter event as it arrives, in either shape, read into a [`Record`] that borrows it:
//! - Event Streams: a CloudEvent `{"specversion", "type": "com.twilio.taskrouter.<event>", "id",
//!   "time", "data": {"sid", "timestamp", "payload": {snake_case fields}}}`;
//! - the workspace event callback, its form fields re-encoded as JSON by the bridge: `{"EventType",
//!   "Sid", "Timestamp", "TimestampMs", "TaskSid", …}`.
//!
//! A field is looked up under both spellings (`task_queue_name`, `TaskQueueName`) in either shape.
//! Not JSON → `malformed_json`; JSON that is neither shape → `unsupported_record`; a CloudEvent of
//! another Twilio product → skipped; no usable time → `bad_time`.

use serde_json::{Map, Value};

use super::super::time::{parse_rfc3339, MAX_MILLIS};
use super::super::{DecodeError, DecodeLimits};
use crate::event::{Millis, RejectReason, MAX_ID_BYTES};

const CLOUD_EVENT_PREFIX: &str = "com.twilio.taskrouter.";

/// Epoch numbers below this are seconds (the callback's `Timestamp`), at or above it milliseconds.
const SECONDS_BELOW: i64 = 100_000_000_000;

/// Parses the bytes as one JSON object.
pub fn parse(bytes: &[u8], limits: &DecodeLimits) -> Result<Value, DecodeError> {
    if bytes.len() > limits.max_message_bytes {
        return Err(DecodeError::new(
            RejectReason::TooLarge,
            format!(
                "{} bytes, over the limit of {}",
                bytes.len(),
                limits.max_message_bytes
            ),
        ));
    }
    serde_json::from_slice(bytes.trim_ascii()).map_err(|error| {
        DecodeError::new(
            RejectReason::MalformedJson,
            format!("not a JSON TaskRouter event: {error}"),
        )
    })
}

/// One event: its TaskRouter type (`task.created`), time, natural id and fields.
#[derive(Debug)]
pub struct Record<'a> {
    pub event_type: &'a str,
    pub time: Millis,
    /// The event's sid (`EV…`) or the CloudEvent id: the same on every delivery.
    pub sid: Option<&'a str>,
    fields: &'a Map<String, Value>,
}

fn unsupported(detail: impl Into<String>) -> DecodeError {
    DecodeError::new(RejectReason::UnsupportedRecord, detail)
}

/// `task_queue_name` → `TaskQueueName`.
fn pascal(snake: &str) -> String {
    snake
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or(String::new(), |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

/// The field `snake` of `object` under either spelling.
fn lookup<'a>(object: &'a Map<String, Value>, snake: &str) -> Option<&'a Value> {
    object.get(snake).or_else(|| object.get(&pascal(snake)))
}

fn text_of(value: Option<&Value>) -> Option<&str> {
    value
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|text| !text.is_empty())
}

/// An epoch (seconds or milliseconds, as a number or digits) or an RFC 3339 time.
fn time_of(value: &Value) -> Option<Millis> {
    let epoch = match value {
        Value::Number(number) => number
            .as_i64()
            .or_else(|| number.as_f64().map(|f| f as i64)),
        Value::String(text) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => {
            text.parse().ok()
        }
        Value::String(text) => {
            return parse_rfc3339(text).filter(|ms| (0..=MAX_MILLIS).contains(ms))
        }
        _ => None,
    }?;
    let ms = if epoch < SECONDS_BELOW {
        epoch.checked_mul(1_000)?
    } else {
        epoch
    };
    (0..=MAX_MILLIS).contains(&ms).then_some(ms)
}

impl<'a> Record<'a> {
    /// The record a JSON value is, or `None` for a CloudEvent of another product.
    pub fn of(value: &'a Value) -> Result<Option<Record<'a>>, DecodeError> {
        let Some(envelope) = value.as_object() else {
            return Err(unsupported("a TaskRouter event is a JSON object"));
        };
        let data = envelope.get("data").and_then(Value::as_object);
        let (event_type, fields) = match (text_of(envelope.get("type")), data) {
            (Some(cloud_type), Some(data)) => {
                let Some(event_type) = cloud_type.strip_prefix(CLOUD_EVENT_PREFIX) else {
                    return Ok(None);
                };
                let payload = data.get("payload").and_then(Value::as_object);
                (event_type, payload.unwrap_or(data))
            }
            _ => match text_of(lookup(envelope, "event_type")) {
                Some(event_type) => (event_type, envelope),
                None => return Err(unsupported(
                    "neither a CloudEvent with `type` and `data` nor a callback with `EventType`",
                )),
            },
        };
        let candidates = [
            lookup(fields, "timestamp_ms"),
            lookup(fields, "timestamp"),
            data.and_then(|data| data.get("timestamp")),
            envelope.get("time"),
        ];
        let time = candidates
            .into_iter()
            .flatten()
            .find_map(time_of)
            .ok_or_else(|| {
                DecodeError::new(
                    RejectReason::BadTime,
                    format!("{event_type} has no usable timestamp (epoch or RFC 3339)"),
                )
            })?;
        let sid = text_of(data.and_then(|data| data.get("sid")))
            .or_else(|| text_of(lookup(fields, "sid")))
            .or_else(|| data.and(text_of(envelope.get("id"))));
        Ok(Some(Record {
            event_type,
            time,
            sid,
            fields,
        }))
    }

    /// A text field under either spelling (empty is absent).
    pub fn text(&self, snake: &str) -> Result<Option<&'a str>, DecodeError> {
        match text_of(lookup(self.fields, snake)) {
            Some(text) if text.len() > MAX_ID_BYTES => Err(unsupported(format!(
                "{snake} is longer than {MAX_ID_BYTES} bytes"
            ))),
            found => Ok(found),
        }
    }

    /// A field of the task's attributes (`task_attributes`, a JSON object or its text), when it is an
    /// id of at most [`MAX_ID_BYTES`] bytes.
    pub fn task_attribute(&self, name: &str) -> Option<String> {
        let parsed;
        let attributes = match lookup(self.fields, "task_attributes")? {
            Value::Object(attributes) => attributes,
            Value::String(text) => {
                parsed = serde_json::from_str::<Value>(text).ok()?;
                parsed.as_object()?
            }
            _ => return None,
        };
        text_of(attributes.get(name))
            .filter(|text| text.len() <= MAX_ID_BYTES)
            .map(str::to_string)
    }

    /// A flag field: a JSON boolean or the form's `true` / `false`.
    pub fn flag(&self, snake: &str) -> Option<bool> {
        match lookup(self.fields, snake)? {
            Value::Bool(flag) => Some(*flag),
            Value::String(text) => text.trim().parse().ok(),
            _ => None,
        }
    }

    /// The hash ids derive from: of the event's sid when it has one (a bridge may add fields on
    /// redelivery), else of the record's bytes.
    pub fn hash(&self, bytes: &[u8]) -> u64 {
        fnv1a(self.sid.map_or(bytes.trim_ascii(), str::as_bytes))
    }
}

/// FNV-1a, 64 bits: stable across builds and platforms, so ids survive a restart.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
