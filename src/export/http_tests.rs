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
                caller: None,
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
                caller: None,
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
        metrics: Arc::new(|scope: &super::super::door::Scope| {
            format!(
                "callboard_build_info 1\n# every tenant: {}\n",
                scope.sees_every_tenant()
            )
        }),
        shutdown: CancellationToken::new(),
        access: Default::default(),
        auth_failures: prometheus::IntCounterVec::new(
            prometheus::Opts::new("refused_total", "refused"),
            &["reason"],
        )
        .unwrap(),
        cors_origins: Arc::from(Vec::new()),
        intervals: crate::intervals::store::IntervalStore::new(),
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
        (
            StatusCode::OK,
            "callboard_build_info 1\n# every tenant: true\n"
        )
    );
    let (status, body) = get(&state, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("new EventSource(base + \"/api/v1/stream\" + viewQuery)"));
}

#[tokio::test]
async fn the_stream_sends_snapshots() {
    let state = state();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let shutdown = state.shutdown.clone();
    let server = tokio::spawn(serve(listener, router(state), None, shutdown.clone()));
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

/// The first `snapshot` event of the stream at `uri`, as parsed JSON.
async fn first_tick(state: HttpState, uri: &str) -> serde_json::Value {
    first_tick_as(state, uri, "").await
}

/// The same, sending `headers` (lines ending in CRLF) with the request.
async fn first_tick_as(state: HttpState, uri: &str, headers: &str) -> serde_json::Value {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let shutdown = state.shutdown.clone();
    let server = tokio::spawn(serve(listener, router(state), None, shutdown.clone()));
    let mut socket = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!("GET {uri} HTTP/1.1\r\nhost: test\r\n{headers}\r\n");
    socket.write_all(request.as_bytes()).await.unwrap();
    let mut received = String::new();
    let mut buffer = [0u8; 8192];
    let data = loop {
        if let Some(line) = received
            .lines()
            .find(|line| line.starts_with("data: {") && line.ends_with('}'))
        {
            break line["data: ".len()..].to_string();
        }
        let read = tokio::time::timeout(Duration::from_secs(5), socket.read(&mut buffer))
            .await
            .unwrap()
            .unwrap();
        assert!(read > 0, "the stream closed: {received}");
        received.push_str(&String::from_utf8_lossy(&buffer[..read]));
    };
    shutdown.cancel();
    let _ = tokio::time::timeout(Duration::from_secs(3), server).await;
    json_of(&data)
}

#[tokio::test]
async fn the_stream_of_a_view_carries_only_its_queues_and_agents() {
    // acme has one queue, billing (c2 waiting), and agent a1, known only from answering c1 (no
    // skills known, so a queue board does not show a1).
    let tick = first_tick(state(), "/api/v1/stream?tenant=acme&queues=bill*").await;
    let acme = &tick["tenants"][0];
    assert_eq!(acme["queues"][0]["queue"], "billing");
    assert_eq!(acme["queues"][0]["calls_waiting"], 1);
    assert_eq!(acme["agents"].as_array().unwrap().len(), 0);
    let tick = first_tick(state(), "/api/v1/stream?tenant=acme&queues=sales").await;
    assert_eq!(tick["tenants"][0]["queues"].as_array().unwrap().len(), 0);
    let tick = first_tick(state(), "/api/v1/stream?tenant=acme").await;
    assert_eq!(tick["tenants"][0]["agents"][0]["agent"], "a1");
    let tick = first_tick(state(), "/api/v1/stream?tenant=globex").await;
    assert_eq!(tick["tenants"].as_array().unwrap().len(), 0);
    let (status, body) = get(&state(), "/api/v1/stream?agents=maybe").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("agents=maybe"), "{body}");
}

