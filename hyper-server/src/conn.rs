//! The server role on hyper-net: turns loop events into handler calls through a
//! `hyper_proto::Conn<Server>`.

use std::io;
use std::net::SocketAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Instant, SystemTime};

use http::StatusCode;
use hyper_net::{Closed, Control, Cx, Driver, Io, Step, Transport, Why, MAX_QUEUED_BODY};
use hyper_proto::{BodyKind, DateCache, Interest, Next, Server, TimeoutKind};

use crate::error::Error;
use crate::handler::{Decoder, Encoder, Handler, HandlerFactory};
use crate::response::Response;

/// Handler calls one connection may make in one loop turn before yielding to the others.
const CALLS_PER_TURN: usize = 256;

pub(crate) struct ServerDriver<F: HandlerFactory<T>, T: Transport> {
    factory: F,
    proto: hyper_proto::Config,
    /// What every connection of the loop uses in turn: the cached `Date` line and the one
    /// `Response` handlers fill (its head is encoded at once, so no connection keeps one).
    shared: Shared,
    date_at: Option<Instant>,
    stopping: bool,
    wrap: fn(hyper_net::TcpStream) -> io::Result<T>,
    /// States of closed connections, kept with their memory (header tables, response
    /// header buffer) for the next accepted ones: a new connection allocates nothing.
    /// Boxed: a connection's state then moves as a pointer (into the loop's table, out of
    /// it, into this list and back), not as the half-kilobyte it is.
    spare: Vec<Box<ServerConn<F::Output>>>,
}

/// How many closed connection states a loop keeps for reuse.
const SPARE_CONNS: usize = 64;

