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

use core::fmt;
use core::marker::PhantomData;
use std::time::{Duration, Instant};

use http::{Method, StatusCode, Version};

use crate::decode::{Decoded, Decoder};
use crate::encode::{Encoder, Frame};
use crate::error::{Error, ParseError, TimeoutKind, UserError};
use crate::head::BodyLength;
use crate::head_encode::{
    encode_request_fields, encode_response_fields, write_error_response, BodyKind, DateCache,
    EncodedHead, Fields, RequestLine, ResponseContext,
};
use crate::limits::Limits;
use crate::next::{Interest, Next};
use crate::request::{Request, RequestParser};
use crate::response::{Response, ResponseParser};

/// Default time an idle keep-alive connection is kept (nginx: 75 s).
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Default time a peer has to send a whole request head (hyper: 30 s; slowloris protection).
pub const DEFAULT_HEAD_TIMEOUT: Duration = Duration::from_secs(30);

/// Default time a client holds back a request body sent with `Expect: 100-continue` before
/// sending it anyway (curl waits 1 s).
pub const DEFAULT_CONTINUE_TIMEOUT: Duration = Duration::from_secs(1);

/// Settings of one connection.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use hyper_proto::{Config, Limits};
/// let config = Config::default()
///     .keep_alive(false)
///     .head_timeout(Some(Duration::from_secs(5)))
///     .limits(Limits::default().max_headers(50));
/// assert!(!config.is_keep_alive());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    limits: Limits,
    keep_alive: bool,
    idle_timeout: Option<Duration>,
    head_timeout: Option<Duration>,
    continue_timeout: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            keep_alive: true,
            idle_timeout: Some(DEFAULT_IDLE_TIMEOUT),
            head_timeout: Some(DEFAULT_HEAD_TIMEOUT),
            continue_timeout: DEFAULT_CONTINUE_TIMEOUT,
        }
    }
}

impl Config {
    /// Sets the size limits.
    pub const fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Allows or forbids more than one exchange per connection (on by default).
    pub const fn keep_alive(mut self, on: bool) -> Self {
        self.keep_alive = on;
        self
    }

    /// How long an idle keep-alive connection is kept ([`DEFAULT_IDLE_TIMEOUT`]).
    pub const fn idle_timeout(mut self, d: Option<Duration>) -> Self {
        self.idle_timeout = d;
        self
    }

    /// How long a peer has to send a whole head once it started ([`DEFAULT_HEAD_TIMEOUT`]).
    pub const fn head_timeout(mut self, d: Option<Duration>) -> Self {
        self.head_timeout = d;
        self
    }

    /// How long a client holds back a body sent with `Expect: 100-continue` waiting for
    /// `100 Continue` before sending it anyway ([`DEFAULT_CONTINUE_TIMEOUT`]).
    pub const fn continue_timeout(mut self, d: Duration) -> Self {
        self.continue_timeout = d;
        self
    }

    /// Whether keep-alive is on.
    pub const fn is_keep_alive(&self) -> bool {
        self.keep_alive
    }

    /// The size limits.
    pub const fn get_limits(&self) -> &Limits {
        &self.limits
    }
}

mod sealed {
    #[allow(
        unnameable_types,
        reason = "the sealed-trait pattern: nameable by no one on purpose"
    )]
    pub trait Sealed {}
}

/// The side of the connection: [`Server`] reads requests, [`Client`] reads responses.
///
/// The generic state machine asks the role through these hooks wherever the two sides
/// differ (h11's "Rule 2"): the role-specific code lives with the role.
pub trait Role: sealed::Sealed {
    /// Role-specific state (the head parser and what it needs).
    #[doc(hidden)]
    type Data: fmt::Debug;
    #[doc(hidden)]
    fn data(limits: Limits) -> Self::Data;
    /// The name in `Debug` output.
    #[doc(hidden)]
    const NAME: &'static str;
    /// Whether a remote violation or a head-read timeout is answered with an automatic
    /// response (the server's 4xx; a client just closes).
    #[doc(hidden)]
    const ANSWERS_ERRORS: bool;
    /// Whether a `100 Continue` waits to be written.
    #[doc(hidden)]
    fn continue_queued(data: &Self::Data) -> bool;
    /// The handler asked to read the body: queue `100 Continue` if the request expects it.
    #[doc(hidden)]
    fn queue_continue(data: &mut Self::Data);
    /// The wait for `100 Continue` is over: a held-back request body may go.
    #[doc(hidden)]
    fn stop_awaiting_continue(data: &mut Self::Data);
}

