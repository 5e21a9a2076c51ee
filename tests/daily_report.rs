//! The daily report against real processes: an SMTP server (Python's aiosmtpd, STARTTLS required with
//! a certificate of a test CA made here with rcgen, login required) receives one message per tenant
//! with both CSV attachments, whose rows equal `callboard report` over the same events restricted to
//! the tenant's day (read back by Python's email parser, not ours); Slack, Teams and JSON webhooks on
//! an axum server receive the summary; the sent day is recorded in a real broker (tansu), and a
//! sender started again after the send, its intervals store read back from the topic, sends nothing
//! twice. (The service's reader of the topic is another branch's; here the test reads the markers
//! into the store.)
//! A server without STARTTLS, or with a certificate of another CA, gets nothing.
//! Needs `python3 -m aiosmtpd` and `tansu` (`.ci/run` installs both).

mod common;
#[path = "delivery/support.rs"]
mod support;

use common::free_port;
use support::*;

use std::sync::Arc;
use std::time::Duration;

use callboard::deliver::{CenterDays, DailyReports, Outcome, StoreSentLog, TenantPlan};
use callboard::intervals::store::IntervalStore;
use chrono::{TimeZone, Utc};
use rdkafka::ClientConfig;

const RECORD_TOPIC: &str = "call-intervals";
const DAY: &str = "2026-11-30";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_tenant_gets_one_mail_with_the_days_report_and_a_restart_sends_nothing_twice() {
    let dir = scratch("daily");
    let (_smtp, smtp_port, mailbox) = start_tls_smtp(&dir);
    std::fs::write(dir.join("smtp-password"), "s3cret\n").unwrap();
    let tansu = Broker::start(&dir);
    let brokers = tansu.address.clone();
    create_topic(&brokers, RECORD_TOPIC, 2).await;
    let (hooks, posts) = start_webhooks().await;
    let events = dir.join("events.jsonl");
    // Two tenants' evening and night around midnight of 30 November (UTC), so each day is cut from more.
    let start = Utc.with_ymd_and_hms(2026, 11, 30, 18, 0, 0).unwrap();
    write_events(&events, &[("acme", 21), ("globex", 22)], start, 8);

    let config_text = format!(
        r#"
[delivery.smtp]
host = "localhost"
port = {smtp_port}
username = "callboard"
password_file = "{password}"
from = "Callboard <callboard@example.com>"
ca_file = "{ca}"
timeout = "10s"

[tenants.acme.daily_report]
at = "07:00"
to = ["floor@acme.example"]
webhooks = [
  {{ url = "{hooks}/slack", format = "slack" }},
  {{ url = "{hooks}/teams", format = "teams" }},
  {{ url = "{hooks}/json" }},
]

[tenants.globex]
time_zone = "Europe/Berlin"
[tenants.globex.daily_report]
at = "07:00"
to = ["Lead <lead@globex.example>", "floor@globex.example"]
"#,
        password = dir.join("smtp-password").display(),
        ca = dir.join("ca.pem").display(),
    );
    std::fs::write(dir.join("daily.toml"), &config_text).unwrap();
    let config = callboard::config::parse(&config_text, "daily.toml", Vec::new()).unwrap();

    // The engine `callboard report` runs, keeping every interval and the agents' intervals.
    let engine_config = config.clone();
    let settings_of = Arc::new(move |tenant: &str| {
        let mut settings = engine_config.center_settings(tenant);
        settings.interval_retention_days = None;
        settings.keep_agent_intervals = true;
        settings
    });
    let mut tenants = callboard::tenants::Tenants::new(settings_of, config.decode_limits());
    for (number, line) in read(&events).lines().enumerate() {
        tenants.ingest_json(line.as_bytes(), number as u64 + 1);
    }
    tenants.finish();

    let plans: Vec<TenantPlan> = ["acme", "globex"]
        .iter()
        .map(|tenant| TenantPlan {
            tenant: tenant.to_string(),
            zone: config.center_settings(tenant).time_zone,
            plan: config.daily_report(tenant).unwrap(),
        })
        .collect();
    let mailer = || {
        let settings = config.delivery.smtp.as_ref().unwrap().settings();
        Some(callboard::deliver::smtp::Mailer::new(&settings).unwrap())
    };
    let properties = vec![("broker.address.family".to_string(), "v4".to_string())];
    let producer = callboard::alert::sink::kafka::producer(&brokers, &properties).unwrap();
    // An intervals store read back from the topic, as the service's reader fills it at start.
    let open_log = || {
        let brokers = brokers.clone();
        let producer = producer.clone();
        async move {
            let markers = tokio::task::spawn_blocking(move || {
                let mut reader = ClientConfig::new();
                reader
                    .set("bootstrap.servers", &brokers)
                    .set("broker.address.family", "v4");
                let wanted = [
                    format!("acme/delivery/daily/{DAY}"),
                    format!("globex/delivery/daily/{DAY}"),
                ];
                callboard::ingest::state::read_latest(&reader, RECORD_TOPIC, &wanted).unwrap()
            })
            .await
            .unwrap();
            let store = IntervalStore::new();
            for (key, value) in &markers {
                store.apply(key, Some(value)).unwrap();
            }
            store.mark_caught_up();
            let log = StoreSentLog::new(store, producer, RECORD_TOPIC.to_string());
            (markers.len(), log)
        }
    };

    // 07:30 UTC on 1 December: past 07:00 in London's UTC and Berlin's 08:30.
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 7, 30, 0).unwrap();
    let date = DAY.parse().unwrap();
    let (markers, log) = open_log().await;
    assert_eq!(markers, 0, "nothing was sent before");
    let mut first = DailyReports::new(
        CenterDays::new(tenants.centers()),
        log,
        mailer(),
        reqwest::Client::new(),
    );
    let outcomes = first.tick(&plans, now).await;
    assert_eq!(
        outcomes,
        [
            Outcome::Sent {
                tenant: "acme".into(),
                date
            },
            Outcome::Sent {
                tenant: "globex".into(),
                date
            },
        ]
    );
    // Later ticks of the same sender send nothing more.
    assert!(first
        .tick(&plans, now + chrono::Duration::minutes(1))
        .await
        .is_empty());
    drop(first);

    // Started again (a restart after the send): the sent days come back from the topic.
    let (markers, log) = open_log().await;
    assert_eq!(markers, 2, "one marker per tenant in the topic");
    let mut second = DailyReports::new(
        CenterDays::new(tenants.centers()),
        log,
        mailer(),
        reqwest::Client::new(),
    );
    assert!(second
        .tick(&plans, now + chrono::Duration::minutes(2))
        .await
        .is_empty());
    assert!(second
        .tick(&plans, now + chrono::Duration::hours(2))
        .await
        .is_empty());

    // Give the server a moment to finish writing, then: exactly one message per tenant.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let found = messages(&mailbox);
    assert_eq!(found.len(), 2, "{found:?}");
    let by_subject = |tenant: &str| {
        let subject = format!("callboard daily report: {tenant}, {DAY}");
        found
            .iter()
            .find(|message| read(&message.join("subject")) == subject)
            .unwrap_or_else(|| panic!("no message with subject {subject}"))
            .clone()
    };

    // acme is on UTC: its day is 30 November 00:00Z to 1 December 00:00Z.
    let acme = by_subject("acme");
    let envelope = read(&acme.join("envelope"));
    assert!(
        envelope.contains(
            "from=callboard@example.com\nto=floor@acme.example\ntls=True\nauthenticated=True"
        ),
        "{envelope}"
    );
    let acme_queues = reported_queues(
        &events,
        "acme",
        "2026-11-30T00:00:00Z",
        "2026-12-01T00:00:00Z",
    );
    assert!(
        acme_queues.lines().count() > 2,
        "the day has rows: {acme_queues}"
    );
    assert_eq!(read(&acme.join("queues-2026-11-30.csv")), acme_queues);
    assert_eq!(
        read(&acme.join("scorecards-2026-11-30.csv")),
        reported_scorecards(&events, "acme", DAY)
    );
    let body = read(&acme.join("body"));
    let total = body
        .lines()
        .find(|line| line.starts_with("all queues"))
        .expect("a total line");
    let fields: Vec<&str> = total.split_whitespace().collect();
    assert_eq!(
        fields[2].parse::<u64>().unwrap(),
        offered(&acme_queues),
        "{body}"
    );

    // globex is on Berlin time (UTC+1 in winter): its day is 29 November 23:00Z to 30 November 23:00Z.
    let globex = by_subject("globex");
    let envelope = read(&globex.join("envelope"));
    assert!(
        envelope.contains("to=lead@globex.example,floor@globex.example\ntls=True"),
        "{envelope}"
    );
    let globex_queues = reported_queues(
        &events,
        "globex",
        "2026-11-29T23:00:00Z",
        "2026-11-30T23:00:00Z",
    );
    assert!(globex_queues.lines().count() > 2);
    assert_eq!(read(&globex.join("queues-2026-11-30.csv")), globex_queues);
    assert_eq!(
        read(&globex.join("scorecards-2026-11-30.csv")),
        reported_scorecards(&events, "globex", DAY)
    );

    // acme's webhooks: one post each, in its format.
    let posts = posts.lock().unwrap().clone();
    let kinds: Vec<&str> = posts.iter().map(|(kind, _)| kind.as_str()).collect();
    assert_eq!(kinds, ["slack", "teams", "json"]);
    let slack = &posts[0].1;
    assert!(slack["text"]
        .as_str()
        .unwrap()
        .starts_with("Daily report: acme, 2026-11-30: offered "));
    assert_eq!(slack["blocks"][0]["type"], "header");
    let teams = &posts[1].1;
    assert_eq!(teams["type"], "message");
    assert_eq!(
        teams["attachments"][0]["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    assert_eq!(teams["attachments"][0]["content"]["type"], "AdaptiveCard");
    let json = &posts[2].1;
    assert_eq!(json["kind"], "daily_report");
    assert_eq!(
        json["total"]["offered"].as_u64().unwrap(),
        offered(&acme_queues)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_is_refused_without_starttls_or_with_a_certificate_of_another_ca() {
    use callboard::deliver::smtp::{Mailer, SmtpSettings, SmtpTls};
    use callboard::deliver::summary::Mail;
    let dir = scratch("mail-refused");
    let (_, cert, key) = certificates();
    let (other_ca, _, _) = certificates();
    std::fs::write(dir.join("server.pem"), cert).unwrap();
    std::fs::write(dir.join("server.key"), key).unwrap();
    std::fs::write(dir.join("other-ca.pem"), other_ca).unwrap();
    let mail = Mail {
        subject: "s".into(),
        body: "b".into(),
        attachments: Vec::new(),
    };
    let to = ["floor@example.com".to_string()];
    let settings = |port: u16| SmtpSettings {
        host: "localhost".into(),
        port,
        tls: SmtpTls::StartTls,
        login: None,
        from: "callboard@example.com".into(),
        ca_file: Some(dir.join("other-ca.pem")),
        timeout: Duration::from_secs(10),
    };
    for (mode, reason) in [
        ("plain", "STARTTLS is not supported"),
        ("starttls", "invalid peer certificate"),
    ] {
        let mailbox = dir.join(format!("mailbox-{mode}"));
        std::fs::create_dir_all(&mailbox).unwrap();
        let port = free_port();
        let _smtp = start_smtp(&dir, port, &mailbox, mode);
        let error = Mailer::new(&settings(port))
            .unwrap()
            .send(&to, &mail)
            .await
            .unwrap_err();
        assert!(
            error.starts_with("SMTP: ") && error.contains(reason),
            "{mode}: {error}"
        );
        assert!(
            messages(&mailbox).is_empty(),
            "{mode}: nothing is delivered"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
