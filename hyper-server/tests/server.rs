//! Server behaviour over loopback with raw sockets: keep-alive, pipelining, HEAD,
//! 100-continue, automatic answers, timeouts, Control wakeups, panics, Date, shutdown.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use hyper_server::{
    Control, Decoder, Encoder, Handler, Listening, Next, Request, Response, Server, StatusCode,
};

type T = hyper_server::TcpStream;

/// Picks its behaviour from the request path.
struct TestHandler {
    ctrl: Control,
    path: String,
    body: Vec<u8>,
    pos: usize,
    received: usize,
}

impl TestHandler {
    fn new(ctrl: Control) -> Self {
        Self {
            ctrl,
            path: String::new(),
            body: Vec::new(),
            pos: 0,
            received: 0,
        }
    }
}

impl Handler<T> for TestHandler {
    fn on_request(&mut self, req: Request<'_>) -> Next {
        self.path = req.path().to_owned();
        match self.path.as_str() {
            "/panic-request" => panic!("handler bug in on_request"),
            // Answers before it reads the body (as a streaming echo does).
            "/answer-first" => Next::write(),
            "/slow-body" => Next::read().timeout(Duration::from_millis(100)),
            "/wait" => {
                let ctrl = self.ctrl.clone();
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis(30));
                    ctrl.ready(Next::write()).unwrap();
                });
                Next::wait().timeout(Duration::from_secs(5))
            }
            "/wait-forever" => Next::wait().timeout(Duration::from_millis(100)),
            "/wait-then-read" => {
                let ctrl = self.ctrl.clone();
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis(60));
                    ctrl.ready(Next::read()).unwrap();
                });
                Next::wait()
            }
            "/sleep" => {
                let ctrl = self.ctrl.clone();
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis(300));
                    let _ = ctrl.ready(Next::write());
                });
                Next::wait()
            }
            _ if req.has_body() => Next::read(),
            _ => Next::write(),
        }
    }

    fn on_request_readable(&mut self, decoder: &mut Decoder<'_, '_, T>) -> Next {
        let mut buf = [0u8; 4096];
        loop {
            match decoder.read(&mut buf) {
                Ok(0) if self.path == "/answer-first" => return Next::end(),
                Ok(0) => return Next::write(),
                Ok(n) => self.received += n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    return if self.path == "/slow-body" {
                        Next::read().timeout(Duration::from_millis(100))
                    } else {
                        Next::read()
                    };
                }
                Err(_) => return Next::remove(),
            }
        }
    }

    fn on_response(&mut self, res: &mut Response) -> Next {
        self.body = match self.path.as_str() {
            "/chunked" => {
                res.set_chunked();
                b"abcabcabc".to_vec()
            }
            "/wait" => b"woken".to_vec(),
            "/big" => vec![b'x'; 32 << 20],
            "/sleep" => b"slept".to_vec(),
            "/echo-len" | "/wait-then-read" => format!("{}", self.received).into_bytes(),
            "/empty" => return Next::end(),
            "/teapot" => {
                res.set_status(StatusCode::IM_A_TEAPOT);
                b"short and stout".to_vec()
            }
            _ => format!("hello {}", self.path).into_bytes(),
        };
        if self.path != "/chunked" {
            res.set_content_length(self.body.len() as u64);
        }
        res.set_header("X-Path", self.path.clone()).unwrap();
        Next::write()
    }

    fn on_response_writable(&mut self, encoder: &mut Encoder<'_, '_, T>) -> Next {
        if self.path == "/panic-body" {
            panic!("handler bug while writing");
        }
        while self.pos < self.body.len() {
            // Write the chunked one in pieces, so it has several chunks.
            let end = if self.path == "/chunked" {
                (self.pos + 3).min(self.body.len())
            } else {
                self.body.len()
            };
            match encoder.write(&self.body[self.pos..end]) {
                Ok(n) => self.pos += n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Next::write(),
                Err(_) => return Next::remove(),
            }
        }
        if self.path == "/answer-first" {
            return Next::read();
        }
        Next::end()
    }
}

fn start(server: Server) -> Listening {
    server.handle(TestHandler::new).unwrap()
}

fn server() -> Server {
    Server::http("127.0.0.1:0").unwrap()
}

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

