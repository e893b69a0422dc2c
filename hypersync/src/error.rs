//! `Error` and `Result` as hyper 0.10 had them.

use core::fmt;
use std::error::Error as StdError;
use std::io;
use std::str::Utf8Error;

/// `Result<T, hypersync::Error>`.
pub type Result<T> = ::std::result::Result<T, Error>;

/// What can go wrong in an HTTP exchange.
///
/// # Examples
///
/// ```
/// use hypersync::Error;
/// let e = Error::from(std::io::Error::new(std::io::ErrorKind::TimedOut, "slow"));
/// assert!(matches!(e, Error::Io(_)));
/// assert_eq!(Error::TooLarge.to_string(), "Message head is too large");
/// ```
#[derive(Debug)]
pub enum Error {
    /// An invalid `Method`, such as `GE,T`.
    Method,
    /// An invalid request target or URL.
    Uri(url::ParseError),
    /// An invalid `HttpVersion`, such as `HTP/1.1`.
    Version,
    /// An invalid header.
    Header,
    /// A message head too large to be read.
    TooLarge,
    /// An invalid status line.
    Status,
    /// An `io::Error` while reading or writing.
    Io(io::Error),
    /// An error from a TLS layer.
    Ssl(Box<dyn StdError + Send + Sync>),
    /// Bytes that should have been UTF-8 were not.
    Utf8(Utf8Error),
    #[doc(hidden)]
    __Nonexhaustive(Void),
}

#[doc(hidden)]
#[derive(Debug)]
pub enum Void {}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::Uri(ref e) => write!(f, "Invalid URI: {e}"),
            Error::Io(ref e) => fmt::Display::fmt(e, f),
            Error::Ssl(ref e) => fmt::Display::fmt(e, f),
            Error::Utf8(ref e) => fmt::Display::fmt(e, f),
            Error::Method => f.write_str("Invalid Method specified"),
            Error::Version => f.write_str("Invalid HTTP version specified"),
            Error::Header => f.write_str("Invalid Header provided"),
            Error::TooLarge => f.write_str("Message head is too large"),
            Error::Status => f.write_str("Invalid Status provided"),
            Error::__Nonexhaustive(ref v) => match *v {},
        }
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match *self {
            Error::Io(ref e) => Some(e),
            Error::Uri(ref e) => Some(e),
            Error::Utf8(ref e) => Some(e),
            Error::Ssl(ref e) => Some(&**e),
            _ => None,
        }
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Error {
        Error::Io(e)
    }
}

impl From<url::ParseError> for Error {
    fn from(e: url::ParseError) -> Error {
        Error::Uri(e)
    }
}

impl From<Utf8Error> for Error {
    fn from(e: Utf8Error) -> Error {
        Error::Utf8(e)
    }
}

impl From<std::string::FromUtf8Error> for Error {
    fn from(e: std::string::FromUtf8Error) -> Error {
        Error::Utf8(e.utf8_error())
    }
}

impl From<hyper_proto::ParseError> for Error {
    fn from(e: hyper_proto::ParseError) -> Error {
        match e {
            hyper_proto::ParseError::HeadTooLarge
            | hyper_proto::ParseError::TooManyHeaders
            | hyper_proto::ParseError::TargetTooLong => Error::TooLarge,
            hyper_proto::ParseError::Method => Error::Method,
            hyper_proto::ParseError::Version | hyper_proto::ParseError::UnsupportedVersion => {
                Error::Version
            }
            hyper_proto::ParseError::Status => Error::Status,
            other => Error::Io(io::Error::new(io::ErrorKind::InvalidData, other)),
        }
    }
}
