//! An agent event → domain events (the agent-stream table of `docs/sources/amazon_connect.md`): its
//! `PreviousAgentSnapshot` and `CurrentAgentSnapshot` diffed against each other and against what the
//! adapter remembers, so a lost, late or repeated record neither loses a fact nor tells one twice.
//! What it tells of a call depends on which feed owns the call lifecycle ([`Feed`]). Pure.

use super::agent::{AgentEvent, ContactSnapshot, ContactState, EventType, Status, StatusType};
use super::state::{State, MAX_CONTACTS_PER_AGENT, MAX_RINGS_PER_CONTACT};
use super::{ContactEventsOptions, Feed, PREFIX};
use crate::decode::adapter::{event_id, fnv1a, Mapped};
use crate::event::{Availability, Direction, Event, EventKind, Id, Millis};

/// Everything one record's mapping needs: the record, the adapter's memory, options and the output.
pub struct AgentMapper<'a> {
    pub record: &'a AgentEvent,
    pub state: &'a mut State,
    pub options: &'a ContactEventsOptions,
    pub out: &'a mut Vec<Event>,
}

/// FNV-1a of `parts` joined by `|`: the key of a fact that is not one per contact.
fn hash_of(parts: &[&str]) -> u64 {
    fnv1a(parts.join("|").as_bytes())
}

