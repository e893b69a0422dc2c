//! The client's byte stream: a plain socket, or a rustls session over one (`https://`),
//! and the TLS configuration a client uses.

use std::io::{self, Read};
use std::mem::MaybeUninit;
use std::net::TcpStream;
use std::sync::Arc;

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};

/// One connection's bytes.
pub(crate) type Stream = crate::stream::Stream<ClientConnection>;

impl Stream {
    /// A TLS session for `host` over `sock`; the handshake runs with the first write.
    pub(crate) fn tls(sock: TcpStream, config: Arc<ClientConfig>, host: &str) -> io::Result<Self> {
        let name = ServerName::try_from(host.to_owned())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let conn = ClientConnection::new(config, name).map_err(io::Error::other)?;
        Ok(Self::Tls(Box::new(StreamOwned::new(conn, sock))))
    }

    /// Whether an idle connection still looks usable: the server has not closed it nor
    /// sent anything unasked. A TLS session first takes in what arrived for it (a TLS 1.3
    /// server's session tickets come after the handshake); only application data or a
    /// close counts.
    pub(crate) fn is_fresh(&mut self) -> bool {
        match self {
            Self::Plain(s) => peek_would_block(s),
            // A user's stream cannot be peeked at; a stale one fails its next request,
            // which is retried once if idempotent.
            Self::User(_) => true,
            Self::Tls(t) => {
                if t.sock.set_nonblocking(true).is_err() {
                    return false;
                }
                let fresh = tls_is_quiet(t);
                t.sock.set_nonblocking(false).is_ok() && fresh
            }
        }
    }
}

/// One non-blocking peek: nothing to read and no close.
fn peek_would_block(s: &TcpStream) -> bool {
    let mut probe = [MaybeUninit::<u8>::uninit(); 1];
    let sock = socket2::SockRef::from(s);
    match sock.recv_with_flags(&mut probe, libc::MSG_PEEK | libc::MSG_DONTWAIT) {
        Err(e) => e.kind() == io::ErrorKind::WouldBlock,
        Ok(_) => false,
    }
}

/// Reads (non-blocking) whatever records wait on the socket: quiet if none of them is
/// application data, an alert or a close.
fn tls_is_quiet(t: &mut StreamOwned<ClientConnection, TcpStream>) -> bool {
    loop {
        match t.conn.read_tls(&mut t.sock) {
            Ok(0) => return false,
            Ok(_) => {
                if t.conn.process_new_packets().is_err() {
                    return false;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(_) => return false,
        }
    }
    let mut probe = [0u8; 1];
    matches!(t.conn.reader().read(&mut probe), Err(e) if e.kind() == io::ErrorKind::WouldBlock)
}

/// The TLS configuration a client uses unless given one: Mozilla's root certificates
/// (the `webpki-roots` crate), ALPN `http/1.1`.
pub fn default_tls_config() -> Arc<ClientConfig> {
    hyper_net::tls::default_client_config()
}

/// A client TLS configuration trusting Mozilla's roots and also the certificates in `pem`
/// (curl's `--cacert`): for a private CA or a self-signed server.
///
/// # Errors
///
/// `InvalidData` when `pem` holds no certificate or one that cannot be used as a root.
pub fn tls_config_with_extra_roots(pem: &[u8]) -> io::Result<Arc<ClientConfig>> {
    hyper_net::tls::client_config_with_extra_roots(pem)
}
