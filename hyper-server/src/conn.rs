//! The server role on hyper-net: turns loop events into handler calls through a
//! `hyper_proto::Conn<Server>`.
//!
//! # Theory of operation
//!
//! A connection alternates between two phases, told apart by whether a handler is
//! attached:
//!
//! - **Between requests** (no handler): read until `Conn::recv_head` has a head, then create
//!   the handler with the request's tagged `Control` and call `on_request`. Pipelined
//!   requests wait in the read buffer; proto parses one only when the previous exchange
//!   ended.
//! - **In an exchange** (a handler): act on proto's record of the handler's last `Next`
//!   (`Conn::next`): read the body (`on_request_readable`), fill and write the response head
//!   (`on_response`, once: `Conn::head_sent`), write the body (`on_response_writable`), wait
//!   for a `Control`, or end. Every answer goes back to proto through `Conn::set_next`.
//!
//! Who ends an exchange: the handler, by returning `Next::end()`; the driver then calls
//! `Conn::end_exchange` (last chunk, keep-alive or close) and drops the handler. A
//! handler that ends without answering after an error gets the error's status; one that
//! panics gets a 500 if nothing was sent. What the connection waits for when the driver
//! yields comes from proto (`exchange::step_of`); the driver adds only its yield decisions
//! (no progress, back-pressure, parked handlers). The shared pieces (turn budget, panic
//! isolation, tags, progress, back-pressure) are in `hyper_net::exchange`.

use std::io;
use std::net::SocketAddr;
use std::time::{Instant, SystemTime};

use http::StatusCode;
use hyper_net::exchange::{
    call, catch, fill, run_turn, step_of, write_blocked, ExchangeTag, Fill, Flow, Progress,
};
use hyper_net::{Closed, Control, Cx, Driver, Io, Step, Transport, Why};
use hyper_proto::{BodyKind, DateCache, Interest, Next, Server, TimeoutKind};

use crate::error::Error;
use crate::handler::{Connection, Decoder, Encoder, Handler, HandlerFactory};
use crate::response::Response;

pub(crate) struct ServerDriver<F: HandlerFactory<T>, T: Transport, W> {
    factory: F,
    proto: hyper_proto::Config,
    /// What every connection of the loop uses in turn: the cached `Date` line and the one
    /// `Response` handlers fill (its head is encoded at once, so no connection keeps one).
    shared: Shared,
    stopping: bool,
    /// Turns an accepted socket into the transport (the identity for plain TCP).
    wrap: W,
    /// States of closed connections, kept with their memory (header tables, response
    /// header buffer) for the next accepted ones: a new connection allocates nothing.
    /// Boxed: a connection's state then moves as a pointer (into the loop's table, out of
    /// it, into this list and back), not as the half-kilobyte it is.
    spare: Vec<Box<ServerConn<F::Output>>>,
}

/// How many closed connection states a loop keeps for reuse.
const SPARE_CONNS: usize = 64;

impl<F: HandlerFactory<T>, T: Transport, W> ServerDriver<F, T, W>
where
    W: FnMut(hyper_net::TcpStream) -> io::Result<T>,
{
    pub(crate) fn new(factory: F, proto: hyper_proto::Config, wrap: W) -> Self {
        Self {
            factory,
            proto,
            shared: Shared {
                date: DateCache::new(SystemTime::now()),
                res: Response::new(),
            },
            stopping: false,
            wrap,
            spare: Vec::new(),
        }
    }
}

/// State every connection of a loop uses in turn.
pub(crate) struct Shared {
    date: DateCache,
    res: Response,
}

pub(crate) struct ServerConn<H> {
    proto: hyper_proto::Conn<Server>,
    handler: Option<H>,
    ctrl: Control,
    /// The handler's error that it answered with `Next::end()` and no response.
    error_status: Option<StatusCode>,
    tag: ExchangeTag,
    /// The client's address, for the log.
    peer: SocketAddr,
    /// Where this turn's response begins in the write buffer: until the loop flushes, none
    /// of it has left, so a malformed request body can still get its 400 instead.
    head_at: Option<usize>,
    /// What the debug log says of the exchange when it ends (only while debug logging is
    /// on: it costs an allocation per request).
    log: Option<Box<ExchangeLog>>,
    /// The connection switched protocols (`101`): the bytes read past the request head,
    /// for the handler's [`Handler::on_upgrade`].
    upgraded: Option<Vec<u8>>,
}

