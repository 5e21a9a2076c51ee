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

use common::{callboard_command, free_port, succeeded};

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::routing::post;
use callboard::deliver::{CenterDays, DailyReports, Outcome, StoreSentLog, TenantPlan};
use callboard::intervals::store::IntervalStore;
use callboard::sim::{simulate, SimOptions};
use chrono::{DateTime, TimeZone, Utc};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::ClientConfig;

const RECORD_TOPIC: &str = "call-intervals";
const DAY: &str = "2026-11-30";

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("callboard-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A child process killed on drop.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A test CA and a server certificate for `localhost` signed by it: (CA PEM, certificate PEM, key PEM).
fn certificates() -> (String, String, String) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "callboard mail test CA");
    let ca = params.self_signed(&ca_key).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&key, &ca, &ca_key)
        .unwrap();
    (ca.pem(), cert.pem(), key.serialize_pem())
}

/// The SMTP server: aiosmtpd's Controller with STARTTLS and a login required. Each message is parsed
/// by Python's `email` package into a directory of its own: envelope, subject, body, attachments.
const SMTP_SERVER: &str = r#"
import email, email.policy, os, ssl, sys, time
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

cert, key, port, out, mode = sys.argv[1:6]
context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(cert, key)
count = 0

class Handler:
    async def handle_DATA(self, server, session, envelope):
        global count
        count += 1
        folder = os.path.join(out, "part-%03d" % count)
        os.makedirs(folder)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with open(os.path.join(folder, "envelope"), "w") as file:
            file.write("from=%s\nto=%s\ntls=%s\nauthenticated=%s\n" % (
                envelope.mail_from, ",".join(envelope.rcpt_tos), session.ssl is not None, session.authenticated))
        with open(os.path.join(folder, "subject"), "w") as file:
            file.write(str(message["subject"]))
        with open(os.path.join(folder, "body"), "w") as file:
            file.write(message.get_body(preferencelist=("plain",)).get_content())
        for part in message.iter_attachments():
            with open(os.path.join(folder, part.get_filename()), "wb") as file:
                file.write(part.get_payload(decode=True))
        os.rename(folder, os.path.join(out, "message-%03d" % count))
        return "250 OK"

def authenticate(server, session, envelope, mechanism, auth_data):
    good = isinstance(auth_data, LoginPassword) and auth_data.login == b"callboard" and auth_data.password == b"s3cret"
    return AuthResult(success=good)

if mode == "starttls":
    controller = Controller(Handler(), hostname="127.0.0.1", port=int(port), tls_context=context,
                            require_starttls=True, authenticator=authenticate, auth_required=True)
else:
    # A server that offers no STARTTLS (and wants no login).
    controller = Controller(Handler(), hostname="127.0.0.1", port=int(port))
controller.start()
print("ready", flush=True)
while True:
    time.sleep(3600)
"#;

/// The SMTP server on `port`, writing to `mailbox`; `mode` is "starttls" or "plain".
fn start_smtp(dir: &Path, port: u16, mailbox: &Path, mode: &str) -> Running {
    std::fs::write(dir.join("smtp_server.py"), SMTP_SERVER).unwrap();
    let mut child = Command::new("python3")
        .arg(dir.join("smtp_server.py"))
        .args([dir.join("server.pem"), dir.join("server.key")])
        .arg(port.to_string())
        .arg(mailbox)
        .arg(mode)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("python3 runs");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(
        line.trim(),
        "ready",
        "aiosmtpd did not start (python3 -m pip install aiosmtpd)"
    );
    Running(child)
}

fn start_tansu(dir: &Path) -> (Running, String) {
    let address = format!("127.0.0.1:{}", free_port());
    let url = format!("tcp://{address}");
    let child = Command::new("tansu")
        .args([
            "broker",
            "--storage-engine",
            "sqlite://broker.db",
            "--listener-url",
            &url,
            "--advertised-listener-url",
            &url,
        ])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("tansu runs (.ci/run installs it)");
    let started = Instant::now();
    while std::net::TcpStream::connect(&address).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "tansu did not listen"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    (Running(child), address)
}

async fn create_topic(brokers: &str) {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("broker.address.family", "v4")
        .create()
        .unwrap();
    let topic = NewTopic::new(RECORD_TOPIC, 2, TopicReplication::Fixed(1));
    for result in admin
        .create_topics(&[topic], &AdminOptions::new())
        .await
        .unwrap()
    {
        result.unwrap();
    }
}

