//! Alerts end to end with the real tools: live traffic built to breach a queue's service-level target
//! flows through Kafka (rdkafka's mock cluster) into the service; callboard's alert arrives in a running
//! Alertmanager (Debian's `prometheus-alertmanager`, read back from its API) and on the `call-alerts`
//! topic, and a Prometheus server (Debian's `prometheus`) evaluating `deploy/prometheus/rules.yml`
//! against the scraped service fires the same condition.

mod common;

use common::{free_port, http_get, wall_clock_ms, Process};

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use callboard::event::{Event, EventKind, Id};
use callboard::ingest::produce::EventProducer;
use callboard::ingest::Clock;
use callboard::service;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::mocking::MockCluster;
use rdkafka::{ClientConfig, Message};

const TENANT: &str = "e2e";

fn spawn(program: &str, args: &[String], hint: &str) -> Process {
    Process(
        Command::new(program)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("{program} runs ({hint}): {error}")),
    )
}

/// For 40 seconds, one call a second queues in `billing`; from the 25th second on, the call queued 25
/// seconds earlier abandons (past the 20 s threshold, not a short abandon). Nothing is answered, so
/// the service level is 0 / abandoned = 0 under the default formula: far below the 80 % target.
fn produce_a_bad_floor(brokers: String) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut producer = EventProducer::new(&brokers, "call-events", &[]).unwrap();
        let call = |index: u32| Id::from(format!("c{index}").as_str());
        let queue = Id::from("billing");
        for second in 0..40u32 {
            let now = wall_clock_ms();
            let mut send = |kind: EventKind| {
                let event = Event {
                    time: now,
                    tenant: Id::from(TENANT),
                    id: None,
                    kind,
                };
                producer.send(&event).unwrap();
            };
            send(EventKind::CallQueued {
                caller: None,
                call: call(second),
                queue: queue.clone(),
                priority: None,
                direction: Default::default(),
            });
            if second >= 25 {
                send(EventKind::CallAbandoned {
                    call: call(second - 25),
                    queue: queue.clone(),
                });
            }
            producer.flush().unwrap();
            std::thread::sleep(Duration::from_secs(1));
        }
    })
}

fn scratch() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("callboard-alerting-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn start_alertmanager(dir: &Path) -> (Process, String) {
    let config = dir.join("alertmanager.yml");
    std::fs::write(
        &config,
        "route:\n  receiver: nobody\n  group_wait: 1s\nreceivers:\n  - name: nobody\n",
    )
    .unwrap();
    let web = format!("127.0.0.1:{}", free_port());
    let process = spawn(
        "prometheus-alertmanager",
        &[
            format!("--config.file={}", config.display()),
            format!("--storage.path={}", dir.join("alertmanager").display()),
            format!("--web.listen-address={web}"),
            "--cluster.listen-address=".to_string(),
        ],
        "Debian package prometheus-alertmanager; .ci/run installs it",
    );
    (process, web)
}

/// Prometheus scraping `target` every second and evaluating the shipped rules — their expressions
/// unchanged, their `for` shortened to 5 s so the test does not wait minutes (`promtool test rules`
/// covers the real durations).
fn start_prometheus(dir: &Path, target: &str) -> (Process, String) {
    let shipped = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/prometheus/rules.yml"),
    )
    .unwrap();
    let rules: String = shipped
        .lines()
        .map(|line| match line.trim_start().strip_prefix("for: ") {
            Some(_) => format!("{}for: 5s\n", &line[..line.len() - line.trim_start().len()]),
            None => format!("{line}\n"),
        })
        .collect();
    std::fs::write(dir.join("rules.yml"), rules).unwrap();
    let config = dir.join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - rules.yml\n\
             scrape_configs:\n  - job_name: callboard\n    static_configs:\n      - targets: ['{target}']\n"
        ),
    )
    .unwrap();
    let web = format!("127.0.0.1:{}", free_port());
    let process = spawn(
        "prometheus",
        &[
            format!("--config.file={}", config.display()),
            format!("--storage.tsdb.path={}", dir.join("prometheus").display()),
            format!("--web.listen-address={web}"),
        ],
        "Debian package prometheus; .ci/run installs it",
    );
    (process, web)
}

/// The first alert named `name` in a JSON list at `path` of `address` (Alertmanager's or Prometheus').
async fn find_alert(
    address: &str,
    path: &str,
    list: impl Fn(&serde_json::Value) -> Option<&Vec<serde_json::Value>>,
    name: &str,
) -> Option<serde_json::Value> {
    let body = http_get(address, path).await?;
    let value: serde_json::Value = serde_json::from_str(&body).ok()?;
    list(&value)?
        .iter()
        .find(|alert| alert["labels"]["alertname"] == name)
        .cloned()
}

