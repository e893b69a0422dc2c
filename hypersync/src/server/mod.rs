//! The blocking server: [`Server`], [`Handler`], [`Request`], [`Response`], [`Listening`].
//!
//! # Examples
//!
//! ```
//! use std::io::Read;
//! use hypersync::server::{Request, Response, Server};
//! use hypersync::status::StatusCode;
//!
//! fn handler(mut req: Request, mut res: Response) {
//!     let mut body = String::new();
//!     req.read_to_string(&mut body).unwrap();
//!     *res.status_mut() = StatusCode::Created;
//!     res.send(body.as_bytes()).unwrap();
//! }
//!
//! let mut listening = Server::http("127.0.0.1:0").unwrap().handle_threads(handler, 2).unwrap();
//! println!("listening on {}", listening.socket);
//! listening.close().unwrap();
//! ```

use core::fmt;
use core::marker::PhantomData;
use std::io;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use core::cell::RefCell;

pub use self::request::{Body, Request};
pub use self::response::Response;
pub use crate::net::{Fresh, HttpsListener, SslServer, Streaming};

use self::conn::{After, Timeouts, WorkerConn};
use self::driver::SyncDriver;
use self::pool::Pool;
use crate::header::{Connection, Headers};
use crate::method::Method;
use crate::status::StatusCode;
use crate::uri::RequestUri;

mod conn;
mod driver;
mod pool;
mod request;
mod response;

/// How long a worker keeps a connection it just answered, waiting for the next request,
/// before giving it back to the event loop (only when no other request waits for a
/// worker). Long enough for a busy client's next request to arrive on loopback or a LAN,
/// short enough that a quiet connection frees its worker at once.
pub const QUIET: Duration = Duration::from_millis(2);

/// Handles requests: called on a worker thread with the request and a fresh response.
///
/// Implemented for every `Fn(Request, Response) + Sync + Send`, so a plain function or
/// closure is a handler. It is called from several threads at once: shared state goes in
/// atomics or a `Mutex`.
pub trait Handler: Sync + Send {
    /// Answers one request.
    fn handle<'a, 'k>(&'a self, req: Request<'a, 'k>, res: Response<'a, Fresh>);

    /// The answer to `Expect: 100-continue`: `Continue` (the default) lets the client send
    /// its body, which goes out when the handler first reads it; any other status is sent
    /// as the response, without calling `handle`, and the connection closed.
    fn check_continue(&self, _: (&Method, &RequestUri, &Headers)) -> StatusCode {
        StatusCode::Continue
    }

    /// A connection was accepted. Called on the event loop's thread (0.10 called it on the
    /// connection's worker): keep it short, as a counter or a log line is.
    fn on_connection_start(&self) {}

    /// A connection is closed, whoever closed it. Called on the event loop's thread, as
    /// [`Handler::on_connection_start`].
    fn on_connection_end(&self) {}
}

impl<F> Handler for F
where
    F: Fn(Request, Response<Fresh>) + Sync + Send,
{
    fn handle<'a, 'k>(&'a self, req: Request<'a, 'k>, res: Response<'a, Fresh>) {
        self(req, res)
    }
}

/// A bound listening socket, for [`Server::new`] (0.10's name).
#[derive(Debug)]
pub struct HttpListener(TcpListener);

impl HttpListener {
    /// Binds `addr`.
    ///
    /// # Errors
    ///
    /// `addr` does not resolve or cannot be bound.
    pub fn new<To: ToSocketAddrs>(addr: To) -> crate::Result<HttpListener> {
        Ok(HttpListener(TcpListener::bind(addr)?))
    }
}

/// A server bound to an address, ready to [`handle`](Server::handle) requests.
///
/// 0.10's keep-alive setting is kept (5 s by default); body reads and response writes
/// that make no progress end after 60 s unless set otherwise (0.10 waited forever). The requests of every connection are handled by `handle_threads` worker threads;
/// connections themselves live in an event loop and hold no thread while idle.
pub struct Server<L = HttpListener> {
    addr: SocketAddr,
    /// Set for an HTTPS server.
    tls: Option<Arc<rustls::ServerConfig>>,
    keep_alive: Option<Duration>,
    timeouts: Timeouts,
    _listener: PhantomData<L>,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("addr", &self.addr)
            .field("keep_alive", &self.keep_alive)
            .finish()
    }
}

impl Server<HttpListener> {
    /// A server for `addr`. The address is checked now (port 0 picks a free port, seen in
    /// `local_addr` and `Listening::socket`).
    ///
    /// # Errors
    ///
    /// `addr` does not resolve or cannot be bound.
    pub fn http<To: ToSocketAddrs>(addr: To) -> crate::Result<Server> {
        // Bind now, as 0.10 did, so that an address in use fails here; the event loop binds
        // the same address again when `handle` starts it.
        let listener = HttpListener::new(addr)?;
        listener.0.local_addr()?;
        Ok(Server::new(listener))
    }

