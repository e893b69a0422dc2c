//! [`Server`]: the builder, and [`Listening`]: the running server.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::{Duration, Instant};

use hyper_net::{spawn_loops, Loops, Transport};
use hyper_proto::Limits;

use crate::conn::ServerDriver;
use crate::handler::HandlerFactory;

/// Builds and starts an HTTP/1.1 server.
///
/// # Examples
///
/// ```no_run
/// use hyper_server::{Decoder, Encoder, Handler, Next, Request, Response, Server, TcpStream};
///
/// /// Answers every request with an empty 204.
/// struct NoContent;
///
/// impl Handler<TcpStream> for NoContent {
///     fn on_request(&mut self, _: Request<'_>) -> Next { Next::end() }
///     fn on_request_readable(&mut self, _: &mut Decoder<'_, '_, TcpStream>) -> Next { Next::end() }
///     fn on_response(&mut self, res: &mut Response) -> Next {
///         res.set_status(hyper_server::StatusCode::NO_CONTENT);
///         Next::end()
///     }
///     fn on_response_writable(&mut self, _: &mut Encoder<'_, '_, TcpStream>) -> Next { Next::end() }
/// }
///
/// let listening = Server::http("127.0.0.1:3000")?
///     .threads(4)
///     .header_read_timeout(Some(std::time::Duration::from_secs(10)))
///     .handle(|_ctrl| NoContent)?;
/// println!("listening on http://{}", listening.addr());
/// listening.wait()?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Server {
    addrs: Vec<SocketAddr>,
    /// Which of `addrs` are HTTPS listeners (for [`Server::handle_mixed`]).
    tls: Vec<bool>,
    threads: usize,
    proto: hyper_proto::Config,
    net: hyper_net::Config,
}

