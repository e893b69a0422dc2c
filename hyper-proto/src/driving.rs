//! # Driving a connection
//!
//! A [`Conn`](crate::Conn) is the whole HTTP/1.1 state of one connection with no IO in it.
//! To serve or fetch anything, a *driver* moves bytes between it and a socket. This page
//! is everything a driver does, for each role, under any runtime: blocking `std::net`,
//! tokio, mio (hyper-net is one), io_uring or a test harness.
//!
//! Three drivers in this workspace follow it and can be read alongside:
//! `examples/src/std_server.rs` (blocking, a thread per connection),
//! `examples/src/tokio_server.rs` (tokio, a task per connection; both drive the sans-IO echo
//! service in `examples/src/proto_echo.rs`), and hypersync's blocking client
//! (`hypersync/src/client/conn.rs`).
//!
//! ## What the driver owns
//!
//! - **The socket.** The connection never sees it.
//! - **A read buffer.** Bytes received and not yet consumed. Every `recv_*` call takes the
//!   unconsumed bytes *from their start* and says how many it consumed; drop exactly that
//!   many from the front and keep the rest (the next pipelined request, the rest of a
//!   body). Parsed views ([`Conn::request`](crate::Conn::request),
//!   [`Conn::response`](crate::Conn::response), body slices) borrow this buffer: use them
//!   before dropping the bytes they point into.
//! - **A write buffer** (`out: &mut Vec<u8>`). Every `send_*` call, `end_exchange` and
//!   `poll_transmit` *append* to it; the driver writes it to the socket and clears it.
//! - **The clock.** Calls that may arm or fire a deadline take `now: Instant`. Read the
//!   clock once per batch of work (per read, per loop turn), not per call.
//! - **The `Date` value** (server): a [`DateCache`](crate::DateCache) refreshed from
//!   `SystemTime::now()` at most once a second, passed to the head writers.
//!
//! ## The server loop
//!
//! ```text
//! accept ──▶ Conn::<Server>::new(config, now)
//! loop:
//!   1. write `out` to the socket (all of it, or as much as the socket takes)
//!   2. conn.is_closed()?  ──▶ flush, close the socket (see "Closing"), done
//!   3. wait until the socket is readable or conn.poll_timeout() passes
//!        timeout ──▶ conn.handle_timeout(now); conn.poll_transmit(out, date); goto 1
//!   4. read into the buffer;  0 bytes ──▶ conn.recv_eof(now); on Err: poll_transmit; goto 1
//!   5. while conn.can_read_head() or conn.is_reading_body():
//!        head:  conn.recv_head(now, unconsumed)
//!                 Ok(Some(n)) ─▶ look at conn.request(unconsumed); drop n bytes;
//!                                decide the answer (read the body first, or answer now)
//!                 Ok(None)    ─▶ break: an incomplete head, read more (nothing consumed)
//!                 Err(_)      ─▶ conn.poll_transmit(out, date) writes the 4xx/5xx; break
//!        body:  conn.set_next(now, Next::read())   (once: sends 100 Continue if expected)
//!               conn.poll_transmit(out, date)
//!               conn.recv_body(now, unconsumed)
//!                 consumed == 0 ─▶ break: the rest has not arrived, read more
//!                 otherwise     ─▶ use step.data; drop step.consumed bytes
//!                 Err(_)        ─▶ conn.poll_transmit(out, date) (400, 413...); break
//!        answer: conn.send_response_head(now, status, fields, BodyKind, date, out)
//!                conn.send_body(bytes, out) ...
//!                conn.end_exchange(now, out)   ─▶ idle again (keep-alive) or closed
//!   goto 1
//! ```
//!
//! The conventions, where they apply:
//!
//! - **"Nothing consumed" means "more bytes, please".** `recv_head` returns `Ok(None)` and
//!   `recv_body` a [`Decoded`](crate::Decoded) with `consumed == 0` when the input ends
//!   inside a head or before the next body bytes. Read more, append, and call again with
//!   the whole unconsumed buffer. A head is never re-scanned from the start.
//! - **Pipelining comes free** if step 5 runs until it breaks: several requests read in one
//!   go are answered in order, into one `out`, then written together. A head is parsed
//!   only between exchanges ([`Conn::can_read_head`](crate::Conn::can_read_head)); the
//!   next request waits in the buffer meanwhile. Check the buffer *before* reading again.
//! - **`100 Continue` is sent when the body is asked for.** A client that sent
//!   `Expect: 100-continue` waits for it (curl for a second). `set_next(now, Next::read())`
//!   queues it and `poll_transmit` writes it: do both before waiting for body bytes. An
//!   answer written without reading the body (a 413, a redirect) skips it.
//! - **Automatic answers go out through `poll_transmit`.** After any `recv_*` error, and
//!   after a timeout, call [`Conn::poll_transmit`](crate::Conn::poll_transmit): it writes
//!   the 400/408/413/414/417/431/501/505 with `Connection: close` when one is due.
//! - **Answer, then `end_exchange`.** [`Conn::end_exchange`](crate::Conn::end_exchange)
//!   writes a chunked body's last chunk, checks a sized body was complete, and decides
//!   keep-alive: afterwards the connection is idle (ready for the next head) or closed.
//!   An unread request body closes the connection (its bytes cannot be told from the next
//!   head), so read or drop it first if the connection should live on.
//! - **`poll_timeout` changes after every call.** It is the earliest deadline: the head
//!   read (slowloris), idle keep-alive, the body and send timeouts, and the client's wait
//!   for `100 Continue`. Ask it again each time before waiting. When it passes, call
//!   [`Conn::handle_timeout`](crate::Conn::handle_timeout): an idle timeout closes; a head
//!   timeout queues 408 (none if not a byte of a head came: a browser's pre-connection is
//!   closed silently); a [`TimeoutKind::Next`](crate::TimeoutKind::Next) (a body that stopped
//!   coming) is yours to answer, for instance
//!   [`respond_error(408)`](crate::Conn::respond_error), then `poll_transmit`.
//!   A blocking driver turns the deadline into the socket's read timeout; it need not set
//!   it per request: lower it only when the deadline is nearer than the current setting,
//!   and set it again after a read timed out (the deadline may have moved on).
//! - **Writes have their own limit.** A peer that stops reading stalls the driver's writes,
//!   not the connection state: give the socket a write timeout
//!   ([`DEFAULT_SEND_TIMEOUT`](crate::DEFAULT_SEND_TIMEOUT)), or time the writes.
//! - **A client that sends everything before it reads** (python's `http.client`, nginx as
//!   a proxy) deadlocks against a driver that writes an answer while the request body is
//!   still arriving and waits for the write: hold the body (bounded) until it ends, or
//!   read and write at once.
//! - **Closing.** When `is_closed()`, write what is in `out`, then close. After an
//!   automatic error answer the peer may still be sending: shut down the write side and
//!   read (and discard) for a moment before closing, or the peer's kernel may answer our
//!   unread bytes with a reset that destroys the response before it is read.
//! - **Graceful shutdown.** Stop accepting, then call
//!   [`Conn::disable_keep_alive`](crate::Conn::disable_keep_alive) on each connection, and
//!   again on any that reads more afterwards: the request in progress, or one whose head
//!   has started arriving, is answered as the last (with `Connection: close`); an idle
//!   connection is closed at once, so wake the ones waiting for input. The `std_server`
//!   and `tokio_server` examples show both wake-ups (a shut read half; a `Notify`).
//! - **Upgrades.** After a `101` or a 2xx to `CONNECT`,
//!   [`Conn::is_upgraded`](crate::Conn::is_upgraded) is true and `is_closed` is not: the
//!   socket and the unconsumed bytes belong to the new protocol.
//!
//! ### A blocking server, whole
//!
//! Every line of the loop above, on `std::net`, answering `GET` with a short text and
//! `POST` with the body's length. It runs here against a client sending two pipelined
//! requests, one with a chunked body.
//!
//! ```
//! use std::io::{ErrorKind, Read, Write};
//! use std::net::{TcpListener, TcpStream};
//! use std::time::{Instant, SystemTime};
//! use hyper_proto::{
//!     BodyKind, Config, Conn, DateCache, Method, Next, Server, StatusCode, TimeoutKind,
//! };
//!
//! fn serve(mut sock: TcpStream) -> std::io::Result<()> {
//!     sock.set_write_timeout(Some(hyper_proto::DEFAULT_SEND_TIMEOUT))?;
//!     let date = DateCache::new(SystemTime::now()); // refresh it each second in real code
//!     let mut conn = Conn::<Server>::new(Config::default(), Instant::now());
//!     let (mut buf, mut out) = (Vec::new(), Vec::new());
//!     let mut body_len = 0;
//!     loop {
//!         sock.write_all(&out)?; // 1. everything queued goes out
//!         out.clear();
//!         if conn.is_closed() {
//!             return Ok(()); // 2. (a refused request would linger here)
//!         }
//!         // 3. Wait no longer than the connection's next deadline.
//!         let now = Instant::now();
//!         if let Some(at) = conn.poll_timeout() {
//!             if at <= now {
//!                 let fired = conn.handle_timeout(now).and_then(|e| e.timeout_kind());
//!                 if fired == Some(TimeoutKind::Next) {
//!                     conn.respond_error(StatusCode::REQUEST_TIMEOUT); // a stalled body
//!                 }
//!                 conn.poll_transmit(&mut out, Some(&date));
//!                 continue;
//!             }
//!             sock.set_read_timeout(Some(at - now))?; // (set lazily in real code)
//!         }
//!         // 4. Read.
//!         let mut chunk = [0u8; 4096];
//!         let n = match sock.read(&mut chunk) {
//!             Ok(n) => n,
//!             // The socket's read timeout: back to the deadline check.
//!             Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => continue,
//!             Err(e) => return Err(e),
//!         };
//!         let now = Instant::now();
//!         if n == 0 {
//!             if conn.recv_eof(now).is_err() {
//!                 conn.poll_transmit(&mut out, Some(&date)); // 400: the request was cut
//!             }
//!             continue;
//!         }
//!         buf.extend_from_slice(&chunk[..n]);
//!         // 5. Everything the buffer holds: heads, bodies, answers.
//!         loop {
//!             if conn.can_read_head() {
//!                 let Some(head_len) = (match conn.recv_head(now, &buf) {
//!                     Ok(h) => h,
//!                     Err(_) => {
//!                         conn.poll_transmit(&mut out, Some(&date)); // 400, 431, 505...
//!                         break;
//!                     }
//!                 }) else {
//!                     break; // an incomplete head: read more
//!                 };
//!                 let is_get = conn.request(&buf).method() == Method::GET;
//!                 buf.drain(..head_len);
//!                 body_len = 0;
//!                 if conn.is_reading_body() {
//!                     conn.set_next(now, Next::read()); // queues 100 Continue if expected
//!                     conn.poll_transmit(&mut out, Some(&date));
//!                 } else {
//!                     let text: &[u8] = if is_get { b"hello\n" } else { b"0\n" };
//!                     let kind = BodyKind::Length(text.len() as u64);
//!                     conn.send_response_head(now, StatusCode::OK, [], kind, Some(&date), &mut out)
//!                         .expect("a request is being answered");
//!                     conn.send_body(text, &mut out).expect("within the length");
//!                     let _ = conn.end_exchange(now, &mut out); // keep-alive or close
//!                 }
//!             } else if conn.is_reading_body() {
//!                 let step = match conn.recv_body(now, &buf) {
//!                     Ok(step) => step,
//!                     Err(_) => {
//!                         conn.poll_transmit(&mut out, Some(&date)); // 400 or 413
//!                         break;
//!                     }
//!                 };
//!                 if step.consumed == 0 {
//!                     break; // the rest of the body has not arrived
//!                 }
//!                 body_len += step.data.len(); // use the data before dropping it
//!                 buf.drain(..step.consumed);
//!                 if conn.is_read_done() {
//!                     let text = format!("{body_len}\n");
//!                     let kind = BodyKind::Length(text.len() as u64);
//!                     conn.send_response_head(now, StatusCode::OK, [], kind, Some(&date), &mut out)
//!                         .expect("a request is being answered");
//!                     conn.send_body(text.as_bytes(), &mut out).expect("within the length");
//!                     let _ = conn.end_exchange(now, &mut out);
//!                 }
//!             } else {
//!                 break;
//!             }
//!         }
//!     }
//! }
//!
//! # fn main() -> std::io::Result<()> {
//! let listener = TcpListener::bind("127.0.0.1:0")?;
//! let addr = listener.local_addr()?;
//! let server = std::thread::spawn(move || serve(listener.accept()?.0));
//! let mut client = TcpStream::connect(addr)?;
//! client.write_all(
//!     b"POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n\
//!       GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
//! )?;
//! let mut answers = String::new();
//! client.read_to_string(&mut answers)?;
//! assert!(answers.starts_with("HTTP/1.1 200 OK\r\n"));
//! assert!(answers.contains("\r\n\r\n3\nHTTP/1.1 200 OK\r\n"));
//! assert!(answers.ends_with("\r\n\r\nhello\n"));
//! server.join().unwrap()?;
//! # Ok(())
//! # }
//! ```
//!
//! ## The client loop
//!
//! ```text
//! connect ──▶ Conn::<Client>::new(config, now)
//! per request (when conn.can_send_request()):
//!   1. conn.send_request_head(now, &RequestLine { method, target, host }, fields,
//!                             BodyKind, expect_continue, out)
//!   2. body: while conn.may_send_body(): conn.send_body(bytes, out) ...
//!            conn.finish_body(now, [], out)     (a chunked body's last chunk)
//!      With expect_continue the body waits: may_send_body() turns true when a
//!      100 Continue arrives (recv_head) or when poll_timeout() passes (handle_timeout).
//!   3. write `out`; read; conn.recv_head(now, unconsumed)
//!        Ok(Some(n)) ─▶ conn.response(unconsumed); drop n bytes;
//!                       an informational (1xx) head: call recv_head again
//!        Ok(None)    ─▶ read more
//!   4. while conn.is_reading_body(): conn.recv_body(now, unconsumed), as the server does;
//!      a read of 0 bytes ─▶ conn.recv_eof(now): it ends a body delimited by the close,
//!      and is an error for any other body cut short
//!   5. conn.end_exchange(now, out)
//!   6. reuse: conn.can_send_request() (and not conn.is_closed()): send the next request
//! ```
//!
//! A client reuses a pooled connection only if the server has not closed it meanwhile;
//! a request that failed on a reused connection before any byte of the answer came may be
//! retried when it is idempotent ([`is_idempotent`](crate::is_idempotent)).
//!
//! ### A blocking client, whole
//!
//! A `GET` on `std::net`, run here against a server that answers with a chunked body:
//!
//! ```
//! use std::io::{Read, Write};
//! use std::net::{TcpListener, TcpStream};
//! use std::time::Instant;
//! use hyper_proto::{BodyKind, Client, Config, Conn, Method, RequestLine, StatusCode};
//!
//! fn get(sock: &mut TcpStream, host: &str, path: &str) -> std::io::Result<(StatusCode, Vec<u8>)> {
//!     let bad = |e: hyper_proto::Error| std::io::Error::new(std::io::ErrorKind::InvalidData, e);
//!     let now = Instant::now();
//!     let mut conn = Conn::<Client>::new(Config::default(), now);
//!     let mut out = Vec::new();
//!     let line = RequestLine { method: &Method::GET, target: path.as_bytes(), host: host.as_bytes() };
//!     conn.send_request_head(now, &line, [], BodyKind::Empty, false, &mut out).map_err(bad)?;
//!     sock.write_all(&out)?;
//!     let (mut buf, mut body) = (Vec::new(), Vec::new());
//!     let mut chunk = [0u8; 4096];
//!     let mut status = None;
//!     loop {
//!         let now = Instant::now();
//!         // The head, skipping informational answers; then the body.
//!         while status.is_none() {
//!             match conn.recv_head(now, &buf).map_err(bad)? {
//!                 Some(n) => {
//!                     let res = conn.response(&buf);
//!                     if !res.is_informational() {
//!                         status = Some(res.status());
//!                     }
//!                     buf.drain(..n);
//!                 }
//!                 None => break, // more bytes, please
//!             }
//!         }
//!         while status.is_some() && conn.is_reading_body() {
//!             let step = conn.recv_body(now, &buf).map_err(bad)?;
//!             if step.consumed == 0 {
//!                 break;
//!             }
//!             body.extend_from_slice(step.data);
//!             buf.drain(..step.consumed);
//!         }
//!         if let (Some(status), false) = (status, conn.is_reading_body()) {
//!             conn.end_exchange(now, &mut out).map_err(bad)?; // the connection may be reused
//!             return Ok((status, body));
//!         }
//!         match sock.read(&mut chunk)? {
//!             0 => conn.recv_eof(now).map_err(bad)?, // ends a close-delimited body only
//!             n => buf.extend_from_slice(&chunk[..n]),
//!         }
//!     }
//! }
//!
//! # fn main() -> std::io::Result<()> {
//! let listener = TcpListener::bind("127.0.0.1:0")?;
//! let addr = listener.local_addr()?;
//! std::thread::spawn(move || -> std::io::Result<()> {
//!     let (mut s, _) = listener.accept()?;
//!     let mut head = [0u8; 1024];
//!     let _ = s.read(&mut head)?;
//!     s.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
//! });
//! let mut sock = TcpStream::connect(addr)?;
//! let (status, body) = get(&mut sock, "localhost", "/")?;
//! assert_eq!((status, &body[..]), (StatusCode::OK, &b"hello"[..]));
//! # Ok(())
//! # }
//! ```
//!
//! ## Under an async runtime
//!
//! The same loop, with readiness in place of blocking (`examples/src/tokio_server.rs`):
//!
//! - Wait for "readable, or the deadline" with one timer per connection. Moving a timer
//!   costs; move it only when `poll_timeout()` is *nearer* than where it is set, and when it
//!   fires early, set it again. Keep-alive requests then touch no timer.
//! - Hold no buffer while idle: take one from a per-thread pool when the socket is
//!   readable, give it back when every byte was consumed (a partial head keeps it). An
//!   idle connection is then its `Conn` and the runtime's task, about 2 KiB under tokio.
//! - A short read means the socket is drained: tell the runtime (tokio: return
//!   `WouldBlock` from `try_io` after the read) so that the next wait does not start with a
//!   read that fails with `EAGAIN`.
//! - Write `out` before reading again (bounded memory), or read and write concurrently.
