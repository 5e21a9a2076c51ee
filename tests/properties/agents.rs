//! The agents' side of the simulator: logins, breaks and logouts, the calls each agent works at once
//! (each with its own talk, hold and wrap-up), completions or — for a tenant whose feed sends none —
//! handles ended by the agent's next state, answer or logout, and the state each agent shows.

use callboard::center::settings::Completions;
use callboard::event::{Availability, EventKind, Id};

use crate::floor::{agent_id, call_id, reason_id, DueSurvey, Requeue, Sim, Waiting};
use crate::plan::{AgentPlan, Segment, Survey};
use crate::recompute::{State, Tally};
use crate::QUEUES;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Talk,
    Hold,
    WrapUp,
}

/// A call an agent works, from its answer to its completion; every tick is planned at the answer.
pub struct Work {
    pub call: usize,
    pub queue: usize,
    answered: u32,
    /// (`call.held`, `call.resumed`) ticks.
    hold: Option<(u32, u32)>,
    held: bool,
    /// `call.ended` (or `call.transferred`) tick.
    end: u32,
    transfer: Option<Requeue>,
    survey: Option<Survey>,
    /// End of the after-call work: the completion where the feed sends completions; otherwise the
    /// agent is free again from then on, and its handle ends at its next state, answer or logout.
    pub wrap_end: u32,
    wrapped: bool,
    pub phase: Phase,
}

pub struct AgentSim {
    pub plan: AgentPlan,
    pub logged_in: bool,
    /// `None`: available; otherwise not ready with this reason.
    not_ready: Option<usize>,
    not_ready_until: Option<u32>,
    pub next_session: usize,
    session_end: u32,
    next_break: usize,
    logged_out_at: Option<u32>,
    pub calls: Vec<Work>,
    /// (call, tick of the answer) of the call ringing at the agent.
    pub ringing: Option<(usize, u32)>,
    /// Tick the router last offered the agent a call (longest idle first).
    pub last_offer: u32,
    /// Tick the agent's latest call ended or was transferred.
    last_end: Option<u32>,
    /// The tick of the agent's latest handle that ended, and every call whose handle ended then (two
    /// calls' handles can end at one tick: the second must not make the router forget the first).
    handles_ended: (u32, Vec<usize>),
    /// The ACD owes the agent an `agent.state` `available`: its after-call work is done.
    pub ready_due: bool,
}

impl AgentSim {
    pub fn new(plan: AgentPlan) -> AgentSim {
        AgentSim {
            plan,
            logged_in: false,
            not_ready: None,
            not_ready_until: None,
            next_session: 0,
            session_end: 0,
            next_break: 0,
            logged_out_at: None,
            calls: Vec::new(),
            ringing: None,
            last_offer: 0,
            last_end: None,
            handles_ended: (0, Vec::new()),
            ready_due: false,
        }
    }

    /// Calls taking the agent's time at `t`: in talk or hold, or in after-call work not yet over.
    pub fn working(&self, t: u32) -> usize {
        let busy = |w: &&Work| w.phase != Phase::WrapUp || t < w.wrap_end;
        self.calls.iter().filter(busy).count()
    }

    fn talking(&self) -> bool {
        self.calls.iter().any(|w| w.phase != Phase::WrapUp)
    }

    /// The derived state of `spec/events.md`: talk over hold over wrap-up over a ring over availability.
    fn derived(&self) -> State {
        let any = |phase| self.calls.iter().any(|w| w.phase == phase);
        if !self.logged_in {
            State::LoggedOut
        } else if any(Phase::Talk) {
            State::Talk
        } else if any(Phase::Hold) {
            State::Hold
        } else if any(Phase::WrapUp) {
            State::WrapUp
        } else if self.ringing.is_some() {
            State::Ringing
        } else {
            self.not_ready.map_or(State::Available, State::NotReady)
        }
    }
}

impl Sim {
    /// Records the state the agent shows after the events of tick `t`.
    pub fn settle(&mut self, agent: usize, t: u32) {
        let state = self.agents[agent].derived();
        let time = self.ms(t);
        let transitions = &mut self.out.agents[agent].transitions;
        if transitions.last().map_or(State::LoggedOut, |(_, s)| *s) != state {
            transitions.push((time, state));
        }
    }

