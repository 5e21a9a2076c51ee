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
    delay: Histogram,
    dead_letters: IntCounterVec,
}

impl Telemetry {
    pub fn new() -> Self {
        let registry = Registry::new();
        let events = IntCounterVec::new(
            Opts::new(
                "callboard_events_total",
                "Events consumed, by outcome (applied or rejected).",
            ),
            &["outcome"],
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
        for outcome in ["applied", "rejected"] {
            events.with_label_values(&[outcome]);
        }
        for reason in RejectReason::ALL {
            rejected.with_label_values(&[reason.as_str()]);
        }
        for collector in [
            Box::new(events.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(rejected.clone()),
            Box::new(lag.clone()),
            Box::new(delay.clone()),
            Box::new(dead_letters.clone()),
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
            delay,
            dead_letters,
        }
    }

    pub fn events_applied(&self, count: u64) {
        self.events.with_label_values(&["applied"]).inc_by(count);
    }

    pub fn events_rejected(&self, reason: RejectReason, count: u64) {
        self.events.with_label_values(&["rejected"]).inc_by(count);
        self.rejected
            .with_label_values(&[reason.as_str()])
            .inc_by(count);
    }

    pub fn consumer_lag(&self, partition: i32, lag: i64) {
        self.lag
            .with_label_values(&[&partition.to_string()])
            .set(lag);
    }

    pub fn partition_released(&self, partition: i32) {
        let _ = self.lag.remove_label_values(&[&partition.to_string()]);
    }

    pub fn event_delay(&self, seconds: f64) {
        self.delay.observe(seconds);
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
