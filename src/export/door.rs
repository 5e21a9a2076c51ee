//! The HTTP port's door: every request but health checks shows a token (`Authorization: Bearer SECRET`,
//! or a TV's display link `/board/SECRET/…`) when tokens are configured, and reads only what the token's
//! scope allows. 401 without a known token, 403 outside its scope, both as JSON. A display link is
//! rewritten to the route it names, so the page and its fetches work under it unchanged.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use axum::extract::{Request, State};
use axum::http::{header, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::http::HttpState;
use crate::access::{Access, Read, Token};
use crate::center::qa::Sample;
use crate::center::snapshot::CenterSnapshot;

/// The access rules in force, swapped by a reload.
pub type Rules = Arc<RwLock<Arc<Access>>>;

/// What the request may read, for the handlers: every tenant (no token needed, or one that sees all),
/// or a token's scope.
#[derive(Debug, Clone)]
pub struct Scope(pub Option<Arc<Token>>);

impl Scope {
    pub fn open() -> Scope {
        Scope(None)
    }

    pub fn sees_tenant(&self, tenant: &str) -> bool {
        self.0
            .as_ref()
            .is_none_or(|token| token.sees_tenant(tenant))
    }

    pub fn sees_every_tenant(&self) -> bool {
        self.0
            .as_ref()
            .is_none_or(|token| token.sees_every_tenant())
    }

    /// Every tenant, queue and agent, under its own name.
    pub fn sees_everything(&self) -> bool {
        self.0.as_ref().is_none_or(|token| {
            token.sees_every_tenant() && token.may(Read::Agents) && !token.narrowed()
        })
    }

    pub fn sees_agents(&self) -> bool {
        self.0.as_ref().is_none_or(|token| token.may(Read::Agents))
    }

    /// The name an agent goes by for a token without the agents read: a pseudonym stable for that token
    /// (the same agent, the same name, in every answer), unrelated across tokens. `None`: the real id.
    pub fn pseudonym(&self, agent: &str) -> Option<String> {
        let token = self.0.as_ref().filter(|token| !token.may(Read::Agents))?;
        let mut keyed = token.sha256.to_vec();
        keyed.extend_from_slice(agent.as_bytes());
        let digest = crate::access::digest_bytes(&keyed);
        Some(format!("agent-{}", crate::access::hex(&digest[..6])))
    }

    /// Whether the token is narrowed to some queues or teams.
    pub fn narrowed(&self) -> bool {
        self.0.as_ref().is_some_and(|token| token.narrowed())
    }

    pub fn sees_queue(&self, queue: &str) -> bool {
        self.0.as_ref().is_none_or(|token| token.sees_queue(queue))
    }

    pub fn sees_team(&self, team: Option<&str>) -> bool {
        self.0.as_ref().is_none_or(|token| token.sees_team(team))
    }

    /// Whether an alert is this scope's to read: its tenant (callboard's own alerts, with none, are for
    /// tokens that see the whole floor), its queue, and its agent's team.
    pub fn sees_alert(&self, labels: &std::collections::BTreeMap<String, String>) -> bool {
        let Some(token) = &self.0 else { return true };
        let tenant = match labels.get("tenant") {
            Some(tenant) => token.sees_tenant(tenant),
            None => token.sees_every_tenant() && !token.narrowed(),
        };
        let agent_of_team = labels.contains_key("agent") || labels.contains_key("team");
        tenant
            && labels
                .get("queue")
                .is_none_or(|queue| token.sees_queue(queue))
            && (!agent_of_team || token.sees_team(labels.get("team").map(String::as_str)))
    }

    /// The snapshot as this scope sees it: only its queues (and their callbacks) and the agents of its
    /// teams, without the floor-wide campaign figures when it sees only part of the floor, and each
    /// agent under its pseudonym without the agents read. A scope that sees it all gets it as it is (no
    /// copy).
    pub fn narrow(&self, snapshot: &Arc<CenterSnapshot>) -> Arc<CenterSnapshot> {
        let Some(token) = &self.0 else {
            return Arc::clone(snapshot);
        };
        if !token.narrowed() && token.may(Read::Agents) {
            return Arc::clone(snapshot);
        }
        let mut copy = CenterSnapshot::clone(snapshot);
        // Review samples are read through `Scope::samples`; none go out under a narrowed snapshot.
        copy.qa_samples = Arc::from([]);
        if token.narrowed() {
            copy.queues.retain(|queue| token.sees_queue(&queue.queue));
            copy.agents
                .retain(|agent| token.sees_team(agent.team.as_deref()));
            copy.teams.retain(|team| token.sees_team(Some(&team.name)));
            copy.campaigns.clear();
            let callbacks: Vec<_> = (copy.callbacks.iter())
                .filter(|callback| token.sees_queue(&callback.queue))
                .cloned()
                .collect();
            copy.callbacks = callbacks.into();
        }
        for agent in &mut copy.agents {
            if let Some(pseudonym) = self.pseudonym(&agent.agent) {
                agent.agent = pseudonym.into();
            }
        }
        Arc::new(copy)
    }

    /// The snapshot's review samples this scope may read: of its queues and of its teams' agents, each
    /// agent under its pseudonym without the agents read.
    pub fn samples(&self, snapshot: &CenterSnapshot) -> Vec<Sample> {
        let Some(token) = &self.0 else {
            return snapshot.qa_samples.to_vec();
        };
        let teams: std::collections::HashMap<&str, Option<&str>> = if token.teams.is_empty() {
            Default::default()
        } else {
            (snapshot.agents.iter())
                .map(|agent| (agent.agent.as_str(), agent.team.as_deref()))
                .collect()
        };
        (snapshot.qa_samples.iter())
            .filter(|sample| sample.queue.as_ref().is_none_or(|q| token.sees_queue(q)))
            .filter(|sample| {
                token.teams.is_empty()
                    || token.sees_team(teams.get(sample.agent.as_str()).copied().flatten())
            })
            .map(|sample| {
                let mut sample = sample.clone();
                if let Some(pseudonym) = self.pseudonym(&sample.agent) {
                    sample.agent = pseudonym.into();
                }
                sample
            })
            .collect()
    }

    /// Whether the token this scope came from is still configured (a reload may have revoked it).
    pub fn still_valid(&self, rules: &Rules) -> bool {
        let Some(token) = &self.0 else { return true };
        let current = current(rules);
        !current.enforced() || current.tokens.iter().any(|t| t.sha256 == token.sha256)
    }
}

pub fn current(rules: &Rules) -> Arc<Access> {
    rules
        .read()
        .map(|access| Arc::clone(&access))
        .unwrap_or_default()
}

/// Which reads open a route (any one of them), and the tenant it names, if any.
fn needs(path: &str) -> (Vec<Read>, Option<&str>) {
    let tenant_route = path.strip_prefix("/api/v1/tenants/");
    let tenant = tenant_route.map(|rest| rest.split('/').next().unwrap_or(rest));
    let below_tenant = tenant_route
        .and_then(|rest| rest.split_once('/'))
        .map(|(_, below)| below);
    let reads = match path {
        "/" => vec![Read::Wallboard],
        "/metrics" => vec![Read::Metrics],
        "/api/v1/stream" => vec![Read::Wallboard, Read::Api],
        "/api/v1/alerts" => vec![Read::Alerts, Read::Wallboard],
        _ => match below_tenant {
            // The page fetches these for the tenants it shows.
            Some("intervals") | Some("callbacks") => vec![Read::Api, Read::Wallboard],
            Some(below) if below.starts_with("agents") => vec![Read::Agents],
            _ => vec![Read::Api],
        },
    };
    (reads, tenant)
}

/// The queue a route names: `/api/v1/tenants/{tenant}/queues/{queue}`.
fn named_queue(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/api/v1/tenants/")?;
    let (_, below) = rest.split_once("/queues/")?;
    Some(below.split('/').next().unwrap_or(below))
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

/// Failed attempts: counted always, logged at most once every 10 s (never with the secret).
fn failed(state: &HttpState, reason: &'static str, path: &str) {
    state.auth_failures.with_label_values(&[reason]).inc();
    static LAST_LOG_SECOND: AtomicU64 = AtomicU64::new(0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    let last = LAST_LOG_SECOND.load(Ordering::Relaxed);
    if now >= last + 10
        && LAST_LOG_SECOND
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    {
        tracing::warn!(reason, path, "refused an HTTP request (further ones are counted in callboard_http_auth_failures_total, logged every 10 s)");
    }
}

/// The middleware: finds the token, checks the route against its scope, and hands the scope on.
pub async fn door(State(state): State<HttpState>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    if matches!(path.as_str(), "/livez" | "/healthz" | "/readyz") {
        return next.run(request).await;
    }
    // A display link: /board/SECRET/rest?query → /rest?query.
    let mut linked = None;
    if let Some(rest) = path.strip_prefix("/board/") {
        let (secret, below) = rest.split_once('/').unwrap_or((rest, ""));
        let query = request
            .uri()
            .query()
            .map(|q| format!("?{q}"))
            .unwrap_or_default();
        if let Ok(uri) = format!("/{below}{query}").parse::<Uri>() {
            *request.uri_mut() = uri;
        }
        linked = Some(secret.to_string());
    }
    let access = current(&state.access);
    if !access.enforced() {
        request.extensions_mut().insert(Scope::open());
        return next.run(request).await;
    }
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::to_string);
    let presented = linked.clone().or(bearer);
    let Some(secret) = presented else {
        failed(&state, "missing", &path);
        return refuse(StatusCode::UNAUTHORIZED, "this port asks for a token: send `Authorization: Bearer SECRET`, or open a display link /board/SECRET/");
    };
    let Some(token) = access.token(&secret).cloned() else {
        failed(&state, "unknown", &path);
        return refuse(StatusCode::UNAUTHORIZED, "unknown token");
    };
    let route = request.uri().path().to_string();
    let (reads, tenant) = needs(&route);
    // A display link is for the board and what it fetches, nothing else.
    let allowed = reads.iter().any(|read| token.may(*read))
        && (linked.is_none() || reads.contains(&Read::Wallboard));
    if !allowed {
        failed(&state, "forbidden", &route);
        let names: Vec<&str> = reads.iter().map(|read| read.as_str()).collect();
        return refuse(
            StatusCode::FORBIDDEN,
            &format!(
                "token `{}` may not read this: it needs {}",
                token.name,
                names.join(" or ")
            ),
        );
    }
    if tenant.is_some_and(|tenant| !token.sees_tenant(tenant)) {
        failed(&state, "forbidden", &route);
        return refuse(
            StatusCode::FORBIDDEN,
            &format!("token `{}` does not see this tenant", token.name),
        );
    }
    if named_queue(&route).is_some_and(|queue| !token.sees_queue(queue)) {
        failed(&state, "forbidden", &route);
        return refuse(
            StatusCode::FORBIDDEN,
            &format!("token `{}` does not see this queue", token.name),
        );
    }
    request
        .extensions_mut()
        .insert(Scope(Some(Arc::new(token))));
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_route_names_the_reads_that_open_it_and_its_tenant() {
        use Read::*;
        for (path, reads, tenant) in [
            ("/", vec![Wallboard], None),
            ("/metrics", vec![Metrics], None),
            ("/api/v1/stream", vec![Wallboard, Api], None),
            ("/api/v1/alerts", vec![Alerts, Wallboard], None),
            ("/api/v1/tenants", vec![Api], None),
            ("/api/v1/tenants/acme", vec![Api], Some("acme")),
            ("/api/v1/tenants/acme/queues/sales", vec![Api], Some("acme")),
            ("/api/v1/tenants/acme/agents", vec![Agents], Some("acme")),
            ("/api/v1/tenants/acme/agents/a1", vec![Agents], Some("acme")),
            (
                "/api/v1/tenants/acme/callbacks",
                vec![Api, Wallboard],
                Some("acme"),
            ),
            (
                "/api/v1/tenants/acme/intervals",
                vec![Api, Wallboard],
                Some("acme"),
            ),
        ] {
            assert_eq!(needs(path), (reads, tenant), "{path}");
        }
        assert_eq!(
            named_queue("/api/v1/tenants/acme/queues/sales"),
            Some("sales")
        );
        assert_eq!(
            named_queue("/api/v1/tenants/acme/queues/sales/x"),
            Some("sales")
        );
        assert_eq!(named_queue("/api/v1/tenants/acme/queues"), None);
        assert_eq!(named_queue("/api/v1/tenants/acme/agents/a1"), None);
    }
}
