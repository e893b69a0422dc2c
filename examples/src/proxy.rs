//! A forwarding proxy: each request is sent on through a [`Client`] to one upstream, and the
//! response streamed back. The server handler (on a server loop) and the client handler (on
//! the client's loop) share a bounded [`Pipe`] and wake each other with their `Control`s:
//! the seed's "proxying to another URL" case. Bodies stream both ways with back-pressure:
//! neither side buffers more than [`PIPE_LIMIT`] bytes.

use std::collections::VecDeque;
use std::io::{ErrorKind, Read, Write};
use std::sync::{Arc, Mutex, MutexGuard};

use hyper_client::{Client, Error as ClientError};
use hyper_server::BodyLength;
use hyper_server::{
    Control, Decoder, Encoder, Handler, Next, Request, Response, StatusCode, TcpStream,
};

/// Most bytes waiting in one direction of a pipe.
pub const PIPE_LIMIT: usize = 256 * 1024;

/// Headers that belong to one connection, not to the message (RFC 9110 §7.6.1).
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
];

fn end_to_end(name: &str) -> bool {
    !HOP_BY_HOP.iter().any(|h| name.eq_ignore_ascii_case(h))
}

/// One direction of body bytes.
#[derive(Debug, Default)]
struct Flow {
    chunks: VecDeque<Vec<u8>>,
    bytes: usize,
    done: bool,
}

impl Flow {
    fn has_room(&self) -> bool {
        self.bytes < PIPE_LIMIT
    }

    fn push(&mut self, data: &[u8]) {
        self.bytes += data.len();
        self.chunks.push_back(data.to_vec());
    }
}

/// What the two handlers of one proxied request share.
#[derive(Debug, Default)]
pub struct Pipe {
    method: Option<hyper_server::Method>,
    request_headers: Vec<(String, Vec<u8>)>,
    request_body: Option<BodyLength>,
    request: Flow,
    status: Option<StatusCode>,
    response_headers: Vec<(String, Vec<u8>)>,
    response_length: Option<u64>,
    response: Flow,
    failed: Option<String>,
    server: Option<Control>,
    client: Option<Control>,
    /// The upstream's response head arrived: the client side reads its body.
    client_reading: bool,
    /// The client side finished (or had no) request body to send.
    client_sent: bool,
}

impl Pipe {
    /// What the client side waits for. Both directions can be open at once: an upstream
    /// that answers while it still reads the request (an echo) gets the rest of the body
    /// while its answer streams back.
    fn client_next(&self, unsent: bool) -> Next {
        if self.client_sent && self.response.done {
            return Next::end();
        }
        let write =
            !self.client_sent && (unsent || !self.request.chunks.is_empty() || self.request.done);
        let read = self.client_reading && !self.response.done && self.response.has_room();
        match (read, write) {
            (true, true) => Next::read_and_write(),
            (false, true) => Next::write(),
            (true, false) => Next::read(),
            // Before the response head: keep looking for it.
            (false, false) if !self.client_reading => Next::read(),
            (false, false) => Next::wait(),
        }
    }

    /// Wakes the client side for whatever it can do now.
    fn wake_client(&self) {
        wake(&self.client, self.client_next(false));
    }
}

type Shared = Arc<Mutex<Pipe>>;

fn lock(p: &Shared) -> MutexGuard<'_, Pipe> {
    p.lock().unwrap_or_else(|e| e.into_inner())
}

fn wake(ctrl: &Option<Control>, next: Next) {
    if let Some(c) = ctrl {
        let _ = c.ready(next);
    }
}

/// The server side: one per incoming request.
#[derive(Debug)]
pub struct Proxy {
    client: Client<Upstream>,
    upstream: Arc<str>,
    pipe: Shared,
    current: Vec<u8>,
    pos: usize,
    head_sent: bool,
    /// The request was refused here (a target for another host): 400, not 502.
    refused: bool,
    /// `CONNECT` targets this proxy tunnels to (`host:port`); none by default.
    connect_allowed: Arc<[String]>,
    /// A `CONNECT` in progress: its target, then the connected stream.
    tunnel: Option<Tunnel>,
}

/// A `CONNECT` request's state.
#[derive(Debug)]
enum Tunnel {
    /// Not on the allow-list: 403.
    Forbidden(String),
    /// Connecting on a thread, which wakes the handler.
    Connecting(crate::tunnel::Slot),
    /// Connected and answered 200: spliced once the socket is handed over.
    Open(std::net::TcpStream),
}

