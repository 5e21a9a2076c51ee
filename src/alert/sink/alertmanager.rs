//! Alertmanager's API v2: `POST /api/v2/alerts`. A firing alert is sent when it fires and again every
//! resend interval with a lease (`endsAt` three intervals ahead), so Alertmanager resolves it by itself
//! if callboard goes away; a resolved alert is sent once with `endsAt` = now. Alertmanager identifies an
//! alert by its labels, so a re-announcement after a restart is the same alert.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{generator_url, webhook::post, SinkQueue};
use crate::alert::engine::{Alert, Status};

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PostableAlert<'a> {
    labels: &'a BTreeMap<String, String>,
    annotations: &'a BTreeMap<String, String>,
    starts_at: String,
    ends_at: String,
    #[serde(rename = "generatorURL")]
    generator_url: String,
}

pub struct Settings {
    /// Base URL, e.g. `http://127.0.0.1:9093`.
    pub url: String,
    pub external_url: String,
    pub resend_interval: Duration,
}

fn stamp(time: DateTime<Utc>) -> String {
    crate::decode::time::rfc3339(time.timestamp_millis())
}

pub async fn run(
    SinkQueue {
        mut receiver,
        delivery,
    }: SinkQueue,
    client: reqwest::Client,
    settings: Settings,
) {
    let endpoint = format!("{}/api/v2/alerts", settings.url.trim_end_matches('/'));
    let lease = chrono::Duration::from_std(settings.resend_interval * 3)
        .unwrap_or(chrono::Duration::minutes(3));
    // Firing alerts with the wall-clock time Alertmanager first heard of them.
    let mut firing: BTreeMap<String, (Alert, DateTime<Utc>)> = BTreeMap::new();
    let mut resend = tokio::time::interval(settings.resend_interval);
    resend.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    resend.tick().await;
    let body = |alerts: &[(&Alert, DateTime<Utc>, DateTime<Utc>)]| {
        let postable: Vec<PostableAlert<'_>> = alerts
            .iter()
            .map(|(alert, starts, ends)| PostableAlert {
                labels: &alert.labels,
                annotations: &alert.annotations,
                starts_at: stamp(*starts),
                ends_at: stamp(*ends),
                generator_url: generator_url(&settings.external_url, alert),
            })
            .collect();
        serde_json::to_vec(&postable).unwrap_or_default()
    };
    loop {
        let (what, payload) = tokio::select! {
            notification = receiver.recv() => {
                let Some(notification) = notification else { break };
                let now = Utc::now();
                let fingerprint = notification.alert.fingerprint.clone();
                match notification.status {
                    Status::Firing => {
                        let starts = firing.get(&fingerprint).map_or(now, |(_, starts)| *starts);
                        firing.insert(fingerprint.clone(), (notification.alert.clone(), starts));
                        (fingerprint, body(&[(&notification.alert, starts, now + lease)]))
                    }
                    Status::Resolved => {
                        let starts = firing.remove(&fingerprint).map_or(now, |(_, starts)| starts);
                        (fingerprint, body(&[(&notification.alert, starts, now)]))
                    }
                }
            }
            _ = resend.tick() => {
                if firing.is_empty() {
                    continue;
                }
                let now = Utc::now();
                let all: Vec<_> = firing.values().map(|(alert, starts)| (alert, *starts, now + lease)).collect();
                ("every firing alert".to_string(), body(&all))
            }
        };
        delivery
            .deliver(&what, || post(&client, &endpoint, payload.clone()))
            .await;
    }
}
