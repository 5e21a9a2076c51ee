//! Properties of the engine over generated floors: arrival order within the lateness never changes the
//! figures; figures kept incrementally equal a recomputation from scratch; agents' handled calls sum to
//! the queues'. A small simulator here builds a consistent floor (agents shared across calls, logins,
//! breaks, logouts, ringing, holds, wrap-up, abandons, timeouts, transfers between queues, feeds with
//! no agent events or no `call.completed`, whole-tick times so many events share a second) and,
//! alongside the events, the figures the floor must show — computed from the simulator's own timeline,
//! never by the engine. Agent-to-agent transfers are left out: their second leg is handled by an agent
//! but answered from no queue, so agents' handled calls rightly exceed the queues' there.

use std::collections::BTreeMap;

use callboard::center::settings::{CenterSettings, HOUR, MINUTE, SECOND};
use callboard::center::snapshot::{rfc3339, AgentsByState, CenterSnapshot, TODAY};
use callboard::center::{Center, Rejection};
use callboard::event::{Availability, DequeueReason, Event, EventKind, Id, Millis};
use callboard::kpi::{AgentTimes, QueueCounts};
use callboard::report::{self, Cell, Table};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

/// 2026-11-23T23:00:00Z: the tenant's (UTC) day turns an hour into every generated floor.
const BASE: Millis = 1_795_474_800_000;
const MIDNIGHT: Millis = BASE + HOUR;
const INTERVAL: Millis = 15 * MINUTE;
const QUEUES: [&str; 3] = ["billing", "sales", "support"];
/// Not-ready reasons; index 0 is `not_ready` without a reason (the engine keys it as "").
const REASONS: [&str; 4] = ["", "break", "lunch", "training"];
const THRESHOLD_MS: u64 = 20_000;
const SHORT_ABANDON_MS: u64 = 5_000;
const ROLLING: [(&str, Millis); 3] = [("15m", 15 * MINUTE), ("30m", 30 * MINUTE), ("1h", HOUR)];

// ---------------------------------------------------------------------------------------------------
// Plans: what proptest generates. Durations are in seconds and rounded down to the floor's tick.

#[derive(Debug, Clone)]
struct Handling {
    /// Seconds the call rings at the agent before the answer (no `call.ringing` when `None`).
    ring: Option<u32>,
    talk: u32,
    /// (offset into the talk, length) of one hold.
    hold: Option<(u32, u32)>,
    wrap_up: u32,
}

#[derive(Debug, Clone)]
struct Segment {
    queue: usize,
    /// Seconds the caller waits before hanging up.
    patience: u32,
    /// Seconds after which the ACD takes the call out of the queue (`call.dequeued`, timeout).
    timeout: Option<u32>,
    handling: Handling,
}

/// The first agent transfers the call to another queue instead of ending it.
#[derive(Debug, Clone)]
struct Transfer {
    /// Added to the segment's queue (mod the number of queues): never the same queue.
    queue_shift: usize,
    talk: u32,
    wrap_up: u32,
    /// Seconds between `call.transferred` and the new `call.queued`.
    requeue_delay: u32,
    next: Segment,
}

#[derive(Debug, Clone)]
struct CallPlan {
    arrival: u32,
    first: Segment,
    transfer: Option<Transfer>,
}

#[derive(Debug, Clone)]
struct AgentPlan {
    /// Sends agent events; otherwise the agent is known only from call events (a feed without them).
    explicit: bool,
    skills: Vec<usize>,
    /// (login, length) of each shift, in seconds from the start of the floor / of the shift.
    sessions: Vec<(u32, u32)>,
    /// (earliest start, length, reason): breaks taken when the agent is next free.
    breaks: Vec<(u32, u32, usize)>,
    /// Not ready at login for (length, reason); available at login otherwise.
    not_ready_at_login: Option<(u32, usize)>,
    /// Sends `call.completed`; otherwise each handle ends at the agent's next answer, `agent.state` or
    /// logout (`spec/events.md`).
    completes: bool,
}

#[derive(Debug, Clone)]
struct FloorPlan {
    tick_seconds: u32,
    agents: Vec<AgentPlan>,
    calls: Vec<CallPlan>,
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

fn floor_plan() -> impl Strategy<Value = FloorPlan> {
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

// ---------------------------------------------------------------------------------------------------
// The expected floor: the simulator's record of what happened, from which figures are recomputed.

/// An agent's state as `spec/events.md` derives it, with talk and hold apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    LoggedOut,
    Available,
    Ringing,
    Talk,
    Hold,
    WrapUp,
    NotReady(usize),
}

/// What one event adds to its queue's counts.
#[derive(Debug, Clone, Copy)]
enum Tally {
    Offered,
    Answered {
        wait_ms: u64,
    },
    Abandoned {
        wait_ms: u64,
    },
    Dequeued,
    Handled {
        talk_ms: u64,
        hold_ms: u64,
        wrap_up_ms: u64,
    },
}

#[derive(Debug, Default)]
struct AgentModel {
    id: String,
    skills: Vec<usize>,
    /// State changes in time order (only changes, as the engine records them).
    transitions: Vec<(Millis, State)>,
    /// Completion times of the agent's handled calls.
    handles: Vec<Millis>,
}

#[derive(Debug, Default)]
struct Expected {
    /// The events in the order the simulator meant them (not yet sorted by time).
    events: Vec<Event>,
    /// (time, queue, tally) of every queue count.
    records: Vec<(Millis, usize, Tally)>,
    /// (queue, queued, left) of every queue segment.
    segments: Vec<(usize, Millis, Millis)>,
    agents: Vec<AgentModel>,
    /// Answered segments whose handle ended (completion, or the agent's next answer, state or logout):
    /// the simulator's own count of handled calls.
    handled: u64,
    /// Time of the last event.
    end: Millis,
}

// ---------------------------------------------------------------------------------------------------
// The simulator: one pass over ticks, routing waiting calls to free agents longest-idle-first.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Out,
    Available,
    NotReady { until: u32 },
    Ringing { call: usize, answer_at: u32 },
    Busy { until: u32 },
}

