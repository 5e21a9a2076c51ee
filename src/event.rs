//! The domain events of `spec/events.md`, their ids and times. Knows no wire format: decoders in
//! `decode/` build these, and everything downstream consumes only these. The serde derives serve only
//! `center::persist` (partition state), never a wire format.

use compact_str::CompactString;

/// Event time in milliseconds since the Unix epoch (UTC).
pub type Millis = i64;

/// An id (tenant, call, queue, agent, team, campaign, event id): a non-empty string of at most
/// [`MAX_ID_BYTES`] bytes. Ids of up to 24 bytes are stored inline, so decoding a typical event
/// allocates nothing; the center interns queue and agent ids to dense indices.
pub type Id = CompactString;

/// Longest id the contract allows, in bytes.
pub const MAX_ID_BYTES: usize = 128;

/// The tenant of events that name none.
pub const DEFAULT_TENANT: &str = "default";

/// One decoded event: when it happened, whose it is, and what it says.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Event {
    /// Event time at the source.
    pub time: Millis,
    /// The contact center; [`DEFAULT_TENANT`] when the event names none.
    pub tenant: Id,
    /// Unique per event within its tenant, for deduplication.
    pub id: Option<Id>,
    pub kind: EventKind,
}

/// What an event says. Field meanings are those of `spec/events.md`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum EventKind {
    CallQueued {
        call: Id,
        queue: Id,
        priority: Option<i64>,
        direction: Direction,
        /// Who called, opaque (a number or a hash of it): callbacks and repeat callers.
        caller: Option<Id>,
    },
    CallRinging {
        call: Id,
        queue: Id,
        agent: Id,
    },
    CallAnswered {
        call: Id,
        queue: Id,
        agent: Id,
    },
    CallAbandoned {
        call: Id,
        queue: Id,
    },
    CallDequeued {
        call: Id,
        queue: Id,
        reason: DequeueReason,
    },
    CallHeld {
        call: Id,
        agent: Id,
    },
    CallResumed {
        call: Id,
        agent: Id,
    },
    CallTransferred {
        call: Id,
        agent: Id,
        to_queue: Option<Id>,
        to_agent: Option<Id>,
    },
    CallEnded {
        call: Id,
        agent: Id,
    },
    CallCompleted {
        call: Id,
        agent: Id,
        outcome: Option<Outcome>,
        disposition: Option<CompactString>,
    },
    CallDialed {
        call: Id,
        agent: Id,
        campaign: Option<Id>,
        /// Who is called, opaque like `call.queued`'s `caller`: connecting reaches them.
        caller: Option<Id>,
    },
    CallConnected {
        call: Id,
        agent: Id,
    },
    AgentLogin {
        agent: Id,
        queues: Option<Vec<Id>>,
        team: Option<Id>,
    },
    AgentLogout {
        agent: Id,
    },
    AgentState {
        agent: Id,
        availability: Availability,
    },
    AgentQueues {
        agent: Id,
        queues: Vec<Id>,
    },
    SurveyCompleted {
        call: Id,
        agent: Option<Id>,
        queue: Option<Id>,
        score: f64,
        scale: f64,
    },
    /// A quality review of a call the agent handled: `score` of `max_score` on the evaluator's form; a
    /// critical failure (a compliance breach, say) is counted whatever the score.
    QaScored {
        call: Id,
        agent: Id,
        evaluator: Id,
        form: Option<Id>,
        score: f64,
        max_score: f64,
        critical: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Direction {
    #[default]
    Inbound,
    Outbound,
}

/// Why a queue segment left the queue without answer or abandon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DequeueReason {
    Timeout,
    Overflow,
    Transfer,
    ExitKey,
    Other,
}

/// The result of a call as the agent recorded it at `call.completed`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Outcome {
    Success,
    Failure,
    Other(CompactString),
}

/// An agent's availability as set by `agent.state`: `available`, or `not_ready` with an optional reason.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Availability {
    Available,
    NotReady { reason: Option<Id> },
}

/// Default scale of a survey score when the event gives none.
pub const DEFAULT_SURVEY_SCALE: f64 = 5.0;

