//! `RequestUri`: the request target as hyper 0.10 gave it to handlers.

use core::fmt;
use core::str::FromStr;

use url::Url;

use crate::error::Error;

/// The request target (RFC 9112 §3.2), in its four forms.
///
/// `AbsolutePath` holds the path **and** the query (`"/search?q=1"`), as in 0.10.
///
/// # Examples
///
/// ```
/// use hypersync::uri::RequestUri;
/// assert_eq!("/a?b".parse::<RequestUri>().unwrap(), RequestUri::AbsolutePath("/a?b".into()));
/// assert_eq!("*".parse::<RequestUri>().unwrap(), RequestUri::Star);
/// assert!(matches!("http://h/x".parse::<RequestUri>().unwrap(), RequestUri::AbsoluteUri(_)));
/// assert_eq!("h:443".parse::<RequestUri>().unwrap(), RequestUri::Authority("h:443".into()));
/// ```
#[derive(Debug, PartialEq, Clone)]
pub enum RequestUri {
    /// `/path?query` (origin form).
    AbsolutePath(String),
    /// `http://host/path` (absolute form, sent to proxies).
    AbsoluteUri(Url),
    /// `host:port` (CONNECT).
    Authority(String),
    /// `*` (server-wide OPTIONS).
    Star,
}

impl FromStr for RequestUri {
    type Err = Error;

    fn from_str(s: &str) -> Result<RequestUri, Error> {
        if s.is_empty() {
            Err(Error::Uri(url::ParseError::EmptyHost))
        } else if s == "*" {
            Ok(RequestUri::Star)
        } else if s.starts_with('/') {
            Ok(RequestUri::AbsolutePath(s.to_owned()))
        } else if s.contains("://") {
            Ok(RequestUri::AbsoluteUri(Url::parse(s)?))
        } else {
            Ok(RequestUri::Authority(s.to_owned()))
        }
    }
}

impl fmt::Display for RequestUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            RequestUri::AbsolutePath(ref s) | RequestUri::Authority(ref s) => f.write_str(s),
            RequestUri::AbsoluteUri(ref u) => f.write_str(u.as_str()),
            RequestUri::Star => f.write_str("*"),
        }
    }
}

impl TryFrom<&RequestUri> for http::Uri {
    type Error = Error;

    fn try_from(u: &RequestUri) -> Result<http::Uri, Error> {
        u.to_string()
            .parse()
            .map_err(|_| Error::Uri(url::ParseError::InvalidDomainCharacter))
    }
}

impl TryFrom<&http::Uri> for RequestUri {
    type Error = Error;

    fn try_from(u: &http::Uri) -> Result<RequestUri, Error> {
        u.to_string().parse()
    }
}
