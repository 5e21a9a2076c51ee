//! One agent's state machine (`spec/events.md`: logged_out, available, ringing, on_call, wrap_up,
//! not_ready(reason)) and the time it spends in each state, credited exactly to its day, its session,
//! its report intervals, and a compact timeline the rolling windows are cut from.

use std::collections::VecDeque;

pub use intervals::AgentIntervals;

use super::calendar::{split_span, Calendar, Daily};
use super::history::{insert_in_time_order, push_growing_by_half};
use super::queue::QueueIx;
use super::settings::{QuotaCount, HOUR};
use crate::event::{Direction, Id, Millis};
use crate::kpi::{AgentTimes, QueueCounts};

pub mod intervals;

/// Dense index of an agent within its center.
pub type AgentIx = u32;

/// The state time is accounted in: the derived state of the spec, with talk and hold apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TimeState {
    LoggedOut,
    Available,
    Ringing,
    Talk,
    Hold,
    WrapUp,
    /// Not ready, with the index of its reason in the center's reason table (0 = none given).
    NotReady(u16),
}

impl TimeState {
    fn code(self) -> u64 {
        match self {
            TimeState::LoggedOut => 0,
            TimeState::Available => 1,
            TimeState::Ringing => 2,
            TimeState::Talk => 3,
            TimeState::Hold => 4,
            TimeState::WrapUp => 5,
            TimeState::NotReady(reason) => 6 + u64::from(reason),
        }
    }

    fn from_code(code: u64) -> TimeState {
        match code {
            0 => TimeState::LoggedOut,
            1 => TimeState::Available,
            2 => TimeState::Ringing,
            3 => TimeState::Talk,
            4 => TimeState::Hold,
            5 => TimeState::WrapUp,
            reason => TimeState::NotReady((reason - 6) as u16),
        }
    }

    /// The state name of the spec and the metrics (`on_call` covers talk and hold).
    pub fn name(self) -> &'static str {
        match self {
            TimeState::LoggedOut => "logged_out",
            TimeState::Available => "available",
            TimeState::Ringing => "ringing",
            TimeState::Talk | TimeState::Hold => "on_call",
            TimeState::WrapUp => "wrap_up",
            TimeState::NotReady(_) => "not_ready",
        }
    }
}

/// A state change packed in 8 bytes (44 bits of time, 20 of state) so an hour of timeline stays small.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Transition(u64);

const TIME_BITS: u32 = 44;

impl Transition {
    fn new(time: Millis, state: TimeState) -> Self {
        let time = time.clamp(0, (1 << TIME_BITS) - 1) as u64;
        Transition(time | (state.code() << TIME_BITS))
    }
    fn time(self) -> Millis {
        (self.0 & ((1 << TIME_BITS) - 1)) as Millis
    }
    fn state(self) -> TimeState {
        TimeState::from_code(self.0 >> TIME_BITS)
    }
}

/// Milliseconds by state, with not-ready time kept by reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StateTimes {
    pub available_ms: u64,
    pub ringing_ms: u64,
    pub talk_ms: u64,
    pub hold_ms: u64,
    pub wrap_up_ms: u64,
    /// (reason index, ms), in order of first use.
    pub not_ready_ms: Vec<(u16, u64)>,
}

impl StateTimes {
    pub fn add(&mut self, state: TimeState, ms: u64) {
        match state {
            TimeState::LoggedOut => {}
            TimeState::Available => self.available_ms += ms,
            TimeState::Ringing => self.ringing_ms += ms,
            TimeState::Talk => self.talk_ms += ms,
            TimeState::Hold => self.hold_ms += ms,
            TimeState::WrapUp => self.wrap_up_ms += ms,
            TimeState::NotReady(reason) => {
                match self.not_ready_ms.iter_mut().find(|(r, _)| *r == reason) {
                    Some((_, total)) => *total += ms,
                    None => self.not_ready_ms.push((reason, ms)),
                }
            }
        }
    }

    pub fn merge(&mut self, other: &StateTimes) {
        self.available_ms += other.available_ms;
        self.ringing_ms += other.ringing_ms;
        self.talk_ms += other.talk_ms;
        self.hold_ms += other.hold_ms;
        self.wrap_up_ms += other.wrap_up_ms;
        for (reason, ms) in &other.not_ready_ms {
            self.add(TimeState::NotReady(*reason), *ms);
        }
    }

