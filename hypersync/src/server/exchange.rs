//! The meeting point of a worker thread and the event loop for one request.
//!
//! Theory of operation. The loop side is a `hyper_server::Handler` ([`Bridge`]): it
//! receives the parsed head, queues a [`Job`] for the worker pool and parks the exchange
//! with `Next::wait()`. The worker runs the user's `handle(req, res)`; its `Read` on the
//! request and `Write` on the response go through one [`Exchange`] (a mutex, a condition
//! variable and two bounded buffers). When the worker needs the loop (body bytes it does
//! not have, a response to send, an output buffer that is full) it says so with
//! `Control::ready` and, if it must, waits on the condition variable. The loop, called
//! back for that `Next`, moves bytes between the socket and the buffers, wakes the worker,
//! and picks its next `Next` from the shared state alone ([`State::next`]), so a stale
//! wakeup is only a spurious call.
//!
//! Memory is bounded both ways: the loop reads at most [`BUF_CAP`] bytes of body ahead of
//! the worker, and a worker's writes block while [`BUF_CAP`] bytes wait to go out.

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use hyper_net::{Control, Transport};
use hyper_server::{Decoder, Encoder, Next, Request as ProtoRequest, Response as ProtoResponse};

use crate::header::Headers;
use crate::method::Method;
use crate::status::StatusCode;
use crate::uri::RequestUri;
use crate::version::HttpVersion;

/// Body bytes held between the loop and a worker, each way.
pub(crate) const BUF_CAP: usize = 64 * 1024;

/// Most request body bytes the loop reads and drops after a handler answered without
/// reading them all, to keep the connection; past it the connection is closed instead.
pub(crate) const DRAIN_CAP: u64 = 1024 * 1024;

/// What a worker has decided about the response head.
pub(crate) struct Head {
    pub(crate) status: StatusCode,
    pub(crate) headers: Headers,
}

#[derive(Default)]
pub(crate) struct State {
    /// Request body bytes read from the socket, not yet given to the worker.
    body: Vec<u8>,
    body_pos: usize,
    /// The request body has ended (or there was none).
    body_done: bool,
    /// The worker waits for body bytes.
    reading: bool,
    /// The response head, set by the worker, taken by the loop.
    head: Option<Head>,
    /// Response body bytes not yet written to the socket.
    out: Vec<u8>,
    /// The worker has finished the response.
    out_done: bool,
    /// The worker waits for room in `out`.
    writing: bool,
    /// The worker wants what is in `out` sent now (`flush`).
    flush: bool,
    /// The exchange cannot go on (the connection failed or closed); why.
    failed: Option<io::ErrorKind>,
    /// The loop has put the response head into the connection.
    head_sent: bool,
    /// The response is out and the loop is reading the rest of the body to drop it.
    draining: bool,
    drained: u64,
    /// The client waits for `100 Continue` before it sends the body.
    expects_continue: bool,
    /// The worker gave up mid-response (its handler panicked): close without ending the
    /// body, so the client sees it cut short.
    abort: bool,
}

impl State {
    /// What the loop should wait for next, from the shared state alone.
    fn next(&self, timeouts: &Timeouts) -> Next {
        if self.failed.is_some() || self.abort {
            Next::remove()
        } else if self.head.is_some() || self.out_done || self.writing || self.flush {
            Next::write().timeout_opt(timeouts.write)
        } else if self.reading && !self.body_done {
            Next::read().timeout_opt(timeouts.read)
        } else {
            Next::wait()
        }
    }
}

impl State {
    /// Once the whole response is out: the end of the exchange, or the reading of a request
    /// body the handler left unread, to drop it, so that the connection can carry the next
    /// request. Not a body the client holds back until a `100 Continue` that was never
    /// sent: ending with it unread closes the connection.
    fn finished(&mut self, timeouts: &Timeouts) -> Option<Next> {
        if !self.out_done || !self.out.is_empty() {
            return None;
        }
        self.flush = false;
        if self.body_done || self.failed.is_some() || self.expects_continue && !self.reading {
            return Some(Next::end());
        }
        self.draining = true;
        Some(Next::read().timeout_opt(timeouts.read))
    }
}

