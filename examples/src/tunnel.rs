//! `CONNECT host:port` tunnels for the `proxy` example: the connect to the target runs on a
//! thread (the loop never blocks) and wakes the handler; after the `200`, hyper-server
//! hands the client's socket over (`Handler::on_upgrade`) and two threads copy bytes each
//! way until either side ends. Targets must be on the proxy's allow-list: an open CONNECT
//! proxy is an open relay.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper_server::{Control, Next};

/// How long connecting to a tunnel's target may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The outcome of connecting to a tunnel's target, filled in by the connecting thread.
pub type Slot = Arc<Mutex<Option<io::Result<TcpStream>>>>;

/// Whether `target` (`host:port`, as in the request line) is on `allowed`.
pub fn is_allowed(target: &str, allowed: &[String]) -> bool {
    allowed.iter().any(|a| a.eq_ignore_ascii_case(target))
}

/// Connects to `target` on a thread, puts the outcome in the returned slot and wakes the
/// handler behind `ctrl` to write its answer.
pub fn connect(target: &str, ctrl: Control) -> Slot {
    let slot: Slot = Arc::new(Mutex::new(None));
    let (out, target) = (Arc::clone(&slot), target.to_owned());
    let spawned = std::thread::Builder::new()
        .name("tunnel-connect".into())
        .spawn(move || {
            let result = open(&target);
            *out.lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
            let _ = ctrl.ready(Next::write());
        });
    if let Err(e) = spawned {
        *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(Err(e));
    }
    slot
}

fn open(target: &str) -> io::Result<TcpStream> {
    use std::net::ToSocketAddrs;
    let mut last = io::Error::new(io::ErrorKind::NotFound, "no address");
    for addr in target.to_socket_addrs()? {
        match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
            Ok(s) => return Ok(s),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// Copies bytes both ways between the client's socket (handed over after the `200`, with
/// `read_ahead`, what the client already sent) and the target, until both directions end.
pub fn splice(client: hyper_server::TcpStream, read_ahead: Vec<u8>, mut target: TcpStream) {
    let client = TcpStream::from(std::os::fd::OwnedFd::from(client));
    let run = move || -> io::Result<()> {
        client.set_nonblocking(false)?;
        target.write_all(&read_ahead)?;
        let (mut up_from, mut up_to) = (client.try_clone()?, target.try_clone()?);
        let upward = std::thread::Builder::new()
            .name("tunnel-up".into())
            .spawn(move || copy_then_close(&mut up_from, &mut up_to))?;
        let mut down_from = target;
        let mut down_to = client;
        copy_then_close(&mut down_from, &mut down_to);
        let _ = upward.join();
        Ok(())
    };
    let spawned = std::thread::Builder::new()
        .name("tunnel-down".into())
        .spawn(move || {
            if let Err(e) = run() {
                log::debug!("tunnel ended: {e}");
            }
        });
    if let Err(e) = spawned {
        log::warn!("no thread for a tunnel: {e}");
    }
}

/// Copies until `from` ends, then ends the other side's writing.
fn copy_then_close(from: &mut TcpStream, to: &mut TcpStream) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}
