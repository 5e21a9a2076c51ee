//! `callboard demo`: everything on one machine with no setup — an embedded Kafka-protocol broker
//! (librdkafka's mock cluster), the simulator producing a realistic day into it at an accelerated pace,
//! and the service consuming it, with the wallboard, API and metrics on one port.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use rdkafka::mocking::MockCluster;

use crate::center::settings::HOUR;
use crate::config::Config;
use crate::event::Millis;
use crate::ingest::produce::EventProducer;
use crate::ingest::Clock;
use crate::service;
use crate::sim::{simulate, SimOptions};

#[derive(clap::Args, Debug, Clone)]
pub struct DemoArgs {
    /// Address of the wallboard, API and /metrics.
    #[arg(long, default_value = "127.0.0.1:9464")]
    pub listen: String,
    /// Simulated seconds per wall-clock second (60: an hour of the day per minute).
    #[arg(long, default_value_t = 60.0)]
    pub speed: f64,
    /// Agents in the simulated center.
    #[arg(long, default_value_t = 80)]
    pub agents: usize,
    /// Inbound calls per hour at the busiest time of day.
    #[arg(long, default_value_t = 420.0)]
    pub calls_per_hour: f64,
    /// Random seed of the simulated day.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Partitions of the embedded topic.
    #[arg(long, default_value_t = 4)]
    pub partitions: i32,
}

/// Time of the simulated day the demo opens on.
const PACED_FROM: Millis = 8 * HOUR;

/// Midnight UTC of today.
fn today_start() -> Millis {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as Millis);
    now - now.rem_euclid(24 * HOUR)
}

pub async fn run(args: &DemoArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.speed > 0.0,
        "--speed must be above 0, got {}",
        args.speed
    );
    let cluster = MockCluster::new(1).context("cannot start the embedded kafka broker")?;
    let mut config = Config::default();
    config.kafka.brokers = cluster.bootstrap_servers();
    cluster
        .create_topic(&config.kafka.topic, args.partitions, 1)
        .context("cannot create the demo topic")?;
    // The closed intervals topic, made here: the embedded broker does not take admin requests (its
    // topics are not compacted, which a demo's few hours do not need).
    cluster
        .create_topic(&config.kafka.intervals_topic, 1, 1)
        .context("cannot create the demo's intervals topic")?;
    // The mock broker does not answer offsets_for_times: partitions replay from the beginning.
    config.kafka.replay_by_time = false;
    // One group member: the embedded broker holds a first join for 3 s (its
    // group.initial.rebalance.delay.ms), and a second member joining meanwhile starts a rebalance that
    // waits the session timeout less a second (44 s) before anyone is assigned anything.
    config.kafka.workers = Some(1);
    config.http.listen = args.listen.clone();
    let service = service::start(config.clone(), Clock::EventTime).await?;
    let base = format!("http://{}", service.address);
    println!("callboard demo: simulating a contact-center day at {}× speed into an embedded Kafka broker", args.speed);
    println!("  the board opens at 08:00 of the simulated day (the night before is sent at once as today's history)");
    println!("  wallboard  {base}/");
    println!("  API        {base}/api/v1/tenants   {base}/api/v1/tenants/acme/queues");
    println!("  alerts     {base}/api/v1/alerts   (also on the call-alerts topic)");
    println!("  metrics    {base}/metrics");
    println!("  health     {base}/livez   {base}/readyz");
    println!("Ctrl-C stops.");

    let stop = Arc::new(AtomicBool::new(false));
    let producer = {
        let stop = Arc::clone(&stop);
        let (brokers, topic) = (config.kafka.brokers.clone(), config.kafka.topic.clone());
        let options = SimOptions {
            seed: args.seed,
            agents: args.agents,
            peak_calls_per_hour: args.calls_per_hour,
            start: today_start(),
            ..SimOptions::default()
        };
        let speed = args.speed;
        std::thread::spawn(move || produce_day(&brokers, &topic, &options, speed, &stop))
    };
    tokio::signal::ctrl_c()
        .await
        .context("cannot wait for Ctrl-C")?;
    stop.store(true, Ordering::Release);
    let _ = tokio::task::spawn_blocking(move || producer.join()).await;
    service.stop().await;
    drop(cluster);
    Ok(())
}

/// Produces the simulated day, paced so that simulated time runs `speed` times faster than the wall
/// clock from 08:00, on the morning ramp: the night and early morning before are sent at once, so the
/// board opens on a busy floor with today's figures so far.
fn produce_day(brokers: &str, topic: &str, options: &SimOptions, speed: f64, stop: &AtomicBool) {
    let mut producer = match EventProducer::new(brokers, topic, &[]) {
        Ok(producer) => producer,
        Err(error) => return tracing::error!(%error, "demo producer failed"),
    };
    let paced_from = options.start + PACED_FROM;
    let started = Instant::now();
    simulate(options, |event| {
        if stop.load(Ordering::Acquire) {
            return;
        }
        if event.time > paced_from {
            let due = Duration::from_secs_f64((event.time - paced_from) as f64 / 1000.0 / speed);
            while let Some(wait) = due.checked_sub(started.elapsed()) {
                if stop.load(Ordering::Acquire) {
                    return;
                }
                std::thread::sleep(wait.min(Duration::from_millis(200)));
            }
        }
        if let Err(error) = producer.send(&event) {
            tracing::warn!(%error, "demo producer cannot send");
        }
    });
    let _ = producer.flush();
    if !stop.load(Ordering::Acquire) {
        tracing::info!("the simulated day is over; the figures stay up until Ctrl-C");
    }
}