/// A webhook receiver: every POST's path and JSON body.
async fn start_webhooks() -> (String, Arc<Mutex<Vec<(String, serde_json::Value)>>>) {
    let posts: Arc<Mutex<Vec<(String, serde_json::Value)>>> = Arc::default();
    let kept = Arc::clone(&posts);
    let app = axum::Router::new().route(
        "/{kind}",
        post(
            move |axum::extract::Path(kind): axum::extract::Path<String>, body: String| {
                let kept = Arc::clone(&kept);
                async move {
                    kept.lock()
                        .unwrap()
                        .push((kind, serde_json::from_str(&body).unwrap()));
                    "ok"
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}"), posts)
}

/// Two tenants' evening and night around midnight of 30 November (UTC), so each day is cut from more.
fn write_events(path: &Path) {
    let start = Utc
        .with_ymd_and_hms(2026, 11, 30, 18, 0, 0)
        .unwrap()
        .timestamp_millis();
    let mut all = Vec::new();
    for (seed, tenant) in [(21, "acme"), (22, "globex")] {
        let options = SimOptions {
            seed,
            tenant: tenant.to_string(),
            start,
            hours: 8,
            agents: 8,
            queues: 2,
            peak_calls_per_hour: 60.0,
            realistic_day: false,
            patience_mean_ms: Some(90_000),
            ..SimOptions::default()
        };
        simulate(&options, |event| all.push(event));
    }
    all.sort_by_key(|event| event.time);
    let mut out = Vec::new();
    for event in &all {
        callboard::decode::json_v1::encode(event, &mut out);
        out.push(b'\n');
    }
    std::fs::write(path, out).unwrap();
}

/// `callboard report --by queue` over the file: its header and the rows of `tenant` whose interval
/// starts within [from, to).
fn reported_queues(events: &Path, tenant: &str, from: &str, to: &str) -> String {
    let (from, to) = (
        from.parse::<DateTime<Utc>>().unwrap(),
        to.parse::<DateTime<Utc>>().unwrap(),
    );
    reported(events, &["--by", "queue"], tenant, |fields| {
        let start: DateTime<Utc> = fields[2].parse().unwrap();
        start >= from && start < to
    })
}

/// `callboard report --by agent --period day` over the file: its header and `tenant`'s rows of `DAY`.
fn reported_scorecards(events: &Path, tenant: &str) -> String {
    let args = ["--by", "agent", "--period", "day"];
    reported(events, &args, tenant, |fields| fields[4] == DAY)
}

fn reported(events: &Path, args: &[&str], tenant: &str, keep: impl Fn(&[&str]) -> bool) -> String {
    let mut command = callboard_command();
    // The configuration beside the events (time zones).
    let config = events.with_file_name("daily.toml");
    command.arg("report").args(args).arg("--config").arg(config);
    command.arg("--input").arg(events);
    let output = String::from_utf8(succeeded(command).stdout).unwrap();
    let mut lines = output.lines();
    let mut kept = vec![lines.next().unwrap().to_string()];
    for line in lines {
        let fields: Vec<&str> = line.split(',').collect();
        if fields[0] == tenant && keep(&fields) {
            kept.push(line.to_string());
        }
    }
    kept.join("\n") + "\n"
}

/// The sum of the `offered` column of a queue CSV.
fn offered(csv: &str) -> u64 {
    csv.lines()
        .skip(1)
        .map(|line| line.split(',').nth(3).unwrap().parse::<u64>().unwrap())
        .sum()
}

fn messages(mailbox: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(mailbox)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("message-")
        })
        .collect();
    found.sort();
    found
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_tenant_gets_one_mail_with_the_days_report_and_a_restart_sends_nothing_twice() {
    let dir = scratch("daily");
    let mailbox = dir.join("mailbox");
    std::fs::create_dir_all(&mailbox).unwrap();
    let (ca, cert, key) = certificates();
    std::fs::write(dir.join("ca.pem"), ca).unwrap();
    std::fs::write(dir.join("server.pem"), cert).unwrap();
    std::fs::write(dir.join("server.key"), key).unwrap();
    std::fs::write(dir.join("smtp-password"), "s3cret\n").unwrap();
    let smtp_port = free_port();
    let _smtp = start_smtp(&dir, smtp_port, &mailbox, "starttls");
    let (_tansu, brokers) = start_tansu(&dir);
    create_topic(&brokers).await;
    let (hooks, posts) = start_webhooks().await;
    let events = dir.join("events.jsonl");
    write_events(&events);

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
        reported_scorecards(&events, "acme")
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
        reported_scorecards(&events, "globex")
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
