//! [`Client`]: an event loop on its own thread running client handlers, with a keep-alive
//! pool keyed by host and port, DNS on resolver threads, and one safe retry.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::io;
use std::net::SocketAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use hyper_net::{
    Closed, ConnId, Control, Cx, Driver, EventLoop, Io, LoopHandle, Resolver, Step, TcpStream, Why,
};
use hyper_proto::{Interest, Next, RequestLine};

use crate::error::Error;
use crate::handler::{Decoder, Encoder, Handler};
use crate::request::Request;
use crate::url::{IntoUrl, Url, UrlError};

/// Handler calls one connection may make in one loop turn before yielding.
const CALLS_PER_TURN: usize = 256;

/// How long a request with `Expect: 100-continue` holds its body back (curl waits 1 s).
const CONTINUE_WAIT: Duration = Duration::from_secs(1);

type Key = (String, u16);

/// A request on its way: the URL, its handler, the head once built.
pub(crate) struct Job<H> {
    /// The request head; `on_request` fills it on the first attempt only.
    req: Request,
    /// `on_request` was called (a retry re-sends the same head).
    filled: bool,
    handler: H,
    retried: bool,
}

#[allow(
    clippy::large_enum_variant,
    reason = "moved once through the channel; boxing would add an allocation per request"
)]
pub(crate) enum Msg<H> {
    Request(Job<H>),
    Resolved(u64, io::Result<Vec<SocketAddr>>),
}

/// Client settings.
#[derive(Clone, Debug)]
pub struct Builder {
    connect_timeout: Option<Duration>,
    keep_alive: bool,
    idle_timeout: Option<Duration>,
    max_idle_per_host: usize,
    max_connections: usize,
    max_connections_per_host: usize,
    dns_workers: usize,
    limits: hyper_proto::Limits,
}

impl Default for Builder {
    fn default() -> Self {
        Self {
            connect_timeout: Some(Duration::from_secs(10)),
            keep_alive: true,
            idle_timeout: Some(Duration::from_secs(90)),
            max_idle_per_host: 32,
            max_connections: 1024,
            max_connections_per_host: usize::MAX,
            dns_workers: 2,
            limits: hyper_proto::Limits::default(),
        }
    }
}

impl Builder {
    /// How long a connect may take (10 s by default; `None` waits for the OS).
    pub fn connect_timeout(mut self, d: Option<Duration>) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Whether connections are kept for further requests (on by default).
    pub fn keep_alive(mut self, on: bool) -> Self {
        self.keep_alive = on;
        self
    }

    /// How long a pooled connection may stay idle (90 s by default).
    pub fn idle_timeout(mut self, d: Option<Duration>) -> Self {
        self.idle_timeout = d;
        self
    }

    /// Most idle connections kept per host and port (32 by default).
    pub fn max_idle_per_host(mut self, n: usize) -> Self {
        self.max_idle_per_host = n;
        self
    }

    /// Most connections open at once (1024 by default). Requests beyond it wait, in order,
    /// for a connection. Each connection is a file descriptor: keep the limit under the
    /// process's (`ulimit -n`, often 1024), or a burst of requests fails with "too many open
    /// files" instead of waiting.
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// Most connections open at once to one host and port (no limit but
    /// [`Builder::max_connections`] by default). Requests beyond it wait, in order, for a
    /// connection to that host to finish its exchange or close; requests to other hosts go on.
    pub fn max_connections_per_host(mut self, n: usize) -> Self {
        self.max_connections_per_host = n.max(1);
        self
    }

    /// Resolver threads (2 by default).
    pub fn dns_workers(mut self, n: usize) -> Self {
        self.dns_workers = n.max(1);
        self
    }

