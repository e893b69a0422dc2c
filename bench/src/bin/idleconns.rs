//! Opens N keep-alive connections, makes one `GET /` on each, then holds them idle.
//!
//! `idleconns ADDR N HOLD_SECS [again]`: prints `ready ok=<n> failed=<m>` once every
//! connection got its response, then sleeps HOLD_SECS (or until killed). With `again`, it
//! then sends a second `GET /` on every connection and prints `again ok=<n> failed=<m>`:
//! whether the server still serves every idle connection it kept.
//!
//! With `IDLE_TLS_CA=cert.pem` in the environment, every connection is TLS (rustls, the
//! server's certificate trusted from that file, server name `localhost`): for the memory a
//! server holds per idle HTTPS connection.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use hyper_server::tls::rustls;

/// A connection, plain or TLS.
enum Conn {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Conn {
    fn exchange(&mut self) -> bool {
        let mut buf = [0u8; 1024];
        let req = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
        match self {
            Conn::Plain(s) => {
                s.write_all(req).is_ok()
                    && matches!(s.read(&mut buf), Ok(n) if n > 0 && buf.starts_with(b"HTTP/1.1 200"))
            }
            Conn::Tls(s) => {
                s.write_all(req).is_ok()
                    && matches!(s.read(&mut buf), Ok(n) if n > 0 && buf.starts_with(b"HTTP/1.1 200"))
            }
        }
    }
}

/// The TLS client configuration, when `IDLE_TLS_CA` names a PEM certificate to trust.
fn tls_config() -> Option<Arc<rustls::ClientConfig>> {
    let pem = std::fs::read(std::env::var_os("IDLE_TLS_CA")?).expect("IDLE_TLS_CA is readable");
    Some(hyper_client::tls::client_config_with_extra_roots(&pem).expect("a PEM certificate"))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let addr: SocketAddr = args
        .next()
        .expect("ADDR")
        .parse()
        .expect("ADDR is HOST:PORT");
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let hold: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(60);
    let tls = tls_config();
    let mut conns = Vec::with_capacity(n);
    let mut failed = 0;
    for _ in 0..n {
        let Ok(s) = TcpStream::connect(addr) else {
            failed += 1;
            continue;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
        let mut conn = match &tls {
            Some(config) => {
                let name = "localhost".try_into().expect("a name");
                let session = rustls::ClientConnection::new(config.clone(), name).expect("session");
                Conn::Tls(Box::new(rustls::StreamOwned::new(session, s)))
            }
            None => Conn::Plain(s),
        };
        if conn.exchange() {
            conns.push(conn);
        } else {
            failed += 1;
        }
    }
    println!("ready ok={} failed={failed}", conns.len());
    std::thread::sleep(Duration::from_secs(hold));
    if args.next().as_deref() == Some("again") {
        let ok = conns
            .iter_mut()
            .map(Conn::exchange)
            .filter(|&ok| ok)
            .count();
        println!("again ok={ok} failed={}", conns.len() - ok);
    }
}
