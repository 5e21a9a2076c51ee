//! Duplicate detection by event id within a bounded horizon of event time. Ids are remembered by a
//! 64-bit hash, so memory is about 60 to 180 bytes an id over the horizon (the arrivals and their
//! lookup table, with room to grow) whatever the ids' length; two distinct ids collide with
//! probability about n²/2⁶⁵ (negligible below billions of events per horizon).
//!
//! Ids are forgotten in arrival order: at each check, those at the front of the arrivals older than the
//! horizon before the latest time. Forgetting is lazy, which makes a check one lookup: the ids past the
//! horizon stay in the lookup table, known forgotten by their arrival number, until the table is
//! rebuilt from the ids remembered (once it holds twice as many), or a check needs them gone.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasherDefault;

use serde::ser::SerializeStruct;

use crate::event::Millis;

#[derive(Debug, Clone)]
pub struct Dedup {
    horizon_ms: Millis,
    /// Each id hash in `order` by its arrival number (its place there, counted from the first id
    /// remembered since this was made or restored), and ids forgotten since the last rebuild (numbered
    /// below `first`).
    seen: HashMap<u64, u64, BuildHasherDefault<Uniform>>,
    /// (event time, id hash) in arrival order, from arrival number `first`: the ids remembered, after
    /// those at the front already past the horizon (`reach`) and not yet dropped.
    order: VecDeque<(Millis, u64)>,
    first: u64,
    /// The cutoff of the last check: ids at the front of `order` older than it are forgotten, but for
    /// the one that check remembered (`fresh`), which only later checks' cutoffs forget.
    reach: Millis,
    fresh: bool,
    /// `seen` is rebuilt from `order` once it holds more ids than this.
    limit: usize,
}

/// The least `limit`: a small table is rebuilt no more often than every 64 ids.
const LEAST_LIMIT: usize = 64;

impl Dedup {
    pub fn new(horizon_ms: Millis) -> Self {
        Self::remembering(horizon_ms, VecDeque::new())
    }

    /// A `Dedup` remembering the ids of `order` (arrival order, one entry per id).
    fn remembering(horizon_ms: Millis, order: VecDeque<(Millis, u64)>) -> Self {
        let mut dedup = Dedup {
            horizon_ms,
            seen: HashMap::default(),
            order,
            first: 0,
            reach: Millis::MIN,
            fresh: false,
            limit: 0,
        };
        dedup.rebuild();
        dedup
    }

    /// True when the id of hash `hash` ([`id_hash`]) was seen within the horizon before `latest`; else
    /// remembers it at `time`.
    pub fn is_duplicate(&mut self, hash: u64, time: Millis, latest: Millis) -> bool {
        let cutoff = latest.saturating_sub(self.horizon_ms);
        if cutoff < self.reach {
            // The last check reached further (a duplicate later than every event before it): what it
            // forgot goes now, as the id it remembered and those after are held to this cutoff.
            self.forget();
        }
        self.reach = cutoff;
        self.fresh = false;
        // Unchanged by forgetting, which moves `first` on as it drops from `order`.
        let number = self.first + self.order.len() as u64;
        match self.seen.entry(hash) {
            Entry::Occupied(mut remembered) => {
                forget(&mut self.order, &mut self.first, self.reach, 0);
                if *remembered.get() >= self.first {
                    return true;
                }
                remembered.insert(number);
            }
            Entry::Vacant(vacant) => {
                vacant.insert(number);
            }
        }
        self.order.push_back((time, hash));
        self.fresh = true;
        if self.seen.len() > self.limit {
            self.rebuild();
        }
        false
    }

    /// Drops the ids forgotten and makes `seen` anew from the rest, with room for as many again (none
    /// when there is no id: a new center allocates nothing until its first id).
    fn rebuild(&mut self) {
        self.forget();
        self.limit = (2 * self.order.len()).max(LEAST_LIMIT);
        let room = if self.order.is_empty() {
            0
        } else {
            self.limit + 1
        };
        let mut seen = HashMap::with_capacity_and_hasher(room, Default::default());
        seen.extend(
            (self.first..)
                .zip(&self.order)
                .map(|(number, &(_, hash))| (hash, number)),
        );
        self.seen = seen;
    }

    /// How many ids are remembered.
    pub fn len(&self) -> usize {
        self.order.len() - self.forgotten()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops the ids forgotten.
    fn forget(&mut self) {
        let kept = usize::from(self.fresh);
        forget(&mut self.order, &mut self.first, self.reach, kept);
    }

    /// How many ids at the front of `order` are forgotten but not yet dropped.
    fn forgotten(&self) -> usize {
        let held = self.order.len() - usize::from(self.fresh);
        let past = |&&(seen_at, _): &&(Millis, u64)| seen_at < self.reach;
        self.order.iter().take(held).take_while(past).count()
    }
}

/// Drops the ids at the front of `order` older than `cutoff`, but for the last `kept`, counting them
/// into `first`.
fn forget(order: &mut VecDeque<(Millis, u64)>, first: &mut u64, cutoff: Millis, kept: usize) {
    while order.len() > kept && order.front().is_some_and(|&(seen_at, _)| seen_at < cutoff) {
        order.pop_front();
        *first += 1;
    }
}

/// In a state snapshot (`persist`): the horizon and the ids remembered, in arrival order.
impl serde::Serialize for Dedup {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let remembered = Remembered(self.order.range(self.forgotten()..));
        let mut state = serializer.serialize_struct("Dedup", 2)?;
        state.serialize_field("horizon_ms", &self.horizon_ms)?;
        state.serialize_field("order", &remembered)?;
        state.end()
    }
}

