//! `callboard check-config`'s explanation: a short human summary of what a valid configuration sets up.

use super::{Config, Duration};
use crate::center::settings::QueueSettings;

/// A short human summary of what `config` sets up (printed by `callboard check-config`).
pub fn explain(config: &Config) -> String {
    let mut lines = Vec::new();
    let windows: Vec<String> = config
        .engine
        .windows
        .iter()
        .map(ToString::to_string)
        .collect();
    lines.push(format!(
        "windows {} and today; {} report intervals; lateness {}; duplicates remembered {}",
        windows.join(", "),
        config.engine.interval,
        config.engine.lateness,
        config.engine.dedup_horizon
    ));
    lines.push(format!(
        "kafka: topic {} on {} as group {}{}",
        config.kafka.topic,
        config.kafka.brokers,
        config.kafka.group_id,
        config
            .kafka
            .dead_letter_topic
            .as_ref()
            .map(|topic| format!(", rejects to {topic}"))
            .unwrap_or_default()
    ));
    let access = config.access();
    let door = match (access.tokens.len(), access.open) {
        (_, true) => "open to anyone who reaches it".to_string(),
        (0, false) => "no tokens: served on a loopback address only".to_string(),
        (1, false) => "1 access token".to_string(),
        (count, false) => format!("{count} access tokens"),
    };
    let tls = (config.http.tls_cert.as_ref())
        .map(|cert| format!("; HTTPS with {}", cert.display()))
        .unwrap_or_default();
    lines.push(format!("http: {} ({door}{tls})", config.http.listen));
    let defaults = config.center_settings("");
    lines.push(format!(
        "queue defaults: {}",
        describe_queue(&defaults.queue_defaults)
    ));
    let mut tenants: Vec<&str> = config.tenants.keys().map(String::as_str).collect();
    if tenants.is_empty() {
        tenants.push("(any tenant)");
    }
    for tenant in tenants {
        let settings = config.center_settings(tenant);
        let open = match settings.open_hours {
            Some((open, close)) => format!(
                ", open {:02}:{:02}-{:02}:{:02}",
                open / 60,
                open % 60,
                close / 60,
                close % 60
            ),
            None => String::new(),
        };
        lines.push(format!(
            "tenant {tenant}: time zone {}, day starts {:02}:00{open}",
            settings.time_zone, settings.day_start_hour
        ));
        let mut queues: Vec<_> = settings.queues.iter().collect();
        queues.sort_by(|a, b| a.0.cmp(b.0));
        for (name, queue) in queues {
            lines.push(format!("  queue {name}: {}", describe_queue(queue)));
        }
    }
    let alerting = &config.alerting;
    let sinks: Vec<String> = [
        (!alerting.kafka_topic.is_empty()).then(|| format!("kafka topic {}", alerting.kafka_topic)),
        alerting.alertmanager_url.as_ref().map(|url| {
            format!(
                "alertmanager {url} (resent every {})",
                alerting.resend_interval
            )
        }),
        alerting
            .webhook_url
            .as_ref()
            .map(|url| format!("webhook {url} ({})", alerting.webhook_format.name())),
    ]
    .into_iter()
    .flatten()
    .collect();
    lines.push(format!(
        "alerts to: {}",
        if sinks.is_empty() {
            "nowhere (API and /metrics only)".to_string()
        } else {
            sinks.join(", ")
        }
    ));
    for rule in config.alert_rules() {
        lines.push(format!("  rule {}", describe_rule(&rule)));
    }
    lines.extend(describe_delivery(config));
    lines.join("\n")
}

/// The mail server and each tenant's daily report.
fn describe_delivery(config: &Config) -> Vec<String> {
    if !config.sends_daily_reports() {
        return vec!["daily reports: none".to_string()];
    }
    let mail = (config.delivery.smtp.as_ref()).map_or_else(
        || "no mail server".to_string(),
        |smtp| format!("mail via {}", smtp.describe()),
    );
    let mut lines = vec![format!(
        "daily reports: {mail}; sent days recorded in {}",
        config.kafka.intervals_topic
    )];
    let mut tenants: Vec<&str> = config.tenants.keys().map(String::as_str).collect();
    if tenants.is_empty() {
        tenants.push("(any tenant)");
    }
    for tenant in tenants {
        let Some(plan) = config.daily_report(tenant) else {
            continue;
        };
        let mut parts = Vec::new();
        if !plan.to.is_empty() {
            parts.push(format!("mail to {}", plan.to.join(", ")));
        }
        if !plan.webhooks.is_empty() {
            let formats: Vec<&str> = plan
                .webhooks
                .iter()
                .map(|hook| hook.format.name())
                .collect();
            let count = plan.webhooks.len();
            let noun = if count == 1 { "webhook" } else { "webhooks" };
            parts.push(format!("{count} {noun} ({})", formats.join(", ")));
        }
        lines.push(format!(
            "  daily report of {tenant} at {}: {}",
            plan.at.format("%H:%M"),
            parts.join(", ")
        ));
    }
    lines
}

fn describe_rule(rule: &crate::alert::Rule) -> String {
    use crate::alert::{Comparison, Scale};
    let figure = rule.figure.name();
    let window = if rule.window.is_empty() {
        String::new()
    } else {
        format!(" over {}", rule.window)
    };
    let of = match rule.scale {
        Scale::Absolute => "",
        Scale::QueueTarget => "x target",
        Scale::QueueThreshold => "x threshold",
        Scale::StaffedAgents => "x staffed agents",
    };
    let side = match rule.comparison {
        Comparison::Above => "above",
        Comparison::Below => "below",
    };
    let clear = if rule.clear == rule.threshold {
        String::new()
    } else {
        format!(", clears at {}{of}", rule.clear)
    };
    format!(
        "{} ({}): {figure}{window} {side} {}{of}{clear}, for {}",
        rule.name,
        rule.severity,
        rule.threshold,
        Duration(rule.for_ms)
    )
}

fn describe_queue(queue: &QueueSettings) -> String {
    format!(
        "target {:.0}% within {}, short abandons under {}, formula {}{}",
        queue.service_level_target * 100.0,
        Duration(queue.threshold_ms),
        Duration(queue.short_abandon_ms),
        queue.service_level_formula.as_str(),
        queue
            .patience_ms
            .map(|patience| format!(", patience {}", Duration(patience)))
            .unwrap_or_default()
    )
}
