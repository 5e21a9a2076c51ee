//! Tracing setup (human on a terminal, JSON with `--log-format json`, filtered by `RUST_LOG`) and
//! callboard's own metrics. Call sites use domain verbs (`telemetry.events_rejected(reason, n)`), never
//! metric names.

use prometheus::{Histogram, HistogramOpts, IntCounterVec, IntGaugeVec, Opts, Registry};
use tracing_subscriber::EnvFilter;

use crate::event::RejectReason;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum LogFormat {
    #[default]
    Human,
    Json,
}

/// Installs the global subscriber on stderr; `RUST_LOG` filters (default `info`).
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Colours only for a person at a terminal, not in log files.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// callboard's own metrics, registered in the registry `/metrics` renders beside the KPI families.
pub struct Telemetry {
    pub registry: Registry,
    events: IntCounterVec,
    rejected: IntCounterVec,
    lag: IntGaugeVec,
    kafka_up: IntGaugeVec,
    skipped: IntCounterVec,
    delay: Histogram,
    /// The largest event delay (ms) since the alert engine last took it.
    largest_delay_ms: std::sync::atomic::AtomicU64,
    dead_letters: IntCounterVec,
    alerts_firing: IntGaugeVec,
    /// Alert notifications that never reached a sink, by sink.
    pub alert_notifications_dropped: IntCounterVec,
    /// HTTP requests refused by the door, by reason (missing, unknown, forbidden).
    pub http_auth_failures: IntCounterVec,
}

