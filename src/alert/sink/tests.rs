//! Sinks against a real HTTP server on loopback: retried until delivered, dropped and counted when
//! delivery keeps failing or the queue is full; Alertmanager's body and lease.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use axum::routing::post;
use prometheus::{IntCounterVec, Opts};

use super::*;
use crate::alert::engine::{Alert, Notification, Status};
use crate::deliver::ChatFormat;

fn notification(status: Status) -> Notification {
    let labels: std::collections::BTreeMap<String, String> = [
        ("alertname", "CallboardServiceLevelBelowTarget"),
        ("severity", "critical"),
        ("tenant", "acme"),
        ("queue", "billing"),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_string(), value.to_string()))
    .collect();
    Notification {
        status,
        alert: Alert {
            fingerprint: "ef8ca9a1c346534d".to_string(),
            rule: "CallboardServiceLevelBelowTarget".to_string(),
            severity: "critical".to_string(),
            labels,
            annotations: [("summary".to_string(), "low".to_string())].into(),
            value: Some(0.5),
            threshold: 0.8,
            active_since_ms: 1_795_424_400_000,
            starts_at_ms: 1_795_424_520_000,
        },
        at_ms: 1_795_424_580_000,
    }
}

fn dropped() -> IntCounterVec {
    IntCounterVec::new(Opts::new("dropped", "test"), &["sink"]).unwrap()
}

/// A server answering 500 to the first `failures` requests, then 200; it keeps every body it got.
async fn server(failures: usize) -> (String, Arc<Mutex<Vec<String>>>) {
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let calls = Arc::new(AtomicUsize::new(0));
    let kept = Arc::clone(&bodies);
    let app = axum::Router::new().route(
        "/{*path}",
        post(move |body: String| {
            let (bodies, calls) = (Arc::clone(&kept), Arc::clone(&calls));
            async move {
                bodies.lock().unwrap().push(body);
                if calls.fetch_add(1, Ordering::SeqCst) < failures {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}"), bodies)
}

#[tokio::test]
async fn a_failing_webhook_is_retried_until_it_takes_the_notification() {
    let (url, bodies) = server(2).await;
    let counter = dropped();
    let (handle, queue) = SinkHandle::new("webhook", 8, counter.clone());
    let task = tokio::spawn(webhook::run(
        queue,
        reqwest::Client::new(),
        format!("{url}/hook"),
        "http://callboard:9464".to_string(),
        ChatFormat::Json,
    ));
    handle.offer(notification(Status::Firing));
    drop(handle);
    task.await.unwrap();
    let bodies = bodies.lock().unwrap();
    // Two 500s, then delivered: three identical attempts, nothing dropped.
    assert_eq!(bodies.len(), 3);
    assert!(bodies.iter().all(|body| body == &bodies[0]));
    assert_eq!(counter.with_label_values(&["webhook"]).get(), 0);
    let message: serde_json::Value = serde_json::from_str(&bodies[0]).unwrap();
    assert_eq!(message["fingerprint"], "ef8ca9a1c346534d");
    assert_eq!(message["status"], "firing");
    assert_eq!(message["starts_at"], "2026-11-23T09:02:00.000Z");
    assert!(message["ends_at"].is_null());
    assert_eq!(
        message["generator_url"],
        "http://callboard:9464/api/v1/tenants/acme/queues/billing"
    );
}

#[tokio::test]
async fn a_webhook_that_keeps_failing_drops_and_counts_the_notification() {
    let (url, bodies) = server(usize::MAX).await;
    let counter = dropped();
    let (handle, queue) = SinkHandle::new("webhook", 8, counter.clone());
    let task = tokio::spawn(webhook::run(
        queue,
        reqwest::Client::new(),
        format!("{url}/hook"),
        "http://callboard:9464".to_string(),
        ChatFormat::Json,
    ));
    handle.offer(notification(Status::Resolved));
    drop(handle);
    task.await.unwrap();
    assert_eq!(bodies.lock().unwrap().len(), ATTEMPTS as usize);
    assert_eq!(counter.with_label_values(&["webhook"]).get(), 1);
}

#[tokio::test]
async fn a_slack_webhook_gets_block_kit_and_a_teams_one_an_adaptive_card() {
    for (format, check) in [
        (ChatFormat::Slack, "blocks"),
        (ChatFormat::Teams, "attachments"),
    ] {
        let (url, bodies) = server(0).await;
        let (handle, queue) = SinkHandle::new("webhook", 8, dropped());
        let task = tokio::spawn(webhook::run(
            queue,
            reqwest::Client::new(),
            format!("{url}/hook"),
            "http://callboard:9464".to_string(),
            format,
        ));
        handle.offer(notification(Status::Firing));
        drop(handle);
        task.await.unwrap();
        let bodies = bodies.lock().unwrap();
        assert_eq!(bodies.len(), 1);
        let message: serde_json::Value = serde_json::from_str(&bodies[0]).unwrap();
        assert!(message[check].is_array(), "{format:?}: {message}");
        assert!(message.get("fingerprint").is_none());
    }
}

#[tokio::test]
async fn a_full_queue_drops_and_counts_instead_of_waiting() {
    let counter = dropped();
    // Nobody reads the queue: two fit, the third and fourth are dropped.
    let (handle, _queue) = SinkHandle::new("kafka", 2, counter.clone());
    for _ in 0..4 {
        handle.offer(notification(Status::Firing));
    }
    assert_eq!(counter.with_label_values(&["kafka"]).get(), 2);
}

#[tokio::test]
async fn alertmanager_gets_a_lease_while_firing_and_now_on_resolve() {
    let (url, bodies) = server(0).await;
    let counter = dropped();
    let (handle, queue) = SinkHandle::new("alertmanager", 8, counter.clone());
    let resend = Duration::from_secs(30);
    let task = tokio::spawn(alertmanager::run(
        queue,
        reqwest::Client::new(),
        alertmanager::Settings {
            url: url.clone(),
            external_url: "http://callboard:9464".to_string(),
            resend_interval: resend,
        },
    ));
    handle.offer(notification(Status::Firing));
    handle.offer(notification(Status::Resolved));
    drop(handle);
    task.await.unwrap();
    let bodies = bodies.lock().unwrap();
    assert_eq!(bodies.len(), 2);
    let parse = |body: &str| -> serde_json::Value { serde_json::from_str(body).unwrap() };
    let (firing, resolved) = (parse(&bodies[0]), parse(&bodies[1]));
    let time = |value: &serde_json::Value| {
        chrono::DateTime::parse_from_rfc3339(value.as_str().unwrap()).unwrap()
    };
    // A lease of three resend intervals (90 s) while firing; ends now on resolve; same start.
    let lease = time(&firing[0]["endsAt"]) - time(&firing[0]["startsAt"]);
    assert!((89..=91).contains(&lease.num_seconds()), "{lease}");
    assert_eq!(firing[0]["startsAt"], resolved[0]["startsAt"]);
    assert!(time(&resolved[0]["endsAt"]) < time(&firing[0]["endsAt"]));
    assert_eq!(
        firing[0]["labels"]["alertname"],
        "CallboardServiceLevelBelowTarget"
    );
    assert_eq!(firing[0]["annotations"]["summary"], "low");
    assert_eq!(
        firing[0]["generatorURL"],
        "http://callboard:9464/api/v1/tenants/acme/queues/billing"
    );
}
