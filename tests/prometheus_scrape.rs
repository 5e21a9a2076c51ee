//! A real Prometheus server (Debian's `prometheus`) scrapes the running service, and a PromQL query of
//! service level returns the value the HTTP API shows.

mod common;

use common::{free_port, http_get, wait_until_counted, Process};

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use callboard::config::Config;
use callboard::ingest::produce::EventProducer;
use callboard::ingest::Clock;
use callboard::service;
use callboard::sim::{simulate, SimOptions};
use rdkafka::mocking::MockCluster;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promql_service_level_equals_the_api() {
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic("call-events", 2, 1).unwrap();
    let brokers = cluster.bootstrap_servers();
    let mut producer = EventProducer::new(&brokers, "call-events", &[]).unwrap();
    let options = SimOptions {
        agents: 20,
        queues: 2,
        peak_calls_per_hour: 200.0,
        hours: 12,
        ..SimOptions::default()
    };
    let mut produced = 0u64;
    simulate(&options, |event| {
        producer.send(&event).unwrap();
        produced += 1;
    });
    producer.flush().unwrap();

    let mut config = Config::default();
    config.kafka.brokers = brokers;
    config.kafka.replay_by_time = false;
    config.kafka.workers = Some(1);
    config.http.listen = "127.0.0.1:0".to_string();
    let service = service::start(config, Clock::EventTime).await.unwrap();
    wait_until_counted(&service, produced).await;

    let dir = std::env::temp_dir().join(format!("callboard-prometheus-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config_file = dir.join("prometheus.yml");
    std::fs::write(
        &config_file,
        format!(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: callboard\n    static_configs:\n      - targets: ['{}']\n",
            service.address
        ),
    )
    .unwrap();
    let web = format!("127.0.0.1:{}", free_port());
    let _prometheus = Process(
        Command::new("prometheus")
            .arg(format!("--config.file={}", config_file.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address={web}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus runs (Debian package `prometheus`; .ci/run installs it)"),
    );
    let query = "/api/v1/query?query=callboard_queue_service_level_ratio%7Btenant%3D%22acme%22%2Cqueue%3D%22billing%22%2Cwindow%3D%22today%22%7D";
    let from_api = async || {
        let body = http_get(
            &service.address.to_string(),
            "/api/v1/tenants/acme/queues/billing",
        )
        .await?;
        let value: serde_json::Value = serde_json::from_str(&body).ok()?;
        let today = value["queue"]["windows"]
            .as_array()?
            .iter()
            .find(|w| w["window"] == "today")?
            .clone();
        today["service_level"].as_f64()
    };
    let expected = from_api()
        .await
        .expect("the API shows today's service level");
    let started = Instant::now();
    let promql = loop {
        if let Some(body) = http_get(&web, query).await {
            let value: serde_json::Value = serde_json::from_str(&body).unwrap();
            if let Some(text) = value["data"]["result"][0]["value"][1].as_str() {
                break text.parse::<f64>().unwrap();
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "prometheus never had the series"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert!(
        (promql - expected).abs() < 1e-12,
        "PromQL {promql} vs API {expected}"
    );
    assert!(
        expected > 0.0 && expected < 1.0,
        "a realistic day is neither perfect nor empty: {expected}"
    );
    service.stop().await;
}
