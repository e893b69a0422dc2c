//! `GET /` and `HEAD /`: a short text. `POST /echo`: the request body sent back (chunked
//! when the request was chunked, sized otherwise), any size. Clients that send a whole
//! body before they read any answer (python's `http.client` and `urllib`, nginx as a proxy,
//! which also stops forwarding a body once the answer has started) get their echo for
//! bodies up to [`READ_AHEAD_MAX`]: the answer starts when the body has ended or that much
//! is held. Larger bodies stream back as they arrive, with back-pressure, to clients that
//! read while they send (curl); a client that never reads is closed by the server's send
//! timeout (60 s). A method a path does not serve: 405 with `Allow`; a method HTTP does
//! not define: 501; any other path: 404.

use std::io::{ErrorKind, Read, Write};

use hyper_server::BodyLength;
use hyper_server::{
    Decoder, Encoder, Handler, Method, Next, Request, Response, StatusCode, TcpStream,
};

const INDEX: &[u8] = b"echo server: POST /echo\n";
const CHUNK: usize = 64 * 1024;

/// Most body bytes held per connection before the echo starts, and while the client does
/// not read it.
pub const READ_AHEAD_MAX: usize = 64 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Index,
    Echo(BodyLength),
    NotFound,
    /// The path exists; the method is not one it serves: these are.
    NotAllowed(&'static str),
    NotImplemented,
}

/// One request's state.
#[derive(Debug)]
pub struct Echo {
    route: Route,
    buf: Vec<u8>,
    pos: usize,
    body_done: bool,
    /// The answer's head went out.
    started: bool,
}

impl Default for Echo {
    fn default() -> Self {
        Self::new()
    }
}

impl Echo {
    /// A handler for one request.
    pub fn new() -> Self {
        Self {
            route: Route::NotFound,
            buf: Vec::new(),
            pos: 0,
            body_done: false,
            started: false,
        }
    }
}

impl Echo {
    /// Body bytes read and not yet written back.
    fn pending(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Drops the bytes already written from the front of the buffer.
    fn compact(&mut self) {
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
    }
}

impl Handler<TcpStream> for Echo {
    fn on_request(&mut self, req: Request<'_>) -> Next {
        self.route = match (req.method(), req.path()) {
            (m, _) if !crate::is_standard_method(m) => Route::NotImplemented,
            (&Method::GET | &Method::HEAD, "/") => Route::Index,
            (&Method::POST, "/echo") => Route::Echo(req.body()),
            (_, "/") => Route::NotAllowed("GET, HEAD"),
            (_, "/echo") => Route::NotAllowed("POST"),
            _ => Route::NotFound,
        };
        match self.route {
            Route::Echo(_) => {
                self.buf = Vec::with_capacity(CHUNK);
                Next::read()
            }
            // Read (and drop) any body first, so the connection stays usable.
            _ if req.has_body() => Next::read(),
            _ => Next::write(),
        }
    }

    fn on_request_readable(&mut self, decoder: &mut Decoder<'_, '_, TcpStream>) -> Next {
        if !matches!(self.route, Route::Echo(_)) {
            return crate::drop_body(decoder);
        }
        // Hold the body until it ends or fills the read-ahead, then write it out; while the
        // echo cannot go out, keep reading ahead (bounded).
        loop {
            if self.pending() >= READ_AHEAD_MAX {
                return Next::write();
            }
            let len = self.buf.len();
            self.buf.resize(len + CHUNK, 0);
            match decoder.read(&mut self.buf[len..]) {
                Ok(0) => {
                    self.buf.truncate(len);
                    self.body_done = true;
                    return Next::write();
                }
                Ok(n) => self.buf.truncate(len + n),
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    self.buf.truncate(len);
                    // Before the answer starts, wait for more; once it has, echo what there
                    // is and go on reading ahead while it goes out.
                    return if self.started && self.pending() > 0 {
                        Next::read_and_write()
                    } else {
                        Next::read()
                    };
                }
                Err(_) => return Next::remove(),
            }
        }
    }

    fn on_response(&mut self, res: &mut Response) -> Next {
        self.started = true;
        match self.route {
            Route::Index => {
                let _ = res.set_header("Content-Type", "text/plain");
                res.set_content_length(INDEX.len() as u64);
                self.buf = INDEX.to_vec();
            }
            Route::Echo(body) => {
                let _ = res.set_header("Content-Type", "application/octet-stream");
                match body {
                    BodyLength::Length(n) => res.set_content_length(n),
                    BodyLength::Empty => res.set_content_length(0),
                    _ => res.set_chunked(),
                }
            }
            Route::NotFound => {
                res.set_status(StatusCode::NOT_FOUND);
                res.set_content_length(10);
                self.buf = b"not found\n".to_vec();
            }
            Route::NotAllowed(allow) => {
                res.set_status(StatusCode::METHOD_NOT_ALLOWED);
                let _ = res.set_header("Allow", allow);
                self.buf = b"method not allowed\n".to_vec();
                res.set_content_length(self.buf.len() as u64);
            }
            Route::NotImplemented => {
                res.set_status(StatusCode::NOT_IMPLEMENTED);
                self.buf = b"method not implemented\n".to_vec();
                res.set_content_length(self.buf.len() as u64);
            }
        }
        Next::write()
    }

    fn on_response_writable(&mut self, encoder: &mut Encoder<'_, '_, TcpStream>) -> Next {
        while self.pos < self.buf.len() {
            match encoder.write(&self.buf[self.pos..]) {
                Ok(n) => self.pos += n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    // The client is not taking the echo: read ahead meanwhile (bounded).
                    let echoing = matches!(self.route, Route::Echo(_));
                    return if echoing && !self.body_done && self.pending() < READ_AHEAD_MAX {
                        self.compact();
                        Next::read_and_write()
                    } else {
                        Next::write()
                    };
                }
                Err(_) => return Next::remove(),
            }
        }
        match self.route {
            Route::Echo(_) if !self.body_done => {
                self.buf.clear();
                self.pos = 0;
                Next::read()
            }
            _ => Next::end(),
        }
    }
}
