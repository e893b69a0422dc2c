//! Loopback tests of the event loop with a test-only driver.
//!
//! The driver speaks a line protocol so each test can pick a behaviour:
//! `echo` (echo every byte after the line until EOF), `wait <ms>` (arm a deadline, answer
//! `timeout` when it fires), `cancel` (drop the deadline), `park` (wait for `Control`
//! wakeups, answer one `W` per wakeup), `slow <ms>` (answer `done` after a delay),
//! `again` (at end of stream, read once more and answer what that second read said).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hyper_net::{
    spawn_loops, Closed, Config, Control, Cx, Driver, EventLoop, Io, Loops, SendError, Step, Why,
};
use hyper_proto::Next;

#[derive(Default)]
struct Shared {
    controls: Mutex<Vec<Control>>,
    closed: AtomicUsize,
    accepted: AtomicUsize,
}

struct TestDriver {
    shared: Arc<Shared>,
}

#[derive(Debug)]
enum Mode {
    Line,
    Echo,
    Park,
    Slow,
    Again,
}

struct Conn {
    mode: Mode,
    eof: bool,
    stopping: bool,
    deadline: Option<Instant>,
}

impl Driver for TestDriver {
    type Transport = hyper_net::TcpStream;
    type Conn = Conn;
    type Msg = SocketAddr;

    fn wrap(&mut self, stream: hyper_net::TcpStream) -> std::io::Result<Self::Transport> {
        Ok(stream)
    }

    fn accept(&mut self, _cx: &mut Cx<'_>, _peer: SocketAddr, ctrl: Control) -> Option<Conn> {
        self.shared.accepted.fetch_add(1, Ordering::SeqCst);
        self.shared.controls.lock().unwrap().push(ctrl);
        Some(Conn {
            mode: Mode::Line,
            eof: false,
            stopping: false,
            deadline: None,
        })
    }

    fn ready(&mut self, conn: &mut Conn, io: &mut Io<'_, Self::Transport>, why: Why) -> Step {
        let now = io.now();
        match why {
            Why::Woken { .. } => io.write_buf().push(b'W'),
            Why::Timeout => match conn.mode {
                Mode::Slow => {
                    io.write_buf().extend_from_slice(b"done\n");
                    conn.mode = Mode::Line;
                    conn.deadline = None;
                    if conn.stopping {
                        return Step::close();
                    }
                }
                _ => {
                    io.write_buf().extend_from_slice(b"timeout\n");
                    return Step::close();
                }
            },
            Why::Stopping => {
                conn.stopping = true;
                if !matches!(conn.mode, Mode::Slow) {
                    return Step::close();
                }
            }
            _ => {}
        }
        // Read what there is.
        loop {
            match io.read() {
                Ok(0) => {
                    conn.eof = true;
                    break;
                }
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(_) => return Step::close(),
            }
        }
        loop {
            match conn.mode {
                Mode::Echo => {
                    let data = io.buffered().to_vec();
                    io.consume(data.len());
                    io.write_buf().extend_from_slice(&data);
                    break;
                }
                Mode::Line | Mode::Park | Mode::Slow | Mode::Again => {
                    let Some(nl) = io.buffered().iter().position(|&b| b == b'\n') else {
                        break;
                    };
                    let line = String::from_utf8_lossy(&io.buffered()[..nl]).into_owned();
                    io.consume(nl + 1);
                    let mut words = line.split_whitespace();
                    match (
                        words.next(),
                        words.next().and_then(|w| w.parse::<u64>().ok()),
                    ) {
                        (Some("echo"), _) => conn.mode = Mode::Echo,
                        (Some("again"), _) => conn.mode = Mode::Again,
                        (Some("wait"), Some(ms)) => {
                            conn.deadline = Some(now + Duration::from_millis(ms))
                        }
                        (Some("cancel"), _) => {
                            conn.deadline = None;
                            io.write_buf().extend_from_slice(b"cancelled\n");
                        }
                        (Some("park"), _) => {
                            conn.mode = Mode::Park;
                            io.write_buf().extend_from_slice(b"parked\n");
                        }
                        (Some("slow"), Some(ms)) => {
                            let at = now + Duration::from_millis(ms);
                            conn.mode = Mode::Slow;
                            conn.deadline = Some(at);
                        }
                        _ => io.write_buf().extend_from_slice(b"?\n"),
                    }
                }
            }
        }
        if conn.eof && matches!(conn.mode, Mode::Again) {
            let again: &[u8] = match io.read() {
                Ok(0) => b"eof again",
                Ok(_) => b"data after eof",
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => b"would block",
                Err(_) => b"error",
            };
            io.write_buf().extend_from_slice(again);
            return Step::close();
        }
        if conn.eof && !matches!(conn.mode, Mode::Slow) {
            return Step::close();
        }
        // Parked connections wait for Control wakeups but keep reading, to notice EOF.
        Step::read().until(conn.deadline)
    }

