//! Request heads (server role): parsing with httparse, then the RFC 9112 rules it leaves to us.

use core::fmt;

use http::{Method, Version};

use crate::error::ParseError;
use crate::fast_head::{parse_request, Fields, Range, FAST_FIELDS};
use crate::head_parse::{
    classify_version, first_line, header_slots, is_version_prefix, map_httparse, skip_empty_lines,
    BodyLength, HeadScanner, HeaderSpan, Headers, Span, MAX_HEADERS_CAP,
};
use crate::headers::{
    classify, is_valid_host, parse_content_length, ConnectionTokens, Special, TransferCodings,
};
use crate::limits::Limits;

/// Parses request heads from a buffer the caller owns, keeping its tables between messages
/// so that the steady state allocates nothing.
///
/// # Examples
///
/// ```
/// use hyper_proto::{BodyLength, Limits, RequestParser};
///
/// let mut parser = RequestParser::new(Limits::default());
/// // Partial head: ask for more bytes.
/// assert!(parser.parse(b"POST /up HTTP/1.1\r\nHost: x\r\n").unwrap().is_none());
/// let buf = b"POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello";
/// let req = parser.parse(buf).unwrap().unwrap();
/// assert_eq!(req.method(), "POST");
/// assert_eq!(req.path(), "/up");
/// assert_eq!(req.body(), BodyLength::Length(5));
/// assert_eq!(&buf[req.head_len()..], b"hello");
/// ```
#[derive(Debug)]
pub struct RequestParser {
    limits: Limits,
    scanner: HeadScanner,
    meta: RequestMeta,
    /// The last `Host` value found valid: a keep-alive client repeats it on every request
    /// (and clients of one site on every connection), and a byte comparison is cheaper than
    /// the grammar check.
    known_host: KnownHost,
}

/// A short `Host` value already checked, kept inline (no allocation).
#[derive(Clone, Copy, Debug, Default)]
struct KnownHost {
    len: u8,
    bytes: [u8; Self::MAX],
}

impl KnownHost {
    const MAX: usize = 24;

    /// Whether `value` is valid, remembering it when it is and short enough.
    fn check(&mut self, value: &[u8]) -> bool {
        if value.len() == usize::from(self.len) && value == &self.bytes[..value.len()] {
            return true;
        }
        if !is_valid_host(value) {
            return false;
        }
        if let Ok(len) = u8::try_from(value.len()) {
            if value.len() <= Self::MAX {
                self.bytes[..value.len()].copy_from_slice(value);
                self.len = len;
            }
        }
        true
    }
}

/// Everything about a parsed request except the bytes it points into.
#[derive(Clone, Debug)]
pub(crate) struct RequestMeta {
    pub(crate) method: Method,
    pub(crate) target: Span,
    pub(crate) version: Version,
    pub(crate) headers: Vec<HeaderSpan>,
    pub(crate) head_len: usize,
    pub(crate) body: BodyLength,
    pub(crate) keep_alive: bool,
    pub(crate) expect_continue: bool,
    pub(crate) upgrade: bool,
}

impl Default for RequestMeta {
    fn default() -> Self {
        Self {
            method: Method::GET,
            target: Span::default(),
            version: Version::HTTP_11,
            headers: Vec::new(),
            head_len: 0,
            body: BodyLength::Empty,
            keep_alive: true,
            expect_continue: false,
            upgrade: false,
        }
    }
}

impl RequestParser {
    /// A parser applying `limits`.
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            scanner: HeadScanner::default(),
            meta: RequestMeta::default(),
            known_host: KnownHost::default(),
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Parses the head at the start of `buf`.
    ///
    /// Call it again with the same bytes plus new ones after `Ok(None)`: bytes already seen
    /// are not scanned again. After `Ok(Some(req))` the body (if any) starts at
    /// `req.head_len()`; call [`RequestParser::reset`] before parsing the next request from a
    /// new position.
    ///
    /// # Errors
    ///
    /// A [`ParseError`] for any violation; its `status_hint` is the response to send.
    pub fn parse<'b>(&'b mut self, buf: &'b [u8]) -> Result<Option<Request<'b>>, ParseError> {
        if self.parse_meta(buf)? {
            Ok(Some(Request {
                buf,
                meta: &self.meta,
            }))
        } else {
            Ok(None)
        }
    }

