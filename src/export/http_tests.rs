//! The HTTP API against snapshots built by the real engine; expected values worked out by hand.

use axum::body::{to_bytes, Body};
use axum::http::{Request, StatusCode};
use tower::ServiceExt;

use super::*;
use crate::board::{PartitionStatus, Phase};
use crate::center::settings::CenterSettings;
use crate::center::Center;
use crate::event::{Event, EventKind, Id};

fn at(text: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .timestamp_millis()
}

/// acme: c1 waited 10 s and was answered by a1; c2 still waits at 09:01.
fn state() -> HttpState {
    let event = |time: &str, kind| Event {
        time: at(time),
        tenant: Id::from("acme"),
        id: None,
        kind,
    };
    let mut center = Center::new(Id::from("acme"), CenterSettings::default());
    let mut rejections = Vec::new();
    for item in [
        event(
            "2026-11-23T09:00:00Z",
            EventKind::CallQueued {
                call: "c1".into(),
                queue: "billing".into(),
                priority: None,
                direction: Default::default(),
            },
        ),
        event(
            "2026-11-23T09:00:10Z",
            EventKind::CallAnswered {
                call: "c1".into(),
                queue: "billing".into(),
                agent: "a1".into(),
            },
        ),
        event(
            "2026-11-23T09:00:30Z",
            EventKind::CallQueued {
                call: "c2".into(),
                queue: "billing".into(),
                priority: None,
                direction: Default::default(),
            },
        ),
    ] {
        center.ingest(item, 0, &mut rejections);
    }
    center.flush(&mut rejections);
    let board = Board::new(1);
    board.publish(center.snapshot(at("2026-11-23T09:01:00Z")));
    board.publish_intervals(&Id::from("acme"), report::queue_table([&center]));
    HttpState {
        board,
        metrics: Arc::new(|| "callboard_build_info 1\n".to_string()),
        shutdown: CancellationToken::new(),
    }
}

async fn get(state: &HttpState, uri: &str) -> (StatusCode, String) {
    let response = router(state.clone())
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let body = to_bytes(response.into_body(), 1 << 24).await.unwrap();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

fn json_of(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|error| panic!("{error}: {body}"))
}