impl Proxy {
    /// What to wait for: response bytes to write, request bytes to read, or a wakeup.
    fn decide(&self, p: &Pipe) -> Next {
        let answered = p.status.is_some() || p.failed.is_some();
        let can_write = self.pos < self.current.len()
            || !p.response.chunks.is_empty()
            || p.response.done
            || p.failed.is_some();
        let write = answered && (!self.head_sent || can_write);
        // The request body keeps coming in after the answer started (an upstream that
        // streams its answer while it reads): both directions at once.
        let read = !p.request.done && p.request.has_room();
        match (read, write) {
            (true, true) => Next::read_and_write(),
            (false, true) => Next::write(),
            (true, false) => Next::read(),
            (false, false) => Next::wait(),
        }
    }

    /// A handler forwarding to `upstream` (`http://host:port`) through `client`.
    pub fn new(client: Client<Upstream>, upstream: Arc<str>, ctrl: Control) -> Self {
        let pipe = Pipe {
            server: Some(ctrl),
            ..Pipe::default()
        };
        Self {
            client,
            upstream,
            pipe: Arc::new(Mutex::new(pipe)),
            current: Vec::new(),
            pos: 0,
            head_sent: false,
            refused: false,
            connect_allowed: Arc::from([]),
            tunnel: None,
        }
    }

    /// Also tunnels `CONNECT host:port` requests to the targets listed (`host:port`, as
    /// the request line names them), answering 403 for any other: `curl -p -x
    /// http://PROXY https://host:port/` then works through the proxy.
    pub fn allow_connect(mut self, targets: Arc<[String]>) -> Self {
        self.connect_allowed = targets;
        self
    }

    /// The upstream URL for `req`: the upstream plus the path and query. An absolute-form
    /// target (`GET http://host/path`, as sent to forward proxies) is accepted for the
    /// upstream's own authority (RFC 9112 §3.2.2) and refused for any other: this proxy
    /// forwards to one upstream and is no open relay.
    fn url_for(&self, req: &Request<'_>) -> Result<String, String> {
        let target = req.target();
        if !target.starts_with('/') && target != "*" {
            let ours = self.upstream.split_once("://").map_or("", |(_, a)| a);
            if req.authority() != Some(ours) {
                return Err(format!(
                    "this proxy forwards to {} only; {target:?} names another host\n",
                    self.upstream
                ));
            }
        }
        Ok(match req.query() {
            Some(q) => format!("{}{}?{q}", self.upstream, req.path()),
            None => format!("{}{}", self.upstream, req.path()),
        })
    }
}

impl Handler<TcpStream> for Proxy {
    fn on_request(&mut self, req: Request<'_>) -> Next {
        if req.method() == hyper_server::Method::CONNECT {
            let target = req.target();
            if !crate::tunnel::is_allowed(target, &self.connect_allowed) {
                self.tunnel = Some(Tunnel::Forbidden(format!(
                    "this proxy does not tunnel to {target}\n"
                )));
                return Next::write();
            }
            let Some(ctrl) = lock(&self.pipe).server.clone() else {
                return Next::remove();
            };
            self.tunnel = Some(Tunnel::Connecting(crate::tunnel::connect(target, ctrl)));
            return Next::wait();
        }
        let url = match self.url_for(&req) {
            Ok(url) => url,
            Err(why) => {
                self.refused = true;
                let mut p = lock(&self.pipe);
                p.failed = Some(why);
                p.request.done = true;
                return Next::write();
            }
        };
        {
            let mut p = lock(&self.pipe);
            p.method = Some(req.method().clone());
            p.request_body = Some(req.body());
            p.request_headers = req
                .headers()
                .iter()
                .filter(|(n, _)| {
                    end_to_end(n)
                        && !n.eq_ignore_ascii_case("host")
                        && !n.eq_ignore_ascii_case("expect")
                })
                .map(|(n, v)| (n.to_owned(), v.to_vec()))
                .collect();
            p.request.done = !req.has_body();
        }
        let upstream = Upstream {
            pipe: Arc::clone(&self.pipe),
            current: Vec::new(),
            pos: 0,
        };
        if let Err(e) = self.client.request(&url, upstream) {
            lock(&self.pipe).failed = Some(e.to_string());
        }
        let p = lock(&self.pipe);
        self.decide(&p)
    }

