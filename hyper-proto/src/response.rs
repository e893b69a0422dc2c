//! Response heads (client role): parsing, and the framing rules that depend on the request.

use core::fmt;

use http::{Method, StatusCode, Version};

use crate::error::ParseError;
use crate::head_parse::{
    classify_version, first_line, header_slots, is_version_prefix, map_httparse, skip_empty_lines,
    BodyLength, HeadScanner, HeaderSpan, Headers, Span,
};
use crate::headers::{classify, parse_content_length, ConnectionTokens, Special, TransferCodings};
use crate::limits::Limits;

/// Parses response heads; the framing of a response depends on the request it answers, so
/// [`ResponseParser::parse`] takes the request method.
///
/// # Examples
///
/// ```
/// use http::Method;
/// use hyper_proto::{BodyLength, Limits, ResponseParser};
///
/// let mut parser = ResponseParser::new(Limits::default());
/// let buf = b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n";
/// let res = parser.parse(buf, &Method::HEAD).unwrap().unwrap();
/// assert_eq!(res.status(), 200);
/// // A response to HEAD has no body, whatever its headers say.
/// assert_eq!(res.body(), BodyLength::Empty);
/// ```
#[derive(Debug)]
pub struct ResponseParser {
    limits: Limits,
    scanner: HeadScanner,
    meta: ResponseMeta,
}

#[derive(Clone, Debug)]
pub(crate) struct ResponseMeta {
    pub(crate) status: StatusCode,
    pub(crate) reason: Span,
    pub(crate) version: Version,
    pub(crate) headers: Vec<HeaderSpan>,
    pub(crate) head_len: usize,
    pub(crate) body: BodyLength,
    pub(crate) keep_alive: bool,
    pub(crate) upgrade: bool,
}

impl Default for ResponseMeta {
    fn default() -> Self {
        Self {
            status: StatusCode::OK,
            reason: Span::default(),
            version: Version::HTTP_11,
            headers: Vec::new(),
            head_len: 0,
            body: BodyLength::Empty,
            keep_alive: true,
            upgrade: false,
        }
    }
}

