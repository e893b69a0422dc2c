//! `Decoder`/`Encoder` over real sockets: a minimal HTTP echo driver built from
//! `hyper_proto::Conn<Server>` streams request bodies back as chunked responses with
//! back-pressure.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use http::{Method, StatusCode};
use hyper_net::{spawn_loops, Config, Control, Cx, Decoder, Driver, Encoder, Io, Step, Why};
use hyper_proto::{BodyKind, BodyLength, Limits, Next, ResponseParser, Server};

struct EchoHttp;

struct Conn {
    proto: hyper_proto::Conn<Server>,
}

impl Driver for EchoHttp {
    type Transport = hyper_net::TcpStream;
    type Conn = Conn;
    type Msg = ();

    fn wrap(&mut self, s: hyper_net::TcpStream) -> std::io::Result<Self::Transport> {
        Ok(s)
    }

    fn accept(&mut self, _: &mut Cx<'_>, _: SocketAddr, _: Control) -> Option<Conn> {
        Some(Conn {
            proto: hyper_proto::Conn::<Server>::new(
                hyper_proto::Config::default(),
                std::time::Instant::now(),
            ),
        })
    }

    fn ready(&mut self, conn: &mut Conn, io: &mut Io<'_, Self::Transport>, _why: Why) -> Step {
        let now = io.now();
        let proto = &mut conn.proto;
        loop {
            if proto.is_closed() {
                return Step::close();
            }
            if proto.can_read_head() {
                match proto.recv_head(now, io.buffered()) {
                    Ok(Some(n)) => {
                        io.consume(n);
                        let out = io.write_buf();
                        proto
                            .send_response_head(
                                now,
                                StatusCode::OK,
                                [],
                                BodyKind::Streaming,
                                None,
                                out,
                            )
                            .unwrap();
                        proto.set_next(now, Next::read());
                    }
                    Ok(None) => match io.read() {
                        Ok(0) => return Step::close(),
                        Ok(_) => continue,
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                            return Step::read()
                        }
                        Err(_) => return Step::close(),
                    },
                    Err(_) => {
                        proto.poll_transmit(io.write_buf(), None);
                        return Step::close();
                    }
                }
            }
            if proto.is_reading_body() {
                let mut buf = [0u8; 16 * 1024];
                loop {
                    if io.pending_write() >= hyper_net::MAX_QUEUED_BODY {
                        // Back-pressure: stop reading until the peer drains our output.
                        return Step::write();
                    }
                    match Decoder::new(io, proto).try_read(&mut buf) {
                        Ok(Some(0)) => break,
                        Ok(Some(n)) => {
                            let mut enc = Encoder::new(io, proto);
                            enc.write_all(&buf[..n]).unwrap();
                        }
                        Ok(None) => return Step::read(),
                        Err(_) => return Step::close(),
                    }
                }
            }
            // Body done: finish the response; keep-alive starts the next exchange.
            if proto.is_writing_body() {
                Encoder::new(io, proto).close().unwrap();
            }
            if proto.end_exchange(now, io.write_buf()).is_err() || proto.is_closed() {
                return Step::close();
            }
        }
    }
}

fn start() -> (hyper_net::Loops<()>, SocketAddr) {
    let loops = spawn_loops(
        1,
        &["127.0.0.1:0".parse().unwrap()],
        Config::default(),
        |_| EchoHttp,
    )
    .unwrap();
    let addr = loops.local_addr();
    (loops, addr)
}

/// Reads one chunked response from `s` and returns its body.
fn read_response(s: &mut TcpStream) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 65536];
    let mut parser = ResponseParser::new(Limits::default());
    let head_len = loop {
        let n = s.read(&mut chunk).unwrap();
        assert!(n > 0, "closed before the response head");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(res) = parser.parse(&buf, &Method::POST).unwrap() {
            assert_eq!(res.status(), 200);
            assert_eq!(res.body(), BodyLength::Chunked);
            break res.head_len();
        }
    };
    buf.drain(..head_len);
    let mut dec = hyper_proto::Decoder::chunked();
    let mut body = Vec::new();
    loop {
        let step = dec.decode(&buf).unwrap();
        body.extend_from_slice(step.data);
        let consumed = step.consumed;
        buf.drain(..consumed);
        if dec.is_done() {
            assert!(buf.is_empty(), "nothing after the response");
            return body;
        }
        if consumed == 0 {
            let n = s.read(&mut chunk).unwrap();
            assert!(n > 0, "closed in the middle of the body");
            buf.extend_from_slice(&chunk[..n]);
        }
    }
}

fn payload(len: usize, seed: usize) -> Vec<u8> {
    (0..len).map(|i| ((i * 31 + seed) % 253) as u8).collect()
}

#[test]
fn chunked_upload_streams_back_with_backpressure() {
    let (loops, addr) = start();
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let body = payload(16 << 20, 1);
    let mut w = s.try_clone().unwrap();
    let sent = body.clone();
    // Write in a thread: the server echoes while we upload, so both directions flow.
    let writer = std::thread::spawn(move || {
        w.write_all(b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
            .unwrap();
        let mut sizes = [1usize, 7, 4096, 65536, 100_000, 3].iter().cycle();
        let mut rest = &sent[..];
        while !rest.is_empty() {
            let n = (*sizes.next().unwrap()).min(rest.len());
            write!(w, "{n:x}\r\n").unwrap();
            w.write_all(&rest[..n]).unwrap();
            w.write_all(b"\r\n").unwrap();
            rest = &rest[n..];
        }
        w.write_all(b"0\r\n\r\n").unwrap();
    });
    // Read slowly at first so the server's buffer fills and back-pressure kicks in.
    std::thread::sleep(Duration::from_millis(200));
    let got = read_response(&mut s);
    writer.join().unwrap();
    assert_eq!(got.len(), body.len());
    assert!(got == body, "echoed body differs");
    loops.stop(None).unwrap();
}

#[test]
fn length_bodies_keep_alive() {
    let (loops, addr) = start();
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    for i in 0..5 {
        let body = payload(10_000 * (i + 1), i);
        write!(
            s,
            "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .unwrap();
        s.write_all(&body).unwrap();
        assert_eq!(read_response(&mut s), body, "exchange {i}");
    }
    loops.stop(None).unwrap();
}

#[test]
fn truncated_body_is_not_echoed_as_complete() {
    let (loops, addr) = start();
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nonly part")
        .unwrap();
    s.shutdown(std::net::Shutdown::Write).unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    // The head and the part that arrived may be echoed, but never the final chunk.
    assert!(
        !all.ends_with(b"0\r\n\r\n"),
        "{:?}",
        String::from_utf8_lossy(&all)
    );
    loops.stop(None).unwrap();
}
