//! [`TlsStream`]: a rustls session over a non-blocking mio socket, driven by the loop like
//! a plain socket (feature `tls`).
//!
//! # Theory of operation
//!
//! The session sits between the loop's buffers and the socket:
//!
//! ```text
//!   Io::read  ─▶ TlsStream::read  ─▶ plaintext rustls already decrypted, else
//!                                    read_tls(socket) + process_new_packets, and again
//!   Io::write ─▶ TlsStream::write ─▶ rustls encrypts into its send buffer ─▶ write_tls(socket)
//!   loop flush ─▶ TlsStream::flush ─▶ write_tls until the send buffer is empty or the
//!                                     socket would block
//! ```
//!
//! The handshake needs no step of its own: the first reads run it (a read answers with
//! `WouldBlock` until application data arrives, writing the handshake's replies on the
//! way), and the deadline the driver already has for the request head covers it, so a
//! client that never finishes its handshake is closed like one that never sends a head.
//! [`Transport::blocked`] tells the loop when the session itself needs the socket: bytes of
//! its own still to send ([`Blocked::Write`]), or handshake bytes to receive
//! ([`Blocked::Read`]). Reads are never skipped on a short read, since rustls may hold
//! decrypted bytes the socket's readiness knows nothing of.
//!
//! Writes back off (`WouldBlock`) once [`MAX_PENDING_TLS`] bytes wait in the session for
//! the socket, so a peer that does not read holds a bounded amount of memory.
//!
//! A client session can start behind a proxy's tunnel ([`TlsStream::connect_tunneled`]):
//! bytes pass in the clear (the `CONNECT` exchange) until [`TlsStream::start_tls`], and
//! the handshake runs from there.
//!
//! A server session can be lent to a blocking thread ([`TlsStream::lend_server_session`])
//! and given back ([`TlsStream::restore_session`]): hypersync serves a busy connection on a
//! worker that way, and the loop reads the next head once it is back. While it is lent the
//! stream holds no session: reads and writes say `WouldBlock`, and closing sends nothing.

use std::io::{self, IoSlice, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::sync::Arc;

use mio::event::Source;
use mio::net::TcpStream;
use mio::{Interest, Registry, Token};
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, Connection, ServerConfig, ServerConnection};

use crate::transport::{Blocked, Transport};

/// Bytes a session holds for the socket (encrypted records, and plaintext written before
/// the handshake ended) before its writes say `WouldBlock`.
pub const MAX_PENDING_TLS: usize = 64 * 1024;

/// A TLS session (server or client side) over a mio socket: a [`Transport`].
pub struct TlsStream {
    sock: TcpStream,
    /// `None` while the session is lent.
    tls: Option<Connection>,
    /// The socket reported its end.
    eof: bool,
    /// Bytes pass in the clear (a proxy's `CONNECT` exchange) until `start_tls`.
    clear: bool,
}

impl std::fmt::Debug for TlsStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsStream")
            .field("sock", &self.sock)
            .field("handshaking", &self.is_handshaking())
            .field("lent", &self.tls.is_none())
            .field("clear", &self.clear)
            .field("eof", &self.eof)
            .finish()
    }
}

impl TlsStream {
    /// The server side of a session on an accepted socket. The handshake runs as the loop
    /// reads.
    ///
    /// # Errors
    ///
    /// When rustls cannot start a session with `config`.
    pub fn accept(sock: TcpStream, config: Arc<ServerConfig>) -> io::Result<Self> {
        let mut tls = ServerConnection::new(config).map_err(io::Error::other)?;
        tls.set_buffer_limit(Some(MAX_PENDING_TLS));
        Ok(Self {
            sock,
            tls: Some(tls.into()),
            eof: false,
            clear: false,
        })
    }

