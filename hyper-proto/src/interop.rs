//! Conversions to and from the `http` crate's `Request<()>` / `Response<()>`.
//!
//! These allocate (a `HeaderMap`, a `Uri`): use them at the edges, for interop with code
//! written against `http`, not on the hot path, where the borrowed views serve.

use http::header::{HeaderName, HeaderValue};
use http::{HeaderMap, Uri};

use crate::date::DateCache;
use crate::encode::BodyKind;
use crate::error::UserError;
use crate::head_encode::{
    encode_request_head, encode_response_head, EncodedHead, RequestLine, ResponseContext,
};
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

/// Encodes the head of an `http::Response<()>` (status and headers; framing from `body`).
///
/// # Errors
///
/// As [`encode_response_head`].
///
/// # Examples
///
/// ```
/// use hyper_proto::{encode_http_response, BodyKind, ResponseContext};
/// let res = http::Response::builder().status(404).header("x-a", "1").body(()).unwrap();
/// let mut out = Vec::new();
/// let _ = encode_http_response(&mut out, &res, BodyKind::Empty, &ResponseContext::default(), None).unwrap();
/// assert_eq!(out, b"HTTP/1.1 404 Not Found\r\nx-a: 1\r\ncontent-length: 0\r\n\r\n");
/// ```
pub fn encode_http_response(
    out: &mut Vec<u8>,
    res: &http::Response<()>,
    body: BodyKind,
    ctx: &ResponseContext,
    date: Option<&DateCache>,
) -> Result<EncodedHead, UserError> {
    encode_response_head(
        out,
        res.status(),
        header_pairs(res.headers()),
        body,
        ctx,
        date,
    )
}

/// Encodes the head of an `http::Request<()>`: the target is the URI's path and query, the
/// `Host` its authority unless the headers carry one.
///
/// # Errors
///
/// As [`encode_request_head`]; [`UserError::InvalidHeaderValue`] when the URI has no
/// authority and the headers no `Host`.
///
/// # Examples
///
/// ```
/// use hyper_proto::{encode_http_request, BodyKind};
/// let req = http::Request::post("http://example.com:8080/submit?x=1").body(()).unwrap();
/// let mut out = Vec::new();
/// let _ = encode_http_request(&mut out, &req, BodyKind::Length(2), false, true).unwrap();
/// assert_eq!(out, b"POST /submit?x=1 HTTP/1.1\r\nhost: example.com:8080\r\ncontent-length: 2\r\n\r\n");
/// ```
pub fn encode_http_request(
    out: &mut Vec<u8>,
    req: &http::Request<()>,
    body: BodyKind,
    expect_continue: bool,
    keep_alive: bool,
) -> Result<EncodedHead, UserError> {
    let uri = req.uri();
    let target = uri.path_and_query().map_or("/", |pq| pq.as_str());
    let host = uri.authority().map_or("", |a| a.as_str());
    if host.is_empty() && !req.headers().contains_key(http::header::HOST) {
        return Err(UserError::InvalidHeaderValue);
    }
    let line = RequestLine {
        method: req.method(),
        target: target.as_bytes(),
        host: host.as_bytes(),
    };
    encode_request_head(
        out,
        &line,
        header_pairs(req.headers()),
        body,
        expect_continue,
        keep_alive,
    )
}
