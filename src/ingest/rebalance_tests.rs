use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64};
use std::time::Duration;

use super::*;
use crate::board::{Board, Readiness};
use crate::center::settings::CenterSettings;
use crate::decode::DecodeLimits;
use crate::ingest::context::PartitionOffsets;
use crate::ingest::source::Format;
use crate::ingest::worker::RateLimit;
use crate::ingest::Clock;
use crate::telemetry::Telemetry;
use crate::tenants::SettingsOf;

const TOPIC: &str = "call-events";

/// A worker of an instance of `board` that owns nothing yet.
fn worker(board: &Arc<Board>) -> WorkerState {
    let settings_of: SettingsOf = Arc::new(|_: &str| CenterSettings::default());
    WorkerState {
        topic: TOPIC.to_string(),
        owned: HashMap::new(),
        format: Format::CallboardV1,
        scratch: Vec::new(),
        held: HashMap::new(),
        board: Arc::clone(board),
        telemetry: Arc::new(Telemetry::new()),
        settings_of,
        limits: DecodeLimits::default(),
        dead_letters: None,
        assigned_once: true,
        log_limit: RateLimit::new(),
        clock: Clock::EventTime,
        index: 0,
        kafka_unreachable_since: None,
        tick: Duration::from_secs(1),
        settle_after: Duration::from_secs(2),
        state_writer: None,
        state_every: Duration::from_secs(60),
        reloads: Arc::new(AtomicU64::new(0)),
        seen_reload: 0,
    }
}

/// `partition`, newly given to `worker` with `replay_until` offsets of history to replay, as the
/// assignment puts it on the board.
fn take(worker: &mut WorkerState, partition: i32, replay_until: i64) {
    let assignment = Assignment {
        partition,
        replay_until,
        read_before: replay_until,
        restored: None,
        resumed: false,
    };
    let tenants = Tenants::new(Arc::clone(&worker.settings_of), worker.limits);
    let offsets = Arc::new(PartitionOffsets {
        commit: AtomicI64::new(0),
        taken: AtomicI64::new(0),
    });
    let (format, settings_of) = (worker.format.clone(), Arc::clone(&worker.settings_of));
    let owned = Owned::assigned(&assignment, Start::New(tenants), offsets, || {
        Reader::new(format, settings_of)
    });
    let status = PartitionStatus {
        phase: owned.phase,
        lag: 0,
    };
    worker.board.set_partition(TOPIC, partition, status);
    worker.owned.insert(partition, owned);
}

#[test]
fn a_partition_held_while_replaying_keeps_the_instance_unready() {
    // Two workers: this one replays partition 6 (and has partition 4, with nothing to replay, live);
    // the other has partition 2, replayed and live.
    let board = Board::new(2);
    board.mark_assigned();
    board.mark_assigned();
    let mut replaying = worker(&board);
    take(&mut replaying, 6, 96_311);
    take(&mut replaying, 4, 0);
    let live = PartitionStatus {
        phase: Phase::Live,
        lag: 0,
    };
    board.set_partition(TOPIC, 2, live);
    assert_eq!(
        board.readiness(),
        Readiness::Replaying(vec![format!("{TOPIC}/6")])
    );
    // A rebalance takes both from this worker; the other worker's partition is given back first.
    replaying.on_revoked(vec![6, 4]);
    assert_eq!(replaying.held.len(), 2);
    assert_eq!(
        board.readiness(),
        Readiness::Replaying(vec![format!("{TOPIC}/6")]),
        "ready while partition 6's replay is held, unfinished"
    );
    let on_board: Vec<i32> = (board.partitions().iter())
        .map(|((_, partition), _)| *partition)
        .collect();
    assert_eq!(on_board, [2, 6], "a partition held live leaves the board");
}
