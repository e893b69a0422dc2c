//! The echo service on tokio: a task per connection over `tokio::net::TcpStream`,
//! [`EchoConn`] for everything HTTP. The loop in `connection` is the std driver's, with
//! readiness in place of blocking: write what is queued, wait until the socket is readable
//! or the connection's deadline passes, feed the bytes in, close when the connection says.
//!
//! What makes it lean:
//! - An idle connection holds no buffer: a read takes one from a per-thread pool once the
//!   socket is readable, and gives it back when every byte was consumed (a partial head
//!   keeps it). The answer buffer likewise. No allocation per request in the steady state.
//! - One timer per connection, armed lazily: it is moved only when the connection's
//!   deadline comes nearer than it; when it fires early (the deadline moved on), it is
//!   set again. Keep-alive requests touch no timer.
//! - Pipelined requests read in one go are answered in one write.
//!
//! A graceful shutdown ([`serve`]'s `stop`, [`Running::shutdown`]) stops accepting, lets
//! each connection finish the request it is in (answered with `Connection: close`), and
//! wakes the idle ones, which close. The wake-up is a [`Notify`] each connection registers
//! with once; the loop itself only reads a flag, so requests pay nothing for it.

use std::cell::RefCell;
use std::future::Future;
use std::io::{self, ErrorKind};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

use hyper_proto::{Config, DateCache, DEFAULT_SEND_TIMEOUT};
use tokio::io::{AsyncReadExt, Interest};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::futures::Notified;
use tokio::sync::{mpsc, oneshot, Notify};

use crate::proto_echo::EchoConn;

/// Capacity of a pooled buffer.
const BUF_SIZE: usize = 16 * 1024;
/// Buffers larger than this (an echo's) are freed instead of pooled.
const POOLED_MAX: usize = 64 * 1024;
/// Buffers a thread keeps for reuse.
const POOL_LEN: usize = 256;
/// How long a refused connection's remaining input is drained before closing.
const LINGER: Duration = Duration::from_secs(1);

thread_local! {
    static POOL: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
    static DATE: RefCell<DateCache> = RefCell::new(DateCache::new(SystemTime::now()));
}

/// A buffer from this thread's pool (empty, with room for [`BUF_SIZE`] bytes).
fn take_buf() -> Vec<u8> {
    POOL.with(|p| p.borrow_mut().pop())
        .unwrap_or_else(|| Vec::with_capacity(BUF_SIZE))
}

/// Gives `buf` back to this thread's pool (or frees it).
fn give_buf(buf: &mut Vec<u8>) {
    let mut buf = std::mem::take(buf);
    if buf.capacity() <= POOLED_MAX {
        buf.clear();
        POOL.with(|p| {
            let mut p = p.borrow_mut();
            if p.len() < POOL_LEN {
                p.push(buf);
            }
        });
    }
}

/// Runs `f` with this thread's `Date` value, refreshed at most twice a second.
fn with_date<R>(now: Instant, f: impl FnOnce(&DateCache) -> R) -> R {
    DATE.with(|d| {
        let mut d = d.borrow_mut();
        d.refresh(now, SystemTime::now);
        f(&d)
    })
}

/// A server started by [`spawn`].
#[derive(Debug)]
pub struct Running {
    addr: SocketAddr,
    /// Starts the shutdown, with its grace period.
    stop: Option<oneshot::Sender<Duration>>,
    /// The runtime's thread; says how many connections the shutdown cut.
    thread: Option<std::thread::JoinHandle<usize>>,
}

impl Running {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops now: no new connections, every open one dropped.
    pub fn close(mut self) {
        self.stop(Duration::ZERO);
    }

    /// Stops gracefully (see [`serve`]), with `grace` for the requests in flight. Returns
    /// how many connections were still busy after it and cut.
    pub fn shutdown(mut self, grace: Duration) -> usize {
        self.stop(grace)
    }

    fn stop(&mut self, grace: Duration) -> usize {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(grace);
        }
        self.thread
            .take()
            .map_or(0, |t| t.join().unwrap_or_default())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop(Duration::ZERO);
    }
}