impl Telemetry {
    pub fn new() -> Self {
        let registry = Registry::new();
        let events = IntCounterVec::new(
            Opts::new(
                "callboard_events_total",
                "Events consumed, by outcome (applied or rejected) and phase (replay: rebuilding state after an assignment or restart; live: real traffic).",
            ),
            &["outcome", "phase"],
        )
        .expect("valid metric");
        let rejected = IntCounterVec::new(
            Opts::new(
                "callboard_events_rejected_total",
                "Events rejected, by the fixed reasons of the event contract.",
            ),
            &["reason"],
        )
        .expect("valid metric");
        let kafka_up = IntGaugeVec::new(
            Opts::new(
                "callboard_kafka_up",
                "1 while the worker has a broker connection up, 0 while no broker is reachable.",
            ),
            &["worker"],
        )
        .expect("valid metric");
        let skipped = IntCounterVec::new(
            Opts::new(
                "callboard_records_skipped_total",
                "Source records that carry no callboard meaning (a queue_log CONFIGRELOAD, a custom \
                 verb): read and passed over, not rejected.",
            ),
            &["topic"],
        )
        .expect("valid metric");
        let lag = IntGaugeVec::new(
            Opts::new(
                "callboard_consumer_lag_messages",
                "Messages between the consumer position and the high watermark.",
            ),
            &["partition"],
        )
        .expect("valid metric");
        let delay = Histogram::with_opts(
            HistogramOpts::new(
                "callboard_event_delay_seconds",
                "Time from an event's time at the source to its application.",
            )
            .buckets(vec![
                0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0,
            ]),
        )
        .expect("valid metric");
        let dead_letters = IntCounterVec::new(
            Opts::new(
                "callboard_dead_letters_total",
                "Rejected messages forwarded to the dead-letter topic, by outcome.",
            ),
            &["outcome"],
        )
        .expect("valid metric");
        let build_info = IntGaugeVec::new(
            Opts::new(
                "callboard_build_info",
                "Always 1; labelled with the running version.",
            ),
            &["version"],
        )
        .expect("valid metric");
        build_info
            .with_label_values(&[env!("CARGO_PKG_VERSION")])
            .set(1);
        let alerts_firing = IntGaugeVec::new(
            Opts::new(
                "callboard_alerts_firing",
                "Alerts firing now, by rule and severity.",
            ),
            &["rule", "severity"],
        )
        .expect("valid metric");
        let http_auth_failures = IntCounterVec::new(
            Opts::new(
                "callboard_http_auth_failures_total",
                "HTTP requests refused: no token (missing), an unknown one, or outside its scope (forbidden).",
            ),
            &["reason"],
        )
        .expect("valid metric");
        for reason in ["missing", "unknown", "forbidden"] {
            http_auth_failures.with_label_values(&[reason]);
        }
        let alert_notifications_dropped = IntCounterVec::new(
            Opts::new(
                "callboard_alert_notifications_dropped_total",
                "Alert notifications dropped (queue full or delivery kept failing), by sink.",
            ),
            &["sink"],
        )
        .expect("valid metric");
        for outcome in ["sent", "failed"] {
            dead_letters.with_label_values(&[outcome]);
        }
        for outcome in ["applied", "rejected"] {
            for phase in ["replay", "live"] {
                events.with_label_values(&[outcome, phase]);
            }
        }
        for reason in RejectReason::ALL {
            rejected.with_label_values(&[reason.as_str()]);
        }
        for collector in [
            Box::new(events.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(rejected.clone()),
            Box::new(lag.clone()),
            Box::new(kafka_up.clone()),
            Box::new(skipped.clone()),
            Box::new(delay.clone()),
            Box::new(dead_letters.clone()),
            Box::new(alerts_firing.clone()),
            Box::new(alert_notifications_dropped.clone()),
            Box::new(http_auth_failures.clone()),
            Box::new(build_info),
        ] {
            registry
                .register(collector)
                .expect("metric names are unique");
        }
        Telemetry {
            registry,
            events,
            rejected,
            lag,
            kafka_up,
            skipped,
            delay,
            largest_delay_ms: std::sync::atomic::AtomicU64::new(0),
            dead_letters,
            alerts_firing,
            http_auth_failures,
            alert_notifications_dropped,
        }
    }

    /// `live` false: events replayed to rebuild state, counted apart so the rate of real traffic reads true.
    pub fn events_applied(&self, count: u64, live: bool) {
        self.events
            .with_label_values(&["applied", phase_label(live)])
            .inc_by(count);
    }

    pub fn events_rejected(&self, reason: RejectReason, count: u64, live: bool) {
        self.events
            .with_label_values(&["rejected", phase_label(live)])
            .inc_by(count);
        self.rejected
            .with_label_values(&[reason.as_str()])
            .inc_by(count);
    }

    pub fn consumer_lag(&self, partition: i32, lag: i64) {
        self.lag
            .with_label_values(&[&partition.to_string()])
            .set(lag);
    }

    /// Sets `callboard_kafka_up` of a worker: 1 while a broker connection is up.
    pub fn record_skipped(&self, topic: &str) {
        self.skipped.with_label_values(&[topic]).inc();
    }

    pub fn kafka_up(&self, worker: usize, up: bool) {
        self.kafka_up
            .with_label_values(&[&worker.to_string()])
            .set(i64::from(up));
    }

    pub fn partition_released(&self, partition: i32) {
        let _ = self.lag.remove_label_values(&[&partition.to_string()]);
    }

    pub fn event_delay(&self, seconds: f64) {
        self.delay.observe(seconds);
        self.largest_delay_ms.fetch_max(
            (seconds * 1000.0) as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
    }

    /// The largest event delay since the last call, in seconds (`None` when no event was applied).
    pub fn take_largest_delay(&self) -> Option<f64> {
        let largest = self
            .largest_delay_ms
            .swap(0, std::sync::atomic::Ordering::Relaxed);
        (largest > 0).then(|| largest as f64 / 1000.0)
    }

    /// Sets `callboard_alerts_firing`: every rule's count, 0 where none fires.
    pub fn alerts_firing(&self, rules: &[crate::alert::Rule], firing: &[crate::alert::Alert]) {
        self.alerts_firing.reset();
        for rule in rules {
            self.alerts_firing
                .with_label_values(&[&rule.name, &rule.severity]);
        }
        for alert in firing {
            self.alerts_firing
                .with_label_values(&[&alert.rule, &alert.severity])
                .inc();
        }
    }

    pub fn dead_lettered(&self, delivered: bool) {
        self.dead_letters
            .with_label_values(&[if delivered { "sent" } else { "failed" }])
            .inc();
    }
}

impl Default for Telemetry {
    fn default() -> Self {
        Telemetry::new()
    }
}

fn phase_label(live: bool) -> &'static str {
    if live {
        "live"
    } else {
        "replay"
    }
}
