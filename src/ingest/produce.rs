//! Writing events to Kafka as JSON v1, keyed by tenant: used by `callboard simulate --kafka`-style
//! feeds, the demo and the tests. A full producer queue is waited out, never dropped.

use std::time::Duration;

use anyhow::Context;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

use crate::decode::json_v1;
use crate::event::Event;

pub struct EventProducer {
    producer: BaseProducer,
    topic: String,
    line: Vec<u8>,
    /// Stamp each record with its event's time instead of the time it is produced.
    event_times: bool,
}

impl EventProducer {
    pub fn new(
        brokers: &str,
        topic: &str,
        properties: &[(String, String)],
    ) -> anyhow::Result<Self> {
        let defaults = [
            ("linger.ms", "5"),
            ("queue.buffering.max.messages", "500000"),
        ];
        let producer = super::producer_config(brokers, &defaults, properties)
            .create()
            .context("cannot create the kafka producer")?;
        Ok(EventProducer {
            producer,
            topic: topic.to_string(),
            line: Vec::with_capacity(512),
            event_times: false,
        })
    }

    /// Records carry their event's time as their Kafka timestamp, as a feed replayed from history
    /// should (reading by time, `report --brokers --from`, finds them on their day).
    pub fn stamping_event_times(mut self) -> Self {
        self.event_times = true;
        self
    }

    pub fn send(&mut self, event: &Event) -> anyhow::Result<()> {
        let mut line = std::mem::take(&mut self.line);
        line.clear();
        json_v1::encode(event, &mut line);
        let timestamp = self.event_times.then_some(event.time);
        let sent = self.send_record(event.tenant.as_bytes(), &line, timestamp);
        self.line = line;
        sent
    }

    /// Sends any bytes (tests use it for garbage), keyed by `key`.
    pub fn send_raw(&mut self, key: &[u8], payload: &[u8]) -> anyhow::Result<()> {
        self.send_record(key, payload, None)
    }

    fn send_record(
        &mut self,
        key: &[u8],
        payload: &[u8],
        timestamp: Option<i64>,
    ) -> anyhow::Result<()> {
        loop {
            let mut record = BaseRecord::to(&self.topic).key(key).payload(payload);
            if let Some(timestamp) = timestamp {
                record = record.timestamp(timestamp);
            }
            match self.producer.send(record) {
                Ok(()) => return Ok(()),
                Err((
                    rdkafka::error::KafkaError::MessageProduction(
                        rdkafka::types::RDKafkaErrorCode::QueueFull,
                    ),
                    _,
                )) => {
                    self.producer.poll(Duration::from_millis(10));
                }
                Err((error, _)) => return Err(error).context("cannot produce to kafka"),
            }
        }
    }

    pub fn flush(&self) -> anyhow::Result<()> {
        self.producer
            .flush(Duration::from_secs(30))
            .context("cannot flush produced events")
    }
}