/// The server role: reads requests, writes responses.
#[derive(Debug)]
pub enum Server {}

/// The client role: writes requests, reads responses.
#[derive(Debug)]
pub enum Client {}

impl sealed::Sealed for Server {}
impl sealed::Sealed for Client {}

#[doc(hidden)]
#[derive(Debug)]
pub struct ServerData {
    parser: RequestParser,
    /// The request being answered: version, HEAD, expect-continue.
    version: Version,
    head_request: bool,
    /// The request asked to switch protocols / was CONNECT.
    upgrade_requested: bool,
    connect: bool,
    continue_state: Continue,
}

#[doc(hidden)]
#[derive(Debug)]
pub struct ClientData {
    parser: ResponseParser,
    method: Method,
    /// We sent `Expect: 100-continue` and no answer came yet.
    awaiting_continue: bool,
}

impl Role for Server {
    type Data = ServerData;
    fn data(limits: Limits) -> ServerData {
        ServerData {
            parser: RequestParser::new(limits),
            version: Version::HTTP_11,
            head_request: false,
            upgrade_requested: false,
            connect: false,
            continue_state: Continue::None,
        }
    }
    const NAME: &'static str = "Conn<Server>";
    const ANSWERS_ERRORS: bool = true;
    fn continue_queued(data: &ServerData) -> bool {
        data.continue_state == Continue::Queued
    }
    fn queue_continue(data: &mut ServerData) {
        if data.continue_state == Continue::Expected {
            data.continue_state = Continue::Queued;
        }
    }
    fn stop_awaiting_continue(_: &mut ServerData) {}
}

