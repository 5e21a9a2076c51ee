//! What the mod_callcenter adapter remembers between events of one tenant, each piece bounded:
//! - calls in a queue (by member uuid, from `member-queue-start` to `member-queue-end`): whether an
//!   agent answered and whether `bridge-agent-end` was seen, so the `member-queue-end` that follows it
//!   adds nothing and one that stands in for a lost end does. At most [`MAX_OPEN_CALLS`]; past it
//!   the call opened first is forgotten.
//! - per agent: whether it is logged in and its last availability (a status change after a restart
//!   of the relay repeats the state; `Idle` of an On-Demand agent): at most [`MAX_AGENTS`].
//! - completions waiting for the agent's wrap-up time, at most [`MAX_OPEN_CALLS`].

use std::collections::{BTreeMap, HashMap};

use crate::decode::adapter::PendingCompletions;
use crate::event::{Availability, Id};

pub const MAX_OPEN_CALLS: usize = 20_000;
pub const MAX_AGENTS: usize = 10_000;

/// A member between its `member-queue-start` and `member-queue-end`.
#[derive(Debug, Clone, Default)]
pub struct OpenCall {
    pub answered_by: Option<Id>,
    pub ended: bool,
    opened: u64,
}

/// One agent as the events have shown it.
#[derive(Debug, Clone, Default)]
pub struct AgentMemory {
    pub logged_in: bool,
    pub availability: Option<Availability>,
}

#[derive(Debug)]
pub struct State {
    calls: HashMap<Id, OpenCall>,
    call_order: BTreeMap<u64, Id>,
    next_opened: u64,
    agents: HashMap<Id, AgentMemory>,
    pub completions: PendingCompletions,
}

impl Default for State {
    fn default() -> Self {
        State {
            calls: HashMap::new(),
            call_order: BTreeMap::new(),
            next_opened: 0,
            agents: HashMap::new(),
            completions: PendingCompletions::new(MAX_OPEN_CALLS),
        }
    }
}

impl State {
    /// The member's call, opened on first sight (a `member-queue-start` lost or before the input).
    pub fn call(&mut self, member: &str) -> &mut OpenCall {
        if !self.calls.contains_key(member) {
            let opened = self.next_opened;
            self.next_opened += 1;
            self.call_order.insert(opened, Id::from(member));
            self.calls.insert(
                Id::from(member),
                OpenCall {
                    opened,
                    ..OpenCall::default()
                },
            );
            if self.calls.len() > MAX_OPEN_CALLS {
                if let Some((_, oldest)) = self.call_order.pop_first() {
                    self.calls.remove(&oldest);
                }
            }
        }
        self.calls.entry(Id::from(member)).or_default()
    }

    /// What was known of the member's call, forgotten.
    pub fn close_call(&mut self, member: &str) -> Option<OpenCall> {
        let closed = self.calls.remove(member)?;
        self.call_order.remove(&closed.opened);
        Some(closed)
    }

    /// The agent's memory, created on first sight while there is room.
    pub fn agent(&mut self, agent: &Id) -> Option<&mut AgentMemory> {
        if !self.agents.contains_key(agent) && self.agents.len() >= MAX_AGENTS {
            return None;
        }
        Some(self.agents.entry(agent.clone()).or_default())
    }
}

#[cfg(test)]
impl State {
    pub fn open_calls(&self) -> usize {
        self.calls.len()
    }
}
