//! [`Response`]: the head a handler fills in `on_response`.

use core::fmt;

use http::StatusCode;
use hyper_proto::{BodyKind, HeaderList};

/// A header the response cannot carry: a name that is not a token, or a value with CR, LF
/// or NUL (response splitting).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidHeader;

impl fmt::Display for InvalidHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid header name or value")
    }
}

impl std::error::Error for InvalidHeader {}

/// The response head: status, headers, and how the body is framed.
///
/// Headers are kept in one reusable byte buffer per connection, so filling a response
/// allocates nothing in the steady state. `Content-Length` and `Transfer-Encoding: chunked`
/// given as headers set the framing instead of being copied; when the handler says nothing,
/// a body it writes is chunked (close-delimited for HTTP/1.0 clients) and no body is
/// `Content-Length: 0`.
///
/// # Examples
///
/// ```
/// use http::StatusCode;
/// let mut res = hyper_server::Response::new();
/// res.set_status(StatusCode::NOT_FOUND);
/// res.set_header("Content-Type", "text/plain").unwrap();
/// res.set_header("Content-Length", "9").unwrap();
/// assert!(res.set_header("X-Bad", "a\r\nSet-Cookie: evil").is_err());
/// assert_eq!(res.headers().count(), 1);
/// ```
pub struct Response {
    status: StatusCode,
    headers: HeaderList,
    body: Option<BodyKind>,
}

impl Default for Response {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &self.body)
            .finish()
    }
}

impl Response {
    /// A `200 OK` with no headers.
    pub fn new() -> Self {
        Self {
            status: StatusCode::OK,
            headers: HeaderList::new(),
            body: None,
        }
    }

    /// Sets the status.
    pub fn set_status(&mut self, status: StatusCode) {
        self.status = status;
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Sets a header, replacing any of the same name (case-insensitive).
    ///
    /// # Errors
    ///
    /// [`InvalidHeader`] for a name that is not a token or a value holding CR, LF, NUL or
    /// other control bytes; nothing changes then.
    pub fn set_header(&mut self, name: &str, value: impl AsRef<[u8]>) -> Result<(), InvalidHeader> {
        self.put(name, value.as_ref(), true)
    }

    /// Adds a header line, keeping others of the same name.
    ///
    /// # Errors
    ///
    /// As [`Response::set_header`].
    pub fn append_header(
        &mut self,
        name: &str,
        value: impl AsRef<[u8]>,
    ) -> Result<(), InvalidHeader> {
        self.put(name, value.as_ref(), false)
    }

    /// Stores a header; `Content-Length` and `Transfer-Encoding: chunked` set the framing.
    fn put(&mut self, name: &str, value: &[u8], replace: bool) -> Result<(), InvalidHeader> {
        let framing = self
            .headers
            .insert_or_framing(name, value, replace)
            .map_err(|_| InvalidHeader)?;
        if framing.is_some() {
            self.body = framing;
        }
        Ok(())
    }

    /// Removes every header named `name`.
    pub fn remove_header(&mut self, name: &str) {
        self.headers.remove(name);
    }

    /// The headers, in order (framing headers are not among them: see
    /// [`Response::body_kind`]).
    pub fn headers(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.headers.iter()
    }

    /// The first value of `name`.
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers.get(name)
    }

    /// Declares a body of exactly `n` bytes (`Content-Length`).
    pub fn set_content_length(&mut self, n: u64) {
        self.body = Some(BodyKind::Length(n));
    }

    /// Declares a body of unknown length (chunked for HTTP/1.1 clients).
    pub fn set_chunked(&mut self) {
        self.body = Some(BodyKind::Streaming);
    }

    /// The framing declared so far, if any.
    pub fn body_kind(&self) -> Option<BodyKind> {
        self.body
    }

    pub(crate) fn list(&self) -> &HeaderList {
        &self.headers
    }

    /// Back to a fresh `200 OK`, keeping the memory.
    pub(crate) fn reset(&mut self) {
        self.status = StatusCode::OK;
        self.headers.clear();
        self.body = None;
    }
}
