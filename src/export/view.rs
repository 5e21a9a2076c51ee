//! A board's view of the floor: which tenant, queues, team and whether agents, as the wallboard's URL
//! and its event stream name them (`?tenant=acme&queues=sales,bill*&team=north&agents=0`). The stream
//! sends each board only its view, cut from the shared snapshots without copying them, and only the
//! figures a board draws (the API has the rest). Pure.

use serde::{Deserialize, Serialize};

use crate::alert::Glob;
use crate::center::levels::{Level, QueueLevels};
use crate::center::snapshot::{
    AgentSnapshot, AgentsByState, CenterSnapshot, QueueSnapshot, QueueWindow, QuotaStatus, TODAY,
};

/// The view's parameters as the query string gives them.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ViewQuery {
    pub tenant: Option<String>,
    /// Comma-separated queue names or globs.
    pub queues: Option<String>,
    /// A team name or glob.
    pub team: Option<String>,
    /// `0` (or `false`): queues only.
    pub agents: Option<String>,
}

/// What a board shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct View {
    pub tenant: Option<String>,
    /// Empty: every queue.
    pub queues: Vec<Glob>,
    pub team: Option<Glob>,
    pub agents: bool,
}

impl View {
    /// The view a query names; an unknown `agents` value is refused with what it may be.
    pub fn parse(query: &ViewQuery) -> Result<View, String> {
        let agents = match query.agents.as_deref() {
            None | Some("1" | "true" | "yes") => true,
            Some("0" | "false" | "no") => false,
            Some(other) => return Err(format!("agents={other}: give 0 (queues only) or 1")),
        };
        let queues = (query.queues.as_deref().unwrap_or_default().split(','))
            .map(str::trim)
            .filter(|pattern| !pattern.is_empty())
            .map(|pattern| Glob(pattern.to_string()))
            .collect();
        Ok(View {
            tenant: query.tenant.clone().filter(|tenant| !tenant.is_empty()),
            queues,
            team: (query.team.clone())
                .filter(|team| !team.is_empty())
                .map(Glob),
            agents,
        })
    }

    pub fn shows_tenant(&self, tenant: &str) -> bool {
        self.tenant.as_deref().is_none_or(|wanted| wanted == tenant)
    }

    pub fn shows_queue(&self, queue: &str) -> bool {
        self.queues.is_empty() || self.queues.iter().any(|glob| glob.matches(queue))
    }

    /// A logged-in agent of the view's team (an agent without a team is in no team's view) who serves
    /// one of its queues (with queues named, an agent with no skills known serves none of them).
    pub fn shows_agent(&self, agent: &AgentSnapshot) -> bool {
        // Before the globs: a queues-only board of 2,000 agents then costs nothing per agent.
        if !self.agents || agent.state == "logged_out" {
            return false;
        }
        let team = self.team.as_ref().is_none_or(|glob| {
            agent
                .team
                .as_ref()
                .is_some_and(|team| glob.matches(team.as_str()))
        });
        let queues = self.queues.is_empty()
            || (agent.skills.iter()).any(|skill| self.shows_queue(skill.as_str()));
        team && queues
    }

    /// Whether an alert with `labels` belongs on this board: its tenant's (a tenant's own alert, such as
    /// a silent feed, is on each of its boards), and where it names a queue, team or agent, one the
    /// view shows (an agent as the tenant's `snapshot` knows it). Service alerts (no tenant) are on
    /// every board.
    pub fn shows_alert(
        &self,
        labels: &std::collections::BTreeMap<String, String>,
        snapshot: Option<&CenterSnapshot>,
    ) -> bool {
        let Some(tenant) = labels.get("tenant") else {
            return true;
        };
        let queue = labels.get("queue");
        let team = labels.get("team");
        let agent = labels.get("agent");
        if !self.shows_tenant(tenant) || queue.is_some_and(|queue| !self.shows_queue(queue)) {
            return false;
        }
        if let (Some(glob), Some(team)) = (&self.team, team) {
            if !glob.matches(team) {
                return false;
            }
        }
        match (agent, snapshot) {
            (Some(agent), Some(snapshot)) if !self.queues.is_empty() || self.team.is_some() => {
                (snapshot.agents.iter())
                    .find(|known| known.agent == agent.as_str())
                    .is_some_and(|known| self.agents && self.shows_agent(known))
            }
            (Some(_), _) => self.agents,
            (None, _) => true,
        }
    }

    /// The part of `snapshot` this view shows, borrowing from it.
    pub fn cut<'a>(&self, snapshot: &'a CenterSnapshot) -> ViewSnapshot<'a> {
        ViewSnapshot {
            tenant: snapshot.tenant.as_str(),
            now: &snapshot.now,
            queues: (snapshot.queues.iter())
                .filter(|queue| self.shows_queue(queue.queue.as_str()))
                .map(BoardQueue::of)
                .collect(),
            agents: (snapshot.agents.iter())
                .filter(|agent| self.shows_agent(agent))
                .map(BoardAgent::of)
                .collect(),
            stale: snapshot.stale,
        }
    }
}