    /// Limits applied to responses (head size, header count, body size...).
    pub fn limits(mut self, limits: hyper_proto::Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Starts the client's loop thread for handlers of type `H` (an enum serves several
    /// kinds of request on one client).
    ///
    /// # Errors
    ///
    /// The loop or the resolver threads could not start.
    pub fn build<H: Handler<TcpStream>>(self) -> io::Result<Client<H>> {
        let resolver = Resolver::new(self.dns_workers)?;
        let proto = hyper_proto::Config::default()
            .keep_alive(self.keep_alive)
            .idle_timeout(self.idle_timeout)
            .head_timeout(None)
            .limits(self.limits);
        let net = hyper_net::Config::default().max_connections(self.max_connections);
        let builder = self;
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("hyper-client".into())
            .spawn(move || {
                let driver = ClientDriver::<H> {
                    builder,
                    proto,
                    handle: None,
                    resolver,
                    idle: Vec::new(),
                    assigned: IdMap::default(),
                    connecting: IdMap::default(),
                    resolving: IdMap::default(),
                    next_tag: 0,
                    open: 0,
                    waiting: std::collections::VecDeque::new(),
                    per_host: Vec::new(),
                };
                let mut lp = match EventLoop::new(driver, net) {
                    Ok(lp) => lp,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                };
                let handle = lp.handle();
                lp.driver_mut().handle = Some(handle.clone());
                let _ = tx.send(Ok(handle));
                if let Err(e) = lp.run() {
                    log::debug!("client loop ended: {e}");
                }
                // Whatever is still queued or resolving fails with Closed.
                lp.driver_mut().fail_all();
            })?;
        let handle = rx
            .recv()
            .unwrap_or_else(|_| Err(io::Error::other("client loop failed to start")))?;
        Ok(Client {
            inner: Arc::new(Inner {
                handle,
                thread: Mutex::new(Some(thread)),
            }),
        })
    }
}

struct Inner<H> {
    handle: LoopHandle<Msg<H>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl<H> Drop for Inner<H> {
    fn drop(&mut self) {
        let _ = self.handle.stop(None);
        if let Some(t) = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = t.join();
        }
    }
}

/// An HTTP/1.1 client: `Clone + Send`, usable from any thread; requests run on the client's
/// own event loop thread. Dropping the last clone stops it.
///
/// # Examples
///
/// ```no_run
/// # use hyper_client::{Client, Handler};
/// # #[allow(dead_code)]
/// # fn run<H: Handler<hyper_net::TcpStream>>(handler: H) -> Result<(), Box<dyn std::error::Error>> {
/// let client = Client::builder().connect_timeout(Some(std::time::Duration::from_secs(5))).build()?;
/// client.request("http://127.0.0.1:3000/", handler)?;
/// # Ok(()) }
/// ```
pub struct Client<H> {
    inner: Arc<Inner<H>>,
}

impl<H> Clone for Client<H> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<H> core::fmt::Debug for Client<H> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Client").finish_non_exhaustive()
    }
}

/// Why a request could not be started.
#[derive(Debug)]
#[non_exhaustive]
pub enum RequestError {
    /// The URL is not a supported `http://` URL.
    Url(UrlError),
    /// The client has stopped.
    Closed,
}

impl core::fmt::Display for RequestError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Url(e) => write!(f, "{e}"),
            Self::Closed => f.write_str("client closed"),
        }
    }
}

impl std::error::Error for RequestError {}

impl Client<()> {
    /// A builder with the defaults.
    pub fn builder() -> Builder {
        Builder::default()
    }
}

impl<H: Handler<TcpStream>> Client<H> {
    /// A client with the default settings.
    ///
    /// # Errors
    ///
    /// As [`Builder::build`].
    pub fn new() -> io::Result<Self> {
        Builder::default().build()
    }

    /// Starts a request to `url` (text, or a [`Url`](crate::Url) parsed once and reused), run by
    /// `handler` on the client's loop.
    ///
    /// # Errors
    ///
    /// [`RequestError::Url`] for a URL the client cannot use (nothing is sent), and
    /// [`RequestError::Closed`] after the client stopped.
    pub fn request(&self, url: impl IntoUrl, handler: H) -> Result<(), RequestError> {
        let url = url.into_url().map_err(RequestError::Url)?;
        let job = Job {
            req: Request::new(url),
            filled: false,
            handler,
            retried: false,
        };
        self.inner
            .handle
            .send(Msg::Request(job))
            .map_err(|_| RequestError::Closed)
    }

    /// Stops the client: requests in flight fail with [`Error::Closed`].
    pub fn close(&self) {
        let _ = self.inner.handle.stop(None);
    }
}

/// Hashes the client's map keys (connection ids and tags, chosen by the loop and not by a
/// peer, so there is no flooding to resist) with a multiply per word instead of SipHash.
#[derive(Clone, Copy, Debug, Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

