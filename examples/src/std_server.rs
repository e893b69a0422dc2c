//! The echo service on blocking `std::net`: a thread per connection, [`EchoConn`] for
//! everything HTTP. The driver's whole job is the loop in `connection`: write what is
//! queued, read with the socket's timeout set from the connection's deadline, feed the
//! bytes in, and close when the connection says so.
//!
//! Timeouts cost no system call per request: the socket's read timeout is only lowered
//! when the connection's deadline is nearer than it, and raised again after a read timed
//! out. Writes carry nginx's `send_timeout` (60 s without progress).
//!
//! A graceful shutdown ([`Running::shutdown`]) stops accepting, lets each connection
//! finish the request it is in (answered with `Connection: close`), and wakes the idle
//! ones out of their blocking read by shutting their read half, which they see as the end
//! of input. Each connection says when it is idle with one flag; that costs two atomic
//! stores per request and no system call.

use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime};

use hyper_proto::{Config, DateCache, DEFAULT_SEND_TIMEOUT};

use crate::proto_echo::EchoConn;

/// Bytes asked of the socket per read (the buffer grows when a head needs more).
const READ_SIZE: usize = 16 * 1024;

/// How long a refused connection's remaining input is drained before closing.
const LINGER: Duration = Duration::from_secs(1);

/// What the accept thread, the connection threads and [`Running`] share.
#[derive(Debug, Default)]
struct Shared {
    /// Set once, by a shutdown: no new connections, and each open one ends after the
    /// request it is in.
    stopping: AtomicBool,
    /// The open connections.
    open: Mutex<Open>,
    /// Signalled each time a connection ends.
    ended: Condvar,
}

#[derive(Debug, Default)]
struct Open {
    next_id: u64,
    conns: HashMap<u64, Entry>,
}

/// An open connection, as a shutdown sees it.
#[derive(Debug)]
struct Entry {
    /// The connection's socket (a duplicate), to shut.
    stream: TcpStream,
    /// Whether its thread is waiting for the next request with nothing of it read.
    idle: Arc<AtomicBool>,
}

impl Shared {
    fn open(&self) -> MutexGuard<'_, Open> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Enters `stream` among the open connections, until the returned guard drops.
    fn register(self: &Arc<Self>, stream: &TcpStream) -> io::Result<Registered> {
        // New connections count as idle: a shutdown before their first byte closes them.
        let idle = Arc::new(AtomicBool::new(true));
        let entry = Entry {
            stream: stream.try_clone()?,
            idle: Arc::clone(&idle),
        };
        let mut open = self.open();
        let id = open.next_id;
        open.next_id += 1;
        open.conns.insert(id, entry);
        Ok(Registered {
            shared: Arc::clone(self),
            id,
            idle,
        })
    }
}

/// A connection's place among the open ones; leaves it on drop.
struct Registered {
    shared: Arc<Shared>,
    id: u64,
    idle: Arc<AtomicBool>,
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.shared.open().conns.remove(&self.id);
        self.shared.ended.notify_all();
    }
}

/// A server started by [`spawn`].
#[derive(Debug)]
pub struct Running {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl Running {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many connections are open.
    pub fn connections(&self) -> usize {
        self.shared.open().conns.len()
    }

    /// Stops now: no new connections, every open one closed.
    pub fn close(self) {
        self.shutdown(Duration::ZERO);
    }

    /// Stops gracefully: no new connections; idle ones are closed at once; each busy one
    /// finishes the request it is in, answered with `Connection: close`, for up to
    /// `grace`. Then the ones still busy are cut. Returns how many were cut (0: every
    /// request in flight finished).
    pub fn shutdown(mut self, grace: Duration) -> usize {
        self.stop(grace)
    }

    fn stop(&mut self, grace: Duration) -> usize {
        let deadline = Instant::now() + grace;
        self.shared.stopping.store(true, Ordering::SeqCst);
        if let Some(t) = self.accept.take() {
            // Wakes the accept call.
            let _ = TcpStream::connect(self.addr);
            let _ = t.join();
        }
        let mut open = self.shared.open();
        for e in open.conns.values() {
            // Its thread is blocked reading (or about to): the end of input wakes it, and
            // it closes. A thread that read a request meanwhile still answers it (the
            // bytes already received are read before the end).
            if e.idle.load(Ordering::SeqCst) {
                let _ = e.stream.shutdown(Shutdown::Read);
            }
        }
        loop {
            let now = Instant::now();
            if open.conns.is_empty() || now >= deadline {
                break;
            }
            open = self
                .shared
                .ended
                .wait_timeout(open, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        for e in open.conns.values() {
            let _ = e.stream.shutdown(Shutdown::Both);
        }
        open.conns.len()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.accept.is_some() {
            self.stop(Duration::ZERO);
        }
    }
}

/// Serves the echo service on `addr` from a new accept thread, a thread per connection.
///
/// # Errors
///
/// When `addr` cannot be bound.
pub fn spawn(addr: SocketAddr, config: Config) -> io::Result<Running> {
    let listener = TcpListener::bind(addr)?;
    let addr = listener.local_addr()?;
    let shared = Arc::new(Shared::default());
    let for_accept = Arc::clone(&shared);
    let accept = thread::Builder::new()
        .name("std-accept".into())
        .spawn(move || serve(&listener, config, &for_accept))?;
    Ok(Running {
        addr,
        shared,
        accept: Some(accept),
    })
}

/// Accepts until a shutdown, a thread per connection.
fn serve(listener: &TcpListener, config: Config, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stopping() {
            return;
        }
        let started = stream.and_then(|stream| {
            let reg = shared.register(&stream)?;
            thread::Builder::new()
                .name("std-conn".into())
                .spawn(move || {
                    if let Err(e) = connection(stream, config, &reg) {
                        log::debug!("connection ended: {e}");
                    }
                })
        });
        if let Err(e) = started {
            // Out of descriptors or threads: back off instead of spinning.
            log::warn!("cannot serve a new connection: {e}");
            thread::sleep(Duration::from_millis(10));
        }
    }
}

/// One connection, from accept to close.
fn connection(mut stream: TcpStream, config: Config, reg: &Registered) -> io::Result<()> {
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
        if reg.shared.stopping() {
            // The request in progress is the last; an idle connection closes now.
            echo.stop();
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
        // Idle: a shutdown may wake this read by ending the input. The flag is set before
        // `stopping` is looked at, and a shutdown sets `stopping` before it reads the flag:
        // one of the two sees the other, so no idle connection is left waiting.
        let idle = start == end && echo.is_idle();
        if idle {
            reg.idle.store(true, Ordering::SeqCst);
            if reg.shared.stopping() {
                continue;
            }
        }
        let read = stream.read(&mut input[end..]);
        if idle {
            reg.idle.store(false, Ordering::SeqCst);
        }
        if reg.shared.stopping() {
            // A shutdown while this read waited: what it brought is answered as the last.
            echo.stop();
        }
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
