//! One record of the agent event stream (Kinesis, `Version` "2017-10-01") → its fields (`parse`):
//! the event type, the agent and its two snapshots, with ids already named as the feed that owns
//! the call lifecycle names them (see `ContactEventsOptions::agent_name`). Pure.

use serde_json::{Map, Value};

use super::fields::{
    array_of, checked_id, checked_name, error, id, object_of, optional_time, text_of, timestamp,
};
use super::ContactEventsOptions;
use crate::decode::DecodeError;
use crate::event::{Id, Millis, RejectReason};

/// Whether a record is an agent event: it has an `EventType` or an `AgentARN` (and no EventBridge
/// `detail-type`).
pub fn is_agent_event(record: &Map<String, Value>) -> bool {
    !record.contains_key("detail-type")
        && (record.contains_key("EventType") || record.contains_key("AgentARN"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Login,
    Logout,
    StateChange,
    /// Sent after 120 s without another event: the feed is alive, nothing changed.
    HeartBeat,
}

/// What an agent status means (`AgentStatus.Type`; records without it: by name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusType {
    /// Takes contacts (the built-in "Available").
    Routable,
    /// A status of the center's own (Break, Lunch, …): not ready, the name is the reason.
    Custom,
    /// The built-in "Offline".
    Offline,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub name: Id,
    pub status_type: StatusType,
    pub started_at: Option<Millis>,
}

/// A contact's `State` in a snapshot, by what it means for callboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactState {
    /// INCOMING, PENDING, CONNECTING: offered to the agent.
    Ringing,
    Connected,
    /// CONNECTED_ONHOLD.
    OnHold,
    /// The conversation is over; the agent is in after-contact work for it.
    Ended,
    /// MISSED, REJECTED, ERROR: the ring ended unanswered.
    Missed,
    /// Any other state (PAUSED, a state added later): nothing to tell.
    Other,
}

/// One entry of a snapshot's `Contacts`, of a counted channel and with a queue.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactSnapshot {
    pub contact: Id,
    /// `InitialContactId`, else `ContactId`: the call across transfers.
    pub call: Id,
    pub queue: Id,
    pub queued_at: Option<Millis>,
    pub state: ContactState,
    pub state_started_at: Option<Millis>,
    pub connected_at: Option<Millis>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Snapshot {
    pub status: Option<Status>,
    /// `RoutingProfile.InboundQueues`, but the agent's own queue.
    pub queues: Vec<Id>,
    /// The deepest level of `AgentHierarchyGroups` that has a name.
    pub team: Option<Id>,
    pub contacts: Vec<ContactSnapshot>,
}

#[derive(Debug)]
pub struct AgentEvent {
    pub event_type: EventType,
    /// The agent's name, as the feed that owns the call lifecycle knows it.
    pub agent: Id,
    /// `EventTimestamp`.
    pub time: Millis,
    pub previous: Snapshot,
    pub current: Snapshot,
}

/// Parses an agent event (a record [`is_agent_event`] accepted): `None` for an unknown `EventType`.
/// `username` is what the adapter remembers of the agent's `Configuration.Username` (a record
/// without configuration still names the agent alike), keyed by the ARN's id.
pub fn parse(
    record: &Map<String, Value>,
    options: &ContactEventsOptions,
    remembered_username: impl FnOnce(&str) -> Option<Id>,
) -> Result<Option<(AgentEvent, Id, Option<Id>)>, DecodeError> {
    let event_type = match text_of(record, "EventType") {
        Some("LOGIN") => EventType::Login,
        Some("LOGOUT") => EventType::Logout,
        Some("STATE_CHANGE") => EventType::StateChange,
        Some("HEART_BEAT") => EventType::HeartBeat,
        Some(_) => return Ok(None),
        None => return Err(error(RejectReason::MissingField, "EventType is missing")),
    };
    let arn = text_of(record, "AgentARN")
        .ok_or_else(|| error(RejectReason::MissingField, "AgentARN is missing"))?;
    let time = match text_of(record, "EventTimestamp") {
        Some(text) => timestamp(text, "EventTimestamp")?,
        None => {
            return Err(error(
                RejectReason::MissingField,
                "EventTimestamp is missing",
            ))
        }
    };
    let current = object_of(record, "CurrentAgentSnapshot")?;
    let previous = object_of(record, "PreviousAgentSnapshot")?;
    let username = match current.or(previous) {
        Some(snapshot) => match object_of(snapshot, "Configuration")? {
            Some(configuration) => id(configuration, "Username")?,
            None => None,
        },
        None => None,
    };
    let arn_key = checked_name(Id::from(last_segment(arn)), "AgentARN")?;
    let username = username.or_else(|| remembered_username(&arn_key));
    let agent = checked_name(options.agent_name(arn, username.as_ref()), "AgentARN")?;
    let snapshot = |snapshot: Option<&Map<String, Value>>| match snapshot {
        Some(snapshot) => parse_snapshot(snapshot, options),
        None => Ok(Snapshot::default()),
    };
    let event = AgentEvent {
        event_type,
        agent,
        time,
        previous: snapshot(previous)?,
        current: snapshot(current)?,
    };
    Ok(Some((event, arn_key, username)))
}