impl<F: HandlerFactory<T>, T: Transport> ServerDriver<F, T> {
    pub(crate) fn new(
        factory: F,
        proto: hyper_proto::Config,
        wrap: fn(hyper_net::TcpStream) -> io::Result<T>,
    ) -> Self {
        Self {
            factory,
            proto,
            shared: Shared {
                date: DateCache::new(SystemTime::now()),
                res: Response::new(),
            },
            date_at: None,
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
    next: Next,
    head_written: bool,
    /// The handler's error that it answered with `Next::end()` and no response.
    error_status: Option<StatusCode>,
    /// Requests seen on this connection: the tag of the current handler's `Control`, so a
    /// wakeup meant for an earlier request is dropped.
    exchange: u64,
}

/// What to do after one handler interaction.
enum Flow {
    /// Keep going in this turn.
    Continue,
    /// Return this step to the loop.
    Yield(Step),
}

impl<F, T> Driver for ServerDriver<F, T>
where
    T: Transport,
    F: HandlerFactory<T>,
{
    type Transport = T;
    type Conn = Box<ServerConn<F::Output>>;
    type Msg = ();

    fn wrap(&mut self, stream: hyper_net::TcpStream) -> io::Result<T> {
        (self.wrap)(stream)
    }

    fn accept(&mut self, cx: &mut Cx<'_>, _peer: SocketAddr, ctrl: Control) -> Option<Self::Conn> {
        let mut conn = match self.spare.pop() {
            Some(mut conn) => {
                conn.proto.renew(self.proto, cx.now());
                conn.ctrl = ctrl;
                conn
            }
            None => Box::new(ServerConn {
                proto: hyper_proto::Conn::<Server>::new(self.proto, cx.now()),
                handler: None,
                ctrl,
                next: Next::read(),
                head_written: false,
                error_status: None,
                exchange: 0,
            }),
        };
        if self.stopping {
            conn.proto.disable_keep_alive();
        }
        Some(conn)
    }

    fn turn(&mut self, now: Instant) {
        // The Date header changes once a second: refresh the cached text at most twice a
        // second (an Instant comparison per turn, no clock read).
        if self.date_at.is_none_or(|next| now >= next) {
            self.shared.date.update(SystemTime::now());
            self.date_at = Some(now + std::time::Duration::from_millis(500));
        }
    }

    fn ready(&mut self, conn: &mut Self::Conn, io: &mut Io<'_, T>, why: Why) -> Step {
        let now = io.now();
        match why {
            Why::Woken { next, tag } => {
                if conn.handler.is_some() && tag == conn.exchange {
                    conn.next = next;
                    if let Err(step) = conn.apply_next(now) {
                        return step;
                    }
                }
            }
            Why::Timeout => {
                if let Some(err) = conn.proto.handle_timeout(now) {
                    if err.timeout_kind() == Some(TimeoutKind::Next) && conn.handler.is_some() {
                        let next = call(&mut conn.handler, |h| h.on_error(Error::Timeout));
                        match next {
                            Some(next) => {
                                conn.error_status = Some(StatusCode::REQUEST_TIMEOUT);
                                conn.next = next;
                            }
                            None => return conn.finish_panicked(io, &mut self.shared),
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
        log::trace!("connection closed: {why:?}");
        if let Some(h) = conn.handler.take() {
            // A handler that panics here loses nothing else: the connection is gone.
            let _ = catch_unwind(AssertUnwindSafe(|| h.on_remove(transport)));
        }
        if self.spare.len() < SPARE_CONNS {
            conn.clear_exchange();
            conn.exchange = 0;
            self.spare.push(conn);
        }
    }
}

/// Calls the handler in `slot`, catching a panic: `None` if it panicked (the handler is
/// then leaked, since dropping it could panic again).
fn call<H>(slot: &mut Option<H>, f: impl FnOnce(&mut H) -> Next) -> Option<Next> {
    let handler = slot.as_mut()?;
    match catch_unwind(AssertUnwindSafe(|| f(handler))) {
        Ok(next) => Some(next),
        Err(_) => {
            log::debug!("handler panicked; closing its connection");
            if let Some(h) = slot.take() {
                std::mem::forget(h);
            }
            None
        }
    }
}

impl<H> ServerConn<H> {
    /// Forgets the exchange that ended: no handler, nothing written, waiting for a head.
    fn clear_exchange(&mut self) {
        self.handler = None;
        self.next = Next::read();
        self.head_written = false;
        self.error_status = None;
    }

    /// After a handler panic: 500 when nothing was sent, then close.
    fn finish_panicked<T: Transport>(&mut self, io: &mut Io<'_, T>, shared: &mut Shared) -> Step {
        if self.proto.respond_error(StatusCode::INTERNAL_SERVER_ERROR) {
            self.proto.poll_transmit(io.write_buf(), Some(&shared.date));
        }
        Step::close()
    }

    /// Records the handler's `next` with the connection (100-continue, deadline).
    fn apply_next(&mut self, now: Instant) -> Result<(), Step> {
        match self.next.interest() {
            Interest::End | Interest::Remove => Ok(()),
            // Only `end` writes (a last chunk); the others need no buffer: do not take one
            // from the pool for nothing.
            _ => self
                .proto
                .set_next(now, self.next, &mut Vec::new())
                .map_err(|_| Step::close()),
        }
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
        for _ in 0..CALLS_PER_TURN {
            let flow = if self.handler.is_none() {
                self.read_head(now, io, factory, shared)
            } else {
                self.step_handler(now, io, shared)
            };
            // 100 Continue, or an automatic error answer.
            if self.proto.has_pending_transmit() {
                self.proto.poll_transmit(io.write_buf(), Some(&shared.date));
            }
            match flow {
                Flow::Continue => {}
                Flow::Yield(step) => return step,
            }
            if self.proto.is_closed() {
                if self.next.interest() == Interest::End {
                    // The exchange is over (its response ended the connection): the
                    // handler no longer owns the connection.
                    self.handler = None;
                }
                return Step::close();
            }
        }
        // Used its share of the turn. Unread input keeps the connection readable, so the
        // loop gives it another turn after the others; interest stays as it was.
        Step::read().until(self.proto.poll_timeout())
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
                self.exchange += 1;
                let ctrl = self.ctrl.with_tag(self.exchange);
                let Ok(handler) = catch_unwind(AssertUnwindSafe(|| factory.create(ctrl))) else {
                    self.proto.respond_error(StatusCode::INTERNAL_SERVER_ERROR);
                    return Flow::Continue;
                };
                self.handler = Some(handler);
                let req = self.proto.request(io.buffered());
                let handler = self.handler.as_mut().expect("just set");
                let next = catch_unwind(AssertUnwindSafe(|| handler.on_request(req)));
                io.consume(n);
                match next {
                    Ok(next) => {
                        self.next = next;
                        if let Err(step) = self.apply_next(now) {
                            return Flow::Yield(step);
                        }
                        Flow::Continue
                    }
                    Err(_) => {
                        if let Some(h) = self.handler.take() {
                            std::mem::forget(h);
                        }
                        Flow::Yield(self.finish_panicked(io, shared))
                    }
                }
            }
            Ok(None) => match io.read() {
                Ok(0) => {
                    let _ = self.proto.recv_eof(now);
                    Flow::Yield(Step::close())
                }
                Ok(_) => Flow::Continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    Flow::Yield(Step::read().until(self.proto.poll_timeout()))
                }
                Err(_) => Flow::Yield(Step::close()),
            },
            // A bad head: the automatic answer goes out in `drive`, then close.
            Err(_) => Flow::Yield(Step::close()),
        }
    }

    fn step_handler<T>(&mut self, now: Instant, io: &mut Io<'_, T>, shared: &mut Shared) -> Flow
    where
        T: Transport,
        H: Handler<T>,
    {
        let deadline = self.proto.poll_timeout();
        let next = match self.next.interest() {
            Interest::Remove => {
                self.proto.close();
                return Flow::Yield(Step::close());
            }
            Interest::End => return self.end_exchange(now, io, shared),
            Interest::Wait => return Flow::Yield(Step::wait().until(deadline)),
            Interest::Read | Interest::ReadWrite if self.proto.is_reading_body() => {
                if io.buffered().is_empty() {
                    // Nothing buffered: see what the socket has before calling the handler.
                    match io.read() {
                        Ok(_) => {}
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                            if self.next.interest() == Interest::ReadWrite {
                                return self.write_step(io, now, shared);
                            }
                            return Flow::Yield(Step::read().until(deadline));
                        }
                        Err(e) => return self.io_error(e, io, shared),
                    }
                }
                let before = (io.buffered().len(), self.proto.is_reading_body());
                let next = call(&mut self.handler, |h| {
                    h.on_request_readable(&mut Decoder::new(io, &mut self.proto))
                });
                let Some(next) = next else {
                    return Flow::Yield(self.finish_panicked(io, shared));
                };
                if next.is_read() && before == (io.buffered().len(), self.proto.is_reading_body()) {
                    // No progress: the handler waits for more than is here.
                    self.next = next;
                    if let Err(step) = self.apply_next(now) {
                        return Flow::Yield(step);
                    }
                    return Flow::Yield(Step::read().until(self.proto.poll_timeout()));
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
                    // Control wakes it or its deadline passes.
                    self.next = Next::wait();
                    return Flow::Yield(Step::wait().until(deadline));
                }
                next
            }
            Interest::Write | Interest::ReadWrite => return self.write_step(io, now, shared),
        };
        self.next = next;
        match self.apply_next(now) {
            Ok(()) => Flow::Continue,
            Err(step) => Flow::Yield(step),
        }
    }

    fn write_step<T>(&mut self, io: &mut Io<'_, T>, now: Instant, shared: &mut Shared) -> Flow
    where
        T: Transport,
        H: Handler<T>,
    {
        let next = if !self.head_written {
            match self.respond(now, io, shared) {
                Ok(next) => next,
                Err(step) => return Flow::Yield(step),
            }
        } else if self.proto.is_writing_body() {
            if io.pending_write() >= MAX_QUEUED_BODY {
                // Back-pressure: wait until the socket drains what is queued.
                return Flow::Yield(Step::write().until(self.proto.poll_timeout()));
            }
            let before = io.pending_write();
            let next = call(&mut self.handler, |h| {
                h.on_response_writable(&mut Encoder::new(io, &mut self.proto))
            });
            let Some(next) = next else {
                return Flow::Yield(self.finish_panicked(io, shared));
            };
            if next.is_write() && self.proto.is_writing_body() && io.pending_write() == before {
                // Nothing written (it waits for data from elsewhere, or the socket is full):
                // give the loop back; a writable socket brings it here again next turn.
                self.next = next;
                if let Err(step) = self.apply_next(now) {
                    return Flow::Yield(step);
                }
                return Flow::Yield(Step::write().until(self.proto.poll_timeout()));
            }
            next
        } else {
            // The body is complete: writing more is not possible; end the exchange.
            Next::end()
        };
        self.next = next;
        match self.apply_next(now) {
            Ok(()) => Flow::Continue,
            Err(step) => Flow::Yield(step),
        }
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
        self.write_head(now, io, default, shared)?;
        Ok(next)
    }

    fn write_head<T: Transport>(
        &mut self,
        now: Instant,
        io: &mut Io<'_, T>,
        default: BodyKind,
        shared: &mut Shared,
    ) -> Result<(), Step> {
        let kind = shared.res.body_kind().unwrap_or(default);
        let status = shared.res.status();
        let result = self.proto.send_response_head_list(
            now,
            status,
            shared.res.list(),
            kind,
            Some(&shared.date),
            io.write_buf(),
        );
        self.head_written = true;
        result.map_err(|e| {
            log::debug!("response head refused: {e}");
            self.proto.close();
            Step::close()
        })
    }

    fn end_exchange<T>(&mut self, now: Instant, io: &mut Io<'_, T>, shared: &mut Shared) -> Flow
    where
        T: Transport,
        H: Handler<T>,
    {
        if !self.head_written {
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
                self.next = next;
                return match self.apply_next(now) {
                    Ok(()) => Flow::Continue,
                    Err(step) => Flow::Yield(step),
                };
            }
        }
        let result = self.proto.set_next(now, Next::end(), io.write_buf());
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
        let next = call(&mut self.handler, |h| h.on_error(Error::Io(e)));
        match next {
            Some(_) => {
                self.proto.close();
                Flow::Yield(Step::close())
            }
            None => Flow::Yield(self.finish_panicked(io, shared)),
        }
    }
}
