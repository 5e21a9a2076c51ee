//! One mod_callcenter event as JSON: an object of headers (`"CC-Action": "member-queue-start"`), all
//! strings as the event socket and mod_amqp write them (numbers are taken too). Pure parsing; what the
//! actions mean is `mapping`'s.

use serde_json::{Map, Value};

use crate::decode::time::MAX_MILLIS;
use crate::decode::{DecodeError, DecodeLimits};
use crate::event::{Millis, RejectReason, MAX_ID_BYTES};

/// The headers of one event.
pub struct Headers(Map<String, Value>);

/// Parses a record: `too_large` over the limit, `malformed_json` for what is not JSON (a truncated
/// message), `unsupported_record` for JSON that is not an object.
pub fn parse(text: &[u8], limits: &DecodeLimits) -> Result<Headers, DecodeError> {
    if text.len() > limits.max_message_bytes {
        return Err(DecodeError::new(
            RejectReason::TooLarge,
            format!(
                "record is {} bytes; the limit is {}",
                text.len(),
                limits.max_message_bytes
            ),
        ));
    }
    let value: Value = serde_json::from_slice(text).map_err(|error| {
        DecodeError::new(
            RejectReason::MalformedJson,
            format!("not a JSON event ({error}): a truncated message?"),
        )
    })?;
    match value {
        Value::Object(map) => Ok(Headers(map)),
        _ => Err(DecodeError::new(
            RejectReason::UnsupportedRecord,
            "a FreeSWITCH event is a JSON object of headers",
        )),
    }
}

impl Headers {
    /// A header's text: a non-empty string (or a number, as text); anything else is absent.
    pub fn text(&self, name: &str) -> Option<String> {
        match self.0.get(name)? {
            Value::String(text) if !text.is_empty() => Some(text.clone()),
            Value::Number(number) => Some(number.to_string()),
            _ => None,
        }
    }

    /// A header naming something (a queue, an agent, a uuid): at most an id's 128 bytes.
    pub fn id(&self, name: &str) -> Result<Option<String>, DecodeError> {
        match self.text(name) {
            Some(text) if text.len() > MAX_ID_BYTES => Err(DecodeError::new(
                RejectReason::UnsupportedRecord,
                format!(
                    "{name} is {} bytes; an id has at most {MAX_ID_BYTES}",
                    text.len()
                ),
            )),
            other => Ok(other),
        }
    }

    /// The time of the event: `Event-Date-Timestamp` (epoch µs) when present, else `seconds_header`
    /// (epoch seconds, as every `CC-*-Time`; agent changes carry none).
    pub fn time(&self, seconds_header: Option<&str>) -> Result<Millis, DecodeError> {
        if let Some(micros) = self.text("Event-Date-Timestamp") {
            return epoch(&micros, "Event-Date-Timestamp", |micros| micros / 1_000);
        }
        let seconds = match seconds_header {
            Some(header) => self.seconds(header)?,
            None => None,
        };
        seconds.ok_or_else(|| {
            DecodeError::new(
                RejectReason::MissingField,
                format!(
                    "no Event-Date-Timestamp{}",
                    seconds_header.map_or(String::new(), |header| format!(" nor {header}"))
                ),
            )
        })
    }

    /// A `CC-*-Time` header in ms, if present.
    pub fn seconds(&self, header: &str) -> Result<Option<Millis>, DecodeError> {
        self.text(header)
            .map(|seconds| epoch(&seconds, header, |seconds| seconds.saturating_mul(1_000)))
            .transpose()
    }
}

/// Epoch digits converted to ms by `to_millis`; `bad_time` when it is not a whole number or lands
/// after 9999.
fn epoch(text: &str, header: &str, to_millis: impl Fn(i64) -> i64) -> Result<Millis, DecodeError> {
    let millis = (!text.is_empty() && text.len() <= 18 && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse::<i64>().ok())
        .flatten()
        .map(to_millis)
        .filter(|millis| *millis <= MAX_MILLIS);
    millis.ok_or_else(|| {
        let shown: String = text.chars().take(32).collect();
        DecodeError::new(
            RejectReason::BadTime,
            format!("{header} `{shown}` is not an epoch time"),
        )
    })
}
