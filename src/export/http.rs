//! The HTTP API on one port: health (`/livez`, `/healthz`, `/readyz`), `/metrics`, JSON snapshots under
//! `/api/v1/`, server-sent events of snapshots each second, and the wallboard page. Reads the board;
//! mutates nothing. Errors are JSON `{"error": "…"}`.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::board::{Board, Readiness};
use crate::center::snapshot::CenterSnapshot;
use crate::intervals::store::IntervalStore;
use crate::report::{self, Format};

use super::cors::cors;
use super::door::{door, Rules, Scope};
use super::intervals_api::{self, IntervalQuery};
use super::tls::{Certificates, TlsListener};
use super::view::{View, ViewQuery, ViewSnapshot};

const WALLBOARD: &str = include_str!("wallboard.html");

/// Renders the `/metrics` body for what a request may read.
pub type MetricsRenderer = Arc<dyn Fn(&Scope) -> String + Send + Sync>;

#[derive(Clone)]
pub struct HttpState {
    pub board: Arc<Board>,
    pub metrics: MetricsRenderer,
    /// Ends open event streams at shutdown: graceful shutdown waits for every connection, and a stream
    /// never ends by itself.
    pub shutdown: CancellationToken,
    /// Who may read what (swapped by a reload), and the requests refused by reason.
    pub access: Rules,
    pub auth_failures: prometheus::IntCounterVec,
    /// Origins whose pages may read cross-origin ([`cors`]).
    pub cors_origins: Arc<[String]>,
    /// The intervals topic read back: past days' rows, and the delivery task's markers.
    pub intervals: Arc<IntervalStore>,
}

/// Every route, behind the door ([`door`]): it runs before routing, so a display link's path is
/// rewritten to the route it names. CORS ([`cors`]) comes first: preflights carry no token.
pub fn router(state: HttpState) -> Router {
    use tower_layer::Layer;
    let cors = axum::middleware::from_fn_with_state(Arc::clone(&state.cors_origins), cors);
    let door = axum::middleware::from_fn_with_state(state.clone(), door);
    Router::new().fallback_service(cors.layer(door.layer(routes(state))))
}

fn routes(state: HttpState) -> Router {
    Router::new()
        .route("/", get(wallboard))
        .route("/livez", get(live))
        .route("/healthz", get(live))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
        .route("/api/v1/tenants", get(tenants))
        .route("/api/v1/tenants/{tenant}", get(tenant))
        .route("/api/v1/tenants/{tenant}/queues", get(queues))
        .route("/api/v1/tenants/{tenant}/queues/{queue}", get(queue))
        .route("/api/v1/tenants/{tenant}/agents", get(agents))
        .route("/api/v1/tenants/{tenant}/agents/{agent}", get(agent))
        .route("/api/v1/tenants/{tenant}/intervals", get(intervals))
        .route("/api/v1/tenants/{tenant}/callbacks", get(callbacks))
        .route("/api/v1/tenants/{tenant}/qa/samples", get(qa_samples))
        .route("/api/v1/alerts", get(alerts))
        .route("/api/v1/stream", get(stream))
        .fallback(not_found)
        .with_state(state)
}

/// Serves `router` on `listener` until `shutdown`: HTTPS with `tls`, plain HTTP without.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    tls: Option<Arc<Certificates>>,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let stopped = shutdown.clone().cancelled_owned();
    match tls {
        None => {
            axum::serve(listener, router)
                .with_graceful_shutdown(stopped)
                .await
        }
        Some(certificates) => {
            let listener = TlsListener::start(listener, &certificates, shutdown)?;
            axum::serve(listener, router)
                .with_graceful_shutdown(stopped)
                .await
        }
    }
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

async fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "no such path; the API lives under /api/v1/tenants",
    )
}

fn unknown_tenant(tenant: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        format!("tenant `{tenant}` is not served by this instance; GET /api/v1/tenants lists those that are"),
    )
}

