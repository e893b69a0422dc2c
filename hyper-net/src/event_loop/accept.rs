//! Listening and accepting: the loop's listeners, the per-turn accept share, reading at
//! accept, `TCP_NODELAY` inherited from the listener, and the `EMFILE` back-off.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use mio::net::TcpListener;
use mio::Interest;

use crate::control::Control;
use crate::driver::{Driver, Why};
use crate::token::listener_token;

use super::{insert, EventLoop};

pub(super) struct Listener {
    pub(super) socket: TcpListener,
    pub(super) registered: bool,
    /// Connections were left in the backlog when the per-turn share ran out: accept more
    /// next turn (edge-triggered: no new event comes for them).
    pub(super) backlog: bool,
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

impl<D: Driver> EventLoop<D> {
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

    pub(super) fn accept(&mut self, i: usize, now: Instant) {
        for _ in 0..ACCEPTS_PER_TURN {
            if self.slab.len() >= self.config.max_connections || self.stop_at.is_some() {
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
            match self.with_cx(now, |d, cx| d.accept(cx, peer, ctrl)) {
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

    pub(super) fn pause_accept(&mut self, until: Option<Instant>) {
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

    pub(super) fn resume_accept(&mut self, now: Instant) {
        if self.stop_at.is_some() || self.slab.len() >= self.config.max_connections {
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
