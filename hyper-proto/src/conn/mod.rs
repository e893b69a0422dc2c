//! The per-connection state machine, for both roles.
//!
//! # Theory of operation
//!
//! A connection carries a sequence of exchanges. Each exchange has two halves, tracked
//! separately: `reading` (the message we receive) and `writing` (the message we send).
//!
//! ```text
//!   reading:  Init ──head──▶ Body(Decoder) ──last byte──▶ Done ─┐
//!                  └─────────── no body ─────────────────▶ Done ─┤  both Done and
//!   writing:  Init ──head──▶ Body(Encoder) ──finish─────▶ Done ─┤  keep-alive:
//!                  └─────────── no body ─────────────────▶ Done ─┘  back to Init
//!   any error, `Next::remove`, or no keep-alive: ──▶ Closed (both halves)
//! ```
//!
//! Rules:
//! - Server: a head is parsed only when both halves are `Init`, so pipelined requests wait in
//!   the caller's buffer and are answered in order. Client: a response head is parsed only
//!   after the request head was written.
//! - The exchange ends when both halves are `Done`, or when the handler returns
//!   [`Next::end`]: an unfinished chunked body is finished then; an unread request body, a
//!   short length body, an HTTP/1.0 peer without keep-alive, `Connection: close`, or a peer
//!   that half-closed all end the connection instead of starting another exchange.
//! - A server answers a bad request head itself (400/413/414/417/431/501/505, with
//!   `Connection: close`) through [`Conn::poll_transmit`] and closes; an EOF in the middle
//!   of a head or body, or bad bytes after the response started, close silently.
//! - `Expect: 100-continue`: the server writes `100 Continue` the first time the handler asks
//!   to read the body, and never if the response head goes first.
//! - `101 Switching Protocols` (only in answer to an upgrade request) and a 2xx answer to
//!   `CONNECT` end HTTP/1.1 on the connection: [`Conn::is_upgraded`] turns true and the
//!   caller hands the transport, with the bytes left in its read buffer, to the new protocol.
//! - Deadlines: a new server connection has the head-read timeout; an idle keep-alive
//!   connection the idle timeout until its next head starts, then the head-read timeout; while
//!   a handler owns the exchange, the timeout of its last [`Next`]. Time is always passed in.

//!
//! This module is the state machine shared by both roles; `server.rs` and `client.rs` hold
//! what only one role does (parsing its heads, writing its heads), `role.rs` the role
//! hooks, `config.rs` the settings.

use core::fmt;
use core::marker::PhantomData;
use std::time::Instant;

use http::{Method, StatusCode};

use crate::date::DateCache;
use crate::decode::{Decoded, Decoder};
use crate::encode::{BodyKind, Encoder, Frame};
use crate::error::{Error, ParseError, TimeoutKind, UserError};
use crate::head_encode::{
    encode_request_fields, encode_response_fields, write_error_response, EncodedHead, FieldSource,
    RequestLine, ResponseContext,
};
use crate::head_parse::BodyLength;
use crate::next::{Interest, Next};
use crate::request::Request;
use crate::response::Response;

mod client;
mod config;
mod role;
mod server;

pub use config::{
    Config, DEFAULT_BODY_TIMEOUT, DEFAULT_CONTINUE_TIMEOUT, DEFAULT_HEAD_TIMEOUT,
    DEFAULT_IDLE_TIMEOUT, DEFAULT_SEND_TIMEOUT,
};
use role::Continue;
pub use role::{Client, ClientData, Role, Server, ServerData};

#[derive(Clone, Debug)]
enum Reading {
    Init,
    Body(Decoder),
    Done,
    Closed,
}

#[derive(Clone, Debug)]
enum Writing {
    Init,
    Body(Encoder),
    Done,
    Closed,
}

/// An automatic response waiting for [`Conn::poll_transmit`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pending {
    None,
    Error(StatusCode, &'static str),
}

