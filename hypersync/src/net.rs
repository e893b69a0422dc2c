//! 0.10's `net` module: streams, listeners, connectors and the TLS traits, in the shapes
//! frameworks and TLS crates of that era implement and call.
//!
//! - [`NetworkStream`]: a blocking byte stream (`Read + Write`) with a peer address and
//!   timeouts; `dyn NetworkStream` downcasts to the type behind it.
//! - [`NetworkListener`]: accepts streams. [`HttpListener`] and [`HttpsListener`] are ours:
//!   a [`Server`](crate::Server) built on them runs on the event loop. A server built on
//!   any other listener is served as 0.10 served it, a thread per connection (see
//!   [`Server::handle_threads`](crate::server::Server::handle_threads)).
//! - [`NetworkConnector`]: opens client streams. [`HttpConnector`] and
//!   `HttpsConnector<TlsClient>` let the [`Client`](crate::Client) open connections itself;
//!   any other connector's streams are used as it makes them.
//! - [`SslServer`] / [`SslClient`]: wrap an accepted or connected stream in TLS, as
//!   hyper-native-tls and the other TLS crates of 0.10 do. [`TlsServer`] and [`TlsClient`]
//!   are rustls; the server and client run those on their own, faster, path.

use core::any::Any;
use core::fmt;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// A response whose head has not been written: status and headers can change.
#[derive(Debug)]
pub enum Fresh {}

/// A response whose head has been written: the body can be written.
#[derive(Debug)]
pub enum Streaming {}

/// A blocking byte stream a server reads requests from or a client writes requests to.
///
/// `Any + Send`, as in 0.10: a `&dyn NetworkStream` can be asked what it is
/// ([`is`](trait.NetworkStream.html#method.is),
/// [`downcast_ref`](trait.NetworkStream.html#method.downcast_ref)).
///
/// # Examples
///
/// ```
/// use std::io::{self, Cursor, Read, Write};
/// use std::net::SocketAddr;
/// use std::time::Duration;
/// use hypersync::net::NetworkStream;
///
/// struct Mock(Cursor<Vec<u8>>);
/// impl Read for Mock {
///     fn read(&mut self, b: &mut [u8]) -> io::Result<usize> { self.0.read(b) }
/// }
/// impl Write for Mock {
///     fn write(&mut self, b: &[u8]) -> io::Result<usize> { Ok(b.len()) }
///     fn flush(&mut self) -> io::Result<()> { Ok(()) }
/// }
/// impl NetworkStream for Mock {
///     fn peer_addr(&mut self) -> io::Result<SocketAddr> { Ok(([127, 0, 0, 1], 9).into()) }
///     fn set_read_timeout(&self, _: Option<Duration>) -> io::Result<()> { Ok(()) }
///     fn set_write_timeout(&self, _: Option<Duration>) -> io::Result<()> { Ok(()) }
/// }
///
/// let mut m = Mock(Cursor::new(Vec::new()));
/// let s: &mut dyn NetworkStream = &mut m;
/// assert!(s.is::<Mock>());
/// assert!(s.downcast_ref::<hypersync::net::HttpStream>().is_none());
/// ```
pub trait NetworkStream: Read + Write + Any + Send {
    /// The address of the other end.
    ///
    /// # Errors
    ///
    /// The stream has no peer address (closed, or not a socket).
    fn peer_addr(&mut self) -> io::Result<SocketAddr>;

    /// How long a read may wait (`None`: forever).
    ///
    /// # Errors
    ///
    /// The stream refused the setting.
    fn set_read_timeout(&self, dur: Option<Duration>) -> io::Result<()>;

    /// How long a write may wait (`None`: forever).
    ///
    /// # Errors
    ///
    /// The stream refused the setting.
    fn set_write_timeout(&self, dur: Option<Duration>) -> io::Result<()>;

    /// The stream is not to be kept alive: shut it down (`how`). Does nothing by default.
    ///
    /// # Errors
    ///
    /// The shutdown failed.
    fn close(&mut self, _how: Shutdown) -> io::Result<()> {
        Ok(())
    }

