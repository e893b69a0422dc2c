//! `Method` with hyper 0.10's variants (`Method::Get`, ..., `Extension(String)`), and
//! conversions to and from `http::Method`.

use core::fmt;
use core::str::FromStr;

use crate::error::Error;

/// A request method, named as hyper 0.10 named it.
///
/// # Examples
///
/// ```
/// use hypersync::method::Method;
/// let m: Method = "PATCH".parse().unwrap();
/// assert_eq!(m, Method::Patch);
/// assert_eq!(Method::Extension("PURGE".into()).as_ref(), "PURGE");
/// assert!(Method::Get.safe() && Method::Put.idempotent());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Method {
    /// OPTIONS
    Options,
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// DELETE
    Delete,
    /// HEAD
    Head,
    /// TRACE
    Trace,
    /// CONNECT
    Connect,
    /// PATCH
    Patch,
    /// Any other token.
    Extension(String),
}

impl AsRef<str> for Method {
    fn as_ref(&self) -> &str {
        match *self {
            Method::Options => "OPTIONS",
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
            Method::Trace => "TRACE",
            Method::Connect => "CONNECT",
            Method::Patch => "PATCH",
            Method::Extension(ref s) => s,
        }
    }
}

impl Method {
    /// Safe methods (RFC 9110 §9.2.1): GET, HEAD, OPTIONS, TRACE.
    pub fn safe(&self) -> bool {
        matches!(
            *self,
            Method::Get | Method::Head | Method::Options | Method::Trace
        )
    }

    /// Idempotent methods (RFC 9110 §9.2.2): the safe ones, PUT and DELETE.
    pub fn idempotent(&self) -> bool {
        self.safe() || matches!(*self, Method::Put | Method::Delete)
    }
}

impl FromStr for Method {
    type Err = Error;

    /// Names are case-sensitive, as in HTTP; anything but a token is [`Error::Method`].
    fn from_str(s: &str) -> Result<Method, Error> {
        let m = http::Method::from_bytes(s.as_bytes()).map_err(|_| Error::Method)?;
        Ok(Method::from(&m))
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_ref())
    }
}

impl<'a> From<&'a http::Method> for Method {
    fn from(m: &'a http::Method) -> Method {
        match *m {
            http::Method::OPTIONS => Method::Options,
            http::Method::GET => Method::Get,
            http::Method::POST => Method::Post,
            http::Method::PUT => Method::Put,
            http::Method::DELETE => Method::Delete,
            http::Method::HEAD => Method::Head,
            http::Method::TRACE => Method::Trace,
            http::Method::CONNECT => Method::Connect,
            http::Method::PATCH => Method::Patch,
            ref other => Method::Extension(other.as_str().to_owned()),
        }
    }
}

impl From<http::Method> for Method {
    fn from(m: http::Method) -> Method {
        Method::from(&m)
    }
}

/// Fails with [`Error::Method`] for an `Extension` that is not a token.
impl TryFrom<&Method> for http::Method {
    type Error = Error;

    fn try_from(m: &Method) -> Result<http::Method, Error> {
        http::Method::from_bytes(m.as_ref().as_bytes()).map_err(|_| Error::Method)
    }
}