/// Z hangs up on c3 in sales after 20 s (09:00:40), Y on c4 in billing after 5 s (09:00:50): both
/// await a callback, Z first; `?queues=bill*` keeps Y alone.
#[tokio::test]
async fn callbacks_are_listed_longest_waiting_first_and_filtered_by_queue() {
    let mut center = Center::new(Id::from("acme"), CenterSettings::default());
    let mut rejections = Vec::new();
    let queued = |time: &str, call: &str, queue: &str, caller: &str| Event {
        time: at(time),
        tenant: Id::from("acme"),
        id: None,
        kind: EventKind::CallQueued {
            call: call.into(),
            queue: queue.into(),
            priority: None,
            direction: Default::default(),
            caller: Some(caller.into()),
        },
    };
    let abandoned = |time: &str, call: &str, queue: &str| Event {
        time: at(time),
        tenant: Id::from("acme"),
        id: None,
        kind: EventKind::CallAbandoned {
            call: call.into(),
            queue: queue.into(),
        },
    };
    for item in [
        queued("2026-11-23T09:00:20Z", "c3", "sales", "Z"),
        abandoned("2026-11-23T09:00:40Z", "c3", "sales"),
        queued("2026-11-23T09:00:45Z", "c4", "billing", "Y"),
        abandoned("2026-11-23T09:00:50Z", "c4", "billing"),
    ] {
        center.ingest(item, 0, &mut rejections);
    }
    center.flush(&mut rejections);
    let state = state();
    state
        .board
        .publish(center.snapshot(at("2026-11-23T09:01:00Z")));
    let (status, body) = get(&state, "/api/v1/tenants/acme/callbacks").await;
    assert_eq!(status, StatusCode::OK);
    let all = json_of(&body);
    assert_eq!(all["count"], 2);
    assert_eq!(all["callbacks"][0]["caller"], "Z");
    assert_eq!(all["callbacks"][0]["queue"], "sales");
    assert_eq!(
        all["callbacks"][0]["abandoned_at"],
        "2026-11-23T09:00:40.000Z"
    );
    assert_eq!(all["callbacks"][0]["wait_seconds"], 20.0);
    assert_eq!(all["callbacks"][0]["abandoned_calls"], 1);
    assert_eq!(all["callbacks"][1]["caller"], "Y");
    assert_eq!(all["callbacks"][1]["wait_seconds"], 5.0);
    let (_, body) = get(&state, "/api/v1/tenants/acme/callbacks?queues=bill*").await;
    let billing = json_of(&body);
    assert_eq!(billing["count"], 1);
    assert_eq!(billing["callbacks"][0]["caller"], "Y");
    let (status, _) = get(&state, "/api/v1/tenants/nobody/callbacks").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Behind tokens: acme is served with its agent a1, and globex beside it. Tokens: "s-all" reads
/// everything; "s-acme" the API of acme alone; "s-tv" acme's board; "s-prom" /metrics of every tenant.
fn guarded() -> HttpState {
    use crate::access::{digest, Access, Read, Token};
    use crate::alert::rule::Glob;
    let state = state();
    let mut globex = Center::new(Id::from("globex"), CenterSettings::default());
    let mut rejections = Vec::new();
    let call = EventKind::CallQueued {
        call: "g1".into(),
        queue: "support".into(),
        priority: None,
        direction: Default::default(),
        caller: None,
    };
    let queued = Event {
        time: at("2026-11-23T09:00:00Z"),
        tenant: Id::from("globex"),
        id: None,
        kind: call,
    };
    globex.ingest(queued, 0, &mut rejections);
    globex.flush(&mut rejections);
    state
        .board
        .publish(globex.snapshot(at("2026-11-23T09:01:00Z")));
    let token = |name: &str, tenants: &[&str], reads: &[Read]| Token {
        name: name.to_string(),
        sha256: digest(&format!("s-{name}")),
        tenants: tenants.iter().map(|glob| Glob(glob.to_string())).collect(),
        queues: Vec::new(),
        teams: Vec::new(),
        reads: reads.to_vec(),
    };
    let access = Access {
        open: false,
        tokens: vec![
            token("all", &["*"], &Read::ALL),
            token("acme", &["acme"], &[Read::Api]),
            token("tv", &["ac*"], &[Read::Wallboard]),
            token("prom", &["*"], &[Read::Metrics]),
        ],
    };
    *state.access.write().unwrap() = Arc::new(access);
    state
}

async fn get_as(state: &HttpState, uri: &str, secret: Option<&str>) -> (StatusCode, String) {
    let mut request = Request::get(uri);
    if let Some(secret) = secret {
        request = request.header("authorization", format!("Bearer {secret}"));
    }
    let response = router(state.clone())
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let body = to_bytes(response.into_body(), 1 << 24).await.unwrap();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn every_route_answers_each_token_by_its_scope() {
    let state = guarded();
    let (ok, unauthorized, forbidden) = (
        StatusCode::OK,
        StatusCode::UNAUTHORIZED,
        StatusCode::FORBIDDEN,
    );
    // (route, secret, status, in the body, never in the body)
    let table: Vec<(&str, Option<&str>, StatusCode, &str, &str)> = vec![
        ("/livez", None, ok, "", ""),
        ("/api/v1/tenants", None, unauthorized, "token", "acme"),
        (
            "/api/v1/tenants",
            Some("s-nobody"),
            unauthorized,
            "unknown",
            "acme",
        ),
        ("/api/v1/tenants", Some("s-all"), ok, "globex", ""),
        ("/api/v1/tenants", Some("s-acme"), ok, "acme", "globex"),
        (
            "/api/v1/tenants/globex",
            Some("s-acme"),
            forbidden,
            "tenant",
            "support",
        ),
        (
            "/api/v1/tenants/acme",
            Some("s-acme"),
            ok,
            "\"agent\":\"agent-",
            "\"a1\"",
        ),
        ("/api/v1/tenants/acme", Some("s-all"), ok, "\"a1\"", ""),
        (
            "/api/v1/tenants/acme/agents",
            Some("s-acme"),
            forbidden,
            "agents",
            "\"a1\"",
        ),
        (
            "/api/v1/tenants/acme/agents",
            Some("s-all"),
            ok,
            "\"a1\"",
            "",
        ),
        (
            "/api/v1/tenants/acme/callbacks",
            Some("s-tv"),
            ok,
            "callbacks",
            "",
        ),
        (
            "/api/v1/tenants/acme/queues",
            Some("s-tv"),
            forbidden,
            "api",
            "billing",
        ),
        ("/metrics", Some("s-acme"), forbidden, "metrics", ""),
        ("/metrics", Some("s-prom"), ok, "every tenant: true", ""),
        ("/", Some("s-tv"), ok, "EventSource", ""),
        ("/", Some("s-acme"), forbidden, "wallboard", ""),
        ("/board/s-tv/", None, ok, "EventSource", ""),
        ("/board/s-tv/api/v1/alerts", None, ok, "alerts", ""),
        ("/board/s-tv/api/v1/tenants", None, forbidden, "", "acme"),
        ("/board/s-acme/", None, forbidden, "wallboard", ""),
        ("/board/s-nobody/", None, unauthorized, "unknown", ""),
    ];
    let mut refused = [0u64; 3];
    for (uri, secret, status, present, absent) in &table {
        let (got, body) = get_as(&state, uri, *secret).await;
        assert_eq!(got, *status, "{uri} as {secret:?}: {body}");
        assert!(body.contains(present), "{uri} as {secret:?}: {body}");
        assert!(
            absent.is_empty() || !body.contains(absent),
            "{uri} as {secret:?}: {body}"
        );
        match (*status, secret) {
            (StatusCode::UNAUTHORIZED, None) if !uri.starts_with("/board/") => refused[0] += 1,
            (StatusCode::UNAUTHORIZED, _) => refused[1] += 1,
            (StatusCode::FORBIDDEN, _) => refused[2] += 1,
            _ => {}
        }
    }
    for (reason, expected) in ["missing", "unknown", "forbidden"].iter().zip(refused) {
        let counted = state.auth_failures.with_label_values(&[reason]).get();
        assert_eq!(counted, expected, "{reason}");
    }
}

#[tokio::test]
async fn a_scoped_stream_carries_only_its_tenants_and_no_agents_without_the_agents_read() {
    let all = first_tick_as(
        guarded(),
        "/api/v1/stream",
        "authorization: Bearer s-all\r\n",
    )
    .await;
    let tenants = |tick: &serde_json::Value| -> Vec<String> {
        (tick["tenants"].as_array().unwrap().iter())
            .map(|tenant| tenant["tenant"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(tenants(&all), ["acme", "globex"]);
    let tv = first_tick_as(guarded(), "/board/s-tv/api/v1/stream", "").await;
    assert_eq!(tenants(&tv), ["acme"]);
    let raw = tv.to_string();
    assert!(!raw.contains("globex") && !raw.contains("\"a1\""), "{raw}");
    assert!(
        raw.contains("\"agent\":\"agent-"),
        "agents under pseudonyms: {raw}"
    );
}

/// Without the agents read, an agent goes by a pseudonym: the same in every answer to one token, another
/// for another token, and the real id appears in none of their bytes.
#[tokio::test]
async fn a_token_without_the_agents_read_sees_one_stable_pseudonym_per_agent() {
    use crate::access::{digest, Read, Token};
    use crate::alert::rule::Glob;
    let state = guarded();
    {
        let mut access = crate::access::Access::clone(&state.access.read().unwrap());
        access.tokens.push(Token {
            name: "api2".into(),
            sha256: digest("s-api2"),
            tenants: vec![Glob("*".into())],
            queues: Vec::new(),
            teams: Vec::new(),
            reads: vec![Read::Api],
        });
        *state.access.write().unwrap() = Arc::new(access);
    }
    let agent_of = |body: &str| -> String {
        json_of(body)["agents"][0]["agent"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (_, first) = get_as(&state, "/api/v1/tenants/acme", Some("s-acme")).await;
    let (_, again) = get_as(&state, "/api/v1/tenants/acme", Some("s-acme")).await;
    let (_, other) = get_as(&state, "/api/v1/tenants/acme", Some("s-api2")).await;
    let (_, real) = get_as(&state, "/api/v1/tenants/acme", Some("s-all")).await;
    assert_eq!(agent_of(&real), "a1");
    assert!(agent_of(&first).starts_with("agent-"), "{first}");
    assert_eq!(agent_of(&first), agent_of(&again));
    assert_ne!(agent_of(&first), agent_of(&other));
    for body in [&first, &again, &other] {
        assert!(!body.contains("\"a1\""), "{body}");
    }
}

/// A reload that drops a token ends that token's open stream at its next tick.
#[tokio::test]
async fn a_revoked_token_loses_its_open_stream_within_a_tick() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let state = guarded();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let shutdown = state.shutdown.clone();
    let server = tokio::spawn(serve(
        listener,
        router(state.clone()),
        None,
        shutdown.clone(),
    ));
    let mut socket = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = "GET /board/s-tv/api/v1/stream HTTP/1.1\r\nhost: test\r\n\r\n";
    socket.write_all(request.as_bytes()).await.unwrap();
    let mut received = String::new();
    let mut buffer = [0u8; 8192];
    while !received.contains("event: snapshot") {
        let read = tokio::time::timeout(Duration::from_secs(5), socket.read(&mut buffer))
            .await
            .unwrap()
            .unwrap();
        assert!(read > 0, "{received}");
        received.push_str(&String::from_utf8_lossy(&buffer[..read]));
    }
    let revoked = {
        let current = state.access.read().unwrap();
        let mut access = crate::access::Access::clone(&current);
        access.tokens.retain(|token| token.name != "tv");
        access
    };
    *state.access.write().unwrap() = Arc::new(revoked);
    // The chunked body ends ("0\r\n\r\n") once the stream does; without the revocation it never would.
    while !received.ends_with("0\r\n\r\n") {
        let read = tokio::time::timeout(Duration::from_secs(5), socket.read(&mut buffer))
            .await
            .expect("the revoked token's stream ended")
            .unwrap();
        if read == 0 {
            break;
        }
        received.push_str(&String::from_utf8_lossy(&buffer[..read]));
    }
    shutdown.cancel();
    let _ = tokio::time::timeout(Duration::from_secs(3), server).await;
}

/// A metrics token for acme alone scrapes acme's series and none of globex's; without the agents read,
/// no per-agent series.
#[test]
fn a_scoped_scrape_keeps_to_its_tenants_and_to_agents_only_with_the_agents_read() {
    use super::super::metrics::{render_scoped, ExpositionSettings, KpiCollector};
    let state = guarded();
    let collector = KpiCollector::new(Arc::clone(&state.board), ExpositionSettings::default());
    let acme_only =
        |snapshot: &Arc<CenterSnapshot>| (snapshot.tenant == "acme").then(|| Arc::clone(snapshot));
    let without_agents = render_scoped(&collector, &acme_only, false);
    assert!(without_agents
        .contains(r#"callboard_queue_calls_waiting{tenant="acme",queue="billing"} 1"#));
    assert!(!without_agents.contains("globex"), "{without_agents}");
    assert!(
        !without_agents.contains("callboard_agent_state{"),
        "{without_agents}"
    );
    let with_agents = render_scoped(&collector, &acme_only, true);
    assert!(with_agents.contains(r#"agent="a1""#), "{with_agents}");
    assert!(!with_agents.contains("globex"));
}

/// The page names its one inline script and style by hash and loads nothing from elsewhere; the real
/// browser test fails if a hash is wrong (Chromium then runs no script).
#[tokio::test]
async fn the_page_sends_a_strict_content_security_policy() {
    let response = router(state())
        .oneshot(Request::get("/").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    for directive in [
        "default-src 'none'",
        "script-src 'sha256-",
        "style-src 'sha256-",
        "connect-src 'self'",
    ] {
        assert!(policy.contains(directive), "{policy}");
    }
    assert!(!policy.contains("unsafe-inline"));
    assert_eq!(response.headers()["referrer-policy"], "no-referrer");
}

/// Behind tokens, a configured origin's preflight is answered without one (browsers send none), and its
/// read still needs the token.
#[tokio::test]
async fn a_configured_origins_preflight_passes_the_door_and_its_read_still_needs_a_token() {
    let mut state = guarded();
    state.cors_origins = Arc::from(vec!["https://grafana.example.com".to_string()]);
    let send = |method: &str, token: Option<&str>| {
        let mut request = Request::builder()
            .method(method)
            .uri("/api/v1/tenants")
            .header("origin", "https://grafana.example.com")
            .header("access-control-request-method", "GET");
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        router(state.clone()).oneshot(request.body(Body::empty()).unwrap())
    };
    let preflight = send("OPTIONS", None).await.unwrap();
    assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
    let anonymous = send("GET", None).await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let read = send("GET", Some("s-acme")).await.unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    let allowed = read.headers().get("access-control-allow-origin").unwrap();
    assert_eq!(allowed, "https://grafana.example.com");
}

#[path = "scope_tests.rs"]
mod scope;

#[path = "qa_http_tests.rs"]
mod qa;
