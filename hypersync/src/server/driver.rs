//! The loop side: a `hyper_net::Driver` that owns every connection while it is idle or
//! sending a head, and lends it to a worker for as long as it is busy.
//!
//! Theory of operation. The loop accepts, reads request heads (with the head-read timeout,
//! so a slow client holds no thread) and parks idle keep-alive connections. When a head is
//! complete the connection is lent: its `hyper_proto::Conn`, the bytes read past the head
//! and a duplicate of its socket go to a worker, and the loop stops watching it
//! (`Step::wait`). The workers serve that request and every next one that arrives while it
//! is busy, with blocking reads and writes; between requests it waits in the workers'
//! shared set (`pool.rs`), and it comes back (through the slot and a `Control` wakeup)
//! when it goes quiet, or is said to be over. The loop then reads its next head again.
//! Idle and slow connections thus cost no thread, and busy ones no thread each.
//!
//! An HTTPS connection's handshake and heads are read by the loop too; lending it also
//! lends its rustls session (`TlsStream::lend_server_session`), which the worker drives
//! over the duplicate socket and gives back with the connection.

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use hyper_net::exchange::{fill, step_of, Fill};
use hyper_net::tls::{MaybeTls, TlsStream};
use hyper_net::{Control, Cx, Driver, Io, Step, TcpStream, Why};
use hyper_proto::{Conn, DateCache, Server as ProtoServer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

use super::conn::Head;
use super::pool::Pool;
use super::Handler;

/// What a worker gives back. Each connection has a slot of this size, so the session is
/// boxed: inline, it would make every idle plain connection a kilobyte larger.
pub(crate) enum Returned {
    /// The connection, to read its next head: its protocol state, bytes read past the
    /// last request, and its TLS session if it has one.
    Idle(
        Box<Conn<ProtoServer>>,
        Vec<u8>,
        Option<Box<ServerConnection>>,
    ),
    /// The connection is over (its TLS session comes back so that closing it sends
    /// `close_notify`).
    Closed(Option<Box<ServerConnection>>),
}

/// A connection's bytes on a worker.
pub(crate) type Stream = crate::stream::Stream<ServerConnection>;

/// Where a lent connection comes back.
pub(crate) type Slot = Arc<Mutex<Option<Returned>>>;

/// A request for a worker, with the connection it came on.
pub(crate) struct Job {
    pub(crate) head: Head,
    pub(crate) proto: Box<Conn<ProtoServer>>,
    pub(crate) stream: Stream,
    pub(crate) leftover: Vec<u8>,
    pub(crate) peer: SocketAddr,
    pub(crate) slot: Slot,
    pub(crate) ctrl: Control,
}

pub(crate) struct ConnState {
    /// `None` while a worker has the connection.
    proto: Option<Box<Conn<ProtoServer>>>,
    /// Bytes of a head a worker read before giving the connection back.
    carry: Vec<u8>,
    slot: Slot,
    ctrl: Control,
    peer: SocketAddr,
}

pub(crate) struct SyncDriver<H> {
    /// For `on_connection_start` / `on_connection_end`, called here on the loop.
    handler: Arc<H>,
    config: hyper_proto::Config,
    /// The workers.
    pool: Arc<Pool>,
    /// Set for an HTTPS server.
    tls: Option<Arc<ServerConfig>>,
    date: DateCache,
    date_at: Option<Instant>,
}

impl<H: Handler> SyncDriver<H> {
    pub(crate) fn new(
        handler: Arc<H>,
        config: hyper_proto::Config,
        pool: Arc<Pool>,
        tls: Option<Arc<ServerConfig>>,
    ) -> Self {
        SyncDriver {
            handler,
            config,
            pool,
            tls,
            date: DateCache::new(SystemTime::now()),
            date_at: None,
        }
    }

    /// Reads heads until one is complete (then lends the connection) or the socket has no
    /// more for now.
    fn read_heads(&mut self, conn: &mut ConnState, io: &mut Io<'_, MaybeTls>) -> Step {
        let now = io.now();
        let Some(proto) = conn.proto.as_mut() else {
            return Step::wait();
        };
        loop {
            if !conn.carry.is_empty() {
                conn.carry.extend_from_slice(io.buffered());
                let n = io.buffered().len();
                io.consume(n);
            }
            let input: &[u8] = if conn.carry.is_empty() {
                io.buffered()
            } else {
                &conn.carry
            };
            if !input.is_empty() {
                match proto.recv_head(now, input) {
                    Ok(Some(n)) => {
                        let head = Head::of(&proto.request(input));
                        let leftover = input[n..].to_vec();
                        conn.carry.clear();
                        let all = io.buffered().len();
                        io.consume(all);
                        return self.lend(conn, io, head, leftover);
                    }
                    Ok(None) => {}
                    Err(_) => {
                        proto.poll_transmit(io.write_buf(), Some(&self.date));
                        return Step::close();
                    }
                }
            }
            match fill(io) {
                Fill::Data => {}
                Fill::Blocked => return step_of(proto),
                Fill::Eof => {
                    if proto.recv_eof(now).is_err() {
                        proto.poll_transmit(io.write_buf(), Some(&self.date));
                    }
                    return Step::close();
                }
                Fill::Failed(_) => return Step::close(),
            }
        }
    }

    /// Hands the connection to a worker.
    fn lend(
        &mut self,
        conn: &mut ConnState,
        io: &mut Io<'_, MaybeTls>,
        head: Head,
        leftover: Vec<u8>,
    ) -> Step {
        let Some(stream) = lend_stream(io.transport()) else {
            return Step::close();
        };
        let Some(proto) = conn.proto.take() else {
            return Step::close();
        };
        let job = Job {
            head,
            proto,
            stream,
            leftover,
            peer: conn.peer,
            slot: Arc::clone(&conn.slot),
            ctrl: conn.ctrl.clone(),
        };
        if self.pool.submit(job).is_err() {
            return Step::close();
        }
        Step::wait()
    }
}

/// A duplicate of the connection's socket for a worker, with its TLS session if it has one.
fn lend_stream(transport: &mut MaybeTls) -> Option<Stream> {
    let sock = match &*transport {
        MaybeTls::Plain(s) => s,
        MaybeTls::Tls(t) => t.get_ref(),
    };
    let dup = socket2::SockRef::from(sock)
        .try_clone()
        .map(std::net::TcpStream::from)
        .ok()?;
    match transport {
        MaybeTls::Plain(_) => Some(Stream::Plain(dup)),
        MaybeTls::Tls(t) => {
            let session = t.lend_server_session()?;
            Some(Stream::Tls(Box::new(StreamOwned::new(session, dup))))
        }
    }
}

/// A session back from a worker, into the connection's transport.
fn restore(transport: &mut MaybeTls, session: Option<Box<ServerConnection>>) {
    if let (MaybeTls::Tls(t), Some(session)) = (transport, session) {
        t.restore_session(*session);
    }
}

impl<H: Handler> Driver for SyncDriver<H> {
    type Transport = MaybeTls;
    type Conn = ConnState;
    type Msg = ();

    fn wrap(&mut self, stream: TcpStream) -> io::Result<MaybeTls> {
        Ok(match &self.tls {
            Some(config) => MaybeTls::Tls(Box::new(TlsStream::accept(stream, Arc::clone(config))?)),
            None => MaybeTls::Plain(stream),
        })
    }

    fn accept(&mut self, cx: &mut Cx<'_>, peer: SocketAddr, ctrl: Control) -> Option<ConnState> {
        let mut proto = Box::new(Conn::<ProtoServer>::new(self.config, cx.now()));
        if self.pool.is_stopping() {
            proto.disable_keep_alive();
        }
        self.handler.on_connection_start();
        Some(ConnState {
            proto: Some(proto),
            carry: Vec::new(),
            slot: Arc::new(Mutex::new(None)),
            ctrl,
            peer,
        })
    }

    fn turn(&mut self, now: Instant) {
        if self.date_at.is_none_or(|next| now >= next) {
            self.date.update(SystemTime::now());
            self.date_at = Some(now + std::time::Duration::from_millis(500));
        }
    }

    fn ready(&mut self, conn: &mut ConnState, io: &mut Io<'_, MaybeTls>, why: Why) -> Step {
        if conn.proto.is_none() {
            // Lent: only the worker's return brings it back.
            let returned = conn.slot.lock().unwrap_or_else(|e| e.into_inner()).take();
            match returned {
                None => return Step::wait(),
                Some(Returned::Closed(session)) => {
                    restore(io.transport(), session);
                    return Step::close();
                }
                Some(Returned::Idle(proto, carry, session)) => {
                    restore(io.transport(), session);
                    conn.proto = Some(proto);
                    conn.carry = carry;
                }
            }
        }
        let Some(proto) = conn.proto.as_mut() else {
            return Step::close();
        };
        match why {
            Why::Timeout => {
                if proto.handle_timeout(io.now()).is_some() {
                    proto.poll_transmit(io.write_buf(), Some(&self.date));
                }
                if proto.is_closed() {
                    return Step::close();
                }
            }
            Why::Stopping => self.pool.begin_stop(),
            _ => {}
        }
        // Also for a connection a worker gives back after the stop began.
        if self.pool.is_stopping() {
            proto.disable_keep_alive();
            if proto.is_idle() && conn.carry.is_empty() && io.buffered().is_empty() {
                return Step::close();
            }
        }
        self.read_heads(conn, io)
    }

    fn keeps_transport(&self, _: &ConnState) -> bool {
        false
    }

    fn closed(&mut self, _: ConnState, _: MaybeTls, _: hyper_net::Closed) {
        self.handler.on_connection_end();
    }
}
