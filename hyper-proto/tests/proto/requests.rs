//! Request heads: one table, each case run whole, byte by byte, and split at every index.

use http::{Method, Version};
use hyper_proto::{BodyLength, Limits, ParseError, RequestParser};

/// What a test expects of a parsed request.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Summary {
    method: Method,
    target: String,
    version: Version,
    body: BodyLength,
    keep_alive: bool,
    expect: bool,
    upgrade: bool,
    head_len: usize,
}

fn summary(parser: &mut RequestParser, buf: &[u8]) -> Result<Option<Summary>, ParseError> {
    Ok(parser.parse(buf)?.map(|r| Summary {
        method: r.method().clone(),
        target: r.target().to_owned(),
        version: r.version(),
        body: r.body(),
        keep_alive: r.keep_alive(),
        expect: r.expects_continue(),
        upgrade: r.is_upgrade(),
        head_len: r.head_len(),
    }))
}

/// Runs `input` three ways and checks they agree; returns the whole-input result.
fn run(input: &[u8], limits: Limits) -> Result<Summary, ParseError> {
    let whole = summary(&mut RequestParser::new(limits), input)
        .map(|s| s.expect("complete head expected in the whole input"));
    // Byte by byte, one parser: every prefix before completion needs more; the first answer
    // that is not "need more" is the whole-input answer.
    let mut parser = RequestParser::new(limits);
    let mut first = None;
    for end in 0..=input.len() {
        match summary(&mut parser, &input[..end]) {
            Ok(None) => continue,
            other => {
                first = Some(other.map(Option::unwrap));
                break;
            }
        }
    }
    assert_eq!(
        first.as_ref(),
        Some(&whole),
        "byte-by-byte disagrees for {:?}",
        String::from_utf8_lossy(input)
    );
    // Split once at every index, one parser per split.
    for split in 0..input.len() {
        let mut parser = RequestParser::new(limits);
        let got = match summary(&mut parser, &input[..split]) {
            Ok(None) => summary(&mut parser, input).map(Option::unwrap),
            other => other.map(Option::unwrap),
        };
        assert_eq!(
            got,
            whole,
            "split at {split} disagrees for {:?}",
            String::from_utf8_lossy(input)
        );
    }
    whole
}

fn ok(input: &str) -> Summary {
    match run(input.as_bytes(), Limits::default()) {
        Ok(s) => s,
        Err(e) => panic!("{input:?} should parse, got {e:?}"),
    }
}

fn err(input: &str) -> ParseError {
    err_with(input, Limits::default())
}

fn err_with(input: &str, limits: Limits) -> ParseError {
    match run(input.as_bytes(), limits) {
        Ok(s) => panic!("{input:?} should fail, got {s:?}"),
        Err(e) => e,
    }
}

/// One named test per case, as httparse's `req!` does.
macro_rules! req_ok {
    ($name:ident, $input:expr, |$s:ident| $body:block) => {
        #[test]
        fn $name() {
            let $s = ok($input);
            $body
        }
    };
}

macro_rules! req_err {
    ($name:ident, $input:expr, $err:expr, $status:expr) => {
        #[test]
        fn $name() {
            let e = err($input);
            assert_eq!(e, $err, "{:?}", $input);
            assert_eq!(e.status_hint().map(|s| s.as_u16()), $status);
        }
    };
}

// ===== Accepted =====

