//! The simulator: one pass over ticks that turns a plan into the events of a consistent floor and the
//! record of what happened (`Expected`). It never calls the engine; `recompute` derives the figures from
//! its record. This file holds the tick loop and the queue side (arrivals, departures, routing waiting
//! calls to agents longest-idle-first); `agents` holds the agents' side.
//!
//! Events are emitted in causal order, and that order is the arrival order of a real ACD: within a tick,
//! the calls agents work move on (holds, ends, completions), then agents log in or out and change
//! state, then calls arrive, callers hang up, rung agents answer and the router offers calls. So one
//! instant can hold an agent's `call.completed`, its `agent.state` and its next `call.answered`, in
//! that order.

use callboard::center::settings::{Completions, SECOND};
use callboard::event::{DequeueReason, Event, EventKind, Id, Millis};

use crate::agents::{AgentSim, Phase};
use crate::plan::{FloorPlan, Segment, Survey, Transfer};
use crate::recompute::{AgentModel, Expected, SurveyRecord, Tally};
use crate::{BASE, QUEUES, REASONS};

pub struct Waiting {
    pub call: usize,
    pub queue: usize,
    pub queued_at: u32,
    pub segment: Segment,
    pub transfer: Option<Transfer>,
    pub survey: Option<Survey>,
    pub ringing_at: Option<usize>,
}

/// A transferred call to queue again from tick `due` on.
pub struct Requeue {
    pub due: u32,
    pub call: usize,
    pub segment: Segment,
    pub survey: Option<Survey>,
}

/// A survey the caller answers from tick `due` on: the agent and the queue of its last leg.
pub struct DueSurvey {
    pub due: u32,
    pub call: usize,
    pub agent: usize,
    pub queue: usize,
    pub plan: Survey,
}

pub struct Sim {
    pub tick_seconds: u32,
    pub completions: Completions,
    pub agents: Vec<AgentSim>,
    pub waiting: Vec<Waiting>,
    pub requeues: Vec<Requeue>,
    pub surveys: Vec<DueSurvey>,
    pub out: Expected,
}

pub fn agent_id(index: usize) -> Id {
    Id::from(format!("a{index}"))
}

pub fn call_id(index: usize) -> Id {
    Id::from(format!("c{index}"))
}

pub fn reason_id(reason: usize) -> Option<Id> {
    (reason > 0).then(|| Id::from(REASONS[reason]))
}

impl Sim {
    pub fn ticks(&self, seconds: u32) -> u32 {
        seconds / self.tick_seconds
    }

    pub fn tick_ms(&self) -> u64 {
        u64::from(self.tick_seconds) * 1_000
    }

    pub fn ms(&self, tick: u32) -> Millis {
        BASE + Millis::from(tick) * Millis::from(self.tick_seconds) * SECOND
    }

    /// Emits an event at `tick`; returns its id.
    pub fn emit(&mut self, tick: u32, kind: EventKind) -> Id {
        let time = self.ms(tick);
        self.out.end = self.out.end.max(time);
        // Unique ids, as a producer sends them: dedup must never take one for a repeat.
        let id = Id::from(format!("e{}", self.out.events.len()));
        self.out.events.push(Event {
            time,
            tenant: Id::from("acme"),
            id: Some(id.clone()),
            kind,
        });
        id
    }

    pub fn record(&mut self, tick: u32, queue: usize, tally: Tally) {
        let time = self.ms(tick);
        self.out.records.push((time, queue, tally));
    }

    fn enqueue(&mut self, t: u32, call: usize, segment: Segment, transfer: Option<Transfer>) {
        self.emit(
            t,
            EventKind::CallQueued {
                caller: None,
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
            survey: None,
            ringing_at: None,
        });
    }

