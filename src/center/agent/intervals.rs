//! An agent's report intervals, packed: all of an agent's intervals in one byte buffer in start order,
//! each a sparse record holding only its non-zero figures, as varints. Most of an agent's interval is
//! zero (no dials, surveys or reviews; one not-ready reason or none), and an hour of intervals as a
//! `BTreeMap<Millis, AgentInterval>` held 2.3 KB (one node of 11 slots of 200 bytes); packed, an
//! interval takes about 25 bytes. An interval is decoded to an [`AgentInterval`] to be read or changed;
//! nearly every change is to the newest, which is found without a scan. Serialized as the map it
//! replaces, so the persisted state is the same bytes. Must not change any figure: a decoded interval
//! is exactly the one that was encoded.
//!
//! The newest interval takes a change at nearly every event of its agent (time credited, a tally):
//! while it does, it is kept decoded ([`AgentIntervals::update`] opens it) and packed again when a
//! newer one starts or [`AgentIntervals::pack`] is called (at each publication, so an agent at rest
//! holds only packed bytes).

use std::collections::BTreeMap;

use serde::ser::SerializeMap;

use super::{AgentInterval, StateTimes, Tallies};
use crate::center::settings::MINUTE;
use crate::event::{Id, Millis};

/// An agent's intervals by start, packed.
#[derive(Debug, Clone, Default)]
pub struct AgentIntervals {
    /// Each interval in start order: its start less `base` (in minutes when whole, else in ms with
    /// [`START_IN_MS`]), the mask of its parts present ([`TEAM`], [`NOT_READY`], one bit per non-zero
    /// word), then those parts: the team's index in `teams`, the not-ready list (length, then reason
    /// and ms), the words (floats as their 8 bytes, the rest as varints).
    bytes: Vec<u8>,
    /// The teams the intervals name, in order of first use.
    teams: Vec<Id>,
    /// The first interval's start, the others' are counted from.
    base: Millis,
    /// Where the newest interval begins in `bytes`.
    last_offset: u32,
    /// Where the one before it begins: a change to an older interval is nearly always to it or between
    /// it and the newest (time credited up to an interval a tally already opened), so a search starts
    /// there.
    before_last_offset: u32,
    /// The newest interval decoded, while it takes changes: then it, not the bytes from
    /// `last_offset` on (its packing when it was opened), is the newest interval.
    open: Option<Box<(Millis, AgentInterval)>>,
}

/// A start not a whole number of minutes after the base (a time zone offset in seconds) is in ms.
const START_IN_MS: u64 = 1;
const TEAM: u64 = 1;
const NOT_READY: u64 = 2;
/// The bit of the first word; word `n` is bit `FIRST_WORD << n`.
const FIRST_WORD: u64 = 4;
const WORDS: usize = 19;
/// The words that are `f64` bits (one bit per word), written as 8 bytes (their varint would take 10).
const FLOAT_WORDS: u64 = 1 << 9 | 1 << 15 | 1 << 17;
/// The spare bytes the buffer grows by at least: more than a usual interval takes.
const GROWTH: usize = 48;

/// An interval's numbers as words, the common ones first (so a usual mask takes two bytes).
fn words(interval: &AgentInterval) -> [u64; WORDS] {
    let (times, tallies) = (&interval.times, &interval.tallies);
    [
        times.available_ms,
        times.talk_ms,
        times.hold_ms,
        times.wrap_up_ms,
        tallies.handled,
        tallies.talk_ms,
        tallies.hold_ms,
        tallies.wrap_up_ms,
        times.ringing_ms,
        interval.cost.to_bits(),
        tallies.dialed,
        tallies.connected,
        tallies.successes,
        tallies.rings_unanswered,
        tallies.surveys,
        tallies.survey_score_sum.to_bits(),
        tallies.reviews,
        tallies.review_score_sum.to_bits(),
        tallies.critical_failures,
    ]
}

/// The interval of `words` (as [`words`] orders them), `team` and `not_ready_ms`.
fn from_words(
    words: [u64; WORDS],
    team: Option<Id>,
    not_ready_ms: Vec<(u16, u64)>,
) -> AgentInterval {
    let [available_ms, talk_ms, hold_ms, wrap_up_ms, handled, handled_talk_ms, handled_hold_ms, handled_wrap_up_ms, ringing_ms, cost, dialed, connected, successes, rings_unanswered, surveys, survey_score_sum, reviews, review_score_sum, critical_failures] =
        words;
    AgentInterval {
        times: StateTimes {
            available_ms,
            ringing_ms,
            talk_ms,
            hold_ms,
            wrap_up_ms,
            not_ready_ms,
        },
        tallies: Tallies {
            handled,
            talk_ms: handled_talk_ms,
            hold_ms: handled_hold_ms,
            wrap_up_ms: handled_wrap_up_ms,
            dialed,
            connected,
            successes,
            surveys,
            survey_score_sum: f64::from_bits(survey_score_sum),
            rings_unanswered,
            reviews,
            review_score_sum: f64::from_bits(review_score_sum),
            critical_failures,
        },
        team,
        cost: f64::from_bits(cost),
    }
}

