//! Payload shapes as Slack's Block Kit and Microsoft's Adaptive Card references give them: Slack wants
//! `text` (the notification fallback) and `blocks` of `section` / `header` / `context` with `mrkdwn` or
//! `plain_text` objects; Teams a `message` with one attachment of content type
//! `application/vnd.microsoft.card.adaptive` whose `content` is an `AdaptiveCard`.

use std::collections::BTreeMap;

use serde_json::Value;

use super::*;
use crate::alert::engine::Alert;

fn notification(status: Status) -> Notification {
    let labels = BTreeMap::from([
        (
            "alertname".to_string(),
            "CallboardServiceLevelLow".to_string(),
        ),
        ("severity".to_string(), "warning".to_string()),
        ("tenant".to_string(), "acme".to_string()),
        ("queue".to_string(), "sales & <vip>".to_string()),
    ]);
    let annotations = BTreeMap::from([
        (
            "summary".to_string(),
            "service level 61% in sales".to_string(),
        ),
        (
            "description".to_string(),
            "below the 80% target for 5m".to_string(),
        ),
    ]);
    Notification {
        status,
        alert: Alert {
            fingerprint: "00ff".into(),
            rule: "CallboardServiceLevelLow".into(),
            severity: "warning".into(),
            labels,
            annotations,
            value: Some(0.61),
            threshold: 0.8,
            active_since_ms: 1_764_576_000_000,
            starts_at_ms: 1_764_576_000_000,
        },
        at_ms: 1_764_576_300_000,
    }
}

fn summary() -> Summary {
    let headline = |queue: Option<&str>, offered| Headline {
        queue: queue.map(str::to_string),
        offered,
        answered: 10,
        service_level: Some(0.8),
        abandon_rate: None,
        aht_seconds: Some(185.0),
    };
    Summary {
        tenant: "acme".into(),
        date: "2026-11-30".parse().unwrap(),
        queues: vec![headline(Some("sales"), 12)],
        total: headline(None, 12),
    }
}

fn text_of(value: &Value) -> &str {
    value.as_str().expect("a string")
}

#[test]
fn a_slack_alert_has_a_fallback_text_and_mrkdwn_blocks_with_escaped_labels() {
    let payload = alert_payload(
        ChatFormat::Slack,
        &notification(Status::Firing),
        "http://cb:9464",
    );
    assert_eq!(
        text_of(&payload["text"]),
        "[FIRING] CallboardServiceLevelLow (warning): service level 61% in sales"
    );
    let blocks = payload["blocks"].as_array().unwrap();
    assert_eq!(blocks[0]["type"], "section");
    assert_eq!(blocks[0]["text"]["type"], "mrkdwn");
    assert_eq!(
        text_of(&blocks[0]["text"]["text"]),
        "*[FIRING] CallboardServiceLevelLow (warning): service level 61% in sales*\nbelow the 80% target for 5m"
    );
    assert_eq!(blocks[1]["type"], "context");
    assert_eq!(
        text_of(&blocks[1]["elements"][0]["text"]),
        "queue=sales &amp; &lt;vip&gt;, tenant=acme · <http://cb:9464/api/v1/tenants/acme/queues/sales%20%26%20%3Cvip%3E|details>"
    );
}

#[test]
fn a_teams_alert_is_an_adaptive_card_in_a_message_attachment() {
    let payload = alert_payload(
        ChatFormat::Teams,
        &notification(Status::Resolved),
        "http://cb:9464",
    );
    assert_eq!(payload["type"], "message");
    let attachments = payload["attachments"].as_array().unwrap();
    assert_eq!(attachments.len(), 1);
    assert_eq!(
        attachments[0]["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    assert_eq!(attachments[0]["contentUrl"], Value::Null);
    let card = &attachments[0]["content"];
    assert_eq!(card["type"], "AdaptiveCard");
    assert_eq!(card["version"], "1.4");
    assert_eq!(
        card["$schema"],
        "http://adaptivecards.io/schemas/adaptive-card.json"
    );
    assert_eq!(card["body"][0]["type"], "TextBlock");
    assert_eq!(
        text_of(&card["body"][0]["text"]),
        "[RESOLVED] CallboardServiceLevelLow (warning): service level 61% in sales"
    );
    assert_eq!(card["body"][0]["color"], "Good");
    assert_eq!(card["body"][2]["type"], "FactSet");
    assert_eq!(card["body"][2]["facts"][0]["title"], "queue");
    assert_eq!(card["body"][2]["facts"][0]["value"], "sales & <vip>");
    assert_eq!(card["actions"][0]["type"], "Action.OpenUrl");
}

#[test]
fn a_json_alert_is_the_message_the_kafka_topic_carries() {
    let notification = notification(Status::Firing);
    let payload = alert_payload(ChatFormat::Json, &notification, "http://cb:9464");
    let expected: Value = serde_json::from_slice(
        &crate::alert::sink::encode(&notification, "http://cb:9464").unwrap(),
    )
    .unwrap();
    assert_eq!(payload, expected);
    assert_eq!(payload["status"], "firing");
    assert_eq!(payload["starts_at"], "2025-12-01T08:00:00.000Z");
}

#[test]
fn the_summary_in_each_format() {
    let summary = summary();
    let slack = summary_payload(ChatFormat::Slack, &summary);
    assert_eq!(
        text_of(&slack["text"]),
        "Daily report: acme, 2026-11-30: offered 12 · answered 10 · service level 80.0% · abandoned - · AHT 3m 05s"
    );
    let blocks = slack["blocks"].as_array().unwrap();
    assert_eq!(blocks[0]["type"], "header");
    assert_eq!(blocks[0]["text"]["type"], "plain_text");
    assert_eq!(
        text_of(&blocks[1]["text"]["text"]).lines().next(),
        Some("*sales*")
    );
    assert_eq!(
        text_of(&blocks[2]["text"]["text"]).lines().next(),
        Some("*all queues*")
    );
    let teams = summary_payload(ChatFormat::Teams, &summary);
    let card = &teams["attachments"][0]["content"];
    assert_eq!(card["type"], "AdaptiveCard");
    assert_eq!(card["body"][1]["facts"][1]["title"], "all queues");
    let json = summary_payload(ChatFormat::Json, &summary);
    assert_eq!(json["kind"], "daily_report");
    assert_eq!(json["date"], "2026-11-30");
    assert_eq!(json["queues"][0]["queue"], "sales");
    assert_eq!(json["total"]["queue"], Value::Null);
    assert_eq!(json["total"]["abandon_rate"], Value::Null);
    assert_eq!(json["total"]["aht_seconds"], 185.0);
}

#[test]
fn slack_summaries_stay_within_fifty_blocks() {
    let mut many = summary();
    many.queues = (0..60)
        .map(|index| Headline {
            queue: Some(format!("q{index}")),
            ..many.total.clone()
        })
        .collect();
    let slack = summary_payload(ChatFormat::Slack, &many);
    let blocks = slack["blocks"].as_array().unwrap();
    assert!(blocks.len() <= 50, "{}", blocks.len());
    assert_eq!(
        text_of(&blocks.last().unwrap()["elements"][0]["text"]),
        "15 more queues in the mailed CSV"
    );
}
