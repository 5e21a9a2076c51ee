//! What the Amazon Connect adapter remembers, bounded, so that a later record restates only what was
//! lost and never tells a fact twice:
//! - contacts (at most [`MAX_CONTACTS`]; past it the contact seen first is forgotten): its queue (a
//!   DISCONNECTED without `queueInfo` still knows it), which lifecycle facts were told, the agents it
//!   rang, whether it is on hold and the latest agent-snapshot state applied (an older snapshot
//!   delivered late tells nothing but a ring not yet told). Both feeds share it. A forgotten contact's facts told again
//!   carry the same ids, so they are `duplicate`s, never a second count.
//! - agents (at most [`MAX_AGENTS`]; past it the agent seen first is forgotten): the status last
//!   told, the contacts of its latest snapshot (at most [`MAX_CONTACTS_PER_AGENT`]) and that
//!   snapshot's time, so a contact that vanished with a lost record is still completed; and, by the
//!   agent ARN's id (as many), its `Username`, for a record without configuration.

use std::collections::{HashMap, VecDeque};

use crate::event::{Id, Millis};

pub const MAX_CONTACTS: usize = 20_000;
pub const MAX_AGENTS: usize = 10_000;
/// Connect's own limit is 10 chats + 1 call + tasks per agent; more is not a real snapshot.
pub const MAX_CONTACTS_PER_AGENT: usize = 16;
/// Rings told per contact; a contact offered to more agents than this rings no more.
pub const MAX_RINGS_PER_CONTACT: usize = 8;

/// One contact as its events have shown it.
#[derive(Debug, Clone, Default)]
pub struct ContactMemory {
    /// The call it belongs to (`InitialContactId`, else its own id), as an agent snapshot told it.
    pub call: Option<Id>,
    pub queue: Option<Id>,
    pub queued_told: bool,
    pub answered_by: Option<Id>,
    pub ended_told: bool,
    pub completed_told: bool,
    /// The agents its `call.ringing` named: each rings once (records of several agents arrive in
    /// any order), at most [`MAX_RINGS_PER_CONTACT`].
    pub rang: Vec<Id>,
    /// Since when it is on hold, as told.
    pub held_since: Option<Millis>,
    /// The `StateStartTimestamp` of the latest agent-snapshot state applied.
    pub latest_state_at: Option<Millis>,
}

/// One agent as its records have shown it.
#[derive(Debug, Clone, Default)]
pub struct AgentMemory {
    /// The status last told: its name and `StartTimestamp`.
    pub status: Option<(Id, Millis)>,
    /// The contacts of its latest snapshot.
    pub contacts: Vec<Id>,
    /// The `EventTimestamp` of its latest record.
    pub latest_record_at: Option<Millis>,
}

/// Entries by key, at most `bound`: past it the key seen first is forgotten.
#[derive(Debug)]
struct Bounded<T> {
    entries: HashMap<Id, T>,
    order: VecDeque<Id>,
    bound: usize,
}

impl<T: Default> Bounded<T> {
    fn new(bound: usize) -> Self {
        Bounded {
            entries: HashMap::new(),
            order: VecDeque::new(),
            bound,
        }
    }

    fn entry(&mut self, key: &Id) -> &mut T {
        if !self.entries.contains_key(key) {
            self.order.push_back(key.clone());
            if self.order.len() > self.bound {
                if let Some(oldest) = self.order.pop_front() {
                    self.entries.remove(&oldest);
                }
            }
        }
        self.entries.entry(key.clone()).or_default()
    }
}

#[derive(Debug)]
pub struct State {
    contacts: Bounded<ContactMemory>,
    agents: Bounded<AgentMemory>,
    /// An agent ARN's id → its `Configuration.Username`, for records without configuration.
    usernames: Bounded<Option<Id>>,
}

impl Default for State {
    fn default() -> Self {
        State {
            contacts: Bounded::new(MAX_CONTACTS),
            agents: Bounded::new(MAX_AGENTS),
            usernames: Bounded::new(MAX_AGENTS),
        }
    }
}

impl State {
    /// The contact's memory, created on first sight.
    pub fn contact(&mut self, contact: &Id) -> &mut ContactMemory {
        self.contacts.entry(contact)
    }

    /// The agent's memory, created on first sight.
    pub fn agent(&mut self, agent: &Id) -> &mut AgentMemory {
        self.agents.entry(agent)
    }

    /// The `Username` last seen for an agent ARN's id.
    pub fn username(&self, arn_id: &str) -> Option<Id> {
        self.usernames.entries.get(arn_id).cloned().flatten()
    }

    pub fn remember_username(&mut self, arn_id: &Id, username: Id) {
        *self.usernames.entry(arn_id) = Some(username);
    }
}

#[cfg(test)]
impl State {
    pub fn contacts(&self) -> usize {
        self.contacts.entries.len()
    }

    pub fn agents(&self) -> usize {
        self.agents.entries.len()
    }
}