    fn on_request_readable(&mut self, decoder: &mut Decoder<'_, '_, TcpStream>) -> Next {
        let mut buf = [0u8; 16 * 1024];
        loop {
            if !lock(&self.pipe).request.has_room() {
                // Back-pressure: the client side wakes us when it took some.
                break;
            }
            match decoder.read(&mut buf) {
                Ok(0) => {
                    let mut p = lock(&self.pipe);
                    p.request.done = true;
                    p.wake_client();
                    break;
                }
                Ok(n) => {
                    let mut p = lock(&self.pipe);
                    p.request.push(&buf[..n]);
                    p.wake_client();
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(_) => return Next::remove(),
            }
        }
        let p = lock(&self.pipe);
        self.decide(&p)
    }

    fn on_response(&mut self, res: &mut Response) -> Next {
        self.head_sent = true;
        if let Some(tunnel) = self.tunnel.take() {
            return self.answer_connect(tunnel, res);
        }
        let p = lock(&self.pipe);
        if let Some(msg) = &p.failed {
            if p.status.is_none() && self.refused {
                res.set_status(StatusCode::BAD_REQUEST);
                self.current = msg.clone().into_bytes();
                res.set_content_length(self.current.len() as u64);
                let _ = res.set_header("Content-Type", "text/plain");
                let _ = res.set_header("Connection", "close");
                return Next::write();
            }
            if p.status.is_none() {
                res.set_status(StatusCode::BAD_GATEWAY);
                self.current = format!("upstream failed: {msg}\n").into_bytes();
                res.set_content_length(self.current.len() as u64);
                let _ = res.set_header("Content-Type", "text/plain");
                return Next::write();
            }
        }
        res.set_status(p.status.unwrap_or(StatusCode::BAD_GATEWAY));
        for (name, value) in &p.response_headers {
            let _ = res.append_header(name, value);
        }
        match p.response_length {
            Some(n) => res.set_content_length(n),
            None => res.set_chunked(),
        }
        let _ = res.set_header("Via", "1.1 hyper-next-proxy");
        Next::write()
    }

    fn on_upgrade(self, transport: TcpStream, read_ahead: Vec<u8>) {
        if let Some(Tunnel::Open(target)) = self.tunnel {
            crate::tunnel::splice(transport, read_ahead, target);
        }
    }

    fn on_response_writable(&mut self, encoder: &mut Encoder<'_, '_, TcpStream>) -> Next {
        loop {
            while self.pos < self.current.len() {
                match encoder.write(&self.current[self.pos..]) {
                    Ok(n) => self.pos += n,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => return Next::write(),
                    Err(_) => return Next::remove(),
                }
            }
            let mut p = lock(&self.pipe);
            if p.status.is_none() {
                // Only the 502 text was to go out.
                return Next::end();
            }
            match p.response.chunks.pop_front() {
                Some(chunk) => {
                    p.response.bytes -= chunk.len();
                    p.wake_client();
                    self.current = chunk;
                    self.pos = 0;
                }
                None if p.response.done => return Next::end(),
                None if p.failed.is_some() => return Next::remove(),
                None => return self.decide(&p),
            }
        }
    }
}

impl Proxy {
    /// The answer to a `CONNECT`: 200 and the tunnel (the socket comes back in
    /// `on_upgrade`), 403 for a target not allowed, 502 when it could not be reached.
    fn answer_connect(&mut self, tunnel: Tunnel, res: &mut Response) -> Next {
        let failed = match tunnel {
            Tunnel::Forbidden(msg) => (StatusCode::FORBIDDEN, msg),
            Tunnel::Connecting(slot) => match slot.lock().unwrap_or_else(|e| e.into_inner()).take()
            {
                Some(Ok(stream)) => {
                    self.tunnel = Some(Tunnel::Open(stream));
                    // A 2xx to CONNECT ends HTTP/1.1 here.
                    return Next::remove();
                }
                Some(Err(e)) => (StatusCode::BAD_GATEWAY, format!("tunnel target: {e}\n")),
                None => (
                    StatusCode::BAD_GATEWAY,
                    "tunnel target: no answer\n".to_owned(),
                ),
            },
            Tunnel::Open(_) => return Next::remove(),
        };
        res.set_status(failed.0);
        self.current = failed.1.into_bytes();
        res.set_content_length(self.current.len() as u64);
        let _ = res.set_header("Content-Type", "text/plain");
        lock(&self.pipe).failed = Some(String::new());
        Next::write()
    }
}

/// The client side: forwards the pipe's request upstream and feeds the response back.
#[derive(Debug)]
pub struct Upstream {
    pipe: Shared,
    current: Vec<u8>,
    pos: usize,
}

impl hyper_client::Handler<hyper_client::MaybeTls> for Upstream {
    fn on_control(&mut self, ctrl: Control) {
        lock(&self.pipe).client = Some(ctrl);
    }

