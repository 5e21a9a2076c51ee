//! Everything that leaves the process by HTTP: Prometheus exposition, the JSON API, server-sent events
//! and the wallboard page, over HTTP or HTTPS. Reads the board; never mutates state. The only module that knows HTTP.

pub mod cors;
pub mod door;
pub mod http;
pub mod intervals_api;
pub mod intervals_topic;
pub mod metrics;
pub mod samples_topic;
pub mod tls;
pub mod view;

/// The topic publishers' clock: a tick every `interval` (a late one delayed, never bunched), until
/// `stop`.
pub(crate) struct Ticks {
    ticker: tokio::time::Interval,
    stop: tokio_util::sync::CancellationToken,
}

impl Ticks {
    pub(crate) fn new(
        interval: std::time::Duration,
        stop: tokio_util::sync::CancellationToken,
    ) -> Ticks {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        Ticks { ticker, stop }
    }

    /// Waits for the next tick: false once stopped.
    pub(crate) async fn next(&mut self) -> bool {
        tokio::select! {
            _ = self.stop.cancelled() => false,
            _ = self.ticker.tick() => true,
        }
    }
}