    /// Kept for 0.10's implementors; not used.
    #[doc(hidden)]
    fn set_previous_response_expected_no_content(&mut self, _expected: bool) {}

    /// Kept for 0.10's implementors; not used.
    #[doc(hidden)]
    fn previous_response_expected_no_content(&self) -> bool {
        false
    }
}

/// `is`, `downcast_ref`, `downcast_mut` on a stream trait object, `Send` or not.
macro_rules! downcasts {
    ($object:ty) => {
        impl $object {
            /// Whether the stream is a `T`.
            pub fn is<T: Any>(&self) -> bool {
                (self as &dyn Any).is::<T>()
            }

            /// The stream as a `T`, if it is one.
            pub fn downcast_ref<T: Any>(&self) -> Option<&T> {
                (self as &dyn Any).downcast_ref()
            }

            /// The stream as a `T`, if it is one, to change.
            pub fn downcast_mut<T: Any>(&mut self) -> Option<&mut T> {
                (self as &mut dyn Any).downcast_mut()
            }
        }
    };
}

downcasts!(dyn NetworkStream);
downcasts!(dyn NetworkStream + Send);

impl dyn NetworkStream {
    /// The boxed stream as a `Box<T>`, or itself back if it is not a `T`.
    ///
    /// # Errors
    ///
    /// The stream is not a `T`.
    pub fn downcast<T: Any>(self: Box<Self>) -> Result<Box<T>, Box<dyn NetworkStream>> {
        if self.is::<T>() {
            let any: Box<dyn Any> = self;
            Ok(any.downcast().unwrap_or_else(|_| unreachable!("checked")))
        } else {
            Err(self)
        }
    }
}

impl<T: NetworkStream + Send> From<T> for Box<dyn NetworkStream + Send> {
    fn from(s: T) -> Box<dyn NetworkStream + Send> {
        Box::new(s)
    }
}

impl fmt::Debug for Box<dyn NetworkStream + Send> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("Box<NetworkStream>")
    }
}

/// A plain TCP stream, as 0.10 named it (the socket is public).
#[derive(Debug)]
pub struct HttpStream(pub TcpStream);

/// A second handle on the same socket.
///
/// # Panics
///
/// The process is out of file descriptors (`TcpStream::try_clone` failed), as 0.10 did;
/// `Clone` cannot report it.
impl Clone for HttpStream {
    fn clone(&self) -> HttpStream {
        HttpStream(
            self.0
                .try_clone()
                .expect("HttpStream::clone: try_clone failed"),
        )
    }
}

impl Read for HttpStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl Write for HttpStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.0.write_vectored(bufs)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl NetworkStream for HttpStream {
    fn peer_addr(&mut self) -> io::Result<SocketAddr> {
        self.0.peer_addr()
    }
    fn set_read_timeout(&self, dur: Option<Duration>) -> io::Result<()> {
        self.0.set_read_timeout(dur)
    }
    fn set_write_timeout(&self, dur: Option<Duration>) -> io::Result<()> {
        self.0.set_write_timeout(dur)
    }
    fn close(&mut self, how: Shutdown) -> io::Result<()> {
        match self.0.shutdown(how) {
            // The peer went first: nothing to shut.
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
            r => r,
        }
    }
}

/// Accepts connections: what [`Server::new`](crate::server::Server::new) serves.
///
/// A server on [`HttpListener`] or [`HttpsListener`] runs on the event loop; on any other
/// listener, each accepted stream is served on a thread of its own, as 0.10 did.
pub trait NetworkListener: Clone {
    /// What [`accept`](NetworkListener::accept) gives.
    type Stream: NetworkStream + Send + Clone;

    /// Waits for the next connection.
    ///
    /// # Errors
    ///
    /// Accepting failed (for a TLS listener: so did the handshake).
    fn accept(&mut self) -> crate::Result<Self::Stream>;

    /// The address it listens on.
    ///
    /// # Errors
    ///
    /// The socket has none.
    fn local_addr(&mut self) -> io::Result<SocketAddr>;

