//! The contract between the event loop and a role driver: what a driver author reads.
//!
//! The loop owns sockets, buffers, timers and wakeups; a [`Driver`] owns the protocol state of
//! each connection (`Driver::Conn`). The loop calls [`Driver::ready`] with the reason
//! ([`Why`]) and an [`Io`] view of that connection's socket and buffers; the driver reads,
//! writes into the write buffer, and returns a [`Step`]: what to wait for next (readable,
//! writable, a deadline, or close). The loop flushes what was written, registers exactly that
//! interest, arms the deadline, and calls again when one of them happens. Everything is
//! static dispatch: the loop is generic over the driver.
//!
//! # Examples
//!
//! A driver that echoes every byte back:
//!
//! ```no_run
//! use std::io;
//! use std::net::SocketAddr;
//! use hyper_net::{Config, Control, Cx, Driver, EventLoop, Io, Step, TcpStream, Why};
//!
//! struct Echo;
//!
//! impl Driver for Echo {
//!     type Transport = TcpStream;
//!     type Conn = ();
//!     type Msg = ();
//!
//!     fn wrap(&mut self, stream: TcpStream) -> io::Result<TcpStream> {
//!         Ok(stream)
//!     }
//!
//!     fn accept(&mut self, _: &mut Cx<'_>, _: SocketAddr, _: Control) -> Option<()> {
//!         Some(())
//!     }
//!
//!     fn ready(&mut self, _: &mut (), io: &mut Io<'_, TcpStream>, _: Why) -> Step {
//!         loop {
//!             match io.read() {
//!                 Ok(0) => return Step::close(),
//!                 Ok(_) => {
//!                     let n = io.buffered().len();
//!                     let data = io.buffered().to_vec();
//!                     io.write_buf().extend_from_slice(&data);
//!                     io.consume(n);
//!                 }
//!                 Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Step::read(),
//!                 Err(_) => return Step::close(),
//!             }
//!         }
//!     }
//! }
//!
//! let mut lp = EventLoop::new(Echo, Config::default())?;
//! lp.listen("127.0.0.1:7000".parse().unwrap(), false)?;
//! lp.run()?;
//! # Ok::<(), io::Error>(())
//! ```

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use hyper_proto::Next;
use mio::net::TcpStream;

use crate::control::Control;
use crate::io::Io;
use crate::transport::Transport;

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
    /// Messages other threads send the loop through [`LoopHandle::send`](crate::LoopHandle::send).
    type Msg: Send + 'static;

    /// Turns an accepted or connected TCP stream into the transport.
    ///
    /// # Errors
    ///
    /// Refuses the connection.
    fn wrap(&mut self, stream: TcpStream) -> io::Result<Self::Transport>;

    /// Turns the stream of an outbound connect started with [`Cx::connect`] and `tag` into
    /// the transport: a client wraps the connections to `https` destinations in TLS here
    /// (the session's first bytes go out once the connect completes). Default:
    /// [`Driver::wrap`].
    ///
    /// # Errors
    ///
    /// Refuses the connection: [`Driver::connected`] gets the error.
    fn wrap_outbound(&mut self, stream: TcpStream, tag: u64) -> io::Result<Self::Transport> {
        let _ = tag;
        self.wrap(stream)
    }

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

    /// A message sent through a [`LoopHandle`](crate::LoopHandle).
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

/// An outbound connect requested through [`Cx::connect`], started after the driver call.
#[derive(Debug)]
pub(crate) struct PendingConnect {
    pub(crate) addr: SocketAddr,
    pub(crate) timeout: Option<Duration>,
    pub(crate) tag: u64,
}

/// What the driver may do to the loop from `accept`, `message` and `connected`.
pub struct Cx<'a> {
    pub(crate) connects: &'a mut Vec<PendingConnect>,
    pub(crate) connections: usize,
    pub(crate) now: Instant,
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
