//! Routes decoded events to each tenant's [`Center`], creating centers on first sight with that tenant's
//! settings, and counts what was rejected before an event had a tenant. Pure: the replay command and
//! the Kafka workers drive it.

use std::collections::BTreeMap;

use crate::center::floor::Floor;
use crate::center::persist::{self, PersistError};
use crate::center::settings::CenterSettings;
use crate::center::snapshot::{build, CenterSnapshot};
use crate::center::{Center, Rejection};
use crate::decode::{json_v1, DecodeLimits};
use crate::event::{Event, Id, Millis, RejectCounts, RejectReason};
use crate::intervals::rows::{closed_records, Closed, Record};
use crate::report::Cell;

/// Settings for a tenant, by name.
pub type SettingsOf = std::sync::Arc<dyn Fn(&str) -> CenterSettings + Send + Sync>;

pub struct Tenants {
    centers: BTreeMap<Id, Center>,
    settings_of: SettingsOf,
    limits: DecodeLimits,
    /// Messages rejected by the decoder (they have no trustworthy tenant).
    undecodable: RejectCounts,
    /// Of those, the ones tagged below the replay boundary.
    undecodable_replayed: RejectCounts,
    /// Tags below this are a replay.
    replay_until: u64,
    rejections: Vec<Rejection>,
    /// What each tenant had taken when it was last published.
    published: BTreeMap<Id, u64>,
    /// When each tenant's closed-interval records were last built.
    closed_built: BTreeMap<Id, Built>,
    /// Whether closed-interval records are built (the partition is live: a replay builds none).
    closing: bool,
    /// The wall clock, while the partition is quiet (settled): its intervals close by it too.
    quiet_now: Option<Millis>,
    /// Whether this run read its partition from offset 0 (known at the first event): then every tenant's
    /// floor is complete, else only from the first event it read of each tenant (`first_read`).
    /// Tenants restored from a state are complete.
    read_from_start: Option<bool>,
    first_read: BTreeMap<Id, Millis>,
}

impl Tenants {
    pub fn new(settings_of: SettingsOf, limits: DecodeLimits) -> Self {
        Tenants {
            centers: BTreeMap::new(),
            settings_of,
            limits,
            undecodable: RejectCounts::default(),
            undecodable_replayed: RejectCounts::default(),
            replay_until: 0,
            rejections: Vec::new(),
            published: BTreeMap::new(),
            closed_built: BTreeMap::new(),
            closing: true,
            quiet_now: None,
            read_from_start: None,
            first_read: BTreeMap::new(),
        }
    }

    /// Decodes one JSON v1 message and applies it; the rejection, if any, is returned.
    pub fn ingest_json(&mut self, message: &[u8], tag: u64) -> Option<RejectReason> {
        match json_v1::decode(message, &self.limits) {
            Ok(event) => self.ingest(event, tag),
            Err(error) => {
                self.count_undecodable(error.reason);
                Some(error.reason)
            }
        }
    }

    /// Counts a message the caller could not decode.
    pub fn count_undecodable(&mut self, reason: RejectReason) {
        self.undecodable.add(reason);
    }

    /// Applies one decoded event (in its turn); a rejection known at once is returned. Rejections
    /// found later, when a buffered event reaches the floor, are collected for [`Tenants::take_rejections`].
    pub fn ingest(&mut self, event: Event, tag: u64) -> Option<RejectReason> {
        let id_hash = event.id.as_deref().map(crate::center::dedup::id_hash);
        self.ingest_hashed(Box::new(event), id_hash, tag)
    }

    /// [`Tenants::ingest`] with the event boxed and its id hashed already (the hash by a decoding
    /// thread, which leaves the applying thread less to do).
    pub fn ingest_hashed(
        &mut self,
        event: Box<Event>,
        id_hash: Option<u64>,
        tag: u64,
    ) -> Option<RejectReason> {
        self.read_from_start.get_or_insert(tag == 0);
        let center = match self.centers.get_mut(&event.tenant) {
            Some(center) => center,
            None => {
                self.first_read.insert(event.tenant.clone(), event.time);
                let settings = (self.settings_of)(&event.tenant);
                let mut center = Center::new(event.tenant.clone(), settings);
                center.replay_until(self.replay_until);
                self.centers.entry(event.tenant.clone()).or_insert(center)
            }
        };
        let before = self.rejections.len();
        center.ingest_hashed(event, id_hash, tag, &mut self.rejections);
        self.rejections[before..]
            .iter()
            .find(|rejection| rejection.tag == tag)
            .map(|rejection| rejection.reason)
    }

    /// Rejections of events applied after their arrival, since the last call.
    pub fn take_rejections(&mut self) -> Vec<Rejection> {
        std::mem::take(&mut self.rejections)
    }

    /// End of a finite input: applies everything buffered and credits agents up to each tenant's last
    /// event time.
    pub fn finish(&mut self) {
        self.finish_until(|_| None);
    }

