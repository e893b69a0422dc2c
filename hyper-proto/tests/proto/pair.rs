//! A deterministic in-memory client/server pair: two `Conn`s wired through byte queues,
//! with a virtual clock and no sockets.

use std::time::{Duration, Instant};

use http::{Method, StatusCode};
use hyper_proto::{
    BodyKind, BodyLength, Client, Config, Conn, Decoder, Error, Interest, Limits, Next, ParseError,
    RequestLine, ResponseParser, Server, UserError,
};

/// What the server saw of a request, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SeenRequest {
    pub(super) method: Method,
    pub(super) path: String,
    pub(super) body: BodyLength,
    pub(super) expects_continue: bool,
}

/// What the client saw of a response, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SeenResponse {
    pub(super) status: u16,
    pub(super) body: BodyLength,
}

pub(super) struct Pair {
    pub(super) now: Instant,
    pub(super) client: Conn<Client>,
    pub(super) server: Conn<Server>,
    /// Written by the client, not yet delivered.
    pub(super) client_out: Vec<u8>,
    /// Delivered to the server, not yet consumed.
    pub(super) server_in: Vec<u8>,
    pub(super) server_out: Vec<u8>,
    pub(super) client_in: Vec<u8>,
    /// Bytes moved per direction per step (1 = split everywhere).
    pub(super) per_step: usize,
    pub(super) client_closed_write: bool,
}

impl Pair {
    pub(super) fn new(per_step: usize) -> Self {
        Self::with_config(per_step, Config::default())
    }

    pub(super) fn with_config(per_step: usize, config: Config) -> Self {
        let now = Instant::now();
        Self {
            now,
            client: Conn::<Client>::new(config, now),
            server: Conn::<Server>::new(config, now),
            client_out: Vec::new(),
            server_in: Vec::new(),
            server_out: Vec::new(),
            client_in: Vec::new(),
            per_step,
            client_closed_write: false,
        }
    }

    /// Moves up to `per_step` bytes each way; returns whether anything moved.
    pub(super) fn step(&mut self) -> bool {
        let n = self.per_step.min(self.client_out.len());
        self.server_in.extend(self.client_out.drain(..n));
        let m = self.per_step.min(self.server_out.len());
        self.client_in.extend(self.server_out.drain(..m));
        n + m > 0
    }

    pub(super) fn advance(&mut self, d: Duration) {
        self.now += d;
    }

    /// Steps until `f` returns `Some`, failing after `max` steps.
    pub(super) fn drive_bounded<T>(
        &mut self,
        max: usize,
        mut f: impl FnMut(&mut Self) -> Option<T>,
    ) -> T {
        for _ in 0..max {
            if let Some(t) = f(self) {
                return t;
            }
            self.step();
        }
        panic!("no progress after {max} steps");
    }

    // ----- client side -----

    pub(super) fn client_request(
        &mut self,
        method: &Method,
        target: &str,
        body: BodyKind,
        expect: bool,
    ) {
        let line = RequestLine {
            method,
            target: target.as_bytes(),
            host: b"test",
        };
        self.client
            .send_request_head(self.now, &line, [], body, expect, &mut self.client_out)
            .unwrap();
    }

    pub(super) fn client_body(&mut self, data: &[u8]) {
        self.client.send_body(data, &mut self.client_out).unwrap();
        self.client.body_written(self.now);
    }

    /// Steps until the client has a final response head (1xx are skipped and counted).
    pub(super) fn client_response(&mut self) -> (SeenResponse, usize) {
        let mut informational = 0;
        self.drive_bounded(100_000, |p| loop {
            let n = p.client.recv_head(p.now, &p.client_in).unwrap()?;
            let res = p.client.response(&p.client_in);
            let seen = SeenResponse {
                status: res.status().as_u16(),
                body: res.body(),
            };
            let info = res.is_informational();
            p.client_in.drain(..n);
            if info {
                informational += 1;
                continue;
            }
            return Some(seen);
        })
        .pipe(|r| (r, informational))
    }