    /// The connections, as they come.
    fn incoming(&mut self) -> NetworkConnections<'_, Self> {
        NetworkConnections(self)
    }

    /// The read timeout for accepted streams (ignored unless implemented).
    fn set_read_timeout(&mut self, _: Option<Duration>) {}

    /// The write timeout for accepted streams (ignored unless implemented).
    fn set_write_timeout(&mut self, _: Option<Duration>) {}

    /// For hypersync's own listeners: the socket and TLS configuration the event loop
    /// serves. Others keep the default, `None`, and are served a thread per connection.
    #[doc(hidden)]
    fn loop_listener(&self) -> Option<LoopListener> {
        None
    }
}

/// What the event loop takes of one of hypersync's listeners.
#[doc(hidden)]
#[derive(Debug)]
pub struct LoopListener {
    pub(crate) listener: Arc<TcpListener>,
    pub(crate) tls: Option<Arc<rustls::ServerConfig>>,
}

/// The connections of a listener, as an iterator ([`NetworkListener::incoming`]).
#[derive(Debug)]
pub struct NetworkConnections<'a, N: NetworkListener>(&'a mut N);

impl<N: NetworkListener> Iterator for NetworkConnections<'_, N> {
    type Item = crate::Result<N::Stream>;
    fn next(&mut self) -> Option<Self::Item> {
        Some(self.0.accept())
    }
}

/// A bound TCP listener (0.10's name). Clones share the socket.
#[derive(Clone, Debug)]
pub struct HttpListener {
    listener: Arc<TcpListener>,
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
}

impl HttpListener {
    /// Binds `addr`.
    ///
    /// # Errors
    ///
    /// `addr` does not resolve or cannot be bound.
    pub fn new<To: ToSocketAddrs>(addr: To) -> crate::Result<HttpListener> {
        // As the event loop binds its own: `SO_REUSEADDR` (a restart does not wait for
        // TIME_WAIT) and a backlog of 1,024 (a burst of connections is not refused).
        let mut last = None;
        for a in addr.to_socket_addrs()? {
            match hyper_net::bind(a, false) {
                Ok(l) => {
                    l.set_nonblocking(false)?;
                    return Ok(HttpListener::from(l));
                }
                Err(e) => last = Some(e),
            }
        }
        Err(crate::Error::Io(last.unwrap_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "no address to bind")
        })))
    }
}

impl From<TcpListener> for HttpListener {
    fn from(listener: TcpListener) -> HttpListener {
        HttpListener {
            listener: Arc::new(listener),
            read_timeout: None,
            write_timeout: None,
        }
    }
}

impl NetworkListener for HttpListener {
    type Stream = HttpStream;

    fn accept(&mut self) -> crate::Result<HttpStream> {
        let (s, _) = self.listener.accept()?;
        s.set_read_timeout(self.read_timeout)?;
        s.set_write_timeout(self.write_timeout)?;
        Ok(HttpStream(s))
    }

    fn local_addr(&mut self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    fn set_read_timeout(&mut self, dur: Option<Duration>) {
        self.read_timeout = dur;
    }

    fn set_write_timeout(&mut self, dur: Option<Duration>) {
        self.write_timeout = dur;
    }

    fn loop_listener(&self) -> Option<LoopListener> {
        Some(LoopListener {
            listener: Arc::clone(&self.listener),
            tls: None,
        })
    }
}

/// Wraps accepted streams in TLS: what [`Server::https`](crate::Server::https) and
/// [`HttpsListener::new`] take (0.10's shape, implemented by hyper-native-tls's
/// `NativeTlsServer` and the like).
///
/// [`TlsServer`] (rustls) is the one to prefer: a server on it runs each handshake on the
/// event loop, so a stalled client holds no thread. A server on any other `SslServer`
/// calls `wrap_server` on a thread of the connection's own.
pub trait SslServer<T: NetworkStream + Send + Clone = HttpStream> {
    /// The TLS stream.
    type Stream: NetworkStream + Send + Clone;

