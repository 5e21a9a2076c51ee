//! The Amazon Connect adapter (`docs/sources/amazon_connect.md`): one record of either feed of an
//! instance as JSON in — a contact event (EventBridge, `detail-type` "Amazon Connect Contact Event")
//! or an agent event (the Kinesis agent event stream, `EventType` and `AgentARN`), told apart by
//! shape so both can share one topic — zero or more domain events out. Pure: no I/O and no clock; a
//! Kafka worker calls [`ContactEventsAdapter::adapt_into`] per message, `report`/`replay` per line,
//! each with one adapter per tenant (one Connect instance).
//!
//! Both feeds describe one call from two sides, so exactly one of them tells its lifecycle (queued,
//! answered, abandoned or dequeued, ended, completed): [`Feed`], fixed by the input format, not by
//! what arrives first. The other tells only what the owner cannot: with contact events owning calls,
//! agent events add agents' login, logout and status, rings and holds; with agent events owning
//! them, contact events are skipped.
//!
//! Ids: each lifecycle fact gets `ac-<FNV-1a of the contact id>-<suffix>` (`q` queued, `a` answered,
//! `e` ended, `x` left the queue, `c` completed), whichever record of either feed tells it, so a
//! redelivered record, or a fact told again by a later one, is a `duplicate`. Rings, holds and
//! agents' changes hash the fact's own key (contact and agent, contact and hold start, agent, status
//! and its start). The call is the initial contact id (else the contact id), so the contacts a
//! transfer creates are one call.
//!
//! Delivery is unordered and may lose records: a later contact event restates, at their own
//! timestamps, the facts it carries that were not yet told; an agent event's previous snapshot, and
//! the adapter's memory of the agent's contacts, do the same for the agent stream.

mod agent;
mod agent_map;
mod contact;
mod fields;
mod state;
pub mod write;

use std::collections::BTreeMap;

pub use super::adapter::Mapped;
use super::adapter::SourceAdapter;
use super::{DecodeError, DecodeLimits};
use crate::event::{Event, Id, Millis, DEFAULT_TENANT};

/// The prefix of every event id this adapter makes.
const PREFIX: &str = "ac";

/// The feed whose records tell the call lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Feed {
    /// Contact events (format `amazon_connect_contact_events`): they tell queued, answered,
    /// abandoned, dequeued, ended and completed; agent events on the same input add agents' login,
    /// logout and status, rings and holds.
    #[default]
    ContactEvents,
    /// The agent event stream alone (format `amazon_connect_agent_events`): it tells everything it
    /// can see (not abandons: those never reach an agent); contact events are skipped.
    AgentEvents,
}

/// How a tenant's Amazon Connect records are read: plain data (flags, or a `[[sources]]` entry).
#[derive(Debug, Clone, PartialEq)]
pub struct ContactEventsOptions {
    /// The tenant every event belongs to.
    pub tenant: Id,
    /// The feed that owns the call lifecycle.
    pub lifecycle: Feed,
    /// Queue or agent ARN (or its last id segment) → the name callboard shows. With contact events
    /// owning calls, an ARN not named here is known by its last id segment (the only name contact
    /// events carry, so both feeds name it alike); with agent events owning them, by the record's
    /// `Queue.Name` or `Username`.
    pub names: BTreeMap<String, Id>,
    /// The `channel`s that count as calls (default `VOICE`); contacts of other channels are skipped.
    pub channels: Vec<String>,
    pub limits: DecodeLimits,
}

impl Default for ContactEventsOptions {
    fn default() -> Self {
        ContactEventsOptions {
            tenant: Id::from(DEFAULT_TENANT),
            lifecycle: Feed::ContactEvents,
            names: BTreeMap::new(),
            channels: vec!["VOICE".to_string()],
            limits: DecodeLimits::default(),
        }
    }
}

impl ContactEventsOptions {
    /// The name of a queue or agent ARN: the configured one, else the ARN's last id segment.
    pub fn name_of(&self, arn: &str) -> Id {
        self.configured_name(arn)
            .unwrap_or_else(|| Id::from(agent::last_segment(arn)))
    }

