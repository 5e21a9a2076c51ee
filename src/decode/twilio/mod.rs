//! The Twilio TaskRouter adapter (`docs/sources/twilio.md`): one workspace event — an Event Streams
//! CloudEvent (`type` `com.twilio.taskrouter.*`, fields in `data.payload`) or a workspace event
//! callback whose form fields a bridge re-encoded as JSON (`EventType`, `TaskSid`, …) — in, zero or
//! more domain events out. Pure: no I/O and no clock; a Kafka worker calls
//! [`TaskRouterAdapter::adapt_into`] per message, `report`/`replay` per line, one adapter per tenant.
//!
//! Every event gets a deterministic id, `tw-<FNV-1a of the event's sid (else of the record)>-<suffix>`:
//! Event Streams delivers at least once, and a redelivered event is dropped by the center as a
//! duplicate, even when a bridge added fields to it.
//!
//! Events are dated by TaskRouter's own time stamp and emitted whatever order they arrive in: the
//! center puts them in event-time order within its lateness, so a tenant fed by this adapter needs an
//! allowed lateness of at least [`TaskRouterAdapter::REQUIRED_LATENESS_MS`]. State (`state`, bounded)
//! only fills in what an event leaves out (the queue a moved or canceled task left, the worker of a
//! task in wrap-up), keeps one `call.queued` per queue stay and nothing after a task's end, and learns
//! which activities are available.

mod mapping;
mod record;
mod state;
pub mod write;

use std::collections::BTreeMap;

pub use super::adapter::Mapped;
use super::{DecodeError, DecodeLimits};
use crate::event::{Event, Id, Millis, DEFAULT_TENANT};

/// What a worker's activity means for callboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityMeaning {
    /// The worker takes tasks: `agent.state{available}`.
    Available,
    /// The worker is logged in but takes none: `agent.state{not_ready, reason: the activity's name}`.
    NotReady,
    /// The worker is off: `agent.logout`.
    Offline,
}

/// How a tenant's TaskRouter events are read: plain data (the command line's flags or a `[[sources]]`
/// entry).
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRouterOptions {
    /// The tenant every event belongs to (one workspace is one tenant).
    pub tenant: Id,
    /// Task channels whose tasks are calls (`task_channel_unique_name`); default `voice`.
    pub channels: Vec<Id>,
    /// Activity name or sid → its meaning. Activities not named here are learned from
    /// `activity.created` / `activity.updated` events (their `available` flag); else `Offline` is
    /// offline, `Available` available and any other activity not ready.
    pub activities: BTreeMap<Id, ActivityMeaning>,
    pub limits: DecodeLimits,
}

impl Default for TaskRouterOptions {
    fn default() -> Self {
        TaskRouterOptions {
            tenant: Id::from(DEFAULT_TENANT),
            channels: vec![Id::from("voice")],
            activities: BTreeMap::new(),
            limits: DecodeLimits::default(),
        }
    }
}

impl TaskRouterOptions {
    /// Options from configured text: `channels` (none: voice) and activity → meaning pairs.
    pub fn configured<'a>(
        tenant: Id,
        channels: &[String],
        activities: impl IntoIterator<Item = (&'a String, &'a ActivityMeaning)>,
        limits: DecodeLimits,
    ) -> Self {
        let defaults = TaskRouterOptions::default();
        TaskRouterOptions {
            tenant,
            channels: if channels.is_empty() {
                defaults.channels
            } else {
                channels
                    .iter()
                    .map(|channel| Id::from(channel.as_str()))
                    .collect()
            },
            activities: activities
                .into_iter()
                .map(|(activity, meaning)| (Id::from(activity.as_str()), *meaning))
                .collect(),
            limits,
        }
    }
}

/// One tenant's (one workspace's) TaskRouter reader.
#[derive(Debug)]
pub struct TaskRouterAdapter {
    options: TaskRouterOptions,
    state: state::State,
}

impl TaskRouterAdapter {
    /// The allowed lateness a tenant fed by this adapter needs: Event Streams does not promise order,
    /// and a minute of reordering puts a task's steps back in sequence.
    pub const REQUIRED_LATENESS_MS: Millis = 60_000;

    pub fn new(options: TaskRouterOptions) -> Self {
        TaskRouterAdapter {
            options,
            state: state::State::default(),
        }
    }

    pub fn options(&self) -> &TaskRouterOptions {
        &self.options
    }

    /// Adapts one record (a JSON object), appending to `out`, which a rejected record leaves untouched.
    pub fn adapt_into(
        &mut self,
        bytes: &[u8],
        out: &mut Vec<Event>,
    ) -> Result<Mapped, DecodeError> {
        let value = record::parse(bytes, &self.options.limits)?;
        let Some(record) = record::Record::of(&value)? else {
            return Ok(Mapped::Skipped);
        };
        let start = out.len();
        let mapped = mapping::Mapper {
            record: &record,
            hash: record.hash(bytes),
            state: &mut self.state,
            options: &self.options,
            out,
        }
        .map();
        if mapped.is_err() {
            out.truncate(start);
        }
        mapped
    }
}

impl super::adapter::SourceAdapter for TaskRouterAdapter {
    fn adapt_into(&mut self, bytes: &[u8], out: &mut Vec<Event>) -> Result<Mapped, DecodeError> {
        TaskRouterAdapter::adapt_into(self, bytes, out)
    }

    /// Nothing is held for a clock: TaskRouter says when wrap-up ends (`task.completed`).
    fn release_due(&mut self, _now: Millis, _out: &mut Vec<Event>) {}

    /// The end of the input: nothing is held, so nothing is released.
    fn finish(&mut self, _out: &mut Vec<Event>) {}
}

#[cfg(test)]
mod tests;