    /// Whether the agent's state change, answer or logout may come at `t`. Without completions it ends
    /// the handles of the agent's calls in wrap-up, so it never shares an instant with the end of one of
    /// its calls: at one instant nothing says whether the end came first (its wrap-up ended at once) or
    /// not (the call still talked and its wrap-up goes on), and arrival order is no guide.
    pub fn may_close_wrap_ups(&self, agent: usize, t: u32) -> bool {
        self.completions == Completions::Sent || self.agents[agent].last_end != Some(t)
    }

    /// Whether the router may offer `call`, waiting in `queue`, to the agent at `t`.
    pub fn routable(&self, agent: usize, call: usize, queue: usize, t: u32) -> bool {
        let a = &self.agents[agent];
        let on_shift = !a.plan.explicit
            || (a.logged_in && t < a.session_end && a.plan.skills.contains(&queue));
        on_shift
            && a.not_ready.is_none()
            && a.ringing.is_none()
            && a.working(t) < a.plan.capacity
            // A call back from a transfer goes to another agent than the one still working it, nor
            // back at once to the agent whose handle of it ended in this instant: `call.completed`
            // names the call and the agent only, so two of its legs at one agent and one instant
            // would leave the engine to guess which one it completes.
            && a.calls.iter().all(|w| w.call != call)
            && !(a.handles_ended.0 == t && a.handles_ended.1.contains(&call))
            && self.may_close_wrap_ups(agent, t)
    }

    /// The agent answers at `t`; every tick of its work on the call is planned now.
    pub fn answer(&mut self, t: u32, agent: usize, w: Waiting) {
        self.emit(
            t,
            EventKind::CallAnswered {
                call: call_id(w.call),
                queue: Id::from(QUEUES[w.queue]),
                agent: agent_id(agent),
            },
        );
        let wait_ms = u64::from(t - w.queued_at) * self.tick_ms();
        self.record(t, w.queue, Tally::Answered { wait_ms });
        self.out
            .segments
            .push((w.queue, self.ms(w.queued_at), self.ms(t)));
        if self.completions == Completions::Absent {
            self.close_wrap_ups(agent, t);
        }
        let handling = &w.segment.handling;
        let (talk, wrap_up) = match &w.transfer {
            Some(transfer) => (self.ticks(transfer.talk), self.ticks(transfer.wrap_up)),
            None => (self.ticks(handling.talk), self.ticks(handling.wrap_up)),
        };
        let hold = handling.hold.map(|(offset, length)| {
            let held = t + self.ticks(offset).min(talk);
            (held, held + self.ticks(length))
        });
        let mut end = t + talk + hold.map_or(0, |(held, resumed)| resumed - held);
        if self.completions == Completions::Absent {
            // Nor does a call end at the instant of its answer: the agent's state change or another
            // answer at that instant could have come before the end or after it.
            end = end.max(t + 1);
        }
        let transfer = w.transfer.as_ref().map(|transfer| Requeue {
            // A call's new segment never starts at the instant its last one was answered: one call's
            // events at one instant are applied in the order queued < answered, which would take the
            // new `call.queued` for the start of the segment being answered.
            due: (end + self.ticks(transfer.requeue_delay)).max(t + 1),
            call: w.call,
            segment: Segment {
                queue: (w.queue + transfer.queue_shift) % QUEUES.len(),
                ..transfer.next.clone()
            },
            survey: w.survey.clone(),
        });
        let survey = if transfer.is_some() { None } else { w.survey };
        let a = &mut self.agents[agent];
        a.logged_in = true;
        a.ready_due = false;
        if a.ringing.is_some_and(|(call, _)| call == w.call) {
            a.ringing = None;
        }
        a.calls.push(Work {
            call: w.call,
            queue: w.queue,
            answered: t,
            hold,
            held: false,
            end,
            transfer,
            survey,
            wrap_end: end + wrap_up,
            wrapped: false,
            phase: Phase::Talk,
        });
        self.progress(agent, t);
    }