    fn on_request(&mut self, req: &mut hyper_client::Request) -> Next {
        let p = lock(&self.pipe);
        if let Some(m) = &p.method {
            req.set_method(m.clone());
        }
        for (name, value) in &p.request_headers {
            let _ = req.append_header(name, value);
        }
        match p.request_body {
            Some(BodyLength::Length(n)) => req.set_content_length(n),
            Some(BodyLength::Chunked) => req.set_chunked(),
            _ => {
                drop(p);
                lock(&self.pipe).client_sent = true;
                return Next::read();
            }
        }
        Next::write()
    }

    fn on_request_writable(
        &mut self,
        encoder: &mut hyper_client::Encoder<'_, '_, hyper_client::MaybeTls>,
    ) -> Next {
        loop {
            while self.pos < self.current.len() {
                match encoder.write(&self.current[self.pos..]) {
                    Ok(n) => self.pos += n,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        return lock(&self.pipe).client_next(true);
                    }
                    Err(_) => return Next::remove(),
                }
            }
            let mut p = lock(&self.pipe);
            match p.request.chunks.pop_front() {
                Some(chunk) => {
                    p.request.bytes -= chunk.len();
                    wake(&p.server, Next::read());
                    self.current = chunk;
                    self.pos = 0;
                }
                None if p.request.done => {
                    p.client_sent = true;
                    drop(p);
                    let _ = encoder.close();
                    return lock(&self.pipe).client_next(false);
                }
                None => return p.client_next(false),
            }
        }
    }

    fn on_response(&mut self, res: hyper_client::Response<'_>) -> Next {
        let mut p = lock(&self.pipe);
        p.status = Some(res.status());
        p.response_headers = res
            .headers()
            .iter()
            .filter(|(n, _)| end_to_end(n))
            .map(|(n, v)| (n.to_owned(), v.to_vec()))
            .collect();
        p.response_length = match res.body() {
            BodyLength::Length(n) => Some(n),
            // A HEAD answer has no body, but its Content-Length tells the length a GET
            // would have: pass it on.
            BodyLength::Empty if p.method == Some(hyper_server::Method::HEAD) => res
                .headers()
                .get("content-length")
                .and_then(|v| std::str::from_utf8(v).ok()?.trim().parse().ok())
                .or(Some(0)),
            BodyLength::Empty => Some(0),
            _ => None,
        };
        p.client_reading = true;
        wake(&p.server, Next::write());
        p.client_next(self.pos < self.current.len())
    }

    fn on_response_readable(
        &mut self,
        decoder: &mut hyper_client::Decoder<'_, '_, hyper_client::MaybeTls>,
    ) -> Next {
        let mut buf = [0u8; 16 * 1024];
        loop {
            if !lock(&self.pipe).response.has_room() {
                return lock(&self.pipe).client_next(self.pos < self.current.len());
            }
            match decoder.read(&mut buf) {
                Ok(0) => {
                    let mut p = lock(&self.pipe);
                    p.response.done = true;
                    wake(&p.server, Next::write());
                    // Done unless the request body is still going out (both directions).
                    return p.client_next(self.pos < self.current.len());
                }
                Ok(n) => {
                    let mut p = lock(&self.pipe);
                    p.response.push(&buf[..n]);
                    wake(&p.server, Next::write());
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    return lock(&self.pipe).client_next(self.pos < self.current.len());
                }
                Err(e) => {
                    let mut p = lock(&self.pipe);
                    p.failed = Some(e.to_string());
                    wake(&p.server, Next::write());
                    return Next::remove();
                }
            }
        }
    }

    fn on_error(&mut self, err: ClientError) -> Next {
        let mut p = lock(&self.pipe);
        p.failed = Some(err.to_string());
        wake(&p.server, Next::write());
        Next::remove()
    }
}