    /// Transferred calls queue again; callers answer surveys.
    fn requeues_and_surveys(&mut self, t: u32) {
        let (due, later): (Vec<_>, Vec<_>) = self.requeues.drain(..).partition(|r| r.due <= t);
        self.requeues = later;
        for requeue in due {
            self.enqueue(t, requeue.call, requeue.segment, None);
            self.waiting.last_mut().unwrap().survey = requeue.survey;
        }
        let (due, later): (Vec<_>, Vec<_>) = self.surveys.drain(..).partition(|s| s.due <= t);
        self.surveys = later;
        for survey in due {
            let plan = &survey.plan;
            let (score, scale) = (f64::from(plan.score), f64::from(plan.scale));
            let agent = plan.names_agent.then_some(survey.agent);
            let queue = plan.names_queue.then_some(survey.queue);
            let id = self.emit(
                t,
                EventKind::SurveyCompleted {
                    call: call_id(survey.call),
                    agent: agent.map(agent_id),
                    queue: queue.map(|q| Id::from(QUEUES[q])),
                    score,
                    scale,
                },
            );
            let late_ms = Millis::from(plan.late_by) * SECOND;
            self.out.late_ms.insert(id, late_ms);
            let time = self.ms(t);
            let share = score / scale;
            self.out.surveys.push(SurveyRecord {
                time,
                agent,
                queue,
                share,
            });
        }
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
            let wait_ms = u64::from(t - w.queued_at) * self.tick_ms();
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
                // The offer is withdrawn; the agent may be offered another call in this very tick.
                self.agents[agent].ringing = None;
            }
        }
    }

    /// Rung agents whose ring is over answer.
    fn ringing_answers(&mut self, t: u32) {
        for agent in 0..self.agents.len() {
            let Some((call, answer_at)) = self.agents[agent].ringing else {
                continue;
            };
            if answer_at <= t && self.may_close_wrap_ups(agent, t) {
                let k = self.waiting.iter().position(|w| w.call == call).unwrap();
                let w = self.waiting.remove(k);
                self.answer(t, agent, w);
            }
        }
    }

    /// Offers waiting calls, oldest first, to the agent with the skill and room for another call that
    /// has the fewest calls and was offered one longest ago.
    fn route(&mut self, t: u32) {
        loop {
            let mut order: Vec<usize> = (0..self.waiting.len())
                .filter(|&k| self.waiting[k].ringing_at.is_none())
                .collect();
            order.sort_by_key(|&k| (self.waiting[k].queued_at, self.waiting[k].call));
            let found = order.into_iter().find_map(|k| {
                let (call, queue) = (self.waiting[k].call, self.waiting[k].queue);
                (0..self.agents.len())
                    .filter(|&j| self.routable(j, call, queue, t))
                    .min_by_key(|&j| {
                        let a = &self.agents[j];
                        (a.working(t), a.last_offer, j)
                    })
                    .map(|j| (k, j))
            });
            let Some((k, agent)) = found else { return };
            self.agents[agent].last_offer = t;
            let Some(seconds) = self.waiting[k].segment.handling.ring else {
                let w = self.waiting.remove(k);
                self.answer(t, agent, w);
                continue;
            };
            let w = &mut self.waiting[k];
            w.ringing_at = Some(agent);
            let (call, queue) = (w.call, w.queue);
            let answer_at = t + self.ticks(seconds);
            self.agents[agent].ringing = Some((call, answer_at));
            self.agents[agent].logged_in = true;
            self.emit(
                t,
                EventKind::CallRinging {
                    call: call_id(call),
                    queue: Id::from(QUEUES[queue]),
                    agent: agent_id(agent),
                },
            );
            if answer_at == t {
                let w = self.waiting.remove(k);
                self.answer(t, agent, w);
            }
        }
    }

    fn settled(&self, t: u32, last_planned: u32) -> bool {
        let absent = self.completions == Completions::Absent;
        t >= last_planned
            && self.waiting.is_empty()
            && self.requeues.is_empty()
            && self.surveys.is_empty()
            && self.agents.iter().all(|a| {
                // Without completions, a wrap-up nothing ends stays open for ever.
                let lingering =
                    |w: &crate::agents::Work| absent && w.phase == Phase::WrapUp && w.wrap_end <= t;
                a.ringing.is_none()
                    && !a.ready_due
                    && a.calls.iter().all(lingering)
                    && (!a.plan.explicit
                        || (!a.logged_in && a.next_session == a.plan.sessions.len()))
            })
    }
}

/// Runs the plan: the events of a consistent floor and the figures it must show.
pub fn simulate(plan: &FloorPlan) -> Expected {
    let tick = plan.tick_seconds;
    let mut sim = Sim {
        tick_seconds: tick,
        completions: plan.completions,
        agents: plan.agents.iter().cloned().map(AgentSim::new).collect(),
        waiting: Vec::new(),
        requeues: Vec::new(),
        surveys: Vec::new(),
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
            sim.progress(agent, t);
        }
        for agent in 0..sim.agents.len() {
            sim.agent_events(agent, t);
        }
        while next_call < calls.len() && plan.calls[calls[next_call]].arrival / tick <= t {
            let index = calls[next_call];
            let call = &plan.calls[index];
            sim.enqueue(t, index, call.first.clone(), call.transfer.clone());
            sim.waiting.last_mut().unwrap().survey = call.survey.clone();
            next_call += 1;
        }
        sim.requeues_and_surveys(t);
        sim.departures(t);
        sim.ringing_answers(t);
        sim.route(t);
        // The state an agent shows is the one after all events of the instant: states held for no time
        // within it are no state changes, whatever order the instant's events are applied in.
        for agent in 0..sim.agents.len() {
            sim.settle(agent, t);
        }
        t += 1;
        assert!(t < 100_000, "the simulated floor never settles");
    }
    sim.out
}
