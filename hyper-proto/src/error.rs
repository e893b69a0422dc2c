//! Errors: [`ParseError`] for what the peer sent, [`Error`] for the connection.
//!
//! The `Display` text of both types is meant for people and logs; it is not part of the API
//! and may change. Match on the variants and predicates instead.

use core::fmt;
use http::StatusCode;

/// A violation of HTTP/1.1 syntax or framing rules in bytes received from the peer.
///
/// Each variant carries the status code a server answers with, if any
/// ([`ParseError::status_hint`]). After any of these the framing of the connection can no
/// longer be trusted: the connection answers (server role, where there is a status) and closes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParseError {
    /// The method is not a token (RFC 9110 §9.1). 400.
    Method,
    /// The request-target is malformed or of a form the method does not allow. 400.
    Target,
    /// The HTTP-version is not of the form `HTTP/<digit>.<digit>` (case-sensitive). 400.
    Version,
    /// A well-formed HTTP-version other than 1.0 or 1.1. 505.
    UnsupportedVersion,
    /// The status line of a response is malformed.
    Status,
    /// A header name is not a token, or whitespace stands before the colon. 400.
    HeaderName,
    /// A header value holds a forbidden byte (NUL, bare CR, LF, other controls). 400.
    HeaderValue,
    /// A line ending or a separator is malformed (including obs-fold). 400.
    Syntax,
    /// More header fields than the configured limit. 431.
    TooManyHeaders,
    /// The head (start line and fields) is larger than the configured limit. 431.
    HeadTooLarge,
    /// The request-target alone is longer than the configured limit. 414.
    TargetTooLong,
    /// An HTTP/1.1 request with no `Host` field. 400.
    MissingHost,
    /// More than one `Host` field line. 400.
    DuplicateHost,
    /// A `Host` value that is not a valid `uri-host [ ":" port ]`. 400.
    InvalidHost,
    /// A `Content-Length` that is not plain digits, overflows, or has differing values. 400.
    ContentLength,
    /// Both `Transfer-Encoding` and `Content-Length` in a request. 400.
    TransferEncodingWithContentLength,
    /// `Transfer-Encoding` in a request whose final coding is not `chunked`, or `chunked`
    /// applied twice, or an empty coding list. 400.
    ChunkedNotLast,
    /// A transfer coding this library does not implement. 501.
    UnknownTransferCoding,
    /// `Transfer-Encoding` in an HTTP/1.0 request (RFC 9112 §6.1: faulty framing). 400.
    TransferEncodingHttp10,
    /// A `CONNECT` request with a non-zero `Content-Length` or any `Transfer-Encoding`:
    /// a CONNECT request has no content (RFC 9110 §9.3.6), and a body read before the
    /// answer would take the tunnel's first bytes. 400.
    ConnectWithContent,
    /// A head whose lines end in a bare LF: a request's (RFC 9112 §2.2: a front end that
    /// knows only CRLF would see other fields than we do), or a response's that mixes bare
    /// LF with CRLF (all-LF responses from old servers are still read). 400.
    BareLf,
    /// An `Expect` value other than `100-continue`. 417.
    UnsupportedExpectation,
    /// A chunk-size line that is empty, not hex digits, or overflows 64 bits. 400.
    ChunkSize,
    /// A malformed chunk extension (bare LF, control bytes). 400.
    ChunkExtension,
    /// Chunk extensions of one body are larger in total than the configured limit. 400.
    ChunkExtensionsTooLarge,
    /// Chunk data not followed by CRLF. 400.
    ChunkData,
    /// A malformed trailer section. 400.
    Trailer,
    /// The trailer section is larger than the configured limit. 431.
    TrailersTooLarge,
    /// The body is larger than the configured limit. 413.
    BodyTooLarge,
    /// The peer closed the connection before the end of a message body.
    IncompleteBody,
    /// The peer closed the connection in the middle of a message head.
    IncompleteHead,
}

