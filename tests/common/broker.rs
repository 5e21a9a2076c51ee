//! A real Kafka-protocol broker for the tests: a tansu process on a sqlite file, stopped on drop.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Broker {
    process: Child,
    pub address: String,
}

impl Broker {
    /// A broker on a free port, its data in `dir`.
    pub fn start(dir: &Path) -> Broker {
        Broker::start_on(dir, super::free_port())
    }

    /// A broker on `port` (a restart keeps its address), its data in `dir`; ready when it listens.
    pub fn start_on(dir: &Path, port: u16) -> Broker {
        let address = format!("127.0.0.1:{port}");
        let url = format!("tcp://{address}");
        let process = Command::new("tansu")
            .args(["broker", "--storage-engine", "sqlite://broker.db", "--listener-url", &url, "--advertised-listener-url", &url])
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tansu runs (cargo install tansu --version 0.6.0 --locked --features libsql,dynostore; .ci/run does)");
        let started = Instant::now();
        while std::net::TcpStream::connect(&address).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "tansu did not listen on {address}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Broker { process, address }
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}
