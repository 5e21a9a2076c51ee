//! The plans proptest generates: a tenant that sends `call.completed` or not, agents with skills,
//! shifts, breaks, not-ready logins and a number of calls they may work at once, and calls with their
//! queue segments, transfers and surveys. Durations are in seconds and rounded down to the floor's tick.
//! A plan holds no events: `floor` turns it into a consistent floor.

use callboard::center::settings::Completions;
use proptest::prelude::*;

use crate::{QUEUES, REASONS};

#[derive(Debug, Clone)]
pub struct Handling {
    /// Seconds the call rings at the agent before the answer (no `call.ringing` when `None`).
    pub ring: Option<u32>,
    pub talk: u32,
    /// (offset into the talk, length) of one hold.
    pub hold: Option<(u32, u32)>,
    pub wrap_up: u32,
}

#[derive(Debug, Clone)]
pub struct Segment {
    pub queue: usize,
    /// Seconds the caller waits before hanging up.
    pub patience: u32,
    /// Seconds after which the ACD takes the call out of the queue (`call.dequeued`, timeout).
    pub timeout: Option<u32>,
    pub handling: Handling,
}

/// The first agent transfers the call to another queue instead of ending it.
#[derive(Debug, Clone)]
pub struct Transfer {
    /// Added to the segment's queue (mod the number of queues): never the same queue.
    pub queue_shift: usize,
    pub talk: u32,
    pub wrap_up: u32,
    /// Seconds between `call.transferred` and the new `call.queued`.
    pub requeue_delay: u32,
    pub next: Segment,
}

/// The caller answers a survey after the call: a pure tally, which the arrival-order property also
/// delivers long after its time.
#[derive(Debug, Clone)]
pub struct Survey {
    /// Seconds after the end of the call.
    pub delay: u32,
    pub names_agent: bool,
    pub names_queue: bool,
    pub score: u32,
    /// A power of two, so that sums of score / scale are exact in any order and CSAT compares exactly.
    pub scale: u32,
    /// Seconds beyond the lateness the survey arrives after its time (at most 40 minutes: within the
    /// hour the engine's rolling windows hold).
    pub late_by: u32,
}

#[derive(Debug, Clone)]
pub struct CallPlan {
    pub arrival: u32,
    pub first: Segment,
    pub transfer: Option<Transfer>,
    pub survey: Option<Survey>,
}

#[derive(Debug, Clone)]
pub struct AgentPlan {
    /// Sends agent events; otherwise the agent is known only from call events (a feed without them).
    pub explicit: bool,
    pub skills: Vec<usize>,
    /// (login, length) of each shift, in seconds from the start of the floor / of the shift.
    pub sessions: Vec<(u32, u32)>,
    /// (earliest start, length, reason): breaks taken when the agent is next out of talk and hold.
    pub breaks: Vec<(u32, u32, usize)>,
    /// Not ready at login for (length, reason); available at login otherwise.
    pub not_ready_at_login: Option<(u32, usize)>,
    /// Calls the agent may work at once (talk, hold or wrap-up): the router offers it another call
    /// while it works fewer.
    pub capacity: usize,
    /// The ACD sends `agent.state` `available` when the agent's after-call work is done (explicit
    /// agents only): with the next answer, a completion, a state change and an answer at one instant.
    pub ready_after_call: bool,
}

#[derive(Debug, Clone)]
pub struct FloorPlan {
    pub tick_seconds: u32,
    /// Whether the tenant's feed sends `call.completed` (an engine setting per tenant).
    pub completions: Completions,
    pub agents: Vec<AgentPlan>,
    pub calls: Vec<CallPlan>,
}

fn handling() -> impl Strategy<Value = Handling> {
    (
        prop::option::weighted(0.3, 0u32..=12),
        prop_oneof![3 => 0u32..=400, 1 => 0u32..=10],
        prop::option::weighted(0.3, (0u32..=400, 0u32..=60)),
        prop_oneof![1 => Just(0u32), 2 => 0u32..=90],
    )
        .prop_map(|(ring, talk, hold, wrap_up)| Handling {
            ring,
            talk,
            hold,
            wrap_up,
        })
}