    /// The last complete request, viewed over the same `buf` it was parsed from.
    ///
    /// # Panics
    ///
    /// If `buf` is shorter than the parsed head.
    pub fn request<'b>(&'b self, buf: &'b [u8]) -> Request<'b> {
        assert!(
            buf.len() >= self.meta.head_len,
            "buffer shorter than the head"
        );
        Request {
            buf,
            meta: &self.meta,
        }
    }

    /// Forgets the partial-head progress; the next call parses a new head.
    pub fn reset(&mut self) {
        self.scanner.reset();
    }

    /// Takes over what `old` kept between messages: its header table (emptied) and the last
    /// valid `Host` (validity depends on the bytes alone), so that the parser of a new
    /// connection on a reused state starts warm.
    pub(crate) fn inherit(&mut self, old: &mut Self) {
        old.meta.headers.clear();
        core::mem::swap(&mut self.meta.headers, &mut old.meta.headers);
        self.known_host = old.known_host;
    }

    pub(crate) fn meta(&self) -> &RequestMeta {
        &self.meta
    }

    /// Parses into `self.meta`; `Ok(true)` when a head is complete.
    #[inline]
    pub(crate) fn parse_meta(&mut self, buf: &[u8]) -> Result<bool, ParseError> {
        match self.parse_meta_once(buf) {
            Err(ParseError::UnsupportedVersion) => match later_minor_version(buf) {
                Some(at) => self.parse_later_minor(buf, at),
                None => Err(ParseError::UnsupportedVersion),
            },
            other => other,
        }
    }

    /// HTTP/1.2 and later 1.x: served as HTTP/1.1, the highest minor version we implement
    /// (RFC 9112 §2.3). httparse knows only 1.0 and 1.1, so the head is parsed from a copy
    /// with the minor digit made 1; every span is an offset, so they hold for `buf` too.
    /// Rare, and out of the common path.
    #[cold]
    #[inline(never)]
    fn parse_later_minor(&mut self, buf: &[u8], at: usize) -> Result<bool, ParseError> {
        let mut copy = buf.to_vec();
        copy[at] = b'1';
        self.parse_meta_once(&copy)
    }

    /// One parse of `buf` into `self.meta`.
    fn parse_meta_once(&mut self, buf: &[u8]) -> Result<bool, ParseError> {
        let limits = self.limits;
        if !self.scanner.ready(buf) {
            check_partial(buf, &limits, &mut self.scanner)?;
            return Ok(false);
        }
        let max = limits.max_headers.min(MAX_HEADERS_CAP);
        // The plain common head: one strict pass; anything else goes to httparse.
        let mut table: Fields = [((0, 0), (0, 0)); FAST_FIELDS];
        if let Some(fast) = parse_request(buf, max, &mut table) {
            let at = |(a, b): Range| &buf[usize::from(a)..usize::from(b)];
            let fields = table[..fast.count].iter().map(|&(n, v)| (at(n), at(v)));
            let line = (at(fast.method), at(fast.target), fast.minor);
            return self.finish(buf, line, fast.head_len, fields);
        }
        let mut slots = header_slots();
        let mut req = httparse::Request::new(&mut []);
        let head_len = match req.parse_with_uninit_headers(buf, &mut slots[..max]) {
            Ok(httparse::Status::Complete(n)) => n,
            Ok(httparse::Status::Partial) => {
                self.scanner.partial(buf.len());
                check_partial(buf, &limits, &mut self.scanner)?;
                return Ok(false);
            }
            Err(httparse::Error::Version) if first_line(buf).is_none() => {
                // The version token is cut off: 400 or 505 depends on what follows.
                let line = skip_empty_lines(buf);
                let version = line.splitn(3, |&b| b == b' ').nth(2).unwrap_or_default();
                if !is_version_prefix(version) {
                    return Err(classify_version(version));
                }
                self.scanner.partial(buf.len());
                check_partial(buf, &limits, &mut self.scanner)?;
                return Ok(false);
            }
            Err(e) => return Err(refine_error(buf, e)),
        };
        // Only httparse takes bare LF (the fast path wants CRLF), so only this path checks.
        if crate::head_parse::has_bare_lf(&buf[..head_len]) {
            return Err(ParseError::BareLf);
        }
        let line = (
            req.method.unwrap_or_default().as_bytes(),
            req.path.unwrap_or_default().as_bytes(),
            req.version.unwrap_or_default(),
        );
        let fields = req.headers.iter().map(|h| (h.name.as_bytes(), h.value));
        self.finish(buf, line, head_len, fields)
    }