fn put_varint(bytes: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        bytes.push(value as u8 | 0x80);
        value >>= 7;
    }
    bytes.push(value as u8);
}

/// Reads what [`put_varint`] and `to_le_bytes` wrote. The bytes are only ever this module's own, so
/// they never run short; if they did, the missing bytes would read as zero rather than panic.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn varint(&mut self) -> u64 {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let Some(&byte) = self.bytes.get(self.at) else {
                break;
            };
            self.at += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                break;
            }
        }
        value
    }

    fn eight_bytes(&mut self) -> u64 {
        let mut word = [0u8; 8];
        let end = (self.at + 8).min(self.bytes.len());
        let available = self.bytes.get(self.at..end).unwrap_or_default();
        word[..available.len()].copy_from_slice(available);
        self.at = end;
        u64::from_le_bytes(word)
    }

    fn at_end(&self) -> bool {
        self.at >= self.bytes.len()
    }

    /// The next interval's start.
    fn start(&mut self, base: Millis) -> Millis {
        let after_base = self.varint();
        let ms = if after_base & START_IN_MS != 0 {
            after_base >> 1
        } else {
            (after_base >> 1).wrapping_mul(MINUTE as u64)
        };
        base.wrapping_add(ms as Millis)
    }

    /// The next interval.
    fn interval(&mut self, base: Millis, teams: &[Id]) -> (Millis, AgentInterval) {
        let start = self.start(base);
        let mask = self.varint();
        let team = if mask & TEAM != 0 {
            teams.get(self.varint() as usize).cloned()
        } else {
            None
        };
        let mut not_ready_ms = Vec::new();
        if mask & NOT_READY != 0 {
            let pairs = self.varint();
            for _ in 0..pairs {
                if self.at_end() {
                    break;
                }
                let reason = self.varint() as u16;
                not_ready_ms.push((reason, self.varint()));
            }
        }
        let mut words = [0u64; WORDS];
        // Only the words present are read: a usual interval has nine of nineteen.
        let mut present = mask / FIRST_WORD;
        while present != 0 {
            let index = present.trailing_zeros() as usize;
            present &= present - 1;
            let Some(word) = words.get_mut(index) else {
                break;
            };
            *word = if FLOAT_WORDS & (1 << index) != 0 {
                self.eight_bytes()
            } else {
                self.varint()
            };
        }
        (start, from_words(words, team, not_ready_ms))
    }
}

