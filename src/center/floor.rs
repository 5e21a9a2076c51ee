//! The floor of one tenant as built by applying events in event-time order: calls waiting in queues,
//! agents and their work, and the call → queue → agent bookkeeping of `spec/events.md`. Every count is
//! made here and lands at the event time of the event that makes it known.

use super::agent::{Agent, AgentIx, AgentTally, Handle, Tallies, TimeState, Work};
use super::calendar::Calendar;
use super::calendar::Daily;
use super::callers::{Abandonment, Callers};
use super::labour::LabourSettings;
use super::qa::{Handled, PeriodSpan, SamplePeriod, Samples, SamplingPolicy};
use super::queue::{Queue, QueueIx, Tally};
use super::settings::{CenterSettings, Completions, MINUTE};
use crate::event::{Availability, Direction, Event, EventKind, Id, Millis, Outcome, RejectReason};

mod work;
use work::end_talk;

/// Maps keyed by ids from the feed: foldhash, seeded per process.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// A call the floor is tracking between its events.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Call {
    last_seen: Millis,
    /// The queue segment waiting now: (queue, queued time).
    waiting: Option<(QueueIx, Millis)>,
    /// The agent an agent-to-agent transfer handed the call to.
    transferred_to: Option<Id>,
    /// The agent the call is ringing at.
    ringing_at: Option<AgentIx>,
    /// Who called (opaque), from `call.queued`.
    caller: Option<Id>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Floor {
    /// Event time of the latest event applied.
    pub clock: Millis,
    pub calendar: Calendar,
    pub queues: Vec<Queue>,
    /// Not kept in a state snapshot: rebuilt from `queues` (see [`Floor::restored`]).
    #[serde(skip)]
    queue_ids: HashMap<Id, QueueIx>,
    pub agents: Vec<Agent>,
    #[serde(skip)]
    agent_ids: HashMap<Id, AgentIx>,
    calls: HashMap<Id, Call>,
    /// Not-ready reasons by index; index 0 is "no reason given".
    pub reasons: Vec<Id>,
    pub expired_calls: u64,
    /// Today's outbound tallies by campaign.
    pub campaigns: std::collections::BTreeMap<Id, Daily<Tallies>>,
    /// Callers awaiting a callback, and who called in the last day.
    pub callers: Callers,
    next_sweep: Millis,
    /// Not kept in a state snapshot: a restored center takes the settings in force.
    #[serde(skip)]
    wait_bounds: std::sync::Arc<[Millis]>,
    /// Calls chosen for quality review.
    pub samples: Samples,
    /// Not kept in a state snapshot: the settings in force.
    #[serde(skip)]
    qa_policy: Option<SamplingPolicy>,
    /// Not kept in a state snapshot: the settings in force.
    #[serde(skip)]
    labour: Option<std::sync::Arc<LabourSettings>>,
}

const SWEEP_EVERY_MS: Millis = MINUTE;

impl Floor {
    pub fn new(settings: &CenterSettings) -> Self {
        let mut floor = Floor {
            clock: Millis::MIN,
            calendar: Calendar::new(
                settings.time_zone,
                settings.day_start_hour,
                settings.interval_ms,
            ),
            queues: Vec::new(),
            queue_ids: HashMap::default(),
            agents: Vec::new(),
            agent_ids: HashMap::default(),
            calls: HashMap::default(),
            reasons: vec![Id::default()],
            expired_calls: 0,
            campaigns: Default::default(),
            callers: Callers::default(),
            next_sweep: Millis::MIN,
            wait_bounds: settings.answer_wait_bounds_ms().into(),
            samples: Samples::default(),
            qa_policy: settings.qa_sampling.clone(),
            labour: settings.labour.clone(),
        };
        // Configured queues exist from the start, so a quiet queue shows zeros rather than nothing.
        let mut configured: Vec<&Id> = settings.queues.keys().collect();
        configured.sort();
        for queue in configured {
            let ix = floor.queue_ix(queue, settings);
            floor.queues[ix as usize].configured = true;
        }
        floor
    }