/// Every message on `call-alerts` so far, as (key, JSON).
fn call_alerts(brokers: &str) -> Vec<(String, serde_json::Value)> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", format!("reader-{}", wall_clock_ms()))
        .set("auto.offset.reset", "earliest")
        .create()
        .unwrap();
    consumer.subscribe(&["call-alerts"]).unwrap();
    let mut messages = Vec::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(5) {
        if let Some(Ok(message)) = consumer.poll(Duration::from_millis(200)) {
            let key = String::from_utf8_lossy(message.key().unwrap_or_default()).to_string();
            let value = serde_json::from_slice(message.payload().unwrap_or_default()).unwrap();
            messages.push((key, value));
        }
    }
    messages
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_breached_target_alerts_through_alertmanager_kafka_and_prometheus() {
    let dir = scratch();
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic("call-events", 2, 1).unwrap();
    cluster.create_topic("call-alerts", 1, 1).unwrap();
    let brokers = cluster.bootstrap_servers();
    let (_alertmanager, alertmanager) = start_alertmanager(&dir);

    let config = callboard::config::parse(
        &format!(
            "[kafka]\nbrokers = \"{brokers}\"\nworkers = 1\nreplay_by_time = false\n\
             [http]\nlisten = \"127.0.0.1:0\"\n\
             [alerting]\nalertmanager_url = \"http://{alertmanager}\"\nkafka_topic = \"call-alerts\"\nresend_interval = \"30s\"\n\
             [[alerts]]\nname = \"CallboardServiceLevelBelowTarget\"\nfigure = \"queue.service_level\"\nwindow = \"15m\"\n\
             below = 1.0\nclear = 1.025\nrelative_to = \"target\"\nfor = \"5s\"\nseverity = \"critical\"\n\
             summary = \"Service level of {{tenant}}/{{queue}} is {{value}}, below {{threshold}}\"\n"
        ),
        "test.toml",
        Vec::new(),
    )
    .unwrap();
    let service = service::start(config, Clock::Wall).await.unwrap();
    let address = service.address.to_string();
    let (_prometheus, prometheus) = start_prometheus(&dir, &address);
    let producer = produce_a_bad_floor(brokers.clone());

    let name = "CallboardServiceLevelBelowTarget";
    let started = Instant::now();
    let (mut in_alertmanager, mut in_prometheus) = (None, None);
    while in_alertmanager.is_none() || in_prometheus.is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no alert: Alertmanager {in_alertmanager:?}, Prometheus {in_prometheus:?}, callboard {:?}",
            http_get(&address, "/api/v1/alerts").await
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
        if in_alertmanager.is_none() {
            in_alertmanager =
                find_alert(&alertmanager, "/api/v2/alerts", |v| v.as_array(), name).await;
        }
        if in_prometheus.is_none() {
            in_prometheus = find_alert(
                &prometheus,
                "/api/v1/alerts",
                |v| v["data"]["alerts"].as_array(),
                name,
            )
            .await
            .filter(|alert| alert["state"] == "firing");
        }
    }
    producer.join().unwrap();
    let from_alertmanager = in_alertmanager.unwrap();
    let from_prometheus = in_prometheus.unwrap();

    // The same condition for the same queue in both.
    for alert in [&from_alertmanager, &from_prometheus] {
        assert_eq!(alert["labels"]["tenant"], TENANT, "{alert}");
        assert_eq!(alert["labels"]["queue"], "billing", "{alert}");
        assert_eq!(alert["labels"]["severity"], "critical", "{alert}");
    }
    // Prometheus' value: answered within the threshold (0) over answered + abandoned − short (> 0).
    assert_eq!(
        from_prometheus["value"].as_str().map(str::parse::<f64>),
        Some(Ok(0.0))
    );
    assert_eq!(
        from_alertmanager["generatorURL"],
        format!("http://{address}/api/v1/tenants/{TENANT}/queues/billing")
    );
    assert_eq!(
        from_alertmanager["annotations"]["summary"],
        "Service level of e2e/billing is 0, below 0.8"
    );
    assert_eq!(from_alertmanager["status"]["state"], "active");

    // callboard shows it firing, and the topic carries it keyed by its fingerprint.
    let listed: serde_json::Value =
        serde_json::from_str(&http_get(&address, "/api/v1/alerts").await.unwrap()).unwrap();
    let ours = listed["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|alert| alert["rule"] == name)
        .expect("listed in /api/v1/alerts")
        .clone();
    let metrics = http_get(&address, "/metrics").await.unwrap();
    assert!(
        metrics.contains(&format!(
            "callboard_alerts_firing{{rule=\"{name}\",severity=\"critical\"}} 1"
        )),
        "{metrics}"
    );
    let messages = call_alerts(&brokers);
    let firing: Vec<_> = messages
        .iter()
        .filter(|(_, message)| message["rule"] == name)
        .collect();
    assert_eq!(firing.len(), 1, "announced once: {messages:?}");
    let (key, message) = firing[0];
    assert_eq!(key, ours["fingerprint"].as_str().unwrap());
    assert_eq!(message["fingerprint"], ours["fingerprint"]);
    assert_eq!(message["status"], "firing");
    assert_eq!(message["labels"], from_alertmanager["labels"]);
    assert_eq!(message["value"], 0.0);
    assert_eq!(message["threshold"], 0.8);
    service.stop().await;
}
