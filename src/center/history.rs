//! The time-ordered histories that rolling windows are summed from (a queue's and an agent's recent
//! tallies, an agent's timeline): one insert for all of them, so none can drift out of order.

use std::collections::VecDeque;

use crate::event::Millis;

/// Pushes onto a per-agent history, growing it by half rather than doubling when full: a hundred
/// thousand agents each keep an hour of it, so the spare capacity is a large share of their memory.
pub fn push_growing_by_half<T>(history: &mut VecDeque<T>, item: T) {
    if history.len() == history.capacity() {
        history.reserve_exact(history.len() / 2 + 2);
    }
    history.push_back(item);
}

/// Inserts `item` after every entry not later than it: in order at the back (the usual case, constant
/// time), and a late item a few places from the back. Readers may then stop at the first entry before
/// their window.
pub fn insert_in_time_order<T>(history: &mut VecDeque<T>, item: T, time_of: impl Fn(&T) -> Millis) {
    let time = time_of(&item);
    match history.back() {
        Some(last) if time_of(last) > time => {
            let at = history.partition_point(|earlier| time_of(earlier) <= time);
            history.insert(at, item);
        }
        _ => push_growing_by_half(history, item),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_late_entry_lands_in_time_order_and_equal_times_keep_arrival_order() {
        let mut history = VecDeque::new();
        for (time, label) in [
            (10, 'a'),
            (30, 'b'),
            (20, 'c'),
            (30, 'd'),
            (5, 'e'),
            (20, 'f'),
        ] {
            insert_in_time_order(&mut history, (time, label), |(time, _)| *time);
        }
        let order: String = history.iter().map(|(_, label)| label).collect();
        assert_eq!(order, "eacfbd");
    }
}