impl ParseError {
    /// The status code a server answers with before closing, or `None` where the right thing
    /// is to close silently (a head cut short: the peer is gone; or this is a response the
    /// client received). A body cut short is a 400: the peer may only have closed its
    /// sending side, and learns why its request failed.
    ///
    /// # Examples
    ///
    /// ```
    /// use hyper_proto::ParseError;
    /// assert_eq!(ParseError::TooManyHeaders.status_hint().map(|s| s.as_u16()), Some(431));
    /// assert_eq!(ParseError::IncompleteHead.status_hint(), None);
    /// assert_eq!(ParseError::IncompleteBody.status_hint().map(|s| s.as_u16()), Some(400));
    /// ```
    pub const fn status_hint(self) -> Option<StatusCode> {
        use ParseError::*;
        Some(match self {
            UnsupportedVersion => StatusCode::HTTP_VERSION_NOT_SUPPORTED,
            TooManyHeaders | HeadTooLarge | TrailersTooLarge => {
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
            }
            TargetTooLong => StatusCode::URI_TOO_LONG,
            UnknownTransferCoding => StatusCode::NOT_IMPLEMENTED,
            UnsupportedExpectation => StatusCode::EXPECTATION_FAILED,
            BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            IncompleteHead | Status => return None,
            Method
            | Target
            | Version
            | HeaderName
            | HeaderValue
            | Syntax
            | MissingHost
            | DuplicateHost
            | InvalidHost
            | ContentLength
            | TransferEncodingWithContentLength
            | ChunkedNotLast
            | TransferEncodingHttp10
            | ConnectWithContent
            | BareLf
            | ChunkSize
            | ChunkExtension
            | ChunkExtensionsTooLarge
            | ChunkData
            | Trailer
            | IncompleteBody => StatusCode::BAD_REQUEST,
        })
    }

    /// A short static description of the violation.
    pub const fn description(self) -> &'static str {
        use ParseError::*;
        match self {
            Method => "invalid method",
            Target => "invalid request-target",
            Version => "malformed HTTP version",
            UnsupportedVersion => "unsupported HTTP version",
            Status => "invalid status line",
            HeaderName => "invalid header name",
            HeaderValue => "invalid header value",
            Syntax => "malformed message syntax",
            TooManyHeaders => "too many header fields",
            HeadTooLarge => "message head too large",
            TargetTooLong => "request-target too long",
            MissingHost => "missing Host header",
            DuplicateHost => "more than one Host header",
            InvalidHost => "invalid Host header",
            ContentLength => "invalid Content-Length",
            TransferEncodingWithContentLength => "both Transfer-Encoding and Content-Length",
            ChunkedNotLast => "chunked is not the final transfer coding",
            UnknownTransferCoding => "transfer coding not implemented (only chunked is)",
            TransferEncodingHttp10 => "Transfer-Encoding in an HTTP/1.0 request",
            ConnectWithContent => "CONNECT request with content",
            BareLf => "head line ended by a bare LF",
            UnsupportedExpectation => "unsupported expectation",
            ChunkSize => "invalid chunk size",
            ChunkExtension => "invalid chunk extension",
            ChunkExtensionsTooLarge => "chunk extensions too large",
            ChunkData => "chunk data not followed by CRLF",
            Trailer => "invalid trailer section",
            TrailersTooLarge => "trailer section too large",
            BodyTooLarge => "body too large",
            IncompleteBody => "connection closed before the end of the body",
            IncompleteHead => "connection closed in the middle of a message head",
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description())
    }
}

impl std::error::Error for ParseError {}

/// A mistake by the local side: the application asked for something HTTP/1.1 does not allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UserError {
    /// More body bytes than the declared `Content-Length`.
    BodyTooLong,
    /// The body ended before the declared `Content-Length` was written.
    BodyTooShort,
    /// A body was written where the message may not carry one (HEAD response, 204, 304,
    /// a CONNECT request).
    UnexpectedBody,
    /// A header name that is not a token.
    InvalidHeaderName,
    /// A header value holding CR, LF or NUL (response splitting).
    InvalidHeaderValue,
    /// The operation does not fit the connection's current state (a head written twice,
    /// a body written before its head, a message after the connection closed).
    InvalidState,
}

