//! Helpers the integration tests share: ports, plain HTTP GETs, the wall clock, child processes.
#![allow(dead_code)] // each test file uses its own part

use std::net::TcpListener;
use std::process::Child;

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
