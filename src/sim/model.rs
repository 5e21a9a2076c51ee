//! The simulation itself: Poisson arrivals (thinned to the daily curve), multi-skill agents routed
//! longest-idle-first, FIFO queues, caller patience, holds, transfers, wrap-up, shifts with breaks and
//! lunch, an outbound campaign and surveys. Actions wait in a time-ordered heap; processing one emits
//! events at its time, so events come out in event-time order. Routing and the agents' day live in
//! `routing`.

mod callers;
mod routing;
mod shifts;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::{curve, exponential, hours_ms, SimOptions};
use crate::center::settings::{HOUR, MINUTE, SECOND};
use crate::event::{Availability, Event, EventKind, Id, Millis, Outcome};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Off,
    Idle,
    Busy,
    Break,
}

struct Agent {
    id: Id,
    team: Id,
    skills: Vec<usize>,
    outbound: bool,
    status: Status,
    idle_since: Millis,
    shift_end: Millis,
    /// When lunch starts, from the login.
    lunch_after: Millis,
    pending_break: Option<(Millis, &'static str)>,
}

struct Call {
    id: Id,
    queue: usize,
    queued_at: Millis,
    /// Who called (inbound) or is called (outbound).
    caller: Option<Id>,
}

#[derive(Debug, Clone)]
enum Action {
    Arrival,
    Abandon {
        call: u64,
    },
    Answer {
        call: u64,
        agent: usize,
    },
    Hold {
        call: u64,
        agent: usize,
        length: Millis,
    },
    Resume {
        call: u64,
        agent: usize,
    },
    TalkEnd {
        call: u64,
        agent: usize,
        queue: Option<usize>,
    },
    WrapEnd {
        call: u64,
        agent: usize,
        queue: Option<usize>,
    },
    Requeue {
        call: u64,
        queue: usize,
    },
    Login {
        agent: usize,
    },
    Logout {
        agent: usize,
    },
    BreakStart {
        agent: usize,
        length: Millis,
        reason: &'static str,
    },
    BreakEnd {
        agent: usize,
    },
    Dial {
        agent: usize,
    },
    DialResult {
        call: u64,
        agent: usize,
        connected: bool,
    },
    Survey {
        call: u64,
        agent: usize,
        queue: Option<usize>,
    },
}

pub struct Simulation {
    options: SimOptions,
    rng: SmallRng,
    end: Millis,
    heap: BinaryHeap<Reverse<(Millis, u64)>>,
    actions: HashMap<u64, Action>,
    sequence: u64,
    queue_ids: Vec<Id>,
    queue_weights: Vec<f64>,
    waiting: Vec<VecDeque<u64>>,
    calls: HashMap<u64, Call>,
    agents: Vec<Agent>,
    next_call: u64,
    next_event: u64,
    out: VecDeque<Event>,
    now: Millis,
    callers: callers::Callers,
}

/// The share of inbound calls of each queue, relative: 1, 1/2, 1/3… (the first queue is the busiest).
fn queue_weights(queues: usize) -> Vec<f64> {
    (0..queues)
        .map(|index| 1.0 / (index as f64 + 1.0))
        .collect()
}

const QUEUE_NAMES: [&str; 8] = [
    "billing",
    "sales",
    "support",
    "tech",
    "retention",
    "claims",
    "orders",
    "vip",
];

impl Simulation {
    pub fn new(options: &SimOptions) -> Self {
        let queue_ids: Vec<Id> = (0..options.queues)
            .map(|index| match QUEUE_NAMES.get(index) {
                Some(name) if options.queues > 1 => Id::from(*name),
                _ if options.queues == 1 && !options.realistic_day => Id::from("mmn"),
                _ => Id::from(format!("queue-{index}")),
            })
            .collect();
        let queue_weights = queue_weights(options.queues);
        let mut simulation = Simulation {
            options: options.clone(),
            rng: SmallRng::seed_from_u64(options.seed),
            end: options.start + hours_ms(options.hours),
            heap: BinaryHeap::new(),
            actions: HashMap::new(),
            sequence: 0,
            queue_ids,
            queue_weights,
            waiting: vec![VecDeque::new(); options.queues],
            calls: HashMap::new(),
            agents: Vec::new(),
            next_call: 0,
            next_event: 0,
            out: VecDeque::new(),
            now: options.start,
            callers: callers::Callers::new(options.seed),
        };
        simulation.staff();
        let first = simulation.next_arrival(options.start);
        simulation.schedule(first, Action::Arrival);
        simulation
    }

