//! The deploy files against the service: every metric the Grafana dashboards and the Prometheus rules
//! use is in a running service's `/metrics`; the dashboards are JSON with fixed uids, the provisioned
//! data source, and every variable they use defined. (`deploy/check` runs the tools made for each file.)

mod common;

use common::wait_until_counted;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use callboard::event::EventKind;
use callboard::ingest::produce::EventProducer;
use callboard::ingest::Clock;
use callboard::service;
use callboard::sim::{simulate, SimOptions};
use rdkafka::mocking::MockCluster;

const DASHBOARDS: [(&str, &str); 3] = [
    ("floor.json", "callboard-floor"),
    ("agents.json", "callboard-agents"),
    ("operations.json", "callboard-operations"),
];

fn deploy(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("deploy")
        .join(path)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(deploy(path)).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// Every `callboard_…` name in `text`.
fn metric_names(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("callboard_") {
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        names.insert(tail[..end].to_string());
        rest = &tail[end..];
    }
    names
}

/// Every Grafana variable a text uses: `$name` and `${name}` (Grafana's own `$__…` excepted).
fn variables_used(text: &str) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    for (at, _) in text.match_indices('$') {
        let tail = text[at + 1..].trim_start_matches('{');
        let name: String = tail
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() && !name.starts_with("__") {
            used.insert(name);
        }
    }
    used
}

/// Every string under a key `key` anywhere in `value`.
fn strings_under<'a>(value: &'a serde_json::Value, key: &str, out: &mut Vec<&'a str>) {
    match value {
        serde_json::Value::Object(map) => {
            for (name, inner) in map {
                match inner {
                    serde_json::Value::String(text) if name == key => out.push(text),
                    _ => strings_under(inner, key, out),
                }
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                strings_under(item, key, out);
            }
        }
        _ => {}
    }
}

