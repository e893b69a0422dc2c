//! What only a server connection does: accept and renew, parse requests, write responses
//! and the automatic answers.

use super::*;

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
        self.response_head(now, status, FieldSource::Pairs(headers), body, date, out)
    }

    fn response_head<'h, I: IntoIterator<Item = (&'h [u8], &'h [u8])>>(
        &mut self,
        now: Instant,
        status: StatusCode,
        headers: FieldSource<'h, I>,
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
        self.response_head(now, status, FieldSource::list(headers), body, date, out)
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

    /// The request body turned out malformed after the response had started, and none of
    /// that response has left the socket (the driver still holds every byte of it, from
    /// the head on): forget it and send the automatic answer to the body error instead
    /// (400, or 413 and so on), then close, as if no response had begun. The caller drops
    /// the unsent response bytes first, then calls [`Conn::poll_transmit`]. Returns whether
    /// there was such an answer to send.
    pub fn retract_response(&mut self) -> bool {
        let Some((status, text)) = self.unsent_error.take() else {
            return false;
        };
        self.writing = Writing::Init;
        self.head_sent = false;
        self.pending = Pending::Error(status, text);
        true
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
