//! HTTPS against the real binary: `callboard run` with `[http] tls_cert` and `tls_key` (a certificate of a
//! test CA made here with rcgen) serves a client that trusts the CA (reqwest over OpenSSL, not the rustls
//! the server uses), fails a client that does not, answers plain HTTP with a 400 naming `https://`, and
//! serves a renewed certificate after SIGHUP while a broken renewal leaves the one in use.

mod common;

use common::{free_port, Process};

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rdkafka::mocking::MockCluster;

const HOST: &str = "board.test";

/// A test CA: its key and certificate.
struct Authority {
    key: rcgen::KeyPair,
    cert: rcgen::Certificate,
}

impl Authority {
    fn new() -> Authority {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "callboard test CA");
        let cert = params.self_signed(&key).unwrap();
        Authority { key, cert }
    }

    /// A server certificate for `HOST`: (certificate PEM, key PEM, certificate DER).
    fn issue(&self) -> (String, String, Vec<u8>) {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec![HOST.to_string()])
            .unwrap()
            .signed_by(&key, &self.cert, &self.key)
            .unwrap();
        (cert.pem(), key.serialize_pem(), cert.der().to_vec())
    }
}

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("callboard-tls-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn install(dir: &Path, (cert, key, _): &(String, String, Vec<u8>)) {
    std::fs::write(dir.join("cert.pem"), cert).unwrap();
    std::fs::write(dir.join("key.pem"), key).unwrap();
}

fn hang_up(process: &Process) {
    let status = Command::new("kill")
        .args(["-HUP", &process.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// The DER of the certificate the server presents, and the status of `GET /livez`.
async fn presented(client: &reqwest::Client, port: u16) -> Result<(Vec<u8>, u16), String> {
    let response = client
        .get(format!("https://{HOST}:{port}/livez"))
        .send()
        .await
        .map_err(|error| format!("{error:?}"))?;
    let certificate = response
        .extensions()
        .get::<reqwest::tls::TlsInfo>()
        .and_then(|info| info.peer_certificate())
        .map(<[u8]>::to_vec)
        .ok_or("no peer certificate")?;
    Ok((certificate, response.status().as_u16()))
}

/// Polls until the server presents `expected` (at most 20 s).
async fn until_presented(client: &reqwest::Client, port: u16, expected: &[u8], what: &str) {
    let started = Instant::now();
    loop {
        match presented(client, port).await {
            Ok((certificate, status)) if certificate == expected => {
                assert_eq!(status, 200);
                return;
            }
            outcome => assert!(
                started.elapsed() < Duration::from_secs(20),
                "{what}: {:?}",
                outcome.map(|(_, status)| status)
            ),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What a plain-HTTP client reads back from the port.
fn plain_http_answer(port: u16) -> String {
    let mut socket = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    socket
        .write_all(b"GET /livez HTTP/1.1\r\nhost: board.test\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    socket.read_to_string(&mut answer).unwrap();
    answer
}

#[tokio::test]
async fn https_serves_the_cas_clients_refuses_plain_http_and_takes_a_renewed_certificate_on_sighup()
{
    let dir = scratch();
    let authority = Authority::new();
    let first = authority.issue();
    install(&dir, &first);
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic("calls", 1, 1).unwrap();
    let port = free_port();
    let config = dir.join("callboard.toml");
    std::fs::write(
        &config,
        format!(
            "[kafka]\nbrokers = \"{}\"\ntopic = \"calls\"\ngroup_id = \"tls-{}\"\n\
             [http]\nlisten = \"127.0.0.1:{port}\"\ntls_cert = \"{}\"\ntls_key = \"{}\"\n\
             [alerting]\nkafka_topic = \"\"\n",
            cluster.bootstrap_servers(),
            std::process::id(),
            dir.join("cert.pem").display(),
            dir.join("key.pem").display(),
        ),
    )
    .unwrap();
    let log = dir.join("callboard.log");
    let process = Process(
        Command::new(env!("CARGO_BIN_EXE_callboard"))
            .args(["run", "--config", config.to_str().unwrap()])
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap(),
    );
    let address: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let ca = reqwest::Certificate::from_pem(authority.cert.pem().as_bytes()).unwrap();
    let trusting = reqwest::Client::builder()
        .add_root_certificate(ca)
        .resolve(HOST, address)
        .tls_info(true)
        // A fresh connection, and so a fresh handshake, for every request.
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    until_presented(&trusting, port, &first.2, "the first certificate").await;

    // A client that does not trust the test CA fails the handshake.
    let distrusting = reqwest::Client::builder()
        .resolve(HOST, address)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let refused = distrusting
        .get(format!("https://{HOST}:{port}/livez"))
        .send()
        .await
        .unwrap_err();
    assert!(
        format!("{refused:?}").contains("certificate verify failed"),
        "{refused:?}"
    );

    // A connection that never speaks holds up no one, and plain HTTP gets a 400 that says why.
    let silent = std::net::TcpStream::connect(address).unwrap();
    let answer = plain_http_answer(port);
    assert!(
        answer.starts_with("HTTP/1.1 400 Bad Request\r\n"),
        "{answer}"
    );
    assert!(answer.contains("use https://"), "{answer}");
    until_presented(&trusting, port, &first.2, "after plain HTTP").await;
    drop(silent);

    // A renewed certificate is served after SIGHUP.
    let renewed = authority.issue();
    assert_ne!(renewed.2, first.2);
    install(&dir, &renewed);
    hang_up(&process);
    until_presented(&trusting, port, &renewed.2, "the renewed certificate").await;

    // A broken renewal is refused and the renewed certificate stays.
    std::fs::write(
        dir.join("cert.pem"),
        "-----BEGIN CERTIFICATE-----\nbroken\n",
    )
    .unwrap();
    hang_up(&process);
    let started = Instant::now();
    while !std::fs::read_to_string(&log)
        .unwrap()
        .contains("TLS certificate reload refused")
    {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the broken renewal was not refused:\n{}",
            std::fs::read_to_string(&log).unwrap()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (certificate, status) = presented(&trusting, port).await.unwrap();
    assert_eq!((certificate, status), (renewed.2.clone(), 200));
    drop(process);
}
