//! The service against librdkafka's mock cluster (a real Kafka-protocol broker in process): workers
//! sharing partitions, a member leaving and another taking over, the broker going down and up, and
//! garbage on the topic. Every time, the figures equal those of the same events replayed offline.

mod common;

use std::time::{Duration, Instant};

use callboard::event::Event;
use callboard::ingest::produce::EventProducer;
use callboard::ingest::Clock;
use callboard::service::{self, Service};
use common::assert_same_figures;
use common::mock_group::{
    cluster, config, counted, events, offline, produce, wait_for, DEAD, TOPIC,
};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message};
use rdkafka::ClientConfig;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_share_partitions_and_match_the_offline_figures() {
    let cluster = cluster();
    let brokers = cluster.bootstrap_servers();
    let all = events();
    produce(&brokers, &all);
    let service = service::start(config(&brokers, 2), Clock::EventTime)
        .await
        .unwrap();
    wait_for("every event", Duration::from_secs(180), || {
        counted(&[&service]) == all.len() as u64
    })
    .await;
    wait_for("readiness", Duration::from_secs(10), || {
        service.board.is_ready()
    })
    .await;
    // Both workers own partitions.
    assert_eq!(service.board.partitions().len(), 4);
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_same_figures(&service, &offline(&all));
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_leaves_and_the_other_takes_over_without_loss() {
    let cluster = cluster();
    let brokers = cluster.bootstrap_servers();
    let all = events();
    let half = all.len() / 2;
    let first = service::start(config(&brokers, 1), Clock::EventTime)
        .await
        .unwrap();
    let second = service::start(config(&brokers, 1), Clock::EventTime)
        .await
        .unwrap();
    produce(&brokers, &all[..half]);
    wait_for("the first half", Duration::from_secs(180), || {
        counted(&[&first, &second]) == half as u64
    })
    .await;
    assert!(
        !first.board.partitions().is_empty() && !second.board.partitions().is_empty(),
        "both own partitions"
    );
    first.stop().await;
    produce(&brokers, &all[half..]);
    wait_for("the takeover", Duration::from_secs(180), || {
        counted(&[&second]) == all.len() as u64
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_same_figures(&second, &offline(&all));
    second.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_broker_goes_down_and_comes_back() {
    // The service's log shows in the test's output when it fails.
    callboard::telemetry::init(callboard::telemetry::LogFormat::Human);
    let cluster = cluster();
    let brokers = cluster.bootstrap_servers();
    let all = events();
    let half = all.len() / 2;
    let service = service::start(config(&brokers, 2), Clock::EventTime)
        .await
        .unwrap();
    produce(&brokers, &all[..half]);
    wait_for("the first half", Duration::from_secs(180), || {
        counted(&[&service]) == half as u64
    })
    .await;
    wait_for("readiness", Duration::from_secs(30), || {
        service.board.is_ready()
    })
    .await;
    assert_eq!(
        kafka_up(&service).await,
        vec![1, 1],
        "two workers, both connected"
    );
    cluster.broker_down(1).unwrap();
    // The outage shows at once in callboard_kafka_up, and in readiness after the 10 s grace.
    let down = Instant::now();
    while !kafka_up(&service).await.iter().all(|up| *up == 0) {
        assert!(
            down.elapsed() < Duration::from_secs(20),
            "outage never exported"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(service.board.is_ready(), "ready within the grace");
    wait_for("readiness to fail", Duration::from_secs(30), || {
        service.board.readiness() == callboard::board::Readiness::KafkaUnreachable
    })
    .await;
    assert!(
        down.elapsed() >= Duration::from_secs(10),
        "not before the grace"
    );
    let figures_during = counted(&[&service]);
    assert_eq!(
        figures_during, half as u64,
        "figures kept through the outage"
    );
    cluster.broker_up(1).unwrap();
    let up = Instant::now();
    while !kafka_up(&service).await.iter().all(|up| *up == 1) {
        assert!(
            up.elapsed() < Duration::from_secs(30),
            "reconnection never exported"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    wait_for(
        "readiness after the outage",
        Duration::from_secs(30),
        || service.board.is_ready(),
    )
    .await;
    produce(&brokers, &all[half..]);
    let waiting = Instant::now();
    while counted(&[&service]) != all.len() as u64 {
        assert!(
            waiting.elapsed() < Duration::from_secs(180),
            "timed out waiting for the second half: counted {} of {}, partitions {:?}",
            counted(&[&service]),
            all.len(),
            service.board.partitions()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_same_figures(&service, &offline(&all));
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_is_counted_dead_lettered_and_changes_nothing() {
    let cluster = cluster();
    let brokers = cluster.bootstrap_servers();
    let all = events();
    let garbage: Vec<Vec<u8>> = vec![
        b"{not json".to_vec(),
        b"[1,2,3]".to_vec(),
        br#"{"type":"call.teleported","time":"2026-11-23T09:00:00Z","tenant":"acme"}"#.to_vec(),
        br#"{"type":"call.queued","time":"yesterday","tenant":"acme","call":"x","queue":"q"}"#
            .to_vec(),
        vec![0xff, 0xfe, 0x00],
        format!(
            r#"{{"type":"call.queued","time":0,"tenant":"acme","call":"c","queue":"{}"}}"#,
            "q".repeat(70_000)
        )
        .into_bytes(),
    ];
    let mut producer = EventProducer::new(
        &brokers,
        TOPIC,
        &[("message.max.bytes".into(), "2000000".into())],
    )
    .unwrap();
    for (index, event) in all.iter().enumerate() {
        if index % 500 == 0 {
            for payload in &garbage {
                producer.send_raw(b"acme", payload).unwrap();
            }
        }
        producer.send(event).unwrap();
    }
    producer.flush().unwrap();
    let garbage_sent = all.len().div_ceil(500) * garbage.len();
    let service = service::start(config(&brokers, 2), Clock::EventTime)
        .await
        .unwrap();
    wait_for("every event", Duration::from_secs(180), || {
        counted(&[&service]) >= all.len() as u64
    })
    .await;
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert_same_figures(&service, &offline(&all));
    let metrics = service.board.snapshots();
    assert!(!metrics.is_empty());
    let text = reqwest_metrics(&service).await;
    let rejected: u64 = text
        .lines()
        .filter(|line| line.starts_with("callboard_events_rejected_total{"))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<u64>().ok())
        .sum();
    assert_eq!(rejected, garbage_sent as u64, "{text}");
    assert!(text.contains(&format!(
        "callboard_events_rejected_total{{reason=\"too_large\"}} {}",
        all.len().div_ceil(500)
    )));
    service.stop().await;
    // Every rejected message reached the dead-letter topic, unchanged, with its reason.
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", &brokers)
        .set("group.id", "dead-letter-check")
        .set("auto.offset.reset", "earliest")
        .create()
        .unwrap();
    consumer.subscribe(&[DEAD]).unwrap();
    let mut dead = Vec::new();
    let started = Instant::now();
    while dead.len() < garbage_sent && started.elapsed() < Duration::from_secs(30) {
        if let Some(Ok(message)) = consumer.poll(Duration::from_millis(200)) {
            let reason = message
                .headers()
                .and_then(|headers| {
                    headers
                        .iter()
                        .find(|header| header.key == "callboard-reject-reason")
                })
                .and_then(|header| {
                    header
                        .value
                        .map(|value| String::from_utf8_lossy(value).to_string())
                });
            dead.push((message.payload().unwrap_or_default().to_vec(), reason));
        }
    }
    assert_eq!(dead.len(), garbage_sent);
    assert!(dead
        .iter()
        .any(|(payload, reason)| payload == b"{not json"
            && reason.as_deref() == Some("malformed_json")));
    assert!(dead
        .iter()
        .any(|(_, reason)| reason.as_deref() == Some("too_large")));
}

/// `/metrics` over real HTTP.
async fn reqwest_metrics(service: &Service) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut socket = tokio::net::TcpStream::connect(service.address)
        .await
        .unwrap();
    socket
        .write_all(b"GET /metrics HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut response = Vec::new();
    socket.read_to_end(&mut response).await.unwrap();
    String::from_utf8_lossy(&response).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_changes_thresholds_without_a_restart() {
    let cluster = cluster();
    let brokers = cluster.bootstrap_servers();
    let all = events();
    produce(&brokers, &all);
    let service = service::start(config(&brokers, 1), Clock::EventTime)
        .await
        .unwrap();
    wait_for("every event", Duration::from_secs(180), || {
        counted(&[&service]) == all.len() as u64
    })
    .await;
    let threshold_of = |service: &Service| {
        let snapshot = service.board.snapshot("acme").unwrap();
        let queue = snapshot
            .queues
            .iter()
            .find(|queue| queue.queue == "billing")
            .unwrap()
            .clone();
        (queue.threshold_seconds, queue.service_level_target)
    };
    assert_eq!(threshold_of(&service), (20.0, 0.8));
    let mut reloaded = config(&brokers, 1);
    reloaded.queues.insert(
        "billing".to_string(),
        callboard::config::QueueConfig {
            threshold: Some(callboard::config::Duration(60_000)),
            service_level_target: Some(0.9),
            ..Default::default()
        },
    );
    service.reload(reloaded);
    // The workers take the new settings at their next tick and republish.
    wait_for("the reload", Duration::from_secs(30), || {
        threshold_of(&service) == (60.0, 0.9)
    })
    .await;
    service.stop().await;
}

/// Live, one event stamped far in the future must not make the tenant's true events late.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_from_the_future_is_rejected_live() {
    use callboard::event::{EventKind, Id};
    let cluster = cluster();
    let brokers = cluster.bootstrap_servers();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let queued = |time: i64, call: &str| Event {
        time,
        tenant: Id::from("acme"),
        id: None,
        kind: EventKind::CallQueued {
            caller: None,
            call: Id::from(call),
            queue: Id::from("q"),
            priority: None,
            direction: Default::default(),
        },
    };
    let events = vec![
        queued(now - 2_000, "c1"),
        queued(253_402_300_000_000, "from-9999"),
        queued(now - 1_000, "c2"),
    ];
    produce(&brokers, &events);
    let service = service::start(config(&brokers, 1), Clock::Wall)
        .await
        .unwrap();
    wait_for("both true events", Duration::from_secs(60), || {
        service.board.snapshot("acme").is_some_and(|snapshot| {
            snapshot
                .queues
                .first()
                .is_some_and(|queue| queue.calls_waiting == 2)
        })
    })
    .await;
    let metrics = reqwest_metrics(&service).await;
    assert!(
        metrics.contains("callboard_events_rejected_total{reason=\"bad_time\"} 1"),
        "{metrics}"
    );
    service.stop().await;
}

/// The group's committed offset of each partition, as another client of the group reads it.
fn committed_total(brokers: &str, group: &str) -> i64 {
    let reader: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", group)
        .create()
        .unwrap();
    let mut partitions = rdkafka::TopicPartitionList::new();
    for partition in 0..4 {
        partitions.add_partition(TOPIC, partition);
    }
    let committed = reader
        .committed_offsets(partitions, Duration::from_secs(10))
        .unwrap();
    committed
        .elements()
        .iter()
        .map(|element| match element.offset() {
            rdkafka::Offset::Offset(offset) => offset,
            _ => 0,
        })
        .sum()
}

/// Offsets are committed while the service runs (every tick), not only at a clean stop: once every
/// event is taken, the group's committed offsets add up to the number of messages produced, with the
/// service still running (a `kill -9` then replays nothing as live).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offsets_are_committed_while_the_service_runs() {
    let cluster = cluster();
    let brokers = cluster.bootstrap_servers();
    let all = events();
    produce(&brokers, &all);
    let config = config(&brokers, 1);
    let group = config.kafka.group_id.clone();
    let service = service::start(config, Clock::EventTime).await.unwrap();
    wait_for("every event", Duration::from_secs(180), || {
        counted(&[&service]) == all.len() as u64
    })
    .await;
    let produced = all.len() as i64;
    let started = Instant::now();
    let mut committed = committed_total(&brokers, &group);
    while committed != produced && started.elapsed() < Duration::from_secs(15) {
        tokio::time::sleep(Duration::from_millis(250)).await;
        committed = committed_total(&brokers, &group);
    }
    assert_eq!(committed, produced, "offsets committed while running");
    service.stop().await;
}

/// Every compression codec a producer may use (gzip, snappy, lz4, zstd; zstd is common on managed
/// Kafka) is read: each codec's share of the events is produced compressed with it, and the service
/// counts them all and shows the figures of the same events offline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compressed_topics_are_read_whatever_the_codec() {
    let cluster = cluster();
    let brokers = cluster.bootstrap_servers();
    let all = events();
    let codecs = ["gzip", "snappy", "lz4", "zstd"];
    let share = all.len().div_ceil(codecs.len());
    for (codec, part) in codecs.iter().zip(all.chunks(share)) {
        let properties = [("compression.type".to_string(), codec.to_string())];
        let mut producer = EventProducer::new(&brokers, TOPIC, &properties).unwrap();
        for event in part {
            producer.send(event).unwrap();
        }
        producer.flush().unwrap();
    }
    let service = service::start(config(&brokers, 1), Clock::EventTime)
        .await
        .unwrap();
    wait_for(
        "every event, whatever its codec",
        Duration::from_secs(180),
        || counted(&[&service]) == all.len() as u64,
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_same_figures(&service, &offline(&all));
    service.stop().await;
}

/// `callboard_events_total{outcome="applied",phase}` as the service exports it.
async fn applied_in_phase(service: &Service, phase: &str) -> u64 {
    let metrics = reqwest_metrics(service).await;
    let prefix = format!("callboard_events_total{{outcome=\"applied\",phase=\"{phase}\"}} ");
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(prefix.as_str()))
        .map_or(0, |value| value.trim().parse().unwrap())
}

/// Events already on the topic at the start are replayed to rebuild state and counted as replay;
/// events produced afterwards are live. When the stream stops, the lateness buffer is settled after the
/// lateness (here 2 s) on the wall clock, so the counts reach every event produced, not all but the
/// last lateness of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_and_live_are_counted_apart_and_a_quiet_stream_settles() {
    let cluster = cluster();
    let brokers = cluster.bootstrap_servers();
    let all = events();
    let half = all.len() / 2;
    produce(&brokers, &all[..half]);
    let mut config = config(&brokers, 1);
    config.engine.lateness = callboard::config::Duration(2_000);
    let service = service::start(config, Clock::EventTime).await.unwrap();
    let started = Instant::now();
    while applied_in_phase(&service, "replay").await != half as u64 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "replay never settled"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(applied_in_phase(&service, "live").await, 0);
    produce(&brokers, &all[half..]);
    let live = (all.len() - half) as u64;
    while applied_in_phase(&service, "live").await != live {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "live never settled"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(applied_in_phase(&service, "replay").await, half as u64);
    service.stop().await;
}

/// Each worker's `callboard_kafka_up` as the service exports it.
async fn kafka_up(service: &Service) -> Vec<i64> {
    reqwest_metrics(service)
        .await
        .lines()
        .filter(|line| line.starts_with("callboard_kafka_up{"))
        .map(|line| line.rsplit(' ').next().unwrap().trim().parse().unwrap())
        .collect()
}

/// A restart with a state topic loads each partition's state as written at the stop and reads on from
/// the offset it reflects: nothing is replayed (`callboard_events_total{phase="replay"}` stays 0), the
/// events produced while it was down count as live, and the figures equal those of all the events
/// offline (the same restart without a state topic counts the first half again as replay:
/// `replay_and_live_are_counted_apart_and_a_quiet_stream_settles`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_loads_the_state_topic_instead_of_replaying() {
    let cluster = cluster();
    cluster.create_topic("callboard-state", 2, 1).unwrap();
    let brokers = cluster.bootstrap_servers();
    let all = events();
    let half = all.len() / 2;
    produce(&brokers, &all[..half]);
    let with_state = || {
        let mut config = config(&brokers, 1);
        config.kafka.state_topic = Some("callboard-state".to_string());
        config.engine.lateness = callboard::config::Duration(2_000);
        config
    };
    let first = service::start(with_state(), Clock::EventTime)
        .await
        .unwrap();
    // Settled: the quiet stream's buffer is applied after the 2 s lateness, so the state written at
    // the stop holds nothing pending and the restart has nothing of the first half left to apply.
    let started = Instant::now();
    while applied_in_phase(&first, "replay").await != half as u64 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the first half never settled"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    first.stop().await;
    produce(&brokers, &all[half..]);
    let second = service::start(with_state(), Clock::EventTime)
        .await
        .unwrap();
    let started = Instant::now();
    while applied_in_phase(&second, "live").await != (all.len() - half) as u64 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the second half never counted"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(
        applied_in_phase(&second, "replay").await,
        0,
        "nothing replayed"
    );
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_same_figures(&second, &offline(&all));
    second.stop().await;
    // Nothing new since: the loaded state is at the committed offset, so the restart is ready at once
    // (no message will come to end a replay).
    let third = service::start(with_state(), Clock::EventTime)
        .await
        .unwrap();
    wait_for(
        "ready with nothing new on the topic",
        Duration::from_secs(20),
        || third.board.is_ready(),
    )
    .await;
    assert_same_figures(&third, &offline(&all));
    third.stop().await;
}
