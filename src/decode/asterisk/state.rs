//! What the `queue_log` adapter remembers between lines of one tenant, each piece bounded:
//! - calls open in the log (queued, maybe answered, not yet ended): to close them when Asterisk
//!   restarts (QUEUESTART) and to keep a back-dated ring after its call's queue entry. At most
//!   [`MAX_OPEN_CALLS`]; past it the call opened first is forgotten (it ends as a lost call would: by
//!   the engine's call expiry).
//! - member interface → member name (configured, and learned from login lines that show both): at
//!   most [`MAX_LEARNED_MEMBERS`] learned; past it nothing more is learned.
//! - per agent: the queues it is a member of, whether it is logged in and its last availability (to
//!   turn ADDMEMBER into login or queue changes, and PAUSEALL + one PAUSE per queue into one state
//!   change): at most [`MAX_AGENTS`]; past it a new agent's lines are mapped without memory (each
//!   PAUSE is a state change, each ADDMEMBER a login).
//! - completions waiting for their wrap-up time to pass: one per call in wrap-up, at most
//!   [`MAX_OPEN_CALLS`]; past it the earliest is released at once.

use std::collections::{BTreeMap, HashMap};

use crate::decode::adapter::PendingCompletions;
use crate::event::{Availability, Id, Millis};

pub const MAX_OPEN_CALLS: usize = 20_000;
pub const MAX_LEARNED_MEMBERS: usize = 10_000;
pub const MAX_AGENTS: usize = 10_000;

/// A call between its ENTERQUEUE and its end in the log.
#[derive(Debug, Clone)]
pub struct OpenCall {
    pub queue: Id,
    pub queued_at: Millis,
    /// The agent that answered it (CONNECT), while it is in talk.
    pub answered_by: Option<Id>,
    /// Order of opening, for eviction.
    opened: u64,
}

/// One agent as the log has shown it.
#[derive(Debug, Clone, Default)]
pub struct AgentMemory {
    pub logged_in: bool,
    pub queues: Vec<Id>,
    /// The availability last emitted for the agent.
    pub availability: Option<Availability>,
}

#[derive(Debug)]
pub struct State {
    calls: HashMap<Id, OpenCall>,
    call_order: BTreeMap<u64, Id>,
    next_opened: u64,
    configured_members: HashMap<Id, Id>,
    learned_members: HashMap<Id, Id>,
    agents: HashMap<Id, AgentMemory>,
    completions: PendingCompletions,
}

impl State {
    pub fn new(members: impl IntoIterator<Item = (Id, Id)>) -> Self {
        State {
            calls: HashMap::new(),
            call_order: BTreeMap::new(),
            next_opened: 0,
            configured_members: members.into_iter().collect(),
            learned_members: HashMap::new(),
            agents: HashMap::new(),
            completions: PendingCompletions::new(MAX_OPEN_CALLS),
        }
    }

    /// The agent an agent field names: the member name of an interface when known, else the field.
    pub fn agent_named(&self, field: &str) -> Id {
        self.configured_members
            .get(field)
            .or_else(|| self.learned_members.get(field))
            .cloned()
            .unwrap_or_else(|| Id::from(field))
    }

    /// Learns that `interface` is the member `name` (a configured mapping wins).
    pub fn learn_member(&mut self, interface: &str, name: &Id) {
        if interface.is_empty()
            || interface == name.as_str()
            || self.configured_members.contains_key(interface)
        {
            return;
        }
        if self.learned_members.len() < MAX_LEARNED_MEMBERS
            || self.learned_members.contains_key(interface)
        {
            self.learned_members
                .insert(Id::from(interface), name.clone());
        }
    }

    pub fn call(&self, call: &str) -> Option<&OpenCall> {
        self.calls.get(call)
    }

    pub fn open_call(&mut self, call: &Id, queue: &Id, time: Millis) {
        let opened = self.next_opened;
        self.next_opened += 1;
        if let Some(previous) = self.calls.insert(
            call.clone(),
            OpenCall {
                queue: queue.clone(),
                queued_at: time,
                answered_by: None,
                opened,
            },
        ) {
            self.call_order.remove(&previous.opened);
        }
        self.call_order.insert(opened, call.clone());
        if self.calls.len() > MAX_OPEN_CALLS {
            if let Some((_, oldest)) = self.call_order.pop_first() {
                self.calls.remove(&oldest);
            }
        }
    }

    pub fn answer_call(&mut self, call: &str, agent: &Id) {
        if let Some(open) = self.calls.get_mut(call) {
            open.answered_by = Some(agent.clone());
        }
    }

    pub fn close_call(&mut self, call: &str) {
        if let Some(closed) = self.calls.remove(call) {
            self.call_order.remove(&closed.opened);
        }
    }

    /// Every open call, by call id (a deterministic order for the ids of what closes them), forgotten.
    pub fn take_open_calls(&mut self) -> Vec<(Id, OpenCall)> {
        self.call_order.clear();
        let mut calls: Vec<(Id, OpenCall)> = self.calls.drain().collect();
        calls.sort_by(|a, b| a.0.cmp(&b.0));
        calls
    }

    /// The agent's memory, created on first sight while there is room.
    pub fn agent(&mut self, agent: &Id) -> Option<&mut AgentMemory> {
        if !self.agents.contains_key(agent) && self.agents.len() >= MAX_AGENTS {
            return None;
        }
        Some(self.agents.entry(agent.clone()).or_default())
    }

    /// The completions waiting for their wrap-up time.
    pub fn completions(&mut self) -> &mut PendingCompletions {
        &mut self.completions
    }
}
