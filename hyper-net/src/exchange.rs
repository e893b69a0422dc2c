//! The glue every role driver shares: how handler calls are made and how their outcome
//! becomes a [`Step`].
//!
//! # Theory of operation
//!
//! A role driver (the server's, the client's, a blocking adapter's) runs one exchange at a
//! time per connection. On each [`Driver::ready`](crate::Driver::ready) it loops, at most
//! [`CALLS_PER_TURN`] handler calls, each iteration returning a [`Flow`]: go on, or give
//! the loop a [`Step`]. Within an iteration:
//!
//! - the handler is called through [`call`] / [`catch`]: a panic costs only its connection;
//! - input is fetched with [`fill`] when nothing is buffered, and a `WouldBlock` yields
//!   [`step_of`] the connection (proto says what it waits for);
//! - a [`Progress`] snapshot taken around a call tells whether the handler moved (bytes
//!   consumed or queued, a body finished); a handler that asks again for what it just
//!   failed to get yields instead of spinning;
//! - [`write_blocked`] holds body writes while [`MAX_QUEUED_BODY`] bytes wait for the socket;
//! - an [`ExchangeTag`] gives each exchange's `Control` its own tag, so a late wakeup for
//!   a finished exchange never reaches the next one on the same connection.
//!
//! The protocol state itself (what the handler asked for last, whether our head went out,
//! the deadlines) lives in `hyper_proto::Conn`; drivers keep no copy of it.

use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};

use hyper_proto::{Conn, Role};

use crate::body::MAX_QUEUED_BODY;
use crate::control::Control;
use crate::driver::Step;
use crate::io::Io;
use crate::transport::Transport;

/// Handler calls one connection may make in one loop turn before yielding to the others.
pub const CALLS_PER_TURN: usize = 256;

/// What to do after one handler interaction.
#[derive(Debug)]
pub enum Flow {
    /// Keep going in this turn.
    Continue,
    /// Return this step to the loop.
    Yield(Step),
}

/// Runs `f` up to [`CALLS_PER_TURN`] times, until it yields. `None`: the connection used
/// its share of the turn (unread input keeps it readable, so it gets another turn after
/// the others).
pub fn run_turn(mut f: impl FnMut() -> Flow) -> Option<Step> {
    for _ in 0..CALLS_PER_TURN {
        if let Flow::Yield(step) = f() {
            return Some(step);
        }
    }
    None
}

/// Calls `f`, catching a panic: `None` if it panicked.
pub fn catch<R>(f: impl FnOnce() -> R) -> Option<R> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => Some(r),
        Err(_) => {
            log::debug!("handler panicked; closing its connection");
            None
        }
    }
}

/// Calls the handler in `slot`, catching a panic: `None` if there is none or it panicked
/// (the handler is then leaked, since dropping it could panic again).
pub fn call<H, R>(slot: &mut Option<H>, f: impl FnOnce(&mut H) -> R) -> Option<R> {
    let handler = slot.as_mut()?;
    let r = catch(|| f(handler));
    if r.is_none() {
        if let Some(h) = slot.take() {
            std::mem::forget(h);
        }
    }
    r
}

/// What the connection waits for now, as proto sees it: close when it is closed, else the
/// reads and writes its last `Next` asks for (or an automatic answer needs), until its
/// earliest deadline.
#[inline]
pub fn step_of<R: Role>(conn: &Conn<R>) -> Step {
    if conn.is_closed() {
        return Step::close();
    }
    Step {
        read: conn.wants_read(),
        write: conn.wants_write(),
        deadline: conn.poll_timeout(),
        close: false,
    }
}

/// The outcome of [`fill`].
#[derive(Debug)]
pub enum Fill {
    /// New bytes are in [`Io::buffered`].
    Data,
    /// The peer closed its side.
    Eof,
    /// Nothing more for now: yield until the socket is readable.
    Blocked,
    /// A socket error.
    Failed(io::Error),
}

/// Reads from the socket once (see [`Io::read`]).
pub fn fill<T: Transport>(io: &mut Io<'_, T>) -> Fill {
    match io.read() {
        Ok(0) => Fill::Eof,
        Ok(_) => Fill::Data,
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Fill::Blocked,
        Err(e) => Fill::Failed(e),
    }
}

/// What a handler call may change: bytes consumed from or queued to the connection, a body
/// finished. Equal snapshots before and after a call mean it made no progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    buffered: usize,
    queued: usize,
    reading_body: bool,
    writing_body: bool,
}

impl Progress {
    /// A snapshot of `io` and `conn` now.
    pub fn of<T: Transport, R: Role>(io: &Io<'_, T>, conn: &Conn<R>) -> Self {
        Self {
            buffered: io.buffered().len(),
            queued: io.pending_write(),
            reading_body: conn.is_reading_body(),
            writing_body: conn.is_writing_body(),
        }
    }

    /// Whether the body being read moved (bytes consumed, or it ended).
    pub fn read_since(&self, later: &Self) -> bool {
        self.buffered != later.buffered || self.reading_body != later.reading_body
    }

    /// Whether the body being written moved (bytes queued, or it ended).
    pub fn wrote_since(&self, later: &Self) -> bool {
        self.queued != later.queued || self.writing_body != later.writing_body
    }
}

/// Whether body writes should wait: [`MAX_QUEUED_BODY`] bytes already wait for the socket.
#[inline]
pub fn write_blocked<T: Transport>(io: &Io<'_, T>) -> bool {
    io.pending_write() >= MAX_QUEUED_BODY
}

/// Tags each exchange on a connection: the `Control` a handler gets carries the tag, and
/// a wakeup whose tag is not the current one is for a finished exchange.
#[derive(Clone, Copy, Debug, Default)]
pub struct ExchangeTag(u64);

impl ExchangeTag {
    /// Starts a new exchange: the `Control` to give its handler.
    pub fn start(&mut self, ctrl: &Control) -> Control {
        self.0 += 1;
        ctrl.with_tag(self.0)
    }

    /// The current exchange's `Control` (a handler created before the tag moved on).
    pub fn control(&self, ctrl: &Control) -> Control {
        ctrl.with_tag(self.0)
    }

    /// Whether a wakeup with `tag` is for the current exchange.
    pub fn is_current(&self, tag: u64) -> bool {
        tag == self.0
    }

    /// Back to no exchange (a connection state kept for reuse).
    pub fn reset(&mut self) {
        self.0 = 0;
    }
}
