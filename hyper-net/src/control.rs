//! [`Control`]: wakes a waiting connection from any thread.

use core::fmt;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crossbeam_channel::{Receiver, Sender, TrySendError};
use hyper_proto::Next;

use crate::token::ConnId;

/// What other threads send a loop besides `Control::ready`.
pub(crate) enum Cmd<M> {
    /// A message for the loop's driver (a new client request, a DNS answer...).
    User(M),
    /// Stop accepting, finish what is in flight, close everything at the deadline.
    Stop(Option<std::time::Instant>),
}

/// Commands for one loop, from any thread, in order: a queue under a mutex that the loop
/// empties by swapping in its own empty one. Neither side allocates in the steady state
/// (a list channel allocates and zeroes a block every 31 messages, and client requests are
/// large messages), and a sender on the loop's own thread never contends.
pub(crate) struct Commands<M> {
    /// `None` once the loop is gone: sends fail from then on.
    queue: Mutex<Option<VecDeque<Cmd<M>>>>,
}

impl<M> Commands<M> {
    pub(crate) fn new() -> Self {
        Self {
            queue: Mutex::new(Some(VecDeque::new())),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Option<VecDeque<Cmd<M>>>> {
        // Nothing panics while holding it but an allocation failure; the queue stays sound.
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `cmd`; gives it back if the loop is gone.
    pub(crate) fn push(&self, cmd: Cmd<M>) -> Result<(), Cmd<M>> {
        match self.lock().as_mut() {
            Some(queue) => {
                queue.push_back(cmd);
                Ok(())
            }
            None => Err(cmd),
        }
    }

    /// Moves everything queued into `batch` (expected empty; its capacity is kept for the
    /// next senders).
    pub(crate) fn take(&self, batch: &mut VecDeque<Cmd<M>>) {
        if let Some(queue) = self.lock().as_mut() {
            core::mem::swap(queue, batch);
        }
    }

    /// The loop is gone: refuse further commands and drop what was queued.
    pub(crate) fn close(&self) {
        let queued = self.lock().take();
        drop(queued);
    }
}

/// The non-generic state shared by a loop, its [`Control`]s and its handles.
pub(crate) struct Core {
    pub(crate) waker: mio::Waker,
    /// A wake is pending: further senders skip the syscall (coalescing).
    pub(crate) awake: AtomicBool,
    /// The current generation of every slot; a `ConnId` is alive while they match (the
    /// loop bumps a slot's generation when its connection is removed).
    pub(crate) gens: Box<[AtomicU32]>,
    pub(crate) stopped: AtomicBool,
    pub(crate) ready_tx: Sender<(ConnId, u64, Next)>,
    /// Wake syscalls made, for tests and stats.
    pub(crate) wakes: AtomicU64,
    /// The thread running the loop: a send from it needs no syscall, only a note that the
    /// loop drains its queues again before it sleeps.
    pub(crate) loop_thread: std::sync::OnceLock<std::thread::ThreadId>,
    pub(crate) local_pending: AtomicBool,
    /// Times accepting paused for lack of descriptors.
    pub(crate) accept_pauses: AtomicU64,
}

impl Core {
    pub(crate) fn new(
        waker: mio::Waker,
        capacity: usize,
    ) -> (Arc<Self>, Receiver<(ConnId, u64, Next)>) {
        let (ready_tx, rx) = crossbeam_channel::unbounded();
        let gens = (0..capacity).map(|_| AtomicU32::new(0)).collect();
        let core = Arc::new(Self {
            waker,
            awake: AtomicBool::new(false),
            gens,
            stopped: AtomicBool::new(false),
            ready_tx,
            wakes: AtomicU64::new(0),
            accept_pauses: AtomicU64::new(0),
            loop_thread: std::sync::OnceLock::new(),
            local_pending: AtomicBool::new(false),
        });
        (core, rx)
    }

    /// Wakes the loop unless a wake is already pending.
    pub(crate) fn wake(&self) -> Result<(), SendError> {
        if self.loop_thread.get() == Some(&std::thread::current().id()) {
            // From a handler on the loop's own thread: drained before the loop sleeps.
            self.local_pending.store(true, Ordering::Release);
            return Ok(());
        }
        if !self.awake.swap(true, Ordering::AcqRel) {
            self.wakes.fetch_add(1, Ordering::Relaxed);
            self.waker.wake().map_err(|_| SendError::Stopped)?;
        }
        Ok(())
    }

    pub(crate) fn is_alive(&self, id: ConnId) -> bool {
        self.gens
            .get(id.key as usize)
            .is_some_and(|g| g.load(Ordering::Acquire) == id.gen)
    }

    fn ready(&self, id: ConnId, tag: u64, next: Next) -> Result<(), SendError> {
        if self.stopped.load(Ordering::Acquire) {
            return Err(SendError::Stopped);
        }
        if !self.is_alive(id) {
            return Err(SendError::Gone);
        }
        match self.ready_tx.try_send((id, tag, next)) {
            Ok(()) => self.wake(),
            Err(TrySendError::Disconnected(_)) => Err(SendError::Stopped),
            Err(TrySendError::Full(_)) => unreachable!("unbounded channel"),
        }
    }
}

/// Why a message could not be delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SendError {
    /// The connection this `Control` belonged to is closed (its slot may serve another
    /// connection now, which is never touched).
    Gone,
    /// The loop has stopped.
    Stopped,
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Gone => "connection is gone",
            Self::Stopped => "event loop has stopped",
        })
    }
}

