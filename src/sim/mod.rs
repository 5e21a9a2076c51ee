//! Realistic contact-center traffic: a discrete-event simulation of a day (or a pure M/M/N queue) that
//! produces domain events in event-time order, for `callboard simulate`, the demo, benches and tests.
//! Pure: the simulation yields events to a callback; only [`run`] writes and sleeps.

mod curve;
mod model;

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::Context;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::center::settings::{HOUR, SECOND};
use crate::decode::json_v1;
use crate::event::{Event, Millis};
pub use model::Simulation;

/// What to simulate. Plain data; [`SimOptions::default`] is a realistic mid-sized center.
#[derive(Debug, Clone, PartialEq)]
pub struct SimOptions {
    pub seed: u64,
    pub tenant: String,
    /// Start of the first simulated day (epoch ms); the daily curve is relative to it.
    pub start: Millis,
    pub hours: u32,
    pub queues: usize,
    pub agents: usize,
    /// Inbound calls per hour over all queues at the busiest time of day.
    pub peak_calls_per_hour: f64,
    /// Mean caller patience; `None` means callers never abandon.
    pub patience_mean_ms: Option<Millis>,
    pub talk_mean_ms: Millis,
    pub wrap_up_mean_ms: Millis,
    /// Share of answered calls put on hold once.
    pub hold_share: f64,
    /// Share of answered calls transferred to another queue.
    pub transfer_share: f64,
    /// Share of agents working the outbound campaign instead of queues.
    pub outbound_share: f64,
    /// Share of completed calls with a survey.
    pub survey_share: f64,
    /// Shifts with breaks and lunch, arrivals following the daily curve; off for a steady M/M/N queue.
    pub realistic_day: bool,
    /// Truncate event times to whole seconds, as many ACDs do.
    pub second_resolution: bool,
    /// Emit events out of order by up to this much (they keep their times).
    pub disorder_ms: Millis,
    /// Stop after this many events.
    pub max_events: Option<usize>,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            seed: 1,
            tenant: "acme".to_string(),
            start: 1_795_392_000_000, // 2026-11-23T00:00:00Z
            hours: 24,
            queues: 4,
            agents: 80,
            peak_calls_per_hour: 420.0,
            patience_mean_ms: Some(120 * SECOND),
            talk_mean_ms: 240 * SECOND,
            wrap_up_mean_ms: 30 * SECOND,
            hold_share: 0.2,
            transfer_share: 0.05,
            outbound_share: 0.1,
            survey_share: 0.2,
            realistic_day: true,
            second_resolution: false,
            disorder_ms: 0,
            max_events: None,
        }
    }
}

impl SimOptions {
    /// One queue served by `agents` identical, always available agents: Poisson arrivals at
    /// `calls_per_hour`, exponential talk times with mean `talk_mean_ms`, no abandons, holds, wrap-up,
    /// transfers, outbound or surveys. Its waits follow Erlang C exactly.
    pub fn mmn(
        agents: usize,
        calls_per_hour: f64,
        talk_mean_ms: Millis,
        hours: u32,
        seed: u64,
    ) -> Self {
        SimOptions {
            seed,
            hours,
            queues: 1,
            agents,
            peak_calls_per_hour: calls_per_hour,
            patience_mean_ms: None,
            talk_mean_ms,
            wrap_up_mean_ms: 0,
            hold_share: 0.0,
            transfer_share: 0.0,
            outbound_share: 0.0,
            survey_share: 0.0,
            realistic_day: false,
            ..SimOptions::default()
        }
    }
}

/// Runs the simulation, handing each event to `emit` in emission order (event-time order, unless
/// `disorder_ms` perturbs it). Returns the number of events.
pub fn simulate(options: &SimOptions, mut emit: impl FnMut(Event)) -> usize {
    let mut count = 0;
    let limit = options.max_events.unwrap_or(usize::MAX);
    let mut disorder = Disorder::new(options.disorder_ms, options.seed);
    let mut simulation = Simulation::new(options);
    while count < limit {
        let Some(mut event) = simulation.next_event() else {
            break;
        };
        if options.second_resolution {
            event.time -= event.time.rem_euclid(SECOND);
        }
        count += 1;
        disorder.push(event, &mut emit);
    }
    disorder.finish(&mut emit);
    count
}