#[test]
fn dashboards_are_json_with_fixed_uids_and_defined_variables() {
    let datasource = read("grafana/provisioning/datasources/prometheus.yml");
    assert!(datasource.contains("uid: prometheus"), "{datasource}");
    for (file, uid) in DASHBOARDS {
        let text = read(&format!("grafana/dashboards/{file}"));
        let dashboard: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|error| panic!("{file}: {error}"));
        assert_eq!(dashboard["uid"], uid, "{file}");
        assert!(
            dashboard["id"].is_null(),
            "{file}: provisioned dashboards carry no id"
        );
        let defined: BTreeSet<String> = dashboard["templating"]["list"]
            .as_array()
            .unwrap_or_else(|| panic!("{file} has no templating list"))
            .iter()
            .filter_map(|variable| variable["name"].as_str().map(str::to_string))
            .collect();
        let used = variables_used(&text);
        assert!(!used.is_empty(), "{file} uses no variable");
        let undefined: Vec<_> = used.difference(&defined).collect();
        assert!(undefined.is_empty(), "{file} uses undefined {undefined:?}");
        let mut uids = Vec::new();
        strings_under(&dashboard, "uid", &mut uids);
        for datasource_uid in uids.iter().filter(|found| **found != uid) {
            assert!(
                ["prometheus", "${datasource}", "-- Grafana --", "grafana"]
                    .contains(datasource_uid),
                "{file}: data source uid {datasource_uid}"
            );
        }
        let mut queries = Vec::new();
        strings_under(&dashboard, "expr", &mut queries);
        assert!(queries.len() >= 5, "{file}: {} queries", queries.len());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_metric_the_dashboards_and_rules_use_is_exported() {
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic("call-events", 2, 1).unwrap();
    cluster.create_topic("call-events-dead", 1, 1).unwrap();
    cluster.create_topic("call-alerts", 1, 1).unwrap();
    let brokers = cluster.bootstrap_servers();
    let mut producer = EventProducer::new(&brokers, "call-events", &[]).unwrap();
    let options = SimOptions {
        agents: 12,
        queues: 2,
        peak_calls_per_hour: 150.0,
        hours: 11,
        ..SimOptions::default()
    };
    let mut produced = 0u64;
    let (mut last_time, mut handler) = (0, None);
    simulate(&options, |event| {
        producer.send(&event).unwrap();
        produced += 1;
        last_time = event.time;
        if let EventKind::CallCompleted { agent, .. } = &event.kind {
            handler = Some(agent.clone());
        }
    });
    // A quality review of the agent who completed the day's last call (the simulator makes none), at
    // the day's last instant, for the review panel.
    let review = format!(
        r#"{{"type":"qa.scored","time":{last_time},"tenant":"acme","call":"reviewed-1","agent":"{}","evaluator":"eve","score":4,"max_score":5}}"#,
        handler.unwrap()
    );
    producer.send_raw(b"acme", review.as_bytes()).unwrap();
    produced += 1;
    // One undecodable message (counted by the service, not by a tenant), so dead-letter series exist.
    producer.send_raw(b"acme", b"{not json").unwrap();
    producer.flush().unwrap();

    let config = callboard::config::parse(
        &format!(
            "[kafka]\nbrokers = \"{brokers}\"\nworkers = 1\nreplay_by_time = false\ndead_letter_topic = \"call-events-dead\"\n\
             [http]\nlisten = \"127.0.0.1:0\"\n\
             [[quotas]]\nname = \"handled_per_hour\"\ncount = \"handled\"\nper = \"hour\"\ntarget = 6\n\
             [defaults.qa_sampling]\ncalls = 2\n\
             [defaults.labour]\nhourly_cost = 30\nmonthly_budget = 100000\n"
        ),
        "test.toml",
        Vec::new(),
    )
    .unwrap();
    let service = service::start(config, Clock::EventTime).await.unwrap();
    wait_until_counted(&service, produced).await;
    // The rejected message dead-lettered (its delivery report served), lag known, alerts evaluated.
    let scrape = || async {
        reqwest::get(format!("http://{}/metrics", service.address))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let started = Instant::now();
    let mut metrics = scrape().await;
    while ![
        "callboard_dead_letters_total{outcome=\"sent\"} 1",
        "callboard_consumer_lag_messages{",
        "callboard_alerts_firing{",
    ]
    .iter()
    .all(|family| metrics.contains(family))
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{}",
            metrics
                .lines()
                .filter(|l| l.contains("lag") || l.contains("dead"))
                .collect::<Vec<_>>()
                .join("\n")
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
        metrics = scrape().await;
    }
    let exported: BTreeSet<String> = metrics
        .lines()
        .filter_map(|line| line.strip_prefix("# TYPE "))
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_string)
        .collect();
    let series = |name: &str| {
        exported.contains(name)
            || ["_bucket", "_sum", "_count"].iter().any(|suffix| {
                name.strip_suffix(suffix)
                    .is_some_and(|base| exported.contains(base))
            })
    };
    let mut used = metric_names(&read("prometheus/rules.yml"));
    for (file, _) in DASHBOARDS {
        let dashboard: serde_json::Value =
            serde_json::from_str(&read(&format!("grafana/dashboards/{file}"))).unwrap();
        let mut queries = Vec::new();
        strings_under(&dashboard, "expr", &mut queries);
        for query in queries {
            used.extend(metric_names(query));
        }
    }
    assert!(used.len() > 25, "{used:?}");
    let missing: Vec<_> = used.iter().filter(|name| !series(name)).collect();
    assert!(missing.is_empty(), "not in /metrics: {missing:?}");
    // Each also has samples, not just a declared family.
    for name in &used {
        assert!(
            metrics.lines().any(|line| line.starts_with(name.as_str())),
            "no sample of {name}"
        );
    }
    service.stop().await;
}

#[test]
fn the_shipped_configurations_load() {
    let compose = deploy("compose/callboard.toml");
    let config =
        callboard::config::load(&compose, Vec::new()).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        config.alerting.alertmanager_url.as_deref(),
        Some("http://alertmanager:9093")
    );
    // The ConfigMap's callboard.toml: the indented block under `callboard.toml: |`.
    let manifest = read("kubernetes/configmap.yaml");
    let block: String = manifest
        .lines()
        .skip_while(|line| !line.trim_start().starts_with("callboard.toml: |"))
        .skip(1)
        .take_while(|line| line.is_empty() || line.starts_with("    "))
        .map(|line| format!("{}\n", line.strip_prefix("    ").unwrap_or(line)))
        .collect();
    assert!(block.contains("[kafka]"), "{block}");
    callboard::config::parse(&block, "configmap.yaml", Vec::new())
        .unwrap_or_else(|error| panic!("{error}"));
}
