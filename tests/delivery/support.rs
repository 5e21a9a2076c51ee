//! What the daily report tests share: a test CA, the aiosmtpd server (STARTTLS and a login, or plain), a
//! webhook receiver, simulated events and `callboard report` restricted to a day, and the delivered
//! messages as Python's email parser wrote them out. Scratch directories and the tansu broker are the
//! common ones, re-exported.
#![allow(dead_code)] // each test file uses its own part

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use axum::routing::post;
use callboard::event::Event;
use callboard::sim::{simulate, SimOptions};
use chrono::{DateTime, Utc};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::ClientConfig;

pub use super::common::broker::Broker;
pub use super::common::scratch;
use super::common::{callboard_command, succeeded, Process};

/// A test CA and a server certificate for `localhost` signed by it: (CA PEM, certificate PEM, key PEM).
pub fn certificates() -> (String, String, String) {
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
pub const SMTP_SERVER: &str = r#"
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

/// A STARTTLS mail server for `dir`: the test CA (`ca.pem`) and the server's certificate written there,
/// its mailbox `dir/mailbox`. Returns the server, its port and the mailbox.
pub fn start_tls_smtp(dir: &Path) -> (Process, u16, PathBuf) {
    let mailbox = dir.join("mailbox");
    std::fs::create_dir_all(&mailbox).unwrap();
    let (ca, cert, key) = certificates();
    std::fs::write(dir.join("ca.pem"), ca).unwrap();
    std::fs::write(dir.join("server.pem"), cert).unwrap();
    std::fs::write(dir.join("server.key"), key).unwrap();
    let port = super::common::free_port();
    let server = start_smtp(dir, port, &mailbox, "starttls");
    (server, port, mailbox)
}

/// The SMTP server on `port`, writing to `mailbox`; `mode` is "starttls" or "plain".
pub fn start_smtp(dir: &Path, port: u16, mailbox: &Path, mode: &str) -> Process {
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
    Process(child)
}

pub async fn create_topic(brokers: &str, name: &str, partitions: i32) {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("broker.address.family", "v4")
        .create()
        .unwrap();
    let topic = NewTopic::new(name, partitions, TopicReplication::Fixed(1));
    for result in admin
        .create_topics(&[topic], &AdminOptions::new())
        .await
        .unwrap()
    {
        result.unwrap();
    }
}

/// A webhook receiver: every POST's path and JSON body.
pub async fn start_webhooks() -> (String, Arc<Mutex<Vec<(String, serde_json::Value)>>>) {
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

/// Simulated events of `tenants` (name, seed) for `hours` from `start`, in time order, written to
/// `path` as JSON Lines; returned too.
pub fn write_events(
    path: &Path,
    tenants: &[(&str, u64)],
    start: DateTime<Utc>,
    hours: u32,
) -> Vec<Event> {
    let start = start.timestamp_millis();
    let mut all = Vec::new();
    for &(tenant, seed) in tenants {
        let options = SimOptions {
            seed,
            tenant: tenant.to_string(),
            start,
            hours,
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
    all
}

/// `callboard report --by queue` over the file: its header and the rows of `tenant` whose interval
/// starts within [from, to).
pub fn reported_queues(events: &Path, tenant: &str, from: &str, to: &str) -> String {
    let (from, to) = (
        from.parse::<DateTime<Utc>>().unwrap(),
        to.parse::<DateTime<Utc>>().unwrap(),
    );
    reported(events, &["--by", "queue"], tenant, |fields| {
        let start: DateTime<Utc> = fields[2].parse().unwrap();
        start >= from && start < to
    })
}

/// `callboard report --by agent --period day` over the file: its header and `tenant`'s rows of `day`.
pub fn reported_scorecards(events: &Path, tenant: &str, day: &str) -> String {
    let args = ["--by", "agent", "--period", "day"];
    reported(events, &args, tenant, |fields| fields[4] == day)
}

pub fn reported(
    events: &Path,
    args: &[&str],
    tenant: &str,
    keep: impl Fn(&[&str]) -> bool,
) -> String {
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
pub fn offered(csv: &str) -> u64 {
    csv.lines()
        .skip(1)
        .map(|line| line.split(',').nth(3).unwrap().parse::<u64>().unwrap())
        .sum()
}

pub fn messages(mailbox: &Path) -> Vec<PathBuf> {
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

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}
