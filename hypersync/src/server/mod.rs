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
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use self::request::Shared;
pub use self::request::{Body, ConnStream, Request};
pub use self::response::Response;
use crate::buffer::BufReader;
use crate::http::h1::HttpReader;
use crate::net::NetworkStream;
pub use crate::net::{Fresh, HttpListener, HttpsListener, NetworkListener, SslServer, Streaming};

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
pub mod request;
pub mod response;
mod threaded;

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

/// A server bound to an address, ready to [`handle`](Server::handle) requests.
///
/// 0.10's keep-alive setting is kept (5 s by default); body reads and response writes
/// that make no progress end after 60 s unless set otherwise (0.10 waited forever).
///
/// On [`HttpListener`] (`Server::http`) and on [`HttpsListener`] with a rustls
/// [`TlsServer`](crate::net::TlsServer) (`Server::https`), connections live in an event
/// loop and hold no thread while idle or while their heads arrive; `handle_threads`
/// workers run the handler. On any other [`NetworkListener`] (a user's, or an
/// `HttpsListener` whose `SslServer` is not rustls), each of `handle_threads` threads
/// accepts a connection and serves it until it closes, as 0.10 did.
pub struct Server<L = HttpListener> {
    listener: L,
    keep_alive: Option<Duration>,
    timeouts: Timeouts,
}

impl<L> fmt::Debug for Server<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("keep_alive", &self.keep_alive)
            .finish_non_exhaustive()
    }
}

impl Server<HttpListener> {
    /// A server for `addr`, bound now (port 0 picks a free port, seen in `local_addr` and
    /// `Listening::socket`).
    ///
    /// # Errors
    ///
    /// `addr` does not resolve or cannot be bound.
    pub fn http<To: ToSocketAddrs>(addr: To) -> crate::Result<Server> {
        Ok(Server::new(HttpListener::new(addr)?))
    }
}

impl<S: SslServer + Clone + Send> Server<HttpsListener<S>> {
    /// An HTTPS server for `addr`: every connection is TLS, wrapped by `ssl`. With a
    /// [`TlsServer`](crate::net::TlsServer) or an `Arc<rustls::ServerConfig>` the loop
    /// runs each handshake and reads each head, as for plain HTTP, so slow or stalled
    /// handshakes hold no worker and are closed by the head-read timeout. Another
    /// `SslServer` (hyper-native-tls's, say) is served a thread per connection.
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
        Ok(Server::new(HttpsListener::new(addr, ssl)?))
    }
}

impl<L: NetworkListener> Server<L> {
    /// A server on `listener`.
    pub fn new(listener: L) -> Server<L> {
        Server {
            listener,
            keep_alive: Some(Duration::from_secs(5)),
            timeouts: Timeouts {
                read: Some(hyper_proto::DEFAULT_BODY_TIMEOUT),
                write: Some(hyper_proto::DEFAULT_SEND_TIMEOUT),
                title_case: true,
            },
        }
    }

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

    /// Whether the fields hypersync writes itself (`Content-Length`, `Transfer-Encoding`,
    /// `Date`, `Connection`) go out in title case, as 0.10 wrote them: on by default, for
    /// old clients and tests that compare header lines as strings. `false` writes them in
    /// lower case, as HTTP/2 and hyper 1.x do. Headers a handler sets keep the case of
    /// their names either way; the automatic answers to malformed requests (400, 413, ...)
    /// are always lower case.
    ///
    /// ```no_run
    /// let mut server = hypersync::Server::http("127.0.0.1:0")?;
    /// server.title_case_headers(false);
    /// # Ok::<(), hypersync::Error>(())
    /// ```
    pub fn title_case_headers(&mut self, on: bool) {
        self.timeouts.title_case = on;
    }

    /// The address the listener is bound to.
    ///
    /// # Errors
    ///
    /// The listener has none.
    pub fn local_addr(&mut self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }
}

