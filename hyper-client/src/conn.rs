//! The client role on hyper-net: the driver that runs requests on connections through a
//! `hyper_proto::Conn<Client>`, and dispatches them to pooled or new connections.
//!
//! # Theory of operation
//!
//! A request ([`Job`]) arrives as a loop message. It goes to an idle pooled connection to
//! its destination (woken through its `Control`), or waits when the client or the
//! destination is at its connection limit, or resolves its host on a resolver thread and
//! connects (addresses tried in order). On a connection, one request at a time runs
//! through these phases:
//!
//! - `Head`: `on_control`, then `on_request` fills the head, which proto encodes
//!   (`Expect: 100-continue` arms proto's continue timer);
//! - `Body`: `on_request_writable` while the body goes out (held back while proto waits for
//!   `100 Continue`; a response arriving meanwhile is read);
//! - `Response`: waiting for the final response head (1xx skipped);
//! - `ResponseBody`: `on_response_readable` while the body comes in, and, when the server
//!   answers while it still reads (a success on a kept connection), `on_request_writable`
//!   too for as long as the handler's `Next` asks to write.
//!
//! Who ends an exchange: the handler with `Next::end()`, or the driver once the response
//! body is over and the handler asks for nothing more; `Conn::end_exchange` then decides
//! keep-alive, and the connection takes the next waiting request for its destination, goes
//! back to the pool, or closes. Failures go to `on_error`; an idempotent request that failed
//! on a reused connection before any response byte is retried once on a fresh one. The
//! handler's last `Next` and the deadlines (its timeout, the continue wait) live in proto;
//! the shared call glue is `hyper_net::exchange`.
//!
//! Through a [`Proxy`](crate::Proxy): an `http://` request goes to the proxy's pooled
//! connection in absolute-form; an `https://` request's new connection starts in `Tunnel`
//! (a `CONNECT` sent in the clear, its answer read) and turns to TLS on a 2xx
//! (`TlsStream::start_tls`), with a fresh protocol state for the origin.

use std::io;
use std::net::SocketAddr;
use std::time::Instant;

use hyper_net::exchange::{
    catch, fill, run_turn, write_blocked, ExchangeTag, Fill, Flow, Progress,
};
use hyper_net::tls::{MaybeTls, TlsStream};
use hyper_net::{Closed, Control, Cx, Driver, Io, LoopHandle, Resolver, Step, TcpStream, Why};
use hyper_proto::{BodyKind, Interest, Next, RequestLine};

use crate::client::Builder;
use crate::error::Error;
use crate::handler::{Decoder, Encoder, Handler};
use crate::pool::{key_of, IdMap, Key, Pool};
use crate::proxy::{connect_to, dest, route, Proxy, Route};
use crate::request::Request;

/// A request on its way: the URL, its handler, the head once built.
pub(crate) struct Job<H> {
    /// The request head; `on_request` fills it on the first attempt only.
    pub(crate) req: Request,
    /// `on_request` was called (a retry re-sends the same head).
    pub(crate) filled: bool,
    pub(crate) handler: H,
    pub(crate) retried: bool,
}

#[allow(
    clippy::large_enum_variant,
    reason = "moved once through the channel; boxing would add an allocation per request"
)]
pub(crate) enum Msg<H> {
    Request(Job<H>),
    Resolved(u64, io::Result<Vec<SocketAddr>>),
}

pub(crate) struct ClientDriver<H> {
    builder: Builder,
    proxy: Option<Proxy>,
    proto: hyper_proto::Config,
    pub(crate) handle: Option<LoopHandle<Msg<H>>>,
    resolver: Resolver,
    pool: Pool<Job<H>>,
    /// Requests handed to pooled connections, picked up when the connection wakes.
    assigned: IdMap<hyper_net::ConnId, Job<H>>,
    /// Connects in progress: the job and the addresses left to try.
    connecting: IdMap<u64, (Job<H>, Vec<SocketAddr>)>,
    resolving: IdMap<u64, Job<H>>,
    next_tag: u64,
}

/// The phases of one request on a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// A new connection through a proxy to an `https://` origin: the `CONNECT` to send.
    Tunnel,
    /// The `CONNECT` is sent: its answer to read.
    TunnelAnswer,
    /// `on_request` not called yet.
    Head,
    /// Writing the request body (or holding it for `100 Continue`).
    Body,
    /// Waiting for the response head.
    Response,
    /// Reading the response body.
    ResponseBody,
}