    /// Runs the server side of a handshake over `stream`.
    ///
    /// # Errors
    ///
    /// The handshake failed.
    fn wrap_server(&self, stream: T) -> crate::Result<Self::Stream>;

    /// For rustls servers: the configuration the event loop runs. `None` (the default):
    /// `wrap_server` is called on the connection's own thread.
    #[doc(hidden)]
    fn loop_config(&self) -> Option<Arc<rustls::ServerConfig>> {
        None
    }
}

/// Wraps connected streams in TLS: what [`HttpsConnector::new`] takes (0.10's shape,
/// implemented by hyper-native-tls's `NativeTlsClient` and the like).
pub trait SslClient<T: NetworkStream + Send + Clone = HttpStream> {
    /// The TLS stream.
    type Stream: NetworkStream + Send + Clone;

    /// Runs the client side of a handshake with `host` over `stream`.
    ///
    /// # Errors
    ///
    /// The handshake failed, or the certificate is not `host`'s.
    fn wrap_client(&self, stream: T, host: &str) -> crate::Result<Self::Stream>;

    /// For rustls clients: the configuration the client's own connections use. `None`
    /// (the default): the client calls `wrap_client`.
    #[doc(hidden)]
    fn loop_config(&self) -> Option<Arc<rustls::ClientConfig>> {
        None
    }
}

/// A TCP listener whose streams are TLS: `Server<HttpsListener<S>>` is what
/// [`Server::https`](crate::Server::https) builds, as in 0.10.
#[derive(Clone, Debug)]
pub struct HttpsListener<S> {
    listener: HttpListener,
    ssl: S,
}

impl<S: SslServer> HttpsListener<S> {
    /// Binds `addr`; streams are wrapped by `ssl`.
    ///
    /// # Errors
    ///
    /// `addr` does not resolve or cannot be bound.
    pub fn new<To: ToSocketAddrs>(addr: To, ssl: S) -> crate::Result<HttpsListener<S>> {
        HttpListener::new(addr).map(|l| HttpsListener::with_listener(l, ssl))
    }

    /// A listener on an already bound `listener`.
    pub fn with_listener(listener: HttpListener, ssl: S) -> HttpsListener<S> {
        HttpsListener { listener, ssl }
    }
}

impl<S: SslServer + Clone> NetworkListener for HttpsListener<S> {
    type Stream = S::Stream;

    fn accept(&mut self) -> crate::Result<S::Stream> {
        let s = self.listener.accept()?;
        self.ssl.wrap_server(s)
    }

    fn local_addr(&mut self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    fn set_read_timeout(&mut self, dur: Option<Duration>) {
        self.listener.set_read_timeout(dur);
    }

    fn set_write_timeout(&mut self, dur: Option<Duration>) {
        self.listener.set_write_timeout(dur);
    }

    fn loop_listener(&self) -> Option<LoopListener> {
        let tls = self.ssl.loop_config()?;
        Some(LoopListener {
            listener: Arc::clone(&self.listener.listener),
            tls: Some(tls),
        })
    }
}

/// A rustls session over a stream, shared by its clones (0.10's `NetworkListener` and
/// `SslClient` want streams that clone): what [`TlsServer`] and [`TlsClient`] wrap
/// streams in when they are used as `SslServer` / `SslClient` directly.
#[derive(Debug)]
pub struct TlsStream<C, T: Read + Write>(Arc<Mutex<rustls::StreamOwned<C, T>>>);

impl<C, T: Read + Write> Clone for TlsStream<C, T> {
    fn clone(&self) -> TlsStream<C, T> {
        TlsStream(Arc::clone(&self.0))
    }
}

impl<C, T: Read + Write> TlsStream<C, T> {
    /// The session and the stream under it.
    pub fn lock(&self) -> MutexGuard<'_, rustls::StreamOwned<C, T>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<C, T, S> Read for TlsStream<C, T>
where
    C: core::ops::DerefMut + core::ops::Deref<Target = rustls::ConnectionCommon<S>>,
    S: rustls::SideData,
    T: Read + Write,
{
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.lock().read(buf)
    }
}

impl<C, T, S> Write for TlsStream<C, T>
where
    C: core::ops::DerefMut + core::ops::Deref<Target = rustls::ConnectionCommon<S>>,
    S: rustls::SideData,
    T: Read + Write,
{
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.lock().write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.lock().flush()
    }
}

impl<C, T, S> NetworkStream for TlsStream<C, T>
where
    C: core::ops::DerefMut
        + core::ops::Deref<Target = rustls::ConnectionCommon<S>>
        + Send
        + 'static,
    S: rustls::SideData,
    T: NetworkStream,
{
    fn peer_addr(&mut self) -> io::Result<SocketAddr> {
        self.lock().sock.peer_addr()
    }
    fn set_read_timeout(&self, dur: Option<Duration>) -> io::Result<()> {
        self.lock().sock.set_read_timeout(dur)
    }
    fn set_write_timeout(&self, dur: Option<Duration>) -> io::Result<()> {
        self.lock().sock.set_write_timeout(dur)
    }
    fn close(&mut self, how: Shutdown) -> io::Result<()> {
        let mut s = self.lock();
        s.conn.send_close_notify();
        let _ = s.flush();
        s.sock.close(how)
    }
}

fn tls_error<E: std::error::Error + Send + Sync + 'static>(e: E) -> crate::Error {
    crate::Error::Ssl(Box::new(e))
}