    fn queue_ix(&mut self, id: &Id, settings: &CenterSettings) -> QueueIx {
        if let Some(&ix) = self.queue_ids.get(id) {
            return ix;
        }
        let ix = self.queues.len() as QueueIx;
        self.queues.push(Queue::new(
            id.clone(),
            settings.queue(id).clone(),
            self.wait_bounds.clone(),
        ));
        self.queue_ids.insert(id.clone(), ix);
        ix
    }

    /// Finishes a floor decoded from a state snapshot (`persist`): indexes queues and agents by id and
    /// checks that every index it holds names a queue, an agent or a reason it has. Its settings come
    /// next, from [`Floor::reconfigure`].
    pub(crate) fn restored(&mut self) -> Result<(), String> {
        if self.reasons.is_empty() || self.reasons.len() > 256 {
            return Err(format!("{} not-ready reasons", self.reasons.len()));
        }
        self.queue_ids = HashMap::default();
        for (ix, queue) in self.queues.iter().enumerate() {
            if queue.wait_bucket_counts.len() != queue.wait_bounds.len() + 1 {
                return Err(format!("queue {}: wait buckets do not match", queue.id));
            }
            if self
                .queue_ids
                .insert(queue.id.clone(), ix as QueueIx)
                .is_some()
            {
                return Err(format!("queue {} twice", queue.id));
            }
        }
        self.agent_ids = HashMap::default();
        for (ix, agent) in self.agents.iter().enumerate() {
            agent.check_indices(self.queues.len(), self.reasons.len())?;
            agent.check_times()?;
            if self
                .agent_ids
                .insert(agent.id.clone(), ix as AgentIx)
                .is_some()
            {
                return Err(format!("agent {} twice", agent.id));
            }
        }
        for (id, call) in &self.calls {
            let queue_ok = call
                .waiting
                .is_none_or(|(queue, _)| (queue as usize) < self.queues.len());
            let agent_ok = call
                .ringing_at
                .is_none_or(|agent| (agent as usize) < self.agents.len());
            if !(queue_ok && agent_ok) {
                return Err(format!("call {id}: an index is out of range"));
            }
        }
        if (self.callers.queues()).any(|queue| queue as usize >= self.queues.len()) {
            return Err("a callback's queue index is out of range".to_string());
        }
        Ok(())
    }

    /// Applies new per-queue settings to the queues that exist.
    pub fn reconfigure(&mut self, settings: &CenterSettings) {
        self.wait_bounds = settings.answer_wait_bounds_ms().into();
        self.qa_policy = settings.qa_sampling.clone();
        // New rates apply to time not yet credited (from each agent's latest change of state).
        self.labour = settings.labour.clone();
        for ix in 0..self.agents.len() {
            self.price(ix as AgentIx);
        }
        for queue in &mut self.queues {
            queue.settings = settings.queue(&queue.id).clone();
            queue.rebucket(self.wait_bounds.clone());
        }
    }

    fn agent_ix(&mut self, id: &Id, settings: &CenterSettings) -> AgentIx {
        if let Some(&ix) = self.agent_ids.get(id) {
            return ix;
        }
        let ix = self.agents.len() as AgentIx;
        self.agents
            .push(Agent::new(id.clone(), settings.keep_agent_intervals));
        self.agent_ids.insert(id.clone(), ix);
        self.price(ix);
        ix
    }

    /// Sets the agent's hourly rate from the labour settings, for its team now.
    fn price(&mut self, ix: AgentIx) {
        let agent = &mut self.agents[ix as usize];
        agent.hourly_cost = (self.labour.as_ref())
            .map_or(0.0, |labour| labour.rate(&agent.id, agent.team.as_ref()));
    }