impl EventKind {
    /// The type name of the wire contract (`call.queued`, …).
    pub fn type_name(&self) -> &'static str {
        match self {
            EventKind::CallQueued { .. } => "call.queued",
            EventKind::CallRinging { .. } => "call.ringing",
            EventKind::CallAnswered { .. } => "call.answered",
            EventKind::CallAbandoned { .. } => "call.abandoned",
            EventKind::CallDequeued { .. } => "call.dequeued",
            EventKind::CallHeld { .. } => "call.held",
            EventKind::CallResumed { .. } => "call.resumed",
            EventKind::CallTransferred { .. } => "call.transferred",
            EventKind::CallEnded { .. } => "call.ended",
            EventKind::CallCompleted { .. } => "call.completed",
            EventKind::CallDialed { .. } => "call.dialed",
            EventKind::CallConnected { .. } => "call.connected",
            EventKind::AgentLogin { .. } => "agent.login",
            EventKind::AgentLogout { .. } => "agent.logout",
            EventKind::AgentState { .. } => "agent.state",
            EventKind::AgentQueues { .. } => "agent.queues",
            EventKind::SurveyCompleted { .. } => "survey.completed",
            EventKind::QaScored { .. } => "qa.scored",
        }
    }

    /// The call this event is a step of, and the step's place in the causal order of a call's life
    /// (`spec/events.md`: queued < ringing < answered < held < resumed < transferred < ended <
    /// completed); `None` for agent, survey and review events. Events of one call at one instant are applied in
    /// this order, whatever order they arrived in.
    pub fn call_step(&self) -> Option<(&Id, u8)> {
        match self {
            EventKind::CallQueued { call, .. } | EventKind::CallDialed { call, .. } => {
                Some((call, 0))
            }
            EventKind::CallRinging { call, .. } => Some((call, 1)),
            EventKind::CallAnswered { call, .. } | EventKind::CallConnected { call, .. } => {
                Some((call, 2))
            }
            EventKind::CallAbandoned { call, .. } | EventKind::CallDequeued { call, .. } => {
                Some((call, 2))
            }
            EventKind::CallHeld { call, .. } => Some((call, 3)),
            EventKind::CallResumed { call, .. } => Some((call, 4)),
            EventKind::CallTransferred { call, .. } => Some((call, 5)),
            EventKind::CallEnded { call, .. } => Some((call, 6)),
            EventKind::CallCompleted { call, .. } => Some((call, 7)),
            EventKind::AgentLogin { .. }
            | EventKind::AgentLogout { .. }
            | EventKind::AgentState { .. }
            | EventKind::AgentQueues { .. }
            | EventKind::SurveyCompleted { .. }
            | EventKind::QaScored { .. } => None,
        }
    }

    /// Whether this event closes a stay in a queue or an agent's part of the call, after which a
    /// `call.queued` of the same call at the same instant is a new segment, not an earlier step.
    pub fn ends_a_leg(&self) -> bool {
        matches!(
            self,
            EventKind::CallAbandoned { .. }
                | EventKind::CallDequeued { .. }
                | EventKind::CallTransferred { .. }
                | EventKind::CallEnded { .. }
                | EventKind::CallCompleted { .. }
        )
    }
}

impl DequeueReason {
    pub fn as_str(self) -> &'static str {
        match self {
            DequeueReason::Timeout => "timeout",
            DequeueReason::Overflow => "overflow",
            DequeueReason::Transfer => "transfer",
            DequeueReason::ExitKey => "exit_key",
            DequeueReason::Other => "other",
        }
    }
}

impl Outcome {
    pub fn as_str(&self) -> &str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Other(other) => other,
        }
    }
}

/// Why an input message was not applied: the fixed set of `spec/events.md`, used as a metric label and
/// as the dead-letter header, so it never grows by input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RejectReason {
    MalformedJson,
    UnknownType,
    MissingField,
    BadTime,
    TooLarge,
    UnsupportedVersion,
    OutOfWindow,
    Duplicate,
    Inconsistent,
    /// A record of a known source format (an adapter's, e.g. an Asterisk `queue_log` line) that the
    /// adapter cannot use: too few fields, a partial line, a call verb without its call.
    UnsupportedRecord,
}

impl RejectReason {
    pub const ALL: [RejectReason; RejectReason::COUNT] = [
        RejectReason::MalformedJson,
        RejectReason::UnknownType,
        RejectReason::MissingField,
        RejectReason::BadTime,
        RejectReason::TooLarge,
        RejectReason::UnsupportedVersion,
        RejectReason::OutOfWindow,
        RejectReason::Duplicate,
        RejectReason::Inconsistent,
        RejectReason::UnsupportedRecord,
    ];

    /// How many reasons there are (the length of [`RejectReason::ALL`] and of [`RejectCounts`]).
    pub const COUNT: usize = 10;

    pub fn as_str(self) -> &'static str {
        match self {
            RejectReason::MalformedJson => "malformed_json",
            RejectReason::UnknownType => "unknown_type",
            RejectReason::MissingField => "missing_field",
            RejectReason::BadTime => "bad_time",
            RejectReason::TooLarge => "too_large",
            RejectReason::UnsupportedVersion => "unsupported_version",
            RejectReason::OutOfWindow => "out_of_window",
            RejectReason::Duplicate => "duplicate",
            RejectReason::Inconsistent => "inconsistent",
            RejectReason::UnsupportedRecord => "unsupported_record",
        }
    }

    /// Dense index into per-reason counter arrays.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Counts of rejected messages by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RejectCounts(pub [u64; RejectReason::COUNT]);

impl RejectCounts {
    pub fn add(&mut self, reason: RejectReason) {
        self.0[reason.index()] += 1;
    }
    pub fn get(&self, reason: RejectReason) -> u64 {
        self.0[reason.index()]
    }
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }
    pub fn merge(&mut self, other: &RejectCounts) {
        for (mine, theirs) in self.0.iter_mut().zip(other.0.iter()) {
            *mine += theirs;
        }
    }

    /// These counts less `part` (a subset of them).
    pub fn minus(&self, part: &RejectCounts) -> RejectCounts {
        let mut rest = *self;
        for (mine, theirs) in rest.0.iter_mut().zip(part.0.iter()) {
            *mine = mine.saturating_sub(*theirs);
        }
        rest
    }
}