req_ok!(simple_get, "GET /a?b=1 HTTP/1.1\r\nHost: x\r\n\r\n", |s| {
    assert_eq!(s.method, Method::GET);
    assert_eq!(s.target, "/a?b=1");
    assert_eq!(s.version, Version::HTTP_11);
    assert_eq!(s.body, BodyLength::Empty);
    assert!(s.keep_alive && !s.expect && !s.upgrade);
    assert_eq!(s.head_len, 32);
});
req_ok!(http10_no_host_closes, "GET / HTTP/1.0\r\n\r\n", |s| {
    assert_eq!(s.version, Version::HTTP_10);
    assert!(!s.keep_alive);
});
req_ok!(
    http10_keep_alive,
    "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    |s| {
        assert!(s.keep_alive);
    }
);
req_ok!(
    http10_keep_alive_case,
    "GET / HTTP/1.0\r\nconnection: Keep-Alive\r\n\r\n",
    |s| {
        assert!(s.keep_alive);
    }
);
req_ok!(
    http11_close,
    "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    |s| {
        assert!(!s.keep_alive);
    }
);
req_ok!(
    connection_list,
    "GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, CLOSE\r\n\r\n",
    |s| {
        assert!(!s.keep_alive);
    }
);
req_ok!(
    connection_two_lines,
    "GET / HTTP/1.1\r\nHost: x\r\nConnection: foo\r\nConnection: close\r\n\r\n",
    |s| {
        assert!(!s.keep_alive);
    }
);
req_ok!(
    connection_not_a_token_match,
    "GET / HTTP/1.1\r\nHost: x\r\nConnection: closed\r\n\r\n",
    |s| {
        assert!(s.keep_alive);
    }
);
req_ok!(
    leading_empty_lines,
    "\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
    |s| {
        assert_eq!(s.head_len, 31);
    }
);
// A request head's lines end in CRLF (RFC 9112 §2.2): a bare LF anywhere, all-LF heads and
// a mix alike, is 400. The mix is a smuggling shape: a CRLF-only front end sees one field
// (`Dummy: x\nContent-Length: 23`) where a lenient parser sees two.
req_err!(
    bare_lf_lines,
    "GET / HTTP/1.1\nHost: x\n\n",
    ParseError::BareLf,
    Some(400)
);
req_err!(
    bare_lf_smuggled_field,
    "POST / HTTP/1.1\r\nHost: x\r\nDummy: x\nContent-Length: 23\r\n\r\n",
    ParseError::BareLf,
    Some(400)
);
req_err!(
    bare_lf_empty_value_ends_head,
    "GET / HTTP/1.1\r\nHost: x\r\nUseless:\n\n",
    ParseError::BareLf,
    Some(400)
);
req_ok!(
    content_length,
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
    |s| {
        assert_eq!(s.body, BodyLength::Length(5));
        assert_eq!(s.head_len, 47);
    }
);
req_ok!(
    content_length_zero,
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
    |s| {
        assert_eq!(s.body, BodyLength::Empty);
    }
);
req_ok!(
    content_length_same_list,
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\n",
    |s| {
        assert_eq!(s.body, BodyLength::Length(5));
    }
);
req_ok!(
    content_length_same_lines,
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\n",
    |s| {
        assert_eq!(s.body, BodyLength::Length(5));
    }
);
req_ok!(
    chunked,
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
    |s| {
        assert_eq!(s.body, BodyLength::Chunked);
    }
);
req_ok!(
    chunked_case,
    "POST / HTTP/1.1\r\nHost: x\r\ntransfer-encoding: CHUNKED\r\n\r\n",
    |s| {
        assert_eq!(s.body, BodyLength::Chunked);
    }
);
// A coding before `chunked` that we do not decode: the body would reach the handler still
// coded. 501 (RFC 9112 §6.1).
req_err!(
    gzip_then_chunked,
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
    ParseError::UnknownTransferCoding,
    Some(501)
);
req_err!(
    gzip_then_chunked_lines,
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n",
    ParseError::UnknownTransferCoding,
    Some(501)
);
req_err!(
    deflate_then_chunked,
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: deflate, chunked\r\n\r\n",
    ParseError::UnknownTransferCoding,
    Some(501)
);
req_err!(
    made_up_then_chunked,
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: x-anything;q=1, chunked\r\n\r\n",
    ParseError::UnknownTransferCoding,
    Some(501)
);
req_ok!(
    expect_continue,
    "PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-Continue\r\n\r\n",
    |s| {
        assert!(s.expect);
    }
);
req_ok!(
    expect_continue_no_body,
    "GET / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n",
    |s| {
        assert!(!s.expect);
    }
);
req_ok!(
    expect_ignored_http10,
    "PUT / HTTP/1.0\r\nContent-Length: 3\r\nExpect: whatever\r\n\r\n",
    |s| {
        assert!(!s.expect);
    }
);
req_ok!(
    upgrade,
    "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
    |s| {
        assert!(s.upgrade);
    }
);
req_ok!(
    upgrade_header_without_token,
    "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n",
    |s| {
        assert!(!s.upgrade);
    }
);
req_ok!(
    connect_authority,
    "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
    |s| {
        assert_eq!(s.method, Method::CONNECT);
        assert_eq!(s.target, "example.com:443");
    }
);
req_ok!(
    options_asterisk,
    "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
    |s| {
        assert_eq!(s.target, "*");
    }
);
req_ok!(
    absolute_form,
    "GET http://example.com/a/b?c HTTP/1.1\r\nHost: other\r\n\r\n",
    |s| {
        assert_eq!(s.target, "http://example.com/a/b?c");
    }
);
req_ok!(
    extension_method,
    "PURGE /x HTTP/1.1\r\nHost: x\r\n\r\n",
    |s| {
        assert_eq!(s.method.as_str(), "PURGE");
    }
);
req_ok!(
    obs_text_value,
    "GET / HTTP/1.1\r\nHost: x\r\nX-Name: caf\u{e9}\r\n\r\n",
    |s| {
        assert_eq!(s.method, Method::GET);
    }
);
req_ok!(empty_host_allowed, "GET / HTTP/1.1\r\nHost:\r\n\r\n", |s| {
    assert!(s.keep_alive);
});
req_ok!(
    host_ipv6,
    "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",
    |s| {
        assert!(s.keep_alive);
    }
);