    /// The RFC rules on a head whose syntax is checked: its request-line (method, target,
    /// minor version) and fields, from either parser.
    fn finish<'b>(
        &mut self,
        buf: &'b [u8],
        (method, target, minor): (&'b [u8], &'b [u8], u8),
        head_len: usize,
        fields: impl Iterator<Item = (&'b [u8], &'b [u8])>,
    ) -> Result<bool, ParseError> {
        let limits = self.limits;
        self.scanner.reset();
        if target.len() > limits.max_target_len {
            return Err(ParseError::TargetTooLong);
        }
        if head_len > limits.max_head_size {
            return Err(ParseError::HeadTooLarge);
        }
        let method = match method {
            // Most requests: no table walk for them.
            b"GET" => Method::GET,
            other => Method::from_bytes(other).map_err(|_| ParseError::Method)?,
        };
        let version = if minor == 0 {
            Version::HTTP_10
        } else {
            Version::HTTP_11
        };
        check_target(&method, target)?;

        let meta = &mut self.meta;
        meta.headers.clear();
        let mut hosts = 0u32;
        let mut content_length = None;
        let mut te = TransferCodings::default();
        let mut conn = ConnectionTokens::default();
        let mut expect_continue = false;
        let mut has_upgrade = false;
        for (name, value) in fields {
            meta.headers.push(HeaderSpan {
                name: Span::of(buf, name),
                value: Span::of(buf, value),
            });
            match classify(name) {
                Special::Host => {
                    hosts += 1;
                    if !self.known_host.check(value) {
                        return Err(ParseError::InvalidHost);
                    }
                }
                Special::ContentLength => parse_content_length(value, &mut content_length)?,
                Special::TransferEncoding => te.add(value),
                Special::Connection => conn.add(value),
                Special::Expect => {
                    // RFC 9110 §10.1.1: MUST ignore it in an HTTP/1.0 request.
                    if version == Version::HTTP_11 {
                        if value.eq_ignore_ascii_case(b"100-continue") {
                            expect_continue = true;
                        } else {
                            return Err(ParseError::UnsupportedExpectation);
                        }
                    }
                }
                Special::Upgrade => has_upgrade = true,
                Special::Date | Special::Other => {}
            }
        }
        if hosts > 1 {
            return Err(ParseError::DuplicateHost);
        }
        if hosts == 0 && version == Version::HTTP_11 {
            return Err(ParseError::MissingHost);
        }
        if method == Method::CONNECT && (te.present || content_length.is_some_and(|n| n > 0)) {
            return Err(ParseError::ConnectWithContent);
        }
        let body = if te.present {
            if version == Version::HTTP_10 {
                return Err(ParseError::TransferEncodingHttp10);
            }
            if content_length.is_some() {
                return Err(ParseError::TransferEncodingWithContentLength);
            }
            if !te.is_chunked() {
                return Err(ParseError::ChunkedNotLast);
            }
            if te.count > 1 {
                // A coding applied before `chunked` (gzip, deflate, anything): the body
                // would reach the handler still coded; we decode none (RFC 9112 §6.1).
                return Err(ParseError::UnknownTransferCoding);
            }
            BodyLength::Chunked
        } else {
            match content_length {
                None | Some(0) => BodyLength::Empty,
                Some(n) => BodyLength::Length(n),
            }
        };
        if let (BodyLength::Length(n), Some(max)) = (body, limits.max_body_size) {
            if n > max {
                return Err(ParseError::BodyTooLarge);
            }
        }
        meta.method = method;
        meta.target = Span::of(buf, target);
        meta.version = version;
        meta.head_len = head_len;
        meta.body = body;
        meta.keep_alive = !conn.close && (version == Version::HTTP_11 || conn.keep_alive);
        meta.expect_continue = expect_continue && body.has_body();
        meta.upgrade = conn.upgrade && has_upgrade && version == Version::HTTP_11;
        Ok(true)
    }
}