/// False, zero: what a board row leaves out.
fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// A tenant's snapshot as a view shows it: the time, its queues and its logged-in agents as a board
/// draws them (no teams, campaigns or event counts: a wallboard does not show them; the API does).
#[derive(Debug, Serialize)]
pub struct ViewSnapshot<'a> {
    pub tenant: &'a str,
    pub now: &'a str,
    pub queues: Vec<BoardQueue<'a>>,
    pub agents: Vec<BoardAgent<'a>>,
    #[serde(skip_serializing_if = "is_default")]
    pub stale: bool,
}

/// A queue as a board shows it: the API's names for the figures a tile draws, of two windows, the
/// board's (15 minutes, else the first rolling window) and today; absent figures are left out.
#[derive(Debug, Serialize)]
pub struct BoardQueue<'a> {
    pub queue: &'a str,
    pub threshold_seconds: f64,
    pub service_level_target: f64,
    pub windows: Vec<BoardWindow<'a>>,
    pub calls_waiting: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub longest_waiting_seconds: Option<f64>,
    pub agents: AgentsByState,
    pub levels: QueueLevels,
    pub callbacks: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat_caller_rate: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required_agents: Option<u32>,
}

impl<'a> BoardQueue<'a> {
    pub fn of(queue: &'a QueueSnapshot) -> BoardQueue<'a> {
        let named = |name: &str| queue.windows.iter().find(|window| window.window == name);
        let board = named("15m").or(queue.windows.first());
        let today =
            named(TODAY).filter(|today| board.is_none_or(|board| !std::ptr::eq(board, *today)));
        BoardQueue {
            queue: queue.queue.as_str(),
            threshold_seconds: queue.threshold_seconds,
            service_level_target: queue.service_level_target,
            windows: board
                .into_iter()
                .chain(today)
                .map(BoardWindow::of)
                .collect(),
            calls_waiting: queue.calls_waiting,
            longest_waiting_seconds: queue.longest_waiting_seconds,
            agents: queue.agents,
            levels: queue.levels,
            callbacks: queue.callbacks,
            repeat_caller_rate: queue.repeat_caller_rate,
            required_agents: queue.required_agents,
        }
    }
}

/// A window's figures on a tile.
#[derive(Debug, Serialize)]
pub struct BoardWindow<'a> {
    pub window: &'a str,
    pub counts: BoardCounts,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_level: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub abandon_rate: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asa_seconds: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aht_seconds: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct BoardCounts {
    pub offered: u64,
}

impl<'a> BoardWindow<'a> {
    fn of(window: &'a QueueWindow) -> BoardWindow<'a> {
        BoardWindow {
            window: &window.window,
            counts: BoardCounts {
                offered: window.counts.offered,
            },
            service_level: window.service_level,
            abandon_rate: window.abandon_rate,
            asa_seconds: window.asa_seconds,
            aht_seconds: window.aht_seconds,
        }
    }
}

/// An agent as a board shows it: state and time in it, and today's figures (the API's agent has every
/// window and time; a board of 2,000 agents would receive ten times the bytes). What is absent, false
/// or zero is left out.
#[derive(Debug, Serialize)]
pub struct BoardAgent<'a> {
    pub agent: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<&'a str>,
    pub state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'a str>,
    #[serde(skip_serializing_if = "is_default")]
    pub on_hold: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_since: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_seconds: Option<f64>,
    /// The state's limit (warning line) and where the time in state stands against it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_limit_seconds: Option<f64>,
    pub state_level: Level,
    #[serde(skip_serializing_if = "is_default")]
    pub rings_unanswered_in_a_row: u32,
    /// Today's calls handled, ring-no-answers, occupancy and AHT.
    pub handled: u64,
    #[serde(skip_serializing_if = "is_default")]
    pub rings_unanswered: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occupancy: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aht_seconds: Option<f64>,
    #[serde(skip_serializing_if = "<[QuotaStatus]>::is_empty")]
    pub quotas: &'a [QuotaStatus],
}

impl<'a> BoardAgent<'a> {
    pub fn of(agent: &'a AgentSnapshot) -> BoardAgent<'a> {
        let today = agent.windows.iter().find(|window| window.window == TODAY);
        BoardAgent {
            agent: agent.agent.as_str(),
            team: agent.team.as_ref().map(|team| team.as_str()),
            state: agent.state,
            reason: agent.reason.as_ref().map(|reason| reason.as_str()),
            on_hold: agent.on_hold,
            state_since: agent.state_since.as_deref(),
            state_seconds: agent.state_seconds,
            state_limit_seconds: agent.state_limit_seconds,
            state_level: agent.state_level,
            rings_unanswered_in_a_row: agent.rings_unanswered_in_a_row,
            handled: today.map_or(0, |today| today.handled),
            rings_unanswered: today.map_or(0, |today| today.rings_unanswered),
            occupancy: today.and_then(|today| today.occupancy),
            aht_seconds: today.and_then(|today| today.aht_seconds),
            quotas: &agent.quotas,
        }
    }
}

#[cfg(test)]
#[path = "view_tests.rs"]
mod tests;
