use std::time::Duration;

use super::*;
use crate::center::settings::CenterSettings;
use crate::center::Center;

fn snapshot_of(tenant: &str) -> CenterSnapshot {
    Center::new(Id::from(tenant), CenterSettings::default()).snapshot(0)
}

#[test]
fn a_tenant_moved_to_another_worker_stays_when_the_first_lets_go_after_the_second_published() {
    let board = Board::new(2);
    // Worker 1 owned acme's partition; the group gave it to worker 0, which published first.
    board.publish_in(snapshot_of("acme"), Phase::Live, 1);
    board.hold("acme", 1);
    assert!(board.is_held("acme"));
    board.publish_in(snapshot_of("acme"), Phase::Live, 0);
    board.withdraw("acme", 1);
    board.hold("acme", 1);
    assert!(board.snapshot("acme").is_some(), "worker 0's tenant kept");
    assert!(board.is_live("acme"), "not held by the worker that let go");
    assert!(!board.snapshot("acme").unwrap().stale);
    // Its owner withdraws it (the partition went to another instance).
    board.withdraw("acme", 0);
    assert!(board.snapshot("acme").is_none());
}

#[test]
fn a_tenant_let_go_before_the_new_worker_publishes_comes_back_with_its_publication() {
    let board = Board::new(2);
    board.publish_in(snapshot_of("acme"), Phase::Live, 1);
    board.hold("acme", 1);
    board.withdraw("acme", 1);
    assert!(board.snapshot("acme").is_none());
    board.publish_in(snapshot_of("acme"), Phase::Replaying, 0);
    assert!(board.snapshot("acme").is_some());
    assert!(!board.is_live("acme"), "replaying");
}

#[test]
fn a_start_owning_part_of_a_topic_whose_partition_count_is_unknown_waits_until_it_is_learned() {
    let board = Board::new(1);
    board.mark_assigned();
    board.set_partition(
        "calls",
        0,
        PartitionStatus {
            phase: Phase::Live,
            lag: 0,
        },
    );
    let joined = Instant::now();
    let session = Duration::from_secs(60);
    board.begin_settling("calls", Settling::new(joined, session, None));
    assert!(!board.settling_known("calls"));
    assert_eq!(board.readiness(), Readiness::GroupSettling);
    // A later assignment learns the count: one partition, owned. The first join's deadline stays.
    board.begin_settling(
        "calls",
        Settling::new(joined + Duration::from_secs(30), session, Some(1)),
    );
    assert!(board.settling_known("calls"));
    assert_eq!(board.readiness(), Readiness::Ready);
    board.begin_settling("calls", Settling::new(joined, session, Some(2)));
    assert_eq!(
        board.readiness(),
        Readiness::Ready,
        "a count once learned is kept"
    );
}

#[test]
fn what_a_reader_derived_from_a_snapshot_lives_no_longer_than_its_turn() {
    let board = Board::new(1);
    board.publish(snapshot_of("acme"));
    let first = board.snapshot("acme").unwrap();
    let text: Derived = Arc::new("text of the first".to_string());
    board.keep_derived(&first, Arc::clone(&text));
    let kept = board.derived(&first).unwrap();
    assert_eq!(kept.downcast_ref::<String>().unwrap(), "text of the first");
    drop(kept);

    // The next publication drops it; a value derived from the older snapshot is not kept.
    board.publish(snapshot_of("acme"));
    let second = board.snapshot("acme").unwrap();
    assert!(board.derived(&first).is_none() && board.derived(&second).is_none());
    board.keep_derived(&first, Arc::clone(&text));
    assert!(board.derived(&second).is_none());
    assert_eq!(
        Arc::strong_count(&text),
        1,
        "nothing kept for the older snapshot"
    );

    // Holding (a stale copy is the tenant's snapshot now) and withdrawing drop it too.
    board.keep_derived(&second, Arc::clone(&text));
    board.hold("acme", 0);
    let stale = board.snapshot("acme").unwrap();
    assert!(board.derived(&second).is_none() && board.derived(&stale).is_none());
    board.keep_derived(&stale, Arc::clone(&text));
    board.withdraw("acme", 0);
    assert_eq!(Arc::strong_count(&text), 1);
}
