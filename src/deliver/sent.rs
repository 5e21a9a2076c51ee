//! Which days' reports were sent: the record that makes the daily report go out once per day per
//! tenant across instances and restarts. The record is a message in the intervals topic (key
//! `tenant/delivery/daily/YYYY-MM-DD`), produced after a successful send.

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use chrono::NaiveDate;
use rdkafka::producer::{FutureProducer, FutureRecord};

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

/// The tenant and date a key names, if it is a delivery record's.
pub fn parse_key(key: &str) -> Option<(String, NaiveDate)> {
    let (tenant, date) = key.rsplit_once("/delivery/daily/")?;
    Some((tenant.to_string(), date.parse().ok()?))
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

/// Sent days in the intervals topic: every delivery record is read once at start, and each new one is
/// produced there (and remembered).
pub struct TopicSentLog {
    producer: FutureProducer,
    topic: String,
    sent: MemorySentLog,
}

impl TopicSentLog {
    /// Reads the delivery records of `topic` (blocking: call it off the async threads).
    pub fn open(
        brokers: &str,
        properties: &[(String, String)],
        topic: &str,
    ) -> anyhow::Result<TopicSentLog> {
        let reader = crate::ingest::producer_config(brokers, &[], properties);
        let records = crate::ingest::state::read_latest_matching(&reader, topic, |key| {
            parse_key(key).is_some()
        })?;
        let sent = MemorySentLog::default();
        if let Ok(mut days) = sent.sent.lock() {
            days.extend(records.keys().filter_map(|key| parse_key(key)));
        }
        Ok(TopicSentLog {
            producer: crate::alert::sink::kafka::producer(brokers, properties)?,
            topic: topic.to_string(),
            sent,
        })
    }
}

impl SentLog for TopicSentLog {
    fn was_sent(&self, tenant: &str, date: NaiveDate) -> bool {
        self.sent.was_sent(tenant, date)
    }

    async fn record(&self, tenant: &str, date: NaiveDate, sent_at_ms: i64) -> Result<(), String> {
        let key = key(tenant, date);
        let value = value(tenant, date, sent_at_ms);
        let record = FutureRecord::to(&self.topic).key(&key).payload(&value);
        self.producer
            .send(record, Duration::from_secs(5))
            .await
            .map_err(|(error, _)| format!("cannot record {key} in {}: {error}", self.topic))?;
        self.sent.record(tenant, date, sent_at_ms).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_tenant_and_date_and_only_delivery_keys_parse() {
        let date: NaiveDate = "2026-11-30".parse().unwrap();
        assert_eq!(key("acme/eu", date), "acme/eu/delivery/daily/2026-11-30");
        assert_eq!(
            parse_key("acme/eu/delivery/daily/2026-11-30"),
            Some(("acme/eu".into(), date))
        );
        for other in [
            "acme/queue/sales/2026-11-30T08:00:00Z",
            "acme/delivery/daily/yesterday",
            "acme/delivery/daily/",
            "",
        ] {
            assert_eq!(parse_key(other), None, "{other}");
        }
        let value: serde_json::Value =
            serde_json::from_slice(&value("acme", date, 1_764_576_000_000)).unwrap();
        assert_eq!(value["kind"], "delivery");
        assert_eq!(value["date"], "2026-11-30");
        assert_eq!(value["sent_at"], "2025-12-01T08:00:00.000Z");
    }
}