#[tokio::test]
async fn queue_figures_are_served_as_computed_by_hand() {
    let state = state();
    let (status, body) = get(&state, "/api/v1/tenants/acme/queues/billing").await;
    assert_eq!(status, StatusCode::OK);
    let queue = &json_of(&body)["queue"];
    assert_eq!(queue["calls_waiting"], 1);
    assert_eq!(queue["longest_waiting_seconds"], 30.0);
    assert_eq!(queue["windows"][0]["window"], "15m");
    assert_eq!(queue["windows"][0]["service_level"], 1.0);
    assert_eq!(queue["windows"][0]["asa_seconds"], 10.0);
    let (_, body) = get(&state, "/api/v1/tenants").await;
    assert_eq!(json_of(&body)["tenants"][0]["calls_waiting"], 1);
    let (_, body) = get(&state, "/api/v1/tenants/acme/agents?state=on_call").await;
    assert_eq!(json_of(&body)["agents"][0]["agent"], "a1");
    let (_, body) = get(&state, "/api/v1/tenants/acme/agents?state=available").await;
    assert_eq!(json_of(&body)["agents"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn unknown_tenants_and_queues_are_json_404s() {
    let state = state();
    for uri in [
        "/api/v1/tenants/globex",
        "/api/v1/tenants/acme/queues/nope",
        "/api/v1/tenants/acme/agents/zz",
        "/nowhere",
    ] {
        let (status, body) = get(&state, uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert!(
            json_of(&body)["error"].as_str().unwrap().len() > 10,
            "{body}"
        );
    }
}

#[tokio::test]
async fn readiness_follows_the_partitions() {
    let state = state();
    assert_eq!(get(&state, "/livez").await.0, StatusCode::OK);
    assert_eq!(get(&state, "/healthz").await.0, StatusCode::OK);
    assert_eq!(
        get(&state, "/readyz").await.0,
        StatusCode::SERVICE_UNAVAILABLE
    );
    state.board.set_partition(
        "call-events",
        0,
        PartitionStatus {
            phase: Phase::Replaying,
            lag: 10,
        },
    );
    state.board.mark_assigned();
    let (status, body) = get(&state, "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(json_of(&body)["replaying"][0], "call-events/0");
    state.board.set_partition(
        "call-events",
        0,
        PartitionStatus {
            phase: Phase::Live,
            lag: 0,
        },
    );
    assert_eq!(get(&state, "/readyz").await.0, StatusCode::OK);
}

/// An instance the group gave no partition serves nothing and is not ready; one whose brokers are
/// unreachable is ready through a short outage and not after it.
#[tokio::test]
async fn readiness_needs_a_partition_and_a_reachable_broker() {
    use crate::board::KafkaLink;
    let state = state();
    state.board.mark_assigned();
    let (status, body) = get(&state, "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(json_of(&body)["status"], "no partitions assigned");
    let live = PartitionStatus {
        phase: Phase::Live,
        lag: 0,
    };
    state.board.set_partition("call-events", 3, live);
    assert_eq!(get(&state, "/readyz").await.0, StatusCode::OK);
    let outage = |past_grace| KafkaLink {
        up: false,
        past_grace,
    };
    state.board.set_kafka_link(0, outage(false));
    assert_eq!(get(&state, "/readyz").await.0, StatusCode::OK);
    state.board.set_kafka_link(0, outage(true));
    let (status, body) = get(&state, "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(json_of(&body)["status"], "kafka unreachable");
    let back = KafkaLink {
        up: true,
        past_grace: false,
    };
    state.board.set_kafka_link(0, back);
    assert_eq!(get(&state, "/readyz").await.0, StatusCode::OK);
}

#[tokio::test]
async fn intervals_come_as_csv_or_json_lines() {
    let state = state();
    let (status, body) = get(&state, "/api/v1/tenants/acme/intervals?format=csv").await;
    assert_eq!(status, StatusCode::OK);
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines[0], report::QUEUE_HEADER.join(","));
    assert!(
        lines[1].starts_with("acme,billing,2026-11-23T09:00:00Z,2,1,1,"),
        "{body}"
    );
    let (_, body) = get(&state, "/api/v1/tenants/acme/intervals").await;
    assert_eq!(json_of(body.lines().next().unwrap())["offered"], 2);
    assert_eq!(
        get(&state, "/api/v1/tenants/acme/intervals?format=xml")
            .await
            .0,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn metrics_and_the_wallboard_are_served() {
    let state = state();
    let (status, body) = get(&state, "/metrics").await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, "callboard_build_info 1\n")
    );
    let (status, body) = get(&state, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("new EventSource(\"/api/v1/stream\")"));
}

#[tokio::test]
async fn the_stream_sends_snapshots() {
    let state = state();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let shutdown = state.shutdown.clone();
    let server = tokio::spawn(serve(listener, router(state), shutdown.clone()));
    let mut socket = tokio::net::TcpStream::connect(address).await.unwrap();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    socket
        .write_all(b"GET /api/v1/stream?tenant=acme HTTP/1.1\r\nhost: test\r\n\r\n")
        .await
        .unwrap();
    let mut received = Vec::new();
    let mut buffer = [0u8; 8192];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !String::from_utf8_lossy(&received).contains("\"calls_waiting\":1")
        && tokio::time::Instant::now() < deadline
    {
        let read = tokio::time::timeout(Duration::from_secs(5), socket.read(&mut buffer))
            .await
            .unwrap()
            .unwrap();
        received.extend_from_slice(&buffer[..read]);
    }
    let text = String::from_utf8_lossy(&received);
    assert!(
        text.contains("text/event-stream") && text.contains("event: snapshot"),
        "{text}"
    );
    assert!(text.contains("\"calls_waiting\":1"));
    // With the stream still open, shutdown ends it and the server stops promptly.
    shutdown.cancel();
    let stopped = tokio::time::timeout(Duration::from_secs(3), server).await;
    assert!(stopped.is_ok(), "the server waited on an open event stream");
    drop(socket);
}