struct AgentSim {
    plan: AgentPlan,
    status: Status,
    /// (tick, natural rank) of the agent's latest event: a later event of the agent at the same tick
    /// must have a higher rank, so sorting by (time, rank) keeps the agent's order.
    last: (u32, u8),
    next_session: usize,
    session_end: u32,
    next_break: usize,
    /// A call ended (or transferred) without `call.completed`: the agent is free but in wrap-up until
    /// its next answer, state or logout, which completes the handle.
    open_handle: Option<OpenHandle>,
}

struct OpenHandle {
    queue: usize,
    talk_ms: u64,
    hold_ms: u64,
    ended: u32,
}

struct Waiting {
    call: usize,
    queue: usize,
    queued_at: u32,
    segment: Segment,
    transfer: Option<Transfer>,
    ringing_at: Option<usize>,
}

struct Sim {
    tick_seconds: u32,
    agents: Vec<AgentSim>,
    waiting: Vec<Waiting>,
    /// (tick, call, segment in its new queue) of transferred calls not yet queued again.
    requeues: Vec<(u32, usize, Segment)>,
    out: Expected,
}

fn allowed(last: (u32, u8), tick: u32, rank: u8) -> bool {
    last.0 < tick || last.1 < rank
}

fn agent_id(index: usize) -> Id {
    Id::from(format!("a{index}"))
}

fn call_id(index: usize) -> Id {
    Id::from(format!("c{index}"))
}

fn reason_id(reason: usize) -> Option<Id> {
    (reason > 0).then(|| Id::from(REASONS[reason]))
}

impl Sim {
    fn ticks(&self, seconds: u32) -> u32 {
        seconds / self.tick_seconds
    }

    fn ms(&self, tick: u32) -> Millis {
        BASE + Millis::from(tick) * Millis::from(self.tick_seconds) * SECOND
    }

    fn emit(&mut self, tick: u32, kind: EventKind) {
        let time = self.ms(tick);
        self.out.end = self.out.end.max(time);
        // Unique ids, as a producer sends them: dedup must never take one for a repeat.
        let id = Some(Id::from(format!("e{}", self.out.events.len())));
        self.out.events.push(Event {
            time,
            tenant: Id::from("acme"),
            id,
            kind,
        });
    }

    fn record(&mut self, tick: u32, queue: usize, tally: Tally) {
        let time = self.ms(tick);
        self.out.records.push((time, queue, tally));
    }

    fn enter(&mut self, agent: usize, tick: u32, state: State) {
        let time = self.ms(tick);
        let transitions = &mut self.out.agents[agent].transitions;
        if transitions.last().map_or(State::LoggedOut, |(_, s)| *s) != state {
            transitions.push((time, state));
        }
    }

    /// Counts a finished handle of `agent` at `t` for the queue it was answered from.
    fn count_handle(&mut self, agent: usize, t: u32, queue: usize, handle: [u64; 3]) {
        let [talk_ms, hold_ms, wrap_up_ms] = handle;
        let tally = Tally::Handled {
            talk_ms,
            hold_ms,
            wrap_up_ms,
        };
        self.record(t, queue, tally);
        let time = self.ms(t);
        self.out.agents[agent].handles.push(time);
        self.out.handled += 1;
    }

    /// The agent's next answer, state or logout at `t` ends a wrap-up left open.
    fn close_open_handle(&mut self, agent: usize, t: u32) {
        if let Some(open) = self.agents[agent].open_handle.take() {
            let wrap_up_ms = u64::from(t - open.ended) * u64::from(self.tick_seconds) * 1_000;
            self.count_handle(
                agent,
                t,
                open.queue,
                [open.talk_ms, open.hold_ms, wrap_up_ms],
            );
        }
    }

    /// The agent is offered a call, or the offer is withdrawn: it shows in its state unless it is still
    /// in an open wrap-up (a ring does not end the handle; only the answer does).
    fn enter_unless_wrapping_up(&mut self, agent: usize, t: u32, state: State) {
        if self.agents[agent].open_handle.is_none() {
            self.enter(agent, t, state);
        }
    }

    fn agent_events(&mut self, agent: usize, t: u32) {
        let a = &mut self.agents[agent];
        if let Status::Busy { until } = a.status {
            if t >= until {
                a.status = Status::Available;
            }
        }
        if !a.plan.explicit {
            return;
        }
        let idle = matches!(a.status, Status::Available | Status::NotReady { .. });
        if idle && t >= a.session_end && allowed(a.last, t, 13) {
            a.status = Status::Out;
            a.next_session += 1;
            a.last = (t, 13);
            self.close_open_handle(agent, t);
            self.emit(
                t,
                EventKind::AgentLogout {
                    agent: agent_id(agent),
                },
            );
            self.enter(agent, t, State::LoggedOut);
            return;
        }
        let a = &mut self.agents[agent];
        match a.status {
            Status::NotReady { until } if t >= until && allowed(a.last, t, 12) => {
                a.status = Status::Available;
                a.last = (t, 12);
                self.set_availability(agent, t, None);
            }
            Status::Available
                if a.plan
                    .breaks
                    .get(a.next_break)
                    .is_some_and(|b| b.0 / self.tick_seconds <= t)
                    && allowed(a.last, t, 12) =>
            {
                let (_, length, reason) = a.plan.breaks[a.next_break];
                a.next_break += 1;
                a.status = Status::NotReady {
                    until: t + (length / self.tick_seconds).max(1),
                };
                a.last = (t, 12);
                self.set_availability(agent, t, Some(reason));
            }
            Status::Out
                if a.plan
                    .sessions
                    .get(a.next_session)
                    .is_some_and(|s| s.0 / self.tick_seconds <= t)
                    && allowed(a.last, t, 0) =>
            {
                let length = a.plan.sessions[a.next_session].1 / self.tick_seconds;
                a.session_end = t + length.max(1);
                a.last = (t, 12);
                let at_login = a.plan.not_ready_at_login;
                a.status = match at_login {
                    Some((length, _)) => Status::NotReady {
                        until: t + (length / self.tick_seconds).max(1),
                    },
                    None => Status::Available,
                };
                let queues = a.plan.skills.iter().map(|&q| Id::from(QUEUES[q])).collect();
                self.emit(
                    t,
                    EventKind::AgentLogin {
                        agent: agent_id(agent),
                        queues: Some(queues),
                        team: Some(Id::from(format!("team{}", agent % 2))),
                    },
                );
                self.set_availability(agent, t, at_login.map(|(_, reason)| reason));
            }
            _ => {}
        }
    }

