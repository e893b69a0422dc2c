//! The event loop: one `mio::Poll`, listeners, a slab of connections, the timer wheel, and
//! the wakeup channel, driving a [`Driver`] with static dispatch.
//!
//! Per turn, in this order (after quinn's `ConnectionDriver::poll`): wait for events (or the
//! nearest timer), accept, run each ready connection (the driver reads and writes through
//! [`Io`]), flush what it wrote, fire expired timers, apply `Control` wakeups and messages,
//! then give connections that still had work a bounded second turn.

use std::collections::VecDeque;
use std::io::{self, IoSlice, Write};
use std::net::{Shutdown, SocketAddr};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use hyper_proto::Next;
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll};
use slab::Slab;

use crate::buf::{BufPool, ReadBuf};
use crate::control::{Cmd, Commands, Control, Core, SendError};
use crate::timer::Wheel;
use crate::token::{listener_index, listener_token, ConnId, WAKER};
use crate::transport::{Blocked, Transport};

/// Settings of a loop.
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) max_connections: usize,
    pub(crate) buf_size: usize,
    pub(crate) max_buf_size: usize,
    pub(crate) read_budget: usize,
    pub(crate) max_events: usize,
    pub(crate) accept_backoff: Duration,
    pub(crate) linger: Duration,
    pub(crate) pool_keep: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            max_connections: 16 * 1024,
            buf_size: 8 * 1024,
            max_buf_size: 512 * 1024,
            read_budget: 64 * 1024,
            max_events: 1024,
            accept_backoff: Duration::from_millis(100),
            linger: Duration::from_secs(5),
            pool_keep: 256,
        }
    }
}

impl Config {
    /// Most connections open at once (16384 by default); past it the loop stops accepting
    /// until one closes.
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// Size of pooled read and write buffers (8 KiB by default).
    pub fn buf_size(mut self, n: usize) -> Self {
        self.buf_size = n.max(64);
        self
    }

    /// Largest a read buffer may grow to hold one message head (512 KiB by default).
    pub fn max_buf_size(mut self, n: usize) -> Self {
        self.max_buf_size = n.max(self.buf_size);
        self
    }

    /// Bytes read from one connection per turn before others get theirs (64 KiB).
    pub fn read_budget(mut self, n: usize) -> Self {
        self.read_budget = n.max(1);
        self
    }

    /// How long accepting pauses after `EMFILE`/`ENFILE` (100 ms).
    pub fn accept_backoff(mut self, d: Duration) -> Self {
        self.accept_backoff = d;
        self
    }

    /// How long a closing connection may take to flush what it wrote (5 s).
    pub fn linger(mut self, d: Duration) -> Self {
        self.linger = d;
        self
    }
}

/// Why the driver is being called for a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// The connection is new (accepted, or an outbound connect completed).
    Opened,
    /// The socket has bytes (or EOF) to read.
    Readable,
    /// The socket can take more bytes.
    Writable,
    /// The deadline of the last [`Step`] passed.
    Timeout,
    /// A [`Control::ready`] arrived, from a handle with this tag ([`Control::with_tag`]).
    Woken {
        /// What the sender wants next.
        next: Next,
        /// The tag of the `Control` it came through.
        tag: u64,
    },
    /// The loop is stopping: finish or close.
    Stopping,
}

/// What the driver wants after handling a connection.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Step {
    /// Call again when readable.
    pub read: bool,
    /// Call again when writable.
    pub write: bool,
    /// Call with [`Why::Timeout`] at this instant.
    pub deadline: Option<Instant>,
    /// Close the connection once what was written is flushed.
    pub close: bool,
}

impl Step {
    /// Wait for readability.
    pub fn read() -> Self {
        Self {
            read: true,
            ..Self::default()
        }
    }

    /// Wait for writability.
    pub fn write() -> Self {
        Self {
            write: true,
            ..Self::default()
        }
    }

    /// Wait for an outside wakeup only.
    pub fn wait() -> Self {
        Self::default()
    }

    /// Close after flushing.
    pub fn close() -> Self {
        Self {
            close: true,
            ..Self::default()
        }
    }

    /// Adds a deadline.
    pub fn until(mut self, deadline: Option<Instant>) -> Self {
        self.deadline = deadline;
        self
    }
}

/// Why a connection was removed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Closed {
    /// The driver asked for it.
    ByDriver,
    /// A socket error.
    Error(io::Error),
    /// The loop stopped and its deadline passed.
    Shutdown,
    /// Flushing the last bytes took longer than the linger time.
    LingerTimeout,
}

/// The protocol side of a loop: what runs on each connection. Implemented by the server
/// and client crates (and by tests); the loop calls it with static dispatch.
pub trait Driver: Sized {
    /// The byte stream of a connection (TCP now; TLS can wrap it in [`Driver::wrap`]).
    type Transport: Transport;
    /// Per-connection protocol state.
    type Conn;
    /// Messages other threads send the loop through [`LoopHandle::send`].
    type Msg: Send + 'static;

    /// Turns an accepted or connected TCP stream into the transport.
    ///
    /// # Errors
    ///
    /// Refuses the connection.
    fn wrap(&mut self, stream: TcpStream) -> io::Result<Self::Transport>;

