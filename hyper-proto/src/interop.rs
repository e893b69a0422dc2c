//! Conversions to and from the `http` crate's `Request<()>` / `Response<()>`.
//!
//! These allocate (a `HeaderMap`, a `Uri`): use them at the edges, for interop with code
//! written against `http`, not on the hot path, where the borrowed views serve.

use http::header::{HeaderName, HeaderValue};
use http::{HeaderMap, Uri};

use crate::request::Request;
use crate::response::Response;

fn to_header_map<'b>(fields: impl Iterator<Item = (&'b str, &'b [u8])>) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in fields {
        // Both were validated by httparse; a conversion failure would be a bug upstream,
        // so such a field is skipped rather than panicking.
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(value),
        ) {
            map.append(n, v);
        }
    }
    map
}

impl Request<'_> {
    /// An owned `http::Request<()>` with the same method, target, version and headers.
    ///
    /// # Errors
    ///
    /// [`http::Error`] when the target is not a URI the `http` crate accepts.
    ///
    /// # Examples
    ///
    /// ```
    /// use hyper_proto::{Limits, RequestParser};
    /// let mut parser = RequestParser::new(Limits::default());
    /// let req = parser.parse(b"GET /a?b HTTP/1.1\r\nHost: x\r\n\r\n").unwrap().unwrap();
    /// let req = req.to_http().unwrap();
    /// assert_eq!(req.uri().path(), "/a");
    /// assert_eq!(req.headers()["host"], "x");
    /// ```
    pub fn to_http(&self) -> Result<http::Request<()>, http::Error> {
        let uri: Uri = self.target().parse()?;
        let mut req = http::Request::builder()
            .method(self.method().clone())
            .uri(uri)
            .version(self.version())
            .body(())?;
        *req.headers_mut() = to_header_map(self.headers().iter());
        Ok(req)
    }
}

impl Response<'_> {
    /// An owned `http::Response<()>` with the same status, version and headers.
    ///
    /// # Errors
    ///
    /// [`http::Error`] from the builder (not expected for a parsed response).
    pub fn to_http(&self) -> Result<http::Response<()>, http::Error> {
        let mut res = http::Response::builder()
            .status(self.status())
            .version(self.version())
            .body(())?;
        *res.headers_mut() = to_header_map(self.headers().iter());
        Ok(res)
    }
}

/// The fields of a `HeaderMap` as `(name, value)` byte pairs, the form the head encoders
/// take: `encode_response_head(out, res.status(), header_pairs(res.headers()), ...)`.
///
/// # Examples
///
/// ```
/// use hyper_proto::{encode_response_head, header_pairs, BodyKind, ResponseContext};
///
/// let res = http::Response::builder().header("x-a", "1").body(()).unwrap();
/// let mut out = Vec::new();
/// let _ = encode_response_head(&mut out, res.status(), header_pairs(res.headers()),
///     BodyKind::Empty, &ResponseContext::default(), None).unwrap();
/// assert_eq!(out, b"HTTP/1.1 200 OK\r\nx-a: 1\r\ncontent-length: 0\r\n\r\n");
/// ```
pub fn header_pairs(map: &HeaderMap) -> impl Iterator<Item = (&[u8], &[u8])> {
    map.iter()
        .map(|(n, v)| (n.as_str().as_bytes(), v.as_bytes()))
}