    fn set_availability(&mut self, agent: usize, t: u32, not_ready: Option<usize>) {
        self.close_open_handle(agent, t);
        let availability = match not_ready {
            Some(reason) => Availability::NotReady {
                reason: reason_id(reason),
            },
            None => Availability::Available,
        };
        self.emit(
            t,
            EventKind::AgentState {
                agent: agent_id(agent),
                availability,
            },
        );
        self.enter(
            agent,
            t,
            not_ready.map_or(State::Available, State::NotReady),
        );
    }

    fn enqueue(&mut self, t: u32, call: usize, segment: Segment, transfer: Option<Transfer>) {
        self.emit(
            t,
            EventKind::CallQueued {
                call: call_id(call),
                queue: Id::from(QUEUES[segment.queue]),
                priority: None,
                direction: Default::default(),
            },
        );
        self.record(t, segment.queue, Tally::Offered);
        self.waiting.push(Waiting {
            call,
            queue: segment.queue,
            queued_at: t,
            segment,
            transfer,
            ringing_at: None,
        });
    }

    /// Callers whose patience ran out hang up; calls past their queue timeout are dequeued.
    fn departures(&mut self, t: u32) {
        let mut index = 0;
        while index < self.waiting.len() {
            let w = &self.waiting[index];
            let patience_at = w.queued_at + self.ticks(w.segment.patience);
            let timeout_at = w.segment.timeout.map(|s| w.queued_at + self.ticks(s));
            let dequeued = timeout_at.is_some_and(|at| at < patience_at);
            if t < timeout_at.map_or(patience_at, |at| at.min(patience_at)) {
                index += 1;
                continue;
            }
            let w = self.waiting.remove(index);
            let (call, queue) = (call_id(w.call), Id::from(QUEUES[w.queue]));
            let wait_ms = u64::from(t - w.queued_at) * u64::from(self.tick_seconds) * 1_000;
            if dequeued {
                let reason = DequeueReason::Timeout;
                self.emit(
                    t,
                    EventKind::CallDequeued {
                        call,
                        queue,
                        reason,
                    },
                );
                self.record(t, w.queue, Tally::Dequeued);
            } else {
                self.emit(t, EventKind::CallAbandoned { call, queue });
                self.record(t, w.queue, Tally::Abandoned { wait_ms });
            }
            self.out
                .segments
                .push((w.queue, self.ms(w.queued_at), self.ms(t)));
            if let Some(agent) = w.ringing_at {
                // The agent stops ringing; it takes no other call in this tick.
                self.agents[agent].status = Status::Available;
                self.agents[agent].last = (t, 5);
                self.enter_unless_wrapping_up(agent, t, State::Available);
            }
        }
    }

    /// Routes waiting calls, oldest first, to the free agent with the skill idle longest.
    fn route(&mut self, t: u32) {
        loop {
            let mut order: Vec<usize> = (0..self.waiting.len())
                .filter(|&k| self.waiting[k].ringing_at.is_none())
                .collect();
            order.sort_by_key(|&k| (self.waiting[k].queued_at, self.waiting[k].call));
            let found = order.into_iter().find_map(|k| {
                let queue = self.waiting[k].queue;
                (0..self.agents.len())
                    .filter(|&j| {
                        let a = &self.agents[j];
                        a.status == Status::Available
                            && allowed(a.last, t, 3)
                            && (!a.plan.explicit || a.plan.skills.contains(&queue))
                    })
                    .min_by_key(|&j| (self.agents[j].last.0, j))
                    .map(|j| (k, j))
            });
            let Some((k, agent)) = found else { return };
            match self.waiting[k].segment.handling.ring {
                Some(seconds) => {
                    let w = &mut self.waiting[k];
                    w.ringing_at = Some(agent);
                    let (call, queue) = (w.call, w.queue);
                    let answer_at = t + self.ticks(seconds);
                    self.agents[agent].status = Status::Ringing { call, answer_at };
                    self.agents[agent].last = (t, 3);
                    self.emit(
                        t,
                        EventKind::CallRinging {
                            call: call_id(call),
                            queue: Id::from(QUEUES[queue]),
                            agent: agent_id(agent),
                        },
                    );
                    self.enter_unless_wrapping_up(agent, t, State::Ringing);
                    if answer_at == t {
                        let w = self.waiting.remove(k);
                        self.answer(t, agent, w);
                    }
                }
                None => {
                    let w = self.waiting.remove(k);
                    self.answer(t, agent, w);
                }
            }
        }
    }

    fn ringing_answers(&mut self, t: u32) {
        for agent in 0..self.agents.len() {
            if let Status::Ringing { call, answer_at } = self.agents[agent].status {
                if answer_at <= t {
                    let k = self.waiting.iter().position(|w| w.call == call).unwrap();
                    let w = self.waiting.remove(k);
                    self.answer(t, agent, w);
                }
            }
        }
    }

