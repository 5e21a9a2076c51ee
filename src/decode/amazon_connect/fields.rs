//! What reading both Amazon Connect feeds shares: one record's bytes → a JSON object, and typed
//! reads of its fields that reject with the contract's reasons. Pure.

use serde_json::{Map, Value};

use crate::decode::time::parse_rfc3339;
use crate::decode::{DecodeError, DecodeLimits};
use crate::event::{Id, Millis, RejectReason, MAX_ID_BYTES};

pub fn error(reason: RejectReason, detail: impl Into<String>) -> DecodeError {
    DecodeError::new(reason, detail)
}

/// A record as a JSON object: `too_large`, `malformed_json` (a truncated message), or
/// `unsupported_record` for JSON that is not an object.
pub fn object(text: &[u8], limits: &DecodeLimits) -> Result<Map<String, Value>, DecodeError> {
    let limit = limits.max_message_bytes;
    if text.len() > limit {
        return Err(error(
            RejectReason::TooLarge,
            format!("record is {} bytes; the limit is {limit}", text.len()),
        ));
    }
    let value: Value = serde_json::from_slice(text).map_err(|e| {
        error(
            RejectReason::MalformedJson,
            format!("not a JSON event ({e}): a truncated message?"),
        )
    })?;
    match value {
        Value::Object(object) => Ok(object),
        _ => Err(error(
            RejectReason::UnsupportedRecord,
            "an Amazon Connect event is a JSON object",
        )),
    }
}

/// A non-empty string field; absent, `null`, empty or another type is `None`.
pub fn text_of<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    match map.get(name)? {
        Value::String(text) if !text.is_empty() => Some(text),
        _ => None,
    }
}

/// A field that must be an object when present (`null` counts as absent).
pub fn object_of<'a>(
    map: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a Map<String, Value>>, DecodeError> {
    match map.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(object)) => Ok(Some(object)),
        Some(_) => Err(error(
            RejectReason::UnsupportedRecord,
            format!("{name} is not an object"),
        )),
    }
}

/// A field that must be an array when present (`null` counts as empty).
pub fn array_of<'a>(map: &'a Map<String, Value>, name: &str) -> Result<&'a [Value], DecodeError> {
    match map.get(name) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(error(
            RejectReason::UnsupportedRecord,
            format!("{name} is not an array"),
        )),
    }
}

/// A string field as an id: longer than an id may be is `unsupported_record`.
pub fn id(map: &Map<String, Value>, name: &str) -> Result<Option<Id>, DecodeError> {
    checked_id(text_of(map, name), name)
}

/// `text` as an id of 1 to [`MAX_ID_BYTES`] bytes, if any.
pub fn checked_id(text: Option<&str>, name: &str) -> Result<Option<Id>, DecodeError> {
    match text {
        Some(text) if text.len() > MAX_ID_BYTES => Err(error(
            RejectReason::UnsupportedRecord,
            format!(
                "{name} is {} bytes; an id has at most {MAX_ID_BYTES}",
                text.len()
            ),
        )),
        other => Ok(other.map(Id::from)),
    }
}

/// A name the ARN map gave (or an ARN's last segment), checked as an id.
pub fn checked_name(name: Id, field: &str) -> Result<Id, DecodeError> {
    if name.is_empty() || name.len() > MAX_ID_BYTES {
        return Err(error(
            RejectReason::UnsupportedRecord,
            format!("{field} names no id of 1 to {MAX_ID_BYTES} bytes"),
        ));
    }
    Ok(name)
}

pub fn timestamp(text: &str, name: &str) -> Result<Millis, DecodeError> {
    parse_rfc3339(text).ok_or_else(|| {
        let shown: String = text.chars().take(40).collect();
        error(
            RejectReason::BadTime,
            format!("{name} `{shown}` is not an RFC 3339 time"),
        )
    })
}

/// A time field: absent or `null` is `None`, anything else must be an RFC 3339 string.
pub fn optional_time(map: &Map<String, Value>, name: &str) -> Result<Option<Millis>, DecodeError> {
    match map.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if text.is_empty() => Ok(None),
        Some(Value::String(text)) => timestamp(text, name).map(Some),
        Some(_) => Err(error(
            RejectReason::BadTime,
            format!("{name} is not an RFC 3339 string"),
        )),
    }
}
