//! The Asterisk `queue_log` adapter (`docs/sources/asterisk.md`): one record — a file line
//! `epoch|callid|queuename|agent|EVENT|data1|…` or a realtime table row as JSON — in, zero or more
//! domain events out. Pure: no I/O and no clock; a Kafka worker calls [`QueueLogAdapter::adapt`] per
//! message, `report`/`replay` per line, each with one adapter per tenant.
//!
//! Every event gets a deterministic id, `aq-<FNV-1a of the record text>-<suffix per derived event>`,
//! so a redelivered line is dropped by the center as a duplicate. Identical lines are one record:
//! two byte-for-byte equal lines in one second count once.
//!
//! State (`state`, each piece bounded): calls open in the log, member interface → name, per agent its
//! queues, session and last availability, and completions waiting for their wrap-up time.
//!
//! Time: events carry the record's time, except a ring, dated back by its duration (at most
//! [`MAX_RING_BACKDATE_MS`]), and `call.completed`, `wrapuptime` after the call ended. Completions are
//! held until a record at or after their time arrives (or [`QueueLogAdapter::release_due`] with the
//! wall clock, or [`QueueLogAdapter::finish`] at the end of a file), so the adapter's output is in
//! time order but for back-dated rings: a tenant fed by it needs an allowed lateness of at least
//! [`QueueLogAdapter::REQUIRED_LATENESS_MS`].

mod line;
mod mapping;
mod state;
pub mod write;

use std::collections::BTreeMap;

use chrono_tz::Tz;

pub use super::adapter::Mapped;
pub use mapping::MAX_RING_BACKDATE_MS;

use super::{DecodeError, DecodeLimits};
use crate::event::{Event, Id, Millis, DEFAULT_TENANT};

/// How a tenant's `queue_log` is read: plain data (the command line's flags, later a `[[sources]]`
/// entry).
#[derive(Debug, Clone, PartialEq)]
pub struct QueueLogOptions {
    /// The tenant every event belongs to (one Asterisk host is one tenant).
    pub tenant: Id,
    /// Zone of a database row's `time`, which Asterisk writes in local time without an offset (UTC with
    /// `queue_log_realtime_use_gmt = yes`). File lines carry epoch seconds and need none.
    pub time_zone: Tz,
    /// queues.conf `wrapuptime` of queues not in `queue_wrap_up_ms` (Asterisk's default is 0).
    pub wrap_up_ms: Millis,
    /// `wrapuptime` by queue.
    pub queue_wrap_up_ms: BTreeMap<Id, Millis>,
    /// Member interface → member name (`SIP/1001` → `Sathish`), so that member lines, which name the
    /// interface, and call lines, which name the member, count one agent.
    pub members: BTreeMap<Id, Id>,
    pub limits: DecodeLimits,
}

impl Default for QueueLogOptions {
    fn default() -> Self {
        QueueLogOptions {
            tenant: Id::from(DEFAULT_TENANT),
            time_zone: Tz::UTC,
            wrap_up_ms: 0,
            queue_wrap_up_ms: BTreeMap::new(),
            members: BTreeMap::new(),
            limits: DecodeLimits::default(),
        }
    }
}

impl QueueLogOptions {
    /// The wrap-up time after a call of `queue` (the default where the line names none).
    pub fn wrap_up_ms(&self, queue: Option<&str>) -> Millis {
        queue
            .and_then(|queue| self.queue_wrap_up_ms.get(queue))
            .copied()
            .unwrap_or(self.wrap_up_ms)
            .max(0)
    }
}

/// What one record became: its events (none for a PAUSE after its PAUSEALL), and whether it was
/// skipped as carrying no callboard meaning.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Adapted {
    pub events: Vec<Event>,
    pub skipped: bool,
}

/// One tenant's `queue_log` reader.
#[derive(Debug)]
pub struct QueueLogAdapter {
    options: QueueLogOptions,
    state: state::State,
}

impl QueueLogAdapter {
    /// The allowed lateness a tenant fed by this adapter needs: its rings are dated back this far.
    pub const REQUIRED_LATENESS_MS: Millis = MAX_RING_BACKDATE_MS;

    pub fn new(options: QueueLogOptions) -> Self {
        let members = options
            .members
            .iter()
            .map(|(interface, name)| (interface.clone(), name.clone()));
        QueueLogAdapter {
            state: state::State::new(members),
            options,
        }
    }

    pub fn options(&self) -> &QueueLogOptions {
        &self.options
    }

    /// Adapts one record (a line without its line ending, or a JSON row).
    pub fn adapt(&mut self, bytes: &[u8]) -> Result<Adapted, DecodeError> {
        let mut events = Vec::new();
        let mapped = self.adapt_into(bytes, &mut events)?;
        Ok(Adapted {
            events,
            skipped: mapped == Mapped::Skipped,
        })
    }

    /// [`QueueLogAdapter::adapt`] appending to `out`, which a rejected record leaves untouched. Before
    /// the record's own events come the completions due by its time.
    pub fn adapt_into(
        &mut self,
        bytes: &[u8],
        out: &mut Vec<Event>,
    ) -> Result<Mapped, DecodeError> {
        let text = line::record_text(bytes)?;
        let hash = super::adapter::fnv1a(text);
        let start = out.len();
        let row;
        let row_text;
        let record = if text.first() == Some(&b'{') {
            row = line::parse_row(text, &self.options.limits)?;
            row_text = row.text();
            row_text.record(self.options.time_zone)?
        } else {
            line::parse_line(text, &self.options.limits)?
        };
        let mapped = mapping::Mapper {
            record: &record,
            hash,
            state: &mut self.state,
            options: &self.options,
            out,
        }
        .map()?;
        if !self.state.completions().is_empty() {
            let mut due = Vec::new();
            self.state.completions().release_due(record.time, &mut due);
            out.splice(start..start, due);
        }
        Ok(mapped)
    }

    /// Completions due by `now` (a live worker's wall clock, so a quiet log still ends its wrap-ups).
    pub fn release_due(&mut self, now: Millis, out: &mut Vec<Event>) {
        self.state.completions().release_due(now, out);
    }

    /// The end of the input: every completion still waiting, at its time.
    pub fn finish(&mut self, out: &mut Vec<Event>) {
        self.state.completions().release_all(None, out);
    }
}

impl super::adapter::SourceAdapter for QueueLogAdapter {
    fn adapt_into(&mut self, bytes: &[u8], out: &mut Vec<Event>) -> Result<Mapped, DecodeError> {
        QueueLogAdapter::adapt_into(self, bytes, out)
    }

    fn release_due(&mut self, now: Millis, out: &mut Vec<Event>) {
        QueueLogAdapter::release_due(self, now, out);
    }

    fn finish(&mut self, out: &mut Vec<Event>) {
        QueueLogAdapter::finish(self, out);
    }
}

#[cfg(test)]
mod tests;