/// Delays each event by a random amount below the bound before emitting it, so arrival order differs
/// from event order by at most the bound.
struct Disorder {
    bound_ms: Millis,
    rng: SmallRng,
    held: std::collections::BTreeMap<(Millis, u64), Event>,
    sequence: u64,
}

impl Disorder {
    fn new(bound_ms: Millis, seed: u64) -> Self {
        Disorder {
            bound_ms,
            rng: SmallRng::seed_from_u64(seed ^ 0xd150_12de),
            held: Default::default(),
            sequence: 0,
        }
    }

    fn push(&mut self, event: Event, emit: &mut impl FnMut(Event)) {
        if self.bound_ms <= 0 {
            return emit(event);
        }
        let now = event.time;
        let release = now + self.rng.gen_range(0..self.bound_ms);
        self.sequence += 1;
        self.held.insert((release, self.sequence), event);
        while let Some(entry) = self.held.first_entry() {
            if entry.key().0 > now {
                break;
            }
            emit(entry.remove());
        }
    }

    fn finish(&mut self, emit: &mut impl FnMut(Event)) {
        while let Some((_, event)) = self.held.pop_first() {
            emit(event);
        }
    }
}

/// `callboard simulate`.
#[derive(clap::Args, Debug, Clone)]
pub struct SimulateArgs {
    /// Random seed: the same seed gives the same day.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Tenant (contact center) name written on every event.
    #[arg(long, default_value = "acme")]
    pub tenant: String,
    /// Start of the simulated day, RFC 3339 (default 2026-11-23T00:00:00Z).
    #[arg(long)]
    pub start: Option<String>,
    /// Hours to simulate.
    #[arg(long, default_value_t = 24)]
    pub hours: u32,
    /// Number of inbound queues.
    #[arg(long, default_value_t = 4)]
    pub queues: usize,
    /// Number of agents (about a tenth work the outbound campaign).
    #[arg(long, default_value_t = 80)]
    pub agents: usize,
    /// Inbound calls per hour over all queues at the busiest time of day.
    #[arg(long, default_value_t = 420.0)]
    pub calls_per_hour: f64,
    /// Mean caller patience in seconds before abandoning; 0 means callers never abandon.
    #[arg(long, default_value_t = 120.0)]
    pub patience: f64,
    /// Stop after about this many events, running more simulated days if needed (for benchmark files).
    #[arg(long)]
    pub events: Option<usize>,
    /// Emit events out of order by up to this many seconds (they keep their event times).
    #[arg(long, default_value_t = 0.0)]
    pub disorder: f64,
    /// Truncate event times to whole seconds, as many ACDs do.
    #[arg(long)]
    pub second_resolution: bool,
    /// A pure M/M/N queue instead of a realistic day: one queue, always-available agents, exponential
    /// talk times, no abandons (for checking figures against Erlang C).
    #[arg(long)]
    pub mmn: bool,
    /// Pace output to the event times (for a live demo).
    #[arg(long)]
    pub realtime: bool,
    /// With --realtime, simulated seconds per wall-clock second.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Produce the events to Kafka at these bootstrap brokers (keyed by tenant) instead of stdout.
    #[arg(long)]
    pub brokers: Option<String>,
    /// With --brokers, the topic to produce to.
    #[arg(long, default_value = "call-events")]
    pub topic: String,
}

/// Where `callboard simulate` writes: JSON Lines on stdout, or a Kafka topic (see `cli`).
pub trait Output {
    fn emit(&mut self, event: &Event) -> std::io::Result<()>;
    /// Pushes out what is buffered (before a realtime pause, and at the end).
    fn flush(&mut self) -> std::io::Result<()>;
}