struct Active<H> {
    job: Job<H>,
    phase: Phase,
    /// Any response byte arrived (then a failure is not retried).
    response_started: bool,
    /// Any request body byte was written.
    body_started: bool,
}

pub(crate) struct ClientConn<H> {
    proto: hyper_proto::Conn<hyper_proto::Client>,
    key: Key,
    ctrl: Control,
    active: Option<Active<H>>,
    /// This connection already completed an exchange (a failure may be a stale pool hit).
    reused: bool,
    tag: ExchangeTag,
    /// The server switched protocols (`101`, or a 2xx to `CONNECT`): the bytes read past
    /// the response head, for the handler's `on_upgrade` with the transport.
    upgraded: Option<Vec<u8>>,
    /// When a proxy's answer to `CONNECT` is overdue (the connect timeout, again).
    tunnel_deadline: Option<Instant>,
}

/// Calls `on_request_writable` once and records its `Next`: whether it made progress
/// (bytes queued, or the body ended), `None` if the handler panicked.
fn write_body<H: Handler<MaybeTls>>(
    a: &mut Active<H>,
    proto: &mut hyper_proto::Conn<hyper_proto::Client>,
    io: &mut Io<'_, MaybeTls>,
    now: Instant,
) -> Option<bool> {
    let before = Progress::of(io, proto);
    let handler = &mut a.job.handler;
    let next = catch(|| handler.on_request_writable(&mut Encoder::new(io, proto)))?;
    proto.set_next(now, next);
    Some(before.wrote_since(&Progress::of(io, proto)))
}

/// What a connection reading its response waits for: readable, and writable too while the
/// request body still goes out and the handler asks to write it.
fn duplex_step<H>(conn: &ClientConn<H>) -> Step {
    Step {
        read: true,
        write: conn.proto.is_writing_body() && conn.proto.next().is_write(),
        deadline: conn.proto.poll_timeout(),
        close: false,
    }
}

fn fail<H: Handler<MaybeTls>>(mut job: Job<H>, err: Error) {
    let _ = catch(|| job.handler.on_error(err));
}

impl<H: Handler<MaybeTls>> ClientDriver<H> {
    pub(crate) fn new(builder: Builder, proto: hyper_proto::Config, resolver: Resolver) -> Self {
        let pool = Pool::new(
            builder.max_idle_per_host,
            builder.max_connections,
            builder.max_connections_per_host,
        );
        Self {
            proxy: builder.proxy.clone(),
            builder,
            proto,
            handle: None,
            resolver,
            pool,
            assigned: IdMap::default(),
            connecting: IdMap::default(),
            resolving: IdMap::default(),
            next_tag: 0,
        }
    }

    pub(crate) fn fail_all(&mut self) {
        for (_, job) in self.assigned.drain() {
            fail(job, Error::Closed);
        }
        for (_, (job, _)) in self.connecting.drain() {
            fail(job, Error::Closed);
        }
        for (_, job) in self.resolving.drain() {
            fail(job, Error::Closed);
        }
    }

    fn dispatch(&mut self, job: Job<H>) {
        // A pooled connection first (not for a retry: that wants a fresh one).
        if !job.retried {
            if let Some((id, ctrl)) = self
                .pool
                .take_idle(dest(self.proxy.as_ref(), job.req.url()))
            {
                self.assigned.insert(id, job);
                if ctrl.ready(Next::write()).is_ok() {
                    return;
                }
                let Some(job) = self.assigned.remove(&id) else {
                    return;
                };
                return self.dispatch(job);
            }
        }
        let to = dest(self.proxy.as_ref(), job.req.url());
        if self.pool.host_full(to) {
            // This host is at its limit: wait for one of its connections.
            self.pool.waiting.push_back(job);
            return;
        }
        if self.pool.full() {
            // At the limit: wait for a connection; free an idle one to another host if any.
            self.pool.evict_other(to);
            self.pool.waiting.push_back(job);
            return;
        }
        self.pool.opened(to);
        let tag = self.next_tag;
        self.next_tag += 1;
        let Some(handle) = self.handle.clone() else {
            self.pool.released_dest(to);
            return fail(job, Error::Closed);
        };
        let (host, port) = connect_to(self.proxy.as_ref(), job.req.url());
        let host = host.to_owned();
        self.resolving.insert(tag, job);
        let sent = self.resolver.resolve(&host, port, move |r| {
            let _ = handle.send(Msg::Resolved(tag, r));
        });
        if sent.is_err() {
            if let Some(job) = self.resolving.remove(&tag) {
                self.pool
                    .released_dest(dest(self.proxy.as_ref(), job.req.url()));
                fail(job, Error::Closed);
            }
        }
    }

