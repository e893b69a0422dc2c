//! Head encoding: status and request lines, the user's header fields, and the framing,
//! `Connection`, `Date` and `Host` fields that follow from the body kind and the peer.

use http::{Method, StatusCode, Version};

use crate::date::DateCache;
use crate::encode::{BodyKind, Encoder};
use crate::error::UserError;
use crate::header_list::{HeaderList, Summary};
use crate::headers::{classify, write_decimal, write_field, write_raw_field};

/// What the server knows of the request a response answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResponseContext {
    /// The request was `HEAD`: the response carries no body.
    pub head_request: bool,
    /// The request's version (an HTTP/1.0 client gets no chunked body).
    pub version: Version,
    /// The connection may stay open after this response.
    pub keep_alive: bool,
    /// The request was `CONNECT`: a 2xx answer opens a tunnel and carries no framing.
    pub connect_request: bool,
}

impl Default for ResponseContext {
    fn default() -> Self {
        Self {
            head_request: false,
            version: Version::HTTP_11,
            keep_alive: true,
            connect_request: false,
        }
    }
}

/// The result of encoding a head: the body encoder and whether the connection persists.
#[must_use]
#[derive(Debug, Clone)]
pub struct EncodedHead {
    /// Frames the body of this message.
    pub encoder: Encoder,
    /// Whether the connection can carry another message after this one.
    pub keep_alive: bool,
}

/// The header fields of a head: pairs to check while writing, or a [`HeaderList`], checked
/// when its fields were added and already laid out as they go on the wire.
pub(crate) enum FieldSource<'h, I> {
    Pairs(I),
    List(&'h HeaderList),
}

impl<'h> FieldSource<'h, core::iter::Empty<(&'h [u8], &'h [u8])>> {
    /// The fields of `list`.
    pub(crate) fn list(list: &'h HeaderList) -> Self {
        Self::List(list)
    }
}

/// Writes the user's fields, leaving out the framing ones (framing has a single source, the
/// body kind); reports `Connection` tokens and whether `Date` / `Host` were among them.
fn write_fields<'h, I>(out: &mut Vec<u8>, fields: FieldSource<'h, I>) -> Result<Summary, UserError>
where
    I: IntoIterator<Item = (&'h [u8], &'h [u8])>,
{
    let (pairs, checked) = match fields {
        FieldSource::List(list) if !list.summary().framing => {
            out.extend_from_slice(list.wire());
            return Ok(*list.summary());
        }
        FieldSource::List(list) => return write_user_fields(out, list.pairs(), true),
        FieldSource::Pairs(pairs) => (pairs, false),
    };
    write_user_fields(out, pairs, checked)
}

/// Writes `fields` one by one, checking each unless `checked` says it was.
fn write_user_fields<'h>(
    out: &mut Vec<u8>,
    fields: impl IntoIterator<Item = (&'h [u8], &'h [u8])>,
    checked: bool,
) -> Result<Summary, UserError> {
    let mut summary = Summary::default();
    for (name, value) in fields {
        let special = classify(name);
        if special.is_framing() {
            continue;
        }
        summary.add_special(special, value);
        if checked {
            write_raw_field(out, name, value);
        } else {
            write_field(out, name, value)?;
        }
    }
    Ok(summary)
}

/// Encodes a response head into `out`.
///
/// The status line is always `HTTP/1.1` (RFC 9110 §6.2: a server sends its own version).
/// Framing follows `body`, `status` and `ctx`: no body for `HEAD`, 1xx, 204 and 304;
/// `Content-Length` for known lengths; chunked for HTTP/1.1 streams; close-delimited (and
/// `Connection: close`) for HTTP/1.0 streams. `Connection: close` or `keep-alive` is added
/// as persistence requires, and `Date` from `date` unless the headers have one.
///
/// On error `out` is left as it was.
///
/// # Errors
///
/// [`UserError::InvalidHeaderName`] / [`UserError::InvalidHeaderValue`] for a header that
/// cannot be sent safely.
///
/// # Examples
///
/// ```
/// use http::StatusCode;
/// use hyper_proto::{encode_response_head, BodyKind, ResponseContext};
///
/// let mut out = Vec::new();
/// let head = encode_response_head(
///     &mut out,
///     StatusCode::OK,
///     [(&b"Content-Type"[..], &b"text/plain"[..])],
///     BodyKind::Length(13),
///     &ResponseContext::default(),
///     None,
/// )
/// .unwrap();
/// assert_eq!(out, b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\ncontent-length: 13\r\n\r\n");
/// assert_eq!(head.encoder.remaining(), Some(13));
/// ```
pub fn encode_response_head<'h>(
    out: &mut Vec<u8>,
    status: StatusCode,
    headers: impl IntoIterator<Item = (&'h [u8], &'h [u8])>,
    body: BodyKind,
    ctx: &ResponseContext,
    date: Option<&DateCache>,
) -> Result<EncodedHead, UserError> {
    encode_response_fields(out, status, FieldSource::Pairs(headers), body, ctx, date)
}