/// JSON Lines to a writer.
pub struct Lines<W: Write> {
    writer: std::io::BufWriter<W>,
    line: Vec<u8>,
}

impl<W: Write> Lines<W> {
    pub fn new(writer: W) -> Self {
        Lines {
            writer: std::io::BufWriter::with_capacity(1 << 16, writer),
            line: Vec::with_capacity(512),
        }
    }
}

impl<W: Write> Output for Lines<W> {
    fn emit(&mut self, event: &Event) -> std::io::Result<()> {
        self.line.clear();
        json_v1::encode(event, &mut self.line);
        self.line.push(b'\n');
        self.writer.write_all(&self.line)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.writer.flush()
    }
}

impl SimulateArgs {
    pub fn options(&self) -> anyhow::Result<SimOptions> {
        let start = match &self.start {
            Some(text) => crate::decode::time::parse_rfc3339(text).with_context(|| {
                format!("--start `{text}` is not RFC 3339 (e.g. 2026-11-23T00:00:00Z)")
            })?,
            None => SimOptions::default().start,
        };
        anyhow::ensure!(
            self.speed > 0.0,
            "--speed must be above 0, got {}",
            self.speed
        );
        anyhow::ensure!(
            self.agents > 0 && self.queues > 0,
            "--agents and --queues must be at least 1"
        );
        let mut options = if self.mmn {
            SimOptions::mmn(
                self.agents,
                self.calls_per_hour,
                SimOptions::default().talk_mean_ms,
                self.hours,
                self.seed,
            )
        } else {
            SimOptions {
                queues: self.queues,
                agents: self.agents,
                peak_calls_per_hour: self.calls_per_hour,
                patience_mean_ms: (self.patience > 0.0)
                    .then_some((self.patience * 1000.0) as Millis),
                hours: self.hours,
                seed: self.seed,
                ..SimOptions::default()
            }
        };
        options.tenant = self.tenant.clone();
        options.start = start;
        options.second_resolution = self.second_resolution;
        options.disorder_ms = (self.disorder * 1000.0) as Millis;
        if let Some(events) = self.events {
            options.max_events = Some(events);
            // Enough days for the requested size; the run stops at it.
            options.hours = options.hours.max(24 * 400);
        }
        Ok(options)
    }
}

/// Writes the simulated events as JSON Lines, paced to wall time with `--realtime`.
pub fn run(args: &SimulateArgs, out: &mut dyn Output) -> anyhow::Result<()> {
    let options = args.options()?;
    let started = Instant::now();
    let mut failure: Option<std::io::Error> = None;
    let mut last_flush = Instant::now();
    simulate(&options, |event| {
        if failure.is_some() {
            return;
        }
        if args.realtime {
            let due = Duration::from_secs_f64(
                ((event.time - options.start) as f64 / 1000.0 / args.speed).max(0.0),
            );
            if let Some(wait) = due.checked_sub(started.elapsed()) {
                let _ = out.flush();
                std::thread::sleep(wait);
            }
        }
        if let Err(error) = out.emit(&event) {
            failure = Some(error);
        }
        if args.realtime && last_flush.elapsed() > Duration::from_millis(100) {
            let _ = out.flush();
            last_flush = Instant::now();
        }
    });
    if let Some(error) = failure {
        // A closed pipe (`| head`) is the reader's choice, not a failure.
        if error.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(error.into());
        }
        return Ok(());
    }
    match out.flush() {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => Err(error.into()),
        _ => Ok(()),
    }
}

/// A random duration with the given mean: exponential, the textbook service and patience law.
fn exponential(rng: &mut SmallRng, mean_ms: Millis) -> Millis {
    if mean_ms <= 0 {
        return 0;
    }
    let uniform: f64 = rng.gen_range(f64::EPSILON..1.0);
    (-(mean_ms as f64) * uniform.ln()).round() as Millis
}

/// The same horizon in hours, as ms.
fn hours_ms(hours: u32) -> Millis {
    Millis::from(hours) * HOUR
}

#[cfg(test)]
mod tests;
