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
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::board::{Board, Readiness};
use crate::center::snapshot::CenterSnapshot;
use crate::report::{self, Format};

const WALLBOARD: &str = include_str!("wallboard.html");

/// Renders the `/metrics` body.
pub type MetricsRenderer = Arc<dyn Fn() -> String + Send + Sync>;

#[derive(Clone)]
pub struct HttpState {
    pub board: Arc<Board>,
    pub metrics: MetricsRenderer,
    /// Ends open event streams at shutdown: graceful shutdown waits for every connection, and a stream
    /// never ends by itself.
    pub shutdown: CancellationToken,
}

pub fn router(state: HttpState) -> Router {
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
        .route("/api/v1/alerts", get(alerts))
        .route("/api/v1/stream", get(stream))
        .fallback(not_found)
        .with_state(state)
}

/// Serves `router` on `listener` until `shutdown`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await
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

async fn wallboard() -> Html<&'static str> {
    Html(WALLBOARD)
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

async fn metrics(State(state): State<HttpState>) -> Response {
    let body = (state.metrics)();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

async fn tenants(State(state): State<HttpState>) -> Json<serde_json::Value> {
    let list: Vec<serde_json::Value> = state
        .board
        .snapshots()
        .iter()
        .map(|snapshot| {
            json!({
                "tenant": snapshot.tenant,
                "now": snapshot.now,
                "last_event_time": snapshot.last_event_time,
                "queues": snapshot.queues.len(),
                "agents": snapshot.agents.len(),
                "calls_waiting": snapshot.queues.iter().map(|queue| queue.calls_waiting).sum::<usize>(),
                "events": snapshot.events,
            })
        })
        .collect();
    Json(json!({ "tenants": list }))
}

/// What the alert engine has firing (of the tenants this instance owns, and callboard's own).
async fn alerts(State(state): State<HttpState>) -> Json<serde_json::Value> {
    let list: Vec<serde_json::Value> = state
        .board
        .alerts()
        .iter()
        .map(|alert| {
            json!({
                "fingerprint": alert.fingerprint,
                "rule": alert.rule,
                "severity": alert.severity,
                "labels": alert.labels,
                "annotations": alert.annotations,
                "value": alert.value,
                "threshold": alert.threshold,
                "active_since": crate::decode::time::rfc3339(alert.active_since_ms),
                "starts_at": crate::decode::time::rfc3339(alert.starts_at_ms),
            })
        })
        .collect();
    Json(json!({ "alerts": list }))
}

async fn tenant(State(state): State<HttpState>, Path(tenant): Path<String>) -> Response {
    match state.board.snapshot(&tenant) {
        Some(snapshot) => Json(snapshot.as_ref().clone()).into_response(),
        None => unknown_tenant(&tenant),
    }
}

async fn queues(State(state): State<HttpState>, Path(tenant): Path<String>) -> Response {
    match state.board.snapshot(&tenant) {
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
) -> Response {
    let snapshot = match state.board.snapshot(&tenant) {
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

#[derive(Deserialize)]
struct AgentFilter {
    state: Option<String>,
    team: Option<String>,
}

async fn agents(
    State(state): State<HttpState>,
    Path(tenant): Path<String>,
    Query(filter): Query<AgentFilter>,
) -> Response {
    let snapshot = match state.board.snapshot(&tenant) {
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
) -> Response {
    let snapshot = match state.board.snapshot(&tenant) {
        Some(snapshot) => snapshot,
        None => return unknown_tenant(&tenant),
    };
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

#[derive(Deserialize)]
struct IntervalFormat {
    format: Option<String>,
}

async fn intervals(
    State(state): State<HttpState>,
    Path(tenant): Path<String>,
    Query(query): Query<IntervalFormat>,
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
    if state.board.snapshot(&tenant).is_none() {
        return unknown_tenant(&tenant);
    }
    let table = state
        .board
        .intervals(&tenant)
        .map(|table| table.as_ref().clone());
    let table = table.unwrap_or(report::Table {
        header: &report::QUEUE_HEADER,
        rows: Vec::new(),
    });
    let mut body = Vec::new();
    if report::write(&table, format, &mut body).is_err() {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot render the report",
        );
    }
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

#[derive(Deserialize)]
struct StreamFilter {
    tenant: Option<String>,
}

/// Every second, an event `snapshot` with all (or one) tenant's snapshots; a slow client only delays
/// itself, since each send serialises shared immutable snapshots.
async fn stream(
    State(state): State<HttpState>,
    Query(filter): Query<StreamFilter>,
) -> Sse<impl futures::Stream<Item = Result<SseEvent, Infallible>>> {
    let state_shutdown = state.shutdown.clone();
    let ticks = tokio::time::interval(Duration::from_secs(1));
    let events = futures::stream::unfold(
        (ticks, state, filter.tenant),
        |(mut ticks, state, tenant)| async move {
            ticks.tick().await;
            let snapshots: Vec<Arc<CenterSnapshot>> = state
                .board
                .snapshots()
                .into_iter()
                .filter(|snapshot| {
                    tenant
                        .as_deref()
                        .is_none_or(|wanted| snapshot.tenant == wanted)
                })
                .collect();
            let data = serde_json::to_string(&json!({ "tenants": snapshots })).unwrap_or_default();
            Some((
                Ok(SseEvent::default().event("snapshot").data(data)),
                (ticks, state, tenant),
            ))
        },
    );
    let shutdown = state_shutdown.cancelled_owned();
    Sse::new(futures::StreamExt::take_until(events, shutdown)).keep_alive(KeepAlive::default())
}

#[cfg(test)]
#[path = "http_tests.rs"]
mod tests;