    /// A connection slot freed up: start what was waiting for one, in order, skipping
    /// requests whose host is still at its own limit.
    fn pump(&mut self) {
        loop {
            let proxy = self.proxy.as_ref();
            let Some(job) = self.pool.next_ready(|j| dest(proxy, j.req.url())) else {
                return;
            };
            self.dispatch(job);
        }
    }

    fn connect_next(
        &mut self,
        cx: &mut Cx<'_>,
        tag: u64,
        job: Job<H>,
        mut addrs: Vec<SocketAddr>,
        last: Option<io::Error>,
    ) {
        match addrs.pop() {
            Some(addr) => {
                cx.connect(addr, self.builder.connect_timeout, tag);
                self.connecting.insert(tag, (job, addrs));
            }
            None => {
                let err = match last {
                    Some(e) if e.kind() == io::ErrorKind::TimedOut => Error::ConnectTimeout,
                    Some(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
                        Error::ConnectRefused(e)
                    }
                    Some(e) => Error::Connect(e),
                    None => Error::Dns(io::Error::new(io::ErrorKind::NotFound, "no address")),
                };
                self.pool
                    .released_dest(dest(self.proxy.as_ref(), job.req.url()));
                fail(job, err);
                self.pump();
            }
        }
    }
}

impl<H: Handler<MaybeTls>> Driver for ClientDriver<H> {
    type Transport = MaybeTls;
    type Conn = ClientConn<H>;
    type Msg = Msg<H>;

    fn wrap(&mut self, stream: TcpStream) -> io::Result<MaybeTls> {
        Ok(MaybeTls::Plain(stream))
    }

    /// An `https` destination's connection gets a TLS session for the URL's host (SNI and
    /// the name its certificate must carry).
    fn wrap_outbound(&mut self, stream: TcpStream, tag: u64) -> io::Result<MaybeTls> {
        let url = match self.connecting.get(&tag) {
            Some((job, _)) if job.req.url().is_tls() => job.req.url(),
            _ => return Ok(MaybeTls::Plain(stream)),
        };
        let name = hyper_net::rustls::pki_types::ServerName::try_from(url.host().to_owned())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let config = self.builder.tls_config_or_default();
        let tls = match route(self.proxy.as_ref(), url) {
            // TLS with the origin once the proxy's tunnel is open.
            Route::Tunnel => TlsStream::connect_tunneled(stream, config, name)?,
            _ => TlsStream::connect(stream, config, name)?,
        };
        Ok(MaybeTls::Tls(Box::new(tls)))
    }

    fn accept(&mut self, _: &mut Cx<'_>, _: SocketAddr, _: Control) -> Option<Self::Conn> {
        None
    }

    fn message(&mut self, cx: &mut Cx<'_>, msg: Msg<H>) {
        match msg {
            Msg::Request(job) => self.dispatch(job),
            Msg::Resolved(tag, result) => {
                let Some(job) = self.resolving.remove(&tag) else {
                    return;
                };
                match result {
                    Ok(mut addrs) => {
                        addrs.reverse(); // tried from the end: keep the resolver's order
                        self.connect_next(cx, tag, job, addrs, None);
                    }
                    Err(e) => {
                        self.pool
                            .released_dest(dest(self.proxy.as_ref(), job.req.url()));
                        fail(job, Error::Dns(e));
                        self.pump();
                    }
                }
            }
        }
    }

