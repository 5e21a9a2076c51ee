//! `queue_log` verbs → domain events (the table of `docs/sources/asterisk.md`). Pure: a [`Record`],
//! the adapter's [`State`] and options in, events out.

use super::line::Record;
use super::state::State;
use super::QueueLogOptions;
use crate::decode::adapter::{self, availability_change, Ended, Mapped};
use crate::decode::DecodeError;
use crate::event::{
    Availability, DequeueReason, Direction, Event, EventKind, Id, Millis, RejectReason,
};

/// Everything a verb's mapping needs: the record, its id hash, state, options and the output.
pub struct Mapper<'a, 'r> {
    pub record: &'a Record<'r>,
    pub hash: u64,
    pub state: &'a mut State,
    pub options: &'a QueueLogOptions,
    pub out: &'a mut Vec<Event>,
}

/// The deterministic id of the event derived from the record with hash `hash` under `suffix`:
/// `aq-<16 hex digits>-<suffix>`.
pub fn event_id(hash: u64, suffix: &str) -> Id {
    adapter::event_id("aq", hash, suffix)
}

/// The longest a ring is dated back before the line that reports it; a tenant fed by this adapter
/// needs at least this much allowed lateness so back-dated rings are applied in order.
pub const MAX_RING_BACKDATE_MS: Millis = 60_000;

fn missing(field: &str, verb: &str) -> DecodeError {
    DecodeError::new(
        RejectReason::MissingField,
        format!("{verb} needs a {field} (the field is empty or NONE)"),
    )
}

/// A field that names something: not empty and not Asterisk's `NONE`.
fn named(value: &str) -> Option<&str> {
    (!value.is_empty() && value != "NONE").then_some(value)
}

impl Mapper<'_, '_> {
    fn emit(&mut self, time: Millis, suffix: &str, kind: EventKind) {
        self.out.push(Event {
            time,
            tenant: self.options.tenant.clone(),
            id: Some(event_id(self.hash, suffix)),
            kind,
        });
    }

    fn call(&self) -> Result<Id, DecodeError> {
        named(self.record.call)
            .filter(|call| !matches!(*call, "MANAGER" | "REALTIME" | "CLI"))
            .map(Id::from)
            .ok_or_else(|| missing("callid", self.record.verb))
    }

    fn queue(&self) -> Result<Id, DecodeError> {
        named(self.record.queue)
            .map(Id::from)
            .ok_or_else(|| missing("queuename", self.record.verb))
    }

    fn agent(&self) -> Result<Id, DecodeError> {
        named(self.record.agent)
            .map(|agent| self.state.agent_named(agent))
            .ok_or_else(|| missing("agent", self.record.verb))
    }

    /// Maps the record by its verb.
    pub fn map(mut self) -> Result<Mapped, DecodeError> {
        let time = self.record.time;
        match self.record.verb {
            "ENTERQUEUE" => self.enter_queue(time)?,
            "RINGNOANSWER" | "RINGCANCELED" => {
                let ring_ms = self.record.data(1).and_then(|ms| ms.parse::<Millis>().ok());
                self.ring(time, ring_ms.unwrap_or(0))?;
            }
            "CONNECT" => self.connect(time)?,
            "COMPLETEAGENT" | "COMPLETECALLER" => self.end_talk(time, false)?,
            "TRANSFER" | "BLINDTRANSFER" | "ATTENDEDTRANSFER" => self.end_talk(time, true)?,
            "ABANDON" => {
                let (call, queue) = (self.call()?, self.queue()?);
                self.state.close_call(&call);
                self.emit(time, "x", EventKind::CallAbandoned { call, queue });
            }
            "EXITWITHTIMEOUT" => self.dequeue(time, DequeueReason::Timeout)?,
            "EXITWITHKEY" => self.dequeue(time, DequeueReason::ExitKey)?,
            "EXITEMPTY" | "WITHDRAW" => self.dequeue(time, DequeueReason::Other)?,
            "ADDMEMBER" => self.add_member(time)?,
            "REMOVEMEMBER" => self.remove_member(time)?,
            "AGENTLOGIN" | "AGENTCALLBACKLOGIN" => self.agent_login(time)?,
            "AGENTLOGOFF" | "AGENTCALLBACKLOGOFF" => {
                let agent = self.agent()?;
                self.log_out(time, agent);
            }
            "PAUSE" | "PAUSEALL" => {
                let reason = self.record.data(1).map(Id::from);
                let agent = self.agent()?;
                self.set_availability(time, agent, Availability::NotReady { reason });
            }
            "UNPAUSE" | "UNPAUSEALL" => {
                let agent = self.agent()?;
                self.set_availability(time, agent, Availability::Available);
            }
            "QUEUESTART" => self.restart(time),
            _ => return Ok(Mapped::Skipped),
        }
        Ok(Mapped::Used)
    }