    /// A connection was accepted; `None` refuses it (it is closed at once).
    fn accept(&mut self, cx: &mut Cx<'_>, peer: SocketAddr, ctrl: Control) -> Option<Self::Conn>;

    /// Something happened on a connection: do the work, return what to wait for next.
    fn ready(&mut self, conn: &mut Self::Conn, io: &mut Io<'_, Self::Transport>, why: Why) -> Step;

    /// Whether [`Driver::closed`] may keep this connection's transport alive (to hand the
    /// socket to another protocol, say). When it cannot, the loop skips deregistering a
    /// transport it is about to close: closing a socket removes it from the poller (epoll
    /// and kqueue both do), so that saves a system call per connection. Default: `true`.
    fn keeps_transport(&self, conn: &Self::Conn) -> bool {
        let _ = conn;
        true
    }

    /// The connection is gone. Its written bytes are flushed (as far as the peer took
    /// them), and the transport is deregistered unless [`Driver::keeps_transport`] said it
    /// would not be kept; dropping it closes the socket, and a driver that hands the
    /// connection to another protocol may keep it instead.
    fn closed(&mut self, conn: Self::Conn, transport: Self::Transport, why: Closed) {
        let _ = (conn, transport, why);
    }

    /// A message sent through a [`LoopHandle`].
    fn message(&mut self, cx: &mut Cx<'_>, msg: Self::Msg) {
        let _ = (cx, msg);
    }

    /// An outbound connection started with [`Cx::connect`] finished connecting (or failed:
    /// refused, timed out). On success return the connection's state, or `None` to close it.
    fn connected(
        &mut self,
        cx: &mut Cx<'_>,
        tag: u64,
        result: io::Result<Control>,
    ) -> Option<Self::Conn> {
        let _ = (cx, tag, result);
        None
    }

    /// Called once per loop turn with the time, before any connection work (refresh a
    /// cached `Date`, say).
    fn turn(&mut self, now: Instant) {
        let _ = now;
    }
}

struct Entry<D: Driver> {
    gen: u32,
    transport: D::Transport,
    conn: Option<D::Conn>,
    rbuf: Option<ReadBuf>,
    wbuf: Option<Vec<u8>>,
    registered: Option<Interest>,
    read_ready: bool,
    /// The peer's end was seen closed (or the socket in error): reads go on until they
    /// return 0 or fail, whatever a short read suggests.
    read_closed: bool,
    /// A read returned 0 (end of stream).
    read_eof: bool,
    write_ready: bool,
    /// The driver's last step.
    step: Step,
    closing: bool,
    /// An outbound connect in progress, with the caller's tag.
    connecting: Option<u64>,
    queued: bool,
}

/// The IO side of one connection during one driver call.
pub struct Io<'a, T> {
    transport: &'a mut T,
    rbuf: &'a mut Option<ReadBuf>,
    wbuf: &'a mut Option<Vec<u8>>,
    pool: &'a mut BufPool,
    read_ready: &'a mut bool,
    read_closed: bool,
    /// A read returned 0: later reads say so again without a syscall.
    read_eof: &'a mut bool,
    /// The transport's readiness follows the socket's edges exactly
    /// ([`Transport::short_read_drains`]): a read without readiness is skipped.
    edge_exact: bool,
    write_ready: &'a mut bool,
    budget: usize,
    max_buf: usize,
    now: Instant,
    id: ConnId,
}

impl<T> core::fmt::Debug for Io<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Io")
            .field("id", &self.id)
            .field(
                "buffered",
                &self.rbuf.as_ref().map_or(0, |b| b.filled().len()),
            )
            .field("pending_write", &self.wbuf.as_ref().map_or(0, Vec::len))
            .finish()
    }
}