    /// Steps until the client read the whole response body.
    pub(super) fn client_read_body(&mut self) -> Vec<u8> {
        let mut body = Vec::new();
        self.drive_bounded(100_000, |p| {
            loop {
                let step = p.client.recv_body(p.now, &p.client_in).unwrap();
                body.extend_from_slice(step.data);
                let consumed = step.consumed;
                p.client_in.drain(..consumed);
                if consumed == 0 {
                    break;
                }
            }
            (!p.client.is_reading_body()).then_some(())
        });
        body
    }

    // ----- server side -----

    pub(super) fn server_request(&mut self) -> SeenRequest {
        self.drive_bounded(100_000, |p| p.try_server_request().unwrap())
    }

    pub(super) fn try_server_request(&mut self) -> Result<Option<SeenRequest>, Error> {
        let Some(n) = self.server.recv_head(self.now, &self.server_in)? else {
            return Ok(None);
        };
        let req = self.server.request(&self.server_in);
        let seen = SeenRequest {
            method: req.method().clone(),
            path: req.path().to_owned(),
            body: req.body(),
            expects_continue: req.expects_continue(),
        };
        self.server_in.drain(..n);
        Ok(Some(seen))
    }

    /// The handler asks for the body (queues 100-continue when expected).
    pub(super) fn server_next(&mut self, next: Next) -> Result<(), Error> {
        self.server.set_next(self.now, next);
        let r = if next.interest() == Interest::End {
            self.server.end_exchange(self.now, &mut self.server_out)
        } else {
            Ok(())
        };
        self.server.poll_transmit(&mut self.server_out, None);
        r
    }

    pub(super) fn server_read_body(&mut self) -> Vec<u8> {
        self.server_next(Next::read()).unwrap();
        let mut body = Vec::new();
        self.drive_bounded(100_000, |p| {
            loop {
                let step = p.server.recv_body(p.now, &p.server_in).unwrap();
                body.extend_from_slice(step.data);
                let consumed = step.consumed;
                p.server_in.drain(..consumed);
                if consumed == 0 {
                    break;
                }
            }
            (!p.server.is_reading_body()).then_some(())
        });
        body
    }

    /// A response head with no fields of its own.
    pub(super) fn server_head(&mut self, status: StatusCode, kind: BodyKind) -> Result<(), Error> {
        let out = &mut self.server_out;
        self.server
            .send_response_head(self.now, status, [], kind, None, out)
    }

    pub(super) fn server_respond(
        &mut self,
        status: u16,
        kind: BodyKind,
        body: &[u8],
    ) -> Result<(), Error> {
        self.server.send_response_head(
            self.now,
            StatusCode::from_u16(status).unwrap(),
            [(&b"X-Test"[..], &b"1"[..])],
            kind,
            None,
            &mut self.server_out,
        )?;
        if !body.is_empty() {
            self.server.send_body(body, &mut self.server_out)?;
        }
        self.server_next(Next::end())
    }

    pub(super) fn flush(&mut self) {
        while self.step() {}
    }
}

trait Pipe: Sized {
    fn pipe<T>(self, f: impl FnOnce(Self) -> T) -> T {
        f(self)
    }
}
impl<T> Pipe for T {}

fn for_each_delivery(test: impl Fn(usize)) {
    for per_step in [usize::MAX, 7, 1] {
        test(per_step);
    }
}

#[test]
fn keep_alive_three_exchanges() {
    for_each_delivery(|per_step| {
        let mut p = Pair::new(per_step);
        for i in 0..3 {
            let path = format!("/r{i}");
            p.client_request(&Method::GET, &path, BodyKind::Empty, false);
            let req = p.server_request();
            assert_eq!(req.path, path);
            assert_eq!(req.body, BodyLength::Empty);
            let body = format!("response {i}");
            p.server_respond(200, BodyKind::Length(body.len() as u64), body.as_bytes())
                .unwrap();
            assert!(p.server.is_idle(), "server back to idle after exchange {i}");
            let (res, _) = p.client_response();
            assert_eq!(
                res,
                SeenResponse {
                    status: 200,
                    body: BodyLength::Length(body.len() as u64)
                }
            );
            assert_eq!(p.client_read_body(), body.as_bytes());
            assert!(
                p.client.can_send_request(),
                "client reusable after exchange {i}"
            );
        }
        assert_eq!(p.server.exchanges(), 3);
        assert_eq!(p.client.exchanges(), 3);
        assert!(p.server.is_keep_alive() && !p.server.is_closed());
    });
}