    /// An agent named by a call event: a feed without agent events logs the agent in at its first call.
    fn working_agent(&mut self, id: &Id, time: Millis, settings: &CenterSettings) -> AgentIx {
        let ix = self.agent_ix(id, settings);
        self.agents[ix as usize].log_in(time);
        ix
    }

    fn reason_ix(&mut self, reason: &Option<Id>) -> u16 {
        let Some(reason) = reason else { return 0 };
        match self.reasons.iter().position(|known| known == reason) {
            Some(ix) => ix as u16,
            // The reason table is bounded so garbage reasons cannot grow it (or the label set) forever.
            None if self.reasons.len() < 256 => {
                self.reasons.push(reason.clone());
                (self.reasons.len() - 1) as u16
            }
            None => 0,
        }
    }

    pub fn number_of_calls(&self) -> usize {
        self.calls.len()
    }

    /// Applies one event at its time. An event that contradicts what the floor knows is `Inconsistent`
    /// and changes nothing.
    pub fn apply(&mut self, event: &Event, settings: &CenterSettings) -> Result<(), RejectReason> {
        let time = event.time;
        self.clock = self.clock.max(time);
        if time >= self.next_sweep {
            self.sweep(settings);
            self.next_sweep = time + SWEEP_EVERY_MS;
        }
        match &event.kind {
            EventKind::CallQueued {
                call,
                queue,
                caller,
                ..
            } => self.call_queued(call, queue, caller.as_ref(), time, settings),
            EventKind::CallRinging { call, agent, .. } => {
                self.call_ringing(call, agent, time, settings)
            }
            EventKind::CallAnswered { call, queue, agent } => {
                self.call_answered(call, queue, agent, time, settings)
            }
            EventKind::CallAbandoned { call, queue } => {
                self.call_left_queue(call, queue, time, true, settings)
            }
            EventKind::CallDequeued { call, queue, .. } => {
                self.call_left_queue(call, queue, time, false, settings)
            }
            EventKind::CallHeld { call, agent } => self.with_work(call, agent, time, |work| {
                if work.ended_at.is_some() || work.hold_since.is_some() {
                    return Err(RejectReason::Inconsistent);
                }
                work.hold_since = Some(time);
                Ok(())
            }),
            EventKind::CallResumed { call, agent } => self.with_work(call, agent, time, |work| {
                let since = work.hold_since.take().ok_or(RejectReason::Inconsistent)?;
                work.hold_ms += time - since;
                Ok(())
            }),
            EventKind::CallTransferred {
                call,
                agent,
                to_agent,
                ..
            } => {
                self.with_work(call, agent, time, |work| {
                    end_talk(work, time)?;
                    work.transferred = true;
                    Ok(())
                })?;
                if let Some(to_agent) = to_agent {
                    let entry = self
                        .calls
                        .entry(call.clone())
                        .or_insert_with(|| new_call(time));
                    entry.transferred_to = Some(to_agent.clone());
                }
                Ok(())
            }
            EventKind::CallEnded { call, agent } => {
                self.with_work(call, agent, time, |work| end_talk(work, time))
            }
            EventKind::CallCompleted {
                call,
                agent,
                outcome,
                ..
            } => self.call_completed(call, agent, outcome.as_ref(), time),
            EventKind::CallDialed {
                call,
                agent,
                campaign,
                caller,
            } => {
                self.check_room_for_a_call(agent, settings)?;
                let ix = self.working_agent(agent, time, settings);
                self.end_implied_by_next_call(ix, time, settings);
                let agent = &mut self.agents[ix as usize];
                let mut work = Work::started(call.clone(), None, time, Direction::Outbound);
                work.campaign = campaign.clone();
                work.caller = caller.clone();
                agent.start_work(work);
                agent.count(time, AgentTally::Dialed, &mut self.calendar);
                agent.settle(time, &mut self.calendar);
                self.count_campaign(campaign.as_ref(), time, |tallies| tallies.dialed += 1);
                Ok(())
            }
            EventKind::CallConnected { call, agent } => {
                self.with_work(call, agent, time, |work| {
                    if work.connected {
                        return Err(RejectReason::Inconsistent);
                    }
                    work.connected = true;
                    work.started_at = time;
                    Ok(())
                })?;
                let ix = self.agent_ids[agent];
                let agent = &mut self.agents[ix as usize];
                agent.count(time, AgentTally::Connected, &mut self.calendar);
                let work = agent.work_on(call);
                let (campaign, caller) = work.map_or((None, None), |work| {
                    (work.campaign.clone(), work.caller.clone())
                });
                if let Some(caller) = caller {
                    (self.callers).reached(&caller, time, settings.caller_limits.callers);
                }
                self.count_campaign(campaign.as_ref(), time, |tallies| tallies.connected += 1);
                Ok(())
            }
            EventKind::AgentLogin {
                agent,
                queues,
                team,
            } => {
                let ix = self.agent_ix(agent, settings);
                let skills = queues.as_ref().map(|queues| self.skills(queues, settings));
                let agent = &mut self.agents[ix as usize];
                // A logged-in agent changing team: the time until now is priced at the old team's rate.
                if self.labour.is_some() && team.is_some() && *team != agent.team {
                    agent.credit_until(time, &mut self.calendar);
                }
                agent.log_in(time);
                if let Some(skills) = skills {
                    agent.skills = skills;
                }
                if team.is_some() {
                    agent.team = team.clone();
                }
                agent.settle(time, &mut self.calendar);
                self.price(ix);
                Ok(())
            }
            EventKind::AgentLogout { agent } => {
                let ix = self.agent_ix(agent, settings);
                if settings.completions == Completions::Absent {
                    self.finish_works(ix, time, |_| true);
                }
                let agent = &mut self.agents[ix as usize];
                agent.logged_in = false;
                agent.ringing.clear();
                agent.settle(time, &mut self.calendar);
                Ok(())
            }
            EventKind::AgentState {
                agent,
                availability,
            } => {
                let reason = match availability {
                    Availability::Available => None,
                    Availability::NotReady { reason } => Some(self.reason_ix(reason)),
                };
                let ix = self.working_agent(agent, time, settings);
                if settings.completions == Completions::Absent {
                    self.finish_works(ix, time, |work| work.ended_at.is_some());
                }
                let agent = &mut self.agents[ix as usize];
                agent.availability = reason.map_or(TimeState::Available, TimeState::NotReady);
                agent.settle(time, &mut self.calendar);
                Ok(())
            }
            EventKind::AgentQueues { agent, queues } => {
                let ix = self.agent_ix(agent, settings);
                let skills = self.skills(queues, settings);
                self.agents[ix as usize].skills = skills;
                Ok(())
            }
            EventKind::QaScored {
                call,
                agent,
                score,
                max_score,
                critical,
                ..
            } => {
                let ix = self.agent_ix(agent, settings);
                let ratio = score / max_score;
                let review = AgentTally::Review {
                    ratio,
                    critical: *critical,
                };
                let reviewed = &mut self.agents[ix as usize];
                reviewed.count(time, review, &mut self.calendar);
                reviewed.recent_reviews.scored(time, call, ratio);
                self.samples.reviewed(agent, call);
                Ok(())
            }
            EventKind::SurveyCompleted {
                call,
                agent,
                queue,
                score,
                scale,
            } => {
                let normalised = score / scale;
                if let Some(queue) = queue {
                    let ix = self.queue_ix(queue, settings);
                    let day = self.calendar.day(time).start;
                    if let Some(tally) = self.queues[ix as usize].surveys.for_day(day) {
                        tally.surveys += 1;
                        tally.score_sum += normalised;
                    }
                }
                if let Some(agent) = agent {
                    let ix = self.agent_ix(agent, settings);
                    self.agents[ix as usize].count(
                        time,
                        AgentTally::Survey(normalised),
                        &mut self.calendar,
                    );
                    if let Some(policy) = self.qa_policy.clone() {
                        let span = self.sample_period(&policy, time);
                        let queue = queue.as_ref();
                        (self.samples).surveyed(&policy, &span, call, agent, queue, normalised);
                    }
                }
                Ok(())
            }
        }
    }