impl<T: Transport> Io<'_, T> {
    /// The loop's time for this turn.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// This connection's identity.
    pub fn id(&self) -> ConnId {
        self.id
    }

    /// Bytes read and not yet consumed.
    pub fn buffered(&self) -> &[u8] {
        self.rbuf.as_ref().map_or(&[], ReadBuf::filled)
    }

    /// Drops `n` bytes from the front of [`Io::buffered`].
    ///
    /// # Panics
    ///
    /// If `n` is more than is buffered.
    pub fn consume(&mut self, n: usize) {
        if let Some(b) = self.rbuf.as_mut() {
            b.consume(n);
        } else {
            assert_eq!(n, 0, "consumed more than buffered");
        }
    }

    /// Reads from the socket into the buffer once.
    ///
    /// `Ok(n)` with `n > 0`: `n` new bytes are in [`Io::buffered`]. `Ok(0)`: the peer closed
    /// its side (EOF). `Err(WouldBlock)`: nothing more now (the loop calls again on the next
    /// readable event), or this connection used its read budget for the turn (it gets another
    /// turn soon), or the buffer is full at its maximum size.
    ///
    /// # Errors
    ///
    /// Socket errors, and `WouldBlock` as above.
    pub fn read(&mut self) -> io::Result<usize> {
        if *self.read_eof {
            return Ok(0); // as the socket would say again
        }
        if self.budget == 0 || (!*self.read_ready && self.edge_exact) {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let buf = self.rbuf.get_or_insert_with(|| self.pool.read_buf());
        let spare = buf.spare(self.max_buf);
        if spare.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let room = spare.len().min(self.budget);
        loop {
            match self.transport.read(&mut spare[..room]) {
                Ok(n) => {
                    buf.advance(n);
                    self.budget = self.budget.saturating_sub(n.max(1));
                    // A read that did not fill the room it had emptied the socket: the next
                    // byte to arrive raises a new edge, so asking before that edge would
                    // only return `WouldBlock` (one syscall per keep-alive request saved;
                    // tokio relies on the same rule). An end seen closed is read on until 0.
                    if n == 0 {
                        *self.read_ready = false;
                        *self.read_eof = true;
                    } else if n < room && !self.read_closed && self.edge_exact {
                        *self.read_ready = false;
                    }
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    if e.kind() == io::ErrorKind::WouldBlock {
                        *self.read_ready = false;
                    }
                    return Err(e);
                }
            }
        }
    }

    /// The write buffer: bytes appended here are flushed after the driver returns.
    pub fn write_buf(&mut self) -> &mut Vec<u8> {
        self.wbuf.get_or_insert_with(|| self.pool.write_buf())
    }

    /// Bytes waiting in the write buffer.
    pub fn pending_write(&self) -> usize {
        self.wbuf.as_ref().map_or(0, Vec::len)
    }

    /// Writes `bufs` without copying them when nothing is queued before them: straight to
    /// the socket with one vectored write, queueing only what the socket did not take, up
    /// to the loop's buffer limit. Returns how many bytes were taken; fewer than offered
    /// means: back off until [`Why::Writable`].
    ///
    /// # Errors
    ///
    /// Socket errors other than `WouldBlock`.
    pub fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        let room = self.max_buf.saturating_sub(self.pending_write());
        self.write_vectored_up_to(bufs, room)
    }

    /// Like [`Io::write_vectored`], but queues whatever the socket does not take, however
    /// much: for bytes already committed to the wire format (a framed chunk).
    ///
    /// # Errors
    ///
    /// Socket errors other than `WouldBlock`.
    pub fn write_all_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<()> {
        self.write_vectored_up_to(bufs, usize::MAX).map(drop)
    }

    fn write_vectored_up_to(&mut self, bufs: &[IoSlice<'_>], room: usize) -> io::Result<usize> {
        let total: usize = bufs.iter().map(|b| b.len()).sum();
        let mut written = 0;
        if self.pending_write() == 0 && *self.write_ready {
            loop {
                match self.transport.write_vectored(bufs) {
                    Ok(n) => {
                        written = n;
                        break;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        *self.write_ready = false;
                        break;
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        if written == total {
            return Ok(total);
        }
        let mut skip = written;
        let mut queued = 0;
        let wbuf = self.wbuf.get_or_insert_with(|| self.pool.write_buf());
        for b in bufs {
            if skip >= b.len() {
                skip -= b.len();
                continue;
            }
            let part = &b[skip..];
            skip = 0;
            let take = part.len().min(room - queued);
            wbuf.extend_from_slice(&part[..take]);
            queued += take;
            if queued == room {
                break;
            }
        }
        Ok(written + queued)
    }

    /// Writes out the write buffer now, as far as the socket takes it. Returns whether
    /// everything went.
    ///
    /// # Errors
    ///
    /// Socket errors other than `WouldBlock`.
    pub fn flush(&mut self) -> io::Result<bool> {
        flush(self.transport, self.wbuf, self.write_ready)
    }

    /// The transport itself (for socket options, or a protocol taking it over).
    pub fn transport(&mut self) -> &mut T {
        self.transport
    }
}

fn flush<T: Write>(
    t: &mut T,
    wbuf: &mut Option<Vec<u8>>,
    write_ready: &mut bool,
) -> io::Result<bool> {
    let Some(buf) = wbuf.as_mut() else {
        return Ok(true);
    };
    let mut off = 0;
    let result = loop {
        if off == buf.len() {
            break Ok(true);
        }
        match t.write(&buf[off..]) {
            Ok(0) => break Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => off += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                *write_ready = false;
                break Ok(false);
            }
            Err(e) => break Err(e),
        }
    };
    buf.drain(..off);
    result
}

/// An outbound connect requested through [`Cx::connect`], started after the driver call.
#[derive(Debug)]
struct PendingConnect {
    addr: SocketAddr,
    timeout: Option<Duration>,
    tag: u64,
}

/// What the driver may do to the loop from `accept`, `message` and `connected`.
pub struct Cx<'a> {
    connects: &'a mut Vec<PendingConnect>,
    connections: usize,
    now: Instant,
}

impl core::fmt::Debug for Cx<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Cx")
            .field("connections", &self.connections)
            .finish()
    }
}

impl Cx<'_> {
    /// The loop's time for this turn.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// Open connections on this loop.
    pub fn connections(&self) -> usize {
        self.connections
    }

    /// Starts a non-blocking connect to `addr` once this driver call returns;
    /// [`Driver::connected`] gets `tag` and the outcome: the connection's [`Control`], or an
    /// error (refused, `TimedOut` when `timeout` passes first, the connection limit).
    pub fn connect(&mut self, addr: SocketAddr, timeout: Option<Duration>, tag: u64) {
        self.connects.push(PendingConnect { addr, timeout, tag });
    }
}

fn insert<D: Driver>(slab: &mut Slab<Entry<D>>, core: &Core, transport: D::Transport) -> ConnId {
    let vacant = slab.vacant_entry();
    let key = vacant.key() as u32;
    let gen = core.gens[key as usize].load(Ordering::Acquire);
    vacant.insert(Entry {
        gen,
        transport,
        conn: None,
        rbuf: None,
        wbuf: None,
        registered: None,
        read_ready: false,
        read_closed: false,
        read_eof: false,
        write_ready: false,
        step: Step::default(),
        closing: false,
        connecting: None,
        queued: false,
    });
    ConnId { key, gen }
}

