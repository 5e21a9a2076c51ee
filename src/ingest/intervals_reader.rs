//! The `call-intervals` topic, read back: one thread assigns itself every partition from the beginning
//! (no group: every instance reads it all, and commits nothing) and keeps consuming, feeding each record
//! to the [`IntervalStore`]. The store is marked caught up once every partition was read to its end as
//! it was at start (the producer waits for that). Each minute, records older than the days kept are
//! dropped. A topic that cannot be read yet (missing, brokers down) is tried again every few seconds.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::consumer::BaseConsumer;
use rdkafka::message::Message;
use rdkafka::ClientConfig;
use tokio_util::sync::CancellationToken;

use crate::intervals::store::IntervalStore;

const METADATA_TIMEOUT: Duration = Duration::from_secs(5);
const RETRY_EVERY: Duration = Duration::from_secs(5);
const TRIM_EVERY: Duration = Duration::from_secs(60);

/// Reads `topic` into `store` until `stop`, keeping `keep_days` days (by the UTC date: a tenant's local
/// date is at most a day off).
pub fn spawn(
    config: ClientConfig,
    topic: String,
    store: Arc<IntervalStore>,
    keep_days: u32,
    stop: CancellationToken,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("intervals-reader".to_string())
        .spawn(move || {
            let mut warned = false;
            while !stop.is_cancelled() {
                match Reader::start(&config, &topic) {
                    Ok(reader) => return reader.run(&store, keep_days, &stop),
                    Err(error) if !warned => {
                        warned = true;
                        tracing::warn!(%error, topic, "cannot read the intervals topic yet; past days are not served until it can be read");
                    }
                    Err(_) => {}
                }
                sleep_unless_stopped(RETRY_EVERY, &stop);
            }
        })
}

struct Reader {
    consumer: BaseConsumer,
    topic: String,
    /// Each partition's end at start, until it is read to there.
    ends: HashMap<i32, i64>,
}

impl Reader {
    fn start(config: &ClientConfig, topic: &str) -> anyhow::Result<Reader> {
        use anyhow::Context as _;
        // Assigned, never subscribed: the group id only satisfies librdkafka; nothing joins or commits.
        let consumer: BaseConsumer = config
            .clone()
            .set("group.id", "callboard-intervals-reader")
            .set("enable.auto.commit", "false")
            .set("statistics.interval.ms", "0")
            .create()
            .context("cannot create the intervals reader")?;
        let ends = super::state::assign_from_beginning(&consumer, topic, METADATA_TIMEOUT)?
            .ok_or_else(|| anyhow::anyhow!("topic `{topic}` has no partitions (does it exist?)"))?;
        Ok(Reader {
            consumer,
            topic: topic.to_string(),
            ends,
        })
    }

    fn run(mut self, store: &IntervalStore, keep_days: u32, stop: &CancellationToken) {
        let started = Instant::now();
        let mut trimmed_at: Option<Instant> = None;
        let mut refused: u64 = 0;
        while !stop.is_cancelled() {
            if trimmed_at.is_none_or(|at| at.elapsed() >= TRIM_EVERY) {
                store.forget_before(&oldest_kept(keep_days));
                trimmed_at = Some(Instant::now());
            }
            if self.ends.is_empty() && !store.is_caught_up() {
                store.mark_caught_up();
                let records = store.len();
                tracing::info!(
                    topic = self.topic,
                    records,
                    seconds = started.elapsed().as_secs_f64(),
                    "intervals topic read"
                );
            }
            let Some(polled) = self.consumer.poll(Duration::from_millis(200)) else {
                continue;
            };
            let message = match polled {
                Ok(message) => message,
                Err(error) => {
                    tracing::warn!(%error, topic = self.topic, "cannot read the intervals topic");
                    sleep_unless_stopped(Duration::from_secs(1), stop);
                    continue;
                }
            };
            let key = message
                .key()
                .map(String::from_utf8_lossy)
                .unwrap_or_default();
            if let Err(error) = store.apply(&key, message.payload()) {
                refused += 1;
                if refused == 1 || refused.is_power_of_two() {
                    let (partition, offset) = (message.partition(), message.offset());
                    tracing::warn!(%error, key = %key, partition, offset, refused, "intervals record skipped");
                }
            }
            let end = self.ends.get(&message.partition()).copied();
            if end.is_some_and(|end| message.offset() + 1 >= end) {
                self.ends.remove(&message.partition());
            }
        }
    }
}

/// The first UTC date kept: today and the `keep_days` days before it.
fn oldest_kept(keep_days: u32) -> String {
    let today = chrono::Utc::now().date_naive();
    let back = chrono::Days::new(u64::from(keep_days));
    (today.checked_sub_days(back).unwrap_or(today))
        .format("%Y-%m-%d")
        .to_string()
}

fn sleep_unless_stopped(duration: Duration, stop: &CancellationToken) {
    let until = Instant::now() + duration;
    while !stop.is_cancelled() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(100));
    }
}