/// [`encode_response_head`] for any [`FieldSource`]; on error `out` is left as it was.
pub(crate) fn encode_response_fields<'h, I>(
    out: &mut Vec<u8>,
    status: StatusCode,
    fields: FieldSource<'h, I>,
    body: BodyKind,
    ctx: &ResponseContext,
    date: Option<&DateCache>,
) -> Result<EncodedHead, UserError>
where
    I: IntoIterator<Item = (&'h [u8], &'h [u8])>,
{
    all_or_nothing(out, |out| {
        encode_response_inner(out, status, fields, body, ctx, date)
    })
}

/// Runs `encode` on `out`, leaving `out` as it was when it fails.
fn all_or_nothing<T>(
    out: &mut Vec<u8>,
    encode: impl FnOnce(&mut Vec<u8>) -> Result<T, UserError>,
) -> Result<T, UserError> {
    let start = out.len();
    let result = encode(out);
    if result.is_err() {
        out.truncate(start);
    }
    result
}

fn encode_response_inner<'h, I>(
    out: &mut Vec<u8>,
    status: StatusCode,
    fields: FieldSource<'h, I>,
    body: BodyKind,
    ctx: &ResponseContext,
    date: Option<&DateCache>,
) -> Result<EncodedHead, UserError>
where
    I: IntoIterator<Item = (&'h [u8], &'h [u8])>,
{
    if let FieldSource::List(list) = &fields {
        // Status line, fields, framing, Date and the blank line: one growth at most.
        out.reserve(list.wire().len() + 128);
    }
    write_status_line(out, status);
    let summary = write_fields(out, fields)?;
    let (conn, has_date) = (summary.conn, summary.date);
    let code = status.as_u16();
    let mut keep_alive = ctx.keep_alive && !conn.close;
    let informational = status.is_informational();
    let no_body = ctx.head_request || informational || code == 204 || code == 304;
    let tunnel = ctx.connect_request && status.is_success();
    let encoder = match body {
        // RFC 9110 §9.3.6: a 2xx to CONNECT has no content and no framing headers.
        _ if informational || code == 204 || tunnel => Encoder::discard(),
        _ if code == 304 => Encoder::discard(),
        BodyKind::Empty | BodyKind::Length(0) => {
            out.extend_from_slice(b"content-length: 0\r\n");
            if no_body {
                Encoder::discard()
            } else {
                Encoder::length(0)
            }
        }
        BodyKind::Length(n) => {
            out.extend_from_slice(b"content-length: ");
            write_decimal(out, n);
            out.extend_from_slice(b"\r\n");
            if no_body {
                Encoder::discard()
            } else {
                Encoder::length(n)
            }
        }
        BodyKind::Streaming if ctx.head_request => Encoder::discard(),
        BodyKind::Streaming if ctx.version == Version::HTTP_11 => {
            out.extend_from_slice(b"transfer-encoding: chunked\r\n");
            Encoder::chunked()
        }
        BodyKind::Streaming => {
            keep_alive = false;
            Encoder::close_delimited()
        }
    };
    if !informational {
        if !keep_alive && !conn.close {
            out.extend_from_slice(b"connection: close\r\n");
        } else if keep_alive && ctx.version == Version::HTTP_10 && !conn.keep_alive {
            out.extend_from_slice(b"connection: keep-alive\r\n");
        }
        if let (Some(date), false) = (date, has_date) {
            out.extend_from_slice(date.line());
        }
    }
    out.extend_from_slice(b"\r\n");
    Ok(EncodedHead {
        encoder,
        keep_alive,
    })
}

