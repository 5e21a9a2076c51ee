//! Partitions moving while messages are in flight, against librdkafka's mock cluster: a rebalance in
//! the middle of a stream must neither lose a message nor count one twice (one of a partition taken
//! away and given back, or replayed by its new owner).

mod common;

use std::time::Duration;

use callboard::event::Event;
use callboard::ingest::Clock;
use callboard::service::{self, Service};
use callboard::sim::{simulate, SimOptions};
use common::assert_same_figures;
use common::mock_group::{cluster, config, counted, offline, produce, wait_for};

/// Eight small centers' mornings, interleaved in time order: enough tenants that each of the four
/// partitions carries some.
fn events() -> Vec<Event> {
    let mut all = Vec::new();
    for seed in 1..=8u64 {
        let options = SimOptions {
            seed,
            tenant: format!("center-{seed}"),
            agents: 8,
            queues: 2,
            peak_calls_per_hour: 60.0,
            hours: 6,
            ..SimOptions::default()
        };
        simulate(&options, |event| all.push(event));
    }
    all.sort_by_key(|event| event.time);
    all
}

/// Which of `services` serves `tenant` (exactly one must).
fn server_of<'a>(services: &[&'a Service], tenant: &str) -> &'a Service {
    let serving: Vec<&Service> = services
        .iter()
        .copied()
        .filter(|service| service.board.snapshot(tenant).is_some())
        .collect();
    assert_eq!(
        serving.len(),
        1,
        "{tenant} served by {} instances",
        serving.len()
    );
    serving[0]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_joins_mid_stream_and_nothing_is_lost_or_counted_twice() {
    let cluster = cluster();
    let brokers = cluster.bootstrap_servers();
    let all = events();
    let half = all.len() / 2;
    // Two workers: the join revokes every partition from both and gives some back (held state goes
    // on from where it was; what went to the newcomer is withdrawn here and replayed there).
    let first = service::start(config(&brokers, 2), Clock::EventTime)
        .await
        .unwrap();
    produce(&brokers, &all[..half]);
    wait_for("the first half", Duration::from_secs(180), || {
        counted(&[&first]) == half as u64
    })
    .await;
    let second = service::start(config(&brokers, 1), Clock::EventTime)
        .await
        .unwrap();
    // The second half arrives while the group rebalances.
    produce(&brokers, &all[half..]);
    wait_for("the newcomer's partition", Duration::from_secs(60), || {
        !second.board.partitions().is_empty()
    })
    .await;
    wait_for("every event, once", Duration::from_secs(180), || {
        counted(&[&first, &second]) == all.len() as u64
            && first.board.partitions().len() + second.board.partitions().len() == 4
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(counted(&[&first, &second]), all.len() as u64, "settled");
    let expected = offline(&all);
    let mut moved = 0;
    for center in expected.centers() {
        let tenant = center.tenant();
        let server = server_of(&[&first, &second], tenant);
        moved += usize::from(std::ptr::eq(server, &second));
        let own: Vec<Event> = all
            .iter()
            .filter(|event| event.tenant.as_str() == tenant)
            .cloned()
            .collect();
        assert_same_figures(server, &offline(&own));
    }
    assert!(
        moved > 0,
        "no tenant moved to the newcomer: the test shows nothing"
    );
    first.stop().await;
    second.stop().await;
}
