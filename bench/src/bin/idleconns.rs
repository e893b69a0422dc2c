//! Opens N keep-alive connections, makes one `GET /` on each, then holds them idle.
//!
//! `idleconns ADDR N HOLD_SECS [again]`: prints `ready ok=<n> failed=<m>` once every
//! connection got its response, then sleeps HOLD_SECS (or until killed). With `again`, it
//! then sends a second `GET /` on every connection and prints `again ok=<n> failed=<m>`:
//! whether the server still serves every idle connection it kept.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

fn main() {
    let mut args = std::env::args().skip(1);
    let addr: SocketAddr = args
        .next()
        .expect("ADDR")
        .parse()
        .expect("ADDR is HOST:PORT");
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let hold: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(60);
    let mut conns = Vec::with_capacity(n);
    let mut failed = 0;
    for _ in 0..n {
        match TcpStream::connect(addr) {
            Ok(mut s) => {
                let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
                let mut buf = [0u8; 1024];
                let ok = s.write_all(b"GET / HTTP/1.1\r\nHost: idle\r\n\r\n").is_ok()
                    && matches!(s.read(&mut buf), Ok(n) if n > 0);
                if ok {
                    conns.push(s);
                } else {
                    failed += 1;
                }
            }
            Err(_) => failed += 1,
        }
    }
    println!("ready ok={} failed={failed}", conns.len());
    std::thread::sleep(Duration::from_secs(hold));
    if args.next().as_deref() == Some("again") {
        let mut ok = 0;
        for s in &mut conns {
            let mut buf = [0u8; 1024];
            if s.write_all(b"GET / HTTP/1.1\r\nHost: idle\r\n\r\n").is_ok()
                && matches!(s.read(&mut buf), Ok(n) if n > 0 && buf.starts_with(b"HTTP/1.1 200"))
            {
                ok += 1;
            }
        }
        println!("again ok={ok} failed={}", conns.len() - ok);
    }
}