    fn closed(&mut self, _conn: Conn, _transport: hyper_net::TcpStream, _why: Closed) {
        self.shared.closed.fetch_add(1, Ordering::SeqCst);
    }
}

fn start(threads: usize, config: Config) -> (Loops<SocketAddr>, Arc<Shared>) {
    let shared = Arc::new(Shared::default());
    let s = Arc::clone(&shared);
    let loops = spawn_loops(
        threads,
        &["127.0.0.1:0".parse().unwrap()],
        config,
        move |_| TestDriver {
            shared: Arc::clone(&s),
        },
    )
    .unwrap();
    (loops, shared)
}

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

fn read_line(s: &mut TcpStream) -> String {
    let mut line = Vec::new();
    let mut b = [0u8; 1];
    loop {
        match s.read(&mut b) {
            Ok(0) => break,
            Ok(_) if b[0] == b'\n' => break,
            Ok(_) => line.push(b[0]),
            Err(e) => panic!("read failed: {e}"),
        }
    }
    String::from_utf8(line).unwrap()
}

#[test]
fn many_connections_at_once() {
    let (loops, _) = start(2, Config::default());
    let addr = loops.local_addr();
    let threads: Vec<_> = (0..16)
        .map(|t| {
            std::thread::spawn(move || {
                let mut conns: Vec<TcpStream> = (0..16).map(|_| connect(addr)).collect();
                for (i, c) in conns.iter_mut().enumerate() {
                    let payload: Vec<u8> =
                        (0..20_000).map(|j| ((i * 7 + j + t) % 251) as u8).collect();
                    c.write_all(b"echo\n").unwrap();
                    c.write_all(&payload).unwrap();
                    c.shutdown(Shutdown::Write).unwrap();
                    let mut back = Vec::new();
                    c.read_to_end(&mut back).unwrap();
                    assert_eq!(back, payload);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    loops.stop(None).unwrap();
}

#[test]
fn reset_mid_message_leaves_others_alone() {
    let (loops, shared) = start(1, Config::default());
    let addr = loops.local_addr();
    let mut good = connect(addr);
    good.write_all(b"echo\nbefore").unwrap();
    let mut buf = [0u8; 6];
    good.read_exact(&mut buf).unwrap();
    {
        let bad = socket2::Socket::from(connect(addr));
        bad.set_linger(Some(Duration::ZERO)).unwrap(); // close sends RST
        let mut bad: TcpStream = bad.into();
        bad.write_all(b"echo\npartial message").unwrap();
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(50));
    good.write_all(b" after").unwrap();
    let mut buf = [0u8; 6];
    good.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b" after");
    assert!(
        shared.closed.load(Ordering::SeqCst) >= 1,
        "the reset connection was removed"
    );
    loops.stop(None).unwrap();
}

#[test]
fn half_close_still_gets_the_answer() {
    let (loops, _) = start(1, Config::default());
    let mut c = connect(loops.local_addr());
    c.write_all(b"echo\nlast words").unwrap();
    c.shutdown(Shutdown::Write).unwrap();
    let mut back = String::new();
    c.read_to_string(&mut back).unwrap();
    assert_eq!(back, "last words");
    loops.stop(None).unwrap();
}

/// The end of stream stays visible: a second read after `Ok(0)` says `Ok(0)` again (as
/// the socket would), also when the loop skips the syscall because it knows the stream
/// ended. The data and the end arrive apart here, so the data is read by a short read
/// first and the end comes with a later event.
#[test]
fn end_of_stream_is_sticky() {
    let (loops, _) = start(1, Config::default());
    for _ in 0..20 {
        let mut c = connect(loops.local_addr());
        c.write_all(b"again\nsome bytes").unwrap();
        std::thread::sleep(Duration::from_millis(5));
        c.shutdown(Shutdown::Write).unwrap();
        let mut back = String::new();
        c.read_to_string(&mut back).unwrap();
        assert_eq!(back, "eof again");
    }
    loops.stop(None).unwrap();
}

#[test]
fn deadline_fires() {
    let (loops, _) = start(1, Config::default());
    let mut c = connect(loops.local_addr());
    let t0 = Instant::now();
    c.write_all(b"wait 50\n").unwrap();
    assert_eq!(read_line(&mut c), "timeout");
    let took = t0.elapsed();
    assert!(took >= Duration::from_millis(50), "fired early: {took:?}");
    loops.stop(None).unwrap();
}

#[test]
fn deadline_cancelled() {
    let (loops, _) = start(1, Config::default());
    let mut c = connect(loops.local_addr());
    c.write_all(b"wait 100\ncancel\n").unwrap();
    assert_eq!(read_line(&mut c), "cancelled");
    c.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut b = [0u8; 1];
    let r = c.read(&mut b);
    assert!(
        r.is_err(),
        "nothing may arrive after a cancelled deadline: {r:?}"
    );
    loops.stop(None).unwrap();
}

#[test]
fn control_burst_from_8_threads() {
    let (loops, shared) = start(1, Config::default());
    let mut c = connect(loops.local_addr());
    c.write_all(b"park\n").unwrap();
    assert_eq!(read_line(&mut c), "parked");
    let ctrl = shared.controls.lock().unwrap().last().unwrap().clone();
    let wakes_before = loops.handles()[0].wakes();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let ctrl = ctrl.clone();
            std::thread::spawn(move || {
                for _ in 0..100 {
                    ctrl.ready(Next::write()).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let mut got = vec![0u8; 800];
    c.read_exact(&mut got).unwrap();
    assert!(
        got.iter().all(|&b| b == b'W'),
        "every ready delivered, none lost"
    );
    let wakes = loops.handles()[0].wakes() - wakes_before;
    assert!(
        wakes < 800,
        "wakes are coalesced: {wakes} syscalls for 800 readies"
    );
    loops.stop(None).unwrap();
}

#[test]
fn stale_control_is_refused() {
    let (loops, shared) = start(1, Config::default());
    let addr = loops.local_addr();
    let mut c = connect(addr);
    c.write_all(b"park\n").unwrap();
    assert_eq!(read_line(&mut c), "parked");
    let old = shared.controls.lock().unwrap().last().unwrap().clone();
    drop(c);
    // Wait until the loop noticed the close.
    let t0 = Instant::now();
    while old.is_alive() {
        assert!(t0.elapsed() < Duration::from_secs(5));
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(old.ready(Next::write()), Err(SendError::Gone));
    // A new connection (likely in the same slot) is not touched by the stale handle.
    let mut c2 = connect(addr);
    c2.write_all(b"park\n").unwrap();
    assert_eq!(read_line(&mut c2), "parked");
    assert_eq!(old.ready(Next::write()), Err(SendError::Gone));
    c2.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut b = [0u8; 1];
    assert!(
        c2.read(&mut b).is_err(),
        "the new connection got no stray wakeup"
    );
    loops.stop(None).unwrap();
}

#[test]
fn graceful_stop_finishes_in_flight() {
    let (loops, shared) = start(1, Config::default());
    let addr = loops.local_addr();
    let mut busy = connect(addr);
    busy.write_all(b"slow 200\n").unwrap();
    let mut idle = connect(addr);
    idle.write_all(b"echo\n").unwrap();
    std::thread::sleep(Duration::from_millis(50));
    let t0 = Instant::now();
    let handle = loops.handles()[0].clone();
    handle
        .stop(Some(Instant::now() + Duration::from_secs(5)))
        .unwrap();
    // The idle connection is closed at once, the busy one finishes.
    let mut rest = Vec::new();
    idle.read_to_end(&mut rest).unwrap();
    assert_eq!(read_line(&mut busy), "done");
    loops.join().unwrap();
    assert!(t0.elapsed() < Duration::from_secs(4));
    assert_eq!(
        shared.closed.load(Ordering::SeqCst),
        shared.accepted.load(Ordering::SeqCst)
    );
    assert!(TcpStream::connect(addr).is_err(), "no longer accepting");
}

#[test]
fn max_connections_stops_accepting() {
    let (loops, _) = start(1, Config::default().max_connections(2));
    let addr = loops.local_addr();
    let mut a = connect(addr);
    let mut b = connect(addr);
    a.write_all(b"echo\na").unwrap();
    b.write_all(b"echo\nb").unwrap();
    let mut one = [0u8; 1];
    a.read_exact(&mut one).unwrap();
    b.read_exact(&mut one).unwrap();
    // The third connects (the kernel's backlog) but is not served...
    let mut c = connect(addr);
    c.write_all(b"echo\nc").unwrap();
    c.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    assert!(
        c.read(&mut one).is_err(),
        "third connection served past the limit"
    );
    // ...until one closes.
    drop(a);
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    c.read_exact(&mut one).unwrap();
    assert_eq!(&one, b"c");
    loops.stop(None).unwrap();
}

/// A driver that dials out: `Msg` is the address to connect to.
struct Dialer {
    results: Arc<Mutex<Vec<Result<(), std::io::ErrorKind>>>>,
}

impl Driver for Dialer {
    type Transport = hyper_net::TcpStream;
    type Conn = ();
    type Msg = SocketAddr;

    fn wrap(&mut self, stream: hyper_net::TcpStream) -> std::io::Result<Self::Transport> {
        Ok(stream)
    }

    fn accept(&mut self, _: &mut Cx<'_>, _: SocketAddr, _: Control) -> Option<()> {
        None
    }

    fn message(&mut self, cx: &mut Cx<'_>, addr: SocketAddr) {
        cx.connect(addr, Some(Duration::from_millis(300)), 7);
    }

    fn connected(
        &mut self,
        _: &mut Cx<'_>,
        tag: u64,
        result: std::io::Result<Control>,
    ) -> Option<()> {
        assert_eq!(tag, 7);
        self.results
            .lock()
            .unwrap()
            .push(result.as_ref().map(|_| ()).map_err(std::io::Error::kind));
        result.ok().map(|_| ())
    }

    fn ready(&mut self, _: &mut (), io: &mut Io<'_, Self::Transport>, why: Why) -> Step {
        if why == Why::Opened {
            io.write_buf().extend_from_slice(b"hello from the loop");
        }
        Step::close()
    }
}

#[test]
fn outbound_connect_and_refusal() {
    let results = Arc::new(Mutex::new(Vec::new()));
    let r = Arc::clone(&results);
    let mut lp = EventLoop::new(Dialer { results: r }, Config::default()).unwrap();
    let handle = lp.handle();
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let target = server.local_addr().unwrap();
    // A port nobody listens on.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let t = std::thread::spawn(move || {
        let (mut s, _) = server.accept().unwrap();
        let mut got = String::new();
        s.read_to_string(&mut got).unwrap();
        got
    });
    handle.send(target).unwrap();
    handle.send(closed).unwrap();
    let t0 = Instant::now();
    while results.lock().unwrap().len() < 2 {
        assert!(
            t0.elapsed() < Duration::from_secs(5),
            "connects did not complete"
        );
        lp.turn(Some(Duration::from_millis(10))).unwrap();
    }
    for _ in 0..10 {
        lp.turn(Some(Duration::from_millis(5))).unwrap();
    }
    assert_eq!(t.join().unwrap(), "hello from the loop");
    let mut results = results.lock().unwrap().clone();
    results.sort_by_key(|r| r.is_err());
    assert_eq!(
        results,
        [Ok(()), Err(std::io::ErrorKind::ConnectionRefused)]
    );
}

#[test]
fn idle_connections_hold_no_buffers() {
    let shared = Arc::new(Shared::default());
    let mut lp = EventLoop::new(TestDriver { shared }, Config::default()).unwrap();
    let addr = lp.listen("127.0.0.1:0".parse().unwrap(), false).unwrap();
    let mut clients: Vec<TcpStream> = Vec::new();
    let spin = |lp: &mut EventLoop<TestDriver>| {
        for _ in 0..5 {
            lp.turn(Some(Duration::from_millis(1))).unwrap();
        }
    };
    for _ in 0..50 {
        let mut c = connect(addr);
        c.write_all(b"cancel\n").unwrap();
        clients.push(c);
        spin(&mut lp);
    }
    for c in &mut clients {
        let mut r = BufReader::new(c);
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        assert_eq!(line, "cancelled\n");
    }
    let allocated = lp.buffers_allocated();
    assert!(
        allocated <= 4,
        "sequential work reuses pooled buffers: {allocated} allocated"
    );
    // 50 more rounds of work on idle connections allocate nothing new.
    for c in &mut clients {
        c.write_all(b"cancel\n").unwrap();
        spin(&mut lp);
    }
    assert_eq!(lp.buffers_allocated(), allocated);
    assert_eq!(lp.connections(), 50);
}

#[test]
fn connect_timeout() {
    // A listener that never accepts, with its backlog full: further SYNs go unanswered.
    let sock = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    sock.bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into())
        .unwrap();
    sock.listen(0).unwrap();
    let target = sock.local_addr().unwrap().as_socket().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..8 {
        let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        s.set_nonblocking(true).unwrap();
        let _ = s.connect(&target.into());
        fillers.push(s);
    }
    std::thread::sleep(Duration::from_millis(50));
    let results = Arc::new(Mutex::new(Vec::new()));
    let mut lp = EventLoop::new(
        Dialer {
            results: Arc::clone(&results),
        },
        Config::default(),
    )
    .unwrap();
    lp.handle().send(target).unwrap();
    let t0 = Instant::now();
    while results.lock().unwrap().is_empty() {
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "connect neither completed nor timed out"
        );
        lp.turn(Some(Duration::from_millis(10))).unwrap();
    }
    let got = results.lock().unwrap()[0];
    assert_eq!(got, Err(std::io::ErrorKind::TimedOut));
    assert!(t0.elapsed() >= Duration::from_millis(300));
    assert_eq!(lp.connections(), 0, "the timed-out socket was removed");
}

#[test]
fn a_flooding_peer_does_not_starve_others() {
    // One loop thread: a connection streaming 64 MiB through echo must not keep a second
    // connection's small exchanges waiting until it is done.
    let (loops, _) = start(1, Config::default());
    let addr = loops.local_addr();
    let flood_done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let fd = Arc::clone(&flood_done);
    let mut flood = connect(addr);
    flood.write_all(b"echo\n").unwrap();
    let mut reader = flood.try_clone().unwrap();
    let total = 64 << 20;
    let drain = std::thread::spawn(move || {
        let mut buf = vec![0u8; 1 << 16];
        let mut got = 0;
        while got < total {
            let n = reader.read(&mut buf).unwrap();
            assert!(n > 0);
            got += n;
        }
        fd.store(true, Ordering::SeqCst);
    });
    let writer = std::thread::spawn(move || {
        let chunk = vec![b'x'; 1 << 16];
        for _ in 0..(total / chunk.len()) {
            flood.write_all(&chunk).unwrap();
        }
        flood
    });
    // Meanwhile, 20 round trips on another connection.
    std::thread::sleep(Duration::from_millis(20));
    let mut ping = connect(addr);
    ping.write_all(b"echo\n").unwrap();
    for i in 0..20u8 {
        ping.write_all(&[i]).unwrap();
        let mut b = [0u8; 1];
        ping.read_exact(&mut b).unwrap();
        assert_eq!(b[0], i);
    }
    assert!(
        !flood_done.load(Ordering::SeqCst),
        "the small exchanges only completed after the flood: starved"
    );
    let flood = writer.join().unwrap();
    drain.join().unwrap();
    drop(flood);
    loops.stop(None).unwrap();
}

/// One loop does not set `SO_REUSEPORT`: a second server on the same port fails loudly
/// instead of silently sharing its connections. Several loops of one server do share it.
#[test]
fn single_loop_port_is_not_shared() {
    let (loops, _) = start(1, Config::default());
    let addr = loops.local_addr();
    let second = spawn_loops(1, &[addr], Config::default(), |_| TestDriver {
        shared: Arc::new(Shared::default()),
    });
    match second {
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::AddrInUse),
        Ok(_) => panic!("a second single-loop server bound the same port"),
    }
    loops.stop(None).unwrap();
    let (multi, _) = start(2, Config::default());
    let mut c = connect(multi.local_addr());
    c.write_all(b"echo\nboth loops listen").unwrap();
    c.shutdown(Shutdown::Write).unwrap();
    let mut back = String::new();
    c.read_to_string(&mut back).unwrap();
    assert_eq!(back, "both loops listen");
    multi.stop(None).unwrap();
}

/// A single-listener loop on this thread, driven by the test with `turn`.
fn manual_loop() -> (EventLoop<TestDriver>, Arc<Shared>, SocketAddr) {
    let shared = Arc::new(Shared::default());
    let mut lp = EventLoop::new(
        TestDriver {
            shared: Arc::clone(&shared),
        },
        Config::default(),
    )
    .unwrap();
    let addr = lp.listen("127.0.0.1:0".parse().unwrap(), false).unwrap();
    (lp, shared, addr)
}

#[test]
fn a_burst_of_connections_is_accepted_over_several_turns() {
    // 160 connections (more than one turn accepts) wait in the backlog at once (fewer than
    // 512 descriptors in all, for machines with the usual limit of 1024). One turn accepts
    // a bounded share (so a flood of new connections cannot starve open ones), and the rest
    // are accepted in the following turns without a new connection to raise an event.
    let (mut lp, shared, addr) = manual_loop();
    let clients: Vec<TcpStream> = (0..160).map(|_| connect(addr)).collect();
    std::thread::sleep(Duration::from_millis(50));
    lp.turn(Some(Duration::from_millis(100))).unwrap();
    let first = shared.accepted.load(Ordering::SeqCst);
    assert!(
        (1..160).contains(&first),
        "one turn accepted {first} of 160"
    );
    let t0 = Instant::now();
    while shared.accepted.load(Ordering::SeqCst) < 160 {
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "stuck at {} accepted",
            shared.accepted.load(Ordering::SeqCst)
        );
        lp.turn(Some(Duration::from_millis(10))).unwrap();
    }
    // Every one of them is served.
    for mut c in clients {
        c.write_all(b"echo\nx").unwrap();
        let mut b = [0u8; 1];
        while lp.turn(Some(Duration::ZERO)).unwrap() {
            c.set_nonblocking(true).unwrap();
            if c.read(&mut b).is_ok() {
                break;
            }
            assert!(t0.elapsed() < Duration::from_secs(20), "no echo");
        }
        assert_eq!(&b, b"x");
    }
}

#[test]
fn requests_arriving_before_or_after_the_accept_are_both_read() {
    // A connection whose first bytes come after its accept turns reading-at-accept off;
    // the next one, whose bytes are already waiting, is then read on the poller's event
    // instead, and one after that turns it back on. Each is answered.
    let (mut lp, shared, addr) = manual_loop();
    let t0 = Instant::now();
    let turn_until = |lp: &mut EventLoop<TestDriver>, c: &mut TcpStream, want: &[u8]| {
        c.set_nonblocking(true).unwrap();
        let mut got = Vec::new();
        while got.len() < want.len() {
            assert!(t0.elapsed() < Duration::from_secs(10), "got {got:?}");
            lp.turn(Some(Duration::from_millis(5))).unwrap();
            let mut b = [0u8; 64];
            if let Ok(n) = c.read(&mut b) {
                got.extend_from_slice(&b[..n]);
            }
        }
        assert_eq!(got, want);
    };
    for round in 0..40 {
        let mut late = connect(addr);
        while shared.accepted.load(Ordering::SeqCst) < 2 * round + 1 {
            lp.turn(Some(Duration::from_millis(5))).unwrap();
        }
        late.write_all(b"echo\nlate").unwrap();
        turn_until(&mut lp, &mut late, b"late");
        let mut early = connect(addr);
        early.write_all(b"echo\nearly").unwrap();
        std::thread::sleep(Duration::from_millis(2));
        turn_until(&mut lp, &mut early, b"early");
        assert_eq!(shared.accepted.load(Ordering::SeqCst), 2 * round + 2);
    }
}
