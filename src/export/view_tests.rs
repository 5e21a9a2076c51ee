use super::*;
use crate::event::Id;

fn queue(name: &str) -> QueueSnapshot {
    QueueSnapshot {
        queue: Id::from(name),
        ..QueueSnapshot::default()
    }
}

fn agent(name: &str, team: Option<&str>, skills: &[&str]) -> AgentSnapshot {
    AgentSnapshot {
        agent: Id::from(name),
        team: team.map(Id::from),
        skills: skills.iter().map(|skill| Id::from(*skill)).collect(),
        state: "available",
        ..AgentSnapshot::default()
    }
}

/// sales, billing, billing-vip; ana (north: sales), ben (north: billing), cleo (south: billing-vip,
/// sales), dan (no team: billing), eve (south, skills unknown).
fn floor() -> CenterSnapshot {
    CenterSnapshot {
        tenant: Id::from("acme"),
        queues: vec![queue("sales"), queue("billing"), queue("billing-vip")],
        agents: vec![
            agent("ana", Some("north"), &["sales"]),
            agent("ben", Some("north"), &["billing"]),
            agent("cleo", Some("south"), &["billing-vip", "sales"]),
            agent("dan", None, &["billing"]),
            agent("eve", Some("south"), &[]),
        ],
        ..CenterSnapshot::default()
    }
}

fn view(query: &str) -> View {
    let query: ViewQuery = serde_urlencoded::from_str(query).unwrap();
    View::parse(&query).unwrap()
}

fn shown(view: &View, snapshot: &CenterSnapshot) -> (Vec<String>, Vec<String>) {
    let cut = view.cut(snapshot);
    (
        cut.queues
            .iter()
            .map(|queue| queue.queue.to_string())
            .collect(),
        cut.agents
            .iter()
            .map(|agent| agent.agent.to_string())
            .collect(),
    )
}

#[test]
fn no_parameters_show_everything() {
    let floor = floor();
    let (queues, agents) = shown(&view(""), &floor);
    assert_eq!(queues, ["sales", "billing", "billing-vip"]);
    assert_eq!(agents, ["ana", "ben", "cleo", "dan", "eve"]);
}

#[test]
fn queues_by_name_or_glob_show_their_agents_only() {
    let floor = floor();
    // billing* is billing and billing-vip: ben and dan serve billing, cleo billing-vip; eve's skills
    // are unknown, so no queue board shows her.
    let (queues, agents) = shown(&view("tenant=acme&queues=billing*"), &floor);
    assert_eq!(queues, ["billing", "billing-vip"]);
    assert_eq!(agents, ["ben", "cleo", "dan"]);
    let (queues, agents) = shown(&view("queues=sales,%20billing"), &floor);
    assert_eq!(queues, ["sales", "billing"]);
    assert_eq!(agents, ["ana", "ben", "cleo", "dan"]);
}

#[test]
fn a_team_shows_its_agents_and_agents_0_shows_none() {
    let floor = floor();
    let (queues, agents) = shown(&view("team=south"), &floor);
    assert_eq!(queues.len(), 3, "a team view keeps the queues");
    assert_eq!(agents, ["cleo", "eve"]);
    let (_, agents) = shown(&view("team=north&queues=sales"), &floor);
    assert_eq!(agents, ["ana"]);
    let (queues, agents) = shown(&view("queues=sales&agents=0"), &floor);
    assert_eq!((queues, agents.len()), (vec!["sales".to_string()], 0));
}

#[test]
fn a_view_names_its_tenant_and_refuses_a_bad_agents_value() {
    let acme = view("tenant=acme");
    assert!(acme.shows_tenant("acme") && !acme.shows_tenant("globex"));
    assert!(view("").shows_tenant("globex"));
    let query: ViewQuery = serde_urlencoded::from_str("agents=maybe").unwrap();
    let refused = View::parse(&query).unwrap_err();
    assert!(refused.contains("agents=maybe"), "{refused}");
}

/// A rolling window of a queue with `offered` calls and, where given, a service level.
fn window(name: &str, offered: u64, service_level: Option<f64>) -> QueueWindow {
    QueueWindow {
        window: name.to_string(),
        counts: crate::kpi::QueueCounts {
            offered,
            ..Default::default()
        },
        service_level,
        ..QueueWindow::default()
    }
}

