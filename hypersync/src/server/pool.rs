//! The workers, and how they share the busy connections.
//!
//! A worker that answered a request on a plain connection does not wait on that socket for
//! the next request: it parks the connection in one `epoll` set that all workers share, and
//! goes on. One worker at a time, the leader, waits on that set (and for new connections
//! from the loop); it serves every connection reported ready, one after another, then
//! leads again. Under load a request therefore costs no thread wake-up of its own: one
//! wait collects every connection that became ready meanwhile, as an event loop's does.
//! The other workers sleep until there is more work than the leader can take.
//!
//! A slow handler must not hold up the others: a monitor thread looks every millisecond
//! (every 10 while nothing is happening) and wakes a sleeping worker when a ready
//! connection has waited [`STALL`] for a worker, or when no one has waited on the set for
//! that long. So a handler that sleeps or streams a large body delays other requests by a
//! millisecond or two, not by its whole run.
//!
//! A parked connection that stays quiet for [`QUIET`] goes back to the loop, which
//! watches idle keep-alive connections without a thread. TLS connections keep the simpler
//! way (the worker waits on the socket itself for [`QUIET`]): rustls may hold decrypted
//! bytes that no socket readiness would report.

use std::collections::VecDeque;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use hyper_net::Control;
use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Registry, Token, Waker};
use slab::Slab;

use super::conn::{After, Buffers, Timeouts, WorkerConn};
use super::driver::{Job, Returned, Slot, Stream};
use super::{serve, Handler, QUIET};

/// How long ready work may wait for a worker before a sleeping one is woken for it.
const STALL: Duration = Duration::from_millis(1);

/// The monitor's look when nothing is happening.
const IDLE_TICK: Duration = Duration::from_millis(10);

/// The token of the loop's wake-up (a new connection to serve).
const WAKE: Token = Token(usize::MAX);

/// Events taken per wait.
const EVENTS: usize = 256;

/// Spare buffer pairs kept for the next connections served.
const SPARE: usize = 8;

/// Past this many slots, an empty set is made anew (its memory given back).
const SET_KEPT: usize = 256;

/// A connection a worker has, and how it goes back to the loop.
pub(crate) struct Lent {
    conn: WorkerConn,
    slot: Slot,
    ctrl: Control,
    /// When it was last parked.
    at: Instant,
}

impl Lent {
    /// Back to the loop: `Idle` to read its next head, or `Closed`.
    fn give_back(self, idle: bool) {
        let returned = if idle {
            let (proto, carry, session) = self.conn.into_parts();
            Returned::Idle(proto, carry, session)
        } else {
            Returned::Closed(self.conn.into_session())
        };
        *self.slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(returned);
        // The loop may be gone (stopping): then the connection closes with it.
        let _ = self.ctrl.ready(hyper_proto::Next::read());
    }
}

/// A place in the shared set.
#[allow(
    clippy::large_enum_variant,
    reason = "slab slots are reused; a box would be an allocation per parked request"
)]
enum Entry {
    /// Waiting for its next request.
    Parked(Lent),
    /// A worker has it.
    Busy,
}

/// Work for a worker.
enum Work {
    /// A connection from the loop, with its first request.
    New(Job),
    /// A parked connection that has something to read.
    Woken(usize, Lent),
}

struct State {
    set: Slab<Entry>,
    /// Work not yet taken, with when it became ready.
    ready: VecDeque<(Work, Instant)>,
    /// A worker is waiting on the set, or about to.
    leading: bool,
    /// Workers asleep.
    sleeping: usize,
    /// When the last wait on the set ended.
    polled_at: Instant,
    /// When quiet connections were last given back.
    swept_at: Instant,
    /// Reused list of the connections to give back.
    quiet: Vec<usize>,
    /// Buffers of parked connections, for the ones being served.
    spare: Vec<Buffers>,
}

/// The workers' shared state.
pub(crate) struct Pool {
    jobs_tx: Sender<Job>,
    jobs: Receiver<Job>,
    poll: Mutex<Poll>,
    registry: Registry,
    waker: Waker,
    state: Mutex<State>,
    sleepers: Condvar,
    stopping: Arc<AtomicBool>,
    closed: AtomicBool,
    timeouts: Timeouts,
}