    /// The client side of a session on a (connecting) socket, for the server `name` (sent
    /// as SNI and checked against its certificate).
    ///
    /// # Errors
    ///
    /// When rustls cannot start a session with `config`.
    pub fn connect(
        sock: TcpStream,
        config: Arc<ClientConfig>,
        name: ServerName<'static>,
    ) -> io::Result<Self> {
        let mut tls = ClientConnection::new(config, name).map_err(io::Error::other)?;
        tls.set_buffer_limit(Some(MAX_PENDING_TLS));
        Ok(Self {
            sock,
            tls: Some(tls.into()),
            eof: false,
            clear: false,
        })
    }

    /// [`TlsStream::connect`] for a connection to a proxy that will tunnel to the server
    /// `name`: reads and writes pass in the clear (the `CONNECT` request and its answer)
    /// until [`TlsStream::start_tls`] begins the handshake.
    ///
    /// # Errors
    ///
    /// When rustls cannot start a session with `config`.
    pub fn connect_tunneled(
        sock: TcpStream,
        config: Arc<ClientConfig>,
        name: ServerName<'static>,
    ) -> io::Result<Self> {
        let mut s = Self::connect(sock, config, name)?;
        s.clear = true;
        Ok(s)
    }

    /// The tunnel is open: TLS from here on (the client's hello goes out with the next
    /// write or flush).
    pub fn start_tls(&mut self) {
        self.clear = false;
    }

    /// Whether bytes still pass in the clear ([`TlsStream::connect_tunneled`]).
    pub fn is_clear(&self) -> bool {
        self.clear
    }

    /// Server side: the host name the client asked for (SNI), once its hello arrived.
    pub fn server_name(&self) -> Option<&str> {
        match &self.tls {
            Some(Connection::Server(s)) => s.server_name(),
            _ => None,
        }
    }

    /// The protocol agreed through ALPN, if any (`b"http/1.1"`).
    pub fn alpn_protocol(&self) -> Option<&[u8]> {
        self.tls.as_ref()?.alpn_protocol()
    }

    /// Whether the handshake is still running.
    pub fn is_handshaking(&self) -> bool {
        self.tls.as_ref().is_some_and(|t| t.is_handshaking())
    }

    /// The socket under the session.
    pub fn get_ref(&self) -> &TcpStream {
        &self.sock
    }

    /// The rustls session (certificates, cipher suite, ...); `None` while it is lent.
    pub fn session(&self) -> Option<&Connection> {
        self.tls.as_ref()
    }

    /// Takes a server session out once its handshake is over, for a blocking thread to
    /// drive over a duplicate of the socket (with `rustls::StreamOwned`): the plaintext
    /// and records it has buffered go with it. `None` for a client session, one still
    /// handshaking, or one already lent. Until [`TlsStream::restore_session`] the stream
    /// reads and writes nothing (`WouldBlock`) and its drop sends no `close_notify`: the
    /// borrower ends the session if it ends the connection.
    pub fn lend_server_session(&mut self) -> Option<ServerConnection> {
        match self.tls.take() {
            Some(Connection::Server(s)) if !s.is_handshaking() => Some(s),
            other => {
                self.tls = other;
                None
            }
        }
    }

    /// Gives a lent session back: the loop drives it again.
    pub fn restore_session(&mut self, session: ServerConnection) {
        self.tls = Some(session.into());
    }

    /// The session, or `WouldBlock` while it is lent.
    fn tls(&mut self) -> io::Result<&mut Connection> {
        self.tls
            .as_mut()
            .ok_or_else(|| io::ErrorKind::WouldBlock.into())
    }