/// One exchange as the debug log reports it.
struct ExchangeLog {
    method: String,
    target: String,
    started: Instant,
    status: u16,
    length: Option<u64>,
}

impl<F, T, W> Driver for ServerDriver<F, T, W>
where
    T: Transport,
    F: HandlerFactory<T>,
    W: FnMut(hyper_net::TcpStream) -> io::Result<T>,
{
    type Transport = T;
    type Conn = Box<ServerConn<F::Output>>;
    type Msg = ();

    fn wrap(&mut self, stream: hyper_net::TcpStream) -> io::Result<T> {
        (self.wrap)(stream)
    }

    fn accept(&mut self, cx: &mut Cx<'_>, peer: SocketAddr, ctrl: Control) -> Option<Self::Conn> {
        let mut conn = match self.spare.pop() {
            Some(mut conn) => {
                conn.proto.renew(self.proto, cx.now());
                conn.ctrl = ctrl;
                conn.peer = peer;
                conn
            }
            None => Box::new(ServerConn {
                proto: hyper_proto::Conn::<Server>::new(self.proto, cx.now()),
                handler: None,
                ctrl,
                error_status: None,
                tag: ExchangeTag::default(),
                peer,
                head_at: None,
                log: None,
                upgraded: None,
            }),
        };
        if self.stopping {
            conn.proto.disable_keep_alive();
        }
        log::debug!("{peer}: connection open");
        Some(conn)
    }

    fn turn(&mut self, now: Instant) {
        // The Date header changes once a second: the wall clock is read at most twice a
        // second (an Instant comparison per turn otherwise).
        self.shared.date.refresh(now, SystemTime::now);
    }

    fn ready(&mut self, conn: &mut Self::Conn, io: &mut Io<'_, T>, why: Why) -> Step {
        let now = io.now();
        match why {
            Why::Woken { next, tag } => {
                if conn.handler.is_some() && conn.tag.is_current(tag) {
                    conn.proto.set_next(now, next);
                }
            }
            Why::Timeout => {
                if let Some(err) = conn.proto.handle_timeout(now) {
                    if err.timeout_kind() == Some(TimeoutKind::Next) && conn.handler.is_some() {
                        match call(&mut conn.handler, |h| h.on_error(Error::Timeout)) {
                            Some(next) => {
                                conn.error_status = Some(StatusCode::REQUEST_TIMEOUT);
                                conn.proto.set_next(now, next);
                            }
                            None => return conn.finish_panicked(io, &self.shared),
                        }
                    } else {
                        // Idle or head-read timeout: the connection answers (408) or closes.
                        conn.proto
                            .poll_transmit(io.write_buf(), Some(&self.shared.date));
                        return Step::close();
                    }
                }
            }
            Why::Stopping => {
                self.stopping = true;
                conn.proto.disable_keep_alive();
                if conn.handler.is_none() && conn.proto.is_idle() {
                    return Step::close();
                }
            }
            Why::Opened | Why::Readable | Why::Writable => {}
        }
        conn.drive(now, io, &mut self.factory, &mut self.shared)
    }

    fn keeps_transport(&self, conn: &Self::Conn) -> bool {
        // Only a handler's `on_remove` can keep the socket.
        conn.handler.is_some()
    }

    fn closed(&mut self, mut conn: Self::Conn, transport: T, why: Closed) {
        match why {
            Closed::Error(ref e) => log::warn!("{}: connection failed: {e}", conn.peer),
            ref why => log::debug!("{}: connection closed ({why:?})", conn.peer),
        }
        if let Some(h) = conn.handler.take() {
            // A handler that panics here loses nothing else: the connection is gone.
            match conn.upgraded.take() {
                Some(read_ahead) => {
                    let _ = catch(|| h.on_upgrade(transport, read_ahead));
                }
                None => {
                    let _ = catch(|| h.on_remove(transport));
                }
            }
        }
        if self.spare.len() < SPARE_CONNS {
            conn.clear_exchange();
            conn.tag.reset();
            self.spare.push(conn);
        }
    }
}