/// On an incomplete head: fail once it is already larger than the limits allow, telling a
/// target that is too long (414) from a head that is (431). The request-line is searched
/// for once across calls, resuming where the last call stopped.
fn check_partial(buf: &[u8], limits: &Limits, scanner: &mut HeadScanner) -> Result<(), ParseError> {
    if !scanner.line_done {
        let start = buf.len() - skip_empty_lines(buf).len();
        let from = scanner.line_scanned.max(start);
        match buf[from..].iter().position(|&b| b == b'\n') {
            Some(pos) => {
                scanner.line_done = true;
                let line = &buf[start..from + pos];
                let target = line.split(|&b| b == b' ').nth(1).unwrap_or_default();
                if target.len() > limits.max_target_len {
                    return Err(ParseError::TargetTooLong);
                }
            }
            None => {
                scanner.line_scanned = buf.len();
                let line = &buf[start..];
                // Methods are short: look for the space after one in the first 32 bytes.
                let head = &line[..line.len().min(32)];
                let target_so_far = head
                    .iter()
                    .position(|&b| b == b' ')
                    .map_or(line.len(), |sp| line.len() - sp - 1);
                // Leave room for " HTTP/1.1\r".
                if target_so_far > limits.max_target_len + 10 || buf.len() > limits.max_head_size {
                    return Err(ParseError::TargetTooLong);
                }
                return Ok(());
            }
        }
    }
    if buf.len() > limits.max_head_size {
        return Err(ParseError::HeadTooLarge);
    }
    Ok(())
}

/// Where the minor digit of an `HTTP/1.x` request-line version with `x` from 2 to 9 is,
/// when the line is complete and otherwise well formed up to the version.
fn later_minor_version(buf: &[u8]) -> Option<usize> {
    let line = first_line(buf)?;
    let version = line.rsplit(|&b| b == b' ').next()?;
    match version {
        [b'H', b'T', b'T', b'P', b'/', b'1', b'.', minor] if (b'2'..=b'9').contains(minor) => {
            let line_start = line.as_ptr() as usize - buf.as_ptr() as usize;
            Some(line_start + line.len() - 1)
        }
        _ => None,
    }
}

/// Turns httparse's coarse errors into the precise ones we answer with.
fn refine_error(buf: &[u8], e: httparse::Error) -> ParseError {
    let line = first_line(buf).unwrap_or_else(|| skip_empty_lines(buf));
    match e {
        // A bad token: in the method when no space follows a valid one, else in the target.
        httparse::Error::Token => match line.iter().position(|&b| b == b' ') {
            Some(sp) if crate::headers::is_token(&line[..sp]) => ParseError::Target,
            _ => ParseError::Method,
        },
        httparse::Error::Version => {
            let version = line.splitn(3, |&b| b == b' ').nth(2).unwrap_or_default();
            classify_version(version)
        }
        e => map_httparse(e),
    }
}

/// Checks the request-target form against the method (RFC 9112 §3.2).
///
/// ```notrust
/// request-target = origin-form / absolute-form / authority-form / asterisk-form
/// ```
fn check_target(method: &Method, target: &[u8]) -> Result<(), ParseError> {
    let ok = if method == Method::CONNECT {
        // authority-form only: host ":" port
        !target.starts_with(b"/")
            && target.contains(&b':')
            && is_valid_host(target)
            && !target.ends_with(b":")
    } else {
        match target.first() {
            Some(b'/') => true,
            Some(b'*') => target.len() == 1 && method == Method::OPTIONS,
            _ => is_absolute_uri(target),
        }
    };
    if ok {
        Ok(())
    } else {
        Err(ParseError::Target)
    }
}

/// `scheme ":" ...` with `scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`.
fn is_absolute_uri(target: &[u8]) -> bool {
    let Some(colon) = target.iter().position(|&b| b == b':') else {
        return false;
    };
    let scheme = &target[..colon];
    scheme.first().is_some_and(u8::is_ascii_alphabetic)
        && scheme
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

/// A parsed request head: a borrowed view of the caller's buffer.
#[derive(Clone, Copy)]
pub struct Request<'b> {
    buf: &'b [u8],
    meta: &'b RequestMeta,
}