impl AgentIntervals {
    /// The intervals in start order, decoded.
    pub fn iter(&self) -> impl Iterator<Item = (Millis, AgentInterval)> + '_ {
        let mut reader = self.reader(0);
        std::iter::from_fn(move || {
            if reader.at_end() {
                return None;
            }
            match &self.open {
                Some(open) if reader.at == self.last_offset as usize => {
                    reader.at = self.bytes.len();
                    Some((open.0, open.1.clone()))
                }
                _ => Some(reader.interval(self.base, &self.teams)),
            }
        })
    }

    pub fn len(&self) -> usize {
        self.iter().count()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    fn reader(&self, offset: u32) -> Reader<'_> {
        Reader {
            bytes: &self.bytes,
            at: offset as usize,
        }
    }

    /// Changes the interval starting at `start` (created empty if there is none) by `change`.
    pub fn update(&mut self, start: Millis, change: impl FnOnce(&mut AgentInterval)) {
        match &mut self.open {
            Some(open) if open.0 == start => return change(&mut open.1),
            // Older than the open one, and at or after the first: the open one stays open.
            Some(open) if open.0 > start && start >= self.base => {
                return self.update_older(start, change)
            }
            _ => self.pack(),
        }
        if self.bytes.is_empty() {
            self.base = start;
        }
        if start < self.base {
            // Older than every interval kept (a tally counted very late): the whole is packed again.
            let mut all: BTreeMap<Millis, AgentInterval> = self.iter().collect();
            change(all.entry(start).or_default());
            *self = AgentIntervals::from_map(all);
            return;
        }
        let last_start = self.reader(self.last_offset).start(self.base);
        if !self.bytes.is_empty() && start == last_start {
            // The newest, nearly always: opened (decoded) until a newer one starts or it is packed.
            let mut reader = self.reader(self.last_offset);
            let (_, mut interval) = reader.interval(self.base, &self.teams);
            change(&mut interval);
            self.open = Some(Box::new((start, interval)));
        } else if self.bytes.is_empty() || start > last_start {
            let mut interval = AgentInterval::default();
            change(&mut interval);
            self.before_last_offset = self.last_offset;
            self.last_offset = self.bytes.len() as u32;
            self.append(start, &interval);
        } else {
            self.update_older(start, change);
        }
    }

    /// Changes an interval older than the newest, or inserts it before the first newer one.
    fn update_older(&mut self, start: Millis, change: impl FnOnce(&mut AgentInterval)) {
        let before_last = self.reader(self.before_last_offset).start(self.base);
        let mut offset = if before_last <= start {
            self.before_last_offset as usize
        } else {
            0
        };
        while offset < self.bytes.len() {
            let mut reader = self.reader(offset as u32);
            let (found, mut interval) = reader.interval(self.base, &self.teams);
            if found >= start {
                let (replaced, shifted) = if found == start {
                    change(&mut interval);
                    (offset..reader.at, offset + 1..)
                } else {
                    interval = AgentInterval::default();
                    change(&mut interval);
                    (offset..offset, offset..)
                };
                let mut packed = Vec::new();
                encode(&mut self.teams, &mut packed, self.base, start, &interval);
                let grown = packed.len() as i64 - replaced.len() as i64;
                self.bytes.splice(replaced, packed);
                for moved in [&mut self.last_offset, &mut self.before_last_offset] {
                    if shifted.contains(&(*moved as usize)) {
                        *moved = (i64::from(*moved) + grown) as u32;
                    }
                }
                return;
            }
            offset = reader.at;
        }
    }

    /// Writes the open interval back in place of its packing from when it was opened.
    pub fn pack(&mut self) {
        if let Some(open) = self.open.take() {
            let (start, interval) = *open;
            self.bytes.truncate(self.last_offset as usize);
            self.append(start, &interval);
        }
    }

    /// Forgets the intervals that start before `keep_from`.
    pub fn keep_from(&mut self, keep_from: Millis) {
        if !self.bytes.is_empty() && self.base < keep_from {
            let kept: BTreeMap<Millis, AgentInterval> = (self.iter())
                .filter(|(start, _)| *start >= keep_from)
                .collect();
            *self = AgentIntervals::from_map(kept);
        }
    }

    /// The intervals of `map`, packed.
    pub fn from_map(map: BTreeMap<Millis, AgentInterval>) -> AgentIntervals {
        let mut packed = AgentIntervals::default();
        for (start, interval) in map {
            if packed.bytes.is_empty() {
                packed.base = start;
            }
            packed.before_last_offset = packed.last_offset;
            packed.last_offset = packed.bytes.len() as u32;
            packed.append(start, &interval);
        }
        packed.bytes.shrink_to_fit();
        packed
    }

    /// Appends `interval`, starting at `start`, after the newest.
    fn append(&mut self, start: Millis, interval: &AgentInterval) {
        // Grown by an eighth (at least a usual interval's bytes) rather than doubled: the buffer only
        // ever grows by an interval at a time. A larger interval lets the vector grow as it does.
        if self.bytes.capacity() - self.bytes.len() < GROWTH {
            self.bytes.reserve_exact(GROWTH.max(self.bytes.len() / 8));
        }
        encode(&mut self.teams, &mut self.bytes, self.base, start, interval);
    }
}

/// Writes `interval`, starting at `start` (at or after `base`), naming its team by its index in
/// `teams` (added there if new).
fn encode(
    teams: &mut Vec<Id>,
    bytes: &mut Vec<u8>,
    base: Millis,
    start: Millis,
    interval: &AgentInterval,
) {
    let after_base = start.wrapping_sub(base) as u64;
    if after_base % MINUTE as u64 == 0 {
        put_varint(bytes, (after_base / MINUTE as u64) << 1);
    } else {
        put_varint(bytes, (after_base << 1) | START_IN_MS);
    }
    let words = words(interval);
    let not_ready = &interval.times.not_ready_ms;
    let mut mask = 0;
    if interval.team.is_some() {
        mask |= TEAM;
    }
    if !not_ready.is_empty() {
        mask |= NOT_READY;
    }
    for (index, word) in words.iter().enumerate() {
        if *word != 0 {
            mask |= FIRST_WORD << index;
        }
    }
    put_varint(bytes, mask);
    if let Some(team) = &interval.team {
        let index = match teams.iter().position(|known| known == team) {
            Some(index) => index,
            None => {
                teams.reserve_exact(1);
                teams.push(team.clone());
                teams.len() - 1
            }
        };
        put_varint(bytes, index as u64);
    }
    if !not_ready.is_empty() {
        put_varint(bytes, not_ready.len() as u64);
        for (reason, ms) in not_ready {
            put_varint(bytes, u64::from(*reason));
            put_varint(bytes, *ms);
        }
    }
    for (index, word) in words.iter().enumerate() {
        if *word == 0 {
            continue;
        }
        if FLOAT_WORDS & (1 << index) != 0 {
            bytes.extend_from_slice(&word.to_le_bytes());
        } else {
            put_varint(bytes, *word);
        }
    }
}

/// As the `BTreeMap<Millis, AgentInterval>` it replaces, so the persisted format stays the map's.
impl serde::Serialize for AgentIntervals {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (start, interval) in self.iter() {
            map.serialize_entry(&start, &interval)?;
        }
        map.end()
    }
}

impl<'de> serde::Deserialize<'de> for AgentIntervals {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        BTreeMap::<Millis, AgentInterval>::deserialize(deserializer).map(AgentIntervals::from_map)
    }
}

#[cfg(test)]
#[path = "intervals_tests.rs"]
mod tests;
