//! The echo service on blocking `std::net`: a thread per connection, [`EchoConn`] for
//! everything HTTP. The driver's whole job is the loop in `connection`: write what is
//! queued, read with the socket's timeout set from the connection's deadline, feed the
//! bytes in, and close when the connection says so.
//!
//! Timeouts cost no system call per request: the socket's read timeout is only lowered
//! when the connection's deadline is nearer than it, and raised again after a read timed
//! out. Writes carry nginx's `send_timeout` (60 s without progress).

use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime};

use hyper_proto::{Config, DateCache, DEFAULT_SEND_TIMEOUT};

use crate::proto_echo::EchoConn;

/// Bytes asked of the socket per read (the buffer grows when a head needs more).
const READ_SIZE: usize = 16 * 1024;

/// How long a refused connection's remaining input is drained before closing.
const LINGER: Duration = Duration::from_secs(1);

/// A server started by [`spawn`].
#[derive(Debug)]
pub struct Running {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl Running {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting (connections already open run to their end).
    pub fn close(mut self) {
        self.stop_accepting();
    }

    fn stop_accepting(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept call.
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop_accepting();
    }
}

/// Serves the echo service on `addr` from a new accept thread.
///
/// # Errors
///
/// When `addr` cannot be bound.
pub fn spawn(addr: SocketAddr, config: Config) -> io::Result<Running> {
    let listener = TcpListener::bind(addr)?;
    let addr = listener.local_addr()?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let accept = thread::Builder::new()
        .name("std-accept".into())
        .spawn(move || serve(&listener, config, &flag))?;
    Ok(Running {
        addr,
        stop,
        accept: Some(accept),
    })
}

/// Accepts until `stop` is set, a thread per connection.
pub fn serve(listener: &TcpListener, config: Config, stop: &AtomicBool) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        match stream {
            Ok(stream) => {
                let spawned = thread::Builder::new()
                    .name("std-conn".into())
                    .spawn(move || {
                        if let Err(e) = connection(stream, config) {
                            log::debug!("connection ended: {e}");
                        }
                    });
                if let Err(e) = spawned {
                    log::warn!("no thread for a new connection: {e}");
                }
            }
            Err(e) => {
                // Out of descriptors and the like: back off instead of spinning.
                log::warn!("accept failed: {e}");
                thread::sleep(Duration::from_millis(10));
            }
        }
    }
}

/// One connection, from accept to close.
fn connection(mut stream: TcpStream, config: Config) -> io::Result<()> {
    stream.set_nodelay(true)?;
    stream.set_write_timeout(Some(DEFAULT_SEND_TIMEOUT))?;
    let mut date = DateCache::new(SystemTime::now());
    let mut echo = EchoConn::new(config, Instant::now());
    // Bytes read and not yet consumed are `input[start..end]`.
    let mut input = vec![0u8; READ_SIZE];
    let (mut start, mut end) = (0, 0);
    let mut out = Vec::new();
    // What the socket's read timeout is set to (`None`: no timeout).
    let mut read_timeout: Option<Duration> = None;
    loop {
        if !out.is_empty() {
            stream.write_all(&out)?;
            out.clear();
        }
        if echo.is_closed() {
            break;
        }
        let mut now = Instant::now();
        if let Some(at) = echo.deadline() {
            if now >= at {
                echo.on_timeout(now, &mut out, &date);
                continue;
            }
            let left = at - now;
            if read_timeout.is_none_or(|t| left < t) {
                stream.set_read_timeout(Some(left))?;
                read_timeout = Some(left);
            }
        }
        if start == end {
            (start, end) = (0, 0);
        } else if input.len() - end < READ_SIZE / 4 {
            // Room for the rest of a long head: move it to the front, grow if need be.
            input.copy_within(start..end, 0);
            (start, end) = (0, end - start);
            if input.len() - end < READ_SIZE / 4 {
                input.resize(input.len() * 2, 0);
            }
        }
        let read = stream.read(&mut input[end..]);
        match read {
            Ok(0) => echo.on_eof(Instant::now(), &mut out, &date),
            Ok(n) => {
                end += n;
                now = Instant::now();
                date.refresh(now, SystemTime::now);
                start += echo.on_input(now, &input[start..end], &mut out, &date);
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                // The socket's timeout passed: the deadline (checked above) may not have
                // (it moved on); set the timeout from it again.
                read_timeout = None;
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    if echo.wants_linger() {
        linger(&mut stream);
    }
    Ok(())
}

/// Ends our side and reads what the peer still sends for a moment, so that a refused
/// client reads our answer instead of a reset.
fn linger(stream: &mut TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(LINGER));
    let until = Instant::now() + LINGER;
    let mut sink = [0u8; 4096];
    while Instant::now() < until {
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
}
