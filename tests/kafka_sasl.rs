//! A managed Kafka's login against a real broker: tansu requiring SASL/SCRAM-SHA-512, with a user made by
//! `tansu user create`. `callboard run` given the mechanism and user in `[kafka.properties]` and the
//! password in a file (`[kafka.property_files]`, as a Kubernetes Secret mounts it) counts every event;
//! its log never holds the password. The same with a wrong password counts nothing, stays unready, and
//! says the login failed.

mod common;

use common::{free_port, http_get, wall_clock_ms, Process};

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use callboard::ingest::produce::EventProducer;
use rdkafka::producer::{BaseProducer, Producer};
use rdkafka::ClientConfig;
use serde_json::{json, Value};

const TOPIC: &str = "calls";
const TENANT: &str = "managed";
const USER: &str = "floor-app";
const PASSWORD: &str = "scram-pa55-7f3a9c";

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("callboard-sasl-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn wait_for(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// tansu on `port` with sqlite storage in `dir`, requiring SASL when `authentication`.
fn tansu(dir: &Path, port: u16, authentication: bool) -> Process {
    let mut args = vec![
        "broker".to_string(),
        "--storage-engine".into(),
        "sqlite://broker.db".into(),
        "--listener-url".into(),
        format!("tcp://127.0.0.1:{port}"),
        "--advertised-listener-url".into(),
        format!("tcp://127.0.0.1:{port}"),
    ];
    if authentication {
        args.push("--authentication".into());
    }
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("tansu.log"))
        .unwrap();
    let process = Process(
        Command::new("tansu")
            .args(&args)
            .current_dir(dir)
            .env_remove("CLUSTER_ID")
            .env_remove("LISTENER_URL")
            .env_remove("ADVERTISED_LISTENER_URL")
            .env_remove("STORAGE_ENGINE")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("tansu runs (cargo install tansu --version 0.6.0 --locked --features libsql,dynostore; .ci/run does)"),
    );
    wait_for("tansu to listen", Duration::from_secs(20), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    process
}

/// `tansu` run as a client of the broker on `port`.
fn tansu_client(dir: &Path, args: &[&str]) {
    let output = Command::new("tansu")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "tansu {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn sasl_properties(password: &str) -> Vec<(String, String)> {
    [
        ("security.protocol", "SASL_PLAINTEXT"),
        ("sasl.mechanism", "SCRAM-SHA-512"),
        ("sasl.username", USER),
        ("sasl.password", password),
    ]
    .iter()
    .map(|(name, value)| (name.to_string(), value.to_string()))
    .collect()
}

/// callboard's configuration: SCRAM with the password read from `password_file`.
fn write_config(path: &Path, brokers: &str, port: u16, password_file: &Path) {
    std::fs::write(
        path,
        format!(
            "[engine]\nsnapshot_interval = \"250ms\"\n\
             [kafka]\nbrokers = \"{brokers}\"\ntopic = \"{TOPIC}\"\ngroup_id = \"sasl-{port}\"\n\
             workers = 1\nreplay_by_time = false\n\
             [kafka.properties]\n\"security.protocol\" = \"SASL_PLAINTEXT\"\n\
             \"sasl.mechanism\" = \"SCRAM-SHA-512\"\n\"sasl.username\" = \"{USER}\"\n\
             [kafka.property_files]\n\"sasl.password\" = \"{}\"\n\
             [http]\nlisten = \"127.0.0.1:{port}\"\n\
             [alerting]\nkafka_topic = \"\"\n\
             [tenants.{TENANT}]\ntime_zone = \"UTC\"\n",
            password_file.display()
        ),
    )
    .unwrap();
}

fn run(config: &Path, log: &Path) -> Process {
    Process(
        Command::new(env!("CARGO_BIN_EXE_callboard"))
            .args(["run", "--config", config.to_str().unwrap()])
            .env("RUST_LOG", "info,librdkafka=debug")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log).unwrap())
            .spawn()
            .unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn scram_credentials_from_a_file_log_in_to_a_broker_that_requires_them() {
    let dir = scratch();
    let port = free_port();
    let brokers = format!("127.0.0.1:{port}");
    let broker_url = format!("tcp://{brokers}");
    // The user and the topic are made while the broker is open, then it restarts requiring a login.
    let open = tansu(&dir, port, false);
    tansu_client(
        &dir,
        &[
            "user",
            "create",
            "--broker",
            &broker_url,
            "--mechanism",
            "scram512",
            USER,
            PASSWORD,
        ],
    );
    tansu_client(
        &dir,
        &[
            "topic",
            "create",
            "--broker",
            &broker_url,
            "--partitions",
            "1",
            TOPIC,
        ],
    );
    drop(open);
    let _broker = tansu(&dir, port, true);

    // Without credentials the broker answers nothing.
    let anonymous: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", &brokers)
        .create()
        .unwrap();
    assert!(anonymous
        .client()
        .fetch_metadata(Some(TOPIC), Duration::from_secs(5))
        .is_err());

    // Six events of one morning, produced with the credentials.
    let b = wall_clock_ms() - 120_000;
    let t = |seconds: i64| b + seconds * 1_000;
    let events = [
        json!({"type": "agent.login", "time": t(0), "agent": "a1", "queues": ["billing"], "id": "s0"}),
        json!({"type": "agent.state", "time": t(0), "agent": "a1", "state": "available", "id": "s1"}),
        json!({"type": "call.queued", "time": t(10), "call": "c1", "queue": "billing", "id": "s2"}),
        json!({"type": "call.answered", "time": t(25), "call": "c1", "queue": "billing", "agent": "a1", "id": "s3"}),
        json!({"type": "call.ended", "time": t(85), "call": "c1", "agent": "a1", "id": "s4"}),
        json!({"type": "call.completed", "time": t(90), "call": "c1", "agent": "a1", "id": "s5"}),
    ];
    let mut producer = EventProducer::new(&brokers, TOPIC, &sasl_properties(PASSWORD)).unwrap();
    for event in &events {
        let mut event = event.clone();
        event["tenant"] = json!(TENANT);
        producer
            .send_raw(TENANT.as_bytes(), event.to_string().as_bytes())
            .unwrap();
    }
    producer.flush().unwrap();

    // callboard with the password in a file counts all six.
    let secret = dir.join("kafka-password");
    std::fs::write(&secret, format!("{PASSWORD}\n")).unwrap();
    let http_port = free_port();
    let config = dir.join("callboard.toml");
    write_config(&config, &brokers, http_port, &secret);
    let log = dir.join("callboard.log");
    let service = run(&config, &log);
    let http = format!("127.0.0.1:{http_port}");
    let started = Instant::now();
    let snapshot = loop {
        let body = http_get(&http, &format!("/api/v1/tenants/{TENANT}")).await;
        let snapshot: Option<Value> = body.and_then(|body| serde_json::from_str(&body).ok());
        if let Some(snapshot) = snapshot.filter(|s| s["events"]["applied"] == 6) {
            break snapshot;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "callboard did not count the six events:\n{}",
            std::fs::read_to_string(&log).unwrap()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_eq!(snapshot["events"]["rejected"], 0);
    let billing = &snapshot["queues"][0];
    assert_eq!(billing["queue"], "billing");
    assert_eq!(billing["totals"]["answered"], 1);
    drop(service);
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(!logged.contains(PASSWORD), "the password is in the log");

    // A wrong password: nothing counted, never ready, and the log says the login failed.
    std::fs::write(&secret, "not-the-password\n").unwrap();
    let wrong_port = free_port();
    let wrong_config = dir.join("wrong.toml");
    write_config(&wrong_config, &brokers, wrong_port, &secret);
    let wrong_log = dir.join("wrong.log");
    let _wrong = run(&wrong_config, &wrong_log);
    wait_for(
        "the failed login in the log",
        Duration::from_secs(30),
        || {
            std::fs::read_to_string(&wrong_log)
                .unwrap()
                .contains("SASL SCRAM authentication failed")
        },
    );
    let wrong_http = format!("127.0.0.1:{wrong_port}");
    assert_eq!(http_get(&wrong_http, "/readyz").await, None);
    assert_eq!(
        http_get(&wrong_http, &format!("/api/v1/tenants/{TENANT}")).await,
        None
    );
}
