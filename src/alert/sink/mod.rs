//! Delivery of notifications, one task per sink, each behind a bounded queue: a full queue drops the
//! newest notification and counts it, a failed delivery is retried with backoff and, when it keeps
//! failing, dropped and counted. The engine never waits on a sink.

pub mod alertmanager;
pub mod kafka;
#[cfg(test)]
mod tests;
pub mod webhook;

use std::future::Future;
use std::time::Duration;

use prometheus::IntCounterVec;
use serde::Serialize;
use tokio::sync::mpsc;

use super::engine::{Alert, Notification, Status};
use crate::decode::time::rfc3339;

/// Attempts per notification before it is dropped.
const ATTEMPTS: u32 = 5;
/// The first retry's delay; each next one doubles.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);

/// The engine's end of a sink: offers notifications without ever waiting.
#[derive(Clone)]
pub struct SinkHandle {
    queue: mpsc::Sender<Notification>,
    delivery: Delivery,
}

/// The sink task's end: the queue to drain and the delivery rules. The task holds no sender, so it
/// ends once the engine's handles are gone and the queue is drained.
pub struct SinkQueue {
    pub receiver: mpsc::Receiver<Notification>,
    pub delivery: Delivery,
}

/// Retries and the drop counter of one sink.
#[derive(Clone)]
pub struct Delivery {
    name: &'static str,
    dropped: IntCounterVec,
}

impl SinkHandle {
    /// A bounded queue for the sink `name`; `dropped` counts what never arrived, labelled `sink`.
    pub fn new(
        name: &'static str,
        capacity: usize,
        dropped: IntCounterVec,
    ) -> (SinkHandle, SinkQueue) {
        let (queue, receiver) = mpsc::channel(capacity);
        dropped.with_label_values(&[name]);
        let delivery = Delivery { name, dropped };
        (
            SinkHandle {
                queue,
                delivery: delivery.clone(),
            },
            SinkQueue { receiver, delivery },
        )
    }

    /// Queues `notification`, or drops and counts it when the queue is full (or the sink has stopped).
    pub fn offer(&self, notification: Notification) {
        if self.queue.try_send(notification).is_err() {
            self.delivery.drop_one("its queue is full");
        }
    }
}

impl Delivery {
    fn drop_one(&self, why: &str) {
        self.dropped.with_label_values(&[self.name]).inc();
        tracing::warn!(sink = self.name, why, "alert notification dropped");
    }

    /// Runs `attempt` until it succeeds, with exponential backoff; after `ATTEMPTS` failures the
    /// notification is dropped and counted.
    pub async fn deliver<F, Fut>(&self, what: &str, mut attempt: F)
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<(), String>>,
    {
        let mut backoff = FIRST_BACKOFF;
        for tried in 1..=ATTEMPTS {
            match attempt().await {
                Ok(()) => return,
                Err(error) if tried < ATTEMPTS => {
                    tracing::debug!(sink = self.name, what, %error, tried, "delivery failed; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                }
                Err(error) => {
                    tracing::warn!(sink = self.name, what, %error, "delivery failed {ATTEMPTS} times");
                    self.drop_one("delivery kept failing");
                }
            }
        }
    }
}

/// A notification as the Kafka topic and the webhook carry it.
#[derive(Debug, Serialize)]
pub struct Message<'a> {
    pub status: Status,
    #[serde(flatten)]
    pub alert: &'a Alert,
    pub starts_at: String,
    /// When it resolved; absent while firing.
    pub ends_at: Option<String>,
    pub generator_url: String,
}

impl<'a> Message<'a> {
    pub fn new(notification: &'a Notification, external_url: &str) -> Self {
        let alert = &notification.alert;
        Message {
            status: notification.status,
            alert,
            starts_at: rfc3339(alert.starts_at_ms),
            ends_at: (notification.status == Status::Resolved).then(|| rfc3339(notification.at_ms)),
            generator_url: generator_url(external_url, alert),
        }
    }
}

/// The notification as JSON bytes (`None`, logged, if it cannot be encoded).
pub fn encode(notification: &Notification, external_url: &str) -> Option<Vec<u8>> {
    serde_json::to_vec(&Message::new(notification, external_url))
        .inspect_err(|error| tracing::error!(%error, "cannot encode an alert notification"))
        .ok()
}

/// The API view of the alert's subject: the queue, else the agent, else the tenant, else the alert list.
pub fn generator_url(external_url: &str, alert: &Alert) -> String {
    let base = external_url.trim_end_matches('/');
    let labels = &alert.labels;
    let segment = |text: &str| {
        text.bytes()
            .map(|byte| match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (byte as char).to_string()
                }
                _ => format!("%{byte:02X}"),
            })
            .collect::<String>()
    };
    match (
        labels.get("tenant"),
        labels.get("queue"),
        labels.get("agent"),
    ) {
        (Some(tenant), Some(queue), _) => format!(
            "{base}/api/v1/tenants/{}/queues/{}",
            segment(tenant),
            segment(queue)
        ),
        (Some(tenant), None, Some(agent)) => format!(
            "{base}/api/v1/tenants/{}/agents/{}",
            segment(tenant),
            segment(agent)
        ),
        (Some(tenant), None, None) => format!("{base}/api/v1/tenants/{}", segment(tenant)),
        _ => format!("{base}/api/v1/alerts"),
    }
}
