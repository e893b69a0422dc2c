//! The echo service written straight on [`hyper_proto::Conn`], with no IO at all: the part
//! the `std_server` and `tokio_server` examples share. A driver reads bytes from its socket,
//! hands them to [`EchoConn::on_input`], writes out what it appended to `out`, and waits
//! for more until [`EchoConn::deadline`]; that is the whole contract.
//!
//! What it answers is the `echo` example's (the same [`Route`]s): `GET /` a short text,
//! `POST /echo` the body back (sized like the request, or chunked), bodies held until they
//! end or reach [`READ_AHEAD_MAX`] so that clients which send everything before they read
//! get their echo; past that the echo streams back as the body arrives.
//!
//! The rules (framing, keep-alive, pipelining, `100 Continue`, the automatic 4xx answers,
//! every timeout) are hyper-proto's; this file only decides what to answer. See
//! `hyper_proto::driving` for the conventions it follows.

use std::time::Instant;

use hyper_proto::{
    BodyKind, BodyLength, Config, Conn, DateCache, HeaderList, Next, Server, StatusCode,
};

use crate::echo::{Route, READ_AHEAD_MAX};
use crate::held::Held;

thread_local! {
    /// The fields of the canned answers, validated once per thread instead of per answer:
    /// `Content-Type: text/plain`, then the same with each `Allow` value the routes use.
    static FIELDS: Vec<(Option<&'static str>, HeaderList)> = [None, Some("GET, HEAD"), Some("POST")]
        .into_iter()
        .map(|allow| {
            let mut list = HeaderList::new();
            let _ = list.append("content-type", b"text/plain");
            if let Some(allow) = allow {
                let _ = list.append("allow", allow.as_bytes());
            }
            (allow, list)
        })
        .collect();
}

/// Runs `f` with the fields of a canned answer with this `Allow` value.
fn with_fields<R>(allow: Option<&'static str>, f: impl FnOnce(&HeaderList) -> R) -> R {
    FIELDS.with(|lists| {
        let list = lists
            .iter()
            .find(|(a, _)| *a == allow)
            .map_or(&lists[0].1, |(_, l)| l);
        f(list)
    })
}

/// One server connection of the echo service, sans-IO.
#[derive(Debug)]
pub struct EchoConn {
    conn: Conn<Server>,
    route: Route,
    /// Echo body bytes held until the body ends or [`READ_AHEAD_MAX`] is reached.
    held: Held,
    /// The echo's head was written.
    echoing: bool,
    /// The connection answered a bad request itself: the peer may have sent more that we
    /// will not read, so the driver should drain it before closing (a lingering close).
    refused: bool,
}

impl EchoConn {
    /// A connection accepted at `now`.
    pub fn new(config: Config, now: Instant) -> Self {
        Self {
            conn: Conn::<Server>::new(config, now),
            route: Route::NotFound,
            held: Held::new(),
            echoing: false,
            refused: false,
        }
    }

    /// Takes the bytes received and not yet consumed (`input`, starting where the last call
    /// stopped) and returns how many it consumed: drop that many from the front of the
    /// buffer, keep the rest for the next call with more bytes behind it. Answers, as many
    /// as complete requests came in (pipelining), are appended to `out`.
    pub fn on_input(
        &mut self,
        now: Instant,
        input: &[u8],
        out: &mut Vec<u8>,
        date: &DateCache,
    ) -> usize {
        let mut used = 0;
        // Where this call began a response in `out`: none of it has left yet, so a body
        // found malformed later in the same input may still replace it by the 400.
        let mut answer_at = None;
        while !self.conn.is_closed() {
            let rest = &input[used..];
            if self.conn.can_read_head() {
                match self.conn.recv_head(now, rest) {
                    Ok(Some(head_len)) => {
                        let req = self.conn.request(rest);
                        let route = Route::of(req.method(), req.path(), req.body());
                        used += head_len;
                        answer_at = Some(out.len());
                        self.on_head(now, route, out, date);
                    }
                    // An incomplete head: more bytes, please (nothing consumed).
                    Ok(None) => break,
                    Err(e) => {
                        log::debug!("request refused: {e}");
                        self.transmit(out, date);
                        break;
                    }
                }
            } else if self.conn.is_reading_body() {
                match self.conn.recv_body(now, rest) {
                    // Nothing consumed: the rest of the body has not arrived yet.
                    Ok(step) if step.consumed == 0 => break,
                    Ok(step) => {
                        used += step.consumed;
                        self.on_body(now, step.data, out, date);
                    }
                    Err(e) => {
                        log::debug!("request body refused: {e}");
                        if let Some(at) = answer_at {
                            if self.conn.retract_response() {
                                out.truncate(at);
                            }
                        }
                        self.transmit(out, date);
                        break;
                    }
                }
            } else {
                break;
            }
        }
        used
    }

    /// The peer closed its sending side (a read returned 0).
    pub fn on_eof(&mut self, now: Instant, out: &mut Vec<u8>, date: &DateCache) {
        if let Err(e) = self.conn.recv_eof(now) {
            // Cut short in a head or body: 400 when none of our answer had started.
            log::debug!("peer closed mid-request: {e}");
            self.transmit(out, date);
        }
    }

    /// [`EchoConn::deadline`] passed (a spurious call does nothing).
    pub fn on_timeout(&mut self, now: Instant, out: &mut Vec<u8>, date: &DateCache) {
        let Some(e) = self.conn.handle_timeout(now) else {
            return;
        };
        log::debug!("{e}");
        if e.timeout_kind() == Some(hyper_proto::TimeoutKind::Next) {
            // A body that stopped coming (the connection's body timeout): 408 if our
            // answer has not started, else the connection just ends.
            self.conn.respond_error(StatusCode::REQUEST_TIMEOUT);
        }
        // A head-read timeout queued its 408 already; idle ones just close.
        self.transmit(out, date);
    }

    /// When [`EchoConn::on_timeout`] is due, if ever.
    pub fn deadline(&self) -> Option<Instant> {
        self.conn.poll_timeout()
    }

    /// Whether the connection is over: write what is left in `out`, then close.
    pub fn is_closed(&self) -> bool {
        self.conn.is_closed()
    }

    /// Whether the connection is between requests, with nothing of the next one read: a
    /// driver shutting down may close it now without cutting a request short.
    pub fn is_idle(&self) -> bool {
        self.conn.is_idle()
    }

    /// A graceful shutdown: the request in progress (or one whose head has started
    /// arriving) is answered as the last, with `Connection: close`; an idle connection is
    /// closed at once ([`EchoConn::is_closed`]).
    pub fn stop(&mut self) {
        self.conn.disable_keep_alive();
    }

    /// Whether the connection refused a request itself (see the `refused` field): drain
    /// what the peer still sends for a moment before closing, so that the answer is not
    /// lost to a reset.
    pub fn wants_linger(&self) -> bool {
        self.refused
    }

    /// Writes an automatic answer, if the connection has one.
    fn transmit(&mut self, out: &mut Vec<u8>, date: &DateCache) {
        if self.conn.poll_transmit(out, Some(date)) {
            self.refused = true;
        }
    }

    fn on_head(&mut self, now: Instant, route: Route, out: &mut Vec<u8>, date: &DateCache) {
        self.route = route;
        self.echoing = false;
        if self.conn.is_reading_body() {
            // Read the body (the echo's, or one to drop): this is also what sends
            // `100 Continue` to a client that waits for it.
            self.conn.set_next(now, Next::read());
            self.conn.poll_transmit(out, Some(date));
        } else {
            self.on_body_end(now, out, date);
        }
    }

    fn on_body(&mut self, now: Instant, data: &[u8], out: &mut Vec<u8>, date: &DateCache) {
        if let Route::Echo(_) = self.route {
            if self.echoing {
                // A length or chunked body: the framing was chosen with the head.
                let _ = self.conn.send_body(data, out);
            } else {
                self.held.extend_from_slice(data);
                if self.held.len() >= READ_AHEAD_MAX {
                    self.start_echo(now, out, date);
                }
            }
        }
        if self.conn.is_read_done() {
            self.on_body_end(now, out, date);
        } else {
            // Re-arms the body timeout: it counts time without progress.
            self.conn.set_next(now, Next::read());
        }
    }

    /// The request has been read in full: finish the answer and the exchange.
    fn on_body_end(&mut self, now: Instant, out: &mut Vec<u8>, date: &DateCache) {
        if let Some(canned) = self.route.canned() {
            let kind = BodyKind::Length(canned.body.len() as u64);
            let head = with_fields(canned.allow, |fields| {
                self.conn
                    .send_response_head_list(now, canned.status, fields, kind, Some(date), out)
            });
            if head.is_ok() {
                let _ = self.conn.send_body(canned.body, out);
            }
        } else if !self.echoing {
            self.start_echo(now, out, date);
        }
        // Writes a chunked echo's last chunk; keep-alive or close, as the request allows.
        if let Err(e) = self.conn.end_exchange(now, out) {
            log::debug!("exchange ended with: {e}");
        }
        self.held.clear();
    }

    /// Writes the echo's head and the body bytes held so far.
    fn start_echo(&mut self, now: Instant, out: &mut Vec<u8>, date: &DateCache) {
        let kind = match self.route {
            Route::Echo(BodyLength::Length(n)) => BodyKind::Length(n),
            Route::Echo(BodyLength::Empty) => BodyKind::Empty,
            _ => BodyKind::Streaming,
        };
        let fields = [(&b"content-type"[..], &b"application/octet-stream"[..])];
        if self
            .conn
            .send_response_head(now, StatusCode::OK, fields, kind, Some(date), out)
            .is_ok()
        {
            self.echoing = true;
            for part in self.held.slices() {
                let _ = self.conn.send_body(part, out);
            }
        }
        self.held.clear();
    }
}