    /// The agent answers at `t`; the rest of its work on the call (hold, end or transfer, completion) is
    /// scheduled now, since the agent does nothing else until it completes.
    fn answer(&mut self, t: u32, agent: usize, w: Waiting) {
        let (call, a) = (call_id(w.call), agent_id(agent));
        let tick_ms = u64::from(self.tick_seconds) * 1_000;
        self.emit(
            t,
            EventKind::CallAnswered {
                call: call.clone(),
                queue: Id::from(QUEUES[w.queue]),
                agent: a.clone(),
            },
        );
        let wait_ms = u64::from(t - w.queued_at) * tick_ms;
        self.record(t, w.queue, Tally::Answered { wait_ms });
        self.out
            .segments
            .push((w.queue, self.ms(w.queued_at), self.ms(t)));
        self.close_open_handle(agent, t);
        self.enter(agent, t, State::Talk);
        let handling = &w.segment.handling;
        let (talk, wrap_up) = match &w.transfer {
            Some(transfer) => (self.ticks(transfer.talk), self.ticks(transfer.wrap_up)),
            None => (self.ticks(handling.talk), self.ticks(handling.wrap_up)),
        };
        let mut hold = 0;
        if let Some((offset, length)) = handling.hold {
            let held = t + self.ticks(offset).min(talk);
            hold = self.ticks(length);
            let (call, agent_name) = (call.clone(), a.clone());
            self.emit(
                held,
                EventKind::CallHeld {
                    call,
                    agent: agent_name,
                },
            );
            self.enter(agent, held, State::Hold);
            let (call, agent_name) = (call_id(w.call), a.clone());
            self.emit(
                held + hold,
                EventKind::CallResumed {
                    call,
                    agent: agent_name,
                },
            );
            self.enter(agent, held + hold, State::Talk);
        }
        let ended = t + talk + hold;
        match &w.transfer {
            Some(transfer) => {
                let queue = (w.queue + transfer.queue_shift) % QUEUES.len();
                self.emit(
                    ended,
                    EventKind::CallTransferred {
                        call: call.clone(),
                        agent: a.clone(),
                        to_queue: Some(Id::from(QUEUES[queue])),
                        to_agent: None,
                    },
                );
                let next = Segment {
                    queue,
                    ..transfer.next.clone()
                };
                // Queued again after the tick of the answer: at that tick the new `call.queued` would
                // sort before the `call.answered` it follows. The tick of the transfer is fine.
                let at = (ended + self.ticks(transfer.requeue_delay)).max(t + 1);
                self.requeues.push((at, w.call, next));
            }
            None => self.emit(
                ended,
                EventKind::CallEnded {
                    call: call.clone(),
                    agent: a.clone(),
                },
            ),
        }
        self.enter(agent, ended, State::WrapUp);
        let (talk_ms, hold_ms) = (u64::from(talk) * tick_ms, u64::from(hold) * tick_ms);
        if !self.agents[agent].plan.completes {
            self.agents[agent].open_handle = Some(OpenHandle {
                queue: w.queue,
                talk_ms,
                hold_ms,
                ended,
            });
            self.agents[agent].status = Status::Busy { until: ended };
            self.agents[agent].last = (ended, 9);
            return;
        }
        let completed = ended + wrap_up;
        self.emit(
            completed,
            EventKind::CallCompleted {
                call,
                agent: a,
                outcome: None,
                disposition: None,
            },
        );
        self.enter(agent, completed, State::Available);
        let wrap_up_ms = u64::from(wrap_up) * tick_ms;
        self.count_handle(agent, completed, w.queue, [talk_ms, hold_ms, wrap_up_ms]);
        self.agents[agent].status = Status::Busy { until: completed };
        self.agents[agent].last = (completed, 10);
    }

    fn settled(&self, t: u32, last_planned: u32) -> bool {
        t >= last_planned
            && self.waiting.is_empty()
            && self.requeues.is_empty()
            && self.agents.iter().all(|a| match a.status {
                Status::Out => a.next_session == a.plan.sessions.len(),
                Status::Busy { until } => !a.plan.explicit && t >= until,
                Status::Available => !a.plan.explicit,
                _ => false,
            })
    }
}

/// Runs the plan: the events of a consistent floor and the figures it must show.
fn simulate(plan: &FloorPlan) -> Expected {
    let tick = plan.tick_seconds;
    let mut sim = Sim {
        tick_seconds: tick,
        agents: plan
            .agents
            .iter()
            .map(|agent| AgentSim {
                plan: agent.clone(),
                status: if agent.explicit {
                    Status::Out
                } else {
                    Status::Available
                },
                last: (0, 0),
                next_session: 0,
                session_end: 0,
                next_break: 0,
                open_handle: None,
            })
            .collect(),
        waiting: Vec::new(),
        requeues: Vec::new(),
        out: Expected {
            end: BASE,
            ..Expected::default()
        },
    };
    sim.out.agents = plan
        .agents
        .iter()
        .enumerate()
        .map(|(index, agent)| AgentModel {
            id: agent_id(index).to_string(),
            skills: if agent.explicit {
                agent.skills.clone()
            } else {
                Vec::new()
            },
            ..AgentModel::default()
        })
        .collect();
    let mut calls: Vec<usize> = (0..plan.calls.len()).collect();
    calls.sort_by_key(|&c| (plan.calls[c].arrival, c));
    let last_planned = plan
        .calls
        .iter()
        .map(|call| call.arrival)
        .chain(
            plan.agents
                .iter()
                .flat_map(|a| a.sessions.iter().map(|s| s.0 + s.1)),
        )
        .max()
        .unwrap_or(0)
        / tick;
    let mut next_call = 0;
    let mut t = 0;
    while !sim.settled(t, last_planned) || next_call < calls.len() {
        for agent in 0..sim.agents.len() {
            sim.agent_events(agent, t);
        }
        while next_call < calls.len() && plan.calls[calls[next_call]].arrival / tick <= t {
            let call = &plan.calls[calls[next_call]];
            sim.enqueue(
                t,
                calls[next_call],
                call.first.clone(),
                call.transfer.clone(),
            );
            next_call += 1;
        }
        let (due, later): (Vec<_>, Vec<_>) = sim.requeues.drain(..).partition(|r| r.0 <= t);
        sim.requeues = later;
        for (_, call, segment) in due {
            sim.enqueue(t, call, segment, None);
        }
        sim.departures(t);
        sim.ringing_answers(t);
        sim.route(t);
        t += 1;
        assert!(t < 100_000, "the simulated floor never settles");
    }
    sim.out
}

// ---------------------------------------------------------------------------------------------------
// Figures recomputed from the expected floor.