    fn connected(
        &mut self,
        cx: &mut Cx<'_>,
        tag: u64,
        result: io::Result<Control>,
    ) -> Option<Self::Conn> {
        let (job, addrs) = self.connecting.remove(&tag)?;
        match result {
            Ok(ctrl) => {
                let proto = hyper_proto::Conn::<hyper_proto::Client>::new(self.proto, cx.now());
                let tunnel = route(self.proxy.as_ref(), job.req.url()) == Route::Tunnel;
                let mut conn = ClientConn {
                    proto,
                    key: key_of(dest(self.proxy.as_ref(), job.req.url())),
                    ctrl,
                    active: None,
                    reused: false,
                    tag: ExchangeTag::default(),
                    upgraded: None,
                    tunnel_deadline: None,
                };
                conn.start(job);
                if tunnel {
                    if let Some(a) = conn.active.as_mut() {
                        a.phase = Phase::Tunnel;
                    }
                    conn.tunnel_deadline = self.builder.connect_timeout.map(|d| cx.now() + d);
                }
                Some(conn)
            }
            Err(e) => {
                self.connect_next(cx, tag, job, addrs, Some(e));
                None
            }
        }
    }

    fn ready(&mut self, conn: &mut Self::Conn, io: &mut Io<'_, MaybeTls>, why: Why) -> Step {
        let now = io.now();
        if conn.active.is_none() {
            if let Some(job) = self.assigned.remove(&io.id()) {
                conn.start(job);
            } else {
                // Idle in the pool: any byte or EOF means the server gave up on it.
                return match why {
                    Why::Timeout | Why::Stopping => Step::close(),
                    // Evicted from the pool to make room for another host.
                    Why::Woken { next, .. } if next.interest() == Interest::Remove => Step::close(),
                    _ => match fill(io) {
                        Fill::Blocked => Step::read().until(conn.proto.poll_timeout()),
                        _ => Step::close(),
                    },
                };
            }
        }
        match why {
            Why::Woken { next, tag } if conn.active.is_some() && conn.tag.is_current(tag) => {
                conn.proto.set_next(now, next);
            }
            Why::Stopping => return self.finish_error(conn, Error::Closed),
            _ => {}
        }
        // The continue wait ends inside proto (the body may go now) without an error.
        if why == Why::Timeout && conn.proto.handle_timeout(now).is_some() {
            return self.finish_error(conn, Error::Timeout);
        }
        run_turn(|| self.step(conn, io, now)).unwrap_or_else(|| Step {
            read: true,
            write: true,
            deadline: conn.proto.poll_timeout(),
            close: false,
        })
    }

    fn keeps_transport(&self, conn: &Self::Conn) -> bool {
        // Only an upgraded connection's handler takes the socket.
        conn.upgraded.is_some()
    }

    fn closed(&mut self, mut conn: Self::Conn, transport: MaybeTls, why: Closed) {
        self.pool.released(&conn.key);
        if let (Some(read_ahead), Some(a)) = (conn.upgraded.take(), conn.active.take()) {
            let _ = catch(move || a.job.handler.on_upgrade(transport, read_ahead));
        } else if let Some(a) = conn.active.take() {
            let err = match why {
                Closed::Error(e) => Error::Io(e),
                Closed::Shutdown => Error::Closed,
                _ => Error::Incomplete,
            };
            fail(a.job, err);
        }
        self.pump();
    }
}

impl<H: Handler<MaybeTls>> ClientDriver<H> {
    /// Ends the active request with `err`, retrying it once on a fresh connection when that
    /// is safe: a reused connection failed before any response byte, for an idempotent
    /// request whose body was not sent.
    fn finish_error(&mut self, conn: &mut ClientConn<H>, err: Error) -> Step {
        if let Some(mut a) = conn.active.take() {
            let retry_ok = conn.reused
                && !a.response_started
                && !a.body_started
                && !a.job.retried
                && a.job.req.is_idempotent()
                && matches!(err, Error::Incomplete | Error::Io(_));
            if retry_ok {
                if let Some(handle) = &self.handle {
                    log::debug!("retrying {} on a fresh connection", a.job.req.url());
                    a.job.retried = true;
                    if handle.send(Msg::Request(a.job)).is_ok() {
                        conn.proto.close();
                        return Step::close();
                    }
                    return Step::close();
                }
            }
            fail(a.job, err);
        }
        conn.proto.close();
        Step::close()
    }

