//! Chat payloads of alerts and of the daily summary: callboard's own JSON, Slack incoming webhooks
//! (Block Kit: a `text` fallback and `blocks`) and Microsoft Teams incoming webhooks (an Adaptive Card
//! in the attachment of a `message`). Pure: notifications and summaries in, JSON out.

use serde::Deserialize;
use serde_json::{json, Value};

use super::summary::{minutes_seconds, percent, Headline, Summary};
use crate::alert::engine::{Notification, Status};
use crate::alert::sink::Message;

/// What a webhook receiver understands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChatFormat {
    /// callboard's own JSON (an alert as the `call-alerts` topic carries it).
    #[default]
    Json,
    /// A Slack incoming webhook.
    Slack,
    /// A Microsoft Teams incoming webhook (Workflows' "when a Teams webhook request is received").
    Teams,
}

impl ChatFormat {
    pub fn name(self) -> &'static str {
        match self {
            ChatFormat::Json => "json",
            ChatFormat::Slack => "slack",
            ChatFormat::Teams => "teams",
        }
    }
}

/// Slack allows 50 blocks a message; a summary shows this many queues and says how many more.
const SLACK_QUEUES: usize = 45;

/// The alert's state, its name and its summary, as one line.
fn alert_title(notification: &Notification) -> String {
    let alert = &notification.alert;
    let state = match notification.status {
        Status::Firing => "FIRING",
        Status::Resolved => "RESOLVED",
    };
    let summary = alert
        .annotations
        .get("summary")
        .cloned()
        .unwrap_or_default();
    if summary.is_empty() {
        format!("[{state}] {} ({})", alert.rule, alert.severity)
    } else {
        format!("[{state}] {} ({}): {summary}", alert.rule, alert.severity)
    }
}

/// The subject labels (tenant, queue, agent, …) as `key=value` pairs, `alertname` and `severity` left out.
fn alert_labels(notification: &Notification) -> String {
    (notification.alert.labels.iter())
        .filter(|(key, _)| !matches!(key.as_str(), "alertname" | "severity"))
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An alert notification in `format`; `external_url` is this service's URL as users reach it.
pub fn alert_payload(format: ChatFormat, notification: &Notification, external_url: &str) -> Value {
    let message = Message::new(notification, external_url);
    let title = alert_title(notification);
    let labels = alert_labels(notification);
    let description = (notification.alert.annotations.get("description"))
        .cloned()
        .unwrap_or_default();
    match format {
        ChatFormat::Json => serde_json::to_value(&message).unwrap_or(Value::Null),
        ChatFormat::Slack => {
            let mut text = format!("*{}*", slack_escape(&title));
            if !description.is_empty() {
                text.push('\n');
                text.push_str(&slack_escape(&description));
            }
            json!({
                "text": title,
                "blocks": [
                    { "type": "section", "text": { "type": "mrkdwn", "text": text } },
                    { "type": "context", "elements": [
                        { "type": "mrkdwn", "text": format!("{} · <{}|details>", slack_escape(&labels), message.generator_url) }
                    ] }
                ]
            })
        }
        ChatFormat::Teams => {
            let mut body = vec![json!({
                "type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": true,
                "color": if notification.status == Status::Firing { "Attention" } else { "Good" }
            })];
            if !description.is_empty() {
                body.push(json!({ "type": "TextBlock", "text": description, "wrap": true }));
            }
            let facts: Vec<Value> = (notification.alert.labels.iter())
                .filter(|(key, _)| !matches!(key.as_str(), "alertname" | "severity"))
                .map(|(key, value)| json!({ "title": key, "value": value }))
                .collect();
            body.push(json!({ "type": "FactSet", "facts": facts }));
            teams_message(body, &message.generator_url)
        }
    }
}

/// The bytes a webhook of `format` is sent: the JSON `Message` exactly as the Kafka topic carries it,
/// or the Slack or Teams payload (`None`, logged, if it cannot be encoded).
pub fn alert_body(
    format: ChatFormat,
    notification: &Notification,
    external_url: &str,
) -> Option<Vec<u8>> {
    match format {
        ChatFormat::Json => crate::alert::sink::encode(notification, external_url),
        ChatFormat::Slack | ChatFormat::Teams => Some(
            alert_payload(format, notification, external_url)
                .to_string()
                .into_bytes(),
        ),
    }
}

/// Slack's mrkdwn treats `&`, `<` and `>` as control characters.
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The current Teams incoming-webhook shape: a `message` whose one attachment is an Adaptive Card.
fn teams_message(body: Vec<Value>, link: &str) -> Value {
    let mut card = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    });
    if !link.is_empty() {
        card["actions"] = json!([{ "type": "Action.OpenUrl", "title": "Details", "url": link }]);
    }
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": card,
        }]
    })
}

fn headline_name(headline: &Headline) -> String {
    headline
        .queue
        .clone()
        .unwrap_or_else(|| "all queues".into())
}

/// One line of figures: `offered 15 · answered 13 · service level 78.6% · abandoned 13.3% · AHT 1m 50s`.
fn headline_line(headline: &Headline) -> String {
    format!(
        "offered {} · answered {} · service level {} · abandoned {} · AHT {}",
        headline.offered,
        headline.answered,
        percent(headline.service_level),
        percent(headline.abandon_rate),
        minutes_seconds(headline.aht_seconds)
    )
}

fn headline_json(headline: &Headline) -> Value {
    json!({
        "queue": headline.queue,
        "offered": headline.offered,
        "answered": headline.answered,
        "service_level": headline.service_level,
        "abandon_rate": headline.abandon_rate,
        "aht_seconds": headline.aht_seconds,
    })
}

/// The daily summary in `format`.
pub fn summary_payload(format: ChatFormat, summary: &Summary) -> Value {
    let date = summary.date.format("%Y-%m-%d").to_string();
    let title = format!("Daily report: {}, {date}", summary.tenant);
    match format {
        ChatFormat::Json => json!({
            "schema": 1,
            "kind": "daily_report",
            "tenant": summary.tenant,
            "date": date,
            "queues": summary.queues.iter().map(headline_json).collect::<Vec<_>>(),
            "total": headline_json(&summary.total),
        }),
        ChatFormat::Slack => {
            let mut blocks = vec![json!({
                "type": "header",
                "text": { "type": "plain_text", "text": title }
            })];
            let shown = summary
                .queues
                .iter()
                .take(SLACK_QUEUES)
                .chain([&summary.total]);
            for headline in shown {
                blocks.push(json!({
                    "type": "section",
                    "text": { "type": "mrkdwn", "text": format!(
                        "*{}*\n{}", slack_escape(&headline_name(headline)), headline_line(headline)
                    ) }
                }));
            }
            if summary.queues.len() > SLACK_QUEUES {
                blocks.push(
                    json!({ "type": "context", "elements": [{ "type": "mrkdwn", "text": format!(
                    "{} more queues in the mailed CSV", summary.queues.len() - SLACK_QUEUES
                ) }] }),
                );
            }
            json!({
                "text": format!("{title}: {}", headline_line(&summary.total)),
                "blocks": blocks,
            })
        }
        ChatFormat::Teams => {
            let mut body = vec![json!({
                "type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": true
            })];
            let facts: Vec<Value> = (summary.queues.iter().chain([&summary.total]))
                .map(|headline| json!({ "title": headline_name(headline), "value": headline_line(headline) }))
                .collect();
            body.push(json!({ "type": "FactSet", "facts": facts }));
            teams_message(body, "")
        }
    }
}

#[cfg(test)]
#[path = "chat_tests.rs"]
mod tests;