#[test]
fn the_cut_shows_queues_and_logged_in_agents_as_board_rows() {
    let mut floor = floor();
    floor.now = "2026-11-23T09:05:00Z".to_string();
    let sales = &mut floor.queues[0];
    sales.threshold_seconds = 20.0;
    sales.service_level_target = 0.8;
    sales.calls_waiting = 2;
    sales.longest_waiting_seconds = Some(31.5);
    sales.callbacks = 1;
    sales.required_agents = Some(4);
    sales.agents.available = 3;
    sales.agents.staffed = 5;
    sales.levels.calls_waiting = Level::Warning;
    sales.windows = vec![
        window("5m", 3, None),
        window("15m", 10, Some(0.9)),
        window("1h", 40, Some(0.85)),
        window("today", 120, Some(0.75)),
    ];
    floor.agents[0].state = "not_ready";
    floor.agents[0].reason = Some(Id::from("lunch"));
    floor.agents[0].state_seconds = Some(600.0);
    floor.agents[0].windows = vec![crate::center::snapshot::AgentWindow {
        window: "today".to_string(),
        handled: 12,
        rings_unanswered: 1,
        occupancy: Some(0.75),
        ..Default::default()
    }];
    floor.agents[2].state = "logged_out";
    let cut = serde_json::to_value(view("queues=sales").cut(&floor)).unwrap();
    // The board's window (15m) and today; what is absent is left out; the tenant is not stale.
    assert_eq!(
        cut,
        serde_json::json!({
            "tenant": "acme", "now": "2026-11-23T09:05:00Z",
            "queues": [{
                "queue": "sales", "threshold_seconds": 20.0, "service_level_target": 0.8,
                "windows": [
                    {"window": "15m", "counts": {"offered": 10}, "service_level": 0.9},
                    {"window": "today", "counts": {"offered": 120}, "service_level": 0.75},
                ],
                "calls_waiting": 2, "longest_waiting_seconds": 31.5,
                "agents": {"available": 3, "ringing": 0, "on_call": 0, "wrap_up": 0, "not_ready": 0,
                           "staffed": 5},
                "levels": {"service_level": "normal", "longest_wait": "normal",
                           "calls_waiting": "warning", "abandon_rate": "normal"},
                "callbacks": 1, "required_agents": 4,
            }],
            // ana, as set above; cleo, logged out, is not on the board.
            "agents": [{
                "agent": "ana", "team": "north", "state": "not_ready", "reason": "lunch",
                "state_seconds": 600.0, "state_level": "normal", "handled": 12,
                "rings_unanswered": 1, "occupancy": 0.75,
            }],
        })
    );
    // Without a 15-minute window, the first rolling one is the board's.
    floor.queues[0].windows.remove(1);
    let cut = serde_json::to_value(view("queues=sales").cut(&floor)).unwrap();
    let windows: Vec<_> = (cut["queues"][0]["windows"].as_array().unwrap().iter())
        .map(|window| window["window"].as_str().unwrap())
        .collect();
    assert_eq!(windows, ["5m", "today"]);
}

#[test]
fn a_board_shows_the_alerts_of_its_tenant_queues_and_agents() {
    let floor = floor();
    let labels = |pairs: &[(&str, &str)]| -> std::collections::BTreeMap<String, String> {
        (pairs.iter())
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    };
    let sales_queue = labels(&[("tenant", "acme"), ("queue", "sales")]);
    let billing_queue = labels(&[("tenant", "acme"), ("queue", "billing")]);
    let silent_feed = labels(&[("tenant", "acme")]);
    let lagging = labels(&[("alertname", "CallboardLagging")]);
    let ana = labels(&[("tenant", "acme"), ("agent", "ana"), ("team", "north")]);
    let ben = labels(&[("tenant", "acme"), ("agent", "ben"), ("team", "north")]);
    let globex = labels(&[("tenant", "globex"), ("queue", "sales")]);
    let shown = |query: &str| -> Vec<bool> {
        let view = view(query);
        [
            &sales_queue,
            &billing_queue,
            &silent_feed,
            &lagging,
            &ana,
            &ben,
            &globex,
        ]
        .map(|labels| view.shows_alert(labels, Some(&floor)))
        .to_vec()
    };
    // A sales board: sales, the tenant's own, the service's, ana (serves sales); not billing, not
    // ben (billing only), not another tenant.
    assert_eq!(
        shown("tenant=acme&queues=sales"),
        [true, false, true, true, true, false, false]
    );
    // Queues only: no agent alerts.
    assert_eq!(
        shown("tenant=acme&queues=sales&agents=0"),
        [true, false, true, true, false, false, false]
    );
    // Team south: neither ana nor ben; every queue.
    assert_eq!(
        shown("tenant=acme&team=south"),
        [true, true, true, true, false, false, false]
    );
    // No view: everything.
    assert_eq!(shown(""), [true; 7]);
}
