//! Realistic contact-center traffic: a discrete-event simulation of a day (or a pure M/M/N queue) that
//! produces domain events in event-time order, for `callboard simulate`, the demo, benches and tests.
//! Pure: [`simulate`] turns a plan ([`SimOptions`]) into events handed to a callback, in simulated time;
//! flags, writing and pacing to the wall clock are the command line's (`cli::simulate`).

mod curve;
mod model;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::center::settings::{HOUR, SECOND};
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