// ===== Framing: Transfer-Encoding and Content-Length =====

req_err!(
    te_and_cl,
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
    ParseError::TransferEncodingWithContentLength,
    Some(400)
);
req_err!(
    cl_and_te,
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
    ParseError::TransferEncodingWithContentLength,
    Some(400)
);
req_err!(
    chunked_not_last,
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
    ParseError::ChunkedNotLast,
    Some(400)
);
// RUSTSEC-2021-0020: the decision is over all lines together
req_err!(
    chunked_not_last_lines,
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n",
    ParseError::ChunkedNotLast,
    Some(400)
);
req_err!(
    chunked_twice,
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
    ParseError::ChunkedNotLast,
    Some(400)
);
req_err!(chunked_twice_lines, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", ParseError::ChunkedNotLast, Some(400));
req_err!(
    te_gzip_only,
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
    ParseError::ChunkedNotLast,
    Some(400)
);
req_err!(
    te_empty,
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \r\n\r\n",
    ParseError::ChunkedNotLast,
    Some(400)
);
req_err!(
    te_unknown,
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: foo, chunked\r\n\r\n",
    ParseError::UnknownTransferCoding,
    Some(501)
);
// A list whose last member is not `chunked` cannot be framed, whatever it holds: 400.
req_err!(
    te_unknown_alone,
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n",
    ParseError::ChunkedNotLast,
    Some(400)
);
req_err!(
    te_chunkedchunked,
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunkedchunked\r\n\r\n",
    ParseError::ChunkedNotLast,
    Some(400)
);
req_err!(
    te_http10,
    "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
    ParseError::TransferEncodingHttp10,
    Some(400)
);
// RFC 9110 §9.3.6: a CONNECT request has no content; framing one would take the tunnel's
// first bytes as a body.
req_err!(
    connect_with_content_length,
    "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nContent-Length: 10\r\n\r\n",
    ParseError::ConnectWithContent,
    Some(400)
);
req_err!(
    connect_with_transfer_encoding,
    "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nTransfer-Encoding: chunked\r\n\r\n",
    ParseError::ConnectWithContent,
    Some(400)
);
req_ok!(
    connect_with_content_length_zero,
    "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nContent-Length: 0\r\n\r\n",
    |s| {
        assert_eq!(s.method, Method::CONNECT);
        assert_eq!(s.body, BodyLength::Empty);
    }
);
req_err!(
    cl_plus,
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\n",
    ParseError::ContentLength,
    Some(400)
);
req_err!(
    cl_minus,
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
    ParseError::ContentLength,
    Some(400)
);
req_err!(
    cl_hex,
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0x10\r\n\r\n",
    ParseError::ContentLength,
    Some(400)
);
req_err!(
    cl_inner_space,
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length:  5 5\r\n\r\n",
    ParseError::ContentLength,
    Some(400)
);
req_err!(
    cl_empty,
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\n",
    ParseError::ContentLength,
    Some(400)
);
req_err!(
    cl_suffix,
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5Z\r\n\r\n",
    ParseError::ContentLength,
    Some(400)
);
req_err!(
    cl_overflow,
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 18446744073709551616\r\n\r\n",
    ParseError::ContentLength,
    Some(400)
);
req_err!(
    cl_differing_lines,
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
    ParseError::ContentLength,
    Some(400)
);
req_err!(
    cl_differing_list,
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 6\r\n\r\n",
    ParseError::ContentLength,
    Some(400)
);

// ===== Field syntax =====

req_err!(
    obs_fold,
    "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n",
    ParseError::HeaderName,
    Some(400)
);
req_err!(
    space_before_colon,
    "GET / HTTP/1.1\r\nHost : x\r\n\r\n",
    ParseError::HeaderName,
    Some(400)
);
req_err!(
    tab_before_colon,
    "GET / HTTP/1.1\r\nHost\t: x\r\n\r\n",
    ParseError::HeaderName,
    Some(400)
);
req_err!(
    nul_in_value,
    "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n",
    ParseError::HeaderValue,
    Some(400)
);
req_err!(
    bare_cr_in_value,
    "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n",
    ParseError::HeaderValue,
    Some(400)
);
req_err!(
    bad_name_token,
    "GET / HTTP/1.1\r\nHost: x\r\nX@A: 1\r\n\r\n",
    ParseError::HeaderName,
    Some(400)
);
req_err!(
    space_before_first_header,
    "GET / HTTP/1.1\r\n Host: x\r\n\r\n",
    ParseError::HeaderName,
    Some(400)
);
req_err!(
    bad_method_token,
    "G(T / HTTP/1.1\r\nHost: x\r\n\r\n",
    ParseError::Method,
    Some(400)
);
req_err!(
    bad_target_char,
    "GET /a\x7fb HTTP/1.1\r\nHost: x\r\n\r\n",
    ParseError::Target,
    Some(400)
);
req_err!(
    double_space_request_line,
    "GET  / HTTP/1.1\r\nHost: x\r\n\r\n",
    ParseError::Target,
    Some(400)
);

// ===== Host =====

req_err!(
    missing_host,
    "GET / HTTP/1.1\r\n\r\n",
    ParseError::MissingHost,
    Some(400)
);
req_err!(
    duplicate_host,
    "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n",
    ParseError::DuplicateHost,
    Some(400)
);
req_err!(
    invalid_host,
    "GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
    ParseError::InvalidHost,
    Some(400)
);
req_err!(
    invalid_host_port,
    "GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n",
    ParseError::InvalidHost,
    Some(400)
);

// ===== Version =====

req_err!(
    version_20,
    "GET / HTTP/2.0\r\nHost: x\r\n\r\n",
    ParseError::UnsupportedVersion,
    Some(505)
);
// HTTP/1.x with x > 1 is served as HTTP/1.1 (RFC 9112 §2.3): only another major is 505.
req_ok!(version_12, "GET /a HTTP/1.2\r\nHost: x\r\n\r\n", |s| {
    assert_eq!(s.version, Version::HTTP_11);
    assert_eq!(s.target, "/a");
    assert!(s.keep_alive);
});
req_ok!(
    version_19_with_body,
    "POST /b HTTP/1.9\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n",
    |s| {
        assert_eq!(s.version, Version::HTTP_11);
        assert_eq!(s.body, BodyLength::Length(2));
        assert!(!s.keep_alive);
    }
);
// Not a version at all: `HTTP/1.1` followed by a stray `0` before the line end.
req_err!(
    version_1_10,
    "GET / HTTP/1.10\r\nHost: x\r\n\r\n",
    ParseError::Syntax,
    Some(400)
);
req_err!(
    version_09,
    "GET / HTTP/0.9\r\nHost: x\r\n\r\n",
    ParseError::UnsupportedVersion,
    Some(505)
);
req_err!(
    version_lowercase,
    "GET / http/1.1\r\nHost: x\r\n\r\n",
    ParseError::Version,
    Some(400)
);
req_err!(
    version_short,
    "GET / HTTP/1\r\nHost: x\r\n\r\n",
    ParseError::Version,
    Some(400)
);
req_err!(
    version_missing,
    "GET /\r\nHost: x\r\n\r\n",
    ParseError::Target,
    Some(400)
);

// ===== Expectations, targets =====

req_err!(
    expect_other,
    "PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nExpect: 200-ok\r\n\r\n",
    ParseError::UnsupportedExpectation,
    Some(417)
);
req_err!(
    target_relative,
    "GET a/b HTTP/1.1\r\nHost: x\r\n\r\n",
    ParseError::Target,
    Some(400)
);
req_err!(
    asterisk_not_options,
    "GET * HTTP/1.1\r\nHost: x\r\n\r\n",
    ParseError::Target,
    Some(400)
);
req_err!(
    connect_origin_form,
    "CONNECT /x HTTP/1.1\r\nHost: x\r\n\r\n",
    ParseError::Target,
    Some(400)
);
req_err!(
    connect_no_port,
    "CONNECT example.com HTTP/1.1\r\nHost: x\r\n\r\n",
    ParseError::Target,
    Some(400)
);

// ===== Limits =====

#[test]
fn too_many_headers_431() {
    let limits = Limits::default().max_headers(3);
    let input = "GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
    let e = err_with(input, limits);
    assert_eq!(e, ParseError::TooManyHeaders);
    assert_eq!(e.status_hint().unwrap().as_u16(), 431);
    // exactly at the limit is fine
    assert!(run(b"GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\n\r\n", limits).is_ok());
}

#[test]
fn head_too_large_431() {
    let limits = Limits::default().max_head_size(128);
    let input = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(200)
    );
    assert_eq!(err_with(&input, limits), ParseError::HeadTooLarge);
    // still incomplete but already too large: refused without waiting for the end
    let mut parser = RequestParser::new(limits);
    let partial = &input.as_bytes()[..150];
    assert_eq!(parser.parse(partial).unwrap_err(), ParseError::HeadTooLarge);
}