/// Runs a handshake to its end over `stream`.
fn handshake<C, T, S>(mut conn: C, mut stream: T) -> crate::Result<TlsStream<C, T>>
where
    C: core::ops::DerefMut + core::ops::Deref<Target = rustls::ConnectionCommon<S>>,
    S: rustls::SideData,
    T: Read + Write,
{
    while conn.is_handshaking() {
        conn.complete_io(&mut stream)?;
    }
    Ok(TlsStream(Arc::new(Mutex::new(rustls::StreamOwned::new(
        conn, stream,
    )))))
}

/// A rustls server configuration for HTTP/1.1 (ALPN `http/1.1`), under the name the
/// hyper-rustls crate of the 0.10 days gave it.
///
/// # Examples
///
/// ```no_run
/// use hypersync::net::TlsServer;
/// use hypersync::Server;
///
/// let ssl = TlsServer::from_pem_files("cert.pem", "key.pem")?;
/// let server = Server::https("127.0.0.1:8443", ssl)?;
/// # Ok::<(), hypersync::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct TlsServer {
    config: Arc<rustls::ServerConfig>,
}

impl TlsServer {
    /// A server with this rustls configuration (its ALPN list is used as given).
    pub fn new(config: Arc<rustls::ServerConfig>) -> TlsServer {
        TlsServer { config }
    }

    /// The rustls configuration.
    pub fn config(&self) -> Arc<rustls::ServerConfig> {
        Arc::clone(&self.config)
    }

    /// A server from PEM text: the certificate chain (leaf first) and its private key
    /// (PKCS#8, PKCS#1 or SEC1).
    ///
    /// # Errors
    ///
    /// The PEM holds no certificate or no key, or rustls refuses them.
    pub fn from_pem(cert_chain: &[u8], key: &[u8]) -> crate::Result<TlsServer> {
        Ok(TlsServer::new(hyper_net::tls::server_config_from_pem(
            cert_chain, key,
        )?))
    }

    /// [`TlsServer::from_pem`] with the PEM read from two files.
    ///
    /// # Errors
    ///
    /// A file cannot be read (the error names it), or as [`TlsServer::from_pem`].
    pub fn from_pem_files<C: AsRef<Path>, K: AsRef<Path>>(
        cert_chain: C,
        key: K,
    ) -> crate::Result<TlsServer> {
        let read = |p: &Path| {
            std::fs::read(p)
                .map_err(|e| io::Error::new(e.kind(), format!("cannot read {}: {e}", p.display())))
        };
        TlsServer::from_pem(&read(cert_chain.as_ref())?, &read(key.as_ref())?)
    }
}

impl<T: NetworkStream + Send + Clone> SslServer<T> for TlsServer {
    type Stream = TlsStream<rustls::ServerConnection, T>;