/// A handle to a running loop, usable from any thread.
pub struct LoopHandle<M> {
    core: Arc<Core>,
    commands: Arc<Commands<M>>,
}

impl<M> core::fmt::Debug for LoopHandle<M> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LoopHandle")
            .field("stopped", &self.core.stopped.load(Ordering::Relaxed))
            .finish()
    }
}

impl<M> Clone for LoopHandle<M> {
    fn clone(&self) -> Self {
        Self {
            core: Arc::clone(&self.core),
            commands: Arc::clone(&self.commands),
        }
    }
}

impl<M: Send> LoopHandle<M> {
    /// Delivers `msg` to the driver's [`Driver::message`] on the loop thread.
    ///
    /// # Errors
    ///
    /// [`SendError::Stopped`] once the loop has stopped.
    pub fn send(&self, msg: M) -> Result<(), SendError> {
        self.command(Cmd::User(msg))
    }
}

impl<M> LoopHandle<M> {
    /// Stops the loop: no more accepting, connections get [`Why::Stopping`] to finish, and
    /// whatever is still open at `deadline` (at once, for `None`) is closed.
    ///
    /// # Errors
    ///
    /// [`SendError::Stopped`] if it already stopped.
    pub fn stop(&self, deadline: Option<Instant>) -> Result<(), SendError> {
        self.command(Cmd::Stop(deadline))
    }

    fn command(&self, cmd: Cmd<M>) -> Result<(), SendError> {
        if self.core.stopped.load(Ordering::Acquire) {
            return Err(SendError::Stopped);
        }
        self.commands.push(cmd).map_err(|_| SendError::Stopped)?;
        self.core.wake()
    }

    /// How many wake-up syscalls senders made so far (a burst of `ready` calls makes one).
    pub fn wakes(&self) -> u64 {
        self.core.wakes.load(Ordering::Relaxed)
    }

    /// How many times accepting paused because the process was out of descriptors.
    pub fn accept_pauses(&self) -> u64 {
        self.core.accept_pauses.load(Ordering::Relaxed)
    }
}

struct Listener {
    socket: TcpListener,
    registered: bool,
    /// Connections were left in the backlog when the per-turn share ran out: accept more
    /// next turn (edge-triggered: no new event comes for them).
    backlog: bool,
    /// Whether accepted sockets inherit `TCP_NODELAY` from the listener (Linux does):
    /// learnt from the first accepted socket, then no `setsockopt` per connection.
    nodelay: Inherit,
}

/// What the first accepted socket showed about an option set on the listener.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Inherit {
    Unknown,
    Yes,
    No,
}

/// Connections accepted from one listener per turn, so that a flood of new connections
/// cannot starve the open ones.
const ACCEPTS_PER_TURN: usize = 128;

/// With reading at accept off, every this many accepted connections try it anyway.
const EAGER_PROBE: u8 = 16;

/// One event loop on one thread.
pub struct EventLoop<D: Driver> {
    poll: Poll,
    events: Events,
    slab: Slab<Entry<D>>,
    driver: D,
    core: Arc<Core>,
    ready_rx: Receiver<(ConnId, u64, Next)>,
    commands: Arc<Commands<D::Msg>>,
    /// The batch being run (empty between drains, its capacity kept).
    batch: VecDeque<Cmd<D::Msg>>,
    listeners: Vec<Listener>,
    wheel: Wheel,
    pool: BufPool,
    config: Config,
    /// Connections with work left over from the last turn (budget used up, still
    /// readable/writable).
    again: VecDeque<ConnId>,
    expired: Vec<u32>,
    /// Accepting is paused until then (after `EMFILE`).
    accept_paused_until: Option<Instant>,
    stopping: Option<Option<Instant>>,
    connects: Vec<PendingConnect>,
    /// Read a connection as soon as it is accepted. That saves a poller round trip when
    /// its first bytes came with it (a busy server, whose backlog gives them time to
    /// arrive), and costs a read that fails when they did not (a server that accepts at
    /// once). The last try decides; see [`EAGER_PROBE`].
    eager_read: bool,
    /// Accepts since the last try, while `eager_read` is off.
    eager_skipped: u8,
    /// The last driver call read something (bytes or the end of stream).
    read_any: bool,
}

impl<D: Driver> core::fmt::Debug for EventLoop<D> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EventLoop")
            .field("connections", &self.slab.len())
            .field("listeners", &self.listeners.len())
            .field("timers", &self.wheel.len())
            .finish()
    }
}

impl<D: Driver> Drop for EventLoop<D> {
    fn drop(&mut self) {
        // Handles that outlive the loop get `SendError::Stopped` instead of queueing forever.
        self.commands.close();
    }
}