impl Expected {
    /// The events sorted by time, ties in natural order (the reference order of the issue).
    fn sorted_events(&self) -> Vec<Event> {
        let mut events = self.events.clone();
        events.sort_by_key(|event| (event.time, event.kind.natural_rank()));
        events
    }

    /// Counts of `queue` over the records whose time `inside` accepts.
    fn queue_counts(&self, queue: usize, inside: impl Fn(Millis) -> bool) -> QueueCounts {
        let mut counts = QueueCounts::default();
        let records = self.records.iter().filter(|r| r.1 == queue && inside(r.0));
        for (_, _, tally) in records {
            match *tally {
                Tally::Offered => counts.offered += 1,
                Tally::Answered { wait_ms } => {
                    counts.answered += 1;
                    counts.answered_within_threshold += u64::from(wait_ms <= THRESHOLD_MS);
                    counts.wait_answered_ms += wait_ms;
                    counts.max_wait_ms = counts.max_wait_ms.max(wait_ms);
                }
                Tally::Abandoned { wait_ms } => {
                    counts.abandoned += 1;
                    counts.abandoned_within_threshold += u64::from(wait_ms <= THRESHOLD_MS);
                    counts.short_abandoned += u64::from(wait_ms < SHORT_ABANDON_MS);
                    counts.wait_abandoned_ms += wait_ms;
                    counts.max_wait_ms = counts.max_wait_ms.max(wait_ms);
                }
                Tally::Dequeued => counts.dequeued += 1,
                Tally::Handled {
                    talk_ms,
                    hold_ms,
                    wrap_up_ms,
                } => {
                    counts.handled += 1;
                    counts.talk_ms += talk_ms;
                    counts.hold_ms += hold_ms;
                    counts.wrap_up_ms += wrap_up_ms;
                }
            }
        }
        counts
    }

    /// The agent's (from, to) spans in each state: the last state runs on for ever.
    fn spans(&self, agent: usize) -> impl Iterator<Item = (Millis, Millis, State)> + '_ {
        let transitions = &self.agents[agent].transitions;
        transitions.iter().enumerate().map(|(i, &(from, state))| {
            let to = transitions.get(i + 1).map_or(Millis::MAX, |next| next.0);
            (from, to, state)
        })
    }

    /// Time by state within `[from, to)`, and not-ready time by reason name.
    fn agent_times(&self, agent: usize, from: Millis, to: Millis) -> StateTotals {
        let mut totals = StateTotals::default();
        for (start, end, state) in self.spans(agent) {
            let overlap = end.min(to) - start.max(from);
            if overlap > 0 {
                totals.add(state, overlap as u64);
            }
        }
        totals
    }

    fn agent_handled(&self, agent: usize, inside: impl Fn(Millis) -> bool) -> u64 {
        let handles = &self.agents[agent].handles;
        handles.iter().filter(|time| inside(**time)).count() as u64
    }

    /// The agent's state at `now` and since when, once the agent is known at all.
    fn state_at(&self, agent: usize, now: Millis) -> Option<(Millis, State)> {
        let transitions = &self.agents[agent].transitions;
        transitions
            .iter()
            .rev()
            .find(|(time, _)| *time <= now)
            .copied()
    }

    /// Queued times of the calls waiting in `queue` at `now`.
    fn waiting_since(&self, queue: usize, now: Millis) -> Vec<Millis> {
        let segments = self.segments.iter();
        segments
            .filter(|&&(q, queued, left)| q == queue && queued <= now && now < left)
            .map(|&(_, queued, _)| queued)
            .collect()
    }

    /// Agents with `queue` among their skills, by state at `now`.
    fn agents_by_state(&self, queue: usize, now: Millis) -> AgentsByState {
        let mut by_state = AgentsByState::default();
        for (agent, model) in self.agents.iter().enumerate() {
            if !model.skills.contains(&queue) {
                continue;
            }
            let slot = match self.state_at(agent, now).map(|s| s.1) {
                None | Some(State::LoggedOut) => continue,
                Some(State::Available) => &mut by_state.available,
                Some(State::Ringing) => &mut by_state.ringing,
                Some(State::Talk | State::Hold) => &mut by_state.on_call,
                Some(State::WrapUp) => &mut by_state.wrap_up,
                Some(State::NotReady(_)) => &mut by_state.not_ready,
            };
            *slot += 1;
            by_state.staffed += 1;
        }
        by_state
    }

    /// The queue report rows at `now`: (queue, interval start) → counts.
    fn queue_rows(&self, now: Millis) -> BTreeMap<(&'static str, Millis), QueueCounts> {
        let mut rows = BTreeMap::new();
        for (queue, name) in QUEUES.iter().enumerate() {
            let mut starts: Vec<Millis> = self
                .records
                .iter()
                .filter(|r| r.1 == queue && r.0 <= now)
                .map(|r| interval_start(r.0))
                .collect();
            starts.dedup();
            for start in starts {
                let counts = self.queue_counts(queue, |t| interval_start(t) == start && t <= now);
                rows.insert((*name, start), counts);
            }
        }
        rows
    }

    /// The agent report rows at `now`: state time is in the report up to `credited(agent)` (the agent's
    /// last state change, or the time the books were closed); handles up to `now`.
    fn agent_rows(
        &self,
        now: Millis,
        credited: impl Fn(usize) -> Millis,
    ) -> BTreeMap<(String, Millis), (u64, StateTotals)> {
        let mut rows: BTreeMap<(String, Millis), (u64, StateTotals)> = BTreeMap::new();
        for (agent, model) in self.agents.iter().enumerate() {
            let until = credited(agent);
            for (from, to, state) in self.spans(agent) {
                let (mut start, to) = (from, to.min(until));
                while start < to && state != State::LoggedOut {
                    let end = (interval_start(start) + INTERVAL).min(to);
                    let key = (model.id.clone(), interval_start(start));
                    rows.entry(key)
                        .or_default()
                        .1
                        .add(state, (end - start) as u64);
                    start = end;
                }
            }
            for &time in model.handles.iter().filter(|time| **time <= now) {
                let key = (model.id.clone(), interval_start(time));
                rows.entry(key).or_default().0 += 1;
            }
        }
        rows
    }
}