    /// Counts an outbound tally for `campaign`'s day (calls dialed without a campaign count for none).
    fn count_campaign(&mut self, campaign: Option<&Id>, time: Millis, add: impl Fn(&mut Tallies)) {
        let Some(campaign) = campaign else { return };
        // Bounded like the reason table: garbage campaign names cannot grow state without end.
        if !self.campaigns.contains_key(campaign) && self.campaigns.len() >= 1_024 {
            return;
        }
        let day = self.calendar.day(time).start;
        if let Some(tallies) = self
            .campaigns
            .entry(campaign.clone())
            .or_default()
            .for_day(day)
        {
            add(tallies);
        }
    }

    fn skills(&mut self, queues: &[Id], settings: &CenterSettings) -> Vec<QueueIx> {
        queues
            .iter()
            .map(|queue| self.queue_ix(queue, settings))
            .collect()
    }

    fn call_queued(
        &mut self,
        call: &Id,
        queue: &Id,
        caller: Option<&Id>,
        time: Millis,
        settings: &CenterSettings,
    ) -> Result<(), RejectReason> {
        let q = self.queue_ix(queue, settings);
        let entry = self
            .calls
            .entry(call.clone())
            .or_insert_with(|| new_call(time));
        entry.last_seen = time;
        if let Some(caller) = caller {
            entry.caller = Some(caller.clone());
            let limit = settings.caller_limits.callers;
            if let Some(repeat) = self.callers.queued(caller, call, time, limit) {
                let day = self.calendar.day(time).start;
                if let Some(tally) = self.queues[q as usize].callers.for_day(day) {
                    tally.calls += 1;
                    tally.repeats += u64::from(repeat);
                }
            }
        }
        // Re-queued without a dequeue event: the earlier segment left its queue unanswered.
        if let Some((previous, queued_at)) = entry.waiting.take() {
            self.queues[previous as usize].stop_waiting(queued_at, call);
            self.queues[previous as usize].record(time, Tally::Dequeued, &mut self.calendar);
        }
        entry.waiting = Some((q, time));
        self.queues[q as usize].start_waiting(time, call);
        self.queues[q as usize].record(time, Tally::Offered, &mut self.calendar);
        Ok(())
    }