impl AgentMapper<'_> {
    fn emit(&mut self, time: Millis, hash: u64, suffix: &str, kind: EventKind) {
        self.out.push(Event {
            time,
            tenant: self.options.tenant.clone(),
            id: Some(event_id(PREFIX, hash, suffix)),
            kind,
        });
    }

    fn agent(&self) -> Id {
        self.record.agent.clone()
    }

    /// Whether this feed tells the call lifecycle (queued, answered, ended, completed).
    fn owns_calls(&self) -> bool {
        self.options.lifecycle == Feed::AgentEvents
    }

    pub fn map(mut self) -> Mapped {
        let record = self.record;
        match record.event_type {
            EventType::HeartBeat => return Mapped::Used,
            EventType::Login => self.login(),
            EventType::Logout | EventType::StateChange => {}
        }
        self.contacts();
        self.statuses();
        if record.event_type == EventType::Logout {
            self.logout();
        }
        Mapped::Used
    }

    fn login(&mut self) {
        let (agent, time) = (self.agent(), self.record.time);
        let snapshot = &self.record.current;
        let kind = EventKind::AgentLogin {
            agent: agent.clone(),
            queues: (!snapshot.queues.is_empty()).then(|| snapshot.queues.clone()),
            team: snapshot.team.clone(),
        };
        let hash = hash_of(&[&agent, "login", &time.to_string()]);
        self.emit(time, hash, "l", kind);
        self.state.agent(&agent).status = None;
    }

    fn logout(&mut self) {
        let (agent, time) = (self.agent(), self.record.time);
        let hash = hash_of(&[&agent, "logout", &time.to_string()]);
        self.emit(time, hash, "o", EventKind::AgentLogout { agent });
    }

    /// The previous snapshot's status (a change whose own record was lost), then the current one;
    /// each told once, and never one older than the status last told.
    fn statuses(&mut self) {
        let record = self.record;
        let known = self.state.agent(&record.agent).latest_record_at.is_some();
        if known {
            if let Some(status) = &record.previous.status {
                self.status(status, false);
            }
        }
        if let Some(status) = &record.current.status {
            self.status(status, !known);
        }
        let memory = self.state.agent(&record.agent);
        if memory.latest_record_at.is_none_or(|at| at <= record.time) {
            memory.latest_record_at = Some(record.time);
        }
    }

    /// Tells `status`, at its `StartTimestamp`; on the first sight of the agent not before the
    /// record (the status may have begun long before the data does).
    fn status(&mut self, status: &Status, first_sight: bool) {
        let agent = self.agent();
        let started_at = status.started_at.unwrap_or(self.record.time);
        let memory = self.state.agent(&agent);
        match &memory.status {
            Some((name, at)) if *name == status.name && *at == started_at => return,
            // Without a start, the same status again is no change.
            Some((name, _)) if *name == status.name && status.started_at.is_none() => return,
            Some((_, at)) if started_at < *at => return,
            _ => {}
        }
        memory.status = Some((status.name.clone(), started_at));
        let time = if first_sight {
            started_at.max(self.record.time)
        } else {
            started_at
        };
        let hash = hash_of(&[&agent, &status.name, &started_at.to_string()]);
        let (suffix, kind) = match status.status_type {
            StatusType::Offline => ("o", EventKind::AgentLogout { agent }),
            StatusType::Routable => (
                "s",
                EventKind::AgentState {
                    agent,
                    availability: Availability::Available,
                },
            ),
            StatusType::Custom => (
                "s",
                EventKind::AgentState {
                    agent,
                    availability: Availability::NotReady {
                        reason: Some(status.name.clone()),
                    },
                },
            ),
        };
        self.emit(time, hash, suffix, kind);
    }

    /// Each contact of the previous then the current snapshot, then the contacts gone from the
    /// agent: in the previous snapshot (or, for a record not older than the agent's latest, in the
    /// adapter's memory of it) but not in the current one.
    fn contacts(&mut self) {
        let record = self.record;
        for contact in record
            .previous
            .contacts
            .iter()
            .chain(&record.current.contacts)
        {
            self.contact(contact);
        }
        let current: Vec<&Id> = record.current.contacts.iter().map(|c| &c.contact).collect();
        let mut gone: Vec<Id> = Vec::new();
        let remembered = self.state.agent(&record.agent);
        let in_order = remembered
            .latest_record_at
            .is_none_or(|latest| latest <= record.time);
        let earlier = record.previous.contacts.iter().map(|c| &c.contact);
        let earlier: Vec<Id> = if in_order {
            earlier.chain(&remembered.contacts).cloned().collect()
        } else {
            earlier.cloned().collect()
        };
        for contact in earlier {
            if !current.contains(&&contact) && !gone.contains(&contact) {
                gone.push(contact);
            }
        }
        if in_order {
            let remembered = self.state.agent(&record.agent);
            remembered.contacts = current.into_iter().cloned().collect();
            remembered.contacts.truncate(MAX_CONTACTS_PER_AGENT);
        }
        for contact in gone {
            self.gone(&contact);
        }
    }

    /// The facts one contact's state implies that were not told yet.
    fn contact(&mut self, contact: &ContactSnapshot) {
        let agent = self.agent();
        let at = contact.state_started_at.unwrap_or(self.record.time);
        let memory = self.state.contact(&contact.contact);
        if memory.call.is_none() {
            memory.call = Some(contact.call.clone());
        }
        // A state older than one applied (a late or repeated record) has nothing new to tell, but a
        // ring: another agent's record may come late (rings are told once per agent all the same).
        let stale = memory.latest_state_at.is_some_and(|latest| at < latest);
        let ring = matches!(contact.state, ContactState::Ringing | ContactState::Missed);
        if memory.completed_told || (stale && !ring) {
            return;
        }
        if !stale {
            memory.latest_state_at = Some(at);
        }
        let hash = fnv1a(contact.contact.as_bytes());
        let call = contact.call.clone();
        match contact.state {
            ContactState::Ringing | ContactState::Missed => {
                self.queued(contact, at);
                // A ring first seen as missed (its own record lost) still rang: the engine counts it
                // unanswered when the call moves on.
                let memory = self.state.contact(&contact.contact);
                if !memory.rang.contains(&agent) && memory.rang.len() < MAX_RINGS_PER_CONTACT {
                    memory.rang.push(agent.clone());
                    let hash = hash_of(&[&contact.contact, &agent]);
                    let queue = contact.queue.clone();
                    self.emit(at, hash, "r", EventKind::CallRinging { call, queue, agent });
                }
            }
            ContactState::Connected => {
                self.answered(contact, at);
                if let Some(held_at) = self.state.contact(&contact.contact).held_since.take() {
                    let hash = hash_of(&[&contact.contact, &held_at.to_string()]);
                    self.emit(at, hash, "u", EventKind::CallResumed { call, agent });
                }
            }
            ContactState::OnHold => {
                self.answered(contact, at);
                let memory = self.state.contact(&contact.contact);
                if memory.held_since.is_none() {
                    memory.held_since = Some(at);
                    let hash = hash_of(&[&contact.contact, &at.to_string()]);
                    self.emit(at, hash, "h", EventKind::CallHeld { call, agent });
                }
            }
            ContactState::Ended => {
                self.answered(contact, at);
                let owns_calls = self.owns_calls();
                let memory = self.state.contact(&contact.contact);
                memory.held_since = None;
                if owns_calls && memory.answered_by.is_some() && !memory.ended_told {
                    memory.ended_told = true;
                    self.emit(at, hash, "e", EventKind::CallEnded { call, agent });
                }
            }
            ContactState::Other => {}
        }
    }

    /// `call.queued` at `QueueTimestamp` (else at the first state seen), once per contact.
    fn queued(&mut self, contact: &ContactSnapshot, at: Millis) {
        let owns_calls = self.owns_calls();
        let memory = self.state.contact(&contact.contact);
        if !owns_calls || memory.queued_told {
            return;
        }
        memory.queued_told = true;
        let kind = EventKind::CallQueued {
            caller: None,
            call: contact.call.clone(),
            queue: contact.queue.clone(),
            priority: None,
            direction: Direction::Inbound,
        };
        let hash = fnv1a(contact.contact.as_bytes());
        self.emit(contact.queued_at.unwrap_or(at), hash, "q", kind);
    }

    /// `call.answered` at `ConnectedToAgentTimestamp` (null in real records), else at the start of
    /// the state that shows it connected, once per contact.
    fn answered(&mut self, contact: &ContactSnapshot, at: Millis) {
        if !self.owns_calls() || self.state.contact(&contact.contact).answered_by.is_some() {
            return;
        }
        self.queued(contact, at);
        let agent = self.agent();
        self.state.contact(&contact.contact).answered_by = Some(agent.clone());
        let kind = EventKind::CallAnswered {
            call: contact.call.clone(),
            queue: contact.queue.clone(),
            agent,
        };
        let hash = fnv1a(contact.contact.as_bytes());
        self.emit(contact.connected_at.unwrap_or(at), hash, "a", kind);
    }

    /// A contact gone from the agent: its after-contact work is over (`call.completed`, after a
    /// `call.ended` if its end was not seen); a ring gone unanswered is the engine's to count.
    fn gone(&mut self, contact: &Id) {
        let (agent, time) = (self.agent(), self.record.time);
        let owns_calls = self.owns_calls();
        let memory = self.state.contact(contact);
        memory.held_since = None;
        let Some(call) = memory.call.clone() else {
            return;
        };
        if !owns_calls || memory.answered_by.as_ref() != Some(&agent) || memory.completed_told {
            return;
        }
        memory.completed_told = true;
        let ended = !std::mem::replace(&mut memory.ended_told, true);
        let hash = fnv1a(contact.as_bytes());
        if ended {
            let kind = EventKind::CallEnded {
                call: call.clone(),
                agent: agent.clone(),
            };
            self.emit(time, hash, "e", kind);
        }
        let kind = EventKind::CallCompleted {
            call,
            agent,
            outcome: None,
            disposition: None,
        };
        self.emit(time, hash, "c", kind);
    }
}