    fn step(&mut self, conn: &mut ClientConn<H>, io: &mut Io<'_, MaybeTls>, now: Instant) -> Flow {
        let Some(a) = conn.active.as_mut() else {
            return Flow::Yield(self.pool_or_close(conn));
        };
        match conn.proto.next().interest() {
            Interest::Remove => {
                let a = conn.active.take();
                drop(a);
                conn.proto.close();
                return Flow::Yield(Step::close());
            }
            Interest::Wait => return Flow::Yield(Step::wait().until(conn.proto.poll_timeout())),
            _ => {}
        }
        match a.phase {
            Phase::Tunnel | Phase::TunnelAnswer => self.tunnel(conn, io, now),
            Phase::Head => {
                let ctrl = conn.tag.control(&conn.ctrl);
                let job = &mut a.job;
                let first = !job.filled;
                job.filled = true;
                let routed = route(self.proxy.as_ref(), job.req.url());
                if let (true, Route::Forward, Some(auth)) = (
                    first,
                    routed,
                    self.proxy.as_ref().and_then(Proxy::authorization),
                ) {
                    // The proxy's credentials; the handler may still replace them.
                    let _ = job.req.set_header("proxy-authorization", auth);
                }
                let req = &mut job.req;
                let handler = &mut job.handler;
                let called = catch(|| {
                    handler.on_control(ctrl);
                    // A retry re-sends the head built the first time.
                    first.then(|| handler.on_request(req))
                });
                let Some(next) = called else {
                    return handler_panicked(conn);
                };
                let url = req.url();
                // A CONNECT names its tunnel's target in authority-form, `host:port`, in
                // the request line and in `Host` (RFC 9110 §9.3.6).
                let (target, host) = match req.connect_target() {
                    Some(t) => (t.as_bytes(), t.as_bytes()),
                    // Through a proxy that forwards it, the whole URL (absolute-form).
                    None if routed == Route::Forward => {
                        (url.as_str().as_bytes(), url.authority().as_bytes())
                    }
                    None => (url.target().as_bytes(), url.authority().as_bytes()),
                };
                let line = RequestLine {
                    method: req.method(),
                    target,
                    host,
                };
                let sent = conn.proto.send_request_head_list(
                    now,
                    &line,
                    req.fields(),
                    req.body(),
                    req.expect_continue(),
                    io.write_buf(),
                );
                if sent.is_err() {
                    return Flow::Yield(self.finish_error(
                        conn,
                        Error::Io(io::Error::new(
                            io::ErrorKind::InvalidInput,
                            "invalid request head",
                        )),
                    ));
                }
                conn.proto.set_next(now, next.unwrap_or(Next::write()));
                a.phase = if conn.proto.is_writing_body() {
                    Phase::Body
                } else {
                    Phase::Response
                };
                Flow::Continue
            }
            Phase::Body => {
                if !conn.proto.is_writing_body() {
                    a.phase = Phase::Response;
                    return Flow::Continue;
                }
                if !conn.proto.may_send_body() {
                    // Holding the body for 100 Continue: look for the server's answer.
                    return self.read_head(conn, io, now);
                }
                if write_blocked(io) {
                    return Flow::Yield(Step::write().until(conn.proto.poll_timeout()));
                }
                let Some(progressed) = write_body(a, &mut conn.proto, io, now) else {
                    return handler_panicked(conn);
                };
                let next = conn.proto.next();
                a.body_started |= progressed;
                if !conn.proto.is_writing_body() {
                    a.phase = Phase::Response;
                    return Flow::Continue;
                }
                if !progressed && next.is_write() {
                    return Flow::Yield(Step::write().until(conn.proto.poll_timeout()));
                }
                if !next.is_write() {
                    // Waiting for something else (the response may come early).
                    return self.read_head(conn, io, now);
                }
                Flow::Continue
            }
            Phase::Response => self.read_head(conn, io, now),
            Phase::ResponseBody => self.read_body(conn, io, now),
        }
    }