fn write_status_line(out: &mut Vec<u8>, status: StatusCode) {
    if status == StatusCode::OK {
        out.extend_from_slice(b"HTTP/1.1 200 OK\r\n");
        return;
    }
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(status.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(status.canonical_reason().unwrap_or("").as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// What a client request carries besides its headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestLine<'a> {
    /// The method.
    pub method: &'a Method,
    /// The request-target (usually origin-form: path and query).
    pub target: &'a [u8],
    /// The `Host` value, written unless the headers carry one.
    pub host: &'a [u8],
}

/// The request-target of a `CONNECT` for a tunnel to `host` and `port`, which is also its
/// `Host` value (authority-form, RFC 9110 §9.3.6): the port always given, an IPv6 address
/// in brackets.
///
/// # Examples
///
/// ```
/// assert_eq!(hyper_proto::connect_authority("example.com", 443), "example.com:443");
/// assert_eq!(hyper_proto::connect_authority("::1", 8443), "[::1]:8443");
/// ```
pub fn connect_authority(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// Encodes a request head into `out` (always `HTTP/1.1`).
///
/// Framing follows `body`: `Content-Length` for a known length (and `Content-Length: 0` for
/// an empty body on methods that usually have one), chunked for a stream, nothing for an
/// empty `GET`. `Expect: 100-continue` is added when `expect_continue` and there is a body;
/// `Connection: close` when `keep_alive` is false.
///
/// # Errors
///
/// [`UserError::InvalidHeaderName`], [`UserError::InvalidHeaderValue`] for an unsafe header
/// (the target and host count as such), leaving `out` as it was.
///
/// # Examples
///
/// ```
/// use http::Method;
/// use hyper_proto::{encode_request_head, BodyKind, RequestLine};
///
/// let mut out = Vec::new();
/// let line = RequestLine { method: &Method::GET, target: b"/x?y=1", host: b"example.com" };
/// let head = encode_request_head(&mut out, &line, [], BodyKind::Empty, false, true).unwrap();
/// assert_eq!(out, b"GET /x?y=1 HTTP/1.1\r\nhost: example.com\r\n\r\n");
/// assert!(head.encoder.is_finished());
/// ```
pub fn encode_request_head<'h>(
    out: &mut Vec<u8>,
    line: &RequestLine<'_>,
    headers: impl IntoIterator<Item = (&'h [u8], &'h [u8])>,
    body: BodyKind,
    expect_continue: bool,
    keep_alive: bool,
) -> Result<EncodedHead, UserError> {
    encode_request_fields(
        out,
        line,
        FieldSource::Pairs(headers),
        body,
        expect_continue,
        keep_alive,
    )
}

/// [`encode_request_head`] for any [`FieldSource`]; on error `out` is left as it was.
pub(crate) fn encode_request_fields<'h, I>(
    out: &mut Vec<u8>,
    line: &RequestLine<'_>,
    fields: FieldSource<'h, I>,
    body: BodyKind,
    expect_continue: bool,
    keep_alive: bool,
) -> Result<EncodedHead, UserError>
where
    I: IntoIterator<Item = (&'h [u8], &'h [u8])>,
{
    all_or_nothing(out, |out| {
        encode_request_inner(out, line, fields, body, expect_continue, keep_alive)
    })
}

fn encode_request_inner<'h, I>(
    out: &mut Vec<u8>,
    line: &RequestLine<'_>,
    fields: FieldSource<'h, I>,
    body: BodyKind,
    expect_continue: bool,
    keep_alive: bool,
) -> Result<EncodedHead, UserError>
where
    I: IntoIterator<Item = (&'h [u8], &'h [u8])>,
{
    let target_ok = !line.target.is_empty() && line.target.iter().all(|&b| b > 0x20 && b != 0x7f);
    if !target_ok {
        return Err(UserError::InvalidHeaderValue);
    }
    out.extend_from_slice(line.method.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(line.target);
    out.extend_from_slice(b" HTTP/1.1\r\n");
    let summary = write_fields(out, fields)?;
    let (conn, has_host) = (summary.conn, summary.host);
    if !has_host {
        if !crate::headers::is_valid_host(line.host) {
            return Err(UserError::InvalidHeaderValue);
        }
        out.extend_from_slice(b"host: ");
        out.extend_from_slice(line.host);
        out.extend_from_slice(b"\r\n");
    }
    let keep_alive = keep_alive && !conn.close;
    let method = line.method;
    // RFC 9110 §9.3.6: a CONNECT request has no content.
    if *method == Method::CONNECT && !matches!(body, BodyKind::Empty | BodyKind::Length(0)) {
        return Err(UserError::UnexpectedBody);
    }
    let encoder = match body {
        BodyKind::Empty | BodyKind::Length(0) => {
            if *method == Method::POST || *method == Method::PUT || *method == Method::PATCH {
                out.extend_from_slice(b"content-length: 0\r\n");
            }
            Encoder::length(0)
        }
        BodyKind::Length(n) => {
            out.extend_from_slice(b"content-length: ");
            write_decimal(out, n);
            out.extend_from_slice(b"\r\n");
            Encoder::length(n)
        }
        BodyKind::Streaming => {
            out.extend_from_slice(b"transfer-encoding: chunked\r\n");
            Encoder::chunked()
        }
    };
    if expect_continue && !encoder.is_finished() {
        out.extend_from_slice(b"expect: 100-continue\r\n");
    }
    if !keep_alive && !conn.close {
        out.extend_from_slice(b"connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    Ok(EncodedHead {
        encoder,
        keep_alive,
    })
}

/// The automatic answer of a connection: `status`, `Connection: close`, and `text` as a
/// `text/plain` body.
pub(crate) fn write_error_response(
    out: &mut Vec<u8>,
    status: StatusCode,
    text: &str,
    date: Option<&DateCache>,
) {
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(status.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(status.canonical_reason().unwrap_or("").as_bytes());
    out.extend_from_slice(b"\r\ncontent-type: text/plain\r\nconnection: close\r\ncontent-length: ");
    write_decimal(out, text.len() as u64 + 1);
    out.extend_from_slice(b"\r\n");
    if let Some(date) = date {
        out.extend_from_slice(b"date: ");
        out.extend_from_slice(date.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(text.as_bytes());
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    #[test]
    fn error_response_bytes() {
        let mut out = Vec::new();
        write_error_response(
            &mut out,
            StatusCode::BAD_REQUEST,
            "invalid Content-Length",
            None,
        );
        assert_eq!(
            out,
            b"HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\nconnection: close\r\ncontent-length: 23\r\n\r\ninvalid Content-Length\n"
        );
    }

    use super::*;
    use std::time::UNIX_EPOCH;

    fn response(
        status: u16,
        body: BodyKind,
        ctx: ResponseContext,
        headers: &[(&str, &str)],
    ) -> (String, EncodedHead) {
        let mut out = Vec::new();
        let head = encode_response_head(
            &mut out,
            StatusCode::from_u16(status).unwrap(),
            headers.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())),
            body,
            &ctx,
            None,
        )
        .unwrap();
        (String::from_utf8(out).unwrap(), head)
    }

    #[test]
    fn response_framing() {
        let v10 = ResponseContext {
            version: Version::HTTP_10,
            keep_alive: false,
            ..Default::default()
        };
        let v10_ka = ResponseContext {
            keep_alive: true,
            ..v10
        };
        let head = ResponseContext {
            head_request: true,
            ..Default::default()
        };
        let d = ResponseContext::default();
        type Case = (
            u16,
            BodyKind,
            ResponseContext,
            &'static [(&'static str, &'static str)],
            &'static str,
            bool,
        );
        use BodyKind::{Empty, Length, Streaming};
        #[rustfmt::skip]
        let cases: &[Case] = &[
            (200, Length(5), d, &[], "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n", true),
            (200, Empty, d, &[], "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n", true),
            (200, Streaming, d, &[], "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n", true),
            // HTTP/1.0: never chunked; persistence only when asked
            (200, Streaming, v10_ka, &[], "HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n", false),
            (200, Length(1), v10_ka, &[], "HTTP/1.1 200 OK\r\ncontent-length: 1\r\nconnection: keep-alive\r\n\r\n", true),
            (200, Length(1), v10, &[], "HTTP/1.1 200 OK\r\ncontent-length: 1\r\nconnection: close\r\n\r\n", false),
            // No body: HEAD keeps the length, 204 and 304 carry no framing
            (200, Length(9), head, &[], "HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\n", true),
            (204, Length(9), d, &[], "HTTP/1.1 204 No Content\r\n\r\n", true),
            (304, Streaming, d, &[], "HTTP/1.1 304 Not Modified\r\n\r\n", true),
            // User framing headers are not written twice; Connection: close is honoured
            (200, Length(2), d, &[("Content-Length", "99"), ("Transfer-Encoding", "chunked")], "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n", true),
            (200, Length(2), d, &[("Connection", "close")], "HTTP/1.1 200 OK\r\nConnection: close\r\ncontent-length: 2\r\n\r\n", false),
            (599, Empty, d, &[], "HTTP/1.1 599 \r\ncontent-length: 0\r\n\r\n", true),
        ];
        for (status, body, ctx, headers, want, ka) in cases {
            let (got, head) = response(*status, *body, *ctx, headers);
            assert_eq!(got, *want);
            assert_eq!(head.keep_alive, *ka, "{want}");
        }
        let (_, h) = response(200, Length(9), head, &[]);
        assert!(!h.encoder.has_body());
    }

    #[test]
    fn header_injection_rejected() {
        for (name, value) in [
            ("X", "a\r\nSet-Cookie: evil"),
            ("X", "a\nb"),
            ("X", "a\0"),
            ("Bad Name", "v"),
            ("", "v"),
            ("X:", "v"),
        ] {
            let mut out = b"keep".to_vec();
            let r = encode_response_head(
                &mut out,
                StatusCode::OK,
                [(name.as_bytes(), value.as_bytes())],
                BodyKind::Empty,
                &ResponseContext::default(),
                None,
            );
            assert!(r.is_err(), "{name:?}: {value:?}");
            assert_eq!(out, b"keep");
        }
    }

    #[test]
    fn date_header_written_once() {
        let cache = DateCache::new(UNIX_EPOCH);
        let mut out = Vec::new();
        let _ = encode_response_head(
            &mut out,
            StatusCode::OK,
            [],
            BodyKind::Empty,
            &ResponseContext::default(),
            Some(&cache),
        )
        .unwrap();
        assert!(out.ends_with(b"date: Thu, 01 Jan 1970 00:00:00 GMT\r\n\r\n"));
        out.clear();
        let _ = encode_response_head(
            &mut out,
            StatusCode::OK,
            [(&b"Date"[..], &b"x"[..])],
            BodyKind::Empty,
            &ResponseContext::default(),
            Some(&cache),
        )
        .unwrap();
        assert_eq!(
            out,
            b"HTTP/1.1 200 OK\r\nDate: x\r\ncontent-length: 0\r\n\r\n"
        );
    }

    #[test]
    fn request_heads() {
        let line = |m: &'static Method| RequestLine {
            method: m,
            target: b"/p",
            host: b"h:1",
        };
        let enc = |l: RequestLine<'_>, h: &[(&str, &str)], b, e, ka| {
            let mut out = Vec::new();
            let r = encode_request_head(
                &mut out,
                &l,
                h.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())),
                b,
                e,
                ka,
            );
            r.map(|_| String::from_utf8(out).unwrap())
        };
        assert_eq!(
            enc(line(&Method::GET), &[], BodyKind::Empty, false, true).unwrap(),
            "GET /p HTTP/1.1\r\nhost: h:1\r\n\r\n"
        );
        assert_eq!(
            enc(line(&Method::POST), &[], BodyKind::Empty, false, true).unwrap(),
            "POST /p HTTP/1.1\r\nhost: h:1\r\ncontent-length: 0\r\n\r\n"
        );
        assert_eq!(
            enc(line(&Method::PUT), &[("Host", "other")], BodyKind::Streaming, true, false).unwrap(),
            "PUT /p HTTP/1.1\r\nHost: other\r\ntransfer-encoding: chunked\r\nexpect: 100-continue\r\nconnection: close\r\n\r\n"
        );
        // A CONNECT request has no content (RFC 9110 §9.3.6)
        let connect = || RequestLine {
            method: &Method::CONNECT,
            target: b"h:443",
            host: b"h:443",
        };
        for body in [BodyKind::Length(3), BodyKind::Streaming] {
            assert_eq!(
                enc(connect(), &[], body, false, true),
                Err(UserError::UnexpectedBody)
            );
        }
        assert_eq!(
            enc(connect(), &[], BodyKind::Empty, false, true).unwrap(),
            "CONNECT h:443 HTTP/1.1\r\nhost: h:443\r\n\r\n"
        );
        // A GET with a body is framed (RUSTSEC-2020-0008)
        assert_eq!(
            enc(line(&Method::GET), &[], BodyKind::Length(3), false, true).unwrap(),
            "GET /p HTTP/1.1\r\nhost: h:1\r\ncontent-length: 3\r\n\r\n"
        );
        let bad = RequestLine {
            method: &Method::GET,
            target: b"/a b",
            host: b"h",
        };
        assert!(enc(bad, &[], BodyKind::Empty, false, true).is_err());
        let bad_host = RequestLine {
            method: &Method::GET,
            target: b"/",
            host: b"h\r\nx: y",
        };
        assert!(enc(bad_host, &[], BodyKind::Empty, false, true).is_err());
    }
}