    pub fn agent_times(&self) -> AgentTimes {
        let not_ready_ms = self.not_ready_ms.iter().map(|(_, ms)| ms).sum::<u64>();
        AgentTimes {
            available_ms: self.available_ms,
            ringing_ms: self.ringing_ms,
            talk_ms: self.talk_ms,
            hold_ms: self.hold_ms,
            wrap_up_ms: self.wrap_up_ms,
            not_ready_ms,
            logged_in_ms: self.available_ms
                + self.ringing_ms
                + self.talk_ms
                + self.hold_ms
                + self.wrap_up_ms
                + not_ready_ms,
        }
    }
}

/// What an agent did, counted when it happened.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Tallies {
    pub handled: u64,
    pub talk_ms: u64,
    pub hold_ms: u64,
    pub wrap_up_ms: u64,
    pub dialed: u64,
    pub connected: u64,
    pub successes: u64,
    pub surveys: u64,
    /// Σ score / scale of the agent's surveys.
    pub survey_score_sum: f64,
    /// Calls that rang at the agent and were not answered by it: the ring ended when the call rang
    /// elsewhere (or at the agent again), was answered by another agent, or left the queue.
    pub rings_unanswered: u64,
    /// Quality reviews, Σ of their score / max score, and those that found a critical failure.
    pub reviews: u64,
    pub review_score_sum: f64,
    pub critical_failures: u64,
}

impl Tallies {
    /// What a quota of `count` counts.
    pub fn quota_count(&self, count: QuotaCount) -> u64 {
        match count {
            QuotaCount::Handled => self.handled,
            QuotaCount::Dialed => self.dialed,
            QuotaCount::Connected => self.connected,
            QuotaCount::Successes => self.successes,
        }
    }

    /// The handles as queue counts, for the handle-time formulas.
    pub fn handles(&self) -> QueueCounts {
        QueueCounts {
            handled: self.handled,
            talk_ms: self.talk_ms,
            hold_ms: self.hold_ms,
            wrap_up_ms: self.wrap_up_ms,
            ..QueueCounts::default()
        }
    }

    pub fn merge(&mut self, other: &Tallies) {
        self.handled += other.handled;
        self.talk_ms += other.talk_ms;
        self.hold_ms += other.hold_ms;
        self.wrap_up_ms += other.wrap_up_ms;
        self.dialed += other.dialed;
        self.connected += other.connected;
        self.successes += other.successes;
        self.surveys += other.surveys;
        self.survey_score_sum += other.survey_score_sum;
        self.rings_unanswered += other.rings_unanswered;
        self.reviews += other.reviews;
        self.review_score_sum += other.review_score_sum;
        self.critical_failures += other.critical_failures;
    }
}

/// The call an agent is working: from answer (or dial) to completion.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Work {
    pub call: Id,
    /// The queue the call was answered from; `None` for outbound and agent-to-agent transfers.
    pub queue: Option<QueueIx>,
    pub outbound: bool,
    /// The outbound campaign the call was dialed for.
    pub campaign: Option<Id>,
    /// Who an outbound call is to (opaque): its connect reaches them.
    pub caller: Option<Id>,
    /// Answer (or connect) time; for an unconnected dial, the dial time.
    pub started_at: Millis,
    /// An outbound attempt that has not reached a person yet is not handle time.
    pub connected: bool,
    pub hold_since: Option<Millis>,
    pub hold_ms: Millis,
    pub ended_at: Option<Millis>,
    /// The agent transferred the call (to a queue or an agent).
    pub transferred: bool,
    /// Time of the call's latest event: work silent past the call expiry is dropped (its completion
    /// was lost), so one missing event cannot keep an agent talking forever.
    pub last_seen: Millis,
}

impl Work {
    /// Work beginning at `time`: an answered inbound call (talking at once) or an outbound dial (not
    /// handle time until it connects).
    pub fn started(call: Id, queue: Option<QueueIx>, time: Millis, direction: Direction) -> Work {
        let outbound = direction == Direction::Outbound;
        Work {
            call,
            queue,
            outbound,
            campaign: None,
            caller: None,
            started_at: time,
            connected: !outbound,
            hold_since: None,
            hold_ms: 0,
            ended_at: None,
            transferred: false,
            last_seen: time,
        }
    }
}

/// Talk, hold and wrap-up of one finished call, in ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Handle {
    pub talk_ms: u32,
    pub hold_ms: u32,
    pub wrap_up_ms: u32,
}