    /// Sends what the session holds for the socket, until it is empty or the socket would
    /// block (`WouldBlock`).
    fn flush_tls(&mut self) -> io::Result<()> {
        let Some(tls) = self.tls.as_mut().filter(|_| !self.clear) else {
            return Ok(());
        };
        while tls.wants_write() {
            match tls.write_tls(&mut self.sock) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// [`TlsStream::flush_tls`], where a socket that would block is not an error.
    fn try_flush_tls(&mut self) -> io::Result<()> {
        match self.flush_tls() {
            Err(e) if e.kind() != io::ErrorKind::WouldBlock => Err(e),
            _ => Ok(()),
        }
    }
}

/// Closing says so: a `close_notify` alert goes out (as far as the socket takes it now),
/// so that the peer can tell our end of the stream from a cut (RFC 8446 §6.1).
impl Drop for TlsStream {
    fn drop(&mut self) {
        if let Some(tls) = self.tls.as_mut().filter(|t| !t.is_handshaking()) {
            tls.send_close_notify();
            let _ = self.try_flush_tls();
        }
    }
}

impl Read for TlsStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.clear {
            return self.sock.read(buf);
        }
        loop {
            match self.tls()?.reader().read(buf) {
                Ok(n) => return Ok(n),
                // Nothing decrypted yet: go to the socket.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                // The peer closed without `close_notify`. HTTP frames its own messages
                // (a body cut short is still caught there), and most clients end this way.
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(0),
                Err(e) => return Err(e),
            }
            if self.eof {
                return Ok(0);
            }
            // The handshake's replies first, so that the peer can go on.
            self.try_flush_tls()?;
            let Some(tls) = self.tls.as_mut() else {
                return Err(io::ErrorKind::WouldBlock.into());
            };
            match tls.read_tls(&mut self.sock) {
                Ok(0) => self.eof = true,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            if let Err(e) = tls.process_new_packets() {
                // Send the alert rustls queued, then fail the connection.
                let _ = self.try_flush_tls();
                return Err(io::Error::new(io::ErrorKind::InvalidData, e));
            }
        }
    }
}

impl Write for TlsStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_vectored(&[IoSlice::new(buf)])
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        if self.clear {
            return self.sock.write_vectored(bufs);
        }
        let len: usize = bufs.iter().map(|b| b.len()).sum();
        let mut n = self.tls()?.writer().write_vectored(bufs)?;
        if n == 0 && len > 0 {
            // The session's buffer is full: make room, then try once more.
            self.flush_tls()?;
            n = self.tls()?.writer().write_vectored(bufs)?;
            if n == 0 {
                return Err(io::ErrorKind::WouldBlock.into());
            }
        }
        self.try_flush_tls()?;
        Ok(n)
    }

    /// Sends the session's pending records; `WouldBlock` while some remain.
    fn flush(&mut self) -> io::Result<()> {
        self.flush_tls()
    }
}

impl Source for TlsStream {
    fn register(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        self.sock.register(registry, token, interests)
    }

    fn reregister(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        self.sock.reregister(registry, token, interests)
    }

    fn deregister(&mut self, registry: &Registry) -> io::Result<()> {
        self.sock.deregister(registry)
    }
}

impl Transport for TlsStream {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.sock.peer_addr()
    }

    fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.sock.shutdown(how)
    }

    fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.sock.take_error()
    }

    fn tls_server_name(&self) -> Option<&str> {
        self.server_name()
    }

    fn is_tls(&self) -> bool {
        true
    }

    fn blocked(&self) -> Blocked {
        let Some(tls) = self.tls.as_ref().filter(|_| !self.clear) else {
            return Blocked::None;
        };
        if tls.wants_write() {
            Blocked::Write
        } else if tls.is_handshaking() {
            Blocked::Read
        } else {
            Blocked::None
        }
    }
}

