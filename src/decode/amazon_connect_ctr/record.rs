//! One contact record (a JSON object, as Kinesis or Firehose deliver it) → the small form the adapter
//! holds until the end of the input ([`Contact`]): the queue stay and the agent's part, already
//! reduced to the times the events need, names interned. Pure.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::ContactRecordsOptions;
use crate::decode::adapter::fnv1a;
use crate::decode::time::parse_rfc3339;
use crate::decode::DecodeError;
use crate::event::{Id, Millis, RejectReason, MAX_ID_BYTES};

/// A contact id as held. Connect's ids are UUIDs: kept as 16 bytes where the text is a lowercase
/// hyphenated UUID (rendered back to the same text); any other id is kept as its text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ContactKey {
    Uuid(u128),
    Text(Id),
}

impl ContactKey {
    pub fn new(text: &str) -> ContactKey {
        parse_uuid(text).map_or_else(|| ContactKey::Text(Id::from(text)), ContactKey::Uuid)
    }

    /// The id as the record wrote it.
    pub fn to_id(&self) -> Id {
        match self {
            ContactKey::Text(text) => text.clone(),
            ContactKey::Uuid(value) => {
                let hex = format!("{value:032x}");
                Id::from(format!(
                    "{}-{}-{}-{}-{}",
                    &hex[0..8],
                    &hex[8..12],
                    &hex[12..16],
                    &hex[16..20],
                    &hex[20..32]
                ))
            }
        }
    }
}

fn parse_uuid(text: &str) -> Option<u128> {
    let bytes = text.as_bytes();
    if bytes.len() != 36 {
        return None;
    }
    let mut value = 0u128;
    for (index, &byte) in bytes.iter().enumerate() {
        if matches!(index, 8 | 13 | 18 | 23) {
            if byte != b'-' {
                return None;
            }
            continue;
        }
        let digit = match byte {
            b'0'..=b'9' => byte - b'0',
            b'a'..=b'f' => byte - b'a' + 10,
            _ => return None,
        };
        value = value << 4 | u128::from(digit);
    }
    Some(value)
}

/// Queue and agent names, interned: a center has few, and millions of held contacts share them.
#[derive(Debug, Default)]
pub struct Names {
    names: Vec<Id>,
    index: HashMap<Id, u32>,
}

impl Names {
    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(&index) = self.index.get(name) {
            return index;
        }
        let index = self.names.len() as u32;
        self.names.push(Id::from(name));
        self.index.insert(Id::from(name), index);
        index
    }

    pub fn name(&self, index: u32) -> &Id {
        &self.names[index as usize]
    }
}

/// The latest record of one contact, reduced to what its events need.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    /// FNV-1a of the `ContactId`, which its events' ids carry.
    pub hash: u64,
    /// `InitialContactId`, else the contact itself: the call across transfers.
    pub call: ContactKey,
    /// `LastUpdateTimestamp`: the newest record of a contact wins.
    pub last_update: Millis,
    /// The queue's interned name.
    pub queue: u32,
    /// `Queue.EnqueueTimestamp`.
    pub queued_at: Millis,
    pub outcome: Outcome,
}

/// How the contact's queue stay ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Answered(Answered),
    /// Never connected to an agent and `DisconnectReason` CUSTOMER_DISCONNECT.
    Abandoned {
        at: Millis,
    },
    /// Never connected to an agent, any other disconnect reason.
    Dequeued {
        at: Millis,
    },
}

/// The agent's part of a contact.
#[derive(Debug, Clone, PartialEq)]
pub struct Answered {
    /// The agent's interned name.
    pub agent: u32,
    /// `Agent.ConnectedToAgentTimestamp`.
    pub at: Millis,
    /// `Agent.CustomerHoldDuration`, at most the agent's part.
    pub hold_ms: Millis,
    /// `TransferCompletedTimestamp`, else `Agent.AfterContactWorkStartTimestamp`, else
    /// `DisconnectTimestamp`.
    pub left_at: Millis,
    /// Whether `left_at` is a transfer.
    pub transferred: bool,
    /// `Agent.AfterContactWorkEndTimestamp`, else `left_at`.
    pub completed_at: Millis,
}

fn error(reason: RejectReason, detail: impl Into<String>) -> DecodeError {
    DecodeError::new(reason, detail)
}