    fn enter_queue(&mut self, time: Millis) -> Result<(), DecodeError> {
        let (call, queue) = (self.call()?, self.queue()?);
        self.state.open_call(&call, &queue, time);
        // ENTERQUEUE's data: url|callerid|origpos.
        let caller = self
            .record
            .data(2)
            .and_then(crate::decode::caller::pseudonym);
        let kind = EventKind::CallQueued {
            caller,
            call,
            queue,
            priority: None,
            direction: Direction::Inbound,
        };
        self.emit(time, "q", kind);
        Ok(())
    }

    /// A ring of `ring_ms` that ended at `time`: `call.ringing` at its start, no earlier than the call's
    /// queue entry (whole-second times can put `time − ring` just before it) nor than
    /// [`MAX_RING_BACKDATE_MS`] before the line.
    fn ring(&mut self, time: Millis, ring_ms: Millis) -> Result<(), DecodeError> {
        let (call, queue, agent) = (self.call()?, self.queue()?, self.agent()?);
        let queued_at = self
            .state
            .call(&call)
            .filter(|open| open.queue == queue)
            .map_or(Millis::MIN, |open| open.queued_at);
        let start = (time - ring_ms.clamp(0, MAX_RING_BACKDATE_MS)).max(queued_at.min(time));
        self.emit(start, "r", EventKind::CallRinging { call, queue, agent });
        Ok(())
    }

    /// CONNECT `holdtime|bridged uniqueid|ringtime`: the ring (when its time is given) and the answer.
    fn connect(&mut self, time: Millis) -> Result<(), DecodeError> {
        let (call, queue, agent) = (self.call()?, self.queue()?, self.agent()?);
        // The agent's wrap-up of an earlier call ends when it answers this one.
        self.state
            .completions()
            .release_agent(&agent, time, self.out);
        let ring_seconds = self
            .record
            .data(3)
            .and_then(|ring| ring.parse::<Millis>().ok());
        if let Some(ring_seconds) = ring_seconds.filter(|seconds| *seconds > 0) {
            self.ring(time, ring_seconds.saturating_mul(1_000))?;
        }
        self.state.answer_call(&call, &agent);
        self.emit(time, "a", EventKind::CallAnswered { call, queue, agent });
        Ok(())
    }

    /// COMPLETEAGENT / COMPLETECALLER (`call.ended`) or a transfer (`call.transferred`; a transfer to a
    /// queue shows as a new ENTERQUEUE of the same call), then `call.completed` after the queue's
    /// wrap-up time.
    fn end_talk(&mut self, time: Millis, transfer: bool) -> Result<(), DecodeError> {
        let (call, agent) = (self.call()?, self.agent()?);
        let queue = named(self.record.queue).map(Id::from);
        self.state.close_call(&call);
        let (suffix, kind) = if transfer {
            let kind = EventKind::CallTransferred {
                call: call.clone(),
                agent: agent.clone(),
                to_queue: None,
                to_agent: None,
            };
            ("t", kind)
        } else {
            let kind = EventKind::CallEnded {
                call: call.clone(),
                agent: agent.clone(),
            };
            ("e", kind)
        };
        self.emit(time, suffix, kind);
        let wrap_up_ms = self.options.wrap_up_ms(queue.as_deref());
        let ended = Ended {
            tenant: self.options.tenant.clone(),
            id: event_id(self.hash, "c"),
            call,
            agent,
            at: time,
        };
        self.state
            .completions()
            .complete(ended, wrap_up_ms, self.out);
        Ok(())
    }

    fn dequeue(&mut self, time: Millis, reason: DequeueReason) -> Result<(), DecodeError> {
        let (call, queue) = (self.call()?, self.queue()?);
        self.state.close_call(&call);
        let kind = EventKind::CallDequeued {
            call,
            queue,
            reason,
        };
        self.emit(time, "x", kind);
        Ok(())
    }

    /// ADDMEMBER `[PAUSED]`: a login with that queue when the agent is not logged in, else a change of
    /// its queues; added paused, the agent is not ready.
    fn add_member(&mut self, time: Millis) -> Result<(), DecodeError> {
        let (queue, agent) = (self.queue()?, self.agent()?);
        let paused = self.record.data(1) == Some("PAUSED");
        let (was_logged_in, queues) = match self.state.agent(&agent) {
            Some(memory) => {
                let was_logged_in = memory.logged_in;
                if !memory.queues.contains(&queue) {
                    memory.queues.push(queue.clone());
                }
                memory.logged_in = true;
                (was_logged_in, memory.queues.clone())
            }
            None => (false, vec![queue]),
        };
        if was_logged_in {
            let kind = EventKind::AgentQueues {
                agent: agent.clone(),
                queues,
            };
            self.emit(time, "m", kind);
        } else {
            self.log_in(time, agent.clone(), Some(queues));
        }
        if paused {
            self.set_availability(time, agent, Availability::NotReady { reason: None });
        } else if !was_logged_in {
            self.set_availability(time, agent, Availability::Available);
        }
        Ok(())
    }

