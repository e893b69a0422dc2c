//! A connection while a worker has it: blocking reads and writes on a duplicate of the
//! loop's socket (through its TLS session on an HTTPS server), framed by the connection's
//! `hyper_proto::Conn`.

use std::io::{self, Write};
use std::net::{Shutdown, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use hyper_proto::{BodyKind, Conn, DateCache, Next, Server as ProtoServer};
use rustls::ServerConnection;

use super::driver::Stream;

use crate::header::Headers;
use crate::method::Method;
use crate::readbuf::{invalid, read_body, ReadBuf, Spill};
use crate::status::StatusCode;
use crate::uri::RequestUri;
use crate::version::HttpVersion;

/// Response bytes gathered before a write (0.10's `BufWriter` did the same).
const WRITE_CHUNK: usize = 16 * 1024;
/// Most request body bytes read and dropped after a handler that did not read them all; past
/// it the connection is closed instead.
const DRAIN_CAP: u64 = 1024 * 1024;

/// A request head, owned: what a handler sees of it.
pub(crate) struct Head {
    pub(crate) method: Method,
    pub(crate) uri: RequestUri,
    pub(crate) version: HttpVersion,
    pub(crate) headers: Headers,
    pub(crate) expects_continue: bool,
}

impl Head {
    pub(crate) fn of(req: &hyper_proto::Request<'_>) -> Head {
        let mut headers = Headers::new();
        for (name, value) in req.headers().iter() {
            headers.append_raw(crate::header::known_name(name), value.to_vec());
        }
        Head {
            method: Method::from(req.method()),
            uri: req
                .target()
                .parse()
                .unwrap_or_else(|_| RequestUri::AbsolutePath(req.target().to_owned())),
            version: HttpVersion::from(req.version()),
            headers,
            expects_continue: req.expects_continue(),
        }
    }
}

/// A connection's read and write buffers, between two connections.
#[derive(Default)]
pub(crate) struct Buffers {
    out: Vec<u8>,
    read: Vec<u8>,
}

/// What the worker ends with.
pub(crate) enum After {
    /// Another request is complete in the buffer: serve it.
    Next(Head),
    /// Give the connection back to the loop (idle, or a head still coming).
    Return,
    /// The connection is over.
    Close,
}

pub(crate) struct WorkerConn {
    stream: Stream,
    pub(crate) proto: Box<Conn<ProtoServer>>,
    /// Bytes read and not yet parsed.
    rbuf: ReadBuf,
    /// Body bytes decoded beyond what the reader's buffer took.
    spill: Spill,
    out: Vec<u8>,
    date: DateCache,
    date_at: u64,
    /// How long a body read may wait for bytes (`Server::set_read_timeout`).
    read_timeout: Option<Duration>,
    /// Field names the core writes go out in title case (`Server::title_case_headers`).
    title_case: bool,
    /// The request asked for `100 Continue` and it has not gone out.
    continue_pending: bool,
    /// `out` holds the current response from this offset on, and none of it was written:
    /// a malformed request body can still get its 400 instead.
    unsent_from: Option<usize>,
    pub(crate) peer: SocketAddr,
    /// Set when the server stops: the request in progress is the connection's last.
    stopping: Arc<AtomicBool>,
}

impl WorkerConn {
    pub(crate) fn new(
        stream: Stream,
        proto: Box<Conn<ProtoServer>>,
        leftover: Vec<u8>,
        peer: SocketAddr,
        quiet: Duration,
        timeouts: Timeouts,
        stopping: Arc<AtomicBool>,
    ) -> io::Result<WorkerConn> {
        if let Some(sock) = stream.sock() {
            sock.set_nonblocking(false)?;
        }
        // A read waits at most `quiet`: body reads retry until their own timeout; waiting
        // for the next head gives up then and hands the connection back.
        stream.set_read_timeout(Some(quiet))?;
        stream.set_write_timeout(timeouts.write)?;
        let now = SystemTime::now();
        let title_case = timeouts.title_case;
        Ok(WorkerConn {
            stream,
            proto,
            rbuf: ReadBuf::from_bytes(leftover),
            spill: Spill::default(),
            // The pool lends buffers to the connections its workers serve.
            out: Vec::new(),
            date: DateCache::new(now),
            date_at: secs(now),
            read_timeout: timeouts.read,
            title_case,
            continue_pending: false,
            unsent_from: None,
            peer,
            stopping,
        })
    }

    /// The socket back in the loop's mode, and what the loop takes back: the protocol
    /// state, the bytes not yet parsed, the TLS session.
    pub(crate) fn into_parts(
        self,
    ) -> (
        Box<Conn<ProtoServer>>,
        Vec<u8>,
        Option<Box<ServerConnection>>,
    ) {
        if let Some(sock) = self.stream.sock() {
            let _ = sock.set_nonblocking(true);
        }
        // Only the unparsed bytes go back (usually none): an idle connection holds no buffer.
        let unparsed = self.rbuf.into_unparsed();
        (self.proto, unparsed, into_session(self.stream))
    }

    /// The TLS session, for a connection that is over (the loop closes it with
    /// `close_notify`).
    pub(crate) fn into_session(self) -> Option<Box<ServerConnection>> {
        if let Some(sock) = self.stream.sock() {
            let _ = sock.set_nonblocking(true);
        }
        into_session(self.stream)
    }

    /// Its buffers, when it goes to wait for its next request, for another connection
    /// to use: a waiting connection holds none (but unparsed bytes).
    pub(crate) fn take_buffers(&mut self) -> Buffers {
        let out = if self.out.is_empty() {
            std::mem::take(&mut self.out)
        } else {
            Vec::new()
        };
        Buffers {
            out,
            read: self.rbuf.take_storage(),
        }
    }

    /// Buffers to serve with (from [`WorkerConn::take_buffers`] of another, or new).
    pub(crate) fn give_buffers(&mut self, b: Buffers) {
        if self.out.capacity() == 0 {
            self.out = b.out;
        }
        if self.out.capacity() == 0 {
            self.out.reserve(WRITE_CHUNK);
        }
        self.rbuf.give_storage(b.read);
    }

    /// The socket (`None` for a user's stream, which is never lent by the loop).
    pub(crate) fn sock(&self) -> Option<&std::net::TcpStream> {
        self.stream.sock()
    }

    /// The longest a body read waits for bytes (the request's `set_read_timeout`).
    pub(crate) fn set_body_timeout(&mut self, dur: Option<Duration>) {
        self.read_timeout = dur;
    }

    /// The longest a response write waits.
    pub(crate) fn set_write_timeout(&mut self, dur: Option<Duration>) -> io::Result<()> {
        self.stream.set_write_timeout(dur)
    }

    pub(crate) fn begin(&mut self, head: &Head) {
        self.stop_if_stopping();
        self.continue_pending = head.expects_continue;
        self.unsent_from = None;
        self.spill.clear();
    }

    /// When the server is stopping, makes the current request the connection's last (its
    /// answer says `Connection: close` if its head has not gone out).
    fn stop_if_stopping(&mut self) {
        if self.stopping.load(Ordering::SeqCst) {
            self.proto.disable_keep_alive();
        }
    }

    fn refresh_date(&mut self) {
        let now = SystemTime::now();
        let s = secs(now);
        if s != self.date_at {
            self.date.update(now);
            self.date_at = s;
        }
    }

    /// One read into the buffer: `Ok(false)` at end of stream; `WouldBlock`/`TimedOut` when
    /// nothing came within the quiet time.
    fn fill_once(&mut self) -> io::Result<bool> {
        self.rbuf.fill_from(&mut self.stream)
    }

    /// Reads request body bytes (sending `100 Continue` first if the client waits for it).
    pub(crate) fn read_body(&mut self, dst: &mut [u8]) -> io::Result<usize> {
        if self.continue_pending {
            self.continue_pending = false;
            let now = Instant::now();
            self.proto.set_next(now, Next::read());
            self.refresh_date();
            if self.proto.poll_transmit(&mut self.out, Some(&self.date)) {
                self.write_out()?;
            }
        }
        let (stream, timeout) = (&mut self.stream, self.read_timeout);
        let read = read_body(
            &mut self.proto,
            &mut self.rbuf,
            &mut self.spill,
            dst,
            |rb| fill_body(rb, stream, timeout),
        );
        if read.is_err() {
            self.answer_body_error();
        }
        read
    }

    /// After a malformed request body: its automatic answer (400, 413, ...) goes out now,
    /// in place of a response that was queued but has not left; one already partly
    /// written is cut short instead (the connection closes).
    fn answer_body_error(&mut self) {
        if let Some(at) = self.unsent_from.take() {
            if self.proto.retract_response() {
                self.out.truncate(at);
            }
        }
        if self.proto.has_pending_transmit() {
            self.refresh_date();
            self.proto.poll_transmit(&mut self.out, Some(&self.date));
            let _ = self.write_out();
        }
    }

    /// Writes the response head. `body`: `None` lets the headers decide (`Content-Length`,
    /// else a streamed body).
    pub(crate) fn send_head(
        &mut self,
        status: StatusCode,
        headers: &Headers,
        body: Option<BodyKind>,
    ) -> io::Result<()> {
        let body = body.unwrap_or_else(|| body_kind_of(headers));
        // A stop that began while the handler ran.
        self.stop_if_stopping();
        self.refresh_date();
        // A handler that did not read an expected body: the client learns it will not be
        // read from the answer itself.
        self.continue_pending = false;
        let at = self.out.len();
        self.proto
            .send_response_head(
                Instant::now(),
                http::StatusCode::from(status),
                headers.lines().map(|(n, v)| (n.as_bytes(), v)),
                body,
                Some(&self.date),
                &mut self.out,
            )
            .map_err(invalid)?;
        if self.title_case {
            title_case_fields(&mut self.out[at..]);
        }
        self.unsent_from = Some(at);
        Ok(())
    }

    /// Queues body bytes, writing when enough have gathered. A response that carries no
    /// body (to `HEAD`, a 204 or 304) drops them.
    pub(crate) fn write_body(&mut self, data: &[u8]) -> io::Result<()> {
        if !self.proto.is_writing_body() {
            return Ok(());
        }
        self.proto.send_body(data, &mut self.out).map_err(invalid)?;
        self.proto.body_written(Instant::now());
        if self.out.len() >= WRITE_CHUNK {
            self.write_out()?;
        }
        Ok(())
    }

    /// Writes what is queued.
    pub(crate) fn write_out(&mut self) -> io::Result<()> {
        if !self.out.is_empty() {
            self.unsent_from = None;
            // `flush` sends what a TLS session still holds (nothing on a plain socket).
            let r = self
                .stream
                .write_all(&self.out)
                .and_then(|()| self.stream.flush());
            self.out.clear();
            r?;
        }
        Ok(())
    }

    /// Ends the response body (the last chunk of a chunked one) and writes it out.
    pub(crate) fn finish(&mut self) -> io::Result<()> {
        if self.proto.is_writing_body() {
            self.proto
                .finish_body(Instant::now(), [], &mut self.out)
                .map_err(invalid)?;
        }
        self.write_out()
    }

    /// The handler is done: answer if it did not (500), drop an unread body, end the
    /// exchange, and see what comes next.
    pub(crate) fn end_exchange(&mut self, jobs_waiting: bool) -> After {
        if !self.proto.head_sent() && !self.proto.is_closed() {
            self.proto
                .respond_error(http::StatusCode::INTERNAL_SERVER_ERROR);
            self.refresh_date();
            self.proto.poll_transmit(&mut self.out, Some(&self.date));
            let _ = self.write_out();
            return After::Close;
        }
        // A body the handler left unread: read it and drop it, so the connection can carry
        // the next request; not one the client holds back for a `100 Continue` never sent.
        if self.proto.is_reading_body() && !self.continue_pending {
            let mut scratch = [0u8; 8192];
            let mut total = 0u64;
            while total <= DRAIN_CAP {
                match self.read_body(&mut scratch) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => total += n as u64,
                }
            }
        }
        let ended = self.proto.end_exchange(Instant::now(), &mut self.out);
        if self.write_out().is_err() || ended.is_err() || self.proto.is_closed() {
            return After::Close;
        }
        self.next_head(jobs_waiting)
    }

    /// The next request: already buffered (pipelined), or arriving before the connection
    /// goes quiet. Waits only when no other request waits for a worker.
    pub(crate) fn next_head(&mut self, jobs_waiting: bool) -> After {
        let mut waited = false;
        loop {
            if !self.rbuf.unparsed().is_empty() {
                match self.proto.recv_head(Instant::now(), self.rbuf.unparsed()) {
                    Ok(Some(n)) => {
                        let head = Head::of(&self.proto.request(self.rbuf.unparsed()));
                        self.rbuf.consume(n);
                        return After::Next(head);
                    }
                    Ok(None) => {}
                    Err(_) => {
                        self.refresh_date();
                        self.proto.poll_transmit(&mut self.out, Some(&self.date));
                        let _ = self.write_out();
                        return After::Close;
                    }
                }
            }
            if jobs_waiting || waited {
                return After::Return;
            }
            match self.fill_once() {
                Ok(true) => {}
                Ok(false) => {
                    let _ = self.proto.recv_eof(Instant::now());
                    return After::Close;
                }
                Err(e) if is_quiet(&e) => waited = true,
                Err(_) => return After::Close,
            }
        }
    }

    /// Ends the connection: what is queued goes out, then both directions shut.
    pub(crate) fn close(&mut self) {
        let _ = self.write_out();
        self.proto.close();
        let _ = self.stream.shutdown(Shutdown::Both);
    }

    /// Gives up on the connection: close it without ending the response (a handler that
    /// panicked mid-body).
    pub(crate) fn abort(&mut self) {
        self.out.clear();
        self.proto.close();
        let _ = self.stream.shutdown(Shutdown::Both);
    }
}