trait TimeoutOpt {
    fn timeout_opt(self, d: Option<Duration>) -> Self;
}

impl TimeoutOpt for Next {
    fn timeout_opt(self, d: Option<Duration>) -> Next {
        match d {
            Some(d) => self.timeout(d),
            None => self,
        }
    }
}

/// Socket timeouts, as 0.10's `set_read_timeout` / `set_write_timeout` set them.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Timeouts {
    pub(crate) read: Option<Duration>,
    pub(crate) write: Option<Duration>,
}

/// One request's shared state.
pub(crate) struct Exchange {
    state: Mutex<State>,
    cv: Condvar,
    ctrl: Control,
}

impl Exchange {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wait<'a>(&self, guard: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        self.cv.wait(guard).unwrap_or_else(|e| e.into_inner())
    }

    /// Asks the loop to look at the exchange again.
    fn poke(&self, next: Next) {
        // A connection that is gone has already failed the state; nothing to do here.
        let _ = self.ctrl.ready(next);
    }

    /// Worker side: reads request body bytes, blocking until some arrive or the body ends.
    pub(crate) fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let mut st = self.lock();
        loop {
            if st.body_pos < st.body.len() {
                let n = buf.len().min(st.body.len() - st.body_pos);
                buf[..n].copy_from_slice(&st.body[st.body_pos..st.body_pos + n]);
                st.body_pos += n;
                if st.body_pos == st.body.len() {
                    st.body.clear();
                    st.body_pos = 0;
                }
                return Ok(n);
            }
            if st.body_done {
                return Ok(0);
            }
            if let Some(kind) = st.failed {
                return Err(io::Error::new(
                    kind,
                    "the connection failed while reading the request body",
                ));
            }
            if !st.reading {
                st.reading = true;
                self.poke(Next::read());
            }
            st = self.wait(st);
        }
    }

    /// Worker side: hands the response head to the loop.
    pub(crate) fn set_head(&self, head: Head) -> io::Result<()> {
        let mut st = self.lock();
        if let Some(kind) = st.failed {
            return Err(io::Error::new(
                kind,
                "the connection failed before the response",
            ));
        }
        st.head = Some(head);
        Ok(())
    }

    /// Worker side: queues response body bytes, blocking while the queue is full.
    pub(crate) fn write(&self, data: &[u8]) -> io::Result<()> {
        let mut st = self.lock();
        loop {
            if let Some(kind) = st.failed {
                return Err(io::Error::new(
                    kind,
                    "the connection failed while writing the response",
                ));
            }
            if st.out.len() < BUF_CAP {
                break;
            }
            if !st.writing {
                st.writing = true;
                self.poke(Next::write());
            }
            st = self.wait(st);
        }
        st.out.extend_from_slice(data);
        Ok(())
    }

    /// Worker side: asks for what is queued to be sent now.
    pub(crate) fn flush(&self) -> io::Result<()> {
        let mut st = self.lock();
        if let Some(kind) = st.failed {
            return Err(io::Error::new(
                kind,
                "the connection failed while writing the response",
            ));
        }
        if !st.flush && (st.head.is_some() || !st.out.is_empty()) {
            st.flush = true;
            self.poke(Next::write());
        }
        Ok(())
    }

    /// Worker side: the response is complete (`abort`: it is cut short).
    pub(crate) fn finish(&self, abort: bool) {
        let mut st = self.lock();
        if st.out_done || st.failed.is_some() {
            return;
        }
        st.out_done = true;
        st.abort = abort;
        drop(st);
        self.poke(if abort { Next::remove() } else { Next::write() });
    }
}

/// What a worker gets: the request and the exchange to answer it through.
pub(crate) struct Job {
    pub(crate) exchange: Arc<Exchange>,
    pub(crate) remote_addr: SocketAddr,
    pub(crate) method: Method,
    pub(crate) uri: RequestUri,
    pub(crate) version: HttpVersion,
    pub(crate) headers: Headers,
}