    /// Emits the events of the agent's calls due at `t`, each call's in causal order.
    pub fn progress(&mut self, agent: usize, t: u32) {
        let mut i = 0;
        while i < self.agents[agent].calls.len() {
            let (call, a) = (call_id(self.agents[agent].calls[i].call), agent_id(agent));
            let w = &mut self.agents[agent].calls[i];
            if let Some((held, resumed)) = w.hold {
                if !w.held && held <= t {
                    assert_eq!(held, t, "a hold emitted late");
                    (w.held, w.phase) = (true, Phase::Hold);
                    let (call, agent) = (call.clone(), a.clone());
                    self.emit(t, EventKind::CallHeld { call, agent });
                }
                let w = &mut self.agents[agent].calls[i];
                if w.phase == Phase::Hold && resumed <= t {
                    assert_eq!(resumed, t, "a resume emitted late");
                    w.phase = Phase::Talk;
                    let (call, agent) = (call.clone(), a.clone());
                    self.emit(t, EventKind::CallResumed { call, agent });
                }
            }
            let w = &mut self.agents[agent].calls[i];
            if w.phase == Phase::Talk && w.end <= t {
                assert_eq!(w.end, t, "an end emitted late");
                w.phase = Phase::WrapUp;
                let transfer = w.transfer.take();
                let survey = w.survey.take().map(|plan| DueSurvey {
                    due: t + plan.delay / self.tick_seconds,
                    call: w.call,
                    agent,
                    queue: w.queue,
                    plan,
                });
                self.agents[agent].last_end = Some(t);
                let (call, agent) = (call.clone(), a.clone());
                let kind = match &transfer {
                    Some(requeue) => EventKind::CallTransferred {
                        call,
                        agent,
                        to_queue: Some(Id::from(QUEUES[requeue.segment.queue])),
                        to_agent: None,
                    },
                    None => EventKind::CallEnded { call, agent },
                };
                self.emit(t, kind);
                self.requeues.extend(transfer);
                self.surveys.extend(survey);
            }
            let sim_agent = &mut self.agents[agent];
            let w = &mut sim_agent.calls[i];
            if w.phase == Phase::WrapUp && !w.wrapped && w.wrap_end <= t {
                assert_eq!(w.wrap_end, t, "a completion emitted late");
                w.wrapped = true;
                let ready = sim_agent.plan.explicit
                    && sim_agent.plan.ready_after_call
                    && sim_agent.logged_in
                    && sim_agent.not_ready.is_none();
                if self.completions == Completions::Absent {
                    // Done with the call, but its handle ends only at the agent's next event.
                    sim_agent.ready_due |= ready;
                } else {
                    let work = sim_agent.calls.remove(i);
                    sim_agent.ready_due |= ready && sim_agent.calls.is_empty();
                    self.emit(
                        t,
                        EventKind::CallCompleted {
                            call,
                            agent: a,
                            outcome: None,
                            disposition: None,
                        },
                    );
                    self.count_handle(agent, t, &work);
                    continue;
                }
            }
            i += 1;
        }
    }

    /// Counts the handle of `work`, ended at `t`, for its agent and the queue it was answered from.
    fn count_handle(&mut self, agent: usize, t: u32, work: &Work) {
        let hold = work.hold.map_or(0, |(held, resumed)| resumed - held);
        let (talk_ms, hold_ms, wrap_up_ms) = (
            u64::from(work.end - work.answered - hold) * self.tick_ms(),
            u64::from(hold) * self.tick_ms(),
            u64::from(t - work.end) * self.tick_ms(),
        );
        let tally = Tally::Handled {
            talk_ms,
            hold_ms,
            wrap_up_ms,
        };
        self.record(t, work.queue, tally);
        let ended = &mut self.agents[agent].handles_ended;
        if ended.0 != t {
            *ended = (t, Vec::new());
        }
        ended.1.push(work.call);
        let time = self.ms(t);
        let handle_ms = talk_ms + hold_ms + wrap_up_ms;
        self.out.agents[agent].handles.push((time, handle_ms));
        self.out.handled += 1;
    }

