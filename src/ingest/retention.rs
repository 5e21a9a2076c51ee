//! Whether a partition still holds the range a report asks for, pure: from its watermarks, the offset
//! offsets_for_times gave for the read start, and the time of its first kept record. Reads nothing.

use crate::decode::time::rfc3339;
use crate::event::Millis;

/// What a partition told about itself before it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionBounds {
    pub partition: i32,
    /// The first offset kept (above 0: records were deleted by retention or DeleteRecords).
    pub low: i64,
    /// The offset the next record will get.
    pub high: i64,
    /// The first offset stamped at or after the read start; `None`: no record is.
    pub start: Option<i64>,
}

/// What the partition holds of the range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retention {
    /// Everything from the read start on (or nothing was ever deleted).
    Whole,
    /// The range is whole, but records of the lead-in before it were deleted: a call begun then and
    /// ended within the range may be incomplete.
    LeadInCut { earliest_kept: Millis },
    /// Records of the range itself were deleted.
    RangeLost(RangeLost),
}

/// A partition that no longer holds the start of the range asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct RangeLost {
    pub partition: i32,
    /// The time of the first record still kept; `None`: none is (every record was deleted).
    pub earliest_kept: Option<Millis>,
    pub range_start: Millis,
}

impl RangeLost {
    fn describe(&self) -> String {
        let kept = match self.earliest_kept {
            Some(time) => format!("keeps records only from {}", rfc3339(time)),
            None => "keeps no records (all were deleted)".to_string(),
        };
        format!(
            "the range starts before the topic's retention: partition {} {kept}, the range asked starts at {}",
            self.partition,
            rfc3339(self.range_start)
        )
    }
}

impl PartitionBounds {
    /// Whether the first kept record decides: records were deleted and the read would start at the
    /// first one kept, so its time says how much of the range went with them.
    pub fn needs_first_kept(&self) -> bool {
        self.low > 0 && self.high > self.low && self.start.is_some_and(|start| start <= self.low)
    }

    /// What the partition holds of the range starting at `range_start` when read from `read_from`;
    /// `first_kept` is the time of the record at `low`, consulted only when [`Self::needs_first_kept`]
    /// (`None` there: the record had no time, and it is trusted).
    pub fn retention(
        &self,
        first_kept: Option<Millis>,
        read_from: Millis,
        range_start: Millis,
    ) -> Retention {
        if self.low <= 0 {
            return Retention::Whole;
        }
        if self.high <= self.low {
            return Retention::RangeLost(RangeLost {
                partition: self.partition,
                earliest_kept: None,
                range_start,
            });
        }
        if !self.needs_first_kept() {
            // A kept record is stamped before the read start: nothing after it was deleted.
            return Retention::Whole;
        }
        match first_kept {
            Some(kept) if kept > range_start => Retention::RangeLost(RangeLost {
                partition: self.partition,
                earliest_kept: Some(kept),
                range_start,
            }),
            Some(kept) if kept > read_from => Retention::LeadInCut {
                earliest_kept: kept,
            },
            _ => Retention::Whole,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const READ_FROM: Millis = 1_000_000;
    const RANGE_START: Millis = 2_000_000;

    fn bounds(low: i64, high: i64, start: Option<i64>) -> PartitionBounds {
        PartitionBounds {
            partition: 3,
            low,
            high,
            start,
        }
    }

    fn check(
        partition: PartitionBounds,
        first_kept: Option<Millis>,
        expected_needs: bool,
        expected: Retention,
    ) {
        assert_eq!(
            partition.needs_first_kept(),
            expected_needs,
            "{partition:?}"
        );
        assert_eq!(
            partition.retention(first_kept, READ_FROM, RANGE_START),
            expected,
            "{partition:?} first kept {first_kept:?}"
        );
    }

    #[test]
    fn a_partition_with_nothing_deleted_is_whole_whatever_its_first_record() {
        check(
            bounds(0, 10, Some(0)),
            Some(5_000_000),
            false,
            Retention::Whole,
        );
        check(bounds(0, 0, None), None, false, Retention::Whole);
    }

    #[test]
    fn a_read_starting_after_the_first_kept_record_is_whole() {
        // Offset 7 is the first at the read start and 5 is kept: 5 and 6 are older than the read start.
        check(bounds(5, 20, Some(7)), None, false, Retention::Whole);
        // Every kept record is older than the read start: nothing of the range was ever written.
        check(bounds(5, 20, None), None, false, Retention::Whole);
    }

    #[test]
    fn deleted_records_with_the_first_kept_after_the_range_start_lose_the_range() {
        let lost = RangeLost {
            partition: 3,
            earliest_kept: Some(RANGE_START + 1),
            range_start: RANGE_START,
        };
        check(
            bounds(5, 20, Some(5)),
            Some(RANGE_START + 1),
            true,
            Retention::RangeLost(lost),
        );
    }

    #[test]
    fn deleted_records_of_the_lead_in_only_cut_the_lead_in() {
        check(
            bounds(5, 20, Some(5)),
            Some(RANGE_START),
            true,
            Retention::LeadInCut {
                earliest_kept: RANGE_START,
            },
        );
        check(
            bounds(5, 20, Some(5)),
            Some(READ_FROM),
            true,
            Retention::Whole,
        );
        // A record without a time cannot say: it is trusted.
        check(bounds(5, 20, Some(5)), None, true, Retention::Whole);
    }

    #[test]
    fn a_partition_whose_every_record_was_deleted_has_lost_the_range() {
        let expected = Retention::RangeLost(RangeLost {
            partition: 3,
            earliest_kept: None,
            range_start: RANGE_START,
        });
        check(bounds(20, 20, None), None, false, expected);
    }

    #[test]
    fn the_error_names_the_partition_the_earliest_time_kept_and_the_range() {
        let lost = RangeLost {
            partition: 2,
            earliest_kept: Some(1_793_577_600_000),
            range_start: 1_793_505_600_000,
        };
        assert_eq!(
            lost.to_string(),
            "the range starts before the topic's retention: partition 2 keeps records only from \
             2026-11-02T00:00:00.000Z, the range asked starts at 2026-11-01T04:00:00.000Z"
        );
    }
}
