//! A server connection fed arbitrary bytes in arbitrary pieces, answering every request:
//! never panics, and everything it writes parses back as well-framed responses.
#![no_main]

use std::time::{Duration, Instant};

use http::{Method, StatusCode};
use hyper_proto::{BodyKind, BodyLength, Config, Conn, Decoder, Limits, Next, ResponseParser, Server};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&piece, input)) = data.split_first() else { return };
    let piece = usize::from(piece % 64).max(1);
    let limits = Limits::default().max_head_size(2048).max_headers(16).max_body_size(Some(1 << 16));
    let mut now = Instant::now();
    let mut conn = Conn::<Server>::new(Config::default().limits(limits), now);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let mut fed = 0;
    let mut heads = 0;
    loop {
        if conn.is_closed() {
            break;
        }
        let mut progressed = false;
        if conn.can_read_head() {
            match conn.recv_head(now, &buf) {
                Ok(Some(n)) => {
                    let head = conn.request(&buf).method() == Method::HEAD;
                    let _ = head;
                    buf.drain(..n);
                    heads += 1;
                    conn.set_next(now, Next::read());
                    progressed = true;
                }
                Ok(None) => {}
                Err(_) => {
                    conn.poll_transmit(&mut out, None);
                    break;
                }
            }
        }
        if conn.is_reading_body() {
            match conn.recv_body(now, &buf) {
                Ok(step) => {
                    let n = step.consumed;
                    buf.drain(..n);
                    progressed |= n > 0;
                }
                Err(_) => {
                    conn.poll_transmit(&mut out, None);
                    break;
                }
            }
        }
        if conn.is_read_done() {
            let body = format!("request {heads}");
            let kind = if heads % 2 == 0 { BodyKind::Streaming } else { BodyKind::Length(body.len() as u64) };
            conn.send_response_head(now, StatusCode::OK, [], kind, None, &mut out).unwrap();
            if conn.is_upgraded() {
                // A 2xx to CONNECT: the rest is a tunnel, not HTTP.
                break;
            }
            conn.send_body(body.as_bytes(), &mut out).unwrap();
            conn.end_exchange(now, &mut out).unwrap();
            progressed = true;
        }
        conn.poll_transmit(&mut out, None);
        if !progressed {
            if fed == input.len() {
                let _ = conn.recv_eof(now);
                conn.poll_transmit(&mut out, None);
                if conn.is_read_done() {
                    continue;
                }
                break;
            }
            let k = piece.min(input.len() - fed);
            buf.extend_from_slice(&input[fed..fed + k]);
            fed += k;
            now += Duration::from_millis(10);
            if let Some(_e) = conn.handle_timeout(now) {
                conn.poll_transmit(&mut out, None);
            }
        }
    }
    // Everything written is a sequence of well-framed responses.
    let mut parser = ResponseParser::new(Limits::default());
    let mut rest = &out[..];
    while !rest.is_empty() {
        let res = parser.parse(rest, &Method::GET).expect("valid head").expect("complete head");
        let status = res.status();
        let body = res.body();
        let mut at = res.head_len();
        parser.reset();
        if status == StatusCode::CONTINUE {
            rest = &rest[at..];
            continue;
        }
        let mut dec = Decoder::new(if body == BodyLength::CloseDelimited { BodyLength::CloseDelimited } else { body }, &Limits::default());
        loop {
            let step = dec.decode(&rest[at..]).expect("valid body");
            at += step.consumed;
            if dec.is_done() || step.consumed == 0 {
                break;
            }
        }
        assert!(dec.is_done() || dec.is_eof(), "response body complete");
        rest = &rest[at..];
    }
});