#[test]
fn pipelined_ten_answered_in_order() {
    for_each_delivery(|per_step| {
        let mut p = Pair::new(per_step);
        for i in 0..10 {
            let body = if i % 3 == 0 {
                "x".repeat(i)
            } else {
                String::new()
            };
            let req = if body.is_empty() {
                format!("GET /{i} HTTP/1.1\r\nHost: t\r\n\r\n")
            } else {
                format!(
                    "POST /{i} HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                )
            };
            p.client_out.extend_from_slice(req.as_bytes());
        }
        for i in 0..10 {
            let req = p.server_request();
            assert_eq!(req.path, format!("/{i}"));
            // While this exchange is open the next head is not parsed.
            assert!(!p.server.can_read_head() || req.body == BodyLength::Empty);
            let got = if req.body.has_body() {
                p.server_read_body()
            } else {
                Vec::new()
            };
            assert_eq!(got.len(), if i % 3 == 0 { i } else { 0 });
            let body = format!("answer {i}");
            p.server_respond(200, BodyKind::Length(body.len() as u64), body.as_bytes())
                .unwrap();
        }
        p.flush();
        // Read the ten responses with a plain parser: they come in request order.
        let mut parser = ResponseParser::new(Limits::default());
        let mut buf = &p.client_in[..];
        for i in 0..10 {
            let res = parser.parse(buf, &Method::GET).unwrap().unwrap();
            let BodyLength::Length(n) = res.body() else {
                panic!("length body expected")
            };
            let start = res.head_len();
            assert_eq!(
                &buf[start..start + n as usize],
                format!("answer {i}").as_bytes()
            );
            buf = &buf[start + n as usize..];
            parser.reset();
        }
        assert!(buf.is_empty());
    });
}

#[test]
fn expect_continue_when_body_is_read() {
    for_each_delivery(|per_step| {
        let mut p = Pair::new(per_step);
        p.client_request(&Method::PUT, "/up", BodyKind::Length(5), true);
        assert!(!p.client.may_send_body(), "body held back until 100");
        let req = p.server_request();
        assert!(req.expects_continue);
        assert!(
            p.server_out.is_empty(),
            "no 100 before the handler asks for the body"
        );
        p.server_next(Next::read()).unwrap();
        assert_eq!(p.server_out, b"HTTP/1.1 100 Continue\r\n\r\n");
        // Client sees the 100 and releases its body.
        p.drive_bounded(1000, |p| {
            let n = p.client.recv_head(p.now, &p.client_in).unwrap()?;
            assert!(p.client.response(&p.client_in).is_informational());
            p.client_in.drain(..n);
            Some(())
        });
        assert!(p.client.may_send_body());
        p.client_body(b"hello");
        assert_eq!(p.server_read_body(), b"hello");
        p.server_respond(201, BodyKind::Empty, b"").unwrap();
        let (res, informational) = p.client_response();
        assert_eq!(res.status, 201);
        assert_eq!(informational, 0);
        assert!(p.client.can_send_request() && p.server.is_idle());
    });
}

#[test]
fn expect_continue_refused_without_100() {
    let mut p = Pair::new(usize::MAX);
    p.client_request(&Method::PUT, "/big", BodyKind::Length(1 << 30), true);
    let req = p.server_request();
    assert!(req.expects_continue);
    // The handler refuses without reading: no 100, a final status, then close.
    p.server_respond(413, BodyKind::Empty, b"").unwrap();
    assert!(!p.server_out.starts_with(b"HTTP/1.1 100"));
    assert!(
        p.server.is_closed(),
        "unread body: the connection cannot be reused"
    );
    let (res, informational) = p.client_response();
    assert_eq!((res.status, informational), (413, 0));
    assert!(!p.client.may_send_body());
    assert!(!p.client.is_keep_alive());
}

#[test]
fn chunked_both_ways_split_everywhere() {
    for_each_delivery(|per_step| {
        let mut p = Pair::new(per_step);
        p.client_request(&Method::POST, "/echo", BodyKind::Streaming, false);
        let pieces: [&[u8]; 3] = [b"hello ", b"", b"chunked world"];
        for piece in pieces {
            p.client_body(piece);
        }
        p.client
            .finish_body(p.now, [(&b"X-Trailer"[..], &b"yes"[..])], &mut p.client_out)
            .unwrap();
        let req = p.server_request();
        assert_eq!(req.body, BodyLength::Chunked);
        let body = p.server_read_body();
        assert_eq!(body, b"hello chunked world");
        let trailers: Vec<_> = p.server.trailers().collect();
        assert_eq!(trailers, [("X-Trailer", &b"yes"[..])]);
        p.server_head(StatusCode::OK, BodyKind::Streaming).unwrap();
        for piece in body.chunks(4) {
            p.server.send_body(piece, &mut p.server_out).unwrap();
        }
        // Next::end finishes the chunked body itself.
        p.server_next(Next::end()).unwrap();
        assert!(p.server_out.ends_with(b"0\r\n\r\n"));
        let (res, _) = p.client_response();
        assert_eq!(res.body, BodyLength::Chunked);
        assert_eq!(p.client_read_body(), b"hello chunked world");
        assert!(p.client.can_send_request() && p.server.is_idle());
    });
}

#[test]
fn early_eof_in_body() {
    let mut p = Pair::new(usize::MAX);
    p.client_out
        .extend_from_slice(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabcd");
    p.server_request();
    p.server_next(Next::read()).unwrap();
    p.flush();
    let step = p.server.recv_body(p.now, &p.server_in).unwrap();
    assert_eq!(step.data, b"abcd");
    p.server_in.clear();
    p.client_closed_write = true;
    let err = p.server.recv_eof(p.now).unwrap_err();
    assert_eq!(err.parse_error(), Some(ParseError::IncompleteBody));
    assert!(err.is_incomplete());
    // Nothing was answered yet: the client (which may have only half-closed) learns why.
    assert!(p.server.poll_transmit(&mut p.server_out, None));
    assert!(p.server_out.starts_with(b"HTTP/1.1 400 Bad Request\r\n"));
    assert!(p.server.is_closed());
}

#[test]
fn a_malformed_body_after_an_unsent_response_is_answered_400_instead() {
    let mut p = Pair::new(usize::MAX);
    p.client_out.extend_from_slice(
        b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n",
    );
    p.server_request();
    p.server_next(Next::read()).unwrap();
    p.flush();
    // The handler queued its answer before reading on.
    p.server_head(StatusCode::OK, BodyKind::Streaming).unwrap();
    let head_at = 0;
    let mut got = Vec::new();
    let err = loop {
        match p.server.recv_body(p.now, &p.server_in) {
            Ok(step) if step.consumed > 0 => {
                got.extend_from_slice(step.data);
                let n = step.consumed;
                p.server_in.drain(..n);
            }
            Ok(_) => panic!("the bad chunk size should fail"),
            Err(e) => break e,
        }
    };
    assert_eq!(got, b"abc");
    assert_eq!(err.parse_error(), Some(ParseError::ChunkSize));
    assert!(p.server.is_closed());
    // None of the 200 left: the driver drops it and sends the 400 instead.
    assert!(p.server.retract_response());
    p.server_out.truncate(head_at);
    assert!(p.server.poll_transmit(&mut p.server_out, None));
    assert!(p.server_out.starts_with(b"HTTP/1.1 400 Bad Request\r\n"));
    assert!(p.server.is_closed());
    // Only once.
    assert!(!p.server.retract_response());
}

#[test]
fn early_eof_in_head_closes_silently() {
    let mut p = Pair::new(usize::MAX);
    p.client_out.extend_from_slice(b"GET / HTTP/1.1\r\nHo");
    p.flush();
    assert_eq!(p.try_server_request().unwrap(), None);
    let err = p.server.recv_eof(p.now).unwrap_err();
    assert_eq!(err.parse_error(), Some(ParseError::IncompleteHead));
    assert!(!p.server.poll_transmit(&mut p.server_out, None));
    assert!(p.server_out.is_empty() && p.server.is_closed());
}

#[test]
fn eof_between_requests_is_clean() {
    let mut p = Pair::new(usize::MAX);
    assert_eq!(p.server.recv_eof(p.now), Ok(()));
    assert!(p.server.is_closed());
}

#[test]
fn half_close_still_answers() {
    let mut p = Pair::new(usize::MAX);
    p.client_out
        .extend_from_slice(b"GET /last HTTP/1.1\r\nHost: t\r\n\r\n");
    let req = p.server_request();
    assert_eq!(req.path, "/last");
    // The client shut down its sending side after the request.
    p.server.recv_eof(p.now).unwrap();
    assert!(!p.server.is_closed(), "the response may still go out");
    p.server_respond(200, BodyKind::Length(2), b"ok").unwrap();
    assert!(p.server_out.ends_with(b"\r\n\r\nok"));
    assert!(p.server.is_closed(), "closed once the response is written");
}

#[test]
fn smuggling_attempt_answered_400_and_closed() {
    let mut p = Pair::new(usize::MAX);
    p.client_out.extend_from_slice(
        b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: t\r\n\r\n",
    );
    p.flush();
    let err = p.try_server_request().unwrap_err();
    assert_eq!(
        err.parse_error(),
        Some(ParseError::TransferEncodingWithContentLength)
    );
    assert_eq!(err.status_hint(), Some(StatusCode::BAD_REQUEST));
    assert!(p.server.poll_transmit(&mut p.server_out, None));
    assert!(p.server_out.starts_with(b"HTTP/1.1 400 Bad Request\r\n"));
    assert!(p.server_out.windows(17).any(|w| w == b"connection: close"));
    assert!(p.server.is_closed());
    // Nothing after the bad head is ever parsed.
    assert_eq!(p.try_server_request().unwrap(), None);
}

#[test]
fn automatic_statuses() {
    let cases: &[(&[u8], u16)] = &[
        (b"GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505),
        (
            b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: br, chunked\r\n\r\n",
            501,
        ),
        (
            b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: br\r\n\r\n",
            400,
        ),
        (
            b"PUT / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nExpect: x\r\n\r\n",
            417,
        ),
        (b"GET / HTTP/1.1\r\n\r\n", 400),
    ];
    for (input, status) in cases {
        let mut p = Pair::new(usize::MAX);
        p.client_out.extend_from_slice(input);
        p.flush();
        assert!(p.try_server_request().is_err());
        p.server.poll_transmit(&mut p.server_out, None);
        let line = format!("HTTP/1.1 {status} ");
        assert!(
            p.server_out.starts_with(line.as_bytes()),
            "{:?}",
            String::from_utf8_lossy(&p.server_out)
        );
        assert!(p.server.is_closed());
    }
    // Limits: 431 and 414
    let config = Config::default().limits(Limits::default().max_head_size(256).max_target_len(64));
    for (input, status) in [
        (
            format!("GET / HTTP/1.1\r\nHost: t\r\nX: {}\r\n", "a".repeat(300)),
            431,
        ),
        (format!("GET /{} HTTP/1.1\r\n", "a".repeat(100)), 414),
    ] {
        let mut p = Pair::with_config(usize::MAX, config);
        p.client_out.extend_from_slice(input.as_bytes());
        p.flush();
        assert!(p.try_server_request().is_err());
        p.server.poll_transmit(&mut p.server_out, None);
        assert!(p
            .server_out
            .starts_with(format!("HTTP/1.1 {status} ").as_bytes()));
    }
}

#[test]
fn body_too_large_mid_chunked_413() {
    let config = Config::default().limits(Limits::default().max_body_size(Some(4)));
    let mut p = Pair::with_config(usize::MAX, config);
    p.client_out.extend_from_slice(b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n");
    p.server_request();
    p.server_next(Next::read()).unwrap();
    p.flush();
    let first = p.server.recv_body(p.now, &p.server_in).unwrap();
    let n = first.consumed;
    p.server_in.drain(..n);
    let err = p.server.recv_body(p.now, &p.server_in).unwrap_err();
    assert_eq!(err.parse_error(), Some(ParseError::BodyTooLarge));
    p.server.poll_transmit(&mut p.server_out, None);
    assert!(p.server_out.starts_with(b"HTTP/1.1 413 "));
}

#[test]
fn unread_body_closes_instead_of_parsing_it() {
    let mut p = Pair::new(usize::MAX);
    p.client_out.extend_from_slice(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 30\r\n\r\nGET /smuggled HTTP/1.1\r\nH: t\r\n\r\n");
    p.server_request();
    p.server_respond(200, BodyKind::Empty, b"").unwrap();
    assert!(p.server.is_closed());
    assert_eq!(p.try_server_request().unwrap(), None);
}

#[test]
fn head_response_has_no_body() {
    let mut p = Pair::new(usize::MAX);
    p.client_request(&Method::HEAD, "/", BodyKind::Empty, false);
    p.server_request();
    // Same handler code as GET: it writes a body, which is dropped.
    p.server_respond(200, BodyKind::Length(5), b"hello")
        .unwrap();
    assert!(p.server_out.ends_with(b"content-length: 5\r\n\r\n"));
    let (res, _) = p.client_response();
    assert_eq!(res.body, BodyLength::Empty);
    assert!(p.client.can_send_request() && p.server.is_idle());
}

#[test]
fn http10_streaming_is_close_delimited() {
    let mut p = Pair::new(usize::MAX);
    p.client_out.extend_from_slice(b"GET / HTTP/1.0\r\n\r\n");
    p.server_request();
    p.server_head(StatusCode::OK, BodyKind::Streaming).unwrap();
    p.server.send_body(b"streamed", &mut p.server_out).unwrap();
    p.server_next(Next::end()).unwrap();
    assert!(p.server.is_closed());
    let text = String::from_utf8(p.server_out.clone()).unwrap();
    assert!(text.contains("connection: close\r\n") && !text.contains("chunked"));
    assert!(text.ends_with("\r\n\r\nstreamed"));
}

#[test]
fn short_length_body_is_an_error_and_closes() {
    let mut p = Pair::new(usize::MAX);
    p.client_request(&Method::GET, "/", BodyKind::Empty, false);
    p.server_request();
    p.server_head(StatusCode::OK, BodyKind::Length(10)).unwrap();
    p.server.send_body(b"12345", &mut p.server_out).unwrap();
    assert_eq!(
        p.server
            .send_body(b"123456", &mut p.server_out)
            .unwrap_err()
            .user_error(),
        Some(UserError::BodyTooLong)
    );
    let err = p.server_next(Next::end()).unwrap_err();
    assert_eq!(err.user_error(), Some(UserError::BodyTooShort));
    assert!(p.server.is_closed());
}

#[test]
fn connection_close_request_ends_after_response() {
    let mut p = Pair::new(usize::MAX);
    p.client_out.extend_from_slice(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\nGET /next HTTP/1.1\r\nHost: t\r\n\r\n");
    p.server_request();
    p.server_respond(200, BodyKind::Empty, b"").unwrap();
    assert!(p
        .server_out
        .windows(19)
        .any(|w| w == b"connection: close\r\n"));
    assert!(p.server.is_closed());
    assert_eq!(
        p.try_server_request().unwrap(),
        None,
        "no request is processed after close"
    );
}

/// A server that streams its answer while it reads (an echo): the client keeps sending its
/// body after the response head, reads the answer as it comes, and the connection is
/// reusable once both are complete.
#[test]
fn early_success_streams_both_ways() {
    for_each_delivery(|per_step| {
        let mut p = Pair::new(per_step);
        p.client_request(&Method::POST, "/echo", BodyKind::Streaming, false);
        p.client_body(b"first ");
        p.server_request();
        p.server_head(StatusCode::OK, BodyKind::Streaming).unwrap();
        p.server_next(Next::read_and_write()).unwrap();
        let (res, _) = p.client_response();
        assert_eq!(res.status, 200);
        assert!(p.client.is_writing_body(), "the request body goes on");
        p.client_body(b"second");
        p.client.finish_body(p.now, [], &mut p.client_out).unwrap();
        // The server echoes what it reads, then ends.
        let mut echoed = Vec::new();
        p.drive_bounded(100_000, |p| {
            loop {
                let step = p.server.recv_body(p.now, &p.server_in).unwrap();
                let data = step.data.to_vec();
                let consumed = step.consumed;
                p.server_in.drain(..consumed);
                if !data.is_empty() {
                    p.server.send_body(&data, &mut p.server_out).unwrap();
                    echoed.extend_from_slice(&data);
                }
                if consumed == 0 {
                    break;
                }
            }
            (!p.server.is_reading_body()).then_some(())
        });
        p.server.finish_body(p.now, [], &mut p.server_out).unwrap();
        p.server_next(Next::end()).unwrap();
        assert_eq!(echoed, b"first second");
        assert_eq!(p.client_read_body(), b"first second");
        p.client.end_exchange(p.now, &mut p.client_out).unwrap();
        assert!(
            p.client.can_send_request(),
            "both directions complete: reusable"
        );
    });
}

/// An error answered early stops the request body, even on a connection kept open.
#[test]
fn early_error_stops_the_body() {
    let mut p = Pair::new(usize::MAX);
    p.client_request(&Method::POST, "/", BodyKind::Streaming, false);
    p.client_body(b"partial");
    p.server_request();
    p.server_respond(413, BodyKind::Empty, b"").unwrap();
    let (res, _) = p.client_response();
    assert_eq!(res.status, 413);
    assert!(!p.client.is_writing_body());
    assert!(p.client.send_body(b"more", &mut p.client_out).is_err());
}

#[test]
fn client_sees_server_close_and_early_response() {
    let mut p = Pair::new(usize::MAX);
    p.client_request(&Method::POST, "/", BodyKind::Length(100), false);
    p.client_body(b"partial");
    p.server_request();
    p.server_respond(400, BodyKind::Empty, b"").unwrap();
    let (res, _) = p.client_response();
    assert_eq!(res.status, 400);
    assert!(
        !p.client.is_keep_alive(),
        "early final response: not reused"
    );
    assert!(
        p.client.send_body(b"more", &mut p.client_out).is_err(),
        "request body stopped"
    );
}

#[test]
fn client_eof_before_response() {
    let mut p = Pair::new(usize::MAX);
    p.client_request(&Method::GET, "/", BodyKind::Empty, false);
    let err = p.client.recv_eof(p.now).unwrap_err();
    assert_eq!(err.parse_error(), Some(ParseError::IncompleteHead));
}

#[test]
fn client_close_delimited_response() {
    let mut p = Pair::new(usize::MAX);
    p.client_request(&Method::GET, "/", BodyKind::Empty, false);
    p.client_in
        .extend_from_slice(b"HTTP/1.1 200 OK\r\n\r\nall of it");
    let (res, _) = p.client_response();
    assert_eq!(res.body, BodyLength::CloseDelimited);
    let step = p.client.recv_body(p.now, &p.client_in).unwrap();
    assert_eq!(step.data, b"all of it");
    p.client_in.clear();
    p.client.recv_eof(p.now).unwrap();
    assert!(p.client.is_closed());
    let mut dec = Decoder::eof();
    assert!(dec.decode_eof().is_ok());
}

#[test]
fn disable_keep_alive_mid_exchange() {
    let mut p = Pair::new(usize::MAX);
    p.client_request(&Method::GET, "/", BodyKind::Empty, false);
    p.server_request();
    p.server.disable_keep_alive();
    p.server_respond(200, BodyKind::Length(2), b"ok").unwrap();
    assert!(p
        .server_out
        .windows(19)
        .any(|w| w == b"connection: close\r\n"));
    assert!(p.server.is_closed());
    // Between exchanges it closes at once.
    let mut q = Pair::new(usize::MAX);
    q.server.disable_keep_alive();
    assert!(q.server.is_closed());
}

/// A graceful shutdown that catches a request half-way through its head lets it finish:
/// the request is answered, as the last one, instead of the connection closing on it.
#[test]
fn disable_keep_alive_keeps_a_started_head() {
    let head = b"GET /last HTTP/1.1\r\nHost: x\r\n\r\n";
    for split in 1..head.len() {
        let mut p = Pair::new(usize::MAX);
        assert_eq!(p.server.recv_head(p.now, &head[..split]).unwrap(), None);
        p.server.disable_keep_alive();
        assert!(!p.server.is_closed(), "split at {split}");
        p.server_in.extend_from_slice(head);
        let req = p.server_request();
        assert_eq!(req.path, "/last");
        p.server_respond(200, BodyKind::Length(2), b"ok").unwrap();
        assert!(p
            .server_out
            .windows(19)
            .any(|w| w == b"connection: close\r\n"));
        assert!(p.server.is_closed(), "split at {split}");
    }
}