/// Milliseconds by state, not-ready time by reason name.
#[derive(Debug, Clone, Default, PartialEq)]
struct StateTotals {
    times: AgentTimes,
    not_ready_by_reason: BTreeMap<String, u64>,
}

impl StateTotals {
    fn add(&mut self, state: State, ms: u64) {
        let times = &mut self.times;
        match state {
            State::LoggedOut => return,
            State::Available => times.available_ms += ms,
            State::Ringing => times.ringing_ms += ms,
            State::Talk => times.talk_ms += ms,
            State::Hold => times.hold_ms += ms,
            State::WrapUp => times.wrap_up_ms += ms,
            State::NotReady(reason) => {
                times.not_ready_ms += ms;
                *self
                    .not_ready_by_reason
                    .entry(REASONS[reason].to_string())
                    .or_default() += ms;
            }
        }
        times.logged_in_ms += ms;
    }
}

/// Start of the UTC-aligned 15-minute interval holding `time`.
fn interval_start(time: Millis) -> Millis {
    time - time.rem_euclid(INTERVAL)
}

fn day_start(now: Millis) -> Millis {
    if now >= MIDNIGHT {
        MIDNIGHT
    } else {
        MIDNIGHT - 24 * HOUR
    }
}

/// How the report writes an interval start: `2026-11-23T23:15:00Z`.
fn interval_text(start: Millis) -> String {
    chrono::DateTime::from_timestamp_millis(start)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn state_name(state: State) -> &'static str {
    match state {
        State::LoggedOut => "logged_out",
        State::Available => "available",
        State::Ringing => "ringing",
        State::Talk | State::Hold => "on_call",
        State::WrapUp => "wrap_up",
        State::NotReady(_) => "not_ready",
    }
}

// ---------------------------------------------------------------------------------------------------
// Feeding the engine.

fn settings(lateness_ms: Millis) -> CenterSettings {
    CenterSettings {
        lateness_ms,
        keep_agent_intervals: true,
        interval_retention_days: None,
        ..CenterSettings::default()
    }
}

fn feed(
    events: impl IntoIterator<Item = Event>,
    settings: CenterSettings,
) -> (Center, Vec<Rejection>) {
    let mut center = Center::new(Id::from("acme"), settings);
    let mut rejections = Vec::new();
    for (tag, event) in events.into_iter().enumerate() {
        center.ingest(event, tag as u64, &mut rejections);
    }
    (center, rejections)
}

/// An arrival order of `sorted` within `lateness_ms`: each event arrives at its time plus a jitter in
/// `[0, lateness]` (often exactly 0 or the full lateness, the edges), equal arrivals in random order. An
/// event e then never arrives after an event f with f.time > e.time + lateness: the engine's promise
/// covers exactly such orders.
fn arrival_order(sorted: &[Event], lateness_ms: Millis, seed: u64) -> Vec<Event> {
    let mut state = seed | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut keyed: Vec<(Millis, u64, Event)> = sorted
        .iter()
        .map(|event| {
            let jitter = match next() % 4 {
                0 => 0,
                1 => lateness_ms,
                _ => (next() % (lateness_ms as u64 + 1)) as Millis,
            };
            (event.time + jitter, next(), event.clone())
        })
        .collect();
    keyed.sort_by_key(|(arrival, tie, _)| (*arrival, *tie));
    keyed.into_iter().map(|(_, _, event)| event).collect()
}

/// The snapshot as JSON with queues and agents in id order: the order they were first seen in can
/// differ between arrival orders when they first appear in events of equal time and rank.
fn normalised(snapshot: &CenterSnapshot) -> serde_json::Value {
    let mut value = serde_json::to_value(snapshot).unwrap();
    for (list, key) in [("queues", "queue"), ("agents", "agent")] {
        let items = value[list].as_array_mut().unwrap();
        items.sort_by(|a, b| a[key].as_str().cmp(&b[key].as_str()));
    }
    value
}

/// The cells of a report the expected floor gives exactly: id, interval start, counts and seconds (the
/// tenant and the ratios after them are left out).
fn counted_cells(table: &Table) -> Vec<Vec<Cell>> {
    table.rows.iter().map(|row| row[1..=9].to_vec()).collect()
}

fn expected_queue_cells(expected: &Expected, now: Millis) -> Vec<Vec<Cell>> {
    let rows = expected.queue_rows(now);
    rows.iter()
        .map(|((queue, start), c)| {
            let mut cells = vec![
                Cell::Text(queue.to_string()),
                Cell::Text(interval_text(*start)),
            ];
            let counts = [
                c.offered,
                c.answered,
                c.answered_within_threshold,
                c.abandoned,
                c.short_abandoned,
                c.dequeued,
                c.handled,
            ];
            cells.extend(counts.map(Cell::Count));
            cells
        })
        .collect()
}

fn expected_agent_cells(
    expected: &Expected,
    now: Millis,
    credited: impl Fn(usize) -> Millis,
) -> Vec<Vec<Cell>> {
    let seconds = |ms: u64| Cell::Number(ms as f64 / 1000.0);
    let rows = expected.agent_rows(now, credited);
    rows.iter()
        .map(|((agent, start), (handled, totals))| {
            let t = &totals.times;
            vec![
                Cell::Text(agent.clone()),
                Cell::Text(interval_text(*start)),
                Cell::Count(*handled),
                seconds(t.talk_ms),
                seconds(t.hold_ms),
                seconds(t.wrap_up_ms),
                seconds(t.available_ms),
                seconds(t.not_ready_ms),
                seconds(t.logged_in_ms),
            ]
        })
        .collect()
}

/// Checks a snapshot at `now` of a center fed every event up to `now` against the expected floor.
fn check_snapshot(
    expected: &Expected,
    snapshot: &CenterSnapshot,
    now: Millis,
) -> Result<(), TestCaseError> {
    check_queues(expected, snapshot, now)?;
    check_agents(expected, snapshot, now)
}

