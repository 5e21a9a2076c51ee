//! The FreeSWITCH `mod_callcenter` adapter (`docs/sources/freeswitch.md`): one event — `CUSTOM`
//! `callcenter::info` serialised as JSON (event socket `json` format, or mod_amqp) — in, zero or more
//! domain events out. Pure: no I/O and no clock; a Kafka worker calls
//! [`CallcenterAdapter::adapt_into`] per message, `report`/`replay` per line, each with one adapter
//! per tenant.
//!
//! Ids: call events get `fs-<FNV-1a of the member uuid (and agent)>-<suffix>`, the same whichever
//! record tells the fact (`bridge-agent-end`, or `member-queue-end` when that was lost), so a
//! redelivered or re-serialised record, or a second record of one fact, is a duplicate; rings and agent
//! events get a hash of the record text.
//!
//! Time: `Event-Date-Timestamp` (µs) when present, else the action's `CC-*-Time` (epoch seconds).
//! `call.completed` comes the agent's configured `wrap-up-time` after the call ended (mod_callcenter
//! sends no end of wrap-up), held until a record at or after its time (or
//! [`CallcenterAdapter::release_due`], or [`CallcenterAdapter::finish`]).

mod mapping;
mod record;
mod state;
pub mod write;

use std::collections::BTreeMap;

pub use super::adapter::Mapped;
use super::adapter::SourceAdapter;
use super::{DecodeError, DecodeLimits};
use crate::event::{Event, Id, Millis, DEFAULT_TENANT};

/// How a tenant's mod_callcenter events are read: plain data (flags, or a `[[sources]]` entry).
#[derive(Debug, Clone, PartialEq)]
pub struct CallcenterOptions {
    /// The tenant every event belongs to.
    pub tenant: Id,
    /// Agents' `wrap-up-time` where `agent_wrap_up_ms` names none (mod_callcenter's default is 0).
    pub wrap_up_ms: Millis,
    /// `wrap-up-time` by agent (callcenter.conf `<agent … wrap-up-time="10">`).
    pub agent_wrap_up_ms: BTreeMap<Id, Millis>,
    pub limits: DecodeLimits,
}

impl Default for CallcenterOptions {
    fn default() -> Self {
        CallcenterOptions {
            tenant: Id::from(DEFAULT_TENANT),
            wrap_up_ms: 0,
            agent_wrap_up_ms: BTreeMap::new(),
            limits: DecodeLimits::default(),
        }
    }
}

impl CallcenterOptions {
    /// The wrap-up time after a call of `agent`.
    pub fn wrap_up_ms(&self, agent: &str) -> Millis {
        self.agent_wrap_up_ms
            .get(agent)
            .copied()
            .unwrap_or(self.wrap_up_ms)
            .max(0)
    }
}

/// One tenant's mod_callcenter reader.
#[derive(Debug)]
pub struct CallcenterAdapter {
    options: CallcenterOptions,
    state: state::State,
}

impl CallcenterAdapter {
    /// The allowed lateness a tenant fed by this adapter needs: a record without
    /// `Event-Date-Timestamp` is dated by whole seconds, up to a second before µs-dated neighbours.
    pub const REQUIRED_LATENESS_MS: Millis = 1_000;

    pub fn new(options: CallcenterOptions) -> Self {
        CallcenterAdapter {
            options,
            state: state::State::default(),
        }
    }

    /// Adapts one event (a JSON object), appending to `out`, which a rejected record leaves untouched.
    /// Before the record's own events come the completions due by its time.
    pub fn adapt_into(
        &mut self,
        bytes: &[u8],
        out: &mut Vec<Event>,
    ) -> Result<Mapped, DecodeError> {
        let text = bytes.trim_ascii();
        let headers = record::parse(text, &self.options.limits)?;
        let start = out.len();
        let mut events = Vec::new();
        let (mapped, time) = mapping::Mapper {
            headers: &headers,
            record_hash: super::adapter::fnv1a(text),
            state: &mut self.state,
            options: &self.options,
            out: &mut events,
        }
        .map()?;
        out.append(&mut events);
        if let Some(time) = time {
            let mut due = Vec::new();
            self.state.completions.release_due(time, &mut due);
            out.splice(start..start, due);
        }
        Ok(mapped)
    }

    /// Completions due by `now` (a live worker's wall clock, so a quiet feed still ends its wrap-ups).
    pub fn release_due(&mut self, now: Millis, out: &mut Vec<Event>) {
        self.state.completions.release_due(now, out);
    }

    /// The end of the input: every completion still waiting, at its time.
    pub fn finish(&mut self, out: &mut Vec<Event>) {
        self.state.completions.release_all(None, out);
    }
}

impl SourceAdapter for CallcenterAdapter {
    fn adapt_into(&mut self, bytes: &[u8], out: &mut Vec<Event>) -> Result<Mapped, DecodeError> {
        CallcenterAdapter::adapt_into(self, bytes, out)
    }

    fn release_due(&mut self, now: Millis, out: &mut Vec<Event>) {
        CallcenterAdapter::release_due(self, now, out);
    }

    fn finish(&mut self, out: &mut Vec<Event>) {
        CallcenterAdapter::finish(self, out);
    }
}

#[cfg(test)]
mod tests;
