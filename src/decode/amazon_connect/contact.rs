//! One EventBridge contact event → its fields (`parse`), and its fields → domain events (`map`, the
//! table of `docs/sources/amazon_connect.md`). Pure.

use serde_json::{Map, Value};

use super::fields::{checked_name, error, id, object_of, optional_time, text_of, timestamp};
use super::state::State;
use super::{ContactEventsOptions, PREFIX};
use crate::decode::adapter::{event_id, fnv1a, Mapped};
use crate::decode::DecodeError;
use crate::event::{DequeueReason, Direction, Event, EventKind, Id, Millis, RejectReason};

const DETAIL_TYPE: &str = "Amazon Connect Contact Event";
const SOURCE: &str = "aws.connect";

/// The fields of one contact event callboard uses.
#[derive(Debug)]
pub struct ContactEvent {
    pub event_type: String,
    pub contact: Id,
    /// `initialContactId`, else `contactId`: the call across transfers.
    pub call: Id,
    /// The envelope `time` (whole seconds).
    pub time: Millis,
    pub queue: Option<Id>,
    pub enqueued_at: Option<Millis>,
    pub agent: Option<Id>,
    pub connected_at: Option<Millis>,
    pub disconnected_at: Option<Millis>,
    pub disconnect_reason: Option<String>,
    pub after_contact_work_end: Option<Millis>,
}

/// Whether a record is an EventBridge contact event (`source` aws.connect, its `detail-type`).
pub fn is_contact_event(envelope: &Map<String, Value>) -> bool {
    text_of(envelope, "source") == Some(SOURCE)
        && text_of(envelope, "detail-type") == Some(DETAIL_TYPE)
}

/// Parses a contact event (an envelope [`is_contact_event`] accepted): `None` for an event of no
/// callboard meaning (another event type, a channel that does not count, an outbound contact).
pub fn parse(
    envelope: &Map<String, Value>,
    options: &ContactEventsOptions,
) -> Result<Option<ContactEvent>, DecodeError> {
    let Some(detail) = object_of(envelope, "detail")? else {
        return Err(error(
            RejectReason::MissingField,
            "a contact event without detail",
        ));
    };
    let event_type = text_of(detail, "eventType")
        .ok_or_else(|| error(RejectReason::MissingField, "detail.eventType is missing"))?;
    if !matches!(
        event_type,
        "QUEUED" | "CONNECTED_TO_AGENT" | "DISCONNECTED" | "COMPLETED"
    ) {
        return Ok(None);
    }
    let channel = text_of(detail, "channel").unwrap_or("VOICE");
    if !options.channels.iter().any(|counted| counted == channel)
        || text_of(detail, "initiationMethod") == Some("OUTBOUND")
    {
        return Ok(None);
    }
    let contact = id(detail, "contactId")?
        .ok_or_else(|| error(RejectReason::MissingField, "detail.contactId is missing"))?;
    let call = id(detail, "initialContactId")?.unwrap_or_else(|| contact.clone());
    let time = match text_of(envelope, "time") {
        Some(text) => timestamp(text, "time")?,
        None => return Err(error(RejectReason::MissingField, "the event has no time")),
    };
    let empty = Map::new();
    let queue_info = object_of(detail, "queueInfo")?.unwrap_or(&empty);
    let agent_info = object_of(detail, "agentInfo")?.unwrap_or(&empty);
    let arn = |info: &Map<String, Value>, field: &str| -> Result<Option<Id>, DecodeError> {
        text_of(info, field)
            .map(|arn| checked_name(options.name_of(arn), field))
            .transpose()
    };
    Ok(Some(ContactEvent {
        event_type: event_type.to_string(),
        contact,
        call,
        time,
        queue: arn(queue_info, "queueArn")?,
        enqueued_at: optional_time(queue_info, "enqueueTimestamp")?,
        agent: arn(agent_info, "agentArn")?,
        connected_at: optional_time(agent_info, "connectedToAgentTimestamp")?,
        disconnected_at: optional_time(detail, "disconnectTimestamp")?,
        disconnect_reason: text_of(detail, "disconnectReason").map(str::to_string),
        after_contact_work_end: optional_time(agent_info, "afterContactWorkEndTimestamp")?,
    }))
}