/// A sans-IO HTTP/1.1 connection in role `R` ([`Server`] or [`Client`]).
///
/// It owns no socket and no buffer: the caller reads into its own buffer and hands the
/// unconsumed bytes to `recv_*`, and passes its write buffer to `send_*` and
/// [`Conn::poll_transmit`]. It reads no clock: every call that may arm or fire a deadline
/// takes `now`.
pub struct Conn<R: Role> {
    config: Config,
    data: R::Data,
    reading: Reading,
    writing: Writing,
    /// Both sides still allow another exchange after this one.
    keep_alive: bool,
    /// The peer closed its sending side.
    peer_eof: bool,
    next: Next,
    /// The idle, head-read or `Next` deadline (one at a time).
    deadline: Option<(Instant, TimeoutKind)>,
    /// Client: when a body held back for `100 Continue` goes out anyway. A timer beside
    /// `deadline`, since a `Next` timeout may run at the same time.
    continue_at: Option<Instant>,
    pending: Pending,
    /// Server: the answer to a malformed request body that came after our response had
    /// started; [`Conn::retract_response`] sends it when the driver can drop that response.
    unsent_error: Option<(StatusCode, &'static str)>,
    /// Our head for the current exchange was written (it stays set when the exchange
    /// completes on the wire, until the next one starts or the exchange is ended).
    head_sent: bool,
    /// Bytes of the current head seen so far, to arm the head timeout once.
    head_started: bool,
    /// The connection left HTTP/1.1 (101, or a 2xx to CONNECT): the bytes that follow
    /// belong to another protocol or a tunnel.
    upgraded: bool,
    exchanges: u64,
    /// The trailer section of the last chunked body received (field lines, CRLF-ended),
    /// kept in a buffer reused across messages.
    trailers: Vec<u8>,
    _role: PhantomData<R>,
}

impl<R: Role> fmt::Debug for Conn<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(R::NAME)
            .field("reading", &self.reading)
            .field("writing", &self.writing)
            .field("keep_alive", &self.keep_alive)
            .field("next", &self.next)
            .field("deadline", &self.deadline)
            .finish()
    }
}