impl Server {
    /// A server for `addr` (every address it resolves to).
    ///
    /// # Errors
    ///
    /// `addr` does not resolve.
    pub fn http(addr: impl ToSocketAddrs) -> io::Result<Self> {
        let addrs: Vec<SocketAddr> = addr.to_socket_addrs()?.collect();
        if addrs.is_empty() {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "no address"));
        }
        Ok(Self {
            tls: vec![false; addrs.len()],
            addrs,
            threads: 1,
            proto: hyper_proto::Config::default(),
            net: hyper_net::Config::default(),
        })
    }

    /// Also listens on `addr`.
    ///
    /// # Errors
    ///
    /// `addr` does not resolve.
    pub fn listen(mut self, addr: impl ToSocketAddrs) -> io::Result<Self> {
        let before = self.addrs.len();
        self.addrs.extend(addr.to_socket_addrs()?);
        self.tls.resize(self.addrs.len(), false);
        if self.addrs.len() == before {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "no address"));
        }
        Ok(self)
    }

    /// Also listens on `addr`, for HTTPS: with [`Server::handle_mixed`], connections to it
    /// speak TLS and those to the other addresses plain HTTP (feature `tls`).
    ///
    /// # Errors
    ///
    /// `addr` does not resolve.
    #[cfg(feature = "tls")]
    pub fn listen_tls(self, addr: impl ToSocketAddrs) -> io::Result<Self> {
        let before = self.addrs.len();
        let mut server = self.listen(addr)?;
        for t in &mut server.tls[before..] {
            *t = true;
        }
        Ok(server)
    }

    /// Event loops, one per thread, each with its own `SO_REUSEPORT` listener (1 by default).
    pub fn threads(mut self, n: usize) -> Self {
        self.threads = n.max(1);
        self
    }

    /// Whether a connection may carry more than one request (on by default).
    pub fn keep_alive(mut self, on: bool) -> Self {
        self.proto = self.proto.keep_alive(on);
        self
    }

    /// How long an idle keep-alive connection is kept (60 s by default).
    pub fn idle_timeout(mut self, d: Option<Duration>) -> Self {
        self.proto = self.proto.idle_timeout(d);
        self
    }

    /// How long a client has to send a whole request head (30 s by default; slowloris
    /// protection). Past it the server answers 408 and closes.
    pub fn header_read_timeout(mut self, d: Option<Duration>) -> Self {
        self.proto = self.proto.head_timeout(d);
        self
    }

    /// How long reading a request body may wait for the client's next bytes when the
    /// handler's `Next::read()` sets no timeout (60 s by default, as nginx's
    /// `client_body_timeout`). Past it the handler's `on_error` gets `Error::Timeout`: by
    /// default a 408 when nothing was answered yet, then close. `None`: no limit.
    pub fn body_timeout(mut self, d: Option<Duration>) -> Self {
        self.proto = self.proto.body_timeout(d);
        self
    }

    /// How long writing a response body may wait for the client to take bytes when the
    /// handler's `Next::write()` sets no timeout (60 s by default, as nginx's
    /// `send_timeout`). Past it `on_error` gets `Error::Timeout` and, by default, the
    /// connection closes. `None`: no limit.
    pub fn send_timeout(mut self, d: Option<Duration>) -> Self {
        self.proto = self.proto.send_timeout(d);
        self
    }

    /// Most connections open at once per loop; past it the loop stops accepting until one
    /// closes.
    pub fn max_connections(mut self, n: usize) -> Self {
        self.net = self.net.max_connections(n);
        self
    }

    /// Head, header-count, target, chunk-extension, trailer and body limits.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.proto = self.proto.limits(limits);
        self
    }

    /// Starts the loops; every request gets a handler from `factory` (cloned per loop).
    ///
    /// # Errors
    ///
    /// Binding a listener or starting a loop failed.
    pub fn handle<F>(self, factory: F) -> io::Result<Listening>
    where
        F: HandlerFactory<hyper_net::TcpStream> + Clone + Send + 'static,
    {
        self.handle_transport(Ok, factory)
    }

    /// Like [`Server::handle`], over a transport `wrap` makes of each accepted socket (a
    /// TLS session, say: the closure may hold its configuration). A socket `wrap` refuses
    /// is closed. `wrap` and `factory` are cloned for each loop.
    ///
    /// # Errors
    ///
    /// Binding a listener or starting a loop failed.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use hyper_server::{Decoder, Encoder, Handler, Next, Request, Response, Server, TcpStream};
    ///
    /// struct NoContent;
    ///
    /// impl Handler<TcpStream> for NoContent {
    ///     fn on_request(&mut self, _: Request<'_>) -> Next { Next::end() }
    ///     fn on_request_readable(&mut self, _: &mut Decoder<'_, '_, TcpStream>) -> Next { Next::end() }
    ///     fn on_response(&mut self, res: &mut Response) -> Next {
    ///         res.set_status(hyper_server::StatusCode::NO_CONTENT);
    ///         Next::end()
    ///     }
    ///     fn on_response_writable(&mut self, _: &mut Encoder<'_, '_, TcpStream>) -> Next { Next::end() }
    /// }
    ///
    /// let low_latency = |s: TcpStream| {
    ///     s.set_ttl(64)?;
    ///     Ok(s)
    /// };
    /// let server = Server::http("127.0.0.1:3000")?.handle_transport(low_latency, |_ctrl| NoContent)?;
    /// # server.close()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn handle_transport<T, W, F>(self, wrap: W, factory: F) -> io::Result<Listening>
    where
        T: Transport + 'static,
        W: FnMut(hyper_net::TcpStream) -> io::Result<T> + Clone + Send + 'static,
        F: HandlerFactory<T> + Clone + Send + 'static,
    {
        let proto = self.proto;
        let parts = std::sync::Mutex::new((factory, wrap));
        let loops = spawn_loops(self.threads, &self.addrs, self.net, move |_| {
            let (f, w) = parts.lock().unwrap_or_else(|e| e.into_inner()).clone();
            ServerDriver::new(f, proto, w)
        })?;
        Ok(Listening { loops })
    }
}

#[cfg(feature = "tls")]
impl Server {
    /// Like [`Server::handle`], over TLS: every accepted socket becomes a
    /// [`TlsStream`](hyper_net::tls::TlsStream) with `config` (see
    /// [`server_config_from_pem`](hyper_net::tls::server_config_from_pem) for one made from
    /// PEM files). The handshake runs as the connection is read, within the head-read
    /// timeout; handlers see decrypted bytes (feature `tls`).
    ///
    /// # Errors
    ///
    /// Binding a listener or starting a loop failed.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use std::io::Write;
    /// use hyper_server::tls::{server_config_from_pem, TlsStream};
    /// use hyper_server::{Decoder, Encoder, Handler, Next, Request, Response, Server};
    ///
    /// struct Hi;
    ///
    /// impl Handler<TlsStream> for Hi {
    ///     fn on_request(&mut self, _: Request<'_>) -> Next { Next::write() }
    ///     fn on_request_readable(&mut self, _: &mut Decoder<'_, '_, TlsStream>) -> Next { Next::write() }
    ///     fn on_response(&mut self, res: &mut Response) -> Next {
    ///         res.set_content_length(3);
    ///         Next::write()
    ///     }
    ///     fn on_response_writable(&mut self, enc: &mut Encoder<'_, '_, TlsStream>) -> Next {
    ///         match enc.write(b"hi\n") {
    ///             Ok(3) => Next::end(),
    ///             _ => Next::remove(), // (a real handler keeps its place and retries)
    ///         }
    ///     }
    /// }
    ///
    /// let config = server_config_from_pem(&std::fs::read("cert.pem")?, &std::fs::read("key.pem")?)?;
    /// let server = Server::http("127.0.0.1:3443")?.handle_tls(config, |_ctrl| Hi)?;
    /// server.wait()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn handle_tls<F>(
        self,
        config: std::sync::Arc<hyper_net::rustls::ServerConfig>,
        factory: F,
    ) -> io::Result<Listening>
    where
        F: HandlerFactory<hyper_net::tls::TlsStream> + Clone + Send + 'static,
    {
        self.handle_transport(
            move |sock| hyper_net::tls::TlsStream::accept(sock, config.clone()),
            factory,
        )
    }
}

