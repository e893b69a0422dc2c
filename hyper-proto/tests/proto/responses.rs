//! Response heads (client role): framing depends on the request method and the status.

use http::Method;
use hyper_proto::{BodyLength, Limits, ParseError, ResponseParser};

#[derive(Debug, Clone, PartialEq, Eq)]
struct Summary {
    status: u16,
    body: BodyLength,
    keep_alive: bool,
    informational: bool,
    upgrade: bool,
}

fn parse(
    parser: &mut ResponseParser,
    buf: &[u8],
    method: &Method,
) -> Result<Option<Summary>, ParseError> {
    Ok(parser.parse(buf, method)?.map(|r| Summary {
        status: r.status().as_u16(),
        body: r.body(),
        keep_alive: r.keep_alive(),
        informational: r.is_informational(),
        upgrade: r.is_upgrade(),
    }))
}

/// Whole input, byte by byte and every split must agree.
fn run(input: &str, method: &Method) -> Result<Summary, ParseError> {
    let input = input.as_bytes();
    let limits = Limits::default();
    let whole =
        parse(&mut ResponseParser::new(limits), input, method).map(|s| s.expect("complete"));
    let mut parser = ResponseParser::new(limits);
    let mut first = None;
    for end in 0..=input.len() {
        match parse(&mut parser, &input[..end], method) {
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
        "byte by byte: {:?}",
        String::from_utf8_lossy(input)
    );
    for split in 0..input.len() {
        let mut parser = ResponseParser::new(limits);
        let got = match parse(&mut parser, &input[..split], method) {
            Ok(None) => parse(&mut parser, input, method).map(Option::unwrap),
            other => other.map(Option::unwrap),
        };
        assert_eq!(
            got,
            whole,
            "split {split}: {:?}",
            String::from_utf8_lossy(input)
        );
    }
    whole
}

fn s(status: u16, body: BodyLength, keep_alive: bool) -> Summary {
    Summary {
        status,
        body,
        keep_alive,
        informational: false,
        upgrade: false,
    }
}

#[test]
fn framing_table() {
    let get = &Method::GET;
    let cases: &[(&str, &Method, Summary)] = &[
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
            get,
            s(200, BodyLength::Length(5), true),
        ),
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
            get,
            s(200, BodyLength::Empty, true),
        ),
        (
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            get,
            s(200, BodyLength::Chunked, true),
        ),
        // No framing at all: read until close
        (
            "HTTP/1.1 200 OK\r\n\r\n",
            get,
            s(200, BodyLength::CloseDelimited, false),
        ),
        // TE not ending in chunked: read until close
        (
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
            get,
            s(200, BodyLength::CloseDelimited, false),
        ),
        (
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
            get,
            s(200, BodyLength::CloseDelimited, false),
        ),
        // TE and CL: TE wins, the connection is not reused
        (
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
            get,
            s(200, BodyLength::Chunked, false),
        ),
        // No body whatever the headers say
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
            &Method::HEAD,
            s(200, BodyLength::Empty, true),
        ),
        (
            "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n",
            get,
            s(204, BodyLength::Empty, true),
        ),
        (
            "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n",
            get,
            s(304, BodyLength::Empty, true),
        ),
        (
            "HTTP/1.1 100 Continue\r\n\r\n",
            get,
            Summary {
                informational: true,
                ..s(100, BodyLength::Empty, true)
            },
        ),
        (
            "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n",
            get,
            Summary {
                informational: true,
                ..s(103, BodyLength::Empty, true)
            },
        ),
        (
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n",
            get,
            Summary {
                upgrade: true,
                ..s(101, BodyLength::Empty, true)
            },
        ),
        (
            "HTTP/1.1 200 Connection established\r\n\r\n",
            &Method::CONNECT,
            Summary {
                upgrade: true,
                ..s(200, BodyLength::Empty, true)
            },
        ),
        // Persistence
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close\r\n\r\n",
            get,
            s(200, BodyLength::Length(1), false),
        ),
        (
            "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n",
            get,
            s(200, BodyLength::Length(1), false),
        ),
        (
            "HTTP/1.0 200 OK\r\nContent-Length: 1\r\nConnection: keep-alive\r\n\r\n",
            get,
            s(200, BodyLength::Length(1), true),
        ),
        // HTTP/1.0 with chunked: not trusted, read until close
        (
            "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            get,
            s(200, BodyLength::CloseDelimited, false),
        ),
        // Empty reason phrase, or none at all
        (
            "HTTP/1.1 200 \r\nContent-Length: 1\r\n\r\n",
            get,
            s(200, BodyLength::Length(1), true),
        ),
        (
            "HTTP/1.1 599\r\nContent-Length: 1\r\n\r\n",
            get,
            s(599, BodyLength::Length(1), true),
        ),
    ];
    for (input, method, want) in cases {
        assert_eq!(run(input, method).as_ref(), Ok(want), "{input:?}");
    }
}