/// One count of an agent, kept with its time for the rolling windows: 16 bytes, 24 with the time, the
/// size a handle alone took, so an agent who only takes calls holds no more than before and an outbound
/// agent 24 bytes per dial, connect and success of the last hour (the budget is 2 KiB per agent).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum AgentTally {
    Handled(Handle),
    Dialed,
    Connected,
    /// An outbound call completed with `outcome = success`.
    Success,
    /// A survey, by its score / scale.
    Survey(f64),
    /// A call rang at the agent and went elsewhere, or its caller left, without the agent answering.
    RingUnanswered,
    /// A quality review: score / max score, and whether it found a critical failure.
    Review {
        ratio: f64,
        critical: bool,
    },
}

const _: () = assert!(std::mem::size_of::<(Millis, AgentTally)>() == 24);

impl AgentTally {
    fn add_to(self, tallies: &mut Tallies) {
        match self {
            AgentTally::Handled(handle) => {
                tallies.handled += 1;
                tallies.talk_ms += u64::from(handle.talk_ms);
                tallies.hold_ms += u64::from(handle.hold_ms);
                tallies.wrap_up_ms += u64::from(handle.wrap_up_ms);
            }
            AgentTally::Dialed => tallies.dialed += 1,
            AgentTally::Connected => tallies.connected += 1,
            AgentTally::Success => tallies.successes += 1,
            AgentTally::Survey(score_share) => {
                tallies.surveys += 1;
                tallies.survey_score_sum += score_share;
            }
            AgentTally::RingUnanswered => tallies.rings_unanswered += 1,
            AgentTally::Review { ratio, critical } => {
                tallies.reviews += 1;
                tallies.review_score_sum += ratio;
                tallies.critical_failures += u64::from(critical);
            }
        }
    }
}

/// An agent's figures for one report interval.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AgentInterval {
    pub times: StateTimes,
    /// What the agent did in the interval: handles (by completion time), dials, surveys, missed rings.
    pub tallies: Tallies,
    /// The team the agent's time in the interval was worked for (the latest, if it changed).
    pub team: Option<Id>,
    /// What that time cost, at the agent's rate as it was credited.
    pub cost: f64,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Agent {
    pub id: Id,
    pub team: Option<Id>,
    pub skills: Vec<QueueIx>,
    pub logged_in: bool,
    /// Set by `agent.state`: `Available` or `NotReady`.
    pub availability: TimeState,
    /// Calls offered to the agent and not yet answered (more than one when offers overlap: which one
    /// came last at an instant must not matter).
    pub ringing: Vec<Id>,
    /// The calls the agent works now (talk, hold or wrap-up; an outbound dial), in the order taken:
    /// empty for most agents at any instant, several for consultations, second lines and chat.
    pub works: Vec<Work>,
    state: TimeState,
    /// When the agent entered its state, as shown (a state held for no time at one instant is no change).
    entered_at: Millis,
    /// Time in the current state is credited up to here.
    credited_until: Millis,
    /// State changes newer than the longest rolling window, plus the one in force at its start.
    timeline: VecDeque<Transition>,
    pub today_times: Daily<StateTimes>,
    pub today_tallies: Daily<Tallies>,
    pub session_start: Option<Millis>,
    pub session_times: StateTimes,
    pub session_tallies: Tallies,
    /// What was counted at the latest instant for work begun at it, which a login at that instant
    /// takes into the session it starts (see [`Agent::log_in`]).
    counted_at_instant: InstantTallies,
    /// Counts within the longest rolling window, in event-time order.
    recent: VecDeque<(Millis, AgentTally)>,
    /// Per report interval start, packed; kept only when the center is asked to (boxed, so an agent
    /// without them holds a pointer's room).
    pub intervals: Option<Box<AgentIntervals>>,
    /// Rings that went unanswered by the agent since it last answered a call (an agent who lets calls
    /// ring out).
    pub missed_rings: MissedRings,
    /// The latest quality reviews.
    pub recent_reviews: super::reviews::RecentReviews,
    /// What a logged-in hour of the agent costs now (`labour`); 0 without labour settings.
    pub hourly_cost: f64,
    /// The cost of the agent's logged-in time by local day, at the rate in force as it was credited.
    pub costs: super::labour::Costs,
}

/// The tallies counted at one instant for work begun at it (a survey, a review, a ring that ended, a
/// dial or connect): what a session starting at that instant holds, whichever of the instant's events
/// is applied first.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct InstantTallies {
    at: Millis,
    tallies: Tallies,
}

impl Default for InstantTallies {
    fn default() -> Self {
        InstantTallies {
            at: Millis::MIN,
            tallies: Tallies::default(),
        }
    }
}