    /// The `CONNECT` of a new tunneled connection, then its answer: a 2xx turns the
    /// connection to TLS with the origin; anything else fails the request.
    fn tunnel(
        &mut self,
        conn: &mut ClientConn<H>,
        io: &mut Io<'_, MaybeTls>,
        now: Instant,
    ) -> Flow {
        let (Some(a), Some(proxy)) = (conn.active.as_mut(), self.proxy.as_ref()) else {
            return Flow::Yield(self.finish_error(conn, Error::Closed));
        };
        if a.phase == Phase::Tunnel {
            let url = a.job.req.url();
            let authority = hyper_proto::connect_authority(url.host(), url.port());
            let line = RequestLine {
                method: &http::Method::CONNECT,
                target: authority.as_bytes(),
                host: authority.as_bytes(),
            };
            let fields = proxy.connect_fields().list();
            let sent = conn.proto.send_request_head_list(
                now,
                &line,
                fields,
                BodyKind::Empty,
                false,
                io.write_buf(),
            );
            if sent.is_err() {
                return Flow::Yield(self.finish_error(conn, Error::Incomplete));
            }
            a.phase = Phase::TunnelAnswer;
        }
        match conn.proto.recv_head(now, io.buffered()) {
            Ok(Some(n)) => {
                let status = conn.proto.response(io.buffered()).status();
                io.consume(n);
                if !status.is_success() {
                    // Refused (407 asks for credentials).
                    return Flow::Yield(self.finish_error(conn, Error::Proxy(status)));
                }
                if !io.buffered().is_empty() {
                    // The origin cannot have spoken before our TLS hello.
                    let err = io::Error::new(
                        io::ErrorKind::InvalidData,
                        "bytes after the proxy's answer to CONNECT",
                    );
                    return Flow::Yield(self.finish_error(conn, Error::Io(err)));
                }
                io.transport().start_tls();
                conn.proto = hyper_proto::Conn::<hyper_proto::Client>::new(self.proto, now);
                conn.tunnel_deadline = None;
                if let Some(a) = conn.active.as_mut() {
                    a.phase = Phase::Head;
                }
                Flow::Continue
            }
            Ok(None) => match fill(io) {
                Fill::Data => Flow::Continue,
                Fill::Blocked if conn.tunnel_deadline.is_some_and(|d| now >= d) => {
                    Flow::Yield(self.finish_error(conn, Error::ConnectTimeout))
                }
                Fill::Blocked => Flow::Yield(Step::read().until(conn.tunnel_deadline)),
                Fill::Eof => Flow::Yield(self.finish_error(conn, Error::Incomplete)),
                Fill::Failed(e) => Flow::Yield(self.finish_error(conn, Error::Io(e))),
            },
            Err(e) => {
                let err = e.parse_error().map_or(Error::Incomplete, Error::Parse);
                Flow::Yield(self.finish_error(conn, err))
            }
        }
    }

    fn read_body(
        &mut self,
        conn: &mut ClientConn<H>,
        io: &mut Io<'_, MaybeTls>,
        now: Instant,
    ) -> Flow {
        let Some(a) = conn.active.as_mut() else {
            return Flow::Continue;
        };
        if conn.proto.is_writing_body() && conn.proto.next().is_write() {
            // Both directions at once: the server answered (with a success) while the
            // request body was still going, and the handler keeps writing it for as long as
            // its `Next` asks to write.
            if !write_blocked(io) {
                match write_body(a, &mut conn.proto, io, now) {
                    None => return handler_panicked(conn),
                    Some(true) => return Flow::Continue,
                    Some(false) => {}
                }
            }
            if !conn.proto.next().is_read() {
                return Flow::Yield(duplex_step(conn));
            }
        }
        if !conn.proto.is_reading_body() && conn.proto.next().interest() == Interest::End {
            return self.end_exchange(conn, io, now);
        }
        let before = Progress::of(io, &conn.proto);
        if io.buffered().is_empty() && conn.proto.is_reading_body() {
            match fill(io) {
                Fill::Data | Fill::Eof => {}
                Fill::Blocked => return Flow::Yield(duplex_step(conn)),
                Fill::Failed(e) => return Flow::Yield(self.finish_error(conn, Error::Io(e))),
            }
        }
        let handler = &mut a.job.handler;
        let proto = &mut conn.proto;
        let Some(next) = catch(|| handler.on_response_readable(&mut Decoder::new(io, proto)))
        else {
            return handler_panicked(conn);
        };
        conn.proto.set_next(now, next);
        if conn.proto.is_closed() && conn.proto.is_reading_body() {
            return Flow::Yield(self.finish_error(conn, Error::Incomplete));
        }
        let still_writing = conn.proto.is_writing_body() && next.is_write();
        if next.interest() == Interest::End
            || !conn.proto.is_reading_body() && !next.is_read() && !still_writing
        {
            return self.end_exchange(conn, io, now);
        }
        if !before.read_since(&Progress::of(io, &conn.proto)) {
            if still_writing {
                return Flow::Continue;
            }
            if !conn.proto.is_reading_body() {
                // The body is over and the handler still asks to read: it is done.
                return self.end_exchange(conn, io, now);
            }
            return Flow::Yield(duplex_step(conn));
        }
        Flow::Continue
    }

