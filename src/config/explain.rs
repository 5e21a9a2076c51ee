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
    lines.push(format!("http: {}", config.http.listen));
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
        lines.push(format!(
            "tenant {tenant}: time zone {}, day starts {:02}:00",
            settings.time_zone, settings.day_start_hour
        ));
        let mut queues: Vec<_> = settings.queues.iter().collect();
        queues.sort_by(|a, b| a.0.cmp(b.0));
        for (name, queue) in queues {
            lines.push(format!("  queue {name}: {}", describe_queue(queue)));
        }
    }
    lines.join("\n")
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