impl<L: NetworkListener + Send + 'static> Server<L> {
    /// Serves with as many worker threads as 0.10 used (5/4 of the CPUs).
    ///
    /// # Errors
    ///
    /// The event loop could not start.
    pub fn handle<H: Handler + 'static>(self, handler: H) -> crate::Result<Listening> {
        let cpus = thread::available_parallelism().map_or(1, |n| n.get());
        self.handle_threads(handler, (cpus * 5 / 4).max(1))
    }

    /// Serves with `threads` worker threads running `handler`.
    ///
    /// # Errors
    ///
    /// The event loop (or a thread) could not start.
    pub fn handle_threads<H: Handler + 'static>(
        mut self,
        handler: H,
        threads: usize,
    ) -> crate::Result<Listening> {
        let handler = Arc::new(handler);
        let threads = threads.max(1);
        match self.listener.loop_listener() {
            Some(on_loop) => self.on_loop(on_loop, handler, threads),
            None => {
                let socket = self.listener.local_addr()?;
                let (stop, workers) = threaded::start(
                    self.listener,
                    handler,
                    threads,
                    self.keep_alive,
                    self.timeouts,
                )?;
                Ok(Listening {
                    socket,
                    running: Running::Threads { stop },
                    workers,
                })
            }
        }
    }

    fn on_loop<H: Handler + 'static>(
        self,
        on_loop: crate::net::LoopListener,
        handler: Arc<H>,
        threads: usize,
    ) -> crate::Result<Listening> {
        let pool = Arc::new(Pool::new(self.timeouts)?);
        let mut workers = Vec::new();
        for i in 0..threads {
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
        let tls = on_loop.tls;
        let for_driver = Arc::clone(&pool);
        // The loop accepts on a duplicate of the bound socket (made non-blocking).
        let started = on_loop.listener.try_clone().and_then(|listener| {
            hyper_net::spawn_loop_on(vec![listener], hyper_net::Config::default(), move |_| {
                let pool = Arc::clone(&for_driver);
                SyncDriver::new(Arc::clone(&handler), proto, pool, tls.clone())
            })
        });
        let loops = match started {
            Ok(loops) => loops,
            Err(e) => {
                pool.close();
                return Err(e.into());
            }
        };
        let socket = loops.local_addr();
        Ok(Listening {
            socket,
            running: Running::Loop {
                inner: Some(loops),
                pool,
            },
            workers,
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
    thread_local! {
        /// The connection this worker serves, shared by the request's body stream and the
        /// response (one per worker thread, reused for every connection it serves).
        static SHARED: Arc<Shared> = Arc::default();
    }
    let shared = SHARED.with(Arc::clone);
    let ending = serve_on(handler, &shared, conn, first, hand_back);
    match shared.take() {
        Some(conn) => ending.with(conn),
        // Not reached: the connection goes back into the cell after every request.
        None => unreachable!("hypersync: a served connection went missing"),
    }
}

/// How a run on a connection ended, before the connection is taken back.
enum End {
    Quiet,
    Closed,
}

impl End {
    fn with(self, conn: WorkerConn) -> Ending {
        match self {
            End::Quiet => Ending::Quiet(conn),
            End::Closed => Ending::Closed(conn),
        }
    }
}

fn serve_on<H: Handler>(
    handler: &H,
    shared: &Arc<Shared>,
    conn: WorkerConn,
    first: conn::Head,
    hand_back: impl Fn() -> bool,
) -> End {
    let peer = conn.peer;
    shared.put(conn);
    let mut stream = ConnStream(Arc::clone(shared));
    let mut head = first;
    loop {
        if let Some(status) = refuse_continue(handler, &head) {
            let _ = shared.with(|c| {
                c.proto.disable_keep_alive();
                let mut h = Headers::new();
                h.set(Connection::close());
                h.set(crate::header::ContentLength(0));
                let _ = c.send_head(status, &h, Some(hyper_proto::BodyKind::Empty));
                c.finish()
            });
            return End::Closed;
        }
        let _ = shared.with(|c| {
            c.begin(&head);
            Ok(())
        });
        {
            // Capacity 0: reads go straight to the connection, no copy and no allocation.
            let mut reader = BufReader::with_capacity(&mut stream as &mut dyn NetworkStream, 0);
            let req = Request::from_head(head, peer, HttpReader::EofReader(&mut reader));
            let res = Response::new(shared);
            if panic::catch_unwind(AssertUnwindSafe(|| handler.handle(req, res))).is_err() {
                log::error!(
                    "hypersync: a handler panicked; its request was answered 500 or cut short"
                );
            }
        }
        let after = shared
            .with(|c| Ok(c.end_exchange(hand_back())))
            .unwrap_or(After::Close);
        match after {
            After::Next(next) => head = next,
            After::Close => return End::Closed,
            After::Return => return End::Quiet,
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
    running: Running,
    /// The threads that serve: the loop's workers and their monitor, or the accepting
    /// threads.
    workers: Vec<thread::JoinHandle<()>>,
}

/// What serves: the event loop and its workers, or threads that each accept and serve.
enum Running {
    Loop {
        inner: Option<hyper_net::Loops<()>>,
        /// The workers; it also tells them when the server stops.
        pool: Arc<Pool>,
    },
    Threads {
        stop: Arc<threaded::Stop>,
    },
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
    /// On a listener of the user's (served a thread per connection), the threads stop
    /// accepting and each connection ends after the request it is on.
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
        let stopped = match &mut self.running {
            Running::Loop { inner, pool } => {
                // Before the loop hears of it: a worker serving a busy keep-alive
                // connection ends it after the request it is on, and parked connections go
                // back to the loop.
                pool.begin_stop();
                let stopped = match inner.take() {
                    Some(inner) => inner.stop(deadline),
                    None => Ok(()),
                };
                pool.close();
                stopped
            }
            Running::Threads { stop } => {
                stop.stop(self.socket, self.workers.len());
                Ok(())
            }
        };
        self.join_workers();
        Ok(stopped?)
    }

    fn join_workers(&mut self) {
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        if let Running::Loop { inner, pool } = &mut self.running {
            if let Some(inner) = inner.take() {
                if let Err(e) = inner.join() {
                    log::error!("hypersync: the server stopped with an error: {e}");
                }
            }
            pool.close();
        }
        self.join_workers();
    }
}