impl UserError {
    /// A short static description of the mistake.
    pub const fn description(self) -> &'static str {
        match self {
            Self::BodyTooLong => "body longer than its declared length",
            Self::BodyTooShort => "body ended before its declared length",
            Self::UnexpectedBody => "body on a message that carries none",
            Self::InvalidHeaderName => "invalid header name",
            Self::InvalidHeaderValue => "header value contains CR, LF or NUL",
            Self::InvalidState => "operation not valid in the connection's state",
        }
    }
}

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description())
    }
}

impl std::error::Error for UserError {}

/// Which deadline of a connection passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// No new message started within the idle (keep-alive) timeout.
    Idle,
    /// A message head did not arrive in full within the head-read timeout (slowloris).
    HeadRead,
    /// The deadline the application set with [`Next::timeout`](crate::Next::timeout) passed.
    Next,
}

/// An error of a [`Conn`](crate::Conn): what went wrong and whose fault it was.
///
/// Opaque on purpose: ask it with the predicates. After any error except a
/// [`TimeoutKind::Next`] timeout the connection is closing.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ErrorKind {
    Parse(ParseError),
    User(UserError),
    Timeout(TimeoutKind),
}

impl Error {
    pub(crate) const fn timeout(kind: TimeoutKind) -> Self {
        Self {
            kind: ErrorKind::Timeout(kind),
        }
    }

    /// The peer broke the protocol; [`Error::parse_error`] says how.
    pub const fn is_parse(&self) -> bool {
        matches!(self.kind, ErrorKind::Parse(_))
    }

    /// The local application misused the API; [`Error::user_error`] says how.
    pub const fn is_user(&self) -> bool {
        matches!(self.kind, ErrorKind::User(_))
    }

    /// A deadline passed; [`Error::timeout_kind`] says which.
    pub const fn is_timeout(&self) -> bool {
        matches!(self.kind, ErrorKind::Timeout(_))
    }

    /// The peer closed the connection before a message was complete.
    pub const fn is_incomplete(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Parse(ParseError::IncompleteBody | ParseError::IncompleteHead)
        )
    }

    /// The protocol violation, when [`Error::is_parse`].
    pub const fn parse_error(&self) -> Option<ParseError> {
        match self.kind {
            ErrorKind::Parse(e) => Some(e),
            _ => None,
        }
    }

    /// The misuse, when [`Error::is_user`].
    pub const fn user_error(&self) -> Option<UserError> {
        match self.kind {
            ErrorKind::User(e) => Some(e),
            _ => None,
        }
    }

    /// Which deadline passed, when [`Error::is_timeout`].
    pub const fn timeout_kind(&self) -> Option<TimeoutKind> {
        match self.kind {
            ErrorKind::Timeout(t) => Some(t),
            _ => None,
        }
    }

    /// The status a server answers with for this error when no response has started.
    pub const fn status_hint(&self) -> Option<StatusCode> {
        match self.kind {
            ErrorKind::Parse(e) => e.status_hint(),
            ErrorKind::Timeout(TimeoutKind::HeadRead) => Some(StatusCode::REQUEST_TIMEOUT),
            _ => None,
        }
    }
}

impl From<ParseError> for Error {
    fn from(e: ParseError) -> Self {
        Self {
            kind: ErrorKind::Parse(e),
        }
    }
}

impl From<UserError> for Error {
    fn from(e: UserError) -> Self {
        Self {
            kind: ErrorKind::User(e),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ErrorKind::Parse(e) => f.debug_tuple("Error::Parse").field(&e).finish(),
            ErrorKind::User(e) => f.debug_tuple("Error::User").field(&e).finish(),
            ErrorKind::Timeout(t) => f.debug_tuple("Error::Timeout").field(&t).finish(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ErrorKind::Parse(e) => write!(f, "protocol error from peer: {e}"),
            ErrorKind::User(e) => write!(f, "local misuse: {e}"),
            ErrorKind::Timeout(TimeoutKind::Idle) => f.write_str("idle timeout"),
            ErrorKind::Timeout(TimeoutKind::HeadRead) => f.write_str("head read timeout"),
            ErrorKind::Timeout(TimeoutKind::Next) => f.write_str("timeout"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Parse(e) => Some(e),
            ErrorKind::User(e) => Some(e),
            ErrorKind::Timeout(_) => None,
        }
    }
}
