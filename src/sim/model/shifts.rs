//! The shift plan of a realistic day: when each agent logs in, chosen the way a workforce planner would —
//! each queue's Erlang C requirement per half hour of the daily curve, grossed up for breaks, covered by
//! nine-hour shifts placed one agent at a time where they add the most, and lunches placed where the
//! floor can best spare them. Pure and deterministic.

use crate::center::settings::{QueueSettings, HOUR, MINUTE, SECOND};
use crate::event::Millis;
use crate::kpi::erlang::{required_agents, Workload};
use crate::sim::{curve, SimOptions};

/// A shift: eight hours on the phones, two breaks and lunch.
pub(super) const SHIFT: Millis = 9 * HOUR;
/// The plan's unit: half an hour.
const SLOT: Millis = 30 * MINUTE;
const SLOTS_PER_DAY: usize = (24 * HOUR / SLOT) as usize;
const SLOTS_PER_SHIFT: usize = (SHIFT / SLOT) as usize;
/// Lunch is half an hour, three to five hours into the shift (between the two breaks).
const LUNCH_SLOTS: std::ops::RangeInclusive<usize> = 6..=10;
/// Outbound agents log in from 08:00 to 11:00, a half hour apart, and lunch four hours in.
const OUTBOUND_FIRST_SLOT: usize = (8 * HOUR / SLOT) as usize;
const OUTBOUND_LUNCH_SLOT: usize = (4 * HOUR / SLOT) as usize;
/// Shifts end by midnight, so each day's plan is whole: the latest login is at 15:00.
const START_SLOTS: usize = ((24 * HOUR - SHIFT) / SLOT) as usize + 1;
/// Breaks and lunch take an hour of each shift.
const SHRINKAGE: f64 = 1.0 / 9.0;
/// Never fewer than two agents with a queue's skill, so that one can take a break.
const MINIMUM_PER_QUEUE: u32 = 2;
/// Mean ring and hold time added to talk and wrap-up (`routing`: 2–6 s of ring; holds of 10 s plus 30 s
/// on average on `hold_share` of the calls).
const RING_MS: Millis = 4 * SECOND;
const HOLD_MS: Millis = 40 * SECOND;

/// One agent's day: login as an offset from the start of the day, lunch as an offset from the login.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Shift {
    pub login: Millis,
    pub lunch: Millis,
}

/// The shift of each agent. Outbound agents work the campaign from 08:00 to 11:00 logins; the others are
/// placed in turn, each at the start that covers the most requirement per agent already there with one
/// of its skills (a D'Hondt apportionment of heads to half hours), so staffing follows the call curve in
/// proportion to the headcount. Then each takes lunch in the half hour of its lunch time where its
/// queues have the most agents per agent required.
pub(super) fn plan(options: &SimOptions, skills: &[Vec<usize>], outbound: &[bool]) -> Vec<Shift> {
    let required = requirement(options);
    let mut covered = vec![[0u32; SLOTS_PER_DAY]; options.queues];
    let mut outbound_seen = 0;
    let mut starts = Vec::with_capacity(skills.len());
    for (agent_skills, &outbound) in skills.iter().zip(outbound) {
        if outbound {
            starts.push(OUTBOUND_FIRST_SLOT + outbound_seen % 7);
            outbound_seen += 1;
            continue;
        }
        let gain = |start: usize| -> f64 {
            (start..start + SLOTS_PER_SHIFT)
                .flat_map(|slot| agent_skills.iter().map(move |&queue| (queue, slot)))
                .map(|(queue, slot)| required[queue][slot] / f64::from(covered[queue][slot] + 1))
                .sum()
        };
        let mut best = 0;
        for start in 1..START_SLOTS {
            if gain(start) > gain(best) {
                best = start;
            }
        }
        for &queue in agent_skills {
            for agents in &mut covered[queue][best..best + SLOTS_PER_SHIFT] {
                *agents += 1;
            }
        }
        starts.push(best);
    }
    let mut lunches = Vec::with_capacity(skills.len());
    for ((agent_skills, &outbound), &start) in skills.iter().zip(outbound).zip(&starts) {
        if outbound {
            lunches.push(OUTBOUND_LUNCH_SLOT);
            continue;
        }
        let spare = |lunch: usize| -> f64 {
            agent_skills
                .iter()
                .map(|&queue| {
                    f64::from(covered[queue][start + lunch]) / required[queue][start + lunch]
                })
                .sum()
        };
        let mut best = *LUNCH_SLOTS.start();
        for lunch in LUNCH_SLOTS {
            if spare(lunch) > spare(best) {
                best = lunch;
            }
        }
        for &queue in agent_skills {
            covered[queue][start + best] -= 1;
        }
        lunches.push(best);
    }
    starts
        .into_iter()
        .zip(lunches)
        .map(|(start, lunch)| Shift {
            login: start as Millis * SLOT,
            lunch: lunch as Millis * SLOT,
        })
        .collect()
}

/// Agents to schedule per queue and half hour: Erlang C for the queue's share of the busier end of the
/// half hour, at the default target (80 % in 20 s), over one less the shrinkage.
fn requirement(options: &SimOptions) -> Vec<[f64; SLOTS_PER_DAY]> {
    let weights = super::queue_weights(options.queues);
    let total: f64 = weights.iter().sum();
    let handle_ms = options.talk_mean_ms
        + options.wrap_up_mean_ms
        + RING_MS
        + (options.hold_share * HOLD_MS as f64) as Millis;
    let handle_seconds = handle_ms.max(SECOND) as f64 / 1000.0;
    weights
        .iter()
        .map(|weight| {
            std::array::from_fn(|slot| {
                let offset = slot as Millis * SLOT;
                let rate = curve::relative_rate(offset).max(curve::relative_rate(offset + SLOT));
                let calls_per_hour = options.peak_calls_per_hour * rate * weight / total;
                let agents = required_agents(
                    Workload::per_hour(calls_per_hour, handle_seconds),
                    QueueSettings::DEFAULT_THRESHOLD_MS as f64 / 1000.0,
                    QueueSettings::DEFAULT_SERVICE_LEVEL_TARGET,
                    None,
                )
                .unwrap_or(0)
                .max(MINIMUM_PER_QUEUE);
                f64::from(agents) / (1.0 - SHRINKAGE)
            })
        })
        .collect()
}
