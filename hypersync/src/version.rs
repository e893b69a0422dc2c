//! `HttpVersion` as hyper 0.10 named it, with conversions to and from `http::Version`.

use core::fmt;
use core::str::FromStr;

use crate::error::Error;

/// A protocol version.
///
/// # Examples
///
/// ```
/// use hypersync::version::HttpVersion;
/// assert_eq!(HttpVersion::Http11.to_string(), "HTTP/1.1");
/// assert_eq!("HTTP/1.0".parse::<HttpVersion>().unwrap(), HttpVersion::Http10);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HttpVersion {
    /// HTTP/0.9
    Http09,
    /// HTTP/1.0
    Http10,
    /// HTTP/1.1
    Http11,
    /// HTTP/2.0
    Http20,
}

impl fmt::Display for HttpVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match *self {
            HttpVersion::Http09 => "HTTP/0.9",
            HttpVersion::Http10 => "HTTP/1.0",
            HttpVersion::Http11 => "HTTP/1.1",
            HttpVersion::Http20 => "HTTP/2.0",
        })
    }
}

impl FromStr for HttpVersion {
    type Err = Error;

    fn from_str(s: &str) -> Result<HttpVersion, Error> {
        match s {
            "HTTP/0.9" => Ok(HttpVersion::Http09),
            "HTTP/1.0" => Ok(HttpVersion::Http10),
            "HTTP/1.1" => Ok(HttpVersion::Http11),
            "HTTP/2.0" | "HTTP/2" => Ok(HttpVersion::Http20),
            _ => Err(Error::Version),
        }
    }
}

impl From<http::Version> for HttpVersion {
    fn from(v: http::Version) -> HttpVersion {
        match v {
            http::Version::HTTP_09 => HttpVersion::Http09,
            http::Version::HTTP_10 => HttpVersion::Http10,
            http::Version::HTTP_2 | http::Version::HTTP_3 => HttpVersion::Http20,
            _ => HttpVersion::Http11,
        }
    }
}

impl From<HttpVersion> for http::Version {
    fn from(v: HttpVersion) -> http::Version {
        match v {
            HttpVersion::Http09 => http::Version::HTTP_09,
            HttpVersion::Http10 => http::Version::HTTP_10,
            HttpVersion::Http11 => http::Version::HTTP_11,
            HttpVersion::Http20 => http::Version::HTTP_2,
        }
    }
}
