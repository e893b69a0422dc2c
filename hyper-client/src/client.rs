//! [`Client`] and its [`Builder`]: an event loop on its own thread running client handlers
//! (the driver is in `conn.rs`, the pool in `pool.rs`).

use std::io;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use hyper_net::tls::MaybeTls;
use hyper_net::{EventLoop, LoopHandle, Resolver};

use crate::conn::{ClientDriver, Job, Msg};
use crate::handler::Handler;
use crate::request::Request;
use crate::url::{IntoUrl, UrlError};

/// Client settings.
#[derive(Clone, Debug)]
pub struct Builder {
    pub(crate) connect_timeout: Option<Duration>,
    keep_alive: bool,
    idle_timeout: Option<Duration>,
    pub(crate) max_idle_per_host: usize,
    pub(crate) max_connections: usize,
    pub(crate) max_connections_per_host: usize,
    dns_workers: usize,
    limits: hyper_proto::Limits,
    tls: Option<Arc<hyper_net::rustls::ClientConfig>>,
    pub(crate) proxy: Option<crate::Proxy>,
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
            tls: None,
            proxy: None,
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

    /// The TLS settings of `https://` requests: by default Mozilla's root certificates
    /// ([`default_client_config`](hyper_net::tls::default_client_config)); trust a private
    /// CA with [`client_config_with_extra_roots`](hyper_net::tls::client_config_with_extra_roots).
    pub fn tls_config(mut self, config: Arc<hyper_net::rustls::ClientConfig>) -> Self {
        self.tls = Some(config);
        self
    }

    /// Sends requests through an HTTP proxy (none by default): `http://` ones forwarded,
    /// `https://` ones through a `CONNECT` tunnel, except to the proxy's
    /// [`no_proxy`](crate::Proxy::no_proxy) hosts.
    pub fn proxy(mut self, proxy: crate::Proxy) -> Self {
        self.proxy = Some(proxy);
        self
    }

    /// The TLS configuration in use.
    pub(crate) fn tls_config_or_default(&self) -> Arc<hyper_net::rustls::ClientConfig> {
        self.tls
            .clone()
            .unwrap_or_else(hyper_net::tls::default_client_config)
    }

    /// Starts the client's loop thread for handlers of type `H` (an enum serves several
    /// kinds of request on one client).
    ///
    /// # Errors
    ///
    /// The loop or the resolver threads could not start.
    pub fn build<H: Handler<MaybeTls>>(self) -> io::Result<Client<H>> {
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
                let driver = ClientDriver::<H>::new(builder, proto, resolver);
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
/// # fn run<H: Handler<hyper_client::MaybeTls>>(handler: H) -> Result<(), Box<dyn std::error::Error>> {
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

impl<H: Handler<MaybeTls>> Client<H> {
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

    /// Stops the client: requests in flight fail with [`Error::Closed`](crate::Error::Closed).
    pub fn close(&self) {
        let _ = self.inner.handle.stop(None);
    }
}
