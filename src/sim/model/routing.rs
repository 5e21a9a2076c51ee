//! Routing and the agents' side of the simulation: queueing a call, offering it to the longest-idle
//! agent with the skill, talk, holds, transfers, wrap-up, breaks and what an agent does next.

use rand::Rng;

use super::{Action, Call, Simulation, Status};
use crate::center::settings::SECOND;
use crate::event::{Availability, Direction, EventKind, Id, Millis};
use crate::sim::exponential;

impl Simulation {
    /// A call enters `queue`: straight to the longest-idle agent with the skill, else it waits.
    pub(super) fn enqueue(&mut self, call: u64, queue: usize) {
        let (id, caller) = (
            self.calls[&call].id.clone(),
            self.calls[&call].caller.clone(),
        );
        self.emit(EventKind::CallQueued {
            caller,
            call: id,
            queue: self.queue_ids[queue].clone(),
            priority: None,
            direction: Direction::Inbound,
        });
        let idle = (0..self.agents.len())
            .filter(|&agent| {
                let worker = &self.agents[agent];
                worker.status == Status::Idle && !worker.outbound && worker.skills.contains(&queue)
            })
            .min_by_key(|&agent| self.agents[agent].idle_since);
        match idle {
            Some(agent) => self.offer(call, agent),
            None => {
                self.waiting[queue].push_back(call);
                if let Some(mean) = self.options.patience_mean_ms {
                    let patience = exponential(&mut self.rng, mean);
                    self.schedule(self.now + patience, Action::Abandon { call });
                }
            }
        }
    }

    /// The call rings at the agent (a few seconds in a realistic day, not at all in M/M/N).
    pub(super) fn offer(&mut self, call: u64, agent: usize) {
        self.agents[agent].status = Status::Busy;
        if !self.options.realistic_day {
            return self.answer(call, agent);
        }
        let entry = &self.calls[&call];
        let kind = EventKind::CallRinging {
            call: entry.id.clone(),
            queue: self.queue_ids[entry.queue].clone(),
            agent: self.agents[agent].id.clone(),
        };
        self.emit(kind);
        let ring = 2 * SECOND + self.rng.gen_range(0..4 * SECOND);
        self.schedule(self.now + ring, Action::Answer { call, agent });
    }

    pub(super) fn answer(&mut self, call: u64, agent: usize) {
        let entry = &self.calls[&call];
        let queue = entry.queue;
        self.emit(EventKind::CallAnswered {
            call: entry.id.clone(),
            queue: self.queue_ids[queue].clone(),
            agent: self.agents[agent].id.clone(),
        });
        let talk = if self.options.realistic_day {
            20 * SECOND + exponential(&mut self.rng, self.options.talk_mean_ms - 20 * SECOND)
        } else {
            exponential(&mut self.rng, self.options.talk_mean_ms)
        };
        let mut hold = 0;
        if self.rng.gen::<f64>() < self.options.hold_share {
            hold = 10 * SECOND + exponential(&mut self.rng, 30 * SECOND);
            self.schedule(
                self.now + talk / 2,
                Action::Hold {
                    call,
                    agent,
                    length: hold,
                },
            );
        }
        self.schedule(
            self.now + talk + hold,
            Action::TalkEnd {
                call,
                agent,
                queue: Some(queue),
            },
        );
    }

    pub(super) fn talk_end(&mut self, call: u64, agent: usize, queue: Option<usize>) {
        let call_id = self.calls[&call].id.clone();
        let agent_id = self.agents[agent].id.clone();
        let transfer = queue.is_some()
            && self.options.queues > 1
            && self.rng.gen::<f64>() < self.options.transfer_share;
        if transfer {
            let from = queue.unwrap_or(0);
            let to =
                (from + 1 + self.rng.gen_range(0..self.options.queues - 1)) % self.options.queues;
            self.emit(EventKind::CallTransferred {
                call: call_id.clone(),
                agent: agent_id,
                to_queue: Some(self.queue_ids[to].clone()),
                to_agent: None,
            });
            // The transferred call continues under a new key; the agent wraps up the old one.
            self.next_call += 1;
            let key = self.next_call;
            let caller = self.calls[&call].caller.clone();
            self.calls.insert(
                key,
                Call {
                    id: call_id,
                    queue: to,
                    queued_at: self.now,
                    caller,
                },
            );
            self.schedule(
                self.now + 2 * SECOND,
                Action::Requeue {
                    call: key,
                    queue: to,
                },
            );
        } else {
            self.emit(EventKind::CallEnded {
                call: call_id,
                agent: agent_id,
            });
        }
        let wrap_up = exponential(&mut self.rng, self.options.wrap_up_mean_ms);
        if wrap_up == 0 {
            self.perform(Action::WrapEnd { call, agent, queue });
        } else {
            self.schedule(self.now + wrap_up, Action::WrapEnd { call, agent, queue });
        }
    }

    pub(super) fn start_break(&mut self, agent: usize, length: Millis, reason: &'static str) {
        self.agents[agent].status = Status::Break;
        let availability = Availability::NotReady {
            reason: Some(Id::from(reason)),
        };
        self.emit(EventKind::AgentState {
            agent: self.agents[agent].id.clone(),
            availability,
        });
        self.schedule(self.now + length, Action::BreakEnd { agent });
    }

    /// The agent finished something: a due break, the end of the shift, the next call, or idle.
    pub(super) fn free(&mut self, agent: usize) {
        self.agents[agent].status = Status::Idle;
        self.agents[agent].idle_since = self.now;
        if let Some((length, reason)) = self.agents[agent].pending_break.take() {
            return self.start_break(agent, length, reason);
        }
        if self.now >= self.agents[agent].shift_end {
            self.agents[agent].status = Status::Off;
            return self.emit(EventKind::AgentLogout {
                agent: self.agents[agent].id.clone(),
            });
        }
        if self.agents[agent].outbound {
            let pause = 5 * SECOND + self.rng.gen_range(0..20 * SECOND);
            return self.schedule(self.now + pause, Action::Dial { agent });
        }
        // The longest-waiting call among the agent's skills.
        let oldest = self.agents[agent]
            .skills
            .iter()
            .filter_map(|&queue| {
                self.waiting[queue]
                    .front()
                    .map(|&call| (self.calls[&call].queued_at, queue))
            })
            .min();
        if let Some((_, queue)) = oldest {
            let call = self.waiting[queue].pop_front().expect("front exists");
            self.offer(call, agent);
        }
    }
}
