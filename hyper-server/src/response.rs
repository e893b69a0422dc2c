//! [`Response`]: the head a handler fills in `on_response`.

use core::fmt;

use http::StatusCode;
use hyper_proto::BodyKind;

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
    data: Vec<u8>,
    /// (name start, name end, value end) into `data`; the value starts at name end.
    spans: Vec<(u32, u32, u32)>,
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
            .field(
                "headers",
                &self
                    .headers()
                    .map(|(n, v)| (n, String::from_utf8_lossy(v)))
                    .collect::<Vec<_>>(),
            )
            .field("body", &self.body)
            .finish()
    }
}

fn is_token(s: &[u8]) -> bool {
    !s.is_empty()
        && s.iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn is_value(s: &[u8]) -> bool {
    s.iter().all(|&b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

impl Response {
    /// A `200 OK` with no headers.
    pub fn new() -> Self {
        Self {
            status: StatusCode::OK,
            data: Vec::new(),
            spans: Vec::new(),
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
        self.remove_header(name);
        self.append_header(name, value)
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
        let value = value.as_ref();
        if !is_token(name.as_bytes()) || !is_value(value) {
            return Err(InvalidHeader);
        }
        if name.eq_ignore_ascii_case("content-length") {
            let text = core::str::from_utf8(value).map_err(|_| InvalidHeader)?;
            let n = text.trim().parse::<u64>().map_err(|_| InvalidHeader)?;
            self.body = Some(BodyKind::Length(n));
            return Ok(());
        }
        if name.eq_ignore_ascii_case("transfer-encoding") {
            if value.eq_ignore_ascii_case(b"chunked") {
                self.body = Some(BodyKind::Streaming);
                return Ok(());
            }
            return Err(InvalidHeader);
        }
        let start = self.data.len() as u32;
        self.data.extend_from_slice(name.as_bytes());
        let mid = self.data.len() as u32;
        self.data.extend_from_slice(value);
        self.spans.push((start, mid, self.data.len() as u32));
        Ok(())
    }

    /// Removes every header named `name`.
    pub fn remove_header(&mut self, name: &str) {
        let data = &self.data;
        self.spans.retain(|&(s, m, _)| {
            !data[s as usize..m as usize].eq_ignore_ascii_case(name.as_bytes())
        });
    }

    /// The headers, in order (framing headers are not among them: see
    /// [`Response::body_kind`]).
    pub fn headers(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.spans.iter().map(|&(s, m, e)| {
            let name = core::str::from_utf8(&self.data[s as usize..m as usize]).unwrap_or_default();
            (name, &self.data[m as usize..e as usize])
        })
    }

    /// The first value of `name`.
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
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

    pub(crate) fn pairs(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.spans.iter().map(|&(s, m, e)| {
            (
                &self.data[s as usize..m as usize],
                &self.data[m as usize..e as usize],
            )
        })
    }

    /// Back to a fresh `200 OK`, keeping the memory.
    pub(crate) fn reset(&mut self) {
        self.status = StatusCode::OK;
        self.data.clear();
        self.spans.clear();
        self.body = None;
    }
}