    /// A server for the address `listener` is bound to.
    pub fn new(listener: HttpListener) -> Server {
        let addr = listener
            .0
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
        drop(listener);
        Server {
            addr,
            tls: None,
            keep_alive: Some(Duration::from_secs(5)),
            timeouts: Timeouts {
                read: Some(hyper_proto::DEFAULT_BODY_TIMEOUT),
                write: Some(hyper_proto::DEFAULT_SEND_TIMEOUT),
            },
            _listener: PhantomData,
        }
    }
}

impl<S: SslServer + Clone + Send> Server<HttpsListener<S>> {
    /// An HTTPS server for `addr`: every connection is TLS, with `ssl`'s configuration
    /// (a [`TlsServer`](crate::net::TlsServer), or an `Arc<rustls::ServerConfig>`). The
    /// loop runs each handshake and reads each head, as for plain HTTP, so slow or
    /// stalled handshakes hold no worker and are closed by the head-read timeout.
    ///
    /// # Errors
    ///
    /// `addr` does not resolve or cannot be bound.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use hypersync::net::TlsServer;
    /// use hypersync::server::{Request, Response, Server};
    ///
    /// let ssl = TlsServer::from_pem_files("cert.pem", "key.pem")?;
    /// let _listening = Server::https("0.0.0.0:8443", ssl)?
    ///     .handle(|_: Request, res: Response| res.send(b"Hello over TLS").unwrap())?;
    /// # Ok::<(), hypersync::Error>(())
    /// ```
    pub fn https<To: ToSocketAddrs>(addr: To, ssl: S) -> crate::Result<Server<HttpsListener<S>>> {
        let plain = Server::http(addr)?;
        Ok(Server {
            addr: plain.addr,
            tls: Some(ssl.server_config()),
            keep_alive: plain.keep_alive,
            timeouts: plain.timeouts,
            _listener: PhantomData,
        })
    }
}

impl<L> Server<L> {
    /// How long an idle connection is kept open between requests; `None` closes every
    /// connection after one response (`Connection: close`).
    pub fn keep_alive(&mut self, timeout: Option<Duration>) {
        self.keep_alive = timeout;
    }

    /// How long a read of the request body may wait for bytes (60 s by default; 0.10 had
    /// none, so a stalled upload held its thread forever). `None`: no limit.
    pub fn set_read_timeout(&mut self, dur: Option<Duration>) {
        self.timeouts.read = dur;
    }

    /// How long a write of the response may wait for the client (60 s by default; 0.10
    /// had none). `None`: no limit.
    pub fn set_write_timeout(&mut self, dur: Option<Duration>) {
        self.timeouts.write = dur;
    }

    /// The bound address.
    ///
    /// # Errors
    ///
    /// None (kept for 0.10's signature).
    pub fn local_addr(&mut self) -> io::Result<SocketAddr> {
        Ok(self.addr)
    }

    /// Serves with as many worker threads as 0.10 used (5/4 of the CPUs).
    ///
    /// # Errors
    ///
    /// The event loop could not start or bind.
    pub fn handle<H: Handler + 'static>(self, handler: H) -> crate::Result<Listening> {
        let cpus = thread::available_parallelism().map_or(1, |n| n.get());
        self.handle_threads(handler, (cpus * 5 / 4).max(1))
    }

    /// Serves with `threads` worker threads running `handler`.
    ///
    /// # Errors
    ///
    /// The event loop could not start or bind.
    pub fn handle_threads<H: Handler + 'static>(
        self,
        handler: H,
        threads: usize,
    ) -> crate::Result<Listening> {
        let handler = Arc::new(handler);
        let pool = Arc::new(Pool::new(self.timeouts)?);
        let mut workers = Vec::new();
        for i in 0..threads.max(1) {
            let pool = Arc::clone(&pool);
            let handler = Arc::clone(&handler);
            workers.push(
                thread::Builder::new()
                    .name(format!("hypersync-worker-{i}"))
                    .spawn(move || pool.work(&*handler))?,
            );
        }
        let for_monitor = Arc::clone(&pool);
        workers.push(
            thread::Builder::new()
                .name("hypersync-monitor".into())
                .spawn(move || for_monitor.monitor())?,
        );
        let mut proto = hyper_proto::Config::default();
        proto = match self.keep_alive {
            Some(idle) => proto.idle_timeout(Some(idle)),
            None => proto.keep_alive(false),
        };
        let tls = self.tls;
        let for_driver = Arc::clone(&pool);
        let loops =
            hyper_net::spawn_loops(1, &[self.addr], hyper_net::Config::default(), move |_| {
                let pool = Arc::clone(&for_driver);
                SyncDriver::new(Arc::clone(&handler), proto, pool, tls.clone())
            });
        let loops = match loops {
            Ok(loops) => loops,
            Err(e) => {
                pool.close();
                return Err(e.into());
            }
        };
        let socket = loops.local_addr();
        Ok(Listening {
            socket,
            inner: Some(loops),
            workers,
            pool,
        })
    }
}

