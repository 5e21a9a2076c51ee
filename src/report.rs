//! Interval reports (CSV / JSON Lines) from center snapshots.
