//! The Amazon Connect contact-record (CTR) adapter (`docs/sources/amazon_connect_ctr.md`): contact
//! records, one JSON object per line as Kinesis or Firehose deliver them, in; the calls' domain
//! events out, all at the end of the input. Pure: no I/O and no clock. For `report` and `replay`
//! only: a record exists only after its contact ended and may be re-sent days later, so it is never
//! a live source.
//!
//! Connect delivers records at least once and re-sends a contact's record, with a newer
//! `LastUpdateTimestamp`, when something about it changes. The adapter therefore holds the latest
//! record of each `ContactId` ([`record::Contact`], about a hundred bytes, never the JSON) and emits
//! nothing until [`SourceAdapter::finish`], which hands every held contact's events over in time
//! order, in batches. The call is `InitialContactId` (else `ContactId`), so the contacts a transfer
//! creates are one call.

mod mapping;
mod record;

use std::collections::{BTreeMap, HashMap};

pub use super::adapter::Mapped;
use super::adapter::SourceAdapter;
use super::{DecodeError, DecodeLimits};
use crate::event::{Event, Id, Millis, RejectReason, DEFAULT_TENANT};
use record::{Contact, ContactKey, Names};

/// How a tenant's contact records are read: plain data.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactRecordsOptions {
    /// The tenant every event belongs to.
    pub tenant: Id,
    /// The `Channel`s that count as calls (default `VOICE`); contacts of other channels are skipped.
    pub channels: Vec<String>,
    /// Most contacts held until the end of the input (default [`Self::DEFAULT_MAX_CONTACTS`]); a
    /// record of a further contact is rejected (`unsupported_record`) and counted in the summary.
    pub max_contacts: usize,
    pub limits: DecodeLimits,
}

impl ContactRecordsOptions {
    /// A contact held takes 112 bytes (its record's small form) and 48 in the index by `ContactId`
    /// (a UUID in 16 bytes), so with the tables' room to grow some 450 MB at the bound: a month of a
    /// center taking 60,000 calls a day.
    pub const DEFAULT_MAX_CONTACTS: usize = 2_000_000;
}

impl Default for ContactRecordsOptions {
    fn default() -> Self {
        ContactRecordsOptions {
            tenant: Id::from(DEFAULT_TENANT),
            channels: vec!["VOICE".to_string()],
            max_contacts: Self::DEFAULT_MAX_CONTACTS,
            limits: DecodeLimits::default(),
        }
    }
}

/// Events handed over per call of `finish`.
const BATCH: usize = 4_096;

/// One tenant's contact-record reader.
#[derive(Debug)]
pub struct ContactRecordsAdapter {
    options: ContactRecordsOptions,
    names: Names,
    /// The latest record of each contact, in the order contacts were first seen.
    held: Vec<Contact>,
    /// Where each contact's record is in `held`.
    index: HashMap<ContactKey, u32>,
    /// Records that a record of the same contact with a newer (or the same) `LastUpdateTimestamp`
    /// replaced, or that came after such a one.
    superseded: u64,
    /// Records of contacts past `max_contacts`.
    refused: u64,
    draining: Option<Draining>,
}

impl ContactRecordsAdapter {
    /// Events reach the tenant in time order at the end of the input: no lateness is needed.
    pub const REQUIRED_LATENESS_MS: Millis = 0;

    pub fn new(options: ContactRecordsOptions) -> Self {
        ContactRecordsAdapter {
            options,
            names: Names::default(),
            held: Vec::new(),
            index: HashMap::new(),
            superseded: 0,
            refused: 0,
            draining: None,
        }
    }