/// Where the loop side sends jobs, and what it needs to answer `Expect: 100-continue`.
pub(crate) trait Dispatch: Send + Sync + 'static {
    /// Queues a job for a worker.
    fn submit(&self, job: Job);
    /// The handler's answer to `Expect: 100-continue` (`Continue` to read the body).
    fn check_continue(&self, method: &Method, uri: &RequestUri, headers: &Headers) -> StatusCode;
}

/// Reads and drops what is left of a request body the handler did not read.
fn drain<R: io::Read>(st: &mut State, body: &mut R, chunk: &mut [u8], timeouts: &Timeouts) -> Next {
    loop {
        match body.read(chunk) {
            Ok(0) => {
                st.body_done = true;
                return Next::end();
            }
            Ok(n) => {
                st.drained += n as u64;
                if st.drained > DRAIN_CAP {
                    // Too much to wait for: ending with the body unread closes the connection.
                    return Next::end();
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                return Next::read().timeout_opt(timeouts.read);
            }
            Err(_) => return Next::remove(),
        }
    }
}

/// The loop side of one exchange: a `hyper_server::Handler`.
pub(crate) struct Bridge<D: ?Sized> {
    dispatch: Arc<D>,
    ctrl: Option<Control>,
    peer: SocketAddr,
    timeouts: Timeouts,
    exchange: Option<Arc<Exchange>>,
}

impl<D: Dispatch + ?Sized> Bridge<D> {
    pub(crate) fn new(
        dispatch: Arc<D>,
        ctrl: Control,
        peer: SocketAddr,
        timeouts: Timeouts,
    ) -> Self {
        Bridge {
            dispatch,
            ctrl: Some(ctrl),
            peer,
            timeouts,
            exchange: None,
        }
    }
}

fn to_headers(req: &ProtoRequest<'_>) -> Headers {
    let mut headers = Headers::new();
    for (name, value) in req.headers().iter() {
        headers.append_raw(known_name(name), value.to_vec());
    }
    headers
}

/// The name as a `'static` string when it is a common one (no allocation), else owned.
fn known_name(name: &str) -> std::borrow::Cow<'static, str> {
    const KNOWN: &[&str] = &[
        "Host",
        "User-Agent",
        "Accept",
        "Accept-Encoding",
        "Accept-Language",
        "Connection",
        "Content-Length",
        "Content-Type",
        "Transfer-Encoding",
        "Cookie",
        "Authorization",
        "Referer",
        "Origin",
        "Cache-Control",
        "If-None-Match",
        "If-Modified-Since",
        "Expect",
        "Upgrade",
        "Range",
        "Pragma",
    ];
    match KNOWN.iter().find(|k| k.eq_ignore_ascii_case(name)) {
        Some(k) if **k == *name => std::borrow::Cow::Borrowed(k),
        _ => std::borrow::Cow::Owned(name.to_owned()),
    }
}

impl<T: Transport, D: Dispatch + ?Sized> hyper_server::Handler<T> for Bridge<D> {
    fn on_request(&mut self, req: ProtoRequest<'_>) -> Next {
        let Some(ctrl) = self.ctrl.take() else {
            return Next::remove();
        };
        let method = Method::from(req.method());
        let uri = match req.target().parse::<RequestUri>() {
            Ok(uri) => uri,
            Err(_) => RequestUri::AbsolutePath(req.target().to_owned()),
        };
        let headers = to_headers(&req);
        let mut state = State {
            body_done: !req.has_body(),
            expects_continue: req.expects_continue(),
            ..State::default()
        };
        if req.expects_continue() {
            let status = self.dispatch.check_continue(&method, &uri, &headers);
            if status != StatusCode::Continue {
                // The handler refuses the body: answer, and close (the body is not read).
                let mut h = Headers::new();
                h.set(crate::header::Connection::close());
                state.head = Some(Head { status, headers: h });
                state.out_done = true;
                state.body_done = true;
                self.exchange = Some(Arc::new(Exchange {
                    state: Mutex::new(state),
                    cv: Condvar::new(),
                    ctrl,
                }));
                return Next::write();
            }
        }
        let exchange = Arc::new(Exchange {
            state: Mutex::new(state),
            cv: Condvar::new(),
            ctrl,
        });
        self.exchange = Some(Arc::clone(&exchange));
        self.dispatch.submit(Job {
            exchange,
            remote_addr: self.peer,
            method,
            uri,
            version: HttpVersion::from(req.version()),
            headers,
        });
        Next::wait()
    }