#[test]
fn target_too_long_414() {
    let limits = Limits::default().max_target_len(100).max_head_size(1024);
    let input = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(150));
    let e = err_with(&input, limits);
    assert_eq!(e, ParseError::TargetTooLong);
    assert_eq!(e.status_hint().unwrap().as_u16(), 414);
    // incomplete request-line longer than the limit: 414 before the line ends
    let mut parser = RequestParser::new(limits);
    let partial = format!("GET /{}", "a".repeat(300));
    assert_eq!(
        parser.parse(partial.as_bytes()).unwrap_err(),
        ParseError::TargetTooLong
    );
    // a long request-line with a short target but huge headers: 431, not 414
    let input = format!(
        "GET /a HTTP/1.1\r\nHost: x\r\nX: {}\r\n\r\n",
        "b".repeat(2000)
    );
    assert_eq!(err_with(&input, limits), ParseError::HeadTooLarge);
}

#[test]
fn default_limits_take_8000_octet_targets() {
    let input = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(7999));
    let mut parser = RequestParser::new(Limits::default());
    assert!(parser.parse(input.as_bytes()).unwrap().is_some());
}

#[test]
fn declared_body_too_large_413() {
    let limits = Limits::default().max_body_size(Some(10));
    let e = err_with(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n",
        limits,
    );
    assert_eq!(e, ParseError::BodyTooLarge);
    assert_eq!(e.status_hint().unwrap().as_u16(), 413);
    assert!(run(
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n",
        limits
    )
    .is_ok());
}

