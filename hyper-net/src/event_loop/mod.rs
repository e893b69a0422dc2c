//! The event loop: one `mio::Poll`, listeners, a slab of connections, the timer wheel, and
//! the wakeup channel, driving a [`Driver`] with static dispatch.
//!
//! Per turn, in this order (after quinn's `ConnectionDriver::poll`): wait for events (or the
//! nearest timer), accept, run each ready connection (the driver reads and writes through
//! [`Io`]), flush what it wrote, fire expired timers, apply `Control` wakeups and messages,
//! then give connections that still had work a bounded second turn.

use std::collections::VecDeque;
use std::io;
use std::net::Shutdown;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use hyper_proto::Next;
use mio::net::TcpStream;
use mio::{Events, Interest, Poll};
use slab::Slab;

use crate::buf::{BufPool, ReadBuf};
use crate::config::Config;
use crate::control::{Cmd, Commands, Control, Core, SendError};
use crate::driver::{Closed, Cx, Driver, PendingConnect, Step, Why};
use crate::io::{flush, Io};
use crate::timer::Wheel;
use crate::token::{listener_index, ConnId, WAKER};
use crate::transport::{Blocked, Transport};

mod accept;

pub use accept::bind;
use accept::Listener;

/// Where a connection is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// An outbound connect in progress, with the caller's tag.
    Connecting(u64),
    /// Running its driver.
    Open,
    /// The driver asked to close: only flushing is left.
    Lingering,
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
    phase: Phase,
    queued: bool,
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
        phase: Phase::Open,
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
    /// The loop is stopping: whatever is still open at this instant is closed.
    stop_at: Option<Instant>,
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
            stop_at: None,
            connects: Vec::new(),
            eager_read: true,
            eager_skipped: 0,
            read_any: false,
            config,
        })
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
                // `None`: a late event for a slot's previous connection.
                let Some(entry) = self.entry(id) else {
                    continue;
                };
                let readable = event.is_readable() || event.is_read_closed() || event.is_error();
                let writable = event.is_writable() || event.is_write_closed() || event.is_error();
                entry.read_ready |= readable;
                entry.read_closed |= event.is_read_closed() || event.is_error();
                entry.write_ready |= writable;
                let why = if matches!(entry.phase, Phase::Connecting(_)) {
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
        if let Some(deadline) = self.stop_at {
            if now >= deadline {
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
        for t in [self.accept_paused_until, self.stop_at]
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

    /// Calls the driver with a [`Cx`], then starts the connects it asked for.
    fn with_cx<R>(&mut self, now: Instant, f: impl FnOnce(&mut D, &mut Cx<'_>) -> R) -> R {
        let mut cx = Cx {
            connects: &mut self.connects,
            connections: self.slab.len(),
            now,
        };
        let r = f(&mut self.driver, &mut cx);
        self.start_connects(now);
        r
    }

    /// The live entry of `id` (`None` for a slot that now holds another connection).
    fn entry(&mut self, id: ConnId) -> Option<&mut Entry<D>> {
        self.slab
            .get_mut(id.key as usize)
            .filter(|e| e.gen == id.gen)
    }

    /// Starts the connects the driver asked for during its last call.
    fn start_connects(&mut self, now: Instant) {
        while let Some(pc) = self.connects.pop() {
            if let Err(e) = self.open_outbound(&pc, now) {
                self.with_cx(now, |d, cx| d.connected(cx, pc.tag, Err(e)));
            }
        }
    }

    fn open_outbound(&mut self, pc: &PendingConnect, now: Instant) -> io::Result<()> {
        if self.slab.len() >= self.config.max_connections || self.stop_at.is_some() {
            return Err(io::Error::other(
                "connection limit reached or loop stopping",
            ));
        }
        let stream = TcpStream::connect(pc.addr)?;
        let _ = stream.set_nodelay(true);
        let transport = self.driver.wrap_outbound(stream, pc.tag)?;
        let id = insert(&mut self.slab, &self.core, transport);
        let entry = &mut self.slab[id.key as usize];
        entry.phase = Phase::Connecting(pc.tag);
        let deadline = pc.timeout.map(|d| now + d);
        entry.step = Step::write().until(deadline);
        if let Err(e) = self.set_interest(id, Some(Interest::WRITABLE)) {
            self.remove(id, None);
            return Err(e);
        }
        self.wheel.set(id.key, deadline);
        Ok(())
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
            match entry.phase {
                Phase::Lingering => self.remove(id, Some(Closed::LingerTimeout)),
                Phase::Connecting(tag) => {
                    self.connect_failed(id, tag, io::ErrorKind::TimedOut.into(), now);
                }
                Phase::Open => self.run_conn(id, Why::Timeout, now),
            }
        }
        self.expired = expired;
    }

    fn drain_wakeups(&mut self, now: Instant) {
        while let Ok((id, tag, next)) = self.ready_rx.try_recv() {
            let alive = self
                .slab
                .get(id.key as usize)
                .is_some_and(|e| e.gen == id.gen && e.phase == Phase::Open && e.conn.is_some());
            if alive {
                self.run_conn(id, Why::Woken { next, tag }, now);
            }
        }
        self.commands.take(&mut self.batch);
        while let Some(cmd) = self.batch.pop_front() {
            match cmd {
                Cmd::User(msg) => self.with_cx(now, |d, cx| d.message(cx, msg)),
                Cmd::Stop(deadline) => self.begin_stop(deadline, now),
            }
        }
    }

    fn begin_stop(&mut self, deadline: Option<Instant>, now: Instant) {
        if self.stop_at.is_some() {
            return;
        }
        // No deadline: close what is left right after the connections had their say.
        self.stop_at = Some(deadline.unwrap_or(now));
        self.pause_accept(None);
        self.listeners.clear();
        let ids: Vec<ConnId> = self
            .slab
            .iter()
            .filter(|(_, e)| e.conn.is_some() && e.phase == Phase::Open)
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
            let Some(entry) = self.entry(id) else {
                continue;
            };
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
        self.with_cx(now, |d, cx| d.connected(cx, tag, Err(err)));
    }

    /// Runs the driver for one connection, flushes, and applies its step.
    fn run_conn(&mut self, id: ConnId, mut why: Why, now: Instant) {
        let Some(entry) = self.entry(id) else {
            return;
        };
        if entry.phase == Phase::Lingering {
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
        if let Phase::Connecting(tag) = entry.phase {
            match entry.transport.take_error() {
                Ok(None) => {}
                Ok(Some(e)) | Err(e) => return self.connect_failed(id, tag, e, now),
            }
            match entry.transport.peer_addr() {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::NotConnected => return, // not yet
                Err(e) => return self.connect_failed(id, tag, e, now),
            }
            entry.phase = Phase::Open;
            self.wheel.set(id.key, None);
            let ctrl = Control::new(Arc::clone(&self.core), id);
            match self.with_cx(now, |d, cx| d.connected(cx, tag, Ok(ctrl))) {
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
            entry.phase = Phase::Lingering;
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
        if self.entry(id).is_none() {
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
