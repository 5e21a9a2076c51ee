//! When the consumer group has settled around a starting instance. A run killed before it could leave
//! the group (`kill -9`, out of memory, a lost node) keeps its members — and their partitions — until
//! the broker's session timeout drops them. Restarted within that time, an instance may be given only
//! part of the partitions (or none; Kafka's own coordinator holds the join until the old members expire,
//! simpler brokers hand out what is free), and must not report ready on them.
//!
//! Which members are a dead run's cannot be asked portably (DescribeGroups is optional for Kafka-protocol
//! brokers, and tansu's breaks the connection), so the rule is one of time: an instance that owns fewer
//! than all of its topic's partitions is settling until the session timeout, plus a margin for the
//! rebalance that follows the old members' expiry, has passed since it joined. Owning every partition
//! settles at once. The price: in a group of several instances each start waits out the session timeout
//! before it is ready (lower `session.timeout.ms` to shorten it).

use std::time::{Duration, Instant};

/// Beyond the session timeout: the time the broker takes to notice the expiry and to rebalance.
pub const SETTLE_MARGIN: Duration = Duration::from_secs(5);

/// Until when a starting instance that owns only part of its partitions waits for the group to settle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settling {
    pub until: Instant,
    /// The topic's partition count, once the brokers told it (a loaded broker may answer a metadata
    /// request with an error for the topic): until then the instance cannot know it owns them all, and
    /// waits the whole time.
    pub partitions: Option<usize>,
}

impl Settling {
    /// An instance that joined at `joined` a group with this session timeout, on a topic of
    /// `partitions` partitions (`None`: not known yet).
    pub fn new(joined: Instant, session_timeout: Duration, partitions: Option<usize>) -> Settling {
        Settling {
            until: joined + session_timeout + SETTLE_MARGIN,
            partitions: partitions.filter(|count| *count > 0),
        }
    }

    /// Whether an instance owning `owned` partitions at `now` still waits.
    pub fn waits(&self, owned: usize, now: Instant) -> bool {
        now < self.until && self.partitions.is_none_or(|partitions| owned < partitions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SESSION: Duration = Duration::from_secs(6);

    #[test]
    fn owning_every_partition_settles_at_once() {
        let joined = Instant::now();
        let settling = Settling::new(joined, SESSION, Some(8));
        assert!(!settling.waits(8, joined));
    }

    #[test]
    fn an_unknown_or_empty_partition_count_waits_the_whole_time() {
        let joined = Instant::now();
        for unknown in [None, Some(0)] {
            let settling = Settling::new(joined, SESSION, unknown);
            assert!(settling.waits(8, joined + Duration::from_millis(10_999)));
            assert!(!settling.waits(8, joined + Duration::from_secs(11)));
        }
    }

    #[test]
    fn owning_part_waits_until_the_session_timeout_and_margin_have_passed() {
        let joined = Instant::now();
        let settling = Settling::new(joined, SESSION, Some(8));
        // 6 s session + 5 s margin: waiting at 10.999 s, settled at 11 s.
        assert!(settling.waits(3, joined + Duration::from_millis(10_999)));
        assert!(settling.waits(0, joined + Duration::from_millis(10_999)));
        assert!(!settling.waits(3, joined + Duration::from_secs(11)));
    }
}