pub fn last_segment(arn: &str) -> &str {
    arn.rsplit(['/', ':']).next().unwrap_or(arn)
}

fn parse_snapshot(
    snapshot: &Map<String, Value>,
    options: &ContactEventsOptions,
) -> Result<Snapshot, DecodeError> {
    let status = match object_of(snapshot, "AgentStatus")? {
        Some(status) => Some(parse_status(status)?),
        None => None,
    };
    let mut parsed = Snapshot {
        status,
        ..Snapshot::default()
    };
    if let Some(configuration) = object_of(snapshot, "Configuration")? {
        if let Some(profile) = object_of(configuration, "RoutingProfile")? {
            for queue in array_of(profile, "InboundQueues")? {
                let Value::Object(queue) = queue else {
                    return Err(error(
                        RejectReason::UnsupportedRecord,
                        "an InboundQueues entry is not an object",
                    ));
                };
                // The agent's own queue (`…/queue/agent/<id>`, Name null) is no skill.
                if text_of(queue, "ARN").is_some_and(|arn| arn.contains("/queue/agent/")) {
                    continue;
                }
                if let Some(name) = queue_name(queue, options, "InboundQueues")? {
                    parsed.queues.push(name);
                }
            }
        }
        if let Some(groups) = object_of(configuration, "AgentHierarchyGroups")? {
            for level in ["Level5", "Level4", "Level3", "Level2", "Level1"] {
                if let Some(group) = object_of(groups, level)? {
                    if let Some(name) = checked_id(text_of(group, "Name"), level)? {
                        parsed.team = Some(name);
                        break;
                    }
                }
            }
        }
    }
    for contact in array_of(snapshot, "Contacts")? {
        let Value::Object(contact) = contact else {
            return Err(error(
                RejectReason::UnsupportedRecord,
                "a Contacts entry is not an object",
            ));
        };
        if let Some(contact) = parse_contact(contact, options)? {
            parsed.contacts.push(contact);
        }
    }
    Ok(parsed)
}

fn parse_status(status: &Map<String, Value>) -> Result<Status, DecodeError> {
    let name = id(status, "Name")?
        .ok_or_else(|| error(RejectReason::MissingField, "AgentStatus.Name is missing"))?;
    let status_type = match text_of(status, "Type") {
        Some("ROUTABLE") => StatusType::Routable,
        Some("OFFLINE") => StatusType::Offline,
        Some(_) => StatusType::Custom,
        // Records from before `Type` existed name the two built-in statuses.
        None if name.eq_ignore_ascii_case("available") => StatusType::Routable,
        None if name.eq_ignore_ascii_case("offline") => StatusType::Offline,
        None => StatusType::Custom,
    };
    Ok(Status {
        name,
        status_type,
        started_at: optional_time(status, "StartTimestamp")?,
    })
}

/// A queue `{ARN, Name}` named as the owning feed names it.
fn queue_name(
    queue: &Map<String, Value>,
    options: &ContactEventsOptions,
    field: &str,
) -> Result<Option<Id>, DecodeError> {
    let name = text_of(queue, "Name").map(Id::from);
    match (text_of(queue, "ARN"), name) {
        (None, None) => Ok(None),
        (arn, name) => checked_name(options.queue_name(arn, name), field).map(Some),
    }
}

/// A contact of the snapshot; `None` for one callboard does not count (another channel, an outbound
/// contact, a contact without a queue).
fn parse_contact(
    contact: &Map<String, Value>,
    options: &ContactEventsOptions,
) -> Result<Option<ContactSnapshot>, DecodeError> {
    let contact_id = id(contact, "ContactId")?.ok_or_else(|| {
        error(
            RejectReason::MissingField,
            "Contacts[].ContactId is missing",
        )
    })?;
    let state = match text_of(contact, "State") {
        Some("INCOMING" | "PENDING" | "CONNECTING") => ContactState::Ringing,
        Some("CONNECTED") => ContactState::Connected,
        Some("CONNECTED_ONHOLD") => ContactState::OnHold,
        Some("ENDED") => ContactState::Ended,
        Some("MISSED" | "REJECTED" | "ERROR") => ContactState::Missed,
        Some(_) => ContactState::Other,
        None => {
            return Err(error(
                RejectReason::MissingField,
                "Contacts[].State is missing",
            ))
        }
    };
    let channel = text_of(contact, "Channel").unwrap_or("VOICE");
    if !options.channels.iter().any(|counted| counted == channel)
        || text_of(contact, "InitiationMethod") == Some("OUTBOUND")
    {
        return Ok(None);
    }
    let Some(queue) = object_of(contact, "Queue")? else {
        return Ok(None);
    };
    let Some(queue) = queue_name(queue, options, "Contacts[].Queue")? else {
        return Ok(None);
    };
    let call = id(contact, "InitialContactId")?.unwrap_or_else(|| contact_id.clone());
    Ok(Some(ContactSnapshot {
        contact: contact_id,
        call,
        queue,
        queued_at: optional_time(contact, "QueueTimestamp")?,
        state,
        state_started_at: optional_time(contact, "StateStartTimestamp")?,
        connected_at: optional_time(contact, "ConnectedToAgentTimestamp")?,
    }))
}