impl<H> ServerConn<H> {
    /// Forgets the exchange that ended: no handler, waiting for a head.
    fn clear_exchange(&mut self) {
        self.handler = None;
        self.upgraded = None;
        self.error_status = None;
        if let Some(l) = self.log.take() {
            log::debug!(
                "{}: {} {} -> {} ({}) in {:?}",
                self.peer,
                l.method,
                l.target,
                l.status,
                l.length
                    .map_or_else(|| "streamed body".to_owned(), |n| format!("{n} bytes")),
                l.started.elapsed(),
            );
        }
    }

    /// After a handler panic: 500 when nothing was sent, then close.
    fn finish_panicked<T: Transport>(&mut self, io: &mut Io<'_, T>, shared: &Shared) -> Step {
        log::warn!("{}: the handler panicked; the connection closes", self.peer);
        if self.proto.respond_error(StatusCode::INTERNAL_SERVER_ERROR) {
            self.proto.poll_transmit(io.write_buf(), Some(&shared.date));
        }
        Step::close()
    }

    /// Records the handler's `next` with proto (`None`: the handler panicked).
    fn apply(&mut self, now: Instant, next: Option<Next>) -> Result<(), ()> {
        let next = next.ok_or(())?;
        self.proto.set_next(now, next);
        Ok(())
    }

    /// Runs the exchange as far as it can go this turn.
    fn drive<T, F>(
        &mut self,
        now: Instant,
        io: &mut Io<'_, T>,
        factory: &mut F,
        shared: &mut Shared,
    ) -> Step
    where
        T: Transport,
        F: HandlerFactory<T, Output = H>,
        H: Handler<T>,
    {
        // What earlier turns queued may have been flushed since.
        self.head_at = None;
        let step = run_turn(|| {
            let flow = if self.handler.is_none() {
                self.read_head(now, io, factory, shared)
            } else {
                self.step_handler(now, io, shared)
            };
            // 100 Continue, or an automatic error answer.
            if self.proto.has_pending_transmit() {
                self.proto.poll_transmit(io.write_buf(), Some(&shared.date));
            }
            if let Flow::Yield(step) = flow {
                return Flow::Yield(step);
            }
            if self.proto.is_closed() {
                // A malformed request body after a response that has not left yet: that
                // response is dropped and the automatic answer (400) goes out instead.
                if let Some(at) = self.head_at.take() {
                    if self.proto.retract_response() {
                        io.write_buf().truncate(at);
                        self.proto.poll_transmit(io.write_buf(), Some(&shared.date));
                    }
                }
                if self.proto.next().interest() == Interest::End {
                    // The exchange is over (its response ended the connection): the
                    // handler no longer owns the connection.
                    self.handler = None;
                }
                return Flow::Yield(Step::close());
            }
            Flow::Continue
        });
        // `None`: used its share of the turn. Unread input keeps the connection readable,
        // so the loop gives it another turn after the others; interest stays as it was.
        step.unwrap_or_else(|| Step::read().until(self.proto.poll_timeout()))
    }

    fn read_head<T, F>(
        &mut self,
        now: Instant,
        io: &mut Io<'_, T>,
        factory: &mut F,
        shared: &mut Shared,
    ) -> Flow
    where
        T: Transport,
        F: HandlerFactory<T, Output = H>,
        H: Handler<T>,
    {
        if self.proto.is_closed() {
            return Flow::Yield(Step::close());
        }
        // Nothing buffered: no head to look for before reading (the common keep-alive case).
        let parsed = if io.buffered().is_empty() {
            Ok(None)
        } else {
            self.proto.recv_head(now, io.buffered())
        };
        match parsed {
            Ok(Some(n)) => {
                let ctrl = self.tag.start(&self.ctrl);
                let peer = self.peer;
                let transport = io.transport();
                let facts = Connection {
                    peer,
                    tls: transport.is_tls(),
                    server_name: transport.tls_server_name(),
                };
                let Some(handler) = catch(|| factory.create_for(ctrl, &facts)) else {
                    self.proto.respond_error(StatusCode::INTERNAL_SERVER_ERROR);
                    return Flow::Continue;
                };
                self.handler = Some(handler);
                let req = self.proto.request(io.buffered());
                if log::log_enabled!(log::Level::Debug) {
                    self.log = Some(Box::new(ExchangeLog {
                        method: req.method().to_string(),
                        target: req.target().to_owned(),
                        started: now,
                        status: 0,
                        length: None,
                    }));
                }
                let next = call(&mut self.handler, |h| h.on_request(req));
                io.consume(n);
                if self.apply(now, next).is_err() {
                    return Flow::Yield(self.finish_panicked(io, shared));
                }
                Flow::Continue
            }
            Ok(None) => match fill(io) {
                Fill::Data => Flow::Continue,
                Fill::Eof => {
                    let _ = self.proto.recv_eof(now);
                    Flow::Yield(Step::close())
                }
                Fill::Blocked => Flow::Yield(step_of(&self.proto)),
                Fill::Failed(e) => {
                    log::warn!("{}: read failed: {e}", self.peer);
                    Flow::Yield(Step::close())
                }
            },
            // A bad head: the automatic answer goes out in `drive`, then close.
            Err(e) => {
                log::warn!("{}: bad request head: {e}", self.peer);
                Flow::Yield(Step::close())
            }
        }
    }