/// How a worker's run on a connection ended.
enum Ending {
    /// No request is waiting: the connection can carry another.
    Quiet(WorkerConn),
    /// The connection is over.
    Closed(WorkerConn),
}

impl Ending {
    /// The connection, and whether it can carry another request.
    fn split(self) -> (WorkerConn, bool) {
        match self {
            Self::Quiet(c) => (c, true),
            Self::Closed(c) => (c, false),
        }
    }
}

/// Serves requests on one connection while they keep coming: the first from the loop, the
/// next ones as they arrive before it goes quiet.
///
/// `hand_back` says, after each answer, whether to give the connection back at once
/// instead of waiting (for [`QUIET`]) for its next request.
fn serve<H: Handler>(
    handler: &H,
    conn: WorkerConn,
    first: conn::Head,
    hand_back: impl Fn() -> bool,
) -> Ending {
    let conn = RefCell::new(conn);
    let mut head = first;
    loop {
        if let Some(status) = refuse_continue(handler, &head) {
            let mut c = conn.borrow_mut();
            c.proto.disable_keep_alive();
            let mut h = Headers::new();
            h.set(Connection::close());
            h.set(crate::header::ContentLength(0));
            let _ = c.send_head(status, &h, Some(hyper_proto::BodyKind::Empty));
            let _ = c.finish();
            drop(c);
            return Ending::Closed(conn.into_inner());
        }
        conn.borrow_mut().begin(&head);
        let req = Request::new(head, &conn);
        let res = Response::new(&conn);
        if panic::catch_unwind(AssertUnwindSafe(|| handler.handle(req, res))).is_err() {
            log::error!("hypersync: a handler panicked; its request was answered 500 or cut short");
        }
        let after = conn.borrow_mut().end_exchange(hand_back());
        match after {
            After::Next(next) => head = next,
            After::Close => return Ending::Closed(conn.into_inner()),
            After::Return => return Ending::Quiet(conn.into_inner()),
        }
    }
}

/// The handler's refusal of an `Expect: 100-continue` body, if it refuses.
fn refuse_continue<H: Handler>(handler: &H, head: &conn::Head) -> Option<StatusCode> {
    if !head.expects_continue {
        return None;
    }
    match handler.check_continue((&head.method, &head.uri, &head.headers)) {
        StatusCode::Continue => None,
        status => Some(status),
    }
}

/// A running server. Dropping it blocks until the server stops, as in 0.10 (so that
/// `let _guard = server.handle(h);` at the end of `main` keeps the program serving);
/// [`Listening::close`] stops it.
pub struct Listening {
    /// The address the server listens on.
    pub socket: SocketAddr,
    inner: Option<hyper_net::Loops<()>>,
    workers: Vec<thread::JoinHandle<()>>,
    /// The workers; it also tells them when the server stops.
    pool: Arc<Pool>,
}

impl fmt::Debug for Listening {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Listening")
            .field("socket", &self.socket)
            .finish()
    }
}

impl Listening {
    /// Stops the server: closes the listener and every connection a worker is not
    /// answering, and waits for the workers to finish the requests they are running, each
    /// the last on its connection. (0.10's `close` did not stop it.)
    ///
    /// # Errors
    ///
    /// The event loop ended with an error.
    pub fn close(&mut self) -> crate::Result<()> {
        self.stop(None)
    }

    /// Stops the server gracefully (0.10 had no such thing): the listener closes at once,
    /// and so does every idle connection; each request in progress, or whose head has
    /// started arriving, is answered in full, with `Connection: close`, for up to `grace`.
    /// Then what is left is closed, and it returns once the workers are done (a handler
    /// still running then is waited for: a thread cannot be cut short).
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use hypersync::server::{Request, Response, Server};
    ///
    /// let mut listening = Server::http("127.0.0.1:3000")?
    ///     .handle(|_: Request, res: Response| res.send(b"hello").unwrap())?;
    /// // On SIGTERM, say:
    /// listening.shutdown(Duration::from_secs(10))?;
    /// # Ok::<(), hypersync::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The event loop ended with an error.
    pub fn shutdown(&mut self, grace: Duration) -> crate::Result<()> {
        self.stop(Some(Instant::now() + grace))
    }

    fn stop(&mut self, deadline: Option<Instant>) -> crate::Result<()> {
        // Before the loop hears of it: a worker serving a busy keep-alive connection ends
        // it after the request it is on, and parked connections go back to the loop.
        self.pool.begin_stop();
        let stopped = match self.inner.take() {
            Some(inner) => inner.stop(deadline),
            None => Ok(()),
        };
        self.pool.close();
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
        Ok(stopped?)
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            if let Err(e) = inner.join() {
                log::error!("hypersync: the server stopped with an error: {e}");
            }
        }
        self.pool.close();
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}