    fn call_ringing(
        &mut self,
        call: &Id,
        agent: &Id,
        time: Millis,
        settings: &CenterSettings,
    ) -> Result<(), RejectReason> {
        if self
            .calls
            .get(call)
            .is_none_or(|entry| entry.waiting.is_none())
        {
            return Err(RejectReason::Inconsistent);
        }
        let ix = self.working_agent(agent, time, settings);
        self.stop_ringing(call, time, None);
        let entry = self.calls.get_mut(call).expect("checked above");
        entry.last_seen = time;
        // Remembered even while the agent works another call (it shows once the agent has none), so the
        // order of a ring and another call's completion at one instant does not change the figures.
        let agent = &mut self.agents[ix as usize];
        if !agent.ringing.contains(call) {
            agent.ringing.push(call.clone());
        }
        entry.ringing_at = Some(ix);
        agent.settle(time, &mut self.calendar);
        Ok(())
    }

    /// The agent the call was ringing at (if any) is no longer offered it; unless that agent is the
    /// one answering (`answered_by`), the ring went unanswered and counts for it.
    fn stop_ringing(&mut self, call: &Id, time: Millis, answered_by: Option<AgentIx>) {
        let Some(entry) = self.calls.get_mut(call) else {
            return;
        };
        if let Some(ix) = entry.ringing_at.take() {
            let agent = &mut self.agents[ix as usize];
            if answered_by != Some(ix) {
                agent.count(time, AgentTally::RingUnanswered, &mut self.calendar);
                agent.missed_rings.missed(time);
            }
            if let Some(at) = agent.ringing.iter().position(|ringing| ringing == call) {
                agent.ringing.remove(at);
                agent.settle(time, &mut self.calendar);
            }
        }
    }

