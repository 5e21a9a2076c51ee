//! A board's view of the floor: which tenant, queues, team and whether agents, as the wallboard's URL
//! and its event stream name them (`?tenant=acme&queues=sales,bill*&team=north&agents=0`). The stream
//! sends each board only its view, cut from the shared snapshots without copying them. Pure.

use serde::{Deserialize, Serialize};

use crate::alert::Glob;
use crate::center::levels::Level;
use crate::center::snapshot::{
    AgentSnapshot, CenterSnapshot, EventStats, GroupFigures, QueueSnapshot, QuotaStatus,
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
        if agent.state == "logged_out" {
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
        self.agents && team && queues
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
            day_start: &snapshot.day_start,
            last_event_time: snapshot.last_event_time.as_deref(),
            events: &snapshot.events,
            queues: (snapshot.queues.iter())
                .filter(|queue| self.shows_queue(queue.queue.as_str()))
                .collect(),
            agents: (snapshot.agents.iter())
                .filter(|agent| self.shows_agent(agent))
                .map(BoardAgent::of)
                .collect(),
            teams: (snapshot.teams.iter())
                .filter(|figures| {
                    self.team
                        .as_ref()
                        .is_none_or(|glob| glob.matches(figures.name.as_str()))
                })
                .collect(),
            open: snapshot.open,
            stale: snapshot.stale,
        }
    }
}

/// A tenant's snapshot as a view shows it: the API's fields, fewer queues, and the logged-in agents as
/// a board row each (no outbound campaigns: a wallboard of inbound queues does not show them).
#[derive(Debug, Serialize)]
pub struct ViewSnapshot<'a> {
    pub tenant: &'a str,
    pub now: &'a str,
    pub day_start: &'a str,
    pub last_event_time: Option<&'a str>,
    pub events: &'a EventStats,
    pub queues: Vec<&'a QueueSnapshot>,
    pub agents: Vec<BoardAgent<'a>>,
    pub teams: Vec<&'a GroupFigures>,
    pub open: bool,
    pub stale: bool,
}

/// An agent as a board shows it: state and time in it, and today's figures (the API's agent has every
/// window and time; a board of 2,000 agents would receive ten times the bytes).
#[derive(Debug, Serialize)]
pub struct BoardAgent<'a> {
    pub agent: &'a str,
    pub team: Option<&'a str>,
    pub state: &'static str,
    pub reason: Option<&'a str>,
    pub on_hold: bool,
    pub state_since: Option<&'a str>,
    pub state_seconds: Option<f64>,
    /// The state's limit (warning line) and where the time in state stands against it.
    pub state_limit_seconds: Option<f64>,
    pub state_level: Level,
    pub rings_unanswered_in_a_row: u32,
    /// Today's calls handled, ring-no-answers, occupancy and AHT.
    pub handled: u64,
    pub rings_unanswered: u64,
    pub occupancy: Option<f64>,
    pub aht_seconds: Option<f64>,
    pub quotas: &'a [QuotaStatus],
}

impl<'a> BoardAgent<'a> {
    pub fn of(agent: &'a AgentSnapshot) -> BoardAgent<'a> {
        let today = agent.windows.iter().find(|window| window.window == "today");
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