/// The page's Content-Security-Policy: its one inline script and one inline style, by their SHA-256, and
/// nothing from elsewhere (it fetches only from this port).
static CONTENT_SECURITY_POLICY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    use base64::Engine as _;
    let inline = |open: &str, close: &str| {
        let start = WALLBOARD.find(open).map_or(0, |at| at + open.len());
        let end = WALLBOARD[start..]
            .find(close)
            .map_or(start, |at| start + at);
        let digest = crate::access::digest(&WALLBOARD[start..end]);
        base64::engine::general_purpose::STANDARD.encode(digest)
    };
    format!(
        "default-src 'none'; script-src 'sha256-{}'; style-src 'sha256-{}'; connect-src 'self'; \
         img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        inline("<script>", "</script>"),
        inline("<style>", "</style>")
    )
});

/// The page. A display link carries its secret in the path: no referrer may take it elsewhere.
async fn wallboard() -> Response {
    (
        [
            (header::REFERRER_POLICY, "no-referrer"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (
                header::CONTENT_SECURITY_POLICY,
                CONTENT_SECURITY_POLICY.as_str(),
            ),
        ],
        Html(WALLBOARD),
    )
        .into_response()
}

async fn live() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

async fn ready(State(state): State<HttpState>) -> Response {
    let readiness = state.board.readiness();
    let status = readiness.reason();
    match readiness {
        Readiness::Ready => Json(json!({ "status": status })).into_response(),
        Readiness::Replaying(replaying) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": status, "replaying": replaying })),
        )
            .into_response(),
        _ => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": status, "replaying": [] })),
        )
            .into_response(),
    }
}