#[test]
fn headers_view_in_order_case_insensitive() {
    let buf = b"GET /p?q=1 HTTP/1.1\r\nHost: x\r\nAccept: a\r\nACCEPT: b\r\nX-Y: z\r\n\r\n";
    let mut parser = RequestParser::new(Limits::default());
    let req = parser.parse(buf).unwrap().unwrap();
    let all: Vec<(&str, &[u8])> = req.headers().iter().collect();
    assert_eq!(
        all,
        [
            ("Host", &b"x"[..]),
            ("Accept", b"a"),
            ("ACCEPT", b"b"),
            ("X-Y", b"z")
        ]
    );
    assert_eq!(req.headers().get_all("accept").count(), 2);
    assert_eq!(req.headers().get("x-y"), Some(&b"z"[..]));
    assert_eq!(req.headers().get("missing"), None);
    assert_eq!(req.path(), "/p");
    assert_eq!(req.query(), Some("q=1"));
    assert_eq!(req.content_length(), Some(0));
}

#[test]
fn absolute_form_path() {
    let buf = b"GET http://example.com:8080/a/b?c=d HTTP/1.1\r\nHost: x\r\n\r\n";
    let mut parser = RequestParser::new(Limits::default());
    let req = parser.parse(buf).unwrap().unwrap();
    assert_eq!(req.path(), "/a/b");
    assert_eq!(req.query(), Some("c=d"));
    let http = req.to_http().unwrap();
    assert_eq!(http.uri().host(), Some("example.com"));
}

