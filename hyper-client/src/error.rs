//! [`Error`]: what a client handler's `on_error` receives.

use core::fmt;
use std::io;

use hyper_proto::ParseError;

/// Why a request failed. Each kind is distinct so callers can react (retry a connect
/// timeout, report a DNS failure...). The `Display` text is for people.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The host name did not resolve.
    Dns(io::Error),
    /// The connection was refused (nothing listens there).
    ConnectRefused(io::Error),
    /// The connection did not complete within the connect timeout.
    ConnectTimeout,
    /// Another connect failure (unreachable network...).
    Connect(io::Error),
    /// The timeout of the handler's last `Next` passed.
    Timeout,
    /// The server broke HTTP/1.1: a malformed or too large head, broken body framing.
    Parse(ParseError),
    /// The server closed the connection before the response (or its body) was complete.
    Incomplete,
    /// A socket error on an established connection (a reset, say).
    Io(io::Error),
    /// The client is shutting down.
    Closed,
    /// The proxy refused the tunnel to an `https://` origin (its answer to `CONNECT`;
    /// `407` asks for credentials).
    Proxy(http::StatusCode),
}

impl Error {
    /// Whether nothing of the response arrived, so the request may be tried again on a new
    /// connection (if it is idempotent).
    pub fn is_connect(&self) -> bool {
        matches!(
            self,
            Self::Dns(_) | Self::ConnectRefused(_) | Self::ConnectTimeout | Self::Connect(_)
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Dns(e) => write!(f, "DNS lookup failed: {e}"),
            Self::ConnectRefused(_) => f.write_str("connection refused"),
            Self::ConnectTimeout => f.write_str("connect timed out"),
            Self::Connect(e) => write!(f, "connect failed: {e}"),
            Self::Timeout => f.write_str("timed out"),
            Self::Parse(e) => write!(f, "invalid response: {e}"),
            Self::Incomplete => f.write_str("connection closed before the response was complete"),
            Self::Io(e) => write!(f, "connection error: {e}"),
            Self::Closed => f.write_str("client closed"),
            Self::Proxy(status) => write!(f, "the proxy refused the tunnel: {status}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Dns(e) | Self::ConnectRefused(e) | Self::Connect(e) | Self::Io(e) => Some(e),
            Self::Parse(e) => Some(e),
            _ => None,
        }
    }
}