/// Parses a record: `too_large`; `malformed_json` (a truncated line); `unsupported_record` for JSON
/// that is not an object, a field of the wrong type or times out of order; `missing_field` for a
/// record without `ContactId` or `LastUpdateTimestamp` or a fact without its time; `bad_time`.
/// `None` for a contact of no callboard meaning: a channel that does not count, an outbound
/// contact, a contact never queued (no `Queue` or no `Queue.EnqueueTimestamp`: IVR only).
pub fn parse(
    text: &[u8],
    options: &ContactRecordsOptions,
    names: &mut Names,
) -> Result<Option<(ContactKey, Contact)>, DecodeError> {
    let limit = options.limits.max_message_bytes;
    if text.len() > limit {
        return Err(error(
            RejectReason::TooLarge,
            format!("record is {} bytes; the limit is {limit}", text.len()),
        ));
    }
    let value: Value = serde_json::from_slice(text).map_err(|e| {
        error(
            RejectReason::MalformedJson,
            format!("not a JSON contact record ({e}): a truncated line?"),
        )
    })?;
    let Value::Object(record) = value else {
        return Err(error(
            RejectReason::UnsupportedRecord,
            "a contact record is a JSON object",
        ));
    };
    let contact_id = text_of(&record, "ContactId")?.ok_or_else(|| {
        error(
            RejectReason::MissingField,
            "a contact record without ContactId",
        )
    })?;
    let contact = id(contact_id)?;
    let last_update = time(&record, "LastUpdateTimestamp")?.ok_or_else(|| {
        error(
            RejectReason::MissingField,
            "LastUpdateTimestamp is missing: re-sent records could not be ordered",
        )
    })?;
    let channel = text_of(&record, "Channel")?.unwrap_or("VOICE");
    if !options.channels.iter().any(|counted| counted == channel)
        || text_of(&record, "InitiationMethod")? == Some("OUTBOUND")
    {
        return Ok(None);
    }
    let Some(queue) = object(&record, "Queue")? else {
        return Ok(None);
    };
    let Some(queued_at) = time(queue, "Queue.EnqueueTimestamp")? else {
        return Ok(None);
    };
    let queue_name = name(queue, "Queue.Name", "Queue.ARN")?;
    let call = match text_of(&record, "InitialContactId")? {
        Some(initial) => id(initial)?,
        None => contact.clone(),
    };
    let disconnected_at = time(&record, "DisconnectTimestamp")?;
    let agent = object(&record, "Agent")?;
    let connected_at = match agent {
        Some(agent) => time(agent, "Agent.ConnectedToAgentTimestamp")?,
        None => None,
    };
    let outcome = match (agent, connected_at) {
        (Some(agent), Some(at)) => {
            Outcome::Answered(answered(&record, agent, at, disconnected_at, names)?)
        }
        _ => {
            let at = time(queue, "Queue.DequeueTimestamp")?
                .or(disconnected_at)
                .ok_or_else(|| {
                    error(
                        RejectReason::MissingField,
                        "a contact never connected to an agent has neither Queue.DequeueTimestamp \
                         nor DisconnectTimestamp",
                    )
                })?;
            if text_of(&record, "DisconnectReason")? == Some("CUSTOMER_DISCONNECT") {
                Outcome::Abandoned { at }
            } else {
                Outcome::Dequeued { at }
            }
        }
    };
    let (first, last) = match &outcome {
        Outcome::Answered(answered) => (answered.at, answered.completed_at),
        Outcome::Abandoned { at } | Outcome::Dequeued { at } => (*at, *at),
    };
    if first < queued_at || last < first {
        return Err(error(
            RejectReason::UnsupportedRecord,
            "times out of order: the record leaves the queue before it entered, or the agent's \
             part ends before it began",
        ));
    }
    let queue = names.intern(&queue_name);
    Ok(Some((
        contact,
        Contact {
            hash: fnv1a(contact_id.as_bytes()),
            call,
            last_update,
            queue,
            queued_at,
            outcome,
        },
    )))
}