/// The framing the headers declare: `Content-Length`, `Transfer-Encoding: chunked`, or a
/// streamed body.
fn body_kind_of(headers: &Headers) -> BodyKind {
    for (name, value) in headers.lines() {
        if let Some(Ok(kind)) = BodyKind::from_header(name, value) {
            return kind;
        }
    }
    BodyKind::Streaming
}

fn into_session(stream: Stream) -> Option<Box<ServerConnection>> {
    match stream {
        Stream::Plain(_) | Stream::User(_) => None,
        Stream::Tls(t) => Some(Box::new(t.conn)),
    }
}

/// A read for the body: retries quiet reads until the read timeout.
fn fill_body(rb: &mut ReadBuf, stream: &mut Stream, timeout: Option<Duration>) -> io::Result<bool> {
    let deadline = timeout.map(|d| Instant::now() + d);
    loop {
        match rb.fill_from(stream) {
            Err(e) if is_quiet(&e) => {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "request body read timed out",
                    ));
                }
            }
            other => return other,
        }
    }
}

fn is_quiet(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

fn secs(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Socket timeouts, as 0.10's `set_read_timeout` / `set_write_timeout` set them, and the
/// case of the field names hypersync writes itself.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Timeouts {
    pub(crate) read: Option<Duration>,
    pub(crate) write: Option<Duration>,
    /// `Content-Length`, `Transfer-Encoding`, `Date`, `Connection` as 0.10 wrote them.
    pub(crate) title_case: bool,
}

/// The field names the protocol core writes (in lower case), as 0.10 wrote them.
const TITLE_CASE: [(&[u8], &[u8]); 4] = [
    (b"\r\ncontent-length:", b"\r\nContent-Length:"),
    (b"\r\ntransfer-encoding:", b"\r\nTransfer-Encoding:"),
    (b"\r\ndate:", b"\r\nDate:"),
    (b"\r\nconnection:", b"\r\nConnection:"),
];

/// Rewrites, in place, the lower-case framing and `Date` field names of a response head
/// to title case (the same length: nothing moves). One pass over the head's bytes, looking
/// only at the first byte of each line.
fn title_case_fields(head: &mut [u8]) {
    let mut i = 0;
    while i + 1 < head.len() {
        if head[i] != b'\n' {
            i += 1;
            continue;
        }
        let line = i.saturating_sub(1);
        match head[i + 1] {
            b'\r' => return,
            b'c' | b't' | b'd' => {
                for (lower, title) in TITLE_CASE {
                    if head[line..].starts_with(lower) {
                        head[line..line + title.len()].copy_from_slice(title);
                        break;
                    }
                }
            }
            _ => {}
        }
        i += 2;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn title_case_rewrites_only_the_fields_hypersync_writes() {
        let mut head = b"HTTP/1.1 200 OK\r\nx-date: 1\r\ncontent-length: 5\r\ndate: Thu, 01 Jan 1970 00:00:00 GMT\r\nconnection: close\r\n\r\ndate: body".to_vec();
        super::title_case_fields(&mut head);
        assert_eq!(
            String::from_utf8(head).unwrap(),
            "HTTP/1.1 200 OK\r\nx-date: 1\r\nContent-Length: 5\r\nDate: Thu, 01 Jan 1970 00:00:00 GMT\r\nConnection: close\r\n\r\ndate: body"
        );
        let mut chunked = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n".to_vec();
        super::title_case_fields(&mut chunked);
        assert!(chunked.starts_with(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked"));
    }
}
