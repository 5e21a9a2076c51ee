//! The Kafka topic of alert notifications (`call-alerts`): JSON `Message`s keyed by fingerprint, so a
//! compacted topic keeps each alert's latest status and consumers see one alert per key.

use std::time::Duration;

use rdkafka::producer::{FutureProducer, FutureRecord};

use super::{encode, SinkQueue};

/// A producer for `brokers` with the service's client `properties` (TLS, SASL).
pub fn producer(brokers: &str, properties: &[(String, String)]) -> anyhow::Result<FutureProducer> {
    let defaults = [("message.timeout.ms", "10000")];
    Ok(crate::ingest::producer_config(brokers, &defaults, properties).create()?)
}

pub async fn run(
    SinkQueue {
        mut receiver,
        delivery,
    }: SinkQueue,
    producer: FutureProducer,
    topic: String,
    external_url: String,
) {
    while let Some(notification) = receiver.recv().await {
        let Some(body) = encode(&notification, &external_url) else {
            continue;
        };
        let key = notification.alert.fingerprint.clone();
        delivery
            .deliver(&key, || {
                let record = FutureRecord::to(&topic).key(&key).payload(&body);
                let sent = producer.send(record, Duration::from_secs(5));
                async move {
                    sent.await
                        .map(|_| ())
                        .map_err(|(error, _)| error.to_string())
                }
            })
            .await;
    }
}