    fn staff(&mut self) {
        let count = self.options.agents;
        let outbound = (count as f64 * self.options.outbound_share).round() as usize;
        for index in 0..count {
            let skills = if self.options.queues == 1 {
                vec![0]
            } else {
                vec![
                    index % self.options.queues,
                    (index + 1) % self.options.queues,
                ]
            };
            self.agents.push(Agent {
                id: Id::from(format!("agent-{index:03}")),
                team: Id::from(format!("team-{}", index % 4 + 1)),
                skills,
                outbound: index < outbound,
                status: Status::Off,
                idle_since: 0,
                shift_end: Millis::MAX,
                lunch_after: 4 * HOUR,
                pending_break: None,
            });
        }
        // A steady queue has everyone in from the start; a realistic day staggers shifts to the call curve.
        if !self.options.realistic_day {
            for agent in 0..count {
                self.schedule(self.options.start, Action::Login { agent });
            }
            return;
        }
        let skills: Vec<Vec<usize>> = self.agents.iter().map(|a| a.skills.clone()).collect();
        let outbound: Vec<bool> = self.agents.iter().map(|a| a.outbound).collect();
        let plan = shifts::plan(&self.options, &skills, &outbound);
        for (agent, shift) in plan.into_iter().enumerate() {
            self.agents[agent].lunch_after = shift.lunch;
            self.schedule(self.options.start + shift.login, Action::Login { agent });
        }
    }

    fn schedule(&mut self, time: Millis, action: Action) {
        if time > self.end {
            return;
        }
        self.sequence += 1;
        self.heap.push(Reverse((time, self.sequence)));
        self.actions.insert(self.sequence, action);
    }

    fn emit(&mut self, kind: EventKind) {
        self.next_event += 1;
        let id = Some(Id::from(format!("e{}", self.next_event)));
        self.out.push_back(Event {
            time: self.now,
            tenant: Id::from(self.options.tenant.as_str()),
            id,
            kind,
        });
    }

    /// The next event, or `None` when the simulated time is over.
    pub fn next_event(&mut self) -> Option<Event> {
        while self.out.is_empty() {
            let Reverse((time, sequence)) = self.heap.pop()?;
            let action = self.actions.remove(&sequence)?;
            self.now = time;
            self.perform(action);
        }
        self.out.pop_front()
    }

    /// Time of the next arrival after `after`: Poisson at the peak rate, thinned to the daily curve.
    fn next_arrival(&mut self, after: Millis) -> Millis {
        let peak_per_ms = self.options.peak_calls_per_hour / HOUR as f64;
        if peak_per_ms <= 0.0 {
            return Millis::MAX;
        }
        let mut time = after;
        loop {
            let uniform: f64 = self.rng.gen_range(f64::EPSILON..1.0);
            time += (-uniform.ln() / peak_per_ms).ceil() as Millis;
            if !self.options.realistic_day
                || self.rng.gen::<f64>() < curve::relative_rate(time - self.options.start)
            {
                return time;
            }
        }
    }

    fn pick_queue(&mut self) -> usize {
        let total: f64 = self.queue_weights.iter().sum();
        let mut point = self.rng.gen::<f64>() * total;
        for (index, weight) in self.queue_weights.iter().enumerate() {
            if point < *weight {
                return index;
            }
            point -= weight;
        }
        self.queue_weights.len() - 1
    }