async fn metrics(State(state): State<HttpState>, Extension(scope): Extension<Scope>) -> Response {
    let body = (state.metrics)(&scope);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

async fn tenants(
    State(state): State<HttpState>,
    Extension(scope): Extension<Scope>,
) -> Json<serde_json::Value> {
    let list: Vec<serde_json::Value> = state
        .board
        .snapshots()
        .iter()
        .filter(|snapshot| scope.sees_tenant(&snapshot.tenant))
        .map(|snapshot| scope.narrow(snapshot))
        .map(|snapshot| {
            json!({
                "tenant": snapshot.tenant,
                "now": snapshot.now,
                "last_event_time": snapshot.last_event_time,
                "queues": snapshot.queues.len(),
                "agents": snapshot.agents.len(),
                "calls_waiting": snapshot.queues.iter().map(|queue| queue.calls_waiting).sum::<usize>(),
                "events": snapshot.events,
                "stale": snapshot.stale,
            })
        })
        .collect();
    Json(json!({ "tenants": list }))
}

/// What the alert engine has firing (of the tenants this instance owns, and callboard's own).
/// Firing alerts, those of a board's view with `?tenant=&queues=&team=&agents=` (see [`View`]).
async fn alerts(
    State(state): State<HttpState>,
    Query(query): Query<ViewQuery>,
    Extension(scope): Extension<Scope>,
) -> Response {
    let view = match View::parse(&query) {
        Ok(view) => view,
        Err(problem) => return error(StatusCode::BAD_REQUEST, &problem),
    };
    let snapshots = state.board.snapshots();
    let snapshot_of = |labels: &std::collections::BTreeMap<String, String>| {
        let tenant = labels.get("tenant")?;
        snapshots
            .iter()
            .find(|snapshot| snapshot.tenant == tenant.as_str())
    };
    let list: Vec<serde_json::Value> = state
        .board
        .alerts()
        .iter()
        .filter(|alert| {
            let snapshot = snapshot_of(&alert.labels).map(AsRef::as_ref);
            scope.sees_alert(&alert.labels) && view.shows_alert(&alert.labels, snapshot)
        })
        .map(|alert| {
            let agent =
                (alert.labels.get("agent")).and_then(|id| Some((id.clone(), scope.pseudonym(id)?)));
            json!({
                "fingerprint": alert.fingerprint,
                "rule": alert.rule,
                "severity": alert.severity,
                "labels": with_pseudonym(&alert.labels, agent.as_ref()),
                "annotations": with_pseudonym(&alert.annotations, agent.as_ref()),
                "value": alert.value,
                "threshold": alert.threshold,
                "active_since": crate::decode::time::rfc3339(alert.active_since_ms),
                "starts_at": crate::decode::time::rfc3339(alert.starts_at_ms),
            })
        })
        .collect();
    Json(json!({ "alerts": list })).into_response()
}

async fn tenant(
    State(state): State<HttpState>,
    Path(tenant): Path<String>,
    Extension(scope): Extension<Scope>,
) -> Response {
    match state.board.snapshot(&tenant) {
        Some(snapshot) => Json(scope.narrow(&snapshot).as_ref().clone()).into_response(),
        None => unknown_tenant(&tenant),
    }
}

/// The tenant's snapshot as `scope` sees it.
fn seen(state: &HttpState, tenant: &str, scope: &Scope) -> Option<Arc<CenterSnapshot>> {
    state
        .board
        .snapshot(tenant)
        .map(|snapshot| scope.narrow(&snapshot))
}

async fn queues(
    State(state): State<HttpState>,
    Path(tenant): Path<String>,
    Extension(scope): Extension<Scope>,
) -> Response {
    match seen(&state, &tenant, &scope) {
        Some(snapshot) => Json(
            json!({ "tenant": snapshot.tenant, "now": snapshot.now, "queues": snapshot.queues }),
        )
        .into_response(),
        None => unknown_tenant(&tenant),
    }
}

async fn queue(
    State(state): State<HttpState>,
    Path((tenant, queue)): Path<(String, String)>,
    Extension(scope): Extension<Scope>,
) -> Response {
    let snapshot = match seen(&state, &tenant, &scope) {
        Some(snapshot) => snapshot,
        None => return unknown_tenant(&tenant),
    };
    match snapshot
        .queues
        .iter()
        .find(|candidate| candidate.queue == queue)
    {
        Some(found) => {
            Json(json!({ "tenant": snapshot.tenant, "now": snapshot.now, "queue": found }))
                .into_response()
        }
        None => error(
            StatusCode::NOT_FOUND,
            format!("tenant `{tenant}` has no queue `{queue}`"),
        ),
    }
}

/// The tenant's callers who abandoned today and have not been reached since, the longest waiting first;
/// `?queues=` (names or globs, comma-separated) keeps those whose latest abandonment was in one of them.
async fn callbacks(
    State(state): State<HttpState>,
    Path(tenant): Path<String>,
    Query(query): Query<ViewQuery>,
    Extension(scope): Extension<Scope>,
) -> Response {
    let Some(snapshot) = seen(&state, &tenant, &scope) else {
        return unknown_tenant(&tenant);
    };
    let queues = ViewQuery {
        tenant: None,
        queues: query.queues,
        team: None,
        agents: None,
    };
    let view = match View::parse(&queues) {
        Ok(view) => view,
        Err(problem) => return error(StatusCode::BAD_REQUEST, &problem),
    };
    let list: Vec<_> = (snapshot.callbacks.iter())
        .filter(|callback| view.shows_queue(&callback.queue))
        .collect();
    Json(json!({
        "tenant": snapshot.tenant,
        "now": snapshot.now,
        "count": list.len(),
        "callbacks": list,
    }))
    .into_response()
}

#[derive(Deserialize)]
struct SampleDate {
    date: Option<String>,
}

/// Calls chosen for quality review in the sampling period holding `?date=YYYY-MM-DD` (the tenant's local
/// date; default the tenant's today): the current period and the one before are kept.
async fn qa_samples(
    State(state): State<HttpState>,
    Path(tenant): Path<String>,
    Query(query): Query<SampleDate>,
    Extension(scope): Extension<Scope>,
) -> Response {
    let Some(snapshot) = state.board.snapshot(&tenant) else {
        return unknown_tenant(&tenant);
    };
    let date = match &query.date {
        Some(date) if chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_err() => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("date `{date}` is not YYYY-MM-DD"),
            );
        }
        Some(date) => date.as_str(),
        // The current period: the one holding the tenant's today.
        None => snapshot.local_date.as_str(),
    };
    let list: Vec<_> = (scope.samples(&snapshot).iter())
        .filter(|sample| {
            sample.period_first_day.as_str() <= date && date <= sample.period_last_day.as_str()
        })
        .map(|sample| sample_json(&snapshot.tenant, sample))
        .collect();
    Json(json!({
        "tenant": snapshot.tenant,
        "now": snapshot.now,
        "date": date,
        "count": list.len(),
        "samples": list,
    }))
    .into_response()
}