/// A runtime: current-thread for `threads == 1`, else multi-thread with that many workers.
///
/// # Errors
///
/// When the runtime cannot start.
pub fn runtime(threads: usize) -> io::Result<tokio::runtime::Runtime> {
    if threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()
    }
}

/// Serves the echo service on `addr` on a runtime of its own (see [`runtime`]), on a new
/// thread.
///
/// # Errors
///
/// When the runtime cannot start or `addr` cannot be bound.
pub fn spawn(addr: SocketAddr, threads: usize, config: Config) -> io::Result<Running> {
    let rt = runtime(threads)?;
    let listener = rt.block_on(TcpListener::bind(addr))?;
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel();
    let thread = std::thread::Builder::new()
        .name("tokio-server".into())
        .spawn(move || {
            // A dropped `Running` without a shutdown stops at once.
            let stop = async { rx.await.unwrap_or(Duration::ZERO) };
            rt.block_on(serve(listener, config, stop))
            // The runtime drops here, and with it every connection still open.
        })?;
    Ok(Running {
        addr,
        stop: Some(tx),
        thread: Some(thread),
    })
}

/// What the connections of one server share: its shutdown signal.
#[derive(Debug, Default)]
struct Shutdown {
    /// Set once: each connection ends after the request it is in.
    stopping: AtomicBool,
    /// Wakes the connections waiting for input when `stopping` is set.
    wake: Notify,
}

/// Accepts, a task per connection, until `stop` resolves with a grace period: then stops
/// gracefully. No more connections are accepted; each open one finishes the request it is
/// in, answered with `Connection: close`, and closes; idle ones close at once. Returns when
/// all have closed, or when the grace period is over: how many were still open then (the
/// caller drops them with the runtime).
pub async fn serve(
    listener: TcpListener,
    config: Config,
    stop: impl Future<Output = Duration>,
) -> usize {
    let shutdown = Arc::new(Shutdown::default());
    // Each connection task holds a sender: when all are gone, `closed` answers `None`.
    let (open, mut closed) = mpsc::channel::<()>(1);
    let accept = async {
        loop {
            match listener.accept().await {
                Ok((stream, _peer)) => {
                    let _ = stream.set_nodelay(true);
                    let shutdown = Arc::clone(&shutdown);
                    let open = open.clone();
                    tokio::spawn(async move {
                        if let Err(e) = connection(stream, config, &shutdown).await {
                            log::debug!("connection ended: {e}");
                        }
                        drop(open);
                    });
                }
                Err(e) => {
                    // Out of descriptors and the like: back off instead of spinning.
                    log::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            }
        }
    };
    let grace = tokio::select! {
        () = accept => Duration::ZERO,
        grace = stop => grace,
    };
    drop(listener);
    shutdown.stopping.store(true, Ordering::SeqCst);
    shutdown.wake.notify_waiters();
    drop(open);
    if tokio::time::timeout(grace, closed.recv()).await.is_ok() {
        0
    } else {
        // The tasks still running hold the rest of the references.
        Arc::strong_count(&shutdown) - 1
    }
}

/// Ready once `shutdown` is stopping. It registers the task with the wake-up on its first
/// poll only (a lock); after that it just reads the flag, since a wake-up runs the whole
/// task again.
struct Stopping<'a, 'p> {
    shutdown: &'a Shutdown,
    notified: Pin<&'p mut Notified<'a>>,
    registered: bool,
}

impl Future for Stopping<'_, '_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.shutdown.stopping.load(Ordering::SeqCst) {
            return Poll::Ready(());
        }
        if !self.registered {
            self.registered = true;
            return self.notified.as_mut().poll(cx);
        }
        Poll::Pending
    }
}

