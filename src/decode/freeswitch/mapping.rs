//! `CC-Action`s → domain events (the table of `docs/sources/freeswitch.md`). Pure: the event's
//! headers, the adapter's state and options in, events out.

use super::record::Headers;
use super::state::State;
use super::CallcenterOptions;
use crate::decode::adapter::{availability_change, event_id, fnv1a, Ended, Mapped};
use crate::decode::caller::pseudonym;
use crate::decode::DecodeError;
use crate::event::{
    Availability, DequeueReason, Direction, Event, EventKind, Id, Millis, RejectReason,
};

/// Everything an action's mapping needs: the headers, the record's hash, state, options and output.
pub struct Mapper<'a> {
    pub headers: &'a Headers,
    pub record_hash: u64,
    pub state: &'a mut State,
    pub options: &'a CallcenterOptions,
    pub out: &'a mut Vec<Event>,
}

const PREFIX: &str = "fs";

/// The `On Break` status as a not-ready reason, and `Idle` (an On-Demand agent after a call, offered
/// nothing until set back to Waiting).
const ON_BREAK: &str = "On Break";
const IDLE: &str = "Idle";

impl Mapper<'_> {
    fn emit(&mut self, time: Millis, hash: u64, suffix: &str, kind: EventKind) {
        self.out.push(Event {
            time,
            tenant: self.options.tenant.clone(),
            id: Some(event_id(PREFIX, hash, suffix)),
            kind,
        });
    }

    fn required(&self, header: &str, action: &str) -> Result<Id, DecodeError> {
        self.headers.id(header)?.map(Id::from).ok_or_else(|| {
            DecodeError::new(
                RejectReason::MissingField,
                format!("{action} needs a {header}"),
            )
        })
    }

    /// The call (the caller's channel, `CC-Member-Session-UUID`) and its stay in the queue
    /// (`CC-Member-UUID`, new for each queue entry); either stands in for the other.
    fn member(&self, action: &str) -> Result<(Id, Id), DecodeError> {
        let session = self.headers.id("CC-Member-Session-UUID")?;
        let member = self.headers.id("CC-Member-UUID")?;
        match (session, member) {
            (Some(session), Some(member)) => Ok((Id::from(session), Id::from(member))),
            (Some(one), None) | (None, Some(one)) => Ok((Id::from(one.as_str()), Id::from(one))),
            (None, None) => Err(DecodeError::new(
                RejectReason::MissingField,
                format!("{action} needs a CC-Member-Session-UUID or CC-Member-UUID"),
            )),
        }
    }

    /// Maps the event by its `CC-Action`; returns how, and the time it is at (none when skipped).
    pub fn map(mut self) -> Result<(Mapped, Option<Millis>), DecodeError> {
        let headers = self.headers;
        let callcenter = headers.text("Event-Name").as_deref() == Some("CUSTOM")
            && headers.text("Event-Subclass").as_deref() == Some("callcenter::info");
        if !callcenter {
            return Ok((Mapped::Skipped, None));
        }
        let Some(action) = headers.text("CC-Action") else {
            return Err(DecodeError::new(
                RejectReason::UnsupportedRecord,
                "a callcenter::info event without CC-Action",
            ));
        };
        let time = match action.as_str() {
            "member-queue-start" => self.queued()?,
            "agent-offering" => self.offered()?,
            "bridge-agent-start" => self.answered()?,
            "bridge-agent-end" => self.bridge_ended()?,
            "member-queue-end" => self.left_queue()?,
            "agent-status-change" => self.status_changed()?,
            "agent-state-change" => self.state_changed()?,
            _ => return Ok((Mapped::Skipped, None)),
        };
        Ok((Mapped::Used, Some(time)))
    }

    fn queued(&mut self) -> Result<Millis, DecodeError> {
        let action = "member-queue-start";
        let (call, member) = self.member(action)?;
        let queue = self.required("CC-Queue", action)?;
        let time = self.headers.time(Some("CC-Member-Joined-Time"))?;
        self.state.call(&member);
        let number = self.headers.text("CC-Member-CID-Number");
        let caller = number.as_deref().and_then(pseudonym);
        let kind = EventKind::CallQueued {
            caller,
            call,
            queue,
            priority: None,
            direction: Direction::Inbound,
        };
        self.emit(time, fnv1a(member.as_bytes()), "q", kind);
        Ok(time)
    }

    fn offered(&mut self) -> Result<Millis, DecodeError> {
        let action = "agent-offering";
        let (call, _) = self.member(action)?;
        let (queue, agent) = (
            self.required("CC-Queue", action)?,
            self.required("CC-Agent", action)?,
        );
        let time = self.headers.time(Some("CC-Agent-Called-Time"))?;
        // A second offer of the call to the agent is a second ring: the record's own hash.
        let kind = EventKind::CallRinging { call, queue, agent };
        self.emit(time, self.record_hash, "r", kind);
        Ok(time)
    }

    fn answered(&mut self) -> Result<Millis, DecodeError> {
        let action = "bridge-agent-start";
        let (call, member) = self.member(action)?;
        let (queue, agent) = (
            self.required("CC-Queue", action)?,
            self.required("CC-Agent", action)?,
        );
        let time = self.headers.time(Some("CC-Agent-Answered-Time"))?;
        self.answer(time, call, &member, queue, agent);
        Ok(time)
    }

    fn answer(&mut self, time: Millis, call: Id, member: &Id, queue: Id, agent: Id) {
        // The agent's wrap-up of an earlier call ends when it answers this one.
        self.state.completions.release_agent(&agent, time, self.out);
        self.state.call(member).answered_by = Some(agent.clone());
        let hash = fact_hash(member, &agent);
        self.emit(
            time,
            hash,
            "a",
            EventKind::CallAnswered { call, queue, agent },
        );
    }

    fn bridge_ended(&mut self) -> Result<Millis, DecodeError> {
        let action = "bridge-agent-end";
        let (call, member) = self.member(action)?;
        let agent = self.required("CC-Agent", action)?;
        let time = self.headers.time(Some("CC-Bridge-Terminated-Time"))?;
        self.end_talk(time, call, &member, agent);
        Ok(time)
    }

    /// `call.ended`, and `call.completed` the agent's wrap-up time later (held until then).
    fn end_talk(&mut self, time: Millis, call: Id, member: &Id, agent: Id) {
        self.state.call(member).ended = true;
        let hash = fact_hash(member, &agent);
        let ended = EventKind::CallEnded {
            call: call.clone(),
            agent: agent.clone(),
        };
        self.emit(time, hash, "e", ended);
        let wrap_up_ms = self.options.wrap_up_ms(&agent);
        let ended = Ended {
            tenant: self.options.tenant.clone(),
            id: event_id(PREFIX, hash, "c"),
            call,
            agent,
            at: time,
        };
        self.state.completions.complete(ended, wrap_up_ms, self.out);
    }

    /// `member-queue-end`: after a bridge (`Terminated`) it repeats `bridge-agent-end` and adds
    /// nothing, unless that was lost; a `Cancel` is an abandon or a dequeue by its reason.
    fn left_queue(&mut self) -> Result<Millis, DecodeError> {
        let action = "member-queue-end";
        let (call, member) = self.member(action)?;
        let time = self.headers.time(Some("CC-Member-Leaving-Time"))?;
        match self.headers.text("CC-Cause").as_deref() {
            Some("Terminated") => {
                let agent = self.required("CC-Agent", action)?;
                let known = self.state.close_call(&member).unwrap_or_default();
                if known.ended {
                    return Ok(time);
                }
                if known.answered_by.is_none() {
                    let queue = self.required("CC-Queue", action)?;
                    let answered_at = self.headers.seconds("CC-Agent-Answered-Time")?;
                    let answered_at = answered_at.unwrap_or(time).min(time);
                    self.answer(answered_at, call.clone(), &member, queue, agent.clone());
                }
                self.end_talk(time, call, &member, agent);
                self.state.close_call(&member);
            }
            Some("Cancel") => {
                let queue = self.required("CC-Queue", action)?;
                self.state.close_call(&member);
                let reason = self.headers.text("CC-Cancel-Reason");
                let kind = match reason.as_deref() {
                    // The member left without an agent and nothing else was recorded: most often
                    // the caller hung up (a programmatic break-out looks the same).
                    Some("BREAK_OUT") => EventKind::CallAbandoned { call, queue },
                    Some(reason) => EventKind::CallDequeued {
                        call,
                        queue,
                        reason: match reason {
                            "TIMEOUT" | "NO_AGENT_TIMEOUT" => DequeueReason::Timeout,
                            "EXIT_WITH_KEY" => DequeueReason::ExitKey,
                            _ => DequeueReason::Other,
                        },
                    },
                    None => EventKind::CallDequeued {
                        call,
                        queue,
                        reason: DequeueReason::Other,
                    },
                };
                self.emit(time, fnv1a(member.as_bytes()), "x", kind);
            }
            other => {
                return Err(DecodeError::new(
                    RejectReason::UnsupportedRecord,
                    format!(
                        "member-queue-end with CC-Cause {:?}; expected Terminated or Cancel",
                        other.unwrap_or("(none)")
                    ),
                ))
            }
        }
        Ok(time)
    }

    fn status_changed(&mut self) -> Result<Millis, DecodeError> {
        let action = "agent-status-change";
        let agent = self.required("CC-Agent", action)?;
        let status = self.required("CC-Agent-Status", action)?;
        let time = self.headers.time(None)?;
        let availability = match status.as_str() {
            "Available" | "Available (On Demand)" => Availability::Available,
            ON_BREAK => Availability::NotReady {
                reason: Some(Id::from(ON_BREAK)),
            },
            "Logged Out" => {
                self.log_out(time, agent);
                return Ok(time);
            }
            other => {
                return Err(DecodeError::new(
                    RejectReason::UnsupportedRecord,
                    format!("agent-status-change to an unknown CC-Agent-Status `{other}`"),
                ))
            }
        };
        let logged_in = self.state.agent(&agent).map(|memory| {
            let was = memory.logged_in;
            memory.logged_in = true;
            was
        });
        if logged_in == Some(false) {
            let kind = EventKind::AgentLogin {
                agent: agent.clone(),
                queues: None,
                team: None,
            };
            self.emit(time, self.record_hash, "l", kind);
        }
        self.set_availability(time, agent, availability);
        Ok(time)
    }

    fn log_out(&mut self, time: Millis, agent: Id) {
        self.state.completions.release_agent(&agent, time, self.out);
        if let Some(memory) = self.state.agent(&agent) {
            memory.logged_in = false;
            memory.availability = None;
        }
        self.emit(
            time,
            self.record_hash,
            "o",
            EventKind::AgentLogout { agent },
        );
    }

    /// `agent-state-change`: the call states (Receiving, In a queue call, Reserved) repeat the call
    /// events and add nothing; `Idle` takes an available agent out of the queue until `Waiting`.
    fn state_changed(&mut self) -> Result<Millis, DecodeError> {
        let action = "agent-state-change";
        let agent = self.required("CC-Agent", action)?;
        let state = self.required("CC-Agent-State", action)?;
        let time = self.headers.time(None)?;
        let idle = Availability::NotReady {
            reason: Some(Id::from(IDLE)),
        };
        let current = self
            .state
            .agent(&agent)
            .and_then(|memory| memory.availability.clone());
        match state.as_str() {
            "Idle" if current == Some(Availability::Available) => {
                self.set_availability(time, agent, idle);
            }
            "Waiting" if current == Some(idle) => {
                self.set_availability(time, agent, Availability::Available);
            }
            "Idle" | "Waiting" | "Receiving" | "In a queue call" | "Reserved" | "Unknown" => {}
            other => {
                return Err(DecodeError::new(
                    RejectReason::UnsupportedRecord,
                    format!("agent-state-change to an unknown CC-Agent-State `{other}`"),
                ))
            }
        }
        Ok(time)
    }

    /// An availability change, unless the agent already has it (a status set twice is one change).
    fn set_availability(&mut self, time: Millis, agent: Id, availability: Availability) {
        let memory = self.state.agent(&agent);
        let last = memory.map(|memory| &mut memory.availability);
        if let Some(kind) = availability_change(last, agent, availability) {
            self.emit(time, self.record_hash, "s", kind);
        }
    }
}

/// The hash of a fact about one queue stay and its agent: the same from every record that tells it.
fn fact_hash(member: &str, agent: &str) -> u64 {
    let mut bytes = Vec::with_capacity(member.len() + agent.len() + 1);
    bytes.extend_from_slice(member.as_bytes());
    bytes.push(0);
    bytes.extend_from_slice(agent.as_bytes());
    fnv1a(&bytes)
}
