//! The server driver stepped by hand: one `EventLoop::turn` at a time over a loopback
//! socket pair, with handlers that log every call. Pins the order of handler calls within a
//! turn (what the exchange glue must keep when it moves).

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hyper_net::{Control, EventLoop, TcpStream};
use hyper_proto::Next;

use crate::conn::ServerDriver;
use crate::handler::{Decoder, Encoder, Handler};
use crate::response::Response;

type Log = Arc<Mutex<Vec<String>>>;
type Wrap = fn(TcpStream) -> std::io::Result<TcpStream>;

/// Reads the body, answers with its length, logs each call.
struct Logged {
    log: Log,
    path: String,
    body: usize,
    written: bool,
}

impl Logged {
    fn note(&self, what: &str) {
        self.log
            .lock()
            .unwrap()
            .push(format!("{} {what}", self.path));
    }
}

impl Handler<TcpStream> for Logged {
    fn on_request(&mut self, req: hyper_proto::Request<'_>) -> Next {
        self.path = req.path().to_owned();
        self.note("on_request");
        if self.path == "/wait" {
            return Next::wait();
        }
        if req.has_body() {
            Next::read()
        } else {
            Next::write()
        }
    }

    fn on_request_readable(&mut self, dec: &mut Decoder<'_, '_, TcpStream>) -> Next {
        let mut buf = [0u8; 64];
        loop {
            match dec.try_read(&mut buf) {
                Ok(Some(0)) => {
                    self.note(&format!("on_request_readable end {}", self.body));
                    return Next::write();
                }
                Ok(Some(n)) => self.body += n,
                Ok(None) => {
                    self.note(&format!("on_request_readable partial {}", self.body));
                    return Next::read();
                }
                Err(_) => return Next::remove(),
            }
        }
    }

    fn on_response(&mut self, res: &mut Response) -> Next {
        self.note("on_response");
        res.set_content_length(1);
        Next::write()
    }

    fn on_response_writable(&mut self, enc: &mut Encoder<'_, '_, TcpStream>) -> Next {
        self.note("on_response_writable");
        if !self.written {
            self.written = enc.write(&[b'0' + (self.body % 10) as u8]).is_ok();
        }
        Next::end()
    }
}

#[allow(clippy::type_complexity, reason = "a test fixture returned whole")]
fn setup() -> (
    EventLoop<ServerDriver<impl crate::HandlerFactory<TcpStream>, TcpStream, Wrap>>,
    Log,
    Arc<Mutex<Vec<Control>>>,
    std::net::TcpStream,
) {
    let log: Log = Arc::default();
    let ctrls: Arc<Mutex<Vec<Control>>> = Arc::default();
    let (l, c) = (Arc::clone(&log), Arc::clone(&ctrls));
    let factory = move |ctrl: Control| {
        l.lock().unwrap().push("create".to_owned());
        c.lock().unwrap().push(ctrl);
        Logged {
            log: Arc::clone(&l),
            path: String::new(),
            body: 0,
            written: false,
        }
    };
    let driver = ServerDriver::new(factory, hyper_proto::Config::default(), Ok as Wrap);
    let mut lp = EventLoop::new(driver, hyper_net::Config::default()).unwrap();
    let addr = lp.listen("127.0.0.1:0".parse().unwrap(), false).unwrap();
    let client = std::net::TcpStream::connect(addr).unwrap();
    (lp, log, ctrls, client)
}

/// What arrived, with the `date` lines left out.
fn received(client: &mut std::net::TcpStream) -> String {
    client.set_nonblocking(true).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = client.read(&mut buf) {
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    String::from_utf8(got)
        .unwrap()
        .split_inclusive("\r\n")
        .filter(|l| !l.starts_with("date: "))
        .collect()
}

/// Turns the loop until `log` has `n` entries (within 5 s of `t0`).
fn turn_until<D: hyper_net::Driver>(lp: &mut EventLoop<D>, log: &Log, n: usize, t0: Instant) {
    while log.lock().unwrap().len() < n {
        assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", log.lock());
        lp.turn(Some(Duration::from_millis(50))).unwrap();
    }
}

#[test]
fn one_turn_runs_pipelined_exchanges_in_order() {
    let (mut lp, log, _ctrls, mut client) = setup();
    client
        .write_all(
            b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello\
              GET /b HTTP/1.1\r\nHost: x\r\n\r\n",
        )
        .unwrap();
    std::thread::sleep(Duration::from_millis(50));
    // One turn: accept, read at accept, both exchanges, one flush.
    lp.turn(Some(Duration::from_millis(500))).unwrap();
    assert_eq!(
        *log.lock().unwrap(),
        [
            "create",
            "/a on_request",
            "/a on_request_readable end 5",
            "/a on_response",
            "/a on_response_writable",
            "create",
            "/b on_request",
            "/b on_response",
            "/b on_response_writable",
        ]
    );
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(
        received(&mut client),
        "HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\n5\
         HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\n0"
    );
}

#[test]
fn a_body_split_over_turns_and_a_control_wakeup() {
    let (mut lp, log, ctrls, mut client) = setup();
    client
        .write_all(b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhe")
        .unwrap();
    std::thread::sleep(Duration::from_millis(50));
    lp.turn(Some(Duration::from_millis(500))).unwrap();
    assert_eq!(
        *log.lock().unwrap(),
        [
            "create",
            "/a on_request",
            "/a on_request_readable partial 2"
        ]
    );
    client.write_all(b"llo").unwrap();
    let t0 = Instant::now();
    turn_until(&mut lp, &log, 6, t0);
    assert_eq!(
        log.lock().unwrap()[3..],
        [
            "/a on_request_readable end 5",
            "/a on_response",
            "/a on_response_writable",
        ]
    );
    // A handler parked with `wait` runs again only when its Control says so.
    client
        .write_all(b"GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    turn_until(&mut lp, &log, 8, t0);
    for _ in 0..3 {
        lp.turn(Some(Duration::from_millis(10))).unwrap();
    }
    assert_eq!(log.lock().unwrap()[6..], ["create", "/wait on_request"]);
    let ctrl = ctrls.lock().unwrap()[1].clone();
    ctrl.ready(Next::write()).unwrap();
    turn_until(&mut lp, &log, 10, t0);
    assert_eq!(
        log.lock().unwrap()[8..],
        ["/wait on_response", "/wait on_response_writable"]
    );
    // A late wakeup through the first request's Control reaches nobody.
    ctrls.lock().unwrap()[0].ready(Next::write()).unwrap();
    for _ in 0..3 {
        lp.turn(Some(Duration::from_millis(10))).unwrap();
    }
    assert_eq!(log.lock().unwrap().len(), 10);
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(
        received(&mut client),
        "HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\n5\
         HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\n0"
    );
}