impl Pool {
    pub(crate) fn new(timeouts: Timeouts) -> std::io::Result<Self> {
        let (jobs_tx, jobs) = crossbeam_channel::unbounded();
        let poll = Poll::new()?;
        let registry = poll.registry().try_clone()?;
        let waker = Waker::new(&registry, WAKE)?;
        let now = Instant::now();
        Ok(Pool {
            jobs_tx,
            jobs,
            poll: Mutex::new(poll),
            registry,
            waker,
            state: Mutex::new(State {
                set: Slab::new(),
                ready: VecDeque::new(),
                leading: false,
                sleeping: 0,
                polled_at: now,
                swept_at: now,
                quiet: Vec::new(),
                spare: Vec::new(),
            }),
            sleepers: Condvar::new(),
            stopping: Arc::new(AtomicBool::new(false)),
            closed: AtomicBool::new(false),
            timeouts,
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A connection from the loop with a complete head. Fails when the workers are gone.
    pub(crate) fn submit(&self, job: Job) -> Result<(), ()> {
        if self.closed.load(Ordering::SeqCst) {
            return Err(());
        }
        self.jobs_tx.send(job).map_err(|_| ())?;
        let _ = self.waker.wake();
        Ok(())
    }

    /// The server stops: the request each worker is on is its connection's last, and the
    /// leader gives the parked connections back to the loop, which closes them.
    pub(crate) fn begin_stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        let _ = self.waker.wake();
    }

    /// Whether the server is stopping.
    pub(crate) fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// The loop is gone: the workers finish what they have and end.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        let _ = self.waker.wake();
        let _guard = self.lock();
        self.sleepers.notify_all();
    }

    /// A worker: serves, leads or sleeps, until the pool closes.
    pub(crate) fn work<H: Handler>(&self, handler: &H) {
        let mut events = Events::with_capacity(EVENTS);
        loop {
            let next = {
                let mut st = self.lock();
                loop {
                    if let Some((work, _)) = st.ready.pop_front() {
                        break Some((work, st.spare.pop().unwrap_or_default()));
                    }
                    if self.closed.load(Ordering::SeqCst) {
                        self.sweep(&mut st, Instant::now(), true);
                        return;
                    }
                    if !st.leading {
                        st.leading = true;
                        break None;
                    }
                    st.sleeping += 1;
                    st = self
                        .sleepers
                        .wait(st)
                        .unwrap_or_else(PoisonError::into_inner);
                    st.sleeping -= 1;
                }
            };
            match next {
                Some((work, buffers)) => self.serve(handler, work, buffers),
                None => self.lead(&mut events),
            }
        }
    }

    /// Waits on the set, then queues what is ready.
    fn lead(&self, events: &mut Events) {
        let timeout = {
            let st = self.lock();
            if st.set.is_empty() {
                None
            } else {
                Some(QUIET)
            }
        };
        {
            let mut poll = self.poll.lock().unwrap_or_else(PoisonError::into_inner);
            if let Err(e) = poll.poll(events, timeout) {
                if e.kind() != std::io::ErrorKind::Interrupted {
                    log::warn!("hypersync: waiting on busy connections failed: {e}");
                    thread::sleep(Duration::from_millis(1));
                }
            }
        }
        let now = Instant::now();
        let mut st = self.lock();
        st.polled_at = now;
        for ev in events.iter() {
            let t = ev.token().0;
            if let Some(entry) = st.set.get_mut(t) {
                if matches!(entry, Entry::Parked(_)) {
                    if let Entry::Parked(lent) = std::mem::replace(entry, Entry::Busy) {
                        st.ready.push_back((Work::Woken(t, lent), now));
                    }
                }
            }
        }
        while let Ok(job) = self.jobs.try_recv() {
            st.ready.push_back((Work::New(job), now));
        }
        let stopping = self.is_stopping();
        if stopping || now.duration_since(st.swept_at) >= QUIET {
            st.swept_at = now;
            self.sweep(&mut st, now, stopping);
        }
        st.leading = false;
    }

    /// Gives back to the loop the parked connections quiet for [`QUIET`] (all of them when
    /// the server stops).
    fn sweep(&self, st: &mut State, now: Instant, all: bool) {
        let mut quiet = std::mem::take(&mut st.quiet);
        quiet.extend(st.set.iter().filter_map(|(k, e)| match e {
            Entry::Parked(l) if all || now.duration_since(l.at) >= QUIET => Some(k),
            _ => None,
        }));
        for &k in &quiet {
            if let Entry::Parked(lent) = st.set.remove(k) {
                self.unregister(&lent);
                lent.give_back(true);
            }
        }
        quiet.clear();
        st.quiet = quiet;
        // After a crowd (10,000 connections at once, say), the memory goes back.
        if st.set.is_empty() && st.set.capacity() > SET_KEPT {
            st.set = Slab::new();
        }
        if st.ready.is_empty() && st.ready.capacity() > SET_KEPT {
            st.ready = VecDeque::new();
        }
    }

    fn unregister(&self, lent: &Lent) {
        if let Some(fd) = lent.conn.sock().map(AsRawFd::as_raw_fd) {
            let _ = self.registry.deregister(&mut SourceFd(&fd));
        }
    }

    /// Serves one piece of work: requests on the connection while they are there, then
    /// parks it (or gives it back, or closes it).
    fn serve<H: Handler>(&self, handler: &H, work: Work, buffers: Buffers) {
        let (lent, token, first) = match work {
            Work::New(job) => {
                let Job {
                    head,
                    proto,
                    stream,
                    leftover,
                    peer,
                    slot,
                    ctrl,
                } = job;
                let tls = matches!(stream, Stream::Tls(_));
                let stop = Arc::clone(&self.stopping);
                let made =
                    WorkerConn::new(stream, proto, leftover, peer, QUIET, self.timeouts, stop);
                let Ok(mut conn) = made else {
                    *slot.lock().unwrap_or_else(PoisonError::into_inner) =
                        Some(Returned::Closed(None));
                    let _ = ctrl.ready(hyper_proto::Next::read());
                    return;
                };
                conn.give_buffers(buffers);
                let lent = Lent {
                    conn,
                    slot,
                    ctrl,
                    at: Instant::now(),
                };
                if tls {
                    // The old way: wait on the socket while busy, then back to the loop.
                    let jobs = &self.jobs;
                    let (conn, open) = serve(handler, lent.conn, head, || !jobs.is_empty()).split();
                    Lent { conn, ..lent }.give_back(open);
                    return;
                }
                (lent, None, Some(head))
            }
            Work::Woken(t, mut lent) => {
                lent.conn.give_buffers(buffers);
                (lent, Some(t), None)
            }
        };
        let mut lent = lent;
        let head = match first {
            Some(head) => Some(head),
            // Readable: its next request, or the end of it.
            None => match lent.conn.next_head(false) {
                After::Next(head) => Some(head),
                After::Return => None,
                After::Close => return self.release(token, lent, false),
            },
        };
        let (lent, open) = match head {
            None => (lent, true),
            // Never waits on the socket: the set does that.
            Some(head) => {
                let (conn, open) = serve(handler, lent.conn, head, || true).split();
                (Lent { conn, ..lent }, open)
            }
        };
        if open {
            self.park(token, lent);
        } else {
            self.release(token, lent, false);
        }
    }

    /// Out of the set and back to the loop, `idle` to read its next head or closed; its
    /// buffers stay for the next connection served.
    fn release(&self, token: Option<usize>, mut lent: Lent, idle: bool) {
        let buffers = lent.conn.take_buffers();
        let mut st = self.lock();
        if let Some(t) = token {
            self.unregister(&lent);
            st.set.try_remove(t);
        }
        if st.spare.len() < SPARE {
            st.spare.push(buffers);
        }
        drop(st);
        lent.give_back(idle);
    }

    /// Into the set, to wait for its next request. Registering (again) reports bytes
    /// that came while a worker had it.
    fn park(&self, token: Option<usize>, mut lent: Lent) {
        if self.is_stopping() {
            // The loop closes it, or reads its last request.
            return self.release(token, lent, true);
        }
        // Only the loop's connections come here, sockets all.
        let Some(fd) = lent.conn.sock().map(AsRawFd::as_raw_fd) else {
            return self.release(token, lent, false);
        };
        let buffers = lent.conn.take_buffers();
        lent.at = Instant::now();
        let mut st = self.lock();
        if st.spare.len() < SPARE {
            st.spare.push(buffers);
        }
        let (t, r) = match token {
            Some(t) => {
                st.set[t] = Entry::Parked(lent);
                let r = self
                    .registry
                    .reregister(&mut SourceFd(&fd), Token(t), Interest::READABLE);
                (t, r)
            }
            None => {
                let t = st.set.insert(Entry::Parked(lent));
                let r = self
                    .registry
                    .register(&mut SourceFd(&fd), Token(t), Interest::READABLE);
                (t, r)
            }
        };
        if r.is_err() {
            if let Entry::Parked(lent) = st.set.remove(t) {
                self.unregister(&lent);
                lent.give_back(true);
            }
        }
    }

    /// Wakes a sleeping worker when ready work or the set has waited too long for one.
    pub(crate) fn monitor(&self) {
        let mut tick = IDLE_TICK;
        while !self.closed.load(Ordering::SeqCst) {
            thread::sleep(tick);
            let st = self.lock();
            let now = Instant::now();
            let unwatched = !st.leading && now.duration_since(st.polled_at) >= STALL;
            let waiting = st
                .ready
                .front()
                .is_some_and(|(_, at)| now.duration_since(*at) >= STALL);
            tick = if st.leading && st.ready.is_empty() && st.set.is_empty() {
                IDLE_TICK
            } else {
                STALL
            };
            if (unwatched || waiting) && st.sleeping > 0 {
                self.sleepers.notify_one();
            }
        }
    }
}
