//! [`Error`]: what a handler's `on_error` receives.

use core::fmt;
use std::io;

use hyper_proto::ParseError;

/// Something went wrong with the exchange a handler owns.
///
/// The `Display` text is for people; match on the variants.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The timeout of the handler's last `Next` passed.
    Timeout,
    /// The client broke HTTP/1.1 (in the body; a bad head never reaches a handler).
    Parse(ParseError),
    /// The client went away before the request body ended.
    Incomplete,
    /// A socket error.
    Io(io::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Timeout => f.write_str("timed out"),
            Self::Parse(e) => write!(f, "bad request: {e}"),
            Self::Incomplete => f.write_str("connection closed before the request body ended"),
            Self::Io(e) => write!(f, "socket error: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Parse(e) => Some(e),
            Self::Io(e) => Some(e),
            _ => None,
        }
    }
}
