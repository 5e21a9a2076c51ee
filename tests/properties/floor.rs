//! The simulator: one pass over ticks, routing waiting calls to free agents longest-idle-first, that
//! turns a plan into the events of a consistent floor and the record of what happened (`Expected`). It
//! never calls the engine; `recompute` derives the figures from its record.

use callboard::center::settings::SECOND;
use callboard::event::{Availability, DequeueReason, Event, EventKind, Id, Millis};

use crate::plan::{AgentPlan, FloorPlan, Segment, Transfer};
use crate::recompute::{AgentModel, Expected, State, Tally};
use crate::{BASE, QUEUES, REASONS};

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
pub fn simulate(plan: &FloorPlan) -> Expected {
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
