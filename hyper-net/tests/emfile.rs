//! `EMFILE`: with the process out of descriptors the loop backs off accepting, keeps
//! serving the connections it has, and accepts again once descriptors free up.
//!
//! Its own test binary: it lowers the process's descriptor limit.

#![allow(
    unsafe_code,
    reason = "getrlimit/setrlimit have no safe std wrapper; plain FFI calls on a local struct"
)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use hyper_net::{spawn_loops, Config, Control, Cx, Driver, Io, Step, Why};

struct Echo;

impl Driver for Echo {
    type Transport = hyper_net::TcpStream;
    type Conn = ();
    type Msg = ();

    fn wrap(&mut self, s: hyper_net::TcpStream) -> std::io::Result<Self::Transport> {
        Ok(s)
    }

    fn accept(&mut self, _: &mut Cx<'_>, _: SocketAddr, _: Control) -> Option<()> {
        Some(())
    }

    fn ready(&mut self, _: &mut (), io: &mut Io<'_, Self::Transport>, _: Why) -> Step {
        loop {
            match io.read() {
                Ok(0) => return Step::close(),
                Ok(_) => {
                    let data = io.buffered().to_vec();
                    io.consume(data.len());
                    io.write_buf().extend_from_slice(&data);
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Step::read(),
                Err(_) => return Step::close(),
            }
        }
    }
}

fn open_fds() -> u64 {
    std::fs::read_dir("/proc/self/fd").map_or(64, |d| d.count() as u64)
}

fn set_fd_limit(soft: u64) -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid, writable rlimit for the duration of the call.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) }, 0);
    let old = lim.rlim_cur;
    lim.rlim_cur = soft.min(lim.rlim_max);
    // SAFETY: as above; only the soft limit changes, never above the hard limit.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) }, 0);
    old
}

fn echo_ok(s: &mut TcpStream, msg: &[u8]) -> bool {
    if s.write_all(msg).is_err() {
        return false;
    }
    let mut back = vec![0u8; msg.len()];
    s.read_exact(&mut back).is_ok() && back == msg
}

#[test]
fn emfile_backs_off_and_recovers() {
    let config = Config::default().accept_backoff(Duration::from_millis(20));
    let loops = spawn_loops(1, &["127.0.0.1:0".parse().unwrap()], config, |_| Echo).unwrap();
    let addr = loops.local_addr();
    let mut first = TcpStream::connect(addr).unwrap();
    first
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    assert!(echo_ok(&mut first, b"hello"));

    let old = set_fd_limit(open_fds() + 40);
    // Open clients until the process runs out: the server side hits EMFILE on accept.
    let mut clients = Vec::new();
    while let Ok(c) = TcpStream::connect(addr) {
        clients.push(c);
        if clients.len() > 200 {
            break;
        }
    }
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        loops.handles()[0].accept_pauses() > 0,
        "the loop never saw EMFILE"
    );
    // The loop is alive and serves what it has.
    assert!(
        echo_ok(&mut first, b"still here"),
        "existing connection stopped being served"
    );
    // Free descriptors: the backlog is accepted and served again.
    let keep = clients.split_off(clients.len() / 2);
    drop(clients);
    set_fd_limit(old);
    let t0 = Instant::now();
    let mut served = 0;
    for mut c in keep {
        c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        if echo_ok(&mut c, b"x") {
            served += 1;
        }
    }
    assert!(
        served > 0,
        "no pending connection was served after recovery"
    );
    let mut fresh = TcpStream::connect(addr).unwrap();
    fresh
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    assert!(
        echo_ok(&mut fresh, b"new"),
        "new connections accepted again"
    );
    assert!(t0.elapsed() < Duration::from_secs(10));
    loops.stop(None).unwrap();
}