impl std::error::Error for SendError {}

/// A handle to one connection, given to its handler, that wakes it from any thread.
///
/// `ctrl.ready(next)` queues `next` for the connection and wakes its loop; the loop applies
/// it on its own thread as if the handler had returned it. Cloning costs an atomic
/// increment and never allocates; a burst of `ready` calls costs one wake-up syscall.
///
/// # Examples
///
/// The seed's database example: the handler returns `Next::wait()`, a worker answers later.
///
/// ```no_run
/// # #[allow(dead_code)]
/// # fn example(ctrl: hyper_net::Control) {
/// use hyper_proto::Next;
/// let worker_ctrl = ctrl.clone();
/// std::thread::spawn(move || {
///     // ... look the user up ...
///     if worker_ctrl.ready(Next::write()).is_err() {
///         // The client went away meanwhile: nothing to do.
///     }
/// });
/// # }
/// ```
pub struct Control {
    core: Arc<Core>,
    id: ConnId,
    tag: u64,
}

impl Control {
    pub(crate) fn new(core: Arc<Core>, id: ConnId) -> Self {
        Self { core, id, tag: 0 }
    }

    /// A handle to the same connection whose wakeups carry `tag` ([`Why::Woken`]): a driver
    /// gives each exchange its own tag, so that a wakeup meant for an exchange that already
    /// ended is recognised and dropped instead of reaching the next one.
    ///
    /// [`Why::Woken`]: crate::Why::Woken
    pub fn with_tag(&self, tag: u64) -> Self {
        Self {
            core: Arc::clone(&self.core),
            id: self.id,
            tag,
        }
    }

    /// The tag this handle's wakeups carry.
    pub fn tag(&self) -> u64 {
        self.tag
    }

    /// Applies `next` to the connection, on its loop's thread, as soon as the loop wakes.
    ///
    /// # Errors
    ///
    /// [`SendError::Gone`] if the connection has closed, [`SendError::Stopped`] if the loop
    /// has. Neither touches any other connection.
    pub fn ready(&self, next: Next) -> Result<(), SendError> {
        self.core.ready(self.id, self.tag, next)
    }

    /// Whether the connection is still open (it may close right after this returns).
    pub fn is_alive(&self) -> bool {
        self.core.is_alive(self.id)
    }

    /// The connection this handle belongs to.
    pub fn id(&self) -> ConnId {
        self.id
    }
}

impl Clone for Control {
    fn clone(&self) -> Self {
        Self {
            core: Arc::clone(&self.core),
            id: self.id,
            tag: self.tag,
        }
    }
}

impl fmt::Debug for Control {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Control").field("id", &self.id).finish()
    }
}
