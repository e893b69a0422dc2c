//! `GET /` and `HEAD /`: a short text. `POST /echo`: the request body streamed back as it
//! arrives (chunked when the request was chunked, sized otherwise), any size, with
//! back-pressure: nothing more is read while what was read is still being written.
//! Anything else: 404.

use std::io::{ErrorKind, Read, Write};

use hyper_server::BodyLength;
use hyper_server::{
    Decoder, Encoder, Handler, Method, Next, Request, Response, StatusCode, TcpStream,
};

const INDEX: &[u8] = b"echo server: POST /echo\n";
const CHUNK: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Index,
    Echo(BodyLength),
    NotFound,
}

/// One request's state.
#[derive(Debug)]
pub struct Echo {
    route: Route,
    buf: Vec<u8>,
    pos: usize,
    body_done: bool,
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
        }
    }
}

impl Handler<TcpStream> for Echo {
    fn on_request(&mut self, req: Request<'_>) -> Next {
        self.route = match (req.method(), req.path()) {
            (&Method::GET | &Method::HEAD, "/") => Route::Index,
            (&Method::POST, "/echo") => Route::Echo(req.body()),
            _ => Route::NotFound,
        };
        match self.route {
            Route::Echo(_) => {
                self.buf = vec![0; CHUNK];
                Next::read()
            }
            // Read (and drop) any body first, so the connection stays usable.
            _ if req.has_body() => Next::read(),
            _ => Next::write(),
        }
    }

    fn on_request_readable(&mut self, decoder: &mut Decoder<'_, '_, TcpStream>) -> Next {
        if !matches!(self.route, Route::Echo(_)) {
            let mut sink = [0u8; 8192];
            loop {
                match decoder.read(&mut sink) {
                    Ok(0) => return Next::write(),
                    Ok(_) => {}
                    Err(e) if e.kind() == ErrorKind::WouldBlock => return Next::read(),
                    Err(_) => return Next::remove(),
                }
            }
        }
        // Fill the buffer once; then write it out before reading more (back-pressure).
        match decoder.read(&mut self.buf) {
            Ok(0) => {
                self.body_done = true;
                self.buf.truncate(0);
                Next::write()
            }
            Ok(n) => {
                self.pos = 0;
                self.buf.truncate(n);
                Next::write()
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => Next::read(),
            Err(_) => Next::remove(),
        }
    }

    fn on_response(&mut self, res: &mut Response) -> Next {
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
        }
        Next::write()
    }

    fn on_response_writable(&mut self, encoder: &mut Encoder<'_, '_, TcpStream>) -> Next {
        while self.pos < self.buf.len() {
            match encoder.write(&self.buf[self.pos..]) {
                Ok(n) => self.pos += n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Next::write(),
                Err(_) => return Next::remove(),
            }
        }
        match self.route {
            Route::Echo(_) if !self.body_done => {
                self.buf.resize(CHUNK, 0);
                Next::read()
            }
            _ => Next::end(),
        }
    }
}