    /// End of a stretch of a stream known to hold nothing more of a tenant until `until(tenant)`: as
    /// [`Tenants::finish`], but agents are credited up to that instant where it is later than the
    /// tenant's last event (a report read from Kafka up to a range's end).
    pub fn finish_until(&mut self, until: impl Fn(&str) -> Option<Millis>) {
        for center in self.centers.values_mut() {
            center.flush(&mut self.rejections);
            let known = until(center.tenant());
            if let Some(latest) = center.latest_event_time().max(known) {
                center.close_books(latest);
            }
        }
    }

    /// Applies everything buffered, as at the end of input but without closing the books: a live
    /// stream that went quiet for longer than the lateness can receive nothing still in order.
    pub fn settle(&mut self) {
        for center in self.centers.values_mut() {
            center.flush(&mut self.rejections);
        }
    }

    /// Events tagged below `tag` (Kafka offsets already applied before) are counted as replayed too.
    pub fn replay_until(&mut self, tag: u64) {
        self.replay_until = tag;
        for center in self.centers.values_mut() {
            center.replay_until(tag);
        }
    }

    /// Counts a message the caller could not decode, tagged like an event (see [`Tenants::replayed`]).
    pub fn count_undecodable_at(&mut self, reason: RejectReason, tag: u64) {
        self.count_undecodable(reason);
        if tag < self.replay_until {
            self.undecodable_replayed.add(reason);
        }
    }

    /// Of [`Tenants::totals`], the events tagged below the replay boundary.
    pub fn replayed(&self) -> (u64, RejectCounts) {
        let mut rejected = self.undecodable_replayed;
        let mut applied = 0;
        for center in self.centers.values() {
            let (center_applied, center_rejected) = center.replayed();
            applied += center_applied;
            rejected.merge(center_rejected);
        }
        (applied, rejected)
    }

    /// Hands every center its settings anew (after a configuration reload).
    pub fn reconfigure(&mut self) {
        // Every figure may have changed: publish all tenants at the next tick.
        self.published.clear();
        for center in self.centers.values_mut() {
            let settings = (self.settings_of)(center.tenant());
            center.reconfigure(&settings);
        }
    }

    pub fn centers(&self) -> impl Iterator<Item = &Center> {
        self.centers.values()
    }

    pub fn center(&self, tenant: &str) -> Option<&Center> {
        self.centers.get(tenant)
    }

    /// Snapshots of every tenant at `now`, or at each tenant's own latest event time when `now` is `None`.
    pub fn snapshots(&self, now: Option<Millis>) -> Vec<CenterSnapshot> {
        self.centers
            .values()
            .map(|center| center.snapshot(now.or(center.latest_event_time()).unwrap_or(0)))
            .collect()
    }

    /// The next [`Tenants::publish`] publishes every center, changed or not.
    pub fn republish(&mut self) {
        self.published.clear();
        self.closed_built.clear();
    }

    /// Whether the next publications build closed-interval records (`live`: not while the partition
    /// replays, when nothing is produced and a build each tick would slow the replay), and
    /// `quiet_now`: `Some(now)` while the partition is quiet (its buffer settled), when an interval closes
    /// when its end plus the lateness has passed in event time, or, on a quiet feed, on the wall clock.
    pub fn close_intervals(&mut self, live: bool, quiet_now: Option<Millis>) {
        self.closing = live;
        self.quiet_now = quiet_now;
    }

    /// Hands `publish` each tenant's snapshot and, when it took events since its last publication (or
    /// the configuration was reloaded), its interval report, both from one projection of its floor.
    /// The snapshot is at `now` (rolling windows and time in state move with the clock), or at the
    /// tenant's latest event time when `now` is `None`: then a tenant with nothing new is skipped.
    ///
    /// With `closed_intervals` set, it hands the records of the closed intervals too ([`closed_records`])
    /// when the figures changed or another interval closed. Then it packs each agent's newest interval
    /// ([`crate::center::floor::Floor::pack_intervals`]).
    pub fn publish(
        &mut self,
        now: Option<Millis>,
        mut publish: impl FnMut(CenterSnapshot, Option<crate::report::Table>, Option<Vec<Record>>),
    ) {
        for center in self.centers.values() {
            let ingested = center.ingested();
            let changed = self.published.get(center.tenant()) != Some(&ingested);
            let complete_from = match self.read_from_start {
                Some(false) => self.first_read.get(center.tenant()).copied(),
                _ => None,
            };
            let at = now.or(center.latest_event_time()).unwrap_or(0);
            let built = self.closed_built.get(center.tenant());
            let closes = (closing_instant(center, self.quiet_now, complete_from))
                .filter(|_| self.closing)
                .filter(|closed| built.is_none_or(|built| built.due(closed, ingested, at)));
            if now.is_none() && !changed && closes.is_none() {
                continue;
            }
            let (floor, stats) = center.projection();
            let snapshot = build(center.tenant(), &floor, center.settings(), at, stats);
            let table = changed.then(|| today_table(center.tenant(), &floor, at));
            let settings = center.settings();
            let records =
                closes.map(|closed| closed_records(center.tenant(), &floor, settings, closed));
            publish(snapshot, table, records);
            self.published.insert(center.tenant().clone(), ingested);
            if let Some(closed) = closes {
                let built = Built {
                    closing: closed.closing,
                    ingested,
                    at,
                };
                self.closed_built.insert(center.tenant().clone(), built);
            }
        }
        // Between publications only the agents that took events hold a decoded interval.
        for center in self.centers.values_mut() {
            center.pack_intervals();
        }
    }