    fn read_head(
        &mut self,
        conn: &mut ClientConn<H>,
        io: &mut Io<'_, MaybeTls>,
        now: Instant,
    ) -> Flow {
        match conn.proto.recv_head(now, io.buffered()) {
            Ok(Some(n)) => {
                let Some(a) = conn.active.as_mut() else {
                    return Flow::Continue;
                };
                a.response_started = true;
                let res = conn.proto.response(io.buffered());
                if res.is_informational() {
                    io.consume(n);
                    return Flow::Continue;
                }
                let handler = &mut a.job.handler;
                let called = catch(|| handler.on_response(res));
                io.consume(n);
                let Some(next) = called else {
                    return handler_panicked(conn);
                };
                if conn.proto.is_upgraded() {
                    // HTTP/1.1 is over on this connection: the socket and what was read
                    // past the head go to the handler's `on_upgrade` once it is closed here.
                    conn.upgraded = Some(io.buffered().to_vec());
                    let rest = io.buffered().len();
                    io.consume(rest);
                    return Flow::Yield(Step::close());
                }
                conn.proto.set_next(now, next);
                a.phase = Phase::ResponseBody;
                Flow::Continue
            }
            Ok(None) => {
                if !io.buffered().is_empty() {
                    if let Some(a) = conn.active.as_mut() {
                        a.response_started = true;
                    }
                }
                match fill(io) {
                    Fill::Eof => {
                        let err = match conn.proto.recv_eof(now) {
                            Err(e) if e.is_parse() && !e.is_incomplete() => Error::Parse(
                                e.parse_error().unwrap_or(hyper_proto::ParseError::Syntax),
                            ),
                            _ => Error::Incomplete,
                        };
                        Flow::Yield(self.finish_error(conn, err))
                    }
                    Fill::Data => Flow::Continue,
                    Fill::Blocked => {
                        let write = conn
                            .active
                            .as_ref()
                            .is_some_and(|a| a.phase == Phase::Body && conn.proto.may_send_body());
                        Flow::Yield(Step {
                            read: true,
                            write,
                            deadline: conn.proto.poll_timeout(),
                            close: false,
                        })
                    }
                    Fill::Failed(e) => Flow::Yield(self.finish_error(conn, Error::Io(e))),
                }
            }
            Err(e) => {
                let err = e.parse_error().map_or(Error::Incomplete, Error::Parse);
                Flow::Yield(self.finish_error(conn, err))
            }
        }
    }

    fn end_exchange(
        &mut self,
        conn: &mut ClientConn<H>,
        io: &mut Io<'_, MaybeTls>,
        now: Instant,
    ) -> Flow {
        let _ = conn.proto.end_exchange(now, io.write_buf());
        conn.active = None;
        conn.reused = true;
        if conn.proto.can_send_request() {
            // A request waiting for a connection to this host takes this one at once.
            let proxy = self.proxy.as_ref();
            let job = self
                .pool
                .next_for(&conn.key, |j| dest(proxy, j.req.url()), |j| !j.retried);
            if let Some(job) = job {
                conn.start(job);
                return Flow::Continue;
            }
        }
        Flow::Yield(self.pool_or_close(conn))
    }

    /// Puts a finished connection in the idle pool, or closes it.
    fn pool_or_close(&mut self, conn: &mut ClientConn<H>) -> Step {
        if !conn.proto.can_send_request() || conn.proto.is_closed() {
            return Step::close();
        }
        if !self.pool.park(&conn.key, &conn.ctrl) {
            return Step::close();
        }
        Step::read().until(conn.proto.poll_timeout())
    }
}

/// A handler panicked: drop it (its request is over) and the connection.
fn handler_panicked<H>(conn: &mut ClientConn<H>) -> Flow {
    conn.active = None;
    conn.proto.close();
    Flow::Yield(Step::close())
}

impl<H> ClientConn<H> {
    fn start(&mut self, job: Job<H>) {
        let _ = self.tag.start(&self.ctrl);
        self.active = Some(Active {
            job,
            phase: Phase::Head,
            response_started: false,
            body_started: false,
        });
    }
}