struct ClientDriver<H> {
    builder: Builder,
    proto: hyper_proto::Config,
    handle: Option<LoopHandle<Msg<H>>>,
    resolver: Resolver,
    /// Idle connections per host and port; a short list searched by `&str`, so a request
    /// on a pooled connection allocates no key.
    idle: Vec<(Key, Vec<(ConnId, Control)>)>,
    /// Requests handed to pooled connections, picked up when the connection wakes.
    assigned: IdMap<ConnId, Job<H>>,
    /// Connects in progress: the job and the addresses left to try.
    connecting: IdMap<u64, (Job<H>, Vec<SocketAddr>)>,
    resolving: IdMap<u64, Job<H>>,
    next_tag: u64,
    /// Connections open or being opened, against `Builder::max_connections`.
    open: usize,
    /// Requests waiting for a connection while the client (or their host) is at its limit.
    waiting: std::collections::VecDeque<Job<H>>,
    /// Connections open or being opened per host and port, against
    /// `Builder::max_connections_per_host` (a short list, like `idle`).
    per_host: Vec<(Key, usize)>,
}

/// Calls `on_request_writable` once and arms its `Next`: whether it made progress (bytes
/// queued, or the body ended), `None` if the handler panicked.
fn write_body<H: Handler<TcpStream>>(
    a: &mut Active<H>,
    proto: &mut hyper_proto::Conn<hyper_proto::Client>,
    io: &mut Io<'_, TcpStream>,
    now: Instant,
) -> Option<bool> {
    let before = io.pending_write();
    let handler = &mut a.job.handler;
    let called = catch_unwind(AssertUnwindSafe(|| {
        handler.on_request_writable(&mut Encoder::new(io, proto))
    }));
    let next = called.ok()?;
    a.next = next;
    arm(proto, now, next);
    Some(io.pending_write() != before || !proto.is_writing_body())
}

/// What a connection reading its response waits for: readable, and writable too while the
/// request body still goes out and the handler asks to write it.
fn duplex_step<H>(conn: &ClientConn<H>) -> Step {
    let write =
        conn.proto.is_writing_body() && conn.active.as_ref().is_some_and(|a| a.next.is_write());
    Step {
        read: true,
        write,
        deadline: conn.deadline(),
        close: false,
    }
}

fn fail<H: Handler<TcpStream>>(mut job: Job<H>, err: Error) {
    let _ = catch_unwind(AssertUnwindSafe(|| job.handler.on_error(err)));
}

impl<H: Handler<TcpStream>> ClientDriver<H> {
    fn fail_all(&mut self) {
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
            let url = job.req.url();
            let found = self
                .idle
                .iter_mut()
                .find(|((h, p), _)| h == url.host() && *p == url.port());
            if let Some((_, list)) = found {
                while let Some((id, ctrl)) = list.pop() {
                    if !ctrl.is_alive() {
                        continue;
                    }
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
        }
        if self.host_open(job.req.url()) >= self.builder.max_connections_per_host {
            // This host is at its limit: wait for one of its connections.
            self.waiting.push_back(job);
            return;
        }
        if self.open >= self.builder.max_connections {
            // At the limit: wait for a connection; free an idle one to another host if any.
            let url = job.req.url();
            let other = self
                .idle
                .iter_mut()
                .find(|((h, p), list)| (h != url.host() || *p != url.port()) && !list.is_empty());
            if let Some((_, list)) = other {
                if let Some((_, ctrl)) = list.pop() {
                    let _ = ctrl.ready(Next::remove());
                }
            }
            self.waiting.push_back(job);
            return;
        }
        self.opened(job.req.url());
        let tag = self.next_tag;
        self.next_tag += 1;
        let Some(handle) = self.handle.clone() else {
            self.released(job.req.url().host(), job.req.url().port());
            return fail(job, Error::Closed);
        };
        let (host, port) = (job.req.url().host().to_owned(), job.req.url().port());
        self.resolving.insert(tag, job);
        let sent = self.resolver.resolve(&host, port, move |r| {
            let _ = handle.send(Msg::Resolved(tag, r));
        });
        if sent.is_err() {
            if let Some(job) = self.resolving.remove(&tag) {
                self.released(job.req.url().host(), job.req.url().port());
                fail(job, Error::Closed);
            }
        }
    }

    /// A connection slot freed up: start what was waiting for one, in order, skipping
    /// requests whose host is still at its own limit.
    fn pump(&mut self) {
        while self.open < self.builder.max_connections {
            let limit = self.builder.max_connections_per_host;
            let ready = self
                .waiting
                .iter()
                .position(|j| self.host_open(j.req.url()) < limit);
            let Some(job) = ready.and_then(|i| self.waiting.remove(i)) else {
                return;
            };
            self.dispatch(job);
        }
    }

    /// Where `host:port` is in `per_host`.
    fn host_slot(&self, host: &str, port: u16) -> Option<usize> {
        self.per_host
            .iter()
            .position(|((h, p), _)| h == host && *p == port)
    }

    /// Connections open or being opened to `url`'s host and port.
    fn host_open(&self, url: &Url) -> usize {
        self.host_slot(url.host(), url.port())
            .map_or(0, |i| self.per_host[i].1)
    }

    /// A connection to `url`'s host starts opening.
    fn opened(&mut self, url: &Url) {
        self.open += 1;
        match self.host_slot(url.host(), url.port()) {
            Some(i) => self.per_host[i].1 += 1,
            None => self.per_host.push(((url.host().to_owned(), url.port()), 1)),
        }
    }

    /// A connection to `host:port` closed or failed to open.
    fn released(&mut self, host: &str, port: u16) {
        self.open = self.open.saturating_sub(1);
        if let Some(i) = self.host_slot(host, port) {
            self.per_host[i].1 -= 1;
            if self.per_host[i].1 == 0 {
                self.per_host.swap_remove(i);
            }
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
                self.released(job.req.url().host(), job.req.url().port());
                fail(job, err);
                self.pump();
            }
        }
    }
}

