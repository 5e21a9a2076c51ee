//! Which days' reports were sent: the record that makes the daily report go out once per day per
//! tenant across instances and restarts. The record is a message in the intervals topic (key
//! `tenant/delivery/daily/YYYY-MM-DD`), produced after a successful send.

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::NaiveDate;
use rdkafka::producer::{FutureProducer, FutureRecord};

use crate::intervals::store::IntervalStore;

/// Was a day's report sent, and recording that it was.
pub trait SentLog: Send + Sync {
    fn was_sent(&self, tenant: &str, date: NaiveDate) -> bool;
    /// Records the day as sent; an error leaves it unrecorded (the caller retries).
    fn record(
        &self,
        tenant: &str,
        date: NaiveDate,
        sent_at_ms: i64,
    ) -> impl Future<Output = Result<(), String>> + Send;
}

/// The record's key in the intervals topic.
pub fn key(tenant: &str, date: NaiveDate) -> String {
    format!("{tenant}/delivery/daily/{}", date.format("%Y-%m-%d"))
}

/// The record's value, in the topic's JSON shape.
pub fn value(tenant: &str, date: NaiveDate, sent_at_ms: i64) -> Vec<u8> {
    serde_json::json!({
        "schema": 1,
        "kind": "delivery",
        "tenant": tenant,
        "date": date.format("%Y-%m-%d").to_string(),
        "sent_at": crate::decode::time::rfc3339(sent_at_ms),
    })
    .to_string()
    .into_bytes()
}

/// Sent days kept in memory only: for one process (and tests); a restart forgets them.
#[derive(Default)]
pub struct MemorySentLog {
    sent: Mutex<BTreeSet<(String, NaiveDate)>>,
}

impl SentLog for MemorySentLog {
    fn was_sent(&self, tenant: &str, date: NaiveDate) -> bool {
        (self.sent.lock()).is_ok_and(|sent| sent.contains(&(tenant.to_string(), date)))
    }

    async fn record(&self, tenant: &str, date: NaiveDate, _sent_at_ms: i64) -> Result<(), String> {
        if let Ok(mut sent) = self.sent.lock() {
            sent.insert((tenant.to_string(), date));
        }
        Ok(())
    }
}

/// Sent days in the intervals topic: asked of the intervals store (the topic read back by the
/// service), recorded by producing the marker to the topic and handing it to the store at once (the
/// store's reader takes it again when it comes round; the newest record per key wins).
pub struct StoreSentLog {
    store: Arc<IntervalStore>,
    producer: FutureProducer,
    topic: String,
}

impl StoreSentLog {
    pub fn new(store: Arc<IntervalStore>, producer: FutureProducer, topic: String) -> Self {
        StoreSentLog {
            store,
            producer,
            topic,
        }
    }

    /// Whether the store has read the topic to its end: before that, a missing marker says nothing.
    pub fn is_ready(&self) -> bool {
        self.store.is_caught_up()
    }
}

impl SentLog for StoreSentLog {
    fn was_sent(&self, tenant: &str, date: NaiveDate) -> bool {
        self.store
            .delivered(tenant, &date.format("%Y-%m-%d").to_string())
    }

    async fn record(&self, tenant: &str, date: NaiveDate, sent_at_ms: i64) -> Result<(), String> {
        let key = key(tenant, date);
        let value = value(tenant, date, sent_at_ms);
        let record = FutureRecord::to(&self.topic).key(&key).payload(&value);
        self.producer
            .send(record, Duration::from_secs(5))
            .await
            .map_err(|(error, _)| format!("cannot record {key} in {}: {error}", self.topic))?;
        self.store
            .apply(&key, Some(&value))
            .map_err(|error| format!("the store refused {key}: {error}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marker_names_tenant_and_date_and_the_store_takes_it() {
        let date: NaiveDate = "2026-11-30".parse().unwrap();
        assert_eq!(key("acme/eu", date), "acme/eu/delivery/daily/2026-11-30");
        let bytes = value("acme", date, 1_764_576_000_000);
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(value["kind"], "delivery");
        assert_eq!(value["date"], "2026-11-30");
        assert_eq!(value["sent_at"], "2025-12-01T08:00:00.000Z");
        // The intervals store takes the marker as a delivery record of that day.
        let store = IntervalStore::new();
        store.apply(&key("acme", date), Some(&bytes)).unwrap();
        assert!(store.delivered("acme", "2026-11-30"));
        assert!(!store.delivered("acme", "2026-11-29"));
    }
}
