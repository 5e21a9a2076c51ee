//! The `call-intervals` topic, written: each tick, the closed interval records of the tenants whose
//! partition is live here ([`crate::intervals::rows`]) that are new or changed since sent are produced,
//! keyed `tenant/kind/subject/start`, so a late event re-produces exactly the rows it changed. After a
//! start or a takeover nothing is known as sent: a record whose value the topic already holds (read
//! back into the [`IntervalStore`]) is not sent again; production waits until that read has caught up.
//! A failed send is retried next tick. A tenant's set that is all in the topic is not looked at again
//! until its worker publishes the next one.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use rdkafka::producer::{FutureProducer, FutureRecord};
use tokio_util::sync::CancellationToken;

use crate::board::Board;
use crate::event::Id;
use crate::intervals::rows::Record;
use crate::intervals::sent::TenantSent;
use crate::intervals::store::IntervalStore;

/// Publishes until `stop`, every `interval`.
pub async fn run(
    board: Arc<Board>,
    store: Arc<IntervalStore>,
    producer: FutureProducer,
    topic: String,
    interval: Duration,
    stop: CancellationToken,
) {
    let mut tenants: HashMap<Id, TenantSent> = HashMap::new();
    let mut ticks = super::Ticks::new(interval, stop);
    while ticks.next().await {
        if !store.is_caught_up() {
            continue;
        }
        let mut published = HashSet::new();
        for snapshot in board.snapshots() {
            let tenant = &snapshot.tenant;
            // Replaying or given away: its rows are not this instance's to send now.
            let Some(records) = board.closed(tenant).filter(|_| board.is_live(tenant)) else {
                continue;
            };
            published.insert(tenant.clone());
            let sent = tenants.entry(tenant.clone()).or_default();
            let holds = |record: &Record| store.holds(&record.key, &record.value);
            let Some(unsent) = sent.unsent(&records, holds) else {
                continue;
            };
            if send(&producer, &topic, &unsent, sent).await {
                sent.settle(&records);
            }
        }
        tenants.retain(|tenant, _| published.contains(tenant));
    }
}

/// Produces `records` at once and waits for them; those delivered are marked sent. Whether all were.
async fn send(
    producer: &FutureProducer,
    topic: &str,
    records: &[&Record],
    sent: &mut TenantSent,
) -> bool {
    let deliveries = records.iter().map(|record| {
        let message = FutureRecord::to(topic)
            .key(record.key.as_str())
            .payload(record.value.as_str());
        producer.send(message, Duration::from_secs(5))
    });
    let results = futures::future::join_all(deliveries).await;
    let mut failed = 0;
    for (record, result) in records.iter().zip(results) {
        match result {
            Ok(_) => sent.mark(record),
            Err(_) => failed += 1,
        }
    }
    if failed > 0 {
        tracing::warn!(
            failed,
            topic,
            "cannot produce closed intervals; they are sent again next tick"
        );
    } else if !records.is_empty() {
        tracing::debug!(records = records.len(), topic, "closed intervals produced");
    }
    failed == 0
}

/// Creates `topic` compacted (`cleanup.policy=compact`, one partition, replication as the broker
/// defaults) unless it exists. A failure (no permission, brokers down) is logged, not fatal: the topic
/// may be created by its owners, and the producer and reader retry.
pub async fn create_if_missing(config: &rdkafka::ClientConfig, topic: &str) {
    use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
    use rdkafka::client::DefaultClientContext;
    use rdkafka::types::RDKafkaErrorCode;
    if exists(config, topic).await {
        return;
    }
    let admin: AdminClient<DefaultClientContext> = match config.create() {
        Ok(admin) => admin,
        Err(error) => {
            tracing::warn!(%error, topic, "cannot create an admin client for the intervals topic");
            return;
        }
    };
    let new = NewTopic::new(topic, 1, TopicReplication::Fixed(-1)).set("cleanup.policy", "compact");
    let options = AdminOptions::new()
        .operation_timeout(Some(Duration::from_secs(10)))
        .request_timeout(Some(Duration::from_secs(10)));
    match admin.create_topics([&new], &options).await {
        Ok(results) => match results.into_iter().next() {
            Some(Ok(_)) => {
                tracing::info!(topic, "intervals topic created (cleanup.policy=compact)")
            }
            Some(Err((_, RDKafkaErrorCode::TopicAlreadyExists))) | None => {}
            Some(Err((_, code))) => {
                tracing::warn!(error = %code, topic, "cannot create the intervals topic; create it compacted (cleanup.policy=compact)")
            }
        },
        Err(error) => {
            tracing::warn!(%error, topic, "cannot create the intervals topic; create it compacted (cleanup.policy=compact)")
        }
    }
}

/// Whether the brokers list `topic` with partitions (then nothing is asked of the admin API, which some
/// brokers, the embedded one of the demo among them, do not answer).
async fn exists(config: &rdkafka::ClientConfig, topic: &str) -> bool {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    let (config, topic) = (config.clone(), topic.to_string());
    let listed = tokio::task::spawn_blocking(move || {
        let consumer: BaseConsumer = config.create().ok()?;
        let metadata = (consumer.fetch_metadata(Some(&topic), Duration::from_secs(10))).ok()?;
        let found = metadata
            .topics()
            .iter()
            .find(|found| found.name() == topic)?;
        Some(found.error().is_none() && !found.partitions().is_empty())
    });
    listed.await.ok().flatten().unwrap_or(false)
}