/// The phases of one request on a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
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
    next: Next,
    /// Any response byte arrived (then a failure is not retried).
    response_started: bool,
    /// Any request body byte was written.
    body_started: bool,
    continue_until: Option<Instant>,
}

pub(crate) struct ClientConn<H> {
    proto: hyper_proto::Conn<hyper_proto::Client>,
    key: Key,
    ctrl: Control,
    active: Option<Active<H>>,
    /// This connection already completed an exchange (a failure may be a stale pool hit).
    reused: bool,
    /// Requests started on this connection: the tag of the current handler's `Control`.
    exchange: u64,
}

enum Flow {
    Continue,
    Yield(Step),
}

impl<H: Handler<TcpStream>> Driver for ClientDriver<H> {
    type Transport = TcpStream;
    type Conn = ClientConn<H>;
    type Msg = Msg<H>;

    fn wrap(&mut self, stream: TcpStream) -> io::Result<TcpStream> {
        Ok(stream)
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
                        self.released(job.req.url().host(), job.req.url().port());
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
                let key = (job.req.url().host().to_owned(), job.req.url().port());
                let proto = hyper_proto::Conn::<hyper_proto::Client>::new(self.proto, cx.now());
                let mut conn = ClientConn {
                    proto,
                    key,
                    ctrl,
                    active: None,
                    reused: false,
                    exchange: 0,
                };
                conn.start(job);
                Some(conn)
            }
            Err(e) => {
                self.connect_next(cx, tag, job, addrs, Some(e));
                None
            }
        }
    }

    fn ready(&mut self, conn: &mut Self::Conn, io: &mut Io<'_, TcpStream>, why: Why) -> Step {
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
                    _ => match io.read() {
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                            Step::read().until(conn.proto.poll_timeout())
                        }
                        _ => Step::close(),
                    },
                };
            }
        }
        match why {
            Why::Woken { next, tag } => {
                if let Some(a) = conn.active.as_mut().filter(|_| tag == conn.exchange) {
                    a.next = next;
                    arm(&mut conn.proto, now, next);
                }
            }
            Why::Timeout => {
                let continue_due = conn
                    .active
                    .as_ref()
                    .and_then(|a| a.continue_until)
                    .is_some_and(|t| now >= t);
                if continue_due {
                    conn.proto.stop_awaiting_continue();
                    if let Some(a) = conn.active.as_mut() {
                        a.continue_until = None;
                    }
                } else if conn.proto.handle_timeout(now).is_some() {
                    return self.finish_error(conn, Error::Timeout);
                }
            }
            Why::Stopping => return self.finish_error(conn, Error::Closed),
            _ => {}
        }
        for _ in 0..CALLS_PER_TURN {
            match self.step(conn, io, now) {
                Flow::Continue => {}
                Flow::Yield(step) => return step,
            }
        }
        Step {
            read: true,
            write: true,
            deadline: conn.deadline(),
            close: false,
        }
    }

    fn keeps_transport(&self, _: &Self::Conn) -> bool {
        false
    }

    fn closed(&mut self, mut conn: Self::Conn, _transport: TcpStream, why: Closed) {
        let (host, port) = (core::mem::take(&mut conn.key.0), conn.key.1);
        self.released(&host, port);
        if let Some(a) = conn.active.take() {
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

impl<H: Handler<TcpStream>> ClientDriver<H> {
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

    fn step(&mut self, conn: &mut ClientConn<H>, io: &mut Io<'_, TcpStream>, now: Instant) -> Flow {
        let Some(a) = conn.active.as_mut() else {
            return Flow::Yield(self.pool_or_close(conn));
        };
        if a.next.interest() == Interest::Remove {
            let a = conn.active.take();
            drop(a);
            conn.proto.close();
            return Flow::Yield(Step::close());
        }
        if a.next.interest() == Interest::Wait {
            return Flow::Yield(Step::wait().until(conn.deadline()));
        }
        match a.phase {
            Phase::Head => {
                let ctrl = conn.ctrl.with_tag(conn.exchange);
                let job = &mut a.job;
                let first = !job.filled;
                job.filled = true;
                let req = &mut job.req;
                let handler = &mut job.handler;
                let called = catch_unwind(AssertUnwindSafe(|| {
                    handler.on_control(ctrl);
                    // A retry re-sends the head built the first time.
                    first.then(|| handler.on_request(req))
                }));
                let Ok(next) = called else {
                    return handler_panicked(conn);
                };
                if let Some(next) = next {
                    a.next = next;
                }
                let url = req.url();
                let line = RequestLine {
                    method: req.method(),
                    target: url.target().as_bytes(),
                    host: url.authority().as_bytes(),
                };
                let sent = conn.proto.send_request_head_list(
                    now,
                    &line,
                    req.list(),
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
                arm(&mut conn.proto, now, a.next);
                if conn.proto.is_writing_body() {
                    a.phase = Phase::Body;
                    if !conn.proto.may_send_body() {
                        a.continue_until = Some(now + CONTINUE_WAIT);
                    }
                } else {
                    a.phase = Phase::Response;
                }
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
                if io.pending_write() >= hyper_net::MAX_QUEUED_BODY {
                    return Flow::Yield(Step::write().until(conn.deadline()));
                }
                let Some(progressed) = write_body(a, &mut conn.proto, io, now) else {
                    return handler_panicked(conn);
                };
                let next = a.next;
                a.body_started |= progressed;
                if !conn.proto.is_writing_body() {
                    a.phase = Phase::Response;
                    return Flow::Continue;
                }
                if !progressed && next.is_write() {
                    return Flow::Yield(Step::write().until(conn.deadline()));
                }
                if !next.is_write() {
                    // Waiting for something else (the response may come early).
                    return self.read_head(conn, io, now);
                }
                Flow::Continue
            }
            Phase::Response => self.read_head(conn, io, now),
            Phase::ResponseBody => {
                if conn.proto.is_writing_body() && a.next.is_write() {
                    // Both directions at once: the server answered (with a success) while
                    // the request body was still going, and the handler keeps writing it
                    // for as long as its `Next` asks to write.
                    if io.pending_write() < hyper_net::MAX_QUEUED_BODY {
                        match write_body(a, &mut conn.proto, io, now) {
                            None => return handler_panicked(conn),
                            Some(true) => return Flow::Continue,
                            Some(false) => {}
                        }
                    }
                    if !a.next.is_read() {
                        return Flow::Yield(duplex_step(conn));
                    }
                }
                if !conn.proto.is_reading_body() && a.next.interest() == Interest::End {
                    return self.end_exchange(conn, io, now);
                }
                let before = (io.buffered().len(), conn.proto.is_reading_body());
                if io.buffered().is_empty() && conn.proto.is_reading_body() {
                    match io.read() {
                        Ok(_) => {}
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                            return Flow::Yield(duplex_step(conn));
                        }
                        Err(e) => return Flow::Yield(self.finish_error(conn, Error::Io(e))),
                    }
                }
                let handler = &mut a.job.handler;
                let proto = &mut conn.proto;
                let called = catch_unwind(AssertUnwindSafe(|| {
                    handler.on_response_readable(&mut Decoder::new(io, proto))
                }));
                let Ok(next) = called else {
                    return handler_panicked(conn);
                };
                a.next = next;
                arm(&mut conn.proto, now, next);
                if conn.proto.is_closed() && conn.proto.is_reading_body() {
                    return Flow::Yield(self.finish_error(conn, Error::Incomplete));
                }
                let still_writing = conn.proto.is_writing_body() && next.is_write();
                if next.interest() == Interest::End
                    || !conn.proto.is_reading_body() && !next.is_read() && !still_writing
                {
                    return self.end_exchange(conn, io, now);
                }
                if before == (io.buffered().len(), conn.proto.is_reading_body()) {
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
        }
    }

    fn read_head(
        &mut self,
        conn: &mut ClientConn<H>,
        io: &mut Io<'_, TcpStream>,
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
                    if conn.proto.may_send_body() {
                        a.continue_until = None;
                    }
                    return Flow::Continue;
                }
                let handler = &mut a.job.handler;
                let called = catch_unwind(AssertUnwindSafe(|| handler.on_response(res)));
                io.consume(n);
                let Ok(next) = called else {
                    return handler_panicked(conn);
                };
                a.next = next;
                arm(&mut conn.proto, now, next);
                a.phase = Phase::ResponseBody;
                a.continue_until = None;
                Flow::Continue
            }
            Ok(None) => {
                if !io.buffered().is_empty() {
                    if let Some(a) = conn.active.as_mut() {
                        a.response_started = true;
                    }
                }
                match io.read() {
                    Ok(0) => {
                        let err = match conn.proto.recv_eof(now) {
                            Err(e) if e.is_parse() && !e.is_incomplete() => Error::Parse(
                                e.parse_error().unwrap_or(hyper_proto::ParseError::Syntax),
                            ),
                            _ => Error::Incomplete,
                        };
                        Flow::Yield(self.finish_error(conn, err))
                    }
                    Ok(_) => Flow::Continue,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        let write = conn
                            .active
                            .as_ref()
                            .is_some_and(|a| a.phase == Phase::Body && conn.proto.may_send_body());
                        Flow::Yield(Step {
                            read: true,
                            write,
                            deadline: conn.deadline(),
                            close: false,
                        })
                    }
                    Err(e) => Flow::Yield(self.finish_error(conn, Error::Io(e))),
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
        io: &mut Io<'_, TcpStream>,
        now: Instant,
    ) -> Flow {
        let _ = conn.proto.set_next(now, Next::end(), io.write_buf());
        conn.active = None;
        conn.reused = true;
        if conn.proto.can_send_request() {
            // A request waiting for a connection to this host takes this one at once.
            let key = &conn.key;
            let waiting = self.waiting.iter().position(|j| {
                let u = j.req.url();
                u.host() == key.0 && u.port() == key.1 && !j.retried
            });
            if let Some(job) = waiting.and_then(|i| self.waiting.remove(i)) {
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
        let pos = match self.idle.iter().position(|(k, _)| *k == conn.key) {
            Some(i) => i,
            None => {
                self.idle.push((conn.key.clone(), Vec::new()));
                self.idle.len() - 1
            }
        };
        let list = &mut self.idle[pos].1;
        list.retain(|(_, c)| c.is_alive());
        if list.len() >= self.builder.max_idle_per_host {
            return Step::close();
        }
        list.push((conn.ctrl.id(), conn.ctrl.clone()));
        Step::read().until(conn.proto.poll_timeout())
    }
}

/// A handler panicked: drop it (its request is over) and the connection.
fn handler_panicked<H>(conn: &mut ClientConn<H>) -> Flow {
    conn.active = None;
    conn.proto.close();
    Flow::Yield(Step::close())
}

/// Records the handler's `next` with the connection (its timeout becomes the deadline).
/// `end` and `remove` are acted on by the driver itself.
fn arm(proto: &mut hyper_proto::Conn<hyper_proto::Client>, now: Instant, next: Next) {
    if !matches!(next.interest(), Interest::End | Interest::Remove) {
        let mut scratch = Vec::new();
        let _ = proto.set_next(now, next, &mut scratch);
    }
}

impl<H> ClientConn<H> {
    fn start(&mut self, job: Job<H>) {
        self.exchange += 1;
        self.active = Some(Active {
            job,
            phase: Phase::Head,
            next: Next::write(),
            response_started: false,
            body_started: false,
            continue_until: None,
        });
    }

    fn deadline(&self) -> Option<Instant> {
        let a = self.proto.poll_timeout();
        let b = self.active.as_ref().and_then(|a| a.continue_until);
        match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}
