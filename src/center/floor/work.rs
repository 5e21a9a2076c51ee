//! An agent's work on calls, for the floor: room for another call, changes to the work on one call,
//! its end (a completion, or the implied end of a feed without completions) and the handle it counts.

use super::*;

impl Floor {
    /// Refuses a new call for an agent already working the most calls a tenant allows at once (what
    /// the next call ends in a feed without completions does not count). Changes nothing.
    pub(super) fn check_room_for_a_call(
        &self,
        agent: &Id,
        settings: &CenterSettings,
    ) -> Result<(), RejectReason> {
        let Some(&ix) = self.agent_ids.get(agent) else {
            return Ok(());
        };
        let works = &self.agents[ix as usize].works;
        let staying = match settings.completions {
            Completions::Sent => works.len(),
            Completions::Absent => works.iter().filter(|work| work.ended_at.is_none()).count(),
        };
        if staying >= settings.max_calls_per_agent {
            return Err(RejectReason::Inconsistent);
        }
        Ok(())
    }

    /// Whether the agent has a leg of `call` in talk or hold (answered, not yet ended).
    pub(super) fn talks_on(&self, agent: &Id, call: &Id) -> bool {
        self.agent_ids.get(agent).is_some_and(|&ix| {
            let works = &self.agents[ix as usize].works;
            works
                .iter()
                .any(|work| work.call == *call && work.ended_at.is_none())
        })
    }

    /// In a feed without completions, the agent's next call ends the handles of its calls in wrap-up.
    pub(super) fn end_implied_by_next_call(
        &mut self,
        ix: AgentIx,
        time: Millis,
        settings: &CenterSettings,
    ) {
        if settings.completions == Completions::Absent {
            self.finish_works(ix, time, |work| work.ended_at.is_some());
        }
    }

    /// Runs `change` on the agent's work on `call`; inconsistent when the agent is not working that call.
    pub(super) fn with_work(
        &mut self,
        call: &Id,
        agent: &Id,
        time: Millis,
        change: impl FnOnce(&mut Work) -> Result<(), RejectReason>,
    ) -> Result<(), RejectReason> {
        let ix = *self
            .agent_ids
            .get(agent)
            .ok_or(RejectReason::Inconsistent)?;
        let agent = &mut self.agents[ix as usize];
        // A call the agent took twice (transferred away and back) has its newest leg in talk.
        let work = agent
            .works
            .iter_mut()
            .rev()
            .find(|work| work.call == *call)
            .ok_or(RejectReason::Inconsistent)?;
        change(work)?;
        work.last_seen = work.last_seen.max(time);
        agent.settle(time, &mut self.calendar);
        Ok(())
    }

    pub(super) fn call_completed(
        &mut self,
        call: &Id,
        agent: &Id,
        outcome: Option<&Outcome>,
        time: Millis,
    ) -> Result<(), RejectReason> {
        let ix = *self
            .agent_ids
            .get(agent)
            .ok_or(RejectReason::Inconsistent)?;
        let works = &self.agents[ix as usize].works;
        // Of two legs of one call at one agent, the older completes first.
        let at = works
            .iter()
            .position(|work| work.call == *call)
            .ok_or(RejectReason::Inconsistent)?;
        let work = self.agents[ix as usize].works.remove(at);
        let (outbound, campaign, began) = (work.outbound, work.campaign.clone(), work.started_at);
        self.count_handle(ix, work, time);
        self.agents[ix as usize].settle(time, &mut self.calendar);
        if outbound && outcome == Some(&Outcome::Success) {
            let agent = &mut self.agents[ix as usize];
            agent.count_from(time, began, AgentTally::Success, &mut self.calendar);
            self.count_campaign(campaign.as_ref(), time, |tallies| tallies.successes += 1);
        }
        Ok(())
    }

    /// Ends the agent's work on the calls `ending` picks at `time` (the implied ends of a feed without
    /// `call.completed`) and counts their handles.
    pub(super) fn finish_works(
        &mut self,
        ix: AgentIx,
        time: Millis,
        ending: impl Fn(&Work) -> bool,
    ) {
        let works = &mut self.agents[ix as usize].works;
        if !works.iter().any(&ending) {
            return;
        }
        let (ended, staying): (Vec<Work>, Vec<Work>) =
            works.drain(..).partition(|work| ending(work));
        *works = staying;
        for work in ended {
            self.count_handle(ix, work, time);
        }
        self.agents[ix as usize].settle(time, &mut self.calendar);
    }

    /// Counts the handle of `work`, which ends at `time`, for the agent and for the queue the call was
    /// answered from (an outbound attempt that never connected is no handle).
    pub(super) fn count_handle(&mut self, ix: AgentIx, mut work: Work, time: Millis) {
        let agent = &mut self.agents[ix as usize];
        if work.connected {
            if work.ended_at.is_none() {
                let _ = end_talk(&mut work, time);
            }
            let ended_at = work.ended_at.unwrap_or(time).min(time);
            let handle = Handle {
                talk_ms: clamp_ms(ended_at - work.started_at - work.hold_ms),
                hold_ms: clamp_ms(work.hold_ms),
                wrap_up_ms: clamp_ms(time - ended_at),
            };
            let began = work.started_at;
            let agent_id = agent.id.clone();
            agent.count_from(time, began, AgentTally::Handled(handle), &mut self.calendar);
            if let Some(policy) = self.qa_policy.clone() {
                let span = self.sample_period(&policy, time);
                let handled = Handled {
                    call: work.call.clone(),
                    agent: agent_id,
                    queue: work.queue.map(|q| self.queues[q as usize].id.clone()),
                    answered_at: began,
                    completed_at: time,
                    handle_ms: time - began,
                    transferred: work.transferred,
                };
                self.samples.offer(&policy, &span, &handled);
            }
            if let Some(q) = work.queue {
                let tally = Tally::Handled {
                    talk_ms: handle.talk_ms,
                    hold_ms: handle.hold_ms,
                    wrap_up_ms: handle.wrap_up_ms,
                };
                self.queues[q as usize].record(time, tally, &mut self.calendar);
            }
        }
    }
}

/// Talk ends (hang-up or transfer): a hold still open ends with it, and wrap-up begins.
pub(super) fn end_talk(work: &mut Work, time: Millis) -> Result<(), RejectReason> {
    if work.ended_at.is_some() {
        return Err(RejectReason::Inconsistent);
    }
    if let Some(since) = work.hold_since.take() {
        work.hold_ms += time - since;
    }
    work.ended_at = Some(time);
    Ok(())
}

fn clamp_ms(ms: Millis) -> u32 {
    ms.clamp(0, Millis::from(u32::MAX)) as u32
}