    fn on_request_readable(&mut self, decoder: &mut Decoder<'_, '_, T>) -> Next {
        let Some(ex) = self.exchange.clone() else {
            return Next::remove();
        };
        let mut st = ex.lock();
        let mut chunk = [0u8; 16 * 1024];
        if st.draining {
            return drain(&mut st, decoder, &mut chunk, &self.timeouts);
        }
        let mut changed = false;
        while !st.body_done && st.body.len() < BUF_CAP {
            let room = chunk.len().min(BUF_CAP - st.body.len());
            match io::Read::read(decoder, &mut chunk[..room]) {
                Ok(0) => {
                    st.body_done = true;
                    changed = true;
                }
                Ok(n) => {
                    st.body.extend_from_slice(&chunk[..n]);
                    changed = true;
                }
                Err(e) => {
                    if e.kind() != io::ErrorKind::WouldBlock {
                        st.failed = Some(e.kind());
                        changed = true;
                    }
                    break;
                }
            }
        }
        if changed {
            st.reading = false;
            ex.cv.notify_all();
        }
        st.next(&self.timeouts)
    }

    fn on_response(&mut self, res: &mut ProtoResponse) -> Next {
        let Some(ex) = self.exchange.clone() else {
            return Next::remove();
        };
        let mut st = ex.lock();
        if let Some(head) = st.head.take() {
            st.head_sent = true;
            res.set_status(http::StatusCode::from(head.status));
            for (name, value) in head.headers.lines() {
                if res.append_header(name, value).is_err() {
                    log::warn!("hypersync: response header {name:?} is not valid and was not sent");
                }
            }
        }
        if let Some(next) = st.finished(&self.timeouts) {
            return next;
        }
        st.next(&self.timeouts)
    }

    fn on_response_writable(&mut self, encoder: &mut Encoder<'_, '_, T>) -> Next {
        let Some(ex) = self.exchange.clone() else {
            return Next::remove();
        };
        let mut st = ex.lock();
        let mut sent = 0;
        while sent < st.out.len() {
            match io::Write::write(encoder, &st.out[sent..]) {
                Ok(0) => break,
                Ok(n) => sent += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => {
                    st.failed = Some(e.kind());
                    ex.cv.notify_all();
                    return Next::remove();
                }
            }
        }
        if sent > 0 {
            st.out.drain(..sent);
            if st.writing && st.out.len() < BUF_CAP {
                st.writing = false;
                ex.cv.notify_all();
            }
        }
        if st.out.is_empty() {
            st.flush = false;
        }
        if let Some(next) = st.finished(&self.timeouts) {
            return next;
        }
        if !st.out.is_empty() {
            // The socket took what it could: wait until it takes more.
            return Next::write().timeout_opt(self.timeouts.write);
        }
        st.next(&self.timeouts)
    }

    fn on_error(&mut self, err: hyper_server::Error) -> Next {
        let sent_nothing = match self.exchange {
            Some(ref ex) => {
                let mut st = ex.lock();
                st.failed.get_or_insert(io::ErrorKind::TimedOut);
                ex.cv.notify_all();
                !st.head_sent
            }
            None => true,
        };
        match err {
            hyper_server::Error::Timeout if sent_nothing => Next::end(),
            _ => Next::remove(),
        }
    }
}

impl<D: ?Sized> Drop for Bridge<D> {
    fn drop(&mut self) {
        if let Some(ref ex) = self.exchange {
            let mut st = ex.lock();
            if !st.out_done || !st.body_done {
                st.failed.get_or_insert(io::ErrorKind::ConnectionAborted);
            }
            ex.cv.notify_all();
        }
    }
}