    fn wrap_server(&self, stream: T) -> crate::Result<Self::Stream> {
        let conn = rustls::ServerConnection::new(Arc::clone(&self.config)).map_err(tls_error)?;
        handshake(conn, stream)
    }

    fn loop_config(&self) -> Option<Arc<rustls::ServerConfig>> {
        Some(Arc::clone(&self.config))
    }
}

impl<T: NetworkStream + Send + Clone> SslServer<T> for Arc<rustls::ServerConfig> {
    type Stream = TlsStream<rustls::ServerConnection, T>;

    fn wrap_server(&self, stream: T) -> crate::Result<Self::Stream> {
        TlsServer::new(Arc::clone(self)).wrap_server(stream)
    }

    fn loop_config(&self) -> Option<Arc<rustls::ServerConfig>> {
        Some(Arc::clone(self))
    }
}

/// Opens client connections: what [`Client::with_connector`](crate::Client::with_connector)
/// takes (0.10's shape; client mocks implement it).
///
/// With [`HttpConnector`] or `HttpsConnector<TlsClient>` the client opens connections
/// itself (pooled, checked before reuse, `https://` through rustls); with any other
/// connector it asks `connect` for each connection and speaks HTTP over what it returns.
pub trait NetworkConnector {
    /// The stream it makes.
    type Stream: Into<Box<dyn NetworkStream + Send>>;

    /// A stream to `host:port`, for a URL of `scheme` (`"http"` or `"https"`).
    ///
    /// # Errors
    ///
    /// The connection (or its TLS handshake) failed.
    fn connect(&self, host: &str, port: u16, scheme: &str) -> crate::Result<Self::Stream>;

    /// For hypersync's connectors: the client opens its connections itself, with this TLS
    /// configuration for `https://` (`Some(None)`: the client's default). `None` (the
    /// default): the client calls `connect`.
    #[doc(hidden)]
    fn own_connections(&self) -> Option<Option<Arc<rustls::ClientConfig>>> {
        None
    }
}

/// The plain connector (0.10's default). Through a [`Client`](crate::Client),
/// `https://` URLs work too, with Mozilla's roots.
#[derive(Clone, Copy, Debug, Default)]
pub struct HttpConnector;

impl NetworkConnector for HttpConnector {
    type Stream = HttpStream;

    fn connect(&self, host: &str, port: u16, scheme: &str) -> crate::Result<HttpStream> {
        if scheme != "http" {
            return Err(crate::Error::Io(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("HttpConnector: invalid scheme {scheme}"),
            )));
        }
        Ok(HttpStream(TcpStream::connect((host, port))?))
    }

    fn own_connections(&self) -> Option<Option<Arc<rustls::ClientConfig>>> {
        Some(None)
    }
}

/// A rustls client configuration (hyper-rustls's old name): Mozilla's roots and ALPN
/// `http/1.1` from [`TlsClient::new`], or any configuration.
///
/// # Examples
///
/// ```
/// use hypersync::net::{HttpsConnector, TlsClient};
/// use hypersync::Client;
///
/// let client = Client::with_connector(HttpsConnector::new(TlsClient::new()));
/// ```
#[derive(Clone, Debug)]
pub struct TlsClient {
    config: Arc<rustls::ClientConfig>,
}

impl Default for TlsClient {
    fn default() -> TlsClient {
        TlsClient::new()
    }
}

impl TlsClient {
    /// Mozilla's root certificates (the `webpki-roots` crate), ALPN `http/1.1`.
    pub fn new() -> TlsClient {
        TlsClient::with_config(hyper_net::tls::default_client_config())
    }

    /// This rustls configuration (for other roots: `client::tls_config_with_extra_roots`;
    /// for a client certificate: `client::ClientTls`).
    pub fn with_config(config: Arc<rustls::ClientConfig>) -> TlsClient {
        TlsClient { config }
    }
}

impl<T: NetworkStream + Send + Clone> SslClient<T> for TlsClient {
    type Stream = TlsStream<rustls::ClientConnection, T>;