/// Appends the event's own fact, after the facts it restates that were not told yet.
pub fn map(
    record: &ContactEvent,
    state: &mut State,
    options: &ContactEventsOptions,
    out: &mut Vec<Event>,
) -> Result<Mapped, DecodeError> {
    let hash = fnv1a(record.contact.as_bytes());
    let emit = |out: &mut Vec<Event>, time: Millis, suffix: &str, kind: EventKind| {
        out.push(Event {
            time,
            tenant: options.tenant.clone(),
            id: Some(event_id(PREFIX, hash, suffix)),
            kind,
        });
    };
    let memory = state.contact(&record.contact);
    if record.queue.is_some() {
        memory.queue.clone_from(&record.queue);
    }
    let queue = memory.queue.clone();
    let call = record.call.clone();
    let queued = |call: Id, queue: Id| EventKind::CallQueued {
        caller: None,
        call,
        queue,
        priority: None,
        direction: Direction::Inbound,
    };
    // A queue entry and an answer the event carries, told unless this contact's events told them.
    let restate_queued = |memory: &mut super::state::ContactMemory, out: &mut Vec<Event>| {
        if let (Some(queue), Some(at), false) = (&queue, record.enqueued_at, memory.queued_told) {
            emit(out, at, "q", queued(call.clone(), queue.clone()));
            memory.queued_told = true;
        }
    };
    match record.event_type.as_str() {
        "QUEUED" => {
            let queue = queue.clone().ok_or_else(|| {
                error(
                    RejectReason::MissingField,
                    "QUEUED without queueInfo.queueArn",
                )
            })?;
            memory.queued_told = true;
            let at = record.enqueued_at.unwrap_or(record.time);
            emit(out, at, "q", queued(call, queue));
        }
        "CONNECTED_TO_AGENT" => {
            let agent = record.agent.clone().ok_or_else(|| {
                error(
                    RejectReason::MissingField,
                    "CONNECTED_TO_AGENT without agentInfo.agentArn",
                )
            })?;
            // Connected without a queue (an agent-to-agent call): no queue segment to count.
            let Some(queue) = queue.clone() else {
                return Ok(Mapped::Skipped);
            };
            restate_queued(memory, out);
            memory.answered_by = Some(agent.clone());
            let at = record.connected_at.unwrap_or(record.time);
            emit(out, at, "a", EventKind::CallAnswered { call, queue, agent });
        }
        "DISCONNECTED" => {
            let at = record.disconnected_at.unwrap_or(record.time);
            let agent = record.agent.clone().or_else(|| memory.answered_by.clone());
            match (agent, queue.clone()) {
                (Some(agent), queue) => {
                    restate_queued(memory, out);
                    if let (Some(queue), Some(connected_at), None) =
                        (queue, record.connected_at, &memory.answered_by)
                    {
                        let kind = EventKind::CallAnswered {
                            call: call.clone(),
                            queue,
                            agent: agent.clone(),
                        };
                        emit(out, connected_at, "a", kind);
                        memory.answered_by = Some(agent.clone());
                    }
                    memory.ended_told = true;
                    emit(out, at, "e", EventKind::CallEnded { call, agent });
                }
                (None, Some(queue)) => {
                    restate_queued(memory, out);
                    let kind = if record.disconnect_reason.as_deref() == Some("CUSTOMER_DISCONNECT")
                    {
                        EventKind::CallAbandoned { call, queue }
                    } else {
                        EventKind::CallDequeued {
                            call,
                            queue,
                            reason: DequeueReason::Other,
                        }
                    };
                    emit(out, at, "x", kind);
                }
                // Ended in the flow (IVR), never queued: nothing callboard counts.
                (None, None) => return Ok(Mapped::Skipped),
            }
        }
        "COMPLETED" => {
            // No agent: COMPLETED repeats DISCONNECTED ("published immediately after it with the
            // same data"), with no after-contact work to end.
            let Some(agent) = record.agent.clone().or_else(|| memory.answered_by.clone()) else {
                return Ok(Mapped::Skipped);
            };
            if let (Some(ended_at), false) = (record.disconnected_at, memory.ended_told) {
                let kind = EventKind::CallEnded {
                    call: call.clone(),
                    agent: agent.clone(),
                };
                emit(out, ended_at, "e", kind);
                memory.ended_told = true;
            }
            let at = record
                .after_contact_work_end
                .or(record.disconnected_at)
                .unwrap_or(record.time);
            let kind = EventKind::CallCompleted {
                call,
                agent,
                outcome: None,
                disposition: None,
            };
            emit(out, at, "c", kind);
        }
        _ => return Ok(Mapped::Skipped),
    }
    Ok(Mapped::Used)
}
