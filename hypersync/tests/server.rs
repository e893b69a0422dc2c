//! hypersync's server over loopback: 0.10's rules kept, 0.10's bugs fixed.

#![allow(elided_lifetimes_in_paths)]

mod common;
use common::{roundtrip, statuses};

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hypersync::header::{Connection, ContentLength, Headers};
use hypersync::method::Method;
use hypersync::server::{Handler, Listening, Request, Response, Server};
use hypersync::status::StatusCode;
use hypersync::uri::RequestUri;

fn serve<H: Handler + 'static>(h: H, threads: usize) -> Listening {
    Server::http("127.0.0.1:0")
        .unwrap()
        .handle_threads(h, threads)
        .unwrap()
}

fn router(mut req: Request, mut res: Response) {
    let path = match req.uri {
        RequestUri::AbsolutePath(ref p) => p.clone(),
        _ => String::new(),
    };
    match &path[..] {
        "/hello" => res.send(b"hello").unwrap(),
        "/stream" => {
            let mut res = res.start().unwrap();
            res.write_all(b"part one, ").unwrap();
            res.write_all(b"part two").unwrap();
            res.end().unwrap();
        }
        "/read" => {
            let mut body = Vec::new();
            req.read_to_end(&mut body).unwrap();
            res.send(format!("got {}", body.len()).as_bytes()).unwrap();
        }
        "/echo" => {
            let mut res = res.start().unwrap();
            std::io::copy(&mut req, &mut res).unwrap();
        }
        "/close" => {
            res.headers_mut().set(Connection::close());
            res.send(b"bye").unwrap();
        }
        "/addr" => res.send(req.remote_addr.to_string().as_bytes()).unwrap(),
        "/panic" => panic!("on purpose"),
        "/length-then-drop" => {
            res.headers_mut().set(ContentLength(10));
        }
        _ => *res.status_mut() = StatusCode::NotFound,
    }
}