    /// REMOVEMEMBER: the agent's queues without this one; without any, a logout.
    fn remove_member(&mut self, time: Millis) -> Result<(), DecodeError> {
        let (queue, agent) = (self.queue()?, self.agent()?);
        let remaining = self.state.agent(&agent).map(|memory| {
            memory.queues.retain(|member_of| *member_of != queue);
            memory.queues.clone()
        });
        match remaining {
            Some(queues) if !queues.is_empty() => {
                self.emit(time, "m", EventKind::AgentQueues { agent, queues });
            }
            _ => self.log_out(time, agent),
        }
        Ok(())
    }

    /// AGENTLOGIN `channel` / AGENTCALLBACKLOGIN `exten@context`: a login; the line shows both the
    /// agent and the interface it works from, which later member lines may name instead.
    fn agent_login(&mut self, time: Millis) -> Result<(), DecodeError> {
        let agent = self.agent()?;
        if let Some(interface) = self.record.data(1).and_then(login_interface) {
            self.state.learn_member(&interface, &agent);
        }
        let queues = self
            .state
            .agent(&agent)
            .map(|memory| {
                memory.logged_in = true;
                memory.queues.clone()
            })
            .filter(|queues| !queues.is_empty());
        self.log_in(time, agent.clone(), queues);
        self.set_availability(time, agent, Availability::Available);
        Ok(())
    }

    fn log_in(&mut self, time: Millis, agent: Id, queues: Option<Vec<Id>>) {
        let kind = EventKind::AgentLogin {
            agent,
            queues,
            team: None,
        };
        self.emit(time, "l", kind);
    }

    fn log_out(&mut self, time: Millis, agent: Id) {
        self.state
            .completions()
            .release_agent(&agent, time, self.out);
        if let Some(memory) = self.state.agent(&agent) {
            memory.logged_in = false;
            memory.queues.clear();
        }
        self.emit(time, "o", EventKind::AgentLogout { agent });
    }

    /// An availability change, unless the agent already has it: one user action writes PAUSEALL and
    /// one PAUSE per queue (or their UNPAUSE forms), which is one state change.
    fn set_availability(&mut self, time: Millis, agent: Id, availability: Availability) {
        let memory = self.state.agent(&agent);
        let last = memory.map(|memory| &mut memory.availability);
        if let Some(kind) = availability_change(last, agent, availability) {
            self.emit(time, "s", kind);
        }
    }

    /// QUEUESTART: Asterisk (re)started, so nothing open in the log before it will ever end. Waiting
    /// calls leave their queue (`call.dequeued`, reason `other`); calls in talk end and complete at the
    /// restart; wrap-ups still running end there.
    fn restart(&mut self, time: Millis) {
        self.state.completions().release_all(Some(time), self.out);
        for (index, (call, open)) in self.state.take_open_calls().into_iter().enumerate() {
            let suffix = |kind: char| format!("{kind}{index}");
            match open.answered_by {
                None => {
                    let kind = EventKind::CallDequeued {
                        call,
                        queue: open.queue,
                        reason: DequeueReason::Other,
                    };
                    self.emit(time, &suffix('x'), kind);
                }
                Some(agent) => {
                    let ended = EventKind::CallEnded {
                        call: call.clone(),
                        agent: agent.clone(),
                    };
                    self.emit(time, &suffix('e'), ended);
                    let completed = EventKind::CallCompleted {
                        call,
                        agent,
                        outcome: None,
                        disposition: None,
                    };
                    self.emit(time, &suffix('c'), completed);
                }
            }
        }
    }
}

/// The member interface an agent logs in from: AGENTLOGIN's channel `SIP/1001-0000002a` is the
/// interface `SIP/1001` (the channel less its `-<sequence>`); AGENTCALLBACKLOGIN's `1127@agents` is
/// reached as `Local/1127@agents`.
fn login_interface(data: &str) -> Option<String> {
    if data.contains('/') {
        let interface = match data.rsplit_once('-') {
            Some((interface, sequence))
                if !sequence.is_empty() && sequence.bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                interface
            }
            _ => data,
        };
        Some(interface.to_string())
    } else if data.contains('@') {
        Some(format!("Local/{data}"))
    } else {
        None
    }
}