/// A server configuration for HTTP/1.1 over TLS from PEM text: a certificate chain
/// (leaf first) and its private key (PKCS#8, PKCS#1 or SEC1). ALPN offers `http/1.1`.
///
/// # Errors
///
/// `InvalidData` when the PEM holds no certificate or no key, or rustls refuses them.
pub fn server_config_from_pem(cert_chain: &[u8], key: &[u8]) -> io::Result<Arc<ServerConfig>> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let bad = |what: &str, e: &dyn std::fmt::Display| {
        io::Error::new(io::ErrorKind::InvalidData, format!("{what}: {e}"))
    };
    let certs = CertificateDer::pem_slice_iter(cert_chain)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad("certificate PEM", &e))?;
    if certs.is_empty() {
        return Err(bad("certificate PEM", &"no CERTIFICATE block"));
    }
    let key = PrivateKeyDer::from_pem_slice(key).map_err(|e| bad("private key PEM", &e))?;
    let mut config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| bad("TLS versions", &e))?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|e| bad("certificate and key", &e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// A connection that is plain TCP or TLS, chosen per connection: a client's (`http://` and
/// `https://` destinations on one loop), or a server's with both kinds of listener.
#[derive(Debug)]
pub enum MaybeTls {
    /// Plain TCP.
    Plain(TcpStream),
    /// TLS over TCP (boxed: a session is much larger than a socket).
    Tls(Box<TlsStream>),
}

impl MaybeTls {
    /// Ends a tunneled session's clear phase ([`TlsStream::start_tls`]); nothing for a
    /// plain socket.
    pub fn start_tls(&mut self) {
        if let Self::Tls(t) = self {
            t.start_tls();
        }
    }

    /// The TLS session, if this connection has one (SNI, ALPN, certificates).
    pub fn tls(&self) -> Option<&TlsStream> {
        match self {
            Self::Plain(_) => None,
            Self::Tls(t) => Some(t),
        }
    }
}

impl Read for MaybeTls {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Plain(s) => s.read(buf),
            Self::Tls(t) => t.read(buf),
        }
    }
}

impl Write for MaybeTls {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Self::Plain(s) => s.write(buf),
            Self::Tls(t) => t.write(buf),
        }
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Self::Plain(s) => s.write_vectored(bufs),
            Self::Tls(t) => t.write_vectored(bufs),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Self::Plain(s) => s.flush(),
            Self::Tls(t) => t.flush(),
        }
    }
}

impl Source for MaybeTls {
    fn register(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        match self {
            Self::Plain(s) => s.register(registry, token, interests),
            Self::Tls(t) => t.register(registry, token, interests),
        }
    }

    fn reregister(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
    ) -> io::Result<()> {
        match self {
            Self::Plain(s) => s.reregister(registry, token, interests),
            Self::Tls(t) => t.reregister(registry, token, interests),
        }
    }

    fn deregister(&mut self, registry: &Registry) -> io::Result<()> {
        match self {
            Self::Plain(s) => s.deregister(registry),
            Self::Tls(t) => t.deregister(registry),
        }
    }
}

impl Transport for MaybeTls {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        match self {
            Self::Plain(s) => s.peer_addr(),
            Self::Tls(t) => t.peer_addr(),
        }
    }

    fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        match self {
            Self::Plain(s) => Transport::shutdown(s, how),
            Self::Tls(t) => t.shutdown(how),
        }
    }

    fn take_error(&self) -> io::Result<Option<io::Error>> {
        match self {
            Self::Plain(s) => s.take_error(),
            Self::Tls(t) => t.take_error(),
        }
    }

    fn blocked(&self) -> Blocked {
        match self {
            Self::Plain(_) => Blocked::None,
            Self::Tls(t) => t.blocked(),
        }
    }

    fn short_read_drains(&self) -> bool {
        match self {
            Self::Plain(s) => s.short_read_drains(),
            Self::Tls(_) => false,
        }
    }

    fn tls_server_name(&self) -> Option<&str> {
        self.tls().and_then(TlsStream::server_name)
    }

    fn is_tls(&self) -> bool {
        matches!(self, Self::Tls(_))
    }
}

/// The client configuration used unless one is given: Mozilla's root certificates (the
/// `webpki-roots` crate), ALPN `http/1.1`. Built once per process.
pub fn default_client_config() -> Arc<ClientConfig> {
    static CONFIG: std::sync::OnceLock<Arc<ClientConfig>> = std::sync::OnceLock::new();
    CONFIG.get_or_init(|| ClientTls::new().build()).clone()
}