/// A parsed response: status, headers (lowercased names), body.
#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads one response from a stream that may hold more after it (`buf` keeps leftovers).
fn read_response(s: &mut TcpStream, buf: &mut Vec<u8>, head_request: bool) -> Option<Resp> {
    let mut tmp = [0u8; 8192];
    let mut parser = hyper_proto::ResponseParser::new(hyper_proto::Limits::default());
    let method = if head_request {
        http::Method::HEAD
    } else {
        http::Method::GET
    };
    let (status, headers, kind, head_len) = loop {
        if let Some(res) = parser.parse(buf, &method).unwrap() {
            let headers = res
                .headers()
                .iter()
                .map(|(n, v)| {
                    (
                        n.to_ascii_lowercase(),
                        String::from_utf8_lossy(v).into_owned(),
                    )
                })
                .collect::<Vec<_>>();
            break (res.status().as_u16(), headers, res.body(), res.head_len());
        }
        let n = s.read(&mut tmp).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&tmp[..n]);
    };
    buf.drain(..head_len);
    let mut dec = hyper_proto::Decoder::new(kind, &hyper_proto::Limits::default());
    let mut body = Vec::new();
    loop {
        let step = dec.decode(buf).unwrap();
        body.extend_from_slice(step.data);
        let c = step.consumed;
        buf.drain(..c);
        if dec.is_done() {
            break;
        }
        if c == 0 {
            let n = s.read(&mut tmp).unwrap();
            if n == 0 {
                dec.decode_eof().unwrap();
                break;
            }
            buf.extend_from_slice(&tmp[..n]);
        }
    }
    Some(Resp {
        status,
        headers,
        body,
    })
}

fn get(s: &mut TcpStream, path: &str) -> Resp {
    write!(s, "GET {path} HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    read_response(s, &mut Vec::new(), false).expect("a response")
}

fn assert_closed(s: &mut TcpStream) {
    let mut b = [0u8; 1];
    match s.read(&mut b) {
        Ok(0) => {}
        Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
        other => panic!("connection should be closed, got {other:?}"),
    }
}

#[test]
fn keep_alive_and_pipelining_in_order() {
    let srv = start(server());
    let mut s = connect(srv.addr());
    let mut batch = String::new();
    for i in 0..10 {
        batch.push_str(&format!("GET /p{i} HTTP/1.1\r\nHost: t\r\n\r\n"));
    }
    s.write_all(batch.as_bytes()).unwrap();
    let mut buf = Vec::new();
    for i in 0..10 {
        let r = read_response(&mut s, &mut buf, false).unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.body, format!("hello /p{i}").as_bytes());
        assert!(r.header("date").is_some(), "Date header on every response");
    }
    // The same connection serves more.
    assert_eq!(get(&mut s, "/again").body, b"hello /again");
    srv.close().unwrap();
}