    /// Everything the centers hold (floors, order buffers, deferred events, dedup, counters with the
    /// replayed counts and the replay boundary) and the undecodable counts, as version-prefixed compact
    /// binary ([`crate::center::persist`]). Not kept: settings (a restore takes those in force),
    /// publication bookkeeping and rejections not yet taken ([`Tenants::take_rejections`] first).
    pub fn encode_state(&self) -> Vec<u8> {
        persist::encode(
            &self.undecodable,
            &self.undecodable_replayed,
            self.replay_until,
            &self.centers,
        )
    }

    /// Rebuilds tenants from [`Tenants::encode_state`] bytes with the settings in force: each center
    /// takes its settings from `settings_of` and reconfigures, so thresholds, quotas and wait buckets
    /// follow the configuration. An unknown version, bytes that do not decode, and a center whose
    /// calendar, windows or other restart-only settings differ from `settings_of`'s are errors (the
    /// caller replays instead), never a panic. Every tenant is published at the next tick.
    pub fn restore_state(
        bytes: &[u8],
        settings_of: SettingsOf,
        limits: DecodeLimits,
    ) -> Result<Tenants, PersistError> {
        let decoded = persist::decode(bytes, &*settings_of)?;
        let mut tenants = Tenants::new(settings_of, limits);
        tenants.centers = decoded.centers;
        tenants.undecodable = decoded.undecodable;
        tenants.undecodable_replayed = decoded.undecodable_replayed;
        tenants.replay_until = decoded.replay_until;
        Ok(tenants)
    }

    pub fn undecodable(&self) -> &RejectCounts {
        &self.undecodable
    }

    /// Applied events and rejections by reason over all tenants, decoder rejections included.
    pub fn totals(&self) -> (u64, RejectCounts) {
        let mut rejected = self.undecodable;
        let mut applied = 0;
        for center in self.centers.values() {
            applied += center.applied();
            rejected.merge(center.rejected());
        }
        (applied, rejected)
    }
}

/// A tenant's closed-interval records as last built.
struct Built {
    closing: Millis,
    /// Events the tenant had taken then.
    ingested: u64,
    /// The publication instant.
    at: Millis,
}

impl Built {
    /// Closed rows change when another interval closes, else only by late events (or a quiet feed's
    /// next event): building them is a pass over every kept interval (in a debug build, 56 ms for a
    /// day of 80 agents, 307 ms for 500), so after new events they are built again at most every
    /// [`Built::AGAIN_AFTER_MS`].
    const AGAIN_AFTER_MS: Millis = 10_000;

    fn due(&self, closed: &Closed, ingested: u64, at: Millis) -> bool {
        self.closing != closed.closing
            || (self.ingested != ingested && at >= self.at + Self::AGAIN_AFTER_MS)
    }
}

/// The instant up to which a tenant's intervals are closed, when it builds closed records: its latest
/// event time less the lateness (every event before it is on the floor in order), or, on a quiet
/// partition, the wall clock less the lateness; rounded down to the interval, so it moves only when
/// another interval closes. Complete from `complete_from` (`None`: from the start).
fn closing_instant(
    center: &Center,
    quiet_now: Option<Millis>,
    complete_from: Option<Millis>,
) -> Option<Closed> {
    let settings = center.settings();
    if !settings.closed_intervals {
        return None;
    }
    let latest = center
        .latest_event_time()?
        .max(quiet_now.unwrap_or(Millis::MIN));
    let closing = latest.saturating_sub(settings.lateness_ms);
    Some(Closed {
        complete_from: complete_from.unwrap_or(Millis::MIN),
        closing: center.floor().calendar.clone().interval(closing).start,
        events_until: center.latest_event_time()?,
    })
}

/// The queue rows of the tenant's day at `at` (the floor may keep yesterday's too, for the intervals
/// topic).
fn today_table(tenant: &str, floor: &Floor, at: Millis) -> crate::report::Table {
    let mut rows = Vec::new();
    crate::report::queue_rows(tenant, floor, &mut rows);
    let today = crate::report::interval_time(floor.calendar.clone().day(at).start);
    rows.retain(|row| matches!(&row[2], Cell::Text(start) if *start >= today));
    crate::report::Table {
        header: &crate::report::QUEUE_HEADER,
        rows,
    }
}