/// Each queue's rolling windows and today, calls waiting, and agents with the skill by state.
fn check_queues(
    expected: &Expected,
    snapshot: &CenterSnapshot,
    now: Millis,
) -> Result<(), TestCaseError> {
    let today_from = day_start(now);
    for (q, name) in QUEUES.iter().enumerate() {
        // A queue nothing has named yet is absent: all zeros.
        let shown = snapshot.queues.iter().find(|qs| qs.queue == *name);
        let window = |window: &str| {
            shown
                .and_then(|qs| qs.windows.iter().find(|w| w.window == window))
                .map(|w| w.counts)
                .unwrap_or_default()
        };
        for (window_name, length) in ROLLING {
            let counts = expected.queue_counts(q, |t| now - length < t && t <= now);
            prop_assert_eq!(
                window(window_name),
                counts,
                "{} {} at {}",
                name,
                window_name,
                now
            );
        }
        let today = expected.queue_counts(q, |t| today_from <= t && t <= now);
        prop_assert_eq!(window(TODAY), today, "{} today at {}", name, now);
        let waiting = expected.waiting_since(q, now);
        let calls_waiting = shown.map_or(0, |qs| qs.calls_waiting);
        prop_assert_eq!(calls_waiting, waiting.len(), "{} waiting at {}", name, now);
        let oldest = shown.and_then(|qs| qs.oldest_waiting_ms);
        prop_assert_eq!(oldest, waiting.iter().min().copied(), "{} oldest", name);
        let by_state = shown.map(|qs| qs.agents).unwrap_or_default();
        prop_assert_eq!(
            by_state,
            expected.agents_by_state(q, now),
            "{} agents",
            name
        );
    }
    Ok(())
}

/// Every agent known at `now`: state, reason and since when, and each window's and today's time by
/// state, not-ready time by reason, and handled calls.
fn check_agents(
    expected: &Expected,
    snapshot: &CenterSnapshot,
    now: Millis,
) -> Result<(), TestCaseError> {
    let known = (0..expected.agents.len()).filter(|&a| expected.state_at(a, now).is_some());
    prop_assert_eq!(snapshot.agents.len(), known.count(), "agents at {}", now);
    let today_from = day_start(now);
    for (agent, model) in expected.agents.iter().enumerate() {
        let Some((since, state)) = expected.state_at(agent, now) else {
            continue;
        };
        let id = model.id.as_str();
        let shown = snapshot.agents.iter().find(|a| a.agent == id);
        let shown = shown.ok_or_else(|| TestCaseError::fail(format!("{id} missing")))?;
        prop_assert_eq!(shown.state, state_name(state), "{} state at {}", id, now);
        let reason = match state {
            State::NotReady(reason) if reason > 0 => Some(REASONS[reason]),
            _ => None,
        };
        prop_assert_eq!(shown.reason.as_deref(), reason, "{} reason", id);
        prop_assert_eq!(shown.state_since.clone(), Some(rfc3339(since)), "{}", id);
        let windows = ROLLING
            .iter()
            .map(|&(name, length)| (name, now - length))
            .chain([(TODAY, today_from)]);
        for (name, from) in windows {
            let window = shown.windows.iter().find(|w| w.window == name).unwrap();
            let totals = expected.agent_times(agent, from, now);
            prop_assert_eq!(window.times, totals.times, "{} {} at {}", id, name, now);
            prop_assert_eq!(&window.not_ready_by_reason, &totals.not_ready_by_reason);
            // Rolling windows hold (from, now]; today holds its day from its first instant.
            let handled = if name == TODAY {
                expected.agent_handled(agent, |t| from <= t && t <= now)
            } else {
                expected.agent_handled(agent, |t| from < t && t <= now)
            };
            prop_assert_eq!(
                window.handled,
                handled,
                "{} {} handled at {}",
                id,
                name,
                now
            );
        }
    }
    Ok(())
}

/// Checks the interval report of a center fed every event up to `now`, whose agents' state time is
/// credited up to `credited(agent)`.
fn check_report(
    expected: &Expected,
    center: &Center,
    now: Millis,
    credited: impl Fn(usize) -> Millis,
) -> Result<(), TestCaseError> {
    let queues = report::queue_table([center]);
    prop_assert_eq!(
        counted_cells(&queues),
        expected_queue_cells(expected, now),
        "queue report at {}",
        now
    );
    let agents = report::agent_table([center]);
    let rows = expected_agent_cells(expected, now, credited);
    prop_assert_eq!(counted_cells(&agents), rows, "agent report at {}", now);
    Ok(())
}

/// Sum over queues, and over agents, of the handled calls of `window` in a snapshot.
fn handled_in(snapshot: &CenterSnapshot, window: &str) -> (u64, u64) {
    let queues = snapshot
        .queues
        .iter()
        .flat_map(|q| q.windows.iter().filter(|w| w.window == window))
        .map(|w| w.counts.handled)
        .sum();
    let agents = snapshot
        .agents
        .iter()
        .flat_map(|a| a.windows.iter().filter(|w| w.window == window))
        .map(|w| w.handled)
        .sum();
    (queues, agents)
}

fn count(cell: &Cell) -> u64 {
    match cell {
        Cell::Count(count) => *count,
        other => panic!("not a count: {other:?}"),
    }
}

