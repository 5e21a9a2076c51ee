//! Forwards rejected messages to the dead-letter topic: the original bytes and key, with the reason and
//! source position in headers. Sends are asynchronous and bounded by the producer's queue; a full queue
//! or a failed delivery is counted, never waited on, so garbage cannot slow a worker down.

use std::sync::Arc;

use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext};
use rdkafka::{ClientConfig, ClientContext};

use crate::decode::json_v1;
use crate::event::RejectReason;
use crate::telemetry::Telemetry;
use crate::tenants::Tenants;

/// Header carrying the reject reason (`malformed_json`, `inconsistent`, …).
pub const REASON_HEADER: &str = "callboard-reject-reason";
pub const PARTITION_HEADER: &str = "callboard-source-partition";
pub const OFFSET_HEADER: &str = "callboard-source-offset";

pub struct DeliveryCounter {
    telemetry: Arc<Telemetry>,
}

impl ClientContext for DeliveryCounter {}

impl ProducerContext for DeliveryCounter {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        self.telemetry.dead_lettered(result.is_ok());
    }
}

pub struct DeadLetters {
    topic: String,
    producer: BaseProducer<DeliveryCounter>,
}

impl DeadLetters {
    pub fn new(
        config: &ClientConfig,
        topic: String,
        telemetry: Arc<Telemetry>,
    ) -> rdkafka::error::KafkaResult<Self> {
        let producer = config.create_with_context(DeliveryCounter { telemetry })?;
        Ok(DeadLetters { topic, producer })
    }

    pub fn forward(
        &self,
        key: Option<&[u8]>,
        payload: &[u8],
        reason: RejectReason,
        partition: i32,
        offset: i64,
    ) {
        let (partition_text, offset_text) = (partition.to_string(), offset.to_string());
        let headers = OwnedHeaders::new()
            .insert(Header {
                key: REASON_HEADER,
                value: Some(reason.as_str()),
            })
            .insert(Header {
                key: PARTITION_HEADER,
                value: Some(partition_text.as_str()),
            })
            .insert(Header {
                key: OFFSET_HEADER,
                value: Some(offset_text.as_str()),
            });
        let mut record = BaseRecord::to(&self.topic)
            .payload(payload)
            .headers(headers);
        if let Some(key) = key {
            record = record.key(key);
        }
        if let Err((error, _)) = self.producer.send(record) {
            tracing::debug!(%error, "dead-letter queue full; message dropped");
            self.producer.context().telemetry.dead_lettered(false);
        }
    }

    /// Serves delivery reports; call once per tick. A zero-timeout poll serves one event, so it is
    /// repeated (a bounded number of times) to drain what arrived since the last tick.
    pub fn poll(&self) {
        for _ in 0..256 {
            self.producer.poll(std::time::Duration::ZERO);
            if self.producer.in_flight_count() == 0 {
                break;
            }
        }
    }

    pub fn flush(&self, timeout: std::time::Duration) {
        let _ = self.producer.flush(timeout);
    }
}

/// Forwards a message the service rejected to the dead-letter topic, when one is configured.
pub(super) fn dead_letter(
    dead_letters: Option<&DeadLetters>,
    key: Option<&[u8]>,
    payload: &[u8],
    reason: RejectReason,
    partition: i32,
    offset: i64,
) {
    if let Some(dead_letters) = dead_letters {
        dead_letters.forward(key, payload, reason, partition, offset);
    }
}

/// Forwards the rejections found when buffered events reached the floor (all but the one of the
/// message at `skip`, forwarded as it came, and those replayed from below `read_before`, forwarded by
/// the instance that first read them). Their raw messages are gone, so they are re-encoded.
pub(super) fn dead_letter_late(
    dead_letters: Option<&DeadLetters>,
    tenants: &mut Tenants,
    partition: i32,
    skip: Option<i64>,
    read_before: i64,
) {
    for rejection in tenants.take_rejections() {
        let tag = rejection.tag as i64;
        if Some(tag) == skip || tag < read_before {
            continue;
        }
        if let Some(event) = rejection.event {
            let mut encoded = Vec::with_capacity(256);
            json_v1::encode(&event, &mut encoded);
            let (key, offset) = (Some(event.tenant.as_bytes()), rejection.tag as i64);
            dead_letter(
                dead_letters,
                key,
                &encoded,
                rejection.reason,
                partition,
                offset,
            );
        }
    }
}