/// One connection, from accept to close.
async fn connection(mut stream: TcpStream, config: Config, shutdown: &Shutdown) -> io::Result<()> {
    let notified = shutdown.wake.notified();
    tokio::pin!(notified);
    let mut stopping = Stopping {
        shutdown,
        notified,
        registered: false,
    };
    // Whether the shutdown was seen (and the connection told).
    let mut stopped = false;
    let mut echo = EchoConn::new(config, Instant::now());
    // Bytes read and not yet consumed (no buffer while there are none).
    let mut input: Vec<u8> = Vec::new();
    let mut out: Vec<u8> = Vec::new();
    let timer = tokio::time::sleep(Duration::ZERO);
    tokio::pin!(timer);
    // The deadline the timer is set to; `None`: not armed.
    let mut armed: Option<Instant> = None;
    loop {
        if !out.is_empty() {
            write_all(&stream, &out).await?;
        }
        if out.capacity() > 0 {
            give_buf(&mut out);
        }
        if !stopped && shutdown.stopping.load(Ordering::SeqCst) {
            // The request in progress is the last; an idle connection closes now.
            echo.stop();
            stopped = true;
        }
        if echo.is_closed() {
            break;
        }
        let deadline = echo.deadline();
        if let Some(at) = deadline {
            if armed.is_none_or(|a| at < a) {
                timer.as_mut().reset(at.into());
                armed = Some(at);
            }
        }
        tokio::select! {
            biased;
            ready = stream.readable() => {
                ready?;
                if !stopped && shutdown.stopping.load(Ordering::SeqCst) {
                    // A shutdown while this waited: what comes now is answered as the last.
                    echo.stop();
                    stopped = true;
                }
                if input.capacity() == 0 {
                    input = take_buf();
                } else if input.capacity() - input.len() < BUF_SIZE / 4 {
                    input.reserve(BUF_SIZE);
                }
                match read_drained(&stream, &mut input) {
                    Ok(0) => {
                        out = take_buf();
                        with_date(Instant::now(), |date| echo.on_eof(Instant::now(), &mut out, date));
                    }
                    Ok(_) => {
                        out = take_buf();
                        let now = Instant::now();
                        let used = with_date(now, |date| echo.on_input(now, &input, &mut out, date));
                        input.drain(..used);
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                    Err(e) => return Err(e),
                }
                if input.is_empty() {
                    give_buf(&mut input);
                }
            }
            // Back to the top, which ends the connection or its keep-alive.
            () = &mut stopping, if !stopped => {}
            () = &mut timer, if armed.is_some() => {
                armed = None;
                let now = Instant::now();
                if deadline.is_some_and(|at| now >= at) {
                    out = take_buf();
                    with_date(now, |date| echo.on_timeout(now, &mut out, date));
                }
            }
        }
    }
    if echo.wants_linger() {
        linger(&mut stream).await;
    }
    Ok(())
}

/// Reads once into the spare room of `input`. A read that did not fill the room drained
/// the socket: tokio is told so (its readiness is cleared, as its own `poll_read` does), so
/// the next wait goes straight to the reactor instead of trying a read that would fail with
/// `EAGAIN`: one system call saved per keep-alive request.
fn read_drained(stream: &TcpStream, input: &mut Vec<u8>) -> io::Result<usize> {
    let room = input.capacity() - input.len();
    let mut got = 0;
    let r = stream.try_io(Interest::READABLE, || {
        got = stream.try_read_buf(input)?;
        if got > 0 && got < room {
            Err(ErrorKind::WouldBlock.into())
        } else {
            Ok(())
        }
    });
    match r {
        Err(e) if e.kind() == ErrorKind::WouldBlock && got > 0 => Ok(got),
        r => r.map(|()| got),
    }
}

/// Writes all of `buf`, failing when the peer takes nothing for [`DEFAULT_SEND_TIMEOUT`]
/// (the first attempt needs no timer).
async fn write_all(stream: &TcpStream, buf: &[u8]) -> io::Result<()> {
    let mut pos = 0;
    while pos < buf.len() {
        match stream.try_write(&buf[pos..]) {
            Ok(n) => pos += n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                tokio::time::timeout(DEFAULT_SEND_TIMEOUT, stream.writable())
                    .await
                    .map_err(|_| io::Error::new(ErrorKind::TimedOut, "send timeout"))??;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Ends our side and reads what the peer still sends for a moment, so that a refused
/// client reads our answer instead of a reset.
async fn linger(stream: &mut TcpStream) {
    use tokio::io::AsyncWriteExt;
    let _ = stream.shutdown().await;
    // A pooled buffer: an array here would be part of every connection's future.
    let mut sink = take_buf();
    let _ = tokio::time::timeout(LINGER, async {
        loop {
            sink.clear();
            match stream.read_buf(&mut sink).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    })
    .await;
    give_buf(&mut sink);
}