    /// The configured name of an ARN (or of its last id segment).
    fn configured_name(&self, arn: &str) -> Option<Id> {
        let names = &self.names;
        (names.get(arn))
            .or_else(|| names.get(agent::last_segment(arn)))
            .cloned()
    }

    /// An agent of the agent stream: as contact events know it when they own calls (the ARN's
    /// name), else the configured name, else its `Username`, else the ARN's id.
    fn agent_name(&self, arn: &str, username: Option<&Id>) -> Id {
        match (self.lifecycle, username) {
            (Feed::AgentEvents, Some(username)) => self
                .configured_name(arn)
                .unwrap_or_else(|| username.clone()),
            _ => self.name_of(arn),
        }
    }

    /// A queue `{ARN, Name}` of the agent stream, named like [`Self::agent_name`] names agents.
    fn queue_name(&self, arn: Option<&str>, name: Option<Id>) -> Id {
        match (self.lifecycle, arn, name) {
            (Feed::ContactEvents, Some(arn), _) => self.name_of(arn),
            (Feed::AgentEvents, Some(arn), Some(name)) => self.configured_name(arn).unwrap_or(name),
            (_, Some(arn), None) => self.name_of(arn),
            (_, None, Some(name)) => name,
            (_, None, None) => Id::default(),
        }
    }
}

/// One tenant's (one Connect instance's) reader of both feeds.
#[derive(Debug)]
pub struct ContactEventsAdapter {
    options: ContactEventsOptions,
    state: state::State,
}

impl ContactEventsAdapter {
    /// The allowed lateness a tenant fed by this adapter needs at least: the envelope `time` has
    /// one-second resolution (a second before millisecond timestamps of the same instant), and a
    /// record restating a lost one dates that fact back (as does an agent record's queue entry);
    /// EventBridge and Kinesis delivery is unordered, so a tenant should configure more (see the
    /// mapping document).
    pub const REQUIRED_LATENESS_MS: Millis = 10_000;

    pub fn new(options: ContactEventsOptions) -> Self {
        ContactEventsAdapter {
            options,
            state: state::State::default(),
        }
    }

    /// Adapts one event (a JSON object), appending to `out`, which a rejected record leaves untouched.
    pub fn adapt_into(
        &mut self,
        bytes: &[u8],
        out: &mut Vec<Event>,
    ) -> Result<Mapped, DecodeError> {
        let record = fields::object(bytes.trim_ascii(), &self.options.limits)?;
        let mut events = Vec::new();
        let mapped = if contact::is_contact_event(&record) {
            if self.options.lifecycle == Feed::AgentEvents {
                return Ok(Mapped::Skipped);
            }
            let Some(event) = contact::parse(&record, &self.options)? else {
                return Ok(Mapped::Skipped);
            };
            contact::map(&event, &mut self.state, &self.options, &mut events)?
        } else if agent::is_agent_event(&record) {
            let state = &self.state;
            let parsed = agent::parse(&record, &self.options, |arn_id| state.username(arn_id))?;
            let Some((event, arn_id, username)) = parsed else {
                return Ok(Mapped::Skipped);
            };
            if let Some(username) = username {
                self.state.remember_username(&arn_id, username);
            }
            agent_map::AgentMapper {
                record: &event,
                state: &mut self.state,
                options: &self.options,
                out: &mut events,
            }
            .map()
        } else {
            // Another EventBridge event, another product's record.
            return Ok(Mapped::Skipped);
        };
        out.append(&mut events);
        Ok(mapped)
    }
}

impl SourceAdapter for ContactEventsAdapter {
    fn adapt_into(&mut self, bytes: &[u8], out: &mut Vec<Event>) -> Result<Mapped, DecodeError> {
        ContactEventsAdapter::adapt_into(self, bytes, out)
    }

    /// Nothing waits: Connect tells the end of after-contact work (COMPLETED; a contact leaving the
    /// agent's snapshot).
    fn release_due(&mut self, _now: Millis, _out: &mut Vec<Event>) {}

    fn finish(&mut self, _out: &mut Vec<Event>) {}
}

#[cfg(test)]
mod agent_tests;
#[cfg(test)]
mod agent_trap_tests;
#[cfg(test)]
mod tests;