#[cfg(feature = "tls")]
impl Server {
    /// Serves plain HTTP on the addresses given to [`Server::http`] and
    /// [`Server::listen`], and HTTPS with `config` on those given to
    /// [`Server::listen_tls`], with handlers of one type over
    /// [`MaybeTls`](hyper_net::tls::MaybeTls) (their factory learns which through
    /// [`HandlerFactory::create_for`]).
    ///
    /// # Errors
    ///
    /// Binding a listener or starting a loop failed.
    pub fn handle_mixed<F>(
        self,
        config: std::sync::Arc<hyper_net::rustls::ServerConfig>,
        factory: F,
    ) -> io::Result<Listening>
    where
        F: HandlerFactory<hyper_net::tls::MaybeTls> + Clone + Send + 'static,
    {
        use hyper_net::tls::{MaybeTls, TlsStream};
        use std::sync::{Arc, OnceLock};
        // The bound TLS addresses (port 0 resolves at bind): set right after binding; a
        // connection accepted in between waits for it.
        let tls_addrs: Arc<OnceLock<Vec<SocketAddr>>> = Arc::new(OnceLock::new());
        let known = Arc::clone(&tls_addrs);
        let flags = self.tls.clone();
        let wrap = move |sock: hyper_net::TcpStream| -> io::Result<MaybeTls> {
            let local = sock.local_addr()?;
            let tls_addrs = loop {
                // Set microseconds after the loops start (`OnceLock::wait` is newer than
                // our minimum Rust).
                match known.get() {
                    Some(addrs) => break addrs,
                    None => std::thread::yield_now(),
                }
            };
            let is_tls = tls_addrs.iter().any(|a| {
                a.port() == local.port() && (a.ip().is_unspecified() || a.ip() == local.ip())
            });
            if is_tls {
                Ok(MaybeTls::Tls(Box::new(TlsStream::accept(
                    sock,
                    config.clone(),
                )?)))
            } else {
                Ok(MaybeTls::Plain(sock))
            }
        };
        let listening = self.handle_transport(wrap, factory)?;
        let bound = listening.addrs().iter().zip(&flags);
        let _ = tls_addrs.set(bound.filter(|(_, t)| **t).map(|(a, _)| *a).collect());
        Ok(listening)
    }
}

/// A running server.
#[derive(Debug)]
pub struct Listening {
    loops: Loops<()>,
}

impl Listening {
    /// The first bound address (with the port the OS chose for port 0).
    pub fn addr(&self) -> SocketAddr {
        self.loops.local_addr()
    }

    /// Every bound address.
    pub fn addrs(&self) -> &[SocketAddr] {
        self.loops.local_addrs()
    }

    /// Graceful shutdown: stop accepting, let requests in flight finish for up to `grace`,
    /// then close everything. Returns when every loop has stopped.
    ///
    /// # Errors
    ///
    /// A loop ended with an error.
    pub fn shutdown(self, grace: Duration) -> io::Result<()> {
        self.loops.stop(Some(Instant::now() + grace))
    }

    /// Closes every connection now and stops.
    ///
    /// # Errors
    ///
    /// A loop ended with an error.
    pub fn close(self) -> io::Result<()> {
        self.loops.stop(None)
    }

    /// Blocks until the server stops (it runs until shut down from elsewhere or forever).
    ///
    /// # Errors
    ///
    /// A loop ended with an error.
    pub fn wait(self) -> io::Result<()> {
        self.loops.join()
    }
}