    fn step_handler<T>(&mut self, now: Instant, io: &mut Io<'_, T>, shared: &mut Shared) -> Flow
    where
        T: Transport,
        H: Handler<T>,
    {
        let asked = self.proto.next().interest();
        let next = match asked {
            Interest::Remove => {
                if self.proto.is_upgraded() {
                    // The new protocol's first bytes may be here already: they go with
                    // the socket to `on_upgrade`.
                    self.upgraded = Some(io.buffered().to_vec());
                    let n = io.buffered().len();
                    io.consume(n);
                }
                self.proto.close();
                return Flow::Yield(Step::close());
            }
            Interest::End => return self.end_exchange(now, io, shared),
            Interest::Wait => return Flow::Yield(step_of(&self.proto)),
            Interest::Read | Interest::ReadWrite if self.proto.is_reading_body() => {
                if io.buffered().is_empty() {
                    // Nothing buffered: see what the socket has before calling the handler.
                    match fill(io) {
                        Fill::Data | Fill::Eof => {}
                        Fill::Blocked if asked == Interest::ReadWrite => {
                            return self.write_step(io, now, shared);
                        }
                        Fill::Blocked => return Flow::Yield(step_of(&self.proto)),
                        Fill::Failed(e) => return self.io_error(e, io, shared),
                    }
                }
                let before = Progress::of(io, &self.proto);
                let next = call(&mut self.handler, |h| {
                    h.on_request_readable(&mut Decoder::new(io, &mut self.proto))
                });
                let Some(next) = next else {
                    return Flow::Yield(self.finish_panicked(io, shared));
                };
                if next.is_read() && !before.read_since(&Progress::of(io, &self.proto)) {
                    // No progress: the handler waits for more than is here.
                    self.proto.set_next(now, next);
                    return Flow::Yield(step_of(&self.proto));
                }
                next
            }
            Interest::Read => {
                // The body is over (or there was none): one call lets the handler see the
                // end (`read` gives `Ok(0)`).
                let next = call(&mut self.handler, |h| {
                    h.on_request_readable(&mut Decoder::new(io, &mut self.proto))
                });
                let Some(next) = next else {
                    return Flow::Yield(self.finish_panicked(io, shared));
                };
                if next.interest() == Interest::Read {
                    // Asking to read a finished body again would spin: park it until a
                    // Control wakes it or its deadline passes (the deadline stays).
                    let rest = self.proto.poll_timeout().map(|t| t - now.min(t));
                    let park = rest.map_or(Next::wait(), |d| Next::wait().timeout(d));
                    self.proto.set_next(now, park);
                    return Flow::Yield(step_of(&self.proto));
                }
                next
            }
            Interest::Write | Interest::ReadWrite => return self.write_step(io, now, shared),
        };
        self.proto.set_next(now, next);
        Flow::Continue
    }

    fn write_step<T>(&mut self, io: &mut Io<'_, T>, now: Instant, shared: &mut Shared) -> Flow
    where
        T: Transport,
        H: Handler<T>,
    {
        let next = if !self.proto.head_sent() {
            match self.respond(now, io, shared) {
                Ok(next) => next,
                Err(step) => return Flow::Yield(step),
            }
        } else if self.proto.is_writing_body() {
            if write_blocked(io) {
                // Back-pressure: wait until the socket drains what is queued.
                return Flow::Yield(write_and_asked(&self.proto));
            }
            let before = Progress::of(io, &self.proto);
            let next = call(&mut self.handler, |h| {
                h.on_response_writable(&mut Encoder::new(io, &mut self.proto))
            });
            let Some(next) = next else {
                return Flow::Yield(self.finish_panicked(io, shared));
            };
            let after = Progress::of(io, &self.proto);
            if next.is_write() && self.proto.is_writing_body() && !before.wrote_since(&after) {
                // Nothing written (it waits for data from elsewhere, or the socket is full):
                // give the loop back; a writable socket brings it here again next turn.
                self.proto.set_next(now, next);
                return Flow::Yield(write_and_asked(&self.proto));
            }
            next
        } else {
            // The body is complete: writing more is not possible; end the exchange.
            Next::end()
        };
        self.proto.set_next(now, next);
        Flow::Continue
    }

    /// Calls `on_response` and writes the head it filled. A handler that says nothing of
    /// framing gets `Content-Length: 0` when it ends at once, a streamed body otherwise.
    fn respond<T>(
        &mut self,
        now: Instant,
        io: &mut Io<'_, T>,
        shared: &mut Shared,
    ) -> Result<Next, Step>
    where
        T: Transport,
        H: Handler<T>,
    {
        shared.res.reset();
        let Some(next) = call(&mut self.handler, |h| h.on_response(&mut shared.res)) else {
            return Err(self.finish_panicked(io, shared));
        };
        let default = if next.interest() == Interest::End {
            BodyKind::Empty
        } else {
            BodyKind::Streaming
        };
        let kind = shared.res.body_kind().unwrap_or(default);
        self.head_at = Some(io.pending_write());
        if let Some(l) = self.log.as_mut() {
            l.status = shared.res.status().as_u16();
            l.length = match kind {
                BodyKind::Empty => Some(0),
                BodyKind::Length(n) => Some(n),
                BodyKind::Streaming => None,
            };
        }
        let sent = self.proto.send_response_head_list(
            now,
            shared.res.status(),
            shared.res.list(),
            kind,
            Some(&shared.date),
            io.write_buf(),
        );
        match sent {
            Ok(()) => Ok(next),
            Err(e) => {
                log::debug!("response head refused: {e}");
                self.proto.close();
                Err(Step::close())
            }
        }
    }

    fn end_exchange<T>(&mut self, now: Instant, io: &mut Io<'_, T>, shared: &mut Shared) -> Flow
    where
        T: Transport,
        H: Handler<T>,
    {
        if !self.proto.head_sent() {
            if let Some(status) = self.error_status.take() {
                // The handler ended after an error without answering: the server does.
                self.proto.respond_error(status);
                self.handler = None;
                return Flow::Yield(Step::close());
            }
            // Ending without having written: the handler fills the head now.
            let next = match self.respond(now, io, shared) {
                Ok(next) => next,
                Err(step) => return Flow::Yield(step),
            };
            if next.interest() != Interest::End {
                self.proto.set_next(now, next);
                return Flow::Continue;
            }
        }
        let result = self.proto.end_exchange(now, io.write_buf());
        self.clear_exchange();
        if result.is_err() || self.proto.is_closed() {
            return Flow::Yield(Step::close());
        }
        // Keep-alive: the next request may already be buffered (pipelining).
        Flow::Continue
    }

    fn io_error<T>(&mut self, e: io::Error, io: &mut Io<'_, T>, shared: &mut Shared) -> Flow
    where
        T: Transport,
        H: Handler<T>,
    {
        log::warn!("{}: socket error: {e}", self.peer);
        match call(&mut self.handler, |h| h.on_error(Error::Io(e))) {
            Some(_) => {
                self.proto.close();
                Flow::Yield(Step::close())
            }
            None => Flow::Yield(self.finish_panicked(io, shared)),
        }
    }
}

/// Waiting for the socket to take more: writable, and readable too when the handler asked
/// for both (`Next::read_and_write`, a handler reading ahead while its peer is not
/// reading), until proto's deadline.
fn write_and_asked(proto: &hyper_proto::Conn<Server>) -> Step {
    Step {
        write: true,
        ..step_of(proto)
    }
}