/// A parser remembers the last valid `Host` to skip the grammar check when it repeats;
/// a different value, even of the same length or a prefix of it, is still checked.
#[test]
fn repeated_host_is_still_checked_when_it_changes() {
    let mut parser = RequestParser::new(Limits::default());
    let mut one = |host: &[u8]| {
        let mut req = b"GET / HTTP/1.1\r\nHost: ".to_vec();
        req.extend_from_slice(host);
        req.extend_from_slice(b"\r\n\r\n");
        parser.reset();
        parser.parse(&req).map(|r| r.is_some())
    };
    let long = b"a-very-long-host-name.example.org:8080";
    for (host, valid) in [
        (&b"example.com"[..], true),
        (b"example.com", true),
        (b"exa mple.co", false),
        (b"example.com", true),
        (b"example.co", true),
        (b"example.co/", false),
        (b"", true),
        (b"example.com:80", true),
        (b"example.com:8x", false),
        (long, true),
        (long, true),
        (b"a-very-long-host-name.example.org:80@0", false),
        (b"example.com:80", true),
    ] {
        let got = one(host);
        if valid {
            assert_eq!(got, Ok(true), "{:?}", String::from_utf8_lossy(host));
        } else {
            assert_eq!(
                got,
                Err(ParseError::InvalidHost),
                "{:?}",
                String::from_utf8_lossy(host)
            );
        }
    }
}

#[test]
fn parser_reused_across_messages() {
    let mut parser = RequestParser::new(Limits::default());
    let a = b"GET /a HTTP/1.1\r\nHost: x\r\nX-One: 1\r\n\r\n";
    let b = b"GET /b HTTP/1.1\r\nHost: y\r\n\r\n";
    assert_eq!(parser.parse(a).unwrap().unwrap().headers().len(), 2);
    parser.reset();
    let req = parser.parse(b).unwrap().unwrap();
    assert_eq!(req.path(), "/b");
    assert_eq!(req.headers().len(), 1);
}

#[test]
fn authority_prefers_absolute_target() {
    let cases: &[(&str, Option<&str>)] = &[
        ("GET / HTTP/1.1\r\nHost: h:1\r\n\r\n", Some("h:1")),
        (
            "GET http://a.example/x HTTP/1.1\r\nHost: other\r\n\r\n",
            Some("a.example"),
        ),
        (
            "GET http://u:p@a.example:8/x?y HTTP/1.1\r\nHost: other\r\n\r\n",
            Some("a.example:8"),
        ),
        (
            "CONNECT c.example:443 HTTP/1.1\r\nHost: c.example:443\r\n\r\n",
            Some("c.example:443"),
        ),
        ("GET / HTTP/1.0\r\n\r\n", None),
    ];
    for (input, want) in cases {
        let mut parser = RequestParser::new(Limits::default());
        let req = parser.parse(input.as_bytes()).unwrap().unwrap();
        assert_eq!(req.authority(), *want, "{input:?}");
    }
}

/// A renewed connection state (the next accepted connection) keeps the parser's caches,
/// but a changed `Host` is still checked, and a repeated one still accepted.
#[test]
fn a_renewed_connection_still_checks_the_host() {
    use hyper_proto::{Config, Conn, Server};
    let now = std::time::Instant::now();
    let mut conn = Conn::<Server>::new(Config::default(), now);
    let head = |conn: &mut Conn<Server>, host: &[u8]| {
        let mut req = b"GET / HTTP/1.1\r\nHost: ".to_vec();
        req.extend_from_slice(host);
        req.extend_from_slice(b"\r\n\r\n");
        conn.recv_head(now, &req).map(|n| n.is_some())
    };
    assert!(matches!(head(&mut conn, b"example.com"), Ok(true)));
    for (host, valid) in [
        (&b"example.com"[..], true),
        (b"exa mple.co", false),
        (b"example.com", true),
        (b"example.com:8x", false),
    ] {
        conn.renew(Config::default(), now);
        let got = head(&mut conn, host);
        assert_eq!(
            got.is_ok(),
            valid,
            "{:?}: {got:?}",
            String::from_utf8_lossy(host)
        );
    }
}

// Raw non-ASCII bytes in the request-target (RFC 9112 §3.2 wants them percent-encoded):
// taken when they are UTF-8, as clients send them; refused with 400 when they are not.
req_ok!(
    raw_utf8_target_is_taken,
    "GET /caf\u{e9}?q=\u{2713} HTTP/1.1\r\nHost: x\r\n\r\n",
    |s| {
        assert_eq!(s.target, "/caf\u{e9}?q=\u{2713}");
    }
);

#[test]
fn raw_non_utf8_target_is_refused() {
    for bad in [
        &b"GET /caf\xe9 HTTP/1.1\r\nHost: x\r\n\r\n"[..],
        b"GET /\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n",
    ] {
        let mut p = RequestParser::new(Limits::default());
        let e = p.parse(bad).map(|_| ()).unwrap_err();
        assert_eq!(e.status_hint().map(|s| s.as_u16()), Some(400), "{bad:?}");
    }
}