    fn call_answered(
        &mut self,
        call: &Id,
        queue: &Id,
        agent: &Id,
        time: Millis,
        settings: &CenterSettings,
    ) -> Result<(), RejectReason> {
        let entry = self.calls.get(call).ok_or(RejectReason::Inconsistent)?;
        let answered_from = match entry.waiting {
            Some((q, _)) if self.queues[q as usize].id == *queue => Some(q),
            // An agent-to-agent transfer reaches its agent without a queue segment.
            None if entry.transferred_to.as_ref() == Some(agent) => None,
            _ => return Err(RejectReason::Inconsistent),
        };
        // An agent cannot answer a call it still talks on: at one instant, the answer of the call's
        // new segment waits for the end of the agent's earlier leg of it.
        if self.talks_on(agent, call) {
            return Err(RejectReason::Inconsistent);
        }
        self.check_room_for_a_call(agent, settings)?;
        if let Some(q) = answered_from {
            let queued_at = entry.waiting.map_or(time, |(_, queued_at)| queued_at);
            let wait_ms = (time - queued_at).max(0) as u32;
            let waiting_in = &mut self.queues[q as usize];
            waiting_in.stop_waiting(queued_at, call);
            waiting_in.record(time, Tally::Answered { wait_ms }, &mut self.calendar);
        }
        let answering = self.agent_ids.get(agent).copied();
        self.stop_ringing(call, time, answering);
        if let Some(caller) = self.calls.remove(call).and_then(|entry| entry.caller) {
            (self.callers).reached(&caller, time, settings.caller_limits.callers);
        }
        let ix = self.working_agent(agent, time, settings);
        self.end_implied_by_next_call(ix, time, settings);
        let agent = &mut self.agents[ix as usize];
        agent.missed_rings.answered(time);
        // Another call offered at the same instant stays offered (it shows once this one is done).
        if let Some(at) = agent.ringing.iter().position(|ringing| ringing == call) {
            agent.ringing.remove(at);
        }
        agent.start_work(Work::started(
            call.clone(),
            answered_from,
            time,
            Direction::Inbound,
        ));
        agent.settle(time, &mut self.calendar);
        Ok(())
    }

    /// A call leaves its queue unanswered: abandoned (its caller then awaits a callback) or dequeued.
    fn call_left_queue(
        &mut self,
        call: &Id,
        queue: &Id,
        time: Millis,
        abandoned: bool,
        settings: &CenterSettings,
    ) -> Result<(), RejectReason> {
        let entry = self.calls.get(call).ok_or(RejectReason::Inconsistent)?;
        let Some((q, queued_at)) = entry
            .waiting
            .filter(|(q, _)| self.queues[*q as usize].id == *queue)
        else {
            return Err(RejectReason::Inconsistent);
        };
        let wait_ms = (time - queued_at).max(0) as u32;
        let tally = if abandoned {
            Tally::Abandoned { wait_ms }
        } else {
            Tally::Dequeued
        };
        self.queues[q as usize].stop_waiting(queued_at, call);
        self.queues[q as usize].record(time, tally, &mut self.calendar);
        self.stop_ringing(call, time, None);
        let caller = self.calls.remove(call).and_then(|entry| entry.caller);
        if let Some(caller) = caller.filter(|_| abandoned) {
            let abandonment = Abandonment {
                at: time,
                queue: q,
                wait_ms,
            };
            (self.callers).abandoned(&caller, abandonment, settings.caller_limits);
        }
        Ok(())
    }

