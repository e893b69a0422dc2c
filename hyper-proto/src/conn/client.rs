//! What only a client connection does: write requests (holding a body for
//! `100 Continue`), parse responses.

use super::*;

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
        let fields = FieldSource::Pairs(headers);
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
        let fields = FieldSource::list(headers);
        self.request_head(now, line, fields, body, expect_continue, out)
    }

    fn request_head<'h, I>(
        &mut self,
        now: Instant,
        line: &RequestLine<'_>,
        fields: FieldSource<'h, I>,
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
