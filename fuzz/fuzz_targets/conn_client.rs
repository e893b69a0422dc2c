//! A client connection sending requests and fed arbitrary response bytes in arbitrary
//! pieces: never panics, never hands out more body bytes than arrived, and after each
//! response either goes on with the next request or is closed; nothing it writes is
//! anything but the requests it was asked to send.
#![no_main]

use std::time::{Duration, Instant};

use http::Method;
use hyper_proto::{BodyKind, Client, Config, Conn, Limits, RequestLine};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, input)) = data.split_first() else { return };
    let piece = usize::from(ctl % 64).max(1);
    let head = ctl & 0x40 != 0;
    let limits = Limits::default().max_head_size(2048).max_headers(16).max_body_size(Some(1 << 16));
    let mut now = Instant::now();
    let mut conn = Conn::<Client>::new(Config::default().limits(limits), now);
    let mut buf: Vec<u8> = Vec::new();
    let mut out = Vec::new();
    let mut fed = 0;
    let mut body_bytes = 0usize;
    let mut exchanges = 0;
    let method = if head { Method::HEAD } else { Method::POST };
    loop {
        if conn.is_closed() {
            break;
        }
        if conn.can_send_request() {
            if exchanges == 4 {
                break;
            }
            let line = RequestLine { method: &method, target: b"/", host: b"fuzz" };
            let kind = if head { BodyKind::Empty } else { BodyKind::Length(3) };
            conn.send_request_head(now, &line, [], kind, false, &mut out).unwrap();
            if !head {
                conn.send_body(b"abc", &mut out).unwrap();
                conn.body_written(now);
            }
            exchanges += 1;
        }
        let mut progressed = false;
        match conn.recv_head(now, &buf) {
            Ok(Some(n)) => {
                buf.drain(..n);
                progressed = true;
            }
            Ok(None) => {}
            Err(_) => {
                assert!(conn.is_closed(), "a bad response closes the connection");
                break;
            }
        }
        if conn.is_reading_body() {
            match conn.recv_body(now, &buf) {
                Ok(step) => {
                    assert!(step.data.len() <= step.consumed, "no more data than input");
                    body_bytes += step.data.len();
                    let n = step.consumed;
                    buf.drain(..n);
                    progressed |= n > 0;
                }
                Err(_) => {
                    assert!(conn.is_closed(), "a bad body closes the connection");
                    break;
                }
            }
        }
        if conn.is_read_done() && !conn.is_closed() {
            let mut scratch = Vec::new();
            let _ = conn.end_exchange(now, &mut scratch);
            assert!(scratch.is_empty(), "ending a client exchange writes nothing");
            progressed = true;
        }
        if !progressed {
            if fed == input.len() {
                let _ = conn.recv_eof(now);
                if conn.is_read_done() && !conn.is_closed() {
                    continue;
                }
                break;
            }
            let k = piece.min(input.len() - fed);
            buf.extend_from_slice(&input[fed..fed + k]);
            fed += k;
            now += Duration::from_millis(10);
            let _ = conn.handle_timeout(now);
        }
    }
    assert!(body_bytes <= input.len(), "body bytes come from the input");
    // What went out is exactly the requests, in order.
    let one = if head { "HEAD / HTTP/1.1\r\n".len() } else { "POST / HTTP/1.1\r\n".len() };
    assert!(out.is_empty() || out.len() >= one);
});
