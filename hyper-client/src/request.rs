//! [`Request`]: the head a client handler fills in `on_request`.

use core::fmt;

use http::Method;
use hyper_proto::{BodyKind, HeaderList};

use crate::url::Url;

/// A header the request cannot carry (a name that is not a token, a value with CR/LF/NUL).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidHeader;

impl fmt::Display for InvalidHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid header name or value")
    }
}

impl std::error::Error for InvalidHeader {}

/// The request head: method (GET by default), headers, body framing, `Expect`.
///
/// `Host` comes from the URL unless set here. `Content-Length` / `Transfer-Encoding:
/// chunked` given as headers set the framing. Without a body declared, none is sent.
pub struct Request {
    method: Method,
    url: Url,
    headers: HeaderList,
    body: BodyKind,
    expect_continue: bool,
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", &self.url.to_string())
            .field("headers", &self.headers)
            .field("body", &self.body)
            .finish()
    }
}

impl Request {
    pub(crate) fn new(url: Url) -> Self {
        Self {
            method: Method::GET,
            url,
            headers: HeaderList::new(),
            body: BodyKind::Empty,
            expect_continue: false,
        }
    }

    /// The URL being requested.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// Sets the method.
    pub fn set_method(&mut self, method: Method) {
        self.method = method;
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// Sets a header, replacing others of the same name.
    ///
    /// # Errors
    ///
    /// [`InvalidHeader`]; nothing changes then.
    pub fn set_header(&mut self, name: &str, value: impl AsRef<[u8]>) -> Result<(), InvalidHeader> {
        self.put(name, value.as_ref(), true)
    }

    /// Adds a header line.
    ///
    /// # Errors
    ///
    /// [`InvalidHeader`].
    pub fn append_header(
        &mut self,
        name: &str,
        value: impl AsRef<[u8]>,
    ) -> Result<(), InvalidHeader> {
        self.put(name, value.as_ref(), false)
    }

    /// Stores a header; `Content-Length`, `Transfer-Encoding: chunked` and
    /// `Expect: 100-continue` set the framing and expectation instead.
    fn put(&mut self, name: &str, value: &[u8], replace: bool) -> Result<(), InvalidHeader> {
        if name.eq_ignore_ascii_case("expect") {
            if !value.eq_ignore_ascii_case(b"100-continue") {
                return Err(InvalidHeader);
            }
            self.expect_continue = true;
            return Ok(());
        }
        let framing = self
            .headers
            .insert_or_framing(name, value, replace)
            .map_err(|_| InvalidHeader)?;
        if let Some(kind) = framing {
            self.body = kind;
        }
        Ok(())
    }

    /// Declares a body of exactly `n` bytes.
    pub fn set_content_length(&mut self, n: u64) {
        self.body = BodyKind::Length(n);
    }

    /// Declares a body of unknown length (chunked).
    pub fn set_chunked(&mut self) {
        self.body = BodyKind::Streaming;
    }

    /// Sends `Expect: 100-continue` and holds the body back until the server answers `100`
    /// (or a second passes, as curl does).
    pub fn set_expect_continue(&mut self, on: bool) {
        self.expect_continue = on;
    }

    pub(crate) fn body(&self) -> BodyKind {
        self.body
    }

    pub(crate) fn expect_continue(&self) -> bool {
        self.expect_continue
    }

    pub(crate) fn list(&self) -> &HeaderList {
        &self.headers
    }

    /// Whether re-sending this request is harmless (RFC 9110 §9.2.2).
    pub(crate) fn is_idempotent(&self) -> bool {
        hyper_proto::is_idempotent(&self.method)
    }
}