impl ResponseParser {
    /// A parser applying `limits`.
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            scanner: HeadScanner::default(),
            meta: ResponseMeta::default(),
        }
    }

    /// Parses the head at the start of `buf`, for a response to a `method` request.
    ///
    /// `Ok(None)` asks for more bytes (call again with them appended); a 1xx response is
    /// returned like any other: check [`Response::is_informational`] and parse again after it.
    ///
    /// # Errors
    ///
    /// A [`ParseError`] for a malformed head or framing that cannot be trusted.
    pub fn parse<'b>(
        &'b mut self,
        buf: &'b [u8],
        method: &Method,
    ) -> Result<Option<Response<'b>>, ParseError> {
        if self.parse_meta(buf, method)? {
            Ok(Some(Response {
                buf,
                meta: &self.meta,
            }))
        } else {
            Ok(None)
        }
    }

    /// The last complete response, viewed over the same `buf` it was parsed from.
    ///
    /// # Panics
    ///
    /// If `buf` is shorter than the parsed head.
    pub fn response<'b>(&'b self, buf: &'b [u8]) -> Response<'b> {
        assert!(
            buf.len() >= self.meta.head_len,
            "buffer shorter than the head"
        );
        Response {
            buf,
            meta: &self.meta,
        }
    }

    /// Forgets the partial-head progress.
    pub fn reset(&mut self) {
        self.scanner.reset();
    }

    pub(crate) fn meta(&self) -> &ResponseMeta {
        &self.meta
    }

    pub(crate) fn parse_meta(&mut self, buf: &[u8], method: &Method) -> Result<bool, ParseError> {
        let limits = self.limits;
        if !self.scanner.ready(buf) {
            return check_partial(buf, &limits).map(|()| false);
        }
        let mut slots = header_slots();
        let max = limits.max_headers.min(slots.len());
        let mut res = httparse::Response::new(&mut []);
        let config = httparse::ParserConfig::default();
        let head_len =
            match config.parse_response_with_uninit_headers(&mut res, buf, &mut slots[..max]) {
                Ok(httparse::Status::Complete(n)) => n,
                Ok(httparse::Status::Partial) => {
                    self.scanner.partial(buf.len());
                    return check_partial(buf, &limits).map(|()| false);
                }
                Err(httparse::Error::Version) => {
                    let line = first_line(buf);
                    let version = line
                        .unwrap_or_else(|| skip_empty_lines(buf))
                        .split(|&b| b == b' ')
                        .next()
                        .unwrap_or_default();
                    let at_end = version.len() == skip_empty_lines(buf).len();
                    if line.is_none() && at_end && is_version_prefix(version) {
                        // Cut off: 400 or 505 depends on what follows.
                        self.scanner.partial(buf.len());
                        return check_partial(buf, &limits).map(|()| false);
                    }
                    return Err(classify_version(version));
                }
                Err(e) => return Err(map_httparse(e)),
            };
        // All-LF heads from old servers are read; a mix of the two is a smuggling shape.
        if crate::head_parse::mixes_line_ends(&buf[..head_len]) {
            return Err(ParseError::BareLf);
        }
        self.scanner.reset();
        if head_len > limits.max_head_size {
            return Err(ParseError::HeadTooLarge);
        }
        let status =
            StatusCode::from_u16(res.code.unwrap_or_default()).map_err(|_| ParseError::Status)?;
        let version = if res.version == Some(0) {
            Version::HTTP_10
        } else {
            Version::HTTP_11
        };

        let meta = &mut self.meta;
        meta.headers.clear();
        let mut content_length = None;
        let mut te = TransferCodings::default();
        let mut conn = ConnectionTokens::default();
        for h in res.headers.iter() {
            let (name, value) = (h.name.as_bytes(), h.value);
            meta.headers.push(HeaderSpan {
                name: Span::of(buf, name),
                value: Span::of(buf, value),
            });
            match classify(name) {
                Special::ContentLength => parse_content_length(value, &mut content_length)?,
                Special::TransferEncoding => te.add(value),
                Special::Connection => conn.add(value),
                _ => {}
            }
        }
        let mut keep_alive = !conn.close && (version == Version::HTTP_11 || conn.keep_alive);
        let code = status.as_u16();
        let tunnel = *method == Method::CONNECT && status.is_success();
        // RFC 9112 §6.3: rules 1 and 2, then Transfer-Encoding, then Content-Length.
        let body = if status.is_informational()
            || code == 204
            || code == 304
            || *method == Method::HEAD
            || tunnel
        {
            BodyLength::Empty
        } else if te.present {
            // With both, Transfer-Encoding wins and the connection must close (§6.1).
            if content_length.is_some() || version == Version::HTTP_10 {
                keep_alive = false;
            }
            if te.is_chunked() && version == Version::HTTP_11 {
                BodyLength::Chunked
            } else {
                keep_alive = false;
                BodyLength::CloseDelimited
            }
        } else {
            match content_length {
                Some(0) => BodyLength::Empty,
                Some(n) => BodyLength::Length(n),
                None => {
                    keep_alive = false;
                    BodyLength::CloseDelimited
                }
            }
        };
        if let (BodyLength::Length(n), Some(max)) = (body, limits.max_body_size) {
            if n > max {
                return Err(ParseError::BodyTooLarge);
            }
        }
        meta.status = status;
        meta.reason = Span::of(buf, res.reason.unwrap_or_default().as_bytes());
        meta.version = version;
        meta.head_len = head_len;
        meta.body = body;
        meta.keep_alive = keep_alive;
        meta.upgrade = code == 101 || tunnel;
        Ok(true)
    }
}

fn check_partial(buf: &[u8], limits: &Limits) -> Result<(), ParseError> {
    if buf.len() > limits.max_head_size {
        Err(ParseError::HeadTooLarge)
    } else {
        Ok(())
    }
}

/// A parsed response head: a borrowed view of the caller's buffer.
#[derive(Clone, Copy)]
pub struct Response<'b> {
    buf: &'b [u8],
    meta: &'b ResponseMeta,
}

impl<'b> Response<'b> {
    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.meta.status
    }

    /// The reason phrase as sent (may be empty; never rely on it).
    pub fn reason(&self) -> &'b [u8] {
        self.meta.reason.get(self.buf)
    }

    /// `HTTP/1.0` or `HTTP/1.1`.
    pub fn version(&self) -> Version {
        self.meta.version
    }

    /// The header fields, in order, looked up case-insensitively.
    pub fn headers(&self) -> Headers<'b> {
        Headers {
            buf: self.buf,
            spans: &self.meta.headers,
        }
    }

    /// How the body is delimited.
    pub fn body(&self) -> BodyLength {
        self.meta.body
    }

    /// Bytes from the start of the buffer to the end of the head.
    pub fn head_len(&self) -> usize {
        self.meta.head_len
    }

    /// Whether the connection may carry another request after this response.
    pub fn keep_alive(&self) -> bool {
        self.meta.keep_alive
    }

    /// A 1xx response: not the final answer; another head follows.
    pub fn is_informational(&self) -> bool {
        self.meta.status.is_informational() && self.meta.status != StatusCode::SWITCHING_PROTOCOLS
    }

    /// `101 Switching Protocols`, or a 2xx answer to `CONNECT`: the bytes after the head
    /// belong to another protocol.
    pub fn is_upgrade(&self) -> bool {
        self.meta.upgrade
    }
}

impl fmt::Debug for Response<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status())
            .field("version", &self.version())
            .field("headers", &self.headers())
            .field("body", &self.body())
            .finish()
    }
}