impl<R: Role> Conn<R> {
    fn with_role(config: Config) -> Self {
        Self {
            config,
            data: R::data(config.limits),
            reading: Reading::Init,
            writing: Writing::Init,
            keep_alive: config.keep_alive,
            peer_eof: false,
            next: Next::read(),
            deadline: None,
            continue_at: None,
            pending: Pending::None,
            unsent_error: None,
            head_sent: false,
            head_started: false,
            upgraded: false,
            exchanges: 0,
            trailers: Vec::new(),
            _role: PhantomData,
        }
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Whether the connection is finished: flush what was written, then close the socket.
    /// (An upgraded connection is not closed: see [`Conn::is_upgraded`].)
    pub fn is_closed(&self) -> bool {
        matches!(self.reading, Reading::Closed)
            && matches!(self.writing, Writing::Closed)
            && !self.upgraded
    }

    /// Whether the connection switched protocols (`101 Switching Protocols`) or became a
    /// `CONNECT` tunnel. HTTP/1.1 is over: flush what was written, then hand the transport
    /// and any bytes still in the read buffer to whatever speaks the new protocol.
    pub fn is_upgraded(&self) -> bool {
        self.upgraded
    }

    /// Leaves HTTP/1.1 for good.
    fn upgrade(&mut self) {
        self.close();
        self.upgraded = true;
    }

    /// Whether another exchange may follow the current one.
    pub fn is_keep_alive(&self) -> bool {
        self.keep_alive
    }

    /// Whether the connection is between exchanges (nothing received or sent of the next).
    pub fn is_idle(&self) -> bool {
        matches!(
            (&self.reading, &self.writing),
            (Reading::Init, Writing::Init)
        ) && !self.head_started
    }

    /// How many exchanges completed on this connection.
    pub fn exchanges(&self) -> u64 {
        self.exchanges
    }

    /// Whether the body of the received message is still being read.
    pub fn is_reading_body(&self) -> bool {
        matches!(self.reading, Reading::Body(_))
    }

    /// Whether the received message was read in full (body included).
    pub fn is_read_done(&self) -> bool {
        matches!(self.reading, Reading::Done)
    }

    /// Whether the body of the message we send is still open.
    pub fn is_writing_body(&self) -> bool {
        matches!(self.writing, Writing::Body(_))
    }

    /// Whether socket reads are useful now: the last [`Next`] asks to read and a head or
    /// body is expected (between exchanges: the next head, or the peer closing).
    pub fn wants_read(&self) -> bool {
        match self.reading {
            Reading::Init | Reading::Body(_) => self.next.is_read(),
            Reading::Done | Reading::Closed => false,
        }
    }

    /// Whether [`Conn::poll_transmit`] has something to write (a `100 Continue` or an
    /// automatic answer).
    #[inline]
    pub fn has_pending_transmit(&self) -> bool {
        self.pending != Pending::None || R::continue_queued(&self.data)
    }

    /// Whether the handler asked to write, or an automatic response is waiting.
    pub fn wants_write(&self) -> bool {
        self.pending != Pending::None
            || R::continue_queued(&self.data)
            || (self.next.is_write() && matches!(self.writing, Writing::Init | Writing::Body(_)))
    }

    /// The last [`Next`] given to [`Conn::set_next`] (`read` between exchanges).
    pub fn next(&self) -> Next {
        self.next
    }

    /// Whether our head for the current exchange was written: the response head (server)
    /// or the request head (client). It stays true after the exchange completed on the
    /// wire, until [`Conn::end_exchange`] or the next exchange's head.
    pub fn head_sent(&self) -> bool {
        self.head_sent
    }

    /// The earliest deadline, if any: call [`Conn::handle_timeout`] when it passes.
    #[must_use]
    #[inline]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let main = self.deadline.map(|(at, _)| at);
        match (main, self.continue_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Fires the deadline if `now` is past it; safe to call at any time (spurious calls
    /// return `None`).
    ///
    /// A [`TimeoutKind::Next`] timeout goes to the handler, which decides; the idle and
    /// head-read timeouts close the connection (head-read answers 408 first, server role,
    /// when some of the head had arrived).
    ///
    /// The client's wait for `100 Continue` is a timer too: when it passes, the held-back
    /// body may go ([`Conn::may_send_body`]) and no error is returned for it.
    pub fn handle_timeout(&mut self, now: Instant) -> Option<Error> {
        if self.continue_at.is_some_and(|at| now >= at) {
            self.continue_at = None;
            R::stop_awaiting_continue(&mut self.data);
        }
        let (at, kind) = self.deadline?;
        if now < at {
            return None;
        }
        self.deadline = None;
        match kind {
            TimeoutKind::Idle => self.close(),
            // A client that started a request learns why it is closed; one that never sent
            // a byte (a browser's pre-connection) is closed without a word, since an
            // unsolicited 408 shows up there as an error.
            TimeoutKind::HeadRead if R::ANSWERS_ERRORS && self.head_started => {
                self.pending = Pending::Error(StatusCode::REQUEST_TIMEOUT, "request head timeout");
                self.reading = Reading::Closed;
                self.keep_alive = false;
            }
            TimeoutKind::HeadRead => self.close(),
            TimeoutKind::Next => {}
        }
        Some(Error::timeout(kind))
    }

    /// Records the handler's `next`: what [`Conn::wants_read`] / [`Conn::wants_write`]
    /// report from now on, and its timeout (measured from `now`) as the deadline. Asking to
    /// read an expecting request body queues `100 Continue` for [`Conn::poll_transmit`].
    ///
    /// [`Next::remove`] closes the connection. [`Next::end`] is only recorded: call
    /// [`Conn::end_exchange`] to end the exchange (it may have bytes to write).
    pub fn set_next(&mut self, now: Instant, next: Next) {
        self.next = next;
        match next.interest() {
            Interest::Remove => return self.close(),
            Interest::End => return,
            _ => {}
        }
        if next.is_read() && matches!(self.reading, Reading::Body(_)) {
            R::queue_continue(&mut self.data);
        }
        // The handler's own timeout, else the connection's limit on a body that makes no
        // progress (re-armed by every `set_next`): nothing waits on a silent peer forever.
        let limit = next.deadline_after().or_else(|| {
            if next.is_read() && self.is_reading_body() {
                self.config.body_timeout
            } else if next.is_write() && self.is_writing_body() {
                self.config.send_timeout
            } else {
                None
            }
        });
        self.deadline = limit.map(|d| (now + d, TimeoutKind::Next));
    }

    /// Ends the current exchange (the handler returned [`Next::end`]): an open chunked body
    /// gets its last chunk written to `out`, and keep-alive is decided: the connection
    /// waits for the next exchange ([`Conn::is_idle`]) or closes. An exchange that already
    /// completed on the wire is only released. Afterwards [`Conn::next`] is `read` again.
    ///
    /// # Errors
    ///
    /// [`UserError::BodyTooShort`] when a length body was not written in full, and
    /// [`UserError::InvalidState`] when a server ends without a response: the connection
    /// closes, since the peer cannot frame what follows.
    pub fn end_exchange(&mut self, now: Instant, out: &mut Vec<u8>) -> Result<(), Error> {
        self.head_sent = false;
        let result = self.end_current(now, out);
        self.next = Next::read();
        result
    }

    fn end_current(&mut self, now: Instant, out: &mut Vec<u8>) -> Result<(), Error> {
        self.unsent_error = None;
        if matches!(
            (&self.reading, &self.writing),
            (Reading::Init, Writing::Init)
        ) {
            // The exchange already completed on its own (or none started): nothing to end.
            return Ok(());
        }
        let mut result = Ok(());
        match &mut self.writing {
            Writing::Body(enc) => match enc.finish(out) {
                Ok(()) => self.writing = Writing::Done,
                Err(e) => {
                    result = Err(e.into());
                    self.keep_alive = false;
                    self.writing = Writing::Closed;
                }
            },
            Writing::Init => {
                // Ending without our message (a server that never answered): nothing
                // sensible can follow. (A client always wrote its request first.)
                result = Err(UserError::InvalidState.into());
                self.keep_alive = false;
                self.writing = Writing::Closed;
            }
            _ => {}
        }
        if !matches!(self.reading, Reading::Done) {
            // An unread body: its bytes would be taken for the next head; no head yet (a
            // client ending before the response came): the answer would be taken for the
            // next request's. Close instead.
            self.keep_alive = false;
            self.reading = Reading::Closed;
        }
        self.try_keep_alive(now);
        if !matches!(self.reading, Reading::Init) || !matches!(self.writing, Writing::Init) {
            self.close();
        }
        result
    }

    /// When both halves are done: start the next exchange, or close.
    fn try_keep_alive(&mut self, now: Instant) {
        match (&self.reading, &self.writing) {
            (Reading::Done, Writing::Done) if self.keep_alive && !self.peer_eof => {
                self.reading = Reading::Init;
                self.writing = Writing::Init;
                self.head_started = false;
                self.exchanges += 1;
                self.deadline = self
                    .config
                    .idle_timeout
                    .map(|d| (now + d, TimeoutKind::Idle));
            }
            (Reading::Done | Reading::Closed, Writing::Done | Writing::Closed) => {
                self.exchanges += 1;
                self.close();
            }
            _ => {}
        }
    }

    /// Makes the current exchange the last: a response not yet started says
    /// `Connection: close`, and the connection closes once the exchange ends (a server
    /// shutting down gracefully does this). Between exchanges it closes at once, unless
    /// the next head has started arriving ([`Conn::recv_head`] saw part of it): that
    /// request is still read and answered, as the last.
    pub fn disable_keep_alive(&mut self) {
        self.keep_alive = false;
        if self.is_idle() {
            self.close();
        }
    }

    /// Closes both halves; nothing more is read or written (pending bytes may still flush).
    pub fn close(&mut self) {
        self.reading = Reading::Closed;
        self.writing = Writing::Closed;
        self.keep_alive = false;
        self.deadline = None;
        self.continue_at = None;
    }

    /// Decodes body bytes from `buf` (the unconsumed bytes after the head).
    ///
    /// Drop `consumed` bytes from the buffer afterwards. When the body is complete, the
    /// exchange may move on (see [`Conn::is_read_done`]).
    ///
    /// # Errors
    ///
    /// A parse error for broken framing: the connection is closing; a server that has not
    /// started its response queues the matching error status in [`Conn::poll_transmit`].
    pub fn recv_body<'a>(&mut self, now: Instant, buf: &'a [u8]) -> Result<Decoded<'a>, Error> {
        let Reading::Body(dec) = &mut self.reading else {
            return Ok(Decoded {
                consumed: 0,
                data: &[],
                trailers: None,
            });
        };
        match dec.decode(buf) {
            Ok(step) => {
                if let Some(t) = step.trailers {
                    self.trailers.clear();
                    self.trailers.extend_from_slice(t);
                }
                if dec.is_done() {
                    self.reading = Reading::Done;
                    self.try_keep_alive(now);
                }
                Ok(step)
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    /// The trailer fields of the last chunked body received, as `(name, value)` in order
    /// (empty when it had none). Valid once that body ended, until the next message head.
    pub fn trailers(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.trailers.split(|&b| b == b'\n').filter_map(|line| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let colon = line.iter().position(|&b| b == b':')?;
            let name = core::str::from_utf8(&line[..colon]).ok()?;
            Some((name, crate::headers::trim_ows(&line[colon + 1..])))
        })
    }

    /// Tells the connection the peer closed its sending side (a read returned 0).
    ///
    /// Between messages this ends the connection quietly; after a complete request the
    /// response may still go out (half-close), but the connection closes after it.
    ///
    /// # Errors
    ///
    /// [`ParseError::IncompleteHead`] / [`ParseError::IncompleteBody`] when the peer closed in
    /// the middle of a message (a close-delimited body ends normally instead).
    pub fn recv_eof(&mut self, now: Instant) -> Result<(), Error> {
        self.peer_eof = true;
        self.keep_alive = false;
        match &mut self.reading {
            Reading::Init => {
                // Between exchanges a close is quiet; in the middle of a head, or with our
                // message sent (a client waiting for its response), the head is cut short.
                let cut = self.head_started || !matches!(self.writing, Writing::Init);
                self.close();
                if cut {
                    return Err(ParseError::IncompleteHead.into());
                }
                Ok(())
            }
            Reading::Body(dec) => match dec.decode_eof() {
                Ok(()) => {
                    self.reading = Reading::Done;
                    self.try_keep_alive(now);
                    Ok(())
                }
                // A body cut short: answered like any malformed body (400) when the
                // response has not started; the peer may still read it (half-close).
                Err(e) => Err(self.fail(e)),
            },
            Reading::Done => {
                self.try_keep_alive(now);
                Ok(())
            }
            Reading::Closed => Ok(()),
        }
    }

    /// Records a remote violation: stop reading; queue the matching answer when possible.
    fn fail(&mut self, e: ParseError) -> Error {
        self.keep_alive = false;
        self.reading = Reading::Closed;
        self.deadline = None;
        match (R::ANSWERS_ERRORS, &self.writing, e.status_hint()) {
            (true, Writing::Init, Some(status)) => {
                self.pending = Pending::Error(status, e.description());
            }
            (true, _, Some(status)) => {
                // Our response started; if none of it has left yet, the driver may still
                // send this answer instead (`retract_response`).
                self.unsent_error = Some((status, e.description()));
                self.close();
            }
            _ => self.close(),
        }
        e.into()
    }

    /// Accounts for `len` body bytes about to be written and returns their framing, for a
    /// vectored write of `prefix`, data, `suffix` without copying the data.
    ///
    /// # Errors
    ///
    /// [`UserError::InvalidState`] when no body is open, [`UserError::BodyTooLong`] past a
    /// declared length.
    pub fn frame_body(&mut self, len: usize) -> Result<Frame, Error> {
        match &mut self.writing {
            Writing::Body(enc) => Ok(enc.frame(len)?),
            _ => Err(UserError::InvalidState.into()),
        }
    }

    /// Appends `data`, framed, to `out`.
    ///
    /// # Errors
    ///
    /// As [`Conn::frame_body`].
    pub fn send_body(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        match &mut self.writing {
            Writing::Body(enc) => Ok(enc.encode(data, out)?),
            _ => Err(UserError::InvalidState.into()),
        }
    }

    /// Ends the body being written (last chunk and trailers for chunked). The exchange moves
    /// on once the received message is complete too.
    ///
    /// # Errors
    ///
    /// [`UserError::BodyTooShort`] for a length body not written in full (the connection
    /// then closes), [`UserError::InvalidState`] when no body is open.
    pub fn finish_body<'t>(
        &mut self,
        now: Instant,
        trailers: impl IntoIterator<Item = (&'t [u8], &'t [u8])>,
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let Writing::Body(enc) = &mut self.writing else {
            return Err(UserError::InvalidState.into());
        };
        if let Err(e) = enc.finish_with_trailers(trailers, out) {
            if e == UserError::BodyTooShort {
                self.keep_alive = false;
            }
            return Err(e.into());
        }
        self.writing = Writing::Done;
        self.try_keep_alive(now);
        Ok(())
    }

    /// Whether the length body being written was sent in full; if so, marks it done.
    fn settle_writing(&mut self, now: Instant) {
        if let Writing::Body(enc) = &self.writing {
            if enc.remaining() == Some(0) {
                self.writing = Writing::Done;
                self.try_keep_alive(now);
            }
        }
    }

    /// Marks a length body complete once all its bytes were framed, so the exchange can end
    /// without an explicit [`Conn::finish_body`]. Call after `frame_body`/`send_body`.
    pub fn body_written(&mut self, now: Instant) {
        self.settle_writing(now);
    }

    fn start_writing(&mut self, head: EncodedHead, now: Instant) {
        self.head_sent = true;
        self.keep_alive &= head.keep_alive;
        self.writing = if head.encoder.is_finished() {
            Writing::Done
        } else {
            Writing::Body(head.encoder)
        };
        self.try_keep_alive(now);
    }
}
