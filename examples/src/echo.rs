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

use crate::held::Held;
use hyper_server::BodyLength;
use hyper_server::{
    Decoder, Encoder, Handler, Method, Next, Request, Response, StatusCode, Transport,
};

const INDEX: &[u8] = b"echo server: POST /echo\n";

/// Most body bytes held per connection before the echo starts, and while the client does
/// not read it.
pub const READ_AHEAD_MAX: usize = 64 * 1024 * 1024;

/// What the echo server does with a request: the routing every echo driver shares (this
/// handler on hyper-server, and the sans-IO one in [`crate::proto_echo`] under the std and
/// tokio drivers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `GET /` or `HEAD /`: a short text.
    Index,
    /// `POST /echo`: the body back, framed like the request's.
    Echo(BodyLength),
    /// Any other path: 404.
    NotFound,
    /// The path exists; the method is not one it serves: 405 with these in `Allow`.
    NotAllowed(&'static str),
    /// A method HTTP does not define: 501.
    NotImplemented,
}

/// A fixed answer: everything but the echo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Canned {
    /// The status code.
    pub status: StatusCode,
    /// The `Allow` header's value, for a 405.
    pub allow: Option<&'static str>,
    /// The body (`text/plain`).
    pub body: &'static [u8],
}

impl Route {
    /// The route of a request.
    ///
    /// # Examples
    ///
    /// ```
    /// use examples::echo::Route;
    /// use hyper_server::{BodyLength, Method};
    /// assert_eq!(Route::of(&Method::GET, "/", BodyLength::Empty), Route::Index);
    /// assert_eq!(Route::of(&Method::PUT, "/echo", BodyLength::Empty), Route::NotAllowed("POST"));
    /// ```
    pub fn of(method: &Method, path: &str, body: BodyLength) -> Self {
        match (method, path) {
            (m, _) if !crate::is_standard_method(m) => Self::NotImplemented,
            (&Method::GET | &Method::HEAD, "/") => Self::Index,
            (&Method::POST, "/echo") => Self::Echo(body),
            (_, "/") => Self::NotAllowed("GET, HEAD"),
            (_, "/echo") => Self::NotAllowed("POST"),
            _ => Self::NotFound,
        }
    }

    /// The fixed answer of every route but [`Route::Echo`].
    pub fn canned(self) -> Option<Canned> {
        let (status, allow, body): (_, _, &'static [u8]) = match self {
            Self::Echo(_) => return None,
            Self::Index => (StatusCode::OK, None, INDEX),
            Self::NotFound => (StatusCode::NOT_FOUND, None, b"not found\n"),
            Self::NotAllowed(allow) => (
                StatusCode::METHOD_NOT_ALLOWED,
                Some(allow),
                b"method not allowed\n",
            ),
            Self::NotImplemented => (
                StatusCode::NOT_IMPLEMENTED,
                None,
                b"method not implemented\n",
            ),
        };
        Some(Canned {
            status,
            allow,
            body,
        })
    }
}

/// One request's state.
#[derive(Debug)]
pub struct Echo {
    route: Route,
    /// Body bytes read and not yet written back.
    held: Held,
    /// A canned answer's body, and how much of it went out.
    canned: &'static [u8],
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
            held: Held::new(),
            canned: b"",
            pos: 0,
            body_done: false,
            started: false,
        }
    }
}

/// Over any transport: plain TCP, or TLS.
impl<T: Transport> Handler<T> for Echo {
    fn on_request(&mut self, req: Request<'_>) -> Next {
        self.route = Route::of(req.method(), req.path(), req.body());
        match self.route {
            Route::Echo(_) => Next::read(),
            // Read (and drop) any body first, so the connection stays usable.
            _ if req.has_body() => Next::read(),
            _ => Next::write(),
        }
    }

    fn on_request_readable(&mut self, decoder: &mut Decoder<'_, '_, T>) -> Next {
        if !matches!(self.route, Route::Echo(_)) {
            return crate::drop_body(decoder);
        }
        // Hold the body until it ends or fills the read-ahead, then write it out; while the
        // echo cannot go out, keep reading ahead (bounded).
        loop {
            if self.held.len() >= READ_AHEAD_MAX {
                return Next::write();
            }
            match decoder.read(self.held.room()) {
                Ok(0) => {
                    self.body_done = true;
                    return Next::write();
                }
                Ok(n) => self.held.commit(n),
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    // Before the answer starts, wait for more; once it has, echo what there
                    // is and go on reading ahead while it goes out.
                    return if self.started && !self.held.is_empty() {
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
        if let Some(canned) = self.route.canned() {
            res.set_status(canned.status);
            let _ = res.set_header("Content-Type", "text/plain");
            if let Some(allow) = canned.allow {
                let _ = res.set_header("Allow", allow);
            }
            res.set_content_length(canned.body.len() as u64);
            self.canned = canned.body;
            return Next::write();
        }
        let _ = res.set_header("Content-Type", "application/octet-stream");
        match self.route {
            Route::Echo(BodyLength::Length(n)) => res.set_content_length(n),
            Route::Echo(BodyLength::Empty) => res.set_content_length(0),
            _ => res.set_chunked(),
        }
        Next::write()
    }

    fn on_response_writable(&mut self, encoder: &mut Encoder<'_, '_, T>) -> Next {
        if !matches!(self.route, Route::Echo(_)) {
            return crate::write_body(encoder, self.canned, &mut self.pos);
        }
        while !self.held.is_empty() {
            match encoder.write(self.held.front()) {
                Ok(n) => self.held.consume(n),
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    // The client is not taking the echo: read ahead meanwhile (bounded).
                    return if !self.body_done && self.held.len() < READ_AHEAD_MAX {
                        Next::read_and_write()
                    } else {
                        Next::write()
                    };
                }
                Err(_) => return Next::remove(),
            }
        }
        if self.body_done {
            Next::end()
        } else {
            Next::read()
        }
    }
}
