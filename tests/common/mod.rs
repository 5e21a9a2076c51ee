//! Helpers the integration tests share: ports, plain HTTP GETs, the wall clock, child processes.
#![allow(dead_code)] // each test file uses its own part

pub mod broker;
pub mod mock_group;

use std::net::TcpListener;
use std::process::Child;

/// A fresh, empty directory for one test (kept after it, so a failure's files can be read).
pub fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("callboard-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The body of a 200 answer to `GET path` at `address`; `None` for any other answer or failure.
pub async fn http_get(address: &str, path: &str) -> Option<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut socket = tokio::net::TcpStream::connect(address).await.ok()?;
    socket
        .write_all(
            format!("GET {path} HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .ok()?;
    let mut response = Vec::new();
    socket.read_to_end(&mut response).await.ok()?;
    let response = String::from_utf8_lossy(&response).to_string();
    let (head, body) = response.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.1 200").then(|| body.to_string())
}

pub fn wall_clock_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// A child process, killed on drop.
pub struct Process(pub Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits (at most a minute) until `service` has applied or rejected `events` events over its tenants.
pub async fn wait_until_counted(service: &callboard::service::Service, events: u64) {
    let started = std::time::Instant::now();
    while service
        .board
        .snapshots()
        .iter()
        .map(|s| s.events.applied + s.events.rejected)
        .sum::<u64>()
        < events
    {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "the service did not consume the {events} events"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// Every tenant's queues and agents on `service` equal the offline figures at the same instant.
pub fn assert_same_figures(
    service: &callboard::service::Service,
    expected: &callboard::tenants::Tenants,
) {
    for center in expected.centers() {
        let tenant = center.tenant();
        let online = service
            .board
            .snapshot(tenant)
            .unwrap_or_else(|| panic!("{tenant} not served"));
        let offline = center.snapshot(online.now_ms);
        assert_eq!(
            serde_json::to_value(&online.queues).unwrap(),
            serde_json::to_value(&offline.queues).unwrap(),
            "queues of {tenant}"
        );
        assert_eq!(
            serde_json::to_value(&online.agents).unwrap(),
            serde_json::to_value(&offline.agents).unwrap(),
            "agents of {tenant}"
        );
        assert_eq!(online.events.applied, offline.events.applied, "{tenant}");
    }
}

/// Feeds `bytes` line by line through one source adapter into fresh tenants (the adapter's least
/// lateness), as `callboard report --input-format …` does; returns them finished and the records
/// skipped.
pub fn read_adapted(
    bytes: &[u8],
    adapter: &mut dyn callboard::decode::adapter::SourceAdapter,
    lateness_ms: i64,
) -> (callboard::tenants::Tenants, u64) {
    use callboard::decode::adapter::Mapped;
    let settings_of =
        std::sync::Arc::new(move |_: &str| callboard::center::settings::CenterSettings {
            lateness_ms,
            interval_retention_days: None,
            ..Default::default()
        });
    let mut tenants =
        callboard::tenants::Tenants::new(settings_of, callboard::decode::DecodeLimits::default());
    let mut events = Vec::new();
    let mut skipped = 0;
    let mut number = 0;
    for line in bytes.split(|&byte| byte == b'\n') {
        number += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match adapter.adapt_into(line, &mut events) {
            Ok(mapped) => skipped += u64::from(mapped == Mapped::Skipped),
            Err(error) => tenants.count_undecodable(error.reason),
        }
        for event in events.drain(..) {
            tenants.ingest(event, number);
        }
    }
    adapter.finish(&mut events);
    for event in events.drain(..) {
        tenants.ingest(event, number + 1);
    }
    tenants.finish();
    (tenants, skipped)
}

/// The queue report of `tenants` as CSV lines, header first.
pub fn queue_csv(tenants: &callboard::tenants::Tenants) -> Vec<String> {
    use callboard::report;
    let mut out = Vec::new();
    report::write(
        &report::queue_table(tenants.centers()),
        report::Format::Csv,
        &mut out,
    )
    .unwrap();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// The report columns a source format carries as v1 does: all but handled and the handle-time
/// averages (holds and the wrap-up's real end are not in queue_log nor mod_callcenter; with no wrap-up
/// a call is handled at its end instead of its completion, which can fall in another interval). Rows
/// with nothing but handles (a completion after the interval's last call) are left out.
pub fn carried_rows(rows: &[String]) -> Vec<String> {
    rows.iter()
        .map(|row| {
            let fields: Vec<&str> = row.split(',').collect();
            [&fields[..9], &fields[10..13], &fields[17..]]
                .concat()
                .join(",")
        })
        .filter(|row| !row.contains(",0,0,0,0,0,0,,,,"))
        .collect()
}

/// The callboard binary, run from the crate's directory with a clean environment (no `RUST_LOG`, no
/// `CALLBOARD_*` overrides of the caller's shell).
pub fn callboard_command() -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_callboard"));
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("RUST_LOG");
    for (name, _) in std::env::vars() {
        if name.starts_with("CALLBOARD_") {
            command.env_remove(name);
        }
    }
    command
}

/// The output of `command` (a [`callboard_command`]), after a zero exit.
pub fn succeeded(mut command: std::process::Command) -> std::process::Output {
    let output = command.output().expect("callboard runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Runs the callboard binary with `args` on `stdin`; its stdout, after a zero exit.
pub fn callboard_on_stdin(args: &[&str], stdin: &[u8]) -> Vec<u8> {
    use std::io::Write;
    use std::process::Stdio;
    let mut command = callboard_command();
    command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("callboard runs");
    let mut input = child.stdin.take().expect("a stdin pipe");
    let stdin = stdin.to_vec();
    let writer = std::thread::spawn(move || input.write_all(&stdin));
    let output = child.wait_with_output().expect("callboard ends");
    writer.join().unwrap().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}
