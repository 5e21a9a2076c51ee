//! Tokens narrowed to queues and to agent teams, on every route that reads a tenant.

use std::collections::BTreeMap;

use super::*;
use crate::access::{digest, Access, Read, Token};
use crate::alert::engine::Alert;
use crate::alert::rule::Glob;
use crate::export::door::Scope;
use crate::export::metrics::{render_scoped, ExpositionSettings, KpiCollector};

/// acme at 09:01: billing answered c1 (by a1, team north); sales lost c2 and has c3 waiting; a2 (team
/// south) and a3 (no team) are logged in. Alerts: one per queue, one of a2, and callboard's own.
/// Tokens: "s-billing" sees the queues bill* (API, alerts, board, metrics; no agents read), "s-north"
/// the team north (API, agents, alerts).
fn floor() -> HttpState {
    let state = state();
    let event = |second: i64, kind| Event {
        time: at("2026-11-23T09:00:00Z") + second * 1_000,
        tenant: Id::from("acme"),
        id: None,
        kind,
    };
    let queued = |call: &str, queue: &str| EventKind::CallQueued {
        caller: None,
        call: call.into(),
        queue: queue.into(),
        priority: None,
        direction: Default::default(),
    };
    let login = |agent: &str, team: Option<&str>| EventKind::AgentLogin {
        agent: agent.into(),
        queues: None,
        team: team.map(Id::from),
    };
    let mut center = Center::new(Id::from("acme"), CenterSettings::default());
    let mut rejections = Vec::new();
    for item in [
        event(0, login("a1", Some("north"))),
        event(0, login("a2", Some("south"))),
        event(0, login("a3", None)),
        event(1, queued("c1", "billing")),
        event(
            11,
            EventKind::CallAnswered {
                call: "c1".into(),
                queue: "billing".into(),
                agent: "a1".into(),
            },
        ),
        event(20, queued("c2", "sales")),
        event(
            35,
            EventKind::CallAbandoned {
                call: "c2".into(),
                queue: "sales".into(),
            },
        ),
        event(40, queued("c3", "sales")),
    ] {
        center.ingest(item, 0, &mut rejections);
    }
    center.flush(&mut rejections);
    assert!(rejections.is_empty(), "{rejections:?}");
    state
        .board
        .publish(center.snapshot(at("2026-11-23T09:01:00Z")));
    state
        .board
        .publish_intervals(&Id::from("acme"), report::queue_table([&center]));
    let alert = |name: &str, labels: &[(&str, &str)]| {
        let mut labels: BTreeMap<String, String> = (labels.iter())
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        labels.insert("alertname".into(), name.into());
        Alert {
            fingerprint: name.into(),
            rule: name.into(),
            severity: "warning".into(),
            labels,
            annotations: BTreeMap::new(),
            value: Some(1.0),
            threshold: 0.0,
            active_since_ms: 0,
            starts_at_ms: 0,
        }
    };
    state.board.publish_alerts(vec![
        alert("BillingSlow", &[("tenant", "acme"), ("queue", "billing")]),
        alert("SalesSlow", &[("tenant", "acme"), ("queue", "sales")]),
        alert(
            "SouthAgentBehind",
            &[("tenant", "acme"), ("agent", "a2"), ("team", "south")],
        ),
        alert("CallboardKafkaDown", &[]),
    ]);
    let token = |name: &str, queues: &[&str], teams: &[&str], reads: &[Read]| Token {
        name: name.into(),
        sha256: digest(&format!("s-{name}")),
        tenants: vec![Glob("acme".into())],
        queues: queues.iter().map(|glob| Glob(glob.to_string())).collect(),
        teams: teams.iter().map(|glob| Glob(glob.to_string())).collect(),
        reads: reads.to_vec(),
    };
    use Read::*;
    *state.access.write().unwrap() = Arc::new(Access {
        open: false,
        tokens: vec![
            token(
                "billing",
                &["bill*"],
                &[],
                &[Api, Alerts, Wallboard, Metrics],
            ),
            token("north", &[], &["north"], &[Api, Agents, Alerts]),
        ],
    });
    state
}