/// A call chosen for review as the API and the `call-qa-samples` topic give it: what a recording
/// system needs to fetch the recording, and why it was chosen.
pub fn sample_json(tenant: &str, sample: &crate::center::qa::Sample) -> serde_json::Value {
    let time = |ms: Option<i64>| ms.map(crate::decode::time::rfc3339);
    json!({
        "tenant": tenant,
        "call": sample.call,
        "agent": sample.agent,
        "queue": sample.queue,
        "answered_at": time(sample.answered_at),
        "completed_at": time(sample.completed_at),
        "handle_seconds": sample.handle_ms.map(|ms| ms as f64 / 1000.0),
        "reason": sample.reason,
        "reviewed": sample.reviewed,
        "period_first_day": sample.period_first_day,
        "period_last_day": sample.period_last_day,
    })
}

#[derive(Deserialize)]
struct AgentFilter {
    state: Option<String>,
    team: Option<String>,
}

async fn agents(
    State(state): State<HttpState>,
    Path(tenant): Path<String>,
    Query(filter): Query<AgentFilter>,
    Extension(scope): Extension<Scope>,
) -> Response {
    let snapshot = match seen(&state, &tenant, &scope) {
        Some(snapshot) => snapshot,
        None => return unknown_tenant(&tenant),
    };
    let selected: Vec<_> = snapshot
        .agents
        .iter()
        .filter(|agent| {
            filter
                .state
                .as_deref()
                .is_none_or(|wanted| agent.state == wanted)
        })
        .filter(|agent| {
            filter
                .team
                .as_deref()
                .is_none_or(|wanted| agent.team.as_deref() == Some(wanted))
        })
        .collect();
    Json(json!({ "tenant": snapshot.tenant, "now": snapshot.now, "agents": selected }))
        .into_response()
}

async fn agent(
    State(state): State<HttpState>,
    Path((tenant, agent)): Path<(String, String)>,
    Extension(scope): Extension<Scope>,
) -> Response {
    let snapshot = match state.board.snapshot(&tenant) {
        Some(snapshot) => snapshot,
        None => return unknown_tenant(&tenant),
    };
    let outside = (snapshot.agents.iter())
        .find(|candidate| candidate.agent == agent)
        .is_some_and(|found| !scope.sees_team(found.team.as_deref()));
    if outside {
        return error(
            StatusCode::FORBIDDEN,
            format!("agent `{agent}` is not in a team this token sees"),
        );
    }
    match snapshot
        .agents
        .iter()
        .find(|candidate| candidate.agent == agent)
    {
        Some(found) => {
            Json(json!({ "tenant": snapshot.tenant, "now": snapshot.now, "agent": found }))
                .into_response()
        }
        None => error(
            StatusCode::NOT_FOUND,
            format!("tenant `{tenant}` has no agent `{agent}`"),
        ),
    }
}

