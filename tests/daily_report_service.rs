//! The daily report from the running service against real processes: events of yesterday in a tansu
//! broker, the service (in-process, wall clock) with a daily report due, aiosmtpd with STARTTLS and a
//! login, a JSON webhook. The service mails the day once — its queue CSV equal to `callboard report`
//! over the same events restricted to yesterday — and posts it once; a service started again on the
//! same topics (the sent day read back from the intervals topic) sends nothing more.
//! Needs `python3 -m aiosmtpd` and `tansu` (`.ci/run` installs both).

mod common;
#[path = "delivery/support.rs"]
mod support;

use support::*;

use std::time::{Duration, Instant};

use callboard::ingest::produce::EventProducer;
use callboard::ingest::Clock;
use callboard::service;
use chrono::{Days, Utc};

/// Waits up to `timeout` for `done`, checking every half second.
async fn wait_for(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < timeout, "{what} within {timeout:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_service_mails_yesterday_once_and_a_restarted_service_sends_nothing_more() {
    let dir = scratch("daily-service");
    let (_smtp, smtp_port, mailbox) = start_tls_smtp(&dir);
    let tansu = Broker::start(&dir);
    let brokers = tansu.address.clone();
    create_topic(&brokers, "call-events", 2).await;
    create_topic(&brokers, "call-intervals", 1).await;
    let (hooks, posts) = start_webhooks().await;

    // Yesterday evening (UTC), 20:00 to 23:00: within the replay window whenever the test runs.
    let yesterday = Utc::now()
        .date_naive()
        .checked_sub_days(Days::new(1))
        .unwrap();
    let start = yesterday.and_hms_opt(20, 0, 0).unwrap().and_utc();
    let events_file = dir.join("events.jsonl");
    let events = write_events(&events_file, &[("acme", 41)], start, 3);
    let properties = vec![("broker.address.family".to_string(), "v4".to_string())];
    let mut producer = EventProducer::new(&brokers, "call-events", &properties).unwrap();
    for event in &events {
        producer.send(event).unwrap();
    }
    producer.flush().unwrap();

    let config_text = format!(
        r#"
[kafka]
brokers = "{brokers}"
topic = "call-events"
group_id = "daily"
workers = 1
max_replay = "48h"
[kafka.properties]
"broker.address.family" = "v4"
"session.timeout.ms" = "6000"
[http]
listen = "127.0.0.1:0"
[alerting]
kafka_topic = ""
[delivery.smtp]
host = "localhost"
port = {smtp_port}
username = "callboard"
password_env = "TEST_SMTP_PASSWORD"
from = "callboard@example.com"
ca_file = "{ca}"
[defaults.daily_report]
at = "00:00"
to = ["floor@acme.example"]
webhooks = [{{ url = "{hooks}/json" }}]
"#,
        ca = dir.join("ca.pem").display(),
    );
    // `callboard report` reads the configuration beside the events: acme is on UTC either way.
    std::fs::write(dir.join("daily.toml"), "").unwrap();
    let env = [("TEST_SMTP_PASSWORD".to_string(), "s3cret".to_string())];
    let config = callboard::config::parse(&config_text, "daily.toml", env.clone()).unwrap();

    let first = service::start(config.clone(), Clock::Wall).await.unwrap();
    wait_for("the day's mail", Duration::from_secs(150), || {
        messages(&mailbox).len() == 1
    })
    .await;
    let message = messages(&mailbox).remove(0);
    let day = yesterday.format("%Y-%m-%d").to_string();
    assert_eq!(
        read(&message.join("subject")),
        format!("callboard daily report: acme, {day}")
    );
    let envelope = read(&message.join("envelope"));
    assert!(
        envelope.contains("to=floor@acme.example\ntls=True\nauthenticated=True"),
        "{envelope}"
    );
    let from = format!("{day}T00:00:00Z");
    let to = format!(
        "{}T00:00:00Z",
        yesterday.succ_opt().unwrap().format("%Y-%m-%d")
    );
    let queues = reported_queues(&events_file, "acme", &from, &to);
    assert!(queues.lines().count() > 2, "{queues}");
    assert_eq!(read(&message.join(format!("queues-{day}.csv"))), queues);
    // The agents' day rows of the intervals topic: their scorecards, as `report --by agent --period
    // day` gives them for yesterday.
    let scorecards = read(&message.join(format!("scorecards-{day}.csv")));
    let expected = reported_scorecards(&events_file, "acme", &day);
    assert!(expected.lines().count() > 2, "{expected}");
    assert_eq!(scorecards, expected);
    wait_for("the webhook post", Duration::from_secs(10), || {
        !posts.lock().unwrap().is_empty()
    })
    .await;
    assert_eq!(
        posts.lock().unwrap()[0].1["total"]["offered"].as_u64(),
        Some(offered(&queues))
    );
    first.stop().await;

    // Started again: ready, the sent day read back; a few seconds past its first look, nothing more.
    let second = service::start(config, Clock::Wall).await.unwrap();
    wait_for(
        "the restarted service ready",
        Duration::from_secs(60),
        || second.board.is_ready() && second.intervals.is_caught_up(),
    )
    .await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(second.intervals.delivered("acme", &day));
    assert_eq!(messages(&mailbox).len(), 1);
    assert_eq!(posts.lock().unwrap().len(), 1);
    second.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}
