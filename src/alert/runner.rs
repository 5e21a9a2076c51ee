//! The alert loop: each tick, evaluate the rules over the board's snapshots (only live tenants, and
//! callboard's own figures only once every partition is live), hand notifications to every sink, and
//! publish what is firing to the board (`/api/v1/alerts`) and to `callboard_alerts_firing`.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::engine::{Engine, TenantView};
use super::rule::{Rule, ServiceFigures};
use super::sink::SinkHandle;
use crate::board::Board;
use crate::telemetry::Telemetry;

/// The rules in force; replaced whole on reload.
pub type Rules = Arc<RwLock<Arc<Vec<Rule>>>>;

pub struct Runner {
    pub board: Arc<Board>,
    pub telemetry: Arc<Telemetry>,
    pub rules: Rules,
    pub sinks: Vec<SinkHandle>,
    pub interval: Duration,
}

impl Runner {
    pub async fn run(self, stop: CancellationToken) {
        let mut engine = Engine::new();
        let mut ticker = tokio::time::interval(self.interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = ticker.tick() => {}
            }
            self.tick(&mut engine);
        }
    }

    fn tick(&self, engine: &mut Engine) {
        let rules = self
            .rules
            .read()
            .map(|rules| Arc::clone(&rules))
            .unwrap_or_default();
        let snapshots = self.board.snapshots();
        let views: Vec<TenantView<'_>> = snapshots
            .iter()
            .map(|snapshot| TenantView {
                snapshot,
                live: self.board.is_live(&snapshot.tenant),
            })
            .collect();
        let service = self.board.is_ready().then(|| {
            let lag = self
                .board
                .partitions()
                .iter()
                .map(|(_, status)| status.lag.max(0))
                .max();
            let figures = ServiceFigures {
                event_delay_seconds: self.telemetry.take_largest_delay(),
                consumer_lag_messages: lag.map(|lag| lag as f64),
            };
            (figures, crate::ingest::wall_clock_ms())
        });
        for notification in engine.evaluate(&rules, &views, service) {
            tracing::info!(
                status = ?notification.status,
                alert = notification.alert.rule,
                fingerprint = notification.alert.fingerprint,
                labels = ?notification.alert.labels,
                "alert"
            );
            for sink in &self.sinks {
                sink.offer(notification.clone());
            }
        }
        let firing = engine.firing();
        self.telemetry.alerts_firing(&rules, &firing);
        self.board.publish_alerts(firing);
    }
}