/// The ids of a [`Dedup`] serialised, a sequence of known length.
struct Remembered<'a>(std::collections::vec_deque::Iter<'a, (Millis, u64)>);

impl serde::Serialize for Remembered<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.clone())
    }
}

impl<'de> serde::Deserialize<'de> for Dedup {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(rename = "Dedup")]
        struct Stored {
            horizon_ms: Millis,
            order: VecDeque<(Millis, u64)>,
        }
        let stored = Stored::deserialize(deserializer)?;
        Ok(Dedup::remembering(stored.horizon_ms, stored.order))
    }
}

/// The hasher of id hashes, uniform already ([`id_hash`]): it hashes nothing again.
#[derive(Default)]
struct Uniform(u64);

impl std::hash::Hasher for Uniform {
    fn finish(&self) -> u64 {
        self.0
    }

    /// Not called for a `u64`; folds other bytes in, in case.
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

/// The hash an id is remembered by. Fixed keys: the same ids hash the same way in every process,
/// which keeps runs reproducible (and the hashes of a state snapshot valid in the next process).
pub fn id_hash(id: &str) -> u64 {
    static HASHER: std::sync::LazyLock<ahash::RandomState> = std::sync::LazyLock::new(|| {
        ahash::RandomState::with_seeds(0x6361_6c6c, 0x626f_6172, 0x6465_6475, 0x7030_0001)
    });
    HASHER.hash_one(id)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::center::settings::MINUTE;

    /// Forgetting done at once, as the horizon says: the ids remembered and their arrival order.
    struct Eager {
        horizon_ms: Millis,
        order: VecDeque<(Millis, u64)>,
    }

    impl Eager {
        fn is_duplicate(&mut self, hash: u64, time: Millis, latest: Millis) -> bool {
            let cutoff = latest.saturating_sub(self.horizon_ms);
            while self
                .order
                .front()
                .is_some_and(|&(seen_at, _)| seen_at < cutoff)
            {
                self.order.pop_front();
            }
            if self.order.iter().any(|&(_, seen)| seen == hash) {
                return true;
            }
            self.order.push_back((time, hash));
            false
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Ids from a small pool (often repeated; 0 among them) and a large one (enough to rebuild the
        /// lookup table), times out of order, and checks whose latest time runs ahead (a duplicate
        /// later than every event), with a state snapshot taken and restored now and then.
        #[test]
        fn lazy_forgetting_answers_as_forgetting_at_once(
            steps in prop::collection::vec(
                (prop_oneof![0..8u64, 0..1_000_000u64], 0..30i64, 0..60i64, 0..3i64, 0..40u8),
                1..1_000,
            ),
        ) {
            let horizon_ms = 5 * MINUTE;
            let mut dedup = Dedup::new(horizon_ms);
            let mut eager = Eager { horizon_ms, order: VecDeque::new() };
            let mut latest = 0;
            for (hash, advance, back, ahead, snapshot) in steps {
                latest += advance * 1_000;
                let time = latest - back * 1_000;
                // Now and then the latest time checked against runs ahead of the events'.
                let checked_latest = latest + ahead * 3 * MINUTE;
                let duplicate = eager.is_duplicate(hash, time, checked_latest);
                prop_assert_eq!(dedup.is_duplicate(hash, time, checked_latest), duplicate);
                prop_assert_eq!(dedup.len(), eager.order.len());
                if snapshot == 0 {
                    let bytes = postcard::to_allocvec(&dedup).unwrap();
                    dedup = postcard::from_bytes(&bytes).unwrap();
                    let remembered: Vec<_> = dedup.order.iter().copied().collect();
                    let expected: Vec<_> = eager.order.iter().copied().collect();
                    prop_assert_eq!(remembered, expected);
                }
            }
        }
    }

    #[test]
    fn repeats_within_the_horizon_are_duplicates_and_older_ones_are_forgotten() {
        let mut dedup = Dedup::new(600_000);
        assert!(!dedup.is_duplicate(id_hash("e1"), 0, 0));
        assert!(dedup.is_duplicate(id_hash("e1"), 1_000, 1_000));
        assert!(!dedup.is_duplicate(id_hash("e2"), 1_000, 1_000));
        // Eleven minutes later e1 is past the ten-minute horizon: seen again, it counts.
        assert!(!dedup.is_duplicate(id_hash("e1"), 660_000, 660_000));
        assert_eq!(dedup.len(), 1);
    }
}