#[test]
fn errors_table() {
    let cases: &[(&str, ParseError)] = &[
        (
            "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n",
            ParseError::ContentLength,
        ),
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n",
            ParseError::ContentLength,
        ),
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
            ParseError::ContentLength,
        ),
        ("HTTP/1.1 2000 OK\r\n\r\n", ParseError::Status),
        ("HTTP/1.1 099 X\r\n\r\n", ParseError::Status),
        ("HTTP/1.1 abc OK\r\n\r\n", ParseError::Status),
        ("HTTP/2.0 200 OK\r\n\r\n", ParseError::UnsupportedVersion),
        ("HTTP/1.2 200 OK\r\n\r\n", ParseError::UnsupportedVersion),
        ("http/1.1 200 OK\r\n\r\n", ParseError::Version),
        ("HTTP/1.1 200 OK\r\nX: a\0\r\n\r\n", ParseError::HeaderValue),
    ];
    for (input, want) in cases {
        assert_eq!(run(input, &Method::GET), Err(*want), "{input:?}");
        // A client does not answer a server: no status.
        if *want != ParseError::UnsupportedVersion {
            assert!(want.status_hint().is_none() || want.status_hint().unwrap().is_client_error());
        }
    }
}

#[test]
fn head_too_large() {
    let limits = Limits::default().max_head_size(64);
    let mut parser = ResponseParser::new(limits);
    let input = format!("HTTP/1.1 200 OK\r\nX: {}\r\n", "a".repeat(100));
    assert_eq!(
        parser.parse(input.as_bytes(), &Method::GET).unwrap_err(),
        ParseError::HeadTooLarge
    );
}

#[test]
fn view_and_interop() {
    let buf = b"HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\nX-A: 1\r\n\r\nabc";
    let mut parser = ResponseParser::new(Limits::default());
    let res = parser.parse(buf, &Method::GET).unwrap().unwrap();
    assert_eq!(res.reason(), b"Not Found");
    assert_eq!(&buf[res.head_len()..], b"abc");
    let http = res.to_http().unwrap();
    assert_eq!(http.status(), 404);
    assert_eq!(http.headers()["x-a"], "1");
}

#[test]
fn all_lf_heads_are_read_but_a_mix_of_line_ends_is_refused() {
    let get = &Method::GET;
    // Old servers that end every line in LF are still read.
    assert_eq!(
        run("HTTP/1.1 200 OK\nContent-Length: 5\n\n", get),
        Ok(s(200, BodyLength::Length(5), true))
    );
    // A mix is a smuggling shape: refused, at every split.
    for mixed in [
        "HTTP/1.1 200 OK\r\nDummy: x\nContent-Length: 5\r\n\r\n",
        "HTTP/1.1 200 OK\nContent-Length: 5\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\n\n",
    ] {
        assert_eq!(run(mixed, get), Err(ParseError::BareLf), "{mixed:?}");
    }
}
