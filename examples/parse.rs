//! cargo run -p examples --example parse < request.txt
//!
//! Reads raw HTTP/1.1 requests from stdin and runs them through a server-role
//! `hyper_proto::Conn`, the way a socket loop would: prints each request head, its framing
//! and body size, and the exact bytes the server would answer with (a canned 200, or the
//! automatic error response for a bad request). Try:
//!
//! ```text
//! printf 'GET /hi HTTP/1.1\r\nHost: x\r\n\r\n' | cargo run -p examples --example parse
//! printf 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n' \
//!     | cargo run -p examples --example parse
//! ```

use std::io::{self, Read, Write};
use std::time::{Instant, SystemTime};

use http::StatusCode;
use hyper_proto::{BodyKind, Config, Conn, DateCache, Next, Server};

fn main() -> io::Result<()> {
    let mut input = Vec::new();
    io::stdin().read_to_end(&mut input)?;
    let now = Instant::now();
    let date = DateCache::new(SystemTime::now());
    let mut conn = Conn::<Server>::new(Config::default(), now);
    let mut out = Vec::new();
    let mut buf = &input[..];
    let mut stdout = io::stdout().lock();

    while !conn.is_closed() {
        let head_len = match conn.recv_head(now, buf) {
            Ok(Some(n)) => n,
            Ok(None) => {
                if let Err(e) = conn.recv_eof(now) {
                    writeln!(stdout, "-- input ended: {e}")?;
                }
                break;
            }
            Err(e) => {
                writeln!(stdout, "-- refused: {e}")?;
                conn.poll_transmit(&mut out, Some(&date));
                break;
            }
        };
        let req = conn.request(buf);
        writeln!(
            stdout,
            "-- request: {} {} {:?}",
            req.method(),
            req.target(),
            req.version()
        )?;
        for (name, value) in req.headers().iter() {
            writeln!(stdout, "   {name}: {}", String::from_utf8_lossy(value))?;
        }
        writeln!(
            stdout,
            "   framing: {:?}, keep-alive: {}, expects 100-continue: {}",
            req.body(),
            req.keep_alive(),
            req.expects_continue()
        )?;
        buf = &buf[head_len..];

        // Read the body, as a handler returning Next::read() would.
        conn.set_next(now, Next::read());
        conn.poll_transmit(&mut out, Some(&date));
        let mut body_len = 0usize;
        while conn.is_reading_body() {
            match conn.recv_body(now, buf) {
                Ok(step) if step.consumed == 0 => {
                    if let Err(e) = conn.recv_eof(now) {
                        writeln!(stdout, "-- input ended in the body: {e}")?;
                    }
                    break;
                }
                Ok(step) => {
                    body_len += step.data.len();
                    buf = &buf[step.consumed..];
                }
                Err(e) => {
                    writeln!(stdout, "-- bad body: {e}")?;
                    conn.poll_transmit(&mut out, Some(&date));
                    break;
                }
            }
        }
        if conn.is_closed() {
            break;
        }
        writeln!(stdout, "   body: {body_len} bytes")?;
        let text = b"Hello, World!";
        let headers = [(&b"content-type"[..], &b"text/plain"[..])];
        let kind = BodyKind::Length(text.len() as u64);
        if conn
            .send_response_head(now, StatusCode::OK, headers, kind, Some(&date), &mut out)
            .is_ok()
        {
            conn.send_body(text, &mut out).expect("declared length");
            // Ends the exchange: keep-alive or close, as the request allows.
            if let Err(e) = conn.end_exchange(now, &mut out) {
                writeln!(stdout, "-- exchange ended with: {e}")?;
            }
        }
    }
    writeln!(stdout, "-- the server would write {} bytes:", out.len())?;
    stdout.write_all(&out)?;
    stdout.flush()
}