    fn perform(&mut self, action: Action) {
        match action {
            Action::Arrival => {
                let next = self.next_arrival(self.now);
                self.schedule(next, Action::Arrival);
                self.next_call += 1;
                let key = self.next_call;
                let queue = self.pick_queue();
                let caller = Some(self.callers.inbound(self.now));
                self.calls.insert(
                    key,
                    Call {
                        id: Id::from(format!("c{key}")),
                        queue,
                        queued_at: self.now,
                        caller,
                    },
                );
                self.enqueue(key, queue);
            }
            Action::Requeue { call, queue } => {
                if let Some(entry) = self.calls.get_mut(&call) {
                    entry.queue = queue;
                    entry.queued_at = self.now;
                    self.enqueue(call, queue);
                }
            }
            Action::Abandon { call } => {
                let Some(entry) = self.calls.get(&call) else {
                    return;
                };
                let queue = entry.queue;
                if let Some(position) = self.waiting[queue]
                    .iter()
                    .position(|waiting| *waiting == call)
                {
                    self.waiting[queue].remove(position);
                    let entry = self.calls.remove(&call).expect("present");
                    if let Some(caller) = entry.caller.clone() {
                        self.callers.abandoned(caller, self.now);
                    }
                    self.emit(EventKind::CallAbandoned {
                        call: entry.id,
                        queue: self.queue_ids[queue].clone(),
                    });
                }
            }
            Action::Answer { call, agent } => self.answer(call, agent),
            Action::Hold {
                call,
                agent,
                length,
            } => {
                let call_id = self.calls[&call].id.clone();
                self.emit(EventKind::CallHeld {
                    call: call_id,
                    agent: self.agents[agent].id.clone(),
                });
                self.schedule(self.now + length, Action::Resume { call, agent });
            }
            Action::Resume { call, agent } => {
                let call_id = self.calls[&call].id.clone();
                self.emit(EventKind::CallResumed {
                    call: call_id,
                    agent: self.agents[agent].id.clone(),
                });
            }
            Action::TalkEnd { call, agent, queue } => self.talk_end(call, agent, queue),
            Action::WrapEnd { call, agent, queue } => {
                let outbound = queue.is_none();
                let success = self.rng.gen::<f64>() < if outbound { 0.3 } else { 0.8 };
                let call_id = self.calls[&call].id.clone();
                let outcome = Some(if success {
                    Outcome::Success
                } else {
                    Outcome::Failure
                });
                self.emit(EventKind::CallCompleted {
                    call: call_id,
                    agent: self.agents[agent].id.clone(),
                    outcome,
                    disposition: None,
                });
                if self.rng.gen::<f64>() < self.options.survey_share {
                    let delay = 30 * SECOND + self.rng.gen_range(0..120 * SECOND);
                    self.schedule(self.now + delay, Action::Survey { call, agent, queue });
                } else {
                    self.calls.remove(&call);
                }
                self.free(agent);
            }
            Action::Survey { call, agent, queue } => {
                if let Some(entry) = self.calls.remove(&call) {
                    let score = [5.0, 5.0, 4.0, 4.0, 4.0, 3.0, 2.0, 1.0][self.rng.gen_range(0..8)];
                    self.emit(EventKind::SurveyCompleted {
                        call: entry.id,
                        agent: Some(self.agents[agent].id.clone()),
                        queue: queue.map(|queue| self.queue_ids[queue].clone()),
                        score,
                        scale: 5.0,
                    });
                }
            }
            Action::Login { agent } => {
                let shift = shifts::SHIFT;
                let worker = &mut self.agents[agent];
                worker.status = Status::Idle;
                worker.idle_since = self.now;
                let (id, team) = (worker.id.clone(), worker.team.clone());
                let queues = (!worker.outbound).then(|| {
                    worker
                        .skills
                        .iter()
                        .map(|&q| self.queue_ids[q].clone())
                        .collect()
                });
                self.emit(EventKind::AgentLogin {
                    agent: id.clone(),
                    queues,
                    team: Some(team),
                });
                self.emit(EventKind::AgentState {
                    agent: id,
                    availability: Availability::Available,
                });
                if self.options.realistic_day {
                    self.agents[agent].shift_end = self.now + shift;
                    for (offset, length, reason) in [
                        (2 * HOUR, 15 * MINUTE, "break"),
                        (self.agents[agent].lunch_after, 30 * MINUTE, "lunch"),
                        (6 * HOUR, 15 * MINUTE, "break"),
                    ] {
                        self.schedule(
                            self.now + offset,
                            Action::BreakStart {
                                agent,
                                length,
                                reason,
                            },
                        );
                    }
                    self.schedule(self.now + shift, Action::Logout { agent });
                    self.schedule(self.now + 24 * HOUR, Action::Login { agent });
                }
                self.free(agent);
            }
            Action::Logout { agent } => {
                if self.agents[agent].status == Status::Idle {
                    self.agents[agent].status = Status::Off;
                    self.emit(EventKind::AgentLogout {
                        agent: self.agents[agent].id.clone(),
                    });
                }
            }
            Action::BreakStart {
                agent,
                length,
                reason,
            } => match self.agents[agent].status {
                Status::Idle => self.start_break(agent, length, reason),
                Status::Busy => self.agents[agent].pending_break = Some((length, reason)),
                Status::Off | Status::Break => {}
            },
            Action::BreakEnd { agent } => {
                self.agents[agent].status = Status::Idle;
                self.emit(EventKind::AgentState {
                    agent: self.agents[agent].id.clone(),
                    availability: Availability::Available,
                });
                self.free(agent);
            }
            Action::Dial { agent } => {
                if self.agents[agent].status != Status::Idle
                    || self.now >= self.agents[agent].shift_end
                {
                    return;
                }
                self.agents[agent].status = Status::Busy;
                self.next_call += 1;
                let key = self.next_call;
                let call = Id::from(format!("o{key}"));
                let caller = self.callers.dialed();
                self.calls.insert(
                    key,
                    Call {
                        id: call.clone(),
                        queue: 0,
                        queued_at: self.now,
                        caller: caller.clone(),
                    },
                );
                self.emit(EventKind::CallDialed {
                    caller,
                    call,
                    agent: self.agents[agent].id.clone(),
                    campaign: Some(Id::from("renewals")),
                });
                let connected = self.rng.gen::<f64>() < 0.35;
                let delay = if connected {
                    8 * SECOND + self.rng.gen_range(0..12 * SECOND)
                } else {
                    25 * SECOND
                };
                self.schedule(
                    self.now + delay,
                    Action::DialResult {
                        call: key,
                        agent,
                        connected,
                    },
                );
            }
            Action::DialResult {
                call,
                agent,
                connected,
            } => {
                let call_id = self.calls[&call].id.clone();
                let agent_id = self.agents[agent].id.clone();
                if connected {
                    self.emit(EventKind::CallConnected {
                        call: call_id,
                        agent: agent_id,
                    });
                    let talk = 20 * SECOND + exponential(&mut self.rng, 160 * SECOND);
                    self.schedule(
                        self.now + talk,
                        Action::TalkEnd {
                            call,
                            agent,
                            queue: None,
                        },
                    );
                } else {
                    let outcome = Some(Outcome::Other("no_answer".into()));
                    self.emit(EventKind::CallCompleted {
                        call: call_id,
                        agent: agent_id,
                        outcome,
                        disposition: None,
                    });
                    self.calls.remove(&call);
                    self.free(agent);
                }
            }
        }
    }
}
