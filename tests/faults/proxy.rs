//! A TCP proxy on the loopback interface that can cut the network: it forwards every connection to an
//! upstream address, and on `cut` drops every open connection and refuses new ones (its port closed)
//! until `restore`. No root needed, nothing but std.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

pub struct Proxy {
    pub address: SocketAddr,
    upstream: SocketAddr,
    /// Both ends of every forwarded connection, to shut down on a cut.
    connections: Arc<Mutex<Vec<TcpStream>>>,
    accepting: Option<(Arc<AtomicBool>, JoinHandle<()>)>,
    /// Connections accepted so far.
    pub accepted: Arc<std::sync::atomic::AtomicUsize>,
}

impl Proxy {
    /// Listens on `address` (a free loopback port) and forwards to `upstream`.
    pub fn start(address: SocketAddr, upstream: SocketAddr) -> Proxy {
        let mut proxy = Proxy {
            address,
            upstream,
            connections: Arc::new(Mutex::new(Vec::new())),
            accepting: None,
            accepted: Arc::default(),
        };
        proxy.listen();
        proxy
    }

    fn listen(&mut self) {
        // std sets SO_REUSEADDR on Unix, so the port can be bound again right after a cut.
        let listener = TcpListener::bind(self.address).expect("the proxy's port is free");
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let (upstream, connections, accepted, stopping) = (
            self.upstream,
            Arc::clone(&self.connections),
            Arc::clone(&self.accepted),
            Arc::clone(&stop),
        );
        let handle = std::thread::spawn(move || {
            while !stopping.load(Ordering::Acquire) {
                match listener.accept() {
                    Ok((client, _)) => {
                        accepted.fetch_add(1, Ordering::Relaxed);
                        let _ = client.set_nonblocking(false);
                        let Ok(server) =
                            TcpStream::connect_timeout(&upstream, Duration::from_secs(2))
                        else {
                            let _ = client.shutdown(Shutdown::Both);
                            continue;
                        };
                        let _ = client.set_nodelay(true);
                        let _ = server.set_nodelay(true);
                        if let (Ok(c), Ok(s)) = (client.try_clone(), server.try_clone()) {
                            connections.lock().unwrap().extend([c, s]);
                        }
                        pipe(&client, &server);
                        pipe(&server, &client);
                    }
                    Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(10));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
            // The listener drops here: the port refuses connections.
        });
        self.accepting = Some((stop, handle));
    }

    /// Drops every connection and refuses new ones until `restore`.
    pub fn cut(&mut self) {
        if let Some((stop, handle)) = self.accepting.take() {
            stop.store(true, Ordering::Release);
            let _ = handle.join();
        }
        for stream in self.connections.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    /// Accepts and forwards again, on the same port.
    pub fn restore(&mut self) {
        assert!(self.accepting.is_none(), "cut the proxy first");
        self.listen();
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
    }
}

/// Copies `from` → `to` on a thread until either side closes (or a cut shuts both down).
fn pipe(from: &TcpStream, to: &TcpStream) {
    let (Ok(mut from), Ok(mut to)) = (from.try_clone(), to.try_clone()) else {
        return;
    };
    std::thread::spawn(move || {
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            match from.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if to.write_all(&buffer[..n]).is_err() {
                        break;
                    }
                }
            }
        }
        let _ = to.shutdown(Shutdown::Write);
        let _ = from.shutdown(Shutdown::Read);
    });
}
