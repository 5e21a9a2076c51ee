//! The plans proptest generates: agents with skills, shifts, breaks and not-ready logins, and calls with
//! their queue segments and transfers. Durations are in seconds and rounded down to the floor's tick.
//! A plan holds no events: `floor` turns it into a consistent floor.

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

#[derive(Debug, Clone)]
pub struct CallPlan {
    pub arrival: u32,
    pub first: Segment,
    pub transfer: Option<Transfer>,
}

#[derive(Debug, Clone)]
pub struct AgentPlan {
    /// Sends agent events; otherwise the agent is known only from call events (a feed without them).
    pub explicit: bool,
    pub skills: Vec<usize>,
    /// (login, length) of each shift, in seconds from the start of the floor / of the shift.
    pub sessions: Vec<(u32, u32)>,
    /// (earliest start, length, reason): breaks taken when the agent is next free.
    pub breaks: Vec<(u32, u32, usize)>,
    /// Not ready at login for (length, reason); available at login otherwise.
    pub not_ready_at_login: Option<(u32, usize)>,
    /// Sends `call.completed`; otherwise each handle ends at the agent's next answer, `agent.state` or
    /// logout (`spec/events.md`).
    pub completes: bool,
}

#[derive(Debug, Clone)]
pub struct FloorPlan {
    pub tick_seconds: u32,
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
    )
        .prop_map(|(arrival, first, transfer)| CallPlan {
            arrival,
            first,
            transfer,
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
        prop::bool::weighted(0.75),
    )
        .prop_map(
            |(explicit, skill_bits, first, second, mut breaks, not_ready_at_login, completes)| {
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
                    completes,
                }
            },
        )
}

pub fn floor_plan() -> impl Strategy<Value = FloorPlan> {
    (
        prop_oneof![3 => Just(1u32), 1 => Just(5u32)],
        prop::collection::vec(agent_plan(), 1..=5),
        prop::collection::vec(call_plan(), 0..=60),
    )
        .prop_map(|(tick_seconds, agents, calls)| FloorPlan {
            tick_seconds,
            agents,
            calls,
        })
}