/// Requests arriving a few bytes at a time, each piece its own readiness event: the loop
/// takes a read that did not fill its buffer as proof the socket is empty until the next
/// event, and this shows no byte is left behind by that (nor by a body sent in pieces, nor
/// by an end of stream that follows the last request).
#[test]
fn trickled_requests_and_half_close() {
    let srv = start(server());
    let mut s = connect(srv.addr());
    s.set_nodelay(true).unwrap();
    let mut buf = Vec::new();
    for i in 0..3 {
        let req =
            format!("POST /echo{i} HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n0123456789");
        for piece in req.as_bytes().chunks(7) {
            s.write_all(piece).unwrap();
            std::thread::sleep(Duration::from_millis(2));
        }
        let r = read_response(&mut s, &mut buf, false).unwrap();
        assert_eq!(r.status, 200);
    }
    // The last request and the end of the stream together: answered, then closed.
    s.write_all(b"GET /last HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    s.shutdown(std::net::Shutdown::Write).unwrap();
    let r = read_response(&mut s, &mut buf, false).unwrap();
    assert_eq!(r.body, b"hello /last");
    assert_closed(&mut s);
    srv.close().unwrap();
}

/// Closed connections' states are reused for new ones (no allocation per accept), and the
/// response fields are one buffer per loop: nothing of an earlier connection or request may
/// show through, whatever way it ended.
#[test]
fn reused_connection_state_starts_clean() {
    let srv = start(server().threads(1));
    let addr = srv.addr();
    for round in 0..3 {
        // Ends with a refused request.
        let mut s = connect(addr);
        s.write_all(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
            .unwrap();
        assert_eq!(
            read_response(&mut s, &mut Vec::new(), false)
                .unwrap()
                .status,
            400
        );
        assert_closed(&mut s);
        // Ends by HTTP/1.0 rules.
        let mut s = connect(addr);
        s.write_all(b"GET /old HTTP/1.0\r\n\r\n").unwrap();
        let r = read_response(&mut s, &mut Vec::new(), false).unwrap();
        assert_eq!(r.header("x-path"), Some("/old"));
        assert_closed(&mut s);
        // Ends in the middle of a head.
        let mut s = connect(addr);
        s.write_all(b"GET /cut HTTP/1.1\r\nHo").unwrap();
        drop(s);
        // A fresh connection behaves as new: keep-alive, its own fields only.
        let mut s = connect(addr);
        for i in 0..2 {
            let path = format!("/r{round}-{i}");
            let r = get(&mut s, &path);
            assert_eq!(r.status, 200);
            assert_eq!(r.header("x-path"), Some(path.as_str()));
            assert_eq!(r.headers.iter().filter(|(n, _)| n == "x-path").count(), 1);
            assert_eq!(r.header("connection"), None, "keep-alive is the default");
        }
    }
    srv.close().unwrap();
}

#[test]
fn bodies_both_ways() {
    let srv = start(server());
    let mut s = connect(srv.addr());
    s.write_all(b"POST /echo-len HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n").unwrap();
    let r = read_response(&mut s, &mut Vec::new(), false).unwrap();
    assert_eq!(r.body, b"11");
    s.write_all(b"POST /echo-len HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc")
        .unwrap();
    assert_eq!(
        read_response(&mut s, &mut Vec::new(), false).unwrap().body,
        b"3"
    );
    let r = get(&mut s, "/chunked");
    assert_eq!(r.header("transfer-encoding"), Some("chunked"));
    assert_eq!(r.body, b"abcabcabc");
    let r = get(&mut s, "/empty");
    assert_eq!((r.status, r.header("content-length")), (200, Some("0")));
    let r = get(&mut s, "/teapot");
    assert_eq!(
        (r.status, r.body.as_slice()),
        (418, &b"short and stout"[..])
    );
    srv.close().unwrap();
}

#[test]
fn head_has_no_body_and_keeps_the_connection() {
    let srv = start(server());
    let mut s = connect(srv.addr());
    s.write_all(b"HEAD /x HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    let mut buf = Vec::new();
    let r = read_response(&mut s, &mut buf, true).unwrap();
    assert_eq!(r.header("content-length"), Some("8"));
    assert!(r.body.is_empty() && buf.is_empty());
    assert_eq!(get(&mut s, "/after-head").body, b"hello /after-head");
    srv.close().unwrap();
}

#[test]
fn expect_continue_only_when_reading() {
    let srv = start(server());
    let mut s = connect(srv.addr());
    s.write_all(
        b"POST /echo-len HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n",
    )
    .unwrap();
    let mut got = [0u8; 25];
    s.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"HTTP/1.1 100 Continue\r\n\r\n");
    s.write_all(b"data").unwrap();
    let r = read_response(&mut s, &mut Vec::new(), false).unwrap();
    assert_eq!((r.status, r.body.as_slice()), (200, &b"4"[..]));
    srv.close().unwrap();
}

#[test]
fn bad_requests_answered_and_closed() {
    let srv = start(server());
    let cases: &[(&[u8], u16)] = &[
        (b"GET / HTTP/1.1\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        (b"GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505),
        (b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: zstd, chunked\r\n\r\n", 501),
        (b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: zstd\r\n\r\n", 400),
        (b"GET / HTTP/1.2\r\nHost: t\r\nConnection: close\r\n\r\n", 200),
        (b"PUT / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nExpect: magic\r\n\r\n", 417),
    ];
    for (input, status) in cases {
        let mut s = connect(srv.addr());
        s.write_all(input).unwrap();
        let r = read_response(&mut s, &mut Vec::new(), false).unwrap();
        assert_eq!(r.status, *status, "{:?}", String::from_utf8_lossy(input));
        assert_eq!(r.header("connection"), Some("close"));
        assert_closed(&mut s);
    }
    let mut s = connect(srv.addr());
    let long = format!("GET /{} HTTP/1.1\r\nHost: t\r\n\r\n", "a".repeat(10_000));
    s.write_all(long.as_bytes()).unwrap();
    assert_eq!(
        read_response(&mut s, &mut Vec::new(), false)
            .unwrap()
            .status,
        414
    );
    let mut s = connect(srv.addr());
    let big = format!(
        "GET / HTTP/1.1\r\nHost: t\r\nX: {}\r\n\r\n",
        "a".repeat(20_000)
    );
    let _ = s.write_all(big.as_bytes());
    assert_eq!(
        read_response(&mut s, &mut Vec::new(), false)
            .unwrap()
            .status,
        431
    );
    srv.close().unwrap();
}

#[test]
fn a_stalled_body_or_reader_ends_by_the_server_timeouts() {
    // The handler's `Next::read()` has no timeout: the server's body timeout applies.
    let srv = start(server().body_timeout(Some(Duration::from_millis(150))));
    let mut s = connect(srv.addr());
    s.write_all(b"POST /any HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nab")
        .unwrap();
    let t0 = Instant::now();
    let r = read_response(&mut s, &mut Vec::new(), false).unwrap();
    assert_eq!(r.status, 408);
    assert!(t0.elapsed() >= Duration::from_millis(100));
    assert_closed(&mut s);
    srv.close().unwrap();
    // A client that never reads a large response: the send timeout closes it.
    let srv = start(server().send_timeout(Some(Duration::from_millis(150))));
    let mut s = connect(srv.addr());
    s.write_all(b"GET /big HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(600));
    // Whatever was sent before the timeout, the connection ends; reading drains it.
    let mut sink = Vec::new();
    let t0 = Instant::now();
    let _ = s.read_to_end(&mut sink);
    assert!(
        t0.elapsed() < Duration::from_secs(5),
        "the connection was not closed"
    );
    assert!(
        sink.len() < 32 << 20,
        "the whole body went out: {}",
        sink.len()
    );
    srv.close().unwrap();
}

#[test]
fn a_malformed_body_before_the_answer_left_gets_400() {
    let srv = start(server());
    // The handler queued a 200 head and body; the bad chunk arrives in the same turn: none
    // of the 200 has left, so the client gets the 400 alone.
    let mut s = connect(srv.addr());
    s.write_all(
        b"POST /answer-first HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n",
    )
    .unwrap();
    let mut all = Vec::new();
    let _ = s.read_to_end(&mut all);
    let all = String::from_utf8_lossy(&all);
    assert!(all.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{all}");
    assert_eq!(all.matches("HTTP/1.1 ").count(), 1, "{all}");
    // A sized body cut short by the client's end of stream: 400 too.
    let mut s = connect(srv.addr());
    s.write_all(b"POST /any HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabcd")
        .unwrap();
    s.shutdown(std::net::Shutdown::Write).unwrap();
    let r = read_response(&mut s, &mut Vec::new(), false).unwrap();
    assert_eq!(r.status, 400);
    assert_closed(&mut s);
    srv.close().unwrap();
}

#[test]
fn handler_timeout_answers_408() {
    let srv = start(server());
    let mut s = connect(srv.addr());
    s.write_all(b"POST /slow-body HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nab")
        .unwrap();
    let r = read_response(&mut s, &mut Vec::new(), false).unwrap();
    assert_eq!(r.status, 408);
    assert_closed(&mut s);
    let mut s = connect(srv.addr());
    let r = get(&mut s, "/wait-forever");
    assert_eq!(r.status, 408);
    srv.close().unwrap();
}

#[test]
fn header_read_timeout_answers_408() {
    let srv = start(server().header_read_timeout(Some(Duration::from_millis(150))));
    let mut s = connect(srv.addr());
    s.write_all(b"GET / HTTP/1.1\r\nHost").unwrap();
    let t0 = Instant::now();
    let r = read_response(&mut s, &mut Vec::new(), false).unwrap();
    assert_eq!(r.status, 408);
    assert!(t0.elapsed() >= Duration::from_millis(100));
    srv.close().unwrap();
}

#[test]
fn idle_timeout_closes_quietly() {
    let srv = start(server().idle_timeout(Some(Duration::from_millis(100))));
    let mut s = connect(srv.addr());
    assert_eq!(get(&mut s, "/x").status, 200);
    let mut b = [0u8; 1];
    assert_eq!(s.read(&mut b).unwrap(), 0, "closed without a response");
    srv.close().unwrap();
}

#[test]
fn control_wakes_a_waiting_handler() {
    let srv = start(server());
    let mut s = connect(srv.addr());
    let t0 = Instant::now();
    let r = get(&mut s, "/wait");
    assert_eq!(r.body, b"woken");
    assert!(t0.elapsed() >= Duration::from_millis(30));
    // Meanwhile the loop kept serving others: many waits at once finish together.
    let addr = srv.addr();
    let t0 = Instant::now();
    let threads: Vec<_> = (0..20)
        .map(|_| std::thread::spawn(move || get(&mut connect(addr), "/wait").body))
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), b"woken");
    }
    assert!(
        t0.elapsed() < Duration::from_secs(3),
        "waits were serialised"
    );
    srv.close().unwrap();
}

/// A handler that waits before reading the body: body bytes that arrive during the wait
/// (some before it, some after) are all read once a `Control` wakes it to read, and the
/// connection serves the next request.
#[test]
fn body_arriving_during_a_wait_is_read_after_the_wake() {
    let srv = start(server());
    let mut s = connect(srv.addr());
    s.set_nodelay(true).unwrap();
    let mut buf = Vec::new();
    for _ in 0..3 {
        s.write_all(b"POST /wait-then-read HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n0123")
            .unwrap();
        std::thread::sleep(Duration::from_millis(20));
        s.write_all(b"456789").unwrap();
        let r = read_response(&mut s, &mut buf, false).unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.body, b"10");
    }
    assert_eq!(get(&mut s, "/after").body, b"hello /after");
    srv.close().unwrap();
}

#[test]
fn panics_lose_only_their_connection() {
    let srv = start(server());
    let mut s = connect(srv.addr());
    let r = get(&mut s, "/panic-request");
    assert_eq!(r.status, 500);
    assert_closed(&mut s);
    let mut s = connect(srv.addr());
    write!(s, "GET /panic-body HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    let mut all = Vec::new();
    let _ = s.read_to_end(&mut all);
    assert!(
        all.starts_with(b"HTTP/1.1 200 OK"),
        "head went out before the panic"
    );
    // The loop survived both.
    let mut s = connect(srv.addr());
    assert_eq!(get(&mut s, "/fine").status, 200);
    srv.close().unwrap();
}

#[test]
fn http10_and_connection_close() {
    let srv = start(server());
    let mut s = connect(srv.addr());
    s.write_all(b"GET /old HTTP/1.0\r\n\r\n").unwrap();
    let r = read_response(&mut s, &mut Vec::new(), false).unwrap();
    assert_eq!(r.header("connection"), Some("close"));
    assert_closed(&mut s);
    let mut s = connect(srv.addr());
    s.write_all(b"GET /ka HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        .unwrap();
    let r = read_response(&mut s, &mut Vec::new(), false).unwrap();
    assert_eq!(r.header("connection"), Some("keep-alive"));
    assert_eq!(get(&mut s, "/second").status, 200);
    let mut s = connect(srv.addr());
    s.write_all(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .unwrap();
    let r = read_response(&mut s, &mut Vec::new(), false).unwrap();
    assert_eq!(r.header("connection"), Some("close"));
    assert_closed(&mut s);
    srv.close().unwrap();
}

#[test]
fn graceful_shutdown_finishes_in_flight() {
    let srv = start(server().threads(2));
    let addr = srv.addr();
    let busy = std::thread::spawn(move || get(&mut connect(addr), "/sleep"));
    std::thread::sleep(Duration::from_millis(100));
    let t0 = Instant::now();
    srv.shutdown(Duration::from_secs(5)).unwrap();
    let r = busy.join().unwrap();
    assert_eq!(r.body, b"slept");
    assert_eq!(
        r.header("connection"),
        Some("close"),
        "the last response says close"
    );
    assert!(t0.elapsed() < Duration::from_secs(4));
    assert!(TcpStream::connect(addr).is_err(), "stopped accepting");
}

/// Leaves HTTP after the request head: `Next::remove()` hands the socket to `on_remove`,
/// which keeps it and speaks its own protocol on it from another thread.
struct TakeOver;

impl Handler<T> for TakeOver {
    fn on_request(&mut self, _: Request<'_>) -> Next {
        Next::remove()
    }
    fn on_request_readable(&mut self, _: &mut Decoder<'_, '_, T>) -> Next {
        Next::remove()
    }
    fn on_response(&mut self, _: &mut Response) -> Next {
        Next::remove()
    }
    fn on_response_writable(&mut self, _: &mut Encoder<'_, '_, T>) -> Next {
        Next::remove()
    }
    fn on_remove(self, transport: T) {
        let mut socket: TcpStream = transport.into();
        std::thread::spawn(move || {
            socket.set_nonblocking(false).unwrap();
            let mut b = [0u8; 4];
            socket.read_exact(&mut b).unwrap();
            socket.write_all(b"took ").unwrap();
            socket.write_all(&b).unwrap();
        });
    }
}

#[test]
fn a_handler_can_keep_the_socket_in_on_remove() {
    let listening = Server::http("127.0.0.1:0")
        .unwrap()
        .handle(|_| TakeOver)
        .unwrap();
    let mut s = connect(listening.addrs()[0]);
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    // The loop lets go of the socket without closing it; the handler's thread owns it.
    std::thread::sleep(Duration::from_millis(50));
    s.write_all(b"ping").unwrap();
    let mut got = Vec::new();
    s.read_to_end(&mut got).unwrap();
    assert_eq!(got, b"took ping");
    listening.close().unwrap();
}