/// A client configuration trusting Mozilla's roots and also the certificates in `pem`
/// (curl's `--cacert`): for a private CA or a self-signed server.
///
/// # Errors
///
/// `InvalidData` when `pem` holds no certificate, or one that cannot be a root.
pub fn client_config_with_extra_roots(pem: &[u8]) -> io::Result<Arc<ClientConfig>> {
    Ok(ClientTls::new().add_roots_pem(pem)?.build())
}

/// Builds a client's TLS configuration: Mozilla's roots, plus roots of its own (curl's
/// `--cacert`) and a certificate to present to servers that ask for one (curl's `--cert`
/// and `--key`, mutual TLS). ALPN offers `http/1.1`.
///
/// # Examples
///
/// ```no_run
/// use hyper_net::tls::ClientTls;
/// let config = ClientTls::new()
///     .add_roots_pem(&std::fs::read("ca.pem")?)?
///     .client_cert_pem(&std::fs::read("client.pem")?, &std::fs::read("client.key")?)?
///     .build();
/// assert_eq!(config.alpn_protocols, [b"http/1.1".to_vec()]);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct ClientTls {
    roots: rustls::RootCertStore,
    identity: Option<(
        Vec<rustls::pki_types::CertificateDer<'static>>,
        rustls::pki_types::PrivateKeyDer<'static>,
    )>,
}

impl Default for ClientTls {
    fn default() -> Self {
        Self::new()
    }
}

impl ClientTls {
    /// Mozilla's roots, no client certificate.
    pub fn new() -> Self {
        Self {
            roots: mozilla_roots(),
            identity: None,
        }
    }

    /// Also trusts the certificates in `pem`.
    ///
    /// # Errors
    ///
    /// `InvalidData` when `pem` holds no certificate, or one that cannot be a root.
    pub fn add_roots_pem(mut self, pem: &[u8]) -> io::Result<Self> {
        let mut added = 0;
        for cert in pem_certs(pem, "CA certificates")? {
            self.roots
                .add(cert)
                .map_err(|e| invalid("CA certificates", &e))?;
            added += 1;
        }
        if added == 0 {
            return Err(invalid(
                "CA certificates",
                &"no CERTIFICATE block in the PEM",
            ));
        }
        Ok(self)
    }

    /// Presents the certificate chain in `chain_pem` (leaf first) with its private key
    /// `key_pem` to servers that ask for a client certificate.
    ///
    /// # Errors
    ///
    /// `InvalidData` when the PEM holds no certificate or no key.
    pub fn client_cert_pem(mut self, chain_pem: &[u8], key_pem: &[u8]) -> io::Result<Self> {
        use rustls::pki_types::pem::PemObject;
        let chain = pem_certs(chain_pem, "client certificate")?;
        if chain.is_empty() {
            return Err(invalid(
                "client certificate",
                &"no CERTIFICATE block in the PEM",
            ));
        }
        let key = rustls::pki_types::PrivateKeyDer::from_pem_slice(key_pem)
            .map_err(|e| invalid("client key", &e))?;
        self.identity = Some((chain, key));
        Ok(self)
    }

    /// The configuration.
    ///
    /// # Panics
    ///
    /// If the client key does not suit rustls (checked by [`ClientTls::try_build`]).
    pub fn build(self) -> Arc<ClientConfig> {
        self.try_build()
            .expect("a usable client certificate and key")
    }

    /// The configuration.
    ///
    /// # Errors
    ///
    /// `InvalidData` when rustls cannot use the client key.
    pub fn try_build(self) -> io::Result<Arc<ClientConfig>> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| invalid("TLS versions", &e))?
            .with_root_certificates(self.roots);
        let mut config = match self.identity {
            Some((chain, key)) => builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| invalid("client certificate and key", &e))?,
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

fn invalid(what: &str, e: &dyn std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("{what}: {e}"))
}

fn pem_certs(
    pem: &[u8],
    what: &str,
) -> io::Result<Vec<rustls::pki_types::CertificateDer<'static>>> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(what, &e))
}

fn mozilla_roots() -> rustls::RootCertStore {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    roots
}