fn names(list: &serde_json::Value, field: &str) -> Vec<String> {
    (list.as_array().unwrap().iter())
        .map(|item| item[field].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_queue_token_reads_its_queues_and_nothing_of_the_others() {
    let state = floor();
    let secret = Some("s-billing");
    let (status, body) = get_as(&state, "/api/v1/tenants/acme", secret).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let tenant = json_of(&body);
    assert_eq!(names(&tenant["queues"], "queue"), ["billing"]);
    assert!(
        !body.contains("sales") && !body.contains("\"a1\""),
        "{body}"
    );
    assert_eq!(tenant["agents"].as_array().unwrap().len(), 3);

    let (status, body) = get_as(&state, "/api/v1/tenants/acme/queues/sales", secret).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = get_as(&state, "/api/v1/tenants/acme/queues/billing", secret).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(json_of(&body)["queue"]["totals"]["answered"], 1);
    let (_, body) = get_as(&state, "/api/v1/tenants/acme/queues", secret).await;
    assert_eq!(names(&json_of(&body)["queues"], "queue"), ["billing"]);

    // The list counts what the token sees: billing has nobody waiting, sales has c3.
    let (_, body) = get_as(&state, "/api/v1/tenants", secret).await;
    let listed = &json_of(&body)["tenants"][0];
    assert_eq!(
        (listed["queues"].clone(), listed["calls_waiting"].clone()),
        (1.into(), 0.into())
    );

    let (_, body) = get_as(&state, "/api/v1/alerts", secret).await;
    let alerts = json_of(&body)["alerts"].clone();
    assert_eq!(names(&alerts, "rule"), ["BillingSlow", "SouthAgentBehind"]);
    assert!(!body.contains("\"a2\""), "{body}");

    let (_, body) = get_as(&state, "/api/v1/tenants/acme/intervals?format=csv", secret).await;
    let rows: Vec<&str> = body.lines().skip(1).collect();
    assert!(
        !rows.is_empty() && rows.iter().all(|row| row.starts_with("acme,billing,")),
        "{body}"
    );

    let tick = first_tick_as(
        state.clone(),
        "/api/v1/stream",
        "authorization: Bearer s-billing\r\n",
    )
    .await;
    assert_eq!(names(&tick["tenants"][0]["queues"], "queue"), ["billing"]);

    // /metrics as the service renders it for this token's scope.
    let access = crate::export::door::current(&state.access);
    let scope = Scope(Some(Arc::new(access.token("s-billing").unwrap().clone())));
    let collector = KpiCollector::new(Arc::clone(&state.board), ExpositionSettings::default());
    let scraped = render_scoped(&collector, &|snapshot| Some(scope.narrow(snapshot)), false);
    assert!(
        scraped.contains(r#"callboard_queue_calls_waiting{tenant="acme",queue="billing"} 0"#),
        "{scraped}"
    );
    assert!(!scraped.contains(r#"queue="sales""#), "{scraped}");
}

#[tokio::test]
async fn a_team_token_reads_its_teams_agents_and_is_refused_the_others() {
    let state = floor();
    let secret = Some("s-north");
    let (_, body) = get_as(&state, "/api/v1/tenants/acme/agents", secret).await;
    assert_eq!(names(&json_of(&body)["agents"], "agent"), ["a1"]);
    let (status, _) = get_as(&state, "/api/v1/tenants/acme/agents/a1", secret).await;
    assert_eq!(status, StatusCode::OK);
    for outside in ["a2", "a3"] {
        let uri = format!("/api/v1/tenants/acme/agents/{outside}");
        let (status, body) = get_as(&state, &uri, secret).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{outside}: {body}");
    }
    let (_, body) = get_as(&state, "/api/v1/tenants/acme", secret).await;
    let tenant = json_of(&body);
    assert_eq!(names(&tenant["queues"], "queue"), ["billing", "sales"]);
    assert_eq!(names(&tenant["agents"], "agent"), ["a1"]);
    assert!(tenant["campaigns"].as_array().unwrap().is_empty());
    assert!(
        names(&tenant["teams"], "name")
            .iter()
            .all(|team| team == "north"),
        "{body}"
    );

    let (_, body) = get_as(&state, "/api/v1/alerts", secret).await;
    assert_eq!(
        names(&json_of(&body)["alerts"], "rule"),
        ["BillingSlow", "SalesSlow"]
    );
}