    /// Without completions, the agent's state change, answer or logout at `t` ends the handles of its
    /// calls in wrap-up.
    fn close_wrap_ups(&mut self, agent: usize, t: u32) {
        let calls = std::mem::take(&mut self.agents[agent].calls);
        let (ended, going_on): (Vec<Work>, Vec<Work>) =
            calls.into_iter().partition(|w| w.phase == Phase::WrapUp);
        self.agents[agent].calls = going_on;
        for work in &ended {
            self.count_handle(agent, t, work);
        }
    }

    fn set_availability(&mut self, agent: usize, t: u32, not_ready: Option<(usize, u32)>) {
        if self.completions == Completions::Absent {
            self.close_wrap_ups(agent, t);
        }
        let a = &mut self.agents[agent];
        a.not_ready = not_ready.map(|(reason, _)| reason);
        a.not_ready_until = not_ready.map(|(_, until)| until);
        a.ready_due = false;
        let availability = match not_ready {
            Some((reason, _)) => Availability::NotReady {
                reason: reason_id(reason),
            },
            None => Availability::Available,
        };
        let agent = agent_id(agent);
        self.emit(
            t,
            EventKind::AgentState {
                agent,
                availability,
            },
        );
    }

    /// At most one agent event a tick (a login with its state): two `agent.state` of one agent at one
    /// instant would leave its availability to their arrival order.
    pub fn agent_events(&mut self, agent: usize, t: u32) {
        let tick = self.tick_seconds;
        let a = &self.agents[agent];
        if !a.plan.explicit {
            return;
        }
        if !a.logged_in {
            let due = a.plan.sessions.get(a.next_session);
            if due.is_some_and(|s| s.0 / tick <= t) && a.logged_out_at != Some(t) {
                self.log_in(agent, t);
            }
            return;
        }
        // A ring pending, the agent changes nothing until it is answered or withdrawn.
        if a.ringing.is_some() || !self.may_close_wrap_ups(agent, t) {
            return;
        }
        if t >= a.session_end && !a.talking() {
            if self.completions == Completions::Absent {
                self.close_wrap_ups(agent, t);
            }
            // Where completions are sent, calls still in wrap-up complete after the logout.
            let a = &mut self.agents[agent];
            (a.logged_in, a.not_ready, a.not_ready_until) = (false, None, None);
            (a.ready_due, a.logged_out_at) = (false, Some(t));
            a.next_session += 1;
            let agent = agent_id(agent);
            self.emit(t, EventKind::AgentLogout { agent });
            return;
        }
        if a.not_ready_until.is_some_and(|until| t >= until) {
            self.set_availability(agent, t, None);
        } else if a.not_ready.is_none()
            && !a.talking()
            && a.plan
                .breaks
                .get(a.next_break)
                .is_some_and(|b| b.0 / tick <= t)
        {
            let (_, length, reason) = a.plan.breaks[a.next_break];
            self.agents[agent].next_break += 1;
            let until = t + (length / tick).max(1);
            self.set_availability(agent, t, Some((reason, until)));
        } else if a.ready_due && a.not_ready.is_none() {
            self.set_availability(agent, t, None);
        }
    }

    fn log_in(&mut self, agent: usize, t: u32) {
        let tick = self.tick_seconds;
        let a = &mut self.agents[agent];
        let length = a.plan.sessions[a.next_session].1 / tick;
        a.session_end = t + length.max(1);
        a.logged_in = true;
        let at_login = a
            .plan
            .not_ready_at_login
            .map(|(length, reason)| (reason, t + (length / tick).max(1)));
        let queues = a.plan.skills.iter().map(|&q| Id::from(QUEUES[q])).collect();
        self.emit(
            t,
            EventKind::AgentLogin {
                agent: agent_id(agent),
                queues: Some(queues),
                team: Some(Id::from(format!("team{}", agent % 2))),
            },
        );
        self.set_availability(agent, t, at_login);
    }
}