/// Probe instants: per-mille positions over the floor and the 90 minutes after it (to a whole second
/// when `value` is even), the time of an event, an event's time plus a window length (the window then
/// starts exactly at the event), and midnight (the start of `today`).
fn probe_times(expected: &Expected, probes: &[(u8, u16)]) -> Vec<Millis> {
    let span = expected.end - BASE + 90 * MINUTE;
    let event_time = |value: u16| {
        let events = &expected.events;
        events
            .get(usize::from(value) % events.len().max(1))
            .map_or(BASE, |e| e.time)
    };
    let mut times: Vec<Millis> = probes
        .iter()
        .map(|&(kind, value)| match kind % 4 {
            0 => {
                let time = BASE + span * Millis::from(value % 1001) / 1000;
                if value % 2 == 0 {
                    time - time.rem_euclid(SECOND)
                } else {
                    time
                }
            }
            1 => event_time(value),
            2 => event_time(value) + ROLLING[usize::from(value) % ROLLING.len()].1,
            _ => MIDNIGHT,
        })
        .collect();
    times.sort();
    times
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn arrival_order_within_the_lateness_never_changes_the_figures(
        plan in floor_plan(),
        lateness_ms in prop_oneof![Just(CenterSettings::DEFAULT_LATENESS_MS), 0i64..=30_000],
        seed in any::<u64>(),
    ) {
        let expected = simulate(&plan);
        let sorted = expected.sorted_events();
        let arrived = arrival_order(&sorted, lateness_ms, seed);
        let (mut in_order, none) = feed(sorted, settings(lateness_ms));
        let (mut shuffled, rejections) = feed(arrived, settings(lateness_ms));
        prop_assert!(none.is_empty(), "{:?}", none);
        prop_assert!(rejections.is_empty(), "{:?}", rejections);
        // Snapshots before the end of input project what still waits for the watermark.
        let end = expected.end;
        prop_assert_eq!(normalised(&shuffled.snapshot(end)), normalised(&in_order.snapshot(end)));
        let mut none = Vec::new();
        in_order.flush(&mut none);
        shuffled.flush(&mut none);
        prop_assert!(none.is_empty(), "{:?}", none);
        let closed = end + 7 * MINUTE + 30 * SECOND;
        in_order.close_books(closed);
        shuffled.close_books(closed);
        prop_assert_eq!(report::queue_table([&shuffled]), report::queue_table([&in_order]));
        prop_assert_eq!(report::agent_table([&shuffled]), report::agent_table([&in_order]));
        for now in [closed, closed + 40 * MINUTE] {
            prop_assert_eq!(normalised(&shuffled.snapshot(now)), normalised(&in_order.snapshot(now)));
        }
    }

    #[test]
    fn incremental_figures_equal_a_recomputation_from_scratch(
        plan in floor_plan(),
        probes in prop::collection::vec((any::<u8>(), any::<u16>()), 1..6),
        seed in any::<u64>(),
    ) {
        let expected = simulate(&plan);
        let sorted = expected.sorted_events();
        let lateness = CenterSettings::DEFAULT_LATENESS_MS;
        let mut center = Center::new(Id::from("acme"), settings(lateness));
        let mut rejections = Vec::new();
        let mut next = sorted.iter().peekable();
        for now in probe_times(&expected, &probes) {
            while let Some(event) = next.next_if(|event| event.time <= now) {
                center.ingest(event.clone(), 0, &mut rejections);
            }
            let snapshot = center.snapshot(now);
            check_snapshot(&expected, &snapshot, now)?;
            // Interval state time is credited at each state change.
            let last_change = |agent| expected.state_at(agent, now).map_or(Millis::MIN, |s| s.0);
            check_report(&expected, &center, now, last_change)?;
            // A center that never saw what came after `now`, fed the same events in another order
            // within the lateness, shows the same figures.
            let prefix: Vec<Event> = sorted.iter().filter(|e| e.time <= now).cloned().collect();
            let (fresh, none) = feed(arrival_order(&prefix, lateness, seed), settings(lateness));
            prop_assert!(none.is_empty(), "{:?}", none);
            prop_assert_eq!(normalised(&fresh.snapshot(now)), normalised(&snapshot));
            prop_assert_eq!(report::queue_table([&fresh]), report::queue_table([&center]));
            prop_assert_eq!(report::agent_table([&fresh]), report::agent_table([&center]));
        }
        for event in next {
            center.ingest(event.clone(), 0, &mut rejections);
        }
        center.flush(&mut rejections);
        prop_assert!(rejections.is_empty(), "{:?}", rejections);
        let closed = expected.end + 7 * MINUTE + 30 * SECOND;
        center.close_books(closed);
        check_report(&expected, &center, closed, |_| closed)?;
    }

    #[test]
    fn agents_handled_calls_sum_to_the_queues(
        plan in floor_plan(),
        probes in prop::collection::vec((any::<u8>(), any::<u16>()), 1..4),
    ) {
        let expected = simulate(&plan);
        let sorted = expected.sorted_events();
        let mut center = Center::new(Id::from("acme"), settings(CenterSettings::DEFAULT_LATENESS_MS));
        let mut rejections = Vec::new();
        let mut next = sorted.iter().peekable();
        let end = expected.end;
        let mut times = probe_times(&expected, &probes);
        times.extend([end, end + 20 * MINUTE, end + 50 * MINUTE]);
        times.sort();
        for now in times {
            while let Some(event) = next.next_if(|event| event.time <= now) {
                center.ingest(event.clone(), 0, &mut rejections);
            }
            let snapshot = center.snapshot(now);
            for window in ["15m", "30m", "1h", TODAY] {
                let (queues, agents) = handled_in(&snapshot, window);
                prop_assert_eq!(agents, queues, "{} at {}", window, now);
            }
        }
        center.flush(&mut rejections);
        prop_assert!(rejections.is_empty(), "{:?}", rejections);
        let mut by_interval: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        for row in report::queue_table([&center]).rows {
            by_interval.entry(format!("{:?}", row[2])).or_default().0 += count(&row[9]);
        }
        for row in report::agent_table([&center]).rows {
            by_interval.entry(format!("{:?}", row[2])).or_default().1 += count(&row[3]);
        }
        for (start, (queues, agents)) in &by_interval {
            prop_assert_eq!(agents, queues, "interval {}", start);
        }
        let queue_total: u64 = by_interval.values().map(|sums| sums.0).sum();
        let agent_total: u64 = by_interval.values().map(|sums| sums.1).sum();
        // The simulator counted the handles it finished (completed, or ended by the agent's next event).
        prop_assert_eq!(queue_total, expected.handled);
        prop_assert_eq!(agent_total, expected.handled);
        let snapshot = center.snapshot(end);
        let totals: u64 = snapshot.queues.iter().map(|q| q.totals.handled).sum();
        prop_assert_eq!(totals, expected.handled);
    }
}