/// Interval rows (`?kind=`, default queue) of today, a day (`?date=`) or days (`?from=&to=`, `to` the
/// first day not included), as JSON Lines or CSV: past days from the intervals topic, today's queue rows
/// from the board. See [`intervals_api`].
async fn intervals(
    State(state): State<HttpState>,
    Path(tenant): Path<String>,
    Query(query): Query<IntervalQuery>,
    Extension(scope): Extension<Scope>,
) -> Response {
    let (format, content_type) = match query.format.as_deref() {
        None | Some("json") => (Format::JsonLines, "application/x-ndjson"),
        Some("csv") => (Format::Csv, "text/csv; charset=utf-8"),
        Some(other) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("format `{other}` is not csv or json"),
            )
        }
    };
    let wanted = match intervals_api::wanted(&query) {
        Ok(wanted) => wanted,
        Err(problem) => return error(StatusCode::BAD_REQUEST, problem),
    };
    let snapshot = state.board.snapshot(&tenant);
    if snapshot.is_none() && !state.intervals.knows_tenant(&tenant) {
        return unknown_tenant(&tenant);
    }
    if wanted.kind.subject_column() == Some("agent") && scope.narrowed() {
        return error(
            StatusCode::FORBIDDEN,
            "agent rows carry no team: a token narrowed to queues or teams reads queue rows only",
        );
    }
    let today = match &snapshot {
        Some(snapshot) => snapshot.local_date.clone(),
        None => chrono::Utc::now().format("%Y-%m-%d").to_string(),
    };
    let days = (wanted.days).unwrap_or_else(|| intervals_api::day(&today));
    let board = state.board.intervals(&tenant);
    let board_today = (snapshot.as_ref().zip(board.as_deref()))
        .map(|(snapshot, table)| (snapshot.local_date.as_str(), table));
    let range = (days.0.as_str(), days.1.as_str());
    let table = intervals_api::table(
        &state.intervals,
        &tenant,
        wanted.kind,
        range,
        board_today,
        &scope,
    );
    let mut body = Vec::new();
    if report::write(&table, format, &mut body).is_err() {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot render the report",
        );
    }
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// Every second, an event `snapshot` with the tenants of the board's view (`?tenant=&queues=&team=
/// &agents=`, see [`View`]), each cut to its queues and agents, so a board of one queue is not sent
/// the whole center; a slow client only delays itself, since each send borrows the shared snapshots.
async fn stream(
    State(state): State<HttpState>,
    Query(query): Query<ViewQuery>,
    Extension(scope): Extension<Scope>,
) -> Response {
    let view = match View::parse(&query) {
        Ok(view) => view,
        Err(problem) => return error(StatusCode::BAD_REQUEST, &problem),
    };
    let state_shutdown = state.shutdown.clone();
    let ticks = tokio::time::interval(Duration::from_secs(1));
    let events = futures::stream::unfold(
        (ticks, state, view, scope),
        |(mut ticks, state, view, scope)| async move {
            ticks.tick().await;
            // A token revoked by a reload ends its stream at the next tick.
            if !scope.still_valid(&state.access) {
                return None;
            }
            let snapshots: Vec<_> = (state.board.snapshots().iter())
                .filter(|snapshot| scope.sees_tenant(&snapshot.tenant))
                .map(|snapshot| scope.narrow(snapshot))
                .collect();
            let data = stream_data(&snapshots, &view);
            Some((
                Ok::<_, Infallible>(SseEvent::default().event("snapshot").data(data)),
                (ticks, state, view, scope),
            ))
        },
    );
    let shutdown = state_shutdown.cancelled_owned();
    Sse::new(futures::StreamExt::take_until(events, shutdown))
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// An alert's labels or annotations with its agent, `(id, pseudonym)`, named by the pseudonym.
fn with_pseudonym(
    fields: &std::collections::BTreeMap<String, String>,
    agent: Option<&(String, String)>,
) -> std::collections::BTreeMap<String, String> {
    let mut fields = fields.clone();
    if let Some((id, pseudonym)) = agent {
        for value in fields.values_mut() {
            *value = value.replace(id.as_str(), pseudonym);
        }
    }
    fields
}

/// One tick of the stream: `{"tenants": [...]}`, the view's cut of each tenant it shows.
pub fn stream_data(snapshots: &[Arc<CenterSnapshot>], view: &View) -> String {
    #[derive(serde::Serialize)]
    struct Tick<'a> {
        tenants: Vec<ViewSnapshot<'a>>,
    }
    let tenants = (snapshots.iter())
        .filter(|snapshot| view.shows_tenant(snapshot.tenant.as_str()))
        .map(|snapshot| view.cut(snapshot))
        .collect();
    serde_json::to_string(&Tick { tenants }).unwrap_or_default()
}

#[cfg(test)]
#[path = "http_tests.rs"]
mod tests;