    /// Reads one record (a JSON object) and holds it if it is its contact's latest; appends nothing.
    pub fn adapt(&mut self, bytes: &[u8]) -> Result<Mapped, DecodeError> {
        let Some((key, contact)) =
            record::parse(bytes.trim_ascii(), &self.options, &mut self.names)?
        else {
            return Ok(Mapped::Skipped);
        };
        if let Some(&at) = self.index.get(&key) {
            let held = &mut self.held[at as usize];
            self.superseded += 1;
            // A tie is a repeat: the copy read last stands.
            if contact.last_update >= held.last_update {
                *held = contact;
            }
            return Ok(Mapped::Used);
        }
        if self.held.len() >= self.options.max_contacts.min(u32::MAX as usize) {
            self.refused += 1;
            return Err(DecodeError::new(
                RejectReason::UnsupportedRecord,
                format!(
                    "more than {} contacts held: split the input by the contacts' day",
                    self.options.max_contacts
                ),
            ));
        }
        self.index.insert(key, self.held.len() as u32);
        self.held.push(contact);
        Ok(Mapped::Used)
    }

    /// Records replaced by a newer record of their contact.
    pub fn superseded(&self) -> u64 {
        self.superseded
    }

    /// The next batch of events, in time order; nothing once every held contact is out.
    pub fn drain(&mut self, out: &mut Vec<Event>) {
        let draining = self.draining.get_or_insert_with(|| {
            self.index = HashMap::new();
            let mut contacts = std::mem::take(&mut self.held);
            // By queue entry; a stable sort, so contacts queued at one instant keep the input's order.
            contacts.sort_by_key(|contact| contact.queued_at);
            Draining {
                contacts: contacts.into_iter(),
                due: BTreeMap::new(),
                next: 0,
            }
        });
        draining.next_batch(&self.names, &self.options.tenant, out);
    }
}

/// Held contacts being handed over: contacts by queue entry, and the events of those already
/// expanded that are not out yet (those of calls in progress at the time reached, so few).
#[derive(Debug)]
struct Draining {
    contacts: std::vec::IntoIter<Contact>,
    /// By (time, sequence): ties in expansion order, so one contact's events keep their causal order.
    due: BTreeMap<(Millis, u64), Event>,
    next: u64,
}

impl Draining {
    fn next_batch(&mut self, names: &Names, tenant: &Id, out: &mut Vec<Event>) {
        let mut expanded = Vec::new();
        let mut handed = 0;
        while handed < BATCH {
            let next_entry = self.contacts.as_slice().first().map(|c| c.queued_at);
            let next_due = self.due.first_key_value().map(|(&(time, _), _)| time);
            match (next_due, next_entry) {
                // Every event due at or before the next contact's first one is final.
                (Some(due), entry) if entry.is_none_or(|entry| due <= entry) => {
                    if let Some((_, event)) = self.due.pop_first() {
                        out.push(event);
                        handed += 1;
                    }
                }
                (_, Some(_)) => {
                    let Some(contact) = self.contacts.next() else {
                        break;
                    };
                    mapping::events(&contact, names, tenant, &mut expanded);
                    for event in expanded.drain(..) {
                        self.due.insert((event.time, self.next), event);
                        self.next += 1;
                    }
                }
                (_, None) => break,
            }
        }
    }
}

impl SourceAdapter for ContactRecordsAdapter {
    /// Holds the record; its events come at [`SourceAdapter::finish`].
    fn adapt_into(&mut self, bytes: &[u8], _out: &mut Vec<Event>) -> Result<Mapped, DecodeError> {
        self.adapt(bytes)
    }

    /// Nothing is released before the end of the input.
    fn release_due(&mut self, _now: Millis, _out: &mut Vec<Event>) {}

    fn finish(&mut self, out: &mut Vec<Event>) {
        self.drain(out);
    }

    fn summary(&self) -> String {
        let mut summary = format!(
            ", {} contact records superseded by a newer one",
            self.superseded
        );
        if self.refused > 0 {
            summary.push_str(&format!(
                ", {} refused past the {} contacts held (split the input by day)",
                self.refused, self.options.max_contacts
            ));
        }
        summary
    }
}

#[cfg(test)]
mod tests;