impl InstantTallies {
    /// Adds `tally` counted at `time`; an instant older than the latest (a late survey, whose login,
    /// if any, was applied long before) needs no keeping.
    fn add(&mut self, time: Millis, tally: AgentTally) {
        if time > self.at {
            *self = InstantTallies {
                at: time,
                tallies: Tallies::default(),
            };
        }
        if time == self.at {
            tally.add_to(&mut self.tallies);
        }
    }

    /// What was counted at `time` for work begun then.
    fn at(&self, time: Millis) -> Tallies {
        if time == self.at {
            self.tallies.clone()
        } else {
            Tallies::default()
        }
    }
}

/// The rings an agent let go unanswered since it last answered a call: the times they ended, after its
/// latest answer. Times rather than a count, so the figure does not depend on the order in which events
/// of one instant are applied: a ring that ends at the instant of an answer counts as before it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MissedRings {
    last_answer: Option<Millis>,
    /// The latest [`MissedRings::KEPT`] at most, in no order.
    ended: Vec<Millis>,
}

impl MissedRings {
    /// How many are kept: the figure stops there (an alert fires long before).
    pub const KEPT: usize = 32;

    /// A ring offered to the agent ended at `at` without its answer.
    pub fn missed(&mut self, at: Millis) {
        if self.last_answer.is_some_and(|answer| at <= answer) {
            return;
        }
        self.ended.push(at);
        if self.ended.len() > Self::KEPT {
            if let Some(oldest) = (0..self.ended.len()).min_by_key(|at| self.ended[*at]) {
                self.ended.swap_remove(oldest);
            }
        }
    }

    /// The agent answered a call at `at`: rings that ended until then are forgiven.
    pub fn answered(&mut self, at: Millis) {
        let last = self.last_answer.map_or(at, |answer| answer.max(at));
        self.last_answer = Some(last);
        self.ended.retain(|ended| *ended > last);
    }

    /// Rings missed in a row since the last answer.
    pub fn in_a_row(&self) -> u32 {
        self.ended.len() as u32
    }
}

impl Agent {
    pub fn new(id: Id, keep_intervals: bool) -> Self {
        Agent {
            id,
            team: None,
            skills: Vec::new(),
            logged_in: false,
            availability: TimeState::Available,
            ringing: Vec::new(),
            works: Vec::new(),
            state: TimeState::LoggedOut,
            entered_at: Millis::MIN,
            credited_until: Millis::MIN,
            timeline: VecDeque::new(),
            today_times: Daily::default(),
            today_tallies: Daily::default(),
            session_start: None,
            session_times: StateTimes::default(),
            session_tallies: Tallies::default(),
            counted_at_instant: InstantTallies::default(),
            recent: VecDeque::new(),
            intervals: keep_intervals.then(Box::default),
            missed_rings: MissedRings::default(),
            recent_reviews: Default::default(),
            hourly_cost: 0.0,
            costs: Default::default(),
        }
    }

    pub fn state(&self) -> TimeState {
        self.state
    }