fn answered(
    record: &Map<String, Value>,
    agent: &Map<String, Value>,
    at: Millis,
    disconnected_at: Option<Millis>,
    names: &mut Names,
) -> Result<Answered, DecodeError> {
    let agent_name = name(agent, "Agent.Username", "Agent.ARN")?;
    let transferred_at = time(record, "TransferCompletedTimestamp")?;
    let left_at = transferred_at
        .or(time(agent, "Agent.AfterContactWorkStartTimestamp")?)
        .or(disconnected_at)
        .ok_or_else(|| {
            error(
                RejectReason::MissingField,
                "an answered contact has no TransferCompletedTimestamp, \
                 Agent.AfterContactWorkStartTimestamp nor DisconnectTimestamp",
            )
        })?;
    let completed_at = time(agent, "Agent.AfterContactWorkEndTimestamp")?.unwrap_or(left_at);
    if left_at < at || completed_at < left_at {
        return Err(error(
            RejectReason::UnsupportedRecord,
            "times out of order: the agent's part ends before it began, or after-contact work \
             ends before it began",
        ));
    }
    let hold_seconds = seconds(agent, "Agent.CustomerHoldDuration")?.unwrap_or(0);
    let hold_ms = i64::try_from(hold_seconds)
        .unwrap_or(i64::MAX)
        .saturating_mul(1_000)
        .min(left_at - at);
    Ok(Answered {
        agent: names.intern(&agent_name),
        at,
        hold_ms,
        left_at,
        transferred: transferred_at.is_some(),
        completed_at,
    })
}

/// The value of `path`'s last segment in `map`; null counts as absent.
fn field<'a>(map: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let key = path.rsplit('.').next().unwrap_or(path);
    map.get(key).filter(|value| !value.is_null())
}

fn wrong_type(path: &str, expected: &str) -> DecodeError {
    error(
        RejectReason::UnsupportedRecord,
        format!("{path} is not {expected}"),
    )
}

/// A string field; empty counts as absent.
fn text_of<'a>(map: &'a Map<String, Value>, path: &str) -> Result<Option<&'a str>, DecodeError> {
    match field(map, path) {
        None => Ok(None),
        Some(Value::String(text)) if text.is_empty() => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(wrong_type(path, "a string")),
    }
}

fn object<'a>(
    map: &'a Map<String, Value>,
    path: &str,
) -> Result<Option<&'a Map<String, Value>>, DecodeError> {
    match field(map, path) {
        None => Ok(None),
        Some(Value::Object(object)) => Ok(Some(object)),
        Some(_) => Err(wrong_type(path, "an object")),
    }
}

fn time(map: &Map<String, Value>, path: &str) -> Result<Option<Millis>, DecodeError> {
    let Some(text) = text_of(map, path)? else {
        return Ok(None);
    };
    match parse_rfc3339(text) {
        Some(time) => Ok(Some(time)),
        None => {
            let shown: String = text.chars().take(40).collect();
            Err(error(
                RejectReason::BadTime,
                format!("{path} `{shown}` is not an RFC 3339 time"),
            ))
        }
    }
}

fn seconds(map: &Map<String, Value>, path: &str) -> Result<Option<u64>, DecodeError> {
    match field(map, path) {
        None => Ok(None),
        Some(value) => value
            .as_u64()
            .map(Some)
            .ok_or_else(|| wrong_type(path, "a whole number of seconds")),
    }
}

fn id(text: &str) -> Result<ContactKey, DecodeError> {
    if text.len() > MAX_ID_BYTES {
        return Err(error(
            RejectReason::UnsupportedRecord,
            format!(
                "a contact id of {} bytes; an id has at most {MAX_ID_BYTES}",
                text.len()
            ),
        ));
    }
    Ok(ContactKey::new(text))
}

/// A queue's or agent's name: its name field, else its ARN's last id segment.
fn name(map: &Map<String, Value>, name: &str, arn: &str) -> Result<Id, DecodeError> {
    let text = match text_of(map, name)? {
        Some(text) => text,
        None => text_of(map, arn)?
            .map(|arn| arn.rsplit(['/', ':']).next().unwrap_or(arn))
            .ok_or_else(|| {
                error(
                    RejectReason::MissingField,
                    format!("neither {name} nor {arn}"),
                )
            })?,
    };
    if text.is_empty() || text.len() > MAX_ID_BYTES {
        return Err(error(
            RejectReason::UnsupportedRecord,
            format!("{name} names no id of 1 to {MAX_ID_BYTES} bytes"),
        ));
    }
    Ok(Id::from(text))
}