impl<'b> Request<'b> {
    /// The method.
    pub fn method(&self) -> &'b Method {
        &self.meta.method
    }

    /// The request-target as sent (origin, absolute, authority or asterisk form).
    pub fn target(&self) -> &'b str {
        // httparse checked the target is visible ASCII / UTF-8.
        core::str::from_utf8(self.meta.target.get(self.buf)).unwrap_or_default()
    }

    /// The path of the target (for absolute-form, the part after the authority; `*` and
    /// authority-form targets are returned whole).
    pub fn path(&self) -> &'b str {
        let t = self.target();
        // A byte loop: targets are short, and a `str` search costs more to set up.
        let t = &t[..t.bytes().position(|b| b == b'?').unwrap_or(t.len())];
        if t.starts_with('/') || *self.method() == Method::CONNECT || t == "*" {
            return t;
        }
        match t.split_once("://") {
            Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
            None => t,
        }
    }

    /// The authority the request is for: the target's own for absolute-form and
    /// authority-form targets (RFC 9112 §3.2.2: a server MUST then ignore `Host`), the
    /// `Host` value otherwise. `None` for an HTTP/1.0 request without `Host`.
    ///
    /// # Examples
    ///
    /// ```
    /// use hyper_proto::{Limits, RequestParser};
    /// let mut parser = RequestParser::new(Limits::default());
    /// let req = parser.parse(b"GET http://a.example:81/x HTTP/1.1\r\nHost: b\r\n\r\n").unwrap().unwrap();
    /// assert_eq!(req.authority(), Some("a.example:81"));
    /// ```
    pub fn authority(&self) -> Option<&'b str> {
        let t = self.target();
        if *self.method() == Method::CONNECT {
            return Some(t);
        }
        if let Some((_, rest)) = t.split_once("://") {
            let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            let authority = &rest[..end];
            // Drop any userinfo.
            return Some(authority.rsplit_once('@').map_or(authority, |(_, h)| h));
        }
        self.headers()
            .get("host")
            .and_then(|h| core::str::from_utf8(h).ok())
    }

    /// The query string after `?`, if any.
    pub fn query(&self) -> Option<&'b str> {
        self.target().split_once('?').map(|(_, q)| q)
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

    /// The declared `Content-Length`, when the body is length-delimited (0 for none).
    pub fn content_length(&self) -> Option<u64> {
        match self.meta.body {
            BodyLength::Empty => Some(0),
            BodyLength::Length(n) => Some(n),
            _ => None,
        }
    }

    /// Whether a body follows the head.
    pub fn has_body(&self) -> bool {
        self.meta.body.has_body()
    }

    /// Bytes from the start of the buffer to the end of the head: the body starts here.
    pub fn head_len(&self) -> usize {
        self.meta.head_len
    }

    /// Whether the client allows the connection to stay open after this exchange.
    pub fn keep_alive(&self) -> bool {
        self.meta.keep_alive
    }

    /// Whether the client sent `Expect: 100-continue` (HTTP/1.1, with a body).
    pub fn expects_continue(&self) -> bool {
        self.meta.expect_continue
    }

    /// Whether the client asks to switch protocols (`Connection: upgrade` plus `Upgrade`).
    pub fn is_upgrade(&self) -> bool {
        self.meta.upgrade
    }

    /// Whether this is a `CONNECT` request (the connection becomes a tunnel on 2xx).
    pub fn is_connect(&self) -> bool {
        self.meta.method == Method::CONNECT
    }
}

impl fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", self.method())
            .field("target", &self.target())
            .field("version", &self.version())
            .field("headers", &self.headers())
            .field("body", &self.body())
            .finish()
    }
}

/// Whether a request with this method may be sent again without changing its effect
/// (RFC 9110 §9.2.2): what a client may retry on its own after a connection failed before
/// any response byte.
///
/// # Examples
///
/// ```
/// use http::Method;
/// assert!(hyper_proto::is_idempotent(&Method::GET));
/// assert!(hyper_proto::is_idempotent(&Method::PUT));
/// assert!(!hyper_proto::is_idempotent(&Method::POST));
/// ```
pub fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE | Method::PUT | Method::DELETE
    )
}
