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
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
use hyper_net::{Control, TcpStream};

pub use self::request::{Body, Request};
pub use self::response::Response;
pub use crate::net::{Fresh, Streaming};

use self::exchange::{Bridge, Dispatch, Job, Timeouts};
use crate::header::Headers;
use crate::method::Method;
use crate::status::StatusCode;
use crate::uri::RequestUri;

mod exchange;
mod request;
mod response;

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

    /// Not called: workers see requests, not connections (kept so 0.10 handlers compile).
    fn on_connection_start(&self) {}

    /// Not called, as [`Handler::on_connection_start`].
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
/// 0.10's settings are kept: keep-alive for 5 s by default, read and write timeouts
/// unset. The requests of every connection are handled by `handle_threads` worker threads;
/// connections themselves live in an event loop and hold no thread while idle.
pub struct Server<L = HttpListener> {
    addr: SocketAddr,
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
            keep_alive: Some(Duration::from_secs(5)),
            timeouts: Timeouts::default(),
            _listener: PhantomData,
        }
    }
}

impl<L> Server<L> {
    /// How long an idle connection is kept open between requests; `None` closes every
    /// connection after one response (`Connection: close`).
    pub fn keep_alive(&mut self, timeout: Option<Duration>) {
        self.keep_alive = timeout;
    }

    /// How long a read of the request body may wait for bytes.
    pub fn set_read_timeout(&mut self, dur: Option<Duration>) {
        self.timeouts.read = dur;
    }

    /// How long a write of the response may wait for the client.
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
        let (tx, rx) = crossbeam_channel::unbounded::<Job>();
        let handler = Arc::new(handler);
        let mut workers = Vec::new();
        for i in 0..threads.max(1) {
            let rx = rx.clone();
            let handler = Arc::clone(&handler);
            workers.push(
                thread::Builder::new()
                    .name(format!("hypersync-worker-{i}"))
                    .spawn(move || work(&*handler, &rx))?,
            );
        }
        let pool = Arc::new(Pool {
            jobs: tx,
            handler: Arc::clone(&handler),
        });
        let mut server = hyper_server::Server::http(self.addr)?;
        server = match self.keep_alive {
            Some(idle) => server.idle_timeout(Some(idle)),
            None => server.keep_alive(false),
        };
        let timeouts = self.timeouts;
        let inner = server.handle(Factory { pool, timeouts })?;
        let socket = inner.addr();
        Ok(Listening {
            socket,
            inner: Some(inner),
            workers,
        })
    }
}

/// The queue to the workers, and the handler for `check_continue`.
struct Pool<H> {
    jobs: Sender<Job>,
    handler: Arc<H>,
}

impl<H: Handler + 'static> Dispatch for Pool<H> {
    fn submit(&self, job: Job) {
        // The workers only stop once the loop (which holds this sender) has.
        let _ = self.jobs.send(job);
    }

    fn check_continue(&self, method: &Method, uri: &RequestUri, headers: &Headers) -> StatusCode {
        self.handler.check_continue((method, uri, headers))
    }
}

/// Makes a [`Bridge`] per request.
struct Factory<H> {
    pool: Arc<Pool<H>>,
    timeouts: Timeouts,
}

impl<H> Clone for Factory<H> {
    fn clone(&self) -> Self {
        Factory {
            pool: Arc::clone(&self.pool),
            timeouts: self.timeouts,
        }
    }
}

impl<H: Handler + 'static> hyper_server::HandlerFactory<TcpStream> for Factory<H> {
    type Output = Bridge<Pool<H>>;

    fn create(&mut self, ctrl: Control) -> Self::Output {
        let unknown = SocketAddr::from(([0, 0, 0, 0], 0));
        Bridge::new(Arc::clone(&self.pool), ctrl, unknown, self.timeouts)
    }

    fn create_from(&mut self, ctrl: Control, peer: SocketAddr) -> Self::Output {
        Bridge::new(Arc::clone(&self.pool), ctrl, peer, self.timeouts)
    }
}

/// A worker: runs jobs until the queue closes. A panicking handler answers 500 (its
/// `Response` is dropped while panicking) and the worker goes on.
fn work<H: Handler>(handler: &H, jobs: &Receiver<Job>) {
    for job in jobs.iter() {
        let exchange = job.exchange;
        let req = Request::new(
            job.remote_addr,
            job.method,
            job.headers,
            job.uri,
            job.version,
            Arc::clone(&exchange),
        );
        let res = Response::new(Arc::clone(&exchange));
        if panic::catch_unwind(AssertUnwindSafe(|| handler.handle(req, res))).is_err() {
            log::error!("hypersync: a handler panicked; its request was answered 500 or cut short");
        }
    }
}

/// A running server. Dropping it blocks until the server stops, as in 0.10 (so that
/// `let _guard = server.handle(h);` at the end of `main` keeps the program serving);
/// [`Listening::close`] stops it.
pub struct Listening {
    /// The address the server listens on.
    pub socket: SocketAddr,
    inner: Option<hyper_server::Listening>,
    workers: Vec<thread::JoinHandle<()>>,
}

impl fmt::Debug for Listening {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Listening")
            .field("socket", &self.socket)
            .finish()
    }
}

impl Listening {
    /// Stops the server: closes the listener and every connection, and waits for the
    /// workers to finish the requests they are running. (0.10's `close` did not stop it.)
    ///
    /// # Errors
    ///
    /// The event loop ended with an error.
    pub fn close(&mut self) -> crate::Result<()> {
        if let Some(inner) = self.inner.take() {
            inner.close()?;
        }
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
        Ok(())
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            if let Err(e) = inner.wait() {
                log::error!("hypersync: the server stopped with an error: {e}");
            }
        }
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}