    /// Drops calls silent for longer than the expiry, and what the rolling windows no longer need.
    fn sweep(&mut self, settings: &CenterSettings) {
        let expire_before = self.clock.saturating_sub(settings.call_expiry_ms);
        let (queues, agents, calendar) = (&mut self.queues, &mut self.agents, &mut self.calendar);
        let mut expired = 0;
        self.calls.retain(|call, entry| {
            let keep = entry.last_seen >= expire_before;
            if !keep {
                expired += 1;
                if let Some((q, queued_at)) = entry.waiting {
                    queues[q as usize].stop_waiting(queued_at, call);
                }
                // Nor is it offered to an agent any more.
                if let Some(agent) = entry.ringing_at.map(|ix| &mut agents[ix as usize]) {
                    agent.ringing.retain(|ringing| ringing != call);
                    agent.settle(entry.last_seen + settings.call_expiry_ms, calendar);
                }
            }
            keep
        });
        expired += self.drop_silent_work(expire_before, settings.call_expiry_ms);
        self.expired_calls += expired;
        let today = self.calendar.day(self.clock).start;
        self.callers.sweep(self.clock, today);
        let horizon = self
            .clock
            .saturating_sub(settings.longest_window_ms() + settings.lateness_ms + MINUTE);
        let keep_intervals_from = settings.interval_retention_days.map(|days| {
            self.calendar.day(self.clock).start - Millis::from(days) * 24 * 60 * MINUTE
        });
        for queue in &mut self.queues {
            queue.trim(horizon, keep_intervals_from);
        }
        for agent in &mut self.agents {
            agent.trim(horizon);
            // Agent intervals are kept (for the intervals topic) as long as queue intervals.
            if let (Some(keep_from), Some(intervals)) = (keep_intervals_from, &mut agent.intervals)
            {
                intervals.keep_from(keep_from);
            }
        }
    }

    /// Drops work on calls silent since before `expire_before` (a lost `call.ended` or `call.completed`):
    /// the agent leaves the call when it expired, and nothing is counted as handled. Returns how many.
    fn drop_silent_work(&mut self, expire_before: Millis, expiry_ms: Millis) -> u64 {
        let mut dropped = 0;
        for agent in &mut self.agents {
            while let Some(at) = agent
                .works
                .iter()
                .position(|work| work.last_seen < expire_before)
            {
                let work = agent.works.remove(at);
                agent.settle(work.last_seen + expiry_ms, &mut self.calendar);
                dropped += 1;
            }
        }
        dropped
    }

    /// The sampling period containing `time`, with its local dates.
    fn sample_period(&mut self, policy: &SamplingPolicy, time: Millis) -> PeriodSpan {
        let span = match policy.period {
            SamplePeriod::Day => self.calendar.day(time),
            SamplePeriod::Week => self.calendar.week(time),
        };
        PeriodSpan {
            start: span.start,
            first_day: self.calendar.local_date(span.start),
            // A business day is named by the date it starts on.
            last_day: {
                let last = self.calendar.day(span.end - 1).start;
                self.calendar.local_date(last)
            },
        }
    }

    /// Credits every agent's current state up to `now`, so interval figures include the time in progress.
    pub fn close_books(&mut self, now: Millis) {
        for agent in &mut self.agents {
            agent.credit_until(now, &mut self.calendar);
        }
    }

    /// Packs each agent's newest interval, kept decoded while it takes changes (see
    /// [`crate::center::agent::AgentIntervals`]): an agent at rest then holds only packed bytes.
    pub fn pack_intervals(&mut self) {
        for agent in &mut self.agents {
            if let Some(intervals) = &mut agent.intervals {
                intervals.pack();
            }
        }
    }
}

fn new_call(time: Millis) -> Call {
    Call {
        last_seen: time,
        waiting: None,
        transferred_to: None,
        ringing_at: None,
        caller: None,
    }
}