impl<D: Driver> EventLoop<D> {
    /// A loop running `driver`.
    ///
    /// # Errors
    ///
    /// The OS poller could not be created.
    pub fn new(driver: D, config: Config) -> io::Result<Self> {
        let poll = Poll::new()?;
        let waker = mio::Waker::new(poll.registry(), WAKER)?;
        let (core, ready_rx) = Core::new(waker, config.max_connections);
        Ok(Self {
            events: Events::with_capacity(config.max_events),
            poll,
            slab: Slab::with_capacity(64.min(config.max_connections)),
            driver,
            core,
            ready_rx,
            commands: Arc::new(Commands::new()),
            batch: VecDeque::new(),
            listeners: Vec::new(),
            wheel: Wheel::new(Instant::now()),
            pool: BufPool::new(config.buf_size, config.pool_keep),
            expired: Vec::new(),
            again: VecDeque::new(),
            accept_paused_until: None,
            stopping: None,
            connects: Vec::new(),
            eager_read: true,
            eager_skipped: 0,
            read_any: false,
            config,
        })
    }

    /// Accepts connections from `listener` (already bound; set non-blocking here).
    ///
    /// # Errors
    ///
    /// Registration with the poller failed.
    pub fn add_listener(&mut self, listener: std::net::TcpListener) -> io::Result<SocketAddr> {
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        // Where accepted sockets inherit it, this spares a `setsockopt` per connection.
        let nodelay = match socket2::SockRef::from(&listener).set_tcp_nodelay(true) {
            Ok(()) => Inherit::Unknown,
            Err(_) => Inherit::No,
        };
        let mut socket = TcpListener::from_std(listener);
        let i = self.listeners.len();
        self.poll
            .registry()
            .register(&mut socket, listener_token(i), Interest::READABLE)?;
        self.listeners.push(Listener {
            socket,
            registered: true,
            backlog: false,
            nodelay,
        });
        Ok(addr)
    }

    /// Binds `addr` (with `SO_REUSEADDR`, and `SO_REUSEPORT` when `reuse_port`, so that
    /// several loops can each own a listener on the same port) and accepts from it.
    ///
    /// # Errors
    ///
    /// Binding failed.
    pub fn listen(&mut self, addr: SocketAddr, reuse_port: bool) -> io::Result<SocketAddr> {
        let listener = bind(addr, reuse_port)?;
        self.add_listener(listener)
    }

    /// A handle for other threads.
    pub fn handle(&self) -> LoopHandle<D::Msg> {
        LoopHandle {
            core: Arc::clone(&self.core),
            commands: Arc::clone(&self.commands),
        }
    }

    /// The driver.
    pub fn driver(&self) -> &D {
        &self.driver
    }

    /// The driver, mutably.
    pub fn driver_mut(&mut self) -> &mut D {
        &mut self.driver
    }

    /// Open connections.
    pub fn connections(&self) -> usize {
        self.slab.len()
    }

    /// Buffers the pool had to allocate so far (steady state: stops growing).
    pub fn buffers_allocated(&self) -> u64 {
        self.pool.allocated
    }

    /// Runs until stopped (see [`LoopHandle::stop`]) and every connection is closed.
    ///
    /// # Errors
    ///
    /// The poller failed.
    pub fn run(&mut self) -> io::Result<()> {
        while self.turn(None)? {}
        Ok(())
    }

