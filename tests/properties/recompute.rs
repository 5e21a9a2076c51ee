//! The expected floor — the simulator's record of what happened — and the figures recomputed from it
//! alone, never by the engine: queue counts, agents' time by state, handled calls and surveys, calls
//! waiting, report rows.

use std::collections::{BTreeMap, HashMap};

use callboard::center::settings::HOUR;
use callboard::center::snapshot::AgentsByState;
use callboard::event::{Event, Id, Millis};
use callboard::kpi::{AgentTimes, QueueCounts};

use crate::{INTERVAL, MIDNIGHT, QUEUES, REASONS, SHORT_ABANDON_MS, THRESHOLD_MS};

/// An agent's state as `spec/events.md` derives it, with talk and hold apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
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
pub enum Tally {
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

/// A `survey.completed`: the agent and queue it names, and its score / scale.
#[derive(Debug, Clone, Copy)]
pub struct SurveyRecord {
    pub time: Millis,
    pub agent: Option<usize>,
    pub queue: Option<usize>,
    pub share: f64,
}

#[derive(Debug, Default)]
pub struct AgentModel {
    pub id: String,
    pub skills: Vec<usize>,
    /// The state after each instant that changed it, in time order: a state held for no time within
    /// an instant is no change.
    pub transitions: Vec<(Millis, State)>,
    /// (end, talk + hold + wrap-up ms) of the agent's handled calls.
    pub handles: Vec<(Millis, u64)>,
}

#[derive(Debug, Default)]
pub struct Expected {
    /// The events in the order they happened: causal, and the arrival order of a real ACD.
    pub events: Vec<Event>,
    /// (time, queue, tally) of every queue count.
    pub records: Vec<(Millis, usize, Tally)>,
    /// (queue, queued, left) of every queue segment.
    pub segments: Vec<(usize, Millis, Millis)>,
    pub agents: Vec<AgentModel>,
    pub surveys: Vec<SurveyRecord>,
    /// Events a feed delivers this long after their time beyond the lateness (by event id): surveys,
    /// pure tallies that must land at their own time however late they come.
    pub late_ms: HashMap<Id, Millis>,
    /// Answered segments whose handle ended (completion, or the agent's next answer, state or logout):
    /// the simulator's own count of handled calls.
    pub handled: u64,
    /// Time of the last event.
    pub end: Millis,
}

impl Expected {
    /// The events sorted by time, each instant's in the order they happened (a stable sort).
    pub fn sorted_events(&self) -> Vec<Event> {
        let mut events = self.events.clone();
        events.sort_by_key(|event| event.time);
        events
    }

    /// Count and CSAT (mean score / scale) of the surveys `names` accepts at times `inside` accepts.
    pub fn surveys(
        &self,
        names: impl Fn(&SurveyRecord) -> bool,
        inside: impl Fn(Millis) -> bool,
    ) -> (u64, Option<f64>) {
        let surveys = self.surveys.iter().filter(|s| names(s) && inside(s.time));
        let (count, sum) = surveys.fold((0u64, 0.0), |(n, sum), s| (n + 1, sum + s.share));
        (count, (count > 0).then(|| sum / count as f64))
    }

    /// Counts of `queue` over the records whose time `inside` accepts.
    pub fn queue_counts(&self, queue: usize, inside: impl Fn(Millis) -> bool) -> QueueCounts {
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
    pub fn agent_times(&self, agent: usize, from: Millis, to: Millis) -> StateTotals {
        let mut totals = StateTotals::default();
        for (start, end, state) in self.spans(agent) {
            let overlap = end.min(to) - start.max(from);
            if overlap > 0 {
                totals.add(state, overlap as u64);
            }
        }
        totals
    }

    pub fn agent_handled(&self, agent: usize, inside: impl Fn(Millis) -> bool) -> u64 {
        let handles = &self.agents[agent].handles;
        handles.iter().filter(|(time, _)| inside(*time)).count() as u64
    }

    /// Handled calls of the agent answered at times `began` accepts, completed by `now`.
    pub fn agent_handled_began(
        &self,
        agent: usize,
        now: Millis,
        began: impl Fn(Millis) -> bool,
    ) -> u64 {
        let handles = self.agents[agent].handles.iter();
        // A handle's milliseconds run from its answer to its end.
        let counted = handles.filter(|&&(end, ms)| end <= now && began(end - ms as Millis));
        counted.count() as u64
    }

    /// Start of the agent's latest session at `now`: the latest instant at or before `now` after which
    /// it was logged in and before which it was not (or was not known).
    pub fn session_start(&self, agent: usize, now: Millis) -> Option<Millis> {
        let transitions = &self.agents[agent].transitions;
        let mut before = State::LoggedOut;
        let mut start = None;
        for &(time, state) in transitions.iter().take_while(|(time, _)| *time <= now) {
            if before == State::LoggedOut && state != State::LoggedOut {
                start = Some(time);
            }
            before = state;
        }
        start
    }

    /// The agent's average handle time in seconds over its handles `inside` accepts.
    pub fn agent_aht_seconds(&self, agent: usize, inside: impl Fn(Millis) -> bool) -> Option<f64> {
        let handles = self.agents[agent].handles.iter();
        let inside = handles.filter(|(time, _)| inside(*time));
        let (count, ms) = inside.fold((0u64, 0u64), |(n, sum), (_, ms)| (n + 1, sum + ms));
        (count > 0).then(|| ms as f64 / 1000.0 / count as f64)
    }

    /// The agent's state at `now` and since when, once the agent is known at all.
    pub fn state_at(&self, agent: usize, now: Millis) -> Option<(Millis, State)> {
        let transitions = &self.agents[agent].transitions;
        transitions
            .iter()
            .rev()
            .find(|(time, _)| *time <= now)
            .copied()
    }

    /// Queued times of the calls waiting in `queue` at `now`.
    pub fn waiting_since(&self, queue: usize, now: Millis) -> Vec<Millis> {
        let segments = self.segments.iter();
        segments
            .filter(|&&(q, queued, left)| q == queue && queued <= now && now < left)
            .map(|&(_, queued, _)| queued)
            .collect()
    }

    /// Agents with `queue` among their skills, by state at `now`.
    pub fn agents_by_state(&self, queue: usize, now: Millis) -> AgentsByState {
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
    pub fn queue_rows(&self, now: Millis) -> BTreeMap<(&'static str, Millis), QueueCounts> {
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
    pub fn agent_rows(
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
            for &(time, _) in model.handles.iter().filter(|(time, _)| *time <= now) {
                let key = (model.id.clone(), interval_start(time));
                rows.entry(key).or_default().0 += 1;
            }
        }
        rows
    }
}

/// Milliseconds by state, not-ready time by reason name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StateTotals {
    pub times: AgentTimes,
    pub not_ready_by_reason: BTreeMap<String, u64>,
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

pub fn day_start(now: Millis) -> Millis {
    if now >= MIDNIGHT {
        MIDNIGHT
    } else {
        MIDNIGHT - 24 * HOUR
    }
}

/// How the report writes an interval start: `2026-11-23T23:15:00Z`.
pub fn interval_text(start: Millis) -> String {
    chrono::DateTime::from_timestamp_millis(start)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

pub fn state_name(state: State) -> &'static str {
    match state {
        State::LoggedOut => "logged_out",
        State::Available => "available",
        State::Ringing => "ringing",
        State::Talk | State::Hold => "on_call",
        State::WrapUp => "wrap_up",
        State::NotReady(_) => "not_ready",
    }
}
