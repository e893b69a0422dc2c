//! [`Transport`]: what the loop needs of a connection's byte stream.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr};

/// Which direction a transport is blocked on, beyond what the application asked for.
///
/// A plain TCP stream is never blocked on anything but the direction in use. A TLS stream
/// may need to read before it can write (a handshake, a key update) or the reverse; it says
/// so here, and the loop registers that interest too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Blocked {
    /// Only what the application asked for.
    #[default]
    None,
    /// Needs the socket to be readable before it can make progress.
    Read,
    /// Needs the socket to be writable before it can make progress.
    Write,
}

/// A non-blocking byte stream the event loop can drive: a mio [`Source`] that reads and
/// writes, plus the few socket operations the loop needs.
///
/// [`Source`]: mio::event::Source
pub trait Transport: mio::event::Source + Read + Write {
    /// The address of the peer.
    ///
    /// # Errors
    ///
    /// As the socket's `getpeername`.
    fn peer_addr(&self) -> io::Result<SocketAddr>;

    /// Shuts down one or both directions.
    ///
    /// # Errors
    ///
    /// As the socket's `shutdown`.
    fn shutdown(&self, how: Shutdown) -> io::Result<()>;

    /// Takes the pending socket error (`SO_ERROR`), used to learn how a non-blocking connect
    /// ended.
    ///
    /// # Errors
    ///
    /// As `getsockopt`.
    fn take_error(&self) -> io::Result<Option<io::Error>>;

    /// A direction the transport itself is blocked on; [`Blocked::None`] for plain TCP.
    fn blocked(&self) -> Blocked {
        Blocked::None
    }

    /// The host name the client asked for through TLS's SNI, once known; `None` for plain
    /// TCP (and for a TLS client that sent none).
    fn tls_server_name(&self) -> Option<&str> {
        None
    }

    /// Whether the connection is TLS.
    fn is_tls(&self) -> bool {
        false
    }

    /// Whether readiness follows the socket's edges exactly: a read that returned fewer
    /// bytes than it had room for, or `WouldBlock`, proves the source empty until its next
    /// readiness event, so the loop skips reads until then instead of making a syscall that
    /// would only say `WouldBlock`. True for a plain socket under epoll or kqueue (each
    /// arrival raises a new edge); false by default, and for anything that buffers inside
    /// the transport (TLS records): those are read whenever the driver asks.
    fn short_read_drains(&self) -> bool {
        false
    }
}

impl Transport for mio::net::TcpStream {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        Self::peer_addr(self)
    }

    fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        Self::shutdown(self, how)
    }

    fn take_error(&self) -> io::Result<Option<io::Error>> {
        Self::take_error(self)
    }

    fn short_read_drains(&self) -> bool {
        // mio's selectors there are epoll and kqueue, edge-triggered on every arrival.
        cfg!(any(
            target_os = "linux",
            target_os = "android",
            target_os = "macos",
            target_os = "ios",
            target_os = "freebsd",
            target_os = "netbsd",
            target_os = "openbsd",
            target_os = "dragonfly",
            target_os = "illumos",
        ))
    }
}