    fn wrap_client(&self, stream: T, host: &str) -> crate::Result<Self::Stream> {
        let name = rustls::pki_types::ServerName::try_from(host.to_owned()).map_err(tls_error)?;
        let conn =
            rustls::ClientConnection::new(Arc::clone(&self.config), name).map_err(tls_error)?;
        handshake(conn, stream)
    }

    fn loop_config(&self) -> Option<Arc<rustls::ClientConfig>> {
        Some(Arc::clone(&self.config))
    }
}

impl<T: NetworkStream + Send + Clone> SslClient<T> for Arc<rustls::ClientConfig> {
    type Stream = TlsStream<rustls::ClientConnection, T>;

    fn wrap_client(&self, stream: T, host: &str) -> crate::Result<Self::Stream> {
        TlsClient::with_config(Arc::clone(self)).wrap_client(stream, host)
    }

    fn loop_config(&self) -> Option<Arc<rustls::ClientConfig>> {
        Some(Arc::clone(self))
    }
}

/// A plain or a TLS stream, as [`HttpsConnector`] makes them.
#[derive(Clone, Debug)]
pub enum HttpsStream<S: NetworkStream> {
    /// `http://`.
    Http(HttpStream),
    /// `https://`.
    Https(S),
}

impl<S: NetworkStream> Read for HttpsStream<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            HttpsStream::Http(s) => s.read(buf),
            HttpsStream::Https(s) => s.read(buf),
        }
    }
}

impl<S: NetworkStream> Write for HttpsStream<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            HttpsStream::Http(s) => s.write(buf),
            HttpsStream::Https(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            HttpsStream::Http(s) => s.flush(),
            HttpsStream::Https(s) => s.flush(),
        }
    }
}

impl<S: NetworkStream> NetworkStream for HttpsStream<S> {
    fn peer_addr(&mut self) -> io::Result<SocketAddr> {
        match self {
            HttpsStream::Http(s) => s.peer_addr(),
            HttpsStream::Https(s) => s.peer_addr(),
        }
    }
    fn set_read_timeout(&self, dur: Option<Duration>) -> io::Result<()> {
        match self {
            HttpsStream::Http(s) => NetworkStream::set_read_timeout(s, dur),
            HttpsStream::Https(s) => s.set_read_timeout(dur),
        }
    }
    fn set_write_timeout(&self, dur: Option<Duration>) -> io::Result<()> {
        match self {
            HttpsStream::Http(s) => NetworkStream::set_write_timeout(s, dur),
            HttpsStream::Https(s) => s.set_write_timeout(dur),
        }
    }
    fn close(&mut self, how: Shutdown) -> io::Result<()> {
        match self {
            HttpsStream::Http(s) => s.close(how),
            HttpsStream::Https(s) => s.close(how),
        }
    }
}

/// The TLS connector: `Client::with_connector(HttpsConnector::new(ssl))`, as in 0.10.
#[derive(Clone, Debug)]
pub struct HttpsConnector<S> {
    ssl: S,
}

impl<S: SslClient> HttpsConnector<S> {
    /// A connector whose `https://` connections `ssl` wraps.
    pub fn new(ssl: S) -> HttpsConnector<S> {
        HttpsConnector { ssl }
    }
}

impl<S: SslClient> NetworkConnector for HttpsConnector<S>
where
    S::Stream: 'static,
{
    type Stream = HttpsStream<S::Stream>;

    fn connect(&self, host: &str, port: u16, scheme: &str) -> crate::Result<Self::Stream> {
        let plain = HttpStream(TcpStream::connect((host, port))?);
        match scheme {
            "http" => Ok(HttpsStream::Http(plain)),
            "https" => self.ssl.wrap_client(plain, host).map(HttpsStream::Https),
            other => Err(crate::Error::Io(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("HttpsConnector: invalid scheme {other}"),
            ))),
        }
    }

    fn own_connections(&self) -> Option<Option<Arc<rustls::ClientConfig>>> {
        self.ssl.loop_config().map(Some)
    }
}