#[test]
fn a_dropped_response_is_sent_empty_and_a_panic_is_500() {
    let mut l = serve(router, 2);
    let out = roundtrip(
        l.socket,
        b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n\
          GET /length-then-drop HTTP/1.1\r\nHost: x\r\n\r\n\
          GET /panic HTTP/1.1\r\nHost: x\r\n\r\n\
          GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(
        statuses(&out),
        [
            "HTTP/1.1 404 Not Found",
            "HTTP/1.1 200 OK",
            "HTTP/1.1 500 Internal Server Error",
            "HTTP/1.1 200 OK"
        ],
        "{out}"
    );
    // A dropped response never promises a body it does not send (0.10 kept the length).
    assert_eq!(out.matches("Content-Length: 0\r\n").count(), 3, "{out}");
    assert!(out.ends_with("\r\n\r\nhello"), "{out}");
    // The worker that ran the panicking handler still works.
    assert!(roundtrip(l.socket, b"GET /hello HTTP/1.0\r\n\r\n").ends_with("hello"));
    l.close().unwrap();
}

#[test]
fn head_gets_no_body_and_http10_gets_no_chunks() {
    let mut l = serve(router, 1);
    let out = roundtrip(
        l.socket,
        b"HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\nHEAD /stream HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(statuses(&out).len(), 3, "{out}");
    // Only the GET carries a body; the HEAD answers frame nothing (0.10 sent `0\r\n\r\n`).
    assert_eq!(out.matches("hello").count(), 1, "{out}");
    assert!(!out.contains("\r\n0\r\n"), "{out}");
    let out = roundtrip(l.socket, b"GET /stream HTTP/1.0\r\n\r\n");
    assert!(!out.contains("chunked"), "{out}");
    assert!(out.ends_with("\r\n\r\npart one, part two"), "{out}");
    l.close().unwrap();
}

#[test]
fn an_unread_body_never_becomes_the_next_request() {
    let mut l = serve(router, 1);
    // 0.10 parsed `helloGET` as the next request's method.
    let out = roundtrip(
        l.socket,
        b"POST /nope HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello\
          GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(
        statuses(&out),
        ["HTTP/1.1 404 Not Found", "HTTP/1.1 200 OK"],
        "{out}"
    );
    // A chunked body left unread is dropped just as well.
    let out = roundtrip(
        l.socket,
        b"POST /hello HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n\
          GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(
        statuses(&out),
        ["HTTP/1.1 200 OK", "HTTP/1.1 200 OK"],
        "{out}"
    );
    l.close().unwrap();
}

#[test]
fn a_malformed_body_gets_400_even_after_the_response_started() {
    let mut l = serve(router, 1);
    // The handler reads first: the automatic answer, not a 500.
    let out = roundtrip(
        l.socket,
        b"POST /read HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n",
    );
    assert!(out.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{out}");
    // The handler started its answer (head queued, not yet written) and then reads: the
    // queued 200 is dropped and the 400 goes out alone.
    let out = roundtrip(
        l.socket,
        b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n",
    );
    assert!(out.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{out}");
    assert_eq!(statuses(&out).len(), 1, "{out}");
    l.close().unwrap();
}

#[test]
fn bad_heads_get_a_status_not_a_silent_close() {
    let mut l = serve(router, 1);
    let cases: &[(&[u8], &str)] = &[
        (b"GARBAGE\r\n\r\n", "HTTP/1.1 400 Bad Request"),
        (
            b"GET / HTTP/2.0\r\nHost: x\r\n\r\n",
            "HTTP/1.1 505 HTTP Version Not Supported",
        ),
        (b"GET / HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request"),
        (
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "HTTP/1.1 400 Bad Request",
        ),
    ];
    for (raw, want) in cases {
        let out = roundtrip(l.socket, raw);
        assert!(
            out.starts_with(want),
            "{:?}: {out}",
            String::from_utf8_lossy(raw)
        );
    }
    l.close().unwrap();
}

#[test]
fn keep_alive_connection_close_and_remote_addr() {
    let mut l = serve(router, 1);
    let mut s = TcpStream::connect(l.socket).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    let me = s.local_addr().unwrap();
    s.write_all(b"GET /addr HTTP/1.1\r\nHost: x\r\n\r\nGET /close HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    assert!(out.contains(&me.to_string()), "{out}");
    // The handler's `Connection: close` ends the connection after its response.
    assert_eq!(statuses(&out).len(), 2, "{out}");
    assert!(out.ends_with("bye"), "{out}");
    l.close().unwrap();

    let mut server = Server::http("127.0.0.1:0").unwrap();
    server.keep_alive(None);
    let mut l = server.handle_threads(router, 1).unwrap();
    let out = roundtrip(
        l.socket,
        b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    assert_eq!(statuses(&out).len(), 1, "{out}");
    assert!(out.contains("Connection: close\r\n"), "{out}");
    l.close().unwrap();
}

struct Picky {
    calls: AtomicUsize,
}

impl Handler for Picky {
    fn handle(&self, req: Request, res: Response) {
        self.calls.fetch_add(1, Ordering::SeqCst);
        router(req, res)
    }

    fn check_continue(&self, (method, _, headers): (&Method, &RequestUri, &Headers)) -> StatusCode {
        match headers.get::<ContentLength>() {
            Some(&ContentLength(n)) if *method == Method::Post && n > 100 => {
                StatusCode::ExpectationFailed
            }
            _ => StatusCode::Continue,
        }
    }
}

#[test]
fn expect_continue_goes_through_check_continue() {
    let picky = Arc::new(Picky {
        calls: AtomicUsize::new(0),
    });
    struct Shared(Arc<Picky>);
    impl Handler for Shared {
        fn handle(&self, req: Request, res: Response) {
            self.0.handle(req, res)
        }
        fn check_continue(&self, head: (&Method, &RequestUri, &Headers)) -> StatusCode {
            self.0.check_continue(head)
        }
    }
    let mut l = serve(Shared(picky.clone()), 1);
    // Accepted: `100 Continue` goes out when the handler reads, then the answer.
    let mut s = TcpStream::connect(l.socket).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    s.write_all(
        b"POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n",
    )
    .unwrap();
    let mut buf = [0u8; 256];
    let n = s.read(&mut buf).unwrap();
    assert!(
        buf[..n].starts_with(b"HTTP/1.1 100 Continue\r\n\r\n"),
        "{}",
        String::from_utf8_lossy(&buf[..n])
    );
    s.write_all(b"abcd").unwrap();
    let mut out = String::from_utf8_lossy(&buf[..n]).into_owned();
    while !out.ends_with("got 4") {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "{out}");
        out.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    // Refused: the status goes out, the handler is not called, the connection closes.
    let out = roundtrip(
        l.socket,
        b"POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n\r\n",
    );
    assert!(
        out.starts_with("HTTP/1.1 417 Expectation Failed\r\n"),
        "{out}"
    );
    assert_eq!(picky.calls.load(Ordering::SeqCst), 1);
    l.close().unwrap();
}

#[test]
fn large_bodies_stream_both_ways_byte_exact() {
    let mut l = serve(router, 2);
    let body: Vec<u8> = (0..8 * 1024 * 1024u32)
        .map(|i| (i * 7 % 251) as u8)
        .collect();
    let mut s = TcpStream::connect(l.socket).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let head = format!(
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let mut w = s.try_clone().unwrap();
    let sent = body.clone();
    let writer = std::thread::spawn(move || {
        w.write_all(head.as_bytes()).unwrap();
        w.write_all(&sent).unwrap();
    });
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    writer.join().unwrap();
    let head_end = out.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    // Chunked: take the chunks apart.
    let mut rest = &out[head_end..];
    let mut got = Vec::new();
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&rest[..line_end]).unwrap(), 16).unwrap();
        rest = &rest[line_end + 2..];
        if size == 0 {
            break;
        }
        got.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
    assert!(
        got == body,
        "echo differs: {} bytes back of {}",
        got.len(),
        body.len()
    );
    l.close().unwrap();
}

#[test]
fn idle_and_slow_connections_hold_no_worker() {
    // One worker thread; 0.10 would need a thread per connection below.
    let mut l = serve(router, 1);
    let mut idle = Vec::new();
    for _ in 0..50 {
        let mut s = TcpStream::connect(l.socket).unwrap();
        s.write_all(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut buf = [0u8; 256];
        assert!(s.read(&mut buf).unwrap() > 0);
        idle.push(s); // kept open, idle
    }
    let mut slow = Vec::new();
    for _ in 0..50 {
        let mut s = TcpStream::connect(l.socket).unwrap();
        s.write_all(b"GET /hello HTTP/1.1\r\nHo").unwrap(); // a head that never ends
        slow.push(s);
    }
    let started = Instant::now();
    let out = roundtrip(
        l.socket,
        b"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(out.ends_with("hello"), "{out}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "served in {:?}",
        started.elapsed()
    );
    l.close().unwrap();
}

#[test]
fn close_stops_the_server() {
    let mut l = serve(router, 1);
    let addr = l.socket;
    assert!(roundtrip(addr, b"GET /hello HTTP/1.0\r\n\r\n").ends_with("hello"));
    l.close().unwrap();
    assert!(TcpStream::connect(addr).is_err());
}

/// Workers share the wait on busy connections, and one may serve several in turn: a
/// handler that takes long must still not hold up requests on other connections while
/// another worker is free. A keep-alive client makes 20 requests, and a new client one,
/// all answered while a slow handler (1 s) runs; 0.10 would have done the same with a
/// thread each, and so must we with two workers.
#[test]
fn a_slow_handler_does_not_hold_up_other_connections() {
    let handler = |req: Request, res: Response| {
        if matches!(req.uri, RequestUri::AbsolutePath(ref p) if p == "/slow") {
            std::thread::sleep(Duration::from_secs(1));
            res.send(b"slow").unwrap();
        } else {
            res.send(b"hello").unwrap();
        }
    };
    let mut l = serve(handler, 2);
    let addr = l.socket;
    // A keep-alive connection first, so that it is parked when the slow request comes.
    let mut fast = TcpStream::connect(addr).unwrap();
    fast.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let ask = |s: &mut TcpStream| {
        s.write_all(b"GET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        assert!(read_answer(s, b"hello").is_some(), "closed");
    };
    ask(&mut fast);
    let slow = std::thread::spawn(move || {
        let out = roundtrip(
            addr,
            b"GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        (out, Instant::now())
    });
    std::thread::sleep(Duration::from_millis(100));
    for _ in 0..20 {
        ask(&mut fast);
    }
    let out = roundtrip(
        addr,
        b"GET /fast HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(out.ends_with("hello"), "{out}");
    let fast_done = Instant::now();
    let (out, slow_done) = slow.join().unwrap();
    assert!(out.ends_with("slow"), "{out}");
    assert!(
        fast_done < slow_done,
        "the fast requests waited for the slow handler"
    );
    l.close().unwrap();
}

/// Reads one answer, up to the body's last bytes `ends`; `None` when the connection ends
/// (or fails) first.
fn read_answer(s: &mut TcpStream, ends: &[u8]) -> Option<String> {
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while !got.ends_with(ends) {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    Some(String::from_utf8_lossy(&got).into_owned())
}

/// A client sending keep-alive requests one after another on one connection, until the
/// server ends it; returns how many were answered and the last answer.
fn hammer(addr: SocketAddr) -> std::thread::JoinHandle<(usize, String)> {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    std::thread::spawn(move || {
        let mut answered = 0;
        let mut last = String::new();
        loop {
            if s.write_all(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
                .is_err()
            {
                return (answered, last);
            }
            let Some(got) = read_answer(&mut s, b"hello") else {
                return (answered, last);
            };
            answered += 1;
            last = got;
        }
    })
}

/// `close` returns while a client keeps its connection busy: the request a worker is on
/// is answered as the connection's last, instead of the worker serving the client for as
/// long as it keeps sending.
#[test]
fn close_ends_a_busy_keep_alive_connection() {
    let mut l = serve(router, 1);
    let client = hammer(l.socket);
    std::thread::sleep(Duration::from_millis(200));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        l.close().unwrap();
        let _ = tx.send(());
    });
    rx.recv_timeout(Duration::from_secs(5))
        .expect("close did not return while a client kept its connection busy");
    // The client saw its connection end after whole answers: with `Connection: close` on
    // the last if a worker had its request, or closed between two requests.
    let (answered, last) = client.join().unwrap();
    assert!(answered > 0);
    assert!(last.ends_with("hello"), "{last:?}");
}

/// A graceful shutdown (beyond 0.10, which had none): no new connections, an idle
/// keep-alive connection closed at once, a request in flight answered in full with
/// `Connection: close`, a busy keep-alive client told the same on its next answer.
#[test]
fn shutdown_finishes_requests_in_flight() {
    let slow = |_: Request, res: Response| {
        std::thread::sleep(Duration::from_millis(300));
        res.send(b"slow hello").unwrap();
    };
    let mut l = serve(slow, 2);
    let addr = l.socket;
    let mut idle = TcpStream::connect(addr).unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    idle.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    assert!(read_answer(&mut idle, b"slow hello").is_some(), "closed");
    // Give the worker's quiet time (2 ms) to pass: the connection is back on the loop.
    std::thread::sleep(Duration::from_millis(100));
    let mut in_flight = TcpStream::connect(addr).unwrap();
    in_flight
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    in_flight
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let stopper = std::thread::spawn(move || {
        l.shutdown(Duration::from_secs(5)).unwrap();
    });
    let mut rest = Vec::new();
    let _ = idle.read_to_end(&mut rest);
    assert!(
        rest.is_empty(),
        "idle: {:?}",
        String::from_utf8_lossy(&rest)
    );
    assert!(
        TcpStream::connect(addr).is_err(),
        "a new connection was accepted"
    );
    let mut back = Vec::new();
    let _ = in_flight.read_to_end(&mut back);
    let back = String::from_utf8_lossy(&back).to_ascii_lowercase();
    assert!(
        back.starts_with("http/1.1 200 ")
            && back.contains("\r\nconnection: close\r\n")
            && back.ends_with("slow hello"),
        "{back:?}"
    );
    stopper.join().unwrap();
}

/// Counts the connection callbacks (0.10's `on_connection_start` / `on_connection_end`).
#[derive(Default)]
struct Counting {
    started: AtomicUsize,
    ended: AtomicUsize,
}

struct Counter(Arc<Counting>);

impl Handler for Counter {
    fn handle(&self, _: Request, res: Response) {
        res.send(b"counted").unwrap();
    }

    fn on_connection_start(&self) {
        self.0.started.fetch_add(1, Ordering::SeqCst);
    }

    fn on_connection_end(&self) {
        self.0.ended.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn connection_callbacks_are_called_once_per_connection() {
    let counts = Arc::new(Counting::default());
    let mut l = serve(Counter(Arc::clone(&counts)), 2);
    // Two requests on one connection the client closes, one the server closes, and one
    // that never sends a byte.
    let out = roundtrip(
        l.socket,
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(statuses(&out), ["HTTP/1.1 200 OK", "HTTP/1.1 200 OK"]);
    let mut kept = TcpStream::connect(l.socket).unwrap();
    kept.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut buf = [0u8; 256];
    assert!(kept.read(&mut buf).unwrap() > 0);
    let silent = TcpStream::connect(l.socket).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while counts.started.load(Ordering::SeqCst) < 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(counts.started.load(Ordering::SeqCst), 3);
    assert_eq!(
        counts.ended.load(Ordering::SeqCst),
        1,
        "only the closed one ended"
    );
    drop((kept, silent));
    while counts.ended.load(Ordering::SeqCst) < 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(counts.ended.load(Ordering::SeqCst), 3);
    l.close().unwrap();
    assert_eq!(counts.started.load(Ordering::SeqCst), 3);
    assert_eq!(counts.ended.load(Ordering::SeqCst), 3);
}

#[test]
fn framing_fields_go_out_in_title_case_as_in_0_10_unless_turned_off() {
    let hello = |_: Request, res: Response| res.send(b"hi").unwrap();
    let streamed = |_: Request, res: Response| {
        let mut res = res.start().unwrap();
        res.write_all(b"hi").unwrap();
        res.end().unwrap();
    };
    let raw = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    let mut on = serve(hello, 1);
    let out = roundtrip(on.socket, raw);
    assert!(
        out.contains("\r\nContent-Length: 2\r\n") && out.contains("\r\nDate: "),
        "{out}"
    );
    assert!(out.contains("\r\nConnection: close\r\n"), "{out}");
    on.close().unwrap();
    let mut chunked = serve(streamed, 1);
    let out = roundtrip(chunked.socket, raw);
    assert!(out.contains("\r\nTransfer-Encoding: chunked\r\n"), "{out}");
    chunked.close().unwrap();
    let mut server = Server::http("127.0.0.1:0").unwrap();
    server.title_case_headers(false);
    let mut off = server.handle_threads(hello, 1).unwrap();
    let out = roundtrip(off.socket, raw);
    assert!(
        out.contains("\r\ncontent-length: 2\r\n") && out.contains("\r\ndate: "),
        "{out}"
    );
    off.close().unwrap();
}