impl Role for Client {
    type Data = ClientData;
    fn data(limits: Limits) -> ClientData {
        ClientData {
            parser: ResponseParser::new(limits),
            method: Method::GET,
            awaiting_continue: false,
        }
    }
    const NAME: &'static str = "Conn<Client>";
    const ANSWERS_ERRORS: bool = false;
    fn continue_queued(_: &ClientData) -> bool {
        false
    }
    fn queue_continue(_: &mut ClientData) {}
    fn stop_awaiting_continue(data: &mut ClientData) {
        data.awaiting_continue = false;
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Continue {
    None,
    /// The request expects 100-continue; nothing sent yet.
    Expected,
    /// `100 Continue` waits in `poll_transmit`.
    Queued,
    /// Sent, or no longer possible (the response head went out).
    Done,
}

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
    /// head-read timeouts close the connection (head-read answers 408 first, server role).
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
            TimeoutKind::HeadRead if R::ANSWERS_ERRORS => {
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
        self.deadline = next.deadline_after().map(|d| (now + d, TimeoutKind::Next));
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
    /// shutting down gracefully does this).
    pub fn disable_keep_alive(&mut self) {
        self.keep_alive = false;
        if matches!(
            (&self.reading, &self.writing),
            (Reading::Init, Writing::Init)
        ) {
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
                Err(e) => {
                    self.close();
                    Err(e.into())
                }
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

// ===== Server role =====

impl Conn<Server> {
    /// A server connection that accepted its socket at `now` (the head-read timeout runs).
    pub fn new(config: Config, now: Instant) -> Self {
        let mut conn = Self::with_role(config);
        conn.deadline = config
            .head_timeout
            .map(|d| (now + d, TimeoutKind::HeadRead));
        conn
    }

    /// Makes this state that of a new connection, as [`Conn::new`] would, but keeps the
    /// memory it already holds (the header table, the trailer buffer) and the last `Host`
    /// value found valid: a server that recycles connection states accepts without
    /// allocating, and checks a repeated `Host` with a byte comparison.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Instant;
    /// use hyper_proto::{Config, Conn, Server};
    /// let now = Instant::now();
    /// let mut conn = Conn::<Server>::new(Config::default(), now);
    /// conn.recv_head(now, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    /// conn.renew(Config::default(), now);
    /// assert!(conn.can_read_head());
    /// ```
    pub fn renew(&mut self, config: Config, now: Instant) {
        let mut fresh = Self::new(config, now);
        fresh.data.parser.inherit(&mut self.data.parser);
        self.trailers.clear();
        core::mem::swap(&mut fresh.trailers, &mut self.trailers);
        *self = fresh;
    }

    /// Whether a request head may be parsed now (between exchanges; pipelined requests wait).
    pub fn can_read_head(&self) -> bool {
        matches!(
            (&self.reading, &self.writing),
            (Reading::Init, Writing::Init)
        )
    }

    /// Parses a request head at the start of `buf`.
    ///
    /// `Ok(Some(head_len))`: view it with [`Conn::request`] over the same `buf`, then drop
    /// `head_len` bytes; the body (if any) follows through [`Conn::recv_body`].
    /// `Ok(None)`: call again with more bytes (nothing is consumed; bytes already seen are not
    /// scanned again).
    ///
    /// # Errors
    ///
    /// The request is refused: [`Conn::poll_transmit`] writes the answer (400, 413, 414, 417,
    /// 431, 501, 505), then the connection closes.
    pub fn recv_head(&mut self, now: Instant, buf: &[u8]) -> Result<Option<usize>, Error> {
        if !self.can_read_head() {
            return Ok(None);
        }
        match self.data.parser.parse_meta(buf) {
            Ok(true) => {}
            Ok(false) => {
                if !buf.is_empty() && !self.head_started {
                    self.head_started = true;
                    // A new connection's head timeout runs from accept; an idle keep-alive
                    // connection's from the first byte of its next head.
                    if !matches!(self.deadline, Some((_, TimeoutKind::HeadRead))) {
                        self.deadline = self
                            .config
                            .head_timeout
                            .map(|d| (now + d, TimeoutKind::HeadRead));
                    }
                }
                return Ok(None);
            }
            Err(e) => return Err(self.fail(e)),
        }
        let meta = self.data.parser.meta();
        self.head_started = false;
        self.head_sent = false;
        self.trailers.clear();
        self.keep_alive &= meta.keep_alive;
        self.data.version = meta.version;
        self.data.head_request = meta.method == Method::HEAD;
        self.data.upgrade_requested = meta.upgrade;
        self.data.connect = meta.method == Method::CONNECT;
        self.data.continue_state = if meta.expect_continue {
            Continue::Expected
        } else {
            Continue::None
        };
        self.reading = match meta.body {
            BodyLength::Empty => Reading::Done,
            body => Reading::Body(Decoder::new(body, &self.config.limits)),
        };
        self.next = Next::read();
        self.deadline = None;
        Ok(Some(meta.head_len))
    }

    /// The request last parsed by [`Conn::recv_head`], over the same buffer.
    ///
    /// # Panics
    ///
    /// If `buf` is shorter than that head.
    pub fn request<'b>(&'b self, buf: &'b [u8]) -> Request<'b> {
        self.data.parser.request(buf)
    }

    /// Writes the response head to `out`, choosing its framing from `body` and the request
    /// (HEAD, HTTP/1.0, keep-alive), with `date` as the `Date` header.
    ///
    /// # Errors
    ///
    /// [`UserError::InvalidState`] when no request is being answered or a head was already
    /// written; [`UserError::InvalidHeaderName`] / [`UserError::InvalidHeaderValue`] for an
    /// unsafe header (nothing is written).
    pub fn send_response_head<'h>(
        &mut self,
        now: Instant,
        status: StatusCode,
        headers: impl IntoIterator<Item = (&'h [u8], &'h [u8])>,
        body: BodyKind,
        date: Option<&DateCache>,
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        self.response_head(now, status, Fields::Pairs(headers), body, date, out)
    }

    fn response_head<'h, I: IntoIterator<Item = (&'h [u8], &'h [u8])>>(
        &mut self,
        now: Instant,
        status: StatusCode,
        headers: Fields<'h, I>,
        body: BodyKind,
        date: Option<&DateCache>,
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let switching = status == StatusCode::SWITCHING_PROTOCOLS;
        if !matches!(self.writing, Writing::Init)
            || matches!(self.reading, Reading::Init | Reading::Closed)
            || (status.is_informational() && !(switching && self.data.upgrade_requested))
        {
            return Err(UserError::InvalidState.into());
        }
        self.flush_continue(out);
        if self.data.continue_state == Continue::Expected {
            // The client may still send the body it was holding back; we will not read it.
            self.data.continue_state = Continue::Done;
        }
        let ctx = ResponseContext {
            head_request: self.data.head_request,
            version: self.data.version,
            keep_alive: self.keep_alive,
            connect_request: self.data.connect,
        };
        let head = encode_response_fields(out, status, headers, body, &ctx, date)?;
        if switching || (self.data.connect && status.is_success()) {
            self.head_sent = true;
            self.upgrade();
            return Ok(());
        }
        self.start_writing(head, now);
        Ok(())
    }

    /// [`Conn::send_response_head`] for the fields of a [`HeaderList`](crate::HeaderList):
    /// they were validated when added, so encoding skips that step.
    ///
    /// # Errors
    ///
    /// [`UserError::InvalidState`] as for [`Conn::send_response_head`].
    pub fn send_response_head_list(
        &mut self,
        now: Instant,
        status: StatusCode,
        headers: &crate::HeaderList,
        body: BodyKind,
        date: Option<&DateCache>,
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        self.response_head(
            now,
            status,
            Fields::<core::iter::Empty<(&[u8], &[u8])>>::List(headers),
            body,
            date,
            out,
        )
    }

    /// Writes what the connection has to send on its own: `100 Continue` when the handler
    /// first asked to read an expecting body, or the automatic error response (call after any
    /// `recv_*` error or timeout). Returns whether it wrote anything.
    #[inline]
    pub fn poll_transmit(&mut self, out: &mut Vec<u8>, date: Option<&DateCache>) -> bool {
        if let Pending::Error(status, text) = self.pending {
            self.pending = Pending::None;
            write_error_response(out, status, text, date);
            self.close();
            return true;
        }
        self.flush_continue(out)
    }

    fn flush_continue(&mut self, out: &mut Vec<u8>) -> bool {
        if self.data.continue_state == Continue::Queued {
            out.extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
            self.data.continue_state = Continue::Done;
            return true;
        }
        false
    }

    /// Answers the current request with `status` and closes, if no response head was
    /// written yet (a handler timeout answered with 408, a panicking handler with 500).
    /// Returns whether the answer was queued for [`Conn::poll_transmit`].
    pub fn respond_error(&mut self, status: StatusCode) -> bool {
        if matches!(self.writing, Writing::Init) && !self.is_closed() {
            self.pending = Pending::Error(status, status.canonical_reason().unwrap_or("error"));
            self.reading = Reading::Closed;
            self.keep_alive = false;
            true
        } else {
            self.close();
            false
        }
    }
}

// ===== Client role =====

impl Conn<Client> {
    /// A client connection, connected at `now`.
    pub fn new(config: Config, _now: Instant) -> Self {
        Self::with_role(config)
    }

    /// Whether a new request may be written now.
    pub fn can_send_request(&self) -> bool {
        matches!(
            (&self.reading, &self.writing),
            (Reading::Init, Writing::Init)
        ) && !self.peer_eof
    }

    /// Writes a request head to `out`, framing its body from `body`.
    ///
    /// With `expect_continue`, hold the body back until [`Conn::may_send_body`] says so
    /// (a `100 Continue` arrived, or the caller's own timeout passed).
    ///
    /// # Errors
    ///
    /// [`UserError::InvalidState`] while another exchange is in progress; header errors as
    /// in [`encode_request_head`](crate::encode_request_head).
    pub fn send_request_head<'h>(
        &mut self,
        now: Instant,
        line: &RequestLine<'_>,
        headers: impl IntoIterator<Item = (&'h [u8], &'h [u8])>,
        body: BodyKind,
        expect_continue: bool,
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let fields = Fields::Pairs(headers);
        self.request_head(now, line, fields, body, expect_continue, out)
    }

    /// [`Conn::send_request_head`] for the fields of a [`HeaderList`](crate::HeaderList):
    /// they were validated when added, so encoding copies them in one piece.
    ///
    /// # Errors
    ///
    /// As [`Conn::send_request_head`].
    pub fn send_request_head_list(
        &mut self,
        now: Instant,
        line: &RequestLine<'_>,
        headers: &crate::HeaderList,
        body: BodyKind,
        expect_continue: bool,
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let fields = Fields::<core::iter::Empty<_>>::List(headers);
        self.request_head(now, line, fields, body, expect_continue, out)
    }

    fn request_head<'h, I>(
        &mut self,
        now: Instant,
        line: &RequestLine<'_>,
        fields: Fields<'h, I>,
        body: BodyKind,
        expect_continue: bool,
        out: &mut Vec<u8>,
    ) -> Result<(), Error>
    where
        I: IntoIterator<Item = (&'h [u8], &'h [u8])>,
    {
        if !self.can_send_request() {
            return Err(UserError::InvalidState.into());
        }
        let keep_alive = self.keep_alive;
        let head = encode_request_fields(out, line, fields, body, expect_continue, keep_alive)?;
        self.data.method = line.method.clone();
        self.data.awaiting_continue = expect_continue && !head.encoder.is_finished();
        self.continue_at = self
            .data
            .awaiting_continue
            .then(|| now + self.config.continue_timeout);
        self.data.parser.reset();
        self.deadline = None;
        self.start_writing(head, now);
        Ok(())
    }

    /// Whether the request body may be written: not while waiting for `100 Continue` (up
    /// to [`Config::continue_timeout`], a timer of [`Conn::poll_timeout`]).
    pub fn may_send_body(&self) -> bool {
        matches!(self.writing, Writing::Body(_)) && !self.data.awaiting_continue
    }

    /// Stops waiting for `100 Continue`: send the body now.
    pub fn stop_awaiting_continue(&mut self) {
        self.data.awaiting_continue = false;
        self.continue_at = None;
    }

    /// Parses a response head at the start of `buf`.
    ///
    /// `Ok(Some(head_len))`: view it with [`Conn::response`], then drop `head_len` bytes.
    /// An informational (1xx) response leaves the connection waiting for the final one:
    /// check [`Response::is_informational`] and call again; a `100 Continue` also releases
    /// a held-back body. A final response that arrives while the request body is still open
    /// ends the request body (the connection closes after this exchange), unless it is a
    /// success on a connection the server keeps open: then the body goes on
    /// ([`Conn::is_writing_body`]) while the response is read.
    ///
    /// # Errors
    ///
    /// A malformed or untrustworthy response: the connection closes.
    pub fn recv_head(&mut self, now: Instant, buf: &[u8]) -> Result<Option<usize>, Error> {
        if !matches!(self.reading, Reading::Init) || matches!(self.writing, Writing::Init) {
            return Ok(None);
        }
        let method = &self.data.method;
        match self.data.parser.parse_meta(buf, method) {
            Ok(true) => {}
            Ok(false) => return Ok(None),
            Err(e) => return Err(self.fail(e)),
        }
        let meta = self.data.parser.meta();
        let head_len = meta.head_len;
        if meta.status.is_informational() && meta.status != StatusCode::SWITCHING_PROTOCOLS {
            if meta.status == StatusCode::CONTINUE {
                self.stop_awaiting_continue();
            }
            self.data.parser.reset();
            return Ok(Some(head_len));
        }
        let held_back = self.data.awaiting_continue;
        self.data.awaiting_continue = false;
        self.continue_at = None;
        self.trailers.clear();
        self.keep_alive &= meta.keep_alive;
        if meta.upgrade {
            // The bytes after the head are another protocol: no further HTTP/1.1 exchange.
            self.upgrade();
            return Ok(Some(head_len));
        }
        let body = meta.body;
        if matches!(self.writing, Writing::Body(_)) {
            // The server answered before the whole request body was sent. A success on a
            // connection it keeps open is a server streaming its answer as it reads (an
            // echo, a transform): the body goes on, both directions at once. Anything else
            // (an error, a close, an answer to a body held back for 100 Continue): stop
            // sending and do not reuse the connection (RFC 9112 §9.3).
            let streaming = meta.status.is_success() && meta.keep_alive && !held_back;
            if !streaming {
                self.writing = Writing::Closed;
                self.keep_alive = false;
            }
        }
        self.reading = match body {
            BodyLength::Empty => Reading::Done,
            body => Reading::Body(Decoder::new(body, &self.config.limits)),
        };
        self.deadline = None;
        self.try_keep_alive(now);
        Ok(Some(head_len))
    }

    /// The response last parsed by [`Conn::recv_head`], over the same buffer.
    ///
    /// # Panics
    ///
    /// If `buf` is shorter than that head.
    pub fn response<'b>(&'b self, buf: &'b [u8]) -> Response<'b> {
        self.data.parser.response(buf)
    }
}
