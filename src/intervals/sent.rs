//! What of the closed records is still to send: those whose value differs from the one last sent
//! under their key, and, after a start or a takeover (nothing sent yet), from the one the topic holds.
//! Pure: the producer (`export::intervals_topic`) keeps the hashes and sends.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::rows::Record;
use crate::decode::adapter::fnv1a;

/// The FNV-1a hash of each key's value as last sent by this instance.
#[derive(Debug, Default)]
pub struct Sent {
    hashes: HashMap<String, u64>,
}

impl Sent {
    /// The records to send now: new keys and changed values, except those whose value the topic
    /// already holds (`in_topic(record)`: read back, so a restart does not send a day again), which
    /// count as sent from here on.
    pub fn unsent<'a>(
        &mut self,
        records: &'a [Record],
        in_topic: impl Fn(&Record) -> bool,
    ) -> Vec<&'a Record> {
        let mut unsent = Vec::new();
        for record in records {
            let hash = fnv1a(record.value.as_bytes());
            if self.hashes.get(&record.key) == Some(&hash) {
                continue;
            }
            if in_topic(record) {
                self.hashes.insert(record.key.clone(), hash);
            } else {
                unsent.push(record);
            }
        }
        unsent
    }

    /// `record` is in the topic (sent, or found there).
    pub fn mark(&mut self, record: &Record) {
        let hash = fnv1a(record.value.as_bytes());
        self.hashes.insert(record.key.clone(), hash);
    }

    /// Keeps only the keys for which `keep` holds (those still published), so the map stays as small as
    /// the kept days.
    pub fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        self.hashes.retain(|key, _| keep(key));
    }

    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }
}

/// What a tenant's records need of the producer: its [`Sent`], and the set itself once every record
/// of it is in the topic. Workers publish a new set (a new `Arc`) at each build, so while the board
/// still holds that same set there is nothing to look at: no value hashed, no key compared.
#[derive(Debug, Default)]
pub struct TenantSent {
    sent: Sent,
    settled: Option<Arc<Vec<Record>>>,
}

impl TenantSent {
    /// The records of `records` to send now ([`Sent::unsent`]), or `None` when `records` is the set
    /// already settled. Keys the set no longer holds (days past retention) are forgotten.
    pub fn unsent<'a>(
        &mut self,
        records: &'a Arc<Vec<Record>>,
        in_topic: impl Fn(&Record) -> bool,
    ) -> Option<Vec<&'a Record>> {
        if (self.settled.as_ref()).is_some_and(|settled| Arc::ptr_eq(settled, records)) {
            return None;
        }
        self.settled = None;
        let unsent = self.sent.unsent(records, in_topic);
        let keys: HashSet<&str> = records.iter().map(|record| record.key.as_str()).collect();
        self.sent.retain(|key| keys.contains(key));
        Some(unsent)
    }

    /// `record` is in the topic (sent, or found there).
    pub fn mark(&mut self, record: &Record) {
        self.sent.mark(record);
    }

    /// Every record of `records` is in the topic now.
    pub fn settle(&mut self, records: &Arc<Vec<Record>>) {
        self.settled = Some(Arc::clone(records));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(key: &str, value: &str) -> Record {
        Record {
            key: key.to_string(),
            value: value.to_string(),
        }
    }

    fn keys(records: &[&Record]) -> Vec<String> {
        records.iter().map(|record| record.key.clone()).collect()
    }

    #[test]
    fn only_new_and_changed_values_are_sent_and_what_the_topic_holds_is_not_sent_again() {
        let mut sent = Sent::default();
        let first = [record("a", "1"), record("b", "2")];
        let nowhere = |_: &Record| false;
        assert_eq!(keys(&sent.unsent(&first, nowhere)), ["a", "b"]);
        for record in &first {
            sent.mark(record);
        }
        assert!(sent.unsent(&first, nowhere).is_empty());
        // b changed (a late event), c is new: exactly those two.
        let second = [record("a", "1"), record("b", "3"), record("c", "4")];
        assert_eq!(keys(&sent.unsent(&second, nowhere)), ["b", "c"]);
        // After a restart nothing was sent, but the topic holds a and b as they are: c alone, and
        // a and b count as sent (the topic is not asked again).
        let mut restarted = Sent::default();
        let held = |record: &Record| record.key != "c";
        assert_eq!(keys(&restarted.unsent(&second, held)), ["c"]);
        assert_eq!(restarted.len(), 2);
        let asked_again = |_: &Record| panic!("a and b are known as sent");
        assert_eq!(
            keys(&restarted.unsent(&second[..2], asked_again)),
            Vec::<String>::new()
        );
    }

    #[test]
    fn keys_no_longer_published_are_forgotten() {
        let mut sent = Sent::default();
        sent.mark(&record("acme/queue/q/2026-11-26T09:00:00Z", "1"));
        sent.mark(&record("acme/queue/q/2026-11-27T09:00:00Z", "1"));
        sent.retain(|key| key.ends_with("2026-11-27T09:00:00Z"));
        assert_eq!(sent.len(), 1);
    }

    #[test]
    fn a_settled_set_is_not_looked_at_again_and_a_new_one_is() {
        let mut tenant = TenantSent::default();
        let nowhere = |_: &Record| false;
        let first = Arc::new(vec![record("a", "1"), record("b", "2")]);
        let unsent = tenant.unsent(&first, nowhere).unwrap();
        assert_eq!(keys(&unsent), ["a", "b"]);
        // b failed: the same set is looked at again, and only b is due.
        tenant.mark(&first[0]);
        assert_eq!(keys(&tenant.unsent(&first, nowhere).unwrap()), ["b"]);
        tenant.mark(&first[1]);
        tenant.settle(&first);
        let asked = |_: &Record| panic!("a settled set asks the topic nothing");
        assert!(tenant.unsent(&first, asked).is_none());
        // The next build: a new set with a equal, b changed and a gone day's c dropped.
        let second = Arc::new(vec![record("a", "1"), record("b", "3")]);
        assert_eq!(keys(&tenant.unsent(&second, nowhere).unwrap()), ["b"]);
        // The same records built again are another set: looked at, and nothing is due.
        tenant.mark(&second[1]);
        let third = Arc::new(vec![record("a", "1"), record("b", "3")]);
        assert_eq!(
            tenant.unsent(&third, nowhere).map(|unsent| unsent.len()),
            Some(0)
        );
    }

    #[test]
    fn keys_a_new_set_no_longer_holds_are_forgotten() {
        let mut tenant = TenantSent::default();
        let nowhere = |_: &Record| false;
        let first = Arc::new(vec![record("a", "1"), record("b", "2")]);
        tenant.unsent(&first, nowhere);
        tenant.mark(&first[0]);
        tenant.mark(&first[1]);
        let second = Arc::new(vec![record("b", "2")]);
        assert!(tenant.unsent(&second, nowhere).unwrap().is_empty());
        assert_eq!(tenant.sent.len(), 1);
        // A key forgotten and published again is sent again.
        assert_eq!(keys(&tenant.unsent(&first, nowhere).unwrap()), ["a"]);
    }
}