    /// One turn: waits at most `max_wait` (or until the next timer), handles what is
    /// ready. Returns `false` once the loop has stopped and has no connection left.
    ///
    /// # Errors
    ///
    /// The poller failed.
    pub fn turn(&mut self, max_wait: Option<Duration>) -> io::Result<bool> {
        let _ = self.core.loop_thread.set(std::thread::current().id());
        let now = Instant::now();
        let timeout = self.poll_timeout(now, max_wait);
        match self.poll.poll(&mut self.events, timeout) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
        let now = Instant::now();
        self.driver.turn(now);
        let mut woken = false;
        for i in 0..self.listeners.len() {
            if core::mem::take(&mut self.listeners[i].backlog) {
                self.accept(i, now);
            }
        }
        // Take the events out so connections can be run while iterating.
        let events = std::mem::replace(&mut self.events, Events::with_capacity(0));
        for event in events.iter() {
            let token = event.token();
            if token == WAKER {
                woken = true;
            } else if let Some(i) = listener_index(token) {
                self.accept(i, now);
            } else {
                let id = ConnId::from_token(token);
                let Some(entry) = self.slab.get_mut(id.key as usize) else {
                    continue;
                };
                if entry.gen != id.gen {
                    continue; // a late event for a slot's previous connection
                }
                let readable = event.is_readable() || event.is_read_closed() || event.is_error();
                let writable = event.is_writable() || event.is_write_closed() || event.is_error();
                entry.read_ready |= readable;
                entry.read_closed |= event.is_read_closed() || event.is_error();
                entry.write_ready |= writable;
                let why = if entry.connecting.is_some() {
                    Why::Opened
                } else if readable && entry.step.read {
                    Why::Readable
                } else if writable {
                    Why::Writable
                } else {
                    Why::Readable
                };
                self.run_conn(id, why, now);
            }
        }
        self.events = events;
        self.fire_timers(now);
        // Messages are only ever queued with a wake (the waker event) or, from this thread,
        // with `local_pending`; a sender that saw `awake` still set queued before we reset
        // it below, so the drain right after the reset finds its message.
        if woken {
            self.core.awake.store(false, Ordering::Release);
        }
        if woken || self.core.local_pending.swap(false, Ordering::AcqRel) {
            self.drain_wakeups(now);
        }
        self.run_again(now);
        // Sends made on this thread while running connections, drained before sleeping.
        while self.core.local_pending.swap(false, Ordering::AcqRel) {
            self.drain_wakeups(now);
        }
        self.resume_accept(now);
        if let Some(deadline) = self.stopping {
            if deadline.is_some_and(|d| now >= d) {
                self.close_all();
            }
            if self.slab.is_empty() {
                self.core.stopped.store(true, Ordering::Release);
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn poll_timeout(&self, now: Instant, max_wait: Option<Duration>) -> Option<Duration> {
        if !self.again.is_empty()
            || self.core.local_pending.load(Ordering::Acquire)
            || self.listeners.iter().any(|l| l.backlog)
        {
            return Some(Duration::ZERO);
        }
        let mut wake = self.wheel.next_wake();
        for t in [self.accept_paused_until, self.stopping.flatten()]
            .into_iter()
            .flatten()
        {
            wake = Some(wake.map_or(t, |w| w.min(t)));
        }
        let until_timer = wake.map(|w| w.saturating_duration_since(now));
        match (until_timer, max_wait) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn accept(&mut self, i: usize, now: Instant) {
        for _ in 0..ACCEPTS_PER_TURN {
            if self.slab.len() >= self.config.max_connections || self.stopping.is_some() {
                self.pause_accept(None);
                return;
            }
            let listener = &mut self.listeners[i];
            let (stream, peer) = match listener.socket.accept() {
                Ok(pair) => pair,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if matches!(e.raw_os_error(), Some(23 | 24)) => {
                    // ENFILE / EMFILE: out of descriptors. Keep serving what we have and
                    // retry accepting after a pause.
                    log::debug!("accept paused: {e}");
                    self.core.accept_pauses.fetch_add(1, Ordering::Relaxed);
                    self.pause_accept(Some(now + self.config.accept_backoff));
                    return;
                }
                Err(e) => {
                    // ECONNABORTED and friends concern one connection only.
                    log::debug!("accept error: {e}");
                    continue;
                }
            };
            match listener.nodelay {
                Inherit::Yes => {}
                Inherit::No => {
                    let _ = stream.set_nodelay(true);
                }
                Inherit::Unknown => {
                    listener.nodelay = if stream.nodelay().unwrap_or(false) {
                        Inherit::Yes
                    } else {
                        let _ = stream.set_nodelay(true);
                        Inherit::No
                    };
                }
            }
            let Ok(transport) = self.driver.wrap(stream) else {
                continue;
            };
            let id = insert(&mut self.slab, &self.core, transport);
            let ctrl = Control::new(Arc::clone(&self.core), id);
            let mut cx = Cx {
                connects: &mut self.connects,
                connections: self.slab.len(),
                now,
            };
            let accepted = self.driver.accept(&mut cx, peer, ctrl);
            self.start_connects(now);
            match accepted {
                Some(conn) => {
                    let eager = self.eager_read || {
                        self.eager_skipped = self.eager_skipped.wrapping_add(1);
                        self.eager_skipped % EAGER_PROBE == 0
                    };
                    let entry = &mut self.slab[id.key as usize];
                    entry.conn = Some(conn);
                    // Without reading now, the driver's read asks the poller, which
                    // reports the bytes at once if they are already there.
                    entry.read_ready = eager;
                    entry.write_ready = true;
                    self.read_any = false;
                    self.run_conn(id, Why::Opened, now);
                    if eager {
                        self.eager_read = self.read_any;
                        self.eager_skipped = 0;
                    }
                }
                None => self.remove(id, None),
            }
        }
        self.listeners[i].backlog = true;
    }

    /// Starts the connects the driver asked for during its last call.
    fn start_connects(&mut self, now: Instant) {
        while let Some(pc) = self.connects.pop() {
            match self.open_outbound(&pc, now) {
                Ok(()) => {}
                Err(e) => {
                    let mut cx = Cx {
                        connects: &mut self.connects,
                        connections: self.slab.len(),
                        now,
                    };
                    let _ = self.driver.connected(&mut cx, pc.tag, Err(e));
                }
            }
        }
    }

    fn open_outbound(&mut self, pc: &PendingConnect, now: Instant) -> io::Result<()> {
        if self.slab.len() >= self.config.max_connections || self.stopping.is_some() {
            return Err(io::Error::other(
                "connection limit reached or loop stopping",
            ));
        }
        let stream = TcpStream::connect(pc.addr)?;
        let _ = stream.set_nodelay(true);
        let transport = self.driver.wrap(stream)?;
        let id = insert(&mut self.slab, &self.core, transport);
        let entry = &mut self.slab[id.key as usize];
        entry.connecting = Some(pc.tag);
        let deadline = pc.timeout.map(|d| now + d);
        entry.step = Step::write().until(deadline);
        if let Err(e) = self.set_interest(id, Some(Interest::WRITABLE)) {
            self.remove(id, None);
            return Err(e);
        }
        self.wheel.set(id.key, deadline);
        Ok(())
    }

    fn pause_accept(&mut self, until: Option<Instant>) {
        for l in &mut self.listeners {
            if l.registered {
                let _ = self.poll.registry().deregister(&mut l.socket);
                l.registered = false;
            }
        }
        if until.is_some() {
            self.accept_paused_until = until;
        }
    }

    fn resume_accept(&mut self, now: Instant) {
        if self.stopping.is_some() || self.slab.len() >= self.config.max_connections {
            return;
        }
        if self.accept_paused_until.is_some_and(|t| now < t) {
            return;
        }
        self.accept_paused_until = None;
        for (i, l) in self.listeners.iter_mut().enumerate() {
            if !l.registered
                && self
                    .poll
                    .registry()
                    .register(&mut l.socket, listener_token(i), Interest::READABLE)
                    .is_ok()
            {
                l.registered = true;
            }
        }
    }

    fn fire_timers(&mut self, now: Instant) {
        let mut expired = std::mem::take(&mut self.expired);
        self.wheel.expire(now, &mut expired);
        for key in expired.drain(..) {
            let Some(entry) = self.slab.get(key as usize) else {
                continue;
            };
            let id = ConnId {
                key,
                gen: entry.gen,
            };
            if entry.closing {
                self.remove(id, Some(Closed::LingerTimeout));
            } else if let Some(tag) = entry.connecting {
                self.connect_failed(id, tag, io::ErrorKind::TimedOut.into(), now);
            } else {
                self.run_conn(id, Why::Timeout, now);
            }
        }
        self.expired = expired;
    }

    fn drain_wakeups(&mut self, now: Instant) {
        while let Ok((id, tag, next)) = self.ready_rx.try_recv() {
            let alive = self
                .slab
                .get(id.key as usize)
                .is_some_and(|e| e.gen == id.gen && !e.closing && e.conn.is_some());
            if alive {
                self.run_conn(id, Why::Woken { next, tag }, now);
            }
        }
        self.commands.take(&mut self.batch);
        while let Some(cmd) = self.batch.pop_front() {
            match cmd {
                Cmd::User(msg) => {
                    let mut cx = Cx {
                        connects: &mut self.connects,
                        connections: self.slab.len(),
                        now,
                    };
                    self.driver.message(&mut cx, msg);
                    self.start_connects(now);
                }
                Cmd::Stop(deadline) => self.begin_stop(deadline, now),
            }
        }
    }

    fn begin_stop(&mut self, deadline: Option<Instant>, now: Instant) {
        if self.stopping.is_some() {
            return;
        }
        // No deadline: close what is left right after the connections had their say.
        self.stopping = Some(Some(deadline.unwrap_or(now)));
        self.pause_accept(None);
        self.listeners.clear();
        let ids: Vec<ConnId> = self
            .slab
            .iter()
            .filter(|(_, e)| e.conn.is_some() && !e.closing)
            .map(|(k, e)| ConnId {
                key: k as u32,
                gen: e.gen,
            })
            .collect();
        for id in ids {
            self.run_conn(id, Why::Stopping, now);
        }
    }

    fn close_all(&mut self) {
        let ids: Vec<ConnId> = self
            .slab
            .iter()
            .map(|(k, e)| ConnId {
                key: k as u32,
                gen: e.gen,
            })
            .collect();
        for id in ids {
            self.remove(id, Some(Closed::Shutdown));
        }
    }

    fn run_again(&mut self, now: Instant) {
        // Each connection queued last turn gets one more call this turn.
        for _ in 0..self.again.len() {
            let Some(id) = self.again.pop_front() else {
                break;
            };
            let Some(entry) = self.slab.get_mut(id.key as usize) else {
                continue;
            };
            if entry.gen != id.gen {
                continue;
            }
            entry.queued = false;
            let why = if entry.read_ready && entry.step.read {
                Why::Readable
            } else if entry.write_ready && entry.step.write {
                Why::Writable
            } else {
                continue;
            };
            self.run_conn(id, why, now);
        }
    }

    fn connect_failed(&mut self, id: ConnId, tag: u64, err: io::Error, now: Instant) {
        self.remove(id, None);
        let mut cx = Cx {
            connects: &mut self.connects,
            connections: self.slab.len(),
            now,
        };
        let _ = self.driver.connected(&mut cx, tag, Err(err));
        self.start_connects(now);
    }

    /// Runs the driver for one connection, flushes, and applies its step.
    fn run_conn(&mut self, id: ConnId, mut why: Why, now: Instant) {
        let Some(entry) = self.slab.get_mut(id.key as usize) else {
            return;
        };
        if entry.gen != id.gen {
            return;
        }
        if entry.closing {
            // Only flushing is left.
            match flush(
                &mut entry.transport,
                &mut entry.wbuf,
                &mut entry.write_ready,
            ) {
                Ok(true) => self.remove(id, Some(Closed::ByDriver)),
                Ok(false) => {}
                Err(e) => self.remove(id, Some(Closed::Error(e))),
            }
            return;
        }
        if let Some(tag) = entry.connecting {
            match entry.transport.take_error() {
                Ok(None) => {}
                Ok(Some(e)) | Err(e) => return self.connect_failed(id, tag, e, now),
            }
            match entry.transport.peer_addr() {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::NotConnected => return, // not yet
                Err(e) => return self.connect_failed(id, tag, e, now),
            }
            entry.connecting = None;
            self.wheel.set(id.key, None);
            let ctrl = Control::new(Arc::clone(&self.core), id);
            let mut cx = Cx {
                connects: &mut self.connects,
                connections: self.slab.len(),
                now,
            };
            let conn = self.driver.connected(&mut cx, tag, Ok(ctrl));
            self.start_connects(now);
            match conn {
                Some(conn) => self.slab[id.key as usize].conn = Some(conn),
                None => return self.remove(id, None),
            }
            why = Why::Opened;
        }
        let entry = &mut self.slab[id.key as usize];
        // Flush leftovers first so the driver sees the socket's real state.
        if entry.write_ready && entry.wbuf.as_ref().is_some_and(|b| !b.is_empty()) {
            if let Err(e) = flush(
                &mut entry.transport,
                &mut entry.wbuf,
                &mut entry.write_ready,
            ) {
                return self.remove(id, Some(Closed::Error(e)));
            }
        }
        let Some(conn) = entry.conn.as_mut() else {
            return;
        };
        let edge_exact = entry.transport.short_read_drains();
        let mut io = Io {
            transport: &mut entry.transport,
            rbuf: &mut entry.rbuf,
            wbuf: &mut entry.wbuf,
            pool: &mut self.pool,
            read_ready: &mut entry.read_ready,
            read_closed: entry.read_closed,
            read_eof: &mut entry.read_eof,
            edge_exact,
            write_ready: &mut entry.write_ready,
            budget: self.config.read_budget,
            max_buf: self.config.max_buf_size,
            now,
            id,
        };
        let step = self.driver.ready(conn, &mut io, why);
        self.read_any = io.budget < self.config.read_budget;
        let flushed = match flush(
            &mut entry.transport,
            &mut entry.wbuf,
            &mut entry.write_ready,
        ) {
            Ok(done) => done,
            Err(e) => return self.remove(id, Some(Closed::Error(e))),
        };
        // Give empty buffers back: an idle connection holds none.
        if entry.rbuf.as_ref().is_some_and(ReadBuf::is_empty) {
            if let Some(b) = entry.rbuf.take() {
                self.pool.put_read(b);
            }
        }
        if entry.wbuf.as_ref().is_some_and(Vec::is_empty) {
            if let Some(b) = entry.wbuf.take() {
                self.pool.put_write(b);
            }
        }
        entry.step = step;
        if step.close {
            if flushed {
                return self.remove(id, Some(Closed::ByDriver));
            }
            entry.closing = true;
            let _ = self.reregister(id, Interest::WRITABLE);
            self.wheel.set(id.key, Some(now + self.config.linger));
            return;
        }
        self.wheel.set(id.key, step.deadline);
        let blocked = entry.transport.blocked();
        let want_read = step.read || blocked == Blocked::Read;
        let want_write = step.write || !flushed || blocked == Blocked::Write;
        let interest = match (want_read, want_write) {
            (true, true) => Some(Interest::READABLE | Interest::WRITABLE),
            (true, false) => Some(Interest::READABLE),
            (false, true) => Some(Interest::WRITABLE),
            (false, false) => None,
        };
        // Edge-triggered: readiness already known and not used up will not be signalled
        // again, so such a connection gets another call next turn.
        let again = (step.read && entry.read_ready) || (step.write && flushed && entry.write_ready);
        if again && !entry.queued {
            entry.queued = true;
            self.again.push_back(id);
        }
        if let Err(e) = self.set_interest(id, interest) {
            self.remove(id, Some(Closed::Error(e)));
        }
    }

    fn reregister(&mut self, id: ConnId, interest: Interest) -> io::Result<()> {
        self.set_interest(id, Some(interest))
    }

    /// Registers exactly `interest` (or nothing) for the connection.
    fn set_interest(&mut self, id: ConnId, interest: Option<Interest>) -> io::Result<()> {
        let entry = &mut self.slab[id.key as usize];
        if entry.registered == interest {
            return Ok(());
        }
        let registry = self.poll.registry();
        match (entry.registered, interest) {
            (None, Some(i)) => registry.register(&mut entry.transport, id.token(), i)?,
            (Some(_), Some(i)) => registry.reregister(&mut entry.transport, id.token(), i)?,
            (Some(_), None) => registry.deregister(&mut entry.transport)?,
            (None, None) => {}
        }
        entry.registered = interest;
        Ok(())
    }

    fn remove(&mut self, id: ConnId, why: Option<Closed>) {
        let Some(entry) = self.slab.get(id.key as usize) else {
            return;
        };
        if entry.gen != id.gen {
            return;
        }
        let mut entry = self.slab.remove(id.key as usize);
        // Any Control or late event for this generation is now stale.
        self.core.gens[id.key as usize]
            .store(entry.gen.wrapping_add(1) & 0x7fff_ffff, Ordering::Release);
        self.wheel.set(id.key, None);
        // Closing the socket takes it out of the poller; only a transport that may outlive
        // this call needs an explicit deregistration.
        let dropped = why.is_some()
            && entry
                .conn
                .as_ref()
                .is_some_and(|c| !self.driver.keeps_transport(c));
        if entry.registered.is_some() && !dropped {
            let _ = self.poll.registry().deregister(&mut entry.transport);
        }
        if let Some(b) = entry.rbuf.take() {
            self.pool.put_read(b);
        }
        if let Some(b) = entry.wbuf.take() {
            self.pool.put_write(b);
        }
        match (entry.conn.take(), why) {
            (Some(conn), Some(why)) => self.driver.closed(conn, entry.transport, why),
            _ => {
                let _ = entry.transport.shutdown(Shutdown::Both);
            }
        }
    }
}

/// Binds a listening socket with `SO_REUSEADDR` (and `SO_REUSEPORT` when asked), a backlog
/// of 1024, non-blocking.
///
/// # Errors
///
/// Socket creation, options or bind failed.
pub fn bind(addr: SocketAddr, reuse_port: bool) -> io::Result<std::net::TcpListener> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    if reuse_port {
        socket.set_reuse_port(true)?;
    }
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    Ok(socket.into())
}
