//! Duplicate detection by event id within a bounded horizon of event time. Ids are remembered by a
//! 64-bit hash, so memory is 16 bytes an event over the horizon whatever the ids' length; two distinct
//! ids collide with probability about n²/2⁶⁵ (negligible below billions of events per horizon).

use std::collections::{HashSet, VecDeque};

use crate::event::Millis;

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Dedup {
    horizon_ms: Millis,
    /// Not kept in a state snapshot: the hashes in `order` (see [`Dedup::restored`]).
    #[serde(skip)]
    seen: HashSet<u64, ahash::RandomState>,
    /// (event time, id hash) in arrival order, for forgetting ids older than the horizon.
    order: VecDeque<(Millis, u64)>,
}

impl Dedup {
    pub fn new(horizon_ms: Millis) -> Self {
        Dedup {
            horizon_ms,
            seen: HashSet::default(),
            order: VecDeque::new(),
        }
    }

    /// True when the id of hash `hash` ([`id_hash`]) was seen within the horizon before `latest`; else
    /// remembers it at `time`.
    pub fn is_duplicate(&mut self, hash: u64, time: Millis, latest: Millis) -> bool {
        let cutoff = latest.saturating_sub(self.horizon_ms);
        while let Some(&(seen_at, hash)) = self.order.front() {
            if seen_at >= cutoff {
                break;
            }
            self.order.pop_front();
            self.seen.remove(&hash);
        }
        if !self.seen.insert(hash) {
            return true;
        }
        self.order.push_back((time, hash));
        false
    }

    /// Finishes a `Dedup` decoded from a state snapshot (`persist`): the ids remembered are those of
    /// `order`, one entry per id.
    pub(crate) fn restored(&mut self) {
        self.seen = self.order.iter().map(|(_, hash)| *hash).collect();
    }

    pub fn len(&self) -> usize {
        self.seen.len()
    }

    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
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
    use super::*;

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