    /// The report intervals kept, decoded, in start order (none when the center keeps none).
    pub fn kept_intervals(&self) -> impl Iterator<Item = (Millis, AgentInterval)> + '_ {
        self.intervals.iter().flat_map(|kept| kept.iter())
    }

    /// When the agent entered its current state (for a logged-out agent: its logout).
    pub fn state_since(&self) -> Millis {
        self.entered_at
    }

    /// Time in the current state is credited up to here; what runs from here to `now` is not yet.
    pub fn credited_until(&self) -> Millis {
        self.credited_until
    }

    /// The state the agent's flags say it is in.
    fn derived_state(&self) -> TimeState {
        if !self.logged_in {
            return TimeState::LoggedOut;
        }
        // Time is split by the most engaged call, so two calls at once are never counted twice: on a
        // call while any is in talk (or else hold), wrap-up while none is but one is in wrap-up.
        let in_talk = |work: &&Work| work.connected && work.ended_at.is_none();
        if self
            .works
            .iter()
            .any(|work| in_talk(&work) && work.hold_since.is_none())
        {
            TimeState::Talk
        } else if self.works.iter().any(|work| in_talk(&work)) {
            TimeState::Hold
        } else if self.works.iter().any(|work| work.ended_at.is_some()) {
            TimeState::WrapUp
        } else if !self.works.is_empty() || !self.ringing.is_empty() {
            // An outbound dial not yet connected, or a call offered to the agent.
            TimeState::Ringing
        } else {
            self.availability
        }
    }

    /// The agent's work on `call`, if it is working that call.
    pub fn work_on(&mut self, call: &Id) -> Option<&mut Work> {
        self.works.iter_mut().find(|work| work.call == *call)
    }

    /// Starts a session at `time` (explicit login, or the first call event of an agent never seen to log in).
    /// A session runs from its login, that instant included: what was counted at `time` for work begun
    /// then (a survey, say) is the session's even when it was applied before the login.
    pub fn log_in(&mut self, time: Millis) {
        if !self.logged_in {
            self.logged_in = true;
            self.session_start = Some(time);
            self.session_times = StateTimes::default();
            self.session_tallies = self.counted_at_instant.at(time);
        }
    }

    /// Takes on a call. Room for one call is made once and kept, so the usual agent, one call at a
    /// time, allocates nothing per call.
    pub fn start_work(&mut self, work: Work) {
        if self.works.capacity() == 0 {
            self.works.reserve_exact(1);
        }
        self.works.push(work);
    }

    /// Moves the agent to the state its flags now say, crediting the state it leaves up to `time`.
    pub fn settle(&mut self, time: Millis, calendar: &mut Calendar) {
        // An agent between calls keeps room for one (see `start_work`), not the four calls' worth (576
        // bytes) a vector grows to at its second.
        if self.works.is_empty() && self.works.capacity() > 1 {
            self.works = Vec::new();
        }
        let next = self.derived_state();
        if next == self.state {
            return;
        }
        // A late event applied out of order cannot rewrite time already credited.
        let time = time.max(self.credited_until);
        if self.credited_until != Millis::MIN {
            self.credit(self.state, self.credited_until, time, calendar);
        }
        self.credited_until = time;
        // States held for no time at this instant are no change, so the order of one instant's events
        // (a call ending and the next answered) cannot change what the agent shows or since when.
        while self.timeline.len() > 1
            && self.timeline.back().is_some_and(|last| last.time() == time)
        {
            self.timeline.pop_back();
        }
        match self.timeline.back_mut() {
            Some(last) if last.state() == next => self.entered_at = last.time(),
            Some(last) if last.time() == time => {
                *last = Transition::new(time, next);
                self.entered_at = time;
            }
            _ => {
                push_growing_by_half(&mut self.timeline, Transition::new(time, next));
                self.entered_at = time;
            }
        }
        self.state = next;
    }

    fn credit(&mut self, state: TimeState, from: Millis, to: Millis, calendar: &mut Calendar) {
        if state == TimeState::LoggedOut || to <= from {
            return;
        }
        self.session_times.add(state, (to - from) as u64);
        let (today_times, costs) = (&mut self.today_times, &mut self.costs);
        let (rate, team) = (self.hourly_cost, self.team.as_ref());
        split_span(
            from,
            to,
            |time| calendar.day(time),
            |day, ms| {
                if let Some(times) = today_times.for_day(day.start) {
                    times.add(state, ms);
                }
                if rate > 0.0 {
                    costs.add(day.start, team, rate, ms);
                }
            },
        );
        if let Some(intervals) = &mut self.intervals {
            split_span(
                from,
                to,
                |time| calendar.interval(time),
                |interval, ms| {
                    intervals.update(interval.start, |entry| {
                        entry.times.add(state, ms);
                        if entry.team.as_ref() != team {
                            entry.team = team.cloned();
                        }
                        entry.cost += ms as f64 * rate / HOUR as f64;
                    });
                },
            );
        }
    }

    /// Credits the current state up to `now` without leaving it, so interval figures include the time in
    /// progress (end of a report).
    /// A logged-out agent has no time to credit; its logout stays its `state_since`: the end of its
    /// last session, which quota pace is measured to.
    pub fn credit_until(&mut self, now: Millis, calendar: &mut Calendar) {
        if self.state != TimeState::LoggedOut
            && self.credited_until != Millis::MIN
            && now > self.credited_until
        {
            self.credit(self.state, self.credited_until, now, calendar);
            self.credited_until = now;
        }
    }

    /// Counts `tally` at `time` for the agent's day, session, rolling windows and report interval.
    pub fn count(&mut self, time: Millis, tally: AgentTally, calendar: &mut Calendar) {
        self.count_from(time, time, tally, calendar);
    }

    /// Counts `tally` at `time` for what the agent began at `began` (a call's answer or dial): it counts
    /// for the session it began in, so a call completed at the instant of the next login stays in the
    /// session it was taken in, whatever the order of the two events.
    pub fn count_from(
        &mut self,
        time: Millis,
        began: Millis,
        tally: AgentTally,
        calendar: &mut Calendar,
    ) {
        if let Some(today) = self.today_tallies.for_day(calendar.day(time).start) {
            tally.add_to(today);
        }
        // A tally arriving late, or for work begun, before the current session belongs to an earlier one.
        if self.session_start.is_some_and(|start| began >= start) {
            tally.add_to(&mut self.session_tallies);
        }
        if began == time {
            self.counted_at_instant.add(time, tally);
        }
        // A tally arriving late (beyond the lateness, say a survey) goes to its place in time, so the
        // rolling windows, which stop at the first record before their start, still see newer ones.
        insert_in_time_order(&mut self.recent, (time, tally), |(time, _)| *time);
        if let Some(intervals) = &mut self.intervals {
            let start = calendar.interval(time).start;
            intervals.update(start, |entry| tally.add_to(&mut entry.tallies));
        }
    }

    /// Time by state in `(from, now]`, cut from the timeline; the current state runs until `now`.
    pub fn times_between(&self, from: Millis, now: Millis) -> StateTimes {
        let mut times = StateTimes::default();
        let mut transitions = self.timeline.iter().peekable();
        while let Some(transition) = transitions.next() {
            let end = transitions.peek().map_or(now, |next| next.time()).min(now);
            let start = transition.time().max(from);
            if end > start {
                times.add(transition.state(), (end - start) as u64);
            }
        }
        times
    }

    /// What the agent did in `(from, now]`: handles, outbound counts and surveys.
    pub fn tallies_between(&self, from: Millis, now: Millis) -> Tallies {
        let mut tallies = Tallies::default();
        for (time, tally) in self.recent.iter().rev() {
            if *time <= from {
                break;
            }
            if *time <= now {
                tally.add_to(&mut tallies);
            }
        }
        tallies
    }

    /// Checks an agent decoded from a state snapshot (`persist`): every queue and not-ready reason it
    /// refers to is one of the `queues` and `reasons` of its floor. Changes nothing.
    pub(crate) fn check_indices(&self, queues: usize, reasons: usize) -> Result<(), String> {
        let queue_ok = |queue: &QueueIx| (*queue as usize) < queues;
        let work_queues = self.works.iter().filter_map(|work| work.queue.as_ref());
        if !self.skills.iter().chain(work_queues).all(queue_ok) {
            return Err(format!("agent {}: a queue index is out of range", self.id));
        }
        let reason_ok = |reason: u16| usize::from(reason) < reasons;
        let state_ok = |state: TimeState| match state {
            TimeState::NotReady(reason) => reason_ok(reason),
            _ => true,
        };
        let times_ok = |times: &StateTimes| {
            times
                .not_ready_ms
                .iter()
                .all(|(reason, _)| reason_ok(*reason))
        };
        let mut interval_times = self.kept_intervals();
        if !(state_ok(self.state)
            && state_ok(self.availability)
            && self
                .timeline
                .iter()
                .all(|transition| state_ok(transition.state()))
            && times_ok(&self.today_times.value)
            && times_ok(&self.session_times)
            && interval_times.all(|(_, interval)| times_ok(&interval.times)))
        {
            return Err(format!("agent {}: a reason index is out of range", self.id));
        }
        Ok(())
    }

    /// A restored agent's times hold together as crediting leaves them: both unset, or entered no later
    /// than credited. A changed byte that broke this (a credited time years before the state began)
    /// would have the next settle credit every interval in between, one at a time.
    pub(crate) fn check_times(&self) -> Result<(), String> {
        let unset = (
            self.entered_at == Millis::MIN,
            self.credited_until == Millis::MIN,
        );
        if unset.0 != unset.1 || self.entered_at > self.credited_until {
            return Err(format!(
                "agent {}: entered its state at {} but credited until {}",
                self.id, self.entered_at, self.credited_until
            ));
        }
        Ok(())
    }

    /// Forgets what the rolling windows no longer need: anything at or before `horizon`.
    pub fn trim(&mut self, horizon: Millis) {
        while self.timeline.len() >= 2 && self.timeline[1].time() <= horizon {
            self.timeline.pop_front();
        }
        while self
            .recent
            .front()
            .is_some_and(|(time, _)| *time <= horizon)
        {
            self.recent.pop_front();
        }
    }
}