fn segment() -> impl Strategy<Value = Segment> {
    (
        0..QUEUES.len(),
        // Short abandons, abandons around the 20 s threshold, and patient callers.
        prop_oneof![0u32..=8, 18u32..=22, 0u32..=240],
        prop::option::weighted(0.2, 0u32..=120),
        handling(),
    )
        .prop_map(|(queue, patience, timeout, handling)| Segment {
            queue,
            patience,
            timeout,
            handling,
        })
}

fn survey() -> impl Strategy<Value = Survey> {
    (
        prop_oneof![Just(0u32), 0u32..=900],
        prop::bool::weighted(0.8),
        prop::bool::weighted(0.8),
        1u32..=3,
        any::<u32>(),
        prop_oneof![1u32..=60, 60u32..=2_400],
    )
        .prop_map(|(delay, names_agent, names_queue, power, score, late_by)| {
            let scale = 1 << power;
            Survey {
                delay,
                names_agent,
                names_queue,
                score: score % (scale + 1),
                scale,
                late_by,
            }
        })
}

fn call_plan() -> impl Strategy<Value = CallPlan> {
    let transfer = (
        1..QUEUES.len(),
        0u32..=200,
        0u32..=60,
        prop_oneof![Just(0u32), 0u32..=10],
        segment(),
    )
        .prop_map(
            |(queue_shift, talk, wrap_up, requeue_delay, next)| Transfer {
                queue_shift,
                talk,
                wrap_up,
                requeue_delay,
                next,
            },
        );
    (
        0u32..7_200,
        segment(),
        prop::option::weighted(0.25, transfer),
        prop::option::weighted(0.3, survey()),
    )
        .prop_map(|(arrival, first, transfer, survey)| CallPlan {
            arrival,
            first,
            transfer,
            survey,
        })
}

fn agent_plan() -> impl Strategy<Value = AgentPlan> {
    (
        prop::bool::weighted(0.8),
        1usize..8,
        (0u32..=1_800, 1_800u32..=7_200),
        prop::option::weighted(0.4, (1u32..=900, 600u32..=3_600)),
        prop::collection::vec((0u32..=9_000, 1u32..=900, 0..REASONS.len()), 0..4),
        prop::option::weighted(0.3, (1u32..=600, 0..REASONS.len())),
        prop_oneof![6 => Just(1usize), 2 => Just(2usize), 1 => Just(3usize)],
        prop::bool::weighted(0.5),
    )
        .prop_map(
            |(
                explicit,
                skill_bits,
                first,
                second,
                mut breaks,
                not_ready_at_login,
                capacity,
                ready_after_call,
            )| {
                let skills = (0..QUEUES.len())
                    .filter(|q| skill_bits & (1 << q) != 0)
                    .collect();
                let mut sessions = vec![first];
                if let Some((gap, length)) = second {
                    sessions.push((first.0 + first.1 + gap, length));
                }
                breaks.sort();
                AgentPlan {
                    explicit,
                    skills,
                    sessions,
                    breaks,
                    not_ready_at_login,
                    capacity,
                    ready_after_call,
                }
            },
        )
}

pub fn floor_plan() -> impl Strategy<Value = FloorPlan> {
    (
        prop_oneof![3 => Just(1u32), 1 => Just(5u32)],
        prop_oneof![3 => Just(Completions::Sent), 1 => Just(Completions::Absent)],
        prop::collection::vec(agent_plan(), 1..=5),
        prop::collection::vec(call_plan(), 0..=60),
    )
        .prop_map(|(tick_seconds, completions, agents, calls)| FloorPlan {
            tick_seconds,
            completions,
            agents,
            calls,
        })
}
